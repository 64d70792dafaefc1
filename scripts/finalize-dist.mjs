// Finishes a Trunk build: adds the Content-Security-Policy to index.html and
// writes the service worker, sw.js, listing every file of the build with the
// SHA-256 of its bytes.
//
// Run by Trunk as a post_build hook (Trunk.toml), after index.html is written
// to the staging directory (env TRUNK_STAGING_DIR), or by hand on a finished
// build, e.g. to simulate a new deployment in the e2e tests:
//
//   node scripts/finalize-dist.mjs <dist-dir>
//
// Idempotent: a second run on the same directory changes nothing, so it can
// run on any copy of a build at any time.
//
// What it must not do: add anything that loads from elsewhere, or make the
// build depend on its URL path (everything stays relative to index.html).
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const TEMPLATE = resolve(here, "../src/platform/service_worker.js");
const WORKER = "sw.js";

const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("usage: node scripts/finalize-dist.mjs <dist-dir>  (or set TRUNK_STAGING_DIR)");
  process.exit(2);
}
const root = resolve(dir);

// --- Content-Security-Policy ---------------------------------------------
//
// A meta CSP (static hosts cannot always set headers) that allows only the
// page's own origin. Trunk writes its wasm loader as an inline <script
// type="module"> (and `trunk serve` adds an inline autoreload script), so
// each inline script is allowed by the hash of its exact text; an injected
// script would not match. 'wasm-unsafe-eval' lets the page compile its own
// wasm, not run eval(). frame-ancestors is ignored in a meta tag, so it is
// left to the host's headers.
function sha256(text) {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

function policy(html) {
  const hashes = [];
  for (const [, attrs, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\bsrc\s*=/i.test(attrs)) continue;
    const hash = sha256(body);
    if (!hashes.includes(hash)) hashes.push(hash);
  }
  return [
    "default-src 'none'",
    ["script-src 'self' 'wasm-unsafe-eval'", ...hashes].join(" "),
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join("; ");
}

const CSP_META = /\s*<meta\s+http-equiv\s*=\s*["']?Content-Security-Policy["']?[^>]*>/gi;
const CHARSET_META = /<meta\s+charset\s*=\s*["']?utf-8["']?\s*\/?>/i;

// `trunk serve` (debug only) fills two placeholders of its inline autoreload
// script in every HTML response, with the request's Host header and its
// WebSocket base path. The served script would then no longer match the
// hash taken here, so the page would refuse it. Both values are what the
// browser already knows (the page's host, and its directory, which is where
// `trunk serve` serves it), so they are filled in now, the same for every
// request, and `trunk serve` finds nothing left to replace.
function settleAutoreload(html) {
  return html
    .replace(/(['`])\{\{__TRUNK_ADDRESS__\}\}\1/g, "window.location.host")
    .replace(/(['`])\{\{__TRUNK_WS_BASE__\}\}\1/g, 'new URL("./", window.location.href).pathname');
}

function withPolicy(html) {
  // A re-run replaces the policy it wrote before (and the hashes, which do
  // not depend on the meta tag itself).
  const bare = settleAutoreload(html).replace(CSP_META, "");
  const charset = bare.match(CHARSET_META);
  if (!charset) throw new Error('index.html has no <meta charset="utf-8" />; the CSP goes right after it');
  const at = charset.index + charset[0].length;
  const meta = `\n    <meta http-equiv="Content-Security-Policy" content="${policy(bare)}" />`;
  return bare.slice(0, at) + meta + bare.slice(at);
}

// --- Service worker --------------------------------------------------------

async function files(at) {
  const out = [];
  for (const entry of await readdir(at, { withFileTypes: true })) {
    // Dot files are Trunk's (.trunk-lock, .stage), never served to the app.
    if (entry.name.startsWith(".")) continue;
    const path = join(at, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else if (entry.isFile()) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

const indexPath = join(root, "index.html");
const html = await readFile(indexPath, "utf8");
const finished = withPolicy(html);
if (finished !== html) await writeFile(indexPath, finished);

// The version covers every file the worker will cache (index.html with its
// policy included) and the worker's own code, so that any change to either
// gives a different sw.js, which is what makes browsers install it.
//
// Each PRECACHE entry is [path, SRI digest of the file's bytes]: the worker
// downloads with `integrity`, so a file that changed after this sw.js was
// written (a deployment in progress) fails its install instead of being
// stored under this version.
const template = await readFile(TEMPLATE, "utf8");
const paths = (await files(root)).filter((p) => p !== WORKER).sort();
const hash = createHash("sha256");
const precache = [];
for (const path of paths) {
  const bytes = await readFile(join(root, path));
  hash.update(`${path}\0`);
  hash.update(bytes);
  hash.update("\0");
  precache.push([path, `sha256-${createHash("sha256").update(bytes).digest("base64")}`]);
}
hash.update(template);
const version = hash.digest("hex");

const worker =
  `const VERSION = ${JSON.stringify(version)};\n` +
  `const PRECACHE = ${JSON.stringify(precache)};\n` +
  template;
await writeFile(join(root, WORKER), worker);
console.log(`finalize-dist: ${root}: CSP in index.html, ${WORKER} ${version.slice(0, 12)} caching ${paths.length} files`);
