//! The JSON export holds to its published schema
//! (`docs/register-export.schema.json`), and the schema to the model: every
//! choice the register can store is one the schema allows.

use crate::common;

use common::demo_register as demo;

use chrono::{TimeZone, Utc};
use ncr_core::document::RegisterDoc;
use ncr_core::exchange::json::{export_register, FORMAT, VERSION};
use ncr_core::model::{
    ActionStatus, CauseCategory, Disposition, DisputeOutcome, Grade, ReviewResult, SimilarVerdict,
    Source, Status,
};
use serde_json::Value;

fn schema() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/register-export.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the schema is in docs/"))
        .expect("the schema is JSON")
}

fn export(doc: &RegisterDoc) -> Value {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 9, 30, 0).unwrap();
    serde_json::from_slice(&export_register(doc, "Jane Doe", now)).expect("the export is JSON")
}

fn errors(instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema()).expect("a valid JSON Schema");
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_demo_export_holds_to_the_schema() {
    let doc = demo();
    let out = export(&doc);
    assert_eq!(errors(&out), Vec::<String>::new());
    assert_eq!(out["format"], FORMAT);
    assert_eq!(out["version"], VERSION);
    assert_eq!(out["exported_at"], "2026-12-06T09:30:00Z");
    assert_eq!(out["register"]["id"], "demo-register");
    let findings = out["findings"].as_array().unwrap();
    assert_eq!(findings.len(), doc.live_findings().count());
    // Every finding comes out with the values the register holds.
    for f in findings {
        let id = f["id"].as_str().unwrap();
        let held = doc.finding(id).unwrap();
        assert_eq!(f["reference"], held.reference.as_str());
        assert_eq!(f["status"], held.status.code());
        assert_eq!(
            f["requirements"].as_array().unwrap().len(),
            held.requirement_list().len()
        );
        assert_eq!(f["actions"].as_array().unwrap().len(), held.actions.len());
    }
    let withdrawn = findings
        .iter()
        .find(|f| f["status"] == "withdrawn")
        .expect("the demo has a withdrawn finding");
    assert_eq!(withdrawn["dispute"]["outcome"], "withdrawn");
    assert!(withdrawn["dispute"]["reason"].as_str().unwrap().len() > 10);
}

#[test]
fn the_schema_refuses_what_the_register_could_not_have_written() {
    let good = export(&demo());
    for (path, bad) in [
        ("/findings/0/grade", Value::from("critical")),
        ("/findings/0/detected_on", Value::from("06/12/2026")),
        ("/findings/0/requirements", Value::from("A.5.15")),
        ("/version", Value::from(2)),
        ("/fingerprint", Value::from("NCR1 3f9a0c1d22ab")),
    ] {
        let mut out = good.clone();
        *out.pointer_mut(path).unwrap() = bad;
        assert!(!errors(&out).is_empty(), "{path} should be refused");
    }
    let mut out = good.clone();
    out["findings"][0].as_object_mut().unwrap().remove("status");
    assert!(
        !errors(&out).is_empty(),
        "a missing status should be refused"
    );
    // Members the schema does not know are allowed: later versions add some.
    let mut out = good;
    out["findings"][0]["added_later"] = Value::from(true);
    assert_eq!(errors(&out), Vec::<String>::new());
}

#[test]
fn every_stored_choice_is_one_the_schema_allows() {
    let schema = schema();
    let codes = |def: &str| -> Vec<String> {
        schema["$defs"][def]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let of = |options: &[(&str, &str)]| -> Vec<String> {
        options.iter().map(|(c, _)| (*c).to_owned()).collect()
    };
    assert_eq!(codes("grade"), of(Grade::OPTIONS));
    assert_eq!(codes("source"), of(Source::OPTIONS));
    assert_eq!(codes("cause"), of(CauseCategory::OPTIONS));
    assert_eq!(codes("status"), of(Status::OPTIONS));
    assert_eq!(codes("action_status"), of(ActionStatus::OPTIONS));
    assert_eq!(codes("review_result"), of(ReviewResult::OPTIONS));
    assert_eq!(codes("similar_verdict"), of(SimilarVerdict::OPTIONS));
    assert_eq!(codes("disposition"), of(Disposition::OPTIONS));
    assert_eq!(codes("dispute_outcome"), of(DisputeOutcome::OPTIONS));
}
