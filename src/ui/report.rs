//! The printable report: the register and its audits, counts by grade and
//! status, then every finding with its requirement, evidence, root cause,
//! actions and status. Printing uses the browser (and its "Save as PDF");
//! the print stylesheet hides the app's navigation and controls.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use leptos::prelude::*;

use crate::ui::fingerprint::StateFingerprint;
use crate::ui::screen;
use crate::ui::state::{today, use_store};
use ncr_core::catalogue;
use ncr_core::exchange::exported_findings;
use ncr_core::model::{Audit, Finding, Grade, RegisterInfo, Status};

/// Everything the report shows, read once from the document.
#[derive(Clone, PartialEq)]
struct ReportData {
    info: RegisterInfo,
    audits: Vec<Audit>,
    findings: Vec<Finding>,
    by_grade: Vec<(Grade, usize)>,
    by_status: Vec<(Status, usize)>,
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
                let findings: Vec<Finding> = exported_findings(d).into_iter().cloned().collect();
                let mut grades: BTreeMap<Grade, usize> =
                    Grade::ALL.iter().map(|g| (*g, 0)).collect();
                let mut statuses: BTreeMap<Status, usize> =
                    Status::ALL.iter().map(|s| (*s, 0)).collect();
                for f in &findings {
                    *grades.entry(f.grade).or_default() += 1;
                    *statuses.entry(f.status).or_default() += 1;
                }
                let mut audits: Vec<Audit> = d.audits().into_values().collect();
                audits.sort_by(|a, b| a.starts_on.cmp(&b.starts_on).then(a.title.cmp(&b.title)));
                Some(ReportData {
                    info: d.info()?,
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

#[component]
fn Report(data: ReportData) -> impl IntoView {
    let store = use_store();
    let prepared_by = store
        .profile
        .get_untracked()
        .map(|p| p.name)
        .unwrap_or_default();
    let total = data.findings.len();
    let audits = data.audits.clone();
    view! {
        <article class="report" aria-labelledby="report-title">
            <header>
                <h2 id="report-title">{data.info.name.clone()}</h2>
                <p class="muted">
                    {format!(
                        "Nonconformity report of {} · prepared by {}",
                        today().format("%Y-%m-%d"),
                        or_dash(&prepared_by),
                    )}
                </p>
                <dl class="facts">
                    <div>
                        <dt>"Organisation"</dt>
                        <dd>{or_dash(&data.info.organisation)}</dd>
                    </div>
                    <div>
                        <dt>"Scope"</dt>
                        <dd>{or_dash(&data.info.scope)}</dd>
                    </div>
                    <div>
                        <dt>"Findings"</dt>
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
                            <table class="report-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Audit"</th>
                                        <th scope="col">"Kind"</th>
                                        <th scope="col">"From"</th>
                                        <th scope="col">"To"</th>
                                        <th scope="col">"Lead auditor"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {audits
                                        .into_iter()
                                        .map(|a| {
                                            view! {
                                                <tr>
                                                    <td>{a.title}</td>
                                                    <td>{a.kind.label()}</td>
                                                    <td>{date(a.starts_on)}</td>
                                                    <td>{date(a.ends_on)}</td>
                                                    <td>{or_dash(&a.lead_auditor)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
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
                                            <td>{n.to_string()}</td>
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
                                            <td>{n.to_string()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
            </section>
            <section aria-labelledby="report-findings">
                <h3 id="report-findings">"Findings"</h3>
                {data
                    .findings
                    .into_iter()
                    .map(|f| view! { <ReportFinding finding=f /> })
                    .collect_view()}
            </section>
        </article>
    }
}

#[component]
fn ReportFinding(finding: Finding) -> impl IntoView {
    let f = finding;
    let requirements = f
        .requirement_list()
        .into_iter()
        .map(|r| catalogue::label(r).unwrap_or_else(|| r.to_owned()))
        .collect::<Vec<_>>();
    let root_cause = match (f.root_cause.method.trim(), f.root_cause.statement.trim()) {
        ("", "") => "—".to_owned(),
        ("", s) => s.to_owned(),
        (m, "") => format!("({m})"),
        (m, s) => format!("{s} ({m})"),
    };
    let mut actions: Vec<_> = f.actions.values().cloned().collect();
    actions.sort_by_key(|a| (a.due.is_none(), a.due));
    let review = match f.review.result {
        Some(r) => format!(
            "{} — {} on {}",
            r.label(),
            or_dash(&f.review.reviewer),
            date(f.review.reviewed_on)
        ),
        None => match f.review.due {
            Some(d) => format!("Not yet reviewed (due {})", d.format("%Y-%m-%d")),
            None => "Not yet reviewed".into(),
        },
    };
    let heading = if f.title.is_empty() {
        format!("{} (untitled)", f.reference)
    } else {
        format!("{} {}", f.reference, f.title)
    };
    let text_block = |label: &'static str, text: String| {
        view! {
            <div class="report-text">
                <dt>{label}</dt>
                <dd>{or_dash(&text)}</dd>
            </div>
        }
    };
    // Named by its heading, so each finding is a region a reader (and a
    // screen reader's landmark list) can go to.
    let heading_id = format!("report-finding-{}", f.id);
    let labelled_by = heading_id.clone();
    view! {
        <section class="report-finding" aria-labelledby=labelled_by>
            <h4 id=heading_id>{heading}</h4>
            <dl class="report-meta">
                <div>
                    <dt>"Grade"</dt>
                    <dd>{f.grade.label()}</dd>
                </div>
                <div>
                    <dt>"Status"</dt>
                    <dd>{f.status.label()}</dd>
                </div>
                <div>
                    <dt>"Source"</dt>
                    <dd>{f.source.label()}</dd>
                </div>
                <div>
                    <dt>"Detected on"</dt>
                    <dd>{date(f.detected_on)}</dd>
                </div>
                <div>
                    <dt>"Area"</dt>
                    <dd>{or_dash(&f.area)}</dd>
                </div>
                <div>
                    <dt>"Raised by"</dt>
                    <dd>{or_dash(&f.raised_by)}</dd>
                </div>
                <div>
                    <dt>"Owner"</dt>
                    <dd>{or_dash(&f.owner)}</dd>
                </div>
            </dl>
            <dl class="report-body">
                {text_block("Requirement", requirements.join("; "))}
                {text_block("Statement", f.statement.clone())}
                {text_block("Evidence", f.evidence.clone())}
                {text_block("Correction", f.correction.description.clone())}
                {text_block("Root cause", root_cause)} {text_block("Effectiveness review", review)}
                {(f.status == Status::Closed)
                    .then(|| {
                        text_block(
                            "Closed",
                            format!(
                                "{} by {}",
                                date(f.closure.closed_on),
                                or_dash(&f.closure.closed_by),
                            ),
                        )
                    })}
                {f
                    .disposition
                    .map(|d| {
                        text_block(
                            "Closed without corrective action",
                            format!("{}: {}", d.label(), or_dash(&f.disposition_reason)),
                        )
                    })}
                {(!f.grade.is_nonconformity() && f.follow_up.is_some())
                    .then(|| text_block("Follow up on", date(f.follow_up)))}
                {(!f.rejection_reason.trim().is_empty())
                    .then(|| text_block("Rejection reason", f.rejection_reason.clone()))}
                {(!f.dispute.reason.trim().is_empty())
                    .then(|| {
                        text_block(
                            "Dispute",
                            format!(
                                "{} (disputed on {})",
                                f.dispute.reason.trim(),
                                date(f.dispute.raised_on),
                            ),
                        )
                    })}
                {(!f.dispute.reason.trim().is_empty())
                    .then(|| {
                        text_block(
                            "The body's answer",
                            match f.dispute.outcome {
                                Some(o) => format!("{}: {}", o.label(), or_dash(&f.dispute.answer)),
                                None => or_dash(&f.dispute.answer),
                            },
                        )
                    })}
            </dl>
            {if actions.is_empty() {
                view! { <p class="muted">"No corrective actions recorded."</p> }.into_any()
            } else {
                view! {
                    <table class="report-table">
                        <caption>"Corrective actions"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Action"</th>
                                <th scope="col">"Owner"</th>
                                <th scope="col">"Due"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Done"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {actions
                                .into_iter()
                                .map(|a| {
                                    view! {
                                        <tr>
                                            <td>{or_dash(&a.description)}</td>
                                            <td>{or_dash(&a.owner)}</td>
                                            <td>{date(a.due)}</td>
                                            <td>{a.status.label()}</td>
                                            <td>{date(a.done_on)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}
