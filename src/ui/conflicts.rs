//! The conflict panel of a finding: each field two auditors changed
//! differently while apart, every value with who wrote it, and a way to
//! settle it. Settling writes one value over all of them
//! (`RegisterDoc::resolve_conflict`), which wins on every copy after the
//! next exchange. A new value is checked like the form checks it before it
//! is written.

use automerge::ScalarValue;
use leptos::prelude::*;

use crate::ui::state::{today, use_store};
use ncr_core::document::FieldConflict;
use ncr_core::model::Finding;
use ncr_core::schema::{self, Editor, Field, Kind, Value, Wild};
use ncr_core::validate;

/// How a new value for a field is typed, if it may be typed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Control {
    Text { multiline: bool },
    Date,
    Select,
    None,
}

/// As the field's schema entry says, except that long text is compared in
/// a textarea whatever the form uses, and a choice that may be empty (or
/// that only the lifecycle sets, like the status) is settled by keeping
/// one of the values.
fn control(field: Option<&Field>) -> Control {
    let Some(field) = field else {
        return Control::None;
    };
    match field.editor {
        Editor::Input | Editor::TextArea | Editor::Suggest { .. } => Control::Text {
            multiline: field.kind == Kind::LongText,
        },
        Editor::Date => Control::Date,
        Editor::Select { none: None } => Control::Select,
        _ => Control::None,
    }
}

/// The field's name as messages give it.
fn label(finding: Option<&Finding>, path: &[String]) -> String {
    let Some((field, wild)) = schema::at_path(path) else {
        return path.join(" › ");
    };
    if field.wild == Wild::Action {
        let name = finding
            .and_then(|f| f.actions.get(wild))
            .map(|a| a.description.clone())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "Corrective action".into());
        return format!("Action \u{201c}{name}\u{201d}: {}", field.part);
    }
    field.name_for(wild)
}

/// A stored value as people read it: labels for keys, words for flags.
fn shown(path: &[String], value: &ScalarValue, display: &str) -> String {
    if matches!(value, ScalarValue::Null) || display.is_empty() {
        return "(empty)".into();
    }
    let labelled = schema::at_path(path).and_then(|(field, _)| match field.kind {
        Kind::Choice { .. } => field.option_label(display),
        Kind::Flag { .. } => match value {
            ScalarValue::Boolean(true) => Some("Yes"),
            ScalarValue::Boolean(false) => Some("No"),
            _ => None,
        },
        _ => None,
    });
    labelled
        .map(str::to_owned)
        .unwrap_or_else(|| display.to_owned())
}

/// Short enough for a button's name.
fn short(text: &str) -> String {
    const MAX: usize = 60;
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX {
        one_line
    } else {
        format!("{}…", one_line.chars().take(MAX).collect::<String>())
    }
}

/// Applies a typed value to a copy of the finding, so the copy can be
/// validated like an edit from the form; returns what to write.
fn candidate(f: &mut Finding, path: &[String], text: &str) -> Result<ScalarValue, String> {
    let name = label(Some(&f.clone()), path);
    let Some((field, wild)) = schema::at_path(path) else {
        return Err(format!("{name} takes one of the values above."));
    };
    let gone = || format!("{name} can no longer be edited here.");
    match control(Some(field)) {
        Control::Text { .. } => {
            if !(field.set)(f, wild, Value::Text(text.to_owned())) {
                return Err(gone());
            }
            Ok(ScalarValue::Str(text.into()))
        }
        Control::Date => {
            let date = validate::parse_date(&name, text).map_err(|e| format!("{e}."))?;
            if !(field.set)(f, wild, Value::Date(date)) {
                return Err(gone());
            }
            Ok(date
                .map(|d| ScalarValue::Str(d.format("%Y-%m-%d").to_string().into()))
                .unwrap_or(ScalarValue::Null))
        }
        Control::Select => {
            let known = field.option_label(text).is_some();
            if !known || !(field.set)(f, wild, Value::Code(Some(text.to_owned()))) {
                let what = field.name().to_lowercase();
                let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                return Err(format!("Choose {article} {what}."));
            }
            Ok(ScalarValue::Str(text.into()))
        }
        Control::None => Err(format!("{name} takes one of the values above.")),
    }
}

#[derive(Clone, PartialEq)]
struct Shown {
    conflicts: Vec<FieldConflict>,
    labels: Vec<String>,
}

