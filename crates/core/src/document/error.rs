use thiserror::Error;

use crate::validate::ValidationErrors;
use crate::workflow::TransitionError;

/// Everything the document layer can refuse. Display strings are sentences a
/// person reads in the UI: they say what happened and what was kept.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DocError {
    #[error("This file is damaged or is not an NC Register file ({0}). Nothing was changed.")]
    Corrupt(String),
    #[error("This file is not an NC Register register. Nothing was changed.")]
    NotARegister,
    #[error(
        "This register was written by a newer version of NC Register (format {found}; this version reads up to {supported}). Update the app to open it. Nothing was changed."
    )]
    NewerVersion { found: u64, supported: u64 },
    #[error(
        "This file holds a different register (\u{201c}{name}\u{201d}). Open it as a separate register or copy its findings into this one; it was not merged."
    )]
    ForeignRegister { id: String, name: String },
    #[error("No finding with id {0} in this register.")]
    FindingNotFound(String),
    #[error("No corrective action with id {0} on this finding.")]
    ActionNotFound(String),
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    #[error("{0}")]
    Refused(String),
    /// A lifecycle step the finding is not ready for: each item says what is missing.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))]
    Transition(Vec<TransitionError>),
    /// Changes that build on changes this copy has not seen (another tab's
    /// save that arrived without the one before it); the caller reads the
    /// register from storage instead.
    #[error("Received changes build on changes this copy has not seen yet; nothing was applied.")]
    MissingChanges,
    #[error("Internal document error: {0}")]
    Internal(String),
}

impl From<automerge::AutomergeError> for DocError {
    fn from(e: automerge::AutomergeError) -> Self {
        DocError::Internal(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for DocError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        DocError::Internal(e.to_string())
    }
}

impl From<autosurgeon::HydrateError> for DocError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        // Data we cannot read is treated like a damaged file, never guessed at.
        DocError::Corrupt(e.to_string())
    }
}
