#!/bin/bash
# Builds decoder_fuzz with clang (libFuzzer + ASan + UBSan) from the sources in
# sidecar/pgoutput (and sidecar/spill), seeds it from the golden frames and runs
# it for a bounded time. Fails on any crash, leak or undefined behaviour.
#   run_fuzz.sh WORK_DIR [SECONDS] [extra libFuzzer flags...]
# The CMake build uses g++; only this target is built with clang++.
set -euo pipefail
work=$1
seconds=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
cxx=${FUZZ_CXX:-clang++}

command -v "$cxx" >/dev/null || { echo "$cxx not found (Debian: clang, libclang-rt-14-dev); skipping"; exit 77; }
mkdir -p "$work"
cd "$work"
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' |
     "$cxx" -x c++ -fsanitize=fuzzer -o probe - 2>/dev/null; then
  echo "$cxx cannot link -fsanitize=fuzzer (Debian: libclang-rt-14-dev); skipping"
  exit 77
fi

sources=("$here/decoder_fuzz.cpp" "$root"/sidecar/pgoutput/*.cpp)
[ -d "$root/sidecar/spill" ] && sources+=("$root"/sidecar/spill/*.cpp)
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I "$root/sidecar")
"$cxx" "${flags[@]}" "${sources[@]}" -o decoder_fuzz

rm -rf corpus && mkdir corpus
python3 "$here/make_corpus.py" "$root/test/sidecar/golden" corpus
mkdir -p artifacts
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# -max_len covers the largest golden frame sequence; -timeout flags a hang.
./decoder_fuzz -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix=artifacts/ "$@" corpus
