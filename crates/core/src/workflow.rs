//! The guarded lifecycle of a finding (ISO/IEC 27001:2022 clause 10.2).
//!
//! ```text
//!  open ──► analysed ──► action planned ──► in progress ──► verifying ──► closed
//!   │  ▲       │  ▲            ▲                                │           │
//!   ▼  │       ▼  │            │                                ▼           │
//!  rejected ◄──┘  └─────── reopened ◄─────────────────────────────┴───────────┘
//! ```
//!
//! | from           | to                         |
//! |----------------|----------------------------|
//! | open           | analysed, rejected         |
//! | analysed       | action planned, rejected   |
//! | action planned | in progress                |
//! | in progress    | verifying                  |
//! | verifying      | closed, reopened           |
//! | closed         | reopened                   |
//! | rejected       | open (reconsidered)        |
//! | reopened       | analysed, action planned   |
//!
//! Nothing else is allowed, staying put included. Rejection is only possible
//! before actions are planned: once the organisation has committed to fix a
//! finding it has accepted it, and a finding withdrawn later (on appeal) is
//! better recorded by the reason in its history than by a silent status.
//!
//! # Guards
//!
//! Guards are cumulative: a finding may enter a status only if it holds
//! everything the earlier statuses needed. A status therefore always means
//! the same thing, whatever edits or merges happened since the finding got
//! there, and the checks can run again at any time.
//!
//! - **analysed**: a root-cause statement;
//! - **action planned**: at least one corrective action that is not
//!   cancelled, and each such action has a description, an owner and a due
//!   date. If the recorded effectiveness review says *not effective*, at
//!   least one action must still be open (planned or in progress): the old
//!   actions did not work, so a new plan needs a new action;
//! - **in progress**: as action planned (starting is a person's say-so);
//! - **verifying**: every action done or cancelled, at least one done, each
//!   done action with its done date;
//! - **closed**: the nature of the nonconformity kept (clause 10.2 f: the
//!   statement, at least one requirement, the objective evidence); through
//!   the cycle, also the correction (clause 10.2 a) described and the
//!   effectiveness review recorded as effective with its reviewer and date;
//!   without it (observations and opportunities for improvement), the
//!   disposition and its reason, and no corrective action still open;
//! - **rejected**: a reason the finding is unfounded;
//! - **withdrawn**: a dispute with its reason, and the body's answer
//!   recorded as withdrawn;
//! - **reopened**: the effectiveness review recorded as not effective, with
//!   its reviewer and date;
//! - **open** (from rejected): nothing.
//!
//! # Grades and sources
//!
//! The table above is a nonconformity's (major or minor) raised by the
//! organisation itself. [`steps`] adapts it to the finding:
//!
//! - **Observations and opportunities for improvement** are not
//!   nonconformities: no certification-body clock runs on them, and the
//!   organisation may close one without corrective action, from any status
//!   before verifying, as *considered* or *not taken up* with its reason
//!   (the [`Disposition`](crate::model::Disposition)); one it acts on goes
//!   through the cycle like a nonconformity. A closure has its disposition
//!   or none, so "closed" stays one status that reports can still split. A
//!   finding closed with a disposition is reconsidered (back to open), not
//!   reopened: no review found an action ineffective.
//! - **Findings a certification body raised** (stage 1, stage 2,
//!   surveillance, recertification) cannot be rejected by the organisation:
//!   disagreeing is a dispute with the body, recorded with its reason and
//!   the body's answer. The finding stays where it is, clocks running,
//!   until the body withdraws it (*withdrawn*, from any status before
//!   closing) or upholds it. A withdrawn finding can be reinstated (back to
//!   open).
//!
//! # Errors
//!
//! [`check_transition`] returns every missing item at once, as a list of
//! [`TransitionError`]s whose messages are whole sentences for people, in
//! lifecycle order, so the UI can show them as a checklist instead of making
//! the user discover them one at a time. A transition absent from the table
//! yields exactly one error, since the content checks would be meaningless.

use chrono::NaiveDate;
use thiserror::Error;

use super::model::{
    ActionStatus, CorrectiveAction, Disposition, DisputeOutcome, Finding, ReviewResult, Status,
};

