// Retu consumer verifier for c2sp.org/tlog-proof@v1: checks on the phone that an entry is in a
// checkpoint signed by its log and cosigned to the quorum of a pinned tlog-policy. No
// dependencies, WebCrypto only. It follows crates/tlog choice for choice (docs/tlog.md);
// crates/tlog/tests/js_agreement.rs checks that both give the same verdicts. Sizes, indices and
// timestamps are BigInt. § numbers refer to shared/reference/tlog.md.

const te = new TextEncoder();
// Invalid UTF-8 fails and a leading U+FEFF is kept, as with Rust's str::from_utf8.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX = (1n << 63n) - 1n; // sizes, indices and timestamps are below 2^63 (§1.8)

/** Every error thrown here; `code` is machine-readable, named after the Rust error variant. */
export class TlogError extends Error {
  constructor(code, message) { super(message); this.code = code; }
}
const fail = (code, message) => { throw new TlogError(code, message); };

const bytesOf = (x) => typeof x === 'string' ? te.encode(x) : x instanceof Uint8Array ? x
  : x instanceof ArrayBuffer ? new Uint8Array(x) : fail('BadInput', 'expected bytes or text');
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const be = (b) => b.reduce((n, x) => n << 8n | BigInt(x), 0n);
const le = (b) => be(b.slice().reverse());
const u64 = (x) => (typeof x === 'bigint' || Number.isSafeInteger(x)) && x >= 0 && BigInt(x) >> 64n === 0n
  ? BigInt(x) : fail('BadInput', 'not a u64');

/** Strict base64 (RFC 4648 §4) as Rust's STANDARD engine: padded, no whitespace, zero trailing
 * bits. Only the canonical text re-encodes to itself. Returns null if invalid. */
export function b64decode(s) {
  try {
    const bin = atob(s);
    return btoa(bin) === s ? Uint8Array.from(bin, (c) => c.charCodeAt(0)) : null;
  } catch { return null; }
}

const subtle = () => globalThis.crypto?.subtle ?? fail('Unsupported', 'WebCrypto needs an https page');
async function sha256(...parts) {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return new Uint8Array(await subtle().digest('SHA-256', all));
}
/** §1.1: leaf hash SHA-256(0x00 ‖ d), node hash SHA-256(0x01 ‖ l ‖ r). */
export const leafHash = (d) => sha256([0], bytesOf(d));
export const nodeHash = (l, r) => sha256([1], l, r);

// ---- RFC 9162 verifiers (§1.4, §1.6), edge policy of §1.8 ---------------------------------------
const bits = (x) => BigInt(x ? x.toString(2).length : 0);
const ones = (x) => BigInt(x.toString(2).replaceAll('0', '').length);
const hash32 = (h) => h instanceof Uint8Array && h.length === 32 ? h : fail('BadHash', 'a hash has 32 bytes');
const badLength = (want, got) => fail('WrongProofLength', `the proof has ${got} hashes, ${want} are needed`);
const mismatch = () => fail('RootMismatch', 'the proof does not match the root');

/** Exact proof lengths for BigInt index and sizes (§1.3, §1.5); null where no proof exists. */
export function inclusionProofLength(index, size) {
  if (index >= size) return null;
  const inner = bits(index ^ (size - 1n));
  return Number(inner + ones(index >> inner));
}
export function consistencyProofLength(old, size) {
  if (old === 0n || old >= size) return null;
  const inner = bits((old - 1n) ^ (size - 1n)), tz = bits(old & -old) - 1n;
  return Number((old & (old - 1n) ? 1n : 0n) + (inner > tz ? inner - tz : 0n) + ones((old - 1n) >> inner));
}

// The loop of §1.4 step 4 and §1.6 step 6; `both` is the branch that hashes c on the left.
async function climb(fn, sn, path, want, both, right) {
  for (const c of path) {
    if (sn === 0n) badLength(want, 'more');
    if (fn & 1n || fn === sn) {
      await both(c);
      while (!(fn & 1n) && fn) { fn >>= 1n; sn >>= 1n; }
    } else await right(c);
    fn >>= 1n; sn >>= 1n;
  }
  if (sn) badLength(want, 'fewer');
}

