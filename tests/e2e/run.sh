#!/usr/bin/env bash
# `make e2e`: the reference client in a real browser against the real service.
#
#  1. tools: Node (>= 20.19), npm packages from package-lock.json (npm ci, only
#     when the lock changed), Debian's chromium (apt-get, only when missing);
#  2. the service as `make run` prepares it (embedded PostgreSQL under
#     .local/e2e, migrate, demo data and operator), served by the production
#     server of tests/support (gunicorn with config/gunicorn.py) with DEBUG off
#     and CORS_ALLOWED_ORIGINS=http://localhost:5173;
#  3. the TypeScript client generated from the running service's
#     /rear-diff/openapi.json, and `tsc --noEmit` over it and the page;
#  4. Vite's dev server on http://localhost:5173 with the demo operator's token;
#  5. the browser tests (browser.test.mjs, operators.test.mjs, then live.test.mjs), screenshots
#     in tests/e2e/screenshots/.
#
# Everything it starts (gunicorn, Vite, the embedded PostgreSQL unless another
# client still uses it) is stopped on exit, failure or Ctrl-C.
#
# Environment: E2E_API_PORT (8000), E2E_APP_PORT (5173), E2E_LOCAL_STATE_DIR
# (.local/e2e), CHROMIUM (/usr/bin/chromium).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E_DIR/../.." && pwd)"
PYTHON="$ROOT/.venv/bin/python"
MANAGE=("$PYTHON" "$ROOT/manage.py")

API_PORT="${E2E_API_PORT:-8000}"
APP_PORT="${E2E_APP_PORT:-5173}"
API_URL="http://127.0.0.1:$API_PORT"
APP_URL="http://localhost:$APP_PORT"
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

# The e2e run's own embedded database, apart from the developer's .local/pgdata.
export LOCAL_STATE_DIR="${E2E_LOCAL_STATE_DIR:-$ROOT/.local/e2e}"
LOGS="$LOCAL_STATE_DIR/logs"
mkdir -p "$LOGS"

STARTED=$SECONDS
step() { printf '\n== e2e [%ss] %s ==\n' "$((SECONDS - STARTED))" "$*"; }
die() { echo "e2e: $*" >&2; exit 1; }

# ------------------------------------------------------------------ cleanup
SERVER_PID=""
VITE_PID=""
BROWSER_TMP="" # the browser's fresh profile lives here; removed even after Ctrl-C

