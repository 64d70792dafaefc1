//! Encrypted register files: the export sealed with a passphrase or to
//! people's keys, and an incoming sealed file opened before it is routed
//! like any other.
//!
//! Sealing and opening run in the encryption module's worker
//! (`platform::isolate`); until a file is open nothing of it reaches the
//! document, so every refusal (wrong passphrase, wrong key, damage)
//! changes nothing.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{export_name, use_exchange, Exchange};
use crate::platform::isolate::{self, Opened};
use crate::platform::keys;
use crate::ui::route::Route;
use crate::ui::state::{use_store, Store};
use ncr_core::exchange::sealed::{self, Keys, Lock, OpenError};
use ncr_core::exchange::{REGISTER_EXTENSION, SEALED_EXTENSION};

/// A sealed file waiting for its passphrase.
#[derive(Clone)]
pub(super) struct SealedFile {
    name: String,
    bytes: Arc<Vec<u8>>,
    /// The last attempt's refusal, shown under the field.
    error: Option<String>,
}

impl Exchange {
    /// Opens a sealed file with this browser's key, or with `passphrase`:
    /// the file inside and its name (without `.age`), or `None` when it
    /// waits for a passphrase or was refused (said here).
    pub(super) async fn unseal(
        self,
        store: Store,
        name: String,
        bytes: Arc<Vec<u8>>,
        passphrase: Option<String>,
    ) -> Option<(String, Vec<u8>)> {
        let tried_passphrase = passphrase.is_some();
        let keys = Keys {
            passphrase,
            identities: keys::own_key()
                .map(|k| vec![k.pair.secret])
                .unwrap_or_default(),
        };
        match isolate::open_sealed(&bytes, &keys).await {
            Ok(Opened::Plain(plain)) => {
                self.sealed.set(None);
                let inner = name
                    .strip_suffix(&format!(".{SEALED_EXTENSION}"))
                    .or_else(|| name.strip_suffix(&format!(".{}", SEALED_EXTENSION.to_uppercase())))
                    .unwrap_or(&name)
                    .to_owned();
                Some((inner, plain))
            }
            Ok(Opened::Refused(OpenError::NeedsPassphrase, _)) => {
                self.sealed.set(Some(SealedFile {
                    name,
                    bytes,
                    error: None,
                }));
                None
            }
            Ok(Opened::Refused(OpenError::WrongPassphrase, sentence)) if tried_passphrase => {
                self.sealed.set(Some(SealedFile {
                    name,
                    bytes,
                    error: Some(sentence),
                }));
                None
            }
            Ok(Opened::Refused(_, sentence)) | Err(sentence) => {
                self.sealed.set(None);
                store.error(format!("{name}: {sentence}"));
                None
            }
        }
    }
}

/// An incoming sealed file's passphrase, asked above every screen.
#[component]
pub(super) fn SealedFilePrompt() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let passphrase = RwSignal::new(String::new());
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = field.get() {
            let _ = input.focus();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(file) = exchange.sealed.get_untracked() else {
            return;
        };
        let typed = passphrase.get_untracked();
        exchange.busy.set(true);
        spawn_local(async move {
            if let Some((name, plain)) = exchange
                .unseal(store, file.name, file.bytes, Some(typed))
                .await
            {
                passphrase.set(String::new());
                exchange.receive(store, name, plain).await;
            } else if let Some(input) = field.get_untracked() {
                input.select();
            }
            exchange.busy.set(false);
        });
    };
    let cancel = move |_| {
        passphrase.set(String::new());
        exchange.sealed.set(None);
    };
    view! {
        {move || {
            exchange
                .sealed
                .get()
                .map(|file| {
                    view! {
                        <section
                            class="panel exchange-choice"
                            role="dialog"
                            aria-labelledby="sealed-title"
                            aria-describedby="sealed-text"
                        >
                            <h2 id="sealed-title">{format!("{} is encrypted", file.name)}</h2>
                            <p id="sealed-text">
                                "It is encrypted with a passphrase. Type the passphrase its sender gave you to open it; nothing is imported until it opens."
                            </p>
                            <form class="stack" on:submit=submit>
                                <label for="sealed-passphrase">"Passphrase"</label>
                                <input
                                    id="sealed-passphrase"
                                    type="password"
                                    autocomplete="off"
                                    node_ref=field
                                    aria-invalid=move || {
                                        exchange
                                            .sealed
                                            .with(|s| s.as_ref().is_some_and(|s| s.error.is_some()))
                                            .to_string()
                                    }
                                    aria-describedby="sealed-error"
                                    prop:value=move || passphrase.get()
                                    on:input=move |ev| passphrase.set(event_target_value(&ev))
                                />
                                <p id="sealed-error" class="field-error" role="alert">
                                    {move || exchange.sealed.get().and_then(|s| s.error)}
                                </p>
                                // A passphrase costs the file's scrypt work:
                                // seconds on a phone, said so.
                                <p role="status" class="muted">
                                    {move || {
                                        exchange.busy.get().then_some("Opening the file…")
                                    }}
                                </p>
                                <div class="actions">
                                    <button
                                        type="submit"
                                        class="primary"
                                        disabled=move || exchange.busy.get()
                                    >
                                        "Open file"
                                    </button>
                                    <button type="button" on:click=cancel>
                                        "Cancel"
                                    </button>
                                </div>
                            </form>
                        </section>
                    }
                })
        }}
    }
}

