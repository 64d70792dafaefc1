//! The document layer's promises, example by example. The property tests in
//! `merge_properties.rs` check the same promises over random histories.

use crate::common;

use common::{clock, today};

use automerge::{transaction::Transactable, ActorId, ScalarValue};
use chrono::NaiveDate;
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::{ActionStatus, Auditor, CorrectiveAction, Grade};

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn auditor(name: &str, initials: &str) -> Auditor {
    Auditor {
        name: name.into(),
        initials: initials.into(),
    }
}

fn register() -> RegisterDoc {
    common::acme_register()
}

fn colleague(base: &RegisterDoc, n: u8, name: &str, initials: &str) -> RegisterDoc {
    let mut doc = RegisterDoc::open(&base.save(), actor(n), clock).unwrap();
    doc.set_me(&auditor(name, initials)).unwrap();
    doc
}

#[test]
fn a_new_register_knows_its_identity_and_auditor() {
    let doc = register();
    let info = doc.info().unwrap();
    assert_eq!(info.name, "ACME ISMS 2026");
    assert_eq!(info.id, "reg-1");
    assert_eq!(doc.auditor_name(&actor(1).to_hex_string()), "Jane Doe");
    assert_eq!(doc.settings().plan_due_days, 30);
}

#[test]
fn references_follow_each_auditors_own_sequence() {
    let mut doc = register();
    let a = doc.add_finding("a".into(), today(), |_| {}).unwrap();
    let b = doc.add_finding("b".into(), today(), |_| {}).unwrap();
    assert_eq!(doc.finding(&a).unwrap().reference, "NC-2026-JD-001");
    assert_eq!(doc.finding(&b).unwrap().reference, "NC-2026-JD-002");
    let mut other = colleague(&doc, 2, "Sam Roe", "SR");
    let c = other.add_finding("c".into(), today(), |_| {}).unwrap();
    assert_eq!(other.finding(&c).unwrap().reference, "NC-2026-SR-001");
    assert_eq!(other.finding(&c).unwrap().raised_by, "Sam Roe");
}

#[test]
fn same_initials_apart_give_duplicates_that_the_merge_reports() {
    let base = register();
    let mut a = colleague(&base, 2, "John Dee", "JD");
    let mut b = colleague(&base, 3, "Jo Dunn", "JD");
    a.add_finding("x".into(), today(), |f| f.title = "From A".into())
        .unwrap();
    b.add_finding("y".into(), today(), |f| f.title = "From B".into())
        .unwrap();
    let summary = a.merge_bytes(&b.save()).unwrap();
    assert_eq!(summary.findings_added, 1);
    assert_eq!(summary.changes_received, 2, "B's auditor entry and finding");
    assert_eq!(
        a.merge_bytes(&b.save()).unwrap().changes_received,
        0,
        "nothing new the second time"
    );
    assert_eq!(summary.duplicate_references.len(), 1);
    assert_eq!(summary.duplicate_references[0].reference, "NC-2026-JD-001");
    assert_eq!(summary.duplicate_references[0].finding_ids, vec!["x", "y"]);
}

#[test]
fn an_edit_writes_only_the_changed_field() {
    let mut doc = register();
    let id = doc
        .add_finding("a".into(), today(), |f| f.title = "Old".into())
        .unwrap();
    let before = doc.heads();
    doc.update_finding(&id, today(), |f| f.title = "New".into())
        .unwrap();
    let change = doc.doc().get_changes(&before);
    assert_eq!(change.len(), 1, "one intent, one change");
    assert_eq!(change[0].len(), 1, "one operation: the title");
    // An edit that changes nothing writes nothing.
    let heads = doc.heads();
    doc.update_finding(&id, today(), |f| f.title = "New".into())
        .unwrap();
    assert_eq!(doc.heads(), heads);
}

