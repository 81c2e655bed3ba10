//! Data-driven tests over the project's EPCIS and Digital Link vectors, read at test time from
//! `shared/vectors/epcis` (or `$RETU_VECTORS/epcis`).
//!
//! - Every EPC URN in the example documents must parse, print back identically and survive
//!   URN → Digital Link → URN.
//! - Where the GS1 EPCIS event hash reference implementation has normalised a document
//!   (`.prehashes`), each URN must convert to exactly the Digital Link the reference wrote.
//! - Every Digital Link in the example documents must parse and round-trip.
//! - The resolver test suite's model linkset anchors must be canonical Digital Links.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use gs1::{DigitalLink, EpcUrn, GS1_RESOLVER};

/// The example documents the brief names: GS1's EPCIS examples, the hash generator's examples
/// and the project's farm documents, plus the 1,000-event farm benchmark.
fn example_documents() -> Vec<PathBuf> {
    let root = common::epcis_dir();
    let mut files = Vec::new();
    for dir in [
        "gs1-epcis/examples",
        "hash-generator/examples",
        "derived/farm",
    ] {
        files.extend(common::files_with_ext(
            &root.join(dir),
            &[".jsonld", ".json", ".xml"],
        ));
    }
    files.push(root.join("derived/bench/farm-1k-events.jsonld"));
    files
}

/// Characters that end a URN or URL embedded in JSON or XML text. `?` and `&` end a URN too:
/// inside an EPC URN they must be percent-escaped, so a raw one starts a query string that a
/// REST example appended (e.g. `…sgln:0012345.11111.400?GE_eventTime=…`).
fn ends_urn(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\'' | '?' | '&' | '\\')
}

/// Every `urn:epc:(id|class|idpat):…` occurrence in `text`.
fn find_urns(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("urn:epc:") {
        let rest = &text[i..];
        if !["urn:epc:id:", "urn:epc:class:", "urn:epc:idpat:"]
            .iter()
            .any(|p| rest.starts_with(p))
        {
            continue;
        }
        let end = rest.find(ends_urn).unwrap_or(rest.len());
        out.push(rest[..end].to_owned());
    }
    out
}

/// Every `http(s)://host/{AI}/…` URL in `text` whose first path segment is a Digital Link
/// primary key AI.
fn find_digital_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("http") {
        let rest = &text[i..];
        let Some(after) = rest
            .strip_prefix("https://")
            .or_else(|| rest.strip_prefix("http://"))
        else {
            continue;
        };
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\'' | '\\'))
            .unwrap_or(rest.len());
        let url = rest[..end].replace("&amp;", "&");
        let first_segment = after.split('/').nth(1).unwrap_or_default();
        if gs1::Ai::lookup(first_segment).is_some_and(|a| a.is_dl_primary_key()) {
            out.push(url);
        }
    }
    out
}

/// URNs in the examples that are not valid EPCs, with the reason. The test fails if any of
/// these starts parsing (so the list stays true) or if any other URN fails.
const INVALID_EXAMPLE_URNS: &[(&str, &str)] = &[];

