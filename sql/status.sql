-- check() and the status, errors and conflicts views.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET timezone = 'UTC';

-- A bare database: wal_level is logical (pg_virtualenv -o wal_level=logical),
-- no key registered, no slot; the publication is left by earlier tests.
SELECT * FROM syncbridge.check();

SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f') IS NOT NULL AS registered;
SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
SELECT syncbridge.set_secret('sp', 'client_secret', 'secret-value');
CREATE TABLE items (id integer PRIMARY KEY, name text, qty integer);
SELECT syncbridge.create_sync('items', 'items', 'sp', '{"list": "Items"}', 'both') > 0 AS created;
SELECT 'slot' FROM pg_create_logical_replication_slot('syncbridge', 'pgoutput');
SELECT "check", ok, regexp_replace(detail, '[0-9A-F]+/[0-9A-F]+', 'X/X') AS detail FROM syncbridge.check();

-- Status: a fresh sync is active with nothing pending; lag is measured
-- against the configured slot.
SELECT sync, source_table, connection, kind, direction, conflict_policy, state, pending, failed,
       conflicts, synced_rows, last_runs, slot_lag_bytes >= 0 AS lag_known
  FROM syncbridge.status;

-- The sidecar's records show up in the views and move the state.
INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, remote_id, remote_version, provenance, state)
SELECT sync_id, '{"id": 1}', target_id, '7', '"{0D1F...},1"', 'push', 'synced' FROM syncbridge.target;
INSERT INTO syncbridge.ledger (sync_id, row_key, provenance, state)
SELECT sync_id, '{"id": 2}', 'push', 'pending' FROM syncbridge.sync;
INSERT INTO syncbridge.item_error (sync_id, direction, operation, row_key, http_status, error_code, message)
SELECT sync_id, 'push', 'create', '{"id": 3}', 400, 'invalidRequest', 'Field qty must be a number'
  FROM syncbridge.sync;
INSERT INTO syncbridge.run (sync_id, kind, status, started_at, finished_at, created)
SELECT sync_id, 'push', 'succeeded', '2026-01-01 10:00Z', '2026-01-01 10:01Z', 1 FROM syncbridge.sync;
SELECT sync, state, pending, failed, conflicts, synced_rows, last_push_at,
       last_runs -> 'push' ->> 'status' AS last_push_status
  FROM syncbridge.status;
SELECT sync, direction, operation, row_key, http_status, error_code, message FROM syncbridge.errors;
INSERT INTO syncbridge.conflict (sync_id, row_key, policy, local_values, remote_values)
SELECT sync_id, '{"id": 1}', 'manual', '{"qty": 1}', '{"qty": 2}' FROM syncbridge.sync;
SELECT sync, row_key, policy, local_values, remote_values FROM syncbridge.conflicts;
SELECT state, conflicts FROM syncbridge.status;

-- Constraints keep the sidecar's records meaningful.
\set VERBOSITY terse
INSERT INTO syncbridge.run (sync_id, kind, status) SELECT sync_id, 'push', 'failed' FROM syncbridge.sync;
INSERT INTO syncbridge.run (sync_id, kind, status) SELECT sync_id, 'dance', 'requested' FROM syncbridge.sync;
INSERT INTO syncbridge.ledger (sync_id, row_key, provenance, state) SELECT sync_id, '{"id": 9}', 'push', 'synced' FROM syncbridge.sync;
INSERT INTO syncbridge.ledger (sync_id, row_key, provenance, state) SELECT sync_id, '[9]', 'push', 'pending' FROM syncbridge.sync;
INSERT INTO syncbridge.item_error (sync_id, direction, operation, message) SELECT sync_id, 'push', 'create', 'x' FROM syncbridge.sync;
INSERT INTO syncbridge.conflict (sync_id, row_key, policy, resolution) SELECT sync_id, '{"id": 1}', 'manual', 'source' FROM syncbridge.sync;

\set VERBOSITY default
-- A connection the sidecar cannot use, and a paused sync.
INSERT INTO syncbridge.connection_status (connection_id, last_error, last_error_at)
SELECT connection_id, 'client_secret does not unseal with this key', now() FROM syncbridge.connection;
SELECT state, connection_error FROM syncbridge.status;
SELECT syncbridge.pause('items', 'investigating');
SELECT state, pause_reason FROM syncbridge.status;

-- The slot name is a setting.
SELECT syncbridge.set_setting('slot_name', 'other_slot');
SELECT "check", ok FROM syncbridge.check() WHERE "check" LIKE 'slot %';
SELECT slot_lag_bytes FROM syncbridge.status;
SELECT syncbridge.set_setting('slot_name', 'Bad Slot');
SELECT syncbridge.set_setting('color', 'blue');
SELECT syncbridge.set_setting('slot_name', NULL);
SELECT "check", ok FROM syncbridge.check() WHERE "check" LIKE 'slot %';

-- A slot of the configured name that is not pgoutput is reported.
SELECT 'slot' FROM pg_create_logical_replication_slot('regress_wrong_plugin', 'test_decoding');
SELECT syncbridge.set_setting('slot_name', 'regress_wrong_plugin');
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" LIKE 'slot %';
SELECT slot_lag_bytes >= 0 AS lag_known FROM syncbridge.status;
SELECT syncbridge.set_setting('slot_name', NULL);
SELECT 'dropped' FROM pg_drop_replication_slot('regress_wrong_plugin');

-- A table taken out of the publication, a replica identity that no longer
-- carries the key and a key without its unique index are reported.
ALTER PUBLICATION syncbridge DROP TABLE items;
ALTER TABLE items REPLICA IDENTITY NOTHING;
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" LIKE 'sync items:%';
ALTER PUBLICATION syncbridge ADD TABLE items;
ALTER TABLE items REPLICA IDENTITY DEFAULT;
ALTER TABLE items DROP CONSTRAINT items_pkey;
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" LIKE 'sync items:%';
ALTER TABLE items ADD PRIMARY KEY (id);
SELECT count(*) FILTER (WHERE NOT ok) AS failing FROM syncbridge.check() WHERE "check" LIKE 'sync items:%';

-- A column dropped from under a sync is reported.
ALTER TABLE items DROP COLUMN qty;
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" = 'sync items: columns';

SELECT 'dropped' FROM pg_drop_replication_slot('syncbridge');
SELECT syncbridge.drop_sync('items');
SELECT syncbridge.drop_connection('sp');
DROP TABLE items;
