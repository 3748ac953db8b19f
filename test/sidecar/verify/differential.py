#!/usr/bin/env python3
"""Differential check of `syncbridged decode` against wal2json (stdlib only).

  differential.py schema                      -> SQL that creates the test objects
  differential.py workload --seed N           -> SQL of a random, seeded workload
  differential.py compare --catalog F --wal2json F --decode F
                                              -> compares change by change, value by value

Both sides are brought to one typed normal form and compared exactly; the rules
are in docs/sidecar.md ("Verification").  wal2json (Debian's 2.5) runs with
format-version 2, include-type-oids (the comparer types each value by its
column's OID) and include-lsn/xids/timestamp (per-change LSN, xid, commit time
and end LSN are compared too).  Its numbers are read as their exact text.
wal2json 2.5 prints NaN and +-Infinity of float and numeric columns as null, so
the workload writes such a value's text into a shadow column <col>_sp as well;
the comparer takes wal2json's value from there when it printed null.
"""
import argparse
import datetime
import json
import random
import re
import sys
import uuid

# ---------------------------------------------------------------------------
# Schema and workload
# ---------------------------------------------------------------------------

SCHEMA = r"""
CREATE TYPE dmood AS ENUM ('sad', 'ok', 'happy', 'très "bien"');
CREATE DOMAIN dposint AS int4 CHECK (VALUE > 0);
CREATE TABLE d_main (
  id int8 PRIMARY KEY, i2 int2, i4 int4, n numeric, n2 numeric(40,12), b bool, f4 float4, f8 float8,
  t text, vc varchar(40), bp char(6), ts timestamptz, tsn timestamp, d date, tm time, u uuid, by bytea,
  j json, jb jsonb, ia int4[], ta text[], na numeric[], fa float8[], ba bool[], tsa timestamptz[],
  ma dmood[], m dmood, pi dposint, big text, big2 text, n_sp text, f4_sp text, f8_sp text);
ALTER TABLE d_main ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE d_full (id int, v text, n numeric, f8 float8, m dmood, big text, n_sp text, f8_sp text);
ALTER TABLE d_full ALTER COLUMN big SET STORAGE EXTERNAL;
ALTER TABLE d_full REPLICA IDENTITY FULL;
CREATE TABLE d_comp (a int, b text, v jsonb, pad text, PRIMARY KEY (a, b));
CREATE TABLE d_conc (id int8 PRIMARY KEY, t text, j jsonb);
CREATE TABLE d_sentinel (id int PRIMARY KEY);
CREATE PUBLICATION p_diff FOR TABLE d_main, d_full, d_comp, d_conc, d_sentinel;
"""


MAIN_COLS = ["i2", "i4", "n", "n2", "b", "f4", "f8", "t", "vc", "bp", "ts", "tsn", "d", "tm", "u", "by",
             "j", "jb", "ia", "ta", "na", "fa", "ba", "tsa", "ma", "m", "pi", "big", "big2"]
MOODS = ["sad", "ok", "happy", 'très "bien"']


SPECIALS = ("NaN", "Infinity", "-Infinity")


def shadow(sql):
    """The <col>_sp value for a float/numeric literal "'X'::type": X's text if X is special, else NULL."""
    lit = sql.split("'")[1] if sql.startswith("'") else None
    return q(lit) if lit in SPECIALS else "NULL"


