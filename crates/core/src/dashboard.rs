//! The dashboard: every figure of the register's first screen, computed in
//! one pass over the findings.
//!
//! Each figure is a [`Cell`]: a count and the [`Query`] that selects exactly
//! the findings counted, so the screen can link every number to the table
//! filtered to those findings. The count is computed here in one pass (fast
//! at 10,000 findings) rather than by running each cell's query, and the
//! tests check that the two always agree: a figure that linked to a table
//! showing a different number would be worse than no figure.
//!
//! What counts as what:
//!
//! - **Open** findings are live ones (not deleted) whose status is neither
//!   closed, rejected nor withdrawn ([`StatusFilter::Active`]); reopened
//!   ones are open.
//! - **By clause / theme**: an open finding counts once in every clause
//!   (4–10) and every Annex A theme it cites, so a row's cells may add up to
//!   more than the open total.
//! - **Ageing**: open findings by days since detection ([`AgeBucket`]).
//! - **Due**: live findings by the state of each clock ([`DueClock`]); a
//!   finding with an overdue plan and a closing due soon counts in both.
//! - **Per month**, the last twelve calendar months up to today's: findings
//!   detected in the month (any status), findings closed in it
//!   (`closure.closed_on`, which the lifecycle stamps on closing and clears
//!   on reopening), and the median days from detection to closing of those.

use chrono::NaiveDate;

use super::catalogue::{self, Theme};
use super::deadlines::DueState;
use super::model::{Finding, Grade, Settings, Status};
use super::query::{
    self, clock_state, AgeBucket, DueClock, DueFilter, Memo, Month, Query, StatusFilter,
};

/// The statuses of an open finding, in lifecycle order.
pub const OPEN_STATUSES: &[Status] = &[
    Status::Open,
    Status::Analysed,
    Status::ActionPlanned,
    Status::InProgress,
    Status::Verifying,
    Status::Reopened,
];

/// The clauses of the standard's body with requirements.
pub const CLAUSES: &[&str] = &["4", "5", "6", "7", "8", "9", "10"];

/// The deadline kinds of the due table, in the order shown.
pub const CLOCKS: &[DueClock] = &[
    DueClock::Plan,
    DueClock::Close,
    DueClock::Actions,
    DueClock::FollowUp,
    DueClock::Any,
];

/// How many months the opened/closed chart covers, today's included.
pub const MONTHS: usize = 12;

/// One figure and the findings behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub count: usize,
    /// Selects exactly the `count` findings (with [`query::run`], the same
    /// settings and day).
    pub query: Query,
}

impl Cell {
    fn new(query: Query) -> Cell {
        Cell { count: 0, query }
    }
}

/// Open findings of one grade, by status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeRow {
    pub grade: Grade,
    /// One per [`OPEN_STATUSES`], in that order.
    pub by_status: Vec<Cell>,
    pub total: Cell,
}

/// Which part of the standard a heat-map row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// A clause number, `"4"` to `"10"`.
    Clause(&'static str),
    Theme(Theme),
}

impl Area {
    /// "Clause 9 Performance evaluation", "A.5 Organizational controls".
    pub fn label(self) -> String {
        match self {
            Area::Clause(n) => match catalogue::find(n) {
                Some(entry) => format!("Clause {n} {}", entry.title),
                None => format!("Clause {n}"),
            },
            Area::Theme(t) => format!("{} {} controls", t.section(), t.label()),
        }
    }
}

/// Open findings citing one clause or theme, by grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatRow {
    pub area: Area,
    /// One per [`Grade::ALL`], in that order.
    pub by_grade: Vec<Cell>,
    pub total: Cell,
}

