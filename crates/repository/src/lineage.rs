//! Lineage: where an identifier came from and where it went, read from the stored EPCIS events.
//!
//! The trace is a graph over identifiers in their normal form ([`normalize::identifier`]), with
//! edges that point the way goods flow (downstream):
//!
//! - commissioning: the place an object was created (harvest plot, workshop) → the object;
//! - lot membership: a lot → each serialised item whose commissioning ILMD names that lot
//!   number (`cbvmda:lotNumber`) with the lot's GTIN, as an SGTIN belongs to its LGTIN;
//! - aggregation (`ADD`, `OBSERVE`): each child (EPC or quantity class) → the parent it is
//!   packed into;
//! - transformation: each input (EPC or quantity class) → each output;
//! - shipping and receiving: each source → the objects, and the objects → each destination.
//!
//! Tracing *down* follows edges forwards (what was made from it, what it was packed into, where
//! it went); *up* follows them backwards (what it was made from, what it contains, where it came
//! from). A node reached going down is only expanded further down, and one reached going up only
//! further up, so `both` is "its history and its future", not everything connected to it.
//! Places and parties end a path: a warehouse holds many unrelated lots, and expanding through
//! it would drag them all in.
//!
//! Time is deliberately not used to prune edges (for example "only events after the item was
//! made"): a wrongly entered event time must not hide a shipment from a recall, and a recall
//! that lists one shop too many is safer than one that misses one.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use epcis::model::{Event, EventType, ExtValue, Literal};
use store::{Condition, EventQuery, IdRole, Store, StoreError, StoredEvent, Visibility};

use crate::capture::full_name;
use crate::normalize;
use crate::query::ilmd_attribute;

/// How far a trace goes when the caller does not say.
pub const DEFAULT_DEPTH: u32 = 10;
/// The deepest trace a caller may ask for; recalls use it.
pub const MAX_DEPTH: u32 = 64;
/// Identifiers looked up per store query: well below every backend's bind-parameter limit
/// (SQLite 32,766, PostgreSQL 65,535 with the roles and the limit), and large enough that a
/// recall reaching 10,000 tins takes a few queries, not twenty: each query returns the events
/// that name any of its identifiers again, such as the one event that commissioned all tins.
const LOOKUP_CHUNK: usize = 4000;

/// Which way to trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Where it came from.
    Up,
    /// Where it went and what was made from it.
    Down,
    /// Both.
    Both,
}

impl Direction {
    /// Reads `up`, `down` or `both`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            "both" => Some(Direction::Both),
            _ => None,
        }
    }
}

/// What a node of the trace is, from the shape of its identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    /// A serialised item (SGTIN and other serialised keys).
    Item,
    /// A lot or batch of a product (LGTIN).
    Lot,
    /// A product class without a lot (GTIN).
    Class,
    /// A logistic unit (SSCC): a case, a pallet.
    LogisticUnit,
    /// A place (GLN, possibly with an extension): a plot, a workshop, a shop.
    Location,
    /// A party (PGLN).
    Party,
    /// Any other identifier.
    Other,
}

impl NodeKind {
    /// The kind of a normalised identifier.
    pub fn of(identifier: &str) -> Self {
        let Some(path) = identifier.strip_prefix("https://id.gs1.org/") else {
            return NodeKind::Other;
        };
        let mut parts = path.split('/');
        let key = parts.next().unwrap_or_default();
        let _value = parts.next();
        let qualifier = parts.next();
        match (key, qualifier) {
            ("01", Some("21")) => NodeKind::Item,
            ("01", Some("10")) => NodeKind::Lot,
            ("01", None) => NodeKind::Class,
            ("00", _) => NodeKind::LogisticUnit,
            ("414", _) => NodeKind::Location,
            ("417", _) => NodeKind::Party,
            ("8003" | "8004" | "8018" | "253" | "255" | "8006" | "8010", _) => NodeKind::Item,
            _ => NodeKind::Other,
        }
    }

