//! The session (the UI store's protocol) driven natively through its real
//! code with the in-memory adapters: drafts that outlive a closed tab,
//! writes that fail on a full storage, switching registers, other tabs'
//! saves arriving while a register opens, and export records. The
//! interleavings of several tabs are in `tabs.rs`.

use crate::common;

use common::{block_on, clock, today};

use ncr_core::document::{session_actor, NewRegister, RegisterDoc};
use ncr_core::model::Auditor;
use ncr_core::session::{
    Draft, Drafts, MemoryDrafts, Received, SaveStatus, Session, Settle, BACKLOG,
};
use ncr_core::storage::{MemoryStorage, Persistence, StorageError};

const PERSON: [u8; 16] = [3; 16];

type TestSession = Session<MemoryStorage, MemoryDrafts>;

fn jane() -> Auditor {
    Auditor {
        name: "Jane Doe".into(),
        initials: "JD".into(),
    }
}

fn new_register(id: &str, session: u8) -> RegisterDoc {
    RegisterDoc::create(
        session_actor(&PERSON, &[session; 8]),
        &jane(),
        NewRegister {
            name: format!("Register {id}"),
            ..Default::default()
        },
        id.into(),
        clock,
    )
    .unwrap()
}

/// A browser: one storage and one drafts store shared by its pages.
struct Browser {
    storage: MemoryStorage,
    drafts: MemoryDrafts,
    pages: u8,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            storage: MemoryStorage::new(),
            drafts: MemoryDrafts::new(),
            pages: 0,
        }
    }

    fn page(&mut self) -> TestSession {
        self.pages += 1;
        Session::new(
            Some(self.storage.clone()),
            self.drafts.page(&self.pages.to_string()),
        )
    }

    /// A new register, stored, open in a new page.
    fn with_register(&mut self, id: &str) -> TestSession {
        let mut doc = new_register(id, 0);
        block_on(Persistence::new(self.storage.clone()).save_snapshot(&mut doc)).unwrap();
        let mut s = self.page();
        open(&mut s, id, self.pages);
        s
    }
}

/// What the UI does to open a stored register (after settling).
fn open(s: &mut TestSession, id: &str, page: u8) -> ncr_core::session::Opened {
    let p = s.begin_open(id).unwrap();
    let loaded = block_on(p.load(id, session_actor(&PERSON, &[page; 8]), clock)).unwrap();
    s.open_loaded(loaded, &jane(), today()).unwrap()
}

/// What the UI does after an intent: write until nothing is left or a
/// write fails. Returns the failures' `first_failure` flags.
fn save(s: &mut TestSession) -> Vec<bool> {
    let mut failures = Vec::new();
    while let Some(job) = s.begin_save() {
        let result = block_on(job.write());
        let done = s.finish_save(job, result);
        if done.error.is_some() {
            failures.push(done.first_failure);
            break;
        }
    }
    failures
}

fn add(s: &mut TestSession, id: &str, title: &str) {
    let title = title.to_owned();
    s.mutate(|d| d.add_finding(id.into(), today(), |f| f.title = title))
        .unwrap();
}

fn stored(b: &Browser, id: &str) -> RegisterDoc {
    let p = Persistence::new(b.storage.clone());
    block_on(p.load(id, session_actor(&PERSON, &[99; 8]), clock))
        .unwrap()
        .doc
}

#[test]
fn text_typed_in_a_tab_that_closed_before_committing_is_committed_at_the_next_opening() {
    let mut b = Browser::new();
    let mut first = b.with_register("r");
    add(&mut first, "f", "Title");
    save(&mut first);
    // Typed, drafted, never committed: the tab closes.
    first.draft("f", "evidence", "Badge log of 3 May").unwrap();
    drop(first);
    assert_eq!(stored(&b, "r").finding("f").unwrap().evidence, "");

    let mut second = b.page();
    let opened = open(&mut second, "r", 2);
    assert_eq!(opened.drafts_applied, 1);
    assert_eq!(
        second.doc().unwrap().finding("f").unwrap().evidence,
        "Badge log of 3 May"
    );
    // Committed but not yet stored: the draft must survive until it is.
    assert_eq!(b.drafts.len(), 1);
    save(&mut second);
    assert!(b.drafts.is_empty(), "cleared once stored");
    assert_eq!(
        stored(&b, "r").finding("f").unwrap().evidence,
        "Badge log of 3 May"
    );
}

