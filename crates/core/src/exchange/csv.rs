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
//! [`suggest_mapping`] proposes a target field for each column from its
//! header, the person corrects it, and [`parse_rows`] turns each row into a
//! finding or into a list of errors naming the row and the column. Nothing is
//! written until [`import_findings`] is given the rows that parsed.
//!
//! Imported findings start **open**: a sheet's "status" column is not
//! imported, because a status in the register promises what the lifecycle
//! guards checked (a root cause, finished actions, an effective review), and
//! a spreadsheet cell promises nothing. A row without a detection date keeps
//! none (its clocks wait for one) rather than pretending it was found on the
//! day of the import.

use chrono::NaiveDate;
use thiserror::Error;

use super::{exported_findings, finding_columns, ExportContext};
use crate::catalogue;
use crate::document::{DocError, RegisterDoc};
use crate::model::{CauseCategory, Finding, Grade, Source};
use crate::query::normalise;
use crate::schema::{self, Field, Value};
use crate::validate;

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

/// A CSV file as rows of text, before any meaning is given to its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    pub headers: Vec<String>,
    pub rows: Vec<CsvRow>,
    /// The separator found: `,`, `;` or a tab.
    pub delimiter: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The 1-based line a record starting at `byte` is on. Counted here
/// because the reader reports a record as starting on the line break before
/// it (after CRLF it stops at the `\r`), so its own line number lags by one.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
        start += 1;
    }
    let newlines = bytes[..start].iter().filter(|&&b| b == b'\n').count();
    u64::try_from(newlines)
        .unwrap_or(u64::MAX)
        .saturating_add(1)
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
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Unreadable {
            line: line_at(&text, e.position().map(|p| p.byte()).unwrap_or(0)),
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
                line: line_at(&text, record.position().map(|p| p.byte()).unwrap_or(0)),
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
    })
}

// ----- mapping ---------------------------------------------------------------

/// A field of a finding a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Reference,
    Title,
    Statement,
    Evidence,
    Requirements,
    Grade,
    Source,
    Area,
    DetectedOn,
    RaisedBy,
    Owner,
    Cause,
    Correction,
    RootCauseMethod,
    RootCause,
}

impl Target {
    pub const ALL: &'static [Target] = &[
        Target::Reference,
        Target::Title,
        Target::Statement,
        Target::Evidence,
        Target::Requirements,
        Target::Grade,
        Target::Source,
        Target::Area,
        Target::DetectedOn,
        Target::RaisedBy,
        Target::Owner,
        Target::Cause,
        Target::Correction,
        Target::RootCauseMethod,
        Target::RootCause,
    ];

    /// The schema's field this target fills.
    pub fn field(self) -> &'static Field {
        let key = match self {
            Target::Reference => "reference",
            Target::Title => "title",
            Target::Statement => "statement",
            Target::Evidence => "evidence",
            Target::Requirements => "requirements",
            Target::Grade => "grade",
            Target::Source => "source",
            Target::Area => "area",
            Target::DetectedOn => "detected_on",
            Target::RaisedBy => "raised_by",
            Target::Owner => "owner",
            Target::Cause => "cause",
            Target::Correction => "correction",
            Target::RootCauseMethod => "root_cause_method",
            Target::RootCause => "root_cause",
        };
        schema::FIELDS
            .iter()
            .find(|f| f.key == key && f.import.is_some())
            .expect("every import target is an importable field of the schema")
    }

    /// Stable key, e.g. for the value of a select: the field's key.
    pub fn code(self) -> &'static str {
        self.field().key
    }

    pub fn from_code(code: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// The field as the import names it.
    pub fn label(self) -> &'static str {
        self.field().import.unwrap_or(self.field().label)
    }

    /// Headers seen in real registers, already folded by [`fold_header`].
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Target::Reference => &[
                "reference",
                "ref",
                "ref no",
                "nc no",
                "nc number",
                "nc ref",
                "nc id",
                "id",
                "no",
                "number",
                "finding id",
                "finding no",
                "finding reference",
            ],
            Target::Title => &[
                "title",
                "finding",
                "summary",
                "subject",
                "short description",
                "finding title",
                "nc title",
                "nonconformity title",
            ],
            Target::Statement => &[
                "statement",
                "nonconformity",
                "nonconformity statement",
                "nc statement",
                "description",
                "details",
                "description of nonconformity",
                "finding description",
                "nc description",
                "finding details",
            ],
            Target::Evidence => &["evidence", "objective evidence", "audit evidence"],
            Target::Requirements => &[
                "requirement",
                "requirements",
                "clause",
                "clauses",
                "iso 27001 clause",
                "iso clause",
                "control",
                "controls",
                "annex a control",
                "annex a",
                "standard clause",
                "requirement reference",
                "clause control",
            ],
            Target::Grade => &[
                "grade",
                "severity",
                "classification",
                "category",
                "type",
                "nc type",
                "rating",
                "finding type",
                "nc grade",
                "nc category",
            ],
            Target::Source => &[
                "source",
                "origin",
                "audit type",
                "found in",
                "finding source",
            ],
            Target::Area => &[
                "area",
                "department",
                "process",
                "site",
                "location",
                "function",
                "business unit",
                "team",
                "area process",
            ],
            Target::DetectedOn => &[
                "detected on",
                "detected",
                "date",
                "date raised",
                "raised on",
                "date identified",
                "identified on",
                "date found",
                "audit date",
                "date opened",
                "opened",
                "found on",
                "date detected",
                "date logged",
            ],
            Target::RaisedBy => &[
                "raised by",
                "auditor",
                "identified by",
                "reported by",
                "found by",
                "logged by",
                "lead auditor",
            ],
            Target::Owner => &[
                "owner",
                "action owner",
                "responsible",
                "responsible person",
                "assigned to",
                "auditee",
                "nc owner",
                "finding owner",
            ],
            Target::Cause => &[
                "cause category",
                "cause",
                "root cause category",
                "cause type",
                "category of cause",
            ],
            Target::Correction => &[
                "correction",
                "immediate action",
                "containment",
                "containment action",
                "immediate correction",
            ],
            Target::RootCauseMethod => &["root cause method", "rca method", "analysis method"],
            Target::RootCause => &[
                "root cause",
                "root cause analysis",
                "rca",
                "root cause statement",
                "why",
            ],
        }
    }
}

