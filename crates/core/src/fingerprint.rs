//! The register's state fingerprint: a short text printed on a report that
//! anyone holding a register file can check against it ("Check a report").
//!
//! `NCR1 3f9a0c1d22ab+81c2aa00bb11 / d41d8cd98f00` is the format (`NCR1`),
//! the first 12 hex digits of each of the document's heads (the changes
//! nothing else builds on yet; usually one, two or more after concurrent
//! edits), sorted and joined by `+`, and the first 12 hex digits of a
//! SHA-256 digest of what the report shows.
//!
//! - **The heads** name the state: every copy of a register that holds
//!   those changes holds that state, and Automerge can rebuild it
//!   ([`RegisterDoc::at`]), however much was added since.
//! - **The digest** is of the register, its audits and its live findings as
//!   the JSON export writes them ([`crate::exchange::json`]), without the
//!   export's stamp: that compact JSON, then each finding's in order of id,
//!   each followed by a line feed. The check recomputes it at the state the
//!   heads name, so a head prefix that happens to match another change, or
//!   a fingerprint made up to fit a file, is refused, and the digest also
//!   lets a reader compare a report with a JSON export of the same state.
//!
//! 48 bits per head and for the digest keep the text short enough to type
//! from paper; they guard against mistakes and casual tampering, not
//! against someone able to spend days of computing on a forgery.
//!
//! Reading it back forgives what copying from a printout does: any case,
//! spaces and line breaks anywhere, any punctuation between the groups
//! (or none: every group is 12 digits long), and `o`, `i`, `l` for `0`,
//! `1`, `1` (none of them is a hex digit). A version other than 1 is
//! refused rather than guessed at.

use std::fmt;
use std::str::FromStr;

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::document::RegisterDoc;
use crate::exchange::json::{self, Shown};
use crate::model::{Finding, Status};
use crate::text;

/// The format's version, printed after [`PREFIX`].
pub const VERSION: u32 = 1;

/// What a fingerprint starts with.
pub const PREFIX: &str = "NCR";

/// Hex digits of each head and of the digest.
pub const GROUP: usize = 12;

/// More heads than any real history has at once: a longer text is a
/// mistake, not a state, and is not searched for.
pub const MAX_HEADS: usize = 32;

/// At most this many sets of changes are tried when a head's prefix
/// matches several changes of a file (each try rebuilds a past state).
const MAX_TRIES: usize = 8;

/// A register's state, as a report prints it (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The first [`GROUP`] lower-case hex digits of each head, sorted.
    pub heads: Vec<String>,
    /// The first [`GROUP`] lower-case hex digits of the digest.
    pub digest: String,
}

impl Fingerprint {
    /// The fingerprint of the register's current state.
    pub fn of(doc: &RegisterDoc) -> Fingerprint {
        let mut heads: Vec<String> = doc.heads().iter().map(|h| hex(&h.0[..GROUP / 2])).collect();
        heads.sort();
        heads.dedup();
        Fingerprint {
            heads,
            digest: digest(&json::shown(doc)),
        }
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}{VERSION} {} / {}",
            self.heads.join("+"),
            self.digest
        )
    }
}