/// Why a status change (or a review) cannot be recorded. The `Display`
/// strings are shown to users as they are.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    #[error("Cannot move from {} to {}: {}", quoted(.from), quoted(.to), choices(.from))]
    NotAllowed { from: Status, to: Status },
    #[error("The finding is already {}.", lower(.0))]
    AlreadyThere(Status),
    #[error("Cannot change a deleted finding.")]
    Deleted,
    #[error("{}: record the root-cause statement first.", cannot(.to))]
    RootCauseMissing { to: Status },
    #[error("{}: add at least one corrective action with an owner and a due date.", cannot(.to))]
    NoAction { to: Status },
    #[error("{}: every corrective action needs a description.", cannot(.to))]
    ActionWithoutDescription { to: Status },
    #[error("{}: {} has no owner.", cannot(.to), action_name(.action))]
    ActionWithoutOwner {
        to: Status,
        action: String,
        /// The action's key, so the refusal can lead to its field.
        id: String,
    },
    #[error("{}: {} has no due date.", cannot(.to), action_name(.action))]
    ActionWithoutDueDate {
        to: Status,
        action: String,
        id: String,
    },
    #[error(
        "{}: the last effectiveness review found the actions not effective; add a new corrective action.",
        cannot(.to)
    )]
    NoNewAction { to: Status },
    #[error(
        "{}: every corrective action must be done or cancelled, with at least one done.",
        cannot(.to)
    )]
    ActionsNotFinished { to: Status },
    #[error("{}: {} is done but has no done date.", cannot(.to), action_name(.action))]
    ActionWithoutDoneDate {
        to: Status,
        action: String,
        id: String,
    },
    #[error("{}: record the correction made to contain the nonconformity.", cannot(.to))]
    CorrectionMissing { to: Status },
    #[error("{}: the effectiveness review is not recorded as effective.", cannot(.to))]
    ReviewNotEffective { to: Status },
    #[error(
        "{}: only an effectiveness review recorded as not effective reopens a finding.",
        cannot(.to)
    )]
    ReviewNotIneffective { to: Status },
    #[error("{}: record who reviewed the effectiveness of the actions.", cannot(.to))]
    ReviewerMissing { to: Status },
    #[error("{}: record the date of the effectiveness review.", cannot(.to))]
    ReviewDateMissing { to: Status },
    #[error("Cannot reject: give the reason the finding is unfounded.")]
    RejectionReasonMissing,
    #[error(
        "Cannot reject: a certification body raised this finding; record a dispute with the body instead, and its answer."
    )]
    RaisedByBody,
    #[error("{}: record the nonconformity statement.", cannot(.to))]
    StatementMissing { to: Status },
    #[error("{}: add at least one requirement the finding concerns.", cannot(.to))]
    RequirementMissing { to: Status },
    #[error("{}: record the objective evidence.", cannot(.to))]
    EvidenceMissing { to: Status },
    #[error(
        "Cannot close without corrective action: choose whether it was considered or not taken up."
    )]
    DispositionMissing,
    #[error("Cannot close without corrective action: give the reason.")]
    DispositionReasonMissing,
    #[error(
        "Cannot close without corrective action: every corrective action must be done or cancelled first."
    )]
    ActionsStillOpen,
    #[error(
        "Cannot close: \u{201c}Closed as\u{201d} says {}, but the corrective actions were carried out; clear it.",
        quoted_label(.0)
    )]
    DispositionAfterActions(Disposition),
    #[error("Cannot record the withdrawal: record the dispute's reason first.")]
    DisputeReasonMissing,
    #[error("Cannot record the withdrawal: record the body's answer.")]
    DisputeAnswerMissing,
    #[error("Cannot record the withdrawal: the body's answer is not recorded as a withdrawal.")]
    DisputeNotWithdrawn,
    #[error("Cannot close: the name of the person closing the finding is missing.")]
    ClosedByMissing,
    #[error(
        "Cannot record the effectiveness review: the finding is {}; reviews are recorded while verifying or after closing.",
        lower(.0)
    )]
    ReviewNotDue(Status),
    #[error("Cannot record the effectiveness review: give the reviewer's name.")]
    ReviewerNameMissing,
    #[error(
        "Cannot record an effectiveness review: the finding was closed without corrective action, so there is none to review; reconsider it first."
    )]
    NothingToReview,
}

/// Where in the finding's form a refusal is put right, so the screen can
/// take the person there: a schema field's key (`Field::key_for`, e.g.
/// `root_cause` or `action:<id>:owner`), or a part of the form that no
/// single field stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fix {
    Field(String),
    /// The corrective actions: one to add, or several to finish.
    Actions,
    /// The effectiveness review's buttons.
    Review,
}

impl TransitionError {
    /// What puts this refusal right, when one place does.
    pub fn fix(&self) -> Option<Fix> {
        use TransitionError as E;
        let field = |key: &str| Some(Fix::Field(key.to_owned()));
        match self {
            E::RootCauseMissing { .. } => field("root_cause"),
            E::NoAction { .. }
            | E::ActionWithoutDescription { .. }
            | E::NoNewAction { .. }
            | E::ActionsNotFinished { .. }
            | E::ActionsStillOpen => Some(Fix::Actions),
            E::ActionWithoutOwner { id, .. } => field(&format!("action:{id}:owner")),
            E::ActionWithoutDueDate { id, .. } => field(&format!("action:{id}:due")),
            E::ActionWithoutDoneDate { id, .. } => field(&format!("action:{id}:done_on")),
            E::CorrectionMissing { .. } => field("correction"),
            E::ReviewNotEffective { .. } | E::ReviewNotIneffective { .. } => Some(Fix::Review),
            E::ReviewerMissing { .. } | E::ReviewerNameMissing => field("reviewer"),
            E::ReviewDateMissing { .. } => field("reviewed_on"),
            E::RejectionReasonMissing => field("rejection_reason"),
            E::RaisedByBody | E::DisputeReasonMissing => field("dispute_reason"),
            E::StatementMissing { .. } => field("statement"),
            E::RequirementMissing { .. } => field("requirements"),
            E::EvidenceMissing { .. } => field("evidence"),
            E::DispositionMissing | E::DispositionAfterActions(_) => field("disposition"),
            E::DispositionReasonMissing => field("disposition_reason"),
            E::DisputeAnswerMissing => field("dispute_answer"),
            E::DisputeNotWithdrawn => field("dispute_outcome"),
            E::ClosedByMissing => field("closed_by"),
            _ => None,
        }
    }
}

/// The lifecycle table: where a finding in `from` may go, whatever its
/// content.
pub fn next_statuses(from: Status) -> &'static [Status] {
    use Status::*;
    match from {
        Open => &[Analysed, Rejected],
        Analysed => &[ActionPlanned, Rejected],
        ActionPlanned => &[InProgress],
        InProgress => &[Verifying],
        Verifying => &[Closed, Reopened],
        Closed => &[Reopened],
        Rejected => &[Open],
        Withdrawn => &[Open],
        Reopened => &[Analysed, ActionPlanned],
    }
}

/// Where `finding` may go, whatever its content: the lifecycle table
/// adapted to its grade and source (see the module documentation), in the
/// table's order with the added steps last.
pub fn steps(finding: &Finding) -> Vec<Status> {
    use Status::*;
    let from = finding.status;
    let by_body = finding.source.is_certification_body();
    let improvement = !finding.grade.is_nonconformity();
    if from == Closed && finding.disposition.is_some() {
        return vec![Open];
    }
    let mut steps: Vec<Status> = next_statuses(from)
        .iter()
        .copied()
        .filter(|&to| !(by_body && to == Rejected))
        .collect();
    if improvement
        && matches!(
            from,
            Open | Analysed | ActionPlanned | InProgress | Reopened
        )
    {
        steps.push(Closed);
    }
    if by_body && !from.is_finished() {
        steps.push(Withdrawn);
    }
    steps
}
/// Whether `finding` may move to `to`; if not, every reason (never an empty
/// list).
pub fn check_transition(finding: &Finding, to: Status) -> Result<(), Vec<TransitionError>> {
    let from = finding.status;
    if finding.deleted {
        return Err(vec![TransitionError::Deleted]);
    }
    if from == to {
        return Err(vec![TransitionError::AlreadyThere(to)]);
    }
    if !steps(finding).contains(&to) {
        if to == Status::Rejected && finding.source.is_certification_body() {
            return Err(vec![TransitionError::RaisedByBody]);
        }
        return Err(vec![TransitionError::NotAllowed { from, to }]);
    }
    let missing = requirements_for(finding, to);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(missing)
    }
}

