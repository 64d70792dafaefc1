//! Findings in from a spreadsheet someone kept before: a CSV
//! ([`super::csv::read_table`]) or a workbook's sheet, as a table of text,
//! through a mapping step the person confirms.
//!
//! 1. [`ImportOptions::suggest`] proposes a target for each column from its
//!    header ([`suggest_mapping`]; this app's own export maps exactly, and
//!    common English and German headers are known), how each date column is
//!    written ([`date_order`]) and what each word of the status column
//!    means ([`guess_status`]).
//! 2. The person corrects any of it; [`parse_rows`] turns each row into a
//!    finding, or into the reasons it cannot be one, naming the line and
//!    the column. Nothing is written yet, so the screen can preview.
//! 3. [`import_findings`] writes the rows that parsed, all or nothing.
//!
//! # What a row keeps
//!
//! Everything a register row can hold: its status, corrective actions (one
//! per line of the actions cell), plan and closing due dates, the
//! effectiveness review, the closure and the reasons. A row recorded as
//! closed stays closed: the register it came from is the record of that
//! lifecycle, and re-walking years of findings would bury the open ones. So
//! that nothing pretends the lifecycle checks ran here, the change that
//! writes the rows is an import naming the file, and the finding's history
//! shows it as such.
//!
//! A row without a detection date keeps none (its clocks wait for one)
//! rather than pretending it was found on the day of the import. Due dates
//! become the finding's own clocks (days from detection), so a deadline
//! read from the file stays where the file put it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};

use super::csv::CsvTable;
use crate::catalogue;
use crate::document::{DocError, ImportBatch, RegisterDoc};
use crate::model::{
    ActionStatus, Audit, CauseCategory, CorrectiveAction, Finding, Grade, SimilarVerdict, Source,
    Status,
};
use crate::schema::{self, Field, Kind, Value, WHY_STEPS};
use crate::text::normalise;
use crate::validate;

// ----- targets ------------------------------------------------------------------

/// What a column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A field of the schema marked importable, by key.
    Field(&'static str),
    /// The date the corrective action plan is due: kept as the finding's
    /// own plan clock (days from detection).
    PlanDue,
    /// The date the finding must be closed: the finding's own closing clock,
    /// or the follow-up date of an observation or opportunity.
    CloseDue,
    /// Corrective actions, one per line.
    Actions,
    /// Who owns the row's actions (when the actions cell does not say).
    ActionOwner,
    /// When the row's actions are due (when the actions cell does not say).
    ActionDue,
    /// The five-whys chain, one numbered step per line.
    FiveWhys,
    /// References of similar findings, one per line with the verdict.
    Similar,
}

use Target::Field as F;

impl Target {
    /// In the order the mapping offers them: the finding, then its
    /// handling in lifecycle order.
    pub const ALL: &'static [Target] = &[
        F("reference"),
        F("title"),
        F("statement"),
        F("evidence"),
        F("requirements"),
        F("grade"),
        F("source"),
        F("audit"),
        F("area"),
        F("detected_on"),
        F("raised_by"),
        F("owner"),
        F("cause"),
        F("status"),
        F("rejection_reason"),
        F("follow_up"),
        F("disposition"),
        F("disposition_reason"),
        F("dispute_reason"),
        F("dispute_raised_on"),
        F("dispute_outcome"),
        F("dispute_answer"),
        F("correction"),
        F("correction_done_on"),
        F("root_cause_method"),
        Target::FiveWhys,
        F("root_cause"),
        Target::Similar,
        Target::PlanDue,
        Target::CloseDue,
        Target::Actions,
        Target::ActionOwner,
        Target::ActionDue,
        F("review_due"),
        F("reviewer"),
        F("reviewed_on"),
        F("review_result"),
        F("review_notes"),
        F("isms_changes"),
        F("closed_on"),
        F("closed_by"),
    ];

    /// The schema's field this target fills, if it is one.
    pub fn field(self) -> Option<&'static Field> {
        match self {
            Target::Field(key) => schema::FIELDS
                .iter()
                .find(|f| f.key == key && f.import.is_some()),
            _ => None,
        }
    }

    /// Stable key, e.g. for the value of a select.
    pub fn code(self) -> &'static str {
        match self {
            Target::Field(key) => key,
            Target::PlanDue => "plan_due",
            Target::CloseDue => "close_due",
            Target::Actions => "actions",
            Target::ActionOwner => "action_owner",
            Target::ActionDue => "action_due",
            Target::FiveWhys => "five_whys",
            Target::Similar => "similar_findings",
        }
    }

    pub fn from_code(code: &str) -> Option<Target> {
        Target::ALL.iter().copied().find(|t| t.code() == code)
    }

    /// The target as the mapping names it: the export's header for it.
    pub fn label(self) -> &'static str {
        match self {
            Target::Field(_) => self.field().and_then(|f| f.import).unwrap_or("?"),
            Target::PlanDue => "Plan due",
            Target::CloseDue => "Close due",
            Target::Actions => "Actions",
            Target::ActionOwner => "Action owner",
            Target::ActionDue => "Action due",
            Target::FiveWhys => "Five whys",
            Target::Similar => "Similar findings",
        }
    }

    /// Whether the column holds dates (and so has a date order).
    pub fn is_date(self) -> bool {
        match self {
            Target::PlanDue | Target::CloseDue | Target::ActionDue => true,
            Target::Field(_) => self.field().is_some_and(|f| f.kind == Kind::Date),
            _ => false,
        }
    }

    /// Headers seen in real registers (English and German) and in other
    /// tools' exports, already folded by [`fold_header`]. The label itself
    /// always matches too.
    fn aliases(self) -> &'static [&'static str] {
        match self.code() {
            "reference" => &[
                "ref",
                "ref no",
                "ref id",
                "nc no",
                "nc number",
                "nc ref",
                "nc id",
                "id",
                "no",
                "nr",
                "number",
                "finding id",
                "finding no",
                "finding reference",
                "reference id",
                "lfd nr",
                "nummer",
                "kennung",
                "abweichung nr",
            ],
            "title" => &[
                "finding",
                "summary",
                "subject",
                "short description",
                "finding title",
                "nc title",
                "nonconformity title",
                "name",
                "titel",
                "bezeichnung",
                "kurzbeschreibung",
                "betreff",
                "feststellung",
            ],
            "statement" => &[
                "nonconformity",
                "nonconformity statement",
                "nc statement",
                "description",
                "details",
                "description of nonconformity",
                "finding description",
                "nc description",
                "finding details",
                "beschreibung",
                "sachverhalt",
                "abweichung",
                "beschreibung der abweichung",
            ],
            "evidence" => &[
                "objective evidence",
                "audit evidence",
                "nachweis",
                "nachweise",
                "objektiver nachweis",
                "beleg",
                "belege",
            ],
            "requirements" => &[
                "requirement",
                "clause",
                "clauses",
                "iso 27001 clause",
                "iso clause",
                "control",
                "controls",
                "annex a control",
                "annex a",
                "standard clause",
                "requirement reference",
                "clause control",
                "reference controls",
                "anforderung",
                "anforderungen",
                "normkapitel",
                "norm kapitel",
                "kapitel",
                "normforderung",
            ],
            "grade" => &[
                "severity",
                "classification",
                "category",
                "type",
                "nc type",
                "rating",
                "finding type",
                "nc grade",
                "nc category",
                "kind",
                "einstufung",
                "kategorie",
                "klassifizierung",
                "schweregrad",
                "art",
                "typ",
            ],
            "source" => &[
                "origin",
                "audit type",
                "found in",
                "finding source",
                "quelle",
                "herkunft",
                "auditart",
            ],
            "audit" => &[
                "audit name",
                "audit title",
                "assessment",
                "audit bezeichnung",
            ],
            "area" => &[
                "department",
                "process",
                "site",
                "location",
                "function",
                "business unit",
                "team",
                "area process",
                "bereich",
                "abteilung",
                "prozess",
                "standort",
            ],
            "detected_on" => &[
                "detected",
                "date",
                "date raised",
                "raised on",
                "date identified",
                "identified on",
                "date found",
                "audit date",
                "date opened",
                "opened",
                "found on",
                "date detected",
                "date logged",
                "created",
                "created at",
                "datum",
                "festgestellt am",
                "erstellt am",
                "feststellungsdatum",
            ],
            "raised_by" => &[
                "auditor",
                "identified by",
                "reported by",
                "found by",
                "logged by",
                "lead auditor",
                "festgestellt von",
                "erfasst von",
            ],
            "owner" => &[
                "responsible",
                "responsible person",
                "assigned to",
                "auditee",
                "nc owner",
                "finding owner",
                "verantwortlich",
                "verantwortlicher",
                "zustandig",
                "verantwortliche person",
            ],
            "cause" => &[
                "cause",
                "root cause category",
                "cause type",
                "category of cause",
                "ursachenkategorie",
            ],
            "status" => &["state", "nc status", "finding status", "stand", "zustand"],
            "rejection_reason" => &["reason for rejection", "ablehnungsgrund"],
            "follow_up" => &["follow up", "follow up date", "wiedervorlage"],
            "disposition" => &["disposition"],
            "disposition_reason" => &["disposition reason"],
            "dispute_reason" => &["grounds of the dispute"],
            "dispute_raised_on" => &[],
            "dispute_outcome" => &["the body s decision"],
            "dispute_answer" => &["the body s answer"],
            "correction" => &[
                "immediate action",
                "containment",
                "containment action",
                "immediate correction",
                "sofortmassnahme",
                "korrektur",
            ],
            "correction_done_on" => &["correction date"],
            "root_cause_method" => &["rca method", "analysis method"],
            "root_cause" => &[
                "root cause analysis",
                "rca",
                "root cause statement",
                "ursache",
                "grundursache",
                "ursachenanalyse",
            ],
            "five_whys" => &["5 whys", "whys", "5 why"],
            "similar_findings" => &["similar", "related findings"],
            "plan_due" => &["action plan due", "plan due date", "capa plan due"],
            "close_due" => &[
                "closure due",
                "target closure date",
                "close by",
                "deadline",
                "target close date",
                "abschluss bis",
            ],
            "actions" => &[
                "action",
                "corrective action",
                "corrective actions",
                "action plan",
                "capa",
                "planned action",
                "mitigation",
                "korrekturmassnahme",
                "korrekturmassnahmen",
                "massnahme",
                "massnahmen",
            ],
            "action_owner" => &["action owner", "massnahmenverantwortlicher"],
            "action_due" => &[
                "due",
                "due date",
                "target date",
                "eta",
                "action due date",
                "zieldatum",
                "termin",
                "fallig",
                "falligkeit",
                "umsetzung bis",
            ],
            "review_due" => &["effectiveness review due", "verification due"],
            "reviewer" => &["verified by", "verifier", "gepruft von"],
            "reviewed_on" => &[
                "verification date",
                "effectiveness check date",
                "date verified",
                "verified on",
                "gepruft am",
            ],
            "review_result" => &[
                "effective",
                "effectiveness",
                "effectiveness result",
                "wirksam",
                "wirksamkeit",
            ],
            "review_notes" => &[
                "effectiveness check",
                "effectiveness review",
                "verification",
                "verification of effectiveness",
                "wirksamkeitsprufung",
            ],
            "isms_changes" => &["changes to the isms"],
            "closed_on" => &[
                "closure date",
                "date closed",
                "closed",
                "close date",
                "abgeschlossen am",
                "erledigt am",
                "geschlossen am",
            ],
            "closed_by" => &["abgeschlossen von", "geschlossen von"],
            _ => &[],
        }
    }

    fn matches_exactly(self, folded: &str) -> bool {
        fold_header(self.label()) == folded || self.aliases().contains(&folded)
    }
}