/// A header as words: lower case, accents folded, punctuation dropped.
fn fold_header(header: &str) -> String {
    normalise(header)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A target for each column, guessed from its header: an exact match on a
/// known header first, then the longest known header found inside it (so
/// "Root cause category" is the cause, not the root cause). Each target is
/// given to one column at most, the leftmost; unknown columns get `None`.
pub fn suggest_mapping(headers: &[String]) -> Vec<Option<Target>> {
    let folded: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
    let mut taken: Vec<Target> = Vec::new();
    let mut mapping = vec![None; headers.len()];
    let exact = |h: &str| {
        Target::ALL
            .iter()
            .copied()
            .find(|t| t.aliases().contains(&h))
    };
    for (i, h) in folded.iter().enumerate() {
        if let Some(t) = exact(h).filter(|t| !taken.contains(t)) {
            mapping[i] = Some(t);
            taken.push(t);
        }
    }
    for (i, h) in folded.iter().enumerate() {
        if mapping[i].is_some() || h.is_empty() {
            continue;
        }
        let padded = format!(" {h} ");
        let best = Target::ALL
            .iter()
            .copied()
            .filter(|t| !taken.contains(t))
            .flat_map(|t| t.aliases().iter().map(move |a| (t, *a)))
            .filter(|(_, a)| a.len() > 2 && padded.contains(&format!(" {a} ")))
            .max_by_key(|(_, a)| a.len())
            .map(|(t, _)| t);
        if let Some(t) = best {
            mapping[i] = Some(t);
            taken.push(t);
        }
    }
    mapping
}

// ----- rows into findings ------------------------------------------------------

/// A row that parsed: the finding to add (without id; its reference is the
/// sheet's, or blank to number it in the app).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFinding {
    pub line: u64,
    pub finding: Finding,
}

/// A row that did not, with every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub messages: Vec<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Line {}: {}", self.line, self.messages.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedImport {
    pub findings: Vec<ImportedFinding>,
    pub errors: Vec<RowError>,
}

/// How a column of numeric dates is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    DayMonth,
    MonthDay,
}

