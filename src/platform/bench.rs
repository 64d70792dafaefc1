//! Automerge's own cost for the document work the browser benchmark
//! (`e2e/bench/perf.bench.ts`) times through the app: the floor the app's
//! figures are compared with, measured in the same page, the same build and
//! the same run. Only the benchmark calls it; it reads nothing the app
//! keeps and writes nothing anywhere.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ReadDoc, ROOT};
use wasm_bindgen::prelude::*;

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = now();
    let out = f();
    (out, now() - start)
}

/// Milliseconds, as JSON: `load` (the register file), `save` (all of it),
/// `edit` (one title put, committed, and the chunk since the last save, as
/// the app stores per edit; median of 21), `first edit` (the first of
/// those: the document's first change by a new actor, as each page
/// session's first edit is, costs Automerge a rewrite of its actor
/// columns), `merge` (loading the diverged
/// copy and merging it in) and `read` (walking every finding's title, the
/// least a table needs). `error` instead when a file does not load.
///
/// Automerge is the engine's (`crate::engine`): the figures are taken in
/// its module, once it has arrived, so the export answers with a promise.
#[wasm_bindgen(js_name = ncrBenchLimits)]
pub async fn bench_limits(register: Vec<u8>, diverged: Vec<u8>) -> String {
    match crate::engine::ready().await {
        Ok(engine) => engine.bench_limits(&register, &diverged),
        Err(e) => format!("{{\"error\":{}}}", serde_json::Value::from(e)),
    }
}

pub(crate) fn bench_limits_now(register: &[u8], diverged: &[u8]) -> String {
    let (loaded, load) = timed(|| AutoCommit::load(register));
    let Ok(mut doc) = loaded else {
        return r#"{"error":"the register does not load"}"#.into();
    };
    let (_, save) = timed(|| doc.save());
    let Some((ObjType::Map, findings)) = doc
        .get(ROOT, "findings")
        .ok()
        .flatten()
        .and_then(|(v, id)| v.to_objtype().map(|t| (t, id)))
    else {
        return r#"{"error":"no findings map"}"#.into();
    };
    let keys: Vec<String> = doc.keys(&findings).collect();
    let (titles, read) = timed(|| {
        keys.iter()
            .filter_map(|k| {
                let (_, f) = doc.get(&findings, k.as_str()).ok()??;
                doc.get(&f, "title").ok()?
            })
            .count()
    });
    let mut edits = Vec::new();
    for i in 0..21 {
        let key = &keys[(i * 7919) % keys.len().max(1)];
        let (_, t) = timed(|| {
            if let Ok(Some((_, f))) = doc.get(&findings, key.as_str()) {
                let _ = doc.put(&f, "title", format!("Limit edit {i}"));
            }
            doc.save_incremental()
        });
        edits.push(t);
    }
    let first_edit = edits[0];
    edits.sort_by(f64::total_cmp);
    let (merged, merge) = timed(|| {
        AutoCommit::load(diverged)
            .ok()
            .map(|mut other| doc.merge(&mut other).is_ok())
    });
    serde_json::json!({
        "load": load,
        "save": save,
        "read": read,
        "titles": titles,
        "edit": edits[edits.len() / 2],
        "first edit": first_edit,
        "merge": merge,
        "merged": merged == Some(true),
    })
    .to_string()
}
