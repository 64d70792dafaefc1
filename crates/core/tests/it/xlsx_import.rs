//! XLSX import: workbooks written here with rust_xlsxwriter (the app's own
//! export, a register with a title block, a CISO Assistant-style sheet,
//! several sheets of which some cannot give a table) read back into the
//! tables the CSV import maps; and foreign bytes, random or mutated from a
//! valid workbook, never panic.
//!
//! Cases of the property test: 64 each by default; `PROPTEST_CASES` sets more.

#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use common::{demo_register as demo, today};

use std::io::{Cursor, Read, Write};

use chrono::NaiveDate;
use ncr_core::exchange::csv::{self, CsvTable};
use ncr_core::exchange::import::{parse_rows, suggest_mapping, ImportOptions, KnownFormat, Target};
use ncr_core::exchange::xlsx::{export_workbook, ACTIONS_SHEET, FINDINGS_SHEET};
use ncr_core::exchange::xlsx_read::{read_workbook, Sheet, XlsxReadError};
use ncr_core::exchange::{action_columns, finding_columns};
use ncr_core::model::Grade;
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

fn table<'a>(sheets: &'a [Sheet], name: &str) -> &'a CsvTable {
    let sheet = sheets
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no sheet {name}"));
    sheet
        .table
        .as_ref()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn date_format() -> Format {
    Format::new().set_num_format("dd/mm/yyyy")
}

fn excel_date(y: u16, m: u8, d: u8) -> ExcelDateTime {
    ExcelDateTime::from_ymd(y, m, d).unwrap()
}

fn strings(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, text) in cells.iter().enumerate() {
        sheet.write_string(row, c as u16, *text).unwrap();
    }
}

#[test]
fn the_apps_own_workbook_reads_back_as_its_csv() {
    let doc = demo();
    let sheets = read_workbook(&export_workbook(&doc, today()).unwrap()).unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, [FINDINGS_SHEET, ACTIONS_SHEET]);

    let findings = table(&sheets, FINDINGS_SHEET);
    let headers: Vec<&str> = finding_columns().iter().map(|c| c.header).collect();
    assert_eq!(findings.headers, headers);
    let csv = csv::read_table(&csv::export_findings(&doc).unwrap()).unwrap();
    assert_eq!(csv.headers, findings.headers);
    assert_eq!(findings.rows.len(), csv.rows.len());
    assert!(findings.rows.len() > 5, "the demo has findings");
    for (i, (x, c)) in findings.rows.iter().zip(&csv.rows).enumerate() {
        // Under the header, one row per finding: Excel's row i + 2.
        assert_eq!(x.line, i as u64 + 2);
        // Every cell, dates above all, reads as the CSV writes it (the
        // demo has no formula-looking text, which only the CSV prefixes).
        assert_eq!(x.cells, c.cells, "row {}", x.line);
    }
    // The dates really are date cells in the workbook, read as ISO dates.
    let detected = findings
        .headers
        .iter()
        .position(|h| h == "Detected on")
        .unwrap();
    assert!(findings.rows.iter().all(|r| {
        let d = r.cell(detected);
        NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
    }));

    let actions = table(&sheets, ACTIONS_SHEET);
    let headers: Vec<&str> = action_columns().iter().map(|c| c.header).collect();
    assert_eq!(actions.headers, headers);
    assert!(!actions.rows.is_empty());

    // And the rows parse into the findings the CSV's do (their line
    // numbers differ: a CSV row spans a line per line break in its cells).
    let parsed = |t: &CsvTable| {
        let p = parse_rows(t, &ImportOptions::suggest(t), today());
        let findings: Vec<_> = p.findings.into_iter().map(|f| f.finding).collect();
        let errors: Vec<_> = p.errors.into_iter().map(|e| e.messages).collect();
        (findings, errors)
    };
    assert_eq!(parsed(findings), parsed(&csv));
}

