#!/usr/bin/env bash
# The managers' list of candidates for an intermediate class on the release build: the first
# page of trainees eligible for L4 elderly care and not yet enrolled in it, for the whole city
# and for one county at a time, at 16 connections, as a manager of all 13 counties. The
# programme is filled first through the API by scripts/generate.py: TRAINEES trainees (default
# 100,000 on PostgreSQL, 10,000 on SQLite), ENROL_SHARE of them (default 0.6) in cohorts with
# their registers, completions, assessments and certificates.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench scripts/bench/candidates.sh
# Writes scripts/bench/results/candidates-ENGINE.txt. Other settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

trainees="${TRAINEES:-$([ "$engine" = postgres ] && echo 100000 || echo 10000)}"
enrol_share="${ENROL_SHARE:-0.6}"
python3 scripts/generate.py --base "$base" --admin-password "$bench_admin_password" \
    --trainees "$trainees" --enrol-share "$enrol_share" --placement-share 0 --workers 8 | tee "$work/generated.txt"
generated="$(tail -n 1 "$work/generated.txt" | tr -d "{}'")"
[ "$engine" = sqlite ] && sleep 65

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
admin=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
    json_field access_token)
curl -fsS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $admin" \
    -d "{\"username\": \"bench.manager\", \"display_name\": \"Bench\", \"role\": \"manager\",
         \"county_codes\": [\"141102\", \"141121\", \"141122\", \"141123\", \"141124\", \"141125\", \"141126\",
                            \"141127\", \"141128\", \"141129\", \"141130\", \"141181\", \"141182\"],
         \"password\": \"$bench_admin_password\"}" "$base/api/v1/users"
token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"username\": \"bench.manager\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
    json_field access_token)
city=$(curl -fsS -H "authorization: Bearer $token" \
    "$base/api/v1/progression/candidates?level=L4&limit=200" |
    python3 -c "import json, sys; print(len(json.load(sys.stdin)['items']))")

cat >"$work/candidates.lua" <<LUA
local counties = { "141102", "141121", "141122", "141123", "141124", "141125", "141126",
                   "141127", "141128", "141129", "141130", "141181", "141182" }
local kind = nil
function init(args)
    kind = args[1]
    wrk.headers["Authorization"] = "Bearer $token"
end
function request()
    if kind == "city" then
        return wrk.format("GET", "/api/v1/progression/candidates?level=L4&occupation=elderly_care&limit=50")
    end
    local county = counties[math.random(#counties)]
    return wrk.format("GET", "/api/v1/progression/candidates?level=L4&occupation=elderly_care&limit=50&county=" .. county)
end
LUA

report_header "candidates for L4, $trainees trainees, $generated; as a manager of 13 counties; the city has $city candidates in its first 200"
measure "GET candidates (city)" 16 "$base" -s "$work/candidates.lua" -- city
measure "GET candidates (a county)" 16 "$base" -s "$work/candidates.lua" -- county
publish candidates
