//! Recalls: everything downstream of an identifier, found in seconds, kept as a log entry.
//!
//! A recall traces down from the recalled identifier through every stored event (whoever
//! captured them: a recall must reach the distributor's and the shop's records too), lists what
//! it affects by kind, and is sequenced into the transparency log as a `recall` record whose
//! subjects are every affected identifier, so that looking any of them up finds the notice.
//! Items made later from a recalled lot are found too: [`notices`] looks up the recalls of the
//! identifier and of everything upstream of it.

use std::collections::BTreeSet;

use ledger::leaf::EntryKind;
use ledger::{Ledger, LedgerError, RecordEntry};
use serde::{Deserialize, Serialize};
use store::{Org, OrgAssets, Role, Store, StoreError, StoredRecord, Visibility};

use crate::capture::owns;
use crate::lineage::{self, Direction, NodeKind, Trace, TraceRequest};
use crate::normalize;
use crate::sheet::{Cell, Sheet};

/// The record kind of recalls.
pub const RECALL_KIND: &str = "recall";

/// The longest reason accepted, in characters.
pub const REASON_LIMIT: usize = 2000;

/// What a recall affects, each list sorted and without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// Serialised items (SGTIN and other serialised keys) and other identifiers.
    pub epcs: Vec<String>,
    /// Lots and product classes.
    pub lots: Vec<String>,
    /// Logistic units (SSCC).
    pub sscc: Vec<String>,
    /// Places the goods were made, kept, shipped from or to.
    pub locations: Vec<String>,
    /// The organisations whose records show the goods (Retu public IDs) and the parties
    /// (PGLN) goods were shipped from or to.
    pub organisations: Vec<String>,
}

/// A recall as stored (the record body the log commits to) and answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Recall {
    /// The recall's ID (`RC-` and a sequence number).
    pub recall_id: String,
    /// The recalled identifier, in its normal form.
    pub id: String,
    /// Why, in the recalling organisation's words.
    pub reason: String,
    /// The recalling organisation's public ID.
    pub organisation: String,
    /// When, RFC 3339 UTC.
    pub created_at: String,
    /// What it affects.
    pub affected: Affected,
    /// The log indices of the events the recall followed, in order.
    pub event_indices: Vec<u64>,
}

impl Recall {
    /// The exact bytes stored and committed to by the leaf: compact JSON, fields in the
    /// declared order, so the same recall always gives the same bytes.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads stored bytes back.
    pub fn from_record(record: &StoredRecord) -> Result<Self, StoreError> {
        serde_json::from_slice(&record.body)
            .map_err(|e| StoreError::Corrupt(format!("recall {}: {e}", record.record_id)))
    }

    /// The affected identifiers as a sheet (`kind`, `identifier`), for CSV and XLSX.
    pub fn sheet(&self) -> Sheet {
        let mut rows = Vec::new();
        for (kind, list) in [
            ("epc", &self.affected.epcs),
            ("lot", &self.affected.lots),
            ("sscc", &self.affected.sscc),
            ("location", &self.affected.locations),
            ("organisation", &self.affected.organisations),
        ] {
            for value in list {
                rows.push(vec![
                    Cell::text(self.recall_id.clone()),
                    Cell::text(kind),
                    Cell::text(value.clone()),
                ]);
            }
        }
        Sheet {
            name: "Recall".into(),
            headers: vec!["Recall".into(), "Kind".into(), "Identifier".into()],
            rows,
        }
    }
}

