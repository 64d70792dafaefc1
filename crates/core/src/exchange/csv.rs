//! CSV out (the findings, for any spreadsheet) and CSV in (findings from
//! a sheet someone kept before, through a column-mapping step).
//!
//! Out: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the
//! local code page and mangles every accent), comma-separated, CRLF line
//! ends and RFC 4180 quoting (a field holding a comma, quote or line break
//! is quoted, quotes doubled), dates as ISO 8601 (`2026-11-28`), which both
//! Excel and LibreOffice recognise as dates in every locale. Text a
//! spreadsheet would run as a formula is prefixed with an apostrophe (see
//! the parent module).
//!
//! In: [`read_table`] decodes the file (UTF-8 with or without a BOM,
//! UTF-16 as Excel's "Unicode text" writes it, otherwise Windows-1252, what
//! Excel's plain "CSV" writes on Western Windows), guesses the separator
//! (comma, semicolon as written by Excel in locales with a decimal comma, or
//! tab), and takes the first non-blank row as the header.
//! What the columns mean is [`super::import`]'s business: the same mapping
//! serves a workbook's sheets.

use thiserror::Error;

use super::{exported_findings, finding_columns, ExportContext};
use crate::document::RegisterDoc;

const BOM: &str = "\u{feff}";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsvError {
    #[error("The CSV file could not be written: {0}")]
    Write(String),
    #[error("This file is empty: there is no header row to map.")]
    Empty,
    #[error("This file has a header row but no rows of findings below it.")]
    NoRows,
    #[error("This file could not be read as CSV (line {line}: {message}). Nothing was imported.")]
    Unreadable { line: u64, message: String },
}

/// The register's live findings as CSV, in reference order.
pub fn export_findings(doc: &RegisterDoc) -> Result<Vec<u8>, CsvError> {
    let ctx = ExportContext::of(doc);
    let columns = finding_columns();
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .quote_style(::csv::QuoteStyle::Necessary)
        .from_writer(BOM.as_bytes().to_vec());
    let err = |e: ::csv::Error| CsvError::Write(e.to_string());
    out.write_record(columns.iter().map(|c| c.header))
        .map_err(err)?;
    for f in exported_findings(doc) {
        out.write_record(columns.iter().map(|c| (c.value)(f, &ctx).csv_text()))
            .map_err(err)?;
    }
    out.into_inner()
        .map_err(|e| CsvError::Write(e.error().to_string()))
}

// ----- reading ---------------------------------------------------------------

/// A CSV file (or a workbook's sheet) as rows of text, before any meaning
/// is given to its columns. Serialisable so the workbook reader's worker
/// can hand a sheet to the page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CsvTable {
    pub headers: Vec<String>,
    pub rows: Vec<CsvRow>,
    /// The separator found: `,`, `;` or a tab.
    pub delimiter: char,
    /// Whether formula-looking text carries a protective apostrophe, as in
    /// a CSV (this app's, or one saved by a program that does the same): a
    /// workbook has typed cells and needs none.
    pub apostrophes: bool,
}

impl CsvTable {
    /// A cell as the file meant it: trimmed, without a protective
    /// apostrophe.
    pub fn cell_text<'a>(&self, row: &'a CsvRow, column: usize) -> &'a str {
        let text = row.cell(column);
        if self.apostrophes {
            super::unneutralise(text)
        } else {
            text
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CsvRow {
    /// The line the row starts on, counting the header's line as in the
    /// file (what a person sees in a text editor; a spreadsheet's row number
    /// when no cell spans lines).
    pub line: u64,
    pub cells: Vec<String>,
}

impl CsvRow {
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(|s| s.trim()).unwrap_or("")
    }
}

/// Decodes the bytes of a file saved by any common spreadsheet program.
pub fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

/// Windows-1252: Latin-1 plus typographic punctuation in 0x80–0x9F.
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The separator used by the first line: whichever of comma, semicolon and
/// tab occurs most often outside quotes (comma on a tie or none).
fn guess_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)
        .unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// The 1-based line a record starting at `byte` is on, counted on from
/// where the previous record was (`from`: byte and line), so reading a file
/// counts its lines once. Counted here because the reader reports a record
/// as starting on the line break before it (after CRLF it stops at the
/// `\r`), so its own line number lags by one.
fn line_at(text: &str, from: &mut (usize, u64), byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    if start < from.0 {
        *from = (0, 1);
    }
    let newlines = bytes[from.0..start].iter().filter(|&&b| b == b'\n').count();
    *from = (
        start,
        from.1
            .saturating_add(u64::try_from(newlines).unwrap_or(u64::MAX)),
    );
    from.1
}

/// Reads a CSV file into a header and rows. Blank rows are skipped.
pub fn read_table(bytes: &[u8]) -> Result<CsvTable, CsvError> {
    let text = decode(bytes);
    let delimiter = guess_delimiter(text.trim_start_matches(['\r', '\n']));
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut counted = (0, 1);
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Unreadable {
            line: line_at(
                &text,
                &mut counted,
                e.position().map(|p| p.byte()).unwrap_or(0),
            ),
            message: e.to_string(),
        })?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        match headers {
            None => {
                headers = Some(
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, h)| {
                            let h = h.trim();
                            if h.is_empty() {
                                format!("Column {}", i + 1)
                            } else {
                                h.to_owned()
                            }
                        })
                        .collect(),
                )
            }
            Some(_) => rows.push(CsvRow {
                line: line_at(
                    &text,
                    &mut counted,
                    record.position().map(|p| p.byte()).unwrap_or(0),
                ),
                cells,
            }),
        }
    }
    let headers = headers.ok_or(CsvError::Empty)?;
    if rows.is_empty() {
        return Err(CsvError::NoRows);
    }
    Ok(CsvTable {
        headers,
        rows,
        delimiter: char::from(delimiter),
        apostrophes: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_and_windows_1252_are_read() {
        let bytes = b"Title;Owner\r\n\"Caf\xe9 \x93keys\x94\";Jos\xe9\r\n";
        let t = read_table(bytes).unwrap();
        assert_eq!(t.delimiter, ';');
        assert_eq!(t.rows[0].cells, vec!["Café “keys”", "José"]);
        assert_eq!(t.rows[0].line, 2);
    }
}
