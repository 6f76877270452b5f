#!/usr/bin/env bash
# The README's first command: installs what is missing, builds prospectd, generates the
# demo mailbox (2,000 messages of a sales rep over two years ending today), serves it with a
# throw-away Dovecot on 127.0.0.1, syncs it, shows the result, then runs `prospectd run` and
# serves the status page until Ctrl-C (and stops Dovecot again).
#   scripts/demo.sh              DEMO_DIR (default: ./demo) holds the mailbox, config and store
#   DEMO_SERVE=0 scripts/demo.sh   end after the sync (for scripts)
#   DEMO_PORT=N                    the page's port (default: 8787 if free, else a free one)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/mailbox_config.sh
. scripts/lib/mailbox_config.sh
ROOT=$(pwd)
DEMO_DIR=${DEMO_DIR:-$ROOT/demo}
BUILD_DIR=${BUILD_DIR:-build}

./scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)" --target prospectd >/dev/null
BIN="$ROOT/$BUILD_DIR/prospectd"

mkdir -p "$DEMO_DIR"
chmod 755 "$DEMO_DIR"
if [ ! -f "$DEMO_DIR/mail/ground_truth.json" ]; then
  # Dated relative to today, so "waiting for your reply" ages and "gone quiet" read like a live inbox.
  python3 scripts/gen_mailbox.py --messages 2000 --seed 1 --out "$DEMO_DIR/mail" --end-date today >/dev/null
fi
PORT=$(python3 scripts/free_port.py)
bash scripts/dovecot_testbed.sh start "$DEMO_DIR/mail" "$PORT" >/dev/null
trap 'bash scripts/dovecot_testbed.sh stop "$DEMO_DIR/mail" "$PORT" >/dev/null' EXIT
HTTP_PORT=${DEMO_PORT:-8787}
if ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$HTTP_PORT" 2>/dev/null; then
  HTTP_PORT=$(python3 scripts/free_port.py)
fi

{
  echo "# Demo config written by scripts/demo.sh (see packaging/config.example.toml for every key)."
  mailbox_config "$DEMO_DIR/data" name=demo type=imap url="imap://127.0.0.1:$PORT" username=rep@acme-sales.com \
    password_env=PROSPECTD_DEMO_PASSWORD ca_file="$DEMO_DIR/mail/dovecot-$PORT/cert.pem"
  printf '\n[http]\nlisten = "127.0.0.1:%s"\n' "$HTTP_PORT"
} >"$DEMO_DIR/config.toml"
export PROSPECTD_DEMO_PASSWORD=secret

echo "== prospectd sync (demo mailbox: 2,000 messages in INBOX and Sent)"
"$BIN" --config "$DEMO_DIR/config.toml" sync
echo
echo "== prospectd status"
"$BIN" --config "$DEMO_DIR/config.toml" status
echo
echo "== prospectd contacts --stage prospect (first 15)"
"$BIN" --config "$DEMO_DIR/config.toml" contacts --stage prospect | head -16 || true  # head closes the pipe early
echo
echo "Try: $BIN --config $DEMO_DIR/config.toml contacts | contact EMAIL | threads"
if [ "${DEMO_SERVE:-1}" = 0 ]; then
  exit 0
fi

echo
echo "== prospectd run: the status page at http://127.0.0.1:$HTTP_PORT/ (Ctrl-C to stop)"
"$BIN" --config "$DEMO_DIR/config.toml" run &
DAEMON=$!
trap 'kill -TERM "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; bash scripts/dovecot_testbed.sh stop "$DEMO_DIR/mail" "$PORT" >/dev/null' EXIT
trap 'exit 0' INT TERM
python3 - "$HTTP_PORT" <<'PY' || true
import sys, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen("http://127.0.0.1:%s/healthz" % sys.argv[1], timeout=1)
        break
    except OSError:
        time.sleep(0.1)
PY
if "$BIN" --config "$DEMO_DIR/config.toml" open --help >/dev/null 2>&1; then
  echo "Sign in to the page (one-time link, valid 2 minutes; \`prospectd open --print\` makes another):"
  "$BIN" --config "$DEMO_DIR/config.toml" open --print
else
  echo "Open http://127.0.0.1:$HTTP_PORT/ in a browser; API clients send the token in $DEMO_DIR/data/http-token."
fi
wait "$DAEMON"
