//! The two verifiers of a `.tlog-proof` must agree: this crate's `TlogProof::verify` (used by the
//! server, auditors and the CLI) and `crates/web/assets/verify.js` (run by the consumer's phone).
//!
//! The test builds a log, a cosigned checkpoint and a policy with this crate, derives valid proofs
//! and every corruption class we could think of (every bit of a proof file, every byte of the
//! policy, and targeted cases: indices, hashes, signatures, cosignatures, origins, quorums, key
//! encodings, Unicode, sizes near 2^63), writes them as JSON to a temporary folder and runs
//! `node crates/web/assets/tests/agree.mjs <file>`. For every case the verdict (`ok`), the reason
//! code and, when valid, the size, index and cosigners must be the same on both sides.
//!
//! Without `node` on PATH (or `RETU_NODE`) the test prints a skip line and passes; CI installs it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use tlog::verify::inclusion_proof_len;
use tlog::{
    Checkpoint, EMPTY_ROOT, Hash, KeyKind, MemoryTree, NoteError, NoteSignature, Policy, SignerKey,
    TlogProof, TlogProofError, inclusion_proof, key_id, leaf_hash, root_from_inclusion_proof,
};

const LOG: &str = "retu.example/county-log";
const T1: u64 = 1_760_000_000;
const T2: u64 = 1_760_000_007;
const MAX: u64 = i64::MAX as u64;

enum Entry {
    Data(Vec<u8>),
    LeafHash(Vec<u8>),
}

struct Case {
    name: String,
    proof: Vec<u8>,
    entry: Entry,
    policy: Vec<u8>,
}

/// What a verifier concluded; `None` fields are only compared when the proof verified.
#[derive(Debug, Default, PartialEq, Eq)]
struct Verdict {
    ok: bool,
    reason: Option<String>,
    size: Option<String>,
    index: Option<String>,
    cosigned: Option<Vec<(String, String)>>,
    known: Option<u64>,
}

fn failed(reason: &str) -> Verdict {
    Verdict {
        reason: Some(reason.to_owned()),
        ..Verdict::default()
    }
}

/// The Rust verdict, with errors mapped to verify.js's reason codes.
fn rust_verdict(case: &Case) -> Verdict {
    let Some(policy) = std::str::from_utf8(&case.policy)
        .ok()
        .and_then(|text| Policy::parse(text).ok())
    else {
        return failed("bad-policy");
    };
    let leaf = match &case.entry {
        Entry::Data(data) => leaf_hash(data),
        Entry::LeafHash(bytes) => match Hash::from_slice(bytes) {
            Ok(hash) => hash,
            Err(_) => return failed("bad-input"),
        },
    };
    let proof = match TlogProof::parse(&case.proof) {
        Ok(proof) => proof,
        Err(_) => return failed("malformed-proof"),
    };
    match proof.verify(&leaf, &policy) {
        Ok(verified) => Verdict {
            ok: true,
            reason: None,
            size: Some(verified.checkpoint.size.to_string()),
            index: Some(proof.index.to_string()),
            cosigned: Some(
                verified
                    .cosigned
                    .iter()
                    .map(|c| (c.witness.clone(), c.timestamp.to_string()))
                    .collect(),
            ),
            known: Some(verified.known_witnesses as u64),
        },
        Err(error) => failed(match &error {
            TlogProofError::Malformed(_)
            | TlogProofError::BadHash { .. }
            | TlogProofError::Checkpoint(_)
            | TlogProofError::Note(NoteError::Malformed(_)) => "malformed-proof",
            TlogProofError::Note(NoteError::InvalidSignature(name)) => {
                if policy.logs().iter().any(|log| log.key.name() == name) {
                    "bad-log-signature"
                } else {
                    "bad-cosignature"
                }
            }
            TlogProofError::UnknownLog(_) => "unknown-log",
            TlogProofError::NoLogSignature(_) => "no-log-signature",
            TlogProofError::QuorumNotMet { .. } => "quorum-not-met",
            TlogProofError::Inclusion(_) => "inclusion-failed",
            _ => "unmapped Rust error",
        }),
    }
}

fn js_verdict(value: &Value) -> Verdict {
    let text = |key: &str| value[key].as_str().map(str::to_owned);
    let ok = value["ok"].as_bool() == Some(true);
    Verdict {
        ok,
        reason: text("reason"),
        size: ok.then(|| text("size")).flatten(),
        index: ok.then(|| text("index")).flatten(),
        cosigned: ok
            .then(|| {
                value["cosigned"].as_array().map(|list| {
                    list.iter()
                        .map(|pair| {
                            let part = |i: usize| pair[i].as_str().unwrap_or("?").to_owned();
                            (part(0), part(1))
                        })
                        .collect()
                })
            })
            .flatten(),
        known: ok.then(|| value["knownWitnesses"].as_u64()).flatten(),
    }
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

fn signer(name: &str, kind: KeyKind, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, kind, [seed; 32]).expect("test key")
}

/// A note from raw text and signature lines, without any validation (so that broken notes can
/// be written too).
fn note(text: &str, lines: &[NoteSignature]) -> Vec<u8> {
    let mut out = format!("{text}\n");
    for line in lines {
        out.push_str(&line.to_line());
    }
    out.into_bytes()
}

fn proof_file(index: &str, hashes: &[Hash], checkpoint: &[u8]) -> Vec<u8> {
    let mut out = format!("c2sp.org/tlog-proof@v1\nindex {index}\n");
    for hash in hashes {
        out.push_str(&hash.to_base64());
        out.push('\n');
    }
    out.push('\n');
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(checkpoint);
    bytes
}

fn with_signature_bytes(line: &NoteSignature, edit: impl FnOnce(&mut Vec<u8>)) -> NoteSignature {
    let mut changed = line.clone();
    edit(&mut changed.signature);
    changed
}

