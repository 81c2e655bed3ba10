//! QR labels, black-box: `POST /api/labels` on the real `retu serve` (401 without a token, 403
//! for another organisation's GTIN, 400 with a pointer for a bad URI, PDF sheets whose every
//! code decodes back to its URI, SVG and PNG codes) and `retu labels` (a bad CSV line is named,
//! codes and sheets are written).
//!
//! Decoding a PDF needs poppler-utils (`pdftoppm`) and a font with Chinese glyphs; without them
//! those checks say so and are skipped (`.ci/run` installs both).

#![allow(clippy::print_stderr)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{client, member, start};
use serde_json::{Value, json};

const COOP_PREFIX: &str = "6901234";
const COOP_LOT: &str = "https://trace.county.example/01/06901234567892/10/LOT-2026-04";
const OTHER_GTIN: &str = "https://trace.county.example/01/09506000134352";
/// The cooperative's GTIN with its check digit mistyped (2 → 3).
const TYPO: &str = "https://trace.county.example/01/06901234567893/10/LOT-2026-04";

/// Decodes every QR code of a grey image.
fn decode(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

/// A PNG (grey or black-and-white, as pdftoppm -gray and `qr_png` write them) as 8-bit grey.
fn read_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let grey = (0..width * height)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            match info.bit_depth {
                png::BitDepth::One => {
                    if buffer[y * info.line_size + x / 8] & (0x80 >> (x % 8)) == 0 {
                        0
                    } else {
                        255
                    }
                }
                _ => buffer[y * info.line_size + x * channels],
            }
        })
        .collect();
    (width, height, grey)
}

fn have_poppler() -> bool {
    let found = Command::new("pdftoppm").arg("-v").output().is_ok();
    if !found {
        eprintln!(
            "SKIPPED decoding the PDF: pdftoppm is not installed (apt-get install poppler-utils)"
        );
    }
    found
}

/// Every code of a PDF sheet of `layout`, decoded label by label (cut out with the layout's
/// maths from a 300 dpi rendering), in label order.
fn decode_sheet(pdf: &[u8], layout: &labels::Layout, count: usize) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sheet.pdf");
    std::fs::write(&path, pdf).expect("write");
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    let pages: Vec<_> = pages
        .iter()
        .map(|p| read_png(&std::fs::read(p).expect("page")))
        .collect();
    let px = |mm: f32| (mm * 300.0 / 25.4).round() as usize;
    (0..count)
        .map(|index| {
            let (page, slot) = layout.place(index);
            let (width, height, grey) = &pages[page];
            let rect = layout.qr_rect(slot);
            let (x0, y0) = (px(rect.x), px(rect.y));
            let side = px(rect.width).min(width - x0).min(height - y0);
            let found = decode(side, side, |x, y| grey[(y0 + y) * width + x0 + x]);
            assert_eq!(found.len(), 1, "label {index}: {found:?}");
            found[0].clone()
        })
        .collect()
}

fn label(uri: &str) -> Value {
    json!({"uri": uri, "nameZh": "凌云白毫茶", "nameEn": "Lingyun Baihao tea"})
}

