//! The register screen: the table of findings with search, filters, sorting
//! and paging. The query runs in the core (`core::query`); only the visible
//! page is rendered, so 10,000 findings stay smooth. The query starts from
//! the route (a dashboard figure's link, a reload) and is written back to
//! the address as it changes, so the filters shown are the ones in the link.

use leptos::prelude::*;

use crate::ui::dashboard::{RegisterActions, RegisterNav, Screen};
use crate::ui::device::ExportReminder;
use crate::ui::due::ClockSettings;
use crate::ui::exchange::ExchangeToolbar;
use crate::ui::integrity::UnreadablePanel;
use crate::ui::route::Route;
use crate::ui::screen;
use crate::ui::state::{today, use_store};
use crate::ui::widgets::{enum_options, grade_badge, EnumSelect, SelectField};
use ncr_core::catalogue::Theme;
use ncr_core::deadlines::{self, DueState};
use ncr_core::due::{self, Clock};
use ncr_core::model::{Finding, Grade, Status};
use ncr_core::query::{self, Counts, DueFilter, Order, Query, SortKey, StatusFilter};
use ncr_core::text::normalise;

const PAGE: usize = 50;

/// What one table row shows, copied out of the document for the page only.
#[derive(Debug, Clone, PartialEq)]
struct RowView {
    id: String,
    reference: String,
    title: String,
    grade: Grade,
    status: Status,
    requirement: String,
    owner: String,
    /// Each running deadline apart, most urgent first: (what, date, state).
    deadlines: Vec<(&'static str, String, DueState)>,
    age: String,
    conflicted: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct TableView {
    rows: Vec<RowView>,
    counts: Counts,
    pages: usize,
}

#[component]
pub fn RegisterScreen(register: String, query: Query, page: usize) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let start = StoredValue::new(query);
    // A memo: only opening another register may rebuild the view (and
    // reset its search and filters).
    let open = Memo::new(move |_| store.with_register(|d| d.id() == rid.get_value()) == Some(true));
    view! {
        {move || {
            if open.get() {
                view! {
                    <RegisterView register=rid.get_value() query=start.get_value() page=page />
                }
                    .into_any()
            } else {
                view! { <p role="status">"Opening register…"</p> }.into_any()
            }
        }}
    }
}

#[component]
fn RegisterView(register: String, query: Query, page: usize) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let query = RwSignal::new(query);
    let page = RwSignal::new(page);
    // The address follows the filters and the page (replacing its entry:
    // Back leaves the table rather than undoing filters one keystroke at a
    // time).
    Effect::new(move |_| {
        let here = Route::Findings(rid.get_value(), query.get(), page.get());
        here.replace();
        screen::remember_table(&here);
    });
    let title = move || {
        store
            .with_register(|d| d.info().map(|i| i.name))
            .flatten()
            .unwrap_or_default()
    };
    let organisation = move || {
        store
            .with_register(|d| d.info().map(|i| i.organisation))
            .flatten()
            .unwrap_or_default()
    };

    // Sorted when the findings or the sort change, filtered on every
    // keystroke: sorting 10,000 findings was most of a keystroke's work.
    let settings = Memo::new(move |_| store.with_register(|d| d.settings()).unwrap_or_default());
    let sorting = Memo::new(move |_| query.with(|q| (q.sort, q.descending)));
    let order = Memo::new(move |_| {
        let (key, descending) = sorting.get();
        let settings = settings.get();
        store.with_findings(|d| {
            let all: Vec<&Finding> = d.findings().values().collect();
            Order::of(&all, key, descending, &settings, today())
        })
    });
    let table = Memo::new(move |_| {
        let q = query.get();
        let p = page.get();
        let settings = settings.get();
        order
            .with(|order| {
                store.with_findings(|d| {
                    let t = today();
                    let all: Vec<&Finding> = d.findings().values().collect();
                    let shown = match order {
                        Some(order) => query::select(&all, order, &q, &settings, t),
                        None => query::run(all.iter().copied(), &q, &settings, t),
                    };
                    let counts = Counts::of(all.iter().copied(), &q, &shown);
                    let pages = shown.len().div_ceil(PAGE).max(1);
                    let rows = shown
                        .iter()
                        .skip(p.min(pages - 1) * PAGE)
                        .take(PAGE)
                        .map(|f| {
                            let deadlines = due::running(f, &settings, t)
                                .into_iter()
                                .map(|i| {
                                    let what = match i.clock {
                                        Clock::Plan => "Plan due",
                                        Clock::Close => "Close due",
                                        Clock::FollowUp => "Follow-up",
                                        Clock::Action { .. } => "Action due",
                                    };
                                    let date = i.due.map(|d| d.to_string()).unwrap_or_default();
                                    (what, date, i.state)
                                })
                                .collect();
                            RowView {
                                id: f.id.clone(),
                                reference: f.reference.clone(),
                                title: f.title.clone(),
                                grade: f.grade,
                                status: f.status,
                                requirement: f.requirement_list().join(", "),
                                owner: f.owner.clone(),
                                deadlines,
                                age: deadlines::age_days(f, t)
                                    .map(|a| format!("{a} d"))
                                    .unwrap_or_default(),
                                conflicted: d.is_conflicted(&f.id),
                            }
                        })
                        .collect();
                    TableView {
                        rows,
                        counts,
                        pages,
                    }
                })
            })
            .unwrap_or_default()
    });

