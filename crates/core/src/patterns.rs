//! Systemic patterns: what a certification body would act on across
//! findings, not within one.
//!
//! ISO/IEC 17021-1 notes that several minor nonconformities against the same
//! requirement can show a systemic failure and together constitute a major;
//! clause 10.2 b) 3) asks whether similar nonconformities exist or could
//! occur. The register spots two shapes and says why, in words an auditor
//! can repeat:
//!
//! - **Repeated minors**: at least [`Settings::pattern_minors`] minor
//!   nonconformities concern the same requirement (as the catalogue spells
//!   it, so `a.5.15` and `A.5.15` are one), or the same Annex A theme across
//!   different controls (organizational, people, physical, technological).
//!   A theme group that only repeats a requirement group adds nothing and
//!   is left out.
//! - **Recurrence**: a nonconformity detected after another one against the
//!   same requirement was closed: the earlier corrective action did not
//!   stop it coming back.
//!
//! Rejected, withdrawn and deleted findings never count: they are not
//! nonconformities. Closed ones do: a minor fixed last month is still
//! evidence that the process keeps failing.
//!
//! A pattern is *answered* once a major nonconformity links every one of its
//! findings as similar ([`RegisterDoc::raise_systemic_major`] makes one);
//! then the register shows which major answers it instead of offering to
//! raise another.
//!
//! [`RegisterDoc::raise_systemic_major`]: crate::document::RegisterDoc::raise_systemic_major

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::catalogue::{self, Theme};
use crate::model::{Finding, Grade, Settings, SimilarVerdict, Status};
use crate::text::{natural_cmp, normalise};

/// What the findings of a pattern have in common.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// Minors against one requirement, as the catalogue (or the first
    /// finding, for free text) spells it.
    Requirement(String),
    /// Minors against different controls of one Annex A theme.
    Theme(Theme),
    /// A nonconformity detected after an earlier one against the same
    /// requirement was closed.
    Recurrence(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub shape: Shape,
    /// Ids of the findings, in reference order; for a recurrence, the
    /// closed one(s) first, then those that came back.
    pub findings: Vec<String>,
    /// Ids of majors that link every finding of the pattern as similar.
    pub answered_by: Vec<String>,
}

impl Pattern {
    /// One sentence saying what was found, with the references.
    pub fn describe(&self, findings: &BTreeMap<String, Finding>) -> String {
        // Only the named ones are looked up: a theme's pattern at 10,000
        // findings has thousands, and a finding's page describes its
        // patterns on every edit. Its ids are findings of the register it
        // was found in, so they are counted without looking them up.
        let named: Vec<&str> = self
            .findings
            .iter()
            .filter_map(|id| findings.get(id))
            .map(|f| f.reference.as_str())
            .take(LISTED)
            .collect();
        let n = self.findings.len();
        let list = listed(&named, n);
        match &self.shape {
            Shape::Requirement(r) => format!(
                "{n} minor nonconformities concern {} ({list}): together they may show a systemic failure, which a certification body would grade as a major.",
                requirement_name(r)
            ),
            Shape::Theme(t) => format!(
                "{n} minor nonconformities concern {} controls (Annex A {}) ({list}): the theme may be failing as a whole.",
                t.label().to_lowercase(),
                t.section()
            ),
            Shape::Recurrence(r) => format!(
                "A nonconformity against {} came back after an earlier one was closed ({list}): the corrective action did not prevent recurrence.",
                requirement_name(r)
            ),
        }
    }

    /// The requirement references a major raised from this pattern cites.
    pub fn requirements(&self, findings: &BTreeMap<String, Finding>) -> Vec<String> {
        match &self.shape {
            Shape::Requirement(r) | Shape::Recurrence(r) => vec![r.clone()],
            Shape::Theme(t) => {
                let mut refs: BTreeSet<String> = BTreeSet::new();
                for f in self.findings.iter().filter_map(|id| findings.get(id)) {
                    for r in f.requirement_list() {
                        let canonical = canonical(r);
                        if theme_of(&canonical) == Some(*t) {
                            refs.insert(canonical);
                        }
                    }
                }
                refs.into_iter().collect()
            }
        }
    }
}

/// How many references a sentence names before it counts the rest: a
/// pattern of thousands of findings is still one readable sentence (each
/// finding is linked beside it).
pub const LISTED: usize = 20;

/// The references, the first [`LISTED`] of them named and the rest counted.
fn listed(named: &[&str], total: usize) -> String {
    if total <= named.len() {
        return named.join(", ");
    }
    format!("{} and {} more", named.join(", "), total - named.len())
}

fn requirement_name(reference: &str) -> String {
    catalogue::label(reference).unwrap_or_else(|| format!("\u{201c}{reference}\u{201d}"))
}

