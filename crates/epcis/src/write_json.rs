//! The JSON-LD binding in the other direction: one event of the [`crate::model`] written as a
//! standalone EPCIS 2.0 JSON-LD event object, with its own `@context`.
//!
//! This is what the repository stores and serves for every captured event, whichever binding it
//! arrived in, so it must keep the event hash: reading the written event back must give the same
//! hash ID as the original. Members are written in the order of the JSON schema's properties,
//! values keep their JSON types (numbers as written), XML values become the JSON types the
//! JSON-LD binding gives those members (sensor values and quantities as numbers, `booleanValue`
//! as a boolean), and XML extension names whose namespace prefix the context does not declare get
//! a generated prefix so their namespace survives.

use std::fmt::Write as _;

use crate::cbv::CONTEXT_PREFIXES;
use crate::model::{
    Context, Event, ExtValue, Extension, Literal, Location, OneOrMany, QuantityElement,
    SensorFields, Syntax,
};

/// The EPCIS 2.0 JSON-LD context every written event names first.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Values the repository sets on a stored event: its ID (when the sender gave none) and the
/// record time (always the repository's, EPCIS 2.0 §7.4.1).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stamp<'a> {
    /// `eventID` to write when the event has none.
    pub event_id: Option<&'a str>,
    /// `recordTime` to write instead of any the sender gave.
    pub record_time: Option<&'a str>,
}

/// A JSON object being written, members in insertion order.
struct Object {
    out: String,
    first: bool,
    /// Whether string values get the XML binding's CURIE expansion (see [`xml_value`]).
    xml: bool,
}

/// How the event hash reads a string value of an XML event: the `gs1:` and `cbv:` prefixes are
/// expanded (the reference implementation's `_expand_value_prefix`), which JSON does not do for
/// prefixes of the remote EPCIS context. Writing the expanded IRI keeps the hash.
fn xml_value(value: &str) -> std::borrow::Cow<'_, str> {
    let mut out = std::borrow::Cow::Borrowed(value);
    for (prefix, iri) in [
        ("gs1:", "https://gs1.org/voc/"),
        ("cbv:", "https://ref.gs1.org/cbv/"),
    ] {
        if out.starts_with(prefix) {
            out = std::borrow::Cow::Owned(out.replace(prefix, iri));
        }
    }
    out
}

impl Object {
    fn new(xml: bool) -> Self {
        Object {
            out: String::from("{"),
            first: true,
            xml,
        }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(&mut self.out, key);
        self.out.push(':');
    }

    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    fn text(&mut self, key: &str, value: &str) {
        self.key(key);
        if self.xml {
            string(&mut self.out, &xml_value(value));
        } else {
            string(&mut self.out, value);
        }
    }

    /// A string written exactly, for the IDs of business transactions, sources and
    /// destinations, which the XML hash does not expand.
    fn text_exact(&mut self, key: &str, value: Option<&String>) {
        if let Some(value) = value {
            self.key(key);
            string(&mut self.out, value);
        }
    }

    fn opt_text(&mut self, key: &str, value: Option<&String>) {
        if let Some(value) = value {
            self.text(key, value);
        }
    }

    fn strings(&mut self, key: &str, values: Option<&Vec<String>>) {
        if let Some(values) = values {
            self.key(key);
            let xml = self.xml;
            array(
                &mut self.out,
                values.iter().map(|v| {
                    if xml {
                        quoted(&xml_value(v))
                    } else {
                        quoted(v)
                    }
                }),
            );
        }
    }

    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Writes `value` as a JSON string (RFC 8259 §7).
fn string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    string(&mut out, value);
    out
}

fn array(out: &mut String, items: impl Iterator<Item = String>) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&item);
    }
    out.push(']');
}

/// Whether `text` is a JSON number (RFC 8259 §6), so it can be written unquoted.
fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if bytes.first() == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == bytes.len()
}

/// What JSON type a member has in the JSON-LD binding, for values that XML carries as text.
#[derive(Clone, Copy)]
enum Want {
    Number,
    Bool,
    Keep,
}

