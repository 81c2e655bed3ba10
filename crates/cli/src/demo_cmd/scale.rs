//! `retu demo --scale N`: N more events for benchmarks, as twenty tea farms would record them
//! over a year: harvest → processing → rapid test → tins → shipping, five phone forms a chain.
//!
//! The farms belong to a third fictional county, 鹿鸣县 (Luming County, 459903), and their
//! chains are dated in the year before the current one (see [`chain_forms`]), so that the two
//! demo counties' dashboards keep showing their own story however many events are added.
//! They are registered once (organisations as `retu org create` makes them, places and
//! products through the in-process server's master-data API, GTINs from the county prefix) and
//! kept in `demo.json`, with how many events and chains were added, so a later run continues
//! the lot numbers and adds N more.
//!
//! Events are made the way a phone's forms are (`repository::forms::to_document`, one UUID per
//! form), gathered into documents of 10,000 events of one farm and captured through the one
//! capture pipeline, shared, so the log has them and their consumer pages work. A thread makes
//! the next document while the current one is captured, which keeps both cores busy: capture
//! checks and hashes events on all cores, then spends most of its time in the store's single
//! writer.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow, bail};
use ledger::now_micros;
use repository::capture::{self, Captor, ErrorBehaviour};
use repository::certificate::Unit;
use repository::forms::{self, Form, FormKind, LotAmount, Reading, TestResult};
use serde_json::{Value, json};
use store::{Role, Store};

use super::{Api, GeneratedFarm, Marker, cst_time, new_uuid};
use crate::server::Running;

/// Luming County's administrative code (fictional).
pub(crate) const LUMING: &str = "459903";

/// Events per captured document: large enough that the store's per-transaction cost vanishes,
/// small enough that a document stays a few megabytes.
const BATCH: u64 = 10_000;

/// Phone forms per chain.
const CHAIN: u64 = 5;

/// The villages of the generated farms, with their townships.
const VILLAGES: [(&str, &str); 20] = [
    ("上坪村", "鹿鸣镇"),
    ("下坪村", "鹿鸣镇"),
    ("石门村", "鹿鸣镇"),
    ("竹林村", "鹿鸣镇"),
    ("枫木村", "鹿鸣镇"),
    ("岩口村", "石门乡"),
    ("平安村", "石门乡"),
    ("新寨村", "石门乡"),
    ("黄泥村", "石门乡"),
    ("坡头村", "石门乡"),
    ("大塘村", "清水乡"),
    ("清水村", "清水乡"),
    ("桃源村", "清水乡"),
    ("龙湾村", "清水乡"),
    ("凤凰村", "清水乡"),
    ("松林村", "凤凰镇"),
    ("高峰村", "凤凰镇"),
    ("云头村", "凤凰镇"),
    ("河口村", "凤凰镇"),
    ("东山村", "凤凰镇"),
];

/// Who the tins go to.
const BUYERS: [&str; 8] = [
    "南宁 邕茗茶行",
    "桂林 漓江茶叶批发部",
    "柳州 龙城茶庄",
    "广州 芳村茶叶市场 陈记",
    "深圳 鹏城茶业",
    "长沙 湘茗茶行",
    "昆明 滇红茶叶批发",
    "北京 马连道 桂茶坊",
];

