import { createRegister, expect, expectClean, saved, setProfile, test, watch } from "./fixtures";
import type { Locator, Page } from "@playwright/test";

// Issue 5: the corrective-action workflow of clause 10.2, its deadlines and
// the finding's history, driven through the UI only. Every test starts from
// a fresh browser profile.

/// A date `days` from today (negative: in the past) as the date inputs
/// take it, in the browser's time zone (the machine's, as the app's).
function isoDate(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const TODAY = () => isoDate(0);

function lifecycle(page: Page): Locator {
  return page.getByRole("region", { name: "Lifecycle" });
}

async function expectStatus(page: Page, status: string) {
  await expect(lifecycle(page).getByText(/^Current status:/)).toHaveText(`Current status: ${status}`);
}

/// Presses a lifecycle step and checks where the finding ends up.
async function step(page: Page, button: string, status: string) {
  await lifecycle(page).getByRole("button", { name: button, exact: true }).click();
  await expectStatus(page, status);
  await expect(lifecycle(page).getByRole("alert").filter({ hasText: "Cannot" })).toHaveCount(0);
}

/// `nature`: also what closing keeps of every finding (statement,
/// evidence, a requirement), which the steps before closing do not need.
async function newFinding(page: Page, title: string, grade = "Major", nature = true) {
  await page.getByRole("button", { name: "New finding" }).click();
  await expect(page.getByRole("heading", { level: 2, name: /^NC-\d{4}-[A-Z]+-\d{3}/ })).toBeVisible();
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Grade").selectOption({ label: grade });
  if (!nature) return expectStatus(page, "Open");
  // What closing keeps of every finding (clause 10.2 f).
  await page.getByLabel("Statement", { exact: true }).fill("Access rights of leavers are not removed.");
  await page.getByLabel("Evidence").fill("14 leavers still active in the ERP.");
  const requirement = page.getByLabel("Requirement", { exact: true });
  await requirement.fill("access rights");
  await page.getByRole("button", { name: "A.5.18 Access rights" }).click();
  await expectStatus(page, "Open");
}

/// Correction and root-cause analysis (clause 10.2 a and b), then "analysed".
async function analyse(page: Page) {
  // By role: the section titled "Correction" is labelled so too.
  await page.getByRole("textbox", { name: "Correction", exact: true }).fill("Disabled the 14 leavers' accounts the same day.");
  await page.getByLabel("Correction date").fill(TODAY());
  await page.getByLabel("Root-cause method").selectOption({ label: "Five whys" });
  const whys = [
    "Leavers kept their accounts.",
    "HR did not tell IT about leavers.",
    "The leaver checklist has no IT step.",
    "The checklist was written before the ERP existed.",
    "Nobody owns the checklist.",
  ];
  for (const [i, why] of whys.entries()) {
    await page.getByLabel(`Why ${i + 1}`, { exact: true }).fill(why);
  }
  await page.getByLabel("Root-cause statement").fill("The leaver process has no owner and no IT step.");
  await step(page, "Mark as analysed", "Analysed");
}

/// Fills corrective action `n` (1-based), adding it first.
async function addAction(page: Page, n: number, description: string, owner: string, due: string) {
  await page.getByRole("button", { name: "Add corrective action" }).click();
  const action = page.getByRole("group", { name: `Action ${n}` });
  await expect(action).toBeVisible();
  await action.getByLabel("Description").fill(description);
  await action.getByLabel("Owner").fill(owner);
  await action.getByLabel("Due date").fill(due);
  await expect(action.getByLabel("Action status")).toHaveValue("planned");
  return action;
}

async function finishAction(action: Locator) {
  await action.getByLabel("Action status").selectOption({ label: "Done" });
  await action.getByLabel("Done on").fill(TODAY());
  await expect(action.getByLabel("Action status")).toHaveValue("done");
}

/// From a new finding to "verifying": analysed, planned, in progress, done.
async function walkToVerifying(page: Page) {
  await analyse(page);
  const action = await addAction(page, 1, "Add an IT step to the leaver checklist", "Head of HR", isoDate(20));
  await step(page, "Mark action planned", "Action planned");
  await step(page, "Start the actions", "In progress");
  await action.getByLabel("Action status").selectOption({ label: "In progress" });
  await finishAction(action);
  await step(page, "Move to verifying", "Verifying");
}

async function recordReview(page: Page, result: "effective" | "not effective", reviewer = "Sam Roe") {
  const review = page.getByRole("region", { name: "Effectiveness review" });
  await review.getByLabel("Reviewer", { exact: true }).fill(reviewer);
  await review.getByLabel("Reviewed on").fill(TODAY());
  await review.getByLabel("Review notes").fill("Sampled 10 leavers since the change: all disabled within a day.");
  await review.getByRole("button", { name: `Record review: ${result}`, exact: true }).click();
  return review;
}

async function start(page: Page, name = "Jane Doe", initials = "JD") {
  await page.goto("./");
  await setProfile(page, name, initials);
  await createRegister(page);
}

test("a major finding is walked from open to closed through every step", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await newFinding(page, "Leavers keep access to the ERP");
  // Every step of the lifecycle is offered, even when the finding is not ready.
  await expect(lifecycle(page).getByRole("button", { name: "Mark as analysed" })).toBeVisible();
  await expect(lifecycle(page).getByRole("button", { name: "Reject as unfounded" })).toBeVisible();

  await walkToVerifying(page);
  const review = await recordReview(page, "effective");
  await expect(review.getByText(/^Review result:/)).toHaveText("Review result: Effective");
  await expectStatus(page, "Verifying");
  await page
    .getByLabel("ISMS changes and documents updated")
    .fill("Leaver procedure v3 (IT step added); access control policy section 4.2.");
  await step(page, "Close finding", "Closed");
  await expect(lifecycle(page)).toContainText(`Closed on ${TODAY()} by Jane Doe.`);
  await expect(lifecycle(page).getByRole("button", { name: "Reopen finding" })).toBeVisible();
  await saved(page);

  // Everything was stored: a reload shows the closed finding as it was left.
  await page.reload();
  await expectStatus(page, "Closed");
  await expect(page.getByLabel("Root-cause statement")).toHaveValue(/no owner and no IT step/);
  await expect(page.getByLabel("Why 5", { exact: true })).toHaveValue("Nobody owns the checklist.");
  await expect(page.getByLabel("Root-cause method")).toHaveValue("Five whys");
  const action = page.getByRole("group", { name: "Action 1" });
  await expect(action.getByLabel("Owner")).toHaveValue("Head of HR");
  await expect(action.getByLabel("Done on")).toHaveValue(TODAY());
  await expect(action).toContainText("Deadline: Done");
  await expect(page.getByLabel("Reviewer", { exact: true })).toHaveValue("Sam Roe");
  await expect(page.getByLabel("ISMS changes and documents updated")).toHaveValue(/Leaver procedure v3/);
  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.locator("table tbody tr")).toHaveCount(1);
  await expect(page.getByRole("row", { name: /Leavers keep access/ })).toContainText("Closed");
  expectClean(w);
});

