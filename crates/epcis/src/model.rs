//! The EPCIS 2.0 data model (EPCIS 2.0 §7), shared by the JSON-LD and the XML bindings.
//!
//! Values are kept as written (a bizStep stays `shipping`, a URN stays a URN, `18.0` stays
//! `18.0`); the [`crate::cbv`] module and [`crate::hash`] give canonical forms when they are
//! needed. Everything a document says is kept: members the model has no field for (user
//! extensions, and standard-looking members of the wrong shape) land in the `extensions` of the
//! nearest enclosing structure with their name as written, so the event hash still covers them
//! and nothing is silently dropped. Every field is optional in the model: what EPCIS requires is
//! checked by [`crate::validate`], which reports all problems at once.

/// Which binding a document was read from. The event hash treats CURIE values slightly
/// differently in each (see `docs/epcis.md`), so the model remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// JSON / JSON-LD (EPCIS 2.0 §9).
    Json,
    /// XML (the EPCIS 2.0 XSD).
    Xml,
}

/// What kind of document this is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentKind {
    /// `EPCISDocument` (capture).
    Document,
    /// `EPCISQueryDocument` (query results).
    QueryDocument,
    /// One event on its own, as `POST /events` takes it (JSON only).
    SingleEvent,
}

/// A JSON-LD `@context` (EPCIS 2.0 §9.3): the context URLs and the inline term definitions, in
/// document order. In XML, the namespace declarations of the root element.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    /// Remote contexts (normally the EPCIS 2.0 context URL).
    pub urls: Vec<String>,
    /// Inline term definitions, in order. A string value declares a prefix.
    pub terms: Vec<Extension>,
}

impl Context {
    /// The prefix → IRI declarations made inline (string-valued terms).
    pub fn prefixes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.terms.iter().filter_map(|t| match &t.value {
            ExtValue::Literal(Literal::String(iri)) => Some((t.name.raw.as_str(), iri.as_str())),
            _ => None,
        })
    }

    /// The IRI of an inline-declared prefix.
    #[must_use]
    pub fn prefix(&self, prefix: &str) -> Option<&str> {
        // Later definitions override earlier ones (JSON-LD context processing order).
        self.prefixes()
            .filter(|(p, _)| *p == prefix)
            .last()
            .map(|(_, iri)| iri)
    }
}

/// An EPCIS document: header fields, the events, and document-level extensions.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Which binding it came from.
    pub syntax: Syntax,
    /// Document, query document or a single event.
    pub kind: DocumentKind,
    /// The JSON-LD context (JSON) or root namespace declarations (XML).
    pub context: Context,
    /// `id` (JSON) of the document.
    pub id: Option<String>,
    /// `schemaVersion`.
    pub schema_version: Option<String>,
    /// `creationDate`.
    pub creation_date: Option<String>,
    /// `instanceIdentifier`.
    pub instance_identifier: Option<String>,
    /// `sender`.
    pub sender: Option<String>,
    /// `receiver`.
    pub receiver: Option<String>,
    /// `epcisHeader` (master data, SBDH), kept as a generic tree.
    pub header: Option<ExtValue>,
    /// `queryName` of a query document.
    pub query_name: Option<String>,
    /// `subscriptionID` of a query document.
    pub subscription_id: Option<String>,
    /// The events, in document order.
    pub events: Vec<Event>,
    /// Document-level members the model has no field for.
    pub extensions: Vec<Extension>,
}

impl Document {
    pub(crate) fn new(syntax: Syntax, kind: DocumentKind) -> Self {
        Document {
            syntax,
            kind,
            context: Context::default(),
            id: None,
            schema_version: None,
            creation_date: None,
            instance_identifier: None,
            sender: None,
            receiver: None,
            header: None,
            query_name: None,
            subscription_id: None,
            events: Vec::new(),
            extensions: Vec::new(),
        }
    }
}

/// The five EPCIS 2.0 event types, or an extension event type (a URI or CURIE).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventType {
    /// `ObjectEvent` (§7.4.2).
    ObjectEvent,
    /// `AggregationEvent` (§7.4.3).
    AggregationEvent,
    /// `TransactionEvent` (§7.4.4).
    TransactionEvent,
    /// `TransformationEvent` (§7.4.5).
    TransformationEvent,
    /// `AssociationEvent` (§7.4.6, new in 2.0).
    AssociationEvent,
    /// Any other type name, as written.
    Other(String),
}

