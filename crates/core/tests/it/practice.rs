//! Certification-body practice through the document: systemic patterns and
//! the major raised for them, disputes of a body's findings, observations
//! closed without corrective action, and what a colleague's copy sees of
//! each after a merge.

use crate::common;

use common::{clock, today};

use automerge::ActorId;
use ncr_core::document::{DocError, RegisterDoc};
use ncr_core::model::{
    Auditor, Disposition, DisputeOutcome, Grade, Settings, SimilarVerdict, Source, Status,
};
use ncr_core::patterns::{self, Shape};

fn minor(doc: &mut RegisterDoc, id: &str, requirement: &str, source: Source) -> String {
    doc.add_finding(id.into(), today(), |f| {
        f.title = format!("Finding {id}");
        f.grade = Grade::Minor;
        f.source = source;
        f.area = "IT operations".into();
        f.statement = "Access reviews are not done.".into();
        f.evidence = "No review records for Q3.".into();
        f.requirements.insert(requirement.into(), true);
    })
    .unwrap()
}

/// An observation with what closing keeps of every finding.
fn observation(doc: &mut RegisterDoc) -> String {
    doc.add_finding("obs".into(), today(), |f| {
        f.title = "Visitor badges".into();
        f.grade = Grade::Observation;
        f.statement = "Badges may not be returned.".into();
        f.evidence = "Two badges found in the lounge.".into();
        f.requirements.insert("A.7.2".into(), true);
    })
    .unwrap()
}

fn colleague(doc: &RegisterDoc) -> RegisterDoc {
    let mut theirs = RegisterDoc::open(&doc.save(), ActorId::from([2u8; 16]), clock).unwrap();
    theirs
        .set_me(&Auditor {
            name: "Sam Roe".into(),
            initials: "SR".into(),
        })
        .unwrap();
    theirs
}

#[test]
fn three_minors_on_one_control_raise_one_linked_major_that_answers_the_pattern() {
    let mut doc = common::acme_register();
    for id in ["m1", "m2", "m3"] {
        minor(&mut doc, id, "A.5.18", Source::InternalAudit);
    }
    let found = patterns::find(doc.findings(), &doc.settings());
    assert_eq!(found.len(), 1);
    let shape = found[0].shape.clone();
    assert_eq!(shape, Shape::Requirement("A.5.18".into()));

    let major = doc
        .raise_systemic_major("major".into(), &shape, today())
        .unwrap();
    let f = doc.finding(&major).unwrap().clone();
    assert_eq!(f.grade, Grade::Major);
    assert_eq!(f.status, Status::Open);
    assert_eq!(f.source, Source::InternalAudit, "the minors' own source");
    assert_eq!(f.area, "IT operations");
    assert_eq!(f.requirement_list(), ["A.5.18"]);
    assert!(f
        .statement
        .starts_with("3 minor nonconformities concern A.5.18"));
    for id in ["m1", "m2", "m3"] {
        assert_eq!(f.similar.get(id), Some(&SimilarVerdict::Linked));
        let m = doc.finding(id).unwrap();
        assert_eq!(m.similar.get(&major), Some(&SimilarVerdict::Linked), "{id}");
        assert!(f.evidence.contains(&m.reference));
    }
    let found = patterns::find(doc.findings(), &doc.settings());
    assert_eq!(found[0].answered_by, std::slice::from_ref(&major));

    // A second major for the same pattern is refused, and nothing changes.
    let before = doc.save();
    let err = doc
        .raise_systemic_major("again".into(), &shape, today())
        .unwrap_err();
    assert!(
        err.to_string().contains("already links these findings"),
        "{err}"
    );
    assert_eq!(doc.save(), before);
    assert!(doc.finding("again").is_none());

    // The colleague who merges sees the pattern answered too.
    let mut theirs = colleague(&doc);
    theirs.merge_bytes(&doc.save()).unwrap();
    let found = patterns::find(theirs.findings(), &theirs.settings());
    assert_eq!(found[0].answered_by, [major]);
}

