#!/usr/bin/env python3
"""A short soak: a few minutes of mixed load on a running Retu server, sampling its resident
memory, to show that memory stays flat and that nothing fails under sustained use.

The load is what a county's server sees, at once: a cooperative capturing tea chains (nine
events a request, bench/tea_chains.py), consumers opening item pages and their API with scan
beacons, an auditor reading checkpoints and proofs, and a buyer querying and tracing. Only the
standard library is used.

    python3 tests/reliability/soak.py BASE_URL TOKEN SERVER_PID SECONDS

Prints a JSON summary and exits 1 if any request failed (5xx, refused, timed out), or if memory
grew: the median resident size of the last fifth of the run may exceed that of the middle
fifth (after warm-up: SQLite's page caches and the tile cache filling, the allocator settling)
by at most 10 % and 24 MiB together. Growth that keeps pace with the run is a leak; a plateau
is a cache.
"""
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import tea_chains  # noqa: E402

base, token, pid, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + seconds
lock = threading.Lock()
counts = {}
failures = []
captured = []  # chain numbers whose capture succeeded, for the readers


def note(kind, ok, detail=""):
    with lock:
        counts[kind] = counts.get(kind, 0) + 1
        if not ok:
            failures.append(f"{kind}: {detail}")


def request(kind, path, body=None, headers=None, auth=False):
    headers = dict(headers or {})
    if auth:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=body, headers=headers,
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            response.read()
            note(kind, True)
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        # 4xx are answers (a trace of a lot not yet published, say); 5xx are failures.
        note(kind, error.code < 500, f"{error.code} {path}")
        return error.code
    except Exception as error:  # refused, reset, timed out
        note(kind, False, f"{error!r} {path}")
        return None


def writer(start):
    chain = start
    while time.monotonic() < deadline:
        document = {
            "@context": tea_chains.CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2026-04-01T00:00:00Z",
            "epcisBody": {"eventList": tea_chains.chain_events(chain)},
        }
        status = request("capture", "/epcis/capture", json.dumps(document).encode(),
                         {"Content-Type": "application/ld+json", "Retu-Shared": "true"}, auth=True)
        if status is not None and status < 300:
            with lock:
                captured.append(chain)
        chain += 1


def reader(kind_of_reader):
    turn = 0
    while time.monotonic() < deadline:
        with lock:
            chain = captured[-1 - (turn % max(1, min(len(captured), 50)))] if captured else None
        turn += 1
        if chain is None:
            time.sleep(0.05)
            continue
        lot = tea_chains.lgtin("033333", f"T{chain}")
        quoted = urllib.parse.quote(lot, safe="")
        if kind_of_reader == "consumer":
            request("item-api", f"/api/item?id={quoted}")
            request("scan", "/api/scans", json.dumps({"code": lot, "timeZone": "Asia/Shanghai"}).encode(),
                    {"Content-Type": "application/json"})
        elif kind_of_reader == "auditor":
            request("checkpoint", "/log/checkpoint")
            request("tile", "/log/tile/0/000")
        else:
            request("query", "/epcis/events?perPage=20&EQ_bizStep=shipping", auth=True)
            request("trace", f"/api/trace?id={quoted}&direction=up", auth=True)


def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


samples = []


def sampler():
    while time.monotonic() < deadline:
        try:
            samples.append((time.monotonic(), rss_kib()))
        except FileNotFoundError:
            failures.append("the server exited")
            return
        time.sleep(1)


threads = [threading.Thread(target=writer, args=(9_000_000 + int(time.time()) % 100_000 * 100,))]
threads += [threading.Thread(target=reader, args=(k,)) for k in ("consumer", "consumer", "auditor", "buyer")]
threads.append(threading.Thread(target=sampler))
started = time.monotonic()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
elapsed = time.monotonic() - started

values = [kib for _, kib in samples]
fifth = max(1, len(values) // 5)
early = statistics.median(values[2 * fifth:3 * fifth]) if len(values) >= 5 else 0
late = statistics.median(values[-fifth:]) if values else 0
allowed = early * 1.10 + 24 * 1024
summary = {
    "seconds": round(elapsed, 1),
    "requests": counts,
    "requestsPerSecond": round(sum(counts.values()) / elapsed, 1),
    "eventsCaptured": len(captured) * 9,
    "rssMiB": {"first": round(values[0] / 1024, 1) if values else None,
               "earlyMedian": round(early / 1024, 1), "lateMedian": round(late / 1024, 1),
               "peak": round(max(values) / 1024, 1) if values else None,
               "allowedLate": round(allowed / 1024, 1),
               "every10s": [round(kib / 1024, 1) for kib in values[::10]]},
    "failures": failures[:20],
    "failureCount": len(failures),
}
print(json.dumps(summary, indent=2))
if failures:
    print("soak: requests failed", file=sys.stderr)
    sys.exit(1)
if len(values) < 5:
    print("soak: too short to judge memory", file=sys.stderr)
    sys.exit(1)
if late > allowed:
    print(f"soak: memory grew from {early / 1024:.1f} MiB to {late / 1024:.1f} MiB", file=sys.stderr)
    sys.exit(1)
