//! NC Register: an offline-first ISO/IEC 27001 nonconformity register that
//! runs entirely in the browser.
//!
//! Layers (see docs/ARCHITECTURE.md):
//! - [`ncr_core`] (`crates/core`): the domain core. Plain Rust, no browser
//!   crate in its dependency tree, tested with `cargo test -p ncr-core`.
//! - [`platform`]: adapters to the browser (storage, files, service worker).
//! - [`ui`]: thin Leptos components.

pub mod engine;
pub mod platform;
pub mod ui;

pub use ui::App;

/// Browser entry point: installs the panic hook and mounts [`App`] into
/// `<body>`. Called by `src/main.rs`; only meaningful on wasm32 in a browser.
///
/// The same wasm also runs in the file-check worker
/// ([`platform::isolate`]), which has no window: there it mounts nothing
/// and only answers the check.
pub fn start() {
    platform::stopped::install();
    if web_sys::window().is_none() {
        return;
    }
    // The static "Loading" note of index.html has done its job.
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app-loading"))
    {
        loading.remove();
    }
    leptos::mount::mount_to_body(App);
}
