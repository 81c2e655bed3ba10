//! The documented deviations from GS1's reference implementation (`docs/epcis.md`), each shown
//! on a small document. The three that `derived/edge-cases.json` covers (rounding ties, carry,
//! JSON booleans) are tested in `vectors.rs`.

use epcis::{HashOptions, parse_json, parse_xml};

const CONTEXT: &str = r#""@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ex.example/"}],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-05-01T00:00:00Z""#;
const BASE: &str = r#""type":"ObjectEvent","eventTime":"2024-05-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":["urn:epc:id:sgtin:0614141.107346.2017"]"#;

fn json_doc(events: &[&str]) -> String {
    format!(
        "{{{CONTEXT},\"epcisBody\":{{\"eventList\":[{}]}}}}",
        events.join(",")
    )
}

fn prehashes(json: &str) -> Vec<String> {
    parse_json(json)
        .expect("json")
        .prehashes(HashOptions::default())
}

fn event(extra: &str) -> String {
    format!("{{{BASE}{extra}}}")
}

#[test]
fn biz_transaction_member_order_does_not_matter() {
    let a = prehashes(&json_doc(&[&event(
        r#","bizTransactionList":[{"type":"po","bizTransaction":"urn:x:1"}]"#,
    )]));
    let b = prehashes(&json_doc(&[&event(
        r#","bizTransactionList":[{"bizTransaction":"urn:x:1","type":"po"}]"#,
    )]));
    assert_eq!(a, b);
    assert!(
        a[0].ends_with(
            "bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:x:1"
        ),
        "{a:?}"
    );
    // Without a type (the reference crashes): the ID alone.
    let c = prehashes(&json_doc(&[&event(
        r#","bizTransactionList":[{"bizTransaction":"urn:x:1"}]"#,
    )]));
    assert!(
        c[0].ends_with("bizTransactionListbizTransaction=urn:x:1"),
        "{c:?}"
    );
}

#[test]
fn null_hashes_like_an_empty_element_and_infinity_is_kept() {
    let p = prehashes(&json_doc(&[&event(r#","ex:note":null,"ex:big":1e400"#)]));
    assert!(
        p[0].ends_with("{https://ex.example/}big=1e400{https://ex.example/}note"),
        "{p:?}"
    );
}

#[test]
fn bare_word_replacement_is_per_event() {
    let shipping = event(r#","bizStep":"shipping""#);
    let other = event(r#","ex:step":"shipping""#);
    let together = prehashes(&json_doc(&[&shipping, &other]));
    let alone = prehashes(&json_doc(&[&other]));
    // In the reference the second event's "shipping" would become the bizStep IRI because the
    // first event has that bizStep; here each event stands alone.
    assert_eq!(together[1], alone[0]);
    assert!(
        alone[0].ends_with("{https://ex.example/}step=shipping"),
        "{alone:?}"
    );
    // Within one event the reference's replacement is kept.
    let both = prehashes(&json_doc(&[&event(
        r#","bizStep":"shipping","ex:step":"shipping""#,
    )]));
    assert!(
        both[0].ends_with("{https://ex.example/}step=https://ref.gs1.org/cbv/BizStep-shipping"),
        "{both:?}"
    );
}

#[test]
fn a_standalone_event_hashes_like_the_same_event_in_a_document() {
    let in_doc = parse_json(&json_doc(&[&event(r#","ex:lot":"L1""#)]))
        .expect("doc")
        .hashes(HashOptions::default());
    let alone = format!(
        r#"{{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{{"ex":"https://ex.example/"}}],{BASE},"ex:lot":"L1"}}"#
    );
    let parsed = parse_json(&alone).expect("event");
    assert_eq!(parsed.hashes(HashOptions::default()), in_doc);
    let ctx = epcis::HashContext::for_json_event(&parsed.document.events[0]);
    assert_eq!(
        epcis::hash::event_hash(&parsed.document.events[0], &ctx),
        in_doc[0]
    );
}

#[test]
fn xml_nil_quantity_is_no_quantity() {
    let xml = |q: &str| {
        format!(
            r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="2.0" creationDate="2024-05-01T00:00:00Z"><EPCISBody><EventList><ObjectEvent>
            <eventTime>2024-05-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
            <action>OBSERVE</action><quantityList><quantityElement><epcClass>urn:epc:class:lgtin:0614141.107346.L1</epcClass>{q}</quantityElement></quantityList>
            </ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>"#
        )
    };
    let nil = parse_xml(&xml(r#"<quantity xsi:nil="true"/>"#)).expect("xml");
    let none = parse_xml(&xml("")).expect("xml");
    assert_eq!(
        nil.hashes(HashOptions::default()),
        none.hashes(HashOptions::default())
    );
    assert!(nil.validate().is_empty(), "{:?}", nil.validate());
}

#[test]
fn ignore_fields_can_be_switched_off() {
    let doc = format!(
        r#"{{{CONTEXT},"ex:ignoreFields":["ex:captureID"],"epcisBody":{{"eventList":[{}]}}}}"#,
        event(r#","ex:captureID":"c-1""#)
    );
    let parsed = parse_json(&doc).expect("json");
    let honoured = parsed.prehashes(HashOptions::default());
    let all = parsed.prehashes(HashOptions {
        ignore_fields: false,
    });
    assert!(!honoured[0].contains("captureID"), "{honoured:?}");
    assert!(
        all[0].contains("{https://ex.example/}captureID=c-1"),
        "{all:?}"
    );
}
