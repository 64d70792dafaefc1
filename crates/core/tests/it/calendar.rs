//! The deadlines calendar (`exchange::ics`), read back with an independent
//! parser (the `icalendar` crate), so an escaping, folding or date mistake
//! cannot hide behind our own reading of the format.
//!
//! Native only: the parser is a native dev-dependency.

#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use icalendar::{Calendar, Component, DatePerhapsTime};
use ncr_core::deadlines;
use ncr_core::demo::build_demo;
use ncr_core::exchange::file_name;
use ncr_core::exchange::ics::{
    export_deadlines, running_deadlines, write_calendar, DeadlineKind, ICS_EXTENSION,
};
use ncr_core::model::{
    ActionStatus, CorrectiveAction, Finding, Grade, ReviewResult, Settings, Status,
};

use common::{clock, today};

const BASE: &str = "https://example.org/tools/ncr/";

/// 2026-11-28T09:30:00Z.
const STAMP: i64 = 1_795_858_200_000;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn finding(id: &str, reference: &str, grade: Grade, detected: NaiveDate) -> Finding {
    let mut f = Finding::new(id.into(), reference.into());
    f.title = format!("Finding {id}");
    f.grade = grade;
    f.detected_on = Some(detected);
    f
}

fn action(
    id: &str,
    description: &str,
    due: Option<NaiveDate>,
    status: ActionStatus,
) -> (String, CorrectiveAction) {
    (
        id.into(),
        CorrectiveAction {
            id: id.into(),
            description: description.into(),
            owner: "IT".into(),
            due,
            status,
            done_on: None,
        },
    )
}

/// What a calendar program would import, by UID.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Imported {
    start: NaiveDate,
    end: Option<NaiveDate>,
    summary: String,
    description: String,
    url: String,
}

fn import(text: &str) -> BTreeMap<String, Imported> {
    let calendar: Calendar = text.parse().expect("the icalendar crate reads the file");
    let mut events = BTreeMap::new();
    for component in &calendar.components {
        let Some(event) = component.as_event() else {
            continue;
        };
        let day = |d: Option<DatePerhapsTime>| match d {
            Some(DatePerhapsTime::Date(d)) => Some(d),
            other => panic!("an all-day date, not {other:?}"),
        };
        let uid = event.get_uid().expect("every event has a UID").to_owned();
        let imported = Imported {
            start: day(event.get_start()).unwrap(),
            end: event.get_end().and_then(|e| day(Some(e))),
            summary: event.get_summary().unwrap_or_default().to_owned(),
            description: event.get_description().unwrap_or_default().to_owned(),
            url: event.get_url().unwrap_or_default().to_owned(),
        };
        assert!(
            events.insert(uid.clone(), imported).is_none(),
            "UID {uid} twice"
        );
    }
    events
}

