#!/bin/bash
# syncbridged run: large TOASTed text and one transaction of 100,000 rows.
#
#  1. Rows with 20,000 characters of random text (stored out of line in the
#     TOAST table; the list's column is multi-line text, whose limit in
#     SharePoint and the emulator is 63,999) are inserted and synced; then
#     another column of those rows is updated, so that the WAL carries the
#     text as "unchanged TOAST" (checked with a test_decoding slot): the
#     text must not be sent as empty or null — the items keep it in full.
#  2. One transaction inserts 100,000 rows (more than the daemon holds in
#     memory or keeps before spilling to disk) and updates the TOASTed rows
#     again. The list must equal the table field by field (push_check.py).
# Args: syncbridged binary, syncbridge-emulator binary.
set -euo pipefail
PUSH_NAME=bigtxn
# shellcheck source=push_lib.sh
source "$(dirname "$0")/push_lib.sh" "$1" "$2"
grep -qE '^ +run +' <<<"$("$bin" --help)" || { echo "this syncbridged has no run subcommand, skipping"; exit 77; }
big_rows=${PUSH_BIG_ROWS:-100000}
toast_rows=40
text_len=20000

q "CREATE TABLE docs (doc_id bigint PRIMARY KEY, rev integer NOT NULL, title text, body text)"
q "SELECT syncbridge.create_sync('docs', 'docs', '$connection', '{\"list\": \"Docs\"}')" >/dev/null
start_run
provision_sync docs

# 1. TOASTed text. Random letters, digits and a few multi-byte characters
# (pglz finds little to compress, so the values go out of line).
q "INSERT INTO docs
   SELECT i, 1, 'doc ' || i,
          (SELECT string_agg(substr('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 éß✓' || chr(10),
                                    1 + (random() * 66)::int, 1), '')
             FROM generate_series(1, $text_len + i * 0) g)
     FROM generate_series(1, $toast_rows) i"
[ "$(q "SELECT count(*) FROM docs WHERE length(body) = $text_len")" = "$toast_rows" ] || fail "the long texts are not $text_len characters"
toast_table=$(q "SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'docs'::regclass")
[ "$(q "SELECT count(DISTINCT chunk_id) FROM $toast_table")" = "$toast_rows" ] \
  || fail "the long texts are not stored out of line in $toast_table"
wait_synced 120
push_check --sync docs || fail "the list differs from the table after the long texts"

# The update leaves body alone: a test_decoding slot shows the WAL carries it
# as an unchanged TOAST datum, which pgoutput sends as 'u' (no value).
probe="probe_$slot"
q "SELECT 1 FROM pg_create_logical_replication_slot('$probe', 'test_decoding')" >/dev/null
q "UPDATE docs SET rev = rev + 1, title = title || ' (rev 2)'"
unchanged=$(q "SELECT count(*) FROM pg_logical_slot_peek_changes('$probe', NULL, NULL)
                WHERE data LIKE 'table public.docs: UPDATE:%body[text]:unchanged-toast-datum%'")
q "SELECT pg_drop_replication_slot('$probe')" >/dev/null
[ "$unchanged" = "$toast_rows" ] || fail "want $toast_rows updates with an unchanged TOAST body in the WAL, found $unchanged"
wait_synced 120
push_check --sync docs || fail "the list differs from the table after the update that left the TOASTed text unchanged"
# And explicitly: every item still holds the whole text.
full=$(python3 - "$push_here" "$client_secret" "$text_len" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import push_check as pc
sync = pc.load_sync("docs")
graph = pc.graph_for(sync, sys.argv[2])
target = sync["targets"][0]
site = graph.site_id(target["site"])
remote = graph.get_list(site, target["list"])
items = graph.items(site, remote["id"], ["SyncBridgeKey", "body", "rev"])
print(sum(1 for i in items
          if len(i["fields"].get("body") or "") == int(sys.argv[3]) and i["fields"].get("rev") == 2))
PY
)
[ "$full" = "$toast_rows" ] || fail "only $full of $toast_rows items hold the whole $text_len-character text at rev 2"
echo "$toast_rows rows with $text_len characters of TOASTed text: equal after an update that left them unchanged"

# 2. One transaction of $big_rows rows (and the TOASTed rows updated again).
started=$SECONDS
q "BEGIN;
   INSERT INTO docs SELECT 1000 + i, i % 13, 'bulk ' || i, CASE WHEN i % 5 = 0 THEN NULL ELSE md5(i::text) END
     FROM generate_series(1, $big_rows) i;
   UPDATE docs SET rev = rev + 1 WHERE doc_id <= $toast_rows;
   COMMIT;"
wait_synced 300
echo "$big_rows rows in one transaction synced in $((SECONDS - started)) s"
push_check --sync docs || fail "the list differs from the table after the $big_rows-row transaction"
stop_run
echo ok
