//! A running `retu serve` for black-box tests: the real binary on port 0 with its own data
//! folder, stopped when dropped.

// Skips are announced on stderr, so that a skipped variant is visible in the output.
#![allow(dead_code, unreachable_pub, clippy::print_stderr)]

use serde_json::Value;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A server process.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub admin_token: String,
    pub data: PathBuf,
}

/// Starts `retu serve` on a free port with `data` as its data folder.
pub fn start(data: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
        .arg("serve")
        .arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .env("RUST_LOG", "warn")
        .env_remove("RETU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start retu serve");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    while base.is_none() {
        let line = receive
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its address");
        if let Some(rest) = line.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().map(str::to_owned);
        }
    }
    let admin_token = std::fs::read_to_string(data.join("admin.token"))
        .expect("admin token")
        .trim()
        .to_owned();
    Server {
        child,
        base: base.expect("address"),
        admin_token,
        data: data.to_path_buf(),
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops the process with SIGKILL: no graceful shutdown, as in a power cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the process with SIGTERM and waits for its graceful shutdown.
    pub fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("client")
}

/// Polls `check` until it returns `Some`, for at most `seconds`.
pub fn eventually<T>(seconds: u64, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `retu witness serve` process.
pub struct WitnessProcess {
    pub child: Child,
    pub base: String,
    pub vkey: String,
}

impl Drop for WitnessProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Makes a witness key in `dir` and starts a witness for the log with `log_vkey`.
pub fn start_witness(dir: &Path, name: &str, log_vkey: &str) -> WitnessProcess {
    let key = dir.join(format!("{}.key", name.replace('/', "_")));
    let keygen = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["witness", "keygen", "--name", name, "--out"])
        .arg(&key)
        .output()
        .expect("witness keygen");
    assert!(
        keygen.status.success(),
        "{}",
        String::from_utf8_lossy(&keygen.stderr)
    );
    let vkey = String::from_utf8_lossy(&keygen.stdout).trim().to_owned();
    let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args([
            "witness",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--log",
            log_vkey,
            "--key",
        ])
        .arg(&key)
        .arg("--state")
        .arg(dir.join(format!("{}-state", name.replace('/', "_"))))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("witness serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = lines.next().expect("a line").expect("utf-8");
    let base = line
        .split("listening on ")
        .nth(1)
        .expect("address")
        .trim()
        .to_owned();
    std::thread::spawn(move || for _ in lines {});
    WitnessProcess { child, base, vkey }
}

/// The shared test vectors: `$RETU_VECTORS`, else `../shared/vectors` beside the repository.
pub fn vectors() -> PathBuf {
    let dir = std::env::var_os("RETU_VECTORS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "vectors not found at {}; set RETU_VECTORS",
        dir.display()
    );
    dir
}

/// Runs the `retu` binary with `args` and returns its standard output, failing on error.
pub fn retu(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(args)
        .env_remove("RETU_DATABASE_URL")
        .output()
        .expect("run retu");
    assert!(
        output.status.success(),
        "retu {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Creates an organisation owning `prefixes` in the data folder (and the database `extra` names,
/// such as `--database-url …`) and returns (public ID, token). `retu org create` prints the
/// public ID alone on a line.
pub fn member(data: &Path, name: &str, prefixes: &[&str], extra: &[&str]) -> (String, String) {
    let data_arg = data.to_str().expect("utf-8 path");
    let mut args = vec!["org", "create", "--data", data_arg, "--name", name];
    for prefix in prefixes {
        args.push("--prefix");
        args.push(prefix);
    }
    args.extend_from_slice(extra);
    let created = retu(&args);
    let public_id = created.trim().to_owned();
    let mut token = vec!["token", "create", "--data", data_arg, "--org", &public_id];
    token.extend_from_slice(extra);
    let token = retu(&token).trim().to_owned();
    (public_id, token)
}

/// A PostgreSQL database made for one test and dropped afterwards, when
/// `RETU_TEST_DATABASE_URL` names a server; `None` (after printing why) otherwise.
pub struct TestDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

impl TestDatabase {
    pub fn create() -> Option<TestDatabase> {
        let Ok(admin_url) = std::env::var("RETU_TEST_DATABASE_URL") else {
            eprintln!("skipping the PostgreSQL variant: RETU_TEST_DATABASE_URL is not set");
            return None;
        };
        let name = format!(
            "retu_test_{:016x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id()) << 32
        );
        let status = Command::new("psql")
            .arg(&admin_url)
            .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
            .status()
            .expect("psql");
        assert!(status.success(), "creating {name}");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        Some(TestDatabase {
            url: format!("{base}/{name}"),
            admin_url: admin_url.clone(),
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin_url)
            .args([
                "-q",
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .status();
    }
}

/// The repository's root, where `tests/browser` and `artifacts` live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What the browser showed, or `None` (after saying why) when Chromium or playwright-core is
/// not installed here; `.ci/run` installs both, so CI never skips.
pub fn browser_check(url: &str, screenshot: &str, language: &str) -> Option<Value> {
    let root = repo_root();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists()
        || !root
            .join("tests/browser/node_modules/playwright-core")
            .exists()
    {
        // CI installs both and sets RETU_REQUIRE_BROWSER, so a broken install cannot pass as
        // a skip there.
        assert!(
            std::env::var_os("RETU_REQUIRE_BROWSER").is_none(),
            "RETU_REQUIRE_BROWSER is set but {chromium} or tests/browser/node_modules is missing"
        );
        eprintln!(
            "skipping the browser check: install Debian's chromium and run `npm ci --prefix tests/browser` (.ci/run does both)"
        );
        return None;
    }
    let folder = root.join("artifacts/screenshots");
    std::fs::create_dir_all(&folder).expect("screenshot folder");
    let output = Command::new("node")
        .arg(root.join("tests/browser/check_page.mjs"))
        .arg(url)
        .arg(folder.join(screenshot))
        .arg(language)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "check_page.mjs failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line = String::from_utf8_lossy(&output.stdout);
    let shown: Value = serde_json::from_str(line.trim()).expect("one line of JSON");
    eprintln!(
        "browser: {screenshot}: {} \"{}\" in {} ms, {} bytes",
        shown["state"], shown["badge"], shown["verifyMs"], shown["bytes"]
    );
    Some(shown)
}

/// A 承诺达标合格证 draft of the tea cooperative for `lot`, recorded by `event_id`.
pub fn certificate_draft(
    product: &str,
    event_id: &str,
    lot: &str,
) -> repository::certificate::CertificateDraft {
    use repository::certificate::*;
    CertificateDraft {
        product_name: product.into(),
        quantity: Quantity {
            value: "40.5".into(),
            unit: Some(Unit::Kg),
        },
        producer: Producer {
            name: "白毫茶合作社".into(),
            contact: "13800138000".into(),
            subject_code: None,
        },
        origin: Origin {
            province: "广西壮族自治区".into(),
            county: "凌云县".into(),
            township: Some("加尤镇".into()),
            village: Some("百陇村".into()),
            plot: None,
        },
        issue_date: "2026-04-02".into(),
        commitments: Commitments::ALL,
        basis: vec![Basis::SelfCommitment],
        tests: vec![],
        batch: Batch {
            event_id: event_id.into(),
            lot: lot.into(),
        },
        parents: vec![],
    }
}