/// Moves the finding to `to` if allowed. Closing stamps the closure with
/// `today` and `by` (the current auditor's name); reopening clears it, since
/// the finding is no longer closed and the document history keeps the old
/// closure. Nothing changes on error.
pub fn transition(
    finding: &mut Finding,
    to: Status,
    by: &str,
    today: NaiveDate,
) -> Result<(), Vec<TransitionError>> {
    let mut errors = check_transition(finding, to).err().unwrap_or_default();
    let closing = to == Status::Closed;
    if closing && is_blank(by) && !errors.iter().any(is_edge_error) {
        errors.push(TransitionError::ClosedByMissing);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if closing {
        finding.closure.closed_on = Some(today);
        finding.closure.closed_by = by.trim().to_string();
    } else if finding.status == Status::Closed {
        // The closure and its disposition described a state that no longer
        // holds; the document's history keeps both.
        finding.closure = Default::default();
        finding.disposition = None;
        finding.disposition_reason.clear();
    }
    finding.status = to;
    Ok(())
}

/// Records an effectiveness review (result, reviewer, date; the notes are
/// edited separately) and returns the finding's resulting status.
///
/// A review belongs to a finding that is verifying, or closed (a later
/// review). *Not effective* moves it to reopened (clause 10.2 d: the action
/// did not work, so the cycle starts again). *Effective* changes no status:
/// closing stays a deliberate step, checked by [`transition`], because it
/// also needs the correction and the closer's name. Nothing changes on error.
pub fn apply_review_result(
    finding: &mut Finding,
    result: ReviewResult,
    reviewer: &str,
    reviewed_on: NaiveDate,
) -> Result<Status, Vec<TransitionError>> {
    if finding.deleted {
        return Err(vec![TransitionError::Deleted]);
    }
    if !matches!(finding.status, Status::Verifying | Status::Closed) {
        return Err(vec![TransitionError::ReviewNotDue(finding.status)]);
    }
    if finding.disposition.is_some() {
        return Err(vec![TransitionError::NothingToReview]);
    }
    if is_blank(reviewer) {
        return Err(vec![TransitionError::ReviewerNameMissing]);
    }
    let mut updated = finding.clone();
    updated.review.result = Some(result);
    updated.review.reviewer = reviewer.trim().to_string();
    updated.review.reviewed_on = Some(reviewed_on);
    if result == ReviewResult::NotEffective {
        // Cannot fail by construction (the review now says not effective and
        // both verifying and closed lead to reopened); checked all the same
        // so that a future guard cannot be bypassed here.
        transition(&mut updated, Status::Reopened, reviewer, reviewed_on)?;
    }
    let status = updated.status;
    *finding = updated;
    Ok(status)
}

fn is_edge_error(error: &TransitionError) -> bool {
    matches!(
        error,
        TransitionError::NotAllowed { .. }
            | TransitionError::AlreadyThere(_)
            | TransitionError::Deleted
    )
}

/// Everything `finding` lacks to be in status `to`, in lifecycle order.
fn requirements_for(finding: &Finding, to: Status) -> Vec<TransitionError> {
    use TransitionError as E;
    let mut missing = Vec::new();
    match to {
        Status::Open => {}
        Status::Rejected => {
            if is_blank(&finding.rejection_reason) {
                missing.push(E::RejectionReasonMissing);
            }
        }
        Status::Withdrawn => {
            let dispute = &finding.dispute;
            if is_blank(&dispute.reason) {
                missing.push(E::DisputeReasonMissing);
            }
            if is_blank(&dispute.answer) {
                missing.push(E::DisputeAnswerMissing);
            }
            if dispute.outcome != Some(DisputeOutcome::Withdrawn) {
                missing.push(E::DisputeNotWithdrawn);
            }
        }
        Status::Closed if finding.status != Status::Verifying => {
            nature_kept(finding, to, &mut missing);
            if finding.disposition.is_none() {
                missing.push(E::DispositionMissing);
            }
            if is_blank(&finding.disposition_reason) {
                missing.push(E::DispositionReasonMissing);
            }
            if finding
                .actions
                .values()
                .any(|a| matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress))
            {
                missing.push(E::ActionsStillOpen);
            }
        }
        Status::Reopened => {
            if finding.review.result != Some(ReviewResult::NotEffective) {
                missing.push(E::ReviewNotIneffective { to });
            }
            review_signed(finding, to, &mut missing);
        }
        Status::Analysed
        | Status::ActionPlanned
        | Status::InProgress
        | Status::Verifying
        | Status::Closed => {
            let stage = |s: Status| rank(to) >= rank(s);
            if stage(Status::Closed) {
                nature_kept(finding, to, &mut missing);
            }
            if is_blank(&finding.root_cause.statement) {
                missing.push(E::RootCauseMissing { to });
            }
            if stage(Status::ActionPlanned) {
                plan_complete(finding, to, &mut missing);
            }
            if to == Status::ActionPlanned
                && finding.review.result == Some(ReviewResult::NotEffective)
                && !live_actions(finding).any(|a| a.status != ActionStatus::Done)
            {
                missing.push(E::NoNewAction { to });
            }
            if stage(Status::Verifying) {
                actions_finished(finding, to, &mut missing);
            }
            if stage(Status::Closed) {
                if is_blank(&finding.correction.description) {
                    missing.push(E::CorrectionMissing { to });
                }
                if finding.review.result != Some(ReviewResult::Effective) {
                    missing.push(E::ReviewNotEffective { to });
                }
                review_signed(finding, to, &mut missing);
                if let Some(disposition) = finding.disposition {
                    missing.push(E::DispositionAfterActions(disposition));
                }
            }
        }
    }
    missing
}

