#!/usr/bin/env bash
# A throw-away Dovecot 2.3 for tests, the demo and benchmarks.
#
#   scripts/dovecot_testbed.sh start  DIR PORT
#   scripts/dovecot_testbed.sh stop   DIR PORT     (exit 1 when it finds no server to stop)
#   scripts/dovecot_testbed.sh status DIR PORT     (exit 0 running, 3 not running)
#   scripts/dovecot_testbed.sh uidvalidity DIR PORT FOLDER [VALUE]
#        give FOLDER a new UIDVALIDITY (messages and UIDs kept) via doveadm;
#        the way to change INBOX's UIDVALIDITY, which IMAP cannot DELETE.
#
# DIR holds the mailbox (DIR/Maildir, Maildir++: INBOX at the root, Sent in
# DIR/Maildir/.Sent), e.g. made by scripts/gen_mailbox.py; an empty one is
# created when missing. Everything else Dovecot writes -- config, sockets,
# pid, log, indexes, uidlists, the self-signed certificate -- lives under
# DIR/dovecot-PORT, so several instances (and a system Dovecot) never collide:
# own base_dir, state_dir and instance_name, listening on 127.0.0.1 only.
#
#   IMAP  127.0.0.1:PORT     plaintext, STARTTLS available, LOGIN allowed
#   IMAPS 127.0.0.1:PORT+1   implicit TLS
#   user rep@acme-sales.com  password secret
#   folders INBOX and Sent (special-use \Sent); IDLE, CONDSTORE, QRESYNC
#   certificate DIR/dovecot-PORT/cert.pem (self-signed, CN 127.0.0.1,
#   SAN IP:127.0.0.1 + DNS:localhost) -- pass it as the CA file to trust it.
#
# Dovecot refuses uid 0 for mail processes. As root, mail is accessed as the
# unprivileged system user prospectd-mail (created if needed) and DIR/Maildir
# is chowned to it; as a normal user, Dovecot runs entirely as that user.
# Installs dovecot-imapd (and openssl) with apt-get when missing.
# `start` waits until the port answers and prints one line; `start` on a
# running instance only prints that line. `stop` waits until the master exits;
# it fails loudly when DIR, the pid file or the master is gone (a caller that
# removed DIR first would otherwise leave the server running, unnoticed).
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
cmd=$1; PORT=$3
case "$PORT" in ''|*[!0-9]*) echo "PORT must be a number" >&2; exit 2 ;; esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65534 ]; then echo "PORT must be 1..65534 (PORT+1 is IMAPS)" >&2; exit 2; fi
if [ "$cmd" = start ]; then mkdir -p "$2"; fi
if [ ! -d "$2" ]; then
  [ "$cmd" = status ] && { echo "dovecot not running (no directory $2)"; exit 3; }
  echo "dovecot_testbed.sh $cmd: no directory $2: cannot find the dovecot started there (removed before the server was stopped?)" >&2
  exit 1
fi
DIR=$(cd "$2" && pwd -P)
D="$DIR/dovecot-$PORT"
CONF="$D/dovecot.conf"
PIDFILE="$D/run/master.pid"
USER_NAME=rep@acme-sales.com
MAIL_USER=prospectd-mail

# alive PID: the process exists and is not a zombie (an exited master can stay
# a zombie for a while when PID 1 reaps slowly, e.g. in containers)
alive() {
  local st
  st=$(sed -n 's/^.*) \([A-Za-z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

running_pid() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && alive "$pid" || return 1
  # the pid must be a dovecot master (a stale pid file may name another process)
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = dovecot ] || return 1
  echo "$pid"
}

summary() {
  echo "dovecot pid=$1 imap=127.0.0.1:$PORT imaps=127.0.0.1:$((PORT + 1)) user=$USER_NAME password=secret cert=$D/cert.pem conf=$CONF log=$D/dovecot.log"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_master PID: TERM, then KILL; fails if the master is still alive after that
stop_master() {
  local pid=$1 child
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 6); do alive "$pid" || break; sleep 0.05; done
  # idle imap-login processes may linger ~2 s before they exit; this server
  # proxies nothing, so end them now (by pid: children of this master only)
  if alive "$pid"; then
    for child in $(ps -o pid= -o comm= --ppid "$pid" 2>/dev/null | awk '$2 == "imap-login" {print $1}'); do
      kill -KILL "$child" 2>/dev/null || true
    done
  fi
  for _ in $(seq 200); do alive "$pid" || break; sleep 0.05; done
  if alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$PIDFILE"
  ! alive "$pid"
}

case "$cmd" in
status)
  if pid=$(running_pid); then summary "$pid"; exit 0; fi
  echo "dovecot not running (port $PORT, $D)"; exit 3 ;;
stop)
  if [ ! -f "$PIDFILE" ]; then
    echo "dovecot_testbed.sh stop: no pid file $PIDFILE: no dovecot runs for port $PORT in $DIR (never started, or stopped already)" >&2
    exit 1
  fi
  if ! pid=$(running_pid); then
    echo "dovecot_testbed.sh stop: the dovecot of $PIDFILE (pid $(cat "$PIDFILE" 2>/dev/null)) is not running: it exited or was ended without this script" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  if ! stop_master "$pid"; then
    echo "dovecot_testbed.sh stop: dovecot pid=$pid port=$PORT survived SIGKILL" >&2
    exit 1
  fi
  echo "dovecot stopped pid=$pid port=$PORT"
  exit 0 ;;
