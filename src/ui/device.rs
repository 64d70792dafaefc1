//! This browser as a place to keep registers: offline readiness and new
//! versions (the service worker), persistent storage and usage, and the
//! reminder to export work that exists only here.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::platform::{attachments, profile, quota, sw};
use crate::ui::exchange::export_register_file;
use crate::ui::state::{use_store, SaveState, Store};
use ncr_core::attachment::PHOTO_SIDES;
use ncr_core::text::human_bytes;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NewVersion {
    None,
    /// Installed, waiting for the person's consent.
    Waiting,
    /// Consent given: switching once pending saves are written.
    Switching,
    /// Another tab switched; this one runs the previous version.
    Elsewhere,
    /// The new version controls this page: reload once saves are written.
    Reloading,
}

/// Shared by the header banner, the home panel and the register screen.
#[derive(Clone, Copy)]
pub struct Device {
    offline_ready: RwSignal<bool>,
    update: RwSignal<NewVersion>,
    /// The browser's answer; `None` while unknown or if it cannot say.
    persisted: RwSignal<Option<bool>>,
    reminder_days: RwSignal<u32>,
    /// Bumped when the reminder may have changed without this page doing
    /// anything: the tab is shown again (days may have passed), or another
    /// tab exported.
    recheck: RwSignal<u64>,
}

impl Device {
    /// Starts the service worker and asks for persistent storage once a
    /// register exists (asking with nothing to keep would be a pointless
    /// prompt in browsers that prompt).
    pub fn provide(store: Store) {
        let device = Device {
            offline_ready: RwSignal::new(false),
            update: RwSignal::new(NewVersion::None),
            persisted: RwSignal::new(None),
            reminder_days: RwSignal::new(profile::reminder_days()),
            recheck: RwSignal::new(0),
        };
        provide_context(device);
        sw::start(move |event| match event {
            sw::Event::OfflineReady => device.offline_ready.set(true),
            sw::Event::UpdateWaiting => device.update.set(NewVersion::Waiting),
            sw::Event::UpdatedElsewhere => device.update.set(NewVersion::Elsewhere),
            sw::Event::Switched => device.update.set(NewVersion::Reloading),
        });
        // `visibilitychange` bubbles from the document to the window.
        let shown = window_event_listener_untyped("visibilitychange", move |_| {
            let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
            if visible {
                device.recheck.update(|n| *n += 1);
            }
        });
        let exported_elsewhere = window_event_listener(leptos::ev::storage, move |ev| {
            if ev
                .key()
                .is_some_and(|k| k.starts_with(profile::EXPORTED_PREFIX))
            {
                device.recheck.update(|n| *n += 1);
            }
        });
        on_cleanup(move || {
            shown.remove();
            exported_elsewhere.remove();
        });
        spawn_local(async move { device.persisted.set(quota::persisted().await) });
        Effect::new(move |asked: Option<bool>| {
            let asked = asked.unwrap_or(false);
            let has_registers = !store.registers.with(Vec::is_empty);
            if asked || !has_registers || device.persisted.get() != Some(false) {
                return asked;
            }
            spawn_local(async move {
                if let Some(granted) = quota::persist().await {
                    device.persisted.set(Some(granted));
                }
            });
            true
        });
        // Consent given while a save is running: switch once it is written,
        // and reload into the new version only once nothing is being saved.
        Effect::new(move |_| {
            let idle = store.save_state.get() != SaveState::Saving;
            match device.update.get() {
                NewVersion::Switching if idle && !sw::apply_update() => {
                    device.update.set(NewVersion::None)
                }
                NewVersion::Reloading if idle => sw::reload(),
                _ => {}
            }
        });
    }
}

fn use_device() -> Device {
    expect_context::<Device>()
}

/// "A new version is ready": shown in every screen's header.
#[component]
pub fn UpdateBanner() -> impl IntoView {
    let device = use_device();
    view! {
        <div class="update-banner-region" role="status" aria-live="polite">
            {move || match device.update.get() {
                NewVersion::None => None,
                NewVersion::Waiting | NewVersion::Switching | NewVersion::Reloading => {
                    Some(
                        view! {
                            <div class="update-banner">
                                <p>"A new version of NC Register is ready."</p>
                                <button
                                    type="button"
                                    disabled=move || device.update.get() != NewVersion::Waiting
                                    on:click=move |_| device.update.set(NewVersion::Switching)
                                >
                                    "Update now"
                                </button>
                            </div>
                        }
                            .into_any(),
                    )
                }
                NewVersion::Elsewhere => {
                    Some(
                        view! {
                            <div class="update-banner">
                                <p>
                                    "NC Register was updated in another tab. Reload this tab to use the new version; your saved work stays."
                                </p>
                                <button type="button" on:click=|_| sw::reload()>
                                    "Reload"
                                </button>
                            </div>
                        }
                            .into_any(),
                    )
                }
            }}
        </div>
    }
}

