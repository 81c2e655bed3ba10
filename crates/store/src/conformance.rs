//! The conformance suite: the behaviour every [`Store`] backend must show. Each backend's tests
//! call [`conformance_tests!`](crate::conformance_tests) with a function that makes a fresh,
//! empty store, and get one `#[tokio::test]` per check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tlog::{Hash, TileCoord};

use crate::{
    Appended, CaptureJob, Column, Condition, EventQuery, IdRole, JobState, NewEvent, NewOrg,
    NewRecord, Order, Role, ScanCount, ScanTotals, Store, StoreError, StoredCheckpoint, TimeField,
    Visibility, Vocabulary,
};

/// Generates one `#[tokio::test]` per conformance check. `$make` is an async function
/// returning `Option<(S, G)>`: a fresh store and a guard that cleans up after it when dropped
/// (a temporary folder, a temporary database). `None` skips the checks (for example PostgreSQL
/// without a database URL; the function should print why).
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make,
            organisations_and_tokens,
            assets_have_one_owner,
            append_sequences_contiguously,
            resends_are_not_stored_twice,
            queries_filter_order_and_page,
            visibility_limits_what_is_seen,
            vocabularies_list_distinct_values,
            capture_jobs_round_trip,
            integration_is_compare_and_swap,
            checkpoints_are_compare_and_swap,
            large_batches_stay_contiguous,
            unknown_organisations_store_nothing,
            reused_event_ids_store_nothing,
            records_share_the_log_and_are_found_by_subject,
            scans_add_up_per_code_hour_and_time_zone,
            scan_activity_is_found_by_code_prefix_and_time,
            large_scan_batches_add_up,
            users_have_unique_logins,
            sessions_expire_and_end,
            passwords_change_and_other_sessions_end,
            people_are_listed_by_organisation,
            specialists_see_their_assigned_counties,
            invitations_are_used_once,
            concurrent_redemptions_have_one_winner,
            master_locations_are_assets_of_their_organisation,
            products_and_their_gtins,
            counters_never_give_a_number_twice,
            concurrent_product_creations_get_distinct_gtins,
        );
    };
    (@each $make:path, $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                if let Some((store, guard)) = $make().await {
                    $crate::conformance::$check(store).await;
                    drop(guard);
                }
            }
        )*
    };
}

/// 2026-04-01T08:00:00Z in microseconds.
const APRIL_FIRST: i64 = 1_775_030_400_000_000;
const HOUR: i64 = 3_600_000_000;

async fn org<S: Store>(store: &S, public_id: &str, role: Role, county: Option<&str>) -> i64 {
    store
        .create_org(NewOrg {
            public_id: public_id.into(),
            name: format!("{public_id} name"),
            role,
            county: county.map(Into::into),
        })
        .await
        .expect("create org")
        .id
}

/// A small event: `i` picks the times, step and identifiers so that queries can tell them apart.
pub fn sample_event(i: u64, org_id: i64) -> NewEvent {
    let lot = format!("https://id.gs1.org/01/06901234000017/10/LOT{}", i % 3);
    NewEvent {
        event_id: format!("ni:///sha-256;{i:064x}?ver=CBV2.0"),
        event_hash: format!("ni:///sha-256;{i:064x}?ver=CBV2.0"),
        org_id,
        shared: i.is_multiple_of(4),
        event_type: if i.is_multiple_of(2) {
            "ObjectEvent"
        } else {
            "AggregationEvent"
        }
        .into(),
        event_time: APRIL_FIRST + (i as i64) * HOUR,
        record_time: APRIL_FIRST + 1000 * HOUR + (i as i64),
        action: Some(
            if i.is_multiple_of(2) {
                "ADD"
            } else {
                "OBSERVE"
            }
            .into(),
        ),
        biz_step: Some(format!(
            "https://ref.gs1.org/cbv/BizStep-{}",
            ["commissioning", "packing", "shipping"][(i % 3) as usize]
        )),
        disposition: Some("https://ref.gs1.org/cbv/Disp-active".into()),
        read_point: Some(format!("https://id.gs1.org/414/690123400001{}", i % 2)),
        biz_location: Some("https://id.gs1.org/414/6901234000024".into()),
        identifiers: vec![
            (
                IdRole::Epc,
                format!("https://id.gs1.org/01/06901234000017/21/S{i}"),
            ),
            (IdRole::Quantity, lot.clone()),
        ],
        attributes: vec![
            (
                "bizTransaction:https://ref.gs1.org/cbv/BTT-po".into(),
                format!("urn:po:{}", i % 5),
            ),
            ("ilmd:lotNumber".into(), format!("LOT{}", i % 3)),
            ("has".into(), "example:note".into()),
        ],
        // Bit 0 on every event, bit 1 on every third.
        fields: 1 | if i.is_multiple_of(3) { 2 } else { 0 },
        body: format!("{{\"type\":\"ObjectEvent\",\"n\":{i}}}").into_bytes(),
        leaf: format!("leaf {i}\n").into_bytes(),
    }
}

pub async fn organisations_and_tokens<S: Store>(store: S) {
    let id = org(&store, "org-coop", Role::Member, Some("Hechi")).await;
    let duplicate = store
        .create_org(NewOrg {
            public_id: "org-coop".into(),
            name: "again".into(),
            role: Role::Member,
            county: None,
        })
        .await;
    assert!(
        matches!(duplicate, Err(StoreError::Conflict(_))),
        "{duplicate:?}"
    );
    let found = store
        .org_by_public_id("org-coop")
        .await
        .unwrap()
        .expect("by public id");
    assert_eq!(found.id, id);
    assert_eq!(found.county.as_deref(), Some("Hechi"));
    assert_eq!(store.org(id).await.unwrap(), Some(found.clone()));
    assert_eq!(store.org(id + 1000).await.unwrap(), None);
    store
        .add_token(id, [7; 32], "api", APRIL_FIRST)
        .await
        .unwrap();
    assert_eq!(store.org_by_token([7; 32]).await.unwrap(), Some(found));
    assert_eq!(store.org_by_token([8; 32]).await.unwrap(), None);
    org(&store, "org-admin", Role::Admin, None).await;
    let all = store.orgs().await.unwrap();
    assert_eq!(
        all.iter().map(|o| o.public_id.as_str()).collect::<Vec<_>>(),
        ["org-coop", "org-admin"]
    );
}

pub async fn assets_have_one_owner<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    let b = org(&store, "org-b", Role::Member, None).await;
    store.add_company_prefix(a, "6901234").await.unwrap();
    store.add_company_prefix(a, "6901234").await.unwrap(); // idempotent for its owner
    let taken = store.add_company_prefix(b, "6901234").await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    store
        .add_location(a, "https://id.gs1.org/414/6901234000024")
        .await
        .unwrap();
    let taken = store
        .add_location(b, "https://id.gs1.org/414/6901234000024")
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    let assets = store.org_assets(a).await.unwrap();
    assert_eq!(assets.company_prefixes, ["6901234"]);
    assert_eq!(assets.locations, ["https://id.gs1.org/414/6901234000024"]);
    assert!(
        store
            .org_assets(b)
            .await
            .unwrap()
            .company_prefixes
            .is_empty()
    );
}

