import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import * as A from "@automerge/automerge";
import { createRegister, expect, saved, setProfile, test, watch, type Page } from "./fixtures";
import {
  download,
  expectCount,
  exportRegister,
  importFile,
  newFinding,
  openFinding,
  registerId,
  row,
  storeChunk,
  storedKeys,
  writeFile,
} from "./journeys";

// Issue 11: a register that no peer can break. Files that come in through
// "Import" are untrusted: whatever bytes they hold, the page keeps working,
// says why in a sentence, and the register keeps exactly the findings it
// had. Data already stored in this browser (written by another tab or an
// older version) always opens; what cannot be read is listed apart.
//
// Every crafted file starts from a real export and is changed in Node with
// the official Automerge JS library, as another tool would.

type Plain = Record<string, unknown>;

/// The refusal sentences of damaged bytes. The file check in a throwaway
/// worker may also refuse a file that makes the reader fail.
const DAMAGED = /This file is damaged or is not an NC Register file|This file could not be read safely/;

function load(path: string): A.Doc<Plain> {
  return A.load<Plain>(new Uint8Array(readFileSync(path)));
}

function findingsOf(doc: A.Doc<Plain>): Record<string, Plain> {
  return (doc.findings ?? {}) as Record<string, Plain>;
}

/// Strings as the app writes them (scalar strings, not collaborative text).
function am(value: unknown): unknown {
  if (typeof value === "string") return new A.ImmutableString(value);
  if (value instanceof A.ImmutableString) return new A.ImmutableString(value.toString());
  if (Array.isArray(value)) return value.map(am);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Plain).map(([k, v]) => [k, am(v)]));
  }
  return value;
}

/// A plain copy of a finding of the document (to build a new one from).
function plainFinding(doc: A.Doc<Plain>, id: string): Plain {
  const unwrap = (v: unknown): unknown => {
    if (v instanceof A.ImmutableString) return v.toString();
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Plain).map(([k, x]) => [k, unwrap(x)]));
    return v;
  };
  return unwrap(findingsOf(doc)[id]) as Plain;
}

/// The id of the finding whose reference is `reference`.
function idOf(doc: A.Doc<Plain>, reference: string): string {
  const hit = Object.entries(findingsOf(doc)).find(([, f]) => String(f.reference) === reference);
  if (!hit) throw new Error(`no finding ${reference} in the file`);
  return hit[0];
}

/// A copy of `doc` with one more change made by another tool (a fresh actor).
function crafted(path: string, change: (d: Plain, doc: A.Doc<Plain>) => void): Uint8Array {
  const doc = load(path);
  const next = A.change(A.clone(doc), (d) => change(d as Plain, doc));
  return A.save(next);
}

/// Records what would mean the page broke: uncaught errors.
function crashes(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("crash", () => errors.push("the page crashed"));
  return errors;
}

/// A register "ACME ISMS 2026" with two findings, and its export.
async function registerWithFindings(page: Page, name = "Ann Lee", initials = "AL") {
  await page.goto("./");
  await setProfile(page, name, initials);
  await createRegister(page);
  const first = await newFinding(page, "Access reviews not performed");
  const second = await newFinding(page, "Backups never restored");
  await expectCount(page, 2);
  const path = await exportRegister(page, "acme.ncr");
  return { first, second, path };
}

