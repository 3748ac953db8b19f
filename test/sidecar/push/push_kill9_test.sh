#!/bin/bash
# syncbridged run survives kill -9: a seeded mixed workload (inserts, updates,
# deletes, range updates, deleted keys coming back, region changes that move
# rows between the two lists of a shard rule, transactions of 1 to 50
# statements, some rolled back) runs in the background while the daemon is
# killed with SIGKILL at least PUSH_KILLS (20) times, each 0.2-2 s after its
# start, and started again. After every kill, push_kill9_check.py verifies
# that the slot confirmed nothing that was not applied (every row's item is
# at least as new as its newest change in a confirmed transaction, no key on
# two items, no version that was never committed). Then the workload ends,
# and the lists must equal the table with the ledger agreeing (push_check.py),
# the daemon must have logged no error line, and the last one must exit 0 on
# SIGTERM.
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=kill9
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }
seed=${PUSH_SEED:-20261124}
kills_wanted=${PUSH_KILLS:-20}
echo "seed $seed (PUSH_SEED), $kills_wanted kills (PUSH_KILLS)"
started=$SECONDS

q "CREATE TABLE items (id integer PRIMARY KEY, region text NOT NULL, v bigint NOT NULL, qty integer, note text)"
# The workload's record of what it committed (not synced; see push_kill9_check.py).
q "CREATE TABLE commits (txn integer NOT NULL, id integer NOT NULL, v bigint NOT NULL, list text)"
q "CREATE TABLE commit_lsn (txn integer PRIMARY KEY, lsn pg_lsn NOT NULL)"
q "SELECT syncbridge.create_sync('items', 'items', '$connection', '{\"list\": \"Items\"}')" >/dev/null
q "SELECT syncbridge.add_shard_rule('items', 10, '{\"col\": \"region\", \"op\": \"=\", \"value\": \"US\"}',
                                    '{\"list\": \"Items US\"}')" >/dev/null
# The flush position reaches the server with each status update: at the
# default 10 s, a daemon killed 0.2-2 s after its start would never confirm
# anything and the check after each kill would have nothing to check.
run_flags=(--status-interval 1)
start_run "${run_flags[@]}"
provision_sync items

# The workload, in chunks of CHUNK_TXNS transactions (chunk.N.sql): enough
# chunks for any machine; the runner stops after the chunk in progress once
# the kills are done. Every change sets v to the next value of one counter
# and is recorded in `commits` in its own transaction; commit_lsn follows
# each COMMIT. A short sleep per transaction keeps the rate near what the
# daemon takes between kills, so that kills find work in flight.
python3 - "$dir" "$seed" <<'PY'
import random, sys
out, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
CHUNKS, CHUNK_TXNS = 60, 50
lists = {"US": "Items US"}


class Keys:
    """A set with O(1) random choice (a list plus each key's index)."""
    def __init__(self, keys=(), ):
        self.keys, self.at = list(keys), {k: i for i, k in enumerate(keys)}
    def copy(self):
        return Keys(self.keys)
    def add(self, k):
        if k not in self.at:
            self.at[k] = len(self.keys)
            self.keys.append(k)
    def discard(self, k):
        i = self.at.pop(k)
        last = self.keys.pop()
        if i < len(self.keys):
            self.keys[i], self.at[last] = last, i
    def choice(self):
        return self.keys[rnd.randrange(len(self.keys))]
    def __len__(self):
        return len(self.keys)


live, region_of, dead = Keys(), {}, Keys()   # live ids, their regions, deleted ids
next_id, version, txn = 1, 0, 0

def region():
    return rnd.choice(["EU", "US", "APAC"])

def note():
    return rnd.choice(["NULL", "''", f"'note {rnd.random():.6f}'", "'ünïcødé – ✓'",
                       f"repeat('x', {rnd.randint(1, 300)})", f"repeat('long ', {rnd.randint(500, 1500)})"])

