//! A4 sticker sheets: the label size, where each label sits, and where its code and text go.
//!
//! Every length is in millimetres from the top left corner of the page (y grows downwards),
//! as sticker sheets are specified; the PDF writer turns them into points. Labels are filled
//! row by row: left to right, then top to bottom, as label software and printers' templates
//! do.
//!
//! Inside a label, the QR code (with its quiet zone) is a square at the left, as tall as the
//! label less its padding but never wider than 45 % of the label, centred vertically; the
//! text fills the rest, less the padding and a 1.5 mm gap after the code.

use crate::error::LabelError;
use crate::qr::QrMatrix;

/// The smallest QR module printed, in millimetres. Phones read 0.33 mm modules (13 mil) from
/// a label held at reading distance; smaller ones fail on worn print and cheap cameras, so a
/// code that would need them is refused rather than printed unreadable.
pub const MIN_MODULE_MM: f32 = 0.33;

/// The gap between the code and the text, in millimetres.
const CODE_TEXT_GAP_MM: f32 = 1.5;

/// The widest the code (with its quiet zone) may be, as a share of the label's width, so that
/// the text keeps room on large labels.
const CODE_MAX_SHARE: f32 = 0.45;

/// A rectangle on the page, in millimetres from its top left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RectMm {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// A sticker sheet.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Layout {
    /// Its name, as the CLI and the API take it (`a4-3x8`).
    pub name: &'static str,
    /// What it is, for help texts.
    pub description: &'static str,
    /// The page width (A4: 210 mm).
    pub page_width_mm: f32,
    /// The page height (A4: 297 mm).
    pub page_height_mm: f32,
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
    /// A label's width.
    pub label_width_mm: f32,
    /// A label's height.
    pub label_height_mm: f32,
    /// The left edge of the first column.
    pub left_mm: f32,
    /// The top edge of the first row.
    pub top_mm: f32,
    /// From one column's left edge to the next's (the label width plus the gap).
    pub pitch_x_mm: f32,
    /// From one row's top edge to the next's.
    pub pitch_y_mm: f32,
    /// The blank border kept inside each label: die-cutting and feeding are off by up to a
    /// millimetre, and sheets cut to the paper's edge need the printer's unprintable margin.
    pub padding_mm: f32,
}

/// The layouts: common A4 sheets sold by every office supplier under these sizes.
pub const LAYOUTS: [Layout; 5] = [
    Layout {
        name: "a4-3x8",
        description: "70 × 37 mm, 24 a sheet (3 × 8, no gaps, cut to the side edges), such as Avery 3474",
        page_width_mm: 210.0,
        page_height_mm: 297.0,
        columns: 3,
        rows: 8,
        label_width_mm: 70.0,
        label_height_mm: 37.0,
        left_mm: 0.0,
        top_mm: 0.5,
        pitch_x_mm: 70.0,
        pitch_y_mm: 37.0,
        // The outer labels touch the paper's edges: keep clear of a printer's 4 mm margin.
        padding_mm: 4.0,
    },
    Layout {
        name: "a4-2x7",
        description: "99.1 × 38.1 mm, 14 a sheet (2 × 7), such as Avery L7163",
        page_width_mm: 210.0,
        page_height_mm: 297.0,
        columns: 2,
        rows: 7,
        label_width_mm: 99.1,
        label_height_mm: 38.1,
        left_mm: 4.65,
        top_mm: 15.15,
        pitch_x_mm: 101.6,
        pitch_y_mm: 38.1,
        padding_mm: 2.5,
    },
    Layout {
        name: "a4-3x7",
        description: "63.5 × 38.1 mm, 21 a sheet (3 × 7), such as Avery L7160",
        page_width_mm: 210.0,
        page_height_mm: 297.0,
        columns: 3,
        rows: 7,
        label_width_mm: 63.5,
        label_height_mm: 38.1,
        left_mm: 7.21,
        top_mm: 15.15,
        pitch_x_mm: 66.04,
        pitch_y_mm: 38.1,
        padding_mm: 2.5,
    },
    Layout {
        name: "a4-4x10",
        description: "48.5 × 25.4 mm, 40 a sheet (4 × 10), such as Avery 3657",
        page_width_mm: 210.0,
        page_height_mm: 297.0,
        columns: 4,
        rows: 10,
        label_width_mm: 48.5,
        label_height_mm: 25.4,
        left_mm: 8.0,
        top_mm: 21.5,
        pitch_x_mm: 48.5,
        pitch_y_mm: 25.4,
        padding_mm: 1.5,
    },
    Layout {
        name: "a4-2x4",
        description: "99.1 × 67.7 mm, 8 a sheet (2 × 4), such as Avery L7165",
        page_width_mm: 210.0,
        page_height_mm: 297.0,
        columns: 2,
        rows: 4,
        label_width_mm: 99.1,
        label_height_mm: 67.7,
        left_mm: 4.65,
        top_mm: 13.1,
        pitch_x_mm: 101.6,
        pitch_y_mm: 67.7,
        padding_mm: 3.0,
    },
];

