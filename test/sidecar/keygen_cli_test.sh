#!/bin/sh
# keygen prints exactly \x + 64 lowercase hex digits, writes a 0600 file, refuses to overwrite.
set -eu
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
out=$("$bin" keygen --out "$dir/key")
echo "$out" | grep -Eqx '\\x[0-9a-f]{64}' || { echo "bad key literal: $out"; exit 1; }
[ "$(stat -c %a "$dir/key")" = 600 ] || { echo "bad mode"; exit 1; }
if "$bin" keygen --out "$dir/key" >/dev/null 2>&1; then echo "overwrote key file"; exit 1; fi
SYNCBRIDGE_KEY_FILE="$dir/key2" "$bin" keygen | grep -Eqx '\\x[0-9a-f]{64}'
echo ok
