-- pause / resume / run_now / provision / reset_cursor, and how the sidecar
-- hears of catalog changes: a transactional logical message (prefix
-- syncbridge) in commit order with the data, besides NOTIFY.
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT 'slot' FROM pg_create_logical_replication_slot('regress_notify', 'test_decoding');

-- An idle sidecar listens on channel syncbridge: here another session
-- (through dblink) does, and heard() returns what reached it since the last
-- call. The round trip first makes the listener send what it has heard
-- before it answers, so nothing arrives late.
CREATE EXTENSION dblink;
SELECT dblink_connect('listener', format('dbname=%s port=%s host=%s', current_database(), current_setting('port'),
                                         split_part(current_setting('unix_socket_directories'), ',', 1))) AS connected;
SELECT dblink_exec('listener', 'LISTEN syncbridge') AS listening;
CREATE FUNCTION pg_temp.heard() RETURNS TABLE (channel text, payload jsonb)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM * FROM dblink('listener', 'SELECT 1') AS t(x integer);
    RETURN QUERY
    SELECT n.notify_name::text,
           CASE WHEN n.extra::jsonb ? 'run_id' THEN jsonb_set(n.extra::jsonb, '{run_id}', '"<id>"')
                ELSE n.extra::jsonb END
      FROM dblink_get_notify('listener') n;
END
$$;

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE notes (id integer PRIMARY KEY, body text);
SELECT * FROM pg_temp.heard();
SELECT syncbridge.create_sync('notes', 'notes', 'sp', '{"list": "Notes"}') > 0 AS created;
SELECT * FROM pg_temp.heard();
SELECT syncbridge.map_field('notes', 'body', 'Body');
SELECT * FROM pg_temp.heard();
SELECT syncbridge.unmap_field('notes', 'body');
SELECT * FROM pg_temp.heard();
SELECT syncbridge.map_field('notes', 'body', 'Body');
SELECT syncbridge.add_shard_rule('notes', 1, '{"col": "id", "op": "<", "value": 100}', '{"list": "Early Notes"}') > 0 AS added;
SELECT * FROM pg_temp.heard();
SELECT syncbridge.drop_shard_rule('notes', 1);
SELECT * FROM pg_temp.heard();
SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f') IS NOT NULL AS registered;
SELECT syncbridge.set_secret('sp', 'client_secret', 'notify-plaintext');
SELECT * FROM pg_temp.heard();
SELECT syncbridge.pause('notes', 'maintenance window');
SELECT * FROM pg_temp.heard();
SELECT paused, pause_reason FROM syncbridge.sync;
SELECT syncbridge.pause('notes');
SELECT paused, pause_reason FROM syncbridge.sync;

-- A paused sync does not run.
SELECT syncbridge.run_now('notes');
SELECT syncbridge.resume('notes');
SELECT paused, pause_reason FROM syncbridge.sync;
-- The refused run_now said nothing; pause and resume did.
SELECT * FROM pg_temp.heard();

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
SELECT * FROM pg_temp.heard();
SELECT kind, status, requested_by = session_user AS by_me FROM syncbridge.run ORDER BY run_id;
SELECT sync, kind, status FROM syncbridge.runs ORDER BY run_id;

-- reset_cursor forgets pull positions.
INSERT INTO syncbridge.cursor (sync_id, target_id, position)
SELECT sync_id, target_id, 'https://graph.microsoft.com/v1.0/sites/x/lists/y/items/delta?token=abc'
  FROM syncbridge.target;
SELECT syncbridge.reset_cursor('notes');
SELECT syncbridge.reset_cursor('notes');
SELECT count(*) AS cursors FROM syncbridge.cursor;
SELECT * FROM pg_temp.heard();

-- A notification is sent on commit only: a rolled-back change tells nobody.
BEGIN;
SELECT syncbridge.pause('notes');
ROLLBACK;
SELECT * FROM pg_temp.heard();

-- The stream carried one message per catalog statement, in order.
SELECT substring(data FROM 'content:(.*)$')::jsonb AS message
  FROM pg_logical_slot_get_changes('regress_notify', NULL, NULL, 'include-xids', '0')
 WHERE data LIKE 'message: transactional: 1 prefix: syncbridge,%';
-- Within a transaction the message sits between the data changes around it,
-- so a streaming sidecar applies a definition change exactly where it was made.
BEGIN;
INSERT INTO notes VALUES (1, 'before');
SELECT syncbridge.unmap_field('notes', 'body');
INSERT INTO notes VALUES (2, 'after');
COMMIT;
SELECT regexp_replace(data, 'content:.*"table": "([a-z_]+)".*$', 'content about \1') AS change
  FROM pg_logical_slot_get_changes('regress_notify', NULL, NULL, 'include-xids', '0')
 WHERE data NOT LIKE 'table syncbridge.%';  -- the catalog is not published
SELECT * FROM pg_temp.heard();
DELETE FROM notes;

-- create_sync and drop_sync run one at a time (publication membership is
-- decided on what other syncs exist): while another session's create_sync
-- is uncommitted, this session's drop_sync waits.
CREATE TABLE notes_copy (id integer PRIMARY KEY);
SELECT dblink_exec('listener', 'BEGIN') AS other_session;
SELECT dblink_exec('listener', $q$DO $do$ BEGIN PERFORM syncbridge.create_sync('notes_copy', 'notes_copy', 'sp', '{"list": "Copy"}'); END $do$$q$) AS other_session;
SET lock_timeout = '200ms';
SELECT syncbridge.drop_sync('notes');
RESET lock_timeout;
SELECT dblink_exec('listener', 'ROLLBACK') AS other_session;
SELECT * FROM pg_temp.heard();
DROP TABLE notes_copy;

SELECT 'dropped' FROM pg_drop_replication_slot('regress_notify');

SELECT syncbridge.drop_sync('notes');
SELECT * FROM pg_temp.heard();
SELECT syncbridge.drop_connection('sp');
SELECT * FROM pg_temp.heard();
SELECT dblink_disconnect('listener');
DROP EXTENSION dblink;
DROP TABLE notes;
DELETE FROM syncbridge.sidecar_key;
