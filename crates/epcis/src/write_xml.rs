//! The XML binding in the other direction: events of the [`crate::model`] written as elements of
//! the EPCIS 2.0 XSD (`EPCglobal-epcis-2_0.xsd`), and whole `EPCISDocument`s and
//! `epcisq:EPCISQueryDocument`s (`EPCglobal-epcis-query-2_0.xsd`) around them.
//!
//! The repository stores every event as standalone JSON-LD and answers queries in XML when a
//! client asks for `application/xml`, so the XML must keep the event hash: reading a written
//! event back with [`crate::parse_xml`] gives the hash ID of the original. Two things make that
//! more than a change of syntax, because the reference hash reads the two bindings differently:
//!
//! - **Values.** In JSON the hash replaces a bare CBV word by its Web URI (and any string equal
//!   to the last segment of a vocabulary IRI of the event), and expands CURIEs whose prefix is
//!   declared inline in `@context`; in XML it expands only values starting with `gs1:` or
//!   `cbv:`. So a JSON-read value is written the way the JSON hash sees it (`example:x` with an
//!   inline `example` becomes its IRI, `shipping` becomes `urn:epcglobal:cbv:bizstep:shipping`,
//!   which the hash canonicalises to the same Web URI), and a JSON value that starts with
//!   `gs1:`/`cbv:` (which JSON leaves alone and XML would expand) is written in an attribute
//!   with one leading space, which the XML hash does not expand and then trims. In element
//!   content that is impossible (the reader trims before the hash looks), so it is a
//!   limitation.
//! - **Names.** The JSON hash names an extension `{IRI}local` only when its prefix is declared
//!   inline; an XML element always has `{namespace}local`. So JSON extensions are written from
//!   the tree the JSON hash builds (arrays repeat the element, `…List` members are regrouped as
//!   the hash regroups them), and a name whose prefix only the remote EPCIS context declares
//!   (`cbvmda:lotNumber`) is written with its namespace — right in meaning, but a different
//!   hash, so it is a limitation.
//!
//! Whatever cannot be written without changing the hash is named by [`xml_limitation`] (for a
//! stored, standalone JSON-LD event) or [`xml_limitation_in`] (for an event of any document);
//! the writer still writes such events, as close as XML allows. Characters that XML 1.0 cannot
//! carry are never written: they become U+FFFD and are reported the same way.
//!
//! Standard elements are unqualified and in the XSD's order for each event type (fields that
//! an event type does not have follow its own fields, so an invalid event keeps everything it
//! says); extension event types go inside the `EventList`'s `<extension>`; user extensions come
//! after the standard fields, each event declaring the namespaces it uses on its own element.
//! Where the 2.0 XSD has no place for something the model can hold (several
//! `certificationInfo`, extensions of a quantity element, of a persistent disposition or child
//! elements of a sensor report), it is written where the reader finds it, and the document is
//! then not valid against the XSD — as the event was not valid to begin with.

use std::borrow::{Borrow, Cow};

use crate::canon::py_strip;
use crate::cbv::{CONTEXT_PREFIXES, Vocabulary};
use crate::hash::{El, InlinePrefixes, Item, JsonValueView, json_extension_nodes, prefix_of};
use crate::model::{
    BizTransaction, Context, Document, Event, EventType, ExtValue, Extension, Literal, Location,
    Name, OneOrMany, QuantityElement, SensorFields, SourceDest, Syntax,
};

/// The namespace of `EPCISDocument` (EPCIS 2.0 XSD).
pub const EPCIS_NAMESPACE: &str = "urn:epcglobal:epcis:xsd:2";
/// The namespace of `EPCISQueryDocument` and `QueryResults` (EPCIS 2.0 query XSD).
pub const EPCIS_QUERY_NAMESPACE: &str = "urn:epcglobal:epcis-query:xsd:2";
const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Deepest extension nesting written; the XML reader skips content below 128 levels.
const MAX_DEPTH: usize = 120;

const ILLEGAL_CHARACTER: &str =
    "a value or name contains a character that XML 1.0 cannot carry (written as U+FFFD)";
const REMOTE_PREFIX: &str = "a JSON-LD extension name uses a prefix that only the remote EPCIS context declares (such as cbvmda:), which the JSON hash keeps as written while an XML name always has its namespace";
const NOT_A_NAME: &str = "a member name is not an XML name (an absolute IRI, an empty name or characters XML names cannot have)";
const CURIE_VALUE: &str = "an element value starts with gs1: or cbv:, which the XML hash expands and the JSON hash does not";
const NESTED_ARRAY: &str = "a JSON array directly inside an array has no XML form";
const EVENT_TYPE: &str = "the event type is missing, or is an extension type that the JSON hash reads as an IRI and XML as an element name";
const STANDARD_NAME: &str = "an unqualified member has the name of a standard field (or of an <extension> wrapper) where the XML reader would take it as that";
const NO_IDENTIFIER: &str =
    "a business transaction, source or destination without its identifier, which XML always has";
const PAIR_SHAPE: &str = "a business transaction, source or destination has a member that cannot be an XML attribute, or a member list shaped like one";
const TOO_DEEP: &str = "extensions nested more deeply than the XML reader follows";
const NOT_XML_SHAPE: &str =
    "a JSON-shaped value (array or object) in an event read from XML, which no reader produces";

/// One reason an event of a query or document could not be written without changing its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limitation {
    /// The event's position among all events written (`None` for the document's own header,
    /// such as a creation date with a character XML cannot carry).
    pub event: Option<usize>,
    /// Why (one of the reasons [`xml_limitation`] gives).
    pub reason: &'static str,
}

/// A written XML document and what it could not carry exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlOutput {
    /// The document, UTF-8, with an XML declaration.
    pub xml: String,
    /// Events (by position) whose XML form does not keep their hash, and why. Normally empty.
    pub limitations: Vec<Limitation>,
}

/// Writes `event` as one XML element in the EPCIS 2.0 XSD shape (for an extension event type,
/// the `<extension>` wrapper of the event list around it), with the namespace declarations it
/// needs. `context` and `syntax` are those of the document the event was read from; for an
/// event read on its own (a stored standalone JSON-LD event), pass an empty context and
/// [`Syntax::Json`]: its own `@context` applies.
///
/// The element keeps the event hash unless [`xml_limitation_in`] names a reason;
/// [`write_event`] returns that reason together with the text.
#[must_use]
pub fn event_xml(event: &Event, context: &Context, syntax: Syntax) -> String {
    let mut out = String::new();
    let _ = write_event(&mut out, event, context, syntax);
    out
}

