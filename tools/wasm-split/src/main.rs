//! `ncr-wasm-split INPUT.wasm OUT_DIR MAIN_NAME`
//!
//! Splits INPUT.wasm (the linker's output, linked with `--emit-relocs`) at
//! its split points (`wasm_split` functions). Writes, in OUT_DIR:
//! - `MAIN_NAME.wasm`: the main module, for wasm-bindgen (`--target web
//!   --keep-lld-exports`), whose glue will be `./MAIN_NAME.js`;
//! - `MAIN_NAME.split.js`: the loader the main module imports (relative to
//!   the glue), which fetches each chunk relative to itself;
//! - one `.wasm` per split point and per chunk of code that several split
//!   points share.
//!
//! Prints the chunks' file names, one a line.
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, main_name] = args.as_slice() else {
        eprintln!("usage: ncr-wasm-split INPUT.wasm OUT_DIR MAIN_NAME");
        std::process::exit(2);
    };
    let input_wasm = std::fs::read(input).unwrap_or_else(|e| {
        eprintln!("ncr-wasm-split: cannot read {input}: {e}");
        std::process::exit(1)
    });
    let out_dir = PathBuf::from(out_dir);
    let main_out = out_dir.join(format!("{main_name}.wasm"));
    let main_module = format!("./{main_name}.js");
    let link_name = format!("./{main_name}.split.js");
    let mut opts = wasm_split_cli_support::Options::new(&input_wasm);
    opts.output_dir = &out_dir;
    opts.main_out_path = &main_out;
    opts.main_module = &main_module;
    opts.link_name = &link_name;
    opts.target.web();
    match wasm_split_cli_support::transform(opts) {
        Ok(split) => {
            for module in split.split_modules {
                println!(
                    "{}",
                    module.file_name().unwrap_or_default().to_string_lossy()
                );
            }
        }
        Err(e) => {
            eprintln!("ncr-wasm-split: {e:?}");
            std::process::exit(1);
        }
    }
}
