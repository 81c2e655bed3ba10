//! Printable labels for farm products: the QR code of an item's GS1 Digital Link URI as SVG or
//! PNG, and A4 sticker sheets as PDF.
//!
//! Each label of a sheet carries the QR code (error correction level M, a four-module quiet
//! zone, drawn as vector rectangles), the product's name in Chinese and English, the
//! human-readable key (`GTIN 06901234567892 · 批次 LOT-2026-04`) and, optionally, a
//! 承诺达标合格证 block with the certificate number. The QR code needs no second code for the
//! certificate: Retu's resolver makes the certificate the Digital Link's default link.
//!
//! This crate is pure: no I/O, clock or randomness. The font is passed in as bytes
//! ([`FontBytes`]; TrueType or CFF outlines, a `.ttc` collection's first face by default);
//! [`FONT_CANDIDATES`] lists where Debian's CJK font packages put theirs, for the caller to
//! look. Text is written with the font embedded as a subset of the glyphs used and a
//! `ToUnicode` map, so the sheet prints the same everywhere and its text can be searched and
//! copied. Text that does not fit its box is set smaller, then wrapped, then cut with an
//! ellipsis; it is never drawn outside its label. Every input error is a typed
//! [`LabelError`]; nothing panics.
//!
//! # What is where
//!
//! - [`qr_matrix`], [`qr_svg`], [`qr_png`]: the code of one URI.
//! - [`Layout`] and [`LAYOUTS`]: the sticker sheets and where each label and its code sit.
//! - [`sheet_pdf`]: the PDF of a list of [`Label`]s, as many pages as needed.
//! - [`Label::for_digital_link`]: a label from a Digital Link URI, checked by the `gs1` crate,
//!   with its key text from [`key_text`].

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Indexing and string slicing can panic on hostile input; use `get` on every input path.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]
#![warn(missing_docs)]

mod csv;
mod error;
mod font;
#[doc(hidden)]
pub mod fuzzing;
mod layout;
mod pdf;
mod qr;
mod text;

pub use csv::{CsvRecord, parse_csv};
pub use error::{Field, LabelError};
pub use font::{FONT_CANDIDATES, FontBytes, FontCandidate, INSTALL_HINT};
pub use layout::{LAYOUTS, Layout, MIN_MODULE_MM, RectMm};
pub use pdf::{MAX_LABELS, sheet_pdf};
pub use qr::{MAX_PIXELS_PER_MODULE, QUIET_ZONE, QrMatrix, qr_matrix, qr_png, qr_svg};

use gs1::DigitalLink;

/// The most characters a name, a key text or a certificate number may have. Longer text would
/// not fit any label anyway; the limit keeps a huge request from costing much.
pub const MAX_TEXT_CHARS: usize = 200;

/// The text printed in a label's certificate block, as the Measures name the slip.
pub const CERTIFICATE_TITLE: &str = "承诺达标合格证";

/// One label: what its QR code holds and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// What the QR code holds: the item's GS1 Digital Link URI.
    pub uri: String,
    /// The product's name in Chinese (`凌云白毫茶`).
    pub name_zh: String,
    /// The product's name in English (`Lingyun Baihao tea`); may be empty.
    pub name_en: String,
    /// The human-readable key (`GTIN 06901234567892 · 批次 LOT-2026-04`), see [`key_text`].
    pub key_text: String,
    /// A 承诺达标合格证 number (`HG-522634-20260401-0007P`): printed in a block titled
    /// [`CERTIFICATE_TITLE`].
    pub certificate: Option<String>,
}

