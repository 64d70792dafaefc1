//! Lifecycle intents: the guarded status changes of clause 10.2, applied as
//! one change each so the history shows every step with its auditor.

use chrono::NaiveDate;

use super::error::DocError;
use super::store::RegisterDoc;
use crate::model::{ReviewResult, Status};
use crate::workflow;

impl RegisterDoc {
    /// The current auditor's name, required for steps that record who did them.
    fn my_name(&self) -> Result<String, DocError> {
        self.auditors()
            .get(&self.person_hex())
            .map(|a| a.name.clone())
            .ok_or_else(|| {
                DocError::Refused("Set your name and initials before changing findings.".into())
            })
    }

    /// Moves a finding to `to` if its guards pass; otherwise says what is missing.
    pub fn change_status(
        &mut self,
        id: &str,
        to: Status,
        today: NaiveDate,
    ) -> Result<(), DocError> {
        let mut next = self
            .finding(id)
            .cloned()
            .ok_or_else(|| DocError::FindingNotFound(id.to_owned()))?;
        let me = self.my_name()?;
        workflow::transition(&mut next, to, &me, today).map_err(DocError::Transition)?;
        self.update_finding_as("change_status", id, today, |f| *f = next)
    }

    /// Records the effectiveness review; "not effective" reopens the finding.
    pub fn record_review(
        &mut self,
        id: &str,
        result: ReviewResult,
        reviewer: &str,
        reviewed_on: NaiveDate,
        notes: &str,
        today: NaiveDate,
    ) -> Result<Status, DocError> {
        let mut next = self
            .finding(id)
            .cloned()
            .ok_or_else(|| DocError::FindingNotFound(id.to_owned()))?;
        let status = workflow::apply_review_result(&mut next, result, reviewer, reviewed_on)
            .map_err(DocError::Transition)?;
        next.review.notes = notes.to_owned();
        self.update_finding_as("record_review", id, today, |f| *f = next)?;
        Ok(status)
    }
}
