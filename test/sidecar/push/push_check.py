#!/usr/bin/env python3
"""Compares a synced table with its SharePoint lists, field by field.

Reads the table, the sync's definition and its ledger with psql (the PG*
environment picks the database), and the lists' items through the real
Graph API of the emulator (or any Graph): a client-credentials token from
{login_base_url}/{tenant}/oauth2/v2.0/token, the site by host:/path, each
list by name with its columns, its items with their fields (paged through
@odata.nextLink). Checks that:

  - every row has exactly one item, found by its hidden SyncBridgeKey
    column, and in the list its route picks (--route, else --default, else
    the sync's default target);
  - each pushed field of that item equals the row's value after encoding
    (expected_field_value: the one place that says how a value is written);
  - no item lacks a row (strays, items without a key) and no key is on two
    items (in one list or across lists);
  - the ledger has, for every row, a 'synced' row whose remote_id is the
    item's id and whose target is the expected list, and no live
    (not 'deleted') row for a key the table does not have.

Prints a summary and the first 20 differences; exit 0 when there are none,
1 when there are, 2 on a usage or setup error. Standard library only.

Module use (the self-test builds lists with it): Graph, row_key_text,
expected_field_value.
"""
import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

KEY_FIELD = "SyncBridgeKey"
SHOWN = 20


class SetupError(Exception):
    """The comparison could not be made (bad arguments, unreachable service)."""


# ---------------------------------------------------------------- database

