import { expect, test } from "../fixtures";

// Measurement, not a test (E2E_BENCH=1; docs/BENCHMARKS.md, "Encryption"):
// how long the encryption module (crates/crypt, release build) takes to
// seal and open a register file the size of a 10,000-finding register
// (0.8 MB) with 50 MB of attachments, with a passphrase and to two keys.
// The ciphers' cost does not depend on the bytes, so random bytes stand in
// for the register and the photos.
//
//   E2E_BENCH=1 npx playwright test e2e/bench/crypt.bench.ts --workers=1
//
// BENCH_MB (default "0.8,50.8") and BENCH_RUNS (default 3) change what runs.

const SIZES = (process.env.BENCH_MB ?? "0.8,50.8").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

test("sealing and opening register files in the encryption module", async ({ page }) => {
  test.setTimeout(600_000);
  await page.goto("./");
  const rows = await page.evaluate(
    async ({ sizes, runs }) => {
      // The module as the worker loads it, on the page: the same code and
      // the same wasm, timed without the worker's start-up.
      const crypt = await import(new URL("nc-crypt.js", document.baseURI).href);
      await crypt.default({ module_or_path: new URL("nc-crypt_bg.wasm", document.baseURI).href });
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const time = (f: () => unknown) => {
        const t = performance.now();
        const out = f();
        return [performance.now() - t, out] as const;
      };
      const me = JSON.parse(crypt.ncr_new_key(new Uint8Array(), "")).ok;
      const you = JSON.parse(crypt.ncr_new_key(new Uint8Array(), "")).ok;
      const out: string[] = [];
      for (const mb of sizes) {
        const bytes = new Uint8Array(Math.round(mb * 1024 * 1024));
        for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
        for (const [how, lock, keys] of [
          ["passphrase", { passphrase: "orange kettle under the stairs" }, { passphrase: "orange kettle under the stairs" }],
          ["two keys", { recipients: [me.public, you.public] }, { identities: [you.secret] }],
        ] as const) {
          const seal: number[] = [];
          const open: number[] = [];
          for (let r = 0; r < runs; r++) {
            const [ts, sealed] = time(() => crypt.ncr_seal(bytes, JSON.stringify(lock)));
            if (!(sealed instanceof Uint8Array)) throw new Error(String(sealed));
            const [to, plain] = time(() => crypt.ncr_open(sealed, JSON.stringify(keys)));
            if (!(plain instanceof Uint8Array) || plain.length !== bytes.length) throw new Error(String(plain));
            seal.push(ts);
            open.push(to);
          }
          out.push(`| ${mb} MB | ${how} | ${Math.round(median(seal)).toLocaleString("en")} ms | ${Math.round(median(open)).toLocaleString("en")} ms |`);
        }
      }
      return out;
    },
    { sizes: SIZES, runs: RUNS },
  );
  console.log(["| file | sealed with | seal (median) | open (median) |", "|---|---|---|---|", ...rows].join("\n"));
  expect(rows.length).toBe(SIZES.length * 2);
});
