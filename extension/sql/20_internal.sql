-- Internal helpers: lookups that raise the same clear errors everywhere,
-- validators shared by the public functions, and change notification.
-- None of these is granted to syncbridge_admin.

-- Value of a setting: the override in syncbridge.setting or the default.
CREATE FUNCTION syncbridge._get_setting(setting_name text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(
        (SELECT value FROM syncbridge.setting WHERE name = setting_name),
        CASE setting_name WHEN 'slot_name' THEN 'syncbridge' END)
$$;

-- Raise a user error with a hint (and optional detail), without the chain
-- of validator calls as context (C: fail.c).
CREATE FUNCTION syncbridge._fail(sqlstate text, message text, hint text, detail text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'syncbridge_fail'
LANGUAGE C;

-- Refuse NULL for a required argument, naming it.
CREATE FUNCTION syncbridge._require(arg_value anyelement, arg_name text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF arg_value IS NULL THEN
        PERFORM syncbridge._fail('22004', format('%s must not be null', arg_name),
                                 format('Pass a value for %s.', arg_name));
    END IF;
END
$$;

CREATE FUNCTION syncbridge._find_sync(sync_name text) RETURNS syncbridge.sync
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s syncbridge.sync;
BEGIN
    PERFORM syncbridge._require(sync_name, 'sync');
    SELECT * INTO s FROM syncbridge.sync WHERE name = sync_name;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42704', format('sync "%s" does not exist', sync_name),
                                 'SELECT name FROM syncbridge.sync lists the defined syncs.');
    END IF;
    RETURN s;
END
$$;

CREATE FUNCTION syncbridge._find_connection(connection_name text) RETURNS syncbridge.connection
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c syncbridge.connection;
BEGIN
    PERFORM syncbridge._require(connection_name, 'connection');
    SELECT * INTO c FROM syncbridge.connection WHERE name = connection_name;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42704', format('connection "%s" does not exist', connection_name),
                                 'Create it with syncbridge.create_connection(name, kind, settings).');
    END IF;
    RETURN c;
END
$$;

CREATE FUNCTION syncbridge._check_name(what text, candidate text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM syncbridge._require(candidate, what);
    IF candidate !~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$' THEN
        PERFORM syncbridge._fail('22023', format('invalid %s name "%s"', what, candidate),
            'Use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or "_".');
    END IF;
END
$$;

-- The role that called into syncbridge, seen through SECURITY DEFINER (C:
-- GetOuterUserId), so ownership checks judge the caller, not the definer.
CREATE FUNCTION syncbridge._invoker() RETURNS regrole
AS 'MODULE_PATHNAME', 'syncbridge_invoker'
LANGUAGE C STABLE STRICT;

-- Tell the sidecar its view of the catalog is stale: NOTIFY for an idle
-- sidecar, and a transactional logical message so a streaming sidecar sees
-- the change in commit order relative to the data around it.
CREATE FUNCTION syncbridge._notify(payload jsonb) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('syncbridge', payload::text);
    PERFORM pg_logical_emit_message(true, 'syncbridge', payload::text);
END
$$;

-- Drop this backend's cached definitions (apply_remote.c).
CREATE FUNCTION syncbridge._definitions_changed() RETURNS void
AS 'MODULE_PATHNAME', 'syncbridge_definitions_changed'
LANGUAGE C;

-- Statement trigger on every definition table: however the catalog changes
-- (SQL API, hand edit, restore), the sidecar hears of it once per statement.
-- SECURITY DEFINER: the sidecar's role writes some columns of these tables
-- (target.remote_id, job.last_run_id) but may not call the helpers itself.
CREATE FUNCTION syncbridge._catalog_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM syncbridge._definitions_changed();
    PERFORM syncbridge._notify(jsonb_build_object('event', 'catalog_changed',
                                                  'table', TG_TABLE_NAME,
                                                  'op', lower(TG_OP)));
    RETURN NULL;
END
$$;

-- Validate sync options; NULL means "not given" (alter_sync keeps the value).
CREATE FUNCTION syncbridge._check_sync_options(direction text, conflict_policy text,
                                               truncate_policy text, pull_interval interval)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF direction NOT IN ('push', 'pull', 'both') THEN
        PERFORM syncbridge._fail('22023', format('invalid direction %L', direction),
                                 'Use ''push'', ''pull'' or ''both''.');
    END IF;
    IF conflict_policy NOT IN ('source_wins', 'target_wins', 'latest_wins', 'manual') THEN
        PERFORM syncbridge._fail('22023', format('invalid conflict policy %L', conflict_policy),
                                 'Use ''source_wins'', ''target_wins'', ''latest_wins'' or ''manual''.');
    END IF;
    IF truncate_policy NOT IN ('pause', 'ignore', 'delete') THEN
        PERFORM syncbridge._fail('22023', format('invalid truncate policy %L', truncate_policy),
            '''pause'' stops the sync for a person to decide, ''ignore'' leaves remote items, ''delete'' deletes them.');
    END IF;
    IF pull_interval < '1 second' THEN
        PERFORM syncbridge._fail('22023', 'pull_interval must be at least 1 second',
                                 'Remote APIs are rate limited; 15 seconds is the default.');
    END IF;
END
$$;

-- Refuse a run or job kind that the sync's direction rules out.
CREATE FUNCTION syncbridge._check_kind_fits(s syncbridge.sync, kind text, what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF kind = 'pull' AND s.direction = 'push' OR kind IN ('push', 'backfill') AND s.direction = 'pull' THEN
        PERFORM syncbridge._fail('55000', format('sync "%s" has direction %s; a %s %s does not apply',
                                                 s.name, s.direction, kind, what),
                                 format('Change the direction with syncbridge.alter_sync(%L, direction => ''both'').', s.name));
    END IF;
END
$$;

-- A base URL setting: https, or plain http only towards a loopback host
-- (the emulator and tests). Returns it without a trailing slash.
CREATE FUNCTION syncbridge._validate_base_url(setting_name text, url text) RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[];
    host text;
BEGIN
    parts := regexp_match(url, '^(https?)://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(/[^?#[:space:]]*)?$');
    IF parts IS NULL THEN
        PERFORM syncbridge._fail('22023', format('setting "%s" is not a valid base URL: %s', setting_name, url),
            'Give an absolute URL such as https://graph.microsoft.com/v1.0, without query or fragment.');
    END IF;
    IF parts[3] IS NOT NULL AND substr(parts[3], 2)::integer NOT BETWEEN 1 AND 65535 THEN
        PERFORM syncbridge._fail('22023', format('setting "%s" has an invalid port: %s', setting_name, url),
                                 'Ports run from 1 to 65535.');
    END IF;
    host := lower(parts[2]);
    IF parts[1] = 'http' AND NOT (host = 'localhost' OR host = '[::1]'
                                 OR host ~ '^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$') THEN
        PERFORM syncbridge._fail('22023', format('setting "%s" must use https: %s', setting_name, url),
            'Plain http is accepted only for a loopback host (127.0.0.0/8, localhost, [::1]), as used by the emulator.');
    END IF;
    RETURN regexp_replace(url, '/+$', '');
END
$$;

-- Refuse keys outside the allowed set: a misspelt optional setting would
-- otherwise be silently ignored.
CREATE FUNCTION syncbridge._check_keys(what text, obj jsonb, allowed text[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    unknown text;
BEGIN
    SELECT string_agg(format('"%s"', k), ', ' ORDER BY k) INTO unknown
      FROM jsonb_object_keys(obj) AS k WHERE k <> ALL (allowed);
    IF unknown IS NOT NULL THEN
        PERFORM syncbridge._fail('22023', format('unknown %s key(s): %s', what, unknown),
            format('Allowed keys: %s.', array_to_string(allowed, ', ')));
    END IF;
END
$$;

-- A required or optional string member of a settings object.
CREATE FUNCTION syncbridge._string_member(what text, obj jsonb, member text, required boolean)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF obj -> member IS NULL OR jsonb_typeof(obj -> member) = 'null' THEN
        IF required THEN
            PERFORM syncbridge._fail('22023', format('%s: "%s" is required', what, member),
                                     format('Add "%s" to the %s.', member, what));
        END IF;
        RETURN NULL;
    END IF;
    IF jsonb_typeof(obj -> member) <> 'string' OR obj ->> member = '' THEN
        PERFORM syncbridge._fail('22023', format('%s "%s" must be a non-empty string', what, member),
                                 format('Got %s; give it as a JSON string.', obj -> member));
    END IF;
    RETURN obj ->> member;
END
$$;

-- A SharePoint site as Graph addresses it: "hostname:/server-relative-path"
-- or a site id "hostname,site-guid,web-guid".
CREATE FUNCTION syncbridge._is_site(site text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT site ~ '^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+:/([^/[:space:]][^[:space:]]*)?$'
        OR site ~ '^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+,[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12},[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$'
$$;

-- Validate and normalise connection settings for a kind; fills in the
-- public endpoints so the sidecar never has to guess them.
CREATE FUNCTION syncbridge._normalize_settings(kind text, settings jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    what constant text := kind || ' settings';
    guid constant text := '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
    hostname constant text := '^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$';
    v text;
    auth text;
    result jsonb;
BEGIN
    PERFORM syncbridge._require(settings, 'settings');
    IF jsonb_typeof(settings) <> 'object' THEN
        PERFORM syncbridge._fail('22023', 'settings must be a JSON object',
                                 'Pass settings such as ''{"tenant_id": "..."}''::jsonb.');
    END IF;
    IF kind = 'sharepoint' THEN
        PERFORM syncbridge._check_keys(what, settings,
            ARRAY['tenant_id', 'client_id', 'site', 'graph_base_url', 'login_base_url']);
        v := syncbridge._string_member(what, settings, 'tenant_id', true);
        IF v !~ guid AND v !~ hostname THEN
            PERFORM syncbridge._fail('22023', format('sharepoint settings "tenant_id" is not a tenant id or domain: %s', v),
                'Use the directory (tenant) GUID or its domain, e.g. contoso.onmicrosoft.com.');
        END IF;
        v := syncbridge._string_member(what, settings, 'client_id', true);
        IF v !~ guid THEN
            PERFORM syncbridge._fail('22023', format('sharepoint settings "client_id" is not a GUID: %s', v),
                'Use the application (client) id of the app registration.');
        END IF;
        v := syncbridge._string_member(what, settings, 'site', true);
        IF NOT syncbridge._is_site(v) THEN
            PERFORM syncbridge._fail('22023', format('sharepoint settings "site" is not a site path or id: %s', v),
                'Use "hostname:/server-relative-path" (contoso.sharepoint.com:/sites/demo) or a Graph site id (hostname,guid,guid).');
        END IF;
        result := settings
            || jsonb_build_object('graph_base_url', syncbridge._validate_base_url('graph_base_url',
                   coalesce(syncbridge._string_member(what, settings, 'graph_base_url', false),
                            'https://graph.microsoft.com/v1.0')))
            || jsonb_build_object('login_base_url', syncbridge._validate_base_url('login_base_url',
                   coalesce(syncbridge._string_member(what, settings, 'login_base_url', false),
                            'https://login.microsoftonline.com')));
    ELSIF kind = 'confluence' THEN
        PERFORM syncbridge._check_keys(what, settings,
            ARRAY['site', 'cloud_id', 'auth', 'email', 'client_id', 'api_base_url', 'auth_base_url']);
        auth := syncbridge._string_member(what, settings, 'auth', true);
        IF auth NOT IN ('api_token', 'oauth') THEN
            PERFORM syncbridge._fail('22023', format('confluence settings "auth" must be api_token or oauth, not %s', auth),
                'api_token: email + API token on the site URL; oauth: OAuth 2.0 (3LO) with a rotating refresh token.');
        END IF;
        v := syncbridge._string_member(what, settings, 'site', false);
        IF v IS NOT NULL AND v !~ hostname THEN
            PERFORM syncbridge._fail('22023', format('confluence settings "site" is not a host name: %s', v),
                                     'Use the site''s host name, e.g. example.atlassian.net (no scheme, no path).');
        END IF;
        v := syncbridge._string_member(what, settings, 'cloud_id', false);
        IF v IS NOT NULL AND v !~ '^[A-Za-z0-9-]{1,64}$' THEN
            PERFORM syncbridge._fail('22023', format('confluence settings "cloud_id" is not a cloud id: %s', v),
                                     'Use the id returned by /oauth/token/accessible-resources.');
        END IF;
        IF settings ? 'site' = false AND settings ? 'cloud_id' = false THEN
            PERFORM syncbridge._fail('22023', 'confluence settings require "site" or "cloud_id"',
                                     'Add "site": "example.atlassian.net" (or "cloud_id" for OAuth).');
        END IF;
        IF auth = 'api_token' THEN
            v := syncbridge._string_member(what, settings, 'email', true);
            IF v !~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN
                PERFORM syncbridge._fail('22023', format('confluence settings "email" is not an e-mail address: %s', v),
                                         'Use the Atlassian account e-mail the API token belongs to.');
            END IF;
            IF NOT settings ? 'site' THEN
                PERFORM syncbridge._fail('22023', 'confluence api_token auth requires "site"',
                    'API tokens are used on the site URL (https://{site}/wiki); add "site".');
            END IF;
            IF settings ? 'client_id' THEN
                PERFORM syncbridge._fail('22023', 'confluence settings "client_id" applies only to oauth',
                                         'Remove "client_id" or use "auth": "oauth".');
            END IF;
        ELSE
            PERFORM syncbridge._string_member(what, settings, 'client_id', true);
            IF settings ? 'email' THEN
                PERFORM syncbridge._fail('22023', 'confluence settings "email" applies only to api_token',
                                         'Remove "email" or use "auth": "api_token".');
            END IF;
        END IF;
        result := settings
            || jsonb_build_object('api_base_url', syncbridge._validate_base_url('api_base_url',
                   coalesce(syncbridge._string_member(what, settings, 'api_base_url', false),
                            CASE auth WHEN 'api_token' THEN 'https://' || (settings ->> 'site')
                                      ELSE 'https://api.atlassian.com' END)));
        IF auth = 'oauth' THEN
            result := result || jsonb_build_object('auth_base_url', syncbridge._validate_base_url('auth_base_url',
                   coalesce(syncbridge._string_member(what, settings, 'auth_base_url', false),
                            'https://auth.atlassian.com')));
        ELSIF settings ? 'auth_base_url' THEN
            PERFORM syncbridge._fail('22023', 'confluence settings "auth_base_url" applies only to oauth',
                                     'Remove "auth_base_url" or use "auth": "oauth".');
        END IF;
    ELSE
        PERFORM syncbridge._fail('22023', format('unknown connection kind "%s"', kind),
                                 'Use ''sharepoint'' or ''confluence''.');
    END IF;
    RETURN result;
END
$$;

-- Secret names each kind of connection uses, by auth method.
CREATE FUNCTION syncbridge._required_secrets(kind text, settings jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN kind = 'sharepoint' THEN ARRAY['client_secret']
        WHEN kind = 'confluence' AND settings ->> 'auth' = 'api_token' THEN ARRAY['api_token']
        WHEN kind = 'confluence' THEN ARRAY['client_secret', 'refresh_token']
    END
$$;

-- Columns of a table that can take part in a sync: user columns, not
-- dropped, not generated (pgoutput does not publish generated columns and
-- they cannot be written).
CREATE FUNCTION syncbridge._columns(rel regclass)
RETURNS TABLE (attnum smallint, column_name text, type_oid oid, type_name text, not_null boolean, generated boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.attnum, a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod),
           a.attnotnull, a.attgenerated <> ''
      FROM pg_attribute a
     WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum
$$;

CREATE FUNCTION syncbridge._column(rel regclass, col text)
RETURNS TABLE (attnum smallint, column_name text, type_oid oid, type_name text, not_null boolean, generated boolean)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM syncbridge._columns(rel) c WHERE c.column_name = col;
    IF NOT FOUND THEN
        PERFORM syncbridge._fail('42703', format('column "%s" of %s does not exist', col, rel),
            format('Columns: %s.', (SELECT string_agg(quote_ident(c.column_name), ', ')
                                      FROM syncbridge._columns(rel) c WHERE NOT c.generated)));
    END IF;
END
$$;

-- SharePoint internal names allow letters, digits and "_"; other characters
-- are written as _xHHHH_ (UTF-16 code unit), as SharePoint itself does.
CREATE FUNCTION syncbridge.sharepoint_internal_name(column_name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(
             CASE WHEN ch ~ '^[A-Za-z0-9_]$' THEN ch
                  WHEN ascii(ch) < 65536 THEN format('_x%s_', lpad(to_hex(ascii(ch)), 4, '0'))
                  ELSE format('_x%s__x%s_',
                              to_hex(55296 + ((ascii(ch) - 65536) >> 10)),
                              to_hex(56320 + ((ascii(ch) - 65536) & 1023)))
             END, '' ORDER BY ord)
      FROM regexp_split_to_table(column_name, '') WITH ORDINALITY AS t(ch, ord)
$$;
COMMENT ON FUNCTION syncbridge.sharepoint_internal_name(text) IS
    'The SharePoint internal name of a table column; create_sync maps a column to it unless it names a built-in field';

-- Named transforms: name -> reversible (usable for pull) or push-only.
CREATE FUNCTION syncbridge._transform_reversible(transform text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN transform IN ('json_text', 'text') THEN true
        WHEN transform IN ('lower', 'upper', 'trim', 'date_only') THEN false
        WHEN transform ~ '^(prefix|suffix):.+$' THEN true
        WHEN transform ~ '^scale:-?[0-9]+(\.[0-9]+)?$' AND transform !~ '^scale:-?0+(\.0+)?$' THEN true
    END
$$;

-- Remote fields that the remote system maintains itself and that may only be
-- read into the table.
CREATE FUNCTION syncbridge._is_system_field(kind text, remote_field text) RETURNS boolean
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    -- SharePoint compares internal names case-insensitively: "id" is ID.
    SELECT kind = 'sharepoint' AND lower(remote_field) IN
        ('id', 'created', 'modified', 'author', 'editor', 'authorlookupid', 'editorlookupid',
         '_uiversionstring', 'attachments', 'contenttype', 'edit', 'linktitle', 'linktitlenomenu',
         'appauthor', 'appeditor', 'itemchildcount', 'folderchildcount', 'docicon', '_complianceflags')
$$;

-- The SharePoint field a column maps to by default: its internal name, unless
-- a genericList already has a field of that name. SharePoint compares
-- internal names case-insensitively, so a column "id" would collide with the
-- built-in ID and provisioning would fail ("A field with the name 'id'
-- already exists in the list."); such a column gets its own field, the name
-- with "0" appended. A "title" column is the exception: it maps onto the
-- list's own Title column, which is writable and shown as the item's name.
CREATE FUNCTION syncbridge._sharepoint_default_field(column_name text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN lower(n) = 'title' THEN 'Title'
        -- The read-only system fields are built-ins too: asking
        -- _is_system_field keeps the two lists from drifting apart. The rest
        -- are the other fields of a genericList (most of them hidden) whose
        -- names a table column could plausibly have, and our own key field.
        WHEN syncbridge._is_system_field('sharepoint', n) OR lower(n) IN
             ('_colortag', '_commentcount', '_commentflags', '_compliancetag', '_compliancetaguserid',
              '_compliancetagwrittentime', '_copysource', '_editmenutableend', '_editmenutablestart',
              '_editmenutablestart2', '_hascopydestinations', '_iscurrentversion', '_isrecord', '_level',
              '_moderationcomments', '_moderationstatus', '_modernaudienceaadobjectids',
              '_modernaudiencetargetuserfield', '_uiversion', '_virusinfo', '_virusstatus',
              '_virusvendorid', 'accesspolicy', 'basename', 'complianceassetid', 'contenttypeid',
              'contentversion', 'created_x0020_date', 'encodedabsurl', 'file_x0020_type', 'filedirref',
              'fileleafref', 'fileref', 'fsobjtype', 'guid', 'html_x0020_file_x0020_type', 'instanceid',
              'last_x0020_modified', 'linkfilename', 'linkfilename2', 'linkfilenamenomenu', 'metainfo',
              'noexecute', 'order', 'originatorid', 'owshiddenversion', 'permmask', 'principalcount',
              'progid', 'restricted', 'scopeid', 'selecttitle', 'serverurl', 'smlastmodifieddate',
              'smtotalfilecount', 'smtotalfilestreamsize', 'smtotalsize', 'sortbehavior', 'syncclientid',
              'uniqueid', 'version', 'workflowinstanceid', 'workflowversion',
              'syncbridgekey')  -- sidecar/connectors/sharepoint.hpp kKeyField
            THEN n || '0'
        ELSE n
    END
      FROM syncbridge.sharepoint_internal_name(column_name) AS n
$$;

-- Validate a field mapping of one column; raises with a hint on any problem.
CREATE FUNCTION syncbridge._validate_field_map(s syncbridge.sync, col text, remote_field text,
                                              direction text, transform text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    kind text := (SELECT kind FROM syncbridge.connection WHERE connection_id = s.connection_id);
    reversible boolean;
BEGIN
    PERFORM syncbridge._require(col, 'column_name');
    PERFORM syncbridge._require(remote_field, 'remote_field');
    PERFORM syncbridge._require(direction, 'direction');
    SELECT * INTO c FROM syncbridge._column(s.source, col);
    IF c.generated THEN
        PERFORM syncbridge._fail('42P16', format('column "%s" of %s is generated and cannot be synced', col, s.source),
            'Generated columns are not published by logical replication and cannot be written; map the columns they derive from.');
    END IF;
    IF remote_field !~ '^[^[:cntrl:]]{1,255}$' THEN
        PERFORM syncbridge._fail('22023', format('invalid remote field name %s', quote_literal(remote_field)),
                                 'Use 1 to 255 characters without control characters.');
    END IF;
    IF lower(remote_field) = 'syncbridgekey' THEN
        PERFORM syncbridge._fail('22023', format('remote field "%s" is reserved', remote_field),
                                 'syncbridge stores the row key there; choose another remote field.');
    END IF;
    IF direction NOT IN ('both', 'push_only', 'pull_only') THEN
        PERFORM syncbridge._fail('22023', format('invalid field direction "%s"', direction),
                                 'Use ''both'', ''push_only'' or ''pull_only''.');
    END IF;
    IF syncbridge._is_system_field(kind, remote_field) AND direction <> 'pull_only' THEN
        PERFORM syncbridge._fail('22023', format('remote field "%s" is read-only in %s', remote_field, kind),
            format('System fields can only be read: map_field(%L, %L, %L, ''pull_only'').', s.name, col, remote_field));
    END IF;
    IF transform IS NOT NULL THEN
        reversible := syncbridge._transform_reversible(transform);
        IF reversible IS NULL THEN
            PERFORM syncbridge._fail('22023', format('unknown transform "%s"', transform),
                'Transforms: text, json_text, lower, upper, trim, date_only, prefix:<text>, suffix:<text>, scale:<non-zero number>.');
        END IF;
        IF NOT reversible AND direction <> 'push_only' THEN
            PERFORM syncbridge._fail('22023', format('transform "%s" cannot be reversed for pull', transform),
                format('Map the field with direction ''push_only'', or drop the transform.'));
        END IF;
        IF transform ~ '^scale:' AND c.type_oid NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                                       'numeric'::regtype, 'float4'::regtype, 'float8'::regtype) THEN
            PERFORM syncbridge._fail('42804', format('transform "%s" needs a numeric column; "%s" is %s', transform, col, c.type_name),
                                     'Use scale: only on integer, numeric or floating-point columns.');
        END IF;
        IF transform = 'date_only' AND c.type_oid NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
            PERFORM syncbridge._fail('42804', format('transform "date_only" needs a date or timestamp column; "%s" is %s', col, c.type_name),
                                     'Use date_only on date, timestamp or timestamptz columns.');
        END IF;
    END IF;
END
$$;

-- Canonical JSON form of a value of a column type, as the sidecar's decoder
-- renders it (docs/decode-format.md): integers as numbers, numeric as an exact
-- string, timestamptz in UTC with Z, and so on. Shard predicates store values
-- in this form so the sidecar compares like with like.
CREATE FUNCTION syncbridge._canonical_value(type_oid oid, raw jsonb, what text) RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    txt text;
    family text := syncbridge._type_family(type_oid);
BEGIN
    IF jsonb_typeof(raw) IN ('object', 'array', 'null') THEN
        PERFORM syncbridge._fail('22023', format('%s must be a scalar, not %s', what, raw),
                                 'Compare against a string, number or boolean.');
    END IF;
    txt := raw #>> '{}';
    BEGIN
        -- The column's own type validates (ranges, domains, enum labels) ...
        EXECUTE format('SELECT %L::%s::text', txt, type_oid::regtype) INTO txt;
        -- ... and the value is then written the way the decoder writes it.
        CASE family
        WHEN 'integer' THEN RETURN to_jsonb(txt::int8);
        WHEN 'float' THEN RETURN to_jsonb(txt::float8);
        WHEN 'boolean' THEN RETURN to_jsonb(txt::boolean);
        WHEN 'date' THEN RETURN to_jsonb(to_char(txt::date, 'YYYY-MM-DD'));
        WHEN 'timestamp' THEN RETURN to_jsonb(to_char(txt::timestamp, 'YYYY-MM-DD"T"HH24:MI:SS.US'));
        WHEN 'timestamptz' THEN
            RETURN to_jsonb(to_char(txt::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'));
        ELSE
            RETURN to_jsonb(txt);
        END CASE;
    EXCEPTION WHEN data_exception OR invalid_text_representation OR numeric_value_out_of_range THEN
        PERFORM syncbridge._fail('22P02', format('%s: %s is not a valid %s', what, raw, type_oid::regtype),
                                 format('Give a value of the column''s type %s.', type_oid::regtype));
    END;
END
$$;

-- How the sidecar compares values of a type; NULL for types a predicate
-- cannot use. Domains compare as their base type.
CREATE FUNCTION syncbridge._type_family(type_oid oid) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
BEGIN
    SELECT typtype, typbasetype INTO t FROM pg_type WHERE oid = type_oid;
    IF t.typtype = 'd' THEN
        RETURN syncbridge._type_family(t.typbasetype);
    END IF;
    RETURN CASE
        WHEN type_oid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) THEN 'integer'
        WHEN type_oid = 'numeric'::regtype THEN 'numeric'
        WHEN type_oid IN ('float4'::regtype, 'float8'::regtype) THEN 'float'
        WHEN type_oid = 'bool'::regtype THEN 'boolean'
        WHEN type_oid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'name'::regtype) THEN 'text'
        WHEN type_oid = 'date'::regtype THEN 'date'
        WHEN type_oid = 'timestamp'::regtype THEN 'timestamp'
        WHEN type_oid = 'timestamptz'::regtype THEN 'timestamptz'
        WHEN type_oid = 'uuid'::regtype THEN 'uuid'
        WHEN t.typtype = 'e' THEN 'enum'
    END;
END
$$;

-- Validate a shard predicate against the table and return it normalised:
--   {"col": C, "op": "=|<>|<|<=|>|>=", "value": V}
--   {"col": C, "op": "in", "values": [V, ...]}
--   {"col": C, "op": "is_null"}
--   {"and": [P, ...]}, {"or": [P, ...]}, {"not": P}
-- Comparisons gain "type": the column's type family.
CREATE FUNCTION syncbridge._normalize_predicate(rel regclass, p jsonb, path text DEFAULT 'predicate')
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    op text;
    c record;
    family text;
    parts jsonb := '[]';
    element jsonb;
    i integer := 0;
    hint constant text := 'A predicate is {"col":C,"op":"=","value":V} (ops = <> < <= > >=), '
        '{"col":C,"op":"in","values":[...]}, {"col":C,"op":"is_null"}, {"and":[...]}, {"or":[...]} or {"not":P}.';
BEGIN
    IF p IS NULL OR jsonb_typeof(p) <> 'object' THEN
        PERFORM syncbridge._fail('22023', format('%s must be a JSON object', path), hint);
    END IF;
    IF p ? 'and' OR p ? 'or' THEN
        op := CASE WHEN p ? 'and' THEN 'and' ELSE 'or' END;
        PERFORM syncbridge._check_keys(path, p, ARRAY[op]);
        IF jsonb_typeof(p -> op) <> 'array' OR jsonb_array_length(p -> op) = 0 THEN
            PERFORM syncbridge._fail('22023', format('%s.%s must be a non-empty array', path, op), hint);
        END IF;
        FOR element IN SELECT value FROM jsonb_array_elements(p -> op) LOOP
            parts := parts || jsonb_build_array(
                syncbridge._normalize_predicate(rel, element, format('%s.%s[%s]', path, op, i)));
            i := i + 1;
        END LOOP;
        RETURN jsonb_build_object(op, parts);
    END IF;
    IF p ? 'not' THEN
        PERFORM syncbridge._check_keys(path, p, ARRAY['not']);
        RETURN jsonb_build_object('not', syncbridge._normalize_predicate(rel, p -> 'not', path || '.not'));
    END IF;
    PERFORM syncbridge._check_keys(path, p, ARRAY['col', 'op', 'value', 'values']);
    IF jsonb_typeof(p -> 'col') IS DISTINCT FROM 'string' THEN
        PERFORM syncbridge._fail('22023', format('%s needs "col", a column name', path), hint);
    END IF;
    SELECT * INTO c FROM syncbridge._column(rel, p ->> 'col');
    family := syncbridge._type_family(c.type_oid);
    op := p ->> 'op';
    IF op IS NULL OR op NOT IN ('=', '<>', '<', '<=', '>', '>=', 'in', 'is_null') THEN
        PERFORM syncbridge._fail('22023', format('%s has an unknown operator %s', path, coalesce(p -> 'op', 'null')), hint);
    END IF;
    IF op = 'is_null' THEN
        IF p ? 'value' OR p ? 'values' THEN
            PERFORM syncbridge._fail('22023', format('%s: is_null takes no value', path), hint);
        END IF;
        RETURN jsonb_build_object('col', c.column_name, 'op', op);
    END IF;
    IF family IS NULL THEN
        PERFORM syncbridge._fail('42804', format('%s: column "%s" of type %s cannot be compared in a shard rule',
                                                 path, c.column_name, c.type_name),
            'Shard rules compare integer, numeric, float, boolean, text, date, timestamp, timestamptz, uuid and enum columns.');
    END IF;
    IF op IN ('<', '<=', '>', '>=') AND family IN ('boolean', 'uuid', 'enum') THEN
        PERFORM syncbridge._fail('42804', format('%s: operator %s is not supported on %s column "%s"',
                                                 path, op, c.type_name, c.column_name),
            'Use =, <>, in or is_null on boolean, uuid and enum columns.');
    END IF;
    IF op = 'in' THEN
        IF p ? 'value' OR jsonb_typeof(p -> 'values') IS DISTINCT FROM 'array'
           OR jsonb_array_length(p -> 'values') = 0 THEN
            PERFORM syncbridge._fail('22023', format('%s: in needs "values", a non-empty array', path), hint);
        END IF;
        FOR element IN SELECT value FROM jsonb_array_elements(p -> 'values') LOOP
            parts := parts || jsonb_build_array(syncbridge._canonical_value(c.type_oid, element,
                                                  format('%s.values[%s]', path, i)));
            i := i + 1;
        END LOOP;
        RETURN jsonb_build_object('col', c.column_name, 'op', op, 'type', family, 'values', parts);
    END IF;
    IF NOT p ? 'value' OR p ? 'values' THEN
        PERFORM syncbridge._fail('22023', format('%s: operator %s needs "value"', path, op), hint);
    END IF;
    RETURN jsonb_build_object('col', c.column_name, 'op', op, 'type', family,
                              'value', syncbridge._canonical_value(c.type_oid, p -> 'value', path || '.value'));
END
$$;

-- Validate a target declaration for a sync's connection and return its
-- normalised form.
--   sharepoint: {"list": NAME_OR_ID, "site": SITE (default: the connection's)}
--   confluence: {"space": KEY, "parent_id": ID, "title": TEMPLATE,
--                "body_column": COL, "body_format": "markdown"|"storage"}
CREATE FUNCTION syncbridge._normalize_target(c syncbridge.connection, rel regclass, key_columns text[], t jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text;
    placeholder text;
    result jsonb;
    col record;
BEGIN
    PERFORM syncbridge._require(t, 'target');
    IF jsonb_typeof(t) <> 'object' THEN
        PERFORM syncbridge._fail('22023', 'target must be a JSON object',
            CASE c.kind WHEN 'sharepoint' THEN 'SharePoint targets look like {"list": "Books"}.'
                        ELSE 'Confluence targets look like {"space": "DOCS", "title": "{{code}} {{name}}"}.' END);
    END IF;
    IF c.kind = 'sharepoint' THEN
        PERFORM syncbridge._check_keys('sharepoint target', t, ARRAY['site', 'list']);
        v := syncbridge._string_member('sharepoint target', t, 'list', true);
        IF length(v) > 255 OR v ~ '[[:cntrl:]~"#%&*:<>?/\\{|}]' THEN
            PERFORM syncbridge._fail('22023', format('invalid SharePoint list name %s', quote_literal(v)),
                'List names have at most 255 characters and none of ~ " # % & * : < > ? / \ { | }.');
        END IF;
        result := jsonb_build_object('list', v);
        v := coalesce(syncbridge._string_member('sharepoint target', t, 'site', false), c.settings ->> 'site');
        IF NOT syncbridge._is_site(v) THEN
            PERFORM syncbridge._fail('22023', format('target "site" is not a site path or id: %s', v),
                'Use "hostname:/server-relative-path" or a Graph site id (hostname,guid,guid).');
        END IF;
        RETURN result || jsonb_build_object('site', v);
    END IF;

    PERFORM syncbridge._check_keys('confluence target', t,
                                   ARRAY['space', 'parent_id', 'title', 'body_column', 'body_format']);
    v := syncbridge._string_member('confluence target', t, 'space', true);
    IF v !~ '^[A-Za-z0-9~]{1,255}$' THEN
        PERFORM syncbridge._fail('22023', format('invalid Confluence space key %s', quote_literal(v)),
                                 'Space keys are letters and digits (personal spaces start with ~).');
    END IF;
    result := jsonb_build_object('space', v);
    IF t ? 'parent_id' THEN
        v := CASE jsonb_typeof(t -> 'parent_id') WHEN 'number' THEN (t ->> 'parent_id')
                  ELSE syncbridge._string_member('confluence target', t, 'parent_id', true) END;
        IF v !~ '^[0-9]{1,20}$' THEN
            PERFORM syncbridge._fail('22023', format('invalid Confluence parent_id %s', t -> 'parent_id'),
                                     'parent_id is the numeric id of the parent page.');
        END IF;
        result := result || jsonb_build_object('parent_id', v);
    END IF;
    v := coalesce(syncbridge._string_member('confluence target', t, 'title', false),
                  (SELECT string_agg(format('{{%s}}', k), ' ') FROM unnest(key_columns) k));
    IF v !~ '\{\{' THEN
        PERFORM syncbridge._fail('22023', format('title template %s has no {{column}} placeholder', quote_literal(v)),
                                 'Page titles must be unique in a space: include columns, e.g. "{{code}} {{name}}".');
    END IF;
    FOR placeholder IN SELECT m[1] FROM regexp_matches(v, '\{\{([^}]*)\}\}', 'g') AS m LOOP
        PERFORM syncbridge._column(rel, placeholder);
    END LOOP;
    result := result || jsonb_build_object('title', v);
    IF t ? 'body_column' THEN
        v := syncbridge._string_member('confluence target', t, 'body_column', true);
        SELECT * INTO col FROM syncbridge._column(rel, v);
        IF syncbridge._type_family(col.type_oid) IS DISTINCT FROM 'text' THEN
            PERFORM syncbridge._fail('42804', format('body column "%s" must be text, not %s', v, col.type_name),
                                     'Use a text or varchar column for the page body.');
        END IF;
        result := result || jsonb_build_object('body_column', v, 'body_format',
            coalesce(syncbridge._string_member('confluence target', t, 'body_format', false), 'markdown'));
        IF result ->> 'body_format' NOT IN ('markdown', 'storage') THEN
            PERFORM syncbridge._fail('22023', format('invalid body_format "%s"', result ->> 'body_format'),
                                     'Use ''markdown'' (rendered to storage format) or ''storage'' (XHTML as is).');
        END IF;
    ELSIF t ? 'body_format' THEN
        PERFORM syncbridge._fail('22023', 'body_format needs body_column',
                                 'Name the text column that holds the page body in "body_column".');
    END IF;
    RETURN result;
END
$$;

-- The target row for a normalised declaration, created on first use.
CREATE FUNCTION syncbridge._target_for(s syncbridge.sync, kind text, spec jsonb, make_default boolean)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    id integer;
BEGIN
    SELECT target_id INTO id FROM syncbridge.target t WHERE t.sync_id = s.sync_id AND t.spec = _target_for.spec;
    IF id IS NULL THEN
        INSERT INTO syncbridge.target (sync_id, is_default, kind, spec, site, list, space, parent_id,
                                       title_template, body_column, body_format)
        VALUES (s.sync_id, make_default, kind, spec, spec ->> 'site', spec ->> 'list', spec ->> 'space',
                spec ->> 'parent_id', spec ->> 'title', spec ->> 'body_column', spec ->> 'body_format')
        RETURNING target_id INTO id;
    ELSIF make_default THEN
        UPDATE syncbridge.target SET is_default = true WHERE target_id = id;
    END IF;
    RETURN id;
END
$$;

-- The replica identity columns of a table: what a DELETE or UPDATE in the
-- stream carries as its key. NULL when every column is sent (FULL).
CREATE FUNCTION syncbridge._replica_identity_columns(rel regclass) RETURNS text[]
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE c.relreplident
        WHEN 'f' THEN NULL
        WHEN 'n' THEN ARRAY[]::text[]
        ELSE coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum)
                         FROM pg_index i
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
                        WHERE i.indrelid = rel
                          AND CASE c.relreplident WHEN 'd' THEN i.indisprimary ELSE i.indisreplident END),
                      ARRAY[]::text[])
    END
      FROM pg_class c WHERE c.oid = rel
$$;

-- Is there a valid, non-partial unique index on exactly these columns (the
-- ON CONFLICT target apply_remote needs)?
CREATE FUNCTION syncbridge._has_unique_index(rel regclass, cols text[]) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT FROM pg_index i
         WHERE i.indrelid = rel AND i.indisunique AND i.indisvalid AND i.indpred IS NULL
           AND i.indexprs IS NULL AND i.indnatts = cardinality(cols) AND i.indnkeyatts = i.indnatts
           AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                  FROM pg_attribute a
                 WHERE a.attrelid = rel AND a.attnum = ANY (i.indkey))
               = (SELECT array_agg(k ORDER BY k) FROM unnest(cols) k))
$$;
