//! The running deadlines of the open findings as an iCalendar file
//! (RFC 5545), so they land in the auditor's own calendar with no server.
//!
//! One all-day event per running deadline: the plan and close clocks of
//! `deadlines` (a stopped clock is not exported), each corrective action's
//! due date while the action is planned or in progress, and the
//! effectiveness review's due date until a review found the action
//! effective, and an observation's or opportunity for improvement's
//! follow-up date. Closed, rejected, withdrawn and deleted findings have no
//! running deadline.
//!
//! Each event's `UID` is the finding's id and the deadline's kind, never a
//! random value, so importing a newer export updates the events instead of
//! duplicating them. Its `URL` opens the finding in the app: the caller
//! passes the page's address, which the core cannot know.
//!
//! Written by hand rather than with the `icalendar` crate: that crate asks
//! for chrono's and uuid's JavaScript backends on wasm32, which would put
//! wasm-bindgen into the core's dependency tree (`tests/it/dependencies.rs`),
//! and the part of the format needed here is a few dozen lines. The native
//! tests read the output back with that crate's parser.

use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate};

use crate::deadlines::{self, DueState};
use crate::document::RegisterDoc;
use crate::model::{ActionStatus, Finding, ReviewResult, Settings};
use crate::text::natural_cmp;

pub const ICS_MIME: &str = "text/calendar;charset=utf-8";

pub const ICS_EXTENSION: &str = "ics";

const PRODID: &str = "-//NC Register//Deadlines//EN";

/// The domain of every event's `UID`.
const UID_DOMAIN: &str = "nc-register";

/// RFC 5545 3.1: lines longer than this many octets (without the CRLF) are
/// folded.
const LINE_OCTETS: usize = 75;

/// Which deadline an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineKind {
    /// The corrective action plan (the certification body's response).
    Plan,
    /// Closing the finding.
    Close,
    /// A corrective action's own due date.
    Action { id: String, description: String },
    /// The effectiveness review.
    Review,
    /// An observation's or opportunity for improvement's follow-up date.
    FollowUp,
}

impl DeadlineKind {
    /// The word in the event's title: `NC-2026-JD-007 plan due: …`.
    fn word(&self) -> &'static str {
        match self {
            DeadlineKind::Plan => "plan",
            DeadlineKind::Close => "close",
            DeadlineKind::Action { .. } => "action",
            DeadlineKind::Review => "review",
            DeadlineKind::FollowUp => "follow-up",
        }
    }

    /// What the deadline asks for, in the event's description.
    fn sentence(&self) -> String {
        match self {
            DeadlineKind::Plan => "Corrective action plan due".into(),
            DeadlineKind::Close => "Closing due (corrected and verified)".into(),
            DeadlineKind::Action { description, .. } if description.trim().is_empty() => {
                "Corrective action due".into()
            }
            DeadlineKind::Action { description, .. } => {
                format!("Corrective action due: {}", description.trim())
            }
            DeadlineKind::Review => "Effectiveness review due".into(),
            DeadlineKind::FollowUp => {
                "Follow-up due (observation or opportunity for improvement)".into()
            }
        }
    }

    /// The `UID`'s middle part; stable for as long as the deadline exists.
    fn key(&self) -> String {
        match self {
            DeadlineKind::Action { id, .. } => format!("action-{}", uid_safe(id)),
            other => other.word().to_owned(),
        }
    }
}

/// One running deadline of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline<'a> {
    pub finding: &'a Finding,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
}

