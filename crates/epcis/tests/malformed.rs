//! Malformed input of every kind is reported, never a panic: syntax errors name the line and
//! column, shape errors name the JSON pointer or XML path, and byte-level mutations of every
//! vector file run through parsing, validation and hashing (the same body as the fuzz
//! targets) without panicking.

mod common;

use epcis::{Error, ProblemKind, parse, parse_json, parse_xml};

fn problems(json: &str) -> Vec<String> {
    let parsed = parse_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    parsed
        .validate()
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

const BASE: &str = r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"https://ex.example/"}],
"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2024-05-01T00:00:00Z",
"epcisBody":{"eventList":[EVENT]}}"#;

fn doc(event: &str) -> String {
    BASE.replace("EVENT", event)
}

#[test]
fn syntax_errors_name_line_and_column() {
    let cases: [(&str, usize, usize); 5] = [
        ("{\n  \"a\": 1,\n}", 3, 1),
        ("{\"a\": tru}", 1, 7),
        ("[1, 2", 1, 6),
        ("\u{feff}{\"a\" 1}", 1, 6),
        ("{\"a\": \"\n\"}", 1, 8),
    ];
    for (text, line, column) in cases {
        match parse_json(text) {
            Err(Error::Json {
                line: l, column: c, ..
            }) => {
                assert_eq!((l, c), (line, column), "{text:?}");
            }
            other => panic!("{text:?}: {other:?}"),
        }
    }
    match parse_xml("<a>\n<b></a>") {
        Err(Error::Xml { line, .. }) => assert_eq!(line, 2),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        parse(b"\xff\xfe"),
        Err(Error::NotUtf8 { offset: 0 })
    ));
    assert!(matches!(parse(b"hello"), Err(Error::UnknownSyntax)));
    assert!(matches!(parse(b""), Err(Error::UnknownSyntax)));
}

#[test]
fn shapes_are_reported_with_pointers() {
    let p = problems("[]");
    assert_eq!(p, vec!["/: must be an object, not an array"]);
    let p = problems(
        r#"{"type":"EPCISDocument","@context":"x","schemaVersion":"2.0","creationDate":"2024-05-01T00:00:00Z","epcisBody":{"eventList":{}}}"#,
    );
    assert!(
        p.contains(&"/epcisBody/eventList: must be an array, not an object".to_owned()),
        "{p:?}"
    );
    let p = problems(&doc(r#"42"#));
    assert!(
        p.contains(&"/epcisBody/eventList/0: must be an object, not a number".to_owned()),
        "{p:?}"
    );
    let p = problems(&doc(
        r#"{"type":"ObjectEvent","eventTime":"2024-05-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
            "action":"ADD","epcList":["urn:epc:id:sgtin:0614141.107346.2017", 7],
            "quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":"ten","uom":"kg"}],
            "readPoint":{"id":"urn:epc:id:sgln:0614141.00777.0"},"readPoint":{"id":"urn:epc:id:sgln:0614141.00777.1"},
            "ex:note":"ok", "note":"not ok", "a/b~c":1}"#,
    ));
    for want in [
        "/epcisBody/eventList/0/epcList/1: must be a string, not a number",
        "/epcisBody/eventList/0/quantityList/0/quantity: must be a number, not a string",
        "/epcisBody/eventList/0/quantityList/0/uom: \"kg\" is not a UN/ECE Rec. 20 unit code (2–3 capital letters or digits, e.g. KGM)",
        "/epcisBody/eventList/0/readPoint: duplicate member \"readPoint\"; only the last one counts",
        "/epcisBody/eventList/0/a~1b~0c: \"a/b~c\" is not a field here; extension fields need a namespace prefix declared in @context (e.g. \"example:a/b~c\")",
    ] {
        assert!(p.contains(&want.to_owned()), "missing {want}\nin {p:#?}");
    }
    assert!(
        p.iter()
            .any(|x| x.starts_with("/epcisBody/eventList/0/note:")),
        "{p:#?}"
    );
}

