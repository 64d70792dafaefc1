//! Similar nonconformities (ISO/IEC 27001:2022 clause 10.2 b) 3): "determine
//! whether similar nonconformities exist, or could potentially occur".
//!
//! The register proposes other findings that share something with this one
//! (a requirement, the cause category, the area) and a person judges each
//! proposal: linked (it is the same problem elsewhere) or dismissed. The
//! judgement is stored on the finding (`Finding::similar`), so a proposal is
//! made once and the check itself is documented evidence.
//!
//! Matching is deliberately plain and explainable (every proposal says why it
//! was made): exact requirement references, the same cause category, and the
//! same area ignoring case, accents and surrounding spaces. Anything cleverer
//! (text similarity) would produce proposals nobody can justify to an auditor.

use std::fmt;

use super::model::{CauseCategory, Finding};
use super::text::{natural_cmp, normalise};

/// Why a finding is proposed as similar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Both cite this requirement (as this finding spells it).
    Requirement(String),
    Cause(CauseCategory),
    /// Both were found in this area (as this finding spells it).
    Area(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Requirement(r) => write!(f, "same requirement ({r})"),
            Reason::Cause(c) => write!(f, "same cause ({})", c.label()),
            Reason::Area(a) => write!(f, "same area ({a})"),
        }
    }
}

/// Findings that may be similar to `finding`, each with every reason, most
/// reasons first, then by reference. Leaves out `finding` itself, deleted
/// findings and those already linked or dismissed on `finding`.
pub fn candidates<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    finding: &Finding,
) -> Vec<(String, Vec<Reason>)> {
    first_candidates(findings, finding, usize::MAX).0
}