pub async fn append_sequences_contiguously<S: Store>(store: S) {
    let id = org(&store, "org-a", Role::Member, None).await;
    let first = store
        .append_events(&(0..3).map(|i| sample_event(i, id)).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(
        first,
        (0..3)
            .map(|index| Appended::New { index })
            .collect::<Vec<_>>()
    );
    let second = store
        .append_events(&(3..5).map(|i| sample_event(i, id)).collect::<Vec<_>>())
        .await
        .unwrap();
    assert_eq!(
        second,
        vec![Appended::New { index: 3 }, Appended::New { index: 4 }]
    );
    let state = store.log_state().await.unwrap();
    assert_eq!((state.sequenced, state.integrated), (5, 0));
    let leaves = store.leaves(1, 4).await.unwrap();
    assert_eq!(
        leaves,
        (1..4).map(|i| sample_event(i, id).leaf).collect::<Vec<_>>()
    );
    let stored = store
        .event(&sample_event(2, id).event_id)
        .await
        .unwrap()
        .expect("event");
    assert_eq!(stored.index, 2);
    assert_eq!(stored.body, sample_event(2, id).body);
    assert_eq!(stored.leaf, sample_event(2, id).leaf);
    assert_eq!(stored.event_time, sample_event(2, id).event_time);
    assert!(store.event("urn:uuid:nope").await.unwrap().is_none());
    let from = store.events_from(3, 10).await.unwrap();
    assert_eq!(from.iter().map(|e| e.index).collect::<Vec<_>>(), [3, 4]);
    assert!(store.append_events(&[]).await.unwrap().is_empty());
}

pub async fn resends_are_not_stored_twice<S: Store>(store: S) {
    let id = org(&store, "org-a", Role::Member, None).await;
    store.append_events(&[sample_event(0, id)]).await.unwrap();
    let again = store
        .append_events(&[
            sample_event(0, id),
            sample_event(1, id),
            sample_event(1, id),
        ])
        .await
        .unwrap();
    let hash0 = sample_event(0, id).event_hash;
    let hash1 = sample_event(1, id).event_hash;
    assert_eq!(
        again,
        vec![
            Appended::Existing {
                index: 0,
                event_hash: hash0
            },
            Appended::New { index: 1 },
            Appended::Existing {
                index: 1,
                event_hash: hash1
            },
        ]
    );
    assert_eq!(store.log_state().await.unwrap().sequenced, 2);
    assert_eq!(store.leaves(0, 2).await.unwrap().len(), 2);
}

fn ids(events: &[crate::StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.index).collect()
}

pub async fn queries_filter_order_and_page<S: Store>(store: S) {
    let id = org(&store, "org-a", Role::Member, None).await;
    store
        .append_events(&(0..12).map(|i| sample_event(i, id)).collect::<Vec<_>>())
        .await
        .unwrap();
    let run = |conditions: Vec<Condition>| {
        let store = store.clone();
        async move {
            let mut query = EventQuery::all(Visibility::All, 100);
            query.conditions = conditions;
            ids(&store.query_events(&query).await.unwrap())
        }
    };
    assert_eq!(run(vec![]).await, (0..12).collect::<Vec<_>>());
    assert_eq!(
        run(vec![Condition::EventType(vec!["AggregationEvent".into()])]).await,
        [1, 3, 5, 7, 9, 11]
    );
    assert_eq!(
        run(vec![
            Condition::TimeAtLeast(TimeField::EventTime, APRIL_FIRST + 3 * HOUR),
            Condition::TimeBefore(TimeField::EventTime, APRIL_FIRST + 6 * HOUR),
        ])
        .await,
        [3, 4, 5]
    );
    assert_eq!(
        run(vec![Condition::TimeAtLeast(
            TimeField::RecordTime,
            APRIL_FIRST + 1000 * HOUR + 10
        )])
        .await,
        [10, 11]
    );
    assert_eq!(
        run(vec![Condition::ColumnIn(
            Column::Action,
            vec!["ADD".into()]
        )])
        .await,
        [0, 2, 4, 6, 8, 10]
    );
    assert_eq!(
        run(vec![Condition::ColumnIn(
            Column::BizStep,
            vec!["https://ref.gs1.org/cbv/BizStep-shipping".into()]
        )])
        .await,
        [2, 5, 8, 11]
    );
    assert_eq!(
        run(vec![Condition::ColumnIn(
            Column::EventId,
            vec![sample_event(7, id).event_id]
        )])
        .await,
        [7]
    );
    assert_eq!(
        run(vec![Condition::Identifier {
            roles: vec![IdRole::Epc, IdRole::Child],
            values: vec!["https://id.gs1.org/01/06901234000017/21/S4".into()],
            prefixes: vec![],
        }])
        .await,
        [4]
    );
    assert_eq!(
        run(vec![Condition::Identifier {
            roles: vec![IdRole::Epc],
            values: vec![],
            prefixes: vec!["https://id.gs1.org/01/06901234000017/21/S1".into()],
        }])
        .await,
        [1, 10, 11]
    );
    // An identifier in another role does not match.
    assert!(
        run(vec![Condition::Identifier {
            roles: vec![IdRole::Parent],
            values: vec!["https://id.gs1.org/01/06901234000017/21/S4".into()],
            prefixes: vec![],
        }])
        .await
        .is_empty()
    );
    assert_eq!(
        run(vec![Condition::Identifier {
            roles: vec![IdRole::Quantity],
            values: vec!["https://id.gs1.org/01/06901234000017/10/LOT2".into()],
            prefixes: vec![],
        }])
        .await,
        [2, 5, 8, 11]
    );
    assert_eq!(
        run(vec![Condition::Attribute {
            name: "ilmd:lotNumber".into(),
            values: vec!["LOT1".into()]
        }])
        .await,
        [1, 4, 7, 10]
    );
    assert_eq!(
        run(vec![
            Condition::Attribute {
                name: "bizTransaction:https://ref.gs1.org/cbv/BTT-po".into(),
                values: vec!["urn:po:0".into(), "urn:po:1".into()]
            },
            Condition::EventType(vec!["ObjectEvent".into()]),
        ])
        .await,
        [0, 6, 10]
    );
    assert_eq!(
        run(vec![Condition::Attribute {
            name: "has".into(),
            values: vec!["example:note".into()]
        }])
        .await
        .len(),
        12
    );
    assert_eq!(run(vec![Condition::FieldsPresent(1)]).await.len(), 12);
    assert_eq!(run(vec![Condition::FieldsPresent(3)]).await, [0, 3, 6, 9]);
    assert!(run(vec![Condition::FieldsPresent(4)]).await.is_empty());

    // Order, direction and paging: pages of 5 by event time descending cover everything once.
    let mut query = EventQuery::all(Visibility::All, 5);
    query.order = Order::EventTime;
    query.descending = true;
    let mut seen = Vec::new();
    loop {
        let page = store.query_events(&query).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = page.last().unwrap();
        query.after = Some((last.event_time, last.index));
        seen.extend(ids(&page));
    }
    assert_eq!(seen, (0..12).rev().collect::<Vec<_>>());
    let mut query = EventQuery::all(Visibility::All, 4);
    query.order = Order::RecordTime;
    query.after = Some((APRIL_FIRST + 1000 * HOUR + 5, 5));
    assert_eq!(
        ids(&store.query_events(&query).await.unwrap()),
        [6, 7, 8, 9]
    );
    let mut query = EventQuery::all(Visibility::All, 3);
    query.after = Some((0, 9));
    assert_eq!(ids(&store.query_events(&query).await.unwrap()), [10, 11]);
}

pub async fn visibility_limits_what_is_seen<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, Some("Hechi")).await;
    let b = org(&store, "org-b", Role::Member, Some("Ganzhou")).await;
    let mut events: Vec<NewEvent> = (0..4).map(|i| sample_event(i, a)).collect();
    events.extend((4..8).map(|i| sample_event(i, b)));
    store.append_events(&events).await.unwrap();
    let seen = |visibility: Visibility| {
        let store = store.clone();
        async move {
            ids(&store
                .query_events(&EventQuery::all(visibility, 100))
                .await
                .unwrap())
        }
    };
    // Events 0 and 4 are shared (i % 4 == 0).
    assert_eq!(seen(Visibility::All).await, (0..8).collect::<Vec<_>>());
    assert_eq!(seen(Visibility::Org(a)).await, [0, 1, 2, 3, 4]);
    assert_eq!(seen(Visibility::Org(b)).await, [0, 4, 5, 6, 7]);
    assert_eq!(
        seen(Visibility::County("Ganzhou".into())).await,
        [0, 4, 5, 6, 7]
    );
    assert_eq!(seen(Visibility::SharedOnly).await, [0, 4]);
    // A county's own records: not the shared events of another county's organisations.
    let mut own = EventQuery::all(Visibility::County("Ganzhou".into()), 100);
    own.conditions
        .push(Condition::RecordedInCounty("Ganzhou".into()));
    assert_eq!(ids(&store.query_events(&own).await.unwrap()), [4, 5, 6, 7]);
    own.conditions = vec![Condition::RecordedInCounty("Nowhere".into())];
    assert!(store.query_events(&own).await.unwrap().is_empty());
}

