#!/usr/bin/env bash
# The programme report on the release build: the year's figures (GET /reports/programme) for
# the city and for one county at a time, at 8 connections, as a manager of all 13 counties. The
# database is filled first directly, not through the API, by scripts/bench/generate_bulk.py:
# TRAINEES trainees (default 1,000,000 on PostgreSQL, 20,000 on SQLite) over three years, with
# their cohorts, completions, certificates, placements and FOLLOW_UPS follow-ups (default 10 per
# trainee); then the administrator rebuilds the report data (POST /reports/rebuild), which the
# report reads. The report gives what was generated, and how long generating and rebuilding took.
# PostgreSQL needs a fresh database, made before each run:
#   dropdb --if-exists -h 127.0.0.1 -U postgres tracker_bench_reports &&
#       createdb -h 127.0.0.1 -U postgres tracker_bench_reports
# Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_reports scripts/bench/reports.sh
# (without DATABASE_URL: a fresh SQLite file). Other settings: SEED (default 1); GENERATED, a file
# holding the generator's output of an earlier run on the same database, to measure again
# without generating again; and see lib.sh.
# Writes scripts/bench/results/reports-ENGINE.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

trainees="${TRAINEES:-$([ "$engine" = postgres ] && echo 1000000 || echo 20000)}"
follow_ups="${FOLLOW_UPS:-$((10 * trainees))}"
# The server's today is China's (UTC+8): the data ends on it, and the report is of its year.
today=$(date -u -d '+8 hours' +%F)
year=${today%%-*}

# lib.sh's server runs on DATABASE_URL, or on this file when it is unset.
if [ -n "${GENERATED:-}" ]; then
    # Data loaded by an earlier run on this database: GENERATED names a file whose last line is
    # that run's generator output. Only the report data is rebuilt.
    tail -n 1 "$GENERATED" >"$work/generated.json"
    generation_seconds=$(python3 -c "import json, sys; print(round(json.load(sys.stdin)['seconds']))" <"$work/generated.json")
else
    started=$(date +%s)
    python3 scripts/bench/generate_bulk.py --database-url "${DATABASE_URL:-sqlite://$work/tracker.db}" \
        --trainees "$trainees" --follow-ups "$follow_ups" --seed "${SEED:-1}" --today "$today" |
        tee "$work/generated.json"
    generation_seconds=$(( $(date +%s) - started ))
fi

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
login() {
    curl -fsS -H 'content-type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$bench_admin_password\"}" "$base/api/v1/auth/login" |
        json_field access_token
}

# The data was loaded around the API: the report data is computed from it once, as after an
# import. It may take many minutes.
admin=$(login admin)
started=$(date +%s)
curl -fsS --max-time 7200 -X POST -H "authorization: Bearer $admin" "$base/api/v1/reports/rebuild" |
    tee "$work/rebuilt.json"
echo
rebuild_seconds=$(( $(date +%s) - started ))
# As autovacuum would after the rebuild's writes: the planner's statistics of the report tables.
if [ "$engine" = postgres ]; then psql "$DATABASE_URL" -q -c "VACUUM ANALYZE"; fi
# SQLite's statistics are refreshed every minute (server.rs): measure once they have caught up.
[ "$engine" = sqlite ] && sleep 65

admin=$(login admin)
# 201, or 409 when an earlier run on this database made the account already.
curl -sS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $admin" \
    -d "{\"username\": \"bench.manager\", \"display_name\": \"Bench\", \"role\": \"manager\",
         \"county_codes\": [\"141102\", \"141121\", \"141122\", \"141123\", \"141124\", \"141125\", \"141126\",
                            \"141127\", \"141128\", \"141129\", \"141130\", \"141181\", \"141182\"],
         \"password\": \"$bench_admin_password\"}" "$base/api/v1/users"
token=$(login bench.manager)

# Both answer, once, before they are measured; the city's trained and employed go in the report.
curl -fsS -H "authorization: Bearer $token" "$base/api/v1/reports/programme?year=$year" >"$work/city.json"
city=$(python3 -c "import json, sys; f = json.load(sys.stdin)['figures']
print(f'trained {f[\"trained\"][\"value\"]}, employed {f[\"employed\"][\"value\"]}')" <"$work/city.json")
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" \
    "$base/api/v1/reports/programme?year=$year&county=141124")
[ "$status" = 200 ] || { echo "the report of a county answered $status" >&2; exit 1; }
echo "city $year: $city"

cat >"$work/reports.lua" <<LUA
local counties = { "141102", "141121", "141122", "141123", "141124", "141125", "141126",
                   "141127", "141128", "141129", "141130", "141181", "141182" }
local kind = nil
function init(args)
    kind = args[1]
    wrk.headers["Authorization"] = "Bearer $token"
end
function request()
    if kind == "city" then
        return wrk.format("GET", "/api/v1/reports/programme?year=$year")
    end
    local county = counties[math.random(#counties)]
    return wrk.format("GET", "/api/v1/reports/programme?year=$year&county=" .. county)
end
LUA

report_header "programme report $year, $trainees trainees, $follow_ups follow-ups asked; as a manager of 13 counties; the city's $city"
measure "GET report (city)" 8 "$base" -s "$work/reports.lua" -- city
measure "GET report (a county)" 8 "$base" -s "$work/reports.lua" -- county
python3 - "$work/generated.json" "$work/rebuilt.json" "$generation_seconds" "$rebuild_seconds" >>"$work/report" <<'PY'
import json, sys
generated = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
rebuilt = json.loads(open(sys.argv[2]).read())
rows = ", ".join(f"{table} {n}" for table, n in generated.items() if isinstance(n, int))
print(f"# generated: {rows}")
print("# of which: " + ", ".join(f"{name} {n}" for name, n in generated["of_which"].items()))
print(f"# generation {sys.argv[3]} s (generate_bulk.py {generated['seconds']} s); "
      f"rebuild {sys.argv[4]} s ({rebuilt['trainees']} trainees, {rebuilt['facts']} facts, "
      f"{rebuilt['seconds']:.1f} s by the server)")
PY
publish reports