#[test]
fn a_draft_committed_while_storage_is_full_stays_until_a_write_succeeds() {
    let mut b = Browser::new();
    let mut s = b.with_register("r");
    add(&mut s, "f", "Title");
    save(&mut s);
    s.draft("f", "statement", "Doors left open").unwrap();
    b.storage.set_quota(Some(b.storage.used()));
    assert!(s.commit_draft("f", "statement", today()));
    assert_eq!(save(&mut s), vec![true], "one failure, the first");
    assert_eq!(s.status(), SaveStatus::Failed);
    assert!(s.at_risk(), "the page must ask before closing");
    assert_eq!(b.drafts.len(), 1, "the draft still holds the text");
    // Retried while still full: failing again is not news.
    assert_eq!(save(&mut s), vec![false]);

    b.storage.set_quota(None);
    assert!(save(&mut s).is_empty());
    assert_eq!(s.status(), SaveStatus::Saved);
    assert!(!s.at_risk());
    assert!(b.drafts.is_empty());
    assert_eq!(
        stored(&b, "r").finding("f").unwrap().statement,
        "Doors left open"
    );
}

#[test]
fn another_register_opens_only_once_everything_is_stored() {
    let mut b = Browser::new();
    let mut other = new_register("other", 0);
    block_on(Persistence::new(b.storage.clone()).save_snapshot(&mut other)).unwrap();
    let mut s = b.with_register("r");
    add(&mut s, "f", "Unsaved work");

    // A write is running: settling waits for it.
    let running = s.begin_save().unwrap();
    assert!(matches!(s.begin_settle(), Settle::Busy));
    add(&mut s, "g", "Made while writing");
    let result = block_on(running.write());
    assert!(s.finish_save(running, result).again, "g still to write");

    // Storage is full: settling hands out the write, which fails, and the
    // switch must not happen (the UI stops there and says why).
    b.storage.set_quota(Some(b.storage.used()));
    let Settle::Write(job) = s.begin_settle() else {
        panic!("g is unsaved")
    };
    let result = block_on(job.write());
    assert_eq!(result, Err(StorageError::QuotaExceeded));
    let done = s.finish_save(job, result);
    assert!(done.error.is_some());
    assert_eq!(s.id().as_deref(), Some("r"));

    b.storage.set_quota(None);
    let Settle::Write(job) = s.begin_settle() else {
        panic!("g is still unsaved")
    };
    let result = block_on(job.write());
    s.finish_save(job, result);
    assert!(matches!(s.begin_settle(), Settle::Settled));
    open(&mut s, "other", 1);
    assert_eq!(s.id().as_deref(), Some("other"));
    assert!(stored(&b, "r").finding("g").is_some());
}

#[test]
fn saves_announced_while_a_register_opens_are_applied_once_it_is_open() {
    let mut b = Browser::new();
    let mut writer = b.with_register("r");
    let mut reader = b.page();
    // The reader starts opening; the writer saves meanwhile.
    let p = reader.begin_open("r").unwrap();
    let loaded = block_on(p.load("r", session_actor(&PERSON, &[9; 8]), clock)).unwrap();
    add(&mut writer, "late", "Saved while the other tab opened");
    let job = writer.begin_save().unwrap();
    let result = block_on(job.write());
    let announce = writer.finish_save(job, result).announce.unwrap();
    assert_eq!(
        reader.receive_from_tab(&announce.register, &announce.bytes),
        Received::Kept
    );
    let opened = reader.open_loaded(loaded, &jane(), today()).unwrap();
    assert_eq!(opened.tab_saves_applied, 1);
    assert!(reader.doc().unwrap().finding("late").is_some());
}

#[test]
fn only_the_opening_registers_saves_are_kept_at_most_a_backlog_and_the_rest_caught_up() {
    let mut b = Browser::new();
    let mut other = new_register("elsewhere", 0);
    block_on(Persistence::new(b.storage.clone()).save_snapshot(&mut other)).unwrap();
    let mut writer = b.with_register("r");
    let mut reader = b.page();
    let p = reader.begin_open("r").unwrap();
    let loaded = block_on(p.load("r", session_actor(&PERSON, &[9; 8]), clock)).unwrap();
    // While the reader opens, the writer saves more than the backlog holds.
    let saves = BACKLOG + 6;
    for i in 0..saves {
        add(&mut writer, &format!("f{i}"), "x");
        let job = writer.begin_save().unwrap();
        let result = block_on(job.write());
        let a = writer.finish_save(job, result).announce.unwrap();
        assert_eq!(
            reader.receive_from_tab(&a.register, &a.bytes),
            Received::Kept
        );
    }
    assert_eq!(
        reader.receive_from_tab("elsewhere", b"not kept"),
        Received::Ignored,
        "saves of a register that is not opening are read when it opens"
    );
    let opened = reader.open_loaded(loaded, &jane(), today()).unwrap();
    assert!(opened.tab_saves_applied <= BACKLOG);
    assert!(opened.problems.is_empty(), "{:?}", opened.problems);
    if opened.catch_up {
        let (p, id) = reader.begin_catch_up().unwrap();
        let read = block_on(p.read_copy(&id)).map_err(|e| e.to_string());
        reader.finish_catch_up(&id, read).unwrap();
    }
    assert_eq!(reader.doc().unwrap().live_findings().count(), saves);
}

