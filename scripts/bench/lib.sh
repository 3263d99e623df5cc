# Shared by the benchmarks: start the release build on a fresh database, run wrk, keep medians.
# Source it from a benchmark script; it sets $base, $work and stops the server on exit.
# Settings: RUNS=3 DURATION=10s THREADS=2, BENCH_PORT, DATABASE_URL (default: a fresh SQLite file).

runs="${RUNS:-3}" duration="${DURATION:-10s}" threads="${THREADS:-2}"
port="${BENCH_PORT:-18282}"
bench_admin_password="bench-admin-password"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet

work="$(mktemp -d)"
engine="$(case "${DATABASE_URL:-sqlite}" in postgres*) echo postgres ;; *) echo sqlite ;; esac)"
DATABASE_URL="${DATABASE_URL:-sqlite://$work/tracker.db}" BIND_ADDR="127.0.0.1:$port" \
    ADMIN_PASSWORD="$bench_admin_password" RUST_LOG=warn \
    target/release/luliang-tracker >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 50); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

# wrk prints latencies as 1.23ms / 456.00us / 1.2s: normalise to milliseconds.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 }; printf "%.3f\n", v }'; }
median() { sort -g | awk '{ a[NR]=$1 } END { print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2 }'; }

# report_header TITLE: starts $work/report.
report_header() {
    {
        echo "# $1 — release build, $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
        echo "# $(nproc) cores; wrk -t$threads -d$duration --latency; median of $runs runs; engine: $engine"
        printf "%-28s %6s %12s %10s %10s %8s\n" case conns requests/s p50_ms p99_ms errors
    } >"$work/report"
}

# measure LABEL CONNECTIONS URL [WRK ARGS...] [-- SCRIPT ARGS...]: runs wrk $runs times and
# appends the medians.
measure() {
    local label="$1" connections="$2" url="$3"
    shift 3
    : >"$work/rps"; : >"$work/p50"; : >"$work/p99"
    local errors=0 bad t="$threads"
    (( connections < t )) && t="$connections"
    for _ in $(seq 1 "$runs"); do
        wrk -t"$t" -c"$connections" -d"$duration" --latency "$url" "$@" >"$work/wrk.txt"
        awk '/Requests\/sec/ { print $2 }' "$work/wrk.txt" >>"$work/rps"
        awk '$1 == "50%" { print $2 }' "$work/wrk.txt" | to_ms >>"$work/p50"
        awk '$1 == "99%" { print $2 }' "$work/wrk.txt" | to_ms >>"$work/p99"
        bad=$(awk '/Non-2xx or 3xx responses/ { print $NF } /Socket errors/ { print 1 }' "$work/wrk.txt" | head -n 1)
        errors=$(( errors + ${bad:-0} ))
    done
    printf "%-28s %6s %12s %10s %10s %8s\n" "$label" "$connections" "$(median <"$work/rps")" \
        "$(median <"$work/p50")" "$(median <"$work/p99")" "$errors" >>"$work/report"
}

# publish NAME: writes the report to scripts/bench/results/NAME-ENGINE.txt and shows it.
publish() {
    mkdir -p scripts/bench/results
    tee "scripts/bench/results/$1-$engine.txt" <"$work/report"
}
