#!/usr/bin/env bash
# Browser test of www.foobar.com: installs playwright-core into tests/browser/node_modules
# (npm), starts `foobar up` detached in a temp state dir on free ports, runs
# site.test.mjs in Debian's Chromium over http and over https (the local CA
# trusted), then dashboard.test.mjs on the lb's /dashboard, and stops everything. Screenshot: $ARTIFACTS_DIR
# (default: <repo>/artifacts/, git-ignored). Exit code: the test's.
# Usage: tests/browser/run.sh [path/to/foobar]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(realpath -m "${1:-${FOOBAR_BIN:-$root/build/foobar}}")
export ARTIFACTS_DIR=${ARTIFACTS_DIR:-$root/artifacts}

[ -x "$bin" ] || { echo "browser test: $bin not built (make build)" >&2; exit 2; }
[ -x /usr/bin/chromium ] || { echo "browser test: /usr/bin/chromium missing (make deps)" >&2; exit 2; }

cd "$here"
if [ ! -f node_modules/playwright-core/package.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
fi

# Free public http and https ports and a block of 14 free consecutive internal ports (12 for the stack, 2 for Prometheus and Alertmanager).
read -r http_port https_port port_base < <(python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try: s.bind(("127.0.0.1", p)); return True
    except OSError: return False
    finally: s.close()
def any_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p
http, https = any_port(), any_port()
for _ in range(500):
    base = random.randint(20000, 32000)
    if all(free(p) for p in range(base, base + 14)) and not any(base <= p < base + 14 for p in (http, https)):
        print(http, https, base); break
PY
)

state=$(mktemp -d "${TMPDIR:-/tmp}/foobar-browser-XXXXXX")
cleanup() {
  "$bin" down --state-dir "$state/st" >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap cleanup EXIT
if ! timeout 180 "$bin" up -d --state-dir "$state/st" --http-port "$http_port" --https-port "$https_port" \
    --port-base "$port_base"; then
  echo "browser test: foobar up failed; logs:" >&2
  tail -n 20 "$state"/st/logs/*.log >&2 || true
  exit 1
fi
FOOBAR_URL="http://127.0.0.1:$http_port/" timeout 120 node site.test.mjs
# HTTPS with the CA that `foobar up` made, trusted as its output says.
FOOBAR_URL="https://127.0.0.1:$https_port/" FOOBAR_CA="$state/st/tls/ca.pem" timeout 120 node site.test.mjs
# The dashboard on the lb's admin listener, when `foobar up` runs Prometheus.
dashboard=$("$bin" status --json --state-dir "$state/st" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("dashboard_url", ""))')
if [ -n "$dashboard" ]; then
  DASHBOARD_URL="$dashboard" REPLICA_SOCKET="$state/st/db/db-replica1/mysqld.sock" timeout 200 node dashboard.test.mjs
else
  echo "browser test: no dashboard (Prometheus not installed: make deps); dashboard test skipped"
fi
