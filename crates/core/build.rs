//! `NCR_READING_BUILD`: an id of the code that reads a register (this
//! crate's sources and the locked dependency versions), for the stored
//! view (`src/document/view.rs`). A view holds findings as one build read
//! them; another build may read the same document differently (a field
//! added, a rule changed), so a view is used only by the build that wrote
//! it, and an update costs one full reading on the next start.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let mut paths = Vec::new();
    files(&root.join("src"), &mut paths);
    paths.push(root.join("Cargo.toml"));
    paths.push(root.join("../../Cargo.lock"));
    paths.sort();
    // SipHash with fixed keys: the same sources give the same id in one
    // toolchain, which is all a cache key needs.
    let mut hash = DefaultHasher::new();
    for path in &paths {
        if let Ok(bytes) = std::fs::read(path) {
            hash.write(
                path.strip_prefix(&root)
                    .unwrap_or(path)
                    .to_string_lossy()
                    .as_bytes(),
            );
            hash.write(&bytes);
        }
    }
    println!("cargo:rustc-env=NCR_READING_BUILD={:016x}", hash.finish());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=../../Cargo.lock");
}
