//! The storage port's rules, on the in-memory adapter. The browser adapter
//! runs the same conformance suite under wasm-bindgen-test (tests/browser/storage.rs).

use crate::common;

use common::{block_on, clock, today};

use automerge::ActorId;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, CorrectiveAction};
use ncr_core::storage::{
    conformance, LoadError, MemoryStorage, Persistence, Reading, Storage, StorageError,
    INCREMENTAL, SNAPSHOT, VIEW,
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
    // Four: a new finding's chunk is about 830 B (with its empty maps),
    // and five of them pass the 4 kB at which chunks are compacted.
    for i in 0..4 {
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
        4
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

/// A register file that makes Automerge 0.12's loader panic (found by
/// fuzzing; see e2e/fixtures/README.md). In the release build a panic
/// aborts the page, which is what these tests stand in for.
const CRASH: &[u8] = include_bytes!("../../../../e2e/fixtures/crash-loader.ncr");

/// Runs `f` as the page would until Automerge stops it: `true` if it did.
fn stops(f: impl FnOnce()) -> bool {
    common::quietly(f).is_err()
}

#[test]
fn a_stored_item_that_stopped_the_page_is_set_aside_at_the_next_start() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    doc.add_finding("kept".into(), today(), |f| f.title = "Kept".into())
        .unwrap();
    block_on(p.save(&mut doc)).unwrap();
    let poisoned = vec!["reg-s".to_owned(), INCREMENTAL.to_owned(), "zz".to_owned()];
    storage.poke(poisoned.clone(), CRASH.to_vec());

    // Every start stops on it while nothing remembers what was read...
    let tab = storage.reopened(true);
    let actor = || ActorId::from([2u8; 16]);
    assert!(stops(|| {
        let _ = block_on(Persistence::new(tab.clone()).load("reg-s", actor(), clock));
    }));
    assert_eq!(tab.last_reading(), Some(Reading::Item(poisoned.clone())));
    // ...another tab does not take this tab's reading for its own...
    let other = storage.reopened(false);
    assert_eq!(other.last_reading(), None);
    // ...and this tab, reloaded, sets that item aside and opens the rest.
    let reloaded = tab.reopened(true);
    let loaded =
        block_on(Persistence::new(reloaded.clone()).load("reg-s", actor(), clock)).unwrap();
    assert!(loaded.stopped_on);
    assert_eq!(loaded.quarantined.len(), 1);
    assert_eq!(loaded.quarantined[0][1..], poisoned[..]);
    assert_eq!(loaded.doc.findings(), doc.findings());
    assert_eq!(reloaded.last_reading(), None, "nothing suspect any more");
    // The bytes are kept aside, not deleted.
    assert_eq!(
        block_on(storage.load(&loaded.quarantined[0]))
            .unwrap()
            .as_deref(),
        Some(CRASH)
    );
    let again = block_on(Persistence::new(reloaded).load("reg-s", actor(), clock)).unwrap();
    assert!(!again.stopped_on && again.quarantined.is_empty());
}

#[test]
fn another_tabs_save_that_stopped_the_page_is_set_aside_when_it_reloads() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    // Another tab (another version, or a script) stores bytes and
    // announces them; this tab stops while receiving them.
    let theirs = vec![
        "reg-s".to_owned(),
        INCREMENTAL.to_owned(),
        "theirs".to_owned(),
    ];
    storage.poke(theirs.clone(), CRASH.to_vec());
    assert!(stops(|| {
        let _ = p.reading_tab_chunk("reg-s", CRASH, || doc.receive_stored(CRASH));
    }));
    // Reloaded, this tab does not stop on the stored copy: it is aside.
    let reloaded = storage.reopened(true);
    let loaded =
        block_on(Persistence::new(reloaded.clone()).load("reg-s", ActorId::from([3u8; 16]), clock))
            .unwrap();
    assert!(loaded.stopped_on);
    assert_eq!(loaded.quarantined[0][1..], theirs[..]);
    assert_eq!(reloaded.last_reading(), None);

    // A save received without trouble leaves nothing noted.
    let mut mine = loaded.doc;
    let mut other = RegisterDoc::open(&mine.save(), ActorId::from([1u8; 16]), clock).unwrap();
    other
        .add_finding("x".into(), today(), |f| f.title = "X".into())
        .unwrap();
    let (chunk, _) = other.unsaved_chunk().unwrap();
    let p = Persistence::new(reloaded.clone());
    p.reading_tab_chunk("reg-s", &chunk, || mine.receive_stored(&chunk))
        .unwrap();
    assert_eq!(reloaded.last_reading(), None);
    assert!(mine.finding("x").is_some());
}

