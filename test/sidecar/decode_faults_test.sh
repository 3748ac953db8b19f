#!/bin/bash
# End to end through a fault-injecting proxy (fault_proxy.py): a malformed
# pgoutput frame (protocol error) and a connection cut, both in the middle of
# a transaction, lead to a reconnect from the position decode has written
# (the server's confirmed position lags: the status interval is a minute);
# the relation cache and the partial transaction are discarded and every row
# is printed exactly once. Then a server that stops answering: SIGTERM gives
# up draining after a bounded wait, and a second SIGTERM at once.
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

# A stalled server: after the marked row nothing reaches decode any more.
python3 "$here/fault_proxy.py" "$host" "${PGPORT:-5432}" "$dir/port2" STALL-HERE stall stall 2>"$dir/proxy2.err" &
wait_until 10 test -s "$dir/port2" || fail "second proxy did not start"
conninfo="host=127.0.0.1 port=$(cat "$dir/port2") sslmode=disable gssencmode=disable options='-c logical_decoding_work_mem=64kB'"
q "INSERT INTO $tbl VALUES (4, 'STALL-HERE')"
# One SIGTERM: the drain waits at most max(status interval, 5 s).
start_decode stall1 --confirm --status-interval 1
stalls() { [ "$(grep -c 'fault_proxy: stall' "$dir/proxy2.err")" -ge "$1" ]; }
wait_until 10 stalls 1 || fail "stall not injected"
t0=$SECONDS
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "stalled decode did not exit 0 after SIGTERM"
[ $((SECONDS - t0)) -le 9 ] || fail "drain of a stalled server took $((SECONDS - t0)) s"
grep -q 'timed out waiting for the server' "$dir/stall1.err" || fail "no drain timeout logged"
# Two SIGTERMs with an hour-long status interval: the second one ends the drain.
start_decode stall2 --confirm --status-interval 3600
wait_until 10 stalls 2 || fail "second stall not injected"
t0=$SECONDS
kill -TERM "$decode_pid"; sleep 1; kill -TERM "$decode_pid" 2>/dev/null || true
wait "$decode_pid" || fail "decode did not exit 0 after two SIGTERMs"
[ $((SECONDS - t0)) -le 4 ] || fail "second SIGTERM did not cut the drain short ($((SECONDS - t0)) s)"
grep -q 'end of stream: interrupted' "$dir/stall2.err" || fail "interrupted drain not logged"
[ ! -s "$dir/stall1.out" ] && [ ! -s "$dir/stall2.out" ] || fail "lines printed past the stall"
echo ok
