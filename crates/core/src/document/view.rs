//! The stored view: a register's findings as this build read them at some
//! heads, kept in storage beside the document, so that opening the register
//! again at the same heads takes them as they are instead of reading every
//! finding out of the document (at 10,000 findings, parsing the view is
//! about an eighth of the reading).
//!
//! What makes it safe to take:
//! - it is used only at exactly the heads it was written at: the document
//!   then holds exactly the changes it was read from, and a reading is a
//!   function of those changes;
//! - only by the build that wrote it (`NCR_READING_BUILD`, a digest of this
//!   crate's sources and locked dependencies, `build.rs`): another version
//!   may read the same changes differently;
//! - what a reading records besides the findings (which objects each one
//!   walked, for a merge's touched findings) is not in it: every finding
//!   is marked stale in the owners' index, which is walked again, without
//!   interpreting anything, before the first merge or when idle;
//! - anything that does not parse, or names another build or other heads,
//!   is ignored and the register is read as before: it is a cache, and
//!   the document is the record. Debug builds read the document as well
//!   and compare, so every test that opens through a view checks it.
//!
//! Its first line is the build and the heads, so a view that does not fit
//! is set aside without parsing the rest.

use std::collections::{BTreeMap, BTreeSet};

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use super::read::{Mark, Unreadable};
use crate::model::{Audit, Auditor, Finding, RegisterInfo, Settings};

/// This build's id for the views it writes and reads.
pub(crate) const BUILD: &str = env!("NCR_READING_BUILD");

const MAGIC: &str = "NCRVIEW1";

/// A view of a register, ready to store ([`super::RegisterDoc::stored_view`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredView {
    /// The heads it was read at.
    pub heads: Vec<ChangeHash>,
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
pub(crate) struct CacheOut<'a> {
    pub findings: &'a BTreeMap<String, Finding>,
    pub conflicted: &'a BTreeSet<String>,
    pub marks: &'a BTreeMap<String, Vec<Mark>>,
    pub unreadable: &'a BTreeMap<String, Vec<Unreadable>>,
    pub register: &'a RegisterPart,
}

#[derive(Deserialize, Clone)]
pub(crate) struct CacheIn {
    pub findings: BTreeMap<String, Finding>,
    pub conflicted: BTreeSet<String>,
    pub marks: BTreeMap<String, Vec<Mark>>,
    pub unreadable: BTreeMap<String, Vec<Unreadable>>,
    pub register: RegisterPart,
}

/// The register's own data as read with the view: only for a preview
/// ([`super::RegisterDoc::preview`]); an opening reads it from the document.
#[derive(Serialize, Deserialize, Default, Clone)]
pub(crate) struct RegisterPart {
    pub info: Option<RegisterInfo>,
    pub settings: Settings,
    pub auditors: BTreeMap<String, Auditor>,
    pub audits: BTreeMap<String, Audit>,
}

/// A stored view read and parsed, not yet matched with a document: shown
/// as a preview while the document loads, then taken by the opening if it
/// was written at the document's heads ([`super::RegisterDoc::open_viewed`]).
#[derive(Clone)]
pub struct ParsedView {
    /// The heads it was written at, sorted, as its first line names them.
    heads: String,
    pub(crate) cache: CacheIn,
}

impl ParsedView {
    /// A view written by this build; `None` for anything else.
    pub fn parse(bytes: &[u8]) -> Option<ParsedView> {
        parse_as(BUILD, bytes)
    }

    /// Whether it was written at exactly `heads`.
    pub(crate) fn at(&self, heads: &[ChangeHash]) -> bool {
        self.heads == names(heads)
    }
}

fn names(heads: &[ChangeHash]) -> String {
    let mut names: Vec<String> = heads.iter().map(ToString::to_string).collect();
    names.sort();
    names.join(",")
}

fn header(build: &str, heads: &[ChangeHash]) -> String {
    format!("{MAGIC} {build} {}\n", names(heads))
}

// Straight to and from bytes. Through `serde_json::Value` (whose code for
// findings the document layer has already) the app's first load is 18 kB
// gzipped smaller, but at 10,000 findings opening from the view takes five
// times as long (272 ms against 54 natively) and writing it eight times
// (247 against 32): most of what the view saves.
pub(crate) fn write(heads: Vec<ChangeHash>, cache: &CacheOut<'_>) -> StoredView {
    let mut bytes = header(BUILD, &heads).into_bytes();
    // Serialising plain data into a Vec cannot fail.
    serde_json::to_writer(&mut bytes, cache).expect("a register's cache serialises");
    StoredView { heads, bytes }
}

fn parse_as(build: &str, bytes: &[u8]) -> Option<ParsedView> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let line = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut parts = line.splitn(3, ' ');
    if parts.next() != Some(MAGIC) || parts.next() != Some(build) {
        return None;
    }
    let heads = parts.next()?.to_owned();
    let cache = serde_json::from_slice(&bytes[end + 1..]).ok()?;
    Some(ParsedView { heads, cache })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_read_only_at_its_heads_and_by_its_build() {
        let register = RegisterPart::default();
        let (findings, marks, unreadable) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        let conflicted = BTreeSet::new();
        let h1 = ChangeHash([1; 32]);
        let h2 = ChangeHash([2; 32]);
        let cache = CacheOut {
            findings: &findings,
            conflicted: &conflicted,
            marks: &marks,
            unreadable: &unreadable,
            register: &register,
        };
        let view = write(vec![h2, h1], &cache);
        let parsed = ParsedView::parse(&view.bytes).unwrap();
        assert!(parsed.at(&[h1, h2]), "heads in any order");
        assert!(!parsed.at(&[h1]), "fewer heads");
        assert!(!parsed.at(&[h1, h2, ChangeHash([3; 32])]));
        assert!(parse_as("another", &view.bytes).is_none());
        let mut cut = view.bytes.clone();
        cut.truncate(cut.len() - 1);
        assert!(ParsedView::parse(&cut).is_none(), "a view cut short");
        assert!(ParsedView::parse(b"").is_none());
        assert!(ParsedView::parse(b"NCRVIEW1\n{}").is_none());
    }
}
