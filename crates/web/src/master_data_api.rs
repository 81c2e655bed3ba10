//! Producers' master data over HTTP (`docs/master-data.md`): the locations they record at and
//! the products they make, so that a phone form offers "my plot 2 号茶园" and "my product
//! 凌云白毫红茶 罐装" instead of asking for identifiers.
//!
//! - `GET/POST /api/locations`, `GET/PATCH /api/locations/{locationId}`: farms, plots (area,
//!   crop, farm), workshops, warehouses and shops. A location with a GLN is identified by its
//!   Digital Link; one without gets a county-issued identifier. Registering a location makes
//!   it the organisation's location asset in the same transaction, so capture accepts events
//!   there at once.
//! - `GET/POST /api/products`, `GET/PATCH /api/products/{productId}`: GTIN (under the
//!   organisation's own prefix, or allocated from the county's, `--county-prefix`), names,
//!   unit, category, brand.
//! - `GET /api/products/{productId}/lots`: the product's lots with the event that first named
//!   each, read from the stored events (`repository::lots`).
//!
//! A caller needs a token. An organisation reads and changes its own master data; a county
//! office reads that of its county's organisations and changes none; the admin reads and
//! changes everything and may register for any organisation (`"org": "org-…"`). What a
//! caller may not read answers 404, as if it did not exist. A `PATCH` is a JSON merge patch
//! (RFC 7396) of the changeable members; identity (kind, identifier, GLN, GTIN, owner) never
//! changes. Problems are RFC 9457 documents in the caller's language with a JSON pointer per
//! field.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use i18n::Locale;
use ledger::leaf::format_time;
use ledger::now_micros;
use repository::capture::owned_by;
use repository::lots::{Lot, lots_of};
use repository::master_data::{
    self as md, GtinSource, LocationDraft, MasterProblem, NAME_LIMIT, ProductDraft,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use store::{
    MasterLocation, NewMasterLocation, NewProduct, Org, Product, Role, Store, StoreError,
    Visibility,
};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{ApiError, FieldProblem};

/// How often a freshly drawn county number may turn out taken (registered by hand with
/// `retu org create --location`) before the request fails.
const DRAWS: usize = 10;

fn field(locale: Locale, problem: MasterProblem) -> FieldProblem {
    FieldProblem {
        pointer: problem.pointer,
        detail: i18n::tf(locale, problem.key, &[("max", &NAME_LIMIT.to_string())]),
    }
}

fn one(pointer: &str, key: &'static str) -> MasterProblem {
    MasterProblem {
        pointer: pointer.to_owned(),
        key,
    }
}

fn invalid(locale: Locale, problems: Vec<MasterProblem>) -> ApiError {
    ApiError::invalid_request(
        i18n::t(locale, "master.problem.summary"),
        problems.into_iter().map(|p| field(locale, p)).collect(),
    )
}

/// A 409 about one field (a GLN or GTIN registered already).
fn taken(locale: Locale, pointer: &str, key: &'static str) -> ApiError {
    let problem = field(locale, one(pointer, key));
    let mut error = ApiError::conflict(problem.detail.clone());
    error.0.pointer = Some(problem.pointer.clone());
    error.0.errors = vec![problem];
    error
}

fn not_found(locale: Locale) -> ApiError {
    ApiError::not_found(i18n::t(locale, "master.problem.not_found"))
}

fn read_only(locale: Locale) -> ApiError {
    ApiError::forbidden(i18n::t(locale, "master.problem.read_only"))
}

fn json_answer(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn created(path: &str, value: &Value) -> Response {
    let mut response = json_answer(StatusCode::CREATED, value);
    if let Ok(location) = HeaderValue::from_str(path) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn time(micros: i64) -> Value {
    format_time(micros).map_or(Value::Null, Value::String)
}

/// A JSON pointer token for a member name (RFC 6901).
fn token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Reads a request body as JSON (any value), or says it is not JSON.
fn read_json(locale: Locale, body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::invalid_request(
            format!("{}: {e}", i18n::t(locale, "master.problem.not_json")),
            vec![FieldProblem {
                pointer: String::new(),
                detail: e.to_string(),
            }],
        )
    })
}

/// Reads a draft from JSON; a member of the wrong type (or one the draft does not have) is
/// reported at its own pointer, found by reading each member on its own.
fn read_draft<T: DeserializeOwned>(locale: Locale, value: Value) -> Result<T, ApiError> {
    let whole = match serde_json::from_value::<T>(value.clone()) {
        Ok(draft) => return Ok(draft),
        Err(error) => error.to_string(),
    };
    let mut problems = Vec::new();
    match &value {
        Value::Object(members) => {
            for (name, member) in members {
                let alone = Value::Object([(name.clone(), member.clone())].into_iter().collect());
                if let Err(error) = serde_json::from_value::<T>(alone) {
                    problems.push(FieldProblem {
                        pointer: format!("/{}", token(name)),
                        detail: error.to_string(),
                    });
                }
            }
        }
        _ => problems.push(FieldProblem {
            pointer: String::new(),
            detail: i18n::t(locale, "master.problem.not_json").to_owned(),
        }),
    }
    if problems.is_empty() {
        problems.push(FieldProblem {
            pointer: String::new(),
            detail: whole.clone(),
        });
    }
    Err(ApiError::invalid_request(
        format!("{}: {whole}", i18n::t(locale, "master.problem.summary")),
        problems,
    ))
}

/// Whether `org` may change the master data of organisation `owner`: its own, or anyone's
/// for the admin. County offices read only.
fn may_write(org: &Org, owner: i64) -> bool {
    match org.role {
        Role::Admin => true,
        Role::Member => org.id == owner,
        Role::County => false,
    }
}

/// Whether `visibility` reaches the master data of organisation `owner` (never through
/// sharing: master data is not shared).
async fn may_read<S: Store>(
    store: &S,
    visibility: &Visibility,
    owner: i64,
) -> Result<bool, ApiError> {
    let county_of_owner =
        || async move { Ok::<_, ApiError>(store.org(owner).await?.and_then(|org| org.county)) };
    Ok(match visibility {
        Visibility::All => true,
        Visibility::Org(org) => *org == owner,
        Visibility::County(county) => {
            !county.is_empty() && county_of_owner().await?.as_deref() == Some(county.as_str())
        }
        Visibility::Counties { org, counties } => {
            *org == owner
                || county_of_owner()
                    .await?
                    .is_some_and(|county| counties.contains(&county))
        }
        Visibility::SharedOnly => false,
    })
}

/// The organisation a new location or product is registered for: the caller's own, or the
/// one `"org"` names when the caller may act for it: the admin for any, and a county officer
/// or specialist, logged in, for a farmer of their counties (`Caller::may_record_for`, the
/// rule of the phone forms), so that a farmer without a phone can be set up by them. Naming
/// any other organisation is 403 whether it exists or not.
async fn owner_of_new<S: Store>(
    store: &S,
    caller: &Caller,
    named: Option<&str>,
    locale: Locale,
) -> Result<Org, ApiError> {
    let own = caller.require()?;
    let refused = || {
        ApiError::forbidden_field(
            i18n::t(locale, "master.problem.org"),
            vec![field(locale, one("/org", "master.problem.org"))],
        )
    };
    let owner = match named.map(str::trim).filter(|name| !name.is_empty()) {
        None => own.clone(),
        Some(public_id) if public_id == own.public_id => own.clone(),
        Some(public_id) => match store.org_by_public_id(public_id).await? {
            Some(org) if own.role == Role::Admin || caller.may_record_for(&org) => org,
            None if own.role == Role::Admin => {
                return Err(invalid(
                    locale,
                    vec![one("/org", "master.problem.no_such_org")],
                ));
            }
            _ => return Err(refused()),
        },
    };
    if !(may_write(own, owner.id) || caller.may_record_for(&owner)) {
        return Err(read_only(locale));
    }
    Ok(owner)
}

/// Public IDs of organisations by internal key.
async fn org_ids<S: Store>(store: &S) -> Result<HashMap<i64, String>, ApiError> {
    Ok(store
        .orgs()
        .await?
        .into_iter()
        .map(|org| (org.id, org.public_id))
        .collect())
}

/// The internal key in a path, or 404.
fn key(id: &str, locale: Locale) -> Result<i64, ApiError> {
    id.parse().map_err(|_| not_found(locale))
}

// --- Locations ------------------------------------------------------------------------------

/// The GLN of a location identified by its GLN's Digital Link.
fn gln_of(location: &MasterLocation) -> Option<&str> {
    if location.county_issued {
        return None;
    }
    location.identifier.strip_prefix("https://id.gs1.org/414/")
}

fn location_json(location: &MasterLocation, org: &str) -> Value {
    let fields = &location.fields;
    json!({
        "id": location.id,
        "org": org,
        "kind": location.kind,
        "identifier": location.identifier,
        "countyIssued": location.county_issued,
        "gln": gln_of(location),
        "nameZh": fields.name_zh,
        "nameEn": fields.name_en,
        "township": fields.township,
        "village": fields.village,
        "parent": fields.parent_id,
        "areaMu": fields.area_mu,
        "areaM2": fields.area_m2,
        "crop": fields.crop,
        "createdAt": time(location.created_at),
        "updatedAt": time(location.updated_at),
    })
}

/// A stored location as the draft a `PATCH` is merged into.
fn location_draft(location: &MasterLocation) -> Value {
    let fields = &location.fields;
    json!({
        "kind": location.kind,
        "nameZh": fields.name_zh,
        "nameEn": fields.name_en,
        "township": fields.township,
        "village": fields.village,
        "parent": fields.parent_id,
        "areaMu": fields.area_mu,
        "areaM2": fields.area_m2,
        "crop": fields.crop,
        "gln": gln_of(location),
    })
}

/// A plot's farm must be a farm of the plot's organisation.
async fn check_parent<S: Store>(
    store: &S,
    owner: i64,
    parent: Option<i64>,
    locale: Locale,
) -> Result<(), ApiError> {
    let Some(parent) = parent else {
        return Ok(());
    };
    let farm = store.location(parent).await?;
    if farm.is_some_and(|farm| farm.org_id == owner && farm.kind == md::LocationKind::Farm.as_str())
    {
        Ok(())
    } else {
        Err(invalid(
            locale,
            vec![one("/parent", "master.problem.parent")],
        ))
    }
}

/// Whether a GLN's Digital Link is under a company prefix someone else holds: another
/// organisation, or the county (whose prefix Retu allocates from).
async fn gln_held_elsewhere<S: Store>(
    store: &S,
    owner: i64,
    identifier: &str,
    county_prefix: Option<&str>,
) -> Result<bool, ApiError> {
    if let Some(prefix) = county_prefix
        && owned_by(&[prefix.to_owned()], identifier) == Some(true)
    {
        return Ok(true);
    }
    for other in store.orgs().await? {
        if other.id != owner
            && owned_by(
                &store.org_assets(other.id).await?.company_prefixes,
                identifier,
            ) == Some(true)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The location with this key if the caller may read it; 404 otherwise.
async fn visible_location<S: Store>(
    store: &S,
    caller: &Caller,
    id: &str,
    locale: Locale,
) -> Result<MasterLocation, ApiError> {
    caller.require()?;
    let location = store
        .location(key(id, locale)?)
        .await?
        .ok_or_else(|| not_found(locale))?;
    if may_read(store, &caller.visibility(), location.org_id).await? {
        Ok(location)
    } else {
        Err(not_found(locale))
    }
}

/// `?kind=plot` narrows the list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct LocationQuery {
    kind: Option<String>,
}

/// `GET /api/locations`: the locations the caller may read, oldest first.
pub(crate) async fn locations<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(query): Query<LocationQuery>,
) -> Result<Response, ApiError> {
    caller.require()?;
    let store = state.ledger.store();
    let orgs = org_ids(store).await?;
    let list: Vec<Value> = store
        .locations(&caller.visibility())
        .await?
        .iter()
        .filter(|l| query.kind.as_deref().is_none_or(|kind| l.kind == kind))
        .map(|l| location_json(l, orgs.get(&l.org_id).map_or("", String::as_str)))
        .collect();
    Ok(json_answer(StatusCode::OK, &json!({ "locations": list })))
}

/// `POST /api/locations`: registers a location; 201 with it, `Location` naming it.
pub(crate) async fn create_location<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require()?;
    let locale = crate::request_locale(&headers, None);
    let draft: LocationDraft = read_draft(locale, read_json(locale, &body)?)?;
    let store = state.ledger.store();
    let owner = owner_of_new(store, &caller, draft.org.as_deref(), locale).await?;
    let checked = md::check_location(&draft).map_err(|problems| invalid(locale, problems))?;
    check_parent(store, owner.id, checked.fields.parent_id, locale).await?;
    let new = |identifier: String, county_issued: bool| NewMasterLocation {
        org_id: owner.id,
        kind: checked.kind.as_str().to_owned(),
        identifier,
        county_issued,
        fields: checked.fields.clone(),
        created_at: now_micros(),
    };
    let stored = match &checked.gln {
        Some(gln) => {
            let identifier = md::gln_location_id(gln);
            if gln_held_elsewhere(
                store,
                owner.id,
                &identifier,
                state.config.county_prefix.as_deref(),
            )
            .await?
            {
                return Err(taken(locale, "/gln", "master.problem.gln_taken"));
            }
            match store.create_location(&new(identifier, false)).await {
                Err(StoreError::Conflict(_)) => {
                    return Err(taken(locale, "/gln", "master.problem.gln_taken"));
                }
                other => other?,
            }
        }
        None => {
            let base = md::location_base(state.config.public_url.as_deref(), state.ledger.origin())
                .map_err(|error| ApiError::internal(&error))?;
            let county = md::county_segment(owner.county.as_deref());
            let counter = md::location_counter(county);
            let mut draws = 0;
            loop {
                let number = store.next_number(&counter).await?;
                let identifier = md::county_location_id(&base, county, number);
                match store.create_location(&new(identifier, true)).await {
                    Ok(stored) => break stored,
                    // Taken outside the counter: draw the next number.
                    Err(StoreError::Conflict(_)) if draws + 1 < DRAWS => draws += 1,
                    Err(error) => return Err(error.into()),
                }
            }
        }
    };
    Ok(created(
        &format!("/api/locations/{}", stored.id),
        &location_json(&stored, &owner.public_id),
    ))
}

