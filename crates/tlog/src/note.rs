//! C2SP signed-note v1.0.0: notes, signature lines, verifier keys (vkeys), signer keys (skeys),
//! Ed25519 note signatures and key IDs.
//!
//! A note is UTF-8 text ending in a newline, a blank line, then one or more lines
//! `— <key name> <base64(key ID ‖ signature)>`. Verifiers are identified by the pair (name, key
//! ID); signatures from unknown keys are ignored, and a signature from a known key that fails
//! rejects the whole note. Ed25519 signatures are checked with `verify_strict`, which also rejects
//! small-order keys and non-canonical encodings that an honest signer never produces.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::cosignature::cosigned_message;

/// The signature type byte of an Ed25519 note signature (C2SP signed-note).
pub const ALG_ED25519: u8 = 0x01;
/// The signature type byte of a timestamped Ed25519 cosignature (C2SP tlog-cosignature v1).
pub const ALG_COSIGNATURE_V1: u8 = 0x04;
/// The most signature lines a note may carry. C2SP requires accepting at least 16; golang/mod
/// rejects notes with more than 100, and so do we, to bound verification work.
pub const MAX_SIGNATURES: usize = 100;

/// The signature line prefix: U+2014 EM DASH and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

/// Why a note, a key or a signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The note breaks the signed-note layout; the message says how.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A signature from a key we know did not verify; the whole note is rejected.
    #[error("the signature by {0} does not verify")]
    InvalidSignature(String),
    /// None of the signatures came from a key we know.
    #[error("no signature from a known key")]
    NoKnownSignature,
    /// The key text is not a valid vkey or skey; the message says how.
    #[error("malformed key: {0}")]
    MalformedKey(&'static str),
    /// The key ID in the key text does not match the key.
    #[error("the key ID does not match the key")]
    KeyIdMismatch,
    /// The key has a signature type this implementation does not know.
    #[error("unsupported signature type 0x{0:02x}")]
    UnsupportedAlgorithm(u8),
}

/// A key name is non-empty and has no Unicode white space and no `+` (C2SP signed-note).
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('+') && !name.chars().any(char::is_whitespace)
}

/// The key ID: the first four bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`, big-endian.
pub fn key_id(name: &str, algorithm: u8, public_key: &[u8]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', algorithm]);
    hasher.update(public_key);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key ID.
    pub key_id: u32,
    /// The signature bytes after the key ID.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line as it appears in a note, with its final newline.
    pub fn to_line(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        format!("{SIGNATURE_PREFIX}{} {}\n", self.name, BASE64.encode(raw))
    }

    /// Parses one signature line, without its newline.
    fn parse_line(line: &str) -> Result<Self, NoteError> {
        let body = line
            .strip_prefix(SIGNATURE_PREFIX)
            .ok_or(NoteError::Malformed(
                "a line after the blank line is not a signature",
            ))?;
        let (name, encoded) = body
            .split_once(' ')
            .ok_or(NoteError::Malformed("signature line has no signature"))?;
        if !is_valid_key_name(name) {
            return Err(NoteError::Malformed("invalid key name in a signature line"));
        }
        let raw = BASE64
            .decode(encoded)
            .map_err(|_| NoteError::Malformed("signature is not base64"))?;
        if raw.len() < 5 {
            return Err(NoteError::Malformed("signature is too short"));
        }
        let (id, signature) = raw.split_at(4);
        Ok(NoteSignature {
            name: name.to_owned(),
            key_id: u32::from_be_bytes([id[0], id[1], id[2], id[3]]),
            signature: signature.to_vec(),
        })
    }
}

/// A signed note: its text and its signature lines, as parsed, none verified yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// Checks the characters of note text: UTF-8 (guaranteed by `&str`) with no ASCII control
/// characters other than newline.
fn check_characters(text: &str) -> Result<(), NoteError> {
    if text.chars().any(|c| c.is_ascii_control() && c != '\n') {
        return Err(NoteError::Malformed("control character in note"));
    }
    Ok(())
}