#[test]
fn concurrent_edits_of_one_field_are_shown_and_resolved_everywhere() {
    let base = {
        let mut d = register();
        d.add_finding("f".into(), today(), |f| f.title = "Original".into())
            .unwrap();
        d
    };
    let mut a = colleague(&base, 2, "Ann Lee", "AL");
    let mut b = colleague(&base, 3, "Bob Ray", "BR");
    a.update_finding("f", today(), |f| f.title = "Ann's title".into())
        .unwrap();
    b.update_finding("f", today(), |f| f.title = "Bob's title".into())
        .unwrap();
    b.update_finding("f", today(), |f| f.owner = "IT".into())
        .unwrap();
    let summary = a.merge_bytes(&b.save()).unwrap();
    assert_eq!(summary.findings_changed, 1);
    assert_eq!(summary.conflicted, vec!["f".to_string()]);
    b.merge_bytes(&a.save()).unwrap();
    assert_eq!(
        a.finding("f"),
        b.finding("f"),
        "both copies show the same winner"
    );
    assert_eq!(
        a.finding("f").unwrap().owner,
        "IT",
        "the other field merged"
    );
    let conflicts = a.conflicts("f").unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].path, vec!["title".to_string()]);
    let mut shown: Vec<(String, String)> = conflicts[0]
        .values
        .iter()
        .map(|v| (v.display.clone(), v.author.clone()))
        .collect();
    shown.sort();
    assert_eq!(
        shown,
        vec![
            ("Ann's title".to_string(), "Ann Lee".to_string()),
            ("Bob's title".to_string(), "Bob Ray".to_string())
        ]
    );
    assert_eq!(conflicts[0].values.iter().filter(|v| v.winner).count(), 1);
    // Bob picks the value that is *not* currently winning on his copy.
    let loser = conflicts[0].values.iter().find(|v| !v.winner).unwrap();
    b.resolve_conflict("f", &["title".to_string()], loser.value.clone())
        .unwrap();
    assert!(!b.is_conflicted("f"));
    a.merge_bytes(&b.save()).unwrap();
    assert!(
        !a.is_conflicted("f"),
        "the resolution wins on the other copy"
    );
    assert_eq!(a.finding("f").unwrap().title, loser.display);
    assert_eq!(a.rehydrated().unwrap(), *a.findings());
}

#[test]
fn files_that_must_not_merge_are_refused_and_change_nothing() {
    let mut doc = register();
    doc.add_finding("a".into(), today(), |_| {}).unwrap();
    let heads = doc.heads();
    let findings = doc.findings().clone();

    let corrupt = {
        let mut bytes = doc.save();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        bytes.truncate(bytes.len() - 3);
        bytes
    };
    assert!(matches!(
        doc.merge_bytes(&corrupt),
        Err(DocError::Corrupt(_))
    ));
    assert!(matches!(doc.merge_bytes(b""), Err(DocError::Corrupt(_))));
    assert!(matches!(
        doc.merge_bytes(b"title,grade\nx,major\n"),
        Err(DocError::Corrupt(_))
    ));

    let mut foreign_automerge = automerge::AutoCommit::new();
    foreign_automerge
        .put(automerge::ROOT, "todo", "milk")
        .unwrap();
    assert_eq!(
        doc.merge_bytes(&foreign_automerge.save()),
        Err(DocError::NotARegister)
    );

    let other = RegisterDoc::create(
        actor(9),
        &auditor("Eve Foe", "EF"),
        NewRegister {
            name: "Other Co".into(),
            ..Default::default()
        },
        "reg-2".into(),
        clock,
    )
    .unwrap();
    let err = doc.merge_bytes(&other.save()).unwrap_err();
    assert!(matches!(err, DocError::ForeignRegister { ref name, .. } if name == "Other Co"));
    assert!(err.to_string().contains("Other Co"), "{err}");

    let mut newer = automerge::Automerge::load(&doc.save()).unwrap();
    newer
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "schema", 2u64)?;
            Ok(())
        })
        .unwrap();
    let err = doc.merge_bytes(&newer.save()).unwrap_err();
    assert_eq!(
        err,
        DocError::NewerVersion {
            found: 2,
            supported: 1
        }
    );
    assert!(RegisterDoc::open(&newer.save(), actor(1), clock).is_err());

    assert_eq!(doc.heads(), heads, "no refusal changed the register");
    assert_eq!(doc.findings(), &findings);
}

#[test]
fn findings_of_another_register_are_copied_only_on_purpose() {
    let mut ours = register();
    let mut theirs = RegisterDoc::create(
        actor(9),
        &auditor("Eve Foe", "EF"),
        NewRegister {
            name: "Other Co".into(),
            ..Default::default()
        },
        "reg-2".into(),
        clock,
    )
    .unwrap();
    let fid = theirs
        .add_finding("t1".into(), today(), |f| f.title = "Theirs".into())
        .unwrap();
    theirs
        .add_action(&fid, "act".into(), today(), CorrectiveAction::default())
        .unwrap();
    let mut n = 0;
    let copied = ours
        .copy_findings_from(
            &theirs,
            || {
                n += 1;
                format!("new-{n}")
            },
            today(),
        )
        .unwrap();
    assert_eq!(copied, vec!["new-1"]);
    let f = ours.finding("new-1").unwrap();
    assert_eq!(f.title, "Theirs");
    assert_eq!(f.origin, "reg-2/t1");
    assert_eq!(f.actions.len(), 1);
    assert!(f.actions.contains_key("new-2"), "actions get new ids too");
}

