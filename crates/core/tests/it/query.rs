//! The register table's query (search, filters, order, counts) and the
//! built-in demo register it is first shown with. The benchmark at the end
//! is `#[ignore]`d; run it with
//!
//!     cargo test --profile bench -p ncr-core --test it query:: -- --ignored --nocapture
//!
//! (`--release` works too and builds like the shipped wasm, optimised for
//! size, but links much more slowly). It prints timings, never asserts them.

use crate::common;

use common::{clock, today};

use std::collections::BTreeSet;

use automerge::ActorId;
use chrono::{Days, NaiveDate};
use ncr_core::catalogue::{self, Theme};
use ncr_core::demo::{build_demo, DEMO_NAME, DEMO_ORGANISATION};
use ncr_core::document::RegisterDoc;
use ncr_core::model::{CauseCategory, Finding, Grade, ReviewResult, Settings, Source, Status};
use ncr_core::query::{
    self, areas, owners, run, urgency, Counts, DueFilter, Query, SortKey, StatusFilter,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn settings() -> Settings {
    Settings::default()
}

fn finding(id: &str, reference: &str, edit: impl FnOnce(&mut Finding)) -> Finding {
    let mut f = Finding::new(id.into(), reference.into());
    edit(&mut f);
    f
}

fn reqs(f: &mut Finding, keys: &[&str]) {
    f.requirements = keys.iter().map(|k| ((*k).to_owned(), true)).collect();
}

/// Six findings whose every searchable word is distinct, so each test can
/// tell exactly which field matched.
fn fixture() -> Vec<Finding> {
    vec![
        finding("id-1", "NC-2026-AM-001", |f| {
            f.title = "Alpha title".into();
            f.statement = "bravo statement".into();
            f.evidence = "charlie evidence".into();
            f.owner = "Dana Whitfield".into();
            f.area = "Echo area".into();
            reqs(f, &["9.2.1"]);
            f.grade = Grade::Major;
            f.source = Source::Stage2;
            f.audit = "aud-1".into();
            f.cause = Some(CauseCategory::Documentation);
            f.status = Status::Open;
            f.detected_on = Some(date(2026, 6, 1));
        }),
        finding("id-2", "NC-2026-AM-002", |f| {
            f.title = "Sécurité du réseau".into();
            f.statement = "foxtrot".into();
            f.evidence = "golf".into();
            f.owner = "dana whitfield ".into();
            f.area = "Echo Area".into();
            reqs(f, &["9.2.2", "A.5.15"]);
            f.grade = Grade::Minor;
            f.source = Source::InternalAudit;
            f.audit = "aud-2".into();
            f.cause = Some(CauseCategory::Awareness);
            f.status = Status::Closed;
            f.detected_on = Some(date(2026, 11, 20));
        }),
        finding("id-3", "NC-2026-AM-010", |f| {
            f.title = "hotel".into();
            f.statement = "india".into();
            f.evidence = "juliet".into();
            f.area = "Kilo".into();
            reqs(f, &["A.5.1"]);
            f.grade = Grade::Observation;
            f.source = Source::Incident;
            f.status = Status::Rejected;
            f.detected_on = None;
        }),
        finding("id-4", "NC-2026-AM-003", |f| {
            f.title = "lima".into();
            f.statement = "mike".into();
            f.evidence = "november".into();
            f.owner = "Oscar".into();
            reqs(f, &["9.3", "A.8.8"]);
            f.grade = Grade::Opportunity;
            f.source = Source::SelfIdentified;
            f.status = Status::InProgress;
            f.detected_on = Some(date(2026, 11, 25));
        }),
        finding("id-5", "NC-2026-AM-004", |f| {
            f.title = "papa deleted".into();
            reqs(f, &["9.2"]);
            f.deleted = true;
            f.detected_on = Some(date(2026, 6, 1));
        }),
        finding("id-6", "NC-2026-AM-005", |f| {
            f.title = "quebec".into();
            f.owner = "Bob".into();
            reqs(f, &["A.5.15"]);
            f.grade = Grade::Minor;
            f.status = Status::ActionPlanned;
            f.detected_on = Some(date(2026, 6, 10));
        }),
    ]
}

fn shown(findings: &[Finding], query: &Query) -> Vec<String> {
    run(findings, query, &settings(), today())
        .into_iter()
        .map(|f| f.reference.trim_start_matches("NC-2026-AM-").to_owned())
        .collect()
}

/// The selected references as a set, for filters (order tested separately).
fn selected(findings: &[Finding], query: &Query) -> BTreeSet<String> {
    shown(findings, query).into_iter().collect()
}

fn set(refs: &[&str]) -> BTreeSet<String> {
    refs.iter().map(|r| (*r).to_owned()).collect()
}

fn text(t: &str) -> Query {
    Query {
        text: t.into(),
        ..Query::default()
    }
}

// ----- search -----------------------------------------------------------------

#[test]
fn the_default_query_shows_every_live_finding_by_reference() {
    let all = fixture();
    assert_eq!(
        shown(&all, &Query::default()),
        ["001", "002", "003", "005", "010"],
        "natural order: 010 after 005; the deleted 004 is hidden"
    );
}

#[test]
fn search_matches_each_of_the_four_fields() {
    let all = fixture();
    assert_eq!(selected(&all, &text("alpha")), set(&["001"]), "title");
    assert_eq!(selected(&all, &text("bravo")), set(&["001"]), "statement");
    assert_eq!(selected(&all, &text("charlie")), set(&["001"]), "evidence");
    assert_eq!(selected(&all, &text("am-010")), set(&["010"]), "reference");
}

#[test]
fn search_ignores_other_fields() {
    let all = fixture();
    for word in [
        "whitfield",
        "echo",
        "kilo",
        "oscar",
        "aud-1",
        "9.2.1",
        "stage",
    ] {
        assert!(selected(&all, &text(word)).is_empty(), "{word}");
    }
}

#[test]
fn search_ignores_case_and_accents() {
    let all = fixture();
    assert_eq!(selected(&all, &text("securite")), set(&["002"]));
    assert_eq!(selected(&all, &text("RÉSEAU")), set(&["002"]));
    assert_eq!(selected(&all, &text("ALPHA")), set(&["001"]));
}

#[test]
fn every_word_must_match_somewhere() {
    let all = fixture();
    assert_eq!(selected(&all, &text("alpha charlie")), set(&["001"]));
    assert_eq!(selected(&all, &text("  charlie   ALPHA ")), set(&["001"]));
    assert_eq!(
        selected(&all, &text("lph rav")),
        set(&["001"]),
        "inside words"
    );
    assert!(selected(&all, &text("alpha foxtrot")).is_empty());
    assert_eq!(
        shown(&all, &text("   ")).len(),
        5,
        "blank text is no filter"
    );
}

// ----- filters --------------------------------------------------------------------

#[test]
fn each_enumerated_filter_narrows() {
    let all = fixture();
    let q = |edit: fn(&mut Query)| {
        let mut q = Query::default();
        edit(&mut q);
        selected(&all, &q)
    };
    assert_eq!(q(|q| q.grade = Some(Grade::Major)), set(&["001"]));
    assert_eq!(q(|q| q.grade = Some(Grade::Minor)), set(&["002", "005"]));
    assert_eq!(q(|q| q.source = Some(Source::Incident)), set(&["010"]));
    assert_eq!(
        q(|q| q.cause = Some(CauseCategory::Awareness)),
        set(&["002"])
    );
    assert_eq!(
        q(|q| q.status = StatusFilter::Is(Status::Closed)),
        set(&["002"])
    );
    assert_eq!(
        q(|q| q.status = StatusFilter::Active),
        set(&["001", "003", "005"]),
        "closed and rejected are not active"
    );
    assert_eq!(q(|q| q.status = StatusFilter::Any).len(), 5);
    assert_eq!(
        q(|q| {
            q.grade = Some(Grade::Minor);
            q.status = StatusFilter::Active;
        }),
        set(&["005"]),
        "filters combine"
    );
}

#[test]
fn audit_owner_and_area_filters() {
    let all = fixture();
    let q = |edit: fn(&mut Query)| {
        let mut q = Query::default();
        edit(&mut q);
        selected(&all, &q)
    };
    assert_eq!(q(|q| q.audit = Some("aud-2".into())), set(&["002"]));
    assert_eq!(
        q(|q| q.audit = Some(String::new())),
        set(&["003", "005", "010"]),
        "blank selects findings outside any audit"
    );
    assert_eq!(
        q(|q| q.owner = Some("DANA WHITFIELD".into())),
        set(&["001", "002"]),
        "case and surrounding spaces ignored"
    );
    assert_eq!(
        q(|q| q.owner = Some("Dana".into())),
        set(&[]),
        "whole value"
    );
    assert_eq!(q(|q| q.owner = Some(" ".into())), set(&["010"]), "no owner");
    assert_eq!(
        q(|q| q.area = Some("echo AREA".into())),
        set(&["001", "002"])
    );
}

#[test]
fn requirement_matches_on_dot_boundaries() {
    let all = fixture();
    let q = |r: &str| {
        selected(
            &all,
            &Query {
                requirement: Some(r.into()),
                ..Query::default()
            },
        )
    };
    assert_eq!(q("9.2"), set(&["001", "002"]), "9.2 covers 9.2.1 and 9.2.2");
    assert_eq!(
        q("Clause 9.2"),
        set(&["001", "002"]),
        "any catalogue spelling"
    );
    assert_eq!(q("9.2.1"), set(&["001"]));
    assert_eq!(q("9"), set(&["001", "002", "003"]), "the heading 9");
    assert_eq!(q("A.5.1"), set(&["010"]), "A.5.1 is not A.5.15");
    assert_eq!(q("A.5.15"), set(&["002", "005"]));
    assert_eq!(q("a 5.15"), set(&["002", "005"]));
    assert_eq!(q("A.5"), set(&["002", "005", "010"]), "a whole section");
    assert_eq!(q("5.15"), set(&[]), "5.15 is not a clause, nor A.5.15");
    assert_eq!(
        q("8.8"),
        set(&[]),
        "clause 8.8 does not exist; A.8.8 is a control"
    );
    let with_deleted = Query {
        requirement: Some("9.2".into()),
        include_deleted: true,
        ..Query::default()
    };
    assert_eq!(selected(&all, &with_deleted), set(&["001", "002", "004"]));
}

#[test]
fn the_dot_boundary_rule_holds_for_keys_outside_the_catalogue() {
    let all = vec![
        finding("x", "X-1", |f| reqs(f, &["9.20"])),
        finding("y", "X-2", |f| reqs(f, &["9.2"])),
        finding("z", "X-3", |f| reqs(f, &["GDPR art. 32"])),
        finding("w", "X-4", |_| {}),
        finding("v", "X-5", |f| reqs(f, &["a.5.15"])),
    ];
    let q = |r: &str| -> Vec<String> {
        run(
            &all,
            &Query {
                requirement: Some(r.into()),
                ..Query::default()
            },
            &settings(),
            today(),
        )
        .into_iter()
        .map(|f| f.reference.clone())
        .collect()
    };
    assert_eq!(q("9.2"), ["X-2"], "9.2 does not match 9.20");
    assert_eq!(q("gdpr ART. 32"), ["X-3"], "free text, ASCII case ignored");
    assert_eq!(q(""), ["X-4"], "blank selects findings citing nothing");
    assert_eq!(
        q("A.5.15"),
        ["X-5"],
        "keys are read in any catalogue spelling"
    );
}

#[test]
fn theme_filter_uses_the_annex_a_section() {
    let all = fixture();
    let q = |theme: Theme| {
        selected(
            &all,
            &Query {
                theme: Some(theme),
                ..Query::default()
            },
        )
    };
    assert_eq!(q(Theme::Technological), set(&["003"]));
    assert_eq!(q(Theme::Organizational), set(&["002", "005", "010"]));
    assert_eq!(q(Theme::People), set(&[]));
    let combined = Query {
        theme: Some(Theme::Organizational),
        requirement: Some("9.2".into()),
        ..Query::default()
    };
    assert_eq!(selected(&all, &combined), set(&["002"]));
}

#[test]
fn deleted_findings_are_hidden_unless_asked_for() {
    let all = fixture();
    assert!(!shown(&all, &text("papa")).contains(&"004".to_owned()));
    let q = Query {
        text: "papa".into(),
        include_deleted: true,
        ..Query::default()
    };
    assert_eq!(shown(&all, &q), ["004"]);
}

#[test]
fn due_filters_follow_the_clocks() {
    let all = fixture();
    let q = |due: DueFilter| {
        selected(
            &all,
            &Query {
                due: Some(due),
                ..Query::default()
            },
        )
    };
    // 001: a major detected 180 days ago, still open. 005: a minor whose
    // 180-day clock ends on 7 December. 002 is closed, 010 rejected and
    // 003 detected three days ago.
    assert_eq!(q(DueFilter::Overdue), set(&["001"]));
    assert_eq!(q(DueFilter::DueSoon), set(&["005"]));
}

#[test]
fn urgency_counts_open_corrective_actions() {
    use ncr_core::deadlines::DueState;
    use ncr_core::model::{ActionStatus, CorrectiveAction};
    let mut f = finding("a", "A-1", |f| {
        f.grade = Grade::Observation;
        f.status = Status::InProgress;
        f.detected_on = Some(date(2026, 11, 1));
    });
    assert_eq!(urgency(&f, &settings(), today()), DueState::NoDate);
    f.actions.insert(
        "x".into(),
        CorrectiveAction {
            due: Some(date(2026, 11, 25)),
            status: ActionStatus::InProgress,
            ..CorrectiveAction::default()
        },
    );
    assert_eq!(
        urgency(&f, &settings(), today()),
        DueState::Overdue { days: 3 }
    );
    f.status = Status::Closed;
    assert_eq!(urgency(&f, &settings(), today()), DueState::Done);
}

// ----- order ------------------------------------------------------------------------

fn sorted(key: SortKey, descending: bool) -> Vec<String> {
    shown(
        &fixture(),
        &Query {
            sort: key,
            descending,
            ..Query::default()
        },
    )
}

#[test]
fn sort_by_each_column() {
    use SortKey::*;
    assert_eq!(sorted(Reference, true), ["010", "005", "003", "002", "001"]);
    assert_eq!(
        sorted(Title, false),
        ["001", "010", "003", "005", "002"],
        "alpha, hotel, lima, quebec, Sécurité"
    );
    assert_eq!(
        sorted(Grade, false),
        ["001", "002", "005", "010", "003"],
        "major first"
    );
    assert_eq!(
        sorted(Grade, true),
        ["003", "010", "002", "005", "001"],
        "ties stay in ascending reference order"
    );
    assert_eq!(
        sorted(Status, false),
        ["001", "005", "003", "002", "010"],
        "open, action planned, in progress, closed, rejected"
    );
    assert_eq!(
        sorted(Requirement, false),
        ["001", "002", "003", "010", "005"],
        "9.2.1, 9.2.2, 9.3, A.5.1, A.5.15"
    );
    assert_eq!(
        sorted(Owner, false),
        ["005", "001", "002", "003", "010"],
        "Bob, Dana x2, Oscar, then no owner"
    );
    assert_eq!(
        sorted(Owner, true),
        ["003", "001", "002", "005", "010"],
        "no owner stays last"
    );
    assert_eq!(
        sorted(Due, false),
        ["001", "005", "002", "003", "010"],
        "close due 30 Aug, 7 Dec, 19 May; then plan due only; then nothing"
    );
    assert_eq!(sorted(Due, true), ["002", "005", "001", "003", "010"]);
    assert_eq!(sorted(Age, false), ["003", "002", "005", "001", "010"]);
    assert_eq!(sorted(Age, true), ["001", "005", "002", "003", "010"]);
    assert_eq!(sorted(Detected, false), ["001", "005", "002", "003", "010"]);
    assert_eq!(sorted(Detected, true), ["003", "002", "005", "001", "010"]);
}

#[test]
fn sorting_is_deterministic_whatever_the_input_order() {
    let mut all = fixture();
    // Two findings with the same reference (a merge of same-initial
    // auditors) fall back to the id.
    all.push(finding("id-0", "NC-2026-AM-002", |f| {
        f.title = "dup".into()
    }));
    for key in SortKey::ALL {
        for descending in [false, true] {
            let q = Query {
                sort: *key,
                descending,
                ..Query::default()
            };
            let forward: Vec<String> = run(&all, &q, &settings(), today())
                .iter()
                .map(|f| f.id.clone())
                .collect();
            let reversed: Vec<Finding> = all.iter().rev().cloned().collect();
            let backward: Vec<String> = run(&reversed, &q, &settings(), today())
                .iter()
                .map(|f| f.id.clone())
                .collect();
            assert_eq!(forward, backward, "{key:?} descending={descending}");
        }
    }
    let by_ref: Vec<String> = run(&all, &Query::default(), &settings(), today())
        .iter()
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(&by_ref[1..3], ["id-0", "id-2"]);
}

/// A table sorts once and filters per keystroke (`Order`, `select`): that
/// must show exactly what filtering then sorting shows, for every sort, on
/// the fixture and on the demo, for every figure of the dashboard and a
/// text search each, on days that move the clocks.
#[test]
fn an_order_kept_then_filtered_shows_what_run_shows() {
    use ncr_core::query::{select, Order};
    let fixture = fixture();
    let mut lists: Vec<(Vec<Finding>, Settings, NaiveDate)> = vec![(fixture, settings(), today())];
    for day in [date(2027, 3, 1), date(2028, 2, 29)] {
        let doc = demo_at(day);
        lists.push((
            doc.findings().values().cloned().collect(),
            doc.settings(),
            day,
        ));
    }
    let mut checked = 0;
    for (list, settings, day) in &lists {
        let all: Vec<&Finding> = list.iter().collect();
        let dash = ncr_core::dashboard::compute(all.iter().copied(), settings, *day);
        let mut queries: Vec<Query> = dash.cells().into_iter().map(|c| c.query.clone()).collect();
        queries.extend(["a", "the access", "alpha", "NC-2026", "zzz"].map(text));
        queries.push(Query {
            include_deleted: true,
            ..Query::default()
        });
        for key in SortKey::ALL {
            for descending in [false, true] {
                let order = Order::of(&all, *key, descending, settings, *day);
                for q in &queries {
                    let q = Query {
                        sort: *key,
                        descending,
                        ..q.clone()
                    };
                    let ids = |shown: Vec<&Finding>| -> Vec<String> {
                        shown.iter().map(|f| f.id.clone()).collect()
                    };
                    let kept = ids(select(&all, &order, &q, settings, *day));
                    assert_eq!(
                        kept,
                        ids(run(all.iter().copied(), &q, settings, *day)),
                        "{q:?}"
                    );
                    checked += usize::from(kept.len() > 1);
                }
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} queries showed more than one finding"
    );
}

/// An order made for another list or another sort is not trusted.
#[test]
fn an_order_of_another_sort_or_list_is_not_used() {
    use ncr_core::query::{select, Order};
    let list = fixture();
    let all: Vec<&Finding> = list.iter().collect();
    let by_title = Order::of(&all, SortKey::Title, false, &settings(), today());
    let by_reference = Query::default();
    let expected = run(all.iter().copied(), &by_reference, &settings(), today());
    assert_eq!(
        select(&all, &by_title, &by_reference, &settings(), today()),
        expected
    );
    let fewer = &all[1..];
    let by_reference_of_all = Order::of(&all, SortKey::Reference, false, &settings(), today());
    assert_eq!(
        select(
            fewer,
            &by_reference_of_all,
            &by_reference,
            &settings(),
            today()
        ),
        run(fewer.iter().copied(), &by_reference, &settings(), today())
    );
}

// ----- counts, dropdowns, persistence ----------------------------------------------------

#[test]
fn counts_say_n_of_m() {
    let all = fixture();
    let q = Query {
        status: StatusFilter::Active,
        ..Query::default()
    };
    let shown = run(&all, &q, &settings(), today());
    let counts = Counts::of(&all, &q, &shown);
    assert_eq!((counts.shown, counts.total), (3, 5));
    assert_eq!(counts.by_grade[&Grade::Major], 1);
    assert_eq!(counts.by_grade[&Grade::Observation], 0, "zeros are present");
    assert_eq!(counts.by_status[&Status::ActionPlanned], 1);
    assert_eq!(counts.by_status.len(), Status::ALL.len());
    let with_deleted = Query {
        include_deleted: true,
        ..Query::default()
    };
    let shown = run(&all, &with_deleted, &settings(), today());
    assert_eq!(Counts::of(&all, &with_deleted, &shown).total, 6);
}

#[test]
fn dropdowns_list_distinct_values() {
    let all = fixture();
    assert_eq!(owners(&all), ["Bob", "Dana Whitfield", "Oscar"]);
    assert_eq!(areas(&all), ["Echo Area", "Kilo"]);
    assert_eq!(
        query::requirements(&all),
        ["9.2", "9.2.1", "9.2.2", "9.3", "A.5.1", "A.5.15", "A.8.8"]
    );
}

// ----- the demo register --------------------------------------------------------------------

fn demo_at(today: NaiveDate) -> RegisterDoc {
    let mut n = 0u32;
    build_demo(
        ActorId::from([7u8; 16]),
        "demo-register".into(),
        today,
        clock,
        move || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        },
    )
    .unwrap()
}

fn demo() -> RegisterDoc {
    demo_at(today())
}

#[test]
fn the_demo_builds_with_its_identity_and_audits() {
    let doc = demo();
    let info = doc.info().unwrap();
    assert_eq!(info.name, DEMO_NAME);
    assert_eq!(info.organisation, DEMO_ORGANISATION);
    assert!(!info.scope.is_empty());
    assert_eq!(info.id, "demo-register");
    let audits = doc.audits();
    let kinds: BTreeSet<Source> = audits.values().map(|a| a.kind).collect();
    assert_eq!(
        kinds,
        [Source::InternalAudit, Source::Stage2, Source::Surveillance].into()
    );
    for f in doc.findings().values() {
        assert!(
            f.audit.is_empty() || audits.contains_key(&f.audit),
            "{} cites an unknown audit",
            f.reference
        );
    }
}

#[test]
fn the_demo_covers_every_grade_cause_source_and_status() {
    let doc = demo();
    let live: Vec<&Finding> = doc.live_findings().collect();
    assert!(live.len() >= 15, "{} findings", live.len());
    assert_eq!(
        doc.findings().len() - live.len(),
        1,
        "one deleted duplicate"
    );
    for grade in Grade::ALL {
        assert!(live.iter().any(|f| f.grade == *grade), "{grade:?}");
    }
    for cause in CauseCategory::ALL {
        assert!(live.iter().any(|f| f.cause == Some(*cause)), "{cause:?}");
    }
    for source in Source::ALL {
        assert!(live.iter().any(|f| f.source == *source), "{source:?}");
    }
    for status in Status::ALL {
        assert!(live.iter().any(|f| f.status == *status), "{status:?}");
    }
}

#[test]
fn every_demo_requirement_is_a_canonical_catalogue_id() {
    let doc = demo();
    let mut controls = 0;
    for f in doc.findings().values() {
        assert!(!f.requirements.is_empty(), "{}", f.reference);
        for key in f.requirements.keys() {
            let entry = catalogue::find(key).unwrap_or_else(|| panic!("{key} not found"));
            assert_eq!(entry.id, key, "canonical spelling");
            controls += usize::from(entry.theme.is_some());
        }
    }
    assert!(controls >= 10);
}

#[test]
fn demo_findings_tell_their_lifecycle() {
    let doc = demo();
    let with = |status: Status| doc.live_findings().filter(move |f| f.status == status);
    for f in with(Status::Closed) {
        assert_eq!(f.review.result, Some(ReviewResult::Effective));
        assert!(f.closure.closed_on.is_some());
        assert!(!f.correction.description.is_empty());
    }
    for f in with(Status::Reopened) {
        assert_eq!(f.review.result, Some(ReviewResult::NotEffective));
        assert!(!f.review.notes.is_empty());
    }
    for f in with(Status::Rejected) {
        assert!(!f.rejection_reason.is_empty());
        assert!(!f.source.is_certification_body(), "{}", f.reference);
    }
    for f in with(Status::Withdrawn) {
        assert!(f.source.is_certification_body(), "{}", f.reference);
        assert!(!f.dispute.reason.is_empty() && !f.dispute.answer.is_empty());
    }
    let analysed_or_later = doc.live_findings().filter(|f| {
        !matches!(
            f.status,
            Status::Open | Status::Rejected | Status::Withdrawn
        )
    });
    for f in analysed_or_later {
        assert!(!f.root_cause.statement.is_empty(), "{}", f.reference);
    }
    assert!(
        doc.live_findings().any(|f| f.root_cause.whys.len() == 5),
        "a full five whys"
    );
    assert!(doc.live_findings().any(|f| !f.similar.is_empty()));
    // The history shows the steps of the closed major as people took them.
    let closed_major = doc
        .live_findings()
        .find(|f| f.status == Status::Closed && f.grade == Grade::Major)
        .unwrap();
    let ops: Vec<String> = doc
        .history(&closed_major.id)
        .unwrap()
        .into_iter()
        .map(|e| e.op)
        .collect();
    for op in [
        "add_finding",
        "add_action",
        "change_status",
        "record_review",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} in {ops:?}");
    }
}

