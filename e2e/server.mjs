// A tiny static file server for the end-to-end tests: serves a Trunk dist
// directory under a URL subpath, so the tests prove the build uses relative
// asset URLs. No rewrite rules, no SPA fallback: a missing file is a 404.
//
//   node e2e/server.mjs <dist-dir> <port> <base-path> [mode,…]
//   node e2e/server.mjs target/e2e-dist 4178 /nc/register/
//
// Modes, comma-separated:
// - `redirect-index`: like the many static hosts that prefer directory URLs
//   (Cloudflare Pages, Netlify's pretty URLs, `serve`), a GET of
//   ".../index.html" answers 301 to ".../" (query kept), which serves the
//   same file.
// - `cacheable`: files may be kept in the browser's HTTP cache for ten
//   minutes (`max-age=600`, what GitHub Pages sends) instead of `no-store`.
// - `gzip`: a body is sent gzip-compressed when the browser accepts it, as
//   static hosts do (e2e/bench/first-visit.bench.ts measures a slow link).
// - `log`: one line per request on stdout, "e2e server: GET <path> <status>
//   <bytes>", so a test can count what the browser downloaded.
//
// Port 0 picks a free port; the first line printed names the actual URL
// ("e2e server: <dir> at http://127.0.0.1:<port><base>"), which
// serveDist() in fixtures.ts waits for. Files are read on every request, so
// changing the directory is a new deployment (the update test does that).
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";

const [distArg = "target/e2e-dist", portArg = "4178", baseArg = "/nc/register/", modeArg = ""] =
  process.argv.slice(2);
const MODES = ["redirect-index", "cacheable", "gzip", "log"];
const modes = modeArg === "" ? [] : modeArg.split(",");
for (const m of modes) {
  if (!MODES.includes(m)) {
    console.error(`e2e server: unknown mode ${JSON.stringify(m)} (known: ${MODES.join(", ")})`);
    process.exit(2);
  }
}
const redirectIndex = modes.includes("redirect-index");
const cacheable = modes.includes("cacheable");
const gzip = modes.includes("gzip");
const log = modes.includes("log");
const root = resolve(distArg);
const port = Number(portArg);
const base = baseArg.endsWith("/") ? baseArg : `${baseArg}/`;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
};

try {
  await stat(join(root, "index.html"));
} catch {
  console.error(`e2e server: ${root}/index.html not found; build first:`);
  console.error(`  trunk build --release --dist ${distArg}`);
  process.exit(1);
}

// no-store on everything, sw.js included: a deployment is visible at once
// (the browser then compares sw.js byte for byte to find a new version),
// and the service worker's cache, not the HTTP cache, is what the offline
// tests exercise.
// Compressed once per file version (mode `gzip`).
const compressed = new Map();
function send(res, status, body, type = "text/plain; charset=utf-8", key = undefined) {
  const headers = { "content-type": type, "cache-control": cacheable && status === 200 ? "max-age=600" : "no-store" };
  if (gzip && body && key && /\bgzip\b/.test(res.req.headers["accept-encoding"] ?? "")) {
    if (!compressed.has(key)) compressed.set(key, gzipSync(body, { level: 9 }));
    body = compressed.get(key);
    headers["content-encoding"] = "gzip";
    headers.vary = "accept-encoding";
  }
  res.writeHead(status, headers);
  res.end(body);
  if (log) console.log(`e2e server: ${res.req.method} ${res.req.url} ${status} ${body ? body.length : 0}`);
}

const server = createServer(async (req, res) => {
  if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed\n");
  const url = new URL(req.url ?? "/", "http://localhost");
  let path;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return send(res, 400, "bad request\n");
  }
  // The app lives only under `base`; the bare subpath redirects to it.
  if (path === base.slice(0, -1)) {
    res.writeHead(301, { location: base });
    return res.end();
  }
  if (!path.startsWith(base)) return send(res, 404, "not found\n");
  // "./" is relative to the request: its directory, wherever it is.
  if (redirectIndex && path.endsWith("/index.html")) {
    res.writeHead(301, { location: `./${url.search}`, "cache-control": "no-store" });
    return res.end();
  }
  let rel = path.slice(base.length);
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const file = resolve(root, rel);
  if (file !== root && !file.startsWith(root + sep)) return send(res, 404, "not found\n");
  try {
    const body = await readFile(file);
    const { mtimeMs, size } = await stat(file);
    send(
      res,
      200,
      req.method === "HEAD" ? undefined : body,
      TYPES[extname(file)] ?? "application/octet-stream",
      `${file}:${mtimeMs}:${size}`,
    );
  } catch {
    send(res, 404, "not found\n");
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(`e2e server: ${root} at http://127.0.0.1:${server.address().port}${base}`);
});
// Stop at once, also with the browser's keep-alive connections open (the
// offline test stops its private server to cut the network).
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
