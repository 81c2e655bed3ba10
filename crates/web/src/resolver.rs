//! The GS1 Digital Link resolver: `GET /01/{gtin}[/10/{lot}][/21/{serial}]`, `/00/{sscc}`,
//! `/414/{gln}` and the other primary keys, behaving as GS1's conformant-resolver statements
//! ask (`shared/vectors/epcis/gs1-digital-link/resolver-testsuite-*.txt`):
//!
//! - the request URI is validated (check digits, qualifier order) and an invalid one is a 400;
//! - `Accept: application/linkset+json`, `?linkType=all` or `?linkType=linkset` answer an
//!   RFC 9264 linkset whose anchor is the uncompressed canonical URI, with the links of every
//!   level up to the primary key, each with a target, a link type and a title;
//! - `?linkType=gs1:…` redirects (307) to that link, or answers 404 when the item has none;
//! - otherwise it redirects to the default link; every redirect passes the query string on
//!   (except `linkType`) and carries a `Link` header to the linkset;
//! - an identifier no record names is a 404 (an HTML page for browsers);
//! - `GET`, `HEAD` and `OPTIONS` with CORS; trailing slashes are tolerated;
//! - `/.well-known/gs1resolver` describes the resolver.
//!
//! The links are Retu's own records of the item: its consumer page (`gs1:pip`, the default
//! link: what a phone that scanned the code shows, `item.rs`), its 承诺达标合格证
//! (`gs1:certificationInfo`, newest first), its lineage
//! (`gs1:traceability`), its EPCIS events (`gs1:epcis`) and its recall status
//! (`gs1:recallStatus`). Compressed Digital Links are not supported yet.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use gs1::DigitalLink;
use i18n::Locale;
use repository::lineage::{self, Direction, TraceRequest};
use serde_json::{Map, Value, json};
use store::{Condition, EventQuery, IdRole, Store, Visibility};

use crate::AppState;
use crate::problem::ApiError;

/// The Digital Link primary keys the resolver answers, as path segments.
pub(crate) const PRIMARY_KEYS: [&str; 15] = [
    "00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010", "8013",
    "8017", "8018",
];

/// GS1 Web vocabulary link types, as linksets spell them.
const VOCABULARY: &str = "https://gs1.org/voc/";

/// One link of an item.
struct Link {
    /// The GS1 link type without its namespace (`pip`, `traceability`).
    kind: &'static str,
    href: String,
    title: String,
    media_type: &'static str,
}

impl Link {
    fn json(&self) -> Value {
        json!({
            "href": self.href,
            "title": self.title,
            "type": self.media_type,
            "hreflang": ["zh-CN", "en"],
        })
    }
}

/// The identities from the request's full identity up to its primary key (the levels whose
/// links the linkset must include), most specific first, in the normal form.
pub(crate) fn levels(link: &DigitalLink) -> Vec<String> {
    let full = link.to_constrained_uri(gs1::GS1_RESOLVER);
    let key_path = format!(
        "{}/{}/{}",
        gs1::GS1_RESOLVER.trim_end_matches('/'),
        link.key_element().code(),
        link.key_element().value()
    );
    let mut levels = vec![full.clone()];
    // Each qualifier removed from the end is one level up (serial → lot → product).
    let mut current = full;
    while current.len() > key_path.len() {
        let Some((up, _)) = current.rsplit_once('/') else {
            break;
        };
        let Some((up, _)) = up.rsplit_once('/') else {
            break;
        };
        current = up.to_owned();
        levels.push(current.clone());
    }
    levels
}

/// Whether any event, shared or not, names `anchor` (a canonical Digital Link).
pub(crate) async fn is_known<S: Store>(store: &S, anchor: &str) -> Result<bool, store::StoreError> {
    let mut query = EventQuery::all(Visibility::All, 1);
    query.conditions.push(Condition::Identifier {
        roles: IdRole::ALL.to_vec(),
        values: vec![anchor.to_owned()],
        prefixes: Vec::new(),
    });
    Ok(!store.query_events(&query).await?.is_empty())
}

