//! Verifier and signer key parsing never panics, and what parses re-encodes exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::{SignerKey, VerifierKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(key) = VerifierKey::parse(text) {
            assert_eq!(key.to_string(), text);
        }
        if let Ok(key) = SignerKey::parse(text) {
            assert_eq!(key.to_skey(), text);
        }
    }
});