#[test]
fn semantic_rules() {
    let p = problems(&doc(
        r#"{"type":"ObjectEvent","eventTime":"2024-05-01T08:00:00+08:00","eventTimeZoneOffset":"+8:00",
            "action":"OBSERVE","epcList":["urn:epc:id:sgtin:0614141.107346.2017","https://id.gs1.org/01/06141411073461/21/1",
            "urn:epc:class:lgtin:0614141.107346.L1", "urn:epc:id:sgtin:0614141.10734.1"],
            "ilmd":{"ex:lot":"L1"},
            "bizTransactionList":[{"type":"po","bizTransaction":"urn:epcglobal:cbv:bt:0614141000001:PO-1"}],
            "sensorElementList":[{"sensorMetadata":{"time":"2024-05-01T09:00:00+08:00","deviceID":"urn:epc:id:giai:0614141.1"},
               "sensorReport":[{"type":"Temperature","value":4,"uom":"Cel","deviceID":"urn:epc:id:giai:0614141.1"}]}]}"#,
    ));
    let base = "/epcisBody/eventList/0";
    for want in [
        format!(
            "{base}/eventTimeZoneOffset: \"+8:00\" is not an offset from -14:00 to +14:00 such as +08:00"
        ),
        format!(
            "{base}/ilmd: ilmd is only allowed when action is ADD (instance/lot master data is set when objects are commissioned)"
        ),
        format!(
            "{base}/sensorElementList/0/sensorReport/0/deviceID: deviceID is given in both sensorMetadata and sensorReport; say it once"
        ),
        format!(
            "{base}/sensorElementList/0/sensorMetadata/time: sensorMetadata time is after eventTime"
        ),
        format!(
            "{base}/sensorElementList/0/sensorReport/0/uom: \"Cel\" is not a UN/ECE Rec. 20 unit code (e.g. CEL, KGM, P1)"
        ),
    ] {
        assert!(p.contains(&want), "missing {want}\nin {p:#?}");
    }
    // A wrong check digit in a Digital Link, a class in an instance list, a bad URN, a bad GLN.
    for (at, starts) in [
        ("epcList/1", "not a valid GS1 Digital Link"),
        (
            "epcList/2",
            "\"urn:epc:class:lgtin:0614141.107346.L1\" names a class",
        ),
        ("epcList/3", "not a valid EPC URN"),
        ("bizTransactionList/0/bizTransaction", "the GLN in"),
    ] {
        let prefix = format!("{base}/{at}: {starts}");
        assert!(
            p.iter().any(|x| x.starts_with(&prefix)),
            "missing {prefix}\nin {p:#?}"
        );
    }
}

#[test]
fn xml_paths() {
    let xml = r#"<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0" creationDate="2024-05-01T00:00:00Z">
      <EPCISBody><EventList>
        <ObjectEvent><eventTime>2024-05-01T00:00:00Z</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
          <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc></epcList><action>OBSERVE</action></ObjectEvent>
        <ObjectEvent><eventTime>yesterday</eventTime><eventTimeZoneOffset>+00:00</eventTimeZoneOffset>
          <epcList><epc>urn:epc:id:sgtin:0614141.107346.2017</epc><epc>urn:epc:id:sscc:0614141.123</epc></epcList>
          <action>MOVE</action><colour>red</colour>
          <sensorElementList><sensorElement><sensorReport type="gs1:Temperature" value="warm" uom="CEL"/></sensorElement></sensorElementList>
        </ObjectEvent>
      </EventList></EPCISBody></epcis:EPCISDocument>"#;
    let parsed = parse_xml(xml).expect("xml");
    let p: Vec<String> = parsed.validate().iter().map(ToString::to_string).collect();
    let ev = "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[2]";
    for want in [
        format!("{ev}/colour: unqualified element <colour> is not part of an EPCIS event"),
        format!(
            "{ev}/eventTime: \"yesterday\" is not a date-time with a time zone (RFC 3339, e.g. 2024-05-01T09:30:00+08:00)"
        ),
        format!("{ev}/action: \"MOVE\" is not an action; use ADD, OBSERVE or DELETE"),
        format!(
            "{ev}/sensorElementList/sensorElement[1]/sensorReport[1]/@value: \"warm\" is not a number"
        ),
    ] {
        assert!(p.contains(&want), "missing {want}\nin {p:#?}");
    }
    assert!(
        p.iter()
            .any(|x| x.starts_with(&format!("{ev}/epcList/epc[2]: not a valid EPC URN"))),
        "{p:#?}"
    );
    assert!(!p.iter().any(|x| x.contains("ObjectEvent[1]")), "{p:#?}");
}

