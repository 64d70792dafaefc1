// Splits the app's wasm at its split functions (code splitting:
// `lazy_screen!` in src/ui/app.rs), after Trunk built it: a Trunk
// post_build hook that runs before finalize-dist.mjs (Trunk.toml), so the
// service worker caches every chunk.
//
// Trunk has no code splitting (trunk-rs/trunk#1022), so this redoes the
// last steps of its Rust pipeline the way cargo-leptos does for `--split`:
//
//   1. the linker's output (target/wasm32-unknown-unknown/<profile>/nc-register.wasm,
//      linked with --emit-relocs: build.rs) is split by tools/wasm-split
//      (wasm_split_cli_support) into a main module, one module per split
//      module name (`wasm_split(name, ...)`) and chunks of code that several
//      of them share, and a JS loader that fetches them;
//   2. wasm-bindgen runs on the main module (--keep-lld-exports: the chunks
//      import the main module's functions, table, memory and globals);
//   3. wasm-opt -Oz runs on every module (index.html sets data-wasm-opt="0":
//      Trunk's own run would optimise the unsplit module, which is thrown
//      away);
//   4. Trunk's glue and wasm in the staging directory are replaced, and
//      index.html's names and integrity hashes follow; each chunk's fetch
//      carries its digest and index.html preloads the loader with its own.
//
// Every file is named after a digest of the linked wasm, so a change of
// the code renames them all: nothing is served from an old build's cache.
// Relative URLs only: the loader fetches each chunk with
// `new URL(name, import.meta.url)`, so the build works from any URL path.
//
//   node scripts/split-wasm.mjs   (TRUNK_STAGING_DIR, TRUNK_PROFILE set by Trunk)
import { execFile, execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const stage = process.env.TRUNK_STAGING_DIR;
if (!stage) {
  console.error("split-wasm: run by Trunk as a post_build hook (TRUNK_STAGING_DIR)");
  process.exit(2);
}
const release = process.env.TRUNK_PROFILE !== "debug";
const BIN = "nc-register";
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const input = join(targetDir, "wasm32-unknown-unknown", release ? "release" : "debug", `${BIN}.wasm`);

// Prepended to the loader. A chunk is taken from the service worker's
// precache when it is there, even while the page is not yet controlled by
// the worker (the first visit): no second download, and a screen still
// loads once the network is gone. A cached copy is checked against the
// digest like a fetched one.
const FETCH_CHUNK = `async function fetchChunk(url, integrity) {
    if (globalThis.caches && globalThis.crypto && crypto.subtle) {
        try {
            const cached = await caches.match(url.href);
            if (cached) {
                const bytes = await cached.arrayBuffer();
                const digest = new Uint8Array(await crypto.subtle.digest("SHA-384", bytes));
                if ("sha384-" + btoa(String.fromCharCode(...digest)) === integrity) {
                    return new Response(bytes, { headers: { "content-type": "application/wasm" } });
                }
            }
        } catch {}
    }
    return fetch(url, { integrity });
}
`;

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] }).toString();
const sri = (bytes) => `sha384-${createHash("sha384").update(bytes).digest("base64")}`;

// The splitter: built natively from crates.io (a no-op once built).
const toolTarget = join(root, "tools/wasm-split/target");
run("cargo", [
  "build", "--release", "--quiet", "--offline", "--locked",
  "--manifest-path", join(root, "tools/wasm-split/Cargo.toml"),
  "--target-dir", toolTarget,
]);
const splitter = join(toolTarget, "release/ncr-wasm-split");

// Trunk's glue and wasm for the app (the worker modules are named without a hash).
const staged = await readdir(stage);
const one = (re) => {
  const found = staged.filter((f) => re.test(f));
  if (found.length !== 1) throw new Error(`split-wasm: expected one ${re} in ${stage}, found ${found}`);
  return found[0];
};
const oldJs = one(new RegExp(`^${BIN}-[0-9a-f]+\\.js$`));
const oldWasm = one(new RegExp(`^${BIN}-[0-9a-f]+_bg\\.wasm$`));

