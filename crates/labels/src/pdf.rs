//! A4 label sheets as PDF: codes as vector rectangles, text in the embedded font subset.
//!
//! The document is deterministic (no dates, no random IDs): the same labels, layout and font
//! give the same bytes. The font is written as a Type 0 font with `Identity-H` encoding over
//! a CID font whose CIDs are the glyph IDs of the subset (TrueType outlines: `FontFile2`;
//! CFF: `FontFile3`/`CIDFontType0C`), with a `ToUnicode` map from those glyphs back to the
//! characters, so the text can be searched and copied.

use std::collections::BTreeMap;
use std::io::Write as _;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use subsetter::GlyphRemapper;

use crate::error::{Field, LabelError};
use crate::font::{FontBytes, Metrics};
use crate::layout::{Layout, RectMm};
use crate::qr::{QUIET_ZONE, QrMatrix, qr_matrix};
use crate::text::{self, Block, LINE_HEIGHT, SetBlock};
use crate::{CERTIFICATE_TITLE, Label};

/// The most labels one document holds (417 pages of the densest layout).
pub const MAX_LABELS: usize = 10_000;

/// Points in a millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// The font's resource name on every page.
const FONT_RESOURCE: Name<'static> = Name(b"F1");

/// The frame around the certificate block: its line width and the space inside it, points.
const FRAME_LINE: f32 = 0.5;
const FRAME_INSET: f32 = 1.5;

/// A label ready to draw.
struct Prepared {
    matrix: QrMatrix,
    /// The blocks above the certificate, top down.
    blocks: Vec<SetBlock>,
    /// The certificate block, set at the bottom of the text box.
    certificate: Option<SetBlock>,
}

