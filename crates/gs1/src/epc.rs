//! EPC pure-identity URNs (`urn:epc:id:…`, `urn:epc:class:lgtin:…`, `urn:epc:idpat:…`) and
//! their conversion to and from GS1 Digital Link, following the EPC Tag Data Standard (TDS)
//! 2.x, section 6 (EPC URI syntax) and section 7 (correspondence between EPCs and GS1 keys),
//! and the GS1 Digital Link URI Syntax section on EPC conversion.
//!
//! **Direction matters.** A URN carries the length of the GS1 Company Prefix (GCP) in the
//! position of its first dot, so URN → Digital Link is mechanical. A Digital Link (or element
//! string) has no such delimiter, so Digital Link → URN needs the GCP length from the caller,
//! through [`GcpLength`]: a closure, a fixed number, or a [`GcpLengthTable`] of the county
//! members' company prefixes. The length is never guessed from the digits, because GS1 member
//! organisations assign lengths from 6 to 12 digits within one prefix range (GS1 China uses
//! 7, 8 and 9 digits within 690–699).
//!
//! Supported schemes: sgtin, lgtin, sscc, sgln, pgln, grai, giai, gsrn, gsrnp, gdti, sgcn,
//! ginc, gsin, itip, cpi, upui, and the class-level patterns `idpat:sgtin`, `idpat:grai`,
//! `idpat:gdti`, `idpat:sgcn`, `idpat:itip` and `idpat:cpi` whose only wildcard is the last
//! component (the EPCIS 2.0 event hash reference maps exactly these). Schemes without a GS1
//! key (gid, usdod, adi, bic, imovn, …) are refused with [`Error::UnsupportedEpcScheme`].
//!
//! Round trips: URN → Digital Link → URN gives the same canonical URN. Digital Link → URN →
//! Digital Link gives the same link except for data that an EPC cannot carry and that the
//! EPCIS conversion drops: the query string, a CPV (AI 22), and a lot number (AI 10) next to
//! a serial number (AI 21), where the serial is the finer identity.

use std::fmt;

use crate::ai::AiElement;
use crate::check_digit;
use crate::digital_link::DigitalLink;
use crate::error::{Error, quote};

/// Supplies the length of the GS1 Company Prefix that starts a key.
///
/// `key` holds the key's characters from where the company prefix begins: after the
/// indicator digit of a GTIN (and of an ITIP), after the extension digit of an SSCC, after the
/// leading `0` of a GRAI as AI 8003 carries it, and from the first character otherwise.
/// Return `None` when the prefix is not known.
pub trait GcpLength {
    /// The GCP length for `key`, or `None` if unknown.
    fn gcp_length(&self, key: &str) -> Option<usize>;
}

impl<F: Fn(&str) -> Option<usize>> GcpLength for F {
    fn gcp_length(&self, key: &str) -> Option<usize> {
        self(key)
    }
}

impl GcpLength for usize {
    /// Every key has a company prefix of this length (useful when all data comes from one
    /// brand owner).
    fn gcp_length(&self, _key: &str) -> Option<usize> {
        Some(*self)
    }
}

/// A longest-prefix-match table from digit prefixes to GCP lengths.
///
/// Load it with the county members' own company prefixes ([`GcpLengthTable::add_company_prefix`])
/// or with rows of GS1's published GCP length table ([`GcpLengthTable::insert`]), or both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GcpLengthTable {
    /// Sorted by prefix.
    entries: Vec<(String, usize)>,
}

impl GcpLengthTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares that keys starting with `prefix` have a company prefix of `length` digits.
    /// A later insert of the same prefix replaces the length.
    ///
    /// # Errors
    /// [`Error::InvalidGcpLength`] if `prefix` is empty or not all digits, or `length` is not
    /// 6 to 12.
    pub fn insert(&mut self, prefix: &str, length: usize) -> Result<(), Error> {
        if prefix.is_empty()
            || !prefix.bytes().all(|b| b.is_ascii_digit())
            || !(6..=12).contains(&length)
        {
            return Err(Error::InvalidGcpLength {
                length,
                key: quote(prefix),
            });
        }
        match self
            .entries
            .binary_search_by(|(p, _)| p.as_str().cmp(prefix))
        {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.1 = length;
                }
            }
            Err(i) => self.entries.insert(i, (prefix.to_owned(), length)),
        }
        Ok(())
    }

    /// Declares a company prefix itself, e.g. `"6901234"` (length 7).
    ///
    /// # Errors
    /// As [`GcpLengthTable::insert`].
    pub fn add_company_prefix(&mut self, gcp: &str) -> Result<(), Error> {
        self.insert(gcp, gcp.len())
    }
}

impl GcpLength for GcpLengthTable {
    fn gcp_length(&self, key: &str) -> Option<usize> {
        // The longest matching prefix is the most specific rule.
        (1..=key.len().min(12))
            .rev()
            .filter_map(|n| key.get(..n))
            .find_map(|p| {
                self.entries
                    .binary_search_by(|(e, _)| e.as_str().cmp(p))
                    .ok()
                    .and_then(|i| self.entries.get(i))
                    .map(|(_, len)| *len)
            })
    }
}

