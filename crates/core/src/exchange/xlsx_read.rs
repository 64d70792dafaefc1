//! XLSX in: the sheets of an Excel workbook as the same tables the CSV
//! import reads ([`CsvTable`]), so a workbook goes through the very same
//! column mapping ([`super::csv::suggest_mapping`]) and row parsing
//! ([`super::csv::parse_rows`]) as a CSV file.
//!
//! Registers kept in Excel rarely start at A1 with their header: a title
//! block ("NC Register — ACME", a date, a blank row) usually sits above it.
//! So each sheet's header row is *found*: among its first non-blank rows,
//! the mostly-text row with the most headers the mapping recognises (see
//! [`read_workbook`]). Rows keep the number Excel shows beside them, so an
//! error on "line 14" points at row 14 of the sheet.
//!
//! Cells become the text a person would type into a CSV: numbers without a
//! spurious `.0`, date cells as ISO 8601 (`2026-10-03`, with the time only
//! when it is not midnight), which [`super::csv::parse_date`] reads, so a
//! real Excel date never goes through a locale's day/month guess.
//!
//! Only the Office Open XML formats (`.xlsx`, `.xlsm`) are read. Older
//! `.xls` files and OpenDocument `.ods` are refused with a sentence saying
//! how to convert them: their readers would add to the page's download
//! for every person, and every spreadsheet program saves `.xlsx`.
//!
//! # Untrusted input
//!
//! A workbook is a zip of XML parts from anyone. The reader bounds its work
//! before and while reading: the parts may unpack to at most
//! [`MAX_UNPACKED_BYTES`] (checked against the zip's directory, whose
//! declared sizes the zip reader enforces while inflating, so a zip bomb
//! stops at its declaration) and the whole workbook may hold at most
//! [`MAX_CELLS`] cells. The sheets are streamed cell by cell and kept
//! sparse: a sheet's bounding box is never allocated, so one stray cell at
//! `XFD1048576` costs one cell, not seventeen billion.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{DataRef, Reader, Xlsx, XlsxError};
use thiserror::Error;

use super::csv::{CsvRow, CsvTable};
use super::import::suggest_mapping;
pub use super::workbook::{SheetAnswer, WorkbookAnswer};

/// The most cells a workbook may hold, all sheets together, counted as the
/// file stores them; and the most cells one sheet's table may span once
/// its rows are padded to the header's width. A register of 10,000
/// findings with 40 columns is 400,000.
pub const MAX_CELLS: u64 = 2_000_000;

/// The most bytes a workbook's parts may unpack to, all together.
pub const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;

/// How many non-blank rows at the top of a sheet may hold its header.
const HEADER_SEARCH_ROWS: usize = 20;

/// Longer text is a value, not a column header: it never counts towards
/// recognised headers (a data row's long statement can contain words like
/// "control", "process" or "evidence").
const MAX_HEADER_CHARS: usize = 60;

/// The separator [`CsvTable::delimiter`] reports for a sheet, which has
/// none: a tab, what a spreadsheet puts between cells copied as text.
pub const SHEET_DELIMITER: char = '\t';

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum XlsxReadError {
    // ----- the whole file ---------------------------------------------------
    #[error("This file could not be read as an Excel workbook ({0}). Nothing was imported.")]
    Unreadable(String),
    #[error(
        "This is an Excel 97\u{2013}2003 workbook (.xls) or a workbook protected by a \
         password, which cannot be read here: open it in your spreadsheet program, save \
         it as an Excel workbook (.xlsx) without a password, and import that. Nothing \
         was imported."
    )]
    OldOrProtected,
    #[error(
        "This is an OpenDocument spreadsheet (.ods), which cannot be read here: open it \
         in your spreadsheet program, save it as an Excel workbook (.xlsx), and import \
         that. Nothing was imported."
    )]
    OpenDocument,
    #[error(
        "This workbook is too large to import: it unpacks to more than {} MB. Delete the \
         sheets you do not need (or save the register's sheet as CSV) and import again. \
         Nothing was imported.",
        MAX_UNPACKED_BYTES / (1024 * 1024)
    )]
    TooLarge,
    #[error(
        "This workbook is too large to import: it holds more than {} cells. Delete the \
         sheets you do not need (or save the register's sheet as CSV) and import again. \
         Nothing was imported.",
        grouped(MAX_CELLS)
    )]
    TooManyCells,
    #[error("This file could not be read safely: it made the reader fail. Nothing was imported.")]
    ReaderFailed,
    // ----- one sheet --------------------------------------------------------
    #[error("This sheet is empty: there is no header row to map.")]
    Empty,
    #[error("This sheet has a header row but no rows below it.")]
    NoRows,
    #[error("This sheet holds no cells (it is a chart or a macro sheet).")]
    NotCells,
    #[error("This sheet could not be read ({0}).")]
    SheetUnreadable(String),
    #[error(
        "This sheet is too large to import: its table would span more than {} cells (is \
         there a stray value far to the right?).",
        grouped(MAX_CELLS)
    )]
    SheetTooLarge,
}