/// Adds the group order L to the 32-byte little-endian scalar `s`: the same signature in a
/// non-canonical encoding, which strict verifiers must refuse.
fn add_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (byte, add) in s.iter_mut().zip(L) {
        let sum = u16::from(*byte) + u16::from(add) + carry;
        *byte = sum as u8;
        carry = sum >> 8;
    }
}

/// A vkey for an arbitrary 32-byte "public key", with the right key ID.
fn raw_vkey(name: &str, kind: u8, public: &[u8; 32]) -> String {
    let mut raw = vec![kind];
    raw.extend_from_slice(public);
    format!(
        "{name}+{:08x}+{}",
        key_id(name, kind, public),
        B64.encode(raw)
    )
}

/// Makes the last data character of padded base64 `text` carry non-zero unused bits: the same
/// bytes to a lenient decoder, invalid to a strict one.
fn noncanonical_base64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let data_end = text.trim_end_matches('=').len();
    let mut bytes = text.as_bytes().to_vec();
    let last = ALPHABET
        .iter()
        .position(|c| *c == bytes[data_end - 1])
        .expect("base64");
    bytes[data_end - 1] = ALPHABET[last | 1];
    String::from_utf8(bytes).expect("ascii")
}

struct Fixture {
    log: SignerKey,
    w1: SignerKey,
    w2: SignerKey,
    w3: SignerKey,
    entries: Vec<Vec<u8>>,
    tree: MemoryTree,
    policy: String,
    cases: Vec<Case>,
}

impl Fixture {
    fn new() -> Self {
        let log = signer(LOG, KeyKind::Ed25519, 1);
        // The county market regulator, the consumer association, and a university that is not
        // in the policy.
        let w1 = signer("samr.county.example/witness", KeyKind::CosignatureV1, 2);
        let w2 = signer("consumer.county.example/witness", KeyKind::CosignatureV1, 3);
        let w3 = signer("uni.example/witness", KeyKind::CosignatureV1, 4);
        let entries: Vec<Vec<u8>> = (0..41u32)
            .map(|i| {
                format!("{{\"event\":\"ObjectEvent\",\"epc\":\"urn:epc:id:sgtin:0614141.812345.{i}\",\"lot\":\"茶-2026-{i}\"}}")
                    .into_bytes()
            })
            .collect();
        let mut tree = MemoryTree::new();
        for entry in &entries {
            tree.push(entry);
        }
        let policy = format!(
            "# Retu consumer policy (test keys)\nlog {}\nwitness samr {}\nwitness cca {}\ngroup both all samr cca\nquorum both\n",
            log.verifier(),
            w1.verifier(),
            w2.verifier()
        );
        Fixture {
            log,
            w1,
            w2,
            w3,
            entries,
            tree,
            policy,
            cases: Vec::new(),
        }
    }

    fn text(&self, size: u64) -> String {
        Checkpoint {
            origin: LOG.to_owned(),
            size,
            root: self.tree.root_at(size).expect("size"),
            extensions: String::new(),
        }
        .to_text()
    }

    /// The log signature and both policy cosignatures over `text`.
    fn signatures(&self, text: &str) -> Vec<NoteSignature> {
        vec![
            self.log.sign_note_text(text),
            self.w1.cosign(text, T1),
            self.w2.cosign(text, T2),
        ]
    }

    fn valid_proof(&self, index: u64, size: u64) -> Vec<u8> {
        let text = self.text(size);
        TlogProof {
            extra: None,
            index,
            inclusion: inclusion_proof(&self.tree, index, size).expect("proof"),
            checkpoint: note(&text, &self.signatures(&text)),
        }
        .to_bytes()
    }

    fn add(&mut self, name: impl Into<String>, proof: Vec<u8>, entry: Entry, policy: &str) {
        self.cases.push(Case {
            name: name.into(),
            proof,
            entry,
            policy: policy.as_bytes().to_vec(),
        });
    }

    /// A case about entry `index` under the standard policy.
    fn entry_case(&mut self, name: impl Into<String>, proof: Vec<u8>, index: usize) {
        let entry = Entry::Data(self.entries[index].clone());
        let policy = self.policy.clone();
        self.add(name, proof, entry, &policy);
    }
}

// ---------------------------------------------------------------------------------------------
// The cases.

const BASE_INDEX: u64 = 13;
const BASE_SIZE: u64 = 41;

fn valid_proofs(f: &mut Fixture) {
    for size in [1u64, 2, 3, 5, 7, 8, 9, 16, 17, 31, 32, 33, 41] {
        let mut indices = vec![0, size / 2, size - 1];
        indices.dedup();
        for index in indices {
            let proof = f.valid_proof(index, size);
            f.entry_case(format!("valid {index}/{size}"), proof, index as usize);
        }
    }
    let proof = f.valid_proof(BASE_INDEX, BASE_SIZE);
    let leaf = leaf_hash(&f.entries[13]);
    let policy = f.policy.clone();
    f.add(
        "valid, leaf hash given",
        proof.clone(),
        Entry::LeafHash(leaf.0.to_vec()),
        &policy,
    );
    f.add(
        "31-byte leaf hash",
        proof.clone(),
        Entry::LeafHash(leaf.0[1..].to_vec()),
        &policy,
    );
    f.entry_case("another entry's data", proof.clone(), 14);
    let mut with_extra = b"c2sp.org/tlog-proof@v1\nextra AAEC\n".to_vec();
    with_extra.extend_from_slice(&proof[23..]);
    f.entry_case("extra line", with_extra.clone(), 13);
    let mut empty_extra = b"c2sp.org/tlog-proof@v1\nextra \n".to_vec();
    empty_extra.extend_from_slice(&proof[23..]);
    f.entry_case("empty extra line", empty_extra, 13);
    let mut bad_extra = b"c2sp.org/tlog-proof@v1\nextra AAF=\n".to_vec();
    bad_extra.extend_from_slice(&proof[23..]);
    f.entry_case("extra with non-canonical base64", bad_extra, 13);
}

