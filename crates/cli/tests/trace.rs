//! Black-box lineage and recall against the real `retu serve` on port 0, on a realistic tea
//! chain: fresh leaf harvested from three plots (a lot per plot) → withering, rolling and drying
//! into made-tea lots (transformations) → packed into a lot of tins → serialised tins → cases
//! (SSCC) → shipped to a distributor → received → shipped to three shops.
//!
//! Tracing a tin must reach every plot its tea came from; recalling one plot's harvest must find
//! exactly the tins, cases and shops it reached and nothing else.

mod common;

use std::collections::BTreeSet;

use common::{client, eventually, member, retu, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COOP_PREFIX: &str = "6901234";
const DISTRIBUTOR_PREFIX: &str = "6912345";

fn lot(item: &str, lot: &str) -> String {
    format!("urn:epc:class:lgtin:{COOP_PREFIX}.{item}.{lot}")
}
fn tin(serial: &str) -> String {
    format!("urn:epc:id:sgtin:{COOP_PREFIX}.033333.{serial}")
}
fn sscc(serial: u32) -> String {
    format!("urn:epc:id:sscc:{COOP_PREFIX}.{serial:010}")
}
fn coop_place(location: &str) -> String {
    format!("urn:epc:id:sgln:{COOP_PREFIX}.{location}.0")
}
fn distributor_place(location: &str) -> String {
    format!("urn:epc:id:sgln:{DISTRIBUTOR_PREFIX}.{location}.0")
}
fn shop(n: u32) -> String {
    format!("urn:epc:id:sgln:6923456.{n:05}.0")
}
fn normal(id: &str) -> String {
    repository::normalize::identifier(id)
}

fn time(hour: u32) -> String {
    format!("2026-04-{:02}T{:02}:00:00+08:00", 1 + hour / 24, hour % 24)
}

fn harvest(plot: u32, hour: u32) -> Value {
    json!({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": time(hour), "eventTimeZoneOffset": "+08:00",
        "epcList": [],
        "quantityList": [{"epcClass": lot("012345", &format!("LEAF-P{plot}")), "quantity": 40.5, "uom": "KGM"}],
        "bizLocation": {"id": coop_place(&format!("{:05}", 10 + plot))},
        "ilmd": {"cbvmda:lotNumber": format!("LEAF-P{plot}")},
    })
}

fn transform(inputs: &[String], output: &str, hour: u32) -> Value {
    json!({
        "type": "TransformationEvent", "eventTime": time(hour), "eventTimeZoneOffset": "+08:00",
        "inputQuantityList": inputs.iter().map(|i| json!({"epcClass": i, "quantity": 10, "uom": "KGM"})).collect::<Vec<_>>(),
        "outputQuantityList": [{"epcClass": output, "quantity": 8, "uom": "KGM"}],
        "bizLocation": {"id": coop_place("00020")},
    })
}

fn commission_tins(tins: &[String], tin_lot: &str, hour: u32) -> Value {
    json!({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": time(hour), "eventTimeZoneOffset": "+08:00",
        "epcList": tins,
        "bizLocation": {"id": coop_place("00020")},
        "ilmd": {"cbvmda:lotNumber": tin_lot},
    })
}

fn pack(case: &str, tins: &[String], hour: u32) -> Value {
    json!({
        "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
        "eventTime": time(hour), "eventTimeZoneOffset": "+08:00",
        "parentID": case, "childEPCs": tins,
        "bizLocation": {"id": coop_place("00020")},
    })
}

fn movement(step: &str, cases: &[String], at: &str, from: &str, to: &str, hour: u32) -> Value {
    json!({
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": step,
        "eventTime": time(hour), "eventTimeZoneOffset": "+08:00",
        "epcList": cases,
        "bizLocation": {"id": at},
        "sourceList": [{"type": "location", "source": from}],
        "destinationList": [{"type": "location", "destination": to}],
    })
}

fn document(events: Vec<Value>) -> Vec<u8> {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": events},
    })
    .to_string()
    .into_bytes()
}

