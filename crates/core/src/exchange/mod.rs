//! Import and export formats.
//!
//! - **Register files** (`.ncr`): the register's whole Automerge document
//!   with its history, exactly what [`RegisterDoc::save`] writes. The bytes
//!   are a standard Automerge document, so the official JavaScript library
//!   (`Automerge.load`) reads them too; `.ncr` only tells people and file
//!   pickers which app the file belongs to. Files are merged, opened or
//!   copied by the document layer (`peek`, `merge_bytes`, `open`,
//!   `copy_findings_from`); this module only names them.
//! - **Spreadsheets** ([`csv`], [`xlsx`]): one row per finding, written from
//!   the same column list ([`finding_columns`], [`action_columns`]) so the
//!   CSV and the workbook never disagree; and findings read from a CSV with
//!   a column-mapping step ([`csv::CsvTable`], [`csv::suggest_mapping`]),
//!   or from a workbook's sheet read into the same table ([`xlsx_read`]).
//! - **Calendars** ([`ics`], `.ics`, RFC 5545): the running deadlines of the
//!   open findings, one all-day event each with a link back to the finding,
//!   for the auditor's own calendar. Export only.
//!
//! # Formula injection
//!
//! A spreadsheet program treats a cell that starts with `=`, `+`, `-` or `@`
//! (and, in some programs, a leading tab or carriage return) as a formula,
//! so a finding titled `=HYPERLINK("http://evil","click")` would run when
//! the export is opened. Exports never write formulas: the workbook writes
//! every text as a string cell (never parsed), and the CSV, which has no
//! cell types, prefixes such text with an apostrophe (`'=HYPERLINK…`), the
//! convention Excel and LibreOffice both display as plain text. See
//! [`neutralise`].
//!
//! [`RegisterDoc::save`]: crate::document::RegisterDoc::save

pub mod bundle;
pub mod csv;
pub mod ics;
pub mod import;
pub mod json;
pub mod sealed;
pub mod workbook;
#[cfg(feature = "xlsx")]
pub mod xlsx;
#[cfg(feature = "xlsx")]
pub mod xlsx_read;

use chrono::NaiveDate;

use crate::deadlines;
use crate::document::RegisterDoc;
use crate::model::{Audit, CorrectiveAction, Finding, Settings};
use crate::text;

/// The extension of register files (see the module documentation).
pub const REGISTER_EXTENSION: &str = "ncr";

/// The extension a sealed (age-encrypted) register file gets after its
/// own: `….ncr.age`, as the age tools name what they encrypt.
pub const SEALED_EXTENSION: &str = "age";

pub use sealed::is_sealed;

/// Register files are opaque bytes to everything but an Automerge reader.
pub const REGISTER_MIME: &str = "application/octet-stream";

pub const CSV_MIME: &str = "text/csv;charset=utf-8";

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Lower-case ASCII letters and digits separated by single hyphens, for
/// file names that survive every mail client and file system: accents are
/// folded (`Sécurité` → `securite`), anything else separates words.
pub fn slugify(text: &str) -> String {
    let folded = text::normalise(text);
    let mut out = String::with_capacity(folded.len());
    let mut gap = false;
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// `acme-isms-2026--jane-doe--2026-11-28-1432.<extension>`: the register,
/// who exported it and when (local date, hours and minutes, so two exports
/// of one day do not take each other's name), separated by double hyphens
/// so each part stays readable. A blank part falls back to a word rather
/// than vanishing.
pub fn file_name(
    register: &str,
    auditor: &str,
    at: chrono::NaiveDateTime,
    extension: &str,
) -> String {
    let or = |s: String, fallback: &str| {
        if s.is_empty() {
            fallback.to_owned()
        } else {
            s
        }
    };
    format!(
        "{}--{}--{}.{extension}",
        or(slugify(register), "register"),
        or(slugify(auditor), "auditor"),
        at.format("%Y-%m-%d-%H%M"),
    )
}

/// Whether a spreadsheet program would read `text` as a formula.
pub fn looks_like_formula(text: &str) -> bool {
    matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    )
}

