//! GS1 Application Identifiers (AIs): the types of the generated table, look-up, and the
//! validation of one AI value against its format and linters.
//!
//! The table itself lives in `ai_table.rs` and is generated from the GS1 Barcode Syntax
//! Dictionary (see `tests/ai_table.rs`). Each dictionary entry describes an AI's value as a
//! sequence of components such as `N14,csum` or `[X..17]`; a component is applied to the value
//! by consuming a prefix of its prescribed length, optional components may be left out once the
//! value is exhausted, and only the last component may have a variable length (syntax
//! dictionary header; GS1 General Specifications section 3.2).

use std::fmt;

use crate::ai_table::AI_TABLE;
use crate::error::{Error, quote};
use crate::linters::{LintFailure, lint};

/// The character sets of GS1 AI values (GS1 General Specifications section 7.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cset {
    /// Digits `0`–`9` (dictionary type `N`).
    Numeric,
    /// GS1 AI encodable character set 82 (dictionary type `X`): digits, upper- and lower-case
    /// Latin letters and ``!"%&'()*+,-./:;<=>?_``.
    Cset82,
    /// GS1 AI encodable character set 39 (dictionary type `Y`): digits, upper-case Latin
    /// letters and `#-/`.
    Cset39,
    /// GS1 AI encodable character set 64 (dictionary type `Z`): the file-safe base64 alphabet
    /// with `=` padding at the end.
    Cset64,
}

impl Cset {
    /// Whether `b` belongs to this set. For CSET 64 this ignores the rule that `=` may only
    /// pad the end; [`Cset::first_invalid`] applies it.
    fn contains(self, b: u8) -> bool {
        match self {
            Self::Numeric => b.is_ascii_digit(),
            Self::Cset82 => crate::check_digit::CSET82_ORDERED.contains(&b),
            Self::Cset39 => b.is_ascii_digit() || b.is_ascii_uppercase() || b"#-/".contains(&b),
            Self::Cset64 => b.is_ascii_alphanumeric() || b"-_=".contains(&b),
        }
    }

    /// The index of the first character of `s` outside the set, if any.
    fn first_invalid(self, s: &str) -> Option<usize> {
        if let Some(pos) = s.bytes().position(|b| !self.contains(b)) {
            return Some(pos);
        }
        if self == Self::Cset64 {
            // Padding may only end the value, and base64 never needs more than two of it.
            let body = s.trim_end_matches('=');
            if let Some(pos) = body.find('=') {
                return Some(pos);
            }
            if s.len() - body.len() > 2 {
                return Some(body.len() + 2);
            }
        }
        None
    }

    /// The set in words, for error messages.
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Self::Numeric => "digits",
            Self::Cset82 => "letters, digits and the GS1 symbols !\"%&'()*+,-./:;<=>?_",
            Self::Cset39 => "upper-case letters, digits and # - /",
            Self::Cset64 => "base64url characters",
        }
    }

    /// The dictionary letter of the set.
    fn letter(self) -> char {
        match self {
            Self::Numeric => 'N',
            Self::Cset82 => 'X',
            Self::Cset39 => 'Y',
            Self::Cset64 => 'Z',
        }
    }
}