/// The PDF of `labels` on `layout` sheets, set in `font`: as many pages as it takes, filled row
/// by row.
///
/// # Errors
/// [`LabelError::NoLabels`], [`LabelError::TooManyLabels`] (more than [`MAX_LABELS`]),
/// [`LabelError::Font`] when the font cannot be read or subset, and for a label's own problems
/// [`LabelError::InLabel`] with its position and what is wrong: an empty URI, one too long for
/// a QR code or for the layout ([`LabelError::CodeTooDense`]), a text too long or with a
/// character the font lacks.
pub fn sheet_pdf(
    layout: &Layout,
    labels: &[Label],
    font: &FontBytes,
) -> Result<Vec<u8>, LabelError> {
    if labels.is_empty() {
        return Err(LabelError::NoLabels);
    }
    if labels.len() > MAX_LABELS {
        return Err(LabelError::TooManyLabels {
            count: labels.len(),
            max: MAX_LABELS,
        });
    }
    let metrics = Metrics::new(font)?;
    let line_height = LINE_HEIGHT.max(metrics.ascent() + metrics.descent());
    let text_box = layout.text_rect(0);
    let prepared = labels
        .iter()
        .enumerate()
        .map(|(index, label)| {
            prepare(layout, label, &metrics, line_height, text_box).map_err(|e| e.in_label(index))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut writer = Writer::new(&metrics, line_height);
    let pages = labels.len().div_ceil(layout.per_page().max(1));
    let mut next = Ref::new(1);
    let mut alloc = || next.bump();
    let catalog = alloc();
    let page_tree = alloc();
    let info = alloc();
    let type0 = alloc();
    let cid_font = alloc();
    let descriptor = alloc();
    let font_file = alloc();
    let to_unicode = alloc();
    let page_refs: Vec<(Ref, Ref)> = (0..pages).map(|_| (alloc(), alloc())).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(page_tree);
    pdf.document_info(info)
        .title(TextStr("Retu labels"))
        .creator(TextStr("Retu"))
        .producer(TextStr("Retu labels (pdf-writer)"));
    pdf.pages(page_tree)
        .kids(page_refs.iter().map(|(page, _)| *page))
        .count(i32::try_from(pages).unwrap_or(i32::MAX));
    let media = Rect::new(
        0.0,
        0.0,
        layout.page_width_mm * PT_PER_MM,
        layout.page_height_mm * PT_PER_MM,
    );
    for (page_index, (page_ref, content_ref)) in page_refs.iter().enumerate() {
        let mut content = Content::new();
        let first = page_index * layout.per_page();
        for (slot, label) in prepared
            .iter()
            .skip(first)
            .take(layout.per_page())
            .enumerate()
        {
            writer.draw(&mut content, layout, slot, label);
        }
        let mut page = pdf.page(*page_ref);
        page.media_box(media)
            .parent(page_tree)
            .contents(*content_ref);
        page.resources().fonts().pair(FONT_RESOURCE, type0);
        page.finish();
        pdf.stream(*content_ref, &deflate(&content.finish()))
            .filter(Filter::FlateDecode);
    }
    writer.write_font(
        &mut pdf,
        font,
        FontRefs {
            type0,
            cid_font,
            descriptor,
            font_file,
            to_unicode,
        },
    )?;
    Ok(pdf.finish())
}

/// Checks a label and sets its text.
fn prepare(
    layout: &Layout,
    label: &Label,
    metrics: &Metrics<'_>,
    line_height: f32,
    text_box: RectMm,
) -> Result<Prepared, LabelError> {
    let matrix = qr_matrix(&label.uri)?;
    layout.check_density(&matrix)?;

    let name_zh = text::clean(&label.name_zh);
    let name_en = text::clean(&label.name_en);
    let key = text::clean(&label.key_text);
    let certificate = label.certificate.as_deref().map(text::clean);
    for (text, field) in [
        (&name_zh, Field::NameZh),
        (&name_en, Field::NameEn),
        (&key, Field::KeyText),
    ] {
        text::check(text, field, metrics)?;
    }
    if let Some(number) = &certificate {
        text::check(number, Field::Certificate, metrics)?;
    }

    let width = text_box.width * PT_PER_MM;
    let height = text_box.height * PT_PER_MM;
    let block = |text: &str, max_pt: f32, min_pt: f32, max_lines: usize| Block {
        text: text.to_owned(),
        max_pt,
        min_pt,
        max_lines,
        inset_pt: 0.0,
    };
    let mut blocks = vec![
        block(&name_zh, 11.0, 6.0, 2),
        block(&name_en, 8.0, 5.0, 2),
        block(&key, 7.0, 4.5, 3),
    ];
    if let Some(number) = certificate.as_deref().filter(|n| !n.is_empty()) {
        blocks.push(Block {
            inset_pt: FRAME_INSET,
            ..block(&format!("{CERTIFICATE_TITLE}\n{number}"), 7.0, 4.5, 3)
        });
    }
    let has_certificate = blocks.len() == 4;
    let mut set = text::fit(&blocks, width, height, line_height, metrics);
    let certificate = if has_certificate { set.pop() } else { None };
    Ok(Prepared {
        matrix,
        blocks: set,
        certificate: certificate.filter(|c| !c.lines.is_empty()),
    })
}

/// The object numbers of the font's parts.
struct FontRefs {
    type0: Ref,
    cid_font: Ref,
    descriptor: Ref,
    font_file: Ref,
    to_unicode: Ref,
}

/// Draws labels and keeps track of the glyphs they use.
struct Writer<'m, 'f> {
    metrics: &'m Metrics<'f>,
    line_height: f32,
    remapper: GlyphRemapper,
    /// New glyph ID → the character it was first drawn for.
    unicode: BTreeMap<u16, char>,
}

impl<'m, 'f> Writer<'m, 'f> {
    fn new(metrics: &'m Metrics<'f>, line_height: f32) -> Self {
        Writer {
            metrics,
            line_height,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
        }
    }

    /// `text` as the two-byte CIDs of the subset.
    fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let Some(glyph) = self.metrics.glyph(c) else {
                continue;
            };
            let cid = self.remapper.remap(glyph.0);
            self.unicode.entry(cid).or_insert(c);
            bytes.extend_from_slice(&cid.to_be_bytes());
        }
        bytes
    }

    fn draw(&mut self, content: &mut Content, layout: &Layout, slot: usize, label: &Prepared) {
        let page_height = layout.page_height_mm * PT_PER_MM;
        // The code: one path of rectangles (the dark runs), filled at once so that no seams
        // show between neighbouring modules.
        let qr = layout.qr_rect(slot);
        let module = qr.width * PT_PER_MM / label.matrix.width_with_quiet_zone() as f32;
        let left = qr.x * PT_PER_MM + QUIET_ZONE as f32 * module;
        let top = page_height - (qr.y * PT_PER_MM + QUIET_ZONE as f32 * module);
        content.save_state();
        content.set_fill_gray(0.0);
        for (x, y, length) in label.matrix.runs() {
            content.rect(
                left + x as f32 * module,
                top - (y + 1) as f32 * module,
                length as f32 * module,
                module,
            );
        }
        content.fill_nonzero();

        // The text, top down, with the certificate block at the bottom of the box.
        let text_box = layout.text_rect(slot);
        let x = text_box.x * PT_PER_MM;
        let box_top = text_box.y * PT_PER_MM;
        let box_bottom = box_top + text_box.height * PT_PER_MM;
        let mut y = box_top;
        let mut first = true;
        for block in label.blocks.iter().filter(|b| !b.lines.is_empty()) {
            if !first {
                y += block.spacing();
            }
            first = false;
            self.lines(content, page_height, x, y, block);
            y += block.height(self.line_height);
        }
        if let Some(block) = &label.certificate {
            let height = block.height(self.line_height);
            let top = box_bottom - height;
            let widest = block
                .lines
                .iter()
                .map(|line| text::text_width(line, block.size, self.metrics))
                .fold(0.0_f32, f32::max);
            let half = FRAME_LINE / 2.0;
            content.set_line_width(FRAME_LINE);
            content.set_stroke_gray(0.0);
            // The frame's line is drawn inside the block, so it stays in the text box.
            content.rect(
                x + half,
                page_height - (top + height) + half,
                widest + 2.0 * block.inset_pt - FRAME_LINE,
                height - FRAME_LINE,
            );
            content.stroke();
            self.lines(
                content,
                page_height,
                x + block.inset_pt,
                top + block.inset_pt,
                block,
            );
        }
        content.restore_state();
    }

    /// The lines of a block, the first line's top at `top` points from the page's top.
    fn lines(
        &mut self,
        content: &mut Content,
        page_height: f32,
        x: f32,
        top: f32,
        block: &SetBlock,
    ) {
        let (ascent, descent) = (self.metrics.ascent(), self.metrics.descent());
        let lead = block.size * self.line_height;
        // Centre the glyphs' ascent-to-descent span in each line.
        let baseline = block.size * ((self.line_height - ascent - descent) / 2.0 + ascent);
        content.begin_text();
        content.set_font(FONT_RESOURCE, block.size);
        for (i, line) in block.lines.iter().enumerate() {
            let y = page_height - (top + i as f32 * lead + baseline);
            let bytes = self.encode(line);
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
            content.show(Str(&bytes));
        }
        content.end_text();
    }

    /// Writes the font: the subset, its widths, descriptor and `ToUnicode` map.
    fn write_font(self, pdf: &mut Pdf, font: &FontBytes, refs: FontRefs) -> Result<(), LabelError> {
        let metrics = self.metrics;
        let face = &metrics.face;
        let subset = subsetter::subset(font.data(), font.index(), &self.remapper).map_err(|e| {
            LabelError::Font {
                reason: format!("subsetting it failed: {e}"),
            }
        })?;
        let cff = face.tables().glyf.is_none() && face.tables().cff.is_some();
        let program = if cff {
            ttf_parser::RawFace::parse(&subset, 0)
                .ok()
                .and_then(|raw| raw.table(ttf_parser::Tag::from_bytes(b"CFF ")))
                .map(<[u8]>::to_vec)
                .ok_or_else(|| LabelError::Font {
                    reason: "its subset has no CFF table".into(),
                })?
        } else {
            subset
        };

        // The base font name: a tag naming this subset, then the PostScript name.
        let glyphs: Vec<u16> = self.remapper.remapped_gids().collect();
        let base_name = format!("{}+{}", subset_tag(&glyphs), postscript_name(face));
        let base_name = Name(base_name.as_bytes());
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(refs.type0)
            .base_font(base_name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid_font)
            .to_unicode(refs.to_unicode);

        let widths: Vec<f32> = glyphs
            .iter()
            .map(|&old| {
                metrics.to_pdf_units(f32::from(
                    face.glyph_hor_advance(ttf_parser::GlyphId(old))
                        .unwrap_or(0),
                ))
            })
            .collect();
        let mut cid = pdf.cid_font(refs.cid_font);
        cid.subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(base_name)
        .system_info(system_info)
        .font_descriptor(refs.descriptor)
        .default_width(0.0);
        if !cff {
            cid.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        cid.widths().consecutive(0, widths);
        cid.finish();

        let bbox = face.global_bounding_box();
        let units = |v: i16| metrics.to_pdf_units(f32::from(v));
        let ascent = units(face.ascender());
        let descent = units(face.descender());
        let mut descriptor = pdf.font_descriptor(refs.descriptor);
        descriptor
            .name(base_name)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                units(bbox.x_min),
                units(bbox.y_min),
                units(bbox.x_max),
                units(bbox.y_max),
            ))
            .italic_angle(face.italic_angle())
            .ascent(ascent)
            .descent(descent)
            .cap_height(face.capital_height().map_or(ascent, units))
            .stem_v(80.0);
        if cff {
            descriptor.font_file3(refs.font_file);
        } else {
            descriptor.font_file2(refs.font_file);
        }
        descriptor.finish();

        let compressed = deflate(&program);
        let mut file = pdf.stream(refs.font_file, &compressed);
        file.filter(Filter::FlateDecode);
        if cff {
            file.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
        }
        file.finish();

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (&glyph, &c) in &self.unicode {
            cmap.pair(glyph, c);
        }
        pdf.cmap(refs.to_unicode, &deflate(&cmap.finish()))
            .filter(Filter::FlateDecode);
        Ok(())
    }
}

/// Six capital letters naming a subset (PDF 32000-1 §9.6.4), from its glyphs.
fn subset_tag(glyphs: &[u16]) -> String {
    // FNV-1a: any stable hash will do; the tag only has to differ between subsets.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for glyph in glyphs {
        for byte in glyph.to_be_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
        .collect()
}

/// The font's PostScript name, reduced to the characters a PDF name may hold unescaped.
fn postscript_name(face: &ttf_parser::Face<'_>) -> String {
    let name: String = face
        .names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(60)
        .collect();
    if name.is_empty() {
        "RetuLabelFont".to_owned()
    } else {
        name
    }
}

/// `data` compressed with zlib (the PDF `FlateDecode` filter).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2),
        flate2::Compression::best(),
    );
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}
