//! The register screen's exchange buttons: the register file and
//! spreadsheets out, any file in, and the printable report.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::register_file::export_register_file;
use super::{export_name, picked_file, use_exchange};
use crate::platform::{files, isolate};
use crate::ui::route::Route;
use crate::ui::state::{today, use_store};
use ncr_core::exchange::csv as csv_exchange;
use ncr_core::exchange::{self, json, workbook};

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
    // Offered only when the register has attachments, and on by default:
    // a colleague merging the file then has the photos too. Off, the file
    // is the plain register file and they show as missing there.
    let has_attachments = move || {
        store
            .with_findings(|d| d.findings().values().any(|f| !f.attachments.is_empty()))
            .unwrap_or(false)
    };
    let with_attachments = exchange.with_attachments;
    let export =
        move |_| export_register_file(store, with_attachments.get_untracked() && has_attachments());
    // The cells are read here; the workbook is written by the spreadsheet
    // module in a worker, so the writer is not in the app's module and the
    // zipping is done off the page. The file is named when the export was
    // asked for.
    let writing_xlsx = RwSignal::new(false);
    let export_xlsx = move |_| {
        let Some(table) = store.with_doc_untracked(workbook::workbook_table) else {
            store.error("The export failed: no register is open".to_owned());
            return;
        };
        let name = export_name(store, "xlsx");
        writing_xlsx.set(true);
        spawn_local(async move {
            let written = isolate::write_workbook(&table, today()).await;
            writing_xlsx.set(false);
            let result = written.and_then(|b| files::download(&b, &name, exchange::XLSX_MIME));
            if let Err(e) = result {
                store.error(format!("The export failed: {e}"));
            }
        });
    };
    let export_csv = move |_| {
        let bytes = store
            .with_doc_untracked(|d| csv_exchange::export_findings(d).map_err(|e| e.to_string()))
            .unwrap_or_else(|| Err("no register is open".into()));
        offer(bytes, "csv", exchange::CSV_MIME);
    };
    let export_json = move |_| {
        let by = store
            .profile
            .get_untracked()
            .map(|p| p.name)
            .unwrap_or_default();
        let bytes = store
            .with_doc_untracked(|d| json::export_register(d, &by, chrono::Utc::now()))
            .ok_or_else(|| "no register is open".to_owned());
        offer(bytes, "json", json::JSON_MIME);
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
            <button
                type="button"
                aria-expanded=move || exchange.sealing.get().to_string()
                on:click=move |_| exchange.sealing.update(|open| *open = !*open)
                title="Download the register file encrypted with a passphrase or to people's keys"
            >
                "Export encrypted…"
            </button>
            <Show when=has_attachments>
                <label class="inline-check">
                    <input
                        type="checkbox"
                        prop:checked=move || with_attachments.get()
                        on:change=move |ev| with_attachments.set(event_target_checked(&ev))
                    />
                    "Include attachments in the export"
                </label>
            </Show>
            <input
                id="import-file"
                class="file-input visually-hidden"
                type="file"
                accept=".ncr,.age,.csv,.xlsx,.xlsm,application/octet-stream,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                aria-describedby="import-help"
                disabled=move || exchange.busy.get()
                on:change=import
            />
            <label for="import-file" class="file-button">
                "Import"
            </label>
            <span id="import-help" class="visually-hidden">
                "A register file from another auditor (encrypted or not), or a spreadsheet of findings (CSV or Excel workbook). You can also drop a file onto the page."
            </span>
            <button
                type="button"
                on:click=export_xlsx
                disabled=move || writing_xlsx.get()
                aria-busy=move || writing_xlsx.get().to_string()
            >
                {move || {
                    if writing_xlsx.get() {
                        "Writing the workbook…"
                    } else {
                        "Export to Excel (XLSX)"
                    }
                }}
            </button>
            <button type="button" on:click=export_csv>
                "Export to CSV"
            </button>
            <button
                type="button"
                on:click=export_json
                title="The register's current state in a documented format, for other tools and scripts"
            >
                "Export to JSON"
            </button>
            <a href=move || Route::Report(rid.get_value()).href()>"Printable report"</a>
        </div>
    }
}
