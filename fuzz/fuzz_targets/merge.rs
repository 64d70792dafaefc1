//! `RegisterDoc::merge_bytes` of foreign bytes into a fixed valid register
//! (one auditor, no findings), checksums recomputed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use ncr_core::document::RegisterDoc;
use nc_register_fuzz::{actor, clock, contain_upstream, reopens, small_seeds, with_checksums};

fuzz_target!(|data: &[u8]| {
    static TARGET: OnceLock<Vec<u8>> = OnceLock::new();
    let target = TARGET.get_or_init(|| small_seeds().small.clone());
    let mut doc = RegisterDoc::open(target, actor(3), clock).expect("the target opens");
    let bytes = with_checksums(data);
    // A panic inside Automerge's loader: the app's worker refuses the file.
    let Some(merged) = contain_upstream(|| doc.merge_bytes(&bytes)) else {
        return;
    };
    if merged.is_ok() {
        reopens(&doc, "a merged register");
    } else {
        reopens(&doc, "a register after a refused merge");
    }
});
