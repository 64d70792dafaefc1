//! Sealed register files: what the page and the encryption module
//! (`crates/crypt`, a wasm module of its own run in a worker) say to each
//! other, and the sentences of every refusal. The sealing itself is
//! there, so that its ciphers stay out of the app's module; what decides
//! nothing but shapes the conversation is here, where both ends read it.

use serde::{Deserialize, Serialize};

/// Whether `bytes` are an age-encrypted file, binary or armored (a leading
/// blank line allowed): such a file goes to the encryption module
/// (`crates/crypt`) before anything else reads it. Only the format's own
/// first line is looked at, so no register, CSV or workbook is taken for
/// one.
pub fn is_sealed(bytes: &[u8]) -> bool {
    const BINARY: &[u8] = b"age-encryption.org/";
    const ARMORED: &[u8] = b"-----BEGIN AGE ENCRYPTED FILE-----";
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes.starts_with(BINARY) || bytes[start..].starts_with(ARMORED)
}

/// The scrypt work factor (log2 N) of a sealed file: age's own choice for
/// about a second of work, and the most the `age-encryption` npm package
/// accepts by default, so every sealed file opens there.
pub const WORK_FACTOR: u8 = 18;

/// The most work a passphrase file may ask of this device before it is
/// refused: 2^20 is four times the usual cost (a GiB of memory, where a
/// wasm module has at most four), so a crafted file cannot stall the
/// worker for minutes or run it out of memory.
pub const MAX_WORK_FACTOR: u8 = 20;

/// The shortest passphrase a file is sealed with. The file travels, and
/// anyone who finds it can try passphrases offline at leisure; scrypt makes
/// each guess cost a second, which only helps a passphrase that is not
/// among the first few million guesses.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// How a file is sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lock {
    /// Anyone with the passphrase opens it.
    Passphrase(String),
    /// Whoever holds the secret key of one of these public keys
    /// (`age1…`) opens it.
    Recipients(Vec<String>),
}

/// What a file may be opened with: the passphrase the person typed, if
/// any, and the secret keys (`AGE-SECRET-KEY-1…`) this browser keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    #[serde(default)]
    pub passphrase: Option<String>,
    #[serde(default)]
    pub identities: Vec<String>,
}

/// Why a file was not sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum SealError {
    #[error(
        "A passphrase needs at least {MIN_PASSPHRASE_CHARS} characters. A few unrelated words are easy to remember and hard to guess."
    )]
    ShortPassphrase,
    #[error("Choose at least one person to encrypt the file to.")]
    NoRecipients,
    #[error(
        "“{0}” is not an age public key: a public key starts with age1 and has 62 characters."
    )]
    BadRecipient(String),
    #[error("The file could not be encrypted ({0}).")]
    Failed(String),
}

/// Why a sealed file did not open. Each says what happened and that
/// nothing changed, because the app changes nothing on any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OpenError {
    #[error("This file is not encrypted with age.")]
    NotSealed,
    #[error("This file is encrypted with a passphrase. Type the passphrase to open it.")]
    NeedsPassphrase,
    #[error("That passphrase does not open this file. Nothing was changed.")]
    WrongPassphrase,
    #[error(
        "This file is encrypted to people's age keys, and this browser has no key. Create your key under “Encryption keys” and ask the sender to encrypt the file to your public key. Nothing was changed."
    )]
    NoKey,
    #[error(
        "This file is encrypted to other people's keys: this browser's key is not one of them. Ask the sender to encrypt it to your public key. Nothing was changed."
    )]
    WrongKey,
    #[error(
        "This encrypted file is damaged: part of it is not what was encrypted, so it cannot be trusted. Ask for the file again. Nothing was changed."
    )]
    Damaged,
    #[error(
        "This file's passphrase protection asks for far more work than usual (work factor {required}, at most {MAX_WORK_FACTOR} accepted), which would stall this device. Nothing was changed."
    )]
    TooMuchWork { required: u8 },
    #[error("This file uses a newer version of the age format than this app reads. Nothing was changed.")]
    NewerFormat,
    #[error("The key kept in this browser is not a readable age secret key.")]
    BadIdentity,
}