/// The EPC schemes this crate converts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EpcScheme {
    /// Serialised GTIN (`urn:epc:id:sgtin`), or a GTIN class (`urn:epc:idpat:sgtin:…*`).
    Sgtin,
    /// GTIN with lot (`urn:epc:class:lgtin`).
    Lgtin,
    /// SSCC.
    Sscc,
    /// GLN of a location, with optional extension.
    Sgln,
    /// GLN of a party.
    Pgln,
    /// GRAI (the pattern form when without serial).
    Grai,
    /// GIAI.
    Giai,
    /// GSRN of a recipient (AI 8018).
    Gsrn,
    /// GSRN of a provider (AI 8017).
    Gsrnp,
    /// GDTI (the pattern form when without serial).
    Gdti,
    /// GCN (the pattern form when without serial).
    Sgcn,
    /// GINC.
    Ginc,
    /// GSIN.
    Gsin,
    /// ITIP with serial (the pattern form when without serial).
    Itip,
    /// CPID with serial (the pattern form when without serial).
    Cpi,
    /// GTIN with third-party-controlled serial (TPX, AI 235).
    Upui,
}

impl EpcScheme {
    /// The scheme name in the URN, e.g. `"sgtin"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Sgtin => "sgtin",
            Self::Lgtin => "lgtin",
            Self::Sscc => "sscc",
            Self::Sgln => "sgln",
            Self::Pgln => "pgln",
            Self::Grai => "grai",
            Self::Giai => "giai",
            Self::Gsrn => "gsrn",
            Self::Gsrnp => "gsrnp",
            Self::Gdti => "gdti",
            Self::Sgcn => "sgcn",
            Self::Ginc => "ginc",
            Self::Gsin => "gsin",
            Self::Itip => "itip",
            Self::Cpi => "cpi",
            Self::Upui => "upui",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sgtin" => Self::Sgtin,
            "lgtin" => Self::Lgtin,
            "sscc" => Self::Sscc,
            "sgln" => Self::Sgln,
            "pgln" => Self::Pgln,
            "grai" => Self::Grai,
            "giai" => Self::Giai,
            "gsrn" => Self::Gsrn,
            "gsrnp" => Self::Gsrnp,
            "gdti" => Self::Gdti,
            "sgcn" => Self::Sgcn,
            "ginc" => Self::Ginc,
            "gsin" => Self::Gsin,
            "itip" => Self::Itip,
            "cpi" => Self::Cpi,
            "upui" => Self::Upui,
            _ => return None,
        })
    }

    /// How many dot-separated components the URN body has (the last may contain dots).
    fn components(self) -> usize {
        match self {
            Self::Sscc | Self::Pgln | Self::Giai | Self::Gsrn | Self::Gsrnp => 2,
            Self::Ginc | Self::Gsin => 2,
            Self::Itip => 5,
            _ => 3,
        }
    }

    /// Whether `urn:epc:idpat:` with a final `*` has a Digital Link equivalent.
    fn has_class_pattern(self) -> bool {
        matches!(
            self,
            Self::Sgtin | Self::Grai | Self::Gdti | Self::Sgcn | Self::Itip | Self::Cpi
        )
    }
}

/// An EPC pure-identity URN, held together with its equivalent Digital Link.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EpcUrn {
    scheme: EpcScheme,
    gcp_len: usize,
    link: DigitalLink,
}

