//! Spreadsheet exchange, checked with independent readers: the workbook is
//! read back with calamine and the CSV with the csv crate, so a value, date
//! or escaping mistake cannot hide behind our own reader. CSV import runs on
//! a realistic legacy register (`tests/fixtures/legacy-register.csv`).
//!
//! Native only: calamine is a native dev-dependency, and reading fixtures
//! from disk needs a file system the wasm test runner does not have.

#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use common::{clock, today};

use std::collections::BTreeMap;
use std::io::Cursor;

use automerge::ActorId;
use calamine::{open_workbook_from_rs, Data, DataType, Reader, Xlsx};
use chrono::NaiveDate;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::exchange::csv::{export_findings, read_table};
use ncr_core::exchange::import::{
    import_findings, parse_rows, suggest_mapping, ImportOptions, Target,
};
use ncr_core::exchange::xlsx::{export_workbook, ACTIONS_SHEET, FINDINGS_SHEET};
use ncr_core::exchange::{file_name, REGISTER_EXTENSION};
use ncr_core::model::{ActionStatus, Auditor, CorrectiveAction, Grade, Source};

const FORMULA_TITLE: &str = "=HYPERLINK(\"http://evil.example\",\"Click\")";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn register() -> RegisterDoc {
    common::acme_register()
}

/// Three findings: a full one with two actions, one whose texts a
/// spreadsheet would run as formulas, and a deleted one (never exported).
fn sample() -> RegisterDoc {
    let mut doc = register();
    doc.add_finding("f1".into(), today(), |f| {
        f.title = "Access reviews not performed".into();
        f.statement = "User access rights were not reviewed, \"as planned\".".into();
        f.evidence = "Line one\nLine two, with a comma; and a semicolon".into();
        f.requirements.insert("A.5.18".into(), true);
        f.requirements.insert("9.2".into(), true);
        f.grade = Grade::Major;
        f.source = Source::Stage2;
        f.area = "Sécurité — Zürich".into();
        f.detected_on = Some(date(2026, 10, 1));
        f.owner = "Head of IT".into();
        f.root_cause.statement = "No owner for the review".into();
    })
    .unwrap();
    doc.add_action(
        "f1",
        "a1".into(),
        today(),
        CorrectiveAction {
            description: "Assign an owner".into(),
            owner: "CIO".into(),
            due: Some(date(2026, 12, 15)),
            status: ActionStatus::InProgress,
            ..CorrectiveAction::default()
        },
    )
    .unwrap();
    doc.add_action(
        "f1",
        "a2".into(),
        today(),
        CorrectiveAction {
            description: "-1 leaver accounts: disable".into(),
            owner: "Service desk".into(),
            due: Some(date(2026, 11, 1)),
            status: ActionStatus::Done,
            done_on: Some(date(2026, 11, 2)),
            ..CorrectiveAction::default()
        },
    )
    .unwrap();
    doc.add_finding("f2".into(), today(), |f| {
        f.title = FORMULA_TITLE.into();
        f.statement = "+44 20 7946 0000 is the helpdesk".into();
        f.evidence = "@SUM(A1:A9)".into();
        f.owner = "-".into();
        f.grade = Grade::Opportunity;
        f.detected_on = Some(date(2026, 11, 20));
    })
    .unwrap();
    doc.add_finding("f3".into(), today(), |f| f.title = "Deleted".into())
        .unwrap();
    doc.delete_finding("f3", "Duplicate", today()).unwrap();
    doc
}

fn header_index(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("expected text, found {other:?}"),
    }
}

#[test]
fn export_file_name_names_register_auditor_and_date() {
    assert_eq!(
        file_name(
            "ACME ISMS 2026",
            "Jane Doe",
            today().and_hms_opt(14, 32, 0).unwrap(),
            REGISTER_EXTENSION
        ),
        "acme-isms-2026--jane-doe--2026-11-28-1432.ncr"
    );
}

