import { execFile } from "node:child_process";
import { cp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import type { Page } from "@playwright/test";
import {
  createRegister,
  distDir,
  expect,
  expectClean,
  saved,
  serveDist,
  setProfile,
  test,
  toFindings,
  watch,
} from "./fixtures";
import { download, unzipEntries } from "./journeys";

// Issue 7: offline and static hosting. The release build's service worker
// (src/platform/service_worker.js, written into dist/sw.js by
// scripts/finalize-dist.mjs) and the page's registration (src/platform/sw.rs).
// These tests run their own server (serveDist) on a free port, so that they
// can stop it or change its files without disturbing the other tests; each
// starts from a fresh browser profile, so from no service worker.

const run = promisify(execFile);

/// Waits until the worker the app registered is activated for the page's
/// scope (it controls no page yet: no clients.claim()). From then on every
/// navigation in that scope, even offline, is answered from its cache.
async function workerActivated(page: Page) {
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    const worker = registration.active!;
    if (worker.state === "activated") return;
    await new Promise<void>((done) =>
      worker.addEventListener("statechange", () => worker.state === "activated" && done()),
    );
  });
}

/// Waits for the worker, then reloads: from then on the page is controlled
/// by it (as on any visit after the first).
async function reloadControlled(page: Page) {
  await workerActivated(page);
  await page.reload();
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

/// The home screen's line saying this version is stored. A plain
/// getByText("Ready to work offline") would also find "Not yet ready to
/// work offline" (it matches any case, anywhere in the text).
function offlineReady(page: Page) {
  return page.getByText(/^Ready to work offline/);
}

/// The service worker's caches on this origin (Cache Storage is per origin).
async function cacheNames(page: Page): Promise<string[]> {
  return (await page.evaluate(() => caches.keys())).sort();
}

/// A copy of the build under test that the test may change (a new
/// "deployment"), in the test's output directory.
async function copyOfBuild(name: string): Promise<string> {
  const copy = test.info().outputPath(name);
  await cp(distDir(), copy, { recursive: true });
  return copy;
}

/// Deploys a changed build into `dir`: a marker in index.html, then the
/// build hook again, as a real build would run it, so the worker's version
/// changes.
async function redeploy(dir: string, marker: string) {
  const index = join(dir, "index.html");
  const html = await readFile(index, "utf8");
  await writeFile(index, html.replace("</head>", `<meta name="ncr-e2e-build" content="${marker}" /></head>`));
  await finalize(dir);
}

/// Runs the build hook on `dir` (a deployment's sw.js is written).
async function finalize(dir: string) {
  const hook = join(test.info().project.testDir, "..", "scripts", "finalize-dist.mjs");
  await run(process.execPath, [hook, dir]);
}

/// A deployment caught half way: index.html changes after the sw.js that
/// lists it was written (a newer index.html is up, its sw.js not yet), so
/// the file the server gives no longer has the bytes sw.js was built with.
/// The page itself loads it as usual (nothing checks index.html's hash).
async function changeAfterFinalize(dir: string) {
  const index = join(dir, "index.html");
  await writeFile(index, `${await readFile(index, "utf8")}<!-- changed after sw.js was written -->\n`);
}

/// How the install of a service worker for this page's scope ends:
/// "installed" (it waits, or goes on to activate) or "redundant" (the
/// install failed and the browser discarded the worker). `register` asks
/// for the app's worker as the app does on every start (a registration
/// that is installing is joined, one whose install failed is started
/// again); `update` looks for a new sw.js, as the app's update check does.
async function installOutcome(page: Page, how: "register" | "update"): Promise<string> {
  return page.evaluate(async (how) => {
    let worker: ServiceWorker | null;
    if (how === "register") {
      for (let attempt = 0; ; attempt++) {
        const registration = await navigator.serviceWorker.register("./sw.js");
        worker = registration.installing;
        if (worker) break;
        if (registration.waiting || registration.active || attempt === 10)
          return `not installing (waiting: ${!!registration.waiting}, active: ${!!registration.active})`;
        // A failed install whose registration is not cleared yet: again.
        await new Promise((done) => setTimeout(done, 200));
      }
    } else {
      const registration = (await navigator.serviceWorker.getRegistration())!;
      const found = new Promise<ServiceWorker | null>((done) =>
        registration.addEventListener("updatefound", () => done(registration.installing), { once: true }),
      );
      await registration.update().catch(() => {});
      // The app's own update check (on start, online again) may have found
      // the new sw.js first: its install fires no second "updatefound",
      // and may even be over. `update()` settles once any install it
      // started is under way, so nothing found by then is not coming.
      worker =
        registration.installing ??
        registration.waiting ??
        (await Promise.race([found, new Promise<null>((done) => setTimeout(() => done(null), 5_000))]));
      if (!worker) return "not installing";
    }
    const w = worker;
    return new Promise<string>((done) => {
      const settled = () => {
        if (w.state === "parsed" || w.state === "installing") return;
        done(w.state === "redundant" ? "redundant" : "installed");
      };
      w.addEventListener("statechange", settled);
      settled();
    });
  }, how);
}

test("after one visit the app starts, records a finding and keeps it with no network, from any path", async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  // Deeper than the shared server's /nc/register/: any path works.
  const server = await serveDist(distDir(), "/audits/2026/ncr/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await expect(offlineReady(page)).toBeVisible();
    await createRegister(page);
    await saved(page);
    await workerActivated(page);
    // The worker downloaded the whole build itself, and the watch saw it.
    expect(w.fromWorker.some((u) => u.endsWith("_bg.wasm")), "worker precached the wasm").toBe(true);
    expect(w.fromWorker.some((u) => u.endsWith("/index.html")), "worker precached index.html").toBe(true);
    expect(await cacheNames(page)).toEqual([expect.stringMatching(/^ncr:http:\/\/127\.0\.0\.1:\d+\/audits\/2026\/ncr\/:[0-9a-f]{64}$/)]);

    await expect(page.getByText("Offline: everything keeps working")).toHaveCount(0);
    // Cut the network: nothing answers any more.
    await server.stop();
    await context.setOffline(true);

    await page.reload();
    await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Offline: everything keeps working" })).toBeVisible();
    await page.getByRole("button", { name: "New finding" }).click();
    await expect(page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-001/ })).toBeVisible();
    await page.getByLabel("Title", { exact: true }).fill("Recorded on the plane");
    await page.getByLabel("Grade").selectOption({ label: "Minor" });
    await page.getByLabel("Grade").focus();
    await saved(page);

    // Still offline: it is all still there after another start.
    await page.reload();
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Recorded on the plane");
    await expect(page.getByLabel("Grade")).toHaveValue("minor");
    // Back to the register (a route within the page): the finding is listed.
    await page.goBack();
    await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: "Recorded on the plane" })).toHaveCount(1);
    // The XLSX export is written by the spreadsheet module, fetched only
    // now: offline it comes from the precache, and the workbook holds the
    // finding recorded on the plane.
    const xlsx = await download(page, "Export to Excel (XLSX)");
    const workbook = readFileSync(xlsx.path);
    expect(workbook.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
    const entries = unzipEntries(workbook);
    expect([...entries.keys()]).toContain("xl/worksheets/sheet1.xml");
    expect(entries.get("xl/sharedStrings.xml")?.toString("utf8")).toContain("Recorded on the plane");
    expectClean(w);
  } finally {
    await server.stop();
  }
});

