//! GS1 Digital Link URIs (GS1 Digital Link URI Syntax, release 1.2 and later): parsing,
//! validation and canonical output.
//!
//! A Digital Link is `scheme://host[/custom/path]/{key AI}/{key}[/{qualifier AI}/{value}]…`
//! followed by an optional query string carrying data attributes (`17=250630`) and other
//! parameters (`linkType=gs1:pip`). The rules applied here:
//!
//! - Any host and any path prefix are accepted. The primary key is found by reading
//!   `/AI/value` pairs from the right end of the path until an AI that is a primary key
//!   (the procedure of the GS1 DL URI syntax and of GS1's syntax engine), so a prefix may
//!   hold anything.
//! - Key qualifiers may be left out but never reordered or mixed across alternatives, as the
//!   dictionary's `dlpkey=` attributes give them (DL URI syntax, key qualifiers).
//! - Only AIs flagged as data attributes may appear in the query string, and an AI that
//!   would be a valid key qualifier must be in the path instead (DL URI syntax, data
//!   attributes).
//! - Numeric AIs are required in canonical output. The deprecated convenience aliases of
//!   release 1.0 (`/gtin/`, `/lot/`, `/ser/` …) are still read so old labels keep resolving.
//! - A GTIN-8, -12 or -13 after `/01/` is padded to 14 digits.
//! - Values are percent-decoded on input. On output every character outside the URI
//!   unreserved set `A–Z a–z 0–9 - . _ ~` is percent-encoded with upper-case hex (RFC 3986
//!   section 2; this covers the characters of syntax table 7-1), matching the GS1 reference
//!   tools and the EPCIS event hash reference implementation.
//! - A trailing `/` is tolerated (GS1-Conformant Resolver standard: "SHOULD tolerate trailing
//!   slashes"). The fragment is ignored.
//! - Canonical output writes the key, the qualifiers in dictionary order, then the data
//!   attributes sorted by AI, then any other query parameters as received.

use std::fmt;

use crate::ai::{Ai, AiElement, check_pairings};
use crate::element_string::ElementString;
use crate::error::{Error, quote};
use crate::keys::Gs1Key;

/// The host of GS1's global resolver, used for the canonical GS1 Digital Link URI.
pub const GS1_RESOLVER: &str = "https://id.gs1.org";

/// The convenience aliases of GS1 Digital Link 1.0, deprecated in 1.2 but still found on
/// printed labels (the list the GS1 syntax engine accepts).
const ALIASES: &[(&str, &str)] = &[
    ("cpid", "8010"),
    ("cpsn", "8011"),
    ("cpv", "22"),
    ("gcn", "255"),
    ("gdti", "253"),
    ("giai", "8004"),
    ("ginc", "401"),
    ("gln", "414"),
    ("glnx", "254"),
    ("gmn", "8013"),
    ("grai", "8003"),
    ("gsin", "402"),
    ("gsrn", "8018"),
    ("gsrnp", "8017"),
    ("gtin", "01"),
    ("itip", "8006"),
    ("lot", "10"),
    ("party", "417"),
    ("refno", "8020"),
    ("ser", "21"),
    ("srin", "8019"),
    ("sscc", "00"),
];

/// A parsed and validated GS1 Digital Link URI.
///
/// Two links that identify the same thing with the same data compare equal only if their
/// bases (scheme, host and path prefix) are also equal; compare
/// [`DigitalLink::to_constrained_uri`] outputs to compare identities across hosts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DigitalLink {
    base: String,
    key: Gs1Key,
    key_element: AiElement,
    qualifiers: Vec<AiElement>,
    attributes: Vec<AiElement>,
    other_params: Vec<String>,
}