/// `GET /api/locations/{locationId}`.
pub(crate) async fn location<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let location = visible_location(store, &caller, &id, locale).await?;
    let owner = store.org(location.org_id).await?.map(|org| org.public_id);
    Ok(json_answer(
        StatusCode::OK,
        &location_json(&location, owner.as_deref().unwrap_or_default()),
    ))
}

/// `PATCH /api/locations/{locationId}`: a JSON merge patch of the changeable members.
pub(crate) async fn update_location<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let location = visible_location(store, &caller, &id, locale).await?;
    let org = caller.require()?;
    if !may_write(org, location.org_id) {
        return Err(read_only(locale));
    }
    let patch = read_json(locale, &body)?;
    md::check_patch(&patch, md::LOCATION_EDITABLE).map_err(|problems| invalid(locale, problems))?;
    let mut merged = location_draft(&location);
    md::merge_patch(&mut merged, &patch);
    let draft: LocationDraft = read_draft(locale, merged)?;
    let checked = md::check_location(&draft).map_err(|problems| invalid(locale, problems))?;
    check_parent(store, location.org_id, checked.fields.parent_id, locale).await?;
    let updated = store
        .update_location(location.id, &checked.fields, now_micros())
        .await?;
    let owner = store.org(updated.org_id).await?.map(|org| org.public_id);
    Ok(json_answer(
        StatusCode::OK,
        &location_json(&updated, owner.as_deref().unwrap_or_default()),
    ))
}

