//! A finding's history in causal order: device clocks are wrong, so a change
//! built on another one may carry an earlier time, and the history must
//! still never list it before the change it depends on. Checked against
//! Automerge's change graph read here independently, with several auditors
//! whose clocks disagree, concurrent edits, and every merge order.

#![cfg(not(target_arch = "wasm32"))]

use crate::common;

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use automerge::{ActorId, Automerge, ChangeHash};
use ncr_core::document::{HistoryEntry, RegisterDoc};
use ncr_core::model::Auditor;

use common::today;

thread_local! {
    /// What every device's clock reads: each test sets it before each edit,
    /// so one register can hold changes stamped in any order.
    static NOW: Cell<i64> = const { Cell::new(0) };
}

fn device_clock() -> i64 {
    NOW.with(Cell::get)
}

fn at(ms: i64) {
    NOW.with(|n| n.set(ms));
}

/// "ACME ISMS 2026", created by Jane Doe (actor 1) on the device clock.
fn register() -> RegisterDoc {
    common::acme_register_on(device_clock)
}

fn peer(bytes: &[u8], actor: u8, name: &str, initials: &str) -> RegisterDoc {
    let mut doc = RegisterDoc::open(bytes, ActorId::from([actor; 16]), device_clock).unwrap();
    doc.set_me(&Auditor {
        name: name.into(),
        initials: initials.into(),
    })
    .unwrap();
    doc
}

fn title(doc: &mut RegisterDoc, id: &str, text: &str) {
    doc.update_finding(id, today(), |f| f.title = text.into())
        .unwrap();
}

/// What identifies an entry and what it shows, for comparing copies.
fn shown(entries: &[HistoryEntry]) -> Vec<(String, i64, String, String)> {
    entries
        .iter()
        .map(|e| {
            let changes = e
                .changes
                .iter()
                .map(|c| format!("{}: {:?} → {:?}", c.path.join("/"), c.old, c.new))
                .collect::<Vec<_>>()
                .join("; ");
            (e.hash.clone(), e.at, e.op.clone(), changes)
        })
        .collect()
}

/// Every change each change depends on, directly or not, read from the
/// saved bytes with Automerge alone.
fn ancestors(doc: &RegisterDoc) -> HashMap<String, HashSet<String>> {
    let am = Automerge::load(&doc.save()).unwrap();
    let deps: HashMap<ChangeHash, Vec<ChangeHash>> = am
        .get_changes(&[])
        .iter()
        .map(|c| (c.hash(), c.deps().to_vec()))
        .collect();
    let mut out = HashMap::new();
    for (hash, direct) in &deps {
        let mut seen: HashSet<ChangeHash> = HashSet::new();
        let mut stack = direct.clone();
        while let Some(h) = stack.pop() {
            if seen.insert(h) {
                stack.extend(deps[&h].iter().copied());
            }
        }
        out.insert(
            hash.to_string(),
            seen.iter().map(ToString::to_string).collect(),
        );
    }
    out
}

/// No entry comes before one it depends on.
fn assert_causal(doc: &RegisterDoc, finding: &str) -> Vec<HistoryEntry> {
    let history = doc.history(finding).unwrap();
    let below = ancestors(doc);
    for (i, earlier) in history.iter().enumerate() {
        for later in &history[i + 1..] {
            assert!(
                !below[&earlier.hash].contains(&later.hash),
                "{} ({}, at {}) is listed before {} ({}, at {}), which it depends on",
                earlier.hash,
                earlier.op,
                earlier.at,
                later.hash,
                later.op,
                later.at
            );
        }
    }
    history
}

