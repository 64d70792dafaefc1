//! The lifecycle of records around the findings: a finding page's
//! discard, delete and restore controls, the deleted findings
//! (`#/r/<id>/deleted`), and the register's details and audits
//! (`#/r/<id>/details`). The rules are the core's intents; these only
//! collect what the person types and show refusals next to the control.

use chrono::{DateTime, Local};
use leptos::prelude::*;

use crate::ui::route::Route;
use crate::ui::screen;
use crate::ui::state::{new_id, use_store};
use crate::ui::widgets::{header_row, BoundText, EnumSelect, IsoDateInput, RegisterInfoFields};
use ncr_core::document::NewRegister;
use ncr_core::model::{Audit, Source};
use ncr_core::validate::parse_date;

/// The links from the register's screens to its deleted findings and to
/// its details and audits.
#[component]
pub fn RecordLinks(register: String) -> impl IntoView {
    let store = use_store();
    let deleted = move || {
        store
            .with_findings(|d| d.findings().values().filter(|f| f.deleted).count())
            .unwrap_or_default()
    };
    view! {
        <nav class="record-links" aria-label="Register records">
            <a href=Route::Details(register.clone()).href()>"Register details and audits"</a>
            <a href=Route::Deleted(register)
                .href()>{move || format!("Deleted findings ({})", deleted())}</a>
        </nav>
    }
}

/// On a finding's page: "Discard this new finding" while it is a draft,
/// "Delete finding…" with its reason otherwise, and for a deleted finding
/// why it was deleted and "Restore finding".
#[component]
pub fn FindingRecordControls(register: String, finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let rid = StoredValue::new(register);
    // (draft, deleted, reason, reference)
    let state = Memo::new(move |_| {
        store
            .with_finding(&fid.get_value(), |d| {
                d.finding(&fid.get_value()).map(|f| {
                    (
                        d.is_draft(&f.id),
                        f.deleted,
                        f.deletion_reason.clone(),
                        f.reference.clone(),
                    )
                })
            })
            .flatten()
    });
    // Leaving a new finding nobody typed into discards it. After the
    // screen's own cleanup, which commits any text still in a draft (that
    // commit makes the finding touched, so it is kept).
    on_cleanup(move || {
        let id = fid.get_value();
        set_timeout(
            move || store.discard_if_untouched(&id),
            std::time::Duration::ZERO,
        );
    });
    let asking = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let discard = move |_| match store.discard_finding(&fid.get_value()) {
        Ok(()) => {
            store.info("The new finding was discarded.");
            screen::table_of(&rid.get_value()).go();
        }
        Err(e) => error.set(e),
    };
    let delete = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match store.delete_finding(&fid.get_value(), &reason.get_untracked()) {
            Ok(()) => {
                let reference = state.get_untracked().map(|s| s.3).unwrap_or_default();
                store.info(format!(
                    "{reference} was deleted. It is listed under Deleted findings, where it can be restored."
                ));
                asking.set(false);
                reason.set(String::new());
                error.set(String::new());
            }
            Err(e) => error.set(e),
        }
    };
    let restore = move |_| match store.restore_finding(&fid.get_value()) {
        Ok(()) => {
            error.set(String::new());
            store.info("The finding was restored.");
        }
        Err(e) => error.set(e),
    };
    view! {
        <section class="panel record-controls" aria-labelledby="record-title">
            <h3 id="record-title">"This record"</h3>
            {move || {
                let Some((draft, deleted, why, _)) = state.get() else {
                    return ().into_any();
                };
                if deleted {
                    view! {
                        <p class="deleted-note">
                            <strong>"This finding is deleted. "</strong>
                            {format!("Reason: {why}")}
                        </p>
                        <button type="button" on:click=restore>
                            "Restore finding"
                        </button>
                    }
                        .into_any()
                } else if draft {
                    view! {
                        <p class="help" id="discard-help">
                            "A new finding is a draft until it has a title: you can discard it without a trace."
                        </p>
                        <button type="button" aria-describedby="discard-help" on:click=discard>
                            "Discard this new finding"
                        </button>
                    }
                        .into_any()
                } else if asking.get() {
                    view! {
                        <form class="stack" on:submit=delete>
                            <label for="deletion-reason">"Reason for deletion"</label>
                            <textarea
                                id="deletion-reason"
                                rows="3"
                                required
                                aria-describedby="deletion-help"
                                prop:value=move || reason.get()
                                on:input=move |ev| reason.set(event_target_value(&ev))
                            ></textarea>
                            <p class="help" id="deletion-help">
                                "The finding leaves the table, dashboard and exports; the reason, who and when stay in its history, and it can be restored."
                            </p>
                            <div class="actions">
                                <button type="submit" class="primary">
                                    "Confirm deletion"
                                </button>
                                <button
                                    type="button"
                                    on:click=move |_| {
                                        asking.set(false);
                                        error.set(String::new());
                                    }
                                >
                                    "Cancel"
                                </button>
                            </div>
                        </form>
                    }
                        .into_any()
                } else {
                    view! {
                        <button
                            type="button"
                            on:click=move |_| {
                                asking.set(true);
                                focus_later("deletion-reason");
                            }
                        >
                            "Delete finding…"
                        </button>
                    }
                        .into_any()
                }
            }}
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
        </section>
    }
}