uidvalidity)
  folder=${4:?FOLDER}
  value=${5:-$(( $(date +%s) + RANDOM ))}
  running_pid >/dev/null || { echo "dovecot not running on port $PORT" >&2; exit 1; }
  doveadm -c "$CONF" mailbox update -u "$USER_NAME" --uid-validity "$value" "$folder"
  echo "uidvalidity folder=$folder value=$value"
  exit 0 ;;
start) ;;
*) usage ;;
esac

if pid=$(running_pid); then summary "$pid"; exit 0; fi

SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
if ! command -v dovecot >/dev/null 2>&1 || [ ! -x /usr/lib/dovecot/imap ] || ! command -v openssl >/dev/null 2>&1; then
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd openssl >/dev/null
fi
DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)

# mailbox: INBOX + Sent (Maildir++ subfolder with its maildirfolder marker)
M="$DIR/Maildir"
mkdir -p "$M"/{cur,new,tmp} "$M/.Sent"/{cur,new,tmp}
[ -e "$M/.Sent/maildirfolder" ] || : >"$M/.Sent/maildirfolder"
mkdir -p "$D"/{run,state,index,control,home}

if [ "$(id -u)" -eq 0 ]; then
  if ! id "$MAIL_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$MAIL_USER"
  fi
  MUID=$(id -u "$MAIL_USER"); MGID=$(id -g "$MAIL_USER")
  # chown only what is not already the mail user's (cheap on a re-start)
  find "$M" "$D/index" "$D/control" "$D/home" \( ! -user "$MUID" -o ! -group "$MGID" \) \
    -exec chown -h "$MUID:$MGID" {} + 2>/dev/null || true
  # the mail user must be able to reach DIR: mkdtemp dirs are 0700, so make
  # DIR and, inside the temp dir only, its parents searchable (o+x)
  chmod o+x "$DIR" "$D"
  tmproot=$(cd "${TMPDIR:-/tmp}" 2>/dev/null && pwd -P || echo /tmp)
  up=$(dirname "$DIR")
  while [ "$up" != / ] && [ "$up" != "$tmproot" ]; do
    case "$up" in "$tmproot"/*) runuser -u "$MAIL_USER" -- test -x "$up" 2>/dev/null || chmod o+x "$up" ;; esac
    up=$(dirname "$up")
  done
  if ! runuser -u "$MAIL_USER" -- test -w "$M/cur" 2>/dev/null; then
    echo "the mail user $MAIL_USER cannot reach $M: make the directories above it searchable (o+x)" >&2
    exit 1
  fi
  ROOTLESS=""
  NOCHROOT=""
else
  MUID=$(id -u); MGID=$(id -g)
  me=$(id -un); mygroup=$(id -gn)
  # a Dovecot started by a normal user runs every process as that user
  ROOTLESS="default_internal_user = $me
default_internal_group = $mygroup
default_login_user = $me"
  NOCHROOT="chroot ="
fi

if [ ! -s "$D/cert.pem" ] || [ ! -s "$D/key.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$D/key.pem" -out "$D/cert.pem" >/dev/null 2>&1
  chmod 600 "$D/key.pem"; chmod 644 "$D/cert.pem"
fi
echo "$USER_NAME:{PLAIN}secret::::::" >"$D/passwd"
chmod 644 "$D/passwd"

cat >"$CONF" <<CONF_EOF
# Generated by scripts/dovecot_testbed.sh -- a throw-away test server.
# Plaintext LOGIN is allowed (loopback only); TLS via STARTTLS or IMAPS.
instance_name = prospectd-test-$PORT
base_dir = $D/run
state_dir = $D/state
protocols = imap
listen = 127.0.0.1
log_path = $D/dovecot.log
info_log_path = $D/dovecot.log
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
ssl_min_protocol = TLSv1.2
mail_uid = $MUID
mail_gid = $MGID
first_valid_uid = 1
mail_location = maildir:$M:INDEX=$D/index:CONTROL=$D/control
mail_home = $D/home
# no mailbox list index: STATUS then always looks at the Maildir, so files a
# generator drops into new/ are seen at once
mailbox_list_index = no
# IDLE, CONDSTORE and QRESYNC are built into Dovecot 2.3's imap; clients
# enable CONDSTORE/QRESYNC with ENABLE or SELECT (CONDSTORE).
imap_idle_notify_interval = 1 mins
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=$MUID gid=$MGID home=$D/home
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
}
# tests try wrong passwords: answer at once, no per-IP penalty afterwards
auth_failure_delay = 0
service anvil {
  $NOCHROOT
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  $NOCHROOT
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $((PORT + 1))
    ssl = yes
  }
}
service imap {
  process_limit = 128
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
$ROOTLESS
CONF_EOF

: >>"$D/dovecot.log"
if [ "$(id -u)" -eq 0 ]; then chown "$MUID:$MGID" "$D/dovecot.log"; fi
if ! "$DOVECOT" -c "$CONF" </dev/null >>"$D/startup.log" 2>&1; then
  echo "dovecot failed to start:" >&2; tail -n 20 "$D/startup.log" "$D/dovecot.log" >&2; exit 1
fi
# Up to 30 s: on a loaded 2-core CI machine (sanitized builds, fuzzing beside the tests) Dovecot
# has been seen to need more than 10.
for _ in $(seq 600); do
  if port_open "$PORT" && port_open $((PORT + 1)); then break; fi
  sleep 0.05
done
if ! pid=$(running_pid) || ! port_open "$PORT"; then
  echo "dovecot did not come up on 127.0.0.1:$PORT:" >&2; tail -n 20 "$D/startup.log" "$D/dovecot.log" >&2
  # a master that started but does not answer would outlive the failed start
  if pid=$(running_pid); then stop_master "$pid" || true; fi
  exit 1
fi
summary "$pid"
