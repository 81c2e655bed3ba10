//! Producers' master data, checked before the store keeps it: the locations they record at
//! (farm, plot, workshop, warehouse, shop) and the products they make, and the identifiers
//! Retu mints for producers who have none of their own (`docs/master-data.md`):
//!
//! - A location without a GLN gets a **county-issued identifier**, an HTTP URI under the
//!   server's public address: `https://trace.county.example/loc/451027/17` (the county's
//!   six-digit code, or `000000`, then a number that county's counter never gives twice). It
//!   is a valid EPCIS location URI that is not a GS1 Digital Link, so capture keeps it as
//!   written ([`normalize::identifier`] leaves it alone) and compares it, byte for byte, with
//!   the organisation's registered locations.
//! - A location with a GLN is identified by its canonical Digital Link
//!   `https://id.gs1.org/414/{gln}`, the form capture normalises every GLN spelling to.
//! - A product of an organisation without a GS1 company prefix gets a **GTIN from the county's
//!   prefix** (`retu serve --county-prefix`): the next item reference, the check digit
//!   computed. The organisation then owns that one GTIN ([`store::OrgAssets::gtins`]), never
//!   the prefix.
//!
//! Pure: no I/O and no clock. The web layer reads the request, draws numbers from the store's
//! counters, and stores what this module checked.

use gs1::{Gln, Gtin};
use serde::Deserialize;
use serde_json::{Map, Value};
use store::{LocationFields, ProductFields};

use crate::certificate::Unit;
use crate::normalize;

/// The longest name, in characters.
pub const NAME_LIMIT: usize = 60;

/// The largest area in 亩 a plot may have (a county's whole farmland is below this).
pub const MAX_AREA_MU: f64 = 10_000_000.0;

/// The largest area in square metres (a little more than [`MAX_AREA_MU`]).
pub const MAX_AREA_M2: f64 = 10_000_000_000.0;

/// The path county-issued location identifiers have under the server's public address.
pub const LOCATION_PATH: &str = "/loc/";

/// The county part of a county-issued identifier when the organisation's county is not a
/// six-digit administrative code (as certificate numbers do).
pub const UNKNOWN_COUNTY: &str = "000000";

/// The kinds of location a producer registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// 农场 / 基地: a farm, a cooperative's base; plots belong to it.
    Farm,
    /// 地块: a field, a tea garden, an orchard: where things grow (area, crop).
    Plot,
    /// 加工车间: where produce is processed.
    Workshop,
    /// 仓库: where it is stored.
    Warehouse,
    /// 门店: where it is sold.
    Shop,
}

impl LocationKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [LocationKind; 5] = [
        LocationKind::Farm,
        LocationKind::Plot,
        LocationKind::Workshop,
        LocationKind::Warehouse,
        LocationKind::Shop,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationKind::Farm => "farm",
            LocationKind::Plot => "plot",
            LocationKind::Workshop => "workshop",
            LocationKind::Warehouse => "warehouse",
            LocationKind::Shop => "shop",
        }
    }

    /// Parses the spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// The i18n key of its label.
    pub fn message_key(self) -> &'static str {
        match self {
            LocationKind::Farm => "master.kind.farm",
            LocationKind::Plot => "master.kind.plot",
            LocationKind::Workshop => "master.kind.workshop",
            LocationKind::Warehouse => "master.kind.warehouse",
            LocationKind::Shop => "master.kind.shop",
        }
    }
}

/// Product categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// 茶叶.
    Tea,
    /// 大米.
    Rice,
    /// 禽类.
    Poultry,
    /// 水果.
    Fruit,
    /// 蔬菜.
    Vegetables,
    /// 蛋类.
    Eggs,
    /// 其他.
    Other,
}

impl Category {
    /// Every category, in the order forms list them.
    pub const ALL: [Category; 7] = [
        Category::Tea,
        Category::Rice,
        Category::Poultry,
        Category::Fruit,
        Category::Vegetables,
        Category::Eggs,
        Category::Other,
    ];

