import { expect, expectClean, createRegister, saved, setProfile, test, watch } from "./fixtures";
import { newFinding, openFinding } from "./journeys";

// Issue 11: a change made while the browser's storage is full is never
// lost. The page fills up the way Chromium reports it: every IndexedDB
// write throws a QuotaExceededError while `window.ncrStorageFull` is set
// (an init script wraps IDBObjectStore.put before the app starts). Tried
// as a new user would: change a grade while full, see that it is not
// saved, be asked before closing, free space, and after a reload the
// grade is still the one chosen.

test("a change made while storage is full is kept, retried and stored once space returns", async ({ page }) => {
  const w = await watch(page);
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore["put"]>) {
      if ((window as unknown as { ncrStorageFull?: boolean }).ncrStorageFull) {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      }
      return put.apply(this, args);
    };
  });
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const reference = await newFinding(page, "Server room door propped open");
  await openFinding(page, reference);

  await page.evaluate(() => ((window as unknown as { ncrStorageFull: boolean }).ncrStorageFull = true));
  await page.getByLabel("Grade").selectOption({ label: "Major" });
  await expect(page.getByText("Not saved yet: storage refused the last change; retrying")).toBeVisible();
  const alert = page.getByRole("alert").filter({ hasText: "The browser's storage for this site is full." });
  await expect(alert).toContainText("Your changes are kept in this tab and saved again every few seconds");

  // Closing the tab now would lose the change: the page asks first.
  const asked = new Promise<string>((resolve) => page.once("dialog", (d) => { resolve(d.type()); void d.dismiss(); }));
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe("beforeunload");
  expect(page.isClosed()).toBe(false);

  // Space comes back: the retry stores the change without anyone acting.
  await page.evaluate(() => ((window as unknown as { ncrStorageFull: boolean }).ncrStorageFull = false));
  await expect(page.getByText("All changes saved in this browser")).toBeVisible({ timeout: 15_000 });
  await saved(page);

  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${reference}`) })).toBeVisible();
  await expect(page.getByLabel("Grade")).toHaveValue("major");
  expectClean(w);
});
