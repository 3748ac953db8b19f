-- The only way pulled data enters user tables. Runs as the caller (the
-- sidecar's role), so the table's own privileges and row security apply and
-- the table owner's triggers never run with the extension owner's rights.
CREATE FUNCTION syncbridge.apply_remote(sync text, op text, row_key jsonb, fields jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'syncbridge_apply_remote'
LANGUAGE C;
COMMENT ON FUNCTION syncbridge.apply_remote(text, text, jsonb, jsonb) IS
    'Upsert (insert/update) or delete one row of a sync''s table by key; returns inserted, updated, unchanged, deleted or absent';

-- Mark this session's transactions with replication origin "syncbridge"
-- (or "syncbridge_<suffix>" for further concurrent appliers: PostgreSQL 15
-- lets one session at a time use an origin). The push stream sees the
-- Origin message and drops these transactions: no echo of pulled rows.
-- Setting up an origin needs superuser, hence SECURITY DEFINER.
CREATE FUNCTION syncbridge.start_remote_apply(suffix text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    origin text := 'syncbridge' || coalesce('_' || suffix, '');
BEGIN
    IF suffix IS NOT NULL AND suffix !~ '^[a-z0-9_]{1,40}$' THEN
        PERFORM syncbridge._fail('22023', format('invalid origin suffix "%s"', suffix),
                                 'Use up to 40 lower-case letters, digits and "_".');
    END IF;
    IF pg_replication_origin_session_is_setup() THEN
        PERFORM syncbridge._fail('55000', 'this session already applies with a replication origin',
                                 'Call syncbridge.stop_remote_apply() first.');
    END IF;
    IF pg_replication_origin_oid(origin) IS NULL THEN
        PERFORM pg_replication_origin_create(origin);
    END IF;
    PERFORM pg_replication_origin_session_setup(origin);
    RETURN origin;
END
$$;
COMMENT ON FUNCTION syncbridge.start_remote_apply(text) IS
    'Mark this session''s transactions with replication origin syncbridge so the push stream drops them';

CREATE FUNCTION syncbridge.stop_remote_apply() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF pg_replication_origin_session_is_setup() THEN
        PERFORM pg_replication_origin_session_reset();
    END IF;
END
$$;
COMMENT ON FUNCTION syncbridge.stop_remote_apply() IS
    'Stop marking this session''s transactions with the syncbridge replication origin';
