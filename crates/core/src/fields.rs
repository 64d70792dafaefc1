//! The finding's free-text fields by name, so drafts (typed text not yet
//! committed) can be stored and replayed without a closure per field.

use crate::model::Finding;

/// Names of the text fields the form autosaves, with their labels.
pub const TEXT_FIELDS: &[(&str, &str)] = &[
    ("title", "Title"),
    ("statement", "Statement"),
    ("evidence", "Evidence"),
    ("area", "Area"),
    ("raised_by", "Raised by"),
    ("owner", "Owner"),
];

pub fn get_text(f: &Finding, field: &str) -> String {
    match field {
        "title" => f.title.clone(),
        "statement" => f.statement.clone(),
        "evidence" => f.evidence.clone(),
        "area" => f.area.clone(),
        "raised_by" => f.raised_by.clone(),
        "owner" => f.owner.clone(),
        "rejection_reason" => f.rejection_reason.clone(),
        "isms_changes" => f.isms_changes.clone(),
        "correction" => f.correction.description.clone(),
        "root_cause_method" => f.root_cause.method.clone(),
        "root_cause" => f.root_cause.statement.clone(),
        "review_notes" => f.review.notes.clone(),
        "reviewer" => f.review.reviewer.clone(),
        other => {
            if let Some(step) = why_step(other) {
                f.root_cause.whys.get(step).cloned().unwrap_or_default()
            } else if let Some((action, part)) = action_field(other) {
                f.actions
                    .get(action)
                    .map(|a| match part {
                        ActionText::Description => a.description.clone(),
                        ActionText::Owner => a.owner.clone(),
                    })
                    .unwrap_or_default()
            } else {
                String::new()
            }
        }
    }
}

/// Sets a text field by name; unknown names are ignored (a draft written by
/// a newer version must not break start-up).
pub fn set_text(f: &mut Finding, field: &str, value: String) {
    match field {
        "title" => f.title = value,
        "statement" => f.statement = value,
        "evidence" => f.evidence = value,
        "area" => f.area = value,
        "raised_by" => f.raised_by = value,
        "owner" => f.owner = value,
        "rejection_reason" => f.rejection_reason = value,
        "isms_changes" => f.isms_changes = value,
        "correction" => f.correction.description = value,
        "root_cause_method" => f.root_cause.method = value,
        "root_cause" => f.root_cause.statement = value,
        "review_notes" => f.review.notes = value,
        "reviewer" => f.review.reviewer = value,
        other => {
            if let Some(step) = why_step(other) {
                // An emptied step leaves the map rather than lingering as "".
                if value.is_empty() {
                    f.root_cause.whys.remove(step);
                } else {
                    f.root_cause.whys.insert(step.to_owned(), value);
                }
            } else if let Some((action, part)) = action_field(other) {
                // The action may have been removed by a merge since the draft was typed.
                if let Some(a) = f.actions.get_mut(action) {
                    match part {
                        ActionText::Description => a.description = value,
                        ActionText::Owner => a.owner = value,
                    }
                }
            }
        }
    }
}

/// The five-whys steps are fields `why1` to `why5`, stored under the keys
/// `"1"` to `"5"` of `root_cause.whys`.
pub const WHY_STEPS: [&str; 5] = ["1", "2", "3", "4", "5"];

fn why_step(field: &str) -> Option<&str> {
    let step = field.strip_prefix("why")?;
    WHY_STEPS.contains(&step).then_some(step)
}

/// The text parts of a corrective action that autosave like the finding's own
/// text fields (`action:<id>:description`, `action:<id>:owner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionText {
    Description,
    Owner,
}

impl ActionText {
    fn key(self) -> &'static str {
        match self {
            ActionText::Description => "description",
            ActionText::Owner => "owner",
        }
    }
}

/// The field name under which a corrective action's text is drafted and saved.
pub fn action_field_name(action: &str, part: ActionText) -> String {
    format!("action:{action}:{}", part.key())
}

fn action_field(field: &str) -> Option<(&str, ActionText)> {
    let rest = field.strip_prefix("action:")?;
    let (action, part) = rest.rsplit_once(':')?;
    let part = [ActionText::Description, ActionText::Owner]
        .into_iter()
        .find(|p| p.key() == part)?;
    Some((action, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_fields_round_trip_by_name() {
        let mut f = Finding::new("f".into(), "NC-1".into());
        f.actions.insert(
            "a1".into(),
            crate::model::CorrectiveAction {
                id: "a1".into(),
                ..Default::default()
            },
        );
        let description = action_field_name("a1", ActionText::Description);
        let owner = action_field_name("a1", ActionText::Owner);
        for name in [
            "why1",
            "why5",
            "reviewer",
            "correction",
            description.as_str(),
            owner.as_str(),
        ] {
            set_text(&mut f, name, format!("value of {name}"));
            assert_eq!(get_text(&f, name), format!("value of {name}"));
        }
        assert_eq!(
            f.root_cause.whys.get("5").map(String::as_str),
            Some("value of why5")
        );
        set_text(&mut f, "why1", String::new());
        assert!(!f.root_cause.whys.contains_key("1"));
        // Unknown names and missing actions change nothing.
        let before = f.clone();
        set_text(&mut f, "why6", "x".into());
        set_text(&mut f, "action:nope:owner", "x".into());
        set_text(&mut f, "action:a1:status", "x".into());
        assert_eq!(f, before);
        assert_eq!(get_text(&f, "why0"), "");
    }
}
