-- The SQL API. Every function validates its arguments and raises with a
-- message naming the problem and a hint. Functions that change the catalog
-- run as SECURITY DEFINER with a fixed search_path; ownership checks use the
-- calling role (_invoker()).

CREATE FUNCTION syncbridge.set_setting(name text, value text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM syncbridge._require(name, 'name');
    IF name <> 'slot_name' THEN
        PERFORM syncbridge._fail('22023', format('unknown setting "%s"', name), 'Settings: slot_name.');
    END IF;
    IF value IS NULL THEN
        DELETE FROM syncbridge.setting s WHERE s.name = set_setting.name;
        RETURN;
    END IF;
    IF value !~ '^[a-z0-9_]{1,63}$' THEN
        PERFORM syncbridge._fail('22023', format('invalid replication slot name "%s"', value),
                                 'Slot names use lower-case letters, digits and "_" (at most 63).');
    END IF;
    INSERT INTO syncbridge.setting AS s (name, value) VALUES (set_setting.name, set_setting.value)
    ON CONFLICT ON CONSTRAINT setting_pkey DO UPDATE SET value = EXCLUDED.value, updated_at = now();
END
$$;
COMMENT ON FUNCTION syncbridge.set_setting(text, text) IS
    'Set (or with NULL, reset) a syncbridge setting; slot_name defaults to syncbridge';

-- Reject keys that crypto_box_seal cannot use (e.g. low-order points).
CREATE FUNCTION syncbridge._usable_public_key(public_key bytea) RETURNS boolean
AS 'MODULE_PATHNAME', 'syncbridge_usable_public_key'
LANGUAGE C IMMUTABLE STRICT;

CREATE FUNCTION syncbridge.register_sidecar_key(public_key bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    k syncbridge.sidecar_key;
    stale bigint;
BEGIN
    PERFORM syncbridge._require(public_key, 'public_key');
    IF length(public_key) <> 32 THEN
        PERFORM syncbridge._fail('22023', format('a sidecar public key has 32 bytes, not %s', length(public_key)),
            'Register the key exactly as "syncbridged keygen" prints it: ''\x'' followed by 64 hex digits.');
    END IF;
    IF NOT syncbridge._usable_public_key(public_key) THEN
        PERFORM syncbridge._fail('22023', 'the key is not a usable X25519 public key',
                                 'Generate a key pair with "syncbridged keygen --out FILE".');
    END IF;
    UPDATE syncbridge.sidecar_key SET active = false WHERE active AND sidecar_key.public_key <> register_sidecar_key.public_key;
    INSERT INTO syncbridge.sidecar_key AS sk (public_key) VALUES (register_sidecar_key.public_key)
    ON CONFLICT ON CONSTRAINT sidecar_key_public_key_key DO UPDATE SET active = true
    RETURNING * INTO k;
    SELECT count(*) INTO stale FROM syncbridge.secret WHERE key_id <> k.key_id;
    IF stale > 0 THEN
        RAISE NOTICE '% secret(s) are sealed to another key and cannot be opened by this sidecar', stale
            USING HINT = 'Set them again with syncbridge.set_secret(); syncbridge.check() lists them.';
    END IF;
    RETURN k.fingerprint;
END
$$;
COMMENT ON FUNCTION syncbridge.register_sidecar_key(bytea) IS
    'Register the sidecar''s X25519 public key (from syncbridged keygen); returns its fingerprint';

CREATE FUNCTION syncbridge.create_connection(name text, kind text, settings jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    PERFORM syncbridge._check_name('connection', name);
    PERFORM syncbridge._require(kind, 'kind');
    IF EXISTS (SELECT FROM syncbridge.connection c WHERE c.name = create_connection.name) THEN
        PERFORM syncbridge._fail('42710', format('connection "%s" already exists', name),
            'Change it with syncbridge.alter_connection() or pick another name.');
    END IF;
    INSERT INTO syncbridge.connection (name, kind, settings)
    VALUES (name, kind, syncbridge._normalize_settings(kind, settings))
    RETURNING connection_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION syncbridge.create_connection(text, text, jsonb) IS
    'Declare a SharePoint or Confluence connection; settings are validated per kind';

CREATE FUNCTION syncbridge.alter_connection(name text, settings jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c syncbridge.connection := syncbridge._find_connection(name);
BEGIN
    UPDATE syncbridge.connection
       SET settings = syncbridge._normalize_settings(c.kind, alter_connection.settings), updated_at = now()
     WHERE connection_id = c.connection_id;
END
$$;
COMMENT ON FUNCTION syncbridge.alter_connection(text, jsonb) IS
    'Replace the settings of a connection (validated as in create_connection)';

CREATE FUNCTION syncbridge.drop_connection(name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c syncbridge.connection := syncbridge._find_connection(name);
    users text;
BEGIN
    SELECT string_agg(s.name, ', ' ORDER BY s.name) INTO users
      FROM syncbridge.sync s WHERE s.connection_id = c.connection_id;
    IF users IS NOT NULL THEN
        PERFORM syncbridge._fail('2BP01', format('connection "%s" is used by sync(s) %s', name, users),
                                 'Drop those syncs first with syncbridge.drop_sync().');
    END IF;
    DELETE FROM syncbridge.connection WHERE connection_id = c.connection_id;
END
$$;
COMMENT ON FUNCTION syncbridge.drop_connection(text) IS
    'Remove a connection and its secrets; refused while a sync uses it';

-- Seal and store a secret (C: libsodium sealed box to the active sidecar
-- key). Connection and name are validated by _secret_slot().
CREATE FUNCTION syncbridge._secret_slot(connection text, name text) RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c syncbridge.connection := syncbridge._find_connection(connection);
    allowed text[] := syncbridge._required_secrets(c.kind, c.settings);
BEGIN
    PERFORM syncbridge._require(name, 'name');
    IF name <> ALL (allowed) THEN
        PERFORM syncbridge._fail('22023', format('connection "%s" uses no secret named "%s"', connection, name),
            format('Secrets for this connection: %s.', array_to_string(allowed, ', ')));
    END IF;
    RETURN c.connection_id;
END
$$;

CREATE FUNCTION syncbridge.set_secret(connection text, name text, value text) RETURNS void
AS 'MODULE_PATHNAME', 'syncbridge_set_secret'
LANGUAGE C SECURITY DEFINER
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION syncbridge.set_secret(text, text, text) IS
    'Seal a secret to the sidecar key and store it; the plaintext is never stored or logged';

CREATE FUNCTION syncbridge.create_sync(
    name text,
    source regclass,
    connection text,
    target jsonb,
    direction text DEFAULT 'push',
    conflict_policy text DEFAULT 'source_wins',
    key_columns text[] DEFAULT NULL,
    truncate_policy text DEFAULT 'pause',
    pull_interval interval DEFAULT '15 seconds')
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c syncbridge.connection;
    rel record;
    keys text[] := key_columns;
    k text;
    col record;
    identity text[];
    s syncbridge.sync;
    pub record;
BEGIN
    PERFORM syncbridge._check_name('sync', name);
    PERFORM syncbridge._require(source, 'source');
    -- One create_sync or drop_sync at a time: the name check, the
    -- publication's creation and its membership stay consistent.
    LOCK TABLE syncbridge.sync IN SHARE ROW EXCLUSIVE MODE;
    c := syncbridge._find_connection(connection);
    IF EXISTS (SELECT FROM syncbridge.sync x WHERE x.name = create_sync.name) THEN
        PERFORM syncbridge._fail('42710', format('sync "%s" already exists', name),
                                 'Drop it with syncbridge.drop_sync() or pick another name.');
    END IF;
    PERFORM syncbridge._require(direction, 'direction');
    PERFORM syncbridge._require(conflict_policy, 'conflict_policy');
    PERFORM syncbridge._require(truncate_policy, 'truncate_policy');
    PERFORM syncbridge._require(pull_interval, 'pull_interval');
    PERFORM syncbridge._check_sync_options(direction, conflict_policy, truncate_policy, pull_interval);

    SELECT cl.relkind, cl.relpersistence, cl.relispartition, cl.relowner, n.nspname
      INTO rel FROM pg_class cl JOIN pg_namespace n ON n.oid = cl.relnamespace WHERE cl.oid = source;
    IF rel.relkind NOT IN ('r', 'p') THEN
        PERFORM syncbridge._fail('42809', format('%s is not a table', source),
                                 'Only ordinary and partitioned tables can be synced.');
    END IF;
    IF rel.relpersistence <> 'p' THEN
        PERFORM syncbridge._fail('42809', format('%s is an unlogged or temporary table', source),
                                 'Logical replication only carries changes of permanent, logged tables.');
    END IF;
    IF rel.relispartition THEN
        PERFORM syncbridge._fail('42809', format('%s is a partition', source),
                                 'Sync the partitioned table it belongs to; its changes are published as the root''s.');
    END IF;
    IF rel.nspname IN ('pg_catalog', 'information_schema', 'syncbridge') THEN
        PERFORM syncbridge._fail('42809', format('%s is a system or syncbridge table', source),
                                 'Sync your own tables only.');
    END IF;
    IF NOT pg_has_role(syncbridge._invoker(), rel.relowner, 'USAGE') THEN
        PERFORM syncbridge._fail('42501', format('must be the owner of %s to sync it', source),
            format('Ask the owner (%s) to create the sync, or to grant you membership in that role.', rel.relowner::regrole));
    END IF;

    -- The key: the primary key unless given; either way it must be NOT NULL
    -- and exactly the columns of a unique index (apply_remote's ON CONFLICT).
    IF keys IS NULL THEN
        SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
          INTO keys
          FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = source AND i.indisprimary;
        IF keys IS NULL THEN
            PERFORM syncbridge._fail('42P16', format('%s has no primary key', source),
                'Add a primary key, or pass key_columns => ARRAY[...] naming NOT NULL columns with a unique index.');
        END IF;
    ELSE
        IF cardinality(keys) = 0 OR array_position(keys, NULL) IS NOT NULL
           OR (SELECT count(DISTINCT x) FROM unnest(keys) x) <> cardinality(keys) THEN
            PERFORM syncbridge._fail('22023', 'key_columns must be a non-empty list of distinct column names',
                                     'Pass e.g. key_columns => ARRAY[''code''].');
        END IF;
        FOREACH k IN ARRAY keys LOOP
            SELECT * INTO col FROM syncbridge._column(source, k);
            IF col.generated THEN
                PERFORM syncbridge._fail('42P16', format('key column "%s" of %s is generated', k, source),
                                         'Generated columns are not published; choose stored columns as the key.');
            END IF;
            IF NOT col.not_null THEN
                PERFORM syncbridge._fail('42P16', format('key column "%s" of %s is nullable', k, source),
                                         format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL;', source, k));
            END IF;
        END LOOP;
        IF NOT syncbridge._has_unique_index(source, keys) THEN
            PERFORM syncbridge._fail('42P16', format('no unique index of %s covers exactly the key columns %s', source, keys),
                format('CREATE UNIQUE INDEX ON %s (%s);', source,
                       (SELECT string_agg(quote_ident(x), ', ') FROM unnest(keys) x)));
        END IF;
    END IF;

    identity := syncbridge._replica_identity_columns(source);
    IF identity IS NOT NULL AND NOT (keys <@ identity) THEN
        PERFORM syncbridge._fail('55000', format('the replica identity of %s does not include the key columns %s', source, keys),
            format('Deletes must carry the key: ALTER TABLE %s REPLICA IDENTITY USING INDEX <unique index on the key>, or REPLICA IDENTITY FULL.', source),
            format('Replica identity columns: %s.', CASE WHEN identity = '{}' THEN 'none' ELSE identity::text END));
    END IF;

    INSERT INTO syncbridge.sync (name, source, connection_id, key_columns, direction, conflict_policy,
                                 truncate_policy, pull_interval)
    VALUES (name, source, c.connection_id, keys, direction, conflict_policy, truncate_policy, pull_interval)
    RETURNING * INTO s;

    PERFORM syncbridge._target_for(s, c.kind, syncbridge._normalize_target(c, source, keys, target), true);

    -- Every stored column, by the same rules as map_field. A SharePoint
    -- column gets a field of its own even when its name is a built-in's
    -- (_sharepoint_default_field), so none lands on a read-only system field;
    -- elsewhere a column named like the reserved key field is left for the
    -- DBA to map under another name.
    INSERT INTO syncbridge.field_map (sync_id, column_name, remote_field, direction)
    SELECT s.sync_id, m.column_name, m.remote_field, 'both'
      FROM (SELECT x.column_name,
                   CASE c.kind WHEN 'sharepoint' THEN syncbridge._sharepoint_default_field(x.column_name)
                               ELSE x.column_name END AS remote_field
              FROM syncbridge._columns(source) x WHERE NOT x.generated) m
     WHERE lower(m.remote_field) <> 'syncbridgekey';
    FOR col IN SELECT x.column_name FROM syncbridge._columns(source) x
                WHERE NOT x.generated AND NOT EXISTS (SELECT FROM syncbridge.field_map f
                                                       WHERE f.sync_id = s.sync_id AND f.column_name = x.column_name) LOOP
        RAISE NOTICE 'column "%" is not mapped: its name is the reserved remote field SyncBridgeKey', col.column_name
            USING HINT = format('Map it under another name: syncbridge.map_field(%L, %L, ''<field>'').', s.name, col.column_name);
    END LOOP;

    -- The publication is created on first use, never by CREATE EXTENSION, so
    -- that a DBA may create it beforehand with options of their own.
    SELECT * INTO pub FROM pg_publication WHERE pubname = 'syncbridge';
    IF NOT FOUND THEN
        CREATE PUBLICATION syncbridge WITH (publish_via_partition_root = true);
        SELECT * INTO pub FROM pg_publication WHERE pubname = 'syncbridge';
    END IF;
    IF rel.relkind = 'p' AND NOT pub.pubviaroot THEN
        PERFORM syncbridge._fail('55000', format('publication syncbridge does not publish %s as its root', source),
                                 'ALTER PUBLICATION syncbridge SET (publish_via_partition_root = true);');
    END IF;
    IF NOT pub.puballtables AND NOT EXISTS (SELECT FROM pg_publication_rel r
                                             WHERE r.prpubid = pub.oid AND r.prrelid = source) THEN
        EXECUTE format('ALTER PUBLICATION syncbridge ADD TABLE %s', source);
    END IF;

    -- Rows already in the table are not in the stream: a sync that pushes
    -- sends them with a backfill, requested in this transaction so that a
    -- committed sync always has one.
    IF s.direction IN ('push', 'both') THEN
        PERFORM syncbridge._request_run(s, 'backfill');
    END IF;
    RETURN s.sync_id;
END
$$;
COMMENT ON FUNCTION syncbridge.create_sync(text, regclass, text, jsonb, text, text, text[], text, interval) IS
    'Declare a sync of a table to a connection''s target; maps every column, publishes the table and, when it pushes, requests a backfill';

CREATE FUNCTION syncbridge.alter_sync(
    sync text,
    direction text DEFAULT NULL,
    conflict_policy text DEFAULT NULL,
    truncate_policy text DEFAULT NULL,
    pull_interval interval DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    PERFORM syncbridge._check_sync_options(direction, conflict_policy, truncate_policy, pull_interval);
    UPDATE syncbridge.sync x
       SET direction = coalesce(alter_sync.direction, x.direction),
           conflict_policy = coalesce(alter_sync.conflict_policy, x.conflict_policy),
           truncate_policy = coalesce(alter_sync.truncate_policy, x.truncate_policy),
           pull_interval = coalesce(alter_sync.pull_interval, x.pull_interval),
           updated_at = now()
     WHERE x.sync_id = s.sync_id;
END
$$;
COMMENT ON FUNCTION syncbridge.alter_sync(text, text, text, text, interval) IS
    'Change direction, conflict policy, truncate policy or pull interval of a sync (NULL keeps a value)';

CREATE FUNCTION syncbridge.map_field(sync text, column_name text, remote_field text,
                                     direction text DEFAULT 'both', transform text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
    other text;
BEGIN
    PERFORM syncbridge._validate_field_map(s, column_name, remote_field, direction, transform);
    SELECT f.column_name INTO other FROM syncbridge.field_map f
     WHERE f.sync_id = s.sync_id AND f.remote_field = map_field.remote_field
       AND f.column_name <> map_field.column_name;
    IF other IS NOT NULL THEN
        PERFORM syncbridge._fail('42710', format('remote field "%s" is already mapped from column "%s"', remote_field, other),
            format('Unmap it first: syncbridge.unmap_field(%L, %L).', sync, other));
    END IF;
    INSERT INTO syncbridge.field_map AS f (sync_id, column_name, remote_field, direction, transform)
    VALUES (s.sync_id, column_name, remote_field, direction, transform)
    ON CONFLICT ON CONSTRAINT field_map_pkey DO UPDATE
       SET remote_field = EXCLUDED.remote_field, direction = EXCLUDED.direction, transform = EXCLUDED.transform;
END
$$;
COMMENT ON FUNCTION syncbridge.map_field(text, text, text, text, text) IS
    'Map a column to a remote field with a direction (both, push_only, pull_only) and optional transform';

CREATE FUNCTION syncbridge.unmap_field(sync text, column_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    PERFORM syncbridge._require(column_name, 'column_name');
    DELETE FROM syncbridge.field_map f WHERE f.sync_id = s.sync_id AND f.column_name = unmap_field.column_name;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42704', format('column "%s" is not mapped in sync "%s"', column_name, sync),
            format('SELECT column_name FROM syncbridge.field_map JOIN syncbridge.sync USING (sync_id) WHERE name = %L lists the mapped columns.', sync));
    END IF;
END
$$;
COMMENT ON FUNCTION syncbridge.unmap_field(text, text) IS
    'Stop syncing a column';

CREATE FUNCTION syncbridge.add_shard_rule(sync text, priority integer, predicate jsonb, target jsonb)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
    c syncbridge.connection;
    normalized jsonb;
    tid integer;
    id integer;
BEGIN
    PERFORM syncbridge._require(priority, 'priority');
    IF EXISTS (SELECT FROM syncbridge.shard_rule r WHERE r.sync_id = s.sync_id AND r.priority = add_shard_rule.priority) THEN
        PERFORM syncbridge._fail('42710', format('sync "%s" already has a shard rule with priority %s', sync, priority),
            format('Choose another priority or drop it: syncbridge.drop_shard_rule(%L, %s).', sync, priority));
    END IF;
    SELECT * INTO c FROM syncbridge.connection WHERE connection_id = s.connection_id;
    normalized := syncbridge._normalize_predicate(s.source, predicate);
    tid := syncbridge._target_for(s, c.kind, syncbridge._normalize_target(c, s.source, s.key_columns, target), false);
    INSERT INTO syncbridge.shard_rule (sync_id, priority, predicate, target_id)
    VALUES (s.sync_id, priority, normalized, tid)
    RETURNING rule_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION syncbridge.add_shard_rule(text, integer, jsonb, jsonb) IS
    'Route rows matching a predicate to another target; lower priority is tried first';

CREATE FUNCTION syncbridge.drop_shard_rule(sync text, priority integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    PERFORM syncbridge._require(priority, 'priority');
    DELETE FROM syncbridge.shard_rule r WHERE r.sync_id = s.sync_id AND r.priority = drop_shard_rule.priority;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42704', format('sync "%s" has no shard rule with priority %s', sync, priority),
            format('SELECT priority, predicate FROM syncbridge.shard_rule JOIN syncbridge.sync USING (sync_id) WHERE name = %L lists them.', sync));
    END IF;
END
$$;
COMMENT ON FUNCTION syncbridge.drop_shard_rule(text, integer) IS
    'Remove a shard rule; rows it routed move back to the next matching target on their next change';

CREATE FUNCTION syncbridge.pause(sync text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    UPDATE syncbridge.sync SET paused = true, pause_reason = coalesce(reason, 'paused by ' || session_user),
                               updated_at = now()
     WHERE sync_id = s.sync_id;
END
$$;
COMMENT ON FUNCTION syncbridge.pause(text, text) IS
    'Stop sending a sync''s changes; the sidecar parks them in parked_change and sends them in order on resume';

CREATE FUNCTION syncbridge.resume(sync text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    UPDATE syncbridge.sync SET paused = false, pause_reason = NULL, updated_at = now()
     WHERE sync_id = s.sync_id;
END
$$;
COMMENT ON FUNCTION syncbridge.resume(text) IS
    'Resume a paused sync; its parked changes are sent first, in the order they were committed';

-- Record a requested run and wake the sidecar.
CREATE FUNCTION syncbridge._request_run(s syncbridge.sync, kind text) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id bigint;
BEGIN
    INSERT INTO syncbridge.run (sync_id, kind, requested_by) VALUES (s.sync_id, kind, session_user)
    RETURNING run_id INTO id;
    PERFORM pg_notify('syncbridge', jsonb_build_object('event', 'run_requested', 'sync', s.name,
                                                       'kind', kind, 'run_id', id)::text);
    RETURN id;
END
$$;

CREATE FUNCTION syncbridge.run_now(sync text, kind text DEFAULT 'push') RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    IF kind IS NULL OR kind NOT IN ('push', 'pull', 'backfill', 'reconcile', 'drift') THEN
        PERFORM syncbridge._fail('22023', format('invalid run kind %s', coalesce(quote_literal(kind), 'NULL')),
                                 'Use ''push'', ''pull'', ''backfill'', ''reconcile'' or ''drift''.');
    END IF;
    IF s.paused THEN
        PERFORM syncbridge._fail('55000', format('sync "%s" is paused', sync),
                                 format('Resume it first: syncbridge.resume(%L).', sync));
    END IF;
    PERFORM syncbridge._check_kind_fits(s, kind, 'run');
    RETURN syncbridge._request_run(s, kind);
END
$$;
COMMENT ON FUNCTION syncbridge.run_now(text, text) IS
    'Ask the sidecar to run a sync now (push, pull, backfill, reconcile, drift); returns the run id';

CREATE FUNCTION syncbridge.provision(sync text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN syncbridge._request_run(syncbridge._find_sync(sync), 'provision');
END
$$;
COMMENT ON FUNCTION syncbridge.provision(text) IS
    'Ask the sidecar to create or complete the remote lists/spaces of a sync; returns the run id';

CREATE FUNCTION syncbridge.reset_cursor(sync text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
    n integer;
BEGIN
    DELETE FROM syncbridge.cursor WHERE sync_id = s.sync_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM syncbridge._notify(jsonb_build_object('event', 'cursor_reset', 'sync', s.name));
    RETURN n;
END
$$;
COMMENT ON FUNCTION syncbridge.reset_cursor(text) IS
    'Forget the pull positions of a sync so the next pull enumerates the remote side again';

CREATE FUNCTION syncbridge.drop_sync(sync text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
    rel record;
BEGIN
    -- See create_sync: whether another sync still uses the table is decided
    -- with no create_sync in flight.
    LOCK TABLE syncbridge.sync IN SHARE ROW EXCLUSIVE MODE;
    SELECT relowner INTO rel FROM pg_class WHERE oid = s.source;
    IF FOUND AND NOT pg_has_role(syncbridge._invoker(), rel.relowner, 'USAGE') THEN
        PERFORM syncbridge._fail('42501', format('must be the owner of %s to drop its sync', s.source),
                                 format('Ask the owner (%s) to drop the sync.', rel.relowner::regrole));
    END IF;
    DELETE FROM syncbridge.sync WHERE sync_id = s.sync_id;
    IF FOUND AND NOT EXISTS (SELECT FROM syncbridge.sync WHERE source = s.source)
       AND EXISTS (SELECT FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
                    WHERE p.pubname = 'syncbridge' AND r.prrelid = s.source) THEN
        EXECUTE format('ALTER PUBLICATION syncbridge DROP TABLE %s', s.source);
    END IF;
END
$$;
COMMENT ON FUNCTION syncbridge.drop_sync(text) IS
    'Remove a sync and its state; the table leaves the publication when no other sync uses it. Remote items stay.';
