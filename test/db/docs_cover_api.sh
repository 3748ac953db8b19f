#!/usr/bin/env bash
# docs/sql-api.md documents every public function and view of the installed
# extension with an example: each function appears as a call
# "syncbridge.NAME(" and each view in a query "FROM syncbridge.NAME".
set -euo pipefail

if ! pg_isready -q -t 5; then
  echo "docs_cover_api: no PostgreSQL server reachable through the PG* environment; skipped" >&2
  exit 77
fi
doc="$(dirname "$0")/../../docs/sql-api.md"
db="syncbridge_docs_$$"
createdb "$db"
trap 'dropdb --if-exists "$db"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
q -o /dev/null -c "SET client_min_messages = warning" -c "CREATE EXTENSION syncbridge"

missing=0
checked=0
while read -r name; do
  checked=$((checked + 1))
  grep -qF "syncbridge.$name(" "$doc" || { echo "docs_cover_api: function $name has no example in docs/sql-api.md" >&2; missing=1; }
done < <(q -c "SELECT DISTINCT proname FROM pg_proc WHERE pronamespace = 'syncbridge'::regnamespace AND proname !~ '^_' ORDER BY 1")
while read -r name; do
  checked=$((checked + 1))
  grep -qF "FROM syncbridge.$name" "$doc" || { echo "docs_cover_api: view $name has no example in docs/sql-api.md" >&2; missing=1; }
done < <(q -c "SELECT relname FROM pg_class WHERE relnamespace = 'syncbridge'::regnamespace AND relkind = 'v' ORDER BY 1")
[ "$checked" -gt 0 ] || { echo "docs_cover_api: found no functions or views" >&2; exit 1; }
[ "$missing" = 0 ] || exit 1
echo "docs_cover_api: $checked functions and views documented with an example"
