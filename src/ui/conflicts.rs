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
use ncr_core::model::{ActionStatus, CauseCategory, Finding, Grade, ReviewResult, Source, Status};
use ncr_core::validate;

/// How a new value for a field is typed, if it may be typed at all. Status
/// is deliberately absent: it moves only through the lifecycle's guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Editor {
    Text { multiline: bool },
    Date,
    Grade,
    Source,
    None,
}

fn editor(path: &[String]) -> Editor {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["title" | "area" | "raised_by" | "owner" | "reference"] => {
            Editor::Text { multiline: false }
        }
        ["statement" | "evidence" | "rejection_reason" | "isms_changes"] => {
            Editor::Text { multiline: true }
        }
        ["correction", "description"] | ["root_cause", "statement"] | ["review", "notes"] => {
            Editor::Text { multiline: true }
        }
        ["root_cause", "method"] | ["review", "reviewer"] | ["closure", "closed_by"] => {
            Editor::Text { multiline: false }
        }
        ["root_cause", "whys", _] => Editor::Text { multiline: true },
        ["actions", _, "description"] => Editor::Text { multiline: true },
        ["actions", _, "owner"] => Editor::Text { multiline: false },
        ["detected_on"]
        | ["correction", "done_on"]
        | ["review", "due" | "reviewed_on"]
        | ["closure", "closed_on"]
        | ["actions", _, "due" | "done_on"] => Editor::Date,
        ["grade"] => Editor::Grade,
        ["source"] => Editor::Source,
        _ => Editor::None,
    }
}

/// The field's name as the form labels it.
fn label(finding: Option<&Finding>, path: &[String]) -> String {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let plain = |s: &str| s.to_owned();
    match p.as_slice() {
        ["title"] => plain("Title"),
        ["statement"] => plain("Statement"),
        ["evidence"] => plain("Evidence"),
        ["area"] => plain("Area"),
        ["raised_by"] => plain("Raised by"),
        ["owner"] => plain("Owner"),
        ["reference"] => plain("Reference"),
        ["grade"] => plain("Grade"),
        ["source"] => plain("Source"),
        ["status"] => plain("Status"),
        ["audit"] => plain("Audit"),
        ["cause"] => plain("Cause category"),
        ["detected_on"] => plain("Detected on"),
        ["rejection_reason"] => plain("Rejection reason"),
        ["isms_changes"] => plain("ISMS changes"),
        ["deleted"] => plain("Deleted"),
        ["correction", "description"] => plain("Correction"),
        ["correction", "done_on"] => plain("Correction date"),
        ["root_cause", "method"] => plain("Root-cause method"),
        ["root_cause", "statement"] => plain("Root-cause statement"),
        ["root_cause", "whys", n] => format!("Why {n}"),
        ["review", "due"] => plain("Review due"),
        ["review", "reviewer"] => plain("Reviewer"),
        ["review", "reviewed_on"] => plain("Reviewed on"),
        ["review", "result"] => plain("Review result"),
        ["review", "notes"] => plain("Review notes"),
        ["closure", "closed_on"] => plain("Closed on"),
        ["closure", "closed_by"] => plain("Closed by"),
        ["requirements", r] => format!("Requirement {r}"),
        ["similar", _] => plain("Similar finding"),
        ["actions", id, rest @ ..] => {
            let name = finding
                .and_then(|f| f.actions.get(*id))
                .map(|a| a.description.clone())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "Corrective action".into());
            let field = match rest {
                ["description"] => "description",
                ["owner"] => "owner",
                ["due"] => "due date",
                ["status"] => "status",
                ["done_on"] => "done date",
                _ => "field",
            };
            format!("Action \u{201c}{name}\u{201d}: {field}")
        }
        _ => path.join(" › "),
    }
}