/// "Offline" in the header while the browser has no network: everything
/// keeps working, and the person knows why exchanging must wait.
#[component]
pub fn NetworkStatus() -> impl IntoView {
    let online = RwSignal::new(web_sys::window().is_none_or(|w| w.navigator().on_line()));
    let on = window_event_listener_untyped("online", move |_| online.set(true));
    let off = window_event_listener_untyped("offline", move |_| online.set(false));
    on_cleanup(move || {
        on.remove();
        off.remove();
    });
    view! {
        <p class="network-state" role="status">
            {move || (!online.get()).then_some("Offline: everything keeps working in this browser")}
        </p>
    }
}

/// The home screen's "This browser" panel.
#[component]
pub fn BrowserPanel() -> impl IntoView {
    let store = use_store();
    let device = use_device();
    // Sizes are read when the panel shows and after each export; a
    // register's size changes little while the home screen is open. A
    // plain signal, set with `try_set`: the read may finish after the
    // panel is gone (the person opened a register meanwhile).
    let usage = RwSignal::new(None);
    Effect::new(move |_| {
        store.registers.track();
        store.exports.track();
        store.stored_attachments.track();
        spawn_local(async move {
            let per_register = store.usage().await.and_then(Result::ok);
            let files = attachments::usage().await.ok();
            usage.try_set(Some((per_register, files, quota::estimate().await)));
        });
    });
    let ask = move |_| {
        spawn_local(async move {
            let granted = quota::persist().await;
            device.persisted.set(granted);
            if granted != Some(true) {
                store.info(
                    "The browser did not grant persistent storage. Browsers grant it to installed apps and sites you use often: install NC Register (the install icon in the address bar) and try again. Until then, export regularly.",
                );
            }
        });
    };
    let photo_side = RwSignal::new(profile::photo_side());
    let side_error = RwSignal::new(None::<String>);
    let set_side = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        match text.trim().parse::<u32>() {
            Ok(px) if PHOTO_SIDES.contains(&px) => match profile::set_photo_side(px) {
                Ok(()) => {
                    side_error.set(None);
                    photo_side.set(px);
                }
                Err(e) => side_error.set(Some(format!("The setting was not saved: {e}"))),
            },
            _ => side_error.set(Some(format!(
                "Photo size: \"{text}\" is not a whole number of pixels from {} to {}.",
                PHOTO_SIDES.start(),
                PHOTO_SIDES.end()
            ))),
        }
    };
    let days_error = RwSignal::new(None::<String>);
    let set_days = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        match text.trim().parse::<u32>() {
            Ok(days) if (1..=365).contains(&days) => match profile::set_reminder_days(days) {
                Ok(()) => {
                    days_error.set(None);
                    device.reminder_days.set(days);
                }
                Err(e) => days_error.set(Some(format!("The setting was not saved: {e}"))),
            },
            _ => days_error.set(Some(format!(
                "Export reminder: \"{text}\" is not a whole number of days from 1 to 365."
            ))),
        }
    };
    view! {
        <section class="panel" aria-labelledby="browser-title">
            <h2 id="browser-title">"This browser"</h2>
            <h3>"Offline use"</h3>
            <p>
                {move || {
                    if device.offline_ready.get() {
                        "Ready to work offline: this version of NC Register is stored in this browser and starts without a network."
                    } else {
                        "Not yet ready to work offline. Keep this page open while online for a moment; this line changes when it is ready."
                    }
                }}
            </p>
            <h3>"Storage"</h3>
            <p>
                {move || match device.persisted.get() {
                    Some(true) => {
                        "Persistent storage granted: the browser will not clear your registers to free space."
                    }
                    Some(false) => {
                        "Storage is not persistent: the browser may clear your registers when the disk is nearly full. Export them regularly."
                    }
                    None => {
                        "This browser does not say whether it keeps your registers. Export them regularly."
                    }
                }}
            </p>
            <Show when=move || device.persisted.get() == Some(false)>
                <button type="button" on:click=ask>
                    "Ask to keep registers"
                </button>
            </Show>
            {move || {
                let Some((per_register, files, estimate)) = usage.get() else {
                    return view! { <p>"Measuring storage…"</p> }.into_any();
                };
                let names = store.registers.get_untracked();
                let per_register = per_register.unwrap_or_default();
                let views = (per_register.views > 0)
                    .then(|| {
                        format!(
                            "Besides, each register keeps a copy of its findings as last read, so that it opens without reading them again: {} in all. It is made again when needed, and given up first when the storage is full.",
                            human_bytes(per_register.views as f64),
                        )
                    });
                let rows = per_register
                    .registers
                    .into_iter()
                    .filter(|(id, _)| id != "quarantine")
                    .map(|(id, bytes)| {
                        let name = names
                            .iter()
                            .find(|r| r.id == id)
                            .map(|r| r.name.clone())
                            .unwrap_or(id);
                        view! {
                            <tr>
                                <th scope="row">{name}</th>
                                <td>{human_bytes(bytes as f64)}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                let files_row = files
                    .map(|(count, bytes)| {
                        // Shared by every register (a photo is stored once, by its
                        // content), so a row of its own.
                        view! {
                            <tr>
                                <th scope="row">
                                    {format!(
                                        "Attachments ({count} file{})",
                                        if count == 1 { "" } else { "s" },
                                    )}
                                </th>
                                <td>{human_bytes(bytes as f64)}</td>
                            </tr>
                        }
                    });
                let total = estimate
                    .map(|e| {
                        format!(
                            "This site uses {} of the {} the browser allows it.",
                            human_bytes(e.usage),
                            human_bytes(e.quota),
                        )
                    });
                view! {
                    <table class="usage-table">
                        <caption>"Stored registers"</caption>
                        <thead>
                            <tr>
                                <th scope="col">"Register"</th>
                                <th scope="col">"Size"</th>
                            </tr>
                        </thead>
                        <tbody>{rows} {files_row}</tbody>
                    </table>
                    {views.map(|v| view! { <p>{v}</p> })}
                    <p>{total}</p>
                }
                    .into_any()
            }}
            <h3>"Photos"</h3>
            <label for="photo-side">"Scale photos down to (longest side, pixels)"</label>
            <input
                id="photo-side"
                type="number"
                min=PHOTO_SIDES.start().to_string()
                max=PHOTO_SIDES.end().to_string()
                step="1"
                prop:value=move || photo_side.get().to_string()
                on:change=set_side
                aria-describedby="photo-side-help photo-side-error"
                aria-invalid=move || if side_error.with(Option::is_some) { "true" } else { "false" }
            />
            <p id="photo-side-help" class="hint">
                "Photos attached to findings are stored at most this large, as JPEG; other files are kept as they are."
            </p>
            <p id="photo-side-error" class="field-error" role="alert">
                {move || side_error.get()}
            </p>
            <h3>"Export reminder"</h3>
            <label for="reminder-days">"Remind me to export after (days)"</label>
            <input
                id="reminder-days"
                type="number"
                min="1"
                max="365"
                step="1"
                prop:value=move || device.reminder_days.get().to_string()
                on:change=set_days
                aria-describedby="reminder-help reminder-error"
                aria-invalid=move || if days_error.with(Option::is_some) { "true" } else { "false" }
            />
            <p id="reminder-help" class="hint">
                "Work you have not exported exists only in this browser. The register screen reminds you once it is this many days old."
            </p>
            <p id="reminder-error" class="field-error" role="alert">
                {move || days_error.get()}
            </p>
        </section>
    }
}

/// The register screen's reminder to export work that exists only here.
#[component]
pub fn ExportReminder() -> impl IntoView {
    let store = use_store();
    let device = use_device();
    // Runs when a register opens, after an export, or when the setting
    // changes; never per edit (see `Store::export_reminder`).
    let due = Memo::new(move |_| {
        store.opened.track();
        store.exports.track();
        device.reminder_days.track();
        device.recheck.track();
        store.export_reminder()
    });
    view! {
        <div role="status" aria-live="polite">
            {move || {
                due.get()
                    .map(|days| {
                        let age = match days {
                            1 => "1 day ago".to_string(),
                            n => format!("{n} days ago"),
                        };
                        // At least one day: the setting is 1 to 365.
                        view! {
                            <div class="export-reminder">
                                <p>
                                    {format!(
                                        "You have changes from {age} that exist only in this browser. Export the register to keep a copy elsewhere.",
                                    )}
                                </p>
                                <button
                                    type="button"
                                    on:click=move |_| export_register_file(store, true)
                                >
                                    "Export now"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
