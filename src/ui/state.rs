//! The UI's one store: a reactive wrapper around the core's
//! [`Session`] (`ncr_core::session`), which owns the open register and the
//! protocol that stores it. Components read through `with_doc` (which
//! subscribes them to changes) and write only through intent methods here;
//! each intent runs in the session, publishes its new state to the signals
//! and schedules a save. Timers, tasks, tab messages and the sentences
//! shown are this wrapper's; every rule is the session's.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::engine;
use crate::platform::clock::system_clock;
use crate::platform::idb_storage::IdbStorage;
use crate::platform::profile::{self, LocalDrafts, Profile};
use crate::ui::route::Route;
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::RegisterInfo;
use ncr_core::model::{Auditor, Finding};
use ncr_core::session::{Opened, Received, SaveDone, SaveStatus, Session, Settle};
use ncr_core::storage::{LoadError, Loaded, Persistence, StorageError};

pub use crate::platform::clock::{new_id, today};

thread_local! {
    static READER_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn count_reader_run() {
    READER_RUNS.with(|n| n.set(n.get() + 1));
}

/// How many times a reader of the register has run since the page loaded:
/// the measure of "renders per edit" (docs/BENCHMARKS.md). Exported for
/// the benchmark, which reads it before and after an edit.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = ncrReaderRuns)]
pub fn reader_runs() -> f64 {
    READER_RUNS.with(|n| n.get() as f64)
}

pub const DATABASE: &str = "nc-register";
pub const REGISTER_INDEX: &str = "ncr.registers";

/// A register this browser holds, for the switcher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterEntry {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Error,
}

/// A message for the person: info goes to a polite live region, errors to an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// Whether what the person did is stored (the core's [`SaveStatus`]).
pub type SaveState = SaveStatus;

/// Findings indexed for the relations index per idle period: a twentieth
/// of a 10,000-finding register, whose whole index takes about 0.1 s.
const RELATIONS_SLICE: usize = 500;

/// Seconds between retries of a failed save.
const SAVE_RETRY_MS: i32 = 5_000;
/// How long the register must stay unchanged and stored before its view is
/// stored beside it (`ncr_core::document::StoredView`): storing it
/// serialises every finding, worth doing once a burst of edits is over.
const VIEW_QUIET_MS: i32 = 2_000;
/// Findings walked per idle period for the owners' index after opening
/// from a view: a few milliseconds in the browser, so that a key pressed
/// or a write's completion arriving while one runs waits little (250 made
/// the worst keystroke after a reload 54 ms at 10,000 findings; 100 took
/// about 15 ms a slice).
const OWNERS_SLICE: usize = 25;
/// The user-timing marks set when a register opened from its stored view,
/// and when a preview of it was shown first: for the benchmark and the
/// end-to-end tests, which cannot see otherwise which way it opened.
const OPENED_FROM_VIEW: &str = "ncr-opened-from-view";
const PREVIEW_SHOWN: &str = "ncr-preview-shown";
/// How long a preview waits for its screen's module before the document is
/// loaded. From the service worker's cache the module arrives in well under
/// that; a preview whose rows wait on Automerge's load (about a second at
/// 10,000 findings) shows them no sooner than no preview at all.
const SCREEN_WAIT_MS: i32 = 1_000;

fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

type BrowserSession = Session<IdbStorage, LocalDrafts>;

/// A register file made for export, with the record written once it is
/// delivered (`Store::export_file`, `Store::deliver_export`).
pub struct RegisterExport {
    pub register: String,
    pub bytes: Vec<u8>,
    pub record: ncr_core::session::ExportRecord,
}

