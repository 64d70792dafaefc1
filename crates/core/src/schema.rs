//! The fields of a finding, described once: where each lives in the
//! document, what the form calls it, what it holds, how it is typed, its
//! limits, the name its draft is kept under and whether a spreadsheet column
//! can fill it. The form, the conflict panel, the history, validation, drafts
//! and CSV import all read this table, so a new field is a line here and a
//! member in `model`.
//!
//! Paths are relative to the finding's map in the document. A path step
//! [`ANY`] stands for a key chosen at run time (which [`Wild`] says): a
//! corrective action's id, a five-whys step, a requirement reference or
//! another finding's id. The same key fills the `*` of the field's `key`.

use chrono::NaiveDate;

use crate::model::{
    ActionStatus, CauseCategory, Disposition, DisputeOutcome, Finding, Grade, ReviewResult,
    SimilarVerdict, Source, Status,
};

/// Long enough for pasted log excerpts as evidence, short enough that one
/// runaway paste cannot bloat every copy of the register.
pub const MAX_TEXT: usize = 20_000;

/// Corrective actions on one finding: far beyond any real plan, low enough
/// that a crafted file cannot make one finding's page unusable.
pub const MAX_ACTIONS: usize = 200;

/// Requirements, similar-finding links and "why" steps on one finding.
pub const MAX_ITEMS: usize = 500;

/// Photos and files on one finding: a finding's evidence, not an album;
/// low enough that a crafted file cannot make one page load thousands of
/// thumbnails.
pub const MAX_ATTACHMENTS: usize = 100;

/// Characters of an attachment's file name or media type: every file
/// system's name limit is 255.
pub const MAX_FILE_NAME: usize = 255;

/// The path step that matches any key (see the module's documentation).
pub const ANY: &str = "*";

/// The five-whys steps, stored under the keys `"1"` to `"5"` of
/// `root_cause.whys` so concurrent edits to different steps merge.
pub const WHY_STEPS: [&str; 5] = ["1", "2", "3", "4", "5"];

/// Suggested root-cause methods; five whys first because it needs no
/// training and the page has a helper for it. Any other text is kept.
pub const ROOT_CAUSE_METHODS: &[&str] = &[
    "Five whys",
    "Fishbone (Ishikawa) diagram",
    "Fault tree analysis",
    "Pareto analysis",
    "8D problem solving",
];

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Text that may run to paragraphs.
    LongText,
    Date,
    /// One of a keyed enum's values, stored as its code; `optional` when the
    /// field may hold none.
    Choice {
        options: &'static [(&'static str, &'static str)],
        optional: bool,
    },
    /// Yes or no; `on` is how the history words "yes" for this field.
    Flag {
        on: &'static str,
    },
    /// A number of days, or none.
    Days,
    /// A number of bytes (an attachment's size).
    Size,
    /// The key of an audit in the register's `audits` map, or empty.
    Audit,
    /// Bookkeeping nobody reads or edits (a record's own id).
    Id,
}

/// How a value is typed, in the form and when settling a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Editor {
    /// Never typed: set by the lifecycle, by an import or not at all.
    None,
    Input,
    TextArea,
    Date,
    /// A select of the field's choices; `none` is the first option's text
    /// when the field may hold no value.
    Select {
        none: Option<&'static str>,
    },
    /// Free text picked from suggestions; `none` is the empty option's text.
    Suggest {
        none: &'static str,
        options: &'static [&'static str],
    },
    /// A control of its own (the requirement picker, the audit select).
    Custom,
}

/// Where the finding's page shows a field. Fields of one section appear in
/// the order of [`FIELDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Not on the page as a control.
    None,
    /// The finding form.
    Finding,
    /// Under the lifecycle's steps, while the finding may be rejected.
    Rejection,
    /// An observation's or opportunity for improvement's own follow-up and
    /// closure without corrective action.
    Improvement,
    /// A certification body's finding disputed with the body.
    Dispute,
    Correction,
    /// Root-cause analysis, before the five whys.
    RootCauseMethod,
    FiveWhys,
    /// Root-cause analysis, after the five whys.
    RootCause,
    /// Each corrective action's group.
    Action,
    Review,
    Isms,
}

/// What the [`ANY`] step of a field's path stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Wild {
    None,
    /// A five-whys step, one of [`WHY_STEPS`].
    Step,
    /// A corrective action's id.
    Action,
    /// A requirement reference.
    Requirement,
    /// Another finding's id.
    Finding,
    /// An attachment's id.
    Attachment,
}

/// What a field may hold beyond its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Characters of text (for a requirement: of the reference).
    pub max_chars: Option<usize>,
    /// A date that plans something (a due date) may lie in the future.
    pub future: bool,
    /// A date of something done about the finding cannot precede its
    /// detection.
    pub after_detection: bool,
}

const NO_LIMITS: Limits = Limits {
    max_chars: None,
    future: false,
    after_detection: false,
};

const TEXT: Limits = Limits {
    max_chars: Some(MAX_TEXT),
    ..NO_LIMITS
};

