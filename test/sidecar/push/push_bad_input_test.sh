#!/bin/bash
# syncbridged run: bad input.
#
#  a. A value SharePoint refuses: provisioning made the list's column for
#     `code varchar(20)` a single-line text of at most 20 characters; the
#     table's column is then widened to varchar(300) and one row gets 300
#     characters. The emulator answers that create with 400 → exactly one
#     item error (syncbridge.errors: HTTP status, Graph error code, message,
#     row key) and every other row synced. Fixing the value syncs the row.
#  b. A secret that does not unseal: a second connection's secret is set
#     while another sidecar key (made with `syncbridged keygen`) is the
#     registered one, then the daemon's key is registered again. The
#     connection's sync shows a clear connection_error in syncbridge.status
#     (state 'error') while the other sync keeps syncing; setting the
#     secret again clears the error and the held-back changes arrive.
#  c. A no-op update (same values) of every row makes no HTTP request.
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=badinput
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }

# check_diffs SYNC KEY: push_check of SYNC, which must differ only in row KEY
# (a row key as push_check prints it); prints the number of differences.
check_diffs() {
  local out n
  out=$(push_check --sync "$1") && { echo 0; return 0; }
  n=$(sed -n 's/.*: \([0-9]*\) differences$/\1/p' <<<"$out")
  [ -n "$n" ] || fail "push_check of $1 failed: $out"
  if grep -E '^  ' <<<"$out" | grep -vqF "row $2:"; then
    fail "$1 differs in more than row $2: $out"
  fi
  echo "$n"
}

# wait_check SYNC SECONDS: until push_check of SYNC passes (without waiting
# for the slot, which another sync may hold back).
wait_check() {
  local deadline=$((SECONDS + $2)) out
  while :; do
    out=$(push_check --sync "$1") && return 0
    [ "$SECONDS" -ge "$deadline" ] && fail "$1 not equal after $2 s: $out"
    kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited"
    sleep 0.5
  done
}

q "CREATE TABLE parts (part_id integer PRIMARY KEY, code varchar(20) NOT NULL, qty integer, label text)"
q "CREATE TABLE notes (note_id integer PRIMARY KEY, body text)"
q "SELECT syncbridge.create_sync('parts', 'parts', '$connection', '{\"list\": \"Parts\"}')" >/dev/null

# The second connection: same tenant and app, its own secret.
q "SELECT syncbridge.create_connection('sp2', 'sharepoint', jsonb_build_object(
     'tenant_id', '$tenant', 'client_id', '$client_id', 'site', '$site',
     'graph_base_url', '$emulator_url/v1.0', 'login_base_url', '$emulator_url'))" >/dev/null
q "SELECT syncbridge.set_secret('sp2', 'client_secret', '$client_secret')" >/dev/null
q "SELECT syncbridge.create_sync('notes', 'notes', 'sp2', '{\"list\": \"Notes\"}')" >/dev/null

# A short retry after configuration errors: the test fixes the secret and
# wants the held-back changes soon after.
start_run --config-error-retry-ms 1000
provision_sync parts
provision_sync notes

# a. One value longer than the list's column allows.
q "ALTER TABLE parts ALTER COLUMN code TYPE varchar(300)"
bad=137
q "INSERT INTO parts SELECT i, CASE WHEN i = $bad THEN repeat('x', 300) ELSE 'P-' || i END, i, 'part ' || i
     FROM generate_series(1, 500) i"
q "INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, 50) i"
wait_synced 120
errors=$(q "SELECT count(*) FROM syncbridge.errors")
[ "$errors" = 1 ] || fail "want exactly 1 item error, found $errors: $(q "SELECT * FROM syncbridge.errors")"
error=$(q "SELECT sync, operation, row_key::text, http_status, error_code, message FROM syncbridge.errors")
echo "item error: $error"
IFS='|' read -r e_sync e_op e_key e_status e_code e_message <<<"$error"
[ "$e_sync" = parts ] && [ "$e_op" = create ] && [ "$e_key" = "{\"part_id\": $bad}" ] && [ "$e_status" = 400 ] \
  && [ -n "$e_code" ] && [[ "$e_message" == *"maximum length"* ]] \
  || fail "the item error is not the 400 of row $bad's create with Graph's code and message: $error"
