#!/bin/bash
# syncbridged run: backfill of 20,000 rows that exist before the sync does,
# while a live workload updates, deletes and inserts rows of the same table,
# with a kill -9 of the daemon in the middle of the backfill.
#
# The backfill must resume after the last recorded chunk (rows_done never
# goes back to 0; the log says it resumed), the interrupted run must end
# 'failed' and a new backfill run 'succeeded', status must show the
# backfill finished, the list must equal the table field by field
# (push_check.py), and the number of item creates the emulator answered
# must stay close to 20,000 + the rows inserted live (no wholesale
# re-creation after the restart).
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=backfill
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }
seed=${PUSH_SEED:-20261124}
echo "seed $seed (PUSH_SEED)"
existing=20000

# item_creates: item creates the emulator answered with 201 so far
# (direct and inside $batch: the stats count both on the items route).
item_creates() {
  emulator_stats | python3 -c '
import json, sys
stats = json.load(sys.stdin)["requests"]
print(sum(by_status.get("201", 0) for route, by_status in stats.items()
          if route.startswith("POST ") and route.endswith("/lists/{list}/items")))'
}

q "CREATE TABLE items (item_id integer PRIMARY KEY, grp text NOT NULL, qty integer, price numeric(12,2),
                       active boolean, seen timestamptz, note text)"
q "INSERT INTO items
   SELECT i, 'g' || (i % 7), (i * 37) % 1000, (i % 500) + 0.25, i % 3 = 0,
          timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute',
          CASE WHEN i % 11 = 0 THEN NULL ELSE 'row ' || i || ' ' || repeat('b', i % 40) END
     FROM generate_series(1, $existing) i"
q "ANALYZE items"  # the backfill's estimate comes from reltuples
q "SELECT syncbridge.create_sync('items', 'items', '$connection', '{\"list\": \"Items\"}')" >/dev/null
[ "$(q "SELECT count(*) FROM syncbridge.run r JOIN syncbridge.sync s USING (sync_id)
         WHERE s.name = 'items' AND r.kind = 'backfill' AND r.status = 'requested'")" = 1 ] \
  || fail "create_sync did not request a backfill run"

# live_workload SEED: transactions that update rows anywhere in the key
# range (ahead of and behind the backfill's position), delete some and
# insert new keys above $existing (a few deleted keys come back), with a
# short sleep between transactions so that they spread over the backfill.
# Prints the SQL; the number of INSERTs goes to $dir/inserted.
live_workload() {
  python3 - "$1" "$existing" "$dir/inserted" <<'PY'
import random, sys
rnd = random.Random(int(sys.argv[1]))
existing = int(sys.argv[2])
live = set(range(1, existing + 1))
dead, next_id, inserts = [], existing + 1, 0
print("SET synchronous_commit = on;")
for t in range(400):
    print("BEGIN;")
    for _ in range(rnd.choice([1, 2, 5, 10, 20])):
        r = rnd.random()
        if r < 0.3:
            if dead and rnd.random() < 0.2:
                key = dead.pop(rnd.randrange(len(dead)))
            else:
                key, next_id = next_id, next_id + 1
            print(f"INSERT INTO items VALUES ({key}, 'live', {rnd.randint(0, 9999)}, {rnd.randint(0, 10**6)}.5, "
                  f"{rnd.choice(['true', 'false', 'NULL'])}, now(), 'inserted live {rnd.random():.6f}');")
            live.add(key)
            inserts += 1
        elif r < 0.85:
            key = rnd.choice(sorted(live)) if rnd.random() < 0.1 else rnd.randint(1, existing)
            if key not in live:
                continue
            print(f"UPDATE items SET qty = {rnd.randint(-500, 500)}, note = 'updated {t} {rnd.random():.6f}', "
                  f"active = {rnd.choice(['true', 'false', 'NULL'])} WHERE item_id = {key};")
        else:
            key = rnd.randint(1, existing)
            if key not in live:
                continue
            print(f"DELETE FROM items WHERE item_id = {key};")
            live.discard(key)
            dead.append(key)
    print("COMMIT;")
    print("SELECT pg_sleep(0.05);")
open(sys.argv[3], "w").write(str(inserts))
PY
}
live_workload "$seed" >"$dir/live.sql"
inserted=$(cat "$dir/inserted")

start_run
provision_sync items
psql -X -q -v ON_ERROR_STOP=1 -f "$dir/live.sql" >"$dir/live.out" 2>"$dir/live.err" &
live_pid=$!

