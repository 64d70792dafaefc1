//! The shared genesis every register grows from.
//!
//! Two Automerge documents created independently do not merge: each creates
//! its own top-level maps and one side's items vanish from view. Every
//! register therefore starts from the same initial change, made by a fixed
//! actor at time 0, stored here as bytes so that it stays byte-identical on
//! every machine and across Automerge upgrades. `tests::golden_bytes` guards
//! it; never edit `GENESIS` (a different genesis is a different product).

use automerge::{transaction::CommitOptions, ActorId, Automerge, ChangeHash, ObjType, ROOT};

/// The schema this build reads and writes. A document that declares a larger
/// number was written by a newer version and is refused, never half-read.
pub const SCHEMA_VERSION: u64 = 1;

/// The top-level maps created by the genesis change.
pub const REGISTER: &str = "register";
pub const SETTINGS: &str = "settings";
pub const AUDITORS: &str = "auditors";
pub const AUDITS: &str = "audits";
pub const FINDINGS: &str = "findings";
pub const SCHEMA: &str = "schema";

const GENESIS_MESSAGE: &str = "NC Register genesis";

/// The raw bytes of the one change [`build`] makes, frozen. A change chunk,
/// not a saved document: its hash is its identity, and it does not depend on
/// how a given Automerge version compresses whole documents.
pub const GENESIS: &[u8] = &[
    133, 111, 74, 131, 211, 8, 26, 62, 1, 118, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 1, 1, 0, 19, 78, 67, 32, 82, 101, 103, 105, 115, 116, 101, 114, 32, 103, 101, 110, 101, 115,
    105, 115, 0, 6, 21, 51, 52, 1, 66, 4, 86, 4, 87, 1, 112, 2, 122, 8, 97, 117, 100, 105, 116,
    111, 114, 115, 6, 97, 117, 100, 105, 116, 115, 8, 102, 105, 110, 100, 105, 110, 103, 115, 8,
    114, 101, 103, 105, 115, 116, 101, 114, 8, 115, 101, 116, 116, 105, 110, 103, 115, 6, 115, 99,
    104, 101, 109, 97, 6, 5, 0, 127, 1, 5, 0, 127, 19, 1, 6, 0,
];

/// Builds the genesis document from scratch; only the golden test calls it.
pub fn build() -> Automerge {
    let mut doc = Automerge::new().with_actor(ActorId::from([0u8; 16]));
    let result = doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_time(0)
                .with_message(GENESIS_MESSAGE.to_owned())
        },
        |tx| {
            use automerge::transaction::Transactable;
            for key in [AUDITORS, AUDITS, FINDINGS, REGISTER, SETTINGS] {
                tx.put_object(ROOT, key, ObjType::Map)?;
            }
            tx.put(ROOT, SCHEMA, 1u64)?;
            Ok::<_, automerge::AutomergeError>(())
        },
    );
    if let Err(failure) = result {
        // Only reachable if Automerge itself is broken: there is no input.
        panic!("building the genesis change failed: {:?}", failure.error);
    }
    doc
}

/// A fresh document holding only the genesis change.
pub fn document() -> Automerge {
    match Automerge::load(GENESIS) {
        Ok(doc) => doc,
        // The bytes are a compile-time constant guarded by a test.
        Err(e) => panic!("the built-in genesis does not load: {e}"),
    }
}

/// The hash of the genesis change: a document whose history lacks it is not a register.
pub fn hash() -> ChangeHash {
    document().get_heads()[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_bytes() {
        let built = build().get_changes(&[])[0].raw_bytes().to_vec();
        assert_eq!(
            built, GENESIS,
            "the genesis change changed: every existing register would stop merging"
        );
    }

    #[test]
    fn a_register_starts_with_only_the_genesis_change() {
        let doc = document();
        assert_eq!(doc.get_changes(&[]).len(), 1);
        assert_eq!(doc.get_heads(), build().get_heads());
    }

    #[test]
    fn golden_hash() {
        assert_eq!(
            hash().to_string(),
            GOLDEN_HASH,
            "the genesis hash changed: every existing register would stop merging"
        );
    }

    const GOLDEN_HASH: &str = "d3081a3ef7efe1176e69e4f8313cbb85760995e0ecf0d135ba2067dd89facb13";
}
