#!/bin/bash
# End to end: syncbridged decode against a live cluster (PG* environment).
# Checks the JSON lines, --confirm advancing confirmed_flush_lsn (also when only
# unrelated tables are written), and a clean exit on SIGTERM.
set -euo pipefail
bin=$1
psql -X -qAt -c 'SELECT 1' >/dev/null 2>&1 || { echo "no database reachable, skipping"; exit 77; }
sfx="e2e_$$_$RANDOM"
tbl="sb_$sfx"; other="sb_other_$sfx"; pub="pub_$sfx"; slot="slot_$sfx"
dir=$(mktemp -d)
pid=
q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  q "SELECT pg_drop_replication_slot('$slot') FROM pg_replication_slots WHERE slot_name = '$slot'" >/dev/null || true
  q "DROP PUBLICATION IF EXISTS $pub; DROP TABLE IF EXISTS $tbl, $other" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

q "CREATE TABLE $tbl (id int8 PRIMARY KEY, n numeric, t text, ts timestamptz, arr int4[])"
q "CREATE TABLE $other (id int)"
q "CREATE PUBLICATION $pub FOR TABLE $tbl"
q "SELECT 1 FROM pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
"$bin" check --conninfo "" --slot "$slot" --publication "$pub" >"$dir/check" || { echo "check failed"; cat "$dir/check"; exit 1; }
if "$bin" check --conninfo "" --slot "nope_$sfx" --publication "$pub" >"$dir/check2"; then echo "check passed for a missing slot"; exit 1; fi
grep -q "FAIL slot nope_$sfx exists" "$dir/check2" || { cat "$dir/check2"; exit 1; }
q "INSERT INTO $tbl VALUES (1, 12345678901234567890123456789012.5, 'a', '2026-11-22 07:30:00+00', '{1,2}')"
q "UPDATE $tbl SET t = 'b' WHERE id = 1"
q "DELETE FROM $tbl WHERE id = 1"

"$bin" decode --conninfo "" --slot "$slot" --publication "$pub" --confirm --status-interval 1 \
  >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 50); do [ "$(wc -l <"$dir/out")" -ge 3 ] && break; sleep 0.1; done
[ "$(wc -l <"$dir/out")" -eq 3 ] || { echo "expected 3 lines"; cat "$dir/out" "$dir/err"; exit 1; }
grep -q "\"table\":\"$tbl\",\"op\":\"insert\",\"key\":{\"id\":1},\"new\":{\"id\":1,\"n\":\"12345678901234567890123456789012.5\",\"t\":\"a\",\"ts\":\"2026-11-22T07:30:00Z\",\"arr\":\[1,2\]}" "$dir/out" \
  || { echo "bad insert line"; cat "$dir/out"; exit 1; }
grep -q '"op":"delete"' "$dir/out" || { echo "no delete"; exit 1; }

# Only an unrelated table is written: the idle slot must keep pace with the server.
q "INSERT INTO $other SELECT generate_series(1, 1000)"
target=$(q "SELECT pg_current_wal_lsn()")
ok=
for _ in $(seq 60); do
  if [ "$(q "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ]; then ok=1; break; fi
  q "SELECT pg_switch_wal() IS NULL" >/dev/null 2>&1 || true
  sleep 0.2
done
[ -n "$ok" ] || { echo "confirmed_flush_lsn did not reach $target"; q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name='$slot'"; exit 1; }

kill -TERM "$pid"
wait "$pid" || { echo "decode did not exit cleanly"; cat "$dir/err"; exit 1; }
pid=
[ "$(wc -l <"$dir/out")" -eq 3 ] || { echo "extra output"; exit 1; }

# kill -9 after confirmation, restart: nothing confirmed is printed again, new work appears once.
q "INSERT INTO $tbl VALUES (10, 1, 'k', now(), NULL)"
"$bin" decode --conninfo "" --slot "$slot" --publication "$pub" --confirm --status-interval 1 >"$dir/k1" 2>/dev/null &
pid=$!
target=$(q "SELECT pg_current_wal_lsn()")
for _ in $(seq 60); do
  [ "$(q "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ] && break
  sleep 0.2
done
kill -KILL "$pid"; wait "$pid" 2>/dev/null || true; pid=
grep -q '"id":10' "$dir/k1" || { echo "row 10 not printed before kill"; exit 1; }
q "INSERT INTO $tbl VALUES (11, 1, 'k', now(), NULL)"
timeout 3 "$bin" decode --conninfo "" --slot "$slot" --publication "$pub" --confirm --status-interval 1 >"$dir/k2" 2>/dev/null || true
if grep -q '"id":10' "$dir/k2"; then echo "confirmed row 10 printed twice"; exit 1; fi
[ "$(grep -c '"id":11' "$dir/k2")" = 1 ] || { echo "row 11 not printed exactly once"; cat "$dir/k2"; exit 1; }

# Without --confirm the slot does not move.
before=$(q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
q "INSERT INTO $tbl VALUES (2, 1, 'c', now(), NULL)"
timeout 3 "$bin" decode --conninfo "" --slot "$slot" --publication "$pub" --status-interval 1 >"$dir/out2" 2>/dev/null || true
grep -q '"id":2' "$dir/out2" || { echo "no line without --confirm"; exit 1; }
after=$(q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'")
[ "$before" = "$after" ] || { echo "slot moved without --confirm: $before -> $after"; exit 1; }
echo ok