/// Appends `event` to `out` as [`event_xml`] writes it, and returns why its hash would
/// change, if it would.
pub fn write_event(
    out: &mut String,
    event: &Event,
    context: &Context,
    syntax: Syntax,
) -> Option<&'static str> {
    let mut writer = Writer::new(event, context, syntax);
    writer.event(out, event);
    writer.limitation
}

/// Why `event`, as the repository stores it (read with [`crate::parse_json`] from a standalone
/// JSON-LD event, whose own `@context` applies), cannot be written as XML without changing its
/// event hash, if it cannot. See [`xml_limitation_in`] for an event of a document.
#[must_use]
pub fn xml_limitation(event: &Event) -> Option<&'static str> {
    xml_limitation_in(event, &Context::default(), Syntax::Json)
}

/// Why `event` of a document read in `syntax` with `context` cannot be written as XML without
/// changing its event hash, if it cannot:
///
/// - characters XML 1.0 cannot carry;
/// - JSON extension names whose prefix only the remote EPCIS context declares (`cbvmda:…`), or
///   that are absolute IRIs or not XML names at all;
/// - JSON values starting with `gs1:`/`cbv:` in element content (see the module notes);
/// - JSON arrays directly inside arrays; extension event types from JSON; events without a
///   type;
/// - and shapes only an invalid event has: a bizTransaction/source/destination without its
///   identifier, unqualified members named like a standard field.
#[must_use]
pub fn xml_limitation_in(event: &Event, context: &Context, syntax: Syntax) -> Option<&'static str> {
    let mut scratch = String::new();
    write_event(&mut scratch, event, context, syntax)
}

/// Writes an `epcis:EPCISDocument` (schema version 2.0) holding the events of `documents`, in
/// order: each document's events are written with its own context and binding. Parsed
/// documents can be passed by value or by reference, so stored events can be parsed one at a
/// time as they are written.
pub fn document_xml<D: Borrow<Document>>(
    documents: impl IntoIterator<Item = D>,
    creation_date: &str,
) -> XmlOutput {
    let mut out = XmlOutput {
        xml: String::with_capacity(4096),
        limitations: Vec::new(),
    };
    out.xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<epcis:EPCISDocument xmlns:epcis=\"",
    );
    out.xml.push_str(EPCIS_NAMESPACE);
    out.xml.push_str("\" schemaVersion=\"2.0\" creationDate=\"");
    header_text(&mut out, creation_date, true);
    out.xml.push_str("\"><EPCISBody><EventList>");
    event_list(&mut out, documents);
    out.xml
        .push_str("</EventList></EPCISBody></epcis:EPCISDocument>\n");
    out
}

/// Writes the answer to a query as an `epcisq:EPCISQueryDocument` (schema version 2.0):
/// `EPCISBody/epcisq:QueryResults` with `queryName`, the optional `subscriptionID`, and
/// `resultsBody/EventList` holding the events of `documents` in order.
///
/// For stored events, parse each with [`crate::parse_json`] and pass the documents (or an
/// iterator that parses them as it goes):
///
/// ```
/// let stored = [r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
///   "type":"ObjectEvent","eventTime":"2024-04-30T07:15:00+08:00","eventTimeZoneOffset":"+08:00",
///   "action":"OBSERVE","epcList":["urn:epc:id:sgtin:6901234.012345.1"],"bizStep":"shipping"}"#];
/// let documents = stored
///     .iter()
///     .filter_map(|text| epcis::parse_json(text).ok())
///     .map(|parsed| parsed.document);
/// let out = epcis::write_xml::query_document_xml(documents, "2024-05-01T00:00:00Z", "SimpleEventQuery", None);
/// assert!(out.limitations.is_empty());
/// assert!(out.xml.contains("<bizStep>urn:epcglobal:cbv:bizstep:shipping</bizStep>"));
/// ```
pub fn query_document_xml<D: Borrow<Document>>(
    documents: impl IntoIterator<Item = D>,
    creation_date: &str,
    query_name: &str,
    subscription_id: Option<&str>,
) -> XmlOutput {
    let mut out = XmlOutput {
        xml: String::with_capacity(4096),
        limitations: Vec::new(),
    };
    out.xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<epcisq:EPCISQueryDocument xmlns:epcisq=\"",
    );
    out.xml.push_str(EPCIS_QUERY_NAMESPACE);
    out.xml.push_str("\" schemaVersion=\"2.0\" creationDate=\"");
    header_text(&mut out, creation_date, true);
    out.xml
        .push_str("\"><EPCISBody><epcisq:QueryResults><queryName>");
    header_text(&mut out, query_name, false);
    out.xml.push_str("</queryName>");
    if let Some(id) = subscription_id {
        out.xml.push_str("<subscriptionID>");
        header_text(&mut out, id, false);
        out.xml.push_str("</subscriptionID>");
    }
    out.xml.push_str("<resultsBody><EventList>");
    event_list(&mut out, documents);
    out.xml.push_str(
        "</EventList></resultsBody></epcisq:QueryResults></EPCISBody></epcisq:EPCISQueryDocument>\n",
    );
    out
}

fn header_text(out: &mut XmlOutput, text: &str, attribute: bool) {
    if escape_into(&mut out.xml, text, attribute) {
        out.limitations.push(Limitation {
            event: None,
            reason: ILLEGAL_CHARACTER,
        });
    }
}

