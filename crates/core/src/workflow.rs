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
//! - **closed**: the correction (clause 10.2 a) described, and the
//!   effectiveness review recorded as effective with its reviewer and date;
//! - **rejected**: a reason the finding is unfounded;
//! - **reopened**: the effectiveness review recorded as not effective, with
//!   its reviewer and date;
//! - **open** (from rejected): nothing.
//!
//! # Grades
//!
//! The same strict cycle applies to every grade. An observation or an
//! opportunity for improvement that the organisation acts on goes through
//! it like a nonconformity (the evidence is just as useful to the next
//! audit); one it decides not to pursue is *rejected* with the reason. A
//! lighter path would give those grades a second meaning of "closed" that
//! dashboards and certification bodies could not tell apart.
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

use super::model::{ActionStatus, CorrectiveAction, Finding, ReviewResult, Status};

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
    ActionWithoutOwner { to: Status, action: String },
    #[error("{}: {} has no due date.", cannot(.to), action_name(.action))]
    ActionWithoutDueDate { to: Status, action: String },
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
    ActionWithoutDoneDate { to: Status, action: String },
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
    #[error("Cannot close: the name of the person closing the finding is missing.")]
    ClosedByMissing,
    #[error(
        "Cannot record the effectiveness review: the finding is {}; reviews are recorded while verifying or after closing.",
        lower(.0)
    )]
    ReviewNotDue(Status),
    #[error("Cannot record the effectiveness review: give the reviewer's name.")]
    ReviewerNameMissing,
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
        Reopened => &[Analysed, ActionPlanned],
    }
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
    if !next_statuses(from).contains(&to) {
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
        finding.closure = Default::default();
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
            }
        }
    }
    missing
}

/// Position along the main path, for cumulative guards.
fn rank(status: Status) -> u8 {
    match status {
        Status::Open | Status::Rejected | Status::Reopened => 0,
        Status::Analysed => 1,
        Status::ActionPlanned => 2,
        Status::InProgress => 3,
        Status::Verifying => 4,
        Status::Closed => 5,
    }
}

fn live_actions(finding: &Finding) -> impl Iterator<Item = &CorrectiveAction> {
    finding
        .actions
        .values()
        .filter(|a| a.status != ActionStatus::Cancelled)
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
    for action in live_actions(finding) {
        let name = action.description.trim().to_string();
        if is_blank(&action.owner) {
            missing.push(E::ActionWithoutOwner {
                to,
                action: name.clone(),
            });
        }
        if action.due.is_none() {
            missing.push(E::ActionWithoutDueDate { to, action: name });
        }
    }
}

fn actions_finished(finding: &Finding, to: Status, missing: &mut Vec<TransitionError>) {
    use TransitionError as E;
    let all_finished = finding
        .actions
        .values()
        .all(|a| matches!(a.status, ActionStatus::Done | ActionStatus::Cancelled));
    let done: Vec<&CorrectiveAction> = finding
        .actions
        .values()
        .filter(|a| a.status == ActionStatus::Done)
        .collect();
    // With no action at all, the planning error already says what to do.
    if !all_finished || (done.is_empty() && !finding.actions.is_empty()) {
        missing.push(E::ActionsNotFinished { to });
    }
    for action in done.into_iter().filter(|a| a.done_on.is_none()) {
        missing.push(E::ActionWithoutDoneDate {
            to,
            action: action.description.trim().to_string(),
        });
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
        Status::Reopened => "Cannot reopen",
    }
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
    use crate::model::{Grade, Status::*};
    use std::collections::BTreeSet;

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
        next_statuses(finding.status)
            .iter()
            .copied()
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
        assert_eq!((allowed, refused), (12, 52));
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
}
