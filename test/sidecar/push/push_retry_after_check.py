#!/usr/bin/env python3
"""Reads an emulator access log (--log FILE, docs/emulator.md) and checks that
no request to a list arrived sooner than Retry-After after a throttled answer
for that list.

Every line has ts (when the answer left, or the connection was dropped or
held), elapsed_ms (so ts - elapsed_ms is the request's arrival), path,
status, fault, and for a $batch, batch_lists. A request belongs to the lists
its path names (/sites/{site}/lists/{list}…) or, for a $batch, to its
batch_lists. A throttled answer is a 429 or 503 on such a request; the
emulator sends Retry-After: 1 with each (--retry-after-ms). The check: no
request to the same list arrives in (answer, answer + Retry-After - slack].

Requests already under way when the answer left are not new requests: one
that arrived before the answer, whatever its end, is never a violation, and
neither is one that arrived within --concurrent-ms (100) after it. The log
says when the emulator answered, not when the daemon read the answer, nor
when the daemon sent the next request (only when the emulator finished
reading it); on a loaded 2-core machine both ends lag (up to 28 ms seen), so
a request arriving that soon after the answer may have left before the
answer reached the daemon. Those are counted ("concurrent") and shown with
the figures. A retry that ignored Retry-After would come after the first
back-off step (125-250 ms), inside the checked window. Requests that name no
list (token, site) are not checked.

Prints one JSON line of figures and the first violations; exit 0 when there
are none, 1 when there are, 2 when the log has no throttled answer at all
(the check would prove nothing).
"""
import argparse
import bisect
import json
import re
import sys
from datetime import datetime

LIST = re.compile(r"/sites/([^/]+)/lists/([^/?]+)")


def millis(ts):
    """'2026-11-23T13:32:08.145Z' → ms since the epoch."""
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp() * 1000.0


def lists_of(line):
    if line.get("batch_lists"):
        return line["batch_lists"]
    match = LIST.search(line.get("path", ""))
    return [match.group(0)] if match else []


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("log")
    parser.add_argument("--retry-after-ms", type=float, default=1000)
    parser.add_argument("--slack-ms", type=float, default=50,
                        help="clock granularity allowed (the log has milliseconds)")
    parser.add_argument("--concurrent-ms", type=float, default=100,
                        help="a request arriving this soon after the answer may have left before it")
    parser.add_argument("--since", help="ignore lines before this ts (e.g. when faults were switched on)")
    args = parser.parse_args()

    since = millis(args.since) if args.since else None
    arrivals = {}   # list → sorted arrival times
    throttled = []  # (list, answer time, status, fault)
    counts = {"requests": 0, "batches": 0, "faults": {}, "statuses": {}}
    with open(args.log) as f:
        for raw in f:
            line = json.loads(raw)
            end = millis(line["ts"])
            if since is not None and end < since:
                continue
            counts["requests"] += 1
            counts["batches"] += bool(line.get("batch_lists"))
            status = str(line["status"])
            counts["statuses"][status] = counts["statuses"].get(status, 0) + 1
            if line.get("fault"):
                counts["faults"][line["fault"]] = counts["faults"].get(line["fault"], 0) + 1
            arrival = end - float(line["elapsed_ms"])
            for name in lists_of(line):
                arrivals.setdefault(name, []).append(arrival)
                if line["status"] in (429, 503):
                    throttled.append((name, end, line["status"], line.get("fault", "")))
    for times in arrivals.values():
        times.sort()

    violations = []
    concurrent = 0
    closest = None  # the shortest wait of a new request after a throttled answer
    window = args.retry_after_ms - args.slack_ms
    for name, answer, status, fault in throttled:
        times = arrivals[name]
        i = bisect.bisect_right(times, answer + args.concurrent_ms)
        concurrent += i - bisect.bisect_right(times, answer)
        if i == len(times):
            continue
        wait = times[i] - answer
        closest = wait if closest is None else min(closest, wait)
        if wait <= window:
            violations.append(f"list {name}: a request arrived {wait:.0f} ms after a {status} "
                              f"({fault or 'service'}) answered at {answer:.0f}")
    figures = dict(counts, throttled_answers=len(throttled), lists=len(arrivals), violations=len(violations),
                   concurrent=concurrent, shortest_wait_ms=None if closest is None else round(closest))
    print(json.dumps(figures, sort_keys=True))
    for v in violations[:20]:
        print("  " + v)
    if violations:
        return 1
    return 0 if throttled else 2


if __name__ == "__main__":
    sys.exit(main())
