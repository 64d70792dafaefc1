//! The finding's free-text fields by name, so drafts (typed text not yet
//! committed) can be stored and replayed without a closure per field.

use crate::core::model::Finding;

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
        _ => String::new(),
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
        _ => {}
    }
}
