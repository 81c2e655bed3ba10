//! The consumer page against the real `retu serve` with two real witnesses (`retu witness
//! serve`): a tea chain shared by a cooperative and a distributor, a 承诺达标合格证 for the tin
//! lot, then what a phone that scans a tin sees.
//!
//! - The resolver sends a browser to the page; the page and `/api/item` carry every record with
//!   its bytes and proof, and `retu verify URL` verifies them all under the pinned policy.
//! - In real headless Chromium (Debian's `chromium`, driven by `tests/browser/check_page.mjs`)
//!   the page verifies itself: "已验证 · 2/2 见证方". After one event's bytes are changed in
//!   the database the page names the failure; when the published checkpoint lacks the
//!   witnesses' cosignatures it says "not witnessed". Screenshots go to `artifacts/screenshots`.

// The measured first-load size is printed for the benchmark notes.
#![allow(clippy::print_stderr)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{browser_check, client, eventually, member, retu, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COOP_PREFIX: &str = "6901234";
const DISTRIBUTOR_PREFIX: &str = "6912345";
const TIN_LOT: &str = "https://id.gs1.org/01/06901234333336/10/TIN-A";

fn lot(gtin: &str, lot: &str) -> String {
    format!("https://id.gs1.org/01/{gtin}/10/{lot}")
}

/// `digits` followed by their GS1 check digit.
fn with_check(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

fn place(prefix: &str, location: &str) -> String {
    format!(
        "https://id.gs1.org/414/{}",
        with_check(&format!("{prefix}{location}"))
    )
}

fn time(hour: u32) -> String {
    format!("2026-04-{:02}T{:02}:00:00+08:00", 1 + hour / 24, hour % 24)
}

/// The cooperative's season: two plots harvested, withered and rolled into made tea, a
/// pesticide-residue rapid test, the made tea packed into a lot of tins, tins commissioned and
/// packed into a case, the case shipped.
fn cooperative_events() -> Vec<Value> {
    let workshop = place(COOP_PREFIX, "00020");
    let made = lot("06901234222227", "MT-A");
    let mut events = Vec::new();
    for plot in 1..=2u32 {
        events.push(json!({
            "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "eventTime": time(8 + plot), "eventTimeZoneOffset": "+08:00", "epcList": [],
            "quantityList": [{"epcClass": lot("06901234111118", &format!("LEAF-P{plot}")), "quantity": 40.5, "uom": "KGM"}],
            "bizLocation": {"id": place(COOP_PREFIX, &format!("{:05}", 10 + plot))},
            "ilmd": {"cbvmda:lotNumber": format!("LEAF-P{plot}")},
        }));
    }
    events.push(json!({
        "type": "TransformationEvent", "eventTime": time(20), "eventTimeZoneOffset": "+08:00",
        "inputQuantityList": [
            {"epcClass": lot("06901234111118", "LEAF-P1"), "quantity": 40, "uom": "KGM"},
            {"epcClass": lot("06901234111118", "LEAF-P2"), "quantity": 40, "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": made, "quantity": 18, "uom": "KGM"}],
        "bizLocation": {"id": workshop},
    }));
    events.push(json!({
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting",
        "disposition": "conformant",
        "eventTime": time(26), "eventTimeZoneOffset": "+08:00", "epcList": [],
        "quantityList": [{"epcClass": made, "quantity": 0.1, "uom": "KGM"}],
        "bizLocation": {"id": workshop},
        "sensorElementList": [{"sensorReport": [
            {"type": "gs1:MT-Concentration", "value": 12.5, "uom": "P1"}]}],
    }));
    events.push(json!({
        "type": "TransformationEvent", "eventTime": time(30), "eventTimeZoneOffset": "+08:00",
        "inputQuantityList": [{"epcClass": made, "quantity": 18, "uom": "KGM"}],
        "outputQuantityList": [{"epcClass": TIN_LOT, "quantity": 72, "uom": "H87"}],
        "bizLocation": {"id": workshop},
    }));
    let tins: Vec<String> = (1..=2)
        .map(|i| format!("https://id.gs1.org/01/06901234333336/21/T-A{i}"))
        .collect();
    events.push(json!({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": time(31), "eventTimeZoneOffset": "+08:00", "epcList": tins,
        "bizLocation": {"id": workshop}, "ilmd": {"cbvmda:lotNumber": "TIN-A"},
    }));
    let case = "https://id.gs1.org/00/069012340000000016";
    events.push(json!({
        "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
        "eventTime": time(32), "eventTimeZoneOffset": "+08:00",
        "parentID": case, "childEPCs": tins, "bizLocation": {"id": workshop},
    }));
    events.push(json!({
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
        "eventTime": time(40), "eventTimeZoneOffset": "+08:00", "epcList": [case],
        "bizLocation": {"id": workshop},
        "destinationList": [{"type": "location", "destination": place(DISTRIBUTOR_PREFIX, "00001")}],
    }));
    events
}

fn distributor_events() -> Vec<Value> {
    let hub = place(DISTRIBUTOR_PREFIX, "00001");
    vec![json!({
        "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
        "eventTime": time(50), "eventTimeZoneOffset": "+08:00",
        "epcList": ["https://id.gs1.org/00/069012340000000016"],
        "bizLocation": {"id": hub},
        "sourceList": [{"type": "location", "source": place(COOP_PREFIX, "00020")}],
    })]
}

fn capture_shared(http: &Client, server: &common::Server, token: &str, events: Vec<Value>) {
    let document = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": events},
    });
    let response = http
        .post(server.url("/epcis/capture"))
        .bearer_auth(token)
        .header("Content-Type", "application/ld+json")
        .header("Retu-Shared", "true")
        .body(document.to_string())
        .send()
        .expect("capture");
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["success"], true, "{body}");
}

