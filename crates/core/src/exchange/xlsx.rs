//! The register as an Excel workbook: a "Findings" sheet (one row per live
//! finding, the same columns as the CSV) and an "Actions" sheet (one row per
//! corrective action), written from [`workbook_table`]'s cells. Dates are real date cells shown as `yyyy-mm-dd`, so
//! they sort and filter as dates in Excel and LibreOffice; every text goes
//! through `write_string`, which stores it as a string and never as a
//! formula, whatever it starts with.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};
use thiserror::Error;

use super::workbook::{workbook_table, SheetTable, WorkbookTable};
pub use super::workbook::{ACTIONS_SHEET, FINDINGS_SHEET};
use super::Cell;
use crate::document::RegisterDoc;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("The workbook could not be written: {0}")]
pub struct XlsxExportError(String);

impl From<XlsxError> for XlsxExportError {
    fn from(e: XlsxError) -> Self {
        XlsxExportError(e.to_string())
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    // Validation keeps dates from 1970 on, well inside Excel's range; a
    // stray year beyond u16 fails here as an error, not a panic.
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

struct Formats {
    header: Format,
    text: Format,
    wrapped: Format,
    date: Format,
}

/// Excel's limit on the characters of one cell.
pub const MAX_CELL: usize = 32_767;

/// A text that fits one cell: longer texts (merged data can exceed the
/// app's own limits, and joined lists add up) are cut with a note saying
/// how much the register holds, instead of failing the whole workbook.
pub fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= MAX_CELL {
        return text.into();
    }
    let note = format!(" [\u{2026} cut: the register holds {n} characters]");
    let keep = MAX_CELL - note.chars().count();
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(&note);
    out.into()
}

fn write_sheet(
    sheet: &mut Worksheet,
    table: &SheetTable,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(&table.name)?;
    for (c, column) in table.columns.iter().enumerate() {
        let c = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
        sheet.write_string_with_format(0, c, &column.header, &formats.header)?;
        sheet.set_column_width(c, column.width)?;
    }
    for (r, cells) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, (cell, column)) in cells.iter().zip(&table.columns).enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    let format = if column.width >= 40.0 {
                        &formats.wrapped
                    } else {
                        &formats.text
                    };
                    sheet.write_string_with_format(r, c, fit_cell(t).as_ref(), format)?;
                }
                Cell::Date(None) => {}
                Cell::Date(Some(d)) => {
                    sheet.write_date_with_format(r, c, &excel_date(*d)?, &formats.date)?;
                }
            }
        }
    }
    let last_col = table.columns.len().saturating_sub(1) as u16;
    let last_row = u32::try_from(table.rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// The workbook's bytes. `today` stamps the file's creation date, so the
/// same register exported on the same day gives the same content.
pub fn export_workbook(doc: &RegisterDoc, today: NaiveDate) -> Result<Vec<u8>, XlsxExportError> {
    write_workbook(&workbook_table(doc), today)
}

/// [`workbook_table`]'s cells as a workbook: what the spreadsheet module
/// does with the table the page hands it.
pub fn write_workbook(table: &WorkbookTable, today: NaiveDate) -> Result<Vec<u8>, XlsxExportError> {
    let formats = Formats {
        header: Format::new().set_bold().set_align(FormatAlign::Top),
        text: Format::new().set_align(FormatAlign::Top),
        wrapped: Format::new().set_align(FormatAlign::Top).set_text_wrap(),
        date: Format::new()
            .set_num_format("yyyy-mm-dd")
            .set_align(FormatAlign::Top),
    };
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(&table.title)
        .set_company(&table.company)
        .set_comment("Exported from NC Register")
        .set_creation_datetime(&excel_date(today)?);
    workbook.set_properties(&properties);
    for sheet in &table.sheets {
        write_sheet(workbook.add_worksheet(), sheet, &formats)?;
    }
    Ok(workbook.save_to_buffer()?)
}
