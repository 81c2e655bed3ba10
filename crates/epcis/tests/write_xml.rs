//! Writing events as XML keeps their event hash: for every event of every example and vector
//! document (JSON-LD and XML, the files of `tests/write_json.rs`), write it as XML, read it back
//! with `parse_xml`, and compare hashes — directly from the binding it was read in, and along the
//! repository's path (stored as standalone JSON-LD, then served as XML). Events with a
//! documented limitation are counted and must stay few. Mutated vector files and generated
//! models check that the writer never panics, always writes well-formed XML with one element
//! per event, and keeps the hash of every event it does not report.

// The counts are the test's report.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use epcis::hash::{HashContext, HashOptions, hash_prehash};
use epcis::write_json::{Stamp, event_json, json_limitation};
use epcis::write_xml::{
    EPCIS_NAMESPACE, EPCIS_QUERY_NAMESPACE, document_xml, event_xml, query_document_xml,
    xml_limitation, xml_limitation_in,
};
use epcis::{Document, DocumentKind};

const NO_IGNORE: HashOptions = HashOptions {
    ignore_fields: false,
};

fn vector_files() -> Vec<PathBuf> {
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
    files
}

fn hashes(document: &Document) -> Vec<String> {
    let context = HashContext::for_document(document, NO_IGNORE);
    document
        .events
        .iter()
        .map(|e| hash_prehash(&context.prehash(e)))
        .collect()
}

/// The written document must be well-formed XML of the right shape and read back with one
/// event per event written.
fn reread(xml: &str, events: usize, what: &str) -> epcis::Parsed {
    let tree = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("{what}: not well-formed XML ({e}):\n{xml}"));
    let root = tree.root_element();
    assert!(
        matches!(
            (root.tag_name().namespace(), root.tag_name().name()),
            (Some(EPCIS_NAMESPACE), "EPCISDocument")
                | (Some(EPCIS_QUERY_NAMESPACE), "EPCISQueryDocument")
        ),
        "{what}: root {:?}",
        root.tag_name()
    );
    let parsed = epcis::parse_xml(xml).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(
        parsed.document.events.len(),
        events,
        "{what}: events read back\n{xml}"
    );
    parsed
}

/// The order of the unqualified child elements of each complex type the writer produces, read
/// from GS1's XSD at test time (`xsd:element` declarations of the type, after those of its
/// base type for event types).
///
/// No crate on crates.io validates against the EPCIS 2.0 XSD: `libxml` needs libclang at build
/// time, which this machine does not have, and the pure-Rust `xmlschema` 0.0.14 rejects most of
/// GS1's own valid examples (it treats a repeated `xsd:choice` as a sequence). So this checks the
/// part of the XSD the writer decides — which elements go where, in which order — and
/// well-formedness is checked by `roxmltree`; simple-type values are not checked against the XSD.
struct XsdOrder {
    types: BTreeMap<String, Vec<String>>,
    query_results: Vec<String>,
}

fn declared_elements(xsd: &roxmltree::Document<'_>, type_name: &str) -> Vec<String> {
    let Some(ty) = xsd
        .descendants()
        .find(|n| n.tag_name().name() == "complexType" && n.attribute("name") == Some(type_name))
    else {
        panic!("the XSD has no complexType {type_name}");
    };
    ty.descendants()
        .filter(|n| n.tag_name().name() == "element")
        .filter_map(|n| n.attribute("name").map(str::to_owned))
        .collect()
}

fn xsd_order() -> XsdOrder {
    let dir = common::epcis_dir().join("gs1-epcis/xsd");
    let text = common::read(&dir.join("EPCglobal-epcis-2_0.xsd"));
    let xsd = roxmltree::Document::parse(&text).expect("the EPCIS XSD is XML");
    let base = declared_elements(&xsd, "EPCISEventType");
    let mut types = BTreeMap::new();
    for event in [
        "ObjectEvent",
        "AggregationEvent",
        "TransactionEvent",
        "TransformationEvent",
        "AssociationEvent",
    ] {
        let mut order = base.clone();
        order.extend(declared_elements(&xsd, &format!("{event}Type")));
        types.insert(event.to_owned(), order);
    }
    for (element, ty) in [
        ("quantityElement", "QuantityElementType"),
        ("readPoint", "ReadPointType"),
        ("bizLocation", "BusinessLocationType"),
        ("sensorElement", "SensorElementType"),
        ("sensorElementList", "SensorElementListType"),
        ("persistentDisposition", "PersistentDispositionType"),
        ("ilmd", "ILMDType"),
    ] {
        types.insert(element.to_owned(), declared_elements(&xsd, ty));
    }
    let text = common::read(&dir.join("EPCglobal-epcis-query-2_0.xsd"));
    let query = roxmltree::Document::parse(&text).expect("the query XSD is XML");
    XsdOrder {
        types,
        query_results: declared_elements(&query, "QueryResults"),
    }
}

