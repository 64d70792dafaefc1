//! A finding's history: who changed what and when, read from the register
//! document's own changes (`RegisterDoc::history`), so it survives export and
//! merge and names auditors, not actor ids.
//!
//! Entries come in causal order (a change never before one it builds on),
//! and each shows the time its author's device recorded: that device's
//! clock, which may be wrong, so the column says so and the order does not
//! follow it.
//!
//! Reading the history diffs every change of the finding, which costs more
//! than anything else on the page; it is computed only while the panel is
//! open.

use chrono::{DateTime, Local};
use leptos::prelude::*;

use crate::ui::state::use_store;
use crate::ui::widgets::header_row;
use ncr_core::document::{FieldChange, HistoryEntry, RegisterDoc};
use ncr_core::model::Finding;
use ncr_core::schema::{self, Kind, Wild};

/// Why the time column is not the order: device clocks can be wrong.
const DEVICE_TIME_HELP: &str = "Times are those the author's device recorded; a device's clock can be wrong, so the list follows which change built on which, not the times.";

/// Longer values are cut in the list; the form shows them whole.
const SHOWN_CHARS: usize = 160;

/// One entry as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EntryView {
    key: String,
    when: String,
    iso: String,
    who: String,
    what: String,
    changes: Vec<String>,
}

