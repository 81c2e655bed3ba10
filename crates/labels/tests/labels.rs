//! Every code this crate makes decodes back to its URI with an independent decoder (rqrr):
//! PNGs directly, SVGs from the module grid read back out of the markup, and PDF sheets as
//! poppler renders them at 300 dpi, cut label by label with the layout's own maths. The PDF's
//! text is read back with `pdftotext`, and every word of it must lie inside its label.
//!
//! The PDF tests need a font with Chinese glyphs and poppler-utils (`.ci/run` installs
//! fonts-wqy-microhei and poppler-utils); without them they say so and pass.

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use labels::{FONT_CANDIDATES, FontBytes, LAYOUTS, Label, LabelError, Layout, qr_png, qr_svg};

const URIS: [&str; 4] = [
    "https://trace.county.example/01/06901234567892/10/LOT-2026-04",
    "https://trace.county.example/01/06901234567892/21/0001",
    "https://trace.county.example/00/069012340000000016",
    "https://id.gs1.org/01/09506000134352/10/ABC%2F123?17=270101",
];

/// Decodes every QR code in a grey image; the contents, in the order found.
fn decode(width: usize, height: usize, pixel: impl Fn(usize, usize) -> u8) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    image
        .detect_grids()
        .into_iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, content)| content))
        .collect()
}

/// A PNG's pixels as 8-bit grey, with its width and height.
fn read_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let grey = match info.bit_depth {
        png::BitDepth::One => (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                let byte = buffer[y * info.line_size + x / 8];
                if byte & (0x80 >> (x % 8)) == 0 {
                    0
                } else {
                    255
                }
            })
            .collect(),
        png::BitDepth::Eight => (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                buffer[y * info.line_size + x * channels]
            })
            .collect(),
        other => panic!("unexpected bit depth {other:?}"),
    };
    (width, height, grey)
}

#[test]
fn png_codes_decode_to_their_uri() {
    for uri in URIS {
        for scale in [2, 5, 10] {
            let png = qr_png(uri, scale).expect("encodes");
            let (width, height, grey) = read_png(&png);
            let matrix = labels::qr_matrix(uri).expect("encodes");
            assert_eq!(width, matrix.width_with_quiet_zone() * scale as usize);
            assert_eq!(width, height);
            assert_eq!(decode(width, height, |x, y| grey[y * width + x]), [uri]);
        }
    }
}

/// The module grid of an SVG from `qr_svg`: its size and dark modules.
fn svg_modules(svg: &str) -> (usize, Vec<bool>) {
    let view_box = svg
        .split("viewBox=\"0 0 ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("a viewBox");
    let size: usize = view_box.parse().expect("a size");
    assert!(svg.contains("shape-rendering=\"crispEdges\""));
    let path = svg
        .split(" d=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a path");
    let mut grid = vec![false; size * size];
    for run in path.split('M').filter(|r| !r.is_empty()) {
        // `x yhNv1h-Nz`
        let (x, rest) = run.split_once(' ').expect("x");
        let (y, rest) = rest.split_once('h').expect("y");
        let (length, rest) = rest.split_once('v').expect("length");
        assert_eq!(rest, format!("1h-{length}z"));
        let (x, y, length): (usize, usize, usize) = (
            x.parse().expect("x"),
            y.parse().expect("y"),
            length.parse().expect("length"),
        );
        for dx in 0..length {
            grid[y * size + x + dx] = true;
        }
    }
    (size, grid)
}

#[test]
fn svg_codes_decode_to_their_uri() {
    for uri in URIS {
        let svg = qr_svg(uri).expect("encodes");
        let (size, grid) = svg_modules(&svg);
        let matrix = labels::qr_matrix(uri).expect("encodes");
        assert_eq!(size, matrix.width_with_quiet_zone());
        // The quiet zone is empty.
        for y in 0..size {
            for x in 0..size {
                let inside = (4..size - 4).contains(&x) && (4..size - 4).contains(&y);
                if !inside {
                    assert!(
                        !grid[y * size + x],
                        "{uri}: module {x},{y} in the quiet zone"
                    );
                }
            }
        }
        let scale = 4;
        let found = decode(size * scale, size * scale, |x, y| {
            if grid[(y / scale) * size + x / scale] {
                0
            } else {
                255
            }
        });
        assert_eq!(found, [uri]);
    }
}

/// A font with Chinese glyphs: `RETU_LABEL_FONT`, else the first system one.
fn system_font() -> Option<FontBytes> {
    let mut paths: Vec<PathBuf> = std::env::var_os("RETU_LABEL_FONT")
        .map(PathBuf::from)
        .into_iter()
        .collect();
    paths.extend(FONT_CANDIDATES.iter().map(|c| PathBuf::from(c.path)));
    for path in paths {
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(font) = FontBytes::new(bytes)
        {
            return Some(font);
        }
    }
    eprintln!("SKIPPED: no font with Chinese glyphs; install fonts-wqy-microhei");
    None
}

fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("-v").output().is_ok();
    if !found {
        eprintln!("SKIPPED: {tool} is not installed; install poppler-utils");
    }
    found
}

