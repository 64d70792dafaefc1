//! The session: one open register in one tab, and the protocol that keeps
//! it safe. The UI's store is a thin reactive wrapper around [`Session`];
//! the same code runs natively in the tests with the in-memory adapters.
//!
//! What the protocol guarantees:
//! - **Every change is written, in order, one write at a time.** An intent
//!   changes the document; [`Session::begin_save`] hands out the write of
//!   everything not yet stored, and a change made while that write runs is
//!   picked up by the next one ([`SaveDone::again`]).
//! - **A failed write loses nothing.** The changes stay in the document,
//!   the status is [`SaveStatus::Failed`] until a later write succeeds, and
//!   a register switch is refused meanwhile ([`Session::begin_settle`]).
//! - **Typed text survives a closed tab.** Text is drafted (the [`Drafts`]
//!   port) before it is committed; a draft is cleared only once the write
//!   holding its value has succeeded, and drafts left by closed tabs are
//!   committed when the register opens.
//! - **Other tabs' saves are never half-applied.** A save that arrives while
//!   the register opens is kept (bounded) and applied once it is open; one
//!   that builds on a save this tab never saw asks for a catch-up from
//!   storage ([`Received::CatchUp`]).
//!
//! Awaiting is the caller's: the methods are synchronous steps around the
//! asynchronous storage calls (a [`SaveJob`] is written with
//! [`SaveJob::write`], then reported with [`Session::finish_save`]), so a
//! wrapper never holds a borrow of the session across an `await`, and a
//! test can interleave the steps of several tabs any way it likes.

use std::collections::VecDeque;
use std::rc::Rc;

use automerge::ChangeHash;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::document::{reminder_due, Changes, DocError, RegisterDoc, StoredView};
use crate::fields::set_text;
use crate::model::{Auditor, Finding};
use crate::storage::{Loaded, PendingWrite, Persistence, Storage, StorageError};

/// Saves from other tabs kept while a register opens. A burst beyond this
/// is rare, and a dropped one is caught up when the next one cannot apply.
pub const BACKLOG: usize = 64;

/// Text typed into a field and not yet committed to the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub register: String,
    pub finding: String,
    pub field: String,
    pub value: String,
}

/// A draft with the key it is stored under (one per page and field: two
/// tabs typing in the same field keep separate drafts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDraft {
    pub key: String,
    pub draft: Draft,
}

/// The drafts port: a small synchronous store that outlives the tab
/// (localStorage in the browser).
pub trait Drafts {
    /// Stores this page's draft of one field, replacing the previous one.
    fn save(&self, draft: &Draft) -> Result<(), String>;
    /// This page's draft of one field.
    fn get(&self, register: &str, finding: &str, field: &str) -> Option<StoredDraft>;
    /// Every draft of a register left by any page, closed ones included.
    fn all(&self, register: &str) -> Vec<StoredDraft>;
    /// Removes a draft unless it changed since `value` was committed (the
    /// person kept typing).
    fn clear_if(&self, key: &str, value: &str);
}

/// In-memory drafts for native tests. Cloning shares the same memory (one
/// browser); `page` tells this page's drafts from other pages'.
#[derive(Clone, Default)]
pub struct MemoryDrafts {
    items: Rc<std::cell::RefCell<std::collections::BTreeMap<String, Draft>>>,
    page: String,
}

impl MemoryDrafts {
    pub fn new() -> Self {
        Self::default()
    }

    /// The same browser's drafts, seen from another page.
    pub fn page(&self, page: &str) -> Self {
        MemoryDrafts {
            items: self.items.clone(),
            page: page.to_owned(),
        }
    }

    pub fn len(&self) -> usize {
        self.items.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.borrow().is_empty()
    }

    fn key(&self, register: &str, finding: &str, field: &str) -> String {
        format!("{register}/{finding}/{field}/{}", self.page)
    }
}

impl Drafts for MemoryDrafts {
    fn save(&self, draft: &Draft) -> Result<(), String> {
        let key = self.key(&draft.register, &draft.finding, &draft.field);
        self.items.borrow_mut().insert(key, draft.clone());
        Ok(())
    }

    fn get(&self, register: &str, finding: &str, field: &str) -> Option<StoredDraft> {
        let key = self.key(register, finding, field);
        let draft = self.items.borrow().get(&key)?.clone();
        Some(StoredDraft { key, draft })
    }