/// The UI's one store: the core [`Session`] (the open register and the
/// protocol that stores it) plus the signals components read. Every intent
/// goes through the session; this wrapper adds only reactivity, the
/// browser's timers and tasks, and the sentences shown.
#[derive(Clone, Copy)]
pub struct Store {
    session: StoredValue<BrowserSession, LocalStorage>,
    /// Bumped on every change of the open document: for the few readers
    /// that show everything. Others subscribe to what they show (see
    /// `with_finding`, `with_findings`, `with_register`).
    pub version: RwSignal<u64>,
    /// Notified when any finding is added, edited or removed.
    findings_changed: Trigger,
    /// Notified when the register's own data (name, settings, auditors,
    /// audits) may have changed, and when another register opens.
    register_changed: Trigger,
    /// One trigger per finding a reader shows, notified when that finding
    /// changes: an edit re-runs its readers and no others.
    finding_triggers: StoredValue<HashMap<String, ArcTrigger>, LocalStorage>,
    pub profile: RwSignal<Option<Profile>>,
    pub registers: RwSignal<Vec<RegisterEntry>>,
    pub notice: RwSignal<Option<Notice>>,
    pub save_state: RwSignal<SaveState>,
    pub route: RwSignal<Route>,
    /// False until storage has been opened and the last register loaded.
    pub ready: RwSignal<bool>,
    /// The open register's id: changes on open and close only, for readers
    /// too costly to re-run on every edit.
    pub opened: RwSignal<Option<String>>,
    /// Bumped after each export of the register file.
    pub exports: RwSignal<u64>,
    /// Bumped whenever attachments' bytes were stored in this browser (an
    /// attachment added or received): what shows "missing" looks again.
    pub stored_attachments: RwSignal<u64>,
    /// Bumped on each request to store the view: only the last one, once
    /// quiet, stores it.
    view_requests: StoredValue<u64>,
    /// While a stored register opens with nothing open before it: a
    /// read-only stand-in made from its stored view
    /// (`RegisterDoc::preview`), which the readers show until the
    /// register itself is open. Never in the session: nothing writes to it.
    preview: StoredValue<Option<RegisterDoc>, LocalStorage>,
    /// The register an opening is under way for, from before the engine
    /// is awaited until the opening ends: a second request for it (a link
    /// followed while its preview shows) is not a second opening, which
    /// would read it again and replace the first copy, edits and all.
    opening: StoredValue<Option<String>>,
}

fn load_index() -> Vec<RegisterEntry> {
    use gloo_storage::Storage as _;
    gloo_storage::LocalStorage::get(REGISTER_INDEX).unwrap_or_default()
}

fn save_index(entries: &[RegisterEntry]) {
    use gloo_storage::Storage as _;
    // The index only names registers for the switcher; IndexedDB holds them.
    let _ = gloo_storage::LocalStorage::set(REGISTER_INDEX, entries);
}

impl Store {
    pub fn new() -> Store {
        Store {
            session: StoredValue::new_local(Session::new(None, LocalDrafts)),
            version: RwSignal::new(0),
            findings_changed: Trigger::new(),
            register_changed: Trigger::new(),
            finding_triggers: StoredValue::new_local(HashMap::new()),
            profile: RwSignal::new(profile::load()),
            registers: RwSignal::new(load_index()),
            notice: RwSignal::new(None),
            save_state: RwSignal::new(SaveState::Saved),
            route: RwSignal::new(Route::current()),
            ready: RwSignal::new(false),
            opened: RwSignal::new(None),
            exports: RwSignal::new(0),
            stored_attachments: RwSignal::new(0),
            view_requests: StoredValue::new(0),
            preview: StoredValue::new_local(None),
            opening: StoredValue::new(None),
        }
    }

