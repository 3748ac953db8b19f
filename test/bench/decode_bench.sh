#!/usr/bin/env bash
# Benchmark (not a test) of `syncbridged decode`.
#  1. Throughput: one slot holds CHANGES changes (mixed types, 1% wide TOASTed
#     rows; inserts, updates, deletes in 100,000-change transactions). Copies of
#     the slot (pg_copy_logical_replication_slot, so all start at the same LSN)
#     are read to the same end by `syncbridged decode > /dev/null` and, as the
#     baseline, by `pg_recvlogical --start -o proto_version=2 -o
#     publication_names=... --endpos=END -f /dev/null`. Prints changes/s of
#     both and the ratio (best of ROUNDS runs each, alternating), and each
#     client's own CPU time (the walsender's decoding dominates the wall time).
#  2. Memory: peak RSS (GNU time) of decode while a single CHANGES-row
#     transaction streams (logical_decoding_work_mem=64kB for that database).
# decode has no end position: it is stopped once its output has exactly the
# expected number of lines, which it writes into a pipe to `head -n`.
# Run it inside a cluster, e.g.:
#   pg_virtualenv -t -o wal_level=logical -o max_replication_slots=20 -o max_wal_senders=20 \
#     test/bench/decode_bench.sh build/cmake/sidecar/syncbridged [CHANGES] [ROUNDS]
set -euo pipefail
bin=$(realpath "$1")
changes=${2:-1000000}
rounds=${3:-3}
[ $((changes % 10)) -eq 0 ] || { echo "CHANGES must be a multiple of 10" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (Debian package time)" >&2; exit 2; }
db="sb_decode_bench_$$"
db2="sb_decode_bench_rss_$$"
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for d in "$db" "$db2"; do
    psql -X -qAt -d "$d" -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                            WHERE database = current_database()" >/dev/null 2>&1 || true
    dropdb --if-exists "$d" 2>/dev/null || true
  done
  rm -rf "$dir"
}
trap cleanup EXIT
createdb "$db"
createdb "$db2"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

schema="SET client_min_messages = warning;
CREATE TABLE bench (id int8 PRIMARY KEY, qty int4, price numeric(20,6), title text, seen timestamptz,
                    tags text[], attrs jsonb, ok bool, score float8, big text);
ALTER TABLE bench ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE PUBLICATION bench_pub FOR TABLE bench;"
# One row of mixed types; every 100th carries 4 kB of text stored out of line.
row="g, g % 1000, (g % 100000) / 7.0, 'title ' || g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
     ARRAY['a', 'b' || (g % 7)], jsonb_build_object('g', g, 'k', 'v' || (g % 13)), g % 2 = 0, g / 3.0,
     CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 128) END"

# --- 1. throughput --------------------------------------------------------
q -d "$db" -c "$schema"
q -d "$db" -c "SELECT 1 FROM pg_create_logical_replication_slot('bench_src', 'pgoutput')" >/dev/null
# 60% inserts, 30% updates (the wide value stays unchanged TOAST), 10% deletes,
# 100,000 changes per transaction.
ins=$((changes * 6 / 10)); upd=$((changes * 3 / 10)); del=$((changes / 10)); batch=100000
for ((s = 1; s <= ins; s += batch)); do
  e=$((s + batch - 1)); [ "$e" -le "$ins" ] || e=$ins
  q -d "$db" -c "INSERT INTO bench SELECT $row FROM generate_series($s, $e) g"
done
for ((s = 1; s <= upd; s += batch)); do
  e=$((s + batch - 1)); [ "$e" -le "$upd" ] || e=$upd
  q -d "$db" -c "UPDATE bench SET qty = qty + 1, title = title || '!' WHERE id BETWEEN $s AND $e"
done
for ((s = ins - del + 1; s <= ins; s += batch)); do
  e=$((s + batch - 1)); [ "$e" -le "$ins" ] || e=$ins
  q -d "$db" -c "DELETE FROM bench WHERE id BETWEEN $s AND $e"
done
end=$(q -d "$db" -c "SELECT pg_current_wal_lsn()")
for ((r = 1; r <= rounds; r++)); do
  q -d "$db" -c "SELECT 1 FROM pg_copy_logical_replication_slot('bench_src', 'bench_dec_$r')" >/dev/null
  q -d "$db" -c "SELECT 1 FROM pg_copy_logical_replication_slot('bench_src', 'bench_recv_$r')" >/dev/null
done

