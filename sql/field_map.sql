-- map_field / unmap_field: directions, transforms (reversible or push-only),
-- read-only system fields, uniqueness of remote fields.
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE tasks (id integer PRIMARY KEY, title text, price numeric(10, 2), due date,
                    created_at timestamptz, author text, status text,
                    slug text GENERATED ALWAYS AS (lower(title)) STORED);
SELECT syncbridge.create_sync('tasks', 'tasks', 'sp', '{"list": "Tasks"}', 'both') > 0 AS created;
-- The default mapping: id and author are built-in SharePoint fields, so
-- they get fields of their own; title is the list's Title column.
SELECT column_name, remote_field, direction, transform FROM syncbridge.field_map ORDER BY column_name;

SELECT syncbridge.map_field('tasks', 'title', 'Title');
SELECT syncbridge.map_field('tasks', 'price', 'PriceCents', transform => 'scale:100');
SELECT syncbridge.map_field('tasks', 'status', 'Status', 'push_only', 'upper');
SELECT syncbridge.map_field('tasks', 'due', 'Due', 'push_only', 'date_only');
SELECT syncbridge.map_field('tasks', 'created_at', 'Created', 'pull_only');
SELECT syncbridge.map_field('tasks', 'author', 'Author', 'pull_only');
SELECT syncbridge.map_field('tasks', 'id', 'LegacyId', 'both', 'prefix:T-');
SELECT column_name, remote_field, direction, transform FROM syncbridge.field_map ORDER BY column_name;

-- Refusals.
SELECT syncbridge.map_field('nope', 'title', 'Title');
SELECT syncbridge.map_field('tasks', 'nope', 'Nope');
SELECT syncbridge.map_field('tasks', 'slug', 'Slug');
SELECT syncbridge.map_field('tasks', 'author', 'Title');
SELECT syncbridge.map_field('tasks', 'author', 'SyncBridgeKey');
SELECT syncbridge.map_field('tasks', 'author', E'bad\nname');
SELECT syncbridge.map_field('tasks', 'author', '');
SELECT syncbridge.map_field('tasks', 'author', 'Editor', 'both');
SELECT syncbridge.map_field('tasks', 'author', 'Modified', 'push_only');
SELECT syncbridge.map_field('tasks', 'id', 'id', 'both');
SELECT syncbridge.map_field('tasks', 'author', 'AUTHOR', 'push_only');
SELECT syncbridge.map_field('tasks', 'author', 'syncbridgekey');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'sideways');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'both', 'reverse');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'both', 'lower');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'pull_only', 'trim');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'push_only', 'scale:10');
SELECT syncbridge.map_field('tasks', 'price', 'Price', 'both', 'scale:0');
SELECT syncbridge.map_field('tasks', 'author', 'Author2', 'push_only', 'date_only');
SELECT syncbridge.map_field('tasks', NULL, 'X');
SELECT syncbridge.map_field('tasks', 'author', NULL);

-- A system field in any case may be read.
SELECT syncbridge.map_field('tasks', 'id', 'id', 'pull_only');
SELECT remote_field, direction FROM syncbridge.field_map WHERE column_name = 'id';

-- unmap_field.
SELECT syncbridge.unmap_field('tasks', 'status');
SELECT syncbridge.unmap_field('tasks', 'status');
SELECT syncbridge.unmap_field('tasks', NULL);
SELECT count(*) AS mapped FROM syncbridge.field_map;

-- Name encoding used for the default SharePoint mapping.
SELECT n, syncbridge.sharepoint_internal_name(n)
  FROM unnest(ARRAY['plain_name', 'Page Count', 'a-b.c', 'naïve', 'emoji 😀']) n;

-- The default SharePoint field: the internal name, but built-in fields
-- (compared case-insensitively, as SharePoint does) get "0" appended so the
-- column has a field of its own, and title is the list's Title column.
SELECT n, syncbridge._sharepoint_default_field(n) AS remote_field
  FROM unnest(ARRAY['id', 'ID', 'title', 'TITLE', 'created', 'Modified', 'LinkTitleNoMenu', 'order',
                    'SyncBridgeKey', 'syncbridgekey', 'Unit Price', 'price', 'created_at', 'id0',
                    'Created By']) n;

SELECT syncbridge.drop_sync('tasks');
SELECT syncbridge.drop_connection('sp');
DROP TABLE tasks;
