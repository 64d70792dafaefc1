//! A short, seeded fuzz run of every entry point that reads foreign bytes,
//! part of the normal `cargo test` (the long runs are the cargo-fuzz
//! targets in `fuzz/`, see docs/BENCHMARKS.md, "Fuzzing").
//!
//! Inputs are valid exports mutated deterministically (bit flips,
//! truncations, insertions, splices of two exports), inside chunks with
//! the checksum recomputed so that most reach Automerge's loader proper.
//! Every call runs under `catch_unwind`. A panic located in this crate's
//! `src/` fails the test; a panic inside a dependency (Automerge's loader
//! has some that no caller can prevent) is recorded and counted, never
//! hidden: the counts are printed with their locations.
//!
//! `FUZZ_SEEDED_CASES` changes the number of inputs per entry point.

#[path = "common/fuzzing.rs"]
mod fuzzing;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use fuzzing::{actor, clock, mutate, small_seeds as seeds, today, Rng, Seeds, REGISTER_ID};
use ncr_core::document::RegisterDoc;
use ncr_core::exchange::csv::{export_findings, read_table};
use ncr_core::exchange::import::{parse_rows, ImportOptions};
use ncr_core::storage::{MemoryStorage, Persistence, INCREMENTAL, SNAPSHOT};

thread_local! {
    /// Set while this thread runs fuzzed calls: panics are recorded here
    /// instead of printed.
    static CAUGHT: RefCell<Option<Vec<(String, String)>>> = const { RefCell::new(None) };
}

fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let recorded = CAUGHT.with(|c| {
                let mut c = c.borrow_mut();
                let Some(list) = c.as_mut() else {
                    return false;
                };
                let location = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_else(|| "unknown".into());
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                list.push((location, message));
                true
            });
            if !recorded {
                default(info);
            }
        }));
    });
}

/// Panics seen, by location, and one input for each.
#[derive(Default)]
struct Findings {
    calls: usize,
    panics: BTreeMap<String, (usize, String, Vec<u8>)>,
}

impl Findings {
    /// Runs `f` on `input`, catching and recording a panic.
    fn run(&mut self, input: &[u8], f: impl FnOnce(&[u8])) {
        self.calls += 1;
        CAUGHT.with(|c| *c.borrow_mut() = Some(Vec::new()));
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| f(input)));
        let caught = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_default();
        if outcome.is_err() {
            let (location, message) = caught
                .into_iter()
                .next()
                .unwrap_or_else(|| ("unknown".into(), String::new()));
            let entry = self
                .panics
                .entry(location)
                .or_insert_with(|| (0, message, input.to_vec()));
            entry.0 += 1;
            if input.len() < entry.2.len() {
                entry.2 = input.to_vec();
            }
        }
    }

    /// Prints what was seen and fails on a panic in this crate's code.
    fn check(&self, entry: &str) {
        let total: usize = self.panics.values().map(|p| p.0).sum();
        println!(
            "{entry}: {} inputs, {total} panics outside our control",
            self.calls
        );
        for (location, (n, message, input)) in &self.panics {
            println!(
                "  {n} x {location}: {message} (smallest input {} bytes)",
                input.len()
            );
        }
        let ours: Vec<&String> = self
            .panics
            .keys()
            .filter(|l| is_ours(l) || l.as_str() == "unknown")
            .collect();
        assert!(
            ours.is_empty(),
            "{entry}: our code panicked on foreign bytes at {ours:?}"
        );
    }
}

/// Whether a panic location is this crate's own code (or a check of this
/// test). Dependencies are compiled from the cargo registry, so their
/// locations are absolute paths; ours are relative to the package.
fn is_ours(location: &str) -> bool {
    location.starts_with("src/") || location.starts_with("tests/")
}

