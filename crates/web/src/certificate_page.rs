//! The printable page of a 承诺达标合格证 (compliance certificate).
//!
//! One self-contained HTML document: inline CSS, no JavaScript, no fonts, images or other
//! resources from anywhere, so it prints from a phone at a village collection station, on a
//! 58 mm receipt printer or on A6 paper, and opens on a 360 px phone screen without a network.
//! The layout follows the national template (the commitments with their ticked boxes, the
//! basis of the commitment, product, quantity, origin, producer's signature line, contact, date
//! of issue), with a QR code of the certificate's public address labelled "承诺达标合格证" as
//! the Measures require, and Retu's traceability details below it.
//!
//! Every text comes from the i18n catalogs. Catalog texts and certificate values alike are
//! HTML-escaped where they enter the page (values because the producer typed them, texts so
//! that a translator's `&` or `<` cannot break the markup); placeholders are filled first. The Chinese page is the legal form; the English page
//! translates the labels but keeps the Chinese title and QR label.

use std::fmt::Write as _;

use i18n::{Locale, t, tf};
use qrcode::{Color, EcLevel, QrCode};
use repository::certificate::{Basis, Certificate, TestOutcome};

/// The quiet zone around the QR code, in modules: the four the QR standard asks for, so that
/// phones read a code printed next to other ink.
const QR_QUIET_ZONE: usize = 4;

/// The page's style sheet. Every length is in `rem` (or `mm` for the QR code), so printing
/// only changes the root font size: the same page fits a 360 px phone (narrower than 26 rem,
/// it takes the full width) and prints the certificate itself on one A6 sheet or receipt,
/// with the traceability details after it.
const STYLE: &str = "\
*{box-sizing:border-box}\
html{font-size:15px;-webkit-text-size-adjust:100%}\
body{margin:0;padding:.75rem;background:#f3f1ea;color:#111;\
font:1rem/1.45 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif}\
main{max-width:26rem;margin:0 auto;background:#fff;border:3px double #111;padding:.9rem 1rem}\
h1{margin:0;text-align:center;font-size:1.6rem;letter-spacing:.2em}\
h1+p{margin:.15rem 0 0;text-align:center;font-size:.8rem;color:#444}\
.no{margin:.4rem 0 .5rem;text-align:center;font:600 .95rem ui-monospace,Menlo,Consolas,monospace;letter-spacing:.04em}\
p,ul{margin:.3rem 0}\
ul{list-style:none;padding:0}\
.box{font-size:1.15em;margin-right:.2em}\
.basis span{display:inline-block;white-space:nowrap;margin-right:.6em}\
table{width:100%;border-collapse:collapse;margin:.5rem 0}\
th,td{border:1px solid #111;padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{width:36%;font-weight:600;background:#f7f7f7}\
h2{font-size:1rem;margin:.6rem 0 .2rem}\
.tests li{border-top:1px dashed #999;padding:.25rem 0}\
.tests b{margin-right:.4em}\
.tests span{display:block}\
.foot{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;gap:.5rem;margin-top:.6rem}\
.sign{margin:0;flex:1 1 10rem}\
.sign span{display:block;border-bottom:1px solid #111;height:2.2em}\
.qr{text-align:center;margin:0 auto}\
.qr svg{width:32mm;height:32mm;display:block;margin:0 auto}\
.qr p{margin:.1rem 0 0;font-weight:700;letter-spacing:.15em}\
.url{font-size:.7rem;color:#444;overflow-wrap:anywhere;text-align:center}\
.trace{margin:.8rem 0 0;border-top:1px solid #111;padding-top:.3rem;font-size:.8rem}\
.trace dt{font-weight:600}\
.trace dd{margin:0 0 .25rem;overflow-wrap:anywhere;font-family:ui-monospace,Menlo,Consolas,monospace}\
a{color:#0645ad}\
@page{size:A6;margin:5mm}\
@media print{html{font-size:7.5pt}body{background:none;padding:0}main{max-width:100mm;padding:2.5mm}\
.slip{break-inside:avoid}.tests span{display:inline;margin-right:.8em}.qr svg{width:24mm;height:24mm}\
a{color:inherit;text-decoration:none}.url{display:none}}\
@media (max-width:360px){body{padding:0}main{border-width:0 0 3px}}";

