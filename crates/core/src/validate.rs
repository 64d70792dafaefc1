//! Validation of what people type. The form saves every field as it is
//! edited, so an unfinished finding (no title yet) is valid; what is refused
//! is what can never be right: impossible or future dates, dates out of
//! order, absurdly long text, unusable auditor initials.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::model::{Audit, Auditor, Finding, Settings};
use crate::schema::{self, Kind, Value, Wild};

pub use crate::schema::{MAX_ACTIONS, MAX_ITEMS, MAX_TEXT};

/// Days a date may lie after the writer's "today": a colleague further east
/// is already a day ahead, and their finding must stay editable here. Dates
/// are calendar dates without a time zone, so one day is the whole margin.
pub const FUTURE_MARGIN_DAYS: i64 = 1;

/// One thing wrong, and where: `field` is the label the form shows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl std::error::Error for ValidationErrors {}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{e}.")?;
        }
        Ok(())
    }
}

impl ValidationErrors {
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|e| e.field == field)
    }

    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    fn into_result(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Parses a date typed or picked in a form (`YYYY-MM-DD`; empty means none).
pub fn parse_date(field: &str, text: &str) -> Result<Option<NaiveDate>, FieldError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            let shaped = t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-';
            if shaped {
                FieldError::new(field, format!("{t} is not a real date"))
            } else {
                FieldError::new(
                    field,
                    format!("\u{201c}{t}\u{201d} is not a date (use YYYY-MM-DD)"),
                )
            }
        })
}

fn check_text(errors: &mut ValidationErrors, field: &str, value: &str) {
    check_length(errors, field, value, MAX_TEXT);
}

fn check_length(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errors.push(field, format!("is {n} characters long; the limit is {max}"));
    }
}

fn check_date(
    errors: &mut ValidationErrors,
    field: &str,
    date: Option<NaiveDate>,
    not_before: Option<NaiveDate>,
    today: NaiveDate,
    may_be_future: bool,
) {
    let Some(d) = date else { return };
    if d.year() < 1970 {
        errors.push(field, format!("{d} is before 1970"));
    } else if !may_be_future && d > today + chrono::Duration::days(FUTURE_MARGIN_DAYS) {
        errors.push(field, format!("{d} is in the future"));
    } else if let Some(start) = not_before {
        if d < start {
            errors.push(
                field,
                format!("{d} is before the finding was detected ({start})"),
            );
        }
    }
}

/// Checks a finding as it is about to be written. `today` comes from the
/// caller: the core never reads the clock for validation, so tests are exact.
/// Dates may lie up to [`FUTURE_MARGIN_DAYS`] after `today`.
pub fn finding(f: &Finding, today: NaiveDate) -> Result<(), ValidationErrors> {
    checked(f, Some(today))
}

/// Checks a finding as stored or merged, where "today" is the writer's and
/// not ours: every rule of [`finding`] except dates in the future.
pub fn stored_finding(f: &Finding) -> Result<(), ValidationErrors> {
    checked(f, None)
}

fn checked(f: &Finding, today: Option<NaiveDate>) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    let today = today.unwrap_or(NaiveDate::MAX - chrono::Duration::days(FUTURE_MARGIN_DAYS + 1));
    for (field, n, limit) in schema::collections(f) {
        if n > limit {
            e.push(field, format!("are {n}; the limit is {limit}"));
        }
    }
    // Texts first, then dates, each in the schema's order.
    for field in schema::FIELDS {
        let Some(max) = field.limits.max_chars else {
            continue;
        };
        for wild in field.present(f) {
            if field.wild == Wild::Requirement {
                // A requirement's text is its key.
                check_length(&mut e, field.name(), &wild, max);
                if wild.trim().is_empty() {
                    e.push(field.name(), "is empty");
                }
            } else if let Some(Value::Text(t)) = (field.get)(f, &wild) {
                check_length(&mut e, field.name(), &t, max);
            }
        }
    }
    for (name, days) in clock_days(&f.clocks.over(&Settings::default())) {
        check_days(&mut e, name, days);
    }
    let detected = f.detected_on;
    for field in schema::FIELDS.iter().filter(|d| d.kind == Kind::Date) {
        for wild in field.present(f) {
            if let Some(Value::Date(date)) = (field.get)(f, &wild) {
                let not_before = if field.limits.after_detection {
                    detected
                } else {
                    None
                };
                let future = field.limits.future;
                check_date(&mut e, field.name(), date, not_before, today, future);
            }
        }
    }
    e.into_result()
}

/// The longest deadline accepted: ten years covers any certification
/// cycle, and a bigger number is a typo (or a crafted file).
pub const MAX_CLOCK_DAYS: u32 = 3650;

/// The register's deadline settings.
pub fn settings(s: &Settings) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    for (name, days) in clock_days(s) {
        check_days(&mut e, name, days);
    }
    if !(2..=MAX_PATTERN_MINORS).contains(&s.pattern_minors) {
        e.push(
            "Minors that make a pattern",
            format!(
                "is {}; give a whole number from 2 to {MAX_PATTERN_MINORS}",
                s.pattern_minors
            ),
        );
    }
    e.into_result()
}

/// Beyond this many, a pattern would never be seen in a real register.
pub const MAX_PATTERN_MINORS: u32 = 50;

