//! Validation of a [`Document`]: the constraints of GS1's EPCIS 2.0 JSON schema, written out
//! in Rust (the schema file itself is not redistributable), and the capture rules the schema
//! cannot express (EPCIS 2.0 §7, §8; CBV 2.0; GS1 General Specifications §7.9 check digits;
//! the conformance requirements TCR-53/54). Every problem is reported, each with its
//! location (see [`crate::Problem`]).
//!
//! The schema-kind checks are kept in step with the schema by a test that runs the official
//! schema (read from the shared vectors at test time) over the GS1 examples, the schema's own
//! test cases, and mutations of them, and compares the verdicts.

use crate::canon::DateTime;
use crate::cbv::Vocabulary;
use crate::model::{
    Document, DocumentKind, Event, EventType, ExtValue, Extension, Literal, QuantityElement,
    SensorFields, Syntax,
};
use crate::problem::{Problem, ProblemKind, Seg, render};

/// Validates a document read by [`crate::parse_json`] / [`crate::parse_xml`] (use
/// [`crate::Parsed::validate`] to also get the problems found while reading). Event
/// locations are the standard ones (`/epcisBody/eventList/<i>`).
#[must_use]
pub fn validate(doc: &Document) -> Vec<Problem> {
    let locations: Vec<String> = (0..doc.events.len())
        .map(|i| match (doc.syntax, &doc.kind) {
            (Syntax::Json, DocumentKind::Document) => format!("/epcisBody/eventList/{i}"),
            (Syntax::Json, DocumentKind::QueryDocument) => {
                format!("/epcisBody/queryResults/resultsBody/eventList/{i}")
            }
            (Syntax::Json, DocumentKind::SingleEvent) => String::new(),
            (Syntax::Xml, _) => format!("/EPCISDocument/EPCISBody/EventList/*[{}]", i + 1),
        })
        .collect();
    validate_at(doc, &locations)
}

pub(crate) fn validate_at(doc: &Document, locations: &[String]) -> Vec<Problem> {
    let mut problems = validate_document(doc);
    for (i, ev) in doc.events.iter().enumerate() {
        let location = locations.get(i).map_or("", String::as_str);
        problems.extend(validate_event(doc.syntax, ev, location));
    }
    problems
}

/// The checks on the document's own fields (not its events).
pub(crate) fn validate_document(doc: &Document) -> Vec<Problem> {
    let mut v = V::new(doc.syntax, "");
    v.document(doc);
    v.problems
}

/// The checks on one event's values; pointers start with `location`.
pub(crate) fn validate_event(syntax: Syntax, event: &Event, location: &str) -> Vec<Problem> {
    let mut v = V::new(syntax, location);
    v.event(event);
    v.problems
}

/// RFC 3339 `date-time` (what the schema's `format: date-time` accepts): full date, `T`, full
/// time with seconds, optional fraction, `Z` or a numeric offset.
#[must_use]
pub fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || !matches!(b.get(10), Some(b'T' | b't')) {
        return false;
    }
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let shape = (0..4).all(d)
        && b.get(4) == Some(&b'-')
        && d(5)
        && d(6)
        && b.get(7) == Some(&b'-')
        && d(8)
        && d(9)
        && d(11)
        && d(12)
        && b.get(13) == Some(&b':')
        && d(14)
        && d(15)
        && b.get(16) == Some(&b':')
        && d(17)
        && d(18);
    if !shape {
        return false;
    }
    let num = |i: usize, n: usize| {
        b.get(i..i + n)
            .map(|x| x.iter().fold(0u32, |a, c| a * 10 + u32::from(c - b'0')))
            .unwrap_or(99)
    };
    let (hh, mm, ss) = (num(11, 2), num(14, 2), num(17, 2));
    if hh > 23 || mm > 59 || ss > 60 {
        return false;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while d(i) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    let zone_ok = match b.get(i..) {
        Some([b'Z' | b'z']) => true,
        Some([b'+' | b'-', h1, h2, b':', m1, m2]) => {
            [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    };
    // The calendar date must exist (`DateTime::parse` knows month lengths and leap years).
    zone_ok
        && s.get(..10)
            .is_some_and(|date| DateTime::parse(date).is_some())
}

/// An absolute URI (RFC 3986 §4.3 with an optional fragment): a scheme, `:`, then only URI
/// characters and well-formed `%` escapes. This is what the schema's `format: uri` accepts
/// (CURIEs such as `example:field` are URIs by this grammar).
#[must_use]
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.bytes();
    if !sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        || !sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let b = rest.as_bytes();
    let mut i = 0;
    let mut fragment = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
                if !ok {
                    return false;
                }
                i += 3;
                continue;
            }
            b'#' if !fragment => fragment = true,
            c if c.is_ascii_alphanumeric() => {}
            b'-' | b'.' | b'_' | b'~' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+'
            | b',' | b';' | b'=' | b':' | b'@' | b'/' | b'?' | b'[' | b']' => {}
            _ => return false,
        }
        i += 1;
    }
    true
}

