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

impl RegisterDoc {
    /// Raises the major nonconformity a systemic pattern amounts to
    /// ([`crate::patterns`]): one finding citing the pattern's requirements,
    /// its statement saying why, its evidence listing the findings, linked
    /// as similar both ways (clause 10.2 b) 3)). All or nothing.
    ///
    /// Refused when the findings no longer form that pattern (another
    /// auditor's merge changed them) or a major already answers it.
    pub fn raise_systemic_major(
        &mut self,
        id: String,
        shape: &crate::patterns::Shape,
        today: NaiveDate,
    ) -> Result<String, DocError> {
        use crate::model::{Grade, SimilarVerdict, Source};
        let patterns = crate::patterns::find(self.findings(), &self.settings());
        let pattern = patterns
            .into_iter()
            .find(|p| &p.shape == shape)
            .ok_or_else(|| {
                DocError::Refused(
                    "These findings no longer form that pattern; nothing was raised.".into(),
                )
            })?;
        if let Some(major) = pattern.answered_by.first() {
            let reference = self
                .finding(major)
                .map(|f| f.reference.clone())
                .unwrap_or_default();
            return Err(DocError::Refused(format!(
                "{reference} already links these findings as a major nonconformity; nothing was raised."
            )));
        }
        let findings = self.findings();
        let members: Vec<&crate::model::Finding> = pattern
            .findings
            .iter()
            .filter_map(|id| findings.get(id))
            .collect();
        let common = |get: fn(&crate::model::Finding) -> String| {
            let first = members.first().map(|f| get(f)).unwrap_or_default();
            if members.iter().all(|f| get(f) == first) {
                first
            } else {
                String::new()
            }
        };
        let audit = common(|f| f.audit.clone());
        let area = common(|f| f.area.trim().to_owned());
        // The organisation escalating a certification body's minors records
        // that it found the pattern itself; internal auditors escalate
        // their own.
        let sources: std::collections::BTreeSet<Source> =
            members.iter().map(|f| f.source).collect();
        let source = match sources.into_iter().collect::<Vec<_>>()[..] {
            [only] if !only.is_certification_body() => only,
            _ => Source::SelfIdentified,
        };
        let causes: std::collections::BTreeSet<_> = members.iter().map(|f| f.cause).collect();
        let cause = match causes.into_iter().collect::<Vec<_>>()[..] {
            [only] => only,
            _ => None,
        };
        let title = match shape {
            crate::patterns::Shape::Requirement(r) => {
                format!("Systemic failure: repeated nonconformities against {r}")
            }
            crate::patterns::Shape::Theme(t) => {
                format!("Systemic failure: {} controls", t.label().to_lowercase())
            }
            crate::patterns::Shape::Recurrence(r) => {
                format!("Systemic failure: nonconformity against {r} keeps coming back")
            }
        };
        let statement = pattern.describe(findings);
        let evidence = members
            .iter()
            .map(|f| format!("{} {}", f.reference, f.title.trim()))
            .collect::<Vec<_>>()
            .join("\n");
        let requirements = pattern.requirements(findings);
        let member_ids = pattern.findings.clone();
        self.atomically(|doc| {
            let major = doc.add_finding(id, today, |f| {
                f.grade = Grade::Major;
                f.title = title;
                f.statement = statement;
                f.evidence = evidence;
                f.source = source;
                f.audit = audit;
                f.area = area;
                f.cause = cause;
                for r in requirements {
                    f.requirements.insert(r, true);
                }
                for m in &member_ids {
                    f.similar.insert(m.clone(), SimilarVerdict::Linked);
                }
            })?;
            for m in &member_ids {
                doc.update_finding(m, today, |f| {
                    f.similar.insert(major.clone(), SimilarVerdict::Linked);
                })?;
            }
            Ok(major)
        })
    }
}
