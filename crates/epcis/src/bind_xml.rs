//! The XML binding (EPCIS 2.0 §10, the `EPCglobal-epcis-2_0.xsd` shape): an XML text to the
//! [`crate::model`].
//!
//! Standard elements are unqualified; extension elements and attributes are namespaced and
//! kept as extensions with their namespace. The EPCIS 1.x wrappers `<extension>` and
//! `<baseExtension>` are transparent, as in the reference implementation. Structural problems
//! (an unknown unqualified element, a missing bizTransaction, text where a list belongs) are
//! reported with an XPath-like location; values are checked by [`crate::validate`].
//!
//! Parsing uses `roxmltree`, which bounds entity expansion (no "billion laughs"); the node
//! count and the depth of the tree walk are limited too.

use roxmltree::{Node, ParsingOptions};

use crate::canon::py_strip;
use crate::model::{
    BizTransaction, Document, DocumentKind, ErrorDeclaration, Event, EventType, ExtValue,
    Extension, Literal, Location, Name, OneOrMany, PersistentDisposition, QuantityElement,
    SENSOR_METADATA_FIELDS, SENSOR_REPORT_FIELDS, SensorElement, SensorFields, SourceDest, Syntax,
    XmlElement,
};
use crate::problem::{Problem, ProblemKind};
use crate::{Error, Parsed};

/// Deepest extension nesting followed; deeper content is reported and skipped.
const MAX_DEPTH: usize = 128;

/// Reads an EPCIS XML document or query document.
///
/// # Errors
/// [`Error::Xml`] when the text is not well-formed XML (with line and column).
pub fn parse_xml(text: &str) -> Result<Parsed, Error> {
    // A DOCTYPE is allowed (GS1's own examples carry `<!DOCTYPE project>`); roxmltree bounds
    // entity expansion, and the node limit bounds memory.
    let opts = ParsingOptions {
        allow_dtd: true,
        nodes_limit: 16_000_000,
        ..ParsingOptions::default()
    };
    let xml = roxmltree::Document::parse_with_options(text, opts).map_err(|e| {
        let pos = e.pos();
        Error::Xml {
            line: pos.row as usize,
            column: pos.col as usize,
            message: e.to_string(),
        }
    })?;
    let mut b = Binder {
        problems: Vec::new(),
        locations: Vec::new(),
    };
    let document = b.document(xml.root_element());
    Ok(Parsed {
        document,
        problems: b.problems,
        event_locations: b.locations,
    })
}

struct Binder {
    problems: Vec<Problem>,
    locations: Vec<String>,
}

/// The qualified name of an element as written (prefix:local).
fn qname(n: Node<'_, '_>) -> String {
    let local = n.tag_name().name();
    match n.tag_name().namespace().and_then(|ns| n.lookup_prefix(ns)) {
        Some(p) if !p.is_empty() => format!("{p}:{local}"),
        _ => local.to_owned(),
    }
}

/// An XPath-like location of an element: `/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[2]`.
fn path_of(n: Node<'_, '_>) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(n);
    while let Some(node) = cur {
        if !node.is_element() {
            break;
        }
        let same: Vec<Node<'_, '_>> = node
            .parent()
            .map(|p| {
                p.children()
                    .filter(|c| c.is_element() && c.tag_name() == node.tag_name())
                    .collect()
            })
            .unwrap_or_default();
        let mut part = qname(node);
        if same.len() > 1 {
            let idx = same.iter().position(|c| *c == node).unwrap_or(0) + 1;
            part.push_str(&format!("[{idx}]"));
        }
        parts.push(part);
        cur = node.parent();
    }
    parts.reverse();
    format!("/{}", parts.join("/"))
}

fn text_of(n: Node<'_, '_>) -> String {
    let mut s = String::new();
    for c in n.children() {
        if c.is_element() {
            break;
        }
        if let Some(t) = c.text()
            && c.is_text()
        {
            s.push_str(t);
        }
    }
    py_strip(&s).to_owned()
}

fn name_of(n: Node<'_, '_>) -> Name {
    Name {
        raw: qname(n),
        namespace: n.tag_name().namespace().map(str::to_owned),
        local: n.tag_name().name().to_owned(),
    }
}

fn is_std(n: Node<'_, '_>, local: &str) -> bool {
    n.tag_name().namespace().is_none() && n.tag_name().name() == local
}

