//! Several tabs of one browser on one register: one person, one storage,
//! several open copies that save on their own schedule, compact on their
//! own schedule and hear of each other's saves late or never (a tab that
//! closes, a message still in flight). Each tab is the real
//! [`Session`] (the UI store's protocol) over the in-memory adapters;
//! the test only plays the browser: it runs the writes the sessions hand
//! out, at moments of its choosing, and carries their announcements.
//! Whatever the interleaving, nothing any tab saved may be missing from
//! storage.
//!
//! Cases: 256 by default; `PROPTEST_CASES` sets more.

use crate::common;

use common::{block_on, cases, clock, today};

use std::collections::VecDeque;

use automerge::ActorId;
use ncr_core::document::{session_actor, NewRegister, RegisterDoc};
use ncr_core::model::Auditor;
use ncr_core::session::{MemoryDrafts, Received, SaveJob, Session};
use ncr_core::storage::{MemoryStorage, Persistence, INCREMENTAL};
use proptest::prelude::*;

const PERSON: [u8; 16] = [7; 16];
const REGISTER: &str = "reg-tabs";

fn jane() -> Auditor {
    Auditor {
        name: "Jane Doe".into(),
        initials: "JD".into(),
    }
}

/// One tab: its session, the write it has started and not finished, and
/// the saves other tabs announced to it, not yet received.
struct Tab {
    session: Session<MemoryStorage, MemoryDrafts>,
    writing: Option<SaveJob<MemoryStorage>>,
    inbox: VecDeque<Vec<u8>>,
}

impl Tab {
    fn doc(&self) -> &RegisterDoc {
        self.session.doc().expect("the register is open")
    }
}

struct Browser {
    storage: MemoryStorage,
    drafts: MemoryDrafts,
    tabs: Vec<Tab>,
    sessions: u8,
}

impl Browser {
    fn new(tabs: usize) -> Browser {
        let storage = MemoryStorage::new();
        let mut first = RegisterDoc::create(
            session_actor(&PERSON, &[0; 8]),
            &jane(),
            NewRegister {
                name: "Tabs".into(),
                ..Default::default()
            },
            REGISTER.into(),
            clock,
        )
        .unwrap();
        block_on(Persistence::new(storage.clone()).save_snapshot(&mut first)).unwrap();
        let mut browser = Browser {
            storage,
            drafts: MemoryDrafts::new(),
            tabs: Vec::new(),
            sessions: 0,
        };
        for _ in 0..tabs {
            let tab = browser.open_tab();
            browser.tabs.push(tab);
        }
        browser
    }

    /// A page load: a new session actor, a fresh read of storage, the
    /// drafts closed pages left committed.
    fn open_tab(&mut self) -> Tab {
        self.sessions += 1;
        let mut session = Session::new(
            Some(self.storage.clone()),
            self.drafts.page(&self.sessions.to_string()),
        );
        let p = session.begin_open(REGISTER).expect("storage");
        let loaded =
            block_on(p.load(REGISTER, session_actor(&PERSON, &[self.sessions; 8]), clock)).unwrap();
        assert!(loaded.quarantined.is_empty(), "nothing stored is damaged");
        let opened = session.open_loaded(loaded, &jane(), today()).unwrap();
        assert!(opened.problems.is_empty(), "{:?}", opened.problems);
        Tab {
            session,
            writing: None,
            inbox: VecDeque::new(),
        }
    }

    /// Records a new finding in one tab (not yet saved).
    fn add(&mut self, tab: usize, id: impl Into<String>, title: impl Into<String>) {
        let title = title.into();
        let id = id.into();
        self.tabs[tab]
            .session
            .mutate(|doc| doc.add_finding(id, today(), |f| f.title = title))
            .unwrap();
    }

    /// Starts the write the session hands out, if any (none while one runs).
    fn start_save(&mut self, t: usize) {
        if self.tabs[t].writing.is_none() {
            self.tabs[t].writing = self.tabs[t].session.begin_save();
        }
    }