/// The links of an item, the default first; `None` when no record names it.
async fn links<S: Store>(
    state: &AppState<S>,
    levels: &[String],
    locale: Locale,
    base: &str,
) -> Result<Option<Vec<Link>>, ApiError> {
    let store = state.ledger.store();
    let anchor = &levels[0];
    let known = is_known(store, anchor).await?;

    // Certificates of the item, of the levels above it, and of the lot it belongs to (one hop
    // up its lineage: a tin's certificate is its lot's).
    let upstream = lineage::trace(
        store,
        &TraceRequest {
            id: anchor.clone(),
            direction: Direction::Up,
            depth: 1,
            visibility: Visibility::All,
        },
    )
    .await?;
    let mut subjects: Vec<String> = levels.to_vec();
    subjects.extend(upstream.nodes.iter().map(|node| node.id.clone()));
    let certificates = store
        .records_about(crate::certificate_api::CERTIFICATE_KIND, &subjects)
        .await?;
    if !known && certificates.is_empty() {
        return Ok(None);
    }

    // The consumer page first: it is the default, what a phone that scanned the code shows.
    let mut links = vec![Link {
        kind: "pip",
        href: format!("{base}/item{}", crate::item::resolver_path(anchor)),
        title: i18n::t(locale, "resolver.link.pip").to_owned(),
        media_type: "text/html",
    }];
    for record in certificates.iter().rev() {
        links.push(Link {
            kind: "certificationInfo",
            href: format!("{base}/c/{}", record.record_id),
            title: i18n::tf(
                locale,
                "resolver.link.certificate",
                &[("number", &record.record_id)],
            ),
            media_type: "text/html",
        });
    }
    let id = repository::normalize::percent_encode_component(anchor);
    links.push(Link {
        kind: "traceability",
        href: format!("{base}/api/trace?id={id}"),
        title: i18n::t(locale, "resolver.link.traceability").to_owned(),
        media_type: "application/json",
    });
    let is_class = anchor.contains("/10/") || {
        let path = anchor.trim_start_matches(gs1::GS1_RESOLVER.trim_end_matches('/'));
        path.starts_with("/01/") && path.matches('/').count() == 2
    };
    let parameter = if is_class {
        "MATCH_anyEPCClass"
    } else {
        "MATCH_anyEPC"
    };
    links.push(Link {
        kind: "epcis",
        href: format!("{base}/epcis/events?{parameter}={id}"),
        title: i18n::t(locale, "resolver.link.epcis").to_owned(),
        media_type: "application/ld+json",
    });
    links.push(Link {
        kind: "recallStatus",
        href: format!("{base}/api/recalls?id={id}"),
        title: i18n::t(locale, "resolver.link.recall").to_owned(),
        media_type: "application/json",
    });
    Ok(Some(links))
}

/// The link type a request names: `gs1:pip`, a full vocabulary URI, or `all`/`linkset`.
fn requested_type(link: &DigitalLink) -> Option<String> {
    let raw = link.link_type()?;
    let raw = raw.trim();
    Some(
        raw.strip_prefix("gs1:")
            .or_else(|| raw.strip_prefix(VOCABULARY))
            .or_else(|| raw.strip_prefix("https://ref.gs1.org/voc/"))
            .unwrap_or(raw)
            .to_owned(),
    )
}

fn with_resolver_headers(mut response: Response, linkset: &str) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Link, Location"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "<{linkset}>; rel=\"linkset\"; type=\"application/linkset+json\""
    )) {
        headers.insert(header::LINK, value);
    }
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    response
}

fn wants_linkset(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/linkset+json"))
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// A bilingual page for an identifier nobody has recorded: scanning an unknown code is a
/// consumer's moment of doubt, and a bare error would make it worse.
pub(crate) fn not_found_page(locale: Locale, anchor: &str, body_key: &'static str) -> String {
    let escape = crate::certificate_page::escape_html;
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;margin:1.5rem;\
         max-width:30rem;line-height:1.5}}code{{word-break:break-all}}</style></head>\
         <body><h1>{}</h1><p>{}</p><p><code>{}</code></p></body></html>",
        locale.tag(),
        escape(i18n::t(locale, "resolver.unknown.title")),
        escape(i18n::t(locale, "resolver.unknown.title")),
        escape(i18n::t(locale, body_key)),
        escape(anchor),
    )
}

