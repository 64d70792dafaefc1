//! A finding's evidence files: photos (from the camera on tablets and
//! phones) and any other file, stored in this browser by their content
//! hash (`platform::attachments`); the finding records only which.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::platform::{attachments, files, profile};
use crate::ui::state::{use_store, Store};
use ncr_core::attachment::{is_picture, MAX_ATTACHMENT_BYTES};
use ncr_core::model::Attachment;
use ncr_core::text::human_bytes;

/// Whether this browser holds an attachment's bytes, and for a picture
/// the object URL its thumbnail shows.
#[derive(Clone, PartialEq)]
enum Held {
    Missing,
    Stored(Option<String>),
}

#[component]
pub fn EvidenceFiles(finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let list = move || {
        store
            .with_finding(&fid.get_value(), |d| {
                d.finding(&fid.get_value())
                    .map(|f| f.attachments.values().cloned().collect::<Vec<_>>())
            })
            .flatten()
            .unwrap_or_default()
    };
    let held = RwSignal::new(BTreeMap::<String, Held>::new());
    // Object URLs live until the section goes: revoked then, however the
    // lookups that made them ended.
    let urls: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = urls.clone();
    on_cleanup(move || {
        if let Ok(urls) = keep.lock() {
            urls.iter().for_each(|u| attachments::revoke(u));
        }
    });
    Effect::new(move |_| {
        store.stored_attachments.track();
        let wanted: Vec<Attachment> = list()
            .into_iter()
            .filter(|a| held.with_untracked(|h| !matches!(h.get(&a.hash), Some(Held::Stored(_)))))
            .collect();
        let urls = urls.clone();
        spawn_local(async move {
            for a in wanted {
                let found = match attachments::blob(&a.hash).await {
                    Ok(Some(blob)) => {
                        let url = is_picture(&a.mime)
                            .then(|| attachments::object_url(&blob))
                            .flatten();
                        if let (Some(u), Ok(mut all)) = (&url, urls.lock()) {
                            all.push(u.clone());
                        }
                        Held::Stored(url)
                    }
                    _ => Held::Missing,
                };
                if held
                    .try_update(|h| h.insert(a.hash.clone(), found))
                    .is_none()
                {
                    return;
                }
            }
        });
    });
    let busy = RwSignal::new(false);
    let add = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let picked: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Emptied, so picking the same file again still fires.
        input.set_value("");
        if picked.is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            for file in picked {
                attach(store, &fid.get_value(), &file).await;
            }
            store.stored_attachments.update(|n| *n += 1);
            busy.set(false);
        });
    };
    let photo_id = move || format!("attach-photo-{}", fid.get_value());
    let file_id = move || format!("attach-file-{}", fid.get_value());
    view! {
        <section class="panel evidence" aria-labelledby="evidence-title">
            <h3 id="evidence-title">"Attachments"</h3>
            <p class="hint">
                "Photos and files kept with this finding as evidence. They are stored in this browser and travel in the register file when it is exported with attachments. Photos are scaled down to "
                {profile::photo_side()} " pixels on their longest side."
            </p>
            {move || {
                let items = list();
                if items.is_empty() {
                    return view! { <p>"No files attached."</p> }.into_any();
                }
                view! {
                    <ul class="evidence-list">
                        {items
                            .into_iter()
                            .map(|a| view! { <EvidenceItem finding=fid.get_value() a=a held /> })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <div class="actions">
                <input
                    id=photo_id
                    class="file-input visually-hidden"
                    type="file"
                    accept="image/*"
                    capture="environment"
                    disabled=move || busy.get()
                    on:change=add
                />
                <label for=photo_id class="file-button">
                    "Take a photo"
                </label>
                <input
                    id=file_id
                    class="file-input visually-hidden"
                    type="file"
                    multiple
                    disabled=move || busy.get()
                    on:change=add
                />
                <label for=file_id class="file-button">
                    "Attach files"
                </label>
            </div>
            <p role="status" class="hint">
                {move || busy.get().then_some("Storing the files…")}
            </p>
        </section>
    }
}

/// Prepares (a photo scaled down), stores and records one picked file.
async fn attach(store: Store, finding: &str, file: &web_sys::File) {
    let name = file.name();
    if file.size() > MAX_ATTACHMENT_BYTES as f64 * 4.0 {
        store.error(format!(
            "{name} is {}; files over {} are not attached.",
            human_bytes(file.size()),
            human_bytes(MAX_ATTACHMENT_BYTES as f64)
        ));
        return;
    }
    let (bytes, name, mime) = match attachments::prepare(file, profile::photo_side()).await {
        Ok(p) => p,
        Err(e) => {
            store.error(format!(
                "{name} could not be read ({e}). Nothing was attached."
            ));
            return;
        }
    };
    if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
        store.error(format!(
            "{name} is {}; files over {} are not attached.",
            human_bytes(bytes.len() as f64),
            human_bytes(MAX_ATTACHMENT_BYTES as f64)
        ));
        return;
    }
    let hash = match attachments::put(&bytes).await {
        Ok((hash, _)) => hash,
        Err(e) => {
            store.error(format!("{name} was not stored: {e}. Nothing was attached."));
            return;
        }
    };
    let record = Attachment {
        hash,
        name,
        mime,
        size: bytes.len() as u64,
        ..Attachment::default()
    };
    if let Err(e) = store.add_attachment(finding, record) {
        store.error(e);
    }
}

#[component]
fn EvidenceItem(
    finding: String,
    a: Attachment,
    held: RwSignal<BTreeMap<String, Held>>,
) -> impl IntoView {
    let store = use_store();
    let hash = StoredValue::new(a.hash.clone());
    let state = move || held.with(|h| h.get(&hash.get_value()).cloned());
    let name = a.name.clone();
    let download = {
        let (hash, name) = (a.hash.clone(), a.name.clone());
        move |_| {
            let (hash, name) = (hash.clone(), name.clone());
            spawn_local(async move {
                match attachments::bytes(&hash).await {
                    Ok(Some(bytes)) => {
                        if let Err(e) = files::download(&bytes, &name, "application/octet-stream") {
                            store.error(format!("{name} could not be downloaded ({e})."));
                        }
                    }
                    _ => store.error(format!("{name} is not stored in this browser.")),
                }
            });
        }
    };
    let remove = {
        let id = a.id.clone();
        move |_| {
            if let Err(e) = store.remove_attachment(&finding, &id) {
                store.error(e);
            }
        }
    };
    let details = format!(
        "{} · added by {} on {}",
        human_bytes(a.size as f64),
        if a.added_by.is_empty() {
            "someone"
        } else {
            &a.added_by
        },
        a.added_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into())
    );
    let alt = format!("Photo {name}");
    view! {
        <li class="evidence-item">
            {move || match state() {
                Some(Held::Stored(Some(url))) => {
                    view! { <img class="thumb" src=url alt=alt.clone() /> }.into_any()
                }
                _ => ().into_any(),
            }} <div>
                <span class="evidence-name">{name.clone()}</span>
                <span class="hint">{details}</span>
                {move || {
                    (state() == Some(Held::Missing))
                        .then(|| {
                            view! {
                                <span class="evidence-missing">
                                    "Missing: this browser does not have this file (the register file it came in was exported without attachments)."
                                </span>
                            }
                        })
                }}
            </div> <div class="actions">
                <button
                    type="button"
                    disabled=move || !matches!(state(), Some(Held::Stored(_)))
                    on:click=download
                >
                    "Download"
                    <span class="visually-hidden">{format!(" {name}")}</span>
                </button>
                <button type="button" on:click=remove>
                    "Remove"
                    <span class="visually-hidden">{format!(" {name}")}</span>
                </button>
            </div>
        </li>
    }
}
