//! The relations index (`crate::relations`) as a register keeps it: not
//! built when the register opens, but a slice of findings at a time when
//! the page is idle, and wholly on first use.
//!
//! Findings are indexed in key order. While the index is part-built, a
//! change to a finding the slices have passed updates the index as usual,
//! and a change to one they have not reached is left for its slice, which
//! reads the finding as it is then. So at every point the index holds
//! exactly the findings before the cursor, each as cached, and once
//! complete it equals the index built afresh (the tests compare it with
//! one, `RegisterDoc::cache_state`).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use crate::model::Finding;
use crate::relations::Relations;

#[derive(Debug, Clone, Default)]
enum Progress {
    #[default]
    NotStarted,
    /// Findings from this key on are not indexed yet.
    From(String),
    Done,
}

#[derive(Debug, Clone, Default)]
struct State {
    index: Relations,
    progress: Progress,
}

/// Behind a lock so that readers (`&RegisterDoc`) can build it; each copy
/// of a register has its own.
#[derive(Debug, Default)]
pub(crate) struct Related(Mutex<State>);

impl Clone for Related {
    fn clone(&self) -> Self {
        Related(Mutex::new(self.state().clone()))
    }
}

impl Related {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while indexing leaves at worst a part-built index, which
        // the cursor still describes.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Indexes up to `limit` more findings; true once the index is complete.
    pub fn build_some(&self, findings: &BTreeMap<String, Finding>, limit: usize) -> bool {
        let mut state = self.state();
        Self::advance(&mut state, findings, limit)
    }

    fn advance(state: &mut State, findings: &BTreeMap<String, Finding>, limit: usize) -> bool {
        let start = match &state.progress {
            Progress::Done => return true,
            Progress::NotStarted => Bound::Unbounded,
            Progress::From(key) => Bound::Included(key.clone()),
        };
        let mut rest = findings.range::<String, _>((start, Bound::Unbounded));
        for _ in 0..limit {
            match rest.next() {
                Some((id, f)) => state.index.update(id, Some(f)),
                None => {
                    state.progress = Progress::Done;
                    return true;
                }
            }
        }
        match rest.next() {
            Some((id, _)) => {
                state.progress = Progress::From(id.clone());
                false
            }
            None => {
                state.progress = Progress::Done;
                true
            }
        }
    }

    /// Runs `f` on the whole index, completing it first.
    pub fn with<R>(
        &self,
        findings: &BTreeMap<String, Finding>,
        f: impl FnOnce(&Relations) -> R,
    ) -> R {
        let mut state = self.state();
        Self::advance(&mut state, findings, usize::MAX);
        f(&state.index)
    }

    /// Finding `id` now reads `finding` (`None`: gone from the cache).
    pub fn update(&mut self, id: &str, finding: Option<&Finding>) {
        let state = self.0.get_mut().unwrap_or_else(|e| e.into_inner());
        let passed = match &state.progress {
            Progress::NotStarted => false,
            Progress::From(next) => id < next.as_str(),
            Progress::Done => true,
        };
        if passed {
            state.index.update(id, finding);
        }
    }
}
