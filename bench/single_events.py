#!/usr/bin/env python3
"""Load generator: many clients each POSTing one event at a time to /epcis/events.

This is how phones and scanners capture (one harvest, one inspection at a time), so it measures
what group commit is for: every 201 means the event is committed, and concurrent requests share
transactions. Standard library only.

    python3 bench/single_events.py URL TOKEN [--clients 32] [--seconds 10]

Prints events/s and latency percentiles. Each event is new (a unique serial number).
"""

import argparse
import http.client
import json
import threading
import time
import urllib.parse


def event(client: int, n: int) -> bytes:
    return json.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "ObjectEvent",
            "eventTime": "2026-04-01T08:00:00+08:00",
            "eventTimeZoneOffset": "+08:00",
            "epcList": [f"https://id.gs1.org/01/06901234000017/21/C{client}N{n}T{time.time_ns()}"],
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00000.0"},
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("token")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    target = urllib.parse.urlsplit(args.url)

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def client(number: int) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        mine = []
        n = 0
        while time.monotonic() < deadline:
            body = event(number, n)
            started = time.monotonic()
            connection.request(
                "POST",
                "/epcis/events",
                body=body,
                headers={
                    "Authorization": f"Bearer {args.token}",
                    "Content-Type": "application/ld+json",
                },
            )
            response = connection.getresponse()
            answer = response.read()
            if response.status != 201:
                with lock:
                    failures.append(f"{response.status}: {answer[:200]!r}")
                return
            mine.append(time.monotonic() - started)
            n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, first: {failures[0]}")
    latencies.sort()

    def percentile(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"{args.clients} clients: {len(latencies)} events in {elapsed:.1f} s = "
        f"{len(latencies) / elapsed:.0f} events/s; latency p50 {percentile(0.5):.1f} ms, "
        f"p99 {percentile(0.99):.1f} ms"
    )


if __name__ == "__main__":
    main()