#[test]
fn a_pattern_that_no_longer_holds_raises_nothing() {
    let mut doc = common::acme_register();
    for id in ["m1", "m2", "m3"] {
        minor(&mut doc, id, "A.5.18", Source::InternalAudit);
    }
    doc.delete_finding("m3", "Duplicate", today()).unwrap();
    let shape = Shape::Requirement("A.5.18".into());
    let before = doc.save();
    let err = doc
        .raise_systemic_major("major".into(), &shape, today())
        .unwrap_err();
    assert!(matches!(err, DocError::Refused(_)), "{err:?}");
    assert_eq!(doc.save(), before);
}

#[test]
fn the_threshold_is_a_validated_register_setting() {
    let mut doc = common::acme_register();
    for id in ["m1", "m2"] {
        minor(&mut doc, id, "A.5.18", Source::InternalAudit);
    }
    assert!(patterns::find(doc.findings(), &doc.settings()).is_empty());
    doc.update_settings(Settings {
        pattern_minors: 2,
        ..doc.settings()
    })
    .unwrap();
    assert_eq!(patterns::find(doc.findings(), &doc.settings()).len(), 1);
    for wrong in [0, 1, 51] {
        let err = doc
            .update_settings(Settings {
                pattern_minors: wrong,
                ..doc.settings()
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("Minors that make a pattern"),
            "{err}"
        );
    }
    // A register written before the setting existed reads the default.
    let reopened = RegisterDoc::open(&doc.save(), ActorId::from([1u8; 16]), clock).unwrap();
    assert_eq!(reopened.settings().pattern_minors, 2);
    assert_eq!(Settings::default().pattern_minors, 3);
}

#[test]
fn a_certification_bodys_minors_raise_a_self_identified_major() {
    let mut doc = common::acme_register();
    for id in ["m1", "m2", "m3"] {
        minor(&mut doc, id, "A.5.18", Source::Surveillance);
    }
    let major = doc
        .raise_systemic_major(
            "major".into(),
            &Shape::Requirement("A.5.18".into()),
            today(),
        )
        .unwrap();
    assert_eq!(doc.finding(&major).unwrap().source, Source::SelfIdentified);
}

#[test]
fn a_body_finding_is_disputed_and_withdrawn_and_both_copies_agree() {
    let mut doc = common::acme_register();
    let id = minor(&mut doc, "cb", "A.7.7", Source::Stage2);
    let err = doc
        .update_finding(&id, today(), |f| f.rejection_reason = "Unfounded".into())
        .and_then(|()| doc.change_status(&id, Status::Rejected, today()))
        .unwrap_err();
    assert!(err.to_string().contains("record a dispute"), "{err}");
    doc.update_finding(&id, today(), |f| {
        f.dispute.reason = "The desk is a staffed hand-over counter.".into();
        f.dispute.raised_on = Some(today());
    })
    .unwrap();
    // The body has not answered: the finding stays open, clocks running.
    assert!(doc.change_status(&id, Status::Withdrawn, today()).is_err());
    let mut theirs = colleague(&doc);
    theirs
        .update_finding(&id, today(), |f| {
            f.dispute.answer = "Accepted; withdrawn in report revision 2.".into();
            f.dispute.outcome = Some(DisputeOutcome::Withdrawn);
        })
        .unwrap();
    theirs
        .change_status(&id, Status::Withdrawn, today())
        .unwrap();
    doc.merge_bytes(&theirs.save()).unwrap();
    let f = doc.finding(&id).unwrap();
    assert_eq!(f.status, Status::Withdrawn);
    assert_eq!(f.dispute.reason, "The desk is a staffed hand-over counter.");
    assert_eq!(f.dispute.outcome, Some(DisputeOutcome::Withdrawn));
    assert_eq!(
        ncr_core::query::urgency(f, &doc.settings(), today()),
        ncr_core::deadlines::DueState::Done
    );
}

#[test]
fn an_observation_closes_as_not_taken_up_and_the_record_says_so_everywhere() {
    let mut doc = common::acme_register();
    let id = observation(&mut doc);
    let f = doc.finding(&id).unwrap();
    assert_eq!(ncr_core::deadlines::plan_due(f, &doc.settings()), None);
    let err = doc.change_status(&id, Status::Closed, today()).unwrap_err();
    assert!(
        err.to_string().contains("considered or not taken up"),
        "{err}"
    );
    doc.update_finding(&id, today(), |f| {
        f.disposition = Some(Disposition::NotTakenUp);
        f.disposition_reason = "Badges are deactivated at the end of each day.".into();
    })
    .unwrap();
    doc.change_status(&id, Status::Closed, today()).unwrap();
    let f = doc.finding(&id).unwrap();
    assert_eq!(f.status, Status::Closed);
    assert_eq!(f.closure.closed_by, "Jane Doe");

    let ctx = ncr_core::exchange::ExportContext::of(&doc);
    let columns = ncr_core::exchange::finding_columns();
    let cell = |header: &str| {
        let c = columns.iter().find(|c| c.header == header).unwrap();
        (c.value)(f, &ctx).csv_text()
    };
    assert_eq!(cell("Closed as"), "Not taken up");
    assert_eq!(
        cell("Reason for closing without action"),
        "Badges are deactivated at the end of each day."
    );
    assert_eq!(cell("Plan due"), "");
}

#[test]
fn a_register_from_before_these_fields_opens_with_their_defaults() {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ReadDoc, ROOT};
    let mut doc = common::acme_register();
    let id = minor(&mut doc, "old", "A.5.18", Source::InternalAudit);
    // Strip the members this version added, as an older version wrote it.
    let mut raw = automerge::AutoCommit::load(&doc.save()).unwrap();
    let (_, findings) = raw.get(ROOT, "findings").unwrap().unwrap();
    let (_, f) = raw.get(&findings, id.as_str()).unwrap().unwrap();
    for key in ["follow_up", "disposition", "disposition_reason", "dispute"] {
        raw.delete(&f, key).unwrap();
    }
    let (_, settings) = raw.get(ROOT, "settings").unwrap().unwrap();
    raw.delete(&settings, "pattern_minors").unwrap();
    assert!(matches!(
        raw.get(&findings, id.as_str()).unwrap(),
        Some((automerge::Value::Object(ObjType::Map), _))
    ));
    let old = RegisterDoc::open(&raw.save(), ActorId::from([1u8; 16]), clock).unwrap();
    let f = old.finding(&id).unwrap();
    assert_eq!((f.follow_up, f.disposition), (None, None));
    assert!(f.dispute.reason.is_empty());
    assert!(old.marks(&id).is_empty(), "{:?}", old.marks(&id));
    assert_eq!(old.settings().pattern_minors, 3);
}

