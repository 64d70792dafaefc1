//! Findings written in bulk from another record (a spreadsheet): the one
//! intent that writes a status, dates and actions the lifecycle did not
//! produce here, so it says so in the change itself.
//!
//! The rows are written a slice at a time, each slice one Automerge change
//! whose note lists its findings and names the file. One change per finding
//! (what `add_finding` does) costs a change header, a message and a clock
//! entry per finding: at 50,000 rows that was minutes of work and a larger
//! register on every copy. One change for everything would make the history
//! of any imported finding diff the whole import to show one row; a slice
//! bounds that diff. The whole import is still all or nothing
//! ([`RegisterDoc::atomically`]).

use chrono::NaiveDate;

use super::error::DocError;
use super::genesis::FINDINGS;
use super::store::{to_object, tx_map, ChangeNote, RegisterDoc};
use super::write::hydrate_value;
use crate::model::{Audit, Finding};
use crate::validate;
use automerge::transaction::Transactable;

/// Findings per change: small enough that showing one finding's history
/// diffs a few thousand operations, large enough that the per-change cost
/// disappears.
pub const IMPORT_SLICE: usize = 250;

/// The op of an import's changes, as the history names it.
pub const IMPORT_OP: &str = "import_findings";

/// What an import writes: findings complete with ids, references and every
/// field the file held, and the audits they name that the register lacks.
#[derive(Debug, Clone, Default)]
pub struct ImportBatch {
    /// The file's name, kept in each change's note.
    pub source: String,
    pub audits: Vec<Audit>,
    pub findings: Vec<Finding>,
}

impl RegisterDoc {
    /// The next `count` references in the current auditor's sequence for
    /// `year` (see [`RegisterDoc::next_reference`]), computed with one scan
    /// of the register rather than one per finding.
    pub fn next_references(&self, initials: &str, year: i32, count: usize) -> Vec<String> {
        let first = self.next_reference(initials, year);
        let (prefix, number) = first
            .rsplit_once('-')
            .map(|(p, n)| (p.to_owned(), n.parse::<u64>().unwrap_or(1)))
            .unwrap_or_else(|| (first.clone(), 1));
        (0..count as u64)
            .map(|i| format!("{prefix}-{:03}", number + i))
            .collect()
    }

    /// The year's references are numbered from `today`'s year; the current
    /// auditor's initials.
    pub fn my_initials(&self) -> Option<String> {
        self.auditors()
            .get(&self.person_hex())
            .map(|a| a.initials.clone())
    }

    /// Checks an import before anything is written: every finding as the
    /// form checks it, and no id already in use.
    pub fn check_import(&self, batch: &ImportBatch, today: NaiveDate) -> Result<(), DocError> {
        if self.my_initials().is_none() {
            return Err(DocError::Refused(
                "Set your name and initials before importing findings.".into(),
            ));
        }
        for f in &batch.findings {
            validate::finding(f, today).map_err(|e| {
                DocError::Refused(format!(
                    "Nothing was imported: finding {} is not valid ({e}).",
                    if f.reference.is_empty() {
                        &f.id
                    } else {
                        &f.reference
                    }
                ))
            })?;
            if self.finding(&f.id).is_some() {
                return Err(DocError::Refused(format!(
                    "Nothing was imported: a finding with id {} already exists.",
                    f.id
                )));
            }
        }
        Ok(())
    }

    /// Writes an import whole, all or nothing (see [`check_import`]).
    /// Returns the ids written.
    ///
    /// [`check_import`]: RegisterDoc::check_import
    pub fn import_findings(
        &mut self,
        batch: ImportBatch,
        today: NaiveDate,
    ) -> Result<Vec<String>, DocError> {
        self.check_import(&batch, today)?;
        self.atomically(|doc| {
            doc.import_part(&batch, 0..batch.findings.len())?;
            Ok(batch.findings.iter().map(|f| f.id.clone()).collect())
        })
    }

    /// Writes the findings of `batch` in `range` (and, with the first, the
    /// batch's audits), a slice of [`IMPORT_SLICE`] per change. For a large
    /// import written a part at a time between frames, on a fork of the
    /// register that replaces it only when every part is written
    /// ([`RegisterDoc::adopt`]); the batch is checked first
    /// ([`RegisterDoc::check_import`]).
    pub fn import_part(
        &mut self,
        batch: &ImportBatch,
        range: std::ops::Range<usize>,
    ) -> Result<(), DocError> {
        if range.start == 0 {
            for audit in &batch.audits {
                self.put_audit(audit.clone())?;
            }
        }
        let part = batch.findings.get(range).unwrap_or_default();
        for slice in part.chunks(IMPORT_SLICE) {
            let note = ChangeNote {
                op: IMPORT_OP.to_owned(),
                finding: None,
                findings: slice.iter().map(|f| f.id.clone()).collect(),
                source: Some(batch.source.clone()),
            };
            let values = slice
                .iter()
                .map(|f| to_object(f).map(|m| hydrate_value(&serde_json::Value::Object(m))))
                .collect::<Result<Vec<_>, _>>()?;
            // Written from the serde shape (the document's shape, as every
            // edit writes it), each finding as one batch: one operation at
            // a time (autosurgeon's reconcile, or puts) costs Automerge a
            // splice of its columns per value, about 1.7 ms a finding.
            self.commit_noted(note, |tx| {
                let findings = tx_map(tx, FINDINGS)?;
                for (f, value) in slice.iter().zip(&values) {
                    tx.batch_create_object(&findings, f.id.as_str(), value, false)?;
                }
                Ok(())
            })?;
            for f in slice {
                self.remember_written(f.clone());
            }
        }
        Ok(())
    }

    /// Takes in a fork of this register made when it stood at `base`
    /// (its heads then) and changed since, such as a large import written
    /// on it a part at a time. When nothing changed here meanwhile the fork
    /// simply replaces this copy; otherwise what arrived here meanwhile
    /// (another tab's save, an edit) is kept and the fork's changes are
    /// merged in, so nothing is lost either way.
    pub fn adopt(
        &mut self,
        fork: RegisterDoc,
        base: &[automerge::ChangeHash],
    ) -> Result<(), DocError> {
        if self.heads() == base {
            // The fork carries this copy's bookkeeping from when it was
            // made (what is persisted, what changed), plus its own writes.
            *self = fork;
            Ok(())
        } else {
            self.merge_bytes(&fork.save()).map(|_| ())
        }
    }
}
