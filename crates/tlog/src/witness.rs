//! C2SP tlog-witness `add-checkpoint`: the request body and the witness's decision, as a pure
//! function of the request, the stored state and the clock.
//!
//! The witness keeps, per origin, the latest checkpoint it cosigned. It cosigns a new checkpoint
//! only if it is signed by the log, extends the stored one (proved by a consistency proof), and
//! the client knew which size the witness was at. The checks run in the order of
//! reference/tlog.md §2.6, which gives each failure its own status code.
//!
//! The caller must make "read the stored state, decide, store the new state" atomic: apply
//! [`Decision::update`] with a compare-and-swap against the state that was passed in, and retry
//! the whole request if it lost the race. Otherwise two concurrent requests could roll the
//! witness back (the race the spec spells out).

use crate::checkpoint::{Checkpoint, parse_tree_size};
use crate::hash::{EMPTY_ROOT, Hash};
use crate::note::{KeyKind, Note, NoteError, SignerKey, VerifierKey};
use crate::verify::verify_consistency;

/// The most consistency-proof lines a request may carry (a tree below 2^63 never needs more).
pub const MAX_CONSISTENCY_LINES: usize = 63;

/// Content type of the 409 body that tells the client the witness's current size.
pub const TLOG_SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// A parsed `add-checkpoint` request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes the witness has, 0 if none.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the new checkpoint.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: Vec<u8>,
}

/// Why a request body could not be parsed (always a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The body breaks the add-checkpoint layout; the message says how.
    #[error("malformed add-checkpoint request: {0}")]
    Malformed(&'static str),
}

impl AddCheckpointRequest {
    /// Parses `old <size>\n`, up to 63 base64 proof lines, an empty line, and the checkpoint.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        let malformed = RequestError::Malformed;
        let mut rest = body;
        let mut next_line = || -> Result<&[u8], RequestError> {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .ok_or(malformed("ends before the checkpoint"))?;
            let (line, tail) = rest.split_at(end);
            rest = &tail[1..];
            Ok(line)
        };
        let old_line = next_line()?;
        let old_text = old_line
            .strip_prefix(b"old ")
            .and_then(|t| std::str::from_utf8(t).ok())
            .ok_or(malformed("the first line must be 'old <size>'"))?;
        let old_size = parse_tree_size(old_text)
            .map_err(|_| malformed("old size is not a valid tree size"))?;
        let mut proof = Vec::new();
        loop {
            let line = next_line()?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_CONSISTENCY_LINES {
                return Err(malformed("more than 63 consistency proof lines"));
            }
            let hash = std::str::from_utf8(line)
                .ok()
                .and_then(|text| Hash::from_base64(text).ok())
                .ok_or(malformed(
                    "a consistency proof line is not a base64 SHA-256 hash",
                ))?;
            proof.push(hash);
        }
        if rest.is_empty() {
            return Err(malformed("no checkpoint"));
        }
        Ok(AddCheckpointRequest {
            old_size,
            proof,
            checkpoint: rest.to_vec(),
        })
    }

    /// The request body bytes, as a log sends them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size);
        for hash in &self.proof {
            out.push_str(&hash.to_base64());
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }
}

/// The latest checkpoint a witness cosigned for one origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WitnessState {
    /// Its size.
    pub size: u64,
    /// Its root.
    pub root: Hash,
}

/// A log the witness follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessedLog {
    /// The log's origin line.
    pub origin: String,
    /// Keys whose signature makes a checkpoint of this log acceptable.
    pub keys: Vec<VerifierKey>,
}

/// A state change the caller must persist, atomically with the check that the state is still
/// `previous`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateUpdate {
    /// The origin.
    pub origin: String,
    /// The state the decision was made against (`None`: nothing stored yet).
    pub previous: Option<WitnessState>,
    /// The state to store.
    pub next: WitnessState,
}

/// The witness's answer to one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// HTTP status: 200, 400, 403, 404, 409 or 422.
    pub status: u16,
    /// The response content type.
    pub content_type: &'static str,
    /// The response body: cosignature lines for 200, the current size for 409, a plain
    /// explanation otherwise.
    pub body: Vec<u8>,
    /// For 200, the new state to persist before answering.
    pub update: Option<StateUpdate>,
}

