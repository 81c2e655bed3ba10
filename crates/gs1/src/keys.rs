//! Typed GS1 identification keys, each validated on construction (format, length, check digit)
//! against the same generated AI table that element strings and Digital Links use.
//!
//! The keys are defined in GS1 General Specifications chapter 2 ("Application standards") and
//! their element strings in chapter 3; check digits in section 7.9.

use std::fmt;
use std::str::FromStr;

use crate::ai::Ai;
use crate::error::{Error, quote};

/// Validates `value` against the AI whose format defines a key. The AI codes used here are in
/// every version of the syntax dictionary, so a missing entry is a build defect; it is reported
/// as an unknown AI rather than a panic.
fn validate(ai: &'static str, value: &str) -> Result<(), Error> {
    Ai::lookup(ai)
        .ok_or_else(|| Error::UnknownAi { ai: ai.to_owned() })?
        .validate(value)
}

macro_rules! key_type {
    ($(#[$doc:meta])* $name:ident, $ai:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The AI whose format defines this key.
            pub const AI: &'static str = $ai;

            /// Validates and wraps a key.
            ///
            /// # Errors
            /// The format, length and check-digit errors of [`Ai::validate`].
            pub fn new(value: &str) -> Result<Self, Error> {
                validate($ai, value)?;
                Ok(Self(value.to_owned()))
            }

            /// The key as a string.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::new(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Global Trade Item Number, always held as 14 digits.
///
/// GTIN-8, GTIN-12 and GTIN-13 are accepted and padded on the left with zeros to GTIN-14, the
/// form element strings (AI 01, GS1 General Specifications chapter 3) and canonical Digital
/// Links (GS1 Digital Link URI Syntax 1.2) use. Padding keeps the check digit, because it is
/// weighted from the right.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin(String);

impl Gtin {
    /// The AI whose format defines this key.
    pub const AI: &'static str = "01";

    /// Validates a GTIN-8, -12, -13 or -14 and normalises it to 14 digits.
    ///
    /// # Errors
    /// [`Error::Length`] for other lengths, [`Error::InvalidCharacter`] for non-digits,
    /// [`Error::CheckDigit`] for a wrong check digit.
    ///
    /// ```
    /// let gtin = gs1::Gtin::new("6901234123456")?;
    /// assert_eq!(gtin.as_str(), "06901234123456");
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn new(value: &str) -> Result<Self, Error> {
        let padded = match value.len() {
            8 | 12 | 13 => format!("{value:0>14}"),
            _ => value.to_owned(),
        };
        validate(Self::AI, &padded).map_err(|e| match e {
            // Quote the GTIN as given, not the padded form the user never typed.
            Error::CheckDigit {
                ai,
                title,
                expected,
                found,
                ..
            } => Error::CheckDigit {
                ai,
                title,
                value: quote(value),
                expected,
                found,
            },
            other => other,
        })?;
        Ok(Self(padded))
    }

    /// The 14-digit form.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The indicator digit (first of the 14), which tells packaging levels apart.
    #[must_use]
    pub fn indicator(&self) -> u8 {
        self.0.as_bytes().first().map_or(0, |b| b - b'0')
    }

    /// The shortest standard form, as printed under an EAN/UPC barcode: the GTIN-8, -12 or -13
    /// that the 14 digits pad, or all 14 digits.
    #[must_use]
    pub fn short_form(&self) -> &str {
        let s = self.0.as_str();
        if let Some(rest) = s.strip_prefix("000000") {
            rest
        } else if let Some(rest) = s.strip_prefix("00") {
            rest
        } else if let Some(rest) = s.strip_prefix('0') {
            rest
        } else {
            s
        }
    }
}

impl FromStr for Gtin {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Gtin {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

key_type!(
    /// Global Location Number: 13 digits with a check digit. One format serves a physical
    /// location (AI 414), a party (AI 417) and the other GLN AIs (410–416).
    Gln,
    "414"
);
key_type!(
    /// Serial Shipping Container Code: 18 digits (extension digit, company prefix, serial
    /// reference, check digit), AI 00.
    Sscc,
    "00"
);
key_type!(
    /// Global Returnable Asset Identifier as carried by AI 8003: a `0`, the 13-digit GRAI with
    /// its check digit, and an optional serial of up to 16 characters.
    Grai,
    "8003"
);
key_type!(
    /// Global Individual Asset Identifier: company prefix and asset reference, up to 30
    /// characters, AI 8004.
    Giai,
    "8004"
);
key_type!(
    /// Global Service Relation Number: 18 digits with a check digit. The same format serves
    /// the provider (AI 8017) and the recipient (AI 8018).
    Gsrn,
    "8018"
);
key_type!(
    /// Global Document Type Identifier: 13 digits with a check digit and an optional serial of
    /// up to 17 characters, AI 253.
    Gdti,
    "253"
);
key_type!(
    /// Global Coupon Number: 13 digits with a check digit and an optional numeric serial of up
    /// to 12 digits, AI 255.
    Gcn,
    "255"
);
key_type!(
    /// Global Identification Number for Consignment: up to 30 characters, AI 401.
    Ginc,
    "401"
);
key_type!(
    /// Global Shipment Identification Number: 17 digits with a check digit, AI 402.
    Gsin,
    "402"
);
key_type!(
    /// Individual Trade Item Piece: a GTIN-14 followed by piece number and total, AI 8006.
    Itip,
    "8006"
);
key_type!(
    /// Component/Part Identifier: up to 30 characters of CSET 39, AI 8010.
    Cpid,
    "8010"
);
key_type!(
    /// Global Model Number: up to 25 characters ending in a check character pair, AI 8013.
    Gmn,
    "8013"
);

/// A GS1 key that can start a Digital Link, typed by its primary-key AI.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Gs1Key {
    /// AI 00.
    Sscc(Sscc),
    /// AI 01.
    Gtin(Gtin),
    /// AI 253.
    Gdti(Gdti),
    /// AI 255.
    Gcn(Gcn),
    /// AI 401.
    Ginc(Ginc),
    /// AI 402.
    Gsin(Gsin),
    /// AI 414: a physical location.
    LocationGln(Gln),
    /// AI 415: the GLN of the invoicing party.
    PayToGln(Gln),
    /// AI 417: a party.
    PartyGln(Gln),
    /// AI 8003.
    Grai(Grai),
    /// AI 8004.
    Giai(Giai),
    /// AI 8006.
    Itip(Itip),
    /// AI 8010.
    Cpid(Cpid),
    /// AI 8013.
    Gmn(Gmn),
    /// AI 8017: the service provider's GSRN.
    GsrnProvider(Gsrn),
    /// AI 8018: the service recipient's GSRN.
    GsrnRecipient(Gsrn),
}

impl Gs1Key {
    /// Builds the typed key for a primary-key AI and its value.
    ///
    /// # Errors
    /// [`Error::NotAPrimaryKey`] or [`Error::UnknownAi`] if `ai` is not a Digital Link primary
    /// key, or the validation errors of the key type.
    pub fn new(ai: &str, value: &str) -> Result<Self, Error> {
        Ok(match ai {
            "00" => Self::Sscc(Sscc::new(value)?),
            "01" => Self::Gtin(Gtin::new(value)?),
            "253" => Self::Gdti(Gdti::new(value)?),
            "255" => Self::Gcn(Gcn::new(value)?),
            "401" => Self::Ginc(Ginc::new(value)?),
            "402" => Self::Gsin(Gsin::new(value)?),
            "414" => Self::LocationGln(Gln::new(value)?),
            "415" => Self::PayToGln(Gln::new(value)?),
            "417" => Self::PartyGln(Gln::new(value)?),
            "8003" => Self::Grai(Grai::new(value)?),
            "8004" => Self::Giai(Giai::new(value)?),
            "8006" => Self::Itip(Itip::new(value)?),
            "8010" => Self::Cpid(Cpid::new(value)?),
            "8013" => Self::Gmn(Gmn::new(value)?),
            "8017" => Self::GsrnProvider(Gsrn::new(value)?),
            "8018" => Self::GsrnRecipient(Gsrn::new(value)?),
            other => {
                return Err(match Ai::lookup(other) {
                    Some(a) => Error::NotAPrimaryKey {
                        ai: a.code(),
                        title: a.title(),
                    },
                    None => Error::UnknownAi { ai: quote(other) },
                });
            }
        })
    }

    /// The primary-key AI, e.g. `"01"`.
    #[must_use]
    pub fn ai(&self) -> &'static str {
        match self {
            Self::Sscc(_) => "00",
            Self::Gtin(_) => "01",
            Self::Gdti(_) => "253",
            Self::Gcn(_) => "255",
            Self::Ginc(_) => "401",
            Self::Gsin(_) => "402",
            Self::LocationGln(_) => "414",
            Self::PayToGln(_) => "415",
            Self::PartyGln(_) => "417",
            Self::Grai(_) => "8003",
            Self::Giai(_) => "8004",
            Self::Itip(_) => "8006",
            Self::Cpid(_) => "8010",
            Self::Gmn(_) => "8013",
            Self::GsrnProvider(_) => "8017",
            Self::GsrnRecipient(_) => "8018",
        }
    }

    /// The key value as carried after its AI.
    #[must_use]
    pub fn value(&self) -> &str {
        match self {
            Self::Sscc(k) => k.as_str(),
            Self::Gtin(k) => k.as_str(),
            Self::Gdti(k) => k.as_str(),
            Self::Gcn(k) => k.as_str(),
            Self::Ginc(k) => k.as_str(),
            Self::Gsin(k) => k.as_str(),
            Self::LocationGln(k) | Self::PayToGln(k) | Self::PartyGln(k) => k.as_str(),
            Self::Grai(k) => k.as_str(),
            Self::Giai(k) => k.as_str(),
            Self::Itip(k) => k.as_str(),
            Self::Cpid(k) => k.as_str(),
            Self::Gmn(k) => k.as_str(),
            Self::GsrnProvider(k) | Self::GsrnRecipient(k) => k.as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtin_lengths_and_padding() {
        assert_eq!(Gtin::new("96385074").unwrap().as_str(), "00000096385074");
        assert_eq!(
            Gtin::new("614141000036").unwrap().as_str(),
            "00614141000036"
        );
        let g = Gtin::new("6901234123456").unwrap();
        assert_eq!(g.as_str(), "06901234123456");
        assert_eq!(g.short_form(), "6901234123456");
        assert_eq!(g.indicator(), 0);
        assert_eq!(Gtin::new("96385074").unwrap().short_form(), "96385074");
        let case = Gtin::new("10614141073464").unwrap();
        assert_eq!(case.indicator(), 1);
        assert_eq!(case.short_form(), "10614141073464");
        assert!(matches!(
            Gtin::new("690123412345"),
            Err(Error::CheckDigit { .. })
        ));
        assert!(matches!(
            Gtin::new("6901234123455"),
            Err(Error::CheckDigit { .. })
        ));
        assert!(matches!(
            Gtin::new("69012341234"),
            Err(Error::Length { .. })
        ));
        assert!(matches!(
            Gtin::new("690123412345678"),
            Err(Error::Length { .. })
        ));
        assert!(matches!(
            Gtin::new("690123412345A"),
            Err(Error::InvalidCharacter { .. })
        ));
        assert_eq!("06901234123456".parse::<Gtin>().unwrap(), g);
    }

    #[test]
    fn every_key_type_good_and_one_off() {
        // (constructor, good value, same value with one character changed)
        type Ctor = fn(&str) -> Result<(), Error>;
        let cases: &[(Ctor, &str, &str)] = &[
            (|s| Gln::new(s).map(drop), "6901234000016", "6901234000017"),
            (
                |s| Sscc::new(s).map(drop),
                "069012340000000016",
                "069012340000000015",
            ),
            (
                |s| Grai::new(s).map(drop),
                "0401234566666387",
                "0401234566666487",
            ),
            (|s| Giai::new(s).map(drop), "4012345AAbb", "40A2345AAbb"),
            (
                |s| Gsrn::new(s).map(drop),
                "401234598765400000",
                "401234598765400001",
            ),
            (
                |s| Gdti::new(s).map(drop),
                "401234555555498",
                "401234555555598",
            ),
            (
                |s| Gcn::new(s).map(drop),
                "401234599999044",
                "401234599999144",
            ),
            (|s| Ginc::new(s).map(drop), "4012345333", "4012345 333"),
            (
                |s| Gsin::new(s).map(drop),
                "40123459999876541",
                "40123459999876540",
            ),
            (
                |s| Itip::new(s).map(drop),
                "040123451234560102",
                "040123451234560302",
            ),
            (|s| Cpid::new(s).map(drop), "4012345ABC", "4012345abc"),
            (
                |s| Gmn::new(s).map(drop),
                "1987654Ad4X4bL5ttr2310c2K",
                "1987654Ad4X4bL5ttr2310c2L",
            ),
        ];
        for (ctor, good, bad) in cases {
            ctor(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert!(ctor(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn gs1_key_round_trip() {
        let k = Gs1Key::new("417", "6901234000009").unwrap();
        assert_eq!(k.ai(), "417");
        assert_eq!(k.value(), "6901234000009");
        assert!(matches!(k, Gs1Key::PartyGln(_)));
        assert!(matches!(
            Gs1Key::new("10", "X"),
            Err(Error::NotAPrimaryKey { .. })
        ));
        assert!(matches!(
            Gs1Key::new("1", "X"),
            Err(Error::UnknownAi { .. })
        ));
        // GTIN-13 as a primary key is normalised like Gtin::new.
        assert_eq!(
            Gs1Key::new("01", "6901234123456").unwrap().value(),
            "06901234123456"
        );
    }
}
