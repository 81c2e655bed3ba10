//! `POST /api/forms`: one filled-in phone form (`repository::forms`) becomes one EPCIS event,
//! captured through the same pipeline as `/epcis/capture`, and the answer is the receipt the
//! phone shows: the event's log index, whether it was new or a resend, and where to go next
//! (the consumer page of the lot, its labels).
//!
//! A form the phone kept while offline is sent again when the signal is back; it carries the
//! same form ID, so it is the same event and the receipt says it was already stored.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use i18n::Locale;
use ledger::now_micros;
use repository::capture::{self, ErrorBehaviour};
use repository::forms::{self, EnteredBy, Form, FormKind, FormProblem, LotAmount};
use serde_json::{Value, json};
use store::Store;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

fn form_problems(locale: Locale, problems: Vec<FormProblem>) -> ApiError {
    let errors: Vec<FieldProblem> = problems
        .into_iter()
        .map(|problem| FieldProblem {
            pointer: problem.pointer,
            detail: i18n::t(locale, problem.key).to_owned(),
        })
        .collect();
    let detail = errors.first().map(|e| e.detail.clone()).unwrap_or_default();
    ApiError::invalid_request(detail, errors)
}

/// Capture's pointers are into the EPCIS document; the phone knows the form. The place is the
/// one field whose capture problems (not the organisation's location) map back exactly.
fn form_pointer(pointer: &str) -> String {
    let event = "/epcisBody/eventList/0";
    match pointer.strip_prefix(event) {
        Some(rest) if rest.starts_with("/bizLocation") || rest.starts_with("/readPoint") => {
            "/place".to_owned()
        }
        _ => pointer.to_owned(),
    }
}

/// The lot a receipt points at: what the form made, else the first lot it names.
fn receipt_lot(kind: &FormKind) -> Option<&LotAmount> {
    match kind {
        FormKind::Harvest { output }
        | FormKind::Process { output, .. }
        | FormKind::Pack { output, .. } => Some(output),
        FormKind::Inspect { lot, .. } => Some(lot),
        FormKind::Ship { lots, .. }
        | FormKind::Receive { lots, .. }
        | FormKind::Sell { lots, .. } => lots.first(),
    }
}

/// What a label of the receipt's lot shows: its GS1 Digital Link on this server (the code the
/// resolver answers) and the product's names from the organisation's master data (the GTIN
/// when the product is not registered, as with a company-prefix GTIN typed by hand).
async fn label_of<S: Store>(
    state: &AppState<S>,
    org: &store::Org,
    base: &str,
    lot: &LotAmount,
) -> Result<Value, ApiError> {
    let products = state
        .ledger
        .store()
        .products(&store::Visibility::Org(org.id))
        .await?;
    let product = products.iter().find(|p| p.gtin == lot.gtin);
    Ok(json!({
        "uri": format!(
            "{base}/01/{}/10/{}",
            lot.gtin,
            repository::normalize::percent_encode_component(lot.lot.trim())
        ),
        "nameZh": product.map_or_else(|| format!("GTIN {}", lot.gtin), |p| p.fields.name_zh.clone()),
        "nameEn": product.and_then(|p| p.fields.name_en.clone()),
    }))
}

/// The phone page that issues a 承诺达标合格证 for the lot an event made, filled in from the
/// form: `/work/certificate` checks nothing itself, `POST /api/certificates` does.
fn certificate_form_url(event_id: &str, lot: &LotAmount, place: &str) -> String {
    let encode = repository::normalize::percent_encode_component;
    format!(
        "/work/certificate?event={}&gtin={}&lot={}&quantity={}&unit={}&place={}",
        encode(event_id),
        encode(&lot.gtin),
        encode(lot.lot.trim()),
        encode(lot.quantity.trim()),
        lot.unit.as_str(),
        encode(place.trim()),
    )
}

/// The captor and the officer's name when a county officer or a specialist records for a
/// farmer without a phone: the event is the farmer's (their identifiers, their organisation in
/// the log), and `retu:enteredBy` in the event says who typed it. An officer may do it for
/// the organisations of their county, a specialist for those of their assigned counties, the
/// admin for any; nobody else, and only as a logged-in person (a token names no person).
async fn on_behalf<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    public_id: &str,
    locale: Locale,
) -> Result<(capture::Captor, Option<EnteredBy>), ApiError> {
    let acting_org = caller.require()?;
    let forbidden = || ApiError::forbidden(i18n::t(locale, "form.problem.on_behalf"));
    let person = caller.person().ok_or_else(forbidden)?;
    let store = state.ledger.store();
    let farmer = store
        .org_by_public_id(public_id)
        .await?
        .ok_or_else(forbidden)?;
    if !caller.may_record_for(&farmer) {
        return Err(forbidden());
    }
    let assets = store.org_assets(farmer.id).await?;
    let entered_by = EnteredBy {
        name: person.user.display_name.clone(),
        organisation: acting_org.public_id.clone(),
    };
    Ok((
        capture::Captor {
            org: farmer,
            assets,
        },
        Some(entered_by),
    ))
}

