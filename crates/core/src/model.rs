//! The register's record: what an auditor writes down about a nonconformity
//! and what the organisation does about it (ISO/IEC 27001:2022 clause 10.2).
//!
//! These types are the contract between the document layer (which maps them
//! onto the Automerge document with autosurgeon) and the UI. Enumerations are
//! stored in the document as their stable `code()` strings, never as display
//! labels, so a label can be reworded without breaking old registers.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, HydrateError, Reconcile};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Declares a unit enum whose variants are stored as stable string keys and
/// shown with human labels. Unknown keys (written by a newer version) hydrate
/// to an error rather than to a guess.
macro_rules! keyed_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $key)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// `(code, label)` of every variant, in order: what the field
            /// schema offers as the choices of a field of this type.
            pub const OPTIONS: &'static [(&'static str, &'static str)] = &[$(($key, $label)),+];

            /// The stable key stored in documents and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            /// The label shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn from_code(key: &str) -> Option<Self> {
                match key { $($key => Some($name::$variant),)+ _ => None }
            }

            /// Accepts a key or a label, case-insensitively (spreadsheet import).
            pub fn parse_loose(text: &str) -> Option<Self> {
                let t = text.trim();
                Self::ALL.iter().copied().find(|v| {
                    v.code().eq_ignore_ascii_case(t) || v.label().eq_ignore_ascii_case(t)
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: autosurgeon::Reconciler>(&self, reconciler: R) -> Result<(), R::Error> {
                self.code().reconcile(reconciler)
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &'_ str) -> Result<Self, HydrateError> {
                Self::from_code(s).ok_or_else(|| {
                    HydrateError::unexpected(concat!("a ", stringify!($name), " key"), s.to_string())
                })
            }
        }
    };
}

keyed_enum!(
    /// How serious a finding is (ISO/IEC 17021-1 grading plus the two
    /// non-nonconformity kinds registers usually keep alongside).
    Grade {
        Major => "major", "Major";
        Minor => "minor", "Minor";
        Observation => "observation", "Observation";
        Opportunity => "ofi", "Opportunity for improvement";
    }
);

keyed_enum!(
    /// Where the finding came from.
    Source {
        InternalAudit => "internal_audit", "Internal audit";
        Stage1 => "stage1", "Stage 1 audit";
        Stage2 => "stage2", "Stage 2 audit";
        Surveillance => "surveillance", "Surveillance audit";
        Recertification => "recertification", "Recertification audit";
        ManagementReview => "management_review", "Management review";
        Incident => "incident", "Incident";
        SelfIdentified => "self_identified", "Self-identified";
        Other => "other", "Other";
    }
);

keyed_enum!(
    /// The article's list of common causes, used to spot systemic problems.
    CauseCategory {
        Documentation => "documentation", "Inadequate documentation";
        ControlsNotImplemented => "controls_not_implemented", "Failure to implement controls";
        Awareness => "awareness", "Lack of awareness or training";
        RiskAssessment => "risk_assessment", "Outdated risk assessment";
        InternalAudit => "internal_audit", "Internal audit issues";
        IncidentResponse => "incident_response", "Missing incident response";
        ChangeManagement => "change_management", "Inadequate change management";
        Resources => "resources", "Insufficient resources";
        CertificationMarks => "certification_marks", "Misuse of certification marks";
        Other => "other", "Other";
    }
);

keyed_enum!(
    /// The lifecycle of a finding; guards live in `workflow`.
    Status {
        Open => "open", "Open";
        Analysed => "analysed", "Analysed";
        ActionPlanned => "action_planned", "Action planned";
        InProgress => "in_progress", "In progress";
        Verifying => "verifying", "Verifying";
        Closed => "closed", "Closed";
        Rejected => "rejected", "Rejected";
        Withdrawn => "withdrawn", "Withdrawn";
        Reopened => "reopened", "Reopened";
    }
);

impl Status {
    /// Nothing more is expected of the organisation: closed, rejected as
    /// unfounded, or withdrawn by the certification body. No clock runs.
    pub fn is_finished(self) -> bool {
        matches!(self, Status::Closed | Status::Rejected | Status::Withdrawn)
    }
}

