#!/usr/bin/env bash
# Builds and installs the extension (PGXS) and builds the C++ parts (CMake)
# into $BUILD_DIR (default build/cmake). Sourced by run-all.sh and demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build/cmake}
JOBS=${JOBS:-$(nproc)}
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

# with_llvm=no: the server's JIT bitcode is not needed and needs clang.
make -s -j"$JOBS" with_llvm=no SYNCBRIDGE_WERROR=1
"${as_root[@]}" make -s with_llvm=no install >/dev/null

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$JOBS" "$@"
