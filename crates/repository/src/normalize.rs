//! The normal forms values are stored and searched in, so that capture and query agree: the URN
//! and the Digital Link of one identifier are one value, a CBV term is its Web URI whichever
//! spelling was sent, and times are microseconds since the epoch in UTC.

use epcis::cbv::Vocabulary;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The searchable form of an identifier: the constrained canonical GS1 Digital Link on
/// `https://id.gs1.org` for any EPC URN, EPC class or pattern, or Digital Link (the same rule
/// the CBV 2.0 event hash uses), and the value as written for anything else.
pub fn identifier(value: &str) -> String {
    epcis::canon::digital_link(value.trim()).unwrap_or_else(|| value.trim().to_owned())
}

/// The searchable form of a CBV term (bare word, URN or Web URI) of `vocabulary`.
pub fn term(vocabulary: Vocabulary, value: &str) -> String {
    vocabulary.canonical(value.trim())
}

/// An RFC 3339 time with its offset as microseconds since the epoch, UTC.
pub fn micros(value: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(value.trim(), &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1000).ok()
}

/// `text` as one URI path segment or query value: everything but RFC 3986's unreserved
/// characters percent-encoded, so a `/`, `&` or space in a lot number or an identifier cannot
/// change the URI's structure.
pub fn percent_encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What a query value for an identifier matches: exact identifiers and identifier prefixes.
/// An EPC pattern (`urn:epc:idpat:sgtin:0614141.112345.*`) matches every serial of its class;
/// for class queries a class also matches its lots.
pub(crate) fn identifier_match(value: &str, instances: bool) -> (Option<String>, Option<String>) {
    let value = value.trim();
    let is_pattern = value.starts_with("urn:epc:idpat:") && value.ends_with(".*");
    let canonical = identifier(value);
    if is_pattern && instances {
        // `https://id.gs1.org/01/{gtin}` is the class; its instances continue with `/21/`.
        return (None, Some(format!("{canonical}/21/")));
    }
    if is_pattern
        || (!instances
            && canonical.starts_with("https://id.gs1.org/01/")
            && !canonical.contains("/10/"))
    {
        // A class without a lot also matches the lots of that class.
        return (Some(canonical.clone()), Some(format!("{canonical}/10/")));
    }
    (Some(canonical), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urn_and_digital_link_are_one_identifier() {
        assert_eq!(
            identifier("urn:epc:id:sgtin:0614141.112345.400"),
            identifier("https://example.com/01/10614141123459/21/400?17=270101")
        );
        assert_eq!(identifier("urn:uuid:1234"), "urn:uuid:1234");
        assert_eq!(
            term(Vocabulary::BizStep, "shipping"),
            term(Vocabulary::BizStep, "urn:epcglobal:cbv:bizstep:shipping")
        );
    }

    #[test]
    fn times_with_offsets_become_utc_micros() {
        assert_eq!(
            micros("2026-04-01T16:00:00.000001+08:00"),
            Some(1_775_030_400_000_001)
        );
        assert_eq!(micros("2026-04-01T08:00:00Z"), Some(1_775_030_400_000_000));
        assert_eq!(micros("yesterday"), None);
    }

    #[test]
    fn patterns_become_prefixes() {
        assert_eq!(
            identifier_match("urn:epc:idpat:sgtin:0614141.112345.*", true),
            (
                None,
                Some("https://id.gs1.org/01/10614141123459/21/".into())
            )
        );
        assert_eq!(
            identifier_match("urn:epc:idpat:sgtin:0614141.112345.*", false),
            (
                Some("https://id.gs1.org/01/10614141123459".into()),
                Some("https://id.gs1.org/01/10614141123459/10/".into())
            )
        );
        assert_eq!(
            identifier_match("urn:epc:class:lgtin:0614141.112345.L1", false),
            (
                Some("https://id.gs1.org/01/10614141123459/10/L1".into()),
                None
            )
        );
    }
}
