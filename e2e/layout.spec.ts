import { expect, openDemo, setProfile, test, type Page } from "./fixtures";

// Issue 14: the register uses the screen. On a desktop the table takes the
// width and the filter bar one line (the rarer filters behind "More
// filters", every filter in force a removable chip); a click anywhere on a
// row opens its finding. On a phone each finding is a card whose status,
// owner and deadlines are in view without scrolling sideways, and the
// table starts within the first screen.

const REFERENCE = /^NC-\d{4}-[A-Z]+-\d{3}/;

function table(page: Page) {
  return page.getByRole("table", { name: "Findings" });
}

async function noSidewaysScroll(page: Page) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(scroll, "the page is no wider than the viewport").toBeLessThanOrEqual(inner);
}

test.describe("desktop", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("the table takes the width, the filter bar one line, and a row opens on a click anywhere", async ({ page }) => {
    await page.goto("./");
    await setProfile(page);
    await openDemo(page);

    // Was 926 px of 1440 when the page kept to a 60rem column.
    const box = (await table(page).boundingBox())!;
    expect(box.width).toBeGreaterThan(1300);
    await noSidewaysScroll(page);

    // One line of filters: search, status, grade, due and the toggle.
    const search = page.getByRole("searchbox", { name: "Search" });
    const more = page.getByRole("button", { name: "More filters" });
    const tops = await Promise.all(
      [search, ...["Status", "Grade", "Due"].map((l) => page.getByLabel(l, { exact: true })), more].map(
        async (l) => (await l.boundingBox())!.y + (await l.boundingBox())!.height,
      ),
    );
    expect(Math.max(...tops) - Math.min(...tops), "the filter bar's controls share a line").toBeLessThan(8);
    await expect(page.getByLabel("Owner", { exact: true })).toBeHidden();

    // Every filter in force is a chip that removes it; more than one can
    // all go at once, and the search text stays.
    await search.fill("access");
    await page.getByLabel("Grade", { exact: true }).selectOption({ label: "Minor" });
    await more.click();
    await expect(more).toHaveAttribute("aria-expanded", "true");
    const owner = page.getByLabel("Owner", { exact: true });
    const firstOwner = (await owner.locator("option").nth(1).textContent())!;
    await owner.selectOption({ label: firstOwner });
    await expect(more).toHaveText(/More filters \(1 active\)/);
    const chips = page.getByRole("list", { name: "Active filters" });
    await expect(chips.getByRole("listitem")).toHaveCount(3); // two chips and "Clear all"
    await expect(chips).toContainText("Grade: Minor");
    await expect(chips).toContainText(`Owner: ${firstOwner}`);
    await expect(page).toHaveURL(/grade=minor/);

    await page.getByRole("button", { name: "Remove filter: Grade: Minor" }).click();
    await expect(page.getByLabel("Grade", { exact: true })).toHaveValue("");
    await expect(page).not.toHaveURL(/grade=/);
    await page.getByLabel("Status", { exact: true }).selectOption({ label: "Open" });
    await page.getByRole("button", { name: "Clear all filters" }).click();
    await expect(chips).toHaveCount(0);
    await expect(search).toHaveValue("access");
    await expect(owner).toHaveValue("");
    await search.fill("");

    // A click on the title cell, not the link, opens the finding.
    const row = table(page).getByRole("row").nth(3);
    const reference = (await row.getByRole("link", { name: REFERENCE }).textContent())!.trim();
    const title = (await row.getByRole("cell").nth(1).textContent())!.trim();
    await row.getByRole("cell").nth(1).click();
    await expect(page.getByRole("main").getByRole("heading", { level: 2 }).first()).toContainText(title);
    await expect(page).toHaveURL(new RegExp(`#/r/[^/]+/f/`));
    await page.goBack();
    await expect(table(page).getByRole("link", { name: reference })).toBeVisible();

    // Dragging across a title to copy it does not open the finding.
    const cell = table(page).getByRole("row").nth(2).getByRole("cell").nth(1);
    const c = (await cell.boundingBox())!;
    await page.mouse.move(c.x + 2, c.y + 8);
    await page.mouse.down();
    await page.mouse.move(c.x + c.width - 4, c.y + 8, { steps: 5 });
    await page.mouse.up();
    expect(await page.evaluate(() => String(window.getSelection()))).not.toBe("");
    await page.waitForTimeout(300);
    await expect(page).not.toHaveURL(/\/f\//);
  });
});