/// Reads the request: the form, whether its event is shared (default: yes, so that the
/// consumer page can show it; a producer may keep one private), and the organisation it is
/// recorded for when that is not the caller's (`onBehalfOf`).
fn read_request(body: &[u8], locale: Locale) -> Result<(Form, bool, Option<String>), ApiError> {
    let not_json = || {
        ApiError::invalid_request(
            i18n::t(locale, "form.problem.not_json"),
            vec![FieldProblem {
                pointer: String::new(),
                detail: i18n::t(locale, "form.problem.not_json").to_owned(),
            }],
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| not_json())?;
    let shared = match value.get("shared") {
        None => true,
        Some(Value::Bool(shared)) => *shared,
        Some(_) => {
            return Err(ApiError::invalid_request(
                i18n::t(locale, "form.problem.shared"),
                vec![FieldProblem {
                    pointer: "/shared".into(),
                    detail: i18n::t(locale, "form.problem.shared").to_owned(),
                }],
            ));
        }
    };
    let on_behalf_of = value
        .get("onBehalfOf")
        .and_then(Value::as_str)
        .map(str::to_owned);
    // The request's own fields are not the form's: the form's variants refuse unknown fields.
    let mut value = value;
    if let Some(object) = value.as_object_mut() {
        object.remove("onBehalfOf");
        object.remove("shared");
    }
    let form: Form = serde_json::from_value(value).map_err(|error| {
        ApiError::invalid_request(
            format!("{}: {error}", i18n::t(locale, "form.problem.shape")),
            vec![FieldProblem {
                pointer: String::new(),
                detail: error.to_string(),
            }],
        )
    })?;
    Ok((form, shared, on_behalf_of))
}

/// `POST /api/forms`: 201 with the receipt of a new event, 200 for a resend.
pub(crate) async fn submit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let (form, shared, on_behalf_of) = read_request(&body, locale)?;
    let (captor, entered_by) = match on_behalf_of {
        None => (crate::epcis_api::captor(&state, &caller).await?, None),
        Some(public_id) => on_behalf(&state, &caller, &public_id, locale).await?,
    };
    let document = forms::to_document(&form, entered_by.as_ref())
        .map_err(|problems| form_problems(locale, problems))?;
    let bytes = document.to_string().into_bytes();
    let captured = capture::capture(
        &state.ledger,
        &captor,
        &bytes,
        ErrorBehaviour::Rollback,
        shared,
        now_micros(),
    )
    .await
    .map_err(|error| {
        let mut error = crate::epcis_api::capture_error(error);
        error.0.pointer = error.0.pointer.as_deref().map(form_pointer);
        for problem in &mut error.0.errors {
            problem.pointer = form_pointer(&problem.pointer);
        }
        error
    })?;
    let event = captured
        .events
        .first()
        .ok_or_else(|| ApiError::internal(&"the capture stored no event"))?;
    let base = crate::public_base(&state, &headers);
    let lot = receipt_lot(&form.kind);
    let page = lot.map(|lot| {
        format!(
            "{base}/item/01/{}/10/{}",
            lot.gtin,
            repository::normalize::percent_encode_component(lot.lot.trim())
        )
    });
    let label = match lot {
        Some(lot) => Some(label_of(&state, &captor.org, &base, lot).await?),
        None => None,
    };
    // A certificate covers a batch: what a harvest, processing or packing made.
    // Only the producer issues it (`POST /api/certificates`), not an officer recording for them.
    let certificate_form = match (&form.kind, lot) {
        (
            FormKind::Harvest { .. } | FormKind::Process { .. } | FormKind::Pack { .. },
            Some(lot),
        ) if entered_by.is_none() => Some(certificate_form_url(&event.event_id, lot, &form.place)),
        _ => None,
    };
    let receipt = json!({
        "eventID": event.event_id,
        "eventHash": event.event_hash,
        "logIndex": event.index,
        "new": event.new,
        "stored": i18n::t(locale, if event.new { "form.receipt.new" } else { "form.receipt.again" }),
        "shared": shared,
        "consumerPage": page,
        "label": label,
        "certificateForm": certificate_form,
        "proof": format!(
            "{base}/log/proof?event={}",
            repository::normalize::percent_encode_component(&event.event_id)
        ),
    });
    let status = if event.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [(header::CONTENT_TYPE, "application/json")],
        receipt.to_string(),
    )
        .into_response())
}