// Cloudflare Pages, Netlify (pretty URLs) and `serve` answer ".../index.html"
// with a redirect to ".../". The worker's precache download of index.html
// then ends in a redirected response, which Chromium refuses as the answer
// to a navigation: the page said "Ready to work offline", yet did not start
// offline. The worker stores a copy without the redirect.
test("on a host that redirects index.html to its directory, the app still starts and records offline", async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  const server = await serveDist(distDir(), "/pretty/ncr/", { redirectIndex: true });
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await expect(offlineReady(page)).toBeVisible();
    await createRegister(page);
    await saved(page);
    await workerActivated(page);
    // The worker asked for index.html and the host redirected it.
    expect(w.fromWorker).toContain(`${server.url}index.html`);
    expect(w.fromWorker).toContain(server.url);

    await server.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "Offline: everything keeps working" })).toBeVisible();
    await page.getByRole("button", { name: "New finding" }).click();
    await expect(page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-001/ })).toBeVisible();
    await page.getByLabel("Title", { exact: true }).fill("Recorded behind a redirect");
    await saved(page);
    await page.reload();
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Recorded behind a redirect");
    expectClean(w);
  } finally {
    await server.stop();
  }
});

// The worker downloads every file with the SHA-256 its sw.js lists, so a
// file that is not the one of its version (a deployment replacing files
// while it installs) fails the whole install: nothing of that version is
// stored, rather than newer files under its name.
test("a first install whose files changed after sw.js was written stores nothing; the next visit after the deployment installs", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const copy = await copyOfBuild("half-deployed");
  await changeAfterFinalize(copy);
  const server = await serveDist(copy, "/nc/half/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    // The page itself works online (it is the newer index.html).
    await setProfile(page);
    expect(await installOutcome(page, "register")).toBe("redundant");
    const registration = await page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return { installing: !!r?.installing, waiting: !!r?.waiting, active: !!r?.active };
    });
    expect(registration).toEqual({ installing: false, waiting: false, active: false });
    expect(await cacheNames(page)).toEqual([]);
    // The home screen does not claim what is not true.
    await expect(page.getByText("Not yet ready to work offline")).toBeVisible();
    await expect(offlineReady(page)).toHaveCount(0);
    // If anything is reported failed (Chromium does not report a download
    // refused for its integrity as a failed request), it is the worker's
    // download of index.html, nothing else.
    expect(w.foreign).toEqual([]);
    // Nothing failed but the changed index.html, and what the browser tried
    // while this test had cut the network (an update check on the offline
    // reload may start a download of the same files, seen under load).
    expect(
      w.failed.filter((f) => !f.startsWith(`${server.url}index.html:`) && !f.endsWith("net::ERR_INTERNET_DISCONNECTED")),
    ).toEqual([]);
    w.failed.length = 0;
    w.errors.length = 0;

    // The deployment completes (its sw.js is written): the next start
    // installs it.
    await finalize(copy);
    await page.reload();
    await expect(offlineReady(page)).toBeVisible();
    await workerActivated(page);
    expect(await cacheNames(page)).toHaveLength(1);
    expectClean(w);
  } finally {
    await server.stop();
  }
});

