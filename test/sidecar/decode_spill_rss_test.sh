#!/bin/bash
# End to end: a streamed transaction of 200,000 rows (logical_decoding_work_mem
# = 64kB on the walsender) is held in a spill file, so decode's peak RSS stays
# flat: within 8 MiB of a 20,000-row transaction's. The same 200,000 rows with
# spilling disabled show that the measurement does see pending lines in memory.
set -euo pipefail
E2E_NAME=spill
. "$(dirname "$0")/e2e_lib.sh"
small="s_$sfx"; big="b_$sfx"
cleanup_sql+=("DROP TABLE IF EXISTS $small, $big" "DROP PUBLICATION IF EXISTS ${pub}_small")
q "CREATE TABLE $small (id int PRIMARY KEY, pad text)"
q "CREATE TABLE $big (id int PRIMARY KEY, pad text)"
make_slot "$big"
q "CREATE PUBLICATION ${pub}_small FOR TABLE $small"
q "INSERT INTO $small SELECT g, repeat('s', 100) FROM generate_series(1, 20000) g"
q "INSERT INTO $big SELECT g, repeat('b', 100) FROM generate_series(1, 200000) g"

# peak_rss NAME ROWS [flags...]: decodes the slot (without --confirm, so every
# run sees the same transactions) until ROWS lines; VmHWM in kB goes to $peak_kb.
peak_rss() {
  local name=$1 rows=$2 hwm=0; shift 2
  start_decode "$name" --status-interval 1 "$@"
  local deadline=$((SECONDS + 120))
  until lines_at_least "$dir/$name.out" "$rows"; do
    [ "$SECONDS" -ge "$deadline" ] && fail "$name: only $(wc -l <"$dir/$name.out") of $rows lines"
    kill -0 "$decode_pid" 2>/dev/null || fail "$name: decode exited"
    sleep 0.2
  done
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$decode_pid/status")
  kill -TERM "$decode_pid"; wait "$decode_pid" || fail "$name: exit status"
  [ "$(wc -l <"$dir/$name.out")" = "$rows" ] || fail "$name: expected exactly $rows lines"
  rm -f "$dir/$name.out"
  peak_kb=$hwm
}

decode_pub="${pub}_small" peak_rss small 20000; small_kb=$peak_kb
peak_rss big 200000; big_kb=$peak_kb
peak_rss nospill 200000 --stream-spill-bytes 17179869184; nospill_kb=$peak_kb
streamed=$(q "SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = '$slot'")
echo "peak RSS (VmHWM): 20k-row transaction ${small_kb} kB, 200k-row streamed transaction ${big_kb} kB" \
     "(spill at 4 MiB), same without spilling ${nospill_kb} kB; stream_txns=${streamed}"
[ "${streamed:-0}" -ge 1 ] || fail "the 200k-row transaction was not streamed"
[ "$big_kb" -le $((small_kb + 8192)) ] || fail "peak RSS grew with transaction size: ${small_kb} kB -> ${big_kb} kB"
[ "$nospill_kb" -ge $((big_kb + 16384)) ] || fail "without spilling the peak should be far higher (${nospill_kb} kB)"
echo ok
