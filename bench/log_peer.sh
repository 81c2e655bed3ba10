#!/usr/bin/env bash
# Peer benchmark, side by side in one run: `retu log append` (release) and pymerkle 7.0.0 append
# the same N entries (default 10^6 lines "entry-0", "entry-1", …) and must reach the same RFC 9162
# root. Retu writes a C2SP tlog-tiles directory to disk and signs a checkpoint; pymerkle builds
# its tree in memory. Each side runs RUNS times (default 3); the script prints every run, the
# medians, the ratio and each side's peak resident memory (GNU time). Then inclusion proofs at
# 10^6 leaves, in the same run: pymerkle's median of 2,000 (bench/pymerkle_peer.py) beside
# criterion's estimates for Retu from C2SP tiles and from expanded tiles (`cargo bench -p tlog`),
# unless PROOFS=0.
#
#   pip install pymerkle==7.0.0
#   bash bench/log_peer.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${RUNS:-3}
PY=${PYTHON:-python3}
"$PY" -c 'import pymerkle' 2>/dev/null || { echo "pymerkle is not installed for $PY: pip install pymerkle==7.0.0" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install time" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet -p retu
retu=$PWD/target/release/retu
seq -f 'entry-%.0f' 0 $((n - 1)) >"$work/entries"
"$retu" keygen --name bench.example/log --out "$work/log.key" >/dev/null

source bench/stats.sh
retu_times=() peer_times=() retu_kib=() peer_kib=()
for run in $(seq 1 "$runs"); do
    rm -rf "$work/log"
    /usr/bin/time -f '%e %M' -o "$work/time" "$retu" log append --key "$work/log.key" "$work/log" "$work/entries" >"$work/retu.out"
    read -r seconds kib <"$work/time"
    retu_root=$(sed -n 's/.* root //p' "$work/retu.out")
    retu_times+=("$seconds") retu_kib+=("$kib")

    /usr/bin/time -f '%e %M' -o "$work/time" "$PY" bench/pymerkle_peer.py --entries "$work/entries" >"$work/peer.out"
    read -r _ _ peer_root <"$work/peer.out"
    read -r seconds kib <"$work/time"
    peer_times+=("$seconds") peer_kib+=("$kib")
    if [ "$retu_root" != "$peer_root" ]; then
        echo "the roots differ: retu $retu_root, pymerkle $peer_root" >&2
        exit 1
    fi
    echo "run $run: retu log append ${retu_times[-1]} s, ${retu_kib[-1]} KiB peak; pymerkle ${peer_times[-1]} s, ${peer_kib[-1]} KiB peak; root $retu_root"
done
retu_s=$(printf '%s\n' "${retu_times[@]}" | median)
peer_s=$(printf '%s\n' "${peer_times[@]}" | median)
retu_m=$(printf '%s\n' "${retu_kib[@]}" | median)
peer_m=$(printf '%s\n' "${peer_kib[@]}" | median)
printf 'median of %d, %d entries (process start included)\n' "$runs" "$n"
printf 'retu log append (tiles on disk, signed): %7.2f s  %10.0f entries/s  peak %6.0f MiB\n' "$retu_s" "$(echo "$n / $retu_s" | bc -l)" "$(echo "$retu_m / 1024" | bc -l)"
printf 'pymerkle 7.0.0 (in memory):              %7.2f s  %10.0f entries/s  peak %6.0f MiB\n' "$peer_s" "$(echo "$n / $peer_s" | bc -l)" "$(echo "$peer_m / 1024" | bc -l)"
printf 'ratio: %.1fx faster, %.1fx less memory\n' "$(echo "$peer_s / $retu_s" | bc -l)" "$(echo "$peer_m / $retu_m" | bc -l)"

[ "${PROOFS:-1}" = 0 ] && exit 0
echo "inclusion proofs at 10^6 leaves"
"$PY" bench/pymerkle_peer.py 1000000 | grep 'inclusion proof'
cargo bench --quiet -p tlog --bench tlog -- 'proof from tiles/inclusion, 10\^6' --noplot 2>/dev/null \
    | grep -E '^proof from tiles|time:' | paste - - | sed -E 's/ +/ /g'