/// Every running deadline of the open findings, soonest first, then by
/// reference and kind (plan, close, actions, review), so two exports of one
/// register list the same events in the same order.
pub fn running_deadlines<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    settings: &Settings,
) -> Vec<Deadline<'a>> {
    let mut out = Vec::new();
    for f in findings {
        if f.deleted || f.status.is_finished() {
            continue;
        }
        // Whether a clock has stopped does not depend on the day asked.
        let any_day = NaiveDate::MIN;
        let mut push = |kind: DeadlineKind, due: Option<NaiveDate>| {
            if let Some(due) = due {
                out.push(Deadline {
                    finding: f,
                    kind,
                    due,
                });
            }
        };
        if deadlines::plan_state(f, settings, any_day) != DueState::Done {
            push(DeadlineKind::Plan, deadlines::plan_due(f, settings));
        }
        if deadlines::close_state(f, settings, any_day) != DueState::Done {
            push(DeadlineKind::Close, deadlines::close_due(f, settings));
        }
        if deadlines::follow_up_state(f, any_day) != DueState::Done {
            push(DeadlineKind::FollowUp, f.follow_up);
        }
        for a in f.actions.values() {
            if matches!(a.status, ActionStatus::Planned | ActionStatus::InProgress) {
                push(
                    DeadlineKind::Action {
                        id: a.id.clone(),
                        description: a.description.clone(),
                    },
                    a.due,
                );
            }
        }
        // A review that found the action not effective reopened the
        // finding: another review is still to come.
        if f.review.result != Some(ReviewResult::Effective) {
            push(DeadlineKind::Review, f.review.due);
        }
    }
    let rank = |k: &DeadlineKind| match k {
        DeadlineKind::Plan => 0,
        DeadlineKind::Close => 1,
        DeadlineKind::Action { .. } => 2,
        DeadlineKind::Review => 3,
        DeadlineKind::FollowUp => 4,
    };
    out.sort_by(|a, b| {
        a.due
            .cmp(&b.due)
            .then_with(|| natural_cmp(&a.finding.reference, &b.finding.reference))
            .then_with(|| a.finding.id.cmp(&b.finding.id))
            .then_with(|| rank(&a.kind).cmp(&rank(&b.kind)))
            .then_with(|| a.kind.key().cmp(&b.kind.key()))
    });
    out
}

/// The calendar of the register's running deadlines. `base_url` is the
/// app's address without its `#…` part; `stamp_ms` (milliseconds since the
/// Unix epoch) is when the file is written, its `DTSTAMP`.
pub fn export_deadlines(doc: &RegisterDoc, base_url: &str, stamp_ms: i64) -> Vec<u8> {
    let name = doc.info().map(|i| i.name).unwrap_or_default();
    let deadlines = running_deadlines(doc.findings().values(), &doc.settings());
    write_calendar(&doc.id(), &name, &deadlines, base_url, stamp_ms).into_bytes()
}

/// The link that opens a finding in the app (`#/r/<register>/f/<finding>`).
pub fn finding_url(base_url: &str, register_id: &str, finding_id: &str) -> String {
    // Only the page's own address: a hash from the caller would make two.
    let base = base_url.split('#').next().unwrap_or_default();
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    format!(
        "{base}#/r/{}/f/{}",
        path_segment(register_id),
        path_segment(finding_id)
    )
}

