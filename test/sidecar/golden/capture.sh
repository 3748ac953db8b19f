#!/bin/sh
# Regenerates the golden pgoutput frames from a real PostgreSQL 15:
#   pg_virtualenv -o wal_level=logical -o logical_decoding_work_mem=64kB test/sidecar/golden/capture.sh
# Each NAME.hex holds one message per line: "<lsn> <hex payload>", exactly
# what pg_logical_slot_get_binary_changes returns for proto_version 2.
set -eu
cd "$(dirname "$0")"
export PGOPTIONS='-c client_min_messages=warning'
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

capture() {  # name proto streaming
  psql -At -c "SELECT lsn || ' ' || encode(data, 'hex') FROM pg_logical_slot_get_binary_changes('golden_slot', NULL, NULL,
      'proto_version', '$2', 'streaming', '$3', 'publication_names', 'golden_pub', 'messages', 'true')" > "$1.hex"
}

psql <<'SQL'
DROP PUBLICATION IF EXISTS golden_pub;
DROP TABLE IF EXISTS golden_t, golden_full, golden_big;
DROP TYPE IF EXISTS golden_mood;
CREATE TYPE golden_mood AS ENUM ('sad', 'happy');
CREATE TABLE golden_t (id int8 PRIMARY KEY, i2 int2, i4 int4, n numeric, b bool, f4 float4, f8 float8,
  t text, vc varchar(10), ts timestamptz, tsn timestamp, d date, tm time, u uuid, by bytea,
  j json, jb jsonb, arr int4[], tarr text[], mood golden_mood, big text);
ALTER TABLE golden_t ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE golden_full (id int PRIMARY KEY, v text);
ALTER TABLE golden_full REPLICA IDENTITY FULL;
CREATE TABLE golden_big (id int PRIMARY KEY, pad text);
CREATE PUBLICATION golden_pub FOR TABLE golden_t, golden_full, golden_big;
SELECT 'init' FROM pg_create_logical_replication_slot('golden_slot', 'pgoutput');
SQL

psql <<'SQL'
SET TimeZone = 'UTC';
INSERT INTO golden_t VALUES (1, 32767, -2147483648, 123456789012345678901234567890.123456789, true, 1.5, 'NaN',
  'hé "q"\', 'abc', '2026-11-22 07:30:00.123456+00', '2026-11-22 07:30:00', '2026-11-22', '07:30:00',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\x00ff', '{"a": [1, 2]}', '{"b": null}', '{1,NULL,3}', '{"x y",z}', 'happy',
  repeat('toast', 3000));
INSERT INTO golden_t (id, i2, f8) VALUES (9223372036854775807, NULL, '-Infinity');
UPDATE golden_t SET i4 = 7 WHERE id = 1;
UPDATE golden_t SET id = 2 WHERE id = 1;
DELETE FROM golden_t WHERE id = 2;
SQL
capture basic 2 on

psql <<'SQL'
INSERT INTO golden_full VALUES (1, 'one');
UPDATE golden_full SET v = 'uno' WHERE id = 1;
DELETE FROM golden_full WHERE id = 1;
ALTER TABLE golden_full ADD COLUMN extra int;
INSERT INTO golden_full VALUES (2, 'two', 22);
ALTER TABLE golden_full DROP COLUMN extra;
INSERT INTO golden_full VALUES (3, 'three');
TRUNCATE golden_full, golden_big RESTART IDENTITY CASCADE;
SELECT 'm' FROM pg_logical_emit_message(true, 'golden', 'transactional');
SELECT 'm' FROM pg_logical_emit_message(false, 'golden', 'plain');
SQL
capture schema 2 on

psql <<'SQL'
BEGIN;
INSERT INTO golden_big SELECT g, repeat('x', 100) FROM generate_series(1, 1000) g;
SAVEPOINT s1;
INSERT INTO golden_big SELECT g, repeat('y', 100) FROM generate_series(1001, 2000) g;
ROLLBACK TO SAVEPOINT s1;
INSERT INTO golden_big SELECT g, repeat('z', 100) FROM generate_series(3001, 3500) g;
COMMIT;
BEGIN;
INSERT INTO golden_big SELECT g, repeat('w', 100) FROM generate_series(5001, 6000) g;
ROLLBACK;
SQL
capture streamed 2 on

psql <<'SQL'
INSERT INTO golden_full VALUES (10, 'p1');
SQL
capture proto1 1 off

psql <<'SQL'
SELECT pg_drop_replication_slot('golden_slot');
DROP PUBLICATION golden_pub;
DROP TABLE golden_t, golden_full, golden_big;
DROP TYPE golden_mood;
SQL