// --- Products -------------------------------------------------------------------------------

fn product_json(product: &Product, org: &str) -> Value {
    let fields = &product.fields;
    json!({
        "id": product.id,
        "org": org,
        "gtin": product.gtin,
        "countyGtin": product.county_gtin,
        "digitalLink": format!("{}/01/{}", gs1::GS1_RESOLVER, product.gtin),
        "nameZh": fields.name_zh,
        "nameEn": fields.name_en,
        "unit": fields.unit,
        "category": fields.category,
        "brand": fields.brand,
        "createdAt": time(product.created_at),
        "updatedAt": time(product.updated_at),
    })
}

fn product_draft(product: &Product) -> Value {
    let fields = &product.fields;
    json!({
        "gtin": product.gtin,
        "nameZh": fields.name_zh,
        "nameEn": fields.name_en,
        "unit": fields.unit,
        "category": fields.category,
        "brand": fields.brand,
    })
}

/// The product with this key if the caller may read it; 404 otherwise.
async fn visible_product<S: Store>(
    store: &S,
    caller: &Caller,
    id: &str,
    locale: Locale,
) -> Result<Product, ApiError> {
    caller.require()?;
    let product = store
        .product(key(id, locale)?)
        .await?
        .ok_or_else(|| not_found(locale))?;
    if may_read(store, &caller.visibility(), product.org_id).await? {
        Ok(product)
    } else {
        Err(not_found(locale))
    }
}

