//! Black-box EPCIS capture and query against the real `retu serve` on port 0: the GS1 examples
//! and the shared farm vectors, queries and paging, resends, proofs of captured events, bad
//! input that must change nothing, audits, and tampering that audits must catch.

mod common;

use std::path::Path;

use common::{client, eventually, member, retu, start, vectors};
use reqwest::blocking::{Client, Response};
use serde_json::Value;

fn post(http: &Client, url: &str, token: &str, content_type: &str, body: Vec<u8>) -> Response {
    http.post(url)
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .expect("post")
}

fn get_json(http: &Client, url: &str, token: &str) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = http.get(url).bearer_auth(token).send().expect("get");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.json().unwrap_or(Value::Null);
    (status, body, headers)
}

fn event_list(document: &Value) -> Vec<Value> {
    document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The log's state as the public sees it: sequenced entries are not visible, so use the admin
/// query of everything plus the checkpoint size.
fn event_count(http: &Client, base: &str, token: &str) -> usize {
    let mut url = format!("{base}/epcis/events?perPage=1000");
    let mut count = 0;
    loop {
        let (status, body, headers) = get_json(http, &url, token);
        assert_eq!(status, 200, "{body}");
        count += event_list(&body).len();
        let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) else {
            return count;
        };
        let next = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .expect("link target");
        url = format!("{base}{next}");
    }
}

fn content_type(path: &Path) -> &'static str {
    if path.extension().is_some_and(|e| e == "xml") {
        "application/xml"
    } else {
        "application/ld+json"
    }
}

#[test]
fn capture_query_page_prove_and_audit_on_sqlite() {
    capture_query_page_prove_and_audit(&[]);
}

#[test]
fn capture_query_page_prove_and_audit_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    capture_query_page_prove_and_audit(&["--database-url", &database.url]);
}

