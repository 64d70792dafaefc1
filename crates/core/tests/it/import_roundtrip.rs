//! A register exported to CSV or to a workbook and imported into a new
//! register comes back
//! field for field: every field a person records, its lifecycle state
//! included, survives the spreadsheet.
//!
//! What does not travel, by design: ids (an import makes new records, so
//! the new register never collides with the old one in a merge), the
//! deadline clocks as day counts (the export writes the deadlines as dates,
//! which is what is compared), `origin` (where a *copy* came from) and
//! deleted findings (exports list live ones).

use crate::common;

use std::collections::BTreeMap;

use automerge::ActorId;
use chrono::NaiveDate;
use proptest::prelude::*;

use common::{cases, clock, today};
use ncr_core::deadlines;
use ncr_core::document::{ImportBatch, NewRegister, RegisterDoc};
use ncr_core::exchange::csv::{export_findings, read_table};
use ncr_core::exchange::import::{import_findings, parse_rows, ImportOptions};
use ncr_core::exchange::xlsx::export_workbook;
use ncr_core::exchange::xlsx_read::read_workbook;
use ncr_core::model::{
    ActionStatus, Audit, Auditor, CauseCategory, Clocks, CorrectiveAction, Disposition,
    DisputeOutcome, Finding, Grade, ReviewResult, SimilarVerdict, Source, Status,
};

fn register(n: u8, name: &str, initials: &str) -> RegisterDoc {
    RegisterDoc::create(
        ActorId::from([n; 16]),
        &Auditor {
            name: name.into(),
            initials: initials.into(),
        },
        NewRegister {
            name: format!("Register {n}"),
            ..NewRegister::default()
        },
        format!("reg-{n}"),
        clock,
    )
    .unwrap()
}

fn day(offset: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Duration::days(i64::from(offset))
}

/// Words that exercise what a spreadsheet cell can break: separators,
/// quotes, formula starts, apostrophes, parentheses (the actions cell's
/// own syntax), accents, numbers that look like dates.
const WORDS: &[&str] = &[
    "access",
    "review",
    "=SUM(A1)",
    "+1",
    "-",
    "@admin",
    "'quoted",
    "''=x",
    "a,b",
    "semi;colon",
    "\"quote\"",
    "(v2)",
    "(Done)",
    "Sécurité",
    "Straße",
    "03/04/2026",
    "46298",
    "A.5.15",
    "9.2",
    "NC-7",
    "due",
    "done 2026-01-01",
    "1.",
    "#",
];

fn text(max_words: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        (prop::sample::select(WORDS), prop::bool::weighted(0.15)),
        0..max_words,
    )
    .prop_map(|words| {
        let mut s = String::new();
        for (i, (w, newline)) in words.into_iter().enumerate() {
            if i > 0 {
                s.push(if newline { '\n' } else { ' ' });
            }
            s.push_str(w);
        }
        s
    })
}

fn line(max_words: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 0..max_words).prop_map(|w| w.join(" "))
}

fn opt_day(max: u32) -> impl Strategy<Value = Option<NaiveDate>> {
    prop::option::of((0..max).prop_map(day))
}

fn action() -> impl Strategy<Value = CorrectiveAction> {
    (
        text(6).prop_filter("an action has a description", |t| !t.is_empty()),
        // An owner is a name: one written like the cell's own date parts
        // ("done 2026-01-01") would be read as one, and that is no name.
        line(3)
            .prop_map(|o| o.replace(['(', ')'], ""))
            .prop_filter("a name", |o| !o.contains("done 2") && !o.starts_with("due")),
        opt_day(600),
        prop::sample::select(ActionStatus::ALL),
        opt_day(600),
    )
        .prop_map(
            |(description, owner, due, status, done_on)| CorrectiveAction {
                id: String::new(),
                description,
                owner,
                due,
                status,
                done_on,
            },
        )
}