/// The catalogue's spelling of a reference, or the reference trimmed.
pub(crate) fn canonical(reference: &str) -> String {
    catalogue::find(reference)
        .map(|r| r.id.to_owned())
        .unwrap_or_else(|| reference.trim().to_owned())
}

pub(crate) fn theme_of(reference: &str) -> Option<Theme> {
    catalogue::find(reference).and_then(|r| r.theme)
}

/// A nonconformity that counts: not deleted, not rejected or withdrawn.
pub(crate) fn counts(f: &Finding) -> bool {
    !f.deleted && !matches!(f.status, Status::Rejected | Status::Withdrawn)
}

/// Every pattern in `findings`: repeated minors first (requirements, then
/// themes), then recurrences; each group in a stable order.
pub fn find(findings: &BTreeMap<String, Finding>, settings: &Settings) -> Vec<Pattern> {
    let threshold = settings.pattern_minors.max(2) as usize;
    let live: Vec<&Finding> = findings.values().filter(|f| counts(f)).collect();

    let minors = || live.iter().copied().filter(|f| f.grade == Grade::Minor);
    let by_requirement = grouped_by_requirement(minors());
    let mut by_theme: BTreeMap<Theme, Vec<&Finding>> = BTreeMap::new();
    for f in minors() {
        let themes: BTreeSet<Theme> = f
            .requirement_list()
            .into_iter()
            .filter_map(theme_of)
            .collect();
        for t in themes {
            by_theme.entry(t).or_default().push(f);
        }
    }

    let mut patterns = Vec::new();
    let mut requirement_sets: Vec<BTreeSet<&str>> = Vec::new();
    let mut requirement_patterns: Vec<(String, Vec<&Finding>)> = by_requirement
        .into_values()
        .filter(|(_, group)| group.len() >= threshold)
        .collect();
    requirement_patterns.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (reference, group) in requirement_patterns {
        requirement_sets.push(group.iter().map(|f| f.id.as_str()).collect());
        patterns.push(pattern(Shape::Requirement(reference), group, findings));
    }
    for (theme, group) in by_theme {
        let ids: BTreeSet<&str> = group.iter().map(|f| f.id.as_str()).collect();
        if group.len() < threshold || requirement_sets.iter().any(|s| ids.is_subset(s)) {
            continue;
        }
        patterns.push(pattern(Shape::Theme(theme), group, findings));
    }

    // Recurrence: per requirement, the earliest closure before a later
    // detection of a nonconformity (major or minor) against it.
    let by_reference =
        grouped_by_requirement(live.iter().copied().filter(|f| f.grade.is_nonconformity()));
    let mut recurrences: Vec<(String, Vec<&Finding>, Vec<&Finding>)> = by_reference
        .into_values()
        .filter_map(|(reference, group)| {
            recurrence(group).map(|(before, again)| (reference, before, again))
        })
        .collect();
    recurrences.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    for (reference, before, again) in recurrences {
        patterns.push(recurrence_pattern(reference, before, again, findings));
    }
    patterns
}

/// The nonconformities of one requirement's `group` that were closed before
/// the first closure's later detections, and those detections, in reference
/// order; `None` unless both exist.
pub(crate) fn recurrence(group: Vec<&Finding>) -> Option<(Vec<&Finding>, Vec<&Finding>)> {
    let first_closure = group
        .iter()
        .filter(|f| f.status == Status::Closed)
        .filter_map(|f| f.closure.closed_on)
        .min()?;
    let (mut again, rest): (Vec<&Finding>, Vec<&Finding>) = group
        .into_iter()
        .partition(|f| f.detected_on.is_some_and(|d| d > first_closure));
    let mut before: Vec<&Finding> = rest
        .into_iter()
        .filter(|f| f.status == Status::Closed && f.closure.closed_on.is_some())
        .collect();
    if again.is_empty() || before.is_empty() {
        return None;
    }
    by_reference_order(&mut before);
    by_reference_order(&mut again);
    Some((before, again))
}

pub(crate) fn recurrence_pattern(
    reference: String,
    before: Vec<&Finding>,
    again: Vec<&Finding>,
    findings: &BTreeMap<String, Finding>,
) -> Pattern {
    let ids: Vec<String> = before.iter().chain(&again).map(|f| f.id.clone()).collect();
    Pattern {
        answered_by: answered_by(&ids, findings),
        findings: ids,
        shape: Shape::Recurrence(reference),
    }
}