impl EpcUrn {
    /// Parses an EPC URN.
    ///
    /// # Errors
    /// [`Error::InvalidEpcUrn`] for malformed URNs (with the reason),
    /// [`Error::UnsupportedEpcScheme`] for schemes without a GS1 key, and the value errors of
    /// the GS1 key it encodes (e.g. a serial longer than 20 characters).
    ///
    /// ```
    /// let urn = gs1::EpcUrn::parse("urn:epc:id:sgtin:6901234.012345.S1")?;
    /// assert_eq!(
    ///     urn.to_digital_link().to_string(),
    ///     "https://id.gs1.org/01/06901234123456/21/S1"
    /// );
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn parse(urn: &str) -> Result<Self, Error> {
        let bad = |problem: &'static str| Error::InvalidEpcUrn {
            urn: quote(urn),
            problem,
        };
        let head = urn
            .get(..8)
            .ok_or_else(|| bad("it must start with urn:epc:"))?;
        if !head.eq_ignore_ascii_case("urn:epc:") {
            return Err(bad("it must start with urn:epc:"));
        }
        let rest = urn.get(8..).unwrap_or_default();
        let (kind, rest) = rest
            .split_once(':')
            .ok_or_else(|| bad("it must continue with id:, class: or idpat:"))?;
        let (scheme_name, body) = rest
            .split_once(':')
            .ok_or_else(|| bad("the scheme must be followed by ':'"))?;
        let scheme = EpcScheme::from_name(scheme_name).ok_or_else(|| {
            if ["id", "idpat", "class"].contains(&kind) {
                Error::UnsupportedEpcScheme {
                    scheme: quote(scheme_name),
                }
            } else {
                bad("it must continue with id:, class: or idpat:")
            }
        })?;
        let pattern = match (kind, scheme) {
            ("class", EpcScheme::Lgtin) => false,
            ("id", s) if s != EpcScheme::Lgtin => false,
            ("idpat", s) if s.has_class_pattern() => true,
            ("idpat", _) => {
                return Err(Error::UnsupportedEpcScheme {
                    scheme: format!("idpat:{scheme_name}"),
                });
            }
            _ => {
                return Err(bad(
                    "lgtin is written urn:epc:class:lgtin:, others urn:epc:id:",
                ));
            }
        };
        let parts: Vec<&str> = body.splitn(scheme.components(), '.').collect();
        if parts.len() != scheme.components() {
            return Err(bad("it has too few dot-separated parts for its scheme"));
        }
        let gcp = parts.first().copied().unwrap_or_default();
        if !(6..=12).contains(&gcp.len()) || !all_digits(gcp) {
            return Err(bad("the company prefix must be 6 to 12 digits"));
        }
        let part = |i: usize| parts.get(i).copied().unwrap_or_default();
        let last = part(scheme.components() - 1);
        if pattern && last != "*" {
            return Err(bad(
                "only a '*' in the last part has a Digital Link equivalent",
            ));
        }
        let build = Builder { urn, gcp };
        let (key, qualifiers) = match scheme {
            EpcScheme::Sgtin | EpcScheme::Lgtin | EpcScheme::Upui => {
                let gtin = build.gtin(part(1))?;
                let key = element("01", &gtin)?;
                let qual = match (scheme, pattern) {
                    (_, true) => None,
                    (EpcScheme::Sgtin, false) => Some(element("21", &build.gs3a3(last)?)?),
                    (EpcScheme::Lgtin, _) => Some(element("10", &build.gs3a3(last)?)?),
                    _ => Some(element("235", &build.gs3a3(last)?)?),
                };
                (key, qual.into_iter().collect())
            }
            EpcScheme::Sscc => {
                let refs = build.digits(part(1), 17)?;
                let (ext, serial) = refs.split_at(1);
                (
                    element("00", &with_check_digit(&format!("{ext}{gcp}{serial}")))?,
                    vec![],
                )
            }
            EpcScheme::Sgln | EpcScheme::Pgln => {
                let loc = build.digits(part(1), 12)?;
                let gln = with_check_digit(&format!("{gcp}{loc}"));
                if scheme == EpcScheme::Pgln {
                    (element("417", &gln)?, vec![])
                } else {
                    // TDS: an extension of "0" means the GLN has no extension.
                    let ext = build.gs3a3(last)?;
                    let quals = if ext == "0" {
                        vec![]
                    } else {
                        vec![element("254", &ext)?]
                    };
                    (element("414", &gln)?, quals)
                }
            }
            EpcScheme::Grai | EpcScheme::Gdti | EpcScheme::Sgcn => {
                let base = with_check_digit(&format!("{gcp}{}", build.digits(part(1), 12)?));
                let serial = if pattern {
                    String::new()
                } else {
                    let s = build.gs3a3(last)?;
                    if s.is_empty() {
                        return Err(bad("the serial number is missing"));
                    }
                    s
                };
                let (ai, value) = match scheme {
                    EpcScheme::Grai => ("8003", format!("0{base}{serial}")),
                    EpcScheme::Gdti => ("253", format!("{base}{serial}")),
                    _ => ("255", format!("{base}{serial}")),
                };
                (element(ai, &value)?, vec![])
            }
            EpcScheme::Giai | EpcScheme::Ginc => {
                let reference = build.gs3a3(last)?;
                if reference.is_empty() {
                    return Err(bad("the reference after the company prefix is missing"));
                }
                let ai = if scheme == EpcScheme::Giai {
                    "8004"
                } else {
                    "401"
                };
                (element(ai, &format!("{gcp}{reference}"))?, vec![])
            }
            EpcScheme::Gsrn | EpcScheme::Gsrnp => {
                let service = build.digits(part(1), 17)?;
                let ai = if scheme == EpcScheme::Gsrn {
                    "8018"
                } else {
                    "8017"
                };
                (
                    element(ai, &with_check_digit(&format!("{gcp}{service}")))?,
                    vec![],
                )
            }
            EpcScheme::Gsin => {
                let shipper = build.digits(part(1), 16)?;
                (
                    element("402", &with_check_digit(&format!("{gcp}{shipper}")))?,
                    vec![],
                )
            }
            EpcScheme::Itip => {
                let gtin = build.gtin(part(1))?;
                let (piece, total) = (part(2), part(3));
                if piece.len() != 2 || total.len() != 2 || !all_digits(piece) || !all_digits(total)
                {
                    return Err(bad("piece and total must be two digits each"));
                }
                let key = element("8006", &format!("{gtin}{piece}{total}"))?;
                let quals = if pattern {
                    vec![]
                } else {
                    vec![element("21", &build.gs3a3(last)?)?]
                };
                (key, quals)
            }
            EpcScheme::Cpi => {
                let part_ref = build.cpi_ref(part(1))?;
                let key = element("8010", &format!("{gcp}{part_ref}"))?;
                let quals = if pattern {
                    vec![]
                } else {
                    if !all_digits(last) {
                        return Err(bad("a CPI serial number must be digits"));
                    }
                    vec![element("8011", last)?]
                };
                (key, quals)
            }
        };
        let link = DigitalLink::new(key, qualifiers, Vec::new())?;
        Ok(Self {
            scheme,
            gcp_len: gcp.len(),
            link,
        })
    }

    /// The EPC URN for the identity in a Digital Link, with the company prefix length from
    /// `gcp`. Query-string data, a CPV (22), and a lot (10) next to a serial (21) are not part
    /// of an EPC and are left out.
    ///
    /// # Errors
    /// [`Error::UnknownGcpLength`] if `gcp` does not know the prefix,
    /// [`Error::InvalidGcpLength`] if the length does not fit the key, and
    /// [`Error::NoEpcEquivalent`] for keys or qualifiers without an EPC scheme (GMN 8013,
    /// pay-to GLN 415, AI 7040, 8019, 8020, or a GLN extension of `0`).
    ///
    /// ```
    /// let dl = gs1::DigitalLink::parse("https://id.gs1.org/01/06901234123456/10/L2")?;
    /// let urn = gs1::EpcUrn::from_digital_link(&dl, &7)?;
    /// assert_eq!(urn.to_string(), "urn:epc:class:lgtin:6901234.012345.L2");
    /// # Ok::<(), gs1::Error>(())
    /// ```
    pub fn from_digital_link<G: GcpLength + ?Sized>(
        dl: &DigitalLink,
        gcp: &G,
    ) -> Result<Self, Error> {
        let key = dl.key_element();
        let value = key.value();
        let has = |ai: &str| dl.qualifier(ai).is_some();
        let none = |reason| Error::NoEpcEquivalent { reason };
        let (scheme, keep): (EpcScheme, &[&str]) = match key.code() {
            "01" if has("21") => (EpcScheme::Sgtin, &["21"]),
            "01" if has("10") => (EpcScheme::Lgtin, &["10"]),
            "01" if has("235") => (EpcScheme::Upui, &["235"]),
            "01" => (EpcScheme::Sgtin, &[]),
            "00" => (EpcScheme::Sscc, &[]),
            "414" if has("7040") => return Err(none("AI 7040 (UIC with extension)")),
            "414" if dl.qualifier("254") == Some("0") => {
                return Err(none("a GLN extension of 0 means 'no extension' in an SGLN"));
            }
            "414" => (EpcScheme::Sgln, &["254"]),
            "417" if has("7040") => return Err(none("AI 7040 (UIC with extension)")),
            "417" => (EpcScheme::Pgln, &[]),
            "8003" => (EpcScheme::Grai, &[]),
            "8004" if has("7040") => return Err(none("AI 7040 (UIC with extension)")),
            "8004" => (EpcScheme::Giai, &[]),
            "8017" | "8018" if has("8019") => {
                return Err(none("AI 8019 (service relation instance)"));
            }
            "8017" => (EpcScheme::Gsrnp, &[]),
            "8018" => (EpcScheme::Gsrn, &[]),
            "253" => (EpcScheme::Gdti, &[]),
            "255" => (EpcScheme::Sgcn, &[]),
            "401" => (EpcScheme::Ginc, &[]),
            "402" => (EpcScheme::Gsin, &[]),
            "8006" => (EpcScheme::Itip, &["21"]),
            "8010" => (EpcScheme::Cpi, &["8011"]),
            "415" => return Err(none("the pay-to GLN (AI 415) has no EPC scheme")),
            "8013" => return Err(none("the GMN (AI 8013) has no EPC scheme")),
            _ => return Err(none("this key has no EPC scheme")),
        };
        // Characters from where the company prefix starts, and how many of them at most the
        // prefix may take so that the reference that follows keeps its minimum length.
        let (from_gcp, max_len) = match scheme {
            EpcScheme::Sgtin | EpcScheme::Lgtin | EpcScheme::Upui | EpcScheme::Itip => {
                (value.get(1..13).unwrap_or_default(), 12)
            }
            EpcScheme::Sscc => (value.get(1..17).unwrap_or_default(), 16),
            EpcScheme::Grai => (value.get(1..).unwrap_or_default(), 12),
            EpcScheme::Giai | EpcScheme::Ginc | EpcScheme::Cpi => {
                (value, value.len().saturating_sub(1))
            }
            EpcScheme::Gsrn | EpcScheme::Gsrnp => (value, 17),
            EpcScheme::Gsin => (value, 16),
            EpcScheme::Sgln | EpcScheme::Pgln | EpcScheme::Gdti | EpcScheme::Sgcn => (value, 12),
        };
        let len = gcp
            .gcp_length(from_gcp)
            .ok_or_else(|| Error::UnknownGcpLength {
                ai: key.code(),
                key: quote(value),
            })?;
        let prefix_ok = from_gcp.get(..len).is_some_and(all_digits);
        if !(6..=12).contains(&len) || len > max_len || !prefix_ok {
            return Err(Error::InvalidGcpLength {
                length: len,
                key: quote(value),
            });
        }
        let qualifiers: Vec<AiElement> = dl
            .qualifiers()
            .iter()
            .filter(|q| keep.contains(&q.code()))
            .cloned()
            .collect();
        let link = DigitalLink::new(key.clone(), qualifiers, Vec::new())?;
        Ok(Self {
            scheme,
            gcp_len: len,
            link,
        })
    }

    /// The scheme.
    #[must_use]
    pub fn scheme(&self) -> EpcScheme {
        self.scheme
    }

    /// The number of digits of the GS1 Company Prefix.
    #[must_use]
    pub fn gcp_length(&self) -> usize {
        self.gcp_len
    }

    /// The GS1 Company Prefix.
    #[must_use]
    pub fn company_prefix(&self) -> &str {
        let value = self.link.key_element().value();
        let start = match self.scheme {
            EpcScheme::Sgtin
            | EpcScheme::Lgtin
            | EpcScheme::Upui
            | EpcScheme::Itip
            | EpcScheme::Sscc
            | EpcScheme::Grai => 1,
            _ => 0,
        };
        value.get(start..start + self.gcp_len).unwrap_or_default()
    }

    /// Whether this is a class-level `urn:epc:idpat:` pattern.
    #[must_use]
    pub fn is_pattern(&self) -> bool {
        let no_qualifier = self.link.qualifiers().is_empty();
        match self.scheme {
            EpcScheme::Sgtin | EpcScheme::Itip | EpcScheme::Cpi => no_qualifier,
            EpcScheme::Grai => self.link.key_element().value().len() == 14,
            EpcScheme::Gdti | EpcScheme::Sgcn => self.link.key_element().value().len() == 13,
            _ => false,
        }
    }

    /// The equivalent constrained Digital Link (key and qualifiers, base
    /// [`crate::GS1_RESOLVER`]).
    #[must_use]
    pub fn to_digital_link(&self) -> DigitalLink {
        self.link.clone()
    }
}

