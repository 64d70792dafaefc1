//! The names drafts were written under before the field schema; kept so
//! callers that store drafts by name need not change. See [`crate::schema`].

pub use crate::schema::{get_text, set_text, WHY_STEPS};

/// The text parts of a corrective action that autosave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionText {
    Description,
    Owner,
}

/// The key under which a corrective action's text is drafted and saved.
pub fn action_field_name(action: &str, part: ActionText) -> String {
    let key = match part {
        ActionText::Description => "action:*:description",
        ActionText::Owner => "action:*:owner",
    };
    key.replace('*', action)
}
