//! Property tests: Digital Link, element string and EPC URN output always reads back to the
//! same value, and no parser panics on arbitrary input.

use proptest::prelude::*;

use gs1::{AiElement, DigitalLink, ElementString, EpcUrn, GS1_RESOLVER};

/// The GS1 CSET 82 characters.
const CSET82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

fn cset82(max: usize) -> impl Strategy<Value = String> {
    let chars: Vec<char> = CSET82.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 1..=max)
        .prop_map(|v| v.into_iter().collect())
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..10, n)
        .prop_map(|v| v.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn with_cd(body: &str) -> String {
    format!("{body}{}", gs1::check_digit::mod10(body).unwrap())
}

fn date() -> impl Strategy<Value = String> {
    (0u32..100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:02}{m:02}{d:02}"))
}

/// A primary key with compatible qualifiers, as (AI, value) pairs in path order.
fn key_and_qualifiers() -> impl Strategy<Value = Vec<(String, String)>> {
    let gtin = (
        digits(13),
        any::<[bool; 3]>(),
        cset82(20),
        cset82(20),
        cset82(20),
        any::<bool>(),
        cset82(28),
    )
        .prop_map(|(body, use_q, cpv, lot, ser, tpx_alt, tpx)| {
            let mut v = vec![("01".to_owned(), with_cd(&body))];
            if tpx_alt {
                v.push(("235".to_owned(), tpx));
            } else {
                for (on, (ai, val)) in use_q.iter().zip([("22", cpv), ("10", lot), ("21", ser)]) {
                    if *on {
                        v.push((ai.to_owned(), val));
                    }
                }
            }
            v
        });
    let sscc = digits(17).prop_map(|b| vec![("00".to_owned(), with_cd(&format!("0{}", &b[1..])))]);
    let gln = (digits(12), prop::option::of(cset82(20))).prop_map(|(b, ext)| {
        let mut v = vec![("414".to_owned(), with_cd(&format!("6{}", &b[1..])))];
        if let Some(e) = ext {
            v.push(("254".to_owned(), e));
        }
        v
    });
    let grai = (digits(12), prop::option::of(cset82(16))).prop_map(|(b, s)| {
        vec![(
            "8003".to_owned(),
            format!("0{}{}", with_cd(&b), s.unwrap_or_default()),
        )]
    });
    let giai =
        (digits(6), cset82(20)).prop_map(|(g, r)| vec![("8004".to_owned(), format!("{g}{r}"))]);
    let gdti = (digits(12), prop::option::of(cset82(17))).prop_map(|(b, s)| {
        vec![(
            "253".to_owned(),
            format!("{}{}", with_cd(&b), s.unwrap_or_default()),
        )]
    });
    prop_oneof![4 => gtin, 1 => sscc, 1 => gln, 1 => grai, 1 => giai, 1 => gdti]
}

/// Data attributes that need only a GTIN, with values.
fn gtin_attributes() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::option::of(date()),
        prop::option::of(date()),
        prop::option::of(digits(6)),
        prop::option::of(prop::sample::select(vec!["156", "392", "250", "840"])),
        prop::option::of((date(), prop::option::of(date()))),
        prop::option::of(cset82(30)),
    )
        .prop_map(|(d15, d17, w, origin, harvest, extra)| {
            let mut v = Vec::new();
            if let Some(d) = d15 {
                v.push(("15".to_owned(), d));
            }
            if let Some(d) = d17 {
                v.push(("17".to_owned(), d));
            }
            if let Some(w) = w {
                v.push(("3103".to_owned(), w));
            }
            if let Some(o) = origin {
                v.push(("422".to_owned(), o.to_owned()));
            }
            if let Some((a, b)) = harvest {
                v.push(("7007".to_owned(), format!("{a}{}", b.unwrap_or_default())));
            }
            if let Some(x) = extra {
                v.push(("240".to_owned(), x));
            }
            v
        })
}

