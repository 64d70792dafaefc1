//! What the person sees when the app stops.
//!
//! The release build aborts on a panic, and the page's copy of the app is
//! then dead: nothing the UI renders can say so. This hook runs before the
//! abort and writes one plain alert into the page itself, so the person is
//! told what happened and what to do instead of facing a frozen screen.
//! When the app was reading stored bytes (another tab's save, or stored
//! data at open, see `ncr_core::storage::Storage::note_reading`), the next
//! start sets them aside, and the alert says so.

use crate::platform::idb_storage::reading_noted;

/// Installs the hook (console message, then the alert). Once, at start.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&sentence(reading_noted().is_some()));
    }));
}

/// The alert's text.
fn sentence(reading: bool) -> String {
    if reading {
        "NC Register stopped while reading data it could not handle. Reload the page: that data will be kept aside and everything else opens. Nothing you saved is lost."
            .into()
    } else {
        "NC Register stopped because of an error. Reload the page: everything saved in this browser opens again. Changes made in the last second may need to be made again."
            .into()
    }
}

/// Appends the alert to `<body>`, once; nothing without a page (the
/// file-check worker).
fn show(text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.get_element_by_id("app-stopped").is_some() {
        return;
    }
    let (Some(body), Ok(alert)) = (document.body(), document.create_element("div")) else {
        return;
    };
    alert.set_id("app-stopped");
    let _ = alert.set_attribute("role", "alert");
    alert.set_text_content(Some(text));
    let _ = body.prepend_with_node_1(&alert);
}