fn capture_query_page_prove_and_audit(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(data.path(), &args);
    let http = client();
    let admin = server.admin_token.clone();
    let farm = vectors().join("epcis/derived/farm");

    // A tea cooperative owning the farm vectors' company prefix captures them, in JSON-LD and
    // again in XML: the same events, so the XML capture adds nothing.
    let (coop_id, coop) = member(data.path(), "白毫茶合作社", &["6901234"], extra);
    let json = std::fs::read(farm.join("farm-tea-events.jsonld")).expect("farm json");
    let response = post(
        &http,
        &server.url("/epcis/capture"),
        &coop,
        "application/ld+json",
        json,
    );
    assert_eq!(
        response.status(),
        202,
        "{}",
        response.text().unwrap_or_default()
    );
    let location = response.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let (status, job, _) = get_json(&http, &server.url(&location), &coop);
    assert_eq!(status, 200);
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(job["running"], false);
    assert_eq!(job["eventsStored"], 2);
    let xml = std::fs::read(farm.join("farm-tea-events.xml")).expect("farm xml");
    let response = post(
        &http,
        &server.url("/epcis/capture"),
        &coop,
        "application/xml",
        xml,
    );
    assert_eq!(
        response.status(),
        202,
        "{}",
        response.text().unwrap_or_default()
    );
    let job: Value = response.json().expect("job");
    assert_eq!(
        job["eventsStored"], 0,
        "the XML copy must not add events: {job}"
    );

    // The expected hashes of the farm events are their IDs (they carry no eventID).
    let expected: Vec<String> = std::fs::read_to_string(farm.join("farm-tea-events.hashes"))
        .expect("hashes")
        .lines()
        .map(str::to_owned)
        .collect();
    let (status, document, _) = get_json(&http, &server.url("/epcis/events"), &coop);
    assert_eq!(status, 200);
    let ids: Vec<String> = event_list(&document)
        .iter()
        .map(|e| e["eventID"].as_str().expect("eventID").to_owned())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(document["type"], "EPCISQueryDocument");

    // The same answer in XML, by content negotiation: read back with the XML binding, every
    // event has the hash the log committed to.
    let answer = |accept: &str, path: &str| {
        let response = http
            .get(server.url(path))
            .bearer_auth(&coop)
            .header("Accept", accept)
            .send()
            .expect("get");
        let status = response.status().as_u16();
        let media = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (status, media, response.text().expect("body"))
    };
    for accept in [
        "application/xml",
        "text/xml",
        "application/json;q=0.5, application/xml",
    ] {
        let (status, media, xml) = answer(accept, "/epcis/events");
        assert_eq!(
            (status, media.as_str()),
            (200, "application/xml"),
            "{accept}: {xml}"
        );
        let parsed = epcis::parse_xml(&xml).expect("the XML answer reads");
        assert!(parsed.validate().is_empty(), "{:?}", parsed.validate());
        assert_eq!(
            parsed.hashes(epcis::HashOptions::default()),
            expected,
            "{accept}"
        );
    }
    let (status, media, xml) = answer(
        "application/xml",
        &format!("/epcis/events/{}", urlencode(&ids[0])),
    );
    assert_eq!((status, media.as_str()), (200, "application/xml"));
    let parsed = epcis::parse_xml(&xml).expect("the XML event reads");
    assert_eq!(parsed.hashes(epcis::HashOptions::default()), expected[..1]);
    for accept in [
        "application/ld+json",
        "*/*",
        "application/xml;q=0.4, application/*",
    ] {
        let (status, media, _) = answer(accept, "/epcis/events");
        assert_eq!(
            (status, media.as_str()),
            (200, "application/ld+json"),
            "{accept}"
        );
    }
    let (status, media, problem) = answer("text/html", "/epcis/events");
    assert_eq!(
        (status, media.as_str()),
        (406, "application/problem+json"),
        "{problem}"
    );

    // The URN and the Digital Link of one lot are one identifier.
    for id in [
        "urn:epc:class:lgtin:6901234.012345.TEA2404A",
        "https://example.org/01/06901234123456/10/TEA2404A",
    ] {
        let url = server.url(&format!("/epcis/events?MATCH_epcClass={}", urlencode(id)));
        let (status, body, _) = get_json(&http, &url, &coop);
        assert_eq!(status, 200, "{body}");
        assert_eq!(event_list(&body).len(), 1, "{id}: {body}");
    }
    let url = server.url("/epcis/events?EQ_bizStep=shipping&EQ_ILMD_cbvmda:lotNumber=TEA2404A");
    assert!(event_list(&get_json(&http, &url, &coop).1).is_empty());
    let url =
        server.url("/epcis/events?EQ_bizTransaction_po=urn:epcglobal:cbv:bt:6901234000009:PO-77");
    assert_eq!(event_list(&get_json(&http, &url, &coop).1).len(), 1);

    // Another member sees none of the cooperative's private events; the admin sees them all.
    let (_, stranger) = member(data.path(), "Another farm", &["6912345"], extra);
    assert!(event_list(&get_json(&http, &server.url("/epcis/events"), &stranger).1).is_empty());
    let (status, _, _) = get_json(
        &http,
        &server.url(&format!("/epcis/events/{}", urlencode(&ids[0]))),
        &stranger,
    );
    assert_eq!(status, 404);

    // The admin captures the GS1 JSON and XML examples: valid ones are stored, invalid ones are
    // refused with problems and change nothing.
    let mut stored = 0;
    let mut refused = 0;
    let mut files = Vec::new();
    for dir in [
        "epcis/gs1-epcis/examples/json",
        "epcis/hash-generator/examples",
    ] {
        collect(&vectors().join(dir), &mut files);
    }
    for path in &files {
        let before = event_count(&http, &server.base, &admin);
        let body = std::fs::read(path).expect("example");
        let response = post(
            &http,
            &server.url("/epcis/capture"),
            &admin,
            content_type(path),
            body,
        );
        match response.status().as_u16() {
            202 => stored += 1,
            // Invalid documents (400), and examples whose placeholder eventIDs were already
            // used by other examples' events (409; see the vectors' MANIFEST), are refused.
            status @ (400 | 409) => {
                let problem: Value = response.json().expect("problem");
                let want = if status == 400 {
                    "epcisException:ValidationException"
                } else {
                    "epcisException:ResourceAlreadyExistsException"
                };
                assert_eq!(problem["type"], want, "{problem}");
                assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
                assert_eq!(
                    event_count(&http, &server.base, &admin),
                    before,
                    "{}",
                    path.display()
                );
                refused += 1;
            }
            other => panic!(
                "{}: {other} {}",
                path.display(),
                response.text().unwrap_or_default()
            ),
        }
    }
    assert!(stored > 40, "{stored} examples stored, {refused} refused");

    // Paging: pages of 7 following the Link header cover every event exactly once.
    let total = event_count(&http, &server.base, &admin);
    let mut url = server.url("/epcis/events?perPage=7&orderBy=eventTime&orderDirection=ASC");
    let mut seen = std::collections::HashSet::new();
    let mut last_time = String::new();
    loop {
        let (status, body, headers) = get_json(&http, &url, &admin);
        assert_eq!(status, 200, "{body}");
        for event in event_list(&body) {
            assert!(
                seen.insert(event["eventID"].as_str().expect("id").to_owned()),
                "an event came twice"
            );
            let _ = &mut last_time;
        }
        match headers.get("link").and_then(|v| v.to_str().ok()) {
            Some(link) => {
                let next = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .expect("target");
                url = format!("{}{next}", server.base);
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), total);

    // A single event: 201, then 200 for the resend, with no second leaf.
    let event = r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type":"ObjectEvent","eventTime":"2026-04-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
        "epcList":["urn:epc:id:sgtin:6901234.012345.1001"],"action":"ADD","bizStep":"commissioning",
        "readPoint":{"id":"urn:epc:id:sgln:6901234.00001.0"}}"#;
    let first = post(
        &http,
        &server.url("/epcis/events"),
        &coop,
        "application/ld+json",
        event.into(),
    );
    assert_eq!(first.status(), 201);
    let event_url = first.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let first: Value = first.json().expect("body");
    let again = post(
        &http,
        &server.url("/epcis/events"),
        &coop,
        "application/ld+json",
        event.into(),
    );
    assert_eq!(again.status(), 200);
    let again: Value = again.json().expect("body");
    assert_eq!(first["logIndex"], again["logIndex"]);

    // Its tlog-proof verifies against the log key, for a leaf the test rebuilds from what it can
    // see: the stored event bytes, its hash, the organisation and the record time.
    let (status, stored_event, _) = get_json(&http, &server.url(&event_url), &coop);
    assert_eq!(status, 200, "{stored_event}");
    let body = http
        .get(server.url(&event_url))
        .bearer_auth(&coop)
        .send()
        .expect("event")
        .bytes()
        .expect("bytes");
    let vkey = http
        .get(server.url("/log/key"))
        .send()
        .expect("key")
        .text()
        .expect("text");
    let policy =
        tlog::Policy::parse(&format!("log {}\nquorum none\n", vkey.trim())).expect("policy");
    let record_time = stored_event["recordTime"].as_str().expect("recordTime");
    let leaf = leaf_text(
        first["eventHash"].as_str().expect("hash"),
        &body,
        &coop_id,
        record_time,
    );
    let event_id = first["eventID"].as_str().expect("id");
    let proof = eventually(20, || {
        let response = http
            .get(server.url(&format!("/log/proof?event={}", urlencode(event_id))))
            .bearer_auth(&coop)
            .send()
            .ok()?;
        (response.status() == 200).then(|| response.bytes().expect("proof"))
    });
    let verified = tlog::TlogProof::parse(&proof)
        .expect("tlog-proof")
        .verify(&tlog::leaf_hash(leaf.as_bytes()), &policy)
        .expect("the proof verifies");
    assert_eq!(verified.checkpoint.origin, "retu.localhost");

    // The audit passes on the live data.
    let data_arg = data.path().to_str().expect("utf-8");
    let mut audit_args = vec!["audit", "--data", data_arg];
    audit_args.extend_from_slice(extra);
    let audit = retu(&audit_args);
    assert!(audit.starts_with("ok:"), "{audit}");
}

