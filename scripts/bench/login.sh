#!/usr/bin/env bash
# Sign-in cost and throughput on the release build (argon2id verification dominates), with wrk.
# One connection gives the cost of one sign-in; two and eight show what the cores sustain.
# Sign-ins rotate over eight accounts: concurrent attempts on one username are counted as
# failures until each proves itself (that is the throttle), which is not what is measured here.
# Writes scripts/bench/results/login-ENGINE.txt. Settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
for i in 1 2 3 4 5 6 7 8; do
    curl -fsS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $token" \
        -d "{\"username\": \"bench$i\", \"display_name\": \"Bench $i\", \"role\": \"admin\", \"password\": \"$bench_admin_password\"}" \
        "$base/api/v1/users"
done

cat >"$work/login.lua" <<LUA
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
    n = n + 1
    local body = '{"username": "bench' .. (n % 8 + 1) .. '", "password": "$bench_admin_password"}'
    return wrk.format(nil, nil, nil, body)
end
LUA

report_header "POST /api/v1/auth/login (successful sign-ins, 8 accounts in turn)"
for connections in 1 2 8; do
    measure "login" "$connections" "$base/api/v1/auth/login" -s "$work/login.lua"
done
publish login
