//! A finding's page: its detail and the form, which saves every field as it
//! is edited. Typed text is written to a local draft on every keystroke and
//! committed to the document after a short pause or when the field loses
//! focus, so nothing is lost if the tab closes and the history records edits,
//! not keystrokes.

use std::time::Duration;

use chrono::NaiveDate;

use leptos::prelude::*;

use crate::platform::profile::{self, Draft};
use crate::ui::conflicts::ConflictPanel;
use crate::ui::history::HistoryPanel;
use crate::ui::integrity::AttentionPanel;
use crate::ui::lifecycle::LifecyclePanels;
use crate::ui::picker::RequirementPicker;
use crate::ui::route::Route;
use crate::ui::state::{today, use_store, Store};
use crate::ui::widgets::{EnumSelect, SelectField};
use ncr_core::deadlines;
use ncr_core::fields::get_text;
use ncr_core::model::Finding;
use ncr_core::validate;

const COMMIT_AFTER: Duration = Duration::from_millis(600);

/// Reads one thing from the finding, reactively.
pub(crate) fn read<T>(
    store: Store,
    fid: StoredValue<String>,
    f: impl FnOnce(&Finding) -> T,
) -> Option<T> {
    store
        .with_doc(|d| d.finding(&fid.get_value()).map(f))
        .flatten()
}

#[component]
pub fn FindingScreen(register: String, finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    // A memo, so that an edit (a new document version) does not rebuild the
    // whole page and reset what its panels hold (an open history, a checklist).
    let exists =
        Memo::new(move |_| store.with_doc(|d| d.finding(&fid.get_value()).is_some()) == Some(true));
    let back = Route::Register(register.clone()).href();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=back>"Back to register"</a>
        </nav>
        {move || {
            if exists.get() {
                view! { <FindingDetail finding=fid.get_value() /> }.into_any()
            } else if store.ready.get() {
                view! {
                    <section class="panel">
                        <h2>"Finding not found"</h2>
                        <p>"This register has no such finding in this browser."</p>
                    </section>
                }
                    .into_any()
            } else {
                view! { <p role="status">"Opening…"</p> }.into_any()
            }
        }}
    }
}

#[component]
fn FindingDetail(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let value_of = move |f: fn(&Finding) -> String| read(store, fid, f).unwrap_or_default();
    let heading = move || {
        let r = value_of(|f| f.reference.clone());
        let t = value_of(|f| f.title.clone());
        if t.is_empty() {
            format!("{r} (untitled)")
        } else {
            format!("{r} {t}")
        }
    };
    let clocks = move || {
        store
            .with_doc(|d| {
                let f = d.finding(&fid.get_value())?;
                let settings = d.settings();
                let t = today();
                let plan = deadlines::plan_due(f, &settings);
                let close = deadlines::close_due(f, &settings);
                Some((
                    f.status.label(),
                    plan.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
                    deadlines::plan_state(f, &settings, t).to_string(),
                    close.map(|p| p.to_string()).unwrap_or_else(|| "—".into()),
                    deadlines::close_state(f, &settings, t).to_string(),
                    deadlines::age_days(f, t)
                        .map(|a| format!("{a} days"))
                        .unwrap_or_else(|| "—".into()),
                ))
            })
            .flatten()
    };
    view! {
        <article class="finding" aria-labelledby="finding-title">
            <h2 id="finding-title">{heading}</h2>
            {move || {
                clocks()
                    .map(|(status, plan, plan_state, close, close_state, age)| {
                        view! {
                            <dl class="facts">
                                <div>
                                    <dt>"Status"</dt>
                                    <dd>{status}</dd>
                                </div>
                                <div>
                                    <dt>"Plan due"</dt>
                                    <dd>{plan} " · " {plan_state}</dd>
                                </div>
                                <div>
                                    <dt>"Close due"</dt>
                                    <dd>{close} " · " {close_state}</dd>
                                </div>
                                <div>
                                    <dt>"Age"</dt>
                                    <dd>{age}</dd>
                                </div>
                            </dl>
                        }
                    })
            }}
            <AttentionPanel finding=fid.get_value() />
            <ConflictPanel finding=fid.get_value() />
            <FindingForm finding=fid.get_value() />
            <LifecyclePanels finding=fid.get_value() />
            <HistoryPanel finding=fid.get_value() />
        </article>
    }
}

