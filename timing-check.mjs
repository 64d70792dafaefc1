import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
const dist = process.argv[2];
const srv = spawn("node", ["e2e/server.mjs", dist, "4290", "/nc/"], { stdio: "ignore" });
await new Promise((r) => setTimeout(r, 800));
const b = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const p = await b.newPage();
await p.goto("http://127.0.0.1:4290/nc/");
await p.getByLabel("Name", { exact: true }).fill("Jane Doe");
await p.getByLabel("Initials").fill("JD");
await p.getByRole("button", { name: "Save profile" }).click();
await p.getByRole("button", { name: "Open demo register" }).click();
await p.getByRole("navigation", { name: "Register views" }).getByRole("link", { name: "Findings" }).click();
await p.getByText(/^Showing \d+ of \d+ findings$/).waitFor();
await p.waitForTimeout(3000);
const xs = [];
for (let i = 0; i < 7; i++) {
  await p.reload();
  await p.getByText(/^Showing \d+ of \d+ findings$/).waitFor();
  xs.push(await p.evaluate(() => Math.round(performance.now())));
}
xs.sort((a, b) => a - b);
console.log(dist, "reload → rows shown (upper bound), median of 7:", xs[3], xs.join(" "));
await b.close();
srv.kill();