impl Layout {
    /// The layout called `name`.
    ///
    /// # Errors
    /// [`LabelError::UnknownLayout`], listing the names there are.
    pub fn find(name: &str) -> Result<&'static Layout, LabelError> {
        LAYOUTS
            .iter()
            .find(|layout| layout.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| LabelError::UnknownLayout {
                name: name.chars().take(40).collect(),
                known: Self::names().join(", "),
            })
    }

    /// The names of all layouts.
    #[must_use]
    pub fn names() -> Vec<&'static str> {
        LAYOUTS.iter().map(|layout| layout.name).collect()
    }

    /// Labels a page holds.
    #[must_use]
    pub fn per_page(&self) -> usize {
        self.columns * self.rows
    }

    /// The page (from 0) and the place on it (from 0, row by row) of the label at `index`.
    #[must_use]
    pub fn place(&self, index: usize) -> (usize, usize) {
        let per_page = self.per_page().max(1);
        (index / per_page, index % per_page)
    }

    /// The label at place `slot` of a page.
    #[must_use]
    pub fn label_rect(&self, slot: usize) -> RectMm {
        let columns = self.columns.max(1);
        let (column, row) = (slot % columns, slot / columns);
        RectMm {
            x: self.left_mm + column as f32 * self.pitch_x_mm,
            y: self.top_mm + row as f32 * self.pitch_y_mm,
            width: self.label_width_mm,
            height: self.label_height_mm,
        }
    }

    /// The side of the square the code and its quiet zone take.
    fn code_side(&self) -> f32 {
        let tall = self.label_height_mm - 2.0 * self.padding_mm;
        let wide = self.label_width_mm * CODE_MAX_SHARE - self.padding_mm;
        tall.min(wide).max(0.0)
    }

    /// The square of the code of the label at `slot`, quiet zone included.
    #[must_use]
    pub fn qr_rect(&self, slot: usize) -> RectMm {
        let label = self.label_rect(slot);
        let side = self.code_side();
        RectMm {
            x: label.x + self.padding_mm,
            y: label.y + (label.height - side) / 2.0,
            width: side,
            height: side,
        }
    }

    /// The box the text of the label at `slot` is set in.
    #[must_use]
    pub fn text_rect(&self, slot: usize) -> RectMm {
        let label = self.label_rect(slot);
        let x = self.padding_mm + self.code_side() + CODE_TEXT_GAP_MM;
        RectMm {
            x: label.x + x,
            y: label.y + self.padding_mm,
            width: (label.width - x - self.padding_mm).max(0.0),
            height: (label.height - 2.0 * self.padding_mm).max(0.0),
        }
    }

    /// The size of one module of `matrix` on this layout's labels.
    #[must_use]
    pub fn module_mm(&self, matrix: &QrMatrix) -> f32 {
        self.code_side() / matrix.width_with_quiet_zone() as f32
    }

    /// Checks that `matrix` prints with modules of at least [`MIN_MODULE_MM`].
    ///
    /// # Errors
    /// [`LabelError::CodeTooDense`].
    pub fn check_density(&self, matrix: &QrMatrix) -> Result<(), LabelError> {
        let module_mm = self.module_mm(matrix);
        if module_mm < MIN_MODULE_MM {
            return Err(LabelError::CodeTooDense {
                layout: self.name,
                modules: matrix.width_with_quiet_zone(),
                module_mm,
                min_mm: MIN_MODULE_MM,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(inner: RectMm, outer: RectMm) -> bool {
        let e = 1e-3;
        inner.x >= outer.x - e
            && inner.y >= outer.y - e
            && inner.x + inner.width <= outer.x + outer.width + e
            && inner.y + inner.height <= outer.y + outer.height + e
    }

    #[test]
    fn every_label_is_on_the_page_and_none_overlap() {
        for layout in &LAYOUTS {
            let page = RectMm {
                x: 0.0,
                y: 0.0,
                width: layout.page_width_mm,
                height: layout.page_height_mm,
            };
            assert!(
                layout.pitch_x_mm >= layout.label_width_mm,
                "{}",
                layout.name
            );
            assert!(
                layout.pitch_y_mm >= layout.label_height_mm,
                "{}",
                layout.name
            );
            for slot in 0..layout.per_page() {
                let label = layout.label_rect(slot);
                assert!(inside(label, page), "{} slot {slot}", layout.name);
                assert!(inside(layout.qr_rect(slot), label), "{}", layout.name);
                assert!(inside(layout.text_rect(slot), label), "{}", layout.name);
                let (qr, text) = (layout.qr_rect(slot), layout.text_rect(slot));
                assert!(
                    qr.x + qr.width < text.x,
                    "{}: code and text overlap",
                    layout.name
                );
                assert!(text.width > 15.0, "{}: text column too narrow", layout.name);
            }
            // The sheet is symmetric: the margins left and right (top and bottom) agree.
            let last = layout.label_rect(layout.per_page() - 1);
            let right = layout.page_width_mm - (last.x + last.width);
            let bottom = layout.page_height_mm - (last.y + last.height);
            assert!((right - layout.left_mm).abs() < 0.1, "{}", layout.name);
            assert!((bottom - layout.top_mm).abs() < 0.1, "{}", layout.name);
        }
    }

    #[test]
    fn places_fill_rows_then_pages() {
        let layout = Layout::find("A4-3x8").expect("known");
        assert_eq!(layout.per_page(), 24);
        assert_eq!(layout.place(0), (0, 0));
        assert_eq!(layout.place(23), (0, 23));
        assert_eq!(layout.place(24), (1, 0));
        assert_eq!(layout.label_rect(1).x, 70.0);
        assert_eq!(layout.label_rect(3).y, 37.5);
        let error = Layout::find("a5").expect_err("unknown");
        assert!(error.to_string().contains("a4-2x7"), "{error}");
    }

    #[test]
    fn a_typical_uri_prints_on_every_layout() {
        let matrix = crate::qr_matrix(
            "https://trace.county.example/01/06901234567892/10/LOT-2026-04/21/000123",
        )
        .expect("ok");
        for layout in &LAYOUTS {
            layout.check_density(&matrix).expect(layout.name);
        }
        let long = crate::qr_matrix(&format!(
            "https://a.example/01/06901234567892/21/{}",
            "9".repeat(400)
        ))
        .expect("ok");
        assert!(matches!(
            LAYOUTS[3].check_density(&long),
            Err(LabelError::CodeTooDense { .. })
        ));
    }
}