def q(s):
    """SQL string literal (standard_conforming_strings is on)."""
    return "'" + s.replace("'", "''") + "'"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    def text(self, lo=0, hi=24):
        pool = list("abcxyz ABC019") + ['"', "\\", ",", "{", "}", "'", "\n", "\t", "\x01", "é", "中", "😀",
                                         " NULL ", "NULL"]
        return "".join(self.r.choice(pool) for _ in range(self.r.randint(lo, hi)))

    def wide(self):
        # Random letters do not compress, so the value is stored out of line (TOAST).
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
        return "".join(self.r.choice(alphabet) for _ in range(self.r.randint(2500, 9000)))

    def numeric(self, int_digits=None, scale=None, special=True):
        c = self.r.random()
        if c < 0.05 and special:
            return self.r.choice(["NaN", "Infinity", "-Infinity"])
        if c < 0.1:
            return self.r.choice(["0", "-0.000", "1.5000", "0.000000000000000000000000000000001",
                                  "99999999999999999999999999999999999999.99999"])
        i = int_digits if int_digits is not None else self.r.randint(1, 40)
        s = scale if scale is not None else self.r.randint(0, 20)
        digits = str(self.r.randint(1, 9)) + "".join(str(self.r.randint(0, 9)) for _ in range(i - 1))
        frac = "".join(str(self.r.randint(0, 9)) for _ in range(s))
        return ("-" if self.chance(0.3) else "") + digits + ("." + frac if frac else "")

    def float8(self):
        c = self.r.random()
        if c < 0.1:
            return self.r.choice(["NaN", "Infinity", "-Infinity", "-0", "1e308", "5e-324", "2.2250738585072014e-308"])
        if c < 0.5:
            return repr(self.r.uniform(-1e6, 1e6))
        import struct
        while True:
            v = struct.unpack("<d", self.r.getrandbits(64).to_bytes(8, "little"))[0]
            if v == v and v not in (float("inf"), float("-inf")):
                return repr(v)

    def float4(self):
        c = self.r.random()
        if c < 0.1:
            return self.r.choice(["NaN", "Infinity", "-Infinity", "-0", "3.4028235e+38", "1e-45"])
        import struct
        while True:
            v = struct.unpack("<f", self.r.getrandbits(32).to_bytes(4, "little"))[0]
            if v == v and v not in (float("inf"), float("-inf")):
                return repr(v)

    def timestamp(self, tz):
        if self.chance(0.05):
            return self.r.choice(["infinity", "-infinity"])
        y = self.r.choice([self.r.randint(1900, 2100), self.r.randint(2, 9998)])
        s = "%04d-%02d-%02d %02d:%02d:%02d" % (y, self.r.randint(1, 12), self.r.randint(1, 28),
                                               self.r.randint(0, 23), self.r.randint(0, 59), self.r.randint(0, 59))
        if self.chance(0.7):
            s += ".%06d" % self.r.randint(0, 999999)
        if tz:
            s += self.r.choice(["+00", "+05:30", "-03:30", "+14", "-12", "+05:45"])
        return s

    def json_text(self, depth=0):
        c = self.r.random()
        if depth > 2 or c < 0.3:
            return self.r.choice(["1.50", "-0", "1e3", "12345678901234567890123", "true", "false", "null",
                                  json.dumps(self.text(0, 8)), json.dumps(self.text(0, 8), ensure_ascii=False),
                                  '"\\u00e9\\n\\t"'])
        if c < 0.6:
            return "[" + ", ".join(self.json_text(depth + 1) for _ in range(self.r.randint(0, 4))) + "]"
        keys = [json.dumps(self.text(1, 6), ensure_ascii=False) for _ in range(self.r.randint(0, 4))]
        return "{" + ", ".join(k + ": " + self.json_text(depth + 1) for k in keys) + "}"

    def arr(self, elem, n=None, nulls=True):
        n = self.r.randint(0, 4) if n is None else n
        return [None if nulls and self.chance(0.15) else elem() for _ in range(n)]

    def value(self, col):
        """SQL expression for a value of d_main's column col."""
        if col != "pi" and self.chance(0.1):
            return "NULL"
        r = self.r
        if col == "i2":
            return str(r.choice([r.randint(-32768, 32767), 32767, -32768]))
        if col == "i4":
            return str(r.choice([r.randint(-2**31, 2**31 - 1), -2**31]))
        if col == "n":
            return q(self.numeric()) + "::numeric"
        if col == "n2":
            return q(self.numeric(int_digits=r.randint(1, 28), scale=r.randint(0, 12)).replace("Infinity", "1")
                     .replace("NaN", "2").replace("99999999999999999999999999999999999999.99999", "7")) + "::numeric"
        if col == "b":
            return r.choice(["true", "false"])
        if col == "f4":
            return q(self.float4()) + "::float4"
        if col == "f8":
            return q(self.float8()) + "::float8"
        if col in ("t", "vc", "bp"):
            s = self.text(0, 40)
            return q(s[:{"t": 200, "vc": 40, "bp": 6}[col]])
        if col == "ts":
            return q(self.timestamp(True)) + "::timestamptz"
        if col == "tsn":
            return q(self.timestamp(False)) + "::timestamp"
        if col == "d":
            return q(r.choice(["infinity", "%04d-%02d-%02d" % (r.randint(1, 9999), r.randint(1, 12),
                                                              r.randint(1, 28))])) + "::date"
        if col == "tm":
            return q("%02d:%02d:%02d.%06d" % (r.randint(0, 23), r.randint(0, 59), r.randint(0, 59),
                                              r.randint(0, 999999))) + "::time"
        if col == "u":
            return q(str(uuid.UUID(int=r.getrandbits(128)))) + "::uuid"
        if col == "by":
            return q("\\x" + bytes(r.getrandbits(8) for _ in range(r.randint(0, 20))).hex()) + "::bytea"
        if col == "j":
            return q(self.json_text()) + "::json"
        if col == "jb":
            return q(self.json_text()) + "::jsonb"
        if col == "ia":
            c = r.random()
            if c < 0.1:
                return "'[0:1]={7,8}'::int4[]"  # explicit bounds: decode falls back to text
            if c < 0.2:
                return "ARRAY[[1,2],[3,NULL]]::int4[]"
            return self.array_sql(self.arr(lambda: str(r.randint(-2**31, 2**31 - 1)))) + "::int4[]"
        if col == "ta":
            return self.array_sql(self.arr(lambda: q(self.text(0, 10)))) + "::text[]"
        if col == "na":
            return self.array_sql(self.arr(lambda: q(self.numeric()))) + "::numeric[]"
        if col == "fa":
            return self.array_sql(self.arr(lambda: q(self.float8()))) + "::float8[]"
        if col == "ba":
            return self.array_sql(self.arr(lambda: r.choice(["true", "false"]))) + "::bool[]"
        if col == "tsa":
            return self.array_sql(self.arr(lambda: q(self.timestamp(True)))) + "::timestamptz[]"
        if col == "ma":
            return self.array_sql(self.arr(lambda: q(r.choice(MOODS)))) + "::dmood[]"
        if col == "m":
            return q(r.choice(MOODS)) + "::dmood"
        if col == "pi":
            return str(r.randint(1, 2**31 - 1))
        if col in ("big", "big2"):
            return q(self.wide()) if self.chance(0.5) else q(self.text(0, 30))
        raise KeyError(col)

    @staticmethod
    def array_sql(items):
        return "ARRAY[" + ",".join("NULL" if i is None else i for i in items) + "]"


