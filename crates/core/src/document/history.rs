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
    /// Where the change's content came from (an import's file name).
    pub source: Option<String>,
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
                    .is_some_and(|note| note.concerns(finding_id))
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
                source: note.source,
                changes,
            });
        }
        Ok(entries)
    }
}

/// `picked` (indexes into `metas`) in an order where no change
/// comes before a change it depends on, directly or through changes outside
/// `picked`; among changes free to go next, the earliest recorded time
/// first, then actor and hash, which makes the order a function of the
/// change graph alone.
///
/// The dependencies between picked changes are found in one pass over the
/// graph, carrying for every change the set of picked changes below it as a
/// bit set (`words` 64-bit words each): linear in the number of changes, so
/// a finding's history stays a scan of metadata, as before.
fn causal_order(metas: &[automerge::ChangeMetadata<'_>], picked: &[usize]) -> Vec<usize> {
    let n = picked.len();
    if n <= 1 {
        return picked.to_vec();
    }
    let words = n.div_ceil(64);
    let mut bit_of = vec![usize::MAX; metas.len()];
    for (bit, &i) in picked.iter().enumerate() {
        bit_of[i] = bit;
    }
    // Automerge lists changes in the order it applied them, and it applies
    // a change only once its dependencies are there. In that order nothing
    // before the first picked change can have a picked change below it, so
    // the pass starts there. A listing out of that order (never seen) is
    // put in order first.
    let first = picked.iter().copied().min().unwrap_or(0);
    let mut below = vec![0u64; metas.len() * words];
    let index: HashIndex = metas[first..]
        .iter()
        .enumerate()
        .map(|(k, m)| (m.hash, first + k))
        .collect();
    if !fill_below(
        metas,
        &index,
        first..metas.len(),
        &bit_of,
        words,
        &mut below,
    ) {
        below.fill(0);
        let index: HashIndex = metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
        let order = dependencies_first(metas, &index);
        fill_below(metas, &index, order, &bit_of, words, &mut below);
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

/// Change hashes are uniformly distributed already: their first eight bytes
/// make the map's hash, which saves hashing every change's 32 bytes again.
#[derive(Default)]
struct PrefixHasher(u64);

impl std::hash::Hasher for PrefixHasher {
    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }

    fn write_usize(&mut self, _: usize) {
        // The array's length, the same for every hash.
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type HashIndex = HashMap<ChangeHash, usize, std::hash::BuildHasherDefault<PrefixHasher>>;

/// Fills `below` visiting changes in `order`, which must list every
/// dependency (found in `index`) before its dependants; `false`, with
/// `below` half filled, as soon as it does not.
fn fill_below(
    metas: &[automerge::ChangeMetadata<'_>],
    index: &HashIndex,
    order: impl IntoIterator<Item = usize>,
    bit_of: &[usize],
    words: usize,
    below: &mut [u64],
) -> bool {
    let mut done = vec![false; metas.len()];
    for i in order {
        for dep in &metas[i].deps {
            let Some(&d) = index.get(dep) else {
                continue;
            };
            if !done[d] {
                return false;
            }
            for w in 0..words {
                below[i * words + w] |= below[d * words + w];
            }
            if bit_of[d] != usize::MAX {
                below[i * words + bit_of[d] / 64] |= 1u64 << (bit_of[d] % 64);
            }
        }
        done[i] = true;
    }
    true
}

/// Every change's index, each after the changes it depends on (Kahn's
/// algorithm), for a listing that is not in that order already.
fn dependencies_first(metas: &[automerge::ChangeMetadata<'_>], index: &HashIndex) -> Vec<usize> {
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

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use automerge::{ActorId, ChangeMetadata};

    use super::*;

    fn change(n: u8, actor: u8, timestamp: i64, deps: &[u8]) -> ChangeMetadata<'static> {
        ChangeMetadata {
            actor: Cow::Owned(ActorId::from([actor; 16])),
            author: None,
            seq: 1,
            start_op: 1,
            max_op: 1,
            timestamp,
            message: None,
            deps: deps.iter().map(|d| ChangeHash([*d; 32])).collect(),
            hash: ChangeHash([n; 32]),
            extra: Cow::Borrowed(&[]),
        }
    }

    /// Hashes of `order` (indexes into `metas`).
    fn hashes(metas: &[ChangeMetadata<'_>], order: &[usize]) -> Vec<u8> {
        order.iter().map(|&i| metas[i].hash.0[0]).collect()
    }

    /// 1 ← 2 ← 3 ← 4 and 1 ← 5, with times running backwards; only 1, 2, 4
    /// and 5 are picked, so 4's dependency on 2 runs through 3.
    fn graph() -> Vec<ChangeMetadata<'static>> {
        vec![
            change(1, 1, 500, &[]),
            change(2, 2, 400, &[1]),
            change(3, 3, 300, &[2]),
            change(4, 2, 100, &[3]),
            change(5, 3, 200, &[1]),
        ]
    }

    #[test]
    fn dependencies_come_first_even_through_changes_not_picked() {
        let metas = graph();
        let picked: Vec<usize> = vec![0, 1, 3, 4];
        assert_eq!(
            hashes(&metas, &causal_order(&metas, &picked)),
            [1, 5, 2, 4],
            "5 (time 200) is free before 2 (time 400); 4 waits for 2"
        );
    }

    #[test]
    fn a_listing_out_of_dependency_order_gives_the_same_answer() {
        let metas = graph();
        let expected = hashes(&metas, &causal_order(&metas, &[0, 1, 3, 4]));
        // Dependants listed before their dependencies: the fallback sorts.
        let mut reversed = graph();
        reversed.reverse();
        let picked: Vec<usize> = vec![4, 3, 1, 0];
        assert_eq!(
            hashes(&reversed, &causal_order(&reversed, &picked)),
            expected
        );
    }

    #[test]
    fn equal_times_fall_back_to_actor_then_hash() {
        let metas = vec![
            change(9, 1, 0, &[]),
            change(7, 3, 50, &[9]),
            change(8, 2, 50, &[9]),
            change(6, 2, 50, &[9]),
        ];
        assert_eq!(
            hashes(&metas, &causal_order(&metas, &[0, 1, 2, 3])),
            [9, 6, 8, 7]
        );
    }
}
