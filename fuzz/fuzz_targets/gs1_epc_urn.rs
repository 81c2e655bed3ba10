//! EPC URN parsing never panics, and an accepted URN prints back identically and converts to
//! and from Digital Link (the checks live in `gs1::fuzzing::epc_urn`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gs1::fuzzing::epc_urn(data));
