//! C2SP tlog-checkpoint v1.0.0: the signed statement of a log's size and root.
//!
//! The note text is the origin line, the tree size in decimal, the base64 root hash, then
//! optional non-empty extension lines:
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! Policy beyond the spec (reference/tlog.md §1.8): the size must be below 2^63, because Go
//! tooling parses sizes as `int64`; and the root must be exactly 32 bytes, because this is a
//! SHA-256 log (transparency-dev/formats accepts any length; we do not).

use std::fmt;

use crate::hash::{Hash, HashError};
use crate::note::{Note, NoteError, VerifierKey};

/// The largest tree size a checkpoint or proof may carry: `2^63 - 1`.
pub const MAX_TREE_SIZE: u64 = i64::MAX as u64;

/// A log's checkpoint body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, conventionally a schema-less URL such as `retu.example/county-log`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// The Merkle Tree Hash of those leaves.
    pub root: Hash,
    /// Extension lines, each ending in a newline (empty when there are none, as recommended).
    pub extensions: String,
}

/// Why checkpoint text was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Fewer than three lines, or text not ending in a newline.
    #[error("a checkpoint has an origin, a size and a root hash, each on its own line")]
    TooFewLines,
    /// The origin line is empty.
    #[error("the origin line is empty")]
    EmptyOrigin,
    /// The size is not a decimal number without sign or leading zeros.
    #[error("the tree size {0:?} is not a decimal number without leading zeros")]
    BadSize(String),
    /// The size is 2^63 or more.
    #[error("the tree size {0} is too large (the limit is 2^63 - 1)")]
    SizeTooLarge(String),
    /// The root hash line is not base64 of 32 bytes.
    #[error("the root hash: {0}")]
    BadRoot(HashError),
    /// An extension line is empty.
    #[error("empty extension line")]
    EmptyExtensionLine,
    /// The signed note around the checkpoint is bad.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The note is signed, but its origin is not the log key's name.
    #[error("the checkpoint origin {origin:?} is not the log key's name {key:?}")]
    OriginMismatch {
        /// The checkpoint's origin line.
        origin: String,
        /// The key's name.
        key: String,
    },
}

/// Parses a tree size: decimal, no sign, no leading zeros, below 2^63.
pub(crate) fn parse_tree_size(text: &str) -> Result<u64, CheckpointError> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::BadSize(text.chars().take(40).collect()));
    }
    match text.parse::<u64>() {
        Ok(size) if size <= MAX_TREE_SIZE => Ok(size),
        _ => Err(CheckpointError::SizeTooLarge(
            text.chars().take(40).collect(),
        )),
    }
}

impl Checkpoint {
    /// Parses checkpoint note text (without signatures).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::TooFewLines)?;
        let mut lines = body.splitn(4, '\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_tree_size(size)?;
        let root = Hash::from_base64(root).map_err(CheckpointError::BadRoot)?;
        let extensions = match lines.next() {
            None => String::new(),
            Some(rest) => {
                if rest.split('\n').any(str::is_empty) {
                    return Err(CheckpointError::EmptyExtensionLine);
                }
                format!("{rest}\n")
            }
        };
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The note text: origin, size, root and extension lines, each ending in a newline.
    pub fn to_text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}",
            self.origin,
            self.size,
            self.root.to_base64(),
            self.extensions
        )
    }

    /// Opens a signed checkpoint: checks that `log_key` signed it and that the origin is the
    /// key's name (C2SP tlog-checkpoint: the log's key name SHOULD be the origin; we require it,
    /// so a key for one log cannot vouch for another's checkpoints).
    pub fn open(
        note_bytes: &[u8],
        log_key: &VerifierKey,
    ) -> Result<(Note, Checkpoint), CheckpointError> {
        let note = Note::parse(note_bytes)?;
        note.verify(std::slice::from_ref(log_key))?;
        let checkpoint = Checkpoint::parse(note.text())?;
        if checkpoint.origin != log_key.name() {
            return Err(CheckpointError::OriginMismatch {
                origin: checkpoint.origin,
                key: log_key.name().to_owned(),
            });
        }
        Ok((note, checkpoint))
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}
