//! GS1 Digital Link parsing never panics, and an accepted link's canonical URI and element
//! string read back to the same data (the checks live in `gs1::fuzzing::digital_link`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gs1::fuzzing::digital_link(data));
