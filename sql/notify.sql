-- pause / resume / run_now / provision / reset_cursor, and how the sidecar
-- hears of catalog changes: a transactional logical message (prefix
-- syncbridge) in commit order with the data, besides NOTIFY.
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT 'slot' FROM pg_create_logical_replication_slot('regress_notify', 'test_decoding');

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE notes (id integer PRIMARY KEY, body text);
SELECT syncbridge.create_sync('notes', 'notes', 'sp', '{"list": "Notes"}') > 0 AS created;
SELECT syncbridge.map_field('notes', 'body', 'Body');
SELECT syncbridge.pause('notes', 'maintenance window');
SELECT paused, pause_reason FROM syncbridge.sync;
SELECT syncbridge.pause('notes');
SELECT paused, pause_reason FROM syncbridge.sync;

-- A paused sync does not run.
SELECT syncbridge.run_now('notes');
SELECT syncbridge.resume('notes');
SELECT paused, pause_reason FROM syncbridge.sync;

-- Runs are recorded as requested; kinds are checked against the direction.
SELECT syncbridge.run_now('notes') > 0 AS requested;
SELECT syncbridge.run_now('notes', 'backfill') > 0 AS requested;
SELECT syncbridge.run_now('notes', 'pull');
SELECT syncbridge.run_now('notes', 'teleport');
SELECT syncbridge.run_now('notes', NULL);
SELECT syncbridge.run_now('nope');
SELECT syncbridge.alter_sync('notes', direction => 'pull');
SELECT syncbridge.run_now('notes', 'push');
SELECT syncbridge.run_now('notes', 'pull') > 0 AS requested;
SELECT syncbridge.provision('notes') > 0 AS requested;
SELECT kind, status, requested_by = session_user AS by_me FROM syncbridge.run ORDER BY run_id;
SELECT sync, kind, status FROM syncbridge.runs ORDER BY run_id;

-- reset_cursor forgets pull positions.
INSERT INTO syncbridge.cursor (sync_id, target_id, position)
SELECT sync_id, target_id, 'https://graph.microsoft.com/v1.0/sites/x/lists/y/items/delta?token=abc'
  FROM syncbridge.target;
SELECT syncbridge.reset_cursor('notes');
SELECT syncbridge.reset_cursor('notes');
SELECT count(*) AS cursors FROM syncbridge.cursor;

-- The stream carried one message per catalog statement, in order.
SELECT substring(data FROM 'content:(.*)$')::jsonb AS message
  FROM pg_logical_slot_get_changes('regress_notify', NULL, NULL, 'include-xids', '0')
 WHERE data LIKE 'message: transactional: 1 prefix: syncbridge,%';
SELECT 'dropped' FROM pg_drop_replication_slot('regress_notify');

SELECT syncbridge.drop_sync('notes');
SELECT syncbridge.drop_connection('sp');
DROP TABLE notes;
