//! GS1 element string parsing (scanner data with GS separators and symbology identifiers, and
//! the bracketed human-readable form) never panics, and both output forms of an accepted
//! string read back (the checks live in `gs1::fuzzing::element_string`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gs1::fuzzing::element_string(data));
