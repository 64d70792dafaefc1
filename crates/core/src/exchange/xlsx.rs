//! The register as an Excel workbook: a "Findings" sheet (one row per live
//! finding, the same columns as the CSV) and an "Actions" sheet (one row per
//! corrective action). Dates are real date cells shown as `yyyy-mm-dd`, so
//! they sort and filter as dates in Excel and LibreOffice; every text goes
//! through `write_string`, which stores it as a string and never as a
//! formula, whatever it starts with.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};
use thiserror::Error;

use super::{
    action_columns, exported_actions, exported_findings, finding_columns, Cell, Column,
    ExportContext,
};
use crate::document::RegisterDoc;

pub const FINDINGS_SHEET: &str = "Findings";
pub const ACTIONS_SHEET: &str = "Actions";

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

fn write_sheet<T>(
    sheet: &mut Worksheet,
    name: &str,
    columns: &[Column<T>],
    rows: &[&T],
    ctx: &ExportContext,
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(name)?;
    for (c, column) in columns.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, column.header, &formats.header)?;
        sheet.set_column_width(c, column.width)?;
    }
    for (r, item) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (c, column) in columns.iter().enumerate() {
            let c = c as u16;
            match (column.value)(item, ctx) {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => {
                    let format = if column.width >= 40.0 {
                        &formats.wrapped
                    } else {
                        &formats.text
                    };
                    sheet.write_string_with_format(r, c, fit_cell(&t).as_ref(), format)?;
                }
                Cell::Date(None) => {}
                Cell::Date(Some(d)) => {
                    sheet.write_date_with_format(r, c, &excel_date(d)?, &formats.date)?;
                }
            }
        }
    }
    let last_col = columns.len().saturating_sub(1) as u16;
    let last_row = u32::try_from(rows.len()).map_err(|_| XlsxError::RowColumnLimitError)?;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

/// The workbook's bytes. `today` stamps the file's creation date, so the
/// same register exported on the same day gives the same content.
pub fn export_workbook(doc: &RegisterDoc, today: NaiveDate) -> Result<Vec<u8>, XlsxExportError> {
    let ctx = ExportContext::of(doc);
    let findings = exported_findings(doc);
    let actions = exported_actions(&findings);
    let formats = Formats {
        header: Format::new().set_bold().set_align(FormatAlign::Top),
        text: Format::new().set_align(FormatAlign::Top),
        wrapped: Format::new().set_align(FormatAlign::Top).set_text_wrap(),
        date: Format::new()
            .set_num_format("yyyy-mm-dd")
            .set_align(FormatAlign::Top),
    };
    let mut workbook = Workbook::new();
    let info = doc.info();
    let properties = DocProperties::new()
        .set_title(info.as_ref().map(|i| i.name.as_str()).unwrap_or("Register"))
        .set_company(info.as_ref().map(|i| i.organisation.as_str()).unwrap_or(""))
        .set_comment("Exported from NC Register")
        .set_creation_datetime(&excel_date(today)?);
    workbook.set_properties(&properties);
    write_sheet(
        workbook.add_worksheet(),
        FINDINGS_SHEET,
        &finding_columns(),
        &findings,
        &ctx,
        &formats,
    )?;
    write_sheet(
        workbook.add_worksheet(),
        ACTIONS_SHEET,
        &action_columns(),
        &actions.iter().collect::<Vec<_>>(),
        &ctx,
        &formats,
    )?;
    Ok(workbook.save_to_buffer()?)
}
