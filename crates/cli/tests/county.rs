//! The county dashboard against the real `retu serve`: two cooperatives of one county, one of
//! which records harvests at its plot in a village; the county office sees 2 producers, 1
//! tracing, its batches by township and village, coverage 50 %, and each number's records;
//! a cooperative and another county's office may not look.

mod common;

use common::{client, retu, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

fn get(http: &Client, url: &str, token: &str) -> (u16, Value, String) {
    let response = http
        .get(url)
        .bearer_auth(token)
        .header("Accept-Language", "zh-CN")
        .send()
        .expect("get");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

fn org(data: &str, name: &str, args: &[&str], extra: &[&str]) -> (String, String) {
    let mut create = vec!["org", "create", "--data", data, "--name", name];
    create.extend_from_slice(args);
    create.extend_from_slice(extra);
    let id = retu(&create).trim().to_owned();
    let mut token = vec!["token", "create", "--data", data, "--org", &id];
    token.extend_from_slice(extra);
    let token = retu(&token).trim().to_owned();
    (id, token)
}

fn dashboard(extra: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8").to_owned();
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(dir.path(), &args);
    let http = client();
    let (_, coop) = org(
        &data,
        "白毫茶合作社",
        &["--county", "451027", "--prefix", "6901234"],
        extra,
    );
    org(
        &data,
        "百陇村养鸡场",
        &["--county", "451027", "--prefix", "6912345"],
        extra,
    );
    let (_, office) = org(
        &data,
        "凌云县电商办",
        &["--county", "451027", "--role", "county"],
        extra,
    );
    let (_, other_office) = org(
        &data,
        "乐业县电商办",
        &["--county", "451028", "--role", "county"],
        extra,
    );

    let plot: Value = http
        .post(server.url("/api/locations"))
        .bearer_auth(&coop)
        .json(
            &json!({"kind": "plot", "nameZh": "2 号茶园", "gln": "6901234000115",
                      "township": "加尤镇", "village": "百陇村"}),
        )
        .send()
        .expect("plot")
        .json()
        .expect("json");
    for (n, lot) in ["LEAF-1", "LEAF-2"].iter().enumerate() {
        let form = json!({
            "id": format!("{n}b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e"), "form": "harvest",
            "time": format!("2026-04-0{}T09:30:00+08:00", n + 1), "place": plot["identifier"],
            "output": {"gtin": "06901234111118", "lot": lot, "quantity": "40", "unit": "kg"},
        });
        let response = http
            .post(server.url("/api/forms"))
            .bearer_auth(&coop)
            .json(&form)
            .send()
            .expect("form");
        assert_eq!(response.status().as_u16(), 201);
    }

    let period = "from=2026-01-01&to=2026-12-31";
    let (status, summary, _) = get(
        &http,
        &server.url(&format!("/api/county?{period}")),
        &office,
    );
    assert_eq!(status, 200, "{summary}");
    assert_eq!(summary["county"], "451027");
    assert_eq!(summary["producers"], 2, "{summary}");
    assert_eq!(summary["tracingProducers"], 1, "{summary}");
    assert_eq!(summary["batches"], 2, "{summary}");
    assert_eq!(summary["traceabilityCoverage"], 0.5, "{summary}");
    assert_eq!(
        summary["areas"],
        json!([{"township": "加尤镇", "village": "百陇村", "producers": 1, "batches": 2}])
    );
    // Another period holds nothing.
    let (_, empty, _) = get(
        &http,
        &server.url("/api/county?from=2025-01-01&to=2025-12-31"),
        &office,
    );
    assert_eq!(empty["batches"], 0, "{empty}");

    // The page, its definition, and the records behind a number.
    let (status, _, page) = get(
        &http,
        &server.url(&format!("/county?{period}&show=batches")),
        &office,
    );
    assert_eq!(status, 200, "{page}");
    for expected in [
        "追溯覆盖率",
        "50%",
        "百陇村",
        "农产品质量安全追溯信息化水平",
        "/item/01/06901234111118/10/LEAF-2",
    ] {
        assert!(page.contains(expected), "{expected} missing");
    }
    let (_, _, tracing) = get(
        &http,
        &server.url(&format!("/county?{period}&show=tracing")),
        &office,
    );
    assert!(tracing.contains("白毫茶合作社") && !tracing.contains("百陇村养鸡场 <code>"));

    // A cooperative, and another county's office, may not look at this county.
    let (status, _, _) = get(&http, &server.url("/api/county"), &coop);
    assert_eq!(status, 403);
    let (status, _, _) = get(
        &http,
        &server.url("/api/county?county=451027"),
        &other_office,
    );
    assert_eq!(status, 403);
    let (status, _, _) = get(&http, &server.url("/api/county?from=2026-13-01"), &office);
    assert_eq!(status, 400);
}

#[test]
fn county_dashboard_on_sqlite() {
    dashboard(&[]);
}

#[test]
fn county_dashboard_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    dashboard(&["--database-url", &database.url]);
}
