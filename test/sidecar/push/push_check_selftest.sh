#!/bin/bash
# push_check.py can fail: without the daemon, builds by hand (through Graph
# and SQL) two lists and a ledger that agree with a sharded table, checks
# that push_check passes, then breaks one thing at a time — a changed value,
# a value where the row has NULL, a missing item, a second item with the
# same key, an item in the wrong list, a ledger remote_id that is not the
# item's, a stray item, a live ledger row without a table row, a changed
# table row — and checks that each makes it fail with the right message,
# and that it passes again once repaired.
# Args: syncbridged binary (keygen only), syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=selftest
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"

# The item values below are written from SQL (to_char, casts), not by
# push_check's own encoder, so a wrong encoding rule cannot agree with itself.
q "CREATE TABLE books (book_id integer PRIMARY KEY, title text NOT NULL, pages integer, price numeric(8,2),
                       in_print boolean, published date, updated_at timestamptz, region text NOT NULL, note text)"
q "SELECT syncbridge.create_sync('books', 'books', '$connection', '{\"list\": \"Books\"}')" >/dev/null
q "SELECT syncbridge.map_field('books', 'title', 'Title')" >/dev/null
q "SELECT syncbridge.add_shard_rule('books', 10, '{\"col\": \"region\", \"op\": \"=\", \"value\": \"US\"}',
                                    '{\"list\": \"Books US\"}')" >/dev/null
q "INSERT INTO books
   SELECT g, 'Title ' || g || CASE WHEN g % 7 = 0 THEN ' – ünïcode ✓' ELSE '' END,
          CASE WHEN g % 5 = 0 THEN NULL ELSE 100 + g END,
          CASE WHEN g % 4 = 0 THEN NULL ELSE g * 1.25 END,
          CASE WHEN g % 6 = 0 THEN NULL ELSE g % 2 = 0 END,
          CASE WHEN g % 9 = 0 THEN NULL ELSE date '1960-01-01' + g * 100 END,
          timestamptz '2026-03-01 10:00:00.75+02' + g * interval '1 hour 1 second',
          CASE WHEN g % 3 = 0 THEN 'US' ELSE 'EU' END,
          CASE WHEN g % 8 = 0 THEN NULL WHEN g % 8 = 1 THEN repeat('long note ', 40) ELSE 'n' || g END
     FROM generate_series(1, 30) g"

export GRAPH_URL="$emulator_url/v1.0" LOGIN_URL="$emulator_url" TENANT="$tenant" CLIENT_ID="$client_id" \
  SECRET="$client_secret" SITE="$site" PUSH_DIR="$(dirname "$0")"
# graph METHOD PATH [JSON]: one Graph call through push_check.Graph; prints the answer.
graph() {
  python3 -B - "$@" <<'PY'
import json, os, sys
sys.path.insert(0, os.environ["PUSH_DIR"])
import push_check
g = push_check.Graph(os.environ["GRAPH_URL"], os.environ["LOGIN_URL"], os.environ["TENANT"],
                     os.environ["CLIENT_ID"], os.environ["SECRET"])
body = json.loads(sys.argv[3]) if len(sys.argv) > 3 else None
answer = g.must(sys.argv[1], sys.argv[2], body)
print(json.dumps(push_check._plain(answer)) if answer is not None else "")
PY
}
site_id=$(graph GET "/sites/$site_host:$site_path" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
columns='[{"name": "book_id", "number": {"decimalPlaces": "none"}},
          {"name": "pages", "number": {"decimalPlaces": "none"}},
          {"name": "price", "number": {}},
          {"name": "in_print", "boolean": {}},
          {"name": "published", "dateTime": {"format": "dateOnly"}},
          {"name": "updated_at", "dateTime": {"format": "dateTime"}},
          {"name": "region", "text": {"allowMultipleLines": true}},
          {"name": "note", "text": {"allowMultipleLines": true}},
          {"name": "SyncBridgeKey", "text": {"maxLength": 255}, "hidden": true, "indexed": true}]'
