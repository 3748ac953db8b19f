#!/usr/bin/env bash
# Benchmark (not a test): rows/s of syncbridge.apply_remote against the
# baseline of the same rows written by a plain INSERT ... ON CONFLICT DO
# UPDATE from psql, in the same run and the same cluster. Prints both and
# the ratio. Run it inside a cluster, e.g.:
#   pg_virtualenv -t -o wal_level=logical test/bench/apply_remote_bench.sh [ROWS]
set -euo pipefail
rows=${1:-100000}
db="syncbridge_bench_$$"
createdb "$db"
trap 'dropdb --if-exists "$db"' EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -o /dev/null -v rows="$rows" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION syncbridge;
CREATE TABLE bench_plain (id integer PRIMARY KEY, title text, qty integer, price numeric(10,2), seen timestamptz, tags text[]);
CREATE TABLE bench_apply (LIKE bench_plain INCLUDING ALL);
SELECT syncbridge.create_connection('bench', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.create_sync('bench', 'bench_apply', 'bench', '{"list": "Bench"}', 'both');
-- The same pulled changes for both sides, as JSON (what a puller holds).
CREATE TABLE changes AS
SELECT i AS id, jsonb_build_object('id', i) AS row_key,
       jsonb_build_object('title', 'title ' || i, 'qty', i % 1000, 'price', (i % 10000) / 100.0,
                          'seen', '2026-01-01T00:00:00Z', 'tags', jsonb_build_array('a', 'b' || (i % 7))) AS fields
  FROM generate_series(1, :rows) i;
SQL
[ -n "$(q -c "SELECT 1 FROM changes LIMIT 1")" ] || { echo "no changes generated" >&2; exit 1; }

# Seconds a statement takes, wall clock around one psql call (the
# connection's few milliseconds are noise at these row counts).
timed() {
  local start end
  start=$(date +%s.%N)
  q -o /dev/null -c "$1"
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" 'BEGIN { print e - s }'
}

run() {  # $1 = apply_remote op: insert (new rows) or update (existing rows)
  local plain apply
  plain=$(timed "INSERT INTO bench_plain (id, title, qty, price, seen, tags)
                 SELECT (row_key->>'id')::int, fields->>'title', (fields->>'qty')::int, (fields->>'price')::numeric,
                        (fields->>'seen')::timestamptz, ARRAY(SELECT jsonb_array_elements_text(fields->'tags'))
                   FROM changes
                 ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, qty = EXCLUDED.qty, price = EXCLUDED.price,
                                                seen = EXCLUDED.seen, tags = EXCLUDED.tags")
  apply=$(timed "SELECT count(syncbridge.apply_remote('bench', '$1', row_key, fields)) FROM changes")
  awk -v n="$rows" -v p="$plain" -v a="$apply" -v what="$1" 'BEGIN {
    printf "%-7s %8d rows  INSERT ON CONFLICT: %9.0f rows/s   apply_remote: %9.0f rows/s   ratio %.2f\n",
           what, n, n / p, n / a, (n / a) / (n / p) }'
}
run insert
run update
[ "$(q -c "SELECT count(*) FROM bench_apply")" = "$rows" ] || { echo "apply_remote lost rows" >&2; exit 1; }
[ -z "$(q -c "TABLE bench_plain EXCEPT TABLE bench_apply")" ] || { echo "the two tables differ" >&2; exit 1; }
echo "both tables hold the same $rows rows"
