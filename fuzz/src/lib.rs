//! What the fuzz targets share: the registers they start from and
//! Automerge's chunk framing with the checksum recomputed (the same file
//! `tests/it/fuzz_seeded.rs` uses), plus a few helpers.

#[path = "../../crates/core/tests/it/common/fuzzing.rs"]
pub mod fuzzing;

use std::sync::OnceLock;

use ncr_core::document::RegisterDoc;

pub use fuzzing::{actor, clock, today, REGISTER_ID};

/// The seeds on the demo register, built once per process (building the
/// demo through its intents takes a while: targets run with `-fork` use
/// [`small_seeds`], since every job is a new process).
pub fn seeds() -> &'static fuzzing::Seeds {
    static SEEDS: OnceLock<fuzzing::Seeds> = OnceLock::new();
    SEEDS.get_or_init(fuzzing::seeds)
}

/// The seeds on a register with a few findings, quick to build. With
/// `NCR_WRITE_CORPUS=<dir>` set, the first call also writes the seed
/// corpus of every target there (see [`write_corpus`]).
pub fn small_seeds() -> &'static fuzzing::Seeds {
    static SEEDS: OnceLock<fuzzing::Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let small = fuzzing::small_seeds();
        if let Some(root) = std::env::var_os("NCR_WRITE_CORPUS") {
            write_corpus(std::path::Path::new(&root), &fuzzing::seeds(), &small);
        }
        small
    })
}

/// The input with every chunk checksum recomputed, so that mutations
/// inside a chunk reach the loader instead of failing the check.
pub fn with_checksums(data: &[u8]) -> Vec<u8> {
    let mut bytes = data.to_vec();
    fuzzing::fix_checksums(&mut bytes);
    bytes
}

/// Opens a saved copy and panics if it does not: for copies this app
/// wrote, which must always open again.
pub fn reopens(doc: &RegisterDoc, what: &str) {
    if let Err(e) = RegisterDoc::open(&doc.save(), actor(8), clock) {
        panic!("{what} does not open again: {e}");
    }
}

/// Runs a future of the in-memory storage adapter, which never waits.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Writes the seed corpus of every target under `root` (`fuzz/corpus`):
/// whole files on the demo `s`, another tab's chunks and stored items on
/// the small register `t` (what `tab_chunk` and `storage` start from).
/// Run `tab_chunk` once with `NCR_WRITE_CORPUS=corpus` set, see
/// docs/BENCHMARKS.md, "Fuzzing".
pub fn write_corpus(root: &std::path::Path, s: &fuzzing::Seeds, t: &fuzzing::Seeds) {
    use ncr_core::exchange::csv::export_findings;
    let demo = RegisterDoc::open(&s.base, actor(3), clock).expect("the demo opens");
    let csv = export_findings(&demo).expect("the demo exports");
    let semicolons: Vec<u8> = csv
        .iter()
        .map(|&b| if b == b',' { b';' } else { b })
        .collect();
    let joined = |mode: u8, items: &[&[u8]]| {
        let mut out = vec![mode];
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"NCR|");
            }
            out.extend_from_slice(item);
        }
        out
    };
    let files: Vec<(&str, &str, Vec<u8>)> = vec![
        ("open", "demo", s.base.clone()),
        ("open", "demo-plain", s.base_plain.clone()),
        ("open", "small", s.small.clone()),
        ("open", "colleague", s.colleague.clone()),
        ("merge", "demo", s.base.clone()),
        ("merge", "demo-plain", s.base_plain.clone()),
        ("merge", "colleague", s.colleague.clone()),
        ("merge", "small-colleague", t.colleague.clone()),
        ("tab_chunk", "chunk", t.chunk.clone()),
        ("tab_chunk", "colleague", t.colleague.clone()),
        ("csv", "export", csv.clone()),
        ("csv", "semicolons", semicolons),
        ("storage", "chunk", joined(0, &[&t.chunk])),
        (
            "storage",
            "snapshot-and-chunk",
            joined(1, &[&t.base, &t.chunk]),
        ),
        ("storage", "two-chunks", joined(0, &[&t.chunk, &t.chunk])),
    ];
    for (target, name, bytes) in files {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("a corpus folder");
        std::fs::write(dir.join(name), bytes).expect("a seed written");
    }
}

// ----- panics of the libraries below us ------------------------------------

std::thread_local! {
    static CONTAINING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

static UPSTREAM_PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Whether a panic was raised in Automerge's own code (or hexane, its
/// column library): the known loader panics on crafted files (see
/// docs/BENCHMARKS.md), which the app contains by reading picked files in a
/// throwaway worker.
fn upstream(file: &str) -> bool {
    ["/automerge-0.", "/hexane-"].iter().any(|crate_dir| file.contains(crate_dir))
}

/// Runs `f`, letting a panic raised inside Automerge unwind out of it (it
/// is counted, and `None` is returned) so that fuzzing goes on past the
/// known upstream panics. A panic anywhere else, ours included, still
/// aborts as libFuzzer's hook makes it: that is a finding. What runs after
/// (the `reopens` checks) is outside, so a copy this app saved that
/// Automerge cannot load again is still a crash.
pub fn contain_upstream<R>(f: impl FnOnce() -> R) -> Option<R> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let from_upstream = info.location().is_some_and(|l| upstream(l.file()));
            if from_upstream && CONTAINING.with(std::cell::Cell::get) {
                UPSTREAM_PANICS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            fuzzer_hook(info);
        }));
    });
    CONTAINING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(false));
    result.ok()
}

/// How many upstream panics [`contain_upstream`] has let through so far.
pub fn upstream_panics() -> u64 {
    UPSTREAM_PANICS.load(std::sync::atomic::Ordering::Relaxed)
}
