import { writeFileSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import type { Browser } from "@playwright/test";
import { expect, saved, setProfile, test, watch, type Page } from "./fixtures";

// The steps of an auditor's journey that the exchange, untrusted and
// file-check specs share: exporting and importing register files, writing
// test-made files, adding findings and actions, and finding them again in
// the register's table. Each helper clicks and types as a person would and
// asserts only what the step itself needs to go on.

/// Clicks a button that downloads, and keeps the file under the test's
/// output directory (as `as`, or else under its suggested name); returns its
/// path and suggested name.
export async function download(page: Page, button: string, as?: string) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: button, exact: true }).click(),
  ]);
  const name = file.suggestedFilename();
  const path = test.info().outputPath(as ?? name);
  await file.saveAs(path);
  return { path, name };
}

/// What an export also checks. `name`: the suggested file name must match.
export type ExportChecks = { name?: RegExp };

/// Exports the register file (saved as `as`, or else under its suggested
/// name) and returns its path.
export async function exportRegister(page: Page, as?: string, checks: ExportChecks = {}) {
  // Leave any text field first, so typed text is committed and stored.
  await page.getByRole("button", { name: "Export", exact: true }).focus();
  await saved(page);
  const file = await download(page, "Export", as);
  if (checks.name) expect(file.name).toMatch(checks.name);
  return file.path;
}

/// Picks a file in the "Import" file input.
export async function importFile(page: Page, path: string) {
  await page.getByLabel("Import", { exact: true }).setInputFiles(path);
}

/// A file written by the test itself, under its output directory.
export function writeFile(name: string, bytes: Uint8Array | string): string {
  const path = test.info().outputPath(name);
  writeFileSync(path, bytes);
  return path;
}

/// The summary of the last import or merge (a status with a heading).
export function summary(page: Page) {
  return page.getByRole("status").filter({ has: page.getByRole("heading", { level: 2 }) });
}

/// Adds a finding with `title`, waits until it is stored, goes back to the
/// register and returns the finding's reference.
export async function newFinding(page: Page, title: string): Promise<string> {
  await page.getByRole("button", { name: "New finding" }).click();
  const heading = page.getByRole("heading", { level: 2, name: /^NC-\d{4}-[A-Z]+-\d{3}/ });
  await expect(heading).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Statement", { exact: true }).focus();
  await expect(heading).toContainText(title);
  await saved(page);
  const reference = ((await heading.textContent()) ?? "").split(" ")[0];
  await page.getByRole("link", { name: "Back to register" }).click();
  return reference;
}

/// On an open finding: adds a corrective action and waits until it is stored.
export async function addAction(page: Page, description: string) {
  await page.getByRole("button", { name: "Add corrective action" }).click();
  const actions = page.getByRole("group", { name: /^Action \d+$/ });
  const last = actions.last();
  await last.getByLabel("Description").fill(description);
  await last.getByLabel("Owner").fill("Head of IT");
  await last.getByLabel("Owner").blur();
  await saved(page);
}

/// The findings table's row of a reference.
export function row(page: Page, reference: string) {
  return page
    .getByRole("table", { name: "Findings" })
    .getByRole("row")
    .filter({ has: page.getByRole("link", { name: reference, exact: true }) });
}

/// Opens a finding from its row in the register.
export async function openFinding(page: Page, reference: string) {
  await row(page, reference).getByRole("link", { name: reference, exact: true }).click();
  await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${reference}`) })).toBeVisible();
}

/// The register table shows exactly `n` findings (no filter is set).
export async function expectCount(page: Page, n: number) {
  await expect(page.getByText(`Showing ${n} of ${n} findings`, { exact: true })).toBeVisible();
}

/// The id of the open register, from the page's URL.
export function registerId(page: Page): string {
  const m = page.url().match(/#\/r\/([^/]+)/);
  if (!m) throw new Error(`no register in ${page.url()}`);
  return m[1];
}

/// Writes `bytes` into the app's IndexedDB under `key`, as another tab (or
/// an older version of the app) saving a chunk would.
export async function storeChunk(page: Page, key: string[], bytes: Uint8Array) {
  await page.evaluate(
    async ({ key, b64 }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const db = await new Promise<IDBDatabase>((ok, fail) => {
        const req = indexedDB.open("nc-register");
        req.onsuccess = () => ok(req.result);
        req.onerror = () => fail(req.error);
      });
      await new Promise<void>((ok, fail) => {
        const tx = db.transaction("chunks", "readwrite");
        tx.objectStore("chunks").put(raw, key);
        tx.oncomplete = () => ok();
        tx.onerror = () => fail(tx.error);
        tx.onabort = () => fail(tx.error);
      });
      db.close();
    },
    { key, b64: Buffer.from(bytes).toString("base64") },
  );
}

export async function storedKeys(page: Page): Promise<string[][]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open("nc-register");
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const keys = await new Promise<IDBValidKey[]>((ok, fail) => {
      const req = db.transaction("chunks").objectStore("chunks").getAllKeys();
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    db.close();
    return keys as string[][];
  });
}

/// An auditor in a browser profile of their own (a new context), on the
/// first screen with their profile set; `w` watches the page's requests.
export async function auditor(browser: Browser, name: string, initials: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page, name, initials);
  return { context, page, w };
}

/// On the register screen: "Export encrypted…", with a passphrase (typed
/// twice) or to the keys named (every other box unticked); downloads the
/// file (saved as `as`) and returns its path and suggested name.
export async function exportSealed(page: Page, how: { passphrase: string } | { keys: string[] }, as: string) {
  await page.getByRole("button", { name: "Export", exact: true }).focus();
  await saved(page);
  const toggle = page.getByRole("button", { name: "Export encrypted…" });
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  const form = page.getByRole("region", { name: "Export an encrypted register file" });
  if ("passphrase" in how) {
    await form.getByLabel("A passphrase").check();
    await form.getByLabel("Passphrase", { exact: true }).fill(how.passphrase);
    await form.getByLabel("Repeat the passphrase").fill(how.passphrase);
  } else {
    await form.getByLabel("People's keys").check();
    for (const box of await form.getByRole("checkbox").all()) await box.uncheck();
    for (const name of how.keys) await form.getByLabel(name, { exact: true }).check();
  }
  const file = await download(page, "Encrypt and export", as);
  return { ...file, form };
}

/// The entries of a zip (an `.xlsx`, a bundle), by name, inflated: read
/// from its central directory, as any zip reader does, so a test can look
/// inside a workbook without a spreadsheet library.
export function unzipEntries(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end, "a zip's end of central directory").toBeGreaterThanOrEqual(0);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at), "a central directory entry").toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}
