//! `POST /api/labels`: printable labels for an organisation's products. The body names a
//! sticker sheet layout, a format and the labels:
//!
//! ```json
//! {"layout": "a4-3x8", "format": "pdf",
//!  "labels": [{"uri": "https://trace.county.example/01/06901234567892/10/LOT-2026-04",
//!              "nameZh": "凌云白毫茶", "nameEn": "Lingyun Baihao tea",
//!              "certificate": "HG-522634-20260401-0007P"}]}
//! ```
//!
//! and the answer is the A4 sheet as `application/pdf` (as many pages as it takes), or the one
//! code of a single label as `image/svg+xml` or `image/png` (`pixelsPerModule`, default 10).
//!
//! A caller is required (a bearer token, or a logged-in person as on the phone's receipt). Every URI must be a valid GS1 Digital Link (check digits,
//! qualifier order) and its key must be under a company prefix the caller may print for: its
//! own or a GTIN the county allocated to it (the ownership rule of capture,
//! `repository::capture::owns`), any organisation's of
//! its county for a county office, anything for the admin. A certificate number must be one
//! Retu issued, to the caller (or, for a county office, in its county). At most
//! [`MAX_LABELS_PER_REQUEST`] labels a request. Problems name each field with a JSON pointer.
//!
//! PDF sheets need a font with Chinese glyphs: `--label-font` ([`crate::WebConfig::label_font`]),
//! else the first of [`labels::FONT_CANDIDATES`] installed; without one, PDFs are answered
//! with 503 saying what to install, while SVG and PNG codes still work.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gs1::DigitalLink;
use i18n::Locale;
use labels::{FONT_CANDIDATES, FontBytes, Label, LabelError, Layout};
use repository::certificate::normalize_certificate_number;
use serde_json::Value;
use store::{Org, OrgAssets, Role, Store};

use crate::AppState;
use crate::auth::Caller;
use crate::certificate_api::CERTIFICATE_KIND;
use crate::problem::{ApiError, FieldProblem};

/// The most labels one request may ask for.
pub const MAX_LABELS_PER_REQUEST: usize = 1_000;

/// The layout used when the body names none.
const DEFAULT_LAYOUT: &str = "a4-3x8";

/// The PNG scale used when the body names none.
const DEFAULT_PIXELS_PER_MODULE: u32 = 10;

/// Why no label font could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FontSearchError {
    /// The named file cannot be read.
    #[error("cannot read the label font {}: {error}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The named file is not a usable font.
    #[error("{}: {error}", path.display())]
    Unusable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: LabelError,
    },
    /// No font was named and none of the usual ones is installed.
    #[error("no font with Chinese glyphs was found in {searched}; {hint}", hint = labels::INSTALL_HINT)]
    NotFound {
        /// The places looked at, comma separated.
        searched: String,
    },
}

