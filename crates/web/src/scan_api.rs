//! Consumer scans over HTTP (`docs/scans.md`):
//!
//! - `POST /api/scans {"code": "/01/…/21/…", "timeZone": "Asia/Shanghai"}`: the beacon the
//!   consumer page sends once it has loaded. Public, 204. The body is read as JSON whatever
//!   its media type (`navigator.sendBeacon` sends strings as `text/plain`), at most
//!   [`BODY_LIMIT`] bytes. Only the code and the time zone are read: the handler never looks
//!   at the client address, cookies or other headers, and stores counts per (code, hour, time
//!   zone), never a request. The rate limiter (`limit.rs`) keys anonymous callers by client
//!   address, in memory only, and forgets idle ones within minutes.
//! - `GET /api/scans?code=…`: a code's public count, `{code, total, firstScan, scansLast24h}`.
//! - `GET /api/scans/flags`: codes that look copied, for their owners (bearer token): a member
//!   sees the codes of its GS1 company prefixes, a county office those of its county's
//!   organisations, the admin every code; reasons in the caller's language.
//! - [`scan_summary`]: what the consumer page shows ("scanned N times since …").
//!
//! Scans are counted in memory ([`repository::scans::ScanBook`], in [`AppState::scans`]) and
//! written by [`flush_scans`] every second, so a beacon or a page view never waits for a
//! database write; counts shown lag by up to that interval.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use i18n::Locale;
use ledger::now_micros;
use repository::scans::{self, CodeError, Flag, ScanBook, ScanSummary};
use serde::Deserialize;
use serde_json::{Value, json};
use store::Store;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

/// The largest beacon body read, in bytes: a code and a time zone fit many times over.
pub(crate) const BODY_LIMIT: usize = 4096;

fn json_answer(status: StatusCode, value: &Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response();
    // Counts change with every scan: never from a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn code_detail(error: &CodeError, locale: Locale) -> String {
    match error {
        CodeError::Invalid(detail) => i18n::tf(locale, error.key(), &[("detail", detail)]),
        other => i18n::t(locale, other.key()).to_owned(),
    }
}

/// An RFC 3339 UTC time to the second (`2026-04-01T08:00:00Z`), `null` for none.
fn rfc3339(micros: Option<i64>) -> Value {
    micros
        .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1_000_000)).ok())
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map_or(Value::Null, Value::String)
}

/// `POST /api/scans`: counts one scan; 204, or a problem pointing at the field at fault.
pub(crate) async fn record<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::too_large(format!("a scan is at most {BODY_LIMIT} bytes")))?;
    let not_json = || {
        let detail = i18n::t(locale, "scans.problem.not_json");
        ApiError::invalid_request(
            detail,
            vec![FieldProblem {
                pointer: String::new(),
                detail: detail.to_owned(),
            }],
        )
    };
    let beacon: Value = serde_json::from_slice(&bytes).map_err(|_| not_json())?;
    let Value::Object(beacon) = beacon else {
        return Err(not_json());
    };
    let code = beacon
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let code = scans::canonical_code(code).map_err(|error| {
        let detail = code_detail(&error, locale);
        ApiError::invalid_request(
            detail.clone(),
            vec![FieldProblem {
                pointer: "/code".into(),
                detail,
            }],
        )
    })?;
    let time_zone = scans::time_zone(beacon.get("timeZone").and_then(Value::as_str));
    // A full book (the store unreachable for long) drops the scan: a beacon is best effort,
    // and its sender does not read the answer. The flush task reports drops.
    state.scans.record(&code, &time_zone, now_micros());
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The query of `GET /api/scans`.
#[derive(Debug, Deserialize)]
pub(crate) struct CountParams {
    code: Option<String>,
}

/// `GET /api/scans?code=…`: `{code, total, firstScan, scansLast24h}` of a code.
pub(crate) async fn count<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
    Query(params): Query<CountParams>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let code = scans::canonical_code(params.code.as_deref().unwrap_or_default())
        .map_err(|error| ApiError::query_parameter("code", code_detail(&error, locale)))?;
    let summary = state
        .scans
        .summary(state.ledger.store(), &code, now_micros())
        .await?;
    Ok(json_answer(StatusCode::OK, &summary_json(&summary)))
}

