import type { Page } from "../fixtures";

/// From the table, follows the "Dashboard" link and measures in the page,
/// from the click until the last chart's table is in the document and
/// painted, how long the dashboard took to show; `compute` is the part
/// spent computing its figures (`window.ncrDashboardMs`, set by
/// src/ui/dashboard.rs).
export async function showDashboard(page: Page): Promise<{ shown: number; compute: number }> {
  const link = page.getByRole("navigation", { name: "Register views" }).getByRole("link", { name: "Dashboard" });
  return link.evaluate(async (el) => {
    const last = "Findings opened and closed per month";
    const there = () => [...document.querySelectorAll("caption")].some((c) => c.textContent === last);
    const t0 = performance.now();
    (el as HTMLAnchorElement).click();
    await new Promise<void>((done) => {
      const look = () => (there() ? done() : requestAnimationFrame(look));
      look();
    });
    // The frame after the one that laid it out: painted.
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const w = window as unknown as { ncrDashboardMs?: number };
    return { shown: performance.now() - t0, compute: w.ncrDashboardMs ?? NaN };
  });
}

/// The way back, measured the same way: from the "Findings" link until the
/// table's first row is painted. For comparison: both screens share what
/// every register screen mounts (the export reminder, unreadable items).
export async function showTable(page: Page): Promise<number> {
  const link = page.getByRole("navigation", { name: "Register views" }).getByRole("link", { name: "Findings" });
  return link.evaluate(async (el) => {
    const there = () => document.querySelector("table tbody tr") !== null && document.querySelector("caption")?.textContent === "Findings";
    const t0 = performance.now();
    (el as HTMLAnchorElement).click();
    await new Promise<void>((done) => {
      const look = () => (there() ? done() : requestAnimationFrame(look));
      look();
    });
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
}
