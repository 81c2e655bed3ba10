//! The labels CSV reader (`retu labels --from FILE.csv`) never panics, reads back what it
//! writes, and every row it accepts becomes a label or a typed error (the checks live in
//! `labels::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| labels::fuzzing::csv(data));
