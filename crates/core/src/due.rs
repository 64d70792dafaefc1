//! The "Due soon" list: every finding with a clock that is overdue or falls
//! due within [`DUE_SOON_DAYS`](super::deadlines::DUE_SOON_DAYS), most urgent
//! first, with each such clock named so the reader knows what to chase (the
//! plan, the closing, or one corrective action).
//!
//! The clocks and their states come from `deadlines`; the most urgent clock of
//! a row is the one `query::urgency` reports, so the table's badge and this
//! list never disagree.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;

use super::deadlines::{self, DueState};
use super::model::{Finding, Settings};
use super::text::natural_cmp;

/// Which deadline a [`DueItem`] is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clock {
    /// The corrective action plan the certification body expects.
    Plan,
    /// Closing the finding (corrected and verified).
    Close,
    /// A corrective action's own due date.
    Action { id: String, description: String },
    /// When an observation or opportunity for improvement is to be looked
    /// at again.
    FollowUp,
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clock::Plan => f.write_str("Action plan"),
            Clock::Close => f.write_str("Closing"),
            Clock::FollowUp => f.write_str("Follow-up"),
            Clock::Action { description, .. } if description.trim().is_empty() => {
                f.write_str("Corrective action")
            }
            Clock::Action { description, .. } => {
                write!(
                    f,
                    "Corrective action \u{201c}{}\u{201d}",
                    description.trim()
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub clock: Clock,
    pub due: Option<NaiveDate>,
    /// Always [`DueState::Overdue`] or [`DueState::DueSoon`].
    pub state: DueState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow<'a> {
    pub finding: &'a Finding,
    /// Never empty; most urgent first.
    pub items: Vec<DueItem>,
}

/// Findings needing attention on `today`, most urgent first (longest
/// overdue, then soonest due), ties by reference. Closed, rejected and
/// deleted findings have no running clock and never appear.
pub fn due_soon<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    settings: &Settings,
    today: NaiveDate,
) -> Vec<DueRow<'a>> {
    let mut rows: Vec<DueRow<'a>> = findings
        .into_iter()
        .filter(|f| !f.deleted && !f.status.is_finished())
        .filter_map(|f| {
            let mut items: Vec<DueItem> = every_clock(f, settings, today)
                .filter(|i| pressing(i.state))
                .collect();
            // Stable: equally urgent clocks keep plan, close, actions order.
            items.sort_by(|a, b| more_urgent(a.state, b.state));
            (!items.is_empty()).then_some(DueRow { finding: f, items })
        })
        .collect();
    rows.sort_by(|a, b| {
        more_urgent(a.items[0].state, b.items[0].state)
            .then_with(|| natural_cmp(&a.finding.reference, &b.finding.reference))
            .then_with(|| a.finding.id.cmp(&b.finding.id))
    });
    rows
}

/// A finding's deadlines as the register's table shows them, each apart
/// with its own date and state, most urgent first: every running
/// certification-body clock (plan, close) or follow-up date, on track or
/// not, and a corrective action's due date only while it is pressing (the
/// action's own section shows the rest). A clock that stopped or has no
/// date is left out, so a finished finding has none. When the first item
/// is pressing, its state is [`query::urgency`](crate::query::urgency)'s.
pub fn running(finding: &Finding, settings: &Settings, today: NaiveDate) -> Vec<DueItem> {
    if finding.deleted || finding.status.is_finished() {
        return Vec::new();
    }
    let mut items: Vec<DueItem> = every_clock(finding, settings, today)
        .filter(|i| match i.clock {
            Clock::Action { .. } => pressing(i.state),
            _ => pressing(i.state) || i.state == DueState::OnTrack,
        })
        .collect();
    items.sort_by(|a, b| {
        more_urgent(a.state, b.state).then_with(|| match (a.due, b.due) {
            // Two clocks on track: the nearer date first.
            (Some(x), Some(y)) => x.cmp(&y),
            _ => Ordering::Equal,
        })
    });
    items
}

