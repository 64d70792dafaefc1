//! Which findings share what similar proposals ([`crate::similar`]) and
//! systemic patterns ([`crate::patterns`]) group by, kept up to date finding
//! by finding as the register changes.
//!
//! A finding's page shows its proposals and its patterns, and both used to
//! read the whole register on every edit: 0.2 s per edit at 10,000
//! findings. With this index they read only the findings that share a key
//! with it (a requirement, the cause, the area, an Annex A theme, a link),
//! and an edit updates one finding's entries.
//!
//! The index holds keys, ids and references only; the findings themselves
//! stay in the document's cache, and every answer is computed from them
//! with the same functions the whole-register versions use (a theme's
//! group comes in the order its pattern lists it, kept as findings
//! change). Tests hold it to two invariants: incrementally kept, it equals
//! the index built afresh; and its answers equal those of
//! [`crate::similar::candidates`] and [`crate::patterns::of_finding`] over
//! the whole register.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::Hash;

use crate::catalogue::Theme;
use crate::model::{CauseCategory, Finding, Grade, Settings, SimilarVerdict};
use crate::patterns::{self, Pattern, Shape};
use crate::similar::{self, Reason};
use crate::text::{natural_cmp, normalise};

/// What one finding is indexed under.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Keys {
    /// Requirements as similar proposals match them.
    requirements: BTreeSet<String>,
    cause: Option<CauseCategory>,
    area: Option<String>,
    /// Requirements as patterns group them (the catalogue's id, or the text).
    pattern_keys: BTreeSet<String>,
    themes: BTreeSet<Theme>,
    /// Findings this one links as similar.
    links: BTreeSet<String>,
    /// Whether it counts in a theme's group of minors, and where it stands
    /// in one.
    counted_minor: bool,
    reference: String,
}

impl Keys {
    fn of(f: &Finding) -> Keys {
        let cited: Vec<&str> = f
            .requirement_list()
            .into_iter()
            .filter(|r| !r.trim().is_empty())
            .collect();
        let area = normalise(f.area.trim());
        Keys {
            requirements: cited
                .iter()
                .map(|r| normalise(r.trim()))
                .filter(|k| !k.is_empty())
                .collect(),
            cause: f.cause,
            area: (!area.is_empty()).then_some(area),
            pattern_keys: cited.iter().map(|r| patterns::requirement_key(r)).collect(),
            themes: cited.iter().filter_map(|r| patterns::theme_of(r)).collect(),
            links: f
                .similar
                .iter()
                .filter(|(_, v)| **v == SimilarVerdict::Linked)
                .map(|(id, _)| id.clone())
                .collect(),
            counted_minor: patterns::counts(f) && f.grade == Grade::Minor,
            reference: f.reference.clone(),
        }
    }

    fn placed(&self, id: &str) -> Placed {
        Placed {
            reference: self.reference.clone(),
            id: id.to_owned(),
        }
    }
}

/// A finding's place in a pattern's list: by reference in natural order,
/// then by id ([`patterns::by_reference_order`]).
#[derive(Debug, Clone)]
struct Placed {
    reference: String,
    id: String,
}

impl Ord for Placed {
    fn cmp(&self, other: &Self) -> Ordering {
        natural_cmp(&self.reference, &other.reference).then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for Placed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Placed {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Placed {}

/// Whether every member of `sub` is in `set`. One walk of both in their
/// common order: a finding is the same `Placed` in every group, so where
/// the groups hold the same findings each step compares ids, not
/// references in natural order.
fn includes(set: &BTreeSet<Placed>, sub: &BTreeSet<Placed>) -> bool {
    if sub.len() > set.len() {
        return false;
    }
    let mut walk = set.iter();
    'members: for m in sub {
        for s in walk.by_ref() {
            if s.id == m.id {
                continue 'members;
            }
            if s > m {
                return false;
            }
        }
        return false;
    }
    true
}

/// Ids of findings under each key.
type Postings<K> = HashMap<K, BTreeSet<String>>;

/// Findings under each key, in a pattern's order.
type Placings<K> = HashMap<K, BTreeSet<Placed>>;

fn post<K: Hash + Eq, T: Ord>(map: &mut HashMap<K, BTreeSet<T>>, key: K, item: T) {
    map.entry(key).or_default().insert(item);
}

fn unpost<K: Hash + Eq, T: Ord + Borrow<Q>, Q: Ord + ?Sized>(
    map: &mut HashMap<K, BTreeSet<T>>,
    key: &K,
    item: &Q,
) {
    if let Some(items) = map.get_mut(key) {
        items.remove(item);
        if items.is_empty() {
            map.remove(key);
        }
    }
}

fn ids_under<'a, K: Hash + Eq>(map: &'a Postings<K>, key: &K) -> impl Iterator<Item = &'a String> {
    map.get(key).into_iter().flatten()
}