/// A named content check ("linter") that the syntax dictionary attaches to a component.
///
/// Linters this crate does not implement are listed by [`Linter::is_checked`] and reported
/// through [`Ai::unchecked_linters`]; they never fail a value silently or pass it silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Linter {
    /// Modulo-10 check digit (GS1 General Specifications 7.9.1).
    Csum,
    /// Alphanumeric check character pair (GS1 General Specifications 7.9.5).
    Csumalpha,
    /// The value starts with a GS1 Company Prefix, i.e. at least four digits. Whether the
    /// prefix is actually allocated to a company is not knowable offline and is not checked.
    Gcppos1,
    /// As [`Linter::Gcppos1`], from the second character (after a GTIN indicator or SSCC
    /// extension digit).
    Gcppos2,
    /// Date YYMMDD.
    Yymmdd,
    /// Date YYMMDD where day 00 stands for an unspecified day (GS1 General Specifications,
    /// date AIs 11 to 17).
    Yymmd0,
    /// Date YYYYMMDD.
    Yyyymmdd,
    /// Time HHMI.
    Hhmi,
    /// Hour HH.
    Hh,
    /// Minutes MI.
    Mi,
    /// Seconds SS.
    Ss,
    /// ISO 3166-1 numeric country code.
    Iso3166,
    /// ISO 3166-1 numeric country code, or 999 for "unknown".
    Iso3166999,
    /// ISO 3166-1 alpha-2 country code.
    Iso3166alpha2,
    /// ISO 4217 numeric currency code.
    Iso4217,
    /// ISO/IEC 5218 sex code.
    Iso5218,
    /// Valid percent-encoding.
    Pcenc,
    /// `0` or `1`.
    Yesno,
    /// A single `-`.
    Hyphen,
    /// All zeros.
    Zero,
    /// Not all zeros.
    Nonzero,
    /// No leading zero.
    Nozeroprefix,
    /// At least one non-digit.
    Hasnondigit,
    /// Winding direction `0`, `1` or `9`.
    Winding,
    /// Piece number and equal-width total, neither zero, piece not above total.
    Pieceoftotal,
    /// `pos/total` sequence position.
    Posinseqslash,
    /// Latitude as ten digits (0 to 1800000000).
    Latitude,
    /// Longitude as ten digits (0 to 3600000000).
    Longitude,
    /// AIDC media type code.
    Mediatype,
    /// Importer index character of the EU 2018/574 tobacco system.
    Importeridx,
    /// International Bank Account Number (country code and modulo-97 check).
    Iban,
    /// UN/ECE Recommendation 21 package type code. **Not checked**: the code list is long and
    /// changes; this crate reports it as not checked.
    Packagetype,
    /// North American coupon code structure. **Not checked** (not relevant to farm products).
    Couponcode,
    /// North American positive offer file coupon structure. **Not checked**.
    Couponposoffer,
    /// A linter named in a newer dictionary that this crate does not know. **Not checked**.
    Other(&'static str),
}

impl Linter {
    /// The dictionary name of the linter, e.g. `csum`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Csum => "csum",
            Self::Csumalpha => "csumalpha",
            Self::Gcppos1 => "gcppos1",
            Self::Gcppos2 => "gcppos2",
            Self::Yymmdd => "yymmdd",
            Self::Yymmd0 => "yymmd0",
            Self::Yyyymmdd => "yyyymmdd",
            Self::Hhmi => "hhmi",
            Self::Hh => "hh",
            Self::Mi => "mi",
            Self::Ss => "ss",
            Self::Iso3166 => "iso3166",
            Self::Iso3166999 => "iso3166999",
            Self::Iso3166alpha2 => "iso3166alpha2",
            Self::Iso4217 => "iso4217",
            Self::Iso5218 => "iso5218",
            Self::Pcenc => "pcenc",
            Self::Yesno => "yesno",
            Self::Hyphen => "hyphen",
            Self::Zero => "zero",
            Self::Nonzero => "nonzero",
            Self::Nozeroprefix => "nozeroprefix",
            Self::Hasnondigit => "hasnondigit",
            Self::Winding => "winding",
            Self::Pieceoftotal => "pieceoftotal",
            Self::Posinseqslash => "posinseqslash",
            Self::Latitude => "latitude",
            Self::Longitude => "longitude",
            Self::Mediatype => "mediatype",
            Self::Importeridx => "importeridx",
            Self::Iban => "iban",
            Self::Packagetype => "packagetype",
            Self::Couponcode => "couponcode",
            Self::Couponposoffer => "couponposoffer",
            Self::Other(name) => name,
        }
    }

    /// Whether this crate implements the check. Values of AIs with unchecked linters are still
    /// checked for length and character set.
    #[must_use]
    pub fn is_checked(self) -> bool {
        !matches!(
            self,
            Self::Packagetype | Self::Couponcode | Self::Couponposoffer | Self::Other(_)
        )
    }
}

/// One component of an AI value's format, e.g. `N6,yymmdd` or `[X..17]`.
#[derive(Debug)]
pub(crate) struct Component {
    pub(crate) cset: Cset,
    pub(crate) min: u8,
    pub(crate) max: u8,
    pub(crate) optional: bool,
    pub(crate) linters: &'static [Linter],
}

