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

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::platform::clock::system_clock;
use crate::platform::{files, isolate};
use crate::ui::route::Route;
use crate::ui::state::{new_id, today, use_store, Store};
use crate::ui::widgets::enum_options;
use ncr_core::document::{MergeSummary, RegisterDoc};
use ncr_core::exchange::csv::{self as csv_exchange, CsvTable, ParsedImport, Target};
use ncr_core::exchange::{self, xlsx};
use ncr_core::model::RegisterInfo;

/// A register file of another register, waiting for the person's choice.
#[derive(Clone)]
struct Foreign {
    file: String,
    bytes: Arc<Vec<u8>>,
    info: RegisterInfo,
    findings: usize,
}

/// What the last import did, for the summary region.
#[derive(Clone, PartialEq)]
struct Summary {
    heading: String,
    lines: Vec<String>,
    /// Conflicted findings: (id, reference, fields in conflict).
    conflicts: Vec<(String, String, usize)>,
    register: String,
}

/// A CSV waiting for its columns to be mapped.
#[derive(Clone)]
struct CsvImport {
    file: String,
    table: Arc<CsvTable>,
}

/// The exchange state, shared by the toolbar (in the register screen) and
/// the panels (above every screen). Provided once by the app shell.
#[derive(Clone, Copy)]
pub struct Exchange {
    foreign: RwSignal<Option<Foreign>>,
    summary: RwSignal<Option<Summary>>,
    csv: RwSignal<Option<CsvImport>>,
    mapping: RwSignal<Vec<Option<Target>>>,
    busy: RwSignal<bool>,
    dragging: RwSignal<bool>,
}

impl Exchange {
    pub fn provide() {
        provide_context(Exchange {
            foreign: RwSignal::new(None),
            summary: RwSignal::new(None),
            csv: RwSignal::new(None),
            mapping: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            dragging: RwSignal::new(false),
        });
    }

    fn clear(&self) {
        self.foreign.set(None);
        self.summary.set(None);
        self.csv.set(None);
    }

    /// Reads a picked or dropped file and routes it.
    fn take_file(self, store: Store, file: web_sys::File) {
        let name = file.name();
        self.busy.set(true);
        spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => self.receive(store, name, bytes).await,
                Err(e) => store.error(format!(
                    "The file could not be read ({e}). Nothing was changed."
                )),
            }
            self.busy.set(false);
        });
    }

    async fn receive(self, store: Store, name: String, bytes: Vec<u8>) {
        self.clear();
        store.notice.set(None);
        if store.profile.get_untracked().is_none() {
            store.error("Set your name and initials before importing a file.");
            return;
        }
        if name.to_ascii_lowercase().ends_with(".csv") {
            self.receive_csv(store, name, &bytes);
            return;
        }
        // Read first in a throwaway worker: a file that makes the reader
        // fail must not take the page with it (platform::isolate).
        let info = match isolate::check_file(&bytes).await {
            Ok(info) => info,
            Err(e) => {
                store.error(e);
                return;
            }
        };
        let open = store.with_doc_untracked(RegisterDoc::id);
        match open {
            Some(id) if id == info.id => self.merge_open(store, &name, &bytes),
            Some(_) => {
                let findings = store
                    .profile
                    .get_untracked()
                    .and_then(|p| RegisterDoc::open(&bytes, p.session_actor(), system_clock).ok())
                    .map(|d| d.live_findings().count())
                    .unwrap_or(0);
                self.foreign.set(Some(Foreign {
                    file: name,
                    bytes: Arc::new(bytes),
                    info,
                    findings,
                }))
            }
            None => self.open_as_register(store, name, &bytes, info).await,
        }
    }

    fn merge_open(self, store: Store, file: &str, bytes: &[u8]) {
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
            Ok(summary) => self.summary.set(Some(summary)),
            Err(e) => store.error(e.to_string()),
        }
    }

    /// Opens the file as its own register (same id). If this browser already
    /// holds that register, the stored copy is opened and the file merged
    /// into it, so that local work is never overwritten by a file.
    async fn open_as_register(self, store: Store, file: String, bytes: &[u8], info: RegisterInfo) {
        let held = store
            .registers
            .get_untracked()
            .iter()
            .any(|r| r.id == info.id);
        if held {
            store.open_register(&info.id).await;
            if store.with_doc_untracked(RegisterDoc::id).as_deref() == Some(info.id.as_str()) {
                self.merge_open(store, &file, bytes);
                Route::Register(info.id).go();
                return;
            }
        }
        let Some(profile) = store.profile.get_untracked() else {
            return;
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
                return;
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
                Route::Register(id).go();
            }
            Err(e) => store.error(e),
        }
    }

    fn copy_into_open(self, store: Store, foreign: Foreign) {
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
            }
            Err(e) => store.error(e.to_string()),
        }
    }

    fn receive_csv(self, store: Store, file: String, bytes: &[u8]) {
        if !store.has_register() {
            store.error("Open a register first: findings from a spreadsheet are imported into the open register.");
            return;
        }
        match csv_exchange::read_table(bytes) {
            Ok(table) => {
                self.mapping
                    .set(csv_exchange::suggest_mapping(&table.headers));
                self.csv.set(Some(CsvImport {
                    file,
                    table: Arc::new(table),
                }));
            }
            Err(e) => store.error(e.to_string()),
        }
    }
}

