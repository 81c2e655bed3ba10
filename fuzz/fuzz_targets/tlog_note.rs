//! Signed-note parsing and verification never panic, and what parses re-encodes exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::{KeyKind, Note, SignerKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_bytes(), data);
        // Exercise verification too, with a key whose name may match a signature line.
        let name = note.signatures().first().map_or("k", |s| s.name.as_str());
        if let Ok(signer) = SignerKey::from_seed(name, KeyKind::Ed25519, [1; 32]) {
            let _ = note.verify(&[signer.verifier()]);
        }
    }
});