/// The label font: the file `explicit` names (its problems are errors: a named font is never
/// silently replaced), else the first usable one of [`labels::FONT_CANDIDATES`]. TTC
/// collections give their first face.
///
/// # Errors
/// [`FontSearchError`], whose message says what to install or pass.
pub fn find_label_font(explicit: Option<&Path>) -> Result<(PathBuf, FontBytes), FontSearchError> {
    if let Some(path) = explicit {
        let bytes = std::fs::read(path).map_err(|error| FontSearchError::Unreadable {
            path: path.to_path_buf(),
            error,
        })?;
        let font = FontBytes::new(bytes).map_err(|error| FontSearchError::Unusable {
            path: path.to_path_buf(),
            error,
        })?;
        return Ok((path.to_path_buf(), font));
    }
    for candidate in &FONT_CANDIDATES {
        let path = Path::new(candidate.path);
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        match FontBytes::new(bytes) {
            Ok(font) => return Ok((path.to_path_buf(), font)),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "skipping an unusable label font");
            }
        }
    }
    Err(FontSearchError::NotFound {
        searched: FONT_CANDIDATES
            .iter()
            .map(|c| c.path)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Fonts loaded so far, by the configured path: read once per process, not per request. A
/// failed search is not kept, so installing a font takes effect without a restart.
static FONTS: Mutex<BTreeMap<Option<PathBuf>, Arc<FontBytes>>> = Mutex::new(BTreeMap::new());

fn label_font(configured: Option<&Path>) -> Result<Arc<FontBytes>, FontSearchError> {
    let key = configured.map(Path::to_path_buf);
    if let Ok(fonts) = FONTS.lock()
        && let Some(font) = fonts.get(&key)
    {
        return Ok(font.clone());
    }
    let (path, font) = find_label_font(configured)?;
    tracing::info!(path = %path.display(), "loaded the label font");
    let font = Arc::new(font);
    if let Ok(mut fonts) = FONTS.lock() {
        fonts.insert(key, font.clone());
    }
    Ok(font)
}

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Pdf,
    Svg,
    Png,
}

fn problem(pointer: impl Into<String>, detail: impl Into<String>) -> FieldProblem {
    FieldProblem {
        pointer: pointer.into(),
        detail: detail.into(),
    }
}

fn invalid(locale: Locale, problems: Vec<FieldProblem>) -> ApiError {
    ApiError::invalid_request(i18n::t(locale, "labels.problem.summary"), problems)
}

/// A label problem from the labels crate, in the reader's language, at its pointer.
fn label_problem(locale: Locale, index: usize, error: &LabelError) -> FieldProblem {
    let field = match error.field() {
        Some(labels::Field::KeyText) | None => labels::Field::Uri,
        Some(field) => field,
    };
    let pointer = format!("/labels/{index}/{}", field.json_name());
    let max = labels::MAX_TEXT_CHARS.to_string();
    let detail = match error.innermost() {
        LabelError::Empty {
            field: labels::Field::Uri,
        } => i18n::t(locale, "labels.problem.uri_required").to_owned(),
        LabelError::Empty { .. } => i18n::t(locale, "labels.problem.name_required").to_owned(),
        LabelError::TooLong { .. } => i18n::tf(locale, "labels.problem.too_long", &[("max", &max)]),
        LabelError::NotDigitalLink { message } => {
            i18n::tf(locale, "labels.problem.uri", &[("detail", message)])
        }
        LabelError::TooLongForQr { .. } => {
            i18n::t(locale, "labels.problem.too_long_for_qr").to_owned()
        }
        LabelError::CodeTooDense { layout, .. } => i18n::tf(
            locale,
            "labels.problem.code_too_dense",
            &[("layout", layout)],
        ),
        LabelError::MissingGlyph { character, .. } => i18n::tf(
            locale,
            "labels.problem.missing_glyph",
            &[("character", &character.to_string())],
        ),
        other => other.to_string(),
    };
    problem(pointer, detail)
}

/// A string member of a JSON object: `Ok(None)` when absent or null, a problem when it is
/// something else.
fn text_member<'a>(
    object: &'a serde_json::Map<String, Value>,
    name: &str,
    pointer: &str,
    locale: Locale,
    problems: &mut Vec<FieldProblem>,
) -> Option<&'a str> {
    match object.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            problems.push(problem(
                format!("{pointer}/{name}"),
                i18n::t(locale, "labels.problem.not_text"),
            ));
            None
        }
    }
}

/// A request read and checked.
struct Request {
    layout: &'static Layout,
    format: Format,
    pixels_per_module: u32,
    labels: Vec<Label>,
}

