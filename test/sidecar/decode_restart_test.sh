#!/bin/bash
# End to end: PostgreSQL restarted under a running `decode --confirm`, once
# cleanly (-m fast) and once as a crash (-m immediate, so the slot's
# confirmed_flush_lsn may fall back to its last checkpointed value). decode
# keeps retrying while the server is down, resumes from what it has written
# and prints every row exactly once. Restarts the cluster of the PG*
# environment, so it needs pg_ctlcluster (pg_virtualenv provides it).
set -euo pipefail
E2E_NAME=restart
. "$(dirname "$0")/e2e_lib.sh"
command -v pg_ctlcluster >/dev/null && command -v pg_lsclusters >/dev/null \
  || { echo "pg_ctlcluster not available, skipping"; exit 77; }
read -r version cluster datadir < <(pg_lsclusters -h | awk -v port="${PGPORT:-5432}" '$3 == port {print $1, $2, $6; exit}') || true
[ -n "${cluster:-}" ] || { echo "no pg_ctlcluster cluster on port ${PGPORT:-5432}, skipping:"; pg_lsclusters -h; exit 77; }
tbl="t_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $tbl")
q "CREATE TABLE $tbl (id int PRIMARY KEY, pad text)"
make_slot "$tbl"

start_decode run --confirm --status-interval 1 --reconnect-initial-ms 200 --reconnect-max-ms 1000
wait_until 10 streaming || fail "decode did not start streaming"
next=1
batch() {  # N single-row transactions and one of 3000 rows (streamed)
  local i
  {
    for i in $(seq "$1"); do echo "INSERT INTO $tbl VALUES ($((next + i - 1)), 'r');"; done
    echo "INSERT INTO $tbl SELECT g, repeat('s', 40) FROM generate_series($((next + $1)), $((next + $1 + 2999))) g;"
  } | psql -X -q -v ON_ERROR_STOP=1 >/dev/null || fail "workload failed"
  next=$((next + $1 + 3000))
}
server_down() { ! pg_isready -q && ! [ -e "$datadir/postmaster.pid" ]; }
for mode in fast immediate; do
  batch 50
  # Right after the writes: decode is usually still receiving them.
  pg_ctlcluster "$version" "$cluster" stop -m "$mode" >"$dir/ctl.err" 2>&1 || { cat "$dir/ctl.err"; fail "stop -m $mode failed"; }
  # Down for a while: decode keeps retrying with back-off meanwhile.
  wait_until 20 server_down || fail "server still up after stop -m $mode"
  sleep 1.5
  pg_ctlcluster "$version" "$cluster" start >"$dir/ctl.err" 2>&1 || { cat "$dir/ctl.err"; fail "start after -m $mode failed"; }
  wait_until 30 streaming || fail "decode did not reconnect after restart -m $mode"
  echo "restart -m $mode: reconnected"
done
batch 50
done_at=$(q "SELECT pg_current_wal_lsn()")
wait_until 60 caught_up "$done_at" || fail "decode did not catch up with $done_at"
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "decode did not exit 0"
[ "$(grep -c 'reconnecting in' "$dir/run.err")" -ge 4 ] || fail "expected reconnects, also while the server was down"
q "SELECT id FROM $tbl" >"$dir/ids"
python3 "$here/e2e_check.py" sessions "$dir/ids" "$dir/run.out" || fail "check failed"
echo ok
