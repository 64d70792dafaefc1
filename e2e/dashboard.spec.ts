import { expect, expectClean, openDemo, setProfile, test, watch } from "./fixtures";

// The dashboard is the register's first screen; every number on it links
// to the table filtered to exactly the findings it counts. The demo's
// dates are relative to today, so these figures hold whenever it runs
// (pinned natively by `demo_dashboard_figures` in crates/core/tests/it/query.rs).

test("the demo's dashboard leads to exactly the findings behind a figure, and back", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page, "dashboard");

  const views = page.getByRole("navigation", { name: "Register views" });
  await expect(views.getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");
  await expect(views.getByRole("link", { name: "Findings" })).not.toHaveAttribute("aria-current", "page");

  // Figures: the headline, a chart's text alternative, the table's cells.
  await expect(page.getByRole("link", { name: "14: open findings" })).toBeVisible();
  await expect(page.getByRole("img", { name: /^Open findings by grade: Major 2, Minor 8, / })).toBeVisible();
  const byGrade = page.getByRole("table", { name: "Open findings by grade and status" });
  await expect(byGrade.getByRole("row", { name: /^Major/ }).getByRole("link", { name: "2: Major, open" })).toBeVisible();
  await expect(byGrade.getByRole("row", { name: /^Minor/ }).getByRole("link", { name: "8: Minor, open" })).toBeVisible();

  // Minors citing an Organizational control: one, and only that one.
  const heat = page.getByRole("table", { name: "Open findings by clause and Annex A theme" });
  await heat.getByRole("link", { name: "1: A.5 Organizational controls, minor" }).click();
  await expect(page).toHaveURL(/#\/r\/[^/]+\/findings\?grade=minor&status=active&theme=A\.5$/);
  const table = page.getByRole("table", { name: "Findings" });
  const expectOnly = async (titles: RegExp[]) => {
    await expect(page.getByText(new RegExp(`^Showing ${titles.length} of \\d+ findings$`))).toBeVisible();
    await expect(table.getByRole("row")).toHaveCount(titles.length + 1);
    for (const title of titles) await expect(table.getByRole("row", { name: title })).toBeVisible();
  };
  const onlyPolicy = [/Information security policy not reviewed since 2023/];
  await expectOnly(onlyPolicy);
  // The filters shown are the link's.
  await expect(page.getByLabel("Grade", { exact: true })).toHaveValue("minor");
  await expect(page.getByLabel("Status", { exact: true })).toHaveValue("active");
  await expect(page.getByLabel("Requirement", { exact: true })).toHaveValue("theme:Organizational");
  await expect(views.getByRole("link", { name: "Findings" })).toHaveAttribute("aria-current", "page");

  // A reload keeps them.
  await page.reload();
  await expectOnly(onlyPolicy);
  await expect(page.getByLabel("Grade", { exact: true })).toHaveValue("minor");

  // Back returns to the dashboard.
  await page.goBack();
  await expect(page.getByRole("heading", { name: "Open findings by grade and status" })).toBeVisible();
  await expect(views.getByRole("link", { name: "Dashboard" })).toHaveAttribute("aria-current", "page");

  // Overdue action plans: a filter only a link sets, named in the table.
  // Only nonconformities run a plan clock: the demo's overdue observation
  // and opportunity for improvement are not counted here.
  const due = page.getByRole("table", { name: "Findings overdue and due soon by deadline" });
  await due.getByRole("link", { name: "1: Action plan overdue" }).click();
  await expectOnly([/Phishing incident handled without the incident response plan/]);
  const chips = page.getByRole("list", { name: "Active filters" });
  await expect(chips).toContainText("Action plan overdue");

  // A filter changed in the table is kept in the address too.
  await page.getByRole("searchbox", { name: "Search" }).fill("phishing");
  await expectOnly([/Phishing incident handled/]);
  await page.reload();
  await expectOnly([/Phishing incident handled/]);
  await expect(page.getByRole("searchbox", { name: "Search" })).toHaveValue("phishing");

  // Removing the link's filter widens the table again.
  await page.getByRole("button", { name: "Remove filter: Action plan overdue" }).click();
  await expect(chips).toHaveCount(0);
  await expect(page).not.toHaveURL(/plan=overdue/);
  await expectOnly([/Phishing-resistant MFA/, /Phishing incident handled/]);

  await expectClean(w);
});
