//! The EPCIS 2.0 REST binding: capture (`/epcis/capture`, `/epcis/events`), SimpleEventQuery
//! (`/epcis/events`), single events, and the vocabulary collections. Every capture goes through
//! the one pipeline in `repository::capture`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ledger::now_micros;
use repository::capture::{self, Captor, CaptureError, ErrorBehaviour};
use repository::query;
use store::{CaptureJob, JobState, Store, Visibility, Vocabulary};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

/// The EPCIS 2.0 JSON-LD context.
const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Adds the headers every EPCIS response carries (REST binding §12.3).
fn epcis_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert("GS1-EPCIS-Version", HeaderValue::from_static("2.0.0"));
    headers.insert("GS1-CBV-Version", HeaderValue::from_static("2.0.0"));
    // Events are served as they were captured; identifiers are not translated.
    headers.insert(
        "GS1-EPC-Format",
        HeaderValue::from_static("Never_Translates"),
    );
    headers.insert("GS1-Extensions", HeaderValue::from_static(""));
}

fn json_response(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    epcis_headers(&mut response);
    response
}

/// The two representations of events (REST binding §12.3: JSON-LD and XML by content
/// negotiation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Representation {
    /// The stored JSON-LD bytes, which the log's leaves commit to.
    JsonLd,
    /// The EPCIS 2.0 XML binding, written from the stored events.
    Xml,
}

impl Representation {
    fn media_types(self) -> [&'static str; 2] {
        match self {
            Representation::JsonLd => ["application/ld+json", "application/json"],
            Representation::Xml => ["application/xml", "text/xml"],
        }
    }

    /// The quality the `Accept` header gives this representation: that of the most specific
    /// media range matching one of its media types (RFC 9110 §12.5.1).
    fn quality(self, accept: &str) -> f32 {
        let mut best: Option<(u8, f32)> = None;
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let specificity = self.media_types().iter().find_map(|media| {
                let top = media.split('/').next().unwrap_or("");
                if range == *media {
                    Some(2)
                } else if range == format!("{top}/*") {
                    Some(1)
                } else if range == "*/*" {
                    Some(0)
                } else {
                    None
                }
            });
            if let Some(specificity) = specificity
                && best.is_none_or(|(s, b)| specificity > s || (specificity == s && q > b))
            {
                best = Some((specificity, q));
            }
        }
        best.map_or(0.0, |(_, q)| q)
    }
}

/// Picks the representation the `Accept` header prefers; JSON-LD when there is none or on a
/// tie. 406 when it accepts neither.
fn negotiate(headers: &HeaderMap) -> Result<Representation, ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Representation::JsonLd);
    };
    if accept.trim().is_empty() {
        return Ok(Representation::JsonLd);
    }
    let json = Representation::JsonLd.quality(accept);
    let xml = Representation::Xml.quality(accept);
    if json <= 0.0 && xml <= 0.0 {
        return Err(ApiError::not_acceptable(
            "events are available as JSON-LD (application/ld+json, application/json) or XML (application/xml, text/xml)",
        ));
    }
    Ok(if xml > json {
        Representation::Xml
    } else {
        Representation::JsonLd
    })
}

/// An EPCISQueryDocument in XML holding stored events. Stored events are standalone JSON-LD
/// written by Retu, so they parse; one that did not would be damage `retu audit` reports, and is
/// left out here rather than failing the whole answer.
fn xml_query_document(events: &[store::StoredEvent]) -> Response {
    let documents = events.iter().filter_map(|event| {
        let text = std::str::from_utf8(&event.body).ok()?;
        epcis::parse_json(text).ok().map(|parsed| parsed.document)
    });
    let out = epcis::write_xml::query_document_xml(
        documents,
        &micros_text(now_micros()),
        "SimpleEventQuery",
        None,
    );
    let mut response = json_response(StatusCode::OK, "application/xml", out.xml.into_bytes());
    // The JSON-LD form is the one the log commits to; an event whose XML form cannot keep its
    // event hash (a named limitation of the XML writer) is still written, with its namespaces
    // right, and the answer says so.
    if let Some(first) = out.limitations.first()
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{} event(s) differ in event hash when read from XML: {}",
            out.limitations.len(),
            first.reason
        ))
    {
        response.headers_mut().insert("Retu-XML-Limitation", value);
    }
    response
}

fn problems(list: Vec<capture::Problem>) -> Vec<FieldProblem> {
    list.into_iter()
        .map(|p| FieldProblem {
            pointer: p.pointer,
            detail: p.message,
        })
        .collect()
}

