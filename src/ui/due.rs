//! The "Due soon" view across the register (`#/r/<id>/due`): findings with a
//! clock overdue or due within 14 days, most urgent first, each clock named
//! (see `core::due`). Also the register's certification-body clocks as a
//! small settings form, shown on the register screen. And the export of
//! every running deadline as a calendar file (`core::exchange::ics`).

use leptos::prelude::*;

use crate::platform::{clock, files};
use crate::ui::exchange::export_name;
use crate::ui::route::Route;
use crate::ui::screen;
use crate::ui::state::{today, use_store};
use crate::ui::widgets::{grade_badge, header_row};
use ncr_core::deadlines::{DueState, DUE_SOON_DAYS};
use ncr_core::due;
use ncr_core::exchange::ics;
use ncr_core::model::{Grade, Settings};
use ncr_core::validate::{MAX_CLOCK_DAYS as MAX_DAYS, MAX_PATTERN_MINORS};

/// What one row of the list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DueView {
    id: String,
    reference: String,
    title: String,
    grade: Grade,
    /// `(clock, due date, state, overdue)`, most urgent first.
    items: Vec<(String, String, String, bool)>,
}

#[component]
pub fn DueSoonScreen(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let open = Memo::new(move |_| store.with_register(|d| d.id() == rid.get_value()) == Some(true));
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=move || screen::table_of(&rid.get_value()).href()>"Back to register"</a>
        </nav>
        <Show
            when=move || open.get()
            fallback=|| view! { <p role="status">"Opening register…"</p> }
        >
            <DueSoonList register=rid.get_value() />
        </Show>
    }
}

