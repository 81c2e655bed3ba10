//! The producer's phone forms (`/work`) in real headless Chromium: a farmer with a plot and a
//! product logs in, loses the signal, records a harvest (kept on the phone), gets the signal
//! back, and the event arrives exactly once. Also: an officer records for a farmer of their
//! county and the event names the officer (`retu:enteredBy`), which nobody else may do.

// A skipped browser part is announced on stderr.
#![allow(clippy::print_stderr)]

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{client, repo_root, retu, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const PASSWORD: &str = "chaye-2026-spring";

fn user_create(data: &str, org: &str, login: &str, role: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["user", "create", "--data", data, "--password-stdin"])
        .args(["--org", org, "--login", login, "--role", role])
        .args(["--name", login])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("retu user create");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn post(http: &Client, url: &str, token: &str, body: &Value) -> Value {
    let response = http
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .expect("post");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    response.json().expect("json")
}

/// Logs in with the form and answers the session cookie and the CSRF token of `/work`.
fn login(server: &common::Server, login: &str) -> (String, String) {
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = http
        .post(server.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", &server.base)
        .body(format!("login={login}&password={PASSWORD}"))
        .send()
        .expect("login");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("retu_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let html = http
        .get(server.url("/work"))
        .header("Cookie", &cookie)
        .send()
        .expect("work")
        .text()
        .expect("html");
    let csrf = html
        .split("\"csrf\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page's CSRF token")
        .to_owned();
    (cookie, csrf)
}

#[test]
fn a_harvest_recorded_offline_arrives_once_and_officers_record_for_farmers() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_arg = data.path().to_str().expect("utf-8").to_owned();
    let server = start(
        data.path(),
        &["--rate-limit", "0", "--county-prefix", "6909999"],
    );
    let http = client();
    // A cooperative in 凌云县 with a plot and a product, and its farmer's login.
    let coop = retu(&[
        "org",
        "create",
        "--data",
        &data_arg,
        "--name",
        "白毫茶合作社",
        "--county",
        "451027",
        "--prefix",
        "6901234",
    ])
    .trim()
    .to_owned();
    let token = retu(&["token", "create", "--data", &data_arg, "--org", &coop])
        .trim()
        .to_owned();
    let plot = post(
        &http,
        &server.url("/api/locations"),
        &token,
        &json!({"kind": "plot", "nameZh": "2 号茶园", "nameEn": "Tea garden 2", "gln": "6901234000115", "areaMu": 3.5, "crop": "白毫茶"}),
    );
    let product = post(
        &http,
        &server.url("/api/products"),
        &token,
        &json!({"gtin": "06901234111118", "nameZh": "白毫茶鲜叶", "nameEn": "Baihao fresh leaf", "unit": "kg", "category": "tea"}),
    );
    assert_eq!(plot["identifier"], "https://id.gs1.org/414/6901234000115");
    user_create(&data_arg, &coop, "farmer-li", "producer");

    // The browser part: offline, then online; screenshots at 360 and 1280 px.
    let folder = repo_root().join("artifacts/screenshots");
    let browser_ready = repo_root()
        .join("tests/browser/node_modules/playwright-core")
        .exists()
        && std::path::Path::new("/usr/bin/chromium").exists();
    if browser_ready {
        std::fs::create_dir_all(&folder).expect("folder");
        let output = Command::new("node")
            .arg(repo_root().join("tests/browser/work_offline.mjs"))
            .args([&server.base, "farmer-li", PASSWORD, "LEAF-OFF1"])
            .arg(&folder)
            .output()
            .expect("node");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let shown: Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(shown["errors"], json!([]), "{shown}");
        assert!(
            shown["zh-CN"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/work")),
            "{shown}"
        );
        assert!(
            shown["zh-CN"]["scrollWidth"]
                .as_u64()
                .is_some_and(|w| w <= 360),
            "{shown}"
        );
        let lists = shown["setup"]["lists"].as_str().unwrap_or_default();
        assert!(
            lists.contains("3 号茶园") && lists.contains("白毫红茶"),
            "{shown}"
        );
        assert_eq!(
            shown["setup"]["placeOptions"],
            json!(["2 号茶园", "3 号茶园"]),
            "{shown}"
        );
        assert_eq!(shown["offline"]["kept"], 1, "{shown}");
        assert!(
            shown["offline"]["receipt"]
                .as_str()
                .is_some_and(|r| r.contains("没有信号")),
            "{shown}"
        );
        assert_eq!(shown["online"]["kept"], 0, "{shown}");
        assert!(
            shown["online"]["receipt"]
                .as_str()
                .is_some_and(|r| r.contains("已记入县级日志")),
            "{shown}"
        );
        assert!(
            shown["online"]["consumerPage"]
                .as_str()
                .is_some_and(|p| p.ends_with("/item/01/06901234111118/10/LEAF-OFF1")),
            "{shown}"
        );
        // Exactly one event for the lot.
        let events: Value = http
            .get(server.url(
                "/epcis/events?MATCH_anyEPCClass=https%3A%2F%2Fid.gs1.org%2F01%2F06901234111118%2F10%2FLEAF-OFF1",
            ))
            .bearer_auth(&token)
            .send()
            .expect("query")
            .json()
            .expect("json");
        let list = events["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
            .as_array()
            .expect("events");
        assert_eq!(list.len(), 1, "{events}");

        // Accessibility basics (axe-core, WCAG 2 A and AA: labels, contrast, names, language)
        // of the pages a farmer and a consumer see, in both languages at 360 and 1280 px.
        let output = Command::new("node")
            .arg(repo_root().join("tests/browser/accessibility.mjs"))
            .args([&server.base, "farmer-li", PASSWORD])
            .arg(&folder)
            .args([
                "/me",
                "/work",
                "/work/setup",
                "/work/certificate?gtin=06901234111118&lot=LEAF-OFF1&quantity=12.5&unit=kg",
                "/item/01/06901234111118/10/LEAF-OFF1",
            ])
            .output()
            .expect("node");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let checked: Value = serde_json::from_slice(&output.stdout).expect("json");
        let pages = checked.as_array().expect("pages");
        assert_eq!(pages.len(), 20, "{checked}");
        let failing: Vec<&Value> = pages
            .iter()
            .filter(|page| page["violations"] != json!([]))
            .collect();
        assert!(failing.is_empty(), "accessibility violations: {failing:#?}");
        // The login page, before logging in.
        let output = Command::new("node")
            .arg(repo_root().join("tests/browser/accessibility.mjs"))
            .args([&server.base, "", ""])
            .arg(&folder)
            .arg("/login")
            .output()
            .expect("node");
        let checked: Value = serde_json::from_slice(&output.stdout).expect("json");
        assert!(
            checked.as_array().is_some_and(|pages| pages.len() == 4
                && pages.iter().all(|page| page["violations"] == json!([]))),
            "{checked}"
        );
    } else {
        assert!(
            std::env::var_os("RETU_REQUIRE_BROWSER").is_none(),
            "RETU_REQUIRE_BROWSER is set but Chromium or playwright-core is missing"
        );
        eprintln!(
            "skipping the browser part: install chromium and run npm ci --prefix tests/browser"
        );
    }

    // An officer of the county office records a harvest for the farmer without a phone.
    let office = retu(&[
        "org",
        "create",
        "--data",
        &data_arg,
        "--name",
        "凌云县电商办",
        "--role",
        "county",
        "--county",
        "451027",
    ])
    .trim()
    .to_owned();
    user_create(&data_arg, &office, "officer-wang", "officer");
    let (cookie, csrf) = login(&server, "officer-wang");
    let form = json!({
        "id": "5b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e", "form": "harvest",
        "time": "2026-04-03T08:00:00+08:00", "place": plot["identifier"],
        "output": {"gtin": product["gtin"], "lot": "LEAF-WANG", "quantity": "20", "unit": "kg"},
        "onBehalfOf": coop,
    });
    let submit = |csrf: &str, form: &Value| {
        http.post(server.url("/api/forms"))
            .header("Cookie", &cookie)
            .header("X-CSRF-Token", csrf)
            .json(form)
            .send()
            .expect("submit")
    };
    let response = submit(&csrf, &form);
    assert_eq!(response.status().as_u16(), 201);
    let receipt: Value = response.json().expect("json");
    let event_id = receipt["eventID"].as_str().expect("event id");
    let stored: Value = http
        .get(server.url(&format!("/epcis/events/{}", event_id.replace(':', "%3A"))))
        .bearer_auth(&token)
        .send()
        .expect("event")
        .json()
        .expect("json");
    assert_eq!(
        stored["retu:enteredBy"]["retu:name"], "officer-wang",
        "{stored}"
    );
    // The officer invites a new farmer; in the browser she accepts, registers her plot and
    // products, records harvest, test, processing and packing, and sees the packed lot's
    // consumer page verified. Then the dashboard, checked for accessibility.
    if browser_ready {
        let output = Command::new("node")
            .arg(repo_root().join("tests/browser/walk.mjs"))
            .args([&server.base, "officer-wang", PASSWORD])
            .arg(repo_root().join("artifacts/screenshots"))
            .output()
            .expect("node");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let walk: Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(walk["errors"], json!([]), "{walk}");
        assert_eq!(walk["invitationQr"], 1, "the invitation's QR code: {walk}");
        // The officer registered a warehouse for the cooperative from its setup page.
        assert_eq!(walk["officerSetup"], "已登记", "{walk}");
        assert_eq!(walk["officerSetupFor"], true, "{walk}");
        let places: Value = http
            .get(server.url("/api/locations"))
            .bearer_auth(&token)
            .send()
            .expect("locations")
            .json()
            .expect("json");
        assert!(places.to_string().contains("合作社 2 号仓库"), "{places}");
        assert_eq!(
            walk["afterInvitation"],
            format!("{}/me", server.base),
            "{walk}"
        );
        for step in ["plot", "leaf", "tin"] {
            assert_eq!(walk[step], "已登记", "{walk}");
        }
        assert!(
            walk["firstHarvest"]
                .as_str()
                .is_some_and(|r| r.contains("已记入县级日志")),
            "{walk}"
        );
        for kind in ["harvest", "inspect", "process", "pack"] {
            assert!(
                walk["receipts"][kind]
                    .as_str()
                    .is_some_and(|r| r.contains("已记入县级日志")),
                "{kind}: {walk}"
            );
        }
        // The certificate form is filled in from her master data and the packing form.
        let prefill = &walk["certificateForm"];
        assert_eq!(prefill["productName"], "白毫红茶 罐装", "{walk}");
        assert_eq!(prefill["quantity-value"], "40", "{walk}");
        assert_eq!(prefill["quantity-unit"], "piece", "{walk}");
        assert_eq!(prefill["producer-name"], "李大姐家庭农场", "{walk}");
        assert_eq!(prefill["origin-village"], "百陇村", "{walk}");
        assert_eq!(prefill["origin-plot"], "百陇 3 号茶园", "{walk}");
        let tin = walk["gtins"]["tin"].as_str().expect("tin gtin");
        assert_eq!(
            prefill["batch-lot"],
            format!("{}/01/{tin}/10/T-0401", server.base),
            "{walk}"
        );
        assert!(
            walk["certificateRefused"]
                .to_string()
                .contains("三项承诺须全部勾选"),
            "{walk}"
        );
        let number = walk["certificate"].as_str().expect("certificate number");
        let issued: Value = http
            .get(server.url(&format!("/api/certificates/{number}")))
            .send()
            .expect("certificate")
            .json()
            .expect("json");
        assert_eq!(
            issued["certificate"]["content"]["productName"], "白毫红茶 罐装",
            "{issued}"
        );
        // The labels she printed: a PDF whose text names the lot and the certificate.
        let labels = std::fs::read(walk["labels"].as_str().expect("labels path")).expect("pdf");
        assert!(labels.starts_with(b"%PDF-"), "not a PDF");
        assert_eq!(walk["labelsName"], "labels-T-0401.pdf", "{walk}");
        match Command::new("pdftotext")
            .arg(walk["labels"].as_str().expect("path"))
            .arg("-")
            .output()
        {
            Ok(text) if text.status.success() => {
                let text = String::from_utf8_lossy(&text.stdout);
                assert_eq!(text.matches(number).count(), 24, "{text}");
                assert!(text.contains("T-0401"), "{text}");
                assert!(text.contains("承诺达标合格证"), "{text}");
            }
            _ => {
                eprintln!("SKIPPED reading the labels' text: pdftotext is missing (poppler-utils)")
            }
        }
        assert_eq!(walk["consumer"]["state"], "ok", "{walk}");
        assert_eq!(
            walk["consumer"]["badge"], "已对照县级日志验证（未配置独立见证方）",
            "{walk}"
        );
        // Her certificate, then packing, processing, both harvests and the test of the first.
        assert_eq!(walk["consumer"]["rows"], 6, "{walk}");
        let text = walk["consumer"]["text"].as_str().unwrap_or_default();
        for expected in [
            "白毫红茶 罐装",
            "李大姐家庭农场",
            "采收",
            "检测",
            "结果：合格",
            "加工",
            "装箱",
            "承诺达标合格证",
            number,
        ] {
            assert!(text.contains(expected), "{expected} missing: {text}");
        }
        let output = Command::new("node")
            .arg(repo_root().join("tests/browser/accessibility.mjs"))
            .args([&server.base, "officer-wang", PASSWORD])
            .arg(repo_root().join("artifacts/screenshots"))
            .arg("/county")
            .output()
            .expect("node");
        let checked: Value = serde_json::from_slice(&output.stdout).expect("json");
        assert!(
            checked.as_array().is_some_and(|pages| pages.len() == 4
                && pages.iter().all(|page| page["violations"] == json!([]))),
            "{checked}"
        );
    }

    // The farmer's own token cannot claim to record for another organisation.
    let mut other = form.clone();
    other["id"] = json!("6b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e");
    other["onBehalfOf"] = json!(office);
    let response = http
        .post(server.url("/api/forms"))
        .bearer_auth(&token)
        .json(&other)
        .send()
        .expect("submit");
    assert_eq!(response.status().as_u16(), 403);
    // An officer of another county may not record for this farmer.
    let elsewhere = retu(&[
        "org",
        "create",
        "--data",
        &data_arg,
        "--name",
        "乐业县电商办",
        "--role",
        "county",
        "--county",
        "451028",
    ])
    .trim()
    .to_owned();
    user_create(&data_arg, &elsewhere, "officer-zhao", "officer");
    let (cookie_zhao, csrf_zhao) = login(&server, "officer-zhao");
    let mut foreign = form.clone();
    foreign["id"] = json!("7b8c7d3e-1f2a-4b5c-9d8e-7f6a5b4c3d2e");
    let response = http
        .post(server.url("/api/forms"))
        .header("Cookie", &cookie_zhao)
        .header("X-CSRF-Token", &csrf_zhao)
        .json(&foreign)
        .send()
        .expect("submit");
    assert_eq!(response.status().as_u16(), 403);
}
