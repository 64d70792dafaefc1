#!/usr/bin/env bash
# Installs whatever the build and test chain needs and is missing, then sets
# up the environment (PATH etc.). Shared by scripts/serve.sh and
# scripts/test.sh; can also be run on its own:
#
#   bash scripts/install.sh          # what `serve` needs
#   bash scripts/install.sh test     # plus browsers, linters, formatters
#
# Every tool is checked by VERSION, not mere presence, so a second run only
# runs a few `--version` commands. Versions are pinned in scripts/versions.env,
# Cargo.lock (wasm-bindgen), package-lock.json (binaryen, Playwright) and
# Trunk.toml [tools] (checked for consistency here).
#
# Works on Debian 12 with Rust (rustup) installed. Nothing is downloaded from
# GitHub: Rust tools come from crates.io, wasm-opt and Playwright from npm,
# Chromium and chromedriver from Debian.

# When sourced, the caller's shell options apply; when run, be strict.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  set -euo pipefail
fi

NCR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
source "$NCR_ROOT/scripts/versions.env"

ncr_log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
ncr_die() {
  printf '\033[1;31mxx>\033[0m %s\n' "$*" >&2
  exit 1
}

# Environment for every build and test command. Idempotent.
ncr_env() {
  export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
  local bin="$NCR_ROOT/node_modules/.bin"
  # node_modules/.bin first (wasm-opt from npm binaryen), then ~/.cargo/bin.
  case ":$PATH:" in
    "$bin:$CARGO_HOME/bin:"*) ;;
    *) export PATH="$bin:$CARGO_HOME/bin:$PATH" ;;
  esac
  export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
  export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-90}"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  # Trunk: no update check against crates.io, no tool downloads (Trunk.toml
  # also sets `offline = true`).
  export TRUNK_SKIP_VERSION_CHECK=true
  export TRUNK_OFFLINE=true
  WASM_BINDGEN_VERSION="$(ncr_lock_version wasm-bindgen)"
  export WASM_BINDGEN_VERSION
}

