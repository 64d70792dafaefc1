//! A finding's history, read from the document's own changes.
//!
//! Each change our store makes carries a note naming the finding it touched
//! (see `ChangeNote`). An index kept beside the document ([`HistoryIndex`])
//! lists each finding's changes, so a finding's history reads only those.
//! What each change did is then computed by Automerge itself (`diff_obj` of
//! the finding's map between the change's parents and the change), so the
//! history is exact, survives export and merge, and names the auditor
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
    /// Brings the history index up to date now, so that the next
    /// [`history`](Self::history) reads only the finding's own changes. A
    /// UI calls it when idle after opening a register: the first history
    /// of a large register otherwise pays for indexing every change (about
    /// 45 ms natively at 10,000 findings, twice that in the browser).
    pub fn prepare_history(&self) {
        self.history_index().catch_up(self.doc());
    }

    /// Oldest first, in causal order (see the module documentation).
    /// Changes made outside NC Register (no note) are not listed.
    ///
    /// Reads only the finding's own changes: the register's [`HistoryIndex`]
    /// is first brought up to date with the changes that arrived since it
    /// was last asked, which costs in proportion to them.
    pub fn history(&self, finding_id: &str) -> Result<Vec<HistoryEntry>, DocError> {
        let doc = self.doc();
        let findings_obj = match doc.get(automerge::ROOT, super::genesis::FINDINGS)? {
            Some((Value::Object(automerge::ObjType::Map), id)) => id,
            _ => return Err(DocError::NotARegister),
        };
        let mut index = self.history_index();
        index.catch_up(doc);
        let noted = index.noted(finding_id);
        let mut entries = Vec::with_capacity(noted.len());
        for k in index.causal_order(noted) {
            let entry = &noted[k];
            let hash = index.hashes[entry.position as usize];
            let deps: Vec<ChangeHash> = index.deps[entry.position as usize]
                .iter()
                .map(|&d| index.hashes[d as usize])
                .collect();
            // The finding's own map as this change left it: only its
            // operations are diffed, not the register's.
            let patches = match doc.get_at(&findings_obj, finding_id, &[hash])? {
                Some((Value::Object(_), obj)) => doc.diff_obj(&obj, &deps, &[hash], true)?,
                _ => doc.diff(&deps, &[hash]),
            };
            let mut changes = Vec::new();
            for patch in patches {
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
                    .get_at(&patch.obj, key.as_str(), &deps)?
                    .and_then(|(v, _)| show(&v));
                if old == new {
                    continue;
                }
                changes.push(FieldChange { path, old, new });
            }
            let actor = entry.actor.to_hex_string();
            entries.push(HistoryEntry {
                at: entry.timestamp,
                hash: hash.to_string(),
                author: self.auditor_name(&actor),
                actor,
                op: entry.op.clone(),
                source: entry.source.clone(),
                changes,
            });
        }
        Ok(entries)
    }
}

/// Which changes wrote which finding, kept beside the document so that a
/// finding's history reads its own changes and not every change's
/// metadata (2.7 s at 10,000 findings in the browser before it).
///
/// It holds the change graph as positions (every change after the changes
/// it depends on) and, for each finding, the changes whose note names it.
/// [`HistoryIndex::catch_up`] adds the changes that arrived since it last
/// looked, found from the heads it covers; so it follows local edits,
/// another tab's chunks and merges alike without any of them telling it.
/// Built on the first history asked for (or by
/// [`RegisterDoc::prepare_history`], which a UI calls when idle), not on
/// open, so opening a register pays nothing for it.
///
/// Copies of a `RegisterDoc` (a fork to validate an import, a trial
/// transaction) share one index. A copy whose document does not hold every
/// change the index covers (a trial that was dropped, a fork that went its
/// own way) finds out from the covered heads and rebuilds it: an index is
/// never read against a document it does not describe.
#[derive(Default)]
pub(crate) struct HistoryIndex {
    /// The heads of the document the index was last brought up to.
    covers: Vec<ChangeHash>,
    position: HashIndex,
    hashes: Vec<ChangeHash>,
    /// Each change's dependencies, as positions (always smaller than its own).
    deps: Vec<Box<[u32]>>,
    by_finding: HashMap<String, Vec<Noted>>,
}

/// A change whose note names a finding.
struct Noted {
    position: u32,
    timestamp: i64,
    actor: automerge::ActorId,
    op: String,
    source: Option<String>,
}

