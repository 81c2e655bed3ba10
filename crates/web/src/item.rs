//! What a consumer who scans an item is shown, and the evidence their phone checks: the item's
//! public records (its shared events, the 承诺达标合格证 of its lots, recalls that concern it),
//! each with the exact bytes the log committed to and a tlog-proof against the newest
//! checkpoint.
//!
//! `GET /api/item?id=…` answers it as JSON (for `retu verify` and other verifiers); the
//! consumer page (`consumer_page.rs`) renders the same [`ItemView`] and embeds its evidence.
//!
//! Only events captured as shared (`Retu-Shared: true`) are used, and the lineage is traced
//! through shared events only: a producer who keeps an event private keeps its bytes, and what
//! it links, off the page. A serialised item or a case is traced both ways (where it came from,
//! what it was packed into and where that went); a lot or a product only upstream, because
//! downstream of a lot are thousands of tins and every shop they reached.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gs1::DigitalLink;
use ledger::leaf::{EntryKind, Leaf};
use repository::certificate::Certificate;
use repository::lineage::{self, Direction, NodeKind, TraceRequest};
use repository::recall::{self, Recall};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Org, Store, StoredEvent, Visibility};

use crate::AppState;
use crate::problem::ApiError;

/// At most this many events are shown: a page a phone loads over a weak signal must stay
/// small (under 100 KB), and a consumer reads a journey, not an audit trail.
pub(crate) const MAX_EVENTS: usize = 40;

/// One record the page shows and the phone verifies: the leaf's fields as stored, except the
/// body digest, which the verifier computes from `body` itself.
#[derive(Clone, Debug)]
pub(crate) struct Evidence {
    pub index: u64,
    pub kind: EntryKind,
    /// The event hash ID, certificate number or recall ID (the leaf's second field).
    pub subject: String,
    pub org: String,
    /// The record time as the leaf spells it.
    pub time: String,
    /// The exact stored bytes.
    pub body: Vec<u8>,
    /// The C2SP tlog-proof text, or `None` while the record is not yet in a published
    /// checkpoint.
    pub proof: Option<String>,
}

impl Evidence {
    fn from_leaf(index: u64, leaf: &[u8], body: &[u8], proof: Option<String>) -> Option<Self> {
        let leaf = Leaf::decode(leaf).ok()?;
        Some(Evidence {
            index,
            kind: leaf.kind,
            subject: leaf.subject,
            org: leaf.org,
            time: ledger::leaf::format_time(leaf.record_time).ok()?,
            body: body.to_vec(),
            proof,
        })
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "logIndex": self.index,
            "kind": self.kind.as_str(),
            "subject": self.subject,
            "org": self.org,
            "time": self.time,
            // Stored bodies are JSON, hence UTF-8: the string's UTF-8 encoding is the stored
            // bytes exactly.
            "body": String::from_utf8_lossy(&self.body),
            "proof": self.proof,
        })
    }
}

/// Everything the consumer page of one identifier shows.
pub(crate) struct ItemView {
    /// The identifier as a canonical Digital Link on `id.gs1.org`.
    pub anchor: String,
    /// Its path (`/01/…/21/…`): the resolver path, and the code scans are counted under.
    pub path: String,
    pub kind: NodeKind,
    /// Shared events of its lineage, by event time (at most [`MAX_EVENTS`]).
    pub events: Vec<StoredEvent>,
    /// Whether events were left out.
    pub events_truncated: bool,
    /// Certificates of the item and of what it was made from, newest first.
    pub certificates: Vec<(Certificate, u64)>,
    /// Recalls that concern it.
    pub recalls: Vec<(Recall, u64)>,
    /// The organisations named by the records, by internal key.
    pub orgs: BTreeMap<i64, Org>,
    /// The evidence for every record above, by log index.
    pub evidence: Vec<Evidence>,
    /// The product's names (zh, en) from its producer's master data, when registered.
    pub product_names: Option<(String, Option<String>)>,
    /// Place names (zh, en) from the producers' master data, by identifier.
    pub place_names: HashMap<String, (String, Option<String>)>,
}

impl ItemView {
    /// The producer: the organisation that captured the earliest event, else the one that
    /// issued the newest certificate.
    pub(crate) fn producer(&self) -> Option<&Org> {
        self.events
            .iter()
            .min_by_key(|event| (event.event_time, event.index))
            .map(|event| event.org_id)
            .and_then(|id| self.orgs.get(&id))
    }
}

/// Parses a resolver path (`/01/…/10/…`) or any Digital Link URI into its canonical form.
pub(crate) fn parse_identifier(text: &str) -> Result<DigitalLink, ApiError> {
    let text = text.trim();
    let uri = if text.starts_with('/') {
        format!("{}{text}", gs1::GS1_RESOLVER.trim_end_matches('/'))
    } else {
        text.to_owned()
    };
    DigitalLink::parse(&uri)
        .map_err(|e| ApiError::query_parameter("id", format!("not a valid GS1 Digital Link: {e}")))
}

