#!/usr/bin/env bash
# A throw-away Courier-IMAP 5.0 (Debian's courier-imap) for tests, beside Dovecot's testbed.
#
#   scripts/courier_testbed.sh start  DIR PORT
#   scripts/courier_testbed.sh stop   DIR PORT     (exit 1 when it finds no server to stop)
#   scripts/courier_testbed.sh status DIR PORT     (exit 0 running, 3 not running)
#   scripts/courier_testbed.sh deliver DIR PORT
#        nothing to do (Courier reads DIR/Maildir itself; there for the
#        same commands as scripts/cyrus_testbed.sh)
#   scripts/courier_testbed.sh uidvalidity DIR PORT FOLDER
#        give FOLDER (INBOX too) a new UIDVALIDITY, keeping its messages and
#        UIDs: the first line of the folder's courierimapuiddb is rewritten.
#   scripts/courier_testbed.sh rename DIR PORT FOLDER NEWNAME
#        RENAME over IMAP (the folder's Maildir++ directory is renamed).
#
# DIR holds the mailbox (DIR/Maildir, Maildir++: INBOX at the root, Sent in
# DIR/Maildir/.Sent), e.g. made by scripts/gen_mailbox.py; an empty one is
# created when missing. Courier serves it as it is: files a generator drops
# into new/ are seen at once. Courier adds courierimap* files beside cur/.
# `start` SELECTs every folder once, as the rep's own mail client would:
# Courier writes a folder's UID list (courierimapuiddb) only then, and gives
# a folder only ever EXAMINEd a new UIDVALIDITY in every session.
# COURIER_OPEN_FOLDERS=no skips that (a Maildir no client has opened yet).
# Everything else -- the authdaemon's config and user database, logs, the
# certificate -- lives under DIR/courier-PORT; 127.0.0.1 only.
#
#   IMAP  127.0.0.1:PORT     plaintext, STARTTLS available, LOGIN allowed
#   IMAPS 127.0.0.1:PORT+1   implicit TLS (couriertls)
#   user rep@acme-sales.com  password secret (courier-authlib's authdaemond,
#                            module authuserdb)
#   folders INBOX and INBOX.Sent (separator "."; Courier has no SPECIAL-USE,
#   so Sent is known by its name). IDLE (IMAP_ENHANCEDIDLE: gamin watches the
#   Maildir, new mail is reported at once), no CONDSTORE, no UIDNEXT in
#   SELECT/EXAMINE responses.
#   certificate DIR/courier-PORT/cert.pem (self-signed, CN 127.0.0.1,
#   SAN IP:127.0.0.1 + DNS:localhost) -- pass it as the CA file to trust it.
#   logs DIR/courier-PORT/imapd.log and imapd-ssl.log (imaplogin and imapd
#   write to stderr; couriertcpd's -stderr=FILE), authdaemond.log (its
#   stderr), syslog.log (couriertcpd's own few syslog lines)
#
# courier-imap conflicts with dovecot-imapd (both provide imap-server), so it
# is never installed: `apt-get download` + `dpkg-deb -x` of courier-imap,
# courier-base and courier-authdaemon (whose installation would start a
# system authdaemond) into ${XDG_CACHE_HOME:-~/.cache}/prospectd-testbed/
# courier-VERSION, once (PROSPECTD_TESTBED_CACHE overrides the directory).
# courier-authlib, courier-authlib-userdb, gamin and the libraries come from
# apt (scripts/setup.sh; installed here when missing).
#
# Courier's authentication library only knows the compiled-in paths
# /etc/courier (authdaemonrc, userdb) and /run/courier/authdaemon (its
# socket), so the server runs in a mount and PID namespace of its own
# (unshare, scripts/lib/testbed_init.py) where these show DIR/courier-PORT/etc
# and a private /run: several instances, and the system, never collide. The
# reported pid is the namespace's first process; TERM stops the server, and
# when that process ends the kernel ends everything left in it. Root only
# (as CI runs); mail is read as the unprivileged user prospectd-mail (as
# Dovecot's testbed) and DIR/Maildir is chowned to it. `start` waits until both ports answer and prints one line;
# `start` on a running instance only prints that line. `stop` waits until it
# has exited; it fails loudly when DIR, the pid file or the server is gone.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0" >&2; exit 2; }
NAME=courier
SCRIPTS=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=scripts/lib/mail_testbed.sh
. "$SCRIPTS/lib/mail_testbed.sh"
tb_check_args "$@"

