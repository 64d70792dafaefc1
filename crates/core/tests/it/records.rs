//! The lifecycle of records: a new finding is a draft until it has a
//! title, deletion needs a reason and can be undone, audits and the
//! register's own details are edited through their intents.

use crate::common;

use common::today;

use automerge::ActorId;
use chrono::NaiveDate;
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::{Audit, Auditor, Source};

fn colleague(base: &RegisterDoc, n: u8) -> RegisterDoc {
    let mut doc = RegisterDoc::open(&base.save(), ActorId::from([n; 16]), common::clock).unwrap();
    doc.set_me(&Auditor {
        name: "Sam Roe".into(),
        initials: "SR".into(),
    })
    .unwrap();
    doc
}

fn ops(doc: &RegisterDoc, id: &str) -> Vec<String> {
    doc.history(id).unwrap().into_iter().map(|e| e.op).collect()
}

fn date(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
}

// ----- drafts -------------------------------------------------------------

#[test]
fn a_new_finding_is_a_draft_until_it_has_a_title() {
    let mut doc = common::acme_register();
    let id = doc.add_finding("a".into(), today(), |_| {}).unwrap();
    assert!(doc.is_draft(&id));
    assert!(doc.is_untouched_draft(&id));
    doc.update_finding(&id, today(), |f| f.owner = "Ops".into())
        .unwrap();
    assert!(doc.is_draft(&id), "an edit by its author keeps it a draft");
    assert!(!doc.is_untouched_draft(&id), "but someone typed into it");
    doc.update_finding(&id, today(), |f| f.title = "Backups untested".into())
        .unwrap();
    assert!(!doc.is_draft(&id));
    let refused = doc.discard_finding(&id).unwrap_err();
    assert!(matches!(refused, DocError::Refused(ref m) if m.contains("has a title")));
    assert!(doc.finding(&id).is_some());
}

#[test]
fn discarding_a_draft_leaves_no_finding_and_frees_its_reference() {
    let mut doc = common::acme_register();
    let id = doc.add_finding("a".into(), today(), |_| {}).unwrap();
    assert_eq!(doc.finding(&id).unwrap().reference, "NC-2026-JD-001");
    doc.take_changes();
    doc.discard_finding(&id).unwrap();
    assert!(doc.finding(&id).is_none());
    assert!(
        doc.take_changes().findings.contains(&id),
        "readers hear of it"
    );
    assert_eq!(doc.cache_state(), doc.reread_state().unwrap());
    let next = doc.add_finding("b".into(), today(), |_| {}).unwrap();
    assert_eq!(doc.finding(&next).unwrap().reference, "NC-2026-JD-001");
    // The discard is one change, noted as such.
    let reopened = RegisterDoc::open(&doc.save(), ActorId::from([9; 16]), common::clock).unwrap();
    assert!(reopened.finding("a").is_none());
    assert_eq!(ops(&reopened, "a"), ["add_finding", "discard_finding"]);
}

#[test]
fn a_finding_someone_else_wrote_to_cannot_be_discarded() {
    let mut mine = common::acme_register();
    let id = mine.add_finding("a".into(), today(), |_| {}).unwrap();
    let mut theirs = colleague(&mine, 2);
    theirs
        .update_finding(&id, today(), |f| f.owner = "Facilities".into())
        .unwrap();
    mine.merge_bytes(&theirs.save()).unwrap();
    assert!(!mine.is_draft(&id), "another author touched it");
    let refused = mine.discard_finding(&id).unwrap_err();
    assert!(matches!(refused, DocError::Refused(ref m) if m.contains("someone else")));
    assert!(mine.finding(&id).is_some());
    // Nor can the colleague discard what they did not create.
    let refused = theirs.discard_finding(&id).unwrap_err();
    assert!(matches!(refused, DocError::Refused(_)));
}

#[test]
fn a_reopened_register_holds_no_drafts() {
    let mut doc = common::acme_register();
    doc.add_finding("a".into(), today(), |_| {}).unwrap();
    let mut later = RegisterDoc::open(&doc.save(), ActorId::from([1; 16]), common::clock).unwrap();
    assert!(!later.is_draft("a"));
    assert!(later.discard_finding("a").is_err());
}