    /// Finishes the tab's running write: stores it (or fails, if storage is
    /// full), reports it to the session and announces it to the others.
    fn finish_save(&mut self, t: usize) {
        let Some(job) = self.tabs[t].writing.take() else {
            return;
        };
        let result = block_on(job.write());
        let done = self.tabs[t].session.finish_save(job, result);
        if let Some(a) = done.announce {
            for (i, other) in self.tabs.iter_mut().enumerate() {
                if i != t {
                    other.inbox.push_back(a.bytes.clone());
                }
            }
        }
    }

    /// What the UI store does after an edit: write until nothing is left.
    fn save(&mut self, t: usize) {
        self.finish_save(t);
        loop {
            self.start_save(t);
            if self.tabs[t].writing.is_none() {
                return;
            }
            self.finish_save(t);
            if self.tabs[t].session.status() == ncr_core::session::SaveStatus::Failed {
                return;
            }
        }
    }

    /// Receives the oldest announced save, catching up from storage when
    /// it builds on one this tab never received.
    fn deliver(&mut self, t: usize) {
        let tab = &mut self.tabs[t];
        let Some(bytes) = tab.inbox.pop_front() else {
            return;
        };
        match tab.session.receive_from_tab(REGISTER, &bytes) {
            Received::Applied => {}
            Received::CatchUp => {
                let (p, id) = tab.session.begin_catch_up().expect("no catch-up runs");
                let read = block_on(p.read_copy(&id)).map_err(|e| e.to_string());
                assert!(
                    !tab.session.finish_catch_up(&id, read).unwrap(),
                    "one catch-up"
                );
            }
            other => panic!("a stored save did not apply: {other:?}"),
        }
    }

    /// What every tab holds, merged: what storage must hold at the end.
    fn everything(&self) -> RegisterDoc {
        let mut all =
            RegisterDoc::open(&self.tabs[0].doc().save(), ActorId::random(), clock).unwrap();
        for tab in &self.tabs[1..] {
            all.merge_bytes(&tab.doc().save()).unwrap();
        }
        all
    }

    fn stored(&self) -> RegisterDoc {
        let p = Persistence::new(self.storage.clone());
        let loaded = block_on(p.load(REGISTER, ActorId::random(), clock)).unwrap();
        assert!(loaded.quarantined.is_empty(), "nothing stored is damaged");
        loaded.doc
    }
}

/// Long enough that a few edits outgrow the snapshot and force compaction.
fn title(tag: &str) -> String {
    format!("{tag} {}", "lorem ipsum dolor sit amet ".repeat(12))
}

#[test]
fn a_chunk_another_tab_saved_survives_this_tabs_compaction() {
    let mut b = Browser::new(2);
    b.add(1, "from-b", "B");
    b.save(1);
    // Tab A compacts many times before B's broadcast reaches it.
    for i in 0..40 {
        b.add(0, format!("a{i}"), title("A"));
        b.save(0);
    }
    assert!(
        b.tabs[0].doc().finding("from-b").is_none(),
        "not delivered yet"
    );
    let stored = b.stored();
    assert_eq!(stored.finding("from-b").unwrap().title, "B");
    assert_eq!(stored.live_findings().count(), 41);
}

