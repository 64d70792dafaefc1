//! The ISO/IEC 27001:2022 catalogue: clauses 4–10 and the 93 Annex A controls.
//!
//! The list is embedded from `iso27001-2022-catalogue.tsv` (a verified copy,
//! checked by the tests below) and parsed once on first use, so the catalogue
//! works offline and costs nothing until a screen asks for it.
//!
//! # Reference rule
//!
//! Clause numbers and Annex A control numbers overlap: `5.1` is the clause
//! *Leadership and commitment* while `A.5.1` is the control *Policies for
//! information security*. A reference is therefore read as follows, ignoring
//! case and surrounding spaces:
//!
//! - with an `A` prefix (`A.5.15`, `a.5.15`, `A 5.15`, `A5.15`, `Annex A 5.15`)
//!   it names an Annex A control;
//! - without one (`9.2.2`, `Clause 9.2.2`) it names a clause or clause heading;
//! - anything that does not name an entry exactly is *not* a catalogue
//!   reference. `5.15` is not a clause, and it is not silently taken to mean
//!   `A.5.15`: [`find`] returns `None` and [`is_catalogue_ref`] returns
//!   `false`, so the text stays free text until a person picks the control
//!   (which [`search`] offers).
//!
//! A full label (`A.5.15 Access control`, as exported to spreadsheets) is also
//! accepted when its title matches, so labels round-trip through files.
//!
//! Clause headings (`9.2 Internal audit`, `6.1`, `7.5`, `4`…) are entries of
//! kind [`Kind::Heading`]: auditors cite them, so [`find`] resolves them, but
//! they are kept out of [`all`], [`clauses`] and [`controls`] so that counts
//! and statistics see only the 30 clauses and 93 controls.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

const TSV: &str = include_str!("iso27001-2022-catalogue.tsv");

/// The Annex A themes of ISO/IEC 27001:2022 (one per Annex A section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// A.5
    Organizational,
    /// A.6
    People,
    /// A.7
    Physical,
    /// A.8
    Technological,
}

impl Theme {
    pub const ALL: &'static [Theme] = &[
        Theme::Organizational,
        Theme::People,
        Theme::Physical,
        Theme::Technological,
    ];

    /// The standard's own word, as in the TSV and the printed Annex A.
    pub fn label(self) -> &'static str {
        match self {
            Theme::Organizational => "Organizational",
            Theme::People => "People",
            Theme::Physical => "Physical",
            Theme::Technological => "Technological",
        }
    }

    /// The Annex A section holding this theme's controls, e.g. `"A.5"`.
    pub fn section(self) -> &'static str {
        match self {
            Theme::Organizational => "A.5",
            Theme::People => "A.6",
            Theme::Physical => "A.7",
            Theme::Technological => "A.8",
        }
    }

    /// The theme of Annex A section `n` (5–8).
    pub fn of_section(n: u32) -> Option<Theme> {
        match n {
            5 => Some(Theme::Organizational),
            6 => Some(Theme::People),
            7 => Some(Theme::Physical),
            8 => Some(Theme::Technological),
            _ => None,
        }
    }

    pub fn from_label(text: &str) -> Option<Theme> {
        let t = text.trim();
        Theme::ALL
            .iter()
            .copied()
            .find(|theme| theme.label().eq_ignore_ascii_case(t))
    }
}

impl std::fmt::Display for Theme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What a catalogue entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A clause that only groups sub-clauses (`9.2 Internal audit`).
    Heading,
    /// A clause carrying requirements (`9.2.2 Internal audit programme`).
    Clause,
    /// An Annex A control (`A.5.15 Access control`).
    Control,
}

/// One entry of the catalogue. Every string borrows from the embedded TSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Requirement {
    /// As written in the standard: `"9.2.2"`, `"A.5.15"`.
    pub id: &'static str,
    pub kind: Kind,
    /// Only controls have a theme.
    pub theme: Option<Theme>,
    pub title: &'static str,
}

impl Requirement {
    /// `"A.5.15 Access control"`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.title)
    }

    /// The number without the Annex A prefix: `"5.15"` for `A.5.15`.
    pub fn number(&self) -> &'static str {
        self.id.strip_prefix("A.").unwrap_or(self.id)
    }
}

/// Every clause and control (not the headings), clauses first, in the
/// standard's order.
pub fn all() -> &'static [Requirement] {
    &catalogue().requirements
}

/// The 30 clauses of sections 4–10 that carry requirements.
pub fn clauses() -> &'static [Requirement] {
    let c = catalogue();
    &c.requirements[..c.clause_count]
}

