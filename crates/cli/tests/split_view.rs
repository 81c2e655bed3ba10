//! A split view against a real witness (`retu witness serve`): the county log's key signs two
//! histories that disagree about one record. The witness cosigns the first, refuses the second
//! (409 when the client claims a size the witness is not at, 422 when the consistency proof
//! fails, as C2SP tlog-witness says), and keeps cosigning the honest log. Consumers given the
//! forked checkpoint see "not witnessed" in both verifiers (Rust `retu verify` and the browser's
//! `verify.js` under Node), and a server running on the forked key can publish nothing, so
//! its consumer page says its records are not in a witnessed checkpoint.

mod common;

use std::path::Path;
use std::process::Command;

use common::{browser_check, client, eventually, retu, start};
use serde_json::json;
use tlog::{
    AddCheckpointRequest, Checkpoint, KeyKind, MemoryTree, Note, SignerKey, TlogProof,
    consistency_proof, inclusion_proof,
};

const ORIGIN: &str = "lingyun.example/log";

fn log_key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, KeyKind::Ed25519, [7; 32]).expect("key")
}

fn tree(entries: &[String]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for entry in entries {
        tree.push(entry.as_bytes());
    }
    tree
}

fn signed_checkpoint(tree: &MemoryTree, size: u64) -> Vec<u8> {
    let mut note = Note::new(
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root: tree.root_at(size).expect("root"),
            extensions: String::new(),
        }
        .to_text(),
    )
    .expect("note");
    note.sign(&log_key()).expect("sign");
    note.to_bytes()
}

