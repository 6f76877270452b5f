#!/usr/bin/env bash
# Installs what is missing, builds prospectd under AddressSanitizer + UndefinedBehaviorSanitizer
# and runs every test (unit, fuzz-corpus replays, integration, format); beside them, runs each
# libFuzzer target for a short, bounded time. The README's test command; CI runs exactly this.
# At the end, any process the tests and fuzzers started that is still running (a server a test
# did not stop, or one whose test ctest killed at its timeout) fails the run and is ended.
#   scripts/test.sh
# Environment:
#   SANITIZE=0         test the release build (build/) instead of the asan preset (build-asan/)
#   FUZZ_SECONDS=N     libFuzzer time per target (default 15; 0 skips fuzzing, e.g. offline)
#   JOBS=N             build and test parallelism (default: number of cores)
#   PROSPECTD_KEEP_TEST_DIRS=1  keep the run's temporary directory (its path is printed)
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=${SANITIZE:-1}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
JOBS=${JOBS:-$(nproc)}
./scripts/setup.sh
started=$SECONDS
fuzz_log=
fuzz_pid=
start_fuzzing() {
  # Each libFuzzer target from its seed corpus for FUZZ_SECONDS (clang 16, installed on demand),
  # beside ctest: the integration tests run one at a time and leave a core mostly idle.
  if ((FUZZ_SECONDS > 0)); then
    fuzz_log=$(mktemp)
    JOBS=1 ./scripts/fuzz.sh "$FUZZ_SECONDS" >"$fuzz_log" 2>&1 &
    fuzz_pid=$!
  fi
}
run_root=
start_run() {
  # The run's own temporary root and marker: every test directory lands below the root (tempfile
  # and mktemp honour TMPDIR) and every process started from here inherits the marker, so the
  # guard finds what was left running -- even daemons that clear their environment, like Dovecot,
  # by the paths in their command line or working directory.
  run_root=$(mktemp -d -t prospectd-run.XXXXXX)
  chmod 711 "$run_root" # Dovecot's unprivileged mail user must reach the Maildirs below it
  export TMPDIR=$run_root PROSPECTD_TEST_RUN=${run_root##*/}
  # also when the run is interrupted or a step fails
  trap 'finish_run || exit 1' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
finish_run() {
  [[ -n "$run_root" ]] || return 0
  local root=$run_root status=0
  run_root=
  python3 scripts/leak_guard.py --root "$root" --marker "PROSPECTD_TEST_RUN=$PROSPECTD_TEST_RUN" || status=$?
  if [[ -n "${PROSPECTD_KEEP_TEST_DIRS:-}" ]]; then
    echo "test.sh: test directories kept in $root"
  else
    rm -rf "$root"
  fi
  return "$status"
}
finish_fuzzing() {
  [[ -n "$fuzz_pid" ]] || return 0
  local status=0
  wait "$fuzz_pid" || status=$?
  cat "$fuzz_log"
  rm -f "$fuzz_log"
  return "$status"
}
if [[ "$SANITIZE" == 1 ]]; then
  # The asan preset: -O1 -g -fsanitize=address,undefined, warnings on; the test preset sets
  # ASAN/LSAN/UBSAN_OPTIONS (abort on the first finding, leaks included).
  preset=asan
else
  preset=release
fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$JOBS"
echo "test.sh: $preset build took $((SECONDS - started)) s"
start_run
start_fuzzing
ctest_status=0
ctest --preset "$preset" -j "$JOBS" || ctest_status=$?
echo "test.sh: build and ctest took $((SECONDS - started)) s"
fuzz_status=0
finish_fuzzing || fuzz_status=$?
# after fuzzing and ctest: nothing the run started may still be running
guard_status=0
finish_run || guard_status=$?
if ((ctest_status != 0 || fuzz_status != 0 || guard_status != 0)); then
  echo "test.sh: FAILED (ctest exit $ctest_status, fuzzing exit $fuzz_status, leak guard exit $guard_status)" >&2
  exit 1
fi
echo "test.sh: all passed in $((SECONDS - started)) s"
