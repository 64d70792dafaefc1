//! Measurements in Chromium, printed, never asserted. Run with
//!
//!     cargo test --release --target wasm32-unknown-unknown --test browser bench:: -- --nocapture --include-ignored
//!
//! (ignored by default: building 10,000 findings takes a while, and the
//! figures belong in docs/BENCHMARKS.md, not in a pass/fail).
use automerge::ActorId;
use chrono::NaiveDate;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, Grade};
use ncr_core::query::{self, Query};
use wasm_bindgen_test::{console_log, wasm_bindgen_test};

fn clock() -> i64 {
    1_795_000_000_000
}

fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
#[ignore]
async fn filter_10000_findings_per_keystroke() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let mut doc = RegisterDoc::create(
        ActorId::random(),
        &Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        },
        NewRegister {
            name: "Big".into(),
            ..Default::default()
        },
        "big".into(),
        clock,
    )
    .unwrap();
    let t0 = now();
    for i in 0..10_000 {
        doc.add_finding(format!("f{i:05}"), today, |f| {
            f.title = format!("Access review not performed for system {i}");
            f.statement = "User access rights were not reviewed at planned intervals.".into();
            f.evidence = format!("Ticket INC-{i}; 14 leavers still active.");
            f.grade = if i % 3 == 0 {
                Grade::Major
            } else {
                Grade::Minor
            };
            f.owner = format!("Owner {}", i % 40);
            f.requirements.insert("A.5.18".into(), true);
        })
        .unwrap();
    }
    console_log!("create 10,000 findings: {:.0} ms", now() - t0);
    let bytes = doc.save();
    console_log!("save: {} bytes", bytes.len());
    let t0 = now();
    let opened = RegisterDoc::open(&bytes, ActorId::random(), clock).unwrap();
    console_log!("open + hydrate 10,000 findings: {:.0} ms", now() - t0);
    let settings = opened.settings();
    // One query per prefix of a typed word, as each keystroke runs one.
    let typed = "leavers 4711";
    let mut times = Vec::new();
    for n in 1..=typed.len() {
        let q = Query {
            text: typed[..n].to_string(),
            ..Query::default()
        };
        let t0 = now();
        let shown = query::run(opened.findings().values(), &q, &settings, today);
        times.push((now() - t0, shown.len()));
    }
    for (n, (t, shown)) in times.iter().enumerate() {
        console_log!(
            "keystroke {:>2} {:?}: {:.2} ms, {} shown",
            n + 1,
            &typed[..n + 1],
            t,
            shown
        );
    }
    let mut sorted: Vec<f64> = times.iter().map(|(t, _)| *t).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    console_log!("median per keystroke: {:.2} ms", sorted[sorted.len() / 2]);
}

#[wasm_bindgen_test]
#[ignore]
fn local_storage_capacity() {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    // Largest single string value localStorage accepts, by bisection.
    let (mut lo, mut hi) = (0usize, 64 * 1024 * 1024);
    while hi - lo > 1024 {
        let mid = (lo + hi) / 2;
        let value = "A".repeat(mid);
        if storage.set_item("probe", &value).is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
        let _ = storage.remove_item("probe");
    }
    console_log!(
        "localStorage accepts at most about {} characters per origin",
        lo
    );
    // A 10,000-finding register saved by Automerge is about 0.8 MB of bytes;
    // as base64 text that is 4/3 as many characters.
}
