//! The log service over a real SQLite store: sequencing, integration, publishing, proofs, the
//! background loop, and audits that catch tampering.

use std::collections::HashMap;
use std::time::Duration;

use ledger::audit::{AuditFailure, audit};
use ledger::leaf::{EntryKind, Leaf, body_digest};
use ledger::{Ledger, LedgerConfig, LedgerError, RecordEntry};
use sha2::{Digest, Sha256};
use store::{IdRole, NewEvent, NewOrg, Role, Store};
use store_sqlite::SqliteStore;
use tlog::{KeyKind, Policy, SignerKey, TileCoord, leaf_hash, verify_consistency};

const ORIGIN: &str = "county.example/log";

fn signer() -> SignerKey {
    SignerKey::from_seed(ORIGIN, KeyKind::Ed25519, [5; 32]).expect("key")
}

/// A stand-in for the EPCIS event hash: SHA-256 of the stored bytes, in the `ni:` form.
fn fake_event_hash(body: &[u8]) -> String {
    let digest: String = Sha256::digest(body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("ni:///sha-256;{digest}?ver=CBV2.0")
}

fn rehash(body: &[u8]) -> Result<String, String> {
    Ok(fake_event_hash(body))
}

fn event(i: u64, org_id: i64) -> NewEvent {
    let body =
        format!("{{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-04-01T08:00:00Z\",\"n\":{i}}}")
            .into_bytes();
    let event_hash = fake_event_hash(&body);
    let record_time = 1_775_030_400_000_000 + i as i64;
    let leaf = Leaf {
        kind: EntryKind::EpcisEvent,
        subject: event_hash.clone(),
        body_sha256: body_digest(&body),
        org: "org-coop".into(),
        record_time,
    }
    .encode()
    .expect("leaf");
    NewEvent {
        event_id: event_hash.clone(),
        event_hash,
        org_id,
        shared: true,
        event_type: "ObjectEvent".into(),
        event_time: 1_775_030_400_000_000,
        record_time,
        action: Some("ADD".into()),
        biz_step: None,
        disposition: None,
        read_point: None,
        biz_location: None,
        identifiers: vec![(
            IdRole::Epc,
            format!("https://id.gs1.org/01/06901234000017/21/{i}"),
        )],
        attributes: vec![],
        fields: 0,
        body,
        leaf,
    }
}

async fn setup(config: LedgerConfig) -> (Ledger<SqliteStore>, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("retu.db"))
        .await
        .expect("open");
    let org = store
        .create_org(NewOrg {
            public_id: "org-coop".into(),
            name: "Tea cooperative".into(),
            role: Role::Member,
            county: None,
        })
        .await
        .expect("org");
    let ledger = Ledger::open(store, signer(), config, None)
        .await
        .expect("ledger");
    (ledger, org.id, dir)
}

fn orgs(org_id: i64) -> HashMap<i64, String> {
    HashMap::from([(org_id, "org-coop".to_owned())])
}