fn summary_json(summary: &ScanSummary) -> Value {
    json!({
        "code": summary.code,
        "total": summary.total,
        "firstScan": rfc3339(summary.first_scan),
        "scansLast24h": summary.last_24h,
    })
}

/// The scans of a code for the consumer page: the stored total plus the scans still in
/// memory, the hour of the first scan (only the hour is kept) and the scans of the last 24
/// hours. `code` is a Digital Link path (`/01/…/21/…`, canonicalised here); an invalid one has
/// no scans. The count lags by up to one flush interval and never counts a scan twice. One
/// indexed lookup, no write; if the store fails, the page shows no count rather than fail
/// (all zero, `first_scan: None`), and the failure is logged.
pub(crate) async fn scan_summary<S: Store>(state: &AppState<S>, code: &str) -> ScanSummary {
    match state
        .scans
        .summary(state.ledger.store(), code, now_micros())
        .await
    {
        Ok(summary) => summary,
        Err(error) => {
            tracing::warn!(%error, "scan counts are not available");
            ScanSummary {
                code: code.to_owned(),
                ..ScanSummary::default()
            }
        }
    }
}

fn flag_json(flag: &Flag, locale: Locale, base: &str) -> Value {
    let activity = &flag.activity;
    let reasons: Vec<Value> = flag
        .reasons
        .iter()
        .map(|reason| {
            let arguments = reason.arguments(activity);
            let arguments: Vec<(&str, &str)> = arguments
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            json!({
                "reason": reason.as_str(),
                "reasonText": i18n::tf(locale, reason.key(), &arguments),
            })
        })
        .collect();
    let first = reasons.first().cloned().unwrap_or(Value::Null);
    json!({
        "code": activity.code,
        "uri": format!("{base}{}", activity.code),
        "kind": activity.kind.as_str(),
        "reason": first["reason"],
        "reasonText": first["reasonText"],
        "reasons": reasons,
        "scansLast24h": activity.scans_last_24h,
        "scansLast7d": activity.scans_last_7d,
        "timeZonesLast7d": activity.time_zones_last_7d.len(),
        "timeZones": activity.time_zones_last_7d,
        "busiestHour": activity.busiest_hour.map(|(hour, scans)| json!({
            "hour": rfc3339(Some(hour)),
            "scans": scans,
        })),
    })
}

/// `GET /api/scans/flags`: the caller's codes that look copied, with the reasons in its
/// language.
pub(crate) async fn flags<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let org = caller.require()?;
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let prefixes = scans::visible_company_prefixes(store, org).await?;
    let now = now_micros();
    let flags = scans::flags(store, prefixes.as_deref(), now).await?;
    let base = crate::public_base(&state, &headers);
    let mut response = json_answer(
        StatusCode::OK,
        &json!({
            "generatedAt": rfc3339(Some(now)),
            "flags": flags
                .iter()
                .map(|flag| flag_json(flag, locale, &base))
                .collect::<Vec<_>>(),
        }),
    );
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(locale.tag()),
    );
    Ok(response)
}

/// Writes the scans counted in `book` to `store` every
/// [`FLUSH_INTERVAL`](repository::scans::FLUSH_INTERVAL) until `stop` turns true (or its
/// sender is dropped), then once more, so a graceful shutdown loses nothing. A failed write
/// keeps the counts for the next one.
pub async fn flush_scans<S: Store>(
    book: Arc<ScanBook>,
    store: S,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(scans::FLUSH_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dropped = 0;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
        }
        if let Err(error) = book.flush(&store).await {
            tracing::warn!(%error, pending = book.pending(), "could not write scan counts; retrying");
        }
        let now_dropped = book.dropped();
        if now_dropped > dropped {
            tracing::warn!(
                dropped = now_dropped - dropped,
                "scans dropped: too many unwritten scan counts in memory"
            );
            dropped = now_dropped;
        }
    }
    if let Err(error) = book.flush(&store).await {
        tracing::error!(%error, lost = book.pending(), "could not write the last scan counts");
    }
}
