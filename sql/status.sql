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

-- Status: a fresh sync is active with nothing pending and the backfill
-- create_sync requested; lag is measured against the configured slot.
SELECT sync, source_table, connection, kind, direction, conflict_policy, state, pending, failed,
       conflicts, synced_rows, jsonb_path_query_array(last_runs, '$.*.status') AS last_runs,
       last_runs -> 'backfill' ->> 'status' AS backfill_run, slot_lag_bytes >= 0 AS lag_known
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
-- What the sidecar reports, written as its role does (a member of
-- syncbridge_admin), with times relative to the transaction's now().
CREATE ROLE regress_status_sidecar NOLOGIN IN ROLE syncbridge_admin;
-- No sidecar has ever reported and the slot has unconfirmed WAL: how far
-- the remote side is behind is unknown.
SELECT slot_lag_bytes > 0 AS slot_behind, lag_seconds, parked_changes, backfill_rows_done,
       backfill_rows_estimate, backfill_state, sidecar_heartbeat_at
  FROM syncbridge.status;
-- A live sidecar (heartbeat 5 s ago) with nothing outstanding: no lag,
-- whatever the slot holds.
BEGIN;
SET LOCAL ROLE regress_status_sidecar;
INSERT INTO syncbridge.sidecar (slot_name, pid, version, started_at, heartbeat_at, received_lsn, flush_lsn)
VALUES ('syncbridge', 4242, '0.1.0', now() - interval '1 hour', now() - interval '5 seconds', '0/2000', '0/1000');
INSERT INTO syncbridge.sync_progress (sync_id, oldest_unapplied_at, last_applied_at)
SELECT sync_id, NULL, now() - interval '10 minutes' FROM syncbridge.sync;
SELECT slot_lag_bytes > 0 AS slot_behind, lag_seconds, now() - sidecar_heartbeat_at AS heartbeat_age
  FROM syncbridge.status;
COMMIT;
-- It holds a change committed 90 s ago: lag is that change's age.
BEGIN;
SET LOCAL ROLE regress_status_sidecar;
UPDATE syncbridge.sync_progress SET oldest_unapplied_at = now() - interval '90 seconds', updated_at = now();
SELECT lag_seconds FROM syncbridge.status;
-- Its heartbeat is 60 s old: still live.
UPDATE syncbridge.sidecar SET heartbeat_at = now() - interval '60 seconds';
SELECT lag_seconds FROM syncbridge.status;
-- 2 minutes without a heartbeat while the slot holds WAL: the sidecar is
-- gone, and the remote side has been behind at least since it was last
-- seen, or since the oldest change it reported, whichever is earlier.
UPDATE syncbridge.sidecar SET heartbeat_at = now() - interval '120 seconds';
SELECT lag_seconds FROM syncbridge.status;
UPDATE syncbridge.sync_progress SET oldest_unapplied_at = now() - interval '300 seconds';
SELECT lag_seconds FROM syncbridge.status;
UPDATE syncbridge.sync_progress SET oldest_unapplied_at = NULL;
SELECT lag_seconds FROM syncbridge.status;
COMMIT;
-- A pull-only sync does not follow the table: no push lag.
SELECT syncbridge.alter_sync('items', direction => 'pull');
SELECT direction, lag_seconds FROM syncbridge.status;
SELECT syncbridge.alter_sync('items', direction => 'both');
-- Once the slot has confirmed everything, nothing is in flight even with the
-- sidecar gone. (Background activity may write WAL between the two reads:
-- try again until a read sees the slot caught up.)
DO $$
DECLARE
    r record;
BEGIN
    FOR attempt IN 1..200 LOOP
        PERFORM pg_replication_slot_advance('syncbridge', pg_current_wal_lsn());
        SELECT slot_lag_bytes, lag_seconds INTO r FROM syncbridge.status;
        EXIT WHEN r.slot_lag_bytes = 0;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RAISE NOTICE 'slot caught up: %, lag_seconds: %', r.slot_lag_bytes = 0, r.lag_seconds;
END
$$;
-- The sidecar parks a paused sync's changes and records a backfill's
-- progress against the run create_sync requested.
SET ROLE regress_status_sidecar;
INSERT INTO syncbridge.parked_change (sync_id, lsn, change)
SELECT sync_id, lsn::pg_lsn, jsonb_build_object('op', 'update', 'key', jsonb_build_object('id', n))
  FROM syncbridge.sync, (VALUES (1, '0/3000'), (2, '0/3100'), (1, '0/3200')) AS v(n, lsn);
INSERT INTO syncbridge.backfill (sync_id, run_id, after_key, rows_done, rows_estimate)
SELECT sync_id, run_id, '{"id": 500}', 500, 2000 FROM syncbridge.run WHERE kind = 'backfill';
RESET ROLE;
SELECT parked_changes, backfill_rows_done, backfill_rows_estimate, backfill_state FROM syncbridge.status;
SET ROLE regress_status_sidecar;
UPDATE syncbridge.backfill SET rows_done = 2010, after_key = '{"id": 2010}', finished_at = now(), updated_at = now();
RESET ROLE;
SELECT backfill_rows_done, backfill_state FROM syncbridge.status;
\set VERBOSITY terse
INSERT INTO syncbridge.parked_change (sync_id, lsn, change) SELECT sync_id, '0/1', '[1]' FROM syncbridge.sync;
INSERT INTO syncbridge.backfill (sync_id, rows_done) SELECT sync_id, -1 FROM syncbridge.sync;
\set VERBOSITY default

-- A connection the sidecar cannot use, and a paused sync.
INSERT INTO syncbridge.connection_status (connection_id, last_error, last_error_at)
SELECT connection_id, 'client_secret does not unseal with this key', now() FROM syncbridge.connection;
SELECT state, connection_error FROM syncbridge.status;
SELECT syncbridge.pause('items', 'investigating');
-- Paused with parked changes: still paused, the parked changes counted.
SELECT state, pause_reason, parked_changes FROM syncbridge.status;

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
-- The sync's parked changes, progress and backfill went with it; the
-- heartbeat belongs to the slot.
SELECT (SELECT count(*) FROM syncbridge.parked_change) AS parked, (SELECT count(*) FROM syncbridge.backfill) AS backfills,
       (SELECT count(*) FROM syncbridge.sync_progress) AS progress, (SELECT count(*) FROM syncbridge.sidecar) AS sidecars;
DELETE FROM syncbridge.sidecar;
DROP ROLE regress_status_sidecar;
SELECT syncbridge.drop_connection('sp');
DROP TABLE items;
