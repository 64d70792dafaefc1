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

use std::io::{Cursor, Read, Write};

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
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
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
    let out = zip.finish().map_err(w)?.into_inner();
    Ok((out, skipped))
}

/// Reads a bundle (see the module's documentation for what is refused).
/// Pure and bounded: the work is at most one pass over `bytes` plus one
/// SHA-256 of each attachment.
pub fn unbundle(bytes: &[u8]) -> Result<Unbundled, BundleError> {
    let unreadable = |e: zip::result::ZipError| BundleError::Unreadable(e.to_string());
    if !is_bundle(bytes) {
        return Err(BundleError::Unreadable("it is not a zip".into()));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ENTRIES {
        return Err(BundleError::TooMany);
    }
    let mut register = None;
    let mut attachments: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index_raw(i).map_err(unreadable)?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let shown: String = name.chars().take(80).collect();
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
        if entry.compression() != zip::CompressionMethod::Stored
            || entry.encrypted()
            || entry.compressed_size() != entry.size()
        {
            return Err(BundleError::Packed(shown));
        }
        // Stored entries: the declared size is what lies in the file, so
        // it can never exceed the file itself.
        if entry.size() > limit || entry.size() > bytes.len() as u64 {
            return Err(BundleError::TooLarge(shown));
        }
        let mut content = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(limit + 1)
            .read_to_end(&mut content)
            .map_err(|e| BundleError::Unreadable(e.to_string()))?;
        if content.len() as u64 != entry.size() {
            return Err(BundleError::Unreadable(format!(
                "{shown} is shorter or longer than its directory says"
            )));
        }
        if name == REGISTER_ENTRY {
            if register.replace(content).is_some() {
                return Err(BundleError::Duplicate(shown));
            }
        } else {
            let hash = name[ATTACHMENT_DIR.len()..].to_owned();
            if sha256_hex(&content) != hash {
                return Err(BundleError::HashMismatch(hash[..12].to_owned()));
            }
            attachments.push((hash, content));
        }
    }
    let register = register.ok_or(BundleError::NoRegister)?;
    attachments.sort_by(|a, b| a.0.cmp(&b.0));
    let before = attachments.len();
    attachments.dedup_by(|a, b| a.0 == b.0);
    if attachments.len() != before {
        return Err(BundleError::Duplicate("an attachment".into()));
    }
    Ok(Unbundled {
        register,
        attachments,
    })
}
