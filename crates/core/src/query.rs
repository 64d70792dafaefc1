//! What the register table shows: which findings pass the search box and the
//! filters, in which order, and the counts behind "N of M shown".
//!
//! [`run`] is called on every keystroke, so it is built to stay within a few
//! milliseconds at 10,000 findings: the query is compiled once (words folded,
//! requirement resolved against the catalogue), each finding is tested
//! without allocating, catalogue look-ups are memoised per distinct
//! requirement key, and sorting compares precomputed keys. The figures are
//! in the benchmark at the end of `tests/it/query.rs`.
//!
//! # Matching rules
//!
//! - **Text**: split on whitespace; every word must occur somewhere (as a
//!   substring, not necessarily a whole word) in the reference, title,
//!   statement or evidence. Case and accents are ignored (`securite` finds
//!   `Sécurité`, `strasse` finds `Straße`), as are typographic quotes and
//!   dashes (`don't` finds `don’t`); [`crate::text`] folds. Other fields (owner, area, actions) are not searched: they
//!   have their own filters, and a word matching an owner's name would fill
//!   the table with noise.
//! - **Requirement**: a clause, heading or control id, in any spelling the
//!   catalogue accepts (`a.5.15`, `Clause 9.2`). It matches a finding citing
//!   that id or anything below it on a dot boundary: `9.2` matches `9.2`,
//!   `9.2.1` and `9.2.2`; `A.5.1` does not match `A.5.15`. Text that names
//!   no catalogue entry (`A.5`, a policy name) is matched the same way,
//!   ignoring ASCII case, so `A.5` selects every Organizational control.
//! - **Theme**: findings citing at least one Annex A control of the theme.
//! - **Owner, area**: the whole value, ignoring case, accents and
//!   surrounding spaces (the dropdowns offer [`owners`] and [`areas`]).
//! - For `owner`, `area`, `audit` and `requirement`, `Some` of a blank
//!   string selects findings where that field is blank ("no owner yet").
//! - **Status**: see [`StatusFilter`]. **Due**: see [`DueFilter`].
//! - Deleted findings are left out unless `include_deleted` is set.
//!
//! # Order
//!
//! Sorting is stable and total: equal keys fall back to the reference, then
//! the id, both ascending whatever the direction. Missing values (no owner,
//! no detection date, no requirement) sort last in both directions, as in a
//! spreadsheet. Text compares case- and accent-insensitively with digit runs
//! compared as numbers, so `NC-2026-AM-10` follows `NC-2026-AM-9` and `9.3`
//! precedes `10.2`.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Datelike, NaiveDate};

use super::catalogue::{self, Theme};
use super::deadlines::{self, DueState};
use super::model::{CauseCategory, Finding, Grade, Settings, Source, Status};
use super::text::{self, contains_folded, folded_eq, natural_cmp};

// Re-exported while `exchange::csv` still imports it from here (that file
// is being reworked in parallel); new code imports `text::normalise`.
pub use super::text::normalise;

/// Which statuses to show.
///
/// An enum rather than `Option<Status>` because the view people want most
/// ("what still needs work") is a set of statuses, not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StatusFilter {
    #[default]
    Any,
    /// Still needs work: every status but closed and rejected (reopened
    /// findings included).
    Active,
    Is(Status),
}

impl StatusFilter {
    pub fn accepts(self, status: Status) -> bool {
        match self {
            StatusFilter::Any => true,
            StatusFilter::Active => !status.is_finished(),
            StatusFilter::Is(wanted) => status == wanted,
        }
    }
}

/// Findings by the state of their most urgent running clock ([`urgency`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueFilter {
    /// At least one clock has passed its due date.
    Overdue,
    /// Nothing overdue, but a clock falls due within
    /// [`deadlines::DUE_SOON_DAYS`] (today included).
    DueSoon,
}

impl DueFilter {
    pub fn accepts(self, state: DueState) -> bool {
        match self {
            DueFilter::Overdue => state.is_overdue(),
            DueFilter::DueSoon => matches!(state, DueState::DueSoon { .. }),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DueFilter::Overdue => "overdue",
            DueFilter::DueSoon => "soon",
        }
    }

    pub fn from_code(code: &str) -> Option<DueFilter> {
        match code {
            "overdue" => Some(DueFilter::Overdue),
            "soon" => Some(DueFilter::DueSoon),
            _ => None,
        }
    }
}

/// Which deadline a due figure is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DueClock {
    /// The most urgent of all ([`urgency`]).
    Any,
    Plan,
    Close,
    /// The corrective actions' own due dates, the most urgent one.
    Actions,
    /// An observation's or opportunity for improvement's follow-up date.
    FollowUp,
}

/// How `clock` stands for `f` on `today`.
pub fn clock_state(
    f: &Finding,
    clock: DueClock,
    settings: &Settings,
    today: NaiveDate,
) -> DueState {
    if f.deleted {
        return DueState::Done;
    }
    match clock {
        DueClock::Any => urgency(f, settings, today),
        DueClock::Plan => deadlines::plan_state(f, settings, today),
        DueClock::Close => deadlines::close_state(f, settings, today),
        DueClock::FollowUp => deadlines::follow_up_state(f, today),
        DueClock::Actions => {
            if f.status.is_finished() {
                return DueState::Done;
            }
            f.actions
                .values()
                .map(|a| deadlines::action_state(a, today))
                .max_by(|a, b| urgency_rank(*a).cmp(&urgency_rank(*b)))
                .unwrap_or(DueState::NoDate)
        }
    }
}