/// Shown in a finding's page when it holds conflicting values.
#[component]
pub fn ConflictPanel(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let state = Memo::new(move |_| {
        store
            .with_finding(&fid.get_value(), |d| {
                let id = fid.get_value();
                if !d.is_conflicted(&id) {
                    return None;
                }
                let conflicts = d.conflicts(&id).ok()?;
                let f = d.finding(&id);
                let labels = conflicts.iter().map(|c| label(f, &c.path)).collect();
                Some(Shown { conflicts, labels })
            })
            .flatten()
    });
    view! {
        {move || {
            state
                .get()
                .filter(|s| !s.conflicts.is_empty())
                .map(|s| {
                    view! {
                        <section class="panel conflicts" aria-labelledby="conflicts-title">
                            <h3 id="conflicts-title">"Conflicting values"</h3>
                            <p>
                                "Auditors changed these fields differently while apart. Every value is kept until someone chooses; the choice wins on every copy after the next exchange."
                            </p>
                            {s
                                .conflicts
                                .into_iter()
                                .zip(s.labels)
                                .enumerate()
                                .map(|(i, (c, l))| {
                                    view! {
                                        <ConflictField
                                            finding=fid.get_value()
                                            conflict=c
                                            label=l
                                            index=i
                                        />
                                    }
                                })
                                .collect_view()}
                        </section>
                    }
                })
        }}
    }
}

#[component]
fn ConflictField(
    finding: String,
    conflict: FieldConflict,
    label: String,
    index: usize,
) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let path = StoredValue::new(conflict.path.clone());
    let error = RwSignal::new(None::<String>);
    let draft = RwSignal::new(String::new());
    let keep = move |value: ScalarValue| {
        let p = path.get_value();
        match store.mutate(|d| d.resolve_conflict(&fid.get_value(), &p, value)) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e.to_string())),
        }
    };
    let write_new = move |_| {
        let p = path.get_value();
        let checked = store
            .with_doc_untracked(|d| {
                let mut f = d.finding(&fid.get_value())?.clone();
                Some(
                    candidate(&mut f, &p, &draft.get_untracked()).and_then(|value| {
                        validate::finding(&f, today())
                            .map(|()| value)
                            .map_err(|e| e.to_string())
                    }),
                )
            })
            .flatten()
            .unwrap_or_else(|| Err("This finding is no longer in the register.".into()));
        match checked {
            Ok(value) => keep(value),
            Err(e) => error.set(Some(e)),
        }
    };
    let field = schema::at_path(&conflict.path).map(|(f, _)| f);
    let kind = control(field);
    let input_id = format!("conflict-new-{index}");
    let error_id = format!("conflict-error-{index}");
    let new_label = format!("New value for {label}");
    let control = match kind {
        Control::Text { multiline: true } => Some(
            view! {
                <textarea
                    id=input_id.clone()
                    rows="3"
                    aria-describedby=error_id.clone()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                ></textarea>
            }
            .into_any(),
        ),
        Control::Text { multiline: false } | Control::Date => {
            let ty = if kind == Control::Date {
                "date"
            } else {
                "text"
            };
            let input = view! {
                <input
                    id=input_id.clone()
                    type=ty
                    aria-describedby=error_id.clone()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
            };
            Some(input.into_any())
        }
        Control::Select => {
            let options = field.map(Field::options).unwrap_or_default();
            Some(
                view! {
                    <select
                        id=input_id.clone()
                        aria-describedby=error_id.clone()
                        on:change=move |ev| draft.set(event_target_value(&ev))
                    >
                        <option value="">"Choose…"</option>
                        {options
                            .iter()
                            .map(|&(code, text)| view! { <option value=code>{text}</option> })
                            .collect_view()}
                    </select>
                }
                .into_any(),
            )
        }
        Control::None => None,
    };
    let values = conflict
        .values
        .iter()
        .map(|v| {
            let text = shown(&conflict.path, &v.value, &v.display);
            let button = format!("Keep \u{201c}{}\u{201d}", short(&text));
            let value = v.value.clone();
            view! {
                <li>
                    <span class="conflict-value">{text}</span>
                    <span class="muted">
                        {format!(" written by {}", v.author)} {v.winner.then_some(" (shown now)")}
                    </span>
                    <button type="button" on:click=move |_| keep(value.clone())>
                        {button}
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <fieldset class="conflict">
            <legend>{label.clone()}</legend>
            <ul class="conflict-values">{values}</ul>
            {control
                .map(|control| {
                    view! {
                        <div class="field">
                            <label for=input_id.clone()>{new_label.clone()}</label>
                            {control}
                            <button type="button" on:click=write_new>
                                "Use this value"
                            </button>
                        </div>
                    }
                })}
            <p id=error_id class="field-error" role="alert">
                {move || error.get()}
            </p>
        </fieldset>
    }
}
