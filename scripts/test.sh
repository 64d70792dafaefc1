#!/usr/bin/env bash
# Command 2: install whatever is missing, then run EVERY check and test:
#
#   1. cargo fmt --check
#   2. leptosfmt --check src
#   3. clippy -D warnings, core (with and without its `xlsx` feature, which
#      the app leaves off) and encryption module (native)
#   4. clippy -D warnings, app (with the `split` feature Trunk's build turns
#      on: its screens as split functions), spreadsheet module and
#      encryption module (wasm32)
#   5. core tests: cargo test -p ncr-core -p nc-crypt -p nc-sheet-reader
#   6. browser tests: cargo test --target wasm32 (the app's wasm-bindgen
#      tests in Chromium)
#   7. release build: trunk build --release
#   8. end-to-end: Playwright against the release build served from a
#      subpath
#
# The app is only ever built for wasm32, and the core (crates/core) is the
# only crate built natively: no step compiles the UI's dependencies for the
# host, which keeps a cold run (empty target/) short.
#
# Steps 3, 5 and 6 (the native lane, in target/native) run beside steps 4
# and 7 (the wasm lane); step 8 runs alone once both are done.
#
# A failing step does not stop the others (except that e2e needs the release
# build); the summary at the end lists every step, its time and its test
# counts, and the exit status is non-zero if any step failed.
# Logs of each step: target/test-logs/.
set -euo pipefail
# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"

t0=$(date +%s)
ncr_install test
cd "$NCR_ROOT"
install_secs=$(($(date +%s) - t0))

if [[ "${CI:-}" == true ]]; then
  # A cold run builds each crate once: incremental caches would only cost
  # time and gigabytes of disk.
  export CARGO_INCREMENTAL=0
fi

LOG_DIR="$NCR_ROOT/target/test-logs"
mkdir -p "$LOG_DIR"
E2E_DIST="${E2E_DIST:-target/e2e-dist}"
export E2E_DIST

RESULTS_DIR="$LOG_DIR/results"
rm -rf "$RESULTS_DIR" "$LOG_DIR"/failed-*
mkdir -p "$RESULTS_DIR"

# Sum the `test result:` lines of cargo's test harnesses in a log.
cargo_counts() {
  awk '/^test result:/ {
         for (i = 1; i <= NF; i++) {
           if ($i ~ /^passed/) p += $(i - 1)
           if ($i ~ /^failed/) f += $(i - 1)
           if ($i ~ /^ignored/) g += $(i - 1)
         }
         n++
       }
       END { if (n) printf "%d passed, %d failed, %d ignored (%d test binaries)", p, f, g, n }' "$1"
}

# Playwright's list reporter ends with lines like "  3 passed (2.1s)".
playwright_counts() {
  grep -E '^ +[0-9]+ (passed|failed|flaky|skipped|interrupted|did not run)' "$1" |
    sed -E 's/^ +//' | paste -sd ',' - | sed 's/,/, /g'
}

# step ORDER NAME COUNTER CMD...: run CMD with its output in a log (also
# shown, unless QUIET=1: two lanes run at once), and record its result in
# $RESULTS_DIR/ORDER, so that the summary lists the steps in this order
# whichever lane ran them.
step() {
  local order="$1" name="$2" counter="$3"
  shift 3
  local log="$LOG_DIR/$(tr -c 'a-zA-Z0-9\n' '-' <<<"$name" | tr -s '-').log"
  printf '\n\033[1;34m=== %s\033[0m: %s\n' "$name" "$*"
  local start rc=0
  start=$(date +%s)
  if [[ "${QUIET:-0}" == 1 ]]; then
    "$@" >"$log" 2>&1 || rc=$?
  else
    "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  fi
  local secs=$(($(date +%s) - start)) status="PASS" counts=""
  if [[ $rc -ne 0 ]]; then
    status="FAIL"
    [[ "${QUIET:-0}" != 1 ]] || printf '%s\n' "$log" >"$LOG_DIR/failed-$order"
  fi
  [[ "$counter" == "-" ]] || counts="$("$counter" "$log" || true)"
  printf '%-4s %5ss  %-30s %s\n' "$status" "$secs" "$name" "$counts" >"$RESULTS_DIR/$order"
  printf '\033[1m--- %s\033[0m %s in %ss (log: %s)\n' "$name" "$status" "$secs" "${log#"$NCR_ROOT"/}"
  return $rc
}