/// `GET /api/products`: the products the caller may read, oldest first.
pub(crate) async fn products<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.require()?;
    let store = state.ledger.store();
    let orgs = org_ids(store).await?;
    let list: Vec<Value> = store
        .products(&caller.visibility())
        .await?
        .iter()
        .map(|p| product_json(p, orgs.get(&p.org_id).map_or("", String::as_str)))
        .collect();
    Ok(json_answer(StatusCode::OK, &json!({ "products": list })))
}

/// `POST /api/products`: registers a product, allocating its GTIN from the county's prefix
/// when the organisation has no prefix of its own; 201 with it.
pub(crate) async fn create_product<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require()?;
    let locale = crate::request_locale(&headers, None);
    let draft: ProductDraft = read_draft(locale, read_json(locale, &body)?)?;
    let store = state.ledger.store();
    let owner = owner_of_new(store, &caller, draft.org.as_deref(), locale).await?;
    let checked = md::check_product(&draft).map_err(|problems| invalid(locale, problems))?;
    let assets = store.org_assets(owner.id).await?;
    let source = md::gtin_source(
        checked.gtin.as_ref(),
        &assets.company_prefixes,
        state.config.county_prefix.as_deref(),
    )
    .map_err(|problem| {
        if problem.key == "master.problem.gtin_not_yours" {
            ApiError::forbidden_field(i18n::t(locale, problem.key), vec![field(locale, problem)])
        } else {
            invalid(locale, vec![problem])
        }
    })?;
    let new = |gtin: &gs1::Gtin, county_gtin: bool| NewProduct {
        org_id: owner.id,
        gtin: gtin.as_str().to_owned(),
        county_gtin,
        fields: checked.fields.clone(),
        created_at: now_micros(),
    };
    let stored = match source {
        GtinSource::Given(gtin) => match store.create_product(&new(&gtin, false)).await {
            Err(StoreError::Conflict(_)) => {
                return Err(taken(locale, "/gtin", "master.problem.gtin_taken"));
            }
            other => other?,
        },
        GtinSource::County(prefix) => {
            let counter = md::gtin_counter(&prefix);
            let mut draws = 0;
            loop {
                let number = store.next_number(&counter).await?;
                let gtin = md::county_gtin(&prefix, number)
                    .ok_or_else(|| taken(locale, "/gtin", "master.problem.county_prefix_full"))?;
                match store.create_product(&new(&gtin, true)).await {
                    Ok(stored) => break stored,
                    // Registered outside the counter (by the admin under the county prefix):
                    // draw the next item reference.
                    Err(StoreError::Conflict(_)) if draws + 1 < DRAWS => draws += 1,
                    Err(error) => return Err(error.into()),
                }
            }
        }
    };
    Ok(created(
        &format!("/api/products/{}", stored.id),
        &product_json(&stored, &owner.public_id),
    ))
}

