//! GS1 element strings: the AI-value sequences carried by GS1-128, GS1 DataBar, GS1 DataMatrix,
//! GS1 QR Code and GS1 DotCode, in the two forms people meet them.
//!
//! - **Scanner data** (GS1 General Specifications 7.8): AIs and values run together; a value
//!   whose length is not pre-defined by its AI is ended by FNC1, which scanners transmit as the
//!   ASCII group separator GS (`\x1d`). The data may start with a symbology identifier such as
//!   `]d2` (ISO/IEC 15424, as listed for each GS1 data carrier in the GS1 General
//!   Specifications chapter 5).
//! - **Human-readable interpretation** (HRI, GS1 General Specifications 4.15): each AI in
//!   brackets, e.g. `(01)06901234123456(10)TEA2404A`. A literal `(` inside a value is written
//!   `\(` so that the form can be read back unambiguously (as the GS1 syntax engine does).

use std::fmt;

use crate::ai::{Ai, AiElement, check_pairings};
use crate::error::{Error, quote};

/// The ASCII group separator that scanners transmit for FNC1.
pub const GS: char = '\x1d';

/// A validated sequence of GS1 AI elements.
///
/// Every value has been checked against its AI's format and linters, and no AI repeats with a
/// different value. The mandatory and invalid AI pairings of the syntax dictionary hold too,
/// unless the value came from [`ElementString::parse_without_pairings`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ElementString {
    elements: Vec<AiElement>,
}

impl ElementString {
    /// Parses scanner data or bracketed human-readable text.
    ///
    /// Accepted: an optional symbology identifier (`]C1`, `]e0`, `]d2`, `]Q3`, `]J1` for GS1
    /// data; `]E0` and `]E4` for a bare EAN-13 or EAN-8, read as a GTIN), then either
    /// GS-separated element strings or the `(AI)value` form.
    ///
    /// # Errors
    /// [`Error::UnsupportedSymbology`], [`Error::UnknownAi`], [`Error::ElementStringSyntax`],
    /// any value error of [`Ai::validate`], [`Error::DuplicateAi`],
    /// [`Error::MissingRequiredAi`] or [`Error::ConflictingAis`].
    ///
    /// ```
    /// let es = gs1::ElementString::parse("]d20106901234123456102024A\x1d17250630")?;
    /// assert_eq!(es.to_hri(), "(01)06901234123456(10)2024A(17)250630");
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, Error> {
        let es = Self::parse_without_pairings(input)?;
        check_pairings(&es.elements)?;
        Ok(es)
    }

    /// As [`ElementString::parse`] but without the AI pairing rules (e.g. "a lot number needs
    /// a GTIN"). The syntax dictionary evaluates pairings over everything printed on one
    /// item, and a logistics label may spread its data over several barcodes; read each with
    /// this function, combine the elements, then call [`ElementString::from_elements`].
    ///
    /// # Errors
    /// As [`ElementString::parse`], except the pairing errors.
    pub fn parse_without_pairings(input: &str) -> Result<Self, Error> {
        if input.is_empty() {
            return Err(Error::Empty {
                what: "element string",
            });
        }
        let (rest, offset) = match input.strip_prefix(']') {
            Some(_) => {
                let id = input.get(..3).ok_or(Error::ElementStringSyntax {
                    position: 1,
                    problem: "a symbology identifier has three characters, e.g. ]d2",
                })?;
                let body = input.get(3..).unwrap_or_default();
                match id {
                    "]C1" | "]e0" | "]d2" | "]Q3" | "]J1" => (body, 3),
                    "]E0" | "]E4" => {
                        let gtin = crate::keys::Gtin::new(body)?;
                        return Ok(Self::from_checked(vec![AiElement::new(
                            "01",
                            gtin.as_str(),
                        )?]));
                    }
                    _ => return Err(Error::UnsupportedSymbology { id: quote(id) }),
                }
            }
            None => (input, 0),
        };
        let elements = if rest.starts_with('(') {
            parse_hri(rest, offset)?
        } else {
            parse_raw(rest, offset)?
        };
        Self::collect(elements)
    }