#[tokio::test]
async fn sequence_integrate_publish_and_prove() {
    let (ledger, org, _dir) = setup(LedgerConfig::default()).await;
    let policy =
        Policy::parse(&format!("log {}\nquorum none\n", ledger.verifier())).expect("policy");
    let mut previous: Option<(u64, tlog::Hash)> = None;
    let mut next = 0u64;
    // Batches that cross the 256-entry tile boundary and a level-1 entry.
    for batch in [1u64, 2, 300, 100, 5] {
        let events: Vec<NewEvent> = (next..next + batch).map(|i| event(i, org)).collect();
        let outcome = ledger.append(events.clone()).await.expect("append");
        assert!(outcome.iter().zip(next..).all(|(o, i)| o.index() == i));
        next += batch;
        assert_eq!(ledger.integrate().await.expect("integrate"), next);
        let published = ledger.publish(1).await.expect("publish").expect("grew");
        assert_eq!(published.checkpoint.size, next);
        assert!(
            ledger.publish(2).await.expect("publish").is_none(),
            "nothing new to publish"
        );
        if let Some((old_size, old_root)) = previous {
            let proof = ledger
                .consistency_proof(old_size, next)
                .await
                .expect("consistency");
            verify_consistency(
                old_size,
                next,
                &proof,
                &old_root,
                &published.checkpoint.root,
            )
            .expect("consistent");
        }
        previous = Some((next, published.checkpoint.root));
        for (offset, sent) in events.iter().enumerate().step_by(37) {
            let index = next - batch + offset as u64;
            let proof = ledger.tlog_proof(index).await.expect("tlog-proof");
            let verified = proof
                .verify(&leaf_hash(&sent.leaf), &policy)
                .expect("verifies");
            assert_eq!(verified.checkpoint.size, next);
        }
    }
    // Tiles and bundles are served for the integrated tree only.
    let full = ledger
        .tile(TileCoord {
            level: 0,
            index: 0,
            width: 256,
        })
        .await
        .expect("tile")
        .expect("full tile");
    assert_eq!(full.len(), 256 * 32);
    assert!(
        ledger
            .tile(TileCoord {
                level: 0,
                index: 2,
                width: 256
            })
            .await
            .expect("tile")
            .is_none()
    );
    let bundle = ledger
        .entry_bundle(tlog::BundleCoord {
            index: 0,
            width: 256,
        })
        .await
        .expect("bundle")
        .expect("full bundle");
    let entries = tlog::tile::decode_bundle(&bundle).expect("decode");
    assert_eq!(entries[7], event(7, org).leaf.as_slice());
    assert!(matches!(
        ledger.tlog_proof(next).await,
        Err(LedgerError::NotYetPublished { .. })
    ));

    // A resend changes nothing.
    let again = ledger.append(vec![event(3, org)]).await.expect("resend");
    assert!(matches!(
        again[0],
        store::Appended::Existing { index: 3, .. }
    ));
    assert_eq!(
        ledger.store().log_state().await.expect("state").sequenced,
        next
    );

    let report = audit(ledger.store(), ledger.verifier(), &orgs(org), &rehash)
        .await
        .expect("audit passes");
    assert_eq!((report.entries, report.integrated), (next, next));
    assert_eq!(report.checkpoint.map(|c| c.size), Some(next));
}

#[tokio::test]
async fn a_log_signed_by_another_key_is_refused() {
    let (ledger, org, dir) = setup(LedgerConfig::default()).await;
    ledger.append(vec![event(0, org)]).await.expect("append");
    ledger.integrate().await.expect("integrate");
    ledger.publish(1).await.expect("publish");
    let store = ledger.store().clone();
    drop(ledger);
    let stranger = SignerKey::from_seed(ORIGIN, KeyKind::Ed25519, [6; 32]).expect("key");
    let refused = Ledger::open(store, stranger, LedgerConfig::default(), None).await;
    assert!(matches!(refused, Err(LedgerError::WrongKey(_))));
    drop(dir);
}

/// Many callers appending at once (group commit): every acknowledged event is stored once, the
/// indices are contiguous, and a caller whose events reuse an event ID is refused without
/// failing the callers it was grouped with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_grouped_without_mixing_outcomes() {
    let (ledger, org, _dir) = setup(LedgerConfig::default()).await;
    ledger.append(vec![event(0, org)]).await.expect("append");
    let clash = NewEvent {
        event_id: event(0, org).event_id,
        ..event(1_000_000, org)
    };
    let mut callers = tokio::task::JoinSet::new();
    for i in 1..=300u64 {
        let ledger = ledger.clone();
        let events = if i % 50 == 0 {
            vec![event(i, org), clash.clone()]
        } else {
            vec![event(i, org)]
        };
        callers.spawn(async move { (i, ledger.append(events).await) });
    }
    let mut indices = vec![0];
    let mut refused = Vec::new();
    while let Some(joined) = callers.join_next().await {
        let (i, outcome) = joined.expect("caller");
        match outcome {
            Ok(outcomes) => {
                assert_eq!(outcomes.len(), 1, "caller {i}");
                match outcomes[0] {
                    store::Appended::New { index } => indices.push(index),
                    ref other => panic!("caller {i}: {other:?}"),
                }
            }
            Err(LedgerError::Store(store::StoreError::EventIdsTaken(positions))) => {
                assert_eq!(positions, [1], "caller {i}");
                refused.push(i);
            }
            Err(other) => panic!("caller {i}: {other}"),
        }
    }
    refused.sort_unstable();
    assert_eq!(refused, [50, 100, 150, 200, 250, 300]);
    indices.sort_unstable();
    assert_eq!(indices, (0..295).collect::<Vec<u64>>());
    assert_eq!(
        ledger.store().log_state().await.expect("state").sequenced,
        295
    );
    for i in [49, 50, 51] {
        let stored = ledger
            .store()
            .event(&event(i, org).event_id)
            .await
            .expect("read");
        assert_eq!(stored.is_some(), i != 50, "event {i}");
    }
}