/// `2000000` as `2,000,000`, for sentences.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One sheet of a workbook: its name and its table, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    /// The header found and the rows below it; [`CsvRow::line`] is the row
    /// number Excel shows, and [`CsvTable::delimiter`] is
    /// [`SHEET_DELIMITER`]. An error here is one of the sheet variants of
    /// [`XlsxReadError`] (`Empty`, `NoRows`, `NotCells`,
    /// `SheetUnreadable`, `SheetTooLarge`).
    pub table: Result<CsvTable, XlsxReadError>,
}

/// Every sheet of an `.xlsx` workbook, in the workbook's order, each with
/// its table or the reason it has none: a sheet that cannot be read never
/// hides the others. The error is for the file as a whole (not a workbook,
/// too large, an `.xls` or `.ods`, or the reader failed).
///
/// A sheet's header is the row, among its first 20 non-blank rows, whose
/// non-empty cells are mostly text and which has the most headers
/// [`suggest_mapping`] recognises (the earliest on a tie); when it
/// recognises none, the first row with at least two text cells; failing
/// that, the first non-blank row. Rows above the header and blank rows are
/// dropped; columns empty in the header and every row below it are dropped
/// at both edges; a blank header becomes "Column N".
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, XlsxReadError> {
    read_limited(bytes, LIMITS)
}

/// The bounds on a workbook's work; tests use small ones.
#[derive(Clone, Copy)]
struct Limits {
    cells: u64,
    unpacked_bytes: u64,
}

const LIMITS: Limits = Limits {
    cells: MAX_CELLS,
    unpacked_bytes: MAX_UNPACKED_BYTES,
};

fn read_limited(bytes: &[u8], limits: Limits) -> Result<Vec<Sheet>, XlsxReadError> {
    recognise_other_formats(bytes)?;
    check_unpacked_size(bytes, limits.unpacked_bytes)?;
    // calamine and its zip and XML readers panic on some crafted files (as
    // Automerge's loader does on some register files). Where panics unwind
    // (native builds, tests) a panic becomes this error instead of taking
    // the caller down. The app's release wasm aborts on a panic instead, so
    // there a picked workbook must be read first in the throwaway worker, as
    // register files are (docs/ARCHITECTURE.md, "Where untrusted input
    // enters"). Nothing outlives the closure but its result, so no broken
    // state can be observed after a caught panic.
    catch_unwind(AssertUnwindSafe(|| read_sheets(bytes, limits)))
        .unwrap_or(Err(XlsxReadError::ReaderFailed))
}

/// Files people mistake for `.xlsx`, named so the sentence can say what to
/// do. Both are cheap to recognise from their first bytes.
fn recognise_other_formats(bytes: &[u8]) -> Result<(), XlsxReadError> {
    // A Compound File (OLE2): an `.xls`, or an `.xlsx` encrypted with a
    // password, which Excel wraps in one.
    const CFB: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(&CFB) {
        return Err(XlsxReadError::OldOrProtected);
    }
    // OpenDocument stores its media type uncompressed as the zip's first
    // entry, `mimetype`, right after the 30-byte local header.
    if bytes.starts_with(b"PK\x03\x04")
        && bytes.get(30..38) == Some(b"mimetype")
        && bytes
            .get(38..)
            .is_some_and(|t| t.starts_with(b"application/vnd.oasis.opendocument"))
    {
        return Err(XlsxReadError::OpenDocument);
    }
    Ok(())
}

