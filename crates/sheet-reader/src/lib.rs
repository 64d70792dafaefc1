//! The spreadsheet module, a WebAssembly module of its own.
//!
//! Reading `.xlsx` (calamine, zip, quick-xml and its encoding tables) is
//! about 250 kB of gzipped wasm that only an import of a workbook needs,
//! and writing one (rust_xlsxwriter and zip's deflater) about 90 kB more
//! that only the XLSX export needs, so neither is in the app's module: the
//! page starts this one in a throwaway worker when a workbook is picked or
//! exported (`src/platform/isolate.rs`, through the same worker script as
//! the file check, `public/check-worker.js`), and the service worker keeps
//! it for offline use like every other file of the build. A workbook that
//! makes the reader fail stops only the worker.
//!
//! The answers: a read workbook is JSON ([`xlsx_read::WorkbookAnswer`]),
//! read by the page into the same table a CSV becomes; a written one is
//! its bytes. Nothing else belongs here: the app must never depend on this
//! crate, or its exported functions would pull both into the app's module.

use wasm_bindgen::prelude::*;

use ncr_core::exchange::workbook::WorkbookTable;
use ncr_core::exchange::{xlsx, xlsx_read};

/// What the worker script calls: the workbook's sheets as JSON.
#[wasm_bindgen]
pub fn ncr_read_workbook(bytes: &[u8]) -> String {
    serde_json::to_string(&xlsx_read::answer(bytes))
        .unwrap_or_else(|_| r#"{"error":"The workbook's contents could not be passed on."}"#.into())
}

/// The XLSX export's cells (`workbook::WorkbookTable` as JSON, worked out by
/// the page from its register) written as a workbook, its creation date
/// `today` (`YYYY-MM-DD`, the person's calendar day); `Err` is the
/// sentence to show.
pub fn write_workbook(table: &[u8], today: &str) -> Result<Vec<u8>, String> {
    let today = chrono::NaiveDate::parse_from_str(today, "%Y-%m-%d")
        .map_err(|_| format!("The workbook could not be written: {today:?} is not a date."))?;
    let table: WorkbookTable = serde_json::from_slice(table).map_err(|e| {
        format!("The workbook could not be written: its cells did not arrive ({e}).")
    })?;
    xlsx::write_workbook(&table, today).map_err(|e| e.to_string())
}

/// What the worker script calls to export: the workbook's bytes, or a JSON
/// `{"error": sentence}`. (Compiled natively too, never called there, so
/// that the native build lints it.)
#[wasm_bindgen]
pub fn ncr_write_workbook(table: &[u8], today: &str) -> JsValue {
    match write_workbook(table, today) {
        Ok(workbook) => js_sys::Uint8Array::from(workbook.as_slice()).into(),
        Err(sentence) => JsValue::from_str(&serde_json::json!({ "error": sentence }).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ncr_core::exchange::workbook::{ColumnHead, SheetTable};
    use ncr_core::exchange::Cell;

    #[test]
    fn cells_become_a_workbook_and_a_bad_date_or_table_a_sentence() {
        let table = WorkbookTable {
            title: "ACME ISMS 2026".into(),
            company: "ACME".into(),
            sheets: vec![SheetTable {
                name: "Findings".into(),
                columns: vec![ColumnHead {
                    header: "Title".into(),
                    width: 50.0,
                }],
                rows: vec![vec![Cell::Text("Backups untested".into())]],
            }],
        };
        let json = serde_json::to_vec(&table).unwrap();
        let workbook = write_workbook(&json, "2026-12-06").unwrap();
        assert!(
            workbook.starts_with(b"PK\x03\x04"),
            "a zip, as every .xlsx is"
        );
        assert!(write_workbook(&json, "6/12/2026")
            .unwrap_err()
            .contains("is not a date"));
        assert!(write_workbook(b"not cells", "2026-12-06")
            .unwrap_err()
            .contains("its cells did not arrive"));
    }
}