fn index_and_hash_cases(f: &mut Fixture) {
    let text = f.text(BASE_SIZE);
    let checkpoint = note(&text, &f.signatures(&text));
    let hashes = inclusion_proof(&f.tree, BASE_INDEX, BASE_SIZE).expect("proof");
    for index in [
        "12",
        "14",
        "41",
        "0",
        "013",
        "+13",
        " 13",
        "13 ",
        "-13",
        "13\r",
        "9223372036854775806",
        "9223372036854775807",
        "18446744073709551616",
        "",
    ] {
        f.entry_case(
            format!("index line {index:?}"),
            proof_file(index, &hashes, &checkpoint),
            13,
        );
    }
    for position in 0..hashes.len() {
        for bit in [0, 129, 255] {
            let mut bad = hashes.clone();
            bad[position].0[bit / 8] ^= 1 << (bit % 8);
            f.entry_case(
                format!("hash {position} bit {bit}"),
                proof_file("13", &bad, &checkpoint),
                13,
            );
        }
    }
    let mut variants: Vec<(&str, Vec<Hash>)> = vec![
        ("no hashes", vec![]),
        ("first hash removed", hashes[1..].to_vec()),
        ("last hash removed", hashes[..hashes.len() - 1].to_vec()),
        ("hash appended", [hashes.clone(), vec![hashes[0]]].concat()),
        (
            "hash prepended",
            [vec![EMPTY_ROOT], hashes.clone()].concat(),
        ),
        ("63 hashes", vec![hashes[0]; 63]),
        ("64 hashes", vec![hashes[0]; 64]),
    ];
    let mut swapped = hashes.clone();
    swapped.swap(0, 1);
    variants.push(("two hashes swapped", swapped));
    for (name, bad) in variants {
        f.entry_case(name, proof_file("13", &bad, &checkpoint), 13);
    }
    // Text-level damage to the hash lines and the layout.
    let good = proof_file("13", &hashes, &checkpoint);
    let good_text = String::from_utf8(good.clone()).expect("utf8");
    let first = hashes[0].to_base64();
    for (name, from, to) in [
        (
            "hash with non-canonical base64",
            first.clone(),
            noncanonical_base64(&first),
        ),
        (
            "hash without padding",
            format!("{first}\n"),
            format!("{}\n", first.trim_end_matches('=')),
        ),
        (
            "hash with a space",
            format!("{first}\n"),
            format!("{first} \n"),
        ),
        (
            "CRLF after the header",
            "@v1\n".to_owned(),
            "@v1\r\n".to_owned(),
        ),
        ("wrong header", "@v1\n".to_owned(), "@v2\n".to_owned()),
        (
            "blank line doubled before the checkpoint",
            format!("\n\n{LOG}"),
            format!("\n\n\n{LOG}"),
        ),
        ("checkpoint removed", format!("\n{LOG}\n"), String::new()),
    ] {
        f.entry_case(name, good_text.replacen(&from, &to, 1).into_bytes(), 13);
    }
    for cut in (0..good.len()).step_by(9) {
        f.entry_case(
            format!("truncated to {cut} bytes"),
            good[..cut].to_vec(),
            13,
        );
    }
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"x");
    f.entry_case("byte after the last signature line", trailing, 13);
}

