//! What passes between the page and the spreadsheet module's worker
//! (`crates/sheet-reader`): a read workbook's answer, and the XLSX export
//! as a table of cells ([`workbook_table`]), worked out on the page from
//! the register and written into a workbook by the module. Reading and
//! writing workbooks (`xlsx_read`, `xlsx`) are behind the `xlsx` feature,
//! which the app leaves off so that neither calamine, rust_xlsxwriter nor
//! a zip deflater is linked into its module; and the module needs no
//! Automerge, since it is handed cells, not the register.

use serde::{Deserialize, Serialize};

use super::csv::CsvTable;
use super::{
    action_columns, exported_actions, exported_findings, finding_columns, Cell, Column,
    ExportContext,
};
use crate::document::RegisterDoc;

pub const FINDINGS_SHEET: &str = "Findings";
pub const ACTIONS_SHEET: &str = "Actions";

/// The XLSX export before it is a workbook: the file's properties and its
/// sheets, every cell already read from the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkbookTable {
    pub title: String,
    pub company: String,
    pub sheets: Vec<SheetTable>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SheetTable {
    pub name: String,
    pub columns: Vec<ColumnHead>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnHead {
    pub header: String,
    /// Width in characters; 40 and more wraps its text.
    pub width: f64,
}

fn sheet<T>(name: &str, columns: &[Column<T>], rows: &[&T], ctx: &ExportContext) -> SheetTable {
    SheetTable {
        name: name.to_owned(),
        columns: columns
            .iter()
            .map(|c| ColumnHead {
                header: c.header.to_owned(),
                width: c.width,
            })
            .collect(),
        rows: rows
            .iter()
            .map(|item| columns.iter().map(|c| (c.value)(item, ctx)).collect())
            .collect(),
    }
}

/// The register's XLSX export as cells: a "Findings" sheet (one row per
/// live finding, the same columns as the CSV) and an "Actions" sheet (one
/// row per corrective action).
pub fn workbook_table(doc: &RegisterDoc) -> WorkbookTable {
    let ctx = ExportContext::of(doc);
    let findings = exported_findings(doc);
    let actions = exported_actions(&findings);
    let info = doc.info();
    WorkbookTable {
        title: info
            .as_ref()
            .map_or_else(|| "Register".to_owned(), |i| i.name.clone()),
        company: info.map(|i| i.organisation).unwrap_or_default(),
        sheets: vec![
            sheet(FINDINGS_SHEET, &finding_columns(), &findings, &ctx),
            sheet(
                ACTIONS_SHEET,
                &action_columns(),
                &actions.iter().collect::<Vec<_>>(),
                &ctx,
            ),
        ],
    }
}

/// One sheet as the workbook reader's worker hands it to the page: its
/// table, or the sentence saying why it cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetAnswer {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<CsvTable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The workbook reader's one answer (JSON between worker and page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkbookAnswer {
    Ok(Vec<SheetAnswer>),
    Error(String),
}
