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
    transaction::{CommitOptions, Transaction},
    ActorId, Automerge, ChangeHash, ObjId, ObjType, Prop, ReadDoc, Value, ROOT,
};
use autosurgeon::{hydrate_prop, reconcile_prop};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::error::DocError;
use super::genesis::{self, AUDITORS, AUDITS, FINDINGS, REGISTER, SCHEMA, SETTINGS};
use crate::core::model::{Audit, Auditor, CorrectiveAction, Finding, RegisterInfo, Settings};
use crate::core::validate;

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

pub fn system_clock() -> i64 {
    chrono::Utc::now().timestamp_millis()
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
}

impl ChangeNote {
    pub fn parse(message: &str) -> Option<ChangeNote> {
        serde_json::from_str(message).ok()
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateReference {
    pub reference: String,
    pub finding_ids: Vec<String>,
}

/// A fresh register's identity as the person typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewRegister {
    pub name: String,
    pub organisation: String,
    pub scope: String,
}

pub struct RegisterDoc {
    doc: Automerge,
    findings: BTreeMap<String, Finding>,
    /// Findings with at least one field holding concurrent values.
    conflicted: BTreeSet<String>,
    /// Heads at the last persisted chunk: `take_unsaved` hands out what came after.
    persisted: Vec<ChangeHash>,
    clock: Clock,
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
    hydrate_prop::<_, Option<RegisterInfo>, _, _>(doc, ROOT, REGISTER)
        .ok()
        .flatten()
        .filter(|i| !i.id.is_empty())
}

fn map_id(doc: &Automerge, key: &str) -> Result<ObjId, DocError> {
    match doc.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::NotARegister),
    }
}

impl RegisterDoc {
    /// Starts a new register from the shared genesis.
    pub fn create(
        actor: ActorId,
        me: &Auditor,
        new: NewRegister,
        register_id: String,
        clock: Clock,
    ) -> Result<RegisterDoc, DocError> {
        let mut errors = validate::ValidationErrors::default();
        if new.name.trim().is_empty() {
            errors
                .0
                .push(validate::FieldError::new("Register name", "is required"));
        }
        if !errors.0.is_empty() {
            return Err(errors.into());
        }
        validate::auditor(me)?;
        let mut doc = genesis::document();
        doc.set_actor(actor);
        let mut store = RegisterDoc {
            doc,
            findings: BTreeMap::new(),
            conflicted: BTreeSet::new(),
            persisted: Vec::new(),
            clock,
        };
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
        let mut store = RegisterDoc {
            persisted: doc.get_heads(),
            doc,
            findings: BTreeMap::new(),
            conflicted: BTreeSet::new(),
            clock,
        };
        store.rehydrate_all()?;
        Ok(store)
    }

    /// The register's identity; `None` only for a document still at genesis.
    pub fn info(&self) -> Option<RegisterInfo> {
        info_of(&self.doc)
    }

    pub fn id(&self) -> String {
        self.info().map(|i| i.id).unwrap_or_default()
    }

