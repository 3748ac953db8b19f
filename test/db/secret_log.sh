#!/usr/bin/env bash
# set_secret never leaks the plaintext into the server log: failing calls
# are logged without their statement (log_min_error_statement = error), and
# calls that duration or sample logging would write out in full are refused.
set -euo pipefail

if ! pg_isready -q -t 5; then
  echo "secret_log: no PostgreSQL server reachable through the PG* environment; skipped" >&2
  exit 77
fi
# The log file of the cluster we talk to (pg_virtualenv's, or any Debian cluster).
log=$(pg_lsclusters -h | awk -v port="${PGPORT:-5432}" '$3 == port { print $7 }')
if [ -z "$log" ] || [ ! -r "$log" ]; then
  echo "secret_log: cannot find a readable server log for port ${PGPORT:-5432}; skipped" >&2
  exit 77
fi

db="syncbridge_secret_log_$$"
createdb "$db"
trap 'dropdb --if-exists "$db"' EXIT
marker="plaintext-$(date +%s%N)-$$"

psql -X -q -o /dev/null -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION syncbridge" \
  -c "SELECT syncbridge.create_connection('sp', 'sharepoint', '{\"tenant_id\": \"contoso.onmicrosoft.com\", \"client_id\": \"11111111-2222-3333-4444-555555555555\", \"site\": \"contoso.sharepoint.com:/sites/demo\"}')"
# Failing calls: no key yet, an unknown secret name, an unknown connection.
for call in "'sp', 'client_secret'" "'sp', 'not_a_secret'" "'nope', 'client_secret'"; do
  if psql -X -q -o /dev/null -d "$db" -c "SET log_min_error_statement = error" \
       -c "SELECT syncbridge.set_secret($call, '$marker')" 2>/dev/null; then
    echo "secret_log: set_secret($call) should have failed" >&2
    exit 1
  fi
done

# Calls the server would log in full once they succeed are refused, and the
# refusal is logged without the statement.
for setting in "log_min_duration_statement = 0" "log_transaction_sample_rate = 1" "log_min_duration_sample = 0"; do
  if psql -X -q -o /dev/null -d "$db" -c "SET $setting" \
       -c "SELECT syncbridge.register_sidecar_key('\\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f')" \
       -c "SELECT syncbridge.set_secret('sp', 'client_secret', '$marker')" 2>/dev/null; then
    echo "secret_log: set_secret under $setting should have been refused" >&2
    exit 1
  fi
done
# A successful call under ordinary settings.
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$db" \
  -c "SELECT syncbridge.set_secret('sp', 'client_secret', '$marker')"

# The errors are in the log (so the log is the right one) ...
sleep 0.5
grep -q 'no sidecar key is registered' "$log" || { echo "secret_log: errors not found in $log" >&2; exit 1; }
grep -q 'uses no secret named "not_a_secret"' "$log" || { echo "secret_log: errors not found in $log" >&2; exit 1; }
grep -q 'log_min_duration_statement = 0 would write this call' "$log" || { echo "secret_log: errors not found in $log" >&2; exit 1; }
# ... and the plaintext is not.
if grep -q "$marker" "$log"; then
  echo "secret_log: the plaintext reached the server log:" >&2
  grep "$marker" "$log" >&2
  exit 1
fi
echo "secret_log: 6 refused and 1 successful set_secret calls logged without the plaintext"