impl DigitalLink {
    /// Parses and validates a Digital Link URI.
    ///
    /// # Errors
    /// A typed [`Error`] saying what is wrong: [`Error::InvalidUri`], [`Error::NoPrimaryKey`],
    /// [`Error::UnknownAi`], [`Error::MissingValue`], [`Error::QualifierNotAllowed`],
    /// [`Error::QualifierOutOfOrder`], [`Error::QualifiersMixed`],
    /// [`Error::NotADataAttribute`], [`Error::AttributeBelongsInPath`],
    /// [`Error::InvalidPercentEncoding`], [`Error::DuplicateAi`], a value error such as
    /// [`Error::CheckDigit`], or a pairing error such as [`Error::MissingRequiredAi`].
    ///
    /// ```
    /// let dl = gs1::DigitalLink::parse(
    ///     "https://id.example-county.cn/01/06901234123456/10/TEA2404A?7007=240430&15=250430",
    /// )?;
    /// assert_eq!(dl.qualifier("10"), Some("TEA2404A"));
    /// assert_eq!(
    ///     dl.to_uri(gs1::GS1_RESOLVER),
    ///     "https://id.gs1.org/01/06901234123456/10/TEA2404A?15=250430&7007=240430"
    /// );
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn parse(uri: &str) -> Result<Self, Error> {
        if uri.is_empty() {
            return Err(Error::Empty {
                what: "Digital Link URI",
            });
        }
        let invalid = |problem: &'static str| Error::InvalidUri {
            uri: quote(uri),
            problem,
        };
        if !uri.bytes().all(is_uri_char) {
            return Err(invalid(
                "it contains characters not allowed in a web address (spaces and non-Latin \
                 letters must be percent-encoded)",
            ));
        }
        let (scheme, after_scheme) = uri
            .split_once("://")
            .ok_or_else(|| invalid("it must start with https:// or http://"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "https" && scheme != "http" {
            return Err(invalid("it must start with https:// or http://"));
        }
        // The fragment is not sent to servers and carries nothing for GS1.
        let without_fragment = after_scheme.split('#').next().unwrap_or_default();
        let (host_and_path, query) = match without_fragment.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (without_fragment, None),
        };
        let (host, path) = match host_and_path.find('/') {
            Some(i) => host_and_path.split_at(i),
            None => (host_and_path, ""),
        };
        if host.is_empty() {
            return Err(invalid("it has no host name"));
        }
        if !host.bytes().all(is_host_char) {
            return Err(invalid(
                "the host name contains characters that are not allowed",
            ));
        }

        let (prefix, pairs) = split_path(uri, path)?;
        let mut elements = Vec::with_capacity(pairs.len());
        for (ai, raw) in pairs {
            elements.push(path_element(ai, raw)?);
        }
        let mut elements = elements.into_iter();
        let key_element = elements
            .next()
            .ok_or_else(|| Error::NoPrimaryKey { text: quote(uri) })?;
        let qualifiers: Vec<AiElement> = elements.collect();

        let mut attributes = Vec::new();
        let mut other_params = Vec::new();
        for param in query.unwrap_or_default().split('&') {
            if param.is_empty() {
                continue;
            }
            match param.split_once('=') {
                Some((k, v)) if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                    let ai = Ai::lookup(k).ok_or_else(|| Error::UnknownAi { ai: quote(k) })?;
                    if v.is_empty() {
                        return Err(Error::MissingValue { ai: k.to_owned() });
                    }
                    attributes.push(padded_element(ai, &percent_decode(v, true)?)?);
                }
                // Non-AI parameters such as linkType are kept verbatim for the resolver.
                _ => other_params.push(param.to_owned()),
            }
        }
        // Scheme and host are case-insensitive (RFC 3986 section 6.2.2.1); the path prefix is
        // not, and is kept as written.
        let base = format!("{scheme}://{}{prefix}", host.to_ascii_lowercase());
        Self::assemble(base, key_element, qualifiers, attributes, other_params)
    }

    /// Builds a Digital Link from validated elements, with base [`GS1_RESOLVER`].
    ///
    /// # Errors
    /// As [`DigitalLink::parse`] for the key, qualifier and attribute rules.
    pub fn new(
        key: AiElement,
        qualifiers: Vec<AiElement>,
        attributes: Vec<AiElement>,
    ) -> Result<Self, Error> {
        // AiElement::new already refuses a GTIN shorter than 14 digits, so nothing needs
        // padding here.
        Self::assemble(
            GS1_RESOLVER.to_owned(),
            key,
            qualifiers,
            attributes,
            Vec::new(),
        )
    }

    /// The Digital Link for the data of an element string: the first AI that is a primary key
    /// becomes the key, its qualifiers go into the path in dictionary order (choosing the
    /// qualifier alternative that uses most of the data), and the rest become data attributes.
    ///
    /// # Errors
    /// [`Error::NoPrimaryKey`] if no element is a primary key; [`Error::NotInDigitalLink`]
    /// for an element that is neither a usable qualifier nor a data attribute.
    ///
    /// ```
    /// let es = gs1::ElementString::parse("(01)06901234123456(17)250630(10)LOT42(21)S0001")?;
    /// let dl = gs1::DigitalLink::from_element_string(&es)?;
    /// assert_eq!(dl.to_string(), "https://id.gs1.org/01/06901234123456/10/LOT42/21/S0001?17=250630");
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn from_element_string(es: &ElementString) -> Result<Self, Error> {
        let elements = es.elements();
        let key = elements
            .iter()
            .find(|e| e.ai().is_dl_primary_key())
            .ok_or_else(|| Error::NoPrimaryKey {
                text: quote(&es.to_hri()),
            })?;
        // Use the qualifier alternative that carries most of the data; the dictionary's first
        // alternative wins a tie (the GS1 syntax engine chooses the same way).
        let present = |q: &&str| elements.iter().any(|e| e.code() == *q);
        let mut chosen: &[&str] = &[];
        let mut best = 0;
        for alt in key.ai().dl_key_qualifiers().unwrap_or_default() {
            let count = alt.iter().filter(|q| present(q)).count();
            if count > best {
                best = count;
                chosen = alt;
            }
        }
        let mut qualifiers = Vec::new();
        for q in chosen {
            if let Some(e) = elements.iter().find(|e| e.code() == *q) {
                qualifiers.push(e.clone());
            }
        }
        let mut attributes = Vec::new();
        for e in elements {
            let used = std::ptr::eq(e, key) || qualifiers.iter().any(|q| q.code() == e.code());
            if used {
                continue;
            }
            if !e.ai().is_dl_data_attribute() {
                return Err(Error::NotInDigitalLink {
                    ai: e.code(),
                    title: e.ai().title(),
                });
            }
            attributes.push(e.clone());
        }
        Self::new(key.clone(), qualifiers, attributes)
    }

    /// Validates the parts and sorts the data attributes.
    fn assemble(
        base: String,
        key_element: AiElement,
        qualifiers: Vec<AiElement>,
        mut attributes: Vec<AiElement>,
        other_params: Vec<String>,
    ) -> Result<Self, Error> {
        let key_ai = key_element.ai();
        let key = Gs1Key::new(key_element.code(), key_element.value())?;
        let mut seen: Vec<&AiElement> = Vec::new();
        for e in std::iter::once(&key_element)
            .chain(&qualifiers)
            .chain(&attributes)
        {
            if let Some(first) = seen.iter().find(|s| s.code() == e.code()) {
                return Err(Error::DuplicateAi {
                    ai: e.code(),
                    first: quote(first.value()),
                    second: quote(e.value()),
                });
            }
            seen.push(e);
        }
        check_qualifiers(key_ai, &qualifiers)?;
        let path_ais: Vec<Ai> = qualifiers.iter().map(AiElement::ai).collect();
        for a in &attributes {
            // An AI that would be a valid qualifier somewhere in the path belongs there.
            let belongs = (0..=path_ais.len()).any(|i| {
                let mut trial = path_ais.clone();
                trial.insert(i, a.ai());
                qualifier_problem(key_ai, &trial).is_none()
            });
            if belongs {
                return Err(Error::AttributeBelongsInPath {
                    ai: a.code(),
                    title: a.ai().title(),
                    key: key_ai.code(),
                });
            }
            if !a.ai().is_dl_data_attribute() {
                return Err(Error::NotADataAttribute {
                    ai: a.code(),
                    title: a.ai().title(),
                });
            }
        }
        let all: Vec<AiElement> = std::iter::once(key_element.clone())
            .chain(qualifiers.iter().cloned())
            .chain(attributes.iter().cloned())
            .collect();
        check_pairings(&all)?;
        attributes.sort_by(|a, b| a.code().cmp(b.code()));
        Ok(Self {
            base,
            key,
            key_element,
            qualifiers,
            attributes,
            other_params,
        })
    }

    /// The scheme, host and path prefix before the primary key, e.g. `https://id.gs1.org`.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The same link under another base (scheme, host and optional path prefix).
    #[must_use]
    pub fn with_base(mut self, base: &str) -> Self {
        base.trim_end_matches('/').clone_into(&mut self.base);
        self
    }

    /// The primary key, typed.
    #[must_use]
    pub fn key(&self) -> &Gs1Key {
        &self.key
    }

    /// The primary key as an AI element.
    #[must_use]
    pub fn key_element(&self) -> &AiElement {
        &self.key_element
    }

    /// The key qualifiers, in path order.
    #[must_use]
    pub fn qualifiers(&self) -> &[AiElement] {
        &self.qualifiers
    }

    /// The value of key qualifier `ai`, if present.
    #[must_use]
    pub fn qualifier(&self, ai: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|e| e.code() == ai)
            .map(AiElement::value)
    }

    /// The data attributes from the query string, sorted by AI.
    #[must_use]
    pub fn attributes(&self) -> &[AiElement] {
        &self.attributes
    }

    /// The value of data attribute `ai`, if present.
    #[must_use]
    pub fn attribute(&self, ai: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|e| e.code() == ai)
            .map(AiElement::value)
    }

    /// Query parameters that are not AIs (such as `linkType=gs1:pip`), verbatim and in the
    /// order received. A resolver passes these on when redirecting.
    #[must_use]
    pub fn other_params(&self) -> &[String] {
        &self.other_params
    }

    /// The percent-decoded value of the `linkType` parameter, if present.
    #[must_use]
    pub fn link_type(&self) -> Option<String> {
        self.other_params
            .iter()
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "linkType")
            .and_then(|(_, v)| percent_decode(v, true).ok())
    }

    /// All elements (key, qualifiers, data attributes) as an element string.
    #[must_use]
    pub fn to_element_string(&self) -> ElementString {
        let elements = std::iter::once(self.key_element.clone())
            .chain(self.qualifiers.iter().cloned())
            .chain(self.attributes.iter().cloned())
            .collect();
        ElementString::from_checked(elements)
    }

    /// The canonical URI under `base` (e.g. [`GS1_RESOLVER`] or the county's own resolver,
    /// with or without a path prefix): key and qualifiers in the path, data attributes sorted
    /// by AI, then the other parameters.
    #[must_use]
    pub fn to_uri(&self, base: &str) -> String {
        self.uri_under(base.trim_end_matches('/'))
    }

    /// The full URI under `base` taken verbatim.
    fn uri_under(&self, base: &str) -> String {
        let mut out = self.path_under(base);
        let params: Vec<String> = self
            .attributes
            .iter()
            .map(|e| format!("{}={}", e.code(), percent_encode(e.value())))
            .chain(self.other_params.iter().cloned())
            .collect();
        if !params.is_empty() {
            out.push('?');
            out.push_str(&params.join("&"));
        }
        out
    }

    /// The URI of the identity alone under `base`: key and qualifiers, no query string. This
    /// is the "constrained" form EPCIS 2.0 uses for EPCs and that the event hash normalises to
    /// (with base [`GS1_RESOLVER`]).
    #[must_use]
    pub fn to_constrained_uri(&self, base: &str) -> String {
        self.path_under(base.trim_end_matches('/'))
    }

    /// Base, key and qualifiers, with `base` taken verbatim.
    fn path_under(&self, base: &str) -> String {
        let mut out = base.to_owned();
        for e in std::iter::once(&self.key_element).chain(&self.qualifiers) {
            out.push('/');
            out.push_str(e.code());
            out.push('/');
            out.push_str(&percent_encode(e.value()));
        }
        out
    }
}