/// Checks that the unqualified children of `node` follow `order` (repeats allowed; with
/// `strict`, nothing undeclared) and that extension elements (`##other`) come after them.
fn check_order(node: roxmltree::Node<'_, '_>, order: &[String], strict: bool, what: &str) {
    let mut last = 0;
    let mut seen_extension = false;
    for child in node.children().filter(roxmltree::Node::is_element) {
        let name = child.tag_name();
        if name.namespace().is_some() {
            seen_extension = true;
            continue;
        }
        let Some(at) = order.iter().position(|o| o == name.name()) else {
            if !strict {
                // An invalid event's field that its type does not have: written after the
                // type's own fields, where the reader finds it.
                last = usize::MAX;
                continue;
            }
            panic!(
                "{what}: <{}> is not declared in <{}>'s XSD type",
                name.name(),
                node.tag_name().name()
            );
        };
        assert!(
            (at >= last || !strict && last == usize::MAX) && !seen_extension,
            "{what}: <{}> is out of the XSD's order in <{}>",
            name.name(),
            node.tag_name().name()
        );
        last = at;
    }
}

/// Checks the written events of a document against the XSD's element order (strictly for a
/// document of valid events).
fn check_xsd_order(xml: &str, order: &XsdOrder, strict: bool, what: &str) -> usize {
    let tree = roxmltree::Document::parse(xml).expect("well-formed");
    let mut checked = 0;
    for node in tree.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name();
        if name.name() == "QueryResults" {
            assert_eq!(name.namespace(), Some(EPCIS_QUERY_NAMESPACE), "{what}");
            check_order(node, &order.query_results, true, what);
        }
        if name.namespace().is_some() {
            continue;
        }
        // Events are children of EventList; nested types are found by their element name
        // inside an event.
        let in_event_list = node
            .parent_element()
            .is_some_and(|p| p.tag_name().name() == "EventList");
        match order.types.get(name.name()) {
            Some(types) if in_event_list || !order_is_event(name.name()) => {
                check_order(node, types, strict, what);
                checked += 1;
            }
            _ => {}
        }
        if in_event_list {
            assert!(
                order.types.contains_key(name.name()) || name.name() == "extension",
                "{what}: <{}> in EventList",
                name.name()
            );
        }
    }
    checked
}

fn order_is_event(name: &str) -> bool {
    name.ends_with("Event")
}

