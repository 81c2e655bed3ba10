"""Peer benchmark: pymerkle 7.0.0 (Python) on the same workload as `cargo bench -p tlog`.

Appends the entries u64_be(0..N) to pymerkle's InmemoryTree one at a time, checks the root
against the RFC 9162 root of the same leaves (so both sides did the same work), and times
inclusion proofs at size N. Run: pip install pymerkle==7.0.0 && python3 bench/pymerkle_peer.py

`python3 bench/pymerkle_peer.py --entries FILE` appends the lines of FILE instead and prints the
count, the seconds and the root (bench/log_peer.sh runs it beside `retu log append`).
"""

import random
import statistics
import sys
import time

from pymerkle import InmemoryTree

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "--entries" else 1_000_000
# RFC 9162 root of u64_be(0..10^6), from shared/vectors/tlog/generated/rfc9162_accumulated_n1-256.json.
KNOWN_ROOTS = {1_000_000: "8ed0805dba1b06ac61a0a2fd76302bbdff69af7305fe8dd16e1dd05ce3ea3295"}


def append_file(path: str) -> None:
    """Appends each line of `path` (without its line end) as one entry, as `retu log append`
    does, and prints the time and the root in base64, for bench/log_peer.sh to compare."""
    import base64

    with open(path, "rb") as file:
        entries = file.read().split(b"\n")
    if entries and entries[-1] == b"":
        entries.pop()
    tree = InmemoryTree(algorithm="sha256")
    started = time.perf_counter()
    for entry in entries:
        tree.append_entry(entry)
    root = tree.get_root()
    elapsed = time.perf_counter() - started
    print(f"{len(entries)} {elapsed:.3f} {base64.b64encode(root).decode()}")


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--entries":
        append_file(sys.argv[2])
        return
    tree = InmemoryTree(algorithm="sha256")
    started = time.perf_counter()
    for i in range(N):
        tree.append_entry(i.to_bytes(8, "big"))
    elapsed = time.perf_counter() - started
    root = tree.get_root().hex()
    if N in KNOWN_ROOTS and root != KNOWN_ROOTS[N]:
        raise SystemExit(f"pymerkle root {root} differs from the RFC 9162 root")
    print(f"pymerkle append: {N} entries in {elapsed:.2f} s = {N / elapsed:,.0f} entries/s")

    rng = random.Random(7)
    samples = []
    for _ in range(2000):
        index = rng.randrange(1, N + 1)  # pymerkle counts leaves from 1
        started = time.perf_counter()
        tree.prove_inclusion(index, N)
        samples.append(time.perf_counter() - started)
    print(f"pymerkle inclusion proof at size {N}: median {statistics.median(samples) * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
