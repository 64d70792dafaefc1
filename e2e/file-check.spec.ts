import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  createRegister,
  distDir,
  expect,
  serveDist,
  setProfile,
  test,
  watch,
  type Page,
  type Watch,
} from "./fixtures";
import { expectCount, exportRegister, importFile, newFinding, summary } from "./journeys";

// Issue 11: every register file the person picks is read first in a
// throwaway Web Worker running the same wasm (src/platform/isolate.rs,
// public/check-worker.js). A file that makes the reader fail (a panic aborts
// the release build; a trap) kills only the worker: the page refuses it with
// one sentence, the register keeps its findings, and the app goes on.

const UNSAFE = "This file could not be read safely: it made the reader fail. Nothing was changed.";

/// A file found by fuzzing that makes Automerge's loader panic (saved by the
/// fuzzing work of issue 11).
function crashFile() {
  return join(test.info().project.testDir, "fixtures", "crash-loader.ncr");
}

/// Requests for the check's worker script.
function workerScripts(w: Watch) {
  return w.requests.filter((u) => new URL(u).pathname.endsWith("/check-worker.js"));
}

/// The page is alive: uncaught errors and crashes of the page itself.
function pageFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on("pageerror", (e) => failures.push(e.message));
  page.on("crash", () => failures.push("the page crashed"));
  return failures;
}

/// Imports `bad`, expects the refusal sentence and an unchanged register,
/// then shows the app still works: a finding is added, a good file merges,
/// and a reload finds everything stored. Returns the page's own uncaught
/// errors.
async function refusedAndStillWorking(page: Page, bad: string, w: Watch, afterRefusal = async () => {}) {
  const failures = pageFailures(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  await newFinding(page, "Access reviews not performed");
  await expectCount(page, 1);
  const good = await exportRegister(page, "acme.ncr");

  const before = workerScripts(w).length;
  await importFile(page, bad);
  // Up to the check's own time limit (60 s): a reader running out of memory
  // takes seconds, more on a loaded machine.
  await expect(page.getByRole("alert")).toContainText(UNSAFE, { timeout: 70_000 });
  // The check ran in a worker of the build's own script.
  expect(workerScripts(w).length).toBeGreaterThan(before);
  await expectCount(page, 1);
  await expect(summary(page)).toHaveCount(0);
  await afterRefusal();

  // The app goes on: an edit, and an ordinary import of the same register.
  await newFinding(page, "Backups never restored");
  await expectCount(page, 2);
  await importFile(page, good);
  await expect(summary(page)).toContainText("already had every change");
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expectCount(page, 2);
  expect(w.foreign, "requests to other origins").toEqual([]);
  expect(w.failed, "failed requests").toEqual([]);
  return failures;
}

test("a file that makes Automerge's loader panic is refused by the worker; the register and the app go on", async ({
  page,
}) => {
  test.skip(!existsSync(crashFile()), "no e2e/fixtures/crash-loader.ncr yet (from the fuzzing work)");
  test.setTimeout(90_000);
  const w = await watch(page);
  expect(await refusedAndStillWorking(page, crashFile(), w), "the page itself never failed").toEqual([]);
  // What the worker printed is its own panic, never the page's.
  expect(w.errors.filter((e) => !/panicked|unreachable/i.test(e)), "console errors").toEqual([]);
});

// A 9.7 kB file (found by fuzzing `merge`, checksums recomputed) whose
// column headers make Automerge's loader ask for gigabytes
// (change_graph.rs:945 collecting a delta column): the worker runs out of
// memory and traps, and the page refuses the file like any other crash.
test("a file that makes Automerge's loader ask for gigabytes is refused by the worker; the register and the app go on", async ({
  page,
}) => {
  test.setTimeout(120_000);
  const w = await watch(page);
  const oom = join(test.info().project.testDir, "fixtures", "oom-loader.ncr");
  expect(await refusedAndStillWorking(page, oom, w), "the page itself never failed").toEqual([]);
  expect(w.errors.filter((e) => !/panicked|unreachable|memory|allocation/i.test(e)), "console errors").toEqual([]);
});

// The same path without a crash file: the worker's copy of the app really
// traps (a read outside its memory, in the app's own check, as an aborted
// panic does), through a test-only copy of the worker script served in
// place of the build's. No file can reach this: it replaces the script.
// Without a service worker: Playwright routes a dedicated worker's script
// only then (with one, only the service worker's own download is routed).
test("a check that traps in the worker (simulated) is refused; the register and the app go on", async ({
  browser,
}) => {
  const context = await browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  test.setTimeout(90_000);
  const w = await watch(page);
  const script = readFileSync(join(distDir(), "check-worker.js"), "utf8");
  const trapping = script
    .replace(
      "await app.default({ module_or_path: data.module });",
      "self.wasm = await app.default({ module_or_path: data.module });",
    )
    .replace(
      'answer = app[call](new Uint8Array(data.bytes), String(data.arg ?? ""));',
      // The raw export, given a slice far outside the instance's memory.
      "answer = self.wasm[call](0xfffff000, 0x800);",
    );
  expect(trapping).toContain("self.wasm[call](0xfffff000");
  await context.route("**/check-worker.js", (route) =>
    route.fulfill({ contentType: "text/javascript", body: trapping }),
  );
  const file = test.info().outputPath("any.ncr");
  writeFileSync(file, "any bytes");
  // The build's own worker script again for the ordinary import after it.
  const failures = await refusedAndStillWorking(page, file, w, () => context.unroute("**/check-worker.js"));
  // Service workers are blocked here: the page copes with that too.
  expect(failures, "the page itself never failed").toEqual([]);
  expect(w.errors, "console errors").toEqual([]);
  await context.close();
});

test("register files are checked in the worker offline too, from any path", async ({ page, context }) => {
  test.setTimeout(90_000);
  const server = await serveDist(distDir(), "/audits/check/");
  const w = await watch(page, server.origin);
  try {
    await page.goto(server.url);
    await setProfile(page);
    await expect(page.getByText(/^Ready to work offline/)).toBeVisible();
    await createRegister(page);
    await newFinding(page, "Clean desk not enforced");
    const file = await exportRegister(page, "acme.ncr");
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);

    await server.stop();
    await context.setOffline(true);
    await page.reload();
    await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
    // A damaged file gets the reader's own sentence, a good one merges.
    const bytes = readFileSync(file);
    const damaged = test.info().outputPath("damaged.ncr");
    writeFileSync(damaged, bytes.subarray(0, bytes.length >> 1));
    await importFile(page, damaged);
    await expect(page.getByRole("alert")).toContainText("This file is damaged or is not an NC Register file");
    await importFile(page, file);
    await expect(summary(page)).toContainText("already had every change");
    await expectCount(page, 1);
    expect(workerScripts(w).length).toBeGreaterThanOrEqual(2);
    expect(w.foreign).toEqual([]);
    expect(w.errors).toEqual([]);
  } finally {
    await server.stop();
  }
});
