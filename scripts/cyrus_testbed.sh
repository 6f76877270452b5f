#!/usr/bin/env bash
# A throw-away Cyrus IMAP 3.6 (Debian's cyrus-imapd) for tests, beside Dovecot's testbed.
#
#   scripts/cyrus_testbed.sh start  DIR PORT       (load DIR/Maildir, see below)
#   scripts/cyrus_testbed.sh stop   DIR PORT       (exit 1 when it finds no server to stop)
#   scripts/cyrus_testbed.sh status DIR PORT       (exit 0 running, 3 not running)
#   scripts/cyrus_testbed.sh deliver DIR PORT
#        APPEND the messages of DIR/Maildir not loaded yet (e.g. added by
#        gen_mailbox.py --extend): Cyrus keeps mail in a spool of its own.
#   scripts/cyrus_testbed.sh uidvalidity DIR PORT FOLDER
#        give FOLDER (INBOX too) a new UIDVALIDITY, keeping its messages and
#        UIDs: the folder's index is rebuilt by Cyrus's reconstruct.
#   scripts/cyrus_testbed.sh rename DIR PORT FOLDER NEWNAME
#        RENAME over IMAP (Sent keeps its \Sent special-use); later deliveries
#        of DIR/Maildir/.Sent go to NEWNAME.
#
# DIR holds the mailbox (DIR/Maildir, Maildir++: INBOX at the root, Sent in
# DIR/Maildir/.Sent), e.g. made by scripts/gen_mailbox.py; an empty one is
# created when missing. `start` loads every message of it into the server
# (MULTIAPPEND, INTERNALDATE = the file's mtime, flags from the file name),
# once: DIR/cyrus-PORT/loaded lists what was loaded. Everything Cyrus writes
# -- config, spool, databases, sasldb, logs, the certificate -- lives under
# DIR/cyrus-PORT, so several instances never collide; 127.0.0.1 only.
#
#   IMAP  127.0.0.1:PORT     plaintext, STARTTLS available, LOGIN allowed
#   IMAPS 127.0.0.1:PORT+1   implicit TLS
#   user rep@acme-sales.com  password secret (SASL PLAIN/LOGIN, sasldb)
#   folders INBOX and Sent (special-use \Sent, separator "/"); with
#   CYRUS_ALTNAMESPACE=no at the first start, Debian's default namespace:
#   INBOX and INBOX.Sent (separator "."). IDLE (idled: at once), CONDSTORE,
#   QRESYNC, MULTIAPPEND, SPECIAL-USE.
#   certificate DIR/cyrus-PORT/cert.pem (self-signed, CN 127.0.0.1,
#   SAN IP:127.0.0.1 + DNS:localhost) -- pass it as the CA file to trust it.
#   logs DIR/cyrus-PORT/syslog.log (everything Cyrus logs: it logs only to
#   syslog, so a /dev/log of the server's own private namespace is served
#   by scripts/lib/testbed_init.py), server.log (stdout and stderr)
#
# cyrus-imapd conflicts with dovecot-imapd (both provide imap-server), so it
# is never installed: `apt-get download` + `dpkg-deb -x` of cyrus-common and
# cyrus-imapd into ${XDG_CACHE_HOME:-~/.cache}/prospectd-testbed/cyrus-VERSION
# (once; PROSPECTD_TESTBED_CACHE overrides the directory). Their libraries
# come from apt (scripts/setup.sh; installed here when missing).
#
# The server runs in a mount and PID namespace of its own (unshare): the
# reported pid is the namespace's first process; TERM stops Cyrus cleanly,
# and when that process ends, the kernel ends everything left in it. Root
# only (as CI runs); Cyrus runs as the unprivileged user prospectd-mail, as
# Dovecot's testbed does.
# `start` waits until both ports answer and prints one line; `start` on a
# running instance only prints that line. `stop` waits until it has exited;
# it fails loudly when DIR, the pid file or the server is gone.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0" >&2; exit 2; }
NAME=cyrus
SCRIPTS=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=scripts/lib/mail_testbed.sh
. "$SCRIPTS/lib/mail_testbed.sh"
tb_check_args "$@"
CONF="$D/imapd.conf"

summary() {
  echo "cyrus pid=$1 imap=127.0.0.1:$PORT imaps=127.0.0.1:$((PORT + 1)) user=$USER_NAME password=$PASSWORD cert=$D/cert.pem conf=$CONF log=$D/syslog.log folders=INBOX,$(sent_folder)"
}

uidvalidity_of() { sed -n 's/.*"uidvalidity": \([0-9]*\).*/\1/p' <<<"$1"; }

sent_folder() { cat "$D/sent-folder" 2>/dev/null || echo Sent; }