#[test]
fn merged_edits_that_disagree_with_the_grade_or_source_are_pointed_out() {
    let mut doc = common::acme_register();
    let id = observation(&mut doc);
    let mut theirs = colleague(&doc);
    // Here it is closed as considered; there, meanwhile, regraded minor.
    doc.update_finding(&id, today(), |f| {
        f.disposition = Some(Disposition::Considered);
        f.disposition_reason = "Covered by the new badge readers.".into();
    })
    .unwrap();
    doc.change_status(&id, Status::Closed, today()).unwrap();
    theirs
        .update_finding(&id, today(), |f| f.grade = Grade::Minor)
        .unwrap();
    assert!(doc.attention(&id).is_empty());
    doc.merge_bytes(&theirs.save()).unwrap();
    let notes = doc.attention(&id);
    assert_eq!(
        notes,
        ["Closed without corrective action, but graded minor: a nonconformity is closed only through its corrective actions. Reconsider it, or correct the grade."]
    );
    // Reconsidering clears it: the finding is open again, its disposition gone.
    doc.change_status(&id, Status::Open, today()).unwrap();
    assert!(doc.attention(&id).is_empty());

    // Rejected here while there the source became a certification body's.
    let id = minor(&mut doc, "cb", "A.5.18", Source::InternalAudit);
    let mut theirs = colleague(&doc);
    doc.update_finding(&id, today(), |f| f.rejection_reason = "Duplicate".into())
        .unwrap();
    doc.change_status(&id, Status::Rejected, today()).unwrap();
    theirs
        .update_finding(&id, today(), |f| f.source = Source::Surveillance)
        .unwrap();
    doc.merge_bytes(&theirs.save()).unwrap();
    assert!(doc.attention(&id)[0].starts_with("Rejected, but a certification body raised it"));
}