#[test]
fn a_later_change_stamped_earlier_still_comes_after_what_it_builds_on() {
    at(1_000);
    let mut jane = register();
    at(2_000_000);
    jane.add_finding("f".into(), today(), |f| f.title = "Recorded".into())
        .unwrap();
    at(3_000_000);
    title(&mut jane, "f", "Jane's title");
    // Bob's clock is hours behind: his edit, made after he received Jane's,
    // carries an earlier time than the finding's creation.
    let mut bob = peer(&jane.save(), 2, "Bob Stone", "BS");
    at(500);
    title(&mut bob, "f", "Bob's title");

    let history = assert_causal(&bob, "f");
    let ops: Vec<(&str, i64)> = history.iter().map(|e| (e.op.as_str(), e.at)).collect();
    assert_eq!(
        ops,
        [
            ("add_finding", 2_000_000),
            ("edit_finding", 3_000_000),
            ("edit_finding", 500)
        ],
        "by the graph, not by the device times"
    );
    assert_eq!(history[2].author, "Bob Stone");
    assert_eq!(
        history[2].changes[0].old.as_deref(),
        Some("Jane's title"),
        "each entry's old value is what its author saw"
    );
}

#[test]
fn a_dependency_through_another_finding_counts() {
    at(1_000);
    let mut jane = register();
    at(2_000_000);
    jane.add_finding("f".into(), today(), |f| f.title = "F".into())
        .unwrap();
    at(3_000_000);
    title(&mut jane, "f", "F edited");
    at(4_000_000);
    jane.add_finding("g".into(), today(), |f| f.title = "G".into())
        .unwrap();
    // Bob's edit of f builds directly only on the change that added g,
    // which builds on Jane's edit of f.
    let mut bob = peer(&jane.save(), 2, "Bob Stone", "BS");
    at(2_500_000);
    title(&mut bob, "f", "Bob's F");
    let history = assert_causal(&bob, "f");
    assert_eq!(
        history.iter().map(|e| e.at).collect::<Vec<_>>(),
        [2_000_000, 3_000_000, 2_500_000]
    );
}