pub(crate) fn capture_error(error: CaptureError) -> ApiError {
    match error {
        CaptureError::Unreadable(detail) => ApiError::validation(detail, Vec::new()),
        CaptureError::Invalid(list) => {
            let detail = format!(
                "{} problem(s) found; nothing was stored. The first: {}",
                list.len(),
                list.first().map(|p| p.message.as_str()).unwrap_or("")
            );
            ApiError::validation(detail, problems(list))
        }
        CaptureError::Forbidden(list) => {
            let detail = list.first().map(|p| p.message.clone()).unwrap_or_default();
            ApiError::forbidden_field(detail, problems(list))
        }
        CaptureError::Conflict(list) => {
            let detail = list.first().map(|p| p.message.clone()).unwrap_or_default();
            let mut error = ApiError::conflict(detail);
            error.0.pointer = list.first().map(|p| p.pointer.clone());
            error.0.errors = problems(list);
            error
        }
        CaptureError::TooMany { count, limit } => ApiError::too_large(format!(
            "{count} events; one capture may carry at most {limit}"
        )),
        CaptureError::Log(error) => error.into(),
        other => ApiError::internal(&other),
    }
}

/// Checks the request's media type: JSON-LD, JSON or XML.
fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if matches!(
        media,
        "application/json" | "application/ld+json" | "application/xml" | "text/xml"
    ) {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(format!(
            "{media} is not accepted; send application/ld+json, application/json or application/xml"
        )))
    }
}

fn behaviour(headers: &HeaderMap) -> Result<ErrorBehaviour, ApiError> {
    match headers
        .get("GS1-Capture-Error-Behaviour")
        .map(|v| v.to_str().unwrap_or(""))
    {
        None | Some("rollback") => Ok(ErrorBehaviour::Rollback),
        Some("proceed") => Ok(ErrorBehaviour::Proceed),
        Some(other) => Err(ApiError::validation(
            format!("GS1-Capture-Error-Behaviour {other:?} is not rollback or proceed"),
            Vec::new(),
        )),
    }
}

/// Whether the captured events are readable by everyone (`Retu-Shared: true`), for example so
/// the consumer page of a product can show them. Default: only the capturing organisation, its
/// county office and the admin see them.
fn shared(headers: &HeaderMap) -> Result<bool, ApiError> {
    match headers.get("Retu-Shared").map(|v| v.to_str().unwrap_or("")) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ApiError::validation(
            format!("Retu-Shared {other:?} is not true or false"),
            Vec::new(),
        )),
    }
}

pub(crate) async fn captor<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
) -> Result<Captor, ApiError> {
    let org = caller.require()?.clone();
    let assets = state.ledger.store().org_assets(org.id).await?;
    Ok(Captor { org, assets })
}