/** §1.4 steps 1–4. Throws TlogError IndexOutOfRange, WrongProofLength or BadHash. */
export async function rootFromInclusionProof(leaf, index, size, proof) {
  [index, size, leaf] = [u64(index), u64(size), hash32(leaf)];
  const want = inclusionProofLength(index, size);
  if (want === null) fail('IndexOutOfRange', `leaf ${index} is not in a tree of size ${size}`);
  if (proof.map(hash32).length !== want) badLength(want, proof.length);
  await climb(index, size - 1n, proof, want, async (c) => { leaf = await nodeHash(c, leaf); },
    async (c) => { leaf = await nodeHash(leaf, c); });
  return leaf;
}
/** §1.4 step 5: resolves if the proof leads to `root`, else throws (RootMismatch, …). */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!eq(await rootFromInclusionProof(leaf, index, size, proof), hash32(root))) mismatch();
}
/** §1.6; §1.8: old 0 (EmptyOldTree), old > new (SizeDecreased), equal sizes need no proof and
 * equal roots (DifferentRootsSameSize). */
export async function verifyConsistency(old, size, proof, oldRoot, newRoot) {
  [old, size] = [u64(old), u64(size)];
  [oldRoot, newRoot, ...proof].forEach(hash32);
  if (old > size) fail('SizeDecreased', `the tree shrank from ${old} to ${size}`);
  if (old === 0n) fail('EmptyOldTree', 'no consistency proof from an empty tree');
  if (old === size) {
    if (proof.length) badLength(0, proof.length);
    if (!eq(oldRoot, newRoot)) fail('DifferentRootsSameSize', 'two roots for one tree size');
    return;
  }
  const want = consistencyProofLength(old, size);
  if (proof.length !== want) badLength(want, proof.length);
  // Step 2: a power-of-two old tree's root is the implicit first node of the path.
  const path = old & (old - 1n) ? proof : [oldRoot, ...proof];
  let fn = old - 1n, sn = size - 1n, fr = path[0], sr = path[0];
  while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
  await climb(fn, sn, path.slice(1), want,
    async (c) => { [fr, sr] = [await nodeHash(c, fr), await nodeHash(c, sr)]; },
    async (c) => { sr = await nodeHash(sr, c); });
  if (!eq(fr, oldRoot) || !eq(sr, newRoot)) mismatch();
}

// ---- Ed25519 as ed25519-dalek's verify_strict (docs/tlog.md) ------------------------------------
// WebCrypto engines accept signatures verify_strict refuses (any "signature" under the identity
// key verifies in OpenSSL), so first: the key is a curve point (at parse, as dalek's from_bytes),
// neither key nor R has small order, s < L. Then WebCrypto.
const P = 2n ** 255n - 19n, L = 2n ** 252n + 27742317777372353535851937790883648493n;
function pow(b, e) { // b^e mod P
  let r = 1n;
  for (b %= P; e; e >>= 1n, b = b * b % P) if (e & 1n) r = r * b % P;
  return r;
}
const yOf = (b) => le(b.subarray(0, 32)) & (1n << 255n) - 1n; // y ≥ P is allowed, as in dalek
const D = (P - 121665n) * pow(121666n, P - 2n) % P; // d = −121665/121666 (RFC 8032 §5.1)
// x² = (y² − 1) / (d·y² + 1) must be 0 or a square mod P (RFC 8032 §5.1.3), i.e. so must
// (y² − 1)·(d·y² + 1): multiplying by the square (d·y² + 1)², never 0, changes neither.
function onCurve(b) {
  const y2 = yOf(b) ** 2n % P, uv = (y2 - 1n + P) * (D * y2 + 1n) % P;
  return uv === 0n || pow(uv, (P - 1n) / 2n) === 1n;
}
// The eight small-order points have y ∈ {0, 1, −1, ±Y8} mod P, with either sign bit.
const Y8 = 0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n;
const smallOrder = (b) => [0n, 1n, P - 1n, Y8, P - Y8].includes(yOf(b) % P);
const imported = new Map();
async function ed25519(pub, msg, sig) {
  if (sig.length !== 64 || smallOrder(pub) || smallOrder(sig) || le(sig.subarray(32)) >= L) return false;
  const id = pub.join();
  if (!imported.has(id)) imported.set(id, subtle().importKey('raw', pub, 'Ed25519', false, ['verify']));
  const key = await imported.get(id).catch((e) => {
    imported.delete(id);
    fail('Unsupported', `Ed25519: ${e.name}`);
  });
  return subtle().verify('Ed25519', key, sig, msg);
}
let probe;
/** Resolves true if WebCrypto verifies Ed25519 here (RFC 8032 §7.1 TEST 1). */
export const ed25519Supported = () => probe ??= ed25519(
  b64decode('11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo='), new Uint8Array(0),
  b64decode('5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw=='),
).catch(() => false);

