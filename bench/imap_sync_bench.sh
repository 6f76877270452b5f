#!/usr/bin/env bash
# IMAP sync benchmark (prints figures, asserts nothing). A generated mailbox (default 100k
# messages) in a local Dovecot with a warm index; alternates, ROUNDS times:
#   raw   bench/raw_imap_fetch: the same UID FETCH of the same header fields, discarded
#         (the server's own streaming limit)
#   sync  `prospectd sync` from an empty store (peak RSS via /usr/bin/time)
# then a Python imaplib fetch-and-parse of the same headers, and a no-change incremental sync
# (ms and IMAP round trips after login).
#   bench/imap_sync_bench.sh [MESSAGES] [ROUNDS]     BENCH_DIR (default /tmp/prospectd-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/mailbox_config.sh
. scripts/lib/mailbox_config.sh
MESSAGES=${1:-100000}
ROUNDS=${2:-3}
BUILD_DIR=${BUILD_DIR:-build}
BENCH_DIR=${BENCH_DIR:-/tmp/prospectd-bench}
BIN=$BUILD_DIR/prospectd
RAW=$BUILD_DIR/bench/raw_imap_fetch
command -v /usr/bin/time >/dev/null || apt-get install -y -qq time >/dev/null
cmake --build "$BUILD_DIR" --target prospectd raw_imap_fetch -j "$(nproc)" >/dev/null

MAIL=$BENCH_DIR/mail-$MESSAGES
mkdir -p "$BENCH_DIR" && chmod 755 "$BENCH_DIR"
if [ ! -f "$MAIL/ground_truth.json" ]; then
  echo "generating $MESSAGES messages ..."
  python3 scripts/gen_mailbox.py --messages "$MESSAGES" --seed 7 --out "$MAIL" >/dev/null
fi
PORT=$(python3 scripts/free_port.py)
bash scripts/dovecot_testbed.sh start "$MAIL" "$PORT" >/dev/null
trap 'bash scripts/dovecot_testbed.sh stop "$MAIL" "$PORT" >/dev/null' EXIT
FIELDS=$(python3 - <<'PY'
print("FROM SENDER REPLY-TO TO CC BCC DATE SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES AUTO-SUBMITTED "
      "PRECEDENCE LIST-ID LIST-UNSUBSCRIBE X-AUTOREPLY X-AUTORESPOND CONTENT-TYPE")
PY
)
CONFIG=$BENCH_DIR/config-$PORT.toml
mailbox_config "$BENCH_DIR/data-$PORT" name=bench type=imap url="imap://127.0.0.1:$PORT" \
  username=rep@acme-sales.com password_env=PROSPECTD_BENCH_PASSWORD starttls=off >"$CONFIG"
export PROSPECTD_BENCH_PASSWORD=secret

raw_fetch() {  # both folders, chunks of 1000 UIDs, 2 in flight (what the sync does)
  for folder in INBOX Sent; do
    # shellcheck disable=SC2086  # one argument per header field
    "$RAW" -k 1000 -p 2 -j 127.0.0.1 "$PORT" rep@acme-sales.com secret "$folder" $FIELDS
  done
}
now() { date +%s.%N; }
echo "warming Dovecot's index ..."
raw_fetch >/dev/null
"$BIN" --config "$CONFIG" sync >/dev/null

printf '%-6s %-5s %9s %10s\n' round kind seconds peak_rss_MB
for round in $(seq 1 "$ROUNDS"); do
  start=$(now); raw_fetch >/dev/null; end=$(now)
  printf '%-6s %-5s %9.3f %10s\n' "$round" raw "$(echo "$end - $start" | bc)" "-"
  rm -rf "$BENCH_DIR/data-$PORT"
  /usr/bin/time -f '%e %M' -o "$BENCH_DIR/time.txt" "$BIN" --config "$CONFIG" sync >/dev/null
  read -r seconds rss_kb < "$BENCH_DIR/time.txt"
  printf '%-6s %-5s %9.3f %10.1f\n' "$round" sync "$seconds" "$(echo "$rss_kb / 1024" | bc -l)"
done

echo "python imaplib fetch + email.parser of the same headers:"
python3 - "$PORT" "$FIELDS" <<'PY'
import imaplib, sys, time
from email import policy
from email.parser import BytesHeaderParser
port, fields = int(sys.argv[1]), sys.argv[2]
start = time.time()
imap = imaplib.IMAP4("127.0.0.1", port)
imap.login("rep@acme-sales.com", "secret")
parser, count = BytesHeaderParser(policy=policy.default), 0
for folder in ("INBOX", "Sent"):
    imap.select(folder, readonly=True)
    typ, data = imap.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (%s)])" % fields)
    for item in data:
        if isinstance(item, tuple):
            message = parser.parsebytes(item[1])
            for name in ("from", "to", "cc", "date", "subject", "message-id", "references"):
                message.get(name)
            count += 1
imap.logout()
print("  %d messages in %.3f s" % (count, time.time() - start))
PY

echo "no-change incremental sync (5 runs):"
for _ in 1 2 3 4 5; do
  start=$(now)
  trips=$("$BIN" --config "$CONFIG" -v sync 2>&1 >/dev/null | sed -n 's/.*: \([0-9]*\) round trips after login.*/\1/p')
  end=$(now)
  printf '  %.0f ms, %s round trips after login (2 folders)\n' "$(echo "($end - $start) * 1000" | bc -l)" "$trips"
done
