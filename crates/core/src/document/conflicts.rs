//! Concurrent values of one field.
//!
//! When two auditors change the same field apart, Automerge keeps one value
//! as the winner (deterministically, the same on every copy) and keeps the
//! others readable. Nothing is lost: this module lists every value with the
//! actor who wrote it, and resolving writes one value that supersedes them
//! all, so after the next exchange the conflict is gone everywhere.

use automerge::{transaction::Transactable, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use super::error::DocError;
use super::genesis::FINDINGS;
use super::store::RegisterDoc;

/// One value of a conflicted field and who wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictValue {
    /// The value as the UI shows it (dates and enum keys as stored).
    pub display: String,
    pub value: ScalarValue,
    /// Actor id (hex) of the writer.
    pub actor: String,
    /// The writer's name, from the register's auditors.
    pub author: String,
    /// The value every copy currently shows.
    pub winner: bool,
}

/// A field of a finding holding more than one value. `path` is relative to
/// the finding, e.g. `["title"]` or `["actions", "<id>", "due"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub path: Vec<String>,
    pub values: Vec<ConflictValue>,
}

impl FieldConflict {
    pub fn field(&self) -> String {
        self.path.join(".")
    }
}

fn finding_obj<R: ReadDoc>(doc: &R, findings: &ObjId, id: &str) -> Result<Option<ObjId>, DocError> {
    match doc.get(findings, id)? {
        Some((Value::Object(ObjType::Map), obj)) => Ok(Some(obj)),
        _ => Ok(None),
    }
}

fn display(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Str(s) => s.to_string(),
        ScalarValue::Null => String::new(),
        other => other.to_string(),
    }
}

fn collect<R: ReadDoc>(
    store: &RegisterDoc,
    doc: &R,
    obj: &ObjId,
    prefix: &mut Vec<String>,
    out: &mut Vec<FieldConflict>,
) -> Result<(), DocError> {
    let keys: Vec<(String, bool, Option<ObjId>)> = doc
        .map_range(obj, ..)
        .map(|item| {
            let child = match item.value {
                automerge::ValueRef::Object(ObjType::Map) => Some(item.id()),
                _ => None,
            };
            (item.key.into_owned(), item.conflict, child)
        })
        .collect();
    for (key, conflict, child) in keys {
        prefix.push(key.clone());
        if conflict {
            let all = doc.get_all(obj, key.as_str())?;
            let winner = doc.get(obj, key.as_str())?.map(|(_, id)| id);
            let mut values = Vec::new();
            for (value, id) in &all {
                let scalar = match value {
                    Value::Scalar(s) => s.as_ref().clone(),
                    Value::Object(t) => ScalarValue::Str(format!("({t:?})").into()),
                };
                let actor = match id {
                    automerge::ObjId::Id(_, actor, _) => actor.to_hex_string(),
                    automerge::ObjId::Root => String::new(),
                };
                values.push(ConflictValue {
                    display: display(&scalar),
                    value: scalar,
                    author: store.auditor_name(&actor),
                    actor,
                    winner: winner.as_ref() == Some(id),
                });
            }
            out.push(FieldConflict {
                path: prefix.clone(),
                values,
            });
        }
        // Bounded like every read (`read::MAX_DEPTH`): a crafted nest of
        // maps must not recurse through the stack.
        if let Some(child) = child.filter(|_| prefix.len() < super::read::MAX_DEPTH) {
            collect(store, doc, &child, prefix, out)?;
        }
        prefix.pop();
    }
    Ok(())
}

impl RegisterDoc {
    /// Every conflicted field of a finding, with all values and their writers.
    pub fn conflicts(&self, finding_id: &str) -> Result<Vec<FieldConflict>, DocError> {
        let doc = self.doc();
        let findings = match doc.get(automerge::ROOT, FINDINGS)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => return Err(DocError::NotARegister),
        };
        let Some(obj) = finding_obj(doc, &findings, finding_id)? else {
            return Err(DocError::FindingNotFound(finding_id.to_owned()));
        };
        let mut out = Vec::new();
        collect(self, doc, &obj, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    /// Settles a conflicted field on `value`: one new write that supersedes
    /// every concurrent value, so the choice wins on every copy after the
    /// next exchange. Picking the current winner still writes, on purpose.
    pub fn resolve_conflict(
        &mut self,
        finding_id: &str,
        path: &[String],
        value: ScalarValue,
    ) -> Result<(), DocError> {
        let Some((last, parents)) = path.split_last() else {
            return Err(DocError::Refused("No field was named.".into()));
        };
        if !self.findings().contains_key(finding_id) {
            return Err(DocError::FindingNotFound(finding_id.to_owned()));
        }
        let fid = finding_id.to_owned();
        // Written in a copy first: a value that would leave the finding
        // unreadable (e.g. a text chosen where a map belongs) is refused.
        self.atomically(|trial| {
            let marks = trial.marks(finding_id).len();
            trial.write_resolution(&fid, path, last, parents, value)?;
            if trial.marks(finding_id).len() > marks || trial.finding(finding_id).is_none() {
                return Err(DocError::Refused(format!(
                    "That value cannot be kept for {}: this version could not read the finding with it. Nothing was changed.",
                    path.join(".")
                )));
            }
            Ok(())
        })
    }

    fn write_resolution(
        &mut self,
        fid: &str,
        path: &[String],
        last: &str,
        parents: &[String],
        value: ScalarValue,
    ) -> Result<(), DocError> {
        let finding_id = fid.to_owned();
        let fid = finding_id.clone();
        self.change("resolve_conflict", Some(&finding_id), |tx| {
            let mut obj = match tx.get(automerge::ROOT, FINDINGS)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => return Err(DocError::NotARegister),
            };
            for key in std::iter::once(&fid).chain(parents.iter()) {
                obj = match tx.get(&obj, key.as_str())? {
                    Some((Value::Object(ObjType::Map), id)) => id,
                    _ => {
                        return Err(DocError::Refused(format!(
                            "The field {} no longer exists.",
                            path.join(".")
                        )))
                    }
                };
            }
            tx.put(&obj, last, value)?;
            Ok(())
        })?;
        self.refresh_finding(&finding_id)
    }
}
