-- Scheduled jobs: cron schedules (UTC) per sync and kind, fired by the
-- sidecar's scheduler, which records each firing as a run.

CREATE FUNCTION syncbridge.cron_next(schedule text, after timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'syncbridge_cron_next'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION syncbridge.cron_next(text, timestamptz) IS
    'The first minute after a given instant at which a cron schedule (UTC) fires; raises on an invalid schedule';

CREATE FUNCTION syncbridge.schedule(sync text, kind text, schedule text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
    id integer;
BEGIN
    IF kind IS NULL OR kind NOT IN ('pull', 'backfill', 'reconcile', 'drift') THEN
        PERFORM syncbridge._fail('22023', format('invalid job kind %s', coalesce(quote_literal(kind), 'NULL')),
            'Use ''pull'', ''backfill'', ''reconcile'' or ''drift''; pushes follow the replication stream.');
    END IF;
    PERFORM syncbridge._check_kind_fits(s, kind, 'job');
    PERFORM syncbridge._require(schedule, 'schedule');
    -- Raises with the offending field when the schedule is invalid.
    PERFORM syncbridge.cron_next(schedule, now());
    INSERT INTO syncbridge.job AS j (sync_id, kind, schedule) VALUES (s.sync_id, kind, schedule)
    ON CONFLICT ON CONSTRAINT job_sync_id_kind_key DO UPDATE SET schedule = EXCLUDED.schedule, enabled = true
    RETURNING job_id INTO id;
    RETURN id;
END
$$;
COMMENT ON FUNCTION syncbridge.schedule(text, text, text) IS
    'Run a pull, backfill, reconcile or drift job of a sync on a cron schedule (UTC); replaces an existing one';

CREATE FUNCTION syncbridge.unschedule(sync text, kind text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync := syncbridge._find_sync(sync);
BEGIN
    DELETE FROM syncbridge.job j WHERE j.sync_id = s.sync_id AND j.kind = unschedule.kind;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42704', format('sync "%s" has no scheduled %s job', sync, coalesce(kind, 'NULL')),
                                 'SELECT * FROM syncbridge.schedules lists the scheduled jobs.');
    END IF;
END
$$;
COMMENT ON FUNCTION syncbridge.unschedule(text, text) IS
    'Remove a scheduled job of a sync';

CREATE VIEW syncbridge.schedules AS
SELECT s.name AS sync, j.kind, j.schedule, j.enabled,
       syncbridge.cron_next(j.schedule, now()) AS next_run_at,
       r.status AS last_run_status, r.finished_at AS last_run_finished_at
  FROM syncbridge.job j
  JOIN syncbridge.sync s USING (sync_id)
  LEFT JOIN syncbridge.run r ON r.run_id = j.last_run_id;
COMMENT ON VIEW syncbridge.schedules IS 'Scheduled jobs with their next fire time (UTC) and last run';