fn findings(n: usize) -> String {
    if n == 1 {
        "1 finding".into()
    } else {
        format!("{n} findings")
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
fn export_name(store: Store, extension: &str) -> String {
    let register = store
        .with_doc_untracked(|d| d.info().map(|i| i.name))
        .flatten()
        .unwrap_or_default();
    let auditor = store
        .profile
        .get_untracked()
        .map(|p| p.name)
        .unwrap_or_default();
    exchange::file_name(&register, &auditor, today(), extension)
}

/// Downloads the register file (the one colleagues merge), or says why not.
pub fn export_register_file(store: Store) {
    if let Err(e) = store.export_register(&export_name(store, exchange::REGISTER_EXTENSION)) {
        store.error(format!("The export failed: {e}"));
    }
}

/// Export and import buttons for the register screen's header.
#[component]
pub fn ExchangeToolbar(register: String) -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let rid = StoredValue::new(register);
    let offer = move |bytes: Result<Vec<u8>, String>, extension: &str, mime: &str| {
        let result = bytes.and_then(|b| files::download(&b, &export_name(store, extension), mime));
        if let Err(e) = result {
            store.error(format!("The export failed: {e}"));
        }
    };
    let export = move |_| export_register_file(store);
    let export_xlsx = move |_| {
        let bytes = store
            .with_doc_untracked(|d| xlsx::export_workbook(d, today()).map_err(|e| e.to_string()))
            .unwrap_or_else(|| Err("no register is open".into()));
        offer(bytes, "xlsx", exchange::XLSX_MIME);
    };
    let export_csv = move |_| {
        let bytes = store
            .with_doc_untracked(|d| csv_exchange::export_findings(d).map_err(|e| e.to_string()))
            .unwrap_or_else(|| Err("no register is open".into()));
        offer(bytes, "csv", exchange::CSV_MIME);
    };
    let import = move |ev: leptos::ev::Event| {
        if let Some(file) = picked_file(&ev) {
            exchange.take_file(store, file);
        }
    };
    view! {
        <div class="exchange-toolbar" role="group" aria-label="Exchange">
            <button
                type="button"
                on:click=export
                title="Download the whole register with its history, to give to another auditor"
            >
                "Export"
            </button>
            <input
                id="import-file"
                class="file-input visually-hidden"
                type="file"
                accept=".ncr,.csv,application/octet-stream,text/csv"
                aria-describedby="import-help"
                disabled=move || exchange.busy.get()
                on:change=import
            />
            <label for="import-file" class="file-button">
                "Import"
            </label>
            <span id="import-help" class="visually-hidden">
                "A register file from another auditor, or a CSV of findings. You can also drop a file onto the page."
            </span>
            <button type="button" on:click=export_xlsx>
                "Export to Excel (XLSX)"
            </button>
            <button type="button" on:click=export_csv>
                "Export to CSV"
            </button>
            <a href=move || Route::Report(rid.get_value()).href()>"Printable report"</a>
        </div>
    }
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
                    "Open a register file (.ncr) exported by another auditor to work on the same register. You can also drop it onto the page."
                </p>
                <input
                    id="open-register-file"
                    class="file-input visually-hidden"
                    type="file"
                    accept=".ncr,application/octet-stream"
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
    let over = window_event_listener(leptos::ev::dragover, move |ev| {
        if has_files(&ev) {
            // Without this the browser refuses the drop.
            ev.prevent_default();
            exchange.dragging.set(true);
        }
    });
    let leave = window_event_listener(leptos::ev::dragleave, move |ev| {
        // Leaving the window has no element to go to.
        if ev.related_target().is_none() {
            exchange.dragging.set(false);
        }
    });
    let drop = window_event_listener(leptos::ev::drop, move |ev| {
        // Always: a file dropped on a page otherwise replaces the app.
        ev.prevent_default();
        exchange.dragging.set(false);
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
            <ForeignChoice />
            <div class="import-summary" role="status" aria-live="polite">
                {move || exchange.summary.get().map(|s| view! { <SummaryView summary=s /> })}
            </div>
            {move || exchange.csv.get().map(|c| view! { <CsvMapping import=c /> })}
        </div>
    }
}

#[component]
fn ForeignChoice() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let open_separately = move |_| {
        let Some(f) = exchange.foreign.get_untracked() else {
            return;
        };
        exchange.foreign.set(None);
        exchange.busy.set(true);
        spawn_local(async move {
            exchange
                .open_as_register(store, f.file.clone(), &f.bytes, f.info.clone())
                .await;
            exchange.busy.set(false);
        });
    };
    let copy = move |_| {
        if let Some(f) = exchange.foreign.get_untracked() {
            exchange.foreign.set(None);
            exchange.copy_into_open(store, f);
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
            .with_doc(|d| d.info().map(|i| i.name))
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

#[component]
fn CsvMapping(import: CsvImport) -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let table = import.table.clone();
    let file = StoredValue::new(import.file.clone());
    let parsed_table = table.clone();
    let parsed = Memo::new(move |_| {
        exchange
            .mapping
            .with(|m| csv_exchange::parse_rows(&parsed_table, m, today()))
    });
    let count = move || parsed.with(|p: &ParsedImport| p.findings.len());
    let choose = move |column: usize, target: Option<Target>| {
        exchange.mapping.update(|m| {
            if m.len() <= column {
                m.resize(column + 1, None);
            }
            // One column per field: taking a field frees it elsewhere.
            if target.is_some() {
                for slot in m.iter_mut() {
                    if *slot == target {
                        *slot = None;
                    }
                }
            }
            m[column] = target;
        });
    };
    let run = move |_| {
        let rows = parsed.with_untracked(|p| p.findings.clone());
        let skipped = parsed.with_untracked(|p| p.errors.len());
        let today = today();
        match store.mutate(|d| csv_exchange::import_findings(d, &rows, new_id, today)) {
            Ok(ids) => {
                let register = store
                    .with_doc_untracked(RegisterDoc::id)
                    .unwrap_or_default();
                let mut lines = vec![format!(
                    "{} imported, each starting open.",
                    findings(ids.len())
                )];
                if skipped > 0 {
                    lines.push(format!(
                        "{skipped} row(s) skipped because of the errors listed before the import."
                    ));
                }
                exchange.csv.set(None);
                exchange.summary.set(Some(Summary {
                    heading: format!("Imported findings from {}", file.get_value()),
                    lines,
                    conflicts: Vec::new(),
                    register,
                }));
            }
            Err(e) => store.error(e.to_string()),
        }
    };
    let rows = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let example = table
                .rows
                .iter()
                .map(|r| r.cell(i))
                .find(|c| !c.is_empty())
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>();
            let select_id = format!("csv-map-{i}");
            let current = move || exchange.mapping.with(|m| m.get(i).copied().flatten());
            view! {
                <tr>
                    <th scope="row">
                        <label for=select_id.clone()>{header.clone()}</label>
                    </th>
                    <td class="example">{example}</td>
                    <td>
                        <select
                            id=select_id
                            on:change=move |ev| choose(
                                i,
                                Target::from_code(&event_target_value(&ev)),
                            )
                        >
                            <option value="" selected=move || current().is_none()>
                                "Do not import"
                            </option>
                            {enum_options(Some(current.into()))}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel csv-mapping" aria-labelledby="csv-title">
            <h2 id="csv-title">{format!("Import findings from {}", import.file)}</h2>
            <p class="help">
                "Choose the field each column fills. Imported findings start open; a status column is not imported, so that each finding goes through the lifecycle checks here."
            </p>
            <table class="mapping">
                <caption class="visually-hidden">"Column mapping"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Column"</th>
                        <th scope="col">"First value"</th>
                        <th scope="col">"Imports into"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {move || {
                let errors = parsed.with(|p| p.errors.clone());
                (!errors.is_empty())
                    .then(|| {
                        view! {
                            <div class="row-errors">
                                <h3>
                                    {format!(
                                        "{} row{} will be skipped",
                                        errors.len(),
                                        if errors.len() == 1 { "" } else { "s" },
                                    )}
                                </h3>
                                <ul>
                                    {errors
                                        .into_iter()
                                        .map(|e| view! { <li>{e.to_string()}</li> })
                                        .collect_view()}
                                </ul>
                            </div>
                        }
                    })
            }}
            <div class="actions">
                <button type="button" class="primary" disabled=move || count() == 0 on:click=run>
                    {move || format!("Import {}", findings(count()))}
                </button>
                <button type="button" on:click=move |_| exchange.csv.set(None)>
                    "Cancel"
                </button>
            </div>
        </section>
    }
}
