//! Opening stored data through `Persistence` on the in-memory adapter. The
//! input is up to four stored items separated by `NCR|`; the first byte
//! chooses whether the first item replaces the good snapshot or is stored
//! beside it as an incremental chunk. Checksums are recomputed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ncr_core::storage::{MemoryStorage, Persistence, INCREMENTAL, SNAPSHOT};
use nc_register_fuzz::{
    actor, block_on, clock, contain_upstream, reopens, small_seeds, with_checksums, REGISTER_ID,
};

fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < 3 {
        match rest.windows(4).position(|w| w == b"NCR|") {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 4..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let storage = MemoryStorage::new();
    let key = |kind: &str, name: String| vec![REGISTER_ID.to_string(), kind.to_string(), name];
    let items = split(data);
    let mut first = 0;
    if mode & 1 == 0 {
        storage.poke(key(SNAPSHOT, "good".into()), small_seeds().base.clone());
    } else {
        storage.poke(key(SNAPSHOT, "fuzzed".into()), with_checksums(items[0]));
        first = 1;
    }
    for (i, item) in items.iter().enumerate().skip(first) {
        storage.poke(key(INCREMENTAL, format!("c{i}")), with_checksums(item));
    }
    let p = Persistence::new(storage.clone());
    let _ = contain_upstream(|| block_on(p.read_copy(REGISTER_ID)));
    if let Some(Ok(loaded)) = contain_upstream(|| block_on(p.load(REGISTER_ID, actor(4), clock))) {
        reopens(&loaded.doc, "a register loaded from storage");
        let again = Persistence::new(storage.clone());
        match block_on(again.load(REGISTER_ID, actor(5), clock)) {
            Ok(l) => assert!(l.quarantined.is_empty(), "damage is set aside once"),
            Err(e) => panic!("what loaded once does not load again: {e}"),
        }
    }
});
