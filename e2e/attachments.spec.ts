import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { deflateSync } from "node:zlib";
import * as A from "@automerge/automerge";
import type { Page } from "@playwright/test";
import { createRegister, expect, expectClean, saved, setProfile, test, watch } from "./fixtures";
import { Decrypter } from "age-encryption";
import {
  auditor,
  exportRegister,
  exportSealed,
  importFile,
  newFinding,
  openFinding,
  summary,
  writeFile,
} from "./journeys";

// Issue 17: photo and file evidence. Photos are attached to findings,
// stored in this browser by their SHA-256 (IndexedDB "ncr-attachments"),
// travel in the register file as one bundle (a zip of stored entries:
// register.automerge and attachments/<sha256>), and are stored once each
// wherever the file is imported. A file exported without them shows them
// as missing; a bundle whose attachment does not match its hash is refused.

// ----- test-made files ---------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/// A real PNG of `width` × `height` pixels, coloured by `seed`.
function png(width: number, height: number, seed: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * (width * 3 + 1) + 1 + x * 3;
      raw[at] = (x * 40 + seed) & 0xff;
      raw[at + 1] = (y * 60 + seed * 3) & 0xff;
      raw[at + 2] = (seed * 7) & 0xff;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const isZip = (bytes: Buffer) => bytes.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"));

// ----- steps -------------------------------------------------------------------

/// Attaches the file at `path` to the open finding and waits until the
/// finding lists it.
async function attach(page: Page, path: string, name: string) {
  await page.getByLabel("Attach files").setInputFiles(path);
  await expect(item(page, name)).toBeVisible();
  await saved(page);
}

function evidence(page: Page) {
  return page.getByRole("region", { name: "Attachments", exact: true });
}

/// The list item of an attached file, by its name.
function item(page: Page, name: string) {
  return evidence(page).getByRole("listitem").filter({ hasText: name });
}

/// Downloads an attachment from the open finding; its bytes.
async function downloadAttachment(page: Page, name: string): Promise<Buffer> {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    evidence(page).getByRole("button", { name: `Download ${name}`, exact: true }).click(),
  ]);
  expect(file.suggestedFilename()).toBe(name);
  return readFileSync(await file.path());
}

/// How many attachments this browser stores (by hash, in their own database).
async function storedCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open("ncr-attachments");
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    if (!db.objectStoreNames.contains("blobs")) {
      db.close();
      return 0;
    }
    const n = await new Promise<number>((ok, fail) => {
      const req = db.transaction("blobs").objectStore("blobs").count();
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    db.close();
    return n;
  });
}

async function backToRegister(page: Page) {
  await page.getByRole("link", { name: "Back to register" }).click();
}

test("two auditors attach photos offline, exchange files and both end with both photos, stored once", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const bob = await auditor(browser, "Bob Ray", "BR");
  const a = ann.page;
  const b = bob.page;
  // Once the service worker holds the app, the pages it controls need no
  // network (as e2e/file-check.spec.ts does it).
  for (const page of [a, b]) {
    await expect(page.getByText(/^Ready to work offline/)).toBeVisible();
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
  }

  await createRegister(a);
  const annFinding = await newFinding(a, "Server rack left open");
  // A register without attachments is exported as the plain document.
  const first = await exportRegister(a, "ann-0.ncr");
  expect(isZip(readFileSync(first))).toBe(false);
  await b.getByLabel("Open a register file").setInputFiles(first);
  await expect(b.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();

  // From here on, neither has a network.
  await ann.context.setOffline(true);
  await bob.context.setOffline(true);

  const annPhoto = png(4, 3, 11);
  const bobPhoto = png(5, 2, 99);
  await openFinding(a, annFinding);
  await attach(a, writeFile("rack.png", annPhoto), "rack.png");
  await expect(evidence(a).getByRole("img", { name: "Photo rack.png" })).toBeVisible();
  await backToRegister(a);

  const bobFinding = await newFinding(b, "Badge reader bypassed");
  await openFinding(b, bobFinding);
  await attach(b, writeFile("badge.png", bobPhoto), "badge.png");
  await backToRegister(b);

  // Each exports (a bundle now) and imports the other's file.
  const fromAnn = await exportRegister(a, "ann-1.ncr");
  const fromBob = await exportRegister(b, "bob-1.ncr");
  expect(isZip(readFileSync(fromAnn))).toBe(true);
  await importFile(b, fromAnn);
  await expect(summary(b)).toContainText("Attachments in the file: 1, 1 of them new in this browser.");
  await importFile(a, fromBob);
  await expect(summary(a)).toContainText("Attachments in the file: 1, 1 of them new in this browser.");

  // Both see both photos, byte for byte as they were attached.
  for (const page of [a, b]) {
    await openFinding(page, annFinding);
    await expect(evidence(page).getByRole("img", { name: "Photo rack.png" })).toBeVisible();
    expect((await downloadAttachment(page, "rack.png")).equals(annPhoto)).toBe(true);
    await backToRegister(page);
    await openFinding(page, bobFinding);
    await expect(evidence(page).getByRole("img", { name: "Photo badge.png" })).toBeVisible();
    expect((await downloadAttachment(page, "badge.png")).equals(bobPhoto)).toBe(true);
    await backToRegister(page);
    expect(await storedCount(page)).toBe(2);
  }

  // Bob's next file carries both photos; Ann already has them: still two.
  const again = await exportRegister(b, "bob-2.ncr");
  await importFile(a, again);
  await expect(summary(a)).toContainText("Attachments in the file: 2, 0 of them new in this browser.");
  expect(await storedCount(a)).toBe(2);

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});

