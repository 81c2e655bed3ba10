//! Writing events back as standalone JSON-LD keeps their event hash: for every event of every
//! example and vector document (JSON-LD and XML), write it, read it back, and compare hashes.
//! This is the property the repository relies on when it stores and serves events.

// The count of events checked is the test's report.
#![allow(clippy::print_stdout)]

mod common;

use epcis::hash::{HashContext, HashOptions, hash_prehash};
use epcis::write_json::{Stamp, event_json, json_limitation};

#[test]
fn written_events_keep_their_hash() {
    let root = common::epcis_dir();
    let mut files =
        common::files_with_ext(&root.join("hash-generator/examples"), &[".jsonld", ".xml"]);
    files.extend(common::files_with_ext(
        &root.join("hash-generator/expected_equal"),
        &[".jsonld", ".xml", ".json"],
    ));
    files.extend(common::files_with_ext(
        &root.join("gs1-epcis/examples"),
        &[".jsonld", ".xml"],
    ));
    files.extend(common::files_with_ext(
        &root.join("derived/farm"),
        &[".jsonld", ".xml"],
    ));
    let (mut events, mut changed, mut limited) = (0, Vec::new(), 0);
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(parsed) = epcis::parse(&bytes) else {
            continue;
        };
        let context = HashContext::for_document(
            &parsed.document,
            HashOptions {
                ignore_fields: false,
            },
        );
        for (position, event) in parsed.document.events.iter().enumerate() {
            let original = hash_prehash(&context.prehash(event));
            let written = event_json(
                event,
                &parsed.document.context,
                parsed.document.syntax,
                Stamp {
                    event_id: Some("urn:uuid:00000000-0000-4000-8000-000000000000"),
                    record_time: Some("2026-11-29T00:00:00.000000Z"),
                },
            );
            events += 1;
            let reread = match epcis::parse_json(&written) {
                Ok(reread) => reread,
                Err(error) => {
                    changed.push(format!(
                        "{} #{position}: not JSON ({error}): {written}",
                        path.display()
                    ));
                    continue;
                }
            };
            let Some(again) = reread.document.events.first() else {
                changed.push(format!(
                    "{} #{position}: no event read back",
                    path.display()
                ));
                continue;
            };
            let rehashed = hash_prehash(&HashContext::for_json_event(again).prehash(again));
            // Events with a documented limitation must be told apart (the pipeline refuses
            // them); every other event must keep its hash.
            if json_limitation(event).is_some() {
                limited += 1;
                continue;
            }
            if rehashed != original {
                changed.push(format!(
                    "{} #{position}:\n  before {}\n  after  {}\n  json   {written}",
                    path.display(),
                    context.prehash(event),
                    HashContext::for_json_event(again).prehash(again)
                ));
            }
        }
    }
    println!(
        "{events} events written and read back from {} files; {limited} have a shape JSON-LD cannot carry",
        files.len()
    );
    assert!(
        limited <= 12,
        "more XML shapes without a JSON-LD equivalent than expected: {limited}"
    );
    assert!(events > 150, "too few events were checked: {events}");
    assert!(
        changed.is_empty(),
        "{} of {events} events changed hash:\n{}",
        changed.len(),
        changed.join("\n")
    );
}