test.describe("tablet", () => {
  test.use({ viewport: { width: 820, height: 1180 } });

  test("every column of the table is in view without scrolling it sideways", async ({ page }) => {
    await page.goto("./");
    await setProfile(page);
    await openDemo(page);
    const [table_, box] = await table(page).evaluate((t) => [t.scrollWidth, t.parentElement!.clientWidth]);
    expect(table_, "the table fits its box (Due was cut off at 820 px)").toBeLessThanOrEqual(box);
    await expect(table(page).getByRole("columnheader", { name: "Due" })).toBeInViewport();
    await noSidewaysScroll(page);
  });
});

test.describe("phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("each finding is a card with its status, owner and deadlines in view", async ({ page }) => {
    await page.goto("./");
    await setProfile(page);
    await openDemo(page);
    await noSidewaysScroll(page);

    // The list starts within the first screen (was 1,100 px down below
    // seven stacked filters).
    const first = table(page).getByRole("row").nth(1);
    expect((await first.boundingBox())!.y).toBeLessThan(844);

    // Every part of a card is inside the viewport's width: nothing hides
    // behind a sideways scroll.
    const rows = table(page).getByRole("row");
    const count = await rows.count();
    expect(count).toBeGreaterThan(10);
    for (let i = 1; i < count; i++) {
      for (const cell of await rows.nth(i).getByRole("cell").all()) {
        if (!(await cell.isVisible())) continue;
        const b = (await cell.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width, `row ${i}: ${await cell.textContent()}`).toBeLessThanOrEqual(390);
      }
    }
    // A card names what its fields are; an overdue one says so.
    // (The label is CSS generated content, part of the cell's accessible name.)
    await expect(table(page).getByRole("cell", { name: /^Owner: \S/ }).first()).toBeVisible();
    await expect(table(page).getByText(/^Overdue by \d+ days?$/).first()).toBeVisible();

    // Sorting without the headers: "Sort by" under More filters.
    await page.getByRole("button", { name: "More filters" }).click();
    await page.getByLabel("Sort by").selectOption({ label: "Grade" });
    await expect(page).toHaveURL(/sort=grade/);
    await expect(rows.nth(1)).toContainText("Major");
    await page.getByLabel("Reverse order").check();
    await expect(rows.nth(1)).not.toContainText("Major");

    // A tap on a card opens its finding.
    const title = (await rows.nth(1).getByRole("cell").nth(1).textContent())!.trim();
    await rows.nth(1).getByRole("cell").nth(1).click();
    await expect(page.getByRole("main").getByRole("heading", { level: 2 }).first()).toContainText(title);
    await noSidewaysScroll(page);
  });
});

test.describe("a browser in US English", () => {
  // Its native date inputs would show 12/31/2026.
  test.use({ locale: "en-US" });

  test("dates are typed and shown as YYYY-MM-DD, whatever the browser's locale", async ({ page }) => {
    await page.goto("./");
    await setProfile(page);
    await openDemo(page);
    await table(page).getByRole("link", { name: REFERENCE }).first().click();

    const detected = page.getByLabel("Detected on", { exact: true });
    await expect(detected).toHaveAttribute("placeholder", "YYYY-MM-DD");
    await expect(detected).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);

    // A date that does not exist is named when the field is left, and nothing is stored.
    const before = await detected.inputValue();
    await detected.fill("2026-02-30");
    await detected.press("Tab");
    await expect(page.getByText("2026-02-30 is not a real date")).toBeVisible();
    await detected.fill("2026-03-01");
    await expect(page.getByText("2026-02-30 is not a real date")).toBeHidden();
    await page.reload();
    await expect(page.getByLabel("Detected on", { exact: true })).toHaveValue("2026-03-01");
    expect(before).not.toBe("2026-03-01");
  });
});