# Kill the daemon once the backfill has recorded some chunks, well before the end.
backfill_done() { q "SELECT coalesce((SELECT rows_done FROM syncbridge.backfill b JOIN syncbridge.sync s USING (sync_id)
                                       WHERE s.name = 'items'), -1)"; }
deadline=$((SECONDS + 90))
while :; do
  done_now=$(backfill_done)
  [ "$done_now" -ge 3000 ] && break
  kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited during the backfill"
  [ "$SECONDS" -ge "$deadline" ] && fail "the backfill recorded only $done_now rows in 90 s"
  sleep 0.05
done
kill -0 "$live_pid" 2>/dev/null || fail "the live workload ended before the kill: it must overlap the backfill"
kill9_run
done_at_kill=$(backfill_done)
interrupted=$(q "SELECT b.run_id FROM syncbridge.backfill b JOIN syncbridge.sync s USING (sync_id) WHERE s.name = 'items'")
[ -z "$(q "SELECT finished_at FROM syncbridge.backfill WHERE run_id = $interrupted")" ] \
  || fail "the backfill had already finished when the daemon was killed ($done_at_kill rows): nothing to resume"
echo "killed the daemon with $done_at_kill rows of the backfill recorded (run $interrupted)"

start_run
restarted_at=$SECONDS
# Every reading from now on must be at least what was recorded: a backfill
# that starts again from the first key resets rows_done to 0.
lowest=$done_at_kill
deadline=$((SECONDS + 150))
while :; do
  row=$(q "SELECT rows_done, finished_at IS NOT NULL FROM syncbridge.backfill b JOIN syncbridge.sync s USING (sync_id)
            WHERE s.name = 'items'")
  [ "${row%|*}" -lt "$lowest" ] && lowest=${row%|*}
  [ "${row#*|}" = t ] && break
  kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited during the resumed backfill"
  [ "$SECONDS" -ge "$deadline" ] && fail "the backfill did not finish within 150 s of the restart (rows_done ${row%|*})"
  sleep 0.05
done
if kill -0 "$live_pid" 2>/dev/null; then live_state="still running"; else live_state="done"; fi
echo "backfill finished $((SECONDS - restarted_at)) s after the restart; the live workload was $live_state"
[ "$lowest" -ge "$done_at_kill" ] \
  || fail "rows_done went back from $done_at_kill to $lowest after the restart: the backfill started over"
grep -q '"backfill resumes after the last recorded chunk"' "$dir/run.2.err" \
  || fail "the restarted daemon did not say it resumed the backfill"

wait "$live_pid" || fail "the live workload failed: $(tail -5 "$dir/live.err")"
wait_synced 120

# Runs: the interrupted one failed, exactly one later backfill run succeeded.
runs=$(q "SELECT string_agg(r.run_id || ':' || r.status, ' ' ORDER BY r.run_id) FROM syncbridge.run r
            JOIN syncbridge.sync s USING (sync_id) WHERE s.name = 'items' AND r.kind = 'backfill'")
echo "backfill runs: $runs"
[ "$(q "SELECT status FROM syncbridge.run WHERE run_id = $interrupted")" = failed ] \
  || fail "the interrupted backfill run $interrupted is not 'failed' ($runs)"
[ "$(q "SELECT count(*) FROM syncbridge.run r JOIN syncbridge.sync s USING (sync_id)
         WHERE s.name = 'items' AND r.kind = 'backfill' AND r.status = 'succeeded' AND r.run_id > $interrupted")" = 1 ] \
  || fail "want exactly one succeeded backfill run after run $interrupted ($runs)"
[ "$(q "SELECT count(*) FROM syncbridge.run r JOIN syncbridge.sync s USING (sync_id)
         WHERE s.name = 'items' AND r.kind = 'backfill' AND r.status NOT IN ('succeeded', 'failed')")" = 0 ] \
  || fail "a backfill run is still open ($runs)"

status=$(q "SELECT backfill_state, backfill_rows_done, backfill_rows_estimate FROM syncbridge.status WHERE sync = 'items'")
echo "status backfill_state|rows_done|estimate: $status"
[ "${status%%|*}" = finished ] || fail "syncbridge.status shows backfill_state '${status%%|*}', want finished"

push_check --sync items || fail "the list differs from the table"

creates=$(item_creates)
bound=$((existing + inserted + 1000))
echo "$(q "SELECT count(*) FROM items") rows; $inserted rows inserted live; $creates item creates (bound $bound)"
[ "$creates" -le "$bound" ] || fail "$creates item creates for $existing + $inserted rows: items were created again"
stop_run
echo ok
