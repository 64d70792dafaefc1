import { readFileSync } from "node:fs";
import * as A from "@automerge/automerge";
import { Decrypter, Encrypter, generateIdentity, identityToRecipient } from "age-encryption";
import type { Page } from "@playwright/test";
import { createRegister, expect, expectClean, test } from "./fixtures";
import {
  auditor,
  expectCount,
  exportRegister,
  exportSealed as exportAs,
  importFile,
  newFinding,
  summary,
  writeFile,
} from "./journeys";

// Issue 17: register files that travel encrypted, in the standard age
// format. Every file the app seals is opened here in Node by the
// `age-encryption` npm package (typage) and loaded by the official
// Automerge JS library; files that package seals to a profile's public key
// open and merge in the app. Wrong passphrases, wrong keys and damaged
// files are each refused with their own sentence, and change nothing.

const SEALED = /^[a-z0-9-]+--[a-z0-9-]+--\d{4}-\d{2}-\d{2}-\d{4}\.ncr\.age$/;
const PASSPHRASE = "orange kettle under the stairs";

type Plain = Record<string, unknown>;

/// The findings' titles of a register file, read with Automerge JS.
function titles(bytes: Uint8Array): string[] {
  const doc = A.load<Plain>(bytes);
  const findings = (doc.findings ?? {}) as Record<string, Plain>;
  return Object.values(findings)
    .map((f) => String(f.title ?? ""))
    .sort();
}

/// The encrypted export, its file name checked; returns its path.
async function exportSealed(page: Page, how: { passphrase: string } | { keys: string[] }, as: string) {
  const file = await exportAs(page, how, as);
  expect(file.name).toMatch(SEALED);
  await expect(file.form.getByRole("status")).toHaveText(`Exported ${file.name}.`);
  return file.path;
}

