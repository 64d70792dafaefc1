//! The UI's one store. It owns the open register (`RegisterDoc`, which owns
//! the Automerge document), the storage behind it and the auditor's profile.
//! Components read through `with_doc` (which subscribes them to changes)
//! and write only through intent methods here; each intent changes the
//! document, bumps `version`, and schedules an incremental save.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

use crate::platform::clock::system_clock;
use crate::platform::idb_storage::IdbStorage;
use crate::platform::profile::{self, Profile};
use crate::ui::route::Route;
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, Finding};
use ncr_core::storage::{LoadError, Persistence, StorageError};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// The last write failed (a full quota); it is retried, and the page
    /// asks before closing.
    Failed,
    /// This browser stores nothing (no IndexedDB): every change lives in
    /// this tab only.
    Unavailable,
}

/// Seconds between retries of a failed save.
const SAVE_RETRY_MS: i32 = 5_000;

#[derive(Clone, Copy)]
pub struct Store {
    doc: StoredValue<Option<RegisterDoc>, LocalStorage>,
    persistence: StoredValue<Option<Rc<Persistence<IdbStorage>>>, LocalStorage>,
    /// Bumped on every change of the open document; readers subscribe to it.
    pub version: RwSignal<u64>,
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
    saving: StoredValue<bool, LocalStorage>,
    dirty: StoredValue<bool, LocalStorage>,
    /// Other tabs' saves received while a register is being opened: the
    /// load may have read storage before they were written.
    backlog: StoredValue<Vec<(String, Vec<u8>)>, LocalStorage>,
    resyncing: StoredValue<bool, LocalStorage>,
    /// Drafts (key, committed value) to remove once their change is stored:
    /// removed earlier, a tab closing before the write ends would lose the text.
    draft_clears: StoredValue<Vec<(String, String)>, LocalStorage>,
}

/// Saves kept while a register opens; a burst beyond this is rare, and a
/// dropped one is caught up by `resync` when the next one cannot apply.
const BACKLOG: usize = 64;