/// Reads and checks the body: every problem at once, each with its pointer.
fn read_request(body: &[u8], locale: Locale) -> Result<Request, ApiError> {
    let not_json = || {
        invalid(
            locale,
            vec![problem("", i18n::t(locale, "labels.problem.not_json"))],
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| not_json())?;
    let Value::Object(object) = value else {
        return Err(not_json());
    };
    let mut problems = Vec::new();

    let layout_name =
        text_member(&object, "layout", "", locale, &mut problems).unwrap_or(DEFAULT_LAYOUT);
    let layout = match Layout::find(layout_name) {
        Ok(layout) => Some(layout),
        Err(_) => {
            problems.push(problem(
                "/layout",
                i18n::tf(
                    locale,
                    "labels.problem.layout",
                    &[("layouts", &Layout::names().join(", "))],
                ),
            ));
            None
        }
    };
    let format = match text_member(&object, "format", "", locale, &mut problems)
        .map(|f| f.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("pdf") => Some(Format::Pdf),
        Some("svg") => Some(Format::Svg),
        Some("png") => Some(Format::Png),
        Some(_) => {
            problems.push(problem("/format", i18n::t(locale, "labels.problem.format")));
            None
        }
    };
    let max_scale = labels::MAX_PIXELS_PER_MODULE;
    let pixels_per_module = match object.get("pixelsPerModule") {
        None | Some(Value::Null) => DEFAULT_PIXELS_PER_MODULE,
        Some(value) => match value.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if (1..=max_scale).contains(&n) => n,
            _ => {
                problems.push(problem(
                    "/pixelsPerModule",
                    i18n::tf(
                        locale,
                        "labels.problem.pixels_per_module",
                        &[("max", &max_scale.to_string())],
                    ),
                ));
                DEFAULT_PIXELS_PER_MODULE
            }
        },
    };

    let list = match object.get("labels") {
        Some(Value::Array(list)) if !list.is_empty() => list.as_slice(),
        _ => {
            problems.push(problem(
                "/labels",
                i18n::t(locale, "labels.problem.labels_required"),
            ));
            &[]
        }
    };
    if list.len() > MAX_LABELS_PER_REQUEST {
        return Err(ApiError::too_large(i18n::tf(
            locale,
            "labels.problem.too_many",
            &[("max", &MAX_LABELS_PER_REQUEST.to_string())],
        )));
    }
    if format.is_some_and(|f| f != Format::Pdf) && list.len() > 1 {
        problems.push(problem(
            "/labels/1",
            i18n::t(locale, "labels.problem.one_code"),
        ));
    }
    let mut labels = Vec::with_capacity(list.len());
    for (index, item) in list.iter().enumerate() {
        let pointer = format!("/labels/{index}");
        let Value::Object(item) = item else {
            problems.push(problem(pointer, i18n::t(locale, "labels.problem.not_json")));
            continue;
        };
        let before = problems.len();
        let uri = text_member(item, "uri", &pointer, locale, &mut problems).unwrap_or_default();
        let name_zh =
            text_member(item, "nameZh", &pointer, locale, &mut problems).unwrap_or_default();
        let name_en =
            text_member(item, "nameEn", &pointer, locale, &mut problems).unwrap_or_default();
        let certificate = text_member(item, "certificate", &pointer, locale, &mut problems)
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if problems.len() > before {
            continue;
        }
        for (text, field) in [
            (name_zh, labels::Field::NameZh),
            (name_en, labels::Field::NameEn),
        ] {
            let chars = text.chars().count();
            if chars > labels::MAX_TEXT_CHARS {
                let error = LabelError::TooLong {
                    field,
                    chars,
                    max: labels::MAX_TEXT_CHARS,
                };
                problems.push(label_problem(locale, index, &error));
            }
        }
        let certificate = match certificate.map(|c| (c, normalize_certificate_number(c))) {
            None => None,
            Some((_, Some(number))) => Some(number),
            Some((_, None)) => {
                problems.push(problem(
                    format!("{pointer}/certificate"),
                    i18n::t(locale, "labels.problem.certificate_number"),
                ));
                None
            }
        };
        match Label::for_digital_link(uri, name_zh, name_en, certificate.as_deref()) {
            Ok(label) => labels.push(label),
            Err(error) => problems.push(label_problem(locale, index, &error)),
        }
    }
    // A code must print legibly on the layout (PDF) or at all (SVG, PNG).
    if let (Some(layout), Some(format)) = (layout, format) {
        for (index, label) in labels.iter().enumerate() {
            let checked = labels::qr_matrix(&label.uri).and_then(|matrix| {
                if format == Format::Pdf {
                    layout.check_density(&matrix)
                } else {
                    Ok(())
                }
            });
            if let Err(error) = checked {
                problems.push(label_problem(locale, index, &error));
            }
        }
    }
    match (layout, format, problems.is_empty()) {
        (Some(layout), Some(format), true) => Ok(Request {
            layout,
            format,
            pixels_per_module,
            labels,
        }),
        _ => Err(invalid(locale, problems)),
    }
}

/// The company prefixes and single GTINs (allocated from the county's prefix) `org` may print
/// labels for; `None` for anything (the admin).
async fn printable_assets<S: Store>(store: &S, org: &Org) -> Result<Option<OrgAssets>, ApiError> {
    match org.role {
        Role::Admin => Ok(None),
        Role::Member => Ok(Some(store.org_assets(org.id).await?)),
        Role::County => {
            let mut assets = store.org_assets(org.id).await?;
            if let Some(county) = org.county.as_deref().filter(|c| !c.is_empty()) {
                for other in store.orgs().await? {
                    if other.id != org.id && other.county.as_deref() == Some(county) {
                        let theirs = store.org_assets(other.id).await?;
                        assets.company_prefixes.extend(theirs.company_prefixes);
                        assets.gtins.extend(theirs.gtins);
                    }
                }
            }
            Ok(Some(assets))
        }
    }
}

/// Whether `org` may print a certificate issued by organisation `issuer`.
async fn may_print_certificate<S: Store>(
    store: &S,
    org: &Org,
    issuer: i64,
) -> Result<bool, ApiError> {
    Ok(match org.role {
        Role::Admin => true,
        Role::Member => issuer == org.id,
        Role::County => {
            issuer == org.id
                || match (org.county.as_deref(), store.org(issuer).await?) {
                    (Some(county), Some(issuer)) => issuer.county.as_deref() == Some(county),
                    _ => false,
                }
        }
    })
}

