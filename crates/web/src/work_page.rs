//! `GET /work`: the producer's phone forms — 采收 harvest, 加工 process, 检测 inspect, 包装 pack,
//! 发货 ship, 收货 receive, 销售 sell — for a logged-in person. The farmer picks their own plot
//! and product from their master data and types numbers; `assets/work.js` turns each form into
//! the JSON `POST /api/forms` takes, keeps it on the phone until it is sent, and shows the
//! receipt. An officer or specialist opens `/work?for={org}` to record for a farmer of their
//! county; every event then names them (`retu:enteredBy`).

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use i18n::{Locale, t};
use serde::Deserialize;
use serde_json::json;
use store::{Org, Store, Visibility};

use crate::AppState;
use crate::account_pages::page_shell;
use crate::auth::Caller;
use crate::certificate_page::escape_html;
use crate::problem::ApiError;

/// The form script as served, and its version for the cache-busting URL.
pub(crate) const WORK_JS: &str = include_str!("../assets/work.js");

/// The query of `/work`.
#[derive(Debug, Deserialize)]
pub(crate) struct WorkParams {
    lang: Option<String>,
    /// The public ID of the farmer's organisation an officer records for.
    #[serde(rename = "for")]
    for_org: Option<String>,
}

/// Selects and groups as big as the account pages' inputs: thumbs on a cheap phone.
const SELECT_STYLE: &str = "<style>label{display:block;margin-top:.9rem;font-weight:600}\
     select{display:block;width:100%;min-height:48px;margin-top:.3rem;padding:.4rem;\
     font:inherit;font-size:1.1rem;background:#fff;border:2px solid #555;border-radius:6px}\
     fieldset{border:1px solid #999;border-radius:6px;margin:1rem 0 0;padding:.25rem .75rem .75rem}\
     summary{min-height:48px;display:flex;align-items:center;font-size:1.15rem;font-weight:700;cursor:pointer}\
     h2{font-size:1.05rem}.ok{color:#1d4d2c;font-weight:700}</style>";

/// The units a farmer picks from, as `repository::certificate::Unit` spells them.
const UNITS: [(&str, &str); 7] = [
    ("kg", "cert.unit.kg"),
    ("jin", "cert.unit.jin"),
    ("g", "cert.unit.g"),
    ("piece", "cert.unit.piece"),
    ("box", "cert.unit.box"),
    ("bag", "cert.unit.bag"),
    ("t", "cert.unit.t"),
];

struct Choices {
    places: Vec<(String, String)>,
    products: Vec<(String, String)>,
}

fn select(page: &mut String, name: &str, label: &str, options: &[(String, String)]) {
    let _ = write!(
        page,
        "<label>{}<select name=\"{name}\" required>",
        escape_html(label)
    );
    for (value, text) in options {
        let _ = write!(
            page,
            "<option value=\"{}\">{}</option>",
            escape_html(value),
            escape_html(text)
        );
    }
    page.push_str("</select></label>");
}

fn input(page: &mut String, name: &str, label: &str, kind: &str, required: bool) {
    let extra = match kind {
        "decimal" => " inputmode=\"decimal\" pattern=\"[0-9]+(\\.[0-9]+)?\"",
        _ => "",
    };
    let kind = if kind == "decimal" { "text" } else { kind };
    let _ = write!(
        page,
        "<label>{}<input name=\"{name}\" type=\"{kind}\"{extra}{}></label>",
        escape_html(label),
        if required { " required" } else { "" }
    );
}

