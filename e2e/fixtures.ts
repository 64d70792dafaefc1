import { expect, test, type Page } from "@playwright/test";

// Everything the page does over the network and on the console, recorded
// from the first request on.
export type Watch = { requests: string[]; foreign: string[]; errors: string[]; failed: string[] };

export function isForeign(url: string, origin: string): boolean {
  if (url.startsWith("data:") || url.startsWith("blob:")) return false;
  return new URL(url).origin !== origin;
}

export async function watch(page: Page): Promise<Watch> {
  const w: Watch = { requests: [], foreign: [], errors: [], failed: [] };
  // The page's own origin is the e2e server's; anything else is foreign.
  const origin = new URL(test.info().project.use.baseURL ?? "").origin;
  // Abort (and record) any request to another origin, so a stray CDN or
  // analytics call fails loudly instead of silently leaking.
  await page.context().route("**/*", (route) => {
    const url = route.request().url();
    if (isForeign(url, origin)) {
      if (!w.foreign.includes(url)) w.foreign.push(url);
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  page.on("request", (req) => {
    const url = req.url();
    w.requests.push(url);
    if (isForeign(url, origin) && !w.foreign.includes(url)) w.foreign.push(url);
  });
  page.on("requestfailed", (req) => w.failed.push(`${req.url()}: ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400) w.failed.push(`${res.url()}: HTTP ${res.status()}`);
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") w.errors.push(msg.text());
  });
  page.on("pageerror", (err) => w.errors.push(`uncaught: ${err.message}`));
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

export async function createRegister(page: Page, name = "ACME ISMS 2026") {
  await page.getByLabel("Register name").fill(name);
  await page.getByLabel("Organisation").fill("ACME Ltd");
  await page.getByLabel("Scope").fill("Head office and data centre");
  await page.getByRole("button", { name: "Create register" }).click();
  await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
}

export async function openDemo(page: Page) {
  await page.getByRole("button", { name: "Open demo register" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /Northwind/ })).toBeVisible();
}

/// Waits until every edit is stored (the status line in the header).
export async function saved(page: Page) {
  await expect(page.getByText("All changes saved in this browser")).toBeVisible();
}

export { expect, test };