test("an update whose files change while it installs is not offered; the old version keeps serving and the next check installs it", async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  const copy = await copyOfBuild("half-updated");
  const server = await serveDist(copy, "/nc/half-update/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await reloadControlled(page);
    const [oldCache] = await cacheNames(page);

    // The next build's sw.js is up, then its index.html changes again.
    await redeploy(copy, "second");
    await changeAfterFinalize(copy);
    expect(await installOutcome(page, "update")).toBe("redundant");
    const offer = page.getByRole("status").filter({ hasText: "A new version of NC Register is ready." });
    await expect(offer).toHaveCount(0);
    expect(await cacheNames(page)).toEqual([oldCache]);
    // The version the tab started with still answers, also offline.
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveCount(0);
    await context.setOffline(false);
    expect(w.foreign).toEqual([]);
    // Nothing failed but the changed index.html, and what the browser tried
    // while this test had cut the network (an update check on the offline
    // reload may start a download of the same files, seen under load).
    expect(
      w.failed.filter((f) => !f.startsWith(`${server.url}index.html:`) && !f.endsWith("net::ERR_INTERNET_DISCONNECTED")),
    ).toEqual([]);
    w.failed.length = 0;
    w.errors.length = 0;

    // The deployment completes: the next check installs it and offers it.
    await finalize(copy);
    // The browser's own check after the offline reload (Chromium defers it
    // a moment) may have fetched the half-deployed sw.js just before this
    // and still be installing it; that install fails as the one above, and
    // the next check installs. Seen in CI under load.
    await expect.poll(() => installOutcome(page, "update"), { timeout: 30_000 }).toBe("installed");
    await expect(offer).toBeVisible();
    await offer.getByRole("button", { name: "Update now" }).click();
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveAttribute("content", "second");
    await expect.poll(() => cacheNames(page)).toHaveLength(1);
    expect((await cacheNames(page))[0]).not.toBe(oldCache);
    expectClean(w);
  } finally {
    await server.stop();
  }
});

