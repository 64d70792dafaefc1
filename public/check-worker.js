// The file check's worker (src/platform/isolate.rs). It reads one register
// file with the app's own wasm, away from the page, and answers with one
// message; the page then terminates it. A file that makes the reader fail
// (a panic, which aborts the release build, or a trap) kills only this
// worker's copy of the app, never the page's.
//
// In:  { glue, module, bytes }: the URL of the app's JS glue (same origin,
//      beside this script), its compiled WebAssembly.Module (so nothing is
//      fetched or compiled again), the file (an ArrayBuffer, transferred).
// Out: a JSON string: the app's answer, {"ok": {...}} or {"error": "..."},
//      or {"failed": {"stage": "start" | "read", "message": "..."}} when the
//      app did not start here or its check threw or trapped.
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
  } catch (e) {
    self.postMessage(failed("start", e));
    return;
  }
  let answer;
  try {
    answer = app.ncr_check_file(new Uint8Array(data.bytes));
  } catch (e) {
    answer = failed("read", e);
  }
  self.postMessage(answer);
};
