#!/usr/bin/env bash
# Follow-ups on the release build, at 16 connections, as a field worker of all 13 counties: the
# worklist of one county at a time (the first page of placements whose follow-up is due), and
# recording a follow-up of a random open placement. The programme is filled first through the
# API by scripts/generate.py: TRAINEES trainees (default 100,000 on PostgreSQL, 10,000 on
# SQLite), ENROL_SHARE of them (default 0.3) in cohorts with their registers, completions,
# assessments and certificates; 70 % of those who completed placed, with monthly follow-ups.
# The worklist is measured first: each recorded follow-up takes its placement off it for 30 days.
# Recording appends rows (follow-ups are append-only, each request a new id): every run of
# "POST follow-ups" adds data, so later runs measure a slightly larger table.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench scripts/bench/follow-ups.sh
# Writes scripts/bench/results/follow-ups-ENGINE.txt. Other settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

trainees="${TRAINEES:-$([ "$engine" = postgres ] && echo 100000 || echo 10000)}"
enrol_share="${ENROL_SHARE:-0.3}"
python3 scripts/generate.py --base "$base" --admin-password "$bench_admin_password" \
    --trainees "$trainees" --enrol-share "$enrol_share" --placements-out "$work/placements.txt" \
    --workers 8 | tee "$work/generated.txt"
generated="$(tail -n 1 "$work/generated.txt" | tr -d "{}'")"
open_placements=$(wc -l <"$work/placements.txt")
[ "$open_placements" -gt 0 ] || { echo "no open placements to follow up" >&2; exit 1; }
[ "$engine" = sqlite ] && sleep 65
# As autovacuum would after a bulk load: every follow-up rewrote its placement's row, and the
# planner's statistics of a table filled a moment ago are empty. Without it, figures measure the
# dead rows of the load (worklist p99 50 ms instead of about 30 ms at 9e27e20).
if [ "$engine" = postgres ]; then psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"; fi

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
admin=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
    json_field access_token)
curl -fsS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $admin" \
    -d "{\"username\": \"bench.field\", \"display_name\": \"Bench\", \"role\": \"field_staff\",
         \"county_codes\": [\"141102\", \"141121\", \"141122\", \"141123\", \"141124\", \"141125\", \"141126\",
                            \"141127\", \"141128\", \"141129\", \"141130\", \"141181\", \"141182\"],
         \"password\": \"$bench_admin_password\"}" "$base/api/v1/users"
token=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"username\": \"bench.field\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
    json_field access_token)
due=$(curl -fsS -H "authorization: Bearer $token" "$base/api/v1/follow-ups/due?limit=200" |
    python3 -c "import json, sys; print(len(json.load(sys.stdin)['items']))")
# The server's today is China's (UTC+8): a follow-up may not be dated after it.
today=$(date -u -d '+8 hours' +%F)

# One Lua script, two kinds of request. Each thread reads the open placements once and draws
# its follow-ups' ids from its own random sequence (seeded by the time and the thread's number).
cat >"$work/follow-ups.lua" <<LUA
local counties = { "141102", "141121", "141122", "141123", "141124", "141125", "141126",
                   "141127", "141128", "141129", "141130", "141181", "141182" }
local unpack = table.unpack or unpack
local kind, placements = nil, {}
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("number", threads)
end
local function uuid4()
    local b = {}
    for i = 1, 16 do b[i] = math.random(0, 255) end
    b[7] = 64 + b[7] % 16   -- version 4
    b[9] = 128 + b[9] % 64  -- RFC 4122 variant
    return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", unpack(b))
end
function init(args)
    kind = args[1]
    math.randomseed(os.time() + 1000003 * (number or 0))
    for line in io.lines("$work/placements.txt") do
        placements[#placements + 1] = line
    end
    wrk.headers["Authorization"] = "Bearer $token"
    wrk.headers["Content-Type"] = "application/json"
end
function request()
    if kind == "due" then
        local county = counties[math.random(#counties)]
        return wrk.format("GET", "/api/v1/follow-ups/due?county=" .. county .. "&limit=50")
    end
    local placement = placements[math.random(#placements)]
    local body = '{"id": "' .. uuid4() .. '", "followed_up_on": "$today", "channel": "phone", '
        .. '"still_employed": true, "same_employer": true, "monthly_income_fen": 500000}'
    return wrk.format("POST", "/api/v1/placements/" .. placement .. "/follow-ups", nil, body)
end
LUA

report_header "follow-ups, $trainees trainees, $generated; $open_placements open placements; as a field worker of 13 counties, whose worklist has $due in its first 200"
measure "GET worklist (a county)" 16 "$base" -s "$work/follow-ups.lua" -- due
measure "POST follow-ups" 16 "$base" -s "$work/follow-ups.lua" -- post
publish follow-ups