impl EventType {
    /// Reads a type name.
    #[must_use]
    pub fn parse(name: &str) -> Self {
        match name {
            "ObjectEvent" => EventType::ObjectEvent,
            "AggregationEvent" => EventType::AggregationEvent,
            "TransactionEvent" => EventType::TransactionEvent,
            "TransformationEvent" => EventType::TransformationEvent,
            "AssociationEvent" => EventType::AssociationEvent,
            other => EventType::Other(other.to_owned()),
        }
    }

    /// The type name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            EventType::ObjectEvent => "ObjectEvent",
            EventType::AggregationEvent => "AggregationEvent",
            EventType::TransactionEvent => "TransactionEvent",
            EventType::TransformationEvent => "TransformationEvent",
            EventType::AssociationEvent => "AssociationEvent",
            EventType::Other(s) => s,
        }
    }
}

/// `action` (§7.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `ADD`.
    Add,
    /// `OBSERVE`.
    Observe,
    /// `DELETE`.
    Delete,
}

impl Action {
    /// Reads an action word (exact, upper case).
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ADD" => Some(Action::Add),
            "OBSERVE" => Some(Action::Observe),
            "DELETE" => Some(Action::Delete),
            _ => None,
        }
    }
}

/// A scalar as written: JSON keeps its type; XML values are always strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Literal {
    /// A string (JSON) or text (XML).
    String(String),
    /// A JSON number, exactly as written.
    Number(String),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `null`.
    Null,
}

impl Literal {
    /// The value as text: numbers as written, booleans as `true`/`false` (XML Schema's
    /// lexical form), `null` as the empty string.
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            Literal::String(s) | Literal::Number(s) => s,
            Literal::Bool(true) => "true",
            Literal::Bool(false) => "false",
            Literal::Null => "",
        }
    }
}

/// The name of an extension member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name {
    /// As written: a JSON key (`example:myField`, or a full IRI), or an XML qualified name.
    pub raw: String,
    /// The namespace IRI, when known: the XML namespace, or for JSON the expansion of the
    /// prefix through the inline context or the EPCIS context's own prefixes.
    pub namespace: Option<String>,
    /// The local part.
    pub local: String,
}

impl Name {
    /// A name without a namespace.
    #[must_use]
    pub fn plain(name: &str) -> Self {
        Name {
            raw: name.to_owned(),
            namespace: None,
            local: name.to_owned(),
        }
    }
}

/// A user extension (EPCIS 2.0 §9.5 / XSD `##other`) or any member the model has no field
/// for: a name and a generic value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    /// The member's name.
    pub name: Name,
    /// Its value.
    pub value: ExtValue,
}

/// The value of an extension member.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExtValue {
    /// A scalar: a JSON scalar, an XML attribute, or an XML element with text only.
    Literal(Literal),
    /// A JSON array.
    Array(Vec<ExtValue>),
    /// A JSON object.
    Object(Vec<Extension>),
    /// An XML element with attributes and/or child elements.
    Element(XmlElement),
}

/// An XML extension element that has attributes or child elements.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct XmlElement {
    /// The attributes (namespace declarations excluded), values as [`ExtValue::Literal`].
    pub attributes: Vec<Extension>,
    /// The element's own text, trimmed.
    pub text: String,
    /// The child elements, in document order.
    pub children: Vec<Extension>,
}