impl Grade {
    /// A nonconformity proper (clause 10.2 applies in full, with the
    /// certification body's clocks). Observations and opportunities for
    /// improvement are not: they have no plan or closing deadline and may be
    /// closed without corrective action.
    pub fn is_nonconformity(self) -> bool {
        matches!(self, Grade::Major | Grade::Minor)
    }
}

impl Source {
    /// Raised by a certification body (ISO/IEC 17021-1 audits), whose
    /// findings the organisation cannot reject: it disputes them with the
    /// body, which upholds or withdraws them.
    pub fn is_certification_body(self) -> bool {
        matches!(
            self,
            Source::Stage1 | Source::Stage2 | Source::Surveillance | Source::Recertification
        )
    }
}

keyed_enum!(
    /// How an observation or an opportunity for improvement was closed
    /// without the corrective-action cycle (a closure through the cycle has
    /// none).
    Disposition {
        Considered => "considered", "Considered";
        NotTakenUp => "not_taken_up", "Not taken up";
    }
);

keyed_enum!(
    /// The certification body's answer to a dispute.
    DisputeOutcome {
        Upheld => "upheld", "Upheld by the body";
        Withdrawn => "withdrawn", "Withdrawn by the body";
    }
);

keyed_enum!(
    ActionStatus {
        Planned => "planned", "Planned";
        InProgress => "in_progress", "In progress";
        Done => "done", "Done";
        Cancelled => "cancelled", "Cancelled";
    }
);

keyed_enum!(
    ReviewResult {
        Effective => "effective", "Effective";
        NotEffective => "not_effective", "Not effective";
    }
);

keyed_enum!(
    /// What a proposed similar finding (clause 10.2 b) 3) was judged to be.
    SimilarVerdict {
        Linked => "linked", "Linked";
        Dismissed => "dismissed", "Dismissed";
    }
);

/// Dates live in the document as ISO 8601 strings (`2026-11-28`), which the
/// official JavaScript library and spreadsheets read without help.
pub mod date_str {
    use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconciler};
    use chrono::NaiveDate;

    pub fn reconcile<R: Reconciler>(d: &Option<NaiveDate>, r: R) -> Result<(), R::Error> {
        use autosurgeon::Reconcile;
        d.map(|d| d.format("%Y-%m-%d").to_string()).reconcile(r)
    }

    /// Serde side, used by the fast read path and by exports: `null`, a
    /// missing key and an empty string all mean "no date".
    pub fn serialize<S: serde::Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.collect_str(&d.format("%Y-%m-%d")),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        use serde::Deserialize;
        match Option::<String>::deserialize(d)?.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: Prop<'_>,
    ) -> Result<Option<NaiveDate>, HydrateError> {
        let s: Option<String> = Option::<String>::hydrate(doc, obj, prop)?;
        match s.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| HydrateError::unexpected("an ISO date", s.to_string())),
        }
    }
}

/// A finding's map of requirement references (`"A.5.15"`, `"9.2"`, or free
/// text for policy/legal requirements). A map, not a list, so two auditors
/// adding different references concurrently both keep theirs.
pub type Requirements = BTreeMap<String, bool>;

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CorrectiveAction {
    pub id: String,
    pub description: String,
    pub owner: String,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub due: Option<NaiveDate>,
    pub status: ActionStatus,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub done_on: Option<NaiveDate>,
}

