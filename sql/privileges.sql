-- Who may do what: nothing for PUBLIC, everything through syncbridge_admin,
-- ownership checked for the calling role even inside SECURITY DEFINER, and
-- apply_remote bound by the caller's own table privileges.
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE ROLE regress_outsider LOGIN;
CREATE ROLE regress_dba LOGIN;
CREATE ROLE regress_sidecar LOGIN REPLICATION;
GRANT syncbridge_admin TO regress_dba, regress_sidecar;
CREATE TABLE public.owned_by_postgres (id integer PRIMARY KEY, v text);
GRANT CREATE ON SCHEMA public TO regress_dba, regress_outsider;
SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f') IS NOT NULL AS registered;

-- An ungranted role cannot see or call anything.
SET ROLE regress_outsider;
SELECT * FROM syncbridge.sync;
SELECT syncbridge.create_connection('x', 'sharepoint', '{}');
SELECT * FROM syncbridge.status;
-- Its own DDL is untouched by the extension's event trigger.
CREATE TABLE public.outsider_scratch (id integer);
CREATE INDEX ON public.outsider_scratch (id);
DROP TABLE public.outsider_scratch;
RESET ROLE;

-- A granted role declares syncs of its own tables...
SET ROLE regress_dba;
SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE public.dba_items (id integer PRIMARY KEY, v text);
SELECT syncbridge.create_sync('dba_items', 'public.dba_items', 'sp', '{"list": "Items"}', 'both') > 0 AS created;
-- ...but not of tables it does not own, though the function runs as the definer.
SELECT syncbridge.create_sync('stolen', 'public.owned_by_postgres', 'sp', '{"list": "Stolen"}');
-- Definitions change only through the API.
INSERT INTO syncbridge.sync (name, source, connection_id, key_columns) VALUES ('x', 'public.dba_items', 1, '{id}');
UPDATE syncbridge.field_map SET direction = 'push_only';
DELETE FROM syncbridge.secret;
-- Health and status are readable (the one run is the backfill create_sync
-- requested).
SELECT sync, state, pending FROM syncbridge.status;
SELECT count(*) > 0 AS checks FROM syncbridge.check();
SELECT (SELECT count(*) FROM syncbridge.runs) + (SELECT count(*) FROM syncbridge.errors)
     + (SELECT count(*) FROM syncbridge.conflicts) + (SELECT count(*) FROM syncbridge.schedules) AS rows;
-- The catalog is readable; a secret set by this role shows only sealed bytes.
SELECT name, direction FROM syncbridge.sync;
SELECT syncbridge.set_secret('sp', 'client_secret', 'dba-plaintext-secret');
SELECT name, length(sealed) = length('dba-plaintext-secret') + 48 AS sealed_box,
       position('dba-plaintext' IN encode(sealed, 'escape')) AS plaintext_at
  FROM syncbridge.secret;
RESET ROLE;

-- The sidecar's role records its work but applies pulled rows only where the
-- table's owner granted it.
SET ROLE regress_sidecar;
INSERT INTO syncbridge.item_error (sync_id, direction, operation, row_key, message)
SELECT sync_id, 'pull', 'apply', '{"id": 1}', 'test' FROM syncbridge.sync;
INSERT INTO syncbridge.run (sync_id, kind, status) SELECT sync_id, 'pull', 'running' FROM syncbridge.sync;
-- It records what provisioning found and which run a job fired, though
-- these tables notify through helpers it may not call itself ...
UPDATE syncbridge.target SET remote_id = 'list-guid', provisioned_at = now();
RESET ROLE;
SET ROLE regress_dba;
SELECT syncbridge.schedule('dba_items', 'pull', '@hourly') > 0 AS scheduled;
RESET ROLE;
SET ROLE regress_sidecar;
UPDATE syncbridge.job SET last_run_id = (SELECT max(run_id) FROM syncbridge.run);
SELECT remote_id, provisioned_at IS NOT NULL AS provisioned FROM syncbridge.target;
-- ... but not the definitions.
UPDATE syncbridge.target SET list = 'Other';
UPDATE syncbridge.job SET schedule = '* * * * *';
SELECT syncbridge._notify('{"event": "forged"}');
SELECT syncbridge.apply_remote('dba_items', 'insert', '{"id": 1}', '{"v": "from remote"}');
RESET ROLE;
SET ROLE regress_dba;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.dba_items TO regress_sidecar;
RESET ROLE;
SET ROLE regress_sidecar;
SELECT syncbridge.apply_remote('dba_items', 'insert', '{"id": 1}', '{"v": "from remote"}');
SELECT * FROM public.dba_items;
RESET ROLE;