fn literal(value: &Literal, want: Want, xml: bool) -> String {
    match (value, want) {
        (Literal::Number(n), _) => n.clone(),
        (Literal::Bool(b), _) => b.to_string(),
        (Literal::Null, _) => "null".into(),
        (Literal::String(s), Want::Number) if is_json_number(s.trim()) => s.trim().to_owned(),
        (Literal::String(s), Want::Bool) if matches!(s.trim(), "true" | "false") => {
            s.trim().to_owned()
        }
        (Literal::String(s), _) if xml => quoted(&xml_value(s)),
        (Literal::String(s), _) => quoted(s),
    }
}

/// Names extension members: the name as written when its prefix means the same namespace in the
/// written context, else a generated prefix declared in the context.
struct Namer {
    /// Whether the event came from XML (string values get [`xml_value`]).
    xml: bool,
    /// Prefixes the written context declares: inline terms, then the EPCIS context's own.
    declared: Vec<(String, String)>,
    /// Prefixes generated for namespaces with no usable prefix.
    generated: Vec<(String, String)>,
}

impl Namer {
    fn iri(&self, prefix: &str) -> Option<&str> {
        self.declared
            .iter()
            .chain(&self.generated)
            .rev()
            .find(|(p, _)| p == prefix)
            .map(|(_, iri)| iri.as_str())
            // A JSON event may rely on the EPCIS context's own prefixes, and keeps doing so. The
            // hash does not expand names through the remote context, so XML names always get
            // an inline prefix instead.
            .or_else(|| {
                CONTEXT_PREFIXES
                    .iter()
                    .find(|(p, _)| *p == prefix && !self.xml)
                    .map(|(_, iri)| *iri)
            })
    }

    fn key(&mut self, extension: &Extension) -> String {
        let name = &extension.name;
        let Some(namespace) = &name.namespace else {
            return name.raw.clone();
        };
        if let Some((prefix, _)) = name.raw.split_once(':')
            && self.iri(prefix) == Some(namespace.as_str())
        {
            return name.raw.clone();
        }
        let existing = self
            .declared
            .iter()
            .chain(&self.generated)
            .find(|(_, iri)| iri == namespace)
            .map(|(p, _)| p.clone());
        let prefix = existing.unwrap_or_else(|| {
            let prefix = format!("ns{}", self.generated.len() + 1);
            self.generated.push((prefix.clone(), namespace.clone()));
            prefix
        });
        format!("{prefix}:{}", name.local)
    }

    fn value(&mut self, value: &ExtValue) -> String {
        match value {
            ExtValue::Literal(l) => literal(l, Want::Keep, self.xml),
            ExtValue::Array(items) => {
                let mut out = String::new();
                let written: Vec<String> = items.iter().map(|i| self.value(i)).collect();
                array(&mut out, written.into_iter());
                out
            }
            ExtValue::Object(members) => self.members(members),
            ExtValue::Element(element) => {
                // An XML element with attributes or children: attributes and children become
                // members, and the element's own text (if any) its `@value`.
                let mut all: Vec<Extension> = element.attributes.clone();
                all.extend(element.children.iter().cloned());
                let mut object = self.object_of(&all);
                if !element.text.is_empty() {
                    object.text("@value", &element.text);
                }
                object.finish()
            }
        }
    }

    fn object_of(&mut self, members: &[Extension]) -> Object {
        let mut object = Object::new(self.xml);
        self.put(&mut object, members);
        object
    }

    fn members(&mut self, members: &[Extension]) -> String {
        self.object_of(members).finish()
    }

    /// Adds extension members to `object`; repeated names (XML repeats elements) become one
    /// array, because a JSON object keeps only one member per name.
    fn put(&mut self, object: &mut Object, members: &[Extension]) {
        let mut done = vec![false; members.len()];
        for (i, member) in members.iter().enumerate() {
            if done.get(i).copied().unwrap_or(true) {
                continue;
            }
            let key = self.key(member);
            let same: Vec<usize> = members
                .iter()
                .enumerate()
                .skip(i)
                .filter(|(_, m)| m.name == member.name)
                .map(|(j, _)| j)
                .collect();
            if same.len() == 1 {
                let value = self.value(&member.value);
                object.raw(&key, &value);
            } else {
                let values: Vec<String> = same
                    .iter()
                    .filter_map(|j| members.get(*j))
                    .map(|m| self.value(&m.value))
                    .collect();
                let mut out = String::new();
                array(&mut out, values.into_iter());
                object.raw(&key, &out);
            }
            for j in same {
                if let Some(flag) = done.get_mut(j) {
                    *flag = true;
                }
            }
        }
    }
}