/// The index (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relations {
    keys: HashMap<String, Keys>,
    by_requirement: Postings<String>,
    by_cause: Postings<CauseCategory>,
    by_area: Postings<String>,
    by_pattern_key: Postings<String>,
    /// Each requirement's (as patterns group them) and each Annex A
    /// theme's counted minors, kept in the order a pattern lists them: at
    /// 10,000 findings a theme has thousands, and so may a requirement,
    /// which an edit would otherwise look up and sort again.
    key_minors: Placings<String>,
    theme_minors: Placings<Theme>,
    /// For each finding, the findings that link it as similar.
    linked_by: Postings<String>,
}

impl Relations {
    pub fn build<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Relations {
        let mut relations = Relations::default();
        for f in findings {
            relations.update(&f.id, Some(f));
        }
        relations
    }

    /// Re-indexes finding `id` as it now reads (`None`: gone).
    pub fn update(&mut self, id: &str, finding: Option<&Finding>) {
        let new = finding.map(Keys::of);
        if self.keys.get(id) == new.as_ref() {
            return;
        }
        if let Some(old) = self.keys.remove(id) {
            for k in &old.requirements {
                unpost(&mut self.by_requirement, k, id);
            }
            if let Some(c) = &old.cause {
                unpost(&mut self.by_cause, c, id);
            }
            if let Some(a) = &old.area {
                unpost(&mut self.by_area, a, id);
            }
            for k in &old.pattern_keys {
                unpost(&mut self.by_pattern_key, k, id);
            }
            if old.counted_minor {
                let placed = old.placed(id);
                for k in &old.pattern_keys {
                    unpost(&mut self.key_minors, k, &placed);
                }
                for t in &old.themes {
                    unpost(&mut self.theme_minors, t, &placed);
                }
            }
            for l in &old.links {
                unpost(&mut self.linked_by, l, id);
            }
        }
        let Some(new) = new else {
            return;
        };
        for k in &new.requirements {
            post(&mut self.by_requirement, k.clone(), id.to_owned());
        }
        if let Some(c) = new.cause {
            post(&mut self.by_cause, c, id.to_owned());
        }
        if let Some(a) = &new.area {
            post(&mut self.by_area, a.clone(), id.to_owned());
        }
        for k in &new.pattern_keys {
            post(&mut self.by_pattern_key, k.clone(), id.to_owned());
        }
        if new.counted_minor {
            let placed = new.placed(id);
            for k in &new.pattern_keys {
                post(&mut self.key_minors, k.clone(), placed.clone());
            }
            for t in &new.themes {
                post(&mut self.theme_minors, *t, placed.clone());
            }
        }
        for l in &new.links {
            post(&mut self.linked_by, l.clone(), id.to_owned());
        }
        self.keys.insert(id.to_owned(), new);
    }

    /// The first `first` of [`similar::candidates`] of `finding` among
    /// `findings`, and how many there are ([`similar::first_candidates`]),
    /// reading only the findings that share a requirement, the cause or the
    /// area with it.
    pub fn similar(
        &self,
        findings: &BTreeMap<String, Finding>,
        finding: &Finding,
        first: usize,
    ) -> (Vec<(String, Vec<Reason>)>, usize) {
        let mine = Keys::of(finding);
        let mut sharing: BTreeSet<&String> = BTreeSet::new();
        for k in &mine.requirements {
            sharing.extend(ids_under(&self.by_requirement, k));
        }
        if let Some(c) = &mine.cause {
            sharing.extend(ids_under(&self.by_cause, c));
        }
        if let Some(a) = &mine.area {
            sharing.extend(ids_under(&self.by_area, a));
        }
        similar::first_candidates(
            sharing.into_iter().filter_map(|id| findings.get(id)),
            finding,
            first,
        )
    }