def workload(seed, txns):
    g = Gen(seed)
    r = g.r
    out = ["SET TimeZone = 'America/St_Johns';", "SET client_min_messages = warning;"]
    state = {"main": set(), "full": {}, "comp": set(), "extra": None}
    next_id = [1]

    def new_id():
        next_id[0] += 1
        return next_id[0]

    def op_main():
        ids = state["main"]
        c = r.random()
        if c < 0.35 or not ids:
            i = new_id()
            vals = {c: g.value(c) for c in MAIN_COLS}
            vals.update({c + "_sp": shadow(vals[c]) for c in ("n", "f4", "f8")})
            out.append("INSERT INTO d_main (id, %s) VALUES (%d, %s);" % (", ".join(vals), i, ", ".join(vals.values())))
            ids.add(i)
        elif c < 0.75:
            # Mostly columns other than the wide ones, so their TOAST stays unchanged.
            pool = MAIN_COLS[:-2] if r.random() < 0.8 else MAIN_COLS
            vals = {c: g.value(c) for c in r.sample(pool, r.randint(1, 4))}
            vals.update({c + "_sp": shadow(vals[c]) for c in ("n", "f4", "f8") if c in vals})
            i = r.choice(sorted(ids))
            out.append("UPDATE d_main SET %s WHERE id = %d;" % (", ".join("%s = %s" % kv for kv in vals.items()), i))
        elif c < 0.85:
            i = r.choice(sorted(ids))
            j = new_id()
            out.append("UPDATE d_main SET id = %d, t = %s WHERE id = %d;" % (j, q(g.text()), i))
            ids.discard(i)
            ids.add(j)
        else:
            i = r.choice(sorted(ids))
            out.append("DELETE FROM d_main WHERE id = %d;" % i)
            ids.discard(i)

    def op_full():
        rows = state["full"]
        c = r.random()
        if c < 0.4 or not rows:
            i = new_id()
            big = q(g.wide()) if r.random() < 0.5 else "NULL"
            n, f8 = q(g.numeric()) + "::numeric", q(g.float8()) + "::float8"
            out.append("INSERT INTO d_full VALUES (%d, %s, %s, %s, %s, %s, %s, %s);" % (
                i, q(g.text()), n, f8, q(r.choice(MOODS)), big, shadow(n), shadow(f8)))
            rows[i] = True
        elif c < 0.8:
            i = r.choice(sorted(rows))
            f8 = q(g.float8()) + "::float8"
            out.append("UPDATE d_full SET v = %s, f8 = %s, f8_sp = %s WHERE id = %d;" % (q(g.text()), f8, shadow(f8), i))
        else:
            i = r.choice(sorted(rows))
            out.append("DELETE FROM d_full WHERE id = %d;" % i)
            del rows[i]

    def op_comp():
        keys = state["comp"]
        c = r.random()
        if c < 0.45 or not keys:
            k = (new_id(), g.text(1, 8))
            cols, vals = "a, b, v, pad", "%d, %s, %s::jsonb, %s" % (k[0], q(k[1]), q(g.json_text()), q(g.text()))
            if state["extra"] == "extra":
                cols, vals = cols + ", extra", vals + ", %s::numeric" % q(g.numeric(special=False))
            elif state["extra"] == "extra2":
                cols, vals = cols + ", extra2", vals + ", " + g.array_sql(g.arr(lambda: str(r.randint(-9, 9)))) + "::int4[]"
            out.append("INSERT INTO d_comp (%s) VALUES (%s);" % (cols, vals))
            keys.add(k)
        elif c < 0.7:
            k = r.choice(sorted(keys))
            out.append("UPDATE d_comp SET v = %s::jsonb WHERE a = %d AND b = %s;" % (q(g.json_text()), k[0], q(k[1])))
        elif c < 0.85:
            k = r.choice(sorted(keys))
            nk = (k[0], g.text(1, 8) + "~")
            if nk not in keys:
                out.append("UPDATE d_comp SET b = %s WHERE a = %d AND b = %s;" % (q(nk[1]), k[0], q(k[1])))
                keys.discard(k)
                keys.add(nk)
        else:
            k = r.choice(sorted(keys))
            out.append("DELETE FROM d_comp WHERE a = %d AND b = %s;" % (k[0], q(k[1])))
            keys.discard(k)

    ops = [op_main, op_main, op_full, op_comp]

    def snapshot():
        return {"main": set(state["main"]), "full": dict(state["full"]), "comp": set(state["comp"])}

    for t in range(txns):
        if t == txns // 3:
            # A column added mid-stream: pgoutput sends d_comp's Relation again.
            out.append("ALTER TABLE d_comp ADD COLUMN extra numeric;")
            state["extra"] = "extra"
        if t == 2 * txns // 3:
            big_txn(out, r, new_id, ddl=True)
            state["extra"] = "extra2"
        kind = r.random()
        if kind < 0.25:
            r.choice(ops)()  # autocommit: a one-change transaction
            continue
        out.append("BEGIN;")
        before = snapshot()
        for _ in range(r.randint(1, 8)):
            if r.random() < 0.15:
                saved = snapshot()
                out.append("SAVEPOINT s;")
                for _ in range(r.randint(1, 4)):
                    r.choice(ops)()
                if r.random() < 0.6:
                    out.append("ROLLBACK TO SAVEPOINT s;")
                    state.update(saved)
                else:
                    out.append("RELEASE SAVEPOINT s;")
            elif r.random() < 0.05:
                out.append("SELECT pg_logical_emit_message(%s, 'diff', %s) IS NULL;" % (
                    r.choice(["true", "false"]), q(g.text())))
            elif r.random() < 0.03 and state["comp"]:
                out.append("TRUNCATE d_comp;")
                state["comp"] = set()
            else:
                r.choice(ops)()
        if r.random() < 0.1:
            out.append("ROLLBACK;")
            state.update(before)
        else:
            out.append("COMMIT;")
        if t % 40 == 20:
            big_txn(out, r, new_id)
    big_txn(out, r, new_id)
    return "\n".join(out) + "\n"


