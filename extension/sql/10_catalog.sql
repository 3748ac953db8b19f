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
    -- Lets the tables below require that a target belongs to their sync.
    UNIQUE (sync_id, target_id),
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
    target_id  integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sync_id, priority),
    -- A rule routes only to a target of its own sync.
    FOREIGN KEY (sync_id, target_id) REFERENCES syncbridge.target (sync_id, target_id) ON DELETE CASCADE
);
COMMENT ON TABLE syncbridge.shard_rule IS
    'Routing rules: the first rule (lowest priority) whose predicate holds picks the target';

-- What the remote side holds for each row: the basis of skip/create/update/
-- move decisions, echo detection and duplicate-free retries.
CREATE TABLE syncbridge.ledger (
    sync_id         integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    row_key         jsonb NOT NULL CHECK (jsonb_typeof(row_key) = 'object'),
    target_id       integer,
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
    FOREIGN KEY (sync_id, target_id) REFERENCES syncbridge.target (sync_id, target_id)
        ON DELETE SET NULL (target_id),
    CHECK (state <> 'synced' OR (remote_id IS NOT NULL AND target_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_remote ON syncbridge.ledger (target_id, remote_id)
    WHERE remote_id IS NOT NULL AND state <> 'deleted';
COMMENT ON TABLE syncbridge.ledger IS
    'Per-row record of what was last applied remotely: remote id, version, hashes, provenance';

CREATE TABLE syncbridge.cursor (
    sync_id     integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    target_id   integer NOT NULL,
    position    text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, target_id),
    FOREIGN KEY (sync_id, target_id) REFERENCES syncbridge.target (sync_id, target_id) ON DELETE CASCADE
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
    UNIQUE (sync_id, run_id),
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
    run_id       bigint,
    target_id    integer,
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
    FOREIGN KEY (sync_id, run_id) REFERENCES syncbridge.run (sync_id, run_id) ON DELETE SET NULL (run_id),
    FOREIGN KEY (sync_id, target_id) REFERENCES syncbridge.target (sync_id, target_id)
        ON DELETE SET NULL (target_id),
    CHECK (row_key IS NOT NULL OR remote_id IS NOT NULL)
);
CREATE INDEX item_error_open ON syncbridge.item_error (sync_id) WHERE resolved_at IS NULL;
COMMENT ON TABLE syncbridge.item_error IS
    'Rows that could not be applied (with HTTP status and the remote error); the stream went on';

CREATE TABLE syncbridge.conflict (
    conflict_id        bigserial PRIMARY KEY,
    sync_id            integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    target_id          integer,
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
    FOREIGN KEY (sync_id, target_id) REFERENCES syncbridge.target (sync_id, target_id)
        ON DELETE SET NULL (target_id),
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
    last_run_id bigint,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sync_id, kind),
    FOREIGN KEY (sync_id, last_run_id) REFERENCES syncbridge.run (sync_id, run_id) ON DELETE SET NULL (last_run_id)
);
COMMENT ON TABLE syncbridge.job IS
    'Scheduled work per sync (cron syntax), fired by the sidecar''s scheduler';

-- Push-path state the sidecar keeps in the catalog, not in memory: it may be
-- restarted anywhere and must resume from the slot and what is here.

-- Changes of a paused sync. The slot moves on for the other syncs, so a
-- paused sync's changes are parked here until resume sends them in seq
-- order. `change` is the sidecar's own JSON; SQL does not look inside.
CREATE TABLE syncbridge.parked_change (
    sync_id    integer NOT NULL REFERENCES syncbridge.sync ON DELETE CASCADE,
    seq        bigserial,
    lsn        pg_lsn NOT NULL,
    change     jsonb NOT NULL CHECK (jsonb_typeof(change) = 'object'),
    parked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sync_id, seq)
);
COMMENT ON TABLE syncbridge.parked_change IS
    'Changes of a paused sync, kept durably by the sidecar and sent in seq order on resume';

-- One row per slot a sidecar serves: who it is and how far it got. Rewritten
-- every few seconds, so status can tell a live sidecar from a dead one.
CREATE TABLE syncbridge.sidecar (
    slot_name     text PRIMARY KEY,
    pid           integer,
    version       text,
    started_at    timestamptz,
    heartbeat_at  timestamptz NOT NULL,
    received_lsn  pg_lsn,
    flush_lsn     pg_lsn
);
COMMENT ON TABLE syncbridge.sidecar IS
    'Heartbeat of the sidecar serving each slot: process, version, received and confirmed positions';

-- Per sync, the commit times that make lag readable in seconds.
CREATE TABLE syncbridge.sync_progress (
    sync_id              integer PRIMARY KEY REFERENCES syncbridge.sync ON DELETE CASCADE,
    -- Commit time of the oldest change received and not yet applied
    -- remotely (parked changes included); NULL when nothing is outstanding.
    oldest_unapplied_at  timestamptz,
    -- Commit time of the newest change applied remotely.
    last_applied_at      timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE syncbridge.sync_progress IS
    'Sidecar-reported commit times of the oldest unapplied and the newest applied change per sync';

-- Where a sync's backfill stands, so a restarted sidecar goes on from the
-- last finished chunk instead of from the start.
CREATE TABLE syncbridge.backfill (
    sync_id        integer PRIMARY KEY REFERENCES syncbridge.sync ON DELETE CASCADE,
    run_id         bigint,
    -- Key of the last row of the last finished chunk; NULL = from the start.
    after_key      jsonb CHECK (jsonb_typeof(after_key) = 'object'),
    rows_done      bigint NOT NULL DEFAULT 0 CHECK (rows_done >= 0),
    rows_estimate  bigint CHECK (rows_estimate >= 0),
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    FOREIGN KEY (sync_id, run_id) REFERENCES syncbridge.run (sync_id, run_id) ON DELETE SET NULL (run_id)
);
COMMENT ON TABLE syncbridge.backfill IS
    'Resumable backfill per sync: key after which the next chunk starts, rows done and estimated';
