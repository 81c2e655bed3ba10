//! Black-box tests of `retu serve`: the real binary on port 0 with a fresh data folder.

mod common;

use common::{client, eventually, start};

#[test]
fn first_start_creates_the_admin_and_serves_the_log() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = start(data.path(), &[]);
    use std::os::unix::fs::PermissionsExt as _;
    for private in ["admin.token", "log.key"] {
        let mode = std::fs::metadata(data.path().join(private))
            .expect(private)
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{private} must be private");
    }
    let http = client();
    let key = http
        .get(server.url("/log/key"))
        .send()
        .expect("key")
        .text()
        .expect("text");
    let vkey = tlog::VerifierKey::parse(key.trim()).expect("a vkey");
    assert_eq!(vkey.name(), "retu.localhost");
    let checkpoint = eventually(10, || {
        let response = http.get(server.url("/log/checkpoint")).send().ok()?;
        response
            .status()
            .is_success()
            .then(|| response.bytes().expect("body"))
    });
    let (_, parsed) = tlog::Checkpoint::open(&checkpoint, &vkey).expect("signed by the log key");
    assert_eq!(parsed.size, 0);
    let cli_key = std::process::Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["log", "key", "--data"])
        .arg(data.path())
        .output()
        .expect("retu log key");
    assert_eq!(String::from_utf8_lossy(&cli_key.stdout).trim(), key.trim());

    let missing = http
        .get(server.url("/log/tile/0/000"))
        .send()
        .expect("tile");
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let bad_token = http
        .get(server.url("/log/proof?event=x"))
        .bearer_auth("retu_not-a-token")
        .send()
        .expect("proof");
    assert_eq!(bad_token.status(), 401);
}

#[test]
fn a_restart_keeps_the_key_and_refuses_to_change_the_origin() {
    let data = tempfile::tempdir().expect("tempdir");
    let mut first = start(data.path(), &["--log-origin", "county.example/log"]);
    let key = client()
        .get(first.url("/log/key"))
        .send()
        .expect("key")
        .text()
        .expect("text");
    first.stop();
    let second = start(data.path(), &[]);
    let again = client()
        .get(second.url("/log/key"))
        .send()
        .expect("key")
        .text()
        .expect("text");
    assert_eq!(key, again);
    drop(second);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_retu"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log-origin",
            "other.example",
            "--data",
        ])
        .arg(data.path())
        .output()
        .expect("serve");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("origin"));
}

#[test]
fn callers_over_their_rate_are_told_to_slow_down() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = start(data.path(), &["--rate-limit", "1"]);
    let http = client();
    let statuses: Vec<u16> = (0..12)
        .map(|_| {
            http.get(server.url("/log/key"))
                .send()
                .expect("key")
                .status()
                .as_u16()
        })
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    let limited = http.get(server.url("/log/key")).send().expect("key");
    if limited.status() == 429 {
        assert_eq!(
            limited.headers()["content-type"],
            "application/problem+json"
        );
    }
}

#[test]
fn checkpoints_are_cosigned_by_the_policy_witnesses() {
    let data = tempfile::tempdir().expect("tempdir");
    let keygen = std::process::Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["keygen", "--name", "county.example/log", "--out"])
        .arg(data.path().join("log.key"))
        .output()
        .expect("keygen");
    let log_vkey = String::from_utf8_lossy(&keygen.stdout).trim().to_owned();
    let regulator = common::start_witness(data.path(), "regulator.example/w", &log_vkey);
    let consumers = common::start_witness(data.path(), "consumers.example/w", &log_vkey);
    let policy = format!(
        "log {log_vkey}\nwitness regulator {} {}\nwitness consumers {} {}\ngroup both all regulator consumers\nquorum both\n",
        regulator.vkey, regulator.base, consumers.vkey, consumers.base
    );
    std::fs::write(data.path().join("policy.txt"), &policy).expect("policy");
    let policy_arg = data.path().join("policy.txt");
    let server = start(
        data.path(),
        &["--policy", policy_arg.to_str().expect("utf-8")],
    );
    let http = client();
    let note = eventually(20, || {
        let response = http.get(server.url("/log/checkpoint")).send().ok()?;
        response
            .status()
            .is_success()
            .then(|| response.bytes().expect("body"))
    });
    let policy = tlog::Policy::parse(&policy).expect("policy");
    let parsed = tlog::Note::parse(&note).expect("note");
    assert_eq!(
        parsed.signatures().len(),
        3,
        "log signature and two cosignatures"
    );
    let keys = policy.keys();
    let verified = parsed.verify(&keys).expect("all signatures verify");
    assert_eq!(verified.len(), 3);
}

/// `/openapi.json` is the committed `docs/openapi.json`, and every operation it lists reaches a
/// handler: none is answered with the router's "no such endpoint" or 405.
#[test]
fn the_served_openapi_is_the_committed_one_and_every_operation_is_routed() {
    let data = tempfile::tempdir().expect("tempdir");
    let server = start(data.path(), &[]);
    let http = client();
    let served = http
        .get(server.url("/openapi.json"))
        .send()
        .expect("openapi")
        .text()
        .expect("text");
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json"),
    )
    .expect("docs/openapi.json");
    assert!(
        served == committed,
        "docs/openapi.json is not what the server serves; regenerate it with \
         `cargo run -q --bin retu -- openapi > docs/openapi.json`"
    );

    let token = std::fs::read_to_string(data.path().join("admin.token")).expect("admin token");
    let document: serde_json::Value = serde_json::from_str(&served).expect("JSON");
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (template, methods) in paths {
        let path = template
            .replace("{tile}", "0/000")
            .replace("{captureID}", "no-such-job")
            .replace("{eventID}", "urn:uuid:00000000-0000-4000-8000-000000000000")
            .replace("{epc}", "urn:epc:id:sgtin:0614141.107346.2018")
            .replace("{recall}", "RC-000001")
            .replace("{number}", "HG-000000-20260101-00000")
            .replace("{gtin}", "06901234123456")
            .replace("{sscc}", "069012340000000016")
            .replace("{gln}", "6901234000016")
            .replace("{locationId}", "1")
            .replace("{productId}", "1");
        assert!(
            !path.contains('{'),
            "{template}: a parameter without a sample"
        );
        for method in methods.as_object().expect("methods").keys() {
            let request = match method.as_str() {
                "get" => http.get(server.url(&path)),
                "post" => http
                    .post(server.url(&path))
                    .header("Content-Type", "application/ld+json")
                    .body("{}"),
                "patch" => http
                    .patch(server.url(&path))
                    .header("Content-Type", "application/merge-patch+json")
                    .body("{}"),
                other => panic!("{template}: unexpected method {other}"),
            };
            let response = request.bearer_auth(token.trim()).send().expect("request");
            let status = response.status().as_u16();
            let body = response.text().unwrap_or_default();
            assert_ne!(status, 405, "{method} {template}: {body}");
            assert!(
                !body.contains("no-such-endpoint"),
                "{method} {template} is documented but not routed: {body}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 17, "only {checked} operations");
    // The check can fail: a path the API does not have is answered as such.
    let missing = http
        .get(server.url("/epcis/nothing-here"))
        .send()
        .expect("get")
        .text()
        .expect("text");
    assert!(missing.contains("no-such-endpoint"), "{missing}");
}
