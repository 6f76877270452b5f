# shellcheck shell=bash
# Sourced by scripts/demo.sh and the benchmarks in bench/: the prospectd config for the mailbox
# scripts/gen_mailbox.py generates.

# mailbox_config DATA_DIR KEY=VALUE...
# Prints a config whose store lives in DATA_DIR, whose identity is the generated mailbox's rep
# (REP_PRIMARY and REP_ALIAS in scripts/gen_mailbox.py, colleagues at both domains), and whose one
# [[accounts]] table holds the KEY=VALUE pairs as TOML strings, in the order given.
mailbox_config() {
  local data_dir=$1 pair
  shift
  printf 'data_dir = %s\n\n' "$(toml_string "$data_dir")"
  printf '[identity]\n'
  printf 'addresses = ["rep@acme-sales.com", "rep@acme.io"]\n'
  printf 'internal_domains = ["acme-sales.com", "acme.io"]\n\n'
  printf '[[accounts]]\n'
  for pair in "$@"; do
    printf '%s = %s\n' "${pair%%=*}" "$(toml_string "${pair#*=}")"
  done
}

# toml_string TEXT: TEXT as a TOML basic string (backslashes and double quotes escaped).
toml_string() {
  local text=${1//\\/\\\\}
  printf '"%s"' "${text//\"/\\\"}"
}