/// Position along the main path, for cumulative guards.
fn rank(status: Status) -> u8 {
    match status {
        Status::Open | Status::Rejected | Status::Withdrawn | Status::Reopened => 0,
        Status::Analysed => 1,
        Status::ActionPlanned => 2,
        Status::InProgress => 3,
        Status::Verifying => 4,
        Status::Closed => 5,
    }
}

fn live_actions(finding: &Finding) -> impl Iterator<Item = &CorrectiveAction> {
    live_actions_by_id(finding).map(|(_, a)| a)
}

fn live_actions_by_id(finding: &Finding) -> impl Iterator<Item = (&String, &CorrectiveAction)> {
    finding
        .actions
        .iter()
        .filter(|(_, a)| a.status != ActionStatus::Cancelled)
}

fn plan_complete(finding: &Finding, to: Status, missing: &mut Vec<TransitionError>) {
    use TransitionError as E;
    if live_actions(finding).next().is_none() {
        missing.push(E::NoAction { to });
        return;
    }
    if live_actions(finding).any(|a| is_blank(&a.description)) {
        missing.push(E::ActionWithoutDescription { to });
    }
    for (id, action) in live_actions_by_id(finding) {
        let name = action.description.trim().to_string();
        if is_blank(&action.owner) {
            missing.push(E::ActionWithoutOwner {
                to,
                action: name.clone(),
                id: id.clone(),
            });
        }
        if action.due.is_none() {
            missing.push(E::ActionWithoutDueDate {
                to,
                action: name,
                id: id.clone(),
            });
        }
    }
}

fn actions_finished(finding: &Finding, to: Status, missing: &mut Vec<TransitionError>) {
    use TransitionError as E;
    let all_finished = finding
        .actions
        .values()
        .all(|a| matches!(a.status, ActionStatus::Done | ActionStatus::Cancelled));
    let done: Vec<(&String, &CorrectiveAction)> = finding
        .actions
        .iter()
        .filter(|(_, a)| a.status == ActionStatus::Done)
        .collect();
    // With no action at all, the planning error already says what to do.
    if !all_finished || (done.is_empty() && !finding.actions.is_empty()) {
        missing.push(E::ActionsNotFinished { to });
    }
    for (id, action) in done.into_iter().filter(|(_, a)| a.done_on.is_none()) {
        missing.push(E::ActionWithoutDoneDate {
            to,
            action: action.description.trim().to_string(),
            id: id.clone(),
        });
    }
}

/// Clause 10.2 f: what the nonconformity was must outlive its closure.
fn nature_kept(finding: &Finding, to: Status, missing: &mut Vec<TransitionError>) {
    use TransitionError as E;
    if is_blank(&finding.statement) {
        missing.push(E::StatementMissing { to });
    }
    if finding.requirement_list().is_empty() {
        missing.push(E::RequirementMissing { to });
    }
    if is_blank(&finding.evidence) {
        missing.push(E::EvidenceMissing { to });
    }
}

fn review_signed(finding: &Finding, to: Status, missing: &mut Vec<TransitionError>) {
    if is_blank(&finding.review.reviewer) {
        missing.push(TransitionError::ReviewerMissing { to });
    }
    if finding.review.reviewed_on.is_none() {
        missing.push(TransitionError::ReviewDateMissing { to });
    }
}

fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The start of a refusal, naming what the user tried to do.
fn cannot(to: &Status) -> &'static str {
    match to {
        Status::Open => "Cannot reopen for review",
        Status::Analysed => "Cannot move to analysed",
        Status::ActionPlanned => "Cannot plan actions",
        Status::InProgress => "Cannot start the actions",
        Status::Verifying => "Cannot verify",
        Status::Closed => "Cannot close",
        Status::Rejected => "Cannot reject",
        Status::Withdrawn => "Cannot record the withdrawal",
        Status::Reopened => "Cannot reopen",
    }
}

fn quoted_label(disposition: &Disposition) -> String {
    format!("\u{201c}{}\u{201d}", disposition.label())
}

fn quoted(status: &Status) -> String {
    format!("\u{201c}{}\u{201d}", status.label())
}

fn lower(status: &Status) -> String {
    status.label().to_lowercase()
}

fn choices(from: &Status) -> String {
    let next: Vec<String> = next_statuses(*from).iter().map(quoted).collect();
    format!(
        "from {} a finding can only move to {}.",
        quoted(from),
        next.join(" or ")
    )
}