#[test]
#[allow(clippy::print_stdout, reason = "shows the counts under --nocapture")]
fn every_epc_urn_in_the_examples_round_trips() {
    let mut by_scheme: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for file in example_documents() {
        for urn in find_urns(&common::read(&file)) {
            if !seen.insert(urn.clone()) {
                continue;
            }
            let result = EpcUrn::parse(&urn).and_then(|parsed| {
                assert_eq!(parsed.to_string(), urn, "canonical form of {urn}");
                let dl = parsed.to_digital_link();
                let back = EpcUrn::from_digital_link(&dl, &parsed.gcp_length())?;
                assert_eq!(back, parsed, "{urn} via {dl}");
                // The Digital Link itself reads back.
                assert_eq!(DigitalLink::parse(&dl.to_string()).as_ref(), Ok(&dl));
                Ok(parsed)
            });
            match (result, INVALID_EXAMPLE_URNS.iter().find(|(u, _)| *u == urn)) {
                (Ok(parsed), None) => {
                    let kind = if parsed.is_pattern() { "idpat:" } else { "" };
                    *by_scheme
                        .entry(format!("{kind}{}", parsed.scheme().name()))
                        .or_default() += 1;
                }
                (Ok(_), Some((_, why))) => failures.push(format!("{urn} parses, but: {why}")),
                (Err(_), Some(_)) => {}
                (Err(e), None) => failures.push(format!("{urn} ({}): {e}", file.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "URNs that do not round-trip:\n{}",
        failures.join("\n")
    );
    // The schemes the brief requires are all exercised.
    for scheme in [
        "sgtin", "lgtin", "sscc", "sgln", "pgln", "grai", "giai", "gsrn", "gdti",
    ] {
        assert!(
            by_scheme.get(scheme).copied().unwrap_or(0) > 0,
            "no {scheme} in {by_scheme:?}"
        );
    }
    let total: usize = by_scheme.values().sum();
    assert!(
        total > 3000,
        "only {total} distinct URNs found: {by_scheme:?}"
    );
    println!("{total} distinct EPC URNs round-trip: {by_scheme:?}");
}

/// The `.prehashes` file the reference implementation wrote for an example, preferring the
/// corrected copies for the three stale files (MANIFEST caveat 1).
fn prehashes_for(doc: &Path) -> Option<String> {
    let stem = doc.file_stem()?.to_str()?;
    let corrected = common::epcis_dir()
        .join("derived/prehashes-corrected")
        .join(format!("{stem}.prehashes"));
    let beside = doc.with_extension("prehashes");
    [corrected, beside]
        .into_iter()
        .find(|p| p.is_file())
        .map(|p| common::read(&p))
}

#[test]
#[allow(clippy::print_stdout, reason = "shows the counts under --nocapture")]
fn urns_convert_exactly_as_the_event_hash_reference_does() {
    let root = common::epcis_dir();
    let mut docs =
        common::files_with_ext(&root.join("hash-generator/examples"), &[".jsonld", ".xml"]);
    docs.extend(common::files_with_ext(
        &root.join("derived/farm"),
        &[".jsonld", ".xml"],
    ));
    let mut checked = 0;
    let mut failures = Vec::new();
    for doc in docs {
        let Some(prehashes) = prehashes_for(&doc) else {
            continue;
        };
        for urn in find_urns(&common::read(&doc)) {
            let dl = gs1::urn_to_digital_link(&urn)
                .unwrap_or_else(|e| panic!("{urn} in {}: {e}", doc.display()));
            let expected = dl.to_constrained_uri(GS1_RESOLVER);
            // The reference writes each EPC as `=<uri>` followed by the next field name.
            if prehashes.contains(&format!("={expected}")) {
                checked += 1;
            } else {
                failures.push(format!("{urn} -> {expected} not in {}", doc.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked > 100,
        "only {checked} URNs checked against the reference"
    );
    println!("{checked} URN occurrences match the reference normaliser");
}

/// Digital Links in the examples that are rightly rejected, with the reason.
const INVALID_EXAMPLE_LINKS: &[(&str, &str)] = &[];

#[test]
#[allow(clippy::print_stdout, reason = "shows the counts under --nocapture")]
fn every_digital_link_in_the_examples_parses_and_round_trips() {
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for file in example_documents() {
        for uri in find_digital_links(&common::read(&file)) {
            if !seen.insert(uri.clone()) {
                continue;
            }
            let expected_invalid = INVALID_EXAMPLE_LINKS.iter().find(|(u, _)| *u == uri);
            match (DigitalLink::parse(&uri), expected_invalid) {
                (Ok(dl), None) => {
                    assert_eq!(
                        DigitalLink::parse(&dl.to_string()).as_ref(),
                        Ok(&dl),
                        "{uri}"
                    );
                    let es = dl.to_element_string();
                    assert_eq!(
                        gs1::ElementString::parse(&es.to_scanner_data()).as_ref(),
                        Ok(&es)
                    );
                    // Digital Link -> EPC URN -> Digital Link keeps the identity. A 7-digit
                    // company prefix fits every key in the examples.
                    let urn = EpcUrn::from_digital_link(&dl, &7usize)
                        .unwrap_or_else(|e| panic!("{uri}: {e}"));
                    let again = urn.to_digital_link();
                    assert_eq!(
                        EpcUrn::from_digital_link(&again, &7usize).as_ref(),
                        Ok(&urn),
                        "{uri}"
                    );
                    if dl.attributes().is_empty() && dl.qualifier("22").is_none() {
                        assert_eq!(
                            again.to_constrained_uri(GS1_RESOLVER),
                            dl.to_constrained_uri(GS1_RESOLVER),
                            "{uri} via {urn}"
                        );
                    }
                }
                (Ok(_), Some((_, why))) => failures.push(format!("{uri} parses, but: {why}")),
                (Err(_), Some(_)) => {}
                (Err(e), None) => failures.push(format!("{uri} ({}): {e}", file.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(seen.len() >= 30, "only {} Digital Links found", seen.len());
    println!("{} distinct Digital Links parse and round-trip", seen.len());
}

#[test]
fn farm_documents_use_the_same_identities_in_json_and_xml() {
    // The farm vectors write the same two events once with EPC URNs (JSON-LD) and once with
    // equivalent spellings including Digital Links on a custom domain (XML). Both must give the
    // same set of identities.
    let root = common::epcis_dir().join("derived/farm");
    let identities = |file: &str| -> BTreeSet<String> {
        let text = common::read(&root.join(file));
        let from_urns = find_urns(&text).into_iter().map(|u| {
            gs1::urn_to_digital_link(&u)
                .unwrap_or_else(|e| panic!("{u}: {e}"))
                .to_constrained_uri(GS1_RESOLVER)
        });
        let from_links = find_digital_links(&text).into_iter().map(|u| {
            DigitalLink::parse(&u)
                .unwrap_or_else(|e| panic!("{u}: {e}"))
                .to_constrained_uri(GS1_RESOLVER)
        });
        from_urns.chain(from_links).collect()
    };
    let json = identities("farm-tea-events.jsonld");
    let xml = identities("farm-tea-events.xml");
    assert_eq!(json, xml);
    assert!(
        json.contains("https://id.gs1.org/01/06901234123456/10/TEA2404A"),
        "{json:?}"
    );
    assert!(
        json.contains("https://id.gs1.org/00/069012340000000016"),
        "{json:?}"
    );
}

#[test]
fn resolver_test_suite_anchors_are_canonical_digital_links() {
    let dir = common::epcis_dir().join("gs1-digital-link");
    let linkset = common::read(&dir.join("resolver-testsuite-modelLinkset.json"));
    let anchors: Vec<&str> = linkset
        .match_indices("\"anchor\"")
        .filter_map(|(i, _)| {
            let rest = &linkset[i + "\"anchor\"".len()..];
            let start = rest.find('"')? + 1;
            let len = rest[start..].find('"')?;
            Some(&rest[start..start + len])
        })
        .collect();
    assert!(anchors.len() >= 2, "{anchors:?}");
    // "SHOULD tolerate trailing slashes at the end of GS1 Digital Link URIs" (both versions of
    // the conformance statements).
    for file in [
        "resolver-testsuite-Conformance1_2.txt",
        "resolver-testsuite-ConformantResolver1_0.txt",
    ] {
        assert!(
            common::read(&dir.join(file)).contains("tolerate trailing slashes"),
            "{file}"
        );
    }
    for anchor in anchors {
        let dl = DigitalLink::parse(anchor).unwrap_or_else(|e| panic!("{anchor}: {e}"));
        assert_eq!(dl.to_uri(GS1_RESOLVER), anchor);
        let slashed = DigitalLink::parse(&format!("{anchor}/")).unwrap();
        assert_eq!(slashed, dl);
    }
}

/// A well-formed sample value for an AI, built from its dictionary format (e.g.
/// `N13,csum,gcppos1 [X..17]`): mandatory components only, each filled to satisfy its linters.
fn sample_value(ai: gs1::Ai) -> String {
    let mut value = String::new();
    for comp in ai.format().split(' ') {
        if comp.starts_with('[') {
            break;
        }
        let mut parts = comp.split(',');
        let ty = parts.next().unwrap();
        let linters: Vec<&str> = parts.collect();
        let cset = ty.chars().next().unwrap();
        let len: usize = ty
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .unwrap();
        let variable = ty.contains("..");
        let has = |l: &str| linters.contains(&l);
        let part = if has("csum") {
            let body = "6901234".chars().cycle().take(len - 1).collect::<String>();
            let cd = gs1::check_digit::mod10(&body).unwrap();
            format!("{body}{cd}")
        } else if has("csumalpha") {
            let pair = gs1::check_digit::check_character_pair("6901234AB").unwrap();
            format!("6901234AB{}{}", pair[0], pair[1])
        } else if has("yymmdd") || has("yymmd0") {
            "240430".to_owned()
        } else if has("yyyymmdd") {
            "20240430".to_owned()
        } else if has("hhmi") {
            "1230".to_owned()
        } else if has("hh") || has("mi") || has("ss") {
            "12".to_owned()
        } else if has("iso3166") || has("iso3166999") || has("iso4217") {
            "156".to_owned()
        } else if has("iso3166alpha2") {
            "CN".to_owned()
        } else if has("iban") {
            "DE91100000000123456789".to_owned()
        } else if has("pieceoftotal") {
            format!("{:0>w$}{:0>w$}", 1, 2, w = len / 2)
        } else if has("posinseqslash") {
            "1/2".to_owned()
        } else if has("mediatype") {
            "01".to_owned()
        } else if has("hyphen") {
            "-".to_owned()
        } else if has("zero") {
            "0".repeat(len)
        } else if has("yesno") || has("iso5218") || has("winding") {
            "1".to_owned()
        } else if has("hasnondigit") {
            "6901234A".to_owned()
        } else {
            let fill = match cset {
                _ if has("gcppos1") || has("gcppos2") => "6",
                'N' => "1",
                _ => "A",
            };
            let n = if variable { len.min(8) } else { len };
            fill.repeat(n)
        };
        value.push_str(&part);
    }
    value
}

#[test]
fn every_dictionary_ai_accepts_a_well_formed_value_and_rejects_a_malformed_one() {
    let text = common::read(&common::syntax_dictionary_path());
    let mut count = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let code = line
            .split_whitespace()
            .next()
            .unwrap()
            .split('-')
            .next()
            .unwrap();
        let ai = gs1::Ai::lookup(code).unwrap();
        let value = sample_value(ai);
        gs1::AiElement::new(code, &value).unwrap_or_else(|e| panic!("({code}) {value}: {e}"));
        // One character too many is always refused.
        let longer = format!("{value}{}", &value[value.len() - 1..]);
        if longer.len() > ai.max_length() {
            assert!(
                gs1::AiElement::new(code, &longer).is_err(),
                "({code}) {longer}"
            );
        }
        // A space is in no GS1 character set.
        assert!(
            gs1::AiElement::new(code, &format!(" {}", &value[1..])).is_err(),
            "({code})"
        );
        count += 1;
    }
    assert!(count > 200, "{count}");
}

#[test]
fn dictionary_data_attribute_flags_govern_the_query_string() {
    // For every AI of the dictionary, a GTIN Digital Link with that AI in the query string is
    // accepted when the AI has the `?` flag (unless a pairing rule needs another AI first), and
    // refused as "not a data attribute" or "belongs in the path" otherwise.
    let mut accepted = 0;
    let mut refused = 0;
    let mut needs_partner = 0;
    for ai in gs1::Ai::all() {
        let value = sample_value(ai);
        let encoded: String = value
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let uri = format!(
            "https://id.gs1.org/01/06901234123456?{}={encoded}",
            ai.code()
        );
        match DigitalLink::parse(&uri) {
            Ok(dl) => {
                assert!(ai.is_dl_data_attribute(), "{uri} accepted");
                assert_eq!(dl.attribute(ai.code()), Some(value.as_str()));
                accepted += 1;
            }
            Err(
                gs1::Error::NotADataAttribute { .. } | gs1::Error::AttributeBelongsInPath { .. },
            ) => {
                refused += 1;
            }
            Err(gs1::Error::MissingRequiredAi { .. } | gs1::Error::ConflictingAis { .. }) => {
                needs_partner += 1;
            }
            Err(gs1::Error::DuplicateAi { ai: "01", .. }) => {}
            Err(e) => panic!("{uri}: unexpected {e}"),
        }
        if !ai.is_dl_data_attribute() && ai.code() != "01" {
            assert!(DigitalLink::parse(&uri).is_err(), "{uri}");
        }
    }
    assert!(
        accepted > 100 && refused > 10 && needs_partner > 10,
        "{accepted} {refused} {needs_partner}"
    );
}