    /// The patterns finding `id` belongs to or answers, as
    /// `patterns::of_finding(&patterns::find(findings, settings), id)` gives
    /// them, reading only the groups of its own requirements and themes and
    /// of those of the findings it links.
    pub fn patterns_of(
        &self,
        findings: &BTreeMap<String, Finding>,
        settings: &Settings,
        id: &str,
    ) -> Vec<Pattern> {
        let Some(keys) = self.keys.get(id) else {
            return Vec::new();
        };
        // A pattern `id` belongs to groups one of its keys; one it answers
        // (as a major linking every finding of it) groups a key of a finding
        // it links.
        let mut requirement_keys: BTreeSet<&String> = keys.pattern_keys.iter().collect();
        let mut themes: BTreeSet<Theme> = keys.themes.clone();
        for linked in keys.links.iter().filter_map(|l| self.keys.get(l)) {
            requirement_keys.extend(&linked.pattern_keys);
            themes.extend(&linked.themes);
        }
        let threshold = settings.pattern_minors.max(2) as usize;
        let group = |ids: &BTreeSet<String>, keep: &dyn Fn(&Finding) -> bool| -> Vec<&Finding> {
            ids.iter()
                .filter_map(|i| findings.get(i))
                .filter(|f| patterns::counts(f) && keep(f))
                .collect()
        };
        let nonconformity = |f: &Finding| f.grade.is_nonconformity();
        let answered = |ids: &[String]| -> Vec<String> {
            let majors = ids
                .first()
                .map(|first| ids_under(&self.linked_by, first).filter_map(|m| findings.get(m)));
            patterns::answered_among(ids, majors.into_iter().flatten())
        };
        let ids_of = |group: &BTreeSet<Placed>| group.iter().map(|m| m.id.clone()).collect();

        let mut by_requirement: Vec<(String, &String, &BTreeSet<Placed>)> = Vec::new();
        let mut recurrences: Vec<(String, &String, Vec<&Finding>, Vec<&Finding>)> = Vec::new();
        for key in requirement_keys {
            if let Some(minors) = self.key_minors.get(key) {
                // Named as `patterns::find` names it: after the group's
                // first finding by id.
                let first = minors.iter().map(|m| &m.id).min();
                if let (true, Some(first)) = (minors.len() >= threshold, first) {
                    if let Some(first) = findings.get(first) {
                        by_requirement.push((spelled(first, key), key, minors));
                    }
                }
            }
            let Some(ids) = self.by_pattern_key.get(key) else {
                continue;
            };
            let nonconformities = group(ids, &nonconformity);
            if let Some(first) = nonconformities.first() {
                let name = spelled(first, key);
                if let Some((before, again)) = patterns::recurrence(nonconformities) {
                    recurrences.push((name, key, before, again));
                }
            }
        }
        // As `patterns::find` orders them: by name, then by key.
        by_requirement.sort_by(|a, b| natural_cmp(&a.0, &b.0).then_with(|| a.1.cmp(b.1)));
        recurrences.sort_by(|a, b| natural_cmp(&a.0, &b.0).then_with(|| a.1.cmp(b.1)));

        let requirement_sets: Vec<&BTreeSet<Placed>> =
            by_requirement.iter().map(|(_, _, g)| *g).collect();
        let listed = |shape: Shape, ids: Vec<String>| Pattern {
            shape,
            answered_by: answered(&ids),
            findings: ids,
        };
        let mut found: Vec<Pattern> = by_requirement
            .into_iter()
            .map(|(name, _, members)| listed(Shape::Requirement(name), ids_of(members)))
            .collect();
        for theme in themes {
            let Some(members) = self.theme_minors.get(&theme) else {
                continue;
            };
            // A theme's group only repeating one requirement's adds nothing.
            let repeats = |set: &&BTreeSet<Placed>| includes(set, members);
            if members.len() < threshold || requirement_sets.iter().any(repeats) {
                continue;
            }
            found.push(listed(Shape::Theme(theme), ids_of(members)));
        }
        for (name, _, before, again) in recurrences {
            let ids: Vec<String> = before.iter().chain(&again).map(|f| f.id.clone()).collect();
            found.push(Pattern {
                shape: Shape::Recurrence(name),
                answered_by: answered(&ids),
                findings: ids,
            });
        }
        found.retain(|p| p.findings.iter().chain(&p.answered_by).any(|f| f == id));
        found
    }
}

/// The reference `f` cites under `key`, as a pattern names it (what
/// `patterns::find` takes from the group's first finding).
fn spelled(f: &Finding, key: &str) -> String {
    f.requirement_list()
        .into_iter()
        .filter(|r| !r.trim().is_empty())
        .find(|r| patterns::requirement_key(r) == key)
        .map(patterns::canonical)
        .unwrap_or_else(|| key.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(members: &[(&str, &str)]) -> BTreeSet<Placed> {
        members
            .iter()
            .map(|(reference, id)| Placed {
                reference: (*reference).into(),
                id: (*id).into(),
            })
            .collect()
    }

    #[test]
    fn includes_is_the_subset_test() {
        let all = set(&[("NC-1", "a"), ("NC-2", "b"), ("NC-10", "c"), ("NC-10", "d")]);
        for sub in [
            set(&[]),
            set(&[("NC-2", "b")]),
            set(&[("NC-1", "a"), ("NC-10", "d")]),
            all.clone(),
        ] {
            assert!(includes(&all, &sub), "{sub:?}");
        }
        for sub in [
            set(&[("NC-3", "e")]),
            set(&[("NC-1", "a"), ("NC-11", "e")]),
            set(&[("NC-0", "z"), ("NC-1", "a")]),
            set(&[("NC-10", "c"), ("NC-10", "e")]),
        ] {
            assert!(!includes(&all, &sub), "{sub:?}");
            assert_eq!(includes(&all, &sub), sub.is_subset(&all));
        }
    }
}
