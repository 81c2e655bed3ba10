//! The county dashboard, first version: `GET /county` (a page) and `GET /api/county` (the same
//! numbers as JSON) for a county office, a specialist of the county, or the admin. The numbers
//! come from `repository::county`; every number links to the records behind it
//! (`?show=producers|tracing|batches|certificates`).

use std::fmt::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use i18n::{Locale, t, tf};
use repository::county::{self, Summary};
use serde::Deserialize;
use serde_json::json;
use store::{Role, Store, UserRole};

use crate::AppState;
use crate::account_pages::page_shell;
use crate::auth::Caller;
use crate::certificate_page::escape_html;
use crate::problem::ApiError;

/// The query of both.
#[derive(Debug, Deserialize)]
pub(crate) struct CountyParams {
    county: Option<String>,
    from: Option<String>,
    to: Option<String>,
    show: Option<String>,
    lang: Option<String>,
}

/// China Standard Time, in which the county's days begin.
const CST_MICROS: i64 = 8 * 3_600_000_000;

/// Midnight (CST) of a `YYYY-MM-DD` day, µs since the epoch.
fn day_start(text: &str) -> Option<i64> {
    let date = time::Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let midnight = date.midnight().assume_utc().unix_timestamp_nanos() / 1000;
    i64::try_from(midnight).ok().map(|m| m - CST_MICROS)
}

fn day_text(micros: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros + CST_MICROS) * 1000)
        .map(|at| {
            format!(
                "{:04}-{:02}-{:02}",
                at.year(),
                u8::from(at.month()),
                at.day()
            )
        })
        .unwrap_or_default()
}

/// The county the caller may see and the period asked for: this calendar year (CST) by
/// default, `to` inclusive.
fn scope(
    caller: &Caller,
    params: &CountyParams,
    locale: Locale,
) -> Result<(String, i64, i64), ApiError> {
    let org = caller.require()?;
    let forbidden = || ApiError::forbidden(t(locale, "county.problem.forbidden"));
    let asked = params
        .county
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    let county = match (org.role, caller.person().map(|p| p.user.role)) {
        (Role::Admin, _) => asked.ok_or_else(|| {
            ApiError::query_parameter("county", t(locale, "county.problem.county"))
        })?,
        (Role::County, _) => {
            let own = org.county.as_deref().ok_or_else(forbidden)?;
            if asked.is_some_and(|c| c != own) {
                return Err(forbidden());
            }
            own
        }
        (Role::Member, Some(UserRole::Specialist)) => {
            let person = caller.person().ok_or_else(forbidden)?;
            let county = asked
                .or(person.counties.first().map(String::as_str))
                .ok_or_else(forbidden)?;
            if !person.counties.iter().any(|c| c == county) {
                return Err(forbidden());
            }
            county
        }
        _ => return Err(forbidden()),
    };
    let now = ledger::now_micros();
    let this_year = format!("{}-01-01", day_text(now).get(..4).unwrap_or("1970"));
    let bad = |name: &str| ApiError::query_parameter(name, t(locale, "county.problem.date"));
    let from =
        day_start(params.from.as_deref().unwrap_or(&this_year)).ok_or_else(|| bad("from"))?;
    let to = match params.to.as_deref() {
        Some(text) => day_start(text).ok_or_else(|| bad("to"))? + 86_400_000_000,
        None => now + 1,
    };
    if to <= from {
        return Err(bad("to"));
    }
    Ok((county.to_owned(), from, to))
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.0}%", v * 100.0))
}

/// `GET /api/county`: the numbers as JSON.
pub(crate) async fn summary_json<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<CountyParams>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let (county, from, to) = scope(&caller, &params, locale)?;
    let summary = county::summary(state.ledger.store(), &county, from, to).await?;
    let tracing = summary.tracing_producers();
    let body = json!({
        "county": summary.county,
        "from": day_text(from),
        "to": day_text(to - 1),
        "producers": summary.producers.len(),
        "tracingProducers": tracing.len(),
        "batches": summary.batches.len(),
        "certificates": summary.certificates.len(),
        "scans": summary.scans,
        "traceabilityCoverage": summary.coverage(),
        "coverageDefinition": t(locale, "county.coverage.definition"),
        "partial": summary.partial,
        "areas": summary.areas.iter().map(|((township, village), area)| json!({
            "township": township, "village": village,
            "producers": area.producers.len(), "batches": area.batches,
        })).collect::<Vec<_>>(),
    });
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response())
}

fn card(page: &mut String, label: &str, value: &str, link: Option<&str>) {
    let value = match link {
        Some(href) => format!(
            "<a href=\"{}\">{}</a>",
            escape_html(href),
            escape_html(value)
        ),
        None => escape_html(value),
    };
    let _ = write!(
        page,
        "<div class=\"stat\"><dt>{}</dt><dd>{value}</dd></div>",
        escape_html(label)
    );
}

