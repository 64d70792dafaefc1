//! The printable report, as a certification body hands one over: the
//! register and its audits, counts by grade and status, one table of every
//! finding with its running deadlines, then each finding compactly (short
//! fields in a grid, long texts as paragraphs, deadlines with their state,
//! rejection, dispute and closure). Printing uses the browser (and its
//! "Save as PDF"); the print stylesheet hides the app's navigation and
//! controls, sets A4 with page numbers, and `platform::print` adds the
//! register's name to every page's footer.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::platform::print::PageFooter;
use crate::ui::fingerprint::StateFingerprint;
use crate::ui::screen;
use crate::ui::state::{today, use_store};
use crate::ui::widgets::header_row;
use ncr_core::catalogue;
use ncr_core::deadlines::DueState;
use ncr_core::due::{self, Clock};
use ncr_core::exchange::exported_findings;
use ncr_core::model::{Audit, Finding, Grade, RegisterInfo, Status};

/// Everything the report shows, read once from the document.
#[derive(Clone, PartialEq)]
struct ReportData {
    info: RegisterInfo,
    /// The report's date: the deadlines' states are as of this day.
    today: NaiveDate,
    audits: Vec<Audit>,
    findings: Vec<Item>,
    by_grade: Vec<(Grade, usize)>,
    by_status: Vec<(Status, usize)>,
}

/// A finding with what the report reads beside it.
#[derive(Clone, PartialEq)]
struct Item {
    finding: Finding,
    /// The title of the audit it was raised in.
    audit: Option<String>,
    /// Its running deadlines, most urgent first (`due::running`).
    deadlines: Vec<Deadline>,
}

#[derive(Clone, PartialEq)]
struct Deadline {
    what: &'static str,
    due: Option<NaiveDate>,
    state: DueState,
    /// For a corrective action's due date: the action.
    action: Option<String>,
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "—".into())
}

fn or_dash(s: &str) -> String {
    if s.trim().is_empty() {
        "—".into()
    } else {
        s.to_owned()
    }
}

/// What a reader must see is missing, rather than an empty line.
const NOT_RECORDED: &str = "Not recorded";

fn or_not_recorded(s: &str) -> String {
    if s.trim().is_empty() {
        NOT_RECORDED.into()
    } else {
        s.trim().to_owned()
    }
}

fn deadlines_of(f: &Finding, settings: &ncr_core::model::Settings, on: NaiveDate) -> Vec<Deadline> {
    due::running(f, settings, on)
        .into_iter()
        .map(|i| {
            let (what, action) = match i.clock {
                Clock::Plan => ("Plan due", None),
                Clock::Close => ("Close due", None),
                Clock::FollowUp => ("Follow-up", None),
                Clock::Action { description, .. } => (
                    "Action due",
                    Some(description.trim().to_owned()).filter(|d| !d.is_empty()),
                ),
            };
            Deadline {
                what,
                due: i.due,
                state: i.state,
                action,
            }
        })
        .collect()
}

#[component]
pub fn ReportScreen(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let data = Memo::new(move |_| {
        store
            .with_findings(|d| {
                if d.id() != rid.get_value() {
                    return None;
                }
                let settings = d.settings();
                let on = today();
                let audits_by_id = d.audits();
                let findings: Vec<Item> = exported_findings(d)
                    .into_iter()
                    .map(|f| Item {
                        audit: audits_by_id
                            .get(&f.audit)
                            .map(|a| a.title.trim().to_owned())
                            .filter(|t| !t.is_empty()),
                        deadlines: deadlines_of(f, &settings, on),
                        finding: f.clone(),
                    })
                    .collect();
                let mut grades: BTreeMap<Grade, usize> =
                    Grade::ALL.iter().map(|g| (*g, 0)).collect();
                let mut statuses: BTreeMap<Status, usize> =
                    Status::ALL.iter().map(|s| (*s, 0)).collect();
                for i in &findings {
                    *grades.entry(i.finding.grade).or_default() += 1;
                    *statuses.entry(i.finding.status).or_default() += 1;
                }
                let mut audits: Vec<Audit> = audits_by_id.into_values().collect();
                audits.sort_by(|a, b| a.starts_on.cmp(&b.starts_on).then(a.title.cmp(&b.title)));
                Some(ReportData {
                    info: d.info()?,
                    today: on,
                    audits,
                    findings,
                    by_grade: Grade::ALL.iter().map(|g| (*g, grades[g])).collect(),
                    by_status: Status::ALL.iter().map(|s| (*s, statuses[s])).collect(),
                })
            })
            .flatten()
    });
    let print = move |_| {
        let _ = window().print();
    };
    view! {
        <nav class="crumbs report-controls" aria-label="Breadcrumb">
            <a href=move || screen::table_of(&rid.get_value()).href()>"Back to register"</a>
            <button type="button" on:click=print>
                "Print or save as PDF"
            </button>
        </nav>
        {move || match data.get() {
            Some(d) => view! { <Report data=d /> }.into_any(),
            None => view! { <p role="status">"Opening register…"</p> }.into_any(),
        }}
    }
}