# Version of a package in Cargo.lock.
ncr_lock_version() {
  awk -v name="$1" '
    $0 == "name = \"" name "\"" { found = 1; next }
    found && /^version = / { gsub(/"/, "", $3); print $3; exit }
  ' "$NCR_ROOT/Cargo.lock"
}

# `ncr_has_version CMD EXPECTED [ARGS...]`: true when the first line of
# `CMD --version` (or ARGS) equals EXPECTED.
ncr_has_version() {
  local cmd="$1" expected="$2"
  shift 2
  [[ $# -gt 0 ]] || set -- --version
  command -v "$cmd" >/dev/null 2>&1 || return 1
  local got
  got="$("$cmd" "$@" 2>/dev/null | head -n 1)" || return 1
  [[ "$got" == "$expected" ]]
}

ncr_sudo() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    ncr_die "need root (or sudo) to run: $*"
  fi
}

NCR_APT_UPDATED=""
# Install Debian packages that are not installed (apt-get update once).
ncr_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  ncr_log "apt-get install ${missing[*]}"
  if [[ -z "$NCR_APT_UPDATED" ]]; then
    ncr_sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    NCR_APT_UPDATED=1
  fi
  ncr_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

ncr_ensure_rust() {
  command -v cargo >/dev/null 2>&1 && command -v rustup >/dev/null 2>&1 ||
    ncr_die "Rust is required: install it with rustup (https://rustup.rs), then re-run."
  # A C toolchain links the Rust tools compiled by `cargo install`.
  command -v cc >/dev/null 2>&1 || ncr_apt_install build-essential
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    ncr_log "rustup target add $WASM_TARGET"
    rustup target add "$WASM_TARGET"
  fi
}

ncr_ensure_rust_components() {
  local installed missing=() c
  installed="$(rustup component list --installed)"
  for c in rustfmt clippy; do
    grep -q "^$c" <<<"$installed" || missing+=("$c")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    ncr_log "rustup component add ${missing[*]}"
    rustup component add "${missing[@]}"
  fi
}

ncr_ensure_trunk() {
  ncr_has_version trunk "trunk $TRUNK_VERSION" && return 0
  ncr_log "installing trunk $TRUNK_VERSION with the $TRUNK_TOOLCHAIN toolchain (about 20 minutes, once)"
  if ! rustup toolchain list | grep -q "^$TRUNK_TOOLCHAIN"; then
    rustup toolchain install "$TRUNK_TOOLCHAIN" --profile minimal
  fi
  cargo "+$TRUNK_TOOLCHAIN" install --locked trunk --version "$TRUNK_VERSION"
  ncr_has_version trunk "trunk $TRUNK_VERSION" ||
    ncr_die "trunk $TRUNK_VERSION not found on PATH after install (found: $(trunk --version 2>&1 || true))"
}

ncr_ensure_wasm_bindgen() {
  local v="$WASM_BINDGEN_VERSION"
  [[ -n "$v" ]] || ncr_die "wasm-bindgen not found in Cargo.lock"
  local pinned
  pinned="$(sed -n 's/^wasm_bindgen *= *"\(.*\)"/\1/p' "$NCR_ROOT/Trunk.toml")"
  [[ "$pinned" == "$v" ]] ||
    ncr_die "Trunk.toml [tools] wasm_bindgen = \"$pinned\" but Cargo.lock has wasm-bindgen $v: make them equal"
  if ncr_has_version wasm-bindgen "wasm-bindgen $v" &&
    ncr_has_version wasm-bindgen-test-runner "wasm-bindgen-test-runner $v"; then
    return 0
  fi
  ncr_log "installing wasm-bindgen-cli $v (about 6 minutes, once)"
  # Not --locked: the crate's own lock file pins a crate version that
  # crates.io no longer serves.
  cargo install wasm-bindgen-cli --version "=$v"
  ncr_has_version wasm-bindgen "wasm-bindgen $v" ||
    ncr_die "wasm-bindgen $v not found on PATH after install"
}

ncr_ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ncr_apt_install nodejs npm
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$major" -ge 20 ]] || ncr_die "Node.js >= 20 required (Playwright needs it; Debian 12 ships 18: use the NodeSource package) (found $(node --version))"
}

# npm packages: `npm ci` unless node_modules already holds exactly the
# versions in package-lock.json.
ncr_ensure_npm_packages() {
  [[ -f "$NCR_ROOT/package-lock.json" ]] || ncr_die "package-lock.json missing"
  if ! (cd "$NCR_ROOT" && node -e '
      const fs = require("fs");
      const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
      for (const [p, meta] of Object.entries(lock.packages || {})) {
        if (!p.startsWith("node_modules/") || meta.optional) continue;
        let got;
        try { got = JSON.parse(fs.readFileSync(p + "/package.json", "utf8")).version; }
        catch { process.exit(1); }
        if (got !== meta.version) process.exit(1);
      }
    ' 2>/dev/null); then
    ncr_log "npm ci"
    (cd "$NCR_ROOT" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  # wasm-opt must come from npm binaryen, in the version Trunk.toml pins.
  local pinned got
  pinned="$(sed -n 's/^wasm_opt *= *"\(.*\)"/\1/p' "$NCR_ROOT/Trunk.toml")"
  got="$(wasm-opt --version 2>/dev/null | awk '{print "version_" $3}')"
  [[ "$(command -v wasm-opt)" == "$NCR_ROOT/node_modules/.bin/wasm-opt" ]] ||
    ncr_die "wasm-opt on PATH is $(command -v wasm-opt || echo none), expected node_modules/.bin/wasm-opt"
  [[ "$got" == "$pinned" ]] ||
    ncr_die "Trunk.toml [tools] wasm_opt = \"$pinned\" but node_modules has wasm-opt $got"
}

ncr_ensure_browser() {
  # shellcheck disable=SC2086
  ncr_apt_install $APT_PACKAGES
  local vc vd
  vc="$(dpkg-query -W -f='${Version}' chromium)"
  vd="$(dpkg-query -W -f='${Version}' chromium-driver)"
  if [[ "$vc" != "$vd" ]]; then
    ncr_log "chromium $vc and chromium-driver $vd differ: upgrading both"
    NCR_APT_UPDATED=""
    ncr_sudo env DEBIAN_FRONTEND=noninteractive apt-get update
    ncr_sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
  fi
  [[ -x "$CHROMEDRIVER" ]] || ncr_die "CHROMEDRIVER=$CHROMEDRIVER is not executable"
}

ncr_ensure_leptosfmt() {
  ncr_has_version leptosfmt "leptosfmt $LEPTOSFMT_VERSION" && return 0
  ncr_log "installing leptosfmt $LEPTOSFMT_VERSION"
  cargo install --locked leptosfmt --version "$LEPTOSFMT_VERSION"
}

# Download every crate in Cargo.lock so that Trunk's offline cargo build works,
# and those of the code splitter (tools/wasm-split, a workspace of its own),
# which scripts/split-wasm.mjs builds offline during Trunk's build.
ncr_fetch_crates() {
  (cd "$NCR_ROOT" && cargo fetch --locked --quiet)
  (cd "$NCR_ROOT" && cargo fetch --locked --quiet --manifest-path tools/wasm-split/Cargo.toml)
}

# `ncr_install serve` or `ncr_install test`.
ncr_install() {
  local mode="${1:-serve}"
  ncr_env
  ncr_ensure_rust
  ncr_ensure_node
  ncr_ensure_npm_packages
  ncr_ensure_wasm_bindgen
  ncr_ensure_trunk
  if [[ "$mode" == "test" ]]; then
    ncr_ensure_rust_components
    ncr_ensure_leptosfmt
    ncr_ensure_browser
  fi
  ncr_fetch_crates
  ncr_log "tools ready: $(trunk --version), $(wasm-bindgen --version), wasm-opt $(wasm-opt --version | awk '{print $3}')$(
    [[ "$mode" == "test" ]] && printf ', %s, %s' "$(leptosfmt --version)" "$(chromedriver --version | cut -d' ' -f1-2)"
  )"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  ncr_install "${1:-serve}"
fi
