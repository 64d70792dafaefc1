//! The app's tests in headless Chromium, in one wasm test binary (each
//! binary links the whole app again, hundreds of megabytes before
//! wasm-bindgen). Run with `cargo test --target wasm32-unknown-unknown`
//! (runner configured in .cargo/config.toml, Chromium flags in
//! webdriver.json); one module with e.g. `--test browser storage::`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test_configure;

wasm_bindgen_test_configure!(run_in_browser);

mod app;
mod bench;
mod storage;
