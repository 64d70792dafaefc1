//! What the register holds but cannot use as it is: items no reader here
//! can interpret (listed, exportable, discardable) and findings whose merged
//! state breaks a rule (shown on the finding with the fix). Both come from
//! the document layer (`RegisterDoc::unreadable`, `RegisterDoc::attention`);
//! this module only shows them.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::platform::files;
use crate::ui::state::use_store;
use ncr_core::document::{ItemKind, Unreadable};

/// "2 findings from Ann Lee's copy could not be read", one sentence per
/// kind and writer.
fn summary(items: &[Unreadable], name: impl Fn(&str) -> String) -> Vec<String> {
    let mut by: BTreeMap<(ItemKind, String), usize> = BTreeMap::new();
    for u in items {
        let who = u
            .authors
            .first()
            .map(|a| name(a))
            .unwrap_or_else(|| "an unknown writer".into());
        *by.entry((u.kind, who)).or_default() += 1;
    }
    by.into_iter()
        .map(|((kind, who), n)| format!("{n} {} from {who} could not be read.", kind.noun(n)))
        .collect()
}

fn as_json(items: &[Unreadable], name: impl Fn(&str) -> String) -> String {
    let list: Vec<serde_json::Value> = items
        .iter()
        .map(|u| {
            serde_json::json!({
                "kind": format!("{:?}", u.kind).to_lowercase(),
                "id": u.id,
                "finding": u.finding,
                "reason": u.reason,
                "raw": serde_json::from_str::<serde_json::Value>(&u.raw)
                    .unwrap_or_else(|_| serde_json::Value::String(u.raw.clone())),
                "written_by": u.authors.iter().map(|a| serde_json::json!({"actor": a, "name": name(a)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).unwrap_or_default()
}

/// The register's items that could not be read, if any.
#[component]
pub fn UnreadablePanel() -> impl IntoView {
    let store = use_store();
    let items = Memo::new(move |_| store.with_findings(|d| d.unreadable()).unwrap_or_default());
    let name = move |actor: &str| {
        store
            .with_doc_untracked(|d| d.auditor_name(actor))
            .unwrap_or_else(|| actor.to_owned())
    };
    let export = move |list: Vec<Unreadable>| {
        let json = as_json(&list, name);
        if let Err(e) =
            files::download(json.as_bytes(), "unreadable-items.json", "application/json")
        {
            store.error(format!("The export failed ({e})."));
        }
    };
    view! {
        <Show when=move || items.with(|i| !i.is_empty())>
            <section class="unreadable" aria-labelledby="unreadable-title">
                <h3 id="unreadable-title">"Could not be read"</h3>
                <ul>
                    {move || {
                        summary(&items.get(), name)
                            .into_iter()
                            .map(|line| view! { <li>{line}</li> })
                            .collect_view()
                    }}
                </ul>
                <p class="muted">
                    "They stay in the register unchanged, and every other item works as usual. Export them for whoever wrote them, or discard them."
                </p>
                <button type="button" on:click=move |_| export(items.get_untracked())>
                    "Export unreadable items"
                </button>
                <details>
                    <summary>"Show each item"</summary>
                    <ul class="unreadable-items">
                        {move || {
                            items
                                .get()
                                .into_iter()
                                .map(|u| {
                                    let label = format!(
                                        "{} {}",
                                        u.kind.noun(1),
                                        u.id.get(..8).unwrap_or(&u.id),
                                    );
                                    let who = u
                                        .authors
                                        .iter()
                                        .map(|a| name(a))
                                        .collect::<Vec<_>>()
                                        .join(", ");
                                    let one = u.clone();
                                    let gone = u.clone();
                                    let discard_label = format!("Discard {label}");
                                    let export_label = format!("Export {label}");
                                    view! {
                                        <li>
                                            <p>
                                                <strong>{label.clone()}</strong>
                                                " · written by "
                                                {who}
                                            </p>
                                            <p>{u.reason.clone()}</p>
                                            <pre class="raw">{u.raw.clone()}</pre>
                                            <button
                                                type="button"
                                                aria-label=export_label
                                                on:click=move |_| export(vec![one.clone()])
                                            >
                                                "Export"
                                            </button>
                                            <button
                                                type="button"
                                                aria-label=discard_label
                                                on:click=move |_| {
                                                    store.attempt(|d| d.discard_unreadable(&gone));
                                                }
                                            >
                                                "Discard"
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                </details>
            </section>
        </Show>
    }
}

/// A finding's merged state that needs a person: each problem with its fix.
#[component]
pub fn AttentionPanel(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let notes = Memo::new(move |_| {
        store
            .with_findings(|d| d.attention(&fid.get_value()))
            .unwrap_or_default()
    });
    view! {
        <Show when=move || notes.with(|n| !n.is_empty())>
            <section class="attention" role="region" aria-labelledby="attention-title">
                <h3 id="attention-title">"Needs attention"</h3>
                <ul>
                    {move || {
                        notes.get().into_iter().map(|n| view! { <li>{n}</li> }).collect_view()
                    }}
                </ul>
            </section>
        </Show>
    }
}
