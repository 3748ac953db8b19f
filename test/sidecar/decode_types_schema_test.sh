#!/bin/bash
# End to end: values of user types (enum, domains, arrays of them, composite)
# and columns added and dropped mid-stream, also inside a streamed transaction.
set -euo pipefail
E2E_NAME=types
. "$(dirname "$0")/e2e_lib.sh"
ut="ut_$sfx"; sc="sc_$sfx"; big="big_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $ut, $sc, $big" "DROP TYPE IF EXISTS pair_$sfx, mood_$sfx CASCADE"
              "DROP DOMAIN IF EXISTS pos2_$sfx, posint_$sfx, amount_$sfx, moods_$sfx CASCADE")

q "CREATE TYPE mood_$sfx AS ENUM ('sad', 'happy', 'very happy')"
q "CREATE DOMAIN posint_$sfx AS int4 CHECK (VALUE > 0)"
q "CREATE DOMAIN pos2_$sfx AS posint_$sfx"
q "CREATE DOMAIN amount_$sfx AS numeric(20, 2)"
q "CREATE DOMAIN moods_$sfx AS mood_$sfx[]"
q "CREATE TYPE pair_$sfx AS (a int, b text)"
q "CREATE TABLE $ut (id posint_$sfx PRIMARY KEY, m mood_$sfx, ms mood_$sfx[], p pos2_$sfx, pa posint_$sfx[],
                      amt amount_$sfx, pr pair_$sfx, prs pair_$sfx[], dm moods_$sfx)"
q "CREATE TABLE $sc (id int PRIMARY KEY, a text)"
q "CREATE TABLE $big (id int PRIMARY KEY, pad text)"
make_slot "$ut" "$sc" "$big"

q "INSERT INTO $ut VALUES (1, 'very happy', '{sad,\"very happy\",NULL}', 6, '{1,2}', 12.5, '(1,\"x y\")',
                           ARRAY['(1,a)', '(2,\"b c\")']::pair_$sfx[], '{happy}')"
q "INSERT INTO $ut (id) VALUES (2)"
q "INSERT INTO $sc VALUES (1, 'x')"
q "ALTER TABLE $sc ADD COLUMN c int"
q "INSERT INTO $sc VALUES (2, 'y', 20)"
q "ALTER TABLE $sc DROP COLUMN a"
q "INSERT INTO $sc VALUES (3, 30)"
q "UPDATE $sc SET c = 9 WHERE id = 1"
# One transaction far above 64kB (so it is streamed) that changes its table's shape half-way.
psql -X -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
INSERT INTO $big SELECT g, repeat('p', 50) FROM generate_series(1, 3000) g;
ALTER TABLE $big ADD COLUMN extra int;
INSERT INTO $big SELECT g, 'q', g * 2 FROM generate_series(3001, 6000) g;
COMMIT;
SQL

start_decode run --status-interval 1
wait_until 30 lines_at_least "$dir/run.out" 6006 || fail "expected 6006 lines, got $(wc -l <"$dir/run.out")"
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "decode did not exit 0"

python3 - "$dir/run.out" "$ut" "$sc" "$big" <<'PY'
import json, sys
path, ut, sc, big = sys.argv[1:]
rows = [json.loads(l) for l in open(path)]
def new_of(table):
    return [r["new"] for r in rows if r["table"] == table]
u = new_of(ut)
want = {"id": 1, "m": "very happy", "ms": ["sad", "very happy", None], "p": 6, "pa": [1, 2], "amt": "12.50",
        "pr": "(1,\"x y\")", "prs": ["(1,a)", "(2,\"b c\")"], "dm": ["happy"]}
assert u[0] == want, u[0]
assert u[1] == {"id": 2, "m": None, "ms": None, "p": None, "pa": None, "amt": None, "pr": None, "prs": None, "dm": None}, u[1]
# Typed exactly, not as strings: the domain over int4 is a JSON number.
line = open(path).readline()
assert '"id":1,' in line and '"p":6,' in line and '"pa":[1,2]' in line, line
s = new_of(sc)
assert s == [{"id": 1, "a": "x"}, {"id": 2, "a": "y", "c": 20}, {"id": 3, "c": 30}, {"id": 1, "c": 9}], s
b = [r for r in rows if r["table"] == big]
assert len(b) == 6000 and len({r["xid"] for r in b}) == 1, len(b)
assert all(r["new"] == {"id": i + 1, "pad": "p" * 50} for i, r in enumerate(b[:3000]))
assert all(r["new"] == {"id": 3001 + i, "pad": "q", "extra": (3001 + i) * 2} for i, r in enumerate(b[3000:])), b[3000]
print("types and schema changes ok")
PY
# The large transaction really went through the streaming path.
streamed=$(q "SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = '$slot'")
[ "${streamed:-0}" -ge 1 ] || fail "the large transaction was not streamed (stream_txns=$streamed)"
echo ok