    fn all(&self, register: &str) -> Vec<StoredDraft> {
        self.items
            .borrow()
            .iter()
            .filter(|(_, d)| d.register == register)
            .map(|(key, draft)| StoredDraft {
                key: key.clone(),
                draft: draft.clone(),
            })
            .collect()
    }

    fn clear_if(&self, key: &str, value: &str) {
        let mut items = self.items.borrow_mut();
        if items.get(key).is_some_and(|d| d.value == value) {
            items.remove(key);
        }
    }
}

/// Whether what the person did is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveStatus {
    Saved,
    Saving,
    /// The last write failed (e.g. a full quota); the changes are in this
    /// tab only until a later write succeeds.
    Failed,
    /// No storage at all (the browser refused it): every change lives in
    /// this tab only.
    Unavailable,
}

/// One write handed out by [`Session::begin_save`]. Write it with
/// [`SaveJob::write`] and report the result to [`Session::finish_save`].
pub struct SaveJob<S: Storage> {
    persistence: Rc<Persistence<S>>,
    pub pending: PendingWrite,
    /// Drafts whose value is in this write: cleared once it is stored.
    clears: Vec<(String, String)>,
}

impl<S: Storage> SaveJob<S> {
    pub async fn write(&self) -> Result<(), StorageError> {
        self.persistence.write(&self.pending).await
    }
}

/// A view of the open register to store ([`Session::begin_view`]).
pub struct ViewJob<S: Storage> {
    persistence: Rc<Persistence<S>>,
    register: String,
    pub view: StoredView,
}

impl<S: Storage> ViewJob<S> {
    /// Stores the view. A failure loses nothing (the view is a cache), and
    /// is not worth a sentence to the person.
    pub async fn write(&self) -> Result<(), StorageError> {
        self.persistence.save_view(&self.register, &self.view).await
    }
}

/// A stored save, for the other tabs of this browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announce {
    pub register: String,
    pub bytes: Vec<u8>,
    pub snapshot: bool,
}

/// What a finished write means for the person and the other tabs.
#[derive(Debug)]
pub struct SaveDone {
    /// Tell the other tabs (on success).
    pub announce: Option<Announce>,
    /// The write failed; `first_failure` when the last one had not.
    pub error: Option<StorageError>,
    pub first_failure: bool,
    /// Changes were made while it ran: call [`Session::begin_save`] again
    /// (after a success; after a failure the retry will).
    pub again: bool,
    /// The write failed and no retry is pending yet: call
    /// [`Session::retry_due`] and then [`Session::begin_save`] after a pause.
    /// One retry at a time, however many writes fail meanwhile.
    pub retry: bool,
}

/// What a save announced by another tab did here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Merged into the open register.
    Applied,
    /// For the register being opened: kept until it is open.
    Kept,
    /// For a register that is neither open nor opening: it is in storage
    /// and will be read when that register opens.
    Ignored,
    /// It builds on a save this tab never received: catch up from storage
    /// ([`Session::begin_catch_up`]).
    CatchUp,
    /// It could not be applied; a sentence for the person.
    Failed(String),
}

/// A step of [`Session::begin_settle`].
pub enum Settle<S: Storage> {
    /// A write is running: wait for it, then ask again.
    Busy,
    /// Write this, report it with [`Session::finish_save`], then ask again.
    Write(SaveJob<S>),
    /// Everything is stored (or there is no storage): go on.
    Settled,
}

/// What opening a register found worth telling.
#[derive(Debug, Default)]
pub struct Opened {
    /// Stored chunks that did not load and were kept aside.
    pub quarantined: usize,
    /// One of them stopped this page last time it was read.
    pub stopped_on: bool,
    /// Drafts of closed tabs committed into the register.
    pub drafts_applied: usize,
    /// Other tabs' saves received while it opened, now applied.
    pub tab_saves_applied: usize,
    /// Sentences for the person (a failure that did not stop the opening).
    pub problems: Vec<String>,
    /// A save received while it opened builds on one this tab never got:
    /// catch up from storage ([`Session::begin_catch_up`]).
    pub catch_up: bool,
}

/// Why a register could not replace the open one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The open register has changes that are not stored yet; they are written first, then the other register opens.")]
pub struct NotSettled;

/// What an export of the register file wrote and what to remember of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecord {
    /// The document's heads when exported: every change up to them is in
    /// the file.
    pub heads: Vec<String>,
    pub at: i64,
}

