#!/usr/bin/env bash
# Peer benchmark: `retu hash` (release build) beside GS1's reference implementation of the
# EPCIS event hash ID (`python -m epcis_event_hash_generator`, PyPI epcis-event-hash-generator
# 1.9.3), on the same decompressed 10,000-event JSON-LD file, same machine, RUNS runs each
# (default 3), alternating. It checks that both print the same 10,000 hashes, then prints each
# run, the medians, the ratio and each side's peak resident memory (GNU time).
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

[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }
source bench/stats.sh
runs=${RUNS:-3}
retu_times=() ref_times=() retu_kib=() ref_kib=()
for run in $(seq 1 "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" "$retu" hash "$input" >"$work/retu.hashes"
    read -r seconds kib <"$work/time"
    retu_times+=("$seconds") retu_kib+=("$kib")
    /usr/bin/time -f '%e %M' -o "$work/time" "$PY" -m epcis_event_hash_generator "$input" 2>/dev/null >"$work/reference.out"
    read -r seconds kib <"$work/time"
    ref_times+=("$seconds") ref_kib+=("$kib")
    grep '^ni:///' "$work/reference.out" >"$work/reference.hashes"

    events=$(wc -l <"$work/retu.hashes")
    ref_events=$(wc -l <"$work/reference.hashes")
    differ=$(diff "$work/retu.hashes" "$work/reference.hashes" | grep -c '^<' || true)
    if [ "$events" != "$ref_events" ] || [ "$differ" != 0 ]; then
        echo "run $run: the two implementations disagree: retu $events, reference $ref_events events, $differ differ" >&2
        exit 1
    fi
    echo "run $run: $events events, same hashes; retu ${retu_times[-1]} s, ${retu_kib[-1]} KiB peak; reference ${ref_times[-1]} s, ${ref_kib[-1]} KiB peak"
done
retu_s=$(printf '%s\n' "${retu_times[@]}" | median)
ref_s=$(printf '%s\n' "${ref_times[@]}" | median)
retu_m=$(printf '%s\n' "${retu_kib[@]}" | median)
ref_m=$(printf '%s\n' "${ref_kib[@]}" | median)
echo "median of $runs (GNU time's wall clock has 10 ms resolution)"
printf 'retu hash (release):          %8.2f s  %10.0f events/s  peak %5.0f MiB\n' "$retu_s" "$(echo "$events / $retu_s" | bc -l)" "$(echo "$retu_m / 1024" | bc -l)"
printf 'epcis_event_hash_generator:   %8.2f s  %10.0f events/s  peak %5.0f MiB\n' "$ref_s" "$(echo "$events / $ref_s" | bc -l)" "$(echo "$ref_m / 1024" | bc -l)"
printf 'ratio: %.1fx faster, %.1fx less memory\n' "$(echo "$ref_s / $retu_s" | bc -l)" "$(echo "$ref_m / $retu_m" | bc -l)"
