# shellcheck shell=bash
# Sourced by scripts/cyrus_testbed.sh and scripts/courier_testbed.sh: what the two throw-away
# servers share -- their packages unpacked in a cache, the mail user, the certificate, and the
# private namespace (scripts/lib/testbed_init.py) each server runs in.
#
# The caller sets NAME (cyrus or courier), DIR (absolute) and PORT, and D, its directory under DIR.
# shellcheck source=scripts/lib/mail_user.sh
. "$(dirname "${BASH_SOURCE[0]}")/mail_user.sh"

TB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
MAIL_USER=prospectd-mail
USER_NAME=rep@acme-sales.com
PASSWORD=secret

tb_die() { echo "${NAME}_testbed.sh: $*" >&2; exit 1; }

# tb_alive PID: the process exists and is not a zombie
tb_alive() {
  local st
  st=$(sed -n 's/^.*) \([A-Za-z]\).*$/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

tb_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# tb_running_pid: the pid of this instance's namespace init (testbed_init.py), if it runs
tb_running_pid() {
  local pid
  [ -f "$D/run/init.pid" ] || return 1
  pid=$(cat "$D/run/init.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && tb_alive "$pid" || return 1
  # a stale pid file may name another process: the init's command line names this directory
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "testbed_init.py --pidfile $D/run/init.pid " || return 1
  echo "$pid"
}

# tb_apt_install PKG...: the ones not installed yet (scripts/setup.sh installs them all in CI)
tb_apt_install() {
  local p missing=()
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# tb_fetch VERSION_OF PKG...: PREFIX=<cache>/prospectd-testbed/NAME-VERSION holding the packages
# unpacked (dpkg-deb -x), VERSION being the candidate version of VERSION_OF. They conflict with
# dovecot-imapd (all provide imap-server), so they are never installed; fetched once and reused.
tb_fetch() {
  local version_of=$1 cache version tmp deb attempt
  shift
  cache=${PROSPECTD_TESTBED_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/prospectd-testbed}
  mkdir -p "$cache"
  for attempt in 1 2; do
    # the second time with fresh package lists: none yet, or the candidate left the archive
    if [ "$attempt" = 2 ]; then env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; fi
    version=$(apt-cache policy "$version_of" 2>/dev/null | awk '/Candidate:/ {print $2}')
    [ -n "$version" ] && [ "$version" != "(none)" ] || continue
    PREFIX="$cache/$NAME-${version//:/_}"
    [ -f "$PREFIX/.complete" ] && return 0
    (
      flock 9  # two testbeds started at once unpack once
      [ -f "$PREFIX/.complete" ] && exit 0
      tmp=$(mktemp -d "$cache/.fetch-$NAME.XXXXXX")
      trap 'rm -rf "$tmp"' EXIT
      # apt-get download writes into the current directory; as root it warns that the _apt user
      # cannot reach a private one, which is harmless
      (cd "$tmp" && apt-get download "$@" >"$tmp/download.log" 2>&1) || { cat "$tmp/download.log" >&2; exit 1; }
      mkdir "$tmp/root"
      for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
      chmod 755 "$tmp/root"
      : >"$tmp/root/.complete"
      rm -rf "$PREFIX"
      mv "$tmp/root" "$PREFIX"
    ) 9>"$cache/.lock-$NAME" 2>"$cache/.fetch-$NAME.log" && return 0
  done
  cat "$cache/.fetch-$NAME.log" >&2 2>/dev/null
  tb_die "could not download and unpack $* (apt-get download) into $cache"
}

# tb_mail_user: MUID/MGID/MUSER, the user the server reads and writes the mail as: the
# unprivileged system user prospectd-mail (created if needed; the same as Dovecot's testbed),
# which must reach DIR: mkdtemp dirs are 0700, so DIR and, inside the temp dir only, its parents
# get o+x.
tb_mail_user() {
  local up tmproot
  ensure_mail_user "$MAIL_USER"
  MUID=$(id -u "$MAIL_USER"); MGID=$(id -g "$MAIL_USER"); MUSER=$MAIL_USER
  chmod o+x "$DIR"
  tmproot=$(cd "${TMPDIR:-/tmp}" 2>/dev/null && pwd -P || echo /tmp)
  up=$(dirname "$DIR")
  while [ "$up" != / ] && [ "$up" != "$tmproot" ]; do
    case "$up" in "$tmproot"/*) runuser -u "$MAIL_USER" -- test -x "$up" 2>/dev/null || chmod o+x "$up" ;; esac
    up=$(dirname "$up")
  done
  runuser -u "$MAIL_USER" -- test -x "$DIR" 2>/dev/null ||
    tb_die "the mail user $MAIL_USER cannot reach $DIR: make the directories above it searchable (o+x)"
}

# tb_chown PATH...: to the mail user, what is not already its (cheap on a re-start)
tb_chown() {
  find "$@" \( ! -user "$MUID" -o ! -group "$MGID" \) -exec chown -h "$MUID:$MGID" {} + 2>/dev/null || true
}

# tb_cert: D/cert.pem (self-signed, CN 127.0.0.1, SAN IP:127.0.0.1 + DNS:localhost) and D/key.pem
tb_cert() {
  if [ ! -s "$D/cert.pem" ] || [ ! -s "$D/key.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
      -keyout "$D/key.pem" -out "$D/cert.pem" >/dev/null 2>&1
    chmod 600 "$D/key.pem"; chmod 644 "$D/cert.pem"
  fi
}

# tb_launch ARG...: testbed_init.py ARG... in a new mount and PID namespace, in a session of its
# own, logging to D/server.log; waits for its pid file and for PORT and PORT+1 to answer (up to
# 30 s: a loaded 2-core CI machine can be slow).
tb_launch() {
  local ns=(unshare --mount --pid --fork --kill-child) pid
  rm -f "$D/run/init.pid"
  (cd "$D" && exec setsid "${ns[@]}" python3 "$TB_LIB/testbed_init.py" --pidfile "$D/run/init.pid" "$@" \
     </dev/null >>"$D/server.log" 2>&1) &
  for _ in $(seq 600); do
    if pid=$(tb_running_pid) && tb_port_open "$PORT" && tb_port_open $((PORT + 1)); then return 0; fi
    sleep 0.05
  done
  echo "$NAME did not come up on 127.0.0.1:$PORT and :$((PORT + 1)):" >&2
  tail -n 20 "$D/server.log" "$D"/*.log >&2 2>/dev/null || true
  if pid=$(tb_running_pid); then tb_stop_pid "$pid" || true; fi  # it would outlive the failed start
  return 1
}

# tb_stop_pid PID: TERM to the namespace init (it stops the server), KILL after 10 s; the kernel
# ends whatever is left in the namespace with it. Fails if it is still alive after that.
tb_stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do tb_alive "$pid" || break; sleep 0.05; done
  if tb_alive "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do tb_alive "$pid" || break; sleep 0.1; done
  fi
  rm -f "$D/run/init.pid"
  ! tb_alive "$pid"
}

# tb_stop: the `stop` command; fails loudly when it cannot find the server
tb_stop() {
  local pid
  if [ ! -f "$D/run/init.pid" ]; then
    echo "${NAME}_testbed.sh stop: no pid file $D/run/init.pid: no $NAME runs for port $PORT in $DIR (never started, stopped already, or it died)" >&2
    exit 1
  fi
  if ! pid=$(tb_running_pid); then
    echo "${NAME}_testbed.sh stop: the $NAME of $D/run/init.pid (pid $(cat "$D/run/init.pid" 2>/dev/null)) is not running: it exited or was ended without this script" >&2
    rm -f "$D/run/init.pid"
    exit 1
  fi
  if ! tb_stop_pid "$pid"; then
    echo "${NAME}_testbed.sh stop: $NAME pid=$pid port=$PORT survived SIGKILL" >&2
    exit 1
  fi
  echo "$NAME stopped pid=$pid port=$PORT"
}

# tb_check_args "$@": the shared argument checks; sets DIR, PORT, D
tb_check_args() {
  [ $# -ge 3 ] || usage
  cmd=$1; PORT=$3
  case "$PORT" in ''|*[!0-9]*) echo "PORT must be a number" >&2; exit 2 ;; esac
  if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65534 ]; then echo "PORT must be 1..65534 (PORT+1 is IMAPS)" >&2; exit 2; fi
  if [ "$cmd" = start ]; then mkdir -p "$2"; fi
  if [ ! -d "$2" ]; then
    [ "$cmd" = status ] && { echo "$NAME not running (no directory $2)"; exit 3; }
    echo "${NAME}_testbed.sh $cmd: no directory $2: cannot find the $NAME started there (removed before the server was stopped?)" >&2
    exit 1
  fi
  DIR=$(cd "$2" && pwd -P)
  D="$DIR/$NAME-$PORT"
  # Mounts in a namespace of its own, a server that switches users: root only. (In a user
  # namespace a normal user would be root, which Cyrus refuses to run as and where Courier may
  # not call setgroups.)
  [ "$cmd" = status ] || [ "$(id -u)" -eq 0 ] || tb_die "$cmd: must run as root (as CI does)"
}
