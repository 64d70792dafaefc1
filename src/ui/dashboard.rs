//! The dashboard (`#/r/<id>`), the register's first screen: the figures of
//! `core::dashboard`, each chart an SVG image with its numbers written on
//! it (never colour alone) and followed by a table of the same numbers, in
//! which every number links to the table of exactly those findings.

use leptos::prelude::*;

use crate::ui::device::ExportReminder;
use crate::ui::integrity::UnreadablePanel;
use crate::ui::patterns::RegisterPatterns;
use crate::ui::records::RecordLinks;
use crate::ui::route::Route;
use crate::ui::state::{new_id, today, use_store};
use crate::ui::widgets::header_row;
use ncr_core::dashboard::{self, Cell, Dashboard, OPEN_STATUSES};
use ncr_core::model::Grade;
use ncr_core::query::DueClock;

/// Which of the register's two views is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    Findings,
}

/// What both register screens offer at the top: the deadlines list and a
/// new finding (which opens at once).
#[component]
pub fn RegisterActions(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let new_finding = move |_| {
        let created = store.attempt(|d| d.add_finding(new_id(), today(), |_| {}));
        if let Some(fid) = created {
            Route::Finding(rid.get_value(), fid).go();
        }
    };
    view! {
        <a class="due-link" href=move || Route::DueSoon(rid.get_value()).href()>
            "Due soon"
        </a>
        <button type="button" class="primary" on:click=new_finding>
            "New finding"
        </button>
        <RecordLinks register=rid.get_value() />
    }
}

/// The link pair between the dashboard and the table, the current one
/// marked for assistive technology too.
#[component]
pub fn RegisterNav(register: String, current: Screen) -> impl IntoView {
    let page = |s: Screen| (s == current).then_some("page");
    view! {
        <nav class="views" aria-label="Register views">
            <a href=Route::Register(register.clone()).href() aria-current=page(Screen::Dashboard)>
                "Dashboard"
            </a>
            <a href=Route::findings(register).href() aria-current=page(Screen::Findings)>
                "Findings"
            </a>
        </nav>
    }
}

#[component]
pub fn DashboardScreen(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let open = Memo::new(move |_| store.with_register(|d| d.id() == rid.get_value()) == Some(true));
    view! {
        {move || {
            if open.get() {
                view! { <DashboardView register=rid.get_value() /> }.into_any()
            } else {
                view! { <p role="status">"Opening register…"</p> }.into_any()
            }
        }}
    }
}

/// Time to compute the figures, for the benchmark (`window.ncrDashboardMs`).
fn record_time(ms: f64) {
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"ncrDashboardMs".into(), &ms.into());
    }
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

#[component]
fn DashboardView(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let title = move || {
        store
            .with_register(|d| d.info().map(|i| i.name))
            .flatten()
            .unwrap_or_default()
    };
    let figures = Memo::new(move |_| {
        let started = now_ms();
        let dash = store
            .with_findings(|d| dashboard::compute(d.findings().values(), &d.settings(), today()));
        record_time(now_ms() - started);
        dash
    });
    view! {
        <section aria-labelledby="register-title" class="register dashboard">
            <div class="register-head">
                <div>
                    <h2 id="register-title">{title}</h2>
                    <p class="muted">"Dashboard"</p>
                </div>
                <RegisterNav register=rid.get_value() current=Screen::Dashboard />
                <RegisterActions register=rid.get_value() />
            </div>
            // What needs doing before anything else, as on the table.
            <ExportReminder />
            <UnreadablePanel />
            <RegisterPatterns />
            {move || {
                figures.get().map(|dash| view! { <Figures register=rid.get_value() dash=dash /> })
            }}
        </section>
    }
}

/// A number linking to the table of exactly the findings it counts.
fn cell_link(register: &str, cell: &Cell, what: String) -> impl IntoView {
    let href = Route::Findings(register.to_owned(), cell.query.clone(), 0).href();
    // The accessible name says what the number counts, since a link read
    // out of its table is just "3".
    view! {
        <a href=href aria-label=format!("{}: {what}", cell.count)>
            {cell.count}
        </a>
    }
}