impl fmt::Display for DigitalLink {
    /// Writes [`DigitalLink::to_uri`] under the link's own base, so that parsing the output
    /// gives the same link.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri_under(&self.base))
    }
}

impl std::str::FromStr for DigitalLink {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// Characters allowed anywhere in a URI (RFC 3986 reserved, unreserved and `%`).
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b)
}

/// Characters allowed in the host part: names, IPv4, bracketed IPv6 and a port. User
/// information (`user@`) and percent-encoded names are refused, as the GS1 syntax engine does.
fn is_host_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)
}

/// The AI named by a path segment: numeric, or a deprecated alias.
fn path_ai(segment: &str) -> Option<Ai> {
    if segment.bytes().all(|b| b.is_ascii_digit()) {
        Ai::lookup(segment)
    } else {
        ALIASES
            .iter()
            .find(|(alias, _)| *alias == segment)
            .and_then(|(_, code)| Ai::lookup(code))
    }
}

/// The path prefix before the primary key, and the `(AI, raw value)` pairs from the key on.
type SplitPath<'a> = (&'a str, Vec<(Ai, &'a str)>);

/// Splits the path into the prefix before the primary key and the `(AI, raw value)` pairs
/// from the key on.
fn split_path<'a>(uri: &str, path: &'a str) -> Result<SplitPath<'a>, Error> {
    let no_key = || Error::NoPrimaryKey { text: quote(uri) };
    let body = path.strip_prefix('/').ok_or_else(no_key)?;
    let mut segments: Vec<&str> = body.split('/').collect();
    if segments.len() > 1 && segments.last() == Some(&"") {
        segments.pop();
    }
    let n = segments.len();
    // Read /AI/value pairs from the right until a primary key, so that any custom path
    // prefix, even one containing AI-like segments, is left alone.
    let mut root = None;
    let mut end = n;
    while end >= 2 {
        match segments.get(end - 2).copied().and_then(path_ai) {
            Some(ai) if ai.is_dl_primary_key() => {
                root = Some(end - 2);
                break;
            }
            Some(_) => end -= 2,
            None => break,
        }
    }
    let Some(root) = root else {
        return Err(diagnose_path(&segments).unwrap_or_else(no_key));
    };
    let mut pairs = Vec::new();
    for pair in segments.get(root..).unwrap_or_default().chunks(2) {
        if let [ai, value] = pair {
            let ai = path_ai(ai).ok_or_else(no_key)?;
            pairs.push((ai, *value));
        }
    }
    // The prefix is everything before "/{key AI}" in the original path.
    let prefix_len: usize = segments.iter().take(root).map(|s| s.len() + 1).sum();
    Ok((path.get(..prefix_len).unwrap_or_default(), pairs))
}

