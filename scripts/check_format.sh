#!/usr/bin/env bash
# Fails (listing the files) when C/C++ sources differ from what clang-format makes of them
# with the repository's .clang-format.  scripts/check_format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."
FORMAT=${CLANG_FORMAT:-clang-format}
mapfile -t files < <(find bench connectors daemon rules store tests -name '*.cpp' -o -name '*.h' -o -name '*.c' | sort)
if [ "${1:-}" = "--fix" ]; then
  "$FORMAT" -i "${files[@]}"
  exit 0
fi
unformatted=()
for file in "${files[@]}"; do
  if ! "$FORMAT" --dry-run --Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done
if [ ${#unformatted[@]} -gt 0 ]; then
  printf 'not clang-formatted (run scripts/check_format.sh --fix):\n' >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "${#files[@]} files formatted"
