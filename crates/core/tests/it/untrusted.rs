//! Every file and every peer is untrusted (issue 11): files written by other
//! tools with wrong-typed values, missing keys, unknown codes, deep nesting,
//! deleted records. A refusal changes nothing; a stored item that cannot be
//! read never hides the others; the register keeps opening, editing and
//! merging. The peers here write with raw Automerge, as another tool would.

use crate::common;

use common::{clock, today};

use automerge::{transaction::Transactable, ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use ncr_core::document::ParsedView;
use ncr_core::document::{DocError, ItemKind, NewRegister, RegisterDoc};
use ncr_core::exchange::import as csv_exchange;
use ncr_core::model::{Auditor, CorrectiveAction, Grade, Status};
use proptest::prelude::*;

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn me() -> Auditor {
    Auditor {
        name: "Jane Doe".into(),
        initials: "JD".into(),
    }
}

/// A register with three ordinary findings, one of them with an action.
fn register() -> RegisterDoc {
    let mut doc = RegisterDoc::create(
        actor(1),
        &me(),
        NewRegister {
            name: "ACME ISMS".into(),
            organisation: "ACME".into(),
            scope: String::new(),
        },
        "reg-1".into(),
        clock,
    )
    .unwrap();
    // Built before any finding, so that every comparison of the cache with
    // a full re-read also checks the relations index kept through edits,
    // merges and peers' chunks (it is otherwise built on first use).
    doc.prepare_relations(usize::MAX);
    for (id, title) in [
        ("f1", "Backups untested"),
        ("f2", "No MFA"),
        ("f3", "Old policy"),
    ] {
        doc.add_finding(id.into(), today(), |f| {
            f.title = title.into();
            f.statement = "The requirement is not met.".into();
        })
        .unwrap();
    }
    doc.add_action(
        "f1",
        "a1".into(),
        today(),
        CorrectiveAction {
            description: "Test a restore monthly".into(),
            ..CorrectiveAction::default()
        },
    )
    .unwrap();
    doc
}

/// Another tool's copy of `doc`'s bytes, writing as actor `n`.
fn other_tool(doc: &RegisterDoc, n: u8) -> AutoCommit {
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    am.set_actor(actor(n));
    am
}

fn map(am: &AutoCommit, path: &[&str]) -> ObjId {
    let mut obj = ROOT;
    for key in path {
        obj = am.get(&obj, *key).unwrap().expect("the path exists").1;
    }
    obj
}

/// A finding another tool wrote without `statement` and with a grade code
/// this version does not know.
fn add_bad_finding(am: &mut AutoCommit, id: &str) {
    let findings = map(am, &["findings"]);
    let f = am.put_object(&findings, id, ObjType::Map).unwrap();
    am.put(&f, "id", id).unwrap();
    am.put(&f, "reference", "NC-2026-XT-001").unwrap();
    am.put(&f, "title", "From the other tool").unwrap();
    am.put(&f, "grade", "critical").unwrap();
}

fn state(doc: &RegisterDoc) -> (Vec<u8>, usize) {
    (doc.save(), doc.findings().len())
}

#[test]
fn a_refused_file_leaves_the_register_and_the_next_export_as_before() {
    let mut doc = register();
    let mut am = other_tool(&doc, 9);
    add_bad_finding(&mut am, "bad");
    let file = am.save();
    let before = state(&doc);
    let err = doc.merge_bytes(&file).unwrap_err();
    assert!(err.to_string().contains("not merged"), "{err}");
    assert!(err.to_string().contains("NC-2026-XT-001"), "{err}");
    assert_eq!(state(&doc), before, "nothing of the refused file stays");
    // The register still works, reopens, and its export carries nothing bad.
    doc.update_finding("f2", today(), |f| f.owner = "IT".into())
        .unwrap();
    let reopened = RegisterDoc::open(&doc.save(), actor(1), clock).unwrap();
    assert!(reopened.finding("bad").is_none());
    assert!(reopened.unreadable().is_empty());
    assert_eq!(reopened.finding("f2").unwrap().owner, "IT");
}

#[test]
fn a_file_that_replaces_the_findings_map_is_refused() {
    let mut doc = register();
    let mut am = other_tool(&doc, 9);
    am.put(ROOT, "findings", "gone").unwrap();
    let before = state(&doc);
    assert!(doc.merge_bytes(&am.save()).is_err());
    assert_eq!(state(&doc), before);
    assert!(matches!(
        RegisterDoc::open_file(&am.save(), actor(2), clock),
        Err(DocError::NotARegister | DocError::Refused(_))
    ));
}

#[test]
fn stored_items_that_cannot_be_read_never_hide_the_others() {
    let doc = register();
    let mut am = other_tool(&doc, 9);
    add_bad_finding(&mut am, "marked");
    let findings = map(&am, &["findings"]);
    am.put(&findings, "garbage", 42_i64).unwrap();
    let actions = map(&am, &["findings", "f1", "actions"]);
    am.put(&actions, "a-bad", "not an action").unwrap();
    let auditors = map(&am, &["auditors"]);
    am.put(&auditors, "ffff", "not an auditor").unwrap();
    let audits = map(&am, &["audits"]);
    let audit = am.put_object(&audits, "au1", ObjType::Map).unwrap();
    am.put(&audit, "title", "Stage 2").unwrap();
    am.put(&audit, "kind", "stage2").unwrap();
    am.put(&audits, "au2", ObjType::Text.to_string()).unwrap();

    // Stored data always opens (the strict check is for files one picks).
    let mut doc = RegisterDoc::open(&am.save(), actor(1), clock).unwrap();
    assert_eq!(doc.live_findings().count(), 4, "three good, one marked");
    let marked = doc.finding("marked").unwrap();
    assert_eq!(marked.title, "From the other tool");
    assert_eq!(marked.grade, Grade::Minor, "a safe default");
    let notes = doc.attention("marked").join(" ");
    assert!(
        notes.contains("grade holds \u{201c}critical\u{201d}"),
        "{notes}"
    );
    assert!(notes.contains("statement was missing"), "{notes}");
    assert_eq!(
        doc.finding("f1").unwrap().actions.len(),
        1,
        "the good action"
    );

    let unreadable = doc.unreadable();
    let kinds: Vec<(ItemKind, &str)> = unreadable.iter().map(|u| (u.kind, u.id.as_str())).collect();
    assert!(kinds.contains(&(ItemKind::Finding, "garbage")), "{kinds:?}");
    assert!(kinds.contains(&(ItemKind::Action, "a-bad")), "{kinds:?}");
    assert!(kinds.contains(&(ItemKind::Auditor, "ffff")), "{kinds:?}");
    assert!(kinds.contains(&(ItemKind::Audit, "au2")), "{kinds:?}");
    let garbage = unreadable.iter().find(|u| u.id == "garbage").unwrap();
    assert_eq!(garbage.raw, "42");
    assert_eq!(garbage.authors, vec![actor(9).to_hex_string()]);
    assert_eq!(doc.auditors().len(), 1, "the good auditor is still read");
    assert_eq!(doc.audits().len(), 1, "the good audit is still read");

    // Adding, editing and the lifecycle still work for everyone.
    doc.add_finding("f4".into(), today(), |f| f.title = "New".into())
        .unwrap();
    doc.update_finding("f2", today(), |f| f.area = "IT".into())
        .unwrap();

    // An edit of the marked finding writes only what the person changed:
    // the stored grade this version cannot read is kept for a newer one.
    doc.update_finding("marked", today(), |f| f.owner = "Ops".into())
        .unwrap();
    let findings = doc.doc().get(ROOT, "findings").unwrap().unwrap().1;
    let obj = doc.doc().get(&findings, "marked").unwrap().unwrap().1;
    let grade = doc.doc().get(&obj, "grade").unwrap().unwrap().0;
    assert_eq!(grade.as_str(), Some("critical"));
    assert_eq!(doc.finding("marked").unwrap().owner, "Ops");

    // Discarding removes exactly the item, in one change.
    doc.discard_unreadable(garbage).unwrap();
    assert!(!doc.unreadable().iter().any(|u| u.id == "garbage"));
    assert_eq!(doc.cache_state(), doc.reread_state().unwrap());

    // The same bytes chosen as a file are refused, with a sentence.
    let err = RegisterDoc::open_file(&am.save(), actor(3), clock).unwrap_err();
    assert!(err.to_string().contains("not opened"), "{err}");
}

#[test]
fn another_tabs_chunk_with_an_unreadable_item_is_kept_and_set_aside() {
    let mut doc = register();
    let mut tab = other_tool(&doc, 9);
    add_bad_finding(&mut tab, "marked");
    let findings = map(&tab, &["findings"]);
    tab.put(&findings, "garbage", true).unwrap();
    let touched = doc.apply_chunk(&tab.save()).unwrap();
    assert!(touched.contains(&"marked".to_string()));
    assert!(doc.finding("marked").is_some());
    assert!(doc.unreadable().iter().any(|u| u.id == "garbage"));
    assert_eq!(doc.cache_state(), doc.reread_state().unwrap());

    // A chunk that breaks the register's structure is refused whole.
    let mut breaker = other_tool(&doc, 10);
    breaker.put(ROOT, "auditors", "none").unwrap();
    let before = state(&doc);
    assert!(doc.apply_chunk(&breaker.save()).is_err());
    assert_eq!(state(&doc), before);
}

#[test]
fn a_map_nested_twenty_thousand_deep_is_read_without_recursion() {
    let doc = register();
    let mut am = other_tool(&doc, 9);
    let mut obj = map(&am, &["findings", "f2"]);
    obj = am.put_object(&obj, "title", ObjType::Map).unwrap();
    for _ in 0..20_000 {
        obj = am.put_object(&obj, "x", ObjType::Map).unwrap();
    }
    let bytes = am.save();
    // A small stack, as in wasm: reads must not recurse with the depth.
    let opened = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            let doc = RegisterDoc::open(&bytes, actor(1), clock).unwrap();
            let marks = doc.marks("f2").len();
            let conflicts = doc.conflicts("f2").map(|c| c.len());
            (doc.live_findings().count(), marks, conflicts)
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(opened.0, 3);
    assert!(opened.1 > 0, "the title is marked");
    assert!(opened.2.is_ok());
}

#[test]
fn a_record_deleted_by_another_tool_is_kept_with_the_edits_made_here() {
    let mut doc = register();
    let mut am = other_tool(&doc, 9);
    let findings = map(&am, &["findings"]);
    am.delete(&findings, "f2").unwrap();
    let gone = am.save();
    // Concurrently, this copy edited the finding the other side deleted.
    doc.update_finding("f2", today(), |f| f.owner = "Kept here".into())
        .unwrap();
    let summary = doc.merge_bytes(&gone).unwrap();
    assert_eq!(summary.removed.len(), 1);
    assert!(summary.removed[0].kept);
    let f2 = doc.finding("f2").unwrap();
    assert!(f2.deleted);
    assert_eq!(f2.owner, "Kept here");
    let reopened = RegisterDoc::open(&doc.save(), actor(1), clock).unwrap();
    assert_eq!(reopened.finding("f2").unwrap().owner, "Kept here");
}

#[test]
fn a_finding_marked_deleted_elsewhere_is_counted_as_removed() {
    let mut doc = register();
    let mut other = RegisterDoc::open(&doc.save(), actor(2), clock).unwrap();
    other
        .set_me(&Auditor {
            name: "Ann Lee".into(),
            initials: "AL".into(),
        })
        .unwrap();
    other.delete_finding("f3", "Duplicate", today()).unwrap();
    let summary = doc.merge_bytes(&other.save()).unwrap();
    assert_eq!(summary.removed.len(), 1);
    assert_eq!(summary.removed[0].id, "f3");
    assert!(!summary.removed[0].kept);
}

#[test]
fn the_status_changes_only_through_the_lifecycle() {
    let mut doc = register();
    let err = doc
        .update_finding("f1", today(), |f| f.status = Status::Closed)
        .unwrap_err();
    assert!(err.to_string().contains("lifecycle"), "{err}");
    assert_eq!(doc.finding("f1").unwrap().status, Status::Open);
    let err = doc
        .add_finding("f9".into(), today(), |f| f.status = Status::Closed)
        .unwrap_err();
    assert!(err.to_string().contains("starts open"), "{err}");
}

#[test]
fn a_huge_imported_reference_number_never_overflows_the_counter() {
    let mut doc = register();
    doc.add_finding("big".into(), today(), |f| {
        f.reference = "NC-2026-JD-4294967295".into()
    })
    .unwrap();
    doc.add_finding("nine".into(), today(), |f| {
        f.reference = "NC-2026-JD-999999999".into()
    })
    .unwrap();
    assert_eq!(doc.next_reference("JD", 2026), "NC-2026-JD-1000000000");
}

#[test]
fn copying_findings_is_all_or_nothing() {
    let mut doc = register();
    let other = RegisterDoc::create(
        actor(5),
        &me(),
        NewRegister {
            name: "Other".into(),
            ..NewRegister::default()
        },
        "reg-2".into(),
        clock,
    )
    .unwrap();
    let mut am = AutoCommit::load(&other.save()).unwrap();
    am.set_actor(actor(6));
    let findings = map(&am, &["findings"]);
    add_bad_finding(&mut am, "x1");
    let _ = findings;
    let source = RegisterDoc::open(&am.save(), actor(7), clock).unwrap();
    let before = state(&doc);
    let mut n = 0;
    let err = doc
        .copy_findings_from(
            &source,
            || {
                n += 1;
                format!("new-{n}")
            },
            today(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("Nothing was copied"), "{err}");
    assert_eq!(state(&doc), before);
}

#[test]
fn a_csv_import_with_one_bad_row_imports_nothing() {
    let mut doc = register();
    let row = |line: u64, title: &str| csv_exchange::ImportedFinding {
        line,
        finding: ncr_core::model::Finding {
            title: title.into(),
            ..ncr_core::model::Finding::new(String::new(), String::new())
        },
        audit: String::new(),
        plan_due: None,
        close_due: None,
        similar: Vec::new(),
    };
    let rows = vec![
        row(2, "First"),
        row(3, "Second"),
        row(4, &"x".repeat(ncr_core::validate::MAX_TEXT + 1)),
    ];
    let before = state(&doc);
    let mut n = 0;
    let err = csv_exchange::import_findings(
        &mut doc,
        &rows,
        "rows.csv",
        || {
            n += 1;
            format!("csv-{n}")
        },
        today(),
    )
    .unwrap_err();
    assert!(err.to_string().starts_with("Line 4:"), "{err}");
    assert!(err.to_string().contains("Nothing was imported"), "{err}");
    assert_eq!(state(&doc), before);
    assert!(doc.finding("csv-1").is_none());
}

// ----- random peers writing wrong-typed values -------------------------------

#[derive(Debug, Clone)]
enum Junk {
    Int(i64),
    Str(String),
    Bool(bool),
    Null,
    Map,
    Text(String),
    List,
    /// Automerge's legacy table, empty: Automerge 0.12 refuses to write
    /// into one, and panicked ("missing from index") applying a change
    /// crafted to write into one, as any bytes that make it panic would in
    /// the worker's check. Its pass over the document goes through a table
    /// as a list; a reading walks it as a map.
    Table,
    Delete,
}

fn junk() -> impl Strategy<Value = Junk> {
    prop_oneof![
        any::<i64>().prop_map(Junk::Int),
        "[a-z]{0,12}".prop_map(Junk::Str),
        any::<bool>().prop_map(Junk::Bool),
        Just(Junk::Null),
        Just(Junk::Map),
        "[a-z ]{0,12}".prop_map(Junk::Text),
        Just(Junk::List),
        Just(Junk::Table),
        Just(Junk::Delete),
    ]
}

/// Where a peer writes: a path below the root, from the register's real keys.
fn place() -> impl Strategy<Value = Vec<String>> {
    let field = prop_oneof![
        Just("title"),
        Just("grade"),
        Just("status"),
        Just("detected_on"),
        Just("requirements"),
        Just("actions"),
        Just("review"),
        Just("closure"),
        Just("deleted"),
        Just("id"),
        Just("cause"),
        Just("similar"),
    ];
    prop_oneof![
        (
            prop_oneof![Just("f1"), Just("f2"), Just("f3"), Just("fx")],
            field
        )
            .prop_map(|(f, k)| vec!["findings".into(), f.into(), k.into()]),
        prop_oneof![Just("f1"), Just("f2"), Just("fx")]
            .prop_map(|f| vec!["findings".into(), f.into()]),
        (prop_oneof![Just("description"), Just("status"), Just("due")]).prop_map(|k| vec![
            "findings".into(),
            "f1".into(),
            "actions".into(),
            "a1".into(),
            k.into()
        ]),
        Just(vec![
            "findings".into(),
            "f1".into(),
            "actions".into(),
            "a1".into()
        ]),
        prop_oneof![Just("auditors"), Just("audits")].prop_map(|m| vec![m.into(), "k".into()]),
        prop_oneof![Just("plan_due_days"), Just("name")]
            .prop_map(|k| vec!["settings".into(), k.into()]),
    ]
}

fn write_junk(am: &mut AutoCommit, path: &[String], junk: &Junk) {
    let (last, parents) = path.split_last().unwrap();
    let mut obj = ROOT;
    for key in parents {
        obj = match am.get(&obj, key.as_str()).unwrap() {
            Some((automerge::Value::Object(ObjType::Map), id)) => id,
            _ => return,
        };
    }
    let key = last.as_str();
    let _ = match junk {
        Junk::Int(n) => am.put(&obj, key, *n),
        Junk::Str(s) => am.put(&obj, key, s.as_str()),
        Junk::Bool(b) => am.put(&obj, key, *b),
        Junk::Null => am.put(&obj, key, automerge::ScalarValue::Null),
        Junk::Map => am.put_object(&obj, key, ObjType::Map).map(|_| ()),
        Junk::Text(s) => am
            .put_object(&obj, key, ObjType::Text)
            .and_then(|t| am.splice_text(&t, 0, 0, s)),
        // Not empty: a scalar and a map inside, so every reading of lists
        // (the one-pass reading of every finding among them) sees items.
        Junk::List => am.put_object(&obj, key, ObjType::List).and_then(|list| {
            am.insert(&list, 0, "x")?;
            let inner = am.insert_object(&list, 1, ObjType::Map)?;
            am.put(&inner, "k", 1)
        }),
        Junk::Table => am.put_object(&obj, key, ObjType::Table).map(|_| ()),
        Junk::Delete => am.delete(&obj, key),
    };
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(common::cases(48)))]

    /// Peers write wrong-typed values into random places and their copies
    /// come back as tab chunks: every copy still opens, the findings no peer
    /// touched are intact, and the cache equals a full re-read.
    #[test]
    fn wrong_typed_peers_never_break_the_register(
        writes in proptest::collection::vec((place(), junk()), 1..8),
        edit_after in any::<bool>(),
    ) {
        let mut doc = register();
        let pristine = doc.clone();
        let mut am = other_tool(&doc, 9);
        for (path, j) in &writes {
            write_junk(&mut am, path, j);
        }
        let bytes = am.save();
        // As another tab's stored save: accepted unless it breaks the
        // structure, and then refused whole.
        let before = state(&doc);
        match doc.apply_chunk(&bytes) {
            Ok(_) => {}
            Err(_) => prop_assert_eq!(state(&doc), before),
        }
        prop_assert_eq!(doc.cache_state(), doc.reread_state().unwrap(), "cache == full re-read");
        // Findings nobody touched are unchanged.
        let touched: Vec<&str> = writes.iter().filter(|(p, _)| p[0] == "findings").map(|(p, _)| p[1].as_str()).collect();
        for (id, f) in pristine.findings() {
            if !touched.contains(&id.as_str()) {
                prop_assert_eq!(doc.finding(id), Some(f));
            }
        }
        if edit_after {
            doc.add_finding("later".into(), today(), |f| f.title = "After".into()).unwrap();
        }
        // It still opens from its own bytes, reads the same, and merges into
        // a clean copy as a chosen file only if nothing in it is unreadable.
        let reopened = RegisterDoc::open(&doc.save(), actor(1), clock).unwrap();
        prop_assert_eq!(reopened.cache_state(), doc.cache_state());
        // And from a view of it stored at its heads: the same cache,
        // whatever the peers wrote (marks, unreadable items, conflicts).
        // The same view shown first as a preview, its findings then taken
        // back by the opening.
        let view = ParsedView::parse(&doc.stored_view().bytes).unwrap();
        let preview = RegisterDoc::preview(view, clock).unwrap();
        prop_assert!(preview.is_preview() && !doc.is_preview());
        prop_assert_eq!(preview.findings(), doc.findings());
        prop_assert_eq!(
            (preview.info(), preview.settings(), preview.auditors(), preview.audits()),
            (doc.info(), doc.settings(), doc.auditors(), doc.audits())
        );
        let loaded = automerge::Automerge::load(&doc.save()).unwrap();
        let (viewed, taken) = RegisterDoc::open_viewed(loaded, actor(1), clock, preview.into_view()).unwrap();
        prop_assert!(taken, "a view at the document's heads is taken");
        prop_assert_eq!(viewed.cache_state(), doc.cache_state());
        let mut clean = pristine.fork_as(actor(3));
        let clean_before = state(&clean);
        match clean.merge_bytes(&doc.save()) {
            Ok(_) => prop_assert_eq!(clean.cache_state(), clean.reread_state().unwrap()),
            Err(_) => prop_assert_eq!(state(&clean), clean_before),
        }
    }
}