/// The store's protocol for one tab. See the module documentation.
pub struct Session<S: Storage, D> {
    persistence: Option<Rc<Persistence<S>>>,
    drafts: D,
    doc: Option<RegisterDoc>,
    saving: bool,
    dirty: bool,
    failed: bool,
    /// A retry of a failed write is scheduled (see [`SaveDone::retry`]).
    retry_pending: bool,
    /// The browser refused storage altogether (not merely: not yet opened).
    refused: bool,
    /// The register being loaded ([`Session::begin_open`]): only its saves
    /// from other tabs are kept meanwhile.
    opening: Option<String>,
    backlog: VecDeque<(String, Vec<u8>)>,
    catching_up: bool,
    /// A catch-up was asked for while one ran (its read may be older).
    catch_up_again: bool,
    /// Drafts (key, committed value) to clear once their change is stored:
    /// cleared earlier, a tab closing before the write ends would lose the
    /// text.
    draft_clears: Vec<(String, String)>,
    /// Bumped on every change of the open document.
    version: u64,
    /// Set when the open register was replaced or closed: every reader
    /// must re-run, whatever the document says changed.
    replaced: bool,
}

impl<S: Storage, D: Drafts> Session<S, D> {
    /// A session over `storage`, or over none when the browser refused it.
    pub fn new(storage: Option<S>, drafts: D) -> Self {
        Session {
            persistence: storage.map(|s| Rc::new(Persistence::new(s))),
            drafts,
            doc: None,
            saving: false,
            dirty: false,
            failed: false,
            retry_pending: false,
            refused: false,
            opening: None,
            backlog: VecDeque::new(),
            catching_up: false,
            catch_up_again: false,
            draft_clears: Vec::new(),
            version: 0,
            replaced: false,
        }
    }

    /// Gives the session its storage once the browser opened it; saves
    /// other tabs announced meanwhile are kept.
    pub fn set_storage(&mut self, storage: S) {
        self.persistence = Some(Rc::new(Persistence::new(storage)));
        self.refused = false;
    }

    /// The browser refused storage: every change lives in this tab only.
    pub fn storage_refused(&mut self) {
        self.persistence = None;
        self.refused = true;
    }

    pub fn persistence(&self) -> Option<Rc<Persistence<S>>> {
        self.persistence.clone()
    }

    pub fn drafts(&self) -> &D {
        &self.drafts
    }

    pub fn doc(&self) -> Option<&RegisterDoc> {
        self.doc.as_ref()
    }

    /// The open register's id.
    pub fn id(&self) -> Option<String> {
        self.doc.as_ref().map(RegisterDoc::id)
    }

    /// Changes on every change of the open document (and on open/close).
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn status(&self) -> SaveStatus {
        if self.refused {
            SaveStatus::Unavailable
        } else if self.saving {
            SaveStatus::Saving
        } else if self.failed {
            SaveStatus::Failed
        } else {
            SaveStatus::Saved
        }
    }

    /// Whether a write is running.
    pub fn busy(&self) -> bool {
        self.saving
    }

    /// Whether closing the tab now would lose changes: a failed write with
    /// changes still unsaved (a retry running included), or a register open
    /// with no storage at all. Not while a first write merely runs: it ends
    /// in milliseconds, and the drafts hold typed text meanwhile.
    pub fn at_risk(&self) -> bool {
        if self.refused {
            return self.doc.is_some();
        }
        self.failed
            && self
                .doc
                .as_ref()
                .is_some_and(|d| d.unsaved_chunk().is_some())
    }

    fn changed(&mut self) {
        self.version += 1;
    }

    /// What changed since the last call, for readers that subscribe to one
    /// finding or to the register's own data (see [`Changes`]).
    pub fn take_changes(&mut self) -> Changes {
        let mut changes = self
            .doc
            .as_mut()
            .map(RegisterDoc::take_changes)
            .unwrap_or_default();
        changes.all |= std::mem::take(&mut self.replaced);
        changes
    }

    // ----- intents ----------------------------------------------------------

    /// Runs an intent on the open register. On success the caller saves
    /// ([`Session::begin_save`]).
    pub fn mutate<R>(
        &mut self,
        f: impl FnOnce(&mut RegisterDoc) -> Result<R, DocError>,
    ) -> Result<R, DocError> {
        let doc = self
            .doc
            .as_mut()
            .ok_or_else(|| DocError::Refused("No register is open.".into()))?;
        let before = doc.heads();
        let result = f(doc);
        // An intent that committed and then failed still changed the
        // document: that change must be published and written too.
        if result.is_ok() || self.doc.as_ref().is_some_and(|d| d.heads() != before) {
            self.changed();
            // The running write does not hold this change: one more is due.
            self.dirty |= self.saving;
        }
        result
    }

