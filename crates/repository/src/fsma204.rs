//! The FSMA 204 "electronic sortable spreadsheet" (21 CFR 1.1455(c)(3)(ii)): the Key Data
//! Elements of the seven Critical Tracking Events, one row per event and traceability lot, read
//! from EPCIS 2.0 events the way GS1 US's "EPCIS Recommendations for FSMA 204 Critical Tracking
//! Events" maps them. `docs/fsma204.md` has the full mapping table, what stays blank and why,
//! and the sources.
//!
//! # Which events are CTEs
//!
//! [`cte_of`] looks at one event. CBV terms are recognised in every spelling (bare word, URN,
//! Web URI):
//!
//! | CTE | EPCIS event |
//! |---|---|
//! | Harvesting | `ObjectEvent` `ADD` with bizStep `commissioning` or `creating_class_instance` (GS1 US), or a custom bizStep named `harvesting` |
//! | First land-based receiving | as Harvesting, or `receiving`, when the ILMD carries seafood landing data (catch area, species, vessel catch information) |
//! | Cooling | a custom bizStep named `cooling`, or bizStep `other` with a temperature sensor report (GS1 US's cooling event) |
//! | Initial packing | `ObjectEvent` with bizStep `packing`; `TransformationEvent` with bizStep `packing`; and in the sheet, a `TransformationEvent` whose every input lot was created by a Harvesting event (GS1 US's initial packing event) |
//! | Shipping | bizStep `shipping` (`ObjectEvent`, `AggregationEvent`, `TransactionEvent`) |
//! | Receiving | bizStep `receiving` (same types) |
//! | Transformation | any other `TransformationEvent` |
//!
//! Everything else is left out: inspecting, storing, transporting, loading, departing,
//! arriving and the other CBV steps that move or look at food without a CTE; `AggregationEvent`
//! packing (building a pallet, which GS1 US records before a shipping event); events with
//! action `DELETE`; `AssociationEvent`s and extension event types; events without a bizStep
//! (except `TransformationEvent`s); and error declarations, together with any event that
//! shares the declared event's ID, because the declaration retracts it.
//!
//! # Rows
//!
//! [`fsma204_sheet`] writes one row per event and traceability lot (per lot and role for
//! transformations, whose inputs and outputs are both listed), in the column order of
//! [`COLUMNS`], sorted by event time (the instant, whatever the offset), then by Retu's log
//! index. A shipping or receiving event that names only a pallet (an SSCC) lists the lots that
//! earlier `AggregationEvent`s in the same export packed onto it. A CTE event whose lots cannot
//! be named still gets one row with the lot columns blank, so that no CTE disappears from the
//! export unnoticed.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

use std::collections::{HashMap, HashSet};
use std::fmt;

use epcis::cbv::Vocabulary;
use epcis::{Action, Event, EventType, ExtValue, Extension, Literal, QuantityElement, SourceDest};
use gs1::{AiElement, DigitalLink, GS1_RESOLVER, Gs1Key};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::normalize;
use crate::sheet::{Cell, Sheet};

/// One stored event for the export, with what Retu knows about it beyond the event itself.
#[derive(Debug, Clone, Copy)]
pub struct FsmaInput<'a> {
    /// The event's leaf index in Retu's transparency log, so an inspector can ask for its
    /// inclusion proof.
    pub log_index: u64,
    /// The event as stored.
    pub event: &'a Event,
    /// The name of the organisation that captured it.
    pub organisation: &'a str,
}

/// The seven Critical Tracking Events of 21 CFR Part 1 Subpart S.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cte {
    /// Harvesting a raw agricultural commodity (§1.1325(a)).
    Harvesting,
    /// Cooling it before initial packing (§1.1325(b)).
    Cooling,
    /// Initial packing of a raw agricultural commodity not obtained from a fishing vessel
    /// (§1.1330(a)).
    InitialPacking,
    /// First land-based receiving of food obtained from a fishing vessel (§1.1335).
    FirstLandBasedReceiving,
    /// Shipping (§1.1340).
    Shipping,
    /// Receiving (§1.1345).
    Receiving,
    /// Transformation (§1.1350).
    Transformation,
}

impl Cte {
    /// All seven, in the order the regulation lists them.
    pub const ALL: [Cte; 7] = [
        Cte::Harvesting,
        Cte::Cooling,
        Cte::InitialPacking,
        Cte::FirstLandBasedReceiving,
        Cte::Shipping,
        Cte::Receiving,
        Cte::Transformation,
    ];

