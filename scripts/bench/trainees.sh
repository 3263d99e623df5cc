#!/usr/bin/env bash
# Reading the trainee register on the release build: GET by id, the exact identity-number
# search and the name-prefix search, at 16 connections, as a field worker of all 13 counties
# (the county-scoped queries the app runs). The register is filled first through the API by
# scripts/generate.py: TRAINEES of them (default 100,000 on PostgreSQL, 10,000 on SQLite).
# On PostgreSQL, `pgbench -S` runs on the same server and machine for scale, and the report
# gives each rate as a share of pgbench's.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench scripts/bench/trainees.sh
# Writes scripts/bench/results/trainees-ENGINE.txt. Other settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

trainees="${TRAINEES:-$([ "$engine" = postgres ] && echo 100000 || echo 10000)}"
python3 scripts/generate.py --base "$base" --admin-password "$bench_admin_password" \
    --trainees "$trainees" --enrol-share 0 --ids-out "$work/ids.jsonl" --workers 8

# SQLite's statistics are refreshed every minute (server.rs): measure the register as it is
# once they have caught up with the data just generated, as they would have in service.
[ "$engine" = sqlite ] && sleep 65

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

# One Lua script, three kinds of request: each thread reads the registered trainees once.
cat >"$work/trainees.lua" <<LUA
local kind, rows = nil, {}
local function encode(s)
    return (s:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end))
end
function init(args)
    kind = args[1]
    for line in io.lines("$work/ids.jsonl") do
        local id = line:match('"id": "([^"]+)"')
        local number = line:match('"id_number": "([^"]+)"')
        local name = line:match('"name": "([^"]+)"')
        rows[#rows + 1] = { id = id, number = number, surname = name:sub(1, 3) }
    end
    wrk.headers["Authorization"] = "Bearer $token"
end
function request()
    local row = rows[math.random(#rows)]
    if kind == "id" then
        return wrk.format("GET", "/api/v1/trainees/" .. row.id)
    elseif kind == "number" then
        return wrk.format("GET", "/api/v1/trainees?id_number=" .. row.number)
    else
        return wrk.format("GET", "/api/v1/trainees?limit=20&q=" .. encode(row.surname))
    end
end
LUA

report_header "trainee register, $trainees trainees, as a field worker of 13 counties"
measure "GET /trainees/{id}" 16 "$base" -s "$work/trainees.lua" -- id
measure "GET ?id_number=" 16 "$base" -s "$work/trainees.lua" -- number
measure "GET ?q=surname&limit=20" 16 "$base" -s "$work/trainees.lua" -- name

if [ "$engine" = postgres ]; then
    pg="postgres://postgres@127.0.0.1:5432"
    psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS tracker_pgbench" -c "CREATE DATABASE tracker_pgbench"
    pgbench -q -i -s 10 "$pg/tracker_pgbench" >/dev/null 2>&1
    : >"$work/tps"
    for _ in $(seq 1 "$runs"); do
        pgbench -S -c 16 -j 2 -T "${duration%s}" "$pg/tracker_pgbench" 2>/dev/null |
            awk '/^tps/ { print $3 }' >>"$work/tps"
    done
    tps="$(median <"$work/tps")"
    psql -q "$pg/postgres" -c "DROP DATABASE tracker_pgbench"
    # The measured lines are fixed-width: the label in columns 1-28, requests/s in 37-48.
    awk -v tps="$tps" 'NR > 3 { printf "# %s %5.1f %% of pgbench -S\n", substr($0, 1, 28), 100 * substr($0, 37, 12) / tps }' \
        "$work/report" >"$work/ratios"
    printf "%-28s %6s %12s\n" "pgbench -S (scale 10)" 16 "$tps" >>"$work/report"
    cat "$work/ratios" >>"$work/report"
fi
publish trainees