fn event_list<D: Borrow<Document>>(out: &mut XmlOutput, documents: impl IntoIterator<Item = D>) {
    let mut position = 0;
    for document in documents {
        let document = document.borrow();
        for event in &document.events {
            if let Some(reason) =
                write_event(&mut out.xml, event, &document.context, document.syntax)
            {
                out.limitations.push(Limitation {
                    event: Some(position),
                    reason,
                });
            }
            position += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// Whether XML 1.0 (§2.2) allows `c` in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escapes `text` into `out` as element content (or, with `attribute`, as a double-quoted
/// attribute value, with the white space that attribute-value normalisation would change
/// written as character references). Characters XML cannot carry become U+FFFD; returns whether
/// there were any.
fn escape_into(out: &mut String, text: &str, attribute: bool) -> bool {
    let mut illegal = false;
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '"' if attribute => out.push_str("&quot;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            c if is_xml_char(c) => out.push(c),
            _ => {
                illegal = true;
                out.push('\u{FFFD}');
            }
        }
    }
    illegal
}

/// Whether the XML hash expands this value (the reference's `_expand_value_prefix`).
fn expands(value: &str) -> bool {
    value.starts_with("gs1:") || value.starts_with("cbv:")
}

fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Whether `name` is an XML name without a colon (Namespaces in XML 1.0 `NCName`).
fn is_ncname(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// An NCName for any text: characters a name cannot have are written `_xHHHH_` (the SQL/XML
/// convention), so the output stays well-formed.
fn escaped_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in name.chars().enumerate() {
        let ok = if i == 0 {
            is_name_start(c)
        } else {
            is_name_char(c)
        };
        if ok {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:04X}_", u32::from(c)));
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

/// Whether an unqualified attribute may have this name (`xmlns` would declare a namespace).
fn is_attribute_name(name: &str) -> bool {
    is_ncname(name) && name != "xmlns"
}

/// Splits a hash-style name `{namespace}local`.
fn split_expanded(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix('{')?;
    let (namespace, local) = rest.split_once('}')?;
    Some((namespace, local))
}

/// The JSON hash's view of the strings of one event of a document, for writing them as that
/// hash sees them. Its prefixes are the document's `@context`, then the event's own, as
/// `HashContext::prehash` scopes them.
fn json_view(event: &Event, context: &Context) -> JsonValueView<'static> {
    let mut prefixes = InlinePrefixes::default();
    prefixes.add_context(context);
    if let Some(own) = &event.context {
        prefixes.add_context(own);
    }
    JsonValueView::for_event(event, Cow::Owned(prefixes))
}

// ---------------------------------------------------------------------------------------------
// The writer
// ---------------------------------------------------------------------------------------------

/// Where a member is written: the unqualified names the XML reader takes as standard fields
/// there.
#[derive(Clone, Copy)]
enum Level {
    Event,
    Quantity,
    Location,
    Disposition,
    Declaration,
    SensorElement,
    Sensor,
    Nested,
}

impl Level {
    fn reserves(self, name: &str) -> bool {
        if matches!(name, "extension" | "baseExtension") {
            return true;
        }
        let names: &[&str] = match self {
            Level::Event => &EVENT_FIELDS,
            Level::Quantity => &["epcClass", "quantity", "uom"],
            Level::Location => &["id"],
            Level::Disposition => &["set", "unset"],
            Level::Declaration => &["declarationTime", "reason", "correctiveEventIDs"],
            Level::SensorElement => &["sensorMetadata", "sensorReport"],
            Level::Sensor | Level::Nested => &[],
        };
        names.contains(&name)
    }
}

/// Unqualified event children the XML reader takes as standard fields.
const EVENT_FIELDS: [&str; 27] = [
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "parentID",
    "epcList",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
    "action",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    "ilmd",
    "errorDeclaration",
];

/// The type-specific fields, for the order each event type has in the XSD.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    ParentId,
    EpcList,
    ChildEpcs,
    InputEpcList,
    InputQuantityList,
    OutputEpcList,
    OutputQuantityList,
    QuantityList,
    ChildQuantityList,
    Action,
    TransformationId,
    BizStep,
    Disposition,
    ReadPoint,
    BizLocation,
    BizTransactionList,
    SourceList,
    DestinationList,
    SensorElementList,
    PersistentDisposition,
    Ilmd,
}

use Field as F;

const OBJECT_EVENT: [Field; 13] = [
    F::EpcList,
    F::Action,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::BizTransactionList,
    F::QuantityList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
    F::Ilmd,
];
const AGGREGATION_EVENT: [Field; 13] = [
    F::ParentId,
    F::ChildEpcs,
    F::Action,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::BizTransactionList,
    F::ChildQuantityList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
];
const TRANSACTION_EVENT: [Field; 13] = [
    F::BizTransactionList,
    F::ParentId,
    F::EpcList,
    F::Action,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::QuantityList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
];
const TRANSFORMATION_EVENT: [Field; 15] = [
    F::InputEpcList,
    F::InputQuantityList,
    F::OutputEpcList,
    F::OutputQuantityList,
    F::TransformationId,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::BizTransactionList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
    F::Ilmd,
];
const ASSOCIATION_EVENT: [Field; 13] = [
    F::ParentId,
    F::ChildEpcs,
    F::ChildQuantityList,
    F::Action,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::BizTransactionList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
];
/// Every field, for extension event types and for fields an event type does not have.
const ALL_FIELDS: [Field; 21] = [
    F::ParentId,
    F::EpcList,
    F::ChildEpcs,
    F::InputEpcList,
    F::InputQuantityList,
    F::OutputEpcList,
    F::OutputQuantityList,
    F::QuantityList,
    F::ChildQuantityList,
    F::Action,
    F::TransformationId,
    F::BizStep,
    F::Disposition,
    F::ReadPoint,
    F::BizLocation,
    F::BizTransactionList,
    F::SourceList,
    F::DestinationList,
    F::SensorElementList,
    F::PersistentDisposition,
    F::Ilmd,
];

fn field_order(kind: Option<&EventType>) -> &'static [Field] {
    match kind {
        Some(EventType::ObjectEvent) => &OBJECT_EVENT,
        Some(EventType::AggregationEvent) => &AGGREGATION_EVENT,
        Some(EventType::TransactionEvent) => &TRANSACTION_EVENT,
        Some(EventType::TransformationEvent) => &TRANSFORMATION_EVENT,
        Some(EventType::AssociationEvent) => &ASSOCIATION_EVENT,
        Some(EventType::Other(_)) | None => &ALL_FIELDS,
    }
}

/// The event's element name: prefix and namespace (for extension types) and local name, and
/// whether it goes inside the event list's `<extension>`.
struct EventName {
    qname: String,
    wrapped: bool,
}

struct Writer<'a> {
    /// The children of the event element.
    body: String,
    /// Namespace declarations the event element needs: (prefix, namespace).
    decls: Vec<(String, String)>,
    /// The attributes written on the element being opened.
    attributes: Vec<String>,
    limitation: Option<&'static str>,
    context: &'a Context,
    /// The JSON hash's view of the event's strings; `None` for an event read from XML.
    json: Option<JsonValueView<'static>>,
}

