//! Untrusted files are read away from the page first.
//!
//! Automerge's loader can panic on some crafted files, and the release build
//! aborts on a panic, which would kill the whole app. So every register file
//! the person picks is first read by [`check_file`] in a throwaway Web
//! Worker running the same wasm (`public/check-worker.js`, started as a
//! module worker next to `index.html`): it opens the file as the import
//! would (`RegisterDoc::open_file`) and answers with one message. Only when
//! that answer is "fine" (safe to read) does the page read the file itself. A worker that
//! fails (a panic, a trap, a thrown error) or does not answer within
//! [`TIME_LIMIT_MS`] is a refusal with [`UNSAFE`]; the page goes on.
//!
//! Workbooks are read the same way, by a module of their own
//! ([`read_workbook`], `crates/sheet-reader`), which also keeps the reader
//! out of the app's module until a workbook is imported.
//!
//! "Check a report" reads its file there from start to finish
//! ([`check_report`]): the answer is all the page needs, so the page never
//! reads that file at all, and rebuilding a past state of a large register
//! does not hold up the page.
//!
//! Both ends of each check live here: [`check_file`] and [`check_report`]
//! on the page, [`ncr_check_file`] and [`ncr_check_report`], the exports
//! the worker calls.

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::platform::clock::system_clock;
use crate::platform::files::js_error;
use ncr_core::document::{DocError, RegisterDoc};
use ncr_core::exchange::sealed::{Answer as CryptAnswer, KeyPair, Keys, Lock, OpenError, Qr};
use ncr_core::exchange::workbook::{SheetAnswer, WorkbookAnswer, WorkbookTable};
use ncr_core::fingerprint::{self, CheckOutcome, Fingerprint};
use ncr_core::model::RegisterInfo;

/// The refusal for a file that made the reader fail or hang.
pub const UNSAFE: &str =
    "This file could not be read safely: it made the reader fail. Nothing was changed.";

/// How long the worker may take before the file is refused.
pub const TIME_LIMIT_MS: i32 = 60_000;

/// The worker script, beside the app's JS glue (Trunk copies it from
/// `public/`, see `index.html`).
const WORKER_SCRIPT: &str = "check-worker.js";

/// The worker's one answer, as JSON (a string, so the worker script only
/// passes it on). `Failed` is written by the worker script itself when the
/// app's code threw or trapped (`stage: "read"`) or did not start
/// (`stage: "start"`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Answer {
    Ok(Checked),
    Error(String),
    Failed { stage: String, message: String },
}

/// What the check of a register file found: the register's identity and
/// how many live findings it holds (what the choice for a file of another
/// register says), read where the file was opened anyway, so the page does
/// not open a large file a second time just to count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checked {
    pub info: RegisterInfo,
    pub findings: usize,
}

/// The check, run in the worker: reads the file as the page would, all of
/// it (the strict open, as a fresh copy with a random actor), and answers
/// with the register's identity, or with the sentence of a file that is not
/// a register at all (damaged, another format, a newer version). Never
/// called on the page: a file that makes this panic aborts only the
/// worker's instance.
///
/// "Fine" means "safe to read", not "acceptable": a register whose items
/// the strict open refuses is still answered with its identity, because the
/// page refuses it itself, with the sentence of what it was about to do
/// (merge, open, copy), after running the same reading code here first.
///
/// A bundle (the register file with attachments) is unpacked here first,
/// every attachment checked against its hash, and its register read as
/// above: a bundle the page then unpacks has already been unpacked once,
/// without harm, by the same code.
#[wasm_bindgen]
pub fn ncr_check_file(bytes: &[u8]) -> String {
    match crate::engine::get() {
        Some(engine) => engine.check_file(bytes),
        None => not_started(NO_ENGINE.into()),
    }
}

/// Fetches the engine's module in the worker (`crate::engine`), before a
/// check is called: the checks are Automerge's work, and run at once once
/// it is here, so a trap in one is the call's own. Empty when it arrived,
/// else the sentence of why not.
#[wasm_bindgen]
pub async fn ncr_engine_ready() -> String {
    match crate::engine::ready().await {
        Ok(_) => String::new(),
        // Said in the page's sentence about a reader that did not start.
        Err(_) => "its code did not arrive".into(),
    }
}

const NO_ENGINE: &str = "the app's code for registers is not loaded in the worker";

/// The answer of a worker whose engine module did not arrive.
fn not_started(message: String) -> String {
    let answer = Answer::Failed {
        stage: "start".into(),
        message,
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"error":"unreadable answer"}"#.into())
}

