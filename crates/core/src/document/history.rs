//! A finding's history, read from the document's own changes.
//!
//! Each change our store makes carries a note naming the finding it touched
//! (see `ChangeNote`), so finding the relevant changes is a scan of change
//! metadata, not of operations. What each change did is then computed by
//! Automerge itself (`diff` between the change's parents and the change), so
//! the history is exact, survives export and merge, and names the auditor
//! through the register's actor map.
//!
//! # Order
//!
//! Each change carries the time its author's device recorded, and device
//! clocks are wrong: a change made after another one (and built on it) can
//! carry an earlier time. So the history is not sorted by that time alone:
//! it is a topological order of Automerge's change graph, in which a change
//! never comes before one it depends on, even through changes to other
//! findings. Changes independent of each other (concurrent, or neither
//! built on the other) come by recorded time, then author and hash, so
//! every copy of the register shows the same order whatever order its
//! changes were loaded or merged in.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use automerge::{ChangeHash, ObjId, PatchAction, Prop, ReadDoc, ScalarValue, Value};

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
    /// Milliseconds since the Unix epoch, as the author's device recorded
    /// it: that device's clock, not a trusted time, so it may run backwards
    /// from one entry to the next.
    pub at: i64,
    /// The change's hash (hex): what identifies the entry.
    pub hash: String,
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
    /// Oldest first, in causal order (see the module documentation).
    /// Changes made outside NC Register (no note) are not listed.
    pub fn history(&self, finding_id: &str) -> Result<Vec<HistoryEntry>, DocError> {
        let doc = self.doc();
        let findings_obj = match doc.get(automerge::ROOT, super::genesis::FINDINGS)? {
            Some((Value::Object(automerge::ObjType::Map), id)) => id,
            _ => return Err(DocError::NotARegister),
        };
        let metas = doc.get_changes_meta(&[]);
        let relevant: Vec<usize> = metas
            .iter()
            .enumerate()
            .filter(|(_, meta)| {
                meta.message
                    .as_deref()
                    .and_then(ChangeNote::parse)
                    .is_some_and(|note| note.finding.as_deref() == Some(finding_id))
            })
            .map(|(i, _)| i)
            .collect();
        let mut entries = Vec::with_capacity(relevant.len());
        for i in causal_order(&metas, &relevant) {
            let meta = &metas[i];
            let Some(note) = meta.message.as_deref().and_then(ChangeNote::parse) else {
                continue;
            };
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
                hash: meta.hash.to_string(),
                author: self.auditor_name(&actor),
                actor,
                op: note.op,
                changes,
            });
        }
        Ok(entries)
    }
}

/// `picked` (indexes into `metas`) in an order where no change comes before
/// a change it depends on, directly or through changes outside `picked`;
/// among changes free to go next, the earliest recorded time first, then
/// actor and hash, which makes the order a function of the change graph
/// alone.
///
/// The dependencies between picked changes are found in one pass over the
/// whole graph, carrying for every change the set of picked changes below
/// it as a bit set (`words` 64-bit words each): linear in the number of
/// changes, so a finding's history stays a scan of metadata, as before.
fn causal_order(metas: &[automerge::ChangeMetadata<'_>], picked: &[usize]) -> Vec<usize> {
    let n = picked.len();
    if n <= 1 {
        return picked.to_vec();
    }
    let words = n.div_ceil(64);
    let index: HashMap<ChangeHash, usize> =
        metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
    let mut bit_of = vec![usize::MAX; metas.len()];
    for (bit, &i) in picked.iter().enumerate() {
        bit_of[i] = bit;
    }
    // `below[i]`: the picked changes `i` depends on, transitively.
    let mut below = vec![0u64; metas.len() * words];
    for i in dependencies_first(metas, &index) {
        for dep in &metas[i].deps {
            let Some(&d) = index.get(dep) else {
                continue;
            };
            for w in 0..words {
                below[i * words + w] |= below[d * words + w];
            }
            if bit_of[d] != usize::MAX {
                below[i * words + bit_of[d] / 64] |= 1u64 << (bit_of[d] % 64);
            }
        }
    }
    // Kahn's algorithm over the picked changes.
    let mut waiting: Vec<usize> = Vec::with_capacity(n);
    let mut above: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (bit, &i) in picked.iter().enumerate() {
        let mine = &below[i * words..(i + 1) * words];
        let mut count = 0;
        for (other, ab) in above.iter_mut().enumerate() {
            if mine[other / 64] & (1u64 << (other % 64)) != 0 {
                ab.push(bit);
                count += 1;
            }
        }
        waiting.push(count);
    }
    let key = |bit: usize| {
        let m = &metas[picked[bit]];
        Reverse((m.timestamp, m.actor.to_bytes().to_vec(), m.hash, bit))
    };
    let mut ready: BinaryHeap<_> = (0..n).filter(|&b| waiting[b] == 0).map(key).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse((_, _, _, bit))) = ready.pop() {
        order.push(picked[bit]);
        for &up in &above[bit] {
            waiting[up] -= 1;
            if waiting[up] == 0 {
                ready.push(key(up));
            }
        }
    }
    order
}

/// Every change's index, each after the changes it depends on. Automerge
/// lists changes in the order it applied them, and it applies a change only
/// once its dependencies are there, so that order is almost always the
/// answer; it is checked, and sorted out by Kahn's algorithm if not.
fn dependencies_first(
    metas: &[automerge::ChangeMetadata<'_>],
    index: &HashMap<ChangeHash, usize>,
) -> Vec<usize> {
    let in_order = metas
        .iter()
        .enumerate()
        .all(|(i, m)| m.deps.iter().all(|d| index.get(d).is_none_or(|&d| d < i)));
    if in_order {
        return (0..metas.len()).collect();
    }
    let mut waiting: Vec<usize> = metas
        .iter()
        .map(|m| m.deps.iter().filter(|d| index.contains_key(*d)).count())
        .collect();
    let mut above: Vec<Vec<usize>> = vec![Vec::new(); metas.len()];
    for (i, m) in metas.iter().enumerate() {
        for d in &m.deps {
            if let Some(&d) = index.get(d) {
                above[d].push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..metas.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(metas.len());
    while let Some(i) = ready.pop() {
        order.push(i);
        for &up in &above[i] {
            waiting[up] -= 1;
            if waiting[up] == 0 {
                ready.push(up);
            }
        }
    }
    order
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
