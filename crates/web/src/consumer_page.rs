//! The consumer page: what a phone shows after scanning a product's QR code
//! (`GET /item/01/{gtin}/10/{lot}`, the resolver's `gs1:pip` link).
//!
//! Phone first (360 px), one HTML document with inline CSS. The server renders the product,
//! producer, origin, the journey of shared events in the local time of each event, the
//! 承诺达标合格证, recall notices and the scan count; the page embeds the evidence of every
//! record (`item.rs`) and the trust policy it pins, and `assets/consumer.js` checks each record
//! on the phone with `assets/verify.js` (WebCrypto): it hashes the bytes, rebuilds the leaf,
//! and verifies the inclusion proof, the log's signature and the witnesses' quorum. The badge
//! says "已验证 · N/M 见证方" only when every record passed; otherwise it names what failed.
//!
//! Without JavaScript, or in a browser without WebCrypto Ed25519, the page still shows
//! everything, with the badge saying it could not check.

use std::fmt::Write as _;

use i18n::{Locale, t, tf};
use repository::lineage::NodeKind;
use serde_json::{Value, json};
use store::StoredEvent;

use crate::certificate_page::{date, escape_html, origin};
use crate::item::ItemView;

/// Paths of the page's scripts; the version query makes them cacheable forever.
pub(crate) const VERIFY_JS: &str = include_str!("../assets/verify.js");
pub(crate) const CONSUMER_JS: &str = include_str!("../assets/consumer.js");

/// The consumer script as served: its import of `verify.js` carries that file's version, so
/// both are cached for a year and a new binary replaces both.
pub(crate) fn consumer_script() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT.get_or_init(|| {
        CONSUMER_JS.replace(
            "'./verify.js'",
            &format!("'./verify.js?v={}'", asset_version(VERIFY_JS)),
        )
    })
}