/// The column the table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    #[default]
    Reference,
    Title,
    /// Major first when ascending.
    Grade,
    /// In the lifecycle order of [`Status::ALL`].
    Status,
    /// The finding's first requirement in the standard's order (clauses
    /// 4–10, then Annex A).
    Requirement,
    Owner,
    /// Closing deadline, then plan deadline; findings with neither last.
    Due,
    /// Days since detection, youngest first when ascending.
    Age,
    Detected,
}

impl SortKey {
    /// The key in a URL.
    pub fn code(self) -> &'static str {
        match self {
            SortKey::Reference => "reference",
            SortKey::Title => "title",
            SortKey::Grade => "grade",
            SortKey::Status => "status",
            SortKey::Requirement => "requirement",
            SortKey::Owner => "owner",
            SortKey::Due => "due",
            SortKey::Age => "age",
            SortKey::Detected => "detected",
        }
    }

    pub fn from_code(code: &str) -> Option<SortKey> {
        SortKey::ALL.iter().copied().find(|k| k.code() == code)
    }

    pub const ALL: &'static [SortKey] = &[
        SortKey::Reference,
        SortKey::Title,
        SortKey::Grade,
        SortKey::Status,
        SortKey::Requirement,
        SortKey::Owner,
        SortKey::Due,
        SortKey::Age,
        SortKey::Detected,
    ];

    /// The column header.
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Reference => "Reference",
            SortKey::Title => "Title",
            SortKey::Grade => "Grade",
            SortKey::Status => "Status",
            SortKey::Requirement => "Requirement",
            SortKey::Owner => "Owner",
            SortKey::Due => "Due",
            SortKey::Age => "Age",
            SortKey::Detected => "Detected",
        }
    }
}

/// One view of the register: the search text, the filters and the order.
/// `Query::default()` shows every live finding by reference.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub text: String,
    pub grade: Option<Grade>,
    pub status: StatusFilter,
    pub source: Option<Source>,
    pub cause: Option<CauseCategory>,
    /// An audit id (a key of the register's audits).
    pub audit: Option<String>,
    /// A clause or control id, matched with everything below it.
    pub requirement: Option<String>,
    /// A separate field rather than a `theme:` prefix inside `requirement`,
    /// so the two can be combined and neither needs parsing.
    pub theme: Option<Theme>,
    pub owner: Option<String>,
    pub area: Option<String>,
    pub include_deleted: bool,
    pub due: Option<DueFilter>,
    /// The plan clock alone ([`deadlines::plan_state`]).
    pub plan_due: Option<DueFilter>,
    /// The closing clock alone ([`deadlines::close_state`]).
    pub close_due: Option<DueFilter>,
    /// The corrective actions' own due dates: overdue when one is,
    /// due soon when none is overdue and one falls due soon.
    pub action_due: Option<DueFilter>,
    /// An observation's or opportunity for improvement's follow-up date
    /// ([`deadlines::follow_up_state`]).
    pub follow_up_due: Option<DueFilter>,
    /// Days since detection, in the dashboard's ageing buckets.
    pub age: Option<AgeBucket>,
    /// Detected in this calendar month.
    pub opened: Option<Month>,
    /// Closed (`closure.closed_on`) in this calendar month.
    pub closed: Option<Month>,
    pub sort: SortKey,
    pub descending: bool,
}

/// How long ago a finding was detected, as the dashboard groups it. A
/// detection date after today (a typo, a clock ahead) counts as the
/// youngest bucket rather than vanishing from the ageing chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBucket {
    UpTo30,
    UpTo90,
    UpTo180,
    UpTo365,
    Older,
    /// No detection date.
    Unknown,
}

impl AgeBucket {
    pub const ALL: &'static [AgeBucket] = &[
        AgeBucket::UpTo30,
        AgeBucket::UpTo90,
        AgeBucket::UpTo180,
        AgeBucket::UpTo365,
        AgeBucket::Older,
        AgeBucket::Unknown,
    ];

    pub fn of(finding: &Finding, today: NaiveDate) -> AgeBucket {
        match deadlines::age_days(finding, today) {
            None => AgeBucket::Unknown,
            Some(..=30) => AgeBucket::UpTo30,
            Some(31..=90) => AgeBucket::UpTo90,
            Some(91..=180) => AgeBucket::UpTo180,
            Some(181..=365) => AgeBucket::UpTo365,
            Some(_) => AgeBucket::Older,
        }
    }

    /// The key in a URL.
    pub fn code(self) -> &'static str {
        match self {
            AgeBucket::UpTo30 => "0-30",
            AgeBucket::UpTo90 => "31-90",
            AgeBucket::UpTo180 => "91-180",
            AgeBucket::UpTo365 => "181-365",
            AgeBucket::Older => "366-",
            AgeBucket::Unknown => "unknown",
        }
    }

    pub fn from_code(code: &str) -> Option<AgeBucket> {
        AgeBucket::ALL.iter().copied().find(|b| b.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBucket::UpTo30 => "0–30 days",
            AgeBucket::UpTo90 => "31–90 days",
            AgeBucket::UpTo180 => "91–180 days",
            AgeBucket::UpTo365 => "181–365 days",
            AgeBucket::Older => "Over a year",
            AgeBucket::Unknown => "No detection date",
        }
    }
}

