//! The JSON / JSON-LD binding (EPCIS 2.0 §9): a JSON text to the [`crate::model`].
//!
//! The binder checks what only the JSON shape shows — member types, duplicate members — and
//! reports each problem with the JSON pointer of the member at fault. A member of the wrong
//! shape is kept as an extension under its own name, so nothing the sender wrote is lost and
//! the event hash still sees it (as the reference implementation would). Everything else is
//! checked on the model by [`crate::validate`].

use crate::cbv::CONTEXT_PREFIXES;
use crate::json::{self, Json, Kind, Member};
use crate::model::{
    BizTransaction, Context, Document, DocumentKind, ErrorDeclaration, Event, EventType, ExtValue,
    Extension, Literal, Location, Name, OneOrMany, PersistentDisposition, QuantityElement,
    SensorElement, SensorFields, SourceDest, Syntax,
};
use crate::problem::{Problem, ProblemKind, escape_token};
use crate::{Error, Parsed};

/// Reads an EPCIS JSON-LD document, query document or single event.
///
/// # Errors
/// [`Error::Json`] when the text is not JSON at all; every other problem is reported in
/// [`Parsed::problems`].
pub fn parse_json(text: &str) -> Result<Parsed, Error> {
    let root = json::parse(text).map_err(|e| {
        let (line, column) = json::line_column(text, e.offset);
        Error::Json {
            line,
            column,
            message: e.message,
        }
    })?;
    let mut b = Binder {
        problems: Vec::new(),
        prefixes: Vec::new(),
        locations: Vec::new(),
    };
    let document = b.document(&root);
    Ok(Parsed {
        document,
        problems: b.problems,
        event_locations: b.locations,
    })
}

struct Binder {
    problems: Vec<Problem>,
    /// Inline context prefixes, for resolving extension names.
    prefixes: Vec<(String, String)>,
    locations: Vec<String>,
}

fn child(ptr: &str, key: &str) -> String {
    let mut out = String::with_capacity(ptr.len() + key.len() + 1);
    out.push_str(ptr);
    out.push('/');
    if key.contains(['~', '/']) {
        out.push_str(&escape_token(key));
    } else {
        out.push_str(key);
    }
    out
}

/// The members of an object, later duplicates winning (as Python's `json` and JSON-LD do);
/// each duplicate is reported.
fn dedup<'j, 'a>(
    members: &'j [Member<'a>],
    ptr: &str,
    problems: &mut Vec<Problem>,
) -> Vec<&'j Member<'a>> {
    let mut out: Vec<&Member<'a>> = Vec::with_capacity(members.len());
    for m in members {
        if let Some(i) = out.iter().position(|o| o.key == m.key) {
            problems.push(Problem {
                pointer: child(ptr, &m.key),
                message: format!("duplicate member \"{}\"; only the last one counts", m.key),
                kind: ProblemKind::Rule,
            });
            out.remove(i);
        }
        out.push(m);
    }
    out
}

impl Binder {
    fn problem(&mut self, pointer: String, message: String) {
        self.problems.push(Problem {
            pointer,
            message,
            kind: ProblemKind::Schema,
        });
    }

    fn wrong_type(&mut self, ptr: &str, want: &str, got: &Json<'_>) {
        self.problem(
            ptr.to_owned(),
            format!(
                "must be {want}, not {} {}",
                article(got.type_name()),
                got.type_name()
            ),
        );
    }

    /// The name of a JSON member: its namespace through the inline context or the EPCIS
    /// context's own prefixes.
    fn name(&self, key: &str) -> Name {
        if let Some((p, local)) = key.split_once(':') {
            let iri = self
                .prefixes
                .iter()
                .rev()
                .find(|(q, _)| q == p)
                .map(|(_, iri)| iri.clone())
                .or_else(|| {
                    CONTEXT_PREFIXES
                        .iter()
                        .find(|(q, _)| *q == p)
                        .map(|(_, iri)| (*iri).to_owned())
                });
            if let Some(iri) = iri {
                return Name {
                    raw: key.to_owned(),
                    namespace: Some(iri),
                    local: local.to_owned(),
                };
            }
        }
        Name::plain(key)
    }

