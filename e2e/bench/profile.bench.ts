import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRegister, expect, setProfile, test, type Page } from "../fixtures";
import { importFile, storedKeys, summary } from "../journeys";

// Where the time goes (run only with E2E_BENCH=1, against a build that keeps
// function names; see docs/BENCHMARKS.md, "Where the time goes"): a
// Chromium CPU profile of each step the person waits for at 10,000
// findings, summed by function (self time), top 12 per step.
//
//   cargo bench -p ncr-core --bench document -- --files "$PWD/target/bench-files" 10000
//   # unsplit, unoptimised by wasm-opt, names kept
//   sed 's|data-cargo-features="split" data-wasm-opt="0"|data-wasm-opt="0" data-keep-debug|' index.html > prof.html
//   CARGO_TARGET_DIR=target/prof-tgt CARGO_PROFILE_RELEASE_STRIP=none \
//     trunk build --release --dist target/prof-dist prof.html; rm prof.html
//   E2E_BENCH=1 E2E_DIST=target/prof-dist npx playwright test e2e/bench/profile.bench.ts --workers=1
//
// PROFILE_TOP=N lists N of the app's functions by total time (12 unless
// told); PROFILE_DUMP=<dir> also writes each step's whole profile there.

const N = Number(process.env.BENCH_SIZES ?? 10000);
const FILES = join(process.cwd(), "target", "bench-files");

type Node = { id: number; callFrame: { functionName: string; url: string }; hitCount?: number };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

/// Self time per function in ms, most first.
function selfTimes(p: Profile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const total = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    // The app's own code only (its wasm and JS glue), not the test's
    // injected scripts that poll the page, nor the browser's idle time.
    const url = n.callFrame.url;
    const ours = url.startsWith("wasm://") || /\/nc-register-[0-9a-f]+(_bg\.wasm|\.js)/.test(url);
    const name = ours ? n.callFrame.functionName || "(anonymous)" : n.callFrame.functionName === "(garbage collector)" ? "(garbage collector)" : null;
    if (name) total.set(name, (total.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return [...total.entries()].sort((a, b) => b[1] - a[1]);
}

/// Total (inclusive) time of the app's own functions, most first: which of
/// our calls the self times above run under. A function that calls itself
/// is counted once per sample.
function totalTimes(p: Profile): [string, number][] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes as (Node & { children?: number[] })[]) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (/^(<)?(ncr_core|nc_register)::/.test(name) && !seen.has(name)) {
        seen.add(name);
        total.set(name, (total.get(name) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
      }
    }
  });
  return [...total.entries()].sort((a, b) => b[1] - a[1]);
}

async function profiled(page: Page, what: string, act: () => Promise<void>) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const start = performance.now();
  await act();
  const wall = performance.now() - start;
  const { profile } = (await cdp.send("Profiler.stop")) as { profile: Profile };
  // PROFILE_DUMP=<dir> keeps each step's whole profile, to open in
  // Chromium's DevTools (Performance, "Load profile") or to walk callers.
  if (process.env.PROFILE_DUMP) {
    mkdirSync(process.env.PROFILE_DUMP, { recursive: true });
    writeFileSync(join(process.env.PROFILE_DUMP, `${what.replace(/[^a-z0-9]+/gi, "-")}.cpuprofile`), JSON.stringify(profile));
  }
  const all = selfTimes(profile);
  const top = all.slice(0, 12);
  const sum = all.reduce((s, [, t]) => s + t, 0);
  console.log(
    `\n### ${what} (${Math.round(wall)} ms wall, ${Math.round(sum)} ms in the app's code and GC)\n\n| function | self time |\n|---|---|`,
  );
  for (const [name, t] of top) console.log(`| \`${name.slice(0, 110)}\` | ${t.toFixed(1)} ms |`);
  console.log(`\nThe app's own functions, total time (what the above runs under):\n\n| function | total time |\n|---|---|`);
  for (const [name, t] of totalTimes(profile).slice(0, Number(process.env.PROFILE_TOP ?? 12))) console.log(`| \`${name.slice(0, 110)}\` | ${t.toFixed(1)} ms |`);
  await cdp.detach();
}

test(`where the time goes at ${N} findings`, async ({ page }) => {
  test.setTimeout(600_000);
  const register = join(FILES, `register-${N}.ncr`);
  const diverged = join(FILES, `diverged-${N}.ncr`);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page, "Scratch");
  await importFile(page, register);
  const open = page.getByRole("button", { name: "Open as a separate register" });
  await expect(open).toBeVisible({ timeout: 300_000 });
  await profiled(page, "open a register file → rows shown", async () => {
    await open.click();
    await expect(page.getByText(new RegExp(`of ${N} findings`))).toBeVisible({ timeout: 300_000 });
  });
  await expect(page.getByText("All changes saved in this browser")).toBeVisible({ timeout: 300_000 });
  await profiled(page, "reload → first table rows shown", async () => {
    await page.reload();
    await expect(page.getByRole("table", { name: "Findings" }).getByRole("link").first()).toBeVisible({ timeout: 300_000 });
  });
  // Again once the view of the findings is stored: the rows come from it
  // (a preview) while Automerge loads the document.
  const id = page.url().match(/#\/r\/([^/]+)/)?.[1];
  await expect
    .poll(async () => (await storedKeys(page)).some((k) => k[0] === id && k[1] === "view"), { timeout: 300_000 })
    .toBe(true);
  await page.waitForTimeout(1_000);
  await profiled(page, "reload, view stored → the register open for edits", async () => {
    await page.reload();
    await expect(page.getByRole("table", { name: "Findings" }).getByRole("link").first()).toBeVisible({ timeout: 300_000 });
    await expect(page.getByText("All changes saved in this browser")).toBeVisible({ timeout: 300_000 });
  });
  await page.waitForTimeout(1_000);
  await profiled(page, "type “system 4711” in search, a key at a time", async () => {
    await page.getByRole("searchbox", { name: "Search" }).evaluate(async (el) => {
      const input = el as HTMLInputElement;
      for (const c of "system 4711") {
        input.value += c;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        await new Promise((r) => setTimeout(r, 0));
      }
    });
  });
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  await page.getByRole("table", { name: "Findings" }).getByRole("link").first().click();
  const grade = page.getByLabel("Grade", { exact: true });
  await expect(grade).toBeVisible();
  await page.waitForTimeout(1_000);
  await profiled(page, "change a select → persisted", async () => {
    const current = await grade.inputValue();
    await grade.selectOption(current === "major" ? "minor" : "major");
    await expect(page.getByText("All changes saved in this browser")).toBeVisible();
    await page.waitForTimeout(300);
  });
  await profiled(page, "history of one finding → shown", async () => {
    await page.getByRole("button", { name: "Show history" }).click();
    await expect(page.getByRole("region", { name: "History" }).getByRole("row").nth(1)).toBeVisible({ timeout: 120_000 });
  });
  await page.getByRole("link", { name: "Back to register" }).click();
  await profiled(page, "import + merge a copy diverged by 10 %", async () => {
    await importFile(page, diverged);
    await expect(summary(page)).toBeVisible({ timeout: 300_000 });
  });
  expect(readFileSync(register).length).toBeGreaterThan(0);
});
