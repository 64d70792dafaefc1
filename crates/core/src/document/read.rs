//! Reading the document, item by item, as untrusted data.
//!
//! Any peer can write anything into a register: another tool, an older or
//! newer version, a crafted file. So nothing here trusts the shape of what it
//! reads, and no read can hide more than the one item it is about:
//!
//! - **Bounded walk.** An item is turned into JSON by walking its objects
//!   ourselves, never deeper than [`MAX_DEPTH`] (Automerge's own `hydrate`
//!   recurses, and a map nested 20,000 deep overflows the wasm stack).
//! - **Lenient, marked reading.** serde then builds the typed item from the
//!   JSON (the serde shape of the model is the document's shape: same keys,
//!   enum codes, ISO dates). If that fails, each field is read on its own:
//!   a field that cannot be read keeps its safe default and the item carries
//!   a [`Mark`] saying what was wrong, so the person sees it.
//! - **Set aside, never dropped.** What cannot be interpreted at all (a
//!   finding that is not a map, an action that cannot be read) is listed as
//!   [`Unreadable`] with its raw value and the actors who wrote it, for the
//!   person to export or discard.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::iter::{DocItem, DocObjItem, ListRangeItem, MapRangeItem};
use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValueRef, ValueRef};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value as Json};

use crate::model::{Attachment, CorrectiveAction, Finding};

/// Deepest object nesting read inside one item. The model needs four
/// (finding → actions → action → field); anything deeper is not ours.
pub(crate) const MAX_DEPTH: usize = 6;

/// Characters of a raw value kept for display and export of an unreadable item.
pub(crate) const RAW_PREVIEW: usize = 4_000;

/// What kind of item could not be read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum ItemKind {
    Finding,
    Action,
    Auditor,
    Audit,
    Attachment,
}

impl ItemKind {
    pub fn noun(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (ItemKind::Finding, true) => "finding",
            (ItemKind::Finding, false) => "findings",
            (ItemKind::Action, true) => "corrective action",
            (ItemKind::Action, false) => "corrective actions",
            (ItemKind::Auditor, true) => "auditor",
            (ItemKind::Auditor, false) => "auditors",
            (ItemKind::Audit, true) => "audit",
            (ItemKind::Audit, false) => "audits",
            (ItemKind::Attachment, true) => "attachment",
            (ItemKind::Attachment, false) => "attachments",
        }
    }
}

/// An item the app cannot interpret: kept in the document untouched, shown
/// to the person with its raw value, exportable and discardable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Unreadable {
    pub kind: ItemKind,
    /// Its key in its map.
    pub id: String,
    /// For an action or an attachment: the finding it belongs to.
    pub finding: Option<String>,
    /// Why it could not be read, as a sentence.
    pub reason: String,
    /// Its raw value as JSON (cut at [`RAW_PREVIEW`] characters).
    pub raw: String,
    /// Actor ids (hex) that wrote it or its fields.
    pub authors: Vec<String>,
}

/// A field read with a safe default instead of its stored value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mark {
    /// The field's key, e.g. `grade`.
    pub field: String,
    /// What was wrong and what is shown instead, as a sentence.
    pub note: String,
}

/// An item's raw content: bounded JSON, whether any map inside holds a
/// conflict, whether something was cut for being too deep, and its writers.
pub(crate) struct Raw {
    pub json: Json,
    pub conflicted: bool,
    pub too_deep: bool,
    pub authors: BTreeSet<String>,
    /// Every object the reading walked: what it read depends on these
    /// objects' operations and nothing else but the item's own key (see
    /// `owners.rs`).
    pub objects: Vec<ObjId>,
}

impl Raw {
    pub fn preview(&self) -> String {
        let mut s = self.json.to_string();
        if s.chars().count() > RAW_PREVIEW {
            s = s.chars().take(RAW_PREVIEW).collect::<String>() + "…";
        }
        s
    }
}