#[test]
fn the_workbook_reads_back_with_calamine() {
    let doc = sample();
    let bytes = export_workbook(&doc, today()).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec![FINDINGS_SHEET, ACTIONS_SHEET]);

    let sheet = book.worksheet_range(FINDINGS_SHEET).unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(cell_text).collect();
    for h in [
        "Reference",
        "Title",
        "Grade",
        "Status",
        "Requirements",
        "Statement",
        "Evidence",
        "Source",
        "Audit",
        "Area",
        "Detected on",
        "Raised by",
        "Owner",
        "Cause category",
        "Root cause",
        "Plan due",
        "Close due",
    ] {
        header_index(&headers, h);
    }
    // Two live findings, in reference order; the deleted one is left out.
    assert_eq!(rows.len(), 3);
    let col = |name: &str| header_index(&headers, name);
    let first = rows[1];
    assert_eq!(cell_text(&first[col("Reference")]), "NC-2026-JD-001");
    assert_eq!(
        cell_text(&first[col("Title")]),
        "Access reviews not performed"
    );
    assert_eq!(cell_text(&first[col("Grade")]), "Major");
    assert_eq!(cell_text(&first[col("Status")]), "Open");
    assert_eq!(cell_text(&first[col("Source")]), "Stage 2 audit");
    assert_eq!(cell_text(&first[col("Requirements")]), "9.2, A.5.18");
    assert_eq!(
        cell_text(&first[col("Evidence")]),
        "Line one\nLine two, with a comma; and a semicolon"
    );
    assert_eq!(cell_text(&first[col("Area")]), "Sécurité — Zürich");
    assert_eq!(cell_text(&first[col("Raised by")]), "Jane Doe");

    // Dates are date cells, not text.
    for (name, expected) in [
        ("Detected on", date(2026, 10, 1)),
        ("Plan due", date(2026, 10, 31)),
        ("Close due", date(2026, 12, 30)),
    ] {
        let cell = &first[col(name)];
        assert!(matches!(cell, Data::DateTime(_)), "{name}: {cell:?}");
        assert_eq!(cell.as_datetime().unwrap().date(), expected, "{name}");
    }

    // Formula-looking text arrives as the very same text, in string cells.
    let second = rows[2];
    assert_eq!(cell_text(&second[col("Title")]), FORMULA_TITLE);
    assert_eq!(
        cell_text(&second[col("Statement")]),
        "+44 20 7946 0000 is the helpdesk"
    );
    assert_eq!(cell_text(&second[col("Evidence")]), "@SUM(A1:A9)");
    assert_eq!(cell_text(&second[col("Owner")]), "-");
    assert_eq!(
        cell_text(&second[col("Grade")]),
        "Opportunity for improvement"
    );
    // An opportunity has no closing deadline: the cell stays empty.
    assert_eq!(second[col("Close due")], Data::Empty);
    for sheet in [FINDINGS_SHEET, ACTIONS_SHEET] {
        let formulas = book.worksheet_formula(sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{sheet} holds a formula"
        );
    }

    let actions = book.worksheet_range(ACTIONS_SHEET).unwrap();
    let rows: Vec<&[Data]> = actions.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(cell_text).collect();
    let col = |name: &str| header_index(&headers, name);
    assert_eq!(rows.len(), 3);
    // By due date: the done action (due 1 Nov) first.
    assert_eq!(cell_text(&rows[1][col("Finding")]), "NC-2026-JD-001");
    assert_eq!(
        cell_text(&rows[1][col("Action")]),
        "-1 leaver accounts: disable"
    );
    assert_eq!(cell_text(&rows[1][col("Status")]), "Done");
    assert_eq!(
        rows[1][col("Done on")].as_datetime().unwrap().date(),
        date(2026, 11, 2)
    );
    assert_eq!(cell_text(&rows[2][col("Action")]), "Assign an owner");
    assert_eq!(cell_text(&rows[2][col("Owner")]), "CIO");
    assert_eq!(
        rows[2][col("Due")].as_datetime().unwrap().date(),
        date(2026, 12, 15)
    );
    assert_eq!(cell_text(&rows[2][col("Status")]), "In progress");
}

