import { readFileSync } from "node:fs";
import * as A from "@automerge/automerge";
import type { Page } from "@playwright/test";
import { createRegister, expect, expectClean, openDemo, saved, setProfile, test, watch } from "./fixtures";
import {
  addAction,
  auditor,
  download,
  exportRegister as exportAs,
  importFile,
  newFinding,
  openFinding,
  registerId,
  row,
  summary,
  writeFile,
} from "./journeys";

// Issue 6: exchange between auditors. Register files go out with "Export"
// (a Playwright download) and come in through the "Import" file input or a
// drop onto the page; every refused file leaves the register as it was.
// Files are also read in Node with the official Automerge JS library, which
// proves they are plain Automerge documents.

const FILE = /^[a-z0-9-]+--[a-z0-9-]+--\d{4}-\d{2}-\d{2}-\d{4}\.ncr$/;

/// Every register export here also checks the file's name.
function exportRegister(page: Page, as?: string) {
  return exportAs(page, as, { name: FILE });
}

/// Automerge JS returns scalar strings as ImmutableString objects.
function text(v: unknown): string {
  return v === undefined || v === null ? "" : String(v);
}

type Plain = Record<string, unknown>;

/// The register as plain data, read with the official JS library.
function readRegister(path: string) {
  const doc = A.load<Plain>(new Uint8Array(readFileSync(path)));
  const findings = (doc.findings ?? {}) as Record<string, Plain>;
  return { doc, findings, heads: A.getHeads(doc).sort() };
}

function plain(value: unknown): unknown {
  if (value instanceof A.ImmutableString) return value.toString();
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Plain).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

test("two auditors apart end with the same register, conflict shown then resolved everywhere", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const bob = await auditor(browser, "Bob Ray", "BR");
  const a = ann.page;
  const b = bob.page;

  // Ann starts the register with one finding and hands the file to Bob.
  await createRegister(a);
  const shared = await newFinding(a, "Access reviews not performed");
  const first = await exportRegister(a, "ann-0.ncr");
  const id = registerId(a);

  // Bob already has a scratch register; the file is another register, so
  // he is asked, and opens it as that register (same id, not a copy).
  await createRegister(b, "Bob scratch");
  await importFile(b, first);
  await expect(b.getByRole("alertdialog", { name: "This file holds a different register" })).toBeVisible();
  await b.getByRole("button", { name: "Open as a separate register" }).click();
  await expect(b.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  expect(registerId(b)).toBe(id);
  await expect(row(b, shared)).toBeVisible();

  // Apart: both edit the same title differently, each adds an action to
  // the shared finding and a finding of their own.
  await openFinding(a, shared);
  await a.getByLabel("Title", { exact: true }).fill("Access reviews overdue since March");
  await addAction(a, "Ann: assign a review owner");
  await a.getByRole("link", { name: "Back to register" }).click();
  const annOwn = await newFinding(a, "Ann: visitor log missing");

  await openFinding(b, shared);
  await b.getByLabel("Title", { exact: true }).fill("User access never reviewed");
  await addAction(b, "Bob: disable leavers");
  await b.getByRole("link", { name: "Back to register" }).click();
  const bobOwn = await newFinding(b, "Bob: backups untested");
  expect(annOwn).toMatch(/^NC-\d{4}-AL-002$/);
  expect(bobOwn).toMatch(/^NC-\d{4}-BR-001$/);

  // They exchange files in both directions.
  const fromAnn = await exportRegister(a, "ann-1.ncr");
  const fromBob = await exportRegister(b, "bob-1.ncr");
  await importFile(b, fromAnn);
  await expect(summary(b)).toContainText("Findings added: 1");
  await expect(summary(b)).toContainText("Findings changed: 1");
  await expect(summary(b)).toContainText("Fields in conflict: 1");
  await expect(summary(b)).toContainText("Duplicate references: none");
  await importFile(a, fromBob);
  await expect(summary(a)).toContainText("Findings added: 1");
  await expect(summary(a)).toContainText("Fields in conflict: 1");

  for (const page of [a, b]) {
    await expect(page.getByText("Showing 3 of 3 findings")).toBeVisible();
    for (const ref of [shared, annOwn, bobOwn]) await expect(row(page, ref)).toBeVisible();
    await expect(row(page, shared).getByText("Conflict")).toBeVisible();
  }

  // Both copies are the same document: same history, findings and actions.
  const annCopy = readRegister(await exportRegister(a, "ann-2.ncr"));
  const bobCopy = readRegister(await exportRegister(b, "bob-2.ncr"));
  expect(annCopy.heads).toEqual(bobCopy.heads);
  expect(plain(annCopy.findings)).toEqual(plain(bobCopy.findings));
  expect(Object.keys(annCopy.findings)).toHaveLength(3);
  const sharedDoc = Object.values(annCopy.findings).find((f) => text(f.reference) === shared)!;
  const actions = Object.values(sharedDoc.actions as Record<string, Plain>).map((x) => text(x.description));
  expect(actions.sort()).toEqual(["Ann: assign a review owner", "Bob: disable leavers"]);

  // The conflict is shown on both, with every value and who wrote it.
  for (const page of [a, b]) {
    await openFinding(page, shared);
    const field = page.getByRole("group", { name: "Title", exact: true });
    await expect(field).toContainText("Access reviews overdue since March");
    await expect(field).toContainText("written by Ann Lee");
    await expect(field).toContainText("User access never reviewed");
    await expect(field).toContainText("written by Bob Ray");
    await expect(field.getByRole("button", { name: /^Keep / })).toHaveCount(2);
  }

  // Ann settles it on Bob's wording; after one more exchange it is gone on both.
  await a.getByRole("button", { name: "Keep \u201cUser access never reviewed\u201d" }).click();
  await expect(a.getByRole("heading", { name: "Conflicting values" })).toHaveCount(0);
  await expect(a.getByLabel("Title", { exact: true })).toHaveValue("User access never reviewed");
  await a.getByRole("link", { name: "Back to register" }).click();
  const settled = await exportRegister(a, "ann-3.ncr");
  await b.getByRole("link", { name: "Back to register" }).click();
  await importFile(b, settled);
  await expect(summary(b)).toContainText("Findings changed: 1");
  await expect(summary(b)).toContainText("Fields in conflict: 0");
  for (const page of [a, b]) {
    await expect(row(page, shared)).toContainText("User access never reviewed");
    await expect(row(page, shared).getByText("Conflict")).toHaveCount(0);
  }
  await openFinding(b, shared);
  await expect(b.getByRole("heading", { name: "Conflicting values" })).toHaveCount(0);
  await expect(b.getByLabel("Title", { exact: true })).toHaveValue("User access never reviewed");

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});