-- The sidecar parks a paused sync's changes, reports its heartbeat, each
-- sync's progress and a backfill's position, and deletes parked changes
-- once they are sent ...
SET ROLE regress_sidecar;
INSERT INTO syncbridge.parked_change (sync_id, lsn, change)
SELECT sync_id, '0/16B3748', '{"op": "insert", "new": {"id": 5}}' FROM syncbridge.sync
RETURNING seq > 0 AS parked;
INSERT INTO syncbridge.sidecar AS s (slot_name, pid, heartbeat_at) VALUES ('syncbridge', 1, now())
ON CONFLICT (slot_name) DO UPDATE SET pid = EXCLUDED.pid, heartbeat_at = EXCLUDED.heartbeat_at;
INSERT INTO syncbridge.sidecar AS s (slot_name, pid, heartbeat_at) VALUES ('syncbridge', 2, now())
ON CONFLICT (slot_name) DO UPDATE SET pid = EXCLUDED.pid, heartbeat_at = EXCLUDED.heartbeat_at;
INSERT INTO syncbridge.sync_progress AS p (sync_id, oldest_unapplied_at)
SELECT sync_id, now() FROM syncbridge.sync
ON CONFLICT (sync_id) DO UPDATE SET oldest_unapplied_at = EXCLUDED.oldest_unapplied_at;
INSERT INTO syncbridge.backfill (sync_id, run_id) SELECT sync_id, run_id FROM syncbridge.run WHERE kind = 'backfill';
UPDATE syncbridge.backfill SET after_key = '{"id": 9}', rows_done = rows_done + 9, finished_at = now();
SELECT (SELECT pid FROM syncbridge.sidecar) AS pid, parked_changes, backfill_state FROM syncbridge.status;
DELETE FROM syncbridge.parked_change RETURNING change;
-- ... but does not rewrite a parked change or forget a backfill, and the
-- definitions stay out of its reach.
UPDATE syncbridge.parked_change SET change = '{}';
DELETE FROM syncbridge.backfill;
DELETE FROM syncbridge.sidecar;
UPDATE syncbridge.sync SET paused = true;
DELETE FROM syncbridge.field_map;
RESET ROLE;
-- A role outside syncbridge_admin sees none of it.
SET ROLE regress_outsider;
SELECT * FROM syncbridge.parked_change;
SELECT * FROM syncbridge.sidecar;
RESET ROLE;

-- Table owners' triggers run as the caller, never as the extension owner.
CREATE FUNCTION public.whoami() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.v := NEW.v || ' by ' || current_user;
    RETURN NEW;
END $$;
CREATE TRIGGER whoami BEFORE INSERT OR UPDATE ON public.dba_items FOR EACH ROW EXECUTE FUNCTION public.whoami();
SET ROLE regress_sidecar;
SELECT syncbridge.apply_remote('dba_items', 'update', '{"id": 1}', '{"v": "again"}');
SELECT * FROM public.dba_items;
RESET ROLE;

-- Row-level security binds apply_remote as it binds the caller's own DML.
SET ROLE regress_dba;
ALTER TABLE public.dba_items ENABLE ROW LEVEL SECURITY;
CREATE POLICY odd_only ON public.dba_items TO regress_sidecar USING (id % 2 = 1) WITH CHECK (id % 2 = 1);
RESET ROLE;
SET ROLE regress_sidecar;
SELECT syncbridge.apply_remote('dba_items', 'insert', '{"id": 3}', '{"v": "odd"}');
SELECT syncbridge.apply_remote('dba_items', 'insert', '{"id": 4}', '{"v": "even"}');
SELECT id FROM public.dba_items ORDER BY id;
RESET ROLE;

-- Another admin cannot drop a sync of a table it does not own.
CREATE ROLE regress_other_admin LOGIN IN ROLE syncbridge_admin;
SET ROLE regress_other_admin;
SELECT syncbridge.drop_sync('dba_items');
RESET ROLE;

SET ROLE regress_dba;
SELECT syncbridge.drop_sync('dba_items');
SELECT syncbridge.drop_connection('sp');
DROP TABLE public.dba_items;
RESET ROLE;
DROP FUNCTION public.whoami();
DROP TABLE public.owned_by_postgres;
REVOKE CREATE ON SCHEMA public FROM regress_dba, regress_outsider;
DROP ROLE regress_outsider, regress_dba, regress_sidecar, regress_other_admin;
-- The heartbeat belongs to the slot, not to a sync: it outlives them.
DELETE FROM syncbridge.sidecar;
-- Leave no key for the tests that start without one.
DELETE FROM syncbridge.sidecar_key;