/// Registers the generated farms: organisation, tea garden, workshop and three products each.
async fn create_farms<S: Store>(
    running: &Running<S>,
    api: &Api,
    admin: &str,
) -> Result<Vec<GeneratedFarm>> {
    let store = running.ledger.store();
    let mut farms = Vec::with_capacity(VILLAGES.len());
    for (i, (village, township)) in VILLAGES.iter().enumerate() {
        let org = crate::server::create_org_in(
            store,
            &format!("鹿鸣县{village}茶叶合作社"),
            Role::Member,
            Some(LUMING.to_owned()),
            &[],
            &[],
        )
        .await?;
        let place = |kind: &str, zh: String, extra: Value| {
            let mut draft = json!({"kind": kind, "nameZh": zh, "township": township,
                                   "village": village, "org": org.public_id});
            if let (Some(draft), Value::Object(extra)) = (draft.as_object_mut(), extra) {
                draft.extend(extra);
            }
            draft
        };
        let identifier = |stored: Value| -> Result<String> {
            Ok(stored["identifier"]
                .as_str()
                .context("a location's identifier")?
                .to_owned())
        };
        #[allow(clippy::cast_precision_loss, reason = "a small index")]
        let area = 4.0 + i as f64 * 0.5;
        let plot = identifier(
            api.post(
                "/api/locations",
                admin,
                &place(
                    "plot",
                    format!("{village}茶园"),
                    json!({"areaMu": area, "crop": "大叶种茶"}),
                ),
            )
            .await?,
        )?;
        let workshop = identifier(
            api.post(
                "/api/locations",
                admin,
                &place("workshop", format!("{village}初制茶厂"), json!({})),
            )
            .await?,
        )?;
        let mut gtins = Vec::new();
        for (zh, unit) in [
            ("鹿鸣红茶 茶鲜叶", "kg"),
            ("鹿鸣红茶 毛茶", "kg"),
            ("鹿鸣红茶 100 克罐装", "piece"),
        ] {
            let stored = api
                .post(
                    "/api/products",
                    admin,
                    &json!({"nameZh": zh, "unit": unit, "category": "tea",
                            "brand": "鹿鸣红茶", "org": org.public_id}),
                )
                .await?;
            gtins.push(
                stored["gtin"]
                    .as_str()
                    .context("a product's GTIN")?
                    .to_owned(),
            );
        }
        let [leaf, made, tins] = <[String; 3]>::try_from(gtins)
            .map_err(|_| anyhow!("three products were registered"))?;
        farms.push(GeneratedFarm {
            org: org.public_id,
            plot,
            workshop,
            leaf,
            made,
            tins,
        });
    }
    Ok(farms)
}

/// SplitMix64: a well-spread number from a chain's number, so that quantities, dates and
/// buyers vary without a random generator (and the same chain always looks the same).
fn spread(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

const HOUR: i64 = 3_600_000_000;
const DAY: i64 = 24 * HOUR;

/// The five forms of chain `chain` of `farm`, within the 365 days before `new_year` (midnight
/// of this year's 1 January, China Standard Time), the last one at least a day before it.
///
/// Not this year: the county dashboard reads a period's events through an index on event
/// time, and shared events of every county are in what a county office may read; dated
/// last year, a million generated events stay out of the dashboards' default period (this
/// calendar year), which then shows the demo counties' own season at once.
fn chain_forms(farm: &GeneratedFarm, chain: u64, new_year: i64) -> Result<Vec<Form>> {
    let h = spread(chain);
    #[allow(clippy::cast_possible_wrap, reason = "below 8,640")]
    let hours = (h % (360 * 24)) as i64;
    // Seven in the morning (China Standard Time) of a day within that year.
    let day = (new_year - 365 * DAY + hours * HOUR + 8 * HOUR).div_euclid(DAY) * DAY - 8 * HOUR;
    let start = day + 7 * HOUR;
    #[allow(clippy::cast_precision_loss, reason = "small numbers")]
    let leaf_kg = 20.0 + ((h >> 8) % 600) as f64 / 10.0;
    let made_kg = (leaf_kg * 2.3).round() / 10.0;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a few hundred tins"
    )]
    let tins = (made_kg * 10.0).floor().max(1.0) as u64;
    #[allow(clippy::cast_precision_loss, reason = "small numbers")]
    let reading = 5.0 + ((h >> 20) % 200) as f64 / 10.0;
    let amount = |gtin: &str, lot: String, quantity: String, unit: Unit| LotAmount {
        gtin: gtin.to_owned(),
        lot,
        quantity,
        unit,
    };
    let leaf = amount(
        &farm.leaf,
        format!("LM{chain}-L"),
        format!("{leaf_kg:.1}"),
        Unit::Kg,
    );
    let made = amount(
        &farm.made,
        format!("LM{chain}-M"),
        format!("{made_kg:.1}"),
        Unit::Kg,
    );
    let tin_lot = amount(
        &farm.tins,
        format!("LM{chain}-T"),
        tins.to_string(),
        Unit::Piece,
    );
    #[allow(clippy::cast_possible_truncation, reason = "below 8")]
    let buyer = BUYERS[(h >> 40) as usize % BUYERS.len()];
    let form = |at: i64, place: &str, kind: FormKind| -> Result<Form> {
        Ok(Form {
            id: new_uuid()?,
            time: cst_time(at)?,
            place: place.to_owned(),
            kind,
            note: String::new(),
        })
    };
    Ok(vec![
        form(
            start,
            &farm.plot,
            FormKind::Harvest {
                output: leaf.clone(),
            },
        )?,
        form(
            start + 10 * HOUR,
            &farm.workshop,
            FormKind::Process {
                inputs: vec![leaf],
                output: made.clone(),
                step: "萎凋 · 揉捻 · 发酵 · 干燥".into(),
            },
        )?,
        form(
            start + DAY + 2 * HOUR,
            &farm.workshop,
            FormKind::Inspect {
                lot: amount(&farm.made, made.lot.clone(), "0.1".into(), Unit::Kg),
                test: "农药残留速测（酶抑制率法）".into(),
                result: TestResult::Pass,
                readings: vec![Reading {
                    name: "抑制率".into(),
                    value: format!("{reading:.1}"),
                    unit: "P1".into(),
                }],
            },
        )?,
        form(
            start + 2 * DAY + 3 * HOUR,
            &farm.workshop,
            FormKind::Pack {
                input: made,
                output: tin_lot.clone(),
            },
        )?,
        form(
            start + 4 * DAY + 2 * HOUR,
            &farm.workshop,
            FormKind::Ship {
                lots: vec![tin_lot],
                destination: None,
                buyer: buyer.to_owned(),
            },
        )?,
    ])
}

