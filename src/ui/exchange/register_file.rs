//! Register files: the export colleagues merge, and an incoming register
//! file checked, then merged, opened or copied from.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{export_name, findings, picked_file, use_exchange, Exchange, Summary};
use crate::platform::clock::system_clock;
use crate::platform::isolate;
use crate::ui::route::Route;
use crate::ui::state::{new_id, today, use_store, Store};
use ncr_core::document::{MergeSummary, RegisterDoc};
use ncr_core::exchange;
use ncr_core::exchange::bundle;
use ncr_core::model::RegisterInfo;

/// A register file of another register, waiting for the person's choice.
#[derive(Clone)]
pub(super) struct Foreign {
    file: String,
    bytes: Arc<Vec<u8>>,
    info: RegisterInfo,
    findings: usize,
    /// The attachments the file carried (a bundle), checked against their hashes.
    attachments: Arc<Vec<(String, Vec<u8>)>>,
}

impl Exchange {
    /// Routes a register file by its identity (see the module `exchange`).
    pub(super) async fn receive_register_file(self, store: Store, name: String, bytes: Vec<u8>) {
        // Read first in a throwaway worker: a file that makes the reader
        // fail must not take the page with it (platform::isolate).
        let isolate::Checked { info, findings } = match isolate::check_file(&bytes).await {
            Ok(checked) => checked,
            Err(e) => {
                store.error(e);
                return;
            }
        };
        // A bundle (the register file with its attachments) was read whole
        // by the same check, hashes included: unpacking it here is safe,
        // and whatever follows sees the plain register file.
        let (bytes, attachments) = if bundle::is_bundle(&bytes) {
            match bundle::unbundle(&bytes) {
                Ok(u) => (u.register, u.attachments),
                Err(e) => {
                    store.error(e.to_string());
                    return;
                }
            }
        } else {
            (bytes, Vec::new())
        };
        let attachments = Arc::new(attachments);
        let open = store.with_doc_untracked(RegisterDoc::id);
        match open {
            Some(id) if id == info.id => {
                if self.merge_open(store, &name, &bytes) {
                    self.keep_attachments(store, &attachments).await;
                }
            }
            Some(_) => self.foreign.set(Some(Foreign {
                file: name,
                bytes: Arc::new(bytes),
                info,
                findings,
                attachments,
            })),
            None => {
                if self.open_as_register(store, name, &bytes, info).await {
                    self.keep_attachments(store, &attachments).await;
                }
            }
        }
    }

    /// Stores the attachments a register file carried, once the register
    /// took the file, and adds what happened to the summary.
    async fn keep_attachments(self, store: Store, attachments: &[(String, Vec<u8>)]) {
        if attachments.is_empty() {
            return;
        }
        let line = match store.store_received(attachments).await {
            Ok(new) => format!(
                "Attachments in the file: {}, {new} of them new in this browser.",
                attachments.len()
            ),
            Err(e) => format!(
                "The file's attachments could not all be stored ({e}); they show as missing."
            ),
        };
        self.summary.update(|s| {
            if let Some(s) = s {
                s.lines.push(line);
            }
        });
    }

    fn merge_open(self, store: Store, file: &str, bytes: &[u8]) -> bool {
        let result = store.mutate(|d| {
            // Compared here rather than read from the summary: automerge's
            // `merge` returns the heads after merging, not the changes it
            // applied, so `changes_received` is never zero.
            let before = d.heads();
            let merged = d.merge_bytes(bytes)?;
            let nothing_new = d.heads() == before;
            Ok(describe_merge(d, file, &merged, nothing_new))
        });
        match result {
            Ok(summary) => {
                self.summary.set(Some(summary));
                true
            }
            Err(e) => {
                store.error(e.to_string());
                false
            }
        }
    }