#[test]
fn written_events_keep_their_hash() {
    let files = vector_files();
    let order = xsd_order();
    let (mut xsd_documents, mut xsd_checked) = (0, 0);
    let (mut events, mut stored) = (0, 0);
    let mut limited: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut stored_limited = 0;
    let mut changed = Vec::new();
    let mut new_problems = Vec::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(parsed) = epcis::parse(&bytes) else {
            continue;
        };
        let document = &parsed.document;
        let original = hashes(document);
        let name = path
            .strip_prefix(common::epcis_dir())
            .unwrap_or(path)
            .display()
            .to_string();

        // 1. The whole document, from the binding it was read in.
        let out = document_xml([document], "2026-11-29T00:00:00Z");
        let again = reread(&out.xml, document.events.len(), &name);
        let rehashed = hashes(&again.document);
        let clean_before = parsed.validate().is_empty();
        let problems_after = again.validate();
        for (position, event) in document.events.iter().enumerate() {
            events += 1;
            let limitation = xml_limitation_in(event, &document.context, document.syntax);
            let reported = out
                .limitations
                .iter()
                .find(|l| l.event == Some(position))
                .map(|l| l.reason);
            assert_eq!(
                limitation, reported,
                "{name} #{position}: document_xml and xml_limitation_in disagree"
            );
            if let Some(reason) = limitation {
                limited
                    .entry(reason)
                    .or_default()
                    .push(format!("{name} #{position}"));
                continue;
            }
            if rehashed.get(position) != original.get(position) {
                changed.push(format!(
                    "{name} #{position}:\n  before {}\n  after  {}\n  xml    {}",
                    HashContext::for_document(document, NO_IGNORE).prehash(event),
                    again
                        .document
                        .events
                        .get(position)
                        .map(|e| HashContext::for_document(&again.document, NO_IGNORE).prehash(e))
                        .unwrap_or_default(),
                    event_xml(event, &document.context, document.syntax)
                ));
            }
        }
        // The XSD's element order, strictly for documents of valid events.
        xsd_checked += check_xsd_order(&out.xml, &order, clean_before, &name);
        if clean_before {
            xsd_documents += 1;
        }
        // A document that was clean reads back clean (when nothing was limited).
        if clean_before && out.limitations.is_empty() && !problems_after.is_empty() {
            new_problems.push(format!(
                "{name}: {:?}",
                problems_after
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            ));
        }

        // 2. The repository's path: stored as standalone JSON-LD, parsed, served as XML.
        for (position, event) in document.events.iter().enumerate() {
            if json_limitation(event).is_some() {
                continue;
            }
            let json = event_json(
                event,
                &document.context,
                document.syntax,
                Stamp {
                    event_id: Some("urn:uuid:00000000-0000-4000-8000-000000000000"),
                    record_time: Some("2026-11-29T00:00:00.000Z"),
                },
            );
            let Ok(stored_doc) = epcis::parse_json(&json) else {
                panic!("{name} #{position}: the stored JSON does not parse: {json}");
            };
            assert_eq!(stored_doc.document.kind, DocumentKind::SingleEvent);
            let Some(stored_event) = stored_doc.document.events.first() else {
                panic!("{name} #{position}: no stored event");
            };
            stored += 1;
            if xml_limitation(stored_event).is_some() {
                stored_limited += 1;
                continue;
            }
            let out = query_document_xml(
                [&stored_doc.document],
                "2026-11-29T00:00:00Z",
                "SimpleEventQuery",
                Some("sub-1"),
            );
            assert!(out.limitations.is_empty(), "{name} #{position}");
            let again = reread(&out.xml, 1, &name);
            check_xsd_order(&out.xml, &order, clean_before, &name);
            assert_eq!(again.document.kind, DocumentKind::QueryDocument);
            assert_eq!(
                again.document.query_name.as_deref(),
                Some("SimpleEventQuery")
            );
            assert_eq!(again.document.subscription_id.as_deref(), Some("sub-1"));
            if hashes(&again.document).first() != original.get(position) {
                changed.push(format!(
                    "{name} #{position} (stored as JSON-LD):\n  json {json}\n  xml  {}",
                    out.xml
                ));
            }
        }
    }
    let limited_count: usize = limited.values().map(Vec::len).sum();
    println!(
        "{events} events written as XML and read back from {} files; {limited_count} have a documented limitation",
        files.len()
    );
    for (reason, which) in &limited {
        println!("  {} × {reason}: {}", which.len(), which.join(", "));
    }
    println!(
        "{stored} events stored as JSON-LD and served as XML; {stored_limited} have a documented limitation"
    );
    println!(
        "{xsd_checked} written elements checked against the XSD's element order, strictly in {xsd_documents} documents of valid events"
    );
    assert!(xsd_documents > 50, "{xsd_documents}");
    assert!(events > 150, "too few events were checked: {events}");
    assert!(stored > 150, "too few stored events were checked: {stored}");
    assert!(
        changed.is_empty(),
        "{} events changed hash:\n{}",
        changed.len(),
        changed.join("\n")
    );
    assert!(
        limited_count <= 12,
        "more events than expected cannot be written as XML: {limited_count}"
    );
    assert!(
        stored_limited <= 12,
        "more stored events than expected cannot be served as XML: {stored_limited}"
    );
    assert!(
        new_problems.is_empty(),
        "clean documents read back with problems:\n{}",
        new_problems.join("\n")
    );
}

