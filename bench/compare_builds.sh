#!/usr/bin/env bash
# Do two builds of prospectd derive the same pipeline from the same mail? (ARCHITECTURE.md
# "Store layout": a layout change must not change a single contact, thread or stage event.)
# For each generated mailbox (gen_mailbox.py, seed 7) and each notmuch corpus in tests/data, both
# builds sync into empty stores from one local Dovecot; then, per store, the full
# `contacts --json` and `threads --json`, `contact --json` of every contact (or of a sample of
# CONTACT_SAMPLE on bigger stores) and the whole stage history are written out and compared.
# Prints one line per mailbox and exits 1 on any difference (the diff is left in BENCH_DIR).
#   bench/compare_builds.sh OLD_BINARY NEW_BINARY [MESSAGES...]   (default: 3000 20000 100000)
#   CONTACT_SAMPLE (default 3000) BENCH_DIR (default /tmp/prospectd-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/mailbox_config.sh
. scripts/lib/mailbox_config.sh
[ $# -ge 2 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
OLD=$(realpath "$1")
NEW=$(realpath "$2")
shift 2
SIZES=("${@:-3000 20000 100000}")
read -r -a SIZES <<<"${SIZES[*]}"
BENCH_DIR=${BENCH_DIR:-/tmp/prospectd-bench}
CONTACT_SAMPLE=${CONTACT_SAMPLE:-3000}
mkdir -p "$BENCH_DIR" && chmod 755 "$BENCH_DIR"
export PROSPECTD_BENCH_PASSWORD=secret
status=0

# Everything the rep sees, from one store, into directory $3.
dump() {  # BINARY CONFIG OUT
  local bin=$1 config=$2 out=$3
  mkdir -p "$out"
  "$bin" --config "$config" contacts --json >"$out/contacts.json"
  "$bin" --config "$config" threads --json >"$out/threads.json"
  python3 - "$out/contacts.json" "$CONTACT_SAMPLE" >"$out/sample.txt" <<'PY'
import json, sys
contacts = sorted(c["email"] for c in json.load(open(sys.argv[1])))
step = max(1, len(contacts) // int(sys.argv[2]))
for email in contacts[::step]:
    print(email)
PY
  while read -r email; do
    "$bin" --config "$config" contact --json "$email"
  done <"$out/sample.txt" >"$out/contact.jsonl"
  # The whole history, with threads named by their first message (thread ids are row ids).
  python3 - "$(sed -n 's/^data_dir = "\(.*\)"/\1/p' "$config")/prospectd.sqlite" >"$out/history.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute(
    "SELECT c.email, coalesce(e.from_stage, '-'), e.to_stage, e.at, e.actor, e.rule, e.message_id,"
    " coalesce((SELECT min(m.message_id) FROM messages m WHERE m.thread_id = e.thread_id), '-')"
    " FROM stage_events e JOIN contacts c ON c.id = e.contact_id").fetchall()
for row in sorted(rows, key=lambda r: tuple(str(v) for v in r)):
    print(*row, sep="\t")
PY
}

# Both builds against one mailbox (a Dovecot directory), compared; $1 names it in the output.
compare() {  # LABEL MAIL_DIR
  local label=$1 mail=$2 port run
  port=$(python3 scripts/free_port.py)
  bash scripts/dovecot_testbed.sh start "$mail" "$port" >/dev/null
  run=$BENCH_DIR/compare-$label
  rm -rf "$run" && mkdir -p "$run"
  for build in old new; do
    local bin=$OLD
    [ "$build" = new ] && bin=$NEW
    mailbox_config "$run/data-$build" name=bench type=imap url="imap://127.0.0.1:$port" \
      username=rep@acme-sales.com password_env=PROSPECTD_BENCH_PASSWORD starttls=off >"$run/config-$build.toml"
    "$bin" --config "$run/config-$build.toml" sync >"$run/sync-$build.txt"
    dump "$bin" "$run/config-$build.toml" "$run/$build"
  done
  bash scripts/dovecot_testbed.sh stop "$mail" "$port" >/dev/null
  local contacts threads
  contacts=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$run/new/contacts.json")
  threads=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$run/new/threads.json")
  if diff -r "$run/old" "$run/new" >"$run/diff.txt"; then
    printf '%-24s identical: %s contacts, %s threads, %s history events, %s contacts in full\n' "$label" \
      "$contacts" "$threads" "$(wc -l <"$run/new/history.txt")" "$(wc -l <"$run/new/sample.txt")"
  else
    printf '%-24s DIFFERENT (%s)\n' "$label" "$run/diff.txt"
    status=1
  fi
}

for messages in "${SIZES[@]}"; do
  mail=$BENCH_DIR/mail-$messages
  if [ ! -f "$mail/ground_truth.json" ]; then
    python3 scripts/gen_mailbox.py --messages "$messages" --seed 7 --out "$mail" >/dev/null
  fi
  compare "generated-$messages" "$mail"
done

# The notmuch corpora (real threads, broken and duplicate headers): each into an INBOX of its own.
for corpus in tests/data/notmuch/*/; do
  name=$(basename "$corpus")
  [ -d "$corpus/mail" ] || continue
  mail=$BENCH_DIR/notmuch-$name
  if [ ! -d "$mail" ]; then
    port=$(python3 scripts/free_port.py)
    bash scripts/dovecot_testbed.sh start "$mail" "$port" >/dev/null
    find "$corpus/mail" -type f -print0 | sort -z | xargs -0 python3 scripts/imap_append.py --port "$port" \
      append INBOX --batch 200 >/dev/null
    bash scripts/dovecot_testbed.sh stop "$mail" "$port" >/dev/null
  fi
  compare "notmuch-$name" "$mail"
done
exit $status