#[test]
fn a_copy_that_received_the_draft_drops_it_when_its_author_discards_it() {
    let mut mine = common::acme_register();
    mine.add_finding("a".into(), today(), |_| {}).unwrap();
    let mut theirs = colleague(&mine, 2);
    mine.discard_finding("a").unwrap();
    let summary = theirs.merge_bytes(&mine.save()).unwrap();
    assert!(theirs.finding("a").is_none(), "never a record: not kept");
    assert!(summary.removed.is_empty());
}

#[test]
fn a_discarded_draft_someone_else_edited_is_kept_deleted() {
    let mut mine = common::acme_register();
    mine.add_finding("a".into(), today(), |_| {}).unwrap();
    let mut theirs = colleague(&mine, 2);
    theirs
        .update_finding("a", today(), |f| f.owner = "Facilities".into())
        .unwrap();
    // Discarded before the colleague's edit arrived.
    mine.discard_finding("a").unwrap();
    let summary = theirs.merge_bytes(&mine.save()).unwrap();
    let kept = theirs.finding("a").expect("their edit is not lost");
    assert!(kept.deleted);
    assert_eq!(kept.owner, "Facilities");
    assert!(summary.removed.iter().any(|r| r.id == "a" && r.kept));
}

// ----- deletion -----------------------------------------------------------

#[test]
fn deleting_needs_a_reason() {
    let mut doc = common::acme_register();
    let id = doc
        .add_finding("a".into(), today(), |f| f.title = "Backups".into())
        .unwrap();
    for reason in ["", "   \n"] {
        let err = doc.delete_finding(&id, reason, today()).unwrap_err();
        assert!(err.to_string().contains("Reason for deletion"), "{err}");
    }
    assert!(!doc.finding(&id).unwrap().deleted);
    assert!(doc.delete_finding("nope", "Duplicate", today()).is_err());
}

#[test]
fn a_deleted_finding_keeps_its_reason_and_restoring_clears_only_the_flag() {
    let mut doc = common::acme_register();
    let id = doc
        .add_finding("a".into(), today(), |f| f.title = "Backups".into())
        .unwrap();
    doc.delete_finding(&id, "  Raised twice  ", today())
        .unwrap();
    let f = doc.finding(&id).unwrap();
    assert!(f.deleted);
    assert_eq!(f.deletion_reason, "Raised twice");
    assert_eq!(
        doc.live_findings().count(),
        0,
        "out of the table and exports"
    );
    // Deleting again changes nothing: the first reason stands.
    doc.delete_finding(&id, "Other", today()).unwrap();
    assert_eq!(doc.finding(&id).unwrap().deletion_reason, "Raised twice");
    doc.restore_finding(&id, today()).unwrap();
    let f = doc.finding(&id).unwrap();
    assert!(!f.deleted);
    assert_eq!(f.deletion_reason, "Raised twice");
    assert_eq!(doc.live_findings().count(), 1);
    assert_eq!(
        ops(&doc, &id),
        ["add_finding", "delete_finding", "restore_finding"]
    );
    let entry = doc
        .history(&id)
        .unwrap()
        .into_iter()
        .find(|e| e.op == "delete_finding")
        .unwrap();
    assert_eq!(entry.actor, ActorId::from([1u8; 16]).to_hex_string());
}

#[test]
fn the_deletion_reason_survives_a_reopen() {
    let mut doc = common::acme_register();
    doc.add_finding("a".into(), today(), |f| f.title = "Backups".into())
        .unwrap();
    doc.delete_finding("a", "Duplicate of NC-2026-JD-002", today())
        .unwrap();
    let reopened = RegisterDoc::open(&doc.save(), ActorId::from([3; 16]), common::clock).unwrap();
    assert_eq!(
        reopened.finding("a").unwrap().deletion_reason,
        "Duplicate of NC-2026-JD-002"
    );
}

// ----- audits -------------------------------------------------------------

