//! Encryption of register files, a WebAssembly module of its own.
//!
//! A register holds an organisation's security weaknesses, and its file
//! travels on USB sticks and by mail. This crate seals a file in the
//! standard [age](https://age-encryption.org/v1) format, with a passphrase
//! (scrypt) or to one or more people's X25519 age keys, and opens such
//! files, so a sealed export also opens with `age`, `rage` or the
//! `age-encryption` npm package, and their files open here.
//!
//! Like the workbook reader (`crates/sheet-reader`), this is not in the
//! app's module: about a hundred kilobytes of ciphers, scrypt and a QR
//! encoder that only sealing, opening and showing a key need. The page
//! runs it in the throwaway worker of the file check
//! (`public/check-worker.js`, `src/platform/isolate.rs`), which also keeps
//! scrypt's second of work and 256 MiB of memory off the page. The app
//! must never depend on this crate: an exported function of a dependency
//! is kept in the app's module, and everything here with it.
//!
//! Everything that decides something is plain Rust, tested natively; the
//! `ncr_…` exports at the bottom only carry bytes and JSON across.

use std::io::{Read, Write};

use age::secrecy::{ExposeSecret, SecretString};

pub use ncr_core::exchange::sealed::*;

/// Seals `plain` as a binary age file.
pub fn seal(plain: &[u8], lock: &Lock) -> Result<Vec<u8>, SealError> {
    let encryptor = match lock {
        Lock::Passphrase(passphrase) => {
            check_passphrase(passphrase)?;
            let mut recipient = age::scrypt::Recipient::new(SecretString::from(passphrase.clone()));
            recipient.set_work_factor(WORK_FACTOR);
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        }
        Lock::Recipients(keys) => {
            let recipients = keys
                .iter()
                .map(|key| parse_recipient(key))
                .collect::<Result<Vec<_>, _>>()?;
            if recipients.is_empty() {
                return Err(SealError::NoRecipients);
            }
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        }
    }
    .map_err(|e| SealError::Failed(e.to_string()))?;
    let failed = |e: std::io::Error| SealError::Failed(e.to_string());
    let mut sealed = Vec::with_capacity(plain.len() + 512);
    let mut writer = encryptor.wrap_output(&mut sealed).map_err(failed)?;
    writer.write_all(plain).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(sealed)
}

/// Opens a sealed file, binary or armored, with the passphrase for a
/// passphrase file or the identities for a file sealed to keys.
pub fn open(sealed: &[u8], keys: &Keys) -> Result<Vec<u8>, OpenError> {
    if !is_sealed(sealed) {
        return Err(OpenError::NotSealed);
    }
    let decryptor =
        age::Decryptor::new(age::armor::ArmoredReader::new(sealed)).map_err(|e| match e {
            age::DecryptError::UnknownFormat => OpenError::NewerFormat,
            _ => OpenError::Damaged,
        })?;
    let reader = if decryptor.is_scrypt() {
        let passphrase = keys.passphrase.as_ref().ok_or(OpenError::NeedsPassphrase)?;
        let mut identity = age::scrypt::Identity::new(SecretString::from(passphrase.clone()));
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                // The file key's authentication fails: a wrong passphrase
                // (a damaged stanza is indistinguishable from one, by design).
                age::DecryptError::DecryptionFailed | age::DecryptError::KeyDecryptionFailed => {
                    OpenError::WrongPassphrase
                }
                age::DecryptError::ExcessiveWork { required, .. } => {
                    OpenError::TooMuchWork { required }
                }
                _ => OpenError::Damaged,
            })?
    } else {
        let identities = keys
            .identities
            .iter()
            .map(|secret| secret.trim().parse::<age::x25519::Identity>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| OpenError::BadIdentity)?;
        if identities.is_empty() {
            return Err(OpenError::NoKey);
        }
        decryptor
            .decrypt(identities.iter().map(|i| i as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::NoMatchingKeys => OpenError::WrongKey,
                _ => OpenError::Damaged,
            })?
    };
    read_payload(reader)
}

/// The payload is authenticated chunk by chunk as it is read: any damage,
/// truncation or trailing data fails the read, and nothing read so far is
/// returned.
fn read_payload(mut reader: impl Read) -> Result<Vec<u8>, OpenError> {
    let mut plain = Vec::new();
    reader
        .read_to_end(&mut plain)
        .map_err(|_| OpenError::Damaged)?;
    Ok(plain)
}