#[test]
fn the_csv_reads_back_with_the_csv_crate() {
    let doc = sample();
    let bytes = export_findings(&doc).unwrap();
    // UTF-8 with a byte-order mark, for Excel.
    assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    // RFC 4180: CRLF between records, quotes doubled inside quoted fields.
    assert!(text.starts_with("Reference,Title,Grade,Status,"));
    assert!(text.contains("\r\n"));
    assert!(text.contains("\"User access rights were not reviewed, \"\"as planned\"\".\""));

    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 2);
    let col = |name: &str| header_index(&headers, name);
    let first = &records[0];
    assert_eq!(&first[col("Reference")], "NC-2026-JD-001");
    assert_eq!(
        &first[col("Statement")],
        "User access rights were not reviewed, \"as planned\"."
    );
    assert_eq!(
        &first[col("Evidence")],
        "Line one\nLine two, with a comma; and a semicolon"
    );
    assert_eq!(&first[col("Area")], "Sécurité — Zürich");
    assert_eq!(&first[col("Detected on")], "2026-10-01");
    assert_eq!(&first[col("Plan due")], "2026-10-31");
    assert_eq!(&first[col("Close due")], "2026-12-30");
    assert_eq!(&first[col("Requirements")], "9.2, A.5.18");
    // Actions on one line each, the earliest due first; this cell starts
    // with a minus, so it is neutralised like any other.
    assert_eq!(
        &first[col("Actions")],
        "'-1 leaver accounts: disable (Done, Service desk, due 2026-11-01, done 2026-11-02)\nAssign an owner (In progress, CIO, due 2026-12-15)"
    );

    // Formula-looking text is prefixed with an apostrophe, nothing else is.
    let second = &records[1];
    assert_eq!(&second[col("Title")], format!("'{FORMULA_TITLE}"));
    assert_eq!(
        &second[col("Statement")],
        "'+44 20 7946 0000 is the helpdesk"
    );
    assert_eq!(&second[col("Evidence")], "'@SUM(A1:A9)");
    assert_eq!(&second[col("Owner")], "'-");
    for record in &records {
        for field in record.iter() {
            assert!(
                !ncr_core::exchange::looks_like_formula(field),
                "{field:?} would run as a formula"
            );
        }
    }
}

#[test]
fn an_exported_csv_imports_back_into_another_register() {
    let doc = sample();
    let bytes = export_findings(&doc).unwrap();
    let table = read_table(&bytes).unwrap();
    let options = ImportOptions::suggest(&table);
    let parsed = parse_rows(&table, &options, today());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.findings.len(), 2);
    let mut other = RegisterDoc::create(
        ActorId::from([2u8; 16]),
        &Auditor {
            name: "Sam Roe".into(),
            initials: "SR".into(),
        },
        NewRegister {
            name: "Other".into(),
            ..NewRegister::default()
        },
        "reg-2".into(),
        clock,
    )
    .unwrap();
    let mut n = 0;
    let ids = import_findings(
        &mut other,
        &parsed.findings,
        "export.csv",
        || {
            n += 1;
            format!("new-{n}")
        },
        today(),
    )
    .unwrap()
    .ids;
    let by_ref: BTreeMap<String, _> = ids
        .iter()
        .map(|id| other.finding(id).unwrap())
        .map(|f| (f.reference.clone(), f))
        .collect();
    let a = by_ref["NC-2026-JD-001"];
    let original = doc.finding("f1").unwrap();
    assert_eq!(a.title, original.title);
    assert_eq!(a.statement, original.statement);
    assert_eq!(a.evidence, original.evidence);
    assert_eq!(a.requirements, original.requirements);
    assert_eq!(a.grade, Grade::Major);
    assert_eq!(a.source, Source::Stage2);
    assert_eq!(a.detected_on, Some(date(2026, 10, 1)));
    assert_eq!(a.raised_by, "Jane Doe");
    assert_eq!(a.root_cause.statement, original.root_cause.statement);
    // Our own apostrophes come off again.
    assert_eq!(by_ref["NC-2026-JD-002"].title, FORMULA_TITLE);
    assert_eq!(by_ref["NC-2026-JD-002"].owner, "-");
}

