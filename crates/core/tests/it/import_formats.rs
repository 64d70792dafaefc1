//! Registers as auditors already keep them, imported with the mapping the
//! app proposes (and, where a file is ambiguous, the choice a person makes
//! on the mapping screen). The same files are imported through the UI by
//! the end-to-end tests (`e2e/fixtures/import/`).

use crate::common;

use std::collections::BTreeMap;

use chrono::NaiveDate;

use common::{acme_register, today};
use ncr_core::deadlines;
use ncr_core::document::RegisterDoc;
use ncr_core::exchange::csv::read_table;
use ncr_core::exchange::import::{
    import_findings, parse_rows, DateOrder, ImportOptions, KnownFormat, Target,
};
use ncr_core::model::{ActionStatus, Finding, Grade, ReviewResult, Status};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../../e2e/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Imports `bytes` with the proposed options adjusted by `adjust`; returns
/// the register, the findings by reference and the parse's messages.
fn import(
    bytes: &[u8],
    adjust: impl FnOnce(&mut ImportOptions),
) -> (RegisterDoc, BTreeMap<String, Finding>, Vec<String>) {
    let table = read_table(bytes).unwrap();
    let mut options = ImportOptions::suggest(&table);
    adjust(&mut options);
    let parsed = parse_rows(&table, &options, today());
    let messages = parsed
        .errors
        .iter()
        .chain(&parsed.warnings)
        .map(ToString::to_string)
        .collect();
    let mut doc = acme_register();
    let mut n = 0;
    import_findings(
        &mut doc,
        &parsed.findings,
        "file",
        || {
            n += 1;
            format!("id-{n}")
        },
        today(),
    )
    .unwrap();
    let by_ref = doc
        .live_findings()
        .map(|f| (f.reference.clone(), f.clone()))
        .collect();
    (doc, by_ref, messages)
}

#[test]
fn a_capa_register_keeps_statuses_actions_reviews_and_closures() {
    let (doc, f, messages) = import(&fixture("capa-register.csv"), |_| {});
    // "On hold" means nothing certain: that row waits for a choice.
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("\u{201c}On hold\u{201d} is not matched to a status"));
    assert_eq!(f.len(), 4);

    let vpn = &f["CAPA-001"];
    assert_eq!(vpn.status, Status::Closed);
    assert_eq!(vpn.grade, Grade::Major);
    let actions: Vec<_> = vpn.actions.values().collect();
    assert_eq!(actions.len(), 2);
    assert!(actions
        .iter()
        .all(|a| a.status == ActionStatus::Done && a.owner == "IT Ops"));
    assert!(actions.iter().all(|a| a.due == Some(d(2025, 4, 30))));
    assert_eq!(vpn.review.result, Some(ReviewResult::Effective));
    assert_eq!(vpn.review.reviewed_on, Some(d(2025, 6, 20)));
    assert!(vpn.review.notes.starts_with("Sampled 20 leavers"));
    assert_eq!(vpn.closure.closed_on, Some(d(2025, 6, 25)));
    assert_eq!(vpn.closure.closed_by, "Jane Doe");

    assert_eq!(f["CAPA-002"].status, Status::InProgress);
    assert_eq!(
        f["CAPA-002"].actions.values().next().unwrap().status,
        ActionStatus::InProgress
    );
    assert_eq!(f["CAPA-003"].status, Status::Verifying);
    assert_eq!(f["CAPA-004"].grade, Grade::Opportunity);
    assert_eq!(f["CAPA-004"].status, Status::Open);

    // With "On hold" chosen as in progress, the fifth row comes too.
    let (_, f, messages) = import(&fixture("capa-register.csv"), |o| {
        o.statuses.insert("on hold".into(), Status::InProgress);
    });
    assert!(messages.is_empty(), "{messages:?}");
    assert_eq!(f["CAPA-005"].status, Status::InProgress);
    let _ = doc;
}