def psql(sql, **variables):
    """Runs `sql` (psql variables as :'name') and returns its output lines."""
    command = ["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True)
    if done.returncode != 0:
        raise SetupError(f"psql failed: {done.stderr.strip()}")
    return [line for line in done.stdout.split("\n") if line]


def psql_json(sql, **variables):
    lines = psql(sql, **variables)
    return json.loads(lines[0], parse_float=Decimal) if lines else None


def load_sync(name):
    sync = psql_json("""
        SELECT json_build_object('sync_id', s.sync_id, 'source', s.source::regclass::text,
                                 'key_columns', to_json(s.key_columns), 'settings', c.settings)
          FROM syncbridge.sync s JOIN syncbridge.connection c USING (connection_id)
         WHERE s.name = :'name'""", name=name)
    if sync is None:
        raise SetupError(f"no sync named {name}")
    sync["targets"] = psql_json("""
        SELECT coalesce(json_agg(json_build_object('target_id', target_id, 'list', list, 'site', site,
                                                   'is_default', is_default) ORDER BY target_id), '[]')
          FROM syncbridge.target WHERE sync_id = :'id'""", id=sync["sync_id"])
    # Pushed fields with the column's type (a domain as its base type) and
    # whether it is an enum (a choice column: the label as text).
    sync["fields"] = psql_json("""
        SELECT coalesce(json_agg(json_build_object(
                 'column', f.column_name, 'remote', f.remote_field, 'transform', f.transform,
                 'type', format_type(CASE t.typtype WHEN 'd' THEN t.typbasetype ELSE a.atttypid END,
                                     CASE t.typtype WHEN 'd' THEN t.typtypmod ELSE a.atttypmod END))
               ORDER BY a.attnum), '[]')
          FROM syncbridge.field_map f
          JOIN syncbridge.sync s USING (sync_id)
          JOIN pg_attribute a ON a.attrelid = s.source AND a.attname = f.column_name
          JOIN pg_type t ON t.oid = a.atttypid
         WHERE f.sync_id = :'id' AND f.direction IN ('both', 'push_only')""", id=sync["sync_id"])
    for field in sync["fields"]:
        if field["transform"]:
            raise SetupError(f"field {field['column']} has transform {field['transform']}: "
                             "push_check does not model transforms")
    return sync


def load_rows(source):
    # UTC makes timestamptz come out as the daemon sees it (decode sets it too).
    lines = psql(f"SET TimeZone = 'UTC';\nSELECT row_to_json(t) FROM {source} t;\n")
    return [json.loads(line, parse_float=Decimal) for line in lines]


def load_ledger(sync_id):
    lines = psql("""
        SELECT json_build_object('row_key', row_key, 'target_id', target_id, 'remote_id', remote_id,
                                 'state', state)
          FROM syncbridge.ledger WHERE sync_id = :'id';""", id=sync_id)
    return [json.loads(line, parse_float=Decimal) for line in lines]


# ---------------------------------------------------------------- encoding

def _json_text(value):
    """A JSON value's text as nlohmann::json::dump() writes it: compact,
    object keys sorted, UTF-8 kept."""
    return json.dumps(_plain(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _iso_seconds(text):
    """'2026-11-22T07:30:00.5+00:00' (UTC session) → '2026-11-22T07:30:00Z'."""
    return text[:19] + "Z"


def key_value(pg_type, value):
    """A key column's value as syncbridged decode renders it (decode-format.md)."""
    if value is None or isinstance(value, bool):
        return value
    if pg_type.startswith("numeric"):
        return str(value)  # exact digits, as a string
    if pg_type == "timestamp with time zone" and isinstance(value, str):
        return value[:-6] + "Z" if value.endswith("+00:00") else value
    if isinstance(value, Decimal):
        return _plain(value)
    return value


def row_key_text(key):
    """mapper::RowKeyText: canonical JSON of the key object (sorted keys,
    compact; integral numbers as integers)."""
    return _json_text(key)


def expected_field_value(pg_type, value):
    """What a SharePoint column holds for a table value once syncbridged wrote
    it (sidecar/connectors/graph_values.cpp, the column types provisioning
    picks in sharepoint.cpp) and Graph reads it back:

      NULL                              → no field (Graph leaves null fields out)
      smallint, integer, bigint,
      numeric, real, double precision   → a number (SharePoint keeps a double;
                                          compared as floats)
      boolean                           → true / false
      date                              → "YYYY-MM-DDT00:00:00Z" (dateOnly column)
      timestamp, timestamptz            → "YYYY-MM-DDTHH:MM:SSZ": UTC, whole seconds
      arrays, json, jsonb               → their compact JSON text (multi-line text)
      anything else (text, varchar,
      uuid, enum labels, …)             → the value's text

    Returns None for "no field"."""
    if value is None:
        return None
    base = pg_type.split("(")[0].strip()
    if pg_type.endswith("[]") or base in ("json", "jsonb"):
        return _json_text(value)
    if base in ("smallint", "integer", "bigint", "numeric", "real", "double precision"):
        return float(value)
    if base == "boolean":
        return bool(value)
    if base == "date":
        return f"{value}T00:00:00Z"
    if base.startswith("timestamp"):
        return _iso_seconds(value)
    return value if isinstance(value, str) else _json_text(value)


def same_value(expected, actual):
    """Compares an expected_field_value with a field as Graph returned it."""
    if isinstance(expected, float):
        return isinstance(actual, (int, float, Decimal)) and not isinstance(actual, bool) \
            and float(actual) == expected
    if expected == "":
        # SharePoint keeps an empty text as no value.
        return actual in (None, "")
    return expected == actual and type(expected) is type(actual)


# ---------------------------------------------------------------- Graph

class Graph:
    """A minimal Graph client: app-only token, JSON requests, paging."""

    def __init__(self, graph_base_url, login_base_url, tenant, client_id, client_secret):
        self.graph = graph_base_url.rstrip("/")
        self.login = login_base_url.rstrip("/")
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret
        self._token = None

    def token(self):
        if self._token is None:
            form = urllib.parse.urlencode({
                "client_id": self.client_id, "client_secret": self.client_secret,
                "grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default"}).encode()
            url = f"{self.login}/{urllib.parse.quote(self.tenant)}/oauth2/v2.0/token"
            status, body = self._send("POST", url, form, {"Content-Type": "application/x-www-form-urlencoded"})
            if status != 200:
                raise SetupError(f"token request failed: HTTP {status} {body}")
            self._token = body["access_token"]
        return self._token

    def _send(self, method, url, data, headers):
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                return response.status, (json.loads(raw, parse_float=Decimal) if raw else None)
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                return error.code, json.loads(raw) if raw else None
            except ValueError:
                return error.code, raw.decode(errors="replace")
        except urllib.error.URLError as error:
            raise SetupError(f"{method} {url}: {error.reason}") from None

    def call(self, method, path_or_url, body=None):
        """(status, JSON body); a relative path is under the Graph base URL."""
        url = path_or_url if path_or_url.startswith("http") else self.graph + path_or_url
        data = None if body is None else json.dumps(_plain(body)).encode()
        headers = {"Authorization": "Bearer " + self.token(), "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self._send(method, url, data, headers)

    def must(self, method, path, body=None, want=(200, 201, 204)):
        status, answer = self.call(method, path, body)
        if status not in want:
            raise SetupError(f"{method} {path}: HTTP {status} {answer}")
        return answer

    def site_id(self, site):
        if ":" not in site:
            return site
        host, path = site.split(":", 1)
        return self.must("GET", f"/sites/{host}:{urllib.parse.quote(path)}")["id"]

    def get_list(self, site_id, name):
        """The list with its columns, or None when there is no such list."""
        status, body = self.call("GET", f"/sites/{site_id}/lists/{urllib.parse.quote(name)}?$expand=columns")
        if status == 404:
            return None
        if status != 200:
            raise SetupError(f"list {name}: HTTP {status} {body}")
        return body

    def create_list(self, site_id, name, columns):
        return self.must("POST", f"/sites/{site_id}/lists",
                         {"displayName": name, "list": {"template": "genericList"}, "columns": columns})

    def items(self, site_id, list_id, select):
        """Every item with the named fields (hidden ones only appear when named)."""
        query = urllib.parse.quote(f"fields(select={','.join(select)})", safe="(),=")
        url = f"/sites/{site_id}/lists/{list_id}/items?$expand={query}&$top=1000"
        out = []
        while url:
            page = self.must("GET", url)
            out.extend(page.get("value", []))
            url = page.get("@odata.nextLink")
        return out

    def create_item(self, site_id, list_id, fields):
        return self.must("POST", f"/sites/{site_id}/lists/{list_id}/items", {"fields": fields})

    def patch_fields(self, site_id, list_id, item_id, fields):
        return self.must("PATCH", f"/sites/{site_id}/lists/{list_id}/items/{item_id}/fields", fields)

    def delete_item(self, site_id, list_id, item_id):
        self.must("DELETE", f"/sites/{site_id}/lists/{list_id}/items/{item_id}")


def graph_for(sync, secret):
    s = sync["settings"]
    return Graph(s.get("graph_base_url", "https://graph.microsoft.com/v1.0"),
                 s.get("login_base_url", "https://login.microsoftonline.com"),
                 s["tenant_id"], s["client_id"], secret)


# ---------------------------------------------------------------- compare

def parse_route(text):
    """'col=VALUE:List name' → (col, VALUE, list)."""
    condition, sep, target = text.partition(":")
    column, eq, value = condition.partition("=")
    if not sep or not eq or not column or not target:
        raise SetupError(f"--route {text!r}: want COLUMN=VALUE:LIST")
    return column, value, target


def value_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def compare(sync, secret, routes, default_list):
    differences = []
    diff = differences.append
    targets_by_list = {t["list"]: t for t in sync["targets"]}
    if default_list is None:
        defaults = [t["list"] for t in sync["targets"] if t["is_default"]]
        if not defaults:
            raise SetupError("the sync has no default target: give --default")
        default_list = defaults[0]
    for name in [default_list] + [r[2] for r in routes]:
        if name not in targets_by_list:
            raise SetupError(f"list {name!r} is not a target of the sync (targets: {sorted(targets_by_list)})")

    types = {f["column"]: f["type"] for f in sync["fields"]}
    key_types = psql_json("""
        SELECT json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod))
          FROM pg_attribute a WHERE a.attrelid = :'rel'::regclass AND a.attnum > 0 AND NOT a.attisdropped""",
                          rel=sync["source"])
    rows = {}
    for row in load_rows(sync["source"]):
        key = {c: key_value(key_types[c], row[c]) for c in sync["key_columns"]}
        expected_list = default_list
        for column, value, target in routes:
            if value_text(row.get(column)) == value:
                expected_list = target
                break
        rows[row_key_text(key)] = (row, expected_list)

    graph = graph_for(sync, secret)
    select = [KEY_FIELD] + [f["remote"] for f in sync["fields"]]
    by_key = {}  # key text → [(list name, item)]
    item_count = 0
    lists_seen = 0
    for target in sync["targets"]:
        site = graph.site_id(target["site"])
        remote = graph.get_list(site, target["list"])
        if remote is None:
            continue  # a list never created holds no items; rows routed there show as missing
        lists_seen += 1
        columns = {c["name"] for c in remote.get("columns", [])}
        for name in select:
            if name not in columns:
                diff(f"list {target['list']}: has no column {name}")
        for item in graph.items(site, remote["id"], [s for s in select if s in columns]):
            item_count += 1
            key = item.get("fields", {}).get(KEY_FIELD)
            if not key:
                diff(f"list {target['list']}: item {item['id']} has no {KEY_FIELD}")
                continue
            by_key.setdefault(key, []).append((target["list"], item))

    ledger = {}
    for entry in load_ledger(sync["sync_id"]):
        ledger[row_key_text(entry["row_key"])] = entry

    for key, (row, expected_list) in sorted(rows.items()):
        found = by_key.get(key, [])
        if not found:
            diff(f"row {key}: no item (expected in list {expected_list})")
        elif len(found) > 1:
            diff(f"row {key}: {len(found)} items: " + ", ".join(f"{name}#{i['id']}" for name, i in found))
        item = None
        if len(found) == 1:
            name, item = found[0]
            if name != expected_list:
                diff(f"row {key}: item {item['id']} is in list {name}, expected {expected_list}")
            fields = item.get("fields", {})
            for f in sync["fields"]:
                want = expected_field_value(types[f["column"]], row.get(f["column"]))
                got = fields.get(f["remote"])
                if not same_value(want, got):
                    diff(f"row {key}: field {f['remote']} is {json.dumps(_plain(got))}, "
                         f"expected {json.dumps(_plain(want))}")
        entry = ledger.get(key)
        if entry is None:
            diff(f"row {key}: no ledger row")
            continue
        if entry["state"] != "synced":
            diff(f"row {key}: ledger state {entry['state']}, expected synced")
        target_id = targets_by_list[expected_list]["target_id"]
        if entry["target_id"] != target_id:
            diff(f"row {key}: ledger target {entry['target_id']}, expected {target_id} ({expected_list})")
        if item is not None and entry["remote_id"] != item["id"]:
            diff(f"row {key}: ledger remote_id {entry['remote_id']}, item id {item['id']}")

    for key, found in sorted(by_key.items()):
        if key not in rows:
            for name, item in found:
                diff(f"stray item {name}#{item['id']}: key {key} has no row")
    for key, entry in sorted(ledger.items()):
        if key not in rows and entry["state"] != "deleted":
            diff(f"ledger row {key} is {entry['state']} but the table has no such row")

    summary = (f"push_check {sync['source']}: {len(rows)} rows, {item_count} items in {lists_seen} lists, "
               f"{len(ledger)} ledger rows: ")
    return summary, differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sync", required=True, help="sync name")
    parser.add_argument("--secret", required=True, help="the connection's client secret (to read Graph)")
    parser.add_argument("--route", action="append", default=[],
                        help="COLUMN=VALUE:LIST: rows whose column's text is VALUE belong in LIST "
                             "(first match wins)")
    parser.add_argument("--default", help="list of rows no route picks (default: the sync's default target)")
    args = parser.parse_args()
    try:
        sync = load_sync(args.sync)
        summary, differences = compare(sync, args.secret, [parse_route(r) for r in args.route], args.default)
    except SetupError as error:
        print(f"push_check: {error}")
        return 2
    if not differences:
        print(summary + "equal")
        return 0
    print(summary + f"{len(differences)} differences")
    for line in differences[:SHOWN]:
        print("  " + line)
    if len(differences) > SHOWN:
        print(f"  ... and {len(differences) - SHOWN} more")
    return 1


if __name__ == "__main__":
    sys.exit(main())