prop_compose! {
    fn finding()(
        (title, statement, evidence, area, owner) in (line(6), text(12), text(12), line(3), line(3)),
        requirements in prop::collection::btree_set(prop::sample::select(&["A.5.15", "9.2", "A.8.13", "Data Protection Act 2018 s.64", "10.2"][..]), 0..3),
        grade in prop::sample::select(Grade::ALL),
        source in prop::sample::select(Source::ALL),
        status in prop::sample::select(Status::ALL),
        cause in prop::option::of(prop::sample::select(CauseCategory::ALL)),
        detected in prop::option::of(0u32..200),
        later in (opt_day(600), opt_day(600), opt_day(600), opt_day(600)),
        clocks in (0u32..400, 0u32..400, 0u32..400),
        (correction, method, root_cause, rejection, isms) in (text(8), line(3), text(8), text(6), text(6)),
        whys in prop::collection::btree_map(prop::sample::select(&["1", "2", "3", "4", "5"][..]), text(6).prop_filter("answered", |t| !t.is_empty()), 0..4),
        actions in prop::collection::vec(action(), 0..4),
        review in (opt_day(600), line(2), opt_day(600), prop::option::of(prop::sample::select(ReviewResult::ALL)), text(6)),
        closed_by in line(2),
        disposition in prop::option::of(prop::sample::select(Disposition::ALL)),
        disposition_reason in text(5),
        dispute in (text(5), opt_day(600), text(5), prop::option::of(prop::sample::select(DisputeOutcome::ALL))),
        audit in prop::option::of(0usize..3),
        raised_by in line(2).prop_filter("someone raised it", |t| !t.is_empty()),
    ) -> (Finding, Option<usize>) {
        let mut f = Finding::new(String::new(), String::new());
        f.title = if title.is_empty() { "Untitled".into() } else { title };
        f.statement = statement;
        f.evidence = evidence;
        f.area = area;
        f.owner = owner;
        f.requirements = requirements.into_iter().map(|r| (r.to_owned(), true)).collect();
        f.grade = grade;
        f.source = source;
        f.status = status;
        f.cause = cause;
        f.raised_by = raised_by;
        f.detected_on = detected.map(day);
        // Dates of things done lie after detection (the form's rule).
        let after = |d: Option<NaiveDate>| match (d, f.detected_on) {
            (Some(d), Some(det)) if d < det => Some(det),
            (d, _) => d,
        };
        f.correction.description = correction;
        f.correction.done_on = after(later.0);
        f.follow_up = after(later.1);
        f.closure.closed_on = after(later.2);
        f.closure.closed_by = closed_by;
        f.root_cause.method = method;
        f.root_cause.statement = root_cause;
        f.root_cause.whys = whys.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        f.rejection_reason = rejection;
        f.isms_changes = isms;
        f.clocks = Clocks {
            plan_due_days: Some(clocks.0),
            major_close_days: Some(clocks.1),
            minor_close_days: Some(clocks.2),
        };
        f.actions = actions
            .into_iter()
            .enumerate()
            .map(|(i, mut a)| {
                a.id = format!("a{i}");
                a.done_on = after(a.done_on);
                a.due = after(a.due);
                (a.id.clone(), a)
            })
            .collect();
        f.review.due = after(review.0);
        f.review.reviewer = review.1;
        f.review.reviewed_on = after(review.2);
        f.review.result = review.3;
        f.review.notes = review.4;
        f.disposition = disposition;
        f.disposition_reason = disposition_reason;
        f.dispute.reason = dispute.0;
        f.dispute.raised_on = after(dispute.1);
        f.dispute.answer = dispute.2;
        f.dispute.outcome = dispute.3;
        let _ = later.3;
        (f, audit)
    }
}

/// A finding as the round trip promises to keep it: ids out, actions in
/// the export's order, links and audits by name, deadlines as dates.
#[derive(Debug, PartialEq)]
struct Kept {
    finding: Finding,
    audit: String,
    similar: Vec<(String, SimilarVerdict)>,
    plan_due: Option<NaiveDate>,
    close_due: Option<NaiveDate>,
}