test("Done when: a peer's finding that cannot be read is refused whole and the register keeps working", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const w = await watch(page);
  const errors = crashes(page);
  const { first, second, path } = await registerWithFindings(page);
  const before = Object.keys(findingsOf(load(path))).sort();
  expect(before).toHaveLength(2);

  // Another tool adds a finding without a statement and with a grade this
  // version does not know.
  const bad = randomUUID();
  const file = crafted(path, (d, doc) => {
    const base = plainFinding(doc, idOf(doc, first));
    delete base.statement;
    base.id = bad;
    base.reference = "NC-2026-ZZ-001";
    base.title = "Written by another tool";
    base.grade = "critical";
    base.actions = {};
    (d.findings as Plain)[bad] = am(base);
  });
  // The file really holds it (read back with the JS library).
  expect(Object.keys(findingsOf(A.load<Plain>(file)))).toContain(bad);

  await importFile(page, writeFile("with-bad-finding.ncr", file));
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("This file was not merged");
  await expect(alert).toContainText("NC-2026-ZZ-001");
  await expect(alert).toContainText("Nothing was changed.");
  test.info().annotations.push({ type: "sentence", description: (await alert.textContent()) ?? "" });
  await expectCount(page, 2);
  await expect(row(page, "NC-2026-ZZ-001")).toHaveCount(0);

  // An export made right after holds exactly the findings it had.
  const after = load(await exportRegister(page, "after-refusal.ncr"));
  expect(Object.keys(findingsOf(after)).sort()).toEqual(before);
  expect(Object.keys(findingsOf(after))).not.toContain(bad);

  // One ordinary edit, then a reload: the register opens with all of them.
  await openFinding(page, first);
  await page.getByLabel("Title", { exact: true }).fill("Access reviews overdue since March");
  await page.getByLabel("Statement", { exact: true }).focus();
  await saved(page);
  await page.getByRole("link", { name: "Back to register" }).click();
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expectCount(page, 2);
  await expect(row(page, first)).toContainText("Access reviews overdue since March");
  await expect(row(page, second)).toBeVisible();
  await expect(page.getByRole("region", { name: "Could not be read" })).toHaveCount(0);

  expect(errors, "uncaught errors").toEqual([]);
  expect(w.foreign).toEqual([]);
  expect(w.failed).toEqual([]);
  expect(w.errors, "console errors").toEqual([]);
});

/// What a refused import shows. `sentence` must appear in the alert, and the
/// register must keep its findings.
type Expect =
  | { alert: RegExp | string; also?: string }
  | { dialog: true };

type Case = {
  name: string;
  /// The file's bytes, from the register's own export.
  file: (path: string, refs: { first: string; second: string }) => Uint8Array;
  expect: Expect;
};

const NOT_MERGED: Expect = { alert: "This file was not merged", also: "Nothing was changed." };

/// `n` random bytes that begin like an Automerge file (magic bytes), so the
/// reader gets past its first check.
function randomLike(path: string, n: number): Uint8Array {
  const head = readFileSync(path).subarray(0, 4);
  const bytes = randomBytes(n);
  head.copy(bytes, 0);
  return bytes;
}

const cases: Case[] = [
  { name: "zero bytes", file: () => new Uint8Array(0), expect: { alert: DAMAGED, also: "Nothing was changed." } },
  { name: "random bytes", file: () => randomBytes(64 * 1024), expect: { alert: DAMAGED, also: "Nothing was changed." } },
  {
    name: "a truncated export",
    file: (path) => {
      const bytes = readFileSync(path);
      return bytes.subarray(0, Math.floor(bytes.length * 0.7));
    },
    expect: { alert: DAMAGED, also: "Nothing was changed." },
  },
  {
    name: "a bit-flipped export",
    file: (path) => {
      const bytes = Buffer.from(readFileSync(path));
      bytes[Math.floor(bytes.length / 2)] ^= 0x10;
      return bytes;
    },
    expect: { alert: DAMAGED, also: "Nothing was changed." },
  },
  {
    name: "another register's file",
    // Built in the test itself (a second register in this browser).
    file: () => new Uint8Array(0),
    expect: { dialog: true },
  },
  {
    name: "a newer schema",
    file: (path) =>
      crafted(path, (d) => {
        d.schema = 99;
      }),
    expect: { alert: "written by a newer version of NC Register", also: "Nothing was changed." },
  },
  {
    name: "a 30 MB file",
    file: (path) => randomLike(path, 30 * 1024 * 1024),
    expect: { alert: DAMAGED, also: "Nothing was changed." },
  },
  {
    name: "the findings replaced by a string",
    file: (path) =>
      crafted(path, (d) => {
        d.findings = new A.ImmutableString("no findings here");
      }),
    expect: { alert: "These changes would replace the register's findings with something else; nothing was applied." },
  },
  {
    name: "wrong types: a title as a number, actions as a string",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const f = (d.findings as Record<string, Plain>)[idOf(doc, refs.first)];
        f.title = 42;
        f.actions = new A.ImmutableString("none yet");
      }),
    expect: NOT_MERGED,
  },
  {
    name: "nulls",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const f = (d.findings as Record<string, Plain>)[idOf(doc, refs.first)];
        f.title = null;
        f.status = null;
        f.requirements = null;
      }),
    expect: NOT_MERGED,
  },
  {
    name: "unknown enum codes",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const f = (d.findings as Record<string, Plain>)[idOf(doc, refs.second)];
        f.grade = new A.ImmutableString("catastrophic");
        f.status = new A.ImmutableString("exploded");
      }),
    expect: NOT_MERGED,
  },
  {
    name: "a 2 MB title",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const f = (d.findings as Record<string, Plain>)[idOf(doc, refs.first)];
        f.title = new A.ImmutableString("x".repeat(2 * 1024 * 1024));
      }),
    expect: NOT_MERGED,
  },
  {
    name: "5,000 corrective actions in one finding",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const id = randomUUID();
        const base = plainFinding(doc, idOf(doc, refs.first));
        base.id = id;
        base.reference = "NC-2026-ZZ-002";
        base.title = "Five thousand actions";
        const actions: Plain = {};
        for (let i = 0; i < 5000; i++) {
          const aid = randomUUID();
          actions[aid] = { id: aid, description: `Action ${i}`, owner: "IT", due: null, status: "planned", done_on: null };
        }
        base.actions = actions;
        (d.findings as Plain)[id] = am(base);
      }),
    expect: NOT_MERGED,
  },
  {
    name: "an impossible date",
    file: (path, refs) =>
      crafted(path, (d, doc) => {
        const f = (d.findings as Record<string, Plain>)[idOf(doc, refs.second)];
        f.detected_on = new A.ImmutableString("2026-02-30");
      }),
    expect: NOT_MERGED,
  },
];