/// Whether a passphrase is long enough to seal a file with.
pub fn check_passphrase(passphrase: &str) -> Result<(), SealError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        Err(SealError::ShortPassphrase)
    } else {
        Ok(())
    }
}

/// A new key pair: the secret key (`AGE-SECRET-KEY-1…`) and its public
/// key (`age1…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPair {
    pub secret: String,
    pub public: String,
}

/// A QR code's modules, row by row, `'1'` for dark: the page draws them as
/// an SVG of its own, so nothing is rendered outside the page's control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Qr {
    pub width: usize,
    pub modules: String,
}

/// The answers the worker passes back as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer<T> {
    Ok(T),
    /// The sentence to show.
    Error(String),
    /// A sealed file that did not open: its kind (so the page can ask for
    /// a passphrase) and the sentence.
    Refused {
        kind: OpenError,
        sentence: String,
    },
}

/// A colleague's public key in this browser's address book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    /// An `age1…` public key, already checked by the encryption module.
    pub key: String,
}

/// The longest name kept for a contact.
pub const MAX_CONTACT_NAME: usize = 120;

/// Adds a colleague's key to the address book, or says why not: a name is
/// needed to choose them later, and one key is one person.
pub fn add_contact(book: &mut Vec<Contact>, name: &str, key: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the key a name: the person it belongs to.".into());
    }
    if name.chars().count() > MAX_CONTACT_NAME {
        return Err(format!(
            "A name of at most {MAX_CONTACT_NAME} characters is enough."
        ));
    }
    if let Some(known) = book.iter().find(|c| c.key == key) {
        return Err(format!(
            "This key is already in the address book, as \u{201c}{}\u{201d}.",
            known.name
        ));
    }
    book.push(Contact {
        name: name.to_owned(),
        key: key.to_owned(),
    });
    book.sort_by(|a, b| crate::text::natural_cmp(&a.name, &b.name));
    Ok(())
}

/// The key pair as an age identity file, the format `age -d -i` and
/// `rage` read: comments with when it was made and its public key, then
/// the secret key.
pub fn identity_file(pair: &KeyPair, created: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "# created: {}\n# public key: {}\n{}\n",
        created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        pair.public,
        pair.secret
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_format_line_makes_a_file_sealed() {
        assert!(is_sealed(b"age-encryption.org/v1\n-> X25519 abc\n"));
        assert!(is_sealed(b"\n  -----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n"));
        for other in [
            &b""[..],
            b"\x85\x6f\x4a\x83",
            b"PK\x03\x04",
            b"Reference,Title\nage-encryption.org/v1\n",
            b"   ",
        ] {
            assert!(!is_sealed(other));
        }
    }

    #[test]
    fn passphrases_are_counted_in_characters() {
        assert_eq!(
            check_passphrase("elevenchars"),
            Err(SealError::ShortPassphrase)
        );
        assert_eq!(check_passphrase("éééééééééééé"), Ok(()));
    }

    #[test]
    fn the_address_book_keeps_one_named_entry_per_key_in_name_order() {
        let mut book = Vec::new();
        add_contact(&mut book, " Zoé ", "age1z").unwrap();
        add_contact(&mut book, "Amir", "age1a").unwrap();
        assert_eq!(
            book.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
            ["Amir", "Zoé"]
        );
        assert!(add_contact(&mut book, "", "age1b")
            .unwrap_err()
            .contains("name"));
        let again = add_contact(&mut book, "Someone", "age1z").unwrap_err();
        assert!(again.contains("already in the address book, as “Zoé”"));
        assert_eq!(book.len(), 2);
    }

    #[test]
    fn an_identity_file_reads_as_age_writes_one() {
        let pair = KeyPair {
            secret: "AGE-SECRET-KEY-1XYZ".into(),
            public: "age1abc".into(),
        };
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T15:04:05Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            identity_file(&pair, at),
            "# created: 2026-12-06T15:04:05Z\n# public key: age1abc\nAGE-SECRET-KEY-1XYZ\n"
        );
    }
}
