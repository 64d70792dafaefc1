//! Certification-body clocks: when a finding's corrective action plan and its
//! closure fall due, and how each clock stands on a given day.
//!
//! Every function takes `today` as a parameter: the core never reads the
//! clock, so the same register gives the same answers in tests, in exports
//! and on two auditors' machines.
//!
//! The clocks, with the [`Settings`] fixed on the finding when it was
//! recorded ([`Finding::clocks`]; the register's own settings for what a
//! finding recorded by an older version left open):
//!
//! - **plan due** = detected on + `plan_due_days`, for every grade. For a
//!   major or minor it is the certification body's response deadline; for an
//!   observation or opportunity for improvement it is the register's own
//!   nudge to decide: plan something, or reject it with a reason.
//! - **close due** = detected on + `major_close_days` (major) or
//!   `minor_close_days` (minor). Observations and opportunities for
//!   improvement are not nonconformities: no certification body sets them a
//!   closing deadline, so they have none ([`DueState::NoDate`]).
//!
//! The "at the latest six months after the stage 2 audit" limit on majors is
//! not modelled: a finding does not carry its audit's dates, and the day
//! count from detection is what certification bodies actually write in their
//! reports.
//!
//! Date arithmetic is checked: a date beyond chrono's range (a typo such as
//! year 262143, or an absurd setting) gives no date, never a panic.

use chrono::{Days, NaiveDate};

use super::model::{ActionStatus, CorrectiveAction, Finding, Grade, Settings, Status};

/// A due date this many days away or fewer (today included) is "due soon".
pub const DUE_SOON_DAYS: u32 = 14;

/// How a clock stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueState {
    /// The due date has passed; `days` late, at least 1.
    Overdue {
        days: u32,
    },
    /// Due within [`DUE_SOON_DAYS`]; `days` left, 0 meaning today.
    DueSoon {
        days: u32,
    },
    OnTrack,
    /// The clock has stopped: the awaited step happened, or the finding was
    /// closed, rejected or deleted. Never overdue.
    Done,
    /// No due date: unknown detection date, or no clock for this grade.
    NoDate,
}

impl DueState {
    pub fn is_overdue(self) -> bool {
        matches!(self, DueState::Overdue { .. })
    }
}

impl std::fmt::Display for DueState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match *self {
            DueState::Overdue { days } => write!(f, "Overdue by {days} day{}", plural(days)),
            DueState::DueSoon { days: 0 } => f.write_str("Due today"),
            DueState::DueSoon { days } => write!(f, "Due in {days} day{}", plural(days)),
            DueState::OnTrack => f.write_str("On track"),
            DueState::Done => f.write_str("Done"),
            DueState::NoDate => f.write_str("No due date"),
        }
    }
}

/// When the corrective action plan is due; `None` for observations and
/// opportunities for improvement, which no certification-body clock covers
/// (their own deadline is the follow-up date a person sets). `settings` are
/// the register's: they apply only where the finding has not fixed its own
/// ([`Finding::clocks`]).
pub fn plan_due(finding: &Finding, settings: &Settings) -> Option<NaiveDate> {
    if !finding.grade.is_nonconformity() {
        return None;
    }
    let settings = finding.clocks.over(settings);
    add_days(finding.detected_on?, settings.plan_due_days)
}

/// When the finding must be closed; `None` for observations and
/// opportunities for improvement, which have no closing deadline.
pub fn close_due(finding: &Finding, settings: &Settings) -> Option<NaiveDate> {
    let settings = finding.clocks.over(settings);
    let days = match finding.grade {
        Grade::Major => settings.major_close_days,
        Grade::Minor => settings.minor_close_days,
        Grade::Observation | Grade::Opportunity => return None,
    };
    add_days(finding.detected_on?, days)
}

/// Where a due date stands on `today`, for a clock that is still running.
pub fn due_state(due: Option<NaiveDate>, today: NaiveDate) -> DueState {
    let Some(due) = due else {
        return DueState::NoDate;
    };
    let left = (due - today).num_days();
    // Differences within chrono's date range fit in u32 (about 191 million
    // days), so the saturation below is unreachable, not a silent clamp.
    let days = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    if left < 0 {
        DueState::Overdue { days: days(-left) }
    } else if left <= i64::from(DUE_SOON_DAYS) {
        DueState::DueSoon { days: days(left) }
    } else {
        DueState::OnTrack
    }
}

