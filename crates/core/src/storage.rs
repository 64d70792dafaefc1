//! The storage port and the persistence rules built on it.
//!
//! Modelled on automerge-repo's storage layering: a dumb key-value adapter
//! (load, save, remove, list) and, above it, the rules that make it safe:
//! - each edit is saved as a small incremental chunk (never the whole register);
//! - when the chunks outgrow the snapshot they are compacted into a new
//!   snapshot, written *before* the chunks it replaces are removed, so a
//!   crash at any point leaves a loadable set;
//! - compaction removes only keys this handle loaded or wrote itself, whose
//!   changes are therefore in the new snapshot: another tab may have
//!   written a chunk this one has not received yet, and it must survive;
//! - a chunk that does not load is moved aside under `quarantine` and
//!   reported, never overwritten or silently dropped;
//! - a failed write (full quota) is an error for the user, and the changes
//!   stay in memory to be written again;
//! - what is about to be read (a stored item, another tab's chunk) is noted
//!   first where a crash cannot erase it ([`Storage::note_reading`]): if
//!   Automerge's loader stops the app on it, the next start sets that item
//!   aside instead of stopping on it again, so no stored byte can lock the
//!   person out of their register.
//!
//! The trait is async because the browser adapter (IndexedDB) is; native
//! tests drive the in-memory adapter with a trivial executor.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use automerge::{Automerge, ChangeHash, ReadDoc};
use thiserror::Error;

use crate::document::{DocError, ParsedView, RegisterDoc, StoredView};

/// A storage key: `[register id, kind, name]`, e.g. `[id, "incremental", hash]`.
pub type StorageKey = Vec<String>;

pub const SNAPSHOT: &str = "snapshot";
pub const INCREMENTAL: &str = "incremental";
pub const QUARANTINE: &str = "quarantine";
/// `[register, VIEW, "current"]`: the register's findings as this build
/// read them at some heads ([`crate::document::StoredView`]), a cache that
/// spares reading every finding when it opens again at those heads.
pub const VIEW: &str = "view";

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum StorageError {
    #[error(
        "The browser's storage for this site is full. Your latest changes are still open in this tab: export the register now, then free space (delete old registers or allow more storage)."
    )]
    QuotaExceeded,
    #[error("The browser refused to store data: {0}")]
    Unavailable(String),
    #[error("Stored data could not be read: {0}")]
    Io(String),
}

/// The port: a small key-value store. Keys are compared whole; `list`
/// returns every key starting with `prefix`, in key order.
#[allow(async_fn_in_trait)]
pub trait Storage {
    async fn load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StorageError>;
    async fn save(&self, key: &[String], data: &[u8]) -> Result<(), StorageError>;
    async fn remove(&self, key: &[String]) -> Result<(), StorageError>;
    async fn list(&self, prefix: &[String]) -> Result<Vec<StorageKey>, StorageError>;

    /// Notes, synchronously and where it survives this page stopping (but
    /// where other tabs never see it: their readings are not this one's),
    /// what is about to be read; `None` once it was read. An adapter that
    /// cannot keep it keeps nothing, and a crash then repeats.
    fn note_reading(&self, _what: Option<&Reading>) {}

    /// What was noted last: something this page was reading when it
    /// stopped, unless it is `None`.
    fn last_reading(&self) -> Option<Reading> {
        None
    }
}

/// Bytes the app was about to read (see [`Storage::note_reading`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reading {
    /// A stored item, read when a register opens or catches up.
    Item(StorageKey),
    /// Another tab's save, received as bytes: that tab stored the same
    /// bytes, known here by their length and [`fingerprint`].
    TabChunk {
        register: String,
        len: usize,
        fingerprint: u64,
    },
}

impl Reading {
    pub fn tab_chunk(register: &str, bytes: &[u8]) -> Self {
        Reading::TabChunk {
            register: register.to_owned(),
            len: bytes.len(),
            fingerprint: fingerprint(bytes),
        }
    }

    /// The register it belongs to.
    pub fn register(&self) -> Option<&str> {
        match self {
            Reading::Item(k) => k.first().map(String::as_str),
            Reading::TabChunk { register, .. } => Some(register),
        }
    }

