import { spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { expect, test, type Page } from "@playwright/test";

// Everything the page (and its service worker) does over the network and on
// the console, recorded from the first request on. `requests` holds every
// request of the browser context, `fromWorker` those a service worker made
// (its precache downloads, its network fallbacks).
export type Watch = {
  requests: string[];
  foreign: string[];
  errors: string[];
  failed: string[];
  fromWorker: string[];
};

export function isForeign(url: string, origin: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:")) return false;
  return new URL(url).origin !== origin;
}

/// Starts recording. `origin` is the page's own origin: the configured
/// server's by default, or a private server's (serveDist).
///
/// Listens on the browser context, not the page: requests answered by a
/// service worker never reach page.route, and requests the worker makes
/// itself are only seen by the context (in Chromium, with
/// request.serviceWorker() set).
export async function watch(page: Page, origin?: string): Promise<Watch> {
  const w: Watch = { requests: [], foreign: [], errors: [], failed: [], fromWorker: [] };
  // The page's own origin is the e2e server's; anything else is foreign.
  const own = origin ?? new URL(test.info().project.use.baseURL ?? "").origin;
  const context = page.context();
  // Abort (and record) any request to another origin, from the page or its
  // worker, so a stray CDN or analytics call fails loudly instead of
  // silently leaking.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (isForeign(url, own)) {
      if (!w.foreign.includes(url)) w.foreign.push(url);
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  context.on("request", (req) => {
    const url = req.url();
    w.requests.push(url);
    if (req.serviceWorker()) w.fromWorker.push(url);
    if (isForeign(url, own) && !w.foreign.includes(url)) w.foreign.push(url);
  });
  context.on("requestfailed", (req) => {
    const reason = req.failure()?.errorText;
    // Cancelled by the page itself (a reload or navigation while the
    // favicon or a prefetch was in flight): not a failure of the app.
    if (reason === "net::ERR_ABORTED") return;
    // The browser's own favicon fetch (not the app's, and never through the
    // service worker) can still be in flight, or start late under load,
    // when a test cuts the network or stops its server.
    const cut = reason === "net::ERR_INTERNET_DISCONNECTED" || reason === "net::ERR_CONNECTION_REFUSED";
    if (cut && /\/favicon[^/]*$/.test(new URL(req.url()).pathname)) return;
    w.failed.push(`${req.url()}: ${reason}`);
  });
  context.on("response", (res) => {
    if (res.status() >= 400) w.failed.push(`${res.url()}: HTTP ${res.status()}`);
  });
  context.on("console", (msg) => {
    if (msg.type() !== "error") return;
    // The same favicon fetch as above, cut: the browser also logs it.
    const favicon = /^Failed to load resource: net::ERR_(INTERNET_DISCONNECTED|CONNECTION_REFUSED)/.test(msg.text())
      && /\/favicon[^/]*$/.test(new URL(msg.location().url || "about:blank").pathname);
    if (!favicon) w.errors.push(msg.text());
  });
  context.on("weberror", (err) => w.errors.push(`uncaught: ${err.error().message}`));
  return w;
}

/// Asserts that nothing left the page's origin and nothing failed.
export function expectClean(w: Watch) {
  expect(w.foreign, "requests to other origins").toEqual([]);
  expect(w.failed, "failed requests").toEqual([]);
  expect(w.errors, "console errors").toEqual([]);
}

/// First run: the profile form, then the chooser.
export async function setProfile(page: Page, name = "Jane Doe", initials = "JD") {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Initials").fill(initials);
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("heading", { name: "Create register" })).toBeVisible();
}

export async function createRegister(page: Page, name = "ACME ISMS 2026", to: Screen = "findings") {
  await page.getByLabel("Register name").fill(name);
  await page.getByLabel("Organisation").fill("ACME Ltd");
  await page.getByLabel("Scope").fill("Head office and data centre");
  await page.getByRole("button", { name: "Create register" }).click();
  await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
  if (to === "findings") await toFindings(page);
}

/// Which of a register's two screens a helper leaves the page on: a new or
/// opened register shows its dashboard; most journeys continue in the table.
export type Screen = "findings" | "dashboard";

export async function openDemo(page: Page, to: Screen = "findings") {
  await page.getByRole("button", { name: "Open demo register" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /Northwind/ })).toBeVisible();
  if (to === "findings") await toFindings(page);
}

/// From the dashboard to the register's table, by the "Findings" link.
export async function toFindings(page: Page) {
  await page.getByRole("navigation", { name: "Register views" }).getByRole("link", { name: "Findings" }).click();
  await expect(page.getByText(/^Showing \d+ of \d+ findings$/)).toBeVisible();
}

/// Waits until every edit is stored (the status line in the header).
export async function saved(page: Page) {
  await expect(page.getByText("All changes saved in this browser")).toBeVisible();
}

/// The release build under test (E2E_DIST, as in playwright.config.ts),
/// as an absolute path.
export function distDir(): string {
  const configDir = dirname(test.info().config.configFile ?? join(test.info().project.testDir, ".."));
  return resolve(configDir, process.env.E2E_DIST ?? "target/e2e-dist");
}

/// One request the private server answered (its `log` mode).
export type Served = { method: string; path: string; status: number; bytes: number };

export type PrivateServer = { url: string; origin: string; stop(): Promise<void>; served(): Served[] };

/// How a private server behaves (e2e/server.mjs's modes). `redirectIndex`:
/// ".../index.html" answers 301 to ".../", as many static hosts do.
/// `cacheable`: the browser may keep files in its HTTP cache. `log`: every
/// request is recorded, for `served()`.
export type ServeOptions = { redirectIndex?: boolean; cacheable?: boolean; gzip?: boolean; log?: boolean };

/// Serves `dir` under `basePath` with a private e2e/server.mjs on a free
/// port, for tests that cut the network or change the files without
/// disturbing the shared server (tests run in parallel).
export async function serveDist(
  dir: string,
  basePath: string,
  options: ServeOptions = {},
): Promise<PrivateServer> {
  const script = join(test.info().project.testDir, "server.mjs");
  const modes = [
    ...(options.redirectIndex ? ["redirect-index"] : []),
    ...(options.cacheable ? ["cacheable"] : []),
    ...(options.gzip ? ["gzip"] : []),
    ...(options.log ? ["log"] : []),
  ];
  const args = [script, dir, "0", basePath, ...(modes.length ? [modes.join(",")] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((found, failed) => {
    const timer = setTimeout(() => failed(new Error(`e2e server did not start:\n${output}`)), 10_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const m = output.match(/ at (http:\/\/127\.0\.0\.1:\d+\/\S*)/);
      if (m) {
        clearTimeout(timer);
        found(m[1]);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => {
      clearTimeout(timer);
      failed(new Error(`e2e server exited (${code}):\n${output}`));
    });
  });
  const exited = new Promise<void>((done) => {
    if (child.exitCode !== null) done();
    else child.once("exit", () => done());
  });
  return {
    url,
    origin: new URL(url).origin,
    served() {
      return [...output.matchAll(/^e2e server: (\S+) (\S+) (\d+) (\d+)$/gm)].map(([, method, path, status, bytes]) => ({
        method,
        path,
        status: Number(status),
        bytes: Number(bytes),
      }));
    },
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export { expect, test };
export type { Page };