/// How the person chose to seal an export.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SealWith {
    Passphrase,
    Keys,
}

/// "Export encrypted…": the register file sealed with a passphrase or to
/// the keys chosen (this browser's own, ticked at first, and colleagues'
/// from the address book), downloaded as `….ncr.age`.
#[component]
pub(super) fn SealedExport() -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let own = keys::own_key();
    let book = keys::contacts();
    let with = RwSignal::new(if own.is_some() || !book.is_empty() {
        SealWith::Keys
    } else {
        SealWith::Passphrase
    });
    let passphrase = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    // Public keys ticked; this browser's own key first.
    let chosen = RwSignal::new(
        own.iter()
            .map(|k| k.pair.public.clone())
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<String>);
    let status = RwSignal::new(None::<String>);
    let first = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            let _ = input.focus();
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let lock = match with.get_untracked() {
            SealWith::Passphrase => {
                let typed = passphrase.get_untracked();
                if let Err(e) = sealed::check_passphrase(&typed) {
                    error.set(Some(e.to_string()));
                    return;
                }
                if typed != again.get_untracked() {
                    error.set(Some(
                        "The two passphrases differ: type the same one twice.".into(),
                    ));
                    return;
                }
                Lock::Passphrase(typed)
            }
            SealWith::Keys => {
                let keys = chosen.get_untracked();
                if keys.is_empty() {
                    error.set(Some(sealed::SealError::NoRecipients.to_string()));
                    return;
                }
                Lock::Recipients(keys)
            }
        };
        let filename = export_name(store, &format!("{REGISTER_EXTENSION}.{SEALED_EXTENSION}"));
        let attachments = exchange.with_attachments.get_untracked();
        status.set(Some("Encrypting the register file…".into()));
        exchange.busy.set(true);
        spawn_local(async move {
            // The bundle, when attachments go with it, is sealed whole:
            // one file, and nothing of it readable on the way.
            let sealed = async {
                let export = store.export_file()?;
                let (export, carried, left_out) = if attachments {
                    store.carry_attachments(export).await?
                } else {
                    (export, 0, 0)
                };
                let bytes = isolate::seal(&export.bytes, &lock).await?;
                store.deliver_export(
                    crate::ui::state::RegisterExport { bytes, ..export },
                    &filename,
                )?;
                Ok::<_, String>((carried, left_out))
            }
            .await;
            exchange.busy.set(false);
            match sealed {
                Ok((carried, left_out)) => {
                    let mut said = format!("Exported {filename}");
                    if carried > 0 {
                        said.push_str(&format!(", with {carried} attachment(s)"));
                    }
                    said.push('.');
                    if left_out > 0 {
                        said.push_str(&format!(
                            " {left_out} attachment(s) are not stored in this browser and were left out."
                        ));
                    }
                    status.set(Some(said));
                    passphrase.set(String::new());
                    again.set(String::new());
                }
                Err(e) => {
                    status.set(None);
                    error.set(Some(format!("The export failed: {e}")));
                }
            }
        });
    };

    let key_choice = move |name: String, key: String, id: String| {
        let key_for_change = key.clone();
        view! {
            <div class="choice">
                <input
                    type="checkbox"
                    id=id.clone()
                    prop:checked=move || chosen.with(|c| c.contains(&key))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let key = key_for_change.clone();
                        chosen
                            .update(|c| {
                                c.retain(|k| *k != key);
                                if on {
                                    c.push(key);
                                }
                            });
                    }
                />
                <label for=id>{name}</label>
            </div>
        }
    };
    let own_choice = own.map(|k| {
        key_choice(
            "Me (this browser's key)".into(),
            k.pair.public,
            "seal-to-me".into(),
        )
    });
    let contact_choices = book
        .into_iter()
        .enumerate()
        .map(|(i, c)| key_choice(c.name, c.key, format!("seal-to-{i}")))
        .collect_view();
    let no_keys = own_choice.is_none() && keys::contacts().is_empty();

    view! {
        <section class="panel sealed-export" aria-labelledby="seal-title">
            <h2 id="seal-title">"Export an encrypted register file"</h2>
            <p>
                "The file is encrypted in the standard age format: it opens in NC Register, or with the age tools, only with the passphrase or a chosen person's key."
            </p>
            <form class="stack" on:submit=submit>
                <fieldset>
                    <legend>"Encrypt with"</legend>
                    <div class="choice">
                        <input
                            type="radio"
                            id="seal-with-keys"
                            name="seal-with"
                            node_ref=first
                            prop:checked=move || with.get() == SealWith::Keys
                            on:change=move |_| with.set(SealWith::Keys)
                        />
                        <label for="seal-with-keys">"People's keys"</label>
                    </div>
                    <div class="choice">
                        <input
                            type="radio"
                            id="seal-with-passphrase"
                            name="seal-with"
                            prop:checked=move || with.get() == SealWith::Passphrase
                            on:change=move |_| with.set(SealWith::Passphrase)
                        />
                        <label for="seal-with-passphrase">"A passphrase"</label>
                    </div>
                </fieldset>
                <Show when=move || with.get() == SealWith::Keys>
                    <fieldset>
                        <legend>"Who can open it"</legend>
                        {own_choice.clone()}
                        {contact_choices.clone()}
                        {no_keys
                            .then(|| {
                                view! {
                                    <p class="muted">
                                        "No keys yet: create yours and add your colleagues' public keys under Encryption keys, or use a passphrase."
                                    </p>
                                }
                            })}
                    </fieldset>
                </Show>
                <Show when=move || with.get() == SealWith::Passphrase>
                    <label for="seal-passphrase">"Passphrase"</label>
                    <input
                        id="seal-passphrase"
                        type="password"
                        autocomplete="new-password"
                        aria-describedby="seal-passphrase-help"
                        prop:value=move || passphrase.get()
                        on:input=move |ev| passphrase.set(event_target_value(&ev))
                    />
                    <p id="seal-passphrase-help" class="help">
                        {format!(
                            "At least {} characters. Give it to the recipient another way than the file, by phone or in person.",
                            sealed::MIN_PASSPHRASE_CHARS,
                        )}
                    </p>
                    <label for="seal-passphrase-again">"Repeat the passphrase"</label>
                    <input
                        id="seal-passphrase-again"
                        type="password"
                        autocomplete="new-password"
                        prop:value=move || again.get()
                        on:input=move |ev| again.set(event_target_value(&ev))
                    />
                </Show>
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || exchange.busy.get()>
                        "Encrypt and export"
                    </button>
                    <button type="button" on:click=move |_| exchange.sealing.set(false)>
                        "Close"
                    </button>
                    <a href=Route::Keys.href()>"Manage encryption keys"</a>
                </div>
                <p role="status">{move || status.get()}</p>
            </form>
        </section>
    }
}