/// A value read from or written to a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Date(Option<NaiveDate>),
    /// A choice's code; `None` for no choice.
    Code(Option<String>),
    Flag(bool),
    Days(Option<u32>),
    Size(u64),
}

/// Reads a field; the `&str` is the key standing for [`ANY`]. `None` when
/// there is no such slot (an action removed by a merge, a step that is not
/// one).
pub type Getter = fn(&Finding, &str) -> Option<Value>;
/// Writes a field; `false` when there is no such slot or the value is not of
/// the field's kind, and then nothing changed.
pub type Setter = fn(&mut Finding, &str, Value) -> bool;

/// One field of a finding.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub path: &'static [&'static str],
    /// The field's name in code: the key of its draft and of its control on
    /// the page (`f-<key>`) and its CSV import code. `*` stands for the wild
    /// key.
    pub key: &'static str,
    /// As the form labels it; `{}` stands for the wild key.
    pub label: &'static str,
    /// As messages name it (validation, conflicts, history), when it differs
    /// from the label.
    name: Option<&'static str>,
    /// For a corrective action's field: what follows "Action 1" in the
    /// conflict panel and the history.
    pub part: &'static str,
    pub kind: Kind,
    pub editor: Editor,
    pub section: Section,
    /// Fields of a section with the same non-zero row sit side by side.
    pub row: u8,
    pub limits: Limits,
    pub wild: Wild,
    /// The label the CSV import offers this field under, if a column can
    /// fill it.
    pub import: Option<&'static str>,
    pub get: Getter,
    pub set: Setter,
}

const fn field(
    path: &'static [&'static str],
    key: &'static str,
    label: &'static str,
    kind: Kind,
    (get, set): (Getter, Setter),
) -> Field {
    let editor = match kind {
        Kind::Text => Editor::Input,
        Kind::LongText => Editor::TextArea,
        Kind::Date => Editor::Date,
        _ => Editor::None,
    };
    let limits = match kind {
        Kind::Text | Kind::LongText => TEXT,
        _ => NO_LIMITS,
    };
    Field {
        path,
        key,
        label,
        name: None,
        part: "",
        kind,
        editor,
        section: Section::None,
        row: 0,
        limits,
        wild: Wild::None,
        import: None,
        get,
        set,
    }
}

impl Field {
    const fn on(mut self, section: Section, row: u8) -> Self {
        self.section = section;
        self.row = row;
        self
    }

    const fn editor(mut self, editor: Editor) -> Self {
        self.editor = editor;
        self
    }

    const fn named(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

    const fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    const fn wild(mut self, wild: Wild) -> Self {
        self.wild = wild;
        self
    }

    const fn action(mut self, name: &'static str, part: &'static str) -> Self {
        self.wild = Wild::Action;
        self.name = Some(name);
        self.part = part;
        self
    }

    const fn import(mut self, label: &'static str) -> Self {
        self.import = Some(label);
        self
    }

    /// The key with the wild key filled in.
    pub fn key_for(&self, wild: &str) -> String {
        self.key.replace('*', wild)
    }

    /// The form's label with the wild key filled in.
    pub fn label_for(&self, wild: &str) -> String {
        self.label.replace("{}", wild)
    }

    /// The name messages use, with the wild key filled in ("Why 3").
    pub fn name_for(&self, wild: &str) -> String {
        self.name.unwrap_or(self.label).replace("{}", wild)
    }

    /// The name validation uses: one for every wild key ("Why").
    pub fn name(&self) -> &'static str {
        let name = self.name.unwrap_or(self.label);
        name.strip_suffix(" {}").unwrap_or(name)
    }

    /// The choices of a [`Kind::Choice`] field, `(code, label)`.
    pub fn options(&self) -> &'static [(&'static str, &'static str)] {
        match self.kind {
            Kind::Choice { options, .. } => options,
            _ => &[],
        }
    }

    /// A stored code as people read it.
    pub fn option_label(&self, code: &str) -> Option<&'static str> {
        self.options()
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, l)| *l)
    }

    pub fn is_text(&self) -> bool {
        matches!(self.kind, Kind::Text | Kind::LongText)
    }

    /// The keys the wild step takes in `f` (one empty key for a field
    /// without one): what validation checks.
    pub fn present(&self, f: &Finding) -> Vec<String> {
        match self.wild {
            Wild::None => vec![String::new()],
            Wild::Step => f.root_cause.whys.keys().cloned().collect(),
            Wild::Action => f.actions.keys().cloned().collect(),
            Wild::Requirement => f.requirements.keys().cloned().collect(),
            Wild::Finding => f.similar.keys().cloned().collect(),
            Wild::Attachment => f.attachments.keys().cloned().collect(),
        }
    }

    /// Whether `path` is this field's, and if so the key standing for
    /// [`ANY`] (empty when the path has none).
    pub fn matches<'a>(&self, path: &[&'a str]) -> Option<&'a str> {
        if path.len() != self.path.len() {
            return None;
        }
        let mut wild = "";
        for (step, want) in path.iter().zip(self.path) {
            if *want == ANY {
                wild = step;
            } else if step != want {
                return None;
            }
        }
        Some(wild)
    }

    /// Whether `key` is this field's, and if so its wild key.
    fn matches_key<'a>(&self, key: &'a str) -> Option<&'a str> {
        match self.key.split_once('*') {
            None => (key == self.key).then_some(""),
            Some((before, after)) => key
                .strip_prefix(before)?
                .strip_suffix(after)
                .filter(|w| !w.is_empty()),
        }
    }
}

