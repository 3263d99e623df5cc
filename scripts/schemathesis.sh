#!/usr/bin/env bash
# Property-based tests of the running server against its own OpenAPI document, with every
# check (schemathesis, PyPI): starts the debug build on a fresh SQLite file, runs, stops it.
# Settings live in schemathesis.toml. Usage: scripts/schemathesis.sh [extra schemathesis args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v schemathesis >/dev/null 2>&1; then
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
cargo build --quiet

work="$(mktemp -d)"
port="${SCHEMATHESIS_PORT:-18181}"
DATABASE_URL="sqlite://$work/tracker.db" BIND_ADDR="127.0.0.1:$port" HTTP_WORKERS=2 \
    ADMIN_PASSWORD="schemathesis-admin-pw" RUST_LOG=warn \
    target/debug/luliang-tracker >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 50); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done

# Signed in as the administrator, who may call every operation.
token=$(curl -fsS -H 'content-type: application/json' \
    -d '{"username": "admin", "password": "schemathesis-admin-pw"}' "$base/api/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

echo "== schemathesis --checks all against $base"
schemathesis run "$base/api-docs/openapi.json" --url "$base" --checks all \
    --header "Authorization: Bearer $token" \
    --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" --workers 1 "$@"
