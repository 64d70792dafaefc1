//! The relations index (`ncr_core::relations`) answers as the whole
//! register does: for random registers, one finding's similar proposals and
//! patterns equal `similar::candidates` and `patterns::of_finding` over every
//! finding, and the index kept through random edits equals the one built
//! afresh. The registers are small and their values drawn from small pools
//! (spellings of the same requirement, blank areas, links between the
//! findings), so that groups, ties and edge cases are common.
//!
//! Cases: 256 by default; `PROPTEST_CASES` sets more.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;

use ncr_core::model::{CauseCategory, Finding, Grade, Settings, SimilarVerdict, Status};
use ncr_core::patterns;
use ncr_core::relations::Relations;
use ncr_core::similar;

use crate::common::cases;

const IDS: usize = 12;

/// Spellings of a few requirements: catalogue ones in several forms, free
/// text differing in case and spaces, a blank one, and ones of each theme.
const REQUIREMENTS: &[&str] = &[
    "A.5.15",
    "a.5.15",
    "A.5.15 Access control",
    "A.5.18",
    "A.6.3",
    "A.7.4",
    "A.8.8",
    "9.2",
    "Policy X",
    " policy x ",
    "   ",
];

const AREAS: &[&str] = &["", "Leeds", " leeds ", "IT opérations", "it operations"];

fn id(i: usize) -> String {
    format!("f{i:02}")
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 1).expect("valid date") + chrono::Days::new(u64::from(day))
}

fn finding(i: usize) -> impl Strategy<Value = Finding> {
    (
        0..6usize,
        prop::collection::vec((0..REQUIREMENTS.len(), any::<bool>()), 0..4),
        prop::option::of(0..3usize),
        0..AREAS.len(),
        // Mostly minors: patterns are made of them.
        prop_oneof![3 => Just(Grade::Minor), 1 => prop::sample::select(Grade::ALL.to_vec())],
        prop::sample::select(Status::ALL.to_vec()),
        prop::bool::weighted(0.15),
        (prop::option::of(0..20u32), prop::option::of(0..20u32)),
        prop::collection::vec((0..IDS, any::<bool>()), 0..4),
    )
        .prop_map(
            move |(reference, requirements, cause, area, grade, status, deleted, dates, links)| {
                let mut f = Finding::new(id(i), format!("NC-{reference}"));
                for (r, on) in requirements {
                    f.requirements.insert(REQUIREMENTS[r].to_owned(), on);
                }
                f.cause = cause.map(|c| CauseCategory::ALL[c]);
                f.area = AREAS[area].to_owned();
                f.grade = grade;
                f.status = status;
                f.deleted = deleted;
                f.detected_on = dates.0.map(date);
                f.closure.closed_on = dates.1.map(date);
                for (other, linked) in links {
                    let verdict = if linked {
                        SimilarVerdict::Linked
                    } else {
                        SimilarVerdict::Dismissed
                    };
                    f.similar.insert(id(other), verdict);
                }
                f
            },
        )
}

/// Requirements (indexes into [`REQUIREMENTS`]) a systemic major may answer:
/// each spelling of one requirement, or the Annex A 5 (organizational)
/// controls together, a theme.
const ANSWERED: &[&[usize]] = &[&[0, 1, 2], &[3], &[0, 1, 2, 3], &[6], &[7], &[8, 9]];

/// A register: some of the ids, each a random finding; sometimes one of
/// them made a live major that cites nothing and links every other finding
/// citing one requirement or theme, as raising a systemic major does (so
/// that the patterns it answers are found through its links alone).
fn register() -> impl Strategy<Value = BTreeMap<String, Finding>> {
    let findings = prop::collection::vec(prop::bool::weighted(0.8), IDS).prop_flat_map(|present| {
        let findings: Vec<_> = (0..IDS).filter(|i| present[*i]).map(finding).collect();
        findings
    });
    let answer = prop::option::weighted(0.5, (0..IDS, 0..ANSWERED.len()));
    (findings, answer).prop_map(|(findings, answer)| {
        let mut all: BTreeMap<String, Finding> =
            findings.into_iter().map(|f| (f.id.clone(), f)).collect();
        if let Some((major, answered)) = answer {
            let spellings: Vec<&str> = ANSWERED[answered]
                .iter()
                .map(|i| REQUIREMENTS[*i])
                .collect();
            let citing: Vec<String> = all
                .values()
                .filter(|f| f.requirement_list().iter().any(|r| spellings.contains(r)))
                .map(|f| f.id.clone())
                .collect();
            if let Some(m) = all.get_mut(&id(major)) {
                m.grade = Grade::Major;
                m.status = Status::Open;
                m.deleted = false;
                m.requirements.clear();
                for other in citing.into_iter().filter(|o| *o != m.id) {
                    m.similar.insert(other, SimilarVerdict::Linked);
                }
            }
        }
        all
    })
}

fn settings() -> impl Strategy<Value = Settings> {
    (2..4u32).prop_map(|n| Settings {
        pattern_minors: n,
        ..Settings::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(256)))]

    #[test]
    fn one_findings_proposals_and_patterns_are_the_whole_registers(
        all in register(),
        settings in settings(),
    ) {
        let relations = Relations::build(all.values());
        let every = patterns::find(&all, &settings);
        for f in all.values() {
            let every_candidate = similar::candidates(all.values(), f);
            prop_assert_eq!(
                relations.similar(&all, f, usize::MAX),
                (every_candidate.clone(), every_candidate.len()),
                "similar to {}", f.id
            );
            let (first, total) = relations.similar(&all, f, 2);
            prop_assert_eq!(first.as_slice(), &every_candidate[..every_candidate.len().min(2)]);
            prop_assert_eq!(total, every_candidate.len());
            let expected: Vec<patterns::Pattern> =
                patterns::of_finding(&every, &f.id).into_iter().cloned().collect();
            prop_assert_eq!(
                relations.patterns_of(&all, &settings, &f.id),
                expected,
                "patterns of {}", f.id
            );
        }
    }

    #[test]
    fn kept_through_edits_it_is_the_index_built_afresh(
        start in register(),
        edits in prop::collection::vec((0..IDS, prop::option::weighted(0.8, finding(0))), 0..12),
    ) {
        let mut all = start;
        let mut relations = Relations::build(all.values());
        for (i, edit) in edits {
            let key = id(i);
            match edit {
                Some(mut f) => {
                    f.id = key.clone();
                    relations.update(&key, Some(&f));
                    all.insert(key, f);
                }
                None => {
                    relations.update(&key, None);
                    all.remove(&key);
                }
            }
            prop_assert_eq!(&relations, &Relations::build(all.values()));
        }
    }
}