impl Note {
    /// Makes an unsigned note from its text, which must end with a newline.
    pub fn new(text: impl Into<String>) -> Result<Self, NoteError> {
        let text = text.into();
        check_characters(&text)?;
        if !text.ends_with('\n') {
            return Err(NoteError::Malformed("note text must end with a newline"));
        }
        Ok(Note {
            text,
            signatures: Vec::new(),
        })
    }

    /// Parses a signed note (its structure only; see [`Note::verify`] and [`open`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, NoteError> {
        let message =
            std::str::from_utf8(bytes).map_err(|_| NoteError::Malformed("note is not UTF-8"))?;
        check_characters(message)?;
        // The last blank line separates the text (which keeps its final newline) from the
        // signatures; the text itself may contain blank lines.
        let split = message
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, signature_block) = (&message[..=split], &message[split + 2..]);
        if signature_block.is_empty() {
            return Err(NoteError::Malformed("no signatures"));
        }
        let lines = signature_block
            .strip_suffix('\n')
            .ok_or(NoteError::Malformed(
                "the last signature line has no newline",
            ))?;
        let mut signatures = Vec::new();
        for line in lines.split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::Malformed("too many signatures"));
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        Ok(Note {
            text: text.to_owned(),
            signatures,
        })
    }

    /// The signed text, with its final newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines, in order.
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// Adds a signature line (for example a witness cosignature returned by add-checkpoint).
    pub fn push_signature(&mut self, signature: NoteSignature) -> Result<(), NoteError> {
        if !is_valid_key_name(&signature.name) {
            return Err(NoteError::Malformed("invalid key name"));
        }
        if self.signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::Malformed("too many signatures"));
        }
        self.signatures.push(signature);
        Ok(())
    }

    /// Signs the text with `signer` and adds the signature line.
    pub fn sign(&mut self, signer: &SignerKey) -> Result<(), NoteError> {
        let signature = signer.sign_note_text(&self.text);
        self.push_signature(signature)
    }

    /// Checks the signatures against `verifiers`, following C2SP signed-note: unknown keys are
    /// ignored, a failing signature from a known key rejects the note, and at least one known
    /// signature must verify. Returns the verifiers whose signature verified, once each.
    pub fn verify<'k>(
        &self,
        verifiers: &'k [VerifierKey],
    ) -> Result<Vec<&'k VerifierKey>, NoteError> {
        let mut verified: Vec<&VerifierKey> = Vec::new();
        for signature in &self.signatures {
            let Some(key) = verifiers
                .iter()
                .find(|key| key.name == signature.name && key.key_id == signature.key_id)
            else {
                continue;
            };
            if !key.verify(self.text.as_bytes(), &signature.signature) {
                return Err(NoteError::InvalidSignature(signature.name.clone()));
            }
            if !verified.iter().any(|seen| std::ptr::eq(*seen, key)) {
                verified.push(key);
            }
        }
        if verified.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(verified)
    }

    /// The note as bytes: text, blank line, signature lines.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for signature in &self.signatures {
            f.write_str(&signature.to_line())?;
        }
        Ok(())
    }
}

/// Parses a note and verifies it against `verifiers` in one step.
pub fn open<'k>(
    bytes: &[u8],
    verifiers: &'k [VerifierKey],
) -> Result<(Note, Vec<&'k VerifierKey>), NoteError> {
    let note = Note::parse(bytes)?;
    let verified = note.verify(verifiers)?;
    Ok((note, verified))
}

/// What a verifier key checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Ed25519 signatures over the note text (type 0x01): a log's checkpoint signature.
    Ed25519,
    /// Timestamped Ed25519 cosignatures over `cosignature/v1` messages (type 0x04): a witness.
    CosignatureV1,
}

impl KeyKind {
    fn algorithm(self) -> u8 {
        match self {
            KeyKind::Ed25519 => ALG_ED25519,
            KeyKind::CosignatureV1 => ALG_COSIGNATURE_V1,
        }
    }