/// The printable page of `cert` in `locale`. `public_url` is the certificate's public address
/// (what the QR code holds); parent certificates link to the same address with the last path
/// segment replaced by their number. `log_index` is the certificate's entry in the
/// transparency log, when it has been sequenced.
pub fn render_certificate(
    cert: &Certificate,
    locale: Locale,
    public_url: &str,
    log_index: Option<u64>,
) -> String {
    let c = &cert.content;
    let mut page = String::with_capacity(24 * 1024);
    let title = tf(locale, "cert.page_title", &[("number", &cert.number)]);
    head(&mut page, locale, &title);

    // The heading: the Chinese title in every locale, as the template has it.
    let _ = write!(
        page,
        "<main><section class=\"slip\"><h1 lang=\"zh-CN\">{}</h1><p>{}</p><p class=\"no\">{}</p>",
        escape_html(t(locale, "cert.title")),
        escape_html(t(locale, "cert.subtitle")),
        escape_html(&tf(locale, "cert.number", &[("number", &cert.number)])),
    );

    // The commitments and their basis, ticked as the producer ticked them.
    let _ = write!(
        page,
        "<p>{}</p><ul>",
        escape_html(t(locale, "cert.commitment_intro"))
    );
    for (ticked, key) in [
        (
            c.commitments.no_banned_substances,
            "cert.commitment.no_banned",
        ),
        (
            c.commitments.residues_within_limits,
            "cert.commitment.residues",
        ),
        (
            c.commitments.responsible_for_truth,
            "cert.commitment.truthful",
        ),
    ] {
        let _ = write!(
            page,
            "<li>{}{}</li>",
            checkbox(ticked),
            escape_html(t(locale, key))
        );
    }
    let _ = write!(
        page,
        "</ul><p class=\"basis\">{}<br>",
        escape_html(t(locale, "cert.basis"))
    );
    for basis in Basis::ALL {
        let _ = write!(
            page,
            "<span>{}{}</span>",
            checkbox(c.basis.contains(&basis)),
            escape_html(t(locale, basis.message_key()))
        );
    }
    page.push_str("</p>");

    // The fields of the template, in its order.
    page.push_str("<table>");
    row(
        &mut page,
        t(locale, "cert.product"),
        &escape_html(&c.product_name),
    );
    let quantity = match c.quantity.unit {
        Some(unit) => tf(
            locale,
            "cert.quantity_value",
            &[
                ("value", &c.quantity.value),
                ("unit", t(locale, unit.message_key())),
            ],
        ),
        None => c.quantity.value.clone(),
    };
    row(
        &mut page,
        t(locale, "cert.quantity"),
        &escape_html(&quantity),
    );
    row(&mut page, t(locale, "cert.origin"), &origin(cert, locale));
    row(
        &mut page,
        t(locale, "cert.producer"),
        &escape_html(&c.producer.name),
    );
    row(
        &mut page,
        t(locale, "cert.contact"),
        &escape_html(&c.producer.contact),
    );
    if let Some(code) = &c.producer.subject_code {
        row(
            &mut page,
            t(locale, "cert.subject_code"),
            &escape_html(code),
        );
    }
    row(
        &mut page,
        t(locale, "cert.issue_date"),
        &escape_html(&date(locale, &c.issue_date)),
    );
    page.push_str("</table>");

    if !c.tests.is_empty() {
        let _ = write!(
            page,
            "<h2>{}</h2><ul class=\"tests\">",
            escape_html(t(locale, "cert.tests"))
        );
        for test in &c.tests {
            let outcome = match test.outcome {
                TestOutcome::Pass => t(locale, "cert.test.pass"),
                TestOutcome::Fail => t(locale, "cert.test.fail"),
            };
            let _ = write!(
                page,
                "<li><b>{}</b><b>{}</b>",
                escape_html(t(locale, test.kind.basis().message_key())),
                escape_html(outcome),
            );
            for (key, value) in [
                ("cert.test.item", Some(test.item.as_str())),
                ("cert.test.method", Some(test.method.as_str())),
                ("cert.test.value", test.value.as_deref()),
                ("cert.test.agency", test.agency.as_deref()),
                ("cert.test.report", test.report_number.as_deref()),
                ("cert.test.date", Some(&date(locale, &test.date))),
            ] {
                if let Some(value) = value {
                    let line = tf(
                        locale,
                        "cert.label_value",
                        &[("label", t(locale, key)), ("value", value)],
                    );
                    let _ = write!(page, "<span>{}</span>", escape_html(&line));
                }
            }
            page.push_str("</li>");
        }
        page.push_str("</ul>");
    }

    let _ = write!(
        page,
        "<div class=\"foot\"><p class=\"sign\">{}<span></span></p>",
        escape_html(t(locale, "cert.signature"))
    );

    // The QR code and the label the Measures require under it, beside the signature line.
    page.push_str("<div class=\"qr\">");
    match qr_svg(public_url, t(locale, "cert.qr_label")) {
        Some(svg) => page.push_str(&svg),
        None => page.push_str(&escape_html(&tf(
            locale,
            "cert.qr_unavailable",
            &[("url", public_url)],
        ))),
    }
    let _ = write!(
        page,
        "<p lang=\"zh-CN\">{}</p></div></div></section>\
         <p class=\"url\"><a href=\"{}\">{}</a></p>",
        escape_html(t(locale, "cert.qr_label")),
        escape_html(public_url),
        escape_html(public_url)
    );

    // What makes the certificate traceable and verifiable.
    let _ = write!(
        page,
        "<dl class=\"trace\"><dt>{}</dt>",
        escape_html(t(locale, "cert.trace"))
    );
    term(&mut page, t(locale, "cert.lot"), &escape_html(&c.batch.lot));
    term(
        &mut page,
        t(locale, "cert.event"),
        &escape_html(&c.batch.event_id),
    );
    if !c.parents.is_empty() {
        let mut links = String::new();
        for (i, parent) in c.parents.iter().enumerate() {
            if i > 0 {
                links.push_str("<br>");
            }
            let _ = write!(
                links,
                "<a href=\"{}\">{}</a>",
                escape_html(&sibling_url(public_url, parent)),
                escape_html(parent)
            );
        }
        term(&mut page, t(locale, "cert.parents"), &links);
    }
    term(
        &mut page,
        t(locale, "cert.issuer"),
        &escape_html(&cert.organisation),
    );
    term(
        &mut page,
        t(locale, "cert.issued_at"),
        &escape_html(&china_time(cert.issued_at)),
    );
    if let Some(index) = log_index {
        let entry = tf(locale, "cert.log_entry", &[("index", &index.to_string())]);
        let _ = write!(page, "<dd>{}</dd>", escape_html(&entry));
    }
    page.push_str("</dl></main></body></html>\n");
    page
}

