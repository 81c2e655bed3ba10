//! The font labels are set in: bytes the caller read, checked once, measured and subset here.

use std::sync::Arc;

use ttf_parser::{Face, GlyphId};

use crate::error::LabelError;

/// A font file that Debian (or another system) installs, and the package that brings it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FontCandidate {
    /// Where the file is.
    pub path: &'static str,
    /// What installs it (`fonts-wqy-microhei`).
    pub package: &'static str,
}

/// Where to look for a font with Chinese glyphs when none is named, in order of preference:
/// fonts with TrueType outlines first (their subsets are the smallest), then CFF ones.
pub const FONT_CANDIDATES: [FontCandidate; 10] = [
    FontCandidate {
        path: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        package: "fonts-wqy-microhei",
    },
    FontCandidate {
        path: "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        package: "fonts-wqy-zenhei",
    },
    FontCandidate {
        path: "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        package: "fonts-noto-cjk",
    },
    FontCandidate {
        path: "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        package: "fonts-droid-fallback",
    },
    FontCandidate {
        path: "/usr/share/fonts/truetype/arphic/uming.ttc",
        package: "fonts-arphic-uming",
    },
    FontCandidate {
        path: "/usr/share/fonts/truetype/arphic/ukai.ttc",
        package: "fonts-arphic-ukai",
    },
    FontCandidate {
        path: "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
        package: "fonts-arphic-gbsn00lp",
    },
    // Fedora and Arch put Noto CJK here.
    FontCandidate {
        path: "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
        package: "google-noto-sans-cjk-fonts",
    },
    FontCandidate {
        path: "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
        package: "noto-fonts-cjk",
    },
    FontCandidate {
        path: "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
        package: "wqy-microhei",
    },
];

/// What to tell someone who has no usable font.
pub const INSTALL_HINT: &str = "install a font with Chinese glyphs (Debian: `apt-get install fonts-wqy-microhei`) or name one with --font FILE (retu labels), --label-font FILE (retu serve) or RETU_LABEL_FONT";

/// Characters every label may print (the certificate block's title and the words of the key
/// text): a font without them cannot set a label.
const REQUIRED: &str = "承诺达标合格证批次序列号GTINSC0123456789";

/// A font file's bytes and the face of it to use (0 for a single font; the first face of a
/// `.ttc` collection by default). Checked when made: it parses, has TrueType or CFF outlines,
/// and has the glyphs a label always needs.
#[derive(Clone, Debug)]
pub struct FontBytes {
    data: Arc<[u8]>,
    index: u32,
}

impl FontBytes {
    /// The first face of a font file (`.ttf`, `.otf`, `.ttc`, `.otc`).
    ///
    /// # Errors
    /// [`LabelError::Font`] saying why it cannot be used.
    pub fn new(data: impl Into<Arc<[u8]>>) -> Result<FontBytes, LabelError> {
        Self::with_index(data, 0)
    }

    /// Face `index` of a font collection.
    ///
    /// # Errors
    /// [`LabelError::Font`] saying why it cannot be used.
    pub fn with_index(data: impl Into<Arc<[u8]>>, index: u32) -> Result<FontBytes, LabelError> {
        let font = FontBytes {
            data: data.into(),
            index,
        };
        let face = font.face()?;
        let tables = face.tables();
        if tables.glyf.is_none() && tables.cff.is_none() {
            return Err(LabelError::Font {
                reason: "it has neither TrueType nor CFF outlines (CFF2 and bitmap fonts are not supported)".into(),
            });
        }
        if face.units_per_em() == 0 {
            return Err(LabelError::Font {
                reason: "its units per em are 0".into(),
            });
        }
        if let Some(missing) = REQUIRED.chars().find(|&c| face.glyph_index(c).is_none()) {
            return Err(LabelError::Font {
                reason: format!(
                    "it has no glyph for {missing:?}; a label needs Chinese glyphs ({INSTALL_HINT})"
                ),
            });
        }
        Ok(font)
    }

    /// The bytes.
    #[must_use]
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The face index.
    #[must_use]
    pub fn index(&self) -> u32 {
        self.index
    }

    pub(crate) fn face(&self) -> Result<Face<'_>, LabelError> {
        Face::parse(&self.data, self.index).map_err(|e| LabelError::Font {
            reason: format!("it does not parse as OpenType face {}: {e}", self.index),
        })
    }
}

/// A parsed face with what text setting needs.
pub(crate) struct Metrics<'a> {
    pub(crate) face: Face<'a>,
    units_per_em: f32,
}

impl<'a> Metrics<'a> {
    pub(crate) fn new(font: &'a FontBytes) -> Result<Metrics<'a>, LabelError> {
        let face = font.face()?;
        let units_per_em = f32::from(face.units_per_em().max(1));
        Ok(Metrics { face, units_per_em })
    }

    /// The glyph of `c`, if the font has one.
    pub(crate) fn glyph(&self, c: char) -> Option<GlyphId> {
        let c = if c == crate::text::NO_BREAK_SPACE && self.face.glyph_index(c).is_none() {
            ' '
        } else {
            c
        };
        self.face.glyph_index(c).filter(|g| g.0 != 0)
    }

    /// A glyph's advance in ems.
    pub(crate) fn advance(&self, glyph: GlyphId) -> f32 {
        f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0)) / self.units_per_em
    }

    /// A font-unit value in thousandths of an em, as PDF font dictionaries want them.
    pub(crate) fn to_pdf_units(&self, value: f32) -> f32 {
        value * 1000.0 / self.units_per_em
    }

    /// The ascender in ems (how far glyphs reach above the baseline).
    pub(crate) fn ascent(&self) -> f32 {
        f32::from(self.face.ascender()) / self.units_per_em
    }

    /// The descender in ems, positive (how far glyphs reach below the baseline).
    pub(crate) fn descent(&self) -> f32 {
        -f32::from(self.face.descender()) / self.units_per_em
    }
}

impl crate::text::Measure for Metrics<'_> {
    fn width(&self, c: char) -> Option<f32> {
        self.glyph(c).map(|g| self.advance(g))
    }
}
