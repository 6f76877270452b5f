#!/usr/bin/env bash
# Installs what is missing, builds prospectd and runs every test (unit and integration).
#   scripts/test.sh            the README's test command; CI runs exactly this
# BUILD_DIR (default build) and JOBS (default: number of cores) can be set in the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
./scripts/setup.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$JOBS"