// ---- signed-note (§2.1), cosignature (§2.3) -----------------------------------------------------
// Key names are non-empty, without '+' or Unicode White_Space (Rust char::is_whitespace).
const goodName = (n) => n !== '' && !n.includes('+') && !/\p{White_Space}/u.test(n);
const be32 = (b) => Number(be(b.subarray(0, 4)));
/** Key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian. */
export const keyId = async (name, type, pub) => be32(await sha256(te.encode(name), [10, type], pub));

/** `<name>+<hex8 key ID>+<base64(type ‖ key)>`, type 0x01 (log) or 0x04 (witness). Only the
 * first two '+' separate: the base64 may contain '+'. */
export async function parseVkey(vkey) {
  const a = vkey.indexOf('+'), b = vkey.indexOf('+', a + 1);
  const name = vkey.slice(0, a), id = vkey.slice(a + 1, b), raw = b64decode(vkey.slice(b + 1));
  if (a < 0 || b < 0 || !goodName(name) || !/^[0-9a-fA-F]{8}$/.test(id) || !raw?.length) {
    fail('MalformedKey', 'not a vkey');
  }
  const type = raw[0], publicKey = raw.slice(1);
  if (type !== 1 && type !== 4) fail('UnsupportedAlgorithm', `unknown key type ${type}`);
  if (publicKey.length !== 32 || !onCurve(publicKey)) fail('MalformedKey', 'not an Ed25519 public key');
  if (await keyId(name, type, publicKey) !== parseInt(id, 16)) fail('KeyIdMismatch', 'wrong key ID');
  return { name, keyId: parseInt(id, 16), type, publicKey };
}

/** Splits a note at its last blank line into text and signature lines. Throws Malformed. */
export function parseNote(input) {
  const bad = (m) => fail('Malformed', `malformed note: ${m}`);
  let msg;
  try { msg = utf8.decode(bytesOf(input)); } catch { bad('not UTF-8'); }
  if (/[\0-\t\v-\x1f\x7f]/.test(msg)) bad('control character');
  const split = msg.lastIndexOf('\n\n'), block = msg.slice(split + 2);
  if (split < 0 || !block.endsWith('\n')) bad('no signature lines');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > 100) bad('too many signatures'); // golang/mod's limit (docs/tlog.md)
  return { text: msg.slice(0, split + 1), signatures: lines.map((line) => {
    const sp = line.indexOf(' ', 2), name = line.slice(2, sp), raw = b64decode(line.slice(sp + 1));
    // `— <key name> <base64(key ID ‖ signature)>`, with U+2014 EM DASH.
    if (!line.startsWith('\u2014 ') || sp < 0 || !goodName(name) || !(raw?.length > 4)) {
      bad('bad signature line');
    }
    return { name, keyId: be32(raw), signature: raw.subarray(4) };
  }) };
}

/** §2.3: the exact message a witness signs over checkpoint `text` at time `t`. */
export const cosignedMessage = (t, text) => `cosignature/v1\ntime ${t}\n${text}`;
const timeOf = (sig) => sig.length === 72 ? be(sig.subarray(0, 8)) : 0n;
/** The time in a cosignature line's payload: key ID (4) ‖ time (8) ‖ signature (64). */
export function cosignatureTimestamp(raw) {
  const t = raw.length === 76 ? timeOf(raw.subarray(4)) : fail('WrongLength', `${raw.length} bytes, not 76`);
  return t <= MAX ? t : fail('TimestampOutOfRange', 'time beyond 2^63 - 1');
}