    /// Builds an element string from elements, checking duplicates and AI pairings.
    /// Elements repeated with an identical value are kept once: the GS1 General Specifications
    /// allow an element string to be repeated on an item as long as the data is identical.
    ///
    /// # Errors
    /// [`Error::Empty`], [`Error::DuplicateAi`], [`Error::MissingRequiredAi`] or
    /// [`Error::ConflictingAis`].
    pub fn from_elements(elements: Vec<AiElement>) -> Result<Self, Error> {
        let es = Self::collect(elements)?;
        check_pairings(&es.elements)?;
        Ok(es)
    }

    /// Drops identical repeats and refuses conflicting ones.
    fn collect(elements: Vec<AiElement>) -> Result<Self, Error> {
        if elements.is_empty() {
            return Err(Error::Empty {
                what: "element string",
            });
        }
        let mut unique: Vec<AiElement> = Vec::with_capacity(elements.len());
        for e in elements {
            match unique.iter().find(|u| u.code() == e.code()) {
                Some(u) if u.value() == e.value() => {}
                Some(u) => {
                    return Err(Error::DuplicateAi {
                        ai: e.code(),
                        first: quote(u.value()),
                        second: quote(e.value()),
                    });
                }
                None => unique.push(e),
            }
        }
        Ok(Self { elements: unique })
    }

    /// Wraps elements already known to satisfy the checks of [`ElementString::from_elements`].
    pub(crate) fn from_checked(elements: Vec<AiElement>) -> Self {
        Self { elements }
    }

    /// The elements, in the order read.
    #[must_use]
    pub fn elements(&self) -> &[AiElement] {
        &self.elements
    }

    /// The value of `ai`, if present.
    #[must_use]
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.code() == ai)
            .map(AiElement::value)
    }

    /// The linters that apply to these elements but that this crate does not implement, as
    /// `(AI, linter name)`. Empty means every content check the dictionary names was run.
    #[must_use]
    pub fn unchecked(&self) -> Vec<(&'static str, &'static str)> {
        self.elements
            .iter()
            .flat_map(|e| {
                e.ai()
                    .unchecked_linters()
                    .map(move |l| (e.code(), l.name()))
            })
            .collect()
    }

    /// The element string as a barcode carries it, without symbology identifier: AIs and
    /// values concatenated, with GS (`\x1d`) after each value whose AI has no pre-defined
    /// length, except the last (GS1 General Specifications 7.8.5).
    #[must_use]
    pub fn to_scanner_data(&self) -> String {
        let mut out = String::new();
        let mut need_gs = false;
        for e in &self.elements {
            if need_gs {
                out.push(GS);
            }
            out.push_str(e.code());
            out.push_str(e.value());
            need_gs = e.ai().requires_separator();
        }
        out
    }

    /// The human-readable form, e.g. `(01)06901234123456(10)TEA2404A`, with `(` inside values
    /// written as `\(`.
    #[must_use]
    pub fn to_hri(&self) -> String {
        let mut out = String::new();
        for e in &self.elements {
            out.push('(');
            out.push_str(e.code());
            out.push(')');
            out.push_str(&e.value().replace('(', "\\("));
        }
        out
    }
}

impl fmt::Display for ElementString {
    /// Writes the human-readable form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hri())
    }
}

