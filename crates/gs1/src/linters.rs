//! Content checks ("linters") named by the GS1 Barcode Syntax Dictionary.
//!
//! Each linter receives one component of an AI value that has already passed its length and
//! character-set checks, and answers whether the content is meaningful. The semantics follow
//! the GS1 General Specifications and the reference linters published with the syntax
//! dictionary. Code lists (ISO 3166, ISO 4217) are the lists in force in 2025; the maintenance
//! notes beside each list say where updates are published.
//!
//! Linters that are not implemented ([`Linter::is_checked`] is false) pass here and are
//! reported separately through [`crate::Ai::unchecked_linters`], so a caller can tell "checked
//! and valid" from "not checked".

use crate::ai::Linter;
use crate::check_digit;

/// Why a component failed its linter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LintFailure {
    /// A modulo-10 check digit is wrong.
    CheckDigit { expected: char, found: char },
    /// An alphanumeric check character pair is wrong.
    CheckCharacters { expected: [char; 2], found: String },
    /// Anything else, in words.
    Content(&'static str),
}

use LintFailure::Content;

/// Runs `linter` on `data`. `data` is non-empty ASCII that matches its component's character
/// set and length.
pub(crate) fn lint(linter: Linter, data: &str) -> Result<(), LintFailure> {
    match linter {
        Linter::Csum => csum(data),
        Linter::Csumalpha => csumalpha(data),
        Linter::Gcppos1 => gcp_at(data, 0),
        Linter::Gcppos2 => gcp_at(data, 1),
        Linter::Yymmdd => yymmdd(data, false),
        Linter::Yymmd0 => yymmdd(data, true),
        Linter::Yyyymmdd => yyyymmdd(data),
        Linter::Hhmi => hhmi(data),
        Linter::Hh => in_range(data, 0, 23, "the hour must be 00 to 23"),
        Linter::Mi => in_range(data, 0, 59, "the minutes must be 00 to 59"),
        Linter::Ss => in_range(data, 0, 59, "the seconds must be 00 to 59"),
        Linter::Iso3166 => iso3166(data, false),
        Linter::Iso3166999 => iso3166(data, true),
        Linter::Iso3166alpha2 => iso3166_alpha2(data),
        Linter::Iso4217 => iso4217(data),
        Linter::Iso5218 => one_of(data, &["0", "1", "2", "9"], "not an ISO/IEC 5218 sex code"),
        Linter::Pcenc => pcenc(data),
        Linter::Yesno => one_of(data, &["0", "1"], "must be 0 (no) or 1 (yes)"),
        Linter::Hyphen => all_bytes(data, b'-', "must be a hyphen '-'"),
        Linter::Zero => all_bytes(data, b'0', "must be zero"),
        Linter::Nonzero => nonzero(data),
        Linter::Nozeroprefix => nozeroprefix(data),
        Linter::Hasnondigit => hasnondigit(data),
        Linter::Winding => one_of(
            data,
            &["0", "1", "9"],
            "winding direction must be 0, 1 or 9",
        ),
        Linter::Pieceoftotal => pieceoftotal(data),
        Linter::Posinseqslash => posinseqslash(data),
        Linter::Latitude => coordinate(data, 1_800_000_000, "latitude is out of range"),
        Linter::Longitude => coordinate(data, 3_600_000_000, "longitude is out of range"),
        Linter::Mediatype => mediatype(data),
        Linter::Importeridx => importeridx(data),
        Linter::Iban => iban(data),
        // Not implemented; reported by `Ai::unchecked_linters` instead of failing here.
        Linter::Packagetype | Linter::Couponcode | Linter::Couponposoffer | Linter::Other(_) => {
            Ok(())
        }
    }
}

fn csum(data: &str) -> Result<(), LintFailure> {
    let (body, last) = data.split_at(data.len().saturating_sub(1));
    let found = last
        .chars()
        .next()
        .ok_or(Content("too short for a check digit"))?;
    let expected = check_digit::mod10(body).ok_or(Content("too short for a check digit"))?;
    let expected = char::from(b'0' + expected);
    if expected == found {
        Ok(())
    } else {
        Err(LintFailure::CheckDigit { expected, found })
    }
}

