import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import type { Page } from "@playwright/test";
import { expect, expectClean, openDemo, setProfile, test, watch } from "./fixtures";
import { download, registerId } from "./journeys";

// Issue 15: the deadlines of the open findings as an iCalendar file, read
// back in Node by an independent parser (ical.js), and compared with what
// each finding's own page shows.

type Event = { uid: string; summary: string; start: string; end: string; url: string; description: string };

function parseCalendar(text: string): Event[] {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents("vevent").map((v) => {
    const event = new ICAL.Event(v);
    return {
      uid: event.uid,
      summary: event.summary,
      start: event.startDate.toString(),
      end: event.endDate.toString(),
      url: String(v.getFirstPropertyValue("url")),
      description: event.description,
    };
  });
}

/// `2026-11-28 · Due in 3 days` → the date and the state.
async function fact(page: Page, term: string): Promise<{ date: string; state: string }> {
  const text = await page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }).locator("+ dd").innerText();
  const [date, state] = text.split(" · ").map((s) => s.trim());
  return { date, state };
}

test("the deadlines export as a calendar with one event per running deadline", async ({ page, context }) => {
  const w = await watch(page);
  await page.goto("./");
  await setProfile(page);
  await openDemo(page);
  const register = registerId(page);
  // Every finding of the register, by the links of its table.
  const hrefs = await page.getByRole("table").getByRole("link").evaluateAll((links) =>
    links.map((a) => a.getAttribute("href") ?? "").filter((h) => h.includes("/f/")),
  );
  expect(hrefs.length).toBeGreaterThan(10);

  await page.getByRole("link", { name: "Due soon" }).click();
  const file = await download(page, "Export deadlines (.ics)");
  expect(file.name).toMatch(/^demo-northwind-logistics-isms--jane-doe--\d{4}-\d{2}-\d{2}-\d{4}\.ics$/);
  const text = readFileSync(file.path, "utf8");
  // RFC 5545: CRLF line endings, no line over 75 octets.
  expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  for (const line of text.split("\r\n")) expect(Buffer.byteLength(line, "utf8")).toBeLessThanOrEqual(75);
  const events = parseCalendar(text);
  expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
  // The demo has deadlines of every kind.
  for (const kind of [".plan@", ".close@", ".action-", ".review@", ".follow-up@"]) {
    expect(events.filter((e) => e.uid.includes(kind)).length, kind).toBeGreaterThan(0);
  }

  const base = page.url().split("#")[0];
  const byUid = new Map(events.map((e) => [e.uid, e]));
  let checked = 0;
  for (const href of hrefs) {
    const id = href.split("/f/")[1];
    await page.goto(base + href);
    await expect(page.getByRole("heading", { level: 2 })).toBeVisible();
    // Plan, close and an observation's follow-up: an event exactly when the
    // clock runs, on the date the page shows. A finding without such a
    // clock (an observation has no plan clock) has no such event.
    for (const [kind, term] of [
      ["plan", "Plan due"],
      ["close", "Close due"],
      ["follow-up", "Follow up on"],
    ]) {
      const event = byUid.get(`${id}.${kind}@nc-register`);
      if ((await page.getByRole("term").filter({ hasText: new RegExp(`^${term}$`) }).count()) === 0) {
        expect(event, `${href} shows no ${term}`).toBeUndefined();
        continue;
      }
      const { date, state } = await fact(page, term);
      if (date === "—" || date === "No date set" || state === "Done") {
        expect(event, `${href} ${kind}: ${date} ${state}`).toBeUndefined();
      } else {
        expect(event, `${href} ${kind}: ${date} ${state}`).toBeDefined();
        expect(event!.start).toBe(date);
        checked++;
      }
    }
    // Actions and the review: each event's day is a due date on the page.
    const ownEvents = events.filter((e) => e.uid.startsWith(`${id}.`));
    const dates = await page
      .getByLabel(/^(Due date|Review due)$/)
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    for (const e of ownEvents.filter((e) => /\.(action-.+|review)@/.test(e.uid))) {
      expect(dates, e.uid).toContain(e.start);
      checked++;
    }
    const status = (await fact(page, "Status")).date;
    if (["Closed", "Rejected", "Withdrawn"].includes(status)) expect(ownEvents, `${href} is ${status}`).toEqual([]);
    for (const e of ownEvents) {
      expect(e.url).toBe(`${base}#/r/${register}/f/${id}`);
      const reference = (await page.getByRole("heading", { level: 2 }).innerText()).split(" ")[0];
      expect(e.summary.startsWith(`${reference} `)).toBe(true);
      // All-day: the end is the next day.
      const next = new Date(`${e.start}T00:00:00Z`);
      next.setUTCDate(next.getUTCDate() + 1);
      expect(e.end).toBe(next.toISOString().slice(0, 10));
    }
  }
  expect(checked, "every event was matched to its finding").toBe(events.length);

  // A link from the calendar opens the finding in a new tab.
  const first = events[0];
  const tab = await context.newPage();
  await tab.goto(first.url);
  const reference = first.summary.split(" ")[0];
  await expect(tab.getByRole("heading", { level: 2, name: new RegExp(`^${reference} `) })).toBeVisible();
  await tab.close();
  expectClean(w);
});