    /// The English name used in the spreadsheet.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Cte::Harvesting => "Harvesting",
            Cte::Cooling => "Cooling",
            Cte::InitialPacking => "Initial packing",
            Cte::FirstLandBasedReceiving => "First land-based receiving",
            Cte::Shipping => "Shipping",
            Cte::Receiving => "Receiving",
            Cte::Transformation => "Transformation",
        }
    }

    /// The section of 21 CFR Part 1 that lists this event's Key Data Elements.
    #[must_use]
    pub fn section(self) -> &'static str {
        match self {
            Cte::Harvesting => "21 CFR 1.1325(a)",
            Cte::Cooling => "21 CFR 1.1325(b)",
            Cte::InitialPacking => "21 CFR 1.1330(a)",
            Cte::FirstLandBasedReceiving => "21 CFR 1.1335",
            Cte::Shipping => "21 CFR 1.1340",
            Cte::Receiving => "21 CFR 1.1345",
            Cte::Transformation => "21 CFR 1.1350",
        }
    }
}

impl fmt::Display for Cte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The worksheet's name.
pub const SHEET_NAME: &str = "FSMA 204 KDEs";

/// The column holding the traceability lot code (the lot's normal-form Digital Link), by
/// which an export for one lot keeps only that lot's rows.
pub const TLC_COLUMN: &str = "Traceability lot code";

/// The spreadsheet's columns, in order. `docs/fsma204.md` says where each value comes from.
pub const COLUMNS: [&str; 21] = [
    "CTE",
    "Event time",
    "Event time (UTC)",
    "Traceability lot code",
    "GTIN",
    "Lot",
    "Product description",
    "Lot role",
    "Quantity",
    "Unit of measure",
    "Location",
    "Business location",
    "Previous source / ship-from",
    "Ship-to / subsequent recipient",
    "TLC source location",
    "Reference document type",
    "Reference document number",
    "Lot details (ILMD)",
    "EPCIS event ID",
    "Log index",
    "Organisation",
];

/// Which CTE an event records, judged from the event alone (see the module documentation for
/// the rules). [`fsma204_sheet`] can refine a `Transformation` into `InitialPacking` when the
/// export holds the harvest of every input lot; this function cannot know that.
#[must_use]
pub fn cte_of(event: &Event) -> Option<Cte> {
    // An error declaration retracts an earlier event; it records no food movement itself.
    if event.error_declaration.is_some() {
        return None;
    }
    let step = event.biz_step.as_deref().map(str::trim);
    let word = step.and_then(|s| Vocabulary::BizStep.bare_word(s));
    // CBV has no harvesting or cooling step, so farms name them with their own URIs; only the
    // last segment of such a URI is compared.
    let custom = step
        .filter(|_| word.is_none())
        .map(custom_step_name)
        .unwrap_or_default();
    let event_type = event.event_type.as_ref().unwrap_or(&EventType::ObjectEvent);

    match event_type {
        EventType::TransformationEvent => Some(if word == Some("packing") {
            Cte::InitialPacking
        } else {
            Cte::Transformation
        }),
        EventType::ObjectEvent | EventType::AggregationEvent | EventType::TransactionEvent => {
            if event.action() == Some(Action::Delete) {
                return None;
            }
            let is_object = *event_type == EventType::ObjectEvent;
            let adds = event.action() == Some(Action::Add);
            let harvest_or_landing = || {
                if lands_seafood(event) {
                    Cte::FirstLandBasedReceiving
                } else {
                    Cte::Harvesting
                }
            };
            match word {
                Some("commissioning" | "creating_class_instance") if is_object && adds => {
                    Some(harvest_or_landing())
                }
                Some("other") if reports_temperature(event) => Some(Cte::Cooling),
                Some("packing") if is_object => Some(Cte::InitialPacking),
                Some("shipping") => Some(Cte::Shipping),
                Some("receiving") if is_object && adds && lands_seafood(event) => {
                    Some(Cte::FirstLandBasedReceiving)
                }
                Some("receiving") => Some(Cte::Receiving),
                None if custom == "harvesting" && is_object => Some(harvest_or_landing()),
                None if custom == "cooling" => Some(Cte::Cooling),
                _ => None,
            }
        }
        EventType::AssociationEvent | EventType::Other(_) => None,
    }
}

/// The last segment of a custom bizStep URI, lower case, without a `BizStep-` prefix:
/// `https://county.example/voc/BizStep-Cooling` → `cooling`.
fn custom_step_name(step: &str) -> String {
    let tail = step.rsplit(['/', '#', ':']).next().unwrap_or(step);
    let tail = tail.strip_prefix("BizStep-").unwrap_or(tail);
    tail.to_ascii_lowercase()
}