#[test]
fn two_tabs_of_one_person_edit_the_same_finding_and_both_edits_merge() {
    let mut b = Browser::new(2);
    b.add(0, "f", "Draft");
    b.save(0);
    b.deliver(1);
    // Concurrent edits of one finding in two tabs: before this design both
    // tabs wrote as one actor, and the second change could never merge.
    b.tabs[0]
        .session
        .update_finding("f", today(), |f| f.title = "Title from A".into())
        .unwrap();
    b.tabs[1]
        .session
        .update_finding("f", today(), |f| f.statement = "Statement from B".into())
        .unwrap();
    b.save(0);
    b.save(1);
    b.deliver(0);
    b.deliver(1);
    for tab in &b.tabs {
        let f = tab.doc().finding("f").unwrap();
        assert_eq!(f.title, "Title from A");
        assert_eq!(f.statement, "Statement from B");
    }
    assert_eq!(b.tabs[0].doc().heads(), b.tabs[1].doc().heads());
    // Both sessions are the same person in the history.
    let authors: Vec<String> = b.tabs[0]
        .doc()
        .history("f")
        .unwrap()
        .into_iter()
        .map(|e| e.author)
        .collect();
    assert!(authors.iter().all(|a| a == "Jane Doe"), "{authors:?}");
    assert_eq!(b.stored().finding("f").unwrap().title, "Title from A");
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        tab: usize,
    },
    Edit {
        tab: usize,
        pick: usize,
        statement: bool,
    },
    /// The session hands out a write; the browser has not run it yet.
    StartSave {
        tab: usize,
    },
    /// The browser runs the tab's pending write and reports it.
    FinishSave {
        tab: usize,
    },
    Deliver {
        tab: usize,
    },
    Reload {
        tab: usize,
    },
    /// The browser's storage fills up (writes fail) or frees space.
    Full {
        full: bool,
    },
}

fn op(tabs: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..tabs).prop_map(|tab| Op::Add { tab }),
        4 => (0..tabs, any::<usize>(), any::<bool>())
            .prop_map(|(tab, pick, statement)| Op::Edit { tab, pick, statement }),
        3 => (0..tabs).prop_map(|tab| Op::StartSave { tab }),
        3 => (0..tabs).prop_map(|tab| Op::FinishSave { tab }),
        3 => (0..tabs).prop_map(|tab| Op::Deliver { tab }),
        1 => (0..tabs).prop_map(|tab| Op::Reload { tab }),
        1 => any::<bool>().prop_map(|full| Op::Full { full }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    /// Any interleaving of edits, writes started and finished late (with
    /// compaction), edits made while a write runs, writes failing on a full
    /// storage, late or lost broadcasts and reloads: once space is back and
    /// every tab has saved, storage holds every edit of every tab, and a
    /// reload of any tab sees them all.
    #[test]
    fn no_tab_loses_another_tabs_saved_edits(
        tabs in 2usize..4,
        ops in (2usize..4).prop_flat_map(|n| prop::collection::vec(op(n), 1..60)),
    ) {
        let mut b = Browser::new(tabs);
        let mut added = 0;
        for op in ops {
            match op {
                Op::Add { tab } => {
                    added += 1;
                    b.add(tab % tabs, format!("f{added}"), title(&format!("{added}")));
                }
                Op::Edit { tab, pick, statement } => {
                    let tab = tab % tabs;
                    let ids: Vec<String> = b.tabs[tab].doc().findings().keys().cloned().collect();
                    if ids.is_empty() {
                        continue;
                    }
                    let id = &ids[pick % ids.len()];
                    let text = title(&format!("edit in tab {tab}"));
                    b.tabs[tab]
                        .session
                        .update_finding(id, today(), |f| {
                            if statement { f.statement = text } else { f.title = text }
                        })
                        .unwrap();
                }
                Op::StartSave { tab } => b.start_save(tab % tabs),
                Op::FinishSave { tab } => b.finish_save(tab % tabs),
                Op::Deliver { tab } => b.deliver(tab % tabs),
                Op::Reload { tab } => {
                    let tab = tab % tabs;
                    // A tab closes only once saved (the page asks otherwise).
                    b.save(tab);
                    if b.tabs[tab].session.at_risk() {
                        continue;
                    }
                    b.tabs[tab] = b.open_tab();
                }
                Op::Full { full } => b.storage.set_quota(full.then(|| b.storage.used())),
            }
        }
        b.storage.set_quota(None);
        for t in 0..tabs {
            b.save(t);
            prop_assert!(!b.tabs[t].session.at_risk());
        }
        let everything = b.everything();
        let stored = b.stored();
        prop_assert_eq!(stored.findings(), everything.findings());
        prop_assert_eq!(stored.live_findings().count(), added);
        let mut stored_heads = stored.heads();
        let mut all_heads = everything.heads();
        stored_heads.sort();
        all_heads.sort();
        prop_assert_eq!(stored_heads, all_heads);
    }
}