/// A calendar month (`2026-03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Month {
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn contains(self, date: Option<NaiveDate>) -> bool {
        date.is_some_and(|d| Month::of(d) == self)
    }

    /// The month before this one.
    pub fn previous(self) -> Month {
        if self.month <= 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// `YYYY-MM`, the key in a URL and the chart's label.
    pub fn code(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn from_code(code: &str) -> Option<Month> {
        let (year, month) = code.rsplit_once('-')?;
        let year: i32 = year.parse().ok()?;
        let month: u32 = month.parse().ok()?;
        // Only months chrono can hold, so `of(first day)` round-trips.
        NaiveDate::from_ymd_opt(year, month, 1)?;
        Some(Month { year, month })
    }
}

impl Query {
    /// The query as a URL's query string (`grade=minor&status=active`),
    /// without the `?`: what a dashboard cell links to and what the table
    /// keeps in its address so a reload shows the same findings. Defaults
    /// are left out; every value is percent-encoded byte by byte, so any
    /// text survives (see [`Query::from_params`]).
    pub fn to_params(&self) -> String {
        let mut out: Vec<(&str, String)> = Vec::new();
        let mut put = |key: &'static str, value: &str| out.push((key, value.to_owned()));
        if !self.text.is_empty() {
            put("q", &self.text);
        }
        if let Some(g) = self.grade {
            put("grade", g.code());
        }
        match self.status {
            StatusFilter::Any => {}
            StatusFilter::Active => put("status", "active"),
            StatusFilter::Is(s) => put("status", s.code()),
        }
        if let Some(s) = self.source {
            put("source", s.code());
        }
        if let Some(c) = self.cause {
            put("cause", c.code());
        }
        // `Some("")` ("no audit", "no owner" …) is kept as an empty value,
        // distinct from the key being absent.
        for (key, value) in [
            ("audit", &self.audit),
            ("requirement", &self.requirement),
            ("owner", &self.owner),
            ("area", &self.area),
        ] {
            if let Some(v) = value {
                put(key, v);
            }
        }
        if let Some(t) = self.theme {
            put("theme", t.section());
        }
        if self.include_deleted {
            put("deleted", "1");
        }
        for (key, value) in [
            ("due", self.due),
            ("plan", self.plan_due),
            ("close", self.close_due),
            ("actions", self.action_due),
            ("follow-up", self.follow_up_due),
        ] {
            if let Some(d) = value {
                put(key, d.code());
            }
        }
        if let Some(a) = self.age {
            put("age", a.code());
        }
        if let Some(m) = self.opened {
            put("opened", &m.code());
        }
        if let Some(m) = self.closed {
            put("closed", &m.code());
        }
        if self.sort != SortKey::default() {
            put("sort", self.sort.code());
        }
        if self.descending {
            put("desc", "1");
        }
        out.iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads what [`Query::to_params`] wrote (a leading `?` is allowed).
    /// Lenient, since a person may edit the address: an unknown key or a
    /// value that names nothing is ignored rather than refused.
    pub fn from_params(params: &str) -> Query {
        let mut q = Query::default();
        let params = params.strip_prefix('?').unwrap_or(params);
        for pair in params.split('&').filter(|p| !p.is_empty()) {
            let (key, raw) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(raw);
            let v = value.as_str();
            match key {
                "q" => q.text = value.clone(),
                "grade" => q.grade = Grade::from_code(v),
                "status" => {
                    q.status = match v {
                        "active" => StatusFilter::Active,
                        other => Status::from_code(other)
                            .map(StatusFilter::Is)
                            .unwrap_or_default(),
                    }
                }
                "source" => q.source = Source::from_code(v),
                "cause" => q.cause = CauseCategory::from_code(v),
                "audit" => q.audit = Some(value.clone()),
                "requirement" => q.requirement = Some(value.clone()),
                "owner" => q.owner = Some(value.clone()),
                "area" => q.area = Some(value.clone()),
                "theme" => {
                    q.theme = Theme::ALL
                        .iter()
                        .copied()
                        .find(|t| t.section().eq_ignore_ascii_case(v))
                        .or_else(|| Theme::from_label(v))
                }
                "deleted" => q.include_deleted = v == "1",
                "due" => q.due = DueFilter::from_code(v),
                "plan" => q.plan_due = DueFilter::from_code(v),
                "close" => q.close_due = DueFilter::from_code(v),
                "actions" => q.action_due = DueFilter::from_code(v),
                "follow-up" => q.follow_up_due = DueFilter::from_code(v),
                "age" => q.age = AgeBucket::from_code(v),
                "opened" => q.opened = Month::from_code(v),
                "closed" => q.closed = Month::from_code(v),
                "sort" => q.sort = SortKey::from_code(v).unwrap_or_default(),
                "desc" => q.descending = v == "1",
                _ => {}
            }
        }
        q
    }
}

/// Every byte but the URL-unreserved ones as `%XX`: the result holds no
/// `&`, `=`, `#`, `?`, `/` or space, so it sits safely in a hash route.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`percent_encode`]; a malformed escape stays as typed
/// and bytes that are not UTF-8 become U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes.get(i), bytes.get(i + 1), bytes.get(i + 2)) {
            (Some(b'%'), Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'?'));
                i += 3;
            }
            (Some(&b), _, _) => {
                out.push(b);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The findings `query` selects from `findings`, in its order.
pub fn run<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    query: &Query,
    settings: &Settings,
    today: NaiveDate,
) -> Vec<&'a Finding> {
    let compiled = Compiled::new(query);
    let mut memo = Memo::default();
    let shown: Vec<&'a Finding> = findings
        .into_iter()
        .filter(|f| compiled.matches(f, settings, today, &mut memo))
        .collect();
    sort_with(shown, query.sort, query.descending, settings, today, memo)
}

