import { writeFileSync } from "node:fs";
import { createRegister, expect, setProfile, test } from "../fixtures";
import { importFile, summary } from "../journeys";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md,
// "Spreadsheet import"): a register of IMPORT_ROWS rows (default 50,000)
// with statuses, actions and dates, imported through the mapping screen of
// the release build. Prints how long the person waits for the mapping
// screen and for the import, the longest task meanwhile (how long the page
// stopped answering at most), and the wasm memory at the end (linear
// memory only grows, so that is its peak).
//
//   E2E_BENCH=1 npx playwright test e2e/bench/import.bench.ts --workers=1

const ROWS = Number(process.env.IMPORT_ROWS ?? 50000);

test.setTimeout(15 * 60_000);

test(`import ${ROWS} rows`, async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { longest: number; wasm?: { memory: WebAssembly.Memory } };
    w.longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longest = Math.max(w.longest, e.duration);
    }).observe({ type: "longtask", buffered: true });
    addEventListener("TrunkApplicationStarted", (e) => {
      w.wasm = (e as CustomEvent).detail.wasm;
    });
  });
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const lines = ["Ref,Date raised,Finding,Description,Clause,Severity,Status,Corrective action,Action owner,Due date"];
  for (let i = 0; i < ROWS; i++) {
    lines.push(
      `R-${i},2025-03-${String(1 + (i % 28)).padStart(2, "0")},Finding ${i},Description of finding ${i} with some words,A.5.${1 + (i % 30)},Minor,${["Open", "Closed", "In progress"][i % 3]},Fix it ${i},Owner ${i % 17},2025-06-30`,
    );
  }
  const path = test.info().outputPath("big.csv");
  writeFileSync(path, lines.join("\r\n"));
  const reset = () => page.evaluate(() => ((window as unknown as { longest: number }).longest = 0));

  await reset();
  let t = Date.now();
  await importFile(page, path);
  const m = page.getByRole("region", { name: "Import findings from big.csv" });
  await expect(m).toBeVisible({ timeout: 120_000 });
  const toMapping = Date.now() - t;
  const mappingLongest = await page.evaluate(() => (window as unknown as { longest: number }).longest);

  await reset();
  t = Date.now();
  await m.getByRole("button", { name: `Import up to ${ROWS} findings` }).click();
  await expect(summary(page)).toContainText(`${ROWS} findings imported`, { timeout: 600_000 });
  const toImported = Date.now() - t;
  const importLongest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
  const wasmBytes = await page.evaluate(
    () => (window as unknown as { wasm?: { memory: WebAssembly.Memory } }).wasm?.memory.buffer.byteLength ?? 0,
  );
  const metrics = await (await page.context().newCDPSession(page)).send("Performance.getMetrics").catch(() => null);
  const heap = metrics?.metrics.find((x: { name: string }) => x.name === "JSHeapUsedSize")?.value ?? 0;
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  const report = [
    `rows: ${ROWS}`,
    `file picked -> mapping shown: ${toMapping} ms (longest task ${mappingLongest.toFixed(0)} ms)`,
    `Import clicked -> summary: ${toImported} ms (longest task ${importLongest.toFixed(0)} ms)`,
    `wasm memory at the end (its peak): ${mb(wasmBytes)}; JS heap used: ${mb(heap)}`,
  ].join("\n");
  console.log(report);
  writeFileSync(test.info().outputPath("import.txt"), report);
});