list_id() { graph GET "/sites/$site_id/lists/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
for name in "Books" "Books US"; do
  graph POST "/sites/$site_id/lists" "{\"displayName\": \"$name\", \"list\": {\"template\": \"genericList\"},
                                       \"columns\": $columns}" >/dev/null
done
books=$(list_id "Books")
books_us=$(list_id "Books US")
target() { q "SELECT target_id FROM syncbridge.target WHERE list = '$1'"; }
t_books=$(target "Books")
t_books_us=$(target "Books US")
sync_id=$(q "SELECT sync_id FROM syncbridge.sync WHERE name = 'books'")

# fields_of ID: the item fields row ID should have, as JSON (nulls left out).
fields_of() {
  q "SELECT json_strip_nulls(json_build_object(
            'Title', title, 'book_id', book_id, 'pages', pages, 'price', price::float8, 'in_print', in_print,
            'published', to_char(published, 'YYYY-MM-DD\"T00:00:00Z\"'),
            'updated_at', to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
            'region', region, 'note', note, 'SyncBridgeKey', format('{\"book_id\":%s}', book_id)))
       FROM books WHERE book_id = $1"
}
list_of() { [ "$(q "SELECT region FROM books WHERE book_id = $1")" = US ] && echo "$books_us" || echo "$books"; }
# create_item LIST_ID FIELDS_JSON: prints the new item's id.
create_item() {
  graph POST "/sites/$site_id/lists/$1/items" "{\"fields\": $2}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
# put_row ID: creates row ID's item in its list and records it in the ledger.
put_row() {
  local list item tid
  list=$(list_of "$1")
  item=$(create_item "$list" "$(fields_of "$1")")
  tid=$t_books; [ "$list" = "$books_us" ] && tid=$t_books_us
  q "INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, remote_id, provenance, state)
     VALUES ($sync_id, jsonb_build_object('book_id', $1), $tid, '$item', 'push', 'synced')
     ON CONFLICT (sync_id, row_key) DO UPDATE SET target_id = excluded.target_id,
                                                  remote_id = excluded.remote_id, state = 'synced'"
}
item_of() { q "SELECT remote_id FROM syncbridge.ledger WHERE sync_id = $sync_id AND row_key = jsonb_build_object('book_id', $1)"; }
for id in $(q "SELECT book_id FROM books ORDER BY book_id"); do put_row "$id"; done

expect_pass() {
  local out rc=0
  out=$(push_check --sync books --route "region=US:Books US" --default Books) || rc=$?
  [ "$rc" = 0 ] || fail "push_check should pass ($1), exit $rc: $out"
  echo "pass ($1): $out"
}
# expect_fail WHAT PATTERN: push_check must exit 1 and print PATTERN (grep -E).
expect_fail() {
  local out rc=0
  out=$(push_check --sync books --route "region=US:Books US" --default Books) || rc=$?
  [ "$rc" = 1 ] || fail "push_check should fail for $1 (exit 1), exit $rc: $out"
  grep -Eq -- "$2" <<<"$out" || fail "push_check failed for $1 without /$2/: $out"
  echo "fails ($1): $(grep -E -- "$2" <<<"$out" | head -1 | sed 's/^ *//')"
}

expect_pass "as built"
# With the routes left out every US row is in the wrong list.
rc=0; out=$(push_check --sync books --default Books) || rc=$?
[ "$rc" = 1 ] && grep -q 'is in list Books US, expected Books' <<<"$out" || fail "routes ignored: exit $rc: $out"

# 1. A changed value.
graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 1)/fields" '{"pages": 999}' >/dev/null
expect_fail "changed value" '^  row \{"book_id":1\}: field pages is 999(\.0)?, expected 101'
graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 1)/fields" '{"pages": 101}' >/dev/null
expect_pass "value restored"

# 2. A value where the row has NULL (pages of row 5 is NULL).
graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 5)/fields" '{"pages": 0}' >/dev/null
expect_fail "value for NULL" 'row \{"book_id":5\}: field pages is 0(\.0)?, expected null'
graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 5)/fields" '{"pages": null}' >/dev/null
expect_pass "null restored"

# 3. A text value that differs only in case, and a date one day off.
published=$(q "SELECT to_char(published, 'YYYY-MM-DD') FROM books WHERE book_id = 2")
graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 2)/fields" '{"Title": "title 2", "published": "1999-12-31T00:00:00Z"}' >/dev/null
expect_fail "changed text" 'row \{"book_id":2\}: field Title is "title 2", expected "Title 2"'
expect_fail "changed date" "row \\{\"book_id\":2\\}: field published is \"1999-12-31T00:00:00Z\", expected \"${published}T00:00:00Z\""

graph PATCH "/sites/$site_id/lists/$books/items/$(item_of 2)/fields" "$(fields_of 2 | python3 -c 'import json,sys; f=json.load(sys.stdin); print(json.dumps({"Title": f["Title"], "published": f["published"]}))')" >/dev/null
expect_pass "text and date restored"

