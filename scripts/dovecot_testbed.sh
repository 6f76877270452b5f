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
# OAuth 2.0 (for tests of `auth = "oauth2"`): with OAUTH2_IDP_URL set at
# `start` (say http://127.0.0.1:PORT, tests/fake_idp/fake_idp.py), Dovecot
# also offers AUTH=XOAUTH2 and AUTH=OAUTHBEARER (RFC 7628) and validates the
# bearer token itself (passdb oauth2) at OAUTH2_IDP_URL/tokeninfo and
# OAUTH2_IDP_URL/userinfo; the user must be the token's email. Password
# logins work as without it. An https URL is checked against
# OAUTH2_IDP_CA_FILE (default: the system's CA bundle). `start` fails when the
# instance already runs with another OAUTH2_IDP_URL (or without one).
#
# Failed logins bring no per-IP delay or penalty (auth_failure_delay = 0, the
# anvil penalty socket closed), so tests may probe bad passwords and dead
# tokens from 127.0.0.1 and log in right after; a failure is still answered
# only within 0.5 s (Dovecot 2.3 flushes its failure queue every 500 ms).
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
# shellcheck source=scripts/lib/mail_user.sh
. "$(dirname "$0")/lib/mail_user.sh"
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
  local oauth
  oauth=$(cat "$D/oauth2.url" 2>/dev/null || true)
  echo "dovecot pid=$1 imap=127.0.0.1:$PORT imaps=127.0.0.1:$((PORT + 1)) user=$USER_NAME password=secret cert=$D/cert.pem conf=$CONF log=$D/dovecot.log${oauth:+ oauth2=$oauth}"
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

OAUTH_URL=${OAUTH2_IDP_URL:-}
while [ "${OAUTH_URL%/}" != "$OAUTH_URL" ]; do OAUTH_URL=${OAUTH_URL%/}; done
if [ -n "$OAUTH_URL" ]; then
  # the URL goes into a Dovecot config file: no blanks, quotes, backslashes or '#'
  case "$OAUTH_URL" in
    *[[:space:]\"\'\\\#]*) echo "OAUTH2_IDP_URL must not contain blanks, quotes, backslashes or '#'" >&2; exit 2 ;;
  esac
  if ! [[ "$OAUTH_URL" =~ ^https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/.*)?$ ]]; then
    echo "OAUTH2_IDP_URL must be an http:// or https:// URL, e.g. http://127.0.0.1:PORT" >&2; exit 2
  fi
fi

if pid=$(running_pid); then
  running_oauth=$(cat "$D/oauth2.url" 2>/dev/null || true)
  if [ "$running_oauth" != "$OAUTH_URL" ]; then
    echo "dovecot_testbed.sh start: dovecot pid=$pid on port $PORT already runs with OAUTH2_IDP_URL=${running_oauth:-(unset)}, not ${OAUTH_URL:-(unset)}: stop it first" >&2
    exit 1
  fi
  summary "$pid"; exit 0
fi

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
  ensure_mail_user "$MAIL_USER"
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

AUTH_MECHANISMS="plain login"
PASSDBS="passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}"
rm -f "$D/oauth2.url" "$D/dovecot-oauth2.conf.ext"
if [ -n "$OAUTH_URL" ]; then
  AUTH_MECHANISMS="plain login xoauth2 oauthbearer"
  # Each passdb serves its own mechanisms: a bearer token is never compared
  # with the passwd-file's password, and a password never sent to the IdP.
  PASSDBS="passdb {
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u $D/passwd
}
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $D/dovecot-oauth2.conf.ext
}
# log why a login failed (\"Token validation failed: Invalid token\"), never the token
auth_verbose = yes"
  TLS_CA=""
  case "$OAUTH_URL" in
    https://*) TLS_CA="tls_ca_cert_file = ${OAUTH2_IDP_CA_FILE:-/etc/ssl/certs/ca-certificates.crt}" ;;
  esac
  cat >"$D/dovecot-oauth2.conf.ext" <<OAUTH_EOF
# Generated by scripts/dovecot_testbed.sh: Dovecot 2.3 validates the bearer
# tokens of XOAUTH2 and OAUTHBEARER logins itself, at the identity provider
# $OAUTH_URL.
#
# 1. tokeninfo_url, the token appended (Google's shape). A token the provider
#    refuses there with a 4xx is "Invalid token", a password mismatch: IMAP
#    answers NO [AUTHENTICATIONFAILED]. Without tokeninfo_url, Dovecot 2.3.19
#    would ask introspection_url alone, read a refusal as an answer without a
#    username -- an internal failure -- and answer NO [UNAVAILABLE] Temporary
#    authentication failure, telling the client to retry a dead token.
tokeninfo_url = $OAUTH_URL/tokeninfo?access_token=
# 2. introspection_url, because tokeninfo's answer has no active_attribute
#    (below): GET with "Authorization: Bearer TOKEN" (mode auth, RFC 6750 §2.1).
introspection_url = $OAUTH_URL/userinfo
introspection_mode = auth
# The token's user: Dovecot compares it, lower-cased, with the user the client
# names (XOAUTH2 user=, OAUTHBEARER's GS2 a=, RFC 7628 §3.1), so a token of
# another user is refused.
username_attribute = email
# Dovecot 2.3's defaults, written out: an answer carrying "active" must say
# true; one without it (Google's and the fake's tokeninfo) is not enough on its
# own, which is what sends Dovecot on to introspection_url.
active_attribute = active
active_value = true
# a provider that does not answer fails the login (UNAVAILABLE) after 10 s
timeout_msecs = 10000
$TLS_CA
OAUTH_EOF
  chmod 644 "$D/dovecot-oauth2.conf.ext"
  echo "$OAUTH_URL" >"$D/oauth2.url"
fi

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
auth_mechanisms = $AUTH_MECHANISMS
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
$PASSDBS
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