test("a register file opens from the first screen and by dropping it on the page", async ({ browser }) => {
  const ann = await auditor(browser, "Ann Lee", "AL");
  await createRegister(ann.page);
  const reference = await newFinding(ann.page, "Clean desk not enforced");
  const path = await exportRegister(ann.page);
  const id = registerId(ann.page);

  // A colleague with no register yet opens the file from the first screen.
  const bob = await auditor(browser, "Bob Ray", "BR");
  await bob.page.getByLabel("Open a register file").setInputFiles(path);
  await expect(bob.page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  expect(registerId(bob.page)).toBe(id);
  await expect(row(bob.page, reference)).toBeVisible();
  await saved(bob.page);
  await bob.page.reload();
  await expect(row(bob.page, reference)).toBeVisible();

  // Another drops it onto the page.
  const cy = await auditor(browser, "Cy Ode", "CO");
  const bytes = readFileSync(path).toString("base64");
  const data = await cy.page.evaluateHandle(
    ({ b64, name }) => {
      const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([raw], name));
      return dt;
    },
    { b64: bytes, name: "from-ann.ncr" },
  );
  await cy.page.dispatchEvent("main", "dragover", { dataTransfer: data });
  await cy.page.dispatchEvent("main", "drop", { dataTransfer: data });
  await expect(cy.page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  expect(registerId(cy.page)).toBe(id);
  await expect(row(cy.page, reference)).toBeVisible();

  for (const who of [ann, bob, cy]) {
    expectClean(who.w);
    await who.context.close();
  }
});

/// A register with one finding, and its export.
async function registerWithFinding(page: Page) {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const reference = await newFinding(page, "Access reviews not performed");
  const path = await exportRegister(page, "acme.ncr");
  return { reference, path };
}

/// The register is as it was: same name, same one finding, no summary, and
/// the same after a reload (nothing was stored either).
async function expectUnchanged(page: Page, reference: string) {
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
  await expect(row(page, reference)).toBeVisible();
  await expect(summary(page)).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
  await page.getByRole("link", { name: "NC Register" }).click();
  await expect(page.getByRole("list").filter({ hasText: "ACME ISMS 2026" }).getByRole("listitem")).toHaveCount(1);
  await page.goBack();
  await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
}

test("a damaged file is refused and nothing changes", async ({ page }) => {
  const w = await watch(page);
  const { reference, path } = await registerWithFinding(page);
  const bytes = readFileSync(path);
  await importFile(page, writeFile("damaged.ncr", bytes.subarray(0, Math.floor(bytes.length / 2))));
  await expect(page.getByRole("alert")).toContainText("This file is damaged or is not an NC Register file");
  await expect(page.getByRole("alert")).toContainText("Nothing was changed.");
  await expectUnchanged(page, reference);
  expectClean(w);
});

test("files that are not registers are refused and nothing changes", async ({ page }) => {
  const { reference } = await registerWithFinding(page);
  await importFile(page, writeFile("notes.txt", "Meeting notes: access reviews are late.\n"));
  await expect(page.getByRole("alert")).toContainText("is not an NC Register file");
  // An Automerge document, but not one of ours.
  const other = A.from<Plain>({ findings: { x: { title: "Not ours" } }, schema: 1 });
  await importFile(page, writeFile("plain.automerge", A.save(other)));
  await expect(page.getByRole("alert")).toContainText(
    "This file is not an NC Register register. Nothing was changed.",
  );
  await expectUnchanged(page, reference);
});

test("a register written by a newer version is refused and nothing changes", async ({ page }) => {
  const { reference, path } = await registerWithFinding(page);
  const newer = A.change(A.load<Plain>(new Uint8Array(readFileSync(path))), (d) => {
    d.schema = 2;
  });
  await importFile(page, writeFile("newer.ncr", A.save(newer)));
  await expect(page.getByRole("alert")).toContainText("written by a newer version of NC Register (format 2");
  await expectUnchanged(page, reference);
});

test("another register's file is never merged silently", async ({ page }) => {
  const w = await watch(page);
  const { reference, path } = await registerWithFinding(page);
  // A second register in the same browser receives the first one's file.
  await page.getByRole("link", { name: "NC Register" }).click();
  await createRegister(page, "Other register");
  await importFile(page, path);
  const choice = page.getByRole("alertdialog", { name: "This file holds a different register" });
  await expect(choice).toContainText("\u201cACME ISMS 2026\u201d (1 finding)");
  await expect(choice).toContainText("It has not been merged.");
  await expect(page.getByRole("button", { name: "Open as a separate register" })).toBeFocused();

  // Dismissed: nothing changes.
  await choice.getByRole("button", { name: "Cancel" }).click();
  await expect(choice).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 2, name: "Other register", exact: true })).toBeVisible();
  await expect(page.getByText("Showing 0 of 0 findings")).toBeVisible();

  // Copied: the findings come in with new ids, recording their origin.
  await importFile(page, path);
  await choice.getByRole("button", { name: "Copy its findings into this register" }).click();
  await expect(summary(page)).toContainText("1 finding copied into this register");
  await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
  await expect(row(page, reference)).toBeVisible();

  // Opened separately: this browser already holds that register, so the
  // file is merged into the stored copy (nothing stored is replaced).
  await importFile(page, path);
  await choice.getByRole("button", { name: "Open as a separate register" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expect(summary(page)).toContainText("already had every change");
  await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
  expectClean(w);
});

