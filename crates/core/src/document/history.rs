//! A finding's history, read from the document's own changes.
//!
//! Each change our store makes carries a note naming the finding it touched
//! (see `ChangeNote`), so finding the relevant changes is a scan of change
//! metadata, not of operations. What each change did is then computed by
//! Automerge itself (`diff` between the change's parents and the change), so
//! the history is exact, survives export and merge, and names the auditor
//! through the register's actor map.

use automerge::{ObjId, PatchAction, Prop, ReadDoc, ScalarValue, Value};

use super::error::DocError;
use super::store::{ChangeNote, RegisterDoc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// Path inside the finding, e.g. `["title"]`, `["actions", id, "status"]`.
    pub path: Vec<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Milliseconds since the Unix epoch, as stamped by the writer's clock.
    pub at: i64,
    pub actor: String,
    pub author: String,
    /// The intent, e.g. `add_finding`, `edit_finding`, `change_status`.
    pub op: String,
    pub changes: Vec<FieldChange>,
}

fn show(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Object(_) => None,
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Null => None,
            ScalarValue::Str(s) if s.is_empty() => None,
            ScalarValue::Str(s) => Some(s.to_string()),
            ScalarValue::Boolean(false) => None,
            other => Some(other.to_string()),
        },
    }
}

impl RegisterDoc {
    /// Oldest first. Changes made outside NC Register (no note) are not listed.
    pub fn history(&self, finding_id: &str) -> Result<Vec<HistoryEntry>, DocError> {
        let doc = self.doc();
        let findings_obj = match doc.get(automerge::ROOT, super::genesis::FINDINGS)? {
            Some((Value::Object(automerge::ObjType::Map), id)) => id,
            _ => return Err(DocError::NotARegister),
        };
        let mut entries = Vec::new();
        for meta in doc.get_changes_meta(&[]) {
            let Some(note) = meta.message.as_deref().and_then(ChangeNote::parse) else {
                continue;
            };
            if note.finding.as_deref() != Some(finding_id) {
                continue;
            }
            let mut changes = Vec::new();
            for patch in doc.diff(&meta.deps, &[meta.hash]) {
                let (key, new) = match &patch.action {
                    PatchAction::PutMap { key, value, .. } => (key.clone(), show(&value.0)),
                    PatchAction::DeleteMap { key } => (key.clone(), None),
                    _ => continue,
                };
                let Some(mut path) = relative_path(&patch.path, &findings_obj, finding_id) else {
                    continue;
                };
                path.push(key.clone());
                if path.len() == 1 && path[0] == finding_id {
                    // The finding's own map being created: its fields follow.
                    continue;
                }
                if path.first().map(String::as_str) == Some(finding_id) {
                    path.remove(0);
                }
                let old = doc
                    .get_at(&patch.obj, key.as_str(), &meta.deps)?
                    .and_then(|(v, _)| show(&v));
                if old == new {
                    continue;
                }
                changes.push(FieldChange { path, old, new });
            }
            let actor = meta.actor.to_hex_string();
            entries.push(HistoryEntry {
                at: meta.timestamp,
                author: self.auditor_name(&actor),
                actor,
                op: note.op,
                changes,
            });
        }
        entries.sort_by_key(|e| e.at);
        Ok(entries)
    }
}

/// The part of a patch path below the `findings` map, if the patch concerns
/// `finding_id` at all.
fn relative_path(
    path: &[(ObjId, Prop)],
    findings: &ObjId,
    finding_id: &str,
) -> Option<Vec<String>> {
    let start = path.iter().position(|(obj, _)| obj == findings);
    match start {
        Some(i) => {
            let rest = &path[i..];
            match rest.first() {
                Some((_, Prop::Map(k))) if k == finding_id => Some(
                    rest.iter()
                        .map(|(_, p)| match p {
                            Prop::Map(k) => k.clone(),
                            Prop::Seq(n) => n.to_string(),
                        })
                        .collect(),
                ),
                _ => None,
            }
        }
        // A put straight into `findings` (the finding's creation).
        None if path
            .last()
            .is_some_and(|(_, p)| *p == Prop::Map(super::genesis::FINDINGS.into())) =>
        {
            Some(Vec::new())
        }
        None => None,
    }
}
