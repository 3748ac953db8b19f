#!/bin/bash
# End to end (c): the walsender is terminated three times while a workload
# runs; decode reconnects with back-off, resumes from the confirmed position,
# loses no transaction and prints none twice; it still ends cleanly.
set -euo pipefail
E2E_NAME=reconnect
. "$(dirname "$0")/e2e_lib.sh"
tbl="t_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $tbl")
q "CREATE TABLE $tbl (id int PRIMARY KEY, pad text)"
make_slot "$tbl"

start_decode run --confirm --status-interval 1 --reconnect-initial-ms 2000 --reconnect-max-ms 4000
wait_until 10 streaming || fail "decode did not start streaming"
workload "$tbl" 600 11
marks=()
for i in 1 2 3; do
  sleep 1.2
  pid=$(walsender_pid)
  [ -n "$pid" ] || fail "no walsender before termination $i"
  q "SELECT pg_terminate_backend($pid)" >/dev/null
  # Between the old walsender's exit and the reconnect (>= 1 s later)
  # decode prints nothing: the line count and the confirmed position then
  # mark where the next session starts.
  wait_until 5 not_streaming || fail "terminated walsender still active"
  marks+=("$(wc -l <"$dir/run.out"):$(confirmed)")
  wait_until 20 streaming || fail "decode did not reconnect after termination $i"
done
wait "$workload_pid" || fail "workload failed"
done_at=$(q "SELECT pg_current_wal_lsn()")
wait_until 60 caught_up "$done_at" || fail "decode did not catch up with $done_at after reconnecting"
kill -TERM "$decode_pid"; rc=0; wait "$decode_pid" || rc=$?
[ "$rc" = 0 ] || fail "exit $rc after SIGTERM"
[ "$(grep -c 'reconnecting in' "$dir/run.err")" -ge 3 ] || fail "expected three reconnects in the log"
q "SELECT id FROM $tbl" >"$dir/ids"
python3 "$here/e2e_check.py" sessions "$dir/ids" "$dir/run.out" "${marks[@]}" || fail "check failed"
echo ok