#[test]
fn a_register_is_not_replaced_while_its_changes_are_unsaved() {
    let mut b = Browser::new();
    let mut s = b.with_register("r");
    add(&mut s, "f", "made while another register loaded");
    assert!(!s.settled());
    assert!(s.install(new_register("other", 1), today()).is_err());
    assert_eq!(s.id().as_deref(), Some("r"), "nothing was replaced");
    let Settle::Write(job) = s.begin_settle() else {
        panic!("f is unsaved")
    };
    let result = block_on(job.write());
    s.finish_save(job, result);
    assert!(s.settled());
    s.install(new_register("other", 1), today()).unwrap();
    assert!(stored(&b, "r").finding("f").is_some());
}

#[test]
fn one_retry_at_a_time_however_many_writes_fail() {
    let mut b = Browser::new();
    let mut s = b.with_register("r");
    b.storage.set_quota(Some(b.storage.used()));
    let mut retries = 0;
    for i in 0..5 {
        add(&mut s, &format!("f{i}"), "x");
        let job = s.begin_save().unwrap();
        let result = block_on(job.write());
        let done = s.finish_save(job, result);
        assert!(done.error.is_some());
        assert!(!done.again, "the retry writes it");
        retries += usize::from(done.retry);
    }
    assert_eq!(retries, 1);
    assert_eq!(s.status(), SaveStatus::Failed);
    b.storage.set_quota(None);
    s.retry_due();
    assert!(save(&mut s).is_empty());
    assert_eq!(s.status(), SaveStatus::Saved);
    assert_eq!(stored(&b, "r").live_findings().count(), 5);
}

#[test]
fn a_save_building_on_one_never_received_is_caught_up_from_storage() {
    let mut b = Browser::new();
    let mut writer = b.with_register("r");
    let mut reader = b.page();
    open(&mut reader, "r", 2);
    let mut announced = Vec::new();
    for id in ["one", "two"] {
        add(&mut writer, id, id);
        let job = writer.begin_save().unwrap();
        let result = block_on(job.write());
        announced.push(writer.finish_save(job, result).announce.unwrap());
    }
    // The first announcement was lost.
    assert_eq!(
        reader.receive_from_tab("r", &announced[1].bytes),
        Received::CatchUp
    );
    let (p, id) = reader.begin_catch_up().unwrap();
    assert!(reader.begin_catch_up().is_none(), "one catch-up at a time");
    let read = block_on(p.read_copy(&id)).map_err(|e| e.to_string());
    assert_eq!(
        reader.finish_catch_up(&id, read),
        Ok(true),
        "asked again while reading"
    );
    let (p, id) = reader.begin_catch_up().unwrap();
    let read = block_on(p.read_copy(&id)).map_err(|e| e.to_string());
    assert_eq!(reader.finish_catch_up(&id, read), Ok(false));
    let doc = reader.doc().unwrap();
    assert!(doc.finding("one").is_some() && doc.finding("two").is_some());
    assert_eq!(
        reader.status(),
        SaveStatus::Saved,
        "received changes are stored already"
    );
    assert!(reader.begin_save().is_none());
}

#[test]
fn without_storage_everything_works_in_the_tab_and_closing_is_at_risk() {
    let mut s: TestSession = Session::new(None, MemoryDrafts::new());
    assert_eq!(
        s.status(),
        SaveStatus::Saved,
        "not refused, only not open yet"
    );
    s.storage_refused();
    assert_eq!(s.status(), SaveStatus::Unavailable);
    assert!(!s.at_risk(), "nothing open, nothing to lose");
    s.install(new_register("r", 1), today()).unwrap();
    add(&mut s, "f", "Only here");
    assert!(s.begin_save().is_none());
    assert!(s.at_risk());
    assert!(matches!(s.begin_settle(), Settle::Settled));
}

