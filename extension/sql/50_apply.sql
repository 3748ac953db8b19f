-- The only way pulled data enters user tables. Runs as the caller (the
-- sidecar's role), so the table's own privileges and row security apply and
-- the table owner's triggers never run with the extension owner's rights.
CREATE FUNCTION syncbridge.apply_remote(sync text, op text, row_key jsonb, fields jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'syncbridge_apply_remote'
LANGUAGE C;
COMMENT ON FUNCTION syncbridge.apply_remote(text, text, jsonb, jsonb) IS
    'Upsert (insert/update) or delete one row of a sync''s table by key; returns inserted, updated, unchanged, deleted or absent';
