#!/bin/bash
# End to end through a fault-injecting proxy (fault_proxy.py): a malformed
# pgoutput frame (protocol error) and a connection cut, both in the middle of
# a transaction, lead to a reconnect from the position decode has written
# (the server's confirmed position lags: the status interval is a minute);
# the relation cache and the partial transaction are discarded and every row
# is printed exactly once.
set -euo pipefail
E2E_NAME=faults
. "$(dirname "$0")/e2e_lib.sh"
tbl="t_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $tbl")
q "CREATE TABLE $tbl (id int PRIMARY KEY, v text)"
make_slot "$tbl"

host=${PGHOST:-localhost}
case "$host" in /*) ;; *) host=$(getent hosts "$host" | awk '{print $1; exit}'); host=${host:-127.0.0.1} ;; esac
# The row with the marker: first seen corrupted, then the connection is cut
# just before it, then it passes.
python3 "$here/fault_proxy.py" "$host" "${PGPORT:-5432}" "$dir/port" FAULT-HERE corrupt drop 2>"$dir/proxy.err" &
bg_pids+=("$!")
wait_until 10 test -s "$dir/port" || fail "proxy did not start"
conninfo="host=127.0.0.1 port=$(cat "$dir/port") sslmode=disable gssencmode=disable $conninfo"

q "INSERT INTO $tbl VALUES (0, 'before')"
start_decode run --confirm --status-interval 60 --reconnect-initial-ms 200 --reconnect-max-ms 400
wait_until 10 lines_at_least "$dir/run.out" 1 || fail "row 0 not printed"
q "BEGIN; INSERT INTO $tbl VALUES (1, 'a'); INSERT INTO $tbl VALUES (2, 'FAULT-HERE'); INSERT INTO $tbl VALUES (3, 'c'); COMMIT"
wait_until 20 lines_at_least "$dir/run.out" 4 || fail "rows 1..3 not printed after the faults"
sleep 0.5
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "decode did not exit 0"
# The final status update confirms everything printed.
lsn_ge "$(confirmed)" "$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["end_lsn"])' "$dir/run.out")" \
  || fail "final status update did not confirm the last transaction"

grep -q "insert without N tuple" "$dir/run.err" || fail "no protocol error logged"
grep -q '"msg":"pgoutput: insert without N tuple.*reconnecting in' "$dir/run.err" || fail "protocol error did not reconnect"
[ "$(grep -c 'reconnecting in' "$dir/run.err")" -ge 2 ] || fail "expected two reconnects"
[ "$(grep -c 'fault_proxy: corrupt' "$dir/proxy.err")" = 1 ] || fail "corrupt fault not injected"
[ "$(grep -c 'fault_proxy: drop' "$dir/proxy.err")" = 1 ] || fail "drop fault not injected"
python3 - "$dir/run.out" <<'PY' || fail "rows not printed exactly once"
import json, sys
ids = [json.loads(l)["key"]["id"] for l in open(sys.argv[1])]
assert ids == [0, 1, 2, 3], ids
PY
echo ok