impl fmt::Display for EpcUrn {
    /// Writes the canonical URN: lower-case prefix and scheme, and the TDS escapes (`%22 %25
    /// %26 %2F %3C %3E %3F` in serials; `%23` and `%2F` in CPI part references).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = self.link.key_element().value();
        let n = self.gcp_len;
        let cut = |from: usize, to: usize| value.get(from..to).unwrap_or_default();
        let qual = self
            .link
            .qualifiers()
            .first()
            .map(|q| q.value())
            .unwrap_or_default();
        let kind = if self.scheme == EpcScheme::Lgtin {
            "class"
        } else if self.is_pattern() {
            "idpat"
        } else {
            "id"
        };
        let star_or = |s: String| if self.is_pattern() { "*".to_owned() } else { s };
        write!(f, "urn:epc:{kind}:{}:", self.scheme.name())?;
        match self.scheme {
            EpcScheme::Sgtin | EpcScheme::Lgtin | EpcScheme::Upui => {
                let item = format!("{}{}", cut(0, 1), cut(1 + n, 13));
                let last = star_or(escape_gs3a3(qual));
                write!(f, "{}.{item}.{last}", cut(1, 1 + n))
            }
            EpcScheme::Sscc => write!(f, "{}.{}{}", cut(1, 1 + n), cut(0, 1), cut(1 + n, 17)),
            EpcScheme::Sgln => {
                let ext = if qual.is_empty() {
                    "0".to_owned()
                } else {
                    escape_gs3a3(qual)
                };
                write!(f, "{}.{}.{ext}", cut(0, n), cut(n, 12))
            }
            EpcScheme::Pgln => write!(f, "{}.{}", cut(0, n), cut(n, 12)),
            EpcScheme::Grai => {
                let serial = star_or(escape_gs3a3(value.get(14..).unwrap_or_default()));
                write!(f, "{}.{}.{serial}", cut(1, 1 + n), cut(1 + n, 13))
            }
            EpcScheme::Gdti | EpcScheme::Sgcn => {
                let serial = star_or(escape_gs3a3(value.get(13..).unwrap_or_default()));
                write!(f, "{}.{}.{serial}", cut(0, n), cut(n, 12))
            }
            EpcScheme::Giai | EpcScheme::Ginc => {
                let reference = escape_gs3a3(value.get(n..).unwrap_or_default());
                write!(f, "{}.{reference}", cut(0, n))
            }
            EpcScheme::Gsrn | EpcScheme::Gsrnp => write!(f, "{}.{}", cut(0, n), cut(n, 17)),
            EpcScheme::Gsin => write!(f, "{}.{}", cut(0, n), cut(n, 16)),
            EpcScheme::Itip => {
                let item = format!("{}{}", cut(0, 1), cut(1 + n, 13));
                let serial = star_or(escape_gs3a3(qual));
                write!(
                    f,
                    "{}.{item}.{}.{}.{serial}",
                    cut(1, 1 + n),
                    cut(14, 16),
                    cut(16, 18)
                )
            }
            EpcScheme::Cpi => {
                let part = escape_cpi(value.get(n..).unwrap_or_default());
                write!(f, "{}.{part}.{}", cut(0, n), star_or(qual.to_owned()))
            }
        }
    }
}

