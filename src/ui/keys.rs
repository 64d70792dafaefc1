//! "Encryption keys" (`#/keys`): this browser's age key pair, shown as
//! text and a QR code for colleagues to encrypt files to, and the address
//! book of their public keys, to encrypt files to them.
//!
//! Keys are made and checked by the encryption module in a worker
//! (`platform::isolate`), and kept by `platform::keys`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::platform::keys::{self, OwnKey};
use crate::platform::{files, isolate};
use crate::ui::widgets::header_row;
use ncr_core::exchange::sealed::{self, Contact, Qr};

#[component]
pub fn KeysScreen() -> impl IntoView {
    let own = RwSignal::new(keys::own_key());
    let book = RwSignal::new(keys::contacts());
    view! {
        <section class="panel keys" aria-labelledby="keys-title">
            <h2 id="keys-title">"Encryption keys"</h2>
            <p>
                "An exported register file can be encrypted, in the standard age format, with a passphrase or to people's public keys. A file encrypted to your public key opens only in a browser that holds your secret key, or with the age tools and your key file."
            </p>
            <OwnKeySection own />
            <ContactsSection book />
        </section>
    }
}

#[component]
fn OwnKeySection(own: RwSignal<Option<OwnKey>>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let create = move |_| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let kept = isolate::new_key_pair().await.and_then(keep);
            settle(kept, own, error);
            busy.set(false);
        });
    };
    view! {
        <section class="key-own" aria-labelledby="own-key-title">
            <h3 id="own-key-title">"Your key"</h3>
            {move || match own.get() {
                None => {
                    view! {
                        <p>
                            "This browser has no key yet. Create one, then give your public key to the colleagues who send you registers."
                        </p>
                        <div class="actions">
                            <button
                                type="button"
                                class="primary"
                                disabled=move || busy.get()
                                on:click=create
                            >
                                "Create my key"
                            </button>
                        </div>
                        <UseExistingKey own />
                    }
                        .into_any()
                }
                Some(key) => view! { <OwnKeyShown key own /> }.into_any(),
            }}
            <p class="field-error" role="alert">
                {move || error.get()}
            </p>
        </section>
    }
}

/// Keeps a key pair, made here or brought in, as this browser's key.
fn keep(pair: sealed::KeyPair) -> Result<OwnKey, String> {
    let key = OwnKey {
        pair,
        created: chrono::Utc::now(),
    };
    keys::set_own_key(&key).map_err(|e| format!("The key could not be kept ({e})."))?;
    Ok(key)
}

/// Shows the key kept, or says why not.
fn settle(
    kept: Result<OwnKey, String>,
    own: RwSignal<Option<OwnKey>>,
    error: RwSignal<Option<String>>,
) {
    match kept {
        Ok(key) => own.set(Some(key)),
        Err(e) => error.set(Some(e)),
    }
}

#[component]
fn OwnKeyShown(key: OwnKey, own: RwSignal<Option<OwnKey>>) -> impl IntoView {
    let public = key.pair.public.clone();
    let qr = RwSignal::new(None::<Qr>);
    let copied = RwSignal::new(None::<String>);
    {
        let public = public.clone();
        spawn_local(async move {
            if let Ok(code) = isolate::key_qr(&public).await {
                qr.set(Some(code));
            }
        });
    }
    let copy = {
        let public = public.clone();
        move |_| {
            let public = public.clone();
            spawn_local(async move {
                let done = match web_sys::window().map(|w| w.navigator().clipboard()) {
                    Some(clipboard) => {
                        wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&public))
                            .await
                            .is_ok()
                    }
                    None => false,
                };
                copied.set(Some(if done {
                    "Public key copied.".into()
                } else {
                    "This browser did not allow copying: select the key and copy it.".into()
                }));
            });
        }
    };
    let download = {
        let key = key.clone();
        move |_| {
            let text = sealed::identity_file(&key.pair, key.created);
            if let Err(e) =
                files::download(text.as_bytes(), "nc-register-age-key.txt", "text/plain")
            {
                copied.set(Some(format!("The key file could not be downloaded ({e}).")));
            }
        }
    };
    let confirming = RwSignal::new(false);
    let forget = move |_| {
        keys::forget_own_key();
        own.set(None);
    };
    view! {
        <label for="own-public-key">"Your public key"</label>
        <textarea
            id="own-public-key"
            class="key-text"
            readonly
            rows="2"
            aria-describedby="own-public-key-help"
        >
            {public.clone()}
        </textarea>
        <p id="own-public-key-help" class="help">
            "Give this to colleagues, by mail or by showing the QR code: it lets them encrypt files that only you can open. It is not secret."
        </p>
        <div class="actions">
            <button type="button" on:click=copy>
                "Copy public key"
            </button>
            <button type="button" on:click=download>
                "Download my key file"
            </button>
        </div>
        <p role="status" class="muted">
            {move || copied.get()}
        </p>
        {move || qr.get().map(|code| view! { <QrCode code label="QR code of your public key" /> })}
        <p class="help">
            "The key file holds your secret key: keep it where only you can read it. With it, "
            <code>"age -d -i key.txt"</code>
            " opens files encrypted to you, and another browser can use your key."
        </p>
        <Show
            when=move || confirming.get()
            fallback=move || {
                view! {
                    <button type="button" on:click=move |_| confirming.set(true)>
                        "Forget this key…"
                    </button>
                }
            }
        >
            <div class="refusal" role="alertdialog" aria-labelledby="forget-key-title">
                <p id="forget-key-title">
                    "Without this key, files encrypted to it no longer open in this browser. Download the key file first if you may need them."
                </p>
                <div class="actions">
                    <button type="button" on:click=forget>
                        "Forget the key"
                    </button>
                    <button type="button" on:click=move |_| confirming.set(false)>
                        "Keep the key"
                    </button>
                </div>
            </div>
        </Show>
    }
}