def concurrent(seed, txns):
    """Large transactions of a second session, run beside the workload: their
    streamed blocks interleave with the workload's own streamed transactions,
    and each rolls back a subtransaction in the middle."""
    r = random.Random(seed ^ 0x5EED)
    out = ["SET client_min_messages = warning;"]
    for k in range(txns):
        base = (k + 1) * 100000
        out.append("BEGIN;")
        for step in range(3):
            lo = base + step * 1000
            out.append("INSERT INTO d_conc SELECT g, repeat(md5(g::text), %d), jsonb_build_object('k', g) "
                       "FROM generate_series(%d, %d) g;" % (r.randint(2, 8), lo, lo + r.randint(200, 500)))
            if step == 1:
                out.append("SAVEPOINT s;")
                out.append("UPDATE d_conc SET t = 'rolled back' WHERE id >= %d;" % base)
                out.append("ROLLBACK TO SAVEPOINT s;")
            out.append("SELECT pg_sleep(%.2f);" % r.uniform(0.02, 0.1))
        out.append("DELETE FROM d_conc WHERE id %% 3 = 0 AND id >= %d;" % base)
        out.append("ROLLBACK;" if r.random() < 0.2 else "COMMIT;")
    return "\n".join(out) + "\n"


def big_txn(out, r, new_id, ddl=False):
    """A transaction far beyond logical_decoding_work_mem=64kB, so pgoutput streams it;
    rolled-back subtransactions inside it must vanish from the output. With ddl,
    d_comp's column extra is dropped and extra2 added inside it, so Relation
    messages change in the middle of a streamed transaction."""
    base = new_id() * 10000  # far above the ids of single-row operations
    n = r.randint(300, 600)
    out.append("BEGIN;")
    out.append("INSERT INTO d_comp SELECT %d + g, 'bulk' || g, jsonb_build_object('g', g, 'x', 1.50), "
               "repeat('p', 200) FROM generate_series(1, %d) g;" % (base, n))
    if ddl:
        out.append("ALTER TABLE d_comp DROP COLUMN extra;")
        out.append("ALTER TABLE d_comp ADD COLUMN extra2 int4[];")
        out.append("UPDATE d_comp SET extra2 = ARRAY[a::int4 %% 1000, NULL] WHERE a > %d AND a <= %d;"
                   % (base, base + n // 3))
    out.append("SAVEPOINT a;")
    out.append("INSERT INTO d_comp SELECT %d + g, 'gone' || g, NULL, repeat('q', 200) "
               "FROM generate_series(1, %d) g;" % (base, n))
    out.append("ROLLBACK TO SAVEPOINT a;")
    out.append("SAVEPOINT b;")
    out.append("UPDATE d_comp SET pad = 'kept' WHERE a > %d AND a <= %d;" % (base, base + n // 2))
    out.append("RELEASE SAVEPOINT b;")
    out.append("DELETE FROM d_comp WHERE a > %d AND a <= %d;" % (base, base + n))
    out.append("COMMIT;")


# ---------------------------------------------------------------------------
# Normal form
# ---------------------------------------------------------------------------

class RawInt(str):
    """A JSON integer kept as its exact text."""


class RawFloat(str):
    """A JSON non-integer number kept as its exact text."""


def loads(s):
    return json.loads(s, parse_int=RawInt, parse_float=RawFloat, parse_constant=lambda c: ("bad-constant", c),
                      object_pairs_hook=lambda pairs: ("obj", tuple(pairs)))


# Tables whose columns the workload alters.
DDL_TABLES = {"d_comp"}
INT_OIDS = {20, 21, 23, 26}
FLOAT_OIDS = {700, 701}
ISO_Z_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?$")
TS_RE = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(Z|\+00)?$")


class Mismatch(Exception):
    pass


def kind_of(oid, types):
    """Kind by type OID, following docs/decode-format.md: a domain renders as its
    base type, an array as JSON array of its element's kind (user element types
    included), an enum and anything else as text."""
    if oid in INT_OIDS:
        return "int"
    if oid == 1700:
        return "numeric"
    if oid in FLOAT_OIDS:
        return "float"
    if oid == 16:
        return "bool"
    if oid in (114, 3802):
        return "json"
    if oid == 1184:
        return "tstz"
    if oid == 1114:
        return "ts"
    if oid == 17:
        return "bytea"
    t = types.get(str(oid))
    if t and t["typtype"] == "d":
        return kind_of(t["basetype"], types)
    if t and t["category"] == "A" and t["elem"]:
        return ("array", kind_of(t["elem"], types))
    return "text"


def parse_ts(s, aware):
    m = TS_RE.match(s)
    if not m:
        return None
    y, mo, d, h, mi, se, frac, zone = m.groups()
    if aware != (zone is not None):
        return None
    us = int((frac or "").ljust(6, "0"))
    dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), us)
    return ("ts", dt)


def norm_json(v):
    if isinstance(v, (RawInt, RawFloat)):
        return ("num", str(v))
    if isinstance(v, tuple) and v and v[0] == "obj":
        return ("obj", tuple((k, norm_json(x)) for k, x in v[1]))
    if isinstance(v, list):
        return ("arr", tuple(norm_json(x) for x in v))
    return (type(v).__name__, v)


def parse_pg_array(s):
    """PostgreSQL array output → nested lists of element text / None; None if it has explicit bounds."""
    if not s.startswith("{"):
        return None
    pos = 0

    def parse():
        nonlocal pos
        assert s[pos] == "{"
        pos += 1
        items = []
        if s[pos] == "}":
            pos += 1
            return items
        while True:
            if s[pos] == "{":
                items.append(parse())
            elif s[pos] == '"':
                pos += 1
                buf = []
                while s[pos] != '"':
                    if s[pos] == "\\":
                        pos += 1
                    buf.append(s[pos])
                    pos += 1
                pos += 1
                items.append("".join(buf))
            else:
                end = pos
                while s[end] not in ",}":
                    end += 1
                tok = s[pos:end]
                pos = end
                items.append(None if tok == "NULL" else tok)
            if s[pos] == "}":
                pos += 1
                return items
            assert s[pos] == ","
            pos += 1

    out = parse()
    if pos != len(s):
        raise Mismatch("trailing text in array literal %r" % s)
    return out


def norm_wal2json(kind, v):
    """wal2json value (numbers as strings) → normal form."""
    if v is None:
        return None
    if isinstance(kind, tuple):
        items = parse_pg_array(v)
        if items is None:
            return ("text", v)

        def walk(x):
            if isinstance(x, list):
                return ("arr", tuple(walk(i) for i in x))
            return norm_wal2json_text(kind[1], x)
        return walk(items)
    if kind == "bool":
        return ("bool", v)
    return norm_wal2json_text(kind, v)


def norm_wal2json_text(kind, s):
    """Server text of a scalar (wal2json's value, or an array element) → normal form."""
    if s is None:
        return None
    if kind == "int":
        return ("int", int(s))
    if kind == "numeric":
        return ("numeric", s)
    if kind == "float":
        return ("float", s)
    if kind == "bool":
        return ("bool", {"t": True, "f": False, True: True, False: False}[s])
    if kind == "bytea":
        return ("text", s if s.startswith("\\x") else "\\x" + s)  # wal2json drops the \x of a bytea column
    if kind == "json":
        v = loads(s)
        # The line format embeds json as JSON, so a json/jsonb value that is the
        # JSON literal null prints exactly like SQL NULL (docs/decode-format.md).
        return None if v is None else ("json", norm_json(v))
    if kind in ("tstz", "ts"):
        return parse_ts(s, kind == "tstz") or ("text", s)
    return ("text", s)


def norm_decode(kind, v):
    """A value from a `syncbridged decode` line → normal form; raises on a wrongly typed value."""
    if v is None:
        return None

    def bad():
        raise Mismatch("value %r is not of the JSON type docs/decode-format.md gives kind %s" % (v, kind))
    if isinstance(kind, tuple):
        if type(v) is str:
            return ("text", v)  # explicit bounds fall back to text; compared with wal2json's text
        if not isinstance(v, list):
            bad()

        def walk(x):
            if isinstance(x, list):
                return ("arr", tuple(walk(i) for i in x))
            return norm_decode(kind[1], x)
        return walk(v)
    if kind == "int":
        if type(v) is not RawInt:
            bad()
        return ("int", int(v))
    if kind == "numeric":
        if type(v) is not str:
            bad()
        return ("numeric", v)
    if kind == "float":
        if type(v) in (RawInt, RawFloat) or (type(v) is str and v in SPECIALS):
            return ("float", str(v))
        bad()
    if kind == "bool":
        if type(v) is not bool:
            bad()
        return ("bool", v)
    if kind == "json":
        return ("json", norm_json(v))
    if type(v) is not str:
        bad()
    if kind == "tstz":
        # ISO 8601 in UTC with Z; infinity, BC and the like stay the server's text.
        if ISO_Z_RE.match(v):
            return parse_ts(v, True)
        return ("text", v)
    if kind == "ts":
        if ISO_RE.match(v):
            return parse_ts(v, False)
        return ("text", v)
    return ("text", v)


# ---------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------

def pg_ts_to_iso(s):
    """wal2json's commit timestamp (session TimeZone UTC) → decode's commit_time format."""
    m = re.match(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))?\+00$", s)
    if not m:
        raise Mismatch("unexpected wal2json timestamp %r" % s)
    return "%sT%s.%sZ" % (m.group(1), m.group(2), (m.group(3) or "").ljust(6, "0"))


def read_wal2json(path):
    """wal2json v2 lines → list of transactions with their changes (empty ones dropped)."""
    txns, cur = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line:
                continue
            m = json.loads(line, parse_int=str, parse_float=str)
            a = m["action"]
            if a == "B":
                if cur is not None:
                    raise Mismatch("wal2json line %d: begin inside a transaction" % n)
                cur = {"xid": int(m["xid"]), "time": m["timestamp"], "end_lsn": m["nextlsn"], "changes": []}
            elif a == "C":
                if cur is None or int(m["xid"]) != cur["xid"]:
                    raise Mismatch("wal2json line %d: commit without its begin" % n)
                if cur["changes"]:
                    txns.append(cur)
                cur = None
            elif a in ("I", "U", "D", "T"):
                if cur is None or int(m["xid"]) != cur["xid"]:
                    raise Mismatch("wal2json line %d: change outside its transaction" % n)
                cur["changes"].append(m)
            elif a == "M":
                continue  # logical messages are not changes; decode prints none
            else:
                raise Mismatch("wal2json line %d: unknown action %r" % (n, a))
    return txns


def read_decode(path):
    """decode lines → transactions (consecutive lines with one xid and end_lsn)."""
    txns = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            d = loads(line)
            if not (isinstance(d, tuple) and d[0] == "obj"):
                raise Mismatch("decode line %d is not an object" % n)
            fields = dict(d[1])
            keys = [k for k, _ in d[1]]
            want = ["lsn", "end_lsn", "xid", "commit_time", "origin", "schema", "table", "op", "key"]
            op = fields.get("op")
            if op in ("insert", "update"):
                want.append("new")
            want += ["old", "unchanged_toast"]
            if keys != want:
                raise Mismatch("decode line %d: keys %s, expected %s" % (n, keys, want))
            fields["_line"] = n
            if txns and txns[-1]["xid"] == int(fields["xid"]) and txns[-1]["end_lsn"] == fields["end_lsn"]:
                txns[-1]["changes"].append(fields)
            else:
                txns.append({"xid": int(fields["xid"]), "end_lsn": fields["end_lsn"],
                             "time": fields["commit_time"], "changes": [fields]})
    return txns


def obj_pairs(v, what):
    if not (isinstance(v, tuple) and v and v[0] == "obj"):
        raise Mismatch("%s is not a JSON object" % what)
    return list(v[1])


def compare(catalog, w2j_txns, dec_txns):
    tables = {(t["schema"], t["table"]): t for t in catalog["tables"]}
    types = catalog["types"]
    stats = {"transactions": 0, "changes": 0, "values": 0, "unchanged_toast": 0, "streamed_min_changes": 0}
    if len(w2j_txns) != len(dec_txns):
        raise Mismatch("wal2json has %d non-empty transactions, decode %d" % (len(w2j_txns), len(dec_txns)))
    for ti, (wt, dt) in enumerate(zip(w2j_txns, dec_txns)):
        where = "transaction %d (xid %d)" % (ti, wt["xid"])
        if wt["xid"] != dt["xid"]:
            raise Mismatch("%s: decode has xid %d" % (where, dt["xid"]))
        if wt["end_lsn"] != dt["end_lsn"]:
            raise Mismatch("%s: end_lsn wal2json %s decode %s" % (where, wt["end_lsn"], dt["end_lsn"]))
        if pg_ts_to_iso(wt["time"]) != dt["time"]:
            raise Mismatch("%s: commit_time wal2json %s decode %s" % (where, wt["time"], dt["time"]))
        if len(wt["changes"]) != len(dt["changes"]):
            raise Mismatch("%s: wal2json %d changes, decode %d" % (where, len(wt["changes"]), len(dt["changes"])))
        for wc, dc in zip(wt["changes"], dt["changes"]):
            compare_change(wc, dc, tables, types, stats, where)
            stats["changes"] += 1
        stats["transactions"] += 1
    return stats


def compare_change(wc, dc, tables, types, stats, where):
    at = "%s, decode line %d" % (where, dc["_line"])
    op = {"I": "insert", "U": "update", "D": "delete", "T": "truncate"}[wc["action"]]
    if dc["op"] != op or dc["schema"] != wc["schema"] or dc["table"] != wc["table"]:
        raise Mismatch("%s: decode %s %s.%s, wal2json %s %s.%s" % (at, dc["op"], dc["schema"], dc["table"], op,
                                                                    wc["schema"], wc["table"]))
    if dc["lsn"] != wc["lsn"]:
        raise Mismatch("%s: lsn decode %s wal2json %s" % (at, dc["lsn"], wc["lsn"]))
    if dc["origin"] is not None:
        raise Mismatch("%s: origin %r, expected null" % (at, dc["origin"]))
    table = tables[(wc["schema"], wc["table"])]
    cols = [c["name"] for c in table["columns"]]
    # Types as of this change (wal2json decodes with the catalog of that time;
    # d_comp's columns change during the workload).
    oid_of = {c["name"]: int(c["typeoid"]) for c in wc.get("columns", []) + wc.get("identity", [])}
    ri = [c["name"] for c in table["columns"] if c["ri"]]
    full = table["replident"] == "f"
    toast = dc["unchanged_toast"]
    if not isinstance(toast, list) or any(type(x) is not str for x in toast):
        raise Mismatch("%s: unchanged_toast is not a list of names" % at)

    def w2j_tuple(lst, what):
        out = []
        for c in lst:
            out.append((c["name"], norm_wal2json(kind_of(int(c["typeoid"]), types), c["value"])))
        # wal2json 2.5 prints NaN/Infinity as null; the shadow column holds their text.
        values = dict(out)
        for k, (name, v) in enumerate(out):
            sp = values.get(name + "_sp")
            if v is None and sp is not None:
                out[k] = (name, (kind_of(int(oid_of[name]), types), sp[1]))
        return out

    def dec_tuple(v, what):
        out = []
        for name, val in obj_pairs(v, what):
            if name not in oid_of:
                raise Mismatch("%s: %s has column %r, which wal2json does not show" % (at, what, name))
            try:
                out.append((name, norm_decode(kind_of(int(oid_of[name]), types), val)))
            except Mismatch as e:
                raise Mismatch("%s: %s.%s: %s" % (at, what, name, e))
        return out

    def same(expected, actual, what):
        stats["values"] += len(expected)
        if expected != actual:
            en, an = [n for n, _ in expected], [n for n, _ in actual]
            if en != an:
                raise Mismatch("%s: %s columns decode %s, wal2json %s" % (at, what, an, en))
            for (n, e), (_, a) in zip(expected, actual):
                if e != a:
                    raise Mismatch("%s: %s.%s decode %r, wal2json %r" % (at, what, n, a, e))

    if op == "truncate":
        if obj_pairs(dc["key"], "key") or dc["old"] is not None or toast:
            raise Mismatch("%s: truncate line carries key/old/unchanged_toast" % at)
        return
    new = w2j_tuple(wc["columns"], "new") if op != "delete" else None
    if new is not None:
        same(new, dec_tuple(dc["new"], "new"), "new")
        # wal2json leaves an unchanged TOAST value out; decode must list exactly those columns.
        missing = [c for c in cols if c not in {n for n, _ in new}]
        if wc["table"] in DDL_TABLES:
            # Its columns change mid-workload, so the final catalog cannot say
            # which were left out; its values are short and never TOASTed.
            missing = []
        if op == "insert" and missing:
            raise Mismatch("%s: wal2json insert lacks columns %s" % (at, missing))
        if toast != missing:
            raise Mismatch("%s: unchanged_toast decode %s, wal2json omitted %s" % (at, toast, missing))
        stats["unchanged_toast"] += len(missing)
    elif toast:
        raise Mismatch("%s: delete with unchanged_toast %s" % (at, toast))
    key = dec_tuple(dc["key"], "key")
    old = None if dc["old"] is None else dec_tuple(dc["old"], "old")
    if op == "insert":
        same([(n, v) for n, v in new if n in ri], key, "key")
        if old is not None:
            raise Mismatch("%s: insert with old %s" % (at, old))
        return
    identity = w2j_tuple(wc["identity"], "identity")
    same(identity, key, "key")
    if full:
        same(identity, old or [], "old")
    elif op == "update" and identity != [(n, v) for n, v in new if n in ri]:
        same(identity, old or [], "old")  # key changed: the server sent the old key
    elif old is not None:
        raise Mismatch("%s: old %s where the server sends none" % (at, old))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("schema")
    w = sub.add_parser("workload")
    w.add_argument("--seed", type=int, required=True)
    w.add_argument("--transactions", type=int, default=200)
    cc = sub.add_parser("concurrent")
    cc.add_argument("--seed", type=int, required=True)
    cc.add_argument("--transactions", type=int, default=12)
    c = sub.add_parser("compare")
    c.add_argument("--catalog", required=True)
    c.add_argument("--wal2json", required=True)
    c.add_argument("--decode", required=True)
    a = ap.parse_args()
    if a.cmd == "schema":
        sys.stdout.write(SCHEMA)
    elif a.cmd == "workload":
        sys.stdout.write(workload(a.seed, a.transactions))
    elif a.cmd == "concurrent":
        sys.stdout.write(concurrent(a.seed, a.transactions))
    else:
        with open(a.catalog, encoding="utf-8") as f:
            catalog = json.load(f)
        try:
            stats = compare(catalog, read_wal2json(a.wal2json), read_decode(a.decode))
        except Mismatch as e:
            print("MISMATCH: %s" % e, file=sys.stderr)
            return 1
        print("equal: %(transactions)d transactions, %(changes)d changes, %(values)d values, "
              "%(unchanged_toast)d unchanged TOAST columns" % stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