#[test]
fn a_save_that_builds_on_an_unseen_save_is_refused_not_half_applied() {
    let mut b = Browser::new(2);
    for title in ["first", "second"] {
        b.add(0, title, title);
        b.save(0);
    }
    // Tab 1 missed the first broadcast (it was still opening) and gets the second.
    b.tabs[1].inbox.pop_front();
    let second = b.tabs[1].inbox.pop_front().unwrap();
    let before = b.tabs[1].doc().heads();
    assert_eq!(
        b.tabs[1].session.receive_from_tab(REGISTER, &second),
        Received::CatchUp
    );
    assert_eq!(b.tabs[1].doc().heads(), before, "nothing was applied");
    // Storage has both: reading it again catches up.
    let stored = b.stored();
    assert!(stored.finding("first").is_some() && stored.finding("second").is_some());
}

fn open_as(
    storage: &MemoryStorage,
    session: u8,
) -> (RegisterDoc, Persistence<MemoryStorage>, usize) {
    let p = Persistence::new(storage.clone());
    let loaded = block_on(p.load(REGISTER, session_actor(&PERSON, &[session; 8]), clock)).unwrap();
    let quarantined = loaded.quarantined.len();
    let mut doc = loaded.doc;
    doc.set_me(&jane()).unwrap();
    (doc, p, quarantined)
}

#[test]
fn changes_that_can_never_apply_are_kept_aside_and_tabs_still_sync() {
    let mut b = Browser::new(1);
    b.add(0, "f1", "one");
    let first = Persistence::new(b.storage.clone())
        .prepare(b.tabs[0].doc())
        .unwrap();
    b.save(0);
    b.add(0, "f2", "two");
    b.save(0);
    // The first chunk is damaged: the second builds on it and can never apply.
    let key = vec![REGISTER.to_string(), INCREMENTAL.to_string(), first.name];
    b.storage.poke(key, b"\x85\x6f\x4a\x83garbage".to_vec());

    let (mut a, _pa, quarantined) = open_as(&b.storage, 1);
    assert_eq!(
        quarantined, 2,
        "the damaged chunk and the one that builds on it"
    );
    let (mut other, po, _) = open_as(&b.storage, 2);
    other
        .add_finding("new".into(), today(), |f| f.title = "later".into())
        .unwrap();
    let w = po.prepare(&other).unwrap();
    block_on(po.write(&w)).unwrap();
    // Before: every copy kept the orphan queued and refused every other
    // tab's save as "missing changes", forever.
    a.receive_stored(&w.bytes).unwrap();
    assert_eq!(a.finding("new").unwrap().title, "later");
}

#[test]
fn catching_up_from_storage_never_lets_compaction_delete_what_it_did_not_absorb() {
    let mut b = Browser::new(2);
    // Tab 1 saved work, then closed; tab 0 never heard of it.
    b.add(1, "from-b", "B's work");
    b.save(1);
    b.tabs.pop();
    // Tab 0 reads what is stored (catching up), but suppose merging it
    // failed: what the read saw must not count as absorbed.
    let (p, id) = b.tabs[0].session.begin_catch_up().unwrap();
    let _copy = block_on(p.read_copy(&id)).unwrap();
    b.tabs[0]
        .session
        .finish_catch_up(&id, Err("failed".into()))
        .unwrap_err();
    for i in 0..40 {
        b.add(0, format!("a{i}"), title("A"));
        b.save(0);
    }
    assert_eq!(b.stored().finding("from-b").unwrap().title, "B's work");
}