/// One deadline kind: findings overdue and due soon on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub clock: DueClock,
    pub overdue: Cell,
    pub due_soon: Cell,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonthRow {
    pub month: Month,
    pub opened: Cell,
    pub closed: Cell,
    /// Median days from detection to closing of the findings closed in the
    /// month that have a detection date; `None` when there are none.
    pub median_days_to_close: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub open: Cell,
    /// One per [`Grade::ALL`].
    pub by_grade: Vec<GradeRow>,
    /// One per status of [`OPEN_STATUSES`], across grades.
    pub by_status: Vec<Cell>,
    /// [`CLAUSES`] then the four Annex A themes.
    pub heat: Vec<HeatRow>,
    /// One per [`AgeBucket::ALL`].
    pub ageing: Vec<(AgeBucket, Cell)>,
    /// One per [`CLOCKS`].
    pub due: Vec<DueRow>,
    /// The last [`MONTHS`] months, oldest first.
    pub months: Vec<MonthRow>,
    /// Median days from detection to closing of every closed finding with
    /// a detection date, whenever it closed.
    pub median_days_to_close: Option<f64>,
    /// How many findings that median is taken over.
    pub closed_with_dates: usize,
}

impl Dashboard {
    /// Every cell, for the tests that hold each count to its query.
    pub fn cells(&self) -> Vec<&Cell> {
        let mut cells = vec![&self.open];
        for row in &self.by_grade {
            cells.extend(&row.by_status);
            cells.push(&row.total);
        }
        cells.extend(&self.by_status);
        for row in &self.heat {
            cells.extend(&row.by_grade);
            cells.push(&row.total);
        }
        cells.extend(self.ageing.iter().map(|(_, c)| c));
        for row in &self.due {
            cells.push(&row.overdue);
            cells.push(&row.due_soon);
        }
        for row in &self.months {
            cells.push(&row.opened);
            cells.push(&row.closed);
        }
        cells
    }
}

fn open_query() -> Query {
    Query {
        status: StatusFilter::Active,
        ..Query::default()
    }
}

