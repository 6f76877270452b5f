#!/usr/bin/env bash
# Install everything prospectd needs on a fresh Debian 12 (bookworm) machine:
# the build, the test suite, the demo and (optionally) the benchmarks.
#
#   scripts/setup.sh [--with-browser] [--with-bench]
#
#   --with-browser   also install chromium (headless checks of the status page)
#   --with-bench     also install wrk and hyperfine (HTTP and CLI benchmarks)
#
# Idempotent and quiet: asks dpkg which packages are missing and installs only
# those; runs `apt-get update` only when something is missing. Uses sudo only
# when not already root. Prints one line at the end.
set -euo pipefail

# ---- the package list: the one place where dependencies are named ----------
# build: compiler, CMake, and the -dev packages cmake/dependencies.cmake finds
BUILD_PKGS=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev        # IMAP connection/TLS/login and the Gmail API
  nlohmann-json3-dev          # JSON (API, CLI --json, Gmail responses)
  libcpp-httplib-dev          # HTTP server (status page, API)
  libsqlitecpp-dev libsqlite3-dev   # the store
  libspdlog-dev               # logging
  libtomlplusplus-dev         # config
  libcli11-dev                # command line
  libgmime-3.0-dev            # RFC 5322 addresses, RFC 2047 words, dates
  libssl-dev                  # TLS for the raw benchmark client and tests
  libsystemd-dev              # optional: sd_notify (Type=notify, watchdog) for `prospectd run`
  libpq-dev                   # the team database (PostgreSQL client, store/team/)
)
# test: unit test framework; a real IMAP server and the tools the test
# scripts use (certificate generation, the mailbox generator, the database)
TEST_PKGS=(
  doctest-dev
  clang-format                # house style: scripts/check_format.sh (a ctest test)
  dovecot-imapd               # throw-away IMAP server (scripts/dovecot_testbed.sh)
  # Cyrus IMAP and Courier-IMAP testbeds (scripts/cyrus_testbed.sh, courier_testbed.sh): the
  # servers conflict with dovecot-imapd, so they unpack their own packages (apt-get download);
  # what those need to run comes from here
  db-util libsasl2-modules libsasl2-modules-db   # Cyrus: its sasldb of passwords, PLAIN/LOGIN
  libical3 libicu72 libjansson4 libkrb5-3 libldap-2.5-0 libpcre3 libpq5 libsqlite3-0 libwrap0 libxapian30 libxml2
  courier-authlib courier-authlib-userdb      # Courier: authdaemond and its user database
  gamin libgamin0 libcourier-unicode4 libidn12 libgdbm6 libgnutls30   # Courier: IDLE (FAM), libraries
  openssl                     # self-signed certificate for IMAPS/STARTTLS
  python3                     # scripts/gen_mailbox.py, imap_append.py, free_port.py
  sqlite3                     # inspecting the store
  time                        # /usr/bin/time: peak memory in tests and benchmarks
  ca-certificates
  systemd                     # systemd-analyze verify/security on the units (test_packaging.py)
  chromium                    # headless browser test of the status page (test_status_page.py)
  postgresql                  # the team database tests start their own server (pg_harness.py)
)
# demo: nothing beyond build + test today (the demo runs the daemon against
# the Dovecot testbed); keep demo-only additions here.
DEMO_PKGS=()
# optional
BROWSER_PKGS=(chromium)      # --with-browser
BENCH_PKGS=(wrk hyperfine bc)   # --with-bench
# -----------------------------------------------------------------------------

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${DEMO_PKGS[@]}")
for arg in "$@"; do
  case "$arg" in
    --with-browser) want+=("${BROWSER_PKGS[@]}") ;;
    --with-bench)   want+=("${BENCH_PKGS[@]}") ;;
    -h|--help) awk 'NR > 1 && /^#/ {sub(/^# ?/, ""); print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#want[@]} packages already installed"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: not root and no sudo; install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
log=$(mktemp "${TMPDIR:-/tmp}/prospectd-setup.XXXXXX")
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 ||
   ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
       -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
       "${missing[@]}" >>"$log" 2>&1; then
  echo "setup: apt-get failed installing: ${missing[*]}" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "setup: installed ${#missing[@]} package(s): ${missing[*]}"