/// The finding form: each control saves itself.
#[component]
pub fn FindingForm(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let audits = move || {
        store
            .with_doc(|d| {
                d.audits()
                    .into_values()
                    .map(|a| (a.id, a.title))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let value_of = move |f: fn(&Finding) -> String| read(store, fid, f).unwrap_or_default();
    let set = move |edit: Box<dyn FnOnce(&mut Finding)>| {
        if let Err(e) = store.update_finding(&fid.get_value(), edit) {
            store.error(e.to_string());
        }
    };
    view! {
        <form class="finding-form" on:submit=|ev| ev.prevent_default()>
            <TextField finding=fid.get_value() field="title" label="Title" />
            <TextField finding=fid.get_value() field="statement" label="Statement" multiline=true />
            <TextField finding=fid.get_value() field="evidence" label="Evidence" multiline=true />
            <RequirementPicker finding=fid.get_value() />
            <div class="row">
                <EnumSelect
                    id="f-grade"
                    label="Grade"
                    selected=move || read(store, fid, |f| f.grade)
                    on_change=move |g| {
                        if let Some(g) = g {
                            set(Box::new(move |f| f.grade = g));
                        }
                    }
                />
                <EnumSelect
                    id="f-source"
                    label="Source"
                    selected=move || read(store, fid, |f| f.source)
                    on_change=move |s| {
                        if let Some(s) = s {
                            set(Box::new(move |f| f.source = s));
                        }
                    }
                />
                <SelectField
                    id="f-audit"
                    label="Audit"
                    on_change=move |v| set(Box::new(move |f| f.audit = v))
                >
                    <option value="" selected=move || value_of(|f| f.audit.clone()).is_empty()>
                        "None"
                    </option>
                    {move || {
                        audits()
                            .into_iter()
                            .map(|(id, title)| {
                                let key = id.clone();
                                view! {
                                    <option
                                        value=id
                                        selected=move || value_of(|f| f.audit.clone()) == key
                                    >
                                        {title}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </SelectField>
            </div>
            <div class="row">
                <TextField finding=fid.get_value() field="area" label="Area" />
                <DateField
                    finding=fid.get_value()
                    date=DateSlot::DetectedOn
                    label="Detected on"
                    id="f-detected"
                />
            </div>
            <div class="row">
                <TextField finding=fid.get_value() field="raised_by" label="Raised by" />
                <TextField finding=fid.get_value() field="owner" label="Owner" />
                <EnumSelect
                    id="f-cause"
                    label="Cause category"
                    none="Not yet known"
                    selected=move || read(store, fid, |f| f.cause).flatten()
                    on_change=move |c| set(Box::new(move |f| f.cause = c))
                />
            </div>
        </form>
    }
}

/// A text input or textarea bound to one field of a finding. Shows the
/// local buffer while the person is typing so a commit (or a change arriving
/// from another tab) never moves the caret.
#[component]
pub fn TextField(
    finding: String,
    /// A name known to `fields::get_text`/`set_text`; a String because
    /// corrective actions' fields carry the action's id.
    #[prop(into)]
    field: String,
    label: &'static str,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let input_id = format!("f-{field}");
    let error_id = format!("f-{field}-error");
    let field = StoredValue::new(field);
    let buffer = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let timer = StoredValue::new_local(None::<TimeoutHandle>);
    let stored = move || {
        store
            .with_doc(|d| {
                d.finding(&fid.get_value())
                    .map(|f| field.with_value(|n| get_text(f, n)))
            })
            .flatten()
            .unwrap_or_default()
    };
    let shown = move || buffer.get().unwrap_or_else(stored);
    // Runs from a timer and from `blur`, and a focused input that is
    // removed with its screen fires `blur` after the component is gone: so
    // every read here tolerates a disposed component (`try_*`).
    let commit = move || {
        if let Some(t) = timer.try_get_value().flatten() {
            t.clear();
        }
        let (Some(Some(value)), Some(id), Some(name)) = (
            buffer.try_get_untracked(),
            fid.try_get_value(),
            field.try_get_value(),
        ) else {
            return;
        };
        let register = store.with_doc_untracked(|d| d.id()).unwrap_or_default();
        let v = value.clone();
        let field_name = name.clone();
        match store.update_finding(&id, move |f| ncr_core::fields::set_text(f, &field_name, v)) {
            Ok(()) => {
                store.clear_draft_once_saved(
                    profile::draft_key_for(&register, &id, &name),
                    value.clone(),
                );
                error.try_set(None);
                if buffer.try_get_untracked().flatten().as_deref() == Some(value.as_str()) {
                    buffer.try_set(None);
                }
            }
            Err(e) => {
                error.try_set(Some(e.to_string()));
            }
        }
    };
    // Leaving the screen within the pause: the draft is committed now
    // rather than at the next start.
    {
        let id = fid.get_value();
        let name = field.get_value();
        on_cleanup(move || {
            if let Some(t) = timer.try_get_value().flatten() {
                t.clear();
            }
            store.commit_draft(&id, &name);
        });
    }
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        buffer.set(Some(value.clone()));
        let register = store.with_doc_untracked(|d| d.id()).unwrap_or_default();
        if let Err(e) = profile::save_draft(&Draft {
            register,
            finding: fid.get_value(),
            field: field.get_value(),
            value,
        }) {
            error.set(Some(format!("Could not keep a draft of this text: {e}")));
        }
        if let Some(t) = timer.get_value() {
            t.clear();
        }
        let handle = set_timeout_with_handle(commit, COMMIT_AFTER).ok();
        timer.set_value(handle);
    };
    let control = if multiline {
        view! {
            <textarea
                id=input_id.clone()
                rows="4"
                aria-describedby=error_id.clone()
                prop:value=shown
                on:input=on_input
                on:blur=move |_| commit()
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=input_id.clone()
                type="text"
                aria-describedby=error_id.clone()
                prop:value=shown
                on:input=on_input
                on:blur=move |_| commit()
            />
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=input_id>{label}</label>
            {control}
            <p id=error_id class="field-error" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// Which date of the finding a [`DateField`] edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateSlot {
    DetectedOn,
    Correction,
    ReviewDue,
    ReviewedOn,
    ActionDue(String),
    ActionDone(String),
}

impl DateSlot {
    fn get(&self, f: &Finding) -> Option<NaiveDate> {
        match self {
            DateSlot::DetectedOn => f.detected_on,
            DateSlot::Correction => f.correction.done_on,
            DateSlot::ReviewDue => f.review.due,
            DateSlot::ReviewedOn => f.review.reviewed_on,
            DateSlot::ActionDue(a) => f.actions.get(a).and_then(|a| a.due),
            DateSlot::ActionDone(a) => f.actions.get(a).and_then(|a| a.done_on),
        }
    }

    fn set(&self, f: &mut Finding, date: Option<NaiveDate>) {
        match self {
            DateSlot::DetectedOn => f.detected_on = date,
            DateSlot::Correction => f.correction.done_on = date,
            DateSlot::ReviewDue => f.review.due = date,
            DateSlot::ReviewedOn => f.review.reviewed_on = date,
            DateSlot::ActionDue(a) => {
                if let Some(a) = f.actions.get_mut(a) {
                    a.due = date;
                }
            }
            DateSlot::ActionDone(a) => {
                if let Some(a) = f.actions.get_mut(a) {
                    a.done_on = date;
                }
            }
        }
    }
}

/// A date input that saves when changed; a refused date (future, before
/// detection) is explained under it and not saved.
#[component]
pub fn DateField(
    finding: String,
    date: DateSlot,
    label: &'static str,
    #[prop(into)] id: String,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let slot = StoredValue::new(date);
    let error = RwSignal::new(None::<String>);
    let error_id = format!("{id}-error");
    let value = move || {
        read(store, fid, |f| slot.with_value(|s| s.get(f)))
            .flatten()
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let change =
        move |ev: leptos::ev::Event| match validate::parse_date(label, &event_target_value(&ev)) {
            Ok(date) => {
                let slot = slot.get_value();
                match store.update_finding(&fid.get_value(), move |f| slot.set(f, date)) {
                    Ok(()) => error.set(None),
                    Err(e) => error.set(Some(e.to_string())),
                }
            }
            Err(e) => error.set(Some(e.to_string())),
        };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                type="date"
                aria-describedby=error_id.clone()
                prop:value=value
                on:change=change
            />
            <p id=error_id class="field-error" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}
