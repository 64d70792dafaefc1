//! The controls of a finding's fields, drawn from the field schema
//! (`ncr_core::schema`): a section of the page asks for its fields and gets
//! each with the control its schema entry names, labelled as the entry
//! says. Every control saves itself. Typed text is written to a local draft
//! on every keystroke and committed to the document after a short pause or
//! when the field loses focus, so nothing is lost if the tab closes and the
//! history records edits, not keystrokes.

use std::time::Duration;

use leptos::prelude::*;

use crate::platform::profile::{self, Draft};
use crate::ui::state::{use_store, Store};
use crate::ui::widgets::{choice_select, IsoDateInput, SelectField};
use ncr_core::model::Finding;
use ncr_core::schema::{self, Editor, Field, Section, Value, Wild, WHY_STEPS};
use ncr_core::validate;

const COMMIT_AFTER: Duration = Duration::from_millis(600);

/// Reads one thing from the finding, reactively.
pub(crate) fn read<T>(
    store: Store,
    fid: StoredValue<String>,
    f: impl FnOnce(&Finding) -> T,
) -> Option<T> {
    store
        .with_finding(&fid.get_value(), |d| d.finding(&fid.get_value()).map(f))
        .flatten()
}

/// Draws a field whose schema entry leaves the control to the page
/// ([`Editor::Custom`]); gets the finding's id.
pub type Custom = fn(&'static Field, String) -> AnyView;

/// Every field the schema places in `section`, in the schema's order;
/// fields sharing a row number sit side by side.
#[component]
pub fn SectionFields(
    finding: String,
    section: Section,
    /// The key standing for the fields' wild step: a corrective action's id.
    #[prop(optional, into)]
    wild: String,
    #[prop(optional)] custom: Option<Custom>,
) -> impl IntoView {
    let mut shown: Vec<AnyView> = Vec::new();
    let mut row: Vec<AnyView> = Vec::new();
    let mut row_number = 0;
    let flush = |row: &mut Vec<AnyView>, shown: &mut Vec<AnyView>| {
        if !row.is_empty() {
            let fields = std::mem::take(row);
            shown.push(view! { <div class="row">{fields}</div> }.into_any());
        }
    };
    for field in schema::in_section(section) {
        // The five whys are one field with a control per step.
        let keys: Vec<String> = match field.wild {
            Wild::Step => WHY_STEPS.iter().map(|s| (*s).to_owned()).collect(),
            _ => vec![wild.clone()],
        };
        if field.row != row_number {
            flush(&mut row, &mut shown);
            row_number = field.row;
        }
        for key in keys {
            let Some(control) = control(field, finding.clone(), key, custom) else {
                continue;
            };
            if field.row == 0 {
                shown.push(control);
            } else {
                row.push(control);
            }
        }
    }
    flush(&mut row, &mut shown);
    shown
}

fn control(
    field: &'static Field,
    finding: String,
    wild: String,
    custom: Option<Custom>,
) -> Option<AnyView> {
    Some(match field.editor {
        Editor::Input | Editor::TextArea => view! { <TextField finding field wild /> }.into_any(),
        Editor::Date => view! { <DateField finding field wild /> }.into_any(),
        Editor::Select { none } => choice_field(finding, field, wild, none).into_any(),
        Editor::Suggest { none, options } => {
            suggest_field(finding, field, wild, none, options).into_any()
        }
        Editor::Custom => custom?(field, finding),
        Editor::None => return None,
    })
}

/// The id of a field's control: its key, which for a text field is also
/// the name of its draft.
fn control_id(field: &Field, wild: &str) -> String {
    format!("f-{}", field.key_for(wild))
}

/// Writes one field; a refusal is said beside its control (`error`),
/// where the person is, not in the notices at the top of the page.
fn save(
    store: Store,
    fid: StoredValue<String>,
    field: &'static Field,
    wild: String,
    value: Value,
    error: RwSignal<Option<String>>,
) {
    match store.update_finding(&fid.get_value(), move |f| {
        (field.set)(f, &wild, value);
    }) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(e.to_string())),
    }
}

/// The refusal of a select's last choice, under it and announced.
fn select_error(id: &str, error: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <p id=format!("{id}-error") class="field-error" role="alert">
            {move || error.get()}
        </p>
    }
}