/// A short content hash of an asset, for cache-busting URLs.
pub(crate) fn asset_version(text: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

const STYLE: &str = "\
*{box-sizing:border-box}\
html{font-size:16px;-webkit-text-size-adjust:100%}\
body{margin:0;background:#f4f2ec;color:#1b1b1b;\
font:1rem/1.5 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif}\
main{max-width:32rem;margin:0 auto;padding:0 .75rem 2rem}\
header{position:sticky;top:0;z-index:1;margin:0 -.75rem;padding:.6rem .75rem;background:#555;color:#fff;font-weight:600}\
header[data-state=ok]{background:#1e6b34}\
header[data-state=failed]{background:#a11a1a}\
header[data-state=pending]{background:#7a5a00}\
header small{display:block;font-weight:400;font-size:.8rem;opacity:.9}\
.lang{float:right;color:#fff;font-weight:400}\
.recall{background:#a11a1a;color:#fff;padding:.7rem;margin:.75rem 0;border-radius:.4rem;font-weight:600}\
section{background:#fff;border-radius:.5rem;padding:.75rem;margin:.75rem 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
h1{font-size:1.35rem;margin:.1rem 0}\
h2{font-size:1.05rem;margin:0 0 .4rem}\
dl{margin:0}dt{color:#555;font-size:.85rem}dd{margin:0 0 .4rem;overflow-wrap:anywhere}\
ol{list-style:none;margin:0;padding:0}\
li{border-left:3px solid #c9c3b3;padding:.1rem 0 .6rem .7rem;position:relative}\
li::before{content:\"\";position:absolute;left:-.45rem;top:.45rem;width:.6rem;height:.6rem;border-radius:50%;background:#c9c3b3}\
li[data-check=ok]::before{background:#1e6b34}\
li[data-check=failed]{border-color:#a11a1a}li[data-check=failed]::before{background:#a11a1a}\
.when{font-size:.85rem;color:#555}\
.what{font-weight:600}\
.mark{font-size:.8rem;margin-left:.3rem}\
.detail{font-size:.85rem;overflow-wrap:anywhere}\
.bad{color:#a11a1a;font-weight:600}.good{color:#1e6b34;font-weight:600}\
a{color:#0645ad}\
footer{font-size:.8rem;color:#555;overflow-wrap:anywhere}\
code{font-size:.8rem;overflow-wrap:anywhere}";

/// What happened in an event, as the consumer reads it, from its business step and shape.
fn step_key(event: &Value) -> &'static str {
    let step = event
        .get("bizStep")
        .and_then(Value::as_str)
        .map(|s| s.rsplit(['-', '/', ':']).next().unwrap_or(s))
        .unwrap_or_default();
    let kind = event
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match step {
        "commissioning" => {
            let has_items = event
                .get("epcList")
                .and_then(Value::as_array)
                .is_some_and(|list| !list.is_empty());
            if has_items {
                "item.step.labelled"
            } else {
                "item.step.harvested"
            }
        }
        "transforming" | "creating_class_instance" => "item.step.processed",
        "inspecting" | "sampling" | "sensor_reporting" => "item.step.inspected",
        "packing" => "item.step.packed",
        "shipping" | "departing" => "item.step.shipped",
        "receiving" | "arriving" | "accepting" => "item.step.received",
        "retail_selling" => "item.step.sold",
        "storing" => "item.step.stored",
        _ if kind == "TransformationEvent" => "item.step.processed",
        _ if kind == "AggregationEvent" => "item.step.packed",
        _ => "item.step.recorded",
    }
}

/// The event time in the time zone where it happened (`eventTimeZoneOffset`), as
/// `2026-04-01 08:00 (UTC+08:00)`.
fn local_time(event: &Value) -> String {
    let text = event
        .get("eventTime")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let Ok(at) = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
    else {
        return text.to_owned();
    };
    let offset_text = event
        .get("eventTimeZoneOffset")
        .and_then(Value::as_str)
        .unwrap_or("+00:00");
    let offset = time::UtcOffset::parse(
        offset_text,
        time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
    )
    .unwrap_or(time::UtcOffset::UTC);
    let at = at.to_offset(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} (UTC{offset_text})",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute()
    )
}

/// An identifier as a consumer can read it: the Digital Link path without the host.
fn short_id(id: &str) -> String {
    crate::item::resolver_path(id)
        .trim_start_matches('/')
        .to_owned()
}

/// Where an event happened: its business location, else its read point, by its name in the
/// producer's master data when it has one.
fn place(view: &ItemView, event: &Value, locale: Locale) -> Option<String> {
    let id = ["bizLocation", "readPoint"]
        .iter()
        .find_map(|field| event.get(field)?.get("id")?.as_str())
        .map(repository::normalize::identifier)?;
    Some(match view.place_names.get(&id) {
        Some((zh, en)) => match (locale, en) {
            (Locale::En, Some(en)) if !en.trim().is_empty() => en.clone(),
            _ => zh.clone(),
        },
        None => short_id(&id),
    })
}

/// Inspection results: the disposition and the sensor readings.
fn results(event: &Value, locale: Locale) -> String {
    let mut html = String::new();
    let disposition = event
        .get("disposition")
        .and_then(Value::as_str)
        .map(|s| s.rsplit(['-', '/', ':']).next().unwrap_or(s));
    match disposition {
        Some("conformant") => {
            let _ = write!(
                html,
                "<div class=good>{}</div>",
                escape_html(t(locale, "item.result.pass"))
            );
        }
        Some("non_conformant") => {
            let _ = write!(
                html,
                "<div class=bad>{}</div>",
                escape_html(t(locale, "item.result.fail"))
            );
        }
        _ => {}
    }
    let reports = event
        .get("sensorElementList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|element| element.get("sensorReport")?.as_array())
        .flatten();
    for report in reports {
        // A form's reading names itself (stringValue); a device's has a measurement type.
        let named = report.get("stringValue").and_then(Value::as_str);
        let kind = match (named, report.get("value")) {
            (Some(name), Some(_)) => name,
            _ => report
                .get("type")
                .and_then(Value::as_str)
                .map(|s| s.rsplit(['-', '/', ':', '#']).next().unwrap_or(s))
                .unwrap_or_default(),
        };
        let value = report
            .get("value")
            .map(|v| v.to_string())
            .or_else(|| named.map(str::to_owned))
            .or_else(|| report.get("booleanValue").map(|v| v.to_string()))
            .unwrap_or_default();
        let uom = match report
            .get("uom")
            .and_then(Value::as_str)
            .unwrap_or_default()
        {
            "P1" => "%",
            other => other,
        };
        let _ = write!(
            html,
            "<div>{} {} {}</div>",
            escape_html(kind),
            escape_html(&value),
            escape_html(uom)
        );
    }
    html
}

fn event_item(page: &mut String, view: &ItemView, event: &StoredEvent, locale: Locale) {
    let body: Value = serde_json::from_slice(&event.body).unwrap_or(Value::Null);
    let _ = write!(
        page,
        "<li data-index=\"{}\"><div class=when>{}</div><div class=what>{}<span class=mark></span></div>",
        event.index,
        escape_html(&local_time(&body)),
        escape_html(t(locale, step_key(&body))),
    );
    page.push_str("<div class=detail>");
    if let Some(place) = place(view, &body, locale) {
        let _ = write!(
            page,
            "<div>{}</div>",
            escape_html(&tf(locale, "item.at", &[("place", &place)]))
        );
    }
    if let Some(org) = view.orgs.get(&event.org_id) {
        let _ = write!(
            page,
            "<div>{}</div>",
            escape_html(&tf(locale, "item.by", &[("org", &org.name)]))
        );
    }
    // What the farmer wrote about the work (萎凋 揉捻 …), and who typed the record when an
    // officer recorded it for a farmer without a phone: both are in the logged event.
    if let Some(steps) = body
        .get("retu:process")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
    {
        let _ = write!(
            page,
            "<div>{}</div>",
            escape_html(&tf(locale, "item.steps", &[("steps", steps)]))
        );
    }
    if let Some(name) = body
        .pointer("/retu:enteredBy/retu:name")
        .and_then(Value::as_str)
    {
        let _ = write!(
            page,
            "<div>{}</div>",
            escape_html(&tf(locale, "item.entered_by", &[("name", name)]))
        );
    }
    page.push_str(&results(&body, locale));
    page.push_str("</div></li>");
}

/// Texts the script shows, in the page's language (the one i18n mechanism reaches the script
/// through the page).
fn script_texts(locale: Locale) -> Value {
    // Literal keys, so that the catalog test sees each one used.
    let reasons = [
        ("unsupported-browser", "item.reason.unsupported-browser"),
        ("bad-policy", "item.reason.bad-policy"),
        ("bad-input", "item.reason.bad-input"),
        ("malformed-proof", "item.reason.malformed-proof"),
        ("unknown-log", "item.reason.unknown-log"),
        ("no-log-signature", "item.reason.no-log-signature"),
        ("bad-log-signature", "item.reason.bad-log-signature"),
        ("bad-cosignature", "item.reason.bad-cosignature"),
        ("quorum-not-met", "item.reason.quorum-not-met"),
        ("inclusion-failed", "item.reason.inclusion-failed"),
        ("internal-error", "item.reason.internal-error"),
    ];
    let reason_texts: serde_json::Map<String, Value> = reasons
        .iter()
        .map(|(reason, key)| ((*reason).to_owned(), json!(t(locale, key))))
        .collect();
    json!({
        "ok": t(locale, "item.verify.ok"),
        "okAlone": t(locale, "item.verify.ok_alone"),
        "failed": t(locale, "item.verify.failed"),
        "notWitnessed": t(locale, "item.verify.not_witnessed"),
        "pending": t(locale, "item.verify.pending"),
        "nothing": t(locale, "item.verify.nothing"),
        "recordOk": t(locale, "item.verify.record_ok"),
        "recordFailed": t(locale, "item.verify.record_failed"),
        "reasons": reason_texts,
    })
}

/// How often the code was scanned before this view, as a sentence: the count, since when (the
/// date in China Standard Time) and how many in the last 24 hours.
pub(crate) fn scan_sentence(scans: &repository::scans::ScanSummary, locale: Locale) -> String {
    let Some(first) = scans.first_scan else {
        return t(locale, "item.scans.first").to_owned();
    };
    let day = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(first) * 1000)
        .map(|at| at.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC)))
        .map(|at| {
            format!(
                "{:04}-{:02}-{:02}",
                at.year(),
                u8::from(at.month()),
                at.day()
            )
        })
        .unwrap_or_default();
    tf(
        locale,
        "item.scans.count",
        &[
            ("total", &scans.total.to_string()),
            ("date", &date(locale, &day)),
            ("recent", &scans.last_24h.to_string()),
        ],
    )
}

