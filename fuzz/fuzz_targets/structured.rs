//! Wrong-typed values written into random places of a valid register (the
//! demo, made through the intents): strings where maps belong, maps where
//! strings belong, lists, Text objects, unknown enum codes, nulls, huge
//! strings, nesting a few hundred levels deep, deleted keys. The damaged
//! register is saved, then opened, peeked, merged into another copy,
//! applied as another tab's chunk and loaded from storage. No call may
//! panic, and every copy this app keeps must open again.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjId, ObjType, Prop, ReadDoc, ScalarValue, Value, ROOT};
use libfuzzer_sys::fuzz_target;
use ncr_core::document::RegisterDoc;
use ncr_core::storage::{MemoryStorage, Persistence, INCREMENTAL, SNAPSHOT};
use nc_register_fuzz::{actor, block_on, clock, reopens, seeds, REGISTER_ID};

#[derive(Arbitrary, Debug)]
enum Key {
    /// One of the keys the object already has.
    Existing(u16),
    /// A field name used somewhere in the register.
    Known(u16),
    Any(String),
}

#[derive(Arbitrary, Debug)]
enum Val {
    Str(String),
    /// A plausible but unknown enum code.
    Code(u8),
    Int(i64),
    Uint(u64),
    F64(f64),
    Bool(bool),
    Null,
    Timestamp(i64),
    Counter(i64),
    Bytes(Vec<u8>),
    Map,
    List,
    Text(String),
    /// A string of 1 KiB to 1 MiB.
    Huge(u8),
    /// Maps or lists nested this many levels (up to 400).
    Deep(u16, bool),
    Delete,
}

#[derive(Arbitrary, Debug)]
struct Edit {
    object: u16,
    key: Key,
    value: Val,
}

const CODES: &[&str] = &[
    "",
    "major",
    "minor",
    "MAJOR",
    "observation",
    "ofi",
    "open",
    "closed",
    "done",
    "verified",
    "unknown",
    "-1",
    "0",
    "999",
    "null",
    "true",
    "\u{0}",
    "x\u{202e}y",
    "2026-02-30",
    "9999-12-31",
    "2026-11-28T00:00:00Z",
];

struct Base {
    bytes: Vec<u8>,
    heads: Vec<automerge::ChangeHash>,
    keys: Vec<String>,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let bytes = seeds().base.clone();
        let doc = Automerge::load(&bytes).expect("the demo loads");
        let mut keys = Vec::new();
        for (obj, _) in objects(&doc) {
            for k in doc.keys(&obj) {
                if !keys.contains(&k) && !k.starts_with("id-") {
                    keys.push(k);
                }
            }
        }
        keys.sort();
        Base {
            heads: doc.get_heads(),
            bytes,
            keys,
        }
    })
}

/// Every object of the document with its type, root first.
fn objects(doc: &Automerge) -> Vec<(ObjId, ObjType)> {
    let mut out = vec![(ROOT, ObjType::Map)];
    let mut i = 0;
    while i < out.len() {
        let (obj, kind) = out[i].clone();
        i += 1;
        let props: Vec<Prop> = match kind {
            ObjType::Map | ObjType::Table => doc.keys(&obj).map(Prop::Map).collect(),
            ObjType::List => (0..doc.length(&obj)).map(Prop::Seq).collect(),
            ObjType::Text => Vec::new(),
        };
        for p in props {
            if let Ok(Some((Value::Object(t), id))) = doc.get(&obj, p) {
                out.push((id, t));
            }
        }
        if out.len() > 5000 {
            break;
        }
    }
    out
}

fn scalar(v: &Val) -> Option<ScalarValue> {
    Some(match v {
        Val::Str(s) => ScalarValue::Str(s.as_str().into()),
        Val::Code(c) => ScalarValue::Str(CODES[*c as usize % CODES.len()].into()),
        Val::Int(n) => ScalarValue::Int(*n),
        Val::Uint(n) => ScalarValue::Uint(*n),
        Val::F64(x) => ScalarValue::F64(*x),
        Val::Bool(b) => ScalarValue::Boolean(*b),
        Val::Null => ScalarValue::Null,
        Val::Timestamp(t) => ScalarValue::Timestamp(*t),
        Val::Counter(n) => ScalarValue::counter(*n),
        Val::Bytes(b) => ScalarValue::Bytes(b.clone()),
        Val::Huge(n) => ScalarValue::Str("é".repeat(512 + 2048 * (*n as usize)).into()),
        _ => return None,
    })
}

