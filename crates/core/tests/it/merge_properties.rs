//! Property tests of the register document: random histories of two to four
//! auditors working apart, exchanged in random orders with repeats.
//!
//! Cases per property: 1,000 by default; set `PROPTEST_CASES` for more
//! (e.g. `PROPTEST_CASES=20000 cargo test --release -p ncr-core --test it merge_properties::`).

use crate::common;

use common::{cases, clock, today};

use std::collections::BTreeSet;

use automerge::ActorId;
use ncr_core::document::{DocError, NewRegister, RegisterDoc};
use ncr_core::model::{Auditor, CorrectiveAction, Grade, Status};
use proptest::prelude::*;

const INITIALS: [&str; 4] = ["AA", "BB", "CC", "DD"];

#[derive(Debug, Clone)]
enum Op {
    Add {
        title: String,
    },
    Edit {
        pick: usize,
        field: u8,
        text: String,
    },
    Delete {
        pick: usize,
    },
    Restore {
        pick: usize,
    },
    Status {
        pick: usize,
        status: usize,
    },
    AddAction {
        pick: usize,
    },
    EditAction {
        pick: usize,
        text: String,
    },
    /// Another auditor's copy merged into this one mid-way.
    Receive {
        from: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let text = "[a-z ]{0,8}";
    prop_oneof![
        3 => text.prop_map(|title| Op::Add { title }),
        4 => (any::<usize>(), 0u8..4, text).prop_map(|(pick, field, text)| Op::Edit { pick, field, text }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => any::<usize>().prop_map(|pick| Op::Restore { pick }),
        2 => (any::<usize>(), 0..Status::ALL.len()).prop_map(|(pick, status)| Op::Status { pick, status }),
        2 => any::<usize>().prop_map(|pick| Op::AddAction { pick }),
        2 => (any::<usize>(), text).prop_map(|(pick, text)| Op::EditAction { pick, text }),
        1 => any::<usize>().prop_map(|from| Op::Receive { from }),
    ]
}

/// A scenario: per step, which auditor acts and what they do; then the
/// order in which copies are exchanged at the end (may repeat).
/// Auditor count, (who, what) steps, then (from, to) exchanges.
type Scenario = (usize, Vec<(usize, Op)>, Vec<(usize, usize)>);

fn scenario() -> impl Strategy<Value = Scenario> {
    (2usize..=4).prop_flat_map(|n| {
        (
            Just(n),
            prop::collection::vec((0..n, op()), 1..24),
            prop::collection::vec((0..n, 0..n), 0..8),
        )
    })
}

struct World {
    copies: Vec<RegisterDoc>,
    added_findings: BTreeSet<String>,
    added_actions: BTreeSet<(String, String)>,
    counter: usize,
}

fn pick(doc: &RegisterDoc, n: usize) -> Option<&String> {
    let keys: Vec<&String> = doc.findings().keys().collect();
    if keys.is_empty() {
        None
    } else {
        Some(keys[n % keys.len()])
    }
}

impl World {
    fn new(n: usize) -> World {
        let base = RegisterDoc::create(
            ActorId::from([200u8; 16]),
            &Auditor {
                name: "Lead".into(),
                initials: "LD".into(),
            },
            NewRegister {
                name: "Shared".into(),
                ..Default::default()
            },
            "reg".into(),
            clock,
        )
        .unwrap();
        let bytes = base.save();
        let copies = (0..n)
            .map(|i| {
                let mut d =
                    RegisterDoc::open(&bytes, ActorId::from([i as u8 + 1; 16]), clock).unwrap();
                d.set_me(&Auditor {
                    name: format!("Auditor {i}"),
                    initials: INITIALS[i].into(),
                })
                .unwrap();
                d
            })
            .collect();
        World {
            copies,
            added_findings: BTreeSet::new(),
            added_actions: BTreeSet::new(),
            counter: 0,
        }
    }

    fn apply(&mut self, who: usize, op: &Op) {
        self.counter += 1;
        let fresh = format!("id-{who}-{}", self.counter);
        let doc = &mut self.copies[who];
        match op {
            Op::Add { title } => {
                let t = title.clone();
                doc.add_finding(fresh.clone(), today(), |f| {
                    f.title = t;
                    f.grade = Grade::Major;
                })
                .unwrap();
                self.added_findings.insert(fresh);
            }
            Op::Edit {
                pick: p,
                field,
                text,
            } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    let text = text.clone();
                    doc.update_finding(&id, today(), |f| match field {
                        0 => f.title = text,
                        1 => f.statement = text,
                        2 => {
                            f.requirements
                                .insert(format!("A.5.{}", text.len() + 1), true);
                        }
                        _ => f.owner = text,
                    })
                    .unwrap();
                }
            }
            Op::Delete { pick: p } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    doc.delete_finding(&id, "Entered twice", today()).unwrap();
                }
            }
            Op::Restore { pick: p } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    doc.restore_finding(&id, today()).unwrap();
                }
            }
            Op::Status { pick: p, status } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    let s = Status::ALL[*status];
                    // Through the lifecycle, as the app does: give the guards
                    // what the nearest steps need, and accept their refusal
                    // of the others (any other error still fails).
                    doc.update_finding(&id, today(), |f| {
                        if f.rejection_reason.is_empty() {
                            f.rejection_reason = "Unfounded".into();
                        }
                        if f.root_cause.statement.is_empty() {
                            f.root_cause.statement = "No restore test planned".into();
                        }
                    })
                    .unwrap();
                    match doc.change_status(&id, s, today()) {
                        Ok(()) | Err(DocError::Transition(_)) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            Op::AddAction { pick: p } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    doc.add_action(&id, fresh.clone(), today(), CorrectiveAction::default())
                        .unwrap();
                    self.added_actions.insert((id, fresh));
                }
            }
            Op::EditAction { pick: p, text } => {
                if let Some(id) = pick(doc, *p).cloned() {
                    let action = doc
                        .finding(&id)
                        .and_then(|f| f.actions.keys().next().cloned());
                    if let Some(aid) = action {
                        let text = text.clone();
                        doc.update_action(&id, &aid, today(), |a| a.description = text)
                            .unwrap();
                    }
                }
            }
            Op::Receive { from } => {
                let from = from % self.copies.len();
                if from != who {
                    let bytes = self.copies[from].save();
                    self.copies[who].merge_bytes(&bytes).unwrap();
                }
            }
        }
    }

    fn exchange(&mut self, from: usize, to: usize) {
        if from != to {
            let bytes = self.copies[from].save();
            self.copies[to].merge_bytes(&bytes).unwrap();
        }
    }

    /// Everyone sends to the first copy, then the first sends back to all.
    fn settle(&mut self) {
        for i in 1..self.copies.len() {
            self.exchange(i, 0);
        }
        for i in 1..self.copies.len() {
            self.exchange(0, i);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1000), ..ProptestConfig::default() })]

    #[test]
    fn copies_converge_and_lose_nothing((n, steps, exchanges) in scenario()) {
        let mut world = World::new(n);
        for (who, op) in &steps {
            world.apply(*who, op);
        }
        for (from, to) in &exchanges {
            world.exchange(*from, *to);
        }
        world.settle();
        let first = &world.copies[0];
        for copy in &world.copies[1..] {
            prop_assert_eq!(copy.heads().len(), first.heads().len());
            let mut a = copy.heads(); a.sort();
            let mut b = first.heads(); b.sort();
            prop_assert_eq!(a, b, "same history everywhere");
            prop_assert_eq!(copy.findings(), first.findings(), "same state everywhere");
        }
        for copy in &world.copies {
            prop_assert_eq!(&copy.rehydrated().unwrap(), copy.findings(), "cache matches the document");
            for id in &world.added_findings {
                prop_assert!(copy.finding(id).is_some(), "finding {} lost", id);
            }
            for (fid, aid) in &world.added_actions {
                prop_assert!(copy.finding(fid).unwrap().actions.contains_key(aid), "action {} lost", aid);
            }
            // Every auditor numbers only their own findings: distinct initials
            // never collide, whatever the order of exchanges.
            prop_assert!(copy.duplicate_references().is_empty());
            for (key, f) in copy.findings() {
                prop_assert_eq!(key, &f.id, "a finding's key is its id");
            }
        }
    }

    #[test]
    fn merging_is_order_independent_and_idempotent((n, steps, _x) in scenario(), order in Just((0..4).collect::<Vec<usize>>()).prop_shuffle()) {
        let mut world = World::new(n);
        for (who, op) in &steps {
            if !matches!(op, Op::Receive { .. }) {
                world.apply(*who, op);
            }
        }
        let files: Vec<Vec<u8>> = world.copies.iter().map(|c| c.save()).collect();
        // Two fresh copies of the starting register merge all files, in two
        // different orders, one of them with every file twice.
        let mut forward = RegisterDoc::open(&files[0], ActorId::from([99u8; 16]), clock).unwrap();
        for f in &files { forward.merge_bytes(f).unwrap(); }
        let mut shuffled = RegisterDoc::open(&files[n - 1], ActorId::from([98u8; 16]), clock).unwrap();
        for i in order.iter().filter(|i| **i < n) {
            shuffled.merge_bytes(&files[*i]).unwrap();
            shuffled.merge_bytes(&files[*i]).unwrap();
        }
        prop_assert_eq!(forward.findings(), shuffled.findings());
        let conflicted_a: Vec<&String> = forward.conflicted_ids().collect();
        let conflicted_b: Vec<&String> = shuffled.conflicted_ids().collect();
        prop_assert_eq!(conflicted_a, conflicted_b, "conflicts are seen alike");
        prop_assert_eq!(forward.findings().len(), world.added_findings.len());
    }

    #[test]
    fn save_and_open_round_trip_exactly((n, steps, _x) in scenario()) {
        let mut world = World::new(n);
        for (who, op) in &steps {
            world.apply(*who, op);
        }
        for copy in &world.copies {
            let reopened = RegisterDoc::open(&copy.save(), ActorId::from([77u8; 16]), clock).unwrap();
            prop_assert_eq!(reopened.findings(), copy.findings());
            prop_assert_eq!(reopened.heads(), copy.heads());
            prop_assert_eq!(reopened.info(), copy.info());
            prop_assert_eq!(reopened.auditors(), copy.auditors());
        }
    }
}
