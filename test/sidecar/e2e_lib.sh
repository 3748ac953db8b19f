# Shared by the decode end-to-end tests: sourced with the syncbridged binary as $1.
# Needs a live cluster (PG* environment, as pg_virtualenv sets); 77 = skip.
bin=$1
psql -X -qAt -c 'SELECT 1' >/dev/null 2>&1 || { echo "no database reachable, skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is required (test/install-deps.sh)"; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sfx="${E2E_NAME:-e2e}_$$_$RANDOM"
slot="slot_$sfx"; pub="pub_$sfx"
dir=$(mktemp -d)
# The walsender decodes with 64kB so that larger transactions are streamed
# (and the spill path of decode is used); PGOPTIONS stays in effect.
conninfo="options='-c logical_decoding_work_mem=64kB'"
cleanup_sql=()

q() { psql -X -qAt -v ON_ERROR_STOP=1 -c "$1"; }
fail() { echo "FAIL: $*"; for f in "$dir"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done; exit 1; }
cleanup() {
  local rc=$? p s
  set +e
  # Only jobs this shell has not reaped yet: a reaped pid may already belong
  # to someone else (a PostgreSQL backend, say).
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  # A killed walsender may hold the slot for a moment.
  for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" 2>/dev/null)" = 0 ] && break
    q "SELECT pg_drop_replication_slot('$slot')" >/dev/null 2>&1 || sleep 0.2
  done
  q "DROP PUBLICATION IF EXISTS $pub" >/dev/null 2>&1 || true
  for s in "${cleanup_sql[@]}"; do q "$s" >/dev/null 2>&1 || true; done
  [ -n "${E2E_KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT

confirmed() { q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'"; }
lsn_ge() { [ "$(q "SELECT '$1'::pg_lsn >= '$2'::pg_lsn")" = t ]; }
walsender_pid() { q "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot' AND active"; }
streaming() { [ -n "$(walsender_pid)" ]; }
not_streaming() { [ -z "$(walsender_pid)" ]; }
# wait_until SECONDS COMMAND...: polls every 0.2 s.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -ge "$deadline" ] && return 1; sleep 0.2; done
}
caught_up() { lsn_ge "$(confirmed)" "$1"; }
lines_at_least() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }

make_slot() {  # tables...: publication for them and a pgoutput slot
  local tables
  tables=$(IFS=,; echo "$*")
  q "CREATE PUBLICATION $pub FOR TABLE $tables"
  q "SELECT 1 FROM pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
}

# start_decode NAME [flags...]: decode in the background, stdout NAME.out,
# stderr NAME.err; its pid in $decode_pid. Publication: $decode_pub, else $pub.
start_decode() {
  local name=$1; shift
  "$bin" decode --conninfo "$conninfo" --slot "$slot" --publication "${decode_pub:-$pub}" "$@" \
    >"$dir/$name.out" 2>"$dir/$name.err" &
  decode_pid=$!
}

# workload TABLE TXNS SEED: TXNS transactions inserting 1..20 rows each into
# TABLE (id int PRIMARY KEY, pad text), every 40th one 3000 rows (streamed at
# 64kB), a savepoint rolled back now and then; ids are unique across the run.
# Runs in the background; its pid in $workload_pid.
workload() {
  python3 - "$@" >"$dir/workload.sql" <<'PY'
import random, sys
table, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
nid = 1
print("SET synchronous_commit = on;")
for t in range(n):
    size = 3000 if t % 40 == 39 else rnd.randint(1, 20)
    print("BEGIN;")
    print(f"INSERT INTO {table} SELECT g, repeat('w', 40) FROM generate_series({nid}, {nid + size - 1}) g;")
    nid += size
    if rnd.random() < 0.1:
        # Rolled back: these ids never exist.
        print("SAVEPOINT s;")
        print(f"INSERT INTO {table} VALUES ({10**8 + t}, 'gone');")
        print("ROLLBACK TO SAVEPOINT s;")
    print("COMMIT;")
    print("SELECT pg_sleep(0.01);")
PY
  psql -X -q -v ON_ERROR_STOP=1 -f "$dir/workload.sql" >/dev/null &
  workload_pid=$!
}
