//! The built-in demo register: a fictional logistics company part-way
//! through its first certification cycle, so a first-time user sees every
//! screen with realistic content before typing anything.
//!
//! The register is recorded through the same intents a person uses (add a
//! finding, analyse it, plan actions, review, close...), so the lifecycle
//! guards and validation apply to it and its history reads like a real one.
//! Dates are relative to `today`: whenever the demo is opened, some findings
//! are overdue and some due soon against the default clocks (plan 30 days,
//! majors closed in 90, minors in 180).
//!
//! Coverage is deliberate and pinned by `tests/it/query.rs`: every grade, cause
//! category and source occurs; every lifecycle status occurs; every
//! requirement key is a catalogue id; one finding is deleted.

use chrono::{Days, NaiveDate};

use super::document::{Clock, DocError, NewRegister, RegisterDoc};
use super::model::{
    ActionStatus, Audit, Auditor, CauseCategory, CorrectiveAction, DisputeOutcome, Grade,
    ReviewResult, SimilarVerdict, Source, Status,
};

pub const DEMO_NAME: &str = "Demo: Northwind Logistics ISMS";
pub const DEMO_ORGANISATION: &str = "Northwind Logistics Ltd";
pub const DEMO_SCOPE: &str =
    "Planning, warehousing and transport management services delivered from \
the Bristol head office and the Rotterdam depot, including the transport management system (TMS) \
and the customer portal.";

/// Who records the demo: the organisation's internal audit lead.
pub fn demo_auditor() -> Auditor {
    Auditor {
        name: "Alex Morgan".into(),
        initials: "AM".into(),
    }
}

const CB_AUDITOR: &str = "Priya Shah (CertiCorp)";
const ISMS_MANAGER: &str = "Sara Lindqvist";

/// Builds the demo register. `new_id` supplies finding, action and audit
/// ids (UUIDs in the app, a counter in tests, which makes the demo
/// reproducible).
pub fn build_demo(
    actor: automerge::ActorId,
    register_id: String,
    today: NaiveDate,
    clock: Clock,
    new_id: impl FnMut() -> String,
) -> Result<RegisterDoc, DocError> {
    let doc = RegisterDoc::create(
        actor,
        &demo_auditor(),
        NewRegister {
            name: DEMO_NAME.into(),
            organisation: DEMO_ORGANISATION.into(),
            scope: DEMO_SCOPE.into(),
        },
        register_id,
        clock,
    )?;
    let mut demo = Demo { doc, today, new_id };
    demo.record()?;
    Ok(demo.doc)
}

/// What the auditor writes when recording a finding.
struct Spec<'s> {
    title: &'s str,
    statement: &'s str,
    evidence: &'s str,
    requirements: &'s [&'s str],
    grade: Grade,
    source: Source,
    cause: CauseCategory,
    audit: &'s str,
    area: &'s str,
    owner: &'s str,
    /// Someone other than the recording auditor (a certification-body
    /// auditor, the service desk); `None` keeps the recorder.
    raised_by: Option<&'s str>,
}

/// A root-cause analysis and the correction already made.
struct Analysis<'s> {
    method: &'s str,
    whys: &'s [&'s str],
    statement: &'s str,
    correction: &'s str,
    /// Days ago the correction was made.
    corrected: i64,
}

/// A corrective action: description, owner, due in days ago (negative
/// means in the future).
type ActionSpec<'s> = (&'s str, &'s str, i64);

struct Demo<F: FnMut() -> String> {
    doc: RegisterDoc,
    today: NaiveDate,
    new_id: F,
}

impl<F: FnMut() -> String> Demo<F> {
    /// The date `ago` days before today (after it when negative).
    fn day(&self, ago: i64) -> Result<NaiveDate, DocError> {
        let days = Days::new(ago.unsigned_abs());
        let date = if ago >= 0 {
            self.today.checked_sub_days(days)
        } else {
            self.today.checked_add_days(days)
        };
        date.ok_or_else(|| {
            DocError::Refused(format!(
                "The demo cannot be built for {}: its dates fall outside the calendar.",
                self.today
            ))
        })
    }

    fn audit(
        &mut self,
        title: &str,
        kind: Source,
        (from, to): (i64, i64),
        lead: &str,
        scope: &str,
    ) -> Result<String, DocError> {
        let id = (self.new_id)();
        let audit = Audit {
            id: id.clone(),
            title: title.into(),
            kind,
            starts_on: Some(self.day(from)?),
            ends_on: Some(self.day(to)?),
            lead_auditor: lead.into(),
            scope: scope.into(),
        };
        self.doc.put_audit(audit)?;
        Ok(id)
    }

