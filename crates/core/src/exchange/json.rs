//! The register's current state as JSON, for other tools and scripts.
//!
//! The format is documented by `docs/register-export.schema.json` (JSON
//! Schema 2020-12) and versioned by [`FORMAT`] and [`VERSION`]: a change a
//! reader could trip over (a member renamed, removed or retyped) raises the
//! version; new members may appear in any version, so readers ignore what
//! they do not know.
//!
//! It is written from its own types, not by serialising the document's
//! records, so the stored layout can change without changing what scripts
//! read. Choices are the stable codes the document stores (`"major"`,
//! `"action_planned"`), dates ISO 8601, and the maps the document keys by id
//! for merging (requirements, actions, similar findings, the five whys)
//! become arrays in a fixed order. Deleted findings are left out, as in
//! every other export; deadlines are included as computed, so a reader
//! needs no knowledge of the register's clock rules.
//!
//! The state fingerprint's digest (`crate::fingerprint`) is taken over the
//! register, audits and findings written by these types ([`shown`]), so a
//! member added to them changes the digest of every state: a report
//! printed before would then be refused by "Check a report". Such a change
//! comes with a new fingerprint version whose checker keeps the old digest
//! (`tests/it/fingerprint.rs` holds the digest of a fixed register).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{exported_findings, sorted_actions};
use crate::deadlines;
use crate::document::RegisterDoc;
use crate::fingerprint::Fingerprint;
use crate::model::{Audit, Finding, RegisterInfo, Settings};

/// What the `format` member says.
pub const FORMAT: &str = "nc-register-export";
/// What the `version` member says (see the module documentation).
pub const VERSION: u32 = 1;

pub const JSON_MIME: &str = "application/json";

#[derive(Debug, Serialize)]
struct Export<'a> {
    format: &'static str,
    version: u32,
    exported_at: String,
    exported_by: String,
    /// The state's fingerprint, as the printable report shows it.
    fingerprint: String,
    register: Register<'a>,
    settings: Settings,
    audits: Vec<AuditOut<'a>>,
    findings: Vec<FindingOut<'a>>,
}

#[derive(Debug, Serialize)]
struct Register<'a> {
    id: String,
    name: &'a str,
    organisation: &'a str,
    scope: &'a str,
}

#[derive(Debug, Serialize)]
struct AuditOut<'a> {
    id: &'a str,
    title: &'a str,
    kind: &'static str,
    starts_on: Option<String>,
    ends_on: Option<String>,
    lead_auditor: &'a str,
    scope: &'a str,
}

#[derive(Debug, Serialize)]
struct FindingOut<'a> {
    id: &'a str,
    reference: &'a str,
    title: &'a str,
    statement: &'a str,
    evidence: &'a str,
    requirements: Vec<&'a str>,
    grade: &'static str,
    source: &'static str,
    audit: Option<&'a str>,
    area: &'a str,
    detected_on: Option<String>,
    raised_by: &'a str,
    owner: &'a str,
    cause: Option<&'static str>,
    status: &'static str,
    rejection_reason: &'a str,
    correction: Correction<'a>,
    root_cause: RootCause<'a>,
    similar: Vec<Similar<'a>>,
    actions: Vec<Action<'a>>,
    review: Review<'a>,
    isms_changes: &'a str,
    closure: Closure<'a>,
    follow_up: Option<String>,
    dispute: Dispute<'a>,
    deadlines: Deadlines,
    origin: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct Correction<'a> {
    description: &'a str,
    done_on: Option<String>,
}

#[derive(Debug, Serialize)]
struct RootCause<'a> {
    method: &'a str,
    /// The five whys in step order; a skipped step is an empty string, so
    /// each answer keeps its step number (index + 1).
    whys: Vec<&'a str>,
    statement: &'a str,
}

#[derive(Debug, Serialize)]
struct Similar<'a> {
    finding: &'a str,
    verdict: &'static str,
}

#[derive(Debug, Serialize)]
struct Action<'a> {
    id: &'a str,
    description: &'a str,
    owner: &'a str,
    due: Option<String>,
    status: &'static str,
    done_on: Option<String>,
}

#[derive(Debug, Serialize)]
struct Review<'a> {
    due: Option<String>,
    reviewer: &'a str,
    reviewed_on: Option<String>,
    result: Option<&'static str>,
    notes: &'a str,
}

#[derive(Debug, Serialize)]
struct Closure<'a> {
    closed_on: Option<String>,
    closed_by: &'a str,
    /// Only for an observation or opportunity for improvement closed
    /// without corrective action.
    disposition: Option<&'static str>,
    disposition_reason: &'a str,
}

#[derive(Debug, Serialize)]
struct Dispute<'a> {
    reason: &'a str,
    raised_on: Option<String>,
    answer: &'a str,
    outcome: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Deadlines {
    plan_due: Option<String>,
    close_due: Option<String>,
}

fn iso(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.trim().is_empty()).then_some(s)
}

fn register(id: String, info: Option<&RegisterInfo>) -> Register<'_> {
    Register {
        id,
        name: info.map_or("", |i| i.name.as_str()),
        organisation: info.map_or("", |i| i.organisation.as_str()),
        scope: info.map_or("", |i| i.scope.as_str()),
    }
}

