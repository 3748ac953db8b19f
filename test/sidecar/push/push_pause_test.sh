#!/bin/bash
# syncbridged run: pause, parked changes, resume, and TRUNCATE policies.
#
#  1. pause(orders); inserts, updates, deletes, key changes, a row updated
#     five times, a key deleted and inserted again, a row inserted and
#     deleted in one transaction → each change is in syncbridge.parked_change
#     (in commit order) and in status.parked_changes; the Orders list does
#     not change at all; the slot's confirmed position still passes them
#     while the sync "other" on another table keeps syncing.
#  2. kill -9 of the daemon while paused; after the restart the parked rows
#     are all there (and more changes park behind them).
#  3. resume(orders) → the parked changes are sent in order, parked_change
#     is empty, the list equals the table (push_check.py).
#  4. TRUNCATE under the default truncate_policy (pause): the sync pauses
#     with a reason and the list keeps its items; rows inserted afterwards
#     park. Then alter_sync(truncate_policy => 'delete'), resume, TRUNCATE
#     again: every item is deleted and the list ends empty; "other" is
#     untouched throughout.
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=pause
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }

# list_dump SYNC: the items of the sync's default list as sorted JSON (key
# and pushed fields), to tell whether the list changed.
list_dump() {
  python3 - "$push_here" "$client_secret" "$1" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import push_check as pc
sync = pc.load_sync(sys.argv[3])
graph = pc.graph_for(sync, sys.argv[2])
target = [t for t in sync["targets"] if t["is_default"]][0]
site = graph.site_id(target["site"])
remote = graph.get_list(site, target["list"])
select = [pc.KEY_FIELD] + [f["remote"] for f in sync["fields"]]
items = graph.items(site, remote["id"], select)
print(json.dumps(sorted([{"id": i["id"], **{k: i["fields"].get(k) for k in select}} for i in items],
                        key=lambda i: i["id"]), default=str, sort_keys=True))
PY
}
parked() { q "SELECT count(*) FROM syncbridge.parked_change p JOIN syncbridge.sync s USING (sync_id) WHERE s.name = '$1'"; }
items_in() { list_dump "$1" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }

q "CREATE TABLE orders (order_id integer PRIMARY KEY, qty integer, note text)"
q "CREATE TABLE other (other_id integer PRIMARY KEY, label text)"
q "SELECT syncbridge.create_sync('orders', 'orders', '$connection', '{\"list\": \"Orders\"}')" >/dev/null
q "SELECT syncbridge.create_sync('other', 'other', '$connection', '{\"list\": \"Other\"}')" >/dev/null
start_run
provision_sync orders
provision_sync other
q "INSERT INTO orders SELECT i, i, 'order ' || i FROM generate_series(1, 300) i"
q "INSERT INTO other SELECT i, 'other ' || i FROM generate_series(1, 100) i"
wait_synced 120
push_check --sync orders || fail "orders differ before the pause"
push_check --sync other || fail "other differs before the pause"

# 1. Paused: changes park, the list stays as it is, the slot moves on.
q "SELECT syncbridge.pause('orders', 'push_pause_test')" >/dev/null
list_before=$(list_dump orders)
q "INSERT INTO orders SELECT i, i, 'new ' || i FROM generate_series(1001, 1020) i"          # 20
q "UPDATE orders SET qty = qty + 1 WHERE order_id BETWEEN 1 AND 30"                         # 30
q "DELETE FROM orders WHERE order_id BETWEEN 31 AND 40"                                     # 10
q "UPDATE orders SET order_id = order_id + 5000, note = note || ' moved' WHERE order_id IN (41, 42)"  # 2 key changes
for v in 1 2 3 4 5; do q "UPDATE orders SET note = 'order v$v' WHERE order_id = 50"; done  # 5
q "BEGIN; DELETE FROM orders WHERE order_id = 60; INSERT INTO orders VALUES (60, -60, 'again'); COMMIT"  # 2
q "BEGIN; INSERT INTO orders VALUES (2000, 1, 'brief'); DELETE FROM orders WHERE order_id = 2000; COMMIT"  # 2
want=71
# Meanwhile the other sync goes on.
q "UPDATE other SET label = label || ' while orders is paused' WHERE other_id <= 50"
q "INSERT INTO other SELECT i, 'other ' || i FROM generate_series(101, 150) i"
wait_synced 120  # the slot confirms past the parked changes
push_check --sync other || fail "other did not sync while orders was paused"
n=$(parked orders)
[ "$n" = "$want" ] || fail "want $want parked changes of orders, found $n"
[ "$(q "SELECT parked_changes || '|' || state FROM syncbridge.status WHERE sync = 'orders'")" = "$want|paused" ] \
  || fail "status of orders: $(q "SELECT parked_changes, state FROM syncbridge.status WHERE sync = 'orders'")"
