#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds everything, then runs
# ctest (pg_regress, extension, sidecar and emulator tests) against a
# throwaway PostgreSQL cluster with wal_level=logical.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/cmake}
export BUILD_DIR

test/install-deps.sh
test/build.sh

log="$BUILD_DIR/ctest.log"
status=0
pg_virtualenv -t -o wal_level=logical -o max_replication_slots=20 -o max_wal_senders=20 -o output_plugin_libraries=pgoutput,test_decoding,wal2json \
  bash -c 'ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 2>&1 | tee "$0"; exit "${PIPESTATUS[0]}"' \
  "$log" || status=$?

# pg_virtualenv talks after ctest; repeat ctest's summary as the last line.
grep -E '^[0-9]+% tests passed' "$log" | tail -n 1 || echo "ctest did not finish"
exit "$status"