/// The path of a canonical `id.gs1.org` URI.
pub(crate) fn resolver_path(anchor: &str) -> String {
    anchor
        .strip_prefix(gs1::GS1_RESOLVER.trim_end_matches('/'))
        .unwrap_or(anchor)
        .to_owned()
}

/// Gathers an item's view; `None` when no public record names it.
///
/// The page is asked for on every scan, so the store is asked as few times as possible: the
/// public lineage, the recall notices (which follow every upstream link, shared or not: a
/// recall of a plot must reach the tin even if a middle step is private) and the scan count
/// run concurrently, and the proofs of all records come from one tile fetch.
pub(crate) async fn gather<S: Store>(
    state: &AppState<S>,
    link: &DigitalLink,
) -> Result<Option<ItemView>, ApiError> {
    let store = state.ledger.store();
    let levels = crate::resolver::levels(link);
    let anchor = levels[0].clone();
    let kind = NodeKind::of(&anchor);
    let direction = match kind {
        NodeKind::Item | NodeKind::LogisticUnit => Direction::Both,
        _ => Direction::Up,
    };
    let request = TraceRequest {
        id: anchor.clone(),
        direction,
        depth: lineage::DEFAULT_DEPTH,
        visibility: Visibility::SharedOnly,
    };
    let (traced, recalls) = tokio::join!(
        lineage::trace(store, &request),
        recall::notices(store, &anchor)
    );
    let (traced, recalls) = (traced?, recalls?);

    // Certificates of the item, the levels above it (its lot, its product) and everything
    // upstream of it: a tin's certificate is its lot's, and the plots' certificates are what
    // the tea was made from.
    let mut subjects: BTreeSet<String> = levels.iter().cloned().collect();
    subjects.extend(
        traced
            .nodes
            .iter()
            .filter(|node| node.upstream != Some(false))
            .map(|node| node.id.clone()),
    );
    let subjects: Vec<String> = subjects.into_iter().collect();
    let certificate_records = store
        .records_about(crate::certificate_api::CERTIFICATE_KIND, &subjects)
        .await?;
    if traced.events.is_empty() && certificate_records.is_empty() {
        return Ok(None);
    }

    let mut events = traced.events;
    events.sort_by_key(|event| (event.event_time, event.index));
    let events_truncated = events.len() > MAX_EVENTS;
    if events_truncated {
        // Keep the earliest (origin) and the latest (where it is now) halves.
        let head = MAX_EVENTS / 2;
        let tail = events.split_off(events.len() - (MAX_EVENTS - head));
        events.truncate(head);
        events.extend(tail);
    }
    let certificates: Vec<(Certificate, u64)> = certificate_records
        .iter()
        .rev()
        .filter_map(|record| {
            let certificate = serde_json::from_slice::<Certificate>(&record.body).ok()?;
            Some((certificate, record.index))
        })
        .collect();
    // Recalls are found upstream too (a tin made from a recalled lot); each is read by its
    // ID so that its exact bytes can be verified like the rest.
    let mut recall_records = Vec::new();
    for (recall, _) in &recalls {
        if let Some(record) = store.record(recall::RECALL_KIND, &recall.recall_id).await? {
            recall_records.push(record);
        }
    }

    // Every record's leaf fields and bytes, then all their proofs at once.
    let mut sources: Vec<(u64, &[u8], &[u8])> = events
        .iter()
        .map(|event| (event.index, event.leaf.as_slice(), event.body.as_slice()))
        .collect();
    sources.extend(
        certificate_records
            .iter()
            .chain(&recall_records)
            .map(|record| (record.index, record.leaf.as_slice(), record.body.as_slice())),
    );
    sources.sort_by_key(|(index, _, _)| *index);
    sources.dedup_by_key(|(index, _, _)| *index);
    let indices: Vec<u64> = sources.iter().map(|(index, _, _)| *index).collect();
    let proofs = state.ledger.tlog_proofs(&indices).await?;
    let evidence = sources
        .iter()
        .zip(proofs)
        .filter_map(|((index, leaf, body), proof)| {
            let proof = proof.and_then(|proof| String::from_utf8(proof.to_bytes()).ok());
            Evidence::from_leaf(*index, leaf, body, proof)
        })
        .collect();

    let mut orgs = BTreeMap::new();
    let org_ids: BTreeSet<i64> = events.iter().map(|event| event.org_id).collect();
    // Names from the producers' master data: the product by its GTIN, places by identifier.
    // A page names a few organisations, each with a handful of places and products.
    let gtin = resolver_path(&anchor)
        .strip_prefix("/01/")
        .and_then(|rest| rest.split('/').next())
        .map(str::to_owned);
    let mut product_names = None;
    let mut place_names = HashMap::new();
    for id in org_ids {
        // One round trip's wait for the three lookups of an organisation, not three: each
        // trip to SQLite's worker threads costs more than its query (docs/benchmarks.md).
        let visibility = Visibility::Org(id);
        let (org, locations, products) = tokio::join!(
            store.org(id),
            store.locations(&visibility),
            store.products(&visibility)
        );
        if let Some(org) = org? {
            orgs.insert(id, org);
        }
        for location in locations? {
            place_names.insert(
                location.identifier,
                (location.fields.name_zh, location.fields.name_en),
            );
        }
        if product_names.is_none() {
            product_names = products?
                .into_iter()
                .find(|product| Some(&product.gtin) == gtin.as_ref())
                .map(|product| (product.fields.name_zh, product.fields.name_en));
        }
    }
    Ok(Some(ItemView {
        path: resolver_path(&anchor),
        anchor,
        kind,
        events,
        events_truncated,
        certificates,
        recalls,
        orgs,
        evidence,
        product_names,
        place_names,
    }))
}