    /// The stored and JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Tea => "tea",
            Category::Rice => "rice",
            Category::Poultry => "poultry",
            Category::Fruit => "fruit",
            Category::Vegetables => "vegetables",
            Category::Eggs => "eggs",
            Category::Other => "other",
        }
    }

    /// Parses the spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|category| category.as_str() == text)
    }

    /// The i18n key of its label.
    pub fn message_key(self) -> &'static str {
        match self {
            Category::Tea => "master.category.tea",
            Category::Rice => "master.category.rice",
            Category::Poultry => "master.category.poultry",
            Category::Fruit => "master.category.fruit",
            Category::Vegetables => "master.category.vegetables",
            Category::Eggs => "master.category.eggs",
            Category::Other => "master.category.other",
        }
    }
}

/// A unit from its JSON spelling (`kg`, `jin`, `piece`, `box`, `bag`, …): the units of the
/// 承诺达标合格证, so a product's unit is one its certificates can print.
pub fn parse_unit(text: &str) -> Option<Unit> {
    serde_json::from_value(Value::String(text.to_owned())).ok()
}

/// One field of a request that is wrong, and the i18n key of the message that says why
/// (messages may use `{max}`, the name limit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterProblem {
    /// A JSON pointer into the request body (`/areaMu`).
    pub pointer: String,
    /// The i18n key (`master.problem.area`).
    pub key: &'static str,
}

fn problem(pointer: &str, key: &'static str) -> MasterProblem {
    MasterProblem {
        pointer: pointer.to_owned(),
        key,
    }
}

/// Every problem key this module and the master-data API use, for the catalog test.
pub const PROBLEM_KEYS: &[&str] = &[
    "master.problem.not_json",
    "master.problem.summary",
    "master.problem.kind",
    "master.problem.name_required",
    "master.problem.text",
    "master.problem.area",
    "master.problem.plot_only",
    "master.problem.parent",
    "master.problem.gln",
    "master.problem.gln_taken",
    "master.problem.gtin",
    "master.problem.gtin_required",
    "master.problem.gtin_no_prefix",
    "master.problem.gtin_not_yours",
    "master.problem.gtin_taken",
    "master.problem.no_county_prefix",
    "master.problem.county_prefix_full",
    "master.problem.unit",
    "master.problem.category",
    "master.problem.immutable",
    "master.problem.org",
    "master.problem.no_such_org",
    "master.problem.read_only",
    "master.problem.not_found",
];

/// A location as a request describes it (`POST /api/locations`, and the result of applying a
/// `PATCH` to a stored one).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationDraft {
    /// `farm`, `plot`, `workshop`, `warehouse` or `shop`.
    #[serde(default)]
    pub kind: String,
    /// The Chinese name (required).
    #[serde(default)]
    pub name_zh: String,
    /// The English name.
    pub name_en: Option<String>,
    /// The township.
    pub township: Option<String>,
    /// The village.
    pub village: Option<String>,
    /// A plot's farm (its `id`).
    pub parent: Option<i64>,
    /// A plot's area in 亩.
    pub area_mu: Option<f64>,
    /// A plot's area in m².
    pub area_m2: Option<f64>,
    /// What grows on a plot.
    pub crop: Option<String>,
    /// The location's GLN (13 digits), when it has one; otherwise the county issues an
    /// identifier.
    pub gln: Option<String>,
    /// The organisation it belongs to (public ID), for the admin registering on behalf of
    /// one; others may leave it out or name themselves.
    pub org: Option<String>,
}

/// A location that passed [`check_location`].
#[derive(Clone, Debug, PartialEq)]
pub struct CheckedLocation {
    /// Its kind.
    pub kind: LocationKind,
    /// Its GLN, when it has one.
    pub gln: Option<Gln>,
    /// The stored fields, trimmed; empty optional texts become `None`.
    pub fields: LocationFields,
}

