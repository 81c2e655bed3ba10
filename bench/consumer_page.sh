#!/usr/bin/env bash
# The consumer page under load in a large store: `retu serve` (release build) is loaded with
# CHAINS generated tea chains (bench/tea_chains.py, nine events each, captured as shared so the
# page shows them), then wrk asks for the consumer pages of random tins
# (GET /item/01/{gtin}/21/{serial}: lineage both ways, the evidence of ten records with their
# tlog-proofs, certificates, recalls and the scan count) for DURATION seconds, once per entry of
# CONNECTIONS: one connection shows the server time of a page, more show throughput (and how
# latency grows once the cores are busy), RUNS times each (default 3). Prints wrk's latency
# distributions, the page size, the medians of the runs (with every run's p99) and the server's
# peak memory.
#
#   CHAINS=111112 bash bench/consumer_page.sh        # 10^6 events on SQLite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres CHAINS=111112 bash bench/consumer_page.sh
#
# Needs wrk (Debian package `wrk`). wrk runs on the same machine as the server, so the two
# share its cores; the figures are a floor for a dedicated server.
set -euo pipefail
cd "$(dirname "$0")/.."

CHAINS=${CHAINS:-111112}
DURATION=${DURATION:-30}
CONNECTIONS=${CONNECTIONS:-1 16}
THREADS=${THREADS:-2}

command -v wrk >/dev/null || { echo "install wrk (apt-get install -y wrk)" >&2; exit 1; }
source bench/lib.sh
events=$(python3 bench/tea_chains.py "$work/docs" "$CHAINS")
bench_start
load_start=$(date +%s.%N)
bench_load -H 'Retu-Shared: true' -- "$work"/docs/*.jsonld
printf '%s: loaded %d events in %.0f s\n' "$backend" "$events" "$(echo "$(date +%s.%N) - $load_start" | bc)"
# Wait until the published checkpoint covers every event, so every page carries its proofs.
for _ in $(seq 1 600); do
    size=$(curl -s "$base/log/checkpoint" | sed -n 2p)
    [ "${size:-0}" -ge "$events" ] && break
    sleep 1
done
echo "checkpoint size: $size"

# Tins are urn:epc:id:sgtin:6901234.033333.{chain}-{0..3}: GTIN 0 6901234 33333 + check digit.
gtin=$(python3 -c '
body = "0690123433333"
total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
print(body + str((10 - total % 10) % 10))')
sample="/item/01/$gtin/21/$((CHAINS / 2))-1"
curl -s -o "$work/page.html" -w 'sample page %{http_code}: %{size_download} bytes' "$base$sample"
echo " ($sample)"
grep -q 'data-index' "$work/page.html" || { echo "the sample page shows no events" >&2; exit 1; }
scripts=$(( $(curl -s "$base/assets/verify.js" | wc -c) + $(curl -s "$base/assets/consumer.js" | wc -c) ))
echo "scripts: $scripts bytes (cached for a year after the first load)"

cat >"$work/pages.lua" <<LUA
math.randomseed(os.time())
request = function()
  local chain = math.random(0, $CHAINS - 1)
  local tin = math.random(0, 3)
  return wrk.format("GET", "/item/01/$gtin/21/" .. chain .. "-" .. tin)
end
LUA
# wrk prints latencies as 850.00us, 4.10ms or 1.20s; the summary is in milliseconds.
to_ms() { awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/) v *= 1000; printf "%.2f\n", v }'; }
source bench/stats.sh
: >"$work/summary"
for connections in $CONNECTIONS; do
    threads=$THREADS
    [ "$connections" -lt "$threads" ] && threads=$connections
    : >"$work/runs"
    for run in $(seq 1 "${RUNS:-3}"); do
        wrk -t"$threads" -c"$connections" -d"${DURATION}s" --latency -s "$work/pages.lua" "$base" | tee "$work/wrk"
        if grep -q "Non-2xx" "$work/wrk"; then
            echo "some pages did not answer 200" >&2
            exit 1
        fi
        printf '%s %s %s\n' "$(awk '/Requests\/sec/ {print $2}' "$work/wrk")" \
            "$(awk '$1 == "50%" {print $2}' "$work/wrk" | to_ms)" \
            "$(awk '$1 == "99%" {print $2}' "$work/wrk" | to_ms)" >>"$work/runs"
    done
    printf '%s, %d events, %d connection(s), median of %d runs of %ss: %s requests/s, p50 %s ms, p99 %s ms (runs: %s)\n' \
        "$backend" "$events" "$connections" "${RUNS:-3}" "$DURATION" \
        "$(cut -d' ' -f1 "$work/runs" | median)" "$(cut -d' ' -f2 "$work/runs" | median)" \
        "$(cut -d' ' -f3 "$work/runs" | median)" "$(cut -d' ' -f3 "$work/runs" | paste -sd/)" >>"$work/summary"
done
peak=$(grep VmHWM "/proc/$server/status" | awk '{print $2}')
cat "$work/summary"
printf 'server peak RSS %d MB\n' $((peak / 1024))
