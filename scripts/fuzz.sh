#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, the `fuzz` preset) and runs each for a while.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 60; CI uses a short budget
# Every target starts from a copy of its seed corpus (tests/fuzz/corpus/NAME), so the tree is
# left alone; new inputs and crash files land in BUILD_DIR/fuzz-runs/NAME. Fails if any target
# crashes, leaks, hangs or breaks a property check. Prints execs and coverage per target.
# Environment: BUILD_DIR (default build-fuzz), JOBS (build jobs, default: number of cores),
# FUZZ_TARGETS (names to run, default all, e.g. "config imap_response"), FUZZ_FLAGS (extra
# libFuzzer flags, e.g. "-max_len=8192").
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD_DIR=${BUILD_DIR:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
CLANG_VERSION=16  # the oldest Debian 12 clang that compiles std::expected (cmake/fuzzing.cmake)

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || ((SECONDS_PER_TARGET == 0)); then
  echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
fi

./scripts/setup.sh
missing=()
for package in "clang-$CLANG_VERSION" "libclang-rt-$CLANG_VERSION-dev"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "fuzz.sh: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

cmake --preset fuzz -B "$BUILD_DIR" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS" --target fuzz_targets

targets=()
if [[ -n "${FUZZ_TARGETS:-}" ]]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  for binary in "$BUILD_DIR"/fuzz/fuzz_*; do targets+=("${binary##*/fuzz_}"); done
fi

failed=()
summary=()
for name in "${targets[@]}"; do
  binary="$BUILD_DIR/fuzz/fuzz_$name"
  run="$BUILD_DIR/fuzz-runs/$name"
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  cp -r "tests/fuzz/corpus/$name/." "$run/corpus/"
  dict=()
  [[ -f "tests/fuzz/dict/$name.dict" ]] && dict=("-dict=tests/fuzz/dict/$name.dict")
  echo "== fuzz_$name: ${SECONDS_PER_TARGET}s from $(find "$run/corpus" -type f | wc -l) seeds"
  status=0
  # -timeout: one input running this long is a hang; -rss_limit_mb: a leak or a blow-up.
  # shellcheck disable=SC2086
  "$binary" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=30 \
    -rss_limit_mb=2048 -artifact_prefix="$run/artifacts/" "${dict[@]}" ${FUZZ_FLAGS:-} \
    "$run/corpus" >"$run/log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$run/log" | tail -n 1)
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$run/log" |
             tail -n 1)
  line="fuzz_$name: ${execs:-?} execs (${rate:-?}/s), ${coverage:-no coverage line}"
  if ((status != 0)); then
    line+=", FAILED (exit $status)"
    failed+=("$name")
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$run/log" | head -n 5 || true
    for artifact in "$run/artifacts"/*; do
      [[ -e "$artifact" ]] && echo "   input: $artifact (replay: $binary $artifact)"
    done
    echo "   log: $run/log"
  fi
  echo "$line"
  summary+=("$line")
done

echo "== fuzz summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