fn label(i: usize) -> Label {
    let serial = format!("{:04}", i + 1);
    let mut label = Label::for_digital_link(
        &format!("https://trace.county.example/01/06901234567892/10/LOT-2026-04/21/{serial}"),
        "凌云白毫茶",
        "Lingyun Baihao tea",
        i.is_multiple_of(2).then_some("HG-522634-20260401-0007P"),
    )
    .expect("valid");
    if i % 5 == 4 {
        // Names far too long for any label: shrunk, wrapped and cut, never outside it.
        label.name_zh =
            "广西壮族自治区河池市凌云县白毫茶专业合作社春季头采特级明前手工炒制绿茶礼盒装"
                .repeat(2);
        label.name_en = "Lingyun Baihao white-tip green tea, first spring flush, special grade, hand-fired, gift tin of 250 grams".into();
    }
    label
}

/// Renders `pdf` with poppler at 300 dpi in grey; the pages, each (width, height, pixels).
fn render(pdf: &Path) -> Vec<(usize, usize, Vec<u8>)> {
    let prefix = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm");
    assert!(status.success());
    let dir = pdf.parent().expect("dir");
    let stem = prefix
        .file_name()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "png")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{stem}-")))
        })
        .collect();
    pages.sort();
    pages
        .iter()
        .map(|p| read_png(&std::fs::read(p).expect("page")))
        .collect()
}

/// The words `pdftotext -bbox` finds: (page from 0, text, xMin, yMin, xMax, yMax) in points.
fn words(pdf: &Path) -> Vec<(usize, String, f32, f32, f32, f32)> {
    let output = Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(output.status.success());
    let html = String::from_utf8(output.stdout).expect("utf-8");
    let mut page = None::<usize>;
    let mut found = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page ") {
            page = Some(page.map_or(0, |p| p + 1));
        }
        if let Some(rest) = line.strip_prefix("<word ") {
            let attribute = |name: &str| -> f32 {
                rest.split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|v| v.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .expect("coordinate")
            };
            let text = rest
                .split('>')
                .nth(1)
                .and_then(|t| t.split('<').next())
                .unwrap_or_default()
                .to_owned();
            found.push((
                page.expect("a page"),
                text,
                attribute("xMin"),
                attribute("yMin"),
                attribute("xMax"),
                attribute("yMax"),
            ));
        }
    }
    found
}

#[test]
fn pdf_sheets_decode_label_by_label_and_keep_their_text_inside() {
    let Some(font) = system_font() else { return };
    if !have("pdftoppm") || !have("pdftotext") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    for layout in &LAYOUTS {
        // A page and a bit, so that page breaks are exercised.
        let count = layout.per_page() + 3;
        let list: Vec<Label> = (0..count).map(label).collect();
        let pdf = labels::sheet_pdf(layout, &list, &font).expect("a sheet");
        let path = dir.path().join(format!("{}.pdf", layout.name));
        std::fs::write(&path, &pdf).expect("write");

        let pages = render(&path);
        assert_eq!(pages.len(), 2, "{}", layout.name);
        let px = |mm: f32| (mm * 300.0 / 25.4).round() as usize;
        for (index, expected) in list.iter().enumerate() {
            let (page, slot) = layout.place(index);
            let (width, height, grey) = &pages[page];
            let (width, height) = (*width, *height);
            assert!(
                width.abs_diff(px(layout.page_width_mm)) <= 1,
                "{}",
                layout.name
            );
            let rect = layout.qr_rect(slot);
            let (x0, y0) = (px(rect.x), px(rect.y));
            let side = px(rect.width).min(width - x0).min(height - y0);
            let found = decode(side, side, |x, y| grey[(y0 + y) * width + x0 + x]);
            assert_eq!(
                found,
                std::slice::from_ref(&expected.uri),
                "{} label {index} (page {page}, place {slot})",
                layout.name
            );
        }

        let words = words(&path);
        let text: String = words.iter().map(|w| w.1.as_str()).collect();
        for needle in [
            "凌云白毫茶",
            "Lingyun",
            "承诺达标合格证",
            "HG-522634-20260401-0007P",
            "06901234567892",
        ] {
            assert!(
                text.contains(needle),
                "{}: {needle:?} not in {text:?}",
                layout.name
            );
        }
        // Every word lies inside one label of its page.
        let mm = |pt: f32| pt * 25.4 / 72.0;
        for (page, word, x_min, y_min, x_max, y_max) in &words {
            let inside = (0..layout.per_page()).any(|slot| {
                if layout.place(page * layout.per_page() + slot).0 != *page {
                    return false;
                }
                let label = layout.label_rect(slot);
                mm(*x_min) >= label.x - 0.05
                    && mm(*x_max) <= label.x + label.width + 0.05
                    && mm(*y_min) >= label.y - 0.05
                    && mm(*y_max) <= label.y + label.height + 0.05
            });
            assert!(
                inside,
                "{}: {word:?} on page {page} is outside every label",
                layout.name
            );
        }
    }
}

