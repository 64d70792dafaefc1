//! The core's integration tests, one module per subject, in one test
//! binary: each binary links Automerge, calamine and proptest again, so
//! twenty of them cost minutes of linking and gigabytes of disk in a
//! cold CI run for nothing. Run one subject with a filter, e.g.
//! `cargo test -p ncr-core --test it merge_properties::`.

mod common;

mod attachments;
mod calendar;
mod deadlines;
mod dependencies;
mod document;
mod exchange;
mod fingerprint;
mod fuzz_seeded;
mod history;
mod import_formats;
mod import_roundtrip;
mod json_export;
mod merge_properties;
mod practice;
mod query;
mod records;
mod relations;
mod session;
mod storage;
mod tabs;
mod untrusted;
mod xlsx_import;