pub async fn vocabularies_list_distinct_values<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    store
        .append_events(&(0..6).map(|i| sample_event(i, a)).collect::<Vec<_>>())
        .await
        .unwrap();
    let types = store
        .vocabulary(Vocabulary::EventTypes, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(types, ["AggregationEvent", "ObjectEvent"]);
    let steps = store
        .vocabulary(Vocabulary::BizSteps, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(steps.len(), 3);
    let read_points = store
        .vocabulary(Vocabulary::ReadPoints, &Visibility::SharedOnly)
        .await
        .unwrap();
    assert_eq!(read_points, ["https://id.gs1.org/414/6901234000010"]);
    let dispositions = store
        .vocabulary(Vocabulary::Dispositions, &Visibility::All)
        .await
        .unwrap();
    assert_eq!(dispositions, ["https://ref.gs1.org/cbv/Disp-active"]);
    let locations = store
        .vocabulary(Vocabulary::BizLocations, &Visibility::Org(a))
        .await
        .unwrap();
    assert_eq!(locations, ["https://id.gs1.org/414/6901234000024"]);
}

pub async fn capture_jobs_round_trip<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    let mut job = CaptureJob {
        id: "job-1".into(),
        org_id: a,
        state: JobState::Running,
        stored: 0,
        errors: String::new(),
        created_at: APRIL_FIRST,
        finished_at: None,
    };
    store.create_job(&job).await.unwrap();
    assert_eq!(store.job("job-1").await.unwrap(), Some(job.clone()));
    job.state = JobState::Failed;
    job.errors = r#"[{"type":"x"}]"#.into();
    job.finished_at = Some(APRIL_FIRST + 5);
    store.finish_job(&job).await.unwrap();
    assert_eq!(store.job("job-1").await.unwrap(), Some(job.clone()));
    assert_eq!(store.job("job-2").await.unwrap(), None);
    let missing = store
        .finish_job(&CaptureJob {
            id: "job-2".into(),
            ..job
        })
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

pub async fn integration_is_compare_and_swap<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    store
        .append_events(&(0..3).map(|i| sample_event(i, a)).collect::<Vec<_>>())
        .await
        .unwrap();
    let tile = TileCoord {
        level: 0,
        index: 0,
        width: 3,
    };
    let edge = vec![Hash([1; 32]), Hash([2; 32])];
    store
        .commit_integration(0, 3, &edge, &[(tile, vec![9; 96])])
        .await
        .unwrap();
    let state = store.log_state().await.unwrap();
    assert_eq!(
        (state.sequenced, state.integrated, state.edge),
        (3, 3, edge.clone())
    );
    let lost = store.commit_integration(0, 3, &edge, &[]).await;
    assert!(matches!(lost, Err(StoreError::Conflict(_))), "{lost:?}");
    // Integration can neither run ahead of sequencing nor go backwards.
    let ahead = store.commit_integration(3, 4, &edge, &[]).await;
    assert!(matches!(ahead, Err(StoreError::Conflict(_))), "{ahead:?}");
    let backwards = store.commit_integration(3, 2, &edge, &[]).await;
    assert!(
        matches!(backwards, Err(StoreError::Conflict(_))),
        "{backwards:?}"
    );
    assert_eq!(store.log_state().await.unwrap().integrated, 3);
    let missing = TileCoord {
        level: 0,
        index: 0,
        width: 4,
    };
    assert_eq!(
        store.tiles(&[tile, missing]).await.unwrap(),
        vec![Some(vec![9; 96]), None]
    );
    // A tile written again with the same coordinates keeps one copy.
    store.append_events(&[sample_event(3, a)]).await.unwrap();
    store
        .commit_integration(
            3,
            4,
            &[Hash([3; 32])],
            &[(
                TileCoord {
                    level: 0,
                    index: 0,
                    width: 4,
                },
                vec![8; 128],
            )],
        )
        .await
        .unwrap();
    assert_eq!(
        store.tiles(&[missing]).await.unwrap(),
        vec![Some(vec![8; 128])]
    );
    assert_eq!(store.tiles(&[tile]).await.unwrap(), vec![Some(vec![9; 96])]);
}

pub async fn checkpoints_are_compare_and_swap<S: Store>(store: S) {
    assert_eq!(store.latest_checkpoint().await.unwrap(), None);
    let first = StoredCheckpoint {
        size: 3,
        note: b"note 3".to_vec(),
        published_at: APRIL_FIRST,
    };
    store.publish_checkpoint(None, &first).await.unwrap();
    let second = StoredCheckpoint {
        size: 5,
        note: b"note 5".to_vec(),
        published_at: APRIL_FIRST + 1,
    };
    let lost = store.publish_checkpoint(None, &second).await;
    assert!(matches!(lost, Err(StoreError::Conflict(_))), "{lost:?}");
    let lost = store.publish_checkpoint(Some(4), &second).await;
    assert!(matches!(lost, Err(StoreError::Conflict(_))), "{lost:?}");
    store.publish_checkpoint(Some(3), &second).await.unwrap();
    assert_eq!(
        store.latest_checkpoint().await.unwrap(),
        Some(second.clone())
    );
    // Republishing the same size (a fresh timestamp while idle) is allowed.
    let again = StoredCheckpoint {
        published_at: APRIL_FIRST + 2,
        ..second
    };
    store.publish_checkpoint(Some(5), &again).await.unwrap();
    assert_eq!(store.latest_checkpoint().await.unwrap(), Some(again));
}

pub async fn large_batches_stay_contiguous<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    let batch: Vec<NewEvent> = (0..10_000).map(|i| sample_event(i, a)).collect();
    let outcome = store.append_events(&batch).await.unwrap();
    assert_eq!(outcome.len(), 10_000);
    assert!(
        outcome
            .iter()
            .enumerate()
            .all(|(i, o)| *o == Appended::New { index: i as u64 })
    );
    assert_eq!(store.log_state().await.unwrap().sequenced, 10_000);
    let mut query = EventQuery::all(Visibility::All, 10);
    query.conditions = vec![Condition::Identifier {
        roles: vec![IdRole::Epc],
        values: vec!["https://id.gs1.org/01/06901234000017/21/S9999".into()],
        prefixes: vec![],
    }];
    assert_eq!(ids(&store.query_events(&query).await.unwrap()), [9999]);
}

pub async fn unknown_organisations_store_nothing<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    let failed = store
        .append_events(&[sample_event(0, a), sample_event(1, a + 1000)])
        .await;
    assert!(
        failed.is_err(),
        "an event of an unknown organisation must fail the batch"
    );
    assert_eq!(store.log_state().await.unwrap().sequenced, 0);
    assert!(
        store
            .event(&sample_event(0, a).event_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.leaves(0, 1).await.unwrap().is_empty());
}