/// The 93 Annex A controls.
pub fn controls() -> &'static [Requirement] {
    let c = catalogue();
    &c.requirements[c.clause_count..]
}

/// The clause headings (`4 Context of the organization`, `9.2 Internal
/// audit`…), for grouping clauses in pickers and reports.
pub fn headings() -> &'static [Requirement] {
    &catalogue().headings
}

/// The controls of one Annex A theme, in order.
pub fn controls_in(theme: Theme) -> impl Iterator<Item = &'static Requirement> {
    controls().iter().filter(move |r| r.theme == Some(theme))
}

/// The entry a reference names, following the module's reference rule.
pub fn find(reference: &str) -> Option<&'static Requirement> {
    let c = catalogue();
    if let Some(found) = c.lookup(reference) {
        return Some(found);
    }
    // A pasted label: the id, whitespace, then the entry's own title.
    let text = reference.trim();
    text.char_indices()
        .filter(|(_, ch)| ch.is_whitespace())
        .find_map(|(at, _)| {
            let entry = c.lookup(&text[..at])?;
            let rest = text[at..].trim();
            entry.title.eq_ignore_ascii_case(rest).then_some(entry)
        })
}

/// Whether a finding's requirement text names a catalogue entry (clause,
/// heading or control) rather than a policy, legal or contractual requirement
/// written as free text.
pub fn is_catalogue_ref(text: &str) -> bool {
    find(text).is_some()
}

/// `"A.5.15 Access control"` for any accepted spelling of a reference;
/// `None` for free text.
pub fn label(reference: &str) -> Option<String> {
    find(reference).map(Requirement::label)
}

/// Entries matching what a person typed, best first, at most `limit`.
///
/// Ranking, each tier in the standard's order:
/// 1. the entry the query names exactly ([`find`]);
/// 2. for a bare number, the control with that number (`5.15` → `A.5.15`),
///    offered rather than guessed;
/// 3. ids starting with the query (`9.2` → `9.2.1`, `9.2.2`), within the
///    query's scope (clauses for bare numbers, controls for `A…`);
/// 4. for a bare number, controls whose number starts with it;
/// 5. titles equal to the query's words, then titles containing every word
///    whole, then titles with every word as a word prefix (`crypto` →
///    *Use of cryptography*);
/// 6. entries whose heading or theme, with their title, contains every
///    word as a prefix (`internal audit` → `9.2.1 General`).
///
/// Headings are included: auditors cite them. An empty query matches nothing.
pub fn search(query: &str, limit: usize) -> Vec<&'static Requirement> {
    let c = catalogue();
    let mut ranked: Vec<(u8, usize)> = Vec::new();
    let id_query = parse_id(query, true);
    let words = words_of(query);
    for (index, entry) in c.entries.iter().enumerate() {
        let meta = &c.meta[index];
        let id_tier = id_query.as_ref().and_then(|q| id_tier(q, entry, meta));
        let text_tier = text_tier(&words, meta);
        if let Some(tier) = id_tier.into_iter().chain(text_tier).min() {
            ranked.push((tier, index));
        }
    }
    ranked.sort_unstable();
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, index)| &c.entries[index])
        .collect()
}

fn id_tier(query: &IdQuery, entry: &Requirement, meta: &Meta) -> Option<u8> {
    let is_control = entry.kind == Kind::Control;
    let in_scope = is_control == (query.scope == Scope::Annex);
    let bare = query.scope == Scope::Bare;
    if meta.number == query.number {
        if in_scope {
            return Some(0);
        }
        if bare && is_control {
            return Some(1);
        }
    }
    if meta.number.starts_with(&query.number) {
        if in_scope {
            return Some(2);
        }
        if bare && is_control {
            return Some(3);
        }
    }
    None
}

