-- The extension's objects, registration of the configuration with pg_dump,
-- documentation and default privileges.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET client_min_messages = notice;

SELECT extname, extversion, extrelocatable, extnamespace::regnamespace FROM pg_extension WHERE extname = 'syncbridge';

-- Catalog tables, registered with pg_extension_config_dump except the
-- sidecar's heartbeat and per-sync progress, which a running sidecar rewrites.
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_class c JOIN pg_extension e ON e.extname = 'syncbridge'
 WHERE c.relnamespace = 'syncbridge'::regnamespace AND c.relkind IN ('r', 'S')
 ORDER BY c.relkind, c.relname;

-- The rules the catalog enforces itself: keys, foreign keys, CHECKs and
-- unique indexes (partial ones included).
SELECT conrelid::regclass AS "table", contype, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint
 WHERE connamespace = 'syncbridge'::regnamespace
 ORDER BY conrelid::regclass::text, contype, definition;
SELECT indexrelid::regclass AS index, pg_get_indexdef(indexrelid) AS definition
  FROM pg_index i
 WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'syncbridge'::regnamespace)
   AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
 ORDER BY indexrelid::regclass::text;

-- Every table, view and public function is documented.
SELECT c.relname AS undocumented
  FROM pg_class c
 WHERE c.relnamespace = 'syncbridge'::regnamespace AND c.relkind IN ('r', 'v')
   AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT p.proname AS undocumented
  FROM pg_proc p
 WHERE p.pronamespace = 'syncbridge'::regnamespace AND p.proname !~ '^_'
   AND obj_description(p.oid, 'pg_proc') IS NULL;

-- The public API and how each function runs.
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer,
       p.proconfig AS settings
  FROM pg_proc p
 WHERE p.pronamespace = 'syncbridge'::regnamespace AND p.proname !~ '^_'
 ORDER BY p.proname;

-- Every function refuses missing arguments with an error code, a message
-- naming the argument and a hint. (cron_next and sharepoint_internal_name are
-- STRICT: NULL in, NULL out; start_remote_apply(NULL) means the default origin.)
DO $$
DECLARE
    f record;
    state text;
    message text;
    hint text;
BEGIN
    FOR f IN SELECT p.proname,
                    format('SELECT syncbridge.%I(%s)', p.proname,
                           (SELECT string_agg(format('NULL::%s', format_type(t, NULL)), ', ' ORDER BY n)
                              FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, n))) AS call
               FROM pg_proc p
              WHERE p.pronamespace = 'syncbridge'::regnamespace AND p.proname !~ '^_' AND p.pronargs > 0
                AND p.proname NOT IN ('cron_next', 'sharepoint_internal_name', 'start_remote_apply')
              ORDER BY p.proname LOOP
        BEGIN
            EXECUTE f.call;
            RAISE NOTICE '%: accepted NULL arguments', f.proname;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
            RAISE NOTICE '%: % "%" %', f.proname, state, message,
                CASE WHEN hint <> '' THEN 'with a hint' ELSE 'WITHOUT A HINT' END;
        END;
    END LOOP;
END
$$;
SELECT syncbridge.cron_next(NULL, now()) IS NULL AS strict, syncbridge.sharepoint_internal_name(NULL) IS NULL AS strict;

-- Nothing is granted to PUBLIC.
SELECT has_schema_privilege('public', 'syncbridge', 'USAGE') AS public_usage;
SELECT count(*) AS public_function_grants
  FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.pronamespace = 'syncbridge'::regnamespace AND a.grantee = 0;
SELECT count(*) AS public_table_grants
  FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
 WHERE c.relnamespace = 'syncbridge'::regnamespace AND a.grantee = 0;
SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = 'syncbridge_admin';
