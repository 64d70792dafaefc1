//! Native benchmark of the register document. Rerun with
//!
//!     cargo bench -p ncr-core --bench document
//!
//! (or `cargo bench -p ncr-core --bench document -- 1000 10000 50000` for other sizes;
//! `-- --files <dir> 1000 10000` writes the browser benchmark's files instead).
//! Prints a Markdown table for docs/BENCHMARKS.md. Timings are wall-clock
//! medians on this machine; they are recorded, never asserted.

use std::time::{Duration, Instant};

use automerge::ActorId;
use chrono::NaiveDate;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, CauseCategory, CorrectiveAction, Grade, Source};
use ncr_core::storage::{MemoryStorage, Persistence};

fn clock() -> i64 {
    1_795_000_000_000
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

fn me(i: u8) -> Auditor {
    Auditor {
        name: format!("Auditor {i}"),
        initials: ["JD", "SR", "AL"][i as usize % 3].into(),
    }
}

fn fill(doc: &mut RegisterDoc, prefix: &str, n: usize) {
    for i in 0..n {
        let id = format!("{prefix}-{i:06}");
        doc.add_finding(id.clone(), today(), |f| {
            f.title = format!("Access review not performed for system {i}");
            f.statement = "User access rights were not reviewed at planned intervals as required by the access control policy.".into();
            f.evidence = format!("Ticket INC-{i}: last review 2024-03-01; 14 leavers still active.");
            f.requirements.insert("A.5.18".into(), true);
            f.requirements.insert("9.2".into(), true);
            f.grade = if i % 3 == 0 { Grade::Major } else { Grade::Minor };
            f.source = Source::InternalAudit;
            f.area = format!("Department {}", i % 12);
            f.owner = "IT operations".into();
            f.cause = Some(CauseCategory::ControlsNotImplemented);
            f.root_cause.statement = "No owner for periodic access reviews.".into();
        })
        .unwrap();
        doc.add_action(
            &id,
            format!("{id}-a"),
            today(),
            CorrectiveAction {
                description: "Assign review owner and schedule quarterly reviews".into(),
                owner: "CISO".into(),
                due: NaiveDate::from_ymd_opt(2027, 1, 31),
                ..Default::default()
            },
        )
        .unwrap();
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// `label: median … / min …` of a command's runs.
fn print_runs(label: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{label}: median {} / min {}",
        ms(times[times.len() / 2]),
        ms(times[0])
    );
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn kb(n: usize) -> String {
    format!("{:.0} kB", n as f64 / 1000.0)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    // The in-memory adapter never waits, so one poll finishes every future.
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn run(n: usize) {
    let (mut doc, create) = time(|| {
        let mut doc = RegisterDoc::create(
            ActorId::from([1u8; 16]),
            &me(0),
            NewRegister {
                name: "Bench".into(),
                ..Default::default()
            },
            "bench".into(),
            clock,
        )
        .unwrap();
        fill(&mut doc, "a", n);
        doc
    });

    let persistence = Persistence::new(MemoryStorage::new());
    block_on(persistence.save_snapshot(&mut doc)).unwrap();
    let mut edit_times = Vec::new();
    let mut chunk_bytes = Vec::new();
    for i in 0..31 {
        let id = format!("a-{:06}", (i * 7919) % n);
        let (_, t) = time(|| {
            doc.update_finding(&id, today(), |f| f.title = format!("Edited {i}"))
                .unwrap();
            let written = block_on(persistence.save(&mut doc)).unwrap();
            chunk_bytes.push(written.unwrap_or(0));
        });
        edit_times.push(t);
    }
    chunk_bytes.sort();

    let (bytes, save) = time(|| doc.save());
    let (opened, load) =
        time(|| RegisterDoc::open(&bytes, ActorId::from([2u8; 16]), clock).unwrap());
    assert_eq!(opened.findings().len(), n);

    let mut left = opened;
    left.set_me(&me(1)).unwrap();
    let mut right = RegisterDoc::open(&bytes, ActorId::from([3u8; 16]), clock).unwrap();
    right.set_me(&me(2)).unwrap();
    fill(&mut left, "l", n / 10);
    fill(&mut right, "r", n / 10);
    let right_bytes = right.save();
    let (summary, merge) = time(|| left.merge_bytes(&right_bytes).unwrap());
    assert_eq!(summary.findings_added, n / 10);

    // The first history builds the index; the next, after one more edit,
    // brings it up to date with that edit and reads another finding.
    let (_, history) = time(|| left.history("a-000000").unwrap());
    left.update_finding("a-000001", today(), |f| f.title = "Edited again".into())
        .unwrap();
    let (_, next_history) = time(|| left.history("a-000001").unwrap());

    println!(
        "| {n} | {} | {} | {} ({}) | {} | {} B | {} | {} | {} / {} |",
        ms(create),
        ms(median(edit_times)),
        ms(save),
        kb(bytes.len()),
        ms(load),
        chunk_bytes[chunk_bytes.len() / 2],
        ms(merge),
        n / 10,
        ms(history),
        ms(next_history),
    );
}

/// Writes the files the browser benchmark (e2e/bench/perf.bench.ts) opens:
/// `register-<n>.ncr`, a register of `n` findings of the shape above, and
/// `diverged-<n>.ncr`, the same register after another auditor added `n/20`
/// findings and edited the titles of `n/20` others (a copy diverged by 10 %).
fn write_files(dir: &std::path::Path, n: usize) {
    let mut doc = RegisterDoc::create(
        ActorId::from([1u8; 16]),
        &me(0),
        NewRegister {
            name: "Bench".into(),
            organisation: "ACME Ltd".into(),
            scope: "Head office".into(),
        },
        format!("bench-{n}"),
        clock,
    )
    .unwrap();
    fill(&mut doc, "a", n);
    let base = doc.save();
    let mut other = RegisterDoc::open(&base, ActorId::from([2u8; 16]), clock).unwrap();
    other.set_me(&me(1)).unwrap();
    fill(&mut other, "d", n / 20);
    for i in 0..n / 20 {
        let id = format!("a-{:06}", (i * 7919) % n);
        other
            .update_finding(&id, today(), |f| f.title = format!("Edited elsewhere {i}"))
            .unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("register-{n}.ncr")), &base).unwrap();
    std::fs::write(dir.join(format!("diverged-{n}.ncr")), other.save()).unwrap();
    println!(
        "wrote register-{n}.ncr ({} B) and diverged-{n}.ncr",
        base.len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--files") {
        let dir = std::path::PathBuf::from(&args[at + 1]);
        for n in args[at + 2..].iter().filter_map(|a| a.parse().ok()) {
            write_files(&dir, n);
        }
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--read") {
        // `-- --read FILE`: the app's own part of opening, without
        // Automerge's load: every finding read from a document loaded
        // already (as a reload reads what storage loaded), eleven times
        // (median and minimum). Far steadier than `--open`, whose load
        // varies more than what it is meant to compare.
        let bytes = std::fs::read(&args[at + 1]).unwrap();
        let plain = automerge::Automerge::load(&bytes).unwrap();
        let times = (0..11)
            .map(|_| {
                let doc = plain.clone();
                time(|| RegisterDoc::open_loaded(doc, ActorId::from([2u8; 16]), clock).unwrap()).1
            })
            .collect();
        print_runs("read every finding of a loaded document", times);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--view") {
        // `-- --view FILE`: opening from a stored view against reading
        // every finding (`--read`), the view's size and what writing it
        // costs, and the idle walk that makes the owners' index whole
        // again after an opening from a view. Eleven runs each.
        let bytes = std::fs::read(&args[at + 1]).unwrap();
        let plain = automerge::Automerge::load(&bytes).unwrap();
        let read =
            RegisterDoc::open_loaded(plain.clone(), ActorId::from([2u8; 16]), clock).unwrap();
        let view = read.stored_view();
        println!("the view: {} bytes", view.bytes.len());
        print_runs(
            "write the view",
            (0..11).map(|_| time(|| read.stored_view()).1).collect(),
        );
        let open = |_| {
            let doc = plain.clone();
            time(|| {
                let (doc, taken) = RegisterDoc::open_viewed(
                    doc,
                    ActorId::from([2u8; 16]),
                    clock,
                    ncr_core::document::ParsedView::parse(&view.bytes),
                )
                .unwrap();
                assert!(taken);
                doc
            })
        };
        print_runs("open from the view", (0..11).map(|i| open(i).1).collect());
        print_runs(
            "walk the owners after it, in slices of 250",
            (0..11)
                .map(|i| {
                    let mut doc = open(i).0;
                    time(|| while !doc.prepare_owners(250) {}).1
                })
                .collect(),
        );
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--open") {
        // `-- --open FILE`: open and hydrate one register file seven times
        // (median and minimum), to compare two versions of the read path
        // without building a register each time.
        let bytes = std::fs::read(&args[at + 1]).unwrap();
        let times = (0..7)
            .map(|_| time(|| RegisterDoc::open(&bytes, ActorId::from([2u8; 16]), clock).unwrap()).1)
            .collect();
        print_runs("open + hydrate", times);
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--merge") {
        // `-- --merge REGISTER DIVERGED`: open the register, then merge the
        // diverged copy into a fresh copy of it seven times (median and
        // minimum), beside Automerge's own load and merge of the same file:
        // the browser benchmark's merge row, natively.
        let ours = std::fs::read(&args[at + 1]).unwrap();
        let theirs = std::fs::read(&args[at + 2]).unwrap();
        let base = RegisterDoc::open(&ours, ActorId::from([2u8; 16]), clock).unwrap();
        let plain = automerge::Automerge::load(&ours).unwrap();
        let mut app = Vec::new();
        let mut limit = Vec::new();
        for _ in 0..7 {
            let mut doc = base.clone();
            app.push(time(|| doc.merge_bytes(&theirs).unwrap()).1);
            let mut am = plain.clone();
            limit.push(
                time(|| {
                    let mut other = automerge::Automerge::load(&theirs).unwrap();
                    am.merge(&mut other).unwrap();
                })
                .1,
            );
        }
        app.sort();
        limit.sort();
        println!(
            "merge_bytes: median {} / min {}; Automerge load + merge: median {} / min {}",
            ms(app[3]),
            ms(app[0]),
            ms(limit[3]),
            ms(limit[0])
        );
        return;
    }
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![1_000, 10_000]
    } else {
        sizes
    };
    println!("| findings | create (1 change each + 1 action) | one edit + persisted chunk (median of 31) | save (size) | open + hydrate | chunk size (median) | merge two copies diverged by +10% each | findings merged in | history of one finding (first, building the index / next, after an edit) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        run(n);
    }
}
