import { expect, createRegister, saved, setProfile, test } from "../fixtures";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md):
// how long an edit committed in one tab takes to show in another tab of the
// same browser (save to IndexedDB, BroadcastChannel, merge, re-render).
//
//   E2E_BENCH=1 npx playwright test
//
// Prints the median and the worst of ROUNDS edits.
const ROUNDS = 20;

test("tab-to-tab latency of a committed edit", async ({ context, page }) => {
  test.setTimeout(120_000);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await page.getByRole("button", { name: "New finding" }).click();
  await page.getByLabel("Title", { exact: true }).fill("Latency probe");
  await page.getByLabel("Owner").focus();
  await saved(page);
  const other = await context.newPage();
  await other.goto(page.url());
  await expect(other.getByLabel("Title", { exact: true })).toHaveValue("Latency probe");

  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const value = `Latency probe ${i}`;
    // Start the clock in the page at the moment the field is left (the
    // commit), and stop it in the other page when the value arrives.
    await page.getByLabel("Title", { exact: true }).fill(value);
    const arrived = other.evaluate(
      (v) =>
        new Promise<number>((resolve) => {
          const input = document.querySelector<HTMLInputElement>("#f-title");
          const check = () => (input?.value === v ? resolve(performance.timeOrigin + performance.now()) : requestAnimationFrame(check));
          check();
        }),
      value,
    );
    const sent = await page.evaluate(() => {
      const t = performance.timeOrigin + performance.now();
      (document.activeElement as HTMLElement | null)?.blur();
      return t;
    });
    samples.push((await arrived) - sent);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  console.log(`tab-to-tab: median ${median.toFixed(0)} ms, worst ${samples[samples.length - 1].toFixed(0)} ms over ${ROUNDS} edits`);
});