/// Every finding of a list in one sort's order, as positions in the list:
/// what a table sorts once, then filters on every keystroke ([`select`]).
/// The order is total (see the module's rules on order), so the order of
/// any subset is this order restricted to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    key: SortKey,
    descending: bool,
    positions: Vec<u32>,
}

impl Order {
    /// `findings` in the order of `key`. The order by age does not change
    /// as days pass (every age grows by the same day), nor does any other.
    pub fn of(
        findings: &[&Finding],
        key: SortKey,
        descending: bool,
        settings: &Settings,
        today: NaiveDate,
    ) -> Order {
        let rows = sorted_rows(
            findings.iter().copied(),
            key,
            descending,
            settings,
            today,
            Memo::default(),
        );
        Order {
            key,
            descending,
            positions: rows.iter().map(|r| r.at).collect(),
        }
    }
}

/// [`run`], in the order `order` of the same `findings`: a filter, no sort.
/// An order of another list's length or of another sort than `query`'s
/// is not used; the result is then [`run`]'s.
pub fn select<'a>(
    findings: &[&'a Finding],
    order: &Order,
    query: &Query,
    settings: &Settings,
    today: NaiveDate,
) -> Vec<&'a Finding> {
    if order.positions.len() != findings.len()
        || order.key != query.sort
        || order.descending != query.descending
    {
        return run(findings.iter().copied(), query, settings, today);
    }
    let compiled = Compiled::new(query);
    let mut memo = Memo::default();
    order
        .positions
        .iter()
        .filter_map(|&at| findings.get(at as usize).copied())
        .filter(|f| compiled.matches(f, settings, today, &mut memo))
        .collect()
}

/// Sorts findings by `key` (see the module's rules on order).
pub fn sort<'a>(
    findings: Vec<&'a Finding>,
    key: SortKey,
    descending: bool,
    settings: &Settings,
    today: NaiveDate,
) -> Vec<&'a Finding> {
    sort_with(findings, key, descending, settings, today, Memo::default())
}

fn sort_with<'a>(
    findings: Vec<&'a Finding>,
    key: SortKey,
    descending: bool,
    settings: &Settings,
    today: NaiveDate,
    memo: Memo<'a>,
) -> Vec<&'a Finding> {
    sorted_rows(findings, key, descending, settings, today, memo)
        .into_iter()
        .map(|row| row.finding)
        .collect()
}

fn sorted_rows<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    key: SortKey,
    descending: bool,
    settings: &Settings,
    today: NaiveDate,
    mut memo: Memo<'a>,
) -> Vec<Row<'a>> {
    // Text keys are folded once into one buffer, so comparisons read
    // contiguous memory instead of chasing two findings and their strings
    // each time: those cache misses, not the comparing, dominated sorting.
    let mut arena = String::new();
    let mut rows: Vec<Row<'a>> = findings
        .into_iter()
        .enumerate()
        .map(|(at, f)| Row::new(f, at as u32, key, settings, today, &mut memo, &mut arena))
        .collect();
    rows.sort_by(|a, b| {
        a.primary(b, descending, &arena)
            .then_with(|| a.reference.of(&arena).cmp(b.reference.of(&arena)))
            .then_with(|| a.finding.id.cmp(&b.finding.id))
    });
    rows
}

/// The counts behind "N of M shown" and the filter chips.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    /// Findings the query selected.
    pub shown: usize,
    /// Findings the table could show with no search or filter: the live
    /// ones, plus the deleted ones when the query includes them.
    pub total: usize,
    /// The shown findings by grade; every grade is present, zeros included.
    pub by_grade: BTreeMap<Grade, usize>,
    /// The shown findings by status; every status is present.
    pub by_status: BTreeMap<Status, usize>,
}