/// The part of a term after its last `/`, `#` or `:` (`gs1:Temperature` → `Temperature`).
fn local_name(term: &str) -> &str {
    term.rsplit(['/', '#', ':']).next().unwrap_or(term)
}

/// Whether any sensor report measured temperature, which is how GS1 US tells a cooling event
/// (bizStep `other`) from other work.
fn reports_temperature(event: &Event) -> bool {
    event
        .sensor_element_list
        .iter()
        .flatten()
        .flat_map(|element| &element.reports)
        .filter_map(|report| report.get("type"))
        .any(|kind| local_name(kind.text().trim()) == "Temperature")
}

/// ILMD terms (CBV master data and GS1 Web Vocabulary) that only a landing of fish or seafood
/// carries. Harvest dates are left out on purpose: farms record them too.
const SEAFOOD_LANDING_TERMS: [&str; 8] = [
    "catchArea",
    "catchZone",
    "fishType",
    "fishingGearTypeCode",
    "speciesForFisheryStatisticsPurposesCode",
    "speciesForFisheryStatisticsPurposesName",
    "vesselCatchInformation",
    "vesselCatchInformationList",
];

fn lands_seafood(event: &Event) -> bool {
    event
        .ilmd
        .iter()
        .flatten()
        .any(|member| SEAFOOD_LANDING_TERMS.contains(&member.name.local.as_str()))
}

/// ILMD terms that describe the product, in order of preference.
const DESCRIPTION_TERMS: [&str; 7] = [
    "productName",
    "regulatedProductName",
    "tradeItemDescription",
    "descriptionShort",
    "productDescription",
    "functionalName",
    "labelDescription",
];

/// The ILMD term that gives an instance's lot (`cbvmda:lotNumber`).
const LOT_NUMBER_TERM: &str = "lotNumber";

/// How deep [`ext_text`] follows nested values; the bindings limit nesting too, but an event
/// built in code need not have come through them.
const MAX_VALUE_DEPTH: usize = 16;

/// An extension value as one line of text: literals as written, arrays joined with `, `, a
/// JSON-LD value object (`{"@value": …, "@language": …}`) as its value, XML elements as their
/// text. `None` when nothing is left.
fn ext_text(value: &ExtValue, depth: usize) -> Option<String> {
    if depth > MAX_VALUE_DEPTH {
        return None;
    }
    let text = match value {
        ExtValue::Literal(literal) => literal.text().trim().to_owned(),
        ExtValue::Array(items) => items
            .iter()
            .filter_map(|item| ext_text(item, depth + 1))
            .collect::<Vec<_>>()
            .join(", "),
        ExtValue::Object(members) => members
            .iter()
            .find(|member| member.name.raw == "@value")
            .and_then(|member| ext_text(&member.value, depth + 1))?,
        ExtValue::Element(element) => element.text.trim().to_owned(),
    };
    (!text.is_empty()).then_some(text)
}

/// The product description an event's ILMD gives, if any.
fn ilmd_description(event: &Event) -> Option<String> {
    let ilmd = event.ilmd.as_deref()?;
    DESCRIPTION_TERMS.iter().find_map(|term| {
        ilmd.iter()
            .filter(|member| member.name.local == *term)
            .find_map(|member| ext_text(&member.value, 0))
    })
}

/// The lot an event's ILMD gives to the instances it creates (`cbvmda:lotNumber`).
fn ilmd_lot(event: &Event) -> Option<String> {
    event
        .ilmd
        .iter()
        .flatten()
        .filter(|member| member.name.local == LOT_NUMBER_TERM)
        .find_map(|member| ext_text(&member.value, 0))
}