/// Explains why no primary key was found when the path does contain one: the pairs after it
/// are broken. Returns `None` if the path holds no primary key at all.
fn diagnose_path(segments: &[&str]) -> Option<Error> {
    let key_pos = segments
        .iter()
        .rposition(|s| path_ai(s).is_some_and(Ai::is_dl_primary_key))?;
    let key_ai = segments.get(key_pos).copied().unwrap_or_default();
    if key_pos + 1 == segments.len() {
        return Some(Error::MissingValue {
            ai: key_ai.to_owned(),
        });
    }
    let tail = segments.get(key_pos + 2..).unwrap_or_default();
    for (i, pair) in tail.chunks(2).enumerate() {
        let Some(&ai) = pair.first() else { continue };
        if path_ai(ai).is_none() {
            return Some(Error::UnknownAi { ai: quote(ai) });
        }
        if pair.len() == 1 && i * 2 + 1 == tail.len() {
            return Some(Error::MissingValue { ai: ai.to_owned() });
        }
    }
    None
}

/// Decodes and checks one `/AI/value` pair of the path.
fn path_element(ai: Ai, raw: &str) -> Result<AiElement, Error> {
    if raw.is_empty() {
        return Err(Error::MissingValue {
            ai: ai.code().to_owned(),
        });
    }
    padded_element(ai, &percent_decode(raw, false)?)
}