/// [`ncr_check_file`], in the engine's module (`crate::engine`): reading
/// the file is Automerge's work.
pub(crate) fn check_file_now(bytes: &[u8]) -> String {
    let unbundled;
    let bytes = if ncr_core::exchange::bundle::is_bundle(bytes) {
        match ncr_core::exchange::bundle::unbundle(bytes) {
            Ok(u) => {
                unbundled = u;
                unbundled.register.as_slice()
            }
            Err(e) => {
                return serde_json::to_string(&Answer::Error(e.to_string()))
                    .unwrap_or_else(|_| r#"{"error":"unreadable answer"}"#.into())
            }
        }
    } else {
        bytes
    };
    let checked = |doc: &RegisterDoc, info| Checked {
        info,
        findings: doc.live_findings().count(),
    };
    let answer = match RegisterDoc::open_file(bytes, automerge::ActorId::random(), system_clock) {
        Ok(doc) => match doc.info() {
            Some(info) => Answer::Ok(checked(&doc, info)),
            None => Answer::Error(DocError::NotARegister.to_string()),
        },
        // Refused by the strict open, yet a register: counted as the
        // stored-data open reads it (the page refuses it itself when the
        // person picks what to do with it).
        Err(_) => match RegisterDoc::peek(bytes) {
            Ok(info) => {
                match RegisterDoc::open(bytes, automerge::ActorId::random(), system_clock) {
                    Ok(doc) => Answer::Ok(checked(&doc, info)),
                    Err(_) => Answer::Ok(Checked { info, findings: 0 }),
                }
            }
            Err(e) => Answer::Error(e.to_string()),
        },
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"error":"unreadable answer"}"#.into())
}

#[wasm_bindgen]
extern "C" {
    /// The URL of the app's JS glue (an ES module under Trunk), which the
    /// worker imports; the worker script lies beside it.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

/// Reads `bytes` in a throwaway worker and returns the register's identity
/// and its count of live findings if the file opens there, or the sentence
/// to show. Never panics on the file's account and never reads the file on
/// the page.
pub async fn check_file(bytes: &[u8]) -> Result<Checked, String> {
    let glue = GLUE_URL.with(Clone::clone);
    let answer = in_worker(&glue, wasm_bindgen::module(), "ncr_check_file", bytes, "")
        .await
        .map_err(|e| {
            format!("This file could not be checked: the file reader did not start ({e}). Nothing was changed.")
        })?;
    match answer
        .and_then(|a| a.as_string())
        .and_then(|a| serde_json::from_str::<Answer>(&a).ok())
    {
        Some(Answer::Ok(checked)) => Ok(checked),
        Some(Answer::Error(sentence)) => Err(sentence),
        Some(Answer::Failed { stage, message }) if stage == "start" => Err(format!(
            "This file could not be checked: the file reader did not start ({message}). Nothing was changed."
        )),
        Some(Answer::Failed { .. }) | None => Err(UNSAFE.into()),
    }
}

/// The spreadsheet module (crates/sheet-reader: workbooks read and
/// written), beside the app's glue: Trunk names a worker's files after its
/// crate, without a hash.
const SHEET_READER_GLUE: &str = "nc-sheet-reader.js";
const SHEET_READER_WASM: &str = "nc-sheet-reader_bg.wasm";

/// Reads a workbook's sheets in a throwaway worker running the workbook
/// reader's own module, fetched only now (and kept offline by the service
/// worker). Every sheet comes back, each a table or the sentence why not.
pub async fn read_workbook(bytes: &[u8]) -> Result<Vec<SheetAnswer>, String> {
    let started = |e: String| {
        format!("This workbook could not be read: the workbook reader did not start ({e}). Nothing was imported.")
    };
    let answer = in_module(
        SHEET_READER_GLUE,
        SHEET_READER_WASM,
        "ncr_read_workbook",
        bytes,
        "",
    )
    .await
    .map_err(started)?;
    let Some(text) = answer.and_then(|a| a.as_string()) else {
        return Err(UNSAFE_WORKBOOK.into());
    };
    if let Ok(Answer::Failed { stage, message }) = serde_json::from_str::<Answer>(&text) {
        return Err(if stage == "start" {
            started(message)
        } else {
            UNSAFE_WORKBOOK.into()
        });
    }
    match serde_json::from_str::<WorkbookAnswer>(&text) {
        Ok(WorkbookAnswer::Ok(sheets)) => Ok(sheets),
        Ok(WorkbookAnswer::Error(sentence)) => Err(sentence),
        Err(_) => Err(UNSAFE_WORKBOOK.into()),
    }
}

/// Runs `call` of a module of its own (glue and wasm named as Trunk names
/// a worker's files, beside the app's glue) in a throwaway worker: the
/// module is fetched only now, and kept offline by the service worker.
async fn in_module(
    glue: &str,
    wasm: &str,
    call: &str,
    bytes: &[u8],
    arg: &str,
) -> Result<Option<JsValue>, String> {
    let base = GLUE_URL.with(Clone::clone);
    let url = |file: &str| {
        web_sys::Url::new_with_base(file, &base)
            .map(|u| u.href())
            .map_err(js_error)
    };
    in_worker(
        &url(glue)?,
        JsValue::from_str(&url(wasm)?),
        call,
        bytes,
        arg,
    )
    .await
}

/// The refusal for a workbook that made the reader fail or hang.
pub const UNSAFE_WORKBOOK: &str =
    "This workbook could not be read safely: it made the reader fail. Nothing was imported.";

/// The answer of [`ncr_check_report`], as JSON; `Failed` as for [`Answer`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum ReportAnswer {
    Ok(CheckOutcome),
    Error(String),
    Failed { stage: String, message: String },
}

/// "Check a report", run in the worker: whether the register file holds
/// the state `typed` (a fingerprint as the person typed it) names. The file
/// is read leniently, as stored data is: a report printed from a register
/// with an item this version cannot read is still checked, and nothing of
/// the file is kept.
#[wasm_bindgen]
pub fn ncr_check_report(bytes: &[u8], typed: &str) -> String {
    match crate::engine::get() {
        Some(engine) => engine.check_report(bytes, typed),
        None => not_started(NO_ENGINE.into()),
    }
}

/// [`ncr_check_report`], in the engine's module.
pub(crate) fn check_report_now(bytes: &[u8], typed: &str) -> String {
    // A bundle's register is what the report was printed from.
    let register = if ncr_core::exchange::bundle::is_bundle(bytes) {
        ncr_core::exchange::bundle::unbundle(bytes).map(|u| u.register)
    } else {
        Ok(bytes.to_vec())
    };
    let answer = match (typed.parse::<Fingerprint>(), register) {
        (Err(e), _) => ReportAnswer::Error(e.to_string()),
        (_, Err(e)) => ReportAnswer::Error(e.to_string()),
        (Ok(fp), Ok(bytes)) => {
            match RegisterDoc::open(&bytes, automerge::ActorId::random(), system_clock) {
                Ok(doc) => ReportAnswer::Ok(fingerprint::check(&doc, &fp)),
                Err(e) => ReportAnswer::Error(e.to_string()),
            }
        }
    };
    serde_json::to_string(&answer).unwrap_or_else(|_| r#"{"error":"unreadable answer"}"#.into())
}

/// Whether the register file `bytes` holds the state the fingerprint
/// `typed` names, worked out in a throwaway worker; `Err` is the sentence
/// to show (a file that is no register, or made the reader fail).
pub async fn check_report(bytes: &[u8], typed: &str) -> Result<CheckOutcome, String> {
    let glue = GLUE_URL.with(Clone::clone);
    let answer = in_worker(
        &glue,
        wasm_bindgen::module(),
        "ncr_check_report",
        bytes,
        typed,
    )
    .await
    .map_err(|e| format!("This file could not be checked: the file reader did not start ({e})."))?;
    match answer
        .and_then(|a| a.as_string())
        .and_then(|a| serde_json::from_str::<ReportAnswer>(&a).ok())
    {
        Some(ReportAnswer::Ok(outcome)) => Ok(outcome),
        Some(ReportAnswer::Error(sentence)) => Err(sentence),
        Some(ReportAnswer::Failed { stage, message }) if stage == "start" => Err(format!(
            "This file could not be checked: the file reader did not start ({message})."
        )),
        Some(ReportAnswer::Failed { .. }) | None => Err(UNSAFE.into()),
    }
}

/// The encryption module (crates/crypt), beside the app's glue.
const CRYPT_GLUE: &str = "nc-crypt.js";
const CRYPT_WASM: &str = "nc-crypt_bg.wasm";

/// The refusal for a file that made the encryption module fail or hang.
pub const UNSAFE_SEALED: &str =
    "This encrypted file could not be read safely: it made the decryption fail. Nothing was changed.";

/// Calls the encryption module; `Err` is the sentence to show.
async fn in_crypt(call: &str, bytes: &[u8], arg: &str, failed: &str) -> Result<JsValue, String> {
    in_named_module(
        (CRYPT_GLUE, CRYPT_WASM),
        "The encryption module",
        call,
        bytes,
        arg,
        failed,
    )
    .await
}

/// [`in_module`], its failures said as sentences: `what` did not start, or
/// `failed` (the call trapped, or gave no answer).
async fn in_named_module(
    (glue, wasm): (&str, &str),
    what: &str,
    call: &str,
    bytes: &[u8],
    arg: &str,
    failed: &str,
) -> Result<JsValue, String> {
    let started = |e: String| format!("{what} did not start ({e}).");
    let answer = in_module(glue, wasm, call, bytes, arg)
        .await
        .map_err(started)?
        .ok_or_else(|| failed.to_owned())?;
    if let Some(text) = answer.as_string() {
        if let Ok(Answer::Failed { stage, message }) = serde_json::from_str::<Answer>(&text) {
            return Err(if stage == "start" {
                started(message)
            } else {
                failed.to_owned()
            });
        }
    }
    Ok(answer)
}

/// The XLSX export's cells written as a workbook, in a throwaway worker
/// running the spreadsheet module (crates/sheet-reader), fetched only now:
/// the app's own module carries no workbook writer. `Err` is the sentence
/// to show.
pub async fn write_workbook(
    table: &WorkbookTable,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, String> {
    let failed = "The workbook could not be written: the spreadsheet module failed.";
    let bytes = serde_json::to_vec(table).map_err(|e| e.to_string())?;
    let answer = in_named_module(
        (SHEET_READER_GLUE, SHEET_READER_WASM),
        "The spreadsheet module",
        "ncr_write_workbook",
        &bytes,
        &today.format("%Y-%m-%d").to_string(),
        failed,
    )
    .await?;
    match bytes_or::<CryptAnswer<()>>(answer) {
        Ok(workbook) => Ok(workbook),
        Err(Some(CryptAnswer::Error(sentence))) => Err(sentence),
        Err(_) => Err(failed.into()),
    }
}

/// The bytes of a `Uint8Array` answer, or the answer's JSON.
fn bytes_or<T: serde::de::DeserializeOwned>(answer: JsValue) -> Result<Vec<u8>, Option<T>> {
    match answer.dyn_into::<js_sys::Uint8Array>() {
        Ok(array) => Ok(array.to_vec()),
        Err(other) => Err(other
            .as_string()
            .and_then(|t| serde_json::from_str::<T>(&t).ok())),
    }
}

/// Seals a register file with a passphrase or to people's keys, in a
/// throwaway worker (scrypt's second of work and memory stay off the page).
pub async fn seal(bytes: &[u8], lock: &Lock) -> Result<Vec<u8>, String> {
    let lock = serde_json::to_string(lock).map_err(|e| e.to_string())?;
    let failed = "The file could not be encrypted: the encryption failed.";
    let answer = in_crypt("ncr_seal", bytes, &lock, failed).await?;
    match bytes_or::<CryptAnswer<()>>(answer) {
        Ok(sealed) => Ok(sealed),
        Err(Some(CryptAnswer::Error(sentence))) => Err(sentence),
        Err(_) => Err(failed.into()),
    }
}

/// What opening a sealed file came to.
pub enum Opened {
    /// The file inside, to be read like any other.
    Plain(Vec<u8>),
    /// Refused: the kind (a passphrase may be all it needs) and the sentence.
    Refused(OpenError, String),
}

/// Opens a sealed file in a throwaway worker. `Err` is a sentence for a
/// file that made the module fail.
pub async fn open_sealed(bytes: &[u8], keys: &Keys) -> Result<Opened, String> {
    let keys = serde_json::to_string(keys).map_err(|e| e.to_string())?;
    let answer = in_crypt("ncr_open", bytes, &keys, UNSAFE_SEALED).await?;
    match bytes_or::<CryptAnswer<()>>(answer) {
        Ok(plain) => Ok(Opened::Plain(plain)),
        Err(Some(CryptAnswer::Refused { kind, sentence })) => Ok(Opened::Refused(kind, sentence)),
        Err(Some(CryptAnswer::Error(sentence))) => Err(sentence),
        Err(_) => Err(UNSAFE_SEALED.into()),
    }
}

/// A JSON answer of the encryption module.
async fn crypt_json<T: serde::de::DeserializeOwned>(call: &str, arg: &str) -> Result<T, String> {
    let failed = "The encryption module did not answer.";
    let answer = in_crypt(call, &[], arg, failed).await?;
    match answer
        .as_string()
        .and_then(|t| serde_json::from_str::<CryptAnswer<T>>(&t).ok())
    {
        Some(CryptAnswer::Ok(value)) => Ok(value),
        Some(CryptAnswer::Error(sentence)) | Some(CryptAnswer::Refused { sentence, .. }) => {
            Err(sentence)
        }
        None => Err(failed.into()),
    }
}

/// A new age key pair, made in the encryption module.
pub async fn new_key_pair() -> Result<KeyPair, String> {
    crypt_json("ncr_new_key", "").await
}

/// A public key as typed, checked and trimmed.
pub async fn check_recipient(key: &str) -> Result<String, String> {
    crypt_json("ncr_check_recipient", key).await
}

/// The public key of a secret key pasted in.
pub async fn public_key_of(secret: &str) -> Result<String, String> {
    crypt_json("ncr_public_key_of", secret).await
}

/// The QR code of a public key.
pub async fn key_qr(text: &str) -> Result<Qr, String> {
    crypt_json("ncr_key_qr", text).await
}

/// Runs `call` (an `ncr_…` export of the module whose glue is at `glue`)
/// on `bytes` (and `arg`, a second argument for the exports that take one)
/// in a throwaway worker, and ends the worker. `Err` when the worker did
/// not start; `Ok(None)` when it failed outside the call or ran out of
/// time; otherwise its one answer (a JSON string, or bytes).
async fn in_worker(
    glue: &str,
    module: JsValue,
    call: &str,
    bytes: &[u8],
    arg: &str,
) -> Result<Option<JsValue>, String> {
    let worker = start_worker()?;
    let answer = ask(&worker, glue, module, call, bytes, arg).await;
    worker.terminate();
    Ok(answer)
}

/// The worker script lies beside the app's glue, whichever module it then
/// runs.
fn start_worker() -> Result<web_sys::Worker, String> {
    let base = GLUE_URL.with(Clone::clone);
    let url = web_sys::Url::new_with_base(WORKER_SCRIPT, &base).map_err(js_error)?;
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    options.set_name("ncr-file-check");
    web_sys::Worker::new_with_options(&url.href(), &options).map_err(js_error)
}

/// Sends the file and waits for the one answer; `None` when the worker
/// failed outside the call (an error event, a message that cannot be
/// read) or ran out of time.
async fn ask(
    worker: &web_sys::Worker,
    glue: &str,
    module: JsValue,
    call: &str,
    bytes: &[u8],
    arg: &str,
) -> Option<JsValue> {
    let window = web_sys::window()?;
    let mut settle: Option<js_sys::Function> = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| settle = Some(resolve));
    let settle = settle?;

    // Every way out settles the promise: the answer (a string), or
    // anything else (null for a failure, undefined for the time limit).
    // The limit runs first for the worker's start, then again from its
    // `started` message for the call itself: the app's checks fetch the
    // engine's module first (crate::engine), which on a slow first visit
    // is the network's time, not the file's.
    let timer = std::rc::Rc::new(std::cell::Cell::new(
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(&settle, TIME_LIMIT_MS)
            .ok()?,
    ));
    let on_message = {
        let settle = settle.clone();
        let timer = timer.clone();
        let window = window.clone();
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            let started = data.is_object()
                && js_sys::Reflect::get(&data, &JsValue::from_str("started"))
                    .is_ok_and(|v| v.is_truthy());
            if started {
                window.clear_timeout_with_handle(timer.get());
                if let Ok(t) = window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&settle, TIME_LIMIT_MS)
                {
                    timer.set(t);
                }
                return;
            }
            let _ = settle.call1(&JsValue::NULL, &data);
        })
    };
    let on_failure = {
        let settle = settle.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            // Handled here: not reported as the page's uncaught error.
            e.prevent_default();
            let _ = settle.call1(&JsValue::NULL, &JsValue::NULL);
        })
    };
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_failure.as_ref().unchecked_ref()));
    worker.set_onmessageerror(Some(on_failure.as_ref().unchecked_ref()));

    let copy = js_sys::Uint8Array::from(bytes).buffer();
    let message = js_sys::Object::new();
    let posted = [
        ("glue", JsValue::from_str(glue)),
        ("module", module),
        ("call", JsValue::from_str(call)),
        ("bytes", copy.clone().into()),
        ("arg", JsValue::from_str(arg)),
    ]
    .iter()
    .all(|(key, value)| js_sys::Reflect::set(&message, &JsValue::from_str(key), value).is_ok())
        && worker
            .post_message_with_transfer(&message, &js_sys::Array::of1(&copy))
            .is_ok();
    let data = if posted {
        JsFuture::from(promise).await.ok()
    } else {
        None
    };

    window.clear_timeout_with_handle(timer.get());
    worker.set_onmessage(None);
    worker.set_onerror(None);
    worker.set_onmessageerror(None);
    drop((on_message, on_failure));
    data.filter(|d| !d.is_null() && !d.is_undefined())
}
