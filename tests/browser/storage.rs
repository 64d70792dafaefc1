//! The IndexedDB adapter passes the same conformance suite as the in-memory
//! one (tests/it/storage.rs), and the persistence rules hold on it, in Chromium.
use automerge::ActorId;
use chrono::NaiveDate;
use nc_register::platform::idb_storage::IdbStorage;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::Auditor;
use ncr_core::storage::{conformance, Persistence};
use wasm_bindgen_test::wasm_bindgen_test;

fn clock() -> i64 {
    1_795_000_000_000
}

#[wasm_bindgen_test]
async fn indexeddb_adapter_passes_the_conformance_suite() {
    IdbStorage::delete("ncr-conformance").await.unwrap();
    let storage = IdbStorage::open("ncr-conformance").await.unwrap();
    conformance::run(&storage).await;
    storage.close();
}

#[wasm_bindgen_test]
async fn a_register_saved_edit_by_edit_reopens_from_indexeddb() {
    IdbStorage::delete("ncr-persist").await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let p = Persistence::new(IdbStorage::open("ncr-persist").await.unwrap());
    let mut doc = RegisterDoc::create(
        ActorId::random(),
        &Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        },
        NewRegister {
            name: "Browser".into(),
            ..Default::default()
        },
        "reg-b".into(),
        clock,
    )
    .unwrap();
    p.save_snapshot(&mut doc).await.unwrap();
    for i in 0..20 {
        doc.add_finding(format!("f{i}"), today, |f| f.title = format!("Finding {i}"))
            .unwrap();
        p.save(&mut doc).await.unwrap();
    }
    // A second handle, as after a reload.
    let again = Persistence::new(IdbStorage::open("ncr-persist").await.unwrap());
    let loaded = again.load("reg-b", ActorId::random(), clock).await.unwrap();
    assert!(loaded.quarantined.is_empty());
    assert_eq!(loaded.doc.findings(), doc.findings());
    assert_eq!(again.registers().await.unwrap(), vec!["reg-b".to_string()]);
}