fn audit(id: &str, title: &str) -> Audit {
    Audit {
        id: id.into(),
        title: title.into(),
        kind: Source::InternalAudit,
        starts_on: date("2026-10-01"),
        ends_on: date("2026-10-03"),
        lead_auditor: "Jane Doe".into(),
        scope: "Head office".into(),
    }
}

#[test]
fn audits_are_added_edited_and_chosen() {
    let mut doc = common::acme_register();
    doc.put_audit(audit("q4", "  Internal audit Q4  ")).unwrap();
    assert_eq!(doc.audits()["q4"].title, "Internal audit Q4");
    let mut edited = doc.audits()["q4"].clone();
    edited.kind = Source::Surveillance;
    edited.ends_on = date("2026-10-05");
    doc.put_audit(edited.clone()).unwrap();
    assert_eq!(doc.audits()["q4"], edited);
    let id = doc
        .add_finding("a".into(), today(), |f| f.audit = "q4".into())
        .unwrap();
    assert_eq!(doc.finding(&id).unwrap().audit, "q4");
}

#[test]
fn an_audit_needs_a_title_and_cannot_end_before_it_starts() {
    let mut doc = common::acme_register();
    let err = doc.put_audit(audit("x", " ")).unwrap_err();
    assert!(err.to_string().contains("Audit title"), "{err}");
    let mut backwards = audit("y", "Stage 2");
    backwards.ends_on = date("2026-09-30");
    let err = doc.put_audit(backwards).unwrap_err();
    assert!(err.to_string().contains("Audit end"), "{err}");
    assert!(doc.audits().is_empty());
    // One day is fine.
    let mut one_day = audit("z", "Stage 1");
    one_day.ends_on = one_day.starts_on;
    doc.put_audit(one_day).unwrap();
}

#[test]
fn two_auditors_adding_audits_at_once_keep_both() {
    let mut mine = common::acme_register();
    let mut theirs = colleague(&mine, 2);
    mine.put_audit(audit("7f0c", "Internal audit Q4")).unwrap();
    theirs.put_audit(audit("91ab", "Supplier audit")).unwrap();
    mine.merge_bytes(&theirs.save()).unwrap();
    assert_eq!(mine.audits().len(), 2);
}

// ----- register details ---------------------------------------------------

#[test]
fn register_details_are_edited_in_one_change_on_the_register() {
    let mut doc = common::acme_register();
    doc.take_changes();
    doc.update_register_info(NewRegister {
        name: "  ACME ISMS 2027 ".into(),
        organisation: "ACME Group".into(),
        scope: "All UK sites".into(),
    })
    .unwrap();
    let info = doc.info().unwrap();
    assert_eq!(info.id, "reg-1", "the id never changes");
    assert_eq!(info.name, "ACME ISMS 2027");
    assert_eq!(info.organisation, "ACME Group");
    assert_eq!(info.scope, "All UK sites");
    let changes = doc.take_changes();
    assert!(changes.register && changes.findings.is_empty());
    let reopened = RegisterDoc::open(&doc.save(), ActorId::from([3; 16]), common::clock).unwrap();
    assert_eq!(reopened.info().unwrap().name, "ACME ISMS 2027");
}

#[test]
fn a_register_keeps_a_name() {
    let mut doc = common::acme_register();
    let err = doc
        .update_register_info(NewRegister {
            name: "  ".into(),
            organisation: "ACME".into(),
            scope: String::new(),
        })
        .unwrap_err();
    assert!(err.to_string().contains("Register name"), "{err}");
    assert_eq!(doc.info().unwrap().name, "ACME ISMS 2026");
}

#[test]
fn the_deleted_list_knows_who_deleted_and_when() {
    let mut doc = common::acme_register();
    doc.add_finding("a".into(), today(), |f| f.title = "Backups".into())
        .unwrap();
    doc.add_finding("b".into(), today(), |f| f.title = "Doors".into())
        .unwrap();
    doc.delete_finding("a", "Duplicate", today()).unwrap();
    let deletions = doc.deletions();
    assert_eq!(deletions.len(), 1);
    assert_eq!(deletions["a"].by, "Jane Doe");
    assert_eq!(deletions["a"].at, common::clock());
}