/// The remaining ILMD as `name: value` pairs (names as written), for the "Lot details" column:
/// harvest dates, best-before dates, catch areas, species and the like. The lot number and the
/// description already have their own columns.
fn ilmd_details(event: &Event) -> String {
    let description_term = event.ilmd.as_deref().and_then(|ilmd| {
        DESCRIPTION_TERMS.iter().find(|term| {
            ilmd.iter()
                .any(|m| m.name.local == **term && ext_text(&m.value, 0).is_some())
        })
    });
    event
        .ilmd
        .iter()
        .flatten()
        .filter(|member| member.name.local != LOT_NUMBER_TERM)
        .filter(|member| Some(&member.name.local.as_str()) != description_term)
        .filter_map(|member: &Extension| {
            ext_text(&member.value, 0).map(|value| format!("{}: {value}", member.name.raw))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A traceability lot as the spreadsheet shows it. Any part may be empty: a GTIN without a lot
/// is no TLC, and a non-GS1 lot identifier has no GTIN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct LotId {
    /// The TLC: the canonical Digital Link `https://id.gs1.org/01/{GTIN}/10/{lot}`, or a
    /// non-GS1 lot identifier as written.
    tlc: String,
    gtin: String,
    lot: String,
}

fn gtin_lot(gtin: &str, lot: Option<&str>) -> LotId {
    let Some(lot) = lot.map(str::trim).filter(|l| !l.is_empty()) else {
        return LotId {
            gtin: gtin.to_owned(),
            ..LotId::default()
        };
    };
    let tlc = AiElement::new("01", gtin)
        .and_then(|key| {
            let batch = AiElement::new("10", lot)?;
            DigitalLink::new(key, vec![batch], Vec::new())
        })
        .map(|link| link.to_constrained_uri(GS1_RESOLVER))
        // A lot from ILMD that is no valid AI (10) value (too long, or characters outside
        // GS1's set) cannot be a Digital Link; GS1's bracketed form still names it exactly.
        .unwrap_or_else(|_| format!("(01){gtin}(10){lot}"));
    LotId {
        tlc,
        gtin: gtin.to_owned(),
        lot: lot.to_owned(),
    }
}

/// A GS1 Digital Link or EPC URN, parsed; `None` for anything else.
fn gs1_link(value: &str) -> Option<DigitalLink> {
    if value.starts_with("urn:epc:") {
        gs1::urn_to_digital_link(value).ok()
    } else if value.starts_with("https://") || value.starts_with("http://") {
        DigitalLink::parse(value).ok()
    } else {
        None
    }
}

/// The lot an `epcClass` names. `None` for the classes of GS1 keys other than the GTIN
/// (returnable crates, for instance), which are no food.
fn class_lot(epc_class: &str) -> Option<LotId> {
    let value = epc_class.trim();
    if value.is_empty() {
        return None;
    }
    match gs1_link(value) {
        Some(link) => match link.key() {
            Gs1Key::Gtin(gtin) => Some(gtin_lot(gtin.as_str(), link.qualifier("10"))),
            _ => None,
        },
        None if value.starts_with("urn:epc:") => None,
        None => Some(LotId {
            tlc: value.to_owned(),
            ..LotId::default()
        }),
    }
}

/// The key under which an item's lot is remembered: GTIN and serial.
fn instance_key(link: &DigitalLink) -> Option<(String, String)> {
    match link.key() {
        Gs1Key::Gtin(gtin) => link
            .qualifier("21")
            .map(|serial| (gtin.as_str().to_owned(), serial.to_owned())),
        _ => None,
    }
}

/// How much of a lot an event lists.
#[derive(Debug, Clone, PartialEq)]
enum Amount {
    Number(f64),
    /// A quantity that is no finite decimal, as written.
    Text(String),
    Missing,
}

/// A lot's part in a transformation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Not a transformation: the event lists the lot.
    Listed,
    Input,
    Output,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Role::Listed => "",
            Role::Input => "Input",
            Role::Output => "Output",
        }
    }
}

/// One lot of one event, before it becomes a row.
#[derive(Debug, Clone, PartialEq)]
struct LotLine {
    role: Role,
    lot: LotId,
    amount: Amount,
    unit: String,
}

/// A pallet or case's contents, as `AggregationEvent`s describe them.
#[derive(Debug, Clone, PartialEq)]
enum Content {
    Class(QuantityElement),
    Instance(String),
}

/// Where a lot was created: its TLC source.
#[derive(Debug, Clone, Default)]
struct Origin {
    cte: Option<Cte>,
    location: String,
    description: Option<String>,
}

/// What the export learns from all its events before writing rows: the lot of each serialised
/// item (from its commissioning ILMD) and where each lot was created.
#[derive(Debug, Default)]
struct Chain {
    instance_lots: HashMap<(String, String), String>,
    origins: HashMap<String, Origin>,
}