    pub fn update_finding(
        &mut self,
        id: &str,
        today: NaiveDate,
        edit: impl FnOnce(&mut Finding),
    ) -> Result<(), DocError> {
        self.mutate(|doc| doc.update_finding(id, today, edit))
    }

    // ----- saving -----------------------------------------------------------

    /// The write of everything not yet stored, or `None`: no storage,
    /// nothing to write (then the committed drafts are cleared at once), or
    /// a write runs (then the next one is due when it ends).
    pub fn begin_save(&mut self) -> Option<SaveJob<S>> {
        if self.saving {
            self.dirty = true;
            return None;
        }
        let persistence = self.persistence.clone()?;
        let Some(pending) = self.doc.as_ref().and_then(|d| persistence.prepare(d)) else {
            // Everything is stored, so every committed draft is too, and a
            // failure before no longer holds anything back.
            self.clear_committed_drafts();
            self.failed = false;
            return None;
        };
        self.saving = true;
        Some(SaveJob {
            persistence,
            pending,
            clears: std::mem::take(&mut self.draft_clears),
        })
    }

    /// Reports the end of a write handed out by [`Session::begin_save`].
    pub fn finish_save(&mut self, job: SaveJob<S>, result: Result<(), StorageError>) -> SaveDone {
        self.saving = false;
        let again = std::mem::take(&mut self.dirty);
        match result {
            Ok(()) => {
                // The register may have been switched while it was written.
                if let Some(doc) = self.doc.as_mut().filter(|d| d.id() == job.pending.register) {
                    doc.mark_persisted(job.pending.heads.clone());
                }
                self.failed = false;
                for (key, value) in &job.clears {
                    self.drafts.clear_if(key, value);
                }
                SaveDone {
                    announce: Some(Announce {
                        register: job.pending.register,
                        bytes: job.pending.bytes,
                        snapshot: job.pending.snapshot,
                    }),
                    error: None,
                    first_failure: false,
                    again,
                    retry: false,
                }
            }
            Err(e) => {
                let first_failure = !self.failed;
                self.failed = true;
                // Not stored: the drafts stay, to be cleared after a later write.
                self.draft_clears.extend(job.clears);
                let retry = !std::mem::replace(&mut self.retry_pending, true);
                SaveDone {
                    announce: None,
                    error: Some(e),
                    first_failure,
                    // The retry writes those too, after its pause.
                    again: false,
                    retry,
                }
            }
        }
    }

    /// The pause after a failed write is over: the next
    /// [`Session::begin_save`] is the retry.
    pub fn retry_due(&mut self) {
        self.retry_pending = false;
    }

    /// Before another register replaces the open one: everything unsaved
    /// must be written first. A failed write refuses the switch (the caller
    /// says why): replacing the copy in memory would lose those changes.
    pub fn begin_settle(&mut self) -> Settle<S> {
        if self.saving {
            return Settle::Busy;
        }
        match self.begin_save() {
            Some(job) => Settle::Write(job),
            None => Settle::Settled,
        }
    }

    // ----- drafts -----------------------------------------------------------