# 4. A missing item.
graph DELETE "/sites/$site_id/lists/$books/items/$(item_of 4)" >/dev/null
expect_fail "missing item" '^  row \{"book_id":4\}: no item \(expected in list Books\)'
put_row 4
expect_pass "item recreated"

# 5. A second item with the same key in the same list.
dup=$(create_item "$books_us" "$(fields_of 3)")
expect_fail "duplicate key" '^  row \{"book_id":3\}: 2 items: Books US#'
graph DELETE "/sites/$site_id/lists/$books_us/items/$dup" >/dev/null
expect_pass "duplicate removed"

# 6. The same key in the other list as well (a move that left the old item).
dup=$(create_item "$books" "$(fields_of 3)")
expect_fail "duplicate across lists" '^  row \{"book_id":3\}: 2 items: .*Books#'
graph DELETE "/sites/$site_id/lists/$books/items/$dup" >/dev/null
expect_pass "duplicate across lists removed"

# 7. An item in the wrong list (ledger and item both say Books, the rule says Books US).
graph DELETE "/sites/$site_id/lists/$books_us/items/$(item_of 6)" >/dev/null
moved=$(create_item "$books" "$(fields_of 6)")
q "UPDATE syncbridge.ledger SET target_id = $t_books, remote_id = '$moved'
    WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 6}'"
expect_fail "wrong list" 'row \{"book_id":6\}: item [0-9]+ is in list Books, expected Books US'
expect_fail "wrong ledger target" "row \{\"book_id\":6\}: ledger target $t_books, expected $t_books_us"
graph DELETE "/sites/$site_id/lists/$books/items/$moved" >/dev/null
put_row 6
expect_pass "item moved back"

# 8. A ledger remote_id that is not the item's.
real=$(item_of 7)
q "UPDATE syncbridge.ledger SET remote_id = '424242' WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 7}'"
expect_fail "ledger remote_id" "row \{\"book_id\":7\}: ledger remote_id 424242, item id $real"
q "UPDATE syncbridge.ledger SET remote_id = '$real' WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 7}'"
expect_pass "ledger remote_id restored"

# 9. A ledger row not synced.
q "UPDATE syncbridge.ledger SET state = 'pending' WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 8}'"
expect_fail "ledger state" 'row \{"book_id":8\}: ledger state pending, expected synced'
q "UPDATE syncbridge.ledger SET state = 'synced' WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 8}'"

# 10. A stray item (no row has its key), and an item without a key.
stray=$(create_item "$books" '{"Title": "stray", "SyncBridgeKey": "{\"book_id\":1000}"}')
expect_fail "stray item" "^  stray item Books#$stray: key \{\"book_id\":1000\} has no row"
graph DELETE "/sites/$site_id/lists/$books/items/$stray" >/dev/null
stray=$(create_item "$books_us" '{"Title": "keyless"}')
expect_fail "item without key" "list Books US: item $stray has no SyncBridgeKey"
graph DELETE "/sites/$site_id/lists/$books_us/items/$stray" >/dev/null
expect_pass "strays removed"

# 11. A live ledger row for a row the table does not have; 'deleted' is fine.
q "INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, remote_id, provenance, state)
   VALUES ($sync_id, '{\"book_id\": 2000}', $t_books, '999999', 'push', 'synced')"
expect_fail "live ledger row without a row" '^  ledger row \{"book_id":2000\} is synced but the table has no such row'
q "UPDATE syncbridge.ledger SET state = 'deleted' WHERE sync_id = $sync_id AND row_key = '{\"book_id\": 2000}'"
expect_pass "ledger row deleted"

# 12. The table changes and the list does not follow: a new row, an update, a delete.
q "INSERT INTO books VALUES (31, 'new', 1, 1, true, '2000-01-01', now(), 'EU', NULL)"
expect_fail "row without item" '^  row \{"book_id":31\}: no item'
expect_fail "row without ledger row" '^  row \{"book_id":31\}: no ledger row'
q "DELETE FROM books WHERE book_id = 31"
q "UPDATE books SET price = 3.76 WHERE book_id = 3"
expect_fail "updated row" 'row \{"book_id":3\}: field price is 3\.75, expected 3\.76'
q "UPDATE books SET price = 3.75 WHERE book_id = 3"
q "DELETE FROM books WHERE book_id = 10"
expect_fail "deleted row" "stray item Books#[0-9]+: key \{\"book_id\":10\} has no row"
expect_fail "deleted row's ledger" 'ledger row \{"book_id":10\} is synced but the table has no such row'
echo ok
