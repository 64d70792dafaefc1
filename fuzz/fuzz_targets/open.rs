//! `RegisterDoc::open`, `open_file` and `peek` on foreign bytes (a file
//! the person picked), checksums recomputed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ncr_core::document::RegisterDoc;
use nc_register_fuzz::{actor, clock, contain_upstream, reopens, with_checksums};

fuzz_target!(|data: &[u8]| {
    let bytes = with_checksums(data);
    let _ = contain_upstream(|| RegisterDoc::peek(&bytes));
    if let Some(Ok(doc)) = contain_upstream(|| RegisterDoc::open(&bytes, actor(7), clock)) {
        reopens(&doc, "an opened register");
        let _ = contain_upstream(|| RegisterDoc::open_file(&bytes, actor(7), clock));
    }
});