#[test]
fn pdf_sheets_embed_a_small_subset_with_a_unicode_map() {
    let Some(font) = system_font() else { return };
    let list: Vec<Label> = (0..24).map(label).collect();
    let layout = Layout::find("a4-3x8").expect("layout");
    let pdf = labels::sheet_pdf(layout, &list, &font).expect("a sheet");
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.starts_with("%PDF-"));
    assert!(text.contains("/ToUnicode"));
    assert!(text.contains("/Identity-H"));
    assert!(text.contains("/FontFile2") || text.contains("/FontFile3"));
    // A subset: the font file is megabytes, the sheet a few dozen kilobytes.
    assert!(pdf.len() < 120_000, "{} bytes", pdf.len());
    assert!(font.data().len() > 10 * pdf.len());
    eprintln!("a 24-label a4-3x8 sheet: {} bytes", pdf.len());
    // Deterministic: the same input gives the same bytes.
    assert_eq!(pdf, labels::sheet_pdf(layout, &list, &font).expect("again"));
}

#[test]
fn bad_labels_are_refused_with_their_position_and_field() {
    let Some(font) = system_font() else { return };
    let layout = &LAYOUTS[0];
    assert_eq!(
        labels::sheet_pdf(layout, &[], &font),
        Err(LabelError::NoLabels)
    );
    let mut list: Vec<Label> = (0..3).map(label).collect();

    list[1].uri = String::new();
    let error = labels::sheet_pdf(layout, &list, &font).expect_err("empty URI");
    assert_eq!(error.label_index(), Some(1));
    assert_eq!(error.field(), Some(labels::Field::Uri));

    list[1] = label(1);
    list[2].uri = format!("https://a.example/01/06901234567892/21/{}", "z".repeat(600));
    let error = labels::sheet_pdf(layout, &list, &font).expect_err("too dense");
    assert!(
        matches!(error.innermost(), LabelError::CodeTooDense { .. }),
        "{error}"
    );
    assert_eq!(error.label_index(), Some(2));
    list[2].uri = "x".repeat(100_000);
    let error = labels::sheet_pdf(layout, &list, &font).expect_err("too long");
    assert!(
        matches!(error.innermost(), LabelError::TooLongForQr { .. }),
        "{error}"
    );

    list[2] = label(2);
    list[0].name_en = "private use \u{10FFFD}".into();
    let error = labels::sheet_pdf(layout, &list, &font).expect_err("no glyph");
    assert_eq!(
        error.innermost(),
        &LabelError::MissingGlyph {
            field: labels::Field::NameEn,
            character: '\u{10FFFD}'
        }
    );
    list[0].name_en = "x".repeat(10_000);
    let error = labels::sheet_pdf(layout, &list, &font).expect_err("too long");
    assert!(
        matches!(error.innermost(), LabelError::TooLong { .. }),
        "{error}"
    );

    // Control characters and empty names are printed as what they are: nothing.
    list[0].name_en = "tea\n\t\u{0}\u{202E}tin".into();
    list[0].name_zh = String::new();
    labels::sheet_pdf(layout, &list, &font).expect("prints");
}

#[test]
fn unusable_fonts_are_refused() {
    assert!(matches!(
        FontBytes::new(Vec::new()),
        Err(LabelError::Font { .. })
    ));
    assert!(matches!(
        FontBytes::new(b"OTTO not really a font".to_vec()),
        Err(LabelError::Font { .. })
    ));
    if let Some(font) = system_font() {
        // Face 99 of a collection (or of a single font) does not exist.
        assert!(FontBytes::with_index(font.data().to_vec(), 99).is_err());
    }
}

#[test]
fn odd_input_gives_a_sheet_or_a_typed_error_never_a_panic() {
    let Some(font) = system_font() else { return };
    let long_nbsp = "\u{A0}".repeat(300);
    let long_cjk = "長".repeat(200);
    let odd = [
        "",
        " ",
        "\u{0}\u{1F}\u{7F}",
        "😀",
        "e\u{301}",
        "مرحبا",
        "\u{202E}abc\u{200B}",
        "a\u{A0}\u{A0}\u{A0}b",
        long_nbsp.as_str(),
        "（（（（））））",
        "…",
        long_cjk.as_str(),
        "\n\n\n",
    ];
    for layout in &LAYOUTS {
        for text in odd {
            let label = Label {
                uri: if text.is_empty() {
                    "x".into()
                } else {
                    text.into()
                },
                name_zh: text.into(),
                name_en: text.into(),
                key_text: text.into(),
                certificate: Some(text.into()),
            };
            match labels::sheet_pdf(layout, &[label], &font) {
                Ok(pdf) => assert!(pdf.starts_with(b"%PDF-")),
                Err(error) => assert_eq!(error.label_index(), Some(0), "{error}"),
            }
        }
    }
}