for chunk in range(CHUNKS):
    with open(f"{out}/chunk.{chunk}.sql", "w") as f:
        f.write("SET synchronous_commit = on;\n")
        for _ in range(CHUNK_TXNS):
            txn += 1
            before = (live.copy(), dict(region_of), dead.copy(), next_id)
            changes = []   # (id, v, list or None)
            f.write("BEGIN;\n")
            for _ in range(rnd.choice([1, 1, 1, 2, 3, 5, 10, 20, 50])):
                version += 1
                r = rnd.random()
                if r < 0.5 or not len(live):
                    if len(dead) and rnd.random() < 0.15:
                        key = dead.choice()
                        dead.discard(key)
                    else:
                        key, next_id = next_id, next_id + 1
                    region_of[key] = region()
                    f.write(f"INSERT INTO items VALUES ({key}, '{region_of[key]}', {version}, "
                            f"{rnd.choice(['NULL', str(rnd.randint(-1000, 100000))])}, {note()});\n")
                    live.add(key)
                    changes.append((key, version, lists.get(region_of[key], "Items")))
                elif r < 0.82:
                    key = live.choice()
                    sets = [f"v = {version}"]
                    if rnd.random() < 0.4:
                        region_of[key] = region()
                        sets.append(f"region = '{region_of[key]}'")
                    if rnd.random() < 0.5:
                        sets.append(f"qty = {rnd.randint(-1000, 100000)}")
                    if rnd.random() < 0.3:
                        sets.append(f"note = {note()}")
                    f.write(f"UPDATE items SET {', '.join(sets)} WHERE id = {key};\n")
                    changes.append((key, version, lists.get(region_of[key], "Items")))
                elif r < 0.86:
                    low = live.choice()
                    f.write(f"UPDATE items SET v = {version}, qty = coalesce(qty, 0) + 1 "
                            f"WHERE id BETWEEN {low} AND {low + 20};\n")
                    for key in range(low, low + 21):
                        if key in live.at:
                            changes.append((key, version, lists.get(region_of[key], "Items")))
                else:
                    key = live.choice()
                    f.write(f"DELETE FROM items WHERE id = {key};\n")
                    live.discard(key)
                    dead.add(key)
                    changes.append((key, version, None))
            rows = ", ".join(f"({txn}, {k}, {v}, {'NULL' if l is None else repr(l)})" for k, v, l in changes)
            f.write(f"INSERT INTO commits VALUES {rows};\n")
            if rnd.random() < 0.05:
                f.write("ROLLBACK;\n")
                live, region_of, dead, next_id = before
            else:
                f.write("COMMIT;\n")
                f.write(f"INSERT INTO commit_lsn VALUES ({txn}, pg_current_wal_insert_lsn());\n")
            f.write("SELECT pg_sleep(0.05);\n")
PY

workload() {
  local n=0
  while [ -f "$dir/chunk.$n.sql" ] && [ ! -f "$dir/stop" ]; do
    psql -X -q -v ON_ERROR_STOP=1 -f "$dir/chunk.$n.sql" >/dev/null || { echo "chunk $n failed"; return 1; }
    n=$((n + 1))
    echo "$n" >"$dir/chunks_done"
  done
  [ -f "$dir/stop" ] || { echo "the workload ran out of chunks before the kills were done"; return 1; }
}
# Every other daemon runs against requests taking 100-200 ms, so that kills
# find batches in flight and a confirmation that ran ahead of the lists would
# show; the others run at full speed, so that the confirmed position moves on
# (a slow daemon killed every second or so falls behind the workload). The
# check reads the lists at full speed (the daemon is dead meanwhile).
slow='{"latency_ms": 100, "jitter_ms": 100}'
fast='{"latency_ms": 0, "jitter_ms": 0}'
workload >"$dir/workload.out" 2>&1 &
workload_pid=$!

RANDOM=$seed
kills=0
check() {
  emulator_put faults "$fast" || fail "could not set the emulator's latency"
  python3 "$push_here/push_kill9_check.py" --sync items --slot "$slot" --secret "$client_secret" --label "$1" \
    >"$dir/check.out" 2>&1 || { cat "$dir/check.out"; fail "$1: the slot confirmed changes that are not applied"; }
  head -1 "$dir/check.out" >>"$dir/checks.jsonl"
}
while [ "$kills" -lt "$kills_wanted" ]; do
  kill -0 "$workload_pid" 2>/dev/null || fail "the workload ended early: $(cat "$dir/workload.out")"
  # 0.2 to 2 s after the start, in 10 ms steps.
  pause=$((20 + RANDOM % 181))
  sleep "$((pause / 100)).$(printf '%02d' $((pause % 100)))"
  kill -0 "$run_pid" 2>/dev/null || fail "syncbridged run exited by itself before kill $((kills + 1))"
  kill9_run
  kills=$((kills + 1))
  check "kill $kills"
  if [ $((kills % 2)) = 1 ]; then speed=$slow; else speed=$fast; fi
  emulator_put faults "$speed" || fail "could not set the emulator's latency"
  start_run "${run_flags[@]}"
done
touch "$dir/stop"
wait "$workload_pid" || fail "the workload failed: $(cat "$dir/workload.out")"
echo "$kills kills in $((SECONDS - started))s, workload: $(cat "$dir/chunks_done") chunks of 50 transactions"
python3 - "$dir/checks.jsonl" <<'PY'
import json, sys
checks = [json.loads(l) for l in open(sys.argv[1])]
print(f"after each kill: confirmed transactions {checks[0]['confirmed_txns']} → {checks[-1]['confirmed_txns']}, "
      f"rows whose confirmed version was checked {min(c['rows_required'] for c in checks)}–"
      f"{max(c['rows_required'] for c in checks)}, items {checks[-1]['items']}")
PY

emulator_put faults "$fast" || fail "could not set the emulator's latency"
wait_synced 150
echo "$(q "SELECT count(*) FROM items") rows ($(q "SELECT count(*) FILTER (WHERE region = 'US') FROM items") in Items US), $(q "SELECT count(*) FROM commits") changes committed, $(q "SELECT count(*) FROM commit_lsn") transactions"
push_check --sync items --route "region=US:Items US" --default Items || fail "the lists differ from the table"
stop_run
check "final"
# Every run's log: no error line (a kill -9 must not look like a failure to the next start).
errors=$(cat "$dir"/run.*.err | grep '"level":"error"' || true)
[ -z "$errors" ] || fail "syncbridged logged errors: $(head -5 <<<"$errors")"
echo "ok ($run_count daemon starts, $((SECONDS - started))s)"