fn text_tier(words: &[String], meta: &Meta) -> Option<u8> {
    if words.is_empty() {
        return None;
    }
    let prefix_of_any =
        |pool: &[String], w: &String| pool.iter().any(|t| t.starts_with(w.as_str()));
    if meta.title_words == words {
        Some(4)
    } else if words.iter().all(|w| meta.title_words.contains(w)) {
        Some(5)
    } else if words.iter().all(|w| prefix_of_any(&meta.title_words, w)) {
        Some(6)
    } else if words
        .iter()
        .all(|w| prefix_of_any(&meta.title_words, w) || prefix_of_any(&meta.context_words, w))
    {
        Some(7)
    } else {
        None
    }
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// How a reference was written: the scope decides which half of the
/// catalogue a number belongs to (see the module's reference rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Bare,
    Clause,
    Annex,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct IdQuery {
    scope: Scope,
    /// Canonical digits and dots, leading zeros dropped: `"5.15"`.
    number: String,
}

impl IdQuery {
    fn key(&self) -> String {
        match self.scope {
            Scope::Annex => format!("A.{}", self.number),
            Scope::Bare | Scope::Clause => self.number.clone(),
        }
    }
}

/// Reads a clause or control number. `partial` accepts a trailing dot, as
/// typed halfway through `9.2.` in a search box.
fn parse_id(text: &str, partial: bool) -> Option<IdQuery> {
    let lower = text.trim().to_lowercase();
    let (scope, rest) = if let Some(rest) = lower.strip_prefix("annex") {
        let rest = rest.trim_start().strip_prefix('a')?;
        (Scope::Annex, rest)
    } else if let Some(rest) = lower.strip_prefix("clause") {
        (Scope::Clause, rest.trim_start())
    } else if let Some(rest) = lower.strip_prefix('a') {
        (Scope::Annex, rest)
    } else {
        (Scope::Bare, lower.as_str())
    };
    let rest = if scope == Scope::Annex {
        rest.trim_start_matches(['.', ' ', '-'])
    } else {
        rest
    };
    let mut parts: Vec<&str> = rest.split('.').collect();
    let trailing_dot = partial && parts.len() > 1 && parts.last() == Some(&"");
    if trailing_dot {
        parts.pop();
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in parts {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        numbers.push(part.parse::<u32>().ok()?.to_string());
    }
    let mut number = numbers.join(".");
    if trailing_dot {
        number.push('.');
    }
    Some(IdQuery { scope, number })
}

/// Search helpers precomputed per entry.
struct Meta {
    number: String,
    title_words: Vec<String>,
    /// Titles of the headings above a clause, or the theme of a control.
    context_words: Vec<String>,
}

struct Catalogue {
    /// Every row in file order, headings included: the search space.
    entries: Vec<Requirement>,
    meta: Vec<Meta>,
    /// Clauses, then controls; `clause_count` splits them.
    requirements: Vec<Requirement>,
    clause_count: usize,
    headings: Vec<Requirement>,
    /// Canonical key (`"9.2"`, `"A.5.15"`) to an index into `entries`.
    by_key: HashMap<String, usize>,
}

impl Catalogue {
    fn lookup(&self, reference: &str) -> Option<&Requirement> {
        let query = parse_id(reference, false)?;
        let index = *self.by_key.get(&query.key())?;
        self.entries.get(index)
    }
}

fn catalogue() -> &'static Catalogue {
    // The TSV is compiled in and its shape is pinned by the tests, so a parse
    // failure is a build defect, never a user's input: failing loudly beats
    // a silently shorter catalogue.
    static CATALOGUE: LazyLock<Catalogue> =
        LazyLock::new(|| parse(TSV).expect("the embedded ISO 27001 catalogue is malformed"));
    &CATALOGUE
}

#[derive(Debug, PartialEq, Eq)]
struct ParseError {
    line: usize,
    problem: &'static str,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.problem)
    }
}