impl Counts {
    /// `all` is what was given to [`run`], `shown` what it returned.
    pub fn of<'a>(
        all: impl IntoIterator<Item = &'a Finding>,
        query: &Query,
        shown: &[&Finding],
    ) -> Counts {
        let total = all
            .into_iter()
            .filter(|f| query.include_deleted || !f.deleted)
            .count();
        let mut by_grade: BTreeMap<Grade, usize> = Grade::ALL.iter().map(|&g| (g, 0)).collect();
        let mut by_status: BTreeMap<Status, usize> = Status::ALL.iter().map(|&s| (s, 0)).collect();
        for f in shown {
            *by_grade.entry(f.grade).or_default() += 1;
            *by_status.entry(f.status).or_default() += 1;
        }
        Counts {
            shown: shown.len(),
            total,
            by_grade,
            by_status,
        }
    }
}

/// The most urgent running clock of a finding: the plan clock, the closing
/// clock and each open corrective action's own due date (an action the
/// organisation promised by a date is as late as a missed CB deadline).
/// Closed, rejected and deleted findings are [`DueState::Done`].
pub fn urgency(finding: &Finding, settings: &Settings, today: NaiveDate) -> DueState {
    if finding.deleted || finding.status.is_finished() {
        return DueState::Done;
    }
    let clocks = [
        deadlines::plan_state(finding, settings, today),
        deadlines::close_state(finding, settings, today),
        deadlines::follow_up_state(finding, today),
    ];
    let actions = finding
        .actions
        .values()
        .map(|a| deadlines::action_state(a, today));
    clocks
        .into_iter()
        .chain(actions)
        .max_by(|a, b| urgency_rank(*a).cmp(&urgency_rank(*b)))
        .unwrap_or(DueState::Done)
}

/// Higher is more urgent; within a state, more days late or fewer days left.
pub(crate) fn urgency_rank(state: DueState) -> (u8, i64) {
    match state {
        DueState::Overdue { days } => (4, i64::from(days)),
        DueState::DueSoon { days } => (3, -i64::from(days)),
        DueState::OnTrack => (2, 0),
        DueState::NoDate => (1, 0),
        DueState::Done => (0, 0),
    }
}

/// Distinct owners for the owner filter, sorted. Spellings that differ only
/// by case, accents or surrounding spaces are one owner, shown in its most
/// frequent spelling.
pub fn owners<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    distinct(findings.into_iter().map(|f| f.owner.as_str()))
}

/// Distinct areas (process, department or site) for the area filter, with
/// the same rules as [`owners`].
pub fn areas<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    distinct(findings.into_iter().map(|f| f.area.as_str()))
}

/// Distinct requirement keys cited, in the standard's order, free text last
/// in natural order.
pub fn requirements<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<String> {
    let mut keys: Vec<&str> = findings
        .into_iter()
        .flat_map(|f| f.requirements.iter())
        .filter(|(key, on)| **on && !key.trim().is_empty())
        .map(|(key, _)| key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut memo = Memo::default();
    let mut resolved: Vec<(Resolved<'_>, &str)> =
        keys.into_iter().map(|k| (memo.resolve(k), k)).collect();
    resolved.sort_by(|(a, ka), (b, kb)| {
        a.class
            .cmp(&b.class)
            .then_with(|| natural_cmp(a.id, b.id))
            .then_with(|| ka.cmp(kb))
    });
    resolved.into_iter().map(|(_, k)| k.to_owned()).collect()
}

fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<String> {
    // folded value -> spelling -> count
    let mut groups: HashMap<String, BTreeMap<&'a str, usize>> = HashMap::new();
    for value in values {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        *groups
            .entry(normalise(value))
            .or_default()
            .entry(value)
            .or_default() += 1;
    }
    let mut out: Vec<String> = groups
        .into_values()
        .filter_map(|spellings| {
            // Most frequent; among equals the first in code-point order, so
            // the choice does not depend on the findings' order.
            spellings
                .into_iter()
                .max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.cmp(a)))
                .map(|(spelling, _)| spelling.to_owned())
        })
        .collect();
    out.sort_by(|a, b| natural_cmp(a, b).then_with(|| a.cmp(b)));
    out
}

// ----- compiled query -------------------------------------------------------

/// Catalogue answers per distinct requirement key, kept for one run: a
/// register cites a few dozen distinct keys across thousands of findings,
/// and a catalogue look-up costs far more than a hash of a short key.
#[derive(Default)]
pub(crate) struct Memo<'a> {
    resolved: HashMap<&'a str, Resolved<'a>, BuildHasherDefault<Fnv>>,
}

#[derive(Debug, Clone, Copy)]
struct Resolved<'a> {
    /// 0 for a clause or heading, 1 for a control, 2 for free text: the
    /// order of the Requirement column.
    class: u8,
    /// The catalogue's id, or the key trimmed.
    id: &'a str,
    theme: Option<Theme>,
}