/// Writes every event of `document`, reads the XML back, and checks what the writer promises:
/// well-formed XML, one event per event, the same hash for every event it does not report, and
/// the same reports from `xml_limitation_in`. Returns the number of events checked.
fn check_document(document: &Document, what: &str) -> usize {
    let out = document_xml([document], "2026-11-29T00:00:00Z");
    let again = reread(&out.xml, document.events.len(), what);
    let before = hashes(document);
    let after = hashes(&again.document);
    for (position, event) in document.events.iter().enumerate() {
        let reported = out
            .limitations
            .iter()
            .find(|l| l.event == Some(position))
            .map(|l| l.reason);
        assert_eq!(
            reported,
            xml_limitation_in(event, &document.context, document.syntax),
            "{what} #{position}"
        );
        if reported.is_none() {
            assert_eq!(
                before.get(position),
                after.get(position),
                "{what} #{position}: hash changed without a reported limitation\n  before {}\n  after  {}\n  xml    {}",
                HashContext::for_document(document, NO_IGNORE).prehash(event),
                again
                    .document
                    .events
                    .get(position)
                    .map(|e| HashContext::for_document(&again.document, NO_IGNORE).prehash(e))
                    .unwrap_or_default(),
                out.xml
            );
        }
    }
    document.events.len()
}

/// A small deterministic mutation fuzzer over every vector file (the approach of
/// `tests/malformed.rs`): whatever model the readers make of the mutated bytes, the writer
/// keeps its promises.
#[test]
fn mutated_vectors_write_well_formed_xml_that_keeps_hashes() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut documents, mut events) = (0, 0);
    for path in vector_files() {
        let original = std::fs::read(&path).expect("read");
        if original.is_empty() {
            continue;
        }
        for round in 0..60 {
            let mut data = original.clone();
            for _ in 0..(1 + next() % 4) {
                let len = data.len().max(1) as u64;
                let at = (next() % len) as usize;
                match next() % 6 {
                    0 => {
                        if let Some(b) = data.get_mut(at) {
                            *b ^= 1 << (next() % 8);
                        }
                    }
                    1 => {
                        let end = (at + (next() % 16) as usize).min(data.len());
                        data.drain(at.min(end)..end);
                    }
                    2 => data.insert(
                        at.min(data.len()),
                        b"{}[]<>\"',:0e.-/&;"[(next() % 17) as usize],
                    ),
                    3 => {
                        // Text that the writer has to think about.
                        let snippets: [&[u8]; 8] = [
                            b"gs1:",
                            b"cbv:",
                            b" ",
                            b"\\u0001",
                            b"&#x1;",
                            b"List",
                            b"shipping",
                            b"example:",
                        ];
                        let s = snippets[(next() % 8) as usize];
                        let at = at.min(data.len());
                        data.splice(at..at, s.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() % 64) as usize).min(data.len());
                        let chunk = data
                            .get(at.min(end)..end)
                            .map(<[u8]>::to_vec)
                            .unwrap_or_default();
                        data.splice(end..end, chunk);
                    }
                }
            }
            let Ok(parsed) = epcis::parse(&data) else {
                continue;
            };
            documents += 1;
            events += check_document(
                &parsed.document,
                &format!("{} (mutation {round})", path.display()),
            );
        }
    }
    println!("{documents} mutated documents, {events} events written and read back");
    assert!(documents > 1000, "{documents}");
    assert!(events > 1000, "{events}");
}

mod generated {
    //! Models no reader produces as such. A "clean" model has names and values that XML can
    //! carry (including the names the JSON hash regroups or renames, CURIEs, bare CBV words and
    //! white space), so nearly every event must keep its hash; a "wild" one adds names with and
    //! without namespaces that XML cannot have, IRIs as names, `gs1:`/`cbv:` values, characters
    //! XML cannot carry, nested arrays, XML-shaped values in JSON events and JSON-shaped ones in
    //! XML events, and extension event types.

    use super::check_document;
    use epcis::{
        BizTransaction, Context, Document, DocumentKind, Event, EventType, ExtValue, Extension,
        Literal, Location, Name, OneOrMany, PersistentDisposition, QuantityElement, SensorElement,
        SensorFields, SourceDest, Syntax, XmlElement,
    };
    use proptest::prelude::*;

