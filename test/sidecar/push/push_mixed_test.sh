#!/bin/bash
# syncbridged run end to end: 5,000 rows inserted, updated and deleted in
# mixed transactions of random sizes (seeded: PUSH_SEED), some rolled back,
# keys deleted and inserted again, updates that move a row between the two
# lists of a shard rule; the daemon is stopped with SIGTERM halfway and
# started again. Then the lists must equal the table field by field and the
# ledger must agree (push_check.py), and a no-op update of every row
# (UPDATE … SET x = x) must cause no Graph request at all.
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=mixed
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
# Until the daemon is in the build, say so instead of failing.
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }
seed=${PUSH_SEED:-20261123}
echo "seed $seed (PUSH_SEED)"

q "CREATE TABLE orders (order_id integer PRIMARY KEY, region text NOT NULL, qty integer, amount numeric(10,2),
                        shipped boolean, due date, note text)"
q "SELECT syncbridge.create_sync('orders', 'orders', '$connection', '{\"list\": \"Orders\"}')" >/dev/null
q "SELECT syncbridge.add_shard_rule('orders', 10, '{\"col\": \"region\", \"op\": \"=\", \"value\": \"US\"}',
                                    '{\"list\": \"Orders US\"}')" >/dev/null

start_run
provision_sync orders

# workload FIRST_ID LAST_ID SEED: SQL inserting rows FIRST_ID..LAST_ID among
# updates and deletes of rows inserted so far (by this call), in
# transactions of 1 to 200 statements; about 5% end in ROLLBACK.
workload() {
  python3 - "$@" <<'PY'
import random, sys
first, last, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(seed)
regions = ["EU", "US", "APAC"]

def lit(value):
    return "NULL" if value is None else value

def values():
    return dict(
        region=f"'{rnd.choice(regions)}'",
        qty=lit(rnd.choice([None, str(rnd.randint(-1000, 100000))])),
        amount=lit(rnd.choice([None, f"{rnd.randint(0, 10**7)}.{rnd.randint(0, 99):02d}"])),
        shipped=lit(rnd.choice([None, "true", "false"])),
        due=lit(rnd.choice([None, f"date '2020-01-01' + {rnd.randint(0, 3000)}"])),
        note=lit(rnd.choice([None, "''", f"'note {rnd.random():.6f}'", "'ünïcødé – ✓'", f"repeat('x', {rnd.randint(1, 600)})"])))

live, dead, next_id = set(), [], first
print("SET synchronous_commit = on;")
while next_id <= last:
    before = (set(live), list(dead), next_id)
    print("BEGIN;")
    for _ in range(rnd.choice([1, 1, 1, 2, 3, 5, 10, 20, 50, 200])):
        r = rnd.random()
        if r < 0.55 or not live:
            if dead and rnd.random() < 0.1:
                key = dead.pop(rnd.randrange(len(dead)))  # a deleted key comes back
            elif next_id <= last:
                key, next_id = next_id, next_id + 1
            else:
                continue
            v = values()
            print(f"INSERT INTO orders VALUES ({key}, {v['region']}, {v['qty']}, {v['amount']}, {v['shipped']}, "
                  f"{v['due']}, {v['note']});")
            live.add(key)
        elif r < 0.85:
            key = rnd.choice(sorted(live))
            v = values()
            cols = rnd.sample(sorted(v), rnd.randint(1, 3))
            print(f"UPDATE orders SET {', '.join(f'{c} = {v[c]}' for c in cols)} WHERE order_id = {key};")
        elif r < 0.88:
            low = rnd.choice(sorted(live))
            print(f"UPDATE orders SET qty = coalesce(qty, 0) + 1 WHERE order_id BETWEEN {low} AND {low + 30};")
        else:
            key = rnd.choice(sorted(live))
            print(f"DELETE FROM orders WHERE order_id = {key};")
            live.discard(key)
            dead.append(key)
    if rnd.random() < 0.05:
        print("ROLLBACK;")
        live, dead, next_id = before
    else:
        print("COMMIT;")
PY
}
workload 1 2500 "$seed" >"$dir/workload1.sql"
workload 2501 5000 "$((seed + 1))" >"$dir/workload2.sql"
psql -X -q -v ON_ERROR_STOP=1 -f "$dir/workload1.sql" >/dev/null
# SIGTERM with changes in flight: drains, confirms what is done, exits 0.
stop_run
start_run
psql -X -q -v ON_ERROR_STOP=1 -f "$dir/workload2.sql" >/dev/null
q "UPDATE orders SET region = CASE region WHEN 'US' THEN 'EU' ELSE 'US' END WHERE order_id % 97 = 0"
wait_synced 300
echo "$(q "SELECT count(*) FROM orders") rows, $(q "SELECT count(*) FILTER (WHERE region = 'US') FROM orders") in Orders US"
push_check --sync orders --route "region=US:Orders US" --default Orders || fail "the lists differ from the table"

# A no-op update of every row: no Graph request.
before=$(emulator_requests)
q "UPDATE orders SET qty = qty"
wait_synced 120
after=$(emulator_requests)
[ "$after" = "$before" ] || fail "a no-op update made $((after - before)) Graph requests; $(emulator_stats)"
push_check --sync orders --route "region=US:Orders US" --default Orders || fail "the lists differ after the no-op update"
stop_run
echo ok