impl std::str::FromStr for ElementString {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// Parses GS-separated scanner data. `offset` is the number of characters before `data` in
/// the original input, for error positions.
fn parse_raw(data: &str, offset: usize) -> Result<Vec<AiElement>, Error> {
    let mut elements = Vec::new();
    let mut pos = 0;
    while let Some(rest) = data.get(pos..).filter(|r| !r.is_empty()) {
        // A GS may precede the first AI (FNC1 in first position is sometimes transmitted) and
        // may follow a pre-defined length value; neither is an error.
        if let Some(after) = rest.strip_prefix(GS) {
            if after.starts_with(GS) {
                return Err(Error::ElementStringSyntax {
                    position: offset + pos + 2,
                    problem: "two separators in a row",
                });
            }
            pos += GS.len_utf8();
            continue;
        }
        let ai = Ai::lookup_prefix(rest).ok_or_else(|| unknown_ai_at(rest))?;
        let start = pos + ai.code().len();
        let value_end = match (ai.requires_separator(), ai.fixed_length()) {
            (false, Some(n)) => {
                if data.len() < start + n || !data.is_char_boundary(start + n) {
                    // Report the short value with its AI's length rule.
                    let value = data.get(start..).unwrap_or_default();
                    ai.validate(value)?;
                    return Err(Error::ElementStringSyntax {
                        position: offset + start + 1,
                        problem: "a value of pre-defined length is cut short",
                    });
                }
                start + n
            }
            _ => data
                .get(start..)
                .and_then(|v| v.find(GS))
                .map_or(data.len(), |i| start + i),
        };
        let value = data.get(start..value_end).unwrap_or_default();
        elements.push(AiElement::with_ai(ai, value)?);
        pos = value_end;
    }
    Ok(elements)
}

/// The unknown-AI error for data that should start with an AI: quotes the leading digits.
fn unknown_ai_at(rest: &str) -> Error {
    let digits: String = rest
        .chars()
        .take(4)
        .take_while(char::is_ascii_digit)
        .collect();
    let shown = if digits.is_empty() {
        rest.chars().take(4).collect()
    } else {
        digits
    };
    Error::UnknownAi { ai: shown }
}

/// Parses `(AI)value(AI)value…`. `offset` is as for [`parse_raw`].
fn parse_hri(data: &str, offset: usize) -> Result<Vec<AiElement>, Error> {
    let mut elements = Vec::new();
    let mut chars = data.char_indices().peekable();
    while let Some((open, c)) = chars.next() {
        if c != '(' {
            return Err(Error::ElementStringSyntax {
                position: offset + open + 1,
                problem: "expected '(' to start an AI",
            });
        }
        let mut code = String::new();
        loop {
            match chars.next() {
                Some((_, ')')) => break,
                Some((_, d)) if d.is_ascii_digit() && code.len() < 4 => code.push(d),
                Some((i, _)) => {
                    return Err(Error::ElementStringSyntax {
                        position: offset + i + 1,
                        problem: "an AI in brackets must be 2 to 4 digits followed by ')'",
                    });
                }
                None => {
                    return Err(Error::ElementStringSyntax {
                        position: offset + data.len(),
                        problem: "unclosed '(' at the end",
                    });
                }
            }
        }
        let ai = Ai::lookup(&code).ok_or(Error::UnknownAi { ai: code })?;
        let mut value = String::new();
        while let Some(&(_, c)) = chars.peek() {
            match c {
                '(' => break,
                '\\' => {
                    chars.next();
                    if let Some(&(_, '(')) = chars.peek() {
                        value.push('(');
                        chars.next();
                    } else {
                        value.push('\\');
                    }
                }
                _ => {
                    value.push(c);
                    chars.next();
                }
            }
        }
        elements.push(AiElement::with_ai(ai, &value)?);
    }
    Ok(elements)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_data_with_and_without_symbology() {
        let expected = "(01)06901234123456(10)2024A(17)250630";
        for input in [
            "0106901234123456102024A\x1d17250630",
            "]d20106901234123456102024A\x1d17250630",
            "]C10106901234123456102024A\x1d17250630",
            "]Q3\x1d0106901234123456102024A\x1d17250630",
            "(01)06901234123456(10)2024A(17)250630",
            "]d2(01)06901234123456(10)2024A(17)250630",
        ] {
            let es = ElementString::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(es.to_hri(), expected, "{input:?}");
            assert_eq!(es.to_scanner_data(), "0106901234123456102024A\x1d17250630");
        }
    }

    #[test]
    fn fixed_length_then_variable_needs_no_separator() {
        // (17) has a pre-defined length, so (10) can follow without GS; a GS after it is
        // tolerated.
        let a = ElementString::parse("010690123412345617250630\x1d10LOT42").unwrap();
        let b = ElementString::parse("01069012341234561725063010LOT42").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.get("10"), Some("LOT42"));
        assert_eq!(a.to_scanner_data(), "01069012341234561725063010LOT42");
    }

