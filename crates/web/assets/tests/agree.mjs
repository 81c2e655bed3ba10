// Verdicts of verify.js for the cases written by crates/tlog/tests/js_agreement.rs.
// Usage: node agree.mjs <cases.json>
// Input:  { "cases": [{ "name", "proof": b64, "policy": b64, "entry": b64 | "leafHash": b64 }] }
// Output (stdout): a JSON array, one { name, ok, reason, size, index, cosigned, knownWitnesses }
// per case, with BigInts as decimal strings. Exit status 0 unless the input cannot be read.

import { readFileSync } from 'node:fs';
import { parsePolicy, verifyTlogProof } from '../verify.js';

const bytes = (b64) => new Uint8Array(Buffer.from(b64, 'base64'));
const { cases } = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// Most cases share a policy: parse each distinct one once and pass the result, as a page would.
// A policy that does not parse goes in as bytes, so that verifyTlogProof reports it itself.
const policies = new Map();
const policyFor = (b64) => {
  if (!policies.has(b64)) policies.set(b64, parsePolicy(bytes(b64)).catch(() => bytes(b64)));
  return policies.get(b64);
};

async function verdict(c) {
  const entry = c.leafHash === undefined ? bytes(c.entry) : { leafHash: bytes(c.leafHash) };
  const r = await verifyTlogProof(bytes(c.proof), entry, await policyFor(c.policy));
  return {
    name: c.name,
    ok: r.ok,
    reason: r.reason ?? null,
    detail: r.detail ?? null,
    size: r.size === undefined ? null : String(r.size),
    index: r.index === undefined ? null : String(r.index),
    cosigned: r.cosigned?.map((x) => [x.witness, String(x.timestamp)]) ?? null,
    knownWitnesses: r.knownWitnesses ?? null,
  };
}

// Many cases at a time: WebCrypto work runs on a thread pool.
const out = [];
for (let i = 0; i < cases.length; i += 64) out.push(...await Promise.all(cases.slice(i, i + 64).map(verdict)));
process.stdout.write(JSON.stringify(out));