/// The element children of `n`, with unqualified `<extension>` / `<baseExtension>` wrappers
/// (EPCIS 1.x) opened.
fn children<'a, 'i>(n: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    let mut out = Vec::new();
    let mut stack: Vec<Node<'a, 'i>> = n.children().filter(Node::is_element).collect();
    stack.reverse();
    let mut guard = 0usize;
    while let Some(c) = stack.pop() {
        guard += 1;
        if guard > 1_000_000 {
            break;
        }
        if is_std(c, "extension") || is_std(c, "baseExtension") {
            let mut inner: Vec<Node<'a, 'i>> = c.children().filter(Node::is_element).collect();
            inner.reverse();
            stack.extend(inner);
        } else {
            out.push(c);
        }
    }
    out
}

impl Binder {
    fn problem(&mut self, pointer: String, message: String) {
        self.problems.push(Problem {
            pointer,
            message,
            kind: ProblemKind::Rule,
        });
    }

    fn ext(&mut self, n: Node<'_, '_>, depth: usize) -> Extension {
        let name = name_of(n);
        if depth > MAX_DEPTH {
            self.problem(path_of(n), "nested too deeply; content skipped".to_owned());
            return Extension {
                name,
                value: ExtValue::Literal(Literal::String(String::new())),
            };
        }
        let attributes: Vec<Extension> = n
            .attributes()
            .map(|a| Extension {
                name: Name {
                    raw: a.name().to_owned(),
                    namespace: a.namespace().map(str::to_owned),
                    local: a.name().to_owned(),
                },
                value: ExtValue::Literal(Literal::String(a.value().to_owned())),
            })
            .collect();
        let kids = children(n);
        let text = text_of(n);
        if attributes.is_empty() && kids.is_empty() {
            return Extension {
                name,
                value: ExtValue::Literal(Literal::String(text)),
            };
        }
        let children = kids.into_iter().map(|c| self.ext(c, depth + 1)).collect();
        Extension {
            name,
            value: ExtValue::Element(XmlElement {
                attributes,
                text,
                children,
            }),
        }
    }

    /// Attributes of a standard element that has extension points: kept as extensions;
    /// unqualified ones are not allowed by the XSD.
    fn attrs_as_ext(&mut self, n: Node<'_, '_>, out: &mut Vec<Extension>) {
        for a in n.attributes() {
            if a.namespace().is_none() {
                self.problem(
                    format!("{}/@{}", path_of(n), a.name()),
                    format!("attribute \"{}\" is not allowed here", a.name()),
                );
            }
            out.push(Extension {
                name: Name {
                    raw: a.name().to_owned(),
                    namespace: a.namespace().map(str::to_owned),
                    local: a.name().to_owned(),
                },
                value: ExtValue::Literal(Literal::String(a.value().to_owned())),
            });
        }
    }

    /// A leaf field: its text. Child elements are not expected.
    fn leaf(&mut self, n: Node<'_, '_>) -> String {
        if !children(n).is_empty() {
            self.problem(
                path_of(n),
                format!("{} must hold text, not elements", qname(n)),
            );
        }
        text_of(n)
    }

    fn unknown(&mut self, n: Node<'_, '_>, where_: &str, out: &mut Vec<Extension>) {
        if n.tag_name().namespace().is_none() {
            self.problem(
                path_of(n),
                format!(
                    "unqualified element <{}> is not part of {where_}",
                    n.tag_name().name()
                ),
            );
        }
        out.push(self.ext(n, 1));
    }