#[component]
pub fn HistoryPanel(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let open = RwSignal::new(false);
    let entries = Memo::new(move |_| {
        if !open.get() {
            return Err(String::new());
        }
        store
            .with_finding(&fid.get_value(), |d| {
                let id = fid.get_value();
                let finding = d.finding(&id);
                d.history(&id)
                    .map(|entries| {
                        let mut shown: Vec<EntryView> = entries
                            .iter()
                            .enumerate()
                            .map(|(n, e)| entry_view(n, e, finding, d))
                            .collect();
                        // Latest first: the latest step is what people come
                        // for. The reverse of a causal order is one too: a
                        // change still never shows below one it built on.
                        shown.reverse();
                        shown
                    })
                    .map_err(|e| e.to_string())
            })
            .unwrap_or_else(|| Ok(Vec::new()))
    });
    view! {
        <section class="panel step history" aria-labelledby="history-title">
            <h3 id="history-title">"History"</h3>
            <button
                type="button"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="history-list"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || if open.get() { "Hide history" } else { "Show history" }}
            </button>
            <div id="history-list">
                <Show when=move || {
                    open.get()
                }>
                    {move || match entries.get() {
                        Err(e) => view! { <p role="alert">{e}</p> }.into_any(),
                        Ok(list) if list.is_empty() => {
                            view! { <p class="muted">"No recorded changes."</p> }.into_any()
                        }
                        Ok(list) => {
                            view! {
                                <p class="help" id="history-time-help">
                                    {DEVICE_TIME_HELP}
                                </p>
                                <table class="history-table" aria-describedby="history-time-help">
                                    <caption>
                                        "Changes to this finding, latest first: each change above the ones it builds on"
                                    </caption>
                                    <thead>
                                        {header_row(
                                            &[
                                                "Recorded on the author's device",
                                                "Who",
                                                "What",
                                                "Changes",
                                            ],
                                        )}
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|e| {
                                                view! {
                                                    <tr data-key=e.key>
                                                        <td>
                                                            <time datetime=e.iso>{e.when}</time>
                                                        </td>
                                                        <td>{e.who}</td>
                                                        <td>{e.what}</td>
                                                        <td>
                                                            <ul class="changes">
                                                                {e
                                                                    .changes
                                                                    .into_iter()
                                                                    .map(|c| view! { <li>{c}</li> })
                                                                    .collect_view()}
                                                            </ul>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                    }}
                </Show>
            </div>
        </section>
    }
}

fn entry_view(
    n: usize,
    e: &HistoryEntry,
    finding: Option<&Finding>,
    doc: &RegisterDoc,
) -> EntryView {
    let at = DateTime::from_timestamp_millis(e.at).map(|t| t.with_timezone(&Local));
    EntryView {
        key: format!("{n}-{}", e.hash),
        when: at
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "Unknown time".into()),
        iso: at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        who: e.author.clone(),
        what: match (e.op.as_str(), &e.source) {
            // The file's own record: the lifecycle checks did not run here.
            ("import_findings", Some(file)) => format!(
                "Imported from {file}, with the status, actions and dates that file recorded"
            ),
            _ => intent(e).to_owned(),
        },
        changes: e
            .changes
            .iter()
            .filter_map(|c| describe(c, finding, doc))
            .collect(),
    }
}

/// The intent in words.
fn intent(e: &HistoryEntry) -> &'static str {
    let only_actions = !e.changes.is_empty()
        && e.changes
            .iter()
            .all(|c| c.path.first().map(String::as_str) == Some("actions"));
    match e.op.as_str() {
        "add_finding" => "Recorded the finding",
        "edit_finding" if only_actions => "Edited corrective action",
        "edit_finding" => "Edited",
        "change_status" => "Changed status",
        "record_review" => "Recorded review",
        "add_action" => "Added corrective action",
        "edit_action" => "Edited corrective action",
        "delete_finding" => "Deleted the finding",
        "restore_finding" => "Restored the finding",
        "copy_finding" => "Copied from another register",
        "import_findings" => "Imported from a spreadsheet",
        "resolve_conflict" => "Resolved a conflict",
        "add_attachment" => "Attached a file",
        "remove_attachment" => "Removed an attachment",
        _ => "Changed",
    }
}

/// `Field: old → new`, or `None` for bookkeeping (ids).
fn describe(c: &FieldChange, finding: Option<&Finding>, doc: &RegisterDoc) -> Option<String> {
    let path: Vec<&str> = c.path.iter().map(String::as_str).collect();
    let name = field_name(&path, finding, doc)?;
    let value = |v: &Option<String>| {
        v.as_deref()
            .map(|v| shorten(&value_text(&path, v, doc)))
            .unwrap_or_else(|| "—".into())
    };
    Some(format!("{name}: {} → {}", value(&c.old), value(&c.new)))
}

fn field_name(path: &[&str], finding: Option<&Finding>, doc: &RegisterDoc) -> Option<String> {
    let Some((field, wild)) = schema::at_path(path) else {
        return Some(path.join(" / "));
    };
    match (field.kind, field.wild) {
        // Bookkeeping.
        (Kind::Id, _) => None,
        // An attachment is added and removed whole: its name says which.
        (_, Wild::Attachment) if field.key != "attachment:*:name" => None,
        (_, Wild::Finding) => {
            let reference = doc
                .finding(wild)
                .map(|f| f.reference.clone())
                .unwrap_or_else(|| "another finding".into());
            Some(format!("{} {reference}", field.name()))
        }
        (_, Wild::Action) => {
            let part = field.part;
            // Numbered as on the page; an action since removed keeps a generic name.
            let number = finding
                .and_then(|f| f.actions.keys().position(|k| k == wild))
                .map(|n| format!("Action {} {part}", n + 1))
                .unwrap_or_else(|| format!("Action {part}"));
            Some(number)
        }
        _ => Some(field.name_for(wild)),
    }
}

/// Stored codes in words (`in_progress` → "In progress").
fn value_text(path: &[&str], v: &str, doc: &RegisterDoc) -> String {
    let label = schema::at_path(path).and_then(|(field, _)| match field.kind {
        Kind::Audit => Some(
            doc.audits()
                .get(v)
                .map(|a| a.title.clone())
                .unwrap_or_else(|| v.to_owned()),
        ),
        Kind::Choice { .. } => field.option_label(v).map(str::to_owned),
        Kind::Flag { on } if v == "true" => Some(on.to_owned()),
        _ => None,
    });
    label.unwrap_or_else(|| v.to_owned())
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(SHOWN_CHARS).collect();
    format!("{}…", cut.trim_end())
}
