//! C2SP tlog-cosignature v1.0.1: the message a witness signs and the layout of its signature.
//!
//! A cosignature states "as of this time, this is the largest consistent tree head I have seen
//! for this origin". The Ed25519 signature (type 0x04) is over
//! `cosignature/v1\ntime <timestamp>\n<checkpoint text>` and is carried as
//! `timestamp (8 bytes, big-endian) ‖ signature (64 bytes)`; with the key ID in front, the base64
//! of a cosignature line decodes to 76 bytes. Signing and verifying live on
//! [`crate::SignerKey::cosign`] and [`crate::VerifierKey::verify`].

use crate::note::NoteSignature;

/// The exact bytes a witness signs for checkpoint `text` (which includes its final newline and
/// any extension lines, but no signature lines) at `timestamp`.
pub fn cosigned_message(timestamp: u64, text: &str) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// Why a signature is not a v1 cosignature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CosignatureError {
    /// A v1 cosignature is a key ID (4 bytes), a timestamp (8) and an Ed25519 signature (64).
    #[error("a cosignature has 76 bytes with its key ID, this one has {0}")]
    WrongLength(usize),
    /// Timestamps are POSIX seconds and must fit in a signed 64-bit integer.
    #[error("cosignature timestamp {0} is beyond 2^63 - 1")]
    TimestampOutOfRange(u64),
}

/// The timestamp of a cosignature line's decoded payload (key ID ‖ timestamp ‖ signature).
pub fn cosignature_timestamp(raw_with_key_id: &[u8]) -> Result<u64, CosignatureError> {
    if raw_with_key_id.len() != 76 {
        return Err(CosignatureError::WrongLength(raw_with_key_id.len()));
    }
    timestamp_of(&raw_with_key_id[4..])
}

/// The timestamp of a parsed cosignature (whose `signature` excludes the key ID).
pub fn timestamp_of_signature(signature: &NoteSignature) -> Result<u64, CosignatureError> {
    if signature.signature.len() != 72 {
        return Err(CosignatureError::WrongLength(signature.signature.len() + 4));
    }
    timestamp_of(&signature.signature)
}

fn timestamp_of(signature: &[u8]) -> Result<u64, CosignatureError> {
    let Some(time) = signature.first_chunk::<8>() else {
        return Err(CosignatureError::WrongLength(signature.len() + 4));
    };
    let timestamp = u64::from_be_bytes(*time);
    if timestamp > i64::MAX as u64 {
        return Err(CosignatureError::TimestampOutOfRange(timestamp));
    }
    Ok(timestamp)
}

/// The label that starts an ML-DSA-44 subtree cosignature message (C2SP tlog-cosignature
/// v1.1.0-rc.1): `subtree/v1\n` and a zero byte.
const SUBTREE_LABEL: &[u8; 12] = b"subtree/v1\n\0";

/// The message an ML-DSA-44 (type 0x06) cosigner signs for the subtree `[start, end)` with root
/// `hash`: the TLS encoding of `struct { label[12]; opaque cosigner_name<1..255>; uint64
/// timestamp; opaque log_origin<1..255>; uint64 start; uint64 end; uint8 hash[32]; }`.
///
/// Retu signs with Ed25519 today; this encoder exists so that an ML-DSA-44 line can be added
/// later without touching the format code, and is pinned by the generated vector now.
pub fn subtree_cosigned_message(
    cosigner_name: &str,
    timestamp: u64,
    log_origin: &str,
    start: u64,
    end: u64,
    hash: &crate::Hash,
) -> Option<Vec<u8>> {
    let name = u8::try_from(cosigner_name.len())
        .ok()
        .filter(|len| *len > 0)?;
    let origin = u8::try_from(log_origin.len()).ok().filter(|len| *len > 0)?;
    // A subtree that does not start at 0 is timeless: its timestamp must be 0.
    if start != 0 && timestamp != 0 || start >= end {
        return None;
    }
    let mut out = Vec::with_capacity(12 + 1 + usize::from(name) + 8 + 1 + usize::from(origin) + 48);
    out.extend_from_slice(SUBTREE_LABEL);
    out.push(name);
    out.extend_from_slice(cosigner_name.as_bytes());
    out.extend_from_slice(&timestamp.to_be_bytes());
    out.push(origin);
    out.extend_from_slice(log_origin.as_bytes());
    out.extend_from_slice(&start.to_be_bytes());
    out.extend_from_slice(&end.to_be_bytes());
    out.extend_from_slice(&hash.0);
    Some(out)
}