fn scalar(s: &ScalarValueRef<'_>) -> Json {
    match s {
        ScalarValueRef::Str(s) => Json::String(s.to_string()),
        ScalarValueRef::Int(n) => Json::from(*n),
        ScalarValueRef::Uint(n) => Json::from(*n),
        ScalarValueRef::F64(f) => Json::from(*f),
        ScalarValueRef::Boolean(b) => Json::Bool(*b),
        ScalarValueRef::Timestamp(t) => Json::from(*t),
        ScalarValueRef::Counter(c) => Json::from(*c),
        ScalarValueRef::Null | ScalarValueRef::Bytes(_) | ScalarValueRef::Unknown { .. } => {
            Json::Null
        }
    }
}

fn actor_of(id: &ObjId) -> Option<String> {
    match id {
        ObjId::Id(_, actor, _) => Some(actor.to_hex_string()),
        ObjId::Root => None,
    }
}

struct Walk {
    conflicted: bool,
    too_deep: bool,
    /// Writers of the item's own entries, as ids: most entries of an item
    /// share a writer, and the hex form is made once per writer, at the end.
    authors: BTreeSet<automerge::ActorId>,
    objects: Vec<ObjId>,
    /// Whether the object walked is reached through visible entries only
    /// (not through a value that lost a conflict): a [`Snapshot`] holds
    /// every entry of such an object, so one it holds nothing of is empty.
    visible: bool,
}

impl Walk {
    fn author(&mut self, id: &ObjId) {
        if let ObjId::Id(_, actor, _) = id {
            if !self.authors.contains(actor) {
                self.authors.insert(actor.clone());
            }
        }
    }
}