    #[test]
    fn tea_example_from_the_reference() {
        let es =
            ElementString::parse("(01)06901234123456(10)TEA2404A(7007)240430(15)250430").unwrap();
        assert_eq!(es.get("7007"), Some("240430"));
        assert_eq!(
            es.to_scanner_data(),
            "010690123412345610TEA2404A\x1d7007240430\x1d15250430"
        );
        assert_eq!(ElementString::parse(&es.to_scanner_data()).unwrap(), es);
        assert!(es.unchecked().is_empty());
    }

    #[test]
    fn ean_symbologies() {
        let es = ElementString::parse("]E06901234123456").unwrap();
        assert_eq!(es.get("01"), Some("06901234123456"));
        let es = ElementString::parse("]E496385074").unwrap();
        assert_eq!(es.get("01"), Some("00000096385074"));
        assert!(matches!(
            ElementString::parse("]E06901234123455"),
            Err(Error::CheckDigit { .. })
        ));
    }

    #[test]
    fn errors() {
        let err = |s: &str| ElementString::parse(s).unwrap_err();
        assert!(matches!(err(""), Error::Empty { .. }));
        assert!(matches!(
            err("]Q1https://x"),
            Error::UnsupportedSymbology { .. }
        ));
        assert!(matches!(err("]d"), Error::ElementStringSyntax { .. }));
        assert!(matches!(err("0106901234123455"), Error::CheckDigit { .. }));
        assert!(matches!(err("01069012341234"), Error::Length { .. }));
        assert!(matches!(err("9A"), Error::UnknownAi { .. }));
        assert_eq!(
            err("0106901234123456239X").to_string(),
            "'239' is not a GS1 Application Identifier"
        );
        assert!(matches!(
            err("10LOT"),
            Error::MissingRequiredAi { ai: "10", .. }
        ));
        assert!(matches!(
            err("(01)06901234123456(10)A(10)B"),
            Error::DuplicateAi { ai: "10", .. }
        ));
        assert!(matches!(
            err("(01)06901234123456(10)"),
            Error::Length { .. }
        ));
        assert!(matches!(err("(01"), Error::ElementStringSyntax { .. }));
        assert!(matches!(err("(0A)1"), Error::ElementStringSyntax { .. }));
        assert!(matches!(
            err("(10)1(01)0690123412345x"),
            Error::InvalidCharacter { .. }
        ));
        assert!(matches!(
            err("0106901234123456\x1d\x1d10A"),
            Error::ElementStringSyntax { .. }
        ));
        assert!(matches!(err("(99)茶"), Error::InvalidCharacter { .. }));
        assert!(matches!(
            err("0106901234123456\x1d10A\x1d17251301"),
            Error::InvalidContent { .. }
        ));
    }

    #[test]
    fn identical_duplicates_collapse_and_brackets_escape() {
        let es = ElementString::parse("(01)06901234123456(01)06901234123456(21)A\\(1)").unwrap();
        assert_eq!(es.elements().len(), 2);
        assert_eq!(es.get("21"), Some("A(1)"));
        assert_eq!(es.to_hri(), "(01)06901234123456(21)A\\(1)");
        assert_eq!(ElementString::parse(&es.to_hri()).unwrap(), es);
    }

    #[test]
    fn labels_split_over_several_barcodes() {
        // (02) and (37) need the SSCC printed in another barcode of the same label.
        assert!(matches!(
            ElementString::parse("(02)06901234123456(37)10"),
            Err(Error::MissingRequiredAi { .. })
        ));
        let a = ElementString::parse_without_pairings("(02)06901234123456(37)10").unwrap();
        let b = ElementString::parse_without_pairings("]C100069012340000000016").unwrap();
        let all = [b.elements(), a.elements()].concat();
        let combined = ElementString::from_elements(all).unwrap();
        assert_eq!(
            combined.to_hri(),
            "(00)069012340000000016(02)06901234123456(37)10"
        );
    }

    #[test]
    fn unchecked_linters_are_listed() {
        let es = ElementString::parse("(00)069012340000000016(7041)BX").unwrap();
        assert_eq!(es.unchecked(), vec![("7041", "packagetype")]);
    }
}
