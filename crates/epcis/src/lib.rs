//! GS1 EPCIS 2.0 and CBV 2.0 for Retu: the event model, the JSON-LD and XML bindings,
//! validation, and the EPCIS Event Hash ID.
//!
//! This crate is pure: no I/O, no async, no `unsafe`, and no panics on any input. It reads
//! documents from text and reports what it finds as values.
//!
//! # What is where
//!
//! - [`parse_json`] and [`parse_xml`] read an `EPCISDocument`, an `EPCISQueryDocument` (or,
//!   in JSON, a single event) into the same [`Document`] model, keeping user extensions and
//!   anything of the wrong shape. [`parse`] picks the binding from the first character.
//! - [`Parsed::problems`] and [`validate`] report every problem, each with a JSON pointer into
//!   the submitted document (or an XML path) and a plain message: the GS1 JSON schema's
//!   constraints, implemented here (GS1's schema file is not redistributable), plus the rules
//!   the schema cannot express — GS1 key check digits (via the `gs1` crate), well-formed EPC
//!   URNs and Digital Links, `ilmd` only with `ADD`, sensor attributes in both metadata and
//!   report, time-zone offsets, units of measure.
//! - [`hash`]: the CBV 2.0 event hash ID, `ni:///sha-256;…?ver=CBV2.0`, matching GS1's
//!   reference implementation on every official vector, with the deviations listed in
//!   `docs/epcis.md`.
//! - [`cbv`]: the CBV vocabularies (bare word ↔ Web URI ↔ URN).
//! - [`canon`]: canonical forms of single values (timestamps, numbers, identifiers).
//!
//! # Example: a tea harvest
//!
//! ```
//! let doc = r#"{
//!   "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
//!                {"cbvmda": "urn:epcglobal:cbv:mda:"}],
//!   "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-05-01T09:00:00+08:00",
//!   "epcisBody": {"eventList": [{
//!     "type": "ObjectEvent", "eventTime": "2024-04-30T07:15:00+08:00",
//!     "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning",
//!     "quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.012345.TEA2404A",
//!                       "quantity": 120.5, "uom": "KGM"}],
//!     "ilmd": {"cbvmda:lotNumber": "TEA2404A"}}]}}"#;
//! let parsed = epcis::parse_json(doc)?;
//! assert!(parsed.validate().is_empty());
//! let hashes = epcis::hash::document_hashes(&parsed.document, Default::default());
//! assert!(hashes[0].starts_with("ni:///sha-256;"));
//! assert!(hashes[0].ends_with("?ver=CBV2.0"));
//! # Ok::<(), epcis::Error>(())
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Indexing and string slicing can panic on hostile input; use `get` on every input path.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]
#![warn(missing_docs)]

mod bind_json;
mod bind_xml;
pub mod canon;
pub mod cbv;
#[doc(hidden)]
pub mod fuzzing;
pub mod hash;
pub mod json;
pub mod model;
mod problem;
mod validate;
pub mod write_json;
pub mod write_xml;

pub use bind_json::parse_json;
pub use bind_xml::parse_xml;
pub use hash::{HashContext, HashOptions};
pub use model::*;
pub use problem::{Problem, ProblemKind, escape_token};
pub use validate::{is_rfc3339, is_time_zone_offset, is_uom, is_uri, validate};

/// Why a text could not be read as an EPCIS document at all. Everything short of this is a
/// [`Problem`] in [`Parsed::problems`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not JSON (RFC 8259): where and why.
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// Not well-formed XML: where and why.
    #[error("line {line}, column {column}: {message}")]
    Xml {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong.
        message: String,
    },
    /// Not UTF-8 text.
    #[error("not UTF-8 text (byte {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Neither JSON nor XML (the first non-blank character is neither `{`/`[` nor `<`).
    #[error("neither a JSON nor an XML document")]
    UnknownSyntax,
}

/// A document as read, with the problems the binding found.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The model.
    pub document: Document,
    /// Problems of shape found while reading (wrong JSON types, duplicate members, unknown
    /// XML elements). [`Parsed::validate`] adds the checks on values.
    pub problems: Vec<Problem>,
    /// Where each event sits in the source (JSON pointer or XML path), for messages.
    pub event_locations: Vec<String>,
}

impl Parsed {
    /// Every problem: those found while reading, then those of [`validate`], in document
    /// order per event.
    #[must_use]
    pub fn validate(&self) -> Vec<Problem> {
        let mut all = self.problems.clone();
        all.extend(validate::validate_at(&self.document, &self.event_locations));
        all
    }

    /// The problems outside the checks on each event's values: those found while reading
    /// (which may point into events) and those of the document's own fields. With
    /// [`Parsed::validate_event`] for every event this is [`Parsed::validate`], split so that a
    /// caller can check events in parallel.
    #[must_use]
    pub fn validate_document(&self) -> Vec<Problem> {
        let mut all = self.problems.clone();
        all.extend(validate::validate_document(&self.document));
        all
    }

    /// The checks on the values of the event at `position` (none if there is no such event).
    #[must_use]
    pub fn validate_event(&self, position: usize) -> Vec<Problem> {
        let location = self
            .event_locations
            .get(position)
            .map_or("", String::as_str);
        self.document
            .events
            .get(position)
            .map(|event| validate::validate_event(self.document.syntax, event, location))
            .unwrap_or_default()
    }

    /// The event hash IDs, in document order.
    #[must_use]
    pub fn hashes(&self, options: HashOptions) -> Vec<String> {
        hash::document_hashes(&self.document, options)
    }

    /// The pre-hash strings, in document order.
    #[must_use]
    pub fn prehashes(&self, options: HashOptions) -> Vec<String> {
        hash::document_prehashes(&self.document, options)
    }
}

/// Reads a document in either binding: XML if the first non-blank character is `<`, JSON if
/// it is `{` or `[`.
///
/// # Errors
/// See [`Error`].
pub fn parse(bytes: &[u8]) -> Result<Parsed, Error> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    match trimmed.as_bytes().first() {
        Some(b'<') => parse_xml(text.trim_start_matches('\u{feff}')),
        Some(b'{' | b'[') => parse_json(text),
        _ => Err(Error::UnknownSyntax),
    }
}