    /// Opens the file as its own register (same id). If this browser already
    /// holds that register, the stored copy is opened and the file merged
    /// into it, so that local work is never overwritten by a file.
    async fn open_as_register(
        self,
        store: Store,
        file: String,
        bytes: &[u8],
        info: RegisterInfo,
    ) -> bool {
        let held = store
            .registers
            .get_untracked()
            .iter()
            .any(|r| r.id == info.id);
        if held {
            store.open_register(&info.id, std::future::ready(())).await;
            if store.with_doc_untracked(RegisterDoc::id).as_deref() == Some(info.id.as_str()) {
                let merged = self.merge_open(store, &file, bytes);
                // The table rather than the dashboard: after a file
                // arrives, the findings it brought are what one checks.
                Route::findings(info.id).go();
                return merged;
            }
        }
        let Some(profile) = store.profile.get_untracked() else {
            return false;
        };
        let opened = RegisterDoc::open_file(bytes, profile.session_actor(), system_clock).and_then(
            |mut d| {
                d.set_me(&profile.auditor())?;
                Ok(d)
            },
        );
        let doc = match opened {
            Ok(doc) => doc,
            Err(e) => {
                store.error(e.to_string());
                return false;
            }
        };
        let count = doc.live_findings().count();
        match store.adopt(doc).await {
            Ok(id) => {
                self.summary.set(Some(Summary {
                    heading: format!("Opened \u{201c}{}\u{201d} from {file}", info.name),
                    lines: vec![format!("{} in this register.", findings(count))],
                    conflicts: Vec::new(),
                    register: id.clone(),
                }));
                Route::findings(id).go();
                true
            }
            Err(e) => {
                store.error(e);
                false
            }
        }
    }

    async fn copy_into_open(self, store: Store, foreign: Foreign) {
        let Some(profile) = store.profile.get_untracked() else {
            return;
        };
        // The other register is only read here, never stored, so which
        // actor it is opened as does not matter.
        let other =
            match RegisterDoc::open_file(&foreign.bytes, profile.session_actor(), system_clock) {
                Ok(doc) => doc,
                Err(e) => {
                    store.error(e.to_string());
                    return;
                }
            };
        let today = today();
        match store.mutate(|d| d.copy_findings_from(&other, new_id, today)) {
            Ok(ids) => {
                let register = store
                    .with_doc_untracked(RegisterDoc::id)
                    .unwrap_or_default();
                self.summary.set(Some(Summary {
                    heading: format!(
                        "Copied findings of \u{201c}{}\u{201d} from {}",
                        foreign.info.name, foreign.file
                    ),
                    lines: vec![format!(
                        "{} copied into this register with new ids; each records the register it came from.",
                        findings(ids.len())
                    )],
                    conflicts: Vec::new(),
                    register,
                }));
                self.keep_attachments(store, &foreign.attachments).await;
            }
            Err(e) => store.error(e.to_string()),
        }
    }
}