fn capture(http: &Client, url: &str, token: &str, events: Vec<Value>) {
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "application/ld+json")
        .body(document(events))
        .send()
        .expect("capture");
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["success"], true, "{body}");
}

fn get(http: &Client, url: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = http.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("get");
    (
        response.status().as_u16(),
        response.json().unwrap_or(Value::Null),
    )
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn normals(ids: &[String]) -> BTreeSet<String> {
    ids.iter().map(|id| normal(id)).collect()
}

#[test]
fn tea_chain_trace_and_recall_on_sqlite() {
    tea_chain_trace_and_recall(&[]);
}

#[test]
fn tea_chain_trace_and_recall_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    tea_chain_trace_and_recall(&["--database-url", &database.url]);
}

fn tea_chain_trace_and_recall(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(data.path(), &args);
    let http = client();
    let (coop_id, coop) = member(data.path(), "白毫茶合作社", &[COOP_PREFIX], extra);
    let (distributor_id, distributor) =
        member(data.path(), "县城茶叶批发部", &[DISTRIBUTOR_PREFIX], extra);

    let tins_a: Vec<String> = (1..=4).map(|i| tin(&format!("T-A{i}"))).collect();
    let tins_b: Vec<String> = (1..=2).map(|i| tin(&format!("T-B{i}"))).collect();
    let cases: Vec<String> = (1..=3).map(sscc).collect();
    let leaf = |plot: u32| lot("012345", &format!("LEAF-P{plot}"));
    let made = |name: &str| lot("022222", name);
    let coop_store = coop_place("00030");
    let hub = distributor_place("00001");

    // The cooperative: three harvests, lot A from plots 1 and 2, lot B from plot 3.
    capture(
        &http,
        &server.url("/epcis/capture"),
        &coop,
        vec![
            harvest(1, 8),
            harvest(2, 9),
            harvest(3, 10),
            transform(&[leaf(1), leaf(2)], &made("W-A"), 12),
            transform(&[leaf(3)], &made("W-B"), 12),
            transform(&[made("W-A")], &made("R-A"), 20),
            transform(&[made("W-B")], &made("R-B"), 20),
            transform(&[made("R-A")], &made("MT-A"), 30),
            transform(&[made("R-B")], &made("MT-B"), 30),
            transform(&[made("MT-A")], &lot("033333", "TIN-A"), 40),
            transform(&[made("MT-B")], &lot("033333", "TIN-B"), 40),
            commission_tins(&tins_a, "TIN-A", 41),
            commission_tins(&tins_b, "TIN-B", 41),
            pack(&cases[0], &tins_a[0..2], 42),
            pack(&cases[1], &tins_a[2..4], 42),
            pack(&cases[2], &tins_b, 42),
            movement("shipping", &cases, &coop_store, &coop_store, &hub, 50),
        ],
    );
    // The distributor receives all three cases and sends one to each shop.
    capture(
        &http,
        &server.url("/epcis/capture"),
        &distributor,
        vec![
            movement("receiving", &cases, &hub, &coop_store, &hub, 60),
            movement("shipping", &cases[0..1], &hub, &hub, &shop(1), 70),
            movement("shipping", &cases[1..2], &hub, &hub, &shop(2), 70),
            movement("shipping", &cases[2..3], &hub, &hub, &shop(3), 70),
        ],
    );
    let admin = server.admin_token.clone();

    // Tracing a tin up reaches every plot its tea came from, through its lot and the three
    // transformations, and not the plot of the other lot.
    let (status, up) = get(
        &http,
        &server.url(&format!("/api/trace?id={}&direction=up", tins_a[0])),
        Some(&admin),
    );
    assert_eq!(status, 200, "{up}");
    let nodes: BTreeSet<String> = up["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    for expected in [
        leaf(1),
        leaf(2),
        made("W-A"),
        made("R-A"),
        made("MT-A"),
        lot("033333", "TIN-A"),
        coop_place("00011"),
        coop_place("00012"),
    ] {
        assert!(
            nodes.contains(&normal(&expected)),
            "{expected} missing from {nodes:?}"
        );
    }
    for unexpected in [leaf(3), coop_place("00013"), cases[0].clone()] {
        assert!(
            !nodes.contains(&normal(&unexpected)),
            "{unexpected} in {nodes:?}"
        );
    }
    assert_eq!(up["nodes"][0]["id"], normal(&tins_a[0]));
    assert_eq!(up["nodes"][0]["kind"], "item");
    // Every event carries its log index, and every edge names an event of the answer.
    let event_indices: BTreeSet<u64> = up["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["logIndex"].as_u64().expect("log index"))
        .collect();
    for edge in up["edges"].as_array().expect("edges") {
        assert!(event_indices.contains(&edge["logIndex"].as_u64().expect("index")));
    }
    // The same tin as a Digital Link on the brand's own host is the same trace.
    let digital_link = normal(&tins_a[0]).replace("https://id.gs1.org/", "https://tea.example.cn/");
    let (status, by_link) = get(
        &http,
        &server.url(&format!("/api/trace?id={digital_link}&direction=up")),
        Some(&admin),
    );
    assert_eq!(status, 200);
    assert_eq!(by_link["nodes"], up["nodes"]);
    // Depth bounds the trace: one hop up from the tin reaches only its lot and workshop.
    let (_, shallow) = get(
        &http,
        &server.url(&format!("/api/trace?id={}&direction=up&depth=1", tins_a[0])),
        Some(&admin),
    );
    assert_eq!(shallow["depthReached"], true, "{shallow}");
    assert_eq!(
        shallow["nodes"].as_array().expect("nodes").len(),
        3,
        "{shallow}"
    );

    // Both directions from a case: its tins and their history up, the shops down.
    let (_, both) = get(
        &http,
        &server.url(&format!("/api/trace?id={}&direction=both", cases[0])),
        Some(&admin),
    );
    let both_nodes: BTreeSet<String> = both["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(both_nodes.contains(&normal(&shop(1))));
    assert!(both_nodes.contains(&normal(&leaf(1))));
    assert!(!both_nodes.contains(&normal(&shop(2))));
    assert!(!both_nodes.contains(&normal(&cases[1])));

    // Without a token only shared events are visible: nothing was shared.
    let (status, public) = get(
        &http,
        &server.url(&format!("/api/trace?id={}", tins_a[0])),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        public["events"].as_array().map(Vec::len),
        Some(0),
        "{public}"
    );

    // Recalls: bad requests first, each a problem naming the field; nothing is logged.
    let recalls = server.url("/api/recalls");
    let post = |token: &str, body: Value| {
        let response = http
            .post(&recalls)
            .bearer_auth(token)
            .json(&body)
            .send()
            .expect("recall");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (
            status,
            response.json::<Value>().unwrap_or(Value::Null),
            location,
        )
    };
    let (status, problem, _) = post(&coop, json!({"id": leaf(1)}));
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/reason")),
        "{problem}"
    );
    let (status, problem, _) = post(&coop, json!({"reason": "pesticide residue"}));
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/id")),
        "{problem}"
    );
    let (status, _, _) = post(
        &coop,
        json!({"id": lot("012345", "NO-SUCH-LOT"), "reason": "x"}),
    );
    assert_eq!(status, 404);
    // The distributor neither owns the plot's prefix nor recorded the harvest; told so in
    // Chinese when it asks in Chinese.
    let response = http
        .post(&recalls)
        .bearer_auth(&distributor)
        .header("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
        .json(&json!({"id": leaf(1), "reason": "x"}))
        .send()
        .expect("recall");
    assert_eq!(response.status().as_u16(), 403);
    let problem: Value = response.json().expect("problem");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("只能召回"),
        "{problem}"
    );

    // Recalling plot 1's harvest finds exactly the tins, cases and shops it reached.
    let (status, recall, location) = post(
        &coop,
        json!({"id": leaf(1), "reason": "快检农残超标 pesticide residue over the limit"}),
    );
    assert_eq!(status, 201, "{recall}");
    assert_eq!(location.as_deref(), Some("/api/recalls/RC-000001"));
    assert_eq!(recall["recallId"], "RC-000001");
    let affected = &recall["affected"];
    assert_eq!(strings(&affected["epcs"]), normals(&tins_a));
    assert_eq!(
        strings(&affected["lots"]),
        normals(&[
            leaf(1),
            made("W-A"),
            made("R-A"),
            made("MT-A"),
            lot("033333", "TIN-A"),
        ])
    );
    assert_eq!(strings(&affected["sscc"]), normals(&cases[0..2]));
    assert_eq!(
        strings(&affected["locations"]),
        normals(&[
            coop_place("00011"),
            coop_place("00020"),
            coop_store.clone(),
            hub.clone(),
            shop(1),
            shop(2),
        ])
    );
    assert_eq!(
        strings(&affected["organisations"]),
        [coop_id.clone(), distributor_id.clone()]
            .into_iter()
            .collect()
    );
    // Harvest, four transformations, tin commissioning, two packings, the coop's shipment,
    // the receipt, and the two shipments to shops 1 and 2.
    assert_eq!(recall["events"], 12, "{recall}");

    // The recall is a log entry: it gets a log index after the 21 events and appears in a
    // published checkpoint.
    assert_eq!(recall["logIndex"], 21);
    eventually(20, || {
        let checkpoint = http
            .get(server.url("/log/checkpoint"))
            .send()
            .ok()?
            .text()
            .ok()?;
        let size: u64 = checkpoint.lines().nth(1)?.parse().ok()?;
        (size >= 22).then_some(())
    });

    // Notices: a recalled tin and one made later from the recalled lot are flagged, publicly;
    // tins of the other lot are not.
    capture(
        &http,
        &server.url("/epcis/capture"),
        &coop,
        vec![commission_tins(&[tin("T-A9")], "TIN-A", 80)],
    );
    for (id, recalled) in [
        (tins_a[0].clone(), true),
        (tin("T-A9"), true),
        (cases[1].clone(), true),
        (tins_b[0].clone(), false),
        (cases[2].clone(), false),
        (leaf(2), false),
    ] {
        let (status, notice) = get(&http, &server.url(&format!("/api/recalls?id={id}")), None);
        assert_eq!(status, 200);
        assert_eq!(notice["recalled"], recalled, "{id}: {notice}");
        if recalled {
            assert_eq!(notice["recalls"][0]["recallId"], "RC-000001");
            assert_eq!(
                notice["recalls"][0]["reason"],
                "快检农残超标 pesticide residue over the limit"
            );
        }
    }
    // The trace of a recalled tin says so on the node and in the answer.
    let (_, traced) = get(
        &http,
        &server.url(&format!("/api/trace?id={}&direction=up", tins_a[1])),
        Some(&coop),
    );
    assert_eq!(traced["recalls"][0]["recallId"], "RC-000001", "{traced}");
    assert_eq!(traced["nodes"][0]["recalls"], json!(["RC-000001"]));

    // The recall itself, as JSON, CSV and XLSX, for its maker; others are told it does not exist.
    let (status, stored) = get(&http, &server.url("/api/recalls/RC-000001"), Some(&coop));
    assert_eq!(status, 200);
    assert_eq!(stored["affected"], recall["affected"]);
    let (status, _) = get(
        &http,
        &server.url("/api/recalls/RC-000001"),
        Some(&distributor),
    );
    assert_eq!(status, 404);
    let csv = http
        .get(server.url("/api/recalls/RC-000001.csv"))
        .bearer_auth(&coop)
        .send()
        .expect("csv");
    assert_eq!(csv.status().as_u16(), 200);
    let csv = csv.text().expect("csv text");
    let rows: Vec<&str> = csv.lines().collect();
    // A header and one row per affected identifier: 4 tins, 5 lots, 2 cases, 6 places and
    // 2 organisations.
    assert_eq!(rows.len(), 1 + 4 + 5 + 2 + 6 + 2, "{csv}");
    assert!(rows.iter().any(|row| row.contains(&normal(&shop(2)))));
    assert!(!csv.contains(&normal(&shop(3))));
    let xlsx = http
        .get(server.url("/api/recalls/RC-000001.xlsx"))
        .bearer_auth(&admin)
        .send()
        .expect("xlsx");
    assert_eq!(xlsx.status().as_u16(), 200);
    assert!(xlsx.bytes().expect("xlsx bytes").starts_with(b"PK"));

    // The FSMA 204 spreadsheet of plot 1's lot: its harvest and the withering it went into,
    // with the columns the mapping names, and nothing of other lots.
    let export = http
        .get(server.url(&format!("/api/exports/fsma204?tlc={}", leaf(1))))
        .bearer_auth(&coop)
        .send()
        .expect("export");
    assert_eq!(export.status().as_u16(), 200);
    let export = export.text().expect("csv");
    let table = parse_csv(export.trim_start_matches('\u{feff}'));
    let header = &table[0];
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    assert_eq!(header.len(), 21, "{header:?}");
    let rows = &table[1..];
    assert_eq!(rows.len(), 2, "{export}");
    for row in rows {
        assert_eq!(row[column("Traceability lot code")], normal(&leaf(1)));
    }
    assert_eq!(rows[0][column("CTE")], "Harvesting", "{export}");
    assert_eq!(rows[0][column("Quantity")], "40.5");
    assert_eq!(rows[0][column("Unit of measure")], "KGM");
    assert_eq!(rows[0][column("Organisation")], "白毫茶合作社");
    assert_eq!(rows[1][column("Lot role")], "Input", "{export}");
    assert_eq!(rows[1][column("CTE")], "Transformation", "{export}");
    // The tins' lot: made by a transformation (filling tins is no harvest), then shipped in
    // cases to the distributor, received, and shipped on to shops 1 and 2. The cooperative
    // sees its own events; the admin (a regulator's view) the whole chain.
    let lot_ctes = |token: &str| {
        let export = http
            .get(server.url(&format!(
                "/api/exports/fsma204?tlc={}",
                lot("033333", "TIN-A")
            )))
            .bearer_auth(token)
            .send()
            .expect("export")
            .text()
            .expect("csv");
        parse_csv(export.trim_start_matches('\u{feff}'))[1..]
            .iter()
            .map(|row| row[column("CTE")].clone())
            .collect::<Vec<String>>()
    };
    assert_eq!(lot_ctes(&coop), ["Transformation", "Shipping"]);
    assert_eq!(
        lot_ctes(&admin),
        [
            "Transformation",
            "Shipping",
            "Receiving",
            "Shipping",
            "Shipping"
        ]
    );
    // A period export holds the distributor's own events only, for the distributor.
    let period = http
        .get(server.url(
            "/api/exports/fsma204?from=2026-04-03T00:00:00%2B08:00&to=2026-04-04T00:00:00%2B08:00&format=xlsx",
        ))
        .bearer_auth(&distributor)
        .send()
        .expect("period export");
    assert_eq!(period.status().as_u16(), 200);
    assert!(period.bytes().expect("xlsx").starts_with(b"PK"));
    let bad = http
        .get(server.url("/api/exports/fsma204?from=yesterday"))
        .bearer_auth(&coop)
        .send()
        .expect("bad export");
    assert_eq!(bad.status().as_u16(), 400);

    let tin_certificate = certificates(&http, &server, &coop, &coop_id, &distributor);
    resolver(&server, &tin_certificate, &tins_a[0]);

    // The audit checks the recall's leaf along with every event.
    let mut server = server;
    server.stop();
    let mut audit = vec!["audit", "--data", data.path().to_str().expect("path")];
    audit.extend_from_slice(extra);
    let report = retu(&audit);
    // 22 events, the recall and five certificates.
    assert!(report.starts_with("ok: 28 entries"), "{report}");
}