for (const c of cases) {
  test(`bad input is refused with a sentence and changes nothing: ${c.name}`, async ({ page }) => {
    test.setTimeout(120_000);
    const w = await watch(page);
    const errors = crashes(page);
    let path: string;
    let refs: { first: string; second: string };
    if ("dialog" in c.expect) {
      // Another register of this browser gives its file first.
      await page.goto("./");
      await setProfile(page, "Ann Lee", "AL");
      await createRegister(page, "Other register");
      await newFinding(page, "Visitor log missing");
      const other = await exportRegister(page, "other.ncr");
      await page.getByRole("link", { name: "NC Register" }).click();
      await createRegister(page);
      const first = await newFinding(page, "Access reviews not performed");
      const second = await newFinding(page, "Backups never restored");
      path = other;
      refs = { first, second };
    } else {
      const made = await registerWithFindings(page);
      path = writeFile("input.ncr", c.file(made.path, made));
      refs = made;
    }
    await expectCount(page, 2);
    await importFile(page, path);

    if ("dialog" in c.expect) {
      const choice = page.getByRole("alertdialog", { name: "This file holds a different register" });
      await expect(choice).toContainText("It has not been merged.");
      await expect(choice.getByRole("button", { name: "Copy its findings into this register" })).toBeVisible();
      await choice.getByRole("button", { name: "Cancel" }).click();
      await expect(choice).toHaveCount(0);
      await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
    } else {
      const alert = page.getByRole("alert");
      await expect(alert).toContainText(c.expect.alert, { timeout: 70_000 });
      if (c.expect.also) await expect(alert).toContainText(c.expect.also);
      // Kept in the report: the sentence the person saw.
      test.info().annotations.push({ type: "sentence", description: (await alert.textContent()) ?? "" });
    }
    await expectCount(page, 2);
    await expect(row(page, refs.first)).toBeVisible();
    await expect(row(page, refs.second)).toBeVisible();
    await expect(page.getByRole("region", { name: "Could not be read" })).toHaveCount(0);

    // The page still responds: a new finding can be added and is stored.
    await newFinding(page, "Added after the refusal");
    await expectCount(page, 3);
    await page.reload();
    await expectCount(page, 3);

    expect(errors, "uncaught errors").toEqual([]);
    expect(w.foreign).toEqual([]);
    expect(w.failed).toEqual([]);
    expect(w.errors, "console errors").toEqual([]);
  });
}

