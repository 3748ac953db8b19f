-- schedule / unschedule / cron_next: cron schedules in UTC, validated with
-- errors that name the bad field.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT s, syncbridge.cron_next(s, '2026-11-22 07:30:15+00') AS next
  FROM unnest(ARRAY['* * * * *', '*/15 * * * *', '0 3 * * *', '30 2 1 * *', '0 9 * * mon-fri',
                    '0 0 29 2 *', '5,10-12/2 8 * jan,jul *', '0 12 13 * fri', '0 0 * * 7',
                    '@hourly', '@daily', '@weekly', '@monthly', '@yearly']) AS s;
-- Strictly after: at a firing minute the next one is returned.
SELECT syncbridge.cron_next('30 7 * * *', '2026-11-22 07:30:00+00') AS next_day;
-- Other offsets are instants like any other.
SELECT syncbridge.cron_next('0 * * * *', '2026-11-22 09:59:59+02') AS next_hour;

-- Invalid schedules.
SELECT syncbridge.cron_next('* * * *', now());
SELECT syncbridge.cron_next('* * * * * *', now());
SELECT syncbridge.cron_next('60 * * * *', now());
SELECT syncbridge.cron_next('* 24 * * *', now());
SELECT syncbridge.cron_next('* * 0 * *', now());
SELECT syncbridge.cron_next('* * * 13 *', now());
SELECT syncbridge.cron_next('* * * * 8', now());
SELECT syncbridge.cron_next('5-1 * * * *', now());
SELECT syncbridge.cron_next('*/0 * * * *', now());
SELECT syncbridge.cron_next('*/x * * * *', now());
SELECT syncbridge.cron_next('* * * foo *', now());
SELECT syncbridge.cron_next('1;2 * * * *', now());
SELECT syncbridge.cron_next('@sometimes', now());
SELECT syncbridge.cron_next('0 0 30 2 *', now());
SELECT syncbridge.cron_next('* * * * *', 'infinity');

-- Jobs per sync and kind.
SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE parts (id integer PRIMARY KEY, name text);
SELECT syncbridge.create_sync('parts', 'parts', 'sp', '{"list": "Parts"}', 'both') > 0 AS created;
SELECT syncbridge.schedule('parts', 'reconcile', '0 3 * * *') > 0 AS scheduled;
SELECT syncbridge.schedule('parts', 'drift', '@hourly') > 0 AS scheduled;
-- Scheduling a kind again replaces its schedule.
SELECT syncbridge.schedule('parts', 'reconcile', '0 4 * * sun') > 0 AS scheduled;
SELECT sync, kind, schedule, enabled, next_run_at > now() AS in_future, last_run_status FROM syncbridge.schedules ORDER BY kind;
SELECT syncbridge.schedule('parts', 'push', '* * * * *');
SELECT syncbridge.schedule('parts', 'reconcile', 'nightly');
SELECT syncbridge.schedule('parts', 'reconcile', NULL);
SELECT syncbridge.schedule('nope', 'reconcile', '@daily');
SELECT syncbridge.alter_sync('parts', direction => 'push');
SELECT syncbridge.schedule('parts', 'pull', '@daily');
SELECT syncbridge.unschedule('parts', 'drift');
SELECT syncbridge.unschedule('parts', 'drift');
SELECT kind FROM syncbridge.schedules;

SELECT syncbridge.drop_sync('parts');
SELECT count(*) AS jobs_left FROM syncbridge.job;
SELECT syncbridge.drop_connection('sp');
DROP TABLE parts;