/// One entry of the generated AI table.
#[derive(Debug)]
pub(crate) struct AiDef {
    /// The AI digits.
    pub(crate) ai: &'static str,
    /// The dictionary title, e.g. "BEST BEFORE or BEST BY".
    pub(crate) title: &'static str,
    /// Whether an FNC1 separator must follow the value when another AI follows (the dictionary
    /// lacks the `*` "pre-defined length" flag).
    pub(crate) fnc1: bool,
    /// Whether the AI may appear as a Digital Link data attribute (`?` flag).
    pub(crate) dl_attr: bool,
    /// The value format.
    pub(crate) components: &'static [Component],
    /// `req=` attributes: each must be satisfied by one of its groups, and a group is satisfied
    /// when every AI pattern in it is present.
    pub(crate) req: &'static [&'static [&'static [&'static str]]],
    /// `ex=` patterns: AIs that must not appear together with this one.
    pub(crate) ex: &'static [&'static str],
    /// `dlpkey`: `Some` if the AI is a Digital Link primary key, holding its alternative
    /// ordered sequences of optional key qualifiers (empty when it takes no qualifiers).
    pub(crate) dl_key: Option<&'static [&'static [&'static str]]>,
}

/// A GS1 Application Identifier from the table generated from the GS1 Barcode Syntax
/// Dictionary.
#[derive(Clone, Copy)]
pub struct Ai(&'static AiDef);

impl Ai {
    /// Looks up an AI by its digits, e.g. `"01"` or `"3103"`.
    #[must_use]
    pub fn lookup(code: &str) -> Option<Self> {
        AI_TABLE
            .binary_search_by(|d| d.ai.cmp(code))
            .ok()
            .and_then(|i| AI_TABLE.get(i))
            .map(Ai)
    }

    /// Finds the AI that `data` starts with. AIs are two to four digits and no AI is a prefix
    /// of another (checked by the table generator), so at most one length matches.
    #[must_use]
    pub fn lookup_prefix(data: &str) -> Option<Self> {
        (2..=4).filter_map(|n| data.get(..n)).find_map(Self::lookup)
    }

    /// Every AI in the table, in lexical order.
    pub fn all() -> impl Iterator<Item = Ai> {
        AI_TABLE.iter().map(Ai)
    }

    pub(crate) fn def(self) -> &'static AiDef {
        self.0
    }

    /// The AI digits, e.g. `"01"`.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.0.ai
    }

    /// The dictionary title, e.g. `"GTIN"`.
    #[must_use]
    pub fn title(self) -> &'static str {
        self.0.title
    }

    /// Whether an element string needs an FNC1 (GS, `\x1d`) separator after this AI's value
    /// when another element follows.
    #[must_use]
    pub fn requires_separator(self) -> bool {
        self.0.fnc1
    }

    /// The exact value length if the format admits only one length.
    #[must_use]
    pub fn fixed_length(self) -> Option<usize> {
        let comps = self.0.components;
        comps
            .iter()
            .all(|c| c.min == c.max && !c.optional)
            .then(|| comps.iter().map(|c| usize::from(c.max)).sum())
    }

    /// The longest value the format admits.
    #[must_use]
    pub fn max_length(self) -> usize {
        self.0.components.iter().map(|c| usize::from(c.max)).sum()
    }

    /// Whether the AI may appear in the query string of a Digital Link.
    #[must_use]
    pub fn is_dl_data_attribute(self) -> bool {
        self.0.dl_attr
    }

    /// Whether the AI is a Digital Link primary key (it may start the DL path).
    #[must_use]
    pub fn is_dl_primary_key(self) -> bool {
        self.0.dl_key.is_some()
    }

    /// For a primary key, its alternative ordered sequences of key qualifiers (an empty slice
    /// means no qualifiers are allowed); `None` for other AIs.
    #[must_use]
    pub fn dl_key_qualifiers(self) -> Option<&'static [&'static [&'static str]]> {
        self.0.dl_key
    }

    /// The value format in dictionary notation, e.g. `"N13,csum,gcppos1 [X..17]"`.
    #[must_use]
    pub fn format(self) -> String {
        let mut out = String::new();
        for (i, c) in self.0.components.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if c.optional {
                out.push('[');
            }
            out.push(c.cset.letter());
            if c.min != c.max {
                out.push_str("..");
            }
            out.push_str(&c.max.to_string());
            if c.optional {
                out.push(']');
            }
            for l in c.linters {
                out.push(',');
                out.push_str(l.name());
            }
        }
        out
    }

    /// All linters the dictionary names for this AI.
    pub fn linters(self) -> impl Iterator<Item = Linter> {
        self.0
            .components
            .iter()
            .flat_map(|c| c.linters.iter().copied())
    }

    /// The linters of this AI that this crate does not implement. A value of such an AI that
    /// passes [`Ai::validate`] has been checked for length and characters but not for these.
    pub fn unchecked_linters(self) -> impl Iterator<Item = Linter> {
        self.linters().filter(|l| !l.is_checked())
    }

    /// Checks `value` against this AI's format: length, character set of each component, and
    /// every implemented linter.
    ///
    /// # Errors
    /// [`Error::Length`], [`Error::InvalidCharacter`], [`Error::CheckDigit`],
    /// [`Error::CheckCharacters`] or [`Error::InvalidContent`], naming the AI and value.
    pub fn validate(self, value: &str) -> Result<(), Error> {
        let def = self.0;
        // Every GS1 character set is ASCII, so reject anything else first; after this check
        // byte offsets and character positions coincide and slicing cannot split a character.
        if let Some((pos, ch)) = value.char_indices().find(|(_, c)| !c.is_ascii()) {
            let allowed = def
                .components
                .first()
                .map_or("ASCII", |c| c.cset.describe());
            return Err(Error::InvalidCharacter {
                ai: def.ai,
                title: def.title,
                value: quote(value),
                character: ch,
                position: value.get(..pos).map_or(0, |p| p.chars().count()) + 1,
                allowed,
            });
        }
        let len = value.len();
        let min_total: usize = def
            .components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum();
        if len < min_total.max(1) || len > self.max_length() {
            return Err(self.length_error(value));
        }
        let mut pos = 0;
        for comp in def.components {
            if pos == len && comp.optional {
                break;
            }
            let rest = len - pos;
            let take = if comp.min == comp.max {
                usize::from(comp.max)
            } else {
                rest.min(usize::from(comp.max))
            };
            if take > rest || take < usize::from(comp.min) || take == 0 {
                return Err(self.length_error(value));
            }
            let Some(part) = value.get(pos..pos + take) else {
                return Err(self.length_error(value));
            };
            if let Some(bad) = comp.cset.first_invalid(part) {
                let character = part
                    .get(bad..)
                    .and_then(|r| r.chars().next())
                    .unwrap_or('?');
                return Err(Error::InvalidCharacter {
                    ai: def.ai,
                    title: def.title,
                    value: quote(value),
                    character,
                    position: pos + bad + 1,
                    allowed: comp.cset.describe(),
                });
            }
            for &linter in comp.linters {
                if let Err(failure) = lint(linter, part) {
                    return Err(self.lint_error(value, failure));
                }
            }
            pos += take;
        }
        if pos != len {
            return Err(self.length_error(value));
        }
        Ok(())
    }

    fn lint_error(self, value: &str, failure: LintFailure) -> Error {
        let def = self.0;
        match failure {
            LintFailure::CheckDigit { expected, found } => Error::CheckDigit {
                ai: def.ai,
                title: def.title,
                value: quote(value),
                expected,
                found,
            },
            LintFailure::CheckCharacters { expected, found } => Error::CheckCharacters {
                ai: def.ai,
                title: def.title,
                value: quote(value),
                expected: expected.iter().collect(),
                found,
            },
            LintFailure::Content(problem) => Error::InvalidContent {
                ai: def.ai,
                title: def.title,
                value: quote(value),
                problem,
            },
        }
    }

    fn length_error(self, value: &str) -> Error {
        Error::Length {
            ai: self.0.ai,
            title: self.0.title,
            value: quote(value),
            expected: self.allowed_lengths(),
            actual: value.len(),
        }
    }

    /// The admissible value lengths in words, e.g. "exactly 14", "6 or 12" or
    /// "between 1 and 20".
    #[must_use]
    pub fn allowed_lengths(self) -> String {
        let comps = self.0.components;
        if comps.iter().all(|c| c.min == c.max) {
            // Fixed components with optional tails give a short list of admissible totals.
            let mut totals = Vec::new();
            let mut sum = 0usize;
            for c in comps {
                if c.optional {
                    totals.push(sum);
                }
                sum += usize::from(c.max);
            }
            totals.push(sum);
            totals.retain(|&t| t > 0);
            totals.dedup();
            return match totals.as_slice() {
                [one] => format!("exactly {one}"),
                [init @ .., last] => {
                    let init: Vec<String> = init.iter().map(ToString::to_string).collect();
                    format!("{} or {last}", init.join(", "))
                }
                [] => "none".to_owned(),
            };
        }
        let min: usize = comps
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum();
        format!("between {} and {}", min.max(1), self.max_length())
    }
}