    fn finding(&mut self, detected: i64, spec: Spec<'_>) -> Result<String, DocError> {
        let id = (self.new_id)();
        let on = self.day(detected)?;
        self.doc.add_finding(id, on, |f| {
            f.title = spec.title.into();
            f.statement = spec.statement.into();
            f.evidence = spec.evidence.into();
            f.requirements = spec
                .requirements
                .iter()
                .map(|r| ((*r).to_owned(), true))
                .collect();
            f.grade = spec.grade;
            f.source = spec.source;
            f.cause = Some(spec.cause);
            f.audit = spec.audit.into();
            f.area = spec.area.into();
            f.owner = spec.owner.into();
            if let Some(by) = spec.raised_by {
                f.raised_by = by.into();
            }
        })
    }

    fn analyse(&mut self, id: &str, on: i64, analysis: Analysis<'_>) -> Result<(), DocError> {
        let date = self.day(on)?;
        let corrected = self.day(analysis.corrected)?;
        self.doc.update_finding(id, date, |f| {
            f.root_cause.method = analysis.method.into();
            // Keys "1".."5": one per step of the five whys, fixed so that two
            // people editing different steps merge cleanly.
            f.root_cause.whys = analysis
                .whys
                .iter()
                .enumerate()
                .map(|(i, why)| ((i + 1).to_string(), (*why).to_owned()))
                .collect();
            f.root_cause.statement = analysis.statement.into();
            f.correction.description = analysis.correction.into();
            f.correction.done_on = Some(corrected);
        })?;
        self.doc.change_status(id, Status::Analysed, date)
    }