fn fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/legacy-register.csv"
    ))
    .unwrap()
}

#[test]
fn a_legacy_register_is_mapped_parsed_and_imported() {
    let table = read_table(&fixture()).unwrap();
    assert_eq!(table.delimiter, ',');
    assert_eq!(table.headers.len(), 15);
    assert_eq!(table.headers[0], "NC No.");
    // The blank row is skipped.
    assert_eq!(table.rows.len(), 9);

    let options = ImportOptions::suggest(&table);
    let mapping = suggest_mapping(&table.headers);
    assert_eq!(options.mapping, mapping);
    let named: Vec<(&str, Option<Target>)> = table
        .headers
        .iter()
        .map(String::as_str)
        .zip(mapping.iter().copied())
        .collect();
    assert_eq!(
        named,
        vec![
            ("NC No.", Some(Target::Field("reference"))),
            ("Date raised", Some(Target::Field("detected_on"))),
            ("Audit", Some(Target::Field("audit"))),
            ("Finding", Some(Target::Field("title"))),
            (
                "Description of nonconformity",
                Some(Target::Field("statement"))
            ),
            ("Objective evidence", Some(Target::Field("evidence"))),
            ("ISO 27001 clause", Some(Target::Field("requirements"))),
            ("Category", Some(Target::Field("grade"))),
            ("Department", Some(Target::Field("area"))),
            ("Auditor", Some(Target::Field("raised_by"))),
            ("Action owner", Some(Target::Field("owner"))),
            ("Immediate action", Some(Target::Field("correction"))),
            ("Root cause", Some(Target::Field("root_cause"))),
            ("Status", Some(Target::Field("status"))),
            ("Target date", Some(Target::CloseDue)),
        ]
    );

    let parsed = parse_rows(&table, &options, today());
    // Two rows are refused, each with its line in the file and the reason.
    let errors: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("Line 8: Date raised: \u{201c}31/02/2026\u{201d} is not a real date"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with("Line 9: Category: \u{201c}Severe\u{201d} is not a grade"),
        "{}",
        errors[1]
    );
    assert_eq!(parsed.findings.len(), 7);
    let lines: Vec<u64> = parsed.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 6, 7, 11, 12]);

    let mut doc = register();
    let mut n = 0;
    let report = import_findings(
        &mut doc,
        &parsed.findings,
        "legacy-register.csv",
        || {
            n += 1;
            format!("imp-{n}")
        },
        today(),
    )
    .unwrap();
    assert_eq!(report.ids.len(), 7);
    assert_eq!(
        report.audits_added,
        vec!["Internal audit Q3 2026", "Management review 2026"]
    );
    let by_ref: BTreeMap<String, _> = doc
        .live_findings()
        .map(|f| (f.reference.clone(), f))
        .collect();

    let access = by_ref["IA-2026-01"];
    assert_eq!(access.title, "Access reviews not performed");
    assert_eq!(access.grade, Grade::Major);
    assert_eq!(access.detected_on, Some(date(2026, 9, 14)));
    assert_eq!(access.requirement_list(), vec!["9.2", "A.5.18"]);
    assert_eq!(access.area, "IT Operations");
    assert_eq!(access.raised_by, "Jane Doe");
    assert_eq!(access.owner, "Head of IT");
    assert_eq!(
        access.correction.description,
        "Leavers' accounts disabled on 15/09/2026"
    );
    assert_eq!(
        access.root_cause.statement,
        "No owner for the quarterly review after the 2025 reorganisation"
    );
    // The sheet's status is kept, and its target date is the finding's
    // closing deadline.
    assert_eq!(
        by_ref["IA-2026-02"].status,
        ncr_core::model::Status::InProgress
    );
    assert_eq!(access.status, ncr_core::model::Status::Open);
    assert_eq!(
        ncr_core::deadlines::close_due(access, &doc.settings()),
        Some(date(2026, 12, 31))
    );
    assert_eq!(doc.audits()[&access.audit].title, "Internal audit Q3 2026");
    // The history says where they came from.
    let history = doc.history(&access.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].op, "import_findings");

    // Catalogue ids in any spelling, free text kept, several per cell.
    assert_eq!(by_ref["IA-2026-02"].requirement_list(), vec!["A.5.20"]);
    assert_eq!(by_ref["IA-2026-04"].requirement_list(), vec!["7.2", "7.3"]);
    assert_eq!(by_ref["IA-2026-04"].grade, Grade::Observation);
    assert_eq!(by_ref["IA-2026-04"].detected_on, Some(date(2026, 9, 17)));
    let review = by_ref["IA-2026-08"];
    assert_eq!(
        review.requirement_list(),
        vec!["9.3", "Data Protection Act 2018 s.64"]
    );
    assert_eq!(review.grade, Grade::Opportunity);
    assert_eq!(review.area, "Sécurité des données — São Paulo office");
    // A quoted cell spanning two lines keeps its line break.
    assert_eq!(
        by_ref["IA-2026-03"].evidence,
        "Backup log reviewed for Jul-Sep.\nInterview with the sysadmin confirmed no restore test since 2024."
    );
    // Formula-looking text is data here; the exports neutralise it.
    assert!(by_ref["IA-2026-05"].evidence.starts_with("=HYPERLINK("));
    // A row without a reference is numbered in the importer's sequence.
    let visitor = by_ref["NC-2026-JD-001"];
    assert_eq!(visitor.title, "Visitor log not kept at reception");
    assert_eq!(visitor.raised_by, "Tom Baker");

    // And the register then exports them with the apostrophe.
    let csv = export_findings(&doc).unwrap();
    let text = String::from_utf8(csv).unwrap();
    assert!(text.contains("'=HYPERLINK("));
}