test("closing without an effective review is refused with the reason", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await newFinding(page, "Firewall rules changed without approval");
  // A step the finding is not ready for says what is missing.
  await lifecycle(page).getByRole("button", { name: "Mark as analysed" }).click();
  await expect(lifecycle(page).getByRole("alert")).toContainText(
    "Cannot move to analysed: record the root-cause statement first.",
  );
  await expectStatus(page, "Open");
  // Each missing item leads to the field that puts it right, sections below.
  await lifecycle(page)
    .getByRole("button", { name: "Cannot move to analysed: record the root-cause statement first." })
    .click();
  await expect(page.getByLabel("Root-cause statement")).toBeFocused();
  await expect(page.getByLabel("Root-cause statement")).toBeInViewport();

  await walkToVerifying(page);
  await lifecycle(page).getByRole("button", { name: "Close finding" }).click();
  const refusal = lifecycle(page).getByRole("alert").filter({ hasText: "Cannot close" });
  await expect(
    refusal.getByText("Cannot close: the effectiveness review is not recorded as effective.", { exact: true }),
  ).toBeVisible();
  await expect(refusal.getByText("Cannot close: record who reviewed the effectiveness of the actions.", { exact: true })).toBeVisible();
  await expectStatus(page, "Verifying");
  await refusal.getByRole("button", { name: "Cannot close: record who reviewed the effectiveness of the actions." }).click();
  await expect(page.getByLabel("Reviewer", { exact: true })).toBeFocused();

  // Once the review is recorded as effective, closing is offered right
  // there, and it goes through.
  const review = await recordReview(page, "effective");
  await review.getByRole("button", { name: "Close the finding now" }).click();
  await expectStatus(page, "Closed");
  await expect(review.getByRole("button", { name: "Close the finding now" })).toHaveCount(0);
  expectClean(w);
});

test("a review recorded as not effective reopens the finding", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await newFinding(page, "Backups never restored in a test");
  await walkToVerifying(page);
  const review = await recordReview(page, "not effective");
  await expectStatus(page, "Reopened");
  await expect(review.getByText(/^Review result:/)).toHaveText("Review result: Not effective");
  await expect(review.getByText(/^Finding status:/)).toHaveText("Finding status: Reopened");
  await expect(page.getByText("Review recorded as not effective. The finding is reopened.", { exact: true })).toBeVisible();
  // The old action did not work: a new plan needs a new action.
  await lifecycle(page).getByRole("button", { name: "Mark action planned" }).click();
  await expect(lifecycle(page).getByRole("alert")).toContainText(
    "Cannot plan actions: the last effectiveness review found the actions not effective; add a new corrective action.",
  );
  await expectStatus(page, "Reopened");
  await addAction(page, 2, "Restore a backup every quarter", "IT operations", isoDate(30));
  await step(page, "Mark action planned", "Action planned");
  await saved(page);
  await page.reload();
  await expectStatus(page, "Action planned");
  expectClean(w);
});