fn parse(tsv: &'static str) -> Result<Catalogue, ParseError> {
    let mut entries = Vec::new();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        let number = index + 1;
        let err = |problem| ParseError {
            line: number,
            problem,
        };
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        let [kind, id, theme, title] = fields[..] else {
            return Err(err("expected four tab-separated fields"));
        };
        let kind = match kind {
            "clause-heading" => Kind::Heading,
            "clause" => Kind::Clause,
            "control" => Kind::Control,
            _ => return Err(err("unknown kind")),
        };
        let theme = match (kind, theme) {
            (Kind::Control, t) => Some(Theme::from_label(t).ok_or(err("unknown theme"))?),
            (_, "") => None,
            _ => return Err(err("only controls have a theme")),
        };
        if title.trim().is_empty() {
            return Err(err("missing title"));
        }
        let parsed = parse_id(id, false).ok_or(err("malformed id"))?;
        if parsed.key() != id || (kind == Kind::Control) != (parsed.scope == Scope::Annex) {
            return Err(err("id not in canonical form for its kind"));
        }
        entries.push(Requirement {
            id,
            kind,
            theme,
            title,
        });
    }

    let mut by_key = HashMap::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        if by_key.insert(entry.id.to_string(), index).is_some() {
            return Err(ParseError {
                line: index + 2,
                problem: "duplicate id",
            });
        }
    }

    let of_kind = |kind: Kind| entries.iter().filter(move |e| e.kind == kind).copied();
    let mut requirements: Vec<Requirement> = of_kind(Kind::Clause).collect();
    let clause_count = requirements.len();
    requirements.extend(of_kind(Kind::Control));
    let headings: Vec<Requirement> = of_kind(Kind::Heading).collect();

    let meta = entries
        .iter()
        .map(|entry| {
            let context = match entry.theme {
                Some(theme) => theme.label().to_string(),
                None => headings
                    .iter()
                    .filter(|h| {
                        entry
                            .id
                            .strip_prefix(h.id)
                            .is_some_and(|rest| rest.starts_with('.'))
                    })
                    .map(|h| h.title)
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            Meta {
                number: entry.number().to_string(),
                title_words: words_of(entry.title),
                context_words: words_of(&context),
            }
        })
        .collect();

    Ok(Catalogue {
        entries,
        meta,
        requirements,
        clause_count,
        headings,
        by_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn ids(found: &[&Requirement]) -> Vec<&'static str> {
        found.iter().map(|r| r.id).collect()
    }

    #[test]
    fn counts_match_the_standard() {
        assert_eq!(clauses().len(), 30);
        assert_eq!(controls().len(), 93);
        assert_eq!(all().len(), 123);
        assert_eq!(headings().len(), 11);
        assert!(clauses().iter().all(|r| r.kind == Kind::Clause));
        assert!(controls().iter().all(|r| r.kind == Kind::Control));
        assert!(headings().iter().all(|r| r.kind == Kind::Heading));
    }

    #[test]
    fn themes_count_37_8_14_34() {
        let count = |t| controls_in(t).count();
        assert_eq!(count(Theme::Organizational), 37);
        assert_eq!(count(Theme::People), 8);
        assert_eq!(count(Theme::Physical), 14);
        assert_eq!(count(Theme::Technological), 34);
        assert!(clauses().iter().all(|r| r.theme.is_none()));
        assert!(headings().iter().all(|r| r.theme.is_none()));
    }

    #[test]
    fn a_control_theme_follows_its_annex_section() {
        for control in controls() {
            let section = control
                .number()
                .split('.')
                .next()
                .and_then(|s| s.parse::<u32>().ok());
            assert_eq!(
                section.and_then(Theme::of_section),
                control.theme,
                "{}",
                control.id
            );
            assert!(control
                .id
                .starts_with(control.theme.map_or("?", Theme::section)));
        }
    }

    #[test]
    fn ids_are_unique_and_canonical() {
        let mut seen = HashSet::new();
        for entry in all().iter().chain(headings()) {
            assert!(seen.insert(entry.id), "duplicate {}", entry.id);
            assert_eq!(find(entry.id).map(|r| r.id), Some(entry.id));
            assert_eq!(find(&entry.label()).map(|r| r.id), Some(entry.id));
        }
        assert_eq!(seen.len(), 134);
    }

    #[test]
    fn clause_sections_run_from_4_to_10() {
        let tops: Vec<&str> = headings()
            .iter()
            .filter(|h| !h.id.contains('.'))
            .map(|h| h.id)
            .collect();
        assert_eq!(tops, ["4", "5", "6", "7", "8", "9", "10"]);
    }

    #[test]
    fn find_accepts_the_usual_spellings_of_a_control() {
        for spelling in [
            "A.5.15",
            "a.5.15",
            "A 5.15",
            "A5.15",
            "  A.5.15  ",
            "A-5.15",
            "Annex A 5.15",
            "annex a.5.15",
            "A.05.15",
            "a.5.15 access CONTROL",
        ] {
            assert_eq!(find(spelling).map(|r| r.id), Some("A.5.15"), "{spelling}");
        }
    }

    #[test]
    fn find_reads_bare_numbers_as_clauses_and_never_guesses() {
        assert_eq!(
            find("5.1").map(|r| r.title),
            Some("Leadership and commitment")
        );
        assert_eq!(
            find("A.5.1").map(|r| r.title),
            Some("Policies for information security")
        );
        assert_eq!(find("Clause 9.2.2").map(|r| r.id), Some("9.2.2"));
        // 5.15 is not a clause; A.5.15 is not assumed.
        assert_eq!(find("5.15"), None);
        assert!(!is_catalogue_ref("5.15"));
        assert_eq!(find("clause 5.15"), None);
        // A.9.2 does not exist: controls stop at A.8.
        assert_eq!(find("A.9.2"), None);
    }

    #[test]
    fn free_text_is_not_a_catalogue_reference() {
        for text in [
            "",
            "   ",
            "Access control",
            "Information security policy §4.2",
            "GDPR Art. 32",
            "Contract with ACME, schedule 3",
            "A.",
            "5.",
            "A.5.15 Something else",
            "A.5.15.",
            "99999999999.1",
        ] {
            assert!(!is_catalogue_ref(text), "{text:?}");
        }
        assert!(is_catalogue_ref("9.2"), "headings are citable");
        assert!(is_catalogue_ref("10"));
    }

    #[test]
    fn labels_and_themes() {
        let theme = |reference| find(reference).and_then(|r| r.theme);
        assert_eq!(label("a 5.15").as_deref(), Some("A.5.15 Access control"));
        assert_eq!(label("9.2").as_deref(), Some("9.2 Internal audit"));
        assert_eq!(label("our policy"), None);
        assert_eq!(theme("A.8.24"), Some(Theme::Technological));
        assert_eq!(theme("A.6.3"), Some(Theme::People));
        assert_eq!(theme("7.2"), None);
        assert_eq!(theme("nonsense"), None);
        assert_eq!(Theme::from_label("physical"), Some(Theme::Physical));
        assert_eq!(Theme::Physical.to_string(), "Physical");
    }

    #[test]
    fn search_finds_access_control_first() {
        let found = search("access control", 10);
        assert_eq!(found.first().map(|r| r.id), Some("A.5.15"));
        assert_eq!(search("ACCESS CONTROL", 1)[0].id, "A.5.15");
    }

    #[test]
    fn search_by_number_puts_the_internal_audit_clauses_first() {
        assert_eq!(ids(&search("9.2", 10)), ["9.2", "9.2.1", "9.2.2"]);
        assert_eq!(ids(&search("9.2.", 10)), ["9.2.1", "9.2.2"]);
    }

    #[test]
    fn search_by_words_reaches_clauses_through_their_heading() {
        let found = ids(&search("internal audit", 10));
        // The heading by its exact title, the clause naming it, then the
        // clause titled only "General" that sits under it.
        assert_eq!(found[..3], ["9.2", "9.2.2", "9.2.1"]);
    }

    #[test]
    fn search_offers_the_control_for_a_bare_number_that_is_no_clause() {
        assert_eq!(ids(&search("5.15", 3)), ["A.5.15"]);
        let found = ids(&search("5.1", 20));
        assert_eq!(found[0], "5.1", "the clause itself first");
        assert_eq!(found[1], "A.5.1", "then the control with that number");
        assert!(found.contains(&"A.5.15"));
    }

    #[test]
    fn search_with_an_annex_prefix_stays_in_annex_a() {
        let found = search("A.5.1", 20);
        assert_eq!(found[0].id, "A.5.1");
        assert!(found.iter().all(|r| r.kind == Kind::Control));
        assert_eq!(found.len(), 11, "A.5.1 and A.5.10–A.5.19");
    }

    #[test]
    fn search_word_prefixes_and_themes() {
        assert_eq!(search("crypto", 5)[0].id, "A.8.24");
        assert_eq!(
            controls_in(Theme::People).count(),
            search("people", 100).len()
        );
    }

    #[test]
    fn search_limit_and_empty_queries() {
        assert!(search("", 10).is_empty());
        assert!(search("  -- ", 10).is_empty());
        assert!(search("access", 0).is_empty());
        assert_eq!(search("information", 3).len(), 3);
        assert!(search("zzzz", 10).is_empty());
    }

    #[test]
    fn parse_rejects_malformed_rows() {
        let bad = [
            "kind\tid\ttheme\ttitle\nclause\t4.1\t\n",
            "kind\tid\ttheme\ttitle\nsection\t4.1\t\tX\n",
            "kind\tid\ttheme\ttitle\ncontrol\tA.5.1\tMoral\tX\n",
            "kind\tid\ttheme\ttitle\nclause\tA.5.1\t\tX\n",
            "kind\tid\ttheme\ttitle\nclause\t4.1\t\tX\nclause\t4.1\t\tY\n",
            "kind\tid\ttheme\ttitle\nclause\t4.1\tPeople\tX\n",
        ];
        for tsv in bad {
            assert!(parse(tsv).is_err(), "{tsv:?}");
        }
    }
}
