#!/usr/bin/env bash
# Installs what is missing, builds prospectd under AddressSanitizer + UndefinedBehaviorSanitizer
# and runs every test (unit, fuzz-corpus replays, integration, format); beside them, runs each
# libFuzzer target for a short, bounded time. The README's test command; CI runs exactly this.
#   scripts/test.sh
# Environment:
#   SANITIZE=0         test the release build (build/) instead of the asan preset (build-asan/)
#   FUZZ_SECONDS=N     libFuzzer time per target (default 15; 0 skips fuzzing, e.g. offline)
#   JOBS=N             build and test parallelism (default: number of cores)
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
start_fuzzing
ctest_status=0
ctest --preset "$preset" -j "$JOBS" || ctest_status=$?
echo "test.sh: build and ctest took $((SECONDS - started)) s"
fuzz_status=0
finish_fuzzing || fuzz_status=$?
if ((ctest_status != 0 || fuzz_status != 0)); then
  echo "test.sh: FAILED (ctest exit $ctest_status, fuzzing exit $fuzz_status)" >&2
  exit 1
fi
echo "test.sh: all passed in $((SECONDS - started)) s"