/// A product as a request describes it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductDraft {
    /// Its GTIN (8, 12, 13 or 14 digits) under the organisation's own company prefix; left
    /// out, the county allocates one.
    pub gtin: Option<String>,
    /// The Chinese name (required).
    #[serde(default)]
    pub name_zh: String,
    /// The English name.
    pub name_en: Option<String>,
    /// `kg`, `g`, `jin`, `t`, `piece`, `head`, `bird`, `box` or `bag`.
    #[serde(default)]
    pub unit: String,
    /// `tea`, `rice`, `poultry`, `fruit`, `vegetables`, `eggs` or `other`.
    #[serde(default)]
    pub category: String,
    /// The brand, for example a regional public brand.
    pub brand: Option<String>,
    /// The organisation it belongs to (as for [`LocationDraft::org`]).
    pub org: Option<String>,
}

/// A product that passed [`check_product`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedProduct {
    /// Its GTIN, when the request gave one.
    pub gtin: Option<Gtin>,
    /// The stored fields.
    pub fields: ProductFields,
}

/// A required name: trimmed, not empty, at most [`NAME_LIMIT`] characters, no control
/// characters.
fn name(value: &str, pointer: &str, problems: &mut Vec<MasterProblem>) -> String {
    let value = value.trim();
    if value.is_empty() {
        problems.push(problem(pointer, "master.problem.name_required"));
    } else if !fits(value) {
        problems.push(problem(pointer, "master.problem.text"));
    }
    value.to_owned()
}

/// An optional text: trimmed, empty is none, otherwise as for [`name`].
fn text(
    value: Option<&String>,
    pointer: &str,
    problems: &mut Vec<MasterProblem>,
) -> Option<String> {
    let value = value.map(|v| v.trim()).filter(|v| !v.is_empty())?;
    if !fits(value) {
        problems.push(problem(pointer, "master.problem.text"));
    }
    Some(value.to_owned())
}

fn fits(value: &str) -> bool {
    value.chars().count() <= NAME_LIMIT && !value.chars().any(char::is_control)
}

fn area(value: Option<f64>, max: f64, pointer: &str, problems: &mut Vec<MasterProblem>) {
    if let Some(value) = value
        && !(value.is_finite() && value > 0.0 && value <= max)
    {
        problems.push(problem(pointer, "master.problem.area"));
    }
}

/// Checks a location: a known kind, a Chinese name, names and places of reasonable length,
/// areas positive and only on plots (crop and farm too), a GLN with a valid check digit.
/// Whether the parent farm exists and is the organisation's is for the caller to check, with
/// the store.
pub fn check_location(draft: &LocationDraft) -> Result<CheckedLocation, Vec<MasterProblem>> {
    let mut problems = Vec::new();
    let kind = LocationKind::parse(draft.kind.trim());
    if kind.is_none() {
        problems.push(problem("/kind", "master.problem.kind"));
    }
    let fields = LocationFields {
        name_zh: name(&draft.name_zh, "/nameZh", &mut problems),
        name_en: text(draft.name_en.as_ref(), "/nameEn", &mut problems),
        township: text(draft.township.as_ref(), "/township", &mut problems),
        village: text(draft.village.as_ref(), "/village", &mut problems),
        parent_id: draft.parent,
        area_mu: draft.area_mu,
        area_m2: draft.area_m2,
        crop: text(draft.crop.as_ref(), "/crop", &mut problems),
    };
    area(draft.area_mu, MAX_AREA_MU, "/areaMu", &mut problems);
    area(draft.area_m2, MAX_AREA_M2, "/areaM2", &mut problems);
    if kind.is_some_and(|kind| kind != LocationKind::Plot) {
        for (pointer, present) in [
            ("/parent", fields.parent_id.is_some()),
            ("/areaMu", fields.area_mu.is_some()),
            ("/areaM2", fields.area_m2.is_some()),
            ("/crop", fields.crop.is_some()),
        ] {
            if present {
                problems.push(problem(pointer, "master.problem.plot_only"));
            }
        }
    }
    let gln = match draft
        .gln
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        None => None,
        Some(gln) => match Gln::new(gln) {
            Ok(gln) => Some(gln),
            Err(_) => {
                problems.push(problem("/gln", "master.problem.gln"));
                None
            }
        },
    };
    match kind {
        Some(kind) if problems.is_empty() => Ok(CheckedLocation { kind, gln, fields }),
        _ => Err(problems),
    }
}

