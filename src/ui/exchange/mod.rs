//! Exchange between auditors: the register file out ("Export") and in
//! ("Import", or a file dropped anywhere on the page), spreadsheets out, and
//! findings in from a CSV through a column-mapping step.
//!
//! An incoming register file is first read in a throwaway worker
//! (`platform::isolate`), so that a file that makes the reader fail is
//! refused without harming the page. It is never merged into the wrong
//! register: its identity comes from that check, and
//! - a file of the open register is merged, then summarised;
//! - a file of another register waits for the person's choice: open it as
//!   that register (merged into this browser's copy if it already has one,
//!   so nothing stored is ever replaced), or copy its findings in;
//! - with no register open there is nothing to confuse it with: it opens.
//!
//! Refused files (damaged, not a register, newer format) show the document
//! layer's sentence as an alert and change nothing.

mod register_file;
mod sealed;
mod spreadsheet;
mod toolbar;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::platform::files;
use crate::ui::route::Route;
use crate::ui::state::{use_store, Store};
use ncr_core::exchange;
use ncr_core::exchange::import::ImportOptions;
use register_file::{Foreign, ForeignChoice};
use sealed::{SealedExport, SealedFile, SealedFilePrompt};
use spreadsheet::{SheetImport, SpreadsheetMapping};

pub use register_file::{export_register_file, OpenRegisterFile};
pub use toolbar::ExchangeToolbar;

/// What the last import did, for the summary region.
#[derive(Clone, PartialEq)]
struct Summary {
    heading: String,
    lines: Vec<String>,
    /// Conflicted findings: (id, reference, fields in conflict).
    conflicts: Vec<(String, String, usize)>,
    register: String,
}

/// The exchange state, shared by the toolbar (in the register screen) and
/// the panels (above every screen). Provided once by the app shell.
#[derive(Clone, Copy)]
pub struct Exchange {
    foreign: RwSignal<Option<Foreign>>,
    summary: RwSignal<Option<Summary>>,
    /// A spreadsheet on its mapping step, the sheet chosen, what its
    /// columns mean, and the import's progress (and whether it was stopped).
    sheet_import: RwSignal<Option<SheetImport>>,
    sheet: RwSignal<usize>,
    options: RwSignal<ImportOptions>,
    progress: RwSignal<Option<String>>,
    cancelled: RwSignal<bool>,
    busy: RwSignal<bool>,
    dragging: RwSignal<bool>,
    /// An encrypted file waiting for its passphrase.
    sealed: RwSignal<Option<SealedFile>>,
    /// Whether the encrypted export's form is open.
    sealing: RwSignal<bool>,
    /// "Include attachments in the export", for the plain and the
    /// encrypted export alike.
    with_attachments: RwSignal<bool>,
}

impl Exchange {
    pub fn provide() {
        provide_context(Exchange {
            foreign: RwSignal::new(None),
            summary: RwSignal::new(None),
            sheet_import: RwSignal::new(None),
            sheet: RwSignal::new(0),
            options: RwSignal::new(ImportOptions::default()),
            progress: RwSignal::new(None),
            cancelled: RwSignal::new(false),
            busy: RwSignal::new(false),
            dragging: RwSignal::new(false),
            sealed: RwSignal::new(None),
            sealing: RwSignal::new(false),
            with_attachments: RwSignal::new(true),
        });
    }

    fn clear(&self) {
        self.foreign.set(None);
        self.sealed.set(None);
        self.summary.set(None);
        self.sheet_import.set(None);
        self.cancelled.set(true);
        self.progress.set(None);
    }

    /// Reads a picked or dropped file and routes it.
    fn take_file(self, store: Store, file: web_sys::File) {
        let name = file.name();
        self.busy.set(true);
        spawn_local(async move {
            match files::read(&file).await {
                // Routed by the engine (crate::engine): what a file can
                // lead to (a merge, an import, a register opened) is its.
                Ok(bytes) => match crate::engine::ready().await {
                    Ok(engine) => engine.receive_file(self, store, name, bytes).await,
                    Err(e) => store.error(e),
                },
                Err(e) => store.error(format!(
                    "The file could not be read ({e}). Nothing was changed."
                )),
            }
            self.busy.set(false);
        });
    }

    pub(crate) async fn receive(self, store: Store, name: String, bytes: Vec<u8>) {
        self.clear();
        store.notice.set(None);
        if store.profile.get_untracked().is_none() {
            store.error("Set your name and initials before importing a file.");
            return;
        }
        // An encrypted file is opened first (with this browser's key, or
        // a passphrase asked for), then routed as what it holds.
        let (name, bytes) = if exchange::is_sealed(&bytes) {
            match self
                .unseal(store, name, std::sync::Arc::new(bytes), None)
                .await
            {
                Some(opened) => opened,
                None => return,
            }
        } else {
            (name, bytes)
        };
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            self.receive_csv(store, name, &bytes);
            return;
        }
        if [".xlsx", ".xlsm", ".xls", ".ods"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            self.receive_workbook(store, name, &bytes).await;
            return;
        }
        self.receive_register_file(store, name, bytes).await;
    }
}

fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".into()
    } else {
        format!("{n} findings")
    }
}

fn use_exchange() -> Exchange {
    expect_context::<Exchange>()
}

/// The file of a change event on a file input, after which the input is
/// emptied so that picking the same file again still fires.
fn picked_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input = ev.target()?.dyn_into::<web_sys::HtmlInputElement>().ok()?;
    let file = input.files()?.get(0);
    input.set_value("");
    file
}

/// The file name an export gets: register, auditor and date.
pub(crate) fn export_name(store: Store, extension: &str) -> String {
    let register = store
        .with_doc_untracked(|d| d.info().map(|i| i.name))
        .flatten()
        .unwrap_or_default();
    let auditor = store
        .profile
        .get_untracked()
        .map(|p| p.name)
        .unwrap_or_default();
    exchange::file_name(
        &register,
        &auditor,
        crate::platform::clock::now_local(),
        extension,
    )
}

/// Above every screen: the choice for a foreign register file, the import
/// summary, the CSV mapping step; and drag and drop onto the whole page.
#[component]
pub fn ExchangePanels() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();

    let has_files = |ev: &web_sys::DragEvent| {
        ev.data_transfer()
            .map(|dt| dt.types().includes(&"Files".into(), 0))
            .unwrap_or(false)
    };
    // "Check a report" only reads a file: one dropped there is not
    // imported. Its file input takes a file dropped onto it, as any input
    // does; anywhere else on that screen a drop does nothing.
    let checking = move || store.route.get_untracked() == Route::Check;
    let onto_file_input = |ev: &web_sys::DragEvent| {
        ev.target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|i| i.type_() == "file")
    };
    let over = window_event_listener(leptos::ev::dragover, move |ev| {
        if has_files(&ev) {
            if checking() && onto_file_input(&ev) {
                return;
            }
            // Without this the browser refuses the drop.
            ev.prevent_default();
            exchange.dragging.set(!checking());
        }
    });
    let leave = window_event_listener(leptos::ev::dragleave, move |ev| {
        // Leaving the window has no element to go to.
        if ev.related_target().is_none() {
            exchange.dragging.set(false);
        }
    });
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        exchange.dragging.set(false);
        if checking() && onto_file_input(&ev) {
            return;
        }
        // Always: a file dropped on a page otherwise replaces the app.
        ev.prevent_default();
        if checking() {
            return;
        }
        let file = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .and_then(|list| list.get(0));
        if let Some(file) = file {
            exchange.take_file(store, file);
        }
    });
    on_cleanup(move || {
        over.remove();
        leave.remove();
        drop.remove();
    });

    view! {
        <div class="exchange-panels">
            <Show when=move || exchange.dragging.get()>
                <div class="drop-hint" aria-hidden="true">
                    "Drop the file to import it"
                </div>
            </Show>
            // The panels are the engine's code (crate::engine), drawn once
            // it has arrived: a received file is routed by it, and "Export
            // encrypted…" exports an open register, which only it opens.
            {move || { crate::engine::loaded().map(|e| e.exchange_panels()) }}
        </div>
    }
}

/// The panels of [`ExchangePanels`] that a received file opens, drawn by
/// the engine's module.
pub(crate) fn panels() -> AnyView {
    let store = use_store();
    let exchange = use_exchange();
    view! {
        <ForeignChoice />
        <SealedFilePrompt />
        // A register's export: not above the screens of no register.
        <Show when=move || {
            exchange.sealing.get() && store.route.with(|r| r.register().is_some())
        }>
            <SealedExport />
        </Show>
        <div class="import-summary" role="status" aria-live="polite">
            {move || exchange.summary.get().map(|s| view! { <SummaryView summary=s /> })}
        </div>
        {move || { exchange.sheet_import.get().map(|i| view! { <SpreadsheetMapping import=i /> }) }}
    }
    .into_any()
}

#[component]
fn SummaryView(summary: Summary) -> impl IntoView {
    let exchange = use_exchange();
    let register = summary.register.clone();
    view! {
        <section class="panel" aria-labelledby="import-summary-title">
            <h2 id="import-summary-title">{summary.heading}</h2>
            <ul>{summary.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul>
            {(!summary.conflicts.is_empty())
                .then(|| {
                    view! {
                        <p>"Findings with fields in conflict (choose a value on each):"</p>
                        <ul>
                            {summary
                                .conflicts
                                .into_iter()
                                .map(|(id, reference, fields)| {
                                    let href = Route::Finding(register.clone(), id).href();
                                    view! {
                                        <li>
                                            <a href=href>{reference}</a>
                                            {format!(
                                                " ({fields} field{})",
                                                if fields == 1 { "" } else { "s" },
                                            )}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            <button type="button" on:click=move |_| exchange.summary.set(None)>
                "Close summary"
            </button>
        </section>
    }
}
