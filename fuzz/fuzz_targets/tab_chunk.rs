//! `RegisterDoc::apply_chunk`: another tab's chunk applied to the open
//! register (a few findings), checksums recomputed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ncr_core::document::RegisterDoc;
use nc_register_fuzz::{actor, clock, contain_upstream, reopens, small_seeds, with_checksums};

fuzz_target!(|data: &[u8]| {
    thread_local! {
        static TARGET: RegisterDoc =
            RegisterDoc::open(&small_seeds().base, actor(3), clock).expect("the base opens");
    }
    let mut doc = TARGET.with(|t| t.clone());
    let bytes = with_checksums(data);
    if let Some(Ok(_)) = contain_upstream(|| doc.apply_chunk(&bytes)) {
        reopens(&doc, "a copy after another tab's chunk");
    }
});