    /// The name used in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Item => "item",
            NodeKind::Lot => "lot",
            NodeKind::Class => "class",
            NodeKind::LogisticUnit => "logistic-unit",
            NodeKind::Location => "location",
            NodeKind::Party => "party",
            NodeKind::Other => "other",
        }
    }

    /// Places and parties end a path (see the module documentation).
    fn is_terminal(self) -> bool {
        matches!(self, NodeKind::Location | NodeKind::Party)
    }
}

/// How two nodes are related; every edge points downstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// The place where the object was commissioned (created, harvested) → the object.
    CommissionedAt,
    /// A lot → an item of that lot.
    LotMember,
    /// A child → the parent it was packed into.
    PackedInto,
    /// An input → an output of a transformation.
    TransformedInto,
    /// A source → the objects shipped or received from it.
    ShippedFrom,
    /// The objects → a destination.
    ShippedTo,
}

impl Relation {
    /// The name used in answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::CommissionedAt => "commissioned-at",
            Relation::LotMember => "lot-member",
            Relation::PackedInto => "packed-into",
            Relation::TransformedInto => "transformed-into",
            Relation::ShippedFrom => "shipped-from",
            Relation::ShippedTo => "shipped-to",
        }
    }
}

/// A node of the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The identifier in its normal form.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Hops from the traced identifier.
    pub depth: u32,
    /// Whether it was reached going up (true) or down (false); the start is neither.
    pub upstream: Option<bool>,
}

/// An edge of the trace, pointing downstream, and the event that made it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Upstream end.
    pub from: String,
    /// Downstream end.
    pub to: String,
    /// How they are related.
    pub relation: Relation,
    /// The log index of the event.
    pub log_index: u64,
}

/// A trace: the nodes reached, the edges between them, and every event that mentions a node
/// (in log-index order), as stored.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The nodes, the traced identifier first, then by depth and identifier.
    pub nodes: Vec<Node>,
    /// The edges, by log index.
    pub edges: Vec<Edge>,
    /// The events, by log index.
    pub events: Vec<StoredEvent>,
    /// Whether `depth` stopped the trace while there was more to follow.
    pub depth_reached: bool,
}

/// What to trace.
#[derive(Clone, Debug)]
pub struct TraceRequest {
    /// The identifier: an EPC URN, EPC class, Digital Link (any host), or anything else as
    /// written.
    pub id: String,
    /// Which way.
    pub direction: Direction,
    /// At most this many hops.
    pub depth: u32,
    /// Which events the caller may see.
    pub visibility: Visibility,
}

/// The ILMD attribute of a lot number, as capture stores it.
fn lot_number_attribute() -> String {
    ilmd_attribute("urn:epcglobal:cbv:mda:lotNumber")
}