#[test]
fn a_title_block_above_the_header_is_skipped() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("NC log").unwrap();
    let bold = Format::new().set_bold();
    sheet
        .write_string_with_format(0, 0, "NC Register \u{2014} ACME Ltd", &bold)
        .unwrap();
    sheet.write_string(1, 0, "Last updated").unwrap();
    sheet
        .write_date_with_format(1, 1, excel_date(2026, 11, 2), &date_format())
        .unwrap();
    // Row 3 blank; the header on row 4, starting in column B (column A is
    // a margin), with a blank header over the notes.
    strings(
        sheet,
        3,
        &[
            "",
            "NC No.",
            "Date raised",
            "Clause",
            "Severity",
            "Description",
            "",
        ],
    );
    sheet.write_string(4, 1, "NC-7").unwrap();
    sheet
        .write_date_with_format(4, 2, excel_date(2026, 3, 4), &date_format())
        .unwrap();
    sheet.write_string(4, 3, "A.5.15").unwrap();
    sheet.write_string(4, 4, "Minor").unwrap();
    sheet
        .write_string(4, 5, "Leavers kept their access")
        .unwrap();
    sheet.write_number(4, 6, 3.0).unwrap();
    // A blank row inside the table, then a date with a time, a fraction.
    sheet.write_number(6, 1, 8.0).unwrap();
    let noon = ExcelDateTime::from_ymd(2026, 4, 1)
        .unwrap()
        .and_hms(13, 30, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(
            6,
            2,
            &noon,
            &Format::new().set_num_format("yyyy-mm-dd hh:mm"),
        )
        .unwrap();
    sheet.write_string(6, 4, "Major").unwrap();
    sheet
        .write_string(6, 5, "Firewall rules unreviewed")
        .unwrap();
    sheet.write_number(6, 6, 2.5).unwrap();
    sheet.write_boolean(6, 7, true).unwrap();
    let sheets = read_workbook(&book.save_to_buffer().unwrap()).unwrap();
    let t = table(&sheets, "NC log");
    assert_eq!(
        t.headers,
        [
            "NC No.",
            "Date raised",
            "Clause",
            "Severity",
            "Description",
            "Column 6",
            "Column 7"
        ]
    );
    assert_eq!(t.rows.len(), 2);
    assert_eq!(t.rows[0].line, 5);
    assert_eq!(
        t.rows[0].cells,
        [
            "NC-7",
            "2026-03-04",
            "A.5.15",
            "Minor",
            "Leavers kept their access",
            "3",
            ""
        ]
    );
    assert_eq!(t.rows[1].line, 7);
    assert_eq!(
        t.rows[1].cells,
        [
            "8",
            "2026-04-01 13:30:00",
            "",
            "Major",
            "Firewall rules unreviewed",
            "2.5",
            "TRUE"
        ]
    );

    let options = ImportOptions::suggest(t);
    assert_eq!(options.mapping[0], Some(Target::Field("reference")));
    assert_eq!(options.mapping[1], Some(Target::Field("detected_on")));
    let parsed = parse_rows(t, &options, today());
    assert_eq!(parsed.errors, []);
    let first = &parsed.findings[0].finding;
    assert_eq!(
        first.detected_on,
        NaiveDate::from_ymd_opt(2026, 3, 4),
        "a real date cell is never read day-first or month-first"
    );
    assert_eq!(first.grade, Grade::Minor);
    assert_eq!(
        parsed.findings[1].finding.detected_on,
        NaiveDate::from_ymd_opt(2026, 4, 1)
    );
}