#[test]
fn history_names_the_auditors_and_the_fields() {
    let base = register();
    let mut a = colleague(&base, 2, "Ann Lee", "AL");
    a.add_finding("f".into(), today(), |f| {
        f.title = "Backups untested".into();
        f.grade = Grade::Major;
    })
    .unwrap();
    let mut b = colleague(&a, 3, "Bob Ray", "BR");
    b.update_finding("f", today(), |f| f.title = "Backups never tested".into())
        .unwrap();
    b.add_action("f", "act".into(), today(), CorrectiveAction::default())
        .unwrap();
    b.update_action("f", "act", today(), |a| a.status = ActionStatus::Done)
        .unwrap();
    a.merge_bytes(&b.save()).unwrap();
    let h = a.history("f").unwrap();
    let ops: Vec<(&str, &str)> = h
        .iter()
        .map(|e| (e.op.as_str(), e.author.as_str()))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("add_finding", "Ann Lee"),
            ("edit_finding", "Bob Ray"),
            ("add_action", "Bob Ray"),
            ("edit_action", "Bob Ray"),
        ]
    );
    let created = &h[0].changes;
    assert!(created
        .iter()
        .any(|c| c.path == ["title"] && c.new.as_deref() == Some("Backups untested")));
    assert!(created
        .iter()
        .any(|c| c.path == ["grade"] && c.new.as_deref() == Some("major")));
    assert_eq!(h[1].changes.len(), 1);
    assert_eq!(h[1].changes[0].old.as_deref(), Some("Backups untested"));
    assert_eq!(h[1].changes[0].new.as_deref(), Some("Backups never tested"));
    assert!(h[3]
        .changes
        .iter()
        .any(|c| c.path == ["actions", "act", "status"]
            && c.old.as_deref() == Some("planned")
            && c.new.as_deref() == Some("done")));
}

#[test]
fn a_document_still_at_genesis_is_not_a_register() {
    let bare = ncr_core::document::genesis::document().save();
    assert_eq!(
        RegisterDoc::open(&bare, actor(1), clock).unwrap_err(),
        DocError::NotARegister
    );
}

#[test]
fn resolving_to_the_current_winner_still_settles_the_conflict() {
    let base = {
        let mut d = register();
        d.add_finding("f".into(), today(), |_| {}).unwrap();
        d
    };
    let mut a = colleague(&base, 2, "Ann Lee", "AL");
    let mut b = colleague(&base, 3, "Bob Ray", "BR");
    a.update_finding("f", today(), |f| f.area = "HR".into())
        .unwrap();
    b.update_finding("f", today(), |f| f.area = "IT".into())
        .unwrap();
    a.merge_bytes(&b.save()).unwrap();
    let winner = a.finding("f").unwrap().area.clone();
    a.resolve_conflict(
        "f",
        &["area".into()],
        ScalarValue::Str(winner.clone().into()),
    )
    .unwrap();
    assert!(!a.is_conflicted("f"));
    b.merge_bytes(&a.save()).unwrap();
    assert!(!b.is_conflicted("f"));
    assert_eq!(b.finding("f").unwrap().area, winner);
}