/// The page for a certificate number that does not exist.
pub fn render_certificate_not_found(locale: Locale) -> String {
    let mut page = String::with_capacity(4 * 1024);
    head(&mut page, locale, t(locale, "cert.not_found.title"));
    let _ = writeln!(
        page,
        "<main><h1>{}</h1><p>{}</p></main></body></html>",
        escape_html(t(locale, "cert.not_found.title")),
        escape_html(t(locale, "cert.not_found.body"))
    );
    page
}

/// The document head; `title` is plain text.
fn head(page: &mut String, locale: Locale, title: &str) {
    let _ = write!(
        page,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light\">\
         <title>{}</title><style>{}</style></head><body>",
        locale.tag(),
        escape_html(title),
        STYLE
    );
}

fn checkbox(ticked: bool) -> &'static str {
    if ticked {
        "<span class=\"box\">☑</span>"
    } else {
        "<span class=\"box\">☐</span>"
    }
}

/// A table row; `label` is plain text, `value` is HTML already.
fn row(page: &mut String, label: &str, value: &str) {
    let _ = write!(
        page,
        "<tr><th>{}</th><td>{value}</td></tr>",
        escape_html(label)
    );
}

/// A term of the traceability list; `label` is plain text, `value` is HTML already.
fn term(page: &mut String, label: &str, value: &str) {
    let _ = write!(page, "<dt>{}</dt><dd>{value}</dd>", escape_html(label));
}