    fn document(&mut self, root: Node<'_, '_>) -> Document {
        let kind = match root.tag_name().name() {
            "EPCISDocument" => DocumentKind::Document,
            "EPCISQueryDocument" => DocumentKind::QueryDocument,
            other => {
                // A capture job or master-data document, or not EPCIS at all: nothing more to
                // check here.
                self.problem(
                    path_of(root),
                    format!(
                        "the root element must be EPCISDocument or EPCISQueryDocument, not {other}"
                    ),
                );
                return Document::new(Syntax::Xml, DocumentKind::Document);
            }
        };
        let mut doc = Document::new(Syntax::Xml, kind);
        for ns in root.namespaces() {
            if let Some(p) = ns.name() {
                doc.context.terms.push(Extension {
                    name: Name::plain(p),
                    value: ExtValue::Literal(Literal::String(ns.uri().to_owned())),
                });
            }
        }
        for a in root.attributes() {
            match (a.namespace(), a.name()) {
                (None, "schemaVersion") => doc.schema_version = Some(a.value().to_owned()),
                (None, "creationDate") => doc.creation_date = Some(a.value().to_owned()),
                (Some(_), _) => {}
                (None, other) => self.problem(
                    format!("{}/@{other}", path_of(root)),
                    format!("attribute \"{other}\" is not allowed on the document"),
                ),
            }
        }
        for (attr, value) in [
            ("schemaVersion", &doc.schema_version),
            ("creationDate", &doc.creation_date),
        ] {
            if value.is_none() {
                self.problem(path_of(root), format!("missing: the {attr} attribute"));
            }
        }
        let mut body = false;
        for c in children(root) {
            if is_std(c, "EPCISHeader") {
                doc.header = Some(self.ext(c, 1).value);
            } else if is_std(c, "EPCISBody") {
                body = true;
                self.body(&mut doc, c);
            } else if doc.kind == DocumentKind::QueryDocument
                && ["queryName", "subscriptionID", "resultsBody"]
                    .iter()
                    .any(|n| is_std(c, n))
            {
                // Seen in the wild (and in a reference vector): query results without the
                // EPCISBody/QueryResults wrappers. Read them, but say so.
                body = true;
                self.problem(
                    path_of(c),
                    format!("<{}> belongs inside EPCISBody/QueryResults", qname(c)),
                );
                self.query_result(&mut doc, c);
            } else {
                self.unknown(c, "the document", &mut doc.extensions);
            }
        }
        if !body {
            self.problem(path_of(root), "missing: EPCISBody".to_owned());
        }
        doc
    }

    fn body(&mut self, doc: &mut Document, body: Node<'_, '_>) {
        for c in children(body) {
            let local = c.tag_name().name();
            if local == "EventList" && c.tag_name().namespace().is_none() {
                self.event_list(doc, c);
            } else if local == "QueryResults" {
                for q in children(c) {
                    self.query_result(doc, q);
                }
            } else {
                self.unknown(c, "EPCISBody", &mut doc.extensions);
            }
        }
    }

    /// One child of `QueryResults`.
    fn query_result(&mut self, doc: &mut Document, q: Node<'_, '_>) {
        match q.tag_name().name() {
            "queryName" => doc.query_name = Some(self.leaf(q)),
            "subscriptionID" => doc.subscription_id = Some(self.leaf(q)),
            "resultsBody" => {
                for r in children(q) {
                    if is_std(r, "EventList") {
                        self.event_list(doc, r);
                    } else {
                        doc.extensions.push(self.ext(r, 1));
                    }
                }
            }
            _ => doc.extensions.push(self.ext(q, 1)),
        }
    }

    fn event_list(&mut self, doc: &mut Document, list: Node<'_, '_>) {
        for e in children(list) {
            let ev = self.event(e);
            self.locations.push(path_of(e));
            doc.events.push(ev);
        }
    }

    fn epcs(&mut self, n: Node<'_, '_>, item: &str) -> Vec<String> {
        let mut out = Vec::new();
        for c in children(n) {
            if is_std(c, item) {
                out.push(self.leaf(c));
            } else {
                self.problem(
                    path_of(c),
                    format!("<{}> must contain only <{item}> elements", qname(n)),
                );
            }
        }
        out
    }

    fn quantities(&mut self, n: Node<'_, '_>) -> Vec<QuantityElement> {
        let mut out = Vec::new();
        for c in children(n) {
            if !is_std(c, "quantityElement") {
                self.problem(
                    path_of(c),
                    format!(
                        "<{}> must contain only <quantityElement> elements",
                        qname(n)
                    ),
                );
                continue;
            }
            let mut q = QuantityElement::default();
            for f in children(c) {
                if is_std(f, "epcClass") {
                    q.epc_class = Some(self.leaf(f));
                } else if is_std(f, "quantity") {
                    // `xsi:nil="true"` says there is no quantity.
                    let nil = f.attributes().any(|a| {
                        a.name() == "nil"
                            && a.namespace() == Some("http://www.w3.org/2001/XMLSchema-instance")
                            && matches!(a.value().trim(), "true" | "1")
                    });
                    let text = self.leaf(f);
                    if !nil {
                        q.quantity = Some(Literal::String(text));
                    }
                } else if is_std(f, "uom") {
                    q.uom = Some(self.leaf(f));
                } else {
                    self.unknown(f, "quantityElement", &mut q.extensions);
                }
            }
            out.push(q);
        }
        out
    }