/// One EPCIS event (§7.4). Lists are `None` when absent and `Some(vec![])` when present but
/// empty; both hash the same.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct Event {
    /// `type`, or the XML element name.
    pub event_type: Option<EventType>,
    /// A per-event `@context` (a standalone event's context).
    pub context: Option<Context>,
    pub event_time: Option<String>,
    pub event_time_zone_offset: Option<String>,
    pub record_time: Option<String>,
    pub event_id: Option<String>,
    /// `certificationInfo`: one URI or several.
    pub certification_info: Option<OneOrMany>,
    pub error_declaration: Option<ErrorDeclaration>,
    pub parent_id: Option<String>,
    pub epc_list: Option<Vec<String>>,
    pub child_epcs: Option<Vec<String>>,
    pub input_epc_list: Option<Vec<String>>,
    pub output_epc_list: Option<Vec<String>>,
    pub quantity_list: Option<Vec<QuantityElement>>,
    pub child_quantity_list: Option<Vec<QuantityElement>>,
    pub input_quantity_list: Option<Vec<QuantityElement>>,
    pub output_quantity_list: Option<Vec<QuantityElement>>,
    /// `action` as written (see [`Action::parse`]).
    pub action: Option<String>,
    pub transformation_id: Option<String>,
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub persistent_disposition: Option<PersistentDisposition>,
    pub read_point: Option<Location>,
    pub biz_location: Option<Location>,
    pub biz_transaction_list: Option<Vec<BizTransaction>>,
    pub source_list: Option<Vec<SourceDest>>,
    pub destination_list: Option<Vec<SourceDest>>,
    pub sensor_element_list: Option<Vec<SensorElement>>,
    /// Instance/lot master data (§7.3.6): extension members, normally `cbvmda:` terms.
    pub ilmd: Option<Vec<Extension>>,
    /// User extensions and unrecognised members at event level.
    pub extensions: Vec<Extension>,
}

impl Event {
    /// The parsed `action`, if present and valid.
    #[must_use]
    pub fn action(&self) -> Option<Action> {
        self.action.as_deref().and_then(Action::parse)
    }
}

/// `quantityElement` (§7.3.3.3).
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct QuantityElement {
    pub epc_class: Option<String>,
    pub quantity: Option<Literal>,
    pub uom: Option<String>,
    pub extensions: Vec<Extension>,
}

/// `readPoint` or `bizLocation` (§7.3.4).
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct Location {
    pub id: Option<String>,
    pub extensions: Vec<Extension>,
}

/// `bizTransaction` (§7.3.5.2): an optional type and the transaction identifier.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct BizTransaction {
    pub kind: Option<String>,
    pub value: Option<String>,
    pub extensions: Vec<Extension>,
}

/// `source` or `destination` (§7.3.5.4): a type and a party or location identifier.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct SourceDest {
    pub kind: Option<String>,
    pub value: Option<String>,
    pub extensions: Vec<Extension>,
}

/// `persistentDisposition` (§7.3.5.5).
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct PersistentDisposition {
    pub set: Option<Vec<String>>,
    pub unset: Option<Vec<String>>,
    pub extensions: Vec<Extension>,
}

/// `errorDeclaration` (§7.4.1.4).
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct ErrorDeclaration {
    pub declaration_time: Option<String>,
    pub reason: Option<String>,
    pub corrective_event_ids: Option<Vec<String>>,
    pub extensions: Vec<Extension>,
}

/// `sensorElement` (§7.3.7): metadata and one or more reports.
#[derive(Debug, Clone, PartialEq, Default)]
#[allow(missing_docs)]
pub struct SensorElement {
    pub metadata: Option<SensorFields>,
    pub reports: Vec<SensorFields>,
    pub extensions: Vec<Extension>,
}

/// The attributes of a `sensorMetadata` or a `sensorReport` (§7.3.7.2–3), by their EPCIS
/// names, in document order, values as written; plus extensions.
///
/// Both structures are flat sets of named scalar attributes, and one of the capture rules
/// compares them attribute by attribute, so one type serves both. [`SENSOR_METADATA_FIELDS`]
/// and [`SENSOR_REPORT_FIELDS`] list the standard names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensorFields {
    /// Standard attributes: (name, value).
    pub fields: Vec<(String, Literal)>,
    /// Extension attributes and elements.
    pub extensions: Vec<Extension>,
}

impl SensorFields {
    /// The value of a standard attribute.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Literal> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Standard `sensorMetadata` attributes, in the order the event hash emits them.
pub const SENSOR_METADATA_FIELDS: [&str; 8] = [
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
];

/// Standard `sensorReport` attributes: the 23 the event hash orders, then `bizRules`, which
/// the schema allows on a report but the reference's order table omits (the hash emits it in
/// the sorted tail, see `docs/epcis.md`).
pub const SENSOR_REPORT_FIELDS: [&str; 24] = [
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
    "bizRules",
];

/// A JSON member that may be one string or an array of strings (`certificationInfo`); XML
/// repeats the element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OneOrMany {
    /// A single string.
    One(String),
    /// An array (or repeated XML elements).
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values in order.
    #[must_use]
    pub fn as_slice(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
}