    fn from_algorithm(algorithm: u8) -> Result<Self, NoteError> {
        match algorithm {
            ALG_ED25519 => Ok(KeyKind::Ed25519),
            ALG_COSIGNATURE_V1 => Ok(KeyKind::CosignatureV1),
            other => Err(NoteError::UnsupportedAlgorithm(other)),
        }
    }
}

/// A public key that checks note signatures: a log key or a witness cosigning key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_id: u32,
    kind: KeyKind,
    key: VerifyingKey,
}

impl VerifierKey {
    /// Parses a vkey, `<name>+<hex key ID>+<base64(type ‖ public key)>`. The base64 part may
    /// itself contain `+`, so only the first two are separators.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey(
                "a vkey has three parts separated by '+'",
            ));
        };
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedKey("invalid key name"));
        }
        let id = parse_key_id(id_hex)?;
        let raw = BASE64
            .decode(encoded)
            .map_err(|_| NoteError::MalformedKey("the key is not base64"))?;
        let (&algorithm, public) = raw
            .split_first()
            .ok_or(NoteError::MalformedKey("the key is empty"))?;
        let kind = KeyKind::from_algorithm(algorithm)?;
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| NoteError::MalformedKey("an Ed25519 public key has 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::MalformedKey("not an Ed25519 public key"))?;
        if key_id(name, algorithm, &public) != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(VerifierKey {
            name: name.to_owned(),
            key_id: id,
            kind,
            key,
        })
    }

    /// The key name (for a log, its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// What the key verifies.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The 32-byte Ed25519 public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Verifies one signature (without its key ID) over note `text`.
    pub fn verify(&self, text: &[u8], signature: &[u8]) -> bool {
        match self.kind {
            KeyKind::Ed25519 => ed25519_verify(&self.key, text, signature),
            KeyKind::CosignatureV1 => {
                // tlog-cosignature v1: an 8-byte big-endian timestamp, then the signature over
                // `cosignature/v1\ntime <t>\n<text>`. Timestamps above 2^63 - 1 are invalid.
                let Some((time, signature)) = signature.split_first_chunk::<8>() else {
                    return false;
                };
                let timestamp = u64::from_be_bytes(*time);
                if timestamp > i64::MAX as u64 {
                    return false;
                }
                let Ok(text) = std::str::from_utf8(text) else {
                    return false;
                };
                let message = cosigned_message(timestamp, text);
                ed25519_verify(&self.key, message.as_bytes(), signature)
            }
        }
    }
}

fn ed25519_verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return false;
    };
    key.verify_strict(message, &signature).is_ok()
}

fn parse_key_id(hex: &str) -> Result<u32, NoteError> {
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NoteError::MalformedKey(
            "the key ID is not 8 hexadecimal digits",
        ));
    }
    u32::from_str_radix(hex, 16).map_err(|_| NoteError::MalformedKey("bad key ID"))
}

impl fmt::Display for VerifierKey {
    /// Writes the vkey.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = Vec::with_capacity(33);
        raw.push(self.kind.algorithm());
        raw.extend_from_slice(self.key.as_bytes());
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(raw)
        )
    }
}

/// A private key that signs notes (a log) or cosigns checkpoints (a witness).
///
/// Its text form is the golang/mod `sumdb/note` skey, `PRIVATE+KEY+<name>+<hex key ID>+<base64(
/// type ‖ 32-byte seed)>`, which Tessera's tools also use. C2SP does not define private key
/// encodings; type 0x04 in an skey is this project's extension for witness keys.
#[derive(Clone)]
pub struct SignerKey {
    name: String,
    key_id: u32,
    kind: KeyKind,
    key: SigningKey,
}