    fn add_actions(
        &mut self,
        id: &str,
        on: i64,
        actions: &[ActionSpec<'_>],
    ) -> Result<Vec<String>, DocError> {
        let date = self.day(on)?;
        let mut ids = Vec::with_capacity(actions.len());
        for &(description, owner, due) in actions {
            let action = CorrectiveAction {
                description: description.into(),
                owner: owner.into(),
                due: Some(self.day(due)?),
                ..CorrectiveAction::default()
            };
            let aid = (self.new_id)();
            ids.push(self.doc.add_action(id, aid, date, action)?);
        }
        Ok(ids)
    }

    fn plan(
        &mut self,
        id: &str,
        on: i64,
        actions: &[ActionSpec<'_>],
    ) -> Result<Vec<String>, DocError> {
        let ids = self.add_actions(id, on, actions)?;
        self.status(id, on, Status::ActionPlanned)?;
        Ok(ids)
    }

    fn status(&mut self, id: &str, on: i64, to: Status) -> Result<(), DocError> {
        let date = self.day(on)?;
        self.doc.change_status(id, to, date)
    }

    fn action(
        &mut self,
        id: &str,
        action: &str,
        on: i64,
        status: ActionStatus,
    ) -> Result<(), DocError> {
        let date = self.day(on)?;
        self.doc.update_action(id, action, date, |a| {
            a.status = status;
            a.done_on = (status == ActionStatus::Done).then_some(date);
        })
    }

    fn review(
        &mut self,
        id: &str,
        on: i64,
        result: ReviewResult,
        reviewer: &str,
        notes: &str,
    ) -> Result<Status, DocError> {
        let date = self.day(on)?;
        self.doc
            .record_review(id, result, reviewer, date, notes, date)
    }

    fn edit(
        &mut self,
        id: &str,
        on: i64,
        edit: impl FnOnce(&mut super::model::Finding),
    ) -> Result<(), DocError> {
        let date = self.day(on)?;
        self.doc.update_finding(id, date, edit)
    }

    /// Findings in the order they were detected, each taken through its
    /// whole story (to today) before the next is recorded.
    fn record(&mut self) -> Result<(), DocError> {
        let stage2 = self.audit(
            "Stage 2 certification audit",
            Source::Stage2,
            (170, 168),
            CB_AUDITOR,
            "Bristol head office and Rotterdam depot; clauses 4–10 and Annex A.",
        )?;
        let internal = self.audit(
            "Internal audit: ISMS processes and IT operations",
            Source::InternalAudit,
            (100, 96),
            "Alex Morgan",
            "Internal audit programme, change management, backup, logging.",
        )?;
        let surveillance = self.audit(
            "Surveillance audit 1",
            Source::Surveillance,
            (14, 12),
            CB_AUDITOR,
            "Leadership, policy, physical security at Rotterdam, use of the certification mark.",
        )?;

        self.recertification_competence()?;
        self.stage1_soa()?;
        self.stage2_leavers(&stage2)?;
        let risk = self.stage2_risk_assessment(&stage2)?;
        self.stage2_documents(&stage2)?;
        self.stage2_awareness(&stage2)?;
        self.stage2_clean_desk(&stage2)?;
        self.duplicate_of_leavers(&stage2)?;
        self.internal_audit_programme(&internal)?;
        self.internal_firewall_changes(&internal, &risk)?;
        self.internal_backups(&internal)?;
        self.internal_logging(&internal)?;
        self.management_review()?;
        self.customer_audit_mfa()?;
        self.phishing_incident()?;
        self.self_identified_cloud()?;
        self.surveillance_mark(&surveillance)?;
        self.surveillance_policy(&surveillance)?;
        self.surveillance_visitors(&surveillance)?;
        Ok(())
    }

    // ----- stage 1 and stage 2 ------------------------------------------------

    /// Closed on an effective review, verified by the certification body.
    fn stage1_soa(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            185,
            Spec {
                title: "Statement of Applicability lacks justifications",
                statement: "The Statement of Applicability does not give the justification for \
                    including or excluding Annex A controls, as required by 6.1.3 d).",
                evidence: "SoA v1.1 (stage 1 document review): 93 controls listed, 11 marked \
                    \u{201c}excluded\u{201d} with no justification; the \u{201c}included\u{201d} \
                    column is not linked to the risk treatment plan.",
                requirements: &["6.1.3"],
                grade: Grade::Minor,
                source: Source::Stage1,
                cause: CauseCategory::Documentation,
                audit: "",
                area: "ISMS, Bristol",
                owner: ISMS_MANAGER,
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        self.analyse(
            &id,
            182,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why were justifications missing? The SoA was filled in from a template.",
                    "Why from a template? It was written before the risk treatment plan existed.",
                    "Why before? The project plan put the SoA in month 1 and risk treatment in month 3.",
                ],
                statement: "The SoA was produced from a template before the risk treatment plan \
                    existed, and was never regenerated from it.",
                correction: "Justifications added for the 11 exclusions (SoA v1.2).",
                corrected: 183,
            },
        )?;
        let actions = self.plan(
            &id,
            181,
            &[(
                "Regenerate the SoA from the risk treatment plan and review it with control owners",
                ISMS_MANAGER,
                175,
            )],
        )?;
        self.status(&id, 180, Status::InProgress)?;
        for action in &actions {
            self.action(&id, action, 177, ActionStatus::Done)?;
        }
        self.edit(&id, 177, |f| {
            f.isms_changes = "SoA v2.0 generated from the risk treatment plan (RTP v1.0).".into();
            f.review.due = f
                .detected_on
                .and_then(|d| d.checked_add_days(Days::new(12)));
        })?;
        self.status(&id, 176, Status::Verifying)?;
        self.review(
            &id,
            169,
            ReviewResult::Effective,
            CB_AUDITOR,
            "Verified at stage 2: SoA v2.0 traces every control to the risk treatment plan.",
        )?;
        self.status(&id, 169, Status::Closed)
    }

    /// A major closed within the 90 days, after an effective review.
    fn stage2_leavers(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            169,
            Spec {
                title: "Leavers keep access to the TMS",
                statement: "Access rights of leavers are not removed on termination, as required \
                    by A.5.18 and the access control policy (POL-07 \u{a7}4.3).",
                evidence: "HR leavers report January\u{2013}June: 23 leavers. Sample of 10 checked \
                    against the TMS user list: 4 accounts still active, one used 9 days after the \
                    leaving date (TMS audit log, user jbrooks). No ticket raised by HR for 6 of the 10.",
                requirements: &["A.5.18", "A.5.15"],
                grade: Grade::Major,
                source: Source::Stage2,
                cause: CauseCategory::ControlsNotImplemented,
                audit,
                area: "IT operations, Bristol",
                owner: "Dana Whitfield",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        self.analyse(
            &id,
            165,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why were accounts still active? IT was not told that the people had left.",
                    "Why not told? HR notifies IT by e-mail, and six e-mails were never sent.",
                    "Why not sent? The e-mail is a manual step at the end of a long HR checklist.",
                    "Why manual? The HR system was never connected to the directory.",
                    "Why was it never caught? No one reconciles accounts against the staff list.",
                ],
                statement: "The leaver process relies on HR e-mailing IT; there is no automated \
                    trigger from the HR system and no periodic reconciliation of accounts.",
                correction: "All 23 leavers' TMS accounts disabled; jbrooks's session activity \
                    reviewed, no data export found.",
                corrected: 167,
            },
        )?;
        let actions = self.plan(
            &id,
            163,
            &[
                (
                    "Disable accounts automatically from the HR system's termination event",
                    "Dana Whitfield",
                    130,
                ),
                (
                    "Monthly reconciliation of TMS, directory and VPN users against the HR staff list",
                    "Ben Carter",
                    140,
                ),
            ],
        )?;
        self.status(&id, 160, Status::InProgress)?;
        if let [automate, reconcile] = actions.as_slice() {
            self.action(&id, automate, 125, ActionStatus::Done)?;
            self.action(&id, reconcile, 118, ActionStatus::Done)?;
        }
        self.edit(&id, 117, |f| {
            f.isms_changes = "POL-07 Access control policy v3.2 (leavers disabled within 24 h); \
                new procedure PRO-12 User access review."
                .into();
            f.review.due = f
                .detected_on
                .and_then(|d| d.checked_add_days(Days::new(76)));
        })?;
        self.status(&id, 116, Status::Verifying)?;
        self.review(
            &id,
            95,
            ReviewResult::Effective,
            ISMS_MANAGER,
            "Sample of 15 leavers since go-live: all disabled within 24 hours. Two monthly \
             reconciliations evidenced with sign-off.",
        )?;
        self.status(&id, 93, Status::Closed)
    }