/** §2.1 verifier rules: unknown (name, key ID) pairs are ignored; a known key's failing
 * signature rejects the whole note (InvalidSignature, with `.key`); at least one must verify
 * (NoKnownSignature). Resolves to the verified keys, once each. */
export async function verifyNote(note, keys) {
  const verified = [], text = te.encode(note.text);
  for (const s of note.signatures) {
    const key = keys.find((k) => k.name === s.name && k.keyId === s.keyId), t = timeOf(s.signature);
    if (!key) continue;
    // Type 0x04 signs cosignature/v1 messages: u64 time (< 2^63) ‖ Ed25519 signature.
    const ok = key.type === 1 ? await ed25519(key.publicKey, text, s.signature)
      : s.signature.length === 72 && t <= MAX &&
        await ed25519(key.publicKey, te.encode(cosignedMessage(t, note.text)), s.signature.subarray(8));
    if (!ok) {
      const error = new TlogError('InvalidSignature', `the signature of ${s.name} is invalid`);
      throw Object.assign(error, { key });
    }
    if (!verified.includes(key)) verified.push(key);
  }
  return verified.length ? verified : fail('NoKnownSignature', 'no signature from a known key');
}

// ---- checkpoint (§2.2) --------------------------------------------------------------------------
const parseSize = (t) => !/^(0|[1-9][0-9]*)$/.test(t) ? fail('BadSize', 'a size is decimal, no leading zeros')
  : t.length < 20 && BigInt(t) <= MAX ? BigInt(t) : fail('SizeTooLarge', 'a size is below 2^63');
const b64hash = (t) => t.length === 44 && b64decode(t)?.length === 32 ? b64decode(t) : null;

export function parseCheckpoint(text) {
  const [origin, size, root, ...ext] = text.slice(0, -1).split('\n');
  if (!text.endsWith('\n') || root === undefined) fail('TooFewLines', 'no origin, size and root lines');
  if (!origin) fail('EmptyOrigin', 'the origin line is empty');
  const root32 = b64hash(root) ?? fail('BadRoot', 'a root is base64 of 32 bytes');
  const cp = { origin, size: parseSize(size), root: root32 };
  if (ext.includes('')) fail('EmptyExtensionLine', 'an empty extension line');
  return { ...cp, extensions: ext.map((l) => l + '\n').join('') };
}

// ---- tlog-policy (§2.7) with the choices of docs/tlog.md ----------------------------------------
/** Parses a policy (text or UTF-8 bytes). Throws PolicySyntax, NoQuorum or NoLog. */
export async function parsePolicy(input) {
  const p = { logs: [], witnesses: [], groups: [], quorum: null }, names = new Set();
  let text = input, quorums = 0;
  if (typeof text !== 'string') {
    try { text = utf8.decode(bytesOf(input)); } catch { fail('PolicySyntax', 'not UTF-8'); }
  }
  // As Rust's str::lines(): split at '\n' (dropping a '\r' before it), nothing after a final '\n'.
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, raw] of lines.entries()) {
    const bad = (m) => fail('PolicySyntax', `line ${i + 1}: ${m}`);
    const line = i < lines.length - 1 || text.endsWith('\n') ? raw.replace(/\r$/, '') : raw;
    const [dir, ...args] = line.split('#')[0].split(/[ \t]/).filter(Boolean), n = args.length;
    if (dir === undefined) continue;
    if (p.logs.length + p.witnesses.length + p.groups.length >= 256) bad('too many entries');
    const key = (vkey, type) => parseVkey(vkey)
      .then((k) => k.type === type ? k : bad(`a ${dir} key has type ${type}`), (e) => bad(e.message));
    const define = (x) => x === 'none' || names.has(x) ? bad(`${x} is reserved or taken`) : names.add(x);
    if (dir === 'log' && n >= 1 && n <= 2) p.logs.push({ key: await key(args[0], 1), url: args[1] ?? null });
    else if (dir === 'witness' && n >= 2 && n <= 3) {
            const k = await key(args[1], 4);
      // One key may not be listed twice, even under another name: a cosignature does not sign
      // the name, so it would count twice (C2SP tlog-policy).
      if (p.witnesses.some((w) => eq(w.key.publicKey, k.publicKey))) bad('this key is already a witness');
      define(args[0]);
      p.witnesses.push({ name: args[0], key: k, url: args[2] ?? null });
    } else if (dir === 'group' && n >= 3) {
      const [name, th, ...members] = args, m = n - 2;
      const k = th === 'all' ? m : th === 'any' ? 1
        : /^[1-9][0-9]*$/.test(th) && +th <= m ? +th : bad('bad threshold');
      // Members are defined earlier (so no cycles) and listed once.
      members.forEach((x, j) => names.has(x) && members.indexOf(x) === j || bad(`${x}: undefined or twice`));
      define(name);
      p.groups.push({ name, k, members });
    } else if (dir === 'quorum' && n === 1 && !quorums++) {
      if (args[0] !== 'none') p.quorum = names.has(args[0]) ? args[0] : bad(`${args[0]} is not defined`);
    } else bad(`a bad ${dir} line`);
  }
  if (!quorums) fail('NoQuorum', 'the policy has no quorum line');
  return p.logs.length ? p : fail('NoLog', 'the policy names no log');
}

