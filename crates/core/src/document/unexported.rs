//! Work that exists only in this browser: the changes a person made since
//! the register was last exported to a file. Browsers may clear storage,
//! and laptops get lost, so the UI reminds the auditor once such work has
//! waited too long (see `reminder_due`).

use automerge::ChangeHash;

use super::store::{person_of, ChangeNote, RegisterDoc};

/// Changes by one person not contained in the last exported file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Unexported {
    pub changes: usize,
    /// Time of the oldest such change, in milliseconds since the epoch.
    pub oldest: Option<i64>,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

impl RegisterDoc {
    /// The changes `person` (hex id, see `PERSON_ID_BYTES`) made that are
    /// not in `exported` (the heads of the last export; empty if never).
    /// Introducing oneself to a register (opening someone else's file) is
    /// not work worth a reminder, so it is not counted.
    pub fn unexported(&self, person: &str, exported: &[ChangeHash]) -> Unexported {
        let doc = self.doc();
        // Heads this copy does not know (storage reset, another register
        // under the same id) would hide nothing: ignore them.
        let known: Vec<ChangeHash> = exported
            .iter()
            .filter(|h| doc.get_change_meta_by_hash(h).is_some())
            .copied()
            .collect();
        let mut out = Unexported::default();
        for meta in doc.get_changes_meta(&known) {
            if person_of(&meta.actor.to_hex_string()) != person {
                continue;
            }
            let note = meta.message.as_deref().and_then(ChangeNote::parse);
            if note.is_some_and(|n| n.op == "set_auditor") {
                continue;
            }
            out.changes += 1;
            out.oldest = Some(out.oldest.map_or(meta.timestamp, |t| t.min(meta.timestamp)));
        }
        out
    }
}

/// Whole days the oldest unexported change has waited, when that is at
/// least `after_days`; `None` when no reminder is due.
pub fn reminder_due(unexported: &Unexported, now_ms: i64, after_days: u32) -> Option<i64> {
    let oldest = unexported.oldest?;
    let age = (now_ms - oldest).max(0) / DAY_MS;
    (age >= i64::from(after_days)).then_some(age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_is_due_only_after_the_set_number_of_whole_days() {
        let u = Unexported {
            changes: 3,
            oldest: Some(0),
        };
        assert_eq!(reminder_due(&u, 7 * DAY_MS - 1, 7), None);
        assert_eq!(reminder_due(&u, 7 * DAY_MS, 7), Some(7));
        assert_eq!(reminder_due(&u, 30 * DAY_MS, 7), Some(30));
        assert_eq!(reminder_due(&Unexported::default(), 30 * DAY_MS, 7), None);
        // A clock set back never makes a negative age.
        assert_eq!(reminder_due(&u, -DAY_MS, 0), Some(0));
    }
}