/// Checks a product: a Chinese name, a known unit and category, a GTIN (when given) with a
/// valid check digit. Whether the GTIN may be the organisation's is for the caller to decide
/// with its assets ([`gtin_source`]).
pub fn check_product(draft: &ProductDraft) -> Result<CheckedProduct, Vec<MasterProblem>> {
    let mut problems = Vec::new();
    let gtin = match draft
        .gtin
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty())
    {
        None => None,
        Some(gtin) => match Gtin::new(gtin) {
            Ok(gtin) => Some(gtin),
            Err(_) => {
                problems.push(problem("/gtin", "master.problem.gtin"));
                None
            }
        },
    };
    let fields = ProductFields {
        name_zh: name(&draft.name_zh, "/nameZh", &mut problems),
        name_en: text(draft.name_en.as_ref(), "/nameEn", &mut problems),
        unit: draft.unit.trim().to_owned(),
        category: draft.category.trim().to_owned(),
        brand: text(draft.brand.as_ref(), "/brand", &mut problems),
    };
    if parse_unit(&fields.unit).is_none() {
        problems.push(problem("/unit", "master.problem.unit"));
    }
    if Category::parse(&fields.category).is_none() {
        problems.push(problem("/category", "master.problem.category"));
    }
    if problems.is_empty() {
        Ok(CheckedProduct { gtin, fields })
    } else {
        Err(problems)
    }
}

/// Where a new product's GTIN comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GtinSource {
    /// The one the producer gave, under its own company prefix.
    Given(Gtin),
    /// The next one from the county's prefix.
    County(String),
}

/// Decides where a product's GTIN comes from, by the organisation's company prefixes:
/// an organisation with a prefix gives a GTIN under it (GS1 makes the prefix holder
/// responsible for its numbers); one without gets the county's next GTIN and may not give
/// one. The error is the problem to report at `/gtin`.
pub fn gtin_source(
    given: Option<&Gtin>,
    company_prefixes: &[String],
    county_prefix: Option<&str>,
) -> Result<GtinSource, MasterProblem> {
    match (given, company_prefixes.is_empty()) {
        (Some(gtin), false) => {
            if crate::capture::owned_by(company_prefixes, &gtin_digital_link(gtin)) == Some(true) {
                Ok(GtinSource::Given(gtin.clone()))
            } else {
                Err(problem("/gtin", "master.problem.gtin_not_yours"))
            }
        }
        (Some(_), true) => Err(problem("/gtin", "master.problem.gtin_no_prefix")),
        (None, false) => Err(problem("/gtin", "master.problem.gtin_required")),
        (None, true) => county_prefix
            .map(|prefix| GtinSource::County(prefix.to_owned()))
            .ok_or_else(|| problem("/gtin", "master.problem.no_county_prefix")),
    }
}

/// The canonical Digital Link of a GTIN (`https://id.gs1.org/01/{14 digits}`), the normal
/// form capture compares.
pub fn gtin_digital_link(gtin: &Gtin) -> String {
    format!("{}/01/{}", gs1::GS1_RESOLVER, gtin.as_str())
}

/// Checks a county's GS1 company prefix for `--county-prefix`: 4 to 11 digits, so that a
/// GTIN-13 leaves at least one digit of item reference.
pub fn check_county_prefix(prefix: &str) -> Result<(), String> {
    if (4..=11).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{prefix:?} is not a GS1 company prefix that leaves room for item references (4 to 11 digits)"
        ))
    }
}

/// The counter GTIN item references under `prefix` are drawn from.
pub fn gtin_counter(prefix: &str) -> String {
    format!("gtin:{prefix}")
}

/// How many GTINs a county prefix holds: 10 to the power of the item reference's digits.
pub fn county_capacity(prefix: &str) -> u64 {
    let digits = 12usize.saturating_sub(prefix.len());
    10u64.saturating_pow(u32::try_from(digits).unwrap_or(u32::MAX))
}

