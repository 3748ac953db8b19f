-- create_sync / alter_sync / drop_sync: key discovery and validation,
-- replica identity, publication membership, default field map, targets,
-- and identifiers that need quoting.
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
SELECT syncbridge.create_connection('wiki', 'confluence',
  '{"site": "example.atlassian.net", "auth": "api_token", "email": "bot@example.com"}') > 0 AS created;

CREATE TABLE books (id integer PRIMARY KEY, title text NOT NULL, "Page Count" integer,
                    isbn text NOT NULL UNIQUE, notes text,
                    title_upper text GENERATED ALWAYS AS (upper(title)) STORED);

-- The publication is created by the first sync that needs it.
DROP PUBLICATION IF EXISTS syncbridge;

-- Happy path: key from the primary key, every stored column mapped,
-- SharePoint names encoded, table published.
SELECT syncbridge.create_sync('books', 'books', 'sp', '{"list": "Books"}', 'both') > 0 AS created;
SELECT name, source, key_columns, direction, conflict_policy, truncate_policy, pull_interval, paused
  FROM syncbridge.sync;
SELECT column_name, remote_field, direction, transform FROM syncbridge.field_map ORDER BY column_name;
SELECT kind, is_default, spec FROM syncbridge.target;
SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'syncbridge';
SELECT pubviaroot FROM pg_publication WHERE pubname = 'syncbridge';

-- A second sync of the same table (to Confluence), keyed by a unique column.
-- Its key must travel with deletes, so the replica identity is widened.
ALTER TABLE books REPLICA IDENTITY FULL;
SELECT syncbridge.create_sync('books_wiki', 'books', 'wiki',
  '{"space": "DOCS", "parent_id": 12345, "title": "{{isbn}} {{title}}", "body_column": "notes"}',
  key_columns => ARRAY['isbn']) > 0 AS created;
SELECT key_columns FROM syncbridge.sync WHERE name = 'books_wiki';
SELECT spec, title_template, body_column, body_format FROM syncbridge.target t
  JOIN syncbridge.sync s USING (sync_id) WHERE s.name = 'books_wiki';
SELECT remote_field FROM syncbridge.field_map JOIN syncbridge.sync USING (sync_id)
 WHERE name = 'books_wiki' AND column_name = 'Page Count';

-- A sync that pushes (push or both) requests a backfill in the same
-- transaction, so rows already in the table are sent; a pull-only sync
-- does not.
SELECT s.name, s.direction, r.kind, r.status, r.requested_by = session_user AS by_me
  FROM syncbridge.run r JOIN syncbridge.sync s USING (sync_id) ORDER BY r.run_id;
SELECT syncbridge.create_sync('books_in', 'books', 'sp', '{"list": "Books In"}', 'pull') > 0 AS created;
SELECT s.name, count(r.run_id) AS runs
  FROM syncbridge.sync s LEFT JOIN syncbridge.run r USING (sync_id)
 WHERE s.name = 'books_in' GROUP BY s.name;
SELECT syncbridge.drop_sync('books_in');

-- State rows of one sync cannot point at another sync's target or run.
\set VERBOSITY terse
INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, provenance, state)
SELECT s.sync_id, '{"id": 1}', t.target_id, 'push', 'pending'
  FROM syncbridge.sync s, syncbridge.target t JOIN syncbridge.sync o USING (sync_id)
 WHERE s.name = 'books' AND o.name = 'books_wiki';
INSERT INTO syncbridge.cursor (sync_id, target_id, position)
SELECT s.sync_id, t.target_id, 'x'
  FROM syncbridge.sync s, syncbridge.target t JOIN syncbridge.sync o USING (sync_id)
 WHERE s.name = 'books' AND o.name = 'books_wiki';
INSERT INTO syncbridge.run (sync_id, kind) SELECT sync_id, 'push' FROM syncbridge.sync WHERE name = 'books_wiki';
INSERT INTO syncbridge.item_error (sync_id, run_id, direction, operation, row_key, message)
SELECT s.sync_id, r.run_id, 'push', 'create', '{"id": 1}', 'x'
  FROM syncbridge.sync s, syncbridge.run r JOIN syncbridge.sync o USING (sync_id)
 WHERE s.name = 'books' AND o.name = 'books_wiki';
\set VERBOSITY default