test("a new deployment is offered and taken only when the user chooses it", async ({ page }) => {
  test.setTimeout(90_000);
  const copy = await copyOfBuild("deployed");
  const server = await serveDist(copy, "/nc/update/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await reloadControlled(page);
    await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
    const [oldCache] = await cacheNames(page);
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveCount(0);

    await redeploy(copy, "second");
    // What a browser does on its own on a later navigation or periodically.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());

    const offer = page.getByRole("status").filter({ hasText: "A new version of NC Register is ready." });
    await expect(offer).toBeVisible();
    // Until the user chooses, the tab keeps the version it started with,
    // also across a reload.
    await page.reload();
    await expect(offer).toBeVisible();
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveCount(0);

    await offer.getByRole("button", { name: "Update now" }).click();
    // The page reloads itself under the new worker and shows the new build.
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveAttribute("content", "second");
    await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
    await expect(page.getByText("A new version of NC Register is ready.")).toHaveCount(0);
    // The old version's files are gone (activation deletes them, a moment
    // after the switch), the new one's are the only ones.
    await expect.poll(() => cacheNames(page)).toHaveLength(1);
    expect((await cacheNames(page))[0]).not.toBe(oldCache);
    expectClean(w);
  } finally {
    await server.stop();
  }
});

test("two copies of the app on one origin keep their own caches", async ({ page, context }) => {
  test.setTimeout(90_000);
  // One server, two directories: /hosting/a/ and /hosting/b/ on one origin.
  const site = test.info().outputPath("site");
  await cp(distDir(), join(site, "a"), { recursive: true });
  await cp(distDir(), join(site, "b"), { recursive: true });
  await writeFile(join(site, "index.html"), "<!doctype html><title>Two copies</title>\n");
  const server = await serveDist(site, "/hosting/");
  const w = await watch(page, server.origin);
  try {
    // The profile is per origin (localStorage), so b finds it already set.
    await page.goto(`${server.url}a/`);
    await setProfile(page);
    await workerActivated(page);
    await page.goto(`${server.url}b/`);
    await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
    await workerActivated(page);
    const scopeOf = (name: string) => name.replace(/:[0-9a-f]{64}$/, "");
    expect((await cacheNames(page)).map(scopeOf)).toEqual([`ncr:${server.url}a/`, `ncr:${server.url}b/`]);
    const [cacheA] = await cacheNames(page);

    // b is deployed again and updated; a's cache must survive b's clean-up.
    await page.reload();
    await redeploy(join(site, "b"), "b2");
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await page.getByRole("button", { name: "Update now" }).click();
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveAttribute("content", "b2");
    await expect.poll(() => cacheNames(page)).toHaveLength(2);
    expect(await cacheNames(page)).toContain(cacheA);

    // And a still starts with no network.
    await server.stop();
    await context.setOffline(true);
    await page.goto(`${server.url}a/`);
    await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
    expectClean(w);
  } finally {
    await server.stop();
  }
});

test("installable: the manifest, its icons and its scope are the app's own", async ({ page, context }) => {
  const w = await watch(page);
  await page.goto("./");
  await expect(page.getByRole("heading", { level: 1, name: "NC Register" })).toBeVisible();
  await workerActivated(page);
  // Chromium's own reading of the manifest, resolved against the subpath.
  const cdp = await context.newCDPSession(page);
  const { url, errors, manifest } = await cdp.send("Page.getAppManifest");
  const base = new URL("./", page.url()).href;
  expect(url).toBe(`${base}manifest.webmanifest`);
  expect(errors).toEqual([]);
  expect(manifest).toMatchObject({
    name: "NC Register",
    display: "kStandalone",
    startUrl: base,
    scope: base,
    // The app's identity is its start URL, so copies at two paths of one
    // origin install as two apps. The manifest gives no "id" on purpose: a
    // relative one resolves against the origin alone ("./" became "/"),
    // and the path the app is served from is not known when it is built.
    id: base,
    themeColor: "rgba(11,92,173,1)",
  });
  const icons = manifest!.icons ?? [];
  for (const icon of icons) expect(icon.url.startsWith(base), icon.url).toBe(true);
  // Every icon loads and has the size it claims.
  const sizes = await page.evaluate(
    (urls) =>
      Promise.all(
        urls.map(
          (u) =>
            new Promise<string>((done) => {
              const img = new Image();
              img.onload = () => done(`${img.naturalWidth}x${img.naturalHeight}`);
              img.onerror = () => done("failed");
              img.src = u;
            }),
        ),
      ),
    icons.map((i) => i.url),
  );
  expect(sizes.slice(1)).toEqual(["192x192", "512x512", "512x512"]);
  expect(sizes[0]).not.toBe("failed");
  // Chromium would offer to install it. Playwright's contexts are
  // incognito, where nothing installs; that is the only objection allowed.
  const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
  expect(installabilityErrors.filter((e) => e.errorId !== "in-incognito")).toEqual([]);
  expectClean(w);
});