fn kept(doc: &RegisterDoc) -> BTreeMap<String, Kept> {
    let audits = doc.audits();
    let reference = |id: &str| doc.finding(id).map(|f| f.reference.clone()).unwrap();
    doc.live_findings()
        .map(|f| {
            let mut finding = f.clone();
            finding.id.clear();
            finding.origin.clear();
            finding.clocks = Clocks::default();
            finding.audit.clear();
            finding.similar.clear();
            let mut actions: Vec<CorrectiveAction> = f
                .actions
                .values()
                .map(|a| CorrectiveAction {
                    id: String::new(),
                    ..a.clone()
                })
                .collect();
            actions.sort_by(|a, b| {
                (
                    a.due.is_none(),
                    a.due,
                    &a.description,
                    &a.owner,
                    a.status,
                    a.done_on,
                )
                    .cmp(&(
                        b.due.is_none(),
                        b.due,
                        &b.description,
                        &b.owner,
                        b.status,
                        b.done_on,
                    ))
            });
            finding.actions = actions
                .into_iter()
                .enumerate()
                .map(|(i, a)| (i.to_string(), a))
                .collect();
            finding.requirements.retain(|_, on| *on);
            let mut similar: Vec<(String, SimilarVerdict)> = f
                .similar
                .iter()
                .map(|(id, v)| (reference(id), *v))
                .collect();
            similar.sort();
            (
                f.reference.clone(),
                Kept {
                    audit: audits
                        .get(&f.audit)
                        .map(|a| a.title.clone())
                        .unwrap_or_default(),
                    similar,
                    plan_due: deadlines::plan_due(f, &doc.settings()),
                    close_due: deadlines::close_due(f, &doc.settings()),
                    finding,
                },
            )
        })
        .collect()
}

fn round_trip(findings: Vec<(Finding, Option<usize>)>, links: Vec<(usize, usize, bool)>) {
    let mut source = register(1, "Jane Doe", "JD");
    let audits: Vec<Audit> = [
        "Internal audit Q1",
        "Stage 2 — Café",
        "ISO, 27001 (surveillance)",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| Audit {
        id: format!("audit-{i}"),
        title: (*t).to_owned(),
        kind: Source::InternalAudit,
        starts_on: None,
        ends_on: None,
        lead_auditor: String::new(),
        scope: String::new(),
    })
    .collect();
    let n = findings.len();
    let mut batch: Vec<Finding> = findings
        .into_iter()
        .enumerate()
        .map(|(i, (mut f, audit))| {
            f.id = format!("f{i}");
            f.reference = format!("NC-{i:03}");
            f.audit = audit.map(|a| format!("audit-{a}")).unwrap_or_default();
            f
        })
        .collect();
    for (a, b, dismissed) in links {
        let (a, b) = (a % n, b % n);
        if a != b {
            let verdict = if dismissed {
                SimilarVerdict::Dismissed
            } else {
                SimilarVerdict::Linked
            };
            batch[a].similar.insert(format!("f{b}"), verdict);
        }
    }
    source
        .import_findings(
            ImportBatch {
                source: "generated".into(),
                audits,
                findings: batch,
            },
            today(),
        )
        .unwrap();

    let csv = export_findings(&source).unwrap();
    if std::env::var("SHOW_CSV").is_ok() {
        eprintln!("{}", String::from_utf8_lossy(&csv));
    }
    let from_csv = read_table(&csv).unwrap();
    let workbook = export_workbook(&source, today()).unwrap();
    let sheets = read_workbook(&workbook).unwrap();
    let from_xlsx = sheets[0].table.clone().unwrap();
    for table in [from_csv, from_xlsx] {
        import_back(&source, &table, n);
    }
}

/// Imports an exported table into a new register and compares.
fn import_back(source: &RegisterDoc, table: &ncr_core::exchange::csv::CsvTable, n: usize) {
    let table = table.clone();
    let options = ImportOptions::suggest(&table);
    let parsed = parse_rows(&table, &options, today());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);

    let mut target = register(2, "Sam Roe", "SR");
    let mut next = 0;
    let report = import_findings(
        &mut target,
        &parsed.findings,
        "export.csv",
        || {
            next += 1;
            format!("new-{next}")
        },
        today(),
    )
    .unwrap();
    assert_eq!(report.ids.len(), n);
    assert!(report.unmatched_similar.is_empty());

    let (before, after) = (kept(source), kept(&target));
    assert_eq!(before.len(), after.len());
    for (reference, want) in &before {
        assert_eq!(after.get(reference), Some(want), "{reference}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn an_export_imports_back_field_for_field(
        findings in prop::collection::vec(finding(), 1..6),
        links in prop::collection::vec((0usize..6, 0usize..6, any::<bool>()), 0..4),
    ) {
        round_trip(findings, links);
    }
}
