//! Retu's HTTP interface, generic over the storage backend.
//!
//! - `/log/…`: the transparency log's read side (C2SP tlog-tiles) and tlog-proofs
//!   ([`log_api`]).
//! - Errors are RFC 9457 problems ([`problem`]); callers are identified by bearer tokens or,
//!   for people logged in, session cookies with CSRF tokens ([`auth`], [`account`],
//!   `docs/accounts.md`).
//!
//! The router never touches SQL: it talks to the [`Ledger`] and, through it, to the [`Store`]
//! trait, so the same code serves SQLite and PostgreSQL.

pub mod account;
mod account_api;
mod account_pages;
pub mod auth;
mod certificate_api;
pub mod certificate_page;
mod consumer_page;
mod county_page;
mod epcis_api;
mod export_api;
mod form_api;
mod item;
pub mod label_api;
mod limit;
mod log_api;
mod master_data_api;
pub mod openapi;
mod people;
pub mod problem;
mod resolver;
mod scan_api;
mod trace_api;
mod work_page;

pub use limit::RateLimit;
pub use scan_api::flush_scans;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use ledger::Ledger;
use store::Store;
use tower_http::timeout::TimeoutLayer;

/// Settings of the HTTP layer.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Per-caller request rate; `per_second: 0` turns limiting off.
    pub rate_limit: RateLimit,
    /// The address the public reaches this server at (`https://trace.county.example`), for
    /// the links printed in QR codes; without it, the request's `Host` is used.
    pub public_url: Option<String>,
    /// The C2SP tlog-policy text the consumer page pins (the log's key, the witnesses and
    /// their quorum); without it, the log's key alone with no witness required.
    pub trust_policy: Option<String>,
    /// The font PDF label sheets are set in (`--label-font`); without it, the usual system
    /// fonts are searched ([`label_api::find_label_font`]).
    pub label_font: Option<std::path::PathBuf>,
    /// The county's GS1 company prefix (`--county-prefix`), from which products of
    /// organisations without a prefix of their own get their GTINs (`docs/master-data.md`);
    /// without it, such products cannot be registered.
    pub county_prefix: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            body_limit: 64 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            rate_limit: RateLimit {
                per_second: 50,
                burst: 200,
            },
            public_url: None,
            trust_policy: None,
            label_font: None,
            county_prefix: None,
        }
    }
}

/// What every handler can reach.
pub struct AppState<S> {
    /// The log service, and through it the store.
    pub ledger: Ledger<S>,
    /// HTTP settings.
    pub config: Arc<WebConfig>,
    /// Consumer scans counted in memory until [`flush_scans`] writes them.
    pub scans: Arc<repository::scans::ScanBook>,
}

impl<S> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            ledger: self.ledger.clone(),
            config: self.config.clone(),
            scans: self.scans.clone(),
        }
    }
}

/// The language of a request: `?lang=` when given (a printed page's link may carry it), else
/// `Accept-Language`. One place, so every page and problem answers alike.
pub(crate) fn request_locale(headers: &axum::http::HeaderMap, lang: Option<&str>) -> i18n::Locale {
    lang.and_then(i18n::Locale::from_query).unwrap_or_else(|| {
        i18n::Locale::negotiate(
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        )
    })
}

/// The address the public reaches this server at, without a trailing slash: `--public-url`,
/// else the request's `Host`. Links printed in QR codes and linksets start with it.
pub(crate) fn public_base<S>(state: &AppState<S>, headers: &axum::http::HeaderMap) -> String {
    state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| {
            let host = headers
                .get(axum::http::header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        })
        .trim_end_matches('/')
        .to_owned()
}

async fn openapi_json() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi::document(),
    )
        .into_response()
}

/// A path the API does not have: a problem like every other error, so that clients (and the
/// test that every documented operation is routed) can tell it from a missing resource.
async fn no_such_endpoint(uri: axum::http::Uri) -> problem::ApiError {
    problem::ApiError::no_such_endpoint(uri.path())
}

/// The Digital Link resolver on every primary key (`/01/…`, `/00/…`, `/414/…`).
fn resolver_routes<S: Store>() -> Router<AppState<S>> {
    let mut router = Router::new();
    for key in resolver::PRIMARY_KEYS {
        router = router.route(
            &format!("/{key}/{{*rest}}"),
            get(resolver::resolve::<S>).options(resolver::resolve::<S>),
        );
    }
    router
}