summary() {
  echo "courier pid=$1 imap=127.0.0.1:$PORT imaps=127.0.0.1:$((PORT + 1)) user=$USER_NAME password=$PASSWORD cert=$D/cert.pem conf=$D/etc log=$D/imapd.log folders=INBOX,INBOX.Sent"
}

# folder_dir FOLDER: the Maildir++ directory of an IMAP folder name
folder_dir() {
  case "$1" in
    INBOX) echo "$DIR/Maildir" ;;
    INBOX.*) echo "$DIR/Maildir/.${1#INBOX.}" ;;
    *) return 1 ;;
  esac
}

# open_folders FOLDER...: SELECT each (read-write) as a mail client would; only then does Courier
# write the folder's UID list (courierimapuiddb). A folder only ever EXAMINEd (read-only) has
# none, and Courier gives it a new UIDVALIDITY in every session.
open_folders() {
  python3 - "$PORT" "$USER_NAME" "$PASSWORD" "$@" <<'PY_EOF'
import imaplib, sys
c = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
c.login(sys.argv[2], sys.argv[3])
for folder in sys.argv[4:]:
    typ, data = c.select('"%s"' % folder)
    if typ != "OK":
        sys.exit("SELECT %s: %s" % (folder, data))
c.logout()
PY_EOF
}

case "$cmd" in
status)
  if pid=$(tb_running_pid); then summary "$pid"; exit 0; fi
  echo "courier not running (port $PORT, $D)"; exit 3 ;;
stop) tb_stop; exit 0 ;;
deliver)
  tb_running_pid >/dev/null || tb_die "courier not running on port $PORT ($D)"
  echo "nothing to deliver: Courier serves $DIR/Maildir itself"
  exit 0 ;;
rename)
  [ $# -ge 5 ] || usage
  tb_running_pid >/dev/null || tb_die "courier not running on port $PORT ($D)"
  python3 "$SCRIPTS/imap_append.py" --port "$PORT" --user "$USER_NAME" --password "$PASSWORD" rename "$4" "$5"
  exit 0 ;;
uidvalidity)
  [ $# -ge 4 ] || usage
  folder=$4
  tb_running_pid >/dev/null || tb_die "courier not running on port $PORT ($D)"
  dir=$(folder_dir "$folder") && [ -d "$dir/cur" ] || tb_die "no folder $folder (Courier names folders INBOX and INBOX.NAME)"
  db="$dir/courierimapuiddb"
  [ -s "$db" ] || open_folders "$folder"
  [ -s "$db" ] || tb_die "$db: missing"
  # the first line is "1 UIDVALIDITY NEXTUID"; the lines after it map UIDs to file names
  old=$(awk 'NR == 1 {print $2}' "$db")
  value=$(( $(date +%s) - 1000000000 ))
  [ "$value" != "$old" ] || value=$((value + 1))
  awk -v value="$value" 'NR == 1 {$2 = value} {print}' "$db" >"$db.testbed"
  chown --reference="$db" "$db.testbed" 2>/dev/null || true
  mv "$db.testbed" "$db"
  echo "uidvalidity folder=$folder before=$old after=$value"
  exit 0 ;;
start) ;;
*) usage ;;
esac

if pid=$(tb_running_pid); then summary "$pid"; exit 0; fi

tb_apt_install courier-authlib courier-authlib-userdb gamin libgamin0 libcourier-unicode4 libidn12 \
  libgdbm6 libgnutls30 libpcre3 openssl python3
tb_fetch courier-imap courier-imap courier-base courier-authdaemon

M="$DIR/Maildir"
mkdir -p "$M"/{cur,new,tmp} "$M/.Sent"/{cur,new,tmp}
[ -e "$M/.Sent/maildirfolder" ] || : >"$M/.Sent/maildirfolder"
mkdir -p "$D"/{run,etc,home}
tb_mail_user
tb_cert
chmod o+x "$D"
# imaplogin runs couriertls for STARTTLS as the user courier (courier-authlib creates it)
tls_user=$(id -u courier >/dev/null 2>&1 && echo courier || echo "$MUSER")