fn audit(a: &Audit) -> AuditOut<'_> {
    AuditOut {
        id: &a.id,
        title: &a.title,
        kind: a.kind.code(),
        starts_on: iso(a.starts_on),
        ends_on: iso(a.ends_on),
        lead_auditor: &a.lead_auditor,
        scope: &a.scope,
    }
}

fn finding<'a>(f: &'a Finding, settings: &Settings) -> FindingOut<'a> {
    let steps = f
        .root_cause
        .whys
        .keys()
        .filter_map(|k| k.parse::<usize>().ok())
        .filter(|n| (1..=crate::schema::WHY_STEPS.len()).contains(n))
        .max()
        .unwrap_or(0);
    let whys = (1..=steps)
        .map(|n| {
            f.root_cause
                .whys
                .get(&n.to_string())
                .map(String::as_str)
                .unwrap_or("")
        })
        .collect();
    FindingOut {
        id: &f.id,
        reference: &f.reference,
        title: &f.title,
        statement: &f.statement,
        evidence: &f.evidence,
        requirements: f.requirement_list(),
        grade: f.grade.code(),
        source: f.source.code(),
        audit: non_empty(&f.audit),
        area: &f.area,
        detected_on: iso(f.detected_on),
        raised_by: &f.raised_by,
        owner: &f.owner,
        cause: f.cause.map(|c| c.code()),
        status: f.status.code(),
        rejection_reason: &f.rejection_reason,
        correction: Correction {
            description: &f.correction.description,
            done_on: iso(f.correction.done_on),
        },
        root_cause: RootCause {
            method: &f.root_cause.method,
            whys,
            statement: &f.root_cause.statement,
        },
        similar: f
            .similar
            .iter()
            .map(|(id, v)| Similar {
                finding: id,
                verdict: v.code(),
            })
            .collect(),
        actions: sorted_actions(f)
            .into_iter()
            .map(|a| Action {
                id: &a.id,
                description: &a.description,
                owner: &a.owner,
                due: iso(a.due),
                status: a.status.code(),
                done_on: iso(a.done_on),
            })
            .collect(),
        review: Review {
            due: iso(f.review.due),
            reviewer: &f.review.reviewer,
            reviewed_on: iso(f.review.reviewed_on),
            result: f.review.result.map(|r| r.code()),
            notes: &f.review.notes,
        },
        isms_changes: &f.isms_changes,
        closure: Closure {
            closed_on: iso(f.closure.closed_on),
            closed_by: &f.closure.closed_by,
            disposition: f.disposition.map(|d| d.code()),
            disposition_reason: &f.disposition_reason,
        },
        follow_up: iso(f.follow_up),
        dispute: Dispute {
            reason: &f.dispute.reason,
            raised_on: iso(f.dispute.raised_on),
            answer: &f.dispute.answer,
            outcome: f.dispute.outcome.map(|o| o.code()),
        },
        deadlines: Deadlines {
            plan_due: iso(deadlines::plan_due(f, settings)),
            close_due: iso(deadlines::close_due(f, settings)),
        },
        origin: non_empty(&f.origin),
    }
}

/// The register as pretty-printed JSON (UTF-8), stamped with `now` and the
/// exporting auditor's name.
pub fn export_register(doc: &RegisterDoc, by: &str, now: DateTime<Utc>) -> Vec<u8> {
    let info = doc.info();
    let settings = doc.settings();
    let audits: BTreeMap<String, Audit> = doc.audits();
    let export = Export {
        format: FORMAT,
        version: VERSION,
        exported_at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        exported_by: by.to_owned(),
        fingerprint: Fingerprint::of(doc).to_string(),
        register: register(doc.id(), info.as_ref()),
        settings,
        audits: audits.values().map(audit).collect(),
        findings: exported_findings(doc)
            .into_iter()
            .map(|f| finding(f, &settings))
            .collect(),
    };
    // Serialising plain strings, numbers and arrays cannot fail.
    serde_json::to_vec_pretty(&export).unwrap_or_default()
}

/// What a printed report shows of a register, as compact JSON of this
/// export's types: the input of the state fingerprint's digest and what
/// its check compares.
pub(crate) struct Shown {
    /// `{"register":{…},"audits":[…]}`, audits by id.
    pub details: Vec<u8>,
    /// Each live finding's object, by id.
    pub findings: BTreeMap<String, Vec<u8>>,
}

#[derive(Serialize)]
struct Details<'a> {
    register: Register<'a>,
    audits: Vec<AuditOut<'a>>,
}

pub(crate) fn shown(doc: &RegisterDoc) -> Shown {
    let info = doc.info();
    let settings = doc.settings();
    let audits = doc.audits();
    let details = Details {
        register: register(doc.id(), info.as_ref()),
        audits: audits.values().map(audit).collect(),
    };
    // Serialising plain strings, numbers and arrays cannot fail.
    Shown {
        details: serde_json::to_vec(&details).unwrap_or_default(),
        findings: doc
            .live_findings()
            .map(|f| {
                let json = serde_json::to_vec(&finding(f, &settings)).unwrap_or_default();
                (f.id.clone(), json)
            })
            .collect(),
    }
}