// Guards the guard for workers: a request a service worker makes to another
// origin is seen and blocked too. Our worker never makes one, so a copy of
// the build gets a worker that does.
test("the network watch catches a service worker's request to another origin", async ({ page }) => {
  const copy = await copyOfBuild("rogue");
  await writeFile(
    join(copy, "sw.js"),
    `self.addEventListener("install", (e) => e.waitUntil(fetch("https://example.com/from-worker").catch(() => {})));\n`,
  );
  const server = await serveDist(copy, "/nc/rogue/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await expect(page.getByRole("heading", { level: 1, name: "NC Register" })).toBeVisible();
    await workerActivated(page);
    expect(w.foreign).toEqual(["https://example.com/from-worker"]);
    expect(w.fromWorker).toContain("https://example.com/from-worker");
  } finally {
    await server.stop();
  }
});

test("a switch made in one tab is announced in the others, which reload only when asked", async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  const copy = await copyOfBuild("two-tabs");
  const server = await serveDist(copy, "/nc/tabs/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await createRegister(page);
    await reloadControlled(page);
    const other = await context.newPage();
    await other.goto(page.url());
    await expect(other.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
    for (const tab of [page, other]) {
      expect(await tab.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    }

    await redeploy(copy, "second");
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    const offer = page.getByRole("status").filter({ hasText: "A new version of NC Register is ready." });
    await expect(offer).toBeVisible();
    // Work typed just before the switch is saved before the page reloads.
    await page.getByRole("button", { name: "New finding" }).click();
    await page.getByLabel("Title", { exact: true }).fill("Typed just before updating");
    await page.getByLabel("Owner").focus();
    await offer.getByRole("button", { name: "Update now" }).click();
    await expect(page.locator('meta[name="ncr-e2e-build"]')).toHaveAttribute("content", "second");
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Typed just before updating");

    // The other tab still runs the old version and says so; it is not
    // reloaded under its user.
    const told = other.getByRole("status").filter({ hasText: "NC Register was updated in another tab." });
    await expect(told).toBeVisible();
    await expect(other.locator('meta[name="ncr-e2e-build"]')).toHaveCount(0);
    await told.getByRole("button", { name: "Reload" }).click();
    await expect(other.locator('meta[name="ncr-e2e-build"]')).toHaveAttribute("content", "second");
    await expect(other.getByRole("row", { name: /Typed just before updating/ })).toBeVisible();
    expectClean(w);
  } finally {
    await server.stop();
  }
});

test("the first visit downloads each file of the build once, on a host that lets the browser cache", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const server = await serveDist(distDir(), "/nc/first-visit/", { cacheable: true, log: true });
  try {
    await page.goto(server.url);
    await setProfile(page);
    await expect(offlineReady(page)).toBeVisible();
    await workerActivated(page);
    const served = server.served().filter((r) => r.status === 200);
    const counts = new Map<string, number>();
    for (const r of served) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
    const total = served.reduce((n, r) => n + r.bytes, 0);
    const twice = [...counts].filter(([, n]) => n > 1).map(([p]) => p);
    test.info().annotations.push({ type: "first-visit bytes", description: `${total} bytes in ${served.length} responses` });
    console.log(`first visit: ${total} bytes in ${served.length} responses; twice: ${twice.join(", ") || "none"}`);
    // The service worker's precache takes what the page just downloaded
    // from the HTTP cache (checked against its digest) instead of
    // downloading it again.
    expect(twice).toEqual([]);
    // The workbook reader is precached for offline use, downloaded once.
    expect(counts.get("/nc/first-visit/nc-sheet-reader_bg.wasm")).toBe(1);
  } finally {
    await server.stop();
  }
});