/// One lot's fields: product, lot number, quantity, unit, each name starting with `prefix`.
fn amount(page: &mut String, locale: Locale, prefix: &str, legend: &str, choices: &Choices) {
    let units: Vec<(String, String)> = UNITS
        .iter()
        .map(|(code, key)| ((*code).to_owned(), t(locale, key).to_owned()))
        .collect();
    let _ = write!(
        page,
        "<fieldset data-amount=\"{prefix}\"><legend>{}</legend>",
        escape_html(legend)
    );
    select(
        page,
        &format!("{prefix}product"),
        t(locale, "work.product"),
        &choices.products,
    );
    input(
        page,
        &format!("{prefix}lot"),
        t(locale, "work.lot"),
        "text",
        true,
    );
    input(
        page,
        &format!("{prefix}quantity"),
        t(locale, "work.quantity"),
        "decimal",
        true,
    );
    select(
        page,
        &format!("{prefix}unit"),
        t(locale, "work.unit"),
        &units,
    );
    page.push_str("</fieldset>");
}

fn form(page: &mut String, locale: Locale, kind: &str, choices: &Choices, open: bool) {
    let title = t(
        locale,
        match kind {
            "harvest" => "work.form.harvest",
            "process" => "work.form.process",
            "inspect" => "work.form.inspect",
            "pack" => "work.form.pack",
            "ship" => "work.form.ship",
            "receive" => "work.form.receive",
            _ => "work.form.sell",
        },
    );
    let _ = write!(
        page,
        "<details class=\"card\"{}><summary>{}</summary><form data-form=\"{kind}\" novalidate>",
        if open { " open" } else { "" },
        escape_html(title)
    );
    select(page, "place", t(locale, "work.place"), &choices.places);
    input(page, "time", t(locale, "work.time"), "datetime-local", true);
    match kind {
        "harvest" => amount(
            page,
            locale,
            "output-",
            t(locale, "work.harvested"),
            choices,
        ),
        "process" | "pack" => {
            amount(page, locale, "input-", t(locale, "work.input"), choices);
            // Processing often blends lots (two days' leaf into one batch of tea).
            if kind == "process" {
                let _ = write!(
                    page,
                    "<button type=\"button\" class=\"secondary\" data-add-input>{}</button>",
                    escape_html(t(locale, "work.add_input"))
                );
            }
            amount(page, locale, "output-", t(locale, "work.output"), choices);
            if kind == "process" {
                input(page, "step", t(locale, "work.step"), "text", false);
            }
        }
        "inspect" => {
            amount(page, locale, "", t(locale, "work.sample"), choices);
            input(page, "test", t(locale, "work.test"), "text", true);
            let results = [
                ("pass".to_owned(), t(locale, "work.result.pass").to_owned()),
                ("fail".to_owned(), t(locale, "work.result.fail").to_owned()),
            ];
            select(page, "result", t(locale, "work.result"), &results);
            input(
                page,
                "reading-name",
                t(locale, "work.reading"),
                "text",
                false,
            );
            input(
                page,
                "reading-value",
                t(locale, "work.value"),
                "decimal",
                false,
            );
            input(
                page,
                "reading-unit",
                t(locale, "work.reading_unit"),
                "text",
                false,
            );
        }
        "ship" => {
            amount(page, locale, "", t(locale, "work.goods"), choices);
            input(page, "buyer", t(locale, "work.buyer"), "text", true);
        }
        "sell" => {
            amount(page, locale, "", t(locale, "work.goods"), choices);
            input(page, "channel", t(locale, "work.channel"), "text", false);
        }
        _ => amount(page, locale, "", t(locale, "work.goods"), choices),
    }
    input(page, "note", t(locale, "work.note"), "text", false);
    let _ = write!(
        page,
        "<button type=\"submit\">{}</button><div class=\"receipt\" aria-live=\"polite\" hidden></div></form></details>",
        escape_html(t(locale, "work.save"))
    );
}

/// The organisation the forms record for: the person's own, or (for an officer, a specialist
/// or the admin) the farmer's named by `?for=`.
async fn target_org<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    for_org: Option<&str>,
) -> Result<Option<Org>, ApiError> {
    let Some(own) = caller.0.as_ref().filter(|_| caller.person().is_some()) else {
        return Ok(None);
    };
    let Some(public_id) = for_org.filter(|id| *id != own.public_id) else {
        return Ok(Some(own.clone()));
    };
    let farmer = state.ledger.store().org_by_public_id(public_id).await?;
    Ok(farmer.filter(|farmer| caller.may_record_for(farmer)))
}

