import { expect, expectClean, createRegister, saved, setProfile, test, toFindings, watch, type Page } from "./fixtures";

// Issue 7: this browser as a place to keep registers. Persistent storage is
// asked for and its state shown as the browser reports it; the registers'
// size is shown; work not exported for a set number of days is reminded.

const DAY = 24 * 60 * 60 * 1000;

async function home(page: Page) {
  await page.getByRole("link", { name: "NC Register" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "This browser", exact: true })).toBeVisible();
}

test("storage: persistence is asked for and shown as the browser answers, with the registers' size", async ({
  page,
  context,
}) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await saved(page);
  await home(page);

  // A fresh headless profile is not granted persistence: the panel says so
  // and offers to ask (the app has already asked once, on its own).
  expect(await page.evaluate(() => navigator.storage.persisted())).toBe(false);
  await expect(page.getByText("Storage is not persistent")).toBeVisible();
  const usage = page.getByRole("table", { name: "Stored registers" });
  await expect(usage.getByRole("row", { name: /ACME ISMS 2026/ })).toContainText(/\d+(\.\d)? (B|kB)/);
  await expect(page.getByText(/This site uses .* of the .* the browser allows it\./)).toBeVisible();

  // The browser grants it (as it would to an installed app): asking again
  // now succeeds, and the panel says so.
  // Playwright has no name for this permission; Chromium's DevTools
  // protocol does. It applies per browser context, so name this test's.
  const cdp = await context.newCDPSession(page);
  const { targetInfo } = await cdp.send("Target.getTargetInfo");
  await cdp.send("Browser.grantPermissions", {
    permissions: ["durableStorage"],
    origin: new URL(page.url()).origin,
    browserContextId: targetInfo.browserContextId,
  });
  await page.getByRole("button", { name: "Ask to keep registers" }).click();
  await expect(page.getByText("Persistent storage granted")).toBeVisible();
  await expect(page.getByRole("button", { name: "Ask to keep registers" })).toHaveCount(0);
  expect(await page.evaluate(() => navigator.storage.persisted())).toBe(true);
  expectClean(w);
});

test("unexported work older than the set number of days is reminded until exported", async ({ page }) => {
  const w = await watch(page);
  const start = new Date("2026-11-02T09:00:00Z").getTime();
  await page.clock.setFixedTime(start);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await page.getByRole("button", { name: "New finding" }).click();
  await page.getByLabel("Title", { exact: true }).fill("Supplier access not reviewed");
  await page.getByLabel("Owner").focus();
  await saved(page);

  // The setting refuses nonsense with a sentence and keeps its value.
  await home(page);
  const days = page.getByLabel("Remind me to export after (days)");
  await expect(days).toHaveValue("7");
  await days.fill("0");
  await days.press("Enter");
  await days.blur();
  await expect(page.getByRole("alert").filter({ hasText: "Export reminder" })).toContainText(
    "is not a whole number of days from 1 to 365",
  );
  await days.fill("3");
  await days.blur();
  await expect(page.getByRole("alert").filter({ hasText: "Export reminder" })).toHaveCount(0);

  const reminder = page.getByText(/that exist only in this browser/);
  await page.getByRole("link", { name: "ACME ISMS 2026" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
  await expect(reminder).toHaveCount(0);

  // Four days later the work is still only here.
  await page.clock.setFixedTime(start + 4 * DAY);
  await page.reload();
  await expect(reminder).toHaveText(
    "You have changes from 4 days ago that exist only in this browser. Export the register to keep a copy elsewhere.",
  );
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export now" }).click();
  expect((await download).suggestedFilename()).toMatch(/\.ncr$/);
  await expect(reminder).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
  await expect(reminder).toHaveCount(0);

  // New work starts the count again.
  await toFindings(page);
  await page.getByRole("row", { name: /Supplier access not reviewed/ }).getByRole("link").click();
  await page.getByLabel("Owner").fill("Procurement");
  await page.getByLabel("Area").focus();
  await saved(page);
  await page.clock.setFixedTime(start + 8 * DAY);
  await page.getByRole("link", { name: "Back to register" }).click();
  await page.reload();
  await expect(reminder).toContainText("You have changes from 4 days ago");
  expectClean(w);
});
