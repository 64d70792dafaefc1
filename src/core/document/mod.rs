//! The document layer: the one owner of a register's Automerge document.
//! See `store.rs` for the intents, `genesis.rs` for why every register
//! shares its first change.

mod conflicts;
mod error;
pub mod genesis;
mod history;
mod lifecycle;
mod read;
mod store;

pub use conflicts::{ConflictValue, FieldConflict};
pub use error::DocError;
pub use history::{FieldChange, HistoryEntry};
pub use store::{
    system_clock, ChangeNote, Clock, DuplicateReference, MergeSummary, NewRegister, RegisterDoc,
};