fn csumalpha(data: &str) -> Result<(), LintFailure> {
    if data.len() < 2 {
        return Err(Content("too short for a check character pair"));
    }
    let (body, pair) = data.split_at(data.len() - 2);
    let expected = check_digit::check_character_pair(body)
        .ok_or(Content("too long for a check character pair"))?;
    if pair.chars().eq(expected.iter().copied()) {
        Ok(())
    } else {
        Err(LintFailure::CheckCharacters {
            expected,
            found: pair.to_owned(),
        })
    }
}

/// The shortest GS1 Company Prefix: four digits (as in GS1's reference linter, counting a
/// GS1-8 prefix normalised by leading zeros).
const GCP_MIN_LENGTH: usize = 4;

fn gcp_at(data: &str, offset: usize) -> Result<(), LintFailure> {
    let gcp = data
        .get(offset..offset + GCP_MIN_LENGTH)
        .ok_or(Content("too short to start with a GS1 Company Prefix"))?;
    if gcp.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Content(
            "does not start with a GS1 Company Prefix (at least four digits)",
        ))
    }
}

/// Parses an all-digit string; `None` otherwise or on overflow.
fn number(data: &str) -> Option<u64> {
    if data.is_empty() || !data.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    data.parse().ok()
}

fn in_range(data: &str, lo: u64, hi: u64, problem: &'static str) -> Result<(), LintFailure> {
    match number(data) {
        Some(n) if (lo..=hi).contains(&n) => Ok(()),
        _ => Err(Content(problem)),
    }
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn check_date(year: u64, month: u64, day: u64, day_zero_ok: bool) -> Result<(), LintFailure> {
    if !(1..=12).contains(&month) {
        return Err(Content("the month must be 01 to 12"));
    }
    if day == 0 && day_zero_ok {
        return Ok(());
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err(Content("that day does not exist in that month"));
    }
    Ok(())
}

/// YYMMDD. The century comes from the sliding window of GS1 General Specifications 7.12; for
/// the leap-year test only the year modulo 4 matters within 1951–2150 except for 2100, and the
/// window cannot reach 2100 before 2051, so the 20YY reading is used.
fn yymmdd(data: &str, day_zero_ok: bool) -> Result<(), LintFailure> {
    let (yy, mm, dd) = match (data.get(0..2), data.get(2..4), data.get(4..6), data.len()) {
        (Some(y), Some(m), Some(d), 6) => (number(y), number(m), number(d)),
        _ => return Err(Content("a date must have six digits YYMMDD")),
    };
    match (yy, mm, dd) {
        (Some(y), Some(m), Some(d)) => check_date(2000 + y, m, d, day_zero_ok),
        _ => Err(Content("a date must have six digits YYMMDD")),
    }
}

fn yyyymmdd(data: &str) -> Result<(), LintFailure> {
    let parts = (data.get(0..4), data.get(4..6), data.get(6..8), data.len());
    match parts {
        (Some(y), Some(m), Some(d), 8) => match (number(y), number(m), number(d)) {
            (Some(y), Some(m), Some(d)) => check_date(y, m, d, false),
            _ => Err(Content("a date must have eight digits YYYYMMDD")),
        },
        _ => Err(Content("a date must have eight digits YYYYMMDD")),
    }
}

fn hhmi(data: &str) -> Result<(), LintFailure> {
    match (data.get(0..2), data.get(2..4), data.len()) {
        (Some(h), Some(m), 4) => {
            in_range(h, 0, 23, "the hour must be 00 to 23")?;
            in_range(m, 0, 59, "the minutes must be 00 to 59")
        }
        _ => Err(Content("a time must have four digits HHMI")),
    }
}

fn one_of(data: &str, allowed: &[&str], problem: &'static str) -> Result<(), LintFailure> {
    if allowed.contains(&data) {
        Ok(())
    } else {
        Err(Content(problem))
    }
}

fn all_bytes(data: &str, b: u8, problem: &'static str) -> Result<(), LintFailure> {
    if data.bytes().all(|c| c == b) {
        Ok(())
    } else {
        Err(Content(problem))
    }
}

fn nonzero(data: &str) -> Result<(), LintFailure> {
    if data.bytes().all(|b| b == b'0') {
        Err(Content("must not be zero"))
    } else {
        Ok(())
    }
}

fn nozeroprefix(data: &str) -> Result<(), LintFailure> {
    if data.starts_with('0') {
        Err(Content("must not start with a zero"))
    } else {
        Ok(())
    }
}

fn hasnondigit(data: &str) -> Result<(), LintFailure> {
    if data.bytes().all(|b| b.is_ascii_digit()) {
        Err(Content(
            "must contain at least one character that is not a digit",
        ))
    } else {
        Ok(())
    }
}

fn pcenc(data: &str) -> Result<(), LintFailure> {
    let bytes = data.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let ok = matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
            );
            if !ok {
                return Err(Content("a '%' must be followed by two hexadecimal digits"));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// Piece number followed by an equal-width total (ITIP, AI 8006 and 8026).
fn pieceoftotal(data: &str) -> Result<(), LintFailure> {
    if data.is_empty() || !data.len().is_multiple_of(2) {
        return Err(Content(
            "piece and total must have the same number of digits",
        ));
    }
    let (piece, total) = data.split_at(data.len() / 2);
    match (number(piece), number(total)) {
        (Some(0), _) => Err(Content("the piece number must not be zero")),
        (_, Some(0)) => Err(Content("the total number of pieces must not be zero")),
        (Some(p), Some(t)) if p > t => Err(Content("the piece number exceeds the total")),
        (Some(_), Some(_)) => Ok(()),
        _ => Err(Content("piece and total must be digits")),
    }
}

/// `pos/end`, e.g. the birth sequence `1/2` of AI 7258.
fn posinseqslash(data: &str) -> Result<(), LintFailure> {
    let malformed = Content("must have the form position/total, e.g. 1/2");
    let (pos, end) = data.split_once('/').ok_or(malformed.clone())?;
    let (p, e) = match (number(pos), number(end)) {
        (Some(p), Some(e)) => (p, e),
        _ => return Err(malformed),
    };
    if pos.starts_with('0') || end.starts_with('0') {
        return Err(Content(
            "position and total must not be zero or start with zero",
        ));
    }
    if p > e {
        return Err(Content("the position exceeds the total"));
    }
    Ok(())
}

fn coordinate(data: &str, max: u64, problem: &'static str) -> Result<(), LintFailure> {
    match number(data) {
        Some(n) if data.len() == 10 && n <= max => Ok(()),
        _ => Err(Content(problem)),
    }
}

/// AIDC media types (GS1 General Specifications, table "AIDC media type values"): 01–10 are
/// assigned by ICCBBA, 80–99 are for local use; the rest are reserved.
fn mediatype(data: &str) -> Result<(), LintFailure> {
    match number(data) {
        Some(1..=10 | 80..=99) if data.len() == 2 => Ok(()),
        _ => Err(Content("not an AIDC media type (01–10 or 80–99)")),
    }
}

fn importeridx(data: &str) -> Result<(), LintFailure> {
    let ok = data.len() == 1
        && data
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Content(
            "an importer index is one letter, digit, '-' or '_'",
        ))
    }
}