fn describe_merge(
    d: &RegisterDoc,
    file: &str,
    merged: &MergeSummary,
    nothing_new: bool,
) -> Summary {
    let register = d.id();
    let name = d.info().map(|i| i.name).unwrap_or_default();
    if nothing_new {
        return Summary {
            heading: format!("Nothing new in {file}"),
            lines: vec![format!(
                "\u{201c}{name}\u{201d} already had every change in this file."
            )],
            conflicts: Vec::new(),
            register,
        };
    }
    let conflicts: Vec<(String, String, usize)> = merged
        .conflicted
        .iter()
        .map(|id| {
            let reference = d
                .finding(id)
                .map(|f| f.reference.clone())
                .unwrap_or_default();
            let fields = d.conflicts(id).map(|c| c.len()).unwrap_or(0);
            (id.clone(), reference, fields)
        })
        .collect();
    let fields: usize = conflicts.iter().map(|c| c.2).sum();
    let mut lines = vec![
        format!("Findings added: {}", merged.findings_added),
        format!("Findings changed: {}", merged.findings_changed),
        format!(
            "Findings removed by the other side: {}",
            merged.removed.len()
        ),
        format!("Fields in conflict: {fields}"),
    ];
    for r in &merged.removed {
        let what = if r.kept {
            "its record was deleted there; kept here as deleted, with every edit made here"
        } else {
            "marked deleted there; restore it from the deleted findings if it is still needed"
        };
        lines.push(format!(
            "Removed: {} \u{201c}{}\u{201d}: {what}.",
            r.reference, r.title
        ));
    }
    if merged.duplicate_references.is_empty() {
        lines.push("Duplicate references: none".into());
    } else {
        lines.push(format!(
            "Duplicate references: {}",
            merged
                .duplicate_references
                .iter()
                .map(|r| format!("{} ({} findings)", r.reference, r.finding_ids.len()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Summary {
        heading: format!("Merged {file} into \u{201c}{name}\u{201d}"),
        lines,
        conflicts,
        register,
    }
}

/// Downloads the register file (the one colleagues merge), with its
/// attachments unless the person chose to leave them out, or says why not.
pub fn export_register_file(store: Store, attachments: bool) {
    let name = export_name(store, exchange::REGISTER_EXTENSION);
    spawn_local(async move {
        let result = async {
            let export = store.export_file()?;
            let (export, carried, left_out) = if attachments {
                store.carry_attachments(export).await?
            } else {
                (export, 0, 0)
            };
            store.deliver_export(export, &name)?;
            Ok::<_, String>((carried, left_out))
        }
        .await;
        match result {
            Ok((_, 0)) => {}
            Ok((carried, left_out)) => store.info(format!(
                "Exported with {carried} attachment(s). {left_out} attachment(s) are not stored in this browser and were left out; they show as missing where the file is opened."
            )),
            Err(e) => store.error(format!("The export failed: {e}")),
        }
    });
}

/// On the first screen: open a register file received from a colleague.
#[component]
pub fn OpenRegisterFile() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let import = move |ev: leptos::ev::Event| {
        if let Some(file) = picked_file(&ev) {
            exchange.take_file(store, file);
        }
    };
    view! {
        <Show when=move || store.profile.get().is_some()>
            <section class="panel" aria-labelledby="open-file-title">
                <h2 id="open-file-title">"Received a register file?"</h2>
                <p>
                    "Open a register file (.ncr, or .ncr.age when encrypted) exported by another auditor to work on the same register. You can also drop it onto the page."
                </p>
                <input
                    id="open-register-file"
                    class="file-input visually-hidden"
                    type="file"
                    accept=".ncr,.age,application/octet-stream"
                    disabled=move || exchange.busy.get()
                    on:change=import
                />
                <label for="open-register-file" class="file-button">
                    "Open a register file"
                </label>
            </section>
        </Show>
    }
}

#[component]
pub(super) fn ForeignChoice() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let open_separately = move |_| {
        let Some(f) = exchange.foreign.get_untracked() else {
            return;
        };
        exchange.foreign.set(None);
        exchange.busy.set(true);
        spawn_local(async move {
            if exchange
                .open_as_register(store, f.file.clone(), &f.bytes, f.info.clone())
                .await
            {
                exchange.keep_attachments(store, &f.attachments).await;
            }
            exchange.busy.set(false);
        });
    };
    let copy = move |_| {
        if let Some(f) = exchange.foreign.get_untracked() {
            exchange.foreign.set(None);
            spawn_local(exchange.copy_into_open(store, f));
        }
    };
    let dismiss = move |_| exchange.foreign.set(None);
    // The choice interrupts the import, so the keyboard goes straight to it.
    let first = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = first.get() {
            let _ = button.focus();
        }
    });
    let current = move || {
        store
            .with_register(|d| d.info().map(|i| i.name))
            .flatten()
            .unwrap_or_default()
    };
    view! {
        {move || {
            exchange
                .foreign
                .get()
                .map(|f| {
                    view! {
                        <section
                            class="panel exchange-choice"
                            role="alertdialog"
                            aria-labelledby="foreign-title"
                            aria-describedby="foreign-text"
                        >
                            <h2 id="foreign-title">"This file holds a different register"</h2>
                            <p id="foreign-text">
                                {format!(
                                    "{} holds \u{201c}{}\u{201d} ({}), not \u{201c}{}\u{201d}, the register open here. It has not been merged.",
                                    f.file,
                                    f.info.name,
                                    findings(f.findings),
                                    current(),
                                )}
                            </p>
                            <div class="actions">
                                <button
                                    type="button"
                                    class="primary"
                                    node_ref=first
                                    on:click=open_separately
                                >
                                    "Open as a separate register"
                                </button>
                                <button type="button" on:click=copy>
                                    "Copy its findings into this register"
                                </button>
                                <button type="button" on:click=dismiss>
                                    "Cancel"
                                </button>
                            </div>
                        </section>
                    }
                })
        }}
    }
}
