import { expect, createRegister, saved, setProfile, test, type Page } from "../fixtures";
import { importFile, openFinding, writeFile } from "../journeys";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md):
// how many readers of the register re-run ("renders") per edit, in a
// register of FINDINGS findings imported from a CSV, on the release build:
//   - an edit of one field on a finding's page;
//   - the same edit made in another tab, arriving while this tab shows a
//     different finding (and while it shows the register table).
// Two counts: reader runs (the app counts them, `ncrReaderRuns`, exported
// for this) and DOM mutations (a MutationObserver on the page: what was
// actually re-rendered).
//
//   E2E_BENCH=1 npx playwright test e2e/bench/renders.bench.ts
const FINDINGS = 1_000;

function csv(n: number): string {
  const lines = ["Reference,Title,Statement,Grade,Owner"];
  for (let i = 1; i <= n; i++) {
    lines.push(`R-${i},Finding number ${i},Statement ${i},minor,Owner ${i % 17}`);
  }
  return lines.join("\n") + "\n";
}

type Counts = { runs: number; mutations: number };

async function counts(page: Page): Promise<Counts> {
  return page.evaluate(() => {
    const w = window as unknown as {
      wasmBindings: { ncrReaderRuns(): number };
      ncrMutations?: number;
    };
    if (w.ncrMutations === undefined) {
      w.ncrMutations = 0;
      new MutationObserver((records) => {
        w.ncrMutations! += records.length;
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    }
    return { runs: w.wasmBindings.ncrReaderRuns(), mutations: w.ncrMutations };
  });
}

/// Reader runs and DOM mutations caused by `act`, once the page settled.
async function counted(page: Page, act: () => Promise<void>): Promise<string> {
  await counts(page);
  await page.waitForTimeout(300);
  const before = await counts(page);
  await act();
  await page.waitForTimeout(600);
  const after = await counts(page);
  return `${after.runs - before.runs} reader runs, ${after.mutations - before.mutations} DOM mutations`;
}

test("readers re-run per edit at 1,000 findings", async ({ context, page }) => {
  test.setTimeout(300_000);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await importFile(page, writeFile("bench-1000.csv", csv(FINDINGS)));
  const mapping = page.getByRole("region", { name: "Import findings from bench-1000.csv" });
  await mapping.getByRole("button", { name: `Import ${FINDINGS} findings` }).click();
  await expect(page.getByText(new RegExp(`of ${FINDINGS} findings`))).toBeVisible({ timeout: 120_000 });
  await saved(page);

  await openFinding(page, "R-1");
  const own = await counted(page, async () => {
    await page.getByLabel("Title", { exact: true }).fill("Edited here");
    await page.getByLabel("Statement", { exact: true }).focus();
    await saved(page);
  });

  const other = await context.newPage();
  await other.goto(page.url().replace(/\/f\/[^/]+$/, ""));
  await openFinding(other, "R-2");
  const fromTab = await counted(page, async () => {
    await other.getByLabel("Title", { exact: true }).fill("Edited in the other tab");
    await other.getByLabel("Statement", { exact: true }).focus();
    await saved(other);
  });

  await page.getByRole("link", { name: "Back to register" }).click();
  await expect(page.getByRole("table")).toBeVisible();
  await other.getByRole("link", { name: "Back to register" }).click();
  await openFinding(other, "R-3");
  const onTable = await counted(page, async () => {
    await other.getByLabel("Title", { exact: true }).fill("Edited while the table shows");
    await other.getByLabel("Statement", { exact: true }).focus();
    await saved(other);
  });

  console.log(
    `per edit at ${FINDINGS} findings: own edit on its page: ${own}; ` +
      `another tab's edit of another finding while a finding shows: ${fromTab}; ` +
      `while the table shows: ${onTable}`,
  );
});
