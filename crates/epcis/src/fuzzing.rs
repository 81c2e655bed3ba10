//! Bodies of the cargo-fuzz targets `fuzz/fuzz_targets/epcis_json.rs` and `epcis_xml.rs`,
//! kept in the crate so they compile and run with the crate's own tests.
//!
//! Each takes arbitrary bytes. Reading, validating and hashing must never panic, and the
//! results must be deterministic; the `assert!`s state the properties the fuzzer looks for.
//! For documents without problems, the writers must keep every event hash they do not name as
//! a limitation: the stored JSON-LD (what Retu's log commits to) and the XML answer.

use crate::hash::{HashContext, hash_prehash};
use crate::write_json::{Stamp, event_json, json_limitation};
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
    let mut split = parsed.validate_document();
    for position in 0..parsed.document.events.len() {
        split.extend(parsed.validate_event(position));
    }
    assert!(
        split == problems,
        "per-event validation differs from whole-document validation"
    );
    if problems.is_empty() {
        writers_keep_hashes(parsed);
    }
}

fn writers_keep_hashes(parsed: &crate::Parsed) {
    let document = &parsed.document;
    // What capture does: ignoreFields is not honoured, since the stored event does not carry it.
    let context = HashContext::for_document(
        document,
        HashOptions {
            ignore_fields: false,
        },
    );
    let hashes: Vec<String> = document
        .events
        .iter()
        .map(|event| hash_prehash(&context.prehash(event)))
        .collect();
    for (event, hash) in document.events.iter().zip(&hashes) {
        if json_limitation(event).is_some() {
            continue;
        }
        let body = event_json(event, &document.context, document.syntax, Stamp::default());
        let stored = parse_json(&body);
        assert!(stored.is_ok(), "written JSON-LD does not read back: {body}");
        let Some(reread) = stored.as_ref().ok().and_then(|s| s.document.events.first()) else {
            continue;
        };
        let rehashed = hash_prehash(&HashContext::for_json_event(reread).prehash(reread));
        assert!(
            rehashed == *hash,
            "stored JSON-LD changes the event hash: {body}"
        );
    }
    let out = crate::write_xml::document_xml([document], "2026-01-01T00:00:00Z");
    let reread = parse_xml(&out.xml);
    assert!(
        reread.is_ok(),
        "written XML does not read back: {}",
        out.xml
    );
    let Ok(reread) = reread else {
        return;
    };
    assert!(reread.document.events.len() == hashes.len());
    let rehashed = reread.hashes(HashOptions {
        ignore_fields: false,
    });
    for (position, (original, again)) in hashes.iter().zip(&rehashed).enumerate() {
        let limited = out
            .limitations
            .iter()
            .any(|l| l.event.is_none_or(|e| e == position));
        assert!(
            limited || original == again,
            "XML changes event {position}'s hash: {}",
            out.xml
        );
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