-- Refusals.
SELECT syncbridge.create_sync('books', 'books', 'sp', '{"list": "Books"}');
SELECT syncbridge.create_sync('bad name', 'books', 'sp', '{"list": "Books"}');
SELECT syncbridge.create_sync('x', 'books', 'nope', '{"list": "Books"}');
SELECT syncbridge.create_sync('x', 'no_such_table', 'sp', '{"list": "Books"}');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', 'sideways');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', conflict_policy => 'random');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', truncate_policy => 'cascade');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', pull_interval => '10 ms');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"lists": "Books"}');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books?"}');
SELECT syncbridge.create_sync('x', 'books', 'sp', '"Books"');
SELECT syncbridge.create_sync('x', 'books', 'sp', NULL);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books", "site": "not a site"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "title": "static"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "title": "{{nope}}"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DO CS"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "parent_id": "abc"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "body_column": "id"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "body_format": "markdown"}');
SELECT syncbridge.create_sync('x', 'books', 'wiki', '{"space": "DOCS", "body_column": "notes", "body_format": "html"}');
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY['notes']);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY['title']);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY['nope']);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY[]::text[]);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY['id', 'id']);
SELECT syncbridge.create_sync('x', 'books', 'sp', '{"list": "Books"}', key_columns => ARRAY['title_upper']);

CREATE TABLE no_key (a integer, b text);
SELECT syncbridge.create_sync('x', 'no_key', 'sp', '{"list": "X"}');
CREATE UNLOGGED TABLE scratch (id integer PRIMARY KEY);
SELECT syncbridge.create_sync('x', 'scratch', 'sp', '{"list": "X"}');
CREATE VIEW book_view AS SELECT * FROM books;
SELECT syncbridge.create_sync('x', 'book_view', 'sp', '{"list": "X"}');
CREATE TABLE measurements (id integer, region text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE measurements_eu PARTITION OF measurements FOR VALUES IN ('EU');
SELECT syncbridge.create_sync('x', 'measurements_eu', 'sp', '{"list": "X"}');
SELECT syncbridge.create_sync('x', 'syncbridge.ledger', 'sp', '{"list": "X"}');

-- Replica identity must carry the key: a unique key other than the primary
-- key needs REPLICA IDENTITY USING INDEX or FULL.
CREATE TABLE codes (id integer PRIMARY KEY, code text NOT NULL);
CREATE UNIQUE INDEX codes_code ON codes (code);
SELECT syncbridge.create_sync('codes', 'codes', 'sp', '{"list": "Codes"}', key_columns => ARRAY['code']);
ALTER TABLE codes REPLICA IDENTITY NOTHING;
SELECT syncbridge.create_sync('codes', 'codes', 'sp', '{"list": "Codes"}');
ALTER TABLE codes REPLICA IDENTITY USING INDEX codes_code;
SELECT syncbridge.create_sync('codes', 'codes', 'sp', '{"list": "Codes"}', key_columns => ARRAY['code']) > 0 AS created;
SELECT "check", ok FROM syncbridge.check() WHERE "check" LIKE 'sync codes:%';

-- Partitioned tables are published as their root; a publication the DBA
-- set up otherwise is not changed behind their back.
ALTER PUBLICATION syncbridge SET (publish_via_partition_root = false);
SELECT syncbridge.create_sync('measurements', 'measurements', 'sp', '{"list": "Measurements"}');
ALTER PUBLICATION syncbridge SET (publish_via_partition_root = true);
SELECT syncbridge.create_sync('measurements', 'measurements', 'sp', '{"list": "Measurements"}') > 0 AS created;
SELECT key_columns FROM syncbridge.sync WHERE name = 'measurements';

-- Identifiers that need quoting: spaces, quotes, mixed case, other schemas.
CREATE SCHEMA "Sales Data";
CREATE TABLE "Sales Data"."Order ""Lines"" 2024" ("Line Id" integer PRIMARY KEY, "Qty" integer, "naïve col" text);
SELECT syncbridge.create_sync('order_lines', '"Sales Data"."Order ""Lines"" 2024"', 'sp', '{"list": "Order Lines"}') > 0 AS created;
SELECT source, key_columns FROM syncbridge.sync WHERE name = 'order_lines';
SELECT column_name, remote_field FROM syncbridge.field_map JOIN syncbridge.sync USING (sync_id)
 WHERE name = 'order_lines' ORDER BY column_name;
SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = 'syncbridge' ORDER BY 1, 2;
-- Columns named like SharePoint's built-in fields (case-insensitively) get
-- fields of their own, so provisioning does not collide with the built-ins;
-- Title is the list's own column. Elsewhere a column named like the reserved
-- key field is left unmapped.
CREATE TABLE mirrored ("ID" integer PRIMARY KEY, "Title" text, "Modified" timestamptz, "SyncBridgeKey" text);
SELECT syncbridge.create_sync('mirrored', 'mirrored', 'sp', '{"list": "Mirrored"}', 'both') > 0 AS created;
SELECT column_name, remote_field, f.direction FROM syncbridge.field_map f JOIN syncbridge.sync USING (sync_id)
 WHERE name = 'mirrored' ORDER BY column_name;
SELECT syncbridge.create_sync('mirrored_wiki', 'mirrored', 'wiki', '{"space": "DOCS"}', 'both') > 0 AS created;
SELECT column_name, remote_field, f.direction FROM syncbridge.field_map f JOIN syncbridge.sync USING (sync_id)
 WHERE name = 'mirrored_wiki' ORDER BY column_name;
SELECT syncbridge.drop_sync('mirrored_wiki');
SELECT syncbridge.drop_sync('mirrored');
DROP TABLE mirrored;

-- Odd column names in maps and shard rules.
SELECT syncbridge.map_field('order_lines', 'naïve col', 'Naive "quoted" field', 'pull_only');
SELECT syncbridge.add_shard_rule('order_lines', 1, '{"and": [{"col": "Qty", "op": ">=", "value": 10},
                                                           {"col": "naïve col", "op": "is_null"}]}',
                                 '{"list": "Big ''Orders'' 2024"}') > 0 AS added;
