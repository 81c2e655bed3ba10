//! Witnessed publishing: the log asks independent witnesses to cosign before it publishes, a
//! missing quorum stops publishing, a restarted log resynchronises, and a forked log (a split
//! view) is refused by a witness that saw the other branch.

use std::sync::Arc;
use std::time::Duration;

use ledger::witness::{BoxFuture, Cosigner, LocalWitness};
use ledger::{Ledger, LedgerConfig, LedgerError, Witnesses};
use store::{IdRole, NewEvent, NewOrg, Role, Store};
use store_sqlite::SqliteStore;
use tlog::witness::WitnessedLog;
use tlog::{KeyKind, Policy, SignerKey, VerifierKey, leaf_hash};

const ORIGIN: &str = "county.example/log";

fn log_key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, KeyKind::Ed25519, [5; 32]).expect("key")
}

fn witness_key(name: &str, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, KeyKind::CosignatureV1, [seed; 32]).expect("key")
}

fn event(tag: &str, i: u64, org_id: i64) -> NewEvent {
    let body = format!("{{\"{tag}\":{i}}}").into_bytes();
    let hash = format!("ni:///sha-256;{}{i:056x}?ver=CBV2.0", &"abcdef01"[..8]);
    let leaf = format!("{tag} {i}\n").into_bytes();
    NewEvent {
        event_id: format!("{tag}-{i}"),
        event_hash: hash,
        org_id,
        shared: true,
        event_type: "ObjectEvent".into(),
        event_time: 0,
        record_time: 0,
        action: None,
        biz_step: None,
        disposition: None,
        read_point: None,
        biz_location: None,
        identifiers: vec![(IdRole::Epc, format!("urn:test:{i}"))],
        attributes: vec![],
        fields: 0,
        body,
        leaf,
    }
}

struct Fixture {
    store: SqliteStore,
    org: i64,
    _dir: tempfile::TempDir,
}

async fn fresh_store() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("retu.db"))
        .await
        .expect("open");
    let org = store
        .create_org(NewOrg {
            public_id: "org-coop".into(),
            name: "coop".into(),
            role: Role::Member,
            county: None,
        })
        .await
        .expect("org")
        .id;
    Fixture {
        store,
        org,
        _dir: dir,
    }
}

fn policy(quorum: &str, witnesses: &[&VerifierKey]) -> Policy {
    let mut text = format!("log {}\n", log_key().verifier());
    for (n, key) in witnesses.iter().enumerate() {
        text.push_str(&format!("witness w{} {key}\n", n + 1));
    }
    text.push_str(quorum);
    Policy::parse(&text).expect("policy")
}

fn local_witness(dir: &std::path::Path, name: &str, seed: u8) -> Arc<LocalWitness> {
    let logs = vec![WitnessedLog {
        origin: ORIGIN.into(),
        keys: vec![log_key().verifier()],
    }];
    Arc::new(LocalWitness::open(dir, witness_key(name, seed), logs).expect("witness"))
}

/// A witness that never answers in time.
struct Unreachable(VerifierKey);

impl Cosigner for Unreachable {
    fn key(&self) -> &VerifierKey {
        &self.0
    }
    fn add_checkpoint(&self, _body: Vec<u8>) -> BoxFuture<'_, Result<(u16, Vec<u8>), String>> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Err("unreachable".into())
        })
    }
}

async fn ledger(fixture: &Fixture, witnesses: Witnesses) -> Ledger<SqliteStore> {
    Ledger::open(
        fixture.store.clone(),
        log_key(),
        LedgerConfig::default(),
        Some(witnesses),
    )
    .await
    .expect("ledger")
}

