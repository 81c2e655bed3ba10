//! Lineage and recall: `GET /api/trace`, `POST /api/recalls`, `GET /api/recalls/{id}` (also
//! `.csv` and `.xlsx`), and the public recall notices `GET /api/recalls?id=…`.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use i18n::Locale;
use ledger::now_micros;
use repository::lineage::{self, Direction, Trace, TraceRequest};
use repository::recall::{self, Recall, RecallError, Recaller};
use serde::Deserialize;
use serde_json::{Value, json};
use store::{Role, Store};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

/// The query of `GET /api/trace`.
#[derive(Debug, Deserialize)]
pub(crate) struct TraceParams {
    id: Option<String>,
    direction: Option<String>,
    depth: Option<String>,
}

fn json_answer(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// A stored event as a trace lists it: where it sits in the log, the summary a timeline
/// needs, and the stored JSON-LD itself.
fn event_json(event: &store::StoredEvent) -> Value {
    let body: Value = serde_json::from_slice(&event.body).unwrap_or(Value::Null);
    json!({
        "logIndex": event.index,
        "eventID": event.event_id,
        "eventType": event.event_type,
        "eventTime": ledger::leaf::format_time(event.event_time).unwrap_or_default(),
        "bizStep": body.get("bizStep").cloned().unwrap_or(Value::Null),
        "event": body,
    })
}

fn recall_notice_json(recall: &Recall, log_index: u64) -> Value {
    json!({
        "recallId": recall.recall_id,
        "id": recall.id,
        "reason": recall.reason,
        "organisation": recall.organisation,
        "createdAt": recall.created_at,
        "logIndex": log_index,
    })
}

fn trace_json(
    id: &str,
    direction: &str,
    depth: u32,
    trace: &Trace,
    notices: &[(Recall, u64)],
    node_recalls: &BTreeMap<String, Vec<String>>,
) -> Value {
    let event_ids: BTreeMap<u64, &str> = trace
        .events
        .iter()
        .map(|event| (event.index, event.event_id.as_str()))
        .collect();
    json!({
        "id": id,
        "direction": direction,
        "depth": depth,
        "depthReached": trace.depth_reached,
        "recalls": notices
            .iter()
            .map(|(recall, index)| recall_notice_json(recall, *index))
            .collect::<Vec<_>>(),
        "nodes": trace.nodes.iter().map(|node| {
            json!({
                "id": node.id,
                "kind": node.kind.as_str(),
                "depth": node.depth,
                "direction": match node.upstream {
                    None => "start",
                    Some(true) => "up",
                    Some(false) => "down",
                },
                "recalls": node_recalls.get(&node.id).cloned().unwrap_or_default(),
            })
        }).collect::<Vec<_>>(),
        "edges": trace.edges.iter().map(|edge| {
            json!({
                "from": edge.from,
                "to": edge.to,
                "relation": edge.relation.as_str(),
                "logIndex": edge.log_index,
                "eventID": event_ids.get(&edge.log_index),
            })
        }).collect::<Vec<_>>(),
        "events": trace.events.iter().map(event_json).collect::<Vec<_>>(),
    })
}

/// `GET /api/trace?id=ID&direction=up|down|both&depth=N`: the lineage of an identifier through
/// the events the caller may see, with every recall that concerns it.
pub(crate) async fn trace<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(params): Query<TraceParams>,
) -> Result<Response, ApiError> {
    let id = params
        .id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| {
            ApiError::query_parameter(
                "id",
                "name what to trace: an EPC, a lot, an SSCC or a Digital Link",
            )
        })?;
    let direction_text = params.direction.as_deref().unwrap_or("both");
    let direction = Direction::parse(direction_text)
        .ok_or_else(|| ApiError::query_parameter("direction", "direction is up, down or both"))?;
    let depth = match params.depth.as_deref() {
        None => lineage::DEFAULT_DEPTH,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|depth| *depth <= lineage::MAX_DEPTH)
            .ok_or_else(|| {
                ApiError::query_parameter(
                    "depth",
                    format!("depth is a whole number from 0 to {}", lineage::MAX_DEPTH),
                )
            })?,
    };
    let store = state.ledger.store();
    let traced = lineage::trace(
        store,
        &TraceRequest {
            id: id.to_owned(),
            direction,
            depth,
            visibility: caller.visibility(),
        },
    )
    .await?;
    // Recalls are public notices: whoever asks is told, whatever events they may see.
    let notices = recall::notices(store, id).await?;
    let node_ids: Vec<String> = traced.nodes.iter().map(|node| node.id.clone()).collect();
    let mut node_recalls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for record in store.records_about(recall::RECALL_KIND, &node_ids).await? {
        let Ok(recall) = Recall::from_record(&record) else {
            continue;
        };
        let affected: BTreeSet<&String> = std::iter::once(&recall.id)
            .chain(&recall.affected.epcs)
            .chain(&recall.affected.lots)
            .chain(&recall.affected.sscc)
            .collect();
        for id in &node_ids {
            if affected.contains(id) {
                node_recalls
                    .entry(id.clone())
                    .or_default()
                    .push(recall.recall_id.clone());
            }
        }
    }
    if let Some(start) = traced.nodes.first() {
        for (recall, _) in &notices {
            let list = node_recalls.entry(start.id.clone()).or_default();
            if !list.contains(&recall.recall_id) {
                list.push(recall.recall_id.clone());
            }
        }
    }
    let id_normal = repository::normalize::identifier(id);
    Ok(json_answer(
        StatusCode::OK,
        &trace_json(
            &id_normal,
            direction_text,
            depth,
            &traced,
            &notices,
            &node_recalls,
        ),
    ))
}