test.describe("without the service worker", () => {
  // The network path: with the worker installed, a module comes from its
  // precache (checked against the same digest) and never from the network.
  test.use({ serviceWorkers: "block" });

  test("a screen whose code does not arrive intact says so, changes nothing, and loads on Try again", async ({ page }) => {
    // The screens' code is in modules of their own (docs/ARCHITECTURE.md,
    // "Lazy screens"), each fetched with the digest of its bytes. Online, before this
    // version is stored for offline use, the module can fail to arrive (the
    // connection drops) or arrive altered (a proxy, a broken cache): the
    // screen says so instead of stopping the app or running foreign code,
    // and a retry fetches it again.
    const w = await watch(page);
    const screens = /\.split_register_screens[^/]*\.wasm$/;
    let attempts = 0;
    let altered = 0;
    await page.route(screens, async (route) => {
      attempts += 1;
      // First a dropped connection, then the module with a custom section
      // added: still valid wasm, so only its digest can refuse it.
      if (attempts === 1) return route.abort("internetdisconnected");
      const body = Buffer.concat([await (await route.fetch()).body(), Buffer.from([0, 5, 4, 0x74, 0x65, 0x73, 0x74])]);
      await route.fulfill({ status: 200, contentType: "application/wasm", body });
      altered += 1;
    });
    await page.goto("./");
    await setProfile(page);
    await page.getByLabel("Register name").fill("Site audit");
    await page.getByLabel("Organisation").fill("ACME Ltd");
    await page.getByLabel("Scope").fill("Head office");
    await page.getByRole("button", { name: "Create register" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "This screen could not be loaded" });
    await expect(alert).toContainText("Your registers are safe in this browser and nothing was changed.");
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toHaveCount(0);

    await alert.getByRole("button", { name: "Try again" }).click();
    // Until the altered module has arrived (the alert still showing before
    // that says nothing about it).
    await expect.poll(() => altered).toBeGreaterThanOrEqual(1);
    await expect(alert).toBeVisible();
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toHaveCount(0);

    // A handler still running (the screens' preload asks for the module
    // too) finishes before the real module is let through.
    await page.unrouteAll({ behavior: "wait" });
    await alert.getByRole("button", { name: "Try again" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toBeVisible();
    await expect(alert).toHaveCount(0);
    // The register was created once, and every other screen still works.
    await toFindings(page);
    // Only the blocked module failed, and the app did not stop.
    expect(w.foreign).toEqual([]);
    for (const failed of w.failed) expect(failed).toMatch(/split_register_screens/);
    // The console names the dropped fetch and the refused digest; nothing
    // panicked or went uncaught.
    expect(w.errors.filter((e) => /uncaught|panicked|RuntimeError|unreachable/i.test(e))).toEqual([]);
    expect(
      w.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|integrity|split_register_screens|TypeError/.test(e)),
    ).toEqual([]);
  });

  // The engine (Automerge and the document layer, src/engine.rs) is a
  // module of its own, fetched once the first screen is up. A first visit
  // whose connection drops before it arrived can still fill in the forms;
  // creating the register says why it cannot yet, stores nothing, and
  // works once the module arrives.
  test("a register created before the engine's code arrived is refused with a sentence and created on the next try", async ({
    page,
  }) => {
    const w = await watch(page);
    let blocked = true;
    let refused = 0;
    await page.route(/\.split_engine[^/]*\.wasm$/, (route) => {
      if (!blocked) return route.continue();
      refused += 1;
      return route.abort("internetdisconnected");
    });
    await page.goto("./");
    await setProfile(page);
    await page.getByLabel("Register name").fill("Site audit");
    await page.getByLabel("Organisation").fill("ACME Ltd");
    await page.getByLabel("Scope").fill("Head office");
    await page.getByRole("button", { name: "Create register" }).click();
    await expect(page.getByText(/The app's code for registers did not arrive.*Nothing was changed/)).toBeVisible();
    expect(refused, "the engine's module was asked for").toBeGreaterThanOrEqual(1);
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toHaveCount(0);
    expect(await page.evaluate(() => JSON.parse(localStorage.getItem("ncr.registers") ?? "[]")), "no register recorded").toEqual([]);

    blocked = false;
    await page.getByRole("button", { name: "Create register" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toBeVisible();
    await saved(page);
    await toFindings(page);
    for (const failed of w.failed) expect(failed).toMatch(/split_engine/);
    expect(w.errors.filter((e) => /uncaught|panicked|RuntimeError|unreachable/i.test(e))).toEqual([]);
  });
});
