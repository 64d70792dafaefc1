//! The workbook reader, a WebAssembly module of its own.
//!
//! Reading `.xlsx` (calamine, zip, quick-xml and its encoding tables) is
//! about 250 kB of gzipped wasm that only an import of a workbook needs, so
//! it is not in the app's module: the page starts this one in a throwaway
//! worker when a workbook is picked (`src/platform/sheets.rs`, through the
//! same worker script as the file check, `public/check-worker.js`), and the
//! service worker keeps it for offline use like every other file of the
//! build. A workbook that makes the reader fail stops only the worker.
//!
//! The answer is JSON ([`xlsx_read::WorkbookAnswer`]), read by the page
//! into the same table a CSV becomes. Nothing else belongs here: the app
//! must never depend on this crate, or its exported function would pull
//! the reader into the app's module.

use wasm_bindgen::prelude::*;

use ncr_core::exchange::xlsx_read;

/// What the worker script calls: the workbook's sheets as JSON.
#[wasm_bindgen]
pub fn ncr_read_workbook(bytes: &[u8]) -> String {
    serde_json::to_string(&xlsx_read::answer(bytes))
        .unwrap_or_else(|_| r#"{"error":"The workbook's contents could not be passed on."}"#.into())
}
