import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "@playwright/test";
import { createRegister, expect, expectClean, openDemo, setProfile, test, toFindings, watch } from "./fixtures";
import { download, exportRegister, exportSealed, newFinding, writeFile } from "./journeys";

// Issue 17: a report anyone can check against the register. The printable
// report prints the register's state fingerprint; "Check a report" takes a
// register file and that fingerprint and says whether the file holds
// exactly that state, a later one (and what changed), or neither. The file
// is only read, in the file-check worker: nothing is opened or stored.

const SAME = "This file holds exactly the state the report was printed from.";
const LATER = "This file holds a later state of the same register.";
const DIFFERENT = "This file does not hold the state the report was printed from";

/// From the register's table: the fingerprint the report prints, then back.
async function printedFingerprint(page: Page): Promise<string> {
  await page.getByRole("link", { name: "Printable report" }).click();
  const region = page.getByRole("region", { name: "State fingerprint" });
  const code = region.getByText(/^NCR1 /);
  await expect(code).toHaveText(/^NCR1 [0-9a-f]{12}(\+[0-9a-f]{12})* \/ [0-9a-f]{12}$/);
  await expect(region).toContainText("Check a report");
  const fingerprint = (await code.textContent()) ?? "";
  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.getByText(/^Showing \d+ of \d+ findings$/)).toBeVisible();
  return fingerprint;
}

/// From any screen: home, then "Check a report".
async function toCheck(page: Page) {
  await page.getByRole("link", { name: "NC Register", exact: true }).click();
  await page.getByRole("link", { name: "Check a report", exact: true }).click();
  const heading = page.getByRole("heading", { level: 2, name: "Check a report" });
  await expect(heading).toBeFocused();
  await expect(page).toHaveTitle(/^Check a report — NC Register$/);
}

/// On the check screen: checks `file` against `fingerprint`; returns the
/// answer's region.
async function check(page: Page, file: string, fingerprint: string) {
  await page.getByLabel("Register file", { exact: true }).setInputFiles(file);
  await page.getByLabel("Fingerprint from the report").fill(fingerprint);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  const answer = page.getByRole("status", { name: "Check result" });
  await expect(answer).not.toHaveText(/^$|Checking/);
  return answer;
}

/// Back to a register of this browser, on its table.
async function toRegister(page: Page, name: RegExp) {
  await page.getByRole("link", { name: "NC Register", exact: true }).click();
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
  await toFindings(page);
}

