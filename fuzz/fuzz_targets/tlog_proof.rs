//! tlog-proof parsing and verification never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::{KeyKind, Policy, SignerKey, TlogProof, leaf_hash};

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = TlogProof::parse(data) {
        let again = TlogProof::parse(&proof.to_bytes());
        assert_eq!(again.as_ref(), Ok(&proof));
        let log = SignerKey::from_seed("fuzz.example/log", KeyKind::Ed25519, [1; 32]);
        if let Ok(log) = log
            && let Ok(policy) = Policy::parse(&format!("log {}\nquorum none\n", log.verifier()))
        {
            let _ = proof.verify(&leaf_hash(b"entry"), &policy);
        }
    }
});
