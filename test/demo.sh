#!/usr/bin/env bash
# The README demo: a throwaway PostgreSQL cluster with the syncbridge
# extension, a sample table declared as a sync to a SharePoint list, and what
# a DBA sees: syncbridge.check() and syncbridge.status.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SYNCBRIDGE_DEMO_INSIDE:-}" != 1 ]; then
  BUILD_DIR=${BUILD_DIR:-build/cmake}
  export BUILD_DIR
  test/install-deps.sh
  echo "== building syncbridge"
  test/build.sh >/dev/null
  echo "== starting a throwaway PostgreSQL cluster (wal_level=logical)"
  SYNCBRIDGE_DEMO_INSIDE=1 exec pg_virtualenv -t -o wal_level=logical "$0"
fi

psql_demo() { psql -X -v ON_ERROR_STOP=1 -d syncbridge_demo "$@"; }
step() { printf '\n== %s\n' "$*"; }

step "the emulator: a local Microsoft Graph and Confluence Cloud, seeded for the demo"
emulator="$BUILD_DIR/test/emulator/syncbridge-emulator"
emulator_log=$(mktemp)
"$emulator" --listen 127.0.0.1:18080 --seed test/emulator/seeds/demo.json >"$emulator_log" 2>&1 &
emulator_pid=$!
for _ in $(seq 50); do grep -q '^listening on' "$emulator_log" && break; sleep 0.1; done
cat "$emulator_log"
grep -q '^listening on' "$emulator_log" || { echo "the emulator did not start"; exit 1; }

createdb syncbridge_demo
step "CREATE EXTENSION syncbridge"
psql_demo -q -c "CREATE EXTENSION syncbridge"

step "the sidecar's key pair"
keygen=$(find "$BUILD_DIR" -name syncbridged -type f -perm -u+x 2>/dev/null | head -n 1)
workdir=$(mktemp -d)
trap 'kill "$emulator_pid" 2>/dev/null; rm -rf "$workdir" "$emulator_log"' EXIT
if [ -n "$keygen" ] && public_key=$("$keygen" keygen --out "$workdir/sidecar.key" 2>/dev/null | tail -n 1); then
  echo "syncbridged keygen --out sidecar.key  ->  $public_key"
else
  echo "(syncbridged is not built yet: using a throwaway public key)"
  public_key='\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f'
fi
psql_demo -v key="$public_key" <<'SQL'
SELECT syncbridge.register_sidecar_key(:'key') AS key_fingerprint;
SQL

step "a sample table and its sync to a SharePoint list"
psql_demo <<'SQL'
\set ECHO queries
CREATE TABLE books (
    id integer PRIMARY KEY,
    title text NOT NULL,
    author text,
    pages integer,
    region text NOT NULL DEFAULT 'EU',
    published date
);
SELECT pg_create_logical_replication_slot('syncbridge', 'pgoutput') IS NOT NULL AS slot_created;
SELECT syncbridge.create_connection('contoso', 'sharepoint', '{
    "tenant_id": "contoso.onmicrosoft.com",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo",
    "graph_base_url": "http://127.0.0.1:18080/v1.0",
    "login_base_url": "http://127.0.0.1:18080"}') AS connection_id;
SELECT syncbridge.set_secret('contoso', 'client_secret', 'demo-client-secret');
SELECT syncbridge.create_sync('books', 'books', 'contoso', '{"list": "Books"}', direction => 'both') AS sync_id;
SELECT syncbridge.map_field('books', 'title', 'Title');
SELECT syncbridge.add_shard_rule('books', 10, '{"col": "region", "op": "=", "value": "US"}', '{"list": "Books US"}') AS rule_id;
INSERT INTO books VALUES (1, 'Dune', 'Frank Herbert', 412, 'EU', '1965-08-01'),
                         (2, 'Neuromancer', 'William Gibson', 271, 'US', '1984-07-01');
\set ECHO none
SQL

step "SELECT * FROM syncbridge.field_map (every column mapped by default)"
psql_demo -c "SELECT column_name, remote_field, direction FROM syncbridge.field_map ORDER BY column_name"
step "SELECT * FROM syncbridge.check()"
psql_demo -c "SELECT * FROM syncbridge.check()"
step "SELECT * FROM syncbridge.status"
psql_demo -x -c "SELECT * FROM syncbridge.status"
step "a row pulled from the list arrives through apply_remote"
psql_demo -c "SELECT syncbridge.apply_remote('books', 'insert', '{\"id\": 3}', '{\"title\": \"Solaris\", \"author\": \"Stanisław Lem\", \"pages\": 204, \"published\": \"1961-01-01\"}')" \
          -c "SELECT * FROM books ORDER BY id"