test("an export is read by the official Automerge JS library", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const links = page.locator("table tbody tr").getByRole("link");
  const shown = (await links.allTextContents()).map((t) => t.trim());
  const path = await exportRegister(page);
  const { doc, findings } = readRegister(path);
  expect(text((doc.register as Plain).name)).toBe("Demo: Northwind Logistics ISMS");
  const live = Object.entries(findings).filter(([, f]) => !f.deleted);
  expect(live.map(([, f]) => text(f.reference)).sort()).toEqual([...shown].sort());
  // Each finding is keyed by its id, and its fields read as plain values.
  const [fid, first] = live[0];
  expect(text(first.id)).toBe(fid);
  expect(text(first.title).length).toBeGreaterThan(0);
  await page.goto(`./#/r/${registerId(page)}/f/${fid}`);
  await expect(page.getByLabel("Title", { exact: true })).toHaveValue(text(first.title));
  expectClean(w);
});

test("findings are imported from a CSV through a column mapping", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await importFile(page, "crates/core/tests/fixtures/legacy-register.csv");
  const mapping = page.getByRole("region", { name: "Import findings from legacy-register.csv" });
  await expect(mapping).toBeVisible();
  await expect(mapping.getByLabel("NC No.", { exact: true })).toHaveValue("reference");
  await expect(mapping.getByLabel("Category", { exact: true })).toHaveValue("grade");
  await expect(mapping.getByLabel("Status", { exact: true })).toHaveValue("status");
  await expect(mapping).toContainText("2 rows will be skipped");
  await expect(mapping).toContainText("Line 8: Date raised:");
  await expect(mapping).toContainText("Line 9: Category: \u201cSevere\u201d is not a grade");
  // Unmapping the grade lets the "Severe" row through.
  await mapping.getByLabel("Category", { exact: true }).selectOption("");
  await expect(mapping.getByRole("button", { name: "Import 8 findings" })).toBeVisible();
  await mapping.getByLabel("Category", { exact: true }).selectOption({ label: "Grade" });
  await mapping.getByRole("button", { name: "Import 7 findings" }).click();
  await expect(summary(page)).toContainText("7 findings imported");
  await expect(page.getByText("Showing 7 of 7 findings")).toBeVisible();
  await expect(row(page, "IA-2026-01")).toBeVisible();
  await expect(row(page, "IA-2026-01")).toContainText("Major");
  await expect(row(page, "IA-2026-01")).toContainText("A.5.18");
  await saved(page);
  expectClean(w);
});