/// Checks that the caller may print every label: the code's company prefix, the certificate.
async fn check_permissions<S: Store>(
    store: &S,
    org: &Org,
    labels: &[Label],
    locale: Locale,
) -> Result<(), ApiError> {
    let printable = printable_assets(store, org).await?;
    let mut forbidden = Vec::new();
    let mut unknown = Vec::new();
    let mut certificates: BTreeMap<&str, Option<i64>> = BTreeMap::new();
    for (index, label) in labels.iter().enumerate() {
        if let Some(assets) = &printable {
            let canonical = DigitalLink::parse(&label.uri)
                .map(|link| link.to_constrained_uri(gs1::GS1_RESOLVER))
                .unwrap_or_default();
            if repository::capture::owns(assets, &canonical) != Some(true) {
                forbidden.push(problem(
                    format!("/labels/{index}/uri"),
                    i18n::t(locale, "labels.problem.not_your_prefix"),
                ));
            }
        }
        let Some(number) = label.certificate.as_deref() else {
            continue;
        };
        let issuer = match certificates.get(number) {
            Some(issuer) => *issuer,
            None => {
                let issuer = store
                    .record(CERTIFICATE_KIND, number)
                    .await?
                    .map(|record| record.org_id);
                certificates.insert(number, issuer);
                issuer
            }
        };
        let pointer = format!("/labels/{index}/certificate");
        match issuer {
            None => unknown.push(problem(
                pointer,
                i18n::t(locale, "labels.problem.no_such_certificate"),
            )),
            Some(issuer) => {
                if !may_print_certificate(store, org, issuer).await? {
                    forbidden.push(problem(
                        pointer,
                        i18n::t(locale, "labels.problem.not_your_certificate"),
                    ));
                }
            }
        }
    }
    if !unknown.is_empty() {
        return Err(invalid(locale, unknown));
    }
    if !forbidden.is_empty() {
        return Err(ApiError::forbidden_field(
            i18n::t(locale, "labels.problem.forbidden"),
            forbidden,
        ));
    }
    Ok(())
}

