#!/usr/bin/env bash
# HTTP API benchmark: wrk against `prospectd run` serving a store of ~100k contacts,
# first with the daemon idle, then while another account's initial sync is running.
# Reports req/s and latency percentiles for /api/status and /api/contacts?stage=prospect&limit=50
# (targets: >= 5,000 req/s for /api/status; p99 < 50 ms for the contacts query).
#
#   bench/http_bench.sh          needs wrk (scripts/setup.sh --with-bench), Dovecot, python3
#
# Environment: BIN (default build/prospectd), BENCH_DIR (default build/http-bench; the big
# mailbox and the synced store are kept there and reused), MESSAGES (default 345000, which the
# generator turns into ~100k contacts), SYNC_MESSAGES (default 150000: the mailbox whose sync
# runs during the measurement), DURATION (default 20s per wrk run), CONNECTIONS (default 8).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${BIN:-$ROOT/build/prospectd}
BENCH_DIR=${BENCH_DIR:-$ROOT/build/http-bench}
MESSAGES=${MESSAGES:-345000}
SYNC_MESSAGES=${SYNC_MESSAGES:-150000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-8}
export PROSPECTD_BENCH_PASSWORD=secret

command -v wrk >/dev/null || { echo "http_bench: wrk is missing (scripts/setup.sh --with-bench)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "http_bench: no binary at $BIN (build first, or set BIN)" >&2; exit 1; }
mkdir -p "$BENCH_DIR"
chmod 755 "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

DOVECOTS=()
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  for entry in "${DOVECOTS[@]}"; do
    bash scripts/dovecot_testbed.sh stop "${entry%|*}" "${entry#*|}" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

free_port() { python3 scripts/free_port.py | awk '{print $1}'; }

# mailbox DIR MESSAGES SEED [START_INDEX]: generated once, then reused.
mailbox() {
  if [ ! -f "$1/ground_truth.json" ]; then
    echo "== generating $2 messages in $1"
    python3 scripts/gen_mailbox.py --messages "$2" --seed "$3" --start-index "${4:-0}" --out "$1" --force >/dev/null
  fi
}

# start_dovecot DIR: sets DOVECOT_PORT (not a command substitution: DOVECOTS must be kept)
start_dovecot() {
  DOVECOT_PORT=$(free_port)
  bash scripts/dovecot_testbed.sh start "$1" "$DOVECOT_PORT" >/dev/null
  DOVECOTS+=("$1|$DOVECOT_PORT")
}

account() {  # account NAME MAIL_DIR PORT
  cat <<TOML
[[accounts]]
name = "$1"
type = "imap"
url = "imap://127.0.0.1:$3"
username = "rep@acme-sales.com"
password_env = "PROSPECTD_BENCH_PASSWORD"
ca_file = "$2/dovecot-$3/cert.pem"
poll_interval = "1h"
TOML
}

write_config() {  # write_config FILE DATA_DIR HTTP_PORT ACCOUNTS...
  local file=$1 data=$2 http=$3
  shift 3
  {
    echo "data_dir = \"$data\""
    echo "[log]"
    echo "level = \"warn\""
    echo "[http]"
    echo "listen = \"127.0.0.1:$http\""
    echo "[identity]"
    echo 'addresses = ["rep@acme-sales.com", "rep@acme.io"]'
    echo 'internal_domains = ["acme-sales.com", "acme.io"]'
    printf '%s\n' "$@"
  } >"$file"
}

# The API's bearer token (ARCHITECTURE.md "Interfaces"), made by the daemon at its first start.
api_token() { cat "$DATA/http-token"; }

status_field() {  # status_field PORT PYTHON_EXPRESSION_OVER_s
  curl -s -H "Authorization: Bearer $(api_token)" "http://127.0.0.1:$1/api/status" | python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"
}

# ---- 1. the big store (synced once, kept as a pristine copy) ------------------------------
MAIN_MAIL=$BENCH_DIR/main-mail
SYNC_MAIL=$BENCH_DIR/sync-mail
PRISTINE=$BENCH_DIR/pristine
if [ ! -f "$PRISTINE/prospectd.sqlite" ]; then
  mailbox "$MAIN_MAIL" "$MESSAGES" 7
  start_dovecot "$MAIN_MAIL"
  MAIN_PORT=$DOVECOT_PORT
  echo "== initial sync of the big mailbox (once; the store is kept in $PRISTINE)"
  rm -rf "$PRISTINE"
  write_config "$BENCH_DIR/setup.toml" "$PRISTINE" "$(free_port)" "$(account main "$MAIN_MAIL" "$MAIN_PORT")"
  /usr/bin/time -f "   %e s, %M KiB max RSS" "$BIN" --config "$BENCH_DIR/setup.toml" sync
fi
# The daemons below are configured with a second account only: the main account's contacts
# are in the store (its state shows in /api/status), no server is needed for it any more.
DATA=$BENCH_DIR/data
rm -rf "$DATA"
mkdir -p "$DATA"
cp "$PRISTINE"/prospectd.sqlite* "$DATA"/
HTTP_PORT=$(free_port)

start_daemon() {  # start_daemon ACCOUNT_TOML
  write_config "$BENCH_DIR/run.toml" "$DATA" "$HTTP_PORT" "$1"
  "$BIN" --config "$BENCH_DIR/run.toml" run >>"$BENCH_DIR/daemon.log" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null && return
    sleep 0.1
  done
  echo "http_bench: the daemon did not answer (see $BENCH_DIR/daemon.log)" >&2
  exit 1
}

stop_daemon() {
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID" || true
  DAEMON_PID=""
}

second_state() {
  status_field "$HTTP_PORT" '"%s %s" % next((a["state"], a["progress"]) for a in s["accounts"] if a["name"] == "second")'
}

RESULTS=$BENCH_DIR/results.txt
: >"$RESULTS"
run_wrk() {  # run_wrk LABEL PATH
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $(api_token)" \
    "http://127.0.0.1:$HTTP_PORT$2")
  echo "$out" >"$BENCH_DIR/wrk-$(echo "$1 $2" | tr -c 'a-zA-Z0-9' '_').txt"
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
  printf '%-8s %-40s %9s req/s   p50 %8s   p99 %8s  %s\n' "$1" "$2" "$rps" "$p50" "$p99" "$errors" |
    tee -a "$RESULTS"
}

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS"

# ---- 2. idle: the second account points at a closed port, so nothing syncs ------------------
start_daemon "[[accounts]]
name = \"second\"
type = \"imap\"
url = \"imap://127.0.0.1:1\"
username = \"rep@acme-sales.com\"
password_env = \"PROSPECTD_BENCH_PASSWORD\""
echo "== store: $(status_field "$HTTP_PORT" 's["contacts"]') contacts," \
     "$(status_field "$HTTP_PORT" 's["messages"]') messages, $(status_field "$HTTP_PORT" 's["stages"]["prospect"]')" \
     "prospects (wrk -t2 -c$CONNECTIONS -d$DURATION)" | tee -a "$RESULTS"
echo "== idle daemon" | tee -a "$RESULTS"
run_wrk idle /api/status
run_wrk idle "/api/contacts?stage=prospect&limit=50"
stop_daemon

# ---- 3. during the initial sync of the second account ------------------------------------------
mailbox "$SYNC_MAIL" "$SYNC_MESSAGES" 8 50000000
start_dovecot "$SYNC_MAIL"
start_daemon "$(account second "$SYNC_MAIL" "$DOVECOT_PORT")"
for _ in $(seq 1 600); do
  [ "$(second_state | cut -d' ' -f1)" = syncing ] && break
  sleep 0.1
done
echo "== during the initial sync of $SYNC_MESSAGES messages; before: $(second_state)" | tee -a "$RESULTS"
run_wrk syncing /api/status
run_wrk syncing "/api/contacts?stage=prospect&limit=50"
echo "   after: $(second_state)" | tee -a "$RESULTS"
if [ "$(second_state | cut -d' ' -f1)" != syncing ]; then
  echo "   (the sync ended during the measurement: raise SYNC_MESSAGES)" | tee -a "$RESULTS"
fi
stop_daemon
echo "== results in $RESULTS (raw wrk output beside it)"