impl Label {
    /// A label for a GS1 Digital Link URI. The URI is checked (check digits, qualifier order,
    /// data attributes) and written in its canonical form under its own host, which is what
    /// the code holds; the key text comes from [`key_text`].
    ///
    /// # Errors
    /// [`LabelError::Empty`] for an empty URI or when both names are empty,
    /// [`LabelError::NotDigitalLink`] for a URI the `gs1` crate refuses.
    pub fn for_digital_link(
        uri: &str,
        name_zh: &str,
        name_en: &str,
        certificate: Option<&str>,
    ) -> Result<Label, LabelError> {
        let uri = uri.trim();
        if uri.is_empty() {
            return Err(LabelError::Empty { field: Field::Uri });
        }
        if name_zh.trim().is_empty() && name_en.trim().is_empty() {
            return Err(LabelError::Empty {
                field: Field::NameZh,
            });
        }
        let link = DigitalLink::parse(uri).map_err(|source| LabelError::NotDigitalLink {
            message: source.to_string(),
        })?;
        Ok(Label {
            uri: link.to_string(),
            name_zh: name_zh.trim().to_owned(),
            name_en: name_en.trim().to_owned(),
            key_text: key_text(&link),
            certificate: certificate
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
        })
    }
}

/// The human-readable key of a Digital Link, as printed under the product name: the primary
/// key and its qualifiers, with the words a Chinese label uses (`GTIN 06901234567892 · 批次
/// LOT-2026-04 · 序列号 0042`; `SSCC 069012340000000016`), each word joined to its value by a
/// no-break space so a line never ends between them. Keys and qualifiers without a usual word
/// are written as `(AI) value`. Data attributes (dates, weights) are left out.
#[must_use]
pub fn key_text(link: &DigitalLink) -> String {
    std::iter::once(link.key_element())
        .chain(link.qualifiers())
        .map(|element| {
            let word = match element.code() {
                "01" => "GTIN",
                "00" => "SSCC",
                "414" => "GLN",
                "8003" => "GRAI",
                "8004" => "GIAI",
                "10" => "批次",
                "21" => "序列号",
                _ => "",
            };
            if word.is_empty() {
                format!("({}) {}", element.code(), element.value())
            } else {
                format!("{word}\u{A0}{}", element.value())
            }
        })
        .collect::<Vec<_>>()
        // The dot stays at the end of a line, never starts one.
        .join("\u{A0}· ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_takes_the_canonical_uri_and_its_key_text() {
        let label = Label::for_digital_link(
            " https://trace.county.example/01/6901234567892/10/LOT-2026-04 ",
            "凌云白毫茶",
            "Lingyun Baihao tea",
            Some("HG-522634-20260401-0007P"),
        )
        .expect("valid");
        assert_eq!(
            label.uri,
            "https://trace.county.example/01/06901234567892/10/LOT-2026-04"
        );
        assert_eq!(
            label.key_text,
            "GTIN\u{A0}06901234567892\u{A0}· 批次\u{A0}LOT-2026-04"
        );
        let sscc = DigitalLink::parse("https://a.example/00/069012340000000016").expect("sscc");
        assert_eq!(key_text(&sscc), "SSCC\u{A0}069012340000000016");
        let serial = DigitalLink::parse("https://a.example/01/06901234567892/21/42").expect("ok");
        assert_eq!(
            key_text(&serial),
            "GTIN\u{A0}06901234567892\u{A0}· 序列号\u{A0}42"
        );
    }

    #[test]
    fn a_wrong_check_digit_is_refused() {
        let error = Label::for_digital_link(
            "https://trace.county.example/01/06901234567893",
            "茶",
            "",
            None,
        )
        .expect_err("bad check digit");
        assert!(matches!(error, LabelError::NotDigitalLink { .. }));
        assert!(error.to_string().contains("check digit"), "{error}");
        assert_eq!(error.field(), Some(Field::Uri));
        assert!(matches!(
            Label::for_digital_link("", "茶", "", None),
            Err(LabelError::Empty { field: Field::Uri })
        ));
        assert!(matches!(
            Label::for_digital_link("https://a.example/01/06901234567892", " ", "", None),
            Err(LabelError::Empty {
                field: Field::NameZh
            })
        ));
    }
}