    fn ext_value(&self, v: &Json<'_>) -> ExtValue {
        match &v.kind {
            Kind::Null => ExtValue::Literal(Literal::Null),
            Kind::Bool(b) => ExtValue::Literal(Literal::Bool(*b)),
            Kind::Number(n) => ExtValue::Literal(Literal::Number((*n).to_owned())),
            Kind::String(s) => ExtValue::Literal(Literal::String(s.to_string())),
            Kind::Array(items) => {
                ExtValue::Array(items.iter().map(|i| self.ext_value(i)).collect())
            }
            Kind::Object(members) => {
                // Later duplicates win, as everywhere else.
                let mut out: Vec<Extension> = Vec::with_capacity(members.len());
                for m in members {
                    out.retain(|e| e.name.raw != m.key);
                    out.push(Extension {
                        name: self.name(&m.key),
                        value: self.ext_value(&m.value),
                    });
                }
                ExtValue::Object(out)
            }
        }
    }

    fn extension(&self, key: &str, v: &Json<'_>) -> Extension {
        Extension {
            name: self.name(key),
            value: self.ext_value(v),
        }
    }

    fn context(&mut self, v: &Json<'_>, ptr: &str) -> Context {
        let mut ctx = Context::default();
        let entries: Vec<(String, &Json<'_>)> = match &v.kind {
            Kind::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, it)| (format!("{ptr}/{i}"), it))
                .collect(),
            _ => vec![(ptr.to_owned(), v)],
        };
        for (p, entry) in entries {
            match &entry.kind {
                Kind::String(url) => ctx.urls.push(url.to_string()),
                Kind::Object(members) => {
                    for m in members {
                        ctx.terms.push(Extension {
                            name: Name::plain(&m.key),
                            value: self.ext_value(&m.value),
                        });
                        if let Kind::String(iri) = &m.value.kind {
                            self.prefixes.push((m.key.to_string(), iri.to_string()));
                        }
                    }
                }
                _ => self.wrong_type(&p, "a context URL or object", entry),
            }
        }
        ctx
    }

    fn string(&mut self, v: &Json<'_>, ptr: &str) -> Option<String> {
        match &v.kind {
            Kind::String(s) => Some(s.to_string()),
            _ => {
                self.wrong_type(ptr, "a string", v);
                None
            }
        }
    }

    fn strings(&mut self, v: &Json<'_>, ptr: &str) -> Option<Vec<String>> {
        let Kind::Array(items) = &v.kind else {
            self.wrong_type(ptr, "an array", v);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, it) in items.iter().enumerate() {
            match &it.kind {
                Kind::String(s) => out.push(s.to_string()),
                _ => {
                    self.wrong_type(&format!("{ptr}/{i}"), "a string", it);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn literal(&mut self, v: &Json<'_>, ptr: &str, want: Want) -> Option<Literal> {
        let lit = match (&v.kind, want) {
            (Kind::Number(n), Want::Number) => Literal::Number((*n).to_owned()),
            (Kind::Bool(b), Want::Bool) => Literal::Bool(*b),
            (Kind::String(s), Want::String) => Literal::String(s.to_string()),
            _ => {
                let what = match want {
                    Want::Number => "a number",
                    Want::Bool => "a boolean",
                    Want::String => "a string",
                };
                self.wrong_type(ptr, what, v);
                return None;
            }
        };
        Some(lit)
    }

    fn object<'j, 'a>(&mut self, v: &'j Json<'a>, ptr: &str) -> Option<Vec<&'j Member<'a>>> {
        match &v.kind {
            Kind::Object(members) => Some(dedup(members, ptr, &mut self.problems)),
            _ => {
                self.wrong_type(ptr, "an object", v);
                None
            }
        }
    }

    fn objects<T>(
        &mut self,
        v: &Json<'_>,
        ptr: &str,
        mut f: impl FnMut(&mut Self, &[&Member<'_>], &str) -> T,
    ) -> Option<Vec<T>> {
        let Kind::Array(items) = &v.kind else {
            self.wrong_type(ptr, "an array", v);
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, it) in items.iter().enumerate() {
            let p = format!("{ptr}/{i}");
            match self.object(it, &p) {
                Some(members) => out.push(f(self, &members, &p)),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn document(&mut self, root: &Json<'_>) -> Document {
        let Some(members) = self.object(root, "") else {
            // Not an object, so neither a document nor an event: nothing more to check.
            return Document::new(Syntax::Json, DocumentKind::SingleEvent);
        };
        // The context first: extension names anywhere depend on it.
        let context = members
            .iter()
            .find(|m| m.key == "@context")
            .map(|m| self.context(&m.value, "/@context"));
        let kind = match root.get("type").and_then(Json::as_str) {
            Some("EPCISDocument") => DocumentKind::Document,
            Some("EPCISQueryDocument") => DocumentKind::QueryDocument,
            Some(_) => DocumentKind::SingleEvent,
            None => {
                self.problem(
                    "/type".to_owned(),
                    "missing: an EPCIS document or event needs a type".to_owned(),
                );
                DocumentKind::Document
            }
        };
        let mut doc = Document::new(Syntax::Json, kind.clone());
        if kind == DocumentKind::SingleEvent {
            let mut ev = self.event(&members, "");
            ev.context = context;
            doc.events.push(ev);
            self.locations.push(String::new());
            return doc;
        }
        doc.context = context.unwrap_or_default();
        for m in members {
            let ptr = child("", &m.key);
            let v = &m.value;
            match m.key.as_ref() {
                "@context" => {}
                "type" => {
                    let _ = self.string(v, &ptr);
                }
                "id" => doc.id = self.string(v, &ptr),
                "schemaVersion" => doc.schema_version = self.string(v, &ptr),
                "creationDate" => doc.creation_date = self.string(v, &ptr),
                "instanceIdentifier" if kind == DocumentKind::Document => {
                    doc.instance_identifier = self.string(v, &ptr);
                }
                "sender" if kind == DocumentKind::Document => doc.sender = self.string(v, &ptr),
                "receiver" if kind == DocumentKind::Document => {
                    doc.receiver = self.string(v, &ptr);
                }
                "epcisHeader" if kind == DocumentKind::Document => {
                    if let Kind::Object(_) = v.kind {
                        doc.header = Some(self.ext_value(v));
                    } else {
                        self.wrong_type(&ptr, "an object", v);
                    }
                }
                "epcisBody" => self.body(&mut doc, v, &ptr),
                key => doc.extensions.push(self.extension(key, v)),
            }
        }
        doc
    }

    fn event_list(&mut self, doc: &mut Document, v: &Json<'_>, ptr: &str) {
        let Kind::Array(items) = &v.kind else {
            self.wrong_type(ptr, "an array", v);
            return;
        };
        for (i, it) in items.iter().enumerate() {
            let p = format!("{ptr}/{i}");
            if let Some(members) = self.object(it, &p) {
                let ev = self.event(&members, &p);
                doc.events.push(ev);
                self.locations.push(p);
            }
        }
    }

    fn body(&mut self, doc: &mut Document, v: &Json<'_>, ptr: &str) {
        let Some(members) = self.object(v, ptr) else {
            return;
        };
        let mut found = false;
        for m in members {
            let p = child(ptr, &m.key);
            match (doc.kind.clone(), m.key.as_ref()) {
                (DocumentKind::Document, "eventList") => {
                    found = true;
                    self.event_list(doc, &m.value, &p);
                }
                (DocumentKind::QueryDocument, "queryResults") => {
                    found = true;
                    self.query_results(doc, &m.value, &p);
                }
                (_, key) => {
                    let ext = self.extension(key, &m.value);
                    doc.extensions.push(ext);
                }
            }
        }
        if !found {
            let what = if doc.kind == DocumentKind::Document {
                "eventList"
            } else {
                "queryResults"
            };
            self.problem(format!("{ptr}/{what}"), "missing: required".to_owned());
        }
    }

    fn query_results(&mut self, doc: &mut Document, v: &Json<'_>, ptr: &str) {
        let Some(members) = self.object(v, ptr) else {
            return;
        };
        let mut body = false;
        for m in &members {
            let p = child(ptr, &m.key);
            match m.key.as_ref() {
                "queryName" => doc.query_name = self.string(&m.value, &p),
                "subscriptionID" => doc.subscription_id = self.string(&m.value, &p),
                "resultsBody" => {
                    body = true;
                    let Some(rb) = self.object(&m.value, &p) else {
                        continue;
                    };
                    let mut list = false;
                    for r in rb {
                        let rp = child(&p, &r.key);
                        if r.key == "eventList" {
                            list = true;
                            self.event_list(doc, &r.value, &rp);
                        } else {
                            let ext = self.extension(&r.key, &r.value);
                            doc.extensions.push(ext);
                        }
                    }
                    if !list {
                        self.problem(format!("{p}/eventList"), "missing: required".to_owned());
                    }
                }
                key => {
                    let ext = self.extension(key, &m.value);
                    doc.extensions.push(ext);
                }
            }
        }
        if doc.query_name.is_none() && !members.iter().any(|m| m.key == "queryName") {
            self.problem(format!("{ptr}/queryName"), "missing: required".to_owned());
        }
        if !body {
            self.problem(format!("{ptr}/resultsBody"), "missing: required".to_owned());
        }
    }

    fn quantity(&mut self, members: &[&Member<'_>], ptr: &str) -> QuantityElement {
        let mut q = QuantityElement::default();
        for m in members {
            let p = child(ptr, &m.key);
            match m.key.as_ref() {
                "epcClass" => q.epc_class = self.string(&m.value, &p),
                "quantity" => q.quantity = self.literal(&m.value, &p, Want::Number),
                "uom" => q.uom = self.string(&m.value, &p),
                key => {
                    // The schema closes quantityElement (additionalProperties: false).
                    self.problem(p, format!("\"{key}\" is not a member of a quantityElement"));
                    q.extensions.push(self.extension(key, &m.value));
                    continue;
                }
            }
            self.keep_if_unbound(&mut q.extensions, m, &p);
        }
        q
    }

    /// If the member at `p` was reported as the wrong type, keep it as an extension so it is
    /// not lost.
    fn keep_if_unbound(&mut self, exts: &mut Vec<Extension>, m: &Member<'_>, p: &str) {
        let here = |pr: &Problem| pr.pointer == p || pr.pointer.starts_with(&format!("{p}/"));
        if self.problems.last().is_some_and(here) {
            exts.push(Extension {
                name: Name::plain(&m.key),
                value: self.ext_value(&m.value),
            });
        }
    }

    fn location(&mut self, members: &[&Member<'_>], ptr: &str) -> Location {
        let mut l = Location::default();
        for m in members {
            let p = child(ptr, &m.key);
            if m.key == "id" {
                l.id = self.string(&m.value, &p);
                if l.id.is_none() {
                    self.keep_if_unbound(&mut l.extensions, m, &p);
                }
            } else {
                l.extensions.push(self.extension(&m.key, &m.value));
            }
        }
        l
    }

    fn sensor_fields(&mut self, members: &[&Member<'_>], ptr: &str, report: bool) -> SensorFields {
        let mut f = SensorFields::default();
        for m in members {
            let p = child(ptr, &m.key);
            let want = match m.key.as_ref() {
                "time"
                | "startTime"
                | "endTime"
                | "deviceID"
                | "deviceMetadata"
                | "rawData"
                | "dataProcessingMethod"
                | "bizRules" => Some(Want::String),
                "type"
                | "exception"
                | "microorganism"
                | "chemicalSubstance"
                | "coordinateReferenceSystem"
                | "component"
                | "stringValue"
                | "hexBinaryValue"
                | "uriValue"
                | "uom"
                    if report =>
                {
                    Some(Want::String)
                }
                "value" | "minValue" | "maxValue" | "meanValue" | "sDev" | "percRank"
                | "percValue"
                    if report =>
                {
                    Some(Want::Number)
                }
                "booleanValue" if report => Some(Want::Bool),
                _ => None,
            };
            match want {
                Some(w) => match self.literal(&m.value, &p, w) {
                    Some(lit) => f.fields.push((m.key.to_string(), lit)),
                    None => self.keep_if_unbound(&mut f.extensions, m, &p),
                },
                None => f.extensions.push(self.extension(&m.key, &m.value)),
            }
        }
        f
    }

    fn sensor_element(&mut self, members: &[&Member<'_>], ptr: &str) -> SensorElement {
        let mut se = SensorElement::default();
        for m in members {
            let p = child(ptr, &m.key);
            match m.key.as_ref() {
                "sensorMetadata" => match self.object(&m.value, &p) {
                    Some(mm) => se.metadata = Some(self.sensor_fields(&mm, &p, false)),
                    None => self.keep_if_unbound(&mut se.extensions, m, &p),
                },
                "sensorReport" => {
                    match self.objects(&m.value, &p, |b, mm, pp| b.sensor_fields(mm, pp, true)) {
                        Some(r) => se.reports = r,
                        None => self.keep_if_unbound(&mut se.extensions, m, &p),
                    }
                }
                key => se.extensions.push(self.extension(key, &m.value)),
            }
        }
        se
    }

    fn error_declaration(&mut self, members: &[&Member<'_>], ptr: &str) -> ErrorDeclaration {
        let mut e = ErrorDeclaration::default();
        for m in members {
            let p = child(ptr, &m.key);
            match m.key.as_ref() {
                "declarationTime" => e.declaration_time = self.string(&m.value, &p),
                "reason" => e.reason = self.string(&m.value, &p),
                "correctiveEventIDs" => e.corrective_event_ids = self.strings(&m.value, &p),
                key => {
                    e.extensions.push(self.extension(key, &m.value));
                    continue;
                }
            }
            self.keep_if_unbound(&mut e.extensions, m, &p);
        }
        e
    }

    fn pair(
        &mut self,
        members: &[&Member<'_>],
        ptr: &str,
        id: &str,
    ) -> (Option<String>, Option<String>, Vec<Extension>) {
        let (mut kind, mut value, mut ext) = (None, None, Vec::new());
        for m in members {
            let p = child(ptr, &m.key);
            if m.key == "type" {
                kind = self.string(&m.value, &p);
            } else if m.key == id {
                value = self.string(&m.value, &p);
            } else {
                // bizTransaction, source and destination are closed (additionalProperties:
                // false in the schema).
                self.problem(p, format!("\"{}\" is not a member of a {id}", m.key));
                ext.push(self.extension(&m.key, &m.value));
                continue;
            }
            self.keep_if_unbound(&mut ext, m, &p);
        }
        (kind, value, ext)
    }

    fn event(&mut self, members: &[&Member<'_>], ptr: &str) -> Event {
        let start = self.problems.len();
        let ev = self.event_members(members, ptr);
        if let Some(EventType::Other(_)) = ev.event_type {
            // The schema checks only the common event fields of an extension event type;
            // problems with other standard-named members are ours, not the schema's.
            const COMMON: [&str; 8] = [
                "type",
                "@context",
                "eventTime",
                "recordTime",
                "eventTimeZoneOffset",
                "eventID",
                "certificationInfo",
                "errorDeclaration",
            ];
            for pr in self.problems.iter_mut().skip(start) {
                let rest = pr.pointer.get(ptr.len()..).unwrap_or_default();
                let field = rest
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or_default();
                if !COMMON.contains(&field) {
                    pr.kind = ProblemKind::Rule;
                }
            }
        }
        ev
    }

    fn event_members(&mut self, members: &[&Member<'_>], ptr: &str) -> Event {
        let mut ev = Event::default();
        for m in members {
            let p = child(ptr, &m.key);
            let v = &m.value;
            let before = self.problems.len();
            match m.key.as_ref() {
                "type" => ev.event_type = self.string(v, &p).map(|t| EventType::parse(&t)),
                "@context" => {
                    if ptr.is_empty() {
                        // Handled by the caller for a single event.
                        continue;
                    }
                    ev.context = Some(self.context(v, &p));
                }
                "eventTime" => ev.event_time = self.string(v, &p),
                "recordTime" => ev.record_time = self.string(v, &p),
                "eventTimeZoneOffset" => ev.event_time_zone_offset = self.string(v, &p),
                "eventID" => ev.event_id = self.string(v, &p),
                "certificationInfo" => {
                    ev.certification_info = match &v.kind {
                        Kind::String(s) => Some(OneOrMany::One(s.to_string())),
                        Kind::Array(_) => self.strings(v, &p).map(OneOrMany::Many),
                        _ => {
                            self.wrong_type(&p, "a URI or an array of URIs", v);
                            None
                        }
                    };
                }
                "errorDeclaration" => {
                    if let Some(mm) = self.object(v, &p) {
                        ev.error_declaration = Some(self.error_declaration(&mm, &p));
                    }
                }
                "parentID" => ev.parent_id = self.string(v, &p),
                "epcList" => ev.epc_list = self.strings(v, &p),
                "childEPCs" => ev.child_epcs = self.strings(v, &p),
                "inputEPCList" => ev.input_epc_list = self.strings(v, &p),
                "outputEPCList" => ev.output_epc_list = self.strings(v, &p),
                "quantityList" => ev.quantity_list = self.objects(v, &p, Self::quantity),
                "childQuantityList" => ev.child_quantity_list = self.objects(v, &p, Self::quantity),
                "inputQuantityList" => ev.input_quantity_list = self.objects(v, &p, Self::quantity),
                "outputQuantityList" => {
                    ev.output_quantity_list = self.objects(v, &p, Self::quantity);
                }
                "action" => ev.action = self.string(v, &p),
                "transformationID" => ev.transformation_id = self.string(v, &p),
                "bizStep" => ev.biz_step = self.string(v, &p),
                "disposition" => ev.disposition = self.string(v, &p),
                "persistentDisposition" => {
                    if let Some(mm) = self.object(v, &p) {
                        let mut pd = PersistentDisposition::default();
                        for x in mm {
                            let xp = child(&p, &x.key);
                            match x.key.as_ref() {
                                "set" => pd.set = self.strings(&x.value, &xp),
                                "unset" => pd.unset = self.strings(&x.value, &xp),
                                key => {
                                    self.problem(
                                        xp,
                                        format!(
                                            "\"{key}\" is not a member of persistentDisposition"
                                        ),
                                    );
                                    pd.extensions.push(self.extension(key, &x.value));
                                    continue;
                                }
                            }
                            self.keep_if_unbound(&mut pd.extensions, x, &xp);
                        }
                        ev.persistent_disposition = Some(pd);
                    }
                }
                "readPoint" => {
                    ev.read_point = self.object(v, &p).map(|mm| self.location(&mm, &p));
                }
                "bizLocation" => {
                    ev.biz_location = self.object(v, &p).map(|mm| self.location(&mm, &p));
                }
                "bizTransactionList" => {
                    ev.biz_transaction_list = self.objects(v, &p, |b, mm, pp| {
                        let (kind, value, extensions) = b.pair(mm, pp, "bizTransaction");
                        BizTransaction {
                            kind,
                            value,
                            extensions,
                        }
                    });
                }
                "sourceList" | "destinationList" => {
                    let id = if m.key == "sourceList" {
                        "source"
                    } else {
                        "destination"
                    };
                    let list = self.objects(v, &p, |b, mm, pp| {
                        let (kind, value, extensions) = b.pair(mm, pp, id);
                        SourceDest {
                            kind,
                            value,
                            extensions,
                        }
                    });
                    if m.key == "sourceList" {
                        ev.source_list = list;
                    } else {
                        ev.destination_list = list;
                    }
                }
                "sensorElementList" => {
                    ev.sensor_element_list = self.objects(v, &p, Self::sensor_element);
                }
                "ilmd" => {
                    if let Some(mm) = self.object(v, &p) {
                        ev.ilmd = Some(
                            mm.iter()
                                .map(|x| self.extension(&x.key, &x.value))
                                .collect(),
                        );
                    }
                }
                key => {
                    ev.extensions.push(self.extension(key, v));
                    continue;
                }
            }
            // A standard member of the wrong JSON type: keep it, under its own name, so the
            // model (and the hash) still has what was sent.
            if self.problems.len() > before
                && self
                    .problems
                    .get(before..)
                    .is_some_and(|ps| ps.iter().any(|pr| pr.kind == ProblemKind::Schema))
                && !is_fully_bound(&ev, &m.key)
            {
                ev.extensions.push(Extension {
                    name: Name::plain(&m.key),
                    value: self.ext_value(v),
                });
            }
        }
        ev
    }
}

/// Whether the model holds a value for a standard member (so a problem inside it, such as a
/// bad list item, was not a reason to drop it).
fn is_fully_bound(ev: &Event, key: &str) -> bool {
    match key {
        "type" => ev.event_type.is_some(),
        "eventTime" => ev.event_time.is_some(),
        "recordTime" => ev.record_time.is_some(),
        "eventTimeZoneOffset" => ev.event_time_zone_offset.is_some(),
        "eventID" => ev.event_id.is_some(),
        "certificationInfo" => ev.certification_info.is_some(),
        "errorDeclaration" => ev.error_declaration.is_some(),
        "parentID" => ev.parent_id.is_some(),
        "epcList" => ev.epc_list.is_some(),
        "childEPCs" => ev.child_epcs.is_some(),
        "inputEPCList" => ev.input_epc_list.is_some(),
        "outputEPCList" => ev.output_epc_list.is_some(),
        "quantityList" => ev.quantity_list.is_some(),
        "childQuantityList" => ev.child_quantity_list.is_some(),
        "inputQuantityList" => ev.input_quantity_list.is_some(),
        "outputQuantityList" => ev.output_quantity_list.is_some(),
        "action" => ev.action.is_some(),
        "transformationID" => ev.transformation_id.is_some(),
        "bizStep" => ev.biz_step.is_some(),
        "disposition" => ev.disposition.is_some(),
        "persistentDisposition" => ev.persistent_disposition.is_some(),
        "readPoint" => ev.read_point.is_some(),
        "bizLocation" => ev.biz_location.is_some(),
        "bizTransactionList" => ev.biz_transaction_list.is_some(),
        "sourceList" => ev.source_list.is_some(),
        "destinationList" => ev.destination_list.is_some(),
        "sensorElementList" => ev.sensor_element_list.is_some(),
        "ilmd" => ev.ilmd.is_some(),
        _ => true,
    }
}

#[derive(Clone, Copy)]
enum Want {
    String,
    Number,
    Bool,
}

fn article(type_name: &str) -> &'static str {
    if type_name.starts_with(['a', 'o']) {
        "an"
    } else {
        "a"
    }
}
