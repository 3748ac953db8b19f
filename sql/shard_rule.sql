-- add_shard_rule / drop_shard_rule: the predicate language, validated
-- against the table's columns and types and stored normalised; targets.
\set VERBOSITY default
\set SHOW_CONTEXT never
SET timezone = 'Europe/Berlin';

SELECT syncbridge.create_connection('sp', 'sharepoint',
  '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
    "site": "contoso.sharepoint.com:/sites/demo"}') > 0 AS created;
CREATE TYPE tier AS ENUM ('free', 'pro', 'enterprise');
CREATE TABLE accounts (id bigint PRIMARY KEY, region text, revenue numeric, score float8,
                       active boolean, plan tier, opened date, seen timestamptz, ref uuid,
                       tags text[], meta jsonb);
SELECT syncbridge.create_sync('accounts', 'accounts', 'sp', '{"list": "Accounts"}') > 0 AS created;

SELECT syncbridge.add_shard_rule('accounts', 10, '{"col": "region", "op": "=", "value": "EU"}',
                                 '{"list": "Accounts EU"}') > 0 AS added;
SELECT syncbridge.add_shard_rule('accounts', 20,
  '{"and": [{"col": "revenue", "op": ">=", "value": 1000000.50},
            {"or": [{"col": "plan", "op": "in", "values": ["pro", "enterprise"]},
                    {"not": {"col": "active", "op": "=", "value": "yes"}}]}]}',
  '{"list": "Big", "site": "contoso.sharepoint.com:/sites/sales"}') > 0 AS added;
SELECT syncbridge.add_shard_rule('accounts', 30,
  '{"or": [{"col": "seen", "op": "<", "value": "2024-05-01 12:00"},
           {"col": "opened", "op": "<=", "value": "2020-02-29"},
           {"col": "id", "op": "<>", "value": "42"},
           {"col": "score", "op": ">", "value": 0.5},
           {"col": "ref", "op": "=", "value": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"},
           {"col": "region", "op": "is_null"}]}',
  '{"list": "Accounts EU"}') > 0 AS added;
SELECT priority, predicate, t.spec
  FROM syncbridge.shard_rule r JOIN syncbridge.target t USING (target_id) ORDER BY priority;
-- Rules sharing a target share its row.
SELECT count(*) AS targets FROM syncbridge.target;

-- Refusals.
SELECT syncbridge.add_shard_rule('accounts', 10, '{"col": "region", "op": "=", "value": "US"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', NULL, '{"col": "region", "op": "=", "value": "US"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('nope', 1, '{"col": "region", "op": "=", "value": "US"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '[]', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "nope", "op": "=", "value": 1}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "region", "op": "~", "value": "x"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "region", "op": "="}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "region", "op": "in", "values": []}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "region", "op": "is_null", "value": 1}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "id", "op": "=", "value": "abc"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "id", "op": "=", "value": {"a": 1}}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "plan", "op": "=", "value": "gold"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "plan", "op": "<", "value": "pro"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "active", "op": ">", "value": true}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "tags", "op": "=", "value": "x"}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "meta", "op": "is_null"}', '{"lists": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"and": []}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"and": [{"col": "region", "op": "=", "value": "x"}], "or": []}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"not": {"col": "seen", "op": ">", "value": "yesterday-ish"}}', '{"list": "US"}');
SELECT syncbridge.add_shard_rule('accounts', 1, '{"col": "region", "op": "=", "value": "x", "extra": 1}', '{"list": "US"}');

-- is_null works on any type; drop_shard_rule.
SELECT syncbridge.add_shard_rule('accounts', 40, '{"col": "meta", "op": "is_null"}', '{"list": "No Meta"}') > 0 AS added;
SELECT syncbridge.drop_shard_rule('accounts', 40);
SELECT syncbridge.drop_shard_rule('accounts', 40);
SELECT syncbridge.drop_shard_rule('accounts', NULL);
SELECT priority FROM syncbridge.shard_rule ORDER BY priority;

SELECT syncbridge.drop_sync('accounts');
SELECT count(*) AS rules_left FROM syncbridge.shard_rule;
SELECT syncbridge.drop_connection('sp');
DROP TABLE accounts;
DROP TYPE tier;
