-- Change notification, pg_dump registration and privileges.

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['setting', 'sidecar_key', 'connection', 'secret', 'sync', 'target',
                             'field_map', 'shard_rule', 'job'] LOOP
        EXECUTE format('CREATE TRIGGER catalog_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON syncbridge.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION syncbridge._catalog_changed()', t);
    END LOOP;
END
$$;

-- Dropping a synced table would leave its syncs pointing at nothing, with
-- the remote side silently out of step: refuse, and say how to do it.
-- SECURITY DEFINER: it fires for every role's DROP, and roles without
-- syncbridge_admin may not read the catalog.
CREATE FUNCTION syncbridge._refuse_synced_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dropped record;
    syncs text;
BEGIN
    FOR dropped IN SELECT * FROM pg_event_trigger_dropped_objects()
                    WHERE object_type = 'table' AND classid = 'pg_class'::regclass LOOP
        SELECT string_agg(name, ', ' ORDER BY name) INTO syncs
          FROM syncbridge.sync WHERE source = dropped.objid;
        IF syncs IS NOT NULL THEN
            PERFORM syncbridge._fail('2BP01',
                format('table %s is synced by %s', dropped.object_identity, syncs),
                format('Drop the sync first: SELECT syncbridge.drop_sync(%L);', split_part(syncs, ', ', 1)));
        END IF;
    END LOOP;
END
$$;
CREATE EVENT TRIGGER syncbridge_refuse_synced_drop ON sql_drop
    EXECUTE FUNCTION syncbridge._refuse_synced_drop();

-- pg_dump keeps the user's configuration and the sync state (the ledger is
-- what prevents duplicates after a restore; parked changes and backfill
-- positions exist nowhere else). sidecar and sync_progress are not dumped:
-- they describe a running sidecar, and the next one rewrites them.
-- One call per statement: each call updates the pg_extension row.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['setting', 'sidecar_key', 'connection', 'connection_status', 'secret', 'sync',
                             'target', 'field_map', 'shard_rule', 'ledger', 'cursor', 'run', 'item_error',
                             'conflict', 'job', 'parked_change', 'backfill',
                             'sidecar_key_key_id_seq', 'connection_connection_id_seq', 'sync_sync_id_seq',
                             'target_target_id_seq', 'shard_rule_rule_id_seq', 'run_run_id_seq',
                             'item_error_error_id_seq', 'conflict_conflict_id_seq', 'job_job_id_seq',
                             'parked_change_seq_seq'] LOOP
        PERFORM pg_catalog.pg_extension_config_dump(('syncbridge.' || t)::regclass, '');
    END LOOP;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'syncbridge_admin') THEN
        CREATE ROLE syncbridge_admin NOLOGIN;
    END IF;
END
$$;
COMMENT ON ROLE syncbridge_admin IS
    'Members may declare syncs and run the syncbridge sidecar (which also needs REPLICATION)';

REVOKE ALL ON SCHEMA syncbridge FROM PUBLIC;
GRANT USAGE ON SCHEMA syncbridge TO syncbridge_admin;

REVOKE ALL ON ALL TABLES IN SCHEMA syncbridge FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA syncbridge FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA syncbridge FROM PUBLIC;

GRANT SELECT ON ALL TABLES IN SCHEMA syncbridge TO syncbridge_admin;
-- The sidecar's working state; definitions change only through functions.
GRANT INSERT, UPDATE, DELETE ON syncbridge.ledger, syncbridge.cursor, syncbridge.item_error,
    syncbridge.conflict, syncbridge.connection_status TO syncbridge_admin;
GRANT INSERT, UPDATE ON syncbridge.run, syncbridge.sidecar, syncbridge.sync_progress, syncbridge.backfill
    TO syncbridge_admin;
GRANT INSERT, DELETE ON syncbridge.parked_change TO syncbridge_admin;
GRANT UPDATE (remote_id, provisioned_at) ON syncbridge.target TO syncbridge_admin;
GRANT UPDATE (last_run_id) ON syncbridge.job TO syncbridge_admin;
GRANT USAGE ON syncbridge.run_run_id_seq, syncbridge.item_error_error_id_seq,
    syncbridge.conflict_conflict_id_seq, syncbridge.parked_change_seq_seq TO syncbridge_admin;

GRANT EXECUTE ON FUNCTION
    syncbridge.set_setting(text, text),
    syncbridge.register_sidecar_key(bytea),
    syncbridge.create_connection(text, text, jsonb),
    syncbridge.alter_connection(text, jsonb),
    syncbridge.drop_connection(text),
    syncbridge.set_secret(text, text, text),
    syncbridge.create_sync(text, regclass, text, jsonb, text, text, text[], text, interval),
    syncbridge.alter_sync(text, text, text, text, interval),
    syncbridge.map_field(text, text, text, text, text),
    syncbridge.unmap_field(text, text),
    syncbridge.add_shard_rule(text, integer, jsonb, jsonb),
    syncbridge.drop_shard_rule(text, integer),
    syncbridge.pause(text, text),
    syncbridge.resume(text),
    syncbridge.run_now(text, text),
    syncbridge.provision(text),
    syncbridge.reset_cursor(text),
    syncbridge.drop_sync(text),
    syncbridge.check(),
    syncbridge.cron_next(text, timestamptz),
    syncbridge.schedule(text, text, text),
    syncbridge.unschedule(text, text),
    syncbridge.apply_remote(text, text, jsonb, jsonb),
    syncbridge.start_remote_apply(text),
    syncbridge.stop_remote_apply(),
    syncbridge.sharepoint_internal_name(text)
TO syncbridge_admin;
-- apply_remote reads the definitions through these as the calling role.
GRANT EXECUTE ON FUNCTION syncbridge._get_setting(text) TO syncbridge_admin;