/// `GET /work`.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<WorkParams>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let Some(person) = caller.person() else {
        return Ok(Redirect::to("/login?next=%2Fwork").into_response());
    };
    let Some(org) = target_org(&state, &caller, params.for_org.as_deref()).await? else {
        return Err(ApiError::forbidden(t(locale, "form.problem.on_behalf")));
    };
    let store = state.ledger.store();
    let visibility = Visibility::Org(org.id);
    let name = |zh: &str, en: Option<&str>| match (locale, en) {
        (Locale::En, Some(en)) if !en.trim().is_empty() => en.to_owned(),
        _ => zh.to_owned(),
    };
    let choices = Choices {
        places: store
            .locations(&visibility)
            .await?
            .into_iter()
            .map(|l| {
                let label = name(&l.fields.name_zh, l.fields.name_en.as_deref());
                (l.identifier, label)
            })
            .collect(),
        products: store
            .products(&visibility)
            .await?
            .into_iter()
            .map(|p| {
                let label = format!(
                    "{} ({})",
                    name(&p.fields.name_zh, p.fields.name_en.as_deref()),
                    p.gtin
                );
                (p.gtin, label)
            })
            .collect(),
    };
    let mut body = String::with_capacity(16 * 1024);
    body.push_str(SELECT_STYLE);
    let on_behalf = (org.id != person.user.org_id).then(|| org.public_id.clone());
    let _ = write!(
        body,
        "<p class=\"hint\">{}</p><p id=\"outbox\" class=\"hint\" role=\"status\" hidden></p>",
        escape_html(&i18n::tf(locale, "work.for", &[("org", &org.name)]))
    );
    if choices.places.is_empty() || choices.products.is_empty() {
        let _ = write!(
            body,
            "<p class=\"alert\">{}</p>",
            escape_html(t(locale, "work.no_master_data"))
        );
    }
    let setup = match &on_behalf {
        Some(id) => format!(
            "/work/setup?for={}",
            repository::normalize::percent_encode_component(id)
        ),
        None => "/work/setup".to_owned(),
    };
    let _ = write!(
        body,
        "<p class=\"hint\"><a href=\"{setup}\">{}</a></p>",
        escape_html(t(locale, "work.setup"))
    );
    for (i, kind) in [
        "harvest", "process", "inspect", "pack", "ship", "receive", "sell",
    ]
    .iter()
    .enumerate()
    {
        form(&mut body, locale, kind, &choices, i == 0);
    }
    script(&mut body, locale, person, on_behalf);
    Ok(work_response(page_shell(
        locale,
        t(locale, "work.title"),
        &body,
    )))
}

/// The page's data for `assets/work.js` (the CSRF token, the farmer recorded for, the texts)
/// and the script itself.
fn script(
    body: &mut String,
    locale: Locale,
    person: &crate::auth::Person,
    on_behalf: Option<String>,
) {
    let data = json!({
        "csrf": person.csrf_token(),
        "onBehalfOf": on_behalf,
        "texts": {
            "waiting": t(locale, "work.waiting"),
            "sending": t(locale, "work.sending"),
            "savedOffline": t(locale, "work.saved_offline"),
            "logIndex": t(locale, "work.log_index"),
            "consumerPage": t(locale, "work.consumer_page"),
            "loginAgain": t(locale, "work.login_again"),
            "failed": t(locale, "work.failed"),
            "registered": t(locale, "work.registered"),
            "printLabels": t(locale, "work.labels.print"),
            "copies": t(locale, "work.labels.copies"),
            "layout": t(locale, "work.labels.layout"),
            "labelsReady": t(locale, "work.labels.ready"),
            "issueCertificate": t(locale, "work.cert.offer"),
            "certificateIssued": t(locale, "work.cert.issued"),
            "openCertificate": t(locale, "work.cert.open"),
        },
        // The sticker sheets a farmer can buy, named by what is printed on their packet.
        "layouts": labels::LAYOUTS.iter().map(|layout| json!({
            "name": layout.name,
            "text": i18n::tf(locale, "work.labels.layout_option", &[
                ("n", &layout.per_page().to_string()),
                ("width", &trim_mm(layout.label_width_mm)),
                ("height", &trim_mm(layout.label_height_mm)),
            ]),
        })).collect::<Vec<_>>(),
    });
    let _ = write!(
        body,
        "<script type=\"application/json\" id=\"work-data\">{}</script>\
         <script type=\"module\" src=\"/assets/work.js?v={}\"></script>",
        data.to_string().replace('<', "\\u003c"),
        crate::consumer_page::asset_version(WORK_JS),
    );
}

