//! Browser tests: mount the real components into a fresh element in headless
//! Chromium and read the DOM. Run with
//! `cargo test --target wasm32-unknown-unknown` (runner configured in
//! .cargo/config.toml, Chromium flags in webdriver.json).
#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::prelude::*;
use nc_register::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

/// A new, empty element appended to `<body>`, so tests don't see each other.
fn fresh_container() -> HtmlElement {
    let document = document();
    let container = document
        .create_element("div")
        .expect("create a div")
        .unchecked_into::<HtmlElement>();
    document
        .body()
        .expect("document has a body")
        .append_child(&container)
        .expect("append the container");
    container
}

fn text_of(container: &HtmlElement, selector: &str) -> String {
    container
        .query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_shows_the_product_name_in_the_header() {
    let container = fresh_container();
    let _app = mount_to(container.clone(), App);
    leptos::task::tick().await;

    assert_eq!(text_of(&container, "header h1"), "NC Register");
}

#[wasm_bindgen_test]
async fn app_shows_the_empty_state_inside_main() {
    let container = fresh_container();
    let _app = mount_to(container.clone(), App);
    leptos::task::tick().await;

    let mains = container
        .query_selector_all("main")
        .expect("valid selector");
    assert_eq!(mains.length(), 1, "exactly one <main>");
    assert!(
        text_of(&container, "main").contains("No register yet"),
        "empty state shown in <main>"
    );
}

#[wasm_bindgen_test]
async fn unmounting_removes_the_shell() {
    let container = fresh_container();
    let app = mount_to(container.clone(), App);
    leptos::task::tick().await;
    assert!(container
        .query_selector("main")
        .expect("valid selector")
        .is_some());

    drop(app);
    assert!(container
        .query_selector("main")
        .expect("valid selector")
        .is_none());
}