#[test]
fn a_draft_for_a_finding_that_no_longer_exists_is_dropped_once_stored() {
    let mut b = Browser::new();
    let mut s = b.with_register("r");
    b.drafts
        .page("closed")
        .save(&Draft {
            register: "r".into(),
            finding: "gone".into(),
            field: "title".into(),
            value: "lost cause".into(),
        })
        .unwrap();
    let mut again = b.page();
    let opened = open(&mut again, "r", 5);
    assert_eq!(opened.drafts_applied, 0);
    add(&mut s, "f", "x");
    save(&mut again);
    assert!(b.drafts.is_empty());
}

#[test]
fn an_export_records_its_heads_and_the_reminder_counts_from_it() {
    let mut b = Browser::new();
    let mut s = b.with_register("r");
    add(&mut s, "f", "Title");
    let person = hex(&PERSON);
    let day = 86_400_000;
    // Changes are stamped by `clock`; nothing exported yet: due after 0 days.
    assert_eq!(
        s.export_reminder(&person, None, clock() + 3 * day, 2),
        Some(3)
    );
    let (bytes, record) = s.export(clock()).unwrap();
    let copy = RegisterDoc::open(&bytes, session_actor(&PERSON, &[8; 8]), clock).unwrap();
    assert_eq!(copy.heads(), s.doc().unwrap().heads());
    assert_eq!(
        s.export_reminder(&person, Some(&record), clock() + 3 * day, 2),
        None
    );
    add(&mut s, "g", "After the export");
    assert_eq!(
        s.export_reminder(&person, Some(&record), clock() + 3 * day, 2),
        Some(3)
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn readers_are_told_only_what_changed_here_and_in_other_tabs() {
    let mut b = Browser::new();
    let mut here = b.with_register("r");
    assert!(here.take_changes().all, "opening changes everything");
    add(&mut here, "f", "F");
    add(&mut here, "g", "G");
    save(&mut here);
    let mut there = b.page();
    open(&mut there, "r", 2);
    there.take_changes();
    here.take_changes();

    // An edit here: that finding, nothing of the register's own data.
    here.update_finding("f", today(), |f| f.owner = "Ops".into())
        .unwrap();
    let changes = here.take_changes();
    assert_eq!(changes.findings.into_iter().collect::<Vec<_>>(), ["f"]);
    assert!(!changes.register && !changes.all);

    // Another tab's edit of g arrives: g only.
    there
        .update_finding("g", today(), |f| f.owner = "IT".into())
        .unwrap();
    let job = there.begin_save().unwrap();
    let result = block_on(job.write());
    let a = there.finish_save(job, result).announce.unwrap();
    here.take_changes();
    assert_eq!(here.receive_from_tab("r", &a.bytes), Received::Applied);
    let changes = here.take_changes();
    assert_eq!(changes.findings.into_iter().collect::<Vec<_>>(), ["g"]);
    assert!(!changes.register, "a finding's edit is not the register's");

    // Another tab's settings change: the register's own data.
    let mut settings = there.doc().unwrap().settings();
    settings.major_close_days += 1;
    there.mutate(|d| d.update_settings(settings)).unwrap();
    let job = there.begin_save().unwrap();
    let result = block_on(job.write());
    let a = there.finish_save(job, result).announce.unwrap();
    assert_eq!(here.receive_from_tab("r", &a.bytes), Received::Applied);
    let changes = here.take_changes();
    assert!(changes.register && changes.findings.is_empty());
}

#[test]
fn the_view_is_stored_once_everything_is_and_the_next_page_opens_from_it() {
    let mut b = Browser::new();
    let mut s = b.with_register("r1");
    add(&mut s, "f1", "Typed");
    assert!(s.begin_view().is_none(), "not while a change is unsaved");
    save(&mut s);
    let job = s.begin_view().expect("due once everything is stored");
    block_on(job.write()).unwrap();
    assert!(s.begin_view().is_none(), "not again at the same heads");
    let mut next = b.page();
    let p = next.begin_open("r1").unwrap();
    let loaded = block_on(p.load("r1", session_actor(&PERSON, &[9; 8]), clock)).unwrap();
    assert!(loaded.from_view);
    assert_eq!(loaded.doc.finding("f1").unwrap().title, "Typed");
    add(&mut s, "f2", "More");
    save(&mut s);
    assert!(s.begin_view().is_some(), "due again after the next change");
}