/// `POST /api/labels`: the labels as a PDF sheet, or one code as SVG or PNG.
pub(crate) async fn labels<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let org = caller.require()?.clone();
    let locale = crate::request_locale(&headers, None);
    let request = read_request(&body, locale)?;
    check_permissions(state.ledger.store(), &org, &request.labels, locale).await?;

    let (media_type, extension, bytes) = match request.format {
        Format::Svg | Format::Png => {
            let Some(label) = request.labels.first() else {
                return Err(invalid(locale, Vec::new()));
            };
            let encoded = if request.format == Format::Svg {
                labels::qr_svg(&label.uri).map(String::into_bytes)
            } else {
                labels::qr_png(&label.uri, request.pixels_per_module)
            };
            let bytes = encoded.map_err(|e| invalid(locale, vec![label_problem(locale, 0, &e)]))?;
            if request.format == Format::Svg {
                ("image/svg+xml", "svg", bytes)
            } else {
                ("image/png", "png", bytes)
            }
        }
        Format::Pdf => {
            let font = label_font(state.config.label_font.as_deref()).map_err(|error| {
                tracing::warn!(%error, "no label font");
                ApiError::unavailable(i18n::t(locale, "labels.problem.no_font"))
            })?;
            let layout = request.layout;
            let list = request.labels;
            let made = tokio::task::spawn_blocking(move || labels::sheet_pdf(layout, &list, &font))
                .await
                .map_err(|e| ApiError::internal(&e))?;
            let bytes = made.map_err(|error| match error.label_index() {
                Some(index) => invalid(locale, vec![label_problem(locale, index, &error)]),
                None => ApiError::internal(&error),
            })?;
            ("application/pdf", "pdf", bytes)
        }
    };
    let disposition = format!(
        "inline; filename=\"labels-{}.{extension}\"",
        request.layout.name
    );
    let mut response = (StatusCode::OK, bytes).into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response_headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn read(body: &str) -> Result<Request, ApiError> {
        read_request(body.as_bytes(), Locale::En)
    }

    fn pointers(error: &ApiError) -> BTreeSet<String> {
        error.0.errors.iter().map(|e| e.pointer.clone()).collect()
    }

    #[test]
    fn a_good_request_is_read_with_defaults() {
        // 2026-04-01 12:00 in China.
        let number =
            repository::certificate::certificate_number("522634", 1_775_016_000_000_000, 7);
        let request = read(&format!(
            r#"{{"labels":[{{"uri":"https://trace.county.example/01/6901234567892/10/LOT-2026-04","nameZh":"凌云白毫茶","nameEn":"Lingyun Baihao tea","certificate":"{}"}}]}}"#,
            number.to_lowercase()
        ));
        let request = match request {
            Ok(request) => request,
            Err(error) => panic!("{error:?}"),
        };
        assert_eq!(request.layout.name, "a4-3x8");
        assert_eq!(request.format, Format::Pdf);
        assert_eq!(
            request.labels[0].uri,
            "https://trace.county.example/01/06901234567892/10/LOT-2026-04"
        );
        assert!(number.starts_with("HG-522634-20260401-"), "{number}");
        assert_eq!(
            request.labels[0].certificate.as_deref(),
            Some(number.as_str())
        );
    }

    #[test]
    fn every_problem_has_its_pointer() {
        let error = read(
            r#"{"layout":"a5","format":"gif","pixelsPerModule":0,"labels":[
                {"uri":"https://a.example/01/06901234567893","nameZh":"茶"},
                {"uri":5,"nameZh":"茶"},
                {"uri":"https://a.example/01/06901234567892","nameZh":"","nameEn":""},
                {"uri":"https://a.example/01/06901234567892","nameZh":"茶","certificate":"HG-1"},
                "text"
            ]}"#,
        )
        .err()
        .expect("invalid");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            pointers(&error),
            [
                "/layout",
                "/format",
                "/pixelsPerModule",
                "/labels/0/uri",
                "/labels/1/uri",
                "/labels/2/nameZh",
                "/labels/3/certificate",
                "/labels/4",
            ]
            .into_iter()
            .map(str::to_owned)
            .collect()
        );
        let bad_uri = error.0.errors.iter().find(|e| e.pointer == "/labels/0/uri");
        assert!(
            bad_uri.is_some_and(|e| e.detail.contains("check digit")),
            "{error:?}"
        );
        for body in ["", "[]", "{}", r#"{"labels":[]}"#, r#"{"labels":{}}"#] {
            let error = read(body).err().expect("invalid");
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{body}");
        }
    }

    #[test]
    fn font_errors_say_what_to_install_or_pass() {
        let missing = FontSearchError::NotFound {
            searched: "/nowhere".into(),
        };
        let text = missing.to_string();
        assert!(
            text.contains("apt-get install fonts-wqy-microhei"),
            "{text}"
        );
        assert!(text.contains("--label-font"), "{text}");
        let named = find_label_font(Some(Path::new("/nonexistent/font.ttc")));
        assert!(matches!(named, Err(FontSearchError::Unreadable { .. })));
        let dir = tempfile::tempdir().expect("temp dir");
        let bogus = dir.path().join("bogus.ttf");
        std::fs::write(&bogus, b"not a font").expect("write");
        let named = find_label_font(Some(&bogus));
        assert!(matches!(named, Err(FontSearchError::Unusable { .. })));
    }

    #[test]
    fn limits_hold() {
        let label = r#"{"uri":"https://a.example/01/06901234567892","nameZh":"茶"}"#;
        let many = format!(
            r#"{{"labels":[{}]}}"#,
            vec![label; MAX_LABELS_PER_REQUEST + 1].join(",")
        );
        let error = read(&many).err().expect("too many");
        assert_eq!(error.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let two_svg = format!(r#"{{"format":"svg","labels":[{label},{label}]}}"#);
        let error = read(&two_svg).err().expect("one code");
        assert_eq!(pointers(&error), BTreeSet::from(["/labels/1".to_owned()]));
        let long = format!(
            r#"{{"labels":[{{"uri":"https://a.example/01/06901234567892","nameZh":"{}"}}]}}"#,
            "茶".repeat(labels::MAX_TEXT_CHARS + 1)
        );
        let error = read(&long).err().expect("too long");
        assert_eq!(
            pointers(&error),
            BTreeSet::from(["/labels/0/nameZh".to_owned()])
        );
        // A valid Digital Link under a long path prefix: too many modules for small labels.
        let dense = format!(
            r#"{{"layout":"a4-4x10","labels":[{{"uri":"https://a.example/{}01/06901234567892","nameZh":"茶"}}]}}"#,
            "x/".repeat(120)
        );
        let error = read(&dense).err().expect("too dense");
        assert_eq!(
            pointers(&error),
            BTreeSet::from(["/labels/0/uri".to_owned()])
        );
    }
}