#[test]
fn a_german_register_with_a_bom_and_semicolons() {
    let (doc, f, messages) = import(&fixture("massnahmen-de.csv"), |o| {
        assert_eq!(o.column(Target::Actions), Some(7));
        assert_eq!(o.date_order(1), DateOrder::DayMonth);
    });
    assert!(messages.is_empty(), "{messages:?}");
    let rights = &f["AB-01"];
    assert_eq!(rights.title, "Zugriffsrechte nicht geprüft");
    assert_eq!(rights.grade, Grade::Major);
    assert_eq!(rights.status, Status::Closed);
    assert_eq!(rights.detected_on, Some(d(2025, 2, 3)));
    assert_eq!(rights.closure.closed_on, Some(d(2025, 4, 15)));
    assert_eq!(rights.owner, "Jürgen Müller");
    let training = &f["AB-02"];
    assert_eq!(training.status, Status::InProgress);
    assert_eq!(training.actions.len(), 2);
    assert!(training
        .actions
        .values()
        .all(|a| a.due == Some(d(2025, 6, 30)) && a.owner == "Änne Groß"));
    assert_eq!(f["AB-03"].status, Status::Open);
    assert_eq!(f["AB-04"].grade, Grade::Opportunity);
    let _ = doc;
}

#[test]
fn a_latin1_register_with_month_first_dates_reads_as_the_person_chooses() {
    // Every date is ambiguous: the guess is day first…
    let (_, f, _) = import(&fixture("latin1-register.csv"), |_| {});
    assert_eq!(f["US-1"].detected_on, Some(d(2025, 4, 3)));
    // …and the person switches the columns to month first.
    let (doc, f, messages) = import(&fixture("latin1-register.csv"), |o| {
        o.date_orders.insert(1, DateOrder::MonthDay);
        o.date_orders.insert(8, DateOrder::MonthDay);
    });
    assert!(messages.is_empty(), "{messages:?}");
    let cafe = &f["US-1"];
    assert_eq!(cafe.title, "Café badge reader left open");
    assert_eq!(cafe.owner, "José Núñez");
    assert_eq!(cafe.detected_on, Some(d(2025, 3, 4)));
    assert_eq!(
        deadlines::close_due(cafe, &doc.settings()),
        Some(d(2025, 6, 5))
    );
    assert_eq!(f["US-2"].owner, "Zoë Brontë");
}

#[test]
fn a_ciso_assistant_findings_export_is_recognised() {
    // The columns and renderings of CISO Assistant's findings follow-up
    // export (backend/core/views.py, FindingsAssessmentViewSet.xlsx), here
    // as the CSV a spreadsheet saves it to.
    let csv = "ref_id,name,description,status,severity,folder,owner,applied_controls,evidences,created_at,eta,due_date\r\n\
        F-1,MFA missing on admin accounts,Two admin accounts lack MFA.,In Progress,high,Global,ciso@acme.test,\"Enforce MFA [in progress]\nReview admin list [to do]\",Screenshot of IdP,2025-05-01 09:30:00,2025-06-01,2025-07-31\r\n\
        F-2,Old TLS on intranet,TLS 1.0 enabled.,Resolved,medium,Global,it@acme.test,Disable TLS 1.0 [active],Scan report,2025-04-02 10:00:00,,2025-06-30\r\n\
        F-3,Logging could be centralised,,Identified,info,Global,,,,2025-04-03 11:00:00,,\r\n";
    let table = read_table(csv.as_bytes()).unwrap();
    let options = ImportOptions::suggest(&table);
    assert_eq!(options.format, Some(KnownFormat::CisoAssistantExport));
    let (doc, f, messages) = import(csv.as_bytes(), |_| {});
    assert!(messages.is_empty(), "{messages:?}");
    let mfa = &f["F-1"];
    assert_eq!(mfa.title, "MFA missing on admin accounts");
    assert_eq!(mfa.statement, "Two admin accounts lack MFA.");
    assert_eq!(mfa.grade, Grade::Major);
    assert_eq!(mfa.status, Status::InProgress);
    assert_eq!(mfa.area, "Global");
    assert_eq!(mfa.evidence, "Screenshot of IdP");
    assert_eq!(mfa.detected_on, Some(d(2025, 5, 1)));
    let mut actions: Vec<_> = mfa.actions.values().collect();
    actions.sort_by_key(|a| a.description.clone());
    assert_eq!(actions[0].description, "Enforce MFA");
    assert_eq!(actions[0].status, ActionStatus::InProgress);
    assert_eq!(actions[0].due, Some(d(2025, 6, 1)));
    assert_eq!(actions[1].status, ActionStatus::Planned);
    assert_eq!(
        deadlines::close_due(mfa, &doc.settings()),
        Some(d(2025, 7, 31))
    );
    assert_eq!(f["F-2"].status, Status::Closed);
    assert_eq!(f["F-2"].grade, Grade::Minor);
    assert_eq!(f["F-3"].grade, Grade::Observation);
    assert_eq!(f["F-3"].status, Status::Open);
}

