//! The state fingerprint on the printed report, and "Check a report":
//! whether a register file holds the state a report was printed from
//! (`ncr_core::fingerprint`).
//!
//! The check never opens the file on the page: the file-check worker reads
//! it and works out the answer (`platform::isolate::check_report`), so a
//! crafted file cannot take the page down and nothing of it reaches this
//! browser's storage. The screen holds no register and writes nothing.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::platform::isolate::Opened;
use crate::platform::{files, isolate, keys};
use crate::ui::state::use_store;
use ncr_core::exchange::{is_sealed, sealed};
use ncr_core::fingerprint::{CheckOutcome, Fingerprint, Listed, Since};

/// In the report's header: the fingerprint of the state it shows, and what
/// it is for. Follows every change of the open register, as the report does.
#[component]
pub fn StateFingerprint() -> impl IntoView {
    let store = use_store();
    // Every change moves the heads, not only those a report shows.
    let printed = Memo::new(move |_| store.with_doc(|d| Fingerprint::of(d).to_string()));
    view! {
        <section class="report-fingerprint" aria-label="State fingerprint">
            <p>"State fingerprint: " <code class="fingerprint">{move || printed.get()}</code></p>
            <p class="muted">
                "It names the exact state of the register this report shows. \u{201c}Check a report\u{201d} in NC Register confirms that a register file holds this state, or a later one and what changed since."
            </p>
        </section>
    }
}

/// What the check screen shows under the form.
#[derive(Clone, PartialEq)]
enum Answer {
    Checking,
    /// The fingerprint or the file could not be checked: the sentence why.
    Refused(String),
    Checked(CheckOutcome),
}

#[component]
pub fn CheckScreen() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    // Asked for only once a file turns out to be encrypted with one.
    let passphrase = RwSignal::new(None::<String>);
    let answer = RwSignal::new(None::<Answer>);
    let file_input = NodeRef::<leptos::html::Input>::new();
    // Counts checks and edits of the form: an answer that arrives after
    // the file or fingerprint changed is not theirs, and is dropped.
    let run = StoredValue::new(0u64);
    let busy = move || answer.get() == Some(Answer::Checking);

    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = typed.get_untracked();
        // Read on the page too, so a mistyped fingerprint is said at once,
        // without reading a file that may be large.
        if let Err(e) = text.parse::<Fingerprint>() {
            answer.set(Some(Answer::Refused(e.to_string())));
            return;
        }
        let file = file_input
            .get_untracked()
            .and_then(|input| input.files())
            .and_then(|list| list.get(0));
        let Some(file) = file else {
            answer.set(Some(Answer::Refused(
                "Choose the register file (.ncr) to check.".into(),
            )));
            return;
        };
        answer.set(Some(Answer::Checking));
        run.update_value(|n| *n += 1);
        let this = run.get_value();
        spawn_local(async move {
            let result = match files::read(&file).await {
                Ok(bytes) => match unsealed(bytes, passphrase).await {
                    Ok(bytes) => isolate::check_report(&bytes, &text)
                        .await
                        .map(Answer::Checked)
                        .unwrap_or_else(Answer::Refused),
                    Err(sentence) => Answer::Refused(sentence),
                },
                Err(e) => Answer::Refused(format!("The file could not be read ({e}).")),
            };
            if run.get_value() == this {
                answer.set(Some(result));
            }
        });
    };
    // A new file or fingerprint makes the last answer stale.
    let clear = move || {
        run.update_value(|n| *n += 1);
        answer.set(None);
    };

    view! {
        <section class="panel check-report" aria-labelledby="check-title">
            <h2 id="check-title">"Check a report"</h2>
            <p>
                "A printed report shows its register's state fingerprint in its header. Choose a register file and type the fingerprint: the check says whether the file holds exactly the state the report was printed from, a later state of the same register and what changed since, or neither."
            </p>
            <p class="muted">
                "The file is only read, away from this page: nothing is opened, stored or changed in this browser."
            </p>
            <form class="stack" on:submit=check>
                <label for="check-file">"Register file"</label>
                <input
                    id="check-file"
                    type="file"
                    accept=".ncr,.age,application/octet-stream"
                    node_ref=file_input
                    on:change=move |_| {
                        passphrase.set(None);
                        clear();
                    }
                />
                {move || {
                    passphrase
                        .get()
                        .is_some()
                        .then(|| {
                            view! {
                                <label for="check-passphrase">
                                    "Passphrase of the encrypted file"
                                </label>
                                <input
                                    id="check-passphrase"
                                    type="password"
                                    autocomplete="off"
                                    on:input=move |ev| {
                                        passphrase.set(Some(event_target_value(&ev)));
                                        clear();
                                    }
                                />
                            }
                        })
                }}
                <label for="check-fingerprint">"Fingerprint from the report"</label>
                <input
                    id="check-fingerprint"
                    type="text"
                    autocomplete="off"
                    autocapitalize="off"
                    spellcheck="false"
                    aria-describedby="check-fingerprint-help"
                    prop:value=move || typed.get()
                    on:input=move |ev| {
                        typed.set(event_target_value(&ev));
                        clear();
                    }
                />
                <p id="check-fingerprint-help" class="help">
                    "As printed, for example NCR1 3f9a0c1d22ab / d41d8cd98f00. Capitals, spaces and line breaks do not matter."
                </p>
                <button type="submit" class="primary" disabled=busy>
                    "Check"
                </button>
            </form>
            <div class="check-answer" role="status" aria-live="polite" aria-label="Check result">
                {move || answer.get().map(|a| view! { <AnswerView answer=a /> })}
            </div>
        </section>
    }
}