/// The edges one event makes, from its identifiers in normal form by role
/// ([`crate::capture::identifiers`], computed once per event: a commissioning of 10,000 tins
/// would otherwise normalise each tin several times).
fn event_edges(event: &Event, ids: &[(IdRole, String)]) -> Vec<(String, String, Relation)> {
    let id = |value: &String| normalize::identifier(value);
    let with = |roles: &[IdRole]| -> Vec<String> {
        ids.iter()
            .filter(|(role, _)| roles.contains(role))
            .map(|(_, value)| value.clone())
            .collect()
    };
    let action = event.action.as_deref().map(str::trim);
    let mut edges = Vec::new();

    // The objects the event is about, for commissioning and movements.
    let mut objects: Vec<String> = Vec::new();
    match event.event_type {
        Some(EventType::AggregationEvent) => {
            let children = with(&[IdRole::Child, IdRole::ChildQuantity]);
            let parent = with(&[IdRole::Parent]).into_iter().next();
            if matches!(action, Some("ADD" | "OBSERVE"))
                && let Some(parent) = &parent
            {
                for child in &children {
                    edges.push((child.clone(), parent.clone(), Relation::PackedInto));
                }
            }
            // A case shipped as a whole moves its contents with it.
            objects.extend(parent);
        }
        Some(EventType::TransformationEvent) => {
            let inputs = with(&[IdRole::Input, IdRole::InputQuantity]);
            let outputs = with(&[IdRole::Output, IdRole::OutputQuantity]);
            for input in &inputs {
                for output in &outputs {
                    edges.push((input.clone(), output.clone(), Relation::TransformedInto));
                }
            }
            objects.extend(outputs);
        }
        Some(EventType::ObjectEvent) | Some(EventType::TransactionEvent) => {
            objects.extend(with(&[IdRole::Epc, IdRole::Quantity]));
        }
        _ => {}
    }

    let creates = (action == Some("ADD")
        && matches!(event.event_type, Some(EventType::ObjectEvent)))
        || matches!(event.event_type, Some(EventType::TransformationEvent));
    if creates {
        let place = event
            .biz_location
            .as_ref()
            .and_then(|l| l.id.as_ref())
            .or_else(|| event.read_point.as_ref().and_then(|l| l.id.as_ref()));
        if let Some(place) = place {
            let place = id(place);
            for object in &objects {
                edges.push((place.clone(), object.clone(), Relation::CommissionedAt));
            }
        }
    }
    if action == Some("ADD")
        && matches!(event.event_type, Some(EventType::ObjectEvent))
        && let Some(lot) = ilmd_lot_number(event)
    {
        for item in with(&[IdRole::Epc]) {
            if let Some(gtin) = item
                .strip_prefix("https://id.gs1.org/01/")
                .and_then(|rest| rest.split_once("/21/"))
                .map(|(gtin, _)| gtin)
            {
                let lot = format!("https://id.gs1.org/01/{gtin}/10/{}", lot_path(&lot));
                edges.push((lot, item.clone(), Relation::LotMember));
            }
        }
    }
    for source in event.source_list.iter().flatten() {
        if let Some(value) = &source.value {
            for object in &objects {
                edges.push((id(value), object.clone(), Relation::ShippedFrom));
            }
        }
    }
    for destination in event.destination_list.iter().flatten() {
        if let Some(value) = &destination.value {
            for object in &objects {
                edges.push((object.clone(), id(value), Relation::ShippedTo));
            }
        }
    }
    edges.sort();
    edges.dedup();
    edges
}

/// The lot number an event's ILMD gives the objects it commissions.
pub fn ilmd_lot_number(event: &Event) -> Option<String> {
    let wanted = lot_number_attribute();
    event.ilmd.iter().flatten().find_map(|field| {
        if ilmd_attribute(&full_name(field)) != wanted {
            return None;
        }
        match &field.value {
            ExtValue::Literal(literal) if !matches!(literal, Literal::Null) => {
                Some(literal.text().trim().to_owned())
            }
            _ => None,
        }
    })
}

/// A lot number as it appears in a canonical Digital Link path: the same rule the normal form
/// of identifiers follows, by normalising a Digital Link of a placeholder GTIN with this lot
/// (percent-encoded here so that a `/` in the lot cannot split the path).
pub(crate) fn lot_path(lot: &str) -> String {
    let encoded = normalize::percent_encode_component(lot);
    let probe = normalize::identifier(&format!(
        "https://id.gs1.org/01/00000000000000/10/{encoded}"
    ));
    probe
        .strip_prefix("https://id.gs1.org/01/00000000000000/10/")
        .map(str::to_owned)
        .unwrap_or(encoded)
}

/// The parts of a lot's normal form: (GTIN, lot number as written in the path).
pub(crate) fn lot_parts(identifier: &str) -> Option<(&str, &str)> {
    identifier
        .strip_prefix("https://id.gs1.org/01/")?
        .split_once("/10/")
        .filter(|(_, lot)| !lot.contains('/'))
}

/// An event as the trace uses it, computed once from its stored bytes.
#[derive(Default)]
struct Seen {
    /// The edges it makes.
    edges: Vec<(String, String, Relation)>,
    /// Every identifier it names, in normal form.
    identifiers: Vec<String>,
}