pub use crate::platform::clock::{new_id, today};

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
            doc: StoredValue::new_local(None),
            persistence: StoredValue::new_local(None),
            version: RwSignal::new(0),
            profile: RwSignal::new(profile::load()),
            registers: RwSignal::new(load_index()),
            notice: RwSignal::new(None),
            save_state: RwSignal::new(SaveState::Saved),
            route: RwSignal::new(Route::current()),
            ready: RwSignal::new(false),
            opened: RwSignal::new(None),
            exports: RwSignal::new(0),
            saving: StoredValue::new_local(false),
            dirty: StoredValue::new_local(false),
            backlog: StoredValue::new_local(Vec::new()),
            resyncing: StoredValue::new_local(false),
            draft_clears: StoredValue::new_local(Vec::new()),
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

    /// Opens storage, then the register the URL or the last session names.
    pub async fn boot(self) {
        match IdbStorage::open(DATABASE).await {
            Ok(storage) => {
                self.persistence
                    .set_value(Some(Rc::new(Persistence::new(storage))));
            }
            Err(e) => {
                self.save_state.set(SaveState::Unavailable);
                self.error(format!(
                    "This browser will not store registers ({e}). You can still work, but export before closing the tab."
                ))
            }
        }
        self.guard_unload();
        self.sync_index().await;
        let wanted = self
            .route
            .get_untracked()
            .register()
            .map(str::to_owned)
            .or_else(profile::last_register);
        if let (Some(id), Some(_)) = (wanted, self.profile.get_untracked()) {
            self.open_register(&id).await;
        }
        self.ready.set(true);
    }

    /// Adds registers found in storage but missing from the index.
    async fn sync_index(&self) {
        let Some(p) = self.persistence.get_value() else {
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

    fn remember(&self, doc: &RegisterDoc) {
        let Some(info) = doc.info() else { return };
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
        let me = auditor.clone();
        if self.has_register() {
            self.mutate(|doc| doc.set_me(&me))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    pub fn has_register_tracked(&self) -> bool {
        self.version.track();
        self.has_register()
    }

    /// Merges changes another tab of this browser saved. They are already in
    /// storage, so a copy with nothing of its own unsaved stays "saved".
    pub fn receive_from_tab(&self, register: &str, bytes: &[u8]) {
        let result = self.doc.try_update_value(|d| {
            let doc = d.as_mut().filter(|doc| doc.id() == register)?;
            Some(doc.receive_stored(bytes))
        });
        match result.flatten() {
            Some(Ok(_)) => self.version.update(|v| *v += 1),
            // A save this tab never heard of came first (it was opening).
            Some(Err(DocError::MissingChanges)) => {
                let store = *self;
                spawn_local(async move { store.resync().await });
            }
            Some(Err(e)) => self.error(format!(
                "A change from another tab could not be applied ({e}); reload to see it."
            )),
            None => self.backlog.update_value(|b| {
                if b.len() == BACKLOG {
                    b.remove(0);
                }
                b.push((register.to_owned(), bytes.to_vec()));
            }),
        }
    }

    /// Catches up with everything stored for the open register (what other
    /// tabs saved), merging it into this copy. One at a time, and never
    /// started again from here: a failure is shown, not retried in a loop.
    async fn resync(&self) {
        let (Some(p), Some(id)) = (
            self.persistence.get_value(),
            self.with_doc_untracked(RegisterDoc::id),
        ) else {
            return;
        };
        if self.resyncing.get_value() {
            return;
        }
        self.resyncing.set_value(true);
        let result = match p.read_copy(&id).await {
            Ok(bytes) => self
                .doc
                .try_update_value(|d| {
                    let doc = d.as_mut().filter(|doc| doc.id() == id)?;
                    Some(doc.receive_stored(&bytes).map_err(|e| e.to_string()))
                })
                .flatten(),
            Err(e) => Some(Err(e.to_string())),
        };
        self.resyncing.set_value(false);
        match result {
            Some(Ok(_)) => self.version.update(|v| *v += 1),
            Some(Err(e)) => self.error(format!(
                "Changes saved in another tab could not be read ({e}); reload this tab to see them."
            )),
            None => {}
        }
    }

    pub fn has_register(&self) -> bool {
        self.doc.with_value(Option::is_some)
    }

    /// Asks before the tab closes while changes exist only in memory (a
    /// failed or running save, or a browser that stores nothing).
    fn guard_unload(&self) {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Some(window) = web_sys::window() else {
            return;
        };
        let store = *self;
        let guard = Closure::<dyn Fn(web_sys::BeforeUnloadEvent)>::new(
            move |event: web_sys::BeforeUnloadEvent| {
                let unsaved = store
                    .doc
                    .with_value(|d| d.as_ref().is_some_and(|d| d.unsaved_chunk().is_some()));
                // Not while a save merely runs: it finishes in milliseconds,
                // and the drafts hold typed text meanwhile.
                let at_risk = match store.save_state.get_untracked() {
                    SaveState::Saved | SaveState::Saving => false,
                    SaveState::Failed => unsaved,
                    SaveState::Unavailable => store.has_register(),
                };
                if at_risk {
                    event.prevent_default();
                    event.set_return_value("");
                }
            },
        );
        let _ =
            window.add_event_listener_with_callback("beforeunload", guard.as_ref().unchecked_ref());
        guard.forget();
    }

    /// Reads the open register; re-runs in a reactive context on every change.
    pub fn with_doc<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.version.track();
        self.doc.with_value(|d| d.as_ref().map(f))
    }

    pub fn with_doc_untracked<R>(&self, f: impl FnOnce(&RegisterDoc) -> R) -> Option<R> {
        self.doc.with_value(|d| d.as_ref().map(f))
    }

    /// Runs an intent on the open register, then saves.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut RegisterDoc) -> Result<R, DocError>,
    ) -> Result<R, DocError> {
        let result = self.doc.try_update_value(|d| match d.as_mut() {
            Some(doc) => f(doc),
            None => Err(DocError::Refused("No register is open.".into())),
        });
        let result = result.unwrap_or_else(|| Err(DocError::Refused("The app is closing.".into())));
        if result.is_ok() {
            self.version.update(|v| *v += 1);
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

    /// Saves unsaved changes; only one write runs at a time, and a change
    /// made meanwhile is saved right after it.
    pub fn schedule_save(&self) {
        if self.saving.get_value() {
            self.dirty.set_value(true);
            return;
        }
        let Some(persistence) = self.persistence.get_value() else {
            return;
        };
        let Some(pending) = self
            .doc
            .with_value(|d| d.as_ref().and_then(|d| persistence.prepare(d)))
        else {
            // Everything is stored: committed drafts can go.
            self.clear_committed_drafts(std::mem::take(&mut *self.draft_clears.write_value()));
            return;
        };
        // Every commit made so far is in this write.
        let clears = std::mem::take(&mut *self.draft_clears.write_value());
        self.saving.set_value(true);
        self.save_state.set(SaveState::Saving);
        let store = *self;
        spawn_local(async move {
            let result = persistence.write(&pending).await;
            store.saving.set_value(false);
            match result {
                Ok(()) => {
                    // The register may have been switched meanwhile.
                    store.doc.update_value(|d| {
                        if let Some(d) = d.as_mut().filter(|d| d.id() == pending.register) {
                            d.mark_persisted(pending.heads.clone());
                        }
                    });
                    store.save_state.set(SaveState::Saved);
                    store.clear_committed_drafts(clears);
                    crate::platform::tabs::announce(
                        &pending.register,
                        &pending.bytes,
                        pending.snapshot,
                    );
                }
                Err(e) => {
                    let first = store.save_state.get_untracked() != SaveState::Failed;
                    store.save_state.set(SaveState::Failed);
                    if first {
                        store.error(format!(
                            "{e} Your changes are kept in this tab and saved again every few seconds; do not close it before \u{201c}All changes saved\u{201d} shows, or export the register."
                        ));
                    }
                    // Not stored: the drafts stay, to be removed after a later write.
                    store.draft_clears.update_value(|c| c.extend(clears));
                    // Space may come back (another tab, the person freeing
                    // some): try again until the write succeeds.
                    spawn_local(async move {
                        crate::platform::files::sleep(SAVE_RETRY_MS).await;
                        if store.save_state.get_untracked() == SaveState::Failed {
                            store.schedule_save();
                        }
                    });
                }
            }
            if store.dirty.get_value() {
                store.dirty.set_value(false);
                store.schedule_save();
            }
        });
    }

    /// Before another register replaces the open one: waits for a running
    /// save, then writes what is still unsaved. Refuses (with the reason)
    /// when that fails, e.g. a full quota: replacing the copy in memory
    /// would lose those changes.
    async fn settle(&self) -> Result<(), String> {
        let Some(p) = self.persistence.get_value() else {
            return Ok(());
        };
        while self.saving.get_value() {
            crate::platform::files::sleep(50).await;
        }
        let Some(pending) = self
            .doc
            .with_value(|d| d.as_ref().and_then(|d| p.prepare(d)))
        else {
            self.clear_committed_drafts(std::mem::take(&mut *self.draft_clears.write_value()));
            return Ok(());
        };
        let clears = std::mem::take(&mut *self.draft_clears.write_value());
        match p.write(&pending).await {
            Ok(()) => {
                self.clear_committed_drafts(clears);
                self.doc.update_value(|d| {
                    if let Some(d) = d.as_mut().filter(|d| d.id() == pending.register) {
                        d.mark_persisted(pending.heads.clone());
                    }
                });
                self.save_state.set(SaveState::Saved);
                Ok(())
            }
            Err(e) => {
                self.save_state.set(SaveState::Failed);
                self.draft_clears.update_value(|c| c.extend(clears));
                Err(format!("{e} Then open the other register."))
            }
        }
    }

    fn install(&self, doc: RegisterDoc) {
        self.remember(&doc);
        let id = doc.id();
        self.doc.set_value(Some(doc));
        self.version.update(|v| *v += 1);
        let backlog = std::mem::take(&mut *self.backlog.write_value());
        for (register, bytes) in backlog {
            if register == id {
                self.receive_from_tab(&register, &bytes);
            }
        }
        self.opened.set(Some(id));
        self.apply_drafts();
    }

    /// Commits text typed before the tab closed (see `profile::Draft`).
    fn apply_drafts(&self) {
        let Some(id) = self.with_doc_untracked(RegisterDoc::id) else {
            return;
        };
        for stored in profile::drafts(&id) {
            let draft = &stored.draft;
            let applied = self.update_finding(&draft.finding, |f| {
                ncr_core::fields::set_text(f, &draft.field, draft.value.clone());
            });
            if applied.is_ok() || matches!(applied, Err(DocError::FindingNotFound(_))) {
                self.clear_draft_once_saved(stored.key.clone(), draft.value.clone());
            }
        }
    }

    /// Removes a committed draft once its change is stored (see `draft_clears`).
    pub fn clear_draft_once_saved(&self, key: String, value: String) {
        self.draft_clears.update_value(|c| c.push((key, value)));
        self.schedule_save();
    }

    fn clear_committed_drafts(&self, clears: Vec<(String, String)>) {
        for (key, value) in clears {
            profile::clear_draft_if(&key, &value);
        }
    }

    /// Commits the draft of one field, if one is pending (a text field
    /// that went away before its pause elapsed).
    pub fn commit_draft(&self, finding: &str, field: &str) {
        let Some(register) = self.with_doc_untracked(RegisterDoc::id) else {
            return;
        };
        let Some(draft) = profile::draft(&register, finding, field) else {
            return;
        };
        let value = draft.value.clone();
        let applied = self.update_finding(finding, |f| ncr_core::fields::set_text(f, field, value));
        if applied.is_ok() || matches!(applied, Err(DocError::FindingNotFound(_))) {
            let key = profile::draft_key_for(&register, finding, field);
            self.clear_draft_once_saved(key, draft.value);
        }
    }

    pub async fn create_register(&self, new: NewRegister) -> Result<String, String> {
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
        if let Some(p) = self.persistence.get_value() {
            if let Err(e) = p.save_snapshot(&mut doc).await {
                self.error(e.to_string());
            }
        }
        self.install(doc);
        Ok(id)
    }

    pub async fn open_demo(&self) -> Result<String, String> {
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

    pub async fn open_register(&self, id: &str) {
        if self.with_doc_untracked(RegisterDoc::id).as_deref() == Some(id) {
            return;
        }
        let (Some(p), Some(profile)) = (self.persistence.get_value(), self.profile.get_untracked())
        else {
            return;
        };
        if let Err(e) = self.settle().await {
            self.error(e);
            return;
        }
        // Saves announced before this load began are in storage already.
        self.backlog.set_value(Vec::new());
        match p.load(id, profile.session_actor(), system_clock).await {
            Ok(loaded) => {
                let mut doc = loaded.doc;
                if !loaded.quarantined.is_empty() {
                    self.error(format!(
                        "Part of this register's stored data was damaged and has been kept aside ({} item(s)); everything else opened. Export the register and keep the file.",
                        loaded.quarantined.len()
                    ));
                }
                if let Err(e) = doc.set_me(&profile.auditor()) {
                    self.error(e.to_string());
                }
                self.install(doc);
                self.schedule_save();
            }
            Err(LoadError::Missing(_)) => {
                self.error("That register is not stored in this browser.");
                Route::Home.go();
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    pub fn close_register(&self) {
        self.doc.set_value(None);
        self.version.update(|v| *v += 1);
        self.opened.set(None);
    }

    /// Downloads the whole register (the file other auditors merge) and
    /// remembers what it contained, for the unexported-work reminder.
    pub fn export_register(&self, filename: &str) -> Result<(), String> {
        let (bytes, id, heads) = self
            .with_doc_untracked(|d| (d.save(), d.id(), d.heads()))
            .ok_or("no register is open")?;
        crate::platform::files::download(&bytes, filename, ncr_core::exchange::REGISTER_MIME)?;
        let record = profile::ExportRecord {
            heads: heads.iter().map(ToString::to_string).collect(),
            at: system_clock(),
        };
        // The file is out either way; a lost record only means an early reminder.
        let _ = profile::record_export(&id, &record);
        self.exports.update(|n| *n += 1);
        Ok(())
    }

    /// Whole days this person's oldest unexported change has waited, once
    /// that reaches the reminder setting (see `core::document::Unexported`).
    /// Reads every change since the last export, so callers run it when a
    /// register opens or is exported, not on every edit.
    pub fn export_reminder(&self) -> Option<i64> {
        let person = self.profile.get_untracked()?.actor;
        self.with_doc_untracked(|doc| {
            let exported: Vec<automerge::ChangeHash> = profile::last_export(&doc.id())
                .map(|r| r.heads.iter().filter_map(|h| h.parse().ok()).collect())
                .unwrap_or_default();
            let unexported = doc.unexported(&person, &exported);
            ncr_core::document::reminder_due(&unexported, system_clock(), profile::reminder_days())
        })
        .flatten()
    }

    /// Bytes stored per register, for the storage panel.
    pub async fn usage(
        &self,
    ) -> Option<Result<std::collections::BTreeMap<String, usize>, StorageError>> {
        let p = self.persistence.get_value()?;
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
