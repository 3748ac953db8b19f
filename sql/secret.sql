-- register_sidecar_key and set_secret: the plaintext never lands anywhere;
-- the sealed value is a libsodium sealed box (48 bytes of overhead).
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
SELECT syncbridge.create_connection('wiki', 'confluence',
  '{"site": "example.atlassian.net", "auth": "oauth", "client_id": "abc"}') > 0 AS created;

-- No key yet: refused with a hint.
SELECT syncbridge.set_secret('sp', 'client_secret', 'hunter2-plaintext');

-- Keys: 32 bytes, not a low-order point.
SELECT syncbridge.register_sidecar_key('\x0102');
SELECT syncbridge.register_sidecar_key(decode(repeat('00', 32), 'hex'));
SELECT syncbridge.register_sidecar_key(NULL);
SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f') AS fingerprint;
-- Registering the same key again is harmless.
SELECT syncbridge.register_sidecar_key('\x8f40c5adb68f25624ae5b214ea767a6ec94d829d3d7b5e1ad1ba6f3e2138285f') AS fingerprint;
SELECT count(*) AS keys, count(*) FILTER (WHERE active) AS active FROM syncbridge.sidecar_key;

-- Refusals: unknown connection, a name the connection does not use, NULLs, empty.
SELECT syncbridge.set_secret('nope', 'client_secret', 'hunter2-plaintext');
SELECT syncbridge.set_secret('sp', 'api_token', 'hunter2-plaintext');
SELECT syncbridge.set_secret('sp', NULL, 'hunter2-plaintext');
SELECT syncbridge.set_secret('sp', 'client_secret', NULL);
SELECT syncbridge.set_secret('sp', 'client_secret', '');
SELECT syncbridge.set_secret('sp', 'client_secret', repeat('x', 70000));

-- Where the server logs every statement, the call (and so the plaintext)
-- reaches the log: refused, so the value is known to be exposed.
SET log_statement = 'all';
SELECT syncbridge.set_secret('sp', 'client_secret', 'logged-plaintext');
SET log_statement = 'mod';
SET log_min_duration_statement = 0;
SELECT syncbridge.set_secret('sp', 'client_secret', 'logged-plaintext');
RESET log_min_duration_statement;
SET log_transaction_sample_rate = 1;
SELECT syncbridge.set_secret('sp', 'client_secret', 'logged-plaintext');
RESET log_transaction_sample_rate;
SET log_min_duration_sample = 0;
SELECT syncbridge.set_secret('sp', 'client_secret', 'logged-plaintext');
RESET log_min_duration_sample;
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SELECT syncbridge.set_secret('sp', 'client_secret', 'logged-plaintext');
RESET auto_explain.log_min_duration;
RESET log_statement;
SELECT count(*) AS stored FROM syncbridge.secret;

-- Sealed: plaintext length + 48, and the plaintext appears nowhere.
SELECT syncbridge.set_secret('sp', 'client_secret', 'hunter2-plaintext');
SELECT name, length(sealed) AS sealed_bytes, length(sealed) - length('hunter2-plaintext') AS overhead,
       position('hunter2' IN encode(sealed, 'escape')) AS plaintext_at
  FROM syncbridge.secret;
-- Each seal uses a fresh ephemeral key: setting it again changes the bytes.
CREATE TEMP TABLE before AS SELECT sealed FROM syncbridge.secret;
SELECT syncbridge.set_secret('sp', 'client_secret', 'hunter2-plaintext');
SELECT (SELECT sealed FROM before) <> sealed AS reseeded, count(*) OVER () AS rows
  FROM syncbridge.secret;
-- Nothing in the catalog holds the plaintext.
DO $$
DECLARE
    rel regclass;
    n bigint;
    total bigint := 0;
BEGIN
    FOR rel IN SELECT oid FROM pg_class WHERE relnamespace = 'syncbridge'::regnamespace AND relkind = 'r' LOOP
        EXECUTE format('SELECT count(*) FROM %s t WHERE t::text LIKE ''%%hunter2%%''', rel) INTO n;
        total := total + n;
    END LOOP;
    RAISE NOTICE 'catalog rows holding the plaintext: %', total;
END
$$;

-- OAuth needs two secrets; check() names the missing one.
SELECT syncbridge.set_secret('wiki', 'refresh_token', 'rt-1');
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" LIKE 'connection %';
SELECT syncbridge.set_secret('wiki', 'client_secret', 'cs-1');

-- A new sidecar key: old secrets can no longer be opened, and check() says so.
SELECT syncbridge.register_sidecar_key('\x2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe') AS fingerprint;
SELECT "check", ok, detail FROM syncbridge.check() WHERE "check" LIKE 'connection %' OR "check" = 'sidecar key';
SELECT syncbridge.set_secret('sp', 'client_secret', 'hunter3');
SELECT syncbridge.set_secret('wiki', 'client_secret', 'cs-2');
SELECT syncbridge.set_secret('wiki', 'refresh_token', 'rt-2');
SELECT "check", ok FROM syncbridge.check() WHERE "check" LIKE 'connection %';

SELECT syncbridge.drop_connection('sp');
SELECT syncbridge.drop_connection('wiki');
SELECT count(*) AS secrets_left FROM syncbridge.secret;
-- Later tests start without a key.
DELETE FROM syncbridge.sidecar_key;
