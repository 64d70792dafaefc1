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
use crate::ui::report::ReportScreen;
use crate::ui::route::Route;
use crate::ui::screen;
use crate::ui::state::{NoticeKind, SaveState, Store};
use leptos::wasm_split::SplitLoaderError;
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

    spawn_local(async move {
        store.boot(module_of(store.route.get_untracked())).await;
        // The engine first (crate::engine): creating, importing or
        // opening a register waits for it. A failure is said by what
        // needs the module, which asks for it again.
        let _ = crate::engine::ready().await;
        let _ = preload_screens().await;
    });

    // Opening a register named in the URL (a deep link or the switcher).
    Effect::new(move |_| {
        let route = store.route.get();
        if !store.ready.get() {
            return;
        }
        if let Some(id) = route.register() {
            let id = id.to_owned();
            if store.opened.get_untracked().as_deref() != Some(id.as_str()) {
                spawn_local(async move { store.open_register(&id, module_of(route)).await });
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
                Route::Home => lazily(home::__preload_screen, home::screen),
                Route::Register(r) => {
                    lazily(dashboard::__preload_screen, move || dashboard::screen(r.clone()))
                }
                Route::Findings(r, q, p) => {
                    lazily(
                        register::__preload_screen,
                        move || register::screen(r.clone(), q.clone(), p),
                    )
                }
                Route::Finding(r, f) => {
                    lazily(finding::__preload_screen, move || finding::screen(r.clone(), f.clone()))
                }
                Route::DueSoon(r) => {
                    lazily(due_soon::__preload_screen, move || due_soon::screen(r.clone()))
                }
                Route::Report(r) => {
                    lazily(report::__preload_screen, move || report::screen(r.clone()))
                }
                Route::Deleted(r) => {
                    lazily(deleted::__preload_screen, move || deleted::screen(r.clone()))
                }
                Route::Details(r) => {
                    lazily(details::__preload_screen, move || details::screen(r.clone()))
                }
                Route::Check => lazily(check::__preload_screen, check::screen),
                Route::Keys => lazily(keys::__preload_screen, keys::screen),
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

/// What loading a screen's module gives: the screen, or the loader's
/// failure (the module did not arrive).
type ScreenLoad = Result<AnyView, SplitLoaderError>;

/// A screen whose code is a module of its own, fetched the first time the
/// screen is shown (code splitting: each `lazy_screen!` below is split out
/// after the build by `scripts/split-wasm.mjs`). Nothing is drawn until the
/// module is there; then the screen is built at once, in this reactive
/// scope like any other (no <Suspense>: a screen built inside one was
/// disposed in another order, and its cleanups met disposed values). A
/// module that does not arrive (online, before this version was stored for
/// offline use, and the connection dropped) says so with "Try again",
/// instead of stopping the app: the loader keeps no failure, so a retry
/// fetches afresh.
fn lazily<P, F>(
    preload: impl Fn() -> P + Clone + Send + Sync + 'static,
    load: impl Fn() -> F + Send + Sync + 'static,
) -> AnyView
where
    P: std::future::Future<Output = Result<(), SplitLoaderError>> + 'static,
    F: std::future::Future<Output = ScreenLoad> + 'static,
{
    // None while loading, then whether the module arrived.
    let arrived = RwSignal::new(None::<bool>);
    let fetch = move || {
        arrived.set(None);
        let preload = preload.clone();
        spawn_local(async move {
            let ok = preload().await.is_ok();
            arrived.try_set(Some(ok));
        });
    };
    fetch();
    (move || match arrived.get()? {
        true => Some(now(load()).unwrap_or_else(|_| not_loaded(fetch.clone()))),
        false => Some(not_loaded(fetch.clone())),
    })
    .into_any()
}

/// A screen whose module did not arrive.
fn not_loaded(retry: impl Fn() + Send + Sync + 'static) -> AnyView {
    view! {
        <section class="panel" role="alert" aria-labelledby="not-loaded-title">
            <h2 id="not-loaded-title">"This screen could not be loaded"</h2>
            <p>
                "Its code did not arrive: the connection dropped before this version of NC Register was stored for offline use. Your registers are safe in this browser and nothing was changed."
            </p>
            <button type="button" on:click=move |_| retry()>
                "Try again"
            </button>
        </section>
    }
    .into_any()
}

/// Fetches the screens' modules once the first screen is up, so that
/// moving to another screen does not wait on the network or compile. Split
/// out, the screens are about a third of the app's code; preloaded after a
/// pause, they stay off the first load's critical path (its bytes and its
/// main-thread time) yet are there by the first click. Offline they come
/// from the service worker's cache. Unsplit, each preload does nothing.
/// The first failure stops it: the rest are fetched when shown, and say so
/// if they cannot be.
async fn preload_screens() -> Result<(), SplitLoaderError> {
    crate::platform::files::sleep(1_500).await;
    // One preload per module (`lazy_screen!`): the register's screens
    // first, then the home screen (a start that opened a register did not
    // need it, and going home offline must not wait on the network), then
    // the rarer ones.
    dashboard::__preload_screen().await?;
    home::__preload_screen().await?;
    report::__preload_screen().await
}

/// The module of the screen `route` shows, arriving, when that screen
/// shows the register (an opening waits for it, see
/// `Store::open_register`): at once for the screens that do not, and in a
/// build without split points. A failure is said by the screen itself.
async fn module_of(route: Route) {
    let _ = match route {
        Route::Home | Route::Check | Route::Keys => Ok(()),
        Route::Register(_)
        | Route::Findings(..)
        | Route::Finding(..)
        | Route::DueSoon(_)
        | Route::Deleted(_)
        | Route::Details(_) => dashboard::__preload_screen().await,
        Route::Report(_) => report::__preload_screen().await,
    };
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

/// A screen whose code is split out of the first load: `$split` names the
/// split module that holds it, `$module` the Rust module holding `screen`
/// and `__preload_screen`. With the `split` feature (Trunk's build:
/// `data-cargo-features` in index.html) `screen` is a split function (the
/// `wasm_split` attribute Leptos's `#[lazy]` expands to, with `fallible`,
/// which `#[lazy]` does not offer: a module that fails to load is an `Err`,
/// not a panic that stops the app), split out after the build by
/// `scripts/split-wasm.mjs`. Without it (the browser tests, clippy,
/// `cargo check`) it is a plain async function whose preload does nothing:
/// a module that imports the splitter's placeholder cannot be instantiated
/// unsplit, so everything but Trunk's build stays unsplit.
///
/// Two split modules, not one per screen: split one per screen, the code
/// the screens share came as 81 small chunks, and a reload of the table
/// fetched 48 files through the service worker before drawing, about
/// 150 ms later than the unsplit app (docs/BENCHMARKS.md, "Splitting the
/// module under Trunk"). Grouped, a reload fetches one module and is as
/// fast as unsplit; the first load is the same.
macro_rules! lazy_screen {
    // `$screen` is always `screen`, written at each use.
    ($split:ident: $module:ident :: $screen:ident ( $($arg:ident : $ty:ty),* ) => $body:expr) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            #[cfg(feature = "split")]
            #[::leptos::wasm_split::wasm_split(
                $split,
                wasm_split_path = ::leptos::wasm_split,
                preload(#[doc(hidden)] __preload_screen),
                fallible
            )]
            pub fn $screen($($arg: $ty),*) -> ScreenLoad {
                Ok($body)
            }

            #[cfg(not(feature = "split"))]
            pub async fn $screen($($arg: $ty),*) -> ScreenLoad {
                Ok($body)
            }

            #[cfg(not(feature = "split"))]
            pub async fn __preload_screen() -> Result<(), SplitLoaderError> {
                Ok(())
            }
        }
    };
}

lazy_screen!(register_screens: dashboard::screen(register: String) => view! { <DashboardScreen register /> }.into_any());
lazy_screen!(register_screens: register::screen(register: String, query: Query, page: usize) => {
    view! { <RegisterScreen register query page /> }.into_any()
});
lazy_screen!(register_screens: finding::screen(register: String, finding: String) => {
    view! { <FindingScreen register finding /> }.into_any()
});
lazy_screen!(register_screens: due_soon::screen(register: String) => view! { <DueSoonScreen register /> }.into_any());
lazy_screen!(other_screens: report::screen(register: String) => view! { <ReportScreen register /> }.into_any());
lazy_screen!(register_screens: deleted::screen(register: String) => view! { <DeletedScreen register /> }.into_any());
lazy_screen!(register_screens: details::screen(register: String) => view! { <DetailsScreen register /> }.into_any());
lazy_screen!(other_screens: check::screen() => view! { <CheckScreen /> }.into_any());
lazy_screen!(home_screen: home::screen() => view! { <Home /> <OpenRegisterFile /> }.into_any());
lazy_screen!(other_screens: keys::screen() => view! { <KeysScreen /> }.into_any());