pub async fn reused_event_ids_store_nothing<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    store.append_events(&[sample_event(0, a)]).await.unwrap();
    let different = |i: u64, id_of: u64| NewEvent {
        event_id: sample_event(id_of, a).event_id,
        ..sample_event(i, a)
    };
    // Against a stored event, and within one batch: the whole batch is refused, and the
    // positions named are the reusing events.
    for (batch, positions) in [
        (vec![sample_event(1, a), different(2, 0)], vec![1]),
        (
            vec![sample_event(3, a), different(4, 3), sample_event(0, a)],
            vec![1],
        ),
    ] {
        let refused = store.append_events(&batch).await;
        assert!(
            matches!(&refused, Err(StoreError::EventIdsTaken(p)) if *p == positions),
            "{refused:?}"
        );
        assert_eq!(store.log_state().await.unwrap().sequenced, 1);
        for i in [1, 3] {
            assert!(
                store
                    .event(&sample_event(i, a).event_id)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }
}

fn sample_record(kind: &str, id: &str, org_id: i64, subjects: &[&str]) -> NewRecord {
    NewRecord {
        kind: kind.into(),
        record_id: id.into(),
        org_id,
        created_at: APRIL_FIRST + 7,
        body: format!("{{\"id\":\"{id}\"}}").into_bytes(),
        leaf: format!("leaf {kind} {id}\n").into_bytes(),
        subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
    }
}

pub async fn records_share_the_log_and_are_found_by_subject<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, None).await;
    store
        .append_events(&[sample_event(0, a), sample_event(1, a)])
        .await
        .unwrap();
    let lot = "https://id.gs1.org/01/06901234000017/10/LOT1";
    let tin = "https://id.gs1.org/01/06901234000017/21/S1";
    let certificate = sample_record("certificate", "HG-1", a, &[lot]);
    assert_eq!(store.append_record(&certificate).await.unwrap(), 2);
    // Events and records take indices from one counter.
    let appended = store.append_events(&[sample_event(2, a)]).await.unwrap();
    assert_eq!(appended, vec![Appended::New { index: 3 }]);
    let recall = sample_record("recall", "R-1", a, &[lot, tin, lot]);
    assert_eq!(store.append_record(&recall).await.unwrap(), 4);
    assert_eq!(store.log_state().await.unwrap().sequenced, 5);
    assert_eq!(
        store.leaves(2, 3).await.unwrap(),
        vec![certificate.leaf.clone()]
    );

    // An ID is unique within its kind; a refused record stores nothing.
    let again = store
        .append_record(&sample_record("recall", "R-1", a, &[tin]))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.log_state().await.unwrap().sequenced, 5);
    assert_eq!(
        store
            .append_record(&sample_record("certificate", "R-1", a, &[]))
            .await
            .unwrap(),
        5
    );

    let stored = store.record("certificate", "HG-1").await.unwrap().unwrap();
    assert_eq!(
        (
            stored.index,
            stored.org_id,
            stored.created_at,
            &stored.body,
            &stored.leaf
        ),
        (2, a, APRIL_FIRST + 7, &certificate.body, &certificate.leaf)
    );
    assert!(store.record("recall", "HG-1").await.unwrap().is_none());

    let about = |kind: &'static str, subjects: &[&str]| {
        let subjects: Vec<String> = subjects.iter().map(|s| (*s).to_owned()).collect();
        let store = store.clone();
        async move {
            store
                .records_about(kind, &subjects)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.record_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(about("recall", &[tin]).await, vec!["R-1"]);
    assert_eq!(about("recall", &[lot, tin, "other"]).await, vec!["R-1"]);
    assert_eq!(about("certificate", &[lot]).await, vec!["HG-1"]);
    assert!(about("recall", &["other"]).await.is_empty());
    assert_eq!(store.count_records("certificate").await.unwrap(), 2);
    assert_eq!(store.count_records("recall").await.unwrap(), 1);
    assert_eq!(store.count_records("donation").await.unwrap(), 0);

    let in_range: Vec<u64> = store
        .records_in(3, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.index)
        .collect();
    assert_eq!(in_range, vec![4, 5]);
    // Records are not events.
    let events: Vec<u64> = store
        .events_from(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.index)
        .collect();
    assert_eq!(events, vec![0, 1, 3]);
}

fn scan(code: &str, hour: i64, time_zone: &str, count: u64) -> ScanCount {
    ScanCount {
        code: code.into(),
        hour: APRIL_FIRST + hour * HOUR,
        time_zone: time_zone.into(),
        count,
    }
}

pub async fn scans_add_up_per_code_hour_and_time_zone<S: Store>(store: S) {
    let tin = "/01/06901234000017/21/S1";
    let lot = "/01/06901234000017/10/LOT1";
    assert_eq!(
        store.scan_totals(tin, 0).await.unwrap(),
        ScanTotals::default()
    );
    store.add_scans(&[]).await.unwrap();
    // Repeated keys within a batch add up; a zero count stores nothing.
    store
        .add_scans(&[
            scan(tin, 2, "Asia/Shanghai", 1),
            scan(tin, 2, "Asia/Shanghai", 2),
            scan(tin, 5, "Europe/Berlin", 1),
            scan(lot, 1, "unknown", 4),
            scan("/01/06901234000017/21/S2", 9, "UTC", 0),
        ])
        .await
        .unwrap();
    // Later batches add to stored counts and move the first and last hours.
    store
        .add_scans(&[
            scan(tin, 2, "Asia/Shanghai", 10),
            scan(tin, 0, "unknown", 1),
        ])
        .await
        .unwrap();
    assert_eq!(
        store
            .scan_totals(tin, APRIL_FIRST + 2 * HOUR)
            .await
            .unwrap(),
        ScanTotals {
            total: 15,
            first_hour: Some(APRIL_FIRST),
            last_hour: Some(APRIL_FIRST + 5 * HOUR),
            recent: 14,
        }
    );
    assert_eq!(
        store
            .scan_totals(tin, APRIL_FIRST + 6 * HOUR)
            .await
            .unwrap(),
        ScanTotals {
            total: 15,
            first_hour: Some(APRIL_FIRST),
            last_hour: Some(APRIL_FIRST + 5 * HOUR),
            recent: 0,
        }
    );
    assert_eq!(store.scan_totals(lot, 0).await.unwrap().total, 4);
    // A code is matched exactly, not as a prefix.
    assert_eq!(
        store
            .scan_totals("/01/06901234000017/21/S", 0)
            .await
            .unwrap(),
        ScanTotals::default()
    );
    assert_eq!(
        store
            .scan_totals("/01/06901234000017/21/S2", 0)
            .await
            .unwrap(),
        ScanTotals::default()
    );
    assert_eq!(
        store.scan_activity(&["".into()], 0).await.unwrap(),
        vec![
            scan(lot, 1, "unknown", 4),
            scan(tin, 0, "unknown", 1),
            scan(tin, 2, "Asia/Shanghai", 13),
            scan(tin, 5, "Europe/Berlin", 1),
        ]
    );
}

