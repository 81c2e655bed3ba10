//! 承诺达标合格证 (commitment-to-standards certificates): `POST /api/certificates` issues one
//! for a production batch and logs it; `GET /api/certificates/{number}` answers its JSON (public,
//! with what is needed to check it against the log); `GET /c/{number}` is the printable page
//! the QR code on the label points to.
//!
//! A certificate is never deleted: it is an entry of the append-only log, and the store has no
//! way to remove records. `deletableAfter` in the JSON says when the retention period the
//! Measures set has passed, for the day a later archive policy moves old records away.

use std::collections::{BTreeSet, HashMap, VecDeque};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use i18n::Locale;
use ledger::leaf::EntryKind;
use ledger::{LedgerError, RecordEntry, now_micros};
use repository::certificate::{
    Certificate, CertificateDraft, certificate_number, is_county_code, normalize_certificate_number,
};
use repository::lineage::{self, Direction, TraceRequest};
use repository::normalize;
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Role, Store, StoreError, StoredRecord, Visibility};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

/// The record kind of certificates (the leaf's `kind`).
pub(crate) const CERTIFICATE_KIND: &str = "certificate";

/// The public address of a certificate's page, for its QR code and links.
fn page_url<S>(state: &AppState<S>, headers: &HeaderMap, number: &str) -> String {
    format!("{}/c/{number}", crate::public_base(state, headers))
}

fn problem(locale: Locale, pointer: &str, key: &'static str) -> FieldProblem {
    FieldProblem {
        pointer: pointer.to_owned(),
        detail: i18n::t(locale, key).to_owned(),
    }
}

fn invalid(locale: Locale, problems: Vec<FieldProblem>) -> ApiError {
    ApiError::invalid_request(i18n::t(locale, "cert.problem.summary"), problems)
}

/// A stored certificate.
fn read(record: &StoredRecord) -> Result<Certificate, ApiError> {
    serde_json::from_slice(&record.body).map_err(|e| {
        ApiError::from(StoreError::Corrupt(format!(
            "certificate {}: {e}",
            record.record_id
        )))
    })
}

/// The nearest certified lots upstream of `lot`: walking up its lineage, each path stops at
/// the first lot that has a certificate. These are the certificates a re-issued certificate
/// (after mixing, splitting or processing) links to as its parents.
async fn nearest_certified_ancestors<S: Store>(
    store: &S,
    lot: &str,
) -> Result<(Vec<String>, BTreeSet<String>), ApiError> {
    let upstream = lineage::trace(
        store,
        &TraceRequest {
            id: lot.to_owned(),
            direction: Direction::Up,
            depth: lineage::MAX_DEPTH,
            visibility: Visibility::All,
        },
    )
    .await?;
    let ancestors: BTreeSet<String> = upstream
        .nodes
        .iter()
        .skip(1)
        .map(|node| node.id.clone())
        .collect();
    let list: Vec<String> = ancestors.iter().cloned().collect();
    let mut certified: HashMap<String, Vec<String>> = HashMap::new();
    for record in store.records_about(CERTIFICATE_KIND, &list).await? {
        let certificate = read(&record)?;
        certified
            .entry(normalize::identifier(&certificate.content.batch.lot))
            .or_default()
            .push(certificate.number);
    }
    let mut parents_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for edge in &upstream.edges {
        parents_of
            .entry(edge.to.as_str())
            .or_default()
            .push(edge.from.as_str());
    }
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from([lot]);
    let mut visited: BTreeSet<&str> = BTreeSet::from([lot]);
    while let Some(node) = queue.pop_front() {
        for parent in parents_of.get(node).into_iter().flatten() {
            if !visited.insert(parent) {
                continue;
            }
            match certified.get(*parent) {
                Some(numbers) => found.extend(numbers.iter().cloned()),
                None => queue.push_back(parent),
            }
        }
    }
    Ok((found.into_iter().collect(), ancestors))
}

/// Whether an event records a harvest (commissioning) or production (transformation,
/// aggregation) that a certificate may be issued from.
fn is_batch_event(event: &epcis::Event) -> bool {
    use epcis::model::EventType;
    let add = event.action.as_deref().map(str::trim) == Some("ADD");
    match event.event_type {
        Some(EventType::ObjectEvent) => add,
        Some(EventType::AggregationEvent) => add,
        Some(EventType::TransformationEvent) => true,
        _ => false,
    }
}