/// Moves focus to `id` once it is drawn.
fn focus_later(id: &'static str) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(el) = document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// A device time in the history's format.
fn local_time(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "Unknown time".into())
}

#[derive(Debug, Clone, PartialEq)]
struct DeletedRow {
    id: String,
    reference: String,
    title: String,
    reason: String,
    by: String,
    when: String,
}

/// The deleted findings, each with why, who and when, and "Restore".
#[component]
pub fn DeletedScreen(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let rows = Memo::new(move |_| {
        store
            .with_findings(|d| {
                let deletions = d.deletions();
                let mut rows: Vec<DeletedRow> = d
                    .findings()
                    .values()
                    .filter(|f| f.deleted)
                    .map(|f| {
                        let who = deletions.get(&f.id);
                        DeletedRow {
                            id: f.id.clone(),
                            reference: f.reference.clone(),
                            title: f.title.clone(),
                            reason: f.deletion_reason.clone(),
                            by: who.map(|w| w.by.clone()).unwrap_or_default(),
                            when: who.map(|w| local_time(w.at)).unwrap_or_default(),
                        }
                    })
                    .collect();
                rows.sort_by(|a, b| b.when.cmp(&a.when).then(a.reference.cmp(&b.reference)));
                rows
            })
            .unwrap_or_default()
    });
    let error = RwSignal::new(String::new());
    let back = screen::table_of(&rid.get_value()).href();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=back>"Back to register"</a>
        </nav>
        <section class="panel" aria-labelledby="deleted-title">
            <h2 id="deleted-title">"Deleted findings"</h2>
            <p class="help">
                "Deleted findings stay in the register's file, out of the table, dashboard and exports. Restoring one brings it back as it was."
            </p>
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
            {move || {
                let rows = rows.get();
                if rows.is_empty() {
                    return view! { <p>"No finding of this register is deleted."</p> }.into_any();
                }
                view! {
                    <div class="table-wrap">
                        <table class="deleted-table">
                            <caption class="visually-hidden">"Deleted findings"</caption>
                            <thead>
                                {header_row(
                                    &[
                                        "Reference",
                                        "Title",
                                        "Reason",
                                        "Deleted by",
                                        "Deleted on",
                                        "Action",
                                    ],
                                )}
                            </thead>
                            <tbody>
                                {rows
                                    .into_iter()
                                    .map(|row| {
                                        let href = Route::Finding(rid.get_value(), row.id.clone())
                                            .href();
                                        let id = row.id.clone();
                                        let label = format!("Restore {}", row.reference);
                                        let title = if row.title.trim().is_empty() {
                                            "(untitled)".to_owned()
                                        } else {
                                            row.title
                                        };
                                        view! {
                                            <tr>
                                                <th scope="row">
                                                    <a href=href>{row.reference}</a>
                                                </th>
                                                <td>{title}</td>
                                                <td>{row.reason}</td>
                                                <td>{row.by}</td>
                                                <td>{row.when}</td>
                                                <td>
                                                    <button
                                                        type="button"
                                                        aria-label=label
                                                        on:click=move |_| {
                                                            match store.restore_finding(&id) {
                                                                Ok(()) => {
                                                                    error.set(String::new());
                                                                    store.info("The finding was restored.");
                                                                }
                                                                Err(e) => error.set(e),
                                                            }
                                                        }
                                                    >
                                                        "Restore"
                                                    </button>
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

/// The register's name, organisation and scope, then its audits.
#[component]
pub fn DetailsScreen(register: String) -> impl IntoView {
    let store = use_store();
    let rid = StoredValue::new(register);
    let open = Memo::new(move |_| store.with_register(|d| d.id() == rid.get_value()) == Some(true));
    let back = screen::table_of(&rid.get_value()).href();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=back>"Back to register"</a>
        </nav>
        <h2 id="details-title">"Register details and audits"</h2>
        {move || {
            if open.get() {
                view! {
                    <RegisterDetails />
                    <Audits />
                }
                    .into_any()
            } else {
                view! { <p role="status">"Opening register…"</p> }.into_any()
            }
        }}
    }
}

#[component]
fn RegisterDetails() -> impl IntoView {
    let store = use_store();
    let (name, organisation, scope) = store
        .with_doc_untracked(|d| d.info())
        .flatten()
        .map(|i| (i.name, i.organisation, i.scope))
        .unwrap_or_default();
    let name = RwSignal::new(name);
    let organisation = RwSignal::new(organisation);
    let scope = RwSignal::new(scope);
    let error = RwSignal::new(String::new());
    let done = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewRegister {
            name: name.get_untracked(),
            organisation: organisation.get_untracked(),
            scope: scope.get_untracked(),
        };
        match store.update_register_info(new) {
            Ok(()) => {
                error.set(String::new());
                done.set("Register details saved.".into());
            }
            Err(e) => {
                done.set(String::new());
                error.set(e);
            }
        }
    };
    view! {
        <section class="panel" aria-labelledby="register-details-title">
            <h3 id="register-details-title">"Register details"</h3>
            <form class="stack" on:submit=save>
                <RegisterInfoFields prefix="details" name organisation scope />
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <p role="status">{move || done.get()}</p>
                <button type="submit" class="primary">
                    "Save register details"
                </button>
            </form>
        </section>
    }
}

/// The register's audits, and a form that adds one or edits the one chosen.
#[component]
fn Audits() -> impl IntoView {
    let store = use_store();
    let audits = Memo::new(move |_| {
        store
            .with_register(|d| {
                let mut list: Vec<Audit> = d.audits().into_values().collect();
                list.sort_by(|a, b| {
                    b.starts_on
                        .cmp(&a.starts_on)
                        .then_with(|| a.title.cmp(&b.title))
                });
                list
            })
            .unwrap_or_default()
    });
    // The audit being edited; `None` adds a new one.
    let editing = RwSignal::new(None::<String>);
    let title = RwSignal::new(String::new());
    let kind = RwSignal::new(Source::InternalAudit);
    let starts = RwSignal::new(String::new());
    let ends = RwSignal::new(String::new());
    let lead = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let done = RwSignal::new(String::new());
    let reset = move || {
        editing.set(None);
        title.set(String::new());
        kind.set(Source::InternalAudit);
        starts.set(String::new());
        ends.set(String::new());
        lead.set(String::new());
        scope.set(String::new());
        error.set(String::new());
    };
    let edit = move |a: Audit| {
        editing.set(Some(a.id));
        title.set(a.title);
        kind.set(a.kind);
        starts.set(a.starts_on.map(|d| d.to_string()).unwrap_or_default());
        ends.set(a.ends_on.map(|d| d.to_string()).unwrap_or_default());
        lead.set(a.lead_auditor);
        scope.set(a.scope);
        error.set(String::new());
        done.set(String::new());
        focus_later("audit-title");
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let dates = parse_date("Audit start", &starts.get_untracked())
            .and_then(|s| parse_date("Audit end", &ends.get_untracked()).map(|e| (s, e)));
        let (starts_on, ends_on) = match dates {
            Ok(d) => d,
            Err(e) => {
                error.set(e.to_string());
                return;
            }
        };
        let adding = editing.get_untracked().is_none();
        let audit = Audit {
            id: editing.get_untracked().unwrap_or_else(new_id),
            title: title.get_untracked(),
            kind: kind.get_untracked(),
            starts_on,
            ends_on,
            lead_auditor: lead.get_untracked(),
            scope: scope.get_untracked(),
        };
        let name = audit.title.trim().to_owned();
        match store.put_audit(audit) {
            Ok(()) => {
                reset();
                done.set(if adding {
                    format!("Audit “{name}” added.")
                } else {
                    format!("Audit “{name}” saved.")
                });
            }
            Err(e) => {
                done.set(String::new());
                error.set(e);
            }
        }
    };
    let shown_kind = move || Some(kind.get());
    let set_kind = move |k: Option<Source>| {
        if let Some(k) = k {
            kind.set(k);
        }
    };
    view! {
        <section class="panel" aria-labelledby="audits-title">
            <h3 id="audits-title">"Audits"</h3>
            <p class="help">"A finding's Audit field offers these."</p>
            {move || {
                let list = audits.get();
                if list.is_empty() {
                    return view! { <p>"No audit yet."</p> }.into_any();
                }
                view! {
                    <ul class="audit-list">
                        {list
                            .into_iter()
                            .map(|a| {
                                let dates = match (a.starts_on, a.ends_on) {
                                    (Some(s), Some(e)) if s == e => s.to_string(),
                                    (Some(s), Some(e)) => format!("{s} to {e}"),
                                    (Some(s), None) => format!("from {s}"),
                                    (None, Some(e)) => format!("until {e}"),
                                    (None, None) => "no dates".into(),
                                };
                                let lead = if a.lead_auditor.is_empty() {
                                    String::new()
                                } else {
                                    format!(" · lead auditor {}", a.lead_auditor)
                                };
                                let label = format!("Edit audit {}", a.title);
                                let summary = format!("{} · {dates}{lead}", a.kind.label());
                                let heading = a.title.clone();
                                view! {
                                    <li>
                                        <strong>{heading}</strong>
                                        " "
                                        <span class="muted">{summary}</span>
                                        " "
                                        <button
                                            type="button"
                                            aria-label=label
                                            on:click=move |_| edit(a.clone())
                                        >
                                            "Edit"
                                        </button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <form class="stack audit-form" on:submit=save aria-labelledby="audit-form-title">
                <h4 id="audit-form-title">
                    {move || if editing.get().is_some() { "Edit audit" } else { "Add an audit" }}
                </h4>
                <BoundText id="audit-title" label="Audit title" value=title required=true />
                <EnumSelect
                    id="audit-kind"
                    label="Kind of audit"
                    selected=shown_kind
                    on_change=set_kind
                />
                <label for="audit-starts">"Starts on"</label>
                <IsoDateInput
                    id="audit-starts"
                    value=starts
                    on_change=Callback::new(move |text| starts.set(text))
                />
                <label for="audit-ends">"Ends on"</label>
                <IsoDateInput
                    id="audit-ends"
                    value=ends
                    on_change=Callback::new(move |text| ends.set(text))
                />
                <BoundText id="audit-lead" label="Lead auditor" value=lead />
                <BoundText id="audit-scope" label="Audit scope" value=scope multiline=true />
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <p role="status">{move || done.get()}</p>
                <div class="actions">
                    <button type="submit" class="primary">
                        {move || if editing.get().is_some() { "Save audit" } else { "Add audit" }}
                    </button>
                    <Show when=move || editing.get().is_some()>
                        <button type="button" on:click=move |_| reset()>
                            "Cancel editing"
                        </button>
                    </Show>
                </div>
            </form>
        </section>
    }
}
