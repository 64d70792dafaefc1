//! The attachments' bytes: an IndexedDB database of their own
//! (`ncr-attachments`, one object store keyed by the bytes' SHA-256), and
//! photos scaled down by the browser before they are stored.
//!
//! A database of its own rather than a second store in the registers'
//! database: adding a store means a version upgrade, which every open tab
//! of an older version would block. Keyed by content, shared by every
//! register in this browser: a photo received in three files, or attached
//! to two findings, is stored once. Values are `Blob`s, so sizes are summed
//! and thumbnails shown without copying bytes into the page.

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, Query, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::files::js_error;
use ncr_core::attachment;

/// The database's name (e2e tests count its records).
pub const DATABASE: &str = "ncr-attachments";
const STORE: &str = "blobs";
const VERSION: u32 = 1;

/// JPEG quality of a scaled-down photo: labels and screens stay legible.
const PHOTO_QUALITY: f64 = 0.85;

async fn open() -> Result<Database, String> {
    let factory = Factory::new().map_err(|e| e.to_string())?;
    let mut request = factory
        .open(DATABASE, Some(VERSION))
        .map_err(|e| e.to_string())?;
    request.on_upgrade_needed(|event| {
        let Ok(db) = event.database() else { return };
        if !db.store_names().iter().any(|n| n == STORE) {
            let _ = db.create_object_store(STORE, ObjectStoreParams::new());
        }
    });
    request.await.map_err(|e| e.to_string())
}

fn quota_sentence(e: idb::Error) -> String {
    let text = format!("{e:?} {e}");
    if text.contains("QuotaExceeded") || text.contains("quota") {
        "this browser's storage for the site is full".into()
    } else {
        e.to_string()
    }
}

fn blob_of(bytes: &[u8]) -> Result<web_sys::Blob, String> {
    let parts = js_sys::Array::new();
    parts.push(&js_sys::Uint8Array::from(bytes).into());
    web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_error)
}

/// Stores `bytes` under their hash unless already stored; whether they
/// were new. The hash is computed here, never taken from the caller.
pub async fn put(bytes: &[u8]) -> Result<(String, bool), String> {
    let hash = attachment::sha256_hex(bytes);
    let db = open().await?;
    let result = async {
        let tx = db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(quota_sentence)?;
        let store = tx.object_store(STORE).map_err(quota_sentence)?;
        let key = JsValue::from_str(&hash);
        let held = store
            .count(Some(Query::Key(key.clone())))
            .map_err(quota_sentence)?
            .await
            .map_err(quota_sentence)?;
        if held > 0 {
            tx.await.map_err(quota_sentence)?;
            return Ok(false);
        }
        store
            .put(&blob_of(bytes)?.into(), Some(&key))
            .map_err(quota_sentence)?
            .await
            .map_err(quota_sentence)?;
        let done = tx.await.map_err(quota_sentence)?;
        if done.is_committed() {
            Ok(true)
        } else {
            Err("this browser's storage for the site is full".to_owned())
        }
    }
    .await;
    db.close();
    result.map(|new| (hash, new))
}

/// The stored blob of `hash`, if this browser has it.
pub async fn blob(hash: &str) -> Result<Option<web_sys::Blob>, String> {
    let db = open().await?;
    let result = async {
        let tx = db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(|e| e.to_string())?;
        let store = tx.object_store(STORE).map_err(|e| e.to_string())?;
        let value = store
            .get(JsValue::from_str(hash))
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        Ok(value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()))
    }
    .await;
    db.close();
    result
}

/// The stored bytes of `hash`, if this browser has them.
pub async fn bytes(hash: &str) -> Result<Option<Vec<u8>>, String> {
    match blob(hash).await? {
        Some(b) => {
            let buffer = JsFuture::from(b.array_buffer()).await.map_err(js_error)?;
            Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
        }
        None => Ok(None),
    }
}

/// How many attachments this browser stores, and their bytes.
pub async fn usage() -> Result<(usize, u64), String> {
    let db = open().await?;
    let result = async {
        let tx = db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(|e| e.to_string())?;
        let store = tx.object_store(STORE).map_err(|e| e.to_string())?;
        // Blobs: reading them all copies no bytes into the page.
        let values = store
            .get_all(None, None)
            .map_err(|e| e.to_string())?
            .await
            .map_err(|e| e.to_string())?;
        let bytes = values
            .iter()
            .filter_map(|v| v.dyn_ref::<web_sys::Blob>().map(web_sys::Blob::size))
            .sum::<f64>();
        Ok((values.len(), bytes as u64))
    }
    .await;
    db.close();
    result
}

/// A picked file as it will be stored: a photo larger than `max_side`
/// pixels on its longest side is scaled down and stored as a JPEG (name
/// and type follow); any other file is kept byte for byte. A photo the
/// browser cannot decode is kept as it is too.
pub async fn prepare(
    file: &web_sys::File,
    max_side: u32,
) -> Result<(Vec<u8>, String, String), String> {
    let name = file.name();
    let mime = attachment::clean_mime(&file.type_());
    if attachment::is_scalable(&mime) {
        if let Ok(Some(jpeg)) = scale_down(file, max_side).await {
            let stem = name.rsplit_once('.').map_or(name.as_str(), |(s, _)| s);
            return Ok((jpeg, format!("{stem}.jpg"), "image/jpeg".into()));
        }
    }
    Ok((super::files::read(file).await?, name, mime))
}

/// The photo scaled to `max_side` as JPEG bytes; `None` when it already fits.
async fn scale_down(file: &web_sys::File, max_side: u32) -> Result<Option<Vec<u8>>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_blob(file)
        .map_err(js_error)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    let longest = w.max(h);
    if longest <= max_side || w == 0 || h == 0 {
        bitmap.close();
        return Ok(None);
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let (nw, nh) = (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    );
    let canvas = web_sys::OffscreenCanvas::new(nw, nh).map_err(js_error)?;
    let context: web_sys::OffscreenCanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no 2d context")?
        .unchecked_into();
    // JPEG has no transparency: a transparent PNG gets white, not black.
    context.set_fill_style_str("#fff");
    context.fill_rect(0.0, 0.0, f64::from(nw), f64::from(nh));
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(nw), f64::from(nh))
        .map_err(js_error)?;
    bitmap.close();
    let options = web_sys::ImageEncodeOptions::new();
    options.set_type("image/jpeg");
    options.set_quality(PHOTO_QUALITY);
    let blob: web_sys::Blob = JsFuture::from(
        canvas
            .convert_to_blob_with_options(&options)
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?
    .unchecked_into();
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(js_error)?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// An object URL for a stored blob (to show as a thumbnail); the caller
/// revokes it when the thumbnail goes.
pub fn object_url(blob: &web_sys::Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}
