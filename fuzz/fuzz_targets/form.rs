//! Phone forms (JSON) never panic, and every form that passes the checks becomes an EPCIS
//! document that Retu's own parser and validator accept (the checks live in
//! `repository::forms::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| repository::forms::fuzzing::form(data));