/// RFC 5545 3.1, checked on the raw text (a tolerant parser would forgive
/// both): CRLF line endings only, and no line over 75 octets.
fn assert_well_formed(text: &str) {
    assert!(text.ends_with("\r\n"), "ends with CRLF");
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "a bare CR or LF"
    );
    for line in text.split_terminator("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

/// Every kind of running and stopped deadline once.
fn register_findings() -> Vec<Finding> {
    // Major, open: plan and close running; one action in progress, one
    // planned without a date, one done; a review due.
    let mut major = finding("f-major", "NC-2026-JD-001", Grade::Major, date(2026, 10, 1));
    major.actions.extend([
        action(
            "a1",
            "Assign an owner",
            Some(date(2026, 12, 15)),
            ActionStatus::InProgress,
        ),
        action("a2", "No date yet", None, ActionStatus::Planned),
        action(
            "a3",
            "Disable leavers",
            Some(date(2026, 11, 1)),
            ActionStatus::Done,
        ),
        action(
            "a4",
            "Dropped",
            Some(date(2026, 11, 2)),
            ActionStatus::Cancelled,
        ),
    ]);
    major.review.due = Some(date(2027, 2, 1));
    // Minor with a plan: the plan clock has stopped; an action planned.
    let mut planned = finding(
        "f-planned",
        "NC-2026-JD-002",
        Grade::Minor,
        date(2026, 9, 1),
    );
    planned.status = Status::ActionPlanned;
    planned.actions.extend([action(
        "b1",
        "",
        Some(date(2026, 12, 1)),
        ActionStatus::Planned,
    )]);
    // An observation: no certification-body clock, its own follow-up date.
    let mut obs = finding(
        "f-obs",
        "NC-2026-JD-003",
        Grade::Observation,
        date(2026, 11, 20),
    );
    obs.follow_up = Some(date(2026, 12, 20));
    // Reviewed effective, waiting to be closed: no review event.
    let mut effective = finding("f-eff", "NC-2026-JD-004", Grade::Minor, date(2026, 6, 1));
    effective.status = Status::Verifying;
    effective.review.due = Some(date(2026, 11, 1));
    effective.review.result = Some(ReviewResult::Effective);
    // Reopened after an ineffective review: the close clock runs and the
    // next review is due.
    let mut reopened = finding("f-reop", "NC-2026-JD-005", Grade::Major, date(2026, 8, 1));
    reopened.status = Status::Reopened;
    reopened.review.due = Some(date(2026, 12, 20));
    reopened.review.result = Some(ReviewResult::NotEffective);
    // Nothing at all from these.
    let mut closed = finding(
        "f-closed",
        "NC-2026-JD-006",
        Grade::Major,
        date(2026, 10, 1),
    );
    closed.status = Status::Closed;
    closed.review.due = Some(date(2026, 12, 1));
    let mut rejected = finding("f-rej", "NC-2026-JD-007", Grade::Minor, date(2026, 10, 1));
    rejected.status = Status::Rejected;
    let mut deleted = finding("f-del", "NC-2026-JD-008", Grade::Major, date(2026, 10, 1));
    deleted.deleted = true;
    let mut undated = finding(
        "f-undated",
        "NC-2026-JD-009",
        Grade::Major,
        date(2026, 1, 1),
    );
    undated.detected_on = None;
    vec![
        major, planned, obs, effective, reopened, closed, rejected, deleted, undated,
    ]
}

#[test]
fn one_event_per_running_deadline_with_its_date_title_and_link() {
    let findings = register_findings();
    let settings = Settings::default();
    let running = running_deadlines(&findings, &settings);
    let text = write_calendar("reg-1", "ACME ISMS 2026", &running, BASE, STAMP);
    assert_well_formed(&text);
    let events = import(&text);

    let expected: BTreeMap<&str, (NaiveDate, &str)> = [
        (
            "f-major.plan@nc-register",
            (
                date(2026, 10, 31),
                "NC-2026-JD-001 plan due: Finding f-major",
            ),
        ),
        (
            "f-major.close@nc-register",
            (
                date(2026, 12, 30),
                "NC-2026-JD-001 close due: Finding f-major",
            ),
        ),
        (
            "f-major.action-a1@nc-register",
            (
                date(2026, 12, 15),
                "NC-2026-JD-001 action due: Assign an owner",
            ),
        ),
        (
            "f-major.review@nc-register",
            (
                date(2027, 2, 1),
                "NC-2026-JD-001 review due: Finding f-major",
            ),
        ),
        (
            "f-planned.close@nc-register",
            (
                date(2027, 2, 28),
                "NC-2026-JD-002 close due: Finding f-planned",
            ),
        ),
        (
            "f-planned.action-b1@nc-register",
            (
                date(2026, 12, 1),
                "NC-2026-JD-002 action due: Finding f-planned",
            ),
        ),
        (
            "f-obs.follow-up@nc-register",
            (
                date(2026, 12, 20),
                "NC-2026-JD-003 follow-up due: Finding f-obs",
            ),
        ),
        (
            "f-eff.close@nc-register",
            (
                date(2026, 11, 28),
                "NC-2026-JD-004 close due: Finding f-eff",
            ),
        ),
        (
            "f-reop.close@nc-register",
            (
                date(2026, 10, 30),
                "NC-2026-JD-005 close due: Finding f-reop",
            ),
        ),
        (
            "f-reop.review@nc-register",
            (
                date(2026, 12, 20),
                "NC-2026-JD-005 review due: Finding f-reop",
            ),
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        events.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected.keys().copied().collect::<BTreeSet<_>>(),
    );
    for (uid, (due, summary)) in &expected {
        let e = &events[*uid];
        assert_eq!(e.start, *due, "{uid}");
        assert_eq!(e.end, due.succ_opt(), "{uid}: an all-day event");
        assert_eq!(e.summary, *summary, "{uid}");
        let fid = uid.split('.').next().unwrap();
        assert_eq!(e.url, format!("{BASE}#/r/reg-1/f/{fid}"), "{uid}");
        assert!(e.description.contains(&e.url), "{uid}: {}", e.description);
    }
    let plan = &events["f-major.plan@nc-register"].description;
    assert!(
        plan.contains("Corrective action plan due for NC-2026-JD-001."),
        "{plan}"
    );
    assert!(plan.contains("\nGrade: Major\n"), "{plan}");

    // The same dates the deadlines module gives (what the finding page shows).
    let major = &findings[0];
    assert_eq!(
        Some(events["f-major.plan@nc-register"].start),
        deadlines::plan_due(major, &settings)
    );
    assert_eq!(
        Some(events["f-major.close@nc-register"].start),
        deadlines::close_due(major, &settings)
    );
    assert!(text.contains("\r\nDTSTAMP:20261128T093000Z\r\n"));
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
}

#[test]
fn a_new_export_updates_the_same_events() {
    let findings = register_findings();
    let running = running_deadlines(&findings, &Settings::default());
    let first = write_calendar("reg-1", "ACME", &running, BASE, STAMP);
    let later = write_calendar("reg-1", "ACME", &running, BASE, STAMP + 86_400_000);
    assert_ne!(first, later, "the stamp moved");
    assert_eq!(
        import(&first).into_keys().collect::<Vec<_>>(),
        import(&later).into_keys().collect::<Vec<_>>(),
        "same UIDs, so a calendar replaces instead of duplicating"
    );
}

#[test]
fn special_characters_survive_escaping_and_folding() {
    let titles = [
        "Back\\slash; semi, comma\nnew line\r\nand CRLF",
        "=HYPERLINK(\"http://evil.example\",\"Click\")",
        "+44 20 7946 0000; @SUM(A1:A9), -1",
        // Long and non-ASCII: folded between characters, never inside one.
        &"Sécurité des accès à Zürich — 東京のデータセンター 🔐 ".repeat(6),
        "",
    ];
    let findings: Vec<Finding> = titles
        .iter()
        .enumerate()
        .map(|(n, t)| {
            let mut f = finding(
                &format!("f{n}"),
                &format!("NC-2026-ÉÜ-{n:03}"),
                Grade::Minor,
                date(2026, 11, 1),
            );
            f.title = (*t).to_owned();
            f
        })
        .collect();
    let running = running_deadlines(&findings, &Settings::default());
    let text = write_calendar("reg-1", "Registre; d'audit, 2026", &running, BASE, STAMP);
    assert_well_formed(&text);
    assert!(
        text.lines().any(|l| l.starts_with(' ')),
        "the long title was folded"
    );
    // A tolerant reader takes a bare comma or semicolon in TEXT as text, so
    // the escapes themselves are checked on the unfolded lines.
    let unfolded = text.replace("\r\n ", "");
    assert!(
        unfolded.contains(
            "\r\nSUMMARY:NC-2026-ÉÜ-000 plan due: Back\\\\slash\\; semi\\, comma\\nnew line\\nand CRLF\r\n"
        ),
        "{unfolded}"
    );
    assert!(unfolded
        .contains("\r\nX-WR-CALNAME:NC Register deadlines: Registre\\; d'audit\\, 2026\r\n"));
    let events = import(&text);
    for (n, title) in titles.iter().enumerate() {
        let e = &events[&format!("f{n}.plan@nc-register")];
        let shown = if title.is_empty() {
            "(untitled)".to_owned()
        } else {
            // Line breaks become the text's own newlines; the ends are trimmed.
            title.trim().replace("\r\n", "\n")
        };
        assert_eq!(e.summary, format!("NC-2026-ÉÜ-{n:03} plan due: {shown}"));
        assert!(
            e.description.contains(&format!("Title: {shown}\n")),
            "{}",
            e.description
        );
    }
}

#[test]
fn a_whole_register_exports_every_running_deadline() {
    let mut ids = 0;
    let doc = build_demo(
        automerge::ActorId::from([7u8; 16]),
        "demo-reg".into(),
        today(),
        clock,
        || {
            ids += 1;
            format!("id-{ids:04}")
        },
    )
    .unwrap();
    let text = String::from_utf8(export_deadlines(&doc, BASE, STAMP)).unwrap();
    assert_well_formed(&text);
    let events = import(&text);
    let running = running_deadlines(doc.findings().values(), &doc.settings());
    assert!(
        running.len() >= 10,
        "the demo has many deadlines: {}",
        running.len()
    );
    assert_eq!(events.len(), running.len());
    for d in &running {
        let key = match &d.kind {
            DeadlineKind::Plan => "plan".to_owned(),
            DeadlineKind::Close => "close".to_owned(),
            DeadlineKind::Action { id, .. } => format!("action-{id}"),
            DeadlineKind::Review => "review".to_owned(),
            DeadlineKind::FollowUp => "follow-up".to_owned(),
        };
        let e = &events[&format!("{}.{key}@nc-register", d.finding.id)];
        assert_eq!(e.start, d.due);
        assert_eq!(e.url, format!("{BASE}#/r/demo-reg/f/{}", d.finding.id));
        assert!(!d.finding.status.is_finished());
    }
    // The demo's observation at the Rotterdam depot has its follow-up date.
    let follow_up = running
        .iter()
        .find(|d| d.kind == DeadlineKind::FollowUp)
        .expect("the demo's follow-up date is exported");
    assert!(!follow_up.finding.grade.is_nonconformity());
    assert_eq!(Some(follow_up.due), follow_up.finding.follow_up);
    // No plan or closing event for an observation or OFI.
    assert!(!running.iter().any(|d| {
        !d.finding.grade.is_nonconformity()
            && matches!(d.kind, DeadlineKind::Plan | DeadlineKind::Close)
    }));
}

#[test]
fn many_findings() {
    let findings: Vec<Finding> = (0..2_000)
        .map(|n| {
            let mut f = finding(
                &format!("f{n}"),
                &format!("NC-2026-JD-{n:04}"),
                Grade::Major,
                date(2026, 1, 1) + chrono::Days::new(n % 365),
            );
            f.title = format!("Finding number {n}, with a comma; and a semicolon");
            f
        })
        .collect();
    let running = running_deadlines(&findings, &Settings::default());
    assert_eq!(running.len(), 4_000, "plan and close for each");
    let text = write_calendar("reg-1", "Big", &running, BASE, STAMP);
    assert_well_formed(&text);
    assert_eq!(import(&text).len(), 4_000);
    // Soonest first.
    assert!(running.windows(2).all(|w| w[0].due <= w[1].due));
}

#[test]
fn the_file_name_and_type() {
    assert_eq!(
        file_name(
            "ACME ISMS 2026",
            "Jane Doe",
            today().and_hms_opt(14, 32, 0).unwrap(),
            ICS_EXTENSION
        ),
        "acme-isms-2026--jane-doe--2026-11-28-1432.ics"
    );
    assert!(ncr_core::exchange::ics::ICS_MIME.starts_with("text/calendar"));
}