/// Traces `request.id` through the stored events `request.visibility` may see.
pub async fn trace<S: Store>(store: &S, request: &TraceRequest) -> Result<Trace, StoreError> {
    let start = normalize::identifier(&request.id);
    let start_kind = NodeKind::of(&start);
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    nodes.insert(
        start.clone(),
        Node {
            id: start.clone(),
            kind: start_kind,
            depth: 0,
            upstream: None,
        },
    );
    // The frontier: identifiers to expand and whether going up (true) or down (false).
    let mut frontier: Vec<(String, bool)> = Vec::new();
    if matches!(request.direction, Direction::Up | Direction::Both) {
        frontier.push((start.clone(), true));
    }
    if matches!(request.direction, Direction::Down | Direction::Both) {
        frontier.push((start.clone(), false));
    }
    let mut expanded: HashSet<(String, bool)> = HashSet::new();
    let mut seen: HashMap<u64, Seen> = HashMap::new();
    let mut events: BTreeMap<u64, StoredEvent> = BTreeMap::new();
    let mut edges: BTreeSet<Edge> = BTreeSet::new();
    let mut depth_reached = false;

    for depth in 0..=request.depth {
        frontier.retain(|entry| expanded.insert(entry.clone()));
        if frontier.is_empty() {
            break;
        }
        let ids: Vec<String> = {
            let set: BTreeSet<&String> = frontier.iter().map(|(id, _)| id).collect();
            set.into_iter().cloned().collect()
        };
        let mut fetched = events_mentioning(store, &ids, &request.visibility).await?;
        // The items of a lot going down: events whose ILMD names the lot number.
        let lots: Vec<&String> = frontier
            .iter()
            .filter(|(id, up)| !up && NodeKind::of(id) == NodeKind::Lot)
            .map(|(id, _)| id)
            .collect();
        if !lots.is_empty() {
            fetched.extend(events_with_lot_numbers(store, &lots, &request.visibility).await?);
        }
        let mut touching: BTreeSet<u64> = BTreeSet::new();
        for event in fetched {
            touching.insert(event.index);
            if let std::collections::btree_map::Entry::Vacant(slot) = events.entry(event.index) {
                let parsed = std::str::from_utf8(&event.body)
                    .ok()
                    .and_then(|text| epcis::parse_json(text).ok())
                    .and_then(|parsed| parsed.document.events.into_iter().next());
                // A stored event that does not parse is damage `retu audit` reports; it adds no
                // edges here rather than failing the whole trace.
                let summary = parsed
                    .as_ref()
                    .map(|event| {
                        let ids = crate::capture::identifiers(event);
                        Seen {
                            edges: event_edges(event, &ids),
                            identifiers: ids.into_iter().map(|(_, id)| id).collect(),
                        }
                    })
                    .unwrap_or_default();
                seen.insert(event.index, summary);
                slot.insert(event);
            }
        }

        let expanding: HashSet<(&str, bool)> =
            frontier.iter().map(|(id, up)| (id.as_str(), *up)).collect();
        let mut next: Vec<(String, bool)> = Vec::new();
        for index in touching {
            let Some(seen) = seen.get(&index) else {
                continue;
            };
            for (from, to, relation) in &seen.edges {
                // A lot's items found through the ILMD query match only when the edge's lot
                // (built from the item's own GTIN) is the lot being expanded.
                let (far, up) = if expanding.contains(&(from.as_str(), false)) {
                    (to, false)
                } else if expanding.contains(&(to.as_str(), true)) {
                    (from, true)
                } else {
                    continue;
                };
                if depth == request.depth {
                    depth_reached = true;
                    continue;
                }
                edges.insert(Edge {
                    from: from.clone(),
                    to: to.clone(),
                    relation: *relation,
                    log_index: index,
                });
                let kind = NodeKind::of(far);
                nodes.entry(far.clone()).or_insert_with(|| Node {
                    id: far.clone(),
                    kind,
                    depth: depth + 1,
                    upstream: Some(up),
                });
                if !kind.is_terminal() {
                    next.push((far.clone(), up));
                }
            }
        }
        frontier = next;
    }

    // The events of the trace are those that name one of its identifiers; an event found
    // through the ILMD query for another GTIN with the same lot number is not.
    let node_ids: HashSet<&String> = nodes.keys().collect();
    let events: Vec<StoredEvent> = events
        .into_values()
        .filter(|event| {
            seen.get(&event.index)
                .is_some_and(|s| s.identifiers.iter().any(|id| node_ids.contains(id)))
        })
        .collect();

    let mut nodes: Vec<Node> = nodes.into_values().collect();
    nodes.sort_by(|a, b| (a.id != start, a.depth, &a.id).cmp(&(b.id != start, b.depth, &b.id)));
    let mut edges: Vec<Edge> = edges.into_iter().collect();
    edges.sort_by(|a, b| (a.log_index, &a.from, &a.to).cmp(&(b.log_index, &b.from, &b.to)));
    Ok(Trace {
        nodes,
        edges,
        events,
        depth_reached,
    })
}

