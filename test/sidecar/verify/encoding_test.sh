#!/bin/bash
# decode's lines are UTF-8 JSON whatever the database encoding: in a LATIN1
# database, text with non-ASCII characters must come out as UTF-8.
#   encoding_test.sh SYNCBRIDGED      (exits 77 when no PostgreSQL is reachable)
set -euo pipefail
bin=$1
psql -X -qAt -c 'SELECT 1' >/dev/null 2>&1 || { echo "no database reachable, skipping"; exit 77; }
db="sbenc_$$_$RANDOM"
dir=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  psql -X -qAt -d "$db" -c "SELECT pg_drop_replication_slot('s_enc')" >/dev/null 2>&1 || true
  dropdb --if-exists "$db" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
createdb -E LATIN1 -T template0 --locale=C "$db"
q() { PGCLIENTENCODING=UTF8 psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
q "CREATE TABLE t (id int PRIMARY KEY, v text, a text[])" >/dev/null
q "CREATE PUBLICATION p_enc FOR TABLE t" >/dev/null
q "SELECT 1 FROM pg_create_logical_replication_slot('s_enc', 'pgoutput')" >/dev/null
q "INSERT INTO t VALUES (1, 'é ü ß ÿ', ARRAY['à', 'ç'])" >/dev/null
q "INSERT INTO t VALUES (2, 'end', NULL)" >/dev/null
"$bin" decode --conninfo "dbname=$db" --slot s_enc --publication p_enc >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 100); do [ "$(wc -l <"$dir/out")" -ge 2 ] && break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid" || { echo "decode failed"; cat "$dir/err"; exit 1; }
pid=
python3 - "$dir/out" <<'PY'
import json, sys
lines = open(sys.argv[1], "rb").read().splitlines()
assert len(lines) == 2, "expected 2 lines, got %d" % len(lines)
row = json.loads(lines[0].decode("utf-8"))["new"]  # raises on bytes that are not UTF-8
assert row == {"id": 1, "v": "é ü ß ÿ", "a": ["à", "ç"]}, row
print("ok: LATIN1 database decoded as UTF-8")
PY