/// Creates this browser's key pair on "Encryption keys" and returns its
/// public key, leaving the page on that screen.
async function createKey(page: Page): Promise<string> {
  await page.goto(page.url().replace(/#.*$/, "#/keys"));
  await expect(page.getByRole("heading", { level: 2, name: "Encryption keys" })).toBeVisible();
  await page.getByRole("button", { name: "Create my key" }).click();
  const field = page.getByRole("textbox", { name: "Your public key" });
  await expect(field).toHaveValue(/^age1[02-9ac-hj-np-z]{58}$/);
  await expect(page.getByRole("img", { name: "QR code of your public key" })).toBeVisible();
  return field.inputValue();
}

/// The alert that says why a file was refused.
function refusal(page: Page, text: string | RegExp) {
  return page.getByRole("alert").filter({ hasText: text });
}

test("a register sealed with a passphrase opens with the age tools and in a colleague's browser, and only with that passphrase", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const a = ann.page;
  await createRegister(a);
  await newFinding(a, "Visitor log not reviewed");

  // The form says what it will not do before any work is done.
  await a.getByRole("button", { name: "Export encrypted…" }).click();
  const form = a.getByRole("region", { name: "Export an encrypted register file" });
  await form.getByLabel("A passphrase").check();
  await form.getByLabel("Passphrase", { exact: true }).fill("too short");
  await form.getByLabel("Repeat the passphrase").fill("too short");
  await form.getByRole("button", { name: "Encrypt and export" }).click();
  await expect(form.getByRole("alert")).toContainText("A passphrase needs at least 12 characters");
  await form.getByLabel("Passphrase", { exact: true }).fill(PASSPHRASE);
  await form.getByLabel("Repeat the passphrase").fill(`${PASSPHRASE}!`);
  await form.getByRole("button", { name: "Encrypt and export" }).click();
  await expect(form.getByRole("alert")).toHaveText("The two passphrases differ: type the same one twice.");

  const path = await exportSealed(a, { passphrase: PASSPHRASE }, "ann.ncr.age");
  const sealed = new Uint8Array(readFileSync(path));
  expect(new TextDecoder().decode(sealed.slice(0, 32))).toMatch(/^age-encryption\.org\/v1\n-> scrypt /);

  // Node: the age-encryption package opens it, and it is a plain
  // Automerge register inside; a wrong passphrase does not open it there
  // either.
  const d = new Decrypter();
  d.addPassphrase(PASSPHRASE);
  expect(titles(await d.decrypt(sealed))).toContain("Visitor log not reviewed");
  const wrong = new Decrypter();
  wrong.addPassphrase("orange kettle under the table");
  await expect(wrong.decrypt(sealed)).rejects.toThrow();

  // Bob, in another browser profile with no register yet, is asked for the
  // passphrase; a wrong one is said under the field and opens nothing.
  const bob = await auditor(browser, "Bob Ray", "BR");
  const b = bob.page;
  await b.getByLabel("Open a register file").setInputFiles(path);
  const prompt = b.getByRole("dialog", { name: "ann.ncr.age is encrypted" });
  await expect(prompt).toBeVisible();
  await expect(prompt.getByLabel("Passphrase")).toBeFocused();
  await prompt.getByLabel("Passphrase").fill("orange kettle under the table");
  await prompt.getByRole("button", { name: "Open file" }).click();
  await expect(prompt.getByRole("alert")).toHaveText(
    "That passphrase does not open this file. Nothing was changed.",
  );
  await expect(prompt.getByLabel("Passphrase")).toHaveAttribute("aria-invalid", "true");
  await expect(b.getByRole("heading", { name: "Create register" })).toBeVisible();

  await prompt.getByLabel("Passphrase").fill(PASSPHRASE);
  await prompt.getByRole("button", { name: "Open file" }).click();
  await expect(prompt).toBeHidden();
  await expect(summary(b)).toContainText("Opened “ACME ISMS 2026” from ann.ncr");
  await expect(b.getByRole("table", { name: "Findings" })).toContainText("Visitor log not reviewed");
  await expectCount(b, 1);

  // Cancel leaves a second copy of the file unopened.
  await b.getByLabel("Import", { exact: true }).setInputFiles(path);
  await b.getByRole("dialog", { name: "ann.ncr.age is encrypted" }).getByRole("button", { name: "Cancel" }).click();
  await expect(b.getByRole("dialog", { name: /is encrypted/ })).toBeHidden();
  await expectCount(b, 1);

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});

test("files sealed to a profile's key open and merge there alone; a wrong key and a flipped byte are refused and change nothing", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const ann = await auditor(browser, "Ann Lee", "AL");
  const bob = await auditor(browser, "Bob Ray", "BR");
  const a = ann.page;
  const b = bob.page;

  // Ann's register goes to Bob in plain, as before; Bob adds a finding.
  await createRegister(a);
  await newFinding(a, "Firewall rules not reviewed");
  const start = await exportRegister(a, "ann-start.ncr");
  await b.getByLabel("Open a register file").setInputFiles(start);
  await expect(summary(b)).toContainText("Opened “ACME ISMS 2026”");
  await newFinding(b, "Backups never restored");
  const bobs = new Uint8Array(readFileSync(await exportRegister(b, "bob.ncr")));

  // Ann makes her key pair and gives Bob her public key.
  const annKey = await createKey(a);

  // Node seals Bob's file to Ann's key, and to a stranger's.
  const toAnn = new Encrypter();
  toAnn.addRecipient(annKey);
  const sealedToAnn = await toAnn.encrypt(bobs);
  const stranger = await generateIdentity();
  const toStranger = new Encrypter();
  toStranger.addRecipient(await identityToRecipient(stranger));
  const sealedToStranger = await toStranger.encrypt(bobs);
  const flipped = sealedToAnn.slice();
  flipped[Math.floor(flipped.length * 0.6)] ^= 0x01;

  await a.goBack();
  await expectCount(a, 1);

  await importFile(a, writeFile("for-someone-else.ncr.age", sealedToStranger));
  await expect(refusal(a, "this browser's key is not one of them")).toContainText("Nothing was changed.");
  await expectCount(a, 1);

  await importFile(a, writeFile("damaged.ncr.age", flipped));
  await expect(refusal(a, "This encrypted file is damaged")).toContainText("Nothing was changed.");
  await expectCount(a, 1);
  await expect(summary(a)).toBeHidden();

  // The good file opens with Ann's key, asking nothing, and merges.
  await importFile(a, writeFile("bob-sealed.ncr.age", sealedToAnn));
  await expect(summary(a)).toContainText("Merged bob-sealed.ncr into “ACME ISMS 2026”");
  await expect(summary(a)).toContainText("Findings added: 1");
  await expectCount(a, 2);

  // Bob has no key: a file sealed to keys says so.
  await importFile(b, writeFile("to-ann.ncr.age", sealedToAnn));
  await expect(refusal(b, "this browser has no key")).toContainText("Nothing was changed.");
  await expectCount(b, 2);

  // Bob makes his key; Ann adds it to her address book and seals the
  // register to him (and not to herself). Bob's browser opens it with no
  // question; Node opens it with Bob's secret key.
  const bobKey = await createKey(b);
  await a.goto(a.url().replace(/#.*$/, "#/keys"));
  await a.getByLabel("Name", { exact: true }).fill("Bob Ray");
  await a.getByLabel("Public key", { exact: true }).fill("age1notakey");
  await a.getByRole("button", { name: "Add key" }).click();
  await expect(a.getByRole("alert").filter({ hasText: "is not an age public key" })).toBeVisible();
  await a.getByLabel("Public key", { exact: true }).fill(` ${bobKey} `);
  await a.getByRole("button", { name: "Add key" }).click();
  await expect(a.getByRole("cell", { name: bobKey })).toBeVisible();
  await a.goBack();
  await expectCount(a, 2);
  const toBob = await exportSealed(a, { keys: ["Bob Ray"] }, "to-bob.ncr.age");
  const sealedToBob = new Uint8Array(readFileSync(toBob));
  expect(new TextDecoder().decode(sealedToBob.slice(0, 32))).toMatch(/^age-encryption\.org\/v1\n-> X25519 /);

  // Ann cannot open what she sealed to Bob alone.
  await importFile(a, toBob);
  await expect(refusal(a, "this browser's key is not one of them")).toBeVisible();

  const bobSecret = await b.evaluate(() => JSON.parse(localStorage.getItem("ncr.age-key") ?? "{}").secret);
  const asBob = new Decrypter();
  asBob.addIdentity(bobSecret);
  expect(titles(await asBob.decrypt(sealedToBob))).toEqual(["Backups never restored", "Firewall rules not reviewed"]);

  await b.goBack();
  await importFile(b, toBob);
  await expect(summary(b)).toContainText(/Nothing new in to-bob\.ncr|Merged to-bob\.ncr/);
  await expectCount(b, 2);

  expectClean(ann.w);
  expectClean(bob.w);
  await ann.context.close();
  await bob.context.close();
});