/// A text input or textarea bound to one text field of a finding. Shows the
/// local buffer while the person is typing so a commit (or a change arriving
/// from another tab) never moves the caret.
#[component]
pub fn TextField(
    finding: String,
    field: &'static Field,
    /// The key standing for the field's wild step, if it has one.
    #[prop(optional, into)]
    wild: String,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let name = field.key_for(&wild);
    let label = field.label_for(&wild);
    let multiline = field.editor == Editor::TextArea;
    let input_id = control_id(field, &wild);
    let error_id = format!("{input_id}-error");
    let name = StoredValue::new(name);
    let buffer = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<String>);
    let timer = StoredValue::new_local(None::<TimeoutHandle>);
    // A memo: an edit of another field of this finding re-runs the read
    // but leaves this control alone unless its own value changed.
    let stored = Memo::new(move |_| {
        store
            .with_finding(&fid.get_value(), |d| {
                d.finding(&fid.get_value())
                    .map(|f| name.with_value(|n| schema::get_text(f, n)))
            })
            .flatten()
            .unwrap_or_default()
    });
    let shown = move || buffer.get().unwrap_or_else(|| stored.get());
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
            name.try_get_value(),
        ) else {
            return;
        };
        let register = store.with_doc_untracked(|d| d.id()).unwrap_or_default();
        let v = value.clone();
        let key = name.clone();
        match store.update_finding(&id, move |f| schema::set_text(f, &key, v)) {
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
        let name = name.get_value();
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
            field: name.get_value(),
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

/// A date input that saves when changed; a refused date (future, before
/// detection) is explained under it and not saved.
#[component]
pub fn DateField(
    finding: String,
    field: &'static Field,
    #[prop(optional, into)] wild: String,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let id = control_id(field, &wild);
    let label = field.label_for(&wild);
    let error = RwSignal::new(None::<String>);
    let error_id = format!("{id}-error");
    let wild = StoredValue::new(wild);
    let value = Memo::new(move |_| {
        let date = read(store, fid, |f| wild.with_value(|w| (field.get)(f, w))).flatten();
        match date {
            Some(Value::Date(Some(d))) => d.to_string(),
            _ => String::new(),
        }
    });
    let name = label.clone();
    let change = move |text: String| match validate::parse_date(&name, &text) {
        Ok(date) => {
            let w = wild.get_value();
            let set = move |f: &mut Finding| {
                (field.set)(f, &w, Value::Date(date));
            };
            match store.update_finding(&fid.get_value(), set) {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(e.to_string())),
            }
        }
        Err(e) => error.set(Some(e.to_string())),
    };
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <IsoDateInput
                id=id
                value=value
                on_change=Callback::new(change)
                described_by=error_id.clone()
            />
            <p id=error_id class="field-error" role="alert">
                {move || error.get()}
            </p>
        </div>
    }
}

/// A select of a choice field's values.
fn choice_field(
    finding: String,
    field: &'static Field,
    wild: String,
    none: Option<&'static str>,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let id = control_id(field, &wild);
    let reading = wild.clone();
    let current = Memo::new(move |_| {
        let code = read(store, fid, |f| (field.get)(f, &reading)).flatten();
        match code {
            Some(Value::Code(Some(c))) => field
                .options()
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(k, _)| *k),
            _ => None,
        }
    });
    let current = move || current.get();
    let error = RwSignal::new(None::<String>);
    let on_change = move |code: String| {
        let value = Value::Code((!code.is_empty()).then_some(code));
        save(store, fid, field, wild.clone(), value, error);
    };
    let refusal = select_error(&id, error);
    (
        choice_select(id, field.label, none, field.options(), current, on_change),
        refusal,
    )
}

/// A select of suggested texts, which also shows a text typed elsewhere.
fn suggest_field(
    finding: String,
    field: &'static Field,
    wild: String,
    none: &'static str,
    options: &'static [&'static str],
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let id = control_id(field, &wild);
    let reading = StoredValue::new(wild.clone());
    let text = Memo::new(move |_| {
        let value = read(store, fid, |f| reading.with_value(|w| (field.get)(f, w))).flatten();
        match value {
            Some(Value::Text(t)) => t,
            _ => String::new(),
        }
    });
    let error = RwSignal::new(None::<String>);
    let on_change = move |t: String| save(store, fid, field, wild.clone(), Value::Text(t), error);
    let refusal = select_error(&id, error);
    view! {
        <SelectField id label=field.label on_change>
            <option value="" selected=move || text.get().is_empty()>
                {none}
            </option>
            {options
                .iter()
                .map(|&m| {
                    view! {
                        <option value=m selected=move || text.get() == m>
                            {m}
                        </option>
                    }
                })
                .collect_view()}
            {move || {
                let current = text.get();
                (!current.is_empty() && !options.contains(&current.as_str()))
                    .then(|| {
                        view! {
                            <option value=current.clone() selected=true>
                                {current.clone()}
                            </option>
                        }
                    })
            }}
        </SelectField>
        {refusal}
    }
}