impl fmt::Debug for SignerKey {
    /// Never prints the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl SignerKey {
    /// A signer from a 32-byte Ed25519 seed.
    pub fn from_seed(name: &str, kind: KeyKind, seed: [u8; 32]) -> Result<Self, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedKey("invalid key name"));
        }
        let key = SigningKey::from_bytes(&seed);
        let key_id = key_id(name, kind.algorithm(), key.verifying_key().as_bytes());
        Ok(SignerKey {
            name: name.to_owned(),
            key_id,
            kind,
            key,
        })
    }

    /// Parses an skey.
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey
            .strip_prefix("PRIVATE+KEY+")
            .ok_or(NoteError::MalformedKey("an skey starts with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(encoded)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey(
                "an skey has a name, a key ID and a key",
            ));
        };
        let id = parse_key_id(id_hex)?;
        let raw = BASE64
            .decode(encoded)
            .map_err(|_| NoteError::MalformedKey("the key is not base64"))?;
        let (&algorithm, seed) = raw
            .split_first()
            .ok_or(NoteError::MalformedKey("the key is empty"))?;
        let kind = KeyKind::from_algorithm(algorithm)?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| NoteError::MalformedKey("an Ed25519 seed has 32 bytes"))?;
        let signer = SignerKey::from_seed(name, kind, seed)?;
        if signer.key_id != id {
            return Err(NoteError::KeyIdMismatch);
        }
        Ok(signer)
    }

    /// The skey text. Treat it as a secret.
    pub fn to_skey(&self) -> String {
        let mut raw = Vec::with_capacity(33);
        raw.push(self.kind.algorithm());
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.key_id,
            BASE64.encode(raw)
        )
    }

    /// The matching verifier key.
    pub fn verifier(&self) -> VerifierKey {
        VerifierKey {
            name: self.name.clone(),
            key_id: self.key_id,
            kind: self.kind,
            key: self.key.verifying_key(),
        }
    }

    /// The key name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key ID.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// What the key signs.
    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Signs note text. A cosigning key (type 0x04) signs with timestamp 0 here; witnesses use
    /// [`SignerKey::cosign`] with the real time.
    pub fn sign_note_text(&self, text: &str) -> NoteSignature {
        match self.kind {
            KeyKind::Ed25519 => NoteSignature {
                name: self.name.clone(),
                key_id: self.key_id,
                signature: self.key.sign(text.as_bytes()).to_bytes().to_vec(),
            },
            KeyKind::CosignatureV1 => self.cosign(text, 0),
        }
    }

    /// Makes a tlog-cosignature v1 over checkpoint `text` at `timestamp` (POSIX seconds): the
    /// signature bytes are the 8-byte big-endian timestamp and the Ed25519 signature over
    /// `cosignature/v1\ntime <timestamp>\n<text>`. An Ed25519 log key can cosign too, but the
    /// key ID then says type 0x01 and verifiers will not accept it as a cosignature.
    pub fn cosign(&self, text: &str, timestamp: u64) -> NoteSignature {
        let message = cosigned_message(timestamp, text);
        let mut signature = Vec::with_capacity(72);
        signature.extend_from_slice(&timestamp.to_be_bytes());
        signature.extend_from_slice(&self.key.sign(message.as_bytes()).to_bytes());
        NoteSignature {
            name: self.name.clone(),
            key_id: self.key_id,
            signature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_generated_keys() {
        let signer =
            SignerKey::from_seed("county.example/log", KeyKind::Ed25519, [7; 32]).expect("signer");
        assert_eq!(
            SignerKey::parse(&signer.to_skey()).map(|s| s.key_id()),
            Ok(signer.key_id())
        );
        let vkey = signer.verifier().to_string();
        assert_eq!(VerifierKey::parse(&vkey), Ok(signer.verifier()));
        let mut note = Note::new("hello\n").expect("note");
        note.sign(&signer).expect("sign");
        let keys = [signer.verifier()];
        let (opened, verified) = open(&note.to_bytes(), &keys).expect("open");
        assert_eq!(opened, note);
        assert_eq!(verified.len(), 1);
    }

    #[test]
    fn a_note_without_text_newline_is_refused() {
        assert!(Note::new("no newline").is_err());
        assert!(Note::new("tab\there\n").is_err());
    }
}