stop_pid() { # stop_pid PID NAME: TERM, then KILL after 10 s
    local pid="$1" name="$2"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    echo "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "$name did not stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$status" -ne 0 ]; then
        for log in service vite; do
            if [ -s "$LOGS/$log.log" ]; then
                echo "---- last lines of $LOGS/$log.log ----"
                tail -n 40 "$LOGS/$log.log"
            fi
        done
    fi
    stop_pid "$VITE_PID" "Vite"
    stop_pid "$SERVER_PID" "gunicorn"
    (cd "$ROOT" && "$PYTHON" -m config.embedded_postgres release) || true
    [ -z "$BROWSER_TMP" ] || rm -rf "$BROWSER_TMP"
    if [ "$status" -eq 0 ]; then
        echo "e2e passed in $((SECONDS - STARTED)) s"
    else
        echo "e2e FAILED (exit $status) after $((SECONDS - STARTED)) s" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() { # wait_for URL SECONDS PID NAME: until URL answers 200
    local url="$1" seconds="$2" pid="$3" name="$4"
    for _ in $(seq $((seconds * 5))); do
        kill -0 "$pid" 2>/dev/null || die "$name exited while starting (see $LOGS)"
        if node -e 'fetch(process.argv[1]).then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url"; then
            return 0
        fi
        sleep 0.2
    done
    die "$name did not answer $url within $seconds s"
}

port_free() { # port_free PORT: nothing listens on it
    ! node -e '
        const s = require("net").connect(+process.argv[1], "127.0.0.1");
        s.on("connect", () => process.exit(0)); s.on("error", () => process.exit(1));' "$1"
}

# ------------------------------------------------------------------ 1. tools
step "tools"
command -v node >/dev/null || die "Node.js >= 20.19 is required (https://nodejs.org); it is not on PATH"
command -v npm >/dev/null || die "npm is required; it is not on PATH"
node -e '
    const [major, minor] = process.versions.node.split(".").map(Number);
    if (major < 20 || (major === 20 && minor < 19)) {
        console.error(`e2e: Node ${process.versions.node} is too old; Vite needs 20.19+ or 22.12+`);
        process.exit(1);
    }'
echo "node $(node --version), npm $(npm --version)"

if [ ! -x "$CHROMIUM" ]; then
    [ "$CHROMIUM" = /usr/bin/chromium ] || die "CHROMIUM=$CHROMIUM is not an executable"
    echo "$CHROMIUM is missing: installing Debian's chromium package with apt-get"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "+ $SUDO apt-get update && $SUDO apt-get install -y chromium"
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y chromium
fi
echo "browser: $("$CHROMIUM" --version 2>/dev/null)"

# npm packages exactly as locked; reinstalled only when the lock file changes.
# playwright-core never downloads a browser; the variable makes sure of it.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
LOCK_SUM="$(sha256sum "$E2E_DIR/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$E2E_DIR/node_modules/.installed-lock.sha256" 2>/dev/null)" != "$LOCK_SUM" ]; then
    echo "+ npm ci (tests/e2e/package-lock.json)"
    (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
    echo "$LOCK_SUM" >"$E2E_DIR/node_modules/.installed-lock.sha256"
else
    echo "npm packages are installed as locked"
fi

port_free "$API_PORT" || die "port $API_PORT is in use; stop what listens there (or set E2E_API_PORT)"
port_free "$APP_PORT" || die "port $APP_PORT is in use; stop what listens there (or set E2E_APP_PORT)"

# ------------------------------------------------------------------ 2. service
step "service: embedded PostgreSQL under $LOCAL_STATE_DIR, migrate, demo data"
cd "$ROOT"
# The browser tests change rows: never on a configured database (DATABASE_URL
# or PGSQL_* in the environment or .env), only on this embedded one.
embedded="$("$PYTHON" -c '
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings
print(settings.EMBEDDED_DATABASE)')"
[ "$embedded" = True ] || die "a database is configured (DATABASE_URL or PGSQL_* in the environment or .env); e2e runs on the embedded database only"
"${MANAGE[@]}" migrate --no-input --skip-checks
"${MANAGE[@]}" media_demo
"${MANAGE[@]}" check --database default

step "service: gunicorn on $API_URL (DEBUG off, CORS_ALLOWED_ORIGINS=$APP_URL)"
DEBUG=false CORS_ALLOWED_ORIGINS="$APP_URL" GUNICORN_WORKERS=2 \
    "$PYTHON" -m tests.support.server --port "$API_PORT" >"$LOGS/service.log" 2>&1 &
SERVER_PID=$!
wait_for "$API_URL/rear-diff/health/ready" 60 "$SERVER_PID" gunicorn
echo "service ready (log: $LOGS/service.log)"

# ------------------------------------------------------------------ 3. client
step "client: generate the TypeScript types from $API_URL/rear-diff/openapi.json; tsc --noEmit"
cd "$E2E_DIR"
node -e '
    fetch(process.argv[1]).then(async (r) => {
        if (r.status !== 200) throw new Error(`${r.url}: ${r.status}`);
        require("fs").writeFileSync("openapi.json", await r.text());
    }).catch((e) => { console.error(e); process.exit(1); });' "$API_URL/rear-diff/openapi.json"
npm run --silent generate
npm run --silent typecheck
echo "tsc --noEmit: the page compiles against the service's schema"

# ------------------------------------------------------------------ 4. Vite
step "Vite dev server on $APP_URL"
# Keys are shown only when issued: rotate prints a fresh one.
TOKEN="$("${MANAGE[@]}" media_operator rotate demo-operator)"
[ -n "$TOKEN" ] || die "no token for demo-operator"
VITE_API_BASE_URL="$API_URL" VITE_API_TOKEN="$TOKEN" \
    node node_modules/vite/bin/vite.js --port "$APP_PORT" --strictPort >"$LOGS/vite.log" 2>&1 &
VITE_PID=$!
wait_for "$APP_URL/" 60 "$VITE_PID" Vite
echo "Vite ready (log: $LOGS/vite.log)"

# ------------------------------------------------------------------ 5. tests
step "browser tests (chromium $CHROMIUM)"
BROWSER_TMP="$(mktemp -d -t rear-diff-e2e.XXXXXX)"
rm -rf "$E2E_DIR/screenshots"
# One file at a time: both change rows of the one demo database.
# API_TOKEN: the tests' own reads of the API (the histories need a user) use the page's token.
TMPDIR="$BROWSER_TMP" APP_URL="$APP_URL" API_URL="$API_URL" API_TOKEN="$TOKEN" PROJECT_DIR="$ROOT" PYTHON="$PYTHON" CHROMIUM="$CHROMIUM" \
    node --test --test-concurrency=1 --test-reporter=spec browser.test.mjs operators.test.mjs live.test.mjs