    fn location(&mut self, n: Node<'_, '_>) -> Location {
        let mut l = Location::default();
        self.attrs_as_ext(n, &mut l.extensions);
        for c in children(n) {
            if is_std(c, "id") {
                l.id = Some(self.leaf(c));
            } else {
                self.unknown(c, "a location", &mut l.extensions);
            }
        }
        l
    }

    /// A bizTransaction / source / destination: `type` attribute, text ID.
    fn pair(&mut self, n: Node<'_, '_>) -> (Option<String>, Option<String>, Vec<Extension>) {
        let mut kind = None;
        let mut ext = Vec::new();
        for a in n.attributes() {
            if a.namespace().is_none() && a.name() == "type" {
                kind = Some(a.value().to_owned());
            } else {
                ext.push(Extension {
                    name: Name {
                        raw: a.name().to_owned(),
                        namespace: a.namespace().map(str::to_owned),
                        local: a.name().to_owned(),
                    },
                    value: ExtValue::Literal(Literal::String(a.value().to_owned())),
                });
            }
        }
        (kind, Some(self.leaf(n)), ext)
    }

    fn sensor_fields(&mut self, n: Node<'_, '_>, standard: &[&str]) -> SensorFields {
        let mut f = SensorFields::default();
        for a in n.attributes() {
            if a.namespace().is_none() && standard.contains(&a.name()) {
                f.fields
                    .push((a.name().to_owned(), Literal::String(a.value().to_owned())));
            } else {
                if a.namespace().is_none() {
                    self.problem(
                        format!("{}/@{}", path_of(n), a.name()),
                        format!(
                            "attribute \"{}\" is not allowed on <{}>",
                            a.name(),
                            qname(n)
                        ),
                    );
                }
                f.extensions.push(Extension {
                    name: Name {
                        raw: a.name().to_owned(),
                        namespace: a.namespace().map(str::to_owned),
                        local: a.name().to_owned(),
                    },
                    value: ExtValue::Literal(Literal::String(a.value().to_owned())),
                });
            }
        }
        for c in children(n) {
            let what = qname(n);
            self.unknown(c, &what, &mut f.extensions);
        }
        f
    }