/// Computes the dashboard of `findings` (deleted ones are skipped) on
/// `today`.
pub fn compute<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    settings: &Settings,
    today: NaiveDate,
) -> Dashboard {
    let mut open = Cell::new(open_query());
    let mut by_grade: Vec<GradeRow> = Grade::ALL
        .iter()
        .map(|&grade| GradeRow {
            grade,
            by_status: OPEN_STATUSES
                .iter()
                .map(|&s| {
                    Cell::new(Query {
                        grade: Some(grade),
                        status: StatusFilter::Is(s),
                        ..Query::default()
                    })
                })
                .collect(),
            total: Cell::new(Query {
                grade: Some(grade),
                ..open_query()
            }),
        })
        .collect();
    let mut by_status: Vec<Cell> = OPEN_STATUSES
        .iter()
        .map(|&s| {
            Cell::new(Query {
                status: StatusFilter::Is(s),
                ..Query::default()
            })
        })
        .collect();
    let areas = CLAUSES
        .iter()
        .map(|&c| Area::Clause(c))
        .chain(Theme::ALL.iter().map(|&t| Area::Theme(t)));
    let mut heat: Vec<HeatRow> = areas
        .map(|area| {
            let base = match area {
                Area::Clause(n) => Query {
                    requirement: Some(n.to_owned()),
                    ..open_query()
                },
                Area::Theme(t) => Query {
                    theme: Some(t),
                    ..open_query()
                },
            };
            HeatRow {
                area,
                by_grade: Grade::ALL
                    .iter()
                    .map(|&g| {
                        Cell::new(Query {
                            grade: Some(g),
                            ..base.clone()
                        })
                    })
                    .collect(),
                total: Cell::new(base),
            }
        })
        .collect();
    // The patterns exactly as the query compiles them, so the two agree on
    // what "cites clause 9" means.
    let patterns: Vec<String> = CLAUSES
        .iter()
        .map(|c| query::canonical_requirement(c))
        .collect();
    let mut ageing: Vec<(AgeBucket, Cell)> = AgeBucket::ALL
        .iter()
        .map(|&b| {
            (
                b,
                Cell::new(Query {
                    age: Some(b),
                    ..open_query()
                }),
            )
        })
        .collect();
    let mut due: Vec<DueRow> = CLOCKS
        .iter()
        .map(|&clock| {
            let cell = |d: DueFilter| {
                let mut q = Query::default();
                match clock {
                    DueClock::Any => q.due = Some(d),
                    DueClock::Plan => q.plan_due = Some(d),
                    DueClock::Close => q.close_due = Some(d),
                    DueClock::Actions => q.action_due = Some(d),
                    DueClock::FollowUp => q.follow_up_due = Some(d),
                }
                Cell::new(q)
            };
            DueRow {
                clock,
                overdue: cell(DueFilter::Overdue),
                due_soon: cell(DueFilter::DueSoon),
            }
        })
        .collect();
    let mut month_list = vec![Month::of(today)];
    while month_list.len() < MONTHS {
        let earlier = month_list[month_list.len() - 1].previous();
        month_list.push(earlier);
    }
    month_list.reverse();
    let first_month = month_list[0];
    let mut months: Vec<(MonthRow, Vec<i64>)> = month_list
        .iter()
        .map(|&month| {
            (
                MonthRow {
                    month,
                    opened: Cell::new(Query {
                        opened: Some(month),
                        ..Query::default()
                    }),
                    closed: Cell::new(Query {
                        closed: Some(month),
                        ..Query::default()
                    }),
                    median_days_to_close: None,
                },
                Vec::new(),
            )
        })
        .collect();
    let month_index = |m: Month| -> Option<usize> {
        if m < first_month {
            return None;
        }
        let i = (m.year - first_month.year) * 12 + m.month as i32 - first_month.month as i32;
        usize::try_from(i).ok().filter(|&i| i < MONTHS)
    };
    let mut durations: Vec<i64> = Vec::new();

    let mut memo = Memo::default();
    for f in findings {
        if f.deleted {
            continue;
        }
        if let Some(i) = f.detected_on.map(Month::of).and_then(month_index) {
            months[i].0.opened.count += 1;
        }
        if let Some(closed_on) = f.closure.closed_on {
            let days = f.detected_on.map(|d| (closed_on - d).num_days());
            if let Some(days) = days {
                durations.push(days);
            }
            if let Some(i) = month_index(Month::of(closed_on)) {
                months[i].0.closed.count += 1;
                months[i].1.extend(days);
            }
        }
        // Each clock once; the most urgent of them is `query::urgency`'s
        // answer (an empty list of actions only adds "no date", which no
        // due filter selects).
        let plan = clock_state(f, DueClock::Plan, settings, today);
        let close = clock_state(f, DueClock::Close, settings, today);
        let actions = clock_state(f, DueClock::Actions, settings, today);
        let follow_up = clock_state(f, DueClock::FollowUp, settings, today);
        let any = [plan, close, actions]
            .into_iter()
            .max_by_key(|s| query::urgency_rank(*s))
            .unwrap_or(DueState::Done);
        for row in &mut due {
            let state = match row.clock {
                DueClock::Plan => plan,
                DueClock::Close => close,
                DueClock::Actions => actions,
                DueClock::FollowUp => follow_up,
                DueClock::Any => any,
            };
            if DueFilter::Overdue.accepts(state) {
                row.overdue.count += 1;
            } else if DueFilter::DueSoon.accepts(state) {
                row.due_soon.count += 1;
            }
        }
        if !StatusFilter::Active.accepts(f.status) {
            continue;
        }
        open.count += 1;
        let g = Grade::ALL.iter().position(|&g| g == f.grade).unwrap_or(0);
        let s = OPEN_STATUSES.iter().position(|&s| s == f.status);
        if let Some(row) = by_grade.get_mut(g) {
            row.total.count += 1;
            if let Some(cell) = s.and_then(|s| row.by_status.get_mut(s)) {
                cell.count += 1;
            }
        }
        if let Some(cell) = s.and_then(|s| by_status.get_mut(s)) {
            cell.count += 1;
        }
        // Which rows the finding counts in, its keys read once.
        let mut rows = [false; CLAUSES.len() + Theme::ALL.len()];
        query::cited(f, &mut memo, |head, theme| {
            if let Some(i) = patterns.iter().position(|p| p.eq_ignore_ascii_case(head)) {
                rows[i] = true;
            }
            if let Some(t) = theme.and_then(|t| Theme::ALL.iter().position(|&x| x == t)) {
                rows[CLAUSES.len() + t] = true;
            }
        });
        for (row, cites) in heat.iter_mut().zip(rows) {
            if cites {
                row.total.count += 1;
                if let Some(cell) = row.by_grade.get_mut(g) {
                    cell.count += 1;
                }
            }
        }
        let bucket = AgeBucket::of(f, today);
        if let Some((_, cell)) = ageing.iter_mut().find(|(b, _)| *b == bucket) {
            cell.count += 1;
        }
    }

    let closed_with_dates = durations.len();
    Dashboard {
        open,
        by_grade,
        by_status,
        heat,
        ageing,
        due,
        months: months
            .into_iter()
            .map(|(mut row, mut days)| {
                row.median_days_to_close = median(&mut days);
                row
            })
            .collect(),
        median_days_to_close: median(&mut durations),
        closed_with_dates,
    }
}

