//! Systemic patterns (`ncr_core::patterns`) where people work: on the
//! dashboard for the whole register, and on each finding that belongs to
//! one, with the offer to raise the major nonconformity they amount to.

use leptos::prelude::*;

use crate::platform::clock::new_id;
use crate::ui::route::Route;
use crate::ui::state::{today, use_store};
use ncr_core::patterns::{self, Shape};

/// A pattern as shown: what it is, its sentence, its first
/// [`patterns::LISTED`] findings and the majors answering it, as (id,
/// reference) pairs, and how many findings it has.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    shape: Shape,
    sentence: String,
    findings: Vec<(String, String)>,
    total: usize,
    answered_by: Vec<(String, String)>,
}

/// Every pattern of the open register, or those `only` belongs to.
fn shown(store: crate::ui::state::Store, only: Option<String>) -> Vec<Shown> {
    store
        .with_findings(|d| {
            let all = d.findings();
            // One finding's patterns come from the register's index: its
            // page re-reads them on every edit.
            let found = match &only {
                Some(id) => d.patterns_of(id),
                None => patterns::find(all, &d.settings()),
            };
            let refs = |ids: &[String]| {
                ids.iter()
                    .filter_map(|id| all.get(id).map(|f| (id.clone(), f.reference.clone())))
                    .collect()
            };
            found
                .iter()
                .map(|p| Shown {
                    shape: p.shape.clone(),
                    sentence: p.describe(all),
                    // Only the listed ones: a theme's pattern at 10,000
                    // findings has thousands, re-read on every edit.
                    findings: refs(&p.findings[..p.findings.len().min(patterns::LISTED)]),
                    total: p.findings.len(),
                    answered_by: refs(&p.answered_by),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One pattern with its links and, unless a major answers it, the offer.
#[component]
fn PatternItem(pattern: Shown) -> impl IntoView {
    let store = use_store();
    let register = store.with_doc_untracked(|d| d.id()).unwrap_or_default();
    let shape = StoredValue::new(pattern.shape.clone());
    let raise = move |_| {
        let id = new_id();
        let today = today();
        let shape = shape.get_value();
        if let Some(major) = store.attempt(|d| d.raise_systemic_major(id, &shape, today)) {
            let register = store.with_doc_untracked(|d| d.id()).unwrap_or_default();
            Route::Finding(register, major).go();
        }
    };
    let link = {
        let register = register.clone();
        move |(id, reference): (String, String)| {
            let href = Route::Finding(register.clone(), id).href();
            view! { <a href=href>{reference}</a> }
        }
    };
    // As in the sentence, the first few are linked and the rest counted: a
    // pattern of thousands of findings (one requirement cited everywhere)
    // must not put thousands of links on every finding's page.
    let more = pattern.total.saturating_sub(pattern.findings.len());
    let findings = pattern
        .findings
        .into_iter()
        .map(|f| view! { <li>{link.clone()(f)}</li> })
        .collect_view();
    let more = (more > 0).then(|| view! { <li class="muted">{format!("and {more} more")}</li> });
    let answer = if pattern.answered_by.is_empty() {
        view! {
            <button type="button" on:click=raise>
                "Raise a major nonconformity linking them"
            </button>
        }
        .into_any()
    } else {
        let majors = pattern
            .answered_by
            .into_iter()
            .map(|m| link.clone()(m))
            .collect_view();
        view! { <p>"Answered by the major nonconformity " {majors} "."</p> }.into_any()
    };
    view! {
        <li class="pattern">
            <p>
                <strong>{pattern.shape.to_string()}</strong>
                ". "
                {pattern.sentence}
            </p>
            <ul class="pattern-findings" aria-label="Findings in this pattern">
                {findings}
                {more}
            </ul>
            {answer}
        </li>
    }
}

/// The patterns of `found`, each with its links and offer.
#[component]
fn PatternList(found: Memo<Vec<Shown>>) -> impl IntoView {
    view! {
        <ul class="pattern-list">
            {move || {
                found.get().into_iter().map(|p| view! { <PatternItem pattern=p /> }).collect_view()
            }}
        </ul>
    }
}

/// The patterns one finding belongs to (nothing when it belongs to none).
#[component]
pub fn PatternPanel(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let found = Memo::new(move |_| shown(store, Some(fid.get_value())));
    view! {
        <Show when=move || !found.with(Vec::is_empty)>
            <section class="panel patterns" aria-labelledby="pattern-title">
                <h3 id="pattern-title">"Systemic pattern"</h3>
                <PatternList found />
            </section>
        </Show>
    }
}

/// Every pattern of the register, for the dashboard.
#[component]
pub fn RegisterPatterns() -> impl IntoView {
    let store = use_store();
    let found = Memo::new(move |_| shown(store, None));
    view! {
        <section class="panel patterns" aria-labelledby="patterns-title">
            <h3 id="patterns-title">"Systemic patterns"</h3>
            <Show
                when=move || !found.with(Vec::is_empty)
                fallback=|| {
                    view! {
                        <p>
                            "No systemic pattern: no requirement or theme has the number of minor nonconformities set in the register's settings, and nothing came back after closure."
                        </p>
                    }
                }
            >
                <PatternList found />
            </Show>
        </section>
    }
}
