#!/usr/bin/env bash
# Peer benchmark: `retu hash` (release build) beside GS1's reference implementation of the
# EPCIS event hash ID (`python -m epcis_event_hash_generator`, PyPI epcis-event-hash-generator
# 1.9.3), on the same decompressed 10,000-event JSON-LD file, same machine, one run each.
# It checks that both print the same 10,000 hashes, then prints events/s and the ratio.
#
#   python3 -m venv /tmp/ehg && /tmp/ehg/bin/pip install epcis-event-hash-generator==1.9.3
#   PYTHON=/tmp/ehg/bin/python bash bench/event_hash_peer.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VECTORS=${RETU_VECTORS:-$PWD/../shared/vectors}
GZ="$VECTORS/epcis/derived/bench/farm-10k-events.jsonld.gz"
PY=${PYTHON:-python3}
if ! "$PY" -c 'import epcis_event_hash_generator' 2>/dev/null; then
    echo "the reference is not installed for $PY: pip install epcis-event-hash-generator==1.9.3" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
input="$work/farm-10k-events.jsonld"
gunzip -c "$GZ" >"$input"

cargo build --release --quiet -p retu
retu=target/release/retu

now() { date +%s.%N; }

start=$(now)
"$retu" hash "$input" >"$work/retu.hashes"
retu_s=$(echo "$(now) - $start" | bc -l)

start=$(now)
"$PY" -m epcis_event_hash_generator "$input" 2>/dev/null | grep '^ni:///' >"$work/reference.hashes"
ref_s=$(echo "$(now) - $start" | bc -l)

events=$(wc -l <"$work/retu.hashes")
ref_events=$(wc -l <"$work/reference.hashes")
differ=$(diff "$work/retu.hashes" "$work/reference.hashes" | grep -c '^<' || true)
echo "events: retu $events, reference $ref_events, differing hashes: $differ"
if [ "$events" != "$ref_events" ] || [ "$differ" != 0 ]; then
    echo "the two implementations disagree on this file" >&2
    exit 1
fi

printf 'retu hash (release):          %8.3f s  %10.0f events/s\n' "$retu_s" "$(echo "$events / $retu_s" | bc -l)"
printf 'epcis_event_hash_generator:   %8.3f s  %10.0f events/s\n' "$ref_s" "$(echo "$events / $ref_s" | bc -l)"
printf 'ratio: %.0fx faster\n' "$(echo "$ref_s / $retu_s" | bc -l)"
