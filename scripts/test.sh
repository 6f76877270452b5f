#!/usr/bin/env bash
# Installs what is missing, builds prospectd under AddressSanitizer + UndefinedBehaviorSanitizer
# and runs every test (unit, fuzz-corpus replays, integration, format); then runs each libFuzzer
# target for a short, bounded time. The README's test command; CI runs exactly this.
#   scripts/test.sh
# Environment:
#   SANITIZE=0         test the release build (build/) instead of the asan preset (build-asan/)
#   FUZZ_SECONDS=N     libFuzzer time per target (default 20; 0 skips fuzzing, e.g. offline)
#   JOBS=N             build and test parallelism (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
SANITIZE=${SANITIZE:-1}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
JOBS=${JOBS:-$(nproc)}
./scripts/setup.sh
started=$SECONDS
if [[ "$SANITIZE" == 1 ]]; then
  # The asan preset: -O1 -g -fsanitize=address,undefined, warnings on; the test preset sets
  # ASAN/LSAN/UBSAN_OPTIONS (abort on the first finding, leaks included).
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$JOBS"
  echo "test.sh: build took $((SECONDS - started)) s"
  ctest --preset asan -j "$JOBS"
else
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$JOBS"
  ctest --preset release -j "$JOBS"
fi
echo "test.sh: build and ctest took $((SECONDS - started)) s"
if ((FUZZ_SECONDS > 0)); then
  # Each target from its seed corpus for FUZZ_SECONDS (clang 16 + libFuzzer, installed on demand).
  JOBS=$JOBS ./scripts/fuzz.sh "$FUZZ_SECONDS"
fi
echo "test.sh: all passed in $((SECONDS - started)) s"
