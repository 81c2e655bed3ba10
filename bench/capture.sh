#!/usr/bin/env bash
# Durable capture throughput over HTTP: `retu serve` (release build) on this machine, the
# 10,000-event farm benchmark document POSTed to /epcis/capture, ROUNDS times, each round with
# new events (the farmer note of every event carries the round number, so nothing deduplicates).
# A capture answers only after its events are committed (SQLite WAL + synchronous=FULL, or
# PostgreSQL synchronous commit), so events/s is durable throughput. Also reports the server's
# peak resident memory (VmHWM).
#
#   bash bench/capture.sh                     # SQLite in a temporary data folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres bash bench/capture.sh
#
# The derived file's business transaction IDs name GLN 6901234000003, whose check digit is
# wrong; Retu refuses that, so the harness writes the correct 6901234000009 (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."

VECTORS=${RETU_VECTORS:-$PWD/../shared/vectors}
GZ="$VECTORS/epcis/derived/bench/farm-10k-events.jsonld.gz"
ROUNDS=${ROUNDS:-5}

source bench/lib.sh

for round in $(seq 1 "$ROUNDS"); do
    gunzip -c "$GZ" \
        | sed -e "s/urn:epcglobal:cbv:bt:6901234000003:/urn:epcglobal:cbv:bt:6901234000009:/g" \
              -e "s/\"note /\"round $round note /g" >"$work/round-$round.jsonld"
done

bench_start

now() { date +%s.%N; }
total_events=0
start=$(now)
for round in $(seq 1 "$ROUNDS"); do
    round_start=$(now)
    status=$(curl -s -o "$work/response" -w '%{http_code}' -X POST "$base/epcis/capture" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/ld+json' \
        --data-binary "@$work/round-$round.jsonld")
    if [ "$status" != 202 ]; then
        echo "round $round: HTTP $status: $(head -c 400 "$work/response")" >&2
        exit 1
    fi
    stored=$(grep -o '"eventsStored":[0-9]*' "$work/response" | cut -d: -f2)
    total_events=$((total_events + stored))
    printf 'round %d: %d events in %.3f s\n' "$round" "$stored" "$(echo "$(now) - $round_start" | bc)"
done
elapsed=$(echo "$(now) - $start" | bc)
peak=$(grep VmHWM "/proc/$server/status" | awk '{print $2}')
# The server's own CPU time (user + system), to say how much of the machine a capture takes.
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server/stat")
printf '%s: %d events captured durably in %.2f s = %.0f events/s; server peak RSS %d MB; server CPU %.1f s (%.0f µs per event)\n' \
    "$backend" "$total_events" "$elapsed" "$(echo "$total_events / $elapsed" | bc -l)" $((peak / 1024)) \
    "$cpu" "$(echo "$cpu * 1000000 / $total_events" | bc -l)"