    pub fn info(&self, text: impl Into<String>) {
        self.notice.set(Some(Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        }));
    }

    pub fn error(&self, text: impl Into<String>) {
        self.notice.set(Some(Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }));
    }

    /// Publishes the session's state to the signals after a step changed
    /// it, notifying only the readers of what changed.
    fn publish(&self) {
        let Some((version, status, changes)) = self
            .session
            .try_update_value(|s| (s.version(), s.status(), s.take_changes()))
        else {
            return;
        };
        if !changes.is_empty() {
            // Cloned out first: a notified reader may create a trigger.
            let notify: Vec<ArcTrigger> = self.finding_triggers.with_value(|t| {
                if changes.all {
                    t.values().cloned().collect()
                } else {
                    changes
                        .findings
                        .iter()
                        .filter_map(|id| t.get(id).cloned())
                        .collect()
                }
            });
            for trigger in notify {
                trigger.notify();
            }
            if changes.all || !changes.findings.is_empty() {
                self.findings_changed.notify();
            }
            if changes.all || changes.register {
                self.register_changed.notify();
            }
        }
        if self.version.get_untracked() != version {
            self.version.set(version);
        }
        if self.save_state.get_untracked() != status {
            self.save_state.set(status);
        }
    }

    /// Opens storage, then the register the URL or the last session names.
    /// `screen` is the first screen's module arriving (see
    /// [`Store::open_register`]).
    pub async fn boot(self, screen: impl std::future::Future<Output = ()> + 'static) {
        match IdbStorage::open(DATABASE).await {
            // Given to the session in place: saves other tabs announced
            // while storage opened are kept.
            Ok(storage) => self.session.update_value(|s| s.set_storage(storage)),
            Err(e) => {
                self.session.update_value(Session::storage_refused);
                self.error(format!(
                    "This browser will not store registers ({e}). You can still work, but export before closing the tab."
                ))
            }
        }
        self.publish();
        self.guard_unload();
        self.sync_index().await;
        let wanted = self
            .route
            .get_untracked()
            .register()
            .map(str::to_owned)
            .or_else(profile::last_register);
        if let (Some(id), Some(_)) = (wanted, self.profile.get_untracked()) {
            self.open_register(&id, screen).await;
        }
        self.ready.set(true);
    }

    fn persistence(&self) -> Option<std::rc::Rc<Persistence<IdbStorage>>> {
        self.session.with_value(Session::persistence)
    }

    /// Adds registers found in storage but missing from the index.
    async fn sync_index(&self) {
        let Some(p) = self.persistence() else {
            return;
        };
        let Ok(ids) = p.registers().await else {
            return;
        };
        let mut entries = load_index();
        entries.retain(|e| ids.contains(&e.id));
        for id in ids {
            if !entries.iter().any(|e| e.id == id) {
                entries.push(RegisterEntry {
                    name: format!("Register {}", id.get(..8).unwrap_or(&id)),
                    id,
                });
            }
        }
        save_index(&entries);
        self.registers.set(entries);
    }

    /// Another tab changed the register index (created or renamed one).
    pub fn reload_index(&self) {
        self.registers.set(load_index());
    }

    fn remember(&self, info: Option<RegisterInfo>) {
        let Some(info) = info else { return };
        let mut entries = load_index();
        match entries.iter_mut().find(|e| e.id == info.id) {
            Some(e) => e.name = info.name.clone(),
            None => entries.push(RegisterEntry {
                id: info.id.clone(),
                name: info.name.clone(),
            }),
        }
        save_index(&entries);
        self.registers.set(entries);
        profile::set_last_register(&info.id);
    }

    pub fn set_profile(&self, auditor: &Auditor) -> Result<(), String> {
        ncr_core::validate::auditor(auditor).map_err(|e| e.to_string())?;
        let saved = profile::save(auditor)?;
        self.profile.set(Some(saved));
        // The profile form is on the first screen: the open register (so
        // the engine, crate::engine) learns the new name through the door.
        if let Some(engine) = engine::get().filter(|_| self.has_register()) {
            engine.set_me(*self, auditor)?;
        }
        Ok(())
    }

    pub(crate) fn set_me_now(&self, auditor: &Auditor) -> Result<(), String> {
        let me = auditor.clone();
        self.mutate(|doc| doc.set_me(&me))
            .map(drop)
            .map_err(|e| e.to_string())
    }

    pub fn has_register_tracked(&self) -> bool {
        self.register_changed.track();
        self.has_register()
    }

    /// Merges changes another tab of this browser saved. Without the
    /// engine nothing is open or opening (an opening waits for it), so
    /// there is nothing to merge into: the save is in storage.
    pub fn receive_from_tab(&self, register: &str, bytes: &[u8]) {
        if let Some(engine) = engine::get() {
            engine.receive_from_tab(*self, register, bytes);
        }
    }

    pub(crate) fn receive_from_tab_now(&self, register: &str, bytes: &[u8]) {
        let received = self
            .session
            .try_update_value(|s| s.receive_from_tab(register, bytes));
        self.publish();
        match received {
            Some(Received::CatchUp) => {
                let store = *self;
                spawn_local(async move { store.catch_up().await });
            }
            Some(Received::Failed(e)) => self.error(e),
            Some(Received::Applied | Received::Kept | Received::Ignored) | None => {}
        }
    }

    /// Catches up with everything stored for the open register (what other
    /// tabs saved), merging it into this copy.
    async fn catch_up(&self) {
        loop {
            let Some((p, id)) = self
                .session
                .try_update_value(|s| s.begin_catch_up())
                .flatten()
            else {
                return;
            };
            let read = p.read_copy(&id).await.map_err(|e| e.to_string());
            let result = self
                .session
                .try_update_value(|s| s.finish_catch_up(&id, read));
            self.publish();
            match result {
                // Asked for again while it read: read once more.
                Some(Ok(true)) => continue,
                Some(Err(e)) => self.error(e),
                Some(Ok(false)) | None => {}
            }
            return;
        }
    }

    pub fn has_register(&self) -> bool {
        self.session.with_value(|s| s.doc().is_some())
    }

    fn previewing(&self) -> bool {
        self.preview
            .try_with_value(Option::is_some)
            .unwrap_or(false)
    }

    /// Shows `preview` (or stops showing one) to every reader.
    fn set_preview(&self, preview: Option<RegisterDoc>) {
        self.preview.set_value(preview);
        self.findings_changed.notify();
        self.register_changed.notify();
    }

    /// Asks before the tab closes while changes exist only in memory.
    fn guard_unload(&self) {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Some(window) = web_sys::window() else {
            return;
        };
        let store = *self;
        let guard = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
            move |event: web_sys::BeforeUnloadEvent| {
                if engine::get().is_some_and(|e| e.at_risk(store)) {
                    event.prevent_default();
                    event.set_return_value("");
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("beforeunload", guard.as_ref().unchecked_ref());
        guard.forget();
        // A tab put away (another tab, the laptop closed) may not come
        // back: store the view now rather than after the quiet period.
        let hidden = Closure::<dyn Fn()>::new(move || {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Hidden);
            if let Some(engine) = engine::get().filter(|_| hidden) {
                spawn_local(engine.store_view(store));
            }
        });
        let _ = window
            .add_event_listener_with_callback("visibilitychange", hidden.as_ref().unchecked_ref());
        hidden.forget();
    }

    /// Stores the open register's view once it has stayed unchanged and
    /// stored for [`VIEW_QUIET_MS`] and the page is idle.
    fn schedule_view(&self) {
        let Some(request) = self.view_requests.try_update_value(|n| {
            *n += 1;
            *n
        }) else {
            return;
        };
        let store = *self;
        let current = move || store.view_requests.try_get_value() == Some(request);
        spawn_local(async move {
            crate::platform::files::sleep(VIEW_QUIET_MS).await;
            if current() {
                crate::platform::files::idle().await;
                if current() {
                    store.store_view_now().await;
                }
            }
        });
    }

    /// Whether closing the tab now would lose changes (the unload guard,
    /// through the engine).
    pub(crate) fn at_risk_now(&self) -> bool {
        self.session.with_value(Session::at_risk)
    }

    /// Stores the open register's view if it is due (everything stored, and
    /// the stored view at other heads). A failure costs the next opening a
    /// full reading, nothing else, so it is not shown.
    pub(crate) async fn store_view_now(&self) {
        let Some(job) = self.session.try_with_value(Session::begin_view).flatten() else {
            return;
        };
        let _ = job.write().await;
    }

    /// Reads the open register; re-runs in a reactive context on every
    /// change. Prefer the narrower readers below.
    pub fn with_doc<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.version.track();
        // A preview shown or replaced is announced as a change of the
        // register, which every reader follows.
        self.register_changed.track();
        count_reader_run();
        self.read(f)
    }

    /// The open register, or else the preview of the one opening.
    fn read<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        let mut f = Some(f);
        let mut run = |d: &RegisterDoc| f.take().map(|f| f(d));
        self.session
            .with_value(|s| s.doc().and_then(&mut run))
            .or_else(|| self.preview.with_value(|p| p.as_ref().and_then(&mut run)))
    }

    /// Reads what one finding shows; re-runs when that finding changes or
    /// the register's own data does (settings, auditors and audits shape
    /// how a finding reads), not when another finding changes.
    pub fn with_finding<R>(&self, id: &str, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        let trigger = self.finding_triggers.try_update_value(|t| {
            t.entry(id.to_owned())
                .or_insert_with(ArcTrigger::new)
                .clone()
        });
        if let Some(trigger) = trigger {
            trigger.track();
        }
        self.register_changed.track();
        count_reader_run();
        self.read(f)
    }

    /// Reads the findings as a whole (lists, counts, options); re-runs when
    /// any finding or the register's own data changes.
    pub fn with_findings<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.findings_changed.track();
        self.register_changed.track();
        count_reader_run();
        self.read(f)
    }

    /// Reads the register's own data (name, settings, auditors, audits);
    /// re-runs only when that may have changed or another register opens.
    pub fn with_register<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.register_changed.track();
        count_reader_run();
        self.read(f)
    }

    pub fn with_doc_untracked<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.session.with_value(|s| s.doc().map(f))
    }

    /// Runs an intent on the open register, then saves.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut RegisterDoc) -> Result<R, DocError>,
    ) -> Result<R, DocError> {
        if !self.has_register() && self.previewing() {
            return Err(DocError::Refused(
                "The register is still opening; nothing was changed. Try again in a moment.".into(),
            ));
        }
        let result = self
            .session
            .try_update_value(|s| s.mutate(f))
            .unwrap_or_else(|| Err(DocError::Refused("The app is closing.".into())));
        if result.is_ok() {
            // Publishes too, once the write is queued.
            self.schedule_save();
        }
        result
    }

    /// Shows a refused intent as a message; returns whether it succeeded.
    pub fn attempt<R>(&self, f: impl FnOnce(&mut RegisterDoc) -> Result<R, DocError>) -> Option<R> {
        match self.mutate(f) {
            Ok(r) => Some(r),
            Err(e) => {
                self.error(e.to_string());
                None
            }
        }
    }

    pub fn update_finding(
        &self,
        id: &str,
        edit: impl FnOnce(&mut Finding),
    ) -> Result<(), DocError> {
        let today = today();
        self.mutate(|doc| doc.update_finding(id, today, edit))
    }

    /// Attaches bytes already stored under `record.hash` to a finding.
    pub fn add_attachment(
        &self,
        finding: &str,
        record: ncr_core::model::Attachment,
    ) -> Result<String, String> {
        let today = today();
        let id = new_id();
        self.mutate(|doc| doc.add_attachment(finding, id, today, record))
            .map_err(|e| e.to_string())
    }

    pub fn remove_attachment(&self, finding: &str, attachment: &str) -> Result<(), String> {
        let today = today();
        self.mutate(|doc| doc.remove_attachment(finding, attachment, today))
            .map_err(|e| e.to_string())
    }

    /// Stores attachments received in a register file, each by its hash
    /// (already checked against its bytes); how many were new here.
    pub async fn store_received(&self, attachments: &[(String, Vec<u8>)]) -> Result<usize, String> {
        let mut new = 0;
        for (_, bytes) in attachments {
            let (_, added) = crate::platform::attachments::put(bytes).await?;
            new += usize::from(added);
        }
        if !attachments.is_empty() {
            self.stored_attachments.update(|n| *n += 1);
        }
        Ok(new)
    }

    /// Deletes a finding with the reason the person gave.
    pub fn delete_finding(&self, id: &str, reason: &str) -> Result<(), String> {
        let today = today();
        self.mutate(|doc| doc.delete_finding(id, reason, today))
            .map_err(|e| e.to_string())
    }

    pub fn restore_finding(&self, id: &str) -> Result<(), String> {
        let today = today();
        self.mutate(|doc| doc.restore_finding(id, today))
            .map_err(|e| e.to_string())
    }

    /// Discards a draft (see `RegisterDoc::discard_finding`).
    pub fn discard_finding(&self, id: &str) -> Result<(), String> {
        self.mutate(|doc| doc.discard_finding(id))
            .map_err(|e| e.to_string())
    }

    /// Leaving a new finding nobody typed anything into discards it, so a
    /// "New finding" pressed by mistake leaves no numbered empty record.
    /// One with something typed is kept (listed as untitled): dropping a
    /// person's words because they looked elsewhere would lose work.
    pub fn discard_if_untouched(&self, id: &str) {
        let reference = self
            .with_doc_untracked(|d| {
                d.is_untouched_draft(id)
                    .then(|| d.finding(id).map(|f| f.reference.clone()))
                    .flatten()
            })
            .flatten();
        if let Some(reference) = reference {
            if self.discard_finding(id).is_ok() {
                self.info(format!(
                    "The new finding {reference} was left empty, so it was discarded."
                ));
            }
        }
    }

    pub fn put_audit(&self, audit: ncr_core::model::Audit) -> Result<(), String> {
        self.mutate(|doc| doc.put_audit(audit))
            .map_err(|e| e.to_string())
    }

    /// Edits the register's name, organisation and scope; the switcher's
    /// list follows the new name.
    pub fn update_register_info(&self, new: NewRegister) -> Result<(), String> {
        self.mutate(|doc| doc.update_register_info(new))
            .map_err(|e| e.to_string())?;
        self.remember(self.with_doc_untracked(RegisterDoc::info).flatten());
        Ok(())
    }

    /// Saves unsaved changes: one write at a time, a change made meanwhile
    /// saved right after it, a failed write retried every few seconds.
    pub fn schedule_save(&self) {
        let Some(job) = self.session.try_update_value(Session::begin_save).flatten() else {
            self.publish();
            return;
        };
        let store = *self;
        spawn_local(async move {
            let result = job.write().await;
            if let Some(done) = store
                .session
                .try_update_value(|s| s.finish_save(job, result))
            {
                store.finished(done);
            }
        });
        // Readers are told after the write is queued: tasks run in the
        // order they were queued, so the write is sent to IndexedDB before
        // the screen re-renders, and the browser commits it meanwhile.
        self.publish();
    }

    /// Acts on a finished write: tells the other tabs, or the person (once),
    /// schedules the one retry, and saves what was changed meanwhile.
    fn finished(&self, done: SaveDone) {
        self.publish();
        if done.error.is_none() {
            self.schedule_view();
        }
        if let Some(a) = &done.announce {
            crate::platform::tabs::announce(&a.register, &a.bytes, a.snapshot);
        }
        if let Some(e) = &done.error {
            if done.first_failure {
                self.error(format!(
                    "{e} Your changes are kept in this tab and saved again every few seconds; do not close it before \u{201c}All changes saved\u{201d} shows, or export the register."
                ));
            }
        }
        if done.retry {
            // Space may come back (another tab, the person freeing some):
            // try again until a write succeeds.
            let store = *self;
            spawn_local(async move {
                crate::platform::files::sleep(SAVE_RETRY_MS).await;
                store.session.update_value(Session::retry_due);
                store.schedule_save();
            });
        }
        if done.again {
            self.schedule_save();
        }
    }

    /// Before another register replaces the open one: waits for a running
    /// save, then writes what is still unsaved. Refuses (with the reason)
    /// when that fails, e.g. a full quota: replacing the copy in memory
    /// would lose those changes. Returns right after the session said
    /// "settled", with no `await` in between, so the caller can replace the
    /// register before anything else runs.
    async fn settle(&self) -> Result<(), String> {
        loop {
            let Some(step) = self.session.try_update_value(Session::begin_settle) else {
                return Ok(());
            };
            match step {
                Settle::Settled => return Ok(()),
                Settle::Busy => crate::platform::files::sleep(50).await,
                Settle::Write(job) => {
                    self.publish();
                    let result = job.write().await;
                    let Some(done) = self
                        .session
                        .try_update_value(|s| s.finish_save(job, result))
                    else {
                        return Err("The app is closing.".into());
                    };
                    let failed = done.error.as_ref().map(ToString::to_string);
                    self.finished(done);
                    if let Some(e) = failed {
                        return Err(format!("{e} Then open the other register."));
                    }
                }
            }
        }
    }

    /// Makes `doc` the open register and tells the person what opening it
    /// found.
    fn install(&self, doc: RegisterDoc) {
        let id = doc.id();
        let info = doc.info();
        match self.session.try_update_value(|s| s.install(doc, today())) {
            Some(Ok(opened)) => {
                self.remember(info);
                self.after_open(id, opened);
            }
            Some(Err(e)) => self.error(e.to_string()),
            None => {}
        }
    }

    fn after_open(&self, id: String, opened: Opened) {
        self.publish();
        self.opened.set(Some(id));
        if opened.stopped_on {
            self.error(format!(
                "The app stopped last time while reading part of this register's stored data. That part has been kept aside ({} item(s) in all) and everything else opened. Export the register and keep the file.",
                opened.quarantined
            ));
        } else if opened.quarantined > 0 {
            self.error(format!(
                "Part of this register's stored data was damaged and has been kept aside ({} item(s)); everything else opened. Export the register and keep the file.",
                opened.quarantined
            ));
        }
        for problem in opened.problems {
            self.error(problem);
        }
        if opened.catch_up {
            let store = *self;
            spawn_local(async move { store.catch_up().await });
        }
        self.schedule_save();
        // The first history of a large register indexes every change, and
        // the first finding shown needs the relations index (each about
        // 0.1 s at 10,000 findings): built once the page is idle after
        // opening, rather than when the person asks, and not before the
        // first rows show; the relations a slice per idle period, so that
        // no task after the first rows is long.
        let store = *self;
        spawn_local(async move {
            crate::platform::files::idle().await;
            store.with_doc_untracked(RegisterDoc::prepare_history);
            loop {
                crate::platform::files::idle().await;
                let done = store.with_doc_untracked(|d| d.prepare_relations(RELATIONS_SLICE));
                if done != Some(false) {
                    break;
                }
            }
            // Opened from a view: the owners' index learns each finding's
            // objects here, so a merge or another tab's change need not
            // walk them all first.
            loop {
                crate::platform::files::idle().await;
                let done = store
                    .session
                    .try_update_value(|s| s.prepare_owners(OWNERS_SLICE));
                if done != Some(false) {
                    break;
                }
            }
        });
        self.schedule_view();
    }

    /// Removes a committed draft once its change is stored.
    pub fn clear_draft_once_saved(&self, key: String, value: String) {
        self.session
            .update_value(|s| s.clear_draft_once_saved(key, value));
        self.schedule_save();
    }

    /// Commits the draft of one field, if one is pending (a text field
    /// that went away before its pause elapsed).
    pub fn commit_draft(&self, finding: &str, field: &str) {
        let today = today();
        self.session
            .update_value(|s| _ = s.commit_draft(finding, field, today));
        self.publish();
        self.schedule_save();
    }

    /// Creates a register and opens it; waits for the engine
    /// (`crate::engine`), which the first screen's code does not hold.
    pub async fn create_register(&self, new: NewRegister) -> Result<String, String> {
        engine::ready().await?.create_register(*self, new).await
    }

    pub(crate) async fn create_register_now(&self, new: NewRegister) -> Result<String, String> {
        let profile = self
            .profile
            .get_untracked()
            .ok_or("Set your name and initials first.")?;
        let doc = RegisterDoc::create(
            profile.session_actor(),
            &profile.auditor(),
            new,
            new_id(),
            system_clock,
        )
        .map_err(|e| e.to_string())?;
        self.adopt(doc).await
    }

    /// Takes a register made or read elsewhere (create, demo, import) as the
    /// open one, storing a snapshot of it first.
    pub async fn adopt(&self, mut doc: RegisterDoc) -> Result<String, String> {
        self.settle().await?;
        let id = doc.id();
        if let Some(p) = self.persistence() {
            if let Err(e) = p.save_snapshot(&mut doc).await {
                self.error(e.to_string());
            }
        }
        // An edit may have reached the open register while the snapshot was
        // written: store it before this one replaces it.
        self.settle().await?;
        self.install(doc);
        Ok(id)
    }

    /// Opens the demo register (see [`Store::create_register`]).
    pub async fn open_demo(&self) -> Result<String, String> {
        engine::ready().await?.open_demo(*self).await
    }

    pub(crate) async fn open_demo_now(&self) -> Result<String, String> {
        let profile = self
            .profile
            .get_untracked()
            .ok_or("Set your name and initials first.")?;
        // Recorded by the demo's own auditor (a fixed actor), so its history
        // names them; this browser then works on it as itself.
        let demo = ncr_core::demo::build_demo(
            automerge::ActorId::from([0xde; 16]),
            new_id(),
            today(),
            system_clock,
            new_id,
        )
        .map_err(|e| e.to_string())?;
        let mut doc = demo.fork_as(profile.session_actor());
        doc.set_me(&profile.auditor()).map_err(|e| e.to_string())?;
        self.adopt(doc).await
    }

    /// Opens a stored register (nothing if it is already the open one).
    ///
    /// `screen` is the shown screen's module arriving: a register shown
    /// first from its stored view waits for it, [`SCREEN_WAIT_MS`] at
    /// most, so that the view's rows are drawn before Automerge's load
    /// takes the main thread, not after it.
    pub async fn open_register(
        &self,
        id: &str,
        screen: impl std::future::Future<Output = ()> + 'static,
    ) {
        // `opened`, not the document's id: reading that is the engine's.
        if self.opened.get_untracked().as_deref() == Some(id)
            || self.opening.get_value().as_deref() == Some(id)
        {
            return;
        }
        self.opening.set_value(Some(id.to_owned()));
        match engine::ready().await {
            Ok(engine) => {
                engine
                    .open_register(*self, id.to_owned(), Box::pin(screen))
                    .await
            }
            Err(e) => self.error(e),
        }
        // Another register asked for meanwhile has taken the mark: its own.
        if self.opening.get_value().as_deref() == Some(id) {
            self.opening.set_value(None);
        }
    }

    pub(crate) async fn open_register_now(&self, id: &str, screen: engine::Job<()>) {
        if self.with_doc_untracked(RegisterDoc::id).as_deref() == Some(id) {
            return;
        }
        let Some(profile) = self.profile.get_untracked() else {
            return;
        };
        if let Err(e) = self.settle().await {
            self.error(e);
            return;
        }
        let Some(p) = self
            .session
            .try_update_value(|s| s.begin_open(id))
            .flatten()
        else {
            return;
        };
        // With nothing open yet (a start), the register's stored view is
        // shown while Automerge loads its document, which at 10,000
        // findings takes most of a second in one task: the first rows then
        // come from the view. The opening takes the view's findings back
        // if the document is at its heads.
        let mut view = p.read_view(id).await;
        let mut previewed = false;
        if !self.has_register() {
            if let Some(preview) = view
                .take()
                .and_then(|v| RegisterDoc::preview(v, system_clock).ok())
            {
                self.set_preview(Some(preview));
                previewed = true;
                mark(PREVIEW_SHOWN);
                crate::platform::files::within(SCREEN_WAIT_MS, screen).await;
                crate::platform::files::after_paint().await;
            }
        }
        let store = *self;
        let loaded = p
            .load_viewed(id, profile.session_actor(), system_clock, move || {
                view.or_else(|| {
                    store
                        .preview
                        .try_update_value(Option::take)
                        .flatten()
                        .and_then(RegisterDoc::into_view)
                })
            })
            .await;
        self.install_loaded(id, &profile, loaded).await;
        // Taken by the opening, or left: either way it has had its time,
        // and unless the register opened, its readers must know.
        if previewed && self.with_doc_untracked(RegisterDoc::id).as_deref() != Some(id) {
            self.set_preview(None);
        }
    }

    async fn install_loaded(&self, id: &str, profile: &Profile, loaded: Result<Loaded, LoadError>) {
        // The person may have edited the open register while this loaded.
        if let Err(e) = self.settle().await {
            self.error(e);
            return;
        }
        match loaded {
            Ok(loaded) => {
                if loaded.from_view {
                    mark(OPENED_FROM_VIEW);
                }
                let info = loaded.doc.info();
                let auditor = profile.auditor();
                match self
                    .session
                    .try_update_value(|s| s.open_loaded(loaded, &auditor, today()))
                {
                    Some(Ok(opened)) => {
                        self.remember(info);
                        self.after_open(id.to_owned(), opened);
                    }
                    Some(Err(e)) => self.error(e.to_string()),
                    None => {}
                }
            }
            Err(LoadError::Missing(_)) => {
                self.error("That register is not stored in this browser.");
                Route::Home.go();
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    pub fn close_register(&self) {
        self.session.update_value(Session::close);
        self.publish();
        self.opened.set(None);
    }

    /// Downloads the whole register (the file other auditors merge) and
    /// remembers what it contained, for the unexported-work reminder.
    pub fn export_register(&self, filename: &str) -> Result<(), String> {
        let export = self.export_file()?;
        self.deliver_export(export, filename)
    }

    /// The register file's bytes and the record of the export, to be
    /// delivered once they are ready (an encrypted export seals them
    /// first, in a worker).
    pub fn export_file(&self) -> Result<RegisterExport, String> {
        let (bytes, record) = self
            .session
            .with_value(|s| s.export(system_clock()))
            .ok_or("no register is open")?;
        let register = self
            .with_doc_untracked(RegisterDoc::id)
            .ok_or("no register is open")?;
        Ok(RegisterExport {
            register,
            bytes,
            record,
        })
    }

    /// Downloads an export and records it: "exported" means a copy
    /// exists outside this browser, sealed or not.
    pub fn deliver_export(&self, export: RegisterExport, filename: &str) -> Result<(), String> {
        crate::platform::files::download(
            &export.bytes,
            filename,
            ncr_core::exchange::REGISTER_MIME,
        )?;
        // The file is out either way; a lost record only means an early reminder.
        let _ = profile::record_export(&export.register, &export.record);
        self.exports.update(|n| *n += 1);
        Ok(())
    }

    /// An export with the attachments of the register's findings that this
    /// browser holds: a bundle (`ncr_core::exchange::bundle`) in place of
    /// the plain register file, which stays as it is when there are none.
    /// Also how many attachments went in and how many could not (not
    /// stored here, or damaged). Whatever wraps the file afterwards (an
    /// encrypted export) wraps these bytes whole: an import tells a bundle
    /// from a plain file by its first bytes, once unwrapped.
    pub async fn carry_attachments(
        &self,
        mut export: RegisterExport,
    ) -> Result<(RegisterExport, usize, usize), String> {
        let hashes = self
            .with_doc_untracked(RegisterDoc::attachment_hashes)
            .unwrap_or_default();
        let mut carried = Vec::new();
        let mut left_out = 0;
        for hash in &hashes {
            match crate::platform::attachments::bytes(hash).await {
                Ok(Some(b)) => carried.push((hash.clone(), b)),
                _ => left_out += 1,
            }
        }
        if carried.is_empty() {
            return Ok((export, 0, left_out));
        }
        let (bundled, skipped) = ncr_core::exchange::bundle::bundle(&export.bytes, &carried)
            .map_err(|e| e.to_string())?;
        export.bytes = bundled;
        Ok((
            export,
            carried.len() - skipped.len(),
            left_out + skipped.len(),
        ))
    }

    /// Whole days this person's oldest unexported change has waited, once
    /// that reaches the reminder setting (see `core::document::Unexported`).
    /// Reads every change since the last export, so callers run it when a
    /// register opens or is exported, not on every edit.
    pub fn export_reminder(&self) -> Option<i64> {
        let person = self.profile.get_untracked()?.actor;
        let id = self.with_doc_untracked(RegisterDoc::id)?;
        let last = profile::last_export(&id);
        self.session.with_value(|s| {
            s.export_reminder(
                &person,
                last.as_ref(),
                system_clock(),
                profile::reminder_days(),
            )
        })
    }

    /// Bytes stored per register and in views, for the storage panel.
    pub async fn usage(&self) -> Option<Result<ncr_core::storage::Usage, StorageError>> {
        let p = self.persistence()?;
        Some(p.usage().await)
    }
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

pub fn use_store() -> Store {
    expect_context::<Store>()
}
