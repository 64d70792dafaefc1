import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRegister, expect, setProfile, test, watch, type Page } from "./fixtures";
import { expectCount, newFinding, registerId, storeChunk, storedKeys } from "./journeys";

// Issue 11: no stored byte can lock the person out of their register.
// Automerge's loader panics on some crafted bytes (see
// e2e/fixtures/README.md), and the release build then stops. Bytes that
// reach the page without the file check (stored by another tab, an older
// version or a script of this site, or announced by another tab) are
// noted in the tab's sessionStorage before they are read: the app says it
// stopped, and the reload sets exactly those bytes aside and opens the rest.

const STOPPED = "NC Register stopped while reading data it could not handle.";
const SET_ASIDE = "The app stopped last time while reading part of this register's stored data.";

function crashBytes(): Uint8Array {
  return readFileSync(join(test.info().project.testDir, "fixtures", "crash-loader.ncr"));
}

/// The app's own alert, written by the panic hook.
function stoppedAlert(page: Page) {
  return page.getByRole("alert").filter({ hasText: STOPPED });
}

async function registerWithOneFinding(page: Page) {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await newFinding(page, "Access reviews not performed");
  await expectCount(page, 1);
}

test("stored bytes that stop the app: it says so, and the reload sets them aside and opens the rest", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const w = await watch(page);
  await registerWithOneFinding(page);
  const id = registerId(page);
  const poison = [id, "incremental", "zz-stored-by-another-tool"];
  await storeChunk(page, poison, crashBytes());

  // The next start reads the stored bytes and stops, and says so.
  await page.reload();
  await expect(stoppedAlert(page)).toBeVisible({ timeout: 30_000 });
  await expect(stoppedAlert(page)).toContainText("Reload the page: that data will be kept aside");

  // The reload sets them aside: the register opens with its finding.
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expectCount(page, 1);
  await expect(page.getByRole("alert").filter({ hasText: SET_ASIDE })).toBeVisible();
  await expect(stoppedAlert(page)).toHaveCount(0);
  const keys = await storedKeys(page);
  expect(keys).toContainEqual(["quarantine", ...poison]);
  expect(keys).not.toContainEqual(poison);

  // And it goes on as ever.
  await newFinding(page, "Backups never restored");
  await expectCount(page, 2);
  await page.reload();
  await expectCount(page, 2);
  await expect(page.getByRole("alert").filter({ hasText: SET_ASIDE })).toHaveCount(0);
  expect(w.foreign).toEqual([]);
  expect(w.failed).toEqual([]);
});

test("another tab's save that stops this tab: the reload sets that save aside at once", async ({ page, context }) => {
  test.setTimeout(90_000);
  await registerWithOneFinding(page);
  const id = registerId(page);

  // Another tab of this site (another version, or a script) stores bytes
  // and announces them, as every tab of the app does with its saves. It is
  // not the app: a page of the same origin without it, so that only the
  // app's tab receives the announcement.
  const other = await context.newPage();
  await other.goto(new URL("check-worker.js", page.url()).href);
  const key = [id, "incremental", "zz-from-the-other-tab"];
  await storeChunk(other, key, crashBytes());
  await other.evaluate(
    ({ id, b64 }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const channel = new BroadcastChannel("nc-register");
      channel.postMessage([id, bytes]);
      channel.close();
    },
    { id, b64: Buffer.from(crashBytes()).toString("base64") },
  );
  await expect(stoppedAlert(page)).toBeVisible({ timeout: 30_000 });

  // One reload: the stored copy of what stopped it is set aside before it
  // is read again (without the note, this start would stop too).
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expectCount(page, 1);
  await expect(page.getByRole("alert").filter({ hasText: SET_ASIDE })).toBeVisible();
  await expect(stoppedAlert(page)).toHaveCount(0);
  expect(await storedKeys(page)).toContainEqual(["quarantine", ...key]);

  // A new tab of the app opens the register, and both go on.
  const second = await context.newPage();
  await second.goto(page.url());
  await expectCount(second, 1);
  await newFinding(second, "Backups never restored");
  await expectCount(second, 2);
  await expectCount(page, 2);
  await page.reload();
  await expectCount(page, 2);
  await expect(stoppedAlert(second)).toHaveCount(0);
});