#[test]
fn concurrent_changes_are_all_listed_in_the_same_order_whatever_the_merge_order() {
    at(1_000);
    let mut jane = register();
    at(2_000_000);
    jane.add_finding("f".into(), today(), |f| f.title = "Recorded".into())
        .unwrap();
    let base = jane.save();
    let mut bob = peer(&base, 2, "Bob Stone", "BS");
    let mut cleo = peer(&base, 3, "Cleo Ray", "CR");
    // Three edits made apart, on clocks that disagree; Bob then builds on
    // Cleo's with a clock further behind.
    at(9_000_000);
    title(&mut jane, "f", "Jane's");
    at(1_500_000);
    cleo.update_finding("f", today(), |f| f.owner = "Cleo's owner".into())
        .unwrap();
    at(5_000_000);
    title(&mut bob, "f", "Bob's");
    bob.merge_bytes(&cleo.save()).unwrap();
    at(100);
    bob.update_finding("f", today(), |f| f.area = "Bob after Cleo".into())
        .unwrap();

    let (j, b, c) = (jane.save(), bob.save(), cleo.save());
    let orders: [&[&[u8]]; 4] = [&[&j, &b, &c], &[&c, &b, &j], &[&b, &j, &c], &[&c, &j, &b]];
    let mut seen = Vec::new();
    for order in orders {
        let mut doc = peer(order[0], 9, "Reader", "RD");
        for bytes in &order[1..] {
            doc.merge_bytes(bytes).unwrap();
        }
        let history = assert_causal(&doc, "f");
        seen.push(shown(&history));
        // And once more from the saved file, which Automerge may lay out
        // in another order.
        let reloaded = peer(&doc.save(), 8, "Reader", "RD");
        seen.push(shown(&assert_causal(&reloaded, "f")));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:#?}");
    let history = &seen[0];
    assert_eq!(
        history.len(),
        5,
        "the creation and four edits: {history:#?}"
    );
    let at: Vec<i64> = history.iter().map(|e| e.1).collect();
    // Where the graph leaves a choice, the earliest time goes first; Bob's
    // last edit (stamped 100) waits for both changes it builds on.
    assert_eq!(at, [2_000_000, 1_500_000, 5_000_000, 100, 9_000_000]);
}

/// Many random histories: three auditors with wildly wrong clocks edit two
/// findings and merge at random; every copy's history is causal, and once
/// all have merged everything, all show the same history. Histories are
/// also asked for along the way, so each copy's index is brought up to
/// date across edits and merges in pieces; it must show what a copy opened
/// afresh (its index built in one go) shows.
#[test]
fn random_edits_and_merges_never_break_the_order() {
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    for round in 0..common::cases(12) {
        at(1_000);
        let mut first = register();
        first
            .add_finding("f".into(), today(), |f| f.title = "F".into())
            .unwrap();
        first
            .add_finding("g".into(), today(), |f| f.title = "G".into())
            .unwrap();
        let base = first.save();
        let mut peers: Vec<RegisterDoc> = (0..3u8)
            .map(|p| {
                peer(
                    &base,
                    10 + p,
                    &format!("Peer {p}"),
                    ["PA", "PB", "PC"][usize::from(p)],
                )
            })
            .collect();
        for step in 0..30 {
            let p = next(3) as usize;
            at(next(10_000) as i64 * 1_000);
            if next(3) == 0 {
                let other = (p + 1 + next(2) as usize) % 3;
                let bytes = peers[other].save();
                peers[p].merge_bytes(&bytes).unwrap();
            } else {
                let id = if next(2) == 0 { "f" } else { "g" };
                title(&mut peers[p], id, &format!("round {round} step {step}"));
            }
            // A history read now and then, or the index prepared as the
            // app does when idle: either way it is caught up from here on.
            match next(4) {
                0 => _ = peers[p].history("f").unwrap(),
                1 => peers[p].prepare_history(),
                _ => {}
            }
        }
        for doc in &peers {
            assert_causal(doc, "f");
            assert_causal(doc, "g");
        }
        let all: Vec<Vec<u8>> = peers.iter().map(RegisterDoc::save).collect();
        let merged: Vec<_> = (0..3)
            .map(|p| {
                let doc = &mut peers[p];
                for bytes in &all {
                    doc.merge_bytes(bytes).unwrap();
                }
                let history = shown(&assert_causal(doc, "f"));
                let fresh =
                    RegisterDoc::open(&doc.save(), ActorId::from([99; 16]), device_clock).unwrap();
                assert_eq!(
                    shown(&fresh.history("f").unwrap()),
                    history,
                    "round {round}: an index kept up to date shows what one built afresh shows"
                );
                history
            })
            .collect();
        assert!(merged.windows(2).all(|w| w[0] == w[1]), "round {round}");
    }
}

/// Copies of a `RegisterDoc` share its history index. A copy that went its
/// own way (a fork that validated an import, a trial that was dropped) must
/// not leave the original listing changes it does not hold, nor miss its
/// own.
#[test]
fn a_fork_that_went_its_own_way_does_not_leak_into_the_original_history() {
    at(1_000);
    let mut jane = register();
    jane.add_finding("f".into(), today(), |f| f.title = "Recorded".into())
        .unwrap();
    assert_eq!(jane.history("f").unwrap().len(), 1);
    let mut fork = jane.fork_as(ActorId::from([7; 16]));
    title(&mut fork, "f", "Only in the fork");
    assert_eq!(fork.history("f").unwrap().len(), 2);

    title(&mut jane, "f", "Jane's own");
    let history = jane.history("f").unwrap();
    let titles: Vec<Option<&str>> = history
        .iter()
        .flat_map(|e| &e.changes)
        .filter(|c| c.path == ["title"])
        .map(|c| c.new.as_deref())
        .collect();
    assert_eq!(titles, [Some("Recorded"), Some("Jane's own")]);
    assert_eq!(
        fork.history("f").unwrap().len(),
        2,
        "and the fork keeps its own"
    );
}
