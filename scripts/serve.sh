#!/usr/bin/env bash
# Command 1: install whatever is missing, then build (debug) and serve the
# app at http://127.0.0.1:8080 with live reload. Ctrl-C stops it.
# NCR_ADDRESS / NCR_PORT override the address and port.
set -euo pipefail
# shellcheck source=scripts/install.sh
source "$(dirname "${BASH_SOURCE[0]}")/install.sh"
ncr_install serve
cd "$NCR_ROOT"
address="${NCR_ADDRESS:-127.0.0.1}"
port="${NCR_PORT:-8080}"
ncr_log "serving NC Register at http://$address:$port/ (Ctrl-C to stop)"
exec trunk serve --address "$address" --port "$port"