fn parse_recipient(key: &str) -> Result<age::x25519::Recipient, SealError> {
    key.trim()
        .parse::<age::x25519::Recipient>()
        .map_err(|_| SealError::BadRecipient(key.trim().chars().take(80).collect()))
}

/// An age public key as typed or pasted, checked: the key itself, trimmed,
/// or the sentence why it is not one.
pub fn check_recipient(key: &str) -> Result<String, SealError> {
    parse_recipient(key).map(|r| r.to_string())
}

/// Makes a key pair from the platform's random source.
pub fn new_key_pair() -> KeyPair {
    let identity = age::x25519::Identity::generate();
    KeyPair {
        secret: identity.to_string().expose_secret().to_string(),
        public: identity.to_public().to_string(),
    }
}

/// The public key of a secret key, to check a key pasted in before it is
/// kept.
pub fn public_key_of(secret: &str) -> Result<String, OpenError> {
    secret
        .trim()
        .parse::<age::x25519::Identity>()
        .map(|i| i.to_public().to_string())
        .map_err(|_| OpenError::BadIdentity)
}

/// The QR code of `text` (a public key) at error correction level M, which
/// a phone's camera reads off a laptop's screen.
pub fn qr(text: &str) -> Option<Qr> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(Qr {
        width: code.width(),
        modules: code
            .to_colors()
            .iter()
            .map(|c| if *c == qrcode::Color::Dark { '1' } else { '0' })
            .collect(),
    })
}

// Compiled on every target, so that the native build (the only one the
// test command makes of this crate) lints them; only a wasm32 build can
// call them.
mod exports {
    //! What the worker script calls (`public/check-worker.js`): each takes
    //! the file's bytes and one string, and answers with the bytes (a
    //! `Uint8Array`, passed on without copying) or a JSON [`Answer`].