/// IBAN: a known country code and the ISO 13616 modulo-97 check (the rearranged number, read
/// with A=10 … Z=35, leaves remainder 1).
fn iban(data: &str) -> Result<(), LintFailure> {
    if data.len() < 5 {
        return Err(Content("too short for an IBAN"));
    }
    iso3166_alpha2(data.get(0..2).unwrap_or_default())
        .map_err(|_| Content("an IBAN must start with a country code"))?;
    let rearranged = data.bytes().skip(4).chain(data.bytes().take(4));
    let mut rem: u32 = 0;
    for b in rearranged {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return Err(Content("an IBAN has only digits and upper-case letters")),
        };
        rem = if v < 10 { rem * 10 + v } else { rem * 100 + v } % 97;
    }
    if rem == 1 {
        Ok(())
    } else {
        Err(Content("the IBAN check digits are wrong"))
    }
}

fn iso3166(data: &str, allow_999: bool) -> Result<(), LintFailure> {
    if allow_999 && data == "999" {
        return Ok(());
    }
    match number(data) {
        Some(n) if data.len() == 3 && ISO3166_NUMERIC.binary_search(&n).is_ok() => Ok(()),
        _ => Err(Content(
            "not an ISO 3166 numeric country code (China is 156)",
        )),
    }
}

fn iso3166_alpha2(data: &str) -> Result<(), LintFailure> {
    if data.len() == 2 && ISO3166_ALPHA2.split(' ').any(|c| c == data) {
        Ok(())
    } else {
        Err(Content("not an ISO 3166 two-letter country code"))
    }
}

