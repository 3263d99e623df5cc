#!/usr/bin/env bash
# Sign-in cost and throughput on the release build (argon2id verification dominates), with wrk.
# One connection gives the cost of one sign-in; two and eight show what the cores sustain.
# Writes scripts/bench/results/login-ENGINE.txt. Settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

cat >"$work/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "admin", "password": "$bench_admin_password"}'
LUA

report_header "POST /api/v1/auth/login (successful sign-ins)"
for connections in 1 2 8; do
    measure "login" "$connections" "$base/api/v1/auth/login" -s "$work/login.lua"
done
publish login