#[test]
fn a_major_finding_walks_from_open_to_closed_and_each_step_is_in_the_history() {
    use ncr_core::model::{ReviewResult, Status};
    let mut doc = register();
    let id = doc
        .add_finding("m".into(), today(), |f| {
            f.title = "No backup restore tests".into();
            f.grade = Grade::Major;
            f.statement = "Backups are never restored to prove they work.".into();
            f.requirements.insert("A.8.13".into(), true);
            f.evidence = "No restore test record for 2026.".into();
        })
        .unwrap();
    let refused = doc.change_status(&id, Status::Closed, today()).unwrap_err();
    assert!(matches!(refused, DocError::Transition(_)));
    let err = doc
        .change_status(&id, Status::Analysed, today())
        .unwrap_err();
    assert!(err.to_string().contains("root-cause"), "{err}");
    doc.update_finding(&id, today(), |f| {
        f.root_cause.statement = "Restore testing was never assigned to anyone.".into();
        f.correction.description = "Restored last night's backup successfully.".into();
        f.correction.done_on = Some(today());
    })
    .unwrap();
    doc.change_status(&id, Status::Analysed, today()).unwrap();
    doc.add_action(
        &id,
        "a1".into(),
        today(),
        CorrectiveAction {
            description: "Quarterly restore test in the ops calendar".into(),
            owner: "Ops lead".into(),
            due: NaiveDate::from_ymd_opt(2027, 1, 15),
            ..Default::default()
        },
    )
    .unwrap();
    doc.change_status(&id, Status::ActionPlanned, today())
        .unwrap();
    doc.change_status(&id, Status::InProgress, today()).unwrap();
    doc.update_action(&id, "a1", today(), |a| {
        a.status = ActionStatus::Done;
        a.done_on = Some(today());
    })
    .unwrap();
    doc.change_status(&id, Status::Verifying, today()).unwrap();
    let err = doc.change_status(&id, Status::Closed, today()).unwrap_err();
    assert!(
        err.to_string()
            .contains("Cannot close: the effectiveness review is not recorded as effective."),
        "{err}"
    );
    let status = doc
        .record_review(
            &id,
            ReviewResult::NotEffective,
            "ISMS manager",
            today(),
            "Test skipped",
            today(),
        )
        .unwrap();
    assert_eq!(status, Status::Reopened);
    doc.update_finding(&id, today(), |f| {
        f.actions
            .get_mut("a1")
            .unwrap()
            .description
            .push_str(" (with sign-off)");
    })
    .unwrap();
    doc.add_action(
        &id,
        "a2".into(),
        today(),
        CorrectiveAction {
            description: "Restore test signed off by CISO".into(),
            owner: "CISO".into(),
            due: NaiveDate::from_ymd_opt(2027, 2, 1),
            ..Default::default()
        },
    )
    .unwrap();
    doc.change_status(&id, Status::ActionPlanned, today())
        .unwrap();
    doc.change_status(&id, Status::InProgress, today()).unwrap();
    doc.update_action(&id, "a2", today(), |a| {
        a.status = ActionStatus::Done;
        a.done_on = Some(today());
    })
    .unwrap();
    doc.change_status(&id, Status::Verifying, today()).unwrap();
    doc.record_review(
        &id,
        ReviewResult::Effective,
        "ISMS manager",
        today(),
        "",
        today(),
    )
    .unwrap();
    doc.change_status(&id, Status::Closed, today()).unwrap();
    let f = doc.finding(&id).unwrap();
    assert_eq!(f.status, Status::Closed);
    assert_eq!(f.closure.closed_by, "Jane Doe");
    let steps: Vec<String> = doc
        .history(&id)
        .unwrap()
        .iter()
        .filter(|e| e.op == "change_status" || e.op == "record_review")
        .flat_map(|e| {
            e.changes
                .iter()
                .filter(|c| c.path == ["status"])
                .map(|c| c.new.clone().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            "analysed",
            "action_planned",
            "in_progress",
            "verifying",
            "reopened",
            "action_planned",
            "in_progress",
            "verifying",
            "closed"
        ]
    );
}

#[test]
fn unexported_work_is_this_persons_changes_since_the_last_export() {
    let mut doc = register();
    let me = actor(1).to_hex_string();
    let fresh = doc.unexported(&me, &[]);
    assert!(
        fresh.changes >= 1,
        "creating the register is work to export"
    );
    assert_eq!(fresh.oldest, Some(clock()));

    let exported = doc.heads();
    assert_eq!(doc.unexported(&me, &exported).changes, 0);

    // A colleague's work arrives by merge: it exists in their file already.
    let mut bob = colleague(&doc, 2, "Bob Roe", "br");
    bob.add_finding("b1".into(), today(), |f| f.title = "Bob's".into())
        .unwrap();
    doc.merge_bytes(&bob.save()).unwrap();
    assert_eq!(doc.unexported(&me, &exported).changes, 0);
    assert_eq!(
        doc.unexported(&actor(2).to_hex_string(), &exported).changes,
        1
    );

    // Another session (tab) of the same person counts as the same person.
    let mut tab = RegisterDoc::open(
        &doc.save(),
        ncr_core::document::session_actor(&[1; 16], &[9; 8]),
        clock,
    )
    .unwrap();
    tab.set_me(&auditor("Jane Doe", "jd")).unwrap();
    tab.update_finding("b1", today(), |f| f.statement = "Seen".into())
        .unwrap();
    assert_eq!(tab.unexported(&me, &exported).changes, 1);
    // Heads this copy never saw are ignored, not trusted.
    let unknown: automerge::ChangeHash = "00".repeat(32).parse().unwrap();
    assert_eq!(tab.unexported(&me, &[unknown]), tab.unexported(&me, &[]));
}

#[test]
fn introducing_oneself_to_a_register_is_not_unexported_work() {
    let doc = register();
    let bob = colleague(&doc, 2, "Bob Roe", "br");
    assert_eq!(
        bob.unexported(&actor(2).to_hex_string(), &doc.heads())
            .changes,
        0
    );
}

#[test]
fn settings_saved_by_older_versions_still_read() {
    use automerge::ReadDoc;
    // Registers once kept an export reminder in their settings; the reminder
    // is now the browser profile's, and files written before still open.
    let doc = register();
    let mut raw = automerge::Automerge::load(&doc.save()).unwrap();
    let mut tx = raw.transaction();
    let settings = match tx.get(automerge::ROOT, "settings").unwrap() {
        Some((_, id)) => id,
        None => panic!("a register has settings"),
    };
    tx.put(&settings, "export_reminder_days", 7u64).unwrap();
    tx.put(&settings, "plan_due_days", 14u64).unwrap();
    tx.commit();
    let reopened = RegisterDoc::open(&raw.save(), actor(2), clock).unwrap();
    assert_eq!(reopened.settings().plan_due_days, 14);
    assert!(reopened.unreadable().is_empty());
}

/// A copy whose own writes left most of its findings stale (findings it
/// added, an import, the demo) indexes them in one pass before its first
/// merge, and a peer's edits of one of them, its title and deep in an
/// action, still reach the cache.
#[test]
fn a_merge_after_many_own_writes_brings_in_the_peers_edits() {
    let mut ours = register();
    let ids: Vec<String> = (0..6)
        .map(|i| {
            ours.add_finding(format!("f{i}"), today(), |f| {
                f.title = format!("Finding {i}");
                f.area = "Leeds".into();
                let action = CorrectiveAction {
                    id: "a1".into(),
                    description: "Restore a backup".into(),
                    ..CorrectiveAction::default()
                };
                f.actions.insert("a1".into(), action);
            })
            .unwrap()
        })
        .collect();
    let mut theirs = colleague(&ours, 7, "Sam Roe", "SR");
    theirs
        .update_finding(&ids[2], today(), |f| {
            f.title = "Backups never restored".into();
            if let Some(a) = f.actions.get_mut("a1") {
                a.description = "Restore a backup every month".into();
            }
        })
        .unwrap();
    ours.merge_bytes(&theirs.save()).unwrap();
    let merged = ours.finding(&ids[2]).unwrap();
    assert_eq!(merged.title, "Backups never restored");
    assert_eq!(merged.area, "Leeds");
    assert_eq!(
        merged.actions["a1"].description,
        "Restore a backup every month"
    );
    assert_eq!(ours.cache_state(), ours.reread_state().unwrap());
}

/// The relations index, built a slice at a time after a register opens,
/// stays exact through edits, deletions, new findings and a peer's changes
/// on both sides of where the slices have reached.
#[test]
fn the_relations_index_built_in_slices_follows_every_change() {
    let mut base = register();
    for i in 0..10 {
        base.add_finding(format!("f{i}"), today(), |f| {
            f.title = format!("Finding {i}");
            f.area = if i % 2 == 0 { "Leeds" } else { "Bristol" }.into();
            f.requirements.insert("A.5.15".into(), true);
        })
        .unwrap();
    }
    let mut peer = colleague(&base, 7, "Sam Roe", "SR");
    let mut doc = colleague(&base, 4, "Jane Doe", "JD");
    assert!(!doc.prepare_relations(3), "f0, f1 and f2 indexed");
    // Passed by the slices, and not yet reached.
    for id in ["f1", "f5"] {
        doc.update_finding(id, today(), |f| f.area = "Rotterdam".into())
            .unwrap();
    }
    doc.delete_finding("f2", "A duplicate of f0", today())
        .unwrap();
    doc.delete_finding("f6", "A duplicate of f4", today())
        .unwrap();
    for id in ["e0", "g0"] {
        doc.add_finding(id.into(), today(), |f| {
            f.title = "Same requirement".into();
            f.area = "Leeds".into();
            f.requirements.insert("A.5.15".into(), true);
        })
        .unwrap();
    }
    for id in ["f0", "f8"] {
        peer.update_finding(id, today(), |f| f.area = "Leeds depot".into())
            .unwrap();
    }
    doc.merge_bytes(&peer.save()).unwrap();
    assert!(!doc.prepare_relations(2));
    assert_eq!(doc.cache_state(), doc.reread_state().unwrap());
    assert!(doc.prepare_relations(1), "complete once compared");
}
