import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createRegister, expect, expectClean, openDemo, setProfile, test, watch, type Page } from "./fixtures";

// Issue 14: the printable report as a certification body would hand it
// over: one table of every finding with its running deadlines, then the
// findings several to an A4 page, each with its deadlines, rejection,
// dispute and closure, and every page numbered and footed with the
// register's name. Printed to PDF by Chromium, the PDF's text read back
// with pdftotext (poppler-utils, installed by scripts/install.sh).

const DEMO = "Demo: Northwind Logistics ISMS";

// The demo register's 18 findings on A4 took 16 pages when every finding
// kept to a page of its own; laid out for paper they take 8. The bound
// leaves room for the demo's dates moving with today (a state's wording,
// a clock more or less), and fails long before the old layout.
const OLD_PAGES = 16;
const MAX_PAGES = 10;

/// A4 portrait in PDF points, 595.28 × 841.89 as Chromium rounds it
/// (594.96 × 841.92).
const A4 = /\/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]/;

async function printed(page: Page, name: string): Promise<{ pages: number; text: string; pdf: Buffer }> {
  const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true });
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  // Kept beside the test's trace: the PDF is what a failure is about.
  const file = test.info().outputPath(`${name}.pdf`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, pdf);
  const text = execFileSync("pdftotext", ["-layout", file, "-"], { encoding: "utf8" });
  return { pages, text, pdf };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("the report lists every finding with its deadlines, then each finding's record", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const total = Number((await page.getByText(/^Showing \d+ of \d+ findings$/).textContent())!.split(" ")[3]);
  expect(total).toBeGreaterThan(10);
  await page.getByRole("link", { name: "Printable report" }).click();
  await expect(page.getByRole("heading", { level: 2, name: DEMO })).toBeVisible();

  // One row per finding, right after the counts.
  const overview = page.getByRole("table", { name: /^All findings, deadlines as of \d{4}-\d{2}-\d{2}$/ });
  await expect(overview.getByRole("columnheader")).toHaveText(["Reference", "Title", "Grade", "Status", "Requirement", "Owner", "Due"]);
  const rows = overview.getByRole("row");
  await expect(rows).toHaveCount(total + 1);

  // Each row's deadlines are also in its finding's section, with their
  // state; the demo always holds overdue and on-track clocks.
  const deadlines: string[] = [];
  for (const row of (await rows.all()).slice(1)) {
    const reference = (await row.getByRole("cell").first().textContent())!.trim();
    const section = page.getByRole("region", { name: new RegExp(`^${escapeRegExp(reference)} `) });
    await expect(section).toBeVisible();
    for (const item of await row.getByRole("listitem").allTextContents()) {
      const [, what, when] = item.match(/^(Plan due|Close due|Follow-up|Action due) (\d{4}-\d{2}-\d{2} · .+)$/) ?? [];
      expect(what, `a deadline of ${reference}: ${item}`).toBeTruthy();
      await expect(section).toContainText(`${what} ${when}`);
      deadlines.push(item);
    }
  }
  expect(deadlines.some((d) => / · Overdue by \d+ days?$/.test(d)), "an overdue deadline").toBe(true);
  expect(deadlines.some((d) => / · On track$/.test(d)), "a deadline on track").toBe(true);
  // A finished finding runs no clock; the rejected one is listed as such.
  const rejectedRow = overview.getByRole("row", { name: /Cloud TMS missing from the supplier register/ });
  await expect(rejectedRow.getByRole("cell").nth(3)).toHaveText("Rejected");
  await expect(rejectedRow.getByRole("listitem")).toHaveCount(0);

  // The record: detection date, why it was rejected, the dispute and the
  // body's answer, the closure.
  const rejected = page.getByRole("region", { name: /Cloud TMS missing from the supplier register$/ });
  await expect(rejected).toContainText(/Detected on\s*\d{4}-\d{2}-\d{2}/);
  await expect(rejected).toContainText("Rejection reason");
  await expect(rejected).toContainText("Unfounded: the TMS is in the supplier register");
  const disputed = page.getByRole("region", { name: /Customer documents left on desks in the Rotterdam office$/ });
  await expect(disputed).toContainText("Dispute");
  await expect(disputed).toContainText("Withdrawn by the body: Accepted");
  const closed = page.getByRole("region", { name: /Leavers keep access to the TMS$/ });
  await expect(closed).toContainText(/Closed on\s*\d{4}-\d{2}-\d{2} by \S/);
  await expect(closed).toContainText("Effectiveness review");

  // Empty optional fields take no line: nothing printed as a bare dash.
  const values = await page.locator("article").getByRole("definition").allTextContents();
  expect(values.filter((v) => v.trim() === "—"), "fields printed as a dash").toEqual([]);

  // On a phone the table scrolls in its own box, which the keyboard reaches.
  const box = page.getByRole("group", { name: /^All findings/ });
  await box.focus();
  await expect(box).toBeFocused();
  expectClean(w);
});

test("printed on A4, the report is numbered, footed with the register's name and far shorter", async ({ page }) => {
  test.setTimeout(60_000);
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  await page.getByRole("link", { name: "Printable report" }).click();
  await expect(page.getByRole("heading", { level: 2, name: DEMO })).toBeVisible();

  const { pages, text, pdf } = await printed(page, "demo-report");
  expect(pdf.toString("latin1")).toMatch(A4);
  console.log(`The demo register's report: ${pages} A4 pages (${OLD_PAGES} before issue 14's layout).`);
  expect(pages, `pages (the old layout took ${OLD_PAGES})`).toBeLessThanOrEqual(MAX_PAGES);
  expect(pages).toBeGreaterThan(1);
  for (let n = 1; n <= pages; n++) expect(text, `page ${n}'s number`).toContain(`Page ${n} of ${pages}`);
  const footer = new RegExp(`${escapeRegExp(DEMO)} — nonconformity report of \\d{4}-\\d{2}-\\d{2}`, "g");
  expect(text.match(footer)?.length, "a footer on every page").toBe(pages);
  // The summary table and every finding made it onto paper.
  expect(text).toContain("All findings, deadlines as of");
  expect(text).toMatch(/Rejection reason:?\s+Unfounded: the TMS is in the supplier register/);

  // Leaving the report takes its footer away: other screens print without it.
  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.getByText(/^Showing \d+ of \d+ findings$/)).toBeVisible();
  expect(await page.evaluate(() => document.adoptedStyleSheets.length)).toBe(0);
  expectClean(w);
});

test("a register's name in the footer is printed as written, quotes and all", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  // Characters that would end a CSS string or rule if written unescaped.
  const name = `ACME "Nord\\Süd" ISMS; } @page { x`;
  await createRegister(page, name);
  await page.getByRole("link", { name: "Printable report" }).click();
  await expect(page.getByRole("heading", { level: 2, name })).toBeVisible();
  const { pages, text } = await printed(page, "quoted-name");
  expect(pages).toBe(1);
  expect(text).toContain(`${name} — nonconformity report of`);
  expect(text).toContain("Page 1 of 1");
  expectClean(w);
});
