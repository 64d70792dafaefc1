//! How safe this browser keeps the registers: whether storage is
//! persistent (exempt from eviction when the disk runs low) and how much
//! of the site's quota is used. Browsers decide persistence themselves
//! (Chromium grants it to installed or often-used sites and never prompts;
//! Firefox asks), so the answer is shown, not assumed.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::StorageManager;

use super::files::js_error;

fn manager() -> Option<StorageManager> {
    let navigator = web_sys::window()?.navigator();
    let has = js_sys::Reflect::has(&navigator, &"storage".into()).ok()?;
    has.then(|| navigator.storage())
}

async fn ask(promise: Result<js_sys::Promise, wasm_bindgen::JsValue>) -> Result<bool, String> {
    let value = JsFuture::from(promise.map_err(js_error)?)
        .await
        .map_err(js_error)?;
    Ok(value.as_bool().unwrap_or(false))
}

/// Whether storage is already persistent; `None` if the browser cannot say.
pub async fn persisted() -> Option<bool> {
    ask(manager()?.persisted()).await.ok()
}

/// Asks for persistent storage; the browser's answer.
pub async fn persist() -> Option<bool> {
    ask(manager()?.persist()).await.ok()
}

/// Bytes the whole site uses and may use, as the browser estimates them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub usage: f64,
    pub quota: f64,
}

pub async fn estimate() -> Option<Estimate> {
    let promise = manager()?.estimate().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    let estimate: web_sys::StorageEstimate = value.unchecked_into();
    Some(Estimate {
        usage: estimate.get_usage()?,
        quota: estimate.get_quota()?,
    })
}