/// Any Digital Link request on a primary key.
pub(crate) async fn resolve<S: Store>(
    State(state): State<AppState<S>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    let path = uri.path().trim_end_matches('/');
    let base = crate::public_base(&state, &headers);
    let linkset_url = format!("{base}{path}?linkType=linkset");
    if method == Method::OPTIONS {
        let response = (
            StatusCode::NO_CONTENT,
            [
                (
                    header::ALLOW,
                    HeaderValue::from_static("GET, HEAD, OPTIONS"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_METHODS,
                    HeaderValue::from_static("GET, HEAD, OPTIONS"),
                ),
                (
                    header::ACCESS_CONTROL_ALLOW_HEADERS,
                    HeaderValue::from_static("Accept, Accept-Language"),
                ),
            ],
        )
            .into_response();
        return Ok(with_resolver_headers(response, &linkset_url));
    }
    let request = match uri.query() {
        Some(query) => format!("{}{path}?{query}", gs1::GS1_RESOLVER.trim_end_matches('/')),
        None => format!("{}{path}", gs1::GS1_RESOLVER.trim_end_matches('/')),
    };
    let link = DigitalLink::parse(&request).map_err(|e| {
        ApiError::query_parameter("path", format!("not a valid GS1 Digital Link: {e}"))
    })?;
    let levels = levels(&link);
    let anchor = levels[0].clone();
    let locale = crate::request_locale(&headers, None);
    let Some(links) = links(&state, &levels, locale, &base).await? else {
        if wants_html(&headers) {
            let response = (
                StatusCode::NOT_FOUND,
                Html(not_found_page(locale, &anchor, "resolver.unknown.body")),
            )
                .into_response();
            return Ok(with_resolver_headers(response, &linkset_url));
        }
        return Err(ApiError::not_found(format!(
            "nothing is recorded about {anchor}"
        )));
    };

    let requested = requested_type(&link);
    if wants_linkset(&headers) || matches!(requested.as_deref(), Some("all" | "linkset")) {
        let mut entry = Map::new();
        entry.insert("anchor".into(), json!(anchor));
        if let Some(default) = links.first() {
            entry.insert(
                format!("{VOCABULARY}defaultLink"),
                json!([{"href": default.href, "title": default.title}]),
            );
        }
        for link in &links {
            let key = format!("{VOCABULARY}{}", link.kind);
            let list = entry.entry(key).or_insert_with(|| json!([]));
            if let Value::Array(list) = list {
                list.push(link.json());
            }
        }
        let body = json!({ "linkset": [Value::Object(entry)] });
        let response = (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/linkset+json"),
            )],
            body.to_string(),
        )
            .into_response();
        return Ok(with_resolver_headers(response, &linkset_url));
    }

    let target = match requested.as_deref() {
        None | Some("defaultLink") => links.first(),
        Some(kind) => links.iter().find(|link| link.kind == kind),
    };
    let Some(target) = target else {
        let kind = requested.unwrap_or_default();
        let error = ApiError::not_found(format!("{anchor} has no link of type gs1:{kind}"));
        return Ok(with_resolver_headers(error.into_response(), &linkset_url));
    };
    // Query parameters other than linkType travel with the redirect.
    let passed: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("linkType="))
        .collect();
    let mut location = target.href.clone();
    if !passed.is_empty() {
        location.push(if location.contains('?') { '&' } else { '?' });
        location.push_str(&passed.join("&"));
    }
    let location = HeaderValue::from_str(&location)
        .map_err(|_| ApiError::query_parameter("path", "the redirect target is not a valid URI"))?;
    let response = (
        StatusCode::TEMPORARY_REDIRECT,
        [(header::LOCATION, location)],
    )
        .into_response();
    Ok(with_resolver_headers(response, &linkset_url))
}

/// `GET /.well-known/gs1resolver`: the resolver description file.
pub(crate) async fn description<S: Store>(
    State(state): State<AppState<S>>,
    headers: HeaderMap,
) -> Response {
    let base = crate::public_base(&state, &headers);
    let body = json!({
        "name": "Retu (热土) county traceability resolver",
        "resolverRoot": base,
        "supportedPrimaryKeys": PRIMARY_KEYS,
        "supportedLinkType": [
            {"namespace": VOCABULARY, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes"}
        ],
        "linkTypes": ["gs1:pip", "gs1:certificationInfo", "gs1:traceability", "gs1:epcis", "gs1:recallStatus"],
        "linkTypeDefaultCanBeLinkset": false,
        "compression": false,
    });
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        body.to_string(),
    )
        .into_response()
}