impl<'a> Writer<'a> {
    fn new(event: &Event, context: &'a Context, syntax: Syntax) -> Self {
        Writer {
            body: String::with_capacity(1024),
            decls: Vec::new(),
            attributes: Vec::new(),
            limitation: None,
            context,
            json: (syntax == Syntax::Json).then(|| json_view(event, context)),
        }
    }

    fn limit(&mut self, reason: &'static str) {
        if self.limitation.is_none() {
            self.limitation = Some(reason);
        }
    }

    fn escape(&mut self, text: &str, attribute: bool) {
        if escape_into(&mut self.body, text, attribute) {
            self.limit(ILLEGAL_CHARACTER);
        }
    }

    // --- names ------------------------------------------------------------------------------

    /// The prefix declared for `namespace`, declaring one if needed: the sender's (`hint`) if
    /// it is free, else the one the document's context gives, else `ns1`, `ns2`, …
    fn prefix(&mut self, namespace: &str, hint: Option<&str>) -> Option<String> {
        if namespace == XML_NAMESPACE {
            return Some("xml".to_owned());
        }
        if namespace.is_empty() || namespace == XMLNS_NAMESPACE {
            return None;
        }
        if let Some((p, _)) = self.decls.iter().find(|(_, ns)| ns == namespace) {
            return Some(p.clone());
        }
        let usable = |p: &str, decls: &[(String, String)]| {
            is_ncname(p)
                && !p.get(..3).is_some_and(|x| x.eq_ignore_ascii_case("xml"))
                && !decls.iter().any(|(q, _)| q == p)
        };
        let from_context = self
            .context
            .prefixes()
            .filter(|(_, iri)| *iri == namespace)
            .map(|(p, _)| p)
            .last()
            .or_else(|| {
                CONTEXT_PREFIXES
                    .iter()
                    .find(|(_, iri)| *iri == namespace)
                    .map(|(p, _)| *p)
            });
        let chosen = [hint, from_context]
            .into_iter()
            .flatten()
            .find(|p| usable(p, &self.decls))
            .map(str::to_owned)
            .unwrap_or_else(|| {
                let mut n = self.decls.len() + 1;
                loop {
                    let p = format!("ns{n}");
                    if usable(&p, &self.decls) {
                        break p;
                    }
                    n += 1;
                }
            });
        self.decls.push((chosen.clone(), namespace.to_owned()));
        Some(chosen)
    }

    /// The qualified name of an element or attribute in `namespace`; names XML cannot have are
    /// escaped and reported.
    fn qname(&mut self, namespace: Option<&str>, local: &str, hint: Option<&str>) -> String {
        if !is_ncname(local) {
            self.limit(NOT_A_NAME);
            return escaped_name(local);
        }
        match namespace {
            None => local.to_owned(),
            // Only attributes are written in the `xml:` namespace (`xml:lang`); readers do not
            // take an element there.
            Some(XML_NAMESPACE) => {
                self.limit(NOT_A_NAME);
                local.to_owned()
            }
            Some(ns) => match self.prefix(ns, hint) {
                Some(p) => format!("{p}:{local}"),
                None => {
                    self.limit(NOT_A_NAME);
                    local.to_owned()
                }
            },
        }
    }

    /// The qualified name of an attribute (which may be in the `xml:` namespace).
    fn attribute_name(
        &mut self,
        namespace: Option<&str>,
        local: &str,
        hint: Option<&str>,
    ) -> String {
        if namespace == Some(XML_NAMESPACE) && is_ncname(local) {
            return format!("xml:{local}");
        }
        self.qname(namespace, local, hint)
    }

    /// The name of a model extension written as it was read (XML).
    fn model_name(&mut self, name: &Name, level: Level) -> String {
        if name.namespace.is_none() && level.reserves(&name.local) {
            self.limit(STANDARD_NAME);
        }
        self.qname(name.namespace.as_deref(), &name.local, prefix_of(&name.raw))
    }

    /// The element name of a JSON hash node: `{ns}local` and plain names exactly; other names
    /// (a remote-context prefix, an absolute IRI) with the model's namespace where it has one,
    /// reported.
    fn node_name(&mut self, node: &El<'_>, level: Level) -> String {
        if let Some((ns, local)) = split_expanded(&node.name)
            && !ns.is_empty()
            && is_ncname(local)
        {
            return self.qname(Some(ns), local, node.source_prefix);
        }
        if is_ncname(&node.name) {
            if level.reserves(&node.name) {
                self.limit(STANDARD_NAME);
            }
            return node.name.to_string();
        }
        match node.source_name {
            Some(orig) if orig.namespace.is_some() && is_ncname(&orig.local) => {
                self.limit(REMOTE_PREFIX);
                self.qname(orig.namespace.as_deref(), &orig.local, prefix_of(&orig.raw))
            }
            _ => {
                self.limit(if node.name.is_empty() {
                    NESTED_ARRAY
                } else {
                    NOT_A_NAME
                });
                escaped_name(&node.name)
            }
        }
    }

    // --- values -----------------------------------------------------------------------------

