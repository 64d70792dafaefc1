//! The page's side of the service worker (`src/platform/service_worker.js`,
//! turned into `sw.js` with its precache list by `scripts/finalize-dist.mjs`).
//!
//! The worker serves the app from the browser's cache, so it starts with no
//! network. A new deployment installs a new worker that *waits*: switching
//! versions under a page that is mid-edit could mix old code with new
//! assets, so the person is asked first ([`apply_update`]).
//!
//! Only release builds register the worker. `trunk serve` rebuilds on every
//! save, and a cache-first worker would keep serving the previous build, so
//! debug builds remove any registration instead.

use std::cell::{Cell, RefCell};

use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{
    ServiceWorker, ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState,
};

/// Relative, so the worker's scope is the directory the app is served from,
/// whatever the URL path.
const SCRIPT: &str = "./sw.js";

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
    /// Set when this page asked for the switch: it then reloads into the
    /// new version. Other tabs are told instead of being reloaded under
    /// their user.
    static SWITCHING: Cell<bool> = const { Cell::new(false) };
}

/// What the worker reports to the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// This version is cached: the app starts without a network.
    OfflineReady,
    /// A new version is installed and waits for consent.
    UpdateWaiting,
    /// Another tab switched to a new version; this one still runs the old.
    UpdatedElsewhere,
    /// This page asked for the switch and the new version now controls it:
    /// reload once pending saves are written.
    Switched,
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // `serviceWorker` is missing on insecure origins and in some private
    // modes; the app then simply works online only.
    let has = js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).ok()?;
    has.then(|| navigator.service_worker())
}

/// Registers the worker (release builds) and reports its events.
pub fn start(on_event: impl Fn(Event) + 'static) {
    let Some(container) = container() else {
        return;
    };
    if cfg!(debug_assertions) {
        spawn_local(unregister(container));
        return;
    }
    let on_event = std::rc::Rc::new(on_event);
    {
        let on_event = on_event.clone();
        let on_change = Closure::<dyn Fn()>::new(move || {
            if SWITCHING.get() {
                on_event(Event::Switched);
            } else {
                on_event(Event::UpdatedElsewhere);
            }
        });
        container.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_change.forget();
    }
    spawn_local(async move {
        let Ok(registration) = JsFuture::from(container.register(SCRIPT)).await else {
            // Not fatal: the app works, just not offline. The reason is on
            // the console (Chromium logs failed registrations itself).
            return;
        };
        // A browser that blocks service workers (an enterprise policy, a
        // test harness) resolves with nothing instead of refusing.
        if registration.is_undefined() || registration.is_null() {
            return;
        }
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        REGISTRATION.with(|r| *r.borrow_mut() = Some(registration.clone()));
        watch_updates(&container, &registration, on_event.clone());
        check_when_visible();
        if let Ok(ready) = container.ready() {
            if JsFuture::from(ready).await.is_ok() {
                on_event(Event::OfflineReady);
            }
        }
    });
}

fn watch_updates(
    container: &ServiceWorkerContainer,
    registration: &ServiceWorkerRegistration,
    on_event: std::rc::Rc<dyn Fn(Event)>,
) {
    // A first install has no controller: nothing to update from.
    let container = container.clone();
    let waiting = std::rc::Rc::new(move |worker: &ServiceWorker| {
        if worker.state() == ServiceWorkerState::Installed && container.controller().is_some() {
            on_event(Event::UpdateWaiting);
        }
    });
    // The browser looks for a new version as the page loads, so by the
    // time this runs one may be installed already, or still installing.
    if let Some(worker) = registration.waiting() {
        waiting(&worker);
    }
    let track = move |worker: ServiceWorker| {
        let waiting = waiting.clone();
        let w = worker.clone();
        let on_state = Closure::<dyn Fn()>::new(move || waiting(&w));
        worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        on_state.forget();
    };
    if let Some(worker) = registration.installing() {
        track(worker);
    }
    let reg = registration.clone();
    let on_found = Closure::<dyn Fn()>::new(move || {
        if let Some(worker) = reg.installing() {
            track(worker);
        }
    });
    registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
    on_found.forget();
}

/// Browsers look for a new `sw.js` on navigation; a tab left open for days
/// (an audit week) also looks whenever it is shown again.
fn check_when_visible() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let doc = document.clone();
    let on_visible = Closure::<dyn Fn()>::new(move || {
        let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        // Offline, the check could only fail (and log a network error).
        if doc.visibility_state() == web_sys::VisibilityState::Visible && online {
            check_for_update();
        }
    });
    let _ = document
        .add_event_listener_with_callback("visibilitychange", on_visible.as_ref().unchecked_ref());
    on_visible.forget();
}

/// Asks the browser to look for a new version now.
pub fn check_for_update() {
    let Some(registration) = REGISTRATION.with(|r| r.borrow().clone()) else {
        return;
    };
    if let Ok(promise) = registration.update() {
        spawn_local(async move {
            // A failed check changes nothing; the next one may succeed.
            let _ = JsFuture::from(promise).await;
        });
    }
}

/// Switches to the waiting version; the page reloads once it controls it.
/// Returns false when no new version is waiting.
pub fn apply_update() -> bool {
    let waiting = REGISTRATION.with(|r| r.borrow().as_ref().and_then(|r| r.waiting()));
    let Some(waiting) = waiting else {
        return false;
    };
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &"skip-waiting".into());
    // Only a switch this page really asked for may reload it.
    let posted = waiting.post_message(&message).is_ok();
    SWITCHING.set(posted);
    posted
}

/// Loads the page again (into the version that now controls it).
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}

/// Removes the registration that controls this page's scope, if any.
async fn unregister(container: ServiceWorkerContainer) {
    let Ok(found) = JsFuture::from(container.get_registration()).await else {
        return;
    };
    if let Some(registration) = found.dyn_ref::<ServiceWorkerRegistration>() {
        if let Ok(p) = registration.unregister() {
            let _ = JsFuture::from(p).await;
        }
    }
}
