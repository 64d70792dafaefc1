//! First run and the register chooser: who you are, then which register.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::device::BrowserPanel;
use crate::ui::route::Route;
use crate::ui::state::use_store;
use crate::ui::widgets::RegisterInfoFields;
use ncr_core::document::NewRegister;
use ncr_core::model::Auditor;

#[component]
pub fn Home() -> impl IntoView {
    let store = use_store();
    view! {
        {move || {
            if store.profile.get().is_none() {
                view! { <ProfileForm /> }.into_any()
            } else {
                view! { <Chooser /> }.into_any()
            }
        }}
        // Also before a profile exists: checking a report writes nothing,
        // so whoever received one needs no name here to check it.
        <section class="panel" aria-labelledby="check-report-title">
            <h2 id="check-report-title">"Received a printed report?"</h2>
            <p>
                "Confirm that a register file holds the state a report was printed from, or see what changed since."
            </p>
            <a href=Route::Check.href()>"Check a report"</a>
        </section>
        <section class="panel" aria-labelledby="keys-link-title">
            <h2 id="keys-link-title">"Encrypted files"</h2>
            <p>
                "Your key pair opens register files encrypted to you; your colleagues' public keys let you encrypt files to them."
            </p>
            <a href=Route::Keys.href()>"Encryption keys"</a>
        </section>
    }
}

/// Asks once for the auditor's name and initials; they sign every change
/// this browser makes and number its findings (`NC-2026-JD-001`).
#[component]
pub fn ProfileForm() -> impl IntoView {
    let store = use_store();
    let current = store.profile.get_untracked();
    let name = RwSignal::new(current.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let initials = RwSignal::new(current.map(|p| p.initials).unwrap_or_default());
    let error = RwSignal::new(None::<String>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let auditor = Auditor {
            name: name.get_untracked(),
            initials: initials.get_untracked(),
        };
        match store.set_profile(&auditor) {
            Ok(()) => error.set(None),
            Err(e) => error.set(Some(e)),
        }
    };
    view! {
        <section class="panel" aria-labelledby="profile-title">
            <h2 id="profile-title">"Who is recording?"</h2>
            <p>
                "Your name signs every change you make; your initials number your findings. Both stay in this browser until you export a register."
            </p>
            <form on:submit=submit class="stack">
                <label for="profile-name">"Name"</label>
                <input
                    id="profile-name"
                    type="text"
                    autocomplete="name"
                    required
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <label for="profile-initials">"Initials"</label>
                <input
                    id="profile-initials"
                    type="text"
                    maxlength="4"
                    required
                    aria-describedby="profile-error"
                    prop:value=move || initials.get()
                    on:input=move |ev| initials.set(event_target_value(&ev))
                />
                <p id="profile-error" class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <button type="submit">"Save profile"</button>
            </form>
        </section>
    }
}

#[component]
fn Chooser() -> impl IntoView {
    let store = use_store();
    let name = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewRegister {
            name: name.get_untracked(),
            organisation: organisation.get_untracked(),
            scope: scope.get_untracked(),
        };
        busy.set(true);
        spawn_local(async move {
            match store.create_register(new).await {
                Ok(id) => {
                    error.set(None);
                    Route::Register(id).go();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let demo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match store.open_demo().await {
                Ok(id) => Route::Register(id).go(),
                Err(e) => store.error(e),
            }
            busy.set(false);
        });
    };
    let greeting = move || {
        store
            .profile
            .get()
            .map(|p| format!("Recording as {} ({})", p.name, p.initials))
    };
    view! {
        <p class="whoami">{greeting}</p>
        <section class="panel" aria-labelledby="registers-title">
            {move || {
                let registers = store.registers.get();
                if registers.is_empty() {
                    view! {
                        <h2 id="registers-title">"No register yet"</h2>
                        <p>
                            "Create a register for an audit programme, or explore the demo. Registers are kept in this browser only; nothing is sent anywhere."
                        </p>
                    }
                        .into_any()
                } else {
                    view! {
                        <h2 id="registers-title">"Registers in this browser"</h2>
                        <ul class="register-list">
                            {registers
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <li>
                                            <a href=Route::Register(r.id.clone()).href()>{r.name}</a>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </section>
        <section class="panel" aria-labelledby="create-title">
            <h2 id="create-title">"Create register"</h2>
            <form on:submit=create class="stack">
                <RegisterInfoFields prefix="register" name organisation scope />
                <p class="field-error" role="alert">
                    {move || error.get()}
                </p>
                <button type="submit" disabled=move || busy.get()>
                    "Create register"
                </button>
            </form>
        </section>
        <BrowserPanel />
        <section class="panel" aria-labelledby="demo-title">
            <h2 id="demo-title">"Try it"</h2>
            <p>
                "A demo register with about fifteen findings at every stage of ISO 27001 clause 10.2."
            </p>
            <button type="button" on:click=demo disabled=move || busy.get()>
                "Open demo register"
            </button>
        </section>
        <details class="panel">
            <summary>"Change your name or initials"</summary>
            <ProfileForm />
        </details>
    }
}