test("a finding past its close-due date shows as overdue and in the Due soon view", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  // A major detected 100 days ago: the 90-day closing clock ran out 10 days ago.
  await newFinding(page, "Risk assessment not updated");
  await page.getByLabel("Detected on").fill(isoDate(-100));
  await analyse(page);
  await addAction(page, 1, "Re-run the risk assessment", "CISO", isoDate(10));
  // Planned actions stop the plan clock; the closing clock keeps running.
  await step(page, "Mark action planned", "Action planned");
  await expect(page.getByRole("definition").filter({ hasText: isoDate(-10) })).toContainText("Overdue by 10 days");
  const major = (await page.getByRole("heading", { level: 2 }).textContent())!.split(" ")[0];

  // A minor detected 20 days ago: its action plan is due in 10 days.
  await page.getByRole("link", { name: "Back to register" }).click();
  await newFinding(page, "Visitor log incomplete", "Minor");
  await page.getByLabel("Detected on").fill(isoDate(-20));
  await expect(page.getByRole("definition").filter({ hasText: isoDate(10) })).toContainText("Due in 10 days");
  await saved(page);

  await page.getByRole("link", { name: "Back to register" }).click();
  const overdueRow = page.getByRole("row", { name: /Risk assessment not updated/ });
  await expect(overdueRow).toContainText("Overdue by 10 days");
  await expect(page.getByRole("row", { name: /Visitor log incomplete/ })).toContainText("Due in 10 days");
  await page.getByLabel("Due", { exact: true }).selectOption({ label: "Overdue" });
  await expect(page.locator("table tbody tr")).toHaveCount(1);
  await expect(page.locator("table tbody tr")).toContainText("Risk assessment not updated");

  await page.getByRole("link", { name: "Due soon" }).click();
  await expect(page.getByRole("heading", { level: 2, name: "Due soon" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "overdue" })).toHaveText("1 overdue, 1 due within 14 days");
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(3);
  // Most urgent first, each with the clock that is running late.
  await expect(rows.nth(1)).toContainText("Risk assessment not updated");
  await expect(rows.nth(1)).toContainText("Closing");
  await expect(rows.nth(1)).toContainText("Overdue by 10 days");
  await expect(rows.nth(2)).toContainText("Visitor log incomplete");
  await expect(rows.nth(2)).toContainText("Action plan");
  await expect(rows.nth(2)).toContainText("Due in 10 days");
  await rows.nth(1).getByRole("link", { name: major }).click();
  await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${major} Risk assessment`) })).toBeVisible();

  await expect(page.getByRole("definition").filter({ hasText: "from detection" })).toHaveText(
    "Plan 30 days, close 90 days from detection, as the register's settings stood when it was recorded",
  );

  // Deadlines are fixed when a finding is recorded: a 120-day limit for
  // majors applies to majors recorded from now on, and the page says so.
  await page.getByRole("link", { name: "Back to register" }).click();
  await page.getByText("Settings: deadlines and patterns").click();
  const majors = page.getByLabel("Majors close within (days)");
  await expect(majors).toHaveValue("90");
  await majors.fill("120");
  await majors.press("Tab");
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toHaveText(
    "Saved. Findings recorded from now on get these deadlines; findings already recorded keep theirs.",
  );
  await page.getByLabel("Due", { exact: true }).selectOption("");
  await expect(page.getByRole("row", { name: /Risk assessment not updated/ })).toContainText("Overdue by 10 days");
  await newFinding(page, "Access reviews skipped");
  await page.getByLabel("Detected on").fill(isoDate(-100));
  await expect(page.getByRole("definition").filter({ hasText: isoDate(20) })).toContainText("On track");
  await expect(page.getByRole("definition").filter({ hasText: "from detection" })).toContainText("close 120 days");
  await saved(page);
  await page.reload();
  await expect(page.getByRole("definition").filter({ hasText: isoDate(20) })).toContainText("On track");
  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.getByRole("row", { name: /Risk assessment not updated/ })).toContainText("Overdue by 10 days");
  expectClean(w);
});

test("the history lists each step with the auditor's name", async ({ page }) => {
  const w = await watch(page);
  await start(page, "Priya Natarajan", "PN");
  await newFinding(page, "Supplier contracts lack security clauses");
  await walkToVerifying(page);
  await recordReview(page, "effective");
  await step(page, "Close finding", "Closed");
  await saved(page);

  const history = page.getByRole("region", { name: "History" });
  await history.getByRole("button", { name: "Show history" }).click();
  await expect(history.getByRole("button", { name: "Hide history" })).toHaveAttribute("aria-expanded", "true");
  const table = history.getByRole("table");
  const rows = table.getByRole("row");
  const entry = (what: string, change: string) => rows.filter({ hasText: what }).filter({ hasText: change });
  const steps: [string, string][] = [
    ["Recorded the finding", "Status: — → Open"],
    ["Edited", "Grade: Minor → Major"],
    ["Edited", "Root-cause statement: — → The leaver process has no owner and no IT step."],
    ["Edited", "Why 1: — → Leavers kept their accounts."],
    ["Changed status", "Status: Open → Analysed"],
    ["Added corrective action", "Action 1 status: — → Planned"],
    ["Edited corrective action", "Action 1 owner: — → Head of HR"],
    ["Changed status", "Status: Analysed → Action planned"],
    ["Changed status", "Status: Action planned → In progress"],
    ["Edited corrective action", "Action 1 status: In progress → Done"],
    ["Changed status", "Status: In progress → Verifying"],
    ["Recorded review", "Review result: — → Effective"],
    ["Changed status", "Status: Verifying → Closed"],
    ["Changed status", "Closed by: — → Priya Natarajan"],
  ];
  for (const [what, change] of steps) {
    const row = entry(what, change);
    await expect(row, `${what}: ${change}`).toHaveCount(1);
    await expect(row.getByRole("cell").nth(1)).toHaveText("Priya Natarajan");
  }
  // Every entry names the auditor, never an actor id; the newest comes first.
  const who = await table.locator("tbody tr td:nth-child(2)").allTextContents();
  expect(who.length).toBeGreaterThanOrEqual(steps.length);
  for (const name of who) expect(name).toBe("Priya Natarajan");
  await expect(rows.nth(1)).toContainText("Status: Verifying → Closed");
  await expect(rows.nth(1).getByRole("cell").first()).toHaveText(new RegExp(`^${TODAY()} \\d{2}:\\d{2}$`));
  expectClean(w);
});

test("rejecting a finding as unfounded needs a reason", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  await newFinding(page, "Screens not locked", "Minor");
  await lifecycle(page).getByRole("button", { name: "Reject as unfounded" }).click();
  await expect(lifecycle(page).getByRole("alert").filter({ hasText: "Cannot" })).toContainText(
    "Cannot reject: give the reason the finding is unfounded.",
  );
  await expectStatus(page, "Open");
  await page.getByLabel("Rejection reason").fill("Screens lock after 5 minutes by group policy; the auditor saw a kiosk.");
  await step(page, "Reject as unfounded", "Rejected");
  // A rejected finding can be reconsidered, and keeps its reason.
  await expect(lifecycle(page).getByRole("button", { name: "Reconsider (back to open)" })).toBeVisible();
  await expect(page.getByLabel("Rejection reason")).toHaveValue(/group policy/);
  expectClean(w);
});

test("similar findings are proposed and can be linked or dismissed", async ({ page }) => {
  const w = await watch(page);
  await start(page);
  // Two findings in the same area, one sharing nothing.
  for (const [title, area] of [
    ["Visitor badges not returned", "Leeds warehouse"],
    ["Fire door propped open", "Leeds warehouse"],
    ["Payroll export unencrypted", "Finance"],
  ]) {
    await newFinding(page, title, "Minor", false);
    await page.getByLabel("Area").fill(area);
    await page.getByLabel("Title", { exact: true }).focus();
    await saved(page);
    await page.getByRole("link", { name: "Back to register" }).click();
  }
  await page.getByRole("link", { name: /-001$/ }).click();
  const similar = page.getByRole("region", { name: "Similar nonconformities" });
  const proposed = similar.getByRole("list", { name: "Proposed" });
  await expect(proposed.getByRole("listitem")).toHaveCount(1);
  const candidate = proposed.getByRole("listitem").filter({ hasText: "Fire door propped open" });
  await expect(candidate).toContainText("same area (Leeds warehouse)");
  await candidate.getByRole("button", { name: "Link" }).click();
  const linked = similar.getByRole("list", { name: "Linked similar findings" });
  await expect(linked.getByRole("link", { name: /Fire door propped open/ })).toBeVisible();
  await expect(similar).toContainText("No other finding shares a requirement");
  // Undoing a judgement proposes the finding again; dismissing files it away.
  await linked.getByRole("button", { name: "Unlink" }).click();
  await proposed.getByRole("button", { name: "Dismiss" }).click();
  await expect(similar.getByRole("list", { name: "Dismissed" })).toContainText("Fire door propped open");
  await expect(similar).toContainText("None linked.");
  await saved(page);
  expectClean(w);
});
