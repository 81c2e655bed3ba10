//! GS1 identifiers for Retu: keys with check digits, the Application Identifier (AI) table,
//! element strings, GS1 Digital Link URIs and EPC URNs.
//!
//! This crate is pure: no I/O, no async, no `unsafe`, and no panics on any input. Every
//! parser returns a typed [`Error`] whose message names the AI, quotes the value and says
//! what is expected, so it can be shown to the person who has to correct a label.
//!
//! # What is where
//!
//! - [`Ai`] and [`AiElement`]: the AI table, generated from the GS1 Barcode Syntax Dictionary
//!   and committed as `src/ai_table.rs` (see `tests/ai_table.rs` for the generator), and
//!   validation of one value against its format and content checks ("linters").
//! - [`Gtin`], [`Gln`], [`Sscc`], [`Grai`], [`Giai`], [`Gsrn`], [`Gdti`], [`Gcn`], [`Ginc`],
//!   [`Gsin`], [`Itip`], [`Cpid`], [`Gmn`] and [`Gs1Key`]: typed keys, validated on
//!   construction; GTINs are held as 14 digits.
//! - [`ElementString`]: barcode scanner data (`]d2…` with GS separators) and the bracketed
//!   human-readable form `(01)…(10)…`.
//! - [`DigitalLink`]: GS1 Digital Link URIs with any host and path prefix, checked against the
//!   dictionary's primary keys, qualifier order and data attributes, written canonically
//!   under a caller-given base such as [`GS1_RESOLVER`].
//! - [`EpcUrn`]: EPC URNs (`urn:epc:id:sgtin:…` and friends) to and from Digital Link; the
//!   GS1 Company Prefix length for Digital Link → URN comes from a [`GcpLength`] the caller
//!   configures.
//! - [`check_digit`]: the modulo-10 and alphanumeric check algorithms.
//!
//! # Example: a tea tin
//!
//! ```
//! use gs1::{DigitalLink, EpcUrn, GcpLengthTable, GS1_RESOLVER};
//!
//! // A consumer scans the QR code on a tea tin.
//! let dl = DigitalLink::parse(
//!     "https://id.example-county.cn/01/06901234123456/10/TEA2404A?7007=240430&15=250430",
//! )?;
//! assert_eq!(dl.qualifier("10"), Some("TEA2404A"));
//! assert_eq!(dl.attribute("7007"), Some("240430")); // harvest date
//!
//! // The same data as a GS1 DataMatrix would carry it.
//! assert_eq!(
//!     dl.to_element_string().to_hri(),
//!     "(01)06901234123456(10)TEA2404A(15)250430(7007)240430"
//! );
//!
//! // EPCIS stores the identity; the member's company prefix gives the URN form.
//! let mut prefixes = GcpLengthTable::new();
//! prefixes.add_company_prefix("6901234")?;
//! let urn = EpcUrn::from_digital_link(&dl, &prefixes)?;
//! assert_eq!(urn.to_string(), "urn:epc:class:lgtin:6901234.012345.TEA2404A");
//! assert_eq!(
//!     urn.to_digital_link().to_string(),
//!     dl.to_constrained_uri(GS1_RESOLVER)
//! );
//! # Ok::<(), gs1::Error>(())
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// Indexing and string slicing can panic on hostile input; use `get` on every input path.
#![cfg_attr(not(test), deny(clippy::indexing_slicing, clippy::string_slice))]

mod ai;
mod ai_table;
pub mod check_digit;
mod digital_link;
mod element_string;
mod epc;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod keys;
mod linters;

pub use ai::{Ai, AiElement, Cset, Linter, check_pairings};
pub use digital_link::{DigitalLink, GS1_RESOLVER};
pub use element_string::{ElementString, GS};
pub use epc::{
    EpcScheme, EpcUrn, GcpLength, GcpLengthTable, digital_link_to_urn, urn_to_digital_link,
};
pub use error::{Error, MAX_QUOTED};
pub use keys::{Cpid, Gcn, Gdti, Giai, Ginc, Gln, Gmn, Grai, Gs1Key, Gsin, Gsrn, Gtin, Itip, Sscc};
