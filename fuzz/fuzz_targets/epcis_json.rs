//! The EPCIS JSON-LD binding never panics: reading, validating and hashing arbitrary bytes
//! (the checks live in `epcis::fuzzing::json`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| epcis::fuzzing::json(data));
