//! `exchange::csv::read_table` on a picked file, then the column mapping
//! and row parsing that follow it in the import.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ncr_core::exchange::csv::{parse_rows, read_table, suggest_mapping};
use nc_register_fuzz::today;

fuzz_target!(|data: &[u8]| {
    if let Ok(table) = read_table(data) {
        let mapping = suggest_mapping(&table.headers);
        let _ = parse_rows(&table, &mapping, today());
    }
});