#[test]
fn a_row_dated_in_the_future_is_refused_like_in_the_form() {
    let csv = "Title,Date\r\nOne,2026-11-27\r\nTwo,2027-01-01\r\n";
    let table = read_table(csv.as_bytes()).unwrap();
    let options = ImportOptions {
        mapping: vec![
            Some(Target::Field("title")),
            Some(Target::Field("detected_on")),
        ],
        ..ImportOptions::default()
    };
    let parsed = parse_rows(&table, &options, today());
    assert_eq!(parsed.findings.len(), 1);
    assert_eq!(parsed.errors.len(), 1);
    assert_eq!(parsed.errors[0].line, 3);
    assert!(parsed.errors[0].to_string().contains("in the future"));
}

#[test]
fn files_with_nothing_to_import_say_so() {
    assert!(read_table(b"").is_err());
    assert!(read_table(b"Title,Owner\r\n").is_err());
    assert!(read_table("\u{feff}\r\n\r\n".as_bytes()).is_err());
}

/// Merged data is not held to this app's text limits (another tool wrote
/// it), and Excel refuses cells over 32,767 characters: such a cell is cut
/// with a note, and the rest of the workbook is still written.
#[test]
fn a_cell_over_excels_limit_is_cut_not_fatal() {
    use automerge::{transaction::Transactable, AutoCommit, ReadDoc, ROOT};
    let doc = sample();
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    am.set_actor(ActorId::from([9u8; 16]));
    let findings = am.get(ROOT, "findings").unwrap().unwrap().1;
    let f1 = am.get(&findings, "f1").unwrap().unwrap().1;
    am.put(&f1, "evidence", "e".repeat(40_000)).unwrap();
    let doc = RegisterDoc::open(&am.save(), ActorId::from([1u8; 16]), clock).unwrap();
    let bytes = export_workbook(&doc, today()).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range(FINDINGS_SHEET).unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let headers: Vec<String> = rows[0].iter().map(cell_text).collect();
    let column = header_index(&headers, "Evidence");
    let evidence = rows[1..]
        .iter()
        .map(|r| cell_text(&r[column]))
        .max_by_key(|t| t.len())
        .unwrap();
    assert_eq!(evidence.chars().count(), 32_767);
    assert!(
        evidence.ends_with("cut: the register holds 40000 characters]"),
        "{}",
        &evidence[32_700..]
    );
}