/// A stored value as people read it: labels for keys, words for flags.
fn shown(path: &[String], value: &ScalarValue, display: &str) -> String {
    if matches!(value, ScalarValue::Null) || display.is_empty() {
        return "(empty)".into();
    }
    let last = path.last().map(String::as_str).unwrap_or("");
    let first = path.first().map(String::as_str).unwrap_or("");
    let labelled = match (first, last) {
        ("grade", _) => Grade::from_code(display).map(Grade::label),
        ("source", _) => Source::from_code(display).map(Source::label),
        ("status", "status") => Status::from_code(display).map(Status::label),
        ("cause", _) => CauseCategory::from_code(display).map(CauseCategory::label),
        ("actions", "status") => ActionStatus::from_code(display).map(ActionStatus::label),
        ("review", "result") => ReviewResult::from_code(display).map(ReviewResult::label),
        ("requirements", _) | ("deleted", _) => match value {
            ScalarValue::Boolean(true) => Some("Yes"),
            ScalarValue::Boolean(false) => Some("No"),
            _ => None,
        },
        _ => None,
    };
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
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let name = label(Some(&f.clone()), path);
    match editor(path) {
        Editor::Text { .. } => {
            let value = text.to_owned();
            let slot: Option<&mut String> = match p.as_slice() {
                ["title"] => Some(&mut f.title),
                ["statement"] => Some(&mut f.statement),
                ["evidence"] => Some(&mut f.evidence),
                ["area"] => Some(&mut f.area),
                ["raised_by"] => Some(&mut f.raised_by),
                ["owner"] => Some(&mut f.owner),
                ["reference"] => Some(&mut f.reference),
                ["rejection_reason"] => Some(&mut f.rejection_reason),
                ["isms_changes"] => Some(&mut f.isms_changes),
                ["correction", "description"] => Some(&mut f.correction.description),
                ["root_cause", "statement"] => Some(&mut f.root_cause.statement),
                ["root_cause", "method"] => Some(&mut f.root_cause.method),
                ["root_cause", "whys", n] => f.root_cause.whys.get_mut(*n),
                ["review", "notes"] => Some(&mut f.review.notes),
                ["review", "reviewer"] => Some(&mut f.review.reviewer),
                ["closure", "closed_by"] => Some(&mut f.closure.closed_by),
                ["actions", id, "description"] => {
                    f.actions.get_mut(*id).map(|a| &mut a.description)
                }
                ["actions", id, "owner"] => f.actions.get_mut(*id).map(|a| &mut a.owner),
                _ => None,
            };
            *slot.ok_or_else(|| format!("{name} can no longer be edited here."))? = value.clone();
            Ok(ScalarValue::Str(value.into()))
        }
        Editor::Date => {
            let date = validate::parse_date(&name, text).map_err(|e| format!("{e}."))?;
            let slot = match p.as_slice() {
                ["detected_on"] => Some(&mut f.detected_on),
                ["correction", "done_on"] => Some(&mut f.correction.done_on),
                ["review", "due"] => Some(&mut f.review.due),
                ["review", "reviewed_on"] => Some(&mut f.review.reviewed_on),
                ["closure", "closed_on"] => Some(&mut f.closure.closed_on),
                ["actions", id, "due"] => f.actions.get_mut(*id).map(|a| &mut a.due),
                ["actions", id, "done_on"] => f.actions.get_mut(*id).map(|a| &mut a.done_on),
                _ => None,
            };
            *slot.ok_or_else(|| format!("{name} can no longer be edited here."))? = date;
            Ok(date
                .map(|d| ScalarValue::Str(d.format("%Y-%m-%d").to_string().into()))
                .unwrap_or(ScalarValue::Null))
        }
        Editor::Grade => {
            let g = Grade::from_code(text).ok_or("Choose a grade.")?;
            f.grade = g;
            Ok(ScalarValue::Str(g.code().into()))
        }
        Editor::Source => {
            let s = Source::from_code(text).ok_or("Choose a source.")?;
            f.source = s;
            Ok(ScalarValue::Str(s.code().into()))
        }
        Editor::None => Err(format!("{name} takes one of the values above.")),
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
            .with_doc(|d| {
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
    let kind = editor(&conflict.path);
    let input_id = format!("conflict-new-{index}");
    let error_id = format!("conflict-error-{index}");
    let new_label = format!("New value for {label}");
    let control = match kind {
        Editor::Text { multiline: true } => Some(
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
        Editor::Text { multiline: false } | Editor::Date => {
            let ty = if kind == Editor::Date { "date" } else { "text" };
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
        Editor::Grade | Editor::Source => {
            let options: Vec<(&'static str, &'static str)> = if kind == Editor::Grade {
                Grade::ALL.iter().map(|g| (g.code(), g.label())).collect()
            } else {
                Source::ALL.iter().map(|s| (s.code(), s.label())).collect()
            };
            Some(
                view! {
                    <select
                        id=input_id.clone()
                        aria-describedby=error_id.clone()
                        on:change=move |ev| draft.set(event_target_value(&ev))
                    >
                        <option value="">"Choose…"</option>
                        {options
                            .into_iter()
                            .map(|(code, text)| view! { <option value=code>{text}</option> })
                            .collect_view()}
                    </select>
                }
                .into_any(),
            )
        }
        Editor::None => None,
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
