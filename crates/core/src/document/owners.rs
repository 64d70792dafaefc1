//! Which finding each object of the document belongs to, so a merge finds
//! the findings it touched from the operations it brought in, without
//! diffing the whole register.
//!
//! Why it is enough: reading a finding (`read.rs`) walks its map and the
//! objects inside it, and what it reads depends on nothing but those
//! objects' operations and the finding's own key in the findings map. An
//! object the reading did not walk (a value that lost a conflict, a deleted
//! branch, anything below `MAX_DEPTH`) can only come into view through an
//! operation on an object it did walk. So a finding is touched exactly when
//! an incoming operation is on its key in the findings map or on one of the
//! objects its last reading walked.
//!
//! A finding cached from what this copy wrote rather than from a reading
//! (`cache_put`) may hold objects the index has not seen: it is *stale*
//! until read again, and a merge reads the stale ones first.
//!
//! Automerge's own `parents` would answer the same question without an
//! index, but it panics on an object whose container is missing, and the
//! document holds peers' operations; this index only ever looks up ids.

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::ObjId;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Owners {
    owner: FxHashMap<ObjId, Arc<str>>,
    objects: FxHashMap<Arc<str>, Vec<ObjId>>,
    stale: BTreeSet<String>,
}

impl Owners {
    /// Records the objects a reading of `finding` walked, in place of
    /// those of its previous reading.
    pub fn set(&mut self, finding: &str, objects: Vec<ObjId>) {
        self.forget(finding);
        if objects.is_empty() {
            return;
        }
        let id: Arc<str> = Arc::from(finding);
        for obj in &objects {
            self.owner.insert(obj.clone(), id.clone());
        }
        self.objects.insert(id, objects);
    }

    /// Drops what is known of `finding` (no longer in the document).
    pub fn forget(&mut self, finding: &str) {
        self.stale.remove(finding);
        if let Some(objects) = self.objects.remove(finding) {
            for obj in objects {
                self.owner.remove(&obj);
            }
        }
    }

    /// `finding` was cached from what this copy wrote: read it again
    /// before trusting the index with it.
    pub fn mark_stale(&mut self, finding: &str) {
        self.stale.insert(finding.to_owned());
    }

    pub fn stale(&self) -> Vec<String> {
        self.stale.iter().cloned().collect()
    }

    /// The first `n` stale findings, and whether more are stale: a slice
    /// copies only what it walks (all 10,000 ids per slice were most of a
    /// small slice's time).
    pub fn some_stale(&self, n: usize) -> (Vec<String>, bool) {
        let first: Vec<String> = self.stale.iter().take(n).cloned().collect();
        let more = self.stale.len() > first.len();
        (first, more)
    }

    /// The finding whose last reading walked `obj`.
    pub fn of(&self, obj: &ObjId) -> Option<&str> {
        self.owner.get(obj).map(|id| &**id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ActorId;

    fn obj(n: u64) -> ObjId {
        ObjId::Id(n, ActorId::from([7u8; 16]), 0)
    }

    #[test]
    fn a_new_reading_replaces_the_old_and_forgetting_drops_it() {
        let mut o = Owners::default();
        o.set("a", vec![obj(1), obj(2)]);
        o.set("b", vec![obj(3)]);
        assert_eq!(o.of(&obj(2)), Some("a"));
        o.set("a", vec![obj(1), obj(4)]);
        assert_eq!(o.of(&obj(2)), None);
        assert_eq!(o.of(&obj(4)), Some("a"));
        o.mark_stale("b");
        assert_eq!(o.stale(), vec!["b".to_owned()]);
        o.forget("b");
        assert_eq!(o.of(&obj(3)), None);
        assert!(o.stale().is_empty());
        for f in ["c", "d", "e"] {
            o.mark_stale(f);
        }
        assert_eq!(
            o.some_stale(2),
            (vec!["c".to_owned(), "d".to_owned()], true)
        );
        assert_eq!(
            o.some_stale(3),
            (vec!["c".to_owned(), "d".to_owned(), "e".to_owned()], false)
        );
        o.set("c", vec![obj(9)]);
        assert_eq!(
            o.some_stale(2),
            (vec!["d".to_owned(), "e".to_owned()], false)
        );
        // The actor index an id carries is this copy's, not part of it.
        assert_eq!(o.of(&ObjId::Id(1, ActorId::from([7u8; 16]), 5)), Some("a"));
    }
}
