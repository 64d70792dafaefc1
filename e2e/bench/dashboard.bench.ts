import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { createRegister, expect, setProfile, test } from "../fixtures";
import { importFile } from "../journeys";
import { showDashboard, showTable } from "./dashboard";

// Measurement, not a test (E2E_BENCH=1; docs/BENCHMARKS.md, "Dashboard"):
// how long the dashboard takes to show at 1,000 and 10,000 findings in the
// release build, opened from the table of a register read from the native
// benchmark's files.
//
//   cargo bench -p ncr-core --bench document -- --files "$PWD/target/bench-files" 1000 10000
//   E2E_BENCH=1 npx playwright test e2e/bench/dashboard.bench.ts --workers=1
//
// BENCH_SIZES (default "1000,10000") and BENCH_RUNS (default 5, each the
// dashboard shown once from the table) change what runs.

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FILES = join(process.cwd(), "target", "bench-files");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString("en")} ms`;

for (const n of SIZES) {
  test(`the dashboard at ${n} findings`, async ({ page }) => {
    test.setTimeout(120_000 + n * 60);
    await page.goto("./");
    await setProfile(page);
    await createRegister(page, "Scratch");
    await importFile(page, join(FILES, `register-${n}.ncr`));
    await page.getByRole("button", { name: "Open as a separate register" }).click({ timeout: 300_000 });
    const total = n.toLocaleString("en").replace(/,/g, ",?");
    const showing = page.getByText(new RegExp(`^Showing \\d+ of ${total} findings$`));
    await expect(showing).toBeVisible({ timeout: 300_000 });
    await expect(page.getByText("All changes saved in this browser")).toBeVisible({ timeout: 300_000 });

    const shown: number[] = [];
    const compute: number[] = [];
    const back: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t = await showDashboard(page);
      shown.push(t.shown);
      compute.push(t.compute);
      back.push(await showTable(page));
      await expect(showing).toBeVisible();
    }
    const table = [
      `| at ${n.toLocaleString("en")} findings (median of ${RUNS}) | |`,
      "|---|---|",
      `| table → dashboard shown (click to painted) | ${ms(median(shown))} |`,
      `| of which computing the figures | ${ms(median(compute))} |`,
      `| dashboard → table shown (for comparison) | ${ms(median(back))} |`,
    ].join("\n");
    console.log(table);
    writeFileSync(join(FILES, `dashboard-${n}.md`), table + "\n");
  });
}
