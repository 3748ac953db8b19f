-- generated from extension/sql/*.sql by make; edit those files
\echo Use "CREATE EXTENSION syncbridge" to load this file. \quit
-- Catalog: what the DBA declares (connections, secrets, syncs, targets, field
-- maps, shard rules, schedules) and what the sidecar records (ledger, cursors,
-- runs, item errors, conflicts). Constraints carry the rules so that even a
-- hand-edited or restored catalog cannot hold a definition the sidecar would
-- misread.

-- Settings that differ from the built-in defaults (see _setting()). Only
-- overrides are stored, so pg_dump never restores a row the script inserts.
CREATE TABLE syncbridge.setting (
    name        text PRIMARY KEY CHECK (name IN ('slot_name')),
    value       text NOT NULL CHECK (value <> ''),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE syncbridge.setting IS
    'Overrides of syncbridge settings (slot_name); set with syncbridge.set_setting()';

-- The sidecar's X25519 public key; secrets are sealed to the active one.
CREATE TABLE syncbridge.sidecar_key (
    key_id         serial PRIMARY KEY,
    public_key     bytea NOT NULL UNIQUE CHECK (length(public_key) = 32),
    fingerprint    text GENERATED ALWAYS AS (left(encode(sha256(public_key), 'hex'), 16)) STORED,
    active         boolean NOT NULL DEFAULT true,
    registered_at  timestamptz NOT NULL DEFAULT now(),
    registered_by  name NOT NULL DEFAULT session_user
);
CREATE UNIQUE INDEX sidecar_key_one_active ON syncbridge.sidecar_key ((true)) WHERE active;
COMMENT ON TABLE syncbridge.sidecar_key IS
    'Public keys registered by syncbridged keygen; exactly one is active';

CREATE TABLE syncbridge.connection (
    connection_id  serial PRIMARY KEY,
    name           text NOT NULL UNIQUE
                   CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$'),
    kind           text NOT NULL CHECK (kind IN ('sharepoint', 'confluence')),
    settings       jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE syncbridge.connection IS
    'Remote systems (SharePoint through Microsoft Graph, Confluence Cloud) and their non-secret settings';

-- Health of a connection as the sidecar last saw it (a secret that does not
-- unseal, a token endpoint that refuses). Kept apart from the definition so
-- that the sidecar's own writes do not look like a catalog change to it.
CREATE TABLE syncbridge.connection_status (
    connection_id  integer PRIMARY KEY REFERENCES syncbridge.connection ON DELETE CASCADE,
    last_error     text,
    last_error_at  timestamptz,
    last_ok_at     timestamptz,
    CHECK ((last_error IS NULL) = (last_error_at IS NULL))
);
COMMENT ON TABLE syncbridge.connection_status IS
    'Last error (or success) the sidecar saw when using a connection';

CREATE TABLE syncbridge.secret (
    connection_id  integer NOT NULL REFERENCES syncbridge.connection ON DELETE CASCADE,
    name           text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    -- crypto_box_seal output: 32-byte ephemeral key + 16-byte MAC + ciphertext.
    sealed         bytea NOT NULL CHECK (length(sealed) > 48),
    key_id         integer NOT NULL REFERENCES syncbridge.sidecar_key,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (connection_id, name)
);
COMMENT ON TABLE syncbridge.secret IS
    'Secrets sealed to the sidecar key (libsodium sealed box); only syncbridged can open them';
COMMENT ON COLUMN syncbridge.secret.sealed IS
    'Sealed box; never the plaintext';

CREATE TABLE syncbridge.sync (
    sync_id          serial PRIMARY KEY,
    name             text NOT NULL UNIQUE
                     CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_.-]{0,62}$'),
    source           regclass NOT NULL,
    connection_id    integer NOT NULL REFERENCES syncbridge.connection,
    key_columns      text[] NOT NULL
                     CHECK (cardinality(key_columns) BETWEEN 1 AND 32
                            AND array_position(key_columns, NULL) IS NULL),
    direction        text NOT NULL DEFAULT 'push'
                     CHECK (direction IN ('push', 'pull', 'both')),
    conflict_policy  text NOT NULL DEFAULT 'source_wins'
                     CHECK (conflict_policy IN ('source_wins', 'target_wins', 'latest_wins', 'manual')),
    truncate_policy  text NOT NULL DEFAULT 'pause'
                     CHECK (truncate_policy IN ('pause', 'ignore', 'delete')),
    pull_interval    interval NOT NULL DEFAULT '15 seconds'
                     CHECK (pull_interval >= '1 second'),
    paused           boolean NOT NULL DEFAULT false,
    pause_reason     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (paused OR pause_reason IS NULL)
);
CREATE INDEX sync_source ON syncbridge.sync (source);
COMMENT ON TABLE syncbridge.sync IS
    'Sync definitions: one source table kept in step with one connection';

-- A place rows go: a SharePoint list or a Confluence space (with its page
-- layout). Each sync has one default target; shard rules point at others.
CREATE TABLE syncbridge.target (
    target_id       serial PRIMARY KEY,
    sync_id         integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    is_default      boolean NOT NULL DEFAULT false,
    kind            text NOT NULL CHECK (kind IN ('sharepoint', 'confluence')),
    -- Normalised declaration, as validated by _normalize_target().
    spec            jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
    site            text,
    list            text,
    space           text,
    parent_id       text,
    title_template  text,
    body_column     text,
    body_format     text CHECK (body_format IN ('markdown', 'storage')),
    -- Resolved by the sidecar on provisioning (list id / space id).
    remote_id       text,
    provisioned_at  timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sync_id, spec),
    CHECK (CASE kind
             WHEN 'sharepoint' THEN site IS NOT NULL AND list IS NOT NULL
                                AND space IS NULL AND parent_id IS NULL
                                AND title_template IS NULL AND body_column IS NULL
                                AND body_format IS NULL
             WHEN 'confluence' THEN space IS NOT NULL AND title_template IS NOT NULL
                                AND site IS NULL AND list IS NULL
                                AND (body_column IS NULL) = (body_format IS NULL)
           END)
);
CREATE UNIQUE INDEX target_one_default ON syncbridge.target (sync_id) WHERE is_default;
COMMENT ON TABLE syncbridge.target IS
    'Remote containers of a sync: SharePoint lists or Confluence spaces';

CREATE TABLE syncbridge.field_map (
    sync_id       integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    column_name   text NOT NULL,
    remote_field  text NOT NULL CHECK (remote_field ~ '^[^[:cntrl:]]{1,255}$'),
    direction     text NOT NULL DEFAULT 'both'
                  CHECK (direction IN ('both', 'push_only', 'pull_only')),
    transform     text,
    PRIMARY KEY (sync_id, column_name),
    UNIQUE (sync_id, remote_field)
);
COMMENT ON TABLE syncbridge.field_map IS
    'Per-column mapping to remote fields, with direction and optional transform';

CREATE TABLE syncbridge.shard_rule (
    rule_id    serial PRIMARY KEY,
    sync_id    integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    priority   integer NOT NULL,
    -- Normalised predicate: every comparison carries the column's type family
    -- and a value in the sidecar's canonical JSON form (docs/sql-api.md).
    predicate  jsonb NOT NULL,
    target_id  integer NOT NULL REFERENCES syncbridge.target ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sync_id, priority)
);
COMMENT ON TABLE syncbridge.shard_rule IS
    'Routing rules: the first rule (lowest priority) whose predicate holds picks the target';

-- What the remote side holds for each row: the basis of skip/create/update/
-- move decisions, echo detection and duplicate-free retries.
CREATE TABLE syncbridge.ledger (
    sync_id         integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    row_key         jsonb NOT NULL CHECK (jsonb_typeof(row_key) = 'object'),
    target_id       integer REFERENCES syncbridge.target ON DELETE SET NULL,
    remote_id       text,
    remote_version  text,
    content_hash    bytea,
    field_hashes    jsonb CHECK (jsonb_typeof(field_hashes) = 'object'),
    provenance      text NOT NULL CHECK (provenance IN ('push', 'pull')),
    last_lsn        pg_lsn,
    state           text NOT NULL DEFAULT 'synced'
                    CHECK (state IN ('pending', 'synced', 'deleted', 'failed')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, row_key),
    CHECK (state <> 'synced' OR (remote_id IS NOT NULL AND target_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_remote ON syncbridge.ledger (target_id, remote_id)
    WHERE remote_id IS NOT NULL AND state <> 'deleted';
COMMENT ON TABLE syncbridge.ledger IS
    'Per-row record of what was last applied remotely: remote id, version, hashes, provenance';

CREATE TABLE syncbridge.cursor (
    sync_id     integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    target_id   integer NOT NULL REFERENCES syncbridge.target ON DELETE CASCADE,
    position    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, target_id)
);
COMMENT ON TABLE syncbridge.cursor IS
    'Pull positions (Graph delta links, Confluence modification watermarks); moved only after the batch commits';

CREATE TABLE syncbridge.run (
    run_id        bigserial PRIMARY KEY,
    sync_id       integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    kind          text NOT NULL
                  CHECK (kind IN ('push', 'pull', 'backfill', 'reconcile', 'drift', 'provision', 'resync')),
    status        text NOT NULL DEFAULT 'requested'
                  CHECK (status IN ('requested', 'running', 'succeeded', 'failed', 'cancelled')),
    requested_by  name NOT NULL DEFAULT session_user,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    created       bigint NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated       bigint NOT NULL DEFAULT 0 CHECK (updated >= 0),
    deleted       bigint NOT NULL DEFAULT 0 CHECK (deleted >= 0),
    moved         bigint NOT NULL DEFAULT 0 CHECK (moved >= 0),
    skipped       bigint NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    failed        bigint NOT NULL DEFAULT 0 CHECK (failed >= 0),
    conflicts     bigint NOT NULL DEFAULT 0 CHECK (conflicts >= 0),
    error         text,
    CHECK (finished_at IS NULL OR status IN ('succeeded', 'failed', 'cancelled')),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);
CREATE INDEX run_sync_kind ON syncbridge.run (sync_id, kind, run_id DESC);
CREATE INDEX run_open ON syncbridge.run (status) WHERE status IN ('requested', 'running');
COMMENT ON TABLE syncbridge.run IS
    'Runs of the sidecar per sync and kind, with counts and the error that ended a failed one';

CREATE TABLE syncbridge.item_error (
    error_id     bigserial PRIMARY KEY,
    sync_id      integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    run_id       bigint REFERENCES syncbridge.run ON DELETE SET NULL,
    target_id    integer REFERENCES syncbridge.target ON DELETE SET NULL,
    direction    text NOT NULL CHECK (direction IN ('push', 'pull')),
    operation    text NOT NULL
                 CHECK (operation IN ('create', 'update', 'delete', 'move', 'apply', 'provision')),
    row_key      jsonb,
    remote_id    text,
    lsn          pg_lsn,
    http_status  integer CHECK (http_status BETWEEN 100 AND 599),
    error_code   text,
    message      text NOT NULL,
    detail       jsonb,
    attempts     integer NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    first_seen   timestamptz NOT NULL DEFAULT now(),
    last_seen    timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz,
    CHECK (row_key IS NOT NULL OR remote_id IS NOT NULL)
);
CREATE INDEX item_error_open ON syncbridge.item_error (sync_id) WHERE resolved_at IS NULL;
COMMENT ON TABLE syncbridge.item_error IS
    'Rows that could not be applied (with HTTP status and the remote error); the stream went on';

CREATE TABLE syncbridge.conflict (
    conflict_id        bigserial PRIMARY KEY,
    sync_id            integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    target_id          integer REFERENCES syncbridge.target ON DELETE SET NULL,
    row_key            jsonb NOT NULL,
    remote_id          text,
    policy             text NOT NULL
                       CHECK (policy IN ('source_wins', 'target_wins', 'latest_wins', 'manual')),
    local_values       jsonb,
    remote_values      jsonb,
    local_changed_at   timestamptz,
    remote_changed_at  timestamptz,
    detected_at        timestamptz NOT NULL DEFAULT now(),
    resolution         text CHECK (resolution IN ('source', 'target', 'custom')),
    resolved_values    jsonb,
    resolved_at        timestamptz,
    resolved_by        name,
    CHECK ((resolution IS NULL) = (resolved_at IS NULL)),
    CHECK (resolution IS DISTINCT FROM 'custom' OR resolved_values IS NOT NULL)
);
CREATE INDEX conflict_open ON syncbridge.conflict (sync_id) WHERE resolved_at IS NULL;
COMMENT ON TABLE syncbridge.conflict IS
    'Rows changed on both sides since the last sync, with both versions and how it was decided';

CREATE TABLE syncbridge.job (
    job_id     serial PRIMARY KEY,
    sync_id    integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('pull', 'backfill', 'reconcile', 'drift')),
    schedule   text NOT NULL,
    enabled    boolean NOT NULL DEFAULT true,
    last_run_id bigint REFERENCES syncbridge.run ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sync_id, kind)
);
COMMENT ON TABLE syncbridge.job IS
    'Scheduled work per sync (cron syntax), fired by the sidecar''s scheduler';
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

-- Raise a user error with a hint (and optional detail); plpgsql's RAISE needs
-- literal option lists, this keeps call sites to one line.
CREATE FUNCTION syncbridge._fail(sqlstate text, message text, hint text, detail text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF detail IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, HINT = hint;
    END IF;
    RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = message, HINT = hint, DETAIL = detail;
END
$$;

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

-- Statement trigger on every definition table: however the catalog changes
-- (SQL API, hand edit, restore), the sidecar hears of it once per statement.
CREATE FUNCTION syncbridge._catalog_changed() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM syncbridge._notify(jsonb_build_object('event', 'catalog_changed',
                                                  'table', TG_TABLE_NAME,
                                                  'op', lower(TG_OP)));
    RETURN NULL;
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
                                 format('Got %s.', obj -> member));
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
    'The SharePoint internal column name a table column maps to by default';

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
    SELECT kind = 'sharepoint' AND remote_field IN
        ('ID', 'Created', 'Modified', 'Author', 'Editor', 'AuthorLookupId', 'EditorLookupId',
         '_UIVersionString', 'Attachments', 'ContentType', 'LinkTitle', 'AppAuthor', 'AppEditor',
         'ItemChildCount', 'FolderChildCount')
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
    IF remote_field = 'SyncBridgeKey' THEN
        PERFORM syncbridge._fail('22023', 'remote field "SyncBridgeKey" is reserved',
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
    c := syncbridge._find_connection(connection);
    IF EXISTS (SELECT FROM syncbridge.sync x WHERE x.name = create_sync.name) THEN
        PERFORM syncbridge._fail('42710', format('sync "%s" already exists', name),
                                 'Drop it with syncbridge.drop_sync() or pick another name.');
    END IF;
    IF direction IS NULL OR direction NOT IN ('push', 'pull', 'both') THEN
        PERFORM syncbridge._fail('22023', format('invalid direction %s', coalesce(quote_literal(direction), 'NULL')),
                                 'Use ''push'', ''pull'' or ''both''.');
    END IF;
    IF conflict_policy IS NULL OR conflict_policy NOT IN ('source_wins', 'target_wins', 'latest_wins', 'manual') THEN
        PERFORM syncbridge._fail('22023', format('invalid conflict policy %s', coalesce(quote_literal(conflict_policy), 'NULL')),
                                 'Use ''source_wins'', ''target_wins'', ''latest_wins'' or ''manual''.');
    END IF;
    IF truncate_policy IS NULL OR truncate_policy NOT IN ('pause', 'ignore', 'delete') THEN
        PERFORM syncbridge._fail('22023', format('invalid truncate policy %s', coalesce(quote_literal(truncate_policy), 'NULL')),
            '''pause'' stops the sync for a person to decide, ''ignore'' leaves remote items, ''delete'' deletes them.');
    END IF;
    IF pull_interval IS NULL OR pull_interval < '1 second' THEN
        PERFORM syncbridge._fail('22023', 'pull_interval must be at least 1 second',
                                 'Remote APIs are rate limited; 15 seconds is the default.');
    END IF;

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

    INSERT INTO syncbridge.field_map (sync_id, column_name, remote_field, direction)
    SELECT s.sync_id, x.column_name,
           CASE c.kind WHEN 'sharepoint' THEN syncbridge.sharepoint_internal_name(x.column_name)
                       ELSE x.column_name END,
           'both'
      FROM syncbridge._columns(source) x WHERE NOT x.generated;

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
    RETURN s.sync_id;
END
$$;
COMMENT ON FUNCTION syncbridge.create_sync(text, regclass, text, jsonb, text, text, text[], text, interval) IS
    'Declare a sync of a table to a connection''s target; maps every column and publishes the table';

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
    IF direction IS NOT NULL AND direction NOT IN ('push', 'pull', 'both') THEN
        PERFORM syncbridge._fail('22023', format('invalid direction %L', direction), 'Use ''push'', ''pull'' or ''both''.');
    END IF;
    IF conflict_policy IS NOT NULL AND conflict_policy NOT IN ('source_wins', 'target_wins', 'latest_wins', 'manual') THEN
        PERFORM syncbridge._fail('22023', format('invalid conflict policy %L', conflict_policy),
                                 'Use ''source_wins'', ''target_wins'', ''latest_wins'' or ''manual''.');
    END IF;
    IF truncate_policy IS NOT NULL AND truncate_policy NOT IN ('pause', 'ignore', 'delete') THEN
        PERFORM syncbridge._fail('22023', format('invalid truncate policy %L', truncate_policy),
                                 'Use ''pause'', ''ignore'' or ''delete''.');
    END IF;
    IF pull_interval < '1 second' THEN
        PERFORM syncbridge._fail('22023', 'pull_interval must be at least 1 second',
                                 'Remote APIs are rate limited; 15 seconds is the default.');
    END IF;
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
    'Stop syncing (changes keep accumulating in the slot and are applied on resume)';

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
    'Resume a paused sync';

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
    IF kind = 'pull' AND s.direction = 'push' OR kind IN ('push', 'backfill') AND s.direction = 'pull' THEN
        PERFORM syncbridge._fail('55000', format('sync "%s" has direction %s; a %s run does not apply', sync, s.direction, kind),
                                 format('Change the direction with syncbridge.alter_sync(%L, direction => ''both'').', sync));
    END IF;
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
    IF kind = 'pull' AND s.direction = 'push' OR kind = 'backfill' AND s.direction = 'pull' THEN
        PERFORM syncbridge._fail('55000', format('sync "%s" has direction %s; a %s job does not apply', sync, s.direction, kind),
                                 format('Change the direction with syncbridge.alter_sync(%L, direction => ''both'').', sync));
    END IF;
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
                       ELSE format('no unique index on exactly %s', s.key_columns) END;
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
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), slot.confirmed_flush_lsn)::bigint END AS slot_lag_bytes
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
  LEFT JOIN pg_replication_slots slot ON slot.slot_name = syncbridge._get_setting('slot_name');
COMMENT ON VIEW syncbridge.status IS
    'One row per sync: state, pending/failed/conflict counts, last runs, slot lag';

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
-- The only way pulled data enters user tables. Runs as the caller (the
-- sidecar's role), so the table's own privileges and row security apply and
-- the table owner's triggers never run with the extension owner's rights.
CREATE FUNCTION syncbridge.apply_remote(sync text, op text, row_key jsonb, fields jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'syncbridge_apply_remote'
LANGUAGE C;
COMMENT ON FUNCTION syncbridge.apply_remote(text, text, jsonb, jsonb) IS
    'Upsert (insert/update) or delete one row of a sync''s table by key; returns inserted, updated, unchanged, deleted or absent';
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

-- pg_dump keeps the user's configuration and the sync state (the ledger is
-- what prevents duplicates after a restore).
-- One call per statement: each call updates the pg_extension row.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['setting', 'sidecar_key', 'connection', 'connection_status', 'secret', 'sync',
                             'target', 'field_map', 'shard_rule', 'ledger', 'cursor', 'run', 'item_error',
                             'conflict', 'job',
                             'sidecar_key_key_id_seq', 'connection_connection_id_seq', 'sync_sync_id_seq',
                             'target_target_id_seq', 'shard_rule_rule_id_seq', 'run_run_id_seq',
                             'item_error_error_id_seq', 'conflict_conflict_id_seq', 'job_job_id_seq'] LOOP
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
GRANT INSERT, UPDATE ON syncbridge.run TO syncbridge_admin;
GRANT UPDATE (remote_id, provisioned_at) ON syncbridge.target TO syncbridge_admin;
GRANT UPDATE (last_run_id) ON syncbridge.job TO syncbridge_admin;
GRANT USAGE ON syncbridge.run_run_id_seq, syncbridge.item_error_error_id_seq,
    syncbridge.conflict_conflict_id_seq TO syncbridge_admin;

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
    syncbridge.sharepoint_internal_name(text)
TO syncbridge_admin;
-- apply_remote reads the definitions through these as the calling role.
GRANT EXECUTE ON FUNCTION syncbridge._get_setting(text) TO syncbridge_admin;