/// The GTIN the `number`-th allocation (from 1) under the county prefix gets: GTIN-13 laid
/// out as company prefix, item reference `number - 1` zero-padded to fill 12 digits, check
/// digit; held as GTIN-14 with indicator digit 0 (the trade item itself, not a grouping).
/// `None` when the prefix is full, or is not a prefix [`check_county_prefix`] accepts.
pub fn county_gtin(prefix: &str, number: u64) -> Option<Gtin> {
    check_county_prefix(prefix).ok()?;
    let item = number.checked_sub(1)?;
    if item >= county_capacity(prefix) {
        return None;
    }
    let width = 12 - prefix.len();
    let body = format!("{prefix}{item:0width$}");
    let check = gs1::check_digit::mod10(&body)?;
    Gtin::new(&format!("0{body}{check}")).ok()
}

/// The canonical Digital Link of a GLN, a located organisation's location identifier.
pub fn gln_location_id(gln: &Gln) -> String {
    format!("{}/414/{}", gs1::GS1_RESOLVER, gln.as_str())
}

/// The base county-issued identifiers are minted under: the server's public address
/// (`--public-url`) in lower case, without a trailing slash; without one, `https://` and the
/// host of the log's origin (which never changes). An error says why the address cannot
/// carry identifiers (a query, a fragment, not HTTP, or a path that would make them look
/// like GS1 Digital Links).
pub fn location_base(public_url: Option<&str>, origin: &str) -> Result<String, String> {
    let base = match public_url.map(str::trim).filter(|u| !u.is_empty()) {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = origin.split('/').next().unwrap_or_default();
            format!("https://{host}")
        }
    };
    let (scheme, rest) = base
        .split_once("://")
        .ok_or_else(|| format!("{base} is not an http(s) URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if !matches!(scheme.as_str(), "https" | "http") || host.is_empty() {
        return Err(format!("{base} is not an http(s) URL with a host"));
    }
    if base.contains(['?', '#']) || base.chars().any(char::is_whitespace) {
        return Err(format!("{base} has a query, a fragment or spaces"));
    }
    let base = format!("{scheme}://{}{path}", host.to_ascii_lowercase());
    let sample = county_location_id(&base, UNKNOWN_COUNTY, 1);
    if !epcis::is_uri(&sample) || normalize::identifier(&sample) != sample {
        return Err(format!(
            "identifiers under {base} would not be kept as written by capture (not a URI, or read as a GS1 Digital Link)"
        ));
    }
    Ok(base)
}

/// The county part of county-issued identifiers for an organisation of `county`: its
/// six-digit administrative code, else [`UNKNOWN_COUNTY`].
pub fn county_segment(county: Option<&str>) -> &str {
    county
        .filter(|code| crate::certificate::is_county_code(code))
        .unwrap_or(UNKNOWN_COUNTY)
}

/// The counter the numbers of a county's county-issued identifiers are drawn from.
pub fn location_counter(county_segment: &str) -> String {
    format!("location:{county_segment}")
}

/// A county-issued location identifier: `{base}/loc/{county}/{number}`.
pub fn county_location_id(base: &str, county_segment: &str, number: u64) -> String {
    format!("{base}{LOCATION_PATH}{county_segment}/{number}")
}

/// A JSON pointer token for a member name (RFC 6901: `~` and `/` escaped).
fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Applies an RFC 7396 JSON merge patch to `target`: members of an object patch replace
/// (or, when `null`, remove) those of the target, recursively; anything else replaces it.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(changes) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(members) = target {
        for (name, change) in changes {
            if change.is_null() {
                members.remove(name);
            } else {
                merge_patch(members.entry(name.clone()).or_insert(Value::Null), change);
            }
        }
    }
}