/// `eventTimeZoneOffset`: `^([+]|[-])((0[0-9]|1[0-3]):([0-5][0-9])|14:00)$`.
#[must_use]
pub fn is_time_zone_offset(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 6 || !matches!(b.first(), Some(b'+' | b'-')) || b.get(3) != Some(&b':') {
        return false;
    }
    let hh = b.get(1..3).unwrap_or_default();
    let mm = b.get(4..6).unwrap_or_default();
    if !hh.iter().chain(mm).all(u8::is_ascii_digit) {
        return false;
    }
    let h = hh.iter().fold(0, |a, c| a * 10 + (c - b'0'));
    let m = mm.iter().fold(0, |a, c| a * 10 + (c - b'0'));
    (h <= 13 && m <= 59) || (h == 14 && m == 0)
}

/// A UN/ECE Recommendation 20 unit code as the schema spells it: `^[A-Z0-9]{2,3}$`.
#[must_use]
pub fn is_uom(s: &str) -> bool {
    (2..=3).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

struct V {
    syntax: Syntax,
    base: String,
    problems: Vec<Problem>,
    /// Report schema-kind findings as rule-kind (the standard fields of an extension event
    /// type, which the schema does not check).
    downgrade: bool,
}

impl V {
    fn new(syntax: Syntax, base: &str) -> Self {
        V {
            syntax,
            base: base.to_owned(),
            problems: Vec::new(),
            downgrade: false,
        }
    }
}

const STANDARD_EVENT_FIELDS: [&str; 28] = [
    "type",
    "@context",
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "errorDeclaration",
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
];

impl V {
    fn at(&self, segs: &[Seg<'_>]) -> String {
        render(self.syntax, &self.base, segs)
    }

    fn push(&mut self, segs: &[Seg<'_>], kind: ProblemKind, message: String) {
        let pointer = self.at(segs);
        self.problems.push(Problem {
            pointer,
            message,
            kind,
        });
    }

    fn schema(&mut self, segs: &[Seg<'_>], message: String) {
        let kind = if self.downgrade {
            ProblemKind::Rule
        } else {
            ProblemKind::Schema
        };
        self.push(segs, kind, message);
    }

    fn rule(&mut self, segs: &[Seg<'_>], message: String) {
        self.push(segs, ProblemKind::Rule, message);
    }

    fn missing(&mut self, segs: &[Seg<'_>]) {
        self.schema(segs, "missing: required".to_owned());
    }

    fn uri(&mut self, segs: &[Seg<'_>], value: &str) {
        if !is_uri(value) {
            self.schema(
                segs,
                format!(
                    "\"{}\" is not an absolute URI (such as urn:… or https://…)",
                    quote(value)
                ),
            );
        }
    }

    fn time(&mut self, segs: &[Seg<'_>], value: &str) {
        if !is_rfc3339(value) {
            self.schema(
                segs,
                format!(
                    "\"{}\" is not a date-time with a time zone (RFC 3339, e.g. 2024-05-01T09:30:00+08:00)",
                    quote(value)
                ),
            );
        }
    }

    /// A CBV vocabulary value: in JSON a bare word of the vocabulary or a URI that is not a
    /// CBV URN (the schema's `vocab-other-uri`); in XML any absolute URI, whose CBV terms must
    /// be known ones.
    fn vocab(&mut self, segs: &[Seg<'_>], value: &str, vocab: Vocabulary) {
        let gs1_voc = matches!(
            vocab,
            Vocabulary::MeasurementType | Vocabulary::SensorAlertType
        );
        if self.syntax == Syntax::Json {
            if vocab.is_word(value) {
                return;
            }
            let reserved = if gs1_voc {
                [
                    "http://gs1.org/voc/",
                    "https://gs1.org/voc/",
                    "http://www.gs1.org/voc/",
                    "https://www.gs1.org/voc/",
                ]
                .iter()
                .any(|p| value.starts_with(p))
            } else {
                value.starts_with("urn:epcglobal:cbv")
                    || value.starts_with("http://ns.gs1.org/cbv/")
                    || value.starts_with("https://ns.gs1.org/cbv/")
            };
            if !is_uri(value) || reserved {
                let hint = if reserved {
                    "; standard values are written as bare words in JSON"
                } else {
                    ""
                };
                self.schema(
                    segs,
                    format!(
                        "\"{}\" is neither a CBV {} word nor a custom URI{hint}",
                        quote(value),
                        vocab_name(vocab)
                    ),
                );
            }
            return;
        }
        if !is_uri(value) {
            self.schema(segs, format!("\"{}\" is not an absolute URI", quote(value)));
            return;
        }
        let standard = value.starts_with(vocab.web_prefix())
            || vocab.urn_prefix().is_some_and(|p| value.starts_with(p));
        if standard && !gs1_voc && vocab.bare_word(value).is_none() {
            self.rule(
                segs,
                format!(
                    "\"{}\" is not a CBV 2.0 {} value",
                    quote(value),
                    vocab_name(vocab)
                ),
            );
        }
    }

    /// Keys of extension members must be URIs or CURIEs (JSON) / namespaced (XML).
    fn extension_names(&mut self, segs: &[Seg<'_>], exts: &[Extension], standard: &[&str]) {
        for e in exts {
            if standard.contains(&e.name.raw.as_str()) {
                // A standard member of the wrong shape, already reported by the binding.
                continue;
            }
            let ok = match self.syntax {
                Syntax::Json => is_uri(&e.name.raw) || e.name.raw == "@context",
                // The XML binding reports unqualified elements itself.
                Syntax::Xml => true,
            };
            if !ok {
                let mut p = segs.to_vec();
                p.push(Seg::Key(&e.name.raw));
                self.schema(
                    &p,
                    format!(
                        "\"{}\" is not a field here; extension fields need a namespace prefix declared in @context (e.g. \"example:{}\")",
                        quote(&e.name.raw),
                        quote(&e.name.raw)
                    ),
                );
            }
        }
    }

    fn document(&mut self, doc: &Document) {
        if doc.kind == DocumentKind::SingleEvent {
            return;
        }
        let p = |k: &'static str| {
            if doc.syntax == Syntax::Json {
                format!("/{k}")
            } else {
                format!("/@{k}")
            }
        };
        match &doc.schema_version {
            Some(v) => {
                let ok = !v.is_empty()
                    && v.split('.')
                        .all(|part| !part.is_empty() && part.bytes().all(|c| c.is_ascii_digit()));
                if !ok {
                    self.problems.push(Problem {
                        pointer: p("schemaVersion"),
                        message: format!("\"{}\" is not a version number such as 2.0", quote(v)),
                        kind: ProblemKind::Schema,
                    });
                }
            }
            None if doc.syntax == Syntax::Json && doc.kind == DocumentKind::Document => {
                self.problems.push(Problem {
                    pointer: "/schemaVersion".to_owned(),
                    message: "missing: required".to_owned(),
                    kind: ProblemKind::Schema,
                });
            }
            None => {}
        }
        match &doc.creation_date {
            Some(t) if !is_rfc3339(t) => self.problems.push(Problem {
                pointer: p("creationDate"),
                message: format!(
                    "\"{}\" is not a date-time with a time zone (RFC 3339)",
                    quote(t)
                ),
                kind: ProblemKind::Schema,
            }),
            None if doc.syntax == Syntax::Json && doc.kind == DocumentKind::Document => {
                self.problems.push(Problem {
                    pointer: "/creationDate".to_owned(),
                    message: "missing: required".to_owned(),
                    kind: ProblemKind::Schema,
                });
            }
            _ => {}
        }
        if let Some(id) = &doc.id
            && !is_uri(id)
        {
            self.problems.push(Problem {
                pointer: "/id".to_owned(),
                message: format!("\"{}\" is not an absolute URI", quote(id)),
                kind: ProblemKind::Schema,
            });
        }
        if doc.syntax == Syntax::Json {
            self.base.clear();
            self.extension_names(&[], &doc.extensions, &[]);
        }
    }

    fn event(&mut self, ev: &Event) {
        let ty = ev.event_type.clone();
        match &ty {
            None => self.missing(&[Seg::Key("type")]),
            Some(EventType::Other(t)) if !is_uri(t) => self.schema(
                &[Seg::Key("type")],
                format!(
                    "\"{}\" is not an EPCIS event type (ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent) nor an extension type URI",
                    quote(t)
                ),
            ),
            _ => {}
        }
        match &ev.event_time {
            Some(t) => self.time(&[Seg::Key("eventTime")], t),
            None => self.missing(&[Seg::Key("eventTime")]),
        }
        if let Some(t) = &ev.record_time {
            self.time(&[Seg::Key("recordTime")], t);
        }
        match &ev.event_time_zone_offset {
            Some(o) if !is_time_zone_offset(o) => self.schema(
                &[Seg::Key("eventTimeZoneOffset")],
                format!(
                    "\"{}\" is not an offset from -14:00 to +14:00 such as +08:00",
                    quote(o)
                ),
            ),
            Some(_) => {}
            None => self.missing(&[Seg::Key("eventTimeZoneOffset")]),
        }
        if let Some(id) = &ev.event_id {
            self.uri(&[Seg::Key("eventID")], id);
        }
        if let Some(ci) = &ev.certification_info {
            match ci {
                crate::model::OneOrMany::One(s) => self.uri(&[Seg::Key("certificationInfo")], s),
                crate::model::OneOrMany::Many(v) => {
                    for (i, s) in v.iter().enumerate() {
                        self.uri(&[Seg::Key("certificationInfo"), Seg::Index(i)], s);
                    }
                }
            }
        }
        if let Some(ed) = &ev.error_declaration {
            let k = Seg::Key("errorDeclaration");
            match &ed.declaration_time {
                Some(t) => self.time(&[k.clone(), Seg::Key("declarationTime")], t),
                None => self.missing(&[k.clone(), Seg::Key("declarationTime")]),
            }
            if let Some(r) = &ed.reason {
                self.vocab(&[k.clone(), Seg::Key("reason")], r, Vocabulary::ErrorReason);
            }
            for (i, id) in ed.corrective_event_ids.iter().flatten().enumerate() {
                self.uri(
                    &[k.clone(), Seg::Key("correctiveEventIDs"), Seg::Index(i)],
                    id,
                );
            }
            self.extension_names(
                &[k],
                &ed.extensions,
                &["declarationTime", "reason", "correctiveEventIDs"],
            );
        }

        self.allowed_fields(ev);
        self.what(ev);
        self.downgrade = matches!(ty, Some(EventType::Other(_)));

        if let Some(a) = &ev.action
            && ev.action().is_none()
        {
            self.schema(
                &[Seg::Key("action")],
                format!(
                    "\"{}\" is not an action; use ADD, OBSERVE or DELETE",
                    quote(a)
                ),
            );
        }
        if let Some(t) = &ev.transformation_id {
            self.uri(&[Seg::Key("transformationID")], t);
        }
        if let Some(s) = &ev.biz_step {
            self.vocab(&[Seg::Key("bizStep")], s, Vocabulary::BizStep);
        }
        if let Some(s) = &ev.disposition {
            self.vocab(&[Seg::Key("disposition")], s, Vocabulary::Disposition);
        }
        if let Some(pd) = &ev.persistent_disposition {
            let k = Seg::Key("persistentDisposition");
            if pd.set.is_none() && pd.unset.is_none() {
                self.schema(
                    std::slice::from_ref(&k),
                    "needs set or unset (or both)".to_owned(),
                );
            }
            for (name, list) in [("set", &pd.set), ("unset", &pd.unset)] {
                let Some(list) = list else { continue };
                if list.is_empty() {
                    self.schema(&[k.clone(), Seg::Key(name)], "must not be empty".to_owned());
                }
                for (i, d) in list.iter().enumerate() {
                    if list.iter().take(i).any(|x| x == d) && self.syntax == Syntax::Json {
                        self.schema(
                            &[k.clone(), Seg::Key(name), Seg::Index(i)],
                            format!("\"{}\" is listed twice", quote(d)),
                        );
                    }
                    self.vocab(
                        &[k.clone(), Seg::Key(name), Seg::Index(i)],
                        d,
                        Vocabulary::Disposition,
                    );
                }
            }
        }
        for (name, loc) in [
            ("readPoint", &ev.read_point),
            ("bizLocation", &ev.biz_location),
        ] {
            let Some(loc) = loc else { continue };
            match &loc.id {
                Some(id) => {
                    self.uri(&[Seg::Key(name), Seg::Key("id")], id);
                    self.identifier(&[Seg::Key(name), Seg::Key("id")], id, IdKind::Location);
                }
                None => self.missing(&[Seg::Key(name), Seg::Key("id")]),
            }
        }
        self.epc_lists(ev);
        for (name, list) in [
            ("quantityList", &ev.quantity_list),
            ("childQuantityList", &ev.child_quantity_list),
            ("inputQuantityList", &ev.input_quantity_list),
            ("outputQuantityList", &ev.output_quantity_list),
        ] {
            for (i, q) in list.iter().flatten().enumerate() {
                self.quantity(&[Seg::Key(name), Seg::Index(i)], q);
            }
        }
        for (i, bt) in ev.biz_transaction_list.iter().flatten().enumerate() {
            let at = [Seg::Key("bizTransactionList"), Seg::Index(i)];
            if let Some(k) = &bt.kind {
                let mut p = at.to_vec();
                p.push(Seg::Attr("type"));
                self.vocab(&p, k, Vocabulary::BizTransactionType);
            }
            match &bt.value {
                Some(v) if self.syntax == Syntax::Json => {
                    let mut p = at.to_vec();
                    p.push(Seg::Key("bizTransaction"));
                    self.uri(&p, v);
                    self.identifier(&p, v, IdKind::BizTransaction);
                }
                Some(v) => {
                    self.uri(&at, v);
                    self.identifier(&at, v, IdKind::BizTransaction);
                }
                None => {
                    let mut p = at.to_vec();
                    p.push(Seg::Key("bizTransaction"));
                    self.missing(&p);
                }
            }
        }
        for (list_name, id_name, list) in [
            ("sourceList", "source", &ev.source_list),
            ("destinationList", "destination", &ev.destination_list),
        ] {
            for (i, sd) in list.iter().flatten().enumerate() {
                let at = [Seg::Key(list_name), Seg::Index(i)];
                let mut tp = at.to_vec();
                tp.push(Seg::Attr("type"));
                match &sd.kind {
                    Some(k) => self.vocab(&tp, k, Vocabulary::SourceDestType),
                    None => self.missing(&tp),
                }
                let idp = if self.syntax == Syntax::Json {
                    let mut p = at.to_vec();
                    p.push(Seg::Key(id_name));
                    p
                } else {
                    at.to_vec()
                };
                match &sd.value {
                    Some(v) => {
                        self.uri(&idp, v);
                        self.identifier(&idp, v, IdKind::Party);
                    }
                    None => self.missing(&idp),
                }
            }
        }
        self.sensors(ev);
        if let Some(ilmd) = &ev.ilmd {
            self.extension_names(&[Seg::Key("ilmd")], ilmd, &[]);
        }
        self.extension_names(&[], &ev.extensions, &STANDARD_EVENT_FIELDS);
        self.downgrade = false;
    }

    /// Which fields each event type may carry (the schema's `propertyNames` per type), and the
    /// required ones.
    fn allowed_fields(&mut self, ev: &Event) {
        let Some(ty) = &ev.event_type else { return };
        let present: [(&str, bool); 18] = [
            ("parentID", ev.parent_id.is_some()),
            ("epcList", ev.epc_list.is_some()),
            ("childEPCs", ev.child_epcs.is_some()),
            ("inputEPCList", ev.input_epc_list.is_some()),
            ("outputEPCList", ev.output_epc_list.is_some()),
            ("quantityList", ev.quantity_list.is_some()),
            ("childQuantityList", ev.child_quantity_list.is_some()),
            ("inputQuantityList", ev.input_quantity_list.is_some()),
            ("outputQuantityList", ev.output_quantity_list.is_some()),
            ("action", ev.action.is_some()),
            ("transformationID", ev.transformation_id.is_some()),
            ("persistentDisposition", ev.persistent_disposition.is_some()),
            ("ilmd", ev.ilmd.is_some()),
            ("bizTransactionList", ev.biz_transaction_list.is_some()),
            ("bizStep", ev.biz_step.is_some()),
            ("disposition", ev.disposition.is_some()),
            ("readPoint", ev.read_point.is_some()),
            ("sensorElementList", ev.sensor_element_list.is_some()),
        ];
        let allowed: &[&str] = match ty {
            EventType::ObjectEvent => &[
                "action",
                "epcList",
                "quantityList",
                "persistentDisposition",
                "ilmd",
            ],
            EventType::AggregationEvent | EventType::AssociationEvent => {
                &["parentID", "childEPCs", "childQuantityList", "action"]
            }
            EventType::TransactionEvent => &["parentID", "epcList", "quantityList", "action"],
            EventType::TransformationEvent => &[
                "inputEPCList",
                "inputQuantityList",
                "outputEPCList",
                "outputQuantityList",
                "transformationID",
                "persistentDisposition",
                "ilmd",
            ],
            EventType::Other(_) => return,
        };
        let common = [
            "bizTransactionList",
            "bizStep",
            "disposition",
            "readPoint",
            "sensorElementList",
        ];
        for (name, is) in present {
            // The XSD gives every event type a persistentDisposition; the JSON schema does not.
            let xml_ok = self.syntax == Syntax::Xml && name == "persistentDisposition";
            if is && !allowed.contains(&name) && !common.contains(&name) && !xml_ok {
                self.schema(
                    &[Seg::Key(name)],
                    format!("{name} is not a field of {}", ty.as_str()),
                );
            }
        }
        if !matches!(ty, EventType::TransformationEvent) && ev.action.is_none() {
            self.missing(&[Seg::Key("action")]);
        }
        if matches!(ty, EventType::TransactionEvent) {
            match &ev.biz_transaction_list {
                None => self.missing(&[Seg::Key("bizTransactionList")]),
                Some(l) if l.is_empty() => self.schema(
                    &[Seg::Key("bizTransactionList")],
                    "a TransactionEvent needs at least one bizTransaction".to_owned(),
                ),
                _ => {}
            }
        }
        if matches!(ty, EventType::AssociationEvent) && ev.parent_id.is_none() {
            self.missing(&[Seg::Key("parentID")]);
        }
    }

    /// The "what" dimension each event type must have, and ILMD only with ADD.
    fn what(&mut self, ev: &Event) {
        let Some(ty) = &ev.event_type else { return };
        let nonempty = |l: Option<usize>| l.is_some_and(|n| n > 0);
        let action = ev.action.as_deref();
        let delete = action == Some("DELETE");
        match ty {
            EventType::ObjectEvent => {
                let ok = ev.epc_list.is_some()
                    || nonempty(ev.quantity_list.as_ref().map(Vec::len))
                    || (nonempty(ev.sensor_element_list.as_ref().map(Vec::len))
                        && ev.read_point.is_some());
                if !ok {
                    self.schema(
                        &[],
                        "an ObjectEvent needs an epcList, a non-empty quantityList, or a sensorElementList together with a readPoint".to_owned(),
                    );
                }
                if ev.ilmd.is_some() && matches!(action, Some("OBSERVE" | "DELETE")) {
                    self.schema(
                        &[Seg::Key("ilmd")],
                        "ilmd is only allowed when action is ADD (instance/lot master data is set when objects are commissioned)".to_owned(),
                    );
                }
            }
            EventType::AggregationEvent | EventType::AssociationEvent => {
                let ok = nonempty(ev.child_epcs.as_ref().map(Vec::len))
                    || nonempty(ev.child_quantity_list.as_ref().map(Vec::len))
                    || delete;
                if !ok {
                    self.schema(
                        &[],
                        format!(
                            "an {} needs childEPCs or childQuantityList unless action is DELETE",
                            ty.as_str()
                        ),
                    );
                }
                if matches!(ty, EventType::AggregationEvent)
                    && matches!(action, Some("ADD" | "DELETE"))
                    && ev.parent_id.is_none()
                {
                    // EPCIS 2.0 §7.4.3: parentID is required for ADD and DELETE.
                    self.rule(
                        &[Seg::Key("parentID")],
                        "an AggregationEvent with action ADD or DELETE needs a parentID".to_owned(),
                    );
                }
            }
            EventType::TransactionEvent => {
                let ok = ev.epc_list.is_some()
                    || nonempty(ev.quantity_list.as_ref().map(Vec::len))
                    || delete;
                if !ok {
                    self.schema(&[], "a TransactionEvent needs an epcList or a quantityList unless action is DELETE".to_owned());
                }
            }
            EventType::TransformationEvent => {
                let input = nonempty(ev.input_epc_list.as_ref().map(Vec::len))
                    || nonempty(ev.input_quantity_list.as_ref().map(Vec::len));
                let output = nonempty(ev.output_epc_list.as_ref().map(Vec::len))
                    || nonempty(ev.output_quantity_list.as_ref().map(Vec::len));
                let ok = (input && output) || (ev.transformation_id.is_some() && (input || output));
                if !ok {
                    self.schema(
                        &[],
                        "a TransformationEvent needs inputs and outputs, or a transformationID and inputs or outputs".to_owned(),
                    );
                }
            }
            EventType::Other(_) => {}
        }
    }

    fn epc_lists(&mut self, ev: &Event) {
        // `uniqueItems` holds for the lists the schema types with its `epcList` definition.
        let unique = |name: &str, ty: Option<&EventType>| match name {
            "epcList" => matches!(ty, Some(EventType::ObjectEvent)),
            "inputEPCList" | "outputEPCList" => true,
            _ => false,
        };
        for (name, list) in [
            ("epcList", &ev.epc_list),
            ("childEPCs", &ev.child_epcs),
            ("inputEPCList", &ev.input_epc_list),
            ("outputEPCList", &ev.output_epc_list),
        ] {
            let Some(list) = list else { continue };
            for (i, epc) in list.iter().enumerate() {
                let at = [Seg::Key(name), Seg::Index(i)];
                if list.iter().take(i).any(|x| x == epc) {
                    let msg = format!("\"{}\" is listed twice", quote(epc));
                    if unique(name, ev.event_type.as_ref()) && self.syntax == Syntax::Json {
                        self.schema(&at, msg);
                    } else {
                        self.rule(&at, msg);
                    }
                }
                self.uri(&at, epc);
                self.identifier(&at, epc, IdKind::Instance);
            }
        }
        if let Some(p) = &ev.parent_id {
            self.uri(&[Seg::Key("parentID")], p);
            self.identifier(&[Seg::Key("parentID")], p, IdKind::Instance);
        }
    }

    fn quantity(&mut self, at: &[Seg<'_>], q: &QuantityElement) {
        let mut p = at.to_vec();
        match &q.epc_class {
            Some(c) => {
                p.push(Seg::Key("epcClass"));
                self.uri(&p, c);
                self.identifier(&p, c, IdKind::Class);
                p.pop();
            }
            None => {
                p.push(Seg::Key("epcClass"));
                self.missing(&p);
                p.pop();
            }
        }
        if let Some(Literal::String(s)) = &q.quantity {
            // XML: the text must be a decimal number.
            if crate::canon::number(s).is_none() || s.contains(['e', 'E', '_']) {
                p.push(Seg::Key("quantity"));
                self.schema(&p, format!("\"{}\" is not a number", quote(s)));
                p.pop();
            }
        }
        if let Some(u) = &q.uom {
            if !is_uom(u) {
                p.push(Seg::Key("uom"));
                self.schema(
                    &p,
                    format!("\"{}\" is not a UN/ECE Rec. 20 unit code (2–3 capital letters or digits, e.g. KGM)", quote(u)),
                );
                p.pop();
            }
            if q.quantity.is_none() {
                p.push(Seg::Key("uom"));
                self.rule(
                    &p,
                    "a uom without a quantity says nothing (EPCIS 2.0 §7.3.3.3)".to_owned(),
                );
            }
        }
    }

    fn sensor_fields(&mut self, at: &[Seg<'_>], f: &SensorFields, report: bool) {
        for (name, value) in &f.fields {
            let mut p = at.to_vec();
            p.push(Seg::Attr(name));
            let text = value.text();
            match name.as_str() {
                "time" | "startTime" | "endTime" => self.time(&p, text),
                "deviceID"
                | "deviceMetadata"
                | "rawData"
                | "dataProcessingMethod"
                | "bizRules"
                | "microorganism"
                | "chemicalSubstance"
                | "coordinateReferenceSystem"
                | "uriValue" => {
                    self.uri(&p, text);
                }
                "type" => self.vocab(&p, text, Vocabulary::MeasurementType),
                "exception" => self.vocab(&p, text, Vocabulary::SensorAlertType),
                "component" => self.vocab(&p, text, Vocabulary::Component),
                "hexBinaryValue"
                    if (text.is_empty() || !text.bytes().all(|c| c.is_ascii_hexdigit())) =>
                {
                    self.schema(&p, format!("\"{}\" is not hexadecimal", quote(text)));
                }
                "uom" if !is_uom(text) => {
                    self.rule(
                        &p,
                        format!(
                            "\"{}\" is not a UN/ECE Rec. 20 unit code (e.g. CEL, KGM, P1)",
                            quote(text)
                        ),
                    );
                }
                "booleanValue"
                    if self.syntax == Syntax::Xml
                        && !matches!(text, "true" | "false" | "1" | "0") =>
                {
                    self.schema(&p, format!("\"{}\" is not a boolean", quote(text)));
                }
                "value" | "minValue" | "maxValue" | "meanValue" | "sDev" | "percRank"
                | "percValue"
                    if self.syntax == Syntax::Xml && crate::canon::number(text).is_none() =>
                {
                    self.schema(&p, format!("\"{}\" is not a number", quote(text)));
                }
                _ => {}
            }
        }
        // Required in JSON; optional in the XSD.
        if report && f.get("type").is_none() && self.syntax == Syntax::Json {
            let mut p = at.to_vec();
            p.push(Seg::Attr("type"));
            self.missing(&p);
        }
        let standard: &[&str] = if report {
            &crate::model::SENSOR_REPORT_FIELDS
        } else {
            &crate::model::SENSOR_METADATA_FIELDS
        };
        self.extension_names(at, &f.extensions, standard);
    }

    fn sensors(&mut self, ev: &Event) {
        let event_ms = ev
            .event_time
            .as_deref()
            .filter(|t| is_rfc3339(t))
            .and_then(DateTime::parse)
            .map(|d| d.unix_millis());
        for (i, se) in ev.sensor_element_list.iter().flatten().enumerate() {
            let at = [Seg::Key("sensorElementList"), Seg::Index(i)];
            if let Some(m) = &se.metadata {
                let mut p = at.to_vec();
                p.push(Seg::Key("sensorMetadata"));
                self.sensor_fields(&p, m, false);
                // TCR-53: the metadata time cannot be after the event.
                if let (Some(t), Some(e)) = (m.get("time"), event_ms) {
                    let mt = Some(t.text())
                        .filter(|t| is_rfc3339(t))
                        .and_then(DateTime::parse);
                    if mt.is_some_and(|d| d.unix_millis() > e) {
                        p.push(Seg::Attr("time"));
                        self.rule(&p, "sensorMetadata time is after eventTime".to_owned());
                    }
                }
            }
            if se.reports.is_empty() {
                let mut p = at.to_vec();
                p.push(Seg::Key("sensorReport"));
                self.schema(
                    &p,
                    "a sensorElement needs at least one sensorReport".to_owned(),
                );
            }
            for (j, r) in se.reports.iter().enumerate() {
                let mut p = at.to_vec();
                p.push(Seg::Key("sensorReport"));
                p.push(Seg::Index(j));
                self.sensor_fields(&p, r, true);
                // TCR-53: an attribute given in sensorMetadata must not be repeated in a report.
                if let Some(m) = &se.metadata {
                    for (name, _) in &r.fields {
                        if m.get(name).is_some() {
                            let mut q = p.clone();
                            q.push(Seg::Attr(name));
                            self.rule(
                                &q,
                                format!("{name} is given in both sensorMetadata and sensorReport; say it once"),
                            );
                        }
                    }
                }
            }
            let mut p = at.to_vec();
            p.push(Seg::Key("extension"));
            p.pop();
            self.extension_names(&at, &se.extensions, &["sensorMetadata", "sensorReport"]);
        }
    }

    /// GS1 identifiers: EPC URNs must parse (company prefix, check digits via the `gs1`
    /// crate), Digital Links must be valid, and a class field must name a class.
    fn identifier(&mut self, at: &[Seg<'_>], value: &str, kind: IdKind) {
        if kind == IdKind::BizTransaction {
            // urn:epcglobal:cbv:bt:<GLN>:<document>
            if let Some(rest) = value.strip_prefix("urn:epcglobal:cbv:bt:") {
                let gln = rest.split(':').next().unwrap_or_default();
                if let Err(e) = gs1::Gln::new(gln) {
                    self.rule(
                        at,
                        format!("the GLN in \"{}\" is not valid: {e}", quote(value)),
                    );
                }
            }
            return;
        }
        if value.starts_with("urn:epc:") {
            match gs1::EpcUrn::parse(value) {
                Ok(urn) => {
                    let class =
                        value.starts_with("urn:epc:class:") || value.starts_with("urn:epc:idpat:");
                    match kind {
                        IdKind::Class if !class => self.rule(
                            at,
                            format!("\"{}\" names one instance; epcClass needs a class (urn:epc:class:lgtin:…, urn:epc:idpat:…) ", quote(value)),
                        ),
                        IdKind::Instance if class => self.rule(
                            at,
                            format!("\"{}\" names a class; list classes in a quantityList instead", quote(value)),
                        ),
                        IdKind::Location if !matches!(urn.scheme(), gs1::EpcScheme::Sgln) => self.rule(
                            at,
                            format!("\"{}\" is not a location (urn:epc:id:sgln:… or a GLN Digital Link)", quote(value)),
                        ),
                        _ => {}
                    }
                }
                Err(e) => self.rule(at, format!("not a valid EPC URN: {e}")),
            }
            return;
        }
        if (value.starts_with("https://") || value.starts_with("http://"))
            && crate::canon::digital_link(value).is_some()
            && let Err(e) = gs1::DigitalLink::parse(value)
        {
            self.rule(at, format!("not a valid GS1 Digital Link: {e}"));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum IdKind {
    Instance,
    Class,
    Location,
    Party,
    BizTransaction,
}

fn vocab_name(v: Vocabulary) -> &'static str {
    match v {
        Vocabulary::BizStep => "bizStep",
        Vocabulary::Disposition => "disposition",
        Vocabulary::BizTransactionType => "business transaction type",
        Vocabulary::SourceDestType => "source/destination type",
        Vocabulary::ErrorReason => "error reason",
        Vocabulary::Component => "component",
        Vocabulary::MeasurementType => "measurement type",
        Vocabulary::SensorAlertType => "sensor alert type",
    }
}

/// A value quoted in a message, shortened so a hostile document cannot flood the report.
fn quote(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        return s.to_owned();
    }
    let cut: String = s.chars().take(MAX).collect();
    format!("{cut}…")
}

#[allow(dead_code)]
fn ext_len(v: &ExtValue) -> usize {
    match v {
        ExtValue::Array(a) => a.len(),
        ExtValue::Object(o) => o.len(),
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert!(is_rfc3339("2024-05-01T09:30:00+08:00"));
        assert!(is_rfc3339("2005-04-03T20:33:31.116000-06:00"));
        assert!(is_rfc3339("2024-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2023-02-29T00:00:00Z"));
        assert!(!is_rfc3339("2024-05-01T09:30:00"));
        assert!(!is_rfc3339("2024-05-01 09:30:00Z"));
        assert!(is_uri("urn:epc:id:sgtin:0614141.107346.2017"));
        assert!(is_uri("example:myField"));
        assert!(is_uri("ni:///sha-256;abc?ver=CBV2.0"));
        assert!(!is_uri("shipping"));
        assert!(!is_uri("https://a b"));
        assert!(!is_uri("urn:x:%zz"));
        assert!(is_time_zone_offset("+14:00") && is_time_zone_offset("-05:30"));
        assert!(!is_time_zone_offset("+14:30") && !is_time_zone_offset("08:00"));
        assert!(is_uom("KGM") && is_uom("P1") && !is_uom("kg") && !is_uom("KGMS"));
    }
}
