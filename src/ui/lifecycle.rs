//! The corrective-action part of a finding's page (ISO/IEC 27001:2022 clause
//! 10.2): its status with the guarded steps, the correction, the root-cause
//! analysis, the similar-nonconformity check, the corrective actions, the
//! effectiveness review and the ISMS changes.
//!
//! Every control saves itself like the rest of the finding form. The rules
//! (which step is allowed, what a review does) are the core's: a refused step
//! shows the core's own sentences, as a checklist next to the buttons.

use leptos::prelude::*;

use crate::ui::form::{read, SectionFields};
use crate::ui::route::Route;
use crate::ui::state::{today, use_store};
use ncr_core::deadlines::{self, DueState};
use ncr_core::document::DocError;
use ncr_core::model::{CorrectiveAction, Finding, ReviewResult, SimilarVerdict, Status};
use ncr_core::schema::Section;
use ncr_core::workflow::{self, Fix};

/// How many similar-finding proposals show at once.
const PROPOSALS_AT_ONCE: usize = 20;

/// One missing item of a refused step: its sentence, and the id of the
/// control that puts it right, when one does.
#[derive(Debug, Clone, PartialEq)]
struct Refusal {
    text: String,
    target: Option<String>,
}

/// A refusal as the sentences to show, one per missing item.
fn error_lines(e: &DocError) -> Vec<Refusal> {
    match e {
        DocError::Transition(errors) => errors
            .iter()
            .map(|e| Refusal {
                text: e.to_string(),
                target: e.fix().map(|fix| match fix {
                    Fix::Field(key) if key == "requirements" => "f-requirement".to_owned(),
                    Fix::Field(key) => format!("f-{key}"),
                    Fix::Actions => "add-action".to_owned(),
                    Fix::Review => "review-effective".to_owned(),
                }),
            })
            .collect(),
        other => vec![Refusal {
            text: other.to_string(),
            target: None,
        }],
    }
}

/// The refusal list: each missing item a button that takes the person
/// to the field that puts it right (the list may be a screen away from
/// it on a phone).
fn refusal_items(errors: RwSignal<Vec<Refusal>>) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .map(|r| match r.target {
                Some(target) => view! {
                    <li>
                        <button type="button" class="link" on:click=move |_| go_to(&target)>
                            {r.text}
                        </button>
                    </li>
                }
                .into_any(),
                None => view! { <li>{r.text}</li> }.into_any(),
            })
            .collect_view()
    }
}

/// Scrolls a control into the middle of the screen and focuses it.
fn go_to(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Center);
    el.scroll_into_view_with_scroll_into_view_options(&options);
    let _ = el.focus();
}

/// An id that sorts by creation time (a version 7 UUID), so corrective
/// actions keep the order they were added in and their numbers stay put
/// while they are edited, on every device. uuid orders the ids this page
/// makes within one millisecond too (a counter after the timestamp).
fn action_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Sorted action ids: the order actions are numbered in.
fn action_ids(f: &Finding) -> Vec<String> {
    f.actions.keys().cloned().collect()
}

/// What the button moving a finding from `from` to `to` says.
fn step_label(from: Status, to: Status) -> &'static str {
    use Status::*;
    match to {
        Closed if from != Verifying => "Close without corrective action",
        Open if from == Closed => "Reconsider (back to open)",
        Open if from == Withdrawn => "Reinstate (back to open)",
        Open => "Reconsider (back to open)",
        Analysed => "Mark as analysed",
        ActionPlanned => "Mark action planned",
        InProgress => "Start the actions",
        Verifying => "Move to verifying",
        Closed => "Close finding",
        Rejected => "Reject as unfounded",
        Withdrawn => "Record the withdrawal by the body",
        Reopened => "Reopen finding",
    }
}

/// Everything below the finding form.
#[component]
pub fn LifecyclePanels(finding: String) -> impl IntoView {
    view! {
        <LifecycleSection finding=finding.clone() />
        <CorrectionSection finding=finding.clone() />
        <RootCauseSection finding=finding.clone() />
        <SimilarSection finding=finding.clone() />
        <ActionsSection finding=finding.clone() />
        <ReviewSection finding=finding.clone() />
        <section class="panel step" aria-labelledby="isms-title">
            <h3 id="isms-title">"ISMS changes"</h3>
            <SectionFields finding section=Section::Isms />
        </section>
    }
}