impl std::str::FromStr for EpcUrn {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

/// Converts an EPC URN to its constrained Digital Link under [`crate::GS1_RESOLVER`].
///
/// # Errors
/// As [`EpcUrn::parse`].
pub fn urn_to_digital_link(urn: &str) -> Result<DigitalLink, Error> {
    EpcUrn::parse(urn).map(|u| u.to_digital_link())
}

/// Converts a Digital Link to an EPC URN string, with the company prefix length from `gcp`.
///
/// # Errors
/// As [`EpcUrn::from_digital_link`].
pub fn digital_link_to_urn<G: GcpLength + ?Sized>(
    dl: &DigitalLink,
    gcp: &G,
) -> Result<String, Error> {
    EpcUrn::from_digital_link(dl, gcp).map(|u| u.to_string())
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Appends the modulo-10 check digit to all-digit `body`.
fn with_check_digit(body: &str) -> String {
    let cd = check_digit::mod10(body).map_or('?', |d| char::from(b'0' + d));
    format!("{body}{cd}")
}

fn element(ai: &str, value: &str) -> Result<AiElement, Error> {
    AiElement::new(ai, value)
}

/// Parses the components of one URN, for error messages that quote it.
struct Builder<'a> {
    urn: &'a str,
    gcp: &'a str,
}

impl Builder<'_> {
    fn bad(&self, problem: &'static str) -> Error {
        Error::InvalidEpcUrn {
            urn: quote(self.urn),
            problem,
        }
    }

