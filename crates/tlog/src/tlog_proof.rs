//! C2SP tlog-proof@v1 (HEAD, untagged): a self-contained, offline-verifiable proof that an
//! entry is in a log, carried as a `.tlog-proof` file.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64, unauthenticated>]
//! index <leaf index>
//! <base64 inclusion proof hash, leaf sibling first>
//! ...
//!
//! <signed checkpoint, with the log signature and witness cosignatures>
//! ```
//!
//! Verification follows the spec's order: the application computes the leaf hash itself; the
//! checkpoint's origin must be a log in the policy and carry that log's signature; the witness
//! cosignatures must satisfy the policy's quorum; the inclusion proof must bind the leaf to the
//! checkpoint root.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::checkpoint::{Checkpoint, CheckpointError, MAX_TREE_SIZE, parse_tree_size};
use crate::cosignature::timestamp_of_signature;
use crate::hash::{Hash, HashError};
use crate::note::{KeyKind, Note, NoteError};
use crate::policy::Policy;
use crate::verify::{VerifyError, verify_inclusion};

/// The first line of every tlog-proof.
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The most inclusion hashes a proof can need for a tree below 2^63 leaves.
const MAX_PROOF_HASHES: usize = 63;

/// A parsed tlog-proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlogProof {
    /// Opaque, unauthenticated data for the application (for example the leaf's fields).
    pub extra: Option<Vec<u8>>,
    /// The leaf index.
    pub index: u64,
    /// The inclusion proof, leaf sibling first (RFC 9162 order).
    pub inclusion: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

/// Why a tlog-proof was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlogProofError {
    /// The text breaks the tlog-proof layout; the message says how.
    #[error("malformed tlog-proof: {0}")]
    Malformed(&'static str),
    /// An inclusion hash line is bad.
    #[error("malformed tlog-proof: inclusion hash {line}: {error}")]
    BadHash {
        /// 1-based position among the hash lines.
        line: usize,
        /// What is wrong with it.
        error: HashError,
    },
    /// The checkpoint note or its signatures failed.
    #[error("checkpoint signatures: {0}")]
    Note(#[from] NoteError),
    /// The checkpoint text is malformed.
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint comes from a log the policy does not trust.
    #[error("the checkpoint's log {0:?} is not in the policy")]
    UnknownLog(String),
    /// The checkpoint lacks a valid signature by its log.
    #[error("the checkpoint is not signed by its log {0:?}")]
    NoLogSignature(String),
    /// Too few witnesses cosigned for the policy's quorum.
    #[error("witness quorum not met: cosigned by {} ({} of {} witnesses)", .cosigned.join(", "), .cosigned.len(), .known)]
    QuorumNotMet {
        /// The witnesses (policy names) whose cosignature verified.
        cosigned: Vec<String>,
        /// How many witnesses the policy knows.
        known: usize,
    },
    /// The inclusion proof does not bind the leaf to the checkpoint.
    #[error("inclusion proof: {0}")]
    Inclusion(#[from] VerifyError),
}

/// A witness cosignature that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cosigned {
    /// The witness's name in the policy.
    pub witness: String,
    /// The cosignature time, POSIX seconds.
    pub timestamp: u64,
}

/// What a successful verification established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedProof {
    /// The checkpoint the entry is included in.
    pub checkpoint: Checkpoint,
    /// Witnesses whose cosignatures verified, in note order.
    pub cosigned: Vec<Cosigned>,
    /// How many witnesses the policy knows (the M in "verified by N of M witnesses").
    pub known_witnesses: usize,
}