/// Refuses a zip whose parts would unpack to more than `limit` bytes. The zip reader stops inflating an entry past the
/// size its directory declares, so summing the declarations bounds the
/// work of every later read.
fn check_unpacked_size(bytes: &[u8], limit: u64) -> Result<(), XlsxReadError> {
    let unreadable = |e: zip::result::ZipError| XlsxReadError::Unreadable(e.to_string());
    let total = catch_unwind(AssertUnwindSafe(|| {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let entry = archive.by_index_raw(i).map_err(unreadable)?;
            total = total.saturating_add(entry.size());
        }
        Ok(total)
    }))
    .unwrap_or(Err(XlsxReadError::ReaderFailed))?;
    if total > limit {
        return Err(XlsxReadError::TooLarge);
    }
    Ok(())
}

fn read_sheets(bytes: &[u8], limits: Limits) -> Result<Vec<Sheet>, XlsxReadError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| match e {
        XlsxError::Password => XlsxReadError::OldOrProtected,
        e => XlsxReadError::Unreadable(e.to_string()),
    })?;
    let mut budget = limits.cells;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        let table = match read_cells(&mut book, &name, &mut budget) {
            Ok(rows) => build_table(rows, limits.cells),
            Err(Stop::Budget) => return Err(XlsxReadError::TooManyCells),
            Err(Stop::Sheet(e)) => Err(e),
        };
        sheets.push(Sheet { name, table });
    }
    Ok(sheets)
}

/// A non-empty cell's text, and whether the sheet stored it as text (a
/// header row is mostly text; a data row often is not).
struct Text {
    text: String,
    is_text: bool,
}

/// A sheet's non-blank cells: row → column → text, both 0-based.
type Rows = BTreeMap<u32, BTreeMap<u32, Text>>;

enum Stop {
    /// The workbook's cell budget is spent: the whole file is refused.
    Budget,
    /// This sheet cannot be read; the others may.
    Sheet(XlsxReadError),
}

fn read_cells(book: &mut Xlsx<Cursor<&[u8]>>, name: &str, budget: &mut u64) -> Result<Rows, Stop> {
    let sheet_error = |e: XlsxError| {
        Stop::Sheet(match e {
            XlsxError::NotAWorksheet(_) => XlsxReadError::NotCells,
            e => XlsxReadError::SheetUnreadable(e.to_string()),
        })
    };
    let mut reader = book.worksheet_cells_reader(name).map_err(sheet_error)?;
    let mut rows = Rows::new();
    while let Some(cell) = reader.next_cell().map_err(sheet_error)? {
        *budget = budget.checked_sub(1).ok_or(Stop::Budget)?;
        let (row, column) = cell.get_position();
        let value = cell.get_value();
        let text = cell_text(value);
        if text.trim().is_empty() {
            continue;
        }
        let is_text = matches!(value, DataRef::String(_) | DataRef::SharedString(_));
        // A crafted sheet may repeat a cell: the last one wins, as in Excel.
        rows.entry(row)
            .or_default()
            .insert(column, Text { text, is_text });
    }
    Ok(rows)
}

