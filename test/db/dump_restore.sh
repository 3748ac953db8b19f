#!/usr/bin/env bash
# pg_dump keeps the user's syncbridge configuration and sync state: declare
# syncs, dump, restore into a fresh database, and compare the catalogs.
set -euo pipefail

if ! pg_isready -q -t 5; then
  echo "dump_restore: no PostgreSQL server reachable through the PG* environment; skipped" >&2
  exit 77
fi

src="syncbridge_dump_src_$$"
dst="syncbridge_dump_dst_$$"
cleanup() { dropdb --if-exists "$src"; dropdb --if-exists "$dst"; }
trap cleanup EXIT
createdb "$src"
createdb "$dst"

psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$src" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION syncbridge;
CREATE TABLE books (id integer PRIMARY KEY, title text, region text);
SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f');
SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.set_secret('sp', 'client_secret', 'dump-me-sealed');
SELECT syncbridge.set_setting('slot_name', 'restored_slot');
SELECT syncbridge.create_sync('books', 'books', 'sp', '{"list": "Books"}', 'both');
SELECT syncbridge.map_field('books', 'title', 'Title');
SELECT syncbridge.add_shard_rule('books', 10, '{"col": "region", "op": "=", "value": "US"}', '{"list": "Books US"}');
SELECT syncbridge.pause('books', 'before the move');
SELECT syncbridge.run_now('books', 'pull') FROM (SELECT syncbridge.resume('books')) r;
INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, remote_id, remote_version, content_hash, provenance)
SELECT sync_id, '{"id": 1}', target_id, '17', '"{A1},3"', '\xdeadbeef', 'push' FROM syncbridge.target WHERE is_default;
INSERT INTO syncbridge.cursor (sync_id, target_id, position)
SELECT sync_id, target_id, 'token-1' FROM syncbridge.target WHERE is_default;
INSERT INTO syncbridge.item_error (sync_id, direction, operation, row_key, http_status, message)
SELECT sync_id, 'push', 'create', '{"id": 2}', 400, 'bad value' FROM syncbridge.sync;
-- State that exists nowhere else: parked changes and a backfill's position.
INSERT INTO syncbridge.parked_change (sync_id, lsn, change)
SELECT sync_id, lsn::pg_lsn, jsonb_build_object('op', 'update', 'key', jsonb_build_object('id', n))
  FROM syncbridge.sync, (VALUES (1, '0/16B3748'), (2, '0/16B3790')) AS v(n, lsn);
INSERT INTO syncbridge.backfill (sync_id, run_id, after_key, rows_done, rows_estimate)
SELECT sync_id, run_id, '{"id": 40}', 40, 100 FROM syncbridge.run WHERE kind = 'backfill';
-- What a running sidecar reports, which a restore must not bring back.
INSERT INTO syncbridge.sidecar (slot_name, pid, heartbeat_at) VALUES ('restored_slot', 4242, now());
INSERT INTO syncbridge.sync_progress (sync_id, oldest_unapplied_at) SELECT sync_id, now() FROM syncbridge.sync;
SQL

# A canonical text image of the catalog (ids included: foreign keys must survive).
snapshot() {
  psql -X -A -t -v ON_ERROR_STOP=1 -d "$1" <<'SQL'
SELECT kind, image::text FROM (
SELECT 'setting' AS kind, to_jsonb(s) - 'updated_at' AS image FROM syncbridge.setting s
UNION ALL SELECT 'key', to_jsonb(k) - 'registered_at' FROM syncbridge.sidecar_key k
UNION ALL SELECT 'connection', to_jsonb(c) - 'created_at' - 'updated_at' FROM syncbridge.connection c
UNION ALL SELECT 'secret', to_jsonb(s) - 'updated_at' FROM syncbridge.secret s
UNION ALL SELECT 'sync', to_jsonb(s) - 'created_at' - 'updated_at' FROM syncbridge.sync s
UNION ALL SELECT 'target', to_jsonb(t) - 'created_at' FROM syncbridge.target t
UNION ALL SELECT 'field_map', to_jsonb(f) FROM syncbridge.field_map f
UNION ALL SELECT 'shard_rule', to_jsonb(r) - 'created_at' FROM syncbridge.shard_rule r
UNION ALL SELECT 'ledger', to_jsonb(l) - 'created_at' - 'updated_at' FROM syncbridge.ledger l
UNION ALL SELECT 'cursor', to_jsonb(c) - 'updated_at' FROM syncbridge.cursor c
UNION ALL SELECT 'run', to_jsonb(r) - 'requested_at' FROM syncbridge.run r
UNION ALL SELECT 'item_error', to_jsonb(e) - 'first_seen' - 'last_seen' FROM syncbridge.item_error e
UNION ALL SELECT 'parked_change', to_jsonb(p) FROM syncbridge.parked_change p
UNION ALL SELECT 'backfill', to_jsonb(b) FROM syncbridge.backfill b
) AS catalog ORDER BY 1, 2;
SQL
}

pg_dump --no-owner -d "$src" | psql -X -q -v ON_ERROR_STOP=1 -d "$dst" >/dev/null
before=$(snapshot "$src")
after=$(snapshot "$dst")
if [ "$before" != "$after" ]; then
  echo "catalog differs after dump and restore:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
rows=$(echo "$after" | wc -l)
[ "$rows" -ge 18 ] || { echo "snapshot too small ($rows rows): the test lost its data" >&2; exit 1; }
for kind in parked_change backfill; do
  echo "$after" | grep -q "^$kind|" || { echo "no $kind rows after restore" >&2; exit 1; }
done

# Sequences continue after the restored rows, the sidecar's reports were not
# restored, and the restored sync works.
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d "$dst" <<'SQL'
SET client_min_messages = warning;
SELECT syncbridge.create_connection('sp2', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.run_now('books');
SELECT syncbridge.apply_remote('books', 'insert', '{"id": 1}', '{"title": "Dune"}');
INSERT INTO syncbridge.parked_change (sync_id, lsn, change) SELECT sync_id, '0/16B3800', '{}' FROM syncbridge.sync;
DO $$
BEGIN
    IF EXISTS (SELECT FROM syncbridge.sidecar) OR EXISTS (SELECT FROM syncbridge.sync_progress) THEN
        RAISE EXCEPTION 'sidecar or sync_progress rows came back with the restore';
    END IF;
    IF (SELECT count(DISTINCT seq) FROM syncbridge.parked_change) <> 3 THEN
        RAISE EXCEPTION 'parked_change seq did not continue after the restored rows';
    END IF;
END
$$;
SQL
echo "dump_restore: $rows catalog rows identical after pg_dump and restore"