step 01 "cargo fmt" - cargo fmt --all --check || true
step 02 "leptosfmt" - leptosfmt --check src || true

# Two lanes at once: on two cores, each leaves one idle for minutes (a
# crate's single-threaded compile, fat LTO's link, the tail of the property
# tests), and together they take about 8 minutes less than one after the
# other. The native lane builds in target/native: cargo locks a build
# directory while it builds, and the wasm builds' proc macros and build
# scripts live in target/debug.
native_lane() {
  export CARGO_TARGET_DIR="$NCR_ROOT/target/native"
  step 03 "clippy core and crypt (native)" - cargo clippy --locked -p ncr-core -p nc-crypt --all-targets -- -D warnings || true
  step 04 "clippy core as the app links it (native)" - cargo clippy --locked -p ncr-core --no-default-features --lib -- -D warnings || true
  step 06 "core tests (native)" cargo_counts cargo test --locked -p ncr-core -p nc-crypt -p nc-sheet-reader || true
  step 07 "browser tests (wasm32)" cargo_counts cargo test --locked --target "$WASM_TARGET" || true
}

wasm_lane() {
  # The app as Trunk builds it, with its screens split (`split`): the
  # unsplit build differs only in three trivial functions (src/ui/app.rs,
  # `lazy_screen!`), which the browser tests compile.
  step 05 "clippy app (wasm32)" - cargo clippy --locked -p nc-register -p nc-sheet-reader -p nc-crypt --all-targets --features nc-register/split --target "$WASM_TARGET" -- -D warnings || true
  # The code splitter the release build's hook runs (tools/wasm-split,
  # about 1.5 minutes cold), built beside Trunk's build of the app. The
  # hook's own `cargo build` of it (scripts/split-wasm.mjs, same flags)
  # then finds it built, or waits for this one.
  cargo build --release --quiet --offline --locked --manifest-path tools/wasm-split/Cargo.toml \
    --target-dir tools/wasm-split/target >"$LOG_DIR/splitter-build.log" 2>&1 &
  local splitter=$!
  step 08 "release build" - trunk build --release --dist "$E2E_DIST" || true
  wait "$splitter" || true
}

QUIET=1 native_lane &
native_pid=$!
QUIET=1 wasm_lane
wait "$native_pid" || true

# End-to-end alone: its tests wait on timers and workers, which a busy
# machine would make slow.
if grep -q '^PASS' "$RESULTS_DIR/08" 2>/dev/null; then
  step 09 "e2e (Playwright)" playwright_counts npx playwright test || true
else
  printf '%-4s %5s   %-30s %s\n' SKIP - "e2e (Playwright)" "release build failed" >"$RESULTS_DIR/09"
fi

total=$(($(date +%s) - t0))
FAILED=0
for r in "$RESULTS_DIR"/*; do
  if ! grep -q '^PASS' "$r"; then
    FAILED=1
  fi
done
# A lane's output went to its log only: show the end of each that failed.
for shown in "$LOG_DIR"/failed-*; do
  [[ -e "$shown" ]] || continue
  log=$(cat "$shown")
  printf '\n\033[1;31m=== end of %s\033[0m\n' "${log#"$NCR_ROOT"/}"
  tail -n 80 "$log"
done
printf '\n\033[1m=== Summary\033[0m (install check %ss, total %ss; logs in target/test-logs/)\n' "$install_secs" "$total"
cat "$RESULTS_DIR"/*
if [[ $FAILED -ne 0 ]]; then
  printf '\033[1;31mFAILED\033[0m\n'
  exit 1
fi
printf '\033[1;32mALL PASSED\033[0m\n'