#[test]
fn demo_dates_are_spread_over_the_last_200_days_with_live_clocks() {
    let doc = demo();
    let oldest = today().checked_sub_days(Days::new(200)).unwrap();
    for f in doc.findings().values() {
        let d = f.detected_on.unwrap();
        assert!(oldest <= d && d <= today(), "{} detected {d}", f.reference);
    }
    let live: Vec<&Finding> = doc.live_findings().collect();
    let due = |filter: DueFilter| {
        let q = Query {
            due: Some(filter),
            ..Query::default()
        };
        run(live.iter().copied(), &q, &settings(), today()).len()
    };
    assert!(due(DueFilter::Overdue) >= 2);
    assert!(due(DueFilter::DueSoon) >= 1);
}

#[test]
fn the_demo_is_reproducible_and_survives_save_and_open() {
    let a = demo();
    let b = demo();
    assert_eq!(a.findings(), b.findings());
    let reopened = RegisterDoc::open(&a.save(), ActorId::from([8u8; 16]), clock).unwrap();
    assert_eq!(reopened.findings(), a.findings());
    assert_eq!(a.rehydrated().unwrap(), *a.findings());
}

#[test]
fn the_demo_builds_on_any_day() {
    for day in [
        date(2027, 1, 3),
        date(2028, 2, 29),
        date(2026, 7, 1),
        date(2100, 12, 31),
    ] {
        let doc = demo_at(day);
        assert!(doc.live_findings().count() >= 15, "{day}");
    }
}