/// The query of `/work/certificate`: the lot a receipt offers a certificate for, as the form
/// gave it. Everything is only a prefill; `POST /api/certificates` checks the event and lot.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CertificateParams {
    lang: Option<String>,
    event: Option<String>,
    gtin: Option<String>,
    lot: Option<String>,
    quantity: Option<String>,
    unit: Option<String>,
    place: Option<String>,
}

/// Whether a login is a mobile number (11 digits, 1 first): then it is the contact phone.
fn mobile_number(login: &str) -> Option<&str> {
    (login.len() == 11 && login.starts_with('1') && login.bytes().all(|b| b.is_ascii_digit()))
        .then_some(login)
}

fn prefilled(page: &mut String, name: &str, label: &str, kind: &str, value: &str, required: bool) {
    let _ = write!(
        page,
        "<label>{}<input name=\"{name}\" type=\"{kind}\" value=\"{}\"{}></label>",
        escape_html(label),
        escape_html(value),
        if required { " required" } else { "" }
    );
}

fn checkbox(page: &mut String, name: &str, value: &str, label: &str, checked: bool) {
    let _ = write!(
        page,
        "<label class=\"check\"><input type=\"checkbox\" name=\"{name}\" value=\"{value}\"{}> {}</label>",
        if checked { " checked" } else { "" },
        escape_html(label)
    );
}

