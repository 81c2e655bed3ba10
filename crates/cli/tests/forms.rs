//! Phone forms against the real `retu serve`: a cooperative records a harvest, its processing
//! and a rapid test with `POST /api/forms`; each becomes one EPCIS event through the capture
//! pipeline, a form sent twice (offline, then again) is stored once, every problem names the
//! form's field, and the consumer page of the made tea shows the journey.

mod common;

use common::{client, eventually, member, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const PREFIX: &str = "6901234";
const PLOT: &str = "https://id.gs1.org/414/6901234000115";
const WORKSHOP: &str = "https://id.gs1.org/414/6901234000207";

fn submit(http: &Client, server: &common::Server, token: &str, form: &Value) -> (u16, Value) {
    let response = http
        .post(server.url("/api/forms"))
        .bearer_auth(token)
        .header("Accept-Language", "zh-CN")
        .json(form)
        .send()
        .expect("submit");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn forms_on(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(data.path(), &args);
    let http = client();
    let (_, coop) = member(data.path(), "白毫茶合作社", &[PREFIX], extra);
    let (_, other) = member(data.path(), "另一家合作社", &["6912345"], extra);

    let harvest = json!({
        "id": "0b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e", "form": "harvest",
        "time": "2026-04-01T09:30:00+08:00", "place": PLOT,
        "output": {"gtin": "06901234111118", "lot": "LEAF-P1", "quantity": "80", "unit": "jin"},
        "note": "头采",
    });
    let (status, receipt) = submit(&http, &server, &coop, &harvest);
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["new"], true);
    assert_eq!(receipt["stored"], "已记入县级日志");
    let index = receipt["logIndex"].as_u64().expect("log index");
    assert_eq!(
        receipt["eventID"],
        "urn:uuid:0b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e"
    );
    assert!(
        receipt["consumerPage"]
            .as_str()
            .is_some_and(|page| page.ends_with("/item/01/06901234111118/10/LEAF-P1")),
        "{receipt}"
    );
    // The phone lost its signal after sending and sends the same form again.
    let (status, again) = submit(&http, &server, &coop, &harvest);
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["new"], false);
    assert_eq!(again["logIndex"].as_u64(), Some(index));

    // Processing and a rapid test, at the workshop.
    let process = json!({
        "id": "1b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e", "form": "process",
        "time": "2026-04-01T20:00:00+08:00", "place": WORKSHOP,
        "inputs": [{"gtin": "06901234111118", "lot": "LEAF-P1", "quantity": "80", "unit": "jin"}],
        "output": {"gtin": "06901234222227", "lot": "MT-A", "quantity": "9", "unit": "kg"},
        "step": "萎凋 揉捻 发酵 干燥",
    });
    let (status, receipt) = submit(&http, &server, &coop, &process);
    assert_eq!(status, 201, "{receipt}");
    let inspect = json!({
        "id": "2b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e", "form": "inspect",
        "time": "2026-04-02T10:00:00+08:00", "place": WORKSHOP,
        "lot": {"gtin": "06901234222227", "lot": "MT-A", "quantity": "0.1", "unit": "kg"},
        "test": "农药残留速测", "result": "pass",
        "readings": [{"name": "抑制率", "value": "12.5", "unit": "P1"}],
    });
    let (status, receipt) = submit(&http, &server, &coop, &inspect);
    assert_eq!(status, 201, "{receipt}");

    // Every problem names the form's field, in the caller's language.
    let mut bad = harvest.clone();
    bad["id"] = json!("3b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e");
    bad["output"]["quantity"] = json!("-3");
    bad["output"]["lot"] = json!("LEAF P1");
    let (status, problem) = submit(&http, &server, &coop, &bad);
    assert_eq!(status, 400, "{problem}");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert_eq!(pointers, ["/output/lot", "/output/quantity"], "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("批次号"))
    );
    // Another organisation cannot record at the cooperative's plot: the place is at fault.
    let mut foreign = harvest.clone();
    foreign["id"] = json!("4b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e");
    let (status, problem) = submit(&http, &server, &other, &foreign);
    assert_eq!(status, 403, "{problem}");
    assert_eq!(problem["pointer"], "/place", "{problem}");
    // Without a token: 401. Not JSON: 400.
    let anonymous = http
        .post(server.url("/api/forms"))
        .json(&harvest)
        .send()
        .expect("anonymous");
    assert_eq!(anonymous.status().as_u16(), 401);
    let garbage = http
        .post(server.url("/api/forms"))
        .bearer_auth(&coop)
        .body("{")
        .send()
        .expect("garbage");
    assert_eq!(garbage.status().as_u16(), 400);

    // The consumer page of the made tea shows the harvest, the processing and the test.
    let page = eventually(20, || {
        let html = http
            .get(server.url("/item/01/06901234222227/10/MT-A"))
            .header("Accept-Language", "zh-CN")
            .send()
            .ok()?
            .text()
            .ok()?;
        html.contains("采收").then_some(html)
    });
    for expected in [
        "采收",
        "加工",
        "检测",
        "结果：合格",
        "2026-04-01 09:30 (UTC+08:00)",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    // Three events, no duplicate of the resent harvest.
    assert_eq!(page.matches("<li data-index=").count(), 3);
}

#[test]
fn phone_forms_become_events_once_on_sqlite() {
    forms_on(&[]);
}

#[test]
fn phone_forms_become_events_once_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    forms_on(&["--database-url", &database.url]);
}