test("spreadsheet exports download as XLSX and CSV", async ({ page }) => {
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const xlsx = await download(page, "Export to Excel (XLSX)");
  expect(xlsx.name).toMatch(/^demo-northwind-logistics-isms--jane-doe--\d{4}-\d{2}-\d{2}-\d{4}\.xlsx$/);
  expect(readFileSync(xlsx.path).subarray(0, 2).toString()).toBe("PK");
  const csv = await download(page, "Export to CSV");
  expect(csv.name).toMatch(/\.csv$/);
  const bytes = readFileSync(csv.path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.subarray(3).toString("utf8")).toMatch(/^Reference,Title,Grade,Status,Requirements,/);
});

test("the JSON export holds every live finding in the documented format", async ({ page }) => {
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const links = page.locator("table tbody tr").getByRole("link");
  const shown = (await links.allTextContents()).map((t) => t.trim());
  const file = await download(page, "Export to JSON");
  expect(file.name).toMatch(/^demo-northwind-logistics-isms--jane-doe--\d{4}-\d{2}-\d{2}-\d{4}\.json$/);
  const out = JSON.parse(readFileSync(file.path, "utf8"));
  expect(out.format).toBe("nc-register-export");
  expect(out.version).toBe(1);
  expect(out.exported_by).toBe("Jane Doe");
  expect(out.register.name).toBe("Demo: Northwind Logistics ISMS");
  expect(out.findings.map((f: { reference: string }) => f.reference).sort()).toEqual([...shown].sort());
  // Codes, not labels; ISO dates; the dispute and its outcome.
  const withdrawn = out.findings.find((f: { status: string }) => f.status === "withdrawn");
  expect(withdrawn.source).toBe("stage2");
  expect(withdrawn.dispute.outcome).toBe("withdrawn");
  expect(withdrawn.detected_on).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  const audits = new Set(out.audits.map((a: { id: string }) => a.id));
  for (const f of out.findings) if (f.audit !== null) expect(audits.has(f.audit)).toBe(true);
});

test("the printable report shows the register and prints without controls", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const reference = (await page.locator("table tbody tr").first().getByRole("link").textContent())!.trim();
  await page.getByRole("link", { name: "Printable report" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Demo: Northwind Logistics ISMS" })).toBeVisible();
  await expect(page.getByRole("table", { name: "Findings by grade" })).toContainText("Major");
  await expect(page.getByRole("table", { name: "Findings by status" })).toContainText("Closed");
  await expect(page.getByRole("heading", { level: 4, name: new RegExp(`^${reference}`) })).toBeVisible();
  await expect(page.getByText("Root cause", { exact: true }).first()).toBeVisible();
  await expect(page.getByRole("table", { name: "Corrective actions" }).first()).toBeVisible();
  // Why a finding was rejected, and a certification body's finding disputed
  // and withdrawn, are part of the record handed over.
  const rejected = page.getByRole("region", { name: /Cloud TMS missing from the supplier register$/ });
  await expect(rejected).toContainText("Rejection reason");
  await expect(rejected).toContainText("Unfounded: the TMS is in the supplier register");
  const disputed = page.getByRole("region", { name: /Customer documents left on desks in the Rotterdam office$/ });
  await expect(disputed).toContainText("The desk is the drivers' hand-over counter");
  await expect(disputed).toContainText("Withdrawn by the body: Accepted");
  const print = page.getByRole("button", { name: "Print or save as PDF" });
  await expect(print).toBeVisible();
  await page.emulateMedia({ media: "print" });
  await expect(print).toBeHidden();
  await expect(page.getByRole("banner")).toBeHidden();
  await expect(page.getByRole("link", { name: "Back to register" })).toBeHidden();
  await expect(page.getByRole("heading", { level: 2, name: "Demo: Northwind Logistics ISMS" })).toBeVisible();
  expectClean(w);
});
