//! Black-box tests of `retu hash` and `retu validate`: the real binary on the shared EPCIS
//! vectors (read at test time), compared with the reference generator's `.hashes` files.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn epcis_vectors() -> PathBuf {
    let vectors = std::env::var_os("RETU_VECTORS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors"),
        PathBuf::from,
    );
    let dir = vectors.join("epcis");
    assert!(
        dir.is_dir(),
        "vectors not found at {}; set RETU_VECTORS",
        dir.display()
    );
    dir
}

fn retu(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(args)
        .output()
        .expect("run retu")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn non_empty_lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn hash_matches_every_official_hashes_file() {
    let dir = epcis_vectors().join("hash-generator/examples");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonld" | "xml")
            ) && p.with_extension("hashes").exists()
        })
        .collect();
    inputs.sort();
    assert_eq!(inputs.len(), 39);
    // One run over all files, as `python -m epcis_event_hash_generator FILE…` would take them.
    let args: Vec<&str> = std::iter::once("hash")
        .chain(inputs.iter().map(|p| p.to_str().expect("utf-8 path")))
        .collect();
    let out = retu(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let got = text(&out.stdout);
    let mut expected = String::new();
    for p in &inputs {
        let want = std::fs::read_to_string(p.with_extension("hashes")).expect("hashes");
        for line in non_empty_lines(&want) {
            expected.push_str(line);
            expected.push('\n');
        }
    }
    assert_eq!(got, expected);
}

#[test]
fn prehash_matches_the_corrected_prehashes() {
    let v = epcis_vectors();
    for name in [
        "epcisDocWithAllGS1Keys",
        "epcisDocWithCustomSchemaInContext",
        "epcisDocWithDefaultSchemaInContext",
    ] {
        let input = v.join(format!("hash-generator/examples/{name}.jsonld"));
        let want = std::fs::read_to_string(
            v.join(format!("derived/prehashes-corrected/{name}.prehashes")),
        )
        .expect("prehashes");
        let out = retu(&["hash", "--prehash", input.to_str().expect("path")]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            non_empty_lines(&text(&out.stdout)),
            non_empty_lines(&want),
            "{name}"
        );
    }
}

#[test]
fn benchmark_10k_gzip_file_matches() {
    let bench = epcis_vectors().join("derived/bench");
    let out = retu(&[
        "hash",
        bench
            .join("farm-10k-events.jsonld.gz")
            .to_str()
            .expect("path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut want = String::new();
    flate2::read::GzDecoder::new(
        std::fs::File::open(bench.join("farm-10k-events.hashes.gz")).expect("open"),
    )
    .read_to_string(&mut want)
    .expect("gunzip");
    let got = text(&out.stdout);
    let (got, want) = (non_empty_lines(&got), non_empty_lines(&want));
    assert_eq!(got.len(), 10_000);
    let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(first_diff, None, "first differing event");
    assert_eq!(got.len(), want.len());
}

#[test]
fn farm_json_and_xml_agree_and_stdin_works() {
    let farm = epcis_vectors().join("derived/farm");
    let want = std::fs::read_to_string(farm.join("farm-tea-events.hashes")).expect("hashes");
    for f in ["farm-tea-events.jsonld", "farm-tea-events.xml"] {
        let out = retu(&["hash", farm.join(f).to_str().expect("path")]);
        assert_eq!(
            non_empty_lines(&text(&out.stdout)),
            non_empty_lines(&want),
            "{f}"
        );
        // The same through standard input (format detected from the first character).
        let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
            .args(["hash", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn");
        let body = std::fs::read(farm.join(f)).expect("read");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&body)
            .expect("write");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            non_empty_lines(&text(&out.stdout)),
            non_empty_lines(&want),
            "stdin {f}"
        );
    }
}

#[test]
fn validate_reports_file_pointer_and_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = epcis_vectors().join("derived/farm/farm-tea-events.jsonld");
    let out = retu(&["validate", good.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");

    let bad = dir.path().join("bad.jsonld");
    std::fs::write(
        &bad,
        r#"{"@context":"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld","type":"EPCISDocument",
        "schemaVersion":"2.0","creationDate":"2024-05-01T09:00:00+08:00","epcisBody":{"eventList":[
        {"type":"ObjectEvent","eventTime":"2024-05-01T09:00:00+08:00","eventTimeZoneOffset":"+08:00",
         "action":"OBSERVE","bizStep":"harvesting","epcList":["urn:epc:id:sgtin:6901234.012345.1"]}]}}"#,
    )
    .expect("write");
    let out = retu(&["validate", bad.to_str().expect("path")]);
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        format!(
            "{}: /epcisBody/eventList/0/bizStep: \"harvesting\" is neither a CBV bizStep word nor a custom URI\n",
            bad.display()
        )
    );
    assert!(
        text(&out.stderr).contains("1 problem in 1 of 1 file"),
        "{}",
        text(&out.stderr)
    );

    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\n  \"type\": \"EPCISDocument\",\n  \"epcisBody\": [,]\n}",
    )
    .expect("write");
    let out = retu(&["validate", broken.to_str().expect("path")]);
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}: line 3, column 17: expected a JSON value\n",
            broken.display()
        )
    );
    let out = retu(&["hash", broken.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("broken.json: line 3, column 17"),
        "{}",
        text(&out.stderr)
    );
}
