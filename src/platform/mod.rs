//! Platform adapters: the only code (besides `ui`) that talks to browser
//! APIs. `idb_storage` implements the core's storage port on IndexedDB;
//! `profile` keeps small settings in localStorage; `files` downloads and
//! reads files.

pub mod files;
pub mod idb_storage;
pub mod profile;
pub mod tabs;