    /// A standard string value: what to write, and whether the original's hash expands it as
    /// an XML `gs1:`/`cbv:` CURIE. JSON values are written as the JSON hash sees them; values of
    /// the five CBV vocabularies the hash canonicalises become URNs, the XML binding's usual
    /// form, which the hash turns into the same Web URI.
    fn value<'v>(&self, raw: &'v str, vocab: Option<Vocabulary>) -> (Cow<'v, str>, bool) {
        match &self.json {
            None => (Cow::Borrowed(raw), expands(raw)),
            Some(json) => {
                let seen = json.value(raw);
                if let Some(v) = vocab
                    && let Some(urn) = v.urn_prefix()
                    && let Some(word) = seen.strip_prefix(v.web_prefix())
                    && v.is_word(word)
                {
                    return (Cow::Owned(format!("{urn}{word}")), false);
                }
                (seen, false)
            }
        }
    }

    fn literal<'v>(&self, literal: &'v Literal) -> (Cow<'v, str>, bool) {
        match literal {
            Literal::String(s) => self.value(s, None),
            other => (Cow::Borrowed(other.text()), false),
        }
    }

    /// Writes `text` as element content. The reader trims it and the XML hash then expands a
    /// leading `gs1:`/`cbv:`; if that differs from the original (`expanded`), the hash changes.
    fn content(&mut self, text: &str, expanded: bool) {
        if expands(py_strip(text)) != expanded {
            self.limit(CURIE_VALUE);
        }
        self.escape(text, false);
    }

    /// Writes ` name="value"`. Attribute values are read back exactly, so a value the original
    /// hash does not expand but that starts with `gs1:`/`cbv:` gets one leading space, which
    /// keeps the XML hash from expanding it and which the hash then trims (XSD `anyURI`
    /// collapses it too).
    fn attribute(&mut self, qname: &str, text: &str, expanded: bool) {
        // Two model names can come out as one XML name only in hand-built models (an empty or
        // reserved namespace); XML allows each attribute once.
        if self.attributes.iter().any(|a| a == qname) {
            self.limit(NOT_A_NAME);
            return;
        }
        self.attributes.push(qname.to_owned());
        self.body.push(' ');
        self.body.push_str(qname);
        self.body.push_str("=\"");
        if expands(text) && !expanded {
            self.body.push(' ');
        }
        self.escape(text, true);
        self.body.push('"');
    }

    fn leaf(&mut self, name: &str, raw: &str, vocab: Option<Vocabulary>) {
        let (text, expanded) = self.value(raw, vocab);
        self.body.push('<');
        self.body.push_str(name);
        self.body.push('>');
        self.content(&text, expanded);
        self.body.push_str("</");
        self.body.push_str(name);
        self.body.push('>');
    }

    /// A field the hash never reads (`eventID`, `recordTime`, the error declaration): written
    /// as it is, with standard vocabulary values as URNs.
    fn plain(&mut self, name: &str, raw: &str, vocab: Option<Vocabulary>) {
        self.body.push('<');
        self.body.push_str(name);
        self.body.push('>');
        match vocab.filter(|_| self.json.is_some()) {
            Some(v) => {
                let canonical = v.canonical(raw);
                match (v.bare_word(&canonical), v.urn_prefix()) {
                    (Some(word), Some(urn)) => self.escape(&format!("{urn}{word}"), false),
                    _ => self.escape(raw, false),
                }
            }
            None => self.escape(raw, false),
        }
        self.body.push_str("</");
        self.body.push_str(name);
        self.body.push('>');
    }

    fn open(&mut self, name: &str) {
        self.body.push('<');
        self.body.push_str(name);
        self.body.push('>');
    }

    fn close(&mut self, name: &str) {
        self.body.push_str("</");
        self.body.push_str(name);
        self.body.push('>');
    }

    // --- extensions -------------------------------------------------------------------------

    /// Extension members as child elements at `level`.
    fn extensions(&mut self, extensions: &[Extension], level: Level) {
        if let Some(json) = self.json.take() {
            for e in extensions {
                if matches!(e.name.raw.as_str(), "rdfs:comment" | "comment") {
                    self.comment(&e.name.raw, &e.value);
                }
            }
            let nodes = json_extension_nodes(&json, extensions);
            for item in &nodes {
                self.item(item, level, 1);
            }
            self.json = Some(json);
        } else {
            for e in extensions {
                self.xml_extension(e, level, 1);
            }
        }
    }

    /// A JSON comment (which the hash skips) as an XML comment, which the reader skips.
    fn comment(&mut self, key: &str, value: &ExtValue) {
        if let ExtValue::Literal(Literal::String(text)) = value {
            let mut safe = String::with_capacity(text.len());
            for c in text.chars() {
                // `--` may not occur in a comment, nor may it end with `-`.
                if c == '-' && safe.ends_with('-') {
                    safe.push(' ');
                }
                safe.push(if is_xml_char(c) { c } else { '\u{FFFD}' });
            }
            if safe.ends_with('-') {
                safe.push(' ');
            }
            self.body.push_str("<!--");
            self.body.push_str(key);
            self.body.push_str(": ");
            self.body.push_str(&safe);
            self.body.push_str("-->");
        }
    }

    fn item(&mut self, item: &Item<'_>, level: Level, depth: usize) {
        match item {
            Item::El(node) => self.node(node, level, depth),
            Item::Pair(members) => {
                self.limit(PAIR_SHAPE);
                for m in members {
                    self.node(m, Level::Nested, depth + 1);
                }
            }
        }
    }

    fn node(&mut self, node: &El<'_>, level: Level, depth: usize) {
        if depth > MAX_DEPTH {
            self.limit(TOO_DEEP);
            return;
        }
        let qname = self.node_name(node, level);
        self.body.push('<');
        self.body.push_str(&qname);
        if node.text.is_empty() && node.children.is_empty() {
            self.body.push_str("/>");
            return;
        }
        self.body.push('>');
        self.content(&node.text, false);
        for child in &node.children {
            self.item(child, Level::Nested, depth + 1);
        }
        self.close(&qname);
    }

    /// An extension of an event read from XML, written as it was read: attributes as
    /// attributes, text, child elements.
    fn xml_extension(&mut self, e: &Extension, level: Level, depth: usize) {
        if depth > MAX_DEPTH {
            self.limit(TOO_DEEP);
            return;
        }
        let qname = self.model_name(&e.name, level);
        self.body.push('<');
        self.body.push_str(&qname);
        match &e.value {
            ExtValue::Literal(l) => {
                let (text, expanded) = self.literal(l);
                if text.is_empty() {
                    self.body.push_str("/>");
                    return;
                }
                self.body.push('>');
                self.content(&text, expanded);
            }
            ExtValue::Element(x) => {
                self.attributes.clear();
                let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
                for a in &x.attributes {
                    let key = (a.name.namespace.as_deref(), a.name.local.as_str());
                    let nameable = a.name.namespace.is_some() || is_attribute_name(&a.name.local);
                    match &a.value {
                        ExtValue::Literal(l) if nameable && !seen.contains(&key) => {
                            seen.push(key);
                            let name = self.attribute_name(
                                a.name.namespace.as_deref(),
                                &a.name.local,
                                prefix_of(&a.name.raw),
                            );
                            let (text, expanded) = self.literal(l);
                            self.attribute(&name, &text, expanded);
                        }
                        _ => self.limit(NOT_XML_SHAPE),
                    }
                }
                if x.text.is_empty() && x.children.is_empty() {
                    self.body.push_str("/>");
                    return;
                }
                self.body.push('>');
                let expanded = expands(&x.text);
                self.content(&x.text, expanded);
                for c in &x.children {
                    self.xml_extension(c, Level::Nested, depth + 1);
                }
            }
            ExtValue::Object(members) => {
                self.limit(NOT_XML_SHAPE);
                self.body.push('>');
                for m in members {
                    self.xml_extension(m, Level::Nested, depth + 1);
                }
            }
            ExtValue::Array(items) => {
                self.limit(NOT_XML_SHAPE);
                self.body.push('>');
                for item in items {
                    let member = Extension {
                        name: e.name.clone(),
                        value: item.clone(),
                    };
                    self.xml_extension(&member, Level::Nested, depth + 1);
                }
            }
        }
        self.close(&qname);
    }

    /// Extensions of a sensor metadata/report: scalar namespaced members as attributes (the
    /// XSD's `anyAttribute`), anything else as child elements, which the reader also takes.
    /// Returns the members left for child elements.
    fn sensor_attributes<'e>(
        &mut self,
        fields: &'e SensorFields,
        nodes: &'e [Item<'e>],
    ) -> (Vec<&'e Item<'e>>, Vec<&'e Extension>) {
        let mut used: Vec<(String, String)> = Vec::new();
        let mut elements = Vec::new();
        let mut xml_elements = Vec::new();
        if self.json.is_some() {
            for item in nodes {
                match item {
                    Item::El(node) if node.children.is_empty() => {
                        match split_expanded(&node.name) {
                            Some((ns, local))
                                if !ns.is_empty()
                                    && is_ncname(local)
                                    && !used.iter().any(|(n, l)| n == ns && l == local) =>
                            {
                                used.push((ns.to_owned(), local.to_owned()));
                                let name = self.attribute_name(Some(ns), local, node.source_prefix);
                                self.attribute(&name, &node.text, false);
                            }
                            _ => elements.push(item),
                        }
                    }
                    other => elements.push(other),
                }
            }
        } else {
            for e in &fields.extensions {
                match (&e.name.namespace, &e.value) {
                    (Some(ns), ExtValue::Literal(value))
                        if is_ncname(&e.name.local)
                            && !used
                                .iter()
                                .any(|(n, local)| n == ns && *local == e.name.local) =>
                    {
                        used.push((ns.clone(), e.name.local.clone()));
                        let name =
                            self.attribute_name(Some(ns), &e.name.local, prefix_of(&e.name.raw));
                        let (text, expanded) = self.literal(value);
                        self.attribute(&name, &text, expanded);
                    }
                    _ => xml_elements.push(e),
                }
            }
        }
        (elements, xml_elements)
    }

    fn sensor_fields(&mut self, name: &str, fields: &SensorFields) {
        self.body.push('<');
        self.body.push_str(name);
        self.attributes.clear();
        let mut written: Vec<&str> = Vec::new();
        let mut leftover: Vec<&(String, Literal)> = Vec::new();
        for pair in &fields.fields {
            let (field, value) = pair;
            if !is_attribute_name(field) || written.contains(&field.as_str()) {
                leftover.push(pair);
                continue;
            }
            written.push(field);
            let (text, expanded) = self.literal(value);
            self.attribute(field, &text, expanded);
        }
        let json = self.json.take();
        let nodes = json
            .as_ref()
            .map(|j| json_extension_nodes(j, &fields.extensions))
            .unwrap_or_default();
        self.json = json;
        let (elements, xml_elements) = self.sensor_attributes(fields, &nodes);
        if leftover.is_empty() && elements.is_empty() && xml_elements.is_empty() {
            self.body.push_str("/>");
            return;
        }
        self.body.push('>');
        for (field, value) in leftover {
            // Only a hand-built model repeats a field; the reader takes child elements too.
            let qname = if is_ncname(field) {
                field.clone()
            } else {
                self.limit(NOT_A_NAME);
                escaped_name(field)
            };
            let (text, expanded) = self.literal(value);
            self.open(&qname);
            self.content(&text, expanded);
            self.close(&qname);
        }
        for item in elements {
            self.item(item, Level::Sensor, 1);
        }
        for e in xml_elements {
            self.xml_extension(e, Level::Sensor, 1);
        }
        self.close(name);
    }

    /// Extension members of a bizTransaction/source/destination as attributes (the reader
    /// keeps every attribute but `type`).
    fn pair_attributes(&mut self, extensions: &[Extension]) {
        let mut used: Vec<(Option<String>, String)> = vec![(None, "type".to_owned())];
        if let Some(json) = self.json.take() {
            let nodes = json_extension_nodes(&json, extensions);
            self.json = Some(json);
            for item in &nodes {
                let Item::El(node) = item else {
                    self.limit(PAIR_SHAPE);
                    continue;
                };
                let (ns, local) = match split_expanded(&node.name) {
                    Some((ns, local)) if !ns.is_empty() => (Some(ns), local),
                    _ => (None, node.name.as_ref()),
                };
                let key = (ns.map(str::to_owned), local.to_owned());
                let nameable = if ns.is_some() {
                    is_ncname(local)
                } else {
                    is_attribute_name(local)
                };
                if !node.children.is_empty() || !nameable || used.contains(&key) {
                    self.limit(PAIR_SHAPE);
                    continue;
                }
                used.push(key);
                let name = self.attribute_name(ns, local, node.source_prefix);
                self.attribute(&name, &node.text, false);
            }
        } else {
            for e in extensions {
                let key = (e.name.namespace.clone(), e.name.local.clone());
                match &e.value {
                    ExtValue::Literal(l)
                        if (e.name.namespace.is_some() || is_attribute_name(&e.name.local))
                            && is_ncname(&e.name.local)
                            && !used.contains(&key) =>
                    {
                        used.push(key);
                        let name = self.attribute_name(
                            e.name.namespace.as_deref(),
                            &e.name.local,
                            prefix_of(&e.name.raw),
                        );
                        let (text, expanded) = self.literal(l);
                        self.attribute(&name, &text, expanded);
                    }
                    _ => self.limit(PAIR_SHAPE),
                }
            }
        }
    }

    // --- standard structures ----------------------------------------------------------------

    fn epcs(&mut self, name: &str, item: &str, list: Option<&Vec<String>>) {
        let Some(list) = list else { return };
        if list.is_empty() {
            self.body.push('<');
            self.body.push_str(name);
            self.body.push_str("/>");
            return;
        }
        self.open(name);
        for v in list {
            self.leaf(item, v, None);
        }
        self.close(name);
    }

    fn quantities(&mut self, name: &str, list: Option<&Vec<QuantityElement>>) {
        let Some(list) = list else { return };
        self.open(name);
        for q in list {
            self.open("quantityElement");
            if let Some(class) = &q.epc_class {
                self.leaf("epcClass", class, None);
            }
            match &q.quantity {
                Some(Literal::Null) => {
                    // JSON `null` (schema-invalid): an empty element, which the hash sees as the
                    // JSON one. `xsi:nil` would read back as no quantity at all, and whether a
                    // quantity element has one child or two changes where the hash puts its
                    // extensions.
                    self.body.push_str("<quantity/>");
                }
                Some(quantity) => {
                    let (text, expanded) = self.literal(quantity);
                    self.open("quantity");
                    self.content(&text, expanded);
                    self.close("quantity");
                }
                None => {}
            }
            if let Some(uom) = &q.uom {
                self.leaf("uom", uom, None);
            }
            self.extensions(&q.extensions, Level::Quantity);
            self.close("quantityElement");
        }
        self.close(name);
    }

    fn location(&mut self, name: &str, location: Option<&Location>) {
        let Some(location) = location else { return };
        self.open(name);
        if let Some(id) = &location.id {
            self.leaf("id", id, None);
        }
        self.extensions(&location.extensions, Level::Location);
        self.close(name);
    }

    /// A bizTransaction, source or destination: `type` attribute, identifier as text. The XML
    /// hash does not expand the identifier, so JSON's view of it is written as it is.
    fn pair(
        &mut self,
        name: &str,
        kind: Option<&String>,
        value: Option<&String>,
        extensions: &[Extension],
        vocab: Vocabulary,
    ) {
        self.body.push('<');
        self.body.push_str(name);
        self.attributes.clear();
        if let Some(kind) = kind {
            let (text, expanded) = self.value(kind, Some(vocab));
            self.attribute("type", &text, expanded);
        }
        self.pair_attributes(extensions);
        self.body.push('>');
        match value {
            Some(value) => {
                let text = match &self.json {
                    Some(json) => json.value(value),
                    None => Cow::Borrowed(value.as_str()),
                };
                self.escape(&text, false);
            }
            None => self.limit(NO_IDENTIFIER),
        }
        self.close(name);
    }

    fn biz_transactions(&mut self, list: Option<&Vec<BizTransaction>>) {
        let Some(list) = list else { return };
        self.open("bizTransactionList");
        for t in list {
            self.pair(
                "bizTransaction",
                t.kind.as_ref(),
                t.value.as_ref(),
                &t.extensions,
                Vocabulary::BizTransactionType,
            );
        }
        self.close("bizTransactionList");
    }

    fn source_dests(&mut self, name: &str, item: &str, list: Option<&Vec<SourceDest>>) {
        let Some(list) = list else { return };
        self.open(name);
        for s in list {
            self.pair(
                item,
                s.kind.as_ref(),
                s.value.as_ref(),
                &s.extensions,
                Vocabulary::SourceDestType,
            );
        }
        self.close(name);
    }

    fn field(&mut self, event: &Event, field: Field) {
        match field {
            F::ParentId => {
                if let Some(v) = &event.parent_id {
                    self.leaf("parentID", v, None);
                }
            }
            F::EpcList => self.epcs("epcList", "epc", event.epc_list.as_ref()),
            F::ChildEpcs => self.epcs("childEPCs", "epc", event.child_epcs.as_ref()),
            F::InputEpcList => self.epcs("inputEPCList", "epc", event.input_epc_list.as_ref()),
            F::OutputEpcList => self.epcs("outputEPCList", "epc", event.output_epc_list.as_ref()),
            F::QuantityList => self.quantities("quantityList", event.quantity_list.as_ref()),
            F::ChildQuantityList => {
                self.quantities("childQuantityList", event.child_quantity_list.as_ref());
            }
            F::InputQuantityList => {
                self.quantities("inputQuantityList", event.input_quantity_list.as_ref());
            }
            F::OutputQuantityList => {
                self.quantities("outputQuantityList", event.output_quantity_list.as_ref());
            }
            F::Action => {
                if let Some(v) = &event.action {
                    self.leaf("action", v, None);
                }
            }
            F::TransformationId => {
                if let Some(v) = &event.transformation_id {
                    self.leaf("transformationID", v, None);
                }
            }
            F::BizStep => {
                if let Some(v) = &event.biz_step {
                    self.leaf("bizStep", v, Some(Vocabulary::BizStep));
                }
            }
            F::Disposition => {
                if let Some(v) = &event.disposition {
                    self.leaf("disposition", v, Some(Vocabulary::Disposition));
                }
            }
            F::ReadPoint => self.location("readPoint", event.read_point.as_ref()),
            F::BizLocation => self.location("bizLocation", event.biz_location.as_ref()),
            F::BizTransactionList => self.biz_transactions(event.biz_transaction_list.as_ref()),
            F::SourceList => self.source_dests("sourceList", "source", event.source_list.as_ref()),
            F::DestinationList => self.source_dests(
                "destinationList",
                "destination",
                event.destination_list.as_ref(),
            ),
            F::SensorElementList => {
                let Some(list) = &event.sensor_element_list else {
                    return;
                };
                self.open("sensorElementList");
                for element in list {
                    self.open("sensorElement");
                    if let Some(metadata) = &element.metadata {
                        self.sensor_fields("sensorMetadata", metadata);
                    }
                    for report in &element.reports {
                        self.sensor_fields("sensorReport", report);
                    }
                    self.extensions(&element.extensions, Level::SensorElement);
                    self.close("sensorElement");
                }
                self.close("sensorElementList");
            }
            F::PersistentDisposition => {
                let Some(pd) = &event.persistent_disposition else {
                    return;
                };
                // The XSD's order: unset, then set.
                self.open("persistentDisposition");
                for v in pd.unset.iter().flatten() {
                    self.leaf("unset", v, Some(Vocabulary::Disposition));
                }
                for v in pd.set.iter().flatten() {
                    self.leaf("set", v, Some(Vocabulary::Disposition));
                }
                self.extensions(&pd.extensions, Level::Disposition);
                self.close("persistentDisposition");
            }
            F::Ilmd => {
                if let Some(ilmd) = &event.ilmd {
                    self.open("ilmd");
                    self.extensions(ilmd, Level::Nested);
                    self.close("ilmd");
                }
            }
        }
    }

    /// The element name of the event.
    fn event_name(&mut self, event: &Event) -> EventName {
        let standard = |qname: &str| EventName {
            qname: qname.to_owned(),
            wrapped: false,
        };
        let Some(kind) = &event.event_type else {
            self.limit(EVENT_TYPE);
            return EventName {
                qname: "Event".to_owned(),
                wrapped: true,
            };
        };
        // What the original hash takes as the type, and what the XML hash will take.
        let seen: Cow<'_, str> = match &self.json {
            Some(json) => json.value(kind.as_str()),
            None => Cow::Borrowed(kind.as_str()),
        };
        if let EventType::Other(name) = kind {
            if let Some((ns, local)) = split_expanded(&seen)
                && !ns.is_empty()
                && is_ncname(local)
            {
                let hint = self
                    .json
                    .as_ref()
                    .and_then(|_| prefix_of(name))
                    .filter(|_| !name.starts_with('{'));
                let (ns, local) = (ns.to_owned(), local.to_owned());
                return EventName {
                    qname: self.qname(Some(&ns), &local, hint),
                    wrapped: true,
                };
            }
            if is_ncname(&seen) && EventType::parse(&seen) == *kind {
                return EventName {
                    qname: seen.into_owned(),
                    wrapped: true,
                };
            }
            // A JSON extension type: the hash takes its expanded IRI, XML has a name. Written
            // in its namespace when its prefix is known.
            self.limit(EVENT_TYPE);
            let resolved = prefix_of(name).and_then(|p| {
                let iri = self
                    .json
                    .as_ref()
                    .and_then(|j| j.prefix_iri(p))
                    .or_else(|| {
                        CONTEXT_PREFIXES
                            .iter()
                            .find(|(q, _)| *q == p)
                            .map(|(_, iri)| *iri)
                    })?;
                let local = name.split_once(':').map(|(_, l)| l)?;
                is_ncname(local).then(|| (iri.to_owned(), local.to_owned(), p.to_owned()))
            });
            let qname = match resolved {
                Some((ns, local, p)) => self.qname(Some(&ns), &local, Some(&p)),
                None => escaped_name(name),
            };
            return EventName {
                qname,
                wrapped: true,
            };
        }
        if seen != kind.as_str() {
            self.limit(EVENT_TYPE);
        }
        standard(kind.as_str())
    }

    fn event(&mut self, out: &mut String, event: &Event) {
        let name = self.event_name(event);
        // The common fields (EPCISEventType).
        if let Some(v) = &event.event_time {
            self.leaf("eventTime", v, None);
        }
        if let Some(v) = &event.record_time {
            self.plain("recordTime", v, None);
        }
        if let Some(v) = &event.event_time_zone_offset {
            self.leaf("eventTimeZoneOffset", v, None);
        }
        if let Some(v) = &event.event_id {
            self.plain("eventID", v, None);
        }
        if let Some(declaration) = &event.error_declaration {
            self.open("errorDeclaration");
            if let Some(v) = &declaration.declaration_time {
                self.plain("declarationTime", v, None);
            }
            if let Some(v) = &declaration.reason {
                self.plain("reason", v, Some(Vocabulary::ErrorReason));
            }
            if let Some(ids) = &declaration.corrective_event_ids {
                self.open("correctiveEventIDs");
                for id in ids {
                    self.plain("correctiveEventID", id, None);
                }
                self.close("correctiveEventIDs");
            }
            // Not part of the hash, so only characters XML cannot carry are reported here.
            let before = self.limitation;
            self.extensions(&declaration.extensions, Level::Declaration);
            if self.limitation != Some(ILLEGAL_CHARACTER) {
                self.limitation = before;
            }
            self.close("errorDeclaration");
        }
        // The XSD allows one certificationInfo; the model (and the reader) takes several.
        for v in event
            .certification_info
            .iter()
            .flat_map(OneOrMany::as_slice)
        {
            self.leaf("certificationInfo", v, None);
        }
        let order = field_order(event.event_type.as_ref());
        for field in order {
            self.field(event, *field);
        }
        for field in ALL_FIELDS {
            if !order.contains(&field) {
                self.field(event, field);
            }
        }
        self.extensions(&event.extensions, Level::Event);

        if name.wrapped {
            out.push_str("<extension>");
        }
        out.push('<');
        out.push_str(&name.qname);
        for (prefix, namespace) in &self.decls {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
            if escape_into(out, namespace, true) {
                self.limitation.get_or_insert(ILLEGAL_CHARACTER);
            }
            out.push('"');
        }
        out.push('>');
        out.push_str(&self.body);
        out.push_str("</");
        out.push_str(&name.qname);
        out.push('>');
        if name.wrapped {
            out.push_str("</extension>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "_x", "lotNumber", "é1", "a-b.c"] {
            assert!(is_ncname(good), "{good}");
        }
        for bad in ["", "1a", "a:b", "a b", "-a", "https://x/y"] {
            assert!(!is_ncname(bad), "{bad}");
        }
        assert_eq!(escaped_name("a b"), "a_x0020_b");
        assert_eq!(escaped_name(""), "_");
        assert!(is_ncname(&escaped_name("1:2 3")));
    }

    #[test]
    fn text_is_escaped() {
        let mut out = String::new();
        assert!(!escape_into(&mut out, "a<b>&\"c\"\r\n\t", false));
        assert_eq!(out, "a&lt;b&gt;&amp;\"c\"&#13;\n\t");
        out.clear();
        assert!(!escape_into(&mut out, "a<\"\t\n\r", true));
        assert_eq!(out, "a&lt;&quot;&#9;&#10;&#13;");
        out.clear();
        assert!(escape_into(&mut out, "a\u{1}b\u{FFFE}", false));
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}");
    }
}
