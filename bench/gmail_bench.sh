#!/bin/bash
# Gmail connector benchmark: a generated mailbox served by tests/fake_gmail with per-request
# latency and Google's per-user quota enforced; one full `prospectd sync` through the fake.
# Usage: bench/gmail_bench.sh [MESSAGES=10000] [LATENCY_MS=30] [QUOTA=250]   (BUILD=build dir)
set -euo pipefail
MESSAGES=${1:-10000}
LATENCY=${2:-30}
QUOTA=${3:-250}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
# shellcheck source=scripts/lib/mailbox_config.sh
. "$ROOT/scripts/lib/mailbox_config.sh"
WORK=$(mktemp -d /tmp/prospectd-gmail-bench.XXXXXX)
trap 'kill $FAKE_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 "$ROOT/scripts/gen_mailbox.py" --messages "$MESSAGES" --seed 4 --out "$WORK/mail" >/dev/null
"$BUILD/tests/fake_gmail/fake_gmail_server" --maildir "$WORK/mail" --latency-ms "$LATENCY" --quota "$QUOTA" \
  >"$WORK/fake.out" 2>"$WORK/fake.err" &
FAKE_PID=$!
for _ in $(seq 100); do grep -q LISTENING "$WORK/fake.out" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/LISTENING/ {print $2}' "$WORK/fake.out")
BASE="http://127.0.0.1:$PORT"
echo '{"refresh_token": "1//fake-refresh"}' >"$WORK/token.json"
chmod 600 "$WORK/token.json"
mailbox_config "$WORK/data" name=gmail type=gmail username=rep@acme-sales.com \
  client_id=fake-client.apps.googleusercontent.com client_secret_env=BENCH_GMAIL_SECRET \
  token_file="$WORK/token.json" api_base="$BASE" token_uri="$BASE/token" >"$WORK/config.toml"
export BENCH_GMAIL_SECRET=fake-secret
START=$(date +%s.%N)
"$BUILD/prospectd" --config "$WORK/config.toml" sync >"$WORK/sync.out"
END=$(date +%s.%N)
curl -s "$BASE/control/stats" >"$WORK/stats.json"
python3 - "$WORK/stats.json" "$START" "$END" "$QUOTA" "$LATENCY" "$(cat "$WORK/sync.out")" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
quota = float(sys.argv[4])
mailbox = stats["mailbox"]
units = stats.get("units", 0)
least = mailbox["least_fetch_units"]
fetch_units = units - 5 * stats.get("requests.users.messages.list", 0) - stats.get("requests.users.getProfile", 0) \
    - stats.get("requests.users.settings.sendAs.list", 0) - 2 * stats.get("requests.users.history.list", 0)
bound = units / quota
print("messages              %d in %d threads" % (mailbox["messages"], mailbox["threads"]))
print("latency / quota       %s ms per request / %.0f units/s" % (sys.argv[5], quota))
print("sync                  %s" % sys.argv[6].strip().splitlines()[-1])
print("wall time             %.1f s" % wall)
print("requests              %d (%s)" % (stats.get("requests", 0), ", ".join(
    "%s %d" % (k.split(".", 1)[1], v) for k, v in sorted(stats.items()) if k.startswith("requests."))))
print("quota units           %d total, %.3f per message" % (units, units / mailbox["messages"]))
print("fetch units / least   %d / %d = %.3f (threads.get vs messages.get per thread)" % (fetch_units, least, fetch_units / least))
print("all units / least     %.3f (incl. messages.list pages, getProfile, sendAs, history)" % (units / least))
print("quota bound           %.1f s (units / %.0f per s); wall / bound = %.3f" % (bound, quota, wall / bound))
print("quota errors          %d" % stats.get("quota_errors", 0))
PY