#[component]
fn LifecycleSection(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let errors = RwSignal::new(Vec::<Refusal>::new());
    let status = Memo::new(move |_| read(store, fid, |f| f.status));
    let closure = move || {
        read(store, fid, |f| {
            f.closure.closed_on.map(|on| match f.disposition {
                Some(d) => format!(
                    "Closed on {on} by {} without corrective action, as {}: {}",
                    f.closure.closed_by,
                    d.label().to_lowercase(),
                    f.disposition_reason.trim()
                ),
                None => format!("Closed on {on} by {}.", f.closure.closed_by),
            })
        })
        .flatten()
    };
    // The steps this finding's grade and source allow; a withdrawal is
    // offered once there is a dispute to withdraw.
    let steps = Memo::new(move |_| {
        read(store, fid, |f| {
            let mut steps = workflow::steps(f);
            if f.dispute.reason.trim().is_empty() {
                steps.retain(|&to| to != Status::Withdrawn);
            }
            (f.status, steps)
        })
    });
    let may_reject = move || {
        steps.with(|s| {
            s.as_ref().is_some_and(|(from, steps)| {
                *from == Status::Rejected || steps.contains(&Status::Rejected)
            })
        })
    };
    let improvement = move || read(store, fid, |f| !f.grade.is_nonconformity()).unwrap_or(false);
    let by_body = move || read(store, fid, |f| f.source.is_certification_body()).unwrap_or(false);
    let go = move |to| {
        let id = fid.get_value();
        match store.mutate(|d| d.change_status(&id, to, today())) {
            Ok(()) => errors.set(Vec::new()),
            Err(e) => errors.set(error_lines(&e)),
        }
    };
    // A checklist about another status than the current one would mislead.
    Effect::new(move |previous: Option<Option<Status>>| {
        let now = status.get();
        if previous.is_some_and(|p| p != now) {
            errors.set(Vec::new());
        }
        now
    });
    view! {
        <section class="panel step lifecycle" aria-labelledby="lifecycle-title">
            <h3 id="lifecycle-title">"Lifecycle"</h3>
            <p aria-live="polite">
                "Current status: " <strong>{move || status.get().map(|s| s.label())}</strong>
            </p>
            <p>{closure}</p>
            <div class="steps" role="group" aria-label="Change status">
                {move || {
                    steps
                        .get()
                        .map(|(from, steps)| {
                            steps
                                .into_iter()
                                .map(|to| {
                                    view! {
                                        <button type="button" on:click=move |_| go(to)>
                                            {step_label(from, to)}
                                        </button>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </div>
            <div class="step-errors" role="alert">
                <Show when=move || !errors.with(Vec::is_empty)>
                    <p>"Not yet possible:"</p>
                    <ul>{refusal_items(errors)}</ul>
                </Show>
            </div>
            <Show when=may_reject>
                <SectionFields finding=fid.get_value() section=Section::Rejection />
            </Show>
        </section>
        <Show when=improvement>
            <section class="panel step" aria-labelledby="improvement-title">
                <h3 id="improvement-title">"Follow-up"</h3>
                <p class="help">
                    "Observations and opportunities for improvement have no certification-body deadline. Set a date to look at this one again; or close it without corrective action as considered or not taken up, with the reason."
                </p>
                <SectionFields finding=fid.get_value() section=Section::Improvement />
            </section>
        </Show>
        <Show when=by_body>
            <section class="panel step" aria-labelledby="dispute-title">
                <h3 id="dispute-title">"Dispute with the certification body"</h3>
                <p class="help">
                    "A certification body's finding is not rejected by the organisation: record why you dispute it and the body's answer. The finding stays open, its deadlines running, until the body withdraws it."
                </p>
                <SectionFields finding=fid.get_value() section=Section::Dispute />
            </section>
        </Show>
    }
}

#[component]
fn CorrectionSection(finding: String) -> impl IntoView {
    view! {
        <section class="panel step" aria-labelledby="correction-title">
            <h3 id="correction-title">"Correction"</h3>
            <p class="help">
                "What was done straight away to contain the nonconformity and deal with its consequences (clause 10.2 a)."
            </p>
            <SectionFields finding section=Section::Correction />
        </section>
    }
}

#[component]
fn RootCauseSection(finding: String) -> impl IntoView {
    view! {
        <section class="panel step" aria-labelledby="root-cause-title">
            <h3 id="root-cause-title">"Root-cause analysis"</h3>
            <SectionFields finding=finding.clone() section=Section::RootCauseMethod />
            <fieldset class="whys">
                <legend>"Five whys"</legend>
                <p class="help">
                    "Ask why the nonconformity happened, then why that happened, until you reach a cause the organisation can act on."
                </p>
                <SectionFields finding=finding.clone() section=Section::FiveWhys />
            </fieldset>
            <SectionFields finding section=Section::RootCause />
        </section>
    }
}

/// A finding proposed or judged as similar, for display.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Related {
    id: String,
    reference: String,
    title: String,
    why: String,
}

#[component]
fn SimilarSection(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let register = move || store.with_register(|d| d.id()).unwrap_or_default();
    // Proposals come a page at a time, most reasons first: a requirement
    // cited across a large register proposes thousands, and each is a row
    // with two buttons. Judging one brings the next up.
    let proposals_shown = RwSignal::new(PROPOSALS_AT_ONCE);
    let related = Memo::new(move |_| {
        store
            .with_findings(|d| {
                let f = d.finding(&fid.get_value())?;
                let describe = |id: &str, why: String| {
                    let other = d.finding(id);
                    Related {
                        id: id.to_owned(),
                        reference: other
                            .map(|o| o.reference.clone())
                            .unwrap_or_else(|| "A finding not in this register".into()),
                        title: other.map(|o| o.title.clone()).unwrap_or_default(),
                        why,
                    }
                };
                // Only those shown are ordered and described; the rest
                // are counted.
                let (first, total) = d.similar_candidates(f, proposals_shown.get());
                let candidates: Vec<Related> = first
                    .into_iter()
                    .map(|(id, reasons)| {
                        let why = reasons
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ");
                        describe(&id, why)
                    })
                    .collect();
                let judged = |verdict: SimilarVerdict| {
                    f.similar
                        .iter()
                        .filter(|(_, v)| **v == verdict)
                        .map(|(id, _)| describe(id, String::new()))
                        .collect::<Vec<_>>()
                };
                Some((
                    candidates,
                    judged(SimilarVerdict::Linked),
                    judged(SimilarVerdict::Dismissed),
                    total,
                ))
            })
            .flatten()
            .unwrap_or_default()
    });
    let judge = move |other: String, verdict: Option<SimilarVerdict>| {
        let result = store.update_finding(&fid.get_value(), move |f| match verdict {
            Some(v) => {
                f.similar.insert(other, v);
            }
            None => {
                f.similar.remove(&other);
            }
        });
        if let Err(e) = result {
            store.error(e.to_string());
        }
    };
    let href = move |id: &str| Route::Finding(register(), id.to_owned()).href();
    // Described by the text before it, so that a screen reader says which
    // finding "Link" or "Unlink" is about.
    let judge_button =
        move |r: &Related, text_id: &str, verdict: Option<SimilarVerdict>, text: &'static str| {
            let other = r.id.clone();
            view! {
                <button
                    type="button"
                    aria-describedby=text_id.to_owned()
                    on:click=move |_| judge(other.clone(), verdict)
                >
                    {text}
                </button>
            }
        };
    let label = |r: &Related| {
        if r.title.is_empty() {
            r.reference.clone()
        } else {
            format!("{} {}", r.reference, r.title)
        }
    };
    view! {
        <section class="panel step" aria-labelledby="similar-title">
            <h3 id="similar-title">"Similar nonconformities"</h3>
            <p class="help">
                "Could the same problem exist elsewhere (clause 10.2 b)? Findings sharing a requirement, the cause category or the area are proposed; link the ones that are the same problem and dismiss the others."
            </p>
            <h4 id="similar-candidates">"Proposed"</h4>
            <Show
                when=move || !related.with(|r| r.0.is_empty())
                fallback=|| {
                    view! {
                        <p class="muted">
                            "No other finding shares a requirement, the cause category or the area with this one."
                        </p>
                    }
                }
            >
                <ul class="related" aria-labelledby="similar-candidates">
                    <For
                        each=move || related.with(|r| r.0.clone())
                        key=|r| r.clone()
                        children=move |r| {
                            let text_id = format!("similar-{}", r.id);
                            view! {
                                <li>
                                    <span id=text_id.clone()>
                                        <a href=href(&r.id)>{label(&r)}</a>
                                        " · "
                                        <span class="muted">{r.why.clone()}</span>
                                    </span>
                                    {judge_button(
                                        &r,
                                        &text_id,
                                        Some(SimilarVerdict::Linked),
                                        "Link",
                                    )}
                                    {judge_button(
                                        &r,
                                        &text_id,
                                        Some(SimilarVerdict::Dismissed),
                                        "Dismiss",
                                    )}
                                </li>
                            }
                        }
                    />
                </ul>
                {move || {
                    let hidden = related.with(|r| r.3).saturating_sub(proposals_shown.get());
                    (hidden > 0)
                        .then(|| {
                            let next = hidden.min(PROPOSALS_AT_ONCE);
                            view! {
                                <p>
                                    {format!("{hidden} more proposed. ")}
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            proposals_shown.update(|n| *n += PROPOSALS_AT_ONCE)
                                        }
                                    >
                                        {format!("Show {next} more")}
                                    </button>
                                </p>
                            }
                        })
                }}
            </Show>
            <h4 id="similar-linked">"Linked similar findings"</h4>
            <Show
                when=move || !related.with(|r| r.1.is_empty())
                fallback=|| view! { <p class="muted">"None linked."</p> }
            >
                <ul class="related" aria-labelledby="similar-linked">
                    <For
                        each=move || related.get().1
                        key=|r| r.clone()
                        children=move |r| {
                            let text_id = format!("linked-{}", r.id);
                            view! {
                                <li>
                                    <a id=text_id.clone() href=href(&r.id)>
                                        {label(&r)}
                                    </a>
                                    {judge_button(&r, &text_id, None, "Unlink")}
                                </li>
                            }
                        }
                    />
                </ul>
            </Show>
            <Show when=move || !related.with(|r| r.2.is_empty())>
                <h4 id="similar-dismissed">"Dismissed"</h4>
                <ul class="related" aria-labelledby="similar-dismissed">
                    <For
                        each=move || related.get().2
                        key=|r| r.clone()
                        children=move |r| {
                            let text_id = format!("dismissed-{}", r.id);
                            view! {
                                <li>
                                    <span id=text_id.clone()>{label(&r)}</span>
                                    {judge_button(&r, &text_id, None, "Reconsider")}
                                </li>
                            }
                        }
                    />
                </ul>
            </Show>
        </section>
    }
}

#[component]
fn ActionsSection(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let ids = Memo::new(move |_| read(store, fid, action_ids).unwrap_or_default());
    let add = move |_| {
        let id = fid.get_value();
        store.attempt(|d| d.add_action(&id, action_id(), today(), CorrectiveAction::default()));
    };
    view! {
        <section class="panel step" aria-labelledby="actions-title">
            <h3 id="actions-title">"Corrective actions"</h3>
            <p class="help">
                "What will remove the cause, who is responsible and by when (clause 10.2 c)."
            </p>
            <Show when=move || ids.with(Vec::is_empty)>
                <p class="muted">"No corrective action yet."</p>
            </Show>
            <For
                each=move || ids.get()
                key=|id| id.clone()
                children=move |id| {
                    let this = id.clone();
                    let number = Signal::derive(move || {
                        ids.with(|all| all.iter().position(|a| *a == this).map_or(0, |n| n + 1))
                    });
                    // Keyed by id alone: an action added elsewhere (another
                    // tab, a merge) may land before this one, and rebuilding
                    // the editor would commit text being typed in it.
                    view! { <ActionEditor finding=fid.get_value() action=id number=number /> }
                }
            />
            <button id="add-action" type="button" on:click=add>
                "Add corrective action"
            </button>
        </section>
    }
}

#[component]
fn ActionEditor(finding: String, action: String, number: Signal<usize>) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let aid = StoredValue::new(action);
    let legend = move || format!("Action {}", number.get());
    let badge_id = format!("a-{}-due-state", aid.get_value());
    let current = move || read(store, fid, |f| f.actions.get(&aid.get_value()).cloned()).flatten();
    let due_state = move || {
        current()
            .map(|a| deadlines::action_state(&a, today()))
            .unwrap_or(DueState::NoDate)
    };
    view! {
        <fieldset class="action">
            <legend>{legend}</legend>
            <SectionFields finding=fid.get_value() section=Section::Action wild=aid.get_value() />
            <p id=badge_id class="action-due">
                "Deadline: "
                {move || {
                    let state = due_state();
                    let class = match state {
                        DueState::Overdue { .. } => "badge badge-overdue",
                        DueState::DueSoon { .. } => "badge badge-soon",
                        _ => "badge badge-quiet",
                    };
                    view! { <span class=class>{state.to_string()}</span> }
                }}
            </p>
        </fieldset>
    }
}

#[component]
fn ReviewSection(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let errors = RwSignal::new(Vec::<Refusal>::new());
    let result = move || {
        read(store, fid, |f| {
            f.review
                .result
                .map(|r| r.label())
                .unwrap_or("Not recorded yet")
        })
        .unwrap_or_default()
    };
    let status = move || read(store, fid, |f| f.status.label()).unwrap_or_default();
    // Closing stays a deliberate step, but the person who has just found
    // the actions effective is offered it here rather than far above.
    let ready_to_close = move || {
        read(store, fid, |f| {
            f.status == Status::Verifying && f.review.result == Some(ReviewResult::Effective)
        })
        .unwrap_or(false)
    };
    let close = move |_| {
        let id = fid.get_value();
        match store.mutate(|d| d.change_status(&id, Status::Closed, today())) {
            Ok(()) => errors.set(Vec::new()),
            Err(e) => errors.set(error_lines(&e)),
        }
    };
    let record = move |result: ReviewResult| {
        let id = fid.get_value();
        let Some((reviewer, on, notes)) = store
            .with_doc_untracked(|d| {
                d.finding(&id).map(|f| {
                    (
                        f.review.reviewer.clone(),
                        f.review.reviewed_on,
                        f.review.notes.clone(),
                    )
                })
            })
            .flatten()
        else {
            return;
        };
        let today = today();
        let on = on.unwrap_or(today);
        match store.mutate(|d| d.record_review(&id, result, &reviewer, on, &notes, today)) {
            Ok(status) => {
                errors.set(Vec::new());
                store.info(format!(
                    "Review recorded as {}. The finding is {}.",
                    result.label().to_lowercase(),
                    status.label().to_lowercase()
                ));
            }
            Err(e) => errors.set(error_lines(&e)),
        }
    };
    view! {
        <section class="panel step" aria-labelledby="review-title">
            <h3 id="review-title">"Effectiveness review"</h3>
            <p class="help">
                "Once the actions are done: did they remove the cause (clause 10.2 d)? \"Not effective\" reopens the finding."
            </p>
            <SectionFields finding=fid.get_value() section=Section::Review />
            <p aria-live="polite">"Review result: " <strong>{result}</strong></p>
            <p aria-live="polite">"Finding status: " <strong>{status}</strong></p>
            <div class="steps" role="group" aria-label="Record the review">
                <button
                    id="review-effective"
                    type="button"
                    on:click=move |_| record(ReviewResult::Effective)
                >
                    "Record review: effective"
                </button>
                <button type="button" on:click=move |_| record(ReviewResult::NotEffective)>
                    "Record review: not effective"
                </button>
            </div>
            <Show when=ready_to_close>
                <p class="next-step">
                    "The actions were found effective: closing the finding is the next step. "
                    <button type="button" class="primary" on:click=close>
                        "Close the finding now"
                    </button>
                </p>
            </Show>
            <div class="step-errors" role="alert">
                <ul>{refusal_items(errors)}</ul>
            </div>
        </section>
    }
}