impl PartialEq for Ai {
    fn eq(&self, other: &Self) -> bool {
        self.0.ai == other.0.ai
    }
}

impl Eq for Ai {}

impl std::hash::Hash for Ai {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.ai.hash(state);
    }
}

impl PartialOrd for Ai {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ai {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.ai.cmp(other.0.ai)
    }
}

impl fmt::Debug for Ai {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ai({})", self.0.ai)
    }
}

impl fmt::Display for Ai {
    /// Writes the AI in brackets, as in human-readable text: `(01)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({})", self.0.ai)
    }
}

/// One AI with its value, checked against the AI's format on construction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AiElement {
    ai: Ai,
    value: String,
}

impl AiElement {
    /// Checks `value` against `ai`'s format and builds the element.
    ///
    /// # Errors
    /// [`Error::UnknownAi`] if `ai` is not in the table, or the errors of [`Ai::validate`].
    pub fn new(ai: &str, value: &str) -> Result<Self, Error> {
        let found = Ai::lookup(ai).ok_or_else(|| Error::UnknownAi { ai: quote(ai) })?;
        Self::with_ai(found, value)
    }

    /// As [`AiElement::new`] for an AI already looked up.
    ///
    /// # Errors
    /// The errors of [`Ai::validate`].
    pub fn with_ai(ai: Ai, value: &str) -> Result<Self, Error> {
        ai.validate(value)?;
        Ok(Self {
            ai,
            value: value.to_owned(),
        })
    }