/// A derived benchmark file, with the one correction Retu needs: its business transaction IDs
/// name the GLN 6901234000003, whose check digit is wrong (it should be 9), and Retu refuses
/// GS1 keys with wrong check digits.
fn bench_events(name: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(vectors().join("epcis/derived/bench").join(name))
        .expect("bench file");
    text.replace(
        "urn:epcglobal:cbv:bt:6901234000003:",
        "urn:epcglobal:cbv:bt:6901234000009:",
    )
    .into_bytes()
}

fn leaf_text(event_hash: &str, body: &[u8], org: &str, record_time: &str) -> String {
    use sha2::Digest as _;
    let digest: String = sha2::Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "retu-leaf/v1\nkind epcis-event\nevent {event_hash}\nbody sha-256:{digest}\norg {org}\ntime {record_time}\n"
    )
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "jsonld" || e == "json" || e == "xml")
            && !path.to_string_lossy().contains("Query")
        {
            out.push(path);
        }
    }
}

#[test]
fn bad_input_is_a_clear_problem_and_changes_nothing() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = start(data.path(), &["--rate-limit", "0", "--body-limit-mib", "1"]);
    let http = client();
    let (_, coop) = member(data.path(), "coop", &["6901234"], &[]);
    let good = r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type":"ObjectEvent","eventTime":"2026-04-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
        "epcList":["urn:epc:id:sgtin:6901234.012345.1"],"action":"ADD","bizStep":"commissioning",
        "readPoint":{"id":"urn:epc:id:sgln:6901234.00001.0"}}"#;
    assert_eq!(
        post(
            &http,
            &server.url("/epcis/events"),
            &coop,
            "application/json",
            good.into()
        )
        .status(),
        201
    );
    let baseline = event_count(&http, &server.base, &coop);

    let wrong_check_digit = good.replace(
        "urn:epc:id:sgtin:6901234.012345.1",
        "https://id.gs1.org/01/06901234123450/21/1",
    );
    // (what, body, media type, expected status, expected pointer)
    type Case<'a> = (&'a str, Vec<u8>, &'a str, u16, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        (
            "malformed JSON",
            b"{\"type\": \"ObjectEvent\",".to_vec(),
            "application/json",
            400,
            None,
        ),
        (
            "malformed XML",
            b"<epcis:EPCISDocument><EventList>".to_vec(),
            "application/xml",
            400,
            None,
        ),
        (
            "wrong check digit",
            wrong_check_digit.into_bytes(),
            "application/json",
            400,
            Some("/epcList/0"),
        ),
        (
            "missing eventTime",
            good.replace("\"eventTime\":\"2026-04-01T08:00:00+08:00\",", "")
                .into_bytes(),
            "application/json",
            400,
            Some("/eventTime"),
        ),
        (
            "unknown event type",
            good.replace("\"ObjectEvent\"", "\"HarvestEvent\"")
                .into_bytes(),
            "application/json",
            400,
            None,
        ),
        (
            "another organisation's location",
            good.replace(
                "urn:epc:id:sgln:6901234.00001.0",
                "urn:epc:id:sgln:6912345.00001.0",
            )
            .into_bytes(),
            "application/json",
            403,
            Some("/readPoint/id"),
        ),
        (
            "another organisation's identity",
            good.replace("sgtin:6901234.012345.1", "sgtin:6912345.012345.1")
                .into_bytes(),
            "application/json",
            403,
            Some("/epcList/0"),
        ),
        (
            "unsupported media type",
            good.as_bytes().to_vec(),
            "text/csv",
            415,
            None,
        ),
        (
            "oversized body",
            vec![b' '; 2 * 1024 * 1024],
            "application/json",
            413,
            None,
        ),
    ];
    for (what, body, media, status, pointer) in cases {
        // A fresh connection per case: the server closes a connection whose oversized body it
        // refused without reading, and a pooled connection would then fail the next request.
        let http = client();
        let response = post(&http, &server.url("/epcis/events"), &coop, media, body);
        assert_eq!(
            response.status().as_u16(),
            status,
            "{what}: {}",
            response.text().unwrap_or_default()
        );
        if status != 413 {
            assert_eq!(
                response.headers()["content-type"],
                "application/problem+json",
                "{what}"
            );
            let problem: Value = response.json().expect("problem");
            assert!(
                problem["title"].is_string() && problem["type"].is_string(),
                "{what}: {problem}"
            );
            if let Some(pointer) = pointer {
                assert_eq!(problem["pointer"], pointer, "{what}: {problem}");
            }
        }
        assert_eq!(
            event_count(&client(), &server.base, &coop),
            baseline,
            "{what} changed the store"
        );
    }
    // Without a token nothing can be captured.
    let anonymous = http
        .post(server.url("/epcis/events"))
        .header("Content-Type", "application/json")
        .body(good)
        .send()
        .expect("post");
    assert_eq!(anonymous.status(), 401);
    // A bad query parameter is named.
    let (status, problem, _) = get_json(
        &http,
        &server.url("/epcis/events?GE_eventTime=yesterday"),
        &coop,
    );
    assert_eq!(status, 400);
    assert_eq!(problem["pointer"], "/GE_eventTime");
}

