//! Bodies of the cargo-fuzz targets in `fuzz/fuzz_targets/gs1_*.rs`, kept in the crate so that
//! they compile and run with the crate's own tests (the fuzz crate cannot be built with the
//! normal toolchain).
//!
//! Each function accepts arbitrary bytes. Parsing must never panic; when the input is
//! accepted, the canonical output must parse back to an equal value. The `assert!`s below
//! are the properties the fuzzer looks for violations of; they are not reachable on the
//! parsers' own paths.

use crate::{DigitalLink, ElementString, EpcUrn};

/// Digital Link: parse, then check that the canonical URI and the element string of the link
/// read back to the same data, and that URN conversion does not panic.
pub fn digital_link(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(dl) = DigitalLink::parse(text) else {
        return;
    };
    let again = DigitalLink::parse(&dl.to_string());
    assert!(
        again.as_ref() == Ok(&dl),
        "canonical URI does not read back: {dl}"
    );
    let es = dl.to_element_string();
    let back = ElementString::parse(&es.to_scanner_data());
    assert!(
        back.as_ref() == Ok(&es),
        "element string does not read back: {es}"
    );
    let _ = EpcUrn::from_digital_link(&dl, &7usize);
}

/// Element string: parse, then check both output forms read back, and the Digital Link built
/// from it (when there is one) reads back.
pub fn element_string(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(es) = ElementString::parse(text) else {
        return;
    };
    let raw = ElementString::parse(&es.to_scanner_data());
    assert!(
        raw.as_ref() == Ok(&es),
        "scanner data does not read back: {es}"
    );
    let hri = ElementString::parse(&es.to_hri());
    assert!(hri.as_ref() == Ok(&es), "HRI does not read back: {es}");
    if let Ok(dl) = DigitalLink::from_element_string(&es) {
        let again = DigitalLink::parse(&dl.to_string());
        assert!(
            again.as_ref() == Ok(&dl),
            "Digital Link does not read back: {dl}"
        );
    }
}

/// EPC URN: parse, then check the canonical URN reads back and the Digital Link converts back
/// with the URN's own company prefix length.
pub fn epc_urn(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(urn) = EpcUrn::parse(text) else {
        return;
    };
    let again = EpcUrn::parse(&urn.to_string());
    assert!(
        again.as_ref() == Ok(&urn),
        "canonical URN does not read back: {urn}"
    );
    let back = EpcUrn::from_digital_link(&urn.to_digital_link(), &urn.gcp_length());
    assert!(
        back.as_ref() == Ok(&urn),
        "Digital Link does not convert back: {urn}"
    );
}
