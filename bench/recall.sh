#!/usr/bin/env bash
# Recall and trace latency in a large store: `retu serve` (release build) is loaded with CHAINS
# generated tea chains (bench/tea_chains.py: nine events each — harvest, five transformation
# hops, tins commissioned into the last lot, a case, a shipment), then chains are recalled by
# their harvest lot, one after another, through POST /api/recalls, and traced down with
# GET /api/trace. Prints each latency, the medians, and the server's peak resident memory.
#
#   CHAINS=111112 bash bench/recall.sh        # 10^6 events on SQLite in a temporary folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CHAINS=111112 bash bench/recall.sh
#
# RECALLS (default 7) says how many chains are recalled; they are spread over the store.
# WIDE (default 10000) adds one chain whose last lot becomes WIDE tins in WIDE/20 cases shipped
# to 200 shops, recalled after the others: a recall that fans out (0 leaves it out).
set -euo pipefail
cd "$(dirname "$0")/.."

CHAINS=${CHAINS:-111112}
RECALLS=${RECALLS:-7}
WIDE=${WIDE:-10000}

source bench/lib.sh
events=$(python3 bench/tea_chains.py "$work/docs" "$CHAINS")
bench_start
load_start=$(date +%s.%N)
bench_load -- "$work"/docs/*.jsonld
printf '%s: loaded %d events in %.0f s\n' "$backend" "$events" "$(echo "$(date +%s.%N) - $load_start" | bc)"

source bench/stats.sh
: >"$work/recalls"
: >"$work/traces"
for i in $(seq 1 "$RECALLS"); do
    chain=$(( (CHAINS - 1) * i / (RECALLS + 1) ))
    lot="urn:epc:class:lgtin:6901234.012345.H$chain"
    trace=$(curl -s -o "$work/trace" -w '%{time_total}' -H "Authorization: Bearer $token" \
        "$base/api/trace?id=$lot&direction=down&depth=64")
    recall=$(curl -s -o "$work/recall" -w '%{time_total}' -X POST "$base/api/recalls" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data "{\"id\":\"$lot\",\"reason\":\"benchmark\"}")
    python3 - "$work/recall" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
a = r["affected"]
# Five hops, four tins, one case, one shop: the whole chain and nothing else.
assert len(a["epcs"]) == 4 and len(a["lots"]) == 6 and len(a["sscc"]) == 1, r
assert r["events"] == 9, r
PY
    echo "$trace" >>"$work/traces"
    echo "$recall" >>"$work/recalls"
    printf 'chain %d: trace down %.1f ms, recall %.1f ms\n' "$chain" \
        "$(echo "$trace * 1000" | bc)" "$(echo "$recall * 1000" | bc)"
done
if [ "$WIDE" -gt 0 ]; then
    python3 bench/tea_chains.py --wide "$work/wide.jsonld" "$WIDE" >/dev/null
    status=$(curl -s -o "$work/response" -w '%{http_code}' -X POST "$base/epcis/capture" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/ld+json' \
        --data-binary "@$work/wide.jsonld")
    [ "$status" = 202 ] || { echo "wide chain: HTTP $status" >&2; exit 1; }
    lot="urn:epc:class:lgtin:6901234.012345.H9999999"
    wide=$(curl -s -o "$work/recall" -w '%{time_total}' -X POST "$base/api/recalls" \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data "{\"id\":\"$lot\",\"reason\":\"benchmark\"}")
    python3 - "$work/recall" "$WIDE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
tins = int(sys.argv[2])
a = r["affected"]
assert len(a["epcs"]) == tins and len(a["sscc"]) == (tins + 19) // 20, {k: len(v) for k, v in a.items()}
PY
    printf 'wide chain: recall of one harvest reaching %d tins in %d cases: %.1f ms\n' \
        "$WIDE" $(((WIDE + 19) / 20)) "$(echo "$wide * 1000" | bc)"
fi
peak=$(grep VmHWM "/proc/$server/status" | awk '{print $2}')
printf '%s, %d events: median trace down %.1f ms, median recall %.1f ms (5 transformation hops); server peak RSS %d MB\n' \
    "$backend" "$events" "$(median <"$work/traces" | awk '{print $1 * 1000}')" \
    "$(median <"$work/recalls" | awk '{print $1 * 1000}')" $((peak / 1024))