#[test]
fn a_ciso_assistant_findings_sheet_is_read() {
    // The findings columns of CISO Assistant's data import wizard, whose
    // sheets its findings export follows: intuitem/ciso-assistant-community,
    // docs/guide/data-import-wizard.md, "Findings followup (eg. pentest)".
    let columns = [
        "ref_id",
        "name",
        "description",
        "severity",
        "status",
        "filtering_labels",
        "priority",
        "eta",
        "due_date",
        "observation",
    ];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet().set_name("findings").unwrap();
    strings(sheet, 0, &columns);
    strings(
        sheet,
        1,
        &[
            "F-001",
            "MFA missing on VPN",
            "Remote access does not require MFA",
            "high",
            "identified",
            "internal|pentest",
        ],
    );
    sheet.write_number(1, 6, 1.0).unwrap();
    sheet
        .write_date_with_format(1, 7, excel_date(2026, 12, 1), &date_format())
        .unwrap();
    // A date written as text, as CISO Assistant exports it.
    sheet.write_string(1, 8, "2026-12-15").unwrap();
    let sheets = read_workbook(&book.save_to_buffer().unwrap()).unwrap();
    let t = table(&sheets, "findings");
    // The last column is empty everywhere below its header, but its header
    // keeps it.
    assert_eq!(t.headers, columns);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(
        t.rows[0].cells,
        [
            "F-001",
            "MFA missing on VPN",
            "Remote access does not require MFA",
            "high",
            "identified",
            "internal|pentest",
            "1",
            "2026-12-01",
            "2026-12-15",
            ""
        ]
    );
    let options = ImportOptions::suggest(t);
    assert_eq!(options.format, Some(KnownFormat::CisoAssistantTemplate));
    let mapping = &options.mapping;
    assert_eq!(mapping[0], Some(Target::Field("reference")));
    assert_eq!(mapping[1], Some(Target::Field("title")));
    assert_eq!(mapping[2], Some(Target::Field("statement")));
    assert_eq!(mapping[3], Some(Target::Field("grade")));
    assert_eq!(mapping, &suggest_mapping_for_ciso(&t.headers));
    let parsed = parse_rows(t, &options, today());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
}

