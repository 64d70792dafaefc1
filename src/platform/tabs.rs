//! Several tabs on one register: each saved chunk is broadcast to the other
//! tabs of this browser (BroadcastChannel, same origin only, never the
//! network), which merge it. Automerge makes the merge safe in any order,
//! so no tab can overwrite another's edits.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

const CHANNEL: &str = "nc-register";

thread_local! {
    static CHANNEL_HANDLE: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

fn channel() -> Option<web_sys::BroadcastChannel> {
    CHANNEL_HANDLE.with(|c| {
        if c.borrow().is_none() {
            *c.borrow_mut() = web_sys::BroadcastChannel::new(CHANNEL).ok();
        }
        c.borrow().clone()
    })
}

/// Tells the other tabs that `register` changed; `bytes` holds the changes.
pub fn announce(register: &str, bytes: &[u8], _snapshot: bool) {
    let Some(channel) = channel() else { return };
    let message = js_sys::Array::new();
    message.push(&JsValue::from_str(register));
    message.push(&js_sys::Uint8Array::from(bytes).into());
    // A tab that misses a message still sees the change on its next load.
    let _ = channel.post_message(&message);
}

/// Calls `on_change(register, bytes)` for every change another tab saves.
pub fn listen(on_change: impl Fn(String, Vec<u8>) + 'static) {
    let Some(channel) = channel() else { return };
    let handler =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            let Some(array) = data.dyn_ref::<js_sys::Array>() else {
                return;
            };
            let Some(register) = array.get(0).as_string() else {
                return;
            };
            let bytes = js_sys::Uint8Array::new(&array.get(1)).to_vec();
            on_change(register, bytes);
        });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The listener lives as long as the page.
    handler.forget();
}