fn apply(
    tx: &mut impl Transactable,
    obj: &ObjId,
    prop: Prop,
    value: &Val,
) -> Result<(), automerge::AutomergeError> {
    match value {
        Val::Delete => tx.delete(obj, prop),
        Val::Map | Val::List | Val::Text(_) | Val::Deep(..) => {
            let kind = match value {
                Val::Map => ObjType::Map,
                Val::List => ObjType::List,
                Val::Text(_) => ObjType::Text,
                Val::Deep(_, true) => ObjType::List,
                _ => ObjType::Map,
            };
            let mut at = tx.put_object(obj, prop, kind)?;
            match value {
                Val::Text(s) => tx.splice_text(&at, 0, 0, s)?,
                Val::Deep(depth, list) => {
                    for _ in 0..(*depth % 401) {
                        at = if *list {
                            tx.insert_object(&at, 0, ObjType::List)?
                        } else {
                            tx.put_object(&at, "status", ObjType::Map)?
                        };
                    }
                    if !*list {
                        tx.put(&at, "title", "deep")?;
                    }
                }
                _ => {}
            }
            Ok(())
        }
        v => tx.put(obj, prop, scalar(v).expect("a scalar")),
    }
}

fuzz_target!(|edits: Vec<Edit>| {
    let base = base();
    let mut doc = Automerge::load(&base.bytes).expect("the demo loads");
    doc.set_actor(ActorId::from([9u8; 16]));
    let objs = objects(&doc);
    let mut tx = doc.transaction();
    for edit in edits.iter().take(16) {
        let (obj, kind) = &objs[edit.object as usize % objs.len()];
        let prop = match kind {
            ObjType::Map | ObjType::Table => Prop::Map(match &edit.key {
                Key::Existing(i) => {
                    let keys: Vec<String> = tx.keys(obj).collect();
                    if keys.is_empty() {
                        continue;
                    }
                    keys[*i as usize % keys.len()].clone()
                }
                Key::Known(i) => base.keys[*i as usize % base.keys.len()].clone(),
                Key::Any(s) => s.clone(),
            }),
            ObjType::List | ObjType::Text => {
                let len = tx.length(obj);
                let i = match &edit.key {
                    Key::Existing(i) | Key::Known(i) => *i as usize,
                    Key::Any(s) => s.len(),
                };
                if len == 0 {
                    continue;
                }
                Prop::Seq(i % len)
            }
        };
        if *kind == ObjType::Text {
            let pos = match prop {
                Prop::Seq(i) => i as isize,
                Prop::Map(_) => 0,
            };
            let _ = tx.splice_text(obj, pos as usize, 1, "≠");
            continue;
        }
        // Refusals by Automerge itself (deleting a missing list index...)
        // are fine: the edit just does not happen.
        let _ = apply(&mut tx, obj, prop, &edit.value);
    }
    tx.commit();
    let damaged = doc.save();
    let chunk = doc.save_after(&base.heads);

    // A file of the damaged register, picked by the person.
    let _ = RegisterDoc::peek(&damaged);
    if let Ok(opened) = RegisterDoc::open(&damaged, actor(7), clock) {
        reopens(&opened, "the damaged register");
    }
    let _ = RegisterDoc::open_file(&damaged, actor(7), clock);

    // Merged into another copy: taken or refused, that copy still opens.
    let mut other = RegisterDoc::open(&base.bytes, actor(3), clock).expect("the demo opens");
    let _ = other.merge_bytes(&damaged);
    reopens(&other, "a copy after merging the damaged register");

    // Received from another tab.
    let mut tab = RegisterDoc::open(&base.bytes, actor(4), clock).expect("the demo opens");
    let _ = tab.apply_chunk(&chunk);
    reopens(&tab, "a copy after another tab's damaging chunk");

    // Stored by another tab: stored data always opens.
    let storage = MemoryStorage::new();
    let key = |kind: &str| vec![REGISTER_ID.to_string(), kind.to_string(), "k".to_string()];
    storage.poke(key(SNAPSHOT), base.bytes.clone());
    storage.poke(key(INCREMENTAL), chunk.clone());
    let p = Persistence::new(storage);
    match block_on(p.load(REGISTER_ID, actor(5), clock)) {
        Ok(loaded) => reopens(&loaded.doc, "a register loaded from storage"),
        Err(e) => panic!("stored data with a damaging chunk does not open: {e}"),
    }
});