test("a large photo is scaled down before it is stored", async ({ page }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await createRegister(page);
  const ref = await newFinding(page, "Screen shows passwords");
  await openFinding(page, ref);
  // 2,000 pixels wide: over the default 1,600, so stored as a JPEG.
  await page.getByLabel("Attach files").setInputFiles(writeFile("screen.png", png(2000, 50, 5)));
  await expect(item(page, "screen.jpg")).toBeVisible();
  const stored = await downloadAttachment(page, "screen.jpg");
  expect([...stored.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  const size = await page.evaluate(async (b64) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([raw]));
    return [bitmap.width, bitmap.height];
  }, stored.toString("base64"));
  expect(size).toEqual([1600, 40]);

  // The storage figures count it, beside the registers.
  await page.getByRole("link", { name: "NC Register" }).click();
  const usage = page.getByRole("table", { name: "Stored registers" });
  await expect(usage.getByRole("row", { name: /^Attachments \(1 file\)/ })).toContainText(
    stored.length < 1000 ? `${stored.length} B` : `${(stored.length / 1000).toFixed(1)} kB`,
  );
  // The photo size is a setting of this browser.
  await expect(page.getByLabel("Scale photos down to (longest side, pixels)")).toHaveValue("1600");
  expectClean(w);
});

/// Rewrites the first attachment of a bundle so that its bytes no longer
/// match the hash that names it, with the zip's CRCs made right again: only
/// the hash can tell.
function tamper(bundle: Buffer): Buffer {
  const out = Buffer.from(bundle);
  // The local header: the name starts 30 bytes in.
  const header = out.indexOf(Buffer.from("attachments/", "latin1")) - 30;
  expect(out.readUInt32LE(header)).toBe(0x04034b50);
  const nameLength = out.readUInt16LE(header + 26);
  const extraLength = out.readUInt16LE(header + 28);
  const name = out.subarray(header + 30, header + 30 + nameLength);
  const data = header + 30 + nameLength + extraLength;
  // The directory's entry of the same name holds the size and the CRC.
  const central = out.indexOf(name, data) - 46;
  expect(out.readUInt32LE(central)).toBe(0x02014b50);
  const size = out.readUInt32LE(central + 24);
  out[data + (size >> 1)] ^= 0xff;
  const crc = crc32(out.subarray(data, data + size));
  out.writeUInt32LE(crc, central + 16);
  if (out.readUInt16LE(header + 6) & 8) {
    // Written as a stream: the CRC follows the bytes, in a data descriptor.
    const descriptor = out.readUInt32LE(data + size) === 0x08074b50 ? data + size + 4 : data + size;
    out.writeUInt32LE(crc, descriptor);
  } else {
    out.writeUInt32LE(crc, header + 14);
  }
  return out;
}