/// A cell as the text a person would have typed into a CSV file.
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(dt) => date_time_text(dt),
        // The cached result of a failed formula (`#N/A`, `#REF!`) says
        // nothing about the finding.
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// Whole numbers without a decimal point (Excel stores every number as a
/// float: `3` is `3.0`), others in the shortest form that reads back the
/// same.
fn number_text(f: f64) -> String {
    // Below 2^53 every whole float is an exact integer.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A date cell as ISO 8601: the date alone at midnight (what a date-only
/// cell holds), with the time otherwise; a time of day alone (a serial
/// below 1) as `HH:MM:SS`; a duration (`[h]:mm:ss`) in hours.
fn date_time_text(dt: &calamine::ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() || !serial.is_finite() {
        return duration_text(serial);
    }
    let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if (0.0..1.0).contains(&serial) {
        format!("{h:02}:{mi:02}:{s:02}")
    } else if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

fn duration_text(days: f64) -> String {
    if !days.is_finite() {
        return String::new();
    }
    // Saturating casts: a crafted serial cannot overflow.
    let seconds = (days.abs() * 86_400.0).round() as u64;
    let sign = if days < 0.0 && seconds > 0 { "-" } else { "" };
    format!(
        "{sign}{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The header row's key: the row whose mostly-text cells the mapping
/// recognises best. See [`read_workbook`].
fn find_header(rows: &Rows) -> Option<u32> {
    let candidates: Vec<(u32, &BTreeMap<u32, Text>)> = rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .map(|(r, cells)| (*r, cells))
        .collect();
    let text_cells = |cells: &BTreeMap<u32, Text>| cells.values().filter(|c| c.is_text).count();
    let mostly_text = |cells: &BTreeMap<u32, Text>| text_cells(cells) * 2 > cells.len();
    let recognised = |cells: &BTreeMap<u32, Text>| {
        let headers: Vec<String> = cells
            .values()
            .map(|c| {
                if c.is_text && c.text.chars().count() <= MAX_HEADER_CHARS {
                    c.text.clone()
                } else {
                    String::new()
                }
            })
            .collect();
        suggest_mapping(&headers).iter().flatten().count()
    };
    let mut best: Option<(u32, usize)> = None;
    for (r, cells) in candidates.iter().filter(|(_, c)| mostly_text(c)) {
        let score = recognised(cells);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((*r, score));
        }
    }
    best.map(|(r, _)| r)
        .or_else(|| {
            candidates
                .iter()
                .find(|(_, c)| mostly_text(c) && text_cells(c) >= 2)
                .map(|(r, _)| *r)
        })
        .or_else(|| candidates.first().map(|(r, _)| *r))
}

/// The sheet's table; `max_cells` bounds its padded rows (see [`MAX_CELLS`]).
fn build_table(mut rows: Rows, max_cells: u64) -> Result<CsvTable, XlsxReadError> {
    let header_row = find_header(&rows).ok_or(XlsxReadError::Empty)?;
    let mut body = rows.split_off(&header_row);
    let header = body.remove(&header_row).unwrap_or_default();
    if body.is_empty() {
        return Err(XlsxReadError::NoRows);
    }
    let columns = || {
        std::iter::once(&header)
            .chain(body.values())
            .flat_map(|cells| cells.keys().copied())
    };
    let first = columns().min().unwrap_or(0);
    let last = columns().max().unwrap_or(0);
    let width = u64::from(last - first) + 1;
    let rows_count = u64::try_from(body.len()).unwrap_or(u64::MAX);
    if width.saturating_mul(rows_count.saturating_add(1)) > max_cells {
        return Err(XlsxReadError::SheetTooLarge);
    }
    let headers = (first..=last)
        .map(|c| {
            let text = header.get(&c).map(|t| t.text.trim()).unwrap_or_default();
            if text.is_empty() {
                format!("Column {}", c - first + 1)
            } else {
                text.to_owned()
            }
        })
        .collect();
    let rows = body
        .into_iter()
        .map(|(r, mut cells)| CsvRow {
            line: u64::from(r) + 1,
            cells: (first..=last)
                .map(|c| cells.remove(&c).map(|t| t.text).unwrap_or_default())
                .collect(),
        })
        .collect();
    Ok(CsvTable {
        headers,
        rows,
        delimiter: SHEET_DELIMITER,
        // Typed cells: text that looks like a formula is text already.
        apostrophes: false,
    })
}

/// [`read_workbook`] as the answer the worker sends.
pub fn answer(bytes: &[u8]) -> WorkbookAnswer {
    match read_workbook(bytes) {
        Ok(sheets) => WorkbookAnswer::Ok(
            sheets
                .into_iter()
                .map(|s| {
                    let (table, error) = match s.table {
                        Ok(t) => (Some(t), None),
                        Err(e) => (None, Some(e.to_string())),
                    };
                    SheetAnswer {
                        name: s.name,
                        table,
                        error,
                    }
                })
                .collect(),
        ),
        Err(e) => WorkbookAnswer::Error(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    fn date_cell(serial: f64) -> String {
        cell_text(&DataRef::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        )))
    }

    #[test]
    fn numbers_read_as_people_type_them() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(46_298.0), "46298");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(1e20), "100000000000000000000");
        assert_eq!(number_text(f64::NAN), "NaN");
    }

    #[test]
    fn date_cells_read_as_iso_dates() {
        // 2026-10-03 is serial 46298 in the 1900 system.
        assert_eq!(date_cell(46_298.0), "2026-10-03");
        assert_eq!(date_cell(46_298.5), "2026-10-03 12:00:00");
        assert_eq!(date_cell(0.75), "18:00:00");
        for junk in [f64::NAN, f64::INFINITY, -5.0, 1e300] {
            let _ = date_cell(junk);
        }
        let span = DataRef::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(cell_text(&span), "36:00:00");
        assert_eq!(
            cell_text(&DataRef::DateTimeIso("2026-10-03T10:00:00".into())),
            "2026-10-03T10:00:00"
        );
    }

    #[test]
    fn other_cells() {
        assert_eq!(cell_text(&DataRef::Bool(true)), "TRUE");
        assert_eq!(cell_text(&DataRef::Bool(false)), "FALSE");
        assert_eq!(cell_text(&DataRef::Error(calamine::CellErrorType::NA)), "");
        assert_eq!(cell_text(&DataRef::Int(-7)), "-7");
        assert_eq!(cell_text(&DataRef::SharedString("=A1")), "=A1");
    }

    fn workbook(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        fill(book.add_worksheet());
        book.save_to_buffer().unwrap()
    }

    fn small(cells: u64, unpacked_bytes: u64) -> Limits {
        Limits {
            cells,
            unpacked_bytes,
        }
    }

    #[test]
    fn the_cell_budget_covers_the_whole_workbook() {
        let bytes = workbook(|s| {
            for r in 0..4 {
                for c in 0..3 {
                    s.write_string(r, c, "x").unwrap();
                }
            }
        });
        assert_eq!(read_limited(&bytes, small(12, u64::MAX)).unwrap().len(), 1);
        assert_eq!(
            read_limited(&bytes, small(11, u64::MAX)),
            Err(XlsxReadError::TooManyCells)
        );
    }

    #[test]
    fn a_stray_cell_far_away_refuses_its_sheet_without_allocating_it() {
        // Four cells, but a table of 3 rows × 16,384 columns once padded.
        let bytes = workbook(|s| {
            s.write_string(0, 0, "Title").unwrap();
            s.write_string(0, 1, "Owner").unwrap();
            s.write_string(1, 0, "A finding").unwrap();
            s.write_string(2, 16_383, "stray").unwrap();
        });
        let sheets = read_limited(&bytes, small(40_000, u64::MAX)).unwrap();
        assert_eq!(sheets[0].table, Err(XlsxReadError::SheetTooLarge));
        let sheets = read_limited(&bytes, small(60_000, u64::MAX)).unwrap();
        let table = sheets[0].table.as_ref().unwrap();
        assert_eq!(table.headers.len(), 16_384);
        assert_eq!(table.headers[16_383], "Column 16384");
    }

    #[test]
    fn the_unpacked_size_is_bounded_before_reading() {
        let bytes = workbook(|s| {
            s.write_string(0, 0, "Title").unwrap();
            s.write_string(1, 0, "A finding").unwrap();
        });
        assert!(read_limited(&bytes, small(100, 1 << 20)).is_ok());
        assert_eq!(
            read_limited(&bytes, small(100, 1000)),
            Err(XlsxReadError::TooLarge)
        );
    }

    #[test]
    fn limits_read_in_sentences() {
        assert_eq!(grouped(2_000_000), "2,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert!(XlsxReadError::TooManyCells
            .to_string()
            .contains("more than 2,000,000 cells"));
        assert!(XlsxReadError::TooLarge
            .to_string()
            .contains("more than 256 MB"));
    }
}