/// The workbook's parts, unpacked.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().into_owned(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in parts {
        out.start_file(name.as_str(), options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn every_sheet_is_offered_and_a_bad_one_hides_no_other() {
    let mut book = Workbook::new();
    book.add_worksheet().set_name("Cover").unwrap();
    let register = book.add_worksheet().set_name("Register").unwrap();
    strings(register, 0, &["Reference", "Title"]);
    strings(register, 1, &["NC-1", "Backups untested"]);
    let headers_only = book.add_worksheet().set_name("Template").unwrap();
    strings(headers_only, 0, &["Reference", "Title"]);
    let broken = book.add_worksheet().set_name("Broken").unwrap();
    strings(broken, 0, &["Reference", "Title"]);
    strings(broken, 1, &["NC-2", "Will not parse"]);
    let bytes = book.save_to_buffer().unwrap();

    let sheets = read_workbook(&bytes).unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Cover", "Register", "Template", "Broken"]);
    assert_eq!(sheets[0].table, Err(XlsxReadError::Empty));
    assert_eq!(
        sheets[0].table.as_ref().unwrap_err().to_string(),
        "This sheet is empty: there is no header row to map."
    );
    assert_eq!(
        table(&sheets, "Register").rows[0].cells,
        ["NC-1", "Backups untested"]
    );
    assert_eq!(sheets[2].table, Err(XlsxReadError::NoRows));
    assert!(sheets[2]
        .table
        .as_ref()
        .unwrap_err()
        .to_string()
        .contains("has a header row but no rows below it"));

    // The fourth sheet's XML cut short: that sheet alone is unreadable.
    let mut parts = unzip(&bytes);
    let sheet4 = parts
        .iter_mut()
        .find(|(n, _)| n == "xl/worksheets/sheet4.xml")
        .unwrap();
    let cut = sheet4.1.len() / 2;
    sheet4.1.truncate(cut);
    let sheets = read_workbook(&rezip(&parts)).unwrap();
    assert_eq!(sheets.len(), 4);
    assert_eq!(table(&sheets, "Register").rows.len(), 1);
    match &sheets[3].table {
        Err(e @ XlsxReadError::SheetUnreadable(_)) => {
            assert!(e.to_string().starts_with("This sheet could not be read ("))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_is_not_a_workbook_is_refused_with_a_sentence() {
    for bytes in [
        &b""[..],
        b"Reference,Title\r\nNC-1,Backups\r\n",
        b"PK\x03\x04 not really a zip",
        &[0u8; 64],
    ] {
        let e = read_workbook(bytes).unwrap_err();
        assert!(matches!(e, XlsxReadError::Unreadable(_)), "{e:?}");
        let sentence = e.to_string();
        assert!(
            sentence.starts_with("This file could not be read as an Excel workbook (")
                && sentence.ends_with("). Nothing was imported."),
            "{sentence}"
        );
    }
    // An .xls (or a password-protected .xlsx) is a Compound File.
    let mut xls = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    xls.resize(4096, 0);
    assert_eq!(read_workbook(&xls), Err(XlsxReadError::OldOrProtected));
    // An OpenDocument spreadsheet: its media type is its first entry.
    let mut ods = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    ods.start_file("mimetype", stored).unwrap();
    ods.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let ods = ods.finish().unwrap().into_inner();
    assert_eq!(read_workbook(&ods), Err(XlsxReadError::OpenDocument));
}

#[test]
fn a_zip_that_declares_a_huge_part_is_refused_before_reading() {
    let mut book = Workbook::new();
    strings(book.add_worksheet(), 0, &["Reference", "Title"]);
    let mut bytes = book.save_to_buffer().unwrap();
    // Every central directory entry now claims 300 MB unpacked.
    let mut i = 0;
    while let Some(at) = bytes[i..].windows(4).position(|w| w == b"PK\x01\x02") {
        let entry = i + at;
        bytes[entry + 24..entry + 28].copy_from_slice(&(300u32 << 20).to_le_bytes());
        i = entry + 4;
    }
    assert_eq!(read_workbook(&bytes), Err(XlsxReadError::TooLarge));
}

/// A small valid workbook for the mutations to start from.
fn seed_workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    strings(sheet, 0, &["Register"]);
    strings(sheet, 2, &["Reference", "Title", "Detected on", "Score"]);
    strings(sheet, 3, &["NC-1", "Backups untested"]);
    sheet
        .write_date_with_format(3, 2, excel_date(2026, 5, 6), &date_format())
        .unwrap();
    sheet.write_number(3, 3, 0.25).unwrap();
    strings(book.add_worksheet(), 0, &["Other"]);
    book.save_to_buffer().unwrap()
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: common::cases(64),
        // Deterministic: the same inputs on every run and machine.
        rng_seed: RngSeed::Fixed(0x5eed_71c5),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Reads `bytes` and checks the answer is whole: sheets or a sentence.
fn read_anything(bytes: &[u8]) {
    match read_workbook(bytes) {
        Ok(sheets) => {
            for s in sheets {
                if let Ok(t) = s.table {
                    assert!(t.rows.iter().all(|r| r.cells.len() == t.headers.len()));
                }
            }
        }
        Err(e) => assert!(e.to_string().ends_with('.'), "{e}"),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_anything(&bytes);
    }

    /// Flipped, overwritten and cut bytes of a real workbook: mostly caught
    /// by the zip's checks.
    #[test]
    fn mutated_workbooks_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = seed_workbook();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Some(cut) = cut {
            let keep = cut.index(bytes.len());
            bytes.truncate(keep);
        }
        read_anything(&bytes);
    }

    /// The same edits inside one unpacked part, zipped again, so they reach
    /// the XML readers.
    #[test]
    fn mutated_parts_never_panic(
        part in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut parts = unzip(&seed_workbook());
        let n = parts.len();
        let data = &mut parts[part.index(n)].1;
        for (at, byte) in edits {
            if !data.is_empty() {
                let i = at.index(data.len());
                data[i] = byte;
            }
        }
        if let Some(cut) = cut {
            let keep = cut.index(data.len() + 1);
            data.truncate(keep);
        }
        read_anything(&rezip(&parts));
    }
}

/// What the template's columns become: due_date is the finding's closing
/// deadline and eta its actions', priority has no field here.
fn suggest_mapping_for_ciso(headers: &[String]) -> Vec<Option<Target>> {
    let mut m = suggest_mapping(headers);
    for (slot, h) in m.iter_mut().zip(headers) {
        *slot = match h.as_str() {
            "due_date" => Some(Target::CloseDue),
            "eta" => Some(Target::ActionDue),
            "priority" => None,
            "filtering_labels" => Some(Target::Field("area")),
            "observation" => Some(Target::Field("evidence")),
            _ => *slot,
        };
    }
    m
}

/// The CISO Assistant workbook the end-to-end tests import
/// (`e2e/fixtures/import/ciso-assistant-findings.xlsx`): the columns and
/// renderings of its findings follow-up export (backend/core/views.py,
/// `FindingsAssessmentViewSet.xlsx`), dates as real date cells. Rewritten
/// with `WRITE_FIXTURES=1`; otherwise checked to read as expected.
#[test]
fn the_ciso_assistant_fixture() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../e2e/fixtures/import/ciso-assistant-findings.xlsx"
    );
    if std::env::var("WRITE_FIXTURES").is_ok() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet().set_name("Findings").unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let headers = [
            "ref_id",
            "name",
            "description",
            "status",
            "severity",
            "folder",
            "owner",
            "applied_controls",
            "evidences",
            "created_at",
            "eta",
            "due_date",
        ];
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let rows: [[&str; 9]; 3] = [
            [
                "F-01",
                "MFA missing on admin accounts",
                "Two domain admin accounts sign in without MFA.",
                "In Progress",
                "high",
                "Global",
                "ciso@acme.test",
                "Enforce MFA for admins [in progress]\nReview the admin list [to do]",
                "IdP sign-in report",
            ],
            [
                "F-02",
                "TLS 1.0 enabled on the intranet",
                "The intranet accepts TLS 1.0.",
                "Resolved",
                "medium",
                "Global",
                "it@acme.test",
                "Disable TLS 1.0 [active]",
                "Scan report",
            ],
            [
                "F-03",
                "Logging could be centralised",
                "Logs are kept per server.",
                "Identified",
                "info",
                "Global",
                "",
                "",
                "",
            ],
        ];
        let created = [(2025, 5, 1), (2025, 4, 2), (2025, 4, 3)];
        let eta = [Some((2025, 6, 1)), None, None];
        let due = [Some((2025, 7, 31)), Some((2025, 6, 30)), None];
        for (r, row) in rows.iter().enumerate() {
            let r32 = r as u32 + 1;
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r32, c as u16, *v).unwrap();
            }
            let (y, m, d) = created[r];
            let at = ExcelDateTime::from_ymd(y, m, d)
                .unwrap()
                .and_hms(9, 30, 0)
                .unwrap();
            sheet
                .write_datetime_with_format(r32, 9, &at, &stamp)
                .unwrap();
            for (c, v) in [(10u16, eta[r]), (11, due[r])] {
                if let Some((y, m, d)) = v {
                    sheet
                        .write_datetime_with_format(r32, c, excel_date(y, m, d), &date)
                        .unwrap();
                }
            }
        }
        std::fs::write(path, book.save_to_buffer().unwrap()).unwrap();
    }
    let sheets = read_workbook(&std::fs::read(path).unwrap()).unwrap();
    let t = sheets[0].table.as_ref().unwrap();
    assert_eq!(
        ImportOptions::suggest(t).format,
        Some(KnownFormat::CisoAssistantExport)
    );
    let parsed = parse_rows(t, &ImportOptions::suggest(t), today());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.findings.len(), 3);
    assert_eq!(
        parsed.findings[0].finding.detected_on,
        NaiveDate::from_ymd_opt(2025, 5, 1)
    );
}