/// The whole API.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let config = state.config.clone();
    let router = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/openapi.json", get(openapi_json))
        .route("/log/checkpoint", get(log_api::checkpoint::<S>))
        .route("/log/key", get(log_api::key::<S>))
        .route("/log/tile/{*rest}", get(log_api::tile::<S>))
        .route("/log/proof", get(log_api::proof::<S>))
        .route("/epcis/capture", post(epcis_api::capture_document::<S>))
        .route("/epcis/capture/{id}", get(epcis_api::capture_job::<S>))
        .route(
            "/epcis/events",
            get(epcis_api::query_events::<S>).post(epcis_api::capture_event::<S>),
        )
        .route("/epcis/events/{event_id}", get(epcis_api::event::<S>))
        .route("/epcis/epcs/{epc}/events", get(epcis_api::epc_events::<S>))
        .route("/epcis/eventTypes", get(epcis_api::event_types::<S>))
        .route("/epcis/bizSteps", get(epcis_api::biz_steps::<S>))
        .route("/epcis/dispositions", get(epcis_api::dispositions::<S>))
        .route("/epcis/readPoints", get(epcis_api::read_points::<S>))
        .route("/epcis/bizLocations", get(epcis_api::biz_locations::<S>))
        .route("/api/trace", get(trace_api::trace::<S>))
        .route(
            "/api/recalls",
            get(trace_api::recall_notices::<S>).post(trace_api::create_recall::<S>),
        )
        .route("/api/recalls/{name}", get(trace_api::recall::<S>))
        .route("/api/exports/fsma204", get(export_api::fsma204::<S>))
        // Producers' master data: locations, products, lots (docs/master-data.md).
        .route(
            "/api/locations",
            get(master_data_api::locations::<S>).post(master_data_api::create_location::<S>),
        )
        .route(
            "/api/locations/{id}",
            get(master_data_api::location::<S>).patch(master_data_api::update_location::<S>),
        )
        .route(
            "/api/products",
            get(master_data_api::products::<S>).post(master_data_api::create_product::<S>),
        )
        .route(
            "/api/products/{id}",
            get(master_data_api::product::<S>).patch(master_data_api::update_product::<S>),
        )
        .route(
            "/api/products/{id}/lots",
            get(master_data_api::product_lots::<S>),
        )
        .route("/api/certificates", post(certificate_api::issue::<S>))
        .route(
            "/api/certificates/{number}",
            get(certificate_api::certificate::<S>),
        )
        .route("/c/{number}", get(certificate_api::page::<S>))
        .route("/api/labels", post(label_api::labels::<S>))
        .route("/api/item", get(item::item::<S>))
        .route("/api/forms", post(form_api::submit::<S>))
        .route("/work", get(work_page::page::<S>))
        .route("/county", get(county_page::page::<S>))
        .route("/api/county", get(county_page::summary_json::<S>))
        .route("/work/setup", get(work_page::setup::<S>))
        .route("/work/certificate", get(work_page::certificate::<S>))
        .route("/item/{*path}", get(item::page::<S>))
        .route("/assets/{name}", get(item::asset))
        .route(
            "/api/scans",
            get(scan_api::count::<S>).post(scan_api::record::<S>),
        )
        .route("/api/scans/flags", get(scan_api::flags::<S>))
        .route("/.well-known/gs1resolver", get(resolver::description::<S>))
        // People: login, logout, invitations, home (docs/accounts.md).
        .route(
            "/login",
            get(account_pages::login_page::<S>).post(account_pages::login_submit::<S>),
        )
        .route("/logout", post(account_pages::logout::<S>))
        .route(
            "/invite/{token}",
            get(account_pages::invite_page::<S>).post(account_pages::invite_submit::<S>),
        )
        .route("/me", get(account_pages::me::<S>))
        .route("/me/password", post(account_pages::change_password::<S>))
        // Officers, specialists and the admin: their people and invitations.
        .route("/people", get(people::page::<S>))
        .route("/people/invite", post(people::invite_submit::<S>))
        .route("/people/disabled", post(people::disabled_submit::<S>))
        .route("/api/users/disabled", post(people::set_disabled_api::<S>))
        .route(
            "/api/invitations",
            post(account_api::create_invitation::<S>),
        )
        .merge(resolver_routes::<S>())
        .fallback(no_such_endpoint)
        // Failed logins per login, in memory (account::LoginThrottle); a form's CSRF field
        // moved where the Caller extractor checks it.
        .layer(axum::Extension(Arc::new(account::LoginThrottle::default())))
        .layer(axum::middleware::from_fn(account_api::lift_form_csrf))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .with_state(state);
    limit::apply(router, config.rate_limit)
}