test("a file without its attachments shows them missing; a tampered bundle is refused and changes nothing", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const bob = await auditor(browser, "Bob Ray", "BR");
  const a = ann.page;
  const b = bob.page;
  await createRegister(a);
  const ref = await newFinding(a, "Visitor badges not returned");
  await openFinding(a, ref);
  const photo = png(6, 6, 42);
  await attach(a, writeFile("badges.png", photo), "badges.png");
  await backToRegister(a);

  // Exported without attachments: the plain document, which Automerge JS loads.
  await a.getByLabel("Include attachments in the export").uncheck();
  const plain = await exportRegister(a, "without.ncr");
  const bytes = readFileSync(plain);
  expect(isZip(bytes)).toBe(false);
  const doc = A.load<Record<string, unknown>>(new Uint8Array(bytes));
  const findings = Object.values(doc.findings as Record<string, Record<string, unknown>>);
  const records = Object.values(findings[0].attachments as Record<string, Record<string, unknown>>);
  expect(records.map((r) => String(r.name))).toEqual(["badges.png"]);

  await b.getByLabel("Open a register file").setInputFiles(plain);
  await expect(b.getByRole("heading", { level: 2, name: "ACME ISMS 2026", exact: true })).toBeVisible();
  await openFinding(b, ref);
  await expect(item(b, "badges.png")).toBeVisible();
  await expect(evidence(b).getByText(/^Missing: this browser does not have this file/)).toBeVisible();
  await expect(evidence(b).getByRole("button", { name: "Download badges.png" })).toBeDisabled();
  await expect(b.getByRole("alert").filter({ hasText: /\S/ })).toHaveCount(0);
  await backToRegister(b);

  // With attachments, but the photo's bytes changed on the way.
  await a.getByLabel("Include attachments in the export").check();
  const bundle = readFileSync(await exportRegister(a, "with.ncr"));
  expect(isZip(bundle)).toBe(true);
  const tampered = writeFile("tampered.ncr", tamper(bundle));
  await importFile(b, tampered);
  await expect(b.getByRole("alert")).toContainText("does not match its content");
  await expect(b.getByRole("alert")).toContainText("Nothing was changed.");
  expect(await storedCount(b)).toBe(0);
  await openFinding(b, ref);
  await expect(evidence(b).getByText(/^Missing:/)).toBeVisible();
  await backToRegister(b);

  // The intact bundle brings the photo.
  await importFile(b, writeFile("intact.ncr", bundle));
  await expect(summary(b)).toContainText("Attachments in the file: 1, 1 of them new in this browser.");
  await openFinding(b, ref);
  expect((await downloadAttachment(b, "badges.png")).equals(photo)).toBe(true);
  await expect(evidence(b).getByText(/^Missing:/)).toHaveCount(0);

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});

test("an encrypted export seals the register and its photos as one file, which opens whole with the passphrase", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const a = ann.page;
  await createRegister(a);
  const reference = await newFinding(a, "Server room door propped open");
  await openFinding(a, reference);
  const photo = png(40, 30, 9);
  await attach(a, writeFile("door.png", photo), "door.png");
  await a.getByRole("link", { name: "Back to register" }).click();

  // The printed report names the file by the start of its SHA-256.
  await a.getByRole("link", { name: "Printable report" }).click();
  const hash = createHash("sha256").update(photo).digest("hex");
  await expect(a.getByText(`door.png (`)).toContainText(`SHA-256 ${hash.slice(0, 12)}…, attached by Ann Lee on `);
  await a.getByRole("link", { name: "Back to register" }).click();

  const passphrase = "nine herons over the weir";
  const sealed = await exportSealed(a, { passphrase }, "door.ncr.age");
  await expect(sealed.form.getByRole("status")).toHaveText(`Exported ${sealed.name}, with 1 attachment(s).`);

  // Inside the age file: the bundle, a zip with the register and the photo.
  const d = new Decrypter();
  d.addPassphrase(passphrase);
  const inside = Buffer.from(await d.decrypt(new Uint8Array(readFileSync(sealed.path))));
  expect(isZip(inside)).toBe(true);
  expect(inside.includes(Buffer.from("register.automerge"))).toBe(true);
  expect(inside.includes(photo)).toBe(true);

  const bob = await auditor(browser, "Bob Ray", "BR");
  const b = bob.page;
  await b.getByLabel("Open a register file").setInputFiles(sealed.path);
  const prompt = b.getByRole("dialog", { name: "door.ncr.age is encrypted" });
  await prompt.getByLabel("Passphrase").fill(passphrase);
  await prompt.getByRole("button", { name: "Open file" }).click();
  await expect(summary(b)).toContainText("Opened “ACME ISMS 2026” from door.ncr");
  await openFinding(b, reference);
  expect((await downloadAttachment(b, "door.png")).equals(photo)).toBe(true);
  expect(await storedCount(b)).toBe(1);

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});
