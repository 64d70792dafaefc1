//! Layer invariant (docs/ARCHITECTURE.md): the domain core never touches
//! the browser or the UI framework. It is its own crate, `crates/core`, so
//! the compiler enforces that as long as none of those crates is in its
//! dependency tree; this test reads that tree from `cargo tree`, for the
//! host and for wasm32, normal, build and dev dependencies alike.
//!
//! One path is allowed, on wasm32 only: `getrandom`, the random-number
//! backend of Automerge and of the XLSX writer's zip library, reaches
//! wasm-bindgen there (zip asks for its JavaScript backend itself). The
//! core's code cannot name a crate it does not depend on directly, so the
//! tree is read with getrandom pruned, and the core itself never asks it
//! for randomness: ids and time come from the caller.
#![cfg(not(target_arch = "wasm32"))]

use std::process::Command;

/// Crates (by name prefix) that tie code to a browser or to the UI.
const FORBIDDEN: &[&str] = &[
    "leptos",
    "reactive_graph",
    "web-sys",
    "js-sys",
    "wasm-bindgen",
    "gloo",
    "idb",
];

/// `--prune getrandom@<version>` for each version in the lock file: a bare
/// name is ambiguous to `cargo tree` once two versions are locked (a
/// dev-dependency brought a second one).
fn getrandom_prunes() -> Vec<String> {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock"))
        .expect("the workspace's Cargo.lock");
    let mut lines = lock.lines();
    let mut prunes = Vec::new();
    while let Some(line) = lines.next() {
        if line == "name = \"getrandom\"" {
            let version = lines
                .next()
                .and_then(|v| v.strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
                .expect("a version after the name");
            prunes.extend(["--prune".to_owned(), format!("getrandom@{version}")]);
        }
    }
    assert!(
        !prunes.is_empty(),
        "Automerge's getrandom is in the lock file"
    );
    prunes
}

/// Every package in `package`'s dependency tree for `target`.
fn tree(package: &str, target: Option<&str>) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut prunes = getrandom_prunes();
    loop {
        let mut command = Command::new(&cargo);
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["tree", "--locked", "-p", package])
            .args([
                "-e",
                "normal,build,dev",
                "--prefix",
                "none",
                "--format",
                "{p}",
            ])
            .args(&prunes);
        if let Some(target) = target {
            command.args(["--target", target]);
        }
        let output = command.output().expect("run cargo tree");
        let stderr = String::from_utf8_lossy(&output.stderr);
        // A locked version outside this tree (for another platform) cannot
        // be pruned from it: drop it and ask again.
        let absent = prunes.iter().position(|p| {
            stderr.contains(&format!("specification `{p}` did not match any packages"))
        });
        if let (false, Some(i)) = (output.status.success(), absent) {
            prunes.drain(i - 1..=i);
            continue;
        }
        assert!(output.status.success(), "cargo tree failed: {stderr}");
        return String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .map(str::to_owned)
            .collect();
    }
}

fn forbidden_in(packages: &[String]) -> Vec<String> {
    let mut found: Vec<String> = packages
        .iter()
        .filter(|p| *p == "idb" || FORBIDDEN.iter().any(|f| *f != "idb" && p.starts_with(f)))
        .cloned()
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_core_crate_depends_on_no_browser_or_ui_crate() {
    for target in [None, Some("wasm32-unknown-unknown")] {
        let packages = tree("ncr-core", target);
        // The tree was really read: the core's own document library is in it.
        assert!(
            packages.iter().any(|p| p == "automerge"),
            "cargo tree of ncr-core ({target:?}) lists no automerge: {packages:?}"
        );
        assert_eq!(
            forbidden_in(&packages),
            Vec::<String>::new(),
            "ncr-core ({target:?}) must not depend on browser or UI crates; \
             move that code to src/platform/ or src/ui/, or enable the \
             browser feature from the app's Cargo.toml"
        );
    }
}

#[test]
fn the_check_sees_the_browser_crates_of_the_app() {
    let found = forbidden_in(&tree("nc-register", Some("wasm32-unknown-unknown")));
    for expected in [
        "leptos",
        "web-sys",
        "js-sys",
        "wasm-bindgen",
        "gloo-storage",
        "idb",
    ] {
        assert!(
            found.iter().any(|p| p == expected),
            "{expected} not flagged in the app's tree: {found:?}"
        );
    }
}
