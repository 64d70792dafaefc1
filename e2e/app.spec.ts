import { expect, test, type Page } from "@playwright/test";
import { expectClean, openDemo, setProfile, watch } from "./fixtures";

// Open the app and wait until the wasm has mounted the shell.
async function openApp(page: Page) {
  await page.goto("./");
  await expect(page.getByRole("heading", { level: 1, name: "NC Register" })).toBeVisible();
  await page.waitForLoadState("networkidle");
}

test("renders the page shell and a first screen", async ({ page }) => {
  const w = await watch(page);
  await openApp(page);

  // Each screen names itself before the product (e2e/screens.spec.ts).
  await expect(page).toHaveTitle("Registers — NC Register");
  await expect(page.getByRole("banner")).toContainText("NC Register");
  await expect(page.getByRole("main")).toHaveCount(1);
  // The first screen (loaded from browser storage after boot) is titled by
  // a level-2 heading inside <main>. Screen-specific e2e tests go in their
  // own spec files.
  await expect(page.getByRole("main").getByRole("heading", { level: 2 }).first()).toBeVisible();
  expect(w.errors, "console errors").toEqual([]);
});

test("the page says what it is while the app loads, and the note goes once it mounts", async ({ page, request }) => {
  // What a first visit shows before any wasm has arrived.
  const html = await (await request.get("./")).text();
  expect(html).toContain("Loading the register");
  expect(html).toMatch(/<meta\s+name="description"\s+content="An offline-first register of ISO\/IEC 27001 nonconformities/);
  await openApp(page);
  await expect(page.getByText("Loading the register")).toHaveCount(0);
  await expect(page.locator("#app-loading")).toHaveCount(0);
});

test("loads only from its own origin and subpath, without errors", async ({ page, baseURL }) => {
  const w = await watch(page);
  await openApp(page);

  expect(w.foreign, "requests to other origins").toEqual([]);
  expect(w.failed, "failed requests").toEqual([]);
  expect(w.errors, "console errors").toEqual([]);
  // Relative asset URLs: every request stays under the subpath.
  expect(w.requests.length).toBeGreaterThanOrEqual(3);
  for (const url of w.requests) expect(url.startsWith(baseURL ?? "-"), url).toBe(true);
  // The release build really is wasm (optimised by wasm-opt, served as such).
  expect(w.requests.some((u) => u.endsWith("_bg.wasm")), "wasm module requested").toBe(true);
});

test("a reload renders the same shell without errors", async ({ page }) => {
  const w = await watch(page);
  await openApp(page);
  await page.reload();
  await expect(page.getByRole("heading", { level: 1, name: "NC Register" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toHaveCount(1);
  expect(w.errors, "console errors").toEqual([]);
  expect(w.foreign, "requests to other origins").toEqual([]);
});

// Guards the guard: a request to another origin is seen and blocked. The
// app's own page cannot make one (its Content-Security-Policy refuses it
// before any request exists, see below), so the request is made from a page
// of the same origin that has no policy: the server's plain-text 404.
test("the network watch catches a request to another origin", async ({ page }) => {
  const w = await watch(page);
  const res = await page.goto("./no-such-page");
  expect(res?.status()).toBe(404);
  const outcome = await page.evaluate(() =>
    fetch("https://example.com/beacon").then(
      () => "loaded",
      () => "blocked",
    ),
  );
  expect(outcome).toBe("blocked");
  expect(w.foreign).toEqual(["https://example.com/beacon"]);
});

test("the Content-Security-Policy refuses other origins before any request", async ({ page }) => {
  const w = await watch(page);
  // Counts what would reach the network (a page route runs before the
  // watch's context route).
  const reached: string[] = [];
  await page.route("https://example.com/**", (route) => {
    reached.push(route.request().url());
    return route.abort("blockedbyclient");
  });
  await openApp(page);
  // A meta tag right after the charset, so it covers everything after it.
  const csp = page.locator('head > meta[charset] + meta[http-equiv="Content-Security-Policy"]');
  await expect(csp).toHaveCount(1);
  const policy = (await csp.getAttribute("content")) ?? "";
  expect(policy).toMatch(/^default-src 'none';/);
  expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'(;| )/);
  expect(policy).toContain("connect-src 'self'");
  expect(policy).not.toContain("unsafe-inline");
  expect(policy).not.toMatch(/https?:|\*/);

  const refused = await page.evaluate(async () => {
    const seen: string[] = [];
    document.addEventListener("securitypolicyviolation", (e) => seen.push(`${e.effectiveDirective} ${e.blockedURI}`));
    const fetched = await fetch("https://example.com/beacon").then(
      () => "loaded",
      () => "blocked",
    );
    const image = await new Promise<string>((done) => {
      const img = new Image();
      img.onload = () => done("loaded");
      img.onerror = () => done("blocked");
      img.src = "https://example.com/pixel.png";
    });
    // Violation events are queued as tasks; let them arrive.
    await new Promise((r) => setTimeout(r, 200));
    return { fetched, image, seen: seen.sort() };
  });
  expect(refused).toEqual({
    fetched: "blocked",
    image: "blocked",
    seen: ["connect-src https://example.com/beacon", "img-src https://example.com/pixel.png"],
  });
  // Refused by the browser itself: nothing reached the network (the route
  // never ran). Chromium still announces the image request before refusing
  // it, so the watch lists it as attempted, failed with reason "csp".
  expect(reached, "requests that reached the network").toEqual([]);
  for (const url of w.foreign) expect(url).toBe("https://example.com/pixel.png");
  for (const failure of w.failed) expect(failure).toBe("https://example.com/pixel.png: csp");
  // The browser reports the refusals on the console, and nothing else.
  expect(w.errors.length).toBeGreaterThanOrEqual(2);
  for (const e of w.errors) expect(e).toContain("Content Security Policy");
});

test("the app runs under its Content-Security-Policy without a violation", async ({ page }) => {
  // Recorded from before the first script (an init script is not subject
  // to the page's policy).
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const w = await watch(page);
  await openApp(page);
  // Each page load starts a new list: read it before every reload.
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
  // Exercise a good part of the UI: the demo register, a finding, the
  // report, the home screen's storage panel.
  await setProfile(page);
  await openDemo(page);
  // Row 0 is the header row.
  await page.getByRole("row").nth(1).getByRole("link").click();
  await expect(page.getByLabel("Title", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "Show history" }).click();
  await page.getByRole("link", { name: "Back to register" }).click();
  await page.getByRole("link", { name: "Printable report" }).click();
  await expect(page.getByRole("heading", { level: 2 }).first()).toBeVisible();
  await page.getByRole("link", { name: "NC Register" }).click();
  await expect(page.getByRole("table", { name: "Stored registers" })).toBeVisible();
  expect(await violations()).toEqual([]);
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "This browser", exact: true })).toBeVisible();
  expect(await violations()).toEqual([]);
  expectClean(w);
});