impl<'a> Memo<'a> {
    fn resolve(&mut self, key: &'a str) -> Resolved<'a> {
        *self
            .resolved
            .entry(key)
            .or_insert_with(|| match catalogue::find(key) {
                Some(entry) => Resolved {
                    class: if entry.theme.is_none() { 0 } else { 1 },
                    id: entry.id,
                    theme: entry.theme,
                },
                None => Resolved {
                    class: 2,
                    id: key.trim(),
                    theme: None,
                },
            })
    }
}

/// FNV-1a: the memo's keys are a handful of short strings, for which
/// std's DoS-resistant default hasher is several times slower.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

struct Compiled<'q> {
    words: Vec<Vec<char>>,
    grade: Option<Grade>,
    status: StatusFilter,
    source: Option<Source>,
    cause: Option<CauseCategory>,
    audit: Option<&'q str>,
    requirement: Option<String>,
    theme: Option<Theme>,
    owner: Option<&'q str>,
    area: Option<&'q str>,
    include_deleted: bool,
    due: Option<DueFilter>,
    plan_due: Option<DueFilter>,
    close_due: Option<DueFilter>,
    action_due: Option<DueFilter>,
    follow_up_due: Option<DueFilter>,
    age: Option<AgeBucket>,
    opened: Option<Month>,
    closed: Option<Month>,
}

impl<'q> Compiled<'q> {
    fn new(q: &'q Query) -> Self {
        let words = q
            .text
            .split_whitespace()
            .map(|w| normalise(w).chars().collect::<Vec<char>>())
            .filter(|w| !w.is_empty())
            .collect();
        Compiled {
            words,
            grade: q.grade,
            status: q.status,
            source: q.source,
            cause: q.cause,
            audit: q.audit.as_deref().map(str::trim),
            requirement: q.requirement.as_deref().map(canonical_requirement),
            theme: q.theme,
            owner: q.owner.as_deref(),
            area: q.area.as_deref(),
            include_deleted: q.include_deleted,
            due: q.due,
            plan_due: q.plan_due,
            close_due: q.close_due,
            action_due: q.action_due,
            follow_up_due: q.follow_up_due,
            age: q.age,
            opened: q.opened,
            closed: q.closed,
        }
    }

    /// Cheap tests first, the text search last.
    fn matches<'a>(
        &self,
        f: &'a Finding,
        settings: &Settings,
        today: NaiveDate,
        memo: &mut Memo<'a>,
    ) -> bool {
        if f.deleted && !self.include_deleted {
            return false;
        }
        if self.grade.is_some_and(|g| g != f.grade)
            || self.source.is_some_and(|s| s != f.source)
            || self.cause.is_some_and(|c| f.cause != Some(c))
            || !self.status.accepts(f.status)
        {
            return false;
        }
        if self.audit.is_some_and(|a| a != f.audit.trim()) {
            return false;
        }
        if self.owner.is_some_and(|o| !folded_eq(o, &f.owner))
            || self.area.is_some_and(|a| !folded_eq(a, &f.area))
        {
            return false;
        }
        if let Some(pattern) = &self.requirement {
            if !cites(f, pattern, memo) {
                return false;
            }
        }
        if let Some(theme) = self.theme {
            if !cites_theme(f, theme, memo) {
                return false;
            }
        }
        if self.opened.is_some_and(|m| !m.contains(f.detected_on))
            || self
                .closed
                .is_some_and(|m| !m.contains(f.closure.closed_on))
            || self.age.is_some_and(|b| b != AgeBucket::of(f, today))
        {
            return false;
        }
        let clocks = [
            (self.due, DueClock::Any),
            (self.plan_due, DueClock::Plan),
            (self.close_due, DueClock::Close),
            (self.action_due, DueClock::Actions),
            (self.follow_up_due, DueClock::FollowUp),
        ];
        for (filter, clock) in clocks {
            if filter.is_some_and(|d| !d.accepts(clock_state(f, clock, settings, today))) {
                return false;
            }
        }
        self.words.iter().all(|w| {
            contains_folded(&f.reference, w)
                || contains_folded(&f.title, w)
                || contains_folded(&f.statement, w)
                || contains_folded(&f.evidence, w)
        })
    }
}

/// The catalogue's own id for a reference in any accepted spelling;
/// otherwise the text trimmed (and without a trailing dot, as typed halfway
/// through `9.2.`).
pub(crate) fn canonical_requirement(text: &str) -> String {
    let text = text.trim();
    match catalogue::find(text) {
        Some(entry) => entry.id.to_owned(),
        None => text.trim_end_matches('.').to_owned(),
    }
}

pub(crate) fn cites<'a>(f: &'a Finding, pattern: &str, memo: &mut Memo<'a>) -> bool {
    let mut keys = f
        .requirements
        .iter()
        .filter(|(key, on)| **on && !key.trim().is_empty())
        .map(|(key, _)| key.as_str())
        .peekable();
    if pattern.is_empty() {
        return keys.peek().is_none();
    }
    keys.any(|key| {
        if is_canonical_shape(key) {
            under(key, pattern)
        } else {
            under(memo.resolve(key).id, pattern)
        }
    })
}

/// Whether `key` is spelled as the catalogue spells its ids (`9.2.1`,
/// `A.5.15`). Such a key is its own canonical form whether or not the
/// catalogue holds it, so the filter can skip the look-up: most keys are
/// written this way, since the UI stores what the catalogue picker gives.
fn is_canonical_shape(key: &str) -> bool {
    let number = key.strip_prefix("A.").unwrap_or(key);
    !number.is_empty()
        && number.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_digit())
                && !(part.len() > 1 && part.starts_with('0'))
        })
}

