//! Agreement with GS1's EPCIS 2.0 JSON schema.
//!
//! The validator implements the schema's constraints in Rust, because GS1's schema file has no
//! open licence and must not ship in the binary. This test reads the official schema from the
//! shared vectors at test time, runs it (with the `jsonschema` crate, formats checked) over
//! every JSON document we have — GS1's examples, the schema's own test cases, the hash vectors —
//! and over hundreds of mutations of them, and checks that our [`ProblemKind::Schema`]
//! problems are empty exactly when the official schema accepts the document.

mod common;

use std::path::PathBuf;

use epcis::ProblemKind;
use serde_json::{Value, json};

fn schema() -> jsonschema::Validator {
    let path = common::epcis_dir().join("gs1-epcis/json-schema/EPCIS-JSON-Schema.json");
    let schema: Value = serde_json::from_str(&common::read(&path)).expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the official schema compiles")
}

fn corpus() -> Vec<(String, Value)> {
    let dir = common::epcis_dir();
    let mut files: Vec<PathBuf> =
        common::files_with_ext(&dir.join("gs1-epcis/examples/json"), &[".jsonld"]);
    files.extend(common::files_with_ext(
        &dir.join("gs1-epcis/json-schema/modular/test"),
        &[".json"],
    ));
    files.extend(common::files_with_ext(
        &dir.join("hash-generator/examples"),
        &[".jsonld"],
    ));
    files.extend(common::files_with_ext(
        &dir.join("derived/farm"),
        &[".jsonld"],
    ));
    files
        .into_iter()
        .map(|f| {
            let v: Value = serde_json::from_str(&common::read(&f)).expect("example JSON");
            (f.display().to_string(), v)
        })
        .collect()
}

/// Our verdict: no schema-kind problem.
fn ours(doc: &Value) -> (bool, Vec<String>) {
    let text = serde_json::to_string(doc).expect("serialise");
    let parsed = epcis::parse_json(&text).expect("valid JSON");
    let schema_problems: Vec<String> = parsed
        .validate()
        .into_iter()
        .filter(|p| p.kind == ProblemKind::Schema)
        .map(|p| p.to_string())
        .collect();
    (schema_problems.is_empty(), schema_problems)
}

fn theirs(v: &jsonschema::Validator, doc: &Value) -> (bool, Vec<String>) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    (errors.is_empty(), errors)
}

fn events_mut(doc: &mut Value) -> Vec<&mut Value> {
    let pointer = if doc.pointer("/epcisBody/eventList").is_some() {
        "/epcisBody/eventList"
    } else if doc
        .pointer("/epcisBody/queryResults/resultsBody/eventList")
        .is_some()
    {
        "/epcisBody/queryResults/resultsBody/eventList"
    } else if doc.get("eventTime").is_some() {
        return vec![doc];
    } else {
        return Vec::new();
    };
    match doc.pointer_mut(pointer).and_then(Value::as_array_mut) {
        Some(list) => list.iter_mut().collect(),
        None => Vec::new(),
    }
}

