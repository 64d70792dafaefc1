//! The register file with its attachments: one bundle.
//!
//! A register without attachments is exported as it always was, the plain
//! Automerge document (which `@automerge/automerge` loads). With
//! attachments, the export is a **standard zip** whose entries are all
//! *stored* (not compressed: photos are compressed already, and a reader
//! that never inflates cannot be made to unpack a bomb):
//!
//! - `register.automerge`: the document, exactly the bytes of a plain export;
//! - `attachments/<sha256>`: the bytes of each attachment, named by the
//!   lowercase hexadecimal SHA-256 of those bytes.
//!
//! The kind of file is told by its first bytes: a zip's local header
//! (`PK\x03\x04`) against Automerge's magic (`85 6f 4a 83`), so the import
//! routes both through one door, and encryption can wrap either as bytes.
//! Any zip tool opens a bundle. [`unbundle`] is strict: no other entry
//! names (so no name can become a path), no compressed, encrypted or
//! duplicate entries, sizes bounded, and every attachment's bytes checked
//! against the hash that names them: a bundle fails whole, so an import
//! never stores part of a tampered file.

use std::io::{Cursor, Write};

use thiserror::Error;

use crate::attachment::{is_hash, sha256_hex, MAX_ATTACHMENT_BYTES};

/// The document's entry.
pub const REGISTER_ENTRY: &str = "register.automerge";
/// The folder of the attachments' entries.
pub const ATTACHMENT_DIR: &str = "attachments/";

/// Entries a bundle may hold: far beyond [`crate::attachment::MAX_ATTACHMENTS`]
/// on every finding of a large register, low enough that a crafted
/// directory cannot make the reader allocate without end.
pub const MAX_ENTRIES: usize = 100_001;

/// The register entry's size limit: ten times the largest register measured
/// (docs/BENCHMARKS.md).
pub const MAX_REGISTER_BYTES: u64 = 512 * 1024 * 1024;

/// A zip's local file header, the first bytes of every bundle.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Whether `bytes` are a bundle rather than a plain register file.
pub fn is_bundle(bytes: &[u8]) -> bool {
    bytes.starts_with(ZIP_MAGIC)
}

/// A bundle's content: the register file and each attachment's bytes by
/// hash (sorted by hash, each checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbundled {
    pub register: Vec<u8>,
    pub attachments: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleError {
    #[error("This register bundle could not be read ({0}). Nothing was changed.")]
    Unreadable(String),
    #[error(
        "This register bundle holds {0}, which a register bundle never holds. Nothing was changed."
    )]
    UnknownEntry(String),
    #[error("This register bundle holds {0} twice. Nothing was changed.")]
    Duplicate(String),
    #[error("This register bundle's entry {0} is compressed or encrypted; a register bundle stores its entries as they are. Nothing was changed.")]
    Packed(String),
    #[error("This register bundle's entry {0} is larger than its limit. Nothing was changed.")]
    TooLarge(String),
    #[error("This register bundle holds more than {MAX_ENTRIES} entries. Nothing was changed.")]
    TooMany,
    #[error("This register bundle holds no register ({REGISTER_ENTRY}). Nothing was changed.")]
    NoRegister,
    #[error("The attachment {0}… in this file does not match its content: the file was changed or damaged on the way. Nothing was changed.")]
    HashMismatch(String),
    #[error("The bundle could not be written ({0}).")]
    Write(String),
}

