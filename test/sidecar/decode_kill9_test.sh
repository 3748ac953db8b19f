#!/bin/bash
# End to end (b): kill -9 of `decode --confirm` in the middle of a workload
# (small transactions, streamed ones of 3000 rows, rolled-back savepoints),
# then a restart: every committed row appears, nothing confirmed is printed
# again, and only transactions after the last confirmed one are repeated.
set -euo pipefail
E2E_NAME=kill9
. "$(dirname "$0")/e2e_lib.sh"
tbl="t_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $tbl")
q "CREATE TABLE $tbl (id int PRIMARY KEY, pad text)"
make_slot "$tbl"

start_decode run1 --confirm --status-interval 1
workload "$tbl" 300 7
sleep 2.5
kill -KILL "$decode_pid"; wait "$decode_pid" 2>/dev/null || true
# The final confirmed position is known once the old walsender has gone.
wait_until 20 not_streaming || fail "walsender of the killed decode did not exit"
killed_at=$(confirmed)
wait "$workload_pid" || fail "workload failed"
done_at=$(q "SELECT pg_current_wal_lsn()")

start_decode run2 --confirm --status-interval 1
wait_until 60 caught_up "$done_at" || fail "run 2 did not catch up with $done_at"
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "run 2 did not exit 0"
q "SELECT id FROM $tbl" >"$dir/ids"
python3 "$here/e2e_check.py" kill9 "$dir/ids" "$dir/run1.out" "$killed_at" "$dir/run2.out" || fail "check failed"
echo ok