fn location(namer: &mut Namer, location: &Location) -> String {
    let mut object = Object::new(namer.xml);
    object.opt_text("id", location.id.as_ref());
    namer.put(&mut object, &location.extensions);
    object.finish()
}

fn quantities(namer: &mut Namer, list: &[QuantityElement]) -> String {
    let mut out = String::new();
    let items: Vec<String> = list
        .iter()
        .map(|q| {
            let mut object = Object::new(namer.xml);
            object.opt_text("epcClass", q.epc_class.as_ref());
            if let Some(quantity) = &q.quantity {
                object.raw("quantity", &literal(quantity, Want::Number, namer.xml));
            }
            object.opt_text("uom", q.uom.as_ref());
            namer.put(&mut object, &q.extensions);
            object.finish()
        })
        .collect();
    array(&mut out, items.into_iter());
    out
}

fn sensor_fields(namer: &mut Namer, fields: &SensorFields) -> String {
    let mut object = Object::new(namer.xml);
    for (name, value) in &fields.fields {
        let want = match name.as_str() {
            "value" | "minValue" | "maxValue" | "meanValue" | "sDev" | "percRank" | "percValue" => {
                Want::Number
            }
            "booleanValue" => Want::Bool,
            _ => Want::Keep,
        };
        object.raw(name, &literal(value, want, namer.xml));
    }
    namer.put(&mut object, &fields.extensions);
    object.finish()
}

/// Why an event cannot be written as JSON-LD without changing its event hash, if it cannot:
/// shapes of XML extensions that the JSON-LD binding has no equivalent for. The capture
/// pipeline refuses such events with this reason rather than store something an auditor could
/// not rehash.
#[must_use]
pub fn json_limitation(event: &Event) -> Option<&'static str> {
    fn in_extensions(extensions: &[Extension]) -> Option<&'static str> {
        extensions
            .iter()
            .find_map(|e| in_value(&e.name.local, &e.value))
    }
    fn in_value(name: &str, value: &ExtValue) -> Option<&'static str> {
        match value {
            ExtValue::Element(element) => {
                if !element.text.is_empty() {
                    return Some(
                        "an XML extension element has both text and attributes or child elements (for example an xsi:type)",
                    );
                }
                if name.ends_with("List") {
                    return Some(
                        "an XML extension element named …List has child elements, which the JSON-LD binding nests differently",
                    );
                }
                in_extensions(&element.attributes).or_else(|| in_extensions(&element.children))
            }
            ExtValue::Array(items) => items.iter().find_map(|i| in_value(name, i)),
            ExtValue::Object(members) => in_extensions(members),
            ExtValue::Literal(_) => None,
        }
    }
    let mut all: Vec<&[Extension]> = vec![&event.extensions];
    if let Some(ilmd) = &event.ilmd {
        all.push(ilmd);
    }
    for place in [&event.read_point, &event.biz_location]
        .into_iter()
        .flatten()
    {
        all.push(&place.extensions);
    }
    if let Some(declaration) = &event.error_declaration {
        all.push(&declaration.extensions);
    }
    for element in event.sensor_element_list.iter().flatten() {
        all.push(&element.extensions);
        for fields in element.metadata.iter().chain(&element.reports) {
            all.push(&fields.extensions);
        }
    }
    all.into_iter().find_map(in_extensions)
}