fn action_name(description: &str) -> String {
    if description.is_empty() {
        "a corrective action without a description".to_string()
    } else {
        format!("the corrective action \u{201c}{description}\u{201d}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Disposition, Grade, Source, Status::*};
    use std::collections::BTreeSet;

    /// Every refusal that names a field names one the form shows, and an
    /// action's refusal names that action's own field.
    #[test]
    fn refusals_lead_to_real_fields() {
        use TransitionError as E;
        let id = "0190-a".to_owned();
        let all = [
            E::RootCauseMissing { to: Analysed },
            E::ActionWithoutOwner {
                to: ActionPlanned,
                action: "Fix".into(),
                id: id.clone(),
            },
            E::ActionWithoutDueDate {
                to: ActionPlanned,
                action: "Fix".into(),
                id: id.clone(),
            },
            E::ActionWithoutDoneDate {
                to: Verifying,
                action: "Fix".into(),
                id: id.clone(),
            },
            E::CorrectionMissing { to: Closed },
            E::ReviewerMissing { to: Closed },
            E::ReviewerNameMissing,
            E::ReviewDateMissing { to: Closed },
            E::RejectionReasonMissing,
            E::RaisedByBody,
            E::StatementMissing { to: Closed },
            E::RequirementMissing { to: Closed },
            E::EvidenceMissing { to: Closed },
            E::DispositionMissing,
            E::DispositionAfterActions(Disposition::Considered),
            E::DispositionReasonMissing,
            E::DisputeReasonMissing,
            E::DisputeAnswerMissing,
            E::DisputeNotWithdrawn,
            E::ClosedByMissing,
        ];
        for e in all {
            let Some(Fix::Field(key)) = e.fix() else {
                panic!("{e} leads nowhere");
            };
            let (field, wild) = crate::schema::by_key(&key).unwrap_or_else(|| panic!("{key}"));
            assert_eq!(field.key_for(wild), key);
            if key.starts_with("action:") {
                assert_eq!(wild, id, "{e}");
            }
        }
        assert_eq!(E::NoAction { to: ActionPlanned }.fix(), Some(Fix::Actions));
        assert_eq!(
            E::ReviewNotEffective { to: Closed }.fix(),
            Some(Fix::Review)
        );
        assert_eq!(E::AlreadyThere(Open).fix(), None);
    }

    /// The lifecycle restated independently of `next_statuses`, so a change
    /// to the table must be made twice, on purpose.
    const TABLE: &[(Status, &[Status])] = &[
        (Open, &[Analysed, Rejected]),
        (Analysed, &[ActionPlanned, Rejected]),
        (ActionPlanned, &[InProgress]),
        (InProgress, &[Verifying]),
        (Verifying, &[Closed, Reopened]),
        (Closed, &[Reopened]),
        (Rejected, &[Open]),
        (Withdrawn, &[Open]),
        (Reopened, &[Analysed, ActionPlanned]),
    ];

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn action(description: &str, status: ActionStatus) -> CorrectiveAction {
        CorrectiveAction {
            id: description.to_string(),
            description: description.to_string(),
            owner: "Priya Shah".into(),
            due: Some(d(2027, 3, 1)),
            status,
            done_on: (status == ActionStatus::Done).then(|| d(2027, 2, 20)),
        }
    }

    fn blank(status: Status) -> Finding {
        let mut f = Finding::new("f1".into(), "NC-2027-JD-001".into());
        f.grade = Grade::Major;
        f.status = status;
        f
    }

    /// A finding meeting every guard of `to`, sitting in `from`.
    fn ready_for(to: Status, from: Status) -> Finding {
        let mut f = blank(from);
        f.statement = "Leavers keep their accounts for weeks.".into();
        f.requirements.insert("A.5.18".into(), true);
        f.evidence = "3 of 12 leavers sampled still had access.".into();
        f.root_cause.statement = "No owner was assigned to access reviews.".into();
        f.rejection_reason = "The evidence was from another site.".into();
        f.correction.description = "Revoked the leaver's accounts.".into();
        f.review.reviewer = "Ines Moreau".into();
        f.review.reviewed_on = Some(d(2027, 4, 1));
        let add = |f: &mut Finding, a: CorrectiveAction| {
            f.actions.insert(a.id.clone(), a);
        };
        match to {
            Reopened => {
                add(&mut f, action("Assign review owner", ActionStatus::Done));
                f.review.result = Some(ReviewResult::NotEffective);
            }
            ActionPlanned | InProgress => {
                add(&mut f, action("Assign review owner", ActionStatus::Planned));
            }
            _ => {
                add(&mut f, action("Assign review owner", ActionStatus::Done));
                add(
                    &mut f,
                    action("Quarterly reminder", ActionStatus::Cancelled),
                );
                f.review.result = Some(ReviewResult::Effective);
            }
        }
        f
    }

    fn messages(result: Result<(), Vec<TransitionError>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The statuses the finding can move to now: in the table and with
    /// every guard met.
    fn allowed_next(finding: &Finding) -> Vec<Status> {
        if finding.deleted {
            return Vec::new();
        }
        steps(finding)
            .into_iter()
            .filter(|&to| check_transition(finding, to).is_ok())
            .collect()
    }

    #[test]
    fn the_table_covers_every_status_once() {
        let froms: BTreeSet<Status> = TABLE.iter().map(|(from, _)| *from).collect();
        assert_eq!(froms.len(), Status::ALL.len());
        for (from, to) in TABLE {
            assert_eq!(next_statuses(*from), *to, "{from}");
        }
    }

    #[test]
    fn every_pair_is_allowed_or_refused_as_the_table_says() {
        let mut allowed = 0;
        let mut refused = 0;
        for &from in Status::ALL {
            let expected = TABLE
                .iter()
                .find(|(f, _)| *f == from)
                .map_or(&[][..], |(_, to)| to);
            for &to in Status::ALL {
                let finding = ready_for(to, from);
                let result = check_transition(&finding, to);
                if expected.contains(&to) {
                    assert_eq!(result, Ok(()), "{from} → {to} should be allowed");
                    allowed += 1;
                } else if from == to {
                    assert_eq!(result, Err(vec![TransitionError::AlreadyThere(to)]));
                    refused += 1;
                } else {
                    assert_eq!(
                        result,
                        Err(vec![TransitionError::NotAllowed { from, to }]),
                        "{from} → {to} should be refused"
                    );
                    refused += 1;
                }
            }
        }
        assert_eq!((allowed, refused), (13, 68));
    }

    #[test]
    fn every_allowed_pair_is_refused_when_its_guard_is_not_met() {
        for (from, tos) in TABLE {
            for &to in *tos {
                let result = check_transition(&blank(*from), to);
                if to == Open {
                    assert_eq!(result, Ok(()), "reconsidering needs nothing");
                } else {
                    let errors = result.expect_err("a blank finding meets no guard");
                    assert!(!errors.iter().any(is_edge_error), "{from} → {to}");
                }
            }
        }
    }

    #[test]
    fn allowed_next_offers_only_what_passes_its_guards() {
        assert_eq!(allowed_next(&blank(Open)), Vec::<Status>::new());
        let mut f = blank(Open);
        f.root_cause.statement = "Cause".into();
        assert_eq!(allowed_next(&f), [Analysed]);
        f.rejection_reason = "Duplicate of NC-2027-JD-002".into();
        assert_eq!(allowed_next(&f), [Analysed, Rejected]);
        assert_eq!(allowed_next(&ready_for(Closed, Verifying)), [Closed]);
        assert_eq!(allowed_next(&ready_for(Reopened, Verifying)), [Reopened]);
        assert_eq!(allowed_next(&blank(Rejected)), [Open]);
        let mut gone = ready_for(Closed, Verifying);
        gone.deleted = true;
        assert!(allowed_next(&gone).is_empty());
    }

    #[test]
    fn the_documented_messages() {
        assert_eq!(
            messages(check_transition(&blank(Open), Analysed)),
            ["Cannot move to analysed: record the root-cause statement first."]
        );
        assert_eq!(
            messages(check_transition(&blank(Open), Rejected)),
            ["Cannot reject: give the reason the finding is unfounded."]
        );
        let mut f = ready_for(ActionPlanned, Analysed);
        f.actions.clear();
        assert_eq!(
            messages(check_transition(&f, ActionPlanned)),
            ["Cannot plan actions: add at least one corrective action with an owner and a due date."]
        );
        let mut f = ready_for(Verifying, InProgress);
        f.actions
            .insert("x".into(), action("Train staff", ActionStatus::InProgress));
        assert_eq!(
            messages(check_transition(&f, Verifying)),
            ["Cannot verify: every corrective action must be done or cancelled, with at least one done."]
        );
        let mut f = ready_for(Closed, Verifying);
        f.review.result = None;
        assert_eq!(
            messages(check_transition(&f, Closed)),
            ["Cannot close: the effectiveness review is not recorded as effective."]
        );
        assert_eq!(
            messages(check_transition(&blank(Open), Closed)),
            ["Cannot move from \u{201c}Open\u{201d} to \u{201c}Closed\u{201d}: from \u{201c}Open\u{201d} a finding can only move to \u{201c}Analysed\u{201d} or \u{201c}Rejected\u{201d}."]
        );
        assert_eq!(
            messages(check_transition(&blank(Closed), Closed)),
            ["The finding is already closed."]
        );
    }

    #[test]
    fn closing_a_blank_finding_lists_everything_missing_in_order() {
        assert_eq!(
            messages(check_transition(&blank(Verifying), Closed)),
            [
                "Cannot close: record the nonconformity statement.",
                "Cannot close: add at least one requirement the finding concerns.",
                "Cannot close: record the objective evidence.",
                "Cannot close: record the root-cause statement first.",
                "Cannot close: add at least one corrective action with an owner and a due date.",
                "Cannot close: record the correction made to contain the nonconformity.",
                "Cannot close: the effectiveness review is not recorded as effective.",
                "Cannot close: record who reviewed the effectiveness of the actions.",
                "Cannot close: record the date of the effectiveness review.",
            ]
        );
    }

    #[test]
    fn each_action_is_named_in_what_it_lacks() {
        let mut f = ready_for(ActionPlanned, Analysed);
        let mut a = action("Update the leaver checklist", ActionStatus::Planned);
        a.owner = "  ".into();
        a.due = None;
        f.actions.insert("a".into(), a);
        let mut b = action("", ActionStatus::Planned);
        b.id = "b".into();
        b.owner.clear();
        f.actions.insert("b".into(), b);
        let mut cancelled = action("", ActionStatus::Cancelled);
        cancelled.owner.clear();
        cancelled.due = None;
        f.actions.insert("c".into(), cancelled);
        assert_eq!(
            messages(check_transition(&f, ActionPlanned)),
            [
                "Cannot plan actions: every corrective action needs a description.",
                "Cannot plan actions: the corrective action \u{201c}Update the leaver checklist\u{201d} has no owner.",
                "Cannot plan actions: the corrective action \u{201c}Update the leaver checklist\u{201d} has no due date.",
                "Cannot plan actions: a corrective action without a description has no owner.",
            ]
        );
    }

    #[test]
    fn only_cancelled_actions_is_no_plan() {
        let mut f = ready_for(ActionPlanned, Analysed);
        f.actions.clear();
        f.actions
            .insert("c".into(), action("Dropped", ActionStatus::Cancelled));
        assert_eq!(
            check_transition(&f, ActionPlanned),
            Err(vec![TransitionError::NoAction { to: ActionPlanned }])
        );
    }

    #[test]
    fn verifying_needs_one_done_action_with_its_date() {
        let mut f = ready_for(Verifying, InProgress);
        f.actions.clear();
        f.actions
            .insert("c".into(), action("Dropped", ActionStatus::Cancelled));
        let errors = check_transition(&f, Verifying).expect_err("no action done");
        assert!(errors.contains(&TransitionError::ActionsNotFinished { to: Verifying }));

        let mut f = ready_for(Verifying, InProgress);
        let mut done = action("Fix it", ActionStatus::Done);
        done.done_on = None;
        f.actions.insert("Assign review owner".into(), done);
        assert_eq!(
            messages(check_transition(&f, Verifying)),
            ["Cannot verify: the corrective action \u{201c}Fix it\u{201d} is done but has no done date."]
        );
    }

    #[test]
    fn guards_are_cumulative_after_later_edits() {
        // A merge cleared the root cause while the finding was verifying.
        let mut f = ready_for(Closed, Verifying);
        f.root_cause.statement = " ".into();
        assert_eq!(
            messages(check_transition(&f, Closed)),
            ["Cannot close: record the root-cause statement first."]
        );
    }

    #[test]
    fn reopening_needs_a_not_effective_review() {
        let mut f = ready_for(Closed, Closed);
        assert_eq!(
            messages(check_transition(&f, Reopened)),
            ["Cannot reopen: only an effectiveness review recorded as not effective reopens a finding."]
        );
        f.review.result = Some(ReviewResult::NotEffective);
        f.review.reviewer.clear();
        assert_eq!(
            check_transition(&f, Reopened),
            Err(vec![TransitionError::ReviewerMissing { to: Reopened }])
        );
    }

    #[test]
    fn a_reopened_finding_needs_a_new_action_to_plan_again() {
        let f = ready_for(Reopened, Reopened);
        assert_eq!(
            check_transition(&f, ActionPlanned),
            Err(vec![TransitionError::NoNewAction { to: ActionPlanned }])
        );
        assert_eq!(check_transition(&f, Analysed), Ok(()));
        let mut f = f;
        f.actions.insert(
            "new".into(),
            action("Automate reviews", ActionStatus::Planned),
        );
        assert_eq!(check_transition(&f, ActionPlanned), Ok(()));
        // Through analysed the same rule holds.
        f.status = Analysed;
        assert_eq!(check_transition(&f, ActionPlanned), Ok(()));
        f.actions.remove("new");
        assert_eq!(
            check_transition(&f, ActionPlanned),
            Err(vec![TransitionError::NoNewAction { to: ActionPlanned }])
        );
    }

    #[test]
    fn every_grade_follows_the_same_cycle() {
        for &grade in Grade::ALL {
            let mut f = blank(Verifying);
            f.grade = grade;
            assert!(check_transition(&f, Closed).is_err(), "{grade}");
            let mut f = ready_for(Closed, Verifying);
            f.grade = grade;
            assert_eq!(check_transition(&f, Closed), Ok(()), "{grade}");
        }
    }

    #[test]
    fn deleted_findings_do_not_move() {
        let mut f = ready_for(Closed, Verifying);
        f.deleted = true;
        assert_eq!(
            check_transition(&f, Closed),
            Err(vec![TransitionError::Deleted])
        );
    }

    #[test]
    fn transition_stamps_and_clears_the_closure() {
        let today = d(2027, 4, 2);
        let mut f = ready_for(Closed, Verifying);
        assert_eq!(
            transition(&mut f, Closed, "  ", today),
            Err(vec![TransitionError::ClosedByMissing])
        );
        assert_eq!(f.status, Verifying, "unchanged on error");
        transition(&mut f, Closed, " Ines Moreau ", today).expect("closable");
        assert_eq!(f.status, Closed);
        assert_eq!(f.closure.closed_on, Some(today));
        assert_eq!(f.closure.closed_by, "Ines Moreau");

        f.review.result = Some(ReviewResult::NotEffective);
        transition(&mut f, Reopened, "Ines Moreau", d(2027, 9, 1)).expect("reopenable");
        assert_eq!(f.status, Reopened);
        assert_eq!(f.closure, Default::default());

        let before = f.clone();
        assert!(transition(&mut f, Closed, "Ines Moreau", today).is_err());
        assert_eq!(f, before);
    }

    #[test]
    fn transition_reports_edge_errors_without_the_closer() {
        let mut f = blank(Open);
        assert_eq!(
            transition(&mut f, Closed, "", d(2027, 1, 1)),
            Err(vec![TransitionError::NotAllowed {
                from: Open,
                to: Closed
            }])
        );
    }

    #[test]
    fn a_not_effective_review_reopens() {
        for from in [Verifying, Closed] {
            let mut f = ready_for(Closed, from);
            f.review = Default::default();
            f.closure.closed_by = "Someone".into();
            let on = d(2027, 6, 1);
            let status = apply_review_result(&mut f, ReviewResult::NotEffective, " Ines ", on);
            assert_eq!(status, Ok(Reopened));
            assert_eq!(f.status, Reopened);
            assert_eq!(f.review.result, Some(ReviewResult::NotEffective));
            assert_eq!(f.review.reviewer, "Ines");
            assert_eq!(f.review.reviewed_on, Some(on));
            assert_eq!(
                f.closure.closed_by,
                if from == Closed { "" } else { "Someone" }
            );
        }
    }

    #[test]
    fn an_effective_review_is_recorded_without_closing() {
        let mut f = ready_for(Closed, Verifying);
        f.review = Default::default();
        let status = apply_review_result(&mut f, ReviewResult::Effective, "Ines", d(2027, 6, 1));
        assert_eq!(status, Ok(Verifying));
        assert_eq!(f.review.result, Some(ReviewResult::Effective));
        assert_eq!(allowed_next(&f), [Closed]);
    }

    #[test]
    fn reviews_are_refused_outside_verification() {
        let mut f = ready_for(Closed, InProgress);
        let before = f.clone();
        let result = apply_review_result(&mut f, ReviewResult::NotEffective, "Ines", d(2027, 6, 1));
        assert_eq!(result, Err(vec![TransitionError::ReviewNotDue(InProgress)]));
        assert_eq!(
            result.err().unwrap_or_default()[0].to_string(),
            "Cannot record the effectiveness review: the finding is in progress; reviews are recorded while verifying or after closing."
        );
        let mut verifying = ready_for(Closed, Verifying);
        assert_eq!(
            apply_review_result(&mut verifying, ReviewResult::Effective, " ", d(2027, 6, 1)),
            Err(vec![TransitionError::ReviewerNameMissing])
        );
        assert_eq!(f, before);
    }

    #[test]
    fn a_full_cycle_with_a_failed_fix() {
        let mut f = blank(Open);
        let day = d(2027, 1, 10);
        let step = |f: &mut Finding, to| transition(f, to, "Ines", day);
        f.statement = "Leavers keep their accounts.".into();
        f.requirements.insert("A.5.18".into(), true);
        f.evidence = "HR leaver list against the directory export.".into();
        f.root_cause.statement = "Leavers are not reported to IT.".into();
        step(&mut f, Analysed).expect("analysed");
        f.actions
            .insert("1".into(), action("HR notifies IT", ActionStatus::Planned));
        step(&mut f, ActionPlanned).expect("planned");
        step(&mut f, InProgress).expect("in progress");
        f.actions
            .insert("1".into(), action("HR notifies IT", ActionStatus::Done));
        step(&mut f, Verifying).expect("verifying");
        assert_eq!(
            apply_review_result(&mut f, ReviewResult::NotEffective, "Ines", day),
            Ok(Reopened)
        );
        step(&mut f, Analysed).expect("re-analysed");
        assert!(step(&mut f, ActionPlanned).is_err(), "needs a new action");
        f.actions.insert(
            "2".into(),
            action("Automate leaver feed", ActionStatus::Planned),
        );
        step(&mut f, ActionPlanned).expect("re-planned");
        step(&mut f, InProgress).expect("in progress again");
        f.actions.insert(
            "2".into(),
            action("Automate leaver feed", ActionStatus::Done),
        );
        step(&mut f, Verifying).expect("verifying again");
        assert_eq!(
            apply_review_result(&mut f, ReviewResult::Effective, "Ines", day),
            Ok(Verifying)
        );
        assert!(step(&mut f, Closed).is_err(), "the correction is missing");
        f.correction.description = "Disabled the accounts found.".into();
        step(&mut f, Closed).expect("closed");
        assert_eq!(f.closure.closed_by, "Ines");
    }

    /// An opportunity for improvement whose nature is recorded (what
    /// closing asks of every finding) and nothing else.
    fn improvement(status: Status) -> Finding {
        let mut f = ready_for(Closed, status);
        f.grade = Grade::Opportunity;
        f.actions.clear();
        f.root_cause.statement.clear();
        f.correction.description.clear();
        f.review = Default::default();
        f
    }

    #[test]
    fn closing_keeps_the_nature_of_the_nonconformity() {
        for (clear, message) in [
            (
                (|f: &mut Finding| f.statement = " ".into()) as fn(&mut Finding),
                "Cannot close: record the nonconformity statement.",
            ),
            (
                |f| f.requirements.clear(),
                "Cannot close: add at least one requirement the finding concerns.",
            ),
            (
                // A requirement switched off by an edit is no requirement.
                |f| {
                    f.requirements.insert("A.5.18".into(), false);
                },
                "Cannot close: add at least one requirement the finding concerns.",
            ),
            (
                |f| f.evidence.clear(),
                "Cannot close: record the objective evidence.",
            ),
        ] {
            let mut f = ready_for(Closed, Verifying);
            clear(&mut f);
            assert_eq!(messages(check_transition(&f, Closed)), [message]);
            let mut f = improvement(Open);
            f.disposition = Some(Disposition::Considered);
            f.disposition_reason = "Noted for next year's plan.".into();
            clear(&mut f);
            assert_eq!(messages(check_transition(&f, Closed)), [message]);
        }
    }

    #[test]
    fn an_improvement_closes_without_corrective_action_with_its_disposition() {
        let today = d(2027, 4, 2);
        let mut f = improvement(Open);
        assert_eq!(steps(&f), [Analysed, Rejected, Closed]);
        assert_eq!(
            messages(check_transition(&f, Closed)),
            [
                "Cannot close without corrective action: choose whether it was considered or not taken up.",
                "Cannot close without corrective action: give the reason.",
            ]
        );
        f.disposition = Some(Disposition::NotTakenUp);
        f.disposition_reason = "The risk owner accepts the risk.".into();
        f.actions
            .insert("a".into(), action("Try a pilot", ActionStatus::InProgress));
        assert_eq!(
            check_transition(&f, Closed),
            Err(vec![TransitionError::ActionsStillOpen])
        );
        f.actions.get_mut("a").expect("just added").status = ActionStatus::Cancelled;
        for from in [Open, Analysed, ActionPlanned, InProgress, Reopened] {
            f.status = from;
            assert_eq!(check_transition(&f, Closed), Ok(()), "from {from}");
        }
        f.status = Open;
        transition(&mut f, Closed, "Ines Moreau", today).expect("allowed");
        assert_eq!(f.closure.closed_on, Some(today));
        // Reconsidered, not reopened: no review found an action ineffective.
        assert_eq!(steps(&f), [Open]);
        assert_eq!(
            check_transition(&f, Reopened),
            Err(vec![TransitionError::NotAllowed {
                from: Closed,
                to: Reopened
            }])
        );
        assert_eq!(
            apply_review_result(&mut f, ReviewResult::NotEffective, "Ines", today),
            Err(vec![TransitionError::NothingToReview])
        );
        transition(&mut f, Open, "Ines Moreau", today).expect("allowed");
        assert_eq!((f.disposition, f.closure.closed_on), (None, None));
        assert!(f.disposition_reason.is_empty());
    }

    #[test]
    fn a_nonconformity_is_never_closed_without_corrective_action() {
        for grade in [Grade::Major, Grade::Minor] {
            let mut f = improvement(Open);
            f.grade = grade;
            f.disposition = Some(Disposition::NotTakenUp);
            f.disposition_reason = "We disagree.".into();
            assert!(!steps(&f).contains(&Closed), "{grade}");
            assert_eq!(
                check_transition(&f, Closed),
                Err(vec![TransitionError::NotAllowed {
                    from: Open,
                    to: Closed
                }])
            );
        }
    }

    #[test]
    fn an_improvement_acted_on_closes_through_the_cycle_without_a_disposition() {
        let mut f = ready_for(Closed, Verifying);
        f.grade = Grade::Observation;
        assert_eq!(check_transition(&f, Closed), Ok(()));
        f.disposition = Some(Disposition::Considered);
        assert_eq!(
            messages(check_transition(&f, Closed)),
            ["Cannot close: \u{201c}Closed as\u{201d} says \u{201c}Considered\u{201d}, but the corrective actions were carried out; clear it."]
        );
    }

    #[test]
    fn a_certification_bodys_finding_is_disputed_not_rejected() {
        let today = d(2027, 4, 2);
        for source in [
            Source::Stage1,
            Source::Stage2,
            Source::Surveillance,
            Source::Recertification,
        ] {
            let mut f = blank(Open);
            f.source = source;
            f.rejection_reason = "Unfounded".into();
            assert_eq!(steps(&f), [Analysed, Withdrawn], "{source}");
            assert_eq!(
                messages(check_transition(&f, Rejected)),
                ["Cannot reject: a certification body raised this finding; record a dispute with the body instead, and its answer."]
            );
            assert_eq!(
                messages(check_transition(&f, Withdrawn)),
                [
                    "Cannot record the withdrawal: record the dispute's reason first.",
                    "Cannot record the withdrawal: record the body's answer.",
                    "Cannot record the withdrawal: the body's answer is not recorded as a withdrawal.",
                ]
            );
            f.dispute.reason =
                "The sampled laptop belongs to a contractor outside the scope.".into();
            f.dispute.answer = "Agreed after review of the scope statement.".into();
            f.dispute.outcome = Some(DisputeOutcome::Upheld);
            assert_eq!(
                check_transition(&f, Withdrawn),
                Err(vec![TransitionError::DisputeNotWithdrawn])
            );
            f.dispute.outcome = Some(DisputeOutcome::Withdrawn);
            for from in [
                Open,
                Analysed,
                ActionPlanned,
                InProgress,
                Verifying,
                Reopened,
            ] {
                f.status = from;
                assert_eq!(check_transition(&f, Withdrawn), Ok(()), "{from}");
            }
            f.status = Open;
            transition(&mut f, Withdrawn, "Ines Moreau", today).expect("allowed");
            assert_eq!(
                steps(&f),
                [Open],
                "reinstated, if the body changes its mind"
            );
            f.status = Closed;
            assert!(!steps(&f).contains(&Withdrawn), "closed is closed");
        }
        // The organisation's own findings are still rejected, never withdrawn.
        let f = blank(Open);
        assert_eq!(steps(&f), [Analysed, Rejected]);
    }
}
