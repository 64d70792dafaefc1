//! `RegisterDoc`: the one owner of a register's Automerge document.
//!
//! Everything that changes a register goes through an intent method here
//! (add a finding, edit it, change its status, merge a file...). Each intent
//! is one Automerge change that touches only the item it is about, carries a
//! small JSON note naming that item (the history reads it), and is stamped
//! with the time. Alongside the document the store keeps a hydrated copy of
//! every finding so the UI never reads the document field by field; the
//! invariant `self.findings == hydrate(self.doc)` holds after every method.

use std::collections::{BTreeMap, BTreeSet};

use automerge::{
    transaction::{CommitOptions, Transactable, Transaction},
    ActorId, Automerge, ChangeHash, ObjId, ObjType, ReadDoc, Value, ROOT,
};
use autosurgeon::reconcile_prop;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::DocError;
use super::genesis::{self, AUDITORS, AUDITS, FINDINGS, REGISTER, SCHEMA, SETTINGS};
use super::owners::Owners;
use super::read::{self, ItemKind, Mark, Unreadable};
use super::related::Related;
use crate::model::{Attachment, Audit, Auditor, CorrectiveAction, Finding, RegisterInfo, Settings};
use crate::relations::Relations;
use crate::validate;

/// Milliseconds since the Unix epoch; injected so tests are deterministic and
/// the core never depends on a platform clock API.
pub type Clock = fn() -> i64;

/// Bytes of a person's id at the start of every actor id they write with.
///
/// Automerge requires each concurrent writer to have its own actor: two
/// tabs of one browser writing as the same actor produce two changes with
/// the same sequence number, and the second one can never be merged. So a
/// browser profile (one person) has a 16-byte id, and each session (page
/// load) writes as that id followed by a random suffix. Names, "mine" and
/// the auditor map all go by the 16-byte person part.
pub const PERSON_ID_BYTES: usize = 16;

/// The person part (hex) of an actor id (hex); a shorter id is its own person.
pub fn person_of(actor_hex: &str) -> &str {
    actor_hex.get(..PERSON_ID_BYTES * 2).unwrap_or(actor_hex)
}

/// A session's actor: the person's id followed by `session` (random bytes).
pub fn session_actor(person: &[u8], session: &[u8]) -> ActorId {
    let mut bytes = person.to_vec();
    bytes.extend_from_slice(session);
    ActorId::from(bytes)
}

/// The note attached to every change we make. Stored as the change message,
/// so it travels with the document through export and merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeNote {
    /// What the person did, e.g. `edit_finding`.
    pub op: String,
    /// The finding the change is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// The findings a bulk change wrote (an import), when there are several:
    /// one change per finding would make a large import slow to write and
    /// every copy of the register larger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Where the change's content came from, e.g. the file an import read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ChangeNote {
    pub fn parse(message: &str) -> Option<ChangeNote> {
        serde_json::from_str(message).ok()
    }

    /// Whether the change wrote `finding_id`.
    pub fn concerns(&self, finding_id: &str) -> bool {
        self.finding.as_deref() == Some(finding_id) || self.findings.iter().any(|f| f == finding_id)
    }
}

/// What a merge did, for the summary shown after an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    pub findings_added: usize,
    pub findings_changed: usize,
    pub changes_received: usize,
    /// Ids of the findings that now hold at least one conflicting field.
    pub conflicted: Vec<String>,
    /// Each reference that more than one live finding carries.
    pub duplicate_references: Vec<DuplicateReference>,
    /// Findings the other side removed: marked deleted, or their key deleted
    /// (another tool). A finding whose key was deleted is kept here as a
    /// deleted finding with everything this copy held, so no edit is lost.
    pub removed: Vec<RemovedFinding>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedFinding {
    pub id: String,
    pub reference: String,
    pub title: String,
    /// The other side deleted the record itself; this copy kept it, deleted.
    pub kept: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateReference {
    pub reference: String,
    pub finding_ids: Vec<String>,
}

/// Who deleted a finding and when (see [`RegisterDoc::deletions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deletion {
    /// The author's name, as the register knows them.
    pub by: String,
    /// Their device's time, milliseconds since the epoch.
    pub at: i64,
}

/// A fresh register's identity as the person typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRegister {
    pub name: String,
    pub organisation: String,
    pub scope: String,
}

#[derive(Clone)]
pub struct RegisterDoc {
    doc: Automerge,
    findings: BTreeMap<String, Finding>,
    /// Findings with at least one field holding concurrent values.
    conflicted: BTreeSet<String>,
    /// Fields of cached findings read with a safe default, by finding id.
    marks: BTreeMap<String, Vec<Mark>>,
    /// Items under `findings/<key>` that could not be read at all: the
    /// finding itself, or some of its actions. Kept in the document untouched.
    unreadable: BTreeMap<String, Vec<Unreadable>>,
    /// Heads at the last persisted chunk: `take_unsaved` hands out what came after.
    persisted: Vec<ChangeHash>,
    /// What changed since the last `take_changes`, for readers that show
    /// one finding or the register's own data.
    changes: Changes,
    clock: Clock,
    /// Findings this copy added since it was opened that no other author
    /// has touched since (see [`RegisterDoc::is_draft`]). Not stored: a
    /// reopened register has a new actor, and its findings are nobody's draft.
    drafts: BTreeSet<String>,
    /// What the cached findings share, for one finding's similar proposals
    /// and patterns (`crate::relations`): built a slice at a time when
    /// idle or wholly on first use, and kept with `findings` (`related.rs`).
    relations: Related,
    /// Which finding each object belongs to, for a merge's touched findings
    /// (`owners.rs`); kept with `findings`.
    owners: Owners,
    /// Which changes wrote which finding, for [`RegisterDoc::history`]; shared
    /// by copies of this `RegisterDoc` (see `HistoryIndex`).
    history: std::sync::Arc<std::sync::Mutex<super::history::HistoryIndex>>,
    /// For a preview ([`RegisterDoc::preview`]): its view, whose findings
    /// the preview holds until [`RegisterDoc::into_view`] puts them back.
    /// `None` for a register.
    preview_of: Option<super::view::ParsedView>,
}

type RegisterData = (
    Option<RegisterInfo>,
    Settings,
    BTreeMap<String, Auditor>,
    BTreeMap<String, Audit>,
    usize,
);

/// What changed in a register since it was last asked ([`RegisterDoc::take_changes`]):
/// lets a screen re-render the one finding an edit touched instead of
/// everything that reads the register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Everything may have changed (the register was opened or re-read).
    pub all: bool,
    /// The register's own data may have changed: its name, settings,
    /// auditors or audits (an intent on no finding, or a merge).
    pub register: bool,
    /// Findings whose cached value, marks, conflicts or unreadable parts
    /// changed, added and removed ones included.
    pub findings: BTreeSet<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.all && !self.register && self.findings.is_empty()
    }

    /// Whether a reader of finding `id` must re-run.
    pub fn touches(&self, id: &str) -> bool {
        self.all || self.findings.contains(id)
    }
}

impl std::fmt::Debug for RegisterDoc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterDoc")
            .field("id", &self.info().map(|i| i.id))
            .field("findings", &self.findings.len())
            .finish()
    }
}

/// Reads the schema number of any document; a document without one is not ours.
fn schema_of(doc: &Automerge) -> Result<u64, DocError> {
    match doc.get(ROOT, SCHEMA)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            automerge::ScalarValue::Uint(n) => Ok(*n),
            automerge::ScalarValue::Int(n) if *n >= 0 => Ok(*n as u64),
            _ => Err(DocError::NotARegister),
        },
        _ => Err(DocError::NotARegister),
    }
}

/// Checks that bytes hold a register this build can read, without touching
/// any existing register. Every refusal happens here, before a merge.
fn open_checked(bytes: &[u8]) -> Result<Automerge, DocError> {
    if bytes.is_empty() {
        return Err(DocError::Corrupt("the file is empty".into()));
    }
    let doc = Automerge::load(bytes).map_err(|e| DocError::Corrupt(e.to_string()))?;
    check_loaded(doc)
}

/// What makes a loaded document a register this version can open.
fn check_loaded(doc: Automerge) -> Result<Automerge, DocError> {
    if doc.get_change_meta_by_hash(&genesis::hash()).is_none() {
        return Err(DocError::NotARegister);
    }
    let found = schema_of(&doc)?;
    if found > genesis::SCHEMA_VERSION {
        return Err(DocError::NewerVersion {
            found,
            supported: genesis::SCHEMA_VERSION,
        });
    }
    Ok(doc)
}

fn info_of(doc: &Automerge) -> Option<RegisterInfo> {
    let raw = read::raw_at(doc, &ROOT, REGISTER)?;
    let base = RegisterInfo {
        id: String::new(),
        name: String::new(),
        organisation: String::new(),
        scope: String::new(),
    };
    read::lenient(&raw.json, base)
        .ok()
        .map(|(info, _)| info)
        .filter(|i| !i.id.is_empty())
}