/// Writes a bundle of `register` (a plain register file) and `attachments`
/// `(hash, bytes)`. An attachment whose bytes do not match its hash (damaged
/// in this browser's store) is left out rather than refused at the other
/// end: its hashes come back in the second member, for the person to hear.
pub fn bundle(
    register: &[u8],
    attachments: &[(String, Vec<u8>)],
) -> Result<(Vec<u8>, Vec<String>), BundleError> {
    use zip::write::SimpleFileOptions;
    let w = |e: zip::result::ZipError| BundleError::Write(e.to_string());
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        // A fixed time: the same register and attachments make the same bytes.
        .last_modified_time(zip::DateTime::default())
        .large_file(register.len() as u64 >= u64::from(u32::MAX));
    // The writer the workbook export already links (a stream into a
    // `Cursor<&mut Vec<u8>>`, names as `&str` and `String`): another
    // writer type would add a second copy of the zip writer to the app.
    // A stream writes each entry's sizes after its bytes, which every zip
    // reader (and `unbundle`, which reads them from the directory) takes.
    let mut out = Vec::new();
    let mut zip = zip::ZipWriter::new_stream(Cursor::new(&mut out));
    zip.start_file(REGISTER_ENTRY, options).map_err(w)?;
    zip.write_all(register)
        .map_err(|e| BundleError::Write(e.to_string()))?;
    let mut sorted: Vec<&(String, Vec<u8>)> = attachments.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.dedup_by(|a, b| a.0 == b.0);
    let mut skipped = Vec::new();
    for (hash, bytes) in sorted {
        if !is_hash(hash) || sha256_hex(bytes) != *hash {
            skipped.push(hash.clone());
            continue;
        }
        zip.start_file(format!("{ATTACHMENT_DIR}{hash}"), options)
            .map_err(w)?;
        zip.write_all(bytes)
            .map_err(|e| BundleError::Write(e.to_string()))?;
    }
    zip.finish().map_err(w)?;
    Ok((out, skipped))
}

/// Reads a bundle (see the module's documentation for what is refused).
/// Pure and bounded: the work is at most one pass over `bytes` plus one
/// CRC-32 and, for attachments, one SHA-256 of each entry; nothing is
/// allocated beyond the entries' own bytes.
///
/// A reader of its own rather than the zip crate's: a bundle only ever
/// holds stored entries, which are slices of the file, and the crate's
/// reader (with the inflaters it brings) added 23 kB gzipped to the app,
/// whose workbook export links only the crate's writer.
pub fn unbundle(bytes: &[u8]) -> Result<Unbundled, BundleError> {
    if !is_bundle(bytes) {
        return Err(BundleError::Unreadable("it is not a zip".into()));
    }
    let end = end_of_directory(bytes)?;
    if end.entries > MAX_ENTRIES {
        return Err(BundleError::TooMany);
    }
    let mut register = None;
    let mut attachments: Vec<(String, Vec<u8>)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    // Stored entries never overlap, so together they fit in the file: a
    // directory whose entries all point at one large entry would
    // otherwise copy it thousands of times.
    let mut total: u64 = 0;
    let mut at = end.directory;
    for _ in 0..end.entries {
        let entry = central_entry(bytes, at)?;
        at = entry.next;
        let shown: String = String::from_utf8_lossy(entry.name)
            .chars()
            .take(80)
            .collect();
        let name = std::str::from_utf8(entry.name)
            .map_err(|_| BundleError::UnknownEntry(format!("\u{201c}{shown}\u{201d}")))?;
        let limit = if name == REGISTER_ENTRY {
            MAX_REGISTER_BYTES
        } else {
            match name.strip_prefix(ATTACHMENT_DIR) {
                Some(hash) if is_hash(hash) => MAX_ATTACHMENT_BYTES,
                _ => {
                    return Err(BundleError::UnknownEntry(format!(
                        "\u{201c}{shown}\u{201d}"
                    )))
                }
            }
        };
        if entry.method != 0 || entry.flags & 1 != 0 || entry.packed != entry.size {
            return Err(BundleError::Packed(shown));
        }
        if entry.size > limit {
            return Err(BundleError::TooLarge(shown));
        }
        if !seen.insert(name) {
            return Err(BundleError::Duplicate(shown));
        }
        total = total.saturating_add(entry.size);
        if total > bytes.len() as u64 {
            return Err(BundleError::Unreadable(
                "its entries overlap one another".into(),
            ));
        }
        let content = local_data(bytes, &entry)?;
        if crc32(content) != entry.crc {
            return Err(BundleError::Unreadable(format!(
                "{shown} does not match its checksum"
            )));
        }
        if name == REGISTER_ENTRY {
            if register.replace(content.to_vec()).is_some() {
                return Err(BundleError::Duplicate(shown));
            }
        } else {
            let hash = &name[ATTACHMENT_DIR.len()..];
            if sha256_hex(content) != hash {
                return Err(BundleError::HashMismatch(hash[..12].to_owned()));
            }
            attachments.push((hash.to_owned(), content.to_vec()));
        }
    }
    let register = register.ok_or(BundleError::NoRegister)?;
    attachments.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Unbundled {
        register,
        attachments,
    })
}