/// Percent-encodes `s`, escaping unreserved characters too when `all` is set (both are valid
/// spellings of the same value).
fn encode(s: &str, all: bool) -> String {
    s.bytes()
        .map(|b| {
            if !all && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
                char::from(b).to_string()
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn digital_link_format_then_parse_round_trips(
        path in key_and_qualifiers(),
        attrs in gtin_attributes(),
        host in prop::sample::select(vec!["https://id.gs1.org", "https://id.example-county.cn", "http://192.0.2.1:8080"]),
        prefix in prop::sample::select(vec!["", "/t", "/a/b/01/x"]),
        escape_all in any::<bool>(),
        reverse_attrs in any::<bool>(),
        link_type in any::<bool>(),
        trailing_slash in any::<bool>(),
    ) {
        let is_gtin = path[0].0 == "01";
        let attrs = if is_gtin { attrs } else { Vec::new() };
        // Write the URI by hand, in a non-canonical spelling.
        let mut uri = format!("{host}{prefix}");
        for (ai, v) in &path {
            uri.push_str(&format!("/{ai}/{}", encode(v, escape_all)));
        }
        if trailing_slash {
            uri.push('/');
        }
        let mut params: Vec<String> = attrs.iter().map(|(ai, v)| format!("{ai}={}", encode(v, escape_all))).collect();
        if reverse_attrs {
            params.reverse();
        }
        if link_type {
            params.push("linkType=gs1%3Atraceability".to_owned());
        }
        if !params.is_empty() {
            uri.push('?');
            uri.push_str(&params.join("&"));
        }
        let dl = DigitalLink::parse(&uri).map_err(|e| TestCaseError::fail(format!("{uri}: {e}")))?;
        prop_assert_eq!(dl.base(), format!("{host}{prefix}"));
        prop_assert_eq!(dl.key_element().code(), path[0].0.as_str());
        prop_assert_eq!(dl.key_element().value(), path[0].1.as_str());
        for (ai, v) in &path[1..] {
            prop_assert_eq!(dl.qualifier(ai), Some(v.as_str()));
        }
        for (ai, v) in &attrs {
            prop_assert_eq!(dl.attribute(ai), Some(v.as_str()));
        }
        prop_assert_eq!(dl.link_type().is_some(), link_type);
        // Canonical output reads back to the same link, under its own base and another.
        let again = DigitalLink::parse(&dl.to_string()).map_err(|e| TestCaseError::fail(format!("{dl}: {e}")))?;
        prop_assert_eq!(&again, &dl);
        let moved = DigitalLink::parse(&dl.to_uri(GS1_RESOLVER)).unwrap();
        prop_assert_eq!(moved, dl.clone().with_base(GS1_RESOLVER));
        // And through an element string.
        let es = dl.to_element_string();
        let from_es = DigitalLink::from_element_string(&ElementString::parse(&es.to_scanner_data()).unwrap()).unwrap();
        prop_assert_eq!(from_es.to_constrained_uri(GS1_RESOLVER), dl.to_constrained_uri(GS1_RESOLVER));
        prop_assert_eq!(from_es.attributes(), dl.attributes());
    }

    #[test]
    fn element_string_output_reads_back(path in key_and_qualifiers(), attrs in gtin_attributes()) {
        let is_gtin = path[0].0 == "01";
        let elements: Vec<AiElement> = path
            .iter()
            .chain(if is_gtin { attrs.iter() } else { [].iter() })
            .map(|(ai, v)| AiElement::new(ai, v).unwrap())
            .collect();
        let es = ElementString::from_elements(elements).unwrap();
        prop_assert_eq!(ElementString::parse(&es.to_scanner_data()).unwrap(), es.clone());
        prop_assert_eq!(ElementString::parse(&format!("]d2{}", es.to_scanner_data())).unwrap(), es.clone());
        prop_assert_eq!(ElementString::parse(&es.to_hri()).unwrap(), es.clone());
    }

    #[test]
    fn sgtin_urn_round_trips(gcp_len in 6usize..=12, body in digits(13), serial in cset82(20)) {
        // indicator + GCP + item reference, written as a URN with TDS escapes.
        let gcp = &body[1..=gcp_len];
        let item = format!("{}{}", &body[..1], &body[gcp_len + 1..]);
        let escaped: String = serial.chars().map(|c| match c {
            '"' => "%22".to_owned(), '%' => "%25".to_owned(), '&' => "%26".to_owned(),
            '/' => "%2F".to_owned(), '<' => "%3C".to_owned(), '>' => "%3E".to_owned(),
            '?' => "%3F".to_owned(), c => c.to_string(),
        }).collect();
        let urn = format!("urn:epc:id:sgtin:{gcp}.{item}.{escaped}");
        let parsed = EpcUrn::parse(&urn).map_err(|e| TestCaseError::fail(format!("{urn}: {e}")))?;
        prop_assert_eq!(parsed.to_string(), urn.clone());
        let dl = parsed.to_digital_link();
        prop_assert_eq!(dl.qualifier("21"), Some(serial.as_str()));
        let gtin = with_cd(&body);
        prop_assert_eq!(dl.key_element().value(), gtin.as_str());
        let back = gs1::digital_link_to_urn(&DigitalLink::parse(&dl.to_string()).unwrap(), &gcp_len).unwrap();
        prop_assert_eq!(back, urn);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_text(s in any::<String>()) {
        let _ = DigitalLink::parse(&s);
        let _ = ElementString::parse(&s);
        let _ = EpcUrn::parse(&s);
        let _ = gs1::Gtin::new(&s);
        let _ = AiElement::new("10", &s);
        let _ = AiElement::new("8030", &s);
        gs1::fuzzing::digital_link(s.as_bytes());
        gs1::fuzzing::element_string(s.as_bytes());
        gs1::fuzzing::epc_urn(s.as_bytes());
    }

    #[test]
    fn parsers_never_panic_on_near_valid_text(
        s in "(https?://[a-z.]{1,8}(/[0-9a-z%]{0,6}){0,8}(\\?([0-9a-z]{1,4}=[0-9A-Za-z%+]{0,6}&?){0,4})?)|([0-9\\x1d()]{0,60})|(urn:epc:(id|idpat|class):[a-z]{3,5}:[0-9.*%A-Za-z]{0,40})"
    ) {
        gs1::fuzzing::digital_link(s.as_bytes());
        gs1::fuzzing::element_string(s.as_bytes());
        gs1::fuzzing::epc_urn(s.as_bytes());
    }

    #[test]
    fn fuzz_bodies_never_panic_on_bytes(data in prop::collection::vec(any::<u8>(), 0..200)) {
        gs1::fuzzing::digital_link(&data);
        gs1::fuzzing::element_string(&data);
        gs1::fuzzing::epc_urn(&data);
    }
}
