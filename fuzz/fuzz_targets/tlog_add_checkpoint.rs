//! The witness's add-checkpoint parser and decision never panic on any request body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::{AddCheckpointRequest, KeyKind, SignerKey, Witness, WitnessState, WitnessedLog, leaf_hash};

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = AddCheckpointRequest::parse(data) {
        assert_eq!(AddCheckpointRequest::parse(&request.to_bytes()), Ok(request));
    }
    let (Ok(log), Ok(key)) = (
        SignerKey::from_seed("fuzz.example/log", KeyKind::Ed25519, [1; 32]),
        SignerKey::from_seed("fuzz.example/witness", KeyKind::CosignatureV1, [2; 32]),
    ) else {
        return;
    };
    let logs = vec![WitnessedLog { origin: "fuzz.example/log".into(), keys: vec![log.verifier()] }];
    if let Ok(witness) = Witness::new(key, logs) {
        let state = WitnessState { size: 3, root: leaf_hash(b"x") };
        let decision = witness.add_checkpoint(data, |_| Some(state), 1_700_000_000);
        assert!(matches!(decision.status, 200 | 400 | 403 | 404 | 409 | 422));
    }
});
