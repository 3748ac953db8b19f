#!/bin/bash
# syncbridged run under emulator faults: 10% of requests answered 429 and 2%
# 503 (both with Retry-After: 1), 1% connections reset, 0.5% held without an
# answer for 1.5 s (the daemon gives up after --http-timeout-ms 1000), while
# a seeded mixed workload (inserts, updates, deletes, deleted keys coming
# back, updates that move rows between the two lists of a shard rule,
# transactions of 1 to 200 statements, some rolled back) runs. Then:
#   - the lists equal the table, no item twice, the ledger agrees
#     (push_check.py);
#   - the emulator's access log shows no request to a list sooner than
#     Retry-After after a throttled answer for that list
#     (push_retry_after_check.py; the faults hit whole requests, $batch
#     included, never the requests inside a batch);
#   - the daemon logged no error line and exits 0 on SIGTERM.
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=faults
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }
seed=${PUSH_SEED:-20261125}
rows=${PUSH_ROWS:-1800}
echo "seed $seed (PUSH_SEED), $rows rows (PUSH_ROWS)"
started=$SECONDS

q "CREATE TABLE orders (order_id integer PRIMARY KEY, region text NOT NULL, qty integer, amount numeric(10,2),
                        shipped boolean, due date, note text)"
q "SELECT syncbridge.create_sync('orders', 'orders', '$connection', '{\"list\": \"Orders\"}')" >/dev/null
q "SELECT syncbridge.add_shard_rule('orders', 10, '{\"col\": \"region\", \"op\": \"=\", \"value\": \"US\"}',
                                    '{\"list\": \"Orders US\"}')" >/dev/null
# Stats every 2 s: the last line before the stop has the final counts.
start_run --http-timeout-ms 1000 --stats-interval 2
provision_sync orders

# The lists exist; from now on the faults apply to every API request.
emulator_put settings '{"timeout_hold_ms": 1500}' || fail "could not set timeout_hold_ms"
emulator_put faults '{"rates": {"429": 0.10, "503": 0.02, "reset": 0.01, "timeout": 0.005}}' \
  || fail "could not switch the faults on"
faults_since=$(python3 -c 'import datetime; print(datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")')

python3 - "$rows" "$seed" >"$dir/workload.sql" <<'PY'
import random, sys
last, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)

def lit(value):
    return "NULL" if value is None else value

def values():
    return dict(
        region=f"'{rnd.choice(['EU', 'US', 'APAC'])}'",
        qty=lit(rnd.choice([None, str(rnd.randint(-1000, 100000))])),
        amount=lit(rnd.choice([None, f"{rnd.randint(0, 10**7)}.{rnd.randint(0, 99):02d}"])),
        shipped=lit(rnd.choice([None, "true", "false"])),
        due=lit(rnd.choice([None, f"date '2020-01-01' + {rnd.randint(0, 3000)}"])),
        note=lit(rnd.choice([None, "''", f"'note {rnd.random():.6f}'", "'ünïcødé – ✓'",
                             f"repeat('x', {rnd.randint(1, 600)})"])))

live, dead, next_id = [], [], 1
print("SET synchronous_commit = on;")
while next_id <= last:
    before = (list(live), list(dead), next_id)
    print("BEGIN;")
    for _ in range(rnd.choice([1, 1, 1, 2, 3, 5, 10, 20, 50, 200])):
        r = rnd.random()
        if r < 0.55 or not live:
            if dead and rnd.random() < 0.1:
                key = dead.pop(rnd.randrange(len(dead)))
            elif next_id <= last:
                key, next_id = next_id, next_id + 1
            else:
                continue
            v = values()
            print(f"INSERT INTO orders VALUES ({key}, {v['region']}, {v['qty']}, {v['amount']}, {v['shipped']}, "
                  f"{v['due']}, {v['note']});")
            live.append(key)
        elif r < 0.85:
            key = rnd.choice(live)
            v = values()
            cols = rnd.sample(sorted(v), rnd.randint(1, 3))
            print(f"UPDATE orders SET {', '.join(f'{c} = {v[c]}' for c in cols)} WHERE order_id = {key};")
        elif r < 0.88:
            low = rnd.choice(live)
            print(f"UPDATE orders SET qty = coalesce(qty, 0) + 1 WHERE order_id BETWEEN {low} AND {low + 30};")
        else:
            key = live.pop(rnd.randrange(len(live)))
            print(f"DELETE FROM orders WHERE order_id = {key};")
            dead.append(key)
    if rnd.random() < 0.05:
        print("ROLLBACK;")
        live, dead, next_id = before
    else:
        print("COMMIT;")
PY
psql -X -q -v ON_ERROR_STOP=1 -f "$dir/workload.sql" >/dev/null
q "UPDATE orders SET region = CASE region WHEN 'US' THEN 'EU' ELSE 'US' END WHERE order_id % 41 = 0"
wait_synced 150
synced_after=$((SECONDS - started))
echo "$(q "SELECT count(*) FROM orders") rows ($(q "SELECT count(*) FILTER (WHERE region = 'US') FROM orders") in Orders US), synced ${synced_after}s after the start"
# The comparison reads the lists through the same emulator: without faults.
emulator_put faults '{"rates": {}}' || fail "could not switch the faults off"
push_check --sync orders --route "region=US:Orders US" --default Orders || fail "the lists differ from the table"
stop_run
grep -h '"msg":"stats"' "$dir"/run.*.err | tail -1 \
  | python3 -c 'import json, sys; s = json.loads(sys.stdin.read() or "{}"); print("daemon: " + ", ".join(f"{k} {s.get(k)}" for k in ("batches", "created", "updated", "deleted", "moved", "skipped", "failed", "retries")))' || true

python3 "$push_here/push_retry_after_check.py" "$dir/emulator.log" --since "$faults_since" >"$dir/retry_after.out" \
  || { cat "$dir/retry_after.out"; fail "requests came sooner than Retry-After after a throttled answer"; }
cat "$dir/retry_after.out"
errors=$(grep -h '"level":"error"' "$dir"/run.*.err || true)
[ -z "$errors" ] || fail "syncbridged logged errors: $(head -5 <<<"$errors")"
echo "ok ($((SECONDS - started))s)"