pub async fn scan_activity_is_found_by_code_prefix_and_time<S: Store>(store: S) {
    let mine = "/01/06901234000017/21/S1";
    let mine_too = "/00/069012340000000016";
    let theirs = "/01/06912345000014/21/S1";
    store
        .add_scans(&[
            scan(mine, 0, "Asia/Shanghai", 1),
            scan(mine, 30, "Asia/Shanghai", 2),
            scan(mine, 31, "Asia/Tokyo", 3),
            scan(mine_too, 1, "Asia/Shanghai", 1),
            scan(theirs, 30, "Asia/Shanghai", 7),
        ])
        .await
        .unwrap();
    let since = APRIL_FIRST + 24 * HOUR;
    let prefixes = |list: &[&str]| list.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>();
    // Only hours from `since` on, only codes under the prefixes; overlapping prefixes give
    // each row once.
    assert_eq!(
        store
            .scan_activity(
                &prefixes(&["/01/06901234", "/01/0690123400", "/00/06901234"]),
                since
            )
            .await
            .unwrap(),
        vec![
            scan(mine, 30, "Asia/Shanghai", 2),
            scan(mine, 31, "Asia/Tokyo", 3)
        ]
    );
    assert_eq!(
        store
            .scan_activity(&prefixes(&["/00/06901234"]), 0)
            .await
            .unwrap(),
        vec![scan(mine_too, 1, "Asia/Shanghai", 1)]
    );
    assert_eq!(
        store.scan_activity(&prefixes(&[""]), since).await.unwrap(),
        vec![
            scan(mine, 30, "Asia/Shanghai", 2),
            scan(mine, 31, "Asia/Tokyo", 3),
            scan(theirs, 30, "Asia/Shanghai", 7),
        ]
    );
    assert!(store.scan_activity(&[], 0).await.unwrap().is_empty());
    assert!(
        store
            .scan_activity(&prefixes(&["/01/06999"]), 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .scan_activity(&prefixes(&[""]), APRIL_FIRST + 32 * HOUR)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn large_scan_batches_add_up<S: Store>(store: S) {
    // More rows than one multi-row statement holds, twice over, with every key repeated.
    let batch: Vec<ScanCount> = (0..6_000u64)
        .map(|i| {
            scan(
                &format!("/01/06901234000017/21/S{}", i % 1_500),
                (i % 4) as i64,
                ["Asia/Shanghai", "Asia/Tokyo"][(i % 2) as usize],
                1,
            )
        })
        .collect();
    store.add_scans(&batch).await.unwrap();
    store.add_scans(&batch).await.unwrap();
    let totals = store
        .scan_totals("/01/06901234000017/21/S7", APRIL_FIRST + 3 * HOUR)
        .await
        .unwrap();
    assert_eq!(
        totals,
        ScanTotals {
            total: 8,
            first_hour: Some(APRIL_FIRST + 3 * HOUR),
            last_hour: Some(APRIL_FIRST + 3 * HOUR),
            recent: 8,
        }
    );
    let all = store.scan_activity(&["".into()], 0).await.unwrap();
    assert_eq!(all.iter().map(|s| s.count).sum::<u64>(), 12_000);
    assert!(all.windows(2).all(|pair| pair[0] < pair[1]));
}

// --- People, sessions and invitations ------------------------------------------------------

fn new_user(org_id: i64, login: &str, role: crate::UserRole) -> crate::NewUser {
    crate::NewUser {
        org_id,
        login: login.into(),
        display_name: format!("{login} 的名字"),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${login}"),
        role,
        locale: "zh-CN".into(),
        created_at: APRIL_FIRST,
    }
}

fn invitee(login: &str) -> crate::Invitee {
    crate::Invitee {
        login: login.into(),
        display_name: "韦大姐".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        locale: "en".into(),
    }
}

fn new_invitation(token: u8, org: crate::InvitedOrg, by: i64) -> crate::NewInvitation {
    crate::NewInvitation {
        token_hash: [token; 32],
        org,
        role: crate::UserRole::Producer,
        created_by_org: by,
        created_by_user: None,
        created_at: APRIL_FIRST,
        expires_at: APRIL_FIRST + 7 * 24 * HOUR,
    }
}

pub async fn users_have_unique_logins<S: Store>(store: S) {
    use crate::UserRole;
    let coop = org(&store, "org-coop", Role::Member, Some("Lingyun")).await;
    let lin = store
        .create_user(new_user(coop, " Lin.Wei ", UserRole::Producer))
        .await
        .unwrap();
    assert_eq!(
        (lin.org_id, lin.login.as_str(), lin.role, lin.disabled),
        (coop, "Lin.Wei", UserRole::Producer, false)
    );
    assert_eq!(lin.display_name, " Lin.Wei  的名字");
    assert_eq!(lin.locale, "zh-CN");
    assert_eq!(lin.created_at, APRIL_FIRST);
    assert!(lin.password_hash.starts_with("$argon2id$"));
    // The same login in another case, with spaces, or typed full-width is taken.
    for again in ["lin.wei", "LIN.WEI ", "ｌｉｎ．ｗｅｉ"] {
        let taken = store
            .create_user(new_user(coop, again, UserRole::Processor))
            .await;
        assert!(
            matches!(taken, Err(StoreError::Conflict(_))),
            "{again}: {taken:?}"
        );
    }
    // Chinese names and phone numbers are logins too; full-width digits are the same number.
    let phone = store
        .create_user(new_user(coop, "13800138000", UserRole::Producer))
        .await
        .unwrap();
    store
        .create_user(new_user(coop, "韦大姐", UserRole::Producer))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_login("１３８００１３８０００")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(phone.id)
    );
    assert_eq!(
        store.user_by_login("LIN.wei").await.unwrap(),
        Some(lin.clone())
    );
    assert_eq!(store.user(lin.id).await.unwrap(), Some(lin.clone()));
    assert_eq!(store.user_by_login("lin").await.unwrap(), None);
    assert_eq!(store.user(lin.id + 1000).await.unwrap(), None);

    store.set_user_disabled(lin.id, true).await.unwrap();
    assert!(store.user(lin.id).await.unwrap().unwrap().disabled);
    store.set_user_disabled(lin.id, false).await.unwrap();
    assert!(!store.user(lin.id).await.unwrap().unwrap().disabled);
    let missing = store.set_user_disabled(lin.id + 1000, true).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    // A person must belong to an organisation that exists.
    assert!(
        store
            .create_user(new_user(coop + 1000, "nobody", UserRole::Producer))
            .await
            .is_err()
    );
}

pub async fn sessions_expire_and_end<S: Store>(store: S) {
    use crate::{NewSession, UserRole};
    let coop = org(&store, "org-coop", Role::Member, None).await;
    let lin = store
        .create_user(new_user(coop, "lin", UserRole::Producer))
        .await
        .unwrap();
    let wei = store
        .create_user(new_user(coop, "wei", UserRole::Processor))
        .await
        .unwrap();
    let session = |token: u8, user_id: i64, expires_at: i64| NewSession {
        token_hash: [token; 32],
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: APRIL_FIRST,
        expires_at,
    };
    let end = APRIL_FIRST + 30 * 24 * HOUR;
    store
        .create_session(&session(1, lin.id, end))
        .await
        .unwrap();
    store
        .create_session(&session(2, lin.id, APRIL_FIRST + HOUR))
        .await
        .unwrap();
    store
        .create_session(&session(3, wei.id, end))
        .await
        .unwrap();
    let taken = store.create_session(&session(3, lin.id, end)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");

    let (found, user) = store.session([1; 32], end - 1).await.unwrap().unwrap();
    assert_eq!(user, lin);
    assert_eq!(
        (
            found.user_id,
            found.csrf_token.as_str(),
            found.created_at,
            found.expires_at
        ),
        (lin.id, "csrf-1", APRIL_FIRST, end)
    );
    // Expired at its expiry time, not a microsecond later.
    assert!(store.session([1; 32], end).await.unwrap().is_none());
    assert!(
        store
            .session([2; 32], APRIL_FIRST + HOUR - 1)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session([2; 32], APRIL_FIRST + HOUR)
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.session([9; 32], APRIL_FIRST).await.unwrap().is_none());

    // Expired sessions are swept; live ones stay.
    assert_eq!(
        store
            .delete_expired_sessions(APRIL_FIRST + 2 * HOUR)
            .await
            .unwrap(),
        1
    );
    assert!(store.session([1; 32], APRIL_FIRST).await.unwrap().is_some());
    // Logout ends one session only, and ending it twice is harmless.
    store.delete_session([1; 32]).await.unwrap();
    store.delete_session([1; 32]).await.unwrap();
    assert!(store.session([1; 32], APRIL_FIRST).await.unwrap().is_none());
    assert!(store.session([3; 32], APRIL_FIRST).await.unwrap().is_some());
    // A disabled person's sessions end and new ones are refused.
    store.set_user_disabled(wei.id, true).await.unwrap();
    assert!(store.session([3; 32], APRIL_FIRST).await.unwrap().is_none());
    store
        .create_session(&session(4, wei.id, end))
        .await
        .unwrap();
    assert!(store.session([4; 32], APRIL_FIRST).await.unwrap().is_none());
    store.set_user_disabled(wei.id, false).await.unwrap();
    assert!(store.session([3; 32], APRIL_FIRST).await.unwrap().is_none());
    assert!(store.session([4; 32], APRIL_FIRST).await.unwrap().is_some());
}

pub async fn passwords_change_and_other_sessions_end<S: Store>(store: S) {
    use crate::{NewSession, UserRole};
    let coop = org(&store, "org-coop", Role::Member, Some("Lingyun")).await;
    let lin = store
        .create_user(new_user(coop, "lin", UserRole::Producer))
        .await
        .unwrap();
    let wei = store
        .create_user(new_user(coop, "wei", UserRole::Producer))
        .await
        .unwrap();
    let end = APRIL_FIRST + 30 * 24 * HOUR;
    let session = |token: u8, user_id: i64| NewSession {
        token_hash: [token; 32],
        user_id,
        csrf_token: format!("csrf-{token}"),
        created_at: APRIL_FIRST,
        expires_at: end,
    };
    for (token, user) in [(1, lin.id), (2, lin.id), (3, wei.id)] {
        store.create_session(&session(token, user)).await.unwrap();
    }
    let live = |token: u8| {
        let store = store.clone();
        async move {
            store
                .session([token; 32], APRIL_FIRST)
                .await
                .unwrap()
                .is_some()
        }
    };

    // The session that changed the password stays; the person's others end; nobody else's.
    store
        .set_password(lin.id, "$argon2id$v=19$new", Some([1; 32]))
        .await
        .unwrap();
    let changed = store.user(lin.id).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, "$argon2id$v=19$new");
    assert_eq!(
        changed,
        crate::User {
            password_hash: "$argon2id$v=19$new".into(),
            ..lin.clone()
        }
    );
    assert!(live(1).await);
    assert!(!live(2).await);
    assert!(live(3).await);
    assert_eq!(store.user(wei.id).await.unwrap(), Some(wei.clone()));
    let (_, seen) = store.session([1; 32], APRIL_FIRST).await.unwrap().unwrap();
    assert_eq!(seen.password_hash, "$argon2id$v=19$new");

    // A session that is not the person's, or no longer exists, cannot change the password:
    // nothing changes, no session ends.
    store.create_session(&session(4, lin.id)).await.unwrap();
    for gone in [[3; 32], [2; 32], [9; 32]] {
        let refused = store
            .set_password(lin.id, "$argon2id$v=19$stolen", Some(gone))
            .await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    assert_eq!(
        store.user(lin.id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$new"
    );
    assert!(live(1).await && live(3).await && live(4).await);
    store
        .set_password(lin.id, "$argon2id$v=19$newer", Some([4; 32]))
        .await
        .unwrap();
    assert!(!live(1).await && live(4).await);
    assert!(live(3).await);

    // Without a session to keep, every one of the person's sessions ends.
    store.create_session(&session(5, lin.id)).await.unwrap();
    store.delete_session([4; 32]).await.unwrap();
    store.create_session(&session(6, lin.id)).await.unwrap();
    store
        .set_password(lin.id, "$argon2id$v=19$newest", None)
        .await
        .unwrap();
    assert!(!live(5).await && !live(6).await);
    assert!(live(3).await);
    assert_eq!(
        store.user(lin.id).await.unwrap().unwrap().password_hash,
        "$argon2id$v=19$newest"
    );

    // No such person: not found, and nothing changes.
    let missing = store
        .set_password(lin.id + 1000, "$argon2id$v=19$x", None)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    assert!(live(3).await);
}

pub async fn people_are_listed_by_organisation<S: Store>(store: S) {
    use crate::UserRole;
    let b = org(&store, "org-b", Role::Member, Some("Leye")).await;
    let a = org(&store, "org-a", Role::Member, Some("Lingyun")).await;
    let empty = org(&store, "org-empty", Role::Member, Some("Lingyun")).await;
    let office = org(&store, "org-office", Role::County, Some("Lingyun")).await;
    let b1 = store
        .create_user(new_user(b, "b1", UserRole::Producer))
        .await
        .unwrap();
    let a1 = store
        .create_user(new_user(a, "a1", UserRole::Producer))
        .await
        .unwrap();
    let a2 = store
        .create_user(new_user(a, "a2", UserRole::Processor))
        .await
        .unwrap();
    let officer = store
        .create_user(new_user(office, "officer", UserRole::Officer))
        .await
        .unwrap();
    let b2 = store
        .create_user(new_user(b, "b2", UserRole::Producer))
        .await
        .unwrap();
    // Disabled people are listed too, as they are now.
    store.set_user_disabled(a2.id, true).await.unwrap();
    let a2 = store.user(a2.id).await.unwrap().unwrap();
    assert!(a2.disabled);

    let logins =
        |users: Vec<crate::User>| users.into_iter().map(|u| u.login).collect::<Vec<String>>();
    // By organisation key, then by when they joined, whatever the order asked in.
    let listed = store.users_of_orgs(&[a, b]).await.unwrap();
    assert_eq!(listed, vec![b1.clone(), b2.clone(), a1.clone(), a2.clone()]);
    assert_eq!(
        logins(store.users_of_orgs(&[b, a, b]).await.unwrap()),
        ["b1", "b2", "a1", "a2"]
    );
    assert_eq!(
        store.users_of_orgs(&[office]).await.unwrap(),
        vec![officer.clone()]
    );
    assert!(store.users_of_orgs(&[empty]).await.unwrap().is_empty());
    assert!(store.users_of_orgs(&[]).await.unwrap().is_empty());
    assert!(store.users_of_orgs(&[a + 1000]).await.unwrap().is_empty());
    // An administrator's list names every organisation: far more keys than a statement
    // could take as separate parameters.
    let many: Vec<i64> = (0..40_000).map(|i| a + 1000 + i).chain([a]).collect();
    assert_eq!(
        logins(store.users_of_orgs(&many).await.unwrap()),
        ["a1", "a2"]
    );
}

pub async fn specialists_see_their_assigned_counties<S: Store>(store: S) {
    use crate::UserRole;
    let team = org(&store, "org-team", Role::Member, Some("Baise")).await;
    let a = org(&store, "org-a", Role::Member, Some("Lingyun")).await;
    let b = org(&store, "org-b", Role::Member, Some("Leye")).await;
    let c = org(&store, "org-c", Role::Member, Some("Tianlin")).await;
    let specialist = store
        .create_user(new_user(team, "tepaiyuan", UserRole::Specialist))
        .await
        .unwrap();
    let other = store
        .create_user(new_user(team, "other", UserRole::Specialist))
        .await
        .unwrap();
    store.assign_county(specialist.id, "Lingyun").await.unwrap();
    store.assign_county(specialist.id, "Leye").await.unwrap();
    store.assign_county(specialist.id, "Lingyun").await.unwrap();
    store.assign_county(specialist.id, "Tianlin").await.unwrap();
    store
        .unassign_county(specialist.id, "Tianlin")
        .await
        .unwrap();
    store
        .unassign_county(specialist.id, "Nowhere")
        .await
        .unwrap();
    let counties = store.user_counties(specialist.id).await.unwrap();
    assert_eq!(counties, ["Leye", "Lingyun"]);
    assert!(store.user_counties(other.id).await.unwrap().is_empty());

    // Events 0..4 of each organisation; sample events 0 and 4 are shared.
    let mut events = Vec::new();
    for (n, owner) in [team, a, b, c].into_iter().enumerate() {
        let n = n as u64;
        events.extend((0..4).map(|i| sample_event(n * 4 + i, owner)));
    }
    store.append_events(&events).await.unwrap();
    let seen = |visibility: Visibility| {
        let store = store.clone();
        async move {
            ids(&store
                .query_events(&EventQuery::all(visibility, 100))
                .await
                .unwrap())
        }
    };
    // Its own organisation's, those of the assigned counties', and shared ones (0, 4, 8, 12).
    assert_eq!(
        seen(Visibility::Counties {
            org: team,
            counties: counties.clone()
        })
        .await,
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    );
    // With no county assigned: the organisation's own and shared ones.
    assert_eq!(
        seen(Visibility::Counties {
            org: team,
            counties: vec![]
        })
        .await,
        [0, 1, 2, 3, 4, 8, 12]
    );
    assert_eq!(
        store
            .vocabulary(
                Vocabulary::EventTypes,
                &Visibility::Counties {
                    org: c,
                    counties: vec!["Nowhere".into()]
                }
            )
            .await
            .unwrap(),
        ["AggregationEvent", "ObjectEvent"]
    );
}

pub async fn invitations_are_used_once<S: Store>(store: S) {
    use crate::{InvitedOrg, Redemption, UserRole};
    let office = org(&store, "org-office", Role::County, Some("Lingyun")).await;
    let existing = org(&store, "org-existing", Role::Member, Some("Lingyun")).await;
    let new_org = NewOrg {
        public_id: "org-new-farm".into(),
        name: "百陇村茶园".into(),
        role: Role::Member,
        county: Some("Lingyun".into()),
    };
    let (invitation, farm) = store
        .create_invitation(&new_invitation(1, InvitedOrg::New(new_org.clone()), office))
        .await
        .unwrap();
    assert_eq!(
        (
            farm.public_id.as_str(),
            farm.name.as_str(),
            farm.role,
            farm.county.as_deref()
        ),
        ("org-new-farm", "百陇村茶园", Role::Member, Some("Lingyun"))
    );
    assert_eq!(
        store.org_by_public_id("org-new-farm").await.unwrap(),
        Some(farm.clone())
    );
    assert_eq!(
        (
            invitation.org_id,
            invitation.role,
            invitation.created_by_org,
            invitation.created_by_user
        ),
        (farm.id, UserRole::Producer, office, None)
    );
    assert_eq!((invitation.used_at, invitation.used_by), (None, None));
    assert_eq!(
        store.invitation([1; 32]).await.unwrap(),
        Some(invitation.clone())
    );
    assert_eq!(store.invitation([2; 32]).await.unwrap(), None);

    // A taken public ID or token hash stores nothing.
    let taken = store
        .create_invitation(&new_invitation(2, InvitedOrg::New(new_org), office))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(store.invitation([2; 32]).await.unwrap(), None);
    let taken = store
        .create_invitation(&new_invitation(
            1,
            InvitedOrg::New(NewOrg {
                public_id: "org-other".into(),
                name: "other".into(),
                role: Role::Member,
                county: None,
            }),
            office,
        ))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(store.org_by_public_id("org-other").await.unwrap(), None);
    let missing = store
        .create_invitation(&new_invitation(
            3,
            InvitedOrg::Existing(existing + 1000),
            office,
        ))
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    // A taken login leaves the invitation usable.
    let mut lin = new_user(existing, "lin", UserRole::Producer);
    lin.created_at = APRIL_FIRST;
    store.create_user(lin).await.unwrap();
    let now = APRIL_FIRST + HOUR;
    assert_eq!(
        store
            .redeem_invitation([1; 32], &invitee("LIN"), now)
            .await
            .unwrap(),
        Redemption::LoginTaken
    );
    assert_eq!(
        store.invitation([1; 32]).await.unwrap().unwrap().used_at,
        None
    );
    let Redemption::Joined(joined) = store
        .redeem_invitation([1; 32], &invitee("wei"), now)
        .await
        .unwrap()
    else {
        panic!("the invitation should be usable");
    };
    assert_eq!(
        (
            joined.org_id,
            joined.role,
            joined.login.as_str(),
            joined.locale.as_str()
        ),
        (farm.id, UserRole::Producer, "wei", "en")
    );
    assert_eq!(joined.created_at, now);
    let used = store.invitation([1; 32]).await.unwrap().unwrap();
    assert_eq!((used.used_at, used.used_by), (Some(now), Some(joined.id)));
    assert_eq!(
        store
            .redeem_invitation([1; 32], &invitee("wei2"), now)
            .await
            .unwrap(),
        Redemption::Used
    );
    assert_eq!(store.user_by_login("wei2").await.unwrap(), None);
    assert_eq!(
        store
            .redeem_invitation([7; 32], &invitee("wei3"), now)
            .await
            .unwrap(),
        Redemption::Unknown
    );

    // An existing organisation, with an officer's role; expired at its expiry time.
    let mut officer = new_invitation(4, InvitedOrg::Existing(office), office);
    officer.role = UserRole::Officer;
    let (stored, office_org) = store.create_invitation(&officer).await.unwrap();
    assert_eq!((stored.org_id, office_org.id), (office, office));
    assert_eq!(
        store
            .redeem_invitation([4; 32], &invitee("late"), officer.expires_at)
            .await
            .unwrap(),
        Redemption::Expired
    );
    assert_eq!(store.user_by_login("late").await.unwrap(), None);
    let Redemption::Joined(on_time) = store
        .redeem_invitation([4; 32], &invitee("on-time"), officer.expires_at - 1)
        .await
        .unwrap()
    else {
        panic!("not expired yet");
    };
    assert_eq!((on_time.org_id, on_time.role), (office, UserRole::Officer));
}

pub async fn concurrent_redemptions_have_one_winner<S: Store>(store: S) {
    use crate::{InvitedOrg, Redemption};
    let office = org(&store, "org-office", Role::County, Some("Lingyun")).await;
    for round in 0..5u8 {
        let farm = NewOrg {
            public_id: format!("org-farm-{round}"),
            name: format!("farm {round}"),
            role: Role::Member,
            county: Some("Lingyun".into()),
        };
        store
            .create_invitation(&new_invitation(round, InvitedOrg::New(farm), office))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .redeem_invitation(
                            [round; 32],
                            &invitee(&format!("r{round}-p{i}")),
                            APRIL_FIRST + HOUR,
                        )
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut joined = 0;
        for task in tasks {
            match task.await.unwrap() {
                Redemption::Joined(_) => joined += 1,
                Redemption::Used => {}
                other => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!(joined, 1, "round {round}");
        let farm = store
            .org_by_public_id(&format!("org-farm-{round}"))
            .await
            .unwrap()
            .unwrap();
        let mut members = 0;
        for i in 0..8 {
            if let Some(user) = store
                .user_by_login(&format!("r{round}-p{i}"))
                .await
                .unwrap()
            {
                assert_eq!(user.org_id, farm.id);
                members += 1;
            }
        }
        assert_eq!(members, 1, "round {round}");
    }
}

// --- Master data: locations, products, counters ----------------------------------------------

const LOC: &str = "https://trace.county.example/loc/451027/";

fn sample_location(
    org_id: i64,
    kind: &str,
    identifier: &str,
    parent_id: Option<i64>,
) -> crate::NewMasterLocation {
    crate::NewMasterLocation {
        org_id,
        kind: kind.into(),
        identifier: identifier.into(),
        county_issued: identifier.starts_with(LOC),
        fields: crate::LocationFields {
            name_zh: format!("{kind} 名称"),
            name_en: Some(format!("{kind} name")),
            township: Some("加尤镇".into()),
            village: Some("百陇村".into()),
            parent_id,
            area_mu: (kind == "plot").then_some(3.5),
            area_m2: None,
            crop: (kind == "plot").then(|| "白毫茶".into()),
        },
        created_at: APRIL_FIRST,
    }
}

fn sample_product(org_id: i64, gtin: &str, county_gtin: bool) -> crate::NewProduct {
    crate::NewProduct {
        org_id,
        gtin: gtin.into(),
        county_gtin,
        fields: crate::ProductFields {
            name_zh: "凌云白毫红茶 罐装".into(),
            name_en: Some("Lingyun Baihao black tea, tin".into()),
            unit: "box".into(),
            category: "tea".into(),
            brand: Some("凌云白毫".into()),
        },
        created_at: APRIL_FIRST,
    }
}

pub async fn master_locations_are_assets_of_their_organisation<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, Some("451027")).await;
    let b = org(&store, "org-b", Role::Member, Some("451027")).await;
    let c = org(&store, "org-c", Role::Member, Some("450000")).await;
    let farm_id = format!("{LOC}1");
    let plot_id = format!("{LOC}2");
    let farm = store
        .create_location(&sample_location(a, "farm", &farm_id, None))
        .await
        .unwrap();
    let new_plot = sample_location(a, "plot", &plot_id, Some(farm.id));
    let plot = store.create_location(&new_plot).await.unwrap();
    assert_eq!(
        (
            plot.org_id,
            plot.kind.as_str(),
            plot.identifier.as_str(),
            plot.county_issued,
            &plot.fields,
            plot.created_at,
            plot.updated_at
        ),
        (
            a,
            "plot",
            plot_id.as_str(),
            true,
            &new_plot.fields,
            APRIL_FIRST,
            APRIL_FIRST
        )
    );
    assert_ne!(farm.id, plot.id);
    assert_eq!(store.location(plot.id).await.unwrap(), Some(plot.clone()));
    assert_eq!(store.location(plot.id + 1000).await.unwrap(), None);
    // Registering a location makes it the organisation's asset: capture accepts events there.
    assert_eq!(
        store.org_assets(a).await.unwrap().locations,
        [farm_id.clone(), plot_id.clone()]
    );

    // An identifier is registered once, and never for another organisation.
    let again = store
        .create_location(&sample_location(a, "farm", &farm_id, None))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let theirs = store
        .create_location(&sample_location(b, "farm", &farm_id, None))
        .await;
    assert!(matches!(theirs, Err(StoreError::Conflict(_))), "{theirs:?}");
    assert!(store.org_assets(b).await.unwrap().locations.is_empty());
    store
        .add_location(b, "https://id.gs1.org/414/6912345000019")
        .await
        .unwrap();
    let claimed = store
        .create_location(&sample_location(
            a,
            "warehouse",
            "https://id.gs1.org/414/6912345000019",
            None,
        ))
        .await;
    assert!(
        matches!(claimed, Err(StoreError::Conflict(_))),
        "{claimed:?}"
    );
    // A location its owner registered as an asset before (`retu org create --location`) can
    // be described now.
    let gln = "https://id.gs1.org/414/6901234000017";
    store.add_location(a, gln).await.unwrap();
    let shop = store
        .create_location(&sample_location(a, "shop", gln, None))
        .await
        .unwrap();
    assert!(!shop.county_issued);
    // Both rows or neither: a location that cannot be stored (its farm does not exist) leaves
    // no asset behind.
    let orphan = format!("{LOC}99");
    let failed = store
        .create_location(&sample_location(a, "plot", &orphan, Some(farm.id + 1000)))
        .await;
    assert!(failed.is_err(), "{failed:?}");
    assert!(
        !store
            .org_assets(a)
            .await
            .unwrap()
            .locations
            .contains(&orphan)
    );

    let seen = |visibility: Visibility| {
        let store = store.clone();
        async move {
            store
                .locations(&visibility)
                .await
                .unwrap()
                .iter()
                .map(|l| l.id)
                .collect::<Vec<_>>()
        }
    };
    let mine = vec![farm.id, plot.id, shop.id];
    assert_eq!(seen(Visibility::Org(a)).await, mine);
    assert!(seen(Visibility::Org(b)).await.is_empty());
    assert_eq!(seen(Visibility::County("451027".into())).await, mine);
    assert!(seen(Visibility::County("450000".into())).await.is_empty());
    assert_eq!(seen(Visibility::All).await, mine);
    assert!(seen(Visibility::SharedOnly).await.is_empty());
    assert_eq!(
        seen(Visibility::Counties {
            org: c,
            counties: vec!["451027".into()]
        })
        .await,
        mine
    );
    assert!(
        seen(Visibility::Counties {
            org: c,
            counties: vec![]
        })
        .await
        .is_empty()
    );

    // Fields change; kind, identifier and creation time do not.
    let fields = crate::LocationFields {
        name_en: Some("Tea garden 2".into()),
        area_mu: None,
        area_m2: Some(2333.5),
        ..plot.fields.clone()
    };
    let updated = store
        .update_location(plot.id, &fields, APRIL_FIRST + 9)
        .await
        .unwrap();
    assert_eq!(
        updated,
        crate::MasterLocation {
            fields,
            updated_at: APRIL_FIRST + 9,
            ..plot.clone()
        }
    );
    assert_eq!(store.location(plot.id).await.unwrap(), Some(updated));
    let missing = store
        .update_location(plot.id + 1000, &plot.fields, APRIL_FIRST)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

pub async fn products_and_their_gtins<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, Some("451027")).await;
    let b = org(&store, "org-b", Role::Member, Some("450000")).await;
    let own = store
        .create_product(&sample_product(a, "06901234000017", false))
        .await
        .unwrap();
    let county = store
        .create_product(&sample_product(a, "06909999000004", true))
        .await
        .unwrap();
    assert_eq!(
        (
            county.org_id,
            county.gtin.as_str(),
            county.county_gtin,
            &county.fields,
            county.updated_at
        ),
        (
            a,
            "06909999000004",
            true,
            &sample_product(a, "", true).fields,
            APRIL_FIRST
        )
    );
    // A GTIN names one product.
    let taken = store
        .create_product(&sample_product(b, "06909999000004", true))
        .await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    // Only the GTINs allocated from the county's prefix are assets one by one; a GTIN under
    // the organisation's own prefix is covered by the prefix.
    assert_eq!(store.org_assets(a).await.unwrap().gtins, ["06909999000004"]);
    assert!(store.org_assets(b).await.unwrap().gtins.is_empty());

    assert_eq!(store.product(own.id).await.unwrap(), Some(own.clone()));
    assert_eq!(store.product(own.id + 1000).await.unwrap(), None);
    let ids = |list: Vec<crate::Product>| list.iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.products(&Visibility::Org(a)).await.unwrap()),
        [own.id, county.id]
    );
    assert!(
        store
            .products(&Visibility::Org(b))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        ids(store
            .products(&Visibility::County("451027".into()))
            .await
            .unwrap()),
        [own.id, county.id]
    );
    assert!(
        store
            .products(&Visibility::SharedOnly)
            .await
            .unwrap()
            .is_empty()
    );

    let fields = crate::ProductFields {
        unit: "jin".into(),
        brand: None,
        ..own.fields.clone()
    };
    let updated = store
        .update_product(own.id, &fields, APRIL_FIRST + 5)
        .await
        .unwrap();
    assert_eq!(
        updated,
        crate::Product {
            fields,
            updated_at: APRIL_FIRST + 5,
            ..own.clone()
        }
    );
    let missing = store
        .update_product(own.id + 1000, &own.fields, APRIL_FIRST)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

pub async fn counters_never_give_a_number_twice<S: Store>(store: S) {
    let draws: Vec<_> = (0..40)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.next_number("gtin:6909999").await.unwrap() })
        })
        .collect();
    let mut numbers = Vec::new();
    for draw in draws {
        numbers.push(draw.await.unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<u64>>());
    // Counters are independent of each other.
    assert_eq!(store.next_number("location:451027").await.unwrap(), 1);
    assert_eq!(store.next_number("gtin:6909999").await.unwrap(), 41);
}

pub async fn concurrent_product_creations_get_distinct_gtins<S: Store>(store: S) {
    let a = org(&store, "org-a", Role::Member, Some("451027")).await;
    // As the service allocates: draw the next item reference, make the GTIN, register it.
    let creations: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let n = store.next_number("gtin:6909999").await.unwrap();
                let gtin = format!("06909999{n:05}0");
                store
                    .create_product(&sample_product(a, &gtin, true))
                    .await
                    .unwrap()
                    .gtin
            })
        })
        .collect();
    let mut gtins = Vec::new();
    for creation in creations {
        gtins.push(creation.await.unwrap());
    }
    gtins.sort();
    gtins.dedup();
    assert_eq!(gtins.len(), 20);
    assert_eq!(store.org_assets(a).await.unwrap().gtins, gtins);
    assert_eq!(store.products(&Visibility::All).await.unwrap().len(), 20);
}