/// The register file inside an encrypted one, opened with this browser's
/// key or the passphrase typed (whose field appears when the file needs
/// one); a plain file as it is.
async fn unsealed(bytes: Vec<u8>, passphrase: RwSignal<Option<String>>) -> Result<Vec<u8>, String> {
    if !is_sealed(&bytes) {
        return Ok(bytes);
    }
    let keys = sealed::Keys {
        passphrase: passphrase.get_untracked().filter(|p| !p.is_empty()),
        identities: keys::own_key()
            .map(|k| vec![k.pair.secret])
            .unwrap_or_default(),
    };
    match isolate::open_sealed(&bytes, &keys).await? {
        Opened::Plain(plain) => Ok(plain),
        Opened::Refused(sealed::OpenError::NeedsPassphrase, _) => {
            passphrase.set(Some(String::new()));
            Err("This file is encrypted with a passphrase: type it above and check again.".into())
        }
        Opened::Refused(_, sentence) => Err(sentence),
    }
}

#[component]
fn AnswerView(answer: Answer) -> impl IntoView {
    match answer {
        Answer::Checking => view! { <p>"Checking the file…"</p> }.into_any(),
        Answer::Refused(sentence) => view! { <p class="check-refused">{sentence}</p> }.into_any(),
        Answer::Checked(outcome) => {
            let class = match outcome {
                CheckOutcome::Same => "check-same",
                CheckOutcome::Later(_) => "check-later",
                CheckOutcome::Different => "check-different",
            };
            let lists = match &outcome {
                CheckOutcome::Later(since) => Some(view! { <SinceLists since=since.clone() /> }),
                _ => None,
            };
            view! {
                <p class=class>{outcome.sentence()}</p>
                {lists}
            }
            .into_any()
        }
    }
}

/// The findings behind each count of a later state.
#[component]
fn SinceLists(since: Since) -> impl IntoView {
    let lists: Vec<(&'static str, &'static str, Vec<Listed>)> = vec![
        ("check-added", "Added since the report", since.added),
        ("check-changed", "Changed since the report", since.changed),
        ("check-closed", "Closed since the report", since.closed),
        ("check-deleted", "Deleted since the report", since.deleted),
    ];
    lists
        .into_iter()
        .filter(|(_, _, findings)| !findings.is_empty())
        .map(|(id, heading, findings)| {
            view! {
                <section class="check-list" aria-labelledby=id>
                    <h3 id=id>{heading}</h3>
                    <ul>
                        {findings
                            .into_iter()
                            .map(|f| {
                                let title = if f.title.trim().is_empty() {
                                    "(untitled)".to_owned()
                                } else {
                                    f.title
                                };
                                view! { <li>{format!("{} {}", f.reference, title)}</li> }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
        .collect_view()
}