#[test]
fn a_reading_of_another_register_waits_for_that_registers_load() {
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    let elsewhere = Reading::Item(vec!["reg-other".into(), INCREMENTAL.into(), "a".into()]);
    storage.note_reading(Some(&elsewhere));
    let loaded = block_on(p.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert!(!loaded.stopped_on && loaded.quarantined.is_empty());
    assert_eq!(storage.last_reading(), Some(elsewhere));
}

#[test]
fn a_stored_change_that_replaces_the_registers_structure_is_set_aside() {
    use automerge::{transaction::Transactable, AutoCommit, ROOT};
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    doc.add_finding("kept".into(), today(), |f| f.title = "Kept".into())
        .unwrap();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    // Another tool in this browser stores a change that replaces the
    // findings map by a string; it loads, but the whole is no register.
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    let heads = am.get_heads();
    am.put(ROOT, "findings", "gone").unwrap();
    let breaking = am.save_after(&heads);
    let key = vec![
        "reg-s".to_owned(),
        INCREMENTAL.to_owned(),
        "tool".to_owned(),
    ];
    storage.poke(key.clone(), breaking);

    let loaded =
        block_on(Persistence::new(storage.clone()).load("reg-s", ActorId::from([2u8; 16]), clock))
            .unwrap();
    assert_eq!(loaded.quarantined.len(), 1);
    assert_eq!(loaded.quarantined[0][1..], key[..]);
    assert!(!loaded.stopped_on);
    assert_eq!(loaded.doc.findings(), doc.findings());
    // And the next start opens without setting anything else aside.
    let again =
        block_on(Persistence::new(storage).load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert!(again.quarantined.is_empty());
    assert_eq!(again.doc.findings(), doc.findings());
}

/// An import of a thousand findings is stored as one snapshot, without
/// first being encoded as changes (which are far larger than the whole
/// document at that size), and reloads whole.
#[test]
fn a_large_import_is_stored_as_one_snapshot() {
    use ncr_core::exchange::import::{import_findings, ImportedFinding};
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    let rows: Vec<ImportedFinding> = (0..1000)
        .map(|i| ImportedFinding {
            line: i + 2,
            finding: ncr_core::model::Finding {
                title: format!("Imported {i}"),
                ..ncr_core::model::Finding::new(String::new(), String::new())
            },
            audit: String::new(),
            plan_due: None,
            close_due: None,
            similar: Vec::new(),
        })
        .collect();
    let mut n = 0;
    import_findings(
        &mut doc,
        &rows,
        "big.csv",
        || {
            n += 1;
            format!("i{n}")
        },
        today(),
    )
    .unwrap();
    assert!(doc.unsaved_ops().unwrap() > ncr_core::storage::LARGE_BATCH_OPS);
    let written = block_on(p.save(&mut doc)).unwrap().unwrap();
    assert_eq!(written, doc.save().len(), "the snapshot, not the changes");
    assert_eq!(kinds(&storage), vec![SNAPSHOT]);
    let loaded = block_on(p.load("reg-s", ActorId::from([2u8; 16]), clock)).unwrap();
    assert_eq!(loaded.doc.findings(), doc.findings());
}

/// A register with findings and an action, stored as one snapshot, with
/// its view stored beside it.
fn stored_with_view(storage: &MemoryStorage) -> RegisterDoc {
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    for i in 0..3 {
        doc.add_finding(format!("f{i}"), today(), |f| {
            f.title = format!("Finding {i}")
        })
        .unwrap();
    }
    doc.add_action(
        "f1",
        "a1".into(),
        today(),
        CorrectiveAction {
            description: "Retrain the team".into(),
            owner: "JD".into(),
            ..Default::default()
        },
    )
    .unwrap();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    block_on(p.save_view("reg-s", &doc.stored_view())).unwrap();
    assert!(
        !p.view_due(&doc),
        "the stored view is at the register's heads"
    );
    doc
}

fn reload(storage: &MemoryStorage) -> ncr_core::storage::Loaded {
    block_on(Persistence::new(storage.reopened(false)).load(
        "reg-s",
        ActorId::from([2u8; 16]),
        clock,
    ))
    .unwrap()
}

#[test]
fn a_register_reopened_at_its_views_heads_takes_its_findings_from_the_view() {
    let storage = MemoryStorage::new();
    let doc = stored_with_view(&storage);
    assert!(kinds(&storage).contains(&VIEW.to_owned()));
    let usage = block_on(Persistence::new(storage.clone()).usage()).unwrap();
    let view = doc.stored_view().bytes.len();
    assert_eq!(usage.views, view, "views are counted apart");
    assert_eq!(usage.registers["reg-s"], storage.used() - view);
    let loaded = reload(&storage);
    assert!(loaded.from_view, "the view at the stored heads is used");
    assert_eq!(loaded.doc.cache_state(), doc.cache_state());
    assert_eq!(loaded.doc.cache_state(), loaded.doc.reread_state().unwrap());
}

#[test]
fn a_view_behind_the_stored_changes_is_not_used() {
    let storage = MemoryStorage::new();
    let mut doc = stored_with_view(&storage);
    let p = Persistence::new(storage.clone());
    block_on(p.load("reg-s", ActorId::from([1u8; 16]), clock)).unwrap();
    doc.update_finding("f2", today(), |f| f.title = "Edited after the view".into())
        .unwrap();
    block_on(p.save(&mut doc)).unwrap().unwrap();
    let loaded = reload(&storage);
    assert!(!loaded.from_view, "a view of older heads is not taken");
    assert_eq!(
        loaded.doc.finding("f2").unwrap().title,
        "Edited after the view"
    );
    assert_eq!(loaded.doc.cache_state(), doc.cache_state());
}

#[test]
fn a_damaged_or_foreign_view_is_ignored_and_the_register_opens() {
    let storage = MemoryStorage::new();
    let doc = stored_with_view(&storage);
    let at = vec!["reg-s".to_owned(), VIEW.to_owned(), "current".to_owned()];
    let good = block_on(storage.load(&at)).unwrap().unwrap();
    let text = String::from_utf8(good.clone()).unwrap();
    let (head, body) = text.split_once('\n').unwrap();
    let mut parts: Vec<&str> = head.split(' ').collect();
    parts[1] = "0123456789abcdef";
    let other_build = format!("{}\n{body}", parts.join(" "));
    // A view that parses but does not fit the types: a finding's title as a number.
    let wrong_type = text.replacen("\"title\":\"Finding 0\"", "\"title\":7", 1);
    assert_ne!(wrong_type, text);
    for bad in [
        good[..good.len() / 2].to_vec(),
        other_build.into_bytes(),
        wrong_type.into_bytes(),
        b"not a view".to_vec(),
        Vec::new(),
    ] {
        storage.poke(at.clone(), bad);
        let loaded = reload(&storage);
        assert!(!loaded.from_view);
        assert_eq!(loaded.doc.cache_state(), doc.cache_state());
    }
}

#[test]
fn a_register_opened_from_its_view_finds_what_a_merge_or_another_tab_touched() {
    // Nothing of what each finding's reading walked is in the view: the
    // objects are walked again before the first merge, or when idle.
    for idle in [false, true] {
        let storage = MemoryStorage::new();
        let doc = stored_with_view(&storage);
        let mut peer = doc.fork_as(ActorId::from([3u8; 16]));
        peer.update_action("f1", "a1", today(), |a| a.owner = "SK".into())
            .unwrap();
        let mut viewed = reload(&storage).doc;
        if idle {
            // One finding a slice, every one of them, and then done.
            let findings = viewed.findings().len();
            let mut slices = 1;
            while !viewed.prepare_owners(1) {
                slices += 1;
            }
            assert_eq!(slices, findings);
            assert!(viewed.prepare_owners(1));
        }
        let mut tab = reload(&storage).doc;
        viewed.merge_bytes(&peer.save()).unwrap();
        assert_eq!(viewed.finding("f1").unwrap().actions["a1"].owner, "SK");
        assert_eq!(viewed.cache_state(), viewed.reread_state().unwrap());
        tab.apply_chunk(&peer.save()).unwrap();
        assert_eq!(tab.finding("f1").unwrap().actions["a1"].owner, "SK");
        assert_eq!(tab.cache_state(), viewed.cache_state());
    }
}

#[test]
fn views_give_way_to_the_register_when_the_quota_is_full() {
    let storage = MemoryStorage::new();
    let mut doc = stored_with_view(&storage);
    let p = Persistence::new(storage.clone());
    block_on(p.load("reg-s", ActorId::from([1u8; 16]), clock)).unwrap();
    // Exactly full: the next chunk fits only once the view is gone.
    storage.set_quota(Some(storage.used()));
    doc.update_finding("f0", today(), |f| {
        f.title = "Typed with the disk full".into()
    })
    .unwrap();
    block_on(p.save(&mut doc)).unwrap().unwrap();
    assert!(
        !kinds(&storage).contains(&VIEW.to_owned()),
        "the view made room"
    );
    // A view that does not fit is an error for the caller to ignore, and
    // leaves nothing behind.
    assert_eq!(
        block_on(p.save_view("reg-s", &doc.stored_view())),
        Err(StorageError::QuotaExceeded)
    );
    assert!(p.view_due(&doc));
    storage.set_quota(None);
    let loaded = reload(&storage);
    assert!(!loaded.from_view);
    assert_eq!(
        loaded.doc.finding("f0").unwrap().title,
        "Typed with the disk full"
    );
}

/// The in-memory adapter, except that loading one key never completes: a
/// page that goes away while IndexedDB reads it.
struct Stalling {
    inner: MemoryStorage,
    stall: Vec<String>,
}

impl Storage for Stalling {
    async fn load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StorageError> {
        if key == self.stall.as_slice() {
            std::future::pending::<()>().await;
        }
        self.inner.load(key).await
    }
    async fn save(&self, key: &[String], data: &[u8]) -> Result<(), StorageError> {
        self.inner.save(key, data).await
    }
    async fn remove(&self, key: &[String]) -> Result<(), StorageError> {
        self.inner.remove(key).await
    }
    async fn list(&self, prefix: &[String]) -> Result<Vec<Vec<String>>, StorageError> {
        self.inner.list(prefix).await
    }
    fn note_reading(&self, what: Option<&Reading>) {
        self.inner.note_reading(what)
    }
    fn last_reading(&self) -> Option<Reading> {
        self.inner.last_reading()
    }
}

#[test]
fn a_page_that_goes_away_between_two_stored_items_sets_nothing_aside() {
    // A reload while a register opens: the page stops waiting for the
    // browser's storage, not inside Automerge's reading of an item.
    let storage = MemoryStorage::new();
    let p = Persistence::new(storage.clone());
    let mut doc = register();
    block_on(p.save_snapshot(&mut doc)).unwrap();
    doc.add_finding("f".into(), today(), |f| f.title = "Saved last".into())
        .unwrap();
    block_on(p.save(&mut doc)).unwrap().unwrap();
    let chunk = block_on(storage.list(&[]))
        .unwrap()
        .into_iter()
        .find(|k| k[1] == INCREMENTAL)
        .unwrap();
    let tab = storage.reopened(true);
    let stalling = Persistence::new(Stalling {
        inner: tab.clone(),
        stall: chunk,
    });
    {
        let load = stalling.load("reg-s", ActorId::from([2u8; 16]), clock);
        let mut load = std::pin::pin!(load);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        for _ in 0..100 {
            assert!(std::future::Future::poll(load.as_mut(), &mut cx).is_pending());
        }
    }
    assert_eq!(
        tab.last_reading(),
        None,
        "the snapshot read before it is not suspect"
    );
    let loaded = block_on(Persistence::new(tab.reopened(true)).load(
        "reg-s",
        ActorId::from([2u8; 16]),
        clock,
    ))
    .unwrap();
    assert!(!loaded.stopped_on && loaded.quarantined.is_empty());
    assert_eq!(loaded.doc.finding("f").unwrap().title, "Saved last");
}

#[test]
fn a_preview_shows_the_stored_view_and_the_opening_takes_its_findings_back() {
    let storage = MemoryStorage::new();
    let mut doc = stored_with_view(&storage);
    let preview_of = |p: &Persistence<MemoryStorage>| {
        RegisterDoc::preview(block_on(p.read_view("reg-s")).unwrap(), clock).unwrap()
    };
    let p = Persistence::new(storage.reopened(false));
    let preview = preview_of(&p);
    assert!(preview.is_preview());
    assert_eq!(preview.id(), "reg-s");
    assert_eq!(preview.findings(), doc.findings());
    assert_eq!(
        (
            preview.info(),
            preview.settings(),
            preview.auditors(),
            preview.audits()
        ),
        (doc.info(), doc.settings(), doc.auditors(), doc.audits())
    );
    let loaded = block_on(
        p.load_viewed("reg-s", ActorId::from([2u8; 16]), clock, move || {
            preview.into_view()
        }),
    )
    .unwrap();
    assert!(loaded.from_view && !loaded.doc.is_preview());
    assert_eq!(loaded.doc.cache_state(), doc.cache_state());

    // A preview of a view older than the stored changes shows the older
    // state until the opening, which reads the document instead.
    let writer = Persistence::new(storage.clone());
    block_on(writer.load("reg-s", ActorId::from([1u8; 16]), clock)).unwrap();
    doc.update_finding("f0", today(), |f| f.title = "Changed since".into())
        .unwrap();
    block_on(writer.save(&mut doc)).unwrap().unwrap();
    let p = Persistence::new(storage.reopened(false));
    let preview = preview_of(&p);
    assert_eq!(preview.finding("f0").unwrap().title, "Finding 0");
    let loaded = block_on(
        p.load_viewed("reg-s", ActorId::from([2u8; 16]), clock, move || {
            preview.into_view()
        }),
    )
    .unwrap();
    assert!(!loaded.from_view);
    assert_eq!(loaded.doc.finding("f0").unwrap().title, "Changed since");
    assert_eq!(loaded.doc.cache_state(), doc.cache_state());
}
