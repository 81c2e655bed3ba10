//! Black-box tests of the `retu` binary's log tools: they run the real executable on real
//! directories, including the Tessera test log from `shared/vectors/tlog`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TESSERA_VKEY: &str =
    "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

fn retu(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run retu")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn tessera_log() -> PathBuf {
    let vectors = std::env::var_os("RETU_VECTORS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        PathBuf::from,
    );
    let dir = vectors.join("tlog/tessera-testdata-log");
    assert!(
        dir.is_dir(),
        "vectors not found at {}; set RETU_VECTORS",
        dir.display()
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

#[test]
fn audits_the_tessera_test_log_and_catches_tampering() {
    let work = tempfile::tempdir().expect("tempdir");
    let log = work.path().join("log");
    copy_dir(&tessera_log(), &log);
    let log_arg = log.to_str().expect("utf-8 path");

    let ok = retu(
        &["log", "audit", log_arg, "--vkey", TESSERA_VKEY],
        work.path(),
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("holds 15 entries"), "{}", stdout(&ok));

    // A key that did not sign the checkpoint is refused.
    let other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    let wrong = retu(&["log", "audit", log_arg, "--vkey", other], work.path());
    assert!(!wrong.status.success());

    // One flipped bit in a published tile is found and named.
    let tile = log.join("tile/0/000.p/15");
    let mut bytes = std::fs::read(&tile).expect("tile");
    bytes[40] ^= 1;
    std::fs::write(&tile, bytes).expect("write");
    let tampered = retu(
        &["log", "audit", log_arg, "--vkey", TESSERA_VKEY],
        work.path(),
    );
    assert!(!tampered.status.success());
    assert!(
        stderr(&tampered).contains("tile/0/000.p/15"),
        "{}",
        stderr(&tampered)
    );

    // An altered entry no longer hashes to the signed root.
    copy_dir(&tessera_log(), &log);
    let bundle = log.join("tile/entries/000.p/15");
    let mut bytes = std::fs::read(&bundle).expect("bundle");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x20;
    std::fs::write(&bundle, bytes).expect("write");
    let altered = retu(
        &["log", "audit", log_arg, "--vkey", TESSERA_VKEY],
        work.path(),
    );
    assert!(!altered.status.success());
    assert!(
        stderr(&altered).contains("do not hash to the signed root"),
        "{}",
        stderr(&altered)
    );
}

#[test]
fn append_audit_prove_and_verify_round_trip() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    let keygen = retu(
        &["keygen", "--name", "county.example/log", "--out", "log.key"],
        dir,
    );
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    let vkey = stdout(&keygen).trim().to_owned();
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(dir.join("log.key"))
        .expect("key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the private key must be private");
    let again = retu(&["keygen", "--name", "x", "--out", "log.key"], dir);
    assert!(!again.status.success(), "keygen must not overwrite a key");

    // Two batches that cross a tile boundary (256 entries).
    let first: String = (0..300).map(|i| format!("event {i}\n")).collect();
    let second: String = (300..520).map(|i| format!("event {i}\n")).collect();
    std::fs::write(dir.join("first"), first).expect("write");
    std::fs::write(dir.join("second"), second).expect("write");
    for batch in ["first", "second"] {
        let out = retu(&["log", "append", "log", batch, "--key", "log.key"], dir);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let audit = retu(&["log", "audit", "log", "--vkey", &vkey], dir);
    assert!(audit.status.success(), "{}", stderr(&audit));
    assert!(
        stdout(&audit).contains("holds 520 entries"),
        "{}",
        stdout(&audit)
    );

    let prove = retu(&["log", "prove", "log", "301"], dir);
    assert!(prove.status.success(), "{}", stderr(&prove));
    std::fs::write(dir.join("p.tlog-proof"), &prove.stdout).expect("write");
    std::fs::write(dir.join("policy"), format!("log {vkey}\nquorum none\n")).expect("write");
    std::fs::write(dir.join("entry"), "event 301").expect("write");
    std::fs::write(dir.join("other"), "event 302").expect("write");

    let verify = retu(
        &[
            "verify",
            "--policy",
            "policy",
            "p.tlog-proof",
            "--entry",
            "entry",
        ],
        dir,
    );
    assert!(verify.status.success(), "{}", stderr(&verify));
    assert!(
        stdout(&verify).contains("verified: entry 301"),
        "{}",
        stdout(&verify)
    );
    let wrong = retu(
        &[
            "verify",
            "--policy",
            "policy",
            "p.tlog-proof",
            "--entry",
            "other",
        ],
        dir,
    );
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("NOT verified"),
        "{}",
        stderr(&wrong)
    );

    // A policy that wants a witness the proof lacks refuses it.
    let witness = retu(
        &[
            "keygen",
            "--witness",
            "--name",
            "w.example",
            "--out",
            "w.key",
        ],
        dir,
    );
    let witness_vkey = stdout(&witness).trim().to_owned();
    std::fs::write(
        dir.join("strict"),
        format!("log {vkey}\nwitness w {witness_vkey}\nquorum w\n"),
    )
    .expect("write");
    let strict = retu(
        &[
            "verify",
            "--policy",
            "strict",
            "p.tlog-proof",
            "--entry",
            "entry",
        ],
        dir,
    );
    assert!(!strict.status.success());
    assert!(stderr(&strict).contains("quorum"), "{}", stderr(&strict));
}

#[test]
fn bad_input_gets_a_clear_message() {
    let work = tempfile::tempdir().expect("tempdir");
    let dir = work.path();
    std::fs::write(dir.join("policy"), "log not-a-key\nquorum none\n").expect("write");
    std::fs::write(dir.join("proof"), "garbage").expect("write");
    std::fs::write(dir.join("entry"), "x").expect("write");
    let out = retu(
        &["verify", "--policy", "policy", "proof", "--entry", "entry"],
        dir,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("line 1"), "{}", stderr(&out));
    let missing = retu(&["log", "audit", "nowhere", "--vkey", TESSERA_VKEY], dir);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("no checkpoint"),
        "{}",
        stderr(&missing)
    );
}
