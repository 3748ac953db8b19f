#!/bin/sh
# run --config FILE.toml: the file's values are used; command-line flags and
# SYNCBRIDGE_* variables win over it; sections, unreadable files and unknown
# keys are refused. The daemon is pointed at a key file that does not exist,
# so it stops right after parsing and its log shows which value it got.
set -eu
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/run.toml" <<TOML
conninfo = "host=127.0.0.1 port=1 dbname=none"
slot = "from_file"
key-file = "$dir/file.key"
max-in-flight = 8
TOML
expect() {  # expect PATTERN COMMAND...: the command fails and prints PATTERN
  pattern=$1; shift
  if "$@" >"$dir/out" 2>&1; then echo "succeeded: $*"; cat "$dir/out"; exit 1; fi
  grep -q -- "$pattern" "$dir/out" || { echo "expected '$pattern' from: $*"; cat "$dir/out"; exit 1; }
}
expect "key file $dir/file.key" env -u SYNCBRIDGE_KEY_FILE "$bin" run --config "$dir/run.toml"
expect '"slot":"from_file"' env -u SYNCBRIDGE_SLOT "$bin" run --config "$dir/run.toml"
expect '"slot":"from_flag"' "$bin" run --config "$dir/run.toml" --slot from_flag
expect '"slot":"from_env"' env SYNCBRIDGE_SLOT=from_env "$bin" run --config="$dir/run.toml"
expect "key file $dir/flag.key" "$bin" run --key-file "$dir/flag.key" --config "$dir/run.toml"
expect 'not in range' "$bin" run --config "$dir/run.toml" --max-in-flight 99
printf '[run]\nslot = "x"\n' >"$dir/sections.toml"
expect 'sections are not used' "$bin" run --config "$dir/sections.toml"
expect 'cannot read the file' "$bin" run --config "$dir/missing.toml"
printf 'no-such-flag = 1\n' >>"$dir/run.toml"
expect 'not expected' "$bin" run --config "$dir/run.toml"
"$bin" run --help | grep -q -- '--config' || { echo "--help does not list --config"; exit 1; }
echo ok
