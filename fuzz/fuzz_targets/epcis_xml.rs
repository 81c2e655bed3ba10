//! The EPCIS XML binding never panics: reading, validating and hashing arbitrary bytes (the
//! checks live in `epcis::fuzzing::xml`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| epcis::fuzzing::xml(data));
