import { writeFileSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { Encrypter } from "age-encryption";
import { expect, openDemo, setProfile, test, type Page } from "./fixtures";

// axe-core (WCAG 2.0/2.1 A and AA rules) on every screen of the demo
// register, in light and dark, at phone and desktop sizes: zero violations.
// One page per size walks the screens and checks each in both schemes
// (emulateMedia switches the scheme in place), which keeps the run short.

const SIZES = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1440, height: 900 },
} as const;

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// A screen: how to reach it from any other, and what shows it is drawn.
type Screen = { name: string; open: (page: Page, register: string) => Promise<void> };

/// Opens a hash route and waits for the screen's heading.
async function route(page: Page, hash: string, heading: string | RegExp) {
  await page.goto(`./${hash}`);
  await expect(page.getByRole("main").getByRole("heading", { level: 2, name: heading }).first()).toBeVisible();
}

const SCREENS: Screen[] = [
  // The chooser, with "This browser" (storage, the device's settings).
  {
    name: "home",
    open: async (page) => {
      await route(page, "#/", "Registers in this browser");
      await expect(page.getByRole("heading", { level: 2, name: "This browser", exact: true })).toBeVisible();
    },
  },
  {
    name: "dashboard",
    open: async (page, r) => {
      await route(page, `#/r/${r}`, /Northwind/);
      await expect(page.getByRole("heading", { name: "Open findings by grade and status" })).toBeVisible();
    },
  },
  {
    name: "findings table, settings open",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      // The register's deadline and pattern settings, folded by default.
      const settings = page.getByText("Settings: deadlines and patterns");
      await settings.click();
      await expect(page.getByLabel("Plan due (days)")).toBeVisible();
    },
  },
  {
    name: "finding, history open",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      await page.getByRole("table", { name: "Findings" }).getByRole("link").first().click();
      await expect(page.getByRole("heading", { level: 2, name: /^NC-/ })).toBeVisible();
      await page.getByRole("button", { name: "Show history" }).click();
      await expect(page.getByRole("button", { name: "Hide history" })).toBeVisible();
    },
  },
  { name: "due soon", open: (page, r) => route(page, `#/r/${r}/due`, "Due soon") },
  { name: "report", open: (page, r) => route(page, `#/r/${r}/report`, /Northwind/) },
  // The demo holds one deleted finding, so the list shows its table.
  {
    name: "deleted findings",
    open: async (page, r) => {
      await route(page, `#/r/${r}/deleted`, "Deleted findings");
      await expect(page.getByRole("table", { name: "Deleted findings" })).toBeVisible();
    },
  },
  {
    name: "register details and audits, an audit being edited",
    open: async (page, r) => {
      await route(page, `#/r/${r}/details`, "Register details and audits");
      await page.getByRole("button", { name: /^Edit audit / }).first().click();
      await expect(page.getByRole("button", { name: "Save audit" })).toBeVisible();
    },
  },
  {
    name: "finding, deletion asked",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      await page.getByRole("table", { name: "Findings" }).getByRole("link").first().click();
      await page.getByRole("button", { name: "Delete finding…" }).click();
      await expect(page.getByLabel("Reason for deletion")).toBeVisible();
    },
  },
  // "Check a report", answered (a mistyped fingerprint: no file needed).
  {
    name: "check a report",
    open: async (page) => {
      await route(page, "#/check", "Check a report");
      await page.getByLabel("Fingerprint from the report").fill("NCR1 0123");
      await page.getByRole("button", { name: "Check", exact: true }).click();
      await expect(page.getByRole("status", { name: "Check result" })).toContainText("mistyped");
    },
  },
  // Encryption keys: a key made (its text, QR code and key file), a
  // colleague's key in the address book.
  {
    name: "encryption keys",
    open: async (page) => {
      await route(page, "#/keys", "Encryption keys");
      const create = page.getByRole("button", { name: "Create my key" });
      if (await create.isVisible()) await create.click();
      await expect(page.getByRole("img", { name: "QR code of your public key" })).toBeVisible();
      const key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
      if (!(await page.getByRole("cell", { name: key }).isVisible())) {
        await page.getByLabel("Name", { exact: true }).fill("Bob Ray");
        await page.getByLabel("Public key", { exact: true }).fill(key);
        await page.getByRole("button", { name: "Add key" }).click();
        await expect(page.getByRole("cell", { name: key })).toBeVisible();
      }
    },
  },
  {
    name: "encrypted export, passphrase chosen",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      const toggle = page.getByRole("button", { name: "Export encrypted…" });
      if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
      const form = page.getByRole("region", { name: "Export an encrypted register file" });
      await form.getByLabel("A passphrase").check();
      await form.getByRole("button", { name: "Encrypt and export" }).click();
      await expect(form.getByRole("alert")).toContainText("at least 12 characters");
      await form.getByRole("button", { name: "Close" }).click();
    },
  },
  // An encrypted file asks for its passphrase, after a wrong one.
  {
    name: "encrypted file, wrong passphrase",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      const e = new Encrypter();
      e.setScryptWorkFactor(12);
      e.setPassphrase("the right passphrase");
      const path = test.info().outputPath("sealed.ncr.age");
      writeFileSync(path, await e.encrypt(new Uint8Array([1, 2, 3])));
      await page.getByLabel("Import", { exact: true }).setInputFiles(path);
      const prompt = page.getByRole("dialog", { name: "sealed.ncr.age is encrypted" });
      await prompt.getByLabel("Passphrase").fill("a wrong passphrase");
      await prompt.getByRole("button", { name: "Open file" }).click();
      await expect(prompt.getByRole("alert")).toContainText("does not open this file");
    },
  },
  // Last: the import's mapping screen stays above every screen until it is
  // finished or cancelled. Columns, statuses, dates and the preview.
  {
    name: "spreadsheet import mapping",
    open: async (page, r) => {
      await route(page, `#/r/${r}/findings`, /Northwind/);
      await page.getByLabel("Import", { exact: true }).setInputFiles("e2e/fixtures/import/capa-register.csv");
      const mapping = page.getByRole("region", { name: "Import findings from capa-register.csv" });
      await expect(mapping.getByRole("region", { name: "Preview" })).toBeVisible();
    },
  },
];

/// The demo register, opened in a fresh page; returns its id.
async function demo(page: Page): Promise<string> {
  await page.goto("./");
  await setProfile(page);
  await openDemo(page, "dashboard");
  const id = new URL(page.url()).hash.match(/^#\/r\/([^/?]+)/)?.[1];
  expect(id, "register id in the address").toBeTruthy();
  return id!;
}

async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`).join("\n  ")}`,
  );
}

for (const [size, viewport] of Object.entries(SIZES)) {
  test(`axe finds no WCAG A/AA violation on any screen, light and dark, ${size}`, async ({ page }) => {
    test.setTimeout(120_000);
    await page.setViewportSize(viewport);
    const register = await demo(page);
    for (const screen of SCREENS) {
      await page.emulateMedia({ colorScheme: "light" });
      await screen.open(page, register);
      for (const colorScheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await violations(page), `${screen.name}, ${colorScheme}, ${size}`).toEqual([]);
      }
    }
  });
}

test("no screen is wider than a 320-pixel viewport", async ({ page }) => {
  test.setTimeout(60_000);
  await page.setViewportSize({ width: 320, height: 640 });
  const register = await demo(page);
  const tooWide: string[] = [];
  for (const screen of SCREENS) {
    await screen.open(page, register);
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    if (scrollWidth > innerWidth) tooWide.push(`${screen.name}: ${scrollWidth} px`);
  }
  expect(tooWide, "screens wider than 320 px").toEqual([]);
});