    /// Stores typed text as a draft (committed later by the form, or at the
    /// next opening if the tab closes first).
    pub fn draft(&self, finding: &str, field: &str, value: &str) -> Result<(), String> {
        let register = self.id().ok_or("No register is open.")?;
        self.drafts.save(&Draft {
            register,
            finding: finding.to_owned(),
            field: field.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Clears a committed draft once its change is stored. The caller saves.
    pub fn clear_draft_once_saved(&mut self, key: String, value: String) {
        self.draft_clears.push((key, value));
    }

    fn clear_committed_drafts(&mut self) {
        for (key, value) in std::mem::take(&mut self.draft_clears) {
            self.drafts.clear_if(&key, &value);
        }
    }

    /// Commits this page's pending draft of one field (a text field that
    /// went away before its pause elapsed). Returns whether the document
    /// changed; the caller saves.
    pub fn commit_draft(&mut self, finding: &str, field: &str, today: NaiveDate) -> bool {
        let Some(register) = self.id() else {
            return false;
        };
        let Some(stored) = self.drafts.get(&register, finding, field) else {
            return false;
        };
        // Refused (the form showed why as it was typed): the draft stays.
        self.commit(stored, today).unwrap_or(false)
    }

    /// Commits one stored draft: whether it changed the document, or why
    /// it was refused (the draft then stays). A draft for a finding that no
    /// longer exists is done with.
    fn commit(&mut self, stored: StoredDraft, today: NaiveDate) -> Result<bool, DocError> {
        let StoredDraft { key, draft } = stored;
        let value = draft.value.clone();
        let applied =
            self.update_finding(&draft.finding, today, |f| set_text(f, &draft.field, value));
        match applied {
            Ok(()) => {
                self.clear_draft_once_saved(key, draft.value);
                Ok(true)
            }
            Err(DocError::FindingNotFound(_)) => {
                self.clear_draft_once_saved(key, draft.value);
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    // ----- other tabs -------------------------------------------------------

    /// Merges a save another tab of this browser announced. It is in
    /// storage already, so a copy with nothing of its own unsaved stays
    /// saved.
    pub fn receive_from_tab(&mut self, register: &str, bytes: &[u8]) -> Received {
        let Some(doc) = self.doc.as_mut().filter(|d| d.id() == register) else {
            if self.opening.as_deref() != Some(register) {
                return Received::Ignored;
            }
            if self.backlog.len() == BACKLOG {
                self.backlog.pop_front();
            }
            self.backlog
                .push_back((register.to_owned(), bytes.to_vec()));
            return Received::Kept;
        };
        // If Automerge stops the page on these bytes, the next load sets
        // the other tab's stored copy aside instead of stopping again.
        let received = match &self.persistence {
            Some(p) => p.reading_tab_chunk(register, bytes, || doc.receive_stored(bytes)),
            None => doc.receive_stored(bytes),
        };
        match received {
            Ok(_) => {
                self.changed();
                Received::Applied
            }
            // A save this tab never heard of came first (it was opening).
            Err(DocError::MissingChanges) => Received::CatchUp,
            Err(e) => Received::Failed(format!(
                "A change from another tab could not be applied ({e}); reload to see it."
            )),
        }
    }

    /// Starts catching up with everything stored for the open register:
    /// the storage to read and the register's id, or `None` if one catch-up
    /// runs already (never started again from here: a failure is shown,
    /// not retried in a loop).
    pub fn begin_catch_up(&mut self) -> Option<(Rc<Persistence<S>>, String)> {
        if self.catching_up {
            self.catch_up_again = true;
            return None;
        }
        let persistence = self.persistence.clone()?;
        let id = self.id()?;
        self.catching_up = true;
        Some((persistence, id))
    }

    /// Merges what the catch-up read ([`Persistence::read_copy`]). Returns
    /// whether another catch-up is due (one was asked for while this one
    /// read, so its read may miss that save), or a sentence for the person.
    pub fn finish_catch_up(
        &mut self,
        register: &str,
        read: Result<Vec<u8>, String>,
    ) -> Result<bool, String> {
        self.catching_up = false;
        let again = std::mem::take(&mut self.catch_up_again);
        let failed = |e: String| {
            format!(
                "Changes saved in another tab could not be read ({e}); reload this tab to see them."
            )
        };
        let bytes = read.map_err(failed)?;
        let Some(doc) = self.doc.as_mut().filter(|d| d.id() == register) else {
            return Ok(false);
        };
        doc.receive_stored(&bytes)
            .map_err(|e| failed(e.to_string()))?;
        self.changed();
        Ok(again)
    }

    /// The open register's view to store beside it (`document/view.rs`),
    /// when everything is stored and the stored view is not at its heads
    /// already: the next opening at these heads then takes it instead of
    /// reading every finding. Costs a serialisation of every finding, so
    /// the app asks when the page is idle or hidden.
    pub fn begin_view(&self) -> Option<ViewJob<S>> {
        let persistence = self.persistence.clone()?;
        let doc = self.doc.as_ref()?;
        if self.saving || self.failed || !doc.all_persisted() || !persistence.view_due(doc) {
            return None;
        }
        Some(ViewJob {
            persistence,
            register: doc.id(),
            view: doc.stored_view(),
        })
    }

    /// Walks a slice of the findings the owners' index does not know
    /// ([`RegisterDoc::prepare_owners`]); true once none is left. Not a
    /// change: nothing a reader shows moves.
    pub fn prepare_owners(&mut self, slice: usize) -> bool {
        self.doc.as_mut().is_none_or(|d| d.prepare_owners(slice))
    }

    // ----- opening and switching --------------------------------------------

    /// Starts loading stored register `id` (after [`Session::begin_settle`]):
    /// saves other tabs announced before now are in what the load reads, so
    /// only later ones, and only for `id`, are kept.
    pub fn begin_open(&mut self, id: &str) -> Option<Rc<Persistence<S>>> {
        self.backlog.clear();
        self.opening = Some(id.to_owned());
        self.persistence.clone()
    }

    /// Makes a register read from storage the open one. Refused while the
    /// open register has unsaved changes (made while this one loaded):
    /// settle again, then call this with no `await` in between.
    pub fn open_loaded(
        &mut self,
        loaded: Loaded,
        me: &Auditor,
        today: NaiveDate,
    ) -> Result<Opened, NotSettled> {
        let mut doc = loaded.doc;
        let mut problems = Vec::new();
        if let Err(e) = doc.set_me(me) {
            problems.push(e.to_string());
        }
        let mut opened = self.install(doc, today)?;
        opened.quarantined = loaded.quarantined.len();
        opened.stopped_on = loaded.stopped_on;
        opened.problems.splice(0..0, problems);
        Ok(opened)
    }

    /// Whether the open register (if any) could be replaced without losing
    /// a change: no write runs and nothing is unsaved. Without storage
    /// there is nowhere to settle to, and replacing is the person's choice.
    pub fn settled(&self) -> bool {
        if self.persistence.is_none() {
            return true;
        }
        !self.saving
            && self
                .doc
                .as_ref()
                .is_none_or(|d| d.unsaved_chunk().is_none())
    }

    /// Makes `doc` (created, the demo, opened from a file, loaded) the open
    /// register, then applies the saves other tabs announced meanwhile and
    /// the drafts closed tabs left. The caller saves. Refused while the
    /// open register has changes not yet stored (see [`Session::settled`]).
    pub fn install(&mut self, doc: RegisterDoc, today: NaiveDate) -> Result<Opened, NotSettled> {
        if !self.settled() {
            return Err(NotSettled);
        }
        let id = doc.id();
        self.doc = Some(doc);
        self.opening = None;
        self.failed = false;
        self.retry_pending = false;
        self.catching_up = false;
        self.catch_up_again = false;
        // Whatever was still to clear belongs to the register just stored.
        self.clear_committed_drafts();
        self.replaced = true;
        self.changed();
        let mut opened = Opened::default();
        for (register, bytes) in std::mem::take(&mut self.backlog) {
            if register != id {
                continue;
            }
            match self.receive_from_tab(&register, &bytes) {
                Received::Applied => opened.tab_saves_applied += 1,
                Received::Failed(e) => opened.problems.push(e),
                Received::CatchUp => opened.catch_up = true,
                Received::Kept | Received::Ignored => {}
            }
        }
        for stored in self.drafts.all(&id) {
            let field = stored.draft.field.clone();
            match self.commit(stored, today) {
                Ok(true) => opened.drafts_applied += 1,
                Ok(false) => {}
                Err(e) => opened.problems.push(format!(
                    "Text typed into \u{201c}{field}\u{201d} before the tab closed could not be saved: {e}"
                )),
            }
        }
        Ok(opened)
    }

    /// Closes the open register (after [`Session::begin_settle`]).
    pub fn close(&mut self) {
        self.doc = None;
        self.opening = None;
        self.failed = false;
        self.retry_pending = false;
        self.replaced = true;
        self.changed();
    }

    // ----- export -----------------------------------------------------------

    /// The register file (what other auditors merge) and the record to keep
    /// of it, for the unexported-work reminder.
    pub fn export(&self, now: i64) -> Option<(Vec<u8>, ExportRecord)> {
        let doc = self.doc.as_ref()?;
        let record = ExportRecord {
            heads: doc.heads().iter().map(ToString::to_string).collect(),
            at: now,
        };
        Some((doc.save(), record))
    }

    /// Whole days `person`'s oldest change not in the last export has
    /// waited, once that reaches `after_days`. Reads every change since
    /// that export: run it when a register opens or is exported, not on
    /// every edit.
    pub fn export_reminder(
        &self,
        person: &str,
        last: Option<&ExportRecord>,
        now: i64,
        after_days: u32,
    ) -> Option<i64> {
        let doc = self.doc.as_ref()?;
        let exported: Vec<ChangeHash> = last
            .map(|r| r.heads.iter().filter_map(|h| h.parse().ok()).collect())
            .unwrap_or_default();
        reminder_due(&doc.unexported(person, &exported), now, after_days)
    }
}