/// The calendar as text, CRLF line endings, long lines folded.
pub fn write_calendar(
    register_id: &str,
    register_name: &str,
    events: &[Deadline<'_>],
    base_url: &str,
    stamp_ms: i64,
) -> String {
    let stamp = DateTime::from_timestamp_millis(stamp_ms)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut out = String::new();
    let mut line = |text: &str| fold_into(&mut out, text);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line(&format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    let calendar_name = if register_name.trim().is_empty() {
        "NC Register deadlines".to_owned()
    } else {
        format!("NC Register deadlines: {}", register_name.trim())
    };
    // Not in RFC 5545, but the name most calendar programs show.
    line(&format!("X-WR-CALNAME:{}", escape_text(&calendar_name)));
    for d in events {
        // DATE values have four-digit years; anything else cannot be written.
        if !(1..=9999).contains(&d.due.year()) {
            continue;
        }
        let f = d.finding;
        let title = if f.title.trim().is_empty() {
            "(untitled)"
        } else {
            f.title.trim()
        };
        let subject = match &d.kind {
            DeadlineKind::Action { description, .. } if !description.trim().is_empty() => {
                description.trim()
            }
            _ => title,
        };
        let url = finding_url(base_url, register_id, &f.id);
        let description = format!(
            "{} for {}.\nTitle: {title}\nGrade: {}\nStatus: {}\nOpen in NC Register: {url}",
            d.kind.sentence(),
            f.reference.trim(),
            f.grade.label(),
            f.status.label(),
        );
        line("BEGIN:VEVENT");
        line(&format!(
            "UID:{}.{}@{UID_DOMAIN}",
            uid_safe(&f.id),
            d.kind.key()
        ));
        line(&format!("DTSTAMP:{stamp}"));
        line(&format!("DTSTART;VALUE=DATE:{}", ics_date(d.due)));
        // An all-day event ends (exclusively) the next day; on the last
        // representable day a DTSTART alone means the same (RFC 5545 3.6.1).
        if let Some(next) = d.due.succ_opt().filter(|n| n.year() <= 9999) {
            line(&format!("DTEND;VALUE=DATE:{}", ics_date(next)));
        }
        line(&format!(
            "SUMMARY:{}",
            escape_text(&format!(
                "{} {} due: {subject}",
                f.reference.trim(),
                d.kind.word()
            ))
        ));
        line(&format!("DESCRIPTION:{}", escape_text(&description)));
        line(&format!("URL:{url}"));
        // Two categories: the comma between them is the list's own.
        line(&format!(
            "CATEGORIES:NC Register,{}",
            escape_text(f.grade.label())
        ));
        // A deadline marks a day; it does not make the person busy.
        line("TRANSP:TRANSPARENT");
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

fn ics_date(d: NaiveDate) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// TEXT as RFC 5545 3.3.11 writes it: backslash, semicolon, comma and line
/// breaks escaped; other control characters, which TEXT may not hold, left
/// out.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded at 75 octets (RFC 5545 3.1): each continuation
/// starts with a space, which counts towards its 75, and a line is only cut
/// between characters, so a multi-byte character is never split.
fn fold_into(out: &mut String, line: &str) {
    let mut room = LINE_OCTETS;
    for c in line.chars() {
        let len = c.len_utf8();
        if len > room {
            out.push_str("\r\n ");
            room = LINE_OCTETS - 1;
        }
        out.push(c);
        room -= len;
    }
    out.push_str("\r\n");
}

/// A path segment of the app's hash route: ids are UUIDs, but a register
/// merged from another tool could hold any key, and nothing but URL-safe
/// characters may reach the `URL` property.
fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The same for a `UID`, which is TEXT: no character that needs escaping.
fn uid_safe(id: &str) -> String {
    path_segment(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_every_special_character_of_text() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h\ti"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ngh\ti"
        );
    }

    #[test]
    fn folding_keeps_lines_within_75_octets_and_never_splits_a_character() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        fold_into(&mut out, &long);
        for l in out.split_terminator("\r\n") {
            assert!(l.len() <= LINE_OCTETS, "{} octets: {l}", l.len());
        }
        // Unfolding (drop CRLF + one space) gives the line back.
        assert_eq!(out.replace("\r\n ", ""), format!("{long}\r\n"));
        let mut short = String::new();
        fold_into(&mut short, &"x".repeat(75));
        assert_eq!(short.matches("\r\n").count(), 1, "75 octets fit");
        let mut over = String::new();
        fold_into(&mut over, &"x".repeat(76));
        assert_eq!(over.matches("\r\n").count(), 2, "76 do not");
    }

    #[test]
    fn links_keep_the_page_address_and_encode_odd_ids() {
        assert_eq!(
            finding_url("https://example.org/tools/ncr/#/r/x", "r1", "f 1/\r\n"),
            "https://example.org/tools/ncr/#/r/r1/f/f%201%2F%0D%0A"
        );
    }
}