impl Chain {
    fn learn(events: &[&FsmaInput<'_>]) -> Chain {
        let mut chain = Chain::default();
        // Items get their lot where they are created: the objects of an ObjectEvent ADD, the
        // outputs of a TransformationEvent.
        for input in events {
            let event = input.event;
            let Some(lot) = ilmd_lot(event) else { continue };
            for id in created_instances(event) {
                if let Some(key) = gs1_link(id.trim()).as_ref().and_then(instance_key) {
                    chain
                        .instance_lots
                        .entry(key)
                        .or_insert_with(|| lot.clone());
                }
            }
        }
        // A lot's TLC source is the first event (in export order) that creates it.
        for input in events {
            let event = input.event;
            let created: Vec<LotId> = created_classes(event)
                .filter_map(|element| element.epc_class.as_deref().and_then(class_lot))
                .chain(created_instances(event).filter_map(|id| chain.instance_lot(id.trim())))
                .filter(|lot| !lot.tlc.is_empty())
                .collect();
            for lot in created {
                chain.origins.entry(lot.tlc).or_insert_with(|| Origin {
                    cte: cte_of(event),
                    location: event_location(event),
                    description: ilmd_description(event),
                });
            }
        }
        chain
    }

    /// The lot of a serialised trade item: from its Digital Link's `/10/`, else from the ILMD
    /// of the event that commissioned it. `None` for identifiers that are no GTIN-based item.
    fn instance_lot(&self, id: &str) -> Option<LotId> {
        let link = gs1_link(id)?;
        let Gs1Key::Gtin(gtin) = link.key() else {
            return None;
        };
        let lot = link
            .qualifier("10")
            .map(str::to_owned)
            .or_else(|| instance_key(&link).and_then(|key| self.instance_lots.get(&key).cloned()));
        Some(gtin_lot(gtin.as_str(), lot.as_deref()))
    }
}

fn is_transformation(event: &Event) -> bool {
    event.event_type == Some(EventType::TransformationEvent)
}

fn creates_objects(event: &Event) -> bool {
    event
        .event_type
        .as_ref()
        .is_none_or(|t| *t == EventType::ObjectEvent)
        && event.action() == Some(Action::Add)
}

/// The quantity elements of the lots an event creates.
fn created_classes(event: &Event) -> impl Iterator<Item = &QuantityElement> {
    let list = if is_transformation(event) {
        event.output_quantity_list.as_deref()
    } else if creates_objects(event) {
        event.quantity_list.as_deref()
    } else {
        None
    };
    list.unwrap_or_default().iter()
}

/// The items an event creates.
fn created_instances(event: &Event) -> impl Iterator<Item = &str> {
    let list = if is_transformation(event) {
        event.output_epc_list.as_deref()
    } else if creates_objects(event) {
        event.epc_list.as_deref()
    } else {
        None
    };
    list.unwrap_or_default().iter().map(String::as_str)
}

/// The pallets and cases built so far: parent → contents, as `AggregationEvent`s `ADD` and
/// `DELETE` them, in export order.
#[derive(Debug, Default)]
struct Containers {
    contents: HashMap<String, Vec<Content>>,
}

impl Containers {
    fn apply(&mut self, event: &Event) {
        if event.event_type != Some(EventType::AggregationEvent) {
            return;
        }
        let Some(parent) = event.parent_id.as_deref().map(normalize::identifier) else {
            return;
        };
        let children: Vec<Content> = event
            .child_epcs
            .iter()
            .flatten()
            .map(|id| Content::Instance(id.trim().to_owned()))
            .chain(
                event
                    .child_quantity_list
                    .iter()
                    .flatten()
                    .cloned()
                    .map(Content::Class),
            )
            .collect();
        match event.action() {
            Some(Action::Add) => self.contents.entry(parent).or_default().extend(children),
            Some(Action::Delete) if children.is_empty() => {
                self.contents.remove(&parent);
            }
            Some(Action::Delete) => {
                let removed: HashSet<String> = children.iter().map(content_identity).collect();
                if let Some(contents) = self.contents.get_mut(&parent) {
                    contents.retain(|content| !removed.contains(&content_identity(content)));
                }
            }
            Some(Action::Observe) | None => {}
        }
    }