#[test]
fn query_filters_on_the_demo() {
    let doc = demo();
    let all: Vec<&Finding> = doc.findings().values().collect();
    let q =
        |query: Query| -> Vec<&Finding> { run(all.iter().copied(), &query, &settings(), today()) };
    assert_eq!(
        q(text("leavers")).len(),
        1,
        "the deleted duplicate is hidden"
    );
    assert_eq!(
        q(Query {
            include_deleted: true,
            ..text("leavers")
        })
        .len(),
        2
    );
    let audit = q(Query {
        requirement: Some("9.2".into()),
        ..Query::default()
    });
    assert_eq!(audit.len(), 1);
    assert!(audit[0].title.contains("Internal audit programme"));
    let technological = q(Query {
        theme: Some(Theme::Technological),
        ..Query::default()
    });
    assert_eq!(technological.len(), 4, "A.8.32, A.8.13, A.8.15, A.8.5");
    assert_eq!(
        q(Query {
            owner: Some("chloe martin".into()),
            ..Query::default()
        })
        .len(),
        2,
        "accents are not required"
    );
    let active = q(Query {
        status: StatusFilter::Active,
        ..Query::default()
    });
    assert!(active.iter().all(|f| !matches!(
        f.status,
        Status::Closed | Status::Rejected | Status::Withdrawn
    )));
    let live = doc.live_findings().count();
    let closed_or_rejected = doc
        .live_findings()
        .filter(|f| {
            matches!(
                f.status,
                Status::Closed | Status::Rejected | Status::Withdrawn
            )
        })
        .count();
    assert_eq!(active.len(), live - closed_or_rejected);
    let counts = Counts::of(all.iter().copied(), &Query::default(), &active);
    assert_eq!(counts.total, live);
    let majors = q(Query {
        grade: Some(Grade::Major),
        sort: SortKey::Detected,
        ..Query::default()
    });
    assert!(majors.len() >= 3);
    assert!(majors
        .windows(2)
        .all(|w| w[0].detected_on <= w[1].detected_on));
    assert!(owners(all.iter().copied()).contains(&"Chlo\u{e9} Martin".to_owned()));
    assert!(!areas(all.iter().copied()).is_empty());
}

