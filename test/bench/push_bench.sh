#!/usr/bin/env bash
# Benchmark (not a test) of the push path: `syncbridged run` end to end
# (slot → router → engine → Graph $batch into syncbridge-emulator → ledger →
# confirmation), with baselines measured in the same run. It reuses the push
# end-to-end harness (test/sidecar/push/push_lib.sh: cluster database,
# emulator, key, connection, publication, slot) and prints one line per figure:
#
#  1. engine: CHANGES changes (CHANGES/2 inserts, then updates of the first
#     CHANGES/2 rows, in transactions of TXN_ROWS rows) written while the
#     daemon is stopped, then pushed at 0 ms emulated latency. Timed from the
#     daemon's start (every row already committed) until the slot's confirmed
#     position passes the last commit (and no ledger row is pending).
#     Prints changes/s, ledger rows written/s, HTTP requests per change, and
#     the ratios to two baselines of the same run: `syncbridged decode` reading
#     the same WAL from a copy of the daemon's slot made before the workload
#     (the slot read alone), and the workload's own INSERT/UPDATE rate.
#  2. latency-bound: LAT_ROWS inserted rows pushed at LATENCY_MS emulated
#     latency with --max-in-flight 4 and 8 (one list): rows/s against the
#     ideal in-flight × 20 / latency.
#  3. memory: peak RSS (VmHWM) of `run` while one RSS_ROWS-row transaction
#     syncs, against its own idle peak and against `decode` (GNU time) reading
#     the same transaction from a copied slot.
# With each figure: the load average (the machine is shared; ratios are what
# matter) and where the time went (CPU seconds of the daemon, its walsender,
# its ledger session and the emulator; batches, retries, mean batch size).
#
# The daemon runs with --status-interval 1 (the confirmed position shows
# within a second; the figure includes that second) and --heartbeat-interval 1
# (metrics current). With PERF_DIR=DIR, each measured daemon is sampled by
# `perf record ${PERF_ARGS:--F 499 -g}` into DIR/{engine,lat4,lat8,memory}.data
# (PERF_ARGS="-F 99 --call-graph dwarf" gives usable stacks). Run it inside a
# cluster, e.g.:
#   pg_virtualenv -t -o wal_level=logical -o max_replication_slots=20 -o max_wal_senders=20 \
#     test/bench/push_bench.sh build-bench/sidecar/syncbridged \
#       build-bench/test/emulator/syncbridge-emulator [CHANGES] [LAT_ROWS] [RSS_ROWS]
# Defaults: 100000 100000 200000; TXN_ROWS (env) 1000, LATENCY_MS (env) 50.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
changes=${3:-100000}
lat_rows=${4:-100000}
rss_rows=${5:-200000}
txn_rows=${TXN_ROWS:-1000}
latency_ms=${LATENCY_MS:-50}
[ $((changes % 2)) -eq 0 ] || { echo "CHANGES must be even" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time missing (Debian package time)" >&2; exit 2; }
PUSH_NAME=bench
# shellcheck source-path=SCRIPTDIR/../sidecar/push source=push_lib.sh
source "$here/../sidecar/push/push_lib.sh" "$1" "$2"

# The copied slots must go before push_lib drops the database.
bench_slots=()
bench_cleanup() {
  local rc=$? s
  set +e
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for s in "${bench_slots[@]}"; do
    psql -X -qAt -d "$admin_db" -c "SELECT pg_drop_replication_slot('$s')" >/dev/null 2>&1
  done
  (exit "$rc")
  push_cleanup
}
trap bench_cleanup EXIT

now() { date +%s.%N; }
load() { uptime | sed 's/.*load average: /load /'; }
# CPU seconds (user + system) a process has used so far; 0 once it is gone.
cpu_of() {
  if [ -z "$1" ] || [ ! -r "/proc/$1/stat" ]; then echo 0; return; fi
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}
# Sum of every series of a metric family in a /metrics text file.
metric() { awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f\n", s }' "$2"; }
# total API requests and $batch requests the emulator has served so far.
emulator_counts() {
  # shellcheck disable=SC2016
  emulator_stats | python3 -c 'import json, sys
s = json.load(sys.stdin)
print(s["total_requests"], sum(s["requests"].get("POST /v1.0/$batch", {}).values()))'
}

# One table per figure (a list each). Column types the provisioning knows;
# every 10th row carries 200 bytes of text.
cols="bench_id integer PRIMARY KEY, qty integer, price numeric(12,2), title text, seen timestamptz, ok boolean, note text"
row="g, g % 1000, (g % 100000) / 7.0, 'title ' || g, '2026-01-01 00:00:00+00'::timestamptz + g * interval '1 s',
     g % 2 = 0, CASE WHEN g % 10 = 0 THEN repeat('n', 200) END"
tables=(eng lat4 lat8 mem)

# Setup, with a daemon of default flags: syncs, lists (provisioned), their
# empty backfills done; then the daemon stops so that each figure's rows wait
# in the slot.
start_run
for t in "${tables[@]}"; do
  q "CREATE TABLE $t ($cols) WITH (autovacuum_enabled = false)"
  q "SELECT syncbridge.create_sync('$t', '$t', '$connection', '{\"list\": \"Bench $t\"}')" >/dev/null
  provision_sync "$t"
done
for _ in $(seq 300); do
  [ "$(q "SELECT count(*) FROM syncbridge.run WHERE kind <> 'push' AND status IN ('requested', 'running')")" = 0 ] && break
  sleep 0.2
done
wait_synced 120
idle_hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$run_pid/status")
stop_run 120

# Starts the daemon for figure $1 (extra flags in the rest), records its
# start time and its metrics URL; with PERF_DIR set, `perf record -g` samples
# it into $PERF_DIR/$1.data until bench_stop.
run_start=
metrics_url=
perf_pid=
bench_run() {
  local name=$1
  shift
  start_run --metrics-listen 127.0.0.1:0 --status-interval 1 --heartbeat-interval 1 --stats-interval 5 "$@"
  run_start=$(now)
  metrics_url=
  for _ in $(seq 200); do
    metrics_url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/metrics' "$dir/run.$run_count.err" | head -1 || true)
    [ -n "$metrics_url" ] && break
    kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited at start"
    sleep 0.05
  done
  [ -n "$metrics_url" ] || fail "no metrics line in the daemon's log"
  if [ -n "${PERF_DIR:-}" ]; then
    # shellcheck disable=SC2086
    perf record -q ${PERF_ARGS:--F 499 -g} -p "$run_pid" -o "$PERF_DIR/$name.data" 2>"$dir/perf.$name.err" &
    perf_pid=$!
  fi
}
bench_stop() {
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" || true
    perf_pid=
  fi
  stop_run 120
}
# Until the slot's confirmed position reaches $1 (taken right after the
# workload, with no daemon running: the end of its last commit); sets push_s
# to the seconds since bench_run. Then no ledger row may be pending.
push_s=
wait_confirmed() {
  local target=$1 limit=${2:-1200} deadline done_at
  deadline=$((SECONDS + limit))
  until [ "$(q "SELECT confirmed_flush_lsn >= '$target' FROM pg_replication_slots WHERE slot_name = '$slot'")" = t ]; do
    kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited before $target was confirmed"
    [ "$SECONDS" -ge "$deadline" ] && fail "$target not confirmed after ${limit}s"
    sleep 0.25
  done
  done_at=$(now)
  local pending
  pending=$(q "SELECT count(*) FROM syncbridge.ledger WHERE state = 'pending'")
  [ "$pending" = 0 ] || fail "$pending ledger rows still pending after the confirmation"
  push_s=$(awk -v s="$run_start" -v e="$done_at" 'BEGIN { printf "%.2f\n", e - s }')
}
# CPU seconds of the daemon, its walsender and its ledger session; call while it runs.
cpu_line() {
  local walsender ledger_pid
  walsender=$(q "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'")
  ledger_pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'syncbridged ledger' LIMIT 1")
  echo "CPU s: daemon $(cpu_of "$run_pid"), its walsender $(cpu_of "$walsender"), its ledger session $(cpu_of "$ledger_pid")"
}
# Waits for a metrics refresh (one heartbeat), saves /metrics to $1.
save_metrics() {
  sleep 1.5
  curl -sf "$metrics_url" >"$1" || fail "could not read $metrics_url"
}
# Prints batches, mean batch size, retries, throttled, HTTP requests of a metrics file.
engine_line() {
  awk -v b="$(metric syncbridge_batches_total "$1")" -v o="$(metric syncbridge_batch_operations_total "$1")" \
      -v r="$(metric syncbridge_retries_total "$1")" -v t="$(metric syncbridge_throttled_total "$1")" \
      -v h="$(metric syncbridge_http_requests_total "$1")" \
      'BEGIN { printf "batches %d (mean %.1f operations), HTTP requests %d, retries %d, throttled %d", b, (b ? o / b : 0), h, r, t }'
}
# Rows applied per second early and late in the run (the first and the last
# quarter of its stats lines until the count stops growing): a cost that grows
# with the ledger or the backlog shows as a falling rate.
trend() {
  python3 - "$dir/run.$run_count.err" <<'PY'
import datetime, json, sys
points = []
for line in open(sys.argv[1]):
    try:
        j = json.loads(line)
    except ValueError:
        continue
    if j.get("msg") != "stats":
        continue
    t = datetime.datetime.fromisoformat(j["ts"].replace("Z", "+00:00")).timestamp()
    points.append((t, sum(j.get(k, 0) for k in ("created", "updated", "deleted", "moved", "skipped", "failed"))))
while len(points) > 1 and points[-2][1] == points[-1][1]:
    points.pop()
if len(points) < 5:
    print("too short for a trend (fewer than 5 stats lines)")
else:
    q = len(points) // 4
    def rate(a, b):
        return (b[1] - a[1]) / (b[0] - a[0])
    print("applied %.0f rows/s in the first quarter, %.0f rows/s in the last" %
          (rate(points[0], points[q]), rate(points[-1 - q], points[-1])))
PY
}
last_stats() { grep '"msg":"stats"' "$dir/run.$run_count.err" | tail -1 || true; }

# Runs `decode` on slot $1 until it has written $2 lines; sets dec_s to its
# wall seconds and dec_rss to its peak RSS in kB (GNU time).
dec_s=
dec_rss=
time_decode() {
  local s=$1 lines=$2 start endt fifo="$dir/fifo_$1" got tpid dpid
  mkfifo "$fifo"
  start=$(now)
  /usr/bin/time -f "%M" -o "$dir/$s.time" \
    "$bin" decode --conninfo "$conninfo" --slot "$s" >"$fifo" 2>"$dir/$s.err" &
  tpid=$!
  got=$(head -n "$lines" <"$fifo" | wc -l)
  endt=$(now)
  # Stop decode itself (time's child), so that time reports on it.
  dpid=$(pgrep -P "$tpid" || true)
  [ -n "$dpid" ] && kill -TERM "$dpid" 2>/dev/null
  wait "$tpid" 2>/dev/null || true
  [ "$got" -eq "$lines" ] || fail "decode wrote $got of $lines lines"
  dec_s=$(awk -v s="$start" -v e="$endt" 'BEGIN { printf "%.2f\n", e - s }')
  dec_rss=$(tail -1 "$dir/$s.time")
}
copy_slot() {
  q "SELECT 1 FROM pg_copy_logical_replication_slot('$slot', '$1')" >/dev/null
  bench_slots+=("$1")
}
drop_slot() {
  q "SELECT pg_drop_replication_slot('$1')" >/dev/null
  local s kept=()
  for s in "${bench_slots[@]}"; do [ "$s" = "$1" ] || kept+=("$s"); done
  bench_slots=("${kept[@]}")
}

# --- 1. engine ---------------------------------------------------------------
half=$((changes / 2))
copy_slot "${slot}_dec"
{
  for ((s = 1; s <= half; s += txn_rows)); do
    e=$((s + txn_rows - 1)); [ "$e" -le "$half" ] || e=$half
    echo "INSERT INTO eng SELECT $row FROM generate_series($s, $e) g;"
  done
  for ((s = 1; s <= half; s += txn_rows)); do
    e=$((s + txn_rows - 1)); [ "$e" -le "$half" ] || e=$half
    echo "UPDATE eng SET qty = qty + 1, title = title || '!' WHERE bench_id BETWEEN $s AND $e;"
  done
} >"$dir/eng.sql"
t0=$(now)
psql -X -q -v ON_ERROR_STOP=1 -f "$dir/eng.sql" >/dev/null
t1=$(now)
sql_s=$(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f\n", e - s }')
target=$(q "SELECT pg_current_wal_lsn()")
read -r req0 batch0 < <(emulator_counts)
emu_cpu0=$(cpu_of "$emulator_pid")
bench_run engine
wait_confirmed "$target"
cpu=$(cpu_line)
save_metrics "$dir/eng.metrics"
read -r req1 batch1 < <(emulator_counts)
emu_cpu=$(awk -v a="$emu_cpu0" -v b="$(cpu_of "$emulator_pid")" 'BEGIN { printf "%.2f", b - a }')
stats=$(last_stats)
eng_trend=$(trend)
bench_stop
time_decode "${slot}_dec" "$changes"
drop_slot "${slot}_dec"
ledger_rows=$(metric syncbridge_ledger_rows_written_total "$dir/eng.metrics")
echo "engine: $changes changes ($half inserts, then $half updates, $txn_rows rows per transaction), 0 ms latency; $(load)"
awk -v n="$changes" -v p="$push_s" -v d="$dec_s" -v w="$sql_s" -v l="$ledger_rows" \
    -v r="$((req1 - req0))" -v b="$((batch1 - batch0))" -v h="$(metric syncbridge_http_requests_total "$dir/eng.metrics")" 'BEGIN {
  printf "  push %.0f changes/s (%.1f s), ledger %.0f rows written/s, %.3f HTTP requests/change (%.3f $batch requests/change; the emulator counted %.2f requests/change with the batched operations)\n",
         n / p, p, l / p, h / n, b / n, r / n
  printf "  baselines: decode of the same WAL %.0f changes/s (%.1f s), the workload SQL %.0f changes/s (%.1f s)\n", n / d, d, n / w, w
  printf "  ratio push/decode %.3f, push/SQL %.3f\n", (n / p) / (n / d), (n / p) / (n / w) }'
echo "  $(engine_line "$dir/eng.metrics"); ledger rows written $ledger_rows"
echo "  $cpu, emulator $emu_cpu"
echo "  $eng_trend"
echo "  last stats line: $stats"

# --- 2. latency-bound --------------------------------------------------------
emulator_put faults "{\"latency_ms\": $latency_ms}"
for f in 4 8; do
  t=lat$f
  {
    for ((s = 1; s <= lat_rows; s += txn_rows)); do
      e=$((s + txn_rows - 1)); [ "$e" -le "$lat_rows" ] || e=$lat_rows
      echo "INSERT INTO $t SELECT $row FROM generate_series($s, $e) g;"
    done
  } >"$dir/$t.sql"
  psql -X -q -v ON_ERROR_STOP=1 -f "$dir/$t.sql" >/dev/null
  target=$(q "SELECT pg_current_wal_lsn()")
  emu_cpu0=$(cpu_of "$emulator_pid")
  bench_run "$t" --max-in-flight "$f"
  wait_confirmed "$target"
  cpu=$(cpu_line)
  save_metrics "$dir/$t.metrics"
  emu_cpu=$(awk -v a="$emu_cpu0" -v b="$(cpu_of "$emulator_pid")" 'BEGIN { printf "%.2f", b - a }')
  bench_stop
  echo "latency-bound: $lat_rows inserted rows, ${latency_ms} ms latency, --max-in-flight $f, 1 list; $(load)"
  awk -v n="$lat_rows" -v p="$push_s" -v f="$f" -v l="$latency_ms" 'BEGIN {
    ideal = f * 20 * 1000 / l
    printf "  push %.0f rows/s (%.1f s), ideal %d × 20 / %d ms = %.0f rows/s, ratio %.3f\n", n / p, p, f, l, ideal, (n / p) / ideal }'
  echo "  $(engine_line "$dir/$t.metrics")"
  echo "  $cpu, emulator $emu_cpu"
done
emulator_put faults '{"latency_ms": 0}'

# --- 3. memory -----------------------------------------------------------------
copy_slot "${slot}_rss"
q "INSERT INTO mem SELECT $row FROM generate_series(1, $rss_rows) g"
target=$(q "SELECT pg_current_wal_lsn()")
bench_run memory
wait_confirmed "$target" 3600
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$run_pid/status")
cpu=$(cpu_line)
save_metrics "$dir/mem.metrics"
mem_trend=$(trend)
bench_stop
time_decode "${slot}_rss" "$rss_rows"
drop_slot "${slot}_rss"
streamed=$(q "SELECT stream_txns || ' streamed, ' || spill_txns || ' spilled transaction(s)'
                FROM pg_stat_replication_slots WHERE slot_name = '$slot'")
echo "memory: one transaction of $rss_rows rows (server: ${streamed:-no stats}); $(load)"
# The daemon holds at most --max-outstanding (20,000) changes, so the growth
# is per change held, not per row of the transaction.
awk -v n="$rss_rows" -v p="$push_s" -v h="$hwm" -v i="$idle_hwm" -v d="$dec_rss" 'BEGIN {
  held = n < 20000 ? n : 20000
  printf "  peak RSS of run %.1f MiB (idle daemon %.1f MiB: %+.1f MiB, %.1f kB per change held, %d held at most), decode of the same transaction %.1f MiB, ratio run/decode %.2f\n",
         h / 1024, i / 1024, (h - i) / 1024, (h - i) / held, held, d / 1024, h / d
  printf "  synced in %.1f s (%.0f rows/s)\n", p, n / p }'
echo "  $(engine_line "$dir/mem.metrics"); $mem_trend"
echo "  $cpu"
