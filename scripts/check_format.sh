#!/usr/bin/env bash
# Fails (listing the files) when C/C++ sources differ from what clang-format makes of them
# with the repository's .clang-format.  scripts/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT=${CLANG_FORMAT:-clang-format}
mapfile -t files < <(find bench cli config connectors core daemon http publish rules store sync tests util views -name '*.cpp' -o -name '*.h' -o -name '*.c' | sort)
if [ "${1:-}" = "--fix" ]; then
  "$FORMAT" -i "${files[@]}"
  exit 0
fi
# One clang-format process for all files; its diagnostics start with "FILE:LINE:COL: ".
mapfile -t unformatted < <("$FORMAT" --dry-run --Werror "${files[@]}" 2>&1 |
  sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: .*/\1/p' | sort -u)
if [ ${#unformatted[@]} -gt 0 ]; then
  printf 'not clang-formatted (run scripts/check_format.sh --fix):\n' >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "${#files[@]} files formatted"
