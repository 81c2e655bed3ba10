//! The log's read side, C2SP tlog-tiles under `/log/`: the checkpoint, tiles, entry bundles and
//! the log key, plus a C2SP tlog-proof for any visible event. Tiles and bundles are immutable (a
//! partial tile carries its width in its path), so they are served with long-lived cache headers
//! and a CDN can take the scan traffic; only the checkpoint changes.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use store::Store;
use tlog::{BundleCoord, TileCoord};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::ApiError;

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn with_headers(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    response
}

/// `GET /log/checkpoint`: the newest signed checkpoint.
pub(crate) async fn checkpoint<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<Response, ApiError> {
    let published = state
        .ledger
        .latest()
        .ok_or_else(|| ApiError::unavailable("the log has not published a checkpoint yet"))?;
    // Mutable: caches may keep it for a couple of seconds at most (C2SP tlog-tiles).
    Ok(with_headers(
        published.note.clone(),
        "text/plain; charset=utf-8",
        "public, max-age=2",
    ))
}

/// `GET /log/key`: the log's verifier key (vkey).
pub(crate) async fn key<S: Store>(State(state): State<AppState<S>>) -> Response {
    let vkey = format!("{}\n", state.ledger.verifier());
    with_headers(
        vkey.into_bytes(),
        "text/plain; charset=utf-8",
        "public, max-age=3600",
    )
}

/// `GET /log/tile/{L}/{N}[.p/{W}]` and `GET /log/tile/entries/{N}[.p/{W}]`.
pub(crate) async fn tile<S: Store>(
    State(state): State<AppState<S>>,
    Path(rest): Path<String>,
) -> Result<Response, ApiError> {
    let path = format!("tile/{rest}");
    if path.starts_with("tile/entries/") {
        let coord =
            BundleCoord::parse_path(&path).map_err(|e| ApiError::not_found(e.to_string()))?;
        let bundle = state
            .ledger
            .entry_bundle(coord)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("{path} is not in the log yet")))?;
        return Ok(with_headers(bundle, "application/octet-stream", IMMUTABLE));
    }
    let coord = TileCoord::parse_path(&path).map_err(|e| ApiError::not_found(e.to_string()))?;
    let tile = state
        .ledger
        .tile(coord)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{path} is not in the log yet")))?;
    Ok(with_headers(tile, "application/octet-stream", IMMUTABLE))
}

#[derive(Deserialize)]
pub(crate) struct ProofQuery {
    event: Option<String>,
    certificate: Option<String>,
    recall: Option<String>,
}

/// `GET /log/proof?event={eventID}` (or `certificate={number}`, `recall={recallId}`): a
/// tlog-proof for the entry against the newest checkpoint. Certificates and recalls are public
/// records; an event's proof is for those who may read the event.
pub(crate) async fn proof<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(query): Query<ProofQuery>,
) -> Result<Response, ApiError> {
    let store = state.ledger.store();
    let index = match (&query.event, &query.certificate, &query.recall) {
        (Some(event_id), None, None) => {
            let event = store
                .event(event_id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no event {event_id}")))?;
            let owner_county = store.org(event.org_id).await?.and_then(|o| o.county);
            // Records the caller may not read do not exist as far as the caller can tell.
            if !caller.can_read(event.org_id, event.shared, owner_county.as_deref()) {
                return Err(ApiError::not_found(format!("no event {event_id}")));
            }
            event.index
        }
        (None, Some(id), None) | (None, None, Some(id)) => {
            let kind = if query.certificate.is_some() {
                "certificate"
            } else {
                "recall"
            };
            store
                .record(kind, id.trim())
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no {kind} {id}")))?
                .index
        }
        _ => {
            return Err(ApiError::query_parameter(
                "event",
                "name one entry: event, certificate or recall",
            ));
        }
    };
    let proof = state.ledger.tlog_proof(index).await?;
    Ok(with_headers(
        proof.to_bytes(),
        "text/plain; charset=utf-8",
        "no-cache",
    ))
}