fn new_capture_id() -> String {
    use sha2::Digest as _;
    let seed = format!("{}-{:?}", now_micros(), std::thread::current().id());
    let digest = sha2::Sha256::digest(seed.as_bytes());
    format!(
        "capture-{}",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// `POST /epcis/capture`: an EPCISDocument (JSON-LD or XML). Answers 202 with the capture job's
/// location once the job is finished: every event it reports stored is on disk.
pub(crate) async fn capture_document<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_content_type(&headers)?;
    let behaviour = behaviour(&headers)?;
    let shared = shared(&headers)?;
    let captor = captor(&state, &caller).await?;
    let created_at = now_micros();
    let captured = capture::capture(&state.ledger, &captor, &body, behaviour, shared, created_at)
        .await
        .map_err(capture_error)?;
    let id = new_capture_id();
    let errors: Vec<FieldProblem> = problems(captured.problems);
    let job = CaptureJob {
        id: id.clone(),
        org_id: captor.org.id,
        state: if errors.is_empty() {
            JobState::Success
        } else {
            JobState::Failed
        },
        stored: captured.events.iter().filter(|e| e.new).count() as u64,
        errors: serde_json::to_string(&errors).unwrap_or_else(|_| "[]".into()),
        created_at,
        finished_at: Some(now_micros()),
    };
    state.ledger.store().create_job(&job).await?;
    let mut response = json_response(
        StatusCode::ACCEPTED,
        "application/json",
        job_json(&job, behaviour).into_bytes(),
    );
    let location = format!("/epcis/capture/{id}");
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

fn micros_text(micros: i64) -> String {
    ledger::leaf::format_time(micros).unwrap_or_default()
}

fn job_json(job: &CaptureJob, behaviour: ErrorBehaviour) -> String {
    let errors: serde_json::Value =
        serde_json::from_str(&job.errors).unwrap_or(serde_json::json!([]));
    serde_json::json!({
        "captureID": job.id,
        "createdAt": micros_text(job.created_at),
        "finishedAt": job.finished_at.map(micros_text),
        "running": job.state == JobState::Running,
        "success": job.state == JobState::Success,
        "captureErrorBehaviour": match behaviour {
            ErrorBehaviour::Rollback => "rollback",
            ErrorBehaviour::Proceed => "proceed",
        },
        "eventsStored": job.stored,
        "errors": errors,
    })
    .to_string()
}

/// `GET /epcis/capture/{captureID}`: the job's state, for its own organisation (and the admin).
pub(crate) async fn capture_job<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let org = caller.require()?;
    let job = state
        .ledger
        .store()
        .job(&id)
        .await?
        .filter(|job| job.org_id == org.id || org.role == store::Role::Admin)
        .ok_or_else(|| ApiError::not_found(format!("no capture job {id}")))?;
    // The behaviour is not stored; a failed job with stored events was a `proceed` capture.
    let behaviour = if job.state == JobState::Failed && job.stored > 0 {
        ErrorBehaviour::Proceed
    } else {
        ErrorBehaviour::Rollback
    };
    Ok(json_response(
        StatusCode::OK,
        "application/json",
        job_json(&job, behaviour).into_bytes(),
    ))
}

/// `POST /epcis/events`: one event. 201 with its location; a resend of a stored event answers
/// 200 and says that nothing new was stored.
pub(crate) async fn capture_event<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_content_type(&headers)?;
    let shared = shared(&headers)?;
    let captor = captor(&state, &caller).await?;
    let captured = capture::capture(
        &state.ledger,
        &captor,
        &body,
        ErrorBehaviour::Rollback,
        shared,
        now_micros(),
    )
    .await
    .map_err(capture_error)?;
    let [event] = captured.events.as_slice() else {
        return Err(ApiError::validation(
            format!(
                "POST /events takes one event; this body has {}. Use /capture for documents",
                captured.events.len()
            ),
            Vec::new(),
        ));
    };
    let status = if event.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = serde_json::json!({
        "eventID": event.event_id,
        "eventHash": event.event_hash,
        "logIndex": event.index,
        "stored": if event.new { "new" } else { "already stored; nothing was added" },
    })
    .to_string();
    let mut response = json_response(status, "application/json", body.into_bytes());
    if let Ok(value) = HeaderValue::from_str(&format!(
        "/epcis/events/{}",
        percent_encode(&event.event_id)
    )) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes an `application/x-www-form-urlencoded` query string into (name, value) pairs.
fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let decode = |text: &str| -> Result<String, ApiError> {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes
                        .get(i + 1..i + 3)
                        .and_then(|h| std::str::from_utf8(h).ok())
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .ok_or_else(|| {
                            ApiError::query_parameter("", "a broken %-escape in the query")
                        })?;
                    out.push(hex);
                    i += 2;
                }
                other => out.push(other),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| ApiError::query_parameter("", "the query is not UTF-8"))
    };
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// An EPCISQueryDocument in JSON-LD: the stored event bytes, unchanged, in its event list.
fn json_query_document(events: &[store::StoredEvent]) -> Response {
    let mut body =
        String::with_capacity(events.iter().map(|e| e.body.len() + 1).sum::<usize>() + 400);
    body.push_str(&format!(
        "{{\"@context\":[\"{EPCIS_CONTEXT}\"],\"type\":\"EPCISQueryDocument\",\"schemaVersion\":\"2.0\",\"creationDate\":\"{}\",\"epcisBody\":{{\"queryResults\":{{\"queryName\":\"SimpleEventQuery\",\"resultsBody\":{{\"eventList\":[",
        micros_text(now_micros())
    ));
    for (i, event) in events.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&String::from_utf8_lossy(&event.body));
    }
    body.push_str("]}}}}");
    json_response(StatusCode::OK, "application/ld+json", body.into_bytes())
}

/// Runs a SimpleEventQuery and answers an EPCISQueryDocument, with a `Link` to the next page.
async fn run_query<S: Store>(
    state: &AppState<S>,
    visibility: Visibility,
    params: Vec<(String, String)>,
    path: &str,
    representation: Representation,
) -> Result<Response, ApiError> {
    let paged = query::parse(&params, visibility)
        .map_err(|e| ApiError::query_parameter(&e.parameter, e.message))?;
    let events = state.ledger.store().query_events(&paged.query).await?;
    let mut response = match representation {
        Representation::JsonLd => json_query_document(&events),
        Representation::Xml => xml_query_document(&events),
    };
    if let Some(last) = events.last()
        && paged.more_possible(events.len())
    {
        let key = match paged.query.order {
            store::Order::Index => 0,
            store::Order::EventTime => last.event_time,
            store::Order::RecordTime => last.record_time,
        };
        let token = query::next_token(
            &paged,
            (key, last.index),
            paged.returned + events.len() as u64,
        );
        let mut next: Vec<String> = params
            .iter()
            .filter(|(name, _)| name != "nextPageToken")
            .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
            .collect();
        next.push(format!("nextPageToken={token}"));
        let link = format!("<{path}?{}>; rel=\"next\"", next.join("&"));
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    Ok(response)
}

/// `GET /epcis/events`: SimpleEventQuery.
pub(crate) async fn query_events<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let representation = negotiate(&headers)?;
    let params = query_pairs(raw.as_deref())?;
    run_query(
        &state,
        caller.visibility(),
        params,
        "/epcis/events",
        representation,
    )
    .await
}