    /// A numeric reference that together with the company prefix has `total` digits.
    fn digits<'p>(&self, part: &'p str, total: usize) -> Result<&'p str, Error> {
        if !all_digits(part) {
            return Err(self.bad("the reference after the company prefix must be digits"));
        }
        if self.gcp.len() + part.len() != total {
            return Err(self.bad(
                "the company prefix and the reference after it do not have the number of \
                 digits the key needs",
            ));
        }
        Ok(part)
    }

    /// The GTIN-14 from the indicator-and-item-reference component.
    fn gtin(&self, item: &str) -> Result<String, Error> {
        if !all_digits(item) || item.is_empty() || self.gcp.len() + item.len() != 13 {
            return Err(self.bad(
                "the company prefix and item reference (with indicator) must have 13 digits",
            ));
        }
        let (indicator, reference) = item.split_at(1);
        Ok(with_check_digit(&format!(
            "{indicator}{}{reference}",
            self.gcp
        )))
    }

    /// Decodes a TDS "GS3A3" component: CSET 82 characters, with `"%&/<>?` escaped.
    fn gs3a3(&self, part: &str) -> Result<String, Error> {
        let bytes = part.as_bytes();
        let mut out = String::with_capacity(part.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            if b == b'%' {
                let hex = part
                    .get(i + 1..i + 3)
                    .ok_or_else(|| self.bad("a '%' escape is cut short"))?;
                let c = u8::from_str_radix(hex, 16)
                    .ok()
                    .filter(|c| crate::check_digit::CSET82_ORDERED.contains(c))
                    .ok_or_else(|| self.bad("a '%' escape does not encode a GS1 character"))?;
                out.push(char::from(c));
                i += 3;
            } else if b.is_ascii_alphanumeric() || b"!'()*+,-.:;=_".contains(&b) {
                out.push(char::from(b));
                i += 1;
            } else {
                return Err(self.bad(
                    "it contains a character that must be percent-escaped or is not allowed \
                     in an EPC URN",
                ));
            }
        }
        Ok(out)
    }

    /// Decodes a CPI part reference: digits, upper-case letters, `-`, and `%2F` / `%23`.
    fn cpi_ref(&self, part: &str) -> Result<String, Error> {
        let decoded = part
            .replace("%2F", "/")
            .replace("%2f", "/")
            .replace("%23", "#");
        let ok = !decoded.is_empty()
            && decoded
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b"-/#".contains(&b))
            && !part.contains(['/', '#']);
        if ok {
            Ok(decoded)
        } else {
            Err(self.bad("a CPI part reference has digits, capitals, '-', %2F and %23 only"))
        }
    }
}