/// Checks that a `PATCH` body is an object naming only `editable` members; the others are
/// reported where they are (their identity — kind, identifier, GLN, GTIN, owner — never
/// changes: register a new one instead).
pub fn check_patch(patch: &Value, editable: &[&str]) -> Result<(), Vec<MasterProblem>> {
    let Value::Object(members) = patch else {
        return Err(vec![problem("", "master.problem.not_json")]);
    };
    let problems: Vec<MasterProblem> = members
        .keys()
        .filter(|name| !editable.contains(&name.as_str()))
        .map(|name| MasterProblem {
            pointer: format!("/{}", pointer_token(name)),
            key: "master.problem.immutable",
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The members of a location a `PATCH` may change.
pub const LOCATION_EDITABLE: &[&str] = &[
    "nameZh", "nameEn", "township", "village", "parent", "areaMu", "areaM2", "crop",
];

/// The members of a product a `PATCH` may change.
pub const PRODUCT_EDITABLE: &[&str] = &["nameZh", "nameEn", "unit", "category", "brand"];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    fn draft(value: Value) -> LocationDraft {
        serde_json::from_value(value).unwrap()
    }

    fn pointers(problems: &[MasterProblem]) -> Vec<&str> {
        problems.iter().map(|p| p.pointer.as_str()).collect()
    }

    #[test]
    fn a_plot_with_area_and_crop_is_accepted_and_trimmed() {
        let checked = check_location(&draft(json!({
            "kind": "plot", "nameZh": " 2 号茶园 ", "nameEn": "", "township": "加尤镇",
            "village": "百陇村", "parent": 4, "areaMu": 3.5, "crop": "白毫茶",
        })))
        .unwrap();
        assert_eq!(checked.kind, LocationKind::Plot);
        assert_eq!(checked.gln, None);
        assert_eq!(checked.fields.name_zh, "2 号茶园");
        assert_eq!(checked.fields.name_en, None);
        assert_eq!(checked.fields.parent_id, Some(4));
        assert_eq!(checked.fields.area_mu, Some(3.5));
        assert_eq!(checked.fields.crop.as_deref(), Some("白毫茶"));
    }

    #[test]
    fn every_bad_field_is_reported_where_it_is() {
        let problems = check_location(&draft(json!({
            "kind": "barn", "nameZh": "  ", "nameEn": "x".repeat(NAME_LIMIT + 1),
            "village": "百陇\u{7}村", "areaMu": 0.0, "areaM2": -2.0, "gln": "6901234000017",
        })))
        .unwrap_err();
        assert_eq!(
            pointers(&problems),
            [
                "/kind", "/nameZh", "/nameEn", "/village", "/areaMu", "/areaM2", "/gln"
            ]
        );
        assert_eq!(problems[1].key, "master.problem.name_required");
        assert_eq!(problems[6].key, "master.problem.gln");
        // A name of exactly the limit fits, in characters rather than bytes.
        assert!(
            check_location(&draft(
                json!({"kind": "farm", "nameZh": "茶".repeat(NAME_LIMIT)})
            ))
            .is_ok()
        );
        // Areas must be finite and below the bounds.
        let mut big = draft(json!({"kind": "plot", "nameZh": "地"}));
        big.area_mu = Some(f64::INFINITY);
        big.area_m2 = Some(MAX_AREA_M2 * 2.0);
        assert_eq!(
            pointers(&check_location(&big).unwrap_err()),
            ["/areaMu", "/areaM2"]
        );
    }

    #[test]
    fn only_plots_have_a_farm_an_area_and_a_crop() {
        let problems = check_location(&draft(json!({
            "kind": "warehouse", "nameZh": "冷库", "parent": 1, "areaM2": 300.0, "crop": "茶",
        })))
        .unwrap_err();
        assert_eq!(pointers(&problems), ["/parent", "/areaM2", "/crop"]);
        assert!(problems.iter().all(|p| p.key == "master.problem.plot_only"));
    }

    #[test]
    fn a_gln_is_checked_and_becomes_its_canonical_digital_link() {
        let checked = check_location(&draft(json!({
            "kind": "workshop", "nameZh": "加工厂", "gln": "6901234000016",
        })))
        .unwrap();
        let id = gln_location_id(checked.gln.as_ref().unwrap());
        assert_eq!(id, "https://id.gs1.org/414/6901234000016");
        // The form capture compares locations in: every spelling of the GLN normalises to it.
        assert_eq!(normalize::identifier(&id), id);
        assert_eq!(normalize::identifier("urn:epc:id:sgln:6901234.00001.0"), id);
        for bad in ["690123400001", "6901234000017", "69O1234000016"] {
            let problems = check_location(&draft(json!({
                "kind": "farm", "nameZh": "场", "gln": bad,
            })))
            .unwrap_err();
            assert_eq!(pointers(&problems), ["/gln"], "{bad}");
        }
    }

    #[test]
    fn county_issued_identifiers_are_location_uris_capture_keeps_as_written() {
        let base = location_base(Some("HTTPS://Trace.Lingyun.Example/"), "ignored").unwrap();
        assert_eq!(base, "https://trace.lingyun.example");
        let id = county_location_id(&base, county_segment(Some("451027")), 17);
        assert_eq!(id, "https://trace.lingyun.example/loc/451027/17");
        assert!(epcis::is_uri(&id));
        assert_eq!(normalize::identifier(&id), id);
        assert_eq!(epcis::canon::digital_link(&id), None);
        // A county that is not a six-digit code, and a server without --public-url.
        assert_eq!(county_segment(Some("Hechi")), UNKNOWN_COUNTY);
        assert_eq!(county_segment(Some("451000")), UNKNOWN_COUNTY);
        assert_eq!(county_segment(None), UNKNOWN_COUNTY);
        assert_eq!(
            location_base(None, "county.example/log").unwrap(),
            "https://county.example"
        );
        assert_eq!(
            location_base(Some("http://127.0.0.1:8080/retu"), "x").unwrap(),
            "http://127.0.0.1:8080/retu"
        );
        assert_eq!(location_counter("451027"), "location:451027");
        // Even under a path that holds a GS1 key, the identifier is no Digital Link.
        let odd = location_base(Some("https://county.example/414/6901234000016"), "x").unwrap();
        let id = county_location_id(&odd, "451027", 1);
        assert_eq!(normalize::identifier(&id), id);
        // Addresses that cannot carry identifiers.
        for bad in [
            "ftp://county.example",
            "https://",
            "https://county.example/?a=1",
            "county.example",
            "https://county.example/a b",
            "https://county.example/%zz",
        ] {
            assert!(location_base(Some(bad), "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn county_gtins_are_laid_out_prefix_item_reference_check_digit() {
        let first = county_gtin("6909999", 1).unwrap();
        assert_eq!(first.as_str(), "06909999000005");
        assert_eq!(first.indicator(), 0);
        assert!(gs1::check_digit::is_valid_mod10(first.as_str()));
        let later = county_gtin("6909999", 1235).unwrap();
        assert_eq!(&later.as_str()[..13], "0690999901234");
        assert!(gs1::check_digit::is_valid_mod10(later.as_str()));
        // Every GTIN is under the county prefix, by the capture rule too.
        assert_eq!(
            crate::capture::owned_by(&["6909999".into()], &gtin_digital_link(&later)),
            Some(true)
        );
        // Five item-reference digits: 100,000 GTINs, then the prefix is full.
        assert_eq!(county_capacity("6909999"), 100_000);
        assert!(county_gtin("6909999", 100_000).is_some());
        assert_eq!(county_gtin("6909999", 100_001), None);
        assert_eq!(county_gtin("6909999", 0), None);
        assert_eq!(county_capacity("69099990001"), 10);
        let last = county_gtin("69099990001", 10).unwrap();
        assert!(last.as_str().starts_with("0690999900019"), "{last}");
        assert!(gs1::check_digit::is_valid_mod10(last.as_str()));
        assert_eq!(county_gtin("69099990001", 11), None);
        assert!(check_county_prefix("690").is_err());
        assert!(check_county_prefix("690999900012").is_err());
        assert!(check_county_prefix("69O9999").is_err());
        assert!(check_county_prefix("6909999").is_ok());
        assert_eq!(gtin_counter("6909999"), "gtin:6909999");
    }

    #[test]
    fn the_gtin_comes_from_the_own_prefix_or_the_county() {
        let own = Gtin::new("6901234000016").unwrap();
        let prefixes = vec!["6901234".to_owned()];
        assert_eq!(
            gtin_source(Some(&own), &prefixes, Some("6909999")),
            Ok(GtinSource::Given(own.clone()))
        );
        let foreign = Gtin::new("6912345000017").unwrap();
        assert_eq!(
            gtin_source(Some(&foreign), &prefixes, None)
                .unwrap_err()
                .key,
            "master.problem.gtin_not_yours"
        );
        assert_eq!(
            gtin_source(None, &prefixes, Some("6909999"))
                .unwrap_err()
                .key,
            "master.problem.gtin_required"
        );
        assert_eq!(
            gtin_source(Some(&own), &[], Some("6909999"))
                .unwrap_err()
                .key,
            "master.problem.gtin_no_prefix"
        );
        assert_eq!(
            gtin_source(None, &[], Some("6909999")),
            Ok(GtinSource::County("6909999".into()))
        );
        assert_eq!(
            gtin_source(None, &[], None).unwrap_err().key,
            "master.problem.no_county_prefix"
        );
    }

    #[test]
    fn products_need_a_name_a_unit_and_a_category() {
        let product: ProductDraft = serde_json::from_value(json!({
            "nameZh": "凌云白毫红茶 罐装", "nameEn": "Lingyun Baihao black tea, tin",
            "unit": "box", "category": "tea", "brand": "凌云白毫",
        }))
        .unwrap();
        let checked = check_product(&product).unwrap();
        assert_eq!(checked.gtin, None);
        assert_eq!(checked.fields.unit, "box");
        assert_eq!(parse_unit("jin"), Some(Unit::Jin));
        let bad: ProductDraft = serde_json::from_value(json!({
            "gtin": "6901234000017", "nameZh": "", "unit": "litre", "category": "wine",
        }))
        .unwrap();
        let problems = check_product(&bad).unwrap_err();
        assert_eq!(
            pointers(&problems),
            ["/gtin", "/nameZh", "/unit", "/category"]
        );
        let padded: ProductDraft = serde_json::from_value(json!({
            "gtin": "6901234000016", "nameZh": "茶", "unit": "kg", "category": "tea",
        }))
        .unwrap();
        assert_eq!(
            check_product(&padded).unwrap().gtin.unwrap().as_str(),
            "06901234000016"
        );
    }

    #[test]
    fn patches_merge_and_name_only_editable_members() {
        let mut target = json!({"nameZh": "茶园", "nameEn": "Garden", "areaMu": 2.0});
        merge_patch(
            &mut target,
            &json!({"nameEn": null, "areaMu": 3.0, "crop": "茶"}),
        );
        assert_eq!(
            target,
            json!({"nameZh": "茶园", "areaMu": 3.0, "crop": "茶"})
        );
        assert!(check_patch(&json!({"nameZh": "x", "areaMu": null}), LOCATION_EDITABLE).is_ok());
        let problems =
            check_patch(&json!({"kind": "farm", "a/b": 1}), LOCATION_EDITABLE).unwrap_err();
        let mut at = pointers(&problems);
        at.sort_unstable();
        assert_eq!(at, ["/a~1b", "/kind"]);
        assert!(check_patch(&json!([1]), PRODUCT_EDITABLE).is_err());
        assert!(check_patch(&json!({"gtin": "x"}), PRODUCT_EDITABLE).is_err());
    }

    #[test]
    fn kinds_and_categories_round_trip_and_every_key_is_in_the_catalogs() {
        for kind in LocationKind::ALL {
            assert_eq!(LocationKind::parse(kind.as_str()), Some(kind));
            assert!(i18n::has_key(kind.message_key()), "{kind:?}");
        }
        for category in Category::ALL {
            assert_eq!(Category::parse(category.as_str()), Some(category));
            assert!(i18n::has_key(category.message_key()), "{category:?}");
        }
        for key in PROBLEM_KEYS {
            assert!(i18n::has_key(key), "{key}");
        }
    }
}
