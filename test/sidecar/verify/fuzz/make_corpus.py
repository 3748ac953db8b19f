#!/usr/bin/env python3
"""Seed corpus for decoder_fuzz from the golden frames (test/sidecar/golden/*.hex).

  make_corpus.py GOLDEN_DIR OUT_DIR

Writes, per golden file, the whole frame sequence, and for up to four frames of
each message type, that frame alone inside the file's first Begin/Commit pair, after the file's Relation and
Type frames (so a change meets a known relation in an open transaction).
Format: 2-byte big-endian length + payload per frame.
"""
import hashlib
import os
import sys


def frames(path):
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                b = bytes.fromhex(parts[1])
                if len(b) <= 0xFFFF:
                    yield b


def pack(fs):
    return b"".join(len(b).to_bytes(2, "big") + b for b in fs)


def main():
    golden, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    seeds = set()
    for name in sorted(os.listdir(golden)):
        if not name.endswith(".hex"):
            continue
        fs = list(frames(os.path.join(golden, name)))
        seeds.add(pack(fs))
        schema = [b for b in fs if b[:1] in (b"R", b"Y")]
        begin = [b for b in fs if b[:1] == b"B"][:1]
        commit = [b for b in fs if b[:1] == b"C"][:1]
        per_kind = {}
        for b in fs:
            # A few frames of each message type suffice; the rest differ only in values.
            if per_kind.setdefault(b[:1], 0) < 4:
                per_kind[b[:1]] += 1
                seeds.add(pack(schema + begin + [b] + commit))
    for s in seeds:
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print("%d seeds" % len(seeds))


if __name__ == "__main__":
    main()
