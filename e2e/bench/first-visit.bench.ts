import { distDir, expect, serveDist, test } from "../fixtures";
import { firstLoad } from "./sizes";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md,
// "First visit over a slow link"): the first visit to the release build, in
// a fresh browser profile, over a link like a tethered phone's on site, to
// the first screen that can be used (the profile form), then to a new
// register's dashboard, the first screen whose code is fetched on demand
// when the build is split (docs/ARCHITECTURE.md, "Lazy screens").
//
//   E2E_BENCH=1 npx playwright test e2e/bench/first-visit.bench.ts --workers=1
//
// E2E_DIST picks the build, so two builds compare with the same command.
// BENCH_RUNS (default 3) runs; BENCH_LINK "kbit/s,rtt ms" (default
// "1600,150": Chrome's "Fast 3G"); BENCH_PAUSE ms (default 10000) between
// the profile form shown and "Create register", for a person typing the
// two forms (0: at once, before any screen is preloaded).

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const [KBITS, RTT] = (process.env.BENCH_LINK ?? "1600,150").split(",").map(Number);
const PAUSE = Number(process.env.BENCH_PAUSE ?? 10_000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

test(`first visit at ${KBITS} kbit/s and ${RTT} ms`, async ({ browser }) => {
  test.setTimeout(120_000 * RUNS);
  const first: number[] = [];
  const dashboard: number[] = [];
  const transferred: number[] = [];
  // Compressed as a static host sends it (mode `gzip` of e2e/server.mjs).
  const server = await serveDist(distDir(), "/first-visit/", { gzip: true });
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: RTT,
      downloadThroughput: (KBITS * 1000) / 8,
      uploadThroughput: (KBITS * 1000) / 8,
    });
    let bytes = 0;
    cdp.on("Network.loadingFinished", (e: { encodedDataLength: number }) => (bytes += e.encodedDataLength));
    const t0 = Date.now();
    await page.goto(server.url);
    await expect(page.getByRole("button", { name: "Save profile" })).toBeVisible({ timeout: 120_000 });
    first.push(Date.now() - t0);
    transferred.push(bytes);
    await page.waitForTimeout(PAUSE);
    await page.getByLabel("Name", { exact: true }).fill("Jane Doe");
    await page.getByLabel("Initials").fill("JD");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByLabel("Register name").fill("Site audit");
    await page.getByLabel("Organisation").fill("ACME Ltd");
    await page.getByLabel("Scope").fill("Head office");
    const t1 = Date.now();
    await page.getByRole("button", { name: "Create register" }).click();
    await expect(page.getByRole("heading", { level: 2, name: "Site audit" })).toBeVisible({ timeout: 120_000 });
    dashboard.push(Date.now() - t1);
    await context.close();
  }
  await server.stop();
  const kb = (x: number) => `${Math.round(x / 1000).toLocaleString("en")} kB`;
  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  console.log(
    [
      `| first visit, ${KBITS} kbit/s, ${RTT} ms (median of ${RUNS}) | ${distDir()} |`,
      "|---|---|",
      `| first load, gzipped | ${kb(firstLoad().firstLoad)} |`,
      `| page → profile form usable | ${s(median(first))} |`,
      `| "Create register", ${PAUSE / 1000} s after the form showed → dashboard shown | ${s(median(dashboard))} |`,
      `| transferred by then (the page's own fetches) | ${kb(median(transferred))} |`,
    ].join("\n"),
  );
});