// ----- benchmark --------------------------------------------------------------------------

/// 10,000 findings made from the demo's, each with its own reference and a
/// varied title, so no two are identical and searches cannot stop early.
fn ten_thousand() -> Vec<Finding> {
    let doc = demo();
    let seeds: Vec<&Finding> = doc.findings().values().collect();
    let words = [
        "warehouse",
        "supplier",
        "laptop",
        "badge",
        "firewall",
        "backup",
        "policy",
        "training",
        "router",
        "contract",
        "Sécurité",
        "Zürich",
        "payroll",
        "printer",
        "vendor",
        "archive",
    ];
    (0..10_000usize)
        .map(|i| {
            let mut f = seeds[i % seeds.len()].clone();
            f.id = format!("bench-{i:05}");
            f.reference = format!("NC-2026-B{}-{:04}", i % 7, i);
            f.title = format!("{} ({} {})", f.title, words[i % words.len()], i);
            f.owner = format!("Owner {}", i % 40);
            f.area = format!("Site {}", i % 25);
            f.deleted = i % 97 == 0;
            f
        })
        .collect()
}

#[test]
#[ignore = "benchmark: prints timings; run with --ignored --nocapture"]
fn bench_query_at_10000_findings() {
    use std::time::Instant;
    let findings = ten_thousand();
    let map: std::collections::BTreeMap<String, Finding> =
        findings.iter().map(|f| (f.id.clone(), f.clone())).collect();
    let bytes: usize = findings
        .iter()
        .map(|f| f.reference.len() + f.title.len() + f.statement.len() + f.evidence.len())
        .sum();
    println!(
        "\n{} findings, {:.1} MB of searchable text\n",
        findings.len(),
        bytes as f64 / 1e6
    );
    let cases: Vec<(&str, Query)> = vec![
        ("no filter, by reference", Query::default()),
        ("text: one common word", text("access")),
        ("text: absent word (scans all)", text("zzyzx")),
        ("text: three words", text("backup restore tested")),
        ("text: accented", text("securite")),
        ("text: one letter", text("e")),
        (
            "requirement 9.2",
            Query {
                requirement: Some("9.2".into()),
                ..Query::default()
            },
        ),
        (
            "theme Technological",
            Query {
                theme: Some(Theme::Technological),
                ..Query::default()
            },
        ),
        (
            "overdue",
            Query {
                due: Some(DueFilter::Overdue),
                ..Query::default()
            },
        ),
        (
            "active, by title",
            Query {
                status: StatusFilter::Active,
                sort: SortKey::Title,
                ..Query::default()
            },
        ),
        (
            "no filter, by due date desc",
            Query {
                sort: SortKey::Due,
                descending: true,
                ..Query::default()
            },
        ),
        (
            "no filter, by requirement",
            Query {
                sort: SortKey::Requirement,
                ..Query::default()
            },
        ),
        (
            "owner + text + grade",
            Query {
                owner: Some("owner 7".into()),
                grade: Some(Grade::Minor),
                text: "the".into(),
                ..Query::default()
            },
        ),
    ];
    println!("| query | shown | median | min |");
    println!("|---|---:|---:|---:|");
    for (label, q) in &cases {
        let mut times = Vec::new();
        let mut shown = 0;
        for _ in 0..50 {
            let start = Instant::now();
            let result = run(map.values(), q, &settings(), today());
            let counts = Counts::of(map.values(), q, &result);
            times.push(start.elapsed());
            shown = counts.shown;
        }
        times.sort();
        println!(
            "| {label} | {shown} | {:.2} ms | {:.2} ms |",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3
        );
    }
    // The dashboard: every figure in one pass.
    let mut times = Vec::new();
    let mut open = 0;
    for _ in 0..50 {
        let start = Instant::now();
        let dash = ncr_core::dashboard::compute(map.values(), &settings(), today());
        times.push(start.elapsed());
        open = dash.open.count;
    }
    times.sort();
    println!(
        "| dashboard (every figure) | {open} open | {:.2} ms | {:.2} ms |",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3
    );
}