fn issue_tin_certificate(http: &Client, server: &common::Server, token: &str) -> String {
    let url = server.url(&format!("/api/trace?id={TIN_LOT}&direction=up&depth=1"));
    let traced: Value = http
        .get(url)
        .bearer_auth(token)
        .send()
        .expect("trace")
        .json()
        .expect("json");
    let event_id = traced["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|edge| edge["relation"] == "transformed-into")
        .and_then(|edge| edge["eventID"].as_str())
        .expect("the event that made the tins")
        .to_owned();
    let mut draft = common::certificate_draft("凌云白毫红茶 罐装", &event_id, TIN_LOT);
    draft.quantity = repository::certificate::Quantity {
        value: "72".into(),
        unit: Some(repository::certificate::Unit::Piece),
    };
    draft.origin.plot = Some("2 号茶园".into());
    let response = http
        .post(server.url("/api/certificates"))
        .bearer_auth(token)
        .json(&draft)
        .send()
        .expect("issue");
    let status = response.status().as_u16();
    let body: Value = response.json().unwrap_or(Value::Null);
    assert_eq!(status, 201, "{body}");
    body["number"].as_str().expect("number").to_owned()
}

fn python_sqlite(database: &Path, script: &str) {
    let status = Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); {script}; c.commit()"
        ))
        .arg(database)
        .status()
        .expect("python3");
    assert!(status.success(), "{script}");
}

fn verify_url(policy: &Path, url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["verify", "--policy"])
        .arg(policy)
        .arg(url)
        .output()
        .expect("retu verify")
}

struct Setup {
    _data: tempfile::TempDir,
    server: common::Server,
    _witnesses: Vec<common::WitnessProcess>,
    policy: PathBuf,
    serve_args: Vec<String>,
    certificate: String,
}

fn setup(extra: &[&str]) -> Setup {
    let data = tempfile::tempdir().expect("tempdir");
    let log_vkey = retu(&[
        "keygen",
        "--name",
        "lingyun.example/log",
        "--out",
        data.path().join("log.key").to_str().expect("utf-8"),
    ])
    .trim()
    .to_owned();
    let regulator = common::start_witness(data.path(), "regulator.example/w", &log_vkey);
    let consumers = common::start_witness(data.path(), "consumers.example/w", &log_vkey);
    let policy_text = format!(
        "log {log_vkey}\nwitness regulator {} {}\nwitness consumers {} {}\ngroup both all regulator consumers\nquorum both\n",
        regulator.vkey, regulator.base, consumers.vkey, consumers.base
    );
    let policy = data.path().join("policy.txt");
    std::fs::write(&policy, &policy_text).expect("policy");
    let mut serve_args: Vec<String> = vec![
        "--rate-limit".into(),
        "0".into(),
        "--policy".into(),
        policy.to_str().expect("utf-8").into(),
    ];
    serve_args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = serve_args.iter().map(String::as_str).collect();
    let server = start(data.path(), &args);
    let http = client();
    let (_, coop) = member(data.path(), "白毫茶合作社", &[COOP_PREFIX], extra);
    let (_, distributor) = member(data.path(), "县城茶叶批发部", &[DISTRIBUTOR_PREFIX], extra);
    capture_shared(&http, &server, &coop, cooperative_events());
    capture_shared(&http, &server, &distributor, distributor_events());
    let certificate = issue_tin_certificate(&http, &server, &coop);
    Setup {
        _data: data,
        server,
        _witnesses: vec![regulator, consumers],
        policy,
        serve_args,
        certificate,
    }
}