/// Every visible event that names one of `ids` in any role.
async fn events_mentioning<S: Store>(
    store: &S,
    ids: &[String],
    visibility: &Visibility,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let mut query = EventQuery::all(visibility.clone(), u32::MAX);
        query.conditions.push(Condition::Identifier {
            roles: IdRole::ALL.to_vec(),
            values: chunk.to_vec(),
            prefixes: Vec::new(),
        });
        found.extend(store.query_events(&query).await?);
    }
    Ok(found)
}

/// Every visible event whose ILMD gives one of the lots' numbers (of any GTIN; the edges keep
/// only items of the lot's own GTIN).
async fn events_with_lot_numbers<S: Store>(
    store: &S,
    lots: &[&String],
    visibility: &Visibility,
) -> Result<Vec<StoredEvent>, StoreError> {
    let numbers: Vec<String> = lots
        .iter()
        .filter_map(|lot| lot_parts(lot))
        .map(|(_, number)| percent_decode(number))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut found = Vec::new();
    for chunk in numbers.chunks(LOOKUP_CHUNK) {
        let mut query = EventQuery::all(visibility.clone(), u32::MAX);
        query.conditions.push(Condition::Attribute {
            name: lot_number_attribute(),
            values: chunk.to_vec(),
        });
        found.extend(store.query_events(&query).await?);
    }
    Ok(found)
}

/// Undoes the percent-encoding of a Digital Link path segment (lot numbers may hold
/// characters the path encodes).
pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_key() {
        assert_eq!(
            NodeKind::of("https://id.gs1.org/01/06901234000017/21/S1"),
            NodeKind::Item
        );
        assert_eq!(
            NodeKind::of("https://id.gs1.org/01/06901234000017/10/L1"),
            NodeKind::Lot
        );
        assert_eq!(
            NodeKind::of("https://id.gs1.org/00/069012340000000017"),
            NodeKind::LogisticUnit
        );
        assert_eq!(
            NodeKind::of("https://id.gs1.org/414/6901234000024"),
            NodeKind::Location
        );
        assert_eq!(
            NodeKind::of("https://id.gs1.org/417/6901234000000"),
            NodeKind::Party
        );
        assert_eq!(NodeKind::of("urn:uuid:1"), NodeKind::Other);
    }

    #[test]
    fn lot_numbers_round_trip_through_the_path() {
        assert_eq!(lot_path("TEA24/A"), "TEA24%2FA");
        assert_eq!(percent_decode(&lot_path("TEA24/A")), "TEA24/A");
        assert_eq!(lot_path("LEAF-P1"), "LEAF-P1");
        // The lot of an item normalises as the lot of its LGTIN URN does.
        assert_eq!(
            format!(
                "https://id.gs1.org/01/06901234333336/10/{}",
                lot_path("T/A")
            ),
            normalize::identifier("urn:epc:class:lgtin:6901234.033333.T%2FA")
        );
        assert_eq!(
            lot_parts("https://id.gs1.org/01/06901234000017/10/L%201"),
            Some(("06901234000017", "L%201"))
        );
    }
}