    fn event(&mut self, e: Node<'_, '_>) -> Event {
        let mut ev = Event::default();
        let type_name = match e.tag_name().namespace() {
            Some(ns) => format!("{{{ns}}}{}", e.tag_name().name()),
            None => e.tag_name().name().to_owned(),
        };
        ev.event_type = Some(EventType::parse(&type_name));
        self.attrs_as_ext(e, &mut ev.extensions);
        let mut certification = Vec::new();
        for c in children(e) {
            if c.tag_name().namespace().is_some() {
                ev.extensions.push(self.ext(c, 1));
                continue;
            }
            match c.tag_name().name() {
                "eventTime" => ev.event_time = Some(self.leaf(c)),
                "recordTime" => ev.record_time = Some(self.leaf(c)),
                "eventTimeZoneOffset" => ev.event_time_zone_offset = Some(self.leaf(c)),
                "eventID" => ev.event_id = Some(self.leaf(c)),
                "certificationInfo" => certification.push(self.leaf(c)),
                "parentID" => ev.parent_id = Some(self.leaf(c)),
                "epcList" => ev.epc_list = Some(self.epcs(c, "epc")),
                "childEPCs" => ev.child_epcs = Some(self.epcs(c, "epc")),
                "inputEPCList" => ev.input_epc_list = Some(self.epcs(c, "epc")),
                "outputEPCList" => ev.output_epc_list = Some(self.epcs(c, "epc")),
                "quantityList" => ev.quantity_list = Some(self.quantities(c)),
                "childQuantityList" => ev.child_quantity_list = Some(self.quantities(c)),
                "inputQuantityList" => ev.input_quantity_list = Some(self.quantities(c)),
                "outputQuantityList" => ev.output_quantity_list = Some(self.quantities(c)),
                "action" => ev.action = Some(self.leaf(c)),
                "transformationID" => ev.transformation_id = Some(self.leaf(c)),
                "bizStep" => ev.biz_step = Some(self.leaf(c)),
                "disposition" => ev.disposition = Some(self.leaf(c)),
                "persistentDisposition" => {
                    let mut pd = PersistentDisposition::default();
                    for x in children(c) {
                        if is_std(x, "set") {
                            let v = self.leaf(x);
                            pd.set.get_or_insert_with(Vec::new).push(v);
                        } else if is_std(x, "unset") {
                            let v = self.leaf(x);
                            pd.unset.get_or_insert_with(Vec::new).push(v);
                        } else {
                            self.unknown(x, "persistentDisposition", &mut pd.extensions);
                        }
                    }
                    ev.persistent_disposition = Some(pd);
                }
                "readPoint" => ev.read_point = Some(self.location(c)),
                "bizLocation" => ev.biz_location = Some(self.location(c)),
                "bizTransactionList" => {
                    let mut list = Vec::new();
                    for x in children(c) {
                        if is_std(x, "bizTransaction") {
                            let (kind, value, extensions) = self.pair(x);
                            list.push(BizTransaction {
                                kind,
                                value,
                                extensions,
                            });
                        } else {
                            self.problem(
                                path_of(x),
                                "<bizTransactionList> must contain only <bizTransaction> elements"
                                    .to_owned(),
                            );
                        }
                    }
                    ev.biz_transaction_list = Some(list);
                }
                name @ ("sourceList" | "destinationList") => {
                    let item = if name == "sourceList" {
                        "source"
                    } else {
                        "destination"
                    };
                    let mut list = Vec::new();
                    for x in children(c) {
                        if is_std(x, item) {
                            let (kind, value, extensions) = self.pair(x);
                            list.push(SourceDest {
                                kind,
                                value,
                                extensions,
                            });
                        } else {
                            self.problem(
                                path_of(x),
                                format!("<{name}> must contain only <{item}> elements"),
                            );
                        }
                    }
                    if name == "sourceList" {
                        ev.source_list = Some(list);
                    } else {
                        ev.destination_list = Some(list);
                    }
                }
                "sensorElementList" => {
                    let mut list = Vec::new();
                    for x in children(c) {
                        if !is_std(x, "sensorElement") {
                            self.problem(
                                path_of(x),
                                "<sensorElementList> must contain only <sensorElement> elements"
                                    .to_owned(),
                            );
                            continue;
                        }
                        let mut se = SensorElement::default();
                        self.attrs_as_ext(x, &mut se.extensions);
                        for y in children(x) {
                            if is_std(y, "sensorMetadata") {
                                se.metadata = Some(self.sensor_fields(y, &SENSOR_METADATA_FIELDS));
                            } else if is_std(y, "sensorReport") {
                                let r = self.sensor_fields(y, &SENSOR_REPORT_FIELDS);
                                se.reports.push(r);
                            } else {
                                self.unknown(y, "sensorElement", &mut se.extensions);
                            }
                        }
                        list.push(se);
                    }
                    ev.sensor_element_list = Some(list);
                }
                "ilmd" => {
                    let mut items = Vec::new();
                    for x in children(c) {
                        self.unknown(x, "ilmd", &mut items);
                    }
                    ev.ilmd = Some(items);
                }
                "errorDeclaration" => {
                    let mut ed = ErrorDeclaration::default();
                    for x in children(c) {
                        if is_std(x, "declarationTime") {
                            ed.declaration_time = Some(self.leaf(x));
                        } else if is_std(x, "reason") {
                            ed.reason = Some(self.leaf(x));
                        } else if is_std(x, "correctiveEventIDs") {
                            ed.corrective_event_ids = Some(self.epcs(x, "correctiveEventID"));
                        } else {
                            self.unknown(x, "errorDeclaration", &mut ed.extensions);
                        }
                    }
                    ev.error_declaration = Some(ed);
                }
                _ => self.unknown(c, "an EPCIS event", &mut ev.extensions),
            }
        }
        if !certification.is_empty() {
            ev.certification_info = Some(OneOrMany::Many(certification));
        }
        ev
    }
}