/// `GET /epcis/epcs/{epc}/events`: the events of one identifier (URN or Digital Link).
pub(crate) async fn epc_events<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(epc): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let representation = negotiate(&headers)?;
    let mut params = query_pairs(raw.as_deref())?;
    params.push(("MATCH_anyEPC".into(), epc.clone()));
    run_query(
        &state,
        caller.visibility(),
        params,
        &format!("/epcis/epcs/{}/events", percent_encode(&epc)),
        representation,
    )
    .await
}

/// `GET /epcis/events/{eventID}`: one event as stored.
pub(crate) async fn event<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(event_id): Path<String>,
) -> Result<Response, ApiError> {
    let representation = negotiate(&headers)?;
    let store = state.ledger.store();
    let event = store
        .event(&event_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no event {event_id}")))?;
    let owner_county = store.org(event.org_id).await?.and_then(|o| o.county);
    if !caller.can_read(event.org_id, event.shared, owner_county.as_deref()) {
        return Err(ApiError::not_found(format!("no event {event_id}")));
    }
    Ok(match representation {
        // The exact bytes the log's leaf commits to (their SHA-256 is in the leaf), so that a
        // verifier can check what it was served.
        Representation::JsonLd => json_response(StatusCode::OK, "application/ld+json", event.body),
        // The XML binding has no standalone event; the standard answer is a query document
        // holding it.
        Representation::Xml => xml_query_document(std::slice::from_ref(&event)),
    })
}

fn collection(members: Vec<String>) -> Response {
    let body = serde_json::json!({
        "@context": [EPCIS_CONTEXT],
        "type": "Collection",
        "member": members,
    })
    .to_string();
    json_response(StatusCode::OK, "application/ld+json", body.into_bytes())
}

async fn vocabulary<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    which: Vocabulary,
) -> Result<Response, ApiError> {
    let values = state
        .ledger
        .store()
        .vocabulary(which, &caller.visibility())
        .await?;
    Ok(collection(values))
}

/// `GET /epcis/eventTypes`: the five EPCIS event types and any other type stored.
pub(crate) async fn event_types<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let mut types: Vec<String> = [
        "AggregationEvent",
        "AssociationEvent",
        "ObjectEvent",
        "TransactionEvent",
        "TransformationEvent",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for stored in state
        .ledger
        .store()
        .vocabulary(Vocabulary::EventTypes, &caller.visibility())
        .await?
    {
        if !types.contains(&stored) {
            types.push(stored);
        }
    }
    Ok(collection(types))
}

/// `GET /epcis/bizSteps`.
pub(crate) async fn biz_steps<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    vocabulary(&state, &caller, Vocabulary::BizSteps).await
}

/// `GET /epcis/dispositions`.
pub(crate) async fn dispositions<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    vocabulary(&state, &caller, Vocabulary::Dispositions).await
}

/// `GET /epcis/readPoints`.
pub(crate) async fn read_points<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    vocabulary(&state, &caller, Vocabulary::ReadPoints).await
}

/// `GET /epcis/bizLocations`.
pub(crate) async fn biz_locations<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    vocabulary(&state, &caller, Vocabulary::BizLocations).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(accept: &str) -> Option<Representation> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).expect("header"),
        );
        negotiate(&headers).ok()
    }

    #[test]
    fn accept_header_picks_the_representation() {
        use Representation::{JsonLd, Xml};
        assert_eq!(negotiate(&HeaderMap::new()).ok(), Some(JsonLd));
        for (accept, expected) in [
            ("", Some(JsonLd)),
            ("*/*", Some(JsonLd)),
            ("application/json", Some(JsonLd)),
            ("application/ld+json;q=0.9", Some(JsonLd)),
            ("application/xml", Some(Xml)),
            ("TEXT/XML", Some(Xml)),
            ("text/*", Some(Xml)),
            ("application/json;q=0.5, application/xml", Some(Xml)),
            ("application/xml;q=0.5, application/json", Some(JsonLd)),
            // The most specific range decides: JSON is refused outright here.
            (
                "application/json;q=0, application/ld+json;q=0, */*",
                Some(Xml),
            ),
            ("application/xml, application/json", Some(JsonLd)),
            ("text/html", None),
            ("application/xml;q=0, application/json;q=0", None),
        ] {
            assert_eq!(pick(accept), expected, "{accept}");
        }
    }
}
