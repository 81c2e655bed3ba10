#!/usr/bin/env python3
"""Writes EPCIS 2.0 JSON-LD documents of generated tea chains, for the recall benchmark.

Each chain is nine events: a harvest lot commissioned at a plot (ILMD lotNumber), five
transformations (withering, rolling, fermenting, drying, packing) each turning the previous lot
into the next, four serialised tins commissioned with the last lot's number (so they belong to
it), one case (SSCC) aggregating the tins, and the case shipped to one of 200 shops.

    python3 bench/tea_chains.py OUT_DIR CHAINS [CHAINS_PER_DOCUMENT]
    python3 bench/tea_chains.py --wide OUT_FILE TINS

Writes OUT_DIR/chains-00000.jsonld, ... and prints the number of events. Identifiers are EPC
URNs under company prefix 6901234 (the server's admin token may capture them).

`--wide` writes one chain (number 9999999) whose last lot becomes TINS tins, packed 20 to a case,
each case shipped to one of 200 shops: a recall that fans out.
"""
import json
import os
import sys

PREFIX = "6901234"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def lgtin(item, lot):
    return f"urn:epc:class:lgtin:{PREFIX}.{item}.{lot}"


def when(chain, step):
    # Chains start a minute apart; steps follow each other by an hour.
    minutes = chain + step * 60
    day, rest = divmod(minutes, 24 * 60)
    hour, minute = divmod(rest, 60)
    return f"2026-{4 + (day // 28) % 8:02d}-{1 + day % 28:02d}T{hour:02d}:{minute:02d}:00+08:00"


def chain_events(c):
    plot = f"urn:epc:id:sgln:{PREFIX}.{10 + c % 500:05d}.0"
    workshop = f"urn:epc:id:sgln:{PREFIX}.00002.0"
    events = [{
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": when(c, 0), "eventTimeZoneOffset": "+08:00",
        "epcList": [],
        "quantityList": [{"epcClass": lgtin("012345", f"H{c}"), "quantity": 40, "uom": "KGM"}],
        "bizLocation": {"id": plot},
        "ilmd": {"cbvmda:lotNumber": f"H{c}"},
    }]
    previous = lgtin("012345", f"H{c}")
    for hop in range(1, 6):
        output = lgtin("033333", f"T{c}") if hop == 5 else lgtin("022222", f"M{c}-{hop}")
        events.append({
            "type": "TransformationEvent", "eventTime": when(c, hop), "eventTimeZoneOffset": "+08:00",
            "inputQuantityList": [{"epcClass": previous, "quantity": 40 - hop, "uom": "KGM"}],
            "outputQuantityList": [{"epcClass": output, "quantity": 39 - hop, "uom": "KGM"}],
            "bizLocation": {"id": workshop},
        })
        previous = output
    tins = [f"urn:epc:id:sgtin:{PREFIX}.033333.{c}-{i}" for i in range(4)]
    events.append({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": when(c, 6), "eventTimeZoneOffset": "+08:00",
        "epcList": tins, "bizLocation": {"id": workshop},
        "ilmd": {"cbvmda:lotNumber": f"T{c}"},
    })
    case = f"urn:epc:id:sscc:{PREFIX}.{c:010d}"
    events.append({
        "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
        "eventTime": when(c, 7), "eventTimeZoneOffset": "+08:00",
        "parentID": case, "childEPCs": tins, "bizLocation": {"id": workshop},
    })
    events.append({
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
        "eventTime": when(c, 8), "eventTimeZoneOffset": "+08:00",
        "epcList": [case], "bizLocation": {"id": workshop},
        "destinationList": [{"type": "location",
                             "destination": f"urn:epc:id:sgln:6923456.{c % 200:05d}.0"}],
    })
    return events


def wide_chain(tins_count):
    c = 9999999
    events = chain_events(c)[:6]  # the harvest and the five transformation hops
    workshop = f"urn:epc:id:sgln:{PREFIX}.00002.0"
    tins = [f"urn:epc:id:sgtin:{PREFIX}.033333.{c}-{i}" for i in range(tins_count)]
    events.append({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": when(c, 6), "eventTimeZoneOffset": "+08:00",
        "epcList": tins, "bizLocation": {"id": workshop},
        "ilmd": {"cbvmda:lotNumber": f"T{c}"},
    })
    for n in range(0, tins_count, 20):
        case = f"urn:epc:id:sscc:{PREFIX}.{9000000000 + n // 20:010d}"
        events.append({
            "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
            "eventTime": when(c, 7), "eventTimeZoneOffset": "+08:00",
            "parentID": case, "childEPCs": tins[n:n + 20], "bizLocation": {"id": workshop},
        })
        events.append({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "eventTime": when(c, 8), "eventTimeZoneOffset": "+08:00",
            "epcList": [case], "bizLocation": {"id": workshop},
            "destinationList": [{"type": "location",
                                 "destination": f"urn:epc:id:sgln:6923456.{(n // 20) % 200:05d}.0"}],
        })
    return events


def main():
    if sys.argv[1] == "--wide":
        events = wide_chain(int(sys.argv[3]))
        document = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                    "creationDate": "2026-11-29T00:00:00Z", "epcisBody": {"eventList": events}}
        with open(sys.argv[2], "w") as f:
            json.dump(document, f, separators=(",", ":"))
        print(len(events))
        return
    out, chains = sys.argv[1], int(sys.argv[2])
    per_document = int(sys.argv[3]) if len(sys.argv) > 3 else 1100
    os.makedirs(out, exist_ok=True)
    total = 0
    for first in range(0, chains, per_document):
        events = []
        for c in range(first, min(first + per_document, chains)):
            events.extend(chain_events(c))
        total += len(events)
        document = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                    "creationDate": "2026-11-29T00:00:00Z", "epcisBody": {"eventList": events}}
        with open(os.path.join(out, f"chains-{first // per_document:05d}.jsonld"), "w") as f:
            json.dump(document, f, separators=(",", ":"))
    print(total)


if __name__ == "__main__":
    main()
