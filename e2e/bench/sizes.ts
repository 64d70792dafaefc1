import { gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { distDir } from "../fixtures";

/// What the first load fetches: index.html and the wasm, JS and CSS it
/// names, gzipped at level 9 and summed. The modules fetched on demand (the
/// screens' modules, the spreadsheet and encryption modules, the worker
/// script) are not named there, and are not counted.
export function firstLoad(): { firstLoad: number; files: string[] } {
  const dir = distDir();
  const html = readFileSync(join(dir, "index.html"), "utf8");
  const named = [...html.matchAll(/(?:href|src)="(?:\.\/)?([^"/]+\.(?:wasm|js|css))"/g)].map((m) => m[1]);
  const files = ["index.html", ...new Set(named)];
  const bytes = files.reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f)), { level: 9 }).length, 0);
  return { firstLoad: bytes, files };
}
