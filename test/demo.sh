#!/usr/bin/env bash
# The README demo: a throwaway PostgreSQL cluster with the syncbridge
# extension, the emulator (a local Microsoft Graph), a sample table declared
# as a sync to two SharePoint lists, and syncbridged pushing rows as they are
# inserted, updated, moved between lists and deleted, printed from both sides.
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
syncbridged="$BUILD_DIR/sidecar/syncbridged"
workdir=$(mktemp -d)
trap 'kill "$emulator_pid" 2>/dev/null; rm -rf "$workdir" "$emulator_log"' EXIT
public_key=$("$syncbridged" keygen --out "$workdir/sidecar.key" | tail -n 1)
echo "syncbridged keygen --out sidecar.key  ->  $public_key"
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
INSERT INTO books VALUES (1, 'Dune', 'Frank Herbert', 412, 'EU', '1965-08-01');
SELECT syncbridge.create_connection('contoso', 'sharepoint', '{
    "tenant_id": "contoso.onmicrosoft.com",
    "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo",
    "graph_base_url": "http://127.0.0.1:18080/v1.0",
    "login_base_url": "http://127.0.0.1:18080"}') AS connection_id;
SELECT syncbridge.set_secret('contoso', 'client_secret', 'demo-client-secret');
SELECT syncbridge.create_sync('books', 'books', 'contoso', '{"list": "Books"}', direction => 'push') AS sync_id;
SELECT syncbridge.add_shard_rule('books', 10, '{"col": "region", "op": "=", "value": "US"}', '{"list": "Books US"}') AS rule_id;
SELECT syncbridge.provision('books') AS provision_run;
-- The DBA's slot, created once the publication exists (create_sync made it).
SELECT pg_create_logical_replication_slot('syncbridge', 'pgoutput') IS NOT NULL AS slot_created;
\set ECHO none
SQL

step "SELECT * FROM syncbridge.field_map (every column mapped by default)"
psql_demo -c "SELECT column_name, remote_field, direction FROM syncbridge.field_map ORDER BY column_name"
step "SELECT * FROM syncbridge.check()"
psql_demo -c "SELECT * FROM syncbridge.check()"

step "syncbridged run: the daemon reads the slot and pushes to the lists"
sidecar_log="$workdir/syncbridged.log"
"$syncbridged" run --conninfo "dbname=syncbridge_demo" --slot syncbridge --key-file "$workdir/sidecar.key" \
  --heartbeat-interval 1 --status-interval 1 2>"$sidecar_log" &
sidecar_pid=$!
trap 'kill "$sidecar_pid" "$emulator_pid" 2>/dev/null; wait "$sidecar_pid" 2>/dev/null; rm -rf "$workdir" "$emulator_log"' EXIT
echo "syncbridged run --conninfo dbname=syncbridge_demo --slot syncbridge --key-file sidecar.key  (pid $sidecar_pid)"

# What the emulator's Graph API holds, as a person browsing the lists sees it.
show_lists() {
  python3 - "$@" <<'PY'
import json, urllib.parse, urllib.request
base = "http://127.0.0.1:18080"
form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "11111111-2222-3333-4444-555555555555",
                               "client_secret": "demo-client-secret", "scope": "https://graph.microsoft.com/.default"})
token = json.load(urllib.request.urlopen(base + "/contoso.onmicrosoft.com/oauth2/v2.0/token", form.encode()))["access_token"]
def get(path):
    req = urllib.request.Request(base + "/v1.0" + path, headers={"Authorization": "Bearer " + token})
    return json.load(urllib.request.urlopen(req))
site = get("/sites/contoso.sharepoint.com:/sites/demo")["id"]
for lst in ("Books", "Books US"):
    try:
        items = get(f"/sites/{site}/lists/{urllib.parse.quote(lst)}/items?expand=fields")["value"]
    except urllib.error.HTTPError:
        print(f"  list {lst!r}: not there yet"); continue
    print(f"  list {lst!r}: {len(items)} item(s)")
    for it in sorted(items, key=lambda i: i["fields"].get("SyncBridgeKey", "")):
        f = it["fields"]
        shown = {k: v for k, v in f.items() if not k.startswith("@") and k not in ("id", "ContentType", "Created", "Modified", "AuthorLookupId", "EditorLookupId", "_UIVersionString", "Attachments", "Edit", "LinkTitleNoMenu", "LinkTitle", "ItemChildCount", "FolderChildCount", "_ComplianceFlags", "_ComplianceTag", "_ComplianceTagWrittenTime", "_ComplianceTagUserId", "AppAuthorLookupId", "AppEditorLookupId", "DocIcon")}
        print(f"    item {it['id']}: {json.dumps(shown, ensure_ascii=False)}")
PY
}
# Waits until the slot has confirmed everything written so far (the daemon
# confirms a transaction once its items and ledger rows are stored).
wait_synced() {
  local target
  target=$(psql_demo -qAt -c "SELECT pg_current_wal_lsn()")
  for _ in $(seq 150); do
    if [ "$(psql_demo -qAt -c "SELECT confirmed_flush_lsn >= '$target' AND NOT EXISTS (SELECT FROM syncbridge.ledger WHERE state = 'pending') FROM pg_replication_slots WHERE slot_name = 'syncbridge'")" = t ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "(not caught up after 30 s; the daemon's log follows)"; tail -20 "$sidecar_log"; return 1
}
for _ in $(seq 50); do
  [ "$(psql_demo -qAt -c "SELECT status FROM syncbridge.runs WHERE kind = 'provision'")" = succeeded ] && break
  sleep 0.2
done
psql_demo -c "SELECT run_id, kind, status, created, error FROM syncbridge.runs ORDER BY run_id"

step "rows inserted in PostgreSQL appear in the lists (Dune was there before: the backfill sent it)"
psql_demo <<'SQL'
\set ECHO queries
INSERT INTO books VALUES (2, 'Neuromancer', 'William Gibson', 271, 'US', '1984-07-01'),
                         (3, 'Solaris', 'Stanisław Lem', 204, 'EU', '1961-01-01');
\set ECHO none
SQL
wait_synced
show_lists

step "an update changes only that field; a region change moves the item to the other list"
psql_demo <<'SQL'
\set ECHO queries
UPDATE books SET pages = 412 WHERE id = 2;
UPDATE books SET region = 'US' WHERE id = 3;
DELETE FROM books WHERE id = 1;
\set ECHO none
SQL
wait_synced
show_lists

step "SELECT * FROM syncbridge.status"
psql_demo -x -c "SELECT * FROM syncbridge.status"
step "the ledger: what each row's item is"
psql_demo -c "SELECT row_key, target_id, remote_id, state, last_lsn FROM syncbridge.ledger ORDER BY row_key"

step "stopping the daemon (SIGTERM: it finishes what is in flight and confirms)"
kill -TERM "$sidecar_pid"
wait "$sidecar_pid" && echo "syncbridged exited 0"
psql_demo -c "SELECT run_id, kind, status, created, updated, deleted, moved, skipped, failed FROM syncbridge.runs ORDER BY run_id"
