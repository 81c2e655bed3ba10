#!/usr/bin/env bash
# A short soak (tests/reliability/soak.py): SOAK_SECONDS (default 120) of mixed load on a fresh
# server, failing on any failed request or on memory that keeps growing.
#
#   RETU_BIN=target/debug/retu bash tests/reliability/soak.sh
#
# Without RETU_BIN a release build is made; DATABASE_URL runs it on PostgreSQL (bench/lib.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
bench_start
echo "soak: $backend at $base for ${SOAK_SECONDS:-120} s"
python3 tests/reliability/soak.py "$base" "$token" "$server" "${SOAK_SECONDS:-120}"
