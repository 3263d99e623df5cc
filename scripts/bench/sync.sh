#!/usr/bin/env bash
# Offline sync on the release build. The programme is loaded straight into the database by
# scripts/bench/generate_bulk.py (TRAINEES, default 100,000, with about ten follow-ups each);
# the change feed is then built by running the change-feed migration's SQL again (down, up),
# exactly as an upgrade builds it for data stored before, and the report data is rebuilt. Then:
#   - the first sync of one county (Liulin) by a field worker: wall time, requests and bytes,
#     without and with gzip (pulls of 500 changes until has_more is false);
#   - an incremental pull after 10 changes, at 16 connections (the same cursor each time: it
#     must not grow with the size of the database);
#   - a push of 100 follow-ups of 100 different placements (ordered by placement, so pushes
#     running together lock in one order), at 8 connections; and the same follow-ups as single
#     POST requests at 8 connections, for the per-follow-up comparison.
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_sync scripts/bench/sync.sh
# (a fresh database: the script loads it; REUSE=1 measures again on a database it loaded
# before). Writes scripts/bench/results/sync-ENGINE.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -n "${DATABASE_URL:-}" ] || { echo "set DATABASE_URL to a fresh PostgreSQL database" >&2; exit 1; }
source scripts/bench/lib.sh
[ "$engine" = postgres ] || { echo "this benchmark runs on PostgreSQL" >&2; exit 1; }

trainees="${TRAINEES:-100000}"
if [ -z "${REUSE:-}" ]; then
    python3 scripts/bench/generate_bulk.py --database-url "$DATABASE_URL" --trainees "$trainees" |
        tail -n 1 >"$work/generated.json"
    migration=$(ls -d migrations/postgres/*_change_feed)
    psql "$DATABASE_URL" -q -v ON_ERROR_STOP=1 -f "$migration/down.sql" -f "$migration/up.sql"
fi
feed_rows=$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM change_feed")

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
login() {
    curl -fsS -H 'content-type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
        json_field access_token
}
admin=$(login admin)
if [ -z "${REUSE:-}" ]; then
    # The bulk load leaves the report data empty; rebuilt, as after any load, so that a write's
    # refresh of its trainee's report data costs what it costs in use.
    curl -fsS --max-time 3600 -o /dev/null -X POST -H "authorization: Bearer $admin" \
        "$base/api/v1/reports/rebuild"
fi
psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"
curl -sS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $admin" \
    -d "{\"username\": \"bench.liulin\", \"display_name\": \"Bench\", \"role\": \"field_staff\",
         \"county_codes\": [\"141125\"], \"password\": \"$bench_admin_password\"}" "$base/api/v1/users"
token=$(login bench.liulin)

# The first sync, twice (plain, then gzip); the cursor at the end is where the increments start.
python3 - "$base" "$token" "$work" <<'PY' | tee "$work/first.txt"
import json, sys, time, urllib.request
base, token, work = sys.argv[1], sys.argv[2], sys.argv[3]
for encoding in ("identity", "gzip"):
    cursor, requests, wire, changes, started = None, 0, 0, 0, time.monotonic()
    while True:
        url = base + "/api/v1/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Accept-Encoding": encoding})
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
            got = resp.headers.get("Content-Encoding", "identity")
        wire += len(body)
        requests += 1
        if got == "gzip":
            import gzip
            body = gzip.decompress(body)
        page = json.loads(body)
        changes += len(page["changes"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    seconds = time.monotonic() - started
    print(f"first sync of 141125 ({encoding}): {changes} changes, {requests} requests, "
          f"{wire / 1e6:.1f} MB on the wire, {seconds:.1f} s")
    open(f"{work}/cursor", "w").write(cursor)
PY
cursor=$(cat "$work/cursor")

# Ten changes in the county: ten trainees' townships.
ids=$(curl -fsS -H "authorization: Bearer $token" "$base/api/v1/trainees?county=141125&limit=10" |
    python3 -c "import json, sys; print(' '.join(t['id'] for t in json.load(sys.stdin)['items']))")
for id in $ids; do
    curl -fsS -o /dev/null -X PATCH -H 'content-type: application/json' -H 'if-match: *' \
        -H "authorization: Bearer $token" -d '{"township": "留誉镇"}' "$base/api/v1/trainees/$id"
done
increment=$(curl -fsS -H "authorization: Bearer $token" "$base/api/v1/sync/pull?cursor=$cursor" |
    python3 -c "import json, sys; print(len(json.load(sys.stdin)['changes']))")

# Open placements of Liulin for the follow-ups, ordered by id.
psql "$DATABASE_URL" -tAc "SELECT id FROM placements WHERE county_code = '141125'
    AND lifecycle = 'open' ORDER BY id" >"$work/placements.txt"
today=$(date -u -d '+8 hours' +%F)
cat >"$work/sync.lua" <<LUA
local unpack = table.unpack or unpack
local kind, placements, threads = nil, {}, 0
function setup(thread)
    threads = threads + 1
    thread:set("number", threads)
end
local function uuid4()
    local b = {}
    for i = 1, 16 do b[i] = math.random(0, 255) end
    b[7] = 64 + b[7] % 16
    b[9] = 128 + b[9] % 64
    return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", unpack(b))
end
local function follow_up(id, placement)
    return '{"id": "' .. id .. '", "followed_up_on": "$today", "channel": "phone", '
        .. '"still_employed": true, "same_employer": true, "monthly_income_fen": 500000'
        .. (placement and (', "placement_id": "' .. placement .. '"') or '') .. '}'
end
function init(args)
    kind = args[1]
    math.randomseed(os.time() + 1000003 * (number or 0))
    for line in io.lines("$work/placements.txt") do placements[#placements + 1] = line end
    wrk.headers["Authorization"] = "Bearer $token"
    wrk.headers["Content-Type"] = "application/json"
end
function request()
    if kind == "pull" then
        return wrk.format("GET", "/api/v1/sync/pull?cursor=$cursor&limit=500")
    end
    if kind == "single" then
        local placement = placements[math.random(#placements)]
        return wrk.format("POST", "/api/v1/placements/" .. placement .. "/follow-ups", nil,
            follow_up(uuid4(), nil))
    end
    -- 100 different placements, in id order: a window of the sorted list at a random start.
    local start = math.random(#placements - 100)
    local ops = {}
    for i = 0, 99 do
        local id = uuid4()
        ops[#ops + 1] = '{"op_id": "' .. id .. '", "kind": "follow_up", "action": "create", "id": "'
            .. id .. '", "body": ' .. follow_up(id, placements[start + i]) .. '}'
    end
    return wrk.format("POST", "/api/v1/sync/push", nil,
        '{"device_id": "' .. uuid4() .. '", "ops": [' .. table.concat(ops, ",") .. ']}')
end
LUA

report_header "sync, $trainees trainees and their follow-ups (generate_bulk.py); a change feed of $feed_rows rows; a field worker of 141125; the increment holds $increment changes"
cat "$work/first.txt" >>"$work/report"
measure "GET pull (10 changes)" 16 "$base" -s "$work/sync.lua" -- pull
# A push of 100 takes seconds under load: wrk's 2 s timeout would drop it from the figures.
measure "POST push (100 follow-ups)" 8 "$base" --timeout 60s -s "$work/sync.lua" -- push
measure "POST follow-up (single)" 8 "$base" -s "$work/sync.lua" -- single
publish sync
