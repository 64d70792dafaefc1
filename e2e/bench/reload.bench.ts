import { expect, openDemo, setProfile, test } from "../fixtures";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md,
// "Splitting the module under Trunk"): a reload of the demo register's
// table, from navigation start to "Showing … findings" found, with the
// service worker in control (the second visit, as every day after the
// first). It tells whether fetching the screens' modules delays drawing.
//
//   E2E_BENCH=1 npx playwright test e2e/bench/reload.bench.ts --workers=1
//
// E2E_DIST picks the build; BENCH_RUNS (default 7) reloads.

const RUNS = Number(process.env.BENCH_RUNS ?? 7);

test("reload of the demo register's table", async ({ page }) => {
  test.setTimeout(60_000 + RUNS * 10_000);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const showing = page.getByText(/^Showing \d+ of \d+ findings$/);
  // Until the service worker controls the page, a reload bypasses it.
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.ready.then(() => true))).toBe(true);
  await page.reload();
  await expect(showing).toBeVisible();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    await page.reload();
    await expect(showing).toBeVisible();
    // An upper bound: the poll finds the text a little after it appears.
    times.push(await page.evaluate(() => performance.now()));
  }
  times.sort((a, b) => a - b);
  const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
  console.log(
    `| reload → table shown (median of ${RUNS}; service worker in control: ${controlled}) | ${Math.round(times[Math.floor(RUNS / 2)])} ms | ${times.map(Math.round).join(" ")} |`,
  );
});
