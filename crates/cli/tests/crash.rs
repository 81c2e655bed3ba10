//! Crash safety, on SQLite and on PostgreSQL: a stream of captures, SIGKILL in the middle, a
//! restart; every acknowledged event is still there, the audit passes, and the first checkpoint
//! after the restart is consistent with the last one published before the kill.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{TestDatabase, client, eventually, member, retu, start};
use reqwest::blocking::Client;
use tlog::{Checkpoint, Hash, Tile, TileCoord, TileHashSource, TileReader, VerifierKey};

/// Reads tiles from a running server's `/log/tile/…`, as any monitor would.
struct HttpTiles<'a> {
    http: &'a Client,
    base: &'a str,
}

impl TileReader for HttpTiles<'_> {
    type Tile = Tile;
    type Error = String;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>, String> {
        coords
            .iter()
            .map(|coord| {
                let url = format!("{}/log/{}", self.base, coord.path());
                let response = self.http.get(&url).send().map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("{url}: {}", response.status()));
                }
                let bytes = response.bytes().map_err(|e| e.to_string())?;
                Tile::from_bytes(&bytes, coord.width).map_err(|e| e.to_string())
            })
            .collect()
    }
}

fn checkpoint(http: &Client, base: &str, key: &VerifierKey) -> Option<Checkpoint> {
    let note = http
        .get(format!("{base}/log/checkpoint"))
        .send()
        .ok()?
        .bytes()
        .ok()?;
    Checkpoint::open(&note, key).ok().map(|(_, c)| c)
}

fn event(serial: u64) -> String {
    format!(
        r#"{{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type":"ObjectEvent","eventTime":"2026-04-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
        "epcList":["urn:epc:id:sgtin:6901234.012345.{serial}"],"action":"ADD","bizStep":"commissioning",
        "readPoint":{{"id":"urn:epc:id:sgln:6901234.00001.0"}}}}"#
    )
}

fn crash_and_recover(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let mut server = start(data.path(), &args);
    let (_, coop) = member(data.path(), "coop", &["6901234"], extra);
    let http = client();
    let key = VerifierKey::parse(
        http.get(format!("{}/log/key", server.base))
            .send()
            .expect("key")
            .text()
            .expect("text")
            .trim(),
    )
    .expect("vkey");

    // Writers capture events one by one and remember what the server acknowledged.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..3u64 {
        let (acked, stop, base, coop) = (
            acked.clone(),
            stop.clone(),
            server.base.clone(),
            coop.clone(),
        );
        writers.push(std::thread::spawn(move || {
            let http = client();
            let mut serial = writer * 1_000_000;
            while !stop.load(Ordering::Relaxed) {
                serial += 1;
                let sent = http
                    .post(format!("{base}/epcis/events"))
                    .bearer_auth(&coop)
                    .header("Content-Type", "application/ld+json")
                    .body(event(serial))
                    .send();
                match sent {
                    Ok(response) if response.status() == 201 => {
                        let body: serde_json::Value = response.json().expect("json");
                        let id = body["eventID"].as_str().expect("id").to_owned();
                        acked.lock().expect("lock").push(id);
                    }
                    // The server is gone: nothing after this was acknowledged.
                    _ => break,
                }
            }
        }));
    }
    let before = eventually(60, || {
        let count = acked.lock().expect("lock").len();
        let published = checkpoint(&http, &server.base, &key)?;
        (count >= 300 && published.size >= 100).then_some(published)
    });
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("writer");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 300);

    // Restart on the same data.
    let server = start(data.path(), &args);
    for id in &acked {
        let url = format!("{}/epcis/events/{}", server.base, urlencode(id));
        let status = http
            .get(&url)
            .bearer_auth(&coop)
            .send()
            .expect("get")
            .status();
        assert_eq!(
            status, 200,
            "acknowledged event {id} is missing after the crash"
        );
    }
    let after = eventually(60, || {
        checkpoint(&http, &server.base, &key).filter(|c| c.size >= acked.len() as u64)
    });
    assert!(after.size >= before.size);
    if after.size > before.size {
        let tiles = TileHashSource::new(
            HttpTiles {
                http: &http,
                base: &server.base,
            },
            after.size,
        );
        let proof: Vec<Hash> = tlog::consistency_proof(&tiles, before.size, after.size)
            .expect("proof from the served tiles");
        tlog::verify_consistency(before.size, after.size, &proof, &before.root, &after.root)
            .expect("the checkpoint after the crash extends the one before it");
    }
    drop(server);
    let data_arg = data.path().to_str().expect("utf-8");
    let mut audit_args = vec!["audit", "--data", data_arg];
    audit_args.extend_from_slice(extra);
    let audit = retu(&audit_args);
    assert!(audit.starts_with("ok:"), "{audit}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn sigkill_loses_no_acknowledged_capture_on_sqlite() {
    crash_and_recover(&[]);
}

#[test]
fn sigkill_loses_no_acknowledged_capture_on_postgres() {
    let Some(database) = TestDatabase::create() else {
        return;
    };
    crash_and_recover(&["--database-url", &database.url]);
}
