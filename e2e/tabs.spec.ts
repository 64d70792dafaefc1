import { expect, expectClean, createRegister, saved, setProfile, test, watch, type Page } from "./fixtures";

// Issue 7: several tabs of one browser on one register. Both pages share
// one browser context (one profile: the same IndexedDB and localStorage),
// as two tabs do. An edit saved in one tab reaches the other through a
// BroadcastChannel; no tab may overwrite another's edits, in memory or in
// storage.

async function newFinding(page: Page, title: string) {
  await page.getByRole("button", { name: "New finding" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-\d{3}/ })).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Statement", { exact: true }).focus();
  await saved(page);
}

async function backToRegister(page: Page) {
  await page.getByRole("link", { name: "Back to register" }).click();
}

/// Opens a finding from the register table, by its title.
async function openFinding(page: Page, title: string) {
  await page.getByRole("row", { name: new RegExp(title) }).getByRole("link").click();
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue(title);
}

/// Milliseconds until `text` shows in `page` (for the report, not asserted).
async function latency(page: Page, text: string, since: number) {
  await expect(page.getByText(text).first()).toBeVisible();
  return Date.now() - since;
}

test("two tabs edit different findings, then the same finding, and both keep every edit", async ({
  context,
  page,
}) => {
  const wa = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await newFinding(page, "Asset inventory incomplete");
  await backToRegister(page);

  const other = await context.newPage();
  const wb = await watch(other);
  await other.goto(page.url());
  // The second tab opens the register, with the first tab's finding.
  await expect(other.getByRole("heading", { level: 2, name: "ACME ISMS 2026" })).toBeVisible();
  await expect(other.getByRole("row", { name: /Asset inventory incomplete/ })).toBeVisible();

  // Different findings: B records a new one while A edits the first.
  await openFinding(page, "Asset inventory incomplete");
  await newFinding(other, "Backups never restored");
  const sentB = Date.now();
  await page.getByLabel("Title", { exact: true }).fill("Asset inventory incomplete and stale");
  await page.getByLabel("Owner").focus();
  const sentA = Date.now();
  await saved(page);
  const toB = await backToRegister(other).then(() =>
    latency(other, "Asset inventory incomplete and stale", sentA),
  );
  await backToRegister(page);
  const toA = await latency(page, "Backups never restored", sentB);
  test.info().annotations.push({ type: "tab-to-tab", description: `A→B ${toB} ms, B→A ${toA} ms (incl. navigation)` });

  // The same finding in both tabs, edited at once: different fields.
  await openFinding(page, "Backups never restored");
  await openFinding(other, "Backups never restored");
  await page.getByLabel("Statement", { exact: true }).fill("Restores of backups were never tested.");
  await other.getByLabel("Evidence").fill("Backup log 2026; no restore ticket found.");
  // Leaving the fields commits both edits before either tab hears of the other.
  await Promise.all([page.getByLabel("Owner").focus(), other.getByLabel("Owner").focus()]);
  for (const tab of [page, other]) {
    await expect(tab.getByLabel("Statement", { exact: true })).toHaveValue("Restores of backups were never tested.");
    await expect(tab.getByLabel("Evidence")).toHaveValue("Backup log 2026; no restore ticket found.");
    await saved(tab);
  }

  // The same field, one after the other: the later edit shows in both.
  await page.getByLabel("Owner").fill("Head of IT");
  await page.getByLabel("Area").focus();
  await expect(other.getByLabel("Owner")).toHaveValue("Head of IT");
  await other.getByLabel("Owner").fill("IT operations manager");
  await other.getByLabel("Area").focus();
  await expect(page.getByLabel("Owner")).toHaveValue("IT operations manager");
  await saved(page);
  await saved(other);

  // Storage holds every edit: a third tab, and both tabs reloaded, agree.
  const third = await context.newPage();
  const wc = await watch(third);
  for (const tab of [third, page, other]) {
    if (tab === third) await tab.goto(page.url());
    else await tab.reload();
    await expect(tab.getByLabel("Title", { exact: true })).toHaveValue("Backups never restored");
    await expect(tab.getByLabel("Statement", { exact: true })).toHaveValue("Restores of backups were never tested.");
    await expect(tab.getByLabel("Evidence")).toHaveValue("Backup log 2026; no restore ticket found.");
    await expect(tab.getByLabel("Owner")).toHaveValue("IT operations manager");
  }
  await backToRegister(third);
  await expect(third.getByText("Showing 2 of 2 findings")).toBeVisible();
  await expect(third.getByRole("row", { name: /Asset inventory incomplete and stale/ })).toBeVisible();
  // Both tabs recorded as the same person: no "Unknown" author in history.
  await openFinding(third, "Backups never restored");
  await third.getByRole("button", { name: "Show history" }).click();
  await expect(third.getByRole("region", { name: "History" }).getByText("Jane Doe").first()).toBeVisible();
  await expect(third.getByText(/Unknown \(/)).toHaveCount(0);
  for (const w of [wa, wb, wc]) expectClean(w);
});