# Certificate and key in one file, as couriertls wants them.
cat "$D/key.pem" "$D/cert.pem" >"$D/imapd.pem"
chmod 600 "$D/imapd.pem"
chown "$tls_user" "$D/imapd.pem"

cat >"$D/etc/authdaemonrc" <<CONF_EOF
# Generated by scripts/courier_testbed.sh: /etc/courier/authdaemonrc in the server's namespace.
authmodulelist="authuserdb"
daemons=2
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
CONF_EOF
# userdb: name TAB field=value|...; home is where imapd starts, mail the Maildir it serves.
printf '%s\tuid=%s|gid=%s|home=%s|mail=%s|systempw=%s\n' "$USER_NAME" "$MUID" "$MGID" "$D/home" "$M" \
  "$(openssl passwd -6 "$PASSWORD")" >"$D/etc/userdb"
chmod 600 "$D/etc/userdb"
makeuserdb -f "$D/etc/userdb"

# Debian's /etc/courier/imapd and imapd-ssl defaults, but for the paths, plus enhanced IDLE.
P=/run/prefix
cat >"$D/imapd.env" <<ENV_EOF
PATH=/usr/bin:/bin
IMAP_CAPABILITY="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"
IMAP_CAPABILITY_TLS="IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE AUTH=PLAIN"
IMAP_KEYWORDS=1
IMAP_ACL=1
IMAP_IDLE_TIMEOUT=60
IMAP_ENHANCEDIDLE=1
IMAP_USELOCKS=1
IMAP_MAILBOX_SANITY_CHECK=1
IMAP_CHECK_ALL_FOLDERS=0
IMAP_SHAREDINDEXFILE=$D/shared/index
IMAP_TRASHFOLDERNAME=Trash
IMAP_STARTTLS=YES
IMAP_TLS_REQUIRED=0
COURIERTLS=$P/usr/bin/couriertls
TLS_CERTFILE=$D/imapd.pem
TLS_VERIFYPEER=NONE
MAILDIRPATH=Maildir
ENV_EOF

cat >"$D/authdaemond.sh" <<SH_EOF
# Run by scripts/lib/testbed_init.py in the server's namespace.
mkdir -p /run/courier/authdaemon
exec /usr/lib/courier/courier-authlib/authdaemond >>"$D/authdaemond.log" 2>&1
SH_EOF
for service in imap imaps; do
  if [ $service = imap ]; then
    port=$PORT; log=$D/imapd.log; tls=()
  else
    port=$((PORT + 1)); log=$D/imapd-ssl.log
    tls=("$P/usr/bin/couriertls" -server -tcpd "-user=$tls_user")
  fi
  cat >"$D/$service.sh" <<SH_EOF
# Run by scripts/lib/testbed_init.py in the server's namespace: couriertcpd, as the init scripts
# of courier-imap run it (imapd and imapd-ssl), once the authdaemon answers.
for _ in \$(seq 200); do [ -S /run/courier/authdaemon/socket ] && break; sleep 0.05; done
cd "$D/home"
umask 022
set -a
. "$D/imapd.env"
$([ $service = imaps ] && echo "IMAP_TLS=1")
exec $P/usr/sbin/couriertcpd -address=127.0.0.1 -maxprocs=40 -maxperip=20 -nodnslookup -noidentlookup \\
  -stderr="$log" $port ${tls[*]} $P/usr/lib/courier/courier/imaplogin $P/usr/bin/imapd Maildir
SH_EOF
done

tb_chown "$M" "$D/home"
: >>"$D/syslog.log"
tb_launch --syslog "$D/syslog.log" --bind "$PREFIX=prefix" --etc "courier=$D/etc" \
  --service "authdaemond=$D/authdaemond.sh" --service "imap=$D/imap.sh" --service "imaps=$D/imaps.sh"
pid=$(tb_running_pid)
if [ "${COURIER_OPEN_FOLDERS:-yes}" != no ]; then
  folders=(INBOX)
  for sub in "$M"/.*/; do
    sub=$(basename "$sub")
    [ "$sub" = . ] || [ "$sub" = .. ] || [ ! -d "$M/$sub/cur" ] || folders+=("INBOX$sub")
  done
  if ! open_folders "${folders[@]}"; then
    tb_stop_pid "$pid" || true
    exit 1
  fi
fi
summary "$pid"
