//! Photo and file evidence: what an attachment record must look like, and
//! the content hash its bytes are stored under.
//!
//! The bytes never enter the register's document: the browser keeps them in
//! a store of their own, keyed by [`sha256_hex`] of the bytes, so the same
//! photo received from three colleagues is kept once, and every copy of the
//! register stays as small as its text. The document holds only the record
//! ([`crate::model::Attachment`]); a record whose bytes this browser does
//! not have is shown as missing, not as an error (a register file exported
//! without its attachments).

use sha2::{Digest, Sha256};

use crate::model::Attachment;
pub use crate::schema::{MAX_ATTACHMENTS, MAX_FILE_NAME};

/// Bytes of one attachment: a phone photo scaled down is well under 1 MB
/// and a scanned report a few MB; a larger file is a video or an archive,
/// which belongs somewhere else, and one crafted size must not make every
/// copy of the register promise gigabytes.
pub const MAX_ATTACHMENT_BYTES: u64 = 50 * 1024 * 1024;

/// The default longest side a photo is scaled down to before it is stored:
/// sharp enough to read a label or a screen across a room, about 300 kB as
/// a JPEG.
pub const DEFAULT_PHOTO_SIDE: u32 = 1600;

/// The range the photo-size setting accepts.
pub const PHOTO_SIDES: std::ops::RangeInclusive<u32> = 320..=8192;

/// Lowercase hexadecimal SHA-256 of `bytes`: an attachment's storage key.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Whether `s` is a SHA-256 as [`sha256_hex`] writes it (also what the
/// bundle accepts as an entry name: no other text can become a path).
pub fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A picked file's name as stored: without folders (some browsers and
/// peers send a path), control characters or surrounding spaces, cut at
/// [`MAX_FILE_NAME`] characters; a name with nothing left is `file`.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let kept: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILE_NAME)
        .collect();
    let kept = kept.trim();
    if kept.is_empty() || kept == "." || kept == ".." {
        "file".into()
    } else {
        kept.to_owned()
    }
}

/// A media type as stored: lowercase `type/subtype` of plain characters,
/// or empty when the browser gave none or something else.
pub fn clean_mime(mime: &str) -> String {
    let m = mime.trim().to_ascii_lowercase();
    let m = m.split(';').next().unwrap_or_default().trim().to_owned();
    let ok = m.len() <= MAX_FILE_NAME
        && m.split_once('/').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && (a.to_owned() + b)
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-' | b'_'))
        });
    if ok {
        m
    } else {
        String::new()
    }
}

/// Raster image types a browser shows in an `<img>` (never SVG: an image
/// that can hold script is offered as a download only).
pub fn is_picture(mime: &str) -> bool {
    matches!(
        mime,
        "image/jpeg" | "image/png" | "image/gif" | "image/webp" | "image/avif" | "image/bmp"
    )
}

/// Photos the browser may scale down before storing: still images it
/// decodes everywhere (a GIF may be animated, and is kept as it is).
pub fn is_scalable(mime: &str) -> bool {
    matches!(
        mime,
        "image/jpeg" | "image/png" | "image/webp" | "image/bmp"
    )
}

/// What makes an attachment record unusable, as a sentence's end, or
/// `None` when it is fine: checked on every record read from a document
/// (one that fails is set aside, like an unreadable action) and on every
/// record written.
pub fn problem(a: &Attachment) -> Option<String> {
    if !is_hash(&a.hash) {
        return Some("its content hash is not a SHA-256".into());
    }
    if a.size > MAX_ATTACHMENT_BYTES {
        return Some(format!(
            "it claims {} bytes; the limit is {MAX_ATTACHMENT_BYTES}",
            a.size
        ));
    }
    if a.name.trim().is_empty() {
        return Some("it has no file name".into());
    }
    if a.name.chars().count() > MAX_FILE_NAME || a.mime.chars().count() > MAX_FILE_NAME {
        return Some(format!(
            "its name or type is longer than {MAX_FILE_NAME} characters"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_hash(&sha256_hex(b"")));
        assert!(!is_hash(&sha256_hex(b"").to_uppercase()));
        assert!(!is_hash("../etc/passwd"));
    }

    #[test]
    fn names_lose_folders_and_controls() {
        assert_eq!(clean_name("C:\\Users\\me\\rack.jpg"), "rack.jpg");
        assert_eq!(clean_name("../../x\u{0}.png"), "x.png");
        assert_eq!(clean_name("  "), "file");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(&"a".repeat(400)).len(), MAX_FILE_NAME);
        assert_eq!(clean_mime("Image/JPEG; q=1"), "image/jpeg");
        assert_eq!(clean_mime("text/html<script>"), "");
        assert_eq!(clean_mime(""), "");
    }
}
