import { createRegister, expect, openDemo, saved, setProfile, test, type Page } from "./fixtures";

// Issue 14: the register as a work tool. Each screen names itself in the
// document title and takes focus on its heading; Back (or "Back to
// register") from a finding returns to the same filtered, sorted page of
// the table with the finding's row in view; the Due column names each
// deadline. At a phone's and a desktop's size.

const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1440, height: 900 },
} as const;

const DEMO = "Demo: Northwind Logistics ISMS";
const REFERENCE = /^NC-\d{4}-[A-Z]+-\d{3}/;

/// A date `days` from today, as the date inputs take it.
function isoDate(days: number): string {
  const d = new Date();
  d.setDate(d.getDate() + days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/// The screen's heading (in <main>) has focus and the title names it.
/// The report's title (what printing to PDF proposes as the file name):
/// its date, then the register.
const REPORT_TITLE = new RegExp(`^Report \\d{4}-\\d{2}-\\d{2} — ${DEMO.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} — NC Register$`);

async function arrived(page: Page, heading: string | RegExp, title: string | RegExp) {
  const h = page.getByRole("main").getByRole("heading", { level: 2, name: heading }).first();
  await expect(h).toBeFocused();
  await expect(page).toHaveTitle(title);
  expect(await page.evaluate(() => window.scrollY), "a new screen starts at its top").toBe(0);
}

function table(page: Page) {
  return page.getByRole("table", { name: "Findings" });
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test.describe(size, () => {
    test.use({ viewport });

    test("each screen is titled and its heading takes focus", async ({ page }) => {
      await page.goto("./");
      await setProfile(page);
      await expect(page).toHaveTitle("Registers — NC Register");
      await openDemo(page, "dashboard");
      await arrived(page, DEMO, `Dashboard — ${DEMO} — NC Register`);

      const views = page.getByRole("navigation", { name: "Register views" });
      await views.getByRole("link", { name: "Findings" }).click();
      await arrived(page, DEMO, `Findings — ${DEMO} — NC Register`);

      // A finding, opened after scrolling down: it still starts at its top.
      const link = table(page).getByRole("link", { name: REFERENCE }).last();
      await link.scrollIntoViewIfNeeded();
      const reference = (await link.textContent())!;
      await link.click();
      await arrived(page, new RegExp(`^${reference} `), new RegExp(`^${reference} .+ — ${DEMO} — NC Register$`));
      await page.mouse.wheel(0, 2000);
      await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(0);

      await page.getByRole("link", { name: "Back to register" }).click();
      await page.getByRole("link", { name: "Due soon" }).click();
      await arrived(page, "Due soon", `Due soon — ${DEMO} — NC Register`);

      await page.getByRole("link", { name: "Back to register" }).click();
      await page.getByRole("link", { name: "Printable report" }).click();
      await arrived(page, DEMO, REPORT_TITLE);

      await page.getByRole("banner").getByRole("link", { name: "NC Register" }).click();
      await arrived(page, "Registers in this browser", "Registers — NC Register");

      // A reload keeps the screen and its title, and leaves focus alone
      // (the page starts like any page, skip link first).
      await page.goBack();
      await arrived(page, DEMO, REPORT_TITLE);
      await page.reload();
      await expect(page).toHaveTitle(REPORT_TITLE);
      await expect(page.getByRole("main").getByRole("heading", { level: 2, name: DEMO })).not.toBeFocused();
    });

    test("Back from a finding returns to the same filtered, sorted page, the row in view", async ({ page }) => {
      test.setTimeout(90_000);
      await page.goto("./");
      await setProfile(page);
      await openDemo(page);
      // Not closed or rejected, newest reference first.
      await page.getByLabel("Status").selectOption({ label: "Not closed or rejected" });
      const referenceHeader = table(page).getByRole("columnheader", { name: "Reference" });
      // Sorted by reference already: "Reverse order" turns it round (the
      // sort control a phone has; the headers sort on a desktop).
      await expect(referenceHeader).toHaveAttribute("aria-sort", "ascending");
      await page.getByRole("button", { name: "More filters" }).click();
      await page.getByLabel("Reverse order").check();
      await expect(referenceHeader).toHaveAttribute("aria-sort", "descending");
      // Enough open findings for a second page of 50, each added from the
      // filtered table, and Back returns to it every time.
      const shown = async () => Number((await page.getByText(/^Showing \d+ of \d+ findings$/).textContent())!.split(" ")[1]);
      for (let n = await shown(); n < 56; n++) {
        await page.getByRole("button", { name: "New finding" }).click();
        await expect(page.getByRole("heading", { level: 2, name: REFERENCE })).toBeVisible();
        // A title: a new finding left with nothing typed is discarded.
        await page.getByLabel("Title", { exact: true }).fill(`Added ${n + 1}`);
        await page.goBack();
        await expect(page.getByText(`Showing ${n + 1} of`)).toBeVisible();
      }
      await saved(page);
      await page.getByRole("navigation", { name: "Pages" }).getByRole("button", { name: "Next page" }).click();
      const pages = page.getByRole("navigation", { name: "Pages" });
      await expect(pages).toContainText("Page 2 of 2");
      const view = page.url().split("#")[1];
      expect(view).toContain("status=active");
      expect(view).toContain("page=2");

      // Open a row of page 2 and come back, by Back and by the link.
      const link = table(page).getByRole("link", { name: REFERENCE }).nth(3);
      const reference = (await link.textContent())!;
      for (const back of ["browser", "link"] as const) {
        await link.click();
        await expect(page.getByRole("heading", { level: 2, name: new RegExp(`^${reference}`) })).toBeVisible();
        if (back === "browser") await page.goBack();
        else await page.getByRole("link", { name: "Back to register" }).click();
        await expect(pages).toContainText("Page 2 of 2");
        await expect(page.getByLabel("Status")).toHaveValue("active");
        await expect(referenceHeader).toHaveAttribute("aria-sort", "descending");
        const row = table(page).getByRole("link", { name: reference, exact: true });
        await expect(row, `back by the ${back}: the row's link has focus`).toBeFocused();
        await expect(row).toBeInViewport();
      }

      // A reload keeps the view.
      await page.reload();
      await expect(pages).toContainText("Page 2 of 2");
      await expect(page.getByLabel("Status")).toHaveValue("active");
      await expect(referenceHeader).toHaveAttribute("aria-sort", "descending");
      await expect(table(page).getByRole("link", { name: reference, exact: true })).toBeVisible();
    });

    test("the Due column shows each deadline with its own date and state, most urgent first", async ({ page }) => {
      await page.goto("./");
      await setProfile(page);
      await createRegister(page);
      // A major detected 40 days ago: plan due 30 days after (10 days
      // late), closing 90 days after (in 50 days).
      await page.getByRole("button", { name: "New finding" }).click();
      await expect(page.getByRole("heading", { level: 2, name: REFERENCE })).toBeVisible();
      await page.getByLabel("Title", { exact: true }).fill("Leavers keep access");
      await page.getByLabel("Grade").selectOption({ label: "Major" });
      await page.getByLabel("Detected on").fill(isoDate(-40));
      await page.getByLabel("Title", { exact: true }).focus();
      await saved(page);
      await page.getByRole("link", { name: "Back to register" }).click();

      const row = table(page).getByRole("row", { name: /Leavers keep access/ });
      // The Due cell's list (on a phone, empty cells of a card are hidden,
      // so cells are not counted).
      const due = row.getByRole("list").getByRole("listitem");
      await expect(due).toHaveCount(2);
      await expect(due.nth(0)).toHaveText(`Plan due ${isoDate(-10)} Overdue by 10 days`);
      await expect(due.nth(1)).toHaveText(`Close due ${isoDate(50)}`);
      // The close date never stands beside the plan's badge.
      await expect(row.getByRole("list")).not.toContainText(`${isoDate(50)} Overdue`);
    });
  });
}
