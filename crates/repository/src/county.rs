//! The county dashboard's numbers, computed from the platform's own records: producers,
//! producers with at least one traced batch in the period, traced batches, 承诺达标合格证 and
//! scans, by township and village, with the records behind each number.
//!
//! A *traced batch* is a lot that came into being in a recorded event: a harvest or production
//! (an ObjectEvent `ADD` with `bizStep` commissioning naming a quantity of a lot) or a
//! transformation's output lot. Its place is the event's business location (else read point),
//! whose township and village come from the producer's master data.
//!
//! The traceability-coverage indicator approximates MARA's 农产品质量安全追溯信息化水平: the
//! share of the county's registered producers that traced at least one batch in the period.
//! MARA measures the share of output under traceability and its exact definition and weights
//! are not public (`docs/county-dashboard.md`); the dashboard says so next to the number.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;
use store::{Condition, EventQuery, Order, Role, Store, StoreError, TimeField, Visibility};

/// At most this many events of a period are read; beyond it the summary says it is partial.
/// A county records far fewer events a year than this, and the dashboard answers in seconds.
pub const EVENT_LIMIT: usize = 200_000;

/// Events read per store query.
const PAGE: u32 = 5_000;

/// One traced batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The lot (canonical Digital Link of the class).
    pub lot: String,
    /// The producer's internal key.
    pub org_id: i64,
    /// The event that made it.
    pub log_index: u64,
    /// When (µs, UTC).
    pub event_time: i64,
    /// The township and village of its place, when the place is in master data.
    pub township: Option<String>,
    /// The village.
    pub village: Option<String>,
}

/// A certificate issued in the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// Its number.
    pub number: String,
    /// The issuing organisation's internal key.
    pub org_id: i64,
    /// Its log index.
    pub log_index: u64,
}

/// The numbers of one township and village.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Area {
    /// Producers with a traced batch there.
    pub producers: BTreeSet<i64>,
    /// Traced batches there.
    pub batches: usize,
}

/// The county's numbers for a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The county code.
    pub county: String,
    /// The registered producers: the county's member organisations, by internal key, with
    /// their public ID and name.
    pub producers: BTreeMap<i64, (String, String)>,
    /// The traced batches, by event time.
    pub batches: Vec<Batch>,
    /// Certificates issued in the period by the county's producers.
    pub certificates: Vec<IssuedCertificate>,
    /// Scans of the county's codes in the period.
    pub scans: u64,
    /// By (township, village); `None`s where the place is not in master data.
    pub areas: BTreeMap<(Option<String>, Option<String>), Area>,
    /// Whether [`EVENT_LIMIT`] stopped the reading.
    pub partial: bool,
}

impl Summary {
    /// The producers with at least one traced batch in the period.
    pub fn tracing_producers(&self) -> BTreeSet<i64> {
        self.batches.iter().map(|batch| batch.org_id).collect()
    }

    /// Traceability coverage: producers tracing / registered producers, `None` with none
    /// registered.
    pub fn coverage(&self) -> Option<f64> {
        if self.producers.is_empty() {
            return None;
        }
        let tracing = self
            .tracing_producers()
            .iter()
            .filter(|id| self.producers.contains_key(id))
            .count();
        #[allow(clippy::cast_precision_loss, reason = "counts of organisations")]
        Some(tracing as f64 / self.producers.len() as f64)
    }
}

/// The lots an event brings into being.
pub fn batches_of(body: &Value) -> Vec<String> {
    let kind = body.get("type").and_then(Value::as_str).unwrap_or_default();
    let step = body
        .get("bizStep")
        .and_then(Value::as_str)
        .map(|s| s.rsplit(['-', '/', ':']).next().unwrap_or(s))
        .unwrap_or_default();
    let classes = |field: &str| -> Vec<String> {
        body.get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|q| q.get("epcClass").and_then(Value::as_str))
            .map(crate::normalize::identifier)
            .collect()
    };
    match kind {
        "TransformationEvent" => classes("outputQuantityList"),
        "ObjectEvent"
            if step == "commissioning"
                && body.get("action").and_then(Value::as_str) == Some("ADD") =>
        {
            classes("quantityList")
        }
        _ => Vec::new(),
    }
}

fn place_of(body: &Value) -> Option<String> {
    ["bizLocation", "readPoint"]
        .iter()
        .find_map(|field| body.get(field)?.get("id")?.as_str())
        .map(crate::normalize::identifier)
}