#[component]
fn DueSoonList(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let rows = Memo::new(move |_| {
        store
            .with_findings(|d| {
                let settings = d.settings();
                due::due_soon(d.findings().values(), &settings, today())
                    .into_iter()
                    .map(|row| DueView {
                        id: row.finding.id.clone(),
                        reference: row.finding.reference.clone(),
                        title: row.finding.title.clone(),
                        grade: row.finding.grade,
                        items: row
                            .items
                            .iter()
                            .map(|i| {
                                (
                                    i.clock.to_string(),
                                    i.due.map(|d| d.to_string()).unwrap_or_default(),
                                    i.state.to_string(),
                                    matches!(i.state, DueState::Overdue { .. }),
                                )
                            })
                            .collect(),
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let summary = move || {
        let (overdue, soon) = rows.with(|rows| {
            let overdue = rows.iter().filter(|r| r.items[0].3).count();
            (overdue, rows.len() - overdue)
        });
        format!("{overdue} overdue, {soon} due within {DUE_SOON_DAYS} days")
    };
    view! {
        <section class="due-soon" aria-labelledby="due-title">
            <h2 id="due-title">"Due soon"</h2>
            <p class="help">
                {format!(
                    "Findings with a deadline passed or within the next {DUE_SOON_DAYS} days, most urgent first: the action plan, the closing deadline and each corrective action's due date.",
                )}
            </p>
            <p class="counts" role="status">
                {summary}
            </p>
            <CalendarExport />
            <Show
                when=move || !rows.with(Vec::is_empty)
                fallback=|| {
                    view! {
                        <p class="empty-state">"Nothing is overdue or due in the next 14 days."</p>
                    }
                }
            >
                <div class="table-wrap">
                    <table class="findings">
                        <caption class="visually-hidden">"Findings due soon"</caption>
                        <thead>
                            {header_row(
                                &["Reference", "Title", "Grade", "Deadlines, most urgent first"],
                            )}
                        </thead>
                        <tbody>
                            <For
                                each=move || rows.get()
                                key=|row| row.clone()
                                children=move |row| {
                                    let href = Route::Finding(rid.get_value(), row.id.clone())
                                        .href();
                                    let title = if row.title.is_empty() {
                                        "(untitled)".to_owned()
                                    } else {
                                        row.title.clone()
                                    };
                                    let deadlines = row
                                        .items
                                        .iter()
                                        .map(|(clock, due, state, overdue)| {
                                            let class = if *overdue {
                                                "badge badge-overdue"
                                            } else {
                                                "badge badge-soon"
                                            };
                                            let due = if due.is_empty() {
                                                String::new()
                                            } else {
                                                format!(" (due {due})")
                                            };
                                            view! {
                                                <li>
                                                    <span class=class>{state.clone()}</span>
                                                    " "
                                                    {clock.clone()}
                                                    <span class="due-date">{due}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view();
                                    view! {
                                        <tr>
                                            <td>
                                                <a href=href>{row.reference.clone()}</a>
                                            </td>
                                            <td>{title}</td>
                                            <td>{grade_badge(row.grade)}</td>
                                            <td>
                                                <ul class="clocks">{deadlines}</ul>
                                            </td>
                                        </tr>
                                    }
                                }
                            />
                        </tbody>
                    </table>
                </div>
            </Show>
        </section>
    }
}

/// Every running deadline of the open findings, not only the pressing ones,
/// as a calendar file with a link back to each finding.
#[component]
fn CalendarExport() -> impl IntoView {
    let store = use_store();
    let export = move |_| {
        let base = files::page_address().unwrap_or_default();
        let bytes = store
            .with_doc_untracked(|d| ics::export_deadlines(d, &base, clock::system_clock()))
            .ok_or_else(|| "no register is open".to_owned());
        let result = bytes.and_then(|b| {
            files::download(&b, &export_name(store, ics::ICS_EXTENSION), ics::ICS_MIME)
        });
        if let Err(e) = result {
            store.error(format!("The export failed: {e}"));
        }
    };
    view! {
        <p class="calendar-export">
            <button type="button" on:click=export aria-describedby="calendar-export-help">
                "Export deadlines (.ics)"
            </button>
            " "
            <span id="calendar-export-help" class="help">
                "Every running deadline of the open findings (action plans, closing, corrective actions, effectiveness reviews, follow-ups of observations) as all-day events for your own calendar, each with a link back to its finding. Importing a newer file updates the same events."
            </span>
        </p>
    }
}

/// Day counts accepted by the clock settings.
const DAYS: (u32, u32, &str) = (0, MAX_DAYS, " of days");

/// The certification-body clocks of the register.
#[component]
pub fn ClockSettings() -> impl IntoView {
    let store = use_store();
    let settings = Memo::new(move |_| store.with_register(|d| d.settings()).unwrap_or_default());
    let saved = RwSignal::new(None::<String>);
    let field = move |id: &'static str,
                      label: &'static str,
                      (min, max, unit): (u32, u32, &'static str),
                      get: fn(&Settings) -> u32,
                      set: fn(&mut Settings, u32)| {
        let error = RwSignal::new(None::<String>);
        let error_id = format!("{id}-error");
        let change = move |ev: leptos::ev::Event| {
            let text = event_target_value(&ev);
            let days = text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (min..=max).contains(d));
            let Some(days) = days else {
                error.set(Some(format!(
                    "{label}: give a whole number{unit} from {min} to {max}."
                )));
                return;
            };
            let mut next = settings.get_untracked();
            set(&mut next, days);
            match store.mutate(|d| d.update_settings(next)) {
                Ok(_) => {
                    error.set(None);
                    saved
                        .set(
                            Some(
                                "Saved. Findings recorded from now on get these deadlines; findings already recorded keep theirs."
                                    .into(),
                            ),
                        );
                }
                Err(e) => {
                    saved.set(None);
                    error.set(Some(e.to_string()));
                }
            }
        };
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input
                    id=id
                    type="number"
                    min=min.to_string()
                    max=max.to_string()
                    step="1"
                    inputmode="numeric"
                    aria-describedby=error_id.clone()
                    prop:value=move || get(&settings.get()).to_string()
                    on:change=change
                />
                <p id=error_id class="field-error" role="alert">
                    {move || error.get()}
                </p>
            </div>
        }
    };
    view! {
        <details class="clock-settings">
            <summary>"Settings: deadlines and patterns"</summary>
            <p class="help">
                "Certification-body clocks, counted in days from the date a finding was detected. Each finding keeps the clocks it was recorded under: a change here applies to findings recorded afterwards."
            </p>
            <div class="row">
                {field(
                    "s-plan-days",
                    "Plan due (days)",
                    DAYS,
                    |s| s.plan_due_days,
                    |s, d| s.plan_due_days = d,
                )}
                {field(
                    "s-major-days",
                    "Majors close within (days)",
                    DAYS,
                    |s| s.major_close_days,
                    |s, d| s.major_close_days = d,
                )}
                {field(
                    "s-minor-days",
                    "Minors close within (days)",
                    DAYS,
                    |s| s.minor_close_days,
                    |s, d| s.minor_close_days = d,
                )}
            </div>
            <p class="help">
                "Several minor nonconformities against one requirement or Annex A theme can show a systemic failure, which a certification body grades as a major. The dashboard and each finding point these out from this many minors."
            </p>
            <div class="row">
                {field(
                    "s-pattern-minors",
                    "Minors that make a pattern",
                    (2, MAX_PATTERN_MINORS, ""),
                    |s| s.pattern_minors,
                    |s, n| s.pattern_minors = n,
                )}
            </div>
            <p class="help" role="status">
                {move || saved.get()}
            </p>
        </details>
    }
}