/// The body of `POST /api/recalls`.
#[derive(Debug, Deserialize)]
pub(crate) struct RecallBody {
    id: Option<String>,
    reason: Option<String>,
}

fn recall_json(recall: &Recall, log_index: u64) -> Value {
    let mut answer = recall_notice_json(recall, log_index);
    answer["affected"] = json!(recall.affected);
    answer["events"] = json!(recall.event_indices.len());
    answer["eventIndices"] = json!(recall.event_indices);
    answer
}

fn recall_error(error: RecallError, locale: Locale) -> ApiError {
    let limit = recall::REASON_LIMIT.to_string();
    let say = |key: &'static str| i18n::tf(locale, key, &[("limit", &limit)]);
    match error {
        RecallError::Invalid { field, key } => ApiError::invalid_request(
            say(key),
            vec![FieldProblem {
                pointer: field.to_owned(),
                detail: say(key),
            }],
        ),
        RecallError::Forbidden(key) => ApiError::forbidden(say(key)),
        RecallError::Unknown(key) => ApiError::not_found(say(key)),
        RecallError::Ledger(error) => ApiError::from(error),
    }
}

/// `POST /api/recalls {"id": …, "reason": …}`: recalls the identifier and everything
/// downstream of it; 201 with the recall and its location.
pub(crate) async fn create_recall<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Json<RecallBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let org = caller.require()?.clone();
    let locale = crate::request_locale(&headers, None);
    let Json(body) = body.map_err(|rejection| {
        ApiError::invalid_request(
            rejection.body_text(),
            vec![FieldProblem {
                pointer: String::new(),
                detail: i18n::t(locale, "recall.problem.not_json").to_owned(),
            }],
        )
    })?;
    let assets = state.ledger.store().org_assets(org.id).await?;
    let (recall, index) = recall::recall(
        &state.ledger,
        &Recaller { org, assets },
        body.id.as_deref().unwrap_or_default(),
        body.reason.as_deref().unwrap_or_default(),
        now_micros(),
    )
    .await
    .map_err(|error| recall_error(error, locale))?;
    let mut response = json_answer(StatusCode::CREATED, &recall_json(&recall, index));
    if let Ok(location) = HeaderValue::from_str(&format!("/api/recalls/{}", recall.recall_id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The query of `GET /api/recalls`.
#[derive(Debug, Deserialize)]
pub(crate) struct NoticeParams {
    id: Option<String>,
}

/// `GET /api/recalls?id=ID`: the public notices of the recalls that concern an identifier
/// (it, or anything it was made from or belongs to).
pub(crate) async fn recall_notices<S: Store>(
    State(state): State<AppState<S>>,
    Query(params): Query<NoticeParams>,
) -> Result<Response, ApiError> {
    let id = params
        .id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::query_parameter("id", "name the identifier to look up"))?;
    let notices = recall::notices(state.ledger.store(), id).await?;
    Ok(json_answer(
        StatusCode::OK,
        &json!({
            "id": repository::normalize::identifier(id),
            "recalled": !notices.is_empty(),
            "recalls": notices
                .iter()
                .map(|(recall, index)| recall_notice_json(recall, *index))
                .collect::<Vec<_>>(),
        }),
    ))
}

/// `GET /api/recalls/{recallId}[.csv|.xlsx]`: a recall with everything it affects, for the
/// organisation that made it, the office of its county and the admin.
pub(crate) async fn recall<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.require()?;
    let (recall_id, format) = if let Some(id) = name.strip_suffix(".csv") {
        (id, "csv")
    } else if let Some(id) = name.strip_suffix(".xlsx") {
        (id, "xlsx")
    } else {
        (name.as_str(), "json")
    };
    let store = state.ledger.store();
    let not_found = || ApiError::not_found(format!("no recall {recall_id}"));
    let record = store
        .record(recall::RECALL_KIND, recall_id)
        .await?
        .ok_or_else(not_found)?;
    // A county office reads the recalls made in its county (by itself or its producers), not
    // another county's: the same bound as its view of events.
    let readable = match org.role {
        Role::Admin => true,
        _ if org.id == record.org_id => true,
        Role::County => {
            let county = org.county.as_deref().unwrap_or_default();
            !county.is_empty()
                && store
                    .org(record.org_id)
                    .await?
                    .is_some_and(|maker| maker.county.as_deref() == Some(county))
        }
        Role::Member => false,
    };
    if !readable {
        return Err(not_found());
    }
    let recall = Recall::from_record(&record)?;
    if format == "json" {
        return Ok(json_answer(
            StatusCode::OK,
            &recall_json(&recall, record.index),
        ));
    }
    crate::export_api::spreadsheet_response(&recall.sheet(), &recall.recall_id, format)
}