/// A header as words: lower case, accents folded, punctuation dropped.
pub fn fold_header(header: &str) -> String {
    normalise(header)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A target for each column, guessed from its header: an exact match on a
/// known header first, then the longest known header found inside it (so
/// "Root cause category" is the cause, not the root cause). Each target is
/// given to one column at most, the leftmost; unknown columns get `None`.
pub fn suggest_mapping(headers: &[String]) -> Vec<Option<Target>> {
    let folded: Vec<String> = headers.iter().map(|h| fold_header(h)).collect();
    let mut taken: Vec<Target> = Vec::new();
    let mut mapping = vec![None; headers.len()];
    for (i, h) in folded.iter().enumerate() {
        let exact = Target::ALL
            .iter()
            .copied()
            .find(|t| !taken.contains(t) && t.matches_exactly(h));
        if let Some(t) = exact {
            mapping[i] = Some(t);
            taken.push(t);
        }
    }
    for (i, h) in folded.iter().enumerate() {
        if mapping[i].is_some() || h.is_empty() {
            continue;
        }
        let padded = format!(" {h} ");
        let best = Target::ALL
            .iter()
            .copied()
            .filter(|t| !taken.contains(t))
            .flat_map(|t| {
                t.aliases()
                    .iter()
                    .map(move |a| (t, (*a).to_owned()))
                    .chain(std::iter::once((t, fold_header(t.label()))))
            })
            .filter(|(_, a)| a.len() > 2 && padded.contains(&format!(" {a} ")))
            .max_by_key(|(_, a)| a.len())
            .map(|(t, _)| t);
        if let Some(t) = best {
            mapping[i] = Some(t);
            taken.push(t);
        }
    }
    // A sheet without an actions column has one action at most, its
    // finding's: "Action owner" is then the finding's owner and the due
    // date its closing deadline.
    if !taken.contains(&Target::Actions) {
        for (from, to) in [
            (Target::ActionOwner, F("owner")),
            (Target::ActionDue, Target::CloseDue),
        ] {
            if let Some(slot) = mapping.iter_mut().find(|m| **m == Some(from)) {
                *slot = (!taken.contains(&to)).then_some(to);
            }
        }
    }
    mapping
}

// ----- known formats ---------------------------------------------------------------

/// Files whose shape is known from their headers: their columns are mapped
/// as their tool means them, where the headers alone would be ambiguous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownFormat {
    /// This app's own CSV or workbook export.
    NcRegister,
    /// CISO Assistant's findings follow-up exported to Excel
    /// (`FindingsAssessmentViewSet.xlsx`: ref_id, name, description, status,
    /// severity, folder, owner, applied_controls, evidences, created_at,
    /// eta, due_date).
    CisoAssistantExport,
    /// CISO Assistant's data-wizard template for findings (ref_id, name,
    /// description, severity, status, filtering_labels, priority, eta,
    /// due_date, observation).
    CisoAssistantTemplate,
    /// Probo's findings register (Reference, Kind, Description, Status,
    /// Priority, Owner, Due Date) or its finding records (reference_id,
    /// kind, identified_on, corrective_action, effectiveness_check, …).
    Probo,
}