/** Whether the witnesses named in `cosigned` meet the quorum. Memoised: plain recursion over
 * nested groups sharing members would be exponential in the depth. */
export function quorumSatisfied(policy, cosigned) {
  const memo = new Map();
  const met = (n) => policy.witnesses.some((w) => w.name === n) ? cosigned.includes(n) : memo.get(n) ??
    memo.set(n, policy.groups.some((g) => g.name === n && g.members.filter(met).length >= g.k)).get(n);
  return policy.quorum === null || met(policy.quorum);
}

// ---- tlog-proof (§2.5) --------------------------------------------------------------------------
/** Parses a .tlog-proof; the checkpoint stays raw bytes. Throws Malformed. */
export function parseTlogProof(input) {
  const bytes = bytesOf(input), ascii = new TextDecoder('latin1'); // non-ASCII never matches
  const bad = (m) => fail('Malformed', `malformed tlog-proof: ${m}`);
  let at = 0, index;
  const line = () => {
    const end = bytes.indexOf(10, at);
    return end < 0 ? bad('no checkpoint') : ascii.decode(bytes.subarray(at, (at = end + 1) - 1));
  };
  if (line() !== 'c2sp.org/tlog-proof@v1') bad('no header');
  let l = line(), extra = null;
  if (l.startsWith('extra ')) [extra, l] = [b64decode(l.slice(6)) ?? bad('extra is not base64'), line()];
  try { index = l.startsWith('index ') ? parseSize(l.slice(6)) : MAX; } catch { index = MAX; }
  if (index === MAX) bad('no index line below 2^63 - 1');
  const inclusion = [];
  for (let h = line(); h !== ''; h = line()) {
    if (inclusion.length === 63) bad('more than 63 hashes');
    inclusion.push(b64hash(h) ?? bad(`inclusion hash ${inclusion.length + 1} is not base64 of 32 bytes`));
  }
  return at < bytes.length ? { extra, index, inclusion, checkpoint: bytes.slice(at) } : bad('no checkpoint');
}

/** Reason codes of a failed verifyTlogProof, for the page to translate:
 * unsupported-browser  no WebCrypto Ed25519 (Chrome < 137, old WebViews) or not an https page
 * bad-policy / bad-input  the page's own policy or entry argument is wrong (a bug, not fraud)
 * malformed-proof      the file is not a tlog-proof with a well-formed signed checkpoint
 * unknown-log          the checkpoint's origin is not a log of the policy
 * no-log-signature     no valid signature by that log's key
 * bad-log-signature / bad-cosignature  a known key's signature is invalid: the whole note is
 *                      rejected, as signed-note asks
 * quorum-not-met       too few witnesses cosigned (the result says who did)
 * inclusion-failed     the proof does not put this entry at this index under the signed root
 * internal-error       a bug in this file */
