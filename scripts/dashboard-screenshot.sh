#!/usr/bin/env bash
# Checks that the managers' dashboard (GET /dashboard) renders in headless Chromium against a
# RUNNING server, then writes a screenshot of it.
#
# Settings (environment):
#   BASE                server address (default http://127.0.0.1:8080)
#   DASHBOARD_USER      account to sign in with (default admin)
#   DASHBOARD_PASSWORD  its password (required; falls back to ADMIN_PASSWORD)
#   YEAR, COUNTY        optional: the year and the county code (e.g. 141124) to show
#   OUT                 screenshot file (default scripts/dashboard/dashboard.png, relative to the repo)
#   INSTALL_CHROMIUM=1  install Debian's chromium package with apt-get when it is missing
#
# The access token is handed to the page in the URL fragment (#token=...), which the browser
# never sends to the server, so it does not reach the server's logs.
#
# Usage: DASHBOARD_PASSWORD=... scripts/dashboard-screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${BASE:-http://127.0.0.1:8080}"
BASE="${BASE%/}"
DASHBOARD_USER="${DASHBOARD_USER:-admin}"
DASHBOARD_PASSWORD="${DASHBOARD_PASSWORD:-${ADMIN_PASSWORD:-}}"
YEAR="${YEAR:-}"
COUNTY="${COUNTY:-}"
OUT="${OUT:-scripts/dashboard/dashboard.png}"
CHROMIUM="${CHROMIUM:-chromium}"

die() { echo "dashboard-screenshot: $*" >&2; exit 1; }

if [ -z "$DASHBOARD_PASSWORD" ]; then
    die "set DASHBOARD_PASSWORD (or ADMIN_PASSWORD) to the password of '$DASHBOARD_USER'"
fi
if [ -n "$YEAR" ] && ! [[ "$YEAR" =~ ^[0-9]{4}$ ]]; then die "YEAR must be a four-digit year, not '$YEAR'"; fi
if [ -n "$COUNTY" ] && ! [[ "$COUNTY" =~ ^[0-9]{6}$ ]]; then die "COUNTY must be a six-digit county code, not '$COUNTY'"; fi
for tool in curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

if ! command -v "$CHROMIUM" >/dev/null 2>&1; then
    if [ "${INSTALL_CHROMIUM:-0}" = "1" ]; then
        apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }
    else
        echo "dashboard-screenshot: '$CHROMIUM' not found. Install it with:" >&2
        echo "    apt-get install -y chromium" >&2
        echo "(or run this script with INSTALL_CHROMIUM=1)" >&2
        exit 2
    fi
fi
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    echo "note: no Chinese font installed; the screenshot will show boxes (apt-get install -y fonts-noto-cjk)" >&2
fi

case "$OUT" in
    /*) ;;
    *) OUT="$PWD/$OUT" ;;
esac
mkdir -p "$(dirname "$OUT")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Sign in. The password goes through the environment and standard input, never the command line.
status=$(DASHBOARD_USER="$DASHBOARD_USER" DASHBOARD_PASSWORD="$DASHBOARD_PASSWORD" python3 -c '
import json, os
print(json.dumps({"username": os.environ["DASHBOARD_USER"], "password": os.environ["DASHBOARD_PASSWORD"]}))' |
    curl -sS -o "$work/login.json" -w '%{http_code}' -H 'content-type: application/json' \
        --data-binary @- "$BASE/api/v1/auth/login") || die "cannot reach $BASE (is the server running?)"
if [ "$status" != "200" ]; then
    die "sign-in as '$DASHBOARD_USER' failed (HTTP $status): $(head -c 500 "$work/login.json")"
fi
token=$(python3 -c '
import json, sys, urllib.parse
print(urllib.parse.quote(json.load(open(sys.argv[1]))["access_token"], safe=""))' "$work/login.json") ||
    die "no access_token in the sign-in answer"

query=""
if [ -n "$YEAR" ]; then query="year=$YEAR"; fi
if [ -n "$COUNTY" ]; then query="${query:+$query&}county=$COUNTY"; fi
url="$BASE/dashboard${query:+?$query}#token=$token"
shown_url="$BASE/dashboard${query:+?$query}"

run_chromium() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1280,1800 --virtual-time-budget=10000 \
        --user-data-dir="$work/profile" --no-first-run --no-default-browser-check \
        "$@" "$url" 2>>"$work/chromium.log"
}

echo "== rendering $shown_url"
if ! run_chromium --dump-dom >"$work/dom.html"; then
    tail -n 20 "$work/chromium.log" >&2 || true
    die "chromium failed while rendering the page"
fi

# The page's state on <body data-state>, its #message text, and whether the rendered page
# (outside its <script>, which holds the labels too) shows the 培训人数 card (#card-trained).
check=$(python3 - "$work/dom.html" <<'PY'
import html, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
body = re.search(r"<body\b[^>]*>", dom)
state = re.search(r'\bdata-state="([^"]*)"', body.group(0)) if body else None
visible = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S | re.I)
message = re.search(r'<p\b[^>]*\bid="message"[^>]*>(.*?)</p>', visible, re.S)
card = re.search(r'<article\b[^>]*\bid="card-trained"[^>]*>(.*?)</article>', visible, re.S)
print(state.group(1) if state else "missing")
print("yes" if card and "培训人数" in card.group(1) else "no")
print(html.unescape(re.sub(r"<[^>]+>", "", message.group(1))).strip() if message else "")
PY
)
state=$(sed -n 1p <<<"$check")
has_label=$(sed -n 2p <<<"$check")
message=$(sed -n '3,$p' <<<"$check")

if [ "$state" != "ready" ]; then
    die "the page did not become ready: data-state=\"$state\"${message:+ — $message}"
fi
if [ "$has_label" != "yes" ]; then
    die "the page is ready but shows no 培训人数 (trained) card"
fi
echo "page ready (data-state=\"ready\", 培训人数 card present)"

echo "== screenshot"
rm -f "$OUT"
if ! run_chromium --screenshot="$OUT" >/dev/null; then
    tail -n 20 "$work/chromium.log" >&2 || true
    die "chromium failed while taking the screenshot"
fi
[ -s "$OUT" ] || die "no screenshot was written to $OUT"
echo "$OUT ($(wc -c <"$OUT" | tr -d ' ') bytes)"
