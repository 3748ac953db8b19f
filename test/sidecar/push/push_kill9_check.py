#!/usr/bin/env python3
"""After a kill -9 of syncbridged: did the slot confirm anything not applied?

Run while the daemon is dead (the lists cannot change), with the workload of
push_kill9_test.sh still running. That workload gives every change of a row
a new, ever larger version v (one counter for the whole run) and records,
in the same transaction, one row per change in `commits(txn, id, v, list)`
(`list` is the list the row's shard rule picks after the change, NULL for a
delete), and right after COMMIT `commit_lsn(txn, lsn)` with
pg_current_wal_insert_lsn(), which is at or after the commit record's end.

Steps:
  1. waits until the slot is inactive (the walsender of the killed daemon has
     read its last status update), then reads confirmed_flush_lsn: what the
     daemon confirmed, for good;
  2. reads every item of the sync's lists through Graph (push_check.Graph):
     key and v;
  3. reads `commits` (only committed transactions' rows are visible) and
     `commit_lsn`.
A transaction whose recorded LSN is <= confirmed_flush_lsn ended at or before
it, so the daemon had confirmed it. For every row, let R be its newest change
in such a transaction. The check requires:
  - no key on two items;
  - an item carries a (v, list) that some committed change gave the row (no
    version from a rolled-back transaction, nothing in the wrong list);
  - if R exists: the item's v >= R's v; no item only when R is a delete, or
    when a later committed change deletes the row or moves it to the other
    list (its delete half may be applied before its create half).
Transactions without a commit_lsn row yet (killed between COMMIT and the
insert) or with a recorded LSN above the confirmed one are not required:
the check may miss a confirmation, never invent one.

Prints one JSON line (figures) and the first differences; exit 0 when there
are none, 1 when there are, 2 on a setup error.
"""
import argparse
import json
import sys
import time

import push_check
from push_check import KEY_FIELD, SetupError, psql


def wait_inactive(slot, limit_s):
    deadline = time.monotonic() + limit_s
    while True:
        state = psql("SELECT active::text || '|' || coalesce(confirmed_flush_lsn::text, '')"
                     " FROM pg_replication_slots WHERE slot_name = :'slot'", slot=slot)
        if not state:
            raise SetupError(f"no slot {slot}")
        active, confirmed = state[0].split("|")
        if active == "false":
            return confirmed
        if time.monotonic() > deadline:
            raise SetupError(f"slot {slot} still active {limit_s}s after the kill")
        time.sleep(0.05)


def remote_items(sync, secret, version_column):
    """{row id: [(list name, v)]} for every item of every target list."""
    graph = push_check.graph_for(sync, secret)
    out, stray = {}, []
    for target in sync["targets"]:
        site = graph.site_id(target["site"])
        remote = graph.get_list(site, target["list"])
        if remote is None:
            continue
        for item in graph.items(site, remote["id"], [KEY_FIELD, version_column]):
            fields = item.get("fields", {})
            key, v = fields.get(KEY_FIELD), fields.get(version_column)
            if not key or v is None:
                stray.append(f"{target['list']}#{item['id']}")
                continue
            out.setdefault(json.loads(key)["id"], []).append((target["list"], int(v)))
    return out, stray


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sync", required=True)
    parser.add_argument("--slot", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--version-column", default="v")
    parser.add_argument("--label", default="", help="printed with the figures")
    args = parser.parse_args()
    try:
        confirmed = wait_inactive(args.slot, 30)
        sync = push_check.load_sync(args.sync)
        remote, stray = remote_items(sync, args.secret, args.version_column)
        lines = psql("""
            SELECT json_build_object('txn', c.txn, 'id', c.id, 'v', c.v, 'list', c.list,
                                     'confirmed', coalesce(l.lsn <= :'confirmed'::pg_lsn, false))
              FROM commits c LEFT JOIN commit_lsn l USING (txn)""", confirmed=confirmed)
    except SetupError as error:
        print(f"push_kill9_check: {error}")
        return 2

    history = {}  # id → [(v, list, confirmed)]
    confirmed_txns = set()
    for line in lines:
        e = json.loads(line)
        history.setdefault(e["id"], []).append((e["v"], e["list"], e["confirmed"]))
        if e["confirmed"]:
            confirmed_txns.add(e["txn"])
    differences = [f"item {s} has no {KEY_FIELD} or no {args.version_column}" for s in stray]
    required_rows = 0
    for row_id in sorted(set(history) | set(remote)):
        changes = sorted(history.get(row_id, []))
        items = remote.get(row_id, [])
        required = max((c for c in changes if c[2]), default=None)
        required_rows += required is not None
        if len(items) > 1:
            differences.append(f"row {row_id}: {len(items)} items {items}")
            continue
        if items:
            name, v = items[0]
            if not any(c[0] == v and c[1] == name for c in changes):
                differences.append(f"row {row_id}: item in {name} carries v {v}, which no committed change "
                                   f"put there (changes: {changes[-5:]})")
            elif required and v < required[0]:
                differences.append(f"row {row_id}: item in {name} has v {v} but v {required[0]} was confirmed "
                                   f"({'delete' if required[1] is None else required[1]})")
        elif required and required[1] is not None:
            later = [c for c in changes if c[0] > required[0] and c[1] != required[1]]
            if not later:
                differences.append(f"row {row_id}: no item, but v {required[0]} in {required[1]} was confirmed")

    figures = {"label": args.label, "confirmed_flush_lsn": confirmed, "committed_changes": len(lines),
               "confirmed_txns": len(confirmed_txns), "rows_required": required_rows,
               "items": sum(len(i) for i in remote.values()), "differences": len(differences)}
    print(json.dumps(figures))
    for line in differences[:20]:
        print("  " + line)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
