-- create_connection / alter_connection / drop_connection: per-kind
-- validation, defaults for public endpoints, refusals with hints.
\set VERBOSITY default
\set SHOW_CONTEXT never

-- SharePoint: defaults filled in.
SELECT syncbridge.create_connection('sp_defaults', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
SELECT kind, settings FROM syncbridge.connection WHERE name = 'sp_defaults';
-- Loopback http for the emulator; trailing slashes dropped.
SELECT syncbridge.create_connection('sp_emulator', 'sharepoint',
  '{"tenant_id": "8e1f2a3b-0000-4000-8000-000000000001", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com,8e1f2a3b-0000-4000-8000-000000000001,8e1f2a3b-0000-4000-8000-000000000002",
    "graph_base_url": "http://127.0.0.1:8080/v1.0/", "login_base_url": "http://localhost:8080"}') > 0 AS created;
SELECT settings ->> 'graph_base_url' AS graph, settings ->> 'login_base_url' AS login
  FROM syncbridge.connection WHERE name = 'sp_emulator';
-- Every loopback form takes http: 127.0.0.0/8, localhost, [::1]; https goes anywhere.
SELECT syncbridge.create_connection('sp_loopback', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo",
    "graph_base_url": "http://[::1]:8080/v1.0", "login_base_url": "http://127.45.0.9"}') > 0 AS created;
SELECT syncbridge.alter_connection('sp_loopback',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo",
    "graph_base_url": "http://LOCALHOST:8080/v1.0", "login_base_url": "https://login.example.com:8443/tenant/"}');
SELECT settings ->> 'graph_base_url' AS graph, settings ->> 'login_base_url' AS login
  FROM syncbridge.connection WHERE name = 'sp_loopback';
SELECT syncbridge.drop_connection('sp_loopback');

-- Confluence with an API token, and with OAuth (3LO).
SELECT syncbridge.create_connection('wiki_token', 'confluence',
  '{"site": "example.atlassian.net", "auth": "api_token", "email": "bot@example.com"}') > 0 AS created;
SELECT settings FROM syncbridge.connection WHERE name = 'wiki_token';
SELECT syncbridge.create_connection('wiki_oauth', 'confluence',
  '{"cloud_id": "1324a887-45db-1bf4-1e99-ef0ff456d421", "auth": "oauth", "client_id": "abc",
    "api_base_url": "http://127.0.0.1:9090", "auth_base_url": "http://127.0.0.1:9090"}') > 0 AS created;
SELECT settings FROM syncbridge.connection WHERE name = 'wiki_oauth';

-- Refusals.
SELECT syncbridge.create_connection('sp_defaults', 'sharepoint', '{}');
SELECT syncbridge.create_connection('bad name!', 'sharepoint', '{}');
SELECT syncbridge.create_connection(NULL, 'sharepoint', '{}');
SELECT syncbridge.create_connection('x', 'dropbox', '{}');
SELECT syncbridge.create_connection('x', 'sharepoint', '[]');
SELECT syncbridge.create_connection('x', 'sharepoint', NULL);
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "not-a-guid", "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "https://contoso.sharepoint.com/sites/demo"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "http://graph.example.com/v1.0"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "ftp://127.0.0.1/x"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "https://127.0.0.1:99999"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "https://graph.microsoft.com/v1.0?x=1"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_url": "https://graph.microsoft.com"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": 42, "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo"}');
-- Plain http to anything but loopback is refused, however the host is dressed up.
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "login_base_url": "http://localhost.example.com"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "login_base_url": "http://127.0.0.1.example.com"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "login_base_url": "http://127.0.0.1@example.com"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "http://[::2]/v1.0"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "http://10.0.0.1/v1.0"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555", "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "graph.microsoft.com/v1.0"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "api_token", "email": "a@b.c", "api_base_url": "http://example.atlassian.net"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"cloud_id": "abc", "auth": "oauth", "client_id": "abc", "auth_base_url": "http://auth.atlassian.com"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"auth": "oauth", "client_id": "abc"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"cloud_id": "abc", "auth": "oauth"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "site": "contoso.sharepoint.com:/sites/demo"}');
SELECT syncbridge.create_connection('x', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "email": "a@b.c"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "basic"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "api_token"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "api_token", "email": "nobody"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"cloud_id": "abc", "auth": "api_token", "email": "a@b.c"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"auth": "oauth", "client_id": "abc"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "oauth"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "https://example.atlassian.net", "auth": "oauth", "client_id": "abc"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "oauth", "client_id": "abc", "email": "a@b.c"}');
SELECT syncbridge.create_connection('x', 'confluence', '{"site": "example.atlassian.net", "auth": "api_token", "email": "a@b.c", "auth_base_url": "https://auth.atlassian.com"}');
SELECT count(*) AS connections FROM syncbridge.connection;

-- alter_connection revalidates; drop_connection removes.
SELECT syncbridge.alter_connection('wiki_token', '{"site": "other.atlassian.net", "auth": "api_token", "email": "bot@example.com"}');
SELECT settings ->> 'api_base_url' AS api FROM syncbridge.connection WHERE name = 'wiki_token';
SELECT syncbridge.alter_connection('wiki_token', '{"site": "other.atlassian.net", "auth": "api_token"}');
SELECT syncbridge.alter_connection('nope', '{}');
SELECT syncbridge.drop_connection('wiki_token');
SELECT syncbridge.drop_connection('wiki_token');
SELECT name FROM syncbridge.connection ORDER BY name;

-- Leave no state for other tests.
SELECT syncbridge.drop_connection(name) FROM syncbridge.connection;
