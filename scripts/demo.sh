#!/usr/bin/env bash
# The README's first command: installs what is missing, builds prospectd, generates the
# deterministic demo mailbox (2,000 messages of a sales rep), serves it with a throw-away
# Dovecot on 127.0.0.1, syncs it, shows the result, and stops Dovecot again.
#   scripts/demo.sh              DEMO_DIR (default: ./demo) holds the mailbox, config and store
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
  python3 scripts/gen_mailbox.py --messages 2000 --seed 1 --out "$DEMO_DIR/mail" >/dev/null
fi
PORT=$(python3 scripts/free_port.py)
bash scripts/dovecot_testbed.sh start "$DEMO_DIR/mail" "$PORT" >/dev/null
trap 'bash scripts/dovecot_testbed.sh stop "$DEMO_DIR/mail" "$PORT" >/dev/null' EXIT

{
  echo "# Demo config written by scripts/demo.sh (see packaging/config.example.toml for every key)."
  mailbox_config "$DEMO_DIR/data" name=demo type=imap url="imap://127.0.0.1:$PORT" username=rep@acme-sales.com \
    password_env=PROSPECTD_DEMO_PASSWORD ca_file="$DEMO_DIR/mail/dovecot-$PORT/cert.pem"
} >"$DEMO_DIR/config.toml"
export PROSPECTD_DEMO_PASSWORD=secret

echo "== prospectd sync (demo mailbox: 2,000 messages in INBOX and Sent)"
"$BIN" --config "$DEMO_DIR/config.toml" sync
echo
echo "== prospectd status"
"$BIN" --config "$DEMO_DIR/config.toml" status
echo
echo "== prospectd contacts --stage prospect (first 15)"
"$BIN" --config "$DEMO_DIR/config.toml" contacts --stage prospect | head -16
echo
echo "Try: $BIN --config $DEMO_DIR/config.toml contacts | contact EMAIL | threads"
