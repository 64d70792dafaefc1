import { createRegister, expect, expectClean, saved, setProfile, test, watch } from "./fixtures";
import type { Locator, Page } from "@playwright/test";
import { importFile, openFinding, summary, writeFile } from "./journeys";

// Issue 15: certification-body practice through the UI. Three minors on one
// control make a systemic pattern and a major is raised that links them; an
// observation is closed without a plan clock or corrective action; a
// certification body's finding is disputed, not rejected, and ends only
// when the body withdraws it.

function lifecycle(page: Page): Locator {
  return page.getByRole("region", { name: "Lifecycle" });
}

async function expectStatus(page: Page, status: string) {
  await expect(lifecycle(page).getByText(/^Current status:/)).toHaveText(`Current status: ${status}`);
}

function fact(page: Page, term: string): Locator {
  return page
    .locator("dl > div")
    .filter({ has: page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }) })
    .getByRole("definition");
}

/// A new finding with what closing keeps of every finding; returns its reference.
async function record(page: Page, title: string, grade: string, source = "Internal audit"): Promise<string> {
  await page.getByRole("button", { name: "New finding" }).click();
  const heading = page.getByRole("heading", { level: 2, name: /^NC-\d{4}-[A-Z]+-\d{3}/ });
  await expect(heading).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Grade").selectOption({ label: grade });
  await page.getByLabel("Source").selectOption({ label: source });
  await page.getByLabel("Statement", { exact: true }).fill(`${title}: the requirement is not met.`);
  await page.getByLabel("Evidence").fill("Sampled records show it.");
  await page.getByLabel("Requirement", { exact: true }).fill("access rights");
  await page.getByRole("button", { name: "A.5.18 Access rights" }).click();
  await page.getByLabel("Title", { exact: true }).focus();
  await expect(heading).toContainText(title);
  await saved(page);
  return ((await heading.textContent()) ?? "").split(" ")[0];
}

async function back(page: Page) {
  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.getByText(/^Showing \d+ of \d+ findings$/)).toBeVisible();
}

async function start(page: Page) {
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
}

test("three minors on one control are a pattern, and the major raised for them links all three", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  const minors: string[] = [];
  for (const title of ["Leaver accounts left active", "Contractor access never reviewed", "Shared admin account"]) {
    minors.push(await record(page, title, "Minor"));
    const pattern = page.getByRole("region", { name: "Systemic pattern" });
    if (minors.length < 3) {
      await expect(pattern).toHaveCount(0);
    } else {
      await expect(pattern).toContainText(
        `3 minor nonconformities concern A.5.18 Access rights (${minors.join(", ")}): together they may show a systemic failure`,
      );
    }
    await back(page);
  }
  // The dashboard names the pattern too, with links to its findings.
  await page.getByRole("link", { name: "Dashboard", exact: true }).click();
  const patterns = page.getByRole("region", { name: "Systemic patterns" });
  await expect(patterns).toContainText("Repeated minors: A.5.18 Access rights");
  const listed = patterns.getByRole("list", { name: "Findings in this pattern" });
  await expect(listed.getByRole("link")).toHaveText(minors);

  await patterns.getByRole("button", { name: "Raise a major nonconformity linking them" }).click();
  const heading = page.getByRole("heading", { level: 2, name: /^NC-\d{4}-JD-004 Systemic failure/ });
  await expect(heading).toBeVisible();
  await expect(page.getByLabel("Grade")).toHaveValue("major");
  await expect(page.getByLabel("Statement", { exact: true })).toHaveValue(/^3 minor nonconformities concern A\.5\.18/);
  for (const reference of minors) await expect(page.getByLabel("Evidence")).toHaveValue(new RegExp(reference));
  await expect(page.getByRole("list", { name: "Chosen requirements" })).toContainText("A.5.18 Access rights");
  const major = ((await heading.textContent()) ?? "").split(" ")[0];
  const pattern = page.getByRole("region", { name: "Systemic pattern" });
  await expect(pattern).toContainText(`Answered by the major nonconformity ${major}.`);
  await saved(page);

  // Each minor links the major back, and the offer is gone everywhere.
  await page.reload();
  await expect(heading).toBeVisible();
  await back(page);
  await page.getByRole("link", { name: "Dashboard", exact: true }).click();
  await expect(patterns).toContainText(`Answered by the major nonconformity ${major}.`);
  await expect(patterns.getByRole("button", { name: "Raise a major nonconformity linking them" })).toHaveCount(0);
  await patterns.getByRole("link", { name: minors[1], exact: true }).click();
  await expect(page.getByRole("region", { name: "Systemic pattern" })).toContainText(`Answered by the major nonconformity ${major}.`);
  expectClean(w);
});