#[tokio::test]
async fn the_background_loop_publishes_soon_after_capture() {
    let config = LedgerConfig {
        publish_interval: Duration::from_millis(50),
        ..LedgerConfig::default()
    };
    let (ledger, org, _dir) = setup(config).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = tokio::spawn({
        let ledger = ledger.clone();
        async move { ledger.run(stopped).await }
    });
    for round in 0..3u64 {
        let events: Vec<NewEvent> = (round * 10..round * 10 + 10)
            .map(|i| event(i, org))
            .collect();
        ledger.append(events).await.expect("append");
        let published = ledger
            .wait_published((round + 1) * 10, Duration::from_secs(5))
            .await
            .expect("published in time");
        assert_eq!(published.checkpoint.size, (round + 1) * 10);
    }
    stop.send(true).expect("stop");
    runner.await.expect("loop ends");
}

#[tokio::test]
async fn audits_name_what_was_changed() {
    let (ledger, org, _dir) = setup(LedgerConfig::default()).await;
    ledger
        .append((0..300).map(|i| event(i, org)).collect())
        .await
        .expect("append");
    ledger.integrate().await.expect("integrate");
    ledger.publish(1).await.expect("publish");
    let store = ledger.store();
    audit(store, ledger.verifier(), &orgs(org), &rehash)
        .await
        .expect("clean audit");

    // One changed byte in one stored event.
    sqlx_exec(store, "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '\"n\":42}', '\"n\":43}') AS BLOB) WHERE log_index = 42").await;
    match audit(store, ledger.verifier(), &orgs(org), &rehash).await {
        Err(AuditFailure::Entry { index: 42, .. }) => {}
        other => panic!("expected entry 42 to fail, got {other:?}"),
    }
    sqlx_exec(store, "UPDATE events SET body = CAST(replace(CAST(body AS TEXT), '\"n\":43}', '\"n\":42}') AS BLOB) WHERE log_index = 42").await;
    audit(store, ledger.verifier(), &orgs(org), &rehash)
        .await
        .expect("restored");

    // One changed byte in a stored tile.
    sqlx_exec(store, "UPDATE tiles SET data = CAST(zeroblob(32) || substr(data, 33) AS BLOB) WHERE level = 0 AND idx = 0 AND width = 256").await;
    match audit(store, ledger.verifier(), &orgs(org), &rehash).await {
        Err(AuditFailure::Tile { coord, .. }) => assert_eq!(coord.path(), "tile/0/000"),
        other => panic!("expected the tile to fail, got {other:?}"),
    }
}

#[tokio::test]
async fn records_interleave_with_events_and_audits_check_them() {
    let (ledger, org, _dir) = setup(LedgerConfig::default()).await;
    ledger
        .append((0..2500).map(|i| event(i, org)).collect())
        .await
        .expect("append");
    let record = |id: &str| RecordEntry {
        kind: EntryKind::Recall,
        record_id: id.into(),
        org_id: org,
        org_public_id: "org-coop".into(),
        created_at: 1_775_030_400_000_000,
        body: format!("{{\"recall\":\"{id}\"}}").into_bytes(),
        subjects: vec!["https://id.gs1.org/01/06901234000017/10/L1".into()],
    };
    assert_eq!(
        ledger.append_record(record("R-1")).await.expect("record"),
        2500
    );
    ledger
        .append((2500..2600).map(|i| event(i, org)).collect())
        .await
        .expect("append");
    assert_eq!(
        ledger.append_record(record("R-2")).await.expect("record"),
        2601
    );
    assert!(matches!(
        ledger.append_record(record("two words")).await,
        Err(LedgerError::BadRecord(_))
    ));
    ledger.integrate().await.expect("integrate");
    ledger.publish(1).await.expect("publish");
    let store = ledger.store();
    let report = audit(store, ledger.verifier(), &orgs(org), &rehash)
        .await
        .expect("clean audit");
    assert_eq!(report.entries, 2602);

    // A record's inclusion proof verifies like an event's.
    let proof = ledger.tlog_proof(2500).await.expect("proof");
    assert_eq!(proof.index, 2500);

    sqlx_exec(
        store,
        "UPDATE records SET body = CAST('{\"recall\":\"R-9\"}' AS BLOB) WHERE log_index = 2601",
    )
    .await;
    match audit(store, ledger.verifier(), &orgs(org), &rehash).await {
        Err(AuditFailure::Entry { index: 2601, .. }) => {}
        other => panic!("expected entry 2601 to fail, got {other:?}"),
    }
}

async fn sqlx_exec(store: &SqliteStore, sql: &'static str) {
    sqlx::query(sql)
        .execute(store.write_pool())
        .await
        .expect("tamper");
}