    /// The AI.
    #[must_use]
    pub fn ai(&self) -> Ai {
        self.ai
    }

    /// The AI digits, e.g. `"10"`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.ai.code()
    }

    /// The value, e.g. the lot number.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for AiElement {
    /// Writes the element in human-readable form, e.g. `(10)TEA2404A`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.ai, self.value)
    }
}

/// Whether an AI matches a dictionary pattern such as `310n` (`n` stands for any digit).
fn matches_pattern(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern
            .bytes()
            .zip(ai.bytes())
            .all(|(p, a)| p == a || (p == b'n' && a.is_ascii_digit()))
}

/// Checks the mandatory (`req=`) and invalid (`ex=`) AI pairings of the syntax dictionary over
/// a whole message (GS1 General Specifications sections 4.13 and 4.14), for example that a lot
/// number (10) comes with a GTIN (01), or that two net weights (3100 and 3101) are not both
/// given.
///
/// The dictionary notes that pairings are meant to be evaluated over everything printed on one
/// item; callers combining several barcodes should check the combined elements.
///
/// # Errors
/// [`Error::MissingRequiredAi`] or [`Error::ConflictingAis`] for the first violation found.
pub fn check_pairings(elements: &[AiElement]) -> Result<(), Error> {
    for e in elements {
        let def = e.ai.def();
        for req in def.req {
            let satisfied = req.iter().any(|group| {
                group
                    .iter()
                    .all(|pat| elements.iter().any(|o| matches_pattern(pat, o.code())))
            });
            if !satisfied {
                return Err(Error::MissingRequiredAi {
                    ai: def.ai,
                    title: def.title,
                    requires: describe_requirement(req),
                });
            }
        }
        for pat in def.ex {
            // The dictionary: "An AI is not exclusive of itself even if it matches a pattern".
            if let Some(o) = elements
                .iter()
                .find(|o| o.code() != def.ai && matches_pattern(pat, o.code()))
            {
                return Err(Error::ConflictingAis {
                    ai: def.ai,
                    title: def.title,
                    other: o.code(),
                });
            }
        }
    }
    Ok(())
}