test("an observation has no plan clock and closes without corrective action, with its reason", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await record(page, "Visitor badges not always returned", "Observation");
  await page.getByLabel("Detected on").fill("2020-01-01");
  await page.getByLabel("Title", { exact: true }).focus();
  // Years after detection, nothing is overdue: no certification-body clock.
  await expect(page.getByRole("term").filter({ hasText: /^Plan due$/ })).toHaveCount(0);
  await expect(fact(page, "Follow up on")).toHaveText("No date set");
  await expect(fact(page, "Deadlines")).toHaveText("None from the certification body: an observation is not a nonconformity");

  const followUp = page.getByRole("region", { name: "Follow-up" });
  await followUp.getByLabel("Follow up on").fill("2020-02-01");
  await expect(fact(page, "Follow up on")).toContainText("2020-02-01 · Overdue by");

  // Closing asks for the disposition and its reason, each by name.
  await lifecycle(page).getByRole("button", { name: "Close without corrective action", exact: true }).click();
  const refusal = lifecycle(page).getByRole("alert");
  await expect(refusal).toContainText("Cannot close without corrective action: choose whether it was considered or not taken up.");
  await expect(refusal).toContainText("Cannot close without corrective action: give the reason.");
  await expectStatus(page, "Open");

  await followUp.getByLabel("Closed as").selectOption({ label: "Not taken up" });
  await followUp.getByLabel("Reason for closing without corrective action").fill("Badges are deactivated every evening.");
  await followUp.getByLabel("Reason for closing without corrective action").blur();
  await lifecycle(page).getByRole("button", { name: "Close without corrective action", exact: true }).click();
  await expectStatus(page, "Closed");
  await expect(lifecycle(page)).toContainText(/Closed on \d{4}-\d{2}-\d{2} by Jane Doe without corrective action, as not taken up: Badges are deactivated every evening\./);
  await expect(lifecycle(page).getByRole("button", { name: "Reconsider (back to open)" })).toBeVisible();
  await expect(lifecycle(page).getByRole("button", { name: "Reopen finding" })).toHaveCount(0);
  await saved(page);
  await back(page);
  await expect(page.getByRole("row", { name: /Visitor badges/ })).toContainText("Closed");
  expectClean(w);
});

test("a certification body's finding is disputed instead of rejected, and ends when the body withdraws it", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await record(page, "Documents left on desks", "Minor", "Stage 2 audit");
  await expect(lifecycle(page).getByRole("button", { name: "Reject as unfounded" })).toHaveCount(0);
  await expect(lifecycle(page).getByRole("button", { name: "Record the withdrawal by the body" })).toHaveCount(0);

  const dispute = page.getByRole("region", { name: "Dispute with the certification body" });
  await dispute.getByLabel("Grounds of the dispute").fill("The desk is the drivers' staffed hand-over counter.");
  await dispute.getByLabel("Grounds of the dispute").blur();
  const withdraw = lifecycle(page).getByRole("button", { name: "Record the withdrawal by the body" });
  await withdraw.click();
  const refusal = lifecycle(page).getByRole("alert");
  await expect(refusal).toContainText("Cannot record the withdrawal: record the body's answer.");
  await expect(refusal).toContainText("Cannot record the withdrawal: the body's answer is not recorded as a withdrawal.");
  await expectStatus(page, "Open");

  await dispute.getByLabel("The body's decision").selectOption({ label: "Withdrawn by the body" });
  await dispute.getByLabel("The body's answer").fill("Accepted; withdrawn in report revision 2.");
  await dispute.getByLabel("The body's answer").blur();
  await withdraw.click();
  await expectStatus(page, "Withdrawn");
  await expect(fact(page, "Plan due")).toContainText("Done");
  await expect(lifecycle(page).getByRole("button", { name: "Reinstate (back to open)" })).toBeVisible();
  await saved(page);

  // The register counts it as finished, and the reload keeps the dispute.
  await page.reload();
  await expect(page.getByRole("region", { name: "Dispute with the certification body" }).getByLabel("The body's answer")).toHaveValue(
    "Accepted; withdrawn in report revision 2.",
  );
  await back(page);
  await page.getByLabel("Status").selectOption({ label: "Withdrawn" });
  await expect(page.getByRole("row", { name: /Documents left on desks/ })).toContainText("Withdrawn");
  expectClean(w);
});

test("a requirement cited across a large register: its pattern and proposals come 20 at a time", async ({ page }) => {
  // 45 minors on one control, imported as a spreadsheet register would
  // bring them: each finding's page proposes the 44 others and names the
  // pattern of 45, and neither puts them all on the page at once.
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const lines = ["NC ID,Date raised,Finding,Clause,Severity,Status"];
  for (let i = 1; i <= 45; i++) {
    lines.push(`AR-${String(i).padStart(3, "0")},2025-03-01,Access rights gap ${i},A.5.18,Minor,Open`);
  }
  const path = writeFile("access-rights.csv", lines.join("\n"));
  await importFile(page, path);
  const m = page.getByRole("region", { name: "Import findings from access-rights.csv" });
  await m.getByRole("button", { name: "Import 45 findings" }).click();
  await expect(summary(page)).toContainText("45 findings imported");
  await saved(page);
  await openFinding(page, "AR-001");

  const pattern = page.getByRole("region", { name: "Systemic pattern" });
  await expect(pattern).toContainText("45 minor nonconformities concern A.5.18 Access rights");
  await expect(pattern).toContainText("and 25 more");
  await expect(pattern.getByRole("list", { name: "Findings in this pattern" }).getByRole("link")).toHaveCount(20);

  const similar = page.getByRole("region", { name: "Similar nonconformities" });
  const proposed = similar.getByRole("list", { name: "Proposed" }).getByRole("listitem");
  await expect(proposed).toHaveCount(20);
  await expect(similar).toContainText("24 more proposed.");
  await similar.getByRole("button", { name: "Show 20 more" }).click();
  await expect(proposed).toHaveCount(40);
  await similar.getByRole("button", { name: "Show 4 more" }).click();
  await expect(proposed).toHaveCount(44);
  await expect(similar.getByRole("button", { name: /^Show \d+ more$/ })).toHaveCount(0);
  // Judging one takes it from the proposals, and it is the one linked.
  const first = proposed.first();
  const title = ((await first.getByRole("link").textContent()) ?? "").trim();
  await first.getByRole("button", { name: "Link" }).click();
  await expect(proposed).toHaveCount(43);
  await expect(similar.getByRole("list", { name: "Linked similar findings" }).getByRole("link")).toHaveText(title);
  await saved(page);
  expectClean(w);
});