/// Whether [`neutralise`] prefixes `text`: formula-looking text, and text
/// that already starts with apostrophes before formula-looking text (so
/// that taking one apostrophe off on import gives back exactly what was
/// written: `'=x` is written `''=x`).
fn needs_apostrophe(text: &str) -> bool {
    looks_like_formula(text) || text.strip_prefix('\'').is_some_and(needs_apostrophe)
}

/// Text as a CSV cell may carry it: formula-looking text gets a leading
/// apostrophe (see the module documentation); everything else is unchanged.
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if needs_apostrophe(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Undoes [`neutralise`]: an apostrophe it would have added comes off.
pub fn unneutralise(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if needs_apostrophe(rest) => rest,
        _ => text,
    }
}

/// One exported cell.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Text(String),
    /// A calendar date: a real date cell in the workbook, ISO 8601 in CSV.
    Date(Option<NaiveDate>),
}

impl Cell {
    /// The cell as CSV text (dates ISO, formula-looking text neutralised).
    pub fn csv_text(&self) -> String {
        match self {
            Cell::Text(t) => neutralise(t).into_owned(),
            Cell::Date(d) => d
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }
}

/// A column of an export: its header and how to read it off a record.
pub struct Column<T> {
    pub header: &'static str,
    /// Width in the workbook, in characters.
    pub width: f64,
    pub value: fn(&T, &ExportContext) -> Cell,
}

/// What a row needs beyond its own record.
pub struct ExportContext {
    pub settings: Settings,
    pub audits: std::collections::BTreeMap<String, Audit>,
    /// Live findings' references by id, for links between findings.
    pub references: std::collections::HashMap<String, String>,
}

impl ExportContext {
    pub fn of(doc: &RegisterDoc) -> ExportContext {
        ExportContext {
            settings: doc.settings(),
            audits: doc.audits(),
            references: doc
                .live_findings()
                .map(|f| (f.id.clone(), f.reference.clone()))
                .collect(),
        }
    }

    fn reference_of(&self, id: &str) -> Option<String> {
        self.references.get(id).cloned()
    }