/// `GET /work/certificate`: the 承诺达标合格证 form for the lot a receipt names, filled in from
/// the farmer's master data (product name, producer, county, township, village and plot of the
/// place) and the form (quantity). The farmer ticks the three commitments themselves: that is
/// the legal act the certificate records. `assets/work.js` posts it to `/api/certificates`
/// and then offers the labels that carry its number.
pub(crate) async fn certificate<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<CertificateParams>,
) -> Result<Response, ApiError> {
    use repository::certificate::{Basis, Unit};
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let (Some(person), Some(org)) = (caller.person(), caller.0.as_ref()) else {
        return Ok(Redirect::to("/login?next=%2Fwork").into_response());
    };
    let store = state.ledger.store();
    let visibility = Visibility::Org(org.id);
    let gtin = params.gtin.as_deref().unwrap_or_default().trim();
    let lot = params.lot.as_deref().unwrap_or_default().trim();
    let place = params.place.as_deref().unwrap_or_default().trim();
    let product = store
        .products(&visibility)
        .await?
        .into_iter()
        .find(|p| p.gtin == gtin);
    let location = store
        .locations(&visibility)
        .await?
        .into_iter()
        .find(|l| l.identifier == place);
    let base = crate::public_base(&state, &headers);
    let lot_uri = if gtin.is_empty() || lot.is_empty() {
        String::new()
    } else {
        format!(
            "{base}/01/{gtin}/10/{}",
            repository::normalize::percent_encode_component(lot)
        )
    };

    let mut body = String::with_capacity(8 * 1024);
    body.push_str(SELECT_STYLE);
    body.push_str(
        "<style>.check{display:flex;gap:.6rem;align-items:flex-start;font-weight:400}\
         .check input{width:1.6rem;height:1.6rem;min-height:0;margin:0;flex:none}</style>",
    );
    let _ = write!(
        body,
        "<p class=\"hint\"><a href=\"/work\">{}</a></p>",
        escape_html(t(locale, "work.back"))
    );
    if params.event.is_none() || lot_uri.is_empty() {
        let _ = write!(
            body,
            "<p class=\"alert\">{}</p>",
            escape_html(t(locale, "work.cert.from_receipt"))
        );
    }
    let _ = write!(
        body,
        "<p class=\"hint\">{}</p><form data-certificate class=\"card\" novalidate>",
        escape_html(&i18n::tf(
            locale,
            "work.cert.intro",
            &[("lot", lot), ("gtin", gtin)]
        ))
    );
    let _ = write!(
        body,
        "<input type=\"hidden\" name=\"batch-eventId\" value=\"{}\">\
         <input type=\"hidden\" name=\"batch-lot\" value=\"{}\">\
         <input type=\"hidden\" name=\"label-nameEn\" value=\"{}\">",
        escape_html(params.event.as_deref().unwrap_or_default()),
        escape_html(&lot_uri),
        escape_html(
            product
                .as_ref()
                .and_then(|p| p.fields.name_en.as_deref())
                .unwrap_or_default()
        )
    );
    let product_name = product.as_ref().map_or("", |p| p.fields.name_zh.as_str());
    prefilled(
        &mut body,
        "productName",
        t(locale, "cert.product"),
        "text",
        product_name,
        true,
    );
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "cert.quantity"))
    );
    let quantity = params.quantity.as_deref().unwrap_or_default();
    let _ = write!(
        body,
        "<label>{}<input name=\"quantity-value\" type=\"text\" inputmode=\"decimal\" value=\"{}\" required></label>",
        escape_html(t(locale, "work.quantity")),
        escape_html(quantity)
    );
    let chosen_unit = params.unit.as_deref().unwrap_or("kg");
    let _ = write!(
        body,
        "<label>{}<select name=\"quantity-unit\" required>",
        escape_html(t(locale, "work.unit"))
    );
    for unit in [
        Unit::Kg,
        Unit::Jin,
        Unit::G,
        Unit::T,
        Unit::Piece,
        Unit::Box,
        Unit::Bag,
        Unit::Head,
        Unit::Bird,
    ] {
        let _ = write!(
            body,
            "<option value=\"{}\"{}>{}</option>",
            unit.as_str(),
            if unit.as_str() == chosen_unit {
                " selected"
            } else {
                ""
            },
            escape_html(t(locale, unit.message_key()))
        );
    }
    body.push_str("</select></label></fieldset>");

    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "cert.producer"))
    );
    prefilled(
        &mut body,
        "producer-name",
        t(locale, "work.cert.producer_name"),
        "text",
        &org.name,
        true,
    );
    prefilled(
        &mut body,
        "producer-contact",
        t(locale, "cert.contact"),
        "tel",
        mobile_number(&person.user.login).unwrap_or_default(),
        true,
    );
    body.push_str("</fieldset>");

    // A county code (`522634`) is what numbers certificates, not what a buyer reads as 产地.
    let county = org
        .county
        .as_deref()
        .filter(|c| !repository::certificate::is_county_code(c))
        .unwrap_or_default();
    let fields = location.as_ref().map(|l| &l.fields);
    let plot = location
        .as_ref()
        .filter(|l| l.kind == "plot" || l.kind == "farm")
        .map_or("", |l| l.fields.name_zh.as_str());
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "cert.origin"))
    );
    prefilled(
        &mut body,
        "origin-province",
        t(locale, "work.cert.province"),
        "text",
        "",
        true,
    );
    prefilled(
        &mut body,
        "origin-county",
        t(locale, "work.cert.county"),
        "text",
        county,
        true,
    );
    prefilled(
        &mut body,
        "origin-township",
        t(locale, "work.cert.township"),
        "text",
        fields
            .and_then(|f| f.township.as_deref())
            .unwrap_or_default(),
        false,
    );
    prefilled(
        &mut body,
        "origin-village",
        t(locale, "work.village"),
        "text",
        fields
            .and_then(|f| f.village.as_deref())
            .unwrap_or_default(),
        false,
    );
    prefilled(
        &mut body,
        "origin-plot",
        t(locale, "work.cert.plot"),
        "text",
        plot,
        false,
    );
    body.push_str("</fieldset>");
    prefilled(
        &mut body,
        "issueDate",
        t(locale, "cert.issue_date"),
        "date",
        "",
        true,
    );

    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "cert.commitment_intro"))
    );
    for (name, key) in [
        (
            "commitments-noBannedSubstances",
            "cert.commitment.no_banned",
        ),
        (
            "commitments-residuesWithinLimits",
            "cert.commitment.residues",
        ),
        (
            "commitments-responsibleForTruth",
            "cert.commitment.truthful",
        ),
    ] {
        checkbox(&mut body, name, "true", t(locale, key), false);
    }
    body.push_str("</fieldset>");
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "cert.basis"))
    );
    for basis in Basis::ALL {
        let value = serde_json::to_value(basis)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        checkbox(
            &mut body,
            "basis",
            &value,
            t(locale, basis.message_key()),
            basis == Basis::SelfCommitment,
        );
    }
    body.push_str("</fieldset>");
    // One self-test result (a rapid test), sent when the self-test basis is ticked.
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape_html(t(locale, "work.cert.self_test"))
    );
    prefilled(
        &mut body,
        "tests-item",
        t(locale, "cert.test.item"),
        "text",
        "",
        false,
    );
    prefilled(
        &mut body,
        "tests-method",
        t(locale, "cert.test.method"),
        "text",
        "",
        false,
    );
    prefilled(
        &mut body,
        "tests-value",
        t(locale, "cert.test.value"),
        "text",
        "",
        false,
    );
    prefilled(
        &mut body,
        "tests-date",
        t(locale, "cert.test.date"),
        "date",
        "",
        false,
    );
    body.push_str("</fieldset>");
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button><div class=\"receipt\" aria-live=\"polite\" hidden></div></form>",
        escape_html(t(locale, "work.cert.issue"))
    );
    script(&mut body, locale, person, None);
    Ok(work_response(page_shell(
        locale,
        t(locale, "cert.title"),
        &body,
    )))
}