/// `GET /api/products/{productId}`.
pub(crate) async fn product<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let product = visible_product(store, &caller, &id, locale).await?;
    let owner = store.org(product.org_id).await?.map(|org| org.public_id);
    Ok(json_answer(
        StatusCode::OK,
        &product_json(&product, owner.as_deref().unwrap_or_default()),
    ))
}

/// `PATCH /api/products/{productId}`: a JSON merge patch of the changeable members.
pub(crate) async fn update_product<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let product = visible_product(store, &caller, &id, locale).await?;
    let org = caller.require()?;
    if !may_write(org, product.org_id) {
        return Err(read_only(locale));
    }
    let patch = read_json(locale, &body)?;
    md::check_patch(&patch, md::PRODUCT_EDITABLE).map_err(|problems| invalid(locale, problems))?;
    let mut merged = product_draft(&product);
    md::merge_patch(&mut merged, &patch);
    let draft: ProductDraft = read_draft(locale, merged)?;
    let checked = md::check_product(&draft).map_err(|problems| invalid(locale, problems))?;
    let updated = store
        .update_product(product.id, &checked.fields, now_micros())
        .await?;
    let owner = store.org(updated.org_id).await?.map(|org| org.public_id);
    Ok(json_answer(
        StatusCode::OK,
        &product_json(&updated, owner.as_deref().unwrap_or_default()),
    ))
}

fn lot_json(lot: &Lot, orgs: &HashMap<i64, String>) -> Value {
    let first = &lot.first_event;
    let quantity = first.quantity.as_deref().map(|text| {
        text.parse::<serde_json::Number>()
            .map_or_else(|_| Value::String(text.to_owned()), Value::Number)
    });
    json!({
        "lot": lot.lot,
        "id": lot.id,
        "events": lot.events,
        "firstEvent": {
            "eventID": first.event_id,
            "logIndex": first.index,
            "eventTime": time(first.event_time),
            "bizStep": first.biz_step,
            "location": first.location,
            "org": orgs.get(&first.org_id),
            "quantity": quantity,
            "uom": first.uom,
        },
    })
}

/// `GET /api/products/{productId}/lots`: the product's lots in the events the caller may
/// see, each with the event that first named it.
pub(crate) async fn product_lots<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    let store = state.ledger.store();
    let product = visible_product(store, &caller, &id, locale).await?;
    let lots = lots_of(store, &caller.visibility(), &product.gtin).await?;
    let orgs = org_ids(store).await?;
    Ok(json_answer(
        StatusCode::OK,
        &json!({
            "product": product.id,
            "gtin": product.gtin,
            "lots": lots.iter().map(|lot| lot_json(lot, &orgs)).collect::<Vec<_>>(),
        }),
    ))
}