/// The top level every register has: a page with these maps is one we can
/// work on; a change that replaces one of them with something else would
/// break every reader and is refused on every path.
fn check_structure(doc: &Automerge, register_id: &str) -> Result<(), DocError> {
    for key in [REGISTER, SETTINGS, AUDITORS, AUDITS, FINDINGS] {
        let ok = matches!(
            doc.get(ROOT, key),
            Ok(Some((Value::Object(ObjType::Map), _)))
        ) && doc.get_all(ROOT, key).map(|v| v.len()).unwrap_or(0) == 1;
        if !ok {
            return Err(DocError::Refused(format!(
                "These changes would replace the register's {key} with something else; nothing was applied."
            )));
        }
    }
    let found = schema_of(doc)?;
    if found > genesis::SCHEMA_VERSION {
        return Err(DocError::NewerVersion {
            found,
            supported: genesis::SCHEMA_VERSION,
        });
    }
    if info_of(doc).map(|i| i.id).as_deref() != Some(register_id) {
        return Err(DocError::Refused(
            "These changes belong to another register or remove its identity; nothing was applied."
                .into(),
        ));
    }
    Ok(())
}

/// Short name of a finding for sentences: its reference, else its id.
fn name_of(f: Option<&Finding>, id: &str) -> String {
    match f {
        Some(f) if !f.reference.trim().is_empty() => f.reference.clone(),
        _ => format!("with id {}", read::short(id)),
    }
}

fn map_id(doc: &Automerge, key: &str) -> Result<ObjId, DocError> {
    match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::NotARegister),
    }
}

impl RegisterDoc {
    /// A register over `doc` with nothing cached or persisted yet.
    fn over(doc: Automerge, clock: Clock) -> RegisterDoc {
        RegisterDoc {
            doc,
            findings: BTreeMap::new(),
            conflicted: BTreeSet::new(),
            marks: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            persisted: Vec::new(),
            changes: Changes::default(),
            clock,
            drafts: BTreeSet::new(),
            relations: Related::default(),
            owners: Owners::default(),
            history: Default::default(),
            preview_of: None,
        }
    }

    /// Starts a new register from the shared genesis.
    pub fn create(
        actor: ActorId,
        me: &Auditor,
        new: NewRegister,
        register_id: String,
        clock: Clock,
    ) -> Result<RegisterDoc, DocError> {
        validate::register(&new.name, &new.organisation, &new.scope)?;
        validate::auditor(me)?;
        let mut doc = genesis::document();
        doc.set_actor(actor);
        let mut store = RegisterDoc::over(doc, clock);
        let info = RegisterInfo {
            id: register_id,
            name: new.name.trim().to_owned(),
            organisation: new.organisation.trim().to_owned(),
            scope: new.scope.trim().to_owned(),
        };
        store.change("create_register", None, |tx| {
            reconcile_prop(tx, ROOT, REGISTER, &info)?;
            reconcile_prop(tx, ROOT, SETTINGS, Settings::default())?;
            Ok(())
        })?;
        store.set_me(me)?;
        Ok(store)
    }

    /// Opens a register from a saved document (a file or a storage snapshot).
    pub fn open(bytes: &[u8], actor: ActorId, clock: Clock) -> Result<RegisterDoc, DocError> {
        let mut doc = open_checked(bytes)?;
        if info_of(&doc).is_none() {
            return Err(DocError::NotARegister);
        }
        doc.set_actor(actor);
        RegisterDoc::loaded(doc, clock)
    }

    /// [`RegisterDoc::open`] of a document loaded already (by the storage
    /// layer, from one verified item): the same checks, without saving and
    /// loading it again.
    pub fn open_loaded(
        doc: Automerge,
        actor: ActorId,
        clock: Clock,
    ) -> Result<RegisterDoc, DocError> {
        Ok(RegisterDoc::open_viewed(doc, actor, clock, None)?.0)
    }

    /// [`RegisterDoc::open_loaded`], taking the findings from a stored view
    /// (`view.rs`) when it was written by this build at exactly the
    /// document's heads; whether it was taken comes back with the register.
    pub fn open_viewed(
        doc: Automerge,
        actor: ActorId,
        clock: Clock,
        view: Option<super::view::ParsedView>,
    ) -> Result<(RegisterDoc, bool), DocError> {
        let mut doc = check_loaded(doc)?;
        if info_of(&doc).is_none() {
            return Err(DocError::NotARegister);
        }
        doc.set_actor(actor);
        match view.filter(|v| v.at(&doc.get_heads())) {
            Some(view) => Ok((RegisterDoc::from_view(doc, clock, view.cache)?, true)),
            None => Ok((RegisterDoc::loaded(doc, clock)?, false)),
        }
    }

    /// A read-only stand-in for the register a stored view was read from,
    /// shown while its document loads: the view's findings, and its
    /// register data in a document of its own. What only the document
    /// knows (history, the values in a conflict, deletions' authors) is
    /// not in it. Never to be written to or stored: the app keeps it apart
    /// from the session, and the opening takes its findings back
    /// ([`RegisterDoc::into_view`]) if the document is at the view's heads.
    pub fn preview(
        mut view: super::view::ParsedView,
        clock: Clock,
    ) -> Result<RegisterDoc, DocError> {
        let part = std::mem::take(&mut view.cache.register);
        let info = part.info.ok_or(DocError::NotARegister)?;
        let mut doc = genesis::document();
        // Its changes are never stored or sent: any actor will do.
        doc.set_actor(ActorId::from([0xee; 16]));
        doc.transact::<_, _, DocError>(|tx| {
            reconcile_prop(tx, ROOT, REGISTER, &info)?;
            reconcile_prop(tx, ROOT, SETTINGS, part.settings)?;
            let auditors = tx_map(tx, AUDITORS)?;
            for (key, a) in &part.auditors {
                reconcile_prop(tx, &auditors, key.as_str(), a)?;
            }
            let audits = tx_map(tx, AUDITS)?;
            for (key, a) in &part.audits {
                reconcile_prop(tx, &audits, key.as_str(), a)?;
            }
            Ok(())
        })
        .map_err(|f| f.error)?;
        let mut preview = RegisterDoc::over(doc, clock);
        preview.findings = std::mem::take(&mut view.cache.findings);
        preview.conflicted = std::mem::take(&mut view.cache.conflicted);
        preview.marks = std::mem::take(&mut view.cache.marks);
        preview.unreadable = std::mem::take(&mut view.cache.unreadable);
        preview.preview_of = Some(view);
        Ok(preview)
    }

    /// Whether this is a preview ([`RegisterDoc::preview`]).
    pub fn is_preview(&self) -> bool {
        self.preview_of.is_some()
    }

    /// A preview's view, its findings taken back, for the opening of the
    /// document it stands in for; `None` for a register.
    pub fn into_view(mut self) -> Option<super::view::ParsedView> {
        let mut view = self.preview_of.take()?;
        view.cache.findings = self.findings;
        view.cache.conflicted = self.conflicted;
        view.cache.marks = self.marks;
        view.cache.unreadable = self.unreadable;
        Some(view)
    }

    /// A register whose cache comes from a view of its document at its
    /// heads: as [`RegisterDoc::loaded`] would read it, with every finding
    /// stale in the owners' index (the view does not hold what each
    /// reading walked).
    fn from_view(
        doc: Automerge,
        clock: Clock,
        cache: super::view::CacheIn,
    ) -> Result<RegisterDoc, DocError> {
        let findings_obj = map_id(&doc, FINDINGS)?;
        let mut owners = Owners::default();
        for key in doc.keys(&findings_obj) {
            owners.mark_stale(&key);
        }
        let mut store = RegisterDoc::over(doc, clock);
        store.persisted = store.doc.get_heads();
        store.findings = cache.findings;
        store.conflicted = cache.conflicted;
        store.marks = cache.marks;
        store.unreadable = cache.unreadable;
        store.owners = owners;
        store.changes.all = true;
        #[cfg(debug_assertions)]
        {
            let fresh = store.reread_state()?;
            let taken = store.cache_state();
            assert_eq!(
                (
                    &taken.findings,
                    &taken.conflicted,
                    &taken.marks,
                    &taken.unreadable
                ),
                (
                    &fresh.findings,
                    &fresh.conflicted,
                    &fresh.marks,
                    &fresh.unreadable
                ),
                "a stored view must hold what reading the document gives"
            );
        }
        Ok(store)
    }

    /// This register's cache as a view to store beside its document, for
    /// the next opening at the same heads (`view.rs`).
    pub fn stored_view(&self) -> super::view::StoredView {
        let register = super::view::RegisterPart {
            info: self.info(),
            settings: self.settings(),
            auditors: self.auditors(),
            audits: self.audits(),
        };
        super::view::write(
            self.doc.get_heads(),
            &super::view::CacheOut {
                findings: &self.findings,
                conflicted: &self.conflicted,
                marks: &self.marks,
                unreadable: &self.unreadable,
                register: &register,
            },
        )
    }