/// `key` is `pattern` or lies below it on a dot boundary.
fn under(key: &str, pattern: &str) -> bool {
    let Some(head) = key.get(..pattern.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(pattern)
        && (key.len() == pattern.len() || key.as_bytes().get(pattern.len()) == Some(&b'.'))
}

/// What each of a finding's requirement keys cites, read as [`cites`] and
/// [`cites_theme`] read it: the key's id up to its first dot (`"9"` for
/// `9.2.1`, empty for a blank key) and its Annex A theme. One pass for the
/// dashboard, which asks about every clause and theme at once.
pub(crate) fn cited<'a>(
    f: &'a Finding,
    memo: &mut Memo<'a>,
    mut each: impl FnMut(&'a str, Option<Theme>),
) {
    for (key, on) in &f.requirements {
        if !*on {
            continue;
        }
        let resolved = memo.resolve(key);
        let id = if key.trim().is_empty() {
            ""
        } else if is_canonical_shape(key) {
            key.as_str()
        } else {
            resolved.id
        };
        each(id.split('.').next().unwrap_or(""), resolved.theme);
    }
}

pub(crate) fn cites_theme<'a>(f: &'a Finding, theme: Theme, memo: &mut Memo<'a>) -> bool {
    f.requirements
        .iter()
        .filter(|(_, on)| **on)
        .any(|(key, _)| memo.resolve(key).theme == Some(theme))
}

// ----- sorting ----------------------------------------------------------------

/// A finding with its sort key computed once, not per comparison.
struct Row<'a> {
    finding: &'a Finding,
    /// The finding's position in the list sorted.
    at: u32,
    /// Numeric keys compared in turn; `None` sorts last.
    numbers: [Option<i64>; 2],
    /// The text key, folded into the arena; `None` (blank) sorts last.
    text: Option<Span>,
    /// The tie-break, folded into the arena.
    reference: Span,
}

/// A sort key in the sort's text arena.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    /// Writes `text`'s natural sort key ([`text::push_sort_key`]), so
    /// comparing two spans is comparing the texts naturally.
    fn fold_into(arena: &mut String, text: &str) -> Span {
        let start = arena.len();
        text::push_sort_key(arena, text);
        Span {
            start,
            end: arena.len(),
        }
    }

    fn of(self, arena: &str) -> &str {
        arena.get(self.start..self.end).unwrap_or_default()
    }
}

impl<'a> Row<'a> {
    fn new(
        f: &'a Finding,
        at: u32,
        key: SortKey,
        settings: &Settings,
        today: NaiveDate,
        memo: &mut Memo<'a>,
        arena: &mut String,
    ) -> Self {
        let mut text = |s: &str| {
            let span = Span::fold_into(arena, s);
            (span.end > span.start).then_some(span)
        };
        let day = |d: Option<NaiveDate>| d.map(|d| i64::from(d.num_days_from_ce()));
        let rank = |i: Option<usize>| i.map(|i| i as i64);
        let (text, numbers) = match key {
            SortKey::Reference => (None, [None, None]),
            SortKey::Title => (text(&f.title), [None, None]),
            SortKey::Owner => (text(&f.owner), [None, None]),
            SortKey::Requirement => match first_requirement(f, memo) {
                Some(r) => (text(r.id), [Some(i64::from(r.class)), None]),
                None => (None, [None, None]),
            },
            SortKey::Grade => (
                None,
                [rank(Grade::ALL.iter().position(|&g| g == f.grade)), None],
            ),
            SortKey::Status => (
                None,
                [rank(Status::ALL.iter().position(|&s| s == f.status)), None],
            ),
            SortKey::Due => (
                None,
                [
                    day(deadlines::close_due(f, settings)),
                    day(deadlines::plan_due(f, settings)),
                ],
            ),
            SortKey::Age => (None, [deadlines::age_days(f, today), None]),
            SortKey::Detected => (None, [day(f.detected_on), None]),
        };
        // The Reference column is the tie-break itself, turned around when
        // descending.
        let reference = Span::fold_into(arena, &f.reference);
        let text = match key {
            SortKey::Reference => Some(reference).filter(|r| r.end > r.start),
            _ => text,
        };
        Row {
            finding: f,
            at,
            numbers,
            text,
            reference,
        }
    }

    /// Numbers first, then text: only the Requirement column has both (its
    /// class, then its id).
    fn primary(&self, other: &Row<'_>, descending: bool, arena: &str) -> Ordering {
        let direct = |ord: Ordering| if descending { ord.reverse() } else { ord };
        let numbers = self
            .numbers
            .iter()
            .zip(other.numbers.iter())
            .map(|pair| match pair {
                (Some(a), Some(b)) => direct(a.cmp(b)),
                (a, b) => a.is_none().cmp(&b.is_none()),
            })
            .find(|ord| *ord != Ordering::Equal)
            .unwrap_or(Ordering::Equal);
        numbers.then_with(|| match (self.text, other.text) {
            (Some(a), Some(b)) => direct(a.of(arena).cmp(b.of(arena))),
            (a, b) => a.is_none().cmp(&b.is_none()),
        })
    }
}