impl KnownFormat {
    pub fn name(self) -> &'static str {
        match self {
            KnownFormat::NcRegister => "an NC Register export",
            KnownFormat::CisoAssistantExport => "a CISO Assistant findings export",
            KnownFormat::CisoAssistantTemplate => "a CISO Assistant findings import template",
            KnownFormat::Probo => "a Probo findings register",
        }
    }

    /// The target of a (folded) header in this format, where it differs
    /// from the general guess; `Some(None)` leaves the column out.
    fn target(self, header: &str) -> Option<Option<Target>> {
        let t = match (self, header) {
            (KnownFormat::CisoAssistantExport, "folder") => Some(F("area")),
            (KnownFormat::CisoAssistantExport, "applied controls") => Some(Target::Actions),
            (KnownFormat::CisoAssistantExport, "evidences") => Some(F("evidence")),
            (KnownFormat::CisoAssistantTemplate, "filtering labels") => Some(F("area")),
            (KnownFormat::CisoAssistantTemplate, "observation") => Some(F("evidence")),
            (KnownFormat::CisoAssistantExport | KnownFormat::CisoAssistantTemplate, h) => match h {
                "eta" => Some(Target::ActionDue),
                "due date" => Some(Target::CloseDue),
                "priority" => None,
                _ => return None,
            },
            (KnownFormat::Probo, "kind") => Some(F("grade")),
            (KnownFormat::Probo, "due date") => Some(Target::CloseDue),
            (KnownFormat::Probo, "priority") => None,
            (KnownFormat::Probo, "corrective action") => Some(Target::Actions),
            (KnownFormat::Probo, "effectiveness check") => Some(F("review_notes")),
            _ => return None,
        };
        Some(t)
    }
}

/// The format a header row belongs to, if it is one this app knows.
pub fn recognise(headers: &[String]) -> Option<KnownFormat> {
    let folded: BTreeSet<String> = headers.iter().map(|h| fold_header(h)).collect();
    let has = |names: &[&str]| names.iter().all(|n| folded.contains(*n));
    if has(&["reference", "title", "grade", "status", "closed as", "id"]) {
        Some(KnownFormat::NcRegister)
    } else if has(&["ref id", "name", "severity", "applied controls"]) {
        Some(KnownFormat::CisoAssistantExport)
    } else if has(&["ref id", "name", "severity"]) {
        Some(KnownFormat::CisoAssistantTemplate)
    } else if has(&["reference", "kind", "description", "status", "priority"])
        || has(&["reference id", "kind", "identified on"])
    {
        Some(KnownFormat::Probo)
    } else {
        None
    }
}

// ----- dates ----------------------------------------------------------------------

/// How a column of numeric dates is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DateOrder {
    DayMonth,
    MonthDay,
}

impl DateOrder {
    pub fn label(self) -> &'static str {
        match self {
            DateOrder::DayMonth => "Day first (31/12/2026)",
            DateOrder::MonthDay => "Month first (12/31/2026)",
        }
    }
}

/// The order of a column's `a/b/yyyy` dates: a first number above 12 can
/// only be a day, a second above 12 only a day too. Day first when nothing
/// tells (the convention of most of the world, and of ISO 27001 registers);
/// the mapping screen shows the reading and lets the person switch.
pub fn date_order<'a>(values: impl IntoIterator<Item = &'a str>) -> DateOrder {
    let (mut day_first, mut month_first) = (false, false);
    for v in values {
        let parts: Vec<&str> = v.trim().split(['/', '.', '-']).map(str::trim).collect();
        if parts.len() != 3 || parts[0].len() > 2 {
            continue;
        }
        let (Ok(a), Ok(b)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>()) else {
            continue;
        };
        day_first |= a > 12;
        month_first |= b > 12;
    }
    if month_first && !day_first {
        DateOrder::MonthDay
    } else {
        DateOrder::DayMonth
    }
}

/// Whether the order matters for this column: some value is numeric with
/// both parts 12 or below (`03/04/2026`).
pub fn date_order_matters<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values.into_iter().any(|v| {
        let parts: Vec<&str> = v.trim().split(['/', '.', '-']).map(str::trim).collect();
        parts.len() == 3
            && parts[0].len() <= 2
            && matches!(
                (parts[0].parse::<u32>(), parts[1].parse::<u32>()),
                (Ok(1..=12), Ok(1..=12))
            )
            && parts[0] != parts[1]
    })
}

fn month_number(name: &str) -> Option<u32> {
    // English, then German where it differs (Mär, Mai, Okt, Dez).
    const MONTHS: [(&str, u32); 16] = [
        ("jan", 1),
        ("feb", 2),
        ("mar", 3),
        ("apr", 4),
        ("may", 5),
        ("jun", 6),
        ("jul", 7),
        ("aug", 8),
        ("sep", 9),
        ("oct", 10),
        ("nov", 11),
        ("dec", 12),
        ("mai", 5),
        ("okt", 10),
        ("dez", 12),
        ("maerz", 3),
    ];
    let n = normalise(name);
    let n = n.trim_end_matches('.');
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .find(|(m, _)| n.starts_with(m))
        .map(|(_, i)| *i)
}

fn year_of(text: &str) -> Option<i32> {
    let y: i32 = text.parse().ok()?;
    match text.len() {
        4 => Some(y),
        // Two-digit years are this century: registers are not that old.
        2 => Some(2000 + y),
        _ => None,
    }
}