test("the report's fingerprint is confirmed for its file, later after an edit, refused for another register", async ({
  browser,
  page,
}) => {
  test.setTimeout(120_000);
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);

  const printed = await printedFingerprint(page);
  const first = await exportRegister(page, "demo-printed.ncr");
  // The JSON export of the same state carries the same fingerprint.
  const json = JSON.parse(readFileSync((await download(page, "Export to JSON")).path, "utf8"));
  expect(json.fingerprint).toBe(printed);

  // The file exported with the report's state holds exactly that state.
  await toCheck(page);
  await expect(await check(page, first, printed)).toHaveText(SAME);

  // Typed back from paper: capitals and other spacing are fine.
  const typed = printed.toUpperCase().replace(" / ", "\n").replace(/(.{4})/g, "$1 ");
  await expect(await check(page, first, typed)).toHaveText(SAME);

  // A mistyped fingerprint is said as such, before any file is read.
  await expect(await check(page, first, printed.slice(0, -1))).toContainText("This fingerprint is mistyped");

  // One edit later: a later state, naming the finding.
  await toRegister(page, /Northwind/);
  const link = page.getByRole("table", { name: "Findings" }).getByRole("link").first();
  const reference = ((await link.textContent()) ?? "").trim();
  await link.click();
  await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${reference}`) })).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill("Retitled after the report was printed");
  await page.getByLabel("Statement", { exact: true }).focus();
  await page.getByRole("link", { name: "Back to register" }).click();
  const second = await exportRegister(page, "demo-later.ncr");
  expect(await printedFingerprint(page)).not.toBe(printed);

  await toCheck(page);
  const later = await check(page, second, printed);
  await expect(later).toContainText(`${LATER} Since the report: 1 finding changed.`);
  const changed = later.getByRole("region", { name: "Changed since the report" });
  await expect(changed.getByRole("listitem")).toHaveText([`${reference} Retitled after the report was printed`]);

  // A file that crashes the reader is refused; the page goes on.
  const crash = join(test.info().project.testDir, "fixtures", "crash-loader.ncr");
  await expect(await check(page, crash, printed)).toHaveText(
    "This file could not be read safely: it made the reader fail. Nothing was changed.",
  );

  // Another register's file (made by someone else, in another browser).
  const other = await browser.newContext();
  const sam = await other.newPage();
  await sam.goto("./");
  await setProfile(sam, "Sam Roe", "SR");
  await createRegister(sam, "Other ISMS");
  await newFinding(sam, "Visitor log missing");
  const foreign = await exportRegister(sam, "other.ncr");
  await other.close();

  await expect(await check(page, foreign, printed)).toHaveText(
    `${DIFFERENT}: it is another register or an earlier copy of it, or the report's fingerprint was mistyped.`,
  );
  // The earlier file against the later state's report is refused too.
  const now = await (async () => {
    await toRegister(page, /Northwind/);
    return printedFingerprint(page);
  })();
  await toCheck(page);
  await expect(await check(page, first, now)).toContainText(DIFFERENT);

  // Checking opened and stored nothing: this browser holds the demo only.
  await page.getByRole("link", { name: "NC Register", exact: true }).click();
  const registers = page.getByRole("list").filter({ has: page.getByRole("link", { name: /Northwind/ }) });
  await expect(registers.getByRole("listitem")).toHaveCount(1);
  expect(w.foreign, "requests to other origins").toEqual([]);
  expect(w.failed, "failed requests").toEqual([]);
  // What the worker printed on the crashing file is its own panic.
  expect(w.errors.filter((e) => !/panicked|unreachable/i.test(e)), "console errors").toEqual([]);
});

test("a file dropped on the check screen is not imported", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await page.getByRole("link", { name: "Check a report", exact: true }).click();
  const heading = page.getByRole("heading", { level: 2, name: "Check a report" });
  await expect(heading).toBeVisible();
  // A drop anywhere but the file input does nothing here (elsewhere it
  // imports: these bytes would be refused with an alert).
  const drop = await page.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array([1, 2, 3])], "dropped.ncr"));
    return data;
  });
  await heading.dispatchEvent("drop", { dataTransfer: drop });
  // The same bytes through the check: read by the worker too, after the
  // import would have been, and refused in the answer, not in an alert.
  const answer = await check(page, writeFile("dropped.ncr", new Uint8Array([1, 2, 3])), "NCR1 0123456789ab / 0123456789ab");
  await expect(answer).toContainText("is not an NC Register file");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await expect(heading).toBeVisible();
  await page.getByRole("link", { name: "NC Register", exact: true }).click();
  await expect(page.getByRole("heading", { level: 2, name: "No register yet" })).toBeVisible();
  expectClean(w);
});

test("an encrypted register file is checked too, once its passphrase is typed", async ({ page }) => {
  test.setTimeout(120_000);
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await newFinding(page, "Clean desk policy not followed");
  const printed = await printedFingerprint(page);

  const passphrase = "seven lamps on the quay";
  const sealed = (await exportSealed(page, { passphrase }, "printed.ncr.age")).path;

  await toCheck(page);
  await expect(await check(page, sealed, printed)).toHaveText(
    "This file is encrypted with a passphrase: type it above and check again.",
  );
  await page.getByLabel("Passphrase of the encrypted file").fill("seven lamps on the pier");
  await page.getByRole("button", { name: "Check", exact: true }).click();
  const answer = page.getByRole("status", { name: "Check result" });
  await expect(answer).toHaveText("That passphrase does not open this file. Nothing was changed.");
  await page.getByLabel("Passphrase of the encrypted file").fill(passphrase);
  await page.getByRole("button", { name: "Check", exact: true }).click();
  await expect(answer).toHaveText(SAME);
  expectClean(w);
});
