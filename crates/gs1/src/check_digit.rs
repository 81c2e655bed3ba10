//! Check digit and check character algorithms for GS1 keys.
//!
//! Two algorithms exist:
//! - the modulo-10 check digit of all numeric keys (GTIN-8/12/13/14, GLN, SSCC, GSIN, GSRN and
//!   the numeric parts of GDTI, GRAI, GCN and ITIP), GS1 General Specifications section 7.9.1;
//! - the check character pair of the alphanumeric Global Model Number (GMN, AI 8013), GS1
//!   General Specifications section 7.9.5.

/// Computes the modulo-10 check digit for `data`, the key digits *without* their check digit.
///
/// Returns `None` if `data` is empty or contains anything but ASCII digits.
///
/// The rightmost data digit is weighted 3, the next 1, then 3 again and so on; the check digit
/// brings the weighted sum up to a multiple of ten (GS1 General Specifications 7.9.1). Weighting
/// from the right is what lets GTIN-8, -12, -13 and -14 share one algorithm and survive zero
/// padding.
///
/// ```
/// assert_eq!(gs1::check_digit::mod10("0690123412345"), Some(6));
/// ```
#[must_use]
pub fn mod10(data: &str) -> Option<u8> {
    if data.is_empty() {
        return None;
    }
    let mut sum: u32 = 0;
    for (i, b) in data.bytes().rev().enumerate() {
        let d = u32::from(digit(b)?);
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    // `sum % 10` is below 10, so the result is a single digit and the cast cannot truncate.
    Some(((10 - sum % 10) % 10) as u8)
}

/// Returns true if `key` (data digits followed by the check digit) has a correct modulo-10
/// check digit.
///
/// ```
/// assert!(gs1::check_digit::is_valid_mod10("06901234123456"));
/// assert!(!gs1::check_digit::is_valid_mod10("06901234123455"));
/// ```
#[must_use]
pub fn is_valid_mod10(key: &str) -> bool {
    // Work on bytes so that a non-ASCII character can never split a slice.
    let Some((&last, body)) = key.as_bytes().split_last() else {
        return false;
    };
    match (std::str::from_utf8(body).ok().and_then(mod10), digit(last)) {
        (Some(expected), Some(found)) => expected == found,
        _ => false,
    }
}

/// The 82 characters of GS1 "CSET 82" in the order that gives each its value in the check
/// character pair calculation (GS1 General Specifications, figure 7.11-1).
pub(crate) const CSET82_ORDERED: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// The 32 characters that check character pairs are drawn from (GS1 "CSET 32"), in value order.
const CSET32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// The prime weights of the check character pair, applied from the rightmost data character.
/// 97 primes cover the longest data any AI can carry (99 characters less the pair).
const PRIMES: [u32; 97] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
    311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421,
    431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
];

/// Computes the check character pair of `data`, the characters of a GMN *without* the pair.
///
/// Returns `None` if `data` holds a character outside CSET 82 or is longer than 97 characters.
///
/// Each character's value (its index in CSET 82) is weighted by successive primes starting from
/// the rightmost character; the sum modulo 1021 is split into two 5-bit halves, each written as
/// a CSET 32 character (GS1 General Specifications 7.9.5).
///
/// ```
/// assert_eq!(gs1::check_digit::check_character_pair("1987654Ad4X4bL5ttr2310c"), Some(['2', 'K']));
/// ```
#[must_use]
pub fn check_character_pair(data: &str) -> Option<[char; 2]> {
    let bytes = data.as_bytes();
    if bytes.len() > PRIMES.len() {
        return None;
    }
    let mut sum: u32 = 0;
    for (b, weight) in bytes.iter().rev().zip(PRIMES.iter()) {
        let value = CSET82_ORDERED.iter().position(|c| c == b)?;
        // `value` is below 82, so the conversion is exact.
        sum += u32::try_from(value).ok()? * weight;
    }
    let sum = sum % 1021;
    let hi = CSET32.get(usize::try_from(sum >> 5).ok()?)?;
    let lo = CSET32.get(usize::try_from(sum & 31).ok()?)?;
    Some([char::from(*hi), char::from(*lo)])
}

/// The numeric value of an ASCII digit.
fn digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod10_known_keys() {
        // From the reference document (section 5.2) and GS1 General Specifications examples.
        assert_eq!(mod10("0690123412345"), Some(6));
        assert_eq!(mod10("690123400001"), Some(6));
        assert_eq!(mod10("06901234000000001"), Some(6));
        // GTIN-8, GTIN-12 and a GSIN (16 data digits).
        assert!(is_valid_mod10("96385074"));
        assert!(is_valid_mod10("614141000036"));
        assert!(is_valid_mod10("40123459999876541"));
    }

    #[test]
    fn mod10_detects_every_single_digit_error() {
        let good = "06901234123456";
        assert!(is_valid_mod10(good));
        for pos in 0..good.len() {
            for d in b'0'..=b'9' {
                let mut bytes = good.as_bytes().to_vec();
                if bytes[pos] == d {
                    continue;
                }
                bytes[pos] = d;
                let s = String::from_utf8(bytes).unwrap();
                assert!(!is_valid_mod10(&s), "{s} should be rejected");
            }
        }
    }

    #[test]
    fn mod10_rejects_garbage() {
        assert_eq!(mod10(""), None);
        assert_eq!(mod10("12a4"), None);
        assert!(!is_valid_mod10(""));
        assert!(!is_valid_mod10("6"));
        assert!(!is_valid_mod10("0690123412345x"));
        assert!(!is_valid_mod10("٠٦"));
    }

    #[test]
    fn check_character_pair_vectors() {
        // GS1 General Specifications 7.9.5 example, and vectors of the GS1 syntax engine's
        // csumalpha linter tests.
        for good in [
            "1987654Ad4X4bL5ttr2310c2K",
            "12345678901234567890123NT",
            "12345_ABCDEFGHIJKLMCP",
            "12345_abcdefghijklmN3",
            "12345_!\"%&'()*+,-./LC",
            "12345_0123456789:;<=>?62",
            "7907665Bm8v2AB",
            "00000!HV",
            "99999zzzzzzzzzzzzzzzzzzT2",
        ] {
            let (data, pair) = good.split_at(good.len() - 2);
            let pair: Vec<char> = pair.chars().collect();
            assert_eq!(
                check_character_pair(data),
                Some([pair[0], pair[1]]),
                "{good}"
            );
        }
        assert_eq!(check_character_pair(""), Some(['2', '2']));
        assert_eq!(check_character_pair("a b"), None);
    }
}