/// JSON to embed in a `<script>` element: `<` is escaped so no text can close the element.
fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The consumer page of `view`. `evidence` is the JSON `item::view_json` builds; `scan_line`
/// is the scan count sentence, when known.
pub(crate) fn render(
    view: &ItemView,
    evidence: &Value,
    locale: Locale,
    scan_line: Option<&str>,
) -> String {
    let newest_certificate = view.certificates.first().map(|(c, _)| c);
    let gtin = view
        .path
        .strip_prefix("/01/")
        .and_then(|rest| rest.split('/').next());
    // The certificate's name is what the producer committed to; else the master data's.
    let registered = view
        .product_names
        .as_ref()
        .map(|(zh, en)| match (locale, en) {
            (Locale::En, Some(en)) if !en.trim().is_empty() => en.clone(),
            _ => zh.clone(),
        });
    let product = match (newest_certificate, registered, gtin) {
        (Some(cert), _, _) => cert.content.product_name.clone(),
        (None, Some(name), _) => name,
        (None, None, Some(gtin)) => tf(locale, "item.product.gtin", &[("gtin", gtin)]),
        (None, None, None) => short_id(&view.anchor),
    };
    let other = match locale {
        Locale::ZhCn => Locale::En,
        Locale::En => Locale::ZhCn,
    };
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><main>",
        locale.tag(),
        escape_html(&tf(locale, "item.page_title", &[("product", &product)])),
    );
    let _ = write!(
        page,
        "<header id=badge data-state=checking><a class=lang href=\"?lang={}\">{}</a>\
         <span id=badge-text>{}</span><small id=badge-detail>{}</small></header>",
        other.tag(),
        escape_html(t(
            other,
            match other {
                Locale::ZhCn => "lang.zh-cn",
                Locale::En => "lang.en",
            }
        )),
        escape_html(t(locale, "item.verify.checking")),
        escape_html(t(locale, "item.verify.needs_script")),
    );
    for (recall, _) in &view.recalls {
        let _ = write!(
            page,
            "<div class=recall role=alert>{}</div>",
            escape_html(&tf(
                locale,
                "item.recalled",
                &[("reason", &recall.reason), ("id", &recall.recall_id)]
            )),
        );
    }

    page.push_str("<section><dl>");
    let _ = write!(
        page,
        "<dt>{}</dt><dd><h1>{}</h1></dd>",
        escape_html(t(locale, "item.product")),
        escape_html(&product)
    );
    let _ = write!(
        page,
        "<dt>{}</dt><dd><code>{}</code></dd>",
        escape_html(t(
            locale,
            match view.kind {
                NodeKind::Lot => "item.code.lot",
                NodeKind::Item => "item.code.item",
                NodeKind::LogisticUnit => "item.code.case",
                _ => "item.code.other",
            }
        )),
        escape_html(&short_id(&view.anchor)),
    );
    let producer = newest_certificate
        .map(|c| c.content.producer.name.clone())
        .or_else(|| view.producer().map(|org| org.name.clone()));
    if let Some(producer) = producer {
        let _ = write!(
            page,
            "<dt>{}</dt><dd>{}</dd>",
            escape_html(t(locale, "item.producer")),
            escape_html(&producer)
        );
    }
    let origin_html = newest_certificate.map(|c| origin(c, locale)).or_else(|| {
        view.events
            .iter()
            .find_map(|event| place(view, &serde_json::from_slice(&event.body).ok()?, locale))
            .map(|place| escape_html(&place))
    });
    if let Some(origin_html) = origin_html {
        let _ = write!(
            page,
            "<dt>{}</dt><dd>{origin_html}</dd>",
            escape_html(t(locale, "item.origin"))
        );
    }
    if let Some(scan_line) = scan_line {
        let _ = write!(
            page,
            "<dt>{}</dt><dd id=scans>{}</dd>",
            escape_html(t(locale, "item.scans")),
            escape_html(scan_line)
        );
    }
    page.push_str("</dl></section>");

    if !view.certificates.is_empty() {
        let _ = write!(
            page,
            "<section><h2>{}</h2><ol>",
            escape_html(t(locale, "item.certificates"))
        );
        for (cert, index) in &view.certificates {
            let _ = write!(
                page,
                "<li data-index=\"{index}\"><div class=what><a href=\"/c/{}?lang={}\">{}</a>\
                 <span class=mark></span></div><div class=detail>{}<br>{}</div></li>",
                repository::normalize::percent_encode_component(&cert.number),
                locale.tag(),
                escape_html(&cert.number),
                escape_html(&cert.content.product_name),
                escape_html(&tf(
                    locale,
                    "item.issued",
                    &[
                        ("date", &date(locale, &cert.content.issue_date)),
                        ("producer", &cert.content.producer.name)
                    ]
                )),
            );
        }
        page.push_str("</ol></section>");
    }

    let _ = write!(
        page,
        "<section><h2>{}</h2>",
        escape_html(t(locale, "item.journey"))
    );
    if view.events.is_empty() {
        let _ = write!(page, "<p>{}</p>", escape_html(t(locale, "item.no_events")));
    } else {
        page.push_str("<ol>");
        for event in &view.events {
            event_item(&mut page, view, event, locale);
        }
        page.push_str("</ol>");
    }
    if view.events_truncated {
        let _ = write!(
            page,
            "<p class=detail>{}</p>",
            escape_html(t(locale, "item.truncated"))
        );
    }
    page.push_str("</section>");

    let _ = write!(
        page,
        "<footer><p>{}</p><p>{} <code>{}</code></p></footer>",
        escape_html(t(locale, "item.how")),
        escape_html(t(locale, "item.log")),
        escape_html(evidence["origin"].as_str().unwrap_or_default()),
    );
    let _ = write!(
        page,
        "<script type=application/json id=evidence>{}</script>\
         <script type=application/json id=texts>{}</script>\
         <script type=module src=\"/assets/consumer.js?v={}\"></script>\
         </main></body></html>",
        script_json(evidence),
        script_json(&script_texts(locale)),
        asset_version(consumer_script()),
    );
    page
}