/// Escapes a GS3A3 component for a URN (TDS 2.x, table "Characters permitted in GS3A3").
fn escape_gs3a3(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("%22"),
            '%' => out.push_str("%25"),
            '&' => out.push_str("%26"),
            '/' => out.push_str("%2F"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '?' => out.push_str("%3F"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a CPI part reference (`#` and `/`).
fn escape_cpi(s: &str) -> String {
    s.replace('#', "%23").replace('/', "%2F")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs from the reference document (section 5.3), confirmed there with the EPCIS
    /// reference normaliser, plus the key forms of `epcisDocWithAllGS1Keys`.
    const PAIRS: &[(&str, &str)] = &[
        (
            "urn:epc:id:sgtin:6901234.012345.S1",
            "/01/06901234123456/21/S1",
        ),
        (
            "urn:epc:class:lgtin:6901234.012345.L2",
            "/01/06901234123456/10/L2",
        ),
        ("urn:epc:idpat:sgtin:6901234.012345.*", "/01/06901234123456"),
        (
            "urn:epc:id:sscc:6901234.0000000001",
            "/00/069012340000000016",
        ),
        ("urn:epc:id:sgln:6901234.00001.0", "/414/6901234000016"),
        (
            "urn:epc:id:sgln:4012345.00011.987",
            "/414/4012345000115/254/987",
        ),
        ("urn:epc:id:pgln:6901234.00000", "/417/6901234000009"),
        ("urn:epc:id:grai:4012345.66666.87", "/8003/0401234566666387"),
        ("urn:epc:idpat:grai:4012345.66666.*", "/8003/04012345666663"),
        ("urn:epc:id:giai:4012345.AAbb", "/8004/4012345AAbb"),
        (
            "urn:epc:id:gsrn:4012345.9876540000",
            "/8018/401234598765400000",
        ),
        (
            "urn:epc:id:gsrnp:4012345.0000098765",
            "/8017/401234500000987658",
        ),
        ("urn:epc:id:gdti:4012345.55555.98", "/253/401234555555498"),
        ("urn:epc:idpat:gdti:4012345.55555.*", "/253/4012345555554"),
        ("urn:epc:id:sgcn:4012345.99999.44", "/255/401234599999044"),
        ("urn:epc:idpat:sgcn:4012345.99999.*", "/255/4012345999990"),
        ("urn:epc:id:ginc:4012345.333", "/401/4012345333"),
        (
            "urn:epc:id:gsin:4012345.999987654",
            "/402/40123459999876541",
        ),
        (
            "urn:epc:id:itip:4012345.012345.01.02.999",
            "/8006/040123451234560102/21/999",
        ),
        (
            "urn:epc:idpat:itip:4012345.012345.01.02.*",
            "/8006/040123451234560102",
        ),
        (
            "urn:epc:id:cpi:4012345.ABC.123",
            "/8010/4012345ABC/8011/123",
        ),
        ("urn:epc:idpat:cpi:4012345.ABC.*", "/8010/4012345ABC"),
        (
            "urn:epc:id:upui:4012345.012345.AB12",
            "/01/04012345123456/235/AB12",
        ),
        (
            "urn:epc:id:upui:1234567.098765.51qIgY)%3C%26Jp3*j7",
            "/01/01234567987651/235/51qIgY%29%3C%26Jp3%2Aj7",
        ),
        (
            "urn:epc:id:cpi:0614141.11111111111111-A%23%2F.1234",
            "/8010/061414111111111111111-A%23%2F/8011/1234",
        ),
        (
            "urn:epc:id:ginc:0614141.xyz47%2F11",
            "/401/0614141xyz47%2F11",
        ),
        ("urn:epc:id:pgln:999999999999.", "/417/9999999999994"),
        ("urn:epc:id:gdti:987659999999..9", "/253/98765999999929"),
        (
            "urn:epc:id:sgtin:952001.1012345.22222223333",
            "/01/19520010123455/21/22222223333",
        ),
    ];

    #[test]
    fn urn_to_dl_and_back() {
        for (urn, path) in PAIRS {
            let parsed = EpcUrn::parse(urn).unwrap_or_else(|e| panic!("{urn}: {e}"));
            let dl = parsed.to_digital_link();
            assert_eq!(dl.to_string(), format!("https://id.gs1.org{path}"), "{urn}");
            assert_eq!(parsed.to_string(), *urn, "canonical form of {urn}");
            let len = parsed.gcp_length();
            let back =
                EpcUrn::from_digital_link(&dl, &len).unwrap_or_else(|e| panic!("{urn}: {e}"));
            assert_eq!(back, parsed, "{urn}");
            assert_eq!(back.to_string(), *urn);
        }
    }

    #[test]
    fn gcp_table_longest_match() {
        let mut t = GcpLengthTable::new();
        t.insert("690", 7).unwrap();
        t.insert("692", 8).unwrap();
        t.add_company_prefix("697123456").unwrap();
        assert_eq!(t.gcp_length("6901234123456"), Some(7));
        assert_eq!(t.gcp_length("6921234567890"), Some(8));
        assert_eq!(t.gcp_length("6971234567890"), Some(9));
        assert_eq!(t.gcp_length("5012345000001"), None);
        assert!(t.insert("69", 13).is_err());
        assert!(t.insert("6a", 7).is_err());
        let dl = DigitalLink::parse("https://id.gs1.org/01/06921234567890/21/X").unwrap();
        assert_eq!(
            digital_link_to_urn(&dl, &t).unwrap(),
            "urn:epc:id:sgtin:69212345.06789.X"
        );
        let closure = |k: &str| k.starts_with("692").then_some(8);
        assert_eq!(
            digital_link_to_urn(&dl, &closure).unwrap(),
            "urn:epc:id:sgtin:69212345.06789.X"
        );
    }

    #[test]
    fn dl_to_urn_drops_what_an_epc_cannot_hold() {
        let dl =
            DigitalLink::parse("https://example.com/01/06901234123456/22/C1/10/L1/21/S1?17=250630")
                .unwrap();
        assert_eq!(
            digital_link_to_urn(&dl, &7).unwrap(),
            "urn:epc:id:sgtin:6901234.012345.S1"
        );
        let dl = DigitalLink::parse("https://example.com/01/06901234123456/22/C1").unwrap();
        assert_eq!(
            digital_link_to_urn(&dl, &7).unwrap(),
            "urn:epc:idpat:sgtin:6901234.012345.*"
        );
    }

    #[test]
    fn dl_to_urn_errors() {
        let dl = |s: &str| DigitalLink::parse(s).unwrap();
        let unknown = |_: &str| None;
        assert!(matches!(
            digital_link_to_urn(&dl("https://id.gs1.org/01/06901234123456"), &unknown),
            Err(Error::UnknownGcpLength { .. })
        ));
        for bad_len in [5usize, 13] {
            assert!(matches!(
                digital_link_to_urn(&dl("https://id.gs1.org/01/06901234123456"), &bad_len),
                Err(Error::InvalidGcpLength { .. })
            ));
        }
        assert!(matches!(
            digital_link_to_urn(&dl("https://id.gs1.org/8004/4012345AAbb"), &8),
            Err(Error::InvalidGcpLength { .. })
        ));
        assert!(matches!(
            digital_link_to_urn(&dl("https://id.gs1.org/414/6901234000016/7040/1A2B"), &7),
            Err(Error::NoEpcEquivalent { .. })
        ));
        assert!(matches!(
            digital_link_to_urn(&dl("https://id.gs1.org/414/6901234000016/254/0"), &7),
            Err(Error::NoEpcEquivalent { .. })
        ));
        assert!(matches!(
            digital_link_to_urn(&dl("https://id.gs1.org/8013/1987654Ad4X4bL5ttr2310c2K"), &7),
            Err(Error::NoEpcEquivalent { .. })
        ));
    }

    #[test]
    fn malformed_urns() {
        for (urn, what) in [
            ("", "empty"),
            ("urn:epc:id:sgtin:6901234.012345", "missing serial"),
            (
                "urn:epc:id:sgtin:6901234.01234.S1",
                "item reference too short",
            ),
            (
                "urn:epc:id:sgtin:69012.0123456.S1",
                "company prefix too short",
            ),
            ("urn:epc:id:sgtin:6901234.012345.S/1", "unescaped slash"),
            ("urn:epc:id:sgtin:6901234.012345.%2", "broken escape"),
            (
                "urn:epc:id:sgtin:6901234.012345.123456789012345678901",
                "serial over 20",
            ),
            (
                "urn:epc:idpat:sgtin:6901234.*.*",
                "star before the last part",
            ),
            ("urn:epc:class:sgtin:6901234.012345.1", "class with sgtin"),
            ("urn:epc:id:lgtin:6901234.012345.1", "id with lgtin"),
            ("urn:epc:id:sscc:6901234.000000001", "SSCC too short"),
            ("urn:epc:id:sgln:6901234.00001", "SGLN without extension"),
            ("urn:epc:id:grai:4012345.66666.", "GRAI without serial"),
            ("urn:epc:id:cpi:4012345.abc.1", "lower-case CPI"),
            (
                "urn:epc:id:cpi:4012345.ABC.01",
                "CPI serial with leading zero",
            ),
            (
                "urn:epc:id:itip:4012345.012345.1.02.9",
                "ITIP piece one digit",
            ),
            ("urn:isbn:123", "not EPC"),
        ] {
            assert!(EpcUrn::parse(urn).is_err(), "{what}: {urn}");
        }
        assert!(matches!(
            EpcUrn::parse("urn:epc:id:bic:CSQU3054383"),
            Err(Error::UnsupportedEpcScheme { .. })
        ));
        assert!(matches!(
            EpcUrn::parse("urn:epc:idpat:sscc:6901234.*"),
            Err(Error::UnsupportedEpcScheme { .. })
        ));
        // Case: the "urn:epc:" prefix is case-insensitive (RFC 8141), output is lower case.
        let u = EpcUrn::parse("URN:EPC:id:sgtin:6901234.012345.S1").unwrap();
        assert_eq!(u.to_string(), "urn:epc:id:sgtin:6901234.012345.S1");
        assert_eq!(u.company_prefix(), "6901234");
        assert_eq!(u.scheme(), EpcScheme::Sgtin);
        // A needless escape is decoded and not written back.
        let u = EpcUrn::parse("urn:epc:id:sgtin:6901234.012345.A%41").unwrap();
        assert_eq!(u.to_string(), "urn:epc:id:sgtin:6901234.012345.AA");
    }
}