    /// Reopened: the first fix did not work, a new action is planned.
    fn stage2_risk_assessment(&mut self, audit: &str) -> Result<String, DocError> {
        let id = self.finding(
            169,
            Spec {
                title: "Risk assessment not updated for the new warehouse management system",
                statement: "Information security risks were not reassessed when the warehouse \
                    management system (WMS) was replaced, contrary to 6.1.2 and 8.2 (risk \
                    assessments when significant changes are proposed or occur).",
                evidence: "Risk register RR-2025 last updated 14 months before the audit; WMS \
                    go-live (change CHG-0412) 5 months before the audit; no risk refers to the \
                    WMS or its hosting provider.",
                requirements: &["6.1.2", "8.2"],
                grade: Grade::Minor,
                source: Source::Stage2,
                cause: CauseCategory::RiskAssessment,
                audit,
                area: "ISMS, Bristol",
                owner: ISMS_MANAGER,
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        self.analyse(
            &id,
            160,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why was the WMS not assessed? Nobody asked for a risk assessment.",
                    "Why did nobody ask? The change request did not mention information security.",
                    "Why not? The change process has no step for security or risk.",
                ],
                statement: "Risk reassessment is not a step in the change process, so significant \
                    changes do not trigger it.",
                correction: "WMS risks assessed and added to the risk register (RR-2025 v7).",
                corrected: 161,
            },
        )?;
        let actions = self.plan(
            &id,
            158,
            &[(
                "Add a \u{201c}risk reassessment needed?\u{201d} gate to the change request form",
                ISMS_MANAGER,
                130,
            )],
        )?;
        self.status(&id, 155, Status::InProgress)?;
        for action in &actions {
            self.action(&id, action, 110, ActionStatus::Done)?;
        }
        self.status(&id, 105, Status::Verifying)?;
        self.review(
            &id,
            50,
            ReviewResult::NotEffective,
            ISMS_MANAGER,
            "Two significant changes since (new EDI gateway, Rotterdam Wi-Fi) passed the gate \
             marked \u{201c}no\u{201d} without justification; neither was risk assessed.",
        )?;
        self.add_actions(
            &id,
            48,
            &[(
                "Define criteria for a significant change and require the ISMS manager's sign-off \
                 on the risk gate",
                ISMS_MANAGER,
                -20,
            )],
        )?;
        Ok(id)
    }