    pub fn settings(&self) -> Settings {
        hydrate_prop::<_, Option<Settings>, _, _>(&self.doc, ROOT, SETTINGS)
            .ok()
            .flatten()
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
    pub fn auditors(&self) -> BTreeMap<String, Auditor> {
        hydrate_prop::<_, Option<BTreeMap<String, Auditor>>, _, _>(&self.doc, ROOT, AUDITORS)
            .ok()
            .flatten()
            .unwrap_or_default()
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

    pub fn audits(&self) -> BTreeMap<String, Audit> {
        hydrate_prop::<_, Option<BTreeMap<String, Audit>>, _, _>(&self.doc, ROOT, AUDITS)
            .ok()
            .flatten()
            .unwrap_or_default()
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

    pub fn is_conflicted(&self, id: &str) -> bool {
        self.conflicted.contains(id)
    }

    pub fn conflicted_ids(&self) -> impl Iterator<Item = &String> {
        self.conflicted.iter()
    }

    pub fn doc(&self) -> &Automerge {
        &self.doc
    }

    pub fn heads(&self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    // ----- persistence -------------------------------------------------

    /// The whole document with its full history (what "Export" writes).
    pub fn save(&self) -> Vec<u8> {
        self.doc.save()
    }

    /// Changes made since the last call (or since open), as one incremental
    /// chunk for the storage layer; `None` when nothing is unsaved. The
    /// caller must call [`RegisterDoc::mark_persisted`] once the chunk is
    /// safely stored: until then the same changes are handed out again, so a
    /// failed write (a full quota) loses nothing.
    pub fn unsaved_chunk(&self) -> Option<(Vec<u8>, Vec<ChangeHash>)> {
        let heads = self.doc.get_heads();
        if heads == self.persisted {
            return None;
        }
        Some((self.doc.save_after(&self.persisted), heads))
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

    pub fn update_info(&mut self, edit: impl FnOnce(&mut RegisterInfo)) -> Result<(), DocError> {
        let mut info = self.info().ok_or(DocError::NotARegister)?;
        let id = info.id.clone();
        edit(&mut info);
        info.id = id;
        if info.name.trim().is_empty() {
            return Err(validate::ValidationErrors(vec![validate::FieldError::new(
                "Register name",
                "is required",
            )])
            .into());
        }
        self.change("edit_register", None, |tx| {
            reconcile_prop(tx, ROOT, REGISTER, &info)?;
            Ok(())
        })
    }

    pub fn update_settings(&mut self, settings: Settings) -> Result<(), DocError> {
        self.change("edit_settings", None, |tx| {
            reconcile_prop(tx, ROOT, SETTINGS, settings)?;
            Ok(())
        })
    }

    pub fn put_audit(&mut self, audit: Audit) -> Result<(), DocError> {
        if audit.title.trim().is_empty() {
            return Err(validate::ValidationErrors(vec![validate::FieldError::new(
                "Audit title",
                "is required",
            )])
            .into());
        }
        self.change("edit_audit", None, |tx| {
            let audits = tx_map(tx, AUDITS)?;
            reconcile_prop(tx, audits, audit.id.as_str(), &audit)?;
            Ok(())
        })
    }

    /// The next reference for this auditor in `year`: their initials and
    /// their own sequence, so auditors never need to coordinate.
    pub fn next_reference(&self, initials: &str, year: i32) -> String {
        let prefix = format!("NC-{year}-{}-", validate::normalise_initials(initials));
        let last = self
            .findings
            .values()
            .filter_map(|f| f.reference.strip_prefix(&prefix))
            .filter_map(|n| n.parse::<u32>().ok())
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
        self.findings.insert(id.clone(), finding);
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
        // Identity is not editable: a closure that changed it is ignored.
        finding.id = old.id.clone();
        if &finding == old {
            return Ok(());
        }
        validate::finding(&finding, today)?;
        self.change(op, Some(id), |tx| {
            let findings = tx_map(tx, FINDINGS)?;
            reconcile_prop(tx, findings, id, &finding)?;
            Ok(())
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

    /// Deletion is a tombstone: the record stays in the document so that a
    /// concurrent edit elsewhere cannot resurrect half of it, and it can be
    /// restored.
    pub fn delete_finding(&mut self, id: &str, today: NaiveDate) -> Result<(), DocError> {
        self.update_finding_as("delete_finding", id, today, |f| f.deleted = true)
    }

    pub fn restore_finding(&mut self, id: &str, today: NaiveDate) -> Result<(), DocError> {
        self.update_finding_as("restore_finding", id, today, |f| f.deleted = false)
    }

    // ----- merge -----------------------------------------------------------

    /// Reads a file's register identity without merging it.
    pub fn peek(bytes: &[u8]) -> Result<RegisterInfo, DocError> {
        let doc = open_checked(bytes)?;
        info_of(&doc).ok_or(DocError::NotARegister)
    }

    /// Merges a file of the same register through the CRDT. A file of
    /// another register is refused with [`DocError::ForeignRegister`]; every
    /// refusal leaves this register untouched.
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
        self.merge_doc(&mut other)
    }

    fn merge_doc(&mut self, other: &mut Automerge) -> Result<MergeSummary, DocError> {
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
        let touched = self.touched_findings(&before, &after)?;
        for id in &touched {
            if self.findings.contains_key(id) {
                summary.findings_changed += 1;
            } else {
                summary.findings_added += 1;
            }
            self.refresh_finding(id)?;
        }
        summary.conflicted = touched
            .iter()
            .filter(|id| self.conflicted.contains(*id))
            .cloned()
            .collect();
        summary.duplicate_references = self.duplicate_references();
        Ok(summary)
    }

    /// Applies changes received from another tab of the same browser: the
    /// bytes are an incremental chunk or a whole save of this register.
    pub fn apply_chunk(&mut self, bytes: &[u8]) -> Result<Vec<String>, DocError> {
        let before = self.doc.get_heads();
        let waiting: BTreeSet<ChangeHash> = self.doc.get_missing_deps(&[]).into_iter().collect();
        let mut scratch = self.doc.fork();
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
        if schema_of(&scratch)? > genesis::SCHEMA_VERSION {
            return Err(DocError::NewerVersion {
                found: schema_of(&scratch)?,
                supported: genesis::SCHEMA_VERSION,
            });
        }
        if info_of(&scratch).map(|i| i.id) != self.info().map(|i| i.id) {
            return Err(DocError::Refused(
                "The received changes belong to another register.".into(),
            ));
        }
        self.doc.merge(&mut scratch)?;
        let after = self.doc.get_heads();
        let touched = self.touched_findings(&before, &after)?;
        for id in &touched {
            self.refresh_finding(id)?;
        }
        Ok(touched.into_iter().collect())
    }

    /// Applies changes another tab already stored (see `platform::tabs`).
    /// A copy with nothing of its own unsaved stays "saved": the received
    /// changes are in storage under the other tab's key. One with unsaved
    /// changes keeps them unsaved, and its next chunk carries both.
    pub fn receive_stored(&mut self, bytes: &[u8]) -> Result<Vec<String>, DocError> {
        let clean = self.doc.get_heads() == self.persisted;
        let touched = self.apply_chunk(bytes)?;
        if clean {
            self.persisted = self.doc.get_heads();
        }
        Ok(touched)
    }

    fn touched_findings(
        &self,
        before: &[ChangeHash],
        after: &[ChangeHash],
    ) -> Result<BTreeSet<String>, DocError> {
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        let mut touched = BTreeSet::new();
        for patch in self.doc.diff(before, after) {
            if patch.obj == findings_obj {
                if let automerge::PatchAction::PutMap { key, .. } = &patch.action {
                    touched.insert(key.clone());
                }
                continue;
            }
            let mut path = patch.path.iter();
            if let Some((obj, Prop::Map(_))) = path.next() {
                if *obj == ObjId::Root {
                    if let Some((obj, Prop::Map(key))) = path.next() {
                        if *obj == findings_obj {
                            touched.insert(key.clone());
                        }
                    }
                }
            }
        }
        Ok(touched)
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
            validate::finding(&f, today)?;
            self.change("copy_finding", Some(&id), |tx| {
                let findings = tx_map(tx, FINDINGS)?;
                reconcile_prop(tx, findings, id.as_str(), &f)?;
                Ok(())
            })?;
            self.findings.insert(id.clone(), f);
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
        };
        let message =
            serde_json::to_string(&note).map_err(|e| DocError::Internal(e.to_string()))?;
        let time = (self.clock)();
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

    /// Re-reads one finding from the document into the cache.
    pub(crate) fn refresh_finding(&mut self, id: &str) -> Result<(), DocError> {
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        let obj = match self.doc.get(&findings_obj, id)? {
            Some((Value::Object(ObjType::Map), obj)) => Some(obj),
            _ => None,
        };
        let key_conflict = self
            .doc
            .map_range(&findings_obj, id.to_owned()..=id.to_owned())
            .any(|item| item.conflict);
        match obj {
            Some(obj) => {
                let (finding, conflicted) = super::read::finding_at(&self.doc, &obj)?;
                self.findings.insert(id.to_owned(), finding);
                if conflicted || key_conflict {
                    self.conflicted.insert(id.to_owned());
                } else {
                    self.conflicted.remove(id);
                }
            }
            None => {
                self.findings.remove(id);
                self.conflicted.remove(id);
            }
        }
        Ok(())
    }

    fn rehydrate_all(&mut self) -> Result<(), DocError> {
        let findings_obj = map_id(&self.doc, FINDINGS)?;
        self.findings.clear();
        self.conflicted.clear();
        for (id, (finding, conflicted)) in super::read::all_findings(&self.doc, &findings_obj)? {
            if conflicted {
                self.conflicted.insert(id.clone());
            }
            self.findings.insert(id, finding);
        }
        Ok(())
    }

    /// A fork for tests and tab sync: same history, another actor.
    pub fn fork_as(&self, actor: ActorId) -> RegisterDoc {
        RegisterDoc {
            doc: self.doc.fork().with_actor(actor),
            findings: self.findings.clone(),
            conflicted: self.conflicted.clone(),
            persisted: self.persisted.clone(),
            clock: self.clock,
        }
    }

    /// Rebuilds the cache from the document alone: what a fresh load sees.
    /// Tests compare it with the incrementally maintained cache.
    pub fn rehydrated(&self) -> Result<BTreeMap<String, Finding>, DocError> {
        Ok(
            hydrate_prop::<_, Option<BTreeMap<String, Finding>>, _, _>(&self.doc, ROOT, FINDINGS)?
                .unwrap_or_default(),
        )
    }
}

fn tx_map(tx: &mut Transaction<'_>, key: &str) -> Result<ObjId, DocError> {
    match tx.get(ROOT, key)? {
        Some((Value::Object(ObjType::Map), id)) => Ok(id),
        _ => Err(DocError::NotARegister),
    }
}
