//! The document layer: the one owner of a register's Automerge document.
//! See `store.rs` for the intents, `genesis.rs` for why every register
//! shares its first change.

mod conflicts;
mod error;
pub mod genesis;
mod history;
mod import;
mod lifecycle;
mod owners;
mod read;
mod related;
mod store;
mod unexported;
mod view;
mod write;

pub use conflicts::{ConflictValue, FieldConflict};
pub use error::DocError;
pub use history::{FieldChange, HistoryEntry};
pub use import::{ImportBatch, IMPORT_OP, IMPORT_SLICE};
pub use read::{ItemKind, Mark, Unreadable};
pub use store::{
    person_of, session_actor, CacheState, ChangeNote, Changes, Clock, Deletion, DuplicateReference,
    MergeSummary, NewRegister, RegisterDoc, RemovedFinding, PERSON_ID_BYTES,
};
pub use unexported::{reminder_due, Unexported};
pub use view::{ParsedView, StoredView};