fn signature_cases(f: &mut Fixture) {
    let text = f.text(BASE_SIZE);
    let hashes = inclusion_proof(&f.tree, BASE_INDEX, BASE_SIZE).expect("proof");
    let [log_sig, w1_sig, w2_sig] = <[NoteSignature; 3]>::try_from(f.signatures(&text)).expect("3");
    let w3_sig = f.w3.cosign(&text, T1 + 1);
    let other_log = signer("retu.example/other-log", KeyKind::Ed25519, 9);
    let same_name_key = signer(LOG, KeyKind::Ed25519, 10);
    let mut relabelled = w1_sig.clone();
    relabelled.name = f.w2.name().to_owned();
    relabelled.key_id = f.w2.key_id();
    let mut wrong_id = w1_sig.clone();
    wrong_id.key_id ^= 1;
    let flip = |byte: usize| move |s: &mut Vec<u8>| s[byte] ^= 0x40;
    let sets: Vec<(&str, Vec<NoteSignature>)> = vec![
        (
            "all three",
            vec![log_sig.clone(), w1_sig.clone(), w2_sig.clone()],
        ),
        (
            "cosignatures first",
            vec![w2_sig.clone(), w1_sig.clone(), log_sig.clone()],
        ),
        ("no samr cosignature", vec![log_sig.clone(), w2_sig.clone()]),
        (
            "no consumer cosignature",
            vec![log_sig.clone(), w1_sig.clone()],
        ),
        ("log signature only", vec![log_sig.clone()]),
        ("no log signature", vec![w1_sig.clone(), w2_sig.clone()]),
        ("unknown witness only", vec![w3_sig.clone()]),
        (
            "extra unknown cosignature",
            vec![
                log_sig.clone(),
                w1_sig.clone(),
                w2_sig.clone(),
                w3_sig.clone(),
            ],
        ),
        (
            "corrupted unknown cosignature",
            vec![
                log_sig.clone(),
                w1_sig.clone(),
                w2_sig.clone(),
                with_signature_bytes(&w3_sig, flip(20)),
            ],
        ),
        (
            "samr twice",
            vec![
                log_sig.clone(),
                w1_sig.clone(),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
        (
            "samr twice, no consumer",
            vec![log_sig.clone(), w1_sig.clone(), w1_sig.clone()],
        ),
        (
            "log signature twice",
            vec![
                log_sig.clone(),
                log_sig.clone(),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
        (
            "corrupted log signature",
            vec![
                with_signature_bytes(&log_sig, flip(5)),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
        (
            "corrupted samr signature",
            vec![
                log_sig.clone(),
                with_signature_bytes(&w1_sig, flip(30)),
                w2_sig.clone(),
            ],
        ),
        (
            "corrupted samr timestamp",
            vec![
                log_sig.clone(),
                with_signature_bytes(&w1_sig, flip(7)),
                w2_sig.clone(),
            ],
        ),
        (
            "truncated samr cosignature",
            vec![
                log_sig.clone(),
                with_signature_bytes(&w1_sig, |s| s.truncate(64)),
                w2_sig.clone(),
            ],
        ),
        (
            "samr cosignature with a byte added",
            vec![
                log_sig.clone(),
                with_signature_bytes(&w1_sig, |s| s.push(0)),
                w2_sig.clone(),
            ],
        ),
        (
            "samr cosignature relabelled as consumer",
            vec![log_sig.clone(), w1_sig.clone(), relabelled],
        ),
        (
            "samr cosignature with a wrong key ID",
            vec![log_sig.clone(), wrong_id, w2_sig.clone()],
        ),
        (
            "log signature with s + L",
            vec![
                with_signature_bytes(&log_sig, |s| add_order(&mut s[32..])),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
        (
            "samr cosignature with s + L",
            vec![
                log_sig.clone(),
                with_signature_bytes(&w1_sig, |s| add_order(&mut s[40..])),
                w2_sig.clone(),
            ],
        ),
        (
            "samr cosignature at 2^63 - 1",
            vec![log_sig.clone(), f.w1.cosign(&text, MAX), w2_sig.clone()],
        ),
        (
            "samr cosignature at 2^63",
            vec![log_sig.clone(), f.w1.cosign(&text, MAX + 1), w2_sig.clone()],
        ),
        (
            "samr cosignature at time 0",
            vec![log_sig.clone(), f.w1.cosign(&text, 0), w2_sig.clone()],
        ),
        (
            "samr cosignature over another size",
            vec![
                log_sig.clone(),
                f.w1.cosign(&f.text(40), T1),
                w2_sig.clone(),
            ],
        ),
        (
            "samr signs as a plain note key",
            vec![
                log_sig.clone(),
                NoteSignature {
                    signature: w1_sig.signature[8..].to_vec(),
                    ..w1_sig.clone()
                },
                w2_sig.clone(),
            ],
        ),
        (
            "log signature by another key of the same name",
            vec![
                same_name_key.sign_note_text(&text),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
        (
            "log signature by another log",
            vec![
                other_log.sign_note_text(&text),
                w1_sig.clone(),
                w2_sig.clone(),
            ],
        ),
    ];
    for (name, lines) in sets {
        let checkpoint = note(&text, &lines);
        f.entry_case(name, proof_file("13", &hashes, &checkpoint), 13);
    }
    // 100 signature lines are allowed, 101 are not.
    for total in [100usize, 101] {
        let mut lines = vec![log_sig.clone(), w1_sig.clone(), w2_sig.clone()];
        while lines.len() < total {
            lines.push(w3_sig.clone());
        }
        let checkpoint = note(&text, &lines);
        f.entry_case(
            format!("{total} signature lines"),
            proof_file("13", &hashes, &checkpoint),
            13,
        );
    }
    // Key names in unknown signature lines: Unicode White_Space is refused (Rust
    // char::is_whitespace), other invisible characters are allowed.
    for ch in [
        '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}',
        '\u{205f}', '\u{3000}', '\u{200b}', '\u{2060}', '\u{feff}', '\u{180e}', '\u{00ad}', '热',
    ] {
        let mut odd = w3_sig.clone();
        odd.name = format!("uni{ch}example");
        let checkpoint = note(
            &text,
            &[log_sig.clone(), w1_sig.clone(), w2_sig.clone(), odd],
        );
        f.entry_case(
            format!("unknown key name with U+{:04X}", u32::from(ch)),
            proof_file("13", &hashes, &checkpoint),
            13,
        );
    }
    // Signature lines damaged as text.
    let good = String::from_utf8(note(
        &text,
        &[log_sig.clone(), w1_sig.clone(), w2_sig.clone()],
    ))
    .expect("utf8");
    let w1_payload = w1_sig
        .to_line()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_owned();
    let log_payload = log_sig
        .to_line()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_owned();
    for (name, from, to) in [
        (
            "non-canonical base64 in a cosignature",
            w1_payload.clone(),
            noncanonical_base64(&w1_payload),
        ),
        (
            "non-canonical base64 in the log signature",
            log_payload.clone(),
            noncanonical_base64(&log_payload),
        ),
        (
            "cosignature without padding",
            w1_payload.clone(),
            w1_payload.trim_end_matches('=').to_owned(),
        ),
        (
            "hyphen instead of em dash",
            "\u{2014} samr".to_owned(),
            "- samr".to_owned(),
        ),
        (
            "two spaces after the dash",
            "\u{2014} samr".to_owned(),
            "\u{2014}  samr".to_owned(),
        ),
        (
            "tab in the text",
            "\n41\n".to_owned(),
            "\n41\t\n".to_owned(),
        ),
        (
            "CR in the signatures",
            format!("{w1_payload}\n"),
            format!("{w1_payload}\r\n"),
        ),
        ("short signature", w1_payload.clone(), "AAAAAA==".to_owned()),
        (
            "five-byte signature",
            w1_payload.clone(),
            "AAAAAAA=".to_owned(),
        ),
    ] {
        let changed = good.replacen(&from, &to, 1);
        assert_ne!(changed, good, "{name}: nothing replaced");
        f.entry_case(name, proof_file("13", &hashes, changed.as_bytes()), 13);
    }
    for (name, bytes) in [
        ("0xff in the note", &[0xffu8][..]),
        ("overlong UTF-8", &[0xc0, 0xaf]),
        ("UTF-8 surrogate", &[0xed, 0xa0, 0x80]),
        ("lone continuation byte", &[0x80]),
        ("NUL", &[0x00]),
        ("DEL", &[0x7f]),
    ] {
        let mut checkpoint = Vec::from(&good.as_bytes()[..4]);
        checkpoint.extend_from_slice(bytes);
        checkpoint.extend_from_slice(&good.as_bytes()[4..]);
        f.entry_case(name, proof_file("13", &hashes, &checkpoint), 13);
    }
}

fn checkpoint_cases(f: &mut Fixture) {
    let hashes = inclusion_proof(&f.tree, BASE_INDEX, BASE_SIZE).expect("proof");
    let root = f.tree.root_at(BASE_SIZE).expect("root");
    let signed = |f: &Fixture, text: &str| note(text, &f.signatures(text));
    let b64root = root.to_base64();
    let texts = [
        (
            "extension lines",
            format!("{LOG}\n41\n{b64root}\nseason 2026 spring\n热土 tea\n"),
        ),
        (
            "empty extension line",
            format!("{LOG}\n41\n{b64root}\n\nx\n"),
        ),
        (
            "size with a leading zero",
            format!("{LOG}\n041\n{b64root}\n"),
        ),
        (
            "size 2^63",
            format!("{LOG}\n9223372036854775808\n{b64root}\n"),
        ),
        ("size as hex", format!("{LOG}\n0x29\n{b64root}\n")),
        (
            "root without padding",
            format!("{LOG}\n41\n{}\n", b64root.trim_end_matches('=')),
        ),
        (
            "root with non-canonical base64",
            format!("{LOG}\n41\n{}\n", noncanonical_base64(&b64root)),
        ),
        (
            "33-byte root",
            format!(
                "{LOG}\n41\n{}\n",
                B64.encode([root.0.as_slice(), &[0]].concat())
            ),
        ),
        ("checkpoint with two lines", format!("{LOG}\n41\n")),
        ("changed size, re-signed", format!("{LOG}\n42\n{b64root}\n")),
        (
            "origin with a trailing space",
            format!("{LOG} \n41\n{b64root}\n"),
        ),
    ];
    for (name, text) in texts {
        let checkpoint = signed(f, &text);
        f.entry_case(name, proof_file("13", &hashes, &checkpoint), 13);
    }
    // The text changed after signing: the log signature no longer verifies.
    let text = f.text(BASE_SIZE);
    let lines = f.signatures(&text);
    let mut other_root = root;
    other_root.0[0] ^= 1;
    let tampered = text.replacen(&b64root, &other_root.to_base64(), 1);
    f.entry_case(
        "root replaced after signing",
        proof_file("13", &hashes, &note(&tampered, &lines)),
        13,
    );
    let tampered = text.replacen("\n41\n", "\n40\n", 1);
    f.entry_case(
        "size replaced after signing",
        proof_file("13", &hashes, &note(&tampered, &lines)),
        13,
    );
    // Another log, signed by its own key: not in the policy.
    let other = signer("retu.example/other-log", KeyKind::Ed25519, 9);
    let other_text = text.replacen(LOG, other.name(), 1);
    let checkpoint = note(
        &other_text,
        &[
            other.sign_note_text(&other_text),
            f.w1.cosign(&other_text, T1),
            f.w2.cosign(&other_text, T2),
        ],
    );
    f.entry_case(
        "another log's checkpoint",
        proof_file("13", &hashes, &checkpoint),
        13,
    );
    // An empty tree: nothing is included in it.
    let empty = format!("{LOG}\n0\n{}\n", EMPTY_ROOT.to_base64());
    f.entry_case("empty tree", proof_file("0", &[], &signed(f, &empty)), 0);
}

/// Valid proofs in trees far larger than this log, up to 2^63 - 1 leaves: the log signs any root,
/// so a proof of arbitrary hashes is valid for the root it leads to. This pins the 64-bit
/// arithmetic of both verifiers (BigInt in JS).
fn large_tree_cases(f: &mut Fixture) {
    for (index, size) in [
        (MAX - 1, MAX),
        ((1 << 62) + 5, MAX),
        (0, MAX),
        ((1 << 53) + 1, (1 << 53) + 3),
        (961_983_000, 961_984_011),
        ((1 << 32) - 1, 1 << 32),
    ] {
        let leaf = leaf_hash(&f.entries[0]);
        let len = inclusion_proof_len(index, size).expect("index in range");
        let hashes: Vec<Hash> = (0..len)
            .map(|i| leaf_hash(format!("node {i}").as_bytes()))
            .collect();
        let root = root_from_inclusion_proof(&leaf, index, size, &hashes).expect("root");
        let text = Checkpoint {
            origin: LOG.to_owned(),
            size,
            root,
            extensions: String::new(),
        }
        .to_text();
        let checkpoint = note(&text, &f.signatures(&text));
        for (what, claimed) in [
            ("", index),
            (" index + 1", index + 1),
            (" index - 1", index.wrapping_sub(1)),
        ] {
            f.entry_case(
                format!("large tree {claimed}/{size}{what}"),
                proof_file(&claimed.to_string(), &hashes, &checkpoint),
                0,
            );
        }
        let mut short = hashes.clone();
        short.pop();
        f.entry_case(
            format!("large tree {index}/{size} one hash short"),
            proof_file(&index.to_string(), &short, &checkpoint),
            0,
        );
    }
}

fn policy_cases(f: &mut Fixture) {
    let proof = f.valid_proof(BASE_INDEX, BASE_SIZE);
    let text = f.text(BASE_SIZE);
    let hashes = inclusion_proof(&f.tree, BASE_INDEX, BASE_SIZE).expect("proof");
    let (log, w1, w2, w3) = (
        f.log.verifier().to_string(),
        f.w1.verifier().to_string(),
        f.w2.verifier().to_string(),
        f.w3.verifier().to_string(),
    );
    let head = format!("log {log}\nwitness samr {w1}\nwitness cca {w2}\n");
    let policies: Vec<(&str, String)> = vec![
        ("quorum none", format!("log {log}\nquorum none\n")),
        ("quorum of one witness", format!("{head}quorum samr\n")),
        (
            "group any",
            format!("{head}group g any samr cca\nquorum g\n"),
        ),
        (
            "group 1 of 2",
            format!("{head}group g 1 samr cca\nquorum g\n"),
        ),
        (
            "group 2 of 2",
            format!("{head}group g 2 samr cca\nquorum g\n"),
        ),
        (
            "group 3 of 3, uni silent",
            format!("{head}witness uni {w3}\ngroup g 3 samr cca uni\nquorum g\n"),
        ),
        (
            "group 2 of 3, uni silent",
            format!("{head}witness uni {w3}\ngroup g 2 samr cca uni\nquorum g\n"),
        ),
        (
            "quorum uni",
            format!("{head}witness uni {w3}\nquorum uni\n"),
        ),
        (
            "nested groups",
            format!(
                "{head}witness uni {w3}\ngroup gov all samr\ngroup civil any cca uni\ngroup q all gov civil\nquorum q\n"
            ),
        ),
        (
            "threshold 0",
            format!("{head}group g 0 samr cca\nquorum g\n"),
        ),
        (
            "threshold 3 of 2",
            format!("{head}group g 3 samr cca\nquorum g\n"),
        ),
        (
            "threshold 02",
            format!("{head}group g 02 samr cca\nquorum g\n"),
        ),
        (
            "threshold +1",
            format!("{head}group g +1 samr cca\nquorum g\n"),
        ),
        (
            "group without members",
            format!("{head}group g any\nquorum g\n"),
        ),
        (
            "member repeated",
            format!("{head}group g any samr samr\nquorum g\n"),
        ),
        (
            "member undefined",
            format!("{head}group g any samr uni\nquorum g\n"),
        ),
        (
            "member defined later",
            format!(
                "log {log}\nwitness samr {w1}\ngroup g all samr cca\nwitness cca {w2}\nquorum g\n"
            ),
        ),
        ("quorum undefined", format!("{head}quorum nobody\n")),
        ("quorum twice", format!("{head}quorum samr\nquorum samr\n")),
        ("no quorum", head.clone()),
        (
            "no log",
            format!("witness samr {w1}\nwitness cca {w2}\ngroup g all samr cca\nquorum g\n"),
        ),
        (
            "the log missing",
            format!(
                "witness samr {w1}\nlog {}\nquorum samr\n",
                signer("retu.example/other-log", KeyKind::Ed25519, 9).verifier()
            ),
        ),
        (
            "name none",
            format!("log {log}\nwitness none {w1}\nquorum none\n"),
        ),
        (
            "name defined twice",
            format!("{head}witness samr {w3}\nquorum samr\n"),
        ),
        (
            "group named like a witness",
            format!("{head}group samr any cca\nquorum samr\n"),
        ),
        (
            "log key as a witness",
            format!("{head}witness x {log}\nquorum samr\n"),
        ),
        (
            "witness key as the log",
            format!("log {w1}\n{head}quorum samr\n"),
        ),
        (
            "unknown directive",
            format!("{head}quorum samr\nfrobnicate\n"),
        ),
        (
            "too many fields",
            format!("log {log} https://log.example extra\nwitness samr {w1}\nquorum samr\n"),
        ),
        (
            "urls",
            format!(
                "log {log} https://log.example\nwitness samr {w1} https://w.example\nquorum samr\n"
            ),
        ),
        (
            "tabs and comments",
            format!(
                "log\t{log}\t# the county log\n# witnesses\n\twitness samr {w1}#regulator\nquorum samr # one\n"
            ),
        ),
        (
            "CRLF lines",
            format!("log {log}\r\nwitness samr {w1}\r\nquorum samr\r\n"),
        ),
        (
            "CR at the very end",
            format!("log {log}\nwitness samr {w1}\nquorum samr\r"),
        ),
        (
            "no final newline",
            format!("log {log}\nwitness samr {w1}\nquorum samr"),
        ),
        (
            "byte order mark",
            format!("\u{feff}log {log}\nwitness samr {w1}\nquorum samr\n"),
        ),
        (
            "upper-case key ID",
            format!(
                "log {}\nwitness samr {w1}\nquorum samr\n",
                uppercase_key_id(&log)
            ),
        ),
        (
            "vkey with a line break in its base64",
            format!(
                "log {log}\nwitness samr {}\nquorum samr\n",
                w1.replacen('+', "+\n", 3)
            ),
        ),
        (
            "vkey with padding added",
            format!("log {log}=\nquorum none\n"),
        ),
        (
            "another key for the log listed first",
            format!(
                "log {}\n{head}group both all samr cca\nquorum both\n",
                signer(LOG, KeyKind::Ed25519, 10).verifier()
            ),
        ),
        (
            "non-ASCII witness name",
            format!(
                "log {log}\nwitness 市场监管 {w1}\nwitness 消协 {w2}\ngroup 双方 all 市场监管 消协\nquorum 双方\n"
            ),
        ),
    ];
    for (name, policy) in policies {
        f.add(
            format!("policy: {name}"),
            proof.clone(),
            Entry::Data(f.entries[13].clone()),
            &policy,
        );
    }
    f.cases.push(Case {
        name: "policy: not UTF-8".into(),
        proof: proof.clone(),
        entry: Entry::Data(f.entries[13].clone()),
        policy: [f.policy.as_bytes(), &[0xff]].concat(),
    });
    // 256 entries are the limit; a 257th line (the quorum) is refused.
    for witnesses in [254usize, 255] {
        let mut policy = format!("log {log}\n");
        for i in 0..witnesses {
            let mut seed = [7u8; 32];
            seed[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let key =
                SignerKey::from_seed(&format!("w{i}.example/w"), KeyKind::CosignatureV1, seed)
                    .expect("key");
            policy.push_str(&format!("witness w{i} {}\n", key.verifier()));
        }
        policy.push_str("quorum none\n");
        f.add(
            format!("policy with {} entries", witnesses + 1),
            proof.clone(),
            Entry::Data(f.entries[13].clone()),
            &policy,
        );
    }
    // Key rotation: two log lines with the same origin, the checkpoint signed by the second key.
    let new_key = signer(LOG, KeyKind::Ed25519, 10);
    let rotation = format!(
        "log {log}\nlog {}\nwitness samr {w1}\nwitness cca {w2}\ngroup both all samr cca\nquorum both\n",
        new_key.verifier()
    );
    for (name, first) in [
        ("old key", f.log.sign_note_text(&text)),
        ("new key", new_key.sign_note_text(&text)),
    ] {
        let checkpoint = note(
            &text,
            &[first, f.w1.cosign(&text, T1), f.w2.cosign(&text, T2)],
        );
        f.add(
            format!("rotation: signed by the {name}"),
            proof_file("13", &hashes, &checkpoint),
            Entry::Data(f.entries[13].clone()),
            &rotation,
        );
    }
    // One witness key listed under two names (tlog-policy forbids duplicate keys; see the report):
    // the same cosignature relabelled verifies for both names, since cosignature/v1 does not sign
    // the name.
    let alias = raw_vkey(
        "samr-alias.example/witness",
        4,
        &f.w1.verifier().public_key(),
    );
    let duplicate = format!("{head}witness alias {alias}\ngroup g 2 samr alias\nquorum g\n");
    let w1_line = f.w1.cosign(&text, T1);
    let mut alias_line = w1_line.clone();
    alias_line.name = "samr-alias.example/witness".into();
    alias_line.key_id = key_id(&alias_line.name, 4, &f.w1.verifier().public_key());
    let checkpoint = note(&text, &[f.log.sign_note_text(&text), w1_line, alias_line]);
    f.add(
        "policy: one key under two witness names",
        proof_file("13", &hashes, &checkpoint),
        Entry::Data(f.entries[13].clone()),
        &duplicate,
    );
}

fn uppercase_key_id(vkey: &str) -> String {
    let mut parts = vkey.splitn(3, '+');
    let (name, id, key) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    format!("{name}+{}+{key}", id.to_uppercase())
}

/// Witness keys at every small-order encoding (which verify_strict refuses and which OpenSSL
/// would accept forged signatures for), and at many other 32-byte strings, some of which are not
/// curve points (refused when the policy is parsed).
fn key_encoding_cases(f: &mut Fixture) {
    let proof_text = f.text(BASE_SIZE);
    let hashes = inclusion_proof(&f.tree, BASE_INDEX, BASE_SIZE).expect("proof");
    let from_hex = |h: &str| -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).expect("hex");
        }
        out
    };
    let p_plus = |k: u8| {
        let mut y = [0xffu8; 32];
        y[0] = 0xed + k;
        y[31] = 0x7f;
        y
    };
    let mut small = vec![
        [0u8; 32],
        {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        },
        from_hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        from_hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        {
            let mut minus_one = p_plus(0);
            minus_one[0] = 0xec;
            minus_one
        },
        p_plus(0),
        p_plus(1),
    ];
    let negated: Vec<[u8; 32]> = small
        .iter()
        .map(|public| {
            let mut signed = *public;
            signed[31] |= 0x80;
            signed
        })
        .collect();
    small.extend(negated);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    for (i, public) in small.iter().enumerate() {
        assert!(
            ed25519_dalek::VerifyingKey::from_bytes(public).is_ok_and(|k| k.is_weak()),
            "encoding {i} is not a weak key to dalek"
        );
        let name = "weak.example/witness";
        let vkey = raw_vkey(name, 4, public);
        // A "cosignature" with R = identity and s = 0: valid under the identity key for any
        // message in a cofactorless verifier that skips the small-order check.
        let mut forged = vec![0u8; 8];
        forged.extend_from_slice(&identity);
        forged.extend_from_slice(&[0u8; 32]);
        let line = NoteSignature {
            name: name.into(),
            key_id: key_id(name, 4, public),
            signature: forged,
        };
        let checkpoint = note(
            &proof_text,
            &[
                f.log.sign_note_text(&proof_text),
                f.w1.cosign(&proof_text, T1),
                line,
            ],
        );
        let policy = format!(
            "log {}\nwitness samr {}\nwitness weak {vkey}\ngroup q all samr weak\nquorum q\n",
            f.log.verifier(),
            f.w1.verifier()
        );
        f.add(
            format!("small-order key {i}"),
            proof_file("13", &hashes, &checkpoint),
            Entry::Data(f.entries[13].clone()),
            &policy,
        );
    }
    // Other encodings: y = 2..40, y = p + 2..p + 18 (non-canonical), both sign bits. The key
    // is listed but not needed by the quorum, so the verdict hinges on whether it parses.
    let mut candidates = Vec::new();
    for y in 2u8..41 {
        let mut public = [0u8; 32];
        public[0] = y;
        candidates.push(public);
    }
    for k in 2u8..19 {
        candidates.push(p_plus(k));
    }
    let mut on_curve = 0;
    let proof = f.valid_proof(BASE_INDEX, BASE_SIZE);
    for (i, public) in candidates.iter().enumerate() {
        for sign in [0u8, 0x80] {
            let mut public = *public;
            public[31] |= sign;
            on_curve += usize::from(ed25519_dalek::VerifyingKey::from_bytes(&public).is_ok());
            let policy = format!(
                "{}witness odd {}\n",
                f.policy.replace("quorum both\n", ""),
                raw_vkey("odd.example/w", 4, &public)
            ) + "quorum both\n";
            f.add(
                format!("witness key encoding {i} sign {sign}"),
                proof.clone(),
                Entry::Data(f.entries[13].clone()),
                &policy,
            );
        }
    }
    assert!(
        on_curve > 10 && on_curve < candidates.len() * 2,
        "the candidates should mix valid and invalid points"
    );
}

fn bit_flip_cases(f: &mut Fixture) {
    let proof = f.valid_proof(BASE_INDEX, BASE_SIZE);
    for byte in 0..proof.len() {
        for bit in 0..8 {
            let mut bad = proof.clone();
            bad[byte] ^= 1 << bit;
            f.entry_case(format!("proof byte {byte} bit {bit}"), bad, 13);
        }
    }
    let policy = f.policy.clone().into_bytes();
    for byte in 0..policy.len() {
        for mask in [0x01u8, 0x20] {
            let mut bad = policy.clone();
            bad[byte] ^= mask;
            f.cases.push(Case {
                name: format!("policy byte {byte} ^ {mask:#04x}"),
                proof: proof.clone(),
                entry: Entry::Data(f.entries[13].clone()),
                policy: bad,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------

fn node() -> Option<PathBuf> {
    let node = std::env::var_os("RETU_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from);
    match Command::new(&node).arg("--version").output() {
        Ok(output) if output.status.success() => Some(node),
        _ => None,
    }
}

fn write_cases(dir: &Path, cases: &[Case]) -> PathBuf {
    let list: Vec<Value> = cases
        .iter()
        .map(|case| {
            let mut value = json!({
                "name": case.name,
                "proof": B64.encode(&case.proof),
                "policy": B64.encode(&case.policy),
            });
            match &case.entry {
                Entry::Data(data) => value["entry"] = json!(B64.encode(data)),
                Entry::LeafHash(hash) => value["leafHash"] = json!(B64.encode(hash)),
            }
            value
        })
        .collect();
    let path = dir.join("cases.json");
    std::fs::write(
        &path,
        serde_json::to_vec(&json!({ "cases": list })).expect("json"),
    )
    .expect("write cases");
    path
}

#[test]
fn js_and_rust_verifiers_agree() {
    let Some(node) = node() else {
        // Straight to the terminal: the test harness would swallow a println!.
        let _ = writeln!(
            std::io::stderr(),
            "SKIP js_agreement: no usable `node` on PATH or in RETU_NODE (Node 20+ needed); the JS verifier was NOT cross-checked"
        );
        return;
    };
    let mut f = Fixture::new();
    valid_proofs(&mut f);
    index_and_hash_cases(&mut f);
    signature_cases(&mut f);
    checkpoint_cases(&mut f);
    large_tree_cases(&mut f);
    policy_cases(&mut f);
    key_encoding_cases(&mut f);
    bit_flip_cases(&mut f);
    let cases = std::mem::take(&mut f.cases);

    let dir = std::env::temp_dir().join(format!("retu-js-agreement-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = write_cases(&dir, &cases);
    let started = std::time::Instant::now();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/assets/tests/agree.mjs");
    let output = Command::new(&node)
        .arg(&script)
        .arg(&file)
        .output()
        .expect("run node");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.status.success(),
        "agree.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let node_seconds = started.elapsed().as_secs_f64();
    let js: Vec<Value> = serde_json::from_slice(&output.stdout).expect("agree.mjs prints JSON");
    assert_eq!(js.len(), cases.len(), "one JS verdict per case");

    // RETU_AGREEMENT_SHOW=<text> prints the verdicts of the cases whose name contains <text>.
    let show = std::env::var("RETU_AGREEMENT_SHOW").ok();
    let mut disagreements = Vec::new();
    let (mut valid, mut reasons) = (0, std::collections::BTreeMap::new());
    for (case, js) in cases.iter().zip(&js) {
        assert_eq!(
            js["name"].as_str(),
            Some(case.name.as_str()),
            "verdicts out of order"
        );
        let rust = rust_verdict(case);
        let javascript = js_verdict(js);
        if rust != javascript {
            disagreements.push(format!(
                "{}:\n    rust {rust:?}\n    js   {javascript:?} ({})",
                case.name,
                js["detail"].as_str().unwrap_or("")
            ));
        }
        if show
            .as_deref()
            .is_some_and(|filter| case.name.contains(filter))
        {
            let _ = writeln!(
                std::io::stderr(),
                "{}: rust {:?}, js {:?} ({})",
                case.name,
                rust.reason.as_deref().unwrap_or("ok"),
                javascript.reason.as_deref().unwrap_or("ok"),
                js["detail"].as_str().unwrap_or("")
            );
        }
        if rust.ok {
            valid += 1;
        }
        *reasons
            .entry(rust.reason.unwrap_or_else(|| "ok".into()))
            .or_insert(0) += 1;
    }
    let _ = writeln!(
        std::io::stderr(),
        "js_agreement: {} cases ({valid} valid), {} disagreements (node: {node_seconds:.1} s); verdicts {reasons:?}",
        cases.len(),
        disagreements.len()
    );
    assert!(
        !reasons.contains_key("unmapped Rust error"),
        "a Rust error has no JS reason code"
    );
    assert!(
        disagreements.is_empty(),
        "JS and Rust disagree on {} of {} cases:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
}