#[tokio::test]
async fn published_checkpoints_carry_the_quorum_and_proofs_verify() {
    let states = tempfile::tempdir().expect("tempdir");
    let w1 = local_witness(&states.path().join("w1"), "regulator.example/w", 11);
    let w2 = local_witness(&states.path().join("w2"), "consumers.example/w", 12);
    let policy = policy(
        "group both 2 w1 w2\nquorum both\n",
        &[w1.verifier(), w2.verifier()],
    );
    let policy_text = format!(
        "log {}\nwitness w1 {}\nwitness w2 {}\ngroup both 2 w1 w2\nquorum both\n",
        log_key().verifier(),
        w1.verifier(),
        w2.verifier()
    );
    let fixture = fresh_store().await;
    let log = ledger(
        &fixture,
        Witnesses {
            policy,
            cosigners: vec![w1.clone(), w2.clone()],
            timeout: Duration::from_secs(2),
        },
    )
    .await;
    let consumer_policy = Policy::parse(&policy_text).expect("policy");
    for round in 0..3u64 {
        let events: Vec<NewEvent> = (round * 100..round * 100 + 100)
            .map(|i| event("a", i, fixture.org))
            .collect();
        log.append(events.clone()).await.expect("append");
        log.integrate().await.expect("integrate");
        let published = log.publish(1).await.expect("publish").expect("grew");
        assert_eq!(published.checkpoint.size, (round + 1) * 100);
        let proof = log.tlog_proof(round * 100 + 7).await.expect("proof");
        let verified = proof
            .verify(&leaf_hash(&events[7].leaf), &consumer_policy)
            .expect("verified by both witnesses");
        assert_eq!(verified.cosigned.len(), 2);
    }
    assert_eq!(w1.state(ORIGIN).expect("state").map(|s| s.size), Some(300));
    assert!(w2.latest_checkpoint(ORIGIN).expect("checkpoint").is_some());

    // A restarted log knows nothing of the witnesses' sizes: they answer 409 with their size
    // and the log resynchronises.
    drop(log);
    let restarted = ledger(
        &fixture,
        Witnesses {
            policy: Policy::parse(&policy_text).expect("policy"),
            cosigners: vec![w1.clone(), w2.clone()],
            timeout: Duration::from_secs(2),
        },
    )
    .await;
    restarted
        .append(vec![event("a", 300, fixture.org)])
        .await
        .expect("append");
    restarted.integrate().await.expect("integrate");
    let published = restarted
        .publish(2)
        .await
        .expect("publish after restart")
        .expect("grew");
    assert_eq!(published.checkpoint.size, 301);
}

#[tokio::test]
async fn without_the_quorum_nothing_is_published() {
    let states = tempfile::tempdir().expect("tempdir");
    let w1 = local_witness(&states.path().join("w1"), "regulator.example/w", 11);
    let offline = Arc::new(Unreachable(
        witness_key("consumers.example/w", 12).verifier(),
    ));
    let fixture = fresh_store().await;
    let log = ledger(
        &fixture,
        Witnesses {
            policy: policy(
                "group both all w1 w2\nquorum both\n",
                &[w1.verifier(), offline.key()],
            ),
            cosigners: vec![w1.clone(), offline],
            timeout: Duration::from_millis(200),
        },
    )
    .await;
    log.append(vec![event("a", 0, fixture.org)])
        .await
        .expect("append");
    log.integrate().await.expect("integrate");
    assert!(matches!(
        log.publish(1).await,
        Err(LedgerError::QuorumNotMet(_))
    ));
    assert!(log.latest().is_none());
    assert!(
        fixture
            .store
            .latest_checkpoint()
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn a_split_view_is_refused_by_the_witness() {
    let states = tempfile::tempdir().expect("tempdir");
    let witness = local_witness(&states.path().join("w1"), "regulator.example/w", 11);
    let make_policy = || policy("quorum w1\n", &[witness.verifier()]);
    // The honest branch: five events, witnessed.
    let honest = fresh_store().await;
    let log_a = ledger(
        &honest,
        Witnesses {
            policy: make_policy(),
            cosigners: vec![witness.clone()],
            timeout: Duration::from_secs(2),
        },
    )
    .await;
    log_a
        .append((0..5).map(|i| event("a", i, honest.org)).collect())
        .await
        .expect("append");
    log_a.integrate().await.expect("integrate");
    log_a.publish(1).await.expect("publish").expect("grew");

    // The same key signs a different history (one entry changed) and asks the same witness.
    let forked = fresh_store().await;
    let log_b = ledger(
        &forked,
        Witnesses {
            policy: make_policy(),
            cosigners: vec![witness.clone()],
            timeout: Duration::from_secs(2),
        },
    )
    .await;
    let mut events: Vec<NewEvent> = (0..6).map(|i| event("a", i, forked.org)).collect();
    events[2] = event("b", 2, forked.org);
    log_b.append(events).await.expect("append");
    log_b.integrate().await.expect("integrate");
    match log_b.publish(1).await {
        Err(LedgerError::QuorumNotMet(_)) => {}
        other => panic!("the fork must not be witnessed: {other:?}"),
    }
    assert_eq!(
        witness.state(ORIGIN).expect("state").map(|s| s.size),
        Some(5)
    );

    // The witness's verdict, asked directly: 422 for the inconsistent proof.
    let proof = log_b.consistency_proof(5, 6).await.expect("proof");
    let forked_state = forked.store.log_state().await.expect("state");
    let root = tlog::CompactRange::from_parts(6, forked_state.edge)
        .expect("edge")
        .root();
    let mut note = tlog::Note::new(
        tlog::Checkpoint {
            origin: ORIGIN.into(),
            size: 6,
            root,
            extensions: String::new(),
        }
        .to_text(),
    )
    .expect("note");
    note.sign(&log_key()).expect("sign");
    let body = tlog::AddCheckpointRequest {
        old_size: 5,
        proof,
        checkpoint: note.to_bytes(),
    }
    .to_bytes();
    let decision = witness.handle(&body, 1).await.expect("decision");
    assert_eq!(decision.status, 422);
}