/// One document to capture.
struct Batch {
    /// The farm (index into the farms) whose events these are.
    farm: usize,
    /// The EPCIS document.
    bytes: Vec<u8>,
    /// Its events.
    events: u64,
    /// The first chain number not used yet.
    next_chain: u64,
}

/// Makes the document of `events` events of `farm`, chains from `first_chain` on, dated in
/// the year before `new_year`; the last chain is cut short when `events` is not a multiple of
/// five.
fn make_batch(
    farms: &[GeneratedFarm],
    farm: usize,
    first_chain: u64,
    events: u64,
    new_year: i64,
) -> Result<Batch> {
    let owner = farms.get(farm).context("a generated farm")?;
    let mut list: Vec<Value> = Vec::with_capacity(usize::try_from(events).unwrap_or(0));
    let mut chain = first_chain;
    while (list.len() as u64) < events {
        for form in chain_forms(owner, chain, new_year)? {
            if list.len() as u64 == events {
                break;
            }
            let mut document = forms::to_document(&form, None)
                .map_err(|problems| anyhow!("a generated form is refused: {problems:?}"))?;
            let event = document["epcisBody"]["eventList"]
                .get_mut(0)
                .map(Value::take)
                .context("a form's event")?;
            list.push(event);
        }
        chain += 1;
    }
    let document = json!({
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"retu": forms::RETU_NAMESPACE}
        ],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": cst_time(now_micros())?,
        "epcisBody": {"eventList": list},
    });
    Ok(Batch {
        farm,
        bytes: document.to_string().into_bytes(),
        events,
        next_chain: chain,
    })
}