/// Words for a `req=` attribute: `"(01), (02) or (8006) with (21)"`.
fn describe_requirement(req: &[&[&str]]) -> String {
    let groups: Vec<String> = req
        .iter()
        .map(|g| {
            g.iter()
                .map(|p| format!("({})", p.replace('n', "x")))
                .collect::<Vec<_>>()
                .join(" with ")
        })
        .collect();
    match groups.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_and_prefix() {
        let gtin = Ai::lookup("01").unwrap();
        assert_eq!(gtin.title(), "GTIN");
        assert!(!gtin.requires_separator());
        assert_eq!(gtin.fixed_length(), Some(14));
        assert!(gtin.is_dl_primary_key());
        assert!(Ai::lookup("1").is_none());
        assert!(Ai::lookup("019").is_none());
        assert_eq!(Ai::lookup_prefix("3103000500").unwrap().code(), "3103");
        assert_eq!(Ai::lookup_prefix("10ABC").unwrap().code(), "10");
        assert_eq!(Ai::lookup_prefix("7007240430").unwrap().code(), "7007");
        assert!(Ai::lookup_prefix("2").is_none());
        assert!(Ai::lookup_prefix("").is_none());
        assert_eq!(
            Ai::lookup("253").unwrap().format(),
            "N13,csum,gcppos1 [X..17]"
        );
    }

    #[test]
    fn allowed_lengths_in_words() {
        assert_eq!(Ai::lookup("01").unwrap().allowed_lengths(), "exactly 14");
        assert_eq!(Ai::lookup("7007").unwrap().allowed_lengths(), "6 or 12");
        assert_eq!(
            Ai::lookup("10").unwrap().allowed_lengths(),
            "between 1 and 20"
        );
        assert_eq!(
            Ai::lookup("253").unwrap().allowed_lengths(),
            "between 13 and 30"
        );
        assert_eq!(Ai::lookup("8008").unwrap().allowed_lengths(), "8, 10 or 12");
    }

    #[test]
    fn validate_formats() {
        let ok = |ai: &str, v: &str| Ai::lookup(ai).unwrap().validate(v);
        ok("01", "06901234123456").unwrap();
        ok("10", "TEA2404A").unwrap();
        ok("7007", "240430").unwrap();
        ok("7007", "240401240430").unwrap();
        ok("253", "4012345000054").unwrap();
        ok("253", "4012345000054987").unwrap();
        ok("422", "156").unwrap();
        ok("8030", "AbC-_x==").unwrap();

        assert!(matches!(
            ok("01", "0690123412345"),
            Err(Error::Length { actual: 13, .. })
        ));
        assert!(matches!(
            ok("01", "06901234123455"),
            Err(Error::CheckDigit {
                expected: '6',
                found: '5',
                ..
            })
        ));
        assert!(matches!(ok("10", ""), Err(Error::Length { .. })));
        assert!(matches!(
            ok("10", "123456789012345678901"),
            Err(Error::Length { .. })
        ));
        assert!(matches!(
            ok("10", "TEA 24"),
            Err(Error::InvalidCharacter {
                character: ' ',
                position: 4,
                ..
            })
        ));
        assert!(matches!(
            ok("10", "茶叶"),
            Err(Error::InvalidCharacter {
                character: '茶',
                position: 1,
                ..
            })
        ));
        assert!(matches!(ok("7007", "240430240"), Err(Error::Length { .. })));
        assert!(matches!(
            ok("17", "251301"),
            Err(Error::InvalidContent { .. })
        ));
        assert!(matches!(
            ok("422", "999"),
            Err(Error::InvalidContent { .. })
        ));
        assert!(matches!(
            ok("8030", "a=b"),
            Err(Error::InvalidCharacter { .. })
        ));
        assert!(matches!(
            ok("8030", "ab==="),
            Err(Error::InvalidCharacter { .. })
        ));
    }

    #[test]
    fn unchecked_linters_are_reported() {
        let a = Ai::lookup("7041").unwrap();
        assert_eq!(
            a.unchecked_linters().collect::<Vec<_>>(),
            [Linter::Packagetype]
        );
        assert_eq!(Ai::lookup("01").unwrap().unchecked_linters().count(), 0);
    }

    #[test]
    fn pairings() {
        let e = |ai: &str, v: &str| AiElement::new(ai, v).unwrap();
        check_pairings(&[e("01", "06901234123456"), e("10", "L1")]).unwrap();
        let err = check_pairings(&[e("10", "L1")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "AI (10) BATCH/LOT can only be used together with (01), (02), (03), (8006) or (8026)"
        );
        let err = check_pairings(&[
            e("01", "06901234123456"),
            e("3100", "000120"),
            e("3102", "120000"),
        ])
        .unwrap_err();
        assert!(matches!(
            err,
            Error::ConflictingAis {
                ai: "3100",
                other: "3102",
                ..
            }
        ));
        // 250 needs (01) *with* (21).
        let err = check_pairings(&[e("01", "06901234123456"), e("250", "X")]).unwrap_err();
        assert!(err.to_string().contains("(01) with (21)"), "{err}");
    }
}
