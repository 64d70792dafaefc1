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
use crate::model::Finding;

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
}

#[derive(Deserialize)]
pub(crate) struct CacheIn {
    pub findings: BTreeMap<String, Finding>,
    pub conflicted: BTreeSet<String>,
    pub marks: BTreeMap<String, Vec<Mark>>,
    pub unreadable: BTreeMap<String, Vec<Unreadable>>,
}

fn header(build: &str, heads: &[ChangeHash]) -> String {
    let mut names: Vec<String> = heads.iter().map(ToString::to_string).collect();
    names.sort();
    format!("{MAGIC} {build} {}\n", names.join(","))
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

/// The cache a view holds, if it was written by this build at `heads`.
pub(crate) fn read(bytes: &[u8], heads: &[ChangeHash]) -> Option<CacheIn> {
    read_as(BUILD, bytes, heads)
}

fn read_as(build: &str, bytes: &[u8], heads: &[ChangeHash]) -> Option<CacheIn> {
    let expected = header(build, heads);
    let body = bytes.strip_prefix(expected.as_bytes())?;
    serde_json::from_slice(body).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_read_only_at_its_heads_and_by_its_build() {
        let findings = BTreeMap::new();
        let conflicted = BTreeSet::new();
        let marks = BTreeMap::new();
        let unreadable = BTreeMap::new();
        let h1 = ChangeHash([1; 32]);
        let h2 = ChangeHash([2; 32]);
        let cache = CacheOut {
            findings: &findings,
            conflicted: &conflicted,
            marks: &marks,
            unreadable: &unreadable,
        };
        let view = write(vec![h2, h1], &cache);
        assert!(read(&view.bytes, &[h1, h2]).is_some(), "heads in any order");
        assert!(read(&view.bytes, &[h1]).is_none(), "fewer heads");
        assert!(read(&view.bytes, &[h1, h2, ChangeHash([3; 32])]).is_none());
        assert!(read_as("another", &view.bytes, &[h1, h2]).is_none());
        let mut cut = view.bytes.clone();
        cut.truncate(cut.len() - 1);
        assert!(read(&cut, &[h1, h2]).is_none(), "a view cut short");
        assert!(read(b"", &[h1, h2]).is_none());
    }
}