/// Why a typed fingerprint cannot be one a report printed; each a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FingerprintError {
    #[error(
        "Type the fingerprint printed in the report's header: it starts with \u{201c}NCR1\u{201d}."
    )]
    Empty,
    #[error(
        "This fingerprint is of a newer format (NCR{0}) than this version of the app can check."
    )]
    Version(u32),
    #[error("This fingerprint is mistyped: it holds \u{201c}{0}\u{201d}, and after \u{201c}NCR1\u{201d} a fingerprint has only the digits 0 to 9 and the letters a to f.")]
    NotHex(char),
    #[error("This fingerprint is mistyped: after \u{201c}NCR1\u{201d} it has {0} digits and letters, and a fingerprint has groups of 12 (at least two). A character was left out or typed twice.")]
    Length(usize),
    #[error("This fingerprint is mistyped: it has more groups than any report prints.")]
    TooManyHeads,
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    fn from_str(s: &str) -> Result<Fingerprint, FingerprintError> {
        let text = s.trim();
        if text.is_empty() {
            return Err(FingerprintError::Empty);
        }
        let rest = match text.get(..PREFIX.len()) {
            Some(p) if p.eq_ignore_ascii_case(PREFIX) => {
                let after = text[PREFIX.len()..].trim_start();
                // One digit: the hex that follows may start with digits too.
                match after.chars().next().and_then(|c| c.to_digit(10)) {
                    Some(VERSION) => &after[1..],
                    Some(v) => return Err(FingerprintError::Version(v)),
                    None => after,
                }
            }
            _ => text,
        };
        let mut digits = String::with_capacity(rest.len());
        for c in rest.chars() {
            let c = match c {
                'o' | 'O' => '0',
                'i' | 'I' | 'l' | 'L' => '1',
                c => c,
            };
            if c.is_ascii_hexdigit() {
                digits.push(c.to_ascii_lowercase());
            } else if c.is_alphanumeric() {
                return Err(FingerprintError::NotHex(c));
            }
            // Anything else (spaces, line breaks, `+`, `/`, `·`) separates.
        }
        if !digits.len().is_multiple_of(GROUP) || digits.len() < 2 * GROUP {
            return Err(FingerprintError::Length(digits.len()));
        }
        let mut groups: Vec<String> = digits
            .as_bytes()
            .chunks(GROUP)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect();
        let digest = groups.pop().unwrap_or_default();
        if groups.len() > MAX_HEADS {
            return Err(FingerprintError::TooManyHeads);
        }
        groups.sort();
        groups.dedup();
        Ok(Fingerprint {
            heads: groups,
            digest,
        })
    }
}

/// Whether a register holds the state a fingerprint names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckOutcome {
    /// Exactly that state, nothing since.
    Same,
    /// That state and changes made since, summarised.
    Later(Since),
    /// Not that state: another register, an earlier copy, or a mistyped
    /// or made-up fingerprint.
    Different,
}

/// What changed between the report's state and the file's, as the report
/// would show it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Since {
    /// Findings the report did not show: recorded since, or restored.
    pub added: Vec<Listed>,
    /// Findings shown differently now, other than closed.
    pub changed: Vec<Listed>,
    /// Findings not closed in the report, closed now.
    pub closed: Vec<Listed>,
    /// Findings in the report that are deleted now. Kept apart from
    /// `changed`: a reader of the report must know the finding is gone.
    pub deleted: Vec<Listed>,
    /// The register's name, organisation or scope, or its audits, changed.
    pub details: bool,
}

/// A finding named in a check's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed {
    pub id: String,
    pub reference: String,
    pub title: String,
}

impl CheckOutcome {
    /// The answer as one sentence (the lists of a later state aside).
    pub fn sentence(&self) -> String {
        match self {
            CheckOutcome::Same => {
                "This file holds exactly the state the report was printed from.".into()
            }
            CheckOutcome::Later(since) => format!(
                "This file holds a later state of the same register. Since the report: {}.",
                since.summary()
            ),
            CheckOutcome::Different => "This file does not hold the state the report was printed \
                from: it is another register or an earlier copy of it, or the report's \
                fingerprint was mistyped."
                .into(),
        }
    }
}

impl Since {
    /// `2 findings added, 1 changed, 1 closed`: the counts that are not
    /// zero, the noun on the first.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for (list, what) in [
            (&self.added, "added"),
            (&self.changed, "changed"),
            (&self.closed, "closed"),
            (&self.deleted, "deleted"),
        ] {
            let n = list.len();
            if n == 0 {
                continue;
            }
            parts.push(if parts.is_empty() {
                let noun = if n == 1 { "finding" } else { "findings" };
                format!("{n} {noun} {what}")
            } else {
                format!("{n} {what}")
            });
        }
        if self.details {
            parts.push("the register's details or audits changed".into());
        }
        if parts.is_empty() {
            // Changes the report does not show: an auditor introduced, a setting.
            return "nothing the report shows changed".into();
        }
        parts.join(", ")
    }
}

