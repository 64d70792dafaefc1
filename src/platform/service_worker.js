// NC Register's service worker: it makes the app start with no network.
//
// This file is a template. scripts/finalize-dist.mjs (a Trunk post_build
// hook) writes dist/sw.js as two generated lines,
//
//   const VERSION = "<sha256 of every file of the build>";
//   const PRECACHE = [["index.html", "sha256-<base64>"], ["nc-register-….js", "sha256-…"], …];
//
// (every file of the build with the SRI digest of its bytes), followed by
// this file. Any change to the build changes VERSION and so the bytes of
// sw.js, which is how the browser notices a new deployment. The page
// (src/platform/sw.rs) registers "./sw.js", so the scope is the directory
// the app is served from, whatever it is.
//
// What it must never do: request another origin (the app promises that
// nothing leaves the browser), take over open tabs on its own (a tab keeps
// the version it started with until the user chooses "Update now", because
// a half-old, half-new page could misread the register), or touch caches
// that belong to another copy of the app on the same origin.

/* global VERSION, PRECACHE */

// Cache Storage is shared by the whole origin, and one host may serve
// several copies of the app under different paths (e.g. a test copy and
// the real one). Naming caches by scope keeps each copy's clean-up to its
// own caches.
const SCOPE = self.registration.scope;
const PREFIX = `ncr:${SCOPE}:`;
const CACHE = PREFIX + VERSION;

// A cache name of this scope is the prefix plus a hex version and nothing
// else: a path may contain ":", so "ncr:<scope>:" alone could also be the
// start of a deeper copy's cache name ("ncr:https://h/a/:b/:…").
function isOwnOldCache(name) {
  return name !== CACHE && name.startsWith(PREFIX) && /^[0-9a-f]+$/.test(name.slice(PREFIX.length));
}

self.addEventListener("install", (event) => {
  // No skipWaiting() here: see "message" below.
  event.waitUntil(precache());
});

// Stores this version's files, all or nothing: every file is downloaded
// first, and only when all of them arrived intact is anything put in the
// cache (which is not even created before). A failed download, an HTTP
// error or a file that is not the one this version lists makes the install
// fail: the worker is discarded, the page keeps the version it has (or
// works online only), and the next update check or visit tries again.
async function precache() {
  // One failed download fails the install: the others are cancelled at
  // once rather than left to finish for nothing.
  const cancel = new AbortController();
  const all = Promise.all(
    PRECACHE.map(async ([path, integrity]) => {
      // `integrity` makes fetch reject a file whose bytes are not the
      // ones this sw.js was built with: a deployment that replaces the
      // files while this worker installs (sw.js of one build, index.html
      // of the next) would otherwise store the newer files under this
      // version, and an index.html naming scripts that are not cached.
      // It also makes fetch resolve only once the whole body is in (it is
      // read to be checked), so waiting for every download holds no
      // connection open: unread bodies would hold the browser's few
      // connections to the host and the install would hang (seen in
      // Chromium). Hence no entry without one.
      if (!integrity) throw new Error(`precache: ${path}: no integrity in PRECACHE`);
      const url = new URL(path, self.location.href);
      // The page has just downloaded most of these files: on a host that
      // lets the browser cache them, take them from the HTTP cache
      // ("force-cache": even a stale copy, without asking the server). The
      // digest decides whether that copy is this version's; if not (an
      // older build's file under the same name, such as index.html), or it
      // cannot be had, download it afresh.
      let response;
      try {
        response = await fetch(new Request(url, { cache: "force-cache", integrity }), { signal: cancel.signal });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
      } catch (error) {
        if (cancel.signal.aborted) throw error;
        response = await fetch(new Request(url, { cache: "reload", integrity }), { signal: cancel.signal });
      }
      if (!response.ok) throw new Error(`precache: ${path}: HTTP ${response.status}`);
      return [new Request(url), await storable(response)];
    }),
  );
  const downloads = await all.catch((error) => {
    cancel.abort();
    throw error;
  });
  const cache = await caches.open(CACHE);
  // A put that fails (storage full) fails the install too; what it left
  // in this version's cache is deleted by the next version's activation.
  await Promise.all(downloads.map(([request, response]) => cache.put(request, response)));
}

// Many static hosts answer "…/index.html" with a redirect to "…/"
// (Cloudflare Pages, Netlify's pretty URLs, `serve`). fetch follows it, but
// the response remembers it was redirected, and the browser refuses such a
// response as the answer to a navigation ("redirect mode is not follow"):
// the app would not start offline. A copy of the final response, body and
// headers, has no redirect in its history.
async function storable(response) {
  if (!response.redirected) return response;
  const { status, statusText, headers } = response;
  return new Response(await response.blob(), { status, statusText, headers });
}

self.addEventListener("activate", (event) => {
  // Runs only once no tab uses the previous version (or the user chose to
  // update), so its files are no longer needed.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(isOwnOldCache).map((name) => caches.delete(name)))),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Writes, other origins (there should be none) and anything else the
  // worker has no business with go to the browser untouched.
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  event.respondWith(answer(request, url));
});

async function answer(request, url) {
  // Only this version's cache: a file of an older build must never answer
  // for a newer page. caches.match with cacheName does not create the
  // cache if the browser evicted it; we then fall through to the network.
  // ignoreSearch: a "?…" (cache busting, tracking) names the same file.
  const options = { cacheName: CACHE, ignoreSearch: true };
  let cached = await caches.match(request, options);
  // Opening the app means the directory URL ("…/ncr/"), which is not a file
  // of the build: it is index.html. The server would do the same.
  if (!cached && request.mode === "navigate" && url.href.split(/[?#]/)[0] === SCOPE) {
    cached = await caches.match(new URL("index.html", SCOPE).href, options);
  }
  return cached ?? fetch(request);
}

self.addEventListener("message", (event) => {
  // The page's "Update now" button: the user chose to switch every open tab
  // to the waiting version (the page reloads on controllerchange).
  if (event.data && event.data.type === "skip-waiting") self.skipWaiting();
});