#[test]
fn a_probo_register_is_recognised() {
    let csv = "Reference,Kind,Description,Status,Priority,Owner,Due Date\r\n\
        FND-001,Major Nonconformity,No access review in 2025.,Open,High,Ana Lima,2025-09-30\r\n\
        FND-002,Observation,Asset list kept in two places.,False Positive,Low,-,-\r\n";
    let table = read_table(csv.as_bytes()).unwrap();
    assert_eq!(
        ImportOptions::suggest(&table).format,
        Some(KnownFormat::Probo)
    );
    let (_, f, messages) = import(csv.as_bytes(), |_| {});
    // Probo prints "-" for an empty cell; its register has no detection
    // date, so a due date cannot become a deadline, and the person is told.
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("Line 2: has a due date but no detection date"),
        "{messages:?}"
    );
    assert_eq!(f["FND-002"].status, Status::Rejected);
    assert_eq!(f["FND-001"].grade, Grade::Major);
    assert_eq!(f["FND-001"].statement, "No access review in 2025.");
}

/// Not a test: how long 50,000 rows take to read, parse and write natively
/// (`cargo test --release -p ncr-core --test it import_formats:: -- --ignored --nocapture`).
#[test]
#[ignore]
fn fifty_thousand_rows() {
    let mut csv = String::from("Ref,Date raised,Finding,Description,Clause,Severity,Status,Corrective action,Action owner,Due date\r\n");
    let n: usize = std::env::var("ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    for i in 0..n {
        csv.push_str(&format!(
            "R-{i},2025-03-{:02},Finding {i},Description of finding {i} with some words,A.5.{},Minor,{},Fix it {i},Owner {},2025-06-30\r\n",
            1 + i % 28,
            1 + i % 30,
            ["Open", "Closed", "In progress"][i % 3],
            i % 17
        ));
    }
    let t = std::time::Instant::now();
    let table = read_table(csv.as_bytes()).unwrap();
    let read = t.elapsed();
    let options = ImportOptions::suggest(&table);
    let parsed = parse_rows(&table, &options, today());
    let parse = t.elapsed() - read;
    assert!(parsed.errors.is_empty(), "{:?}", &parsed.errors[..1]);
    let mut doc = acme_register();
    let mut n = 0;
    import_findings(
        &mut doc,
        &parsed.findings,
        "big.csv",
        || {
            n += 1;
            format!("{n:032x}")
        },
        today(),
    )
    .unwrap();
    let write = t.elapsed() - read - parse;
    let t = std::time::Instant::now();
    let bytes = doc.save().len();
    let save = t.elapsed();
    let t = std::time::Instant::now();
    let chunk = doc.unsaved_chunk().map(|c| c.0.len()).unwrap_or(0);
    let incremental = t.elapsed();
    eprintln!("read {read:?}, parse {parse:?}, write {write:?}; save {save:?} ({bytes} bytes), unsaved chunk {incremental:?} ({chunk} bytes)");
}