fn iso4217(data: &str) -> Result<(), LintFailure> {
    match number(data) {
        Some(n) if data.len() == 3 && ISO4217_NUMERIC.binary_search(&n).is_ok() => Ok(()),
        _ => Err(Content(
            "not an ISO 4217 numeric currency code (the yuan is 156)",
        )),
    }
}

/// ISO 3166-1 numeric country codes (the "num-3" codes), sorted.
///
/// Maintenance: ISO publishes changes through the ISO 3166 Maintenance Agency; the same list is
/// kept in the GS1 syntax engine's `lint_iso3166.c`.
const ISO3166_NUMERIC: [u64; 249] = [
    4, 8, 10, 12, 16, 20, 24, 28, 31, 32, 36, 40, 44, 48, 50, 51, 52, 56, 60, 64, 68, 70, 72, 74,
    76, 84, 86, 90, 92, 96, 100, 104, 108, 112, 116, 120, 124, 132, 136, 140, 144, 148, 152, 156,
    158, 162, 166, 170, 174, 175, 178, 180, 184, 188, 191, 192, 196, 203, 204, 208, 212, 214, 218,
    222, 226, 231, 232, 233, 234, 238, 239, 242, 246, 248, 250, 254, 258, 260, 262, 266, 268, 270,
    275, 276, 288, 292, 296, 300, 304, 308, 312, 316, 320, 324, 328, 332, 334, 336, 340, 344, 348,
    352, 356, 360, 364, 368, 372, 376, 380, 384, 388, 392, 398, 400, 404, 408, 410, 414, 417, 418,
    422, 426, 428, 430, 434, 438, 440, 442, 446, 450, 454, 458, 462, 466, 470, 474, 478, 480, 484,
    492, 496, 498, 499, 500, 504, 508, 512, 516, 520, 524, 528, 531, 533, 534, 535, 540, 548, 554,
    558, 562, 566, 570, 574, 578, 580, 581, 583, 584, 585, 586, 591, 598, 600, 604, 608, 612, 616,
    620, 624, 626, 630, 634, 638, 642, 643, 646, 652, 654, 659, 660, 662, 663, 666, 670, 674, 678,
    682, 686, 688, 690, 694, 702, 703, 704, 705, 706, 710, 716, 724, 728, 729, 732, 740, 744, 748,
    752, 756, 760, 762, 764, 768, 772, 776, 780, 784, 788, 792, 795, 796, 798, 800, 804, 807, 818,
    826, 831, 832, 833, 834, 840, 850, 854, 858, 860, 862, 876, 882, 887, 894,
];

/// ISO 3166-1 alpha-2 country codes, space-separated.
///
/// Maintenance: as for [`ISO3166_NUMERIC`]; the GS1 syntax engine keeps the same list in
/// `lint_iso3166alpha2.c`.
const ISO3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
     BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
     CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
     DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
     GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
     HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
     KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
     MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
     NA NC NE NF NG NI NL NO NP NR NU NZ OM \
     PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
     SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
     TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ \
     UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// ISO 4217 numeric currency codes, sorted (including the 9xx fund and precious-metal codes).