/// A date as spreadsheets write them: ISO (`2026-10-03`, with or without a
/// time), numeric in the column's [`DateOrder`] (`03/10/2026`, `3.10.26`),
/// with an English or German month name (`3 Oct 2026`, `Oct 3, 2026`,
/// `03-Oct-26`, `3. Okt 2026`), or an Excel serial day number (`46298`).
/// Blank is no date.
pub fn parse_date(text: &str, order: DateOrder) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("\u{201c}{t}\u{201d} is not a date");
    // ISO, possibly followed by a time.
    if let Some(head) = t.get(..10) {
        if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
            let rest = &t[10..];
            if rest.is_empty() || rest.starts_with(['T', ' ']) {
                return Ok(Some(d));
            }
        }
    }
    // An Excel serial number (days since 1899-12-30), within 1970..2100,
    // possibly with a fraction of a day (a time).
    let whole = t.split_once('.').map_or(t, |(w, frac)| {
        if frac.chars().all(|c| c.is_ascii_digit()) {
            w
        } else {
            t
        }
    });
    if whole.len() == 5 && whole.chars().all(|c| c.is_ascii_digit()) {
        let n: i64 = whole.parse().map_err(|_| bad())?;
        if (25_569..=73_050).contains(&n) {
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or_else(bad)?;
            return epoch
                .checked_add_signed(chrono::Duration::days(n))
                .map(Some)
                .ok_or_else(bad);
        }
        return Err(bad());
    }
    let parts: Vec<&str> = t
        .split(['/', '.', '-', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (y, m, d) = if parts[0].len() == 4 {
        // 2026/10/03
        (year_of(parts[0]), num(parts[1]), num(parts[2]))
    } else if let Some(m) = month_number(parts[1]) {
        // 3 Oct 2026, 03-Oct-26
        (year_of(parts[2]), Some(m), num(parts[0]))
    } else if let Some(m) = month_number(parts[0]) {
        // Oct 3, 2026
        (year_of(parts[2]), Some(m), num(parts[1]))
    } else {
        let (a, b) = (num(parts[0]), num(parts[1]));
        match order {
            DateOrder::DayMonth => (year_of(parts[2]), b, a),
            DateOrder::MonthDay => (year_of(parts[2]), a, b),
        }
    };
    match (y, m, d) {
        (Some(y), Some(m), Some(d)) => {
            NaiveDate::from_ymd_opt(y, m, d).map(Some).ok_or_else(|| {
                format!("\u{201c}{t}\u{201d} is not a real date (read as {y:04}-{m:02}-{d:02})")
            })
        }
        _ => Err(bad()),
    }
}

// ----- choices --------------------------------------------------------------------

fn one_of(options: &[(&str, &str)]) -> String {
    options
        .iter()
        .map(|(_, l)| *l)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A grade as registers and other tools write it: our labels and keys, or
/// the usual words (`Major NC`, `Minor nonconformity`, `OBS`, `OFI`,
/// `Hauptabweichung`, `MAJOR_NONCONFORMITY`).
pub fn parse_grade(text: &str) -> Option<Grade> {
    if let Some(g) = Grade::parse_loose(text) {
        return Some(g);
    }
    let t = fold_header(text);
    let has = |w: &str| t.split(' ').any(|x| x.starts_with(w));
    if has("major") || has("haupt") || has("schwerwiegend") {
        Some(Grade::Major)
    } else if has("minor") || has("neben") || has("gering") {
        Some(Grade::Minor)
    } else if has("obs") || has("beobachtung") || has("hinweis") {
        Some(Grade::Observation)
    } else if has("ofi") || has("opportunit") || has("improvement") || has("verbesserung") {
        Some(Grade::Opportunity)
    } else {
        // Severity scales of GRC tools (CISO Assistant's info…critical):
        // what a certification body would grade such a finding.
        match t.as_str() {
            "critical" | "high" | "kritisch" | "hoch" => Some(Grade::Major),
            "medium" | "low" | "mittel" | "niedrig" => Some(Grade::Minor),
            "info" | "informational" => Some(Grade::Observation),
            _ => None,
        }
    }
}

/// A source as registers write it.
pub fn parse_source(text: &str) -> Option<Source> {
    if let Some(s) = Source::parse_loose(text) {
        return Some(s);
    }
    let t = fold_header(text);
    let t = t.as_str();
    let has = |w: &str| format!(" {t} ").contains(&format!(" {w}"));
    if has("stage 1") || has("stage1") || has("stufe 1") {
        Some(Source::Stage1)
    } else if has("stage 2") || has("stage2") || has("stufe 2") || has("zertifizierungsaudit") {
        Some(Source::Stage2)
    } else if has("surveillance") || has("uberwachung") {
        Some(Source::Surveillance)
    } else if has("recert") || has("rezert") {
        Some(Source::Recertification)
    } else if has("management review") || has("mgmt review") || has("managementbewertung") {
        Some(Source::ManagementReview)
    } else if has("incident") || has("vorfall") {
        Some(Source::Incident)
    } else if has("self") || has("selbst") {
        Some(Source::SelfIdentified)
    } else if has("internal") || has("intern") {
        Some(Source::InternalAudit)
    } else {
        None
    }
}

/// The status a register's word for it most likely means, in English or
/// German, or in the vocabulary of GRC tools (CISO Assistant's
/// `identified`…`resolved`, `SNAKE_CASE` enums). `None` when the word could
/// mean several things: the person then chooses.
pub fn guess_status(text: &str) -> Option<Status> {
    if let Some(s) = Status::parse_loose(text) {
        return Some(s);
    }
    let t = fold_header(text);
    let is = |words: &[&str]| words.contains(&t.as_str());
    if is(&[
        "new",
        "raised",
        "identified",
        "to do",
        "todo",
        "not started",
        "confirmed",
        "offen",
        "neu",
        "erfasst",
        "open nc",
    ]) {
        Some(Status::Open)
    } else if is(&[
        "analyzed",
        "analysis done",
        "root cause identified",
        "analysiert",
    ]) {
        Some(Status::Analysed)
    } else if is(&[
        "planned",
        "plan approved",
        "capa planned",
        "geplant",
        "massnahmen geplant",
    ]) {
        Some(Status::ActionPlanned)
    } else if is(&[
        "ongoing",
        "in work",
        "wip",
        "assigned",
        "started",
        "in bearbeitung",
        "in umsetzung",
        "in arbeit",
        "begonnen",
    ]) {
        Some(Status::InProgress)
    } else if is(&[
        "verification",
        "pending verification",
        "awaiting verification",
        "under review",
        "in review",
        "implemented",
        "mitigated",
        "umgesetzt",
        "in prufung",
        "wirksamkeitsprufung",
        "zur prufung",
    ]) {
        Some(Status::Verifying)
    } else if is(&[
        "done",
        "complete",
        "completed",
        "resolved",
        "verified",
        "closed effective",
        "abgeschlossen",
        "geschlossen",
        "erledigt",
    ]) {
        Some(Status::Closed)
    } else if is(&[
        "dismissed",
        "invalid",
        "not valid",
        "false positive",
        "abgelehnt",
        "unbegrundet",
    ]) {
        Some(Status::Rejected)
    } else if is(&["withdrawn by the body", "zuruckgezogen"]) {
        Some(Status::Withdrawn)
    } else if is(&["re opened", "wiedereroffnet", "wieder offen"]) {
        Some(Status::Reopened)
    } else {
        None
    }
}

/// A value of a choice field: its code or label, folded.
fn parse_choice(field: &Field, text: &str) -> Option<&'static str> {
    let t = fold_header(text);
    field
        .options()
        .iter()
        .find(|(code, label)| fold_header(code) == t || fold_header(label) == t)
        .map(|(code, _)| *code)
        .or(match (field.key, t.as_str()) {
            ("review_result", "yes" | "y" | "ja" | "true" | "wirksam") => Some("effective"),
            ("review_result", "no" | "n" | "nein" | "false" | "nicht wirksam" | "ineffective") => {
                Some("not_effective")
            }
            _ => None,
        })
}

/// Requirement references in one cell, separated by commas, semicolons or
/// line breaks. Catalogue ids are written the catalogue's way (`a 5.15` →
/// `A.5.15`); anything else is kept as free text.
pub fn parse_requirements(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            catalogue::find(r)
                .map(|req| req.id.to_owned())
                .unwrap_or_else(|| r.to_owned())
        })
        .collect()
}

// ----- multi-line cells -----------------------------------------------------------

/// The lines of a cell grouped into items: a line that starts with a space
/// or a tab continues the item before it (how the export writes an item of
/// several lines).
fn items(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in cell.split('\n').map(|l| l.trim_end_matches('\r')) {
        let continues = line.starts_with([' ', '\t']) && !out.is_empty();
        if continues {
            let last = out.last_mut().expect("checked non-empty");
            last.push('\n');
            last.push_str(line.trim_start());
        } else if !line.trim().is_empty() {
            out.push(line.trim().to_owned());
        }
    }
    out
}

/// An item's lines after the first indented, so [`items`] reads it back.
pub(crate) fn indent_continuations(text: &str) -> String {
    text.replace('\n', "\n  ")
}

/// The trailing parenthesised group of `text`, if it closes the text:
/// `("Update policy (v2)", "Done, Jo")` for `Update policy (v2) (Done, Jo)`.
fn trailing_group(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_suffix(')')?;
    let mut depth = 0usize;
    for (i, c) in body.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' if depth == 0 => return Some((body[..i].trim_end(), &body[i + 1..])),
            '(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// One line of the actions cell as the export writes it
/// (`Description (Status, owner, due 2026-01-31, done 2026-01-20)`), or any
/// other text, which is the action's description.
/// How much of an action a line of the actions cell gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Given {
    /// A description only.
    Description,
    /// A description and a status (CISO Assistant's `Name [status]`).
    Status,
    /// Everything, as this app writes it.
    All,
}