/// The evidence of the tin once every record is in a witnessed checkpoint.
fn published_evidence(http: &Client, server: &common::Server) -> Value {
    eventually(30, || {
        let evidence: Value = http
            .get(server.url("/api/item?id=/01/06901234333336/21/T-A1"))
            .send()
            .ok()?
            .json()
            .ok()?;
        let records = evidence["records"].as_array()?;
        records
            .iter()
            .all(|record| record["proof"].is_string())
            .then_some(evidence)
    })
}

fn page_and_api(setup: &Setup) -> Value {
    let server = &setup.server;
    let http = client();
    let evidence = published_evidence(&http, server);
    let records = evidence["records"].as_array().expect("records");
    // The tin's journey: 2 harvests, withering, the test, tinning, commissioning, packing,
    // shipping, receiving; and the lot's certificate.
    let kinds: Vec<&str> = records
        .iter()
        .map(|r| r["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "epcis-event").count(),
        9,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "certificate").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(evidence["certificates"], json!([setup.certificate]));
    assert_eq!(evidence["recalled"], false);
    assert!(
        evidence["policy"]
            .as_str()
            .expect("policy")
            .contains("quorum both")
    );

    // A browser that scans the code is sent to the page (the default link, gs1:pip).
    let no_redirects = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let scanned = no_redirects
        .get(server.url("/01/06901234333336/21/T-A1"))
        .header("Accept", "text/html")
        .send()
        .expect("scan");
    assert_eq!(scanned.status().as_u16(), 307);
    let location = scanned.headers()["location"].to_str().expect("location");
    assert!(
        location.ends_with("/item/01/06901234333336/21/T-A1"),
        "{location}"
    );
    let linkset: Value = http
        .get(server.url("/01/06901234333336/21/T-A1?linkType=all"))
        .send()
        .expect("linkset")
        .json()
        .expect("json");
    let entry = &linkset["linkset"][0];
    assert!(
        entry["https://gs1.org/voc/pip"][0]["href"]
            .as_str()
            .is_some_and(|href| href.ends_with("/item/01/06901234333336/21/T-A1")),
        "{linkset}"
    );

    let page = http
        .get(server.url("/item/01/06901234333336/21/T-A1"))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .send()
        .expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().expect("html");
    for expected in [
        "凌云白毫红茶 罐装",
        "白毫茶合作社",
        "广西壮族自治区凌云县加尤镇百陇村",
        "采收",
        "检测",
        "结果：合格",
        "发货",
        "收货",
        &setup.certificate,
        "2026-04-01 09:00 (UTC+08:00)",
        "这是此码的首次扫码记录",
    ] {
        assert!(html.contains(expected), "{expected} missing from the page");
    }
    // Under 100 KB on first load: the page and both scripts (no photos yet).
    let scripts: usize = ["/assets/consumer.js", "/assets/verify.js"]
        .iter()
        .map(|path| {
            let response = http.get(server.url(path)).send().expect("asset");
            assert_eq!(response.status().as_u16(), 200, "{path}");
            response.bytes().expect("bytes").len()
        })
        .sum();
    let total = html.len() + scripts;
    eprintln!(
        "first load: page {} bytes + scripts {scripts} bytes = {total} bytes",
        html.len()
    );
    assert!(total < 100 * 1024, "first load is {total} bytes");

    // An auditor's check from the command line agrees.
    let verified = verify_url(&setup.policy, &server.url("/01/06901234333336/21/T-A1"));
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        verified.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        stdout.contains("verified: 10 records of https://id.gs1.org/01/06901234333336/21/T-A1"),
        "{stdout}"
    );
    assert!(stdout.contains("cosigned by 2 of 2 witnesses"), "{stdout}");

    // Unknown and invalid codes.
    let unknown = http
        .get(server.url("/item/01/06901234333336/21/NOBODY"))
        .send()
        .expect("unknown");
    assert_eq!(unknown.status().as_u16(), 404);
    let invalid = http
        .get(server.url("/item/01/06901234333337/21/X"))
        .send()
        .expect("invalid");
    assert_eq!(invalid.status().as_u16(), 400);
    evidence
}

#[test]
fn consumer_page_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    let setup = setup(&["--database-url", &database.url]);
    page_and_api(&setup);
}