/// A secret key brought from elsewhere (the key file of another browser).
#[component]
fn UseExistingKey(own: RwSignal<Option<OwnKey>>) -> impl IntoView {
    let secret = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The key file as a whole may be pasted: its one line that is a key.
        let typed = secret.get_untracked();
        let line = typed
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .unwrap_or(typed.trim())
            .to_owned();
        spawn_local(async move {
            let kept = isolate::public_key_of(&line).await.and_then(|public| {
                keep(sealed::KeyPair {
                    secret: line,
                    public,
                })
            });
            settle(kept, own, error);
        });
    };
    view! {
        <details class="key-import">
            <summary>"Use a key you already have"</summary>
            <form class="stack" on:submit=submit>
                <label for="existing-secret-key">"Secret key or key file's text"</label>
                <textarea
                    id="existing-secret-key"
                    rows="3"
                    autocomplete="off"
                    spellcheck="false"
                    prop:value=move || secret.get()
                    on:input=move |ev| {
                        secret.set(event_target_value(&ev));
                        error.set(None);
                    }
                ></textarea>
                <button type="submit">"Use this key"</button>
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
            </form>
        </details>
    }
}

/// A QR code drawn as one SVG path, dark on light whatever the colour
/// scheme, with the quiet zone scanners need.
#[component]
fn QrCode(code: Qr, label: &'static str) -> impl IntoView {
    const QUIET: usize = 4;
    let size = code.width + 2 * QUIET;
    let mut path = String::new();
    for (i, dark) in code.modules.chars().enumerate() {
        if dark == '1' {
            let (x, y) = (i % code.width + QUIET, i / code.width + QUIET);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    view! {
        <svg
            class="qr-code"
            viewBox=format!("0 0 {size} {size}")
            role="img"
            aria-label=label
            shape-rendering="crispEdges"
        >
            <rect width=size height=size fill="#fff" />
            <path d=path fill="#000" />
        </svg>
    }
}

#[component]
fn ContactsSection(book: RwSignal<Vec<Contact>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let added = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        added.set(None);
        let (typed_name, typed_key) = (name.get_untracked(), key.get_untracked());
        spawn_local(async move {
            let checked = isolate::check_recipient(&typed_key).await.and_then(|key| {
                let mut next = book.get_untracked();
                sealed::add_contact(&mut next, &typed_name, &key)?;
                keys::set_contacts(&next)
                    .map_err(|e| format!("The address book could not be saved ({e})."))?;
                Ok(next)
            });
            match checked {
                Ok(next) => {
                    book.set(next);
                    added.set(Some(format!("Added {}.", typed_name.trim())));
                    name.set(String::new());
                    key.set(String::new());
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let remove = move |key: String| {
        let mut next = book.get_untracked();
        next.retain(|c| c.key != key);
        match keys::set_contacts(&next) {
            Ok(()) => book.set(next),
            Err(e) => error.set(Some(format!("The address book could not be saved ({e})."))),
        }
    };
    view! {
        <section class="key-contacts" aria-labelledby="contacts-title">
            <h3 id="contacts-title">"Colleagues' keys"</h3>
            <Show
                when=move || !book.get().is_empty()
                fallback=|| {
                    view! {
                        <p class="muted">
                            "No colleague's key yet. Add the public keys of the people you send registers to."
                        </p>
                    }
                }
            >
                <div class="table-scroll" role="region" aria-label="Colleagues' keys" tabindex="0">
                    <table class="contacts">
                        <thead>{header_row(&["Name", "Public key", ""])}</thead>
                        <tbody>
                            <For
                                each=move || book.get()
                                key=|c| c.key.clone()
                                children=move |c| {
                                    let key = c.key.clone();
                                    view! {
                                        <tr>
                                            <td>{c.name.clone()}</td>
                                            <td>
                                                <code class="key-text">{c.key.clone()}</code>
                                            </td>
                                            <td>
                                                <button type="button" on:click=move |_| remove(key.clone())>
                                                    {format!("Remove {}", c.name)}
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }
                            />
                        </tbody>
                    </table>
                </div>
            </Show>
            <form class="stack" on:submit=submit aria-labelledby="add-contact-title">
                <h4 id="add-contact-title">"Add a colleague's key"</h4>
                <label for="contact-name">"Name"</label>
                <input
                    id="contact-name"
                    type="text"
                    autocomplete="off"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <label for="contact-key">"Public key"</label>
                <input
                    id="contact-key"
                    type="text"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    placeholder="age1…"
                    prop:value=move || key.get()
                    on:input=move |ev| key.set(event_target_value(&ev))
                />
                <button type="submit">"Add key"</button>
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <p role="status" class="muted">
                    {move || added.get()}
                </p>
            </form>
        </section>
    }
}