#[test]
fn tampering_with_a_stored_event_is_named_by_the_audit() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut server = start(data.path(), &["--rate-limit", "0"]);
    let http = client();
    let admin = server.admin_token.clone();
    let farm = bench_events("farm-1k-events.jsonld");
    let response = post(
        &http,
        &server.url("/epcis/capture"),
        &admin,
        "application/ld+json",
        farm,
    );
    assert_eq!(
        response.status(),
        202,
        "{}",
        response.text().unwrap_or_default()
    );
    server.stop();
    let data_arg = data.path().to_str().expect("utf-8");
    assert!(retu(&["audit", "--data", data_arg]).starts_with("ok: 1000 entries"));

    // Change one character of one stored event, as someone with database access could.
    let database = data.path().join("retu.db");
    let changed = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             b=c.execute('select body from events where log_index=417').fetchone()[0]; \
             c.execute('update events set body=? where log_index=417', (bytes(b).replace(b'note', b'NOTE', 1),)); c.commit()",
        )
        .arg(&database)
        .status()
        .expect("python3");
    assert!(changed.success());
    let audit = std::process::Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["audit", "--data", data_arg])
        .output()
        .expect("audit");
    assert!(!audit.status.success());
    let message = String::from_utf8_lossy(&audit.stderr);
    assert!(message.contains("entry 417"), "{message}");
}