/// Whether `doc` holds the state `fp` names (see [`CheckOutcome`]).
///
/// Each head prefix is looked up among all the file's changes; the state
/// they name is rebuilt and its digest must match, so a match is never
/// taken on the heads alone.
pub fn check(doc: &RegisterDoc, fp: &Fingerprint) -> CheckOutcome {
    let Some(prefixes) = fp
        .heads
        .iter()
        .map(|h| unhex(h))
        .collect::<Option<Vec<Vec<u8>>>>()
    else {
        return CheckOutcome::Different;
    };
    if prefixes.is_empty() {
        return CheckOutcome::Different;
    }
    let hashes: Vec<ChangeHash> = doc
        .doc()
        .get_changes_meta(&[])
        .into_iter()
        .map(|m| m.hash)
        .collect();
    let mut tries: Vec<Vec<ChangeHash>> = vec![Vec::new()];
    for prefix in &prefixes {
        let matching: Vec<ChangeHash> = hashes
            .iter()
            .filter(|h| h.0.starts_with(prefix))
            .copied()
            .collect();
        if matching.is_empty() {
            return CheckOutcome::Different;
        }
        tries = tries
            .iter()
            .flat_map(|set| {
                matching.iter().map(move |h| {
                    let mut set = set.clone();
                    set.push(*h);
                    set
                })
            })
            .take(MAX_TRIES)
            .collect();
    }
    let now = doc.heads();
    tries
        .into_iter()
        .find_map(|heads| check_at(doc, &now, heads, &fp.digest))
        .unwrap_or(CheckOutcome::Different)
}

/// The outcome if the report's state is `heads`; `None` if it is not.
fn check_at(
    doc: &RegisterDoc,
    now: &[ChangeHash],
    mut heads: Vec<ChangeHash>,
    printed: &str,
) -> Option<CheckOutcome> {
    heads.sort();
    heads.dedup();
    let shown_now = json::shown(doc);
    if heads == now {
        return digest(&shown_now)
            .eq_ignore_ascii_case(printed)
            .then_some(CheckOutcome::Same);
    }
    let then = doc.at(&heads).ok()?;
    // A made-up set where one change precedes another names no state a
    // report was printed from.
    if then.heads() != heads {
        return None;
    }
    let shown_then = json::shown(&then);
    if !digest(&shown_then).eq_ignore_ascii_case(printed) {
        return None;
    }
    Some(CheckOutcome::Later(since(
        &then,
        &shown_then,
        doc,
        &shown_now,
    )))
}

fn since(then: &RegisterDoc, shown_then: &Shown, now: &RegisterDoc, shown_now: &Shown) -> Since {
    let mut out = Since {
        details: shown_then.details != shown_now.details,
        ..Since::default()
    };
    let listed = |f: &Finding| Listed {
        id: f.id.clone(),
        reference: f.reference.clone(),
        title: f.title.clone(),
    };
    for (id, json_now) in &shown_now.findings {
        let Some(f) = now.finding(id) else { continue };
        match (shown_then.findings.get(id), then.finding(id)) {
            (Some(json_then), Some(was)) if json_then != json_now => {
                if f.status == Status::Closed && was.status != Status::Closed {
                    out.closed.push(listed(f));
                } else {
                    out.changed.push(listed(f));
                }
            }
            (Some(_), _) => {}
            (None, _) => out.added.push(listed(f)),
        }
    }
    out.deleted = shown_then
        .findings
        .keys()
        .filter(|id| !shown_now.findings.contains_key(*id))
        .filter_map(|id| then.finding(id))
        .map(listed)
        .collect();
    for list in [
        &mut out.added,
        &mut out.changed,
        &mut out.closed,
        &mut out.deleted,
    ] {
        list.sort_by(|a, b| {
            text::natural_cmp(&a.reference, &b.reference).then_with(|| a.id.cmp(&b.id))
        });
    }
    out
}

/// The digest of a state, as printed (see the module documentation).
fn digest(shown: &Shown) -> String {
    let mut hasher = Sha256::new();
    hasher.update(&shown.details);
    hasher.update(b"\n");
    for json in shown.findings.values() {
        hasher.update(json);
        hasher.update(b"\n");
    }
    hex(&hasher.finalize()[..GROUP / 2])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a head as printed; `None` unless it is [`GROUP`] hex digits.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != GROUP || !text.is_ascii() {
        return None;
    }
    (0..GROUP)
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}