/// The middle value, or the mean of the two middle ones.
pub fn median(values: &mut [i64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionStatus, CorrectiveAction};
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn finding(n: usize, grade: Grade, status: Status, detected: Option<NaiveDate>) -> Finding {
        let mut f = Finding::new(format!("id-{n}"), format!("NC-2027-JD-{n:03}"));
        f.grade = grade;
        f.status = status;
        f.detected_on = detected;
        f
    }

    fn cite(mut f: Finding, keys: &[&str]) -> Finding {
        for k in keys {
            f.requirements.insert((*k).to_owned(), true);
        }
        f
    }

    fn closed(mut f: Finding, on: NaiveDate) -> Finding {
        f.status = Status::Closed;
        f.closure.closed_on = Some(on);
        f
    }

    /// A small register whose every figure is worked out by hand below.
    fn register() -> Vec<Finding> {
        let today = d(2027, 6, 15);
        let ago = |days: u64| Some(today - chrono::Days::new(days));
        let mut deleted = finding(9, Grade::Major, Status::Open, ago(1));
        deleted.deleted = true;
        let mut with_action = finding(5, Grade::Minor, Status::InProgress, ago(200));
        with_action.actions.insert(
            "a1".into(),
            CorrectiveAction {
                id: "a1".into(),
                due: Some(d(2027, 6, 1)),
                status: ActionStatus::InProgress,
                ..CorrectiveAction::default()
            },
        );
        vec![
            // open major, 10 days old: plan due in 20 days (on track),
            // close in 80.
            cite(
                finding(1, Grade::Major, Status::Open, ago(10)),
                &["9.2", "A.5.15"],
            ),
            // open minor, 25 days old: plan due in 5 days (due soon).
            cite(
                finding(2, Grade::Minor, Status::Analysed, ago(25)),
                &["A.8.8", "A.5.1"],
            ),
            // open major, 40 days old: plan overdue by 10, close in 50.
            cite(finding(3, Grade::Major, Status::Open, ago(40)), &["9.3"]),
            // observation, no date.
            cite(
                finding(4, Grade::Observation, Status::Reopened, None),
                &["Privacy policy"],
            ),
            cite(with_action, &["7.2", "A.6.3"]),
            // closed: detected 2027-03-10, closed 2027-05-01 (52 days).
            closed(
                finding(6, Grade::Minor, Status::Open, Some(d(2027, 3, 10))),
                d(2027, 5, 1),
            ),
            // closed: detected 2027-04-20, closed 2027-05-20 (30 days).
            closed(
                finding(7, Grade::Major, Status::Open, Some(d(2027, 4, 20))),
                d(2027, 5, 20),
            ),
            // closed long ago: 2025-01-01 to 2025-03-02 (60 days), outside
            // the twelve months.
            closed(
                finding(8, Grade::Minor, Status::Open, Some(d(2025, 1, 1))),
                d(2025, 3, 2),
            ),
            deleted,
            finding(10, Grade::Opportunity, Status::Rejected, ago(3)),
        ]
    }

    fn count_of(dash: &Dashboard, pick: impl Fn(&Dashboard) -> &Cell) -> usize {
        pick(dash).count
    }

    #[test]
    fn figures_of_a_small_register() {
        let today = d(2027, 6, 15);
        let findings = register();
        let dash = compute(&findings, &Settings::default(), today);

        assert_eq!(dash.open.count, 5);
        let major = &dash.by_grade[0];
        assert_eq!(major.grade, Grade::Major);
        assert_eq!(major.total.count, 2);
        assert_eq!(major.by_status[0].count, 2, "both majors are open");
        let minor = &dash.by_grade[1];
        assert_eq!(minor.total.count, 2);
        assert_eq!(minor.by_status[1].count, 1, "analysed");
        assert_eq!(minor.by_status[3].count, 1, "in progress");
        assert_eq!(dash.by_grade[2].by_status[5].count, 1, "reopened obs.");
        assert_eq!(dash.by_grade[3].total.count, 0, "rejected is not open");
        let statuses: Vec<usize> = dash.by_status.iter().map(|c| c.count).collect();
        assert_eq!(statuses, [2, 1, 0, 1, 0, 1]);

        let heat = |label: &str| {
            dash.heat
                .iter()
                .find(|r| r.area.label().starts_with(label))
                .map(|r| {
                    (
                        r.by_grade.iter().map(|c| c.count).collect::<Vec<_>>(),
                        r.total.count,
                    )
                })
                .expect("row")
        };
        assert_eq!(heat("Clause 9 "), (vec![2, 0, 0, 0], 2));
        assert_eq!(heat("Clause 7 "), (vec![0, 1, 0, 0], 1));
        assert_eq!(heat("Clause 4 "), (vec![0, 0, 0, 0], 0));
        assert_eq!(heat("A.5 "), (vec![1, 1, 0, 0], 2));
        assert_eq!(heat("A.6 "), (vec![0, 1, 0, 0], 1));
        assert_eq!(heat("A.8 "), (vec![0, 1, 0, 0], 1));

        let ageing: Vec<usize> = dash.ageing.iter().map(|(_, c)| c.count).collect();
        assert_eq!(ageing, [2, 1, 0, 1, 0, 1]);

        let due = |clock: DueClock| {
            let row = dash.due.iter().find(|r| r.clock == clock).expect("row");
            (row.overdue.count, row.due_soon.count)
        };
        assert_eq!(due(DueClock::Plan), (1, 1));
        // The in-progress minor detected 200 days ago: closing was due
        // after 180.
        assert_eq!(due(DueClock::Close), (1, 0));
        assert_eq!(due(DueClock::Actions), (1, 0));
        assert_eq!(due(DueClock::Any), (2, 1));

        assert_eq!(dash.months.len(), 12);
        assert_eq!(
            dash.months[0].month,
            Month {
                year: 2026,
                month: 7
            }
        );
        assert_eq!(
            dash.months[11].month,
            Month {
                year: 2027,
                month: 6
            }
        );
        let opened: Vec<usize> = dash.months.iter().map(|m| m.opened.count).collect();
        // 200 days before 2027-06-15 is 2026-11-27; 25 and 40 days fall in
        // May, 3 and 10 in June (the rejected one counts: it was opened).
        assert_eq!(opened, [0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 2]);
        let may = &dash.months[10];
        assert_eq!(may.closed.count, 2);
        assert_eq!(may.median_days_to_close, Some(41.0));
        assert_eq!(dash.months[11].median_days_to_close, None);
        assert_eq!(dash.median_days_to_close, Some(52.0));
        assert_eq!(dash.closed_with_dates, 3);
        assert_eq!(count_of(&dash, |d| &d.open), 5);
    }

    #[test]
    fn every_cell_of_the_small_register_selects_its_findings() {
        let today = d(2027, 6, 15);
        let findings = register();
        let settings = Settings::default();
        let dash = compute(&findings, &settings, today);
        for cell in dash.cells() {
            let shown = query::run(&findings, &cell.query, &settings, today);
            assert_eq!(shown.len(), cell.count, "{:?}", cell.query);
        }
    }

    #[test]
    fn median_of_even_and_odd_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 4]), Some(4.0));
        assert_eq!(median(&mut [10, 1, 4, 3]), Some(3.5));
    }

    #[test]
    fn months_cross_the_year() {
        let dash = compute(&[], &Settings::default(), d(2027, 1, 31));
        let codes: Vec<String> = dash.months.iter().map(|m| m.month.code()).collect();
        assert_eq!(codes.first().map(String::as_str), Some("2026-02"));
        assert_eq!(codes.last().map(String::as_str), Some("2027-01"));
        assert_eq!(dash.median_days_to_close, None);
    }

    const KEYS: &[&str] = &[
        "4.1",
        "5.2",
        "6.1.2",
        "7.2",
        "8.1",
        "9",
        "9.2.1",
        "10.2",
        "A.5.1",
        "A.5.15",
        "A.6.3",
        "A.7.4",
        "A.8.8",
        "a.8.24",
        "Clause 9.3",
        "Privacy policy",
        "9.20",
        "",
    ];

    fn arb_finding() -> impl Strategy<Value = Finding> {
        (
            0..Grade::ALL.len(),
            0..Status::ALL.len(),
            proptest::option::of(0i64..900),
            proptest::option::of(0i64..400),
            proptest::collection::vec(0..KEYS.len(), 0..4),
            proptest::collection::vec(
                (0..ActionStatus::ALL.len(), proptest::option::of(-60i64..60)),
                0..3,
            ),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(g, s, age, closed_after, keys, actions, deleted, review)| {
                    let today = d(2027, 6, 15);
                    let mut f = Finding::new(String::new(), String::new());
                    f.grade = Grade::ALL[g];
                    f.status = Status::ALL[s];
                    f.detected_on = age.map(|a| today - chrono::Duration::days(a - 20));
                    f.closure.closed_on = closed_after
                        .map(|c| f.detected_on.unwrap_or(today) + chrono::Duration::days(c / 2));
                    for k in keys {
                        f.requirements.insert(KEYS[k].to_owned(), true);
                    }
                    for (i, (status, due)) in actions.into_iter().enumerate() {
                        f.actions.insert(
                            format!("a{i}"),
                            CorrectiveAction {
                                id: format!("a{i}"),
                                status: ActionStatus::ALL[status],
                                due: due.map(|days| today + chrono::Duration::days(days)),
                                ..CorrectiveAction::default()
                            },
                        );
                    }
                    f.deleted = deleted && review;
                    if review {
                        f.review.result = Some(crate::model::ReviewResult::NotEffective);
                    }
                    f
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// The invariant behind "every number links to exactly those
        /// findings".
        #[test]
        fn every_cell_counts_what_its_query_selects(
            mut findings in proptest::collection::vec(arb_finding(), 0..40),
            today_offset in -40i64..40,
        ) {
            for (i, f) in findings.iter_mut().enumerate() {
                f.id = format!("id-{i}");
                f.reference = format!("NC-{i}");
            }
            let today = d(2027, 6, 15) + chrono::Duration::days(today_offset);
            let settings = Settings::default();
            let dash = compute(&findings, &settings, today);
            for cell in dash.cells() {
                let shown = query::run(&findings, &cell.query, &settings, today);
                prop_assert_eq!(shown.len(), cell.count, "{:?}", cell.query);
            }
            // And each link survives the trip through the address bar.
            for cell in dash.cells() {
                prop_assert_eq!(&Query::from_params(&cell.query.to_params()), &cell.query);
            }
        }
    }
}