/// The order of a column's `a/b/yyyy` dates: a first number above 12 can
/// only be a day, a second above 12 only a day too. Day first when nothing
/// tells (the convention of most of the world, and of ISO 27001 registers).
pub fn date_order<'a>(values: impl IntoIterator<Item = &'a str>) -> DateOrder {
    let (mut day_first, mut month_first) = (false, false);
    for v in values {
        let parts: Vec<&str> = v.trim().split(['/', '.', '-']).map(str::trim).collect();
        if parts.len() != 3 || parts[0].len() > 2 {
            continue;
        }
        let (Ok(a), Ok(b)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>()) else {
            continue;
        };
        day_first |= a > 12;
        month_first |= b > 12;
    }
    if month_first && !day_first {
        DateOrder::MonthDay
    } else {
        DateOrder::DayMonth
    }
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let n = normalise(name);
    let n = n.trim_end_matches('.');
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| n.starts_with(m))
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn year_of(text: &str) -> Option<i32> {
    let y: i32 = text.parse().ok()?;
    match text.len() {
        4 => Some(y),
        // Two-digit years are this century: registers are not that old.
        2 => Some(2000 + y),
        _ => None,
    }
}

/// A date as spreadsheets write them: ISO (`2026-10-03`, with or without a
/// time), numeric in the column's [`DateOrder`] (`03/10/2026`, `3.10.26`),
/// with an English month name (`3 Oct 2026`, `Oct 3, 2026`, `03-Oct-26`),
/// or an Excel serial day number (`46298`). Blank is no date.
pub fn parse_date(text: &str, order: DateOrder) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("\u{201c}{t}\u{201d} is not a date");
    // ISO, possibly followed by a time.
    if let Some(head) = t.get(..10) {
        if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
            let rest = &t[10..];
            if rest.is_empty() || rest.starts_with(['T', ' ']) {
                return Ok(Some(d));
            }
        }
    }
    // An Excel serial number (days since 1899-12-30), within 1970..2100.
    if t.chars().all(|c| c.is_ascii_digit()) && t.len() == 5 {
        let n: i64 = t.parse().map_err(|_| bad())?;
        if (25_569..=73_050).contains(&n) {
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or_else(bad)?;
            return epoch
                .checked_add_signed(chrono::Duration::days(n))
                .map(Some)
                .ok_or_else(bad);
        }
        return Err(bad());
    }
    let parts: Vec<&str> = t
        .split(['/', '.', '-', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, m, d) = if parts[0].len() == 4 {
        // 2026/10/03
        (year_of(parts[0]), num(parts[1]), num(parts[2]))
    } else if let Some(m) = month_number(parts[1]) {
        // 3 Oct 2026, 03-Oct-26
        (year_of(parts[2]), Some(m), num(parts[0]))
    } else if let Some(m) = month_number(parts[0]) {
        // Oct 3, 2026
        (year_of(parts[2]), Some(m), num(parts[1]))
    } else {
        let (a, b) = (num(parts[0]), num(parts[1]));
        match order {
            DateOrder::DayMonth => (year_of(parts[2]), b, a),
            DateOrder::MonthDay => (year_of(parts[2]), a, b),
        }
    };
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y, m, d).map(Some).ok_or_else(|| {
                format!("\u{201c}{t}\u{201d} is not a real date (read as {y:04}-{m:02}-{d:02})")
            })
        }
        _ => Err(bad()),
    }
}

fn one_of<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> String {
    all.iter().map(|v| label(*v)).collect::<Vec<_>>().join(", ")
}

/// A grade as registers write it: our labels and keys, or the usual words
/// (`Major NC`, `Minor nonconformity`, `OBS`, `OFI`).
pub fn parse_grade(text: &str) -> Option<Grade> {
    if let Some(g) = Grade::parse_loose(text) {
        return Some(g);
    }
    let t = fold_header(text);
    let has = |w: &str| t.split(' ').any(|x| x.starts_with(w));
    if has("major") {
        Some(Grade::Major)
    } else if has("minor") {
        Some(Grade::Minor)
    } else if has("obs") {
        Some(Grade::Observation)
    } else if has("ofi") || has("opportunit") || has("improvement") {
        Some(Grade::Opportunity)
    } else {
        None
    }
}

/// A source as registers write it.
pub fn parse_source(text: &str) -> Option<Source> {
    if let Some(s) = Source::parse_loose(text) {
        return Some(s);
    }
    let t = fold_header(text);
    let t = t.as_str();
    let has = |w: &str| format!(" {t} ").contains(&format!(" {w}"));
    if has("stage 1") || has("stage1") {
        Some(Source::Stage1)
    } else if has("stage 2") || has("stage2") {
        Some(Source::Stage2)
    } else if has("surveillance") {
        Some(Source::Surveillance)
    } else if has("recert") {
        Some(Source::Recertification)
    } else if has("management review") || has("mgmt review") {
        Some(Source::ManagementReview)
    } else if has("incident") {
        Some(Source::Incident)
    } else if has("self") {
        Some(Source::SelfIdentified)
    } else if has("internal") {
        Some(Source::InternalAudit)
    } else {
        None
    }
}