/// Adds `count` generated events, printing progress and the rate.
pub(super) async fn add<S: Store>(
    running: &Running<S>,
    api: &Api,
    admin: &str,
    marker: &mut Marker,
    count: u64,
    data: &Path,
    out: &mut impl std::io::Write,
) -> Result<()> {
    if marker.generated.farms.is_empty() {
        marker.generated.farms = create_farms(running, api, admin).await?;
        marker.write(data)?;
    }
    let store = running.ledger.store();
    let mut captors = Vec::new();
    for farm in &marker.generated.farms {
        let org = store
            .org_by_public_id(&farm.org)
            .await?
            .with_context(|| format!("the generated farm {} is missing", farm.org))?;
        let assets = store.org_assets(org.id).await?;
        captors.push(Captor { org, assets });
    }
    writeln!(
        out,
        "Adding {count} generated events ({} farms of 鹿鸣县 Luming County, documents of {BATCH})…",
        captors.len()
    )?;
    out.flush()?;

    // The next document is made on its own thread while the current one is captured; two
    // waiting documents are enough to never starve capture.
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Batch>>(2);
    let farms = marker.generated.farms.clone();
    let first_chain = marker.generated.chains;
    let now = now_micros();
    let this_year = super::cst_date(now);
    let new_year = super::cst_day_start(&format!("{}-01-01", this_year.get(..4).unwrap_or("1970")))
        .context("this year's first day")?;
    let generator = std::thread::spawn(move || {
        let mut chain = first_chain;
        let mut made = 0;
        while made < count {
            let events = BATCH.min(count - made);
            // Each document is one farm's: a capture acts for one organisation.
            #[allow(clippy::cast_possible_truncation, reason = "an index below 20")]
            let farm = ((chain / (BATCH / CHAIN)) % farms.len() as u64) as usize;
            let batch = make_batch(&farms, farm, chain, events, new_year);
            if let Ok(batch) = &batch {
                chain = batch.next_chain;
            }
            let failed = batch.is_err();
            if sender.blocking_send(batch).is_err() || failed {
                return;
            }
            made += events;
        }
    });

    let started = Instant::now();
    let mut last_report = Instant::now();
    let mut added = 0u64;
    while let Some(batch) = receiver.recv().await {
        if running.stopping() {
            writeln!(out, "Stopped after {added} of {count} events.")?;
            return Ok(());
        }
        let batch = batch?;
        let captor = captors.get(batch.farm).context("a generated farm")?;
        let captured = capture::capture(
            &running.ledger,
            captor,
            &batch.bytes,
            ErrorBehaviour::Rollback,
            true,
            now_micros(),
        )
        .await
        .map_err(|error| anyhow!("capturing generated events: {error:?}"))?;
        if captured.events.len() as u64 != batch.events || captured.events.iter().any(|e| !e.new) {
            bail!("a generated document was not stored as new events");
        }
        added += batch.events;
        marker.generated.events += batch.events;
        marker.generated.chains = batch.next_chain;
        marker.write(data)?;
        if last_report.elapsed().as_secs() >= 5 || added == count {
            last_report = Instant::now();
            let seconds = started.elapsed().as_secs_f64();
            #[allow(clippy::cast_precision_loss, reason = "a rate")]
            let rate = added as f64 / seconds.max(1e-9);
            writeln!(
                out,
                "  {added} of {count} events in {seconds:.1} s ({rate:.0} events/s)"
            )?;
            out.flush()?;
        }
    }
    let _ = generator.join();
    if added != count {
        bail!("only {added} of {count} generated events were added");
    }
    let seconds = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss, reason = "a rate")]
    let rate = added as f64 / seconds.max(1e-9);
    writeln!(
        out,
        "Added {added} events in {seconds:.1} s ({rate:.0} events/s, durable); this folder holds {} generated events.",
        marker.generated.events
    )?;
    // Integration into tiles and the witnessed checkpoint run alongside; say when they caught
    // up, since a benchmark of pages needs them.
    let size = store.log_state().await?.sequenced;
    let waited = Instant::now();
    if running
        .ledger
        .wait_published(size, std::time::Duration::from_secs(600))
        .await
        .is_some()
    {
        writeln!(
            out,
            "The witnessed checkpoint covers all {size} entries {:.1} s later ({:.1} s in all).",
            waited.elapsed().as_secs_f64(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(())
}