    /// Whether the stored item `key` holding `bytes` is what was being read.
    fn is(&self, key: &[String], bytes: &[u8]) -> bool {
        match self {
            Reading::Item(k) => k == key,
            Reading::TabChunk {
                register,
                len,
                fingerprint: f,
            } => key.first() == Some(register) && bytes.len() == *len && fingerprint(bytes) == *f,
        }
    }
}

/// FNV-1a over the bytes: stable across builds and versions (unlike std's
/// hasher), and only ever compared for items of the same length in one
/// register, so a non-cryptographic hash is enough.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// In-memory adapter for native tests; `quota` (in bytes) simulates a full
/// browser storage. Cloning shares the same memory, like two handles to one
/// IndexedDB database.
#[derive(Clone, Default)]
pub struct MemoryStorage {
    items: Rc<RefCell<BTreeMap<StorageKey, Vec<u8>>>>,
    quota: Rc<RefCell<Option<usize>>>,
    /// Per handle, as the browser adapter's is per tab.
    reading: Rc<RefCell<Option<Reading>>>,
}

impl MemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_quota(&self, bytes: Option<usize>) {
        *self.quota.borrow_mut() = bytes;
    }

    pub fn used(&self) -> usize {
        self.items.borrow().values().map(Vec::len).sum()
    }

    /// Direct access for tests that corrupt stored data on purpose.
    pub fn poke(&self, key: StorageKey, data: Vec<u8>) {
        self.items.borrow_mut().insert(key, data);
    }

    /// Another page's handle on the same memory, as a tab reloaded (or a
    /// new one) gets on the same IndexedDB: `reading` carries over only
    /// when `same_tab`.
    pub fn reopened(&self, same_tab: bool) -> Self {
        MemoryStorage {
            items: self.items.clone(),
            quota: self.quota.clone(),
            reading: if same_tab {
                self.reading.clone()
            } else {
                Rc::default()
            },
        }
    }
}

impl Storage for MemoryStorage {
    async fn load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.items.borrow().get(key).cloned())
    }

    async fn save(&self, key: &[String], data: &[u8]) -> Result<(), StorageError> {
        if let Some(quota) = *self.quota.borrow() {
            let existing = self.items.borrow().get(key).map_or(0, Vec::len);
            if self.used() - existing + data.len() > quota {
                return Err(StorageError::QuotaExceeded);
            }
        }
        self.items.borrow_mut().insert(key.to_vec(), data.to_vec());
        Ok(())
    }

    async fn remove(&self, key: &[String]) -> Result<(), StorageError> {
        self.items.borrow_mut().remove(key);
        Ok(())
    }

    fn note_reading(&self, what: Option<&Reading>) {
        *self.reading.borrow_mut() = what.cloned();
    }

    fn last_reading(&self) -> Option<Reading> {
        self.reading.borrow().clone()
    }

    async fn list(&self, prefix: &[String]) -> Result<Vec<StorageKey>, StorageError> {
        Ok(self
            .items
            .borrow()
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }
}