now() { date +%s.%N; }
# Runs decode on slot $1 until it has written exactly $2 lines; prints the wall
# seconds and, from GNU time, decode's own CPU seconds (user + system).
time_decode() {
  local slot=$1 lines=$2 start endt fifo="$dir/fifo_$1" got tpid dpid
  mkfifo "$fifo"
  start=$(now)
  /usr/bin/time -f "%U %S" -o "$dir/$slot.cpu" \
    "$bin" decode --conninfo "dbname=$db" --slot "$slot" --publication bench_pub >"$fifo" 2>"$dir/$slot.err" &
  tpid=$!
  pids+=("$tpid")
  got=$(head -n "$lines" <"$fifo" | wc -l)
  endt=$(now)
  # Stop decode itself (time's child), so that time reports on it.
  dpid=$(pgrep -P "$tpid" || true)
  [ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null
  wait "$tpid" 2>/dev/null || true
  [ "$got" -eq "$lines" ] || { echo "decode wrote $got of $lines lines" >&2; cat "$dir/$slot.err" >&2; exit 1; }
  awk -v s="$start" -v e="$endt" '{ printf "%.3f %.2f\n", e - s, $1 + $2 }' "$dir/$slot.cpu"
}
time_recvlogical() {
  local slot=$1 start endt
  start=$(now)
  /usr/bin/time -f "%U %S" -o "$dir/$slot.cpu" \
    pg_recvlogical -d "$db" --slot "$slot" --start -o proto_version=2 -o publication_names=bench_pub \
      --endpos="$end" --no-loop -f /dev/null
  endt=$(now)
  awk -v s="$start" -v e="$endt" '{ printf "%.3f %.2f\n", e - s, $1 + $2 }' "$dir/$slot.cpu"
}

best_dec=; best_recv=
for ((r = 1; r <= rounds; r++)); do
  read -r td cdec < <(time_decode "bench_dec_$r" "$changes")
  read -r tr crecv < <(time_recvlogical "bench_recv_$r")
  [ -n "${cdec:-}" ] && [ -n "${crecv:-}" ] || { echo "round $r failed" >&2; exit 1; }
  echo "round $r: decode ${td} s (client CPU ${cdec} s), pg_recvlogical ${tr} s (client CPU ${crecv} s)"
  best_dec=$(awk -v a="$td" -v b="${best_dec:-$td}" 'BEGIN { print (a < b ? a : b) }')
  best_recv=$(awk -v a="$tr" -v b="${best_recv:-$tr}" 'BEGIN { print (a < b ? a : b) }')
done
awk -v n="$changes" -v d="$best_dec" -v r="$best_recv" 'BEGIN {
  printf "throughput (%d changes, best of runs): decode %.0f changes/s, pg_recvlogical %.0f changes/s, ratio %.2f\n",
         n, n / d, n / r, (n / d) / (n / r) }'

# --- 2. peak RSS while one large transaction streams ------------------------
q -d "$db2" -c "$schema"
q -c "ALTER DATABASE $db2 SET logical_decoding_work_mem = '64kB'"
q -d "$db2" -c "SELECT 1 FROM pg_create_logical_replication_slot('bench_rss', 'pgoutput')" >/dev/null
q -d "$db2" -c "INSERT INTO bench SELECT $row FROM generate_series(1, $changes) g"
fifo="$dir/fifo_rss"
mkfifo "$fifo"
/usr/bin/time -v -o "$dir/rss.txt" "$bin" decode --conninfo "dbname=$db2" --slot bench_rss --publication bench_pub \
  >"$fifo" 2>"$dir/rss.err" &
tpid=$!
pids+=("$tpid")
got=$(head -n "$changes" <"$fifo" | wc -l)
# Stop decode itself (time's child), so that time reports on it.
dpid=$(pgrep -P "$tpid" || true)
[ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null
wait "$tpid" || true
[ "$got" -eq "$changes" ] || { echo "decode wrote $got of $changes lines" >&2; cat "$dir/rss.err" >&2; exit 1; }
streamed=$(q -d "$db2" -c "SELECT stream_txns || ' streamed transaction(s), ' || pg_size_pretty(stream_bytes)
                            FROM pg_stat_replication_slots WHERE slot_name = 'bench_rss'")
rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$dir/rss.txt")
echo "peak RSS of decode, one ${changes}-row transaction (logical_decoding_work_mem=64kB; server: ${streamed:-no stats}): $((rss / 1024)) MiB"
