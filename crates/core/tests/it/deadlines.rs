//! Deadlines are fixed when a finding is recorded: a later change of the
//! register's settings applies to findings recorded from then on and never
//! moves a recorded deadline, on this copy or on a colleague's after a
//! merge.

use crate::common;

use common::{clock, today};

use automerge::{transaction::Transactable, ActorId, AutoCommit, ObjType, ReadDoc, ROOT};
use chrono::{Days, NaiveDate};
use ncr_core::deadlines::{close_due, plan_due};
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, Clocks, Grade, Settings};

fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

fn register() -> RegisterDoc {
    common::acme_register()
}

fn after(days: u64) -> Option<NaiveDate> {
    today().checked_add_days(Days::new(days))
}

fn shorter() -> Settings {
    Settings {
        plan_due_days: 10,
        major_close_days: 20,
        minor_close_days: 40,
        ..Settings::default()
    }
}

/// Both deadlines of a finding, as every screen and export computes them.
fn due(doc: &RegisterDoc, id: &str) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let f = doc.finding(id).unwrap();
    let s = doc.settings();
    (plan_due(f, &s), close_due(f, &s))
}

#[test]
fn a_settings_change_applies_to_findings_recorded_afterwards() {
    let mut doc = register();
    let old = doc
        .add_finding("old".into(), today(), |f| f.grade = Grade::Major)
        .unwrap();
    assert_eq!(
        doc.finding(&old).unwrap().clocks,
        Settings::default().clocks()
    );
    assert_eq!(due(&doc, &old), (after(30), after(90)));

    let moved = doc.update_settings(shorter()).unwrap();
    assert_eq!(moved, 0, "the finding had its deadlines fixed already");
    assert_eq!(due(&doc, &old), (after(30), after(90)), "not moved");

    let new = doc
        .add_finding("new".into(), today(), |f| f.grade = Grade::Major)
        .unwrap();
    assert_eq!(due(&doc, &new), (after(10), after(20)));

    // A corrected grade or detection date moves the deadline with it, by the
    // finding's own clocks.
    doc.update_finding(&old, today(), |f| {
        f.grade = Grade::Minor;
        f.detected_on = today().checked_sub_days(Days::new(5));
    })
    .unwrap();
    assert_eq!(due(&doc, &old), (after(25), after(175)));

    // And all of it survives a save and a reopen.
    let reopened = RegisterDoc::open(&doc.save(), actor(1), clock).unwrap();
    assert_eq!(due(&reopened, &old), (after(25), after(175)));
    assert_eq!(due(&reopened, &new), (after(10), after(20)));
}

#[test]
fn an_edit_cannot_change_the_recorded_clocks() {
    let mut doc = register();
    let id = doc.add_finding("a".into(), today(), |_| {}).unwrap();
    doc.update_finding(&id, today(), |f| {
        f.clocks.plan_due_days = Some(1);
        f.title = "Edited".into();
    })
    .unwrap();
    let f = doc.finding(&id).unwrap();
    assert_eq!(f.title, "Edited");
    assert_eq!(f.clocks, Settings::default().clocks());
}

/// A register written by a version before deadlines were fixed: its
/// findings have no `clocks`.
fn legacy() -> (RegisterDoc, String) {
    let mut doc = register();
    let id = doc
        .add_finding("legacy".into(), today(), |f| f.grade = Grade::Major)
        .unwrap();
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    let (_, findings) = am.get(ROOT, "findings").unwrap().unwrap();
    let (_, finding) = am.get(&findings, id.as_str()).unwrap().unwrap();
    am.delete(&finding, "clocks").unwrap();
    let doc = RegisterDoc::open(&am.save(), actor(1), clock).unwrap();
    (doc, id)
}