/// The query of `GET /api/item`.
#[derive(Debug, Deserialize)]
pub(crate) struct ItemParams {
    id: Option<String>,
}

/// The trust policy consumers' verifiers pin: the configured one (`retu serve --policy`), or
/// the log's key alone with no witness required when the log has no witnesses.
pub(crate) fn trust_policy<S: Store>(state: &AppState<S>) -> String {
    state
        .config
        .trust_policy
        .clone()
        .unwrap_or_else(|| format!("log {}\nquorum none\n", state.ledger.verifier()))
}

/// The JSON form of a view: the evidence a verifier needs and the policy the page pins.
pub(crate) fn view_json<S: Store>(state: &AppState<S>, view: &ItemView) -> Value {
    json!({
        "id": view.anchor,
        "path": view.path,
        "kind": view.kind.as_str(),
        "origin": state.ledger.origin(),
        "policy": trust_policy(state),
        "eventsTruncated": view.events_truncated,
        "recalled": !view.recalls.is_empty(),
        "certificates": view.certificates.iter().map(|(c, _)| &c.number).collect::<Vec<_>>(),
        "recalls": view.recalls.iter().map(|(r, _)| &r.recall_id).collect::<Vec<_>>(),
        "records": view.evidence.iter().map(Evidence::json).collect::<Vec<_>>(),
    })
}

/// `GET /api/item?id=…`: an item's public records with the bytes and proofs to verify them
/// (what the consumer page verifies, for auditors' tools such as `retu verify URL`).
pub(crate) async fn item<S: Store>(
    State(state): State<AppState<S>>,
    Query(params): Query<ItemParams>,
) -> Result<Response, ApiError> {
    let id = params.id.as_deref().unwrap_or_default();
    if id.trim().is_empty() {
        return Err(ApiError::query_parameter(
            "id",
            "name the item: a GS1 Digital Link or its path, such as /01/…/10/…",
        ));
    }
    let link = parse_identifier(id)?;
    let Some(view) = gather(&state, &link).await? else {
        return Err(ApiError::not_found(format!(
            "no public record names {}",
            link.to_constrained_uri(gs1::GS1_RESOLVER)
        )));
    };
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        view_json(&state, &view).to_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(response)
}

/// The query of the consumer page.
#[derive(Debug, Deserialize)]
pub(crate) struct PageParams {
    lang: Option<String>,
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, axum::response::Html(html)).into_response();
    // The page shows the newest checkpoint and scan count: caches may keep it briefly only.
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

/// `GET /item/{key}/{value}[/{qualifier}/{value}…]`: the consumer page of an item, the
/// resolver's `gs1:pip` link.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    headers: axum::http::HeaderMap,
    axum::extract::Path(path): axum::extract::Path<String>,
    Query(params): Query<PageParams>,
) -> Response {
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let path = format!("/{}", path.trim_matches('/'));
    let Ok(link) = parse_identifier(&path) else {
        return html_response(
            StatusCode::BAD_REQUEST,
            crate::resolver::not_found_page(locale, &path, "resolver.invalid.body"),
        );
    };
    let anchor = link.to_constrained_uri(gs1::GS1_RESOLVER);
    match gather(&state, &link).await {
        Ok(Some(view)) => {
            let evidence = view_json(&state, &view);
            let scans = crate::scan_api::scan_summary(&state, &view.path).await;
            let scan_line = crate::consumer_page::scan_sentence(&scans, locale);
            html_response(
                StatusCode::OK,
                crate::consumer_page::render(&view, &evidence, locale, Some(&scan_line)),
            )
        }
        Ok(None) => {
            let known = crate::resolver::is_known(state.ledger.store(), &anchor)
                .await
                .unwrap_or(false);
            let body = if known {
                "item.private.body"
            } else {
                "resolver.unknown.body"
            };
            html_response(
                StatusCode::NOT_FOUND,
                crate::resolver::not_found_page(locale, &anchor, body),
            )
        }
        Err(error) => error.into_response(),
    }
}

/// `GET /assets/{name}`: the page's scripts. A URL carries the content hash (`?v=`), so
/// they are cached for a year; a new binary changes the hash.
pub(crate) async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let body = match name.as_str() {
        "verify.js" => crate::consumer_page::VERIFY_JS.to_owned(),
        "consumer.js" => crate::consumer_page::consumer_script().to_owned(),
        "work.js" => crate::work_page::WORK_JS.to_owned(),
        _ => return ApiError::not_found(format!("no asset {name}")).into_response(),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
        .into_response()
}
