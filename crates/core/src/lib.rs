//! The domain core: everything that is true of a register whatever the
//! screen. Nothing here may use the browser (web-sys, js-sys, wasm-bindgen,
//! gloo) or the UI (leptos): `tests/layering.rs` enforces it, and all of it
//! tests with plain `cargo test`.

pub mod attachment;
pub mod catalogue;
pub mod dashboard;
pub mod deadlines;
pub mod demo;
pub mod document;
pub mod due;
pub mod exchange;
pub mod fields;
pub mod fingerprint;
pub mod model;
pub mod patterns;
pub mod query;
pub mod relations;
pub mod schema;
pub mod session;
pub mod similar;
pub mod storage;
pub mod text;
pub mod validate;
pub mod workflow;
