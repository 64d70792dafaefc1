import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createRegister, expect, setProfile, test, type Page } from "../fixtures";
import { importFile, storedKeys, summary } from "../journeys";
import { showDashboard } from "./dashboard";
import { firstLoad as firstLoadOf } from "./sizes";

// Measurement, not a test (run only with E2E_BENCH=1; see docs/BENCHMARKS.md,
// "What the person waits for"): what a person waits for in the release
// build at 1,000 and 10,000 findings, each row beside Automerge's own cost
// for the same document work, measured in the same page by the same wasm
// (`ncrBenchLimits`, src/platform/bench.rs).
//
//   cargo bench -p ncr-core --bench document -- --files "$PWD/target/bench-files" 1000 10000
//   E2E_BENCH=1 npx playwright test e2e/bench/perf.bench.ts --workers=1
//
// BENCH_SIZES (default "1000,10000") and BENCH_RUNS (default 3) change what
// runs. Each row is the median of the runs; the table is printed and
// written to target/bench-files/perf-<n>.md.

const SIZES = (process.env.BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FILES = join(process.cwd(), "target", "bench-files");

type Bench = {
  firstRows: number | null;
  longTasks: { start: number; duration: number }[];
  issued: number[];
  stored: number[];
};

/// Runs in the page before the app: when the first table row appears, every
/// long task, and when each IndexedDB write is sent (the browser commits it
/// from there, whatever the page does next) and completes (persisted: its
/// event can only be seen once the page's own work after the edit is done).
function instrument() {
  const w = window as unknown as { ncrBench: Bench };
  w.ncrBench = { firstRows: null, longTasks: [], issued: [], stored: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.ncrBench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  new MutationObserver(() => {
    if (w.ncrBench.firstRows === null && document.querySelector("table tbody tr")) {
      w.ncrBench.firstRows = performance.now();
    }
  }).observe(document, { subtree: true, childList: true });
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<typeof put>) {
    w.ncrBench.issued.push(performance.now());
    const request = put.apply(this, args);
    this.transaction.addEventListener("complete", () => w.ncrBench.stored.push(performance.now()));
    return request;
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x).toLocaleString("en")} ms`;

/// Automerge's own figures (`ncrBenchLimits`, src/platform/bench.rs).
const LIMITS = ["load", "save", "read", "edit", "first edit", "merge"];
/// Milliseconds to wait after the reload before the finding's edits.
const SETTLE = Number(process.env.BENCH_SETTLE ?? 0);

/// The browser's own figure: an IndexedDB write of an edit's size.
const IDB_WRITE = "IndexedDB write, 2 kB";

async function timed(act: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await act();
  return performance.now() - start;
}

/// Changes a control in the page and measures, from the event, how long
/// its handler held the main thread and when the next IndexedDB write
/// completed.
async function changeAndPersist(page: Page, label: string, value: string, kind: "select" | "text") {
  return page.getByLabel(label, { exact: true }).evaluate(
    async (el, { value, kind }) => {
      const w = window as unknown as { ncrBench: Bench };
      const input = el as HTMLInputElement | HTMLSelectElement;
      if (kind === "text") {
        input.focus();
        input.value = value;
        input.dispatchEvent(new Event("input", { bubbles: true }));
      }
      const t0 = performance.now();
      if (kind === "select") {
        // Whatever it holds now, the other of the two values.
        const [a, b] = value.split("|");
        input.value = input.value === a ? b : a;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.blur();
      }
      const handled = performance.now() - t0;
      const stored = await new Promise<number>((done) => {
        const look = () => {
          const t = w.ncrBench.stored.find((s) => s > t0);
          if (t !== undefined) done(t - t0);
          else if (performance.now() - t0 > 60_000) done(NaN);
          else setTimeout(look, 1);
        };
        look();
      });
      const issued = (w.ncrBench.issued.find((s) => s > t0) ?? NaN) - t0;
      return { handled, issued, stored };
    },
    { value, kind },
  );
}

/// Types `text` into the search box a key at a time; for each keystroke,
/// the time from the input event until its handling (and the microtasks it
/// queued) is done.
async function typeSearch(page: Page, text: string): Promise<number[]> {
  return page.getByRole("searchbox", { name: "Search" }).evaluate(async (el, text) => {
    const input = el as HTMLInputElement;
    const times: number[] = [];
    for (const c of text) {
      input.value += c;
      const t0 = performance.now();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      await new Promise((r) => setTimeout(r, 0));
      times.push(performance.now() - t0);
    }
    return times;
  }, text);
}

for (const n of SIZES) {
  test(`what a person waits for at ${n} findings`, async ({ browser }) => {
    test.setTimeout(60_000 + n * 120);
    const register = join(FILES, `register-${n}.ncr`);
    const diverged = join(FILES, `diverged-${n}.ncr`);
    const rows: Record<string, number[]> = {};
    const add = (row: string, x: number) => (rows[row] ??= []).push(x);
    let limits: Record<string, number> = {};

    for (let run = 0; run < RUNS; run++) {
      const context = await browser.newContext();
      await context.addInitScript(instrument);
      const page = await context.newPage();
      await page.goto("./");
      await setProfile(page);
      await createRegister(page, "Scratch");

      // Open the register file as a register of its own.
      const showing = page.getByText(new RegExp(`^Showing \\d+ of ${n.toLocaleString("en").replace(/,/g, ",?")} findings$`));
      add("pick a register file → choice shown", await timed(async () => {
        await importFile(page, register);
        await expect(page.getByRole("button", { name: "Open as a separate register" })).toBeVisible({ timeout: 300_000 });
      }));
      add("open it → table rows shown", await timed(async () => {
        await page.getByRole("button", { name: "Open as a separate register" }).click();
        await expect(showing).toBeVisible({ timeout: 300_000 });
      }));
      await expect(page.getByText("All changes saved in this browser")).toBeVisible({ timeout: 300_000 });

      // The dashboard, from the table (e2e/bench/dashboard.bench.ts alone
      // measures it more often).
      add("table → dashboard shown", (await showDashboard(page)).shown);
      await page.getByRole("navigation", { name: "Register views" }).getByRole("link", { name: "Findings" }).click();
      await expect(showing).toBeVisible({ timeout: 300_000 });

      // Reload: first rows, and the long tasks on the way.
      await page.reload();
      await expect(showing).toBeVisible({ timeout: 300_000 });
      await page.waitForTimeout(1_000);
      const b = await page.evaluate(() => (window as unknown as { ncrBench: Bench }).ncrBench);
      add("reload → first table rows shown", b.firstRows ?? NaN);
      add("reload: longest task", Math.max(0, ...b.longTasks.map((t) => t.duration)));
      add(
        "reload: tasks over 50 ms after the first rows",
        b.longTasks.filter((t) => t.start >= (b.firstRows ?? 0) && t.duration > 50).length,
      );
      const fromView = () => page.evaluate(() => performance.getEntriesByName("ncr-opened-from-view").length);
      add("reload: opened from the stored view (1 = yes)", await fromView());

      // Again once the view of the findings is stored beside the register
      // (after it stayed unchanged a moment): what every later start is.
      const id = page.url().match(/#\/r\/([^/]+)/)?.[1];
      await expect
        .poll(async () => (await storedKeys(page)).some((k) => k[0] === id && k[1] === "view"), { timeout: 300_000 })
        .toBe(true);
      await page.waitForTimeout(1_000);
      await page.reload();
      await expect(showing).toBeVisible({ timeout: 300_000 });
      await page.waitForTimeout(1_000);
      const v = await page.evaluate(() => (window as unknown as { ncrBench: Bench }).ncrBench);
      add("reload, view stored → first table rows shown", v.firstRows ?? NaN);
      // The rows come from the view (a preview) while Automerge loads the
      // document; edits wait for the document.
      add(
        "reload, view stored → the register open for edits",
        await page.evaluate(() => performance.getEntriesByName("ncr-opened-from-view")[0]?.startTime ?? NaN),
      );
      add("reload, view stored: longest task", Math.max(0, ...v.longTasks.map((t) => t.duration)));
      add(
        "reload, view stored: tasks over 50 ms after the first rows",
        v.longTasks.filter((t) => t.start >= (v.firstRows ?? 0) && t.duration > 50).length,
      );
      add("reload, view stored: opened from it (1 = yes)", await fromView());

      // Search, a key at a time.
      const keys = await typeSearch(page, "system 4711");
      add("keystroke in search → handled (median)", median(keys));
      add("keystroke in search → handled (worst)", Math.max(...keys));
      await page.getByRole("searchbox", { name: "Search" }).fill("");

      // One finding: a select, a text field, the history. BENCH_SETTLE
      // (ms, 0 unless told) waits first, for the opening's idle work (the
      // history and relations indexes, the owners' walk) to be done: the
      // edits of a person who starts working later.
      if (SETTLE > 0) await page.waitForTimeout(SETTLE);
      await page.getByRole("table", { name: "Findings" }).getByRole("link").first().click();
      await expect(page.getByLabel("Title", { exact: true })).toBeVisible();
      const grade = await changeAndPersist(page, "Grade", "major|minor", "select");
      add("change a select → handled", grade.handled);
      add("change a select → write sent to IndexedDB", grade.issued);
      add("change a select → persisted", grade.stored);
      const title = await changeAndPersist(page, "Title", `Edited in run ${run}`, "text");
      add("leave a text field → handled", title.handled);
      add("leave a text field → write sent to IndexedDB", title.issued);
      add("leave a text field → persisted", title.stored);
      // Timed in the page, from the click to the first entry's row in the
      // DOM: timed from the test's side, Playwright's own round trips and
      // polling put a floor of a few hundred ms under it.
      const showHistory = page.getByRole("button", { name: "Show history" });
      add("history of one finding → shown", await showHistory.evaluate(async (button) => {
        const region = button.closest("section") as HTMLElement;
        const t0 = performance.now();
        (button as HTMLButtonElement).click();
        return await new Promise<number>((done) => {
          const look = () => {
            if (region.querySelectorAll("tbody tr").length > 0) done(performance.now() - t0);
            else if (performance.now() - t0 > 120_000) done(NaN);
            else setTimeout(look, 1);
          };
          look();
        });
      }));
      await expect(page.getByRole("region", { name: "History" }).getByRole("row").nth(1)).toBeVisible();
      await page.getByRole("link", { name: "Back to register" }).click();

      // A copy diverged by 10 %: import and merge.
      add("import + merge a copy diverged by 10 %", await timed(async () => {
        await importFile(page, diverged);
        await expect(summary(page)).toBeVisible({ timeout: 300_000 });
      }));

      // Automerge alone, same page, same files.
      const floor = await page.evaluate(
        async ({ a, b }) => {
          const bytes = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
          const w = window as unknown as { wasmBindings: { ncrBenchLimits(a: Uint8Array, b: Uint8Array): Promise<string> } };
          return JSON.parse(await w.wasmBindings.ncrBenchLimits(bytes(a), bytes(b)));
        },
        { a: readFileSync(register).toString("base64"), b: readFileSync(diverged).toString("base64") },
      );
      for (const k of LIMITS) add(`limit: ${k}`, floor[k]);
      // The browser alone: one write of an edit's size (the app stores an
      // edit's chunk, a few hundred bytes to 2 kB) into IndexedDB, with
      // the app's transaction options, until its `complete` event: the
      // floor of "persisted" besides Automerge's edit. Median of 21, on
      // the same page, idle.
      add(
        `limit: ${IDB_WRITE}`,
        await page.evaluate(async () => {
          const name = "ncr-bench-floor";
          const open = indexedDB.open(name, 1);
          open.onupgradeneeded = () => open.result.createObjectStore("s");
          const db: IDBDatabase = await new Promise((ok, ko) => {
            open.onsuccess = () => ok(open.result);
            open.onerror = () => ko(open.error);
          });
          const times: number[] = [];
          for (let i = 0; i < 21; i++) {
            const t0 = performance.now();
            await new Promise<void>((ok, ko) => {
              const tx = db.transaction("s", "readwrite");
              tx.objectStore("s").put(new Uint8Array(2048).fill(i), i);
              tx.oncomplete = () => ok();
              tx.onerror = () => ko(tx.error);
            });
            times.push(performance.now() - t0);
          }
          db.close();
          indexedDB.deleteDatabase(name);
          return times.sort((x, y) => x - y)[10];
        }),
      );
      await context.close();
    }

    limits = Object.fromEntries(Object.entries(rows).filter(([k]) => k.startsWith("limit: ")).map(([k, v]) => [k.slice(7), median(v)]));
    const limitOf: Record<string, string> = {
      "open it → table rows shown": "load",
      "reload → first table rows shown": "load",
      "reload, view stored → first table rows shown": "load",
      "reload, view stored → the register open for edits": "load",
      // The session's first edit (the bench reloaded before it): Automerge
      // first adds this page's actor to the document.
      "change a select → persisted": "first edit",
      "leave a text field → persisted": "edit",
      "import + merge a copy diverged by 10 %": "merge",
    };
    const { firstLoad } = firstLoadOf();
    const lines = [
      `| at ${n.toLocaleString("en")} findings (median of ${RUNS}) | app | Automerge alone | ratio |`,
      "|---|---|---|---|",
    ];
    for (const [row, xs] of Object.entries(rows)) {
      if (row.startsWith("limit: ")) continue;
      const x = median(xs);
      const counted = row.includes("tasks over") || row.includes("1 = yes");
      const limit = limitOf[row] ? limits[limitOf[row]] : undefined;
      lines.push(
        `| ${row} | ${counted ? String(x) : ms(x)} | ${limit !== undefined ? `${ms(limit)} (${limitOf[row]})` : ""} | ${limit ? (x / limit).toFixed(1) + "×" : ""} |`,
      );
    }
    for (const k of LIMITS) {
      if (limits[k] !== undefined) lines.push(`| Automerge alone: ${k} | | ${ms(limits[k])} | |`);
    }
    if (limits[IDB_WRITE] !== undefined) lines.push(`| the browser alone: ${IDB_WRITE}, committed | | ${ms(limits[IDB_WRITE])} | |`);
    lines.push(`| first load, gzipped (wasm + JS + CSS + HTML) | ${Math.round(firstLoad / 1000).toLocaleString("en")} kB | | |`);
    const table = lines.join("\n");
    console.log(table);
    // Every run's figure, to tell a slow run from a slow build.
    if (process.env.BENCH_RAW) for (const [row, xs] of Object.entries(rows)) console.log(`raw: ${row}: ${xs.map(ms).join(", ")}`);
    writeFileSync(join(FILES, `perf-${n}.md`), table + "\n");
  });
}