fn parse_action(item: &str) -> (CorrectiveAction, Given) {
    let mut action = CorrectiveAction {
        description: item.to_owned(),
        ..CorrectiveAction::default()
    };
    if let Some((description, status)) = bracketed_status(item) {
        action.description = description.to_owned();
        action.status = status;
        return (action, Given::Status);
    }
    let Some((description, group)) = trailing_group(item) else {
        return (action, Given::Description);
    };
    let mut parts: Vec<&str> = group.split(", ").collect();
    let Some(status) = parts.first().and_then(|s| ActionStatus::parse_loose(s)) else {
        return (action, Given::Description);
    };
    parts.remove(0);
    let iso = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    if let Some(done) = parts
        .last()
        .and_then(|p| p.strip_prefix("done "))
        .and_then(iso)
    {
        action.done_on = Some(done);
        parts.pop();
    }
    if let Some(due) = parts
        .last()
        .and_then(|p| p.strip_prefix("due "))
        .and_then(iso)
    {
        action.due = Some(due);
        parts.pop();
    }
    action.description = description.to_owned();
    action.status = status;
    action.owner = parts.join(", ");
    (action, Given::All)
}

/// CISO Assistant writes an applied control as `Name [status]`.
fn bracketed_status(item: &str) -> Option<(&str, ActionStatus)> {
    let (name, status) = item.strip_suffix(']')?.rsplit_once(" [")?;
    let status = match fold_header(status).as_str() {
        "to do" | "undefined" | "" | "on hold" | "planned" => ActionStatus::Planned,
        "in progress" => ActionStatus::InProgress,
        "active" | "done" | "implemented" => ActionStatus::Done,
        "deprecated" | "cancelled" => ActionStatus::Cancelled,
        _ => return None,
    };
    Some((name, status))
}

/// The actions summary the export writes, one item per action.
pub(crate) fn action_line(a: &CorrectiveAction) -> String {
    let mut parts = vec![a.status.label().to_owned()];
    if !a.owner.is_empty() {
        parts.push(a.owner.clone());
    }
    if let Some(d) = a.due {
        parts.push(format!("due {}", d.format("%Y-%m-%d")));
    }
    if let Some(d) = a.done_on {
        parts.push(format!("done {}", d.format("%Y-%m-%d")));
    }
    indent_continuations(&format!("{} ({})", a.description, parts.join(", ")))
}

/// The five whys as the export writes them: `1. answer` per step.
pub(crate) fn whys_text(f: &Finding) -> String {
    WHY_STEPS
        .iter()
        .filter_map(|s| f.root_cause.whys.get(*s).map(|a| (s, a)))
        .filter(|(_, a)| !a.is_empty())
        .map(|(s, a)| indent_continuations(&format!("{s}. {a}")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_whys(cell: &str) -> Result<BTreeMap<String, String>, String> {
    let mut whys = BTreeMap::new();
    for (i, item) in items(cell).into_iter().enumerate() {
        let numbered = item
            .split_once(['.', ')', ':'])
            .filter(|(n, _)| WHY_STEPS.contains(&n.trim()))
            .map(|(n, rest)| (n.trim().to_owned(), rest.trim_start().to_owned()));
        let (step, answer) = match numbered {
            Some(s) => s,
            None => match WHY_STEPS.get(i) {
                Some(s) => ((*s).to_owned(), item),
                None => return Err("has more than five steps".into()),
            },
        };
        whys.insert(step, answer);
    }
    Ok(whys)
}

/// Similar findings as the export writes them: `NC-2026-001 (Linked)`.
pub(crate) fn similar_text(f: &Finding, reference_of: impl Fn(&str) -> Option<String>) -> String {
    let mut lines: Vec<String> = f
        .similar
        .iter()
        .filter_map(|(id, v)| reference_of(id).map(|r| format!("{r} ({})", v.label())))
        .collect();
    lines.sort();
    lines.join("\n")
}

fn parse_similar(cell: &str) -> Vec<(String, SimilarVerdict)> {
    items(cell)
        .into_iter()
        .map(|item| {
            match trailing_group(&item)
                .and_then(|(r, v)| Some((r, SimilarVerdict::parse_loose(v)?)))
            {
                Some((r, v)) => (r.to_owned(), v),
                None => (item, SimilarVerdict::Linked),
            }
        })
        .collect()
}

// ----- options ---------------------------------------------------------------------

/// One spelling of a status in the file, and what it will become.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusWord {
    /// As first written in the file.
    pub text: String,
    /// The folded form the mapping is keyed by.
    pub key: String,
    /// Rows with this word.
    pub rows: usize,
}

/// What the person confirmed on the mapping screen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// One entry per column; missing entries mean "do not import".
    pub mapping: Vec<Option<Target>>,
    /// How each date column's numeric dates are written, by column.
    pub date_orders: BTreeMap<usize, DateOrder>,
    /// Each status word (folded, see [`StatusWord::key`]) and the status it
    /// becomes; a word without one refuses its rows.
    pub statuses: BTreeMap<String, Status>,
    /// The format recognised from the headers, if any.
    pub format: Option<KnownFormat>,
}

impl ImportOptions {
    /// Everything guessed: the mapping from the headers, each date column's
    /// order from its values, each status word's meaning.
    pub fn suggest(table: &CsvTable) -> ImportOptions {
        let format = recognise(&table.headers);
        let mut mapping = suggest_mapping(&table.headers);
        if let Some(format) = format {
            for (slot, header) in mapping.iter_mut().zip(&table.headers) {
                if let Some(target) = format.target(&fold_header(header)) {
                    *slot = target;
                }
            }
            // A target the format moved to its own column is no longer
            // also guessed for another.
            let mut seen = BTreeSet::new();
            for slot in mapping.iter_mut().rev() {
                if let Some(t) = *slot {
                    if !seen.insert(t) {
                        *slot = None;
                    }
                }
            }
        }
        let mut options = ImportOptions {
            mapping,
            format,
            ..ImportOptions::default()
        };
        options.refresh(table);
        options
    }

    /// After the mapping changed: guesses for date columns and status
    /// words not seen before; choices already made stay.
    pub fn refresh(&mut self, table: &CsvTable) {
        for c in self.date_columns() {
            self.date_orders
                .entry(c)
                .or_insert_with(|| date_order(table.rows.iter().map(|r| r.cell(c))));
        }
        for word in self.status_words(table) {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.statuses.entry(word.key)
            {
                if let Some(s) = guess_status(&word.text) {
                    slot.insert(s);
                }
            }
        }
    }

    pub fn column(&self, target: Target) -> Option<usize> {
        self.mapping.iter().position(|m| *m == Some(target))
    }

    /// The columns mapped to a date target.
    pub fn date_columns(&self) -> Vec<usize> {
        self.mapping
            .iter()
            .enumerate()
            .filter(|(_, t)| t.is_some_and(Target::is_date))
            .map(|(c, _)| c)
            .collect()
    }

    pub fn date_order(&self, column: usize) -> DateOrder {
        self.date_orders
            .get(&column)
            .copied()
            .unwrap_or(DateOrder::DayMonth)
    }

    /// The distinct words of the status column, in order of first use.
    pub fn status_words(&self, table: &CsvTable) -> Vec<StatusWord> {
        let Some(c) = self.column(F("status")) else {
            return Vec::new();
        };
        let mut words: Vec<StatusWord> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in &table.rows {
            let text = table.cell_text(row, c);
            if text.is_empty() {
                continue;
            }
            let key = fold_header(text);
            match index.get(&key) {
                Some(&i) => words[i].rows += 1,
                None => {
                    index.insert(key.clone(), words.len());
                    words.push(StatusWord {
                        text: text.to_owned(),
                        key,
                        rows: 1,
                    });
                }
            }
        }
        words
    }
}

// ----- rows into findings ------------------------------------------------------------

/// A row that parsed: the finding to add (its id is given when written; its
/// reference is the sheet's, or blank to number it here), and what refers
/// to other records by name.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFinding {
    pub line: u64,
    pub finding: Finding,
    /// The audit's title, matched to the register's audits (or added).
    pub audit: String,
    pub plan_due: Option<NaiveDate>,
    pub close_due: Option<NaiveDate>,
    /// Similar findings by reference, matched when written.
    pub similar: Vec<(String, SimilarVerdict)>,
}