impl HistoryIndex {
    fn catch_up(&mut self, doc: &automerge::Automerge) {
        if !self.covers.is_empty() && !doc.get_missing_deps(&self.covers).is_empty() {
            *self = HistoryIndex::default();
        }
        let metas = doc.get_changes_meta(&self.covers);
        if metas.is_empty() {
            return;
        }
        self.extend(&metas);
        self.covers = doc.get_heads();
    }

    /// Adds changes the index does not hold yet, whose dependencies are
    /// either held already or among them.
    fn extend(&mut self, metas: &[automerge::ChangeMetadata<'_>]) {
        // Automerge lists changes in the order it applied them, each after
        // its dependencies. A listing out of that order (never seen) is put
        // in order first, so positions stay causal.
        let in_order = {
            let mut seen: HashIndex = HashIndex::default();
            metas.iter().enumerate().all(|(i, m)| {
                let ok = m
                    .deps
                    .iter()
                    .all(|d| seen.contains_key(d) || self.position.contains_key(d));
                seen.insert(m.hash, i);
                ok
            })
        };
        let order: Vec<usize> = if in_order {
            (0..metas.len()).collect()
        } else {
            let batch: HashIndex = metas.iter().enumerate().map(|(i, m)| (m.hash, i)).collect();
            dependencies_first(metas, &batch)
        };
        for i in order {
            self.add(&metas[i]);
        }
    }

    fn add(&mut self, meta: &automerge::ChangeMetadata<'_>) {
        if self.position.contains_key(&meta.hash) {
            // Held already: a catch-up cut short (by a panic) left its heads
            // behind what it had added.
            return;
        }
        let position = u32::try_from(self.hashes.len()).unwrap_or(u32::MAX);
        let deps: Box<[u32]> = meta
            .deps
            .iter()
            .filter_map(|d| self.position.get(d).map(|&p| p as u32))
            .collect();
        self.position.insert(meta.hash, position as usize);
        self.hashes.push(meta.hash);
        self.deps.push(deps);
        let Some(note) = meta.message.as_deref().and_then(ChangeNote::parse) else {
            return;
        };
        let mut note_finding = |id: &str| {
            self.by_finding
                .entry(id.to_owned())
                .or_default()
                .push(Noted {
                    position,
                    timestamp: meta.timestamp,
                    actor: meta.actor.clone().into_owned(),
                    op: note.op.clone(),
                    source: note.source.clone(),
                });
        };
        if let Some(id) = &note.finding {
            note_finding(id);
        }
        for id in &note.findings {
            if note.finding.as_deref() != Some(id.as_str()) {
                note_finding(id);
            }
        }
    }

    fn noted(&self, finding_id: &str) -> &[Noted] {
        self.by_finding.get(finding_id).map_or(&[], Vec::as_slice)
    }

    /// Indexes into `picked` in an order where no change comes before a
    /// change it depends on, directly or through changes outside `picked`;
    /// among changes free to go next, the earliest recorded time first, then
    /// actor and hash, which makes the order a function of the change graph
    /// alone.
    ///
    /// The dependencies between picked changes are found in one pass over
    /// the positions from the first picked change to the last, carrying for
    /// every change the set of picked changes below it as a bit set: nothing
    /// before the first picked change can have one below it.
    fn causal_order(&self, picked: &[Noted]) -> Vec<usize> {
        let n = picked.len();
        if n <= 1 {
            return (0..n).collect();
        }
        let words = n.div_ceil(64);
        let first = picked.iter().map(|e| e.position).min().unwrap_or(0) as usize;
        let last = picked.iter().map(|e| e.position).max().unwrap_or(0) as usize;
        let span = last - first + 1;
        let mut bit_of = vec![usize::MAX; span];
        for (bit, e) in picked.iter().enumerate() {
            bit_of[e.position as usize - first] = bit;
        }
        let mut below = vec![0u64; span * words];
        for p in first..=last {
            let at = p - first;
            for &d in self.deps[p].iter() {
                let Some(d) = (d as usize).checked_sub(first) else {
                    continue;
                };
                for w in 0..words {
                    below[at * words + w] |= below[d * words + w];
                }
                if bit_of[d] != usize::MAX {
                    below[at * words + bit_of[d] / 64] |= 1u64 << (bit_of[d] % 64);
                }
            }
        }
        // Kahn's algorithm over the picked changes.
        let mut waiting: Vec<usize> = Vec::with_capacity(n);
        let mut above: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (bit, e) in picked.iter().enumerate() {
            let at = e.position as usize - first;
            let mine = &below[at * words..(at + 1) * words];
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
            let e = &picked[bit];
            Reverse((
                e.timestamp,
                e.actor.to_bytes().to_vec(),
                self.hashes[e.position as usize],
                bit,
            ))
        };
        let mut ready: BinaryHeap<_> = (0..n).filter(|&b| waiting[b] == 0).map(key).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(Reverse((_, _, _, bit))) = ready.pop() {
            order.push(bit);
            for &up in &above[bit] {
                waiting[up] -= 1;
                if waiting[up] == 0 {
                    ready.push(key(up));
                }
            }
        }
        order
    }
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

    /// Change `n`, naming finding "f" in its note when `picked`.
    fn change(
        n: u8,
        actor: u8,
        timestamp: i64,
        deps: &[u8],
        picked: bool,
    ) -> ChangeMetadata<'static> {
        ChangeMetadata {
            actor: Cow::Owned(ActorId::from([actor; 16])),
            author: None,
            seq: 1,
            start_op: 1,
            max_op: 1,
            timestamp,
            message: picked.then_some(Cow::Borrowed(r#"{"op":"edit_finding","finding":"f"}"#)),
            deps: deps.iter().map(|d| ChangeHash([*d; 32])).collect(),
            hash: ChangeHash([n; 32]),
            extra: Cow::Borrowed(&[]),
        }
    }

    /// The first byte of the hashes of "f"'s changes, in history order.
    fn history_order(metas: &[ChangeMetadata<'_>]) -> Vec<u8> {
        let mut index = HistoryIndex::default();
        index.extend(metas);
        let noted = index.noted("f");
        index
            .causal_order(noted)
            .into_iter()
            .map(|k| index.hashes[noted[k].position as usize].0[0])
            .collect()
    }

    /// 1 ← 2 ← 3 ← 4 and 1 ← 5, with times running backwards; only 1, 2, 4
    /// and 5 name the finding, so 4's dependency on 2 runs through 3.
    fn graph() -> Vec<ChangeMetadata<'static>> {
        vec![
            change(1, 1, 500, &[], true),
            change(2, 2, 400, &[1], true),
            change(3, 3, 300, &[2], false),
            change(4, 2, 100, &[3], true),
            change(5, 3, 200, &[1], true),
        ]
    }

    #[test]
    fn dependencies_come_first_even_through_changes_not_picked() {
        assert_eq!(
            history_order(&graph()),
            [1, 5, 2, 4],
            "5 (time 200) is free before 2 (time 400); 4 waits for 2"
        );
    }

    #[test]
    fn a_listing_out_of_dependency_order_gives_the_same_answer() {
        let expected = history_order(&graph());
        // Dependants listed before their dependencies: the batch is sorted.
        let mut reversed = graph();
        reversed.reverse();
        assert_eq!(history_order(&reversed), expected);
    }

    #[test]
    fn a_graph_indexed_in_pieces_gives_the_same_answer() {
        let metas = graph();
        let expected = history_order(&metas);
        let mut index = HistoryIndex::default();
        for piece in metas.chunks(2) {
            index.extend(piece);
        }
        let noted = index.noted("f");
        let order: Vec<u8> = index
            .causal_order(noted)
            .into_iter()
            .map(|k| index.hashes[noted[k].position as usize].0[0])
            .collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn equal_times_fall_back_to_actor_then_hash() {
        let metas = vec![
            change(9, 1, 0, &[], true),
            change(7, 3, 50, &[9], true),
            change(8, 2, 50, &[9], true),
            change(6, 2, 50, &[9], true),
        ];
        assert_eq!(history_order(&metas), [9, 6, 8, 7]);
    }

    #[test]
    fn a_prepared_index_covers_the_whole_document() {
        let mut n = 0;
        let doc = crate::demo::build_demo(
            ActorId::from([1; 16]),
            "demo".into(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            || 0,
            || {
                n += 1;
                format!("id-{n}")
            },
        )
        .unwrap();
        assert!(doc.history_index().covers.is_empty(), "built lazily");
        doc.prepare_history();
        let index = doc.history_index();
        assert_eq!(index.covers, doc.heads());
        assert_eq!(index.hashes.len(), doc.doc().get_changes(&[]).len());
    }
}