/// Writes `event` as a standalone JSON-LD event. `context` is the document's context; an event
/// with its own `@context` adds to it, its prefixes overriding the document's, as the event hash
/// reads them.
pub fn event_json(event: &Event, context: &Context, syntax: Syntax, stamp: Stamp<'_>) -> String {
    let contexts: Vec<&Context> = std::iter::once(context)
        .chain(event.context.as_ref())
        .collect();
    // Inline prefixes carried over: for XML, the root's namespace declarations minus the XML
    // binding's own and minus any that would redefine a prefix of the EPCIS context.
    let mut declared: Vec<(String, String)> = Vec::new();
    let mut other_terms: Vec<&Extension> = Vec::new();
    for term in contexts.iter().flat_map(|c| &c.terms) {
        declared.retain(|(prefix, _)| *prefix != term.name.raw);
        other_terms.retain(|other| other.name.raw != term.name.raw);
        match &term.value {
            ExtValue::Literal(Literal::String(iri)) => {
                // XML namespace prefixes are not carried over: in JSON they would also expand
                // CURIE values, which the XML hash leaves alone. Names get generated prefixes.
                if syntax == Syntax::Json {
                    declared.push((term.name.raw.clone(), iri.clone()));
                }
            }
            _ => other_terms.push(term),
        }
    }
    let xml = syntax == Syntax::Xml;
    let mut namer = Namer {
        xml,
        declared,
        generated: Vec::new(),
    };

    // The body first, so that generated prefixes are known when the context is written.
    let mut body = Object::new(xml);
    if let Some(kind) = &event.event_type {
        body.text("type", kind.as_str());
    }
    match (&event.event_id, stamp.event_id) {
        (Some(id), _) => body.text("eventID", id),
        (None, Some(id)) => body.text("eventID", id),
        (None, None) => {}
    }
    body.opt_text("eventTime", event.event_time.as_ref());
    match stamp.record_time {
        Some(time) => body.text("recordTime", time),
        None => body.opt_text("recordTime", event.record_time.as_ref()),
    }
    body.opt_text("eventTimeZoneOffset", event.event_time_zone_offset.as_ref());
    match &event.certification_info {
        Some(OneOrMany::One(one)) => body.text("certificationInfo", one),
        Some(OneOrMany::Many(many)) => body.strings("certificationInfo", Some(many)),
        None => {}
    }
    if let Some(declaration) = &event.error_declaration {
        let mut object = Object::new(namer.xml);
        object.opt_text("declarationTime", declaration.declaration_time.as_ref());
        object.opt_text("reason", declaration.reason.as_ref());
        object.strings(
            "correctiveEventIDs",
            declaration.corrective_event_ids.as_ref(),
        );
        namer.put(&mut object, &declaration.extensions);
        body.raw("errorDeclaration", &object.finish());
    }
    body.opt_text("parentID", event.parent_id.as_ref());
    body.strings("epcList", event.epc_list.as_ref());
    body.strings("childEPCs", event.child_epcs.as_ref());
    body.strings("inputEPCList", event.input_epc_list.as_ref());
    body.strings("outputEPCList", event.output_epc_list.as_ref());
    for (key, list) in [
        ("quantityList", &event.quantity_list),
        ("childQuantityList", &event.child_quantity_list),
        ("inputQuantityList", &event.input_quantity_list),
        ("outputQuantityList", &event.output_quantity_list),
    ] {
        if let Some(list) = list {
            let written = quantities(&mut namer, list);
            body.raw(key, &written);
        }
    }
    body.opt_text("action", event.action.as_ref());
    body.opt_text("transformationID", event.transformation_id.as_ref());
    body.opt_text("bizStep", event.biz_step.as_ref());
    body.opt_text("disposition", event.disposition.as_ref());
    if let Some(pd) = &event.persistent_disposition {
        let mut object = Object::new(namer.xml);
        object.strings("set", pd.set.as_ref());
        object.strings("unset", pd.unset.as_ref());
        namer.put(&mut object, &pd.extensions);
        body.raw("persistentDisposition", &object.finish());
    }
    if let Some(read_point) = &event.read_point {
        let written = location(&mut namer, read_point);
        body.raw("readPoint", &written);
    }
    if let Some(biz_location) = &event.biz_location {
        let written = location(&mut namer, biz_location);
        body.raw("bizLocation", &written);
    }
    if let Some(list) = &event.biz_transaction_list {
        let items: Vec<String> = list
            .iter()
            .map(|t| {
                let mut object = Object::new(namer.xml);
                object.opt_text("type", t.kind.as_ref());
                object.text_exact("bizTransaction", t.value.as_ref());
                namer.put(&mut object, &t.extensions);
                object.finish()
            })
            .collect();
        let mut out = String::new();
        array(&mut out, items.into_iter());
        body.raw("bizTransactionList", &out);
    }
    for (key, member, list) in [
        ("sourceList", "source", &event.source_list),
        ("destinationList", "destination", &event.destination_list),
    ] {
        if let Some(list) = list {
            let items: Vec<String> = list
                .iter()
                .map(|s| {
                    let mut object = Object::new(namer.xml);
                    object.opt_text("type", s.kind.as_ref());
                    object.text_exact(member, s.value.as_ref());
                    namer.put(&mut object, &s.extensions);
                    object.finish()
                })
                .collect();
            let mut out = String::new();
            array(&mut out, items.into_iter());
            body.raw(key, &out);
        }
    }
    if let Some(list) = &event.sensor_element_list {
        let items: Vec<String> = list
            .iter()
            .map(|element| {
                let mut object = Object::new(namer.xml);
                if let Some(metadata) = &element.metadata {
                    let written = sensor_fields(&mut namer, metadata);
                    object.raw("sensorMetadata", &written);
                }
                let reports: Vec<String> = element
                    .reports
                    .iter()
                    .map(|r| sensor_fields(&mut namer, r))
                    .collect();
                let mut out = String::new();
                array(&mut out, reports.into_iter());
                object.raw("sensorReport", &out);
                namer.put(&mut object, &element.extensions);
                object.finish()
            })
            .collect();
        let mut out = String::new();
        array(&mut out, items.into_iter());
        body.raw("sensorElementList", &out);
    }
    if let Some(ilmd) = &event.ilmd {
        let written = namer.members(ilmd);
        body.raw("ilmd", &written);
    }
    namer.put(&mut body, &event.extensions);
    let body = body.finish();

    // The context: the EPCIS context URL first, then every other URL, then one inline object.
    let mut urls: Vec<String> = vec![quoted(EPCIS_CONTEXT)];
    for url in contexts.iter().flat_map(|c| &c.urls) {
        let url = quoted(url);
        if !urls.contains(&url) {
            urls.push(url);
        }
    }
    let mut inline = Object::new(false);
    for (prefix, iri) in namer.declared.iter().chain(&namer.generated) {
        inline.text(prefix, iri);
    }
    for term in other_terms {
        let written = namer.value(&term.value);
        inline.raw(&term.name.raw, &written);
    }
    let inline = inline.finish();
    if inline != "{}" {
        urls.push(inline);
    }
    let mut context_json = String::new();
    array(&mut context_json, urls.into_iter());

    // Splice `@context` in as the first member.
    let rest = body.strip_prefix('{').unwrap_or(&body);
    if rest == "}" {
        format!("{{\"@context\":{context_json}}}")
    } else {
        format!("{{\"@context\":{context_json},{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers() {
        for good in ["0", "-1", "1.5", "1e5", "2.5E-3", "120"] {
            assert!(is_json_number(good), "{good}");
        }
        for bad in ["", "01", "1.", ".5", "+1", "1e", "NaN", "0x10", "1 "] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }

    #[test]
    fn event_context_adds_to_the_document_context() {
        use crate::hash::{HashContext, hash_prehash};
        // `ex` is declared only by the document, `ev` only by the event: the stored event must
        // declare both, or its CURIE values would hash differently once stored on their own.
        let document = r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",{"ex":"http://ex.example/"}],
            "type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-01-01T00:00:00Z",
            "epcisBody":{"eventList":[{"@context":[{"ev":"http://ev.example/"}],"type":"ObjectEvent",
            "eventTime":"2026-01-01T00:00:00Z","eventTimeZoneOffset":"+00:00","action":"OBSERVE",
            "epcList":["urn:epc:id:sgtin:0614141.107346.2018"],"ex:a":"ex:v","ev:b":"ev:w"}]}}"#;
        let parsed = crate::parse_json(document).expect("the document reads");
        let event = parsed.document.events.first().expect("one event");
        let original = hash_prehash(
            &HashContext::for_document(&parsed.document, Default::default()).prehash(event),
        );
        let body = event_json(
            event,
            &parsed.document.context,
            parsed.document.syntax,
            Stamp::default(),
        );
        let stored = crate::parse_json(&body).expect("the stored event reads");
        let reread = stored.document.events.first().expect("one stored event");
        let rehashed = hash_prehash(&HashContext::for_json_event(reread).prehash(reread));
        assert_eq!(original, rehashed, "{body}");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(quoted("a\"b\\c\n\u{1}é"), "\"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