/// `findings` grouped by the requirements they cite, each group under its
/// key with the reference as the catalogue spells it. Free-text references
/// match ignoring case and accents, like the similar-findings check;
/// catalogue ones by their canonical id. Two spellings of one requirement
/// on a finding count it once: kept per finding, since asking the group
/// instead made grouping quadratic (11 s at 10,000 findings sharing a
/// requirement).
fn grouped_by_requirement<'a>(
    findings: impl Iterator<Item = &'a Finding>,
) -> BTreeMap<String, (String, Vec<&'a Finding>)> {
    let mut groups: BTreeMap<String, (String, Vec<&Finding>)> = BTreeMap::new();
    for f in findings {
        let mut keys = BTreeSet::new();
        for r in f.requirement_list() {
            if r.trim().is_empty() {
                continue;
            }
            let k = requirement_key(r);
            if keys.insert(k.clone()) {
                groups
                    .entry(k)
                    .or_insert_with(|| (canonical(r), Vec::new()))
                    .1
                    .push(f);
            }
        }
    }
    groups
}

/// What groups a requirement: the catalogue's id, or for free text the
/// reference ignoring case, accents and surrounding spaces.
pub(crate) fn requirement_key(reference: &str) -> String {
    catalogue::find(reference)
        .map(|c| c.id.to_owned())
        .unwrap_or_else(|| normalise(reference.trim()))
}

pub(crate) fn by_reference_order(group: &mut [&Finding]) {
    group.sort_by(|a, b| natural_cmp(&a.reference, &b.reference).then_with(|| a.id.cmp(&b.id)));
}

pub(crate) fn pattern(
    shape: Shape,
    mut group: Vec<&Finding>,
    findings: &BTreeMap<String, Finding>,
) -> Pattern {
    by_reference_order(&mut group);
    let ids: Vec<String> = group.iter().map(|f| f.id.clone()).collect();
    Pattern {
        answered_by: answered_by(&ids, findings),
        findings: ids,
        shape,
    }
}

/// Live majors (not among `ids`) whose similar links include every id.
pub(crate) fn answered_by(ids: &[String], findings: &BTreeMap<String, Finding>) -> Vec<String> {
    answered_among(ids, findings.values())
}

/// Those of `majors` that answer `ids` (see [`answered_by`]), in reference
/// order.
pub(crate) fn answered_among<'a>(
    ids: &[String],
    majors: impl IntoIterator<Item = &'a Finding>,
) -> Vec<String> {
    // The links first: most majors link none of `ids`, and fail on the
    // first; a membership test of every major in `ids` was quadratic.
    let mut majors: Vec<&Finding> = majors
        .into_iter()
        .filter(|m| counts(m) && m.grade == Grade::Major)
        .filter(|m| {
            ids.iter()
                .all(|id| m.similar.get(id) == Some(&SimilarVerdict::Linked))
        })
        .filter(|m| !ids.contains(&m.id))
        .collect();
    by_reference_order(&mut majors);
    majors.into_iter().map(|m| m.id.clone()).collect()
}