    let options = Memo::new(move |_| {
        store
            .with_findings(|d| {
                let live: Vec<_> = d.live_findings().collect();
                (
                    query::owners(live.iter().copied())
                        .into_iter()
                        .map(|o| (o.clone(), o))
                        .collect::<Vec<_>>(),
                    query::requirements(live.iter().copied()),
                    d.audits()
                        .into_values()
                        .map(|a| (a.id, a.title))
                        .collect::<Vec<_>>(),
                )
            })
            .unwrap_or_default()
    });

    // Source, audit, requirement and owner sit behind "More filters": on a
    // phone the table would otherwise start a screen down. Opened at once
    // when a link arrives with one of them set, and its chips say which.
    let more_active = move || query.with(more_filters_set);
    let more_open = RwSignal::new(query.with_untracked(more_filters_set) > 0);

    let set_query = move |edit: Box<dyn FnOnce(&mut Query)>| {
        query.update(|q| edit(q));
        page.set(0);
    };

    view! {
        <section aria-labelledby="register-title" class="register">
            <div class="register-head">
                <div>
                    <h2 id="register-title">{title}</h2>
                    <p class="muted">{organisation}</p>
                </div>
                <RegisterNav register=rid.get_value() current=Screen::Findings />
                <ExchangeToolbar register=rid.get_value() />
                <RegisterActions register=rid.get_value() />
            </div>
            <ExportReminder />
            <UnreadablePanel />
            <ClockSettings />
            <form class="filters" role="search" on:submit=|ev| ev.prevent_default()>
                <div class="field grow">
                    <label for="q-text">"Search"</label>
                    <input
                        id="q-text"
                        type="search"
                        placeholder="Reference, title, statement or evidence"
                        prop:value=move || query.with(|q| q.text.clone())
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            set_query(Box::new(move |q| q.text = v));
                        }
                    />
                </div>
                <EnumSelect
                    id="q-grade"
                    label="Grade"
                    none="All grades"
                    selected=move || query.with(|q| q.grade)
                    on_change=move |g| set_query(Box::new(move |q| q.grade = g))
                />
                <SelectField
                    id="q-status"
                    label="Status"
                    on_change=move |v| {
                        let s = match v.as_str() {
                            "" => StatusFilter::Any,
                            "active" => StatusFilter::Active,
                            other => {
                                Status::from_code(other)
                                    .map(StatusFilter::Is)
                                    .unwrap_or(StatusFilter::Any)
                            }
                        };
                        set_query(Box::new(move |q| q.status = s));
                    }
                >
                    <option value="" selected=move || query.with(|q| q.status == StatusFilter::Any)>
                        "All statuses"
                    </option>
                    <option
                        value="active"
                        selected=move || query.with(|q| q.status == StatusFilter::Active)
                    >
                        "Not closed or rejected"
                    </option>
                    {enum_options::<
                        Status,
                    >(
                        Some(
                            (move || {
                                query
                                    .with(|q| match q.status {
                                        StatusFilter::Is(s) => Some(s),
                                        _ => None,
                                    })
                            })
                                .into(),
                        ),
                    )}
                </SelectField>
                <SelectField
                    id="q-due"
                    label="Due"
                    on_change=move |v| {
                        let d = match v.as_str() {
                            "overdue" => Some(DueFilter::Overdue),
                            "soon" => Some(DueFilter::DueSoon),
                            _ => None,
                        };
                        set_query(Box::new(move |q| q.due = d));
                    }
                >
                    <option value="" selected=move || query.with(|q| q.due.is_none())>
                        "Any due date"
                    </option>
                    <option
                        value="overdue"
                        selected=move || query.with(|q| q.due == Some(DueFilter::Overdue))
                    >
                        "Overdue"
                    </option>
                    <option
                        value="soon"
                        selected=move || query.with(|q| q.due == Some(DueFilter::DueSoon))
                    >
                        "Due soon"
                    </option>
                </SelectField>
                <button
                    type="button"
                    class="more-filters-toggle"
                    aria-expanded=move || more_open.get().to_string()
                    aria-controls="more-filters"
                    on:click=move |_| more_open.update(|o| *o = !*o)
                >
                    {move || match more_active() {
                        0 => "More filters".to_owned(),
                        n => format!("More filters ({n} active)"),
                    }}
                </button>
                <div id="more-filters" class="more-filters" hidden=move || !more_open.get()>
                    <EnumSelect
                        id="q-source"
                        label="Source"
                        none="All sources"
                        selected=move || query.with(|q| q.source)
                        on_change=move |s| set_query(Box::new(move |q| q.source = s))
                    />
                    <SelectField
                        id="q-audit"
                        label="Audit"
                        on_change=move |v| {
                            set_query(Box::new(move |q| q.audit = (!v.is_empty()).then_some(v)))
                        }
                    >
                        <option value="" selected=move || query.with(|q| q.audit.is_none())>
                            "All audits"
                        </option>
                        {move || listed_options(
                            options.get().2,
                            move || query.with(|q| q.audit.clone()),
                        )}
                    </SelectField>
                    <SelectField
                        id="q-requirement"
                        label="Requirement"
                        on_change=move |v| {
                            set_query(
                                Box::new(move |q| {
                                    q.theme = v.strip_prefix("theme:").and_then(Theme::from_label);
                                    q.requirement = (!v.is_empty() && !v.starts_with("theme:"))
                                        .then_some(v);
                                }),
                            )
                        }
                    >
                        <option
                            value=""
                            selected=move || {
                                query.with(|q| q.requirement.is_none() && q.theme.is_none())
                            }
                        >
                            "All requirements"
                        </option>
                        <optgroup label="Annex A themes">
                            {Theme::ALL
                                .iter()
                                .map(|&t| {
                                    let label = format!("{} controls ({})", t.label(), t.section());
                                    view! {
                                        <option
                                            value=format!("theme:{}", t.label())
                                            selected=move || query.with(|q| q.theme == Some(t))
                                        >
                                            {label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </optgroup>
                        <optgroup label="Cited in this register">
                            {move || {
                                let mut cited = options.get().1;
                                if let Some(r) = query.with_untracked(|q| q.requirement.clone()) {
                                    if !r.is_empty() && !cited.contains(&r) {
                                        cited.insert(0, r);
                                    }
                                }
                                cited
                                    .into_iter()
                                    .map(|r| {
                                        let label = crate::ui::picker::describe(&r);
                                        let value = r.clone();
                                        // A clause from a dashboard link ("9") is offered
                                        // even when no finding cites it by that very key.
                                        view! {
                                            <option
                                                value=r
                                                selected=move || {
                                                    query.with(|q| q.requirement.as_deref() == Some(&value))
                                                }
                                            >
                                                {label}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </optgroup>
                    </SelectField>
                    <SelectField
                        id="q-owner"
                        label="Owner"
                        on_change=move |v| {
                            set_query(Box::new(move |q| q.owner = (!v.is_empty()).then_some(v)))
                        }
                    >
                        <option value="" selected=move || query.with(|q| q.owner.is_none())>
                            "All owners"
                        </option>
                        {move || {
                            listed_options(
                                options.get().0,
                                move || query.with(|q| q.owner.as_deref().map(normalise)),
                            )
                        }}
                    </SelectField>
                    <SortBy query=query />
                </div>
            </form>
            <ActiveFilters query=query page=page audits=Signal::derive(move || options.get().2) />
            <p class="counts" role="status" aria-live="polite">
                {move || {
                    let c = table.with(|t| t.counts.clone());
                    format!("Showing {} of {} findings", c.shown, c.total)
                }}
            </p>
            <FindingsTable register=rid.get_value() table=table query=query />
            <Pager table=table page=page />
        </section>
    }
}

/// Options found in the register, as (value, text): audits are chosen by
/// id but read by title. `chosen` is the query's value; an owner is
/// compared folded, as the filter matches it.
fn listed_options(
    values: Vec<(String, String)>,
    chosen: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    values
        .into_iter()
        .map(|(value, text)| {
            let this = value.clone();
            let selected =
                move || chosen().is_some_and(|c| c == this || normalise(&c) == normalise(&this));
            view! {
                <option value=value selected=selected>
                    {text}
                </option>
            }
        })
        .collect_view()
}

/// How many of the filters behind "More filters" are set.
fn more_filters_set(q: &Query) -> usize {
    [
        q.source.is_some(),
        q.audit.is_some(),
        q.requirement.is_some() || q.theme.is_some(),
        q.owner.is_some(),
    ]
    .into_iter()
    .filter(|on| *on)
    .count()
}

/// The sort as a control of its own: on a phone the table's headers,
/// which sort on a desktop, are not shown.
#[component]
fn SortBy(query: RwSignal<Query>) -> impl IntoView {
    view! {
        <SelectField
            id="q-sort"
            label="Sort by"
            on_change=move |v| {
                if let Some(key) = SortKey::from_code(&v) {
                    query.update(|q| q.sort = key);
                }
            }
        >
            {SortKey::ALL
                .iter()
                .map(|&key| {
                    view! {
                        <option value=key.code() selected=move || query.with(|q| q.sort == key)>
                            {key.label()}
                        </option>
                    }
                })
                .collect_view()}
        </SelectField>
        <div class="field check">
            <label>
                <input
                    type="checkbox"
                    prop:checked=move || query.with(|q| q.descending)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        query.update(|q| q.descending = on);
                    }
                />
                " Reverse order"
            </label>
        </div>
    }
}

/// Removes one filter from a query.
type Unset = fn(&mut Query);

/// Every filter in force, each named with a button to remove it, so the
/// table says what it is showing: those of the bar, those behind "More
/// filters" and those only a dashboard link sets (a clock, an age, a
/// month). The search text is not one: it stands in its box.
#[component]
fn ActiveFilters(
    query: RwSignal<Query>,
    page: RwSignal<usize>,
    audits: Signal<Vec<(String, String)>>,
) -> impl IntoView {
    let chips = move || {
        let q = query.get();
        let due = |d: DueFilter| match d {
            DueFilter::Overdue => "overdue",
            DueFilter::DueSoon => "due soon",
        };
        let mut chips: Vec<(String, Unset)> = Vec::new();
        if let Some(g) = q.grade {
            chips.push((format!("Grade: {}", g.label()), |q| q.grade = None));
        }
        match q.status {
            StatusFilter::Any => {}
            StatusFilter::Active => chips.push(("Not closed or rejected".to_owned(), |q| {
                q.status = StatusFilter::Any
            })),
            StatusFilter::Is(s) => chips.push((format!("Status: {}", s.label()), |q| {
                q.status = StatusFilter::Any
            })),
        }
        if let Some(d) = q.due {
            chips.push((
                match d {
                    DueFilter::Overdue => "Overdue".to_owned(),
                    DueFilter::DueSoon => "Due soon".to_owned(),
                },
                |q| q.due = None,
            ));
        }
        if let Some(s) = q.source {
            chips.push((format!("Source: {}", s.label()), |q| q.source = None));
        }
        if let Some(a) = q.audit.clone() {
            let title = audits.with(|list| {
                list.iter()
                    .find(|(id, _)| *id == a)
                    .map(|(_, t)| t.clone())
                    .unwrap_or(a)
            });
            chips.push((format!("Audit: {title}"), |q| q.audit = None));
        }
        if let Some(t) = q.theme {
            chips.push((format!("{} controls", t.label()), |q| q.theme = None));
        }
        if let Some(r) = q.requirement.clone() {
            chips.push((format!("Requirement: {r}"), |q| q.requirement = None));
        }
        if let Some(o) = q.owner.clone() {
            chips.push((format!("Owner: {o}"), |q| q.owner = None));
        }
        if let Some(d) = q.plan_due {
            chips.push((format!("Action plan {}", due(d)), |q| q.plan_due = None));
        }
        if let Some(d) = q.close_due {
            chips.push((format!("Closing {}", due(d)), |q| q.close_due = None));
        }
        if let Some(d) = q.action_due {
            chips.push((format!("Corrective action {}", due(d)), |q| {
                q.action_due = None
            }));
        }
        if let Some(d) = q.follow_up_due {
            chips.push((format!("Follow-up {}", due(d)), |q| q.follow_up_due = None));
        }
        if let Some(a) = q.age {
            chips.push((format!("Detected: {}", a.label().to_lowercase()), |q| {
                q.age = None
            }));
        }
        if let Some(m) = q.opened {
            chips.push((format!("Detected in {}", m.code()), |q| q.opened = None));
        }
        if let Some(m) = q.closed {
            chips.push((format!("Closed in {}", m.code()), |q| q.closed = None));
        }
        if let Some(c) = q.cause {
            chips.push((format!("Cause: {}", c.label()), |q| q.cause = None));
        }
        if let Some(a) = q.area.clone() {
            chips.push((format!("Area: {a}"), |q| q.area = None));
        }
        if q.include_deleted {
            chips.push(("Deleted findings included".to_owned(), |q| {
                q.include_deleted = false
            }));
        }
        chips
    };
    let clear_all = move |_| {
        query.update(|q| {
            *q = Query {
                text: std::mem::take(&mut q.text),
                sort: q.sort,
                descending: q.descending,
                ..Query::default()
            }
        });
        page.set(0);
    };
    view! {
        <Show when=move || !chips().is_empty()>
            <ul class="filter-chips" aria-label="Active filters">
                {move || {
                    chips()
                        .into_iter()
                        .map(|(text, clear)| {
                            let name = format!("Remove filter: {text}");
                            // Named by its content, not aria-label: a label
                            // "…Grade: Major" would also answer to the Grade
                            // select's label for anyone finding controls by
                            // label, as assistive technology and tests do.
                            view! {
                                <li>
                                    {text}
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            query.update(clear);
                                            page.set(0);
                                        }
                                    >
                                        <span class="visually-hidden">{name}</span>
                                        <span aria-hidden="true">"×"</span>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
                <Show when=move || { chips().len() > 1 }>
                    <li class="clear-all">
                        <button type="button" on:click=clear_all>
                            "Clear all filters"
                        </button>
                    </li>
                </Show>
            </ul>
        </Show>
    }
}

#[component]
fn FindingsTable(
    register: String,
    table: Memo<TableView>,
    query: RwSignal<Query>,
) -> impl IntoView {
    let rid = StoredValue::new(register);
    let columns = [
        SortKey::Reference,
        SortKey::Title,
        SortKey::Grade,
        SortKey::Status,
        SortKey::Requirement,
        SortKey::Owner,
        SortKey::Due,
        SortKey::Age,
    ];
    let header = move |key: SortKey| {
        let aria = move || {
            query.with(|q| {
                if q.sort != key {
                    "none"
                } else if q.descending {
                    "descending"
                } else {
                    "ascending"
                }
            })
        };
        let click = move |_| {
            query.update(|q| {
                if q.sort == key {
                    q.descending = !q.descending;
                } else {
                    q.sort = key;
                    q.descending = false;
                }
            })
        };
        view! {
            <th scope="col" aria-sort=aria>
                <button type="button" class="sort" on:click=click>
                    {key.label()}
                </button>
            </th>
        }
    };
    view! {
        <div class="table-wrap">
            <table class="findings">
                <caption class="visually-hidden">"Findings"</caption>
                <thead>
                    <tr>{columns.into_iter().map(header).collect_view()}</tr>
                </thead>
                <tbody>
                    <For
                        each=move || table.get().rows
                        key=|row| (
                            row.id.clone(),
                            row.reference.clone(),
                            row.title.clone(),
                            row.status,
                            row.grade,
                            row.owner.clone(),
                            row.requirement.clone(),
                            row.deadlines.clone(),
                            row.conflicted,
                        )
                        children=move |row| {
                            let href = Route::Finding(rid.get_value(), row.id.clone()).href();
                            let deadlines = deadline_list(&row.deadlines);
                            let title = if row.title.is_empty() {
                                "(untitled)".to_string()
                            } else {
                                row.title.clone()
                            };
                            let target = Route::Finding(rid.get_value(), row.id.clone());
                            view! {
                                <tr
                                    class:conflicted=row.conflicted
                                    on:click=move |ev| {
                                        if opens_row(&ev) {
                                            target.go();
                                        }
                                    }
                                >
                                    <td class="c-ref">
                                        <a href=href id=screen::row_anchor(&row.id)>
                                            {row.reference.clone()}
                                        </a>
                                        {row
                                            .conflicted
                                            .then(|| {
                                                view! {
                                                    <span class="badge badge-conflict">"Conflict"</span>
                                                }
                                            })}
                                    </td>
                                    <td class="c-title">{title}</td>
                                    <td class="c-grade">{grade_badge(row.grade)}</td>
                                    <td class="c-status">{row.status.label()}</td>
                                    <td class="c-requirement" data-label="Requirement">
                                        {row.requirement.clone()}
                                    </td>
                                    <td class="c-owner" data-label="Owner">
                                        {row.owner.clone()}
                                    </td>
                                    <td class="c-due">{deadlines}</td>
                                    <td class="c-age" data-label="Age">
                                        {row.age.clone()}
                                    </td>
                                </tr>
                            }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}

/// Whether a click on a row opens its finding: the whole row is the
/// target for a pointer (the reference's link stays the keyboard's way
/// in), but a click on a link or button inside does its own thing, a
/// modified click is the browser's (the link opens a new tab), and a
/// drag that selected text is someone copying, not opening.
fn opens_row(ev: &web_sys::MouseEvent) -> bool {
    use wasm_bindgen::JsCast;
    if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
        return false;
    }
    let inside_control = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| {
            e.closest("a, button, input, select, textarea")
                .ok()
                .flatten()
        })
        .is_some();
    let selecting = window()
        .get_selection()
        .ok()
        .flatten()
        .is_some_and(|s| !s.is_collapsed());
    !inside_control && !selecting
}

/// The Due cell: each running deadline on its own line, named, with its
/// date and, when it presses, its own badge, so a date never stands beside
/// another deadline's state.
fn deadline_list(items: &[(&'static str, String, DueState)]) -> impl IntoView {
    (!items.is_empty()).then(|| {
        let items = items
            .iter()
            .map(|(what, date, state)| {
                let badge = match state {
                    DueState::Overdue { .. } => Some("badge badge-overdue"),
                    DueState::DueSoon { .. } => Some("badge badge-soon"),
                    _ => None,
                };
                let text = state.to_string();
                view! {
                    <li>
                        <span class="clock-name">{*what}</span>
                        " "
                        <span class="due-date">{date.clone()}</span>
                        // A space, so the state is read as a word of its own.
                        {badge
                            .map(|class| {
                                view! {
                                    " "
                                    <span class=class>{text}</span>
                                }
                            })}
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="clocks deadlines">{items}</ul> }
    })
}

#[component]
fn Pager(table: Memo<TableView>, page: RwSignal<usize>) -> impl IntoView {
    let pages = move || table.with(|t| t.pages);
    // Named rather than written inline: leptosfmt reads the `>` of an
    // inline `>=` as the end of the tag, which once left the button
    // always disabled and showing the rest of the tag as its text.
    let on_last = move || page.get() + 1 >= pages();
    view! {
        <Show when=move || { pages() > 1 }>
            <nav class="pager" aria-label="Pages">
                <button
                    type="button"
                    disabled=move || page.get() == 0
                    on:click=move |_| page.update(|p| *p = p.saturating_sub(1))
                >
                    "Previous page"
                </button>
                <span>
                    {move || format!("Page {} of {}", page.get().min(pages() - 1) + 1, pages())}
                </span>
                <button type="button" disabled=on_last on:click=move |_| page.update(|p| *p += 1)>
                    "Next page"
                </button>
            </nav>
        </Show>
    }
}