///
/// Maintenance: published by SIX Financial Information as ISO 4217 maintenance agency; the GS1
/// syntax engine keeps the same list in `lint_iso4217.c`.
const ISO4217_NUMERIC: [u64; 179] = [
    8, 12, 32, 36, 44, 48, 50, 51, 52, 60, 64, 68, 72, 84, 90, 96, 104, 108, 116, 124, 132, 136,
    144, 152, 156, 170, 174, 188, 192, 203, 208, 214, 222, 230, 232, 238, 242, 262, 270, 292, 320,
    324, 328, 332, 340, 344, 348, 352, 356, 360, 364, 368, 376, 388, 392, 396, 398, 400, 404, 408,
    410, 414, 417, 418, 422, 426, 430, 434, 446, 454, 458, 462, 480, 484, 496, 498, 504, 512, 516,
    524, 532, 533, 548, 554, 558, 566, 578, 586, 590, 598, 600, 604, 608, 634, 643, 646, 654, 682,
    690, 702, 704, 706, 710, 728, 748, 752, 756, 760, 764, 776, 780, 784, 788, 800, 807, 818, 826,
    834, 840, 858, 860, 882, 886, 901, 924, 925, 926, 927, 928, 929, 930, 933, 934, 936, 938, 940,
    941, 943, 944, 946, 947, 948, 949, 950, 951, 952, 953, 955, 956, 957, 958, 959, 960, 961, 962,
    963, 964, 965, 967, 968, 969, 970, 971, 972, 973, 975, 976, 977, 978, 979, 980, 981, 984, 985,
    986, 990, 994, 997, 999,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(l: Linter, d: &str) -> bool {
        lint(l, d).is_ok()
    }

    #[test]
    fn code_lists_are_sorted_and_complete() {
        assert!(ISO3166_NUMERIC.windows(2).all(|w| w[0] < w[1]));
        assert!(ISO4217_NUMERIC.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO3166_ALPHA2.split(' ').count(), 249);
        assert!(ISO3166_ALPHA2.split(' ').all(|c| c.len() == 2));
    }

    #[test]
    fn dates() {
        assert!(ok(Linter::Yymmdd, "240229"));
        assert!(!ok(Linter::Yymmdd, "230229"));
        assert!(!ok(Linter::Yymmdd, "240230"));
        assert!(!ok(Linter::Yymmdd, "241301"));
        assert!(!ok(Linter::Yymmdd, "240100"));
        assert!(ok(Linter::Yymmd0, "240100"));
        assert!(!ok(Linter::Yymmd0, "240001"));
        assert!(ok(Linter::Yymmd0, "000229"));
        assert!(ok(Linter::Yyyymmdd, "20000229"));
        assert!(!ok(Linter::Yyyymmdd, "19000229"));
        assert!(ok(Linter::Hhmi, "2359"));
        assert!(!ok(Linter::Hhmi, "2400"));
        assert!(!ok(Linter::Mi, "60"));
    }

    #[test]
    fn countries_and_currencies() {
        assert!(ok(Linter::Iso3166, "156"));
        assert!(ok(Linter::Iso3166, "004"));
        assert!(!ok(Linter::Iso3166, "999"));
        assert!(ok(Linter::Iso3166999, "999"));
        assert!(!ok(Linter::Iso3166, "000"));
        assert!(ok(Linter::Iso3166alpha2, "CN"));
        assert!(!ok(Linter::Iso3166alpha2, "XX"));
        assert!(ok(Linter::Iso4217, "156"));
        assert!(ok(Linter::Iso4217, "978"));
        assert!(!ok(Linter::Iso4217, "100"));
    }

    #[test]
    fn misc() {
        assert!(ok(Linter::Pieceoftotal, "0102"));
        assert!(!ok(Linter::Pieceoftotal, "0201"));
        assert!(!ok(Linter::Pieceoftotal, "0002"));
        assert!(!ok(Linter::Pieceoftotal, "0100"));
        assert!(ok(Linter::Posinseqslash, "1/2"));
        assert!(!ok(Linter::Posinseqslash, "3/2"));
        assert!(!ok(Linter::Posinseqslash, "0/2"));
        assert!(!ok(Linter::Posinseqslash, "1-2"));
        assert!(ok(Linter::Iban, "DE91100000000123456789"));
        assert!(ok(Linter::Iban, "GB98MIDL07009312345678"));
        assert!(!ok(Linter::Iban, "BE71096123456760"));
        assert!(!ok(Linter::Iban, "XX361234567890"));
        assert!(ok(Linter::Pcenc, "A%20B"));
        assert!(!ok(Linter::Pcenc, "A%2"));
        assert!(!ok(Linter::Pcenc, "A%G0"));
        assert!(ok(Linter::Latitude, "1800000000"));
        assert!(!ok(Linter::Latitude, "1800000001"));
        assert!(ok(Linter::Mediatype, "10"));
        assert!(!ok(Linter::Mediatype, "11"));
        assert!(ok(Linter::Gcppos2, "06901234123456"));
        assert!(!ok(Linter::Gcppos1, "69A"));
        assert!(!ok(Linter::Gcppos1, "ABCD1234"));
        assert!(ok(Linter::Packagetype, "anything"));
        assert!(!Linter::Packagetype.is_checked());
    }

    #[test]
    fn check_digit_failures_carry_digits() {
        assert_eq!(
            lint(Linter::Csum, "06901234123455"),
            Err(LintFailure::CheckDigit {
                expected: '6',
                found: '5'
            })
        );
        assert_eq!(
            lint(Linter::Csumalpha, "1987654Ad4X4bL5ttr2310cXK"),
            Err(LintFailure::CheckCharacters {
                expected: ['2', 'K'],
                found: "XK".to_owned()
            })
        );
    }
}