/// The plan clock. It stops once a plan has been made, which the record
/// shows as a status from "action planned" onwards. A reopened finding (or
/// one that went from reopened back to analysed, which is known by its
/// recorded review) already answered once: its urgency is the close clock's.
pub fn plan_state(finding: &Finding, settings: &Settings, today: NaiveDate) -> DueState {
    let planned = matches!(
        finding.status,
        Status::ActionPlanned
            | Status::InProgress
            | Status::Verifying
            | Status::Closed
            | Status::Reopened
    ) || finding.review.result.is_some();
    if stopped(finding) || planned {
        return DueState::Done;
    }
    due_state(plan_due(finding, settings), today)
}

/// The close clock. A reopened finding keeps its original deadline: the
/// certification body's clock did not restart because the fix failed.
pub fn close_state(finding: &Finding, settings: &Settings, today: NaiveDate) -> DueState {
    if stopped(finding) {
        return DueState::Done;
    }
    due_state(close_due(finding, settings), today)
}

/// The follow-up date of an observation or opportunity for improvement.
/// A nonconformity's follow-up is its clocks, so this one is
/// [`DueState::Done`] there.
pub fn follow_up_state(finding: &Finding, today: NaiveDate) -> DueState {
    if stopped(finding) || finding.grade.is_nonconformity() {
        return DueState::Done;
    }
    due_state(finding.follow_up, today)
}

/// A corrective action's own due date; done and cancelled actions are never
/// overdue.
pub fn action_state(action: &CorrectiveAction, today: NaiveDate) -> DueState {
    match action.status {
        ActionStatus::Done | ActionStatus::Cancelled => DueState::Done,
        ActionStatus::Planned | ActionStatus::InProgress => due_state(action.due, today),
    }
}

/// Days since detection. Negative when the detection date lies after
/// `today` (a typo, or another auditor's clock ahead): returned as is so the
/// UI can flag it rather than hide it.
pub fn age_days(finding: &Finding, today: NaiveDate) -> Option<i64> {
    Some((today - finding.detected_on?).num_days())
}

fn stopped(finding: &Finding) -> bool {
    finding.deleted || finding.status.is_finished()
}