#[test]
fn a_finding_recorded_before_deadlines_were_fixed_keeps_its_deadlines_through_a_settings_change() {
    let (mut doc, id) = legacy();
    assert_eq!(doc.finding(&id).unwrap().clocks, Clocks::default());
    assert!(
        doc.marks(&id).is_empty(),
        "a missing member is not a defect"
    );
    assert!(doc.attention(&id).is_empty());
    assert_eq!(
        due(&doc, &id),
        (after(30), after(90)),
        "follows the settings"
    );

    // Read field by field (a grade this version does not know), the missing
    // clocks are still no defect.
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    let (_, findings) = am.get(ROOT, "findings").unwrap().unwrap();
    let (_, finding) = am.get(&findings, id.as_str()).unwrap().unwrap();
    am.put(&finding, "grade", "critical").unwrap();
    let odd = RegisterDoc::open(&am.save(), actor(1), clock).unwrap();
    let marks: Vec<String> = odd.marks(&id).iter().map(|m| m.field.clone()).collect();
    assert_eq!(marks, ["grade"]);

    let fixed = doc.update_settings(shorter()).unwrap();
    assert_eq!(fixed, 1);
    assert_eq!(
        doc.finding(&id).unwrap().clocks,
        Settings::default().clocks()
    );
    assert_eq!(due(&doc, &id), (after(30), after(90)), "not moved");
    let reopened = RegisterDoc::open(&doc.save(), actor(1), clock).unwrap();
    assert_eq!(due(&reopened, &id), (after(30), after(90)));
}

#[test]
fn a_colleagues_settings_change_never_moves_a_deadline_here() {
    let (mut mine, id) = legacy();
    let mut theirs = RegisterDoc::open(&mine.save(), actor(2), clock).unwrap();
    theirs
        .set_me(&Auditor {
            name: "Sam Roe".into(),
            initials: "SR".into(),
        })
        .unwrap();
    theirs.update_settings(shorter()).unwrap();
    // Meanwhile, here, the detection date is corrected.
    mine.update_finding(&id, today(), |f| {
        f.detected_on = today().checked_sub_days(Days::new(1))
    })
    .unwrap();
    mine.merge_bytes(&theirs.save()).unwrap();
    assert_eq!(mine.settings(), shorter());
    assert_eq!(due(&mine, &id), (after(29), after(89)));
}

#[test]
fn copied_findings_keep_the_deadlines_of_the_register_they_came_from() {
    let mut source = register();
    source.update_settings(shorter()).unwrap();
    let id = source
        .add_finding("s".into(), today(), |f| f.grade = Grade::Minor)
        .unwrap();
    let mut target = RegisterDoc::create(
        actor(3),
        &Auditor {
            name: "Ann Lee".into(),
            initials: "AL".into(),
        },
        NewRegister {
            name: "Other".into(),
            organisation: "ACME Ltd".into(),
            scope: "Plant".into(),
        },
        "reg-2".into(),
        clock,
    )
    .unwrap();
    let mut n = 0;
    let copied = target
        .copy_findings_from(
            &source,
            || {
                n += 1;
                format!("c{n}")
            },
            today(),
        )
        .unwrap();
    assert_eq!(due(&source, &id), (after(10), after(40)));
    assert_eq!(due(&target, &copied[0]), (after(10), after(40)));
}

#[test]
fn absurd_clocks_are_refused_in_settings_and_shown_on_merged_findings() {
    let mut doc = register();
    let err = doc
        .update_settings(Settings {
            plan_due_days: 100_000,
            ..Settings::default()
        })
        .unwrap_err();
    assert!(matches!(err, DocError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("Plan due"), "{err}");
    assert_eq!(doc.settings(), Settings::default());

    // Another tool writes an absurd clock into a finding: the register
    // still opens, and the finding says what is wrong.
    let id = doc.add_finding("a".into(), today(), |_| {}).unwrap();
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    let (_, findings) = am.get(ROOT, "findings").unwrap().unwrap();
    let (_, finding) = am.get(&findings, id.as_str()).unwrap().unwrap();
    let clocks = match am.get(&finding, "clocks").unwrap() {
        Some((_, obj)) => obj,
        None => am.put_object(&finding, "clocks", ObjType::Map).unwrap(),
    };
    am.put(&clocks, "plan_due_days", 4_000_000_000_u64).unwrap();
    let opened = RegisterDoc::open(&am.save(), actor(1), clock).unwrap();
    let attention = opened.attention(&id).join(" ");
    assert!(attention.contains("Plan due"), "{attention}");
}