type Mutation = (&'static str, fn(&mut Value));

/// Changes to one event, each breaking (or, for some, keeping) a schema constraint.
fn mutations() -> Vec<Mutation> {
    fn set(e: &mut Value, k: &str, v: Value) {
        if let Some(o) = e.as_object_mut() {
            o.insert(k.to_owned(), v);
        }
    }
    fn remove(e: &mut Value, k: &str) {
        if let Some(o) = e.as_object_mut() {
            o.remove(k);
        }
    }
    vec![
        ("no eventTime", |e| remove(e, "eventTime")),
        ("no offset", |e| remove(e, "eventTimeZoneOffset")),
        ("bad offset", |e| {
            set(e, "eventTimeZoneOffset", json!("+15:00"))
        }),
        ("offset 14:00", |e| {
            set(e, "eventTimeZoneOffset", json!("-14:00"))
        }),
        ("local eventTime", |e| {
            set(e, "eventTime", json!("2024-05-01T09:00:00"))
        }),
        ("date only", |e| set(e, "eventTime", json!("2024-05-01"))),
        ("Feb 30", |e| {
            set(e, "eventTime", json!("2024-02-30T09:00:00Z"))
        }),
        ("numeric time", |e| set(e, "eventTime", json!(1714550400))),
        ("lowercase action", |e| set(e, "action", json!("observe"))),
        ("no action", |e| remove(e, "action")),
        ("bare bizStep", |e| set(e, "bizStep", json!("harvesting"))),
        ("urn bizStep", |e| {
            set(e, "bizStep", json!("urn:epcglobal:cbv:bizstep:shipping"))
        }),
        ("uri bizStep", |e| {
            set(e, "bizStep", json!("https://example.org/voc/drying"))
        }),
        ("bad disposition", |e| {
            set(e, "disposition", json!("in transit"))
        }),
        ("epcList string", |e| {
            set(e, "epcList", json!("urn:epc:id:sgtin:0614141.107346.2017"))
        }),
        ("epc not uri", |e| set(e, "epcList", json!(["not a uri"]))),
        ("epc duplicate", |e| {
            set(
                e,
                "epcList",
                json!([
                    "urn:epc:id:sgtin:0614141.107346.1",
                    "urn:epc:id:sgtin:0614141.107346.1"
                ]),
            )
        }),
        ("unknown field", |e| set(e, "colour", json!("green"))),
        ("curie field", |e| set(e, "example:colour", json!("green"))),
        ("quantity string", |e| {
            set(
                e,
                "quantityList",
                json!([{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": "5"}]),
            )
        }),
        ("quantity extra member", |e| {
            set(
                e,
                "quantityList",
                json!([{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 5, "unit": "KGM"}]),
            )
        }),
        ("bad uom", |e| {
            set(
                e,
                "quantityList",
                json!([{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 5, "uom": "kg"}]),
            )
        }),
        ("empty quantityList", |e| set(e, "quantityList", json!([]))),
        ("readPoint without id", |e| {
            set(e, "readPoint", json!({"example:x": "y"}))
        }),
        ("readPoint string", |e| {
            set(e, "readPoint", json!("urn:epc:id:sgln:0614141.00777.0"))
        }),
        ("bizTransaction without id", |e| {
            set(e, "bizTransactionList", json!([{"type": "po"}]))
        }),
        ("bizTransaction bad type", |e| {
            set(
                e,
                "bizTransactionList",
                json!([{"type": "purchase", "bizTransaction": "urn:x:1"}]),
            )
        }),
        ("source without type", |e| {
            set(
                e,
                "sourceList",
                json!([{"source": "urn:epc:id:pgln:0614141.00000"}]),
            )
        }),
        ("source ok", |e| {
            set(
                e,
                "sourceList",
                json!([{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00000"}]),
            )
        }),
        ("persistentDisposition empty", |e| {
            set(e, "persistentDisposition", json!({}))
        }),
        ("persistentDisposition empty set", |e| {
            set(e, "persistentDisposition", json!({"set": []}))
        }),
        ("sensor without report", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorMetadata": {"time": "2024-05-01T09:00:00Z"}}]),
            )
        }),
        ("sensor report without type", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"value": 4}]}]),
            )
        }),
        ("sensor bad type", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "gs1:Temperature", "value": 4}]}]),
            )
        }),
        ("sensor gs1 voc uri", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "https://gs1.org/voc/Temperature", "value": 4}]}]),
            )
        }),
        ("sensor string value", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "Temperature", "value": "4"}]}]),
            )
        }),
        ("sensor bool string", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "Temperature", "booleanValue": "true"}]}]),
            )
        }),
        ("sensor hex", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "Temperature", "hexBinaryValue": "xyz"}]}]),
            )
        }),
        ("sensor unknown member", |e| {
            set(
                e,
                "sensorElementList",
                json!([{"sensorReport": [{"type": "Temperature", "colour": "red"}]}]),
            )
        }),
        ("ilmd", |e| {
            set(e, "ilmd", json!({"cbvmda:lotNumber": "L1"}))
        }),
        ("ilmd bad key", |e| {
            set(e, "ilmd", json!({"lot number": "L1"}))
        }),
        ("certificationInfo list", |e| {
            set(
                e,
                "certificationInfo",
                json!(["https://c.example/1", "https://c.example/2"]),
            )
        }),
        ("certificationInfo bad", |e| {
            set(e, "certificationInfo", json!("not a uri"))
        }),
        ("errorDeclaration without time", |e| {
            set(e, "errorDeclaration", json!({"reason": "incorrect_data"}))
        }),
        ("errorDeclaration bad reason", |e| {
            set(
                e,
                "errorDeclaration",
                json!({"declarationTime": "2024-05-01T09:00:00Z", "reason": "oops"}),
            )
        }),
        ("eventID not uri", |e| set(e, "eventID", json!("event 1"))),
        ("parentID", |e| {
            set(e, "parentID", json!("urn:epc:id:sscc:0614141.1234567890"))
        }),
        ("extension type", |e| {
            set(e, "type", json!("example:HarvestEvent"))
        }),
        ("bad type", |e| set(e, "type", json!("Harvest Event"))),
        ("transformationID", |e| {
            set(
                e,
                "transformationID",
                json!("urn:uuid:8e1a1c8f-7c5f-4b3a-9d7e-1b2c3d4e5f60"),
            )
        }),
    ]
}

#[test]
fn examples_and_mutations_agree_with_the_official_schema() {
    let validator = schema();
    let mut checked = 0;
    let mut invalid = 0;
    let mut disagreements = Vec::new();
    let mut compare = |name: String, doc: &Value| {
        let (a, why_ours) = ours(doc);
        let (b, why_theirs) = theirs(&validator, doc);
        checked += 1;
        if !b {
            invalid += 1;
        }
        if a != b {
            disagreements.push(format!(
                "{name}: ours {a} {why_ours:?}, schema {b} {why_theirs:?}"
            ));
        }
    };
    for (name, doc) in corpus() {
        compare(name.clone(), &doc);
        for (what, mutate) in mutations() {
            let mut d = doc.clone();
            let events = events_mut(&mut d);
            if events.is_empty() {
                continue;
            }
            for e in events {
                mutate(e);
            }
            compare(format!("{name} [{what}]"), &d);
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {checked} documents judged differently:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    assert!(
        checked > 3000 && invalid > 1000,
        "{checked} checked, {invalid} invalid"
    );
}

#[test]
fn gs1_examples_are_schema_valid_and_the_schema_tests_pass() {
    let validator = schema();
    for (name, doc) in corpus() {
        assert!(validator.is_valid(&doc), "{name} fails the official schema");
        let (ok, why) = ours(&doc);
        assert!(ok, "{name}: {why:?}");
    }
}
