//! Shared by the native test modules: a fixed day and clock, so every
//! run writes the same changes, and a trivial executor for the storage
//! port's async API. (Each module uses only part of it.)
#![allow(dead_code)]

use std::cell::Cell;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use automerge::ActorId;
use chrono::NaiveDate;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::Auditor;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("a valid date")
}

/// Milliseconds since the epoch, for `RegisterDoc`'s change timestamps.
pub fn clock() -> i64 {
    1_795_000_000_000
}

/// Runs a future of the in-memory storage adapter, which never waits, so
/// polling until ready finishes it without a runtime.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Property-test cases: `default` unless `PROPTEST_CASES` says otherwise.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// "ACME ISMS 2026" (id `reg-1`), created by Jane Doe (JD) as actor 1.
pub fn acme_register() -> RegisterDoc {
    acme_register_on(clock)
}

/// The same register, its changes stamped by `device_clock`.
pub fn acme_register_on(device_clock: ncr_core::document::Clock) -> RegisterDoc {
    let doc = RegisterDoc::create(
        ActorId::from([1u8; 16]),
        &Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        },
        NewRegister {
            name: "ACME ISMS 2026".into(),
            organisation: "ACME Ltd".into(),
            scope: "Head office".into(),
        },
        "reg-1".into(),
        device_clock,
    )
    .unwrap();
    // Built from the start (it is otherwise built on first use): every
    // comparison of the cache with a full re-read then also checks the
    // relations index kept through the test's edits.
    doc.prepare_relations(usize::MAX);
    doc
}

/// The built-in demo register with uuid-shaped ids counted from 1, the same
/// on every run (the exports' tests compare what it writes).
pub fn demo_register() -> RegisterDoc {
    let mut n = 0u32;
    ncr_core::demo::build_demo(
        ActorId::from([7u8; 16]),
        "demo-register".into(),
        today(),
        clock,
        move || {
            n += 1;
            format!("00000000-0000-4000-8000-{n:012}")
        },
    )
    .unwrap()
}

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, catching a panic without printing it. All the native tests
/// share one process and run on several threads at once, so the panic
/// hook is installed once and never swapped back (a test that swapped it
/// would silence, or un-silence, another test's panics): only a panic on
/// a thread that is inside `quietly` goes unprinted.
pub fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.get() {
                previous(info);
            }
        }));
    });
    QUIET.set(true);
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.set(false);
    outcome
}