/// The county's numbers for events in `[from, to)` (µs, UTC).
pub async fn summary<S: Store>(
    store: &S,
    county: &str,
    from: i64,
    to: i64,
) -> Result<Summary, StoreError> {
    let producers: BTreeMap<i64, (String, String)> = store
        .orgs()
        .await?
        .into_iter()
        .filter(|org| org.role == Role::Member && org.county.as_deref() == Some(county))
        .map(|org| (org.id, (org.public_id, org.name)))
        .collect();
    let visibility = Visibility::County(county.to_owned());
    let places: HashMap<String, (Option<String>, Option<String>)> = store
        .locations(&visibility)
        .await?
        .into_iter()
        .map(|l| (l.identifier, (l.fields.township, l.fields.village)))
        .collect();

    let mut batches = Vec::new();
    let mut areas: BTreeMap<(Option<String>, Option<String>), Area> = BTreeMap::new();
    let mut read = 0usize;
    let mut after = None;
    let mut partial = false;
    loop {
        // Only the county's own records, and only the kinds that can make a batch: another
        // county's shared events, and the inspections, shipments and sales of this one, would
        // only be read to be skipped.
        let query = EventQuery {
            conditions: vec![
                Condition::RecordedInCounty(county.to_owned()),
                Condition::EventType(vec![
                    "ObjectEvent".to_owned(),
                    "TransformationEvent".to_owned(),
                ]),
                Condition::TimeAtLeast(TimeField::EventTime, from),
                Condition::TimeBefore(TimeField::EventTime, to),
            ],
            visibility: visibility.clone(),
            order: Order::Index,
            descending: false,
            limit: PAGE,
            after,
        };
        let page = store.query_events(&query).await?;
        let Some(last) = page.last() else { break };
        after = Some((i64::try_from(last.index).unwrap_or(i64::MAX), last.index));
        read += page.len();
        for event in &page {
            if !producers.contains_key(&event.org_id) {
                continue;
            }
            let Ok(body) = serde_json::from_slice::<Value>(&event.body) else {
                continue;
            };
            let (township, village) = place_of(&body)
                .and_then(|place| places.get(&place).cloned())
                .unwrap_or_default();
            for lot in batches_of(&body) {
                let area = areas
                    .entry((township.clone(), village.clone()))
                    .or_default();
                area.producers.insert(event.org_id);
                area.batches += 1;
                batches.push(Batch {
                    lot,
                    org_id: event.org_id,
                    log_index: event.index,
                    event_time: event.event_time,
                    township: township.clone(),
                    village: village.clone(),
                });
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
        if read >= EVENT_LIMIT {
            partial = true;
            break;
        }
    }
    batches.sort_by_key(|batch| (batch.event_time, batch.log_index));

    // Certificates and recalls are few next to events: all records are read and filtered.
    let size = store.log_state().await?.sequenced;
    let certificates = store
        .records_in(0, size)
        .await?
        .into_iter()
        .filter(|record| {
            record.kind == "certificate"
                && producers.contains_key(&record.org_id)
                && (from..to).contains(&record.created_at)
        })
        .map(|record| IssuedCertificate {
            number: record.record_id,
            org_id: record.org_id,
            log_index: record.index,
        })
        .collect();

    // Scans of the codes under the producers' company prefixes and county-issued GTINs.
    let mut code_prefixes = Vec::new();
    for id in producers.keys() {
        let assets = store.org_assets(*id).await?;
        code_prefixes.extend(crate::scans::code_prefixes(&assets.company_prefixes));
        code_prefixes.extend(assets.gtins.iter().map(|gtin| format!("/01/{gtin}")));
    }
    let scans = if code_prefixes.is_empty() {
        0
    } else {
        store
            .scan_activity(&code_prefixes, from)
            .await?
            .iter()
            .filter(|row| row.hour < to)
            .map(|row| row.count)
            .sum()
    };
    Ok(Summary {
        county: county.to_owned(),
        producers,
        batches,
        certificates,
        scans,
        areas,
        partial,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::batches_of;

    #[test]
    fn harvests_productions_and_transformation_outputs_are_batches() {
        let harvest = json!({"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234111118/10/L1", "quantity": 1}]});
        assert_eq!(
            batches_of(&harvest),
            ["https://id.gs1.org/01/06901234111118/10/L1"]
        );
        let made = json!({"type": "TransformationEvent",
            "inputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.011111.L1"}],
            "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.022222.M1"}]});
        assert_eq!(
            batches_of(&made),
            ["https://id.gs1.org/01/06901234222227/10/M1"]
        );
        let shipped = json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "quantityList": [{"epcClass": "https://id.gs1.org/01/06901234111118/10/L1"}]});
        assert!(batches_of(&shipped).is_empty());
        let tins = json!({"type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "epcList": ["https://id.gs1.org/01/06901234333336/21/1"]});
        assert!(batches_of(&tins).is_empty());
    }
}
