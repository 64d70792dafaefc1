#!/usr/bin/env bash
# Command 2: install whatever is missing, then run EVERY check and test:
#
#   1. cargo fmt --check
#   2. leptosfmt --check src
#   3. core tests, linted as they build: cargo test -p ncr-core -p nc-crypt
#      -p nc-sheet-reader, every target built through clippy (native)
#   4. browser tests, linted as they build: the app's wasm-bindgen tests in
#      Chromium, the app and the core as it links it built through clippy
#      (wasm32)
#   5. release build: trunk build --release
#   6. end-to-end: Playwright against the release build served from a
#      subpath
#
# The app is only ever built for wasm32, and the core (crates/core) is the
# only crate built natively: no step compiles the UI's dependencies for the
# host, which keeps a cold run (empty target/) short.
#
# Steps 3 (in target/native), 4 and 5 run as three lanes at once; step 6
# runs alone once all three are done.
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
# shown, unless QUIET=1: three lanes run at once), and record its result in
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

# Lint while building: clippy's driver compiles the workspace's own crates
# (what `cargo clippy` does, but in a real build rather than a check), so
# the tests' build is also the lint, and no crate is checked once for
# clippy and compiled again for the tests. Cargo passes the driver only to
# workspace members; dependencies build as usual.
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
linted() {
  RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" "$@"
}

CORE_CRATES=(-p ncr-core -p nc-crypt -p nc-sheet-reader)

core_tests() {
  linted cargo test --locked --no-run --all-targets "${CORE_CRATES[@]}" &&
    linted cargo test --locked "${CORE_CRATES[@]}"
}

# Three lanes at once. On two cores, each leaves a core idle for minutes
# (a crate's single-threaded compile, fat LTO's link, the tail of the
# property tests); together they take about half the sum of the three.
# The native lane
# builds in target/native: cargo locks a build directory's profile while
# it builds, and the browser tests use target/'s debug profile (the release
# build uses its release profile, so those two share target/).
native_lane() {
  export CARGO_TARGET_DIR="$NCR_ROOT/target/native"
  step 03 "core tests + clippy (native)" cargo_counts core_tests || true
}

# The app's browser tests (the root package's only test target): building
# them builds, and so lints, the app's library and binary for wasm32, and
# the core as the app links it (without `xlsx`). The spreadsheet and
# encryption modules are linted natively (step 3), their wasm entry points
# included; the split build's three `lazy_screen!` variants
# (src/ui/app.rs) are compiled, unlinted, by the release build only.
browser_lane() {
  step 04 "browser tests + clippy (wasm32)" cargo_counts linted cargo test --locked --target "$WASM_TARGET" || true
}

release_lane() {
  # The code splitter the release build's hook runs (tools/wasm-split,
  # about 1.5 minutes cold), built beside Trunk's build of the app. The
  # hook's own `cargo build` of it (scripts/split-wasm.mjs, same flags)
  # then finds it built, or waits for this one.
  cargo build --release --quiet --offline --locked --manifest-path tools/wasm-split/Cargo.toml \
    --target-dir tools/wasm-split/target >"$LOG_DIR/splitter-build.log" 2>&1 &
  local splitter=$!
  step 05 "release build" - trunk build --release --dist "$E2E_DIST" || true
  wait "$splitter" || true
}

QUIET=1 native_lane &
native_pid=$!
QUIET=1 browser_lane &
browser_pid=$!
QUIET=1 release_lane
wait "$native_pid" || true
wait "$browser_pid" || true

# End-to-end alone: its tests wait on timers and workers, which a busy
# machine would make slow.
if grep -q '^PASS' "$RESULTS_DIR/05" 2>/dev/null; then
  step 06 "e2e (Playwright)" playwright_counts npx playwright test || true
else
  printf '%-4s %5s   %-30s %s\n' SKIP - "e2e (Playwright)" "release build failed" >"$RESULTS_DIR/06"
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