/// The footer's register name, cut so that it leaves room for the page
/// number beside it.
fn footer_text(name: &str, on: NaiveDate) -> String {
    const MAX: usize = 70;
    let name = name.trim();
    let name = if name.chars().count() > MAX {
        format!(
            "{}…",
            name.chars().take(MAX - 1).collect::<String>().trim_end()
        )
    } else {
        name.to_owned()
    };
    format!("{name} — nonconformity report of {}", on.format("%Y-%m-%d"))
}

#[component]
fn Report(data: ReportData) -> impl IntoView {
    let store = use_store();
    let prepared_by = store
        .profile
        .get_untracked()
        .map(|p| p.name)
        .unwrap_or_default();
    // Kept while this report is shown; the view is rebuilt (and the old
    // footer dropped) whenever the register changes.
    let footer = PageFooter::show(&footer_text(&data.info.name, data.today));
    on_cleanup(move || drop(footer));
    let total = data.findings.len();
    let audits = data.audits.clone();
    let overview = data.findings.clone();
    view! {
        <article class="report" aria-labelledby="report-title">
            <header class="report-head">
                <h2 id="report-title">{data.info.name.clone()}</h2>
                <p class="muted">
                    {format!(
                        "Nonconformity report of {} · prepared by {}",
                        data.today.format("%Y-%m-%d"),
                        or_dash(&prepared_by),
                    )}
                </p>
                <dl class="facts">
                    {(!data.info.organisation.trim().is_empty())
                        .then(|| {
                            view! {
                                <div>
                                    <dt>"Organisation"</dt>
                                    " "
                                    <dd>{data.info.organisation.clone()}</dd>
                                </div>
                            }
                        })}
                    {(!data.info.scope.trim().is_empty())
                        .then(|| {
                            view! {
                                <div class="facts-wide">
                                    <dt>"Scope"</dt>
                                    " "
                                    <dd>{data.info.scope.clone()}</dd>
                                </div>
                            }
                        })} <div>
                        <dt>"Findings"</dt>
                        " "
                        <dd>{total.to_string()}</dd>
                    </div>
                </dl>
                <StateFingerprint />
            </header>
            {(!audits.is_empty())
                .then(|| {
                    view! {
                        <section aria-labelledby="report-audits">
                            <h3 id="report-audits">"Audits"</h3>
                            // Dates are never broken inside; on a phone the
                            // table scrolls in its own box instead.
                            <div
                                class="table-scroll"
                                tabindex="0"
                                role="group"
                                aria-labelledby="report-audits"
                            >
                                <table class="report-table">
                                    <thead>
                                        {header_row(
                                            &["Audit", "Kind", "From", "To", "Lead auditor"],
                                        )}
                                    </thead>
                                    <tbody>
                                        {audits
                                            .into_iter()
                                            .map(|a| {
                                                view! {
                                                    <tr>
                                                        <td>{a.title}</td>
                                                        <td>{a.kind.label()}</td>
                                                        <td class="date">{date(a.starts_on)}</td>
                                                        <td class="date">{date(a.ends_on)}</td>
                                                        <td>{or_dash(&a.lead_auditor)}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        </section>
                    }
                })}
            <section aria-labelledby="report-summary" class="report-summary">
                <h3 id="report-summary">"Summary"</h3>
                <div class="report-counts">
                    <table class="report-table">
                        <caption>"Findings by grade"</caption>
                        <tbody>
                            {data
                                .by_grade
                                .iter()
                                .map(|(g, n)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{g.label()}</th>
                                            <td class="count">{n.to_string()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                    <table class="report-table">
                        <caption>"Findings by status"</caption>
                        <tbody>
                            {data
                                .by_status
                                .iter()
                                .map(|(s, n)| {
                                    view! {
                                        <tr>
                                            <th scope="row">{s.label()}</th>
                                            <td class="count">{n.to_string()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                <Overview items=overview on=data.today />
            </section>
            <section aria-labelledby="report-findings">
                <h3 id="report-findings">"Findings"</h3>
                {data
                    .findings
                    .into_iter()
                    .map(|item| view! { <ReportFinding item=item /> })
                    .collect_view()}
            </section>
        </article>
    }
}

/// One row per finding: the whole register on a page or two. The
/// references are text: the app's hash routes leave no `#` for an
/// in-page link to the finding's section below.
#[component]
fn Overview(items: Vec<Item>, on: NaiveDate) -> impl IntoView {
    let rows = items
        .into_iter()
        .map(|item| {
            let f = item.finding;
            let title = if f.title.trim().is_empty() {
                "(untitled)".to_owned()
            } else {
                f.title.clone()
            };
            let due = if item.deadlines.is_empty() {
                // A finished finding runs no clock; one still open without
                // a date runs none either, and that must show.
                (!f.status.is_finished()).then(|| no_clock(&f).2.into_any())
            } else {
                let lines = item
                    .deadlines
                    .into_iter()
                    .map(|d| {
                        view! {
                            <li>
                                {d.what} " "
                                <span class="date">
                                    {d.due.map(|x| x.format("%Y-%m-%d").to_string())}
                                </span> {deadline_state(d.state, d.due.is_some())}
                            </li>
                        }
                    })
                    .collect_view();
                Some(view! { <ul class="clocks">{lines}</ul> }.into_any())
            };
            view! {
                <tr>
                    <td class="reference">{f.reference.clone()}</td>
                    <td>{title}</td>
                    <td>{f.grade.label()}</td>
                    <td>{f.status.label()}</td>
                    <td>{f.requirement_list().join(", ")}</td>
                    <td>{f.owner.clone()}</td>
                    <td>{due}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        // Wider than a phone: it scrolls in its own box, which the
        // keyboard reaches (it holds nothing focusable) and which is named.
        <div class="table-scroll" tabindex="0" role="group" aria-labelledby="report-overview">
            <table class="report-table report-overview">
                <caption id="report-overview">
                    {format!("All findings, deadlines as of {}", on.format("%Y-%m-%d"))}
                </caption>
                <thead>
                    <tr>
                        <th scope="col">"Reference"</th>
                        <th scope="col" class="title">
                            "Title"
                        </th>
                        <th scope="col">"Grade"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Requirement"</th>
                        <th scope="col">"Owner"</th>
                        <th scope="col" class="due">
                            "Due"
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// What an unfinished finding that runs no clock shows instead: (label,
/// value) in its section, and the summary's words. A nonconformity lacks
/// its detection date; an improvement its follow-up date.
fn no_clock(f: &Finding) -> (&'static str, &'static str, &'static str) {
    if f.grade.is_nonconformity() {
        ("Due", "No due date", "No due date")
    } else {
        ("Follow-up", "No date set", "No follow-up date")
    }
}

/// " · Overdue by 3 days", stressed when it presses: on paper, in black
/// and white, weight is what stands out.
fn deadline_state(state: DueState, dated: bool) -> impl IntoView {
    let sep = if dated { " · " } else { "" };
    let text = state.to_string();
    if matches!(state, DueState::Overdue { .. } | DueState::DueSoon { .. }) {
        view! {
            {sep}
            <strong>{text}</strong>
        }
        .into_any()
    } else {
        view! {
            {sep}
            {text}
        }
        .into_any()
    }
}

/// A nonconformity past its opening, whose analysis and actions a reader
/// expects to find: their absence is shown rather than left out.
fn analysed_nonconformity(f: &Finding) -> bool {
    f.grade.is_nonconformity()
        && !matches!(
            f.status,
            Status::Open | Status::Rejected | Status::Withdrawn
        )
}

/// The short fields, in the grid: (label, value, wide). Empty optional
/// fields are left out.
fn short_fields(item: &Item) -> Vec<(&'static str, String, bool)> {
    let f = &item.finding;
    let mut out = vec![
        ("Grade", f.grade.label().to_owned(), false),
        ("Status", f.status.label().to_owned(), false),
        ("Source", f.source.label().to_owned(), false),
        (
            "Detected on",
            f.detected_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| NOT_RECORDED.into()),
            false,
        ),
    ];
    fn optional(
        out: &mut Vec<(&'static str, String, bool)>,
        label: &'static str,
        value: &str,
        wide: bool,
    ) {
        if !value.trim().is_empty() {
            out.push((label, value.trim().to_owned(), wide));
        }
    }
    optional(&mut out, "Raised by", &f.raised_by, false);
    optional(&mut out, "Area", &f.area, false);
    if f.owner.trim().is_empty() && !f.status.is_finished() {
        out.push(("Owner", "Not assigned".into(), false));
    } else {
        optional(&mut out, "Owner", &f.owner, false);
    }
    let cause = f.cause.map(|c| c.label()).unwrap_or("");
    optional(&mut out, "Cause", cause, false);
    let audit = item.audit.as_deref().unwrap_or("");
    optional(&mut out, "Audit", audit, true);
    let requirements = f
        .requirement_list()
        .into_iter()
        .map(|r| catalogue::label(r).unwrap_or_else(|| r.to_owned()))
        .collect::<Vec<_>>()
        .join("; ");
    out.push(("Requirement", or_not_recorded(&requirements), true));
    // A follow-up date stops running once the finding is finished, and is
    // still part of the record; a running one is among the deadlines.
    if !f.grade.is_nonconformity() && f.status.is_finished() {
        if let Some(d) = f.follow_up {
            out.push(("Follow up on", d.format("%Y-%m-%d").to_string(), false));
        }
    }
    if f.status == Status::Closed || f.closure.closed_on.is_some() {
        let on = f
            .closure
            .closed_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| NOT_RECORDED.into());
        let closed = match f.closure.closed_by.trim() {
            "" => on,
            by => format!("{on} by {by}"),
        };
        out.push(("Closed on", closed, true));
    }
    out
}

/// The long texts, as paragraphs: (label, text). Statement and evidence
/// always (they are the finding); the rest when recorded, or when a reader
/// must see that it is missing.
fn long_fields(f: &Finding) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("Statement", or_not_recorded(&f.statement)),
        ("Evidence", or_not_recorded(&f.evidence)),
    ];
    // Each file with the start of its SHA-256, so the paper names the very
    // bytes kept as evidence (the full hash is in the register).
    if !f.attachments.is_empty() {
        let mut files: Vec<_> = f.attachments.values().collect();
        files.sort_by(|a, b| (a.added_on, &a.name).cmp(&(b.added_on, &b.name)));
        let listed = files
            .iter()
            .map(|a| {
                let added = match (a.added_by.trim(), a.added_on) {
                    ("", None) => String::new(),
                    (by, None) => format!(", attached by {by}"),
                    ("", Some(d)) => format!(", attached on {}", d.format("%Y-%m-%d")),
                    (by, Some(d)) => format!(", attached by {by} on {}", d.format("%Y-%m-%d")),
                };
                format!(
                    "{} ({}, SHA-256 {}…{added})",
                    a.name,
                    ncr_core::text::human_bytes(a.size as f64),
                    a.hash.get(..12).unwrap_or(&a.hash),
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        out.push(("Evidence files", listed));
    }
    let correction = f.correction.description.trim();
    match (correction, f.correction.done_on) {
        ("", None) => {}
        (text, Some(d)) => out.push((
            "Correction",
            format!(
                "{} (done on {})",
                or_not_recorded(text),
                d.format("%Y-%m-%d")
            ),
        )),
        (text, None) => out.push(("Correction", text.to_owned())),
    }
    let root_cause = match (f.root_cause.method.trim(), f.root_cause.statement.trim()) {
        ("", "") => analysed_nonconformity(f).then(|| NOT_RECORDED.to_owned()),
        ("", s) => Some(s.to_owned()),
        (m, "") => Some(format!("{NOT_RECORDED} ({m})")),
        (m, s) => Some(format!("{s} ({m})")),
    };
    if let Some(r) = root_cause {
        out.push(("Root cause", r));
    }
    if !f.rejection_reason.trim().is_empty() || f.status == Status::Rejected {
        out.push(("Rejection reason", or_not_recorded(&f.rejection_reason)));
    }
    if !f.dispute.reason.trim().is_empty() {
        let raised = f
            .dispute
            .raised_on
            .map(|d| format!(" (disputed on {})", d.format("%Y-%m-%d")))
            .unwrap_or_default();
        out.push(("Dispute", format!("{}{raised}", f.dispute.reason.trim())));
        let answer = match (f.dispute.outcome, f.dispute.answer.trim()) {
            (Some(o), "") => o.label().to_owned(),
            (Some(o), a) => format!("{}: {a}", o.label()),
            (None, "") => "Awaited".to_owned(),
            (None, a) => a.to_owned(),
        };
        out.push(("The body's answer", answer));
    }
    if let Some(d) = f.disposition {
        out.push((
            "Closed without corrective action",
            format!("{}: {}", d.label(), or_not_recorded(&f.disposition_reason)),
        ));
    }
    let review = match f.review.result {
        Some(r) => {
            let mut text = r.label().to_owned();
            if !f.review.reviewer.trim().is_empty() {
                text.push_str(&format!(" — {}", f.review.reviewer.trim()));
            }
            if let Some(d) = f.review.reviewed_on {
                text.push_str(&format!(" on {}", d.format("%Y-%m-%d")));
            }
            if !f.review.notes.trim().is_empty() {
                text.push_str(&format!(". {}", f.review.notes.trim()));
            }
            Some(text)
        }
        None => match f.review.due {
            Some(d) => Some(format!("Not yet reviewed (due {})", d.format("%Y-%m-%d"))),
            None => (f.grade.is_nonconformity() && f.status == Status::Closed)
                .then(|| NOT_RECORDED.to_owned()),
        },
    };
    if let Some(r) = review {
        out.push(("Effectiveness review", r));
    }
    if !f.isms_changes.trim().is_empty() {
        out.push(("Changes to the ISMS", f.isms_changes.trim().to_owned()));
    }
    out
}

#[component]
fn ReportFinding(item: Item) -> impl IntoView {
    let short = short_fields(&item);
    let long = long_fields(&item.finding);
    let f = item.finding;
    let mut actions: Vec<_> = f.actions.values().cloned().collect();
    actions.sort_by_key(|a| (a.due.is_none(), a.due));
    // Only where actions are expected by now is their absence news.
    let no_actions = actions.is_empty()
        && analysed_nonconformity(&f)
        && !matches!(f.status, Status::Analysed | Status::Reopened);
    let heading = if f.title.trim().is_empty() {
        format!("{} (untitled)", f.reference)
    } else {
        format!("{} {}", f.reference, f.title.trim())
    };
    // Named by its heading, so each finding is a region a reader (and a
    // screen reader's landmark list) can go to.
    let heading_id = format!("report-finding-{}", f.id);
    let labelled_by = heading_id.clone();
    let meta = short
        .into_iter()
        .map(|(label, value, wide)| {
            view! {
                <div class:wide=wide>
                    <dt>{label}</dt>
                    " "
                    <dd>{value}</dd>
                </div>
            }
        })
        .collect_view();
    let deadlines = if item.deadlines.is_empty() {
        // Still open, yet no clock runs: no detection date, or an
        // improvement without a follow-up date.
        (!f.status.is_finished())
            .then(|| {
                let (what, value, _) = no_clock(&f);
                view! {
                    <div>
                        <dt>{what}</dt>
                        " "
                        <dd>{value}</dd>
                    </div>
                }
            })
            .into_any()
    } else {
        item.deadlines
            .into_iter()
            .map(|d| {
                // A line each: a deadline's date and state read as one.
                view! {
                    <div class="wide">
                        <dt>{d.what}</dt>
                        " "
                        <dd>
                            <span class="date">
                                {d.due.map(|x| x.format("%Y-%m-%d").to_string())}
                            </span>
                            {deadline_state(d.state, d.due.is_some())}
                            {d.action.map(|a| format!(" (\u{201c}{a}\u{201d})"))}
                        </dd>
                    </div>
                }
            })
            .collect_view()
            .into_any()
    };
    let texts = long
        .into_iter()
        .map(|(label, text)| {
            view! {
                <div class="report-text">
                    <dt>{label}</dt>
                    " "
                    <dd>{text}</dd>
                </div>
            }
        })
        .collect_view();
    // The actions' scroll box (a phone) is named by the finding's heading.
    let actions_label = heading_id.clone();
    view! {
        <section class="report-finding" aria-labelledby=labelled_by>
            <h4 id=heading_id>{heading}</h4>
            <dl class="report-meta">{meta} {deadlines}</dl>
            <dl class="report-body">{texts}</dl>
            {if actions.is_empty() {
                no_actions
                    .then(|| view! { <p class="muted">"No corrective actions recorded."</p> })
                    .into_any()
            } else {
                view! {
                    <div
                        class="table-scroll"
                        tabindex="0"
                        role="group"
                        aria-labelledby=actions_label
                    >
                        <table class="report-table report-actions">
                            <caption>"Corrective actions"</caption>
                            <thead>
                                {header_row(&["Action", "Owner", "Due", "Status", "Done"])}
                            </thead>
                            <tbody>
                                {actions
                                    .into_iter()
                                    .map(|a| {
                                        view! {
                                            <tr>
                                                <td>{or_dash(&a.description)}</td>
                                                <td>{a.owner}</td>
                                                <td class="date">{date(a.due)}</td>
                                                <td>{a.status.label()}</td>
                                                <td class="date">
                                                    {a.done_on.map(|d| d.format("%Y-%m-%d").to_string())}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