#[test]
fn consumer_page_verifies_in_the_browser_and_shows_tampering() {
    let mut setup = setup(&[]);
    let evidence = page_and_api(&setup);
    let page_url = setup.server.url("/item/01/06901234333336/21/T-A1");
    let Some(shown) = browser_check(&page_url, "consumer-zh-verified.png", "zh-CN") else {
        return;
    };
    assert_eq!(shown["status"], 200, "{shown}");
    assert_eq!(shown["errors"], json!([]), "{shown}");
    assert_eq!(shown["state"], "ok", "{shown}");
    assert_eq!(shown["badge"], "已验证 · 2/2 见证方", "{shown}");
    assert_eq!(shown["lang"], "zh-CN");
    assert!(
        shown["scrollWidth"].as_u64().expect("width") <= 360,
        "the page is wider than the phone: {shown}"
    );
    let rows = shown["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 10, "{shown}");
    assert!(rows.iter().all(|row| row["check"] == "ok"), "{shown}");
    assert!(
        shown["bytes"].as_u64().expect("bytes") < 100 * 1024,
        "{shown}"
    );

    let shown = browser_check(&page_url, "consumer-en-verified.png", "en").expect("browser");
    assert_eq!(shown["state"], "ok", "{shown}");
    assert_eq!(shown["badge"], "Verified · 2/2 witnesses", "{shown}");
    assert!(shown["text"].as_str().expect("text").contains("Harvested"));

    // Someone with database access changes the test result of the inspection event.
    let inspection = evidence["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["body"].as_str().is_some_and(|b| b.contains("inspecting")))
        .and_then(|r| r["logIndex"].as_u64())
        .expect("the inspection event");
    let database = setup.server.data.join("retu.db");
    python_sqlite(
        &database,
        &format!(
            "b=c.execute('select body from events where log_index={inspection}').fetchone()[0]; \
             c.execute('update events set body=? where log_index={inspection}', (bytes(b).replace(b'12.5', b'2.5', 1),))"
        ),
    );
    let shown = browser_check(&page_url, "consumer-zh-tampered.png", "zh-CN").expect("browser");
    assert_eq!(shown["state"], "failed", "{shown}");
    assert_eq!(
        shown["badge"], "验证失败：此页所示记录与日志中的不一致（已被改动）",
        "{shown}"
    );
    let rows = shown["rows"].as_array().expect("rows");
    for row in rows {
        let expected = if row["index"] == inspection {
            "failed"
        } else {
            "ok"
        };
        assert_eq!(row["check"], expected, "{shown}");
    }
    let verified = verify_url(&setup.policy, &page_url);
    assert!(!verified.status.success());
    assert!(
        String::from_utf8_lossy(&verified.stdout).contains(&format!("FAILED   #{inspection}")),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    // Put the bytes back, then publish (by hand, in the database) the checkpoint without the
    // witnesses' cosignatures, as an operator who bypassed the witnesses would.
    python_sqlite(
        &database,
        &format!(
            "b=c.execute('select body from events where log_index={inspection}').fetchone()[0]; \
             c.execute('update events set body=? where log_index={inspection}', (bytes(b).replace(b'2.5', b'12.5', 1),))"
        ),
    );
    setup.server.stop();
    python_sqlite(
        &database,
        "s,n=c.execute('select size, note from checkpoints order by size desc limit 1').fetchone(); \
         t=bytes(n).decode(); head,sigs=t.split('\\n\\n',1); \
         keep=[l for l in sigs.split('\\n') if l.startswith('\\u2014 lingyun.example/log ')]; \
         c.execute('update checkpoints set note=? where size=?', ((head+'\\n\\n'+'\\n'.join(keep)+'\\n').encode(), s))",
    );
    let args: Vec<&str> = setup.serve_args.iter().map(String::as_str).collect();
    setup.server = start(&setup.server.data.clone(), &args);
    let page_url = setup.server.url("/item/01/06901234333336/21/T-A1");
    let shown =
        browser_check(&page_url, "consumer-zh-not-witnessed.png", "zh-CN").expect("browser");
    assert_eq!(shown["state"], "failed", "{shown}");
    assert_eq!(
        shown["badge"], "未经见证：独立见证方仅 0/2 确认了日志",
        "{shown}"
    );
    let verified = verify_url(&setup.policy, &page_url);
    assert!(!verified.status.success());

    // Each of the four page views sent its scan (counted across the restart), without any
    // address (docs/scans.md).
    let http = client();
    eventually(10, || {
        let html = http
            .get(&page_url)
            .header("Accept-Language", "zh-CN")
            .send()
            .ok()?
            .text()
            .ok()?;
        html.contains("已被扫描 4 次（近 24 小时 4 次）")
            .then_some(())
    });
}