#[component]
fn Figures(register: String, dash: Dashboard) -> impl IntoView {
    let r = StoredValue::new(register);
    let median = |m: Option<f64>| match m {
        Some(days) if days.fract() == 0.0 => format!("{days:.0} days"),
        Some(days) => format!("{days:.1} days"),
        None => "—".to_owned(),
    };
    let open = cell_link(&r.get_value(), &dash.open, "open findings".into());
    view! {
        <dl class="facts headline">
            <div>
                <dt>"Open findings"</dt>
                <dd>{open}</dd>
            </div>
            <div>
                <dt>"Median time to close"</dt>
                <dd>
                    {median(dash.median_days_to_close)}
                    <span class="muted">
                        {format!(" over {} closed findings", dash.closed_with_dates)}
                    </span>
                </dd>
            </div>
        </dl>
        <div class="dash-grid">
            <GradeStatus register=r.get_value() dash=dash.clone() />
            <Heat register=r.get_value() dash=dash.clone() />
            <Ageing register=r.get_value() dash=dash.clone() />
            <Due register=r.get_value() dash=dash.clone() />
            <Months register=r.get_value() dash=dash />
        </div>
    }
}

const BAR_W: f64 = 220.0;
const ROW_H: f64 = 26.0;
const LABEL_W: f64 = 215.0;

/// A horizontal bar chart: one labelled bar per value, its number written
/// beside it.
fn bars(label: String, values: Vec<(String, usize)>) -> impl IntoView {
    let max = values.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f64;
    let height = ROW_H * values.len() as f64 + 4.0;
    let width = LABEL_W + BAR_W + 50.0;
    let rows = values
        .into_iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let y = 2.0 + ROW_H * i as f64;
            let w = (n as f64 / max * BAR_W).max(if n > 0 { 2.0 } else { 0.0 });
            view! {
                <g>
                    <text x=LABEL_W - 6.0 y=y + ROW_H / 2.0 class="chart-label" text-anchor="end">
                        {name}
                    </text>
                    <rect x=LABEL_W y=y + 4.0 width=w height=ROW_H - 8.0 class="bar" />
                    <text x=LABEL_W + w + 6.0 y=y + ROW_H / 2.0 class="chart-value">
                        {n}
                    </text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg
            class="chart"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {width} {height}")
            width=width
            height=height
        >
            {rows}
        </svg>
    }
}

/// The alt text of a chart: its title and every value, in order.
fn describe(title: &str, values: &[(String, usize)]) -> String {
    let parts: Vec<String> = values.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!("{title}: {}", parts.join(", "))
}