fn first_requirement<'a>(f: &'a Finding, memo: &mut Memo<'a>) -> Option<Resolved<'a>> {
    f.requirements
        .iter()
        .filter(|(key, on)| **on && !key.trim().is_empty())
        .map(|(key, _)| memo.resolve(key))
        .min_by(|a, b| a.class.cmp(&b.class).then_with(|| natural_cmp(a.id, b.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_order_is_the_standards() {
        let keys = ["A.8.8", "GDPR art. 32", "10.2", "A.5.15", "4.1", "9.3"];
        let findings: Vec<Finding> = keys
            .iter()
            .map(|k| {
                let mut f = Finding::new(k.to_string(), k.to_string());
                f.requirements.insert(k.to_string(), true);
                f
            })
            .collect();
        let keys = requirements(&findings);
        assert_eq!(
            keys,
            ["4.1", "9.3", "10.2", "A.5.15", "A.8.8", "GDPR art. 32"]
        );
    }

    #[test]
    fn params_read_what_people_type() {
        let q = Query::from_params(
            "?grade=minor&theme=A.5&status=active&q=caf%C3%A9%20%26%20bar&owner=",
        );
        assert_eq!(q.grade, Some(Grade::Minor));
        assert_eq!(q.theme, Some(Theme::Organizational));
        assert_eq!(q.status, StatusFilter::Active);
        assert_eq!(q.text, "café & bar");
        assert_eq!(
            q.owner.as_deref(),
            Some(""),
            "an empty value is \"no owner\""
        );
        assert_eq!(
            q.to_params(),
            "q=caf%C3%A9%20%26%20bar&grade=minor&status=active&owner=&theme=A.5"
        );
        assert_eq!(
            Query::from_params("grade=critical&bogus=1&opened=2026-13"),
            Query::default()
        );
        assert_eq!(Query::default().to_params(), "");
    }

    fn arb_query() -> impl proptest::strategy::Strategy<Value = Query> {
        use proptest::option::of;
        use proptest::prelude::*;
        let pick = |n: usize| 0..n;
        (
            (
                ".*",
                of(pick(Grade::ALL.len())),
                of(pick(Status::ALL.len() + 1)),
                of(pick(Source::ALL.len())),
                of(pick(CauseCategory::ALL.len())),
                of(".*"),
                of(".*"),
                of(pick(Theme::ALL.len())),
                of(".*"),
                of(".*"),
            ),
            (
                any::<bool>(),
                [
                    of(any::<bool>()),
                    of(any::<bool>()),
                    of(any::<bool>()),
                    of(any::<bool>()),
                    of(any::<bool>()),
                ],
                of(pick(AgeBucket::ALL.len())),
                of((-9999i32..9999, 1u32..=12)),
                of((1i32..3000, 1u32..=12)),
                pick(SortKey::ALL.len()),
                any::<bool>(),
            ),
        )
            .prop_map(|(a, b)| {
                let due = |d: Option<bool>| {
                    d.map(|o| {
                        if o {
                            DueFilter::Overdue
                        } else {
                            DueFilter::DueSoon
                        }
                    })
                };
                let month = |m: Option<(i32, u32)>| m.map(|(year, month)| Month { year, month });
                Query {
                    text: a.0,
                    grade: a.1.map(|i| Grade::ALL[i]),
                    status: match a.2 {
                        None => StatusFilter::Any,
                        Some(0) => StatusFilter::Active,
                        Some(i) => StatusFilter::Is(Status::ALL[i - 1]),
                    },
                    source: a.3.map(|i| Source::ALL[i]),
                    cause: a.4.map(|i| CauseCategory::ALL[i]),
                    audit: a.5,
                    requirement: a.6,
                    theme: a.7.map(|i| Theme::ALL[i]),
                    owner: a.8,
                    area: a.9,
                    include_deleted: b.0,
                    due: due(b.1[0]),
                    plan_due: due(b.1[1]),
                    close_due: due(b.1[2]),
                    action_due: due(b.1[3]),
                    follow_up_due: due(b.1[4]),
                    age: b.2.map(|i| AgeBucket::ALL[i]),
                    opened: month(b.3),
                    closed: month(b.4),
                    sort: SortKey::ALL[b.5],
                    descending: b.6,
                }
            })
    }

    proptest::proptest! {
        /// A table's address loses nothing: any query, any text.
        #[test]
        fn params_round_trip(q in arb_query()) {
            let params = q.to_params();
            proptest::prop_assert!(!params.contains(['#', '?', '/', ' ']), "{}", params);
            proptest::prop_assert_eq!(Query::from_params(&params), q);
        }
    }

    #[test]
    fn under_respects_dot_boundaries() {
        assert!(under("9.2.1", "9.2"));
        assert!(under("9.2", "9.2"));
        assert!(!under("9.20", "9.2"));
        assert!(!under("A.5.15", "A.5.1"));
        assert!(under("a.5.15", "A.5"));
        assert!(!under("9", "9.2"));
    }
}