/// Every clock of a finding with its state, stopped ones included: plan,
/// close, follow-up, then the corrective actions.
fn every_clock<'a>(
    f: &'a Finding,
    settings: &'a Settings,
    today: NaiveDate,
) -> impl Iterator<Item = DueItem> + 'a {
    [
        DueItem {
            clock: Clock::Plan,
            due: deadlines::plan_due(f, settings),
            state: deadlines::plan_state(f, settings, today),
        },
        DueItem {
            clock: Clock::Close,
            due: deadlines::close_due(f, settings),
            state: deadlines::close_state(f, settings, today),
        },
        DueItem {
            clock: Clock::FollowUp,
            due: f.follow_up,
            state: deadlines::follow_up_state(f, today),
        },
    ]
    .into_iter()
    .chain(f.actions.values().map(move |a| DueItem {
        clock: Clock::Action {
            id: a.id.clone(),
            description: a.description.clone(),
        },
        due: a.due,
        state: deadlines::action_state(a, today),
    }))
}

fn pressing(state: DueState) -> bool {
    matches!(state, DueState::Overdue { .. } | DueState::DueSoon { .. })
}

/// `Less` when `a` is more urgent than `b`.
fn more_urgent(a: DueState, b: DueState) -> Ordering {
    fn rank(s: DueState) -> (u8, i64) {
        match s {
            DueState::Overdue { days } => (0, -i64::from(days)),
            DueState::DueSoon { days } => (1, i64::from(days)),
            DueState::OnTrack | DueState::NoDate | DueState::Done => (2, 0),
        }
    }
    rank(a).cmp(&rank(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionStatus, CorrectiveAction, Grade, Status};
    use crate::query;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn finding(id: &str, grade: Grade, detected: NaiveDate) -> Finding {
        let mut f = Finding::new(id.into(), format!("NC-2027-JD-{id}"));
        f.grade = grade;
        f.detected_on = Some(detected);
        f
    }

    fn action(id: &str, description: &str, due: NaiveDate) -> CorrectiveAction {
        CorrectiveAction {
            id: id.into(),
            description: description.into(),
            owner: "IT".into(),
            due: Some(due),
            status: ActionStatus::Planned,
            done_on: None,
        }
    }

    #[test]
    fn overdue_first_by_days_late_then_due_soon_by_days_left() {
        let s = Settings::default();
        let today = d(2027, 6, 1);
        // Plan due 2027-03-03 (90 days late), close due 2027-05-02 (30 days late).
        let late_major = finding("001", Grade::Major, d(2027, 2, 1));
        // Plan due 2027-05-30: 2 days late.
        let late_plan = finding("002", Grade::Minor, d(2027, 4, 30));
        // Plan due 2027-06-11: in 10 days.
        let soon = finding("003", Grade::Minor, d(2027, 5, 12));
        // Plan due 2027-06-30: on track.
        let fine = finding("004", Grade::Minor, d(2027, 5, 31));
        let all = [&fine, &soon, &late_plan, &late_major];
        let rows = due_soon(all, &s, today);
        let refs: Vec<&str> = rows.iter().map(|r| r.finding.id.as_str()).collect();
        assert_eq!(refs, vec!["001", "002", "003"]);
        assert_eq!(rows[0].items[0].clock, Clock::Plan);
        assert_eq!(rows[0].items[0].state, DueState::Overdue { days: 90 });
        assert_eq!(rows[0].items[0].due, Some(d(2027, 3, 3)));
        assert_eq!(rows[0].items[1].clock, Clock::Close);
        assert_eq!(rows[0].items[1].state, DueState::Overdue { days: 30 });
        assert_eq!(rows[1].items[0].clock, Clock::Plan);
        assert_eq!(rows[2].items[0].state, DueState::DueSoon { days: 10 });
        for row in &rows {
            assert_eq!(
                row.items[0].state,
                query::urgency(row.finding, &s, today),
                "the list agrees with the table's badge"
            );
        }
    }

    #[test]
    fn every_pressing_clock_is_listed_most_urgent_first() {
        let s = Settings::default();
        let today = d(2027, 6, 1);
        let mut f = finding("001", Grade::Major, d(2027, 3, 1)); // close due 05-30
        f.status = Status::InProgress;
        f.actions
            .insert("a".into(), action("a", "Train staff", d(2027, 6, 3)));
        f.actions
            .insert("b".into(), action("b", "Fix the ACL", d(2027, 5, 20)));
        let mut done = action("c", "Done already", d(2027, 5, 1));
        done.status = ActionStatus::Done;
        f.actions.insert("c".into(), done);
        let rows = due_soon([&f], &s, today);
        let items: Vec<String> = rows[0]
            .items
            .iter()
            .map(|i| format!("{}: {}", i.clock, i.state))
            .collect();
        assert_eq!(
            items,
            vec![
                "Corrective action \u{201c}Fix the ACL\u{201d}: Overdue by 12 days",
                "Closing: Overdue by 2 days",
                "Corrective action \u{201c}Train staff\u{201d}: Due in 2 days",
            ]
        );
    }

    #[test]
    fn closed_rejected_deleted_and_on_track_findings_are_left_out() {
        let s = Settings::default();
        let today = d(2028, 1, 1);
        let mut closed = finding("001", Grade::Major, d(2027, 1, 1));
        closed.status = Status::Closed;
        let mut rejected = finding("002", Grade::Major, d(2027, 1, 1));
        rejected.status = Status::Rejected;
        let mut deleted = finding("003", Grade::Major, d(2027, 1, 1));
        deleted.deleted = true;
        let on_track = finding("004", Grade::Major, d(2027, 12, 25));
        let mut undated = finding("005", Grade::Major, d(2027, 12, 25));
        undated.detected_on = None;
        let all = [&closed, &rejected, &deleted, &on_track, &undated];
        assert!(due_soon(all, &s, today).is_empty());
    }

    #[test]
    fn equal_urgency_falls_back_to_reference_order() {
        let s = Settings::default();
        let today = d(2027, 6, 1);
        let a = finding("010", Grade::Minor, d(2027, 5, 2));
        let b = finding("009", Grade::Minor, d(2027, 5, 2));
        let rows = due_soon([&a, &b], &s, today);
        let ids: Vec<&str> = rows.iter().map(|r| r.finding.id.as_str()).collect();
        assert_eq!(ids, vec!["009", "010"]);
        assert_eq!(rows[0].items[0].state, DueState::DueSoon { days: 0 });
    }

    #[test]
    fn running_clocks_each_with_its_own_date_and_state_most_urgent_first() {
        let s = Settings::default();
        let today = d(2027, 6, 1);
        // A major detected 2027-02-01: plan due 2027-03-03 (90 days late),
        // close due 2027-05-02 (30 days late). The table once showed the
        // close date beside the plan's badge; here each keeps its own.
        let late = finding("001", Grade::Major, d(2027, 2, 1));
        let items = running(&late, &s, today);
        let shown: Vec<String> = items
            .iter()
            .map(|i| format!("{} {} {}", i.clock, i.due.unwrap(), i.state))
            .collect();
        assert_eq!(
            shown,
            vec![
                "Action plan 2027-03-03 Overdue by 90 days",
                "Closing 2027-05-02 Overdue by 30 days",
            ]
        );
        assert_eq!(items[0].state, query::urgency(&late, &s, today));

        // A minor detected yesterday: both clocks on track, the nearer first.
        let fresh = finding("002", Grade::Minor, d(2027, 5, 31));
        let clocks: Vec<Clock> = running(&fresh, &s, today)
            .into_iter()
            .map(|i| i.clock)
            .collect();
        assert_eq!(clocks, vec![Clock::Plan, Clock::Close]);

        // Once planned, the plan clock has stopped: only closing runs, and a
        // pressing corrective action comes before it.
        let mut planned = finding("003", Grade::Minor, d(2027, 5, 1));
        planned.status = Status::InProgress;
        planned
            .actions
            .insert("a".into(), action("a", "Fix", d(2027, 6, 5)));
        planned
            .actions
            .insert("b".into(), action("b", "Later", d(2027, 9, 1)));
        let clocks: Vec<String> = running(&planned, &s, today)
            .iter()
            .map(|i| i.clock.to_string())
            .collect();
        assert_eq!(
            clocks,
            vec!["Corrective action \u{201c}Fix\u{201d}", "Closing"],
            "an action on track is not listed"
        );

        // An observation runs its follow-up date only; closed findings none.
        let mut obs = finding("004", Grade::Observation, d(2027, 5, 1));
        obs.follow_up = Some(d(2027, 6, 10));
        let items = running(&obs, &s, today);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].clock, Clock::FollowUp);
        assert_eq!(items[0].state, DueState::DueSoon { days: 9 });
        let mut closed = late.clone();
        closed.status = Status::Closed;
        assert!(running(&closed, &s, today).is_empty());
        let mut undated = fresh.clone();
        undated.detected_on = None;
        assert!(running(&undated, &s, today).is_empty());
    }

    #[test]
    fn clock_names_for_people() {
        assert_eq!(Clock::Plan.to_string(), "Action plan");
        assert_eq!(Clock::Close.to_string(), "Closing");
        let unnamed = Clock::Action {
            id: "x".into(),
            description: "  ".into(),
        };
        assert_eq!(unnamed.to_string(), "Corrective action");
    }
}
