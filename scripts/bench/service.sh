#!/usr/bin/env bash
# Throughput and latency of the service endpoints on the release build, with wrk (Debian's
# `wrk` package). Starts the server on a fresh SQLite file (or DATABASE_URL), runs each endpoint
# RUNS times for DURATION, and writes the median figures to scripts/bench/results/service.txt.
# Usage: scripts/bench/service.sh   (RUNS=3 DURATION=10s CONNECTIONS=32 THREADS=2 by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${RUNS:-3}" duration="${DURATION:-10s}" connections="${CONNECTIONS:-32}" threads="${THREADS:-2}"
port="${BENCH_PORT:-18282}"
out="scripts/bench/results/service.txt"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet

work="$(mktemp -d)"
DATABASE_URL="${DATABASE_URL:-sqlite://$work/tracker.db}" BIND_ADDR="127.0.0.1:$port" \
    ADMIN_PASSWORD="bench-admin-password" RUST_LOG=warn \
    target/release/luliang-tracker >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 50); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

# wrk prints latencies as 1.23ms / 456.00us / 1.2s: normalise to milliseconds.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 }; printf "%.3f\n", v }'; }
median() { sort -g | awk '{ a[NR]=$1 } END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }

{
    echo "# service endpoints, release build — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
    echo "# $(nproc) cores; wrk -t$threads -c$connections -d$duration --latency; median of $runs runs; engine: ${DATABASE_URL%%:*}"
    printf "%-22s %12s %10s %10s %8s\n" endpoint requests/s p50_ms p99_ms errors
} >"$work/report"

for path in /api/v1/counties /readyz; do
    : >"$work/rps"; : >"$work/p50"; : >"$work/p99"; errors=0
    for _ in $(seq 1 "$runs"); do
        wrk -t"$threads" -c"$connections" -d"$duration" --latency "$base$path" >"$work/wrk.txt"
        awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt" >>"$work/rps"
        awk '$1 == "50%" { print $2 }' "$work/wrk.txt" | to_ms >>"$work/p50"
        awk '$1 == "99%" { print $2 }' "$work/wrk.txt" | to_ms >>"$work/p99"
        bad=$(awk '/Non-2xx or 3xx responses/ { print $NF } /Socket errors/ { print 1 }' "$work/wrk.txt" | head -n 1)
        errors=$(( errors + ${bad:-0} ))
    done
    printf "%-22s %12s %10s %10s %8s\n" "$path" "$(median <"$work/rps")" "$(median <"$work/p50")" \
        "$(median <"$work/p99")" "$errors" >>"$work/report"
done

mkdir -p "$(dirname "$out")"
cat "$work/report" | tee "$out"