fn add_days(date: NaiveDate, days: u32) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(u64::from(days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn finding(grade: Grade, detected_on: Option<NaiveDate>) -> Finding {
        let mut f = Finding::new("id".into(), "NC-2027-JD-001".into());
        f.grade = grade;
        f.detected_on = detected_on;
        f
    }

    fn defaults() -> Settings {
        Settings::default()
    }

    #[test]
    fn plan_due_crosses_month_ends() {
        let s = defaults();
        let due = |date| plan_due(&finding(Grade::Minor, Some(date)), &s);
        assert_eq!(due(d(2027, 1, 31)), Some(d(2027, 3, 2)));
        assert_eq!(due(d(2028, 1, 31)), Some(d(2028, 3, 1)), "2028 is leap");
        assert_eq!(due(d(2027, 4, 30)), Some(d(2027, 5, 30)));
    }

    #[test]
    fn leap_years_including_2100_which_is_not_one() {
        let s = defaults();
        let f = finding(Grade::Major, Some(d(2028, 2, 29)));
        assert_eq!(close_due(&f, &s), Some(d(2028, 5, 29)));
        let f = finding(Grade::Minor, Some(d(2028, 2, 29)));
        assert_eq!(close_due(&f, &s), Some(d(2028, 8, 27)));
        let f = finding(Grade::Minor, Some(d(2100, 2, 1)));
        assert_eq!(plan_due(&f, &s), Some(d(2100, 3, 3)));
        let f = finding(Grade::Minor, Some(d(2096, 2, 1)));
        assert_eq!(plan_due(&f, &s), Some(d(2096, 3, 2)));
        let f = finding(Grade::Minor, Some(d(2099, 9, 1)));
        assert_eq!(close_due(&f, &s), Some(d(2100, 2, 28)));
        let f = finding(Grade::Major, Some(d(2027, 11, 30)));
        assert_eq!(close_due(&f, &s), Some(d(2028, 2, 28)));
    }

    #[test]
    fn year_ends() {
        let s = defaults();
        let f = finding(Grade::Major, Some(d(2026, 12, 15)));
        assert_eq!(plan_due(&f, &s), Some(d(2027, 1, 14)));
        let f = finding(Grade::Major, Some(d(2099, 12, 15)));
        assert_eq!(plan_due(&f, &s), Some(d(2100, 1, 14)));
        let one_day = Settings {
            plan_due_days: 1,
            ..defaults()
        };
        let f = finding(Grade::Major, Some(d(2026, 12, 31)));
        assert_eq!(plan_due(&f, &one_day), Some(d(2027, 1, 1)));
    }

    #[test]
    fn close_due_by_grade() {
        let s = defaults();
        let on = Some(d(2027, 1, 1));
        assert_eq!(
            close_due(&finding(Grade::Major, on), &s),
            Some(d(2027, 4, 1))
        );
        assert_eq!(
            close_due(&finding(Grade::Minor, on), &s),
            Some(d(2027, 6, 30))
        );
        assert_eq!(close_due(&finding(Grade::Observation, on), &s), None);
        assert_eq!(close_due(&finding(Grade::Opportunity, on), &s), None);
        // No certification-body clock covers them: no plan is due either.
        assert_eq!(plan_due(&finding(Grade::Opportunity, on), &s), None);
        assert_eq!(plan_due(&finding(Grade::Observation, on), &s), None);
    }

    #[test]
    fn an_improvement_runs_only_its_own_follow_up_date() {
        let s = defaults();
        let mut obs = finding(Grade::Observation, Some(d(2027, 1, 1)));
        let late = d(2030, 1, 1);
        assert_eq!(plan_state(&obs, &s, late), DueState::NoDate);
        assert_eq!(follow_up_state(&obs, late), DueState::NoDate);
        assert_eq!(crate::query::urgency(&obs, &s, late), DueState::NoDate);
        obs.follow_up = Some(d(2027, 3, 1));
        assert_eq!(
            follow_up_state(&obs, d(2027, 3, 4)),
            DueState::Overdue { days: 3 }
        );
        assert_eq!(
            crate::query::urgency(&obs, &s, d(2027, 3, 4)),
            DueState::Overdue { days: 3 }
        );
        obs.status = Status::Closed;
        assert_eq!(follow_up_state(&obs, late), DueState::Done);
        // A nonconformity's follow-up is its clocks: a stray date is ignored.
        let mut minor = finding(Grade::Minor, Some(d(2027, 1, 1)));
        minor.follow_up = Some(d(2027, 1, 2));
        assert_eq!(follow_up_state(&minor, late), DueState::Done);
    }

    #[test]
    fn settings_are_honoured() {
        let s = Settings {
            plan_due_days: 10,
            major_close_days: 60,
            minor_close_days: 0,
            ..Settings::default()
        };
        let on = Some(d(2027, 3, 1));
        assert_eq!(
            plan_due(&finding(Grade::Major, on), &s),
            Some(d(2027, 3, 11))
        );
        assert_eq!(
            close_due(&finding(Grade::Major, on), &s),
            Some(d(2027, 4, 30))
        );
        assert_eq!(
            close_due(&finding(Grade::Minor, on), &s),
            Some(d(2027, 3, 1))
        );
    }

    #[test]
    fn no_detection_date_means_no_due_date() {
        let s = defaults();
        let f = finding(Grade::Major, None);
        assert_eq!(plan_due(&f, &s), None);
        assert_eq!(close_due(&f, &s), None);
        assert_eq!(age_days(&f, d(2027, 1, 1)), None);
        assert_eq!(close_state(&f, &s, d(2027, 1, 1)), DueState::NoDate);
        assert_eq!(plan_state(&f, &s, d(2027, 1, 1)), DueState::NoDate);
    }

    #[test]
    fn overflow_gives_no_date_instead_of_panicking() {
        let f = finding(Grade::Major, Some(NaiveDate::MAX));
        assert_eq!(plan_due(&f, &defaults()), None);
        assert_eq!(close_due(&f, &defaults()), None);
        let huge = Settings {
            plan_due_days: u32::MAX,
            major_close_days: u32::MAX,
            minor_close_days: u32::MAX,
            ..Settings::default()
        };
        let f = finding(Grade::Minor, Some(d(2027, 1, 1)));
        assert_eq!(plan_due(&f, &huge), None);
        assert_eq!(close_due(&f, &huge), None);
        assert_eq!(close_state(&f, &huge, d(2027, 1, 1)), DueState::NoDate);
        // The widest possible gap still yields a day count.
        let far = due_state(Some(NaiveDate::MIN), NaiveDate::MAX);
        assert!(far.is_overdue());
    }

    #[test]
    fn the_due_soon_boundary_is_exactly_14_days() {
        let due = Some(d(2027, 3, 15));
        assert_eq!(due_state(due, d(2027, 2, 28)), DueState::OnTrack, "15 days");
        assert_eq!(
            due_state(due, d(2027, 3, 1)),
            DueState::DueSoon { days: 14 }
        );
        assert_eq!(
            due_state(due, d(2027, 3, 14)),
            DueState::DueSoon { days: 1 }
        );
        assert_eq!(
            due_state(due, d(2027, 3, 15)),
            DueState::DueSoon { days: 0 }
        );
        assert_eq!(
            due_state(due, d(2027, 3, 16)),
            DueState::Overdue { days: 1 }
        );
        assert_eq!(
            due_state(due, d(2028, 3, 15)),
            DueState::Overdue { days: 366 }
        );
        assert_eq!(due_state(None, d(2027, 3, 1)), DueState::NoDate);
    }

    #[test]
    fn closed_rejected_and_deleted_findings_are_never_overdue() {
        let s = defaults();
        let late = d(2030, 1, 1);
        for status in [Status::Closed, Status::Rejected, Status::Withdrawn] {
            let mut f = finding(Grade::Major, Some(d(2027, 1, 1)));
            f.status = status;
            assert_eq!(close_state(&f, &s, late), DueState::Done);
            assert_eq!(plan_state(&f, &s, late), DueState::Done);
        }
        let mut f = finding(Grade::Major, Some(d(2027, 1, 1)));
        f.deleted = true;
        assert_eq!(close_state(&f, &s, late), DueState::Done);
        let mut f = finding(Grade::Observation, Some(d(2027, 1, 1)));
        f.status = Status::Closed;
        assert_eq!(close_state(&f, &s, late), DueState::Done);
    }

    #[test]
    fn open_findings_run_both_clocks() {
        let s = defaults();
        let f = finding(Grade::Major, Some(d(2027, 1, 1)));
        assert_eq!(plan_state(&f, &s, d(2027, 1, 2)), DueState::OnTrack);
        assert_eq!(
            plan_state(&f, &s, d(2027, 1, 31)),
            DueState::DueSoon { days: 0 }
        );
        assert_eq!(
            plan_state(&f, &s, d(2027, 2, 3)),
            DueState::Overdue { days: 3 }
        );
        assert_eq!(
            close_state(&f, &s, d(2027, 3, 25)),
            DueState::DueSoon { days: 7 }
        );
        let obs = finding(Grade::Observation, Some(d(2027, 1, 1)));
        assert_eq!(close_state(&obs, &s, d(2030, 1, 1)), DueState::NoDate);
        assert_eq!(plan_state(&obs, &s, d(2030, 1, 1)), DueState::NoDate);
    }

    #[test]
    fn the_plan_clock_stops_once_planned_and_stays_stopped_after_reopening() {
        let s = defaults();
        let late = d(2030, 1, 1);
        let mut f = finding(Grade::Major, Some(d(2027, 1, 1)));
        for status in [
            Status::ActionPlanned,
            Status::InProgress,
            Status::Verifying,
            Status::Reopened,
        ] {
            f.status = status;
            assert_eq!(plan_state(&f, &s, late), DueState::Done, "{status}");
        }
        f.status = Status::Reopened;
        assert!(
            close_state(&f, &s, late).is_overdue(),
            "close clock keeps running"
        );
        f.status = Status::Analysed;
        assert!(plan_state(&f, &s, late).is_overdue());
        f.review.result = Some(crate::model::ReviewResult::NotEffective);
        assert_eq!(plan_state(&f, &s, late), DueState::Done, "re-analysis");
    }

    #[test]
    fn action_clock() {
        let today = d(2027, 5, 1);
        let mut a = CorrectiveAction {
            due: Some(d(2027, 4, 30)),
            ..CorrectiveAction::default()
        };
        assert_eq!(action_state(&a, today), DueState::Overdue { days: 1 });
        a.status = ActionStatus::InProgress;
        assert!(action_state(&a, today).is_overdue());
        a.status = ActionStatus::Done;
        assert_eq!(action_state(&a, today), DueState::Done);
        a.status = ActionStatus::Cancelled;
        assert_eq!(action_state(&a, today), DueState::Done);
        a.status = ActionStatus::Planned;
        a.due = None;
        assert_eq!(action_state(&a, today), DueState::NoDate);
    }

    #[test]
    fn age_in_days() {
        let f = finding(Grade::Minor, Some(d(2028, 2, 28)));
        assert_eq!(age_days(&f, d(2028, 2, 28)), Some(0));
        assert_eq!(age_days(&f, d(2028, 3, 1)), Some(2), "through Feb 29");
        assert_eq!(age_days(&f, d(2029, 2, 28)), Some(366));
        assert_eq!(age_days(&f, d(2028, 2, 27)), Some(-1));
    }

    #[test]
    fn display_for_people() {
        assert_eq!(
            DueState::Overdue { days: 1 }.to_string(),
            "Overdue by 1 day"
        );
        assert_eq!(
            DueState::Overdue { days: 3 }.to_string(),
            "Overdue by 3 days"
        );
        assert_eq!(DueState::DueSoon { days: 0 }.to_string(), "Due today");
        assert_eq!(DueState::DueSoon { days: 1 }.to_string(), "Due in 1 day");
        assert_eq!(DueState::OnTrack.to_string(), "On track");
    }
}
