import { expect, test, type Page } from "@playwright/test";
import { watch } from "./fixtures";

// Open the app and wait until the wasm has mounted the shell.
async function openApp(page: Page) {
  await page.goto("./");
  await expect(page.getByRole("heading", { level: 1, name: "NC Register" })).toBeVisible();
  await page.waitForLoadState("networkidle");
}

test("renders the page shell and a first screen", async ({ page }) => {
  const w = await watch(page);
  await openApp(page);

  await expect(page).toHaveTitle("NC Register");
  await expect(page.getByRole("banner")).toContainText("NC Register");
  await expect(page.getByRole("main")).toHaveCount(1);
  // The first screen (loaded from browser storage after boot) is titled by
  // a level-2 heading inside <main>. Screen-specific e2e tests go in their
  // own spec files.
  await expect(page.getByRole("main").getByRole("heading", { level: 2 }).first()).toBeVisible();
  expect(w.errors, "console errors").toEqual([]);
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

// Guards the guard: a request to another origin is seen and blocked.
test("the network watch catches a request to another origin", async ({ page }) => {
  const w = await watch(page);
  await openApp(page);
  const outcome = await page.evaluate(() =>
    fetch("https://example.com/beacon").then(
      () => "loaded",
      () => "blocked",
    ),
  );
  expect(outcome).toBe("blocked");
  expect(w.foreign).toEqual(["https://example.com/beacon"]);
});
