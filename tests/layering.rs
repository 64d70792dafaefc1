//! Layer invariant (docs/ARCHITECTURE.md): the domain core in src/core/ never
//! touches the browser or the UI framework, so it compiles and tests natively
//! with plain `cargo test`. This test reads every file under src/core/ and
//! fails if its code (anything outside comments) mentions a browser or UI
//! crate: in a `use`, a path, a macro, an attribute or a string.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &["web_sys", "leptos", "gloo", "wasm_bindgen", "js_sys"];

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// `text` with `//` and `/* */` comments blanked out (line structure kept),
/// so prose may name the crates the core must not use. String literals are
/// kept: `"leptos"` in code still counts.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let (mut in_string, mut line_comment, mut block_depth) = (false, false, 0usize);
    while let Some(c) = chars.next() {
        if c == '\n' {
            line_comment = false;
            out.push('\n');
            continue;
        }
        if line_comment {
            continue;
        }
        if block_depth > 0 {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block_depth -= 1;
            } else if c == '/' && chars.peek() == Some(&'*') {
                chars.next();
                block_depth += 1;
            }
            continue;
        }
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    out.push(escaped);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match (c, chars.peek()) {
            ('/', Some('/')) => line_comment = true,
            ('/', Some('*')) => {
                chars.next();
                block_depth = 1;
            }
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `(line number, forbidden word)` for every mention in the code of `text`.
fn violations(text: &str) -> Vec<(usize, &'static str)> {
    code_only(text)
        .lines()
        .enumerate()
        .flat_map(|(i, line)| {
            FORBIDDEN
                .iter()
                .filter(move |word| line.contains(**word))
                .map(move |word| (i + 1, *word))
        })
        .collect()
}

#[test]
fn core_code_mentions_no_browser_or_ui_crate() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/core");
    let mut files = Vec::new();
    files_under(&core, &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("mod.rs")),
        "src/core/mod.rs not found: is this test looking in the right place?"
    );

    let mut report = Vec::new();
    for file in &files {
        let bytes = fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        for (line, word) in violations(&String::from_utf8_lossy(&bytes)) {
            report.push(format!("{}:{line}: mentions `{word}`", file.display()));
        }
    }
    assert!(
        report.is_empty(),
        "the domain core must not depend on browser or UI crates \
         (move that code to src/platform/ or src/ui/):\n{}",
        report.join("\n")
    );
}

#[test]
fn the_check_catches_each_forbidden_crate_in_code() {
    for word in FORBIDDEN {
        let use_line = format!("fn ok() {{}}\nuse {word}::Thing;\n");
        assert_eq!(violations(&use_line), vec![(2, *word)], "{use_line}");
        let call = format!("let x = \"a // b\"; {word}::call();");
        assert_eq!(violations(&call), vec![(1, *word)], "{call}");
        let string = format!("const NAME: &str = \"{word}\";");
        assert_eq!(violations(&string), vec![(1, *word)], "{string}");
    }
}

#[test]
fn the_check_ignores_comments_and_other_crates() {
    let text = "//! Never uses leptos or web_sys.\n\
                use automerge::AutoCommit; // not js_sys\n\
                /* gloo /* nested wasm_bindgen */ leptos */\n\
                let s = \"escaped \\\" quote\"; // leptos\n";
    assert!(violations(text).is_empty(), "{:?}", violations(text));
}
