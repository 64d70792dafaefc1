//! Writing an edit as the smallest set of changed values.
//!
//! An edit is a finding before and after, both as the JSON of their serde
//! shape (which is the document's shape). Only the leaves that differ are
//! written, so a concurrent edit of a sibling field elsewhere survives the
//! merge, and a stored value this version could not read (shown with a
//! default and marked) is left alone unless the person changed that field.

use automerge::{transaction::Transactable, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use serde_json::{Map, Value as Json};

use super::error::DocError;

fn scalar(v: &Json) -> ScalarValue {
    match v {
        Json::Null => ScalarValue::Null,
        Json::Bool(b) => ScalarValue::Boolean(*b),
        Json::Number(n) => {
            if let Some(u) = n.as_u64() {
                ScalarValue::Uint(u)
            } else if let Some(i) = n.as_i64() {
                ScalarValue::Int(i)
            } else {
                ScalarValue::F64(n.as_f64().unwrap_or_default())
            }
        }
        Json::String(s) => ScalarValue::Str(s.as_str().into()),
        Json::Array(_) | Json::Object(_) => unreachable!("objects are written by put_json"),
    }
}

/// `value` as a tree Automerge writes in one batch
/// ([`Transactable::batch_create_object`]): the same document shape as
/// [`put_json`] writes, scalars as in [`scalar`].
pub(crate) fn hydrate_value(value: &Json) -> automerge::hydrate::Value {
    use automerge::hydrate::Value as H;
    match value {
        Json::Object(map) => {
            let entries: std::collections::HashMap<&str, H> = map
                .iter()
                .map(|(k, v)| (k.as_str(), hydrate_value(v)))
                .collect();
            H::from(entries)
        }
        Json::Array(items) => H::from(
            items
                .iter()
                .map(|v| match v {
                    // As `put_json`: the model has no lists of objects.
                    Json::Object(_) | Json::Array(_) => {
                        H::Scalar(ScalarValue::Str(v.to_string().into()))
                    }
                    _ => H::Scalar(scalar(v)),
                })
                .collect::<Vec<_>>(),
        ),
        _ => H::Scalar(scalar(value)),
    }
}

/// Writes `value` at `key` of the map `obj`, creating objects as needed.
fn put_json<T: Transactable>(
    tx: &mut T,
    obj: &ObjId,
    key: &str,
    value: &Json,
) -> Result<(), DocError> {
    match value {
        Json::Object(map) => {
            let child = tx.put_object(obj, key, ObjType::Map)?;
            for (k, v) in map {
                put_json(tx, &child, k, v)?;
            }
        }
        Json::Array(items) => {
            let child = tx.put_object(obj, key, ObjType::List)?;
            for (i, v) in items.iter().enumerate() {
                match v {
                    Json::Object(_) | Json::Array(_) => {
                        // The model has no lists of objects; write the JSON text.
                        tx.insert(&child, i, ScalarValue::Str(v.to_string().into()))?;
                    }
                    _ => tx.insert(&child, i, scalar(v))?,
                }
            }
        }
        _ => tx.put(obj, key, scalar(value))?,
    }
    Ok(())
}

/// Writes into the map `obj` what differs between `old` and `new`.
pub(crate) fn write_diff<T: Transactable + ReadDoc>(
    tx: &mut T,
    obj: &ObjId,
    old: &Map<String, Json>,
    new: &Map<String, Json>,
) -> Result<(), DocError> {
    let empty = Map::new();
    for (key, value) in new {
        let before = old.get(key);
        if before == Some(value) {
            continue;
        }
        match value {
            Json::Object(inner) => {
                let existing = match tx.get(obj, key.as_str())? {
                    Some((Value::Object(ObjType::Map), child)) => Some(child),
                    _ => None,
                };
                match (existing, before) {
                    (Some(child), Some(Json::Object(old_inner))) => {
                        write_diff(tx, &child, old_inner, inner)?;
                        // An item removed from a keyed collection read as
                        // the union of concurrent maps goes from each.
                        if super::read::KEYED_COLLECTIONS.contains(&key.as_str()) {
                            let others: Vec<ObjId> = tx
                                .get_all(obj, key.as_str())?
                                .into_iter()
                                .filter(|(v, id)| {
                                    *id != child && matches!(v, Value::Object(ObjType::Map))
                                })
                                .map(|(_, id)| id)
                                .collect();
                            for id in others {
                                for gone in old_inner.keys().filter(|k| !inner.contains_key(*k)) {
                                    if tx.get(&id, gone.as_str())?.is_some() {
                                        tx.delete(&id, gone.as_str())?;
                                    }
                                }
                            }
                        }
                    }
                    (Some(child), _) => write_diff(tx, &child, &empty, inner)?,
                    (None, _) => put_json(tx, obj, key, value)?,
                }
            }
            _ => put_json(tx, obj, key, value)?,
        }
    }
    for key in old.keys() {
        if !new.contains_key(key) && tx.get(obj, key.as_str())?.is_some() {
            tx.delete(obj, key.as_str())?;
        }
    }
    Ok(())
}