fn short_read(what: &str) -> BundleError {
    BundleError::Unreadable(format!("{what} is cut short or out of place"))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Where the central directory starts, and how many entries it lists.
struct End {
    directory: usize,
    entries: usize,
}

/// The end of central directory record: the last 22 bytes, or up to a
/// 64 kB comment before them (searched from the end, so a signature inside
/// an entry's data is never taken for it). ZIP64 is not read: no entry of a
/// bundle may come near 4 GB.
fn end_of_directory(bytes: &[u8]) -> Result<End, BundleError> {
    const SIGNATURE: u32 = 0x0605_4b50;
    let last = bytes
        .len()
        .checked_sub(22)
        .ok_or_else(|| short_read("the zip"))?;
    let first = last.saturating_sub(usize::from(u16::MAX));
    let at = (first..=last)
        .rev()
        .find(|&i| {
            u32_at(bytes, i) == Some(SIGNATURE)
                && u16_at(bytes, i + 20).map(|c| i + 22 + usize::from(c)) == Some(bytes.len())
        })
        .ok_or_else(|| BundleError::Unreadable("it has no zip directory".into()))?;
    let entries = u16_at(bytes, at + 10).ok_or_else(|| short_read("the zip directory"))?;
    let directory = u32_at(bytes, at + 16).ok_or_else(|| short_read("the zip directory"))?;
    if entries == u16::MAX || directory == u32::MAX {
        return Err(BundleError::Unreadable("it is a ZIP64 archive".into()));
    }
    Ok(End {
        directory: directory as usize,
        entries: usize::from(entries),
    })
}

struct Entry<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    packed: u64,
    size: u64,
    local: usize,
    next: usize,
}

fn central_entry(bytes: &[u8], at: usize) -> Result<Entry<'_>, BundleError> {
    const SIGNATURE: u32 = 0x0201_4b50;
    let bad = || short_read("an entry of the zip directory");
    if u32_at(bytes, at) != Some(SIGNATURE) {
        return Err(bad());
    }
    // Offsets come from the file: saturating, so one near the end of the
    // address space reads nothing rather than wrapping round.
    let field16 = |o: usize| u16_at(bytes, at.saturating_add(o)).ok_or_else(bad);
    let field32 = |o: usize| u32_at(bytes, at.saturating_add(o)).ok_or_else(bad);
    let base = at.saturating_add(46);
    let name_len = usize::from(field16(28)?);
    let extra_len = usize::from(field16(30)?);
    let comment_len = usize::from(field16(32)?);
    let name = bytes
        .get(base..base.saturating_add(name_len))
        .ok_or_else(bad)?;
    Ok(Entry {
        name,
        flags: field16(8)?,
        method: field16(10)?,
        crc: field32(16)?,
        packed: u64::from(field32(20)?),
        size: u64::from(field32(24)?),
        local: field32(42)? as usize,
        next: base
            .saturating_add(name_len)
            .saturating_add(extra_len)
            .saturating_add(comment_len),
    })
}

/// An entry's bytes, from its local header, whose name must agree with
/// the directory's (a zip whose two disagree is read differently by
/// different tools: refused).
fn local_data<'a>(bytes: &'a [u8], entry: &Entry<'_>) -> Result<&'a [u8], BundleError> {
    const SIGNATURE: u32 = 0x0403_4b50;
    let at = entry.local;
    let bad = || short_read("an entry");
    if u32_at(bytes, at) != Some(SIGNATURE) {
        return Err(bad());
    }
    let name_len = usize::from(u16_at(bytes, at.saturating_add(26)).ok_or_else(bad)?);
    let extra_len = usize::from(u16_at(bytes, at.saturating_add(28)).ok_or_else(bad)?);
    let base = at.saturating_add(30);
    if bytes.get(base..base.saturating_add(name_len)) != Some(entry.name) {
        return Err(BundleError::Unreadable(
            "an entry's name differs between its header and the directory".into(),
        ));
    }
    let start = base.saturating_add(name_len).saturating_add(extra_len);
    let len = usize::try_from(entry.size).map_err(|_| bad())?;
    bytes
        .get(start..start.checked_add(len).ok_or_else(bad)?)
        .ok_or_else(bad)
}

/// The zip's CRC-32 (IEEE, reflected), by a table built at compile time.
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0xedb8_8320
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in bytes {
        crc = TABLE[((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}