/// A length in millimetres as a sticker packet prints it: `70`, `38.1`.
fn trim_mm(mm: f32) -> String {
    let text = format!("{mm:.1}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_owned)
}

/// A work page with its headers: never cached (it carries the CSRF token), and scripts only
/// from this server.
fn work_response(page: String) -> Response {
    let mut response = (StatusCode::OK, axum::response::Html(page)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; \
             img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// `GET /work/setup`: the farmer registers their places (farm, plot with area and crop,
/// workshop, warehouse, shop) and products, the picks the forms offer. The page's forms post
/// JSON to `/api/locations` and `/api/products` (`assets/work.js`), which mint the county-issued
/// identifiers and GTINs (`docs/master-data.md`).
pub(crate) async fn setup<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<WorkParams>,
) -> Result<Response, ApiError> {
    use repository::master_data::{Category, LocationKind};
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let Some(person) = caller.person() else {
        return Ok(Redirect::to("/login?next=%2Fwork%2Fsetup").into_response());
    };
    // An officer or specialist sets up a farmer without a phone (`?for=`), by the rule that
    // lets them record for the farmer; the forms then name the farm (`org`).
    let Some(org) = target_org(&state, &caller, params.for_org.as_deref()).await? else {
        return Err(ApiError::forbidden(t(locale, "form.problem.on_behalf")));
    };
    let on_behalf = (org.id != person.user.org_id).then(|| org.public_id.clone());
    let for_query = on_behalf
        .as_deref()
        .map(|id| {
            format!(
                "?for={}",
                repository::normalize::percent_encode_component(id)
            )
        })
        .unwrap_or_default();
    let store = state.ledger.store();
    let visibility = Visibility::Org(org.id);
    let mut body = String::with_capacity(8 * 1024);
    body.push_str(SELECT_STYLE);
    if on_behalf.is_some() {
        let _ = write!(
            body,
            "<p class=\"hint\">{}</p>",
            escape_html(&i18n::tf(locale, "work.for", &[("org", &org.name)]))
        );
    }
    let _ = write!(
        body,
        "<p class=\"hint\"><a href=\"/work{for_query}\">{}</a></p>",
        escape_html(t(locale, "work.back"))
    );
    // What is registered already.
    let _ = write!(
        body,
        "<section class=\"card\"><h2>{}</h2><ul>",
        escape_html(t(locale, "work.places"))
    );
    for location in store.locations(&visibility).await? {
        let kind = LocationKind::parse(&location.kind).map_or(location.kind.clone(), |k| {
            t(locale, k.message_key()).to_owned()
        });
        let _ = write!(
            body,
            "<li>{} · {}</li>",
            escape_html(&location.fields.name_zh),
            escape_html(&kind)
        );
    }
    let _ = write!(
        body,
        "</ul><h2>{}</h2><ul>",
        escape_html(t(locale, "work.products"))
    );
    for product in store.products(&visibility).await? {
        let _ = write!(
            body,
            "<li>{} · GTIN {}</li>",
            escape_html(&product.fields.name_zh),
            escape_html(&product.gtin)
        );
    }
    body.push_str("</ul></section>");

    let kinds: Vec<(String, String)> = LocationKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), t(locale, k.message_key()).to_owned()))
        .collect();
    let _ = write!(
        body,
        "<details class=\"card\" open><summary>{}</summary><form data-api=\"/api/locations\" novalidate>",
        escape_html(t(locale, "work.add_place"))
    );
    select(&mut body, "kind", t(locale, "work.kind"), &kinds);
    input(&mut body, "nameZh", t(locale, "work.name_zh"), "text", true);
    input(
        &mut body,
        "nameEn",
        t(locale, "work.name_en"),
        "text",
        false,
    );
    input(
        &mut body,
        "village",
        t(locale, "work.village"),
        "text",
        false,
    );
    input(
        &mut body,
        "areaMu",
        t(locale, "work.area_mu"),
        "decimal",
        false,
    );
    input(&mut body, "crop", t(locale, "work.crop"), "text", false);
    input(&mut body, "gln", t(locale, "work.gln"), "text", false);
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button><div class=\"receipt\" aria-live=\"polite\" hidden></div></form></details>",
        escape_html(t(locale, "work.save"))
    );

    let categories: Vec<(String, String)> = Category::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), t(locale, c.message_key()).to_owned()))
        .collect();
    let units: Vec<(String, String)> = UNITS
        .iter()
        .map(|(code, key)| ((*code).to_owned(), t(locale, key).to_owned()))
        .collect();
    let _ = write!(
        body,
        "<details class=\"card\" open><summary>{}</summary><form data-api=\"/api/products\" novalidate>",
        escape_html(t(locale, "work.add_product"))
    );
    input(&mut body, "nameZh", t(locale, "work.name_zh"), "text", true);
    input(
        &mut body,
        "nameEn",
        t(locale, "work.name_en"),
        "text",
        false,
    );
    input(&mut body, "gtin", t(locale, "work.gtin"), "text", false);
    select(
        &mut body,
        "category",
        t(locale, "work.category"),
        &categories,
    );
    select(&mut body, "unit", t(locale, "work.unit"), &units);
    input(&mut body, "brand", t(locale, "work.brand"), "text", false);
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button><div class=\"receipt\" aria-live=\"polite\" hidden></div></form></details>",
        escape_html(t(locale, "work.save"))
    );
    script(&mut body, locale, person, on_behalf);
    Ok(work_response(page_shell(
        locale,
        t(locale, "work.setup"),
        &body,
    )))
}
