//! The QR code of a URI: its module grid, as SVG and as PNG.

use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

use crate::error::{Field, LabelError};

/// The quiet zone around every code, in modules: the four ISO/IEC 18004 asks for, so that a
/// phone finds the code next to other ink.
pub const QUIET_ZONE: usize = 4;

/// The largest PNG scale [`qr_png`] accepts (a version 40 code at 40 pixels a module is about
/// 7,000 pixels across).
pub const MAX_PIXELS_PER_MODULE: u32 = 40;

/// A QR code's modules, without the quiet zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Modules across (and down), without the quiet zone: 21 for version 1, 177 for 40.
    #[must_use]
    pub fn width(&self) -> usize {
        self.width
    }

    /// Modules across with the quiet zone on both sides.
    #[must_use]
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// Whether the module at column `x`, row `y` (from the top left, quiet zone excluded) is
    /// dark; outside the code, `false`.
    #[must_use]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark.get(y * self.width + x) == Some(&true)
    }

    /// The horizontal runs of dark modules as `(x, y, length)`, row by row: what the SVG and
    /// the PDF draw, one rectangle per run.
    #[must_use]
    pub fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while self.is_dark(x, y) {
                    x += 1;
                }
                runs.push((start, y, x - start));
            }
        }
        runs
    }
}

/// The QR code of `uri` at error correction level M (15 % of the code may be smudged or
/// scratched), in the smallest version that holds it.
///
/// # Errors
/// [`LabelError::Empty`] for an empty URI, [`LabelError::TooLongForQr`] when no QR code holds
/// it.
pub fn qr_matrix(uri: &str) -> Result<QrMatrix, LabelError> {
    if uri.is_empty() {
        return Err(LabelError::Empty { field: Field::Uri });
    }
    // Version 40 at level M holds 2,331 bytes; anything longer is refused before encoding.
    if uri.len() > 2331 {
        return Err(LabelError::TooLongForQr { bytes: uri.len() });
    }
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
        .map_err(|_| LabelError::TooLongForQr { bytes: uri.len() })?;
    Ok(QrMatrix {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|color| color == Color::Dark)
            .collect(),
    })
}

/// The QR code of `uri` as a standalone SVG: one module per user unit (`viewBox` of the code
/// plus its quiet zone), a white background, and one path of horizontal runs of dark modules
/// with `shape-rendering="crispEdges"`, so it stays sharp at any size.
///
/// # Errors
/// As [`qr_matrix`].
pub fn qr_svg(uri: &str) -> Result<String, LabelError> {
    let matrix = qr_matrix(uri)?;
    let size = matrix.width_with_quiet_zone();
    let mut path = String::with_capacity(matrix.width() * matrix.width());
    for (x, y, length) in matrix.runs() {
        let _ = write!(
            path,
            "M{} {}h{length}v1h-{length}z",
            x + QUIET_ZONE,
            y + QUIET_ZONE
        );
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 {size} {size}\" \
         width=\"{size}\" height=\"{size}\" shape-rendering=\"crispEdges\">\
         <title>{}</title><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>\
         <path fill=\"#000\" d=\"{path}\"/></svg>\n",
        escape_xml(uri)
    ))
}

/// The QR code of `uri` as a black-and-white PNG (one bit a pixel), quiet zone included,
/// `pixels_per_module` pixels to a module.
///
/// # Errors
/// As [`qr_matrix`], and [`LabelError::PixelsPerModule`] outside 1 to
/// [`MAX_PIXELS_PER_MODULE`].
pub fn qr_png(uri: &str, pixels_per_module: u32) -> Result<Vec<u8>, LabelError> {
    if !(1..=MAX_PIXELS_PER_MODULE).contains(&pixels_per_module) {
        return Err(LabelError::PixelsPerModule {
            given: pixels_per_module,
            max: MAX_PIXELS_PER_MODULE,
        });
    }
    let matrix = qr_matrix(uri)?;
    let scale = pixels_per_module as usize;
    let side = matrix.width_with_quiet_zone() * scale;
    let side_u32 = u32::try_from(side).map_err(|_| LabelError::PixelsPerModule {
        given: pixels_per_module,
        max: MAX_PIXELS_PER_MODULE,
    })?;
    // One bit a pixel, 1 = white, rows padded to whole bytes.
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0u8; row_bytes * side];
    for py in 0..side {
        for px in 0..side {
            let (mx, my) = (px / scale, py / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && matrix.is_dark(mx - QUIET_ZONE, my - QUIET_ZONE);
            if !dark && let Some(byte) = pixels.get_mut(py * row_bytes + px / 8) {
                *byte |= 0x80 >> (px % 8);
            }
        }
    }
    let png_error = |e: png::EncodingError| LabelError::Png {
        reason: e.to_string(),
    };
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, side_u32, side_u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer.write_image_data(&pixels).map_err(png_error)?;
        writer.finish().map_err(png_error)?;
    }
    Ok(out)
}

/// `text` escaped for XML text.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // XML 1.0 allows no other control characters, not even escaped.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let matrix = qr_matrix("https://trace.county.example/01/06901234567892").expect("ok");
        let mut seen = vec![false; matrix.width() * matrix.width()];
        for (x, y, length) in matrix.runs() {
            for dx in 0..length {
                seen[y * matrix.width() + x + dx] = true;
            }
        }
        for y in 0..matrix.width() {
            for x in 0..matrix.width() {
                assert_eq!(seen[y * matrix.width() + x], matrix.is_dark(x, y));
            }
        }
        assert!(!matrix.is_dark(matrix.width(), 0));
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(qr_matrix(""), Err(LabelError::Empty { field: Field::Uri }));
        let huge = "x".repeat(5000);
        assert_eq!(qr_svg(&huge), Err(LabelError::TooLongForQr { bytes: 5000 }));
        assert!(matches!(
            qr_png("https://a.example/01/06901234567892", 0),
            Err(LabelError::PixelsPerModule { given: 0, .. })
        ));
        assert!(matches!(
            qr_png("https://a.example/01/06901234567892", 41),
            Err(LabelError::PixelsPerModule { given: 41, .. })
        ));
        let svg = qr_svg("a\u{1}<b>&\"").expect("encodes any bytes");
        assert!(svg.contains("<title>a\u{FFFD}&lt;b&gt;&amp;&quot;</title>"));
    }
}
