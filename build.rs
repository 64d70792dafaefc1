//! Links the app's wasm with its relocations kept (`--emit-relocs`), which
//! the code splitter (tools/wasm-split, run by scripts/split-wasm.mjs after
//! Trunk's build) needs to find what each split function reaches. Only
//! the binary's link step changes, and only with the `split` feature; no
//! dependency is rebuilt.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let split = std::env::var_os("CARGO_FEATURE_SPLIT").is_some();
    if split && std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bin=nc-register=--emit-relocs");
    }
}
