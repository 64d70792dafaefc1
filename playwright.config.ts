import { defineConfig } from "@playwright/test";

// End-to-end tests against the RELEASE build (scripts/test.sh builds it
// into target/e2e-dist with `trunk build --release`), served by
// e2e/server.mjs from a subpath of 127.0.0.1. Chromium is Debian's
// (/usr/bin/chromium): Playwright never downloads a browser here.
const port = Number(process.env.E2E_PORT ?? 4178);
const basePath = "/nc/register/";
const dist = process.env.E2E_DIST ?? "target/e2e-dist";

export default defineConfig({
  testDir: "e2e",
  // Measurements (e2e/bench/*.bench.ts) run only when asked: E2E_BENCH=1.
  testMatch: process.env.E2E_BENCH ? "**/*.bench.ts" : "**/*.spec.ts",
  // Per port, so that runs on different ports in the same checkout (set
  // E2E_PORT) don't delete each other's traces.
  outputDir: `test-results/port-${port}`,
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // Two, under CI too: a test spends most of its time waiting on the page
  // (timers, workers, IndexedDB), so two of them share two cores well. A
  // cold run's e2e took 6.9 min on two workers against 11.9 on one
  // (docs/BENCHMARKS.md, "Test command"). Benchmarks pass --workers=1.
  workers: 2,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  // `list` prints every test and the pass/fail summary, also under CI.
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}${basePath}`,
    browserName: "chromium",
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
  },
  webServer: {
    command: `node e2e/server.mjs ${dist} ${port} ${basePath}`,
    url: `http://127.0.0.1:${port}${basePath}`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: "pipe",
  },
});