/// Builds an element, reading a GTIN-8, -12 or -13 as the GTIN-14 that element strings and
/// canonical links use.
fn padded_element(ai: Ai, value: &str) -> Result<AiElement, Error> {
    if ai.code() == "01" && matches!(value.len(), 8 | 12 | 13) {
        // Gtin::new quotes the value as given in its errors.
        let gtin = crate::keys::Gtin::new(value)?;
        AiElement::with_ai(ai, gtin.as_str())
    } else {
        AiElement::with_ai(ai, value)
    }
}

/// Percent-encodes everything outside the RFC 3986 unreserved set, with upper-case hex.
#[must_use]
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0x0F] {
                out.push(
                    char::from_digit(u32::from(nibble), 16).map_or('0', |c| c.to_ascii_uppercase()),
                );
            }
        }
    }
    out
}

/// Reverses percent-encoding. In a query component `+` stands for a space (HTML form
/// encoding, which browsers and the GS1 syntax engine apply to query strings).
///
/// # Errors
/// [`Error::InvalidPercentEncoding`] for a `%` not followed by two hex digits, or one that
/// encodes NUL.
pub(crate) fn percent_decode(text: &str, query: bool) -> Result<String, Error> {
    let broken = || Error::InvalidPercentEncoding { text: quote(text) };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|c| char::from(*c).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|c| char::from(*c).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) if h + l > 0 => {
                        out.push(u8::try_from(h * 16 + l).map_err(|_| broken())?);
                    }
                    _ => return Err(broken()),
                }
                i += 3;
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Invalid UTF-8 becomes U+FFFD, which no AI character set allows, so the value check that
    // follows reports it.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Checks the key qualifiers against the primary key's `dlpkey` alternatives.
fn check_qualifiers(key: Ai, qualifiers: &[AiElement]) -> Result<(), Error> {
    let ais: Vec<Ai> = qualifiers.iter().map(AiElement::ai).collect();
    qualifier_problem(key, &ais).map_or(Ok(()), Err)
}

