//! `retu demo` against the real binary: the seeded county on port 0, what it prints and
//! whether each printed thing works; the tin's consumer page with both in-process witnesses'
//! cosignatures (in headless Chromium too, with a screenshot at 360 px for the README's tour);
//! the officer's and the specialist's dashboards; a second start that reuses the data; and
//! `--scale 1000`, which adds exactly 1,000 events.

// Browser skips and figures are announced on stderr.
#![allow(clippy::print_stderr)]

mod common;

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{browser_check, client, eventually, repo_root};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const PASSWORD: &str = "yunling-demo";
const LOGINS: [&str; 7] = [
    "officer",
    "specialist",
    "lingtou",
    "baiyun",
    "hongmi",
    "huangjia",
    "orchard",
];

/// A running `retu demo`, stopped when dropped.
struct Demo {
    child: Child,
    base: String,
    /// Everything it printed up to the line saying where it listens.
    output: String,
}

impl Demo {
    fn start(data: &Path, extra: &[&str]) -> Demo {
        let child = Command::new(env!("CARGO_BIN_EXE_retu"))
            .arg("demo")
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start retu demo");
        // Owned by the guard at once, so that a failure below still stops the process.
        let mut demo = Demo {
            child,
            base: String::new(),
            output: String::new(),
        };
        let stdout = demo.child.stdout.take().expect("stdout");
        let (lines, receive) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let line = receive
                .recv_timeout(Duration::from_secs(300))
                .unwrap_or_else(|_| {
                    panic!("the demo printed no address; so far:\n{}", demo.output)
                });
            demo.output.push_str(&line);
            demo.output.push('\n');
            if let Some(rest) = line.split("listening on ").nth(1) {
                demo.base = rest.split_whitespace().next().expect("address").to_owned();
                return demo;
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM, and wait for the graceful stop (which releases the witnesses' locks).
    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }

    /// The printed consumer pages (paths), the tea tin's first.
    fn pages(&self) -> Vec<String> {
        self.output
            .lines()
            .filter_map(|line| line.trim().strip_prefix(&self.base))
            .filter(|path| path.starts_with("/item/01/"))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The size of the newest published checkpoint.
fn log_size(http: &Client, demo: &Demo) -> u64 {
    let note = http
        .get(demo.url("/log/checkpoint"))
        .send()
        .expect("checkpoint")
        .text()
        .expect("text");
    note.lines()
        .nth(1)
        .and_then(|size| size.parse().ok())
        .expect("a size")
}

/// Logs in and returns the session cookie (`retu_session=…`).
fn log_in(demo: &Demo, login: &str) -> String {
    let no_redirects = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = no_redirects
        .post(demo.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("login={login}&password={PASSWORD}"))
        .send()
        .expect("login");
    assert_eq!(response.status().as_u16(), 303, "{login} cannot log in");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("retu_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("{login}: no session cookie"))
        .to_owned()
}

fn get_json(http: &Client, url: &str, cookie: &str) -> Value {
    let response = http.get(url).header("Cookie", cookie).send().expect("get");
    assert_eq!(response.status().as_u16(), 200, "{url}");
    response.json().expect("json")
}

#[test]
fn the_demo_county_is_seeded_once_and_scaled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("demo");
    let demo = Demo::start(&data, &[]);
    let http = client();

    // What it prints: consumer pages, the dashboard, the forms, the login, and the logins.
    let pages = demo.pages();
    assert_eq!(pages.len(), 4, "{}", demo.output);
    for path in ["/county", "/work", "/login"] {
        assert!(
            demo.output.contains(&format!("{}{path}\n", demo.base)),
            "{path} is not printed:\n{}",
            demo.output
        );
    }
    assert!(
        demo.output
            .contains(&format!("password for all: {PASSWORD}")),
        "{}",
        demo.output
    );
    for login in LOGINS {
        assert!(
            demo.output.contains(&format!("\n  {login} ")),
            "{login} is not printed:\n{}",
            demo.output
        );
    }
    let tin = &pages[0];
    assert!(tin.contains("/10/YLH"), "{tin}");

    // Every printed page answers: the consumer pages and the login page directly, the forms
    // with the way to the login.
    for page in &pages {
        let response = http
            .get(demo.url(page))
            .header("Accept-Language", "zh-CN")
            .send()
            .expect("page");
        assert_eq!(response.status().as_u16(), 200, "{page}");
    }
    assert_eq!(
        http.get(demo.url("/login"))
            .send()
            .expect("login")
            .status()
            .as_u16(),
        200
    );
    let work = http.get(demo.url("/work")).send().expect("work");
    assert!(work.url().path().ends_with("/login"), "{}", work.url());

    // The tin's journey, each record with a proof under a checkpoint both witnesses cosigned.
    let id = tin.strip_prefix("/item").expect("an item path");
    let evidence: Value = eventually(60, || {
        let evidence: Value = http
            .get(demo.url(&format!("/api/item?id={id}")))
            .send()
            .ok()?
            .json()
            .ok()?;
        evidence["records"]
            .as_array()?
            .iter()
            .all(|record| record["proof"].is_string())
            .then_some(evidence)
    });
    let records = evidence["records"].as_array().expect("records");
    let steps: Vec<String> = records
        .iter()
        .filter(|record| record["kind"] == "epcis-event")
        .filter_map(|record| {
            let body: Value = serde_json::from_str(record["body"].as_str()?).ok()?;
            Some(body["bizStep"].as_str()?.to_owned())
        })
        .collect();
    for step in [
        "commissioning",
        "creating_class_instance",
        "inspecting",
        "packing",
        "shipping",
    ] {
        assert!(steps.iter().any(|s| s == step), "{step} missing: {steps:?}");
    }
    assert_eq!(
        steps
            .iter()
            .filter(|s| *s == "creating_class_instance")
            .count(),
        4,
        "withering, rolling, oxidising, drying: {steps:?}"
    );
    assert_eq!(evidence["certificates"].as_array().map(Vec::len), Some(1));
    let policy = evidence["policy"].as_str().expect("policy");
    assert_eq!(policy.matches("\nwitness ").count(), 2, "{policy}");
    assert!(policy.contains("quorum both"), "{policy}");
    let proof = records[0]["proof"].as_str().expect("proof");
    for witness in [
        "witness.market-regulator.yunling.example",
        "witness.consumer-association.yunling.example",
    ] {
        assert!(proof.contains(witness), "{witness} did not cosign: {proof}");
    }
    // An auditor checks the same against the policy the demo wrote.
    let verified = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["verify", "--policy"])
        .arg(data.join("policy.txt"))
        .arg(demo.url(id))
        .output()
        .expect("retu verify");
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{stdout}");
    assert!(stdout.contains("cosigned by 2 of 2 witnesses"), "{stdout}");
    let page = http
        .get(demo.url(tin))
        .header("Accept-Language", "zh-CN")
        .send()
        .expect("page")
        .text()
        .expect("html");
    for expected in [
        "云岭红 红茶 100 克罐装",
        "云岭县岭头红茶专业合作社",
        "云岭县白云村茶农合作社",
        "1 号茶园",
        "岭头红茶初制厂",
        "检测",
        "结果：合格",
        "抑制率 12.5 %",
        "发货",
        // The processing steps the farmer named, from the events.
        "工序：萎凋",
        "工序：干燥",
    ] {
        assert!(
            page.contains(expected),
            "{expected} missing from the tin's page"
        );
    }

    // The chicken farm's birds were recorded by the officer, and their page says so.
    let chicken = pages
        .iter()
        .find(|path| path.contains("/10/WJ"))
        .expect("the chicken's page is printed");
    let page = http
        .get(demo.url(chicken))
        .header("Accept-Language", "zh-CN")
        .send()
        .expect("page")
        .text()
        .expect("html");
    assert!(page.contains("代为录入"), "no officer named on {chicken}");

    // Everyone can log in; the officer's dashboard has the county's producers, batches,
    // certificates and scans, and the specialist sees the second county too.
    let cookies: Vec<String> = LOGINS.iter().map(|login| log_in(&demo, login)).collect();
    let officer = &cookies[0];
    let county = get_json(&http, &demo.url("/api/county"), officer);
    assert_eq!(county["county"], "459901", "{county}");
    assert_eq!(county["producers"], 5, "{county}");
    assert_eq!(county["tracingProducers"], 4, "{county}");
    assert!(county["batches"].as_u64() >= Some(10), "{county}");
    assert_eq!(county["certificates"], 2, "{county}");
    assert!(county["scans"].as_u64() >= Some(30), "{county}");
    let listed = http
        .get(demo.url("/county?show=producers"))
        .header("Cookie", officer)
        .header("Accept-Language", "zh-CN")
        .send()
        .expect("dashboard")
        .text()
        .expect("html");
    for producer in [
        "云岭县岭头红茶专业合作社",
        "云岭县白云村茶农合作社",
        "云岭县高岭梯田红米专业合作社",
        "龙潭村龙德才乌鸡养殖场",
        "茶山村黄家茶园",
    ] {
        assert!(listed.contains(producer), "{producer} is not listed");
    }
    let qinglan = get_json(&http, &demo.url("/api/county?county=459902"), &cookies[1]);
    assert_eq!(qinglan["producers"], 1, "{qinglan}");
    assert_eq!(qinglan["tracingProducers"], 1, "{qinglan}");

    // The phone sees what a consumer sees: verified by both witnesses. The screenshots are
    // the README tour's.
    if let Some(shown) = browser_check(&demo.url(tin), "demo-consumer-zh-360.png", "zh-CN") {
        assert_eq!(shown["errors"], json!([]), "{shown}");
        assert_eq!(shown["state"], "ok", "{shown}");
        assert_eq!(shown["badge"], "已验证 · 2/2 见证方", "{shown}");
        assert!(
            shown["scrollWidth"].as_u64().expect("width") <= 360,
            "{shown}"
        );
        let shown = browser_check(&demo.url(tin), "demo-consumer-en-360.png", "en").expect("en");
        assert_eq!(shown["badge"], "Verified · 2/2 witnesses", "{shown}");
        county_screenshot(&demo);
    }

    // A second start reuses the data: nothing is seeded again.
    let size = log_size(&http, &demo);
    demo.stop();
    let demo = Demo::start(&data, &[]);
    assert!(
        demo.output.contains("Reusing the demo county"),
        "{}",
        demo.output
    );
    assert_eq!(demo.pages(), pages);
    assert_eq!(log_size(&http, &demo), size);
    log_in(&demo, "officer");
    demo.stop();

    // `--scale 1000` adds exactly 1,000 events, and says so.
    let demo = Demo::start(&data, &["--scale", "1000"]);
    assert!(
        demo.output.contains("Added 1000 events in"),
        "{}",
        demo.output
    );
    assert!(
        demo.output
            .contains("this folder holds 1000 generated events"),
        "{}",
        demo.output
    );
    eprintln!(
        "{}",
        demo.output
            .lines()
            .find(|line| line.starts_with("Added"))
            .unwrap_or_default()
    );
    assert_eq!(log_size(&http, &demo), size + 1000);
    // A generated tin's page works like any other: the first chain's, of the first farm.
    let marker: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo.json")).expect("demo.json"))
            .expect("json");
    let tins = marker["generated"]["farms"][0]["tins"]
        .as_str()
        .expect("a generated farm's tins");
    let evidence: Value = http
        .get(demo.url(&format!("/api/item?id=/01/{tins}/10/LM0-T")))
        .send()
        .expect("item")
        .json()
        .expect("json");
    assert_eq!(
        evidence["records"].as_array().map(Vec::len),
        Some(5),
        "{evidence}"
    );
}

/// The officer's dashboard at 1280 px, checked by axe-core as the other pages are
/// (`tests/browser/accessibility.mjs`), kept as `demo-county-zh-CN-1280.png`.
fn county_screenshot(demo: &Demo) {
    let folder = tempfile::tempdir().expect("tempdir");
    let output = Command::new("node")
        .arg(repo_root().join("tests/browser/accessibility.mjs"))
        .args([&demo.base, "officer", PASSWORD])
        .arg(folder.path())
        .arg("/county")
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let checked: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert!(
        checked
            .as_array()
            .is_some_and(|pages| pages.iter().all(|page| page["violations"] == json!([]))),
        "{checked}"
    );
    let screenshots = repo_root().join("artifacts/screenshots");
    for (made, kept) in [
        ("county-zh-CN-1280.png", "demo-county-zh-CN-1280.png"),
        ("county-en-1280.png", "demo-county-en-1280.png"),
    ] {
        std::fs::copy(folder.path().join(made), screenshots.join(kept)).expect("screenshot");
    }
}