/// The demo's dashboard, on realistic data: every figure selects exactly
/// its findings, and the figures the e2e test (`e2e/dashboard.spec.ts`)
/// reads hold whatever day the demo is opened (its dates are relative).
#[test]
fn demo_dashboard_figures() {
    use ncr_core::dashboard::{self, Area};
    use ncr_core::query::DueClock;
    for today in [date(2027, 3, 1), date(2027, 3, 31), date(2028, 2, 29)] {
        let doc = demo_at(today);
        let settings = doc.settings();
        let dash = dashboard::compute(doc.findings().values(), &settings, today);
        for cell in dash.cells() {
            let shown = run(doc.findings().values(), &cell.query, &settings, today);
            assert_eq!(shown.len(), cell.count, "{:?}", cell.query);
        }
        let organizational = dash
            .heat
            .iter()
            .find(|r| r.area == Area::Theme(Theme::Organizational))
            .expect("row");
        let plan = dash
            .due
            .iter()
            .find(|r| r.clock == DueClock::Plan)
            .expect("row");
        let titles = |q: &Query| -> Vec<String> {
            run(doc.findings().values(), q, &settings, today)
                .iter()
                .map(|f| f.title.clone())
                .collect()
        };
        assert_eq!(dash.open.count, 14);
        assert_eq!(dash.by_grade[0].total.count, 2, "majors");
        assert_eq!(dash.by_grade[1].total.count, 8, "minors");
        assert_eq!(
            titles(&organizational.by_grade[1].query),
            ["Information security policy not reviewed since 2023"]
        );
        let mut overdue = titles(&plan.overdue.query);
        overdue.sort();
        // Only nonconformities run a plan clock.
        assert_eq!(
            overdue,
            ["Phishing incident handled without the incident response plan"]
        );
    }
}