    /// What an identifier stands for: the contents of a known pallet or case (recursively,
    /// each container opened at most once, so that a cycle in hostile data ends), or the item
    /// itself.
    fn unpack(&self, id: &str, opened: &mut HashSet<String>, out: &mut Vec<Content>) {
        let key = normalize::identifier(id);
        match self.contents.get(&key) {
            Some(contents) if opened.insert(key) => {
                for content in contents {
                    match content {
                        Content::Instance(child) => self.unpack(child, opened, out),
                        Content::Class(_) => out.push(content.clone()),
                    }
                }
            }
            Some(_) => {}
            None => out.push(Content::Instance(id.to_owned())),
        }
    }
}

fn content_identity(content: &Content) -> String {
    match content {
        Content::Instance(id) => normalize::identifier(id),
        Content::Class(element) => {
            normalize::identifier(element.epc_class.as_deref().unwrap_or_default())
        }
    }
}

/// A quantity as the spreadsheet shows it. EPCIS counts instances when the unit is omitted;
/// UN/ECE Recommendation 20 calls that unit `EA` (each).
fn amount_of(element: &QuantityElement) -> (Amount, String) {
    let unit = element
        .uom
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    match &element.quantity {
        None | Some(Literal::Null) => (Amount::Missing, unit.unwrap_or_default().to_owned()),
        Some(literal) => {
            let written = literal.text().trim();
            let amount = match written.parse::<f64>() {
                Ok(number) if number.is_finite() => Amount::Number(number),
                _ => Amount::Text(written.to_owned()),
            };
            (amount, unit.unwrap_or("EA").to_owned())
        }
    }
}

/// Adds a line, summing it into an earlier line of the same role, lot and unit.
fn add_line(lines: &mut Vec<LotLine>, line: LotLine) {
    let same = lines
        .iter_mut()
        .find(|l| l.role == line.role && l.lot == line.lot && l.unit == line.unit);
    match (same, &line.amount) {
        (Some(existing), Amount::Number(more)) => match &mut existing.amount {
            Amount::Number(sum) => *sum += more,
            _ => lines.push(line),
        },
        _ => lines.push(line),
    }
}

/// The lots an event lists, with their quantities and roles.
fn lot_lines(event: &Event, chain: &Chain, containers: &Containers) -> Vec<LotLine> {
    let mut lines = Vec::new();
    let mut add =
        |role: Role, classes: &[QuantityElement], ids: &[String], parent: Option<&str>| {
            let mut contents: Vec<Content> = classes.iter().cloned().map(Content::Class).collect();
            let mut opened = HashSet::new();
            for id in ids {
                containers.unpack(id.trim(), &mut opened, &mut contents);
            }
            // A shipping or receiving event may name only the pallet.
            if contents.is_empty()
                && let Some(parent) = parent
            {
                containers.unpack(parent.trim(), &mut opened, &mut contents);
            }
            for content in contents {
                let line = match content {
                    Content::Class(element) => {
                        let Some(lot) = element.epc_class.as_deref().and_then(class_lot) else {
                            continue;
                        };
                        let (amount, unit) = amount_of(&element);
                        LotLine {
                            role,
                            lot,
                            amount,
                            unit,
                        }
                    }
                    Content::Instance(id) => {
                        let Some(lot) = chain.instance_lot(&id) else {
                            continue;
                        };
                        LotLine {
                            role,
                            lot,
                            amount: Amount::Number(1.0),
                            unit: "EA".to_owned(),
                        }
                    }
                };
                add_line(&mut lines, line);
            }
        };
    if is_transformation(event) {
        add(
            Role::Input,
            event.input_quantity_list.as_deref().unwrap_or_default(),
            event.input_epc_list.as_deref().unwrap_or_default(),
            None,
        );
        add(
            Role::Output,
            event.output_quantity_list.as_deref().unwrap_or_default(),
            event.output_epc_list.as_deref().unwrap_or_default(),
            None,
        );
    } else {
        let classes: Vec<QuantityElement> = event
            .quantity_list
            .iter()
            .chain(event.child_quantity_list.iter())
            .flatten()
            .cloned()
            .collect();
        let ids: Vec<String> = event
            .epc_list
            .iter()
            .chain(event.child_epcs.iter())
            .flatten()
            .cloned()
            .collect();
        add(Role::Listed, &classes, &ids, event.parent_id.as_deref());
    }
    lines
}

/// GS1 US records initial packing as a `TransformationEvent` like any other; what makes it
/// initial packing is that its inputs are harvested, not yet packed commodities. When the
/// export holds the harvest of every input lot, the transformation is labelled as such.
///
/// A commissioning that puts serialised items into a lot a transformation already made (tins
/// filled from a made-tea lot) is no harvest: the transformation was the CTE, and the
/// commissioning records no new one (`None`).
fn refine(cte: Cte, event: &Event, lines: &[LotLine], chain: &Chain) -> Option<Cte> {
    let made_by_transformation = !lines.is_empty()
        && lines.iter().all(|line| {
            chain.origins.get(&line.lot.tlc).is_some_and(|origin| {
                matches!(origin.cte, Some(Cte::Transformation | Cte::InitialPacking))
            })
        });
    if cte == Cte::Harvesting && made_by_transformation {
        return None;
    }
    let inputs: Vec<&LotLine> = lines.iter().filter(|l| l.role == Role::Input).collect();
    let all_harvested = !inputs.is_empty()
        && inputs.iter().all(|line| {
            chain
                .origins
                .get(&line.lot.tlc)
                .is_some_and(|origin| origin.cte == Some(Cte::Harvesting))
        });
    if cte == Cte::Transformation && is_transformation(event) && all_harvested {
        Some(Cte::InitialPacking)
    } else {
        Some(cte)
    }
}

/// Where the event happened: the read point, else the business location (GS1 US puts the farm
/// in `readPoint` and the field in `bizLocation` for a harvest).
fn event_location(event: &Event) -> String {
    event
        .read_point
        .as_ref()
        .and_then(|l| l.id.as_deref())
        .or_else(|| event.biz_location.as_ref().and_then(|l| l.id.as_deref()))
        .map(normalize::identifier)
        .unwrap_or_default()
}

/// The business location when it says more than [`event_location`].
fn business_location(event: &Event) -> String {
    let business = event
        .biz_location
        .as_ref()
        .and_then(|l| l.id.as_deref())
        .map(normalize::identifier)
        .unwrap_or_default();
    if business == event_location(event) {
        String::new()
    } else {
        business
    }
}

/// The sources or destinations the KDE asks for: locations first (the rule asks for location
/// descriptions), then the possessing party, then the owning party, then any other type.
fn pick_party(list: Option<&[SourceDest]>) -> String {
    let list = list.unwrap_or_default();
    let of_type = |wanted: Option<&str>| -> Vec<String> {
        list.iter()
            .filter(|entry| {
                let kind = entry
                    .kind
                    .as_deref()
                    .and_then(|k| Vocabulary::SourceDestType.bare_word(k.trim()));
                wanted.is_none() || kind == wanted
            })
            .filter_map(|entry| entry.value.as_deref())
            .map(normalize::identifier)
            .filter(|value| !value.is_empty())
            .collect()
    };
    [
        Some("location"),
        Some("possessing_party"),
        Some("owning_party"),
        None,
    ]
    .into_iter()
    .map(of_type)
    .find(|values| !values.is_empty())
    .unwrap_or_default()
    .join("; ")
}

/// An English name for a CBV business transaction type; other types as written.
fn transaction_type_label(kind: &str) -> String {
    let label = match Vocabulary::BizTransactionType.bare_word(kind) {
        Some("bol") => "Bill of lading",
        Some("cert") => "Certificate",
        Some("desadv") => "Despatch advice",
        Some("inv") => "Invoice",
        Some("pedigree") => "Pedigree",
        Some("po") => "Purchase order",
        Some("poc") => "Purchase order confirmation",
        Some("prodorder") => "Production order",
        Some("recadv") => "Receiving advice",
        Some("rma") => "Return merchandise authorisation",
        Some("testprd") => "Test procedure",
        Some("testres") => "Test result",
        Some("upevt") => "Upstream EPCIS event",
        _ => return kind.to_owned(),
    };
    label.to_owned()
}

/// The reference documents (type, number), each joined with `; ` in `bizTransactionList`
/// order so the two columns line up.
fn reference_documents(event: &Event) -> (String, String) {
    let mut kinds = Vec::new();
    let mut numbers = Vec::new();
    for transaction in event.biz_transaction_list.iter().flatten() {
        kinds.push(
            transaction
                .kind
                .as_deref()
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map_or_else(|| "Unspecified".to_owned(), transaction_type_label),
        );
        numbers.push(
            transaction
                .value
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned(),
        );
    }
    (kinds.join("; "), numbers.join("; "))
}

/// The event time in UTC, `…Z`, which sorts as text across offsets.
fn utc_time(micros: Option<i64>) -> String {
    micros
        .and_then(|m| OffsetDateTime::from_unix_timestamp_nanos(i128::from(m) * 1000).ok())
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Integers up to 2^53 are exact as spreadsheet numbers; larger ones are written as text.
fn index_cell(index: u64) -> Cell {
    const EXACT: u64 = 1 << 53;
    if index <= EXACT {
        // Exact below 2^53, checked above.
        #[allow(clippy::cast_precision_loss)]
        Cell::Number(index as f64)
    } else {
        Cell::Text(index.to_string())
    }
}

/// The FSMA 204 sortable spreadsheet of `inputs`: see the module documentation for which
/// events count and [`COLUMNS`] for the columns. The export needs every event whose facts it
/// shows: the event that created a lot (for the TLC source and the description) and the
/// aggregations that built a shipped pallet; what is missing stays blank.
#[must_use]
pub fn fsma204_sheet(inputs: &[FsmaInput<'_>]) -> Sheet {
    let retracted: HashSet<&str> = inputs
        .iter()
        .filter(|input| input.event.error_declaration.is_some())
        .filter_map(|input| input.event.event_id.as_deref())
        .collect();
    let mut ordered: Vec<(Option<i64>, usize, &FsmaInput<'_>)> = inputs
        .iter()
        .enumerate()
        .filter(|(_, input)| {
            input.event.error_declaration.is_none()
                && input
                    .event
                    .event_id
                    .as_deref()
                    .is_none_or(|id| !retracted.contains(id))
        })
        .map(|(position, input)| {
            let micros = input
                .event
                .event_time
                .as_deref()
                .and_then(normalize::micros);
            (micros, position, input)
        })
        .collect();
    // Events without a readable time go last; ties keep log order, then input order.
    ordered.sort_by_key(|(micros, position, input)| {
        (micros.is_none(), *micros, input.log_index, *position)
    });
    let events: Vec<&FsmaInput<'_>> = ordered.iter().map(|(_, _, input)| *input).collect();
    let chain = Chain::learn(&events);

    let mut containers = Containers::default();
    let mut rows = Vec::new();
    for (micros, _, input) in &ordered {
        let event = input.event;
        if let Some(cte) = cte_of(event) {
            let lines = lot_lines(event, &chain, &containers);
            if let Some(cte) = refine(cte, event, &lines, &chain) {
                write_rows(&mut rows, cte, input, *micros, lines, &chain);
            }
        }
        containers.apply(event);
    }

    Sheet {
        name: SHEET_NAME.to_owned(),
        headers: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        rows,
    }
}

/// Appends the rows of one CTE event, one per lot line (or one with blank lot columns).
fn write_rows(
    rows: &mut Vec<Vec<Cell>>,
    cte: Cte,
    input: &FsmaInput<'_>,
    micros: Option<i64>,
    lines: Vec<LotLine>,
    chain: &Chain,
) {
    let event = input.event;
    let location = event_location(event);
    let mut ship_from = pick_party(event.source_list.as_deref());
    if ship_from.is_empty() && cte == Cte::Shipping {
        ship_from.clone_from(&location);
    }
    let mut ship_to = pick_party(event.destination_list.as_deref());
    if ship_to.is_empty() && cte == Cte::Receiving {
        ship_to.clone_from(&location);
    }
    let (document_types, document_numbers) = reference_documents(event);
    let own_description = ilmd_description(event);
    let own_details = ilmd_details(event);

    let lines = if lines.is_empty() {
        vec![LotLine {
            role: Role::Listed,
            lot: LotId::default(),
            amount: Amount::Missing,
            unit: String::new(),
        }]
    } else {
        lines
    };
    for line in lines {
        let origin = chain.origins.get(&line.lot.tlc);
        // ILMD describes what the event creates: a transformation's outputs, an ADD's objects,
        // never a transformation's inputs.
        let describes_lot = line.role != Role::Input && event.ilmd.is_some();
        let description = own_description
            .clone()
            .filter(|_| describes_lot)
            .or_else(|| origin.and_then(|o| o.description.clone()))
            .unwrap_or_default();
        let details = if describes_lot {
            own_details.clone()
        } else {
            String::new()
        };
        let quantity = match line.amount {
            Amount::Number(number) => Cell::Number(number),
            Amount::Text(text) => Cell::text(text),
            Amount::Missing => Cell::Empty,
        };
        rows.push(vec![
            Cell::text(cte.label()),
            Cell::text(
                event
                    .event_time
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or_default(),
            ),
            Cell::text(utc_time(micros)),
            Cell::text(line.lot.tlc),
            Cell::text(line.lot.gtin),
            Cell::text(line.lot.lot),
            Cell::text(description),
            Cell::text(line.role.label()),
            quantity,
            Cell::text(line.unit),
            Cell::text(location.clone()),
            Cell::text(business_location(event)),
            Cell::text(ship_from.clone()),
            Cell::text(ship_to.clone()),
            Cell::text(origin.map(|o| o.location.clone()).unwrap_or_default()),
            Cell::text(document_types.clone()),
            Cell::text(document_numbers.clone()),
            Cell::text(details),
            Cell::text(event.event_id.as_deref().unwrap_or_default()),
            index_cell(input.log_index),
            Cell::text(input.organisation),
        ]);
    }
}