fn clock_days(s: &Settings) -> [(&'static str, u32); 3] {
    [
        ("Plan due (days)", s.plan_due_days),
        ("Majors close within (days)", s.major_close_days),
        ("Minors close within (days)", s.minor_close_days),
    ]
}

fn check_days(e: &mut ValidationErrors, name: &str, days: u32) {
    if days > MAX_CLOCK_DAYS {
        e.push(
            name,
            format!("is {days} days; give a whole number of days from 0 to {MAX_CLOCK_DAYS}"),
        );
    }
}

/// Initials become part of every reference this auditor writes
/// (`NC-2026-JD-007`), so they must be short and plain.
pub fn auditor(a: &Auditor) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if a.name.trim().is_empty() {
        e.push("Name", "is required");
    }
    check_text(&mut e, "Name", &a.name);
    let initials = a.initials.trim();
    if initials.is_empty() {
        e.push("Initials", "are required");
    } else if !(1..=4).contains(&initials.chars().count())
        || !initials.chars().all(|c| c.is_ascii_alphabetic())
    {
        e.push("Initials", "must be one to four letters A-Z");
    }
    e.into_result()
}

/// A register's identity, at creation and when edited: a name is required.
pub fn register(name: &str, organisation: &str, scope: &str) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if name.trim().is_empty() {
        e.push("Register name", "is required");
    }
    check_text(&mut e, "Register name", name);
    check_text(&mut e, "Organisation", organisation);
    check_text(&mut e, "Scope", scope);
    e.into_result()
}

/// An audit: a title, and an end that is not before its start.
pub fn audit(a: &Audit) -> Result<(), ValidationErrors> {
    let mut e = ValidationErrors::default();
    if a.title.trim().is_empty() {
        e.push("Audit title", "is required");
    }
    check_text(&mut e, "Audit title", &a.title);
    check_text(&mut e, "Lead auditor", &a.lead_auditor);
    check_text(&mut e, "Audit scope", &a.scope);
    if let (Some(start), Some(end)) = (a.starts_on, a.ends_on) {
        if end < start {
            e.push("Audit end", "cannot be before its start");
        }
    }
    e.into_result()
}

/// Normalises initials as they are stored: trimmed, upper case.
pub fn normalise_initials(initials: &str) -> String {
    initials.trim().to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn impossible_dates_are_named() {
        assert_eq!(
            parse_date("Detected on", "2026-02-30")
                .unwrap_err()
                .to_string(),
            "Detected on: 2026-02-30 is not a real date"
        );
        assert!(parse_date("Detected on", "yesterday")
            .unwrap_err()
            .message
            .contains("use YYYY-MM-DD"));
        assert_eq!(parse_date("x", " ").unwrap(), None);
        assert_eq!(
            parse_date("x", "2028-02-29").unwrap(),
            Some(d("2028-02-29"))
        );
    }

    #[test]
    fn future_and_out_of_order_dates_are_refused() {
        let mut f = Finding::new("id".into(), "NC-1".into());
        f.detected_on = Some(d("2026-12-01"));
        let err = finding(&f, d("2026-11-28")).unwrap_err();
        assert_eq!(err.to_string(), "Detected on: 2026-12-01 is in the future.");
        // A colleague a time zone ahead is already on the next day.
        assert!(finding(&f, d("2026-11-30")).is_ok());
        assert!(
            stored_finding(&f).is_ok(),
            "merged data is not judged by our clock"
        );
        f.detected_on = Some(d("2026-11-01"));
        f.correction.done_on = Some(d("2026-10-01"));
        let err = finding(&f, d("2026-11-28")).unwrap_err();
        assert!(err.for_field("Correction date").is_some(), "{err}");
        f.correction.done_on = Some(d("2026-11-02"));
        assert!(finding(&f, d("2026-11-28")).is_ok());
    }

    #[test]
    fn unfinished_findings_are_valid() {
        let f = Finding::new("id".into(), "NC-1".into());
        assert!(finding(&f, d("2026-11-28")).is_ok());
    }

    #[test]
    fn text_is_bounded() {
        let mut f = Finding::new("id".into(), "NC-1".into());
        f.evidence = "x".repeat(MAX_TEXT + 1);
        assert!(finding(&f, d("2026-11-28"))
            .unwrap_err()
            .for_field("Evidence")
            .is_some());
    }

    #[test]
    fn lists_are_bounded() {
        let mut f = Finding::new("id".into(), "NC-1".into());
        for i in 0..=MAX_ACTIONS {
            f.actions.insert(format!("a{i}"), Default::default());
        }
        let err = stored_finding(&f).unwrap_err();
        assert!(err.for_field("Corrective actions").is_some(), "{err}");
    }

    #[test]
    fn initials_are_checked() {
        let ok = Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        };
        assert!(auditor(&ok).is_ok());
        for bad in ["", "J.D.", "ABCDE", "J1"] {
            let a = Auditor {
                name: "Jane".into(),
                initials: bad.into(),
            };
            assert!(
                auditor(&a).unwrap_err().for_field("Initials").is_some(),
                "{bad}"
            );
        }
        assert_eq!(normalise_initials(" jd "), "JD");
    }
}
