//! Photo and file evidence (issue 17): attachment records in the document
//! (added and removed by intents, read item by item, absurd ones set
//! aside), merged from two copies, and the bundle that carries their bytes
//! in a register file (round trip, bounds, tampered content).

use crate::common;

use std::io::{Cursor, Write};

use automerge::{transaction::Transactable, ActorId, AutoCommit, ObjId, ObjType, ReadDoc, ROOT};
use common::{acme_register, clock, today};
use ncr_core::attachment::{sha256_hex, MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES};
use ncr_core::document::{DocError, ItemKind, RegisterDoc};
use ncr_core::exchange::bundle::{self, BundleError, Unbundled, REGISTER_ENTRY};
use ncr_core::model::{Attachment, Auditor};

fn photo(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

fn record(name: &str, bytes: &[u8]) -> Attachment {
    Attachment {
        hash: sha256_hex(bytes),
        name: name.into(),
        mime: "image/png".into(),
        size: bytes.len() as u64,
        ..Attachment::default()
    }
}

fn register_with_finding() -> RegisterDoc {
    let mut doc = acme_register();
    doc.add_finding("f1".into(), today(), |f| f.title = "Rack open".into())
        .unwrap();
    doc.add_finding("f2".into(), today(), |f| f.title = "Badge reader".into())
        .unwrap();
    doc
}

fn colleague(base: &RegisterDoc, n: u8) -> RegisterDoc {
    let mut doc = RegisterDoc::open(&base.save(), ActorId::from([n; 16]), clock).unwrap();
    doc.set_me(&Auditor {
        name: "Sam Roe".into(),
        initials: "SR".into(),
    })
    .unwrap();
    doc
}

fn ops(doc: &RegisterDoc, id: &str) -> Vec<String> {
    doc.history(id).unwrap().into_iter().map(|e| e.op).collect()
}

#[test]
fn an_attachment_is_one_change_with_its_author_and_survives_a_reopen() {
    let mut doc = register_with_finding();
    let bytes = photo(1, 500);
    let id = doc
        .add_attachment(
            "f1",
            "p1".into(),
            today(),
            record("C:\\photos\\rack.png", &bytes),
        )
        .unwrap();
    assert_eq!(id, "p1");
    let a = &doc.finding("f1").unwrap().attachments["p1"];
    assert_eq!(a.name, "rack.png", "folders are not kept");
    assert_eq!(a.hash, sha256_hex(&bytes));
    assert_eq!(a.added_by, "Jane Doe");
    assert_eq!(a.author, doc.person_hex());
    assert_eq!(a.added_on, Some(today()));
    assert_eq!(ops(&doc, "f1").last().unwrap(), "add_attachment");
    // The history names what was attached, by the path the schema knows.
    let added = doc.history("f1").unwrap().pop().unwrap();
    let name = added
        .changes
        .iter()
        .find(|c| c.path == ["attachments", "p1", "name"])
        .expect("the name is in the history");
    assert_eq!(name.new.as_deref(), Some("rack.png"));
    assert!(added
        .changes
        .iter()
        .all(|c| ncr_core::schema::at_path(&c.path).is_some()));
    let reopened = RegisterDoc::open(&doc.save(), ActorId::from([5u8; 16]), clock).unwrap();
    assert_eq!(
        reopened.finding("f1").unwrap().attachments,
        doc.finding("f1").unwrap().attachments
    );
    assert!(reopened.unreadable().is_empty());
    assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
    assert_eq!(
        doc.attachment_hashes().into_iter().collect::<Vec<_>>(),
        vec![sha256_hex(&bytes)]
    );

    doc.remove_attachment("f1", "p1", today()).unwrap();
    assert!(doc.finding("f1").unwrap().attachments.is_empty());
    assert_eq!(ops(&doc, "f1").last().unwrap(), "remove_attachment");
    assert!(doc.remove_attachment("f1", "p1", today()).is_err());
    assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
}

#[test]
fn attachments_are_checked_before_they_are_written() {
    let mut doc = register_with_finding();
    let bytes = photo(2, 100);
    doc.add_attachment("f1", "p1".into(), today(), record("a.png", &bytes))
        .unwrap();
    let before = doc.save();
    // The same content twice on one finding.
    let err = doc
        .add_attachment("f1", "p2".into(), today(), record("b.png", &bytes))
        .unwrap_err();
    assert!(err.to_string().contains("already attached"), "{err}");
    // Not a hash, an absurd size.
    let mut bad = record("c.png", &photo(3, 10));
    bad.hash = "../../etc/passwd".into();
    assert!(doc.add_attachment("f1", "p3".into(), today(), bad).is_err());
    let mut huge = record("d.png", &photo(4, 10));
    huge.size = MAX_ATTACHMENT_BYTES + 1;
    assert!(doc
        .add_attachment("f1", "p4".into(), today(), huge)
        .is_err());
    assert!(matches!(
        doc.add_attachment("nope", "p5".into(), today(), record("e.png", &photo(5, 10))),
        Err(DocError::FindingNotFound(_))
    ));
    assert_eq!(doc.save(), before, "every refusal changes nothing");
    // The same photo on another finding is fine: one stored copy, two records.
    doc.add_attachment("f2", "p6".into(), today(), record("a.png", &bytes))
        .unwrap();
    assert_eq!(doc.attachment_hashes().len(), 1);
    // Another register's findings copied in keep their attachments.
    let mut other = common::demo_register();
    let copied = other
        .copy_findings_from(&doc, || format!("copy-{}", uuid_like()), today())
        .unwrap();
    let with: Vec<_> = copied
        .iter()
        .filter_map(|id| other.finding(id))
        .filter(|f| !f.attachments.is_empty())
        .collect();
    assert_eq!(with.len(), 2);
}

fn uuid_like() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn a_finding_holds_at_most_so_many_attachments() {
    let mut doc = register_with_finding();
    for n in 0..MAX_ATTACHMENTS {
        let bytes = (n as u32).to_le_bytes();
        doc.add_attachment("f1", format!("p{n}"), today(), record("x.png", &bytes))
            .unwrap();
    }
    let err = doc
        .add_attachment("f1", "over".into(), today(), record("y.png", b"over"))
        .unwrap_err();
    assert!(err.to_string().contains("Attachments"), "{err}");
}

#[test]
fn two_copies_each_attaching_a_photo_merge_into_both() {
    let base = register_with_finding();
    let mut jane = base.fork_as(ActorId::from([1u8; 16]));
    let mut sam = colleague(&base, 2);
    let pj = photo(10, 300);
    let ps = photo(20, 400);
    jane.add_attachment("f1", "pj".into(), today(), record("jane.png", &pj))
        .unwrap();
    // Concurrently, the same finding and another one.
    sam.add_attachment("f1", "ps".into(), today(), record("sam.png", &ps))
        .unwrap();
    sam.add_attachment("f2", "ps2".into(), today(), record("sam.png", &ps))
        .unwrap();
    jane.merge_bytes(&sam.save()).unwrap();
    sam.merge_bytes(&jane.save()).unwrap();
    for doc in [&jane, &sam] {
        let f1 = &doc.finding("f1").unwrap().attachments;
        assert_eq!(f1.len(), 2);
        assert_eq!(f1["pj"].added_by, "Jane Doe");
        assert_eq!(f1["ps"].added_by, "Sam Roe");
        assert_eq!(doc.finding("f2").unwrap().attachments.len(), 1);
        assert!(!doc.is_conflicted("f1"), "two additions are no conflict");
        assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
    }
    assert_eq!(jane.cache_state().findings, sam.cache_state().findings);
    assert_eq!(
        jane.attachment_hashes(),
        [sha256_hex(&pj), sha256_hex(&ps)].into_iter().collect()
    );
    // A removal on one side and nothing on the other converges too.
    jane.remove_attachment("f1", "ps", today()).unwrap();
    sam.merge_bytes(&jane.save()).unwrap();
    assert_eq!(sam.finding("f1").unwrap().attachments.len(), 1);
}

#[test]
fn first_attachments_made_at_once_on_a_finding_without_the_map_are_all_kept() {
    // A finding recorded before attachments existed has no map: each copy
    // that attaches first creates one, and Automerge keeps one map per key.
    let mut am = other_tool(&register_with_finding());
    let f1 = obj(&am, &["findings", "f1"]);
    am.delete(&f1, "attachments").unwrap();
    let old = RegisterDoc::open(&am.save(), ActorId::from([5u8; 16]), clock).unwrap();
    assert!(old.finding("f1").unwrap().attachments.is_empty());

    let mut jane = old.fork_as(ActorId::from([1u8; 16]));
    jane.set_me(&Auditor {
        name: "Jane Doe".into(),
        initials: "JD".into(),
    })
    .unwrap();
    let mut sam = colleague(&old, 2);
    let (pj, ps, ps2) = (photo(1, 60), photo(2, 70), photo(3, 80));
    jane.add_attachment("f1", "pj".into(), today(), record("jane.png", &pj))
        .unwrap();
    sam.add_attachment("f1", "ps".into(), today(), record("sam.png", &ps))
        .unwrap();
    sam.add_attachment("f1", "ps2".into(), today(), record("sam2.png", &ps2))
        .unwrap();
    jane.merge_bytes(&sam.save()).unwrap();
    sam.merge_bytes(&jane.save()).unwrap();
    for doc in [&jane, &sam] {
        let f1 = &doc.finding("f1").unwrap().attachments;
        assert_eq!(
            f1.keys().map(String::as_str).collect::<Vec<_>>(),
            ["pj", "ps", "ps2"],
            "no one's attachment is hidden"
        );
        assert!(!doc.is_conflicted("f1"));
        assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
    }
    // Removing one, whichever map holds it, removes it everywhere; the
    // others stay.
    for (who, gone) in [("jane", "ps"), ("sam", "pj")] {
        let doc = if who == "jane" { &mut jane } else { &mut sam };
        doc.remove_attachment("f1", gone, today()).unwrap();
        assert!(!doc.finding("f1").unwrap().attachments.contains_key(gone));
        assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
    }
    jane.merge_bytes(&sam.save()).unwrap();
    sam.merge_bytes(&jane.save()).unwrap();
    for doc in [&jane, &sam] {
        let f1 = &doc.finding("f1").unwrap().attachments;
        assert_eq!(f1.keys().map(String::as_str).collect::<Vec<_>>(), ["ps2"]);
        assert_eq!(doc.reread_state().unwrap(), doc.cache_state());
        let reopened = RegisterDoc::open(&doc.save(), ActorId::from([7u8; 16]), clock).unwrap();
        assert_eq!(reopened.finding("f1").unwrap().attachments.len(), 1);
    }
}

fn other_tool(doc: &RegisterDoc) -> AutoCommit {
    let mut am = AutoCommit::load(&doc.save()).unwrap();
    am.set_actor(ActorId::from([9u8; 16]));
    am
}

fn obj(am: &AutoCommit, path: &[&str]) -> ObjId {
    let mut obj = ROOT;
    for key in path {
        obj = am.get(&obj, *key).unwrap().expect("the path exists").1;
    }
    obj
}

#[test]
fn a_wrong_typed_or_absurd_attachment_from_a_peer_is_set_aside() {
    let mut doc = register_with_finding();
    let good = photo(1, 50);
    doc.add_attachment("f1", "good".into(), today(), record("good.png", &good))
        .unwrap();
    let mut am = other_tool(&doc);
    let map = obj(&am, &["findings", "f1", "attachments"]);
    // A size that is text, a hash that is a path, a record that is a number.
    let a = am.put_object(&map, "typed", ObjType::Map).unwrap();
    am.put(&a, "id", "typed").unwrap();
    am.put(&a, "hash", sha256_hex(b"x")).unwrap();
    am.put(&a, "name", "x.png").unwrap();
    am.put(&a, "size", "large").unwrap();
    let b = am.put_object(&map, "path", ObjType::Map).unwrap();
    am.put(&b, "hash", "../../../etc/passwd").unwrap();
    am.put(&b, "name", "y.png").unwrap();
    am.put(&b, "size", 10u64).unwrap();
    am.put(&map, "scalar", 7i64).unwrap();
    let file = am.save();

    // A file the person chose is refused whole, naming the problem.
    let before = doc.save();
    let err = doc.merge_bytes(&file).unwrap_err();
    assert!(err.to_string().contains("attachment"), "{err}");
    assert_eq!(doc.save(), before);

    // Stored data always opens: the finding keeps its good attachment and
    // the others are listed to export or discard.
    let opened = RegisterDoc::open(&file, ActorId::from([3u8; 16]), clock).unwrap();
    let f1 = opened.finding("f1").unwrap();
    assert_eq!(f1.attachments.keys().collect::<Vec<_>>(), vec!["good"]);
    let aside: Vec<_> = opened
        .unreadable()
        .into_iter()
        .filter(|u| u.kind == ItemKind::Attachment)
        .collect();
    assert_eq!(aside.len(), 3, "{aside:?}");
    assert!(aside.iter().all(|u| u.finding.as_deref() == Some("f1")));
    // Discarding one removes exactly it.
    let mut opened = opened;
    let path = aside.iter().find(|u| u.id == "path").unwrap().clone();
    opened.discard_unreadable(&path).unwrap();
    assert_eq!(opened.unreadable().len(), 2);
    assert_eq!(opened.finding("f1").unwrap().attachments.len(), 1);

    // Attachments that are not a map at all hide nothing else.
    let mut am = other_tool(&doc);
    let f2 = obj(&am, &["findings", "f2"]);
    am.put(&f2, "attachments", "lots").unwrap();
    let opened = RegisterDoc::open(&am.save(), ActorId::from([4u8; 16]), clock).unwrap();
    assert_eq!(opened.finding("f2").unwrap().title, "Badge reader");
    let mut opened = opened;
    let item = opened
        .unreadable()
        .into_iter()
        .find(|u| u.kind == ItemKind::Attachment)
        .expect("set aside");
    opened.discard_unreadable(&item).unwrap();
    assert!(opened.unreadable().is_empty());
}

// ----- the bundle ------------------------------------------------------------

#[test]
fn a_bundle_round_trips_and_loads_as_the_plain_file() {
    let mut doc = register_with_finding();
    let a = photo(1, 1000);
    let b = photo(2, 70_000);
    doc.add_attachment("f1", "pa".into(), today(), record("a.png", &a))
        .unwrap();
    doc.add_attachment("f2", "pb".into(), today(), record("b.png", &b))
        .unwrap();
    let plain = doc.save();
    assert!(!bundle::is_bundle(&plain), "a plain register is no bundle");
    let input = vec![
        (sha256_hex(&b), b.clone()),
        (sha256_hex(&a), a.clone()),
        (sha256_hex(&a), a.clone()),
    ];
    let (bytes, skipped) = bundle::bundle(&plain, &input).unwrap();
    assert!(skipped.is_empty());
    assert!(bundle::is_bundle(&bytes));
    let Unbundled {
        register,
        attachments,
    } = bundle::unbundle(&bytes).unwrap();
    assert_eq!(register, plain, "the register entry is the plain export");
    let mut want = vec![(sha256_hex(&a), a.clone()), (sha256_hex(&b), b.clone())];
    want.sort();
    assert_eq!(attachments, want, "each once, sorted by hash");
    // The same input makes the same bytes (a fixed time, a fixed order).
    assert_eq!(bundle::bundle(&plain, &input).unwrap().0, bytes);
    // A standard zip: the entries are stored under their names.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    assert_eq!(zip.by_index(0).unwrap().name().unwrap(), REGISTER_ENTRY);
    assert_eq!(
        zip.by_index(1).unwrap().compression(),
        zip::CompressionMethod::Stored
    );
    // A damaged stored attachment is left out, not sent.
    let damaged = vec![(sha256_hex(&a), b.clone())];
    let (bytes, skipped) = bundle::bundle(&plain, &damaged).unwrap();
    assert_eq!(skipped, vec![sha256_hex(&a)]);
    assert!(bundle::unbundle(&bytes).unwrap().attachments.is_empty());
}

/// A zip written by hand, for bundles the app would never write.
fn zip_of(entries: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes, method) in entries {
        let options = zip::write::SimpleFileOptions::default().compression_method(*method);
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn a_tampered_attachment_refuses_the_whole_bundle() {
    let doc = register_with_finding();
    let a = photo(1, 1000);
    let (mut bytes, _) = bundle::bundle(&doc.save(), &[(sha256_hex(&a), a.clone())]).unwrap();
    // Flip one byte of the photo's stored content (its last bytes before
    // the directory): the zip's CRC or the hash must catch it.
    let at = bytes
        .windows(a.len())
        .position(|w| w == a.as_slice())
        .unwrap();
    bytes[at + 10] ^= 0xff;
    assert!(bundle::unbundle(&bytes).is_err());
    // Named by a hash its bytes do not have, with a correct CRC.
    let forged = zip_of(&[
        (REGISTER_ENTRY, &doc.save(), zip::CompressionMethod::Stored),
        (
            &format!("attachments/{}", sha256_hex(b"something else")),
            &a,
            zip::CompressionMethod::Stored,
        ),
    ]);
    let err = bundle::unbundle(&forged).unwrap_err();
    assert!(matches!(err, BundleError::HashMismatch(_)), "{err}");
    assert!(err.to_string().contains("does not match its content"));
}

#[test]
fn bundles_are_bounded() {
    let doc = register_with_finding();
    let reg = doc.save();
    let stored = zip::CompressionMethod::Stored;
    let h = sha256_hex(b"abc");
    type Expected = fn(&BundleError) -> bool;
    let cases: Vec<(Vec<u8>, Expected)> = vec![
        // A path that leaves the folder, an unknown entry, an upper-case hash.
        (
            zip_of(&[(REGISTER_ENTRY, &reg, stored), ("../evil", b"x", stored)]),
            |e| matches!(e, BundleError::UnknownEntry(_)),
        ),
        (
            zip_of(&[
                (REGISTER_ENTRY, &reg, stored),
                (&format!("attachments/{}", h.to_uppercase()), b"abc", stored),
            ]),
            |e| matches!(e, BundleError::UnknownEntry(_)),
        ),
        // No register (a zip with the register twice, the writer refuses).
        (
            zip_of(&[(&format!("attachments/{h}"), b"abc", stored)]),
            |e| matches!(e, BundleError::NoRegister),
        ),
        // A compressed entry (a zip bomb needs one).
        (
            zip_of(&[
                (REGISTER_ENTRY, &reg, stored),
                (
                    &format!("attachments/{}", sha256_hex(&vec![0u8; 1 << 20])),
                    &vec![0u8; 1 << 20],
                    zip::CompressionMethod::Deflated,
                ),
            ]),
            |e| matches!(e, BundleError::Packed(_)),
        ),
        // Not a zip, half a zip.
        (b"PK\x03\x04 not really".to_vec(), |e| {
            matches!(e, BundleError::Unreadable(_))
        }),
    ];
    for (bytes, expected) in cases {
        let err = bundle::unbundle(&bytes).unwrap_err();
        assert!(expected(&err), "{err:?}");
        assert!(err.to_string().ends_with("Nothing was changed."), "{err}");
    }
    // Two directory entries that point at one entry's bytes (the way a
    // directory could make a reader copy one large entry thousands of
    // times): a duplicate name, or more bytes than the file holds.
    let (whole, _) = bundle::bundle(&reg, &[(h.clone(), b"abc".to_vec())]).unwrap();
    let directory = whole.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    let end = whole.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let entry = whole[directory..end].to_vec();
    let mut doubled = whole[..end].to_vec();
    doubled.extend_from_slice(&entry);
    let mut tail = whole[end..].to_vec();
    for at in [8, 10] {
        let n = u16::from_le_bytes([tail[at], tail[at + 1]]) + 1;
        tail[at..at + 2].copy_from_slice(&n.to_le_bytes());
    }
    let size = u32::from_le_bytes(tail[12..16].try_into().unwrap()) + entry.len() as u32;
    tail[12..16].copy_from_slice(&size.to_le_bytes());
    doubled.extend_from_slice(&tail);
    let err = bundle::unbundle(&doubled).unwrap_err();
    assert!(matches!(err, BundleError::Duplicate(_)), "{err:?}");
    for cut in [whole.len() / 3, whole.len() / 2, whole.len() - 5] {
        assert!(bundle::unbundle(&whole[..cut]).is_err());
    }
}

#[test]
fn mutated_bundles_never_panic() {
    let doc = register_with_finding();
    let a = photo(1, 3000);
    let (base, _) = bundle::bundle(&doc.save(), &[(sha256_hex(&a), a.clone())]).unwrap();
    // A small LCG: the same mutations on every run.
    let mut state: u64 = 17;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for _ in 0..400 {
        let mut bytes = base.clone();
        for _ in 0..1 + next() % 4 {
            let at = next() % bytes.len();
            match next() % 3 {
                0 => bytes[at] ^= 1 << (next() % 8),
                1 => bytes[at] = next() as u8,
                _ => bytes.truncate(at.max(4)),
            }
        }
        let result = common::quietly(|| bundle::unbundle(&bytes));
        let Ok(result) = result else {
            panic!("unbundle panicked on a mutated bundle");
        };
        if let Ok(u) = result {
            for (hash, content) in &u.attachments {
                assert_eq!(&sha256_hex(content), hash);
            }
        }
    }
}

/// Timing for the notes (docs/BENCHMARKS.md): a register with 50 MB of
/// attachments bundled and unbundled natively, release build:
/// `cargo test -p ncr-core --release --test it attachments::bundle_timing -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn bundle_timing() {
    let doc = common::demo_register();
    let register = doc.save();
    let files: Vec<(String, Vec<u8>)> = (0..50u8)
        .map(|n| {
            let bytes = photo(n, 1024 * 1024);
            (sha256_hex(&bytes), bytes)
        })
        .collect();
    let start = std::time::Instant::now();
    let (bundle, _) = bundle::bundle(&register, &files).unwrap();
    let made = start.elapsed();
    let start = std::time::Instant::now();
    let back = bundle::unbundle(&bundle).unwrap();
    let read = start.elapsed();
    assert_eq!(back.attachments.len(), 50);
    eprintln!(
        "bundle of {} B: written in {made:?}, read and checked (CRC-32 and SHA-256 of each entry) in {read:?}",
        bundle.len()
    );
}
