import { createRegister, expect, expectClean, openDemo, saved, setProfile, test, watch } from "./fixtures";
import { download, expectCount, importFile, openFinding, row, summary } from "./journeys";

// Registers as auditors already keep them, imported through the mapping
// screen: statuses, actions and dates arrive with the findings, through
// choices the person can see and change. The files are in
// e2e/fixtures/import/ (the same files the core's tests read).

const FIXTURES = "e2e/fixtures/import";

function mapping(page: import("@playwright/test").Page, file: string) {
  return page.getByRole("region", { name: `Import findings from ${file}` });
}

test("a CAPA register keeps its statuses, actions, reviews and closures; an unknown status waits for a choice", async ({
  page,
}) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await importFile(page, `${FIXTURES}/capa-register.csv`);
  const m = mapping(page, "capa-register.csv");
  await expect(m.getByLabel("Status", { exact: true })).toHaveValue("status");
  await expect(m.getByLabel("Corrective action", { exact: true })).toHaveValue("actions");
  await expect(m.getByLabel("Date closed", { exact: true })).toHaveValue("closed_on");
  // The statuses table: each word and what it becomes.
  const statuses = m.getByRole("table", { name: "What each status in the file becomes" });
  await expect(statuses.getByLabel("Pending verification")).toHaveValue("verifying");
  await expect(statuses.getByLabel("On hold")).toHaveValue("");
  await expect(m).toContainText("1 row will be skipped");
  await expect(m).toContainText("\u201cOn hold\u201d is not matched to a status");
  // The preview shows the first findings as they will be recorded.
  const preview = m.getByRole("table", { name: "The first findings as they will be recorded" });
  await expect(preview.getByRole("row").filter({ hasText: "CAPA-001" })).toContainText("Closed");
  await statuses.getByLabel("On hold").selectOption({ label: "In progress" });
  await m.getByRole("button", { name: "Import 5 findings" }).click();
  await expect(summary(page)).toContainText("5 findings imported");
  await expect(summary(page)).toContainText("each finding's history says it was imported from capa-register.csv");
  await expectCount(page, 5);
  await expect(row(page, "CAPA-001")).toContainText("Closed");
  await expect(row(page, "CAPA-003")).toContainText("Verifying");
  await expect(row(page, "CAPA-005")).toContainText("In progress");
  await saved(page);
  await openFinding(page, "CAPA-001");
  await expect(page.getByText("Closed on 2025-06-25 by Jane Doe.")).toBeVisible();
  const actions = page.getByRole("group", { name: /^Action \d+$/ });
  await expect(actions).toHaveCount(2);
  await expect(actions.first().getByLabel("Owner")).toHaveValue("IT Ops");
  const history = page.getByRole("region", { name: "History" });
  await history.getByRole("button", { name: "Show history" }).click();
  await expect(history.getByRole("table")).toContainText(
    "Imported from capa-register.csv, with the status, actions and dates that file recorded",
  );
  expectClean(w);
});

test("a German register (semicolons, byte-order mark, umlauts, day-first dates) imports as written", async ({
  page,
}) => {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await importFile(page, `${FIXTURES}/massnahmen-de.csv`);
  const m = mapping(page, "massnahmen-de.csv");
  await expect(m.getByLabel("Maßnahme", { exact: true })).toHaveValue("actions");
  await expect(m.getByLabel("Fällig", { exact: true })).toHaveValue("action_due");
  const statuses = m.getByRole("table", { name: "What each status in the file becomes" });
  await expect(statuses.getByLabel("Abgeschlossen")).toHaveValue("closed");
  await expect(statuses.getByLabel("In Bearbeitung")).toHaveValue("in_progress");
  await expect(m.getByRole("region", { name: "Dates" })).toContainText("03.02.2025 \u2192 2025-02-03");
  await m.getByRole("button", { name: "Import 4 findings" }).click();
  await expect(summary(page)).toContainText("4 findings imported");
  await expect(row(page, "AB-01")).toContainText("Closed");
  await expect(row(page, "AB-01")).toContainText("Zugriffsrechte nicht geprüft");
  await expect(row(page, "AB-02")).toContainText("In progress");
  await openFinding(page, "AB-02");
  await expect(page.getByRole("group", { name: /^Action \d+$/ })).toHaveCount(2);
  await expect(page.getByRole("group", { name: /^Action \d+$/ }).first().getByLabel("Owner")).toHaveValue("Änne Groß");
});