/// POSTs an add-checkpoint request; returns the status and body.
fn add_checkpoint(
    witness: &str,
    old_size: u64,
    proof: Vec<tlog::Hash>,
    checkpoint: Vec<u8>,
) -> (u16, String) {
    let response = client()
        .post(format!("{witness}/add-checkpoint"))
        .body(
            AddCheckpointRequest {
                old_size,
                proof,
                checkpoint,
            }
            .to_bytes(),
        )
        .send()
        .expect("add-checkpoint");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

/// What `verify.js` says about a proof, run under Node exactly as the page runs it.
fn js_verdict(proof: &Path, entry: &Path, policy: &Path) -> serde_json::Value {
    let verify_js = common::repo_root().join("crates/web/assets/verify.js");
    let script = format!(
        "import {{ verifyTlogProof }} from {module};\n\
         import {{ readFileSync }} from 'node:fs';\n\
         const [proof, entry, policy] = process.argv.slice(1).map((p) => readFileSync(p));\n\
         const r = await verifyTlogProof(proof, entry, policy.toString());\n\
         console.log(JSON.stringify({{ ok: r.ok, reason: r.reason ?? null, cosigned: (r.cosigned ?? []).length }}));",
        module = json!(format!("file://{}", verify_js.display())),
    );
    let output = Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .arg(proof)
        .arg(entry)
        .arg(policy)
        .output()
        .expect("node");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("json")
}

#[test]
fn a_split_view_is_refused_by_the_witness_and_consumers_see_not_witnessed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = log_key();
    let witness = common::start_witness(
        dir.path(),
        "regulator.example/w",
        &key.verifier().to_string(),
    );
    let policy = dir.path().join("policy.txt");
    std::fs::write(
        &policy,
        format!(
            "log {}\nwitness regulator {} {}\nquorum regulator\n",
            key.verifier(),
            witness.vkey,
            witness.base
        ),
    )
    .expect("policy");

    // The honest history, then a fork that changes entry 2 and adds one.
    let honest_entries: Vec<String> = (0..7).map(|i| format!("honest record {i}")).collect();
    let mut forked_entries: Vec<String> = honest_entries[..6].to_vec();
    forked_entries[2] = "rewritten record 2".into();
    let honest = tree(&honest_entries);
    let forked = tree(&forked_entries);

    let (status, body) =
        add_checkpoint(&witness.base, 0, Vec::new(), signed_checkpoint(&honest, 5));
    assert_eq!(status, 200, "{body}");
    let honest_cosignature = body;

    // The fork, claiming the witness has seen nothing: 409 with the size it is at.
    let (status, body) =
        add_checkpoint(&witness.base, 0, Vec::new(), signed_checkpoint(&forked, 6));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body.trim(), "5");
    // The fork, with its own consistency proof from 5: the proof fails against the root the
    // witness cosigned, 422.
    let proof = consistency_proof(&forked, 5, 6).expect("proof");
    let (status, body) = add_checkpoint(&witness.base, 5, proof, signed_checkpoint(&forked, 6));
    assert_eq!(status, 422, "{body}");
    // The honest log keeps growing and keeps being witnessed.
    let proof = consistency_proof(&honest, 5, 7).expect("proof");
    let (status, body) = add_checkpoint(&witness.base, 5, proof, signed_checkpoint(&honest, 7));
    assert_eq!(status, 200, "{body}");
    let state = client()
        .get(format!(
            "{}/{}/checkpoint",
            witness.base,
            sha256_hex(ORIGIN)
        ))
        .send()
        .expect("state");
    assert!(state.text().expect("text").contains("\n7\n"));

    // A consumer handed the forked record with the forked checkpoint: not witnessed, in Rust
    // and in the browser's verifier alike.
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        path
    };
    let forked_proof = TlogProof {
        extra: None,
        index: 2,
        inclusion: inclusion_proof(&forked, 2, 6).expect("inclusion"),
        checkpoint: signed_checkpoint(&forked, 6),
    };
    let proof_file = write("forked.tlog-proof", &forked_proof.to_bytes());
    let entry_file = write("forked.entry", forked_entries[2].as_bytes());
    let rust = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["verify", "--policy"])
        .arg(&policy)
        .arg("--entry")
        .arg(&entry_file)
        .arg(&proof_file)
        .output()
        .expect("retu verify");
    assert!(!rust.status.success());
    let message = String::from_utf8_lossy(&rust.stderr);
    assert!(
        message.contains("NOT verified") && message.contains("quorum"),
        "{message}"
    );
    let js = js_verdict(&proof_file, &entry_file, &policy);
    assert_eq!(js["ok"], false, "{js}");
    assert_eq!(js["reason"], "quorum-not-met", "{js}");

    // The honest record with the witnessed checkpoint verifies in both.
    let mut witnessed = signed_checkpoint(&honest, 5);
    witnessed.extend_from_slice(honest_cosignature.as_bytes());
    let honest_proof = TlogProof {
        extra: None,
        index: 2,
        inclusion: inclusion_proof(&honest, 2, 5).expect("inclusion"),
        checkpoint: witnessed,
    };
    let proof_file = write("honest.tlog-proof", &honest_proof.to_bytes());
    let entry_file = write("honest.entry", honest_entries[2].as_bytes());
    let verified = retu(&[
        "verify",
        "--policy",
        policy.to_str().expect("utf-8"),
        "--entry",
        entry_file.to_str().expect("utf-8"),
        proof_file.to_str().expect("utf-8"),
    ]);
    assert!(
        verified.contains("cosigned by 1 of 1 witnesses"),
        "{verified}"
    );
    let js = js_verdict(&proof_file, &entry_file, &policy);
    assert_eq!(js, json!({"ok": true, "reason": null, "cosigned": 1}));

    // A server that signs with the same key but holds another history asks the same witness,
    // is refused, and publishes nothing: its page shows its records as not witnessed.
    let data = dir.path().join("forked-server");
    std::fs::create_dir_all(&data).expect("data");
    std::fs::write(data.join("log.key"), format!("{}\n", key.to_skey())).expect("key");
    let server = start(
        &data,
        &[
            "--rate-limit",
            "0",
            "--policy",
            policy.to_str().expect("utf-8"),
        ],
    );
    let event = json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "eventTime": "2026-04-01T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "epcList": [], "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234111118/10/FORK", "quantity": 5, "uom": "KGM"}],
        }]},
    });
    let http = client();
    let response = http
        .post(server.url("/epcis/capture"))
        .bearer_auth(&server.admin_token)
        .header("Content-Type", "application/ld+json")
        .header("Retu-Shared", "true")
        .body(event.to_string())
        .send()
        .expect("capture");
    assert_eq!(response.status().as_u16(), 202);
    // Give the log several publishing rounds; none may succeed.
    let evidence = eventually(20, || {
        let evidence: serde_json::Value = http
            .get(server.url("/api/item?id=/01/06901234111118/10/FORK"))
            .send()
            .ok()?
            .json()
            .ok()?;
        let found = !evidence["records"].as_array()?.is_empty();
        found.then_some(evidence)
    });
    std::thread::sleep(std::time::Duration::from_secs(3));
    let checkpoint = http
        .get(server.url("/log/checkpoint"))
        .send()
        .expect("checkpoint");
    assert_eq!(
        checkpoint.status().as_u16(),
        503,
        "nothing may be published"
    );
    assert_eq!(evidence["records"][0]["proof"], serde_json::Value::Null);
    let page = server.url("/item/01/06901234111118/10/FORK");
    if let Some(shown) = browser_check(&page, "split-view-not-witnessed.png", "en") {
        assert_eq!(shown["state"], "pending", "{shown}");
        assert_eq!(
            shown["badge"],
            "Not witnessed yet: 1 record(s) on this page are not in a checkpoint the witnesses cosigned; look again in a minute",
            "{shown}"
        );
    }
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