/// The patterns `finding` belongs to (or answers, for a major that links
/// them).
pub fn of_finding<'a>(patterns: &'a [Pattern], id: &str) -> Vec<&'a Pattern> {
    patterns
        .iter()
        .filter(|p| p.findings.iter().any(|f| f == id) || p.answered_by.iter().any(|f| f == id))
        .collect()
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Requirement(r) => write!(f, "Repeated minors: {}", requirement_name(r)),
            Shape::Theme(t) => write!(f, "Repeated minors: {} controls", t.label()),
            Shape::Recurrence(r) => write!(f, "Recurrence: {}", requirement_name(r)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    fn minor(id: &str, refs: &[&str]) -> Finding {
        let mut f = Finding::new(id.into(), format!("NC-2027-JD-{id}"));
        f.grade = Grade::Minor;
        f.detected_on = Some(d(2027, 1, 10));
        for r in refs {
            f.requirements.insert((*r).into(), true);
        }
        f
    }

    fn register(findings: Vec<Finding>) -> BTreeMap<String, Finding> {
        findings.into_iter().map(|f| (f.id.clone(), f)).collect()
    }

    #[test]
    fn three_minors_on_one_control_are_a_pattern_two_are_not() {
        let s = Settings::default();
        let mut all = register(vec![
            minor("001", &["A.5.15"]),
            minor("002", &["a.5.15", "7.2"]),
            minor("003", &["A.8.2"]),
        ]);
        assert!(find(&all, &s).is_empty());
        all.insert("004".into(), minor("004", &["A.5.15 "]));
        let found = find(&all, &s);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].shape, Shape::Requirement("A.5.15".into()));
        assert_eq!(found[0].findings, ["001", "002", "004"]);
        assert!(found[0].answered_by.is_empty());
        assert_eq!(
            found[0].describe(&all),
            "3 minor nonconformities concern A.5.15 Access control (NC-2027-JD-001, NC-2027-JD-002, NC-2027-JD-004): together they may show a systemic failure, which a certification body would grade as a major."
        );
        // The threshold is the register's setting.
        let two = Settings {
            pattern_minors: 2,
            ..s
        };
        assert!(find(&all, &two)
            .iter()
            .any(|p| p.shape == Shape::Requirement("A.5.15".into())));
    }

    #[test]
    fn rejected_withdrawn_deleted_majors_and_observations_do_not_count() {
        let s = Settings::default();
        let mut all = vec![minor("001", &["A.5.15"]), minor("002", &["A.5.15"])];
        let mut rejected = minor("003", &["A.5.15"]);
        rejected.status = Status::Rejected;
        let mut withdrawn = minor("004", &["A.5.15"]);
        withdrawn.status = Status::Withdrawn;
        let mut deleted = minor("005", &["A.5.15"]);
        deleted.deleted = true;
        let mut observation = minor("006", &["A.5.15"]);
        observation.grade = Grade::Observation;
        let mut major = minor("007", &["A.5.15"]);
        major.grade = Grade::Major;
        all.extend([rejected, withdrawn, deleted, observation, major]);
        assert!(find(&register(all), &s).is_empty());
    }

    #[test]
    fn a_theme_across_controls_is_a_pattern_unless_it_repeats_a_requirement() {
        let s = Settings::default();
        let all = register(vec![
            minor("001", &["A.6.3"]),
            minor("002", &["A.6.1"]),
            minor("003", &["A.6.7", "9.2"]),
        ]);
        let found = find(&all, &s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].shape, Shape::Theme(Theme::People));
        assert_eq!(found[0].requirements(&all), ["A.6.1", "A.6.3", "A.6.7"]);
        // Three minors on one people control: the requirement says it all.
        let same = register(vec![
            minor("001", &["A.6.3"]),
            minor("002", &["A.6.3"]),
            minor("003", &["A.6.3"]),
        ]);
        let found = find(&same, &s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].shape, Shape::Requirement("A.6.3".into()));
    }

    #[test]
    fn a_nonconformity_detected_after_a_closure_on_its_requirement_is_a_recurrence() {
        let s = Settings::default();
        let mut closed = minor("001", &["A.8.13"]);
        closed.status = Status::Closed;
        closed.closure.closed_on = Some(d(2027, 3, 1));
        let mut before = minor("002", &["A.8.13"]);
        before.detected_on = Some(d(2027, 2, 1));
        let mut again = minor("003", &["A.8.13"]);
        again.grade = Grade::Major;
        again.detected_on = Some(d(2027, 6, 1));
        let all = register(vec![closed.clone(), before.clone()]);
        assert!(find(&all, &s).is_empty(), "nothing came back yet");
        let all = register(vec![closed, before, again]);
        let found = find(&all, &s);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].shape, Shape::Recurrence("A.8.13".into()));
        assert_eq!(found[0].findings, ["001", "003"]);
        assert!(found[0].describe(&all).starts_with(
            "A nonconformity against A.8.13 Information backup came back after an earlier one was closed"
        ));
    }

    #[test]
    fn a_major_linking_every_finding_answers_the_pattern() {
        let s = Settings::default();
        let mut all = register(vec![
            minor("001", &["A.5.15"]),
            minor("002", &["A.5.15"]),
            minor("003", &["A.5.15"]),
        ]);
        let mut major = minor("010", &["A.5.15"]);
        major.grade = Grade::Major;
        for id in ["001", "002"] {
            major.similar.insert(id.into(), SimilarVerdict::Linked);
        }
        all.insert(major.id.clone(), major.clone());
        assert!(find(&all, &s)[0].answered_by.is_empty(), "one not linked");
        major.similar.insert("003".into(), SimilarVerdict::Linked);
        all.insert(major.id.clone(), major);
        let found = find(&all, &s);
        assert_eq!(found[0].answered_by, ["010"]);
        assert_eq!(of_finding(&found, "010").len(), 1);
        assert_eq!(of_finding(&found, "002").len(), 1);
    }

    #[test]
    fn a_pattern_of_thousands_is_one_readable_sentence() {
        let s = Settings::default();
        let all = register(
            (0..3_000)
                .map(|i| minor(&format!("{i:04}"), &["A.5.15", "a.5.15 "]))
                .collect(),
        );
        let found = find(&all, &s);
        assert_eq!(
            found.len(),
            1,
            "two spellings of one requirement count once"
        );
        assert_eq!(found[0].findings.len(), 3_000);
        let sentence = found[0].describe(&all);
        assert!(
            sentence.contains("3000 minor nonconformities"),
            "{sentence}"
        );
        assert!(
            sentence.contains("NC-2027-JD-0019 and 2980 more)"),
            "{sentence}"
        );
        assert!(!sentence.contains("NC-2027-JD-0020"));
    }
}