    /// Walks again, for the owners' index only, up to `slice` of the
    /// findings it does not know (all of them after opening from a view):
    /// done when idle, so that a merge or another tab's change need not
    /// walk them all first. True once none is left.
    pub fn prepare_owners(&mut self, slice: usize) -> bool {
        let (stale, more) = self.owners.some_stale(slice);
        if stale.is_empty() {
            return !more;
        }
        let Ok(findings_obj) = map_id(&self.doc, FINDINGS) else {
            return true;
        };
        for id in &stale {
            let objects = read::objects_of(&self.doc, &findings_obj, id);
            self.owners.set(id, objects);
        }
        !more
    }

    /// A register read from its document as a fresh load reads it: every
    /// finding cached, the document counted as stored.
    fn loaded(doc: Automerge, clock: Clock) -> Result<RegisterDoc, DocError> {
        let mut store = RegisterDoc::over(doc, clock);
        store.persisted = store.doc.get_heads();
        store.rehydrate_all()?;
        Ok(store)
    }

    /// Opens a register from a file the person chose, strictly: a file
    /// holding an item this version cannot read fully, or one that breaks a
    /// limit, is refused whole with a sentence naming it (stored data, by
    /// contrast, always opens: see [`RegisterDoc::open`]).
    pub fn open_file(bytes: &[u8], actor: ActorId, clock: Clock) -> Result<RegisterDoc, DocError> {
        let doc = RegisterDoc::open(bytes, actor, clock)?;
        check_structure(&doc.doc, &doc.id())?;
        let mut problems: Vec<String> = doc
            .unreadable()
            .iter()
            .map(|u| format!("{} {} ({})", u.kind.noun(1), read::short(&u.id), u.reason))
            .collect();
        for (id, marks) in &doc.marks {
            let notes: Vec<&str> = marks.iter().map(|m| m.note.as_str()).collect();
            problems.push(format!(
                "finding {} cannot be read ({})",
                name_of(doc.findings.get(id), id),
                notes.join(" ")
            ));
        }
        for f in doc.findings.values() {
            if let Err(e) = validate::stored_finding(f) {
                problems.push(format!(
                    "finding {} breaks a limit ({e})",
                    name_of(Some(f), &f.id)
                ));
            }
        }
        if problems.is_empty() {
            return Ok(doc);
        }
        let n = problems.len();
        problems.truncate(3);
        let more = if n > 3 {
            format!(" and {} more", n - 3)
        } else {
            String::new()
        };
        Err(DocError::Refused(format!(
            "This file was not opened: {}{more}. Nothing was changed.",
            problems.join("; ")
        )))
    }

    /// The register's identity; `None` only for a document still at genesis.
    pub fn info(&self) -> Option<RegisterInfo> {
        info_of(&self.doc)
    }

    pub fn id(&self) -> String {
        self.info().map(|i| i.id).unwrap_or_default()
    }

    /// The register's settings; a setting that cannot be read keeps its default.
    pub fn settings(&self) -> Settings {
        read::raw_at(&self.doc, &ROOT, SETTINGS)
            .and_then(|raw| read::lenient(&raw.json, Settings::default()).ok())
            .map(|(s, _)| s)
            .unwrap_or_default()
    }

    pub fn actor(&self) -> &ActorId {
        self.doc.get_actor()
    }

    /// The person (browser profile) behind this copy's actor: see [`person_of`].
    pub fn person_hex(&self) -> String {
        person_of(&self.doc.get_actor().to_hex_string()).to_owned()
    }

    /// Every auditor who has written to this register, by actor id (hex).
    /// Each entry is read on its own: one that cannot be read is left out
    /// here (and listed by [`RegisterDoc::unreadable`]), never hiding the rest.
    pub fn auditors(&self) -> BTreeMap<String, Auditor> {
        self.read_auditors().0
    }

    fn read_auditors(&self) -> (BTreeMap<String, Auditor>, Vec<Unreadable>) {
        let Ok(map) = map_id(&self.doc, AUDITORS) else {
            return Default::default();
        };
        read::items(
            &self.doc,
            &map,
            ItemKind::Auditor,
            |_| Auditor {
                name: String::new(),
                initials: String::new(),
            },
            |_, a: &Auditor, marks| {
                if !marks.is_empty() || a.name.trim().is_empty() {
                    Some(
                        marks
                            .first()
                            .map_or("it has no name".into(), |m| m.note.clone()),
                    )
                } else {
                    None
                }
            },
        )
    }

    fn read_audits(&self) -> (BTreeMap<String, Audit>, Vec<Unreadable>) {
        let Ok(map) = map_id(&self.doc, AUDITS) else {
            return Default::default();
        };
        read::items(
            &self.doc,
            &map,
            ItemKind::Audit,
            |key| Audit {
                id: key.to_owned(),
                title: String::new(),
                kind: crate::model::Source::InternalAudit,
                starts_on: None,
                ends_on: None,
                lead_auditor: String::new(),
                scope: String::new(),
            },
            |_, a: &Audit, marks| {
                if a.title.trim().is_empty() {
                    Some(
                        marks
                            .first()
                            .map_or("it has no title".into(), |m| m.note.clone()),
                    )
                } else {
                    None
                }
            },
        )
    }

    /// The name behind an actor id, falling back to a short id for actors
    /// that never introduced themselves (e.g. another tool).
    pub fn auditor_name(&self, actor_hex: &str) -> String {
        match self.auditors().get(person_of(actor_hex)) {
            Some(a) => a.name.clone(),
            None if actor_hex == "00000000000000000000000000000000" => "NC Register".into(),
            None => format!("Unknown ({})", actor_hex.get(..8).unwrap_or(actor_hex)),
        }
    }

    /// The register's audits, each read on its own (see [`RegisterDoc::auditors`]).
    pub fn audits(&self) -> BTreeMap<String, Audit> {
        self.read_audits()
            .0
            .into_iter()
            .map(|(key, mut a)| {
                a.id = key.clone();
                (key, a)
            })
            .collect()
    }

    /// All findings, deleted ones included (the UI filters them).
    pub fn findings(&self) -> &BTreeMap<String, Finding> {
        &self.findings
    }