/// The origin as it is written in each language: Chinese runs the place names together from
/// the province down; English separates them with commas. The plot follows on its own line.
pub(crate) fn origin(cert: &Certificate, locale: Locale) -> String {
    let o = &cert.content.origin;
    let places: Vec<String> = [
        Some(o.province.as_str()),
        Some(o.county.as_str()),
        o.township.as_deref(),
        o.village.as_deref(),
    ]
    .into_iter()
    .flatten()
    .filter(|p| !p.trim().is_empty())
    .map(escape_html)
    .collect();
    let mut html = places.join(if locale == Locale::ZhCn { "" } else { ", " });
    if let Some(plot) = &o.plot {
        let _ = write!(
            html,
            "<br>{}",
            escape_html(&tf(locale, "cert.plot", &[("plot", plot)]))
        );
    }
    html
}

/// A `YYYY-MM-DD` date in the locale's form (2026年2月1日, 2026-02-01), as plain text;
/// anything else as it is.
pub(crate) fn date(locale: Locale, value: &str) -> String {
    let mut parts = value.split('-');
    let parsed = (parts.next(), parts.next(), parts.next(), parts.next());
    let (Some(year), Some(month), Some(day), None) = parsed else {
        return value.to_owned();
    };
    let numeric = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(numeric(year, 4) && numeric(month, 2) && numeric(day, 2)) {
        return value.to_owned();
    }
    // Chinese dates drop leading zeros (2月1日); ISO dates keep them.
    let (month, day) = match locale {
        Locale::ZhCn => (month.trim_start_matches('0'), day.trim_start_matches('0')),
        Locale::En => (month, day),
    };
    tf(
        locale,
        "cert.date",
        &[("year", year), ("month", month), ("day", day)],
    )
}

/// A moment as China Standard Time, `2026-02-01 09:30 (UTC+8)`: the counties Retu serves keep
/// Beijing time, and a farmer reads a certificate's issue or an invitation's expiry in it.
pub(crate) fn china_time(micros: i64) -> String {
    let at = micros
        .checked_add(8 * 3_600_000_000)
        .and_then(|m| time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000).ok());
    match at {
        Some(at) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} (UTC+8)",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute()
        ),
        None => micros.to_string(),
    }
}

/// `public_url` with its last path segment replaced by `number`, percent-encoded; query and
/// fragment dropped. A parent certificate lives next to its child.
fn sibling_url(public_url: &str, number: &str) -> String {
    let base = public_url.split(['?', '#']).next().unwrap_or_default();
    let base = match base.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/"),
        None => String::new(),
    };
    base + &repository::normalize::percent_encode_component(number)
}