    fn owned(list: &[&'static str]) -> impl Strategy<Value = String> + use<> {
        prop::sample::select(list.to_vec()).prop_map(str::to_owned)
    }

    fn text(wild: bool) -> BoxedStrategy<String> {
        let clean = prop_oneof![
            3 => "[a-z0-9]{0,6}",
            3 => owned(&[
                "ex:thing",
                "ex:",
                "shipping",
                "in_transit",
                "po",
                "owning_party",
                "Temperature",
                "https://ref.gs1.org/cbv/BizStep-shipping",
                "urn:epcglobal:cbv:disp:in_transit",
                "urn:epc:id:sgtin:0614141.107346.2017",
                "https://id.gs1.org/01/09521234543213/21/1",
                "18.0",
                "  padded  ",
                "a\r\nb\tc",
                "<&>\"'",
                "]]>",
                "2024-05-01T00:00:00.12345+08:00",
                "",
            ]),
        ];
        if !wild {
            return clean.boxed();
        }
        prop_oneof![
            4 => clean,
            1 => owned(&["gs1:Temperature", "cbv:BizStep-shipping", " gs1:x", "\u{1}", "\u{FFFE}"]),
            1 => any::<String>().prop_map(|s| s.chars().take(6).collect()),
        ]
        .boxed()
    }

    fn name(wild: bool) -> BoxedStrategy<Name> {
        let clean = prop::sample::select(vec![
            ("ex:field", Some("http://ex.example/"), "field"),
            ("ex:fooList", Some("http://ex.example/"), "fooList"),
            ("ex:childEPCs", Some("http://ex.example/"), "childEPCs"),
            ("ex:quantity", Some("http://ex.example/"), "quantity"),
            ("plain", None, "plain"),
            ("fooList", None, "fooList"),
            ("childEPCs", None, "childEPCs"),
            ("inputEPC", None, "inputEPC"),
            ("quantity", None, "quantity"),
        ])
        .prop_map(|(raw, namespace, local)| Name {
            raw: raw.to_owned(),
            namespace: namespace.map(str::to_owned),
            local: local.to_owned(),
        });
        if !wild {
            return clean.boxed();
        }
        let raw = prop::sample::select(vec![
            "ex:field",
            "ex:fooList",
            "cbvmda:lotNumber",
            "gs1:thing",
            "epcList",
            "id",
            "extension",
            "type",
            "xmlns",
            "comment",
            "rdfs:comment",
            "@context",
            "#text",
            "https://x.example/y",
            "ex:1bad",
            "ex:a b",
            "",
            "{http://n.example/}x",
            "sourceList",
            "xml:lang",
        ]);
        let namespace = prop::option::of(prop::sample::select(vec![
            "http://ex.example/",
            "urn:epcglobal:cbv:mda:",
            "",
            "http://www.w3.org/XML/1998/namespace",
            "http://www.w3.org/2000/xmlns/",
        ]));
        let odd = (raw, namespace).prop_map(|(raw, namespace)| Name {
            raw: raw.to_owned(),
            namespace: namespace.map(str::to_owned),
            local: raw.rsplit(':').next().unwrap_or(raw).to_owned(),
        });
        prop_oneof![2 => clean, 1 => odd].boxed()
    }

    fn literal(wild: bool) -> BoxedStrategy<Literal> {
        prop_oneof![
            text(wild).prop_map(Literal::String),
            owned(&["1", "18.0", "-2e3"]).prop_map(Literal::Number),
            any::<bool>().prop_map(Literal::Bool),
            Just(Literal::Null),
        ]
        .boxed()
    }

    fn element(wild: bool, inner: BoxedStrategy<ExtValue>) -> impl Strategy<Value = ExtValue> {
        (
            prop::collection::vec((name(wild), literal(wild)), 0..3),
            text(wild),
            prop::collection::vec((name(wild), inner), 0..3),
        )
            .prop_map(|(attributes, text, children)| {
                ExtValue::Element(XmlElement {
                    attributes: attributes
                        .into_iter()
                        .map(|(name, l)| Extension {
                            name,
                            value: ExtValue::Literal(l),
                        })
                        .collect(),
                    text,
                    children: children
                        .into_iter()
                        .map(|(name, value)| Extension { name, value })
                        .collect(),
                })
            })
    }

    /// JSON values for JSON events and XML values for XML events, unless wild.
    fn value(json: bool, wild: bool) -> BoxedStrategy<ExtValue> {
        let leaf = if json {
            literal(wild).prop_map(ExtValue::Literal).boxed()
        } else {
            text(wild)
                .prop_map(|t| ExtValue::Literal(Literal::String(t)))
                .boxed()
        };
        leaf.prop_recursive(4, 24, 4, move |inner| {
            let array = prop::collection::vec(inner.clone(), 0..4).prop_map(ExtValue::Array);
            let object =
                prop::collection::vec((name(wild), inner.clone()), 0..4).prop_map(|members| {
                    ExtValue::Object(
                        members
                            .into_iter()
                            .map(|(name, value)| Extension { name, value })
                            .collect(),
                    )
                });
            match (json, wild) {
                (true, false) => prop_oneof![array, object].boxed(),
                (false, false) => element(wild, inner).boxed(),
                (_, true) => prop_oneof![array, object, element(wild, inner)].boxed(),
            }
        })
        .boxed()
    }

    fn extensions(json: bool, wild: bool) -> impl Strategy<Value = Vec<Extension>> {
        prop::collection::vec(
            (name(wild), value(json, wild)).prop_map(|(name, value)| Extension { name, value }),
            0..4,
        )
    }

    fn opt_text(wild: bool) -> impl Strategy<Value = Option<String>> {
        prop::option::of(text(wild))
    }

    fn texts(wild: bool) -> impl Strategy<Value = Option<Vec<String>>> {
        prop::option::of(prop::collection::vec(text(wild), 0..3))
    }

    /// Members of a bizTransaction (which XML carries as attributes): scalars unless wild.
    fn pair_extensions(json: bool, wild: bool) -> BoxedStrategy<Vec<Extension>> {
        if wild {
            return extensions(json, wild).boxed();
        }
        prop::collection::vec(
            (name(wild), text(wild)).prop_map(|(name, t)| Extension {
                name,
                value: ExtValue::Literal(Literal::String(t)),
            }),
            0..3,
        )
        .boxed()
    }

    /// A bizTransaction's identifier: missing only in wild models.
    fn pair_value(wild: bool) -> BoxedStrategy<Option<String>> {
        if wild {
            prop::option::weighted(0.7, text(wild)).boxed()
        } else {
            text(wild).prop_map(Some).boxed()
        }
    }

    fn event_type(wild: bool) -> BoxedStrategy<Option<EventType>> {
        let clean = owned(&[
            "ObjectEvent",
            "AggregationEvent",
            "TransactionEvent",
            "TransformationEvent",
            "AssociationEvent",
            "MyEvent",
            "{http://n.example/}MyEvent",
        ])
        .prop_map(|t| Some(EventType::parse(&t)));
        if !wild {
            return clean.boxed();
        }
        prop_oneof![
            3 => clean,
            1 => owned(&["ex:MyEvent", "https://x.example/E"]).prop_map(|t| Some(EventType::parse(&t))),
            1 => Just(None),
        ]
        .boxed()
    }

    fn sensor_fields(json: bool, wild: bool) -> impl Strategy<Value = SensorFields> {
        let names = if wild {
            vec!["type", "value", "time", "uom", "bad name", "xmlns"]
        } else {
            vec!["type", "value", "time", "uom", "component", "bizRules"]
        };
        (
            prop::collection::vec((prop::sample::select(names), literal(wild)), 0..4),
            extensions(json, wild),
        )
            .prop_map(|(fields, extensions)| SensorFields {
                fields: fields.into_iter().map(|(n, v)| (n.to_owned(), v)).collect(),
                extensions,
            })
    }

    prop_compose! {
        fn event(json: bool, wild: bool)(
            event_type in event_type(wild),
            times in (opt_text(wild), opt_text(wild), opt_text(wild)),
            parent_id in opt_text(wild),
            epc_list in texts(wild),
            child_epcs in texts(wild),
            certification in prop::option::of(prop::collection::vec(text(wild), 0..3)),
            words in (opt_text(wild), opt_text(wild), opt_text(wild), opt_text(wild)),
            quantities in prop::option::of(prop::collection::vec(
                (opt_text(wild), prop::option::of(literal(wild)), opt_text(wild), extensions(json, wild)), 0..3)),
            location in prop::option::of((opt_text(wild), extensions(json, wild))),
            pairs in prop::option::of(prop::collection::vec(
                (opt_text(wild), pair_value(wild), pair_extensions(json, wild)), 0..3)),
            sources in prop::option::of(prop::collection::vec((opt_text(wild), text(wild)), 0..2)),
            disposition in prop::option::of((texts(wild), texts(wild), extensions(json, wild))),
            sensors in prop::option::of(prop::collection::vec(
                (prop::option::of(sensor_fields(json, wild)), prop::collection::vec(sensor_fields(json, wild), 0..3), extensions(json, wild)), 0..2)),
            ilmd in prop::option::of(extensions(json, wild)),
            extensions in extensions(json, wild),
        ) -> Event {
            Event {
                event_type,
                event_time: times.0,
                event_time_zone_offset: times.1,
                record_time: times.2,
                parent_id,
                epc_list,
                child_epcs,
                certification_info: certification.map(OneOrMany::Many),
                action: words.0,
                biz_step: words.1,
                disposition: words.2,
                transformation_id: words.3,
                quantity_list: quantities.map(|list| list.into_iter().map(|(epc_class, quantity, uom, extensions)| QuantityElement { epc_class, quantity, uom, extensions }).collect()),
                read_point: location.map(|(id, extensions)| Location { id, extensions }),
                biz_transaction_list: pairs.map(|list| list.into_iter().map(|(kind, value, extensions)| BizTransaction { kind, value, extensions }).collect()),
                source_list: sources.map(|list| list.into_iter().map(|(kind, value)| SourceDest { kind, value: Some(value), extensions: Vec::new() }).collect()),
                persistent_disposition: disposition.map(|(set, unset, extensions)| PersistentDisposition { set, unset, extensions }),
                sensor_element_list: sensors.map(|list| list.into_iter().map(|(metadata, reports, extensions)| SensorElement { metadata, reports, extensions }).collect()),
                ilmd,
                extensions,
                ..Event::default()
            }
        }
    }

    /// Inline prefixes; a clean model declares the `ex:` its names use.
    fn context(wild: bool) -> impl Strategy<Value = Context> {
        prop::collection::vec(
            prop::sample::select(vec![
                ("ex", "http://ex.example/"),
                ("gs1", "https://gs1.org/voc/"),
                ("cbv", "https://ref.gs1.org/cbv/"),
                ("e", ""),
                ("xml", "http://ex.example/other/"),
            ]),
            0..3,
        )
        .prop_map(move |mut terms| Context {
            urls: Vec::new(),
            terms: {
                if !wild {
                    terms.retain(|(p, _)| *p != "ex" && *p != "xml");
                    terms.push(("ex", "http://ex.example/"));
                }
                terms
            }
            .into_iter()
            .map(|(p, iri)| Extension {
                name: Name::plain(p),
                value: ExtValue::Literal(Literal::String(iri.to_owned())),
            })
            .collect(),
        })
    }

    fn document() -> impl Strategy<Value = Document> {
        (any::<bool>(), prop::bool::weighted(0.3)).prop_flat_map(|(json, wild)| {
            (
                prop::collection::vec(event(json, wild), 1..3),
                context(wild),
            )
                .prop_map(move |(events, context)| Document {
                    syntax: if json { Syntax::Json } else { Syntax::Xml },
                    kind: DocumentKind::Document,
                    context,
                    id: None,
                    schema_version: None,
                    creation_date: None,
                    instance_identifier: None,
                    sender: None,
                    receiver: None,
                    header: None,
                    query_name: None,
                    subscription_id: None,
                    events,
                    extensions: Vec::new(),
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

        /// Whatever the model, the writer does not panic, writes well-formed XML with one
        /// element per event, and keeps the hash of every event it does not report.
        #[test]
        fn any_model(document in document()) {
            check_document(&document, "generated");
        }
    }
}