# In commit order: seq follows the LSN, and row 50's five updates are in order.
[ "$(q "SELECT count(*) FROM (SELECT lsn < lag(lsn) OVER (ORDER BY seq) AS back FROM syncbridge.parked_change) x WHERE back")" = 0 ] \
  || fail "parked changes are not in commit order"
order50=$(q "SELECT string_agg(substring(change::text from 'order v[0-9]'), ',' ORDER BY seq)
               FROM syncbridge.parked_change WHERE change::text LIKE '%order v%'")
[ "$order50" = "order v1,order v2,order v3,order v4,order v5" ] || fail "row 50's updates parked as: $order50"
[ "$(list_dump orders)" = "$list_before" ] || fail "the Orders list changed while orders was paused"
echo "paused: $n changes parked; Orders unchanged; the slot confirmed past them and other synced"

# 2. kill -9 while paused: the parked rows survive; more park behind them.
kill9_run
start_run
q "UPDATE orders SET qty = 0 WHERE order_id = 50"
q "INSERT INTO orders VALUES (3000, 3, 'after the restart')"
wait_synced 120
n=$(parked orders)
[ "$n" = $((want + 2)) ] || fail "after kill -9 and restart: want $((want + 2)) parked changes, found $n"
[ "$(list_dump orders)" = "$list_before" ] || fail "the Orders list changed while orders was paused (after the restart)"
echo "after kill -9 and restart: $n parked changes"

# 3. Resume: everything arrives, in order.
q "SELECT syncbridge.resume('orders')" >/dev/null
deadline=$((SECONDS + 120))
until [ "$(parked orders)" = 0 ]; do
  [ "$SECONDS" -ge "$deadline" ] && fail "parked changes of orders left 120 s after resume: $(parked orders)"
  kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited"
  sleep 0.2
done
wait_synced 120
push_check --sync orders || fail "orders differ after resume"
push_check --sync other || fail "other differs after resume"
[ "$(q "SELECT parked_changes || '|' || state FROM syncbridge.status WHERE sync = 'orders'")" = "0|active" ] \
  || fail "status of orders after resume: $(q "SELECT parked_changes, state FROM syncbridge.status WHERE sync = 'orders'")"
echo "resumed: $(q "SELECT count(*) FROM orders") rows equal"

# 4a. TRUNCATE under the default policy (pause): the list keeps its items.
[ "$(q "SELECT truncate_policy FROM syncbridge.sync WHERE name = 'orders'")" = pause ] || fail "the default truncate_policy is not pause"
items=$(items_in orders)
q "TRUNCATE orders"
q "INSERT INTO orders VALUES (7000, 7, 'after truncate')"
wait_synced 120
reason=$(q "SELECT state || '|' || coalesce(pause_reason, '') FROM syncbridge.status WHERE sync = 'orders'")
[[ "$reason" == paused\|*TRUNCATE* ]] || fail "TRUNCATE under truncate_policy pause: status is '$reason'"
[ "$(items_in orders)" = "$items" ] || fail "TRUNCATE under truncate_policy pause changed the list ($items items before)"
[ "$(parked orders)" = 1 ] || fail "the insert after the TRUNCATE is not parked ($(parked orders) parked)"
echo "TRUNCATE (policy pause): ${reason#*|}; the list keeps its $items items"

# 4b. Policy delete: every item goes, the list ends empty.
q "SELECT syncbridge.alter_sync('orders', truncate_policy => 'delete')" >/dev/null
q "SELECT syncbridge.resume('orders')" >/dev/null
wait_synced 120
[ "$(parked orders)" = 0 ] || fail "parked changes left after resume"
q "UPDATE other SET label = 'before the second truncate' WHERE other_id = 1"
q "TRUNCATE orders"
q "UPDATE other SET label = 'after the second truncate' WHERE other_id = 2"
wait_synced 120
[ "$(q "SELECT state FROM syncbridge.status WHERE sync = 'orders'")" = active ] || fail "orders is not active after a TRUNCATE under policy delete"
left=$(items_in orders)
[ "$left" = 0 ] || fail "TRUNCATE under truncate_policy delete left $left items in Orders"
push_check --sync orders || fail "orders differ after TRUNCATE under policy delete"
push_check --sync other || fail "other differs at the end"
echo "TRUNCATE (policy delete): the list is empty"
stop_run
echo ok