#[component]
fn GradeStatus(register: String, dash: Dashboard) -> impl IntoView {
    let values: Vec<(String, usize)> = dash
        .by_grade
        .iter()
        .map(|row| (row.grade.label().to_owned(), row.total.count))
        .collect();
    let title = "Open findings by grade";
    let head = OPEN_STATUSES
        .iter()
        .map(|s| view! { <th scope="col">{s.label()}</th> })
        .collect_view();
    let body = dash
        .by_grade
        .iter()
        .map(|row| {
            let grade = row.grade.label();
            let cells = row
                .by_status
                .iter()
                .zip(OPEN_STATUSES)
                .map(|(cell, s)| {
                    let what = format!("{grade}, {}", s.label().to_lowercase());
                    view! { <td>{cell_link(&register, cell, what)}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{grade}</th>
                    {cells}
                    <td>{cell_link(&register, &row.total, format!("{grade}, open"))}</td>
                </tr>
            }
        })
        .collect_view();
    let totals = dash
        .by_status
        .iter()
        .zip(OPEN_STATUSES)
        .map(|(cell, s)| {
            let what = format!("all grades, {}", s.label().to_lowercase());
            view! { <td>{cell_link(&register, cell, what)}</td> }
        })
        .collect_view();
    view! {
        <section class="panel dash-panel" aria-labelledby="dash-grade">
            <h3 id="dash-grade">"Open findings by grade and status"</h3>
            {bars(describe(title, &values), values)}
            <div class="table-wrap">
                <table class="figures">
                    <caption>"Open findings by grade and status"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Grade"</th>
                            {head}
                            <th scope="col">"Open"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {body} <tr>
                            <th scope="row">"All grades"</th>
                            {totals}
                            <td>{cell_link(&register, &dash.open, "all grades, open".into())}</td>
                        </tr>
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The heat map: clauses and themes by grade, the shade of each square
/// following its count and the count written in it.
#[component]
fn Heat(register: String, dash: Dashboard) -> impl IntoView {
    const SQ_W: f64 = 60.0;
    const SQ_H: f64 = 26.0;
    const LEFT: f64 = 250.0;
    let short = |g: Grade| match g {
        Grade::Major => "Major",
        Grade::Minor => "Minor",
        Grade::Observation => "Obs.",
        Grade::Opportunity => "OFI",
    };
    let max = dash
        .heat
        .iter()
        .flat_map(|r| r.by_grade.iter().map(|c| c.count))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = LEFT + SQ_W * Grade::ALL.len() as f64;
    let height = SQ_H * (dash.heat.len() + 1) as f64;
    let header = Grade::ALL
        .iter()
        .enumerate()
        .map(|(i, &g)| {
            view! {
                <text
                    x=LEFT + SQ_W * i as f64 + SQ_W / 2.0
                    y=SQ_H / 2.0
                    class="chart-label"
                    text-anchor="middle"
                >
                    {short(g)}
                </text>
            }
        })
        .collect_view();
    let squares = dash
        .heat
        .iter()
        .enumerate()
        .map(|(row, r)| {
            let y = SQ_H * (row + 1) as f64;
            let cells = r
                .by_grade
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let x = LEFT + SQ_W * i as f64;
                    // Four fixed shades rather than a continuous opacity: at
                    // mid opacities neither dark nor white text reaches 4.5:1,
                    // so each shade comes with the text colour that does
                    // (style/main.css, both colour schemes). 0 stays blank.
                    let level = if c.count == 0 {
                        0
                    } else {
                        1 + ((c.count as f64 / max) * 3.0).round() as usize
                    }
                    .min(4);
                    let strong = level >= 3;
                    view! {
                        <g>
                            <rect
                                x=x + 1.0
                                y=y + 1.0
                                width=SQ_W - 2.0
                                height=SQ_H - 2.0
                                class=format!("heat heat-{level}")
                            />
                            <text
                                x=x + SQ_W / 2.0
                                y=y + SQ_H / 2.0
                                class=if strong { "chart-value on-strong" } else { "chart-value" }
                                text-anchor="middle"
                            >
                                {c.count}
                            </text>
                        </g>
                    }
                })
                .collect_view();
            view! {
                <g>
                    <text x=LEFT - 6.0 y=y + SQ_H / 2.0 class="chart-label" text-anchor="end">
                        {r.area.label()}
                    </text>
                    {cells}
                </g>
            }
        })
        .collect_view();
    let label = format!(
        "Open findings by clause and Annex A theme, by grade: {}",
        dash.heat
            .iter()
            .map(|r| {
                let counts: Vec<String> = r
                    .by_grade
                    .iter()
                    .zip(Grade::ALL)
                    .map(|(c, g)| format!("{} {}", c.count, g.label().to_lowercase()))
                    .collect();
                format!("{}: {}", r.area.label(), counts.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    let head = Grade::ALL
        .iter()
        .map(|g| view! { <th scope="col">{g.label()}</th> })
        .collect_view();
    let body = dash
        .heat
        .iter()
        .map(|r| {
            let area = r.area.label();
            let cells = r
                .by_grade
                .iter()
                .zip(Grade::ALL)
                .map(|(c, g)| {
                    let what = format!("{area}, {}", g.label().to_lowercase());
                    view! { <td>{cell_link(&register, c, what)}</td> }
                })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{area.clone()}</th>
                    {cells}
                    <td>{cell_link(&register, &r.total, format!("{area}, open"))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel dash-panel" aria-labelledby="dash-heat">
            <h3 id="dash-heat">"Open findings by clause and Annex A theme"</h3>
            <p class="muted">"A finding counts under every clause and theme it cites."</p>
            <svg
                class="chart"
                role="img"
                aria-label=label
                viewBox=format!("0 0 {width} {height}")
                width=width
                height=height
            >
                {header}
                {squares}
            </svg>
            <div class="table-wrap">
                <table class="figures">
                    <caption>"Open findings by clause and Annex A theme"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Clause or theme"</th>
                            {head}
                            <th scope="col">"Open"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}

#[component]
fn Ageing(register: String, dash: Dashboard) -> impl IntoView {
    let values: Vec<(String, usize)> = dash
        .ageing
        .iter()
        .map(|(b, c)| (b.label().to_owned(), c.count))
        .collect();
    let body = dash
        .ageing
        .iter()
        .map(|(b, c)| {
            let what = format!("open, detected {}", b.label().to_lowercase());
            view! {
                <tr>
                    <th scope="row">{b.label()}</th>
                    <td>{cell_link(&register, c, what)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel dash-panel" aria-labelledby="dash-age">
            <h3 id="dash-age">"Ageing of open findings"</h3>
            {bars(describe("Open findings by days since detection", &values), values)}
            <div class="table-wrap">
                <table class="figures">
                    <caption>"Open findings by days since detection"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Age"</th>
                            <th scope="col">"Open findings"</th>
                        </tr>
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}

fn clock_name(clock: DueClock) -> &'static str {
    match clock {
        DueClock::Plan => "Action plan",
        DueClock::Close => "Closing",
        DueClock::Actions => "Corrective actions",
        DueClock::FollowUp => "Follow-up (observations, OFIs)",
        DueClock::Any => "Any deadline",
    }
}

#[component]
fn Due(register: String, dash: Dashboard) -> impl IntoView {
    let values: Vec<(String, usize)> = dash
        .due
        .iter()
        .flat_map(|row| {
            [
                (
                    format!("{} overdue", clock_name(row.clock)),
                    row.overdue.count,
                ),
                (
                    format!("{} due soon", clock_name(row.clock)),
                    row.due_soon.count,
                ),
            ]
        })
        .collect();
    let body = dash
        .due
        .iter()
        .map(|row| {
            let name = clock_name(row.clock);
            view! {
                <tr>
                    <th scope="row">{name}</th>
                    <td>{cell_link(&register, &row.overdue, format!("{name} overdue"))}</td>
                    <td>{cell_link(&register, &row.due_soon, format!("{name} due soon"))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel dash-panel" aria-labelledby="dash-due">
            <h3 id="dash-due">"Overdue and due soon by deadline"</h3>
            <p class="muted">
                {format!(
                    "Due soon: within {} days. A finding counts once per deadline kind.",
                    ncr_core::deadlines::DUE_SOON_DAYS,
                )}
            </p>
            {bars(describe("Findings overdue and due soon by deadline", &values), values)}
            <div class="table-wrap">
                <table class="figures">
                    <caption>"Findings overdue and due soon by deadline"</caption>
                    <thead>{header_row(&["Deadline", "Overdue", "Due soon"])}</thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}

/// Opened and closed per month: paired columns, opened filled and closed
/// outlined (told apart by shape as well as colour), numbers above.
#[component]
fn Months(register: String, dash: Dashboard) -> impl IntoView {
    const COL: f64 = 16.0;
    const GAP: f64 = 14.0;
    const PLOT_H: f64 = 120.0;
    const TOP: f64 = 16.0;
    let max = dash
        .months
        .iter()
        .map(|m| m.opened.count.max(m.closed.count))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = (COL * 2.0 + GAP) * dash.months.len() as f64 + GAP;
    let height = TOP + PLOT_H + 20.0;
    let columns = dash
        .months
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let x = GAP + (COL * 2.0 + GAP) * i as f64;
            let h = |n: usize| n as f64 / max * PLOT_H;
            let (ho, hc) = (h(m.opened.count), h(m.closed.count));
            let month = m.month.code();
            view! {
                <g>
                    <rect x=x y=TOP + PLOT_H - ho width=COL - 1.0 height=ho class="bar" />
                    <text
                        x=x + COL / 2.0
                        y=TOP + PLOT_H - ho - 3.0
                        class="chart-value small"
                        text-anchor="middle"
                    >
                        {m.opened.count}
                    </text>
                    <rect
                        x=x + COL
                        y=TOP + PLOT_H - hc
                        width=COL - 1.0
                        height=hc
                        class="bar bar-outline"
                    />
                    <text
                        x=x + COL * 1.5
                        y=TOP + PLOT_H - hc - 3.0
                        class="chart-value small"
                        text-anchor="middle"
                    >
                        {m.closed.count}
                    </text>
                    <text
                        x=x + COL
                        y=TOP + PLOT_H + 14.0
                        class="chart-label small"
                        text-anchor="middle"
                    >
                        {month[2..].to_owned()}
                    </text>
                </g>
            }
        })
        .collect_view();
    let label = format!(
        "Findings opened and closed per month, filled columns opened, outlined columns closed: {}",
        dash.months
            .iter()
            .map(|m| format!(
                "{} opened {} closed {}",
                m.month.code(),
                m.opened.count,
                m.closed.count
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let body = dash
        .months
        .iter()
        .map(|m| {
            let month = m.month.code();
            let median = m
                .median_days_to_close
                .map(|d| format!("{d}"))
                .unwrap_or_else(|| "—".into());
            view! {
                <tr>
                    <th scope="row">{month.clone()}</th>
                    <td>{cell_link(&register, &m.opened, format!("opened in {month}"))}</td>
                    <td>{cell_link(&register, &m.closed, format!("closed in {month}"))}</td>
                    <td>{median}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel dash-panel" aria-labelledby="dash-months">
            <h3 id="dash-months">"Opened and closed per month"</h3>
            <p class="muted legend">
                <span class="key key-opened" aria-hidden="true"></span>
                " Opened (detected)  "
                <span class="key key-closed" aria-hidden="true"></span>
                " Closed"
            </p>
            <svg
                class="chart"
                role="img"
                aria-label=label
                viewBox=format!("0 0 {width} {height}")
                width=width
                height=height
            >
                {columns}
            </svg>
            <div class="table-wrap">
                <table class="figures">
                    <caption>"Findings opened and closed per month"</caption>
                    <thead>
                        {header_row(&["Month", "Opened", "Closed", "Median days to close"])}
                    </thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
        </section>
    }
}
