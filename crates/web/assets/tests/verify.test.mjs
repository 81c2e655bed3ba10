// Runs verify.js against every verifier-relevant family of shared/vectors/tlog, as
// crates/tlog/tests/vectors.rs does for the Rust crate, and prints a count per family.
// Run: node --test crates/web/assets/tests/   (vectors: $RETU_VECTORS, else <repo>/../shared/vectors)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import * as v from '../verify.js';

const here = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(process.env.RETU_VECTORS ?? join(here, '../../../../../shared/vectors'), 'tlog');
if (!existsSync(VECTORS)) throw new Error(`tlog vectors not found at ${VECTORS}; set RETU_VECTORS`);

// ---- helpers ------------------------------------------------------------------------------------
const read = (p) => readFileSync(join(VECTORS, p));
// JSON with integers beyond 2^53 (one probe has 2^64 - 1): keep every long integer exact.
const json = (p) => JSON.parse(read(p).toString('utf8').replace(/([:\[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
const big = (x) => BigInt(x);
const hex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
// Lenient like the Rust harness: standard base64 decoded as is; a wrong length must then fail.
const b64 = (s) => new Uint8Array(Buffer.from(s, 'base64'));
const toHex = (b) => Buffer.from(b).toString('hex');
const sha = (b) => new Uint8Array(createHash('sha256').update(b).digest());
const utf8 = (s) => new TextEncoder().encode(s);
const u64be = (i) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(i)); return b; };
const report = (family, n) => { assert.ok(n > 0, `${family}: no cases ran`); console.log(`ok ${String(n).padStart(6)} cases  ${family}`); };
const fails = async (p) => { try { await p; return false; } catch (e) { if (!(e instanceof v.TlogError)) throw e; return true; } };
const succeeds = async (p) => !(await fails(p));
function jsonFiles(dir) {
  const out = [];
  for (const name of readdirSync(join(VECTORS, dir))) {
    const p = join(dir, name);
    if (statSync(join(VECTORS, p)).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out.sort();
}
// MTH of leaf hashes (RFC 9162 §2.1.1), to check roots independently of the proof verifier.
async function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1; while (k * 2 < leaves.length) k *= 2;
  return v.nodeHash(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}

// The left/right steps of the §2.1.3.2 verifier (crates/tlog/tests/common): sizes with the
// same steps are aliases a bare proof cannot tell apart; only the checkpoint pins the size.
function inclusionShape(index, size, len) {
  let fn = index, sn = size > 0n ? size - 1n : 0n; const shape = [];
  for (let i = 0; i < len; i++) {
    const right = (fn & 1n) === 1n || fn === sn; shape.push(right);
    if (right) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    fn >>= 1n; sn >>= 1n;
  }
  return shape.join();
}
const sameInclusionSteps = (index, size, other) => {
  const len = v.inclusionProofLength(index, size);
  return len !== null && len === v.inclusionProofLength(index, other) &&
    inclusionShape(index, size, len) === inclusionShape(index, other, len);
};
function consistencySteps(old, size, len) {
  const seeded = (old & (old - 1n)) === 0n;
  let fn = old > 0n ? old - 1n : 0n, sn = size > 0n ? size - 1n : 0n; const steps = [seeded];
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  for (let i = 0; i < (seeded ? len : Math.max(len - 1, 0)); i++) {
    const both = (fn & 1n) === 1n || fn === sn; steps.push(both);
    if (both) while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    fn >>= 1n; sn >>= 1n;
  }
  return steps.join();
}
const sameConsistencySteps = (o, n, o2, n2) => {
  const len = v.consistencyProofLength(o, n);
  return len !== null && len === v.consistencyProofLength(o2, n2) &&
    consistencySteps(o, n, len) === consistencySteps(o2, n2, len);
};
const flip = (h, bit) => { const c = h.slice(); c[bit >> 3] ^= 1 << (bit & 7); return c; };

// A reduced form of the Rust mutation sweep (which flips every bit): each proof hash gets 2 bit
// flips, the root and the leaf 3; other index, other sizes (minus aliases), extra/missing hashes.
async function inclusionMutations(leaf, index, size, proof, root) {
  const bad = [];
  proof.forEach((_, i) => [0, 255].forEach((b) => bad.push([leaf, index, size, proof.map((h, j) => j === i ? flip(h, b) : h), root])));
  for (const b of [0, 97, 255]) bad.push([leaf, index, size, proof, flip(root, b)], [flip(leaf, b), index, size, proof, root]);
  for (const i of [index - 1n, index + 1n, index ^ 1n]) if (i !== index && i >= 0n) bad.push([leaf, i, size, proof, root]);
  for (const s of [size - 1n, size + 1n, size * 2n, size / 2n]) if (s !== size && !sameInclusionSteps(index, size, s)) bad.push([leaf, index, s, proof, root]);
  bad.push([leaf, index, size, [new Uint8Array(32), ...proof], root], [leaf, index, size, [...proof, leaf], root]);
  if (proof.length) bad.push([leaf, index, size, proof.slice(1), root]);
  const rejected = await Promise.all(bad.map((args) => fails(v.verifyInclusion(...args))));
  rejected.forEach((r, i) => assert.ok(r, `inclusion ${index}/${size}: mutation ${i} verifies`));
  return bad.length;
}
async function consistencyMutations(old, size, proof, r1, r2) {
  const bad = [];
  proof.forEach((_, i) => [0, 255].forEach((b) => bad.push([old, size, proof.map((h, j) => j === i ? flip(h, b) : h), r1, r2])));
  for (const b of [0, 97, 255]) bad.push([old, size, proof, flip(r1, b), r2], [old, size, proof, r1, flip(r2, b)]);
  for (const [o, n] of [[old - 1n, size], [old + 1n, size], [old, size - 1n], [old, size + 1n], [old, size * 2n], [old, size / 2n], [old * 2n, size], [old / 2n, size]]) {
    if ((o !== old || n !== size) && !sameConsistencySteps(old, size, o, n)) bad.push([o, n, proof, r1, r2]);
  }
  bad.push([old, size, proof, r2, r1], [old, size, [new Uint8Array(32), ...proof], r1, r2], [old, size, [...proof, r1], r1, r2], [old, size, proof.slice(1), r1, r2]);
  const rejected = await Promise.all(bad.map((args) => fails(v.verifyConsistency(...args))));
  rejected.forEach((r, i) => assert.ok(r, `consistency ${old}->${size}: mutation ${i} verifies`));
  return bad.length;
}

// ---- Merkle families ----------------------------------------------------------------------------
test('rfc6962 reference tree and hasher KATs', async () => {
  const t = json('transcribed/rfc6962_reference_tree.json');
  let n = 0;
  assert.equal(toHex(sha(new Uint8Array(0))), t.emptyTreeRoot); n++;
  for (const k of t.hasher.leaf) { assert.equal(toHex(await v.leafHash(hex(k.input_hex))), k.leafHash); n++; }
  for (const k of t.hasher.node) { assert.equal(toHex(await v.nodeHash(hex(k.left), hex(k.right))), k.nodeHash); n++; }
  const rt = t.referenceTree;
  const leaves = await Promise.all(rt.leafInputs_hex.map((h) => v.leafHash(hex(h))));
  for (const [level, row] of rt.nodeHashesByLevel.entries()) {
    for (const [i, want] of row.entries()) {
      assert.equal(toHex(await mth(leaves.slice(i << level, (i + 1) << level))), want, `node ${level}/${i}`); n++;
    }
  }
  for (const [i, want] of rt.rootsBySize_1_to_8.entries()) { assert.equal(toHex(await mth(leaves.slice(0, i + 1))), want); n++; }
  for (const c of rt.inclusion) {
    if (c.leafIdx === undefined) { assert.ok(await fails(v.verifyInclusion(leaves[0], 0n, 0n, [], leaves[0]))); n++; continue; }
    await v.verifyInclusion(hex(c.leafHash), big(c.leafIdx), big(c.treeSize), c.proof.map(hex), hex(c.root)); n++;
  }
  for (const c of rt.consistency) {
    await v.verifyConsistency(big(c.size1), big(c.size2), c.proof.map(hex), hex(c.root1), hex(c.root2)); n++;
  }
  const real = t.realCTLogInclusion, leaf = await v.leafHash(hex(real.leafInput_hex));
  assert.equal(toHex(leaf), real.leafHash);
  await v.verifyInclusion(leaf, big(real.leafIndex), big(real.treeSize), real.proof.map(hex), hex(real.root));
  report('rfc6962 reference tree and hasher KATs', n + 1);
});

// The one probe expecting success with 12-byte roots: 32-byte hashes only (docs/tlog.md), so it
// is an error here exactly as in the Rust suite.
const TWELVE_BYTE_ROOT_PROBE = 'sizes-are-equal-one-and-proof-is-empty.json';

test('transparency-dev inclusion and consistency probes', async () => {
  const inc = jsonFiles('transparency-dev-merkle/inclusion');
  for (const f of inc) {
    const c = json(f);
    const ok = await succeeds(v.verifyInclusion(b64(c.leafHash), big(c.leafIdx), big(c.treeSize), (c.proof ?? []).map(b64), b64(c.root)));
    assert.equal(ok, !c.wantErr, f);
  }
  report('transparency-dev inclusion probes', inc.length);
  const con = jsonFiles('transparency-dev-merkle/consistency');
  for (const f of con) {
    const c = json(f);
    const want = f.endsWith(TWELVE_BYTE_ROOT_PROBE) ? false : !c.wantErr;
    const ok = await succeeds(v.verifyConsistency(big(c.size1), big(c.size2), (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)));
    assert.equal(ok, want, f);
  }
  report('transparency-dev consistency probes', con.length);
});

test('generated explicit proofs n<=32', async () => {
  const g = json('generated/rfc9162_explicit_n1-32.json');
  const leaves = await Promise.all([...Array(32).keys()].map((i) => v.leafHash(u64be(i))));
  const roots = new Map(g.roots.map((r) => [big(r.treeSize), b64(r.root)]));
  for (let n = 1; n <= 32; n++) assert.deepEqual(await mth(leaves.slice(0, n)), roots.get(big(n)), `root ${n}`);
  let mutations = 0;
  for (const c of g.inclusion) {
    const [i, n] = [big(c.leafIdx), big(c.treeSize)], leaf = await v.leafHash(b64(c.leafData)), proof = c.proof.map(b64);
    assert.deepEqual(leaf, b64(c.leafHash));
    assert.deepEqual(b64(c.root), roots.get(n));
    await v.verifyInclusion(leaf, i, n, proof, b64(c.root));
    mutations += await inclusionMutations(leaf, i, n, proof, b64(c.root));
  }
  for (const c of g.consistency) {
    const [m, n] = [big(c.size1), big(c.size2)], proof = c.proof.map(b64);
    await v.verifyConsistency(m, n, proof, b64(c.root1), b64(c.root2));
    mutations += await consistencyMutations(m, n, proof, b64(c.root1), b64(c.root2));
  }
  assert.equal(g.inclusion.length, 528); assert.equal(g.consistency.length, 496);
  report(`generated explicit proofs n<=32 (${g.inclusion.length} inclusion + ${g.consistency.length} consistency, ${mutations} mutations all rejected, 32 roots)`, g.inclusion.length + g.consistency.length + 32);
});

test('sigsum-rs inclusion proofs', async () => {
  let n = 0;
  for (const [file, want] of [['inclusion-valid.json', true], ['inclusion-invalid.json', false]]) {
    for (const c of json(`sigsum-rs/${file}`)) {
      const ok = await succeeds(v.verifyInclusion(b64(c.leaf_hash), big(c.leaf_index), big(c.tree_size), c.inclusion_path.map(b64), b64(c.root_hash)));
      assert.equal(ok, want, `${file}: ${c.comment ?? ''}`); n++;
    }
  }
  assert.equal(n, 8);
  report('sigsum-rs inclusion proofs', n);
});

test('azul Argon2020 real-log proofs (961,984,011 leaves)', async () => {
  const dir = 'azul-argon2020', sth = json(`${dir}/get-sth`), size = big(sth.tree_size), root = b64(sth.sha256_root_hash);
  const entry = json(`${dir}/get-entries-start-10000-end-10000`).entries[0];
  const leaf = await v.leafHash(b64(entry.leaf_input));
  const proofFile = readdirSync(join(VECTORS, dir)).find((f) => f.startsWith('get-proof-by-hash'));
  const p = json(`${dir}/${proofFile}`), path = p.audit_path.map(b64);
  assert.equal(path.length, 30);
  await v.verifyInclusion(leaf, big(p.leaf_index), size, path, root);
  const m1 = await inclusionMutations(leaf, big(p.leaf_index), size, path, root);
  // The old root for 3,654,490 is quoted in MANIFEST.md (from the upstream test code).
  const oldRoot = read('MANIFEST.md').toString().split('The old root for that size, `')[1]?.split('`')[0];
  assert.ok(oldRoot, 'MANIFEST.md no longer quotes the Argon2020 old root');
  const cons = json(`${dir}/get-sth-consistency-first-3654490-second-961984011`).consistency.map(b64);
  await v.verifyConsistency(3654490n, size, cons, b64(oldRoot), root);
  const m2 = await consistencyMutations(3654490n, size, cons, b64(oldRoot), root);
  report(`azul Argon2020 real-log proofs (inclusion + consistency; ${m1 + m2} mutations rejected)`, 2);
});

test('sizes up to 2^63 - 1 are exact (BigInt)', async () => {
  // A synthetic proof in a tree of 2^63 - 1 leaves: the verifier computes a root; that root must
  // verify, and neighbours (index ±1, size −1) must not — exercising 63-level arithmetic.
  let n = 0;
  for (const [index, size] of [[(1n << 63n) - 2n, (1n << 63n) - 1n], [(1n << 62n) + 12345n, (1n << 63n) - 1n], [2n ** 53n + 1n, 2n ** 53n + 3n], [0n, 2n ** 64n - 1n]]) {
    const len = v.inclusionProofLength(index, size), leaf = sha(utf8(`leaf ${index}`));
    const proof = [...Array(len).keys()].map((i) => sha(utf8(`p${i}`)));
    const root = await v.rootFromInclusionProof(leaf, index, size, proof);
    await v.verifyInclusion(leaf, index, size, proof, root);
    assert.ok(await fails(v.verifyInclusion(leaf, index + 1n, size, proof, root)));
    assert.ok(await fails(v.verifyInclusion(leaf, index - 1n, size, proof, root)));
    assert.ok(await fails(v.verifyInclusion(leaf, index, size, proof.slice(1), root)));
    n++;
  }
  // The last leaf of 2^63 - 1: index = size - 1, so the path is all border nodes, popcount(index).
  assert.equal(v.inclusionProofLength((1n << 63n) - 2n, (1n << 63n) - 1n), 62);
  report('BigInt sizes near 2^53, 2^63 and 2^64', n);
});

// ---- notes, checkpoints, cosignatures ------------------------------------------------------------
const transcribed = () => json('transcribed/signed_note_checkpoint_cosig_proof.json');
const generated = () => json('generated/checkpoint_cosign_proof_witness.json');

test('tessera test log checkpoints', async () => {
  const g = generated(), key = await v.parseVkey(g.log.vkey);
  assert.equal(key.keyId.toString(16), '33d7b496');
  const leaves = await Promise.all(g.log.entries_utf8.map((e) => v.leafHash(utf8(e))));
  for (let size = 0; size <= 15; size++) {
    const note = v.parseNote(read(`tessera-testdata-log/checkpoint.${size}`));
    assert.deepEqual(await v.verifyNote(note, [key]), [key]);
    const cp = v.parseCheckpoint(note.text);
    assert.equal(cp.origin, key.name); assert.equal(cp.size, big(size));
    assert.deepEqual(cp.root, size ? await mth(leaves.slice(0, size)) : sha(new Uint8Array(0)));
  }
  report('tessera test log checkpoints (signature, origin, size, root)', 16);
});

test('signed notes and keys', async () => {
  const s = transcribed().signed_note;
  let n = 0;
  for (const k of s.keys) {
    const key = await v.parseVkey(k.vkey);
    assert.equal(key.keyId.toString(16).padStart(8, '0'), k.keyID_hex);
    assert.equal(await v.keyId(key.name, 1, key.publicKey), key.keyId); n++;
  }
  for (const c of s.valid_notes) {
    const keys = await Promise.all(c.verifiers.map(v.parseVkey));
    let got;
    try { const note = v.parseNote(utf8(c.note)); got = { note, verified: await v.verifyNote(note, keys) }; } catch (e) { got = e; }
    if (c.expect.startsWith('ok')) {
      assert.ok(!(got instanceof Error), `${c.expect}: ${got.message}`);
      const names = got.verified.map((k) => k.name);
      const list = (label) => c.expect.split(`${label}=[`)[1]?.split(']')[0].split(', ');
      if (list('verified')) assert.deepEqual(names, list('verified'));
      for (const u of list('unverified') ?? []) assert.ok(got.note.signatures.some((x) => x.name === u) && !names.includes(u));
    } else {
      const code = c.expect.includes('no verifiable') ? 'NoKnownSignature' : c.expect.includes('invalid signature') ? 'InvalidSignature' : 'Malformed';
      assert.equal(got.code, code, c.expect);
    }
    n++;
  }
  for (const c of s.malformed_notes) {
    let bytes = utf8(c.note);
    if (c.why.includes('0xff')) { // JSON holds U+00FF; MANIFEST.md says restore the raw byte
      const at = Buffer.from(bytes).indexOf(Buffer.from('\u00ff'));
      bytes = new Uint8Array([...bytes.slice(0, at), 0xff, ...bytes.slice(at + 2)]);
    }
    assert.throws(() => v.parseNote(bytes), { code: 'Malformed' }, c.why); n++;
  }
  for (const c of s.invalid_vkeys) {
    const good = c.vkey.startsWith('any proper substring') ? c.vkey.split(' of ')[1] : null;
    if (!good) { assert.ok(await fails(v.parseVkey(c.vkey)), c.vkey); n++; continue; }
    // golang/mod TestNewVerifier: every truncation and every single-byte increment fails.
    const raw = utf8(good);
    for (let i = 0; i < raw.length; i++) {
      assert.ok(await fails(v.parseVkey(good.slice(0, i))), `prefix ${i}`);
      const m = raw.slice(); m[i]++;
      assert.ok(await fails(v.parseVkey(new TextDecoder().decode(m))), `increment ${i}`); n++;
    }
    assert.ok(await succeeds(v.parseVkey(good)));
  }
  // The golden signed note (sign_golden) verifies with its key.
  const golden = s.sign_golden, note = v.parseNote(utf8(golden.want_note));
  assert.equal(note.text, golden.text);
  assert.equal((await v.verifyNote(note, [await v.parseVkey(s.keys[0].vkey)])).length, 1);
  report('signed notes and keys (keys, valid, malformed, invalid vkeys incl. mangling loop, golden)', n + 1);
});

test('checkpoints', async () => {
  const c = transcribed().checkpoint, standIn = Buffer.alloc(32, 7).toString('base64');
  let n = 0;
  for (const m of c.marshal) {
    assert.throws(() => v.parseCheckpoint(m.want), { code: 'BadRoot' });
    const fixed = m.want.split('\n'); fixed[2] = standIn;
    const cp = v.parseCheckpoint(fixed.join('\n'));
    assert.equal(cp.origin, m.origin); assert.equal(cp.size, big(m.size)); n++;
  }
  for (const u of c.unmarshal_ok) {
    assert.throws(() => v.parseCheckpoint(u.text), { code: 'BadRoot' });
    const lines = u.text.split('\n'); lines[2] = standIn;
    assert.equal(v.parseCheckpoint(lines.join('\n')).extensions, u.rest); n++;
  }
  for (const u of c.unmarshal_err) { assert.throws(() => v.parseCheckpoint(u.text), v.TlogError, u.why); n++; }
  const ex = v.parseCheckpoint(v.parseNote(utf8(c.c2sp_example)).text);
  assert.equal(ex.origin, 'example.com/behind-the-sofa'); assert.equal(ex.size, 20852163n);
  const gosum = v.parseCheckpoint(c.gosum_tree_note.text);
  assert.deepEqual(gosum.root, await v.leafHash(utf8('hello world'))); assert.equal(gosum.size, 123456789012n);
  assert.equal(v.parseCheckpoint(`o\n${(1n << 63n) - 1n}\n${standIn}\n`).size, (1n << 63n) - 1n);
  assert.throws(() => v.parseCheckpoint(`o\n${1n << 63n}\n${standIn}\n`), { code: 'SizeTooLarge' });
  report('checkpoints (marshal, unmarshal ok/err, C2SP example, go.sum, 2^63 bound)', n + 4);
});

test('cosignatures', async () => {
  const t = transcribed(), g = generated();
  let n = 0;
  for (const c of t.cosignature_v1.timestamp_extraction) {
    const raw = b64(c.sig_b64);
    if (c.timestamp !== undefined) assert.equal(v.cosignatureTimestamp(raw), big(c.timestamp));
    else assert.throws(() => v.cosignatureTimestamp(raw), { code: 'WrongLength' });
    n++;
  }
  const example = v.parseNote(utf8(t.checkpoint.c2sp_example));
  assert.equal(v.cosignedMessage(1679315147n, example.text), t.cosignature_v1.c2sp_example_signed_message); n++;
  const witnesses = await Promise.all(g.witnesses.map((w) => v.parseVkey(w.vkey)));
  for (const [i, w] of g.witnesses.entries()) {
    assert.equal(witnesses[i].type, 4); assert.equal(toHex(witnesses[i].publicKey), w.pub_hex);
    assert.equal(witnesses[i].keyId.toString(16).padStart(8, '0'), w.keyID_hex); n++;
  }
  const cs = g.cosignature_v1;
  assert.equal(v.cosignedMessage(BigInt(cs.timestamp), cs.checkpoint_body), cs.signed_message);
  const line = v.parseNote(utf8(`${cs.checkpoint_body}\n${cs.signature_line}`));
  assert.equal((await v.verifyNote(line, [witnesses[0]])).length, 1);
  assert.equal(v.cosignatureTimestamp(b64(cs.signature_line.trim().split(' ').at(-1))), BigInt(cs.timestamp)); n++;
  const keys = [await v.parseVkey(g.log.vkey), witnesses[0], witnesses[1]];
  assert.equal((await v.verifyNote(v.parseNote(utf8(g.cosigned_checkpoint_15)), keys)).length, 3); n++;
  report('cosignatures (timestamp extraction, messages, witness keys, cosigned checkpoint)', n);
});

// ---- tlog-proof ----------------------------------------------------------------------------------
test('tlog-proof encoding', async () => {
  const t = transcribed().tlog_proof;
  let n = 0;
  for (const m of t.marshal) {
    const p = v.parseTlogProof(utf8(m.want));
    assert.equal(p.index, big(m.index));
    assert.deepEqual(p.extra, m.extra_utf8 === undefined ? null : utf8(m.extra_utf8));
    assert.deepEqual(p.inclusion, m.hashes.map((h) => sha(utf8(h.slice(8, -2)))));
    assert.deepEqual(p.checkpoint, utf8(m.checkpoint)); n++;
  }
  for (const u of t.unmarshal_err) { assert.throws(() => v.parseTlogProof(utf8(u.text)), v.TlogError, u.why); n++; }
  report('tlog-proof encoding (parse cases, parse errors)', n);
});

test('tlog-proof verification under the policy', async () => {
  const g = generated(), policy = await v.parsePolicy(g.tlog_policy);
  assert.equal(policy.witnesses.length, 2); assert.equal(policy.quorum, 'both');
  let n = 0;
  for (const c of g.tlog_proofs) {
    const entry = b64(c.entry_b64);
    assert.deepEqual(await v.leafHash(entry), b64(c.leafHash));
    const r = await v.verifyTlogProof(utf8(c.proof), entry, g.tlog_policy);
    assert.ok(r.ok, `entry ${c.index}: ${r.reason} ${r.detail}`);
    assert.equal(r.index, big(c.index)); assert.equal(r.size, 15n); assert.equal(r.origin, g.log.origin);
    assert.deepEqual(r.cosigned.map((x) => x.witness), ['w1', 'w2']); assert.equal(r.knownWitnesses, 2);
    // The same with a precomputed leaf hash and a parsed policy.
    assert.ok((await v.verifyTlogProof(c.proof, { leafHash: b64(c.leafHash) }, policy)).ok);
    n++;
  }
  const reasons = [];
  for (const c of g.tlog_proof_cases) {
    const r = await v.verifyTlogProof(utf8(c.proof), utf8('four'), policy);
    assert.equal(r.ok, c.wantValid, `${c.desc}: ${r.reason} ${r.detail}`);
    if (!r.ok) reasons.push(r.reason);
    n++;
  }
  assert.deepEqual(reasons, ['quorum-not-met', 'inclusion-failed', 'bad-log-signature', 'bad-cosignature', 'inclusion-failed', 'malformed-proof']);
  report('tlog-proof verification (15 generated proofs + 8 cases with wantValid)', n);
});

// ---- properties of this implementation -------------------------------------------------------------
test('small-order Ed25519 points are exactly the refused ones (verify_strict rule)', async () => {
  // Affine twisted-Edwards arithmetic (RFC 8032 §5.1.4) with BigInt, independent of verify.js.
  const P = 2n ** 255n - 19n, pow = (b, e) => { let r = 1n; for (b %= P; e; e >>= 1n, b = b * b % P) if (e & 1n) r = r * b % P; return r; };
  const inv = (x) => pow(((x % P) + P) % P, P - 2n), d = (P - 121665n) * inv(121666n) % P, I = pow(2n, (P - 1n) / 4n);
  const add = ([x1, y1], [x2, y2]) => { const t = d * x1 * x2 % P * y1 % P * y2 % P; return [(x1 * y2 + y1 * x2) % P * inv(1n + t) % P, (y1 * y2 + x1 * x2) % P * inv(1n - t + P) % P]; };
  const xOf = (y) => { const u = (y * y - 1n + P) % P, w = (d * y * y + 1n) % P, x2 = u * inv(w) % P; let x = pow(x2, (P + 3n) / 8n); if (x * x % P !== x2) x = x * I % P; assert.equal(x * x % P, x2, 'on curve'); return x; };
  const enc = (y, sign) => { const b = new Uint8Array(32); for (let i = 0; i < 32; i++) { b[i] = Number((y >> BigInt(8 * i)) & 255n); } b[31] |= sign << 7; return b; };
  const ySmall = [0n, 1n, P - 1n, 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n];
  ySmall.push(P - ySmall[3]);
  const points = new Set();
  for (const y of ySmall) {
    for (const s of [0, 1]) {
      let pt = [s ? (P - xOf(y)) % P : xOf(y), y];
      points.add(pt.join());
      for (let i = 0; i < 3; i++) pt = add(pt, pt); // 8·T
      assert.deepEqual(pt, [0n, 1n], `y=${y} has order dividing 8`);
    }
  }
  assert.equal(points.size, 8, 'all eight small-order points');
  // Each encoding (both sign bits, and y + P where it fits) is refused as a witness key: an
  // identity key would otherwise let anyone forge a cosignature that WebCrypto accepts.
  const g = generated(), logKey = g.log.vkey;
  let refused = 0;
  for (const y of [...ySmall, P, P + 1n]) {
    for (const s of [0, 1]) {
      const pub = enc(y, s), name = 'weak.example/w', id = (await v.keyId(name, 4, pub)).toString(16).padStart(8, '0');
      const vkey = `${name}+${id}+${Buffer.from([4, ...pub]).toString('base64')}`;
      const policy = `log ${logKey}\nwitness weak ${vkey}\nwitness w1 ${g.witnesses[0].vkey}\ngroup q all weak w1\nquorum q\n`;
      const cp = g.tlog_proof_cases[0].proof;
      const forged = Buffer.concat([Buffer.from(await v.keyId(name, 4, pub).then((k) => [k >>> 24, k >>> 16 & 255, k >>> 8 & 255, k & 255])), Buffer.alloc(8), enc(1n, 0), Buffer.alloc(32)]);
      const r = await v.verifyTlogProof(`${cp}— ${name} ${forged.toString('base64')}\n`, utf8('four'), policy);
      assert.equal(r.ok, false); assert.equal(r.reason, 'bad-cosignature', r.detail); refused++;
    }
  }
  // The forgery for the identity key does pass raw WebCrypto: this guard is needed.
  const idKey = await crypto.subtle.importKey('raw', enc(1n, 0), 'Ed25519', false, ['verify']);
  assert.ok(await crypto.subtle.verify('Ed25519', idKey, new Uint8Array([...enc(1n, 0), ...new Uint8Array(32)]), utf8('anything')));
  report('small-order points (8 found by arithmetic; forged cosignatures refused)', refused);
});

test('never throws on hostile input', async () => {
  const g = generated(), good = utf8(g.tlog_proof_cases[0].proof), policy = await v.parsePolicy(g.tlog_policy);
  let n = 0, seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const inputs = [undefined, null, 42, {}, [], '', new Uint8Array(0), good.slice(0, 100), 'c2sp.org/tlog-proof@v1\nindex 99999999999999999999\n\nx\n'];
  for (let i = 0; i < 300; i++) {
    const b = good.slice();
    for (let k = 0; k < 1 + (i % 4); k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    inputs.push(i % 3 ? b : b.slice(0, Math.floor(rand() * b.length)));
  }
  for (const input of inputs) {
    for (const [entry, pol] of [[utf8('four'), policy], [input, g.tlog_policy], [{ leafHash: input }, input]]) {
      const r = await v.verifyTlogProof(input, entry, pol);
      assert.equal(typeof r.ok, 'boolean');
      if (!r.ok) assert.ok(v.REASONS.includes(r.reason) && r.reason !== 'internal-error', `${r.reason}: ${r.detail}`);
      n++;
    }
  }
  report('hostile inputs answered with ok:false, never a throw', n);
});

test('a browser without Ed25519 gets unsupported-browser', async () => {
  const fresh = await import('../verify.js?no-ed25519'); // a separate module instance
  const real = crypto.subtle.importKey;
  crypto.subtle.importKey = async () => { throw new DOMException('Ed25519 is not supported', 'NotSupportedError'); };
  try {
    const g = generated();
    const r = await fresh.verifyTlogProof(g.tlog_proof_cases[0].proof, utf8('four'), g.tlog_policy);
    assert.deepEqual([r.ok, r.reason], [false, 'unsupported-browser']);
  } finally { crypto.subtle.importKey = real; }
  report('feature detection', 1);
});