[ "$(q "SELECT failed FROM syncbridge.status WHERE sync = 'parts'")" = 1 ] || fail "status.failed of parts is not 1"
n=$(check_diffs parts "{\"part_id\":$bad}")
[ "$n" -ge 1 ] || fail "row $bad has an item although its create was refused"
echo "parts: the other 499 rows are equal, row $bad is missing ($n differences)"
push_check --sync notes || fail "notes differ"

# The value fixed: the row arrives.
q "UPDATE parts SET code = 'P-$bad' WHERE part_id = $bad"
wait_synced 60
push_check --sync parts || fail "the fixed row $bad did not arrive"
[ "$(q "SELECT count(*) FROM syncbridge.errors WHERE row_key <> '{\"part_id\": $bad}'")" = 0 ] \
  || fail "other item errors appeared: $(q "SELECT * FROM syncbridge.errors")"
echo "after the fix: $(q "SELECT count(*) FROM syncbridge.errors") open item errors"

# b. notes' secret sealed to another key.
other_key=$("$bin" keygen --out "$dir/other.key") || fail "keygen failed"
daemon_key=$(q "SELECT public_key FROM syncbridge.sidecar_key WHERE active")
q "SET client_min_messages = warning; SELECT syncbridge.register_sidecar_key('$other_key')" >/dev/null
q "SELECT syncbridge.set_secret('sp2', 'client_secret', '$client_secret')" >/dev/null
q "SET client_min_messages = warning; SELECT syncbridge.register_sidecar_key('$daemon_key')" >/dev/null
[ "$(q "SELECT count(*) FROM syncbridge.secret sc JOIN syncbridge.connection c USING (connection_id)
         JOIN syncbridge.sidecar_key k ON k.key_id = sc.key_id WHERE c.name = 'sp2' AND NOT k.active")" = 1 ] \
  || fail "sp2's secret is not sealed to the other key: $(q "SELECT * FROM syncbridge.secret")"
q "UPDATE notes SET body = body || ' (changed while the secret is wrong)' WHERE note_id <= 10"
q "INSERT INTO notes VALUES (51, 'note 51')"
q "UPDATE parts SET qty = qty + 1000 WHERE part_id % 10 = 0"
q "INSERT INTO parts SELECT i, 'P-' || i, i, 'late part ' || i FROM generate_series(501, 600) i"
deadline=$((SECONDS + 60))
while :; do
  conn_error=$(q "SELECT state || '|' || coalesce(connection_error, '') FROM syncbridge.status WHERE sync = 'notes'")
  [[ "$conn_error" == error\|*"sealed to sidecar key"* ]] && break
  [ "$SECONDS" -ge "$deadline" ] && fail "status of notes shows no connection error after 60 s: '$conn_error'"
  sleep 0.2
done
echo "notes: status ${conn_error%%|*}, connection_error: ${conn_error#*|}"
[ -z "$(q "SELECT connection_error FROM syncbridge.status WHERE sync = 'parts'")" ] \
  || fail "parts shows a connection error: $(q "SELECT connection_error FROM syncbridge.status WHERE sync = 'parts'")"
# parts keeps syncing while notes is held back.
wait_check parts 90
out=$(push_check --sync notes) && fail "notes' changes arrived although its secret does not unseal"
echo "parts synced while notes waits: ${out%%$'\n'*}"

# The secret set again: the error clears and notes' changes arrive.
q "SELECT syncbridge.set_secret('sp2', 'client_secret', '$client_secret')" >/dev/null
wait_synced 90
push_check --sync notes || fail "notes differ after its secret was set again"
push_check --sync parts || fail "parts differ"
deadline=$((SECONDS + 30))
while [ -n "$(q "SELECT connection_error FROM syncbridge.status WHERE sync = 'notes'")" ]; do
  [ "$SECONDS" -ge "$deadline" ] && fail "notes still shows a connection error after its secret works"
  sleep 0.2
done

# c. A no-op update of every row of both tables: no HTTP request.
before=$(emulator_requests)
q "UPDATE parts SET qty = qty, code = code"
q "UPDATE notes SET body = body"
wait_synced 60
after=$(emulator_requests)
[ "$after" = "$before" ] || fail "a no-op update made $((after - before)) requests; $(emulator_stats)"
echo "no-op update of $(q "SELECT count(*) FROM parts") + $(q "SELECT count(*) FROM notes") rows: 0 requests"
stop_run
echo ok