#[test]
fn hostile_documents_do_not_panic() {
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let deep_obj = format!("{}1{}", r#"{"a":"#.repeat(127), "}".repeat(127));
    let deep_xml = format!(
        "<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2' schemaVersion='2.0' creationDate='2024-05-01T00:00:00Z'><EPCISBody><EventList><ObjectEvent><ex:a xmlns:ex='urn:x'>{}</ex:a></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>",
        "<ex:b>".repeat(400) + &"</ex:b>".repeat(400)
    );
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;"><!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;"><!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]><lolz>&lol9;</lolz>"#;
    let inputs: Vec<String> = vec![
        deep,
        deep_obj,
        doc(r##"{"type":"ObjectEvent","eventTime":"2024-05-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE","epcList":[],"ex:big":1e400,"ex:n":null,"ex:nest":[[[1]],{"#text":"t","comment":"c"}],"quantityList":[{"epcClass":"urn:epc:class:lgtin:0614141.107346.L1","quantity":123456789012345678901234567890}]}"##),
        doc(r#"{"type":"ObjectEvent","eventTime":"9999-12-31T23:59:59.9999-14:00","eventTimeZoneOffset":"+00:00","action":"ADD","epcList":["urn:epc:id:sgtin:٠٦١٤١٤١.107346.2017","https://id.gs1.org/01/٠","https://x/01/12345/21/%zz"]}"#),
        doc(r#"{"type":"TransformationEvent","eventTime":"0001-01-01T00:00:00+14:00","eventTimeZoneOffset":"-14:00"}"#),
        doc(r#"{"type":{"a":1},"eventTime":[],"sensorElementList":[{"sensorReport":{}}],"bizTransactionList":[{}],"sourceList":[1],"persistentDisposition":[],"ilmd":[]}"#),
        r#"{"type":"EPCISQueryDocument","epcisBody":{"queryResults":{"resultsBody":{"eventList":[{}]}}}}"#.to_owned(),
        r#"{"type":"ObjectEvent"}"#.to_owned(),
        deep_xml,
        laughs.to_owned(),
        "<a/>".to_owned(),
        "<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'><EPCISBody><EventList><extension><extension/></extension><ObjectEvent a='1'><bizTransactionList><bizTransaction/></bizTransactionList><quantityList><quantityElement/></quantityList></ObjectEvent></EventList></EPCISBody></epcis:EPCISDocument>".to_owned(),
    ];
    for input in &inputs {
        epcis::fuzzing::json(input.as_bytes());
        epcis::fuzzing::xml(input.as_bytes());
        if let Ok(parsed) = parse(input.as_bytes()) {
            let all = parsed.validate();
            // Either readable and clean, or at least one problem: never silence.
            let _ = all.iter().filter(|p| p.kind == ProblemKind::Schema).count();
        }
    }
}

/// A small deterministic mutation fuzzer over every vector file, so that the properties of the
/// fuzz targets are also checked on each `cargo test`.
#[test]
fn mutated_vectors_never_panic() {
    let dir = common::epcis_dir();
    let mut files =
        common::files_with_ext(&dir.join("hash-generator"), &[".jsonld", ".xml", ".json"]);
    files.extend(common::files_with_ext(
        &dir.join("gs1-epcis/examples"),
        &[".jsonld", ".xml"],
    ));
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut runs = 0;
    for f in files {
        let original = std::fs::read(&f).expect("read");
        if original.is_empty() {
            continue;
        }
        // The unmutated file first: for valid documents this checks that both writers keep the
        // event hashes.
        epcis::fuzzing::json(&original);
        epcis::fuzzing::xml(&original);
        for _ in 0..40 {
            let mut data = original.clone();
            for _ in 0..(1 + next() % 4) {
                let len = data.len().max(1) as u64;
                let at = (next() % len) as usize;
                match next() % 5 {
                    0 => {
                        if let Some(b) = data.get_mut(at) {
                            *b ^= 1 << (next() % 8);
                        }
                    }
                    1 => data.truncate(at),
                    2 => data.insert(
                        at.min(data.len()),
                        b"{}[]<>\"',:0e.-/&;"[(next() % 17) as usize],
                    ),
                    3 => {
                        let end = (at + (next() % 64) as usize).min(data.len());
                        data.drain(at.min(end)..end);
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
            epcis::fuzzing::json(&data);
            epcis::fuzzing::xml(&data);
            runs += 1;
        }
    }
    assert!(runs > 2000, "{runs}");
}