const linked = await readFile(input);
// A build without the `split` feature (an index.html changed to build the
// app whole, to compare) has no split points: Trunk's output stays.
if (!linked.includes("__wasm_split_placeholder__")) {
  console.log("split-wasm: the app was built without split points; Trunk's output is kept");
  process.exit(0);
}
const name = `${BIN}-${createHash("sha256").update(linked).digest("hex").slice(0, 16)}`;
const tmp = await mkdtemp(join(tmpdir(), "split-wasm-"));
try {
  // 1. Split.
  const chunks = run(splitter, [input, join(tmp, "split"), name]).split("\n").filter(Boolean);
  // 2. Bindings for the main module.
  run("wasm-bindgen", [
    "--target=web", `--out-dir=${join(tmp, "bg")}`, `--out-name=${name}`, "--no-typescript",
    "--keep-lld-exports", "--no-demangle", ...(release ? [] : ["--keep-debug"]),
    join(tmp, "split", `${name}.wasm`),
  ]);
  if ((await readdir(join(tmp, "bg"))).includes("snippets")) {
    throw new Error("split-wasm: the app has wasm-bindgen snippets; copy them like Trunk does");
  }
  // 3. Optimise each module, into the staging directory. Chunks are named
  // after the main module, and the loader says so.
  // One wasm-opt per core at a time (a large build has dozens of chunks).
  // NCR_WASM_OPT (say "-O3") is for comparing optimisation levels
  // (docs/BENCHMARKS.md, "Optimising for size or for speed"); the shipped
  // build is -Oz.
  const level = process.env.NCR_WASM_OPT ?? "-Oz";
  if (!/^-O[0-4sz]$/.test(level)) throw new Error(`split-wasm: NCR_WASM_OPT=${level} is not a wasm-opt level`);
  const opt = async (from, to) => {
    if (release) await promisify(execFile)("wasm-opt", [level, from, `--output=${to}`], { cwd: root });
    else await copyFile(from, to);
  };
  const jobs = [[join(tmp, "bg", `${name}_bg.wasm`), join(stage, `${name}_bg.wasm`)]];
  let loader = await readFile(join(tmp, "split", `${name}.split.js`), "utf8");
  for (const chunk of chunks) {
    const renamed = `${name}.${chunk}`;
    jobs.push([join(tmp, "split", chunk), join(stage, renamed)]);
    loader = loader.replaceAll(`"./${chunk}"`, `"./${renamed}"`);
  }
  await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      for (let job = jobs.shift(); job; job = jobs.shift()) await opt(...job);
    }),
  );
  // Integrity, as Trunk gives the main module: each chunk's fetch carries
  // the digest of its bytes, and the loader itself is preloaded with its
  // own (index.html, step 4), so a chunk altered on the host or in a cache
  // is refused like the main module would be.
  for (const chunk of chunks) {
    const renamed = `${name}.${chunk}`;
    const fetchOf = `fetch(new URL("./${renamed}", import.meta.url))`;
    if (!loader.includes(fetchOf)) throw new Error(`split-wasm: the loader does not fetch ${renamed} as expected`);
    const digest = sri(await readFile(join(stage, renamed)));
    loader = loader.replaceAll(fetchOf, `fetchChunk(new URL("./${renamed}", import.meta.url), "${digest}")`);
  }
  await writeFile(join(stage, `${name}.split.js`), FETCH_CHUNK + loader);
  await copyFile(join(tmp, "bg", `${name}.js`), join(stage, `${name}.js`));
  // 4. index.html: Trunk's names and integrity hashes.
  await rm(join(stage, oldJs));
  await rm(join(stage, oldWasm));
  const indexPath = join(stage, "index.html");
  let html = await readFile(indexPath, "utf8");
  for (const [old, now] of [[oldJs, `${name}.js`], [oldWasm, `${name}_bg.wasm`]]) {
    const digest = sri(await readFile(join(stage, now)));
    html = html.replace(
      new RegExp(`(<link\\b[^>]*href="\\./)${old.replace(/\./g, "\\.")}("[^>]*integrity=")[^"]*`),
      `$1${now}$2${digest}`,
    );
    html = html.replaceAll(old, now);
  }
  // The loader, which the glue imports, preloaded with its digest: the
  // import then takes this checked copy.
  const glueLink = /<link rel="modulepreload" href="\.\/[^"]+\.js"[^>]*>/;
  if (!glueLink.test(html)) throw new Error("split-wasm: no modulepreload of the glue in index.html");
  const loaderDigest = sri(await readFile(join(stage, `${name}.split.js`)));
  html = html.replace(
    glueLink,
    (link) =>
      `${link}\n<link rel="modulepreload" href="./${name}.split.js" crossorigin="anonymous" integrity="${loaderDigest}">`,
  );
  await writeFile(indexPath, html);
  const size = async (f) => (await readFile(join(stage, f))).length;
  console.log(
    `split-wasm: ${name}_bg.wasm ${await size(`${name}_bg.wasm`)} bytes; ` +
      (await Promise.all(chunks.map(async (c) => `${c} ${await size(`${name}.${c}`)}`))).join(", "),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
