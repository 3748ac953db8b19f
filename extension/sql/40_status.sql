-- Health checks and the views a DBA looks at.

CREATE FUNCTION syncbridge.check()
RETURNS TABLE ("check" text, ok boolean, detail text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    wanted_slot constant text := syncbridge._get_setting('slot_name');
    slot record;
    pub record;
    s record;
    c record;
    k record;
    missing text;
    identity text[];
BEGIN
    "check" := 'wal_level';
    ok := current_setting('wal_level') = 'logical';
    detail := CASE WHEN ok THEN 'logical'
                   ELSE format('wal_level is %s; set wal_level = logical and restart', current_setting('wal_level')) END;
    RETURN NEXT;

    SELECT * INTO k FROM syncbridge.sidecar_key WHERE active;
    "check" := 'sidecar key';
    ok := FOUND;
    detail := CASE WHEN ok THEN 'fingerprint ' || k.fingerprint
                   ELSE 'no key registered: run syncbridged keygen, then syncbridge.register_sidecar_key()' END;
    RETURN NEXT;

    SELECT * INTO slot FROM pg_replication_slots r WHERE r.slot_name = wanted_slot;
    "check" := format('slot %s', wanted_slot);
    ok := FOUND AND slot.plugin = 'pgoutput' AND slot.slot_type = 'logical' AND slot.database = current_database();
    detail := CASE
        WHEN slot.slot_name IS NULL THEN
            format('missing: SELECT pg_create_logical_replication_slot(%L, ''pgoutput'');', wanted_slot)
        WHEN slot.slot_type <> 'logical' OR slot.plugin IS DISTINCT FROM 'pgoutput' THEN
            format('slot uses %s, not pgoutput; drop it and create it with pgoutput', coalesce(slot.plugin, slot.slot_type))
        WHEN slot.database <> current_database() THEN
            format('slot belongs to database %s', slot.database)
        ELSE format('pgoutput, confirmed up to %s', slot.confirmed_flush_lsn) END;
    RETURN NEXT;

    SELECT * INTO pub FROM pg_publication WHERE pubname = 'syncbridge';
    "check" := 'publication syncbridge';
    ok := FOUND OR NOT EXISTS (SELECT FROM syncbridge.sync);
    detail := CASE WHEN pub.oid IS NOT NULL THEN 'exists'
                   WHEN ok THEN 'not created yet (create_sync creates it)'
                   ELSE 'missing: CREATE PUBLICATION syncbridge WITH (publish_via_partition_root = true);' END;
    RETURN NEXT;

    FOR c IN SELECT * FROM syncbridge.connection ORDER BY name LOOP
        SELECT string_agg(n, ', ' ORDER BY n) INTO missing
          FROM unnest(syncbridge._required_secrets(c.kind, c.settings)) n
         WHERE NOT EXISTS (SELECT FROM syncbridge.secret x
                            WHERE x.connection_id = c.connection_id AND x.name = n);
        "check" := format('connection %s: secrets', c.name);
        ok := missing IS NULL;
        detail := CASE WHEN ok THEN 'all set'
                       ELSE format('missing %s: SELECT syncbridge.set_secret(%L, <name>, <value>);', missing, c.name) END;
        IF ok THEN
            SELECT string_agg(x.name, ', ' ORDER BY x.name) INTO missing
              FROM syncbridge.secret x
             WHERE x.connection_id = c.connection_id AND x.key_id IS DISTINCT FROM k.key_id;
            IF missing IS NOT NULL THEN
                ok := false;
                detail := format('sealed to a key that is no longer active: %s; set them again', missing);
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;

    FOR s IN SELECT x.*, cl.oid IS NOT NULL AS table_exists
               FROM syncbridge.sync x LEFT JOIN pg_class cl ON cl.oid = x.source
              ORDER BY x.name LOOP
        "check" := format('sync %s: table', s.name);
        ok := s.table_exists;
        detail := CASE WHEN ok THEN s.source::text
                       ELSE format('table with oid %s no longer exists; drop the sync', s.source::oid) END;
        RETURN NEXT;
        CONTINUE WHEN NOT s.table_exists;

        SELECT string_agg(quote_ident(m), ', ') INTO missing
          FROM (SELECT unnest(s.key_columns) UNION SELECT f.column_name FROM syncbridge.field_map f
                 WHERE f.sync_id = s.sync_id) AS u(m)
         WHERE NOT EXISTS (SELECT FROM syncbridge._columns(s.source) x WHERE x.column_name = m AND NOT x.generated);
        "check" := format('sync %s: columns', s.name);
        ok := missing IS NULL;
        detail := CASE WHEN ok THEN 'key and mapped columns exist'
                       ELSE format('no longer in %s: %s; remap or unmap them', s.source, missing) END;
        RETURN NEXT;

        "check" := format('sync %s: publication', s.name);
        ok := pub.oid IS NOT NULL AND (pub.puballtables OR EXISTS (
                  SELECT FROM pg_publication_rel r WHERE r.prpubid = pub.oid AND r.prrelid = s.source));
        detail := CASE WHEN ok THEN 'table is published'
                       ELSE format('ALTER PUBLICATION syncbridge ADD TABLE %s;', s.source) END;
        RETURN NEXT;

        identity := syncbridge._replica_identity_columns(s.source);
        "check" := format('sync %s: replica identity', s.name);
        ok := identity IS NULL OR s.key_columns <@ identity;
        detail := CASE WHEN identity IS NULL THEN 'full'
                       WHEN ok THEN format('covers the key %s', s.key_columns)
                       ELSE format('does not cover the key %s: ALTER TABLE %s REPLICA IDENTITY USING INDEX <unique index on the key>;',
                                   s.key_columns, s.source) END;
        RETURN NEXT;

        "check" := format('sync %s: unique key', s.name);
        ok := syncbridge._has_unique_index(s.source, s.key_columns);
        detail := CASE WHEN ok THEN format('unique index on %s', s.key_columns)
                       ELSE format('no unique index on exactly %s: CREATE UNIQUE INDEX ON %s (%s);', s.key_columns,
                                   s.source, (SELECT string_agg(quote_ident(x), ', ') FROM unnest(s.key_columns) x)) END;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION syncbridge.check() IS
    'Verify what syncbridge needs from the server and the catalog; each row names a fix when not ok';

CREATE VIEW syncbridge.status AS
SELECT s.name AS sync,
       s.source AS source_table,
       c.name AS connection,
       c.kind,
       s.direction,
       s.conflict_policy,
       CASE WHEN s.paused THEN 'paused'
            WHEN cs.last_error IS NOT NULL THEN 'error'
            WHEN e.failed > 0 OR cf.conflicts > 0 THEN 'degraded'
            ELSE 'active' END AS state,
       s.pause_reason,
       cs.last_error AS connection_error,
       coalesce(l.pending, 0) AS pending,
       coalesce(e.failed, 0) AS failed,
       coalesce(cf.conflicts, 0) AS conflicts,
       coalesce(l.synced, 0) AS synced_rows,
       (r.runs -> 'push' ->> 'finished_at')::timestamptz AS last_push_at,
       (r.runs -> 'pull' ->> 'finished_at')::timestamptz AS last_pull_at,
       coalesce(r.runs, '{}') AS last_runs,
       sl.lag_bytes AS slot_lag_bytes,
       -- How far the remote side is behind this sync's table (docs/sql-api.md,
       -- "lag_seconds"). A live sidecar's report is current: the age of the
       -- oldest change it holds unapplied (parked ones included). Without a
       -- live sidecar, a slot that has confirmed everything means nothing
       -- is in flight; otherwise the remote side has been behind at least
       -- since the sidecar was last seen. Pull-only syncs do not follow the
       -- table.
       CASE WHEN s.direction = 'pull' THEN NULL
            WHEN sc.heartbeat_at >= now() - interval '60 seconds' OR sl.lag_bytes = 0
                 THEN coalesce(greatest(extract(epoch FROM now() - sp.oldest_unapplied_at), 0), 0)::double precision
            WHEN sc.heartbeat_at IS NULL THEN NULL
            ELSE greatest(extract(epoch FROM now() - sc.heartbeat_at),
                          extract(epoch FROM now() - sp.oldest_unapplied_at), 0)::double precision
       END AS lag_seconds,
       coalesce(pc.parked, 0) AS parked_changes,
       b.rows_done AS backfill_rows_done,
       b.rows_estimate AS backfill_rows_estimate,
       CASE WHEN b.sync_id IS NULL THEN NULL
            WHEN b.finished_at IS NULL THEN 'running'
            ELSE 'finished' END AS backfill_state,
       sc.heartbeat_at AS sidecar_heartbeat_at
  FROM syncbridge.sync s
  JOIN syncbridge.connection c USING (connection_id)
  LEFT JOIN syncbridge.connection_status cs USING (connection_id)
  LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE state = 'pending') AS pending,
                            count(*) FILTER (WHERE state = 'synced') AS synced
                       FROM syncbridge.ledger WHERE sync_id = s.sync_id) l ON true
  LEFT JOIN LATERAL (SELECT count(*) AS failed FROM syncbridge.item_error
                      WHERE sync_id = s.sync_id AND resolved_at IS NULL) e ON true
  LEFT JOIN LATERAL (SELECT count(*) AS conflicts FROM syncbridge.conflict
                      WHERE sync_id = s.sync_id AND resolved_at IS NULL) cf ON true
  LEFT JOIN LATERAL (SELECT jsonb_object_agg(kind, jsonb_build_object('run_id', run_id, 'status', status,
                                                                      'requested_at', requested_at,
                                                                      'finished_at', finished_at)) AS runs
                       FROM (SELECT DISTINCT ON (kind) * FROM syncbridge.run
                              WHERE sync_id = s.sync_id ORDER BY kind, run_id DESC) last) r ON true
  LEFT JOIN LATERAL (SELECT count(*) AS parked FROM syncbridge.parked_change
                      WHERE sync_id = s.sync_id) pc ON true
  LEFT JOIN syncbridge.backfill b ON b.sync_id = s.sync_id
  LEFT JOIN syncbridge.sync_progress sp ON sp.sync_id = s.sync_id
  LEFT JOIN pg_replication_slots slot ON slot.slot_name = syncbridge._get_setting('slot_name')
  LEFT JOIN syncbridge.sidecar sc ON sc.slot_name = syncbridge._get_setting('slot_name')
  CROSS JOIN LATERAL (SELECT CASE WHEN pg_is_in_recovery() THEN NULL
                                  ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), slot.confirmed_flush_lsn)::bigint
                             END AS lag_bytes) sl;