impl Decision {
    fn reject(status: u16, reason: impl Into<String>) -> Self {
        let mut body = reason.into();
        body.push('\n');
        Decision {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into_bytes(),
            update: None,
        }
    }
}

/// A witness: its cosigning key and the logs it follows.
#[derive(Clone, Debug)]
pub struct Witness {
    key: SignerKey,
    verifier: VerifierKey,
    logs: Vec<WitnessedLog>,
}

/// Why a witness could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The cosigning key must be a cosignature key (type 0x04), so that its signatures cannot be
    /// confused with log signatures.
    #[error("a witness key must be a cosignature (type 0x04) key")]
    NotACosigningKey,
}

impl Witness {
    /// A witness signing with `key` for the given logs.
    pub fn new(key: SignerKey, logs: Vec<WitnessedLog>) -> Result<Self, WitnessError> {
        if key.kind() != KeyKind::CosignatureV1 {
            return Err(WitnessError::NotACosigningKey);
        }
        let verifier = key.verifier();
        Ok(Witness {
            key,
            verifier,
            logs,
        })
    }

    /// The witness's public key.
    pub fn verifier(&self) -> &VerifierKey {
        &self.verifier
    }

    /// The logs it follows.
    pub fn logs(&self) -> &[WitnessedLog] {
        &self.logs
    }

    /// Decides an `add-checkpoint` request. `stored` looks up the stored state for an origin;
    /// `now` is the current POSIX time in seconds, used as the cosignature timestamp.
    pub fn add_checkpoint(
        &self,
        body: &[u8],
        stored: impl FnOnce(&str) -> Option<WitnessState>,
        now: u64,
    ) -> Decision {
        let request = match AddCheckpointRequest::parse(body) {
            Ok(request) => request,
            Err(error) => return Decision::reject(400, error.to_string()),
        };
        let note = match Note::parse(&request.checkpoint) {
            Ok(note) => note,
            Err(error) => return Decision::reject(400, format!("checkpoint: {error}")),
        };
        let checkpoint = match Checkpoint::parse(note.text()) {
            Ok(checkpoint) => checkpoint,
            Err(error) => return Decision::reject(400, format!("checkpoint: {error}")),
        };
        let Some(log) = self.logs.iter().find(|log| log.origin == checkpoint.origin) else {
            return Decision::reject(404, format!("unknown log {:?}", checkpoint.origin));
        };
        match note.verify(&log.keys) {
            Ok(_) => {}
            Err(NoteError::NoKnownSignature) => {
                return Decision::reject(403, "the checkpoint is not signed by the log's key");
            }
            Err(error) => return Decision::reject(403, error.to_string()),
        }
        if request.old_size > checkpoint.size {
            return Decision::reject(400, "old size is larger than the checkpoint size");
        }
        let previous = stored(&checkpoint.origin);
        let current_size = previous.map_or(0, |state| state.size);
        if request.old_size != current_size {
            return Decision {
                status: 409,
                content_type: TLOG_SIZE_CONTENT_TYPE,
                body: format!("{current_size}\n").into_bytes(),
                update: None,
            };
        }
        if checkpoint.size == 0 && checkpoint.root != EMPTY_ROOT {
            return Decision::reject(422, "an empty tree's root must be SHA-256 of nothing");
        }
        if request.old_size == 0 {
            if !request.proof.is_empty() {
                return Decision::reject(422, "old size 0 takes no consistency proof");
            }
        } else {
            // `old_size == current_size > 0`, so a state is stored.
            let old_root = previous.map_or(EMPTY_ROOT, |state| state.root);
            if let Err(error) = verify_consistency(
                request.old_size,
                checkpoint.size,
                &request.proof,
                &old_root,
                &checkpoint.root,
            ) {
                return Decision::reject(422, format!("consistency: {error}"));
            }
        }
        let cosignature = self.key.cosign(note.text(), now);
        Decision {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: cosignature.to_line().into_bytes(),
            update: Some(StateUpdate {
                origin: checkpoint.origin,
                previous,
                next: WitnessState {
                    size: checkpoint.size,
                    root: checkpoint.root,
                },
            }),
        }
    }
}
