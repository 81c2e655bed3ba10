//! The shared conformance suite, plus PostgreSQL-specific checks, each against a fresh database
//! created on the server that `RETU_TEST_DATABASE_URL` names (for example
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped afterwards. Without the variable
//! the tests are skipped, with one line saying so.

use std::io::Write as _;
use std::str::FromStr;
use std::sync::Once;
use std::time::Instant;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use store::conformance::sample_event;
use store::{
    Appended, Condition, EventQuery, IdRole, NewEvent, NewOrg, Role, Store, StoreError,
    StoredCheckpoint, Visibility, Vocabulary,
};
use store_postgres::PgStore;
use tlog::{Hash, TileCoord};

const URL_VARIABLE: &str = "RETU_TEST_DATABASE_URL";

/// A database made for one test; dropping the guard closes the store's pool and drops the
/// database (`WITH (FORCE)`, so no leftover connection can keep it alive).
struct TestDatabase {
    admin: PgConnectOptions,
    name: String,
    store: Option<PgStore>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        let store = self.store.take();
        // Drop is synchronous and runs inside the test's runtime, which cannot be blocked on;
        // the cleanup gets a thread and a small runtime of its own.
        let cleanup = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                if let Some(store) = store {
                    store.close().await;
                }
                let mut connection = PgConnection::connect_with(&admin)
                    .await
                    .map_err(|e| e.to_string())?;
                connection
                    .execute(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
                    .await
                    .map_err(|e| e.to_string())?;
                connection.close().await.map_err(|e| e.to_string())
            })
        });
        let outcome = cleanup.join();
        if !matches!(outcome, Ok(Ok(()))) && !std::thread::panicking() {
            panic!("could not drop test database {}: {outcome:?}", self.name);
        }
    }
}

/// Creates an empty database with a random name; `extra` goes after `CREATE DATABASE name`.
async fn create_database(extra: &str) -> Option<(TestDatabase, PgConnectOptions)> {
    let Ok(url) = std::env::var(URL_VARIABLE) else {
        static SAID: Once = Once::new();
        // Written to stderr directly so that it shows even when the harness captures output.
        SAID.call_once(|| {
            let _ = writeln!(
                std::io::stderr(),
                "skipping PostgreSQL conformance tests: {URL_VARIABLE} is not set"
            );
        });
        return None;
    };
    let admin = PgConnectOptions::from_str(&url).expect("a PostgreSQL URL");
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).expect("random bytes");
    let name = format!("retu_test_{}", hex(&random));
    let mut connection = PgConnection::connect_with(&admin)
        .await
        .expect("connect to the test server");
    connection
        .execute(AssertSqlSafe(format!("CREATE DATABASE \"{name}\" {extra}")))
        .await
        .expect("create the test database");
    connection.close().await.expect("disconnect");
    let options = admin.clone().database(&name);
    Some((
        TestDatabase {
            admin,
            name,
            store: None,
        },
        options,
    ))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh store on a fresh database; `extra` as in [`create_database`].
async fn fresh_with(extra: &str) -> Option<(PgStore, TestDatabase)> {
    let (mut guard, options) = create_database(extra).await?;
    let store = PgStore::connect_with(PgPoolOptions::new().max_connections(4), options)
        .await
        .expect("connect the store");
    guard.store = Some(store.clone());
    Some((store, guard))
}

async fn fresh() -> Option<(PgStore, TestDatabase)> {
    fresh_with("").await
}

store::conformance_tests!(fresh);

// --- PostgreSQL-specific checks ---------------------------------------------------------------

async fn member(store: &PgStore, public_id: &str) -> i64 {
    store
        .create_org(NewOrg {
            public_id: public_id.into(),
            name: public_id.into(),
            role: Role::Member,
            county: None,
        })
        .await
        .expect("create org")
        .id
}

/// `PgStore::connect` takes a URL, runs the migrations once (a second connect finds them
/// applied) and every pooled connection commits synchronously, even where the database's own
/// default says otherwise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_migrates_and_commits_synchronously() {
    let Some((guard, options)) = create_database("").await else {
        return;
    };
    let mut admin = PgConnection::connect_with(&guard.admin).await.unwrap();
    admin
        .execute(AssertSqlSafe(format!(
            "ALTER DATABASE \"{}\" SET synchronous_commit = off",
            guard.name
        )))
        .await
        .unwrap();
    admin.close().await.unwrap();
    // A plain connection to that database gets the database's default ...
    let mut plain = PgConnection::connect_with(&options).await.unwrap();
    let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(&mut plain)
        .await
        .unwrap();
    assert_eq!(setting, "off");
    plain.close().await.unwrap();

    let url = options.to_url_lossy().to_string();
    let first = PgStore::connect(&url).await.unwrap();
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(first.pool())
        .await
        .unwrap();
    assert_eq!(database, guard.name);
    let id = member(&first, "org-a").await;
    first.close().await;
    let store = PgStore::connect(&url).await.unwrap();
    assert_eq!(store.org(id).await.unwrap().unwrap().public_id, "org-a");
    // ... but every connection of the store's pool commits synchronously.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(store.pool().acquire().await.unwrap());
    }
    for connection in &mut held {
        let setting: String = sqlx::query_scalar("SHOW synchronous_commit")
            .fetch_one(&mut **connection)
            .await
            .unwrap();
        assert_eq!(setting, "on");
    }
    drop(held);
    store.close().await;
    drop(guard);
}

