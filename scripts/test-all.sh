#!/usr/bin/env bash
# The whole suite on both engines, as CI runs it: first SQLite (the README's test command),
# then again against the PostgreSQL server on 127.0.0.1:5432 (each test creates and drops its
# own database there). Override the server with TEST_DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== tests on SQLite"
cargo test

pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if ! pg_isready -q -d "$pg_url" 2>/dev/null; then
    echo "== PostgreSQL is not answering; starting the local cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -q -d "$pg_url" && break; sleep 1; done
fi
echo "== tests on PostgreSQL"
TEST_DATABASE_URL="$pg_url" cargo test --test api
