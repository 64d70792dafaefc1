//! The register engine's one door: what the first load's code may ask of
//! the document layer (Automerge, its columns, the reading and writing of
//! findings), behind a trait object that only the engine's module makes.
//!
//! The first load (the shell, the signals, storage, the preview's readers)
//! never calls the document layer by name: every way in from it goes
//! through [`Engine`], whose one value is handed out by a split function
//! (`wasm_split(engine)`). The splitter (`scripts/split-wasm.mjs`) puts what
//! a split function alone reaches into its module, and a call through the
//! trait object reaches nothing by name, so Automerge and everything that
//! writes or reads the document are fetched as a module of their own,
//! right after the first screen (or before a register opens). A screen's
//! module calls the store's intents directly: it is loaded after the
//! engine, and shares its code.
//!
//! The rule this keeps: code of the first load calls the engine only
//! through [`ready`] or [`get`]. A direct call from it to an intent that
//! writes or loads the document links the engine back into the first
//! load (`docs/BENCHMARKS.md`, "The engine split", says how to check).

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use crate::ui::exchange::Exchange;
use crate::ui::state::Store;
use ncr_core::document::NewRegister;
use ncr_core::model::Auditor;

/// A future made by the engine's code, awaited by the first load's.
pub type Job<T> = Pin<Box<dyn Future<Output = T>>>;

/// Everything the first load asks of the engine. Each method is the
/// store's or the exchange's own intent, run in the engine's module.
pub trait Engine {
    /// Opens a stored register (`Store::open_register`).
    fn open_register(&self, store: Store, id: String, screen: Job<()>) -> Job<()>;
    /// Whether closing the tab now would lose changes.
    fn at_risk(&self, store: Store) -> bool;
    /// Stores the open register's view if it is due.
    fn store_view(&self, store: Store) -> Job<()>;
    /// Merges a save another tab of this browser announced.
    fn receive_from_tab(&self, store: Store, register: &str, bytes: &[u8]);
    /// Routes a file picked or dropped (a register file, a spreadsheet, an
    /// encrypted file).
    fn receive_file(
        &self,
        exchange: Exchange,
        store: Store,
        name: String,
        bytes: Vec<u8>,
    ) -> Job<()>;
    /// The panels a received file opens (its choices, the CSV mapping, the
    /// import summary, an encrypted export's prompt).
    fn exchange_panels(&self) -> AnyView;
    /// The file check, in the check worker (`platform::isolate`).
    fn check_file(&self, bytes: &[u8]) -> String;
    /// "Check a report", in the check worker.
    fn check_report(&self, bytes: &[u8], typed: &str) -> String;
    /// Creates a register and opens it (the first screen's form).
    fn create_register(&self, store: Store, new: NewRegister) -> Job<Result<String, String>>;
    /// Opens the demo register (the first screen's button).
    fn open_demo(&self, store: Store) -> Job<Result<String, String>>;
    /// The person's new name, into the open register (the profile form).
    fn set_me(&self, store: Store, me: &Auditor) -> Result<(), String>;
    /// Automerge's own figures for the benchmark (`platform::bench`).
    fn bench_limits(&self, register: &[u8], diverged: &[u8]) -> String;
}

struct Door;

impl Engine for Door {
    fn open_register(&self, store: Store, id: String, screen: Job<()>) -> Job<()> {
        Box::pin(async move { store.open_register_now(&id, screen).await })
    }

    fn at_risk(&self, store: Store) -> bool {
        store.at_risk_now()
    }

    fn store_view(&self, store: Store) -> Job<()> {
        Box::pin(async move { store.store_view_now().await })
    }

    fn receive_from_tab(&self, store: Store, register: &str, bytes: &[u8]) {
        store.receive_from_tab_now(register, bytes);
    }

    fn receive_file(
        &self,
        exchange: Exchange,
        store: Store,
        name: String,
        bytes: Vec<u8>,
    ) -> Job<()> {
        Box::pin(async move { exchange.receive(store, name, bytes).await })
    }

    fn exchange_panels(&self) -> AnyView {
        crate::ui::exchange::panels()
    }

    fn check_file(&self, bytes: &[u8]) -> String {
        crate::platform::isolate::check_file_now(bytes)
    }

    fn check_report(&self, bytes: &[u8], typed: &str) -> String {
        crate::platform::isolate::check_report_now(bytes, typed)
    }

    fn create_register(&self, store: Store, new: NewRegister) -> Job<Result<String, String>> {
        Box::pin(async move { store.create_register_now(new).await })
    }

    fn open_demo(&self, store: Store) -> Job<Result<String, String>> {
        Box::pin(async move { store.open_demo_now().await })
    }

    fn set_me(&self, store: Store, me: &Auditor) -> Result<(), String> {
        store.set_me_now(me)
    }

    fn bench_limits(&self, register: &[u8], diverged: &[u8]) -> String {
        crate::platform::bench::bench_limits_now(register, diverged)
    }
}

/// The one value of the engine, made in its module. Unsplit (the browser
/// tests, clippy), a plain function.
#[cfg(feature = "split")]
#[leptos::wasm_split::wasm_split(
    engine,
    wasm_split_path = ::leptos::wasm_split,
    fallible
)]
fn door() -> Result<&'static dyn Engine, SplitLoaderError> {
    Ok(&Door)
}

#[cfg(not(feature = "split"))]
async fn door() -> Result<&'static dyn Engine, SplitLoaderError> {
    Ok(&Door)
}

thread_local! {
    /// The engine once its module is here. A signal, for the reader that
    /// draws what only the engine draws ([`loaded`]); owned by no
    /// component, so no screen's disposal takes it away.
    static LOADED: ArcRwSignal<Option<&'static dyn Engine>> = ArcRwSignal::new(None);
}

/// The engine if its module is here.
pub fn get() -> Option<&'static dyn Engine> {
    LOADED.with(|l| l.get_untracked())
}

/// The engine, its module fetched (from the service worker's cache when
/// there) the first time. A module that does not arrive is an `Err` with a
/// sentence: nothing was changed, and a later call fetches afresh.
pub async fn ready() -> Result<&'static dyn Engine, String> {
    if let Some(engine) = get() {
        return Ok(engine);
    }
    let engine = door().await.map_err(|_| {
        "The app's code for registers did not arrive: the connection dropped before this version of NC Register was stored for offline use. Nothing was changed; try again once online.".to_owned()
    })?;
    LOADED.with(|l| l.set(Some(engine)));
    Ok(engine)
}

/// The engine if its module is here, tracked: the reader runs again when
/// it arrives.
pub fn loaded() -> Option<&'static dyn Engine> {
    LOADED.with(|l| l.get())
}
