#!/usr/bin/env python3
"""Checks decode output of the kill -9 and reconnect end-to-end tests.

  e2e_check.py kill9 EXPECTED_IDS RUN1 CONFIRMED_AFTER_KILL RUN2
  e2e_check.py sessions EXPECTED_IDS OUT LINES_1:CONFIRMED_1 [LINES_2:CONFIRMED_2 ...]

Transactions are identified by xid and carry their end_lsn; a line cut short
by kill -9 (the last one of a file) is ignored.
"""
import json
import sys


def lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)


def load(path, first=0, last=None):
    """(xid, end_lsn, id) per complete line of path[first:last]."""
    rows = []
    with open(path) as f:
        lines = f.readlines()
    for line in lines[first:last]:
        if not line.endswith("\n"):
            continue
        r = json.loads(line)
        rows.append((r["xid"], lsn(r["end_lsn"]), r["key"]["id"]))
    return rows


def txns(rows):
    out = {}
    for xid, end, ident in rows:
        t = out.setdefault(xid, {"end": end, "ids": []})
        assert t["end"] == end, f"xid {xid} with two end LSNs"
        t["ids"].append(ident)
    return out


def expected(path):
    return {int(x) for x in open(path).read().split()}


def no_duplicate_ids(rows, what):
    ids = [r[2] for r in rows]
    assert len(ids) == len(set(ids)), f"{what}: an id printed twice in one run"


def kill9(ids_path, run1, confirmed, run2):
    want = expected(ids_path)
    c = lsn(confirmed)
    r1, r2 = load(run1), load(run2)
    no_duplicate_ids(r1, "run 1")
    no_duplicate_ids(r2, "run 2")
    t1, t2 = txns(r1), txns(r2)
    confirmed_txns = [x for x, t in t1.items() if t["end"] <= c]
    assert confirmed_txns, "nothing was confirmed before kill -9: the kill did not happen mid-stream"
    assert t2, "nothing left for run 2: the kill did not happen mid-stream"
    for xid, t in t2.items():
        # Only transactions after the last confirmed one may come again.
        assert t["end"] > c, f"confirmed transaction {xid} (end {t['end']:X} <= {c:X}) printed again"
    for xid, t in t1.items():
        if t["end"] > c:
            # Unconfirmed, so the server sends it again, completely.
            assert xid in t2, f"unconfirmed transaction {xid} lost"
            assert set(t["ids"]) <= set(t2[xid]["ids"]), f"transaction {xid} differs on replay"
    got = {r[2] for r in r1} | {r[2] for r in r2}
    missing = want - got
    assert not missing, f"{len(missing)} ids never printed, e.g. {sorted(missing)[:5]}"
    assert got <= want, f"ids printed that were never committed: {sorted(got - want)[:5]}"
    again = sum(1 for x in t1 if x in t2)
    print(f"kill -9: run 1 {len(t1)} transactions ({len(confirmed_txns)} confirmed), run 2 {len(t2)}, "
          f"{again} unconfirmed printed again, {len(want)} rows, none lost")


def sessions(ids_path, out, *marks):
    want = expected(ids_path)
    rows = load(out)
    no_duplicate_ids(rows, "decode with reconnects")
    start = 0
    bounds = []
    for m in marks:
        n, c = m.split(":")
        bounds.append((int(n), lsn(c)))
    for i, (n, c) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else None
        after = txns(load(out, n, end))
        for xid, t in after.items():
            assert t["end"] > c, f"after reconnect {i + 1}: transaction {xid} at or below confirmed {c:X}"
    got = {r[2] for r in rows}
    missing = want - got
    assert not missing, f"{len(missing)} ids never printed, e.g. {sorted(missing)[:5]}"
    assert got <= want, f"ids printed that were never committed: {sorted(got - want)[:5]}"
    print(f"reconnects: {len(bounds)}, {len(txns(rows))} transactions, {len(rows)} rows, none lost or repeated")


if __name__ == "__main__":
    {"kill9": kill9, "sessions": sessions}[sys.argv[1]](*sys.argv[2:])
