# shellcheck shell=bash
# Sourced by the mail server testbeds (dovecot_testbed.sh, lib/mail_testbed.sh): the unprivileged
# system user the servers read and write the test mail as.

# ensure_mail_user NAME: creates the system user NAME unless it exists. Tests in parallel lanes
# may create it at the same moment: useradd locks /etc/passwd, so the loser fails; it retries
# until the user exists.
ensure_mail_user() {
  local name=$1
  id "$name" >/dev/null 2>&1 && return 0
  for _ in $(seq 1 50); do
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$name" 2>/dev/null && return 0
    id "$name" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cannot create the system user $name" >&2
  return 1
}
