// The worker that reads untrusted files away from the page
// (src/platform/isolate.rs): the file check of a register file with the
// app's own wasm, and a workbook with the workbook reader's wasm
// (crates/sheet-reader). It reads one file, answers with one message, and
// the page then terminates it. A file that makes the reader fail (a panic,
// which aborts the release build, or a trap) kills only this worker's copy
// of the reader, never the page.
//
// In:  { glue, module, call, bytes, arg }: the URL of a wasm module's JS
//      glue (same origin, beside this script), the module (compiled already,
//      so nothing is fetched or compiled again, or the URL of its .wasm),
//      the name of the exported function to call (ncr_…), the file (an
//      ArrayBuffer, transferred), and a string the call takes second (the
//      fingerprint to check; ignored by the calls that take only the file).
// Out: { started: true } once the module (and the app's engine) is up,
//      then the function's answer: a JSON string, {"ok": ...} or {"error": "..."},
//      or bytes (a Uint8Array, from the encryption module's seal and open,
//      passed on without a copy); or {"failed": {"stage": "start" | "read",
//      "message": "..."}} when the module did not start here or the call
//      threw or trapped.
//
// No global scope of a page exists here, so the app's start() mounts
// nothing.
const failed = (stage, e) =>
  JSON.stringify({ failed: { stage, message: String((e && e.message) || e) } });

self.onmessage = async ({ data }) => {
  self.onmessage = null;
  let app;
  try {
    if (new URL(data.glue).origin !== self.location.origin) throw new Error("the app's code is not on this site");
    app = await import(data.glue);
    await app.default({ module_or_path: data.module });
    // The app's checks are its engine's code (src/engine.rs), a module of
    // its own: fetched here first, so that the check itself runs at once
    // and a trap in it is caught below. Other modules have no such call.
    if (typeof app.ncr_engine_ready === "function") {
      const missing = await app.ncr_engine_ready();
      if (missing) throw new Error(missing);
    }
    // The page's time limit for the file starts now (its first one covers
    // this start).
    self.postMessage({ started: true });
  } catch (e) {
    self.postMessage(failed("start", e));
    return;
  }
  let answer;
  try {
    const call = data.call;
    if (!/^ncr_[a-z_]+$/.test(call) || typeof app[call] !== "function") throw new Error(`no function ${call}`);
    answer = app[call](new Uint8Array(data.bytes), String(data.arg ?? ""));
  } catch (e) {
    answer = failed("read", e);
  }
  if (answer instanceof Uint8Array) self.postMessage(answer, [answer.buffer]);
  else self.postMessage(answer);
};