test("a Latin-1 register with month-first dates is read as the person chooses", async ({ page }) => {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await importFile(page, `${FIXTURES}/latin1-register.csv`);
  const m = mapping(page, "latin1-register.csv");
  const dates = m.getByRole("region", { name: "Dates" });
  // Every date could be either: the guess is day first, shown as read.
  await expect(dates).toContainText("03/04/2025 \u2192 2025-04-03");
  await dates.getByLabel("Read Date found as").selectOption({ label: "Month first (12/31/2026)" });
  await expect(dates).toContainText("03/04/2025 \u2192 2025-03-04");
  await dates.getByLabel("Read Close by as").selectOption({ label: "Month first (12/31/2026)" });
  await m.getByRole("button", { name: "Import 2 findings" }).click();
  await expect(summary(page)).toContainText("2 findings imported");
  await expect(row(page, "US-1")).toContainText("Café badge reader left open");
  await openFinding(page, "US-1");
  await expect(page.getByLabel("Detected on", { exact: true })).toHaveValue("2025-03-04");
  await expect(page.getByLabel("Owner", { exact: true })).toHaveValue("José Núñez");
});

test("a CISO Assistant findings workbook is recognised and imported, the reader loaded only then", async ({
  page,
}) => {
  const w = await watch(page);
  const fetched: string[] = [];
  page.on("request", (r) => fetched.push(r.url()));
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  expect(fetched.some((u) => u.includes("nc-sheet-reader"))).toBe(false);
  await importFile(page, `${FIXTURES}/ciso-assistant-findings.xlsx`);
  const m = mapping(page, "ciso-assistant-findings.xlsx");
  await expect(m).toContainText("Recognised as a CISO Assistant findings export");
  await expect(m.getByLabel("applied_controls", { exact: true })).toHaveValue("actions");
  await expect(m.getByLabel("due_date", { exact: true })).toHaveValue("close_due");
  await m.getByRole("button", { name: "Import 3 findings" }).click();
  await expect(summary(page)).toContainText("3 findings imported");
  expect(fetched.some((u) => u.includes("nc-sheet-reader_bg.wasm"))).toBe(true);
  await expect(row(page, "F-01")).toContainText("Major");
  await expect(row(page, "F-01")).toContainText("In progress");
  await expect(row(page, "F-02")).toContainText("Closed");
  await expect(row(page, "F-03")).toContainText("Observation");
  await openFinding(page, "F-01");
  await expect(page.getByLabel("Detected on", { exact: true })).toHaveValue("2025-05-01");
  const actions = page.getByRole("group", { name: /^Action \d+$/ });
  await expect(actions).toHaveCount(2);
  expectClean(w);
});

test("this app's own workbook export imports into a new register with every finding and status", async ({
  page,
}) => {
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const shown = (await page.locator("table tbody tr").getByRole("link").allTextContents()).map((t) => t.trim());
  const statusOf = async (reference: string) => (await row(page, reference).textContent()) ?? "";
  const before = new Map<string, string>();
  for (const r of shown) before.set(r, await statusOf(r));
  const xlsx = await download(page, "Export to Excel (XLSX)");
  await page.getByRole("link", { name: "NC Register" }).click();
  await createRegister(page, "Copy via Excel");
  await importFile(page, xlsx.path);
  const m = mapping(page, xlsx.name);
  await expect(m).toContainText("Recognised as an NC Register export");
  // The workbook's two sheets are offered; the findings sheet first.
  await expect(m.getByLabel("Sheet")).toContainText("Findings");
  await m.getByRole("button", { name: `Import ${shown.length} findings` }).click();
  await expect(summary(page)).toContainText(`${shown.length} findings imported`);
  await expectCount(page, shown.length);
  for (const r of shown) expect(await statusOf(r)).toBe(before.get(r));
});

test("a large file is read in slices with progress, and can be stopped", async ({ page }) => {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const lines = ["Ref,Date raised,Finding,Severity,Status"];
  for (let i = 0; i < 20000; i++) lines.push(`R-${i},2025-03-01,Finding ${i},Minor,Open`);
  const path = test.info().outputPath("big.csv");
  (await import("node:fs")).writeFileSync(path, lines.join("\n"));
  await importFile(page, path);
  const m = mapping(page, "big.csv");
  await expect(m).toContainText("the rest are checked when importing");
  await expect(m).toContainText("This file has 20000 rows");
  await m.getByRole("button", { name: "Import up to 20000 findings" }).click();
  // Reading takes a few slices of milliseconds each, so the progress the
  // test sees first may already be the writing's; either can be stopped.
  await expect(m.getByRole("status")).toContainText(/Read \d+ of 20000 rows|Writing \d+ of 20000 findings/);
  await m.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText("Import stopped. Nothing was imported.")).toBeVisible();
  await expectCount(page, 0);
});
