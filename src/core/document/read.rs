//! The fast read path. autosurgeon's `Hydrate` reads a struct one `get` per
//! field, which at 10,000 findings takes seconds; Automerge can instead
//! materialise a whole subtree in one pass (`ReadDoc::hydrate`). We convert
//! that tree to JSON and let serde build the `Finding`s: the serde shape of
//! the model is the document's shape (same keys, enum codes, ISO dates),
//! which `tests::fast_and_field_by_field_reads_agree` and the property tests
//! (cache == autosurgeon hydration) hold to.

use std::collections::BTreeMap;

use automerge::{hydrate, ObjId, ReadDoc, ScalarValue};
use serde_json::Value as Json;

use super::error::DocError;
use crate::core::model::Finding;

fn scalar(s: &ScalarValue) -> Json {
    match s {
        ScalarValue::Str(s) => Json::String(s.to_string()),
        ScalarValue::Int(n) => Json::from(*n),
        ScalarValue::Uint(n) => Json::from(*n),
        ScalarValue::F64(f) => Json::from(*f),
        ScalarValue::Boolean(b) => Json::Bool(*b),
        ScalarValue::Timestamp(t) => Json::from(*t),
        ScalarValue::Counter(c) => Json::from(i64::from(c)),
        ScalarValue::Null | ScalarValue::Bytes(_) | ScalarValue::Unknown { .. } => Json::Null,
    }
}

/// The JSON of a hydrated value, and whether any map inside holds a conflict.
fn to_json(value: &hydrate::Value, conflicted: &mut bool) -> Json {
    match value {
        hydrate::Value::Scalar(s) => scalar(s),
        hydrate::Value::Text(t) => Json::String(String::from(t)),
        hydrate::Value::List(l) => {
            Json::Array(l.iter().map(|v| to_json(&v.value, conflicted)).collect())
        }
        hydrate::Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| {
                    *conflicted |= v.conflict;
                    (k.clone(), to_json(&v.value, conflicted))
                })
                .collect(),
        ),
    }
}

/// Reads one finding object; `None` if it is not a map.
pub(crate) fn finding_at<R: ReadDoc>(doc: &R, obj: &ObjId) -> Result<(Finding, bool), DocError> {
    let tree = doc.hydrate(obj, None)?;
    let mut conflicted = false;
    let json = to_json(&tree, &mut conflicted);
    let finding = serde_json::from_value(json).map_err(|e| DocError::Corrupt(e.to_string()))?;
    Ok((finding, conflicted))
}

/// Reads every finding under `findings` in one pass, with conflict flags.
pub(crate) fn all_findings<R: ReadDoc>(
    doc: &R,
    findings: &ObjId,
) -> Result<BTreeMap<String, (Finding, bool)>, DocError> {
    let tree = doc.hydrate(findings, None)?;
    let hydrate::Value::Map(map) = tree else {
        return Err(DocError::NotARegister);
    };
    let mut out = BTreeMap::new();
    for (id, entry) in map.iter() {
        let mut conflicted = entry.conflict;
        let json = to_json(&entry.value, &mut conflicted);
        let finding: Finding = serde_json::from_value(json)
            .map_err(|e| DocError::Corrupt(format!("finding {id}: {e}")))?;
        out.insert(id.clone(), (finding, conflicted));
    }
    Ok(out)
}