/// The QR code of `data` as an inline SVG, one path of horizontal runs of dark modules (a few
/// kilobytes for a typical address), or `None` when `data` is too long for a QR code. Error
/// correction level M survives a smudged or creased label.
fn qr_svg(data: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).ok()?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QR_QUIET_ZONE;
    let mut path = String::with_capacity(width * width);
    for y in 0..width {
        let dark = |x: usize| colors.get(y * width + x) == Some(&Color::Dark);
        let mut x = 0;
        while x < width {
            if !dark(x) {
                x += 1;
                continue;
            }
            let start = x;
            while x < width && dark(x) {
                x += 1;
            }
            let _ = write!(
                path,
                "M{} {}h{}v1h-{}z",
                start + QR_QUIET_ZONE,
                y + QR_QUIET_ZONE,
                x - start,
                x - start
            );
        }
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" \
         aria-label=\"{}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" \
         height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>",
        escape_html(label)
    ))
}

/// `text` escaped for HTML text and attribute values (every page Retu writes uses this).
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use repository::certificate::{
        Batch, CertificateDraft, Commitments, Origin, Producer, Quantity, TestKind, TestResult,
        Unit, certificate_number,
    };

    /// 2026-02-01T09:30:00+08:00.
    const ISSUED_AT: i64 = 1_769_909_400_000_000;
    const URL: &str = "https://retu.leishan.example/c/HG-522634-20260201-000AM";

    fn certificate() -> Certificate {
        let draft = CertificateDraft {
            product_name: "雷山银球茶鲜叶".into(),
            quantity: Quantity {
                value: "12.5".into(),
                unit: Some(Unit::Kg),
            },
            producer: Producer {
                name: "雷山县望丰茶叶专业合作社".into(),
                contact: "0855-3331234".into(),
                subject_code: Some("52263400012345".into()),
            },
            origin: Origin {
                province: "贵州省".into(),
                county: "雷山县".into(),
                township: Some("望丰乡".into()),
                village: Some("公统村".into()),
                plot: Some("3 号茶园".into()),
            },
            issue_date: "2026-02-01".into(),
            commitments: Commitments::ALL,
            basis: vec![Basis::CommissionedTest, Basis::SelfCommitment],
            tests: vec![TestResult {
                kind: TestKind::CommissionedTest,
                item: "有机磷和氨基甲酸酯类农药".into(),
                method: "GB 23200.113-2018".into(),
                outcome: TestOutcome::Pass,
                value: Some("未检出".into()),
                date: "2026-01-30".into(),
                agency: Some("黔东南州农产品质量安全检测中心".into()),
                report_number: Some("QDN-2026-0042".into()),
            }],
            batch: Batch {
                event_id: "urn:uuid:6b1e2c1a-3f4e-4d5a-9b7c-0a1b2c3d4e5f".into(),
                lot: "urn:epc:class:lgtin:6901234.012345.TEA2602A".into(),
            },
            parents: vec![
                certificate_number("522634", ISSUED_AT - 86_400_000_000, 7),
                certificate_number("522634", ISSUED_AT - 86_400_000_000, 8),
            ],
        };
        let number = certificate_number("522634", ISSUED_AT, 10);
        Certificate::issue(draft, number, "org-7f3a9c2e".into(), ISSUED_AT).expect("valid")
    }

    /// A certificate whose every text holds markup, as a hostile or careless producer might
    /// type it. It is built directly, not through `issue`, since a page must be safe whatever
    /// the store holds.
    fn hostile() -> Certificate {
        let mut cert = certificate();
        let c = &mut cert.content;
        c.product_name = "<em>茶</em> & \"叶\"".into();
        c.quantity.value = "12<5".into();
        c.producer.name = "<script>alert('x')</script>".into();
        c.producer.contact = "0855\"><img src=x>".into();
        c.producer.subject_code = Some("<i>码</i>".into());
        c.origin.province = "贵州<省>".into();
        c.origin.county = "雷山&县".into();
        c.origin.township = Some("'乡'".into());
        c.origin.village = Some("\"村\"".into());
        c.origin.plot = Some("<u>plot</u>".into());
        c.issue_date = "<2026>".into();
        c.tests[0].item = "<item>".into();
        c.tests[0].method = "<method>".into();
        c.tests[0].value = Some("<value>".into());
        c.tests[0].date = "<date>".into();
        c.tests[0].agency = Some("<agency>".into());
        c.tests[0].report_number = Some("<report>".into());
        c.batch.event_id = "urn:x:<event>".into();
        c.batch.lot = "urn:x:<lot>".into();
        c.parents = vec!["\"><script>parent</script>".into()];
        cert.number = "HG-<number>".into();
        cert.organisation = "org-<x>".into();
        cert
    }

    #[test]
    fn every_value_appears_escaped() {
        let cert = hostile();
        let c = &cert.content;
        let test = &c.tests[0];
        let values = [
            c.product_name.as_str(),
            &c.quantity.value,
            &c.producer.name,
            &c.producer.contact,
            c.producer.subject_code.as_deref().unwrap_or_default(),
            &c.origin.province,
            &c.origin.county,
            c.origin.township.as_deref().unwrap_or_default(),
            c.origin.village.as_deref().unwrap_or_default(),
            c.origin.plot.as_deref().unwrap_or_default(),
            &c.issue_date,
            &test.item,
            &test.method,
            test.value.as_deref().unwrap_or_default(),
            &test.date,
            test.agency.as_deref().unwrap_or_default(),
            test.report_number.as_deref().unwrap_or_default(),
            &c.batch.event_id,
            &c.batch.lot,
            &c.parents[0],
            &cert.number,
            &cert.organisation,
        ];
        for locale in Locale::ALL {
            let page =
                render_certificate(&cert, locale, "https://x.example/c/<n>?a=\"1\"", Some(3));
            for value in values {
                assert!(
                    page.contains(&escape_html(value)),
                    "{locale}: {value:?} missing"
                );
            }
            assert!(!page.contains("<script"), "{locale}: unescaped script");
            for tag in ["<em>", "<i>", "<u>", "<img", "<item>", "<省>", "<n>"] {
                assert!(!page.contains(tag), "{locale}: unescaped {tag}");
            }
            assert!(
                page.contains(
                    "href=\"https://x.example/c/%22%3E%3Cscript%3Eparent%3C%2Fscript%3E\""
                )
            );
        }
    }

    #[test]
    fn both_locales_render_the_template() {
        let cert = certificate();
        let zh = render_certificate(&cert, Locale::ZhCn, URL, Some(41));
        for text in [
            "<html lang=\"zh-CN\">",
            "承诺达标合格证",
            "编号：HG-522634-20260201-000AM",
            "我承诺对生产销售的食用农产品：",
            "☑</span>不使用禁用农药兽药、停用兽药和非法添加物",
            "☑</span>常规农药兽药残留不超标",
            "☑</span>对承诺的真实性负责",
            "☑</span>委托检测",
            "☐</span>自我检测",
            "☐</span>内部质量控制",
            "☑</span>自我承诺",
            "12.5 公斤",
            "贵州省雷山县望丰乡公统村<br>地块：3 号茶园",
            "2026年2月1日",
            "2026年1月30日",
            "生产者盖章或签名：",
            "<p lang=\"zh-CN\">承诺达标合格证</p>",
            "透明日志第 41 条",
            "2026-02-01 09:30 (UTC+8)",
            "href=\"https://retu.leishan.example/c/HG-522634-20260131-0007",
        ] {
            assert!(zh.contains(text), "zh page lacks {text:?}");
        }
        let en = render_certificate(&cert, Locale::En, URL, Some(41));
        for text in [
            "<html lang=\"en\">",
            "<h1 lang=\"zh-CN\">承诺达标合格证</h1><p>Compliance certificate",
            "No. HG-522634-20260201-000AM",
            "12.5 kg",
            "贵州省, 雷山县, 望丰乡, 公统村<br>Plot: 3 号茶园",
            "2026-02-01",
            "Producer&#39;s seal or signature:",
            "<p lang=\"zh-CN\">承诺达标合格证</p>",
            "Transparency log entry 41",
        ] {
            assert!(en.contains(text), "en page lacks {text:?}");
        }
        let unlogged = render_certificate(&cert, Locale::En, URL, None);
        assert!(!unlogged.contains("Transparency log entry"));
    }

    #[test]
    fn pages_are_self_contained_and_small() {
        let cert = certificate();
        for locale in Locale::ALL {
            let page = render_certificate(&cert, locale, URL, Some(u64::MAX));
            assert!(page.len() < 60 * 1024, "{locale}: {} bytes", page.len());
            for banned in [
                "<script", "<link", "<img", "@import", "url(", "<iframe", "src=",
            ] {
                assert!(!page.contains(banned), "{locale}: {banned}");
            }
            assert!(page.contains("@media print") && page.contains("size:A6"));
            let missing = render_certificate_not_found(locale);
            assert!(missing.starts_with("<!doctype html>"));
            assert!(missing.contains(t(locale, "cert.not_found.body")));
        }
        // A long address still fits: a QR code holds about 2 kB at level M.
        let long = format!("https://x.example/c/{}", "A".repeat(1500));
        let page = render_certificate(&cert, Locale::ZhCn, &long, None);
        assert!(
            page.len() < 60 * 1024 + 2 * long.len(),
            "{} bytes",
            page.len()
        );
        let too_long = format!("https://x.example/c/{}", "A".repeat(5000));
        let page = render_certificate(&cert, Locale::ZhCn, &too_long, None);
        assert!(page.contains("链接过长") && !page.contains("<svg"));
    }

    /// The SVG's modules, read back from its path, as a grid including the quiet zone.
    fn modules(svg: &str) -> (usize, Vec<bool>) {
        let size: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .expect("viewBox");
        let path = svg
            .split(" d=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("path");
        let mut grid = vec![false; size * size];
        for run in path.split('M').filter(|r| !r.is_empty()) {
            // "x yhNv1h-Nz"
            let (x, rest) = run.split_once(' ').expect("x");
            let (y, rest) = rest.split_once('h').expect("y");
            let (n, _) = rest.split_once('v').expect("n");
            let (x, y, n): (usize, usize, usize) = (
                x.parse().expect("x"),
                y.parse().expect("y"),
                n.parse().expect("n"),
            );
            for dx in 0..n {
                grid[y * size + x + dx] = true;
            }
        }
        (size, grid)
    }

    #[test]
    fn the_qr_code_decodes_to_the_public_url() {
        let page = render_certificate(&certificate(), Locale::ZhCn, URL, None);
        let svg = page
            .split("<svg")
            .nth(1)
            .and_then(|s| s.split("</svg>").next())
            .expect("an inline SVG");
        let (size, grid) = modules(svg);
        // Rasterise at 4 pixels a module and let an independent decoder read it.
        let scale = 4;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(size * scale, size * scale, |x, y| {
                if grid[(y / scale) * size + x / scale] {
                    0
                } else {
                    255
                }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, URL);
        // And the grid is exactly the encoder's.
        let code = QrCode::with_error_correction_level(URL, EcLevel::M).expect("encodes");
        let width = code.width();
        assert_eq!(size, width + 2 * QR_QUIET_ZONE);
        for (i, color) in code.to_colors().into_iter().enumerate() {
            let (x, y) = (i % width + QR_QUIET_ZONE, i / width + QR_QUIET_ZONE);
            assert_eq!(grid[y * size + x], color == Color::Dark, "module {x},{y}");
        }
    }

    #[test]
    fn sibling_urls_replace_the_last_segment() {
        assert_eq!(
            sibling_url("https://a.example/c/HG-1?lang=en#x", "HG-2"),
            "https://a.example/c/HG-2"
        );
        assert_eq!(sibling_url("HG-1", "HG 2/é"), "HG%202%2F%C3%A9");
    }
}
