//! Validation problems: where (a JSON pointer, RFC 6901, into the submitted document, or an
//! XPath-like location for XML) and what, in a plain sentence. A later server turns each into
//! an RFC 9457 problem+json entry naming the field at fault.

use std::fmt;

use crate::model::Syntax;

/// Which rule a problem breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// A constraint GS1's EPCIS JSON schema also states (type, required member, enum,
    /// pattern, format, allowed member names). For JSON input, a document has no problem of
    /// this kind exactly when it validates against that schema (the test suite checks this).
    Schema,
    /// A rule of the standard the schema cannot express: check digits, well-formed EPC URNs
    /// and Digital Links, `ilmd` only with `ADD`, sensor attributes in both metadata and
    /// report, duplicate JSON members, XML structure.
    Rule,
}

/// One problem found in a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Location: a JSON pointer (`/epcisBody/eventList/0/epcList/2`) or an XML path
    /// (`/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[1]/epcList/epc[3]`).
    pub pointer: String,
    /// What is wrong, for a person.
    pub message: String,
    /// Schema constraint or semantic rule.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{at}: {}", self.message)
    }
}

/// Escapes one JSON pointer reference token (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// One step of a location inside an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    /// A member / child element.
    Key(&'a str),
    /// A position in a list (0-based).
    Index(usize),
    /// A sensor or bizTransaction attribute (an XML attribute, a JSON member).
    Attr(&'a str),
}

/// Renders a location in the syntax of the document: JSON pointers, or XML paths where list
/// items are named child elements (1-based) and sensor fields are attributes.
pub(crate) fn render(syntax: Syntax, base: &str, segs: &[Seg<'_>]) -> String {
    let mut out = base.to_owned();
    match syntax {
        Syntax::Json => {
            for s in segs {
                out.push('/');
                match s {
                    Seg::Key(k) | Seg::Attr(k) => out.push_str(&escape_token(k)),
                    Seg::Index(i) => out.push_str(&i.to_string()),
                }
            }
        }
        Syntax::Xml => {
            let mut prev: Option<&str> = None;
            for s in segs {
                match s {
                    Seg::Key(k) => {
                        out.push('/');
                        out.push_str(k);
                        prev = Some(k);
                    }
                    Seg::Attr(a) => {
                        out.push_str("/@");
                        out.push_str(a);
                        prev = None;
                    }
                    Seg::Index(i) => {
                        let item = match prev.unwrap_or_default() {
                            "epcList" | "childEPCs" | "inputEPCList" | "outputEPCList" => {
                                Some("epc")
                            }
                            "quantityList" | "childQuantityList" | "inputQuantityList"
                            | "outputQuantityList" => Some("quantityElement"),
                            "bizTransactionList" => Some("bizTransaction"),
                            "sourceList" => Some("source"),
                            "destinationList" => Some("destination"),
                            "sensorElementList" => Some("sensorElement"),
                            "correctiveEventIDs" => Some("correctiveEventID"),
                            // Repeated elements (sensorReport, set, unset, certificationInfo).
                            _ => None,
                        };
                        if let Some(name) = item {
                            out.push('/');
                            out.push_str(name);
                        }
                        out.push_str(&format!("[{}]", i + 1));
                        prev = None;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_both_syntaxes() {
        let segs = [
            Seg::Key("sensorElementList"),
            Seg::Index(0),
            Seg::Key("sensorReport"),
            Seg::Index(1),
            Seg::Attr("value"),
        ];
        assert_eq!(
            render(Syntax::Json, "/epcisBody/eventList/3", &segs),
            "/epcisBody/eventList/3/sensorElementList/0/sensorReport/1/value"
        );
        assert_eq!(
            render(
                Syntax::Xml,
                "/EPCISDocument/EPCISBody/EventList/ObjectEvent[4]",
                &segs
            ),
            "/EPCISDocument/EPCISBody/EventList/ObjectEvent[4]/sensorElementList/sensorElement[1]/sensorReport[2]/@value"
        );
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
    }
}