fn drill_down(page: &mut String, summary: &Summary, show: &str, locale: Locale) {
    let name = |id: &i64| {
        summary
            .producers
            .get(id)
            .map_or_else(String::new, |(_, name)| name.clone())
    };
    page.push_str("<section class=\"card\"><ul>");
    match show {
        "producers" | "tracing" => {
            let tracing = summary.tracing_producers();
            for (id, (public_id, org_name)) in &summary.producers {
                if show == "tracing" && !tracing.contains(id) {
                    continue;
                }
                let count = summary.batches.iter().filter(|b| b.org_id == *id).count();
                let _ = write!(
                    page,
                    "<li>{} <code>{}</code> · {}</li>",
                    escape_html(org_name),
                    escape_html(public_id),
                    escape_html(&tf(
                        locale,
                        "county.batches_of",
                        &[("n", &count.to_string())]
                    ))
                );
            }
        }
        "batches" => {
            for batch in &summary.batches {
                let path = batch.lot.trim_start_matches(gs1::GS1_RESOLVER);
                let _ = write!(
                    page,
                    "<li><a href=\"/item{}\">{}</a> · {} · {} · #{}</li>",
                    escape_html(path),
                    escape_html(path.trim_start_matches('/')),
                    escape_html(&name(&batch.org_id)),
                    escape_html(&day_text(batch.event_time)),
                    batch.log_index
                );
            }
        }
        "certificates" => {
            for cert in &summary.certificates {
                let _ = write!(
                    page,
                    "<li><a href=\"/c/{}\">{}</a> · {} · #{}</li>",
                    escape_html(&cert.number),
                    escape_html(&cert.number),
                    escape_html(&name(&cert.org_id)),
                    cert.log_index
                );
            }
        }
        _ => {}
    }
    page.push_str("</ul></section>");
}

/// `GET /county`: the dashboard page.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(params): Query<CountyParams>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, params.lang.as_deref());
    let (county, from, to) = scope(&caller, &params, locale)?;
    let summary = county::summary(state.ledger.store(), &county, from, to).await?;
    let tracing = summary.tracing_producers();
    let query = format!(
        "?county={}&from={}&to={}",
        repository::normalize::percent_encode_component(&county),
        day_text(from),
        day_text(to - 1)
    );
    let mut body = String::with_capacity(8 * 1024);
    body.push_str(
        "<style>.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;margin:0}\
         .stat{background:#fff;border-radius:8px;padding:.5rem .75rem}.stat dd{font-size:1.6rem;font-weight:700}\
         table{width:100%;border-collapse:collapse;background:#fff}th,td{text-align:left;padding:.35rem;border-bottom:1px solid #ddd}\
         .bar{display:block;height:.8rem;background:#1d4d2c;border-radius:2px}\
         form.period{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}form.period label{flex:1 1 8rem}\
         form.period button{width:auto;margin:0}</style>",
    );
    let _ = write!(
        body,
        "<form class=\"period\" method=\"get\" action=\"/county\"><input type=\"hidden\" name=\"county\" value=\"{}\">\
         <label>{}<input type=\"date\" name=\"from\" value=\"{}\"></label>\
         <label>{}<input type=\"date\" name=\"to\" value=\"{}\"></label><button type=\"submit\">{}</button></form>",
        escape_html(&county),
        escape_html(t(locale, "county.from")),
        day_text(from),
        escape_html(t(locale, "county.to")),
        day_text(to - 1),
        escape_html(t(locale, "county.show")),
    );
    if summary.partial {
        let _ = write!(
            body,
            "<p class=\"alert\">{}</p>",
            escape_html(t(locale, "county.partial"))
        );
    }
    body.push_str("<dl class=\"stats\">");
    card(
        &mut body,
        t(locale, "county.producers"),
        &summary.producers.len().to_string(),
        Some(&format!("{query}&show=producers")),
    );
    card(
        &mut body,
        t(locale, "county.tracing"),
        &tracing.len().to_string(),
        Some(&format!("{query}&show=tracing")),
    );
    card(
        &mut body,
        t(locale, "county.batches"),
        &summary.batches.len().to_string(),
        Some(&format!("{query}&show=batches")),
    );
    card(
        &mut body,
        t(locale, "county.certificates"),
        &summary.certificates.len().to_string(),
        Some(&format!("{query}&show=certificates")),
    );
    card(
        &mut body,
        t(locale, "county.scans"),
        &summary.scans.to_string(),
        None,
    );
    card(
        &mut body,
        t(locale, "county.coverage"),
        &percent(summary.coverage()),
        Some(&format!("{query}&show=tracing")),
    );
    body.push_str("</dl>");
    let _ = write!(
        body,
        "<p class=\"hint\">{}</p>",
        escape_html(t(locale, "county.coverage.definition"))
    );
    // By township and village, with a bar per place (the chart).
    let most = summary
        .areas
        .values()
        .map(|a| a.batches)
        .max()
        .unwrap_or(1)
        .max(1);
    let _ = write!(
        body,
        "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape_html(t(locale, "county.by_place")),
        escape_html(t(locale, "county.township")),
        escape_html(t(locale, "county.village")),
        escape_html(t(locale, "county.tracing")),
        escape_html(t(locale, "county.batches")),
    );
    let unknown = t(locale, "county.unknown_place");
    for ((township, village), area) in &summary.areas {
        let width = area.batches * 100 / most;
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}<span class=\"bar\" style=\"width:{width}%\" aria-hidden=\"true\"></span></td></tr>",
            escape_html(township.as_deref().unwrap_or(unknown)),
            escape_html(village.as_deref().unwrap_or(unknown)),
            area.producers.len(),
            area.batches,
        );
    }
    body.push_str("</tbody></table>");
    if let Some(show) = params.show.as_deref() {
        drill_down(&mut body, &summary, show, locale);
    }
    let title = tf(locale, "county.title", &[("county", &county)]);
    let mut response = (
        StatusCode::OK,
        axum::response::Html(page_shell(locale, &title, &body)),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
