//! Certificate drafts (JSON) and typed certificate numbers never panic; issued certificates keep
//! their canonical bytes through JSON (the checks live in `repository::certificate::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| repository::certificate::fuzzing::certificate(data));
