import { expect, expectClean, createRegister, saved, setProfile, test, watch, type Page } from "./fixtures";

// Issue 14, lifecycle of records: a new finding is a draft until it has a
// title (discarded freely, or on leaving when nothing was typed), deletion
// records a reason and can be undone from the deleted list, audits are
// added, edited and chosen, and the register's details are edited.
// At phone and desktop sizes; controls found by role and label only.

const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1440, height: 900 },
} as const;

async function start(page: Page, viewport: { width: number; height: number }) {
  await page.setViewportSize(viewport);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
}

async function newFinding(page: Page) {
  await page.getByRole("button", { name: "New finding" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-\d{3} \(untitled\)$/ })).toBeVisible();
}

/// From the table to one of the register's record screens.
async function recordLink(page: Page, name: string | RegExp) {
  await page.getByRole("navigation", { name: "Register records" }).getByRole("link", { name }).click();
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test.describe(size, () => {
    test("a new finding is a draft until it has a title", async ({ page }) => {
      const w = await watch(page);
      await start(page, viewport);

      // Discarded on purpose: no trace, and its number is free again.
      await newFinding(page);
      await page.getByRole("button", { name: "Discard this new finding" }).click();
      await expect(page.getByText("The new finding was discarded.")).toBeVisible();
      await expect(page.getByText("Showing 0 of 0 findings")).toBeVisible();

      // Left with nothing typed: discarded on the way out.
      await newFinding(page);
      await expect(page.getByRole("heading", { level: 2, name: /-001 \(untitled\)$/ })).toBeVisible();
      await page.getByRole("link", { name: "Back to register" }).click();
      await expect(page.getByText(/was left empty, so it was discarded/)).toBeVisible();
      await expect(page.getByText("Showing 0 of 0 findings")).toBeVisible();

      // Left with something typed: kept, listed as untitled.
      await newFinding(page);
      await page.getByLabel("Statement", { exact: true }).fill("Visitors are not escorted.");
      // Stored first: the save status line above may wrap differently on a
      // phone mid-click while the text is committed.
      await page.getByLabel("Statement", { exact: true }).blur();
      await saved(page);
      await page.getByRole("link", { name: "Back to register" }).click();
      await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();

      // A titled finding is no draft: nothing to discard.
      await page.getByRole("button", { name: "New finding" }).click();
      await page.getByLabel("Title", { exact: true }).fill("Visitor log incomplete");
      await page.getByLabel("Title", { exact: true }).blur();
      await expect(page.getByRole("heading", { level: 2, name: /Visitor log incomplete/ })).toBeVisible();
      await expect(page.getByRole("button", { name: "Discard this new finding" })).toHaveCount(0);
      await expect(page.getByRole("button", { name: "Delete finding…" })).toBeVisible();
      await saved(page);
      expectClean(w);
    });

    test("a finding is deleted with its reason, listed and restored", async ({ page }) => {
      const w = await watch(page);
      await start(page, viewport);
      await page.getByRole("button", { name: "New finding" }).click();
      await page.getByLabel("Title", { exact: true }).fill("Backups never restored");
      await page.getByLabel("Title", { exact: true }).blur();
      const heading = page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-001 Backups never restored$/ });
      await expect(heading).toBeVisible();

      await page.getByRole("button", { name: "Delete finding…" }).click();
      const reason = page.getByLabel("Reason for deletion");
      await expect(reason).toBeFocused();
      // No reason, no deletion (the browser's own check is bypassed by a blank).
      await reason.fill("   ");
      await page.getByRole("button", { name: "Confirm deletion" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Reason for deletion" })).toContainText("is required");
      await reason.fill("Raised twice during the closing meeting");
      await page.getByRole("button", { name: "Confirm deletion" }).click();
      await expect(page.getByText(/was deleted\. It is listed under Deleted findings/)).toBeVisible();
      await expect(page.getByText("Reason: Raised twice during the closing meeting")).toBeVisible();

      await page.getByRole("link", { name: "Back to register" }).click();
      await expect(page.getByText("Showing 0 of 0 findings")).toBeVisible();
      await recordLink(page, "Deleted findings (1)");
      await expect(page.getByRole("main").getByRole("heading", { level: 2, name: "Deleted findings" })).toBeFocused();
      await expect(page).toHaveTitle(/^Deleted findings — ACME ISMS 2026/);
      const table = page.getByRole("table", { name: "Deleted findings" });
      const row = table.getByRole("row").filter({ hasText: "Backups never restored" });
      await expect(row).toContainText("Raised twice during the closing meeting");
      await expect(row).toContainText("Jane Doe");
      await expect(row.getByRole("cell").nth(3)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

      await row.getByRole("button", { name: /^Restore NC-\d{4}-JD-001$/ }).click();
      await expect(page.getByText("No finding of this register is deleted.")).toBeVisible();
      await page.getByRole("link", { name: "Back to register" }).click();
      await expect(page.getByText("Showing 1 of 1 findings")).toBeVisible();
      await expect(page.getByRole("row").filter({ hasText: "Backups never restored" })).toBeVisible();
      await saved(page);
      expectClean(w);
    });

    test("audits are added, edited and chosen on a finding", async ({ page }) => {
      const w = await watch(page);
      await start(page, viewport);
      await recordLink(page, "Register details and audits");
      await expect(page.getByRole("heading", { level: 2, name: "Register details and audits" })).toBeFocused();
      await expect(page.getByText("No audit yet.")).toBeVisible();

      await page.getByLabel("Audit title").fill("Internal audit Q4");
      await page.getByLabel("Kind of audit").selectOption({ label: "Surveillance audit" });
      await page.getByLabel("Starts on").fill("2026-10-05");
      await page.getByLabel("Ends on").fill("2026-10-01");
      await page.getByLabel("Lead auditor").fill("Jane Doe");
      await page.getByLabel("Audit scope").fill("Head office");
      await page.getByRole("button", { name: "Add audit" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Audit end" })).toContainText("cannot be before its start");
      await page.getByLabel("Ends on").fill("2026-10-07");
      await page.getByRole("button", { name: "Add audit" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Audit “Internal audit Q4” added." })).toBeVisible();
      const list = page.getByRole("list").filter({ hasText: "Internal audit Q4" });
      await expect(list).toContainText("Surveillance audit · 2026-10-05 to 2026-10-07 · lead auditor Jane Doe");

      await page.getByRole("button", { name: "Edit audit Internal audit Q4" }).click();
      await expect(page.getByLabel("Audit title")).toHaveValue("Internal audit Q4");
      await page.getByLabel("Audit title").fill("Internal audit Q4 2026");
      await page.getByRole("button", { name: "Save audit" }).click();
      await expect(page.getByRole("status").filter({ hasText: "saved." })).toBeVisible();
      await expect(page.getByRole("button", { name: "Edit audit Internal audit Q4 2026" })).toBeVisible();

      await page.getByRole("link", { name: "Back to register" }).click();
      await page.getByRole("button", { name: "New finding" }).click();
      await page.getByLabel("Title", { exact: true }).fill("Visitor log incomplete");
      const audit = page.getByLabel("Audit", { exact: true });
      await expect(audit.getByRole("option")).toHaveText(["None", "Internal audit Q4 2026"]);
      await audit.selectOption({ label: "Internal audit Q4 2026" });
      await saved(page);
      await page.reload();
      await expect(page.getByLabel("Audit", { exact: true })).toHaveValue(/.+/);
      await expect(page.getByLabel("Audit", { exact: true }).locator("option:checked")).toHaveText(
        "Internal audit Q4 2026",
      );
      expectClean(w);
    });

    test("the register's details are edited", async ({ page }) => {
      const w = await watch(page);
      await start(page, viewport);
      await recordLink(page, "Register details and audits");
      await expect(page.getByLabel("Register name")).toHaveValue("ACME ISMS 2026");
      await page.getByLabel("Register name").fill(" ");
      await page.getByRole("button", { name: "Save register details" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Register name" })).toContainText("is required");
      await page.getByLabel("Register name").fill("ACME ISMS 2027");
      await page.getByLabel("Organisation").fill("ACME Group");
      await page.getByLabel("Scope", { exact: true }).fill("All UK sites");
      await page.getByRole("button", { name: "Save register details" }).click();
      await expect(page.getByRole("status").filter({ hasText: "Register details saved." })).toBeVisible();
      await expect(page).toHaveTitle("Register details and audits — ACME ISMS 2027 — NC Register");
      await page.getByRole("link", { name: "Back to register" }).click();
      await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2027" })).toBeVisible();
      await expect(page.getByText("ACME Group")).toBeVisible();
      await expect(page).toHaveTitle("Findings — ACME ISMS 2027 — NC Register");
      await saved(page);
      await page.reload();
      await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2027" })).toBeVisible();
      expectClean(w);
    });
  });
}