impl TlogProof {
    /// Parses a tlog-proof. The checkpoint is kept verbatim and checked by [`TlogProof::verify`].
    pub fn parse(bytes: &[u8]) -> Result<Self, TlogProofError> {
        let mut rest = bytes;
        let mut next_line = || -> Result<&[u8], TlogProofError> {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(TlogProofError::Malformed("ends before the checkpoint"))?;
            let (line, tail) = rest.split_at(end);
            rest = &tail[1..];
            Ok(line)
        };
        if next_line()? != TLOG_PROOF_HEADER.as_bytes() {
            return Err(TlogProofError::Malformed(
                "missing the c2sp.org/tlog-proof@v1 header",
            ));
        }
        let mut line = next_line()?;
        let mut extra = None;
        if let Some(encoded) = line.strip_prefix(b"extra ") {
            extra = Some(
                BASE64
                    .decode(encoded)
                    .map_err(|_| TlogProofError::Malformed("extra is not base64"))?,
            );
            line = next_line()?;
        }
        let index_text = line
            .strip_prefix(b"index ")
            .ok_or(TlogProofError::Malformed("missing the index line"))?;
        let index_text = std::str::from_utf8(index_text)
            .map_err(|_| TlogProofError::Malformed("index is not a number"))?;
        let index = parse_tree_size(index_text)
            .ok()
            .filter(|index| *index < MAX_TREE_SIZE)
            .ok_or(TlogProofError::Malformed(
                "index is not a decimal number below 2^63 - 1",
            ))?;
        let mut inclusion = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if inclusion.len() == MAX_PROOF_HASHES {
                return Err(TlogProofError::Malformed("more than 63 inclusion hashes"));
            }
            let text = std::str::from_utf8(line).map_err(|_| TlogProofError::BadHash {
                line: inclusion.len() + 1,
                error: HashError::NotBase64,
            })?;
            let hash = Hash::from_base64(text).map_err(|error| TlogProofError::BadHash {
                line: inclusion.len() + 1,
                error,
            })?;
            inclusion.push(hash);
        }
        if rest.is_empty() {
            return Err(TlogProofError::Malformed("no checkpoint"));
        }
        Ok(TlogProof {
            extra,
            index,
            inclusion,
            checkpoint: rest.to_vec(),
        })
    }

    /// The `.tlog-proof` bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("{TLOG_PROOF_HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", BASE64.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.inclusion {
            out.push_str(&hash.to_base64());
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }

    /// Verifies that the entry with `leaf_hash` is in a checkpoint of a policy log, cosigned to
    /// the policy's quorum.
    pub fn verify(
        &self,
        leaf_hash: &Hash,
        policy: &Policy,
    ) -> Result<VerifiedProof, TlogProofError> {
        let note = Note::parse(&self.checkpoint)?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if policy.logs_for(&checkpoint.origin).next().is_none() {
            return Err(TlogProofError::UnknownLog(checkpoint.origin.clone()));
        }
        // Every key the policy knows takes part, so that a bad cosignature from a known witness
        // rejects the note, as C2SP signed-note asks.
        let keys = policy.keys();
        let verified = match note.verify(&keys) {
            Ok(verified) => verified,
            Err(NoteError::NoKnownSignature) => {
                return Err(TlogProofError::NoLogSignature(checkpoint.origin));
            }
            Err(error) => return Err(error.into()),
        };
        let by_its_log = verified.iter().any(|key| {
            policy
                .logs_for(&checkpoint.origin)
                .any(|log| **key == log.key)
        });
        if !by_its_log {
            return Err(TlogProofError::NoLogSignature(checkpoint.origin));
        }
        let mut cosigned = Vec::new();
        for signature in note.signatures() {
            let Some(witness) = policy.witnesses().iter().find(|w| {
                w.key.kind() == KeyKind::CosignatureV1
                    && w.key.name() == signature.name
                    && w.key.key_id() == signature.key_id
            }) else {
                continue;
            };
            if cosigned
                .iter()
                .any(|c: &Cosigned| c.witness == witness.name)
            {
                continue;
            }
            // The signature verified above, so its timestamp is well formed.
            let timestamp = timestamp_of_signature(signature).unwrap_or_default();
            cosigned.push(Cosigned {
                witness: witness.name.clone(),
                timestamp,
            });
        }
        let names: Vec<&str> = cosigned.iter().map(|c| c.witness.as_str()).collect();
        if !policy.is_satisfied(&names) {
            return Err(TlogProofError::QuorumNotMet {
                cosigned: names.iter().map(|n| (*n).to_owned()).collect(),
                known: policy.witnesses().len(),
            });
        }
        verify_inclusion(
            leaf_hash,
            self.index,
            checkpoint.size,
            &self.inclusion,
            &checkpoint.root,
        )?;
        Ok(VerifiedProof {
            checkpoint,
            cosigned,
            known_witnesses: policy.witnesses().len(),
        })
    }
}
