#!/usr/bin/env bash
# Throughput and latency of the service endpoints on the release build, with wrk (Debian's
# `wrk` package). Writes scripts/bench/results/service-ENGINE.txt. Settings: see lib.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/bench/lib.sh

report_header "service endpoints"
measure "GET /api/v1/counties" 32 "$base/api/v1/counties"
measure "GET /readyz" 32 "$base/readyz"
measure "GET /healthz" 32 "$base/healthz"
publish service