/// A small RFC 4180 reader: quoted fields may hold commas, quotes and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// The event ID of the event that made `lot` (its harvest or the transformation it came out
/// of), from the lot's trace.
fn making_event(http: &Client, server: &common::Server, token: &str, lot: &str) -> String {
    let (_, traced) = get(
        http,
        &server.url(&format!("/api/trace?id={lot}&direction=up&depth=1")),
        Some(token),
    );
    let making = traced["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|edge| {
            edge["to"] == normal(lot)
                && matches!(
                    edge["relation"].as_str(),
                    Some("commissioned-at" | "transformed-into")
                )
        })
        .unwrap_or_else(|| panic!("no making event for {lot}: {traced}"));
    making["eventID"].as_str().expect("event id").to_owned()
}

/// 承诺达标合格证: one per plot harvest, re-issued for the made tea and the tins with links back
/// to every plot certificate; each verifies against the log; the page prints with its QR code.
fn certificates(
    http: &Client,
    server: &common::Server,
    coop: &str,
    coop_id: &str,
    distributor: &str,
) -> String {
    let leaf = |plot: u32| lot("012345", &format!("LEAF-P{plot}"));
    let issue = |token: &str, draft: &repository::certificate::CertificateDraft| {
        let response = http
            .post(server.url("/api/certificates"))
            .bearer_auth(token)
            .header("Accept-Language", "en")
            .json(draft)
            .send()
            .expect("issue");
        let status = response.status().as_u16();
        (status, response.json::<Value>().unwrap_or(Value::Null))
    };
    let mut plot_numbers = Vec::new();
    for plot in 1..=3 {
        let event_id = making_event(http, server, coop, &leaf(plot));
        let (status, issued) = issue(
            coop,
            &common::certificate_draft("凌云白毫鲜叶", &event_id, &leaf(plot)),
        );
        assert_eq!(status, 201, "{issued}");
        assert_eq!(issued["certificate"]["content"]["parents"], json!([]));
        plot_numbers.push(issued["number"].as_str().expect("number").to_owned());
    }
    // Made tea of lot A: no parents given, so the nearest certified lots upstream are linked:
    // the certificates of plots 1 and 2 (not 3), through withering and rolling.
    let made_tea = lot("022222", "MT-A");
    let made_event = making_event(http, server, coop, &made_tea);
    let (status, made) = issue(
        coop,
        &common::certificate_draft("凌云白毫红茶", &made_event, &made_tea),
    );
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["certificate"]["content"]["parents"],
        json!([plot_numbers[0], plot_numbers[1]])
    );
    let made_number = made["number"].as_str().expect("number").to_owned();
    // The tins' lot links to the made tea, and so chains back to both plots.
    let tins = lot("033333", "TIN-A");
    let tins_event = making_event(http, server, coop, &tins);
    let (status, tin_cert) = issue(
        coop,
        &common::certificate_draft("凌云白毫红茶 罐装", &tins_event, &tins),
    );
    assert_eq!(status, 201, "{tin_cert}");
    assert_eq!(
        tin_cert["certificate"]["content"]["parents"],
        json!([made_number])
    );

    // Refusals, each naming the field: a parent that is not upstream, a lot the event does not
    // name, an event that is not a harvest or production, another organisation's event.
    let mut foreign_parent = common::certificate_draft("凌云白毫红茶 罐装", &tins_event, &tins);
    foreign_parent.parents = vec![plot_numbers[2].clone()];
    let (status, problem) = issue(coop, &foreign_parent);
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/parents/0")),
        "{problem}"
    );
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("not made from")
    );
    let (status, problem) = issue(coop, &common::certificate_draft("x", &tins_event, &leaf(3)));
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/batch/lot")),
        "{problem}"
    );
    let mut no_phone = common::certificate_draft("x", &tins_event, &tins);
    no_phone.producer.contact = "12".into();
    let (status, problem) = issue(coop, &no_phone);
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/producer/contact")),
        "{problem}"
    );
    let (status, _) = issue(
        distributor,
        &common::certificate_draft("x", &tins_event, &tins),
    );
    assert_eq!(status, 403);

    // Every certificate verifies against the log: the leaf rebuilt from its public JSON (its
    // RFC 8785 bytes) is in a checkpoint signed by the log key.
    let vkey = http
        .get(server.url("/log/key"))
        .send()
        .expect("key")
        .text()
        .expect("text");
    let policy =
        tlog::Policy::parse(&format!("log {}\nquorum none\n", vkey.trim())).expect("policy");
    for number in plot_numbers.iter().chain([&made_number]) {
        let (status, public) = get(
            http,
            &server.url(&format!("/api/certificates/{number}")),
            None,
        );
        assert_eq!(status, 200, "{public}");
        let certificate: repository::certificate::Certificate =
            serde_json::from_value(public["certificate"].clone()).expect("certificate json");
        let body = certificate.canonical_bytes();
        let leaf = ledger::leaf::Leaf {
            kind: ledger::leaf::EntryKind::Certificate,
            subject: number.clone(),
            body_sha256: ledger::leaf::body_digest(&body),
            org: coop_id.to_owned(),
            record_time: certificate.issued_at,
        }
        .encode()
        .expect("leaf");
        let proof = eventually(20, || {
            let response = http
                .get(server.url(&format!("/log/proof?certificate={number}")))
                .send()
                .ok()?;
            (response.status() == 200).then(|| response.bytes().expect("proof"))
        });
        let verified = tlog::TlogProof::parse(&proof)
            .expect("tlog-proof")
            .verify(&tlog::leaf_hash(&leaf), &policy);
        assert!(verified.is_ok(), "{number}: {verified:?}");
        assert!(
            public["deletableAfter"]
                .as_str()
                .is_some_and(|t| t.starts_with("2028"))
        );
    }

    // The printable page, in Chinese by default and in English on request, with the QR code.
    let page = http
        .get(server.url(&format!("/c/{made_number}")))
        .send()
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().expect("html");
    assert!(html.contains("承诺达标合格证") && html.contains(&made_number));
    assert!(html.contains("<svg"), "the page carries its QR code");
    assert!(
        html.contains(&plot_numbers[0]),
        "the page links its parents"
    );
    let english = http
        .get(server.url(&format!("/c/{}?lang=en", made_number.to_lowercase())))
        .send()
        .expect("page")
        .text()
        .expect("html");
    assert!(english.contains("Transparency log entry"), "{english}");
    let missing = http
        .get(server.url("/c/HG-000000-20260101-00000"))
        .send()
        .expect("missing page");
    assert_eq!(missing.status().as_u16(), 404);
    // Nothing deletes a certificate.
    let delete = http
        .delete(server.url(&format!("/api/certificates/{made_number}")))
        .bearer_auth(coop)
        .send()
        .expect("delete");
    assert_eq!(delete.status().as_u16(), 405);
    tin_cert["number"].as_str().expect("number").to_owned()
}