#[test]
fn the_label_endpoint_checks_callers_and_codes_and_prints_sheets_that_decode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = start(dir.path(), &[]);
    let data = dir.path();
    let (_, coop) = member(data, "凌云县白毫茶合作社", &[COOP_PREFIX], &[]);
    let (_, other) = member(data, "Another company", &["9506000"], &[]);
    let http = client();
    let url = server.url("/api/labels");
    let post = |token: Option<&str>, body: &Value| {
        let mut request = http.post(&url).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().expect("request");
        let status = response.status().as_u16();
        let media = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, media, response.bytes().expect("body").to_vec())
    };
    let problem = |bytes: &[u8]| -> Value { serde_json::from_slice(bytes).expect("problem JSON") };

    // No token: 401.
    let body = json!({"layout": "a4-2x7", "labels": [label(COOP_LOT)]});
    let (status, media, _) = post(None, &body);
    assert_eq!((status, media.as_str()), (401, "application/problem+json"));

    // Another organisation's GTIN: 403 naming the label.
    let body = json!({"labels": [label(COOP_LOT), label(OTHER_GTIN)]});
    let (status, media, bytes) = post(Some(&coop), &body);
    assert_eq!((status, media.as_str()), (403, "application/problem+json"));
    assert_eq!(problem(&bytes)["pointer"], "/labels/1/uri");
    // …which its owner may print.
    let (status, _, _) = post(
        Some(&other),
        &json!({"format": "svg", "labels": [label(OTHER_GTIN)]}),
    );
    assert_eq!(status, 200);

    // A mistyped check digit: 400 with a pointer and the reason, in the asked language.
    let body = json!({"labels": [label(COOP_LOT), label(TYPO)]});
    let response = http
        .post(&url)
        .bearer_auth(&coop)
        .header("Accept-Language", "zh-CN")
        .json(&body)
        .send()
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = response.json().expect("problem");
    assert_eq!(answer["pointer"], "/labels/1/uri");
    let detail = answer["errors"][0]["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("不是有效的 GS1 数字链接"), "{detail}");
    assert!(detail.contains("check digit"), "{detail}");

    // A certificate number with a valid check character that nobody issued: 400.
    let mut with_certificate = label(COOP_LOT);
    with_certificate["certificate"] = json!("HG-522634-20260401-0007P");
    let (status, _, bytes) = post(Some(&coop), &json!({"labels": [with_certificate]}));
    assert_eq!(status, 400);
    assert_eq!(problem(&bytes)["pointer"], "/labels/0/certificate");

    // SVG and PNG: one code each, which decodes.
    let (status, media, svg) = post(
        Some(&coop),
        &json!({"format": "svg", "labels": [label(COOP_LOT)]}),
    );
    assert_eq!((status, media.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8_lossy(&svg).contains("crispEdges"));
    let body = json!({"format": "png", "pixelsPerModule": 4, "labels": [label(COOP_LOT)]});
    let (status, media, png) = post(Some(&coop), &body);
    assert_eq!((status, media.as_str()), (200, "image/png"));
    let (width, height, grey) = read_png(&png);
    assert_eq!(
        decode(width, height, |x, y| grey[y * width + x]),
        [COOP_LOT]
    );

    // A PDF sheet of 16 labels: two pages of a4-2x7, each code decoding to its URI.
    let uris: Vec<String> = (1..=16)
        .map(|n| format!("https://trace.county.example/01/06901234567892/21/{n:04}"))
        .collect();
    let list: Vec<Value> = uris.iter().map(|uri| label(uri)).collect();
    let (status, media, pdf) = post(Some(&coop), &json!({"layout": "a4-2x7", "labels": list}));
    match status {
        200 => {
            assert_eq!(media, "application/pdf");
            assert!(pdf.starts_with(b"%PDF-"));
            if have_poppler() {
                let layout = labels::Layout::find("a4-2x7").expect("layout");
                assert_eq!(decode_sheet(&pdf, layout, uris.len()), uris);
            }
        }
        503 => {
            let answer = problem(&pdf);
            eprintln!("SKIPPED the PDF: the server has no label font: {answer}");
            assert!(
                answer["detail"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("fonts-wqy-microhei")
            );
        }
        other => panic!("{other}: {}", String::from_utf8_lossy(&pdf)),
    }
}

fn retu(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run retu")
}

#[test]
fn retu_labels_names_the_bad_line_and_writes_codes_and_sheets() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("labels.csv");
    std::fs::write(
        &csv,
        format!(
            "uri,name_zh,name_en,certificate\n{COOP_LOT},凌云白毫茶,Lingyun Baihao tea,HG-522634-20260401-0007P\n\
             {TYPO},凌云白毫茶,\"Lingyun Baihao tea, tin\",\n"
        ),
    )
    .expect("write");
    let output = retu(
        &["labels", "--from", "labels.csv", "--out", "sheet.pdf"],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("labels.csv line 3, column uri"), "{stderr}");
    assert!(stderr.contains("check digit"), "{stderr}");
    assert!(!dir.path().join("sheet.pdf").exists(), "nothing is written");

    // A mistyped certificate number is refused too, naming its column.
    std::fs::write(
        &csv,
        format!("uri,name_zh,name_en,certificate\n{COOP_LOT},茶,tea,HG-522634-20260401-0007Q\n"),
    )
    .expect("write");
    let output = retu(
        &["labels", "--from", "labels.csv", "--out", "sheet.pdf"],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("labels.csv line 2, column certificate"),
        "{stderr}"
    );

    // One PNG code from --uri.
    let output = retu(
        &[
            "labels",
            "--uri",
            COOP_LOT,
            "--name-zh",
            "凌云白毫茶",
            "--format",
            "png",
            "--out",
            "code.png",
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (width, height, grey) = read_png(&std::fs::read(dir.path().join("code.png")).expect("png"));
    assert_eq!(
        decode(width, height, |x, y| grey[y * width + x]),
        [COOP_LOT]
    );

    // Several SVG codes into a folder.
    let second = "https://trace.county.example/00/069012340000000016";
    let output = retu(
        &[
            "labels",
            "--uri",
            COOP_LOT,
            "--uri",
            second,
            "--name-zh",
            "茶",
            "--format",
            "svg",
            "--out",
            "codes",
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in ["label-0001.svg", "label-0002.svg"] {
        let svg = std::fs::read_to_string(dir.path().join("codes").join(name)).expect("svg");
        assert!(svg.starts_with("<svg"), "{name}");
    }

    // A sheet of one lot's label, 24 times, from the CSV once it is right.
    std::fs::write(
        &csv,
        format!("uri,name_zh,name_en\n{COOP_LOT},凌云白毫茶,Lingyun Baihao tea\n"),
    )
    .expect("write");
    let output = retu(
        &[
            "labels",
            "--from",
            "labels.csv",
            "--copies",
            "24",
            "--out",
            "sheet.pdf",
        ],
        dir.path(),
    );
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("fonts-wqy-microhei"), "{stderr}");
        eprintln!("SKIPPED the PDF: {stderr}");
        return;
    }
    let pdf = std::fs::read(dir.path().join("sheet.pdf")).expect("pdf");
    eprintln!(
        "a 24-label a4-3x8 sheet from retu labels: {} bytes",
        pdf.len()
    );
    if have_poppler() {
        let layout = labels::Layout::find("a4-3x8").expect("layout");
        let found = decode_sheet(&pdf, layout, 24);
        assert!(found.iter().all(|uri| uri == COOP_LOT), "{found:?}");
    }

    // A named font that is not one is an error, not a silent fallback.
    std::fs::write(dir.path().join("not-a-font.ttf"), "hello").expect("write");
    let output = retu(
        &[
            "labels",
            "--from",
            "labels.csv",
            "--font",
            "not-a-font.ttf",
            "--out",
            "other.pdf",
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not-a-font.ttf"));
}
