//! Platform adapters: the only code (besides `ui`) that talks to browser
//! APIs. `attachments` stores attachments' bytes by hash and scales photos
//! down; `idb_storage` implements the core's storage port on IndexedDB;
//! `profile` keeps small settings in localStorage; `files` downloads and
//! reads files; `tabs` tells other tabs of saved changes; `sw` registers
//! the service worker and reports new versions; `quota` asks for
//! persistent storage and reads the usage estimate; `isolate` reads an
//! untrusted file in a throwaway worker before the page does; `stopped`
//! tells the person when the app stopped; `clock` gives the time and fresh
//! ids the core takes as arguments; `print` puts the register's name in
//! the footer of printed pages; `bench` times Automerge alone for the
//! browser benchmark.

pub mod attachments;
pub mod bench;
pub mod clock;
pub mod files;
pub mod idb_storage;
pub mod isolate;
pub mod keys;
pub mod print;
pub mod profile;
pub mod quota;
pub mod stopped;
pub mod sw;
pub mod tabs;
