#!/usr/bin/env bash
# Runs the pg_regress suite (sql/ + expected/) against the server named by the
# PG* environment (test/run-all.sh provides one with pg_virtualenv). Exits 77
# (skipped) when no server is reachable.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -q -t 5; then
    echo "pg_regress: no PostgreSQL server reachable through the PG* environment; skipped" >&2
    exit 77
fi

# Every test has its expected output and every expected output its test.
status=0
for f in sql/*.sql; do
    name=$(basename "$f" .sql)
    [ -f "expected/$name.out" ] || { echo "sql/$name.sql has no expected/$name.out" >&2; status=1; }
done
for f in expected/*.out; do
    name=$(basename "$f" .out)
    [ -f "sql/$name.sql" ] || { echo "expected/$name.out has no sql/$name.sql" >&2; status=1; }
done
[ "$status" = 0 ] || exit 1

mkdir -p build/regress
if ! make -s installcheck with_llvm=no; then
    cat build/regress/regression.diffs >&2 || true
    exit 1
fi