    /// Verifying: actions done, the review is due next week.
    fn stage2_documents(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            168,
            Spec {
                title: "Uncontrolled copies of procedures on the shared drive",
                statement: "Documented information is not controlled as required by 7.5.3: \
                    superseded procedure versions remain available to staff.",
                evidence: "The shared Ops/Procedures folder holds PRO-03 v1.4 and v2.0 side by \
                    side; two dispatchers interviewed at Rotterdam used v1.4 (superseded in 2024). \
                    Nothing marks v1.4 as obsolete.",
                requirements: &["7.5.3"],
                grade: Grade::Minor,
                source: Source::Stage2,
                cause: CauseCategory::Documentation,
                audit,
                area: "Warehouse, Rotterdam depot",
                owner: "Tom Okafor",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        self.analyse(
            &id,
            162,
            Analysis {
                method: "Cause and effect (fishbone)",
                whys: &[],
                statement: "The shared drive predates the document management system and was \
                    never retired; nobody owns its content.",
                correction: "Superseded versions moved to an archive folder; PRO-03 v2.0 \
                    reissued to dispatch.",
                corrected: 163,
            },
        )?;
        let actions = self.plan(
            &id,
            161,
            &[(
                "Retire the shared procedures folder and publish procedures only from the document \
                 management system",
                "Tom Okafor",
                90,
            )],
        )?;
        self.status(&id, 150, Status::InProgress)?;
        for action in &actions {
            self.action(&id, action, 40, ActionStatus::Done)?;
        }
        self.edit(&id, 39, |f| {
            f.isms_changes = "PRO-01 Document control v2.1: the DMS is the only source of \
                procedures."
                .into();
        })?;
        let review_due = self.day(-7)?;
        self.edit(&id, 38, |f| f.review.due = Some(review_due))?;
        self.status(&id, 38, Status::Verifying)
    }

    /// An observation the organisation decided to act on: action planned.
    /// Disputed with the certification body, which withdrew it: the
    /// organisation cannot reject a body's finding.
    fn stage2_clean_desk(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            168,
            Spec {
                title: "Customer documents left on desks in the Rotterdam office",
                statement: "The clear desk rule (A.7.7) is not applied: documents with customer \
                    data were left unattended on desks.",
                evidence: "Photo taken at 12:40: two delivery manifests with customer names and \
                    addresses on an empty desk.",
                requirements: &["A.7.7"],
                grade: Grade::Minor,
                source: Source::Stage2,
                cause: CauseCategory::Awareness,
                audit,
                area: "Office, Rotterdam depot",
                owner: "Sanne de Vries",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        let raised = self.day(160)?;
        self.edit(&id, 160, |f| {
            f.dispute.reason = "The desk is the drivers' hand-over counter, staffed in shifts; \
                the manifests are the drivers' copies, handed over at 12:45 as the duty roster \
                shows."
                .into();
            f.dispute.raised_on = Some(raised);
        })?;
        self.edit(&id, 150, |f| {
            f.dispute.answer = "Accepted: the counter is a staffed hand-over point and the \
                manifests were in use. Finding withdrawn in the stage 2 report, revision 2."
                .into();
            f.dispute.outcome = Some(DisputeOutcome::Withdrawn);
        })?;
        self.status(&id, 150, Status::Withdrawn)
    }

    fn stage2_awareness(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            168,
            Spec {
                title: "Security awareness training incomplete for agency staff",
                statement:
                    "Potential nonconformity: agency warehouse staff may start work without \
                    information security awareness training (A.6.3).",
                evidence: "Learning system report: 72 % completion for agency staff against 98 % \
                    for employees; the agency induction checklist has no security item.",
                requirements: &["A.6.3"],
                grade: Grade::Observation,
                source: Source::Stage2,
                cause: CauseCategory::Awareness,
                audit,
                area: "HR, Bristol",
                owner: "Chlo\u{e9} Martin",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        self.analyse(
            &id,
            140,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why untrained? Agency staff skip the employee induction.",
                    "Why skip it? The agency contract does not provide for our induction.",
                ],
                statement: "The agency contract does not require the agency to deliver, or allow \
                    time for, our security induction.",
                correction: "Security briefing added to the agency induction checklist.",
                corrected: 141,
            },
        )?;
        self.plan(
            &id,
            138,
            &[(
                "Add a 20-minute security briefing to agency induction and track it in the \
                 learning system",
                "Chlo\u{e9} Martin",
                -30,
            )],
        )?;
        Ok(())
    }

    /// Recorded twice on a tablet during the closing meeting; the copy is
    /// deleted (a tombstone, kept in the document).
    fn duplicate_of_leavers(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            169,
            Spec {
                title: "Leavers keep access to TMS (entered twice)",
                statement: "Access rights of leavers are not removed on termination.",
                evidence: "See the closing meeting notes.",
                requirements: &["A.5.18"],
                grade: Grade::Major,
                source: Source::Stage2,
                cause: CauseCategory::ControlsNotImplemented,
                audit,
                area: "IT operations, Bristol",
                owner: "Dana Whitfield",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        let date = self.day(168)?;
        self.doc
            .delete_finding(&id, "Raised twice by mistake", date)
    }

    fn recertification_competence(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            195,
            Spec {
                title: "No evidence of competence for Leeds system administrators",
                statement: "The competence of the Leeds cross-dock system administrators is not \
                    evidenced (7.2): there are no records of training or experience for \
                    privileged roles.",
                evidence: "Raised at Harbour Freight's recertification audit, before the Leeds \
                    cross-dock joined Northwind's ISMS. HR files of the 3 administrators hold no \
                    training records; no role profile exists for privileged IT roles.",
                requirements: &["7.2", "A.6.3"],
                grade: Grade::Minor,
                source: Source::Recertification,
                cause: CauseCategory::Awareness,
                audit: "",
                area: "Leeds cross-dock",
                owner: "Chlo\u{e9} Martin",
                raised_by: Some("M. Jensen (NordCert)"),
            },
        )?;
        self.analyse(
            &id,
            185,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why no records? No training was ever required for the role.",
                    "Why not required? The role has no profile stating its competence needs.",
                    "Why no profile? Privileged roles were filled by long-serving staff.",
                ],
                statement: "Privileged IT roles at Leeds never had a competence profile, so \
                    neither training nor its records were required.",
                correction: "Privileged access limited to two administrators under Bristol \
                    oversight until training is complete.",
                corrected: 187,
            },
        )?;
        let actions = self.plan(
            &id,
            180,
            &[
                (
                    "Define competence profiles for privileged IT roles",
                    "Chlo\u{e9} Martin",
                    120,
                ),
                (
                    "Train and certify the Leeds administrators (vendor courses)",
                    "Dana Whitfield",
                    5,
                ),
            ],
        )?;
        self.status(&id, 175, Status::InProgress)?;
        if let [profiles, training] = actions.as_slice() {
            self.action(&id, profiles, 115, ActionStatus::Done)?;
            self.action(&id, training, 90, ActionStatus::InProgress)?;
        }
        Ok(())
    }

    // ----- internal audit --------------------------------------------------------

    /// A major in progress and past its 90-day deadline.
    fn internal_audit_programme(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            99,
            Spec {
                title: "Internal audit programme left the Rotterdam depot unaudited",
                statement: "The internal audit programme did not cover the Rotterdam depot or the \
                    technological controls within the three-year cycle (9.2.2), and findings of the \
                    last internal audit were closed without an effectiveness review (10.2 d).",
                evidence: "Audit programme AP-2023-2025: 11 audits, none at Rotterdam; A.8 \
                    controls last audited in 2022; programme not signed off by top management. \
                    Internal audit report IA-2024-03: 5 findings closed, no review recorded.",
                requirements: &["9.2.2", "10.2"],
                grade: Grade::Major,
                source: Source::InternalAudit,
                cause: CauseCategory::InternalAudit,
                audit,
                area: "ISMS, Bristol",
                owner: ISMS_MANAGER,
                raised_by: None,
            },
        )?;
        self.analyse(
            &id,
            92,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why was Rotterdam missed? It was not in the programme.",
                    "Why not? The programme is copied from the previous year's.",
                    "Why copied? There is no coverage check against the scope and Annex A.",
                    "Why no check? Nobody reviews the programme before it is approved.",
                ],
                statement: "The programme is rolled over from the previous year without a \
                    coverage check against sites, clauses and Annex A, and no one reviews it.",
                correction: "Rotterdam depot audit scheduled; the programme sent to top \
                    management for sign-off.",
                corrected: 94,
            },
        )?;
        let actions = self.plan(
            &id,
            94,
            &[
                (
                    "Rebuild the audit programme from a coverage matrix (sites \u{d7} clauses \u{d7} \
                     Annex A themes)",
                    ISMS_MANAGER,
                    60,
                ),
                (
                    "Audit the Rotterdam depot, including physical and technological controls",
                    "Alex Morgan",
                    20,
                ),
            ],
        )?;
        self.status(&id, 85, Status::InProgress)?;
        if let [matrix, rotterdam] = actions.as_slice() {
            self.action(&id, matrix, 55, ActionStatus::Done)?;
            self.action(&id, rotterdam, 30, ActionStatus::InProgress)?;
        }
        Ok(())
    }

    fn internal_firewall_changes(&mut self, audit: &str, similar: &str) -> Result<(), DocError> {
        let id = self.finding(
            98,
            Spec {
                title: "Firewall rule changes made without change approval",
                statement: "Changes to the perimeter firewall are not made through the change \
                    management process (A.8.32) and are not planned and controlled (8.1).",
                evidence: "Firewall change log, Q2: 37 rule changes, 9 with a matching approved \
                    change request. The network engineer confirmed that \u{201c}urgent\u{201d} \
                    changes are made directly.",
                requirements: &["A.8.32", "8.1"],
                grade: Grade::Minor,
                source: Source::InternalAudit,
                cause: CauseCategory::ChangeManagement,
                audit,
                area: "Network, Bristol data room",
                owner: "Marek Nowak",
                raised_by: None,
            },
        )?;
        self.analyse(
            &id,
            80,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why no approval? The changes were treated as urgent.",
                    "Why does urgent mean unapproved? There is no emergency change path.",
                ],
                statement: "The emergency change path is undefined, so engineers treat every \
                    urgent request as exempt from approval.",
                correction: "Unapproved rules reviewed: 3 obsolete rules removed, the other 25 \
                    approved retrospectively by the change board.",
                corrected: 82,
            },
        )?;
        self.edit(&id, 80, |f| {
            f.similar.insert(similar.to_owned(), SimilarVerdict::Linked);
        })?;
        self.plan(
            &id,
            78,
            &[(
                "Define an emergency change procedure with a retrospective review within 2 working days",
                "Marek Nowak",
                -10,
            )],
        )?;
        Ok(())
    }

    /// In progress with an action past its own due date.
    fn internal_backups(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            97,
            Spec {
                title: "Backup restores never tested",
                statement: "Backups are not tested as required by A.8.13 and the backup policy \
                    (a restore test every quarter).",
                evidence: "Backup console: nightly jobs successful; no restore test recorded in \
                    the last 12 months; the operations calendar has no restore test.",
                requirements: &["A.8.13"],
                grade: Grade::Minor,
                source: Source::InternalAudit,
                cause: CauseCategory::ControlsNotImplemented,
                audit,
                area: "IT operations, Bristol",
                owner: "Dana Whitfield",
                raised_by: None,
            },
        )?;
        self.analyse(
            &id,
            90,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why no test? Nobody was asked to do one.",
                    "Why nobody? The task belonged to the on-premises backup team.",
                    "Why did it lapse? The team was dissolved when backups moved to the cloud.",
                ],
                statement: "Restore testing was never reassigned when the backup service moved to \
                    the cloud provider.",
                correction: "Test restore of the TMS database performed successfully (ticket \
                    OPS-2291).",
                corrected: 91,
            },
        )?;
        let actions = self.plan(
            &id,
            88,
            &[
                (
                    "Quarterly restore test in the operations calendar, owned by the on-call lead",
                    "Ben Carter",
                    30,
                ),
                (
                    "Restore test report template recording the achieved RTO and RPO",
                    "Dana Whitfield",
                    -15,
                ),
            ],
        )?;
        self.status(&id, 80, Status::InProgress)?;
        if let Some(calendar) = actions.first() {
            self.action(&id, calendar, 60, ActionStatus::InProgress)?;
        }
        Ok(())
    }

    /// An opportunity for improvement still awaiting a decision.
    fn internal_logging(&mut self, audit: &str) -> Result<(), DocError> {
        self.finding(
            97,
            Spec {
                title: "Centralise log collection",
                statement: "Opportunity for improvement: logs of the TMS, the firewalls and the \
                    Windows servers are kept on each system; a central log store would make review \
                    and retention easier (A.8.15).",
                evidence: "Log retention varies from 7 days (firewall) to 90 days (TMS); events \
                    could not be correlated during the March malware alert.",
                requirements: &["A.8.15"],
                grade: Grade::Opportunity,
                source: Source::InternalAudit,
                cause: CauseCategory::Other,
                audit,
                area: "IT operations, Bristol",
                owner: "Marek Nowak",
                raised_by: None,
            },
        )?;
        Ok(())
    }

    // ----- other sources -------------------------------------------------------------

    fn management_review(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            75,
            Spec {
                title: "Management review did not consider ISMS resources",
                statement: "The management review did not consider the resources needed for the \
                    ISMS (7.1, 9.3.2), although the ISMS manager reported one person covering \
                    three sites.",
                evidence: "Minutes MR-2025-02: no item on resources; the ISMS manager's report \
                    (annex 3) asked for a second security analyst; no decision recorded.",
                requirements: &["9.3.2", "7.1"],
                grade: Grade::Minor,
                source: Source::ManagementReview,
                cause: CauseCategory::Resources,
                audit: "",
                area: "Management, Bristol",
                owner: "Jonas Berg",
                raised_by: Some(ISMS_MANAGER),
            },
        )?;
        self.analyse(
            &id,
            70,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why was it not discussed? It was not on the agenda.",
                    "Why not? The agenda template predates ISO/IEC 27001:2022.",
                ],
                statement: "The management review agenda template lacks the 9.3.2 inputs, \
                    resources among them.",
                correction: "Resource request tabled at the next board meeting.",
                corrected: 72,
            },
        )?;
        self.plan(
            &id,
            68,
            &[(
                "Update the management review agenda to the 9.3.2 inputs and minute decisions on \
                 resources",
                "Jonas Berg",
                -25,
            )],
        )?;
        Ok(())
    }

    fn customer_audit_mfa(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            60,
            Spec {
                title: "Phishing-resistant MFA for customer portal administrators",
                statement: "Opportunity for improvement from a customer's second-party audit: \
                    portal administrators sign in with SMS codes; phishing-resistant \
                    authentication (A.8.5) would reduce the risk of account takeover.",
                evidence: "Acme Retail supplier audit report AR-SA-2025-14, item 6; portal MFA \
                    settings reviewed with the product owner.",
                requirements: &["A.8.5"],
                grade: Grade::Opportunity,
                source: Source::Other,
                cause: CauseCategory::Other,
                audit: "",
                area: "Customer portal",
                owner: "Marek Nowak",
                raised_by: Some("Acme Retail supplier audit"),
            },
        )?;
        self.analyse(
            &id,
            50,
            Analysis {
                method: "Review of the portal's design history",
                whys: &[],
                statement: "SMS codes were the only second factor the portal supported at launch; \
                    security keys became available with release 5.2.",
                correction: "Administrator accounts reduced from 14 to 6.",
                corrected: 52,
            },
        )
    }

    /// A major analysed but with its plan overdue.
    fn phishing_incident(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            45,
            Spec {
                title: "Phishing incident handled without the incident response plan",
                statement: "A phishing compromise of a dispatcher's mailbox was not handled \
                    according to a documented incident response process (A.5.24, A.5.26): no \
                    incident record, no containment decision, no assessment of customer \
                    notification.",
                evidence: "Service desk ticket SD-88213 records a password reset only; a mailbox \
                    rule forwarded mail to an external address for 6 days; the incident log is \
                    empty for the period; the response plan is draft v0.3, never approved.",
                requirements: &["A.5.24", "A.5.26"],
                grade: Grade::Major,
                source: Source::Incident,
                cause: CauseCategory::IncidentResponse,
                audit: "",
                area: "Dispatch, Rotterdam depot",
                owner: ISMS_MANAGER,
                raised_by: Some("Ben Carter"),
            },
        )?;
        self.analyse(
            &id,
            30,
            Analysis {
                method: "Five whys",
                whys: &[
                    "Why only a password reset? The service desk saw a routine lockout.",
                    "Why routine? Nobody at the desk knew the signs of a compromised mailbox.",
                    "Why not? The response plan was never trained.",
                    "Why not trained? It was never approved.",
                    "Why not approved? It had no owner after the previous ISMS manager left.",
                ],
                statement: "The incident response plan was never approved or trained, so the \
                    service desk handled a compromise as a routine password reset.",
                correction:
                    "Forwarding rule removed, sessions revoked, the 7 customers whose data \
                    was forwarded notified.",
                corrected: 44,
            },
        )
    }

    /// Rejected with its reason: the organisation showed it was unfounded.
    fn self_identified_cloud(&mut self) -> Result<(), DocError> {
        let id = self.finding(
            30,
            Spec {
                title: "Cloud TMS missing from the supplier register",
                statement: "Potential nonconformity: the cloud-hosted TMS does not appear in the \
                    supplier register, so its security may not have been assessed (A.5.23).",
                evidence: "Supplier register export: no entry named \u{201c}TMS\u{201d} or \
                    \u{201c}transport management\u{201d}.",
                requirements: &["A.5.23"],
                grade: Grade::Observation,
                source: Source::SelfIdentified,
                cause: CauseCategory::Documentation,
                audit: "",
                area: "IT operations, Bristol",
                owner: "Dana Whitfield",
                raised_by: Some("Ben Carter"),
            },
        )?;
        self.edit(&id, 28, |f| {
            f.rejection_reason = "Unfounded: the TMS is in the supplier register under its \
                vendor's legal name (Fleetwise B.V.), with the cloud security assessment attached."
                .into();
        })?;
        self.status(&id, 28, Status::Rejected)
    }

    // ----- surveillance ---------------------------------------------------------------

    fn surveillance_mark(&mut self, audit: &str) -> Result<(), DocError> {
        self.finding(
            13,
            Spec {
                title: "Certification mark used for a site outside the scope",
                statement: "The certification mark is used for services outside the certified \
                    scope (4.3): the website presents the Leeds cross-dock, not yet in scope, as \
                    ISO/IEC 27001 certified.",
                evidence:
                    "Website page /sites/leeds shows \u{201c}ISO 27001 certified site\u{201d} \
                    with the certification body's mark; the certificate lists Bristol and \
                    Rotterdam only.",
                requirements: &["4.3", "7.4"],
                grade: Grade::Minor,
                source: Source::Surveillance,
                cause: CauseCategory::CertificationMarks,
                audit,
                area: "Marketing",
                owner: "Raj Patel",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        Ok(())
    }

    fn surveillance_policy(&mut self, audit: &str) -> Result<(), DocError> {
        self.finding(
            13,
            Spec {
                title: "Information security policy not reviewed since 2023",
                statement: "The information security policy has not been reviewed at planned \
                    intervals and lacks the commitment to continual improvement required by \
                    5.2 d).",
                evidence:
                    "POL-01 v1.0 dated 2023 says \u{201c}reviewed annually\u{201d}; no review \
                    recorded since; the intranet still links the draft v0.9.",
                requirements: &["5.2", "A.5.1"],
                grade: Grade::Minor,
                source: Source::Surveillance,
                cause: CauseCategory::Documentation,
                audit,
                area: "ISMS, Bristol",
                owner: ISMS_MANAGER,
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        Ok(())
    }

    /// Recorded on site, owner not yet assigned.
    fn surveillance_visitors(&mut self, audit: &str) -> Result<(), DocError> {
        let id = self.finding(
            12,
            Spec {
                title: "Visitor badges not returned at the Rotterdam depot",
                statement: "Potential nonconformity: physical entry controls (A.7.2) can be \
                    bypassed because visitor badges are not collected on exit.",
                evidence: "Visitor log for September: 41 visitors, 12 badges not recorded as \
                    returned; two badges found in the drivers' lounge; the badges open the \
                    warehouse door.",
                requirements: &["A.7.2"],
                grade: Grade::Observation,
                source: Source::Surveillance,
                cause: CauseCategory::ControlsNotImplemented,
                audit,
                area: "Warehouse, Rotterdam depot",
                owner: "",
                raised_by: Some(CB_AUDITOR),
            },
        )?;
        let follow_up = self.day(-20)?;
        self.edit(&id, 12, |f| f.follow_up = Some(follow_up))
    }
}