# cyrus_tool NAME ARG...: a Cyrus command-line tool on this instance's configuration, run outside
# the namespace (as root; the tools switch to the Cyrus user themselves)
cyrus_tool() {
  local tool=$1
  shift
  LD_LIBRARY_PATH="$PREFIX/$LIBDIR" "$PREFIX/usr/lib/cyrus/bin/$tool" -C "$CONF" "$@"
}

# new_files FOLDERDIR: the message files of a Maildir folder not loaded yet, oldest name first
new_files() {
  find "$1/cur" "$1/new" -maxdepth 1 -type f 2>/dev/null | awk -F/ -v loaded="$D/loaded" '
    BEGIN { while ((getline key < loaded) > 0) seen[key] = 1 }
    { key = $NF; sub(/:.*/, "", key); if (!(key in seen)) print $NF "\t" $0 }' | sort | cut -f2-
}

# deliver: APPEND what DIR/Maildir has that the server has not; prints "loaded INBOX=N Sent=M"
deliver() {
  local folder dir files n report=""
  for folder in INBOX "$(sent_folder)"; do
    if [ "$folder" = INBOX ]; then dir="$DIR/Maildir"; else dir="$DIR/Maildir/.Sent"; fi
    files=$(new_files "$dir")
    n=0
    if [ -n "$files" ]; then
      n=$(printf '%s\n' "$files" | wc -l)
      # xargs splits a long list over several logins; each APPEND command carries 500 messages
      if ! printf '%s\n' "$files" | xargs -d '\n' python3 "$SCRIPTS/imap_append.py" --port "$PORT" \
           --user "$USER_NAME" --password "$PASSWORD" append --batch 500 "$folder" >"$D/deliver.out" 2>&1; then
        echo "cyrus_testbed.sh: loading $n message(s) into $folder failed:" >&2
        cat "$D/deliver.out" >&2
        return 1
      fi
      printf '%s\n' "$files" | awk -F/ '{key = $NF; sub(/:.*/, "", key); print key}' >>"$D/loaded"
    fi
    report="$report $folder=$n"
  done
  echo "loaded$report"
}

case "$cmd" in
status)
  if pid=$(tb_running_pid); then summary "$pid"; exit 0; fi
  echo "cyrus not running (port $PORT, $D)"; exit 3 ;;
stop) tb_stop; exit 0 ;;
deliver)
  tb_running_pid >/dev/null || tb_die "cyrus not running on port $PORT ($D)"
  deliver || exit 1
  exit 0 ;;
rename)
  [ $# -ge 5 ] || usage
  tb_running_pid >/dev/null || tb_die "cyrus not running on port $PORT ($D)"
  python3 "$SCRIPTS/imap_append.py" --port "$PORT" --user "$USER_NAME" --password "$PASSWORD" rename "$4" "$5"
  if [ "$4" = "$(sent_folder)" ]; then echo "$5" >"$D/sent-folder"; fi
  exit 0 ;;
uidvalidity)
  [ $# -ge 4 ] || usage
  tb_running_pid >/dev/null || tb_die "cyrus not running on port $PORT ($D)"
  ;;
start) ;;
*) usage ;;
esac

# ---- what start and uidvalidity need ---------------------------------------------------------
tb_apt_install db-util libsasl2-modules libsasl2-modules-db libical3 libicu72 libjansson4 libkrb5-3 \
  libldap-2.5-0 libpcre3 libpq5 libsqlite3-0 libwrap0 libxapian30 libxml2 openssl python3
tb_fetch cyrus-imapd cyrus-common cyrus-imapd
LIBDIR=$(cd "$PREFIX" && dirname "$(ls usr/lib/*/libcyrus.so.0 | head -n 1)")

if [ "$cmd" = uidvalidity ]; then
  folder=$4
  # The administrators' name of the folder: user<sep>rep[<sep>folder]@acme-sales.com
  if grep -q '^unixhierarchysep: no' "$CONF"; then sep=.; else sep=/; fi
  case "$folder" in
    INBOX) admin="user${sep}rep@acme-sales.com" ;;
    "INBOX$sep"*) admin="user${sep}rep${sep}${folder#INBOX"$sep"}@acme-sales.com" ;;
    *) admin="user${sep}rep${sep}$folder@acme-sales.com" ;;
  esac
  path=$(cyrus_tool mbpath "$admin" 2>/dev/null) && [ -d "$path" ] || tb_die "no folder $folder ($admin)"
  before=$(python3 "$SCRIPTS/imap_append.py" --port "$PORT" status "$folder")
  # reconstruct keeps the message files (UID = file name, INTERNALDATE = mtime) and takes the
  # UIDVALIDITY from the folder's index; without one, it starts a new index under a new,
  # time-based UIDVALIDITY (flags are lost). The same second as the old one would keep it.
  for _ in 1 2 3; do
    rm -f "$path/cyrus.index" "$path/cyrus.cache"
    cyrus_tool reconstruct "$admin" >"$D/reconstruct.out" 2>&1 ||
      { cat "$D/reconstruct.out" >&2; tb_die "reconstruct $admin failed"; }
    after=$(python3 "$SCRIPTS/imap_append.py" --port "$PORT" status "$folder")
    [ "$(uidvalidity_of "$after")" != "$(uidvalidity_of "$before")" ] && break
    sleep 1
  done
  [ "$(uidvalidity_of "$after")" != "$(uidvalidity_of "$before")" ] || tb_die "the UIDVALIDITY of $folder did not change"
  echo "uidvalidity folder=$folder before=$before after=$after"
  exit 0