/// Where a reading finds an object's entries: the document itself (a
/// seek per object, for one item), or a [`Snapshot`] of every visible
/// object taken in one pass (for every finding at once).
pub(crate) trait Objects {
    /// The visible entries of the map `obj`. `visible`: `obj` is reached
    /// through visible entries only (see `Walk::visible`).
    fn map_items(&self, obj: &ObjId, visible: bool, f: &mut dyn FnMut(&MapRangeItem<'_>));
    fn list_items(&self, obj: &ObjId, visible: bool, f: &mut dyn FnMut(&ListRangeItem<'_>));
    fn text_of(&self, obj: &ObjId) -> String;
    /// Every value at `key` of the map `obj`, the conflict's losers too.
    fn all_at(&self, obj: &ObjId, key: &str) -> Vec<(automerge::Value<'_>, ObjId)>;
}

impl<R: ReadDoc> Objects for R {
    fn map_items(&self, obj: &ObjId, _: bool, f: &mut dyn FnMut(&MapRangeItem<'_>)) {
        for item in self.map_range(obj, ..) {
            f(&item);
        }
    }
    fn list_items(&self, obj: &ObjId, _: bool, f: &mut dyn FnMut(&ListRangeItem<'_>)) {
        for item in self.list_range(obj, ..) {
            f(&item);
        }
    }
    fn text_of(&self, obj: &ObjId) -> String {
        ReadDoc::text(self, obj).unwrap_or_default()
    }
    fn all_at(&self, obj: &ObjId, key: &str) -> Vec<(automerge::Value<'_>, ObjId)> {
        self.get_all(obj, key).unwrap_or_default()
    }
}

/// Every visible map's and list's entries, read in one pass over the
/// document (`ReadDoc::iter`): reading every finding through the document
/// costs a seek in Automerge's columns per object, about a million at
/// 10,000 findings, and was most of opening a register. What the pass does
/// not hold (a value that lost a conflict, which only a keyed collection's
/// union reads; a text) is read from the document.
pub(crate) struct Snapshot<'a> {
    doc: &'a Automerge,
    maps: FxHashMap<ObjId, Vec<MapRangeItem<'a>>>,
    lists: FxHashMap<ObjId, Vec<ListRangeItem<'a>>>,
}

impl<'a> Snapshot<'a> {
    pub fn of(doc: &'a Automerge) -> Self {
        let mut snap = Snapshot {
            doc,
            maps: FxHashMap::default(),
            lists: FxHashMap::default(),
        };
        // The pass gives an object's entries one after another, under one
        // shared id: they are gathered here and stored once per object,
        // not looked up in the maps entry by entry (a third of the pass).
        let mut current: Option<Arc<ObjId>> = None;
        let mut maps = Vec::new();
        let mut lists = Vec::new();
        for DocObjItem { obj, item } in doc.iter() {
            if !current.as_ref().is_some_and(|c| Arc::ptr_eq(c, &obj)) {
                if let Some(done) = current.replace(obj) {
                    snap.keep(&done, &mut maps, &mut lists);
                }
            }
            match item {
                DocItem::Map(m) => maps.push(m),
                DocItem::List(l) => lists.push(l),
                DocItem::Text(_) => {}
            }
        }
        if let Some(done) = current {
            snap.keep(&done, &mut maps, &mut lists);
        }
        snap
    }

    fn keep(
        &mut self,
        obj: &ObjId,
        maps: &mut Vec<MapRangeItem<'a>>,
        lists: &mut Vec<ListRangeItem<'a>>,
    ) {
        keep_entries(&mut self.maps, obj, maps);
        keep_entries(&mut self.lists, obj, lists);
    }
}

/// Stores an object's gathered entries under it. An object met twice (the
/// pass does not promise otherwise) keeps the entries of both times.
fn keep_entries<T>(into: &mut FxHashMap<ObjId, Vec<T>>, obj: &ObjId, entries: &mut Vec<T>) {
    if entries.is_empty() {
        return;
    }
    match into.entry(obj.clone()) {
        Entry::Vacant(v) => {
            v.insert(std::mem::take(entries));
        }
        Entry::Occupied(mut o) => o.get_mut().append(entries),
    }
}

impl Objects for Snapshot<'_> {
    fn map_items(&self, obj: &ObjId, visible: bool, f: &mut dyn FnMut(&MapRangeItem<'_>)) {
        match self.maps.get(obj) {
            Some(items) => items.iter().for_each(f),
            None if visible => {}
            None => self.doc.map_items(obj, false, f),
        }
    }
    fn list_items(&self, obj: &ObjId, visible: bool, f: &mut dyn FnMut(&ListRangeItem<'_>)) {
        match self.lists.get(obj) {
            Some(items) => items.iter().for_each(f),
            None if visible => {}
            None => self.doc.list_items(obj, false, f),
        }
    }
    fn text_of(&self, obj: &ObjId) -> String {
        self.doc.text_of(obj)
    }
    fn all_at(&self, obj: &ObjId, key: &str) -> Vec<(automerge::Value<'_>, ObjId)> {
        self.doc.all_at(obj, key)
    }
}

fn walk<S: Objects + ?Sized>(
    doc: &S,
    obj: &ObjId,
    typ: ObjType,
    depth: usize,
    w: &mut Walk,
) -> Json {
    w.objects.push(obj.clone());
    if depth == 0 {
        w.author(obj);
    }
    if typ == ObjType::Text {
        return Json::String(doc.text_of(obj));
    }
    if depth >= MAX_DEPTH {
        w.too_deep = true;
        return Json::Null;
    }
    // An entry's id is made only where it is used (an object to walk, the
    // item's own writers, a conflict to unite): most entries are scalars
    // below the item's top.
    let child = |value: &ValueRef<'_>, id: &dyn Fn() -> ObjId, w: &mut Walk| -> Json {
        match value {
            ValueRef::Object(t) => {
                let id = id();
                if depth == 0 {
                    w.author(&id);
                }
                walk(doc, &id, *t, depth + 1, w)
            }
            ValueRef::Scalar(s) => {
                if depth == 0 {
                    w.author(&id());
                }
                scalar(s)
            }
        }
    };
    let visible = w.visible;
    match typ {
        ObjType::Map | ObjType::Table => {
            let mut map = Map::new();
            doc.map_items(obj, visible, &mut |item| {
                let key = item.key.to_string();
                let keyed = item.conflict && KEYED_COLLECTIONS.contains(&key.as_str());
                w.conflicted |= item.conflict && !keyed;
                let mut value = child(&item.value, &|| item.id(), w);
                if keyed {
                    union_of_concurrent_maps(doc, obj, &key, &item.id(), depth, &mut value, w);
                }
                map.insert(key, value);
            });
            Json::Object(map)
        }
        _ => {
            let mut list = Vec::new();
            doc.list_items(obj, visible, &mut |item| {
                list.push(child(&item.value, &|| item.id(), w));
            });
            Json::Array(list)
        }
    }
}

/// The maps of items keyed by their ids. Two copies that each create one
/// of these at once (a finding recorded before the collection existed,
/// given its first item on two devices) leave two maps under one key, and
/// Automerge shows only one: the items of both are read as one map, so no
/// one's item is hidden, and a removal deletes the item from each
/// (`write::write_diff`).
pub(crate) const KEYED_COLLECTIONS: &[&str] = &["actions", "attachments"];

/// Adds to `value` (the winning map at `key` of `obj`, already read) the
/// items of every concurrent map at that key that it does not hold.
fn union_of_concurrent_maps<S: Objects + ?Sized>(
    doc: &S,
    obj: &ObjId,
    key: &str,
    winner: &ObjId,
    depth: usize,
    value: &mut Json,
    w: &mut Walk,
) {
    let Json::Object(items) = value else {
        return;
    };
    for (other, id) in doc.all_at(obj, key) {
        if &id == winner || !matches!(other, automerge::Value::Object(ObjType::Map)) {
            continue;
        }
        // A value that lost a conflict, and all below it, is not in a
        // pass over the visible document.
        let visible = std::mem::replace(&mut w.visible, false);
        let more = walk(doc, &id, ObjType::Map, depth + 1, w);
        w.visible = visible;
        if let Json::Object(more) = more {
            for (k, v) in more {
                items.entry(k).or_insert(v);
            }
        }
    }
}

/// Reads the object `obj` (of type `typ`) as bounded JSON. From a
/// [`Snapshot`], `obj` must be visible (an entry of the pass).
pub(crate) fn raw_object<S: Objects + ?Sized>(doc: &S, obj: &ObjId, typ: ObjType) -> Raw {
    let mut w = Walk {
        conflicted: false,
        too_deep: false,
        authors: BTreeSet::new(),
        objects: Vec::new(),
        visible: true,
    };
    let json = walk(doc, obj, typ, 0, &mut w);
    Raw {
        json,
        conflicted: w.conflicted,
        too_deep: w.too_deep,
        authors: w.authors.iter().map(|a| a.to_hex_string()).collect(),
        objects: w.objects,
    }
}

/// Reads the value at `key` of the map `parent`: an object as bounded JSON,
/// a scalar as itself; `None` when the key is absent.
pub(crate) fn raw_at<R: ReadDoc>(doc: &R, parent: &ObjId, key: &str) -> Option<Raw> {
    let item = doc
        .map_range(parent, key.to_owned()..=key.to_owned())
        .next()?;
    Some(raw_of(doc, &item))
}

/// Reads an entry of a map met while iterating it. Reading a whole map
/// (every finding) goes through it in one pass: a seek per key (`raw_at`)
/// cost Automerge a scan of its columns each, about as much again as the
/// reading itself at 10,000 findings.
fn raw_of<S: Objects + ?Sized>(doc: &S, item: &MapRangeItem<'_>) -> Raw {
    let conflict = item.conflict;
    let id = item.id();
    let mut raw = match &item.value {
        ValueRef::Object(t) => raw_object(doc, &id, *t),
        ValueRef::Scalar(s) => Raw {
            json: scalar(s),
            conflicted: false,
            too_deep: false,
            authors: actor_of(&id).into_iter().collect(),
            objects: Vec::new(),
        },
    };
    raw.conflicted |= conflict;
    raw
}

/// Describes a JSON value for a sentence: `“critical”`, `a number (7)`, `a map`.
fn describe(v: &Json) -> String {
    match v {
        Json::Null => "nothing".into(),
        Json::Bool(b) => format!("the value {b}"),
        Json::Number(n) => format!("the number {n}"),
        Json::String(s) => {
            let cut: String = s.chars().take(60).collect();
            if cut.len() < s.len() {
                format!("\u{201c}{cut}…\u{201d}")
            } else {
                format!("\u{201c}{cut}\u{201d}")
            }
        }
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "a map".into(),
    }
}

/// Reads `json` as a `T`, field by field when the whole fails: every field
/// that cannot be read keeps its value in `base` and is marked. `Err` when
/// `json` is not a map at all.
pub(crate) fn lenient<T: Serialize + DeserializeOwned>(
    json: &Json,
    base: T,
) -> Result<(T, Vec<Mark>), String> {
    let Json::Object(raw) = json else {
        return Err(format!("it is {}, not a map", describe(json)));
    };
    // From the borrowed value, here and below: no copy of the item on the
    // usual path, and one deserializer per type in the module (serde_json
    // has one for values and one for borrowed values, each a copy of every
    // type's reading: about 50 kB of the app's module when both were used).
    if let Ok(t) = T::deserialize(json) {
        return Ok((t, Vec::new()));
    }
    let Ok(Json::Object(mut good)) = serde_json::to_value(&base) else {
        return Err("the app cannot describe this item".into());
    };
    let mut marks = Vec::new();
    let fields: Vec<String> = good.keys().cloned().collect();
    for field in fields {
        match raw.get(&field) {
            // A member newer versions added (serde gives its default): not
            // a defect of the stored item.
            None if {
                let mut without = good.clone();
                without.remove(&field);
                T::deserialize(&Json::Object(without)).is_ok()
            } => {}
            None => marks.push(Mark {
                note: format!("{field} was missing; shown empty."),
                field,
            }),
            Some(v) => {
                let mut candidate = good.clone();
                candidate.insert(field.clone(), v.clone());
                if T::deserialize(&Json::Object(candidate)).is_ok() {
                    good.insert(field, v.clone());
                } else {
                    marks.push(Mark {
                        note: format!(
                            "{field} holds {}, which this version cannot read; shown as its default.",
                            describe(v)
                        ),
                        field,
                    });
                }
            }
        }
    }
    T::deserialize(&Json::Object(good))
        .map(|t| (t, marks))
        .map_err(|e| e.to_string())
}

/// One finding as read: the finding (with safe defaults where marked), its
/// marks, and its actions that could not be read at all.
pub(crate) struct FindingRead {
    pub finding: Finding,
    pub conflicted: bool,
    pub marks: Vec<Mark>,
    pub bad_actions: Vec<Unreadable>,
}

/// A finding as read, and the objects the reading walked.
pub(crate) type Read = (Result<Option<FindingRead>, Box<Unreadable>>, Vec<ObjId>);

/// Reads the finding stored under `key`: `Ok(None)` when the key is absent,
/// `Err` with the set-aside record when it cannot be interpreted at all.
pub(crate) fn finding<R: ReadDoc>(doc: &R, findings: &ObjId, key: &str) -> Read {
    let Some(mut raw) = raw_at(doc, findings, key) else {
        return (Ok(None), Vec::new());
    };
    let objects = std::mem::take(&mut raw.objects);
    (finding_from_raw(key, raw).map(Some), objects)
}

/// The objects reading the finding stored under `key` walks, without
/// interpreting what they hold: all the index of owners (`owners.rs`)
/// needs of a finding whose cached value is already known (one cached from
/// this copy's own write, marked stale).
pub(crate) fn objects_of<R: ReadDoc>(doc: &R, findings: &ObjId, key: &str) -> Vec<ObjId> {
    raw_at(doc, findings, key).map_or_else(Vec::new, |raw| raw.objects)
}

/// [`objects_of`] of many findings at once, from one pass over the
/// document ([`Snapshot`]): after a large import or a demo, most of the
/// register is stale before its first merge. A key absent from the map has
/// no entry.
pub(crate) fn objects_of_many(
    doc: &Automerge,
    findings: &ObjId,
    keys: &[String],
) -> FxHashMap<String, Vec<ObjId>> {
    let wanted: FxHashSet<&str> = keys.iter().map(String::as_str).collect();
    let snap = Snapshot::of(doc);
    let mut out = FxHashMap::default();
    snap.map_items(findings, true, &mut |item| {
        let key: &str = &item.key;
        if !wanted.contains(key) {
            return;
        }
        out.insert(key.to_owned(), raw_in_pass(&snap, doc, item).objects);
    });
    out
}

/// An item of a finding (an action, an attachment) that cannot be read,
/// set aside with its raw value; its writers are the finding's.
fn set_aside(
    kind: ItemKind,
    id: &str,
    finding: &str,
    reason: String,
    value: Json,
    finding_raw: &Raw,
) -> Unreadable {
    Unreadable {
        kind,
        id: id.to_owned(),
        finding: Some(finding.to_owned()),
        reason,
        raw: Raw {
            json: value,
            conflicted: false,
            too_deep: false,
            authors: BTreeSet::new(),
            objects: Vec::new(),
        }
        .preview(),
        authors: finding_raw.authors.iter().cloned().collect(),
    }
}

fn finding_from_raw(key: &str, mut raw: Raw) -> Result<FindingRead, Box<Unreadable>> {
    let unreadable = |raw: &Raw, reason: String| {
        Box::new(Unreadable {
            kind: ItemKind::Finding,
            id: key.to_owned(),
            finding: None,
            reason,
            raw: raw.preview(),
            authors: raw.authors.iter().cloned().collect(),
        })
    };
    // Taken, not copied: opening a register reads every finding, and it
    // copied each one and each action again (docs/BENCHMARKS.md).
    let mut json = std::mem::take(&mut raw.json);
    // Actions are items of their own: one that cannot be read is set aside
    // without marking the whole finding's action list as unreadable. Read
    // apart, they are put into the finding once it is read.
    let mut bad_actions = Vec::new();
    let mut action_marks = Vec::new();
    let mut actions = None;
    let mut attachments = None;
    if let Json::Object(map) = &mut json {
        if let Some(Json::Object(items)) = map.get_mut("actions") {
            let mut read = BTreeMap::new();
            for (aid, value) in std::mem::take(items) {
                let base = CorrectiveAction {
                    id: aid.clone(),
                    ..CorrectiveAction::default()
                };
                match lenient::<CorrectiveAction>(&value, base) {
                    Ok((mut a, marks)) => {
                        if a.id != aid {
                            a.id = aid.clone();
                        }
                        for m in marks {
                            action_marks.push(Mark {
                                field: format!("actions.{aid}.{}", m.field),
                                note: format!("Action {}: {}", short(&aid), m.note),
                            });
                        }
                        read.insert(aid, a);
                    }
                    Err(reason) => bad_actions.push(set_aside(
                        ItemKind::Action,
                        &aid,
                        key,
                        format!("The corrective action could not be read: {reason}."),
                        value,
                        &raw,
                    )),
                }
            }
            actions = Some(read);
        }
    }
    // Attachments likewise, and one whose record is absurd (not a hash, a
    // size no file has) is set aside too: the page would otherwise offer
    // a download it can never find, or promise gigabytes.
    if let Json::Object(map) = &mut json {
        match map.get_mut("attachments") {
            Some(Json::Object(items)) => {
                let mut read = BTreeMap::new();
                for (pid, value) in std::mem::take(items) {
                    let base = Attachment {
                        id: pid.clone(),
                        ..Attachment::default()
                    };
                    let checked = lenient::<Attachment>(&value, base).and_then(|(mut a, marks)| {
                        a.id = pid.clone();
                        match (marks.first(), crate::attachment::problem(&a)) {
                            (Some(m), _) => Err(m.note.clone()),
                            (None, Some(p)) => Err(p),
                            (None, None) => Ok(a),
                        }
                    });
                    match checked {
                        Ok(a) => {
                            read.insert(pid, a);
                        }
                        Err(reason) => bad_actions.push(set_aside(
                            ItemKind::Attachment,
                            &pid,
                            key,
                            format!("The attachment could not be read: {reason}."),
                            value,
                            &raw,
                        )),
                    }
                }
                attachments = Some(read);
            }
            // Not a map at all: the whole list is one item that cannot be
            // read, and the finding shows none.
            Some(other) if !other.is_null() => {
                bad_actions.push(Unreadable {
                    kind: ItemKind::Attachment,
                    id: "attachments".into(),
                    finding: Some(key.to_owned()),
                    reason: format!(
                        "The finding's attachments could not be read: they are {}, not a map.",
                        describe(other)
                    ),
                    raw: Raw {
                        json: other.clone(),
                        conflicted: false,
                        too_deep: false,
                        authors: BTreeSet::new(),
                        objects: Vec::new(),
                    }
                    .preview(),
                    authors: raw.authors.iter().cloned().collect(),
                });
                map.remove("attachments");
            }
            _ => {}
        }
    }
    let base = Finding::new(key.to_owned(), String::new());
    let (mut finding, mut marks) = match lenient::<Finding>(&json, base) {
        Ok(read) => read,
        // Only a finding that is not a map fails here, and that one was
        // not touched above: the preview shows it as stored.
        Err(reason) => {
            raw.json = json;
            return Err(unreadable(
                &raw,
                format!("The finding could not be read: {reason}."),
            ));
        }
    };
    if let Some(actions) = actions {
        finding.actions = actions;
    }
    if let Some(attachments) = attachments {
        finding.attachments = attachments;
    }
    if finding.id != key {
        if !finding.id.is_empty() {
            marks.push(Mark {
                field: "id".into(),
                note: format!(
                    "The finding's id {} differs from its key; the key is used.",
                    finding.id
                ),
            });
        }
        finding.id = key.to_owned();
    }
    if raw.too_deep {
        marks.push(Mark {
            field: String::new(),
            note: format!(
                "Some values are nested deeper than {MAX_DEPTH} levels and were not read."
            ),
        });
    }
    marks.extend(action_marks);
    Ok(FindingRead {
        finding,
        conflicted: raw.conflicted,
        marks,
        bad_actions,
    })
}

/// Every finding under `findings`, each read on its own, from one pass
/// over the document ([`Snapshot`]).
pub(crate) fn all_findings(doc: &Automerge, findings: &ObjId) -> BTreeMap<String, Read> {
    let snap = Snapshot::of(doc);
    let mut all = BTreeMap::new();
    snap.map_items(findings, true, &mut |item| {
        let key = item.key.to_string();
        let mut raw = raw_in_pass(&snap, doc, item);
        let objects = std::mem::take(&mut raw.objects);
        let read = finding_from_raw(&key, raw).map(Some);
        all.insert(key, (read, objects));
    });
    all
}

/// [`raw_of`] an entry of the pass. The pass must read exactly what the
/// document's own reading does: debug builds read it both ways, so every
/// test that opens a register or merges into one checks it.
fn raw_in_pass(snap: &Snapshot<'_>, doc: &Automerge, item: &MapRangeItem<'_>) -> Raw {
    let raw = raw_of(snap, item);
    #[cfg(debug_assertions)]
    {
        let direct = raw_of(doc, item);
        assert_eq!(
            (
                &raw.json,
                raw.conflicted,
                raw.too_deep,
                &raw.authors,
                &raw.objects
            ),
            (
                &direct.json,
                direct.conflicted,
                direct.too_deep,
                &direct.authors,
                &direct.objects
            ),
            "finding {}: the one-pass reading differs from the document's",
            item.key
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = doc;
    raw
}

/// Reads every entry of a map of simple items (auditors, audits), each on
/// its own: the readable ones, and the ones set aside.
pub(crate) fn items<R: ReadDoc, T: Serialize + DeserializeOwned>(
    doc: &R,
    map: &ObjId,
    kind: ItemKind,
    base: impl Fn(&str) -> T,
    accept: impl Fn(&str, &T, &[Mark]) -> Option<String>,
) -> (BTreeMap<String, T>, Vec<Unreadable>) {
    let mut good = BTreeMap::new();
    let mut bad = Vec::new();
    for item in doc.map_range(map, ..) {
        let key = item.key.to_string();
        let raw = raw_of(doc, &item);
        let refusal = match lenient::<T>(&raw.json, base(&key)) {
            Ok((t, marks)) => match accept(&key, &t, &marks) {
                None => {
                    good.insert(key.clone(), t);
                    continue;
                }
                Some(reason) => reason,
            },
            Err(reason) => reason,
        };
        bad.push(Unreadable {
            kind,
            id: key.clone(),
            finding: None,
            reason: format!("The {} could not be read: {refusal}.", kind.noun(1)),
            raw: raw.preview(),
            authors: raw.authors.iter().cloned().collect(),
        });
    }
    (good, bad)
}

/// The first eight characters of an id, for sentences.
pub(crate) fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}