    pub fn live_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.values().filter(|f| !f.deleted)
    }

    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.get(id)
    }

    /// The first `first` findings that may be similar to `finding`
    /// ([`crate::similar::candidates`] over this register), and how many
    /// there are, reading only those that share something with it.
    pub fn similar_candidates(
        &self,
        finding: &Finding,
        first: usize,
    ) -> (Vec<(String, Vec<crate::similar::Reason>)>, usize) {
        self.relations.with(&self.findings, |r| {
            r.similar(&self.findings, finding, first)
        })
    }

    /// The systemic patterns finding `id` belongs to or answers
    /// ([`crate::patterns::of_finding`] of the whole register's), reading
    /// only the groups it is part of.
    pub fn patterns_of(&self, id: &str) -> Vec<crate::patterns::Pattern> {
        let settings = self.settings();
        self.relations.with(&self.findings, |r| {
            r.patterns_of(&self.findings, &settings, id)
        })
    }

    /// Indexes up to `limit` more findings for the relations index, so
    /// that the first finding shown does not wait for all of it; true once
    /// it is complete. A UI calls it when idle after opening a register, a
    /// slice per idle period, as it does
    /// [`prepare_history`](Self::prepare_history).
    pub fn prepare_relations(&self, limit: usize) -> bool {
        self.relations.build_some(&self.findings, limit)
    }

    pub fn is_conflicted(&self, id: &str) -> bool {
        self.conflicted.contains(id)
    }

    pub fn conflicted_ids(&self) -> impl Iterator<Item = &String> {
        self.conflicted.iter()
    }

    /// Fields of a finding that were read with a safe default.
    pub fn marks(&self, id: &str) -> &[Mark] {
        self.marks.get(id).map_or(&[], Vec::as_slice)
    }

    /// Every item the app could not read, with its raw value and writers:
    /// findings and actions (kept current) and auditors and audits (read now).
    pub fn unreadable(&self) -> Vec<Unreadable> {
        let mut out: Vec<Unreadable> = self.unreadable.values().flatten().cloned().collect();
        out.extend(self.read_auditors().1);
        out.extend(self.read_audits().1);
        out
    }

    /// Removes an item listed by [`RegisterDoc::unreadable`] from the
    /// register (one change; the history keeps its value). Only unreadable
    /// items can be discarded this way.
    pub fn discard_unreadable(&mut self, item: &Unreadable) -> Result<(), DocError> {
        if !self.unreadable().contains(item) {
            return Err(DocError::Refused(
                "That item is no longer unreadable here; nothing was discarded.".into(),
            ));
        }
        let finding = item.finding.clone();
        let key = item.id.clone();
        let parent: Vec<String> = match (item.kind, &finding) {
            (ItemKind::Action, Some(fid)) => vec![FINDINGS.into(), fid.clone(), "actions".into()],
            (ItemKind::Finding, _) => vec![FINDINGS.into()],
            (ItemKind::Auditor, _) => vec![AUDITORS.into()],
            (ItemKind::Audit, _) => vec![AUDITS.into()],
            (ItemKind::Attachment, Some(fid)) => {
                let map = vec![FINDINGS.into(), fid.clone(), "attachments".into()];
                // The whole map set aside (it was not a map) goes with its key.
                if self.object_at(&map).is_some() {
                    map
                } else {
                    vec![FINDINGS.into(), fid.clone()]
                }
            }
            (ItemKind::Action | ItemKind::Attachment, None) => {
                return Err(DocError::Internal("an item without its finding".into()))
            }
        };
        let note_finding =
            finding.or_else(|| (item.kind == ItemKind::Finding).then(|| item.id.clone()));
        self.change("discard_unreadable", note_finding.as_deref(), |tx| {
            let mut obj = ROOT;
            for step in &parent {
                obj = match tx.get(&obj, step.as_str())? {
                    Some((Value::Object(ObjType::Map), id)) => id,
                    _ => return Err(DocError::Refused("The item is gone already.".into())),
                };
            }
            automerge::transaction::Transactable::delete(tx, &obj, key.as_str())?;
            Ok(())
        })?;
        if let Some(fid) = note_finding {
            self.refresh_finding(&fid)?;
        }
        Ok(())
    }

    /// The map at `path` from the document's root, if every step is one.
    fn object_at(&self, path: &[String]) -> Option<ObjId> {
        let mut obj = ROOT;
        for step in path {
            obj = match self.doc.get(&obj, step.as_str()).ok()? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => return None,
            };
        }
        Some(obj)
    }

    /// What is wrong with a finding's merged state that no single edit
    /// could have caused, each with its fix, as sentences. Empty when fine.
    pub fn attention(&self, id: &str) -> Vec<String> {
        let mut out: Vec<String> = self.marks(id).iter().map(|m| m.note.clone()).collect();
        for u in self.unreadable.get(id).into_iter().flatten() {
            out.push(format!(
                "{} It is kept unchanged and listed under \u{201c}Could not be read\u{201d}.",
                u.reason
            ));
        }
        let Some(f) = self.findings.get(id) else {
            return out;
        };
        if let Err(e) = validate::stored_finding(f) {
            out.push(format!("{e} Edit the finding to fix it."));
        }
        if f.status == crate::model::Status::Closed {
            for a in f.actions.values() {
                if !matches!(
                    a.status,
                    crate::model::ActionStatus::Done | crate::model::ActionStatus::Cancelled
                ) {
                    out.push(format!(
                        "Closed while the corrective action \u{201c}{}\u{201d} is {}: complete or cancel the action, or reopen the finding.",
                        a.description,
                        a.status.label().to_lowercase()
                    ));
                }
            }
        }
        // Concurrent edits of the grade or source and of the status can
        // each pass the lifecycle's guards and still disagree once merged.
        let by_body = f.source.is_certification_body();
        match f.status {
            crate::model::Status::Rejected if by_body => out.push(
                "Rejected, but a certification body raised it: such a finding is disputed with the body, not rejected. Reconsider it and record the dispute.".into(),
            ),
            crate::model::Status::Withdrawn if !by_body => out.push(format!(
                "Withdrawn, but its source is \u{201c}{}\u{201d}: only a certification body withdraws a finding. Reinstate it, or correct the source.",
                f.source.label()
            )),
            crate::model::Status::Closed
                if f.disposition.is_some() && f.grade.is_nonconformity() =>
            {
                out.push(format!(
                    "Closed without corrective action, but graded {}: a nonconformity is closed only through its corrective actions. Reconsider it, or correct the grade.",
                    f.grade.label().to_lowercase()
                ))
            }
            _ => {}
        }
        if !f.deleted {
            let others: Vec<&Finding> = self
                .live_findings()
                .filter(|o| o.id != f.id && o.reference == f.reference)
                .collect();
            if !others.is_empty() {
                out.push(format!(
                    "The reference {} is also carried by {} other finding(s): change one of the references.",
                    f.reference,
                    others.len()
                ));
            }
        }
        out
    }

    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    pub(crate) fn history_index(&self) -> std::sync::MutexGuard<'_, super::history::HistoryIndex> {
        // A panic while the index was held cannot leave it describing a
        // document it does not: it only grows, and its covered heads are
        // written last.
        self.history
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    // ----- persistence -------------------------------------------------

    /// The whole document with its full history (what "Export" writes).
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// The register's own data, as readers of it see it: compared before
    /// and after a merge, so that a peer's edit of findings alone does not
    /// re-run every reader of the settings, auditors and audits.
    fn register_data(&self) -> RegisterData {
        let (auditors, bad_auditors) = self.read_auditors();
        let (audits, bad_audits) = self.read_audits();
        (
            self.info(),
            self.settings(),
            auditors,
            audits,
            bad_auditors.len() + bad_audits.len(),
        )
    }

    fn note_register_change(&mut self, before: RegisterData) {
        if before != self.register_data() {
            self.changes.register = true;
        }
    }

    /// What changed since the last call (see [`Changes`]).
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    /// Changes made since the last call (or since open), as one incremental
    /// chunk for the storage layer; `None` when nothing is unsaved. The
    /// caller must call [`RegisterDoc::mark_persisted`] once the chunk is
    /// safely stored: until then the same changes are handed out again, so a
    /// failed write (a full quota) loses nothing.
    pub fn unsaved_chunk(&self) -> Option<(Vec<u8>, Vec<ChangeHash>)> {
        if self.all_persisted() {
            return None;
        }
        Some((self.doc.save_after(&self.persisted), self.doc.get_heads()))
    }

    /// Whether everything in the document is in a persisted chunk (cheap:
    /// compares heads, encodes nothing).
    pub fn all_persisted(&self) -> bool {
        self.doc.get_heads() == self.persisted
    }

    /// Operations made or received since the last persisted chunk; `None`
    /// when there is nothing to persist. Cheap (change metadata only), so
    /// the storage layer can choose a snapshot for a large batch without
    /// first encoding it as changes, which for a 50,000-finding import is
    /// 47 MB and seconds of work against half a second for the snapshot.
    pub fn unsaved_ops(&self) -> Option<u64> {
        if self.doc.get_heads() == self.persisted {
            return None;
        }
        Some(
            self.doc
                .get_changes_meta(&self.persisted)
                .iter()
                .map(|m| (m.max_op + 1).saturating_sub(m.start_op))
                .sum(),
        )
    }

    pub fn mark_persisted(&mut self, heads: Vec<ChangeHash>) {
        self.persisted = heads;
    }

    // ----- intents -------------------------------------------------------

    /// Records who the current actor (this browser profile) is.
    pub fn set_me(&mut self, me: &Auditor) -> Result<(), DocError> {
        validate::auditor(me)?;
        let me = Auditor {
            name: me.name.trim().to_owned(),
            initials: validate::normalise_initials(&me.initials),
        };
        let key = self.person_hex();
        if self.auditors().get(&key) == Some(&me) {
            return Ok(());
        }
        self.change("set_auditor", None, |tx| {
            let auditors = tx_map(tx, AUDITORS)?;
            reconcile_prop(tx, auditors, key.as_str(), &me)?;
            Ok(())
        })
    }

    /// Changes the deadline settings for findings recorded from now on.
    /// Findings that still follow the register's settings (recorded by a
    /// version before deadlines were fixed) get the old ones fixed in the
    /// same change, so no recorded deadline moves; returns how many.
    pub fn update_settings(&mut self, settings: Settings) -> Result<usize, DocError> {
        validate::settings(&settings)?;
        let old = self.settings();
        if old == settings {
            return Ok(0);
        }
        // (id, before, after) as the document's JSON, for the leaf diff.
        type Json = serde_json::Map<String, serde_json::Value>;
        let follow: Vec<(String, Json, Json)> = self
            .findings
            .values()
            .filter(|f| !f.clocks.is_fixed())
            .map(|f| {
                let mut fixed = f.clone();
                fixed.clocks = f.clocks.over(&old).clocks();
                Ok((f.id.clone(), to_object(f)?, to_object(&fixed)?))
            })
            .collect::<Result<_, DocError>>()?;
        self.change("edit_settings", None, |tx| {
            reconcile_prop(tx, ROOT, SETTINGS, settings)?;
            let findings = tx_map(tx, FINDINGS)?;
            for (id, before, after) in &follow {
                if let Some((Value::Object(ObjType::Map), obj)) = tx.get(&findings, id.as_str())? {
                    super::write::write_diff(tx, &obj, before, after)?;
                }
            }
            Ok(())
        })?;
        for (id, _, _) in &follow {
            self.refresh_finding(id)?;
        }
        Ok(follow.len())
    }

    /// Adds or edits an audit (by its id, a UUID: two auditors adding
    /// audits at once never collide). Title required, the end not before
    /// the start; text trimmed and within the usual limits.
    pub fn put_audit(&mut self, audit: Audit) -> Result<(), DocError> {
        validate::audit(&audit)?;
        let audit = Audit {
            title: audit.title.trim().to_owned(),
            lead_auditor: audit.lead_auditor.trim().to_owned(),
            scope: audit.scope.trim().to_owned(),
            ..audit
        };
        if self.audits().get(&audit.id) == Some(&audit) {
            return Ok(());
        }
        self.change("edit_audit", None, |tx| {
            let audits = tx_map(tx, AUDITS)?;
            reconcile_prop(tx, audits, audit.id.as_str(), &audit)?;
            Ok(())
        })
    }

    /// Edits the register's name, organisation and scope, validated as at
    /// creation; one change on the register (no finding), so only the
    /// readers of the register's own data re-run. The id never changes.
    pub fn update_register_info(&mut self, new: NewRegister) -> Result<(), DocError> {
        validate::register(&new.name, &new.organisation, &new.scope)?;
        let old = self.info().ok_or(DocError::NotARegister)?;
        let info = RegisterInfo {
            id: old.id.clone(),
            name: new.name.trim().to_owned(),
            organisation: new.organisation.trim().to_owned(),
            scope: new.scope.trim().to_owned(),
        };
        if info == old {
            return Ok(());
        }
        self.change("edit_register", None, |tx| {
            reconcile_prop(tx, ROOT, REGISTER, &info)?;
            Ok(())
        })
    }

    /// The next reference for this auditor in `year`: their initials and
    /// their own sequence, so auditors never need to coordinate. Numbers of
    /// more than nine digits (an imported or crafted reference) are not a
    /// sequence anyone continues, and never overflow the counter.
    pub fn next_reference(&self, initials: &str, year: i32) -> String {
        let prefix = format!("NC-{year}-{}-", validate::normalise_initials(initials));
        let last = self
            .findings
            .values()
            .filter_map(|f| f.reference.strip_prefix(&prefix))
            .filter(|n| n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
            .filter_map(|n| n.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        format!("{prefix}{:03}", last + 1)
    }

    /// Adds a finding recorded by the current auditor; returns its id.
    /// `prepare` fills in the fields (id and reference are assigned here).
    pub fn add_finding(
        &mut self,
        id: String,
        today: NaiveDate,
        prepare: impl FnOnce(&mut Finding),
    ) -> Result<String, DocError> {
        let me = self
            .auditors()
            .get(&self.person_hex())
            .cloned()
            .ok_or_else(|| {
                DocError::Refused("Set your name and initials before recording findings.".into())
            })?;
        let reference = self.next_reference(&me.initials, today.year());
        let mut finding = Finding::new(id.clone(), reference);
        finding.detected_on = Some(today);
        finding.raised_by = me.name.clone();
        prepare(&mut finding);
        finding.id = id.clone();
        // Deadlines are fixed by the settings the finding is recorded under.
        finding.clocks = self.settings().clocks();
        if finding.status != crate::model::Status::Open || finding.deleted {
            return Err(DocError::Refused(
                "A new finding starts open; its status changes through the lifecycle.".into(),
            ));
        }
        if finding.reference.trim().is_empty() {
            finding.reference = self.next_reference(&me.initials, today.year());
        }
        validate::finding(&finding, today)?;
        if self.findings.contains_key(&id) {
            return Err(DocError::Refused(format!(
                "A finding with id {id} already exists."
            )));
        }
        self.change("add_finding", Some(&id), |tx| {
            let findings = tx_map(tx, FINDINGS)?;
            reconcile_prop(tx, findings, id.as_str(), &finding)?;
            Ok(())
        })?;
        self.cache_put(finding);
        self.drafts.insert(id.clone());
        Ok(id)
    }

    /// Edits one finding. Only the fields that differ are written, so a
    /// concurrent edit of another field elsewhere survives the merge.
    pub fn update_finding(
        &mut self,
        id: &str,
        today: NaiveDate,
        edit: impl FnOnce(&mut Finding),
    ) -> Result<(), DocError> {
        self.update_finding_as("edit_finding", id, today, edit)
    }

    pub(crate) fn update_finding_as(
        &mut self,
        op: &str,
        id: &str,
        today: NaiveDate,
        edit: impl FnOnce(&mut Finding),
    ) -> Result<(), DocError> {
        let old = self
            .findings
            .get(id)
            .ok_or_else(|| DocError::FindingNotFound(id.to_owned()))?;
        let mut finding = old.clone();
        edit(&mut finding);
        // Identity is not editable, nor are the deadline settings the finding
        // was recorded under: a closure that changed them is ignored.
        finding.id = old.id.clone();
        finding.clocks = old.clocks;
        if &finding == old {
            return Ok(());
        }
        // The lifecycle's guards are the only way to a status: an edit that
        // changes it (or the closure record) elsewhere is refused whole.
        let lifecycle = matches!(op, "change_status" | "record_review");
        if !lifecycle && (finding.status != old.status || finding.closure != old.closure) {
            return Err(DocError::Refused(
                "The status changes only through the lifecycle steps; nothing was changed.".into(),
            ));
        }
        validate::finding(&finding, today)?;
        let before = to_object(old)?;
        let after = to_object(&finding)?;
        self.change(op, Some(id), |tx| {
            let findings = tx_map(tx, FINDINGS)?;
            match tx.get(&findings, id)? {
                Some((Value::Object(ObjType::Map), obj)) => {
                    super::write::write_diff(tx, &obj, &before, &after)
                }
                _ => {
                    reconcile_prop(tx, findings, id, &finding)?;
                    Ok(())
                }
            }
        })?;
        self.refresh_finding(id)?;
        Ok(())
    }

    /// Adds a corrective action to a finding; returns its id.
    pub fn add_action(
        &mut self,
        finding_id: &str,
        action_id: String,
        today: NaiveDate,
        action: CorrectiveAction,
    ) -> Result<String, DocError> {
        let aid = action_id.clone();
        self.update_finding_as("add_action", finding_id, today, move |f| {
            let mut action = action;
            action.id = aid.clone();
            f.actions.insert(aid, action);
        })?;
        Ok(action_id)
    }

    pub fn update_action(
        &mut self,
        finding_id: &str,
        action_id: &str,
        today: NaiveDate,
        edit: impl FnOnce(&mut CorrectiveAction),
    ) -> Result<(), DocError> {
        let exists = self
            .finding(finding_id)
            .ok_or_else(|| DocError::FindingNotFound(finding_id.to_owned()))?
            .actions
            .contains_key(action_id);
        if !exists {
            return Err(DocError::ActionNotFound(action_id.to_owned()));
        }
        self.update_finding_as("edit_action", finding_id, today, |f| {
            if let Some(a) = f.actions.get_mut(action_id) {
                edit(a);
                a.id = action_id.to_owned();
            }
        })
    }

    /// Attaches a photo or file, whose bytes the caller has stored under
    /// `attachment.hash`, to a finding: one change. The record is completed
    /// here (its id, the author as this copy's person and name, today's
    /// date; name and type cleaned) and checked; the same content twice on
    /// one finding is refused, since it would show the same photo twice.
    pub fn add_attachment(
        &mut self,
        finding_id: &str,
        attachment_id: String,
        today: NaiveDate,
        attachment: Attachment,
    ) -> Result<String, DocError> {
        let person = self.person_hex();
        let me = self.auditors().get(&person).cloned().ok_or_else(|| {
            DocError::Refused("Set your name and initials before attaching files.".into())
        })?;
        let f = self
            .findings
            .get(finding_id)
            .ok_or_else(|| DocError::FindingNotFound(finding_id.to_owned()))?;
        let a = Attachment {
            id: attachment_id.clone(),
            name: crate::attachment::clean_name(&attachment.name),
            mime: crate::attachment::clean_mime(&attachment.mime),
            author: person,
            added_by: me.name,
            added_on: Some(today),
            ..attachment
        };
        if let Some(problem) = crate::attachment::problem(&a) {
            return Err(DocError::Refused(format!(
                "{} was not attached: {problem}.",
                a.name
            )));
        }
        if let Some(same) = f.attachments.values().find(|b| b.hash == a.hash) {
            return Err(DocError::Refused(format!(
                "{} is already attached to this finding (as {}); nothing was added.",
                a.name, same.name
            )));
        }
        if f.attachments.contains_key(&attachment_id) {
            return Err(DocError::Refused(format!(
                "An attachment with id {attachment_id} already exists."
            )));
        }
        let id = attachment_id.clone();
        self.update_finding_as("add_attachment", finding_id, today, move |f| {
            f.attachments.insert(attachment_id, a);
        })?;
        Ok(id)
    }

    /// Takes an attachment off a finding (one change; the history keeps
    /// its record). The bytes stay stored: other findings, other registers
    /// and past states may still show them.
    pub fn remove_attachment(
        &mut self,
        finding_id: &str,
        attachment_id: &str,
        today: NaiveDate,
    ) -> Result<(), DocError> {
        let exists = self
            .finding(finding_id)
            .ok_or_else(|| DocError::FindingNotFound(finding_id.to_owned()))?
            .attachments
            .contains_key(attachment_id);
        if !exists {
            return Err(DocError::Refused(
                "That attachment is no longer on this finding; nothing was removed.".into(),
            ));
        }
        self.update_finding_as("remove_attachment", finding_id, today, |f| {
            f.attachments.remove(attachment_id);
        })
    }

    /// The content hash of every attachment on a finding this copy holds,
    /// deleted findings included (restoring one must find its photos): what
    /// an export with attachments carries.
    pub fn attachment_hashes(&self) -> BTreeSet<String> {
        self.findings
            .values()
            .flat_map(|f| f.attachments.values().map(|a| a.hash.clone()))
            .collect()
    }

    /// Deletion is a tombstone: the record stays in the document so that a
    /// concurrent edit elsewhere cannot resurrect half of it, and it can be
    /// restored. The reason is required and kept with the record; who
    /// deleted it and when are the change's author and time in its history.
    pub fn delete_finding(
        &mut self,
        id: &str,
        reason: &str,
        today: NaiveDate,
    ) -> Result<(), DocError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(validate::ValidationErrors(vec![validate::FieldError::new(
                "Reason for deletion",
                "is required",
            )])
            .into());
        }
        let finding = self
            .findings
            .get(id)
            .ok_or_else(|| DocError::FindingNotFound(id.to_owned()))?;
        // Deleting twice changes nothing: the first reason stands.
        if finding.deleted {
            return Ok(());
        }
        self.update_finding_as("delete_finding", id, today, |f| {
            f.deleted = true;
            f.deletion_reason = reason.to_owned();
        })
    }

    /// Clears the flag only: the reason stays on the record (and in the
    /// history), so a later reader sees why it was once deleted.
    pub fn restore_finding(&mut self, id: &str, today: NaiveDate) -> Result<(), DocError> {
        self.update_finding_as("restore_finding", id, today, |f| f.deleted = false)
    }

    /// Whether `id` is a draft: added by this copy since it opened, no
    /// other author has touched it since, and it still has no title. The
    /// page offers to discard a draft; cheap enough to ask on every render
    /// (the history check is [`RegisterDoc::discard_finding`]'s).
    pub fn is_draft(&self, id: &str) -> bool {
        self.drafts.contains(id)
            && self
                .findings
                .get(id)
                .is_some_and(|f| !f.deleted && f.title.trim().is_empty())
    }

    /// Whether `id` is a draft that nobody has written anything into: its
    /// only change is the `add_finding` that created it. Leaving such a
    /// finding discards it, as it holds nothing a person typed.
    pub fn is_untouched_draft(&self, id: &str) -> bool {
        self.is_draft(id) && self.noted_changes(id).len() == 1
    }

    /// Who deleted each finding and when (their device's time, ms since
    /// the epoch), from the latest `delete_finding` change of each: one
    /// pass over the changes for the whole deleted list.
    pub fn deletions(&self) -> BTreeMap<String, Deletion> {
        let mut out = BTreeMap::new();
        for meta in self.doc.get_changes_meta(&[]) {
            let Some(note) = meta.message.as_deref().and_then(ChangeNote::parse) else {
                continue;
            };
            if note.op != "delete_finding" {
                continue;
            }
            if let Some(id) = note.finding {
                let by = self.auditor_name(&meta.actor.to_hex_string());
                let newer = out
                    .get(&id)
                    .is_none_or(|d: &Deletion| d.at <= meta.timestamp);
                if newer {
                    out.insert(
                        id,
                        Deletion {
                            by,
                            at: meta.timestamp,
                        },
                    );
                }
            }
        }
        out
    }

    /// The (op, actor) of every change noted as concerning `id`.
    fn noted_changes(&self, id: &str) -> Vec<(String, ActorId)> {
        self.doc
            .get_changes_meta(&[])
            .into_iter()
            .filter_map(|meta| {
                let note = meta.message.as_deref().and_then(ChangeNote::parse)?;
                note.concerns(id)
                    .then(|| (note.op, meta.actor.into_owned()))
            })
            .collect()
    }

    /// Discards a new finding as if it had never been recorded: its key is
    /// deleted in one change noted `discard_finding`, and its reference
    /// number is free again. A new finding is a draft until it has a title,
    /// so this is allowed only while it has none, and only when every
    /// change to it was made by this copy (this person, this session),
    /// starting with the `add_finding` that created it: a finding someone
    /// else has written to, or that this copy received, is deleted with a
    /// reason instead, so no one's work disappears without a record. A copy
    /// that received the draft before it was discarded drops it on merge
    /// too, unless someone else wrote to it there (then it is kept, deleted).
    pub fn discard_finding(&mut self, id: &str) -> Result<(), DocError> {
        let finding = self
            .findings
            .get(id)
            .ok_or_else(|| DocError::FindingNotFound(id.to_owned()))?;
        if !finding.title.trim().is_empty() {
            return Err(DocError::Refused(format!(
                "{} has a title, so it is a recorded finding: delete it with a reason instead.",
                finding.reference
            )));
        }
        let me = self.doc.get_actor().clone();
        let changes = self.noted_changes(id);
        let mine = changes.first().is_some_and(|(op, _)| op == "add_finding")
            && changes.iter().all(|(_, actor)| *actor == me);
        if !mine || !self.drafts.contains(id) {
            return Err(DocError::Refused(format!(
                "{} was not created here in this session or someone else has written to it: delete it with a reason instead.",
                finding.reference
            )));
        }
        self.change("discard_finding", Some(id), |tx| {
            let findings = tx_map(tx, FINDINGS)?;
            tx.delete(&findings, id)?;
            Ok(())
        })?;
        self.drafts.remove(id);
        self.refresh_finding(id)
    }

    // ----- merge -----------------------------------------------------------

    /// Reads a file's register identity without merging it.
    pub fn peek(bytes: &[u8]) -> Result<RegisterInfo, DocError> {
        let doc = open_checked(bytes)?;
        info_of(&doc).ok_or(DocError::NotARegister)
    }

    /// Merges a file of the same register through the CRDT. A file of
    /// another register is refused with [`DocError::ForeignRegister`]. The
    /// merge runs in a fork of this copy and is checked there: a file whose
    /// changes break the register's structure, or leave a finding this copy
    /// cannot read or that breaks a limit, is refused whole, and every
    /// refusal leaves this register exactly as it was.
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<MergeSummary, DocError> {
        let mut other = open_checked(bytes)?;
        let theirs = info_of(&other).ok_or(DocError::NotARegister)?;
        let ours = self.info().ok_or(DocError::NotARegister)?;
        if theirs.id != ours.id {
            return Err(DocError::ForeignRegister {
                id: theirs.id,
                name: theirs.name,
            });
        }
        self.atomically(|trial| trial.merge_doc(&mut other, &ours.id))
    }

    /// Runs `f` on a copy of this register and keeps the result only if `f`
    /// succeeds: intents that write several items (CSV import, copying
    /// findings) and every path that brings foreign changes in are all or
    /// nothing.
    pub fn atomically<T>(
        &mut self,
        f: impl FnOnce(&mut RegisterDoc) -> Result<T, DocError>,
    ) -> Result<T, DocError> {
        let mut trial = self.clone();
        let out = f(&mut trial)?;
        *self = trial;
        Ok(out)
    }

    fn merge_doc(
        &mut self,
        other: &mut Automerge,
        register_id: &str,
    ) -> Result<MergeSummary, DocError> {
        let before = self.register_data();
        let result = self.merge_doc_inner(other, register_id);
        self.note_register_change(before);
        result
    }

    fn merge_doc_inner(
        &mut self,
        other: &mut Automerge,
        register_id: &str,
    ) -> Result<MergeSummary, DocError> {
        self.index_stale()?;
        let before = self.doc.get_heads();
        // automerge 0.12's `merge` returns the new heads, not the changes it
        // applied: count what arrived from the change graph instead.
        self.doc.merge(other)?;
        let after = self.doc.get_heads();
        let received = if after == before {
            0
        } else {
            self.doc.get_changes_meta(&before).len()
        };
        let mut summary = MergeSummary {
            changes_received: received,
            ..MergeSummary::default()
        };
        if received == 0 {
            summary.duplicate_references = self.duplicate_references();
            return Ok(summary);
        }
        check_structure(&self.doc, register_id)?;
        let touched = self.touched_findings(&before)?;
        for id in &touched {
            self.drafts.remove(id);
        }
        let mut problems = Vec::new();
        let mut vanished = Vec::new();
        for id in &touched {
            let old = self.findings.get(id).cloned();
            let old_marks = self.marks(id).len();
            let old_unreadable = self.unreadable.get(id).map_or(0, Vec::len);
            let old_valid = old
                .as_ref()
                .is_none_or(|f| validate::stored_finding(f).is_ok());
            self.refresh_finding(id)?;
            let new = self.findings.get(id);
            if self.marks(id).len() > old_marks
                || self.unreadable.get(id).map_or(0, Vec::len) > old_unreadable
            {
                let mut why: Vec<String> = self.marks(id).iter().map(|m| m.note.clone()).collect();
                why.extend(
                    self.unreadable
                        .get(id)
                        .into_iter()
                        .flatten()
                        .map(|u| u.reason.clone()),
                );
                problems.push(format!(
                    "finding {} cannot be read ({})",
                    name_of(new.or(old.as_ref()), id),
                    why.join(" ")
                ));
            } else if let (Some(f), true) = (new, old_valid) {
                if let Err(e) = validate::stored_finding(f) {
                    problems.push(format!(
                        "finding {} breaks a limit ({e})",
                        name_of(Some(f), id)
                    ));
                }
            }
            match (old, self.findings.get(id)) {
                (None, Some(_)) => summary.findings_added += 1,
                (Some(old), None) if !self.unreadable.contains_key(id) => vanished.push(old),
                (Some(old), Some(new)) => {
                    summary.findings_changed += 1;
                    if !old.deleted && new.deleted {
                        summary.removed.push(RemovedFinding {
                            id: id.clone(),
                            reference: new.reference.clone(),
                            title: new.title.clone(),
                            kept: false,
                        });
                    }
                }
                _ => summary.findings_changed += 1,
            }
        }
        if !problems.is_empty() {
            let n = problems.len();
            problems.truncate(3);
            let more = if n > 3 {
                format!(" and {} more", n - 3)
            } else {
                String::new()
            };
            return Err(DocError::Refused(format!(
                "This file was not merged: {}{more}. Nothing was changed.",
                problems.join("; ")
            )));
        }
        // A record deleted outright (another tool; this app only marks
        // findings deleted) would take this copy's edits with it: keep it,
        // deleted, with everything this copy held.
        for mut old in vanished {
            let id = old.id.clone();
            if self.discarded_by_its_only_author(&id) {
                // A draft its author discarded: it never was a record.
                continue;
            }
            old.deleted = true;
            self.change("keep_removed", Some(&id), |tx| {
                let findings = tx_map(tx, FINDINGS)?;
                reconcile_prop(tx, findings, id.as_str(), &old)?;
                Ok(())
            })?;
            self.refresh_finding(&id)?;
            summary.findings_changed += 1;
            summary.removed.push(RemovedFinding {
                id,
                reference: old.reference,
                title: old.title,
                kept: true,
            });
        }
        summary.conflicted = touched
            .iter()
            .filter(|id| self.conflicted.contains(*id))
            .cloned()
            .collect();
        summary.duplicate_references = self.duplicate_references();
        Ok(summary)
    }

    /// Whether `id` was removed by a `discard_finding` and every change
    /// noted on it is by that change's author.
    fn discarded_by_its_only_author(&self, id: &str) -> bool {
        let changes = self.noted_changes(id);
        let Some((_, author)) = changes.iter().find(|(op, _)| op == "discard_finding") else {
            return false;
        };
        changes.iter().all(|(_, actor)| actor == author)
    }

    /// Applies changes received from another tab of the same browser: the
    /// bytes are an incremental chunk or a whole save of this register.
    /// They are loaded into a copy and checked there first; what the other
    /// tab stored is accepted even where an item cannot be read (it is set
    /// aside and listed), but never a change that breaks the register.
    pub fn apply_chunk(&mut self, bytes: &[u8]) -> Result<Vec<String>, DocError> {
        let before = self.register_data();
        let result = self.apply_chunk_inner(bytes);
        self.note_register_change(before);
        result
    }

    fn apply_chunk_inner(&mut self, bytes: &[u8]) -> Result<Vec<String>, DocError> {
        let register_id = self.id();
        let before = self.doc.get_heads();
        let waiting: BTreeSet<ChangeHash> = self.doc.get_missing_deps(&[]).into_iter().collect();
        // A whole save (another tab compacted) is loaded on its own first:
        // that checks its heads, which `load_incremental` does not, and a
        // save with damaged heads would leave this copy unable to reopen
        // what it stores next.
        if bytes.get(8) == Some(&0) {
            Automerge::load(bytes).map_err(|e| DocError::Corrupt(e.to_string()))?;
        }
        let mut scratch = self.doc.clone();
        scratch
            .load_incremental(bytes)
            .map_err(|e| DocError::Corrupt(e.to_string()))?;
        // Automerge queues changes whose dependencies are missing, and a
        // merge would drop them silently: refuse, so the caller re-reads.
        // Only what these bytes added counts (a copy opened before storage
        // dropped orphans may already have some waiting).
        if scratch
            .get_missing_deps(&[])
            .iter()
            .any(|h| !waiting.contains(h))
        {
            return Err(DocError::MissingChanges);
        }
        check_structure(&scratch, &register_id)?;
        // Some crafted change chunks load, but leave a document whose save
        // no longer loads ("mismatching heads"): this copy would then store
        // a snapshot that never opens. A chunk our own encoder would write
        // for the same changes (the common case: the other tab's save of
        // exactly what this copy lacked) is trusted; any other is checked by
        // a full round trip before it is kept.
        if scratch.save_after(&before) != bytes {
            Automerge::load(&scratch.save()).map_err(|e| {
                DocError::Corrupt(format!("the received changes do not survive a save: {e}"))
            })?;
        }
        self.index_stale()?;
        let old = std::mem::replace(&mut self.doc, scratch);
        let touched = match self.touched_findings(&before) {
            Ok(t) => t,
            Err(e) => {
                self.doc = old;
                return Err(e);
            }
        };
        for id in &touched {
            self.drafts.remove(id);
            self.refresh_finding(id)?;
        }
        Ok(touched.into_iter().collect())
    }

    /// Applies changes another tab already stored (see `platform::tabs`).
    /// A copy with nothing of its own unsaved stays "saved": the received
    /// changes are in storage under the other tab's key. One with unsaved
    /// changes keeps them unsaved, and its next chunk carries both.
    pub fn receive_stored(&mut self, bytes: &[u8]) -> Result<Vec<String>, DocError> {
        let clean = self.all_persisted();
        let touched = self.apply_chunk(bytes)?;
        if clean {
            self.persisted = self.doc.get_heads();
        }
        Ok(touched)
    }

    /// The findings whose reading the changes since `before` may have
    /// changed: each incoming operation's object is looked up in the index
    /// of the objects each finding's last reading walked (`owners.rs`), and
    /// an operation on the findings map itself names its finding by key.
    /// Proportional to what arrived: diffing the document between the two
    /// heads walked every finding (a third of a 10,000-finding merge).
    /// The index must be current for the document as it was at `before`
    /// (`index_stale`).
    fn touched_findings(&self, before: &[ChangeHash]) -> Result<BTreeSet<String>, DocError> {
        use automerge::legacy::{Key, ObjectId, OpId};
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        let mut touched = BTreeSet::new();
        for change in self.doc.get_changes(before) {
            for op in change.decode().operations {
                // The root holds the register's own data, read apart.
                let ObjectId::Id(OpId(counter, actor)) = op.obj else {
                    continue;
                };
                // The actor's index is this copy's business: ids compare
                // without it.
                let obj = ObjId::Id(counter, actor, 0);
                if obj == findings_obj {
                    if let Key::Map(key) = op.key {
                        touched.insert(key.to_string());
                    }
                } else if let Some(id) = self.owners.of(&obj) {
                    touched.insert(id.to_owned());
                }
            }
        }
        Ok(touched)
    }

    /// Reads again, for the index of objects only, the findings cached
    /// from this copy's own writes since they were last read: a write may
    /// have made objects the index has not seen. Before a merge, on the
    /// document it merges into.
    fn index_stale(&mut self) -> Result<(), DocError> {
        let stale = self.owners.stale();
        if stale.is_empty() {
            return Ok(());
        }
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        // Only the objects: a stale finding's cached value is this copy's
        // own write, and reading it again would only interpret it again.
        if stale.len() * 2 > self.findings.len() {
            let mut walked = read::objects_of_many(&self.doc, &findings_obj, &stale);
            for id in stale {
                let objects = walked.remove(&id).unwrap_or_default();
                self.owners.set(&id, objects);
            }
        } else {
            for id in stale {
                let objects = read::objects_of(&self.doc, &findings_obj, &id);
                self.owners.set(&id, objects);
            }
        }
        Ok(())
    }

    /// References carried by more than one live finding (two auditors with
    /// the same initials, or a copy between registers).
    pub fn duplicate_references(&self) -> Vec<DuplicateReference> {
        let mut by_ref: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for f in self.live_findings() {
            by_ref
                .entry(f.reference.as_str())
                .or_default()
                .push(f.id.clone());
        }
        by_ref
            .into_iter()
            .filter(|(_, ids)| ids.len() > 1)
            .map(|(r, finding_ids)| DuplicateReference {
                reference: r.to_owned(),
                finding_ids,
            })
            .collect()
    }

    /// Copies the live findings of another register into this one with new
    /// ids, recording where each came from. This is the deliberate path for
    /// files of unrelated registers, which are never merged.
    pub fn copy_findings_from(
        &mut self,
        other: &RegisterDoc,
        mut new_id: impl FnMut() -> String,
        today: NaiveDate,
    ) -> Result<Vec<String>, DocError> {
        let unreadable: Vec<String> = other
            .live_findings()
            .filter(|f| !other.marks(&f.id).is_empty())
            .map(|f| name_of(Some(f), &f.id))
            .chain(other.unreadable.keys().map(|id| name_of(None, id)))
            .collect();
        if !unreadable.is_empty() {
            return Err(DocError::Refused(format!(
                "Nothing was copied: {} finding(s) of that register cannot be read fully ({}).",
                unreadable.len(),
                unreadable.join(", ")
            )));
        }
        self.atomically(|this| this.copy_findings_in(other, &mut new_id, today))
    }

    fn copy_findings_in(
        &mut self,
        other: &RegisterDoc,
        new_id: &mut impl FnMut() -> String,
        today: NaiveDate,
    ) -> Result<Vec<String>, DocError> {
        let origin_register = other.id();
        let mut copied = Vec::new();
        let sources: Vec<Finding> = other.live_findings().cloned().collect();
        for source in sources {
            let id = new_id();
            let mut f = source.clone();
            f.id = id.clone();
            f.origin = format!("{origin_register}/{}", source.id);
            // Links to findings of the other register mean nothing here.
            f.similar.clear();
            // Audits are per register; keep the finding, drop the dangling key.
            f.audit.clear();
            // Its deadlines as they stood there, whatever this register's
            // settings say.
            f.clocks = source.clocks.over(&other.settings()).clocks();
            f.actions = source
                .actions
                .values()
                .map(|a| {
                    let aid = new_id();
                    let mut a = a.clone();
                    a.id = aid.clone();
                    (aid, a)
                })
                .collect();
            validate::finding(&f, today).map_err(|e| {
                DocError::Refused(format!(
                    "Nothing was copied: finding {} is not valid here ({e}).",
                    name_of(Some(&source), &source.id)
                ))
            })?;
            self.change("copy_finding", Some(&id), |tx| {
                let findings = tx_map(tx, FINDINGS)?;
                reconcile_prop(tx, findings, id.as_str(), &f)?;
                Ok(())
            })?;
            self.cache_put(f);
            copied.push(id);
        }
        Ok(copied)
    }

    // ----- internals -------------------------------------------------------

    /// Runs one intent as one Automerge change.
    pub(crate) fn change(
        &mut self,
        op: &str,
        finding: Option<&str>,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
    ) -> Result<(), DocError> {
        let note = ChangeNote {
            op: op.to_owned(),
            finding: finding.map(str::to_owned),
            findings: Vec::new(),
            source: None,
        };
        self.commit_noted(note, f)
    }

    /// Runs one change carrying `note` (see [`ChangeNote`]).
    pub(crate) fn commit_noted(
        &mut self,
        note: ChangeNote,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(), DocError>,
    ) -> Result<(), DocError> {
        let about_register = note.finding.is_none() && note.findings.is_empty();
        let message =
            serde_json::to_string(&note).map_err(|e| DocError::Internal(e.to_string()))?;
        let time = (self.clock)();
        if about_register {
            self.changes.register = true;
        }
        self.doc
            .transact_with(
                |_| {
                    CommitOptions::default()
                        .with_message(message)
                        .with_time(time)
                },
                f,
            )
            .map(|_| ())
            .map_err(|failure| failure.error)
    }

    /// Caches a finding just written whole by this copy (nothing to re-read:
    /// what was reconciled is what the document now holds).
    pub(crate) fn remember_written(&mut self, f: Finding) {
        self.cache_put(f);
    }

    /// Caches `f` under its id, with its place in the relations index: the
    /// two change together everywhere.
    fn cache_put(&mut self, f: Finding) {
        self.changes.findings.insert(f.id.clone());
        self.owners.mark_stale(&f.id);
        self.relations.update(&f.id, Some(&f));
        self.findings.insert(f.id.clone(), f);
    }

    /// Drops finding `id` from the cache and the relations index.
    fn cache_remove(&mut self, id: &str) {
        self.relations.update(id, None);
        self.findings.remove(id);
    }

    /// Re-reads one finding from the document into the cache: never fails
    /// on what the finding holds (see `read.rs`), only if the register's
    /// structure is gone.
    pub(crate) fn refresh_finding(&mut self, id: &str) -> Result<(), DocError> {
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        let key_conflict = self
            .doc
            .map_range(&findings_obj, id.to_owned()..=id.to_owned())
            .any(|item| item.conflict);
        let (read, objects) = read::finding(&self.doc, &findings_obj, id);
        self.owners.set(id, objects);
        self.remember(
            id.to_owned(),
            read.map(|r| {
                r.map(|mut r| {
                    r.conflicted |= key_conflict;
                    r
                })
            }),
        );
        Ok(())
    }

    fn remember(&mut self, id: String, read: Result<Option<read::FindingRead>, Box<Unreadable>>) {
        self.changes.findings.insert(id.clone());
        self.marks.remove(&id);
        self.unreadable.remove(&id);
        match read {
            Ok(Some(r)) => {
                if r.conflicted {
                    self.conflicted.insert(id.clone());
                } else {
                    self.conflicted.remove(&id);
                }
                if !r.marks.is_empty() {
                    self.marks.insert(id.clone(), r.marks);
                }
                if !r.bad_actions.is_empty() {
                    self.unreadable.insert(id.clone(), r.bad_actions);
                }
                self.relations.update(&id, Some(&r.finding));
                self.findings.insert(id, r.finding);
            }
            Ok(None) => {
                self.cache_remove(&id);
                self.conflicted.remove(&id);
            }
            Err(u) => {
                self.cache_remove(&id);
                self.conflicted.remove(&id);
                self.unreadable.insert(id, vec![*u]);
            }
        }
    }

    fn rehydrate_all(&mut self) -> Result<(), DocError> {
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        self.changes.all = true;
        self.findings.clear();
        self.relations = Related::default();
        self.conflicted.clear();
        self.marks.clear();
        self.unreadable.clear();
        self.owners = Owners::default();
        for (id, (read, objects)) in read::all_findings(&self.doc, &findings_obj) {
            self.owners.set(&id, objects);
            self.remember(id, read);
        }
        Ok(())
    }

    /// A fork for tests and tab sync: same history, another actor.
    pub fn fork_as(&self, actor: ActorId) -> RegisterDoc {
        let mut fork = self.clone();
        fork.doc.set_actor(actor);
        fork
    }

    /// This register as it stood at `heads` (changes of this copy), read
    /// as a fresh load would read it: for comparing a past state with this
    /// one (`crate::fingerprint`). For reading only: writing to it would
    /// fork the register's history.
    pub fn at(&self, heads: &[ChangeHash]) -> Result<RegisterDoc, DocError> {
        RegisterDoc::loaded(self.doc.fork_at(heads)?, self.clock)
    }

    /// Rebuilds the cache from the document alone: what a fresh load sees.
    /// Tests compare it with the incrementally maintained cache.
    pub fn rehydrated(&self) -> Result<BTreeMap<String, Finding>, DocError> {
        let mut fresh = self.clone();
        fresh.rehydrate_all()?;
        Ok(fresh.findings)
    }

    /// The cache as a fresh load would build it: findings, marks and
    /// unreadable items (tests compare it with the maintained one).
    pub fn reread_state(&self) -> Result<CacheState, DocError> {
        let mut fresh = self.clone();
        fresh.rehydrate_all()?;
        Ok(fresh.cache_state())
    }

    pub fn cache_state(&self) -> CacheState {
        CacheState {
            findings: self.findings.clone(),
            conflicted: self.conflicted.clone(),
            marks: self.marks.clone(),
            unreadable: self.unreadable.clone(),
            relations: self.relations.with(&self.findings, Relations::clone),
        }
    }
}

/// Everything `RegisterDoc` caches about its findings, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheState {
    pub findings: BTreeMap<String, Finding>,
    pub conflicted: BTreeSet<String>,
    pub marks: BTreeMap<String, Vec<Mark>>,
    pub unreadable: BTreeMap<String, Vec<Unreadable>>,
    pub relations: Relations,
}

pub(crate) fn to_object(
    f: &Finding,
) -> Result<serde_json::Map<String, serde_json::Value>, DocError> {
    match serde_json::to_value(f) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(DocError::Internal(
            "a finding did not serialise as a map".into(),
        )),
    }
}

pub(crate) fn tx_map(tx: &mut Transaction<'_>, key: &str) -> Result<ObjId, DocError> {
    match tx.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::NotARegister),
    }
}