/// The field at a document path, with the key standing for [`ANY`].
pub fn at_path<S: AsRef<str>>(path: &[S]) -> Option<(&'static Field, &str)> {
    let steps: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
    FIELDS
        .iter()
        .find_map(|field| field.matches(&steps).map(|wild| (field, wild)))
}

/// The field with a key (a draft's name), with its wild key.
pub fn by_key(key: &str) -> Option<(&'static Field, &str)> {
    // Exact keys first, so `root_cause` is never read as a pattern's match.
    FIELDS
        .iter()
        .filter(|f| !f.key.contains('*'))
        .chain(FIELDS.iter().filter(|f| f.key.contains('*')))
        .find_map(|f| f.matches_key(key).map(|w| (f, w)))
}

/// The fields a section of the page shows, in order.
pub fn in_section(section: Section) -> impl Iterator<Item = &'static Field> {
    FIELDS.iter().filter(move |f| f.section == section)
}

/// A text field's value by key; empty for an unknown key or a missing slot.
pub fn get_text(f: &Finding, key: &str) -> String {
    match by_key(key) {
        Some((field, wild)) if field.is_text() => match (field.get)(f, wild) {
            Some(Value::Text(t)) => t,
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Sets a text field by key; unknown keys are ignored (a draft written by
/// a newer version must not break start-up).
pub fn set_text(f: &mut Finding, key: &str, value: String) {
    if let Some((field, wild)) = by_key(key).filter(|(field, _)| field.is_text()) {
        (field.set)(f, wild, Value::Text(value));
    }
}

/// A date field's value by key.
pub fn get_date(f: &Finding, key: &str) -> Option<NaiveDate> {
    match by_key(key).and_then(|(field, wild)| (field.get)(f, wild)) {
        Some(Value::Date(d)) => d,
        _ => None,
    }
}

// ----- accessors ---------------------------------------------------------------
//
// Each macro makes the getter and setter of one kind of member, so that a
// field's entry names its member once.

macro_rules! text {
    ($($m:ident).+) => {
        (
            |f: &Finding, _: &str| Some(Value::Text(f.$($m).+.clone())),
            |f: &mut Finding, _: &str, v: Value| match v {
                Value::Text(t) => {
                    f.$($m).+ = t;
                    true
                }
                _ => false,
            },
        )
    };
}

macro_rules! date {
    ($($m:ident).+) => {
        (
            |f: &Finding, _: &str| Some(Value::Date(f.$($m).+)),
            |f: &mut Finding, _: &str, v: Value| match v {
                Value::Date(d) => {
                    f.$($m).+ = d;
                    true
                }
                _ => false,
            },
        )
    };
}

macro_rules! days {
    ($($m:ident).+) => {
        (
            |f: &Finding, _: &str| Some(Value::Days(f.$($m).+)),
            |f: &mut Finding, _: &str, v: Value| match v {
                Value::Days(d) => {
                    f.$($m).+ = d;
                    true
                }
                _ => false,
            },
        )
    };
}

macro_rules! choice {
    ($ty:ident, $($m:ident).+) => {
        (
            |f: &Finding, _: &str| Some(Value::Code(Some(f.$($m).+.code().to_owned()))),
            |f: &mut Finding, _: &str, v: Value| match v {
                Value::Code(Some(c)) => $ty::from_code(&c).map(|x| f.$($m).+ = x).is_some(),
                _ => false,
            },
        )
    };
}

macro_rules! optional_choice {
    ($ty:ident, $($m:ident).+) => {
        (
            |f: &Finding, _: &str| Some(Value::Code(f.$($m).+.map(|x| x.code().to_owned()))),
            |f: &mut Finding, _: &str, v: Value| match v {
                Value::Code(None) => {
                    f.$($m).+ = None;
                    true
                }
                Value::Code(Some(c)) => $ty::from_code(&c).map(|x| f.$($m).+ = Some(x)).is_some(),
                _ => false,
            },
        )
    };
}

macro_rules! action_text {
    ($m:ident) => {
        (
            |f: &Finding, id: &str| f.actions.get(id).map(|a| Value::Text(a.$m.clone())),
            |f: &mut Finding, id: &str, v: Value| match (f.actions.get_mut(id), v) {
                (Some(a), Value::Text(t)) => {
                    a.$m = t;
                    true
                }
                _ => false,
            },
        )
    };
}

macro_rules! action_date {
    ($m:ident) => {
        (
            |f: &Finding, id: &str| f.actions.get(id).map(|a| Value::Date(a.$m)),
            |f: &mut Finding, id: &str, v: Value| match (f.actions.get_mut(id), v) {
                (Some(a), Value::Date(d)) => {
                    a.$m = d;
                    true
                }
                _ => false,
            },
        )
    };
}

/// Any step the document holds is read (and so validated), even one this
/// version would not write.
fn why(f: &Finding, step: &str) -> Option<Value> {
    let stored = f.root_cause.whys.get(step).cloned();
    stored
        .or_else(|| WHY_STEPS.contains(&step).then(String::new))
        .map(Value::Text)
}

fn set_why(f: &mut Finding, step: &str, v: Value) -> bool {
    let (true, Value::Text(t)) = (WHY_STEPS.contains(&step), v) else {
        return false;
    };
    // An emptied step leaves the map rather than lingering as "".
    if t.is_empty() {
        f.root_cause.whys.remove(step);
    } else {
        f.root_cause.whys.insert(step.to_owned(), t);
    }
    true
}

macro_rules! attachment_text {
    ($m:ident) => {
        (
            |f: &Finding, id: &str| f.attachments.get(id).map(|a| Value::Text(a.$m.clone())),
            |f: &mut Finding, id: &str, v: Value| match (f.attachments.get_mut(id), v) {
                (Some(a), Value::Text(t)) => {
                    a.$m = t;
                    true
                }
                _ => false,
            },
        )
    };
}

const FILE_NAME: Limits = Limits {
    max_chars: Some(MAX_FILE_NAME),
    ..NO_LIMITS
};

// ----- the table -----------------------------------------------------------------

/// Every field of a finding, in the order of the document and of the page.
pub static FIELDS: &[Field] = &[
    field(&["id"], "id", "Id", Kind::Id, text!(id)).limits(NO_LIMITS),
    // Not on the form (the page's heading shows it), not length-checked: a
    // reference is assigned, or comes from a sheet as it was written.
    field(
        &["reference"],
        "reference",
        "Reference",
        Kind::Text,
        text!(reference),
    )
    .limits(NO_LIMITS)
    .import("Reference"),
    field(&["title"], "title", "Title", Kind::Text, text!(title))
        .on(Section::Finding, 0)
        .import("Title"),
    field(
        &["statement"],
        "statement",
        "Statement",
        Kind::LongText,
        text!(statement),
    )
    .on(Section::Finding, 0)
    .import("Statement"),
    field(
        &["evidence"],
        "evidence",
        "Evidence",
        Kind::LongText,
        text!(evidence),
    )
    .on(Section::Finding, 0)
    .import("Evidence"),
    field(
        &["requirements", ANY],
        "requirements",
        "Requirement {}",
        Kind::Flag { on: "cited" },
        (
            |f, r| f.requirements.get(r).map(|on| Value::Flag(*on)),
            |f, r, v| match v {
                Value::Flag(on) => {
                    f.requirements.insert(r.to_owned(), on);
                    true
                }
                _ => false,
            },
        ),
    )
    .wild(Wild::Requirement)
    .editor(Editor::Custom)
    .on(Section::Finding, 0)
    .limits(TEXT)
    .import("Requirements"),
    field(
        &["grade"],
        "grade",
        "Grade",
        Kind::Choice {
            options: Grade::OPTIONS,
            optional: false,
        },
        choice!(Grade, grade),
    )
    .editor(Editor::Select { none: None })
    .on(Section::Finding, 1)
    .import("Grade"),
    field(
        &["source"],
        "source",
        "Source",
        Kind::Choice {
            options: Source::OPTIONS,
            optional: false,
        },
        choice!(Source, source),
    )
    .editor(Editor::Select { none: None })
    .on(Section::Finding, 1)
    .import("Source"),
    field(&["audit"], "audit", "Audit", Kind::Audit, text!(audit))
        .editor(Editor::Custom)
        .on(Section::Finding, 1)
        .import("Audit"),
    field(&["area"], "area", "Area", Kind::Text, text!(area))
        .on(Section::Finding, 2)
        .import("Area"),
    field(
        &["detected_on"],
        "detected_on",
        "Detected on",
        Kind::Date,
        date!(detected_on),
    )
    .on(Section::Finding, 2)
    .import("Detected on"),
    field(
        &["raised_by"],
        "raised_by",
        "Raised by",
        Kind::Text,
        text!(raised_by),
    )
    .on(Section::Finding, 3)
    .import("Raised by"),
    field(&["owner"], "owner", "Owner", Kind::Text, text!(owner))
        .on(Section::Finding, 3)
        .import("Owner"),
    field(
        &["cause"],
        "cause",
        "Cause category",
        Kind::Choice {
            options: CauseCategory::OPTIONS,
            optional: true,
        },
        optional_choice!(CauseCategory, cause),
    )
    .editor(Editor::Select {
        none: Some("Not yet known"),
    })
    .on(Section::Finding, 3)
    .import("Cause category"),
    // Moves only through the lifecycle's guarded steps.
    field(
        &["status"],
        "status",
        "Status",
        Kind::Choice {
            options: Status::OPTIONS,
            optional: false,
        },
        choice!(Status, status),
    )
    .import("Status"),
    field(
        &["rejection_reason"],
        "rejection_reason",
        "Rejection reason",
        Kind::LongText,
        text!(rejection_reason),
    )
    .on(Section::Rejection, 0)
    .import("Rejection reason"),
    field(
        &["follow_up"],
        "follow_up",
        "Follow up on",
        Kind::Date,
        date!(follow_up),
    )
    .named("Follow-up date")
    .on(Section::Improvement, 1)
    .limits(Limits {
        future: true,
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Follow up on"),
    field(
        &["disposition"],
        "disposition",
        "Closed as",
        Kind::Choice {
            options: Disposition::OPTIONS,
            optional: true,
        },
        optional_choice!(Disposition, disposition),
    )
    .editor(Editor::Select {
        none: Some("Not closed without action"),
    })
    .on(Section::Improvement, 1)
    .import("Closed as"),
    field(
        &["disposition_reason"],
        "disposition_reason",
        "Reason for closing without corrective action",
        Kind::LongText,
        text!(disposition_reason),
    )
    .named("Reason for the disposition")
    .on(Section::Improvement, 2)
    .import("Reason for closing without action"),
    field(
        &["dispute", "reason"],
        "dispute_reason",
        "Grounds of the dispute",
        Kind::LongText,
        text!(dispute.reason),
    )
    .named("Dispute reason")
    .on(Section::Dispute, 0)
    .import("Dispute reason"),
    field(
        &["dispute", "raised_on"],
        "dispute_raised_on",
        "Disputed on",
        Kind::Date,
        date!(dispute.raised_on),
    )
    .on(Section::Dispute, 1)
    .limits(Limits {
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Disputed on"),
    field(
        &["dispute", "outcome"],
        "dispute_outcome",
        "The body's decision",
        Kind::Choice {
            options: DisputeOutcome::OPTIONS,
            optional: true,
        },
        optional_choice!(DisputeOutcome, dispute.outcome),
    )
    .editor(Editor::Select {
        none: Some("No answer yet"),
    })
    .named("Dispute outcome")
    .on(Section::Dispute, 1)
    .import("Dispute outcome"),
    field(
        &["dispute", "answer"],
        "dispute_answer",
        "The body's answer",
        Kind::LongText,
        text!(dispute.answer),
    )
    .named("The body's answer to the dispute")
    .on(Section::Dispute, 2)
    .import("Body's answer"),
    field(
        &["correction", "description"],
        "correction",
        "Correction",
        Kind::LongText,
        text!(correction.description),
    )
    .on(Section::Correction, 1)
    .import("Correction"),
    field(
        &["correction", "done_on"],
        "correction_done_on",
        "Correction date",
        Kind::Date,
        date!(correction.done_on),
    )
    .on(Section::Correction, 1)
    .limits(Limits {
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Correction done on"),
    field(
        &["root_cause", "method"],
        "root_cause_method",
        "Root-cause method",
        Kind::Text,
        text!(root_cause.method),
    )
    .editor(Editor::Suggest {
        none: "Not chosen yet (five whys suggested)",
        options: ROOT_CAUSE_METHODS,
    })
    .on(Section::RootCauseMethod, 0)
    .import("Root-cause method"),
    // An answer may be a sentence (a conflict shows it whole), typed on one
    // line in the form.
    field(
        &["root_cause", "whys", ANY],
        "why*",
        "Why {}",
        Kind::LongText,
        (why, set_why),
    )
    .wild(Wild::Step)
    .editor(Editor::Input)
    .on(Section::FiveWhys, 0),
    field(
        &["root_cause", "statement"],
        "root_cause",
        "Root-cause statement",
        Kind::LongText,
        text!(root_cause.statement),
    )
    .on(Section::RootCause, 0)
    .import("Root cause"),
    field(
        &["similar", ANY],
        "similar:*",
        "Similar finding",
        Kind::Choice {
            options: SimilarVerdict::OPTIONS,
            optional: true,
        },
        (
            |f, id| {
                f.similar
                    .get(id)
                    .map(|v| Value::Code(Some(v.code().to_owned())))
            },
            |f, id, v| match v {
                Value::Code(None) => {
                    f.similar.remove(id);
                    true
                }
                Value::Code(Some(c)) => SimilarVerdict::from_code(&c)
                    .map(|v| f.similar.insert(id.to_owned(), v))
                    .is_some(),
                _ => false,
            },
        ),
    )
    .wild(Wild::Finding),
    field(
        &["actions", ANY, "id"],
        "action:*:id",
        "Id",
        Kind::Id,
        action_text!(id),
    )
    .action("Action id", "id")
    .limits(NO_LIMITS),
    field(
        &["actions", ANY, "description"],
        "action:*:description",
        "Description",
        Kind::LongText,
        action_text!(description),
    )
    .action("Action", "description")
    .on(Section::Action, 0),
    field(
        &["actions", ANY, "owner"],
        "action:*:owner",
        "Owner",
        Kind::Text,
        action_text!(owner),
    )
    .action("Action owner", "owner")
    .on(Section::Action, 1),
    field(
        &["actions", ANY, "due"],
        "action:*:due",
        "Due date",
        Kind::Date,
        action_date!(due),
    )
    .action("Action due", "due date")
    .on(Section::Action, 1)
    .limits(Limits {
        future: true,
        after_detection: true,
        ..NO_LIMITS
    }),
    field(
        &["actions", ANY, "status"],
        "action:*:status",
        "Action status",
        Kind::Choice {
            options: ActionStatus::OPTIONS,
            optional: false,
        },
        (
            |f, id| {
                f.actions
                    .get(id)
                    .map(|a| Value::Code(Some(a.status.code().to_owned())))
            },
            |f, id, v| match (f.actions.get_mut(id), v) {
                (Some(a), Value::Code(Some(c))) => {
                    ActionStatus::from_code(&c).map(|s| a.status = s).is_some()
                }
                _ => false,
            },
        ),
    )
    .action("Action status", "status")
    .editor(Editor::Select { none: None })
    .on(Section::Action, 1),
    field(
        &["actions", ANY, "done_on"],
        "action:*:done_on",
        "Done on",
        Kind::Date,
        action_date!(done_on),
    )
    .action("Action done on", "done on")
    .on(Section::Action, 1)
    .limits(Limits {
        after_detection: true,
        ..NO_LIMITS
    }),
    field(
        &["review", "due"],
        "review_due",
        "Review due",
        Kind::Date,
        date!(review.due),
    )
    .on(Section::Review, 1)
    .limits(Limits {
        future: true,
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Review due"),
    field(
        &["review", "reviewer"],
        "reviewer",
        "Reviewer",
        Kind::Text,
        text!(review.reviewer),
    )
    .on(Section::Review, 1)
    .import("Reviewer"),
    field(
        &["review", "reviewed_on"],
        "reviewed_on",
        "Reviewed on",
        Kind::Date,
        date!(review.reviewed_on),
    )
    .on(Section::Review, 1)
    .limits(Limits {
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Reviewed on"),
    // Recorded with the review, through the lifecycle.
    field(
        &["review", "result"],
        "review_result",
        "Review result",
        Kind::Choice {
            options: ReviewResult::OPTIONS,
            optional: true,
        },
        optional_choice!(ReviewResult, review.result),
    )
    .editor(Editor::None)
    .import("Review result"),
    field(
        &["review", "notes"],
        "review_notes",
        "Review notes",
        Kind::LongText,
        text!(review.notes),
    )
    .on(Section::Review, 0)
    .import("Review notes"),
    field(
        &["isms_changes"],
        "isms_changes",
        "ISMS changes and documents updated",
        Kind::LongText,
        text!(isms_changes),
    )
    .named("ISMS changes")
    .on(Section::Isms, 0)
    .import("ISMS changes"),
    // The closure is written by the lifecycle's last step; it is off the
    // form, but a conflict over it is settled by typing like any date.
    field(
        &["closure", "closed_on"],
        "closed_on",
        "Closed on",
        Kind::Date,
        date!(closure.closed_on),
    )
    .limits(Limits {
        after_detection: true,
        ..NO_LIMITS
    })
    .import("Closed on"),
    field(
        &["closure", "closed_by"],
        "closed_by",
        "Closed by",
        Kind::Text,
        text!(closure.closed_by),
    )
    .import("Closed by"),
    field(
        &["deleted"],
        "deleted",
        "Deleted",
        Kind::Flag { on: "yes" },
        (
            |f, _| Some(Value::Flag(f.deleted)),
            |f, _, v| match v {
                Value::Flag(on) => {
                    f.deleted = on;
                    true
                }
                _ => false,
            },
        ),
    ),
    // Written only by `delete_finding`, with the flag: never on the form.
    field(
        &["deletion_reason"],
        "deletion_reason",
        "Reason for deletion",
        Kind::LongText,
        text!(deletion_reason),
    )
    .editor(Editor::None),
    field(
        &["origin"],
        "origin",
        "Copied from",
        Kind::Text,
        text!(origin),
    )
    .editor(Editor::None)
    .limits(NO_LIMITS),
    // Fixed when the finding is recorded (or when the register's settings
    // change under a finding recorded before they were fixed); never typed.
    field(
        &["clocks", "plan_due_days"],
        "clock_plan",
        "Plan due (days, as recorded)",
        Kind::Days,
        days!(clocks.plan_due_days),
    ),
    field(
        &["clocks", "major_close_days"],
        "clock_major",
        "Majors close within (days, as recorded)",
        Kind::Days,
        days!(clocks.major_close_days),
    ),
    field(
        &["clocks", "minor_close_days"],
        "clock_minor",
        "Minors close within (days, as recorded)",
        Kind::Days,
        days!(clocks.minor_close_days),
    ),
    // Attachments are added and removed whole (`add_attachment`,
    // `remove_attachment`), never typed: off the form, but named for the
    // history and validated like any field.
    field(
        &["attachments", ANY, "id"],
        "attachment:*:id",
        "Attachment id",
        Kind::Id,
        attachment_text!(id),
    )
    .wild(Wild::Attachment)
    .limits(NO_LIMITS),
    field(
        &["attachments", ANY, "hash"],
        "attachment:*:hash",
        "Attachment content (SHA-256)",
        Kind::Id,
        attachment_text!(hash),
    )
    .wild(Wild::Attachment)
    .limits(NO_LIMITS),
    field(
        &["attachments", ANY, "name"],
        "attachment:*:name",
        "Attachment",
        Kind::Text,
        attachment_text!(name),
    )
    .wild(Wild::Attachment)
    .limits(FILE_NAME),
    field(
        &["attachments", ANY, "mime"],
        "attachment:*:mime",
        "Attachment type",
        Kind::Text,
        attachment_text!(mime),
    )
    .wild(Wild::Attachment)
    .limits(FILE_NAME),
    field(
        &["attachments", ANY, "size"],
        "attachment:*:size",
        "Attachment size",
        Kind::Size,
        (
            |f, id| f.attachments.get(id).map(|a| Value::Size(a.size)),
            |f, id, v| match (f.attachments.get_mut(id), v) {
                (Some(a), Value::Size(n)) => {
                    a.size = n;
                    true
                }
                _ => false,
            },
        ),
    )
    .wild(Wild::Attachment),
    field(
        &["attachments", ANY, "author"],
        "attachment:*:author",
        "Attachment author id",
        Kind::Id,
        attachment_text!(author),
    )
    .wild(Wild::Attachment)
    .limits(NO_LIMITS),
    field(
        &["attachments", ANY, "added_by"],
        "attachment:*:added_by",
        "Attachment added by",
        Kind::Text,
        attachment_text!(added_by),
    )
    .wild(Wild::Attachment),
    field(
        &["attachments", ANY, "added_on"],
        "attachment:*:added_on",
        "Attachment added on",
        Kind::Date,
        (
            |f, id| f.attachments.get(id).map(|a| Value::Date(a.added_on)),
            |f, id, v| match (f.attachments.get_mut(id), v) {
                (Some(a), Value::Date(d)) => {
                    a.added_on = d;
                    true
                }
                _ => false,
            },
        ),
    )
    .wild(Wild::Attachment),
];

/// How many entries a finding's maps may hold, named as messages name them.
pub fn collections(f: &Finding) -> [(&'static str, usize, usize); 5] {
    [
        ("Attachments", f.attachments.len(), MAX_ATTACHMENTS),
        ("Corrective actions", f.actions.len(), MAX_ACTIONS),
        ("Requirements", f.requirements.len(), MAX_ITEMS),
        ("Similar findings", f.similar.len(), MAX_ITEMS),
        ("Why steps", f.root_cause.whys.len(), MAX_ITEMS),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::model::CorrectiveAction;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    /// A key for the wild step that names an existing slot in [`populated`].
    fn wild_key(field: &Field) -> &'static str {
        match field.wild {
            Wild::None => "",
            Wild::Step => "3",
            Wild::Action => "a1",
            Wild::Requirement => "A.5.15",
            Wild::Finding => "other",
            Wild::Attachment => "p1",
        }
    }

    fn sample(field: &Field, n: u32) -> Value {
        match field.kind {
            Kind::Text | Kind::LongText | Kind::Audit | Kind::Id => {
                Value::Text(format!("{} {n}", field.key))
            }
            Kind::Date => Value::Date(Some(day(n))),
            Kind::Choice { options, .. } => {
                Value::Code(Some(options[n as usize % options.len()].0.to_owned()))
            }
            Kind::Flag { .. } => Value::Flag(n % 2 == 1),
            Kind::Days => Value::Days(Some(n * 10)),
            Kind::Size => Value::Size(u64::from(n) * 1000),
        }
    }

    /// Every field set, through the schema, to a value of its kind.
    fn populated() -> Finding {
        let mut f = Finding::new("f".into(), "NC-1".into());
        f.actions.insert("a1".into(), CorrectiveAction::default());
        f.attachments
            .insert("p1".into(), crate::model::Attachment::default());
        for field in FIELDS {
            assert!(
                (field.set)(&mut f, wild_key(field), sample(field, 1)),
                "{}",
                field.key
            );
        }
        f
    }

    #[test]
    fn every_field_round_trips() {
        let mut f = populated();
        for field in FIELDS {
            let wild = wild_key(field);
            for n in [1, 2] {
                let value = sample(field, n);
                assert!((field.set)(&mut f, wild, value.clone()), "{}", field.key);
                assert_eq!((field.get)(&f, wild), Some(value), "{}", field.key);
            }
        }
    }

    #[test]
    fn every_path_the_document_writes_has_a_field() {
        fn leaves(value: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            match value {
                serde_json::Value::Object(map) if !map.is_empty() => {
                    for (k, v) in map {
                        path.push(k.clone());
                        leaves(v, path, out);
                        path.pop();
                    }
                }
                _ => out.push(path.clone()),
            }
        }
        let f = populated();
        let json = serde_json::to_value(&f).unwrap();
        let mut found = Vec::new();
        leaves(&json, &mut Vec::new(), &mut found);
        let mut used = BTreeSet::new();
        for path in &found {
            let (field, wild) = at_path(path).unwrap_or_else(|| panic!("{path:?} has no field"));
            used.insert(field.key);
            // The field reads what the document holds there.
            let leaf = path.iter().fold(&json, |v, step| &v[step.as_str()]).clone();
            let read = match (field.get)(&f, wild).unwrap() {
                Value::Text(t) => serde_json::Value::String(t),
                Value::Date(d) => d
                    .map(|d| serde_json::Value::String(d.to_string()))
                    .unwrap_or(serde_json::Value::Null),
                Value::Code(c) => c
                    .map(serde_json::Value::String)
                    .unwrap_or(serde_json::Value::Null),
                Value::Flag(b) => serde_json::Value::Bool(b),
                Value::Days(d) => d.map(serde_json::Value::from).unwrap_or_default(),
                Value::Size(n) => serde_json::Value::from(n),
            };
            assert_eq!(read, leaf, "{path:?}");
        }
        let all: BTreeSet<&str> = FIELDS.iter().map(|f| f.key).collect();
        assert_eq!(used, all, "every field is a path of the document");
    }

    #[test]
    fn labels_and_names_are_unique() {
        let mut names = BTreeSet::new();
        let mut keys = BTreeSet::new();
        let mut labels = BTreeSet::new();
        for f in FIELDS {
            assert!(names.insert(f.name()), "name {}", f.name());
            assert!(keys.insert(f.key), "key {}", f.key);
            // An action's fields are labelled inside the action's group.
            assert!(labels.insert((f.wild, f.label)), "label {}", f.label);
            assert_eq!(at_path(f.path).map(|(g, _)| g.key), Some(f.key));
            assert_eq!(
                by_key(&f.key_for("x1")).map(|(g, w)| (g.key, w.to_owned())),
                Some((
                    f.key,
                    if f.key.contains('*') { "x1" } else { "" }.to_owned()
                ))
            );
            assert_eq!(f.wild == Wild::None, !f.path.contains(&ANY), "{}", f.key);
            assert_eq!(f.part.is_empty(), f.wild != Wild::Action, "{}", f.key);
        }
    }

    #[test]
    fn form_fields_have_editors() {
        for f in FIELDS.iter().filter(|f| f.section != Section::None) {
            assert_ne!(f.editor, Editor::None, "{}", f.key);
        }
        for f in FIELDS {
            match f.editor {
                Editor::Select { none } => {
                    assert!(
                        matches!(f.kind, Kind::Choice { optional, .. } if optional == none.is_some()),
                        "{}",
                        f.key
                    )
                }
                Editor::Input | Editor::TextArea | Editor::Suggest { .. } => {
                    assert!(f.is_text(), "{}", f.key)
                }
                Editor::Date => assert_eq!(f.kind, Kind::Date, "{}", f.key),
                Editor::None | Editor::Custom => {}
            }
        }
    }

    #[test]
    fn drafts_by_key() {
        let mut f = populated();
        // Drafts outlive a version in localStorage: every name a draft was
        // ever stored under must still reach the same member.
        let written_before = [
            ("title", &["title"][..]),
            ("statement", &["statement"]),
            ("evidence", &["evidence"]),
            ("area", &["area"]),
            ("raised_by", &["raised_by"]),
            ("owner", &["owner"]),
            ("rejection_reason", &["rejection_reason"]),
            ("isms_changes", &["isms_changes"]),
            ("correction", &["correction", "description"]),
            ("root_cause_method", &["root_cause", "method"]),
            ("root_cause", &["root_cause", "statement"]),
            ("review_notes", &["review", "notes"]),
            ("reviewer", &["review", "reviewer"]),
            ("why2", &["root_cause", "whys", "2"]),
            ("action:a1:description", &["actions", "a1", "description"]),
            ("action:a1:owner", &["actions", "a1", "owner"]),
        ];
        for (key, path) in written_before {
            let (by_name, wild) = by_key(key).unwrap();
            assert!(by_name.is_text(), "{key}");
            let (by_path, at) = at_path(path).unwrap();
            assert_eq!((by_name.key, wild), (by_path.key, at), "{key}");
        }
        for key in [
            "why1",
            "why5",
            "reviewer",
            "correction",
            "action:a1:description",
            "action:a1:owner",
        ] {
            set_text(&mut f, key, format!("value of {key}"));
            assert_eq!(get_text(&f, key), format!("value of {key}"));
        }
        assert_eq!(
            f.root_cause.whys.get("5").map(String::as_str),
            Some("value of why5")
        );
        set_text(&mut f, "why1", String::new());
        assert!(!f.root_cause.whys.contains_key("1"));
        // Unknown names, missing actions and fields that are not text change nothing.
        let before = f.clone();
        for key in [
            "why6",
            "why",
            "action:nope:owner",
            "action:a1:status",
            "grade",
            "nonsense",
        ] {
            set_text(&mut f, key, "x".into());
        }
        assert_eq!(f, before);
        assert_eq!(get_text(&f, "why0"), "");
        assert_eq!(get_date(&f, "action:a1:due"), f.actions["a1"].due);
    }
}