    fn audit_title(&self, key: &str) -> String {
        self.audits
            .get(key)
            .map(|a| a.title.clone())
            .unwrap_or_else(|| key.to_owned())
    }
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn label_or_blank(label: Option<&str>) -> Cell {
    Cell::Text(label.unwrap_or_default().to_owned())
}

/// The findings sheet, left to right.
pub fn finding_columns() -> Vec<Column<Finding>> {
    vec![
        Column {
            header: "Reference",
            width: 18.0,
            value: |f, _| text(&f.reference),
        },
        Column {
            header: "Title",
            width: 40.0,
            value: |f, _| text(&f.title),
        },
        Column {
            header: "Grade",
            width: 14.0,
            value: |f, _| text(f.grade.label()),
        },
        Column {
            header: "Status",
            width: 14.0,
            value: |f, _| text(f.status.label()),
        },
        Column {
            header: "Requirements",
            width: 20.0,
            value: |f, _| Cell::Text(f.requirement_list().join(", ")),
        },
        Column {
            header: "Statement",
            width: 50.0,
            value: |f, _| text(&f.statement),
        },
        Column {
            header: "Evidence",
            width: 50.0,
            value: |f, _| text(&f.evidence),
        },
        Column {
            header: "Source",
            width: 18.0,
            value: |f, _| text(f.source.label()),
        },
        Column {
            header: "Audit",
            width: 24.0,
            value: |f, c| Cell::Text(c.audit_title(&f.audit)),
        },
        Column {
            header: "Area",
            width: 20.0,
            value: |f, _| text(&f.area),
        },
        Column {
            header: "Detected on",
            width: 12.0,
            value: |f, _| Cell::Date(f.detected_on),
        },
        Column {
            header: "Raised by",
            width: 18.0,
            value: |f, _| text(&f.raised_by),
        },
        Column {
            header: "Owner",
            width: 18.0,
            value: |f, _| text(&f.owner),
        },
        Column {
            header: "Cause category",
            width: 24.0,
            value: |f, _| Cell::Text(f.cause.map(|c| c.label().to_owned()).unwrap_or_default()),
        },
        Column {
            header: "Correction",
            width: 40.0,
            value: |f, _| text(&f.correction.description),
        },
        Column {
            header: "Correction done on",
            width: 12.0,
            value: |f, _| Cell::Date(f.correction.done_on),
        },
        Column {
            header: "Root-cause method",
            width: 16.0,
            value: |f, _| text(&f.root_cause.method),
        },
        Column {
            header: "Five whys",
            width: 40.0,
            value: |f, _| Cell::Text(import::whys_text(f)),
        },
        Column {
            header: "Root cause",
            width: 40.0,
            value: |f, _| text(&f.root_cause.statement),
        },
        Column {
            header: "Similar findings",
            width: 24.0,
            value: |f, c| Cell::Text(import::similar_text(f, |id| c.reference_of(id))),
        },
        Column {
            header: "Plan due",
            width: 12.0,
            value: |f, c| Cell::Date(deadlines::plan_due(f, &c.settings)),
        },
        Column {
            header: "Close due",
            width: 12.0,
            value: |f, c| Cell::Date(deadlines::close_due(f, &c.settings)),
        },
        Column {
            header: "Follow up on",
            width: 12.0,
            value: |f, _| Cell::Date(f.follow_up),
        },
        Column {
            header: "Actions",
            width: 50.0,
            value: |f, _| Cell::Text(actions_summary(f)),
        },
        Column {
            header: "Review due",
            width: 12.0,
            value: |f, _| Cell::Date(f.review.due),
        },
        Column {
            header: "Reviewer",
            width: 18.0,
            value: |f, _| text(&f.review.reviewer),
        },
        Column {
            header: "Reviewed on",
            width: 12.0,
            value: |f, _| Cell::Date(f.review.reviewed_on),
        },
        Column {
            header: "Review result",
            width: 14.0,
            value: |f, _| {
                Cell::Text(
                    f.review
                        .result
                        .map(|r| r.label().to_owned())
                        .unwrap_or_default(),
                )
            },
        },
        Column {
            header: "Review notes",
            width: 40.0,
            value: |f, _| text(&f.review.notes),
        },
        Column {
            header: "ISMS changes",
            width: 30.0,
            value: |f, _| text(&f.isms_changes),
        },
        Column {
            header: "Closed on",
            width: 12.0,
            value: |f, _| Cell::Date(f.closure.closed_on),
        },
        Column {
            header: "Closed by",
            width: 18.0,
            value: |f, _| text(&f.closure.closed_by),
        },
        Column {
            header: "Closed as",
            width: 14.0,
            value: |f, _| label_or_blank(f.disposition.map(|d| d.label())),
        },
        Column {
            header: "Reason for closing without action",
            width: 40.0,
            value: |f, _| text(&f.disposition_reason),
        },
        Column {
            header: "Rejection reason",
            width: 40.0,
            value: |f, _| text(&f.rejection_reason),
        },
        Column {
            header: "Dispute reason",
            width: 40.0,
            value: |f, _| text(&f.dispute.reason),
        },
        Column {
            header: "Disputed on",
            width: 12.0,
            value: |f, _| Cell::Date(f.dispute.raised_on),
        },
        Column {
            header: "Body's answer",
            width: 40.0,
            value: |f, _| text(&f.dispute.answer),
        },
        Column {
            header: "Dispute outcome",
            width: 20.0,
            value: |f, _| label_or_blank(f.dispute.outcome.map(|o| o.label())),
        },
        Column {
            header: "Id",
            width: 38.0,
            value: |f, _| text(&f.id),
        },
    ]
}

/// The finding's actions, one item each (an item's further lines
/// indented), in the form the import reads back: the actions sheet has them
/// field by field.
fn actions_summary(f: &Finding) -> String {
    sorted_actions(f)
        .into_iter()
        .map(import::action_line)
        .collect::<Vec<_>>()
        .join("\n")
}

fn sorted_actions(f: &Finding) -> Vec<&CorrectiveAction> {
    let mut actions: Vec<&CorrectiveAction> = f.actions.values().collect();
    actions.sort_by(|a, b| {
        (a.due.is_none(), a.due, &a.description).cmp(&(b.due.is_none(), b.due, &b.description))
    });
    actions
}

/// An action with the finding it belongs to, one row of the actions sheet.
pub struct ActionRow<'a> {
    pub finding: &'a Finding,
    pub action: &'a CorrectiveAction,
}

pub fn action_columns<'a>() -> Vec<Column<ActionRow<'a>>> {
    vec![
        Column {
            header: "Finding",
            width: 18.0,
            value: |r, _| text(&r.finding.reference),
        },
        Column {
            header: "Finding title",
            width: 40.0,
            value: |r, _| text(&r.finding.title),
        },
        Column {
            header: "Action",
            width: 50.0,
            value: |r, _| text(&r.action.description),
        },
        Column {
            header: "Owner",
            width: 18.0,
            value: |r, _| text(&r.action.owner),
        },
        Column {
            header: "Due",
            width: 12.0,
            value: |r, _| Cell::Date(r.action.due),
        },
        Column {
            header: "Status",
            width: 14.0,
            value: |r, _| text(r.action.status.label()),
        },
        Column {
            header: "Done on",
            width: 12.0,
            value: |r, _| Cell::Date(r.action.done_on),
        },
        Column {
            header: "Finding id",
            width: 38.0,
            value: |r, _| text(&r.finding.id),
        },
        Column {
            header: "Action id",
            width: 38.0,
            value: |r, _| text(&r.action.id),
        },
    ]
}

/// The live findings in reference order, as every export lists them.
pub fn exported_findings(doc: &RegisterDoc) -> Vec<&Finding> {
    let mut findings: Vec<&Finding> = doc.live_findings().collect();
    findings.sort_by(|a, b| {
        text::natural_cmp(&a.reference, &b.reference).then_with(|| a.id.cmp(&b.id))
    });
    findings
}

/// Every action of the exported findings, by finding then due date.
pub fn exported_actions<'a>(findings: &[&'a Finding]) -> Vec<ActionRow<'a>> {
    let mut rows = Vec::new();
    for f in findings {
        let actions = sorted_actions(f);
        rows.extend(
            actions
                .into_iter()
                .map(|action| ActionRow { finding: f, action }),
        );
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_plain_ascii_words() {
        assert_eq!(slugify("ACME ISMS 2026"), "acme-isms-2026");
        assert_eq!(slugify("  Sécurité / Zürich: Q3 "), "securite-zurich-q3");
        assert_eq!(slugify("***"), "");
    }

    #[test]
    fn file_names_carry_register_auditor_date_and_time() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 28)
            .unwrap()
            .and_hms_opt(9, 5, 59)
            .unwrap();
        assert_eq!(
            file_name("ACME ISMS 2026", "Jane Doe", d, REGISTER_EXTENSION),
            "acme-isms-2026--jane-doe--2026-11-28-0905.ncr"
        );
        assert_eq!(
            file_name("", "", d, "csv"),
            "register--auditor--2026-11-28-0905.csv"
        );
    }

    #[test]
    fn formula_looking_text_is_neutralised() {
        for t in ["=1+1", "+44 20", "-3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(looks_like_formula(t), "{t:?}");
            assert_eq!(neutralise(t), format!("'{t}"));
        }
        for t in ["NC-2026-JD-001", "Plain", "", "1+1", " =x"] {
            assert_eq!(neutralise(t), t);
        }
    }
}
