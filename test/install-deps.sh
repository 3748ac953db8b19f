#!/usr/bin/env bash
# Installs the Debian packages syncbridge builds, tests and runs with.
# Idempotent: does nothing when everything is present.
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake pkg-config ccache
  # PostgreSQL 15 server, PGXS and pg_regress, pg_virtualenv, libpq
  postgresql-15 postgresql-server-dev-15 postgresql-client-15 postgresql-common libpq-dev
  # libraries of the extension, the sidecar and the emulator
  libsodium-dev libcurl4-openssl-dev nlohmann-json3-dev libboost-dev libspdlog-dev
  libcli11-dev libxml2-dev libcmark-gfm-dev libcmark-gfm-extensions-dev
  # tests
  libgtest-dev libgmock-dev
  # decode verification (test/sidecar/verify, test/bench/decode_bench.sh): the
  # wal2json plugin, python3 for the comparer, clang with libFuzzer, GNU time
  postgresql-15-wal2json python3 clang libclang-rt-14-dev time
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