/// A row that did not parse (or parsed with something left out), with
/// every reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub messages: Vec<String>,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Line {}: {}", self.line, self.messages.join(" "))
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedImport {
    pub findings: Vec<ImportedFinding>,
    /// Rows left out, with why.
    pub errors: Vec<RowError>,
    /// Rows imported with something in them not kept, with what.
    pub warnings: Vec<RowError>,
}

impl ParsedImport {
    pub fn extend(&mut self, more: ParsedImport) {
        self.findings.extend(more.findings);
        self.errors.extend(more.errors);
        self.warnings.extend(more.warnings);
    }
}

/// Days from detection to a due date, as a finding's own clock.
fn clock_days(detected: Option<NaiveDate>, due: NaiveDate, what: &str) -> Result<u32, String> {
    let Some(detected) = detected else {
        return Err(format!(
            "{what} is given but the detection date is not, and a deadline counts from it."
        ));
    };
    let days = (due - detected).num_days();
    u32::try_from(days)
        .ok()
        .filter(|d| *d <= validate::MAX_CLOCK_DAYS)
        .ok_or_else(|| {
            format!(
                "{what} {} is not between the detection date and {} days after it.",
                due.format("%Y-%m-%d"),
                validate::MAX_CLOCK_DAYS
            )
        })
}

/// Turns every row into a finding or into errors. `today` bounds dates, as
/// in the form.
pub fn parse_rows(table: &CsvTable, options: &ImportOptions, today: NaiveDate) -> ParsedImport {
    parse_row_range(table, options, today, 0..table.rows.len())
}

/// [`parse_rows`] for the rows in `range` (by index), so a large file can be
/// read a slice at a time between frames.
pub fn parse_row_range(
    table: &CsvTable,
    options: &ImportOptions,
    today: NaiveDate,
    range: std::ops::Range<usize>,
) -> ParsedImport {
    let mut out = ParsedImport::default();
    let rows = table.rows.get(range).unwrap_or_default();
    for row in rows {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut item = ImportedFinding {
            line: row.line,
            finding: Finding::new(String::new(), String::new()),
            audit: String::new(),
            plan_due: None,
            close_due: None,
            similar: Vec::new(),
        };
        // Each action with whether the file gave its status.
        let mut actions: Vec<(CorrectiveAction, Given)> = Vec::new();
        let (mut action_owner, mut action_due) = (String::new(), None);
        let f = &mut item.finding;
        for (c, target) in options.mapping.iter().enumerate() {
            let Some(target) = *target else { continue };
            let value = table.cell_text(row, c);
            // Registers and tools (Probo) mark an empty date or choice with
            // a dash; text keeps it as written.
            let value = if matches!(value, "-" | "\u{2013}" | "\u{2014}" | "n/a" | "N/A")
                && (target.is_date() || target.field().is_some_and(|f| !f.is_text()))
            {
                ""
            } else {
                value
            };
            let header = table.headers.get(c).map(String::as_str).unwrap_or("");
            let date = || parse_date(value, options.date_order(c));
            match target {
                Target::PlanDue | Target::CloseDue | Target::ActionDue => match date() {
                    Ok(d) => match target {
                        Target::PlanDue => item.plan_due = d,
                        Target::CloseDue => item.close_due = d,
                        _ => action_due = d,
                    },
                    Err(e) => errors.push(format!("{header}: {e}.")),
                },
                Target::Actions => actions = items(value).iter().map(|i| parse_action(i)).collect(),
                Target::ActionOwner => action_owner = value.to_owned(),
                Target::FiveWhys => match parse_whys(value) {
                    Ok(w) => f.root_cause.whys = w,
                    Err(e) => errors.push(format!("{header}: {e}.")),
                },
                Target::Similar => item.similar = parse_similar(value),
                Target::Field(_) if value.is_empty() => {}
                Target::Field(key) => {
                    let Some(field) = target.field() else {
                        continue;
                    };
                    match (key, field.kind) {
                        ("requirements", _) => {
                            for r in parse_requirements(value) {
                                f.requirements.insert(r, true);
                            }
                        }
                        ("grade", _) => match parse_grade(value) {
                            Some(g) => f.grade = g,
                            None => errors.push(format!(
                                "{header}: \u{201c}{value}\u{201d} is not a grade (use {}).",
                                one_of(Grade::OPTIONS)
                            )),
                        },
                        ("source", _) => match parse_source(value) {
                            Some(s) => f.source = s,
                            None => errors.push(format!(
                                "{header}: \u{201c}{value}\u{201d} is not a source (use {}).",
                                one_of(Source::OPTIONS)
                            )),
                        },
                        ("cause", _) => match CauseCategory::parse_loose(value) {
                            Some(k) => f.cause = Some(k),
                            None => errors.push(format!(
                                "{header}: \u{201c}{value}\u{201d} is not a cause category (use {}).",
                                one_of(CauseCategory::OPTIONS)
                            )),
                        },
                        ("status", _) => match options.statuses.get(&fold_header(value)) {
                            Some(s) => f.status = *s,
                            None => errors.push(format!(
                                "{header}: \u{201c}{value}\u{201d} is not matched to a status; choose one for it above."
                            )),
                        },
                        (_, Kind::Audit) => item.audit = value.to_owned(),
                        (_, Kind::Date) => match date() {
                            Ok(d) => {
                                (field.set)(f, "", Value::Date(d));
                            }
                            Err(e) => errors.push(format!("{header}: {e}.")),
                        },
                        (_, Kind::Choice { .. }) => match parse_choice(field, value) {
                            Some(code) => {
                                (field.set)(f, "", Value::Code(Some(code.to_owned())));
                            }
                            None => errors.push(format!(
                                "{header}: \u{201c}{value}\u{201d} is not one of: {}.",
                                one_of(field.options())
                            )),
                        },
                        // Text is taken as written.
                        _ => {
                            (field.set)(f, "", Value::Text(value.to_owned()));
                        }
                    }
                }
            }
        }
        // Actions the file describes, with the row's owner and due date
        // where the cell does not give them, and a status from the row's.
        let default_status = match f.status {
            Status::Verifying | Status::Closed => ActionStatus::Done,
            Status::InProgress => ActionStatus::InProgress,
            _ => ActionStatus::Planned,
        };
        for (i, (mut a, given)) in actions.into_iter().enumerate() {
            if given == Given::Description {
                a.status = default_status;
            }
            // An action written as this app writes it says all there is.
            let explicit = given == Given::All;
            if !explicit && a.owner.is_empty() {
                // Without an owner of their own, the finding's owner acts.
                a.owner = if action_owner.is_empty() {
                    f.owner.clone()
                } else {
                    action_owner.clone()
                };
            }
            if !explicit && a.due.is_none() {
                a.due = action_due;
            }
            // Keys are replaced by real ids when written; the index keeps
            // the file's order meanwhile.
            let key = format!("{i:04}");
            a.id = key.clone();
            f.actions.insert(key, a);
        }
        if f.actions.is_empty() && (!action_owner.is_empty() || action_due.is_some()) {
            warnings.push(
                "an action owner or due date is given but no action is described, so it was not kept."
                    .to_owned(),
            );
        }
        if f.detected_on.is_none() && (item.plan_due.is_some() || item.close_due.is_some()) {
            item.plan_due = None;
            item.close_due = None;
            warnings.push(
                "has a due date but no detection date; deadlines count from detection, so it was not kept."
                    .to_owned(),
            );
        }
        for (due, what) in [(item.plan_due, "Plan due"), (item.close_due, "Close due")] {
            if let Some(due) = due {
                if let Err(e) = clock_days(f.detected_on, due, what) {
                    errors.push(e);
                }
            }
        }
        if item.close_due.is_some() && !f.grade.is_nonconformity() {
            if f.follow_up.is_none() {
                f.follow_up = item.close_due.take();
                warnings.push(format!(
                    "a {} has no closing deadline; its close due date became its follow-up date.",
                    f.grade.label().to_lowercase()
                ));
            } else {
                item.close_due = None;
                warnings.push(format!(
                    "a {} has no closing deadline; its close due date was not kept.",
                    f.grade.label().to_lowercase()
                ));
            }
        }
        if item.plan_due.is_some() && !f.grade.is_nonconformity() {
            item.plan_due = None;
            warnings.push(format!(
                "a {} has no action plan deadline; its plan due date was not kept.",
                f.grade.label().to_lowercase()
            ));
        }
        if f.title.is_empty() && f.statement.is_empty() && f.evidence.is_empty() {
            errors.push("has no title, statement or evidence.".to_owned());
        }
        if errors.is_empty() {
            if let Err(e) = validate::finding(f, today) {
                errors.extend(e.0.iter().map(|e| format!("{e}.")));
            }
        }
        if !warnings.is_empty() && errors.is_empty() {
            out.warnings.push(RowError {
                line: row.line,
                messages: warnings,
            });
        }
        if errors.is_empty() {
            out.findings.push(item);
        } else {
            out.errors.push(RowError {
                line: row.line,
                messages: errors,
            });
        }
    }
    out
}