/// Why opening a stored register failed, or what had to be set aside.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LoadError {
    #[error("No register with id {0} is stored in this browser.")]
    Missing(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Document(#[from] DocError),
}

/// A register read back from storage, and any damaged chunks that were kept
/// aside (their keys under `quarantine`) so the user can be told.
#[derive(Debug)]
pub struct Loaded {
    pub doc: RegisterDoc,
    pub quarantined: Vec<StorageKey>,
    /// Whether one of them was kept aside because this page stopped while
    /// reading it last time (see [`Storage::note_reading`]).
    pub stopped_on: bool,
    /// Whether the findings came from the stored view.
    pub from_view: bool,
}

/// What storage holds ([`Persistence::usage`]), in bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Per register (its id; quarantined items under `quarantine`).
    pub registers: BTreeMap<String, usize>,
    /// All registers' views together: caches, rebuilt when needed.
    pub views: usize,
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

fn view_key(register: &str) -> StorageKey {
    key(register, VIEW, "current")
}

fn heads_name(heads: &[ChangeHash]) -> String {
    let mut names: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    names.sort();
    // One head is the common case; several are joined so the name stays unique.
    names.join("-")
}

fn key(register: &str, kind: &str, name: &str) -> StorageKey {
    vec![register.to_owned(), kind.to_owned(), name.to_owned()]
}

/// Applies one stored chunk strictly: Automerge's own incremental load
/// skips an unreadable tail silently, which would hide damage, so the chunk
/// is parsed on its own first with partial loads refused.
fn load_chunk(doc: &Automerge, bytes: &[u8]) -> Result<Automerge, ()> {
    load_chunk_verified(doc, bytes).map(|(loaded, _)| loaded)
}

/// [`load_chunk`], and whether the result is one whole, verified load of
/// `bytes`: the first item of a register (its snapshot, as a rule) is
/// loaded once, with its heads checked, and that load is the document;
/// checking it on its own and then applying it to an empty document loaded
/// it twice, a second of a 10,000-finding register's reload each.
fn load_chunk_verified(doc: &Automerge, bytes: &[u8]) -> Result<(Automerge, bool), ()> {
    if doc.get_heads().is_empty() {
        let whole = automerge::LoadOptions::new()
            .on_partial_load(automerge::OnPartialLoad::Error)
            .verification_mode(automerge::VerificationMode::Check);
        if let Ok(loaded) = Automerge::load_with_options(bytes, whole) {
            return Ok((loaded, true));
        }
    }
    let options = automerge::LoadOptions::new()
        .on_partial_load(automerge::OnPartialLoad::Error)
        .verification_mode(automerge::VerificationMode::DontCheck);
    match Automerge::load_with_options(bytes, options) {
        // A chunk's dependencies live in other chunks: that alone is fine.
        Ok(_) | Err(automerge::AutomergeError::MissingDeps) => {}
        Err(_) => return Err(()),
    }
    let mut scratch = doc.fork();
    scratch.load_incremental(bytes).map_err(|_| ())?;
    Ok((scratch, false))
}

/// One write decided by [`Persistence::prepare`].
#[derive(Debug, Clone)]
pub struct PendingWrite {
    pub register: String,
    pub snapshot: bool,
    pub name: String,
    pub bytes: Vec<u8>,
    pub heads: Vec<ChangeHash>,
    /// Keys a snapshot makes redundant: removed once it is written.
    pub replaces: Vec<StorageKey>,
}

/// What this handle knows is stored for one register, kept in memory so
/// that deciding whether to compact never re-reads storage on the per-edit
/// path. `known` holds only keys whose changes are in the open document
/// (loaded from, or written by, this handle): the only ones a snapshot of
/// that document may replace.
#[derive(Debug, Clone, Default)]
struct Stored {
    snapshot: usize,
    incremental: usize,
    chunks: usize,
    known: Vec<StorageKey>,
}

impl Stored {
    fn add(&mut self, key: &StorageKey, size: usize) {
        if key[1] == SNAPSHOT {
            self.snapshot += size;
        } else {
            self.incremental += size;
            self.chunks += 1;
        }
        self.known.push(key.clone());
    }

    fn remove(&mut self, key: &StorageKey, size: usize) {
        if key[1] == SNAPSHOT {
            self.snapshot -= size;
        } else {
            self.incremental -= size;
            self.chunks -= 1;
        }
        self.known.retain(|k| k != key);
    }
}

/// Everything stored for one register, read into one document.
struct Read {
    doc: Automerge,
    /// `doc` is one whole, verified load of one stored item and nothing
    /// else: it needs no save-and-reload to know that it reopens.
    verified: bool,
    stored: Stored,
    bad: Vec<(StorageKey, Vec<u8>)>,
    /// Set aside unread: the page stopped reading it last time.
    stopped_on: bool,
}

/// The persistence rules over any [`Storage`]. One handle per open
/// document (per tab): writes through one handle must not overlap, which
/// the caller ensures by awaiting each write before preparing the next.
/// Unsaved operations beyond which a write is a snapshot without first
/// encoding the changes (see [`RegisterDoc::unsaved_ops`]); far above any
/// edit (tens of operations), below any import worth the name.
pub const LARGE_BATCH_OPS: u64 = 20_000;

pub struct Persistence<S: Storage> {
    pub storage: S,
    stored: RefCell<BTreeMap<String, Stored>>,
    /// The heads of the view this handle last stored or opened from, per
    /// register: a view at the same heads need not be written again.
    viewed: RefCell<BTreeMap<String, Vec<ChangeHash>>>,
}

impl<S: Storage> Persistence<S> {
    pub fn new(storage: S) -> Self {
        Persistence {
            storage,
            stored: RefCell::new(BTreeMap::new()),
            viewed: RefCell::new(BTreeMap::new()),
        }
    }

    /// Whether the stored view of `doc`'s register is not (as far as this
    /// handle knows) at `doc`'s heads.
    pub fn view_due(&self, doc: &RegisterDoc) -> bool {
        self.viewed.borrow().get(&doc.id()) != Some(&sorted(doc.heads()))
    }

    /// Notes that the register's stored view is at `heads`.
    fn viewed_at(&self, register: &str, heads: Vec<ChangeHash>) {
        self.viewed
            .borrow_mut()
            .insert(register.to_owned(), sorted(heads));
    }

    /// Stores `view` as the register's view, in place of the last one. A
    /// view that cannot be stored (a full quota) is no loss: the register
    /// opens by reading its document, and the old view is removed so that
    /// it takes no space.
    pub async fn save_view(&self, register: &str, view: &StoredView) -> Result<(), StorageError> {
        let at = view_key(register);
        if let Err(e) = self.storage.save(&at, &view.bytes).await {
            let _ = self.storage.remove(&at).await;
            self.viewed.borrow_mut().remove(register);
            return Err(e);
        }
        self.viewed_at(register, view.heads.clone());
        Ok(())
    }

    /// Removes every register's view (to make room for the registers
    /// themselves when the quota is full).
    async fn drop_views(&self) {
        if let Ok(keys) = self.storage.list(&[]).await {
            for k in keys.iter().filter(|k| k.len() == 3 && k[1] == VIEW) {
                let _ = self.storage.remove(k).await;
            }
        }
        self.viewed.borrow_mut().clear();
    }

    /// Ids of every register stored here.
    pub async fn registers(&self) -> Result<Vec<String>, StorageError> {
        let mut ids: Vec<String> = self
            .storage
            .list(&[])
            .await?
            .into_iter()
            .filter(|k| k.len() == 3 && (k[1] == SNAPSHOT || k[1] == INCREMENTAL))
            .map(|k| k[0].clone())
            .collect();
        ids.dedup();
        Ok(ids)
    }

    /// Decides what to write for the changes not yet stored: a small
    /// incremental chunk, or a whole snapshot once the chunks have outgrown
    /// the last one. Synchronous, so a UI can take it from the document it
    /// owns and then await the write without holding the document.
    pub fn prepare(&self, doc: &RegisterDoc) -> Option<PendingWrite> {
        // A large batch (an import) is stored as a snapshot straight away:
        // its changes would be far larger than the whole document.
        if doc.unsaved_ops()? > LARGE_BATCH_OPS {
            let register = doc.id();
            let stored = self.stored.borrow();
            return Some(PendingWrite {
                name: heads_name(&doc.heads()),
                register: register.clone(),
                snapshot: true,
                bytes: doc.save(),
                heads: doc.heads(),
                replaces: stored
                    .get(&register)
                    .map(|s| s.known.clone())
                    .unwrap_or_default(),
            });
        }
        let (chunk, heads) = doc.unsaved_chunk()?;
        let register = doc.id();
        // Unknown sizes (nothing loaded or written through this handle yet)
        // count as "no snapshot": the first write is then a snapshot.
        let stored = self.stored.borrow();
        let sizes = stored.get(&register);
        let snapshot = sizes.map_or(0, |s| s.snapshot);
        let incremental = sizes.map_or(0, |s| s.incremental) + chunk.len();
        let chunks = sizes.map_or(0, |s| s.chunks);
        // Many tiny chunks cost more to list and load than their bytes suggest.
        let compact = snapshot == 0 || incremental > snapshot.max(4096) || chunks >= 256;
        Some(if compact {
            PendingWrite {
                name: heads_name(&heads),
                register,
                snapshot: true,
                bytes: doc.save(),
                heads,
                replaces: sizes.map(|s| s.known.clone()).unwrap_or_default(),
            }
        } else {
            PendingWrite {
                name: heads_name(&heads),
                register,
                snapshot: false,
                bytes: chunk,
                heads,
                replaces: Vec::new(),
            }
        })
    }

    /// Performs a prepared write. A snapshot is written before the keys it
    /// replaces are removed, so a crash in between leaves a loadable set.
    /// On success the caller marks the document persisted at `heads`.
    pub async fn write(&self, w: &PendingWrite) -> Result<(), StorageError> {
        let kind = if w.snapshot { SNAPSHOT } else { INCREMENTAL };
        let written = key(&w.register, kind, &w.name);
        if let Err(e) = self.storage.save(&written, &w.bytes).await {
            if e != StorageError::QuotaExceeded {
                return Err(e);
            }
            // Views are caches: they give way to the record, once.
            self.drop_views().await;
            self.storage.save(&written, &w.bytes).await?;
        }
        if w.snapshot {
            for k in w.replaces.iter().filter(|k| **k != written) {
                self.storage.remove(k).await?;
            }
            self.stored.borrow_mut().insert(
                w.register.clone(),
                Stored {
                    snapshot: w.bytes.len(),
                    known: vec![written],
                    ..Stored::default()
                },
            );
        } else {
            let mut stored = self.stored.borrow_mut();
            let entry = stored.entry(w.register.clone()).or_default();
            entry.incremental += w.bytes.len();
            entry.chunks += 1;
            entry.known.push(written);
        }
        Ok(())
    }

    /// Stores what changed since the last save (prepare, write, mark).
    /// Returns the number of bytes written, if anything was unsaved. On
    /// error nothing is marked saved: the next call writes it again.
    pub async fn save(&self, doc: &mut RegisterDoc) -> Result<Option<usize>, StorageError> {
        let Some(w) = self.prepare(doc) else {
            return Ok(None);
        };
        self.write(&w).await?;
        doc.mark_persisted(w.heads);
        Ok(Some(w.bytes.len()))
    }

    /// Writes a full snapshot now (a new or imported register).
    pub async fn save_snapshot(&self, doc: &mut RegisterDoc) -> Result<(), StorageError> {
        let heads = doc.heads();
        let register = doc.id();
        let replaces = self
            .stored
            .borrow()
            .get(&register)
            .map(|s| s.known.clone())
            .unwrap_or_default();
        let w = PendingWrite {
            name: heads_name(&heads),
            register,
            snapshot: true,
            bytes: doc.save(),
            heads,
            replaces,
        };
        self.write(&w).await?;
        doc.mark_persisted(w.heads);
        Ok(())
    }

    /// Reads everything stored for a register into one document, without
    /// writing anything or touching what this handle knows. Damaged items,
    /// and items whose changes depend on changes stored nowhere (orphans:
    /// Automerge would keep them queued in every copy and every save), are
    /// returned apart in `bad`.
    async fn read(&self, register: &str) -> Result<Read, LoadError> {
        let suspect = self.storage.last_reading();
        let read = self.read_noting(register, suspect.as_ref()).await;
        // Whatever this read ends in, the suspect stays suspect until a
        // load has set it aside.
        self.storage.note_reading(suspect.as_ref());
        read
    }

    async fn read_noting(
        &self,
        register: &str,
        suspect: Option<&Reading>,
    ) -> Result<Read, LoadError> {
        let mut doc = Automerge::new();
        let mut verified = false;
        let mut stored = Stored::default();
        let mut bad = Vec::new();
        let mut stopped_on = false;
        let mut seen: Vec<StorageKey> = Vec::new();
        // A key listed but gone when read was compacted away by another
        // tab meanwhile; its snapshot exists by then, so list once more.
        for _attempt in 0..3 {
            let keys = self.storage.list(&[register.to_owned()]).await?;
            let mut ordered: Vec<StorageKey> = keys
                .into_iter()
                .filter(|k| k.len() == 3 && (k[1] == SNAPSHOT || k[1] == INCREMENTAL))
                .filter(|k| !seen.contains(k))
                .collect();
            // Snapshots first: chunks usually build on them.
            ordered.sort_by_key(|k| k[1] != SNAPSHOT);
            let mut vanished = false;
            for k in ordered {
                seen.push(k.clone());
                let Some(bytes) = self.storage.load(&k).await? else {
                    vanished = true;
                    continue;
                };
                if suspect.is_some_and(|r| r.is(&k, &bytes)) {
                    stopped_on = true;
                    bad.push((k, bytes));
                    continue;
                }
                // Noted only while Automerge reads it, which is synchronous:
                // a page that goes away between two items (a reload while
                // the register opens) was not stopped by either, and must
                // not set one aside at its next start.
                self.storage.note_reading(Some(&Reading::Item(k.clone())));
                // Loading into a scratch fork first: a bad chunk must not
                // leave half of itself in the document.
                let loaded = load_chunk_verified(&doc, &bytes);
                self.storage.note_reading(suspect);
                match loaded {
                    Ok((loaded, whole)) => {
                        doc = loaded;
                        verified = whole && stored.known.is_empty();
                        stored.add(&k, bytes.len());
                    }
                    Err(()) => bad.push((k, bytes)),
                }
            }
            if !vanished {
                break;
            }
        }
        if seen.is_empty() {
            return Err(LoadError::Missing(register.to_owned()));
        }
        if !doc.get_missing_deps(&[]).is_empty() {
            let options = automerge::SaveOptions {
                retain_orphans: false,
                ..Default::default()
            };
            let clean = Automerge::load(&doc.save_with_options(options))
                .map_err(|e| DocError::Corrupt(e.to_string()))?;
            // Rare: find the items that carry orphans by applying each to
            // the clean copy; whatever they hold that can apply is in it.
            for k in stored.known.clone() {
                let Some(bytes) = self.storage.load(&k).await? else {
                    continue;
                };
                self.storage.note_reading(Some(&Reading::Item(k.clone())));
                let mut probe = clean.fork();
                let orphaned = probe.load_incremental(&bytes).is_err()
                    || !probe.get_missing_deps(&[]).is_empty();
                self.storage.note_reading(suspect);
                if orphaned {
                    stored.remove(&k, bytes.len());
                    bad.push((k, bytes));
                }
            }
            doc = clean;
            verified = false;
        }
        Ok(Read {
            doc,
            verified,
            stored,
            bad,
            stopped_on,
        })
    }

    /// The register's stored view, if this build wrote it (at any heads).
    pub async fn read_view(&self, register: &str) -> Option<ParsedView> {
        let bytes = self.storage.load(&view_key(register)).await.ok()??;
        ParsedView::parse(&bytes)
    }

    /// Loads a register from its snapshot(s) and chunks. An item that does
    /// not load (or whose changes can never apply) is moved under
    /// `quarantine` (copied, then removed) and reported; the rest of the
    /// register still opens. Its findings come from its stored view when
    /// that was written at the heads loaded.
    pub async fn load(
        &self,
        register: &str,
        actor: automerge::ActorId,
        clock: crate::document::Clock,
    ) -> Result<Loaded, LoadError> {
        let view = self.read_view(register).await;
        self.load_viewed(register, actor, clock, move || view).await
    }

    /// [`Persistence::load`] with the view from the caller, asked for once
    /// everything is read and just before the register is opened: the app
    /// shows it as a preview until then.
    pub async fn load_viewed(
        &self,
        register: &str,
        actor: automerge::ActorId,
        clock: crate::document::Clock,
        view: impl FnOnce() -> Option<ParsedView>,
    ) -> Result<Loaded, LoadError> {
        let Read {
            mut doc,
            verified,
            mut stored,
            bad,
            stopped_on,
        } = self.read(register).await?;
        let mut quarantined = Vec::new();
        self.set_aside(bad, &mut quarantined).await?;
        // This register's suspect is aside (or no longer stored); one of
        // another register waits for that register's load.
        if self
            .storage
            .last_reading()
            .is_some_and(|r| r.register() == Some(register))
        {
            self.storage.note_reading(None);
        }
        // A document built from several items is saved and reopened, so
        // that one which would not reopen (Automerge's incremental load
        // checks no heads) is caught here, not at the next start. One
        // verified load of one item is taken as it is.
        let view = view();
        let opened = if verified {
            RegisterDoc::open_viewed(doc, actor.clone(), clock, view)
        } else {
            automerge::Automerge::load(&doc.save())
                .map_err(|e| DocError::Corrupt(e.to_string()))
                .and_then(|doc| RegisterDoc::open_viewed(doc, actor.clone(), clock, view))
        };
        let mut from_view = false;
        let mut store = match opened {
            Ok((store, viewed)) => {
                from_view = viewed;
                if viewed {
                    self.viewed_at(register, store.heads());
                }
                store
            }
            Err(e) => {
                // Every item loads, but together they are no register: an
                // item written by another tool replaced its structure (the
                // findings map by a string, say). Set aside what breaks it,
                // then read again (what built on it is then an orphan).
                let breakers = self.breakers(&stored).await?;
                if breakers.is_empty() {
                    return Err(e.into());
                }
                self.set_aside(breakers, &mut quarantined).await?;
                let again = self.read(register).await?;
                self.set_aside(again.bad, &mut quarantined).await?;
                doc = again.doc;
                stored = again.stored;
                RegisterDoc::open(&doc.save(), actor, clock)?
            }
        };
        self.stored.borrow_mut().insert(register.to_owned(), stored);
        if !quarantined.is_empty() {
            // Re-anchor storage on what did load, so later chunks apply.
            self.save_snapshot(&mut store).await?;
        }
        Ok(Loaded {
            doc: store,
            quarantined,
            stopped_on,
            from_view,
        })
    }

    /// Moves stored items under `quarantine` (copied, then removed).
    async fn set_aside(
        &self,
        items: Vec<(StorageKey, Vec<u8>)>,
        quarantined: &mut Vec<StorageKey>,
    ) -> Result<(), StorageError> {
        for (k, bytes) in items {
            let aside = vec![
                QUARANTINE.to_owned(),
                k[0].clone(),
                k[1].clone(),
                k[2].clone(),
            ];
            self.storage.save(&aside, &bytes).await?;
            self.storage.remove(&k).await?;
            quarantined.push(aside);
        }
        Ok(())
    }

    /// The stored items (of those `stored` knows, snapshots first) that turn
    /// a register that opens into one that does not. Rare, so it reloads
    /// after each item.
    async fn breakers(&self, stored: &Stored) -> Result<Vec<(StorageKey, Vec<u8>)>, StorageError> {
        let opens = |doc: &Automerge| {
            RegisterDoc::open(&doc.save(), automerge::ActorId::random(), || 0).is_ok()
        };
        let mut keys = stored.known.clone();
        keys.sort_by_key(|k| k[1] != SNAPSHOT);
        let mut doc = Automerge::new();
        let mut breakers = Vec::new();
        for k in keys {
            let Some(bytes) = self.storage.load(&k).await? else {
                continue;
            };
            let Ok(next) = load_chunk(&doc, &bytes) else {
                continue;
            };
            // Until the register's beginning is in, nothing can be judged.
            if opens(&doc) && !opens(&next) {
                breakers.push((k, bytes));
            } else {
                doc = next;
            }
        }
        Ok(breakers)
    }

    /// What is stored for a register now, as a document to merge into an
    /// open copy (another tab's saves this one missed). Writes nothing and
    /// leaves this handle's knowledge alone: its keys may hold changes the
    /// open copy does not (yet) have, so a later compaction must not count
    /// them as absorbed.
    pub async fn read_copy(&self, register: &str) -> Result<Vec<u8>, LoadError> {
        Ok(self.read(register).await?.doc.save())
    }

    /// Runs `read` (of another tab's save `bytes`) noted as a reading, so
    /// that if it stops the page, the next load sets the stored copy aside.
    pub fn reading_tab_chunk<R>(
        &self,
        register: &str,
        bytes: &[u8],
        read: impl FnOnce() -> R,
    ) -> R {
        let before = self.storage.last_reading();
        self.storage
            .note_reading(Some(&Reading::tab_chunk(register, bytes)));
        let result = read();
        self.storage.note_reading(before.as_ref());
        result
    }

    /// Removes a register and everything stored for it.
    pub async fn remove_register(&self, register: &str) -> Result<(), StorageError> {
        for k in self.storage.list(&[register.to_owned()]).await? {
            self.storage.remove(&k).await?;
        }
        self.stored.borrow_mut().remove(register);
        Ok(())
    }

    /// Bytes stored per register, and in the registers' views (for the
    /// storage panel).
    pub async fn usage(&self) -> Result<Usage, StorageError> {
        let mut usage = Usage::default();
        for k in self.storage.list(&[]).await? {
            let size = self.storage.load(&k).await?.map_or(0, |b| b.len());
            if k.get(1).map(String::as_str) == Some(VIEW) {
                usage.views += size;
            } else {
                *usage.registers.entry(k[0].clone()).or_insert(0) += size;
            }
        }
        Ok(usage)
    }
}

/// The conformance suite every [`Storage`] adapter must pass: the in-memory
/// one natively, the IndexedDB one under wasm-bindgen-test in Chromium.
#[doc(hidden)]
pub mod conformance {
    use super::*;

    fn k(parts: &[&str]) -> StorageKey {
        parts.iter().map(|s| s.to_string()).collect()
    }

    /// Panics with a message naming the broken rule.
    pub async fn run<S: Storage>(s: &S) {
        assert_eq!(
            s.load(&k(&["r1", "snapshot", "a"])).await.unwrap(),
            None,
            "missing key loads as None"
        );
        s.save(&k(&["r1", "snapshot", "a"]), b"one").await.unwrap();
        s.save(&k(&["r1", "incremental", "b"]), b"two")
            .await
            .unwrap();
        s.save(&k(&["r10", "snapshot", "c"]), b"three")
            .await
            .unwrap();
        s.save(&k(&["r2", "snapshot", "d"]), &[0u8, 255, 1, 254])
            .await
            .unwrap();
        assert_eq!(
            s.load(&k(&["r1", "snapshot", "a"]))
                .await
                .unwrap()
                .as_deref(),
            Some(&b"one"[..]),
            "saved bytes load back"
        );
        assert_eq!(
            s.load(&k(&["r2", "snapshot", "d"]))
                .await
                .unwrap()
                .as_deref(),
            Some(&[0u8, 255, 1, 254][..]),
            "binary data survives"
        );
        let mut r1 = s.list(&k(&["r1"])).await.unwrap();
        r1.sort();
        assert_eq!(
            r1,
            vec![k(&["r1", "incremental", "b"]), k(&["r1", "snapshot", "a"])],
            "list matches whole key parts: r1 does not list r10"
        );
        assert_eq!(
            s.list(&[]).await.unwrap().len(),
            4,
            "empty prefix lists everything"
        );
        s.save(&k(&["r1", "snapshot", "a"]), b"uno").await.unwrap();
        assert_eq!(
            s.load(&k(&["r1", "snapshot", "a"]))
                .await
                .unwrap()
                .as_deref(),
            Some(&b"uno"[..]),
            "save overwrites"
        );
        s.remove(&k(&["r1", "snapshot", "a"])).await.unwrap();
        assert_eq!(
            s.load(&k(&["r1", "snapshot", "a"])).await.unwrap(),
            None,
            "removed"
        );
        s.remove(&k(&["r1", "snapshot", "never"])).await.unwrap();
        let big = vec![7u8; 2 * 1024 * 1024];
        s.save(&k(&["r3", "snapshot", "big"]), &big).await.unwrap();
        assert_eq!(
            s.load(&k(&["r3", "snapshot", "big"]))
                .await
                .unwrap()
                .map(|b| b.len()),
            Some(big.len()),
            "megabytes round-trip"
        );
        for key in s.list(&[]).await.unwrap() {
            s.remove(&key).await.unwrap();
        }
        assert!(s.list(&[]).await.unwrap().is_empty(), "everything removed");
    }
}
