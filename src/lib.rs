//! NC Register: an offline-first ISO/IEC 27001 nonconformity register that
//! runs entirely in the browser.
//!
//! Layers (see docs/ARCHITECTURE.md):
//! - [`core`]: the domain core. Plain Rust, no browser APIs, tested with
//!   `cargo test`.
//! - [`platform`]: adapters to the browser (storage, files, service worker).
//! - [`ui`]: thin Leptos components.

pub mod core;
pub mod platform;
pub mod ui;

pub use ui::App;

/// Browser entry point: installs the panic hook and mounts [`App`] into
/// `<body>`. Called by `src/main.rs`; only meaningful on wasm32 in a browser.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