#[allow(clippy::derivable_impls)] // the enum comes from `keyed_enum!`, which cannot carry `#[default]`
impl Default for ActionStatus {
    fn default() -> Self {
        ActionStatus::Planned
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct EffectivenessReview {
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub due: Option<NaiveDate>,
    pub reviewer: String,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub reviewed_on: Option<NaiveDate>,
    pub result: Option<ReviewResult>,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct RootCause {
    /// e.g. "Five whys", "Fishbone", "Fault tree".
    pub method: String,
    /// The five-whys chain, one answer per step; fixed keys so concurrent
    /// edits to different steps merge.
    pub whys: BTreeMap<String, String>,
    pub statement: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Correction {
    pub description: String,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Closure {
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub closed_on: Option<NaiveDate>,
    pub closed_by: String,
}

/// The organisation's dispute of a certification body's finding, and the
/// body's answer. A finding under dispute stays open (its clocks run) until
/// the body withdraws it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Dispute {
    /// The organisation's grounds.
    pub reason: String,
    #[autosurgeon(with = "date_str")]
    #[serde(with = "date_str")]
    pub raised_on: Option<NaiveDate>,
    /// What the body answered.
    pub answer: String,
    pub outcome: Option<DisputeOutcome>,
}

/// A photo or file attached to a finding as evidence. Its bytes live
/// outside the document (the browser stores them by [`Attachment::hash`]),
/// so every copy of the register stays small and a photo sent twice is kept
/// once; the document holds only this record, keyed by its own id in the
/// finding's `attachments` map so two auditors attaching at once both keep
/// theirs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    /// SHA-256 of the bytes as stored, 64 lowercase hexadecimal digits.
    pub hash: String,
    /// The file's name as it was picked (no folders).
    pub name: String,
    /// Its media type as the browser gave it (`image/jpeg`), or empty.
    pub mime: String,
    /// Bytes stored (after a photo was scaled down).
    pub size: u64,
    /// The person (hex id) who attached it.
    pub author: String,
    /// Their name, as the register knew them then.
    pub added_by: String,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub added_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Finding {
    /// UUID, also the finding's key in the document's `findings` map.
    pub id: String,
    /// Human reference, e.g. `NC-2026-JD-007`.
    pub reference: String,
    pub title: String,
    pub statement: String,
    pub evidence: String,
    pub requirements: Requirements,
    pub grade: Grade,
    pub source: Source,
    /// Key of an audit in the register's `audits` map, or empty.
    pub audit: String,
    pub area: String,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub detected_on: Option<NaiveDate>,
    pub raised_by: String,
    pub owner: String,
    pub cause: Option<CauseCategory>,
    pub status: Status,
    /// Why a finding was rejected as unfounded.
    pub rejection_reason: String,
    pub correction: Correction,
    pub root_cause: RootCause,
    /// Other findings judged similar (clause 10.2 b) 3), keyed by finding id.
    pub similar: BTreeMap<String, SimilarVerdict>,
    pub actions: BTreeMap<String, CorrectiveAction>,
    pub review: EffectivenessReview,
    pub isms_changes: String,
    pub closure: Closure,
    /// Deleted findings stay in the document (tombstoned) so a concurrent
    /// edit elsewhere cannot resurrect half a record.
    pub deleted: bool,
    /// When the finding was copied from another register: that register's id
    /// and the finding's id there.
    pub origin: String,
    /// The register's deadline settings as they stood when the finding was
    /// recorded, so a later settings change never moves its deadlines.
    #[serde(default)]
    #[autosurgeon(missing = "Default::default")]
    pub clocks: Clocks,
    /// For an observation or opportunity for improvement: when to look at
    /// it again (its only deadline, set by a person).
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub follow_up: Option<NaiveDate>,
    /// How an observation or opportunity for improvement was closed without
    /// corrective action; `None` for every other closure.
    #[serde(default)]
    pub disposition: Option<Disposition>,
    /// Why it was closed that way.
    #[serde(default)]
    #[autosurgeon(missing = "Default::default")]
    pub disposition_reason: String,
    #[serde(default)]
    #[autosurgeon(missing = "Default::default")]
    pub dispute: Dispute,
    /// Why the finding was deleted, required to delete it; who and when are
    /// in its history. Restoring leaves it, so the last reason stays readable.
    #[serde(default)]
    #[autosurgeon(missing = "Default::default")]
    pub deletion_reason: String,
    /// Photos and files kept as evidence, keyed by the attachment's id.
    #[serde(default)]
    #[autosurgeon(missing = "Default::default")]
    pub attachments: BTreeMap<String, Attachment>,
}

impl Finding {
    pub fn new(id: String, reference: String) -> Self {
        Finding {
            id,
            reference,
            title: String::new(),
            statement: String::new(),
            evidence: String::new(),
            requirements: Requirements::new(),
            grade: Grade::Minor,
            source: Source::InternalAudit,
            audit: String::new(),
            area: String::new(),
            detected_on: None,
            raised_by: String::new(),
            owner: String::new(),
            cause: None,
            status: Status::Open,
            rejection_reason: String::new(),
            correction: Correction::default(),
            root_cause: RootCause::default(),
            similar: BTreeMap::new(),
            actions: BTreeMap::new(),
            review: EffectivenessReview::default(),
            isms_changes: String::new(),
            closure: Closure::default(),
            deleted: false,
            origin: String::new(),
            clocks: Clocks::default(),
            follow_up: None,
            disposition: None,
            disposition_reason: String::new(),
            dispute: Dispute::default(),
            deletion_reason: String::new(),
            attachments: BTreeMap::new(),
        }
    }

    /// Requirement references in display order.
    pub fn requirement_list(&self) -> Vec<&str> {
        self.requirements
            .iter()
            .filter(|(_, on)| **on)
            .map(|(k, _)| k.as_str())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Audit {
    pub id: String,
    pub title: String,
    pub kind: Source,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub starts_on: Option<NaiveDate>,
    #[autosurgeon(with = "date_str")]
    #[serde(default, with = "date_str")]
    pub ends_on: Option<NaiveDate>,
    pub lead_auditor: String,
    pub scope: String,
}

/// An actor (one browser profile) and the person behind it.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Auditor {
    pub name: String,
    pub initials: String,
}

/// Certification-body clocks, configurable per register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Settings {
    /// A corrective action plan is due this many days after detection.
    pub plan_due_days: u32,
    /// A major must be closed (corrected and verified) within this many days.
    pub major_close_days: u32,
    /// A minor must be closed by the next surveillance audit: this many days.
    pub minor_close_days: u32,
    /// How many minor nonconformities against one requirement or theme
    /// the register calls a systemic pattern ([`crate::patterns`]).
    #[serde(default = "default_pattern_minors")]
    #[autosurgeon(missing = "default_pattern_minors")]
    pub pattern_minors: u32,
}

/// Three, the number certification bodies usually start to read as one
/// systemic failure.
pub fn default_pattern_minors() -> u32 {
    3
}

impl Settings {
    /// These settings, fixed on a finding recorded under them.
    pub fn clocks(&self) -> Clocks {
        Clocks {
            plan_due_days: Some(self.plan_due_days),
            major_close_days: Some(self.major_close_days),
            minor_close_days: Some(self.minor_close_days),
        }
    }
}

/// A finding's own copy of the deadline [`Settings`], member by member: a
/// member left empty (a finding recorded by a version before deadlines were
/// fixed) follows the register's settings until they next change. Day
/// counts, not dates, so a corrected detection date or grade moves the
/// deadline with it, and two auditors changing those concurrently still
/// merge into a consistent pair.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Reconcile, Hydrate, Serialize, Deserialize,
)]
pub struct Clocks {
    pub plan_due_days: Option<u32>,
    pub major_close_days: Option<u32>,
    pub minor_close_days: Option<u32>,
}

impl Clocks {
    /// The settings this finding's deadlines follow: its own where fixed,
    /// the register's `settings` elsewhere.
    pub fn over(&self, settings: &Settings) -> Settings {
        Settings {
            plan_due_days: self.plan_due_days.unwrap_or(settings.plan_due_days),
            major_close_days: self.major_close_days.unwrap_or(settings.major_close_days),
            minor_close_days: self.minor_close_days.unwrap_or(settings.minor_close_days),
            ..*settings
        }
    }

    /// Whether every member is fixed.
    pub fn is_fixed(&self) -> bool {
        self.plan_due_days.is_some()
            && self.major_close_days.is_some()
            && self.minor_close_days.is_some()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            plan_due_days: 30,
            major_close_days: 90,
            minor_close_days: 180,
            pattern_minors: default_pattern_minors(),
        }
    }
}

/// The register's identity. `id` tells a file of this register from a file
/// of another one that shares the same genesis.
#[derive(Debug, Clone, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct RegisterInfo {
    pub id: String,
    pub name: String,
    pub organisation: String,
    pub scope: String,
}