/// Why a recall was refused.
#[derive(Debug, thiserror::Error)]
pub enum RecallError {
    /// The request is malformed: the field and the i18n key of what is wrong.
    #[error("{field}: {key}")]
    Invalid {
        /// The JSON pointer of the field at fault.
        field: &'static str,
        /// The message's key in the `i18n` catalogs (placeholder `{limit}`: [`REASON_LIMIT`]).
        key: &'static str,
    },
    /// The caller may not recall this identifier (i18n key).
    #[error("{0}")]
    Forbidden(&'static str),
    /// No stored event names the identifier (i18n key).
    #[error("{0}")]
    Unknown(&'static str),
    /// The store or the log failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<StoreError> for RecallError {
    fn from(error: StoreError) -> Self {
        RecallError::Ledger(LedgerError::Store(error))
    }
}

/// Sorts a trace's nodes and events into the lists a recall reports.
pub fn affected<'a>(trace: &Trace, org_public_id: impl Fn(i64) -> Option<&'a str>) -> Affected {
    let mut epcs = BTreeSet::new();
    let mut lots = BTreeSet::new();
    let mut sscc = BTreeSet::new();
    let mut locations = BTreeSet::new();
    let mut organisations = BTreeSet::new();
    for node in &trace.nodes {
        let id = node.id.clone();
        match node.kind {
            NodeKind::Item | NodeKind::Other => epcs.insert(id),
            NodeKind::Lot | NodeKind::Class => lots.insert(id),
            NodeKind::LogisticUnit => sscc.insert(id),
            NodeKind::Location => locations.insert(id),
            NodeKind::Party => organisations.insert(id),
        };
    }
    for event in &trace.events {
        if let Some(public_id) = org_public_id(event.org_id) {
            organisations.insert(public_id.to_owned());
        }
        let parsed = std::str::from_utf8(&event.body)
            .ok()
            .and_then(|text| epcis::parse_json(text).ok())
            .and_then(|parsed| parsed.document.events.into_iter().next());
        for place in parsed
            .iter()
            .flat_map(|event| [&event.biz_location, &event.read_point])
            .filter_map(|place| place.as_ref().and_then(|l| l.id.as_deref()))
        {
            locations.insert(normalize::identifier(place));
        }
    }
    Affected {
        epcs: epcs.into_iter().collect(),
        lots: lots.into_iter().collect(),
        sscc: sscc.into_iter().collect(),
        locations: locations.into_iter().collect(),
        organisations: organisations.into_iter().collect(),
    }
}

/// Who is recalling.
#[derive(Clone, Debug)]
pub struct Recaller {
    /// The organisation.
    pub org: Org,
    /// What it owns (its company prefixes decide whether it may recall an identifier).
    pub assets: OrgAssets,
}

/// Recalls `id` and everything downstream of it: traces, records the recall in the log, and
/// returns it with its log index. An admin or a county office may recall anything; a member
/// organisation what carries one of its company prefixes or what it has recorded events of.
pub async fn recall<S: Store>(
    ledger: &Ledger<S>,
    recaller: &Recaller,
    id: &str,
    reason: &str,
    now_micros: i64,
) -> Result<(Recall, u64), RecallError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(RecallError::Invalid {
            field: "/id",
            key: "recall.problem.id_required",
        });
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RecallError::Invalid {
            field: "/reason",
            key: "recall.problem.reason_required",
        });
    }
    if reason.chars().count() > REASON_LIMIT {
        return Err(RecallError::Invalid {
            field: "/reason",
            key: "recall.problem.reason_too_long",
        });
    }
    let store = ledger.store();
    let normal = normalize::identifier(id);
    let trace = lineage::trace(
        store,
        &TraceRequest {
            id: normal.clone(),
            direction: Direction::Down,
            depth: lineage::MAX_DEPTH,
            visibility: Visibility::All,
        },
    )
    .await?;
    if trace.events.is_empty() {
        return Err(RecallError::Unknown("recall.problem.unknown_id"));
    }
    let allowed = match recaller.org.role {
        Role::Admin => true,
        // A county office answers for its own county's producers: it may recall a lot one of
        // them recorded, never another county's goods (a recall is a permanent public notice).
        Role::County => {
            let county = recaller.org.county.as_deref().unwrap_or_default();
            let recorders: std::collections::BTreeSet<i64> = trace
                .events
                .iter()
                .filter(|event| trace_names(event, &normal))
                .map(|event| event.org_id)
                .collect();
            let mut in_county = false;
            for org_id in recorders {
                if !county.is_empty()
                    && store
                        .org(org_id)
                        .await?
                        .is_some_and(|org| org.county.as_deref() == Some(county))
                {
                    in_county = true;
                    break;
                }
            }
            in_county
        }
        Role::Member => {
            owns(&recaller.assets, &normal) == Some(true)
                || trace
                    .events
                    .iter()
                    .any(|event| event.org_id == recaller.org.id && trace_names(event, &normal))
        }
    };
    if !allowed {
        return Err(RecallError::Forbidden("recall.problem.not_yours"));
    }

    let orgs = store.orgs().await?;
    let affected = affected(&trace, |org_id| {
        orgs.iter()
            .find(|org| org.id == org_id)
            .map(|org| org.public_id.as_str())
    });
    let mut subjects: BTreeSet<String> = trace
        .nodes
        .iter()
        .filter(|node| !matches!(node.kind, NodeKind::Location | NodeKind::Party))
        .map(|node| node.id.clone())
        .collect();
    subjects.insert(normal.clone());
    // The clock is the server's own; a time outside years 0–9999 is a broken clock, reported
    // as a log error rather than blamed on the request.
    let created_at = ledger::leaf::format_time(now_micros)
        .map_err(|e| RecallError::Ledger(LedgerError::BadRecord(e.to_string())))?;

    // Recall IDs are sequential: easy to read out on the phone to a shop. Two recalls made at
    // the same moment may pick the same number; the store refuses the second, which retries.
    let mut attempt = store.count_records(RECALL_KIND).await?;
    loop {
        attempt += 1;
        let recall = Recall {
            recall_id: format!("RC-{attempt:06}"),
            id: normal.clone(),
            reason: reason.to_owned(),
            organisation: recaller.org.public_id.clone(),
            created_at: created_at.clone(),
            affected: affected.clone(),
            event_indices: trace.events.iter().map(|event| event.index).collect(),
        };
        let entry = RecordEntry {
            kind: EntryKind::Recall,
            record_id: recall.recall_id.clone(),
            org_id: recaller.org.id,
            org_public_id: recaller.org.public_id.clone(),
            created_at: now_micros,
            body: recall.body(),
            subjects: subjects.iter().cloned().collect(),
        };
        match ledger.append_record(entry).await {
            Ok(index) => return Ok((recall, index)),
            Err(LedgerError::Store(StoreError::Conflict(_))) if attempt < u64::MAX => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

/// Whether a stored event names `id` among its identifiers.
fn trace_names(event: &store::StoredEvent, id: &str) -> bool {
    std::str::from_utf8(&event.body)
        .ok()
        .and_then(|text| epcis::parse_json(text).ok())
        .and_then(|parsed| parsed.document.events.into_iter().next())
        .is_some_and(|event| {
            crate::capture::identifiers(&event)
                .iter()
                .any(|(_, named)| named == id)
        })
}

/// The recalls that concern `id`: those naming it or anything it was made from, packed from
/// or belongs to (so an item made from a recalled lot after the recall is found too), oldest
/// first, with their log indices.
pub async fn notices<S: Store>(store: &S, id: &str) -> Result<Vec<(Recall, u64)>, StoreError> {
    let normal = normalize::identifier(id);
    let upstream = lineage::trace(
        store,
        &TraceRequest {
            id: normal.clone(),
            direction: Direction::Up,
            depth: lineage::MAX_DEPTH,
            visibility: Visibility::All,
        },
    )
    .await?;
    let subjects: Vec<String> = upstream
        .nodes
        .iter()
        .filter(|node| !matches!(node.kind, NodeKind::Location | NodeKind::Party))
        .map(|node| node.id.clone())
        .collect();
    store
        .records_about(RECALL_KIND, &subjects)
        .await?
        .iter()
        .map(|record| Recall::from_record(record).map(|recall| (recall, record.index)))
        .collect()
}