/// Concurrent appenders (each on its own connection) queue on the log state row: every batch
/// gets a contiguous run of indices, the runs tile 0..total with no gap or overlap, and each
/// stored event sits at the index its batch was told.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_never_overlap() {
    let Some((store, guard)) = fresh().await else {
        return;
    };
    let org = member(&store, "org-a").await;
    const WRITERS: u64 = 6;
    const BATCHES: u64 = 5;
    const PER_BATCH: u64 = 40;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut runs = Vec::new();
            for batch in 0..BATCHES {
                let first = (writer * BATCHES + batch) * PER_BATCH;
                let events: Vec<NewEvent> = (first..first + PER_BATCH)
                    .map(|i| sample_event(i, org))
                    .collect();
                let outcome = store.append_events(&events).await.unwrap();
                runs.push((first, outcome));
            }
            runs
        }));
    }
    let mut starts = Vec::new();
    for task in tasks {
        for (first, outcome) in task.await.unwrap() {
            let start = outcome[0].index();
            for (offset, appended) in outcome.iter().enumerate() {
                assert_eq!(
                    *appended,
                    Appended::New {
                        index: start + offset as u64
                    }
                );
            }
            let stored = store
                .event(&sample_event(first + 7, org).event_id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stored.index, start + 7);
            assert_eq!(stored.leaf, sample_event(first + 7, org).leaf);
            starts.push(start);
        }
    }
    starts.sort_unstable();
    let total = WRITERS * BATCHES * PER_BATCH;
    assert_eq!(
        starts,
        (0..total).step_by(PER_BATCH as usize).collect::<Vec<_>>()
    );
    assert_eq!(store.log_state().await.unwrap().sequenced, total);
    assert_eq!(store.leaves(0, total).await.unwrap().len() as u64, total);
    drop(store);
    drop(guard);
}

/// An append naming an organisation that does not exist fails whole, as SQLite's foreign key
/// makes it fail there: nothing of the batch is stored and the log does not move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_for_unknown_organisations_store_nothing() {
    let Some((store, guard)) = fresh().await else {
        return;
    };
    let org = member(&store, "org-a").await;
    store.append_events(&[sample_event(0, org)]).await.unwrap();
    let failed = store
        .append_events(&[sample_event(1, org), sample_event(2, org + 1000)])
        .await;
    assert!(matches!(failed, Err(StoreError::Database(_))), "{failed:?}");
    assert_eq!(store.log_state().await.unwrap().sequenced, 1);
    assert!(
        store
            .event(&sample_event(1, org).event_id)
            .await
            .unwrap()
            .is_none()
    );
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM log_entries) + (SELECT count(*) FROM events) \
         + (SELECT count(*) FROM event_identifiers) + (SELECT count(*) FROM event_attributes)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let one = sample_event(0, org);
    assert_eq!(
        rows as usize,
        2 + one.identifiers.len() + one.attributes.len()
    );
    // Resending a stored event is still fine, and the next new one gets the next index.
    let outcome = store
        .append_events(&[sample_event(0, org), sample_event(1, org)])
        .await
        .unwrap();
    assert_eq!(outcome[1], Appended::New { index: 1 });
    drop(store);
    drop(guard);
}

/// Two racing writers of the same integration step or checkpoint: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_compare_and_swaps_have_one_winner() {
    let Some((store, guard)) = fresh().await else {
        return;
    };
    let org = member(&store, "org-a").await;
    // One entry per round below, so every round integrates within the sequenced size.
    store
        .append_events(&(0..5).map(|i| sample_event(i, org)).collect::<Vec<_>>())
        .await
        .unwrap();
    let tile = TileCoord {
        level: 0,
        index: 0,
        width: 4,
    };
    for round in 0..5u8 {
        let from = store.log_state().await.unwrap().integrated;
        let mut tasks = Vec::new();
        for racer in 0..4u8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let edge = [Hash([round * 4 + racer; 32])];
                store
                    .commit_integration(from, from + 1, &edge, &[(tile, vec![racer; 128])])
                    .await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
        assert_eq!(store.log_state().await.unwrap().integrated, from + 1);
    }

    for round in 0..5u64 {
        let previous = store.latest_checkpoint().await.unwrap().map(|c| c.size);
        let mut tasks = Vec::new();
        for racer in 0..4i64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let checkpoint = StoredCheckpoint {
                    size: round + 1,
                    note: format!("note {round} {racer}").into_bytes(),
                    published_at: racer,
                };
                store.publish_checkpoint(previous, &checkpoint).await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(store.latest_checkpoint().await.unwrap().unwrap().size, 5);
    drop(store);
    drop(guard);
}

