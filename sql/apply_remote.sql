-- apply_remote: upsert/delete by key with type conversion through each
-- column type's input function, and clear errors for bad input.
\set VERBOSITY default
\set SHOW_CONTEXT errors
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE "Odd ""Table""" (
    "Key Part" text NOT NULL,
    region text NOT NULL,
    title varchar(10),
    qty integer,
    big bigint,
    price numeric(12, 2),
    exact numeric,
    ratio float8,
    done boolean,
    due date,
    seen timestamptz,
    ref uuid,
    meta jsonb,
    doc json,
    tags text[],
    matrix integer[],
    feeling mood,
    count positive,
    blob bytea,
    secret_note text,
    derived text GENERATED ALWAYS AS (upper(title)) STORED,
    PRIMARY KEY ("Key Part", region));
SELECT syncbridge.create_sync('odd', '"Odd ""Table"""', 'sp', '{"list": "Odd"}', 'both') > 0 AS created;
SELECT syncbridge.map_field('odd', 'secret_note', 'SecretNote', 'push_only');

-- Every supported kind of value, inserted.
SELECT syncbridge.apply_remote('odd', 'insert', '{"Key Part": "a\"b", "region": "EU"}',
  '{"title": "Dune", "qty": 42, "big": 9007199254740993, "price": "19.99", "exact": 123456789012345678901234567890.123456789,
    "ratio": 0.25, "done": true, "due": "2024-05-01", "seen": "2024-05-01T12:00:00Z",
    "ref": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "meta": {"x": [1, {"y": null}]}, "doc": [1, "two"],
    "tags": ["a", "b,c", "d\"e", null, "f\\g"], "matrix": [[1, 2], [3, 4]], "feeling": "happy", "count": 3,
    "blob": "\\x00ff"}');
SELECT * FROM "Odd ""Table""";

-- Update only some columns; booleans and numbers given as strings and vice versa.
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "a\"b", "region": "EU"}',
  '{"qty": "43", "done": "false", "title": 12345, "ratio": "NaN", "meta": "just a string"}');
SELECT title, qty, done, ratio, meta, price FROM "Odd ""Table""";

-- NULLs clear values; an update of a missing row inserts it.
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "a\"b", "region": "EU"}',
  '{"qty": null, "tags": null, "meta": null, "due": null}');
SELECT qty, tags, meta, due FROM "Odd ""Table""";
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "new", "region": "US"}', '{"qty": 1}');
-- Only the key: inserted once, then unchanged.
SELECT syncbridge.apply_remote('odd', 'insert', '{"Key Part": "bare", "region": "US"}');
SELECT syncbridge.apply_remote('odd', 'insert', '{"Key Part": "bare", "region": "US"}', '{}');
-- Repeating a key column unchanged in fields is fine (numbers compare by value).
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"region": "US", "qty": 2}');
SELECT "Key Part", region, qty FROM "Odd ""Table""" ORDER BY 1, 2;

-- Timestamps in other offsets and dates are converted by the types.
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}',
  '{"seen": "2024-05-01T14:00:00+02:00", "due": "2024-02-29"}');
SELECT seen, due FROM "Odd ""Table""" WHERE "Key Part" = 'bare';

-- Deletes.
SELECT syncbridge.apply_remote('odd', 'delete', '{"Key Part": "new", "region": "US"}');
SELECT syncbridge.apply_remote('odd', 'delete', '{"Key Part": "new", "region": "US"}');
SELECT syncbridge.apply_remote('odd', 'delete', '{"Key Part": "bare", "region": "US"}', '{"qty": 1}');

-- Bad values name the column and the sync.
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": "many"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 1.5}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"title": "far too long a title"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"feeling": "angry"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"count": 0}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"due": "2024-02-30"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"ref": "not-a-uuid"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": {"n": 1}}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": [1]}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"tags": [{"a": 1}]}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"matrix": [[1, 2], [3]]}');

-- Bad requests are refused with a hint.
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"nope": 1}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"secret_note": "x"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"derived": "x"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"region": "EU"}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare"}', '{"qty": 1}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": null}', '{"qty": 1}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US", "qty": 1}', '{}');
SELECT syncbridge.apply_remote('odd', 'update', '["bare", "US"]', '{}');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '[1]');
SELECT syncbridge.apply_remote('odd', 'upsert', '{"Key Part": "bare", "region": "US"}', '{}');
SELECT syncbridge.apply_remote('odd', NULL, '{"Key Part": "bare", "region": "US"}', '{}');
SELECT syncbridge.apply_remote('nope', 'insert', '{"id": 1}', '{}');
SELECT syncbridge.apply_remote(NULL, 'insert', '{"id": 1}', '{}');

-- An unmapped column is refused until mapped; catalog changes are seen by
-- the next statement.
SELECT syncbridge.unmap_field('odd', 'qty');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 5}');
SELECT syncbridge.map_field('odd', 'qty', 'Qty', 'pull_only');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 5}');

-- Within one command (here a DO block) a definition change is seen at once.
DO $$
BEGIN
    PERFORM syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 6}');
    PERFORM syncbridge.unmap_field('odd', 'qty');
    PERFORM syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 7}');
END
$$;
SELECT qty FROM "Odd ""Table""" WHERE "Key Part" = 'bare';
SELECT syncbridge.map_field('odd', 'qty', 'Qty', 'pull_only');

-- Cached plans follow DDL: a retyped column converts by its new type.
ALTER TABLE "Odd ""Table""" ALTER COLUMN qty TYPE numeric(6, 1);
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 5.25}');
SELECT qty FROM "Odd ""Table""" WHERE "Key Part" = 'bare';
ALTER TABLE "Odd ""Table""" ADD COLUMN extra text;
SELECT syncbridge.map_field('odd', 'extra', 'Extra');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 6, "extra": "x"}');
SELECT qty, extra FROM "Odd ""Table""" WHERE "Key Part" = 'bare';

-- Many rows in one statement, as the sidecar applies a batch.
SELECT syncbridge.apply_remote('odd', 'insert', jsonb_build_object('Key Part', 'k' || i, 'region', 'EU'),
                               jsonb_build_object('qty', i, 'title', 't' || i)) AS result, count(*)
  FROM generate_series(1, 500) i GROUP BY 1;
SELECT count(*), sum(qty) FROM "Odd ""Table""" WHERE "Key Part" LIKE 'k%';

-- A pulled row that breaks a table constraint is refused with a hint.
ALTER TABLE "Odd ""Table""" ADD CONSTRAINT big_not_negative CHECK (big >= 0);
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"big": -1}');
ALTER TABLE "Odd ""Table""" ADD COLUMN "Must Have" text NOT NULL DEFAULT 'set';
SELECT syncbridge.map_field('odd', 'Must Have', 'MustHave');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"Must Have": null}');

-- A push-only sync takes no pulled data.
SELECT syncbridge.alter_sync('odd', direction => 'push');
SELECT syncbridge.apply_remote('odd', 'update', '{"Key Part": "bare", "region": "US"}', '{"qty": 1}');

SELECT syncbridge.drop_sync('odd');
SELECT syncbridge.drop_connection('sp');
DROP TABLE "Odd ""Table""";
DROP TYPE mood;
DROP DOMAIN positive;
