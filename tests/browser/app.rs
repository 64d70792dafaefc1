//! Browser tests: mount the real App into a fresh element in headless
//! Chromium and read the DOM. Run with
//! `cargo test --target wasm32-unknown-unknown` (runner configured in
//! .cargo/config.toml, Chromium flags in webdriver.json).
//!
//! These cover the page shell every screen lives in; screen-specific
//! browser tests belong in their own modules next to this one.
use leptos::mount::mount_to;
use leptos::prelude::*;
use nc_register::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::HtmlElement;

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

fn count(container: &HtmlElement, selector: &str) -> u32 {
    container
        .query_selector_all(selector)
        .expect("valid selector")
        .length()
}

fn text_of(container: &HtmlElement, selector: &str) -> String {
    container
        .query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("timer");
}

/// Polls (every 20 ms, up to 10 s) until `selector` matches in `container`.
async fn wait_for(container: &HtmlElement, selector: &str) {
    for _ in 0..500 {
        leptos::task::tick().await;
        if count(container, selector) > 0 {
            return;
        }
        sleep(20).await;
    }
    panic!(
        "nothing matched {selector} within 10 s; DOM: {}",
        container.inner_html()
    );
}

#[wasm_bindgen_test]
async fn app_shows_the_product_name_in_the_header() {
    let container = fresh_container();
    let _app = mount_to(container.clone(), App);
    leptos::task::tick().await;

    assert_eq!(count(&container, "header h1"), 1, "one <h1> in the header");
    assert_eq!(text_of(&container, "header h1").trim(), "NC Register");
}

#[wasm_bindgen_test]
async fn app_renders_a_screen_inside_one_main() {
    let container = fresh_container();
    let _app = mount_to(container.clone(), App);
    leptos::task::tick().await;

    assert_eq!(count(&container, "main"), 1, "exactly one <main>");
    assert_eq!(count(&container, "main#main"), 1, "skip-link target");
    // Whatever the first screen is (it loads asynchronously from browser
    // storage), it is titled by an <h2> inside <main>.
    wait_for(&container, "main h2").await;
    assert!(!text_of(&container, "main h2").trim().is_empty());
}

#[wasm_bindgen_test]
async fn unmounting_removes_the_shell() {
    let container = fresh_container();
    let app = mount_to(container.clone(), App);
    leptos::task::tick().await;
    assert_eq!(count(&container, "main"), 1);

    drop(app);
    assert_eq!(count(&container, "main"), 0);
    assert_eq!(count(&container, "header"), 0);
}

#[wasm_bindgen_test]
fn routes_round_trip() {
    use nc_register::ui::route::Route;
    for r in [
        Route::Home,
        Route::Register("abc".into()),
        Route::Finding("abc".into(), "def".into()),
        Route::DueSoon("abc".into()),
        Route::Report("abc".into()),
        Route::Check,
        Route::findings("abc"),
        // A table link holding text that would break a naive address.
        Route::Findings(
            "abc".into(),
            ncr_core::query::Query {
                text: "a&b=c?/#d %".into(),
                grade: Some(ncr_core::model::Grade::Minor),
                ..Default::default()
            },
            0,
        ),
        // The page (from 0 here, from 1 in the address) survives too.
        Route::Findings(
            "abc".into(),
            ncr_core::query::Query {
                sort: ncr_core::query::SortKey::Due,
                descending: true,
                ..Default::default()
            },
            2,
        ),
        Route::Findings("abc".into(), Default::default(), 1),
    ] {
        assert_eq!(Route::parse(&r.href()), r);
    }
    assert_eq!(Route::findings("abc").href(), "#/r/abc/findings");
    assert_eq!(
        Route::Findings("abc".into(), Default::default(), 1).href(),
        "#/r/abc/findings?page=2"
    );
    assert_eq!(
        Route::parse("#/r/abc/findings?page=0"),
        Route::findings("abc")
    );
    assert_eq!(Route::parse(""), Route::Home);
    assert_eq!(Route::parse("#/nonsense/x"), Route::Home);
}