/// Requirement references in one cell, separated by commas, semicolons or
/// line breaks. Catalogue ids are written the catalogue's way (`a 5.15` →
/// `A.5.15`); anything else is kept as free text.
pub fn parse_requirements(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            catalogue::find(r)
                .map(|req| req.id.to_owned())
                .unwrap_or_else(|| r.to_owned())
        })
        .collect()
}

/// Undoes [`super::neutralise`], so a CSV this app exported imports as it
/// was written: an apostrophe before formula-looking text is ours.
fn unneutralise(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if super::looks_like_formula(rest) => rest,
        _ => text,
    }
}

/// Turns every row into a finding or into errors. `mapping` has one entry
/// per column of `table` (extra entries are ignored, missing ones mean
/// "ignore this column"). `today` bounds dates, as in the form.
pub fn parse_rows(table: &CsvTable, mapping: &[Option<Target>], today: NaiveDate) -> ParsedImport {
    let column = |t: Target| mapping.iter().position(|m| *m == Some(t));
    let order = column(Target::DetectedOn)
        .map(|c| date_order(table.rows.iter().map(|r| r.cell(c))))
        .unwrap_or(DateOrder::DayMonth);
    let mut out = ParsedImport::default();
    for row in &table.rows {
        let mut errors = Vec::new();
        let mut f = Finding::new(String::new(), String::new());
        for (c, target) in mapping.iter().enumerate() {
            let Some(target) = *target else { continue };
            let raw = row.cells.get(c).map(String::as_str).unwrap_or("");
            let value = unneutralise(raw.trim());
            let header = table.headers.get(c).map(String::as_str).unwrap_or("");
            match target {
                Target::Requirements => {
                    for r in parse_requirements(value) {
                        f.requirements.insert(r, true);
                    }
                }
                Target::Grade if value.is_empty() => {}
                Target::Grade => match parse_grade(value) {
                    Some(g) => f.grade = g,
                    None => errors.push(format!(
                        "{header}: \u{201c}{value}\u{201d} is not a grade (use {}).",
                        one_of(Grade::ALL, Grade::label)
                    )),
                },
                Target::Source if value.is_empty() => {}
                Target::Source => match parse_source(value) {
                    Some(s) => f.source = s,
                    None => errors.push(format!(
                        "{header}: \u{201c}{value}\u{201d} is not a source (use {}).",
                        one_of(Source::ALL, Source::label)
                    )),
                },
                Target::Cause if value.is_empty() => {}
                Target::Cause => match CauseCategory::parse_loose(value) {
                    Some(c) => f.cause = Some(c),
                    None => errors.push(format!(
                        "{header}: \u{201c}{value}\u{201d} is not a cause category (use {}).",
                        one_of(CauseCategory::ALL, CauseCategory::label)
                    )),
                },
                Target::DetectedOn => match parse_date(value, order) {
                    Ok(d) => f.detected_on = d,
                    Err(e) => errors.push(format!("{header}: {e}.")),
                },
                // Text is taken as written.
                _ => {
                    let field = target.field();
                    debug_assert!(field.is_text(), "{target:?}");
                    (field.set)(&mut f, "", Value::Text(value.to_owned()));
                }
            }
        }
        if f.title.is_empty() && f.statement.is_empty() && f.evidence.is_empty() {
            errors.push("has no title, statement or evidence.".to_owned());
        }
        if errors.is_empty() {
            if let Err(e) = validate::finding(&f, today) {
                errors.extend(e.0.iter().map(|e| format!("{e}.")));
            }
        }
        if errors.is_empty() {
            out.findings.push(ImportedFinding {
                line: row.line,
                finding: f,
            });
        } else {
            out.errors.push(RowError {
                line: row.line,
                messages: errors,
            });
        }
    }
    out
}