COMMENT ON VIEW syncbridge.status IS
    'One row per sync: state, pending/failed/conflict counts, last runs, lag in bytes and seconds, parked changes, backfill progress, sidecar heartbeat';

CREATE VIEW syncbridge.runs AS
SELECT r.run_id, s.name AS sync, r.kind, r.status, r.requested_by, r.requested_at, r.started_at,
       r.finished_at, r.finished_at - r.started_at AS duration,
       r.created, r.updated, r.deleted, r.moved, r.skipped, r.failed, r.conflicts, r.error
  FROM syncbridge.run r JOIN syncbridge.sync s USING (sync_id);
COMMENT ON VIEW syncbridge.runs IS 'Runs with their sync''s name and duration';

CREATE VIEW syncbridge.errors AS
SELECT e.error_id, s.name AS sync, e.direction, e.operation, e.row_key, e.remote_id, e.http_status,
       e.error_code, e.message, e.attempts, e.first_seen, e.last_seen, e.lsn, e.run_id
  FROM syncbridge.item_error e JOIN syncbridge.sync s USING (sync_id)
 WHERE e.resolved_at IS NULL;
COMMENT ON VIEW syncbridge.errors IS 'Unresolved item errors';

CREATE VIEW syncbridge.conflicts AS
SELECT x.conflict_id, s.name AS sync, x.row_key, x.remote_id, x.policy, x.local_values, x.remote_values,
       x.local_changed_at, x.remote_changed_at, x.detected_at
  FROM syncbridge.conflict x JOIN syncbridge.sync s USING (sync_id)
 WHERE x.resolved_at IS NULL;
COMMENT ON VIEW syncbridge.conflicts IS 'Conflicts waiting for a decision';