/// `POST /api/certificates`: issues a certificate for a production batch (a draft in JSON) and
/// logs it; 201 with the certificate, its number and its page.
pub(crate) async fn issue<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = caller.require()?.clone();
    let locale = crate::request_locale(&headers, None);
    let mut draft: CertificateDraft = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid_request(
            format!("{}: {e}", i18n::t(locale, "cert.problem.not_json")),
            vec![FieldProblem {
                pointer: String::new(),
                detail: e.to_string(),
            }],
        )
    })?;
    let store = state.ledger.store();

    // The batch: an event of this organisation that records a harvest or production and
    // names the lot.
    let event_id = draft.batch.event_id.trim().to_owned();
    let stored = store.event(&event_id).await?;
    let Some(stored) = stored else {
        return Err(invalid(
            locale,
            vec![problem(
                locale,
                "/batch/eventId",
                "cert.problem.no_such_event",
            )],
        ));
    };
    if org.role != Role::Admin && stored.org_id != org.id {
        return Err(ApiError::forbidden(i18n::t(
            locale,
            "cert.problem.not_your_event",
        )));
    }
    let event = std::str::from_utf8(&stored.body)
        .ok()
        .and_then(|text| epcis::parse_json(text).ok())
        .and_then(|parsed| parsed.document.events.into_iter().next())
        .ok_or_else(|| {
            ApiError::from(StoreError::Corrupt(format!(
                "event {event_id} does not parse"
            )))
        })?;
    if !is_batch_event(&event) {
        return Err(invalid(
            locale,
            vec![problem(
                locale,
                "/batch/eventId",
                "cert.problem.not_a_batch_event",
            )],
        ));
    }
    let lot = normalize::identifier(&draft.batch.lot);
    let named = repository::capture::identifiers(&event)
        .into_iter()
        .any(|(_, id)| id == lot);
    if !named {
        return Err(invalid(
            locale,
            vec![problem(
                locale,
                "/batch/lot",
                "cert.problem.lot_not_in_event",
            )],
        ));
    }

    // Parents: the ones given must exist and cover lots this lot was made from; none given
    // means the nearest certified lots upstream.
    let (nearest, ancestors) = nearest_certified_ancestors(store, &lot).await?;
    if draft.parents.is_empty() {
        draft.parents = nearest;
    } else {
        let mut problems = Vec::new();
        for (i, parent) in draft.parents.iter_mut().enumerate() {
            let pointer = format!("/parents/{i}");
            let Some(number) = normalize_certificate_number(parent) else {
                problems.push(problem(locale, &pointer, "cert.problem.certificate_number"));
                continue;
            };
            match store.record(CERTIFICATE_KIND, &number).await? {
                None => problems.push(problem(locale, &pointer, "cert.problem.no_such_parent")),
                Some(record) => {
                    let parent_lot = normalize::identifier(&read(&record)?.content.batch.lot);
                    if !ancestors.contains(&parent_lot) {
                        problems.push(problem(
                            locale,
                            &pointer,
                            "cert.problem.parent_not_upstream",
                        ));
                    }
                }
            }
            *parent = number;
        }
        if !problems.is_empty() {
            return Err(invalid(locale, problems));
        }
    }

    // Numbers count certificates across the whole server, so they are unique whatever the
    // county; a race between two issues is settled by the store, and the loser takes the next.
    let county = org
        .county
        .as_deref()
        .filter(|code| is_county_code(code))
        .unwrap_or("000000")
        .to_owned();
    let issued_at = now_micros();
    let mut sequence = store.count_records(CERTIFICATE_KIND).await?;
    loop {
        sequence += 1;
        let number = certificate_number(&county, issued_at, sequence);
        let certificate = Certificate::issue(
            draft.clone(),
            number.clone(),
            org.public_id.clone(),
            issued_at,
        )
        .map_err(|problems| {
            invalid(
                locale,
                problems
                    .into_iter()
                    .map(|p| problem(locale, &p.pointer, p.message_key))
                    .collect(),
            )
        })?;
        let entry = RecordEntry {
            kind: EntryKind::Certificate,
            record_id: number.clone(),
            org_id: org.id,
            org_public_id: org.public_id.clone(),
            created_at: issued_at,
            body: certificate.canonical_bytes(),
            subjects: vec![lot.clone()],
        };
        match state.ledger.append_record(entry).await {
            Ok(index) => {
                let page = page_url(&state, &headers, &number);
                let mut response = (
                    StatusCode::CREATED,
                    [(header::CONTENT_TYPE, "application/json")],
                    certificate_json(&certificate, index, &page).to_string(),
                )
                    .into_response();
                if let Ok(location) = HeaderValue::from_str(&format!("/api/certificates/{number}"))
                {
                    response.headers_mut().insert(header::LOCATION, location);
                }
                return Ok(response);
            }
            Err(LedgerError::Store(StoreError::Conflict(_))) => continue,
            Err(error) => return Err(error.into()),
        }
    }
}

fn certificate_json(certificate: &Certificate, log_index: u64, page: &str) -> Value {
    json!({
        "number": certificate.number,
        "logIndex": log_index,
        "page": page,
        "proof": format!("/log/proof?certificate={}", certificate.number),
        "deletableAfter": ledger::leaf::format_time(certificate.deletable_after()).unwrap_or_default(),
        "certificate": certificate,
    })
}

/// Looks a certificate up by a number as typed (lower case, O for 0, without hyphens).
async fn find<S: Store>(
    state: &AppState<S>,
    typed: &str,
) -> Result<Option<(Certificate, u64)>, ApiError> {
    let Some(number) = normalize_certificate_number(typed) else {
        return Ok(None);
    };
    let Some(record) = state
        .ledger
        .store()
        .record(CERTIFICATE_KIND, &number)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((read(&record)?, record.index)))
}

/// `GET /api/certificates/{number}`: the certificate as JSON, public like the printed slip.
pub(crate) async fn certificate<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let (certificate, index) = find(&state, &number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no certificate {number}")))?;
    let page = page_url(&state, &headers, &certificate.number);
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        certificate_json(&certificate, index, &page).to_string(),
    )
        .into_response())
}

/// The query of the certificate page.
#[derive(Debug, Deserialize)]
pub(crate) struct PageParams {
    lang: Option<String>,
}

/// `GET /c/{number}`: the printable certificate page, in the reader's language.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Path(number): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let language = HeaderValue::from_static(match locale {
        Locale::ZhCn => "zh-CN",
        Locale::En => "en",
    });
    Ok(match find(&state, &number).await? {
        Some((certificate, index)) => {
            let url = page_url(&state, &headers, &certificate.number);
            let html = crate::certificate_page::render_certificate(
                &certificate,
                locale,
                &url,
                Some(index),
            );
            (
                StatusCode::OK,
                [
                    (header::CONTENT_LANGUAGE, language),
                    (header::VARY, HeaderValue::from_static("Accept-Language")),
                ],
                Html(html),
            )
                .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_LANGUAGE, language)],
            Html(crate::certificate_page::render_certificate_not_found(
                locale,
            )),
        )
            .into_response(),
    })
}