test("stored data with an unreadable finding still opens; the item is listed, and discarded for good", async ({
  page,
}) => {
  test.setTimeout(90_000);
  const w = await watch(page);
  const errors = crashes(page);
  const { first, second, path } = await registerWithFindings(page);
  const id = registerId(page);

  // Ann's other tab (an older version, or another tool in her browser)
  // stores a change: a "finding" that is a list, and a grade this version
  // does not know on an existing finding.
  const doc = load(path);
  const me = A.decodeChange(A.getAllChanges(doc).at(-1)!).actor;
  expect(me).toHaveLength(48); // person (16 bytes) + session (8 bytes)
  const actor = me.slice(0, 32) + randomBytes(8).toString("hex");
  const bad = randomUUID();
  const graded = idOf(doc, second);
  const next = A.change(A.clone(doc, actor), (d) => {
    const findings = d.findings as Record<string, unknown>;
    findings[bad] = am(["not", "a", "finding"]);
    (findings[graded] as Plain).grade = new A.ImmutableString("critical");
  });
  const changes = A.getChanges(doc, next);
  expect(changes).toHaveLength(1);
  const hash = A.decodeChange(changes[0]).hash;
  await saved(page);
  expect((await storedKeys(page)).some((k) => k[0] === id)).toBe(true);
  await storeChunk(page, [id, "incremental", hash], changes[0]);

  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  const panel = page.getByRole("region", { name: "Could not be read" });
  await expect(panel).toContainText("1 finding from Ann Lee could not be read.");
  await expect(panel.getByRole("button", { name: "Export unreadable items" })).toBeVisible();
  // The other findings are listed, the one with an unknown grade too.
  await expectCount(page, 2);
  await expect(row(page, first)).toBeVisible();
  await expect(row(page, second)).toBeVisible();

  // The unreadable item can be exported as it is.
  const exported = JSON.parse(readFileSync((await download(page, "Export unreadable items", "unreadable.json")).path, "utf8"));
  expect(exported).toHaveLength(1);
  expect(exported[0].id).toBe(bad);
  expect(exported[0].raw).toEqual(["not", "a", "finding"]);

  // The finding read with a safe default says what was wrong.
  await openFinding(page, second);
  await expect(page.getByRole("region", { name: "Needs attention" })).toContainText("critical");
  await page.getByRole("link", { name: "Back to register" }).click();

  // Work goes on: a new finding is added.
  const third = await newFinding(page, "Clean desk not enforced");
  await expectCount(page, 3);

  // Discarded: gone, and still gone after a reload.
  await panel.getByText("Show each item").click();
  const short = bad.slice(0, 8);
  await expect(panel.getByRole("button", { name: `Export finding ${short}` })).toBeVisible();
  await panel.getByRole("button", { name: `Discard finding ${short}` }).click();
  await expect(panel).toHaveCount(0);
  await saved(page);
  await page.reload();
  await expect(page.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await expectCount(page, 3);
  await expect(row(page, third)).toBeVisible();
  await expect(page.getByRole("region", { name: "Could not be read" })).toHaveCount(0);

  // And an export no longer holds it.
  const final = load(await exportRegister(page, "after-discard.ncr"));
  expect(Object.keys(findingsOf(final))).not.toContain(bad);
  expect(Object.keys(findingsOf(final))).toHaveLength(3);

  expect(errors, "uncaught errors").toEqual([]);
  expect(w.foreign).toEqual([]);
  expect(w.failed).toEqual([]);
  expect(w.errors, "console errors").toEqual([]);
});

test("a finding deleted outright by another tool while edited here is kept, deleted", async ({ page }) => {
  test.setTimeout(90_000);
  const errors = crashes(page);
  const { first, second, path } = await registerWithFindings(page);
  const doc = load(path);
  const gone = idOf(doc, first);
  // Another tool deletes the record (its map key), not marking it deleted.
  const file = A.save(
    A.change(A.clone(doc), (d) => {
      delete (d.findings as Plain)[gone];
    }),
  );
  // Meanwhile this copy edits it.
  await openFinding(page, first);
  await page.getByLabel("Title", { exact: true }).fill("Access reviews overdue since March");
  await page.getByLabel("Statement", { exact: true }).focus();
  await saved(page);
  await page.getByRole("link", { name: "Back to register" }).click();

  await importFile(page, writeFile("deleted-outright.ncr", file));
  const summary = page.getByRole("status").filter({ has: page.getByRole("heading", { level: 2 }) });
  await expect(summary).toContainText("Findings removed by the other side: 1");
  await expectCount(page, 1);
  await expect(row(page, second)).toBeVisible();
  await expect(page.getByRole("region", { name: "Could not be read" })).toHaveCount(0);

  // Kept in the register, marked deleted, with this copy's edit.
  const after = findingsOf(load(await exportRegister(page, "after-delete.ncr")));
  expect(Object.keys(after)).toContain(gone);
  expect(after[gone].deleted).toBe(true);
  expect(String(after[gone].title)).toBe("Access reviews overdue since March");
  await page.reload();
  await expectCount(page, 1);
  expect(errors, "uncaught errors").toEqual([]);
});
