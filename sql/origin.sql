-- start_remote_apply / stop_remote_apply: pulled rows carry replication
-- origin "syncbridge", so a decoder that skips foreign origins (as the push
-- stream does) never sees them, while local changes still stream.
\set VERBOSITY default
\set SHOW_CONTEXT never

SELECT 'slot' FROM pg_create_logical_replication_slot('regress_origin', 'test_decoding');
SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TABLE docs (id integer PRIMARY KEY, body text);
SELECT syncbridge.create_sync('docs', 'docs', 'sp', '{"list": "Docs"}', 'both') > 0 AS created;
-- Skip the definitions above.
SELECT count(*) > 0 AS skipped FROM pg_logical_slot_get_changes('regress_origin', NULL, NULL);

SELECT syncbridge.start_remote_apply();
SELECT syncbridge.start_remote_apply();
SELECT syncbridge.apply_remote('docs', 'insert', '{"id": 1}', '{"body": "pulled"}');
SELECT syncbridge.stop_remote_apply();
SELECT syncbridge.stop_remote_apply();
INSERT INTO docs VALUES (2, 'local');

-- Only the local change is left when foreign origins are skipped ...
SELECT data FROM pg_logical_slot_peek_changes('regress_origin', NULL, NULL,
                                              'only-local', '1', 'include-xids', '0', 'skip-empty-xacts', '1');
-- ... and both are there otherwise.
SELECT data FROM pg_logical_slot_get_changes('regress_origin', NULL, NULL,
                                             'include-xids', '0', 'skip-empty-xacts', '1');

-- Concurrent appliers use their own origin names.
SELECT syncbridge.start_remote_apply('worker_2');
SELECT syncbridge.stop_remote_apply();
SELECT syncbridge.start_remote_apply('Bad Suffix');
SELECT roname FROM pg_replication_origin ORDER BY roname;

SELECT 'dropped' FROM pg_drop_replication_slot('regress_origin');
SELECT pg_replication_origin_drop(roname) FROM pg_replication_origin;
SELECT syncbridge.drop_sync('docs');
SELECT syncbridge.drop_connection('sp');
DROP TABLE docs;
