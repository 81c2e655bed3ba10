//! Regulatory exports: `GET /api/exports/fsma204` — the FSMA 204 electronic sortable
//! spreadsheet of key data elements (`docs/fsma204.md` maps EPCIS onto it).

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use repository::fsma204::{self, FsmaInput};
use repository::lineage::{self, Direction, TraceRequest};
use repository::normalize;
use serde::Deserialize;
use store::{Condition, EventQuery, Store, StoredEvent, TimeField};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::ApiError;

/// The most events one export reads; beyond it the caller is asked to narrow the period.
const EXPORT_LIMIT: u32 = 200_000;

/// The query of `GET /api/exports/fsma204`.
#[derive(Debug, Deserialize)]
pub(crate) struct Fsma204Params {
    tlc: Option<String>,
    from: Option<String>,
    to: Option<String>,
    format: Option<String>,
}

/// `GET /api/exports/fsma204?tlc=…|from=…&to=…&format=csv|xlsx`: the sortable spreadsheet of
/// the events the caller may see, for one traceability lot code (everything up and down the
/// lot's lineage, so that its harvest, packing, shipments and transformations are all there,
/// and only the rows of that lot) or for a period of event times.
pub(crate) async fn fsma204<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(params): Query<Fsma204Params>,
) -> Result<Response, ApiError> {
    caller.require()?;
    let format = params.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "xlsx") {
        return Err(ApiError::query_parameter("format", "format is csv or xlsx"));
    }
    let store = state.ledger.store();
    let visibility = caller.visibility();
    let tlc = params
        .tlc
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let (events, only_lot) = match (tlc, params.from.as_deref(), params.to.as_deref()) {
        (Some(tlc), None, None) => {
            let traced = lineage::trace(
                store,
                &TraceRequest {
                    id: tlc.to_owned(),
                    direction: Direction::Both,
                    depth: lineage::MAX_DEPTH,
                    visibility,
                },
            )
            .await?;
            (traced.events, Some(normalize::identifier(tlc)))
        }
        (None, from, to) if from.is_some() || to.is_some() => {
            let mut query = EventQuery::all(visibility, EXPORT_LIMIT + 1);
            for (name, value, condition) in [
                (
                    "from",
                    from,
                    Condition::TimeAtLeast as fn(TimeField, i64) -> Condition,
                ),
                ("to", to, Condition::TimeBefore),
            ] {
                if let Some(value) = value {
                    let micros = normalize::micros(value).ok_or_else(|| {
                        ApiError::query_parameter(
                            name,
                            format!("{name} is an RFC 3339 time with an offset, such as 2026-04-01T00:00:00+08:00"),
                        )
                    })?;
                    query
                        .conditions
                        .push(condition(TimeField::EventTime, micros));
                }
            }
            let events = store.query_events(&query).await?;
            if events.len() > EXPORT_LIMIT as usize {
                return Err(ApiError::query_parameter(
                    "from",
                    format!("more than {EXPORT_LIMIT} events in this period; export a shorter one"),
                ));
            }
            (events, None)
        }
        _ => {
            return Err(ApiError::query_parameter(
                "tlc",
                "give either tlc (a lot: EPC class or Digital Link) or a period with from and/or to",
            ));
        }
    };

    let orgs: HashMap<i64, String> = store
        .orgs()
        .await?
        .into_iter()
        .map(|org| (org.id, org.name))
        .collect();
    let parsed: Vec<(&StoredEvent, epcis::Event)> = events
        .iter()
        .filter_map(|stored| {
            let text = std::str::from_utf8(&stored.body).ok()?;
            let event = epcis::parse_json(text)
                .ok()?
                .document
                .events
                .into_iter()
                .next()?;
            Some((stored, event))
        })
        .collect();
    let inputs: Vec<FsmaInput<'_>> = parsed
        .iter()
        .map(|(stored, event)| FsmaInput {
            log_index: stored.index,
            event,
            organisation: orgs.get(&stored.org_id).map_or("", String::as_str),
        })
        .collect();
    let mut sheet = fsma204::fsma204_sheet(&inputs);
    if let Some(lot) = &only_lot {
        let column = fsma204::COLUMNS
            .iter()
            .position(|name| *name == fsma204::TLC_COLUMN);
        if let Some(column) = column {
            sheet.rows.retain(|row| {
                matches!(row.get(column), Some(repository::sheet::Cell::Text(text)) if text == lot)
            });
        }
    }
    let stem = match &only_lot {
        Some(_) => "fsma204-lot",
        None => "fsma204-period",
    };
    spreadsheet_response(&sheet, stem, format)
}

/// A sheet as a download: CSV (`format` "csv") or XLSX, named `stem` with its extension.
pub(crate) fn spreadsheet_response(
    sheet: &repository::sheet::Sheet,
    stem: &str,
    format: &str,
) -> Result<Response, ApiError> {
    let (content_type, bytes, extension) = if format == "xlsx" {
        (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            sheet.to_xlsx().map_err(|e| ApiError::internal(&e))?,
            "xlsx",
        )
    } else {
        ("text/csv; charset=utf-8", sheet.to_csv(), "csv")
    };
    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{extension}\""))
            .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