    use super::*;
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    fn json<T: Serialize>(answer: &Answer<T>) -> String {
        serde_json::to_string(answer)
            .unwrap_or_else(|_| r#"{"error":"The answer could not be passed on."}"#.into())
    }

    /// Seals `bytes`; `lock` is a JSON [`Lock`].
    #[wasm_bindgen]
    pub fn ncr_seal(bytes: &[u8], lock: &str) -> JsValue {
        let sealed = serde_json::from_str::<Lock>(lock)
            .map_err(|e| SealError::Failed(e.to_string()))
            .and_then(|lock| seal(bytes, &lock));
        match sealed {
            Ok(sealed) => js_sys::Uint8Array::from(&sealed[..]).into(),
            Err(e) => json(&Answer::<()>::Error(e.to_string())).into(),
        }
    }

    /// Opens `bytes`; `keys` is a JSON [`Keys`].
    #[wasm_bindgen]
    pub fn ncr_open(bytes: &[u8], keys: &str) -> JsValue {
        let keys = serde_json::from_str::<Keys>(keys).unwrap_or_default();
        match open(bytes, &keys) {
            Ok(plain) => js_sys::Uint8Array::from(&plain[..]).into(),
            Err(kind) => json(&Answer::<()>::Refused {
                kind,
                sentence: kind.to_string(),
            })
            .into(),
        }
    }

    /// A public key as typed, checked and trimmed; the file is ignored.
    #[wasm_bindgen]
    pub fn ncr_check_recipient(_bytes: &[u8], key: &str) -> String {
        match check_recipient(key) {
            Ok(key) => json(&Answer::Ok(key)),
            Err(e) => json(&Answer::<()>::Error(e.to_string())),
        }
    }

    /// The public key of a secret key pasted in; the file is ignored.
    #[wasm_bindgen]
    pub fn ncr_public_key_of(_bytes: &[u8], secret: &str) -> String {
        match public_key_of(secret) {
            Ok(key) => json(&Answer::Ok(key)),
            Err(e) => json(&Answer::<()>::Error(e.to_string())),
        }
    }

    /// A new key pair, as a JSON [`KeyPair`]; the file is ignored.
    #[wasm_bindgen]
    pub fn ncr_new_key(_bytes: &[u8], _arg: &str) -> String {
        json(&Answer::Ok(new_key_pair()))
    }

    /// The QR code of `text`, as a JSON [`Qr`]; the file is ignored.
    #[wasm_bindgen]
    pub fn ncr_key_qr(_bytes: &[u8], text: &str) -> String {
        match qr(text) {
            Some(code) => json(&Answer::Ok(code)),
            None => json(&Answer::<()>::Error(
                "This text is too long for a QR code.".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "correct horse battery staple";

    fn sealed_with_passphrase(plain: &[u8]) -> Vec<u8> {
        seal(plain, &Lock::Passphrase(PASSPHRASE.into())).unwrap()
    }

    fn with_passphrase(p: &str) -> Keys {
        Keys {
            passphrase: Some(p.into()),
            identities: vec![],
        }
    }

    fn with_identities(ids: &[&str]) -> Keys {
        Keys {
            passphrase: None,
            identities: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_passphrase_file_opens_with_its_passphrase_only() {
        let plain = b"a register".repeat(10_000);
        let sealed = sealed_with_passphrase(&plain);
        assert!(is_sealed(&sealed));
        assert!(sealed.starts_with(b"age-encryption.org/v1\n-> scrypt "));
        assert!(
            String::from_utf8_lossy(&sealed[..200]).contains(" 18\n"),
            "sealed with work factor 18"
        );
        assert_eq!(open(&sealed, &with_passphrase(PASSPHRASE)).unwrap(), plain);
        assert_eq!(
            open(&sealed, &with_passphrase("correct horse battery stapler")),
            Err(OpenError::WrongPassphrase)
        );
        assert_eq!(
            open(&sealed, &Keys::default()),
            Err(OpenError::NeedsPassphrase)
        );
        // A key is no passphrase: the file still asks for one.
        let pair = new_key_pair();
        assert_eq!(
            open(&sealed, &with_identities(&[&pair.secret])),
            Err(OpenError::NeedsPassphrase)
        );
    }

    #[test]
    fn a_short_passphrase_is_refused_before_any_work() {
        assert_eq!(
            seal(b"x", &Lock::Passphrase("elevenchars".into())),
            Err(SealError::ShortPassphrase)
        );
        // Characters, not bytes: twelve accented letters are enough.
        assert!(seal(b"x", &Lock::Passphrase("éééééééééééé".into())).is_ok());
    }

    #[test]
    fn a_file_sealed_to_keys_opens_with_any_of_them_and_no_other() {
        let alice = new_key_pair();
        let bob = new_key_pair();
        let carol = new_key_pair();
        assert!(alice.public.starts_with("age1") && alice.public.len() == 62);
        assert!(alice.secret.starts_with("AGE-SECRET-KEY-1"));
        assert_eq!(public_key_of(&alice.secret).unwrap(), alice.public);
        let plain = b"findings".to_vec();
        let sealed = seal(
            &plain,
            &Lock::Recipients(vec![alice.public.clone(), format!("  {}\n", bob.public)]),
        )
        .unwrap();
        assert!(sealed.starts_with(b"age-encryption.org/v1\n-> X25519 "));
        assert_eq!(
            open(&sealed, &with_identities(&[&alice.secret])).unwrap(),
            plain
        );
        assert_eq!(
            open(&sealed, &with_identities(&[&bob.secret])).unwrap(),
            plain
        );
        assert_eq!(
            open(&sealed, &with_identities(&[&carol.secret, &bob.secret])).unwrap(),
            plain
        );
        assert_eq!(
            open(&sealed, &with_identities(&[&carol.secret])),
            Err(OpenError::WrongKey)
        );
        assert_eq!(open(&sealed, &Keys::default()), Err(OpenError::NoKey));
        // A passphrase is no key.
        assert_eq!(
            open(&sealed, &with_passphrase(PASSPHRASE)),
            Err(OpenError::NoKey)
        );
        assert_eq!(
            open(&sealed, &with_identities(&["AGE-SECRET-KEY-1NOTAKEY"])),
            Err(OpenError::BadIdentity)
        );
    }

    #[test]
    fn recipients_are_checked_before_sealing() {
        assert_eq!(
            seal(b"x", &Lock::Recipients(vec![])),
            Err(SealError::NoRecipients)
        );
        let bad = seal(b"x", &Lock::Recipients(vec!["age1notakey".into()]));
        assert_eq!(bad, Err(SealError::BadRecipient("age1notakey".into())));
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("“age1notakey” is not an age public key"));
        let pair = new_key_pair();
        assert_eq!(
            check_recipient(&format!(" {}\n", pair.public)),
            Ok(pair.public.clone())
        );
        // A secret key pasted where a public key belongs is refused, and
        // the sentence does not repeat it whole.
        let refused = check_recipient(&pair.secret).unwrap_err().to_string();
        assert!(refused.contains("is not an age public key"));
    }

    #[test]
    fn every_flipped_byte_of_the_payload_is_refused_as_damage() {
        let plain = vec![7u8; 70_000]; // two payload chunks
        let pair = new_key_pair();
        let sealed = seal(&plain, &Lock::Recipients(vec![pair.public.clone()])).unwrap();
        let keys = with_identities(&[&pair.secret]);
        let header_end = sealed.windows(4).position(|w| w == b"\n---").unwrap() + 4;
        let header_end = header_end
            + sealed[header_end..]
                .iter()
                .position(|b| *b == b'\n')
                .unwrap()
            + 1;
        for at in (header_end..sealed.len())
            .step_by(997)
            .chain([sealed.len() - 1])
        {
            let mut damaged = sealed.clone();
            damaged[at] ^= 0x01;
            assert_eq!(open(&damaged, &keys), Err(OpenError::Damaged), "byte {at}");
        }
        // Cut short, or with bytes after the end.
        assert_eq!(
            open(&sealed[..sealed.len() - 10], &keys),
            Err(OpenError::Damaged)
        );
        let mut longer = sealed.clone();
        longer.extend_from_slice(b"more");
        assert_eq!(open(&longer, &keys), Err(OpenError::Damaged));
        // The header's MAC covers the header.
        let mac_at = header_end - 10;
        let mut damaged = sealed.clone();
        damaged[mac_at] = if damaged[mac_at] == b'A' { b'B' } else { b'A' };
        assert_eq!(open(&damaged, &keys), Err(OpenError::Damaged));
    }

    #[test]
    fn a_damaged_passphrase_file_is_damage_once_its_key_opens() {
        let sealed = sealed_with_passphrase(b"register bytes");
        let mut damaged = sealed.clone();
        let last = damaged.len() - 3;
        damaged[last] ^= 0x80;
        assert_eq!(
            open(&damaged, &with_passphrase(PASSPHRASE)),
            Err(OpenError::Damaged)
        );
    }

    #[test]
    fn armored_files_open_too() {
        let pair = new_key_pair();
        let plain = b"armored register".to_vec();
        let mut armored = Vec::new();
        {
            let encryptor = age::Encryptor::with_recipients(std::iter::once(
                &pair.public.parse::<age::x25519::Recipient>().unwrap() as &dyn age::Recipient,
            ))
            .unwrap();
            let armor = age::armor::ArmoredWriter::wrap_output(
                &mut armored,
                age::armor::Format::AsciiArmor,
            )
            .unwrap();
            let mut writer = encryptor.wrap_output(armor).unwrap();
            writer.write_all(&plain).unwrap();
            writer.finish().unwrap().finish().unwrap();
        }
        let mut with_leading_space = b"\r\n  ".to_vec();
        with_leading_space.extend_from_slice(&armored);
        assert!(is_sealed(&with_leading_space));
        assert_eq!(
            open(&armored, &with_identities(&[&pair.secret])).unwrap(),
            plain
        );
    }

    #[test]
    fn other_files_are_not_taken_for_sealed_ones() {
        for bytes in [
            &b""[..],
            b"\x85\x6f\x4a\x83automerge",
            b"PK\x03\x04zip",
            b"Reference,Title\n",
            b"age",
            b"   ",
        ] {
            assert!(!is_sealed(bytes));
            assert_eq!(open(bytes, &Keys::default()), Err(OpenError::NotSealed));
        }
        // A later version of the format is refused (age reads its header
        // as unknown only when it is whole, which this one is not).
        assert!(matches!(
            open(
                b"age-encryption.org/v2\n-> x\n",
                &with_passphrase(PASSPHRASE)
            ),
            Err(OpenError::NewerFormat | OpenError::Damaged)
        ));
        assert_eq!(
            open(
                b"age-encryption.org/v1\ngarbage",
                &with_passphrase(PASSPHRASE)
            ),
            Err(OpenError::Damaged)
        );
    }

    #[test]
    fn a_crafted_work_factor_is_refused_without_the_work() {
        let sealed = sealed_with_passphrase(b"x");
        let text = sealed.clone();
        let line_end = text.iter().skip(22).position(|b| *b == b'\n').unwrap() + 22;
        // "-> scrypt <salt> 18" → work factor 30 (1 TiB of memory).
        let mut crafted = sealed[..line_end - 2].to_vec();
        crafted.extend_from_slice(b"30");
        crafted.extend_from_slice(&sealed[line_end..]);
        assert_eq!(
            open(&crafted, &with_passphrase(PASSPHRASE)),
            Err(OpenError::TooMuchWork { required: 30 })
        );
    }

    #[test]
    fn a_public_key_fits_a_qr_code() {
        let pair = new_key_pair();
        let code = qr(&pair.public).unwrap();
        assert_eq!(code.modules.len(), code.width * code.width);
        assert!(
            code.width >= 21 && code.width <= 41,
            "version 1–6: {}",
            code.width
        );
        assert!(code.modules.contains('1') && code.modules.contains('0'));
    }

    #[test]
    fn answers_keep_their_shape_for_the_page() {
        let refused = Answer::<()>::Refused {
            kind: OpenError::NeedsPassphrase,
            sentence: OpenError::NeedsPassphrase.to_string(),
        };
        assert_eq!(
            serde_json::to_string(&refused).unwrap(),
            r#"{"refused":{"kind":"needs-passphrase","sentence":"This file is encrypted with a passphrase. Type the passphrase to open it."}}"#
        );
        assert_eq!(
            serde_json::from_str::<Lock>(r#"{"passphrase":"p"}"#).unwrap(),
            Lock::Passphrase("p".into())
        );
        assert_eq!(
            serde_json::from_str::<Keys>(r#"{"identities":["k"]}"#).unwrap(),
            with_identities(&["k"])
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod mutated {
        //! Every file is untrusted: a sealed file changed anywhere, by a
        //! flipped bit, a byte put in or taken out, or cut short, is
        //! refused with a sentence, never opened as something else and
        //! never a panic (which would only stop the worker, but say less).

        use super::*;
        use proptest::prelude::*;
        use std::sync::OnceLock;

        fn sealed() -> &'static (Vec<u8>, Vec<u8>, Keys) {
            static SEALED: OnceLock<(Vec<u8>, Vec<u8>, Keys)> = OnceLock::new();
            SEALED.get_or_init(|| {
                let pair = new_key_pair();
                let plain: Vec<u8> = (0..150_000u32).map(|i| (i * 7 % 251) as u8).collect();
                let sealed = seal(&plain, &Lock::Recipients(vec![pair.public])).unwrap();
                (plain, sealed, with_identities(&[&pair.secret]))
            })
        }

        #[derive(Debug, Clone)]
        enum Change {
            Flip(usize, u8),
            Insert(usize, u8),
            Remove(usize),
            Cut(usize),
        }

        fn change() -> impl Strategy<Value = Change> {
            prop_oneof![
                (any::<usize>(), 1..=255u8).prop_map(|(at, bits)| Change::Flip(at, bits)),
                (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Change::Insert(at, b)),
                any::<usize>().prop_map(Change::Remove),
                any::<usize>().prop_map(Change::Cut),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn a_changed_file_is_refused(changes in prop::collection::vec(change(), 1..4)) {
                let (plain, sealed, keys) = sealed();
                let mut bytes = sealed.clone();
                for c in changes {
                    let n = bytes.len().max(1);
                    match c {
                        Change::Flip(at, bits) => if !bytes.is_empty() { bytes[at % n] ^= bits },
                        Change::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
                        Change::Remove(at) => if !bytes.is_empty() { bytes.remove(at % n); },
                        Change::Cut(at) => bytes.truncate(at % n),
                    }
                }
                match open(&bytes, keys) {
                    // Only the very same file opens (a change undone by a later one).
                    Ok(opened) => {
                        prop_assert_eq!(&bytes, sealed);
                        prop_assert_eq!(&opened, plain);
                    }
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                }
            }
        }
    }
}
