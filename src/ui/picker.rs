//! The requirement picker: searches the ISO/IEC 27001:2022 catalogue by id
//! or words, allows several references, and accepts free text for policy,
//! legal or contractual requirements.

use leptos::prelude::*;

use crate::ui::state::use_store;
use ncr_core::catalogue;

/// The key a reference is stored under: the catalogue's canonical id when it
/// is one (so `a.5.15` and `A.5.15` typed by two auditors are one key after
/// a merge), the trimmed text otherwise.
pub fn canonical(reference: &str) -> String {
    catalogue::find(reference)
        .map(|r| r.id.to_owned())
        .unwrap_or_else(|| reference.trim().to_owned())
}

pub fn describe(reference: &str) -> String {
    catalogue::label(reference).unwrap_or_else(|| reference.to_owned())
}

#[component]
pub fn RequirementPicker(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let query = RwSignal::new(String::new());
    let chosen = move || {
        store
            .with_finding(&fid.get_value(), |d| {
                d.finding(&fid.get_value()).map(|f| {
                    f.requirement_list()
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
            })
            .flatten()
            .unwrap_or_default()
    };
    // A refusal is said under the picker, where the person is working,
    // rather than in the page's notices at the top.
    let error = RwSignal::new(None::<String>);
    let add = move |reference: String| {
        let key = canonical(&reference);
        if key.is_empty() {
            return;
        }
        match store.update_finding(&fid.get_value(), move |f| {
            f.requirements.insert(key, true);
        }) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e.to_string())),
        }
        query.set(String::new());
    };
    let remove = move |key: String| match store.update_finding(&fid.get_value(), move |f| {
        f.requirements.remove(&key);
    }) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(e.to_string())),
    };
    let results = move || {
        let q = query.get();
        if q.trim().is_empty() {
            Vec::new()
        } else {
            catalogue::search(&q, 8)
        }
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
            let q = query.get_untracked();
            // Enter takes the best catalogue match, or the text as written.
            let pick = catalogue::search(&q, 1)
                .first()
                .map(|r| r.id.to_owned())
                .unwrap_or(q);
            add(pick);
        }
    };
    view! {
        <fieldset class="field picker">
            <legend>"Requirements"</legend>
            <ul class="chips" aria-label="Chosen requirements">
                {move || {
                    chosen()
                        .into_iter()
                        .map(|key| {
                            let label = describe(&key);
                            let remove_label = format!("Remove {key}");
                            let k = key.clone();
                            view! {
                                <li class="chip">
                                    <span>{label}</span>
                                    <button
                                        type="button"
                                        aria-label=remove_label
                                        on:click=move |_| remove(k.clone())
                                    >
                                        "×"
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <label for="f-requirement">"Requirement"</label>
            <input
                id="f-requirement"
                type="search"
                autocomplete="off"
                placeholder="Clause, control or words, e.g. A.5.15 or access control"
                aria-describedby="f-requirement-help f-requirement-error"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=on_key
            />
            <p id="f-requirement-error" class="field-error" role="alert">
                {move || error.get()}
            </p>
            <p id="f-requirement-help" class="help">
                "Press Enter to add the best match, or pick one below. Text that is not in the catalogue is kept as a policy, legal or contractual requirement."
            </p>
            <ul class="suggestions" aria-label="Matching requirements">
                {move || {
                    let q = query.get();
                    let mut items = results()
                        .into_iter()
                        .map(|r| {
                            let id = r.id.to_owned();
                            let text = r.label();
                            view! {
                                <li>
                                    <button type="button" on:click=move |_| add(id.clone())>
                                        {text}
                                    </button>
                                </li>
                            }
                                .into_any()
                        })
                        .collect::<Vec<_>>();
                    if !q.trim().is_empty() && catalogue::find(&q).is_none() {
                        let text = q.trim().to_owned();
                        let label = format!("Add \u{201c}{text}\u{201d} as free text");
                        items
                            .push(
                                view! {
                                    <li>
                                        <button type="button" on:click=move |_| add(text.clone())>
                                            {label}
                                        </button>
                                    </li>
                                }
                                    .into_any(),
                            );
                    }
                    items
                }}
            </ul>
        </fieldset>
    }
}
