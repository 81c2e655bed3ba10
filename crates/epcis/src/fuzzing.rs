//! Bodies of the cargo-fuzz targets `fuzz/fuzz_targets/epcis_json.rs` and `epcis_xml.rs`,
//! kept in the crate so they compile and run with the crate's own tests.
//!
//! Each takes arbitrary bytes. Reading, validating and hashing must never panic, and the
//! results must be deterministic; the `assert!`s state the properties the fuzzer looks for.

use crate::{HashOptions, parse_json, parse_xml};

fn exercise(parsed: &crate::Parsed) {
    let problems = parsed.validate();
    let again = parsed.validate();
    assert!(problems == again, "validation is not deterministic");
    let options = HashOptions::default();
    let pre = parsed.prehashes(options);
    let hashes = parsed.hashes(options);
    assert!(pre.len() == hashes.len() && hashes.len() == parsed.document.events.len());
    for h in &hashes {
        assert!(h.starts_with("ni:///sha-256;") && h.ends_with("?ver=CBV2.0") && h.len() == 89);
    }
}

/// JSON: parse, validate, hash.
pub fn json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = parse_json(text) {
        exercise(&parsed);
    }
}

/// XML: parse, validate, hash.
pub fn xml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = parse_xml(text) {
        exercise(&parsed);
    }
}