fi

if pid=$(tb_running_pid); then summary "$pid"; exit 0; fi

M="$DIR/Maildir"
mkdir -p "$M"/{cur,new,tmp} "$M/.Sent"/{cur,new,tmp}
mkdir -p "$D"/{run,spool,config/{db,socket,proc,lock,log,msg,ptclient,quota,sieve,user}}
touch "$D/loaded"
tb_mail_user
tb_cert
chmod o+x "$D"
if [ "${CYRUS_ALTNAMESPACE:-yes}" = no ]; then
  namespace="altnamespace: no
unixhierarchysep: no"
  [ -s "$D/sent-folder" ] || echo INBOX.Sent >"$D/sent-folder"
else
  namespace="altnamespace: yes
unixhierarchysep: yes"
  [ -s "$D/sent-folder" ] || echo Sent >"$D/sent-folder"
fi

# The password database: SASL's sasldb (Berkeley DB), key user NUL realm NUL property.
rm -f "$D/sasldb2"
printf 'rep\\00acme-sales.com\\00userPassword\n%s\n' "$PASSWORD" | db_load -T -t hash "$D/sasldb2"
chmod 600 "$D/sasldb2"

B=/run/prefix/usr/lib/cyrus/bin
cat >"$CONF" <<CONF_EOF
# Generated by scripts/cyrus_testbed.sh -- a throw-away test server.
configdirectory: $D/config
defaultpartition: default
partition-default: $D/spool
# runtime sockets in the namespace's private /run (short paths, nothing shared)
idlesocket: /run/cyrus/idle
lmtpsocket: /run/cyrus/lmtp
notifysocket: /run/cyrus/notify
cyrus_user: $MUSER
syslog_prefix: cyrus
$namespace
virtdomains: userid
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $D/sasldb2
sasl_mech_list: PLAIN LOGIN
sasl_auto_transition: no
tls_server_cert: $D/cert.pem
tls_server_key: $D/key.pem
tls_versions: tls1_2 tls1_3
# keep 8-bit header bytes (raw UTF-8, RFC 6532) as the mailbox has them: by default Cyrus
# replaces each with "X" on APPEND, and the CRM would then differ from Dovecot's
munge8bit: no
# the INBOX and its Sent folder (special-use \\Sent) appear at the first login
autocreate_quota: 0
autocreate_inbox_folders: Sent
autocreate_subscribe_folders: Sent
xlist-sent: Sent
CONF_EOF

cat >"$D/cyrus.conf" <<CONF_EOF
# Generated by scripts/cyrus_testbed.sh
START {
  recover cmd="$B/ctl_cyrusdb -C $CONF -r"
}
SERVICES {
  imap  cmd="$B/imapd -C $CONF -U 30" listen="127.0.0.1:$PORT" prefork=1 maxchild=100
  imaps cmd="$B/imapd -C $CONF -s -U 30" listen="127.0.0.1:$((PORT + 1))" prefork=0 maxchild=100
}
EVENTS {
  checkpoint cmd="$B/ctl_cyrusdb -C $CONF -c" period=30
}
DAEMON {
  idled cmd="$B/idled -C $CONF"
}
CONF_EOF

cat >"$D/master.sh" <<SH_EOF
# Run by scripts/lib/testbed_init.py in the server's namespace.
mkdir -p /run/cyrus
chown $MUID:$MGID /run/cyrus
export LD_LIBRARY_PATH=/run/prefix/$LIBDIR
cd "$D"
exec $B/master -C "$CONF" -M "$D/cyrus.conf" -p "$D/run/master.pid"
SH_EOF

tb_chown "$D/config" "$D/spool" "$D/run" "$D/sasldb2" "$D/key.pem"
: >>"$D/syslog.log"
tb_launch --syslog "$D/syslog.log" --bind "$PREFIX=prefix" --service "master=$D/master.sh"
pid=$(tb_running_pid)
if ! deliver >/dev/null; then
  tb_stop_pid "$pid" || true  # a server without its mail would outlive the failed start
  exit 1
fi
summary "$pid"