/// In a database whose default collation is not bytewise (ICU English: `a < B`, punctuation
/// nearly ignored), prefixes still match exactly the strings that start with them, and lists
/// are still sorted bytewise, as in SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matching_and_sorting_ignore_the_database_collation() {
    let Some((store, guard)) =
        fresh_with("TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
            .await
    else {
        return;
    };
    // The premise: this database's own collation is not bytewise.
    let linguistic: bool = sqlx::query_scalar("SELECT 'a'::text < 'B'::text")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(linguistic);
    let org = member(&store, "org-a").await;
    let values = [
        "urn:x:a-1",
        "urn:x:A-1",
        "urn:x:a1",
        "urn:x:a-10",
        "urn:x:b",
        "urn:x:a-\u{10FFFF}",
        "urn:x:a-\u{D7FF}z",
        "urn:x:a.1",
    ];
    let events: Vec<NewEvent> = values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let mut event = sample_event(i as u64, org);
            event.identifiers = vec![(IdRole::Epc, (*value).into())];
            event.biz_step = Some((*value).into());
            event
        })
        .collect();
    store.append_events(&events).await.unwrap();
    let matching = |prefix: &'static str| {
        let store = store.clone();
        async move {
            let mut query = EventQuery::all(Visibility::All, 100);
            query.conditions = vec![Condition::Identifier {
                roles: vec![IdRole::Epc],
                values: vec![],
                prefixes: vec![prefix.into()],
            }];
            let found = store.query_events(&query).await.unwrap();
            found.iter().map(|e| e.index).collect::<Vec<_>>()
        }
    };
    for prefix in [
        "urn:x:a-",
        "urn:x:a",
        "urn:x:A",
        "urn:x:a-1",
        "urn:x:a-\u{D7FF}",
        "urn:x:a-\u{10FFFF}",
        "",
    ] {
        let expected: Vec<u64> = (0..values.len() as u64)
            .filter(|&i| values[i as usize].starts_with(prefix))
            .collect();
        assert_eq!(matching(prefix).await, expected, "prefix {prefix:?}");
    }
    let mut sorted: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    sorted.sort();
    assert_eq!(
        store
            .vocabulary(Vocabulary::BizSteps, &Visibility::All)
            .await
            .unwrap(),
        sorted
    );
    drop(store);
    drop(guard);
}

/// Bulk appends are one statement per table: 10,000 events with their identifiers and
/// attributes go in well under the time a row-at-a-time insert would take, and an identifier
/// lookup afterwards uses the index rather than reading the table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_appends_are_fast_and_lookups_use_indexes() {
    let Some((store, guard)) = fresh().await else {
        return;
    };
    let org = member(&store, "org-a").await;
    let batch: Vec<NewEvent> = (0..10_000).map(|i| sample_event(i, org)).collect();
    let started = Instant::now();
    let outcome = store.append_events(&batch).await.unwrap();
    let took = started.elapsed();
    let _ = writeln!(std::io::stderr(), "10,000-event append took {took:?}");
    assert_eq!(outcome.len(), 10_000);
    assert!(took.as_secs_f64() < 5.0, "append took {took:?}");
    // Resending the whole batch stores nothing and costs one lookup.
    let again = store
        .append_events(
            &(0..10_000)
                .map(|i| sample_event(i, org))
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    assert!(
        again
            .iter()
            .enumerate()
            .all(|(i, o)| matches!(o, Appended::Existing { index, .. } if *index == i as u64))
    );
    assert_eq!(store.log_state().await.unwrap().sequenced, 10_000);

    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT log_index FROM event_identifiers \
         WHERE value >= 'https://id.gs1.org/01/06901234000017/21/S999' \
         AND value < 'https://id.gs1.org/01/06901234000017/21/S99:' AND role = 'epc'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(plan.contains("event_identifiers_value"), "{plan}");
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT log_index FROM event_attributes \
         WHERE name = 'ilmd:lotNumber' AND value = ANY(ARRAY['LOT7'])",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let plan = plan.join("\n");
    assert!(!plan.contains("Seq Scan"), "{plan}");
    drop(store);
    drop(guard);
}