// ----- writing ----------------------------------------------------------------------

/// What an import did, for the summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportReport {
    pub ids: Vec<String>,
    /// Titles of the audits added because rows named them.
    pub audits_added: Vec<String>,
    /// Similar-finding references no finding carries.
    pub unmatched_similar: Vec<String>,
    /// How many findings arrived with each status.
    pub by_status: BTreeMap<Status, usize>,
}

/// Adds parsed rows to the register, all or nothing, recorded by the
/// current auditor (who is the raiser unless the sheet names one). Rows
/// without a reference are numbered in the auditor's sequence. `source` is
/// the file's name, kept in the change (the findings' history shows it).
pub fn import_findings(
    doc: &mut RegisterDoc,
    rows: &[ImportedFinding],
    source: &str,
    new_id: impl FnMut() -> String,
    today: NaiveDate,
) -> Result<ImportReport, DocError> {
    let (batch, mut report) = prepare(doc, rows, source, new_id, today)?;
    report.ids = doc.import_findings(batch, today)?;
    Ok(report)
}

/// Everything [`import_findings`] does but writing: the findings complete
/// (ids, references, clocks, audits and similar findings matched), checked
/// against the register, and the report. A large import writes the batch
/// a part at a time ([`RegisterDoc::import_part`]).
pub fn prepare(
    doc: &RegisterDoc,
    rows: &[ImportedFinding],
    source: &str,
    mut new_id: impl FnMut() -> String,
    today: NaiveDate,
) -> Result<(ImportBatch, ImportReport), DocError> {
    let me = doc
        .auditors()
        .get(&doc.person_hex())
        .cloned()
        .ok_or_else(|| {
            DocError::Refused("Set your name and initials before importing findings.".into())
        })?;
    let mut report = ImportReport::default();
    let settings = doc.settings();
    let unnumbered = rows
        .iter()
        .filter(|r| r.finding.reference.trim().is_empty())
        .count();
    let mut references = doc
        .next_references(&me.initials, today.year(), unnumbered)
        .into_iter();

    // Audits by title, folded; the ones rows name that the register lacks
    // are added with the rows.
    let mut audits: HashMap<String, String> = doc
        .audits()
        .into_values()
        .map(|a| (fold_header(&a.title), a.id))
        .collect();
    let mut new_audits: Vec<Audit> = Vec::new();

    let mut findings: Vec<Finding> = Vec::with_capacity(rows.len());
    for row in rows {
        let mut f = row.finding.clone();
        f.id = new_id();
        if f.reference.trim().is_empty() {
            f.reference = references.next().unwrap_or_default();
        }
        if f.raised_by.is_empty() {
            f.raised_by = me.name.clone();
        }
        let mut clocks = settings.clocks();
        if let Some(due) = row.plan_due {
            clocks.plan_due_days = clock_days(f.detected_on, due, "").ok();
        }
        if let Some(due) = row.close_due {
            let days = clock_days(f.detected_on, due, "").ok();
            match f.grade {
                Grade::Major => clocks.major_close_days = days,
                _ => clocks.minor_close_days = days,
            }
        }
        f.clocks = clocks;
        f.actions = std::mem::take(&mut f.actions)
            .into_values()
            .map(|mut a| {
                a.id = new_id();
                (a.id.clone(), a)
            })
            .collect();
        let audit_title = row.audit.trim();
        if !audit_title.is_empty() {
            let key = fold_header(audit_title);
            let id = match audits.get(&key) {
                Some(id) => id.clone(),
                None => {
                    let id = new_id();
                    new_audits.push(Audit {
                        id: id.clone(),
                        title: audit_title.to_owned(),
                        kind: f.source,
                        starts_on: None,
                        ends_on: None,
                        lead_auditor: String::new(),
                        scope: String::new(),
                    });
                    report.audits_added.push(audit_title.to_owned());
                    audits.insert(key, id.clone());
                    id
                }
            };
            f.audit = id;
        }
        validate::finding(&f, today).map_err(|e| {
            DocError::Refused(format!("Line {}: {e}. Nothing was imported.", row.line))
        })?;
        *report.by_status.entry(f.status).or_default() += 1;
        findings.push(f);
    }

    // Similar findings by reference: the rows' own first, then the
    // register's live findings.
    let mut by_reference: HashMap<String, String> = doc
        .live_findings()
        .map(|f| (f.reference.clone(), f.id.clone()))
        .collect();
    for f in &findings {
        by_reference.insert(f.reference.clone(), f.id.clone());
    }
    let mut unmatched: BTreeSet<String> = BTreeSet::new();
    for (f, row) in findings.iter_mut().zip(rows) {
        for (reference, verdict) in &row.similar {
            match by_reference.get(reference) {
                Some(id) if *id != f.id => {
                    f.similar.insert(id.clone(), *verdict);
                }
                Some(_) => {}
                None => {
                    unmatched.insert(reference.clone());
                }
            }
        }
    }
    report.unmatched_similar = unmatched.into_iter().collect();
    report.ids = findings.iter().map(|f| f.id.clone()).collect();
    let batch = ImportBatch {
        source: source.to_owned(),
        audits: new_audits,
        findings,
    };
    doc.check_import(&batch, today)?;
    Ok((batch, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn dates_in_the_usual_spellings() {
        let dm = DateOrder::DayMonth;
        assert_eq!(parse_date("2026-10-03", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(
            parse_date("2026-10-03 00:00:00", dm),
            Ok(Some(d(2026, 10, 3)))
        );
        assert_eq!(parse_date("03/10/2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(
            parse_date("10/03/2026", DateOrder::MonthDay),
            Ok(Some(d(2026, 10, 3)))
        );
        assert_eq!(parse_date("3.10.26", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("3 Oct 2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("3. Okt 2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("03-Oct-26", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("October 3, 2026", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("46298", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("46298.5", dm), Ok(Some(d(2026, 10, 3))));
        assert_eq!(parse_date("", dm), Ok(None));
        assert!(parse_date("31/02/2026", dm)
            .unwrap_err()
            .contains("not a real date"));
        assert!(parse_date("soon", dm).is_err());
        assert!(parse_date("12345", dm).is_err());
    }

    #[test]
    fn the_date_order_comes_from_the_column() {
        assert_eq!(
            date_order(["03/10/2026", "25/12/2026"]),
            DateOrder::DayMonth
        );
        assert_eq!(
            date_order(["10/03/2026", "12/25/2026"]),
            DateOrder::MonthDay
        );
        assert_eq!(date_order(["01/02/2026"]), DateOrder::DayMonth);
        assert_eq!(date_order(["2026-12-25"]), DateOrder::DayMonth);
        assert!(date_order_matters(["01/02/2026"]));
        assert!(!date_order_matters([
            "2026-01-02",
            "25/12/2026",
            "01/01/2026"
        ]));
    }

    #[test]
    fn headers_suggest_fields() {
        let h = headers(&[
            "NC No.",
            "Finding",
            "Description of nonconformity",
            "Objective evidence",
            "ISO 27001 clause",
            "Category",
            "Root cause category",
            "Root cause",
            "Date raised",
            "Status",
            "Department",
            "Corrective action",
            "Action owner",
            "Due date",
            "Date closed",
        ]);
        assert_eq!(
            suggest_mapping(&h),
            vec![
                Some(F("reference")),
                Some(F("title")),
                Some(F("statement")),
                Some(F("evidence")),
                Some(F("requirements")),
                Some(F("grade")),
                Some(F("cause")),
                Some(F("root_cause")),
                Some(F("detected_on")),
                Some(F("status")),
                Some(F("area")),
                Some(Target::Actions),
                Some(Target::ActionOwner),
                Some(Target::ActionDue),
                Some(F("closed_on")),
            ]
        );
    }

    #[test]
    fn german_headers_suggest_fields() {
        let h = headers(&[
            "Nr.",
            "Feststellung",
            "Beschreibung",
            "Normkapitel",
            "Einstufung",
            "Status",
            "Verantwortlich",
            "Maßnahme",
            "Fällig",
            "Abgeschlossen am",
            "Wirksamkeitsprüfung",
        ]);
        assert_eq!(
            suggest_mapping(&h),
            vec![
                Some(F("reference")),
                Some(F("title")),
                Some(F("statement")),
                Some(F("requirements")),
                Some(F("grade")),
                Some(F("status")),
                Some(F("owner")),
                Some(Target::Actions),
                Some(Target::ActionDue),
                Some(F("closed_on")),
                Some(F("review_notes")),
            ]
        );
    }

    #[test]
    fn statuses_in_register_words() {
        for (word, status) in [
            ("Open", Status::Open),
            ("offen", Status::Open),
            ("In progress", Status::InProgress),
            ("In Bearbeitung", Status::InProgress),
            ("Closed", Status::Closed),
            ("Abgeschlossen", Status::Closed),
            ("resolved", Status::Closed),
            ("mitigated", Status::Verifying),
            ("dismissed", Status::Rejected),
            ("IN_PROGRESS", Status::InProgress),
            ("Re-opened", Status::Reopened),
        ] {
            assert_eq!(guess_status(word), Some(status), "{word}");
        }
        assert_eq!(guess_status("deprecated"), None);
    }

    #[test]
    fn grades_in_register_words() {
        assert_eq!(parse_grade("Major NC"), Some(Grade::Major));
        assert_eq!(parse_grade("minor nonconformity"), Some(Grade::Minor));
        assert_eq!(parse_grade("MINOR_NONCONFORMITY"), Some(Grade::Minor));
        assert_eq!(parse_grade("OBS"), Some(Grade::Observation));
        assert_eq!(parse_grade("OFI"), Some(Grade::Opportunity));
        assert_eq!(parse_grade("Hauptabweichung"), Some(Grade::Major));
        assert_eq!(parse_grade("Nebenabweichung"), Some(Grade::Minor));
        assert_eq!(
            parse_grade("Opportunity for improvement"),
            Some(Grade::Opportunity)
        );
        assert_eq!(parse_grade("Severe"), None);
    }

    #[test]
    fn every_importable_field_is_a_target() {
        let fields: Vec<&str> = Target::ALL
            .iter()
            .filter(|t| matches!(t, Target::Field(_)))
            .map(|t| t.code())
            .collect();
        let importable: Vec<&str> = schema::FIELDS
            .iter()
            .filter(|f| f.import.is_some())
            .map(|f| f.key)
            .collect();
        assert_eq!(fields, importable, "same fields, in the schema's order");
        let mut codes = BTreeSet::new();
        let mut labels = BTreeSet::new();
        for t in Target::ALL {
            assert!(t.field().is_some() || !matches!(t, Target::Field(_)));
            assert_eq!(Target::from_code(t.code()), Some(*t));
            assert!(codes.insert(t.code()), "{t:?}");
            assert!(labels.insert(t.label()), "{t:?}");
        }
        // Every column of the export maps back to where it came from.
        let columns = super::super::finding_columns();
        let h: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
        let mapped = suggest_mapping(&h);
        for (c, t) in columns.iter().zip(&mapped) {
            match c.header {
                "Id" => assert_eq!(*t, None),
                header => assert_eq!(t.map(Target::label), Some(header), "{header}"),
            }
        }
    }

    #[test]
    fn actions_as_the_export_writes_them() {
        let a = CorrectiveAction {
            id: "x".into(),
            description: "Update the policy (v2)\nand tell everyone".into(),
            owner: "Doe, Jane".into(),
            due: Some(d(2026, 1, 31)),
            status: ActionStatus::Done,
            done_on: Some(d(2026, 1, 20)),
        };
        let cell = format!("{}\n{}", action_line(&a), "Second action");
        let parsed: Vec<CorrectiveAction> =
            items(&cell).iter().map(|i| parse_action(i).0).collect();
        assert_eq!(parsed.len(), 2);
        assert_eq!(
            parsed[0],
            CorrectiveAction {
                id: String::new(),
                ..a
            }
        );
        assert_eq!(parsed[1].description, "Second action");
        assert_eq!(parsed[1].status, ActionStatus::Planned);
    }

    #[test]
    fn whys_and_similar_read_back() {
        let mut f = Finding::new("a".into(), "NC-1".into());
        f.root_cause
            .whys
            .insert("1".into(), "No owner\nfor years".into());
        f.root_cause.whys.insert("3".into(), "Budget".into());
        assert_eq!(parse_whys(&whys_text(&f)), Ok(f.root_cause.whys.clone()));
        assert_eq!(
            parse_similar("NC-2 (Dismissed)\nNC-3"),
            vec![
                ("NC-2".to_owned(), SimilarVerdict::Dismissed),
                ("NC-3".to_owned(), SimilarVerdict::Linked)
            ]
        );
    }
}
