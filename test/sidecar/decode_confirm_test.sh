#!/bin/bash
# End to end, --confirm semantics:
#  (a) with only unpublished tables written, confirmed_flush_lsn keeps pace with
#      the server (idle slots release WAL) within a few status intervals;
#  (d) SIGINT and SIGTERM end cleanly: exit 0, and the final status update
#      confirms what was printed although the status interval is an hour;
#  reply-requested keepalives are answered at once (wal_sender_timeout 2 s);
#  without --confirm the slot never moves; flags also come from SYNCBRIDGE_*.
set -euo pipefail
E2E_NAME=confirm
. "$(dirname "$0")/e2e_lib.sh"
tbl="t_$sfx"; other="o_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $tbl, $other")
q "CREATE TABLE $tbl (id int PRIMARY KEY, v text)"
q "CREATE TABLE $other (id int, pad text)"
make_slot "$tbl"

# (a) Only the unpublished table is written, for about 6 s.
start_decode idle --confirm --status-interval 1
wait_until 10 streaming || fail "decode did not start streaming"
samples=()
for i in $(seq 30); do
  q "INSERT INTO $other SELECT g, repeat('x', 200) FROM generate_series(1, 500) g"
  [ $((i % 5)) = 0 ] && samples+=("$(confirmed)")
  sleep 0.2
done
target=$(q "SELECT pg_current_wal_lsn()")
# A few status intervals (1 s each), with slack for a loaded machine.
wait_until 6 caught_up "$target" || fail "confirmed_flush_lsn $(confirmed) did not reach $target within 6 s"
distinct=$(printf '%s\n' "${samples[@]}" | sort -u | wc -l)
[ "$distinct" -ge 4 ] || fail "confirmed_flush_lsn did not keep moving while writing: ${samples[*]}"
lag=$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots WHERE slot_name = '$slot'")
echo "idle slot: confirmed samples ${samples[*]}, caught up with $target; restart_lsn lag $lag bytes"
[ -s "$dir/idle.out" ] && fail "lines printed for an unpublished table"
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "idle decode did not exit 0"

# (d) SIGINT, then SIGTERM: the final status update confirms the printed transaction.
n=0
for sig in INT TERM; do
  n=$((n + 1))
  q "INSERT INTO $tbl VALUES ($n, '$sig')"
  # SIGTERM's run takes --confirm and the interval from the environment.
  if [ "$sig" = INT ]; then start_decode "sig$sig" --confirm --status-interval 3600
  else SYNCBRIDGE_CONFIRM=1 SYNCBRIDGE_STATUS_INTERVAL=3600 start_decode "sig$sig"; fi
  wait_until 10 lines_at_least "$dir/sig$sig.out" 1 || fail "no line before SIG$sig"
  end=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["end_lsn"])' "$dir/sig$sig.out")
  before=$(confirmed)
  lsn_ge "$before" "$end" && fail "already confirmed before SIG$sig (status interval is 3600 s)"
  kill -"$sig" "$decode_pid"
  rc=0; wait "$decode_pid" || rc=$?
  [ "$rc" = 0 ] || fail "exit $rc after SIG$sig"
  lsn_ge "$(confirmed)" "$end" || fail "final status update missing after SIG$sig: $(confirmed) < $end"
  [ -z "$(walsender_pid)" ] || fail "walsender still active after SIG$sig"
  grep -q '"level":"error"' "$dir/sig$sig.err" && fail "errors logged on SIG$sig"
  [ "$(wc -l <"$dir/sig$sig.out")" = 1 ] || fail "SIG$sig: expected exactly one line"
  echo "SIG$sig: exit 0, confirmed $end"
done

# Reply-requested keepalives are answered at once: with wal_sender_timeout at
# 2 s the walsender asks every second and drops a client that stays silent
# for 2 s, while decode's own status interval is an hour. The replies carry
# the latest position, so the idle slot still moves.
conninfo_saved=$conninfo
conninfo="options='-c logical_decoding_work_mem=64kB -c wal_sender_timeout=2s'"
start_decode keepalive --confirm --status-interval 3600
wait_until 10 streaming || fail "decode did not start streaming"
first_pid=$(walsender_pid)
q "INSERT INTO $other SELECT g, 'k' FROM generate_series(1, 1000) g"
target=$(q "SELECT pg_current_wal_lsn()")
sleep 6
[ "$(walsender_pid)" = "$first_pid" ] || fail "walsender timed out: keepalives were not answered"
grep -q "reconnecting" "$dir/keepalive.err" && fail "decode had to reconnect"
caught_up "$target" || fail "keepalive replies did not carry the latest position"
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "keepalive run did not exit 0"
conninfo=$conninfo_saved
echo "keepalives answered: same walsender for 6 s with wal_sender_timeout=2s"

# Without --confirm the slot does not move, even with a status update every second.
before=$(confirmed)
q "INSERT INTO $tbl VALUES (-1, 'nc')"
q "INSERT INTO $other VALUES (1, 'x')"
# Every flag from the environment this time.
SYNCBRIDGE_CONNINFO="$conninfo" SYNCBRIDGE_SLOT="$slot" SYNCBRIDGE_PUBLICATION="$pub" SYNCBRIDGE_START=0/0 \
  SYNCBRIDGE_STATUS_INTERVAL=1 SYNCBRIDGE_STREAM_SPILL_BYTES=2048 SYNCBRIDGE_SPILL_DIR="$dir" \
  SYNCBRIDGE_RECONNECT_INITIAL_MS=100 SYNCBRIDGE_RECONNECT_MAX_MS=200 SYNCBRIDGE_RECONNECT_ATTEMPTS=3 \
  "$bin" decode >"$dir/noconfirm.out" 2>"$dir/noconfirm.err" &
decode_pid=$!
wait_until 10 lines_at_least "$dir/noconfirm.out" 1 || fail "no line without --confirm"
sleep 2.5
kill -TERM "$decode_pid"; wait "$decode_pid" || fail "decode without --confirm did not exit 0"
[ "$(confirmed)" = "$before" ] || fail "slot moved without --confirm: $before -> $(confirmed)"
echo ok