SELECT predicate, t.spec FROM syncbridge.shard_rule r JOIN syncbridge.target t USING (target_id)
  JOIN syncbridge.sync s ON s.sync_id = r.sync_id WHERE s.name = 'order_lines';
SELECT syncbridge.add_shard_rule('order_lines', 2, '{"col": "qty", "op": ">=", "value": 10}', '{"list": "X"}');

-- alter_sync.
SELECT syncbridge.alter_sync('books', conflict_policy => 'manual', pull_interval => '1 minute');
SELECT direction, conflict_policy, pull_interval FROM syncbridge.sync WHERE name = 'books';
SELECT syncbridge.alter_sync('books', direction => 'north');
SELECT syncbridge.alter_sync('books', conflict_policy => 'coin');
SELECT syncbridge.alter_sync('books', truncate_policy => 'cascade');
SELECT syncbridge.alter_sync('books', pull_interval => '0');
SELECT syncbridge.alter_sync('nope', direction => 'push');

-- A connection in use cannot be dropped.
SELECT syncbridge.drop_connection('sp');

-- A synced table cannot be dropped from under its syncs.
DROP TABLE books CASCADE;
DROP TABLE codes, no_key;
CREATE SCHEMA doomed;
CREATE TABLE doomed.t (id integer PRIMARY KEY);
SELECT syncbridge.create_sync('doomed', 'doomed.t', 'sp', '{"list": "Doomed"}') > 0 AS created;
DROP SCHEMA doomed CASCADE;
SELECT syncbridge.drop_sync('doomed');
DROP SCHEMA doomed CASCADE;

-- drop_sync: the table leaves the publication only with its last sync.
SELECT syncbridge.drop_sync('books');
SELECT tablename FROM pg_publication_tables WHERE pubname = 'syncbridge' AND tablename = 'books';
SELECT syncbridge.drop_sync('books_wiki');
SELECT tablename FROM pg_publication_tables WHERE pubname = 'syncbridge' AND tablename = 'books';
SELECT syncbridge.drop_sync('books_wiki');
SELECT syncbridge.drop_sync(name) FROM syncbridge.sync;
SELECT count(*) AS published FROM pg_publication_tables WHERE pubname = 'syncbridge';
SELECT count(*) AS targets, (SELECT count(*) FROM syncbridge.field_map) AS maps FROM syncbridge.target;

SELECT syncbridge.drop_connection('sp');
SELECT syncbridge.drop_connection('wiki');
DROP TABLE books, no_key, scratch, codes, measurements CASCADE;
DROP SCHEMA "Sales Data" CASCADE;
