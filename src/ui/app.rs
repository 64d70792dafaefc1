use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::platform::tabs;
use crate::ui::dashboard::DashboardScreen;
use crate::ui::device::{Device, NetworkStatus, UpdateBanner};
use crate::ui::due::DueSoonScreen;
use crate::ui::exchange::{Exchange, ExchangePanels, OpenRegisterFile};
use crate::ui::finding::FindingScreen;
use crate::ui::fingerprint::CheckScreen;
use crate::ui::home::Home;
use crate::ui::keys::KeysScreen;
use crate::ui::records::{DeletedScreen, DetailsScreen};
use crate::ui::register::RegisterScreen;
use crate::ui::report::LazyReportScreen;
use crate::ui::route::Route;
use crate::ui::screen;
use crate::ui::state::{NoticeKind, SaveState, Store};
use ncr_core::query::Query;

/// The product name, shown in the header and the document title.
pub const PRODUCT_NAME: &str = "NC Register";

#[component]
pub fn App() -> impl IntoView {
    let store = Store::new();
    provide_context(store);
    Exchange::provide();
    Device::provide(store);

    let hash_listener = window_event_listener_untyped("hashchange", move |_| {
        let next = Route::current();
        screen::changed(&store.route.get_untracked(), &next);
        store.route.set(next);
    });
    screen::install(store);
    on_cleanup(move || hash_listener.remove());

    tabs::listen(move |register, bytes| store.receive_from_tab(&register, &bytes));
    // localStorage fires `storage` in the *other* tabs: keeps their
    // register switchers current when one tab creates or renames a register.
    let index_listener = window_event_listener(leptos::ev::storage, move |ev| {
        if ev.key().as_deref() == Some(crate::ui::state::REGISTER_INDEX) {
            store.reload_index();
        }
    });
    on_cleanup(move || index_listener.remove());

    spawn_local(async move { store.boot().await });

    // Opening a register named in the URL (a deep link or the switcher).
    Effect::new(move |_| {
        let route = store.route.get();
        if !store.ready.get() {
            return;
        }
        if let Some(id) = route.register() {
            let id = id.to_owned();
            if store.with_doc_untracked(|d| d.id()).as_deref() != Some(id.as_str()) {
                spawn_local(async move { store.open_register(&id).await });
            }
        }
    });

    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="app-header">
            <h1 class="app-title">
                <a href="#/">{PRODUCT_NAME}</a>
            </h1>
            <p class="app-tagline">"ISO/IEC 27001 nonconformity register"</p>
            <NetworkStatus />
            <SaveIndicator />
        </header>
        <UpdateBanner />
        <Notices />
        <ExchangePanels />
        <main id="main" class="app-main" tabindex="-1">
            {move || match store.route.get() {
                Route::Home => {
                    view! {
                        <Home />
                        <OpenRegisterFile />
                    }
                        .into_any()
                }
                Route::Register(r) => {
                    lazily(__preload_dashboard_screen, move || dashboard_screen(r.clone()))
                }
                Route::Findings(r, q, p) => {
                    lazily(
                        __preload_register_screen,
                        move || register_screen(r.clone(), q.clone(), p),
                    )
                }
                Route::Finding(r, f) => {
                    lazily(__preload_finding_screen, move || finding_screen(r.clone(), f.clone()))
                }
                Route::DueSoon(r) => {
                    lazily(__preload_due_soon_screen, move || due_soon_screen(r.clone()))
                }
                Route::Report(r) => view! { <LazyReportScreen register=r /> }.into_any(),
                Route::Deleted(r) => {
                    lazily(__preload_deleted_screen, move || deleted_screen(r.clone()))
                }
                Route::Details(r) => {
                    lazily(__preload_details_screen, move || details_screen(r.clone()))
                }
                Route::Check => lazily(__preload_check_screen, check_screen),
                Route::Keys => lazily(__preload_keys_screen, keys_screen),
            }}
        </main>
    }
}

#[component]
fn SaveIndicator() -> impl IntoView {
    let store = expect_context::<Store>();
    view! {
        <p class="save-state" role="status" aria-live="polite">
            {move || {
                if !store.has_register_tracked() {
                    return "";
                }
                match store.save_state.get() {
                    SaveState::Saved => "All changes saved in this browser",
                    SaveState::Saving => "Saving…",
                    SaveState::Failed => "Not saved yet: storage refused the last change; retrying",
                    SaveState::Unavailable => {
                        "Not saved: this browser stores nothing; export before closing"
                    }
                }
            }}
        </p>
    }
}

#[component]
fn Notices() -> impl IntoView {
    let store = expect_context::<Store>();
    let dismiss = move |_| store.notice.set(None);
    view! {
        <div class="notices">
            {move || {
                store
                    .notice
                    .get()
                    .map(|n| {
                        let role = if n.kind == NoticeKind::Error { "alert" } else { "status" };
                        let class = if n.kind == NoticeKind::Error {
                            "notice notice-error"
                        } else {
                            "notice notice-info"
                        };
                        view! {
                            <div class=class role=role>
                                <p>{n.text}</p>
                                <button type="button" on:click=dismiss>
                                    "Dismiss"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// A screen whose code is a module of its own, fetched the first time the
/// screen is shown (code splitting: each `#[lazy]` function below is split
/// out after the build by `scripts/split-wasm.mjs`). Nothing is drawn until
/// the module is there; then the screen is built at once, in this reactive
/// scope like any other (no <Suspense>: a screen built inside one was
/// disposed in another order, and its cleanups met disposed values).
fn lazily<P, F>(
    preload: impl FnOnce() -> P + 'static,
    load: impl Fn() -> F + Send + Sync + 'static,
) -> AnyView
where
    P: std::future::Future<Output = ()> + 'static,
    F: std::future::Future<Output = AnyView> + 'static,
{
    let ready = RwSignal::new(false);
    spawn_local(async move {
        preload().await;
        ready.try_set(true);
    });
    (move || ready.get().then(|| now(load()))).into_any()
}

/// The value of a future that is ready at its first poll: a lazy function
/// whose module is loaded.
fn now<T>(fut: impl std::future::Future<Output = T>) -> T {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => v,
        std::task::Poll::Pending => panic!("a lazy screen's module was not loaded"),
    }
}

#[lazy]
fn dashboard_screen(register: String) -> AnyView {
    view! { <DashboardScreen register /> }.into_any()
}

#[lazy]
fn register_screen(register: String, query: Query, page: usize) -> AnyView {
    view! { <RegisterScreen register query page /> }.into_any()
}

#[lazy]
fn finding_screen(register: String, finding: String) -> AnyView {
    view! { <FindingScreen register finding /> }.into_any()
}

#[lazy]
fn due_soon_screen(register: String) -> AnyView {
    view! { <DueSoonScreen register /> }.into_any()
}

#[lazy]
fn deleted_screen(register: String) -> AnyView {
    view! { <DeletedScreen register /> }.into_any()
}

#[lazy]
fn details_screen(register: String) -> AnyView {
    view! { <DetailsScreen register /> }.into_any()
}

#[lazy]
fn check_screen() -> AnyView {
    view! { <CheckScreen /> }.into_any()
}

#[lazy]
fn keys_screen() -> AnyView {
    view! { <KeysScreen /> }.into_any()
}