/// The GS1 Digital Link resolver on the chain: linksets, redirects, unknown and invalid codes.
fn resolver(server: &common::Server, tin_certificate: &str, tin: &str) {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let tin_lot = normal(&lot("033333", "TIN-A"));
    let path = tin_lot.trim_start_matches("https://id.gs1.org");
    let linkset_of = |url: String| {
        let response = http
            .get(url)
            .header("Accept", "application/linkset+json")
            .send()
            .expect("linkset");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "application/linkset+json"
        );
        response.json::<Value>().expect("linkset json")
    };
    let linkset = linkset_of(server.url(path));
    let entry = &linkset["linkset"][0];
    assert_eq!(entry["anchor"], tin_lot.as_str());
    let certification = entry["https://gs1.org/voc/certificationInfo"]
        .as_array()
        .expect("certificationInfo");
    assert!(
        certification[0]["href"]
            .as_str()
            .is_some_and(|href| href.ends_with(&format!("/c/{tin_certificate}"))),
        "{linkset}"
    );
    for (key, links) in entry.as_object().expect("entry") {
        if key == "anchor" {
            continue;
        }
        for link in links.as_array().expect("links") {
            assert!(
                link["href"].is_string() && link["title"].is_string(),
                "{key}: {link}"
            );
        }
    }
    assert!(entry["https://gs1.org/voc/traceability"].is_array());
    assert!(entry["https://gs1.org/voc/recallStatus"].is_array());
    // The default link is the consumer page (gs1:pip).
    let page = entry["https://gs1.org/voc/pip"][0]["href"]
        .as_str()
        .expect("pip")
        .to_owned();
    assert!(page.ends_with(&format!("/item{path}")), "{page}");
    assert_eq!(entry["https://gs1.org/voc/defaultLink"][0]["href"], page);
    // The same linkset by ?linkType=all.
    let all: Value = http
        .get(server.url(&format!("{path}?linkType=all")))
        .send()
        .expect("all")
        .json()
        .expect("json");
    assert_eq!(all, linkset);
    // A serialised tin's links include its lot's certificate, one level up its lineage.
    let tin_path = normal(tin).replace("https://id.gs1.org", "");
    let tin_links = linkset_of(server.url(&tin_path));
    assert!(
        tin_links.to_string().contains(tin_certificate),
        "{tin_links}"
    );

    // No linkType: a redirect to the default link (the consumer page), announcing the
    // linkset; with a trailing slash too.
    for url in [server.url(path), server.url(&format!("{path}/"))] {
        let response = http.get(url).send().expect("resolve");
        assert_eq!(response.status().as_u16(), 307);
        let location = response.headers()["location"].to_str().expect("location");
        assert!(location.ends_with(&format!("/item{path}")), "{location}");
        let link = response.headers()["link"].to_str().expect("link");
        assert!(link.contains("rel=\"linkset\""), "{link}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
    }
    // A requested link type, passing the other query parameters on.
    let response = http
        .get(server.url(&format!("{path}?linkType=gs1:traceability&src=label")))
        .send()
        .expect("resolve");
    assert_eq!(response.status().as_u16(), 307);
    let location = response.headers()["location"].to_str().expect("location");
    assert!(
        location.contains("/api/trace?id=") && location.ends_with("&src=label"),
        "{location}"
    );
    // A link type the item lacks, an unknown lot, an invalid check digit.
    let missing = http
        .get(server.url(&format!("{path}?linkType=gs1:nutritionalInfo")))
        .send()
        .expect("nutritional info");
    assert_eq!(missing.status().as_u16(), 404);
    let unknown = http
        .get(server.url(&path.replace("TIN-A", "NO-SUCH-LOT")))
        .header("Accept", "text/html")
        .send()
        .expect("unknown");
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(unknown.text().expect("html").contains("查无此码"));
    let invalid = http
        .get(server.url("/01/06901234333330"))
        .send()
        .expect("invalid");
    assert_eq!(invalid.status().as_u16(), 400);
    // CORS preflight, and the description file.
    let preflight = http
        .request(reqwest::Method::OPTIONS, server.url(path))
        .send()
        .expect("options");
    assert_eq!(preflight.status().as_u16(), 204);
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
    let description: Value = http
        .get(server.url("/.well-known/gs1resolver"))
        .send()
        .expect("description")
        .json()
        .expect("json");
    assert!(
        description["supportedPrimaryKeys"]
            .as_array()
            .is_some_and(|keys| keys.contains(&json!("01")))
    );
}