/// Adds parsed rows to the register as findings recorded by the current
/// auditor (who is the raiser unless the sheet names one). Returns the new
/// ids. Rows without a reference are numbered in the auditor's sequence.
pub fn import_findings(
    doc: &mut RegisterDoc,
    rows: &[ImportedFinding],
    mut new_id: impl FnMut() -> String,
    today: NaiveDate,
) -> Result<Vec<String>, DocError> {
    // All or nothing: a row that cannot be added leaves the register as it was.
    doc.atomically(|doc| {
        let mut ids = Vec::with_capacity(rows.len());
        for row in rows {
            let id = new_id();
            let source = row.finding.clone();
            let added = doc.add_finding(id, today, move |f| {
                let assigned_reference = std::mem::take(&mut f.reference);
                let me = std::mem::take(&mut f.raised_by);
                *f = source;
                if f.reference.is_empty() {
                    f.reference = assigned_reference;
                }
                if f.raised_by.is_empty() {
                    f.raised_by = me;
                }
            });
            match added {
                Ok(id) => ids.push(id),
                Err(e) => {
                    return Err(DocError::Refused(format!(
                        "Line {}: {e} Nothing was imported.",
                        row.line
                    )))
                }
            }
        }
        Ok(ids)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        let dm = DateOrder::DayMonth;
        assert_eq!(parse_date("2026-10-03", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(
            parse_date("2026-10-03 00:00:00", dm),
            Ok(Some(d(2026, 10, 3)))
        );
        assert_eq!(parse_date("03/10/2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(
            parse_date("10/03/2026", DateOrder::MonthDay),
            Ok(Some(d(2026, 10, 3)))
        );
        assert_eq!(parse_date("3.10.26", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("3 Oct 2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("03-Oct-26", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("October 3, 2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("46298", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("", dm), Ok(None));
        assert!(parse_date("31/02/2026", dm)
            .unwrap_err()
            .contains("not a real date"));
        assert!(parse_date("soon", dm).is_err());
        assert!(parse_date("12345", dm).is_err());
    }

    #[test]
    fn the_date_order_comes_from_the_column() {
        assert_eq!(
            date_order(["03/10/2026", "25/12/2026"]),
            DateOrder::DayMonth
        );
        assert_eq!(
            date_order(["10/03/2026", "12/25/2026"]),
            DateOrder::MonthDay
        );
        assert_eq!(date_order(["01/02/2026"]), DateOrder::DayMonth);
        assert_eq!(date_order(["2026-12-25"]), DateOrder::DayMonth);
    }

    #[test]
    fn headers_suggest_fields() {
        let h: Vec<String> = [
            "NC No.",
            "Finding",
            "Description of nonconformity",
            "Objective evidence",
            "ISO 27001 clause",
            "Category",
            "Root cause category",
            "Root cause",
            "Date raised",
            "Status",
            "Department",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            suggest_mapping(&h),
            vec![
                Some(Target::Reference),
                Some(Target::Title),
                Some(Target::Statement),
                Some(Target::Evidence),
                Some(Target::Requirements),
                Some(Target::Grade),
                Some(Target::Cause),
                Some(Target::RootCause),
                Some(Target::DetectedOn),
                None,
                Some(Target::Area),
            ]
        );
    }

    #[test]
    fn grades_in_register_words() {
        assert_eq!(parse_grade("Major NC"), Some(Grade::Major));
        assert_eq!(parse_grade("minor nonconformity"), Some(Grade::Minor));
        assert_eq!(parse_grade("OBS"), Some(Grade::Observation));
        assert_eq!(parse_grade("OFI"), Some(Grade::Opportunity));
        assert_eq!(
            parse_grade("Opportunity for improvement"),
            Some(Grade::Opportunity)
        );
        assert_eq!(parse_grade("Severe"), None);
    }

    #[test]
    fn every_importable_field_is_a_target() {
        let targets: Vec<&str> = Target::ALL.iter().map(|t| t.code()).collect();
        let importable: Vec<&str> = schema::FIELDS
            .iter()
            .filter(|f| f.import.is_some())
            .map(|f| f.key)
            .collect();
        assert_eq!(targets, importable, "same fields, in the schema's order");
        for t in Target::ALL {
            assert_eq!(Target::from_code(t.code()), Some(*t));
            assert!(!t.aliases().is_empty(), "{t:?}");
        }
        // Labels as the mapping offers them, one per field.
        let labels: std::collections::BTreeSet<&str> =
            Target::ALL.iter().map(|t| t.label()).collect();
        assert_eq!(labels.len(), Target::ALL.len());
        assert_eq!(Target::RootCause.label(), "Root cause");
        assert!(matches!(
            Target::Grade.field().kind,
            schema::Kind::Choice { .. }
        ));
    }

    #[test]
    fn semicolons_and_windows_1252_are_read() {
        let bytes = b"Title;Owner\r\n\"Caf\xe9 \x93keys\x94\";Jos\xe9\r\n";
        let t = read_table(bytes).unwrap();
        assert_eq!(t.delimiter, ';');
        assert_eq!(t.rows[0].cells, vec!["Café “keys”", "José"]);
        assert_eq!(t.rows[0].line, 2);
    }
}
