# Shared by the push end-to-end tests. Sourced with two arguments: the
# syncbridged binary and the syncbridge-emulator binary.
#
# Needs a live cluster (PG* environment, as pg_virtualenv sets; wal_level =
# logical); 77 = skip when none is reachable. On sourcing it:
#   - starts the emulator on 127.0.0.1:0 with its own seed (tenant, app,
#     site, Confluence user) and reads the port it printed ($emulator_url);
#   - creates a fresh database ($db, exported as PGDATABASE so that psql and
#     an empty conninfo use it) with CREATE EXTENSION syncbridge;
#   - writes a sidecar key ($key_file), registers it, creates the SharePoint
#     connection $connection pointing at the emulator and seals its secret;
#   - creates the publication "syncbridge" (empty: create_sync adds the
#     tables), then the pgoutput slot $slot, and sets syncbridge's slot_name.
# The test then creates its tables and syncs and uses the helpers below. An EXIT trap kills
# every process started here and drops the slot and the database
# (PUSH_KEEP=1 keeps them and the work directory for a post-mortem).
#
# Variables: bin, emulator, dir, db, slot, conninfo, key_file, emulator_url,
# tenant, client_id, client_secret, site, connection, run_pid.
# Helpers:
#   q SQL                  psql -qAt on $db, stops on error; prints the result
#   fail MESSAGE...        prints the message, the tails of every log, exits 1
#   start_run [FLAGS...]   syncbridged run in the background (stderr to
#                          $dir/run.N.err, N counting from 1); pid in $run_pid
#   stop_run [SECONDS]     SIGTERM, waits (default 60 s), fails unless exit 0
#   kill9_run              SIGKILL, reaps it
#   provision_sync NAME [SECONDS]  syncbridge.provision(NAME), then waits
#                          until the daemon's run succeeded (default 60 s)
#   wait_synced [SECONDS]  until the slot confirmed the WAL position taken
#                          when called and no ledger row is 'pending'
#                          (default 180 s); fails with the daemon's log tail
#   emulator_stats         the emulator's GET /_emulator/stats (JSON)
#   emulator_requests      total API requests the emulator counted so far
#   emulator_put PATH JSON PUT to the control plane (faults, limits, settings)
#   push_check [ARGS...]   push_check.py with this database and secret
bin=$1
emulator=$2
[ -x "$bin" ] || { echo "syncbridged binary '$bin' is not executable"; exit 1; }
[ -x "$emulator" ] || { echo "emulator binary '$emulator' is not executable"; exit 1; }
psql -X -qAt -c 'SELECT 1' >/dev/null 2>&1 || { echo "no database reachable, skipping"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is required (test/install-deps.sh)"; exit 1; }
command -v curl >/dev/null || { echo "curl is required (test/install-deps.sh)"; exit 1; }
[ "$(psql -X -qAt -c "SELECT current_setting('wal_level')")" = logical ] \
  || { echo "wal_level must be logical (pg_virtualenv -o wal_level=logical)"; exit 1; }

push_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
push_sfx="${PUSH_NAME:-push}_$$_$RANDOM"
dir=$(mktemp -d)
admin_db=${PGDATABASE:-postgres}
db="sb_$push_sfx"
slot="slot_$push_sfx"
tenant="push.onmicrosoft.com"
client_id="6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b"
client_secret="push-secret-$RANDOM$RANDOM"
site_host="push.sharepoint.com"
site_path="/sites/push"
site="$site_host:$site_path"
connection="sp"
key_file="$dir/sidecar.key"
conninfo="dbname=$db"
emulator_pid=
run_pid=
run_count=0

q() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

fail() {
  echo "FAIL: $*"
  local f
  for f in "$dir"/*.err; do [ -f "$f" ] && { echo "--- $f (last 30 lines)"; tail -30 "$f"; }; done
  exit 1
}

push_cleanup() {
  local rc=$? p
  set +e
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if [ -n "${PUSH_KEEP:-}" ]; then
    echo "kept $dir, database $db, slot $slot"
    exit "$rc"
  fi
  # A killed walsender may hold the slot for a moment.
  for _ in $(seq 50); do
    [ "$(psql -X -qAt -d "$admin_db" -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$slot'" 2>/dev/null)" = 0 ] && break
    psql -X -qAt -d "$admin_db" -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null 2>&1 || sleep 0.2
  done
  psql -X -qAt -d "$admin_db" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$dir"
  exit "$rc"
}
trap push_cleanup EXIT

# The emulator, with a seed of its own (docs/emulator.md, "Seed file").
cat >"$dir/seed.json" <<JSON
{
  "apps": [{"tenant": "$tenant", "client_id": "$client_id", "client_secret": "$client_secret"}],
  "sites": [{"hostname": "$site_host", "path": "$site_path"}],
  "confluence_users": [{"email": "push@example.com", "api_token": "push-api-token"}],
  "confluence_spaces": [{"key": "PUSH", "name": "Push"}],
  "confluence_oauth_clients": [{"client_id": "syncbridge-push", "client_secret": "push-oauth-secret",
                                "refresh_token": "push-refresh-token", "cloud_id": "push-cloud"}]
}
JSON
# EMULATOR_ARGS: extra flags (latency, faults) for tests that want them.
# shellcheck disable=SC2086
"$emulator" --listen 127.0.0.1:0 --seed "$dir/seed.json" --log "$dir/emulator.log" ${EMULATOR_ARGS:-} \
  >"$dir/emulator.out" 2>"$dir/emulator.err" &
emulator_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$dir/emulator.out" && break; sleep 0.05; done
emulator_url=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$dir/emulator.out")
[ -n "$emulator_url" ] || fail "the emulator did not start"

psql -X -qAt -v ON_ERROR_STOP=1 -d "$admin_db" -c "CREATE DATABASE \"$db\"" >/dev/null
export PGDATABASE=$db
q "SET client_min_messages = warning; CREATE EXTENSION syncbridge" >/dev/null
public_key=$("$bin" keygen --out "$key_file") || fail "keygen failed"
q "SELECT syncbridge.register_sidecar_key('$public_key')" >/dev/null
q "SELECT syncbridge.create_connection('$connection', 'sharepoint', jsonb_build_object(
     'tenant_id', '$tenant', 'client_id', '$client_id', 'site', '$site',
     'graph_base_url', '$emulator_url/v1.0', 'login_base_url', '$emulator_url'))" >/dev/null
q "SELECT syncbridge.set_secret('$connection', 'client_secret', '$client_secret')" >/dev/null
# The publication exists before the slot: pgoutput looks it up with the
# catalog as of each change, so a slot older than its publication fails on
# every change in between ("publication does not exist"). create_sync adds
# tables to it; its options are the ones create_sync would use.
q "CREATE PUBLICATION syncbridge WITH (publish_via_partition_root = true)"
q "SELECT 1 FROM pg_create_logical_replication_slot('$slot', 'pgoutput')" >/dev/null
q "SELECT syncbridge.set_setting('slot_name', '$slot')" >/dev/null

start_run() {
  run_count=$((run_count + 1))
  "$bin" run --conninfo "$conninfo" --slot "$slot" --key-file "$key_file" "$@" \
    >"$dir/run.$run_count.out" 2>"$dir/run.$run_count.err" &
  run_pid=$!
}

stop_run() {
  local limit=${1:-60} rc=0 deadline
  [ -n "$run_pid" ] || fail "stop_run: no daemon running"
  kill -TERM "$run_pid" 2>/dev/null || true
  deadline=$((SECONDS + limit))
  while kill -0 "$run_pid" 2>/dev/null; do
    [ "$SECONDS" -ge "$deadline" ] && fail "syncbridged run did not exit within ${limit}s of SIGTERM"
    sleep 0.1
  done
  wait "$run_pid" || rc=$?
  run_pid=
  [ "$rc" = 0 ] || fail "syncbridged run exited $rc after SIGTERM (want 0)"
}

kill9_run() {
  [ -n "$run_pid" ] || fail "kill9_run: no daemon running"
  kill -KILL "$run_pid" 2>/dev/null || true
  wait "$run_pid" 2>/dev/null || true
  run_pid=
}

provision_sync() {
  local limit=${2:-60} run status deadline
  run=$(q "SELECT syncbridge.provision('$1')")
  deadline=$((SECONDS + limit))
  while :; do
    status=$(q "SELECT status FROM syncbridge.run WHERE run_id = $run")
    case $status in
      succeeded) return 0 ;;
      failed | cancelled) fail "provision run $run of $1 $status: $(q "SELECT error FROM syncbridge.run WHERE run_id = $run")" ;;
    esac
    if [ -n "$run_pid" ] && ! kill -0 "$run_pid" 2>/dev/null; then fail "syncbridged run exited while provisioning $1"; fi
    [ "$SECONDS" -ge "$deadline" ] && fail "provision run $run of $1 still $status after ${limit}s"
    sleep 0.2
  done
}

wait_synced() {
  local limit=${1:-180} target deadline nudge=0 state
  target=$(q "SELECT pg_current_wal_lsn()")
  deadline=$((SECONDS + limit))
  while :; do
    state=$(q "SELECT coalesce(confirmed_flush_lsn >= '$target', false), 
                      (SELECT count(*) FROM syncbridge.ledger WHERE state = 'pending')
                 FROM pg_replication_slots WHERE slot_name = '$slot'")
    [ "$state" = "t|0" ] && return 0
    if [ -n "$run_pid" ] && ! kill -0 "$run_pid" 2>/dev/null; then
      fail "syncbridged run exited while waiting for $target (slot|pending: $state)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail "not synced after ${limit}s: confirmed_flush_lsn $(q "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$slot'") (want >= $target), pending ledger rows $(q "SELECT count(*) FROM syncbridge.ledger WHERE state = 'pending'")"
    fi
    # An idle slot moves when the walsender's keepalive carries the new end
    # of WAL; switching segments now and then makes it send one sooner.
    if [ "$SECONDS" -ge "$nudge" ]; then
      q "SELECT pg_switch_wal() IS NULL" >/dev/null 2>&1 || true
      nudge=$((SECONDS + 2))
    fi
    sleep 0.2
  done
}

emulator_stats() { curl -sf "$emulator_url/_emulator/stats"; }
emulator_requests() {
  emulator_stats | python3 -c 'import json, sys; print(json.load(sys.stdin)["total_requests"])'
}
emulator_put() { curl -sf -X PUT -H 'Content-Type: application/json' -d "$2" "$emulator_url/_emulator/$1" >/dev/null; }

push_check() { python3 "$push_here/push_check.py" --secret "$client_secret" "$@"; }