export const REASONS = Object.freeze(['unsupported-browser', 'bad-policy', 'bad-input', 'malformed-proof',
  'unknown-log', 'no-log-signature', 'bad-log-signature', 'bad-cosignature', 'quorum-not-met',
  'inclusion-failed', 'internal-error']);

/**
 * Verifies a .tlog-proof (bytes or text) for an entry (bytes or text, hashed here as §2.5 step 1
 * asks; or { leafHash }) under a policy (text, bytes or a parsePolicy result), in the order of
 * Rust's TlogProof::verify. Never throws; resolves to
 *   { ok: true, origin, size, index, root, extra, cosigned: [{ witness, timestamp }], knownWitnesses }
 *   { ok: false, reason, detail }   (quorum-not-met adds cosigned and knownWitnesses)
 * `extra` comes from the proof file and is NOT authenticated.
 */
export async function verifyTlogProof(proofBytes, entry, policyInput) {
  const no = (reason, detail, more) => ({ ok: false, reason, detail, ...more });
  const step = (reason, f) => Promise.resolve().then(f).then((v) => ({ v }),
    (e) => { if (e?.code === 'Unsupported') throw e; return { e: no(reason, e?.message ?? String(e)) }; });
  try {
    if (!await ed25519Supported()) return no('unsupported-browser', 'this browser cannot verify Ed25519');
    const policy = await step('bad-policy',
      () => Array.isArray(policyInput?.logs) ? policyInput : parsePolicy(policyInput));
    const leaf = await step('bad-input', () => entry?.leafHash ? hash32(entry.leafHash) : leafHash(entry));
    const parsed = await step('malformed-proof', () => {
      const proof = parseTlogProof(proofBytes), note = parseNote(proof.checkpoint);
      return { proof, note, cp: parseCheckpoint(note.text) };
    });
    if (policy.e || leaf.e || parsed.e) return policy.e ?? leaf.e ?? parsed.e;
    const { witnesses, logs } = policy.v, { proof, note, cp } = parsed.v;
        // Several keys may be listed for one origin (a key rotation); any of them will do.
    const logKeys = logs.filter((x) => x.key.name === cp.origin).map((x) => x.key);
    if (!logKeys.length) return no('unknown-log', `the log ${cp.origin} is not in the policy`);
    // Every policy key takes part, so a bad cosignature of a known witness rejects the note.
    const verified = await verifyNote(note, [...logs, ...witnesses].map((x) => x.key)).catch((e) => {
      if (e.code === 'InvalidSignature') {
        return no(e.key.type === 1 ? 'bad-log-signature' : 'bad-cosignature', e.message);
      }
      return e.code === 'NoKnownSignature' ? [] : Promise.reject(e);
    });
    if (verified.reason) return verified;
        const isLog = (k) => logKeys.some((log) =>
      k.name === log.name && k.keyId === log.keyId && eq(k.publicKey, log.publicKey));
    if (!verified.some((k) => k.type === 1 && isLog(k))) {
      return no('no-log-signature', `the checkpoint is not signed by its log ${cp.origin}`);
    }
    const cosigned = [], knownWitnesses = witnesses.length;
    for (const s of note.signatures) {
      const w = witnesses.find((w) => w.key.name === s.name && w.key.keyId === s.keyId);
      if (w && !cosigned.some((c) => c.witness === w.name)) {
        cosigned.push({ witness: w.name, timestamp: timeOf(s.signature) });
      }
    }
    if (!quorumSatisfied(policy.v, cosigned.map((c) => c.witness))) {
      const detail = `${cosigned.length} of ${knownWitnesses} witnesses cosigned; the quorum is not met`;
      return no('quorum-not-met', detail, { cosigned, knownWitnesses });
    }
    const incl = await step('inclusion-failed',
      () => verifyInclusion(leaf.v, proof.index, cp.size, proof.inclusion, cp.root));
    const { origin, size, root } = cp, { index, extra } = proof;
    return incl.e ?? { ok: true, origin, size, index, root, extra, cosigned, knownWitnesses };
  } catch (e) {
    return no(e?.code === 'Unsupported' ? 'unsupported-browser' : 'internal-error', String(e?.message ?? e));
  }
}