fn cases() -> usize {
    std::env::var("FUZZ_SEEDED_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

fn fuzz(entry: &str, seed: u64, bases: &[&[u8]], mut call: impl FnMut(&[u8])) {
    install_hook();
    let mut rng = Rng::new(seed);
    let mut findings = Findings::default();
    for _ in 0..cases() {
        let base = bases[rng.below(bases.len())];
        let other = bases[rng.below(bases.len())];
        let input = mutate(&mut rng, base, other);
        findings.run(&input, &mut call);
    }
    findings.check(entry);
}

fn all(s: &Seeds) -> Vec<&[u8]> {
    vec![
        s.base.as_slice(),
        s.base_plain.as_slice(),
        s.small.as_slice(),
        s.chunk.as_slice(),
        s.colleague.as_slice(),
    ]
}

#[test]
fn checksums_are_recomputed_as_automerge_does() {
    let s = seeds();
    for bytes in all(&s) {
        let chunks = fuzzing::split_chunks(bytes).expect("whole chunks");
        assert_eq!(fuzzing::join_chunks(&chunks), bytes);
        let mut copy = bytes.to_vec();
        copy[5] ^= 0xff;
        fuzzing::fix_checksums(&mut copy);
        assert_eq!(copy, bytes);
    }
    assert_eq!(
        fuzzing::sha256(b"abc")[..4],
        [0xba, 0x78, 0x16, 0xbf],
        "the SHA-256 test vector"
    );
}

#[test]
fn open_and_peek_survive_mutated_files() {
    let s = seeds();
    fuzz("open", 0x0be7, &all(&s), |bytes| {
        if let Ok(doc) = RegisterDoc::open(bytes, actor(7), clock) {
            RegisterDoc::open(&doc.save(), actor(8), clock).expect("an opened copy reopens");
        }
        let _ = RegisterDoc::open_file(bytes, actor(7), clock);
        let _ = RegisterDoc::peek(bytes);
    });
}

#[test]
fn merge_survives_mutated_files() {
    let s = seeds();
    let target = RegisterDoc::open(&s.small, actor(3), clock).unwrap();
    fuzz("merge_bytes", 0x3e26e, &all(&s), |bytes| {
        let mut doc = target.clone();
        if doc.merge_bytes(bytes).is_ok() {
            RegisterDoc::open(&doc.save(), actor(8), clock).expect("a merged copy reopens");
        }
    });
}

#[test]
fn another_tabs_chunk_survives_mutation() {
    let s = seeds();
    let target = RegisterDoc::open(&s.base, actor(3), clock).unwrap();
    let bases: Vec<&[u8]> = vec![s.chunk.as_slice(), &s.chunk, &s.colleague, &s.small];
    fuzz("apply_chunk", 0x7ab, &bases, |bytes| {
        let mut doc = target.clone();
        if doc.apply_chunk(bytes).is_ok() {
            RegisterDoc::open(&doc.save(), actor(8), clock).expect("a tab's copy reopens");
        }
    });
}

#[test]
fn stored_data_survives_mutation() {
    let s = seeds();
    let bases: Vec<&[u8]> = vec![s.chunk.as_slice(), &s.chunk, &s.base, &s.colleague];
    let mut rng = Rng::new(0x5707);
    fuzz("storage", 0x5707, &bases, |bytes| {
        let storage = MemoryStorage::new();
        let key = |kind: &str, name: &str| {
            vec![REGISTER_ID.to_string(), kind.to_string(), name.to_string()]
        };
        // The snapshot itself damaged, or a good one and a damaged chunk.
        if rng.chance(4) {
            storage.poke(key(SNAPSHOT, "a"), bytes.to_vec());
            storage.poke(key(INCREMENTAL, "b"), s.chunk.clone());
        } else {
            storage.poke(key(SNAPSHOT, "a"), s.base.clone());
            storage.poke(key(INCREMENTAL, "b"), bytes.to_vec());
        }
        let p = Persistence::new(storage.clone());
        let _ = fuzzing_block_on(p.read_copy(REGISTER_ID));
        if let Ok(loaded) = fuzzing_block_on(p.load(REGISTER_ID, actor(4), clock)) {
            RegisterDoc::open(&loaded.doc.save(), actor(8), clock).expect("a loaded copy reopens");
            let again = Persistence::new(storage.clone());
            let reloaded = fuzzing_block_on(again.load(REGISTER_ID, actor(5), clock))
                .expect("what loaded once loads again");
            assert!(reloaded.quarantined.is_empty(), "damage is set aside once");
        }
    });
}

#[test]
fn csv_reading_survives_mutated_files() {
    let s = seeds();
    let demo = RegisterDoc::open(&s.base, actor(3), clock).unwrap();
    let exported = export_findings(&demo).unwrap();
    let semicolons: Vec<u8> = exported
        .iter()
        .map(|&b| if b == b',' { b';' } else { b })
        .collect();
    let bases: Vec<&[u8]> = vec![exported.as_slice(), &semicolons, b"a,b\n\"x\"\"\",2\r\n"];
    fuzz("csv", 0xc5f, &bases, |bytes| {
        if let Ok(table) = read_table(bytes) {
            let options = ImportOptions::suggest(&table);
            let _ = parse_rows(&table, &options, today());
        }
    });
}

/// The in-memory adapter never waits: polling until ready finishes it.
fn fuzzing_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}
