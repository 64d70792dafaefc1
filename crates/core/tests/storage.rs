//! The storage port's rules, on the in-memory adapter. The browser adapter
//! runs the same conformance suite under wasm-bindgen-test (tests/browser.rs).

mod common;

use common::{block_on, clock, today};

use automerge::ActorId;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::Auditor;
use ncr_core::storage::{
    conformance, LoadError, MemoryStorage, Persistence, Storage, StorageError, INCREMENTAL,
    SNAPSHOT,
};

fn register() -> RegisterDoc {
    RegisterDoc::create(
        ActorId::from([1u8; 16]),
        &Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        },
        NewRegister {
            name: "Stored".into(),
            ..Default::default()
        },
        "reg-s".into(),
        clock,
    )
    .unwrap()
}

fn kinds(storage: &MemoryStorage) -> Vec<String> {
    block_on(storage.list(&[]))
        .unwrap()
        .into_iter()
        .map(|k| k[1].clone())
        .collect()
}

#[test]
fn memory_adapter_passes_the_conformance_suite() {
    block_on(conformance::run(&MemoryStorage::new()));
}

#[test]
fn each_edit_is_one_small_chunk_and_reload_sees_everything() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    assert_eq!(kinds(&storage), vec![SNAPSHOT]);
    for i in 0..5 {
        doc.add_finding(format!("f{i}"), today(), |f| {
            f.title = format!("Finding {i}")
        })
        .unwrap();
        let written = block_on(p.save(&mut doc)).unwrap().unwrap();
        assert!(
            written < 1024,
            "an added finding is a small chunk ({written} B)"
        );
    }
    assert_eq!(block_on(p.save(&mut doc)).unwrap(), None, "nothing unsaved");
    assert_eq!(
        kinds(&storage).iter().filter(|k| *k == INCREMENTAL).count(),
        5
    );
    let fresh = Persistence::new(storage.clone());
    let loaded = block_on(fresh.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert!(loaded.quarantined.is_empty(), "{:?}", loaded.quarantined);
    assert_eq!(loaded.doc.findings(), doc.findings());
    assert_eq!(block_on(fresh.registers()).unwrap(), vec!["reg-s"]);
}

#[test]
fn chunks_are_compacted_into_a_snapshot_once_they_outgrow_it() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    for i in 0..300 {
        doc.add_finding(format!("f{i}"), today(), |f| {
            f.title = format!("Finding {i}")
        })
        .unwrap();
        block_on(p.save(&mut doc)).unwrap();
    }
    let k = kinds(&storage);
    assert_eq!(
        k.iter().filter(|k| *k == SNAPSHOT).count(),
        1,
        "one snapshot: {k:?}"
    );
    assert!(
        k.iter().filter(|k| *k == INCREMENTAL).count() < 256,
        "compaction removed the chunks it absorbed"
    );
    let loaded = block_on(p.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert_eq!(loaded.doc.findings().len(), 300);
}

#[test]
fn a_corrupt_chunk_is_kept_aside_and_reported_never_overwritten() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    doc.add_finding("good".into(), today(), |_| {}).unwrap();
    block_on(p.save(&mut doc)).unwrap();
    let bad_key = vec![
        "reg-s".to_string(),
        INCREMENTAL.to_string(),
        "zz-bad".to_string(),
    ];
    storage.poke(bad_key.clone(), b"\x85\x6f\x4a\x83garbage".to_vec());
    let loaded = block_on(p.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert_eq!(loaded.quarantined.len(), 1);
    assert!(
        loaded.doc.finding("good").is_some(),
        "the good data still opens"
    );
    let aside = &loaded.quarantined[0];
    assert_eq!(aside[0], "quarantine");
    assert_eq!(
        block_on(storage.load(aside)).unwrap().as_deref(),
        Some(&b"\x85\x6f\x4a\x83garbage"[..]),
        "the damaged bytes are kept for inspection"
    );
    assert_eq!(block_on(storage.load(&bad_key)).unwrap(), None);
}

#[test]
fn a_full_quota_is_an_error_and_loses_nothing() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    storage.set_quota(Some(storage.used()));
    doc.add_finding("f".into(), today(), |f| f.title = "Typed offline".into())
        .unwrap();
    let err = block_on(p.save(&mut doc)).unwrap_err();
    assert_eq!(err, StorageError::QuotaExceeded);
    assert!(err.to_string().contains("export the register now"));
    // Space is freed: the very same changes are written on the next save.
    storage.set_quota(None);
    assert!(block_on(p.save(&mut doc)).unwrap().is_some());
    let loaded = block_on(p.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert_eq!(loaded.doc.finding("f").unwrap().title, "Typed offline");
}

#[test]
fn a_missing_register_is_reported() {
    let p = Persistence::new(MemoryStorage::new());
    assert!(matches!(
        block_on(p.load("nope", ActorId::from([2u8; 16]), clock)),
        Err(LoadError::Missing(_))
    ));
}
