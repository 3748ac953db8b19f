#!/bin/bash
# Differential test: one seeded random workload read from two slots created at
# the same position, by `syncbridged decode` (pgoutput, streaming on) and by
# wal2json; differential.py compares both change by change, value by value.
#   differential_test.sh SYNCBRIDGED [SEED] [TRANSACTIONS]
# Needs a cluster with wal_level=logical and wal2json in output_plugin_libraries
# (test/run-all.sh starts it so); exits 77 when no PostgreSQL is reachable.
set -euo pipefail
bin=$1
seed=${2:-${SYNCBRIDGE_DIFF_SEED:-20261123}}
txns=${3:-${SYNCBRIDGE_DIFF_TRANSACTIONS:-200}}
here=$(cd "$(dirname "$0")" && pwd)
py=(python3 "$here/differential.py")

psql -X -qAt -c 'SELECT 1' >/dev/null 2>&1 || { echo "no database reachable, skipping"; exit 77; }
db="sbdiff_$$_$RANDOM"
dir=$(mktemp -d)
pid=
cpid=
admin() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
indb() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" "$@"; }
cleanup() {
  if [ -n "$cpid" ]; then kill "$cpid" 2>/dev/null || true; wait "$cpid" 2>/dev/null || true; fi
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  indb -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()" \
    >/dev/null 2>&1 || true
  admin "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  if [ -n "${SYNCBRIDGE_DIFF_KEEP:-}" ]; then echo "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT

admin "CREATE DATABASE $db"
# Every session of this database, the walsender of decode included, decodes with
# 64kB: pgoutput streams the large transactions and wal2json spills them to disk.
admin "ALTER DATABASE $db SET logical_decoding_work_mem = '64kB'"
"${py[@]}" schema | indb >/dev/null
indb -c "SELECT 1 FROM pg_create_logical_replication_slot('s_pgo', 'pgoutput')" >/dev/null
if ! indb -c "SELECT 1 FROM pg_create_logical_replication_slot('s_w2j', 'wal2json')" >/dev/null 2>"$dir/w2j.err"; then
  cat "$dir/w2j.err"
  echo "wal2json is needed: install postgresql-15-wal2json and start the cluster with" \
       "-o output_plugin_libraries=pgoutput,test_decoding,wal2json (test/run-all.sh does)"
  exit 1
fi

"${py[@]}" workload --seed "$seed" --transactions "$txns" >"$dir/workload.sql"
"${py[@]}" concurrent --seed "$seed" >"$dir/concurrent.sql"
# A second session's large transactions interleave with the workload's.
indb -f "$dir/concurrent.sql" >/dev/null &
cpid=$!
indb -f "$dir/workload.sql" >/dev/null
wait "$cpid"
cpid=
indb -c "INSERT INTO d_sentinel VALUES (1)"

"$bin" decode --conninfo "dbname=$db" --slot s_pgo --publication p_diff --status-interval 1 \
  >"$dir/decode.jsonl" 2>"$dir/decode.err" &
pid=$!
# d_sentinel is written last; once its line is out, everything is.
for _ in $(seq 600); do
  grep -q '"table":"d_sentinel"' "$dir/decode.jsonl" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null || true
status=0
wait "$pid" || status=$?
pid=
if [ "$status" -ne 0 ] || ! grep -q '"table":"d_sentinel"' "$dir/decode.jsonl"; then
  echo "decode did not reach the end of the workload (exit $status)"
  cat "$dir/decode.err"
  exit 1
fi

indb -o "$dir/wal2json.jsonl" <<SQL
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET extra_float_digits = 3;
SET bytea_output = 'hex';
SELECT data FROM pg_logical_slot_get_changes('s_w2j', NULL, NULL,
  'format-version', '2', 'include-xids', '1', 'include-timestamp', '1', 'include-lsn', '1',
  'include-type-oids', '1',
  'add-tables', 'public.d_main,public.d_full,public.d_comp,public.d_conc,public.d_sentinel');
SQL

indb -o "$dir/catalog.json" <<'SQL'
SELECT json_build_object(
  'tables', (SELECT json_agg(json_build_object(
      'schema', n.nspname, 'table', c.relname, 'replident', c.relreplident,
      'columns', (SELECT json_agg(json_build_object(
                     'name', a.attname, 'typeoid', a.atttypid::int,
                     'ri', c.relreplident = 'f' OR EXISTS (
                        SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND a.attnum = ANY (i.indkey)
                          AND CASE c.relreplident WHEN 'i' THEN i.indisreplident ELSE i.indisprimary END))
                   ORDER BY a.attnum)
                  FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'd\_%'),
  'types', (SELECT json_object_agg(t.oid::text, json_build_object(
      'typtype', t.typtype, 'category', t.typcategory, 'elem', t.typelem::int, 'basetype', t.typbasetype::int))
    FROM pg_type t));
SQL

"${py[@]}" compare --catalog "$dir/catalog.json" --wal2json "$dir/wal2json.jsonl" --decode "$dir/decode.jsonl" \
  || { SYNCBRIDGE_DIFF_KEEP=1; echo "seed $seed, $txns transactions; files in $dir"; exit 1; }

# The comparison only covers pgoutput's streaming path if the server streamed.
streamed=0
for _ in $(seq 50); do
  streamed=$(indb -c "SELECT coalesce(sum(stream_txns), 0) FROM pg_stat_replication_slots WHERE slot_name = 's_pgo'")
  [ "$streamed" -gt 0 ] && break
  sleep 0.1
done
[ "$streamed" -gt 0 ] || { echo "pgoutput streamed no transaction: the streaming path was not exercised"; exit 1; }
echo "seed $seed: $streamed transactions streamed to decode"
