//! The one error type of the crate.

use std::fmt;

/// A field of a [`crate::Label`], for errors that point at one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// [`crate::Label::uri`].
    Uri,
    /// [`crate::Label::name_zh`].
    NameZh,
    /// [`crate::Label::name_en`].
    NameEn,
    /// [`crate::Label::key_text`].
    KeyText,
    /// [`crate::Label::certificate`].
    Certificate,
}

impl Field {
    /// The field's name as the HTTP API and the CSV header spell it (`nameZh`).
    #[must_use]
    pub fn json_name(self) -> &'static str {
        match self {
            Field::Uri => "uri",
            Field::NameZh => "nameZh",
            Field::NameEn => "nameEn",
            Field::KeyText => "keyText",
            Field::Certificate => "certificate",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Uri => "URI",
            Field::NameZh => "Chinese name",
            Field::NameEn => "English name",
            Field::KeyText => "key text",
            Field::Certificate => "certificate number",
        })
    }
}

/// What went wrong making a code or a sheet.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LabelError {
    /// A field that must have text is empty.
    #[error("the {field} is empty")]
    Empty {
        /// The field.
        field: Field,
    },
    /// A text is longer than [`crate::MAX_TEXT_CHARS`].
    #[error("the {field} has {chars} characters; at most {max} fit on a label")]
    TooLong {
        /// The field.
        field: Field,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The URI is not a valid GS1 Digital Link (the `gs1` crate's message says why).
    #[error("not a valid GS1 Digital Link: {message}")]
    NotDigitalLink {
        /// What the `gs1` crate found.
        message: String,
    },
    /// The URI is too long for any QR code at error correction level M.
    #[error("the URI ({bytes} bytes) is too long for a QR code")]
    TooLongForQr {
        /// Its length in bytes.
        bytes: usize,
    },
    /// The code fits the layout only with modules smaller than phones read reliably.
    #[error(
        "the URI needs a {modules}-module QR code, whose modules would be {module_mm:.2} mm on \
         {layout} labels (at least {min_mm} mm are needed); use a shorter URI or a larger layout"
    )]
    CodeTooDense {
        /// The layout.
        layout: &'static str,
        /// Modules across, quiet zone included.
        modules: usize,
        /// The module size it would have.
        module_mm: f32,
        /// The smallest module printed ([`crate::MIN_MODULE_MM`]).
        min_mm: f32,
    },
    /// The font has no glyph for a character of the text.
    #[error("the font has no glyph for {character:?} (U+{code:04X}) in the {field}; use a font that has it", code = u32::from(*character))]
    MissingGlyph {
        /// The field.
        field: Field,
        /// The character.
        character: char,
    },
    /// A problem with one label of a sheet.
    #[error("label {} ({}): {source}", index + 1, source.field().map_or("", Field::json_name))]
    InLabel {
        /// The label's position in the list, from 0.
        index: usize,
        /// The problem.
        source: Box<LabelError>,
    },
    /// A sheet needs at least one label.
    #[error("there are no labels to print")]
    NoLabels,
    /// More labels than one document holds.
    #[error("{count} labels are more than the {max} one document holds; split them")]
    TooManyLabels {
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// No layout has this name.
    #[error("no label layout is called {name:?}; the layouts are {known}")]
    UnknownLayout {
        /// The name asked for.
        name: String,
        /// The names there are, comma separated.
        known: String,
    },
    /// The font cannot be used.
    #[error("the font cannot be used: {reason}")]
    Font {
        /// Why.
        reason: String,
    },
    /// A PNG size out of range.
    #[error("{given} pixels per module is not between 1 and {max}")]
    PixelsPerModule {
        /// What was asked for.
        given: u32,
        /// The largest allowed.
        max: u32,
    },
    /// The PNG encoder failed (it does not, for the images made here).
    #[error("encoding the PNG failed: {reason}")]
    Png {
        /// Why.
        reason: String,
    },
}

impl LabelError {
    /// The label field the error is about, if it is about one.
    #[must_use]
    pub fn field(&self) -> Option<Field> {
        match self {
            LabelError::Empty { field }
            | LabelError::TooLong { field, .. }
            | LabelError::MissingGlyph { field, .. } => Some(*field),
            LabelError::NotDigitalLink { .. }
            | LabelError::TooLongForQr { .. }
            | LabelError::CodeTooDense { .. } => Some(Field::Uri),
            LabelError::InLabel { source, .. } => source.field(),
            _ => None,
        }
    }

    /// The position (from 0) of the label the error is about, if it is about one.
    #[must_use]
    pub fn label_index(&self) -> Option<usize> {
        match self {
            LabelError::InLabel { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The problem itself, without the label it is in.
    #[must_use]
    pub fn innermost(&self) -> &LabelError {
        match self {
            LabelError::InLabel { source, .. } => source.innermost(),
            other => other,
        }
    }

    pub(crate) fn in_label(self, index: usize) -> LabelError {
        LabelError::InLabel {
            index,
            source: Box::new(self),
        }
    }
}