/// `None` if `quals` is a valid qualifier sequence for `key`, else the error explaining why.
fn qualifier_problem(key: Ai, quals: &[Ai]) -> Option<Error> {
    let Some(alts) = key.dl_key_qualifiers() else {
        return Some(Error::NotAPrimaryKey {
            ai: key.code(),
            title: key.title(),
        });
    };
    if quals.is_empty() {
        return None;
    }
    let describe = || {
        if alts.is_empty() {
            "none".to_owned()
        } else {
            alts.iter()
                .map(|a| {
                    a.iter()
                        .map(|q| format!("({q})"))
                        .collect::<Vec<_>>()
                        .join(", then ")
                })
                .collect::<Vec<_>>()
                .join("; or ")
        }
    };
    for q in quals {
        if !alts.iter().any(|alt| alt.contains(&q.code())) {
            return Some(Error::QualifierNotAllowed {
                key: key.code(),
                title: key.title(),
                qualifier: q.code().to_owned(),
                allowed: describe(),
            });
        }
    }
    let Some(alt) = alts
        .iter()
        .find(|alt| quals.iter().all(|q| alt.contains(&q.code())))
    else {
        let first = quals.first().map_or("", |q| q.code());
        let second = quals
            .iter()
            .find(|q| {
                !alts
                    .iter()
                    .any(|alt| alt.contains(&first) && alt.contains(&q.code()))
            })
            .map_or("", |q| q.code());
        return Some(Error::QualifiersMixed {
            key: key.code(),
            title: key.title(),
            first,
            second,
        });
    };
    let position = |q: &Ai| alt.iter().position(|a| *a == q.code());
    for w in quals.windows(2) {
        if let [earlier, later] = w
            && position(earlier) >= position(later)
        {
            // Callers have refused repeated AIs already, so the codes differ here.
            return Some(Error::QualifierOutOfOrder {
                key: key.code(),
                title: key.title(),
                qualifier: later.code(),
                must_precede: earlier.code(),
                order: alt
                    .iter()
                    .map(|q| format!("({q})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> DigitalLink {
        DigitalLink::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> Error {
        DigitalLink::parse(s).expect_err(s)
    }

    #[test]
    fn canonicalisation_cases() {
        let cases = [
            // Tea tin label from the reference: attributes sorted by AI in canonical form.
            (
                "https://id.example-county.cn/01/06901234123456/10/TEA2404A?7007=240430&15=250430",
                "https://id.gs1.org/01/06901234123456/10/TEA2404A?15=250430&7007=240430",
            ),
            // GTIN-13 padded, trailing slash tolerated, fragment dropped.
            (
                "https://example.com/01/6901234123456/#top",
                "https://id.gs1.org/01/06901234123456",
            ),
            // Custom path prefix before the key.
            (
                "https://brand.example.com/products/tea/01/06901234123456/21/S1",
                "https://id.gs1.org/01/06901234123456/21/S1",
            ),
            // Percent-encoding normalised: lower-case hex and needless escapes.
            (
                "https://example.com/01/06901234123456/10/A%2fB%41?17=250630",
                "https://id.gs1.org/01/06901234123456/10/A%2FBA?17=250630",
            ),
            // Deprecated aliases read, numeric AIs written.
            (
                "HTTPS://example.com/gtin/06901234123456/lot/L1/ser/S1",
                "https://id.gs1.org/01/06901234123456/10/L1/21/S1",
            ),
            // Non-AI parameters kept after the attributes.
            (
                "https://id.gs1.org/01/06901234123456?linkType=gs1:traceability&17=250630",
                "https://id.gs1.org/01/06901234123456?17=250630&linkType=gs1:traceability",
            ),
            // GLN with extension, SSCC, GRAI with serial.
            (
                "https://id.gs1.org/414/6901234000016/254/12",
                "https://id.gs1.org/414/6901234000016/254/12",
            ),
            (
                "http://id.gs1.org/00/069012340000000016",
                "https://id.gs1.org/00/069012340000000016",
            ),
            (
                "https://a.example/8003/0401234566666387",
                "https://id.gs1.org/8003/0401234566666387",
            ),
            // Characters of DL table 7-1 and others are escaped on output.
            (
                "https://id.gs1.org/01/01234567987651/235/51qIgY)%3C%26Jp3*j7",
                "https://id.gs1.org/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7",
            ),
        ];
        for (input, canonical) in cases {
            let dl = parse(input);
            assert_eq!(dl.to_uri(GS1_RESOLVER), canonical, "{input}");
            assert_eq!(parse(canonical).to_uri(GS1_RESOLVER), canonical);
        }
    }

    #[test]
    fn base_is_kept_and_replaceable() {
        let dl = parse("https://ID.Example-County.cn/x/y/01/06901234123456/10/L1/?17=250630");
        assert_eq!(dl.base(), "https://id.example-county.cn/x/y");
        assert_eq!(
            dl.to_string(),
            "https://id.example-county.cn/x/y/01/06901234123456/10/L1?17=250630"
        );
        assert_eq!(
            dl.to_constrained_uri("https://id.gs1.org/"),
            "https://id.gs1.org/01/06901234123456/10/L1"
        );
        let moved = dl.clone().with_base("https://r.example/");
        assert_eq!(
            moved.to_string(),
            "https://r.example/01/06901234123456/10/L1?17=250630"
        );
        // A fake key inside the prefix is skipped: the rightmost key wins.
        let dl = parse("https://a.example/00/faux/00/069012340000000016");
        assert_eq!(dl.base(), "https://a.example/00/faux");
    }

    #[test]
    fn accessors() {
        let dl = parse(
            "https://id.gs1.org/01/06901234123456/10/L1/21/S1?3103=000500&422=156&linkType=gs1%3Apip",
        );
        assert!(matches!(dl.key(), Gs1Key::Gtin(g) if g.as_str() == "06901234123456"));
        assert_eq!(dl.qualifier("21"), Some("S1"));
        assert_eq!(dl.attribute("422"), Some("156"));
        assert_eq!(dl.attribute("3103"), Some("000500"));
        assert_eq!(dl.link_type().as_deref(), Some("gs1:pip"));
        assert_eq!(
            dl.to_element_string().to_hri(),
            "(01)06901234123456(10)L1(21)S1(3103)000500(422)156"
        );
        let back = DigitalLink::from_element_string(&dl.to_element_string()).unwrap();
        assert_eq!(
            back.to_constrained_uri(GS1_RESOLVER),
            dl.to_constrained_uri(GS1_RESOLVER)
        );
        assert_eq!(back.attributes(), dl.attributes());
    }

    #[test]
    fn rejections_say_what_is_wrong() {
        let e = err("https://id.gs1.org/01/06901234123455");
        assert!(
            matches!(
                e,
                Error::CheckDigit {
                    expected: '6',
                    found: '5',
                    ..
                }
            ),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/21/S1/10/L1");
        assert!(
            matches!(
                e,
                Error::QualifierOutOfOrder {
                    qualifier: "10",
                    must_precede: "21",
                    ..
                }
            ),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/10/L1/235/X");
        assert!(
            matches!(
                e,
                Error::QualifiersMixed {
                    first: "10",
                    second: "235",
                    ..
                }
            ),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/254/X");
        assert!(matches!(e, Error::QualifierNotAllowed { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456/9999/X");
        assert!(
            matches!(e, Error::UnknownAi { ref ai } if ai == "9999"),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/foo");
        assert!(
            matches!(e, Error::UnknownAi { ref ai } if ai == "foo"),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/10");
        assert!(
            matches!(e, Error::MissingValue { ref ai } if ai == "10"),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/");
        assert!(
            matches!(e, Error::MissingValue { ref ai } if ai == "01"),
            "{e}"
        );
        let e = err("https://id.gs1.org/01//10/L1");
        assert!(
            matches!(e, Error::MissingValue { ref ai } if ai == "01"),
            "{e}"
        );
        let e = err("https://id.gs1.org/10/L1");
        assert!(matches!(e, Error::NoPrimaryKey { .. }), "{e}");
        let e = err("https://id.gs1.org/");
        assert!(matches!(e, Error::NoPrimaryKey { .. }), "{e}");
        let e = err("https://id.gs1.org");
        assert!(matches!(e, Error::NoPrimaryKey { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456?9999=1");
        assert!(matches!(e, Error::UnknownAi { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456?10=L1");
        assert!(
            matches!(e, Error::AttributeBelongsInPath { ai: "10", .. }),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/10/L1?21=S1");
        assert!(
            matches!(e, Error::AttributeBelongsInPath { ai: "21", .. }),
            "{e}"
        );
        let e = err("https://id.gs1.org/00/069012340000000016?254=X");
        assert!(
            matches!(e, Error::NotADataAttribute { ai: "254", .. }),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456?17=250630&17=250629");
        assert!(matches!(e, Error::DuplicateAi { ai: "17", .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456?17=");
        assert!(matches!(e, Error::MissingValue { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456?17=251301");
        assert!(matches!(e, Error::InvalidContent { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456/10/A%2");
        assert!(matches!(e, Error::InvalidPercentEncoding { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456/10/A%00");
        assert!(matches!(e, Error::InvalidPercentEncoding { .. }), "{e}");
        let e = err("https://id.gs1.org/01/06901234123456/10/%E8%8C%B6");
        assert!(
            matches!(
                e,
                Error::InvalidCharacter {
                    character: '茶',
                    ..
                }
            ),
            "{e}"
        );
        let e = err("https://id.gs1.org/01/06901234123456/10/茶");
        assert!(matches!(e, Error::InvalidUri { .. }), "{e}");
        let e = err("ftp://id.gs1.org/01/06901234123456");
        assert!(matches!(e, Error::InvalidUri { .. }), "{e}");
        let e = err("https:///01/06901234123456");
        assert!(matches!(e, Error::InvalidUri { .. }), "{e}");
        let e = err("https://user@host/01/06901234123456");
        assert!(matches!(e, Error::InvalidUri { .. }), "{e}");
        let e = err("id.gs1.org/01/06901234123456");
        assert!(matches!(e, Error::InvalidUri { .. }), "{e}");
        assert!(matches!(err(""), Error::Empty { .. }));
        // SSCC with an expiry date: (17) needs a trade item key.
        let e = err("https://id.gs1.org/00/069012340000000016?17=250630");
        assert!(
            matches!(e, Error::MissingRequiredAi { ai: "17", .. }),
            "{e}"
        );
        // A bad check digit in a 12-digit GTIN is reported on the padded GTIN.
        let e = err("https://id.gs1.org/01/614141073460");
        assert!(matches!(e, Error::CheckDigit { .. }), "{e}");
    }

    #[test]
    fn messages_read_well() {
        assert_eq!(
            err("https://id.gs1.org/01/06901234123456/21/S1/10/L1").to_string(),
            "Digital Link path: AI (10) must come before AI (21) after the AI (01) GTIN; \
             the required order is (22), (10), (21)"
        );
        assert_eq!(
            err("https://id.gs1.org/01/06901234123455").to_string(),
            "AI (01) GTIN: the check digit of '06901234123455' is wrong (the last digit should \
             be 6, not 5)"
        );
    }

    #[test]
    fn percent_helpers() {
        assert_eq!(percent_encode("A/B c~"), "A%2FB%20c~");
        assert_eq!(percent_decode("a+b%2Bc", true).unwrap(), "a b+c");
        assert_eq!(percent_decode("a+b", false).unwrap(), "a+b");
        assert!(percent_decode("%G1", false).is_err());
        assert!(percent_decode("%", false).is_err());
    }

    #[test]
    fn from_element_string_chooses_qualifiers() {
        let es = ElementString::parse("(01)06901234123456(235)TPX1(17)250630").unwrap();
        let dl = DigitalLink::from_element_string(&es).unwrap();
        assert_eq!(
            dl.to_string(),
            "https://id.gs1.org/01/06901234123456/235/TPX1?17=250630"
        );
        let es = ElementString::parse("(00)069012340000000016(02)06901234123456(37)10").unwrap();
        let dl = DigitalLink::from_element_string(&es).unwrap();
        assert_eq!(
            dl.to_string(),
            "https://id.gs1.org/00/069012340000000016?02=06901234123456&37=10"
        );
        let es = ElementString::parse("(01)06901234123456(22)CPV(235)TPX1").unwrap();
        assert!(matches!(
            DigitalLink::from_element_string(&es),
            Err(Error::NotInDigitalLink { ai: "235", .. })
        ));
        let es = ElementString::parse("(414)6901234000016(7040)1A2B").unwrap();
        let dl = DigitalLink::from_element_string(&es).unwrap();
        assert_eq!(
            dl.to_string(),
            "https://id.gs1.org/414/6901234000016/7040/1A2B"
        );
        let es = ElementString::parse("(8020)REF1(415)6901234000016").unwrap();
        let dl = DigitalLink::from_element_string(&es).unwrap();
        assert_eq!(
            dl.to_string(),
            "https://id.gs1.org/415/6901234000016/8020/REF1"
        );
        let es = ElementString::parse("(01)06901234123456(10)L1(240)ADD").unwrap();
        assert!(DigitalLink::from_element_string(&es).is_ok());
        let es = ElementString::parse("(01)06901234123456(8200)https://x").unwrap();
        assert!(matches!(
            DigitalLink::from_element_string(&es),
            Err(Error::NotInDigitalLink { ai: "8200", .. })
        ));
    }
}