/// The first `n` of [`candidates`], in its order, and how many there are
/// in all. A page shows proposals 20 at a time and re-reads them on every
/// edit: a requirement cited across a large register proposes thousands,
/// and ordering them all (by natural reference) was most of it.
pub fn first_candidates<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
    finding: &Finding,
    n: usize,
) -> (Vec<(String, Vec<Reason>)>, usize) {
    let key = |text: &str| normalise(text.trim());
    let requirements: Vec<(&str, String)> = finding
        .requirement_list()
        .into_iter()
        .map(|r| (r, key(r)))
        .filter(|(_, k)| !k.is_empty())
        .collect();
    let area = key(&finding.area);
    let mut found: Vec<(&Finding, Vec<Reason>)> = findings
        .into_iter()
        .filter(|other| {
            other.id != finding.id && !other.deleted && !finding.similar.contains_key(&other.id)
        })
        .filter_map(|other| {
            let theirs: Vec<String> = other.requirement_list().into_iter().map(key).collect();
            let mut reasons: Vec<Reason> = requirements
                .iter()
                .filter(|(_, k)| theirs.contains(k))
                .map(|(r, _)| Reason::Requirement((*r).to_owned()))
                .collect();
            if let Some(cause) = finding.cause.filter(|c| other.cause == Some(*c)) {
                reasons.push(Reason::Cause(cause));
            }
            if !area.is_empty() && key(&other.area) == area {
                reasons.push(Reason::Area(finding.area.trim().to_owned()));
            }
            (!reasons.is_empty()).then_some((other, reasons))
        })
        .collect();
    // A total order (ids are unique), so the first `n` are the same
    // whichever way they are picked.
    let order = |(a, ra): &(&Finding, Vec<Reason>), (b, rb): &(&Finding, Vec<Reason>)| {
        rb.len()
            .cmp(&ra.len())
            .then_with(|| natural_cmp(&a.reference, &b.reference))
            .then_with(|| a.id.cmp(&b.id))
    };
    let total = found.len();
    if n < total {
        found.select_nth_unstable_by(n, order);
        found.truncate(n);
    }
    found.sort_by(order);
    let first = found
        .into_iter()
        .map(|(f, reasons)| (f.id.clone(), reasons))
        .collect();
    (first, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SimilarVerdict;

    fn finding(id: &str, reference: &str) -> Finding {
        Finding::new(id.into(), reference.into())
    }

    fn with_requirements(mut f: Finding, reqs: &[&str]) -> Finding {
        for r in reqs {
            f.requirements.insert((*r).into(), true);
        }
        f
    }

    fn ids(found: &[(String, Vec<Reason>)]) -> Vec<&str> {
        found.iter().map(|(id, _)| id.as_str()).collect()
    }

    #[test]
    fn shared_requirement_cause_or_area_each_propose_a_finding() {
        let mut me = with_requirements(finding("me", "NC-1"), &["A.5.18", "9.2"]);
        me.cause = Some(CauseCategory::Awareness);
        me.area = "IT operations".into();
        let by_req = with_requirements(finding("req", "NC-2"), &["A.5.18"]);
        let mut by_cause = finding("cause", "NC-3");
        by_cause.cause = Some(CauseCategory::Awareness);
        let mut by_area = finding("area", "NC-4");
        by_area.area = "  it opérations ".into();
        let mut unrelated = with_requirements(finding("none", "NC-5"), &["A.5.1"]);
        unrelated.cause = Some(CauseCategory::Documentation);
        unrelated.area = "Finance".into();
        let all = [&me, &by_req, &by_cause, &by_area, &unrelated];
        let found = candidates(all, &me);
        assert_eq!(ids(&found), vec!["req", "cause", "area"]);
        assert_eq!(found[0].1, vec![Reason::Requirement("A.5.18".into())]);
        assert_eq!(found[1].1, vec![Reason::Cause(CauseCategory::Awareness)]);
        assert_eq!(found[2].1, vec![Reason::Area("IT operations".into())]);
        assert_eq!(
            found[1].1[0].to_string(),
            "same cause (Lack of awareness or training)"
        );
    }

    #[test]
    fn more_reasons_rank_first_then_reference_in_natural_order() {
        let mut me = with_requirements(finding("me", "NC-1"), &["A.8.8"]);
        me.area = "Leeds".into();
        let one_a = with_requirements(finding("x", "NC-10"), &["A.8.8"]);
        let one_b = with_requirements(finding("y", "NC-9"), &["a.8.8"]);
        let mut two = with_requirements(finding("z", "NC-20"), &["A.8.8"]);
        two.area = "leeds".into();
        let found = candidates([&one_a, &two, &one_b, &me], &me);
        assert_eq!(ids(&found), vec!["z", "y", "x"]);
        assert_eq!(found[0].1.len(), 2);
    }

    #[test]
    fn itself_deleted_and_already_judged_findings_are_left_out() {
        let mut me = with_requirements(finding("me", "NC-1"), &["5.2"]);
        let linked = with_requirements(finding("linked", "NC-2"), &["5.2"]);
        let dismissed = with_requirements(finding("dismissed", "NC-3"), &["5.2"]);
        let mut deleted = with_requirements(finding("deleted", "NC-4"), &["5.2"]);
        deleted.deleted = true;
        let open = with_requirements(finding("open", "NC-5"), &["5.2"]);
        me.similar.insert("linked".into(), SimilarVerdict::Linked);
        me.similar
            .insert("dismissed".into(), SimilarVerdict::Dismissed);
        let found = candidates([&me, &linked, &dismissed, &deleted, &open], &me);
        assert_eq!(ids(&found), vec!["open"]);
    }

    #[test]
    fn blank_and_unset_values_never_match() {
        let me = finding("me", "NC-1");
        let mut other = finding("other", "NC-2");
        other.area = "   ".into();
        assert!(candidates([&other], &me).is_empty());
        // A requirement switched off (false in the map) is not cited.
        let mut me = finding("me", "NC-1");
        me.requirements.insert("A.5.1".into(), false);
        let other = with_requirements(finding("other", "NC-2"), &["A.5.1"]);
        assert!(candidates([&other], &me).is_empty());
    }

    #[test]
    fn the_first_few_are_the_start_of_them_all() {
        let me = with_requirements(finding("me", "NC-1"), &["A.5.1", "A.5.2"]);
        // Two reasons for every third, and references shared in pairs, so
        // that every rule of the order decides somewhere.
        let others: Vec<Finding> = (0..40)
            .map(|i| {
                let reqs: &[&str] = if i % 3 == 0 {
                    &["A.5.1", "A.5.2"]
                } else {
                    &["A.5.1"]
                };
                with_requirements(
                    finding(&format!("f{i:02}"), &format!("NC-{}", (40 - i) / 2)),
                    reqs,
                )
            })
            .collect();
        let all = candidates(others.iter(), &me);
        assert_eq!(all.len(), 40);
        for n in [0, 1, 7, 20, 39, 40, 41, usize::MAX] {
            let (first, total) = first_candidates(others.iter(), &me, n);
            assert_eq!(total, 40);
            assert_eq!(first, all[..n.min(40)].to_vec(), "first {n}");
        }
    }

    #[test]
    fn every_shared_requirement_is_a_reason() {
        let me = with_requirements(finding("me", "NC-1"), &["9.2", "A.5.35", "Policy X"]);
        let other = with_requirements(finding("o", "NC-2"), &["policy x", "9.2"]);
        let found = candidates([&other], &me);
        assert_eq!(
            found[0].1,
            vec![
                Reason::Requirement("9.2".into()),
                Reason::Requirement("Policy X".into()),
            ]
        );
        assert_eq!(found[0].1[0].to_string(), "same requirement (9.2)");
    }
}
