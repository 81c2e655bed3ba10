//! The lots of a product, read from the stored events rather than kept in a table of their
//! own: a lot is a GTIN and a lot number, and it exists once an event names it. The events
//! already say everything a form needs about it (when it was first recorded, by whom, how
//! much, where), and a second copy could only disagree with them.
//!
//! An event names a lot of a product in two ways: a lot-level class
//! (`https://id.gs1.org/01/{gtin}/10/{lot}`, `urn:epc:class:lgtin:…`) in any of its
//! identifier lists — typically the `quantityList` of a harvest —, or an `ADD` ObjectEvent
//! commissioning serials of the GTIN with the lot number in its ILMD (`cbvmda:lotNumber`),
//! as lineage reads them.

use epcis::model::{Event, EventType};
use store::{Condition, EventQuery, IdRole, Order, Store, StoreError, StoredEvent, Visibility};

use crate::capture::identifiers;
use crate::lineage::{ilmd_lot_number, lot_parts, lot_path, percent_decode};
use crate::normalize;

/// Events read per query while collecting a product's lots.
const PAGE: u32 = 1000;

/// The event that first named a lot.
#[derive(Clone, Debug, PartialEq)]
pub struct FirstEvent {
    /// Its event ID.
    pub event_id: String,
    /// Its log index.
    pub index: u64,
    /// Its event time, µs since the epoch, UTC.
    pub event_time: i64,
    /// Its business step, as stored (a CBV Web URI).
    pub biz_step: Option<String>,
    /// Its business location (or read point), normalised.
    pub location: Option<String>,
    /// The organisation that recorded it.
    pub org_id: i64,
    /// The quantity of the lot it gives, as written (`40.5`), when it lists the lot's class.
    pub quantity: Option<String>,
    /// That quantity's unit (UN/CEFACT code, `KGM`).
    pub uom: Option<String>,
}

/// A lot of a product and the events that name it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lot {
    /// The lot number, as written.
    pub lot: String,
    /// The lot's identifier in normal form (`https://id.gs1.org/01/{gtin}/10/{lot}`).
    pub id: String,
    /// The earliest event (by event time, then log index) that names it.
    pub first_event: FirstEvent,
    /// How many events name it.
    pub events: u64,
}

/// The lots of the product with `gtin` (14 digits) that the events `visibility` may see
/// name, ordered by their first event.
pub async fn lots_of<S: Store>(
    store: &S,
    visibility: &Visibility,
    gtin: &str,
) -> Result<Vec<Lot>, StoreError> {
    let class = format!("https://id.gs1.org/01/{gtin}");
    let mut query = EventQuery::all(visibility.clone(), PAGE);
    query.order = Order::EventTime;
    query.conditions.push(Condition::Identifier {
        roles: IdRole::ALL.to_vec(),
        values: Vec::new(),
        prefixes: vec![format!("{class}/")],
    });
    let mut lots: Vec<Lot> = Vec::new();
    loop {
        let page = store.query_events(&query).await?;
        let Some(last) = page.last() else {
            break;
        };
        query.after = Some((last.event_time, last.index));
        for stored in &page {
            let event = parse(stored)?;
            for (path, id) in lots_named(&event, gtin) {
                match lots.iter_mut().find(|lot| lot.id == id) {
                    Some(lot) => lot.events += 1,
                    None => lots.push(Lot {
                        lot: percent_decode(&path),
                        first_event: first_event(stored, &event, &id),
                        id,
                        events: 1,
                    }),
                }
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    Ok(lots)
}

fn parse(stored: &StoredEvent) -> Result<Event, StoreError> {
    std::str::from_utf8(&stored.body)
        .ok()
        .and_then(|text| epcis::parse_json(text).ok())
        .and_then(|parsed| parsed.document.events.into_iter().next())
        .ok_or_else(|| StoreError::Corrupt(format!("event {} does not parse", stored.event_id)))
}

/// The lots of `gtin` an event names, as (lot number in the path, normal form), each once.
fn lots_named(event: &Event, gtin: &str) -> Vec<(String, String)> {
    let ids = identifiers(event);
    let mut found: Vec<(String, String)> = ids
        .iter()
        .filter_map(|(_, id)| {
            let (of, lot) = lot_parts(id)?;
            (of == gtin).then(|| (lot.to_owned(), id.clone()))
        })
        .collect();
    let commissions = event.action.as_deref().map(str::trim) == Some("ADD")
        && matches!(event.event_type, Some(EventType::ObjectEvent));
    let serials = format!("https://id.gs1.org/01/{gtin}/21/");
    if commissions
        && let Some(number) = ilmd_lot_number(event)
        && ids
            .iter()
            .any(|(role, id)| *role == IdRole::Epc && id.starts_with(&serials))
    {
        let path = lot_path(&number);
        let id = format!("https://id.gs1.org/01/{gtin}/10/{path}");
        found.push((path, id));
    }
    found.sort();
    found.dedup();
    found
}

fn first_event(stored: &StoredEvent, event: &Event, lot: &str) -> FirstEvent {
    let element = [
        &event.quantity_list,
        &event.output_quantity_list,
        &event.child_quantity_list,
        &event.input_quantity_list,
    ]
    .into_iter()
    .flatten()
    .flatten()
    .find(|element| {
        element
            .epc_class
            .as_deref()
            .is_some_and(|class| normalize::identifier(class) == lot)
    });
    let place = event
        .biz_location
        .as_ref()
        .or(event.read_point.as_ref())
        .and_then(|l| l.id.as_deref())
        .map(normalize::identifier);
    FirstEvent {
        event_id: stored.event_id.clone(),
        index: stored.index,
        event_time: stored.event_time,
        biz_step: event
            .biz_step
            .as_deref()
            .map(|step| normalize::term(epcis::cbv::Vocabulary::BizStep, step)),
        location: place,
        org_id: stored.org_id,
        quantity: element
            .and_then(|e| e.quantity.as_ref())
            .map(|q| q.text().trim().to_owned()),
        uom: element.and_then(|e| e.uom.clone()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn event(json: &str) -> Event {
        epcis::parse_json(json)
            .expect("event")
            .document
            .events
            .into_iter()
            .next()
            .expect("one")
    }

    const CONTEXT: &str =
        r#""@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]"#;

    #[test]
    fn lots_are_named_by_class_or_by_ilmd_lot_number() {
        let gtin = "06909999000005";
        let harvest = event(&format!(
            r#"{{{CONTEXT},"type":"ObjectEvent","action":"ADD","eventTime":"2026-04-01T08:00:00Z","eventTimeZoneOffset":"+00:00",
            "epcList":[],"quantityList":[
              {{"epcClass":"urn:epc:class:lgtin:6909999.000000.HC%2F1","quantity":40.5,"uom":"KGM"}},
              {{"epcClass":"https://id.gs1.org/01/06909999000012/10/OTHER","quantity":1}}]}}"#
        ));
        let named = lots_named(&harvest, gtin);
        assert_eq!(named.len(), 1, "{named:?}");
        let (path, id) = &named[0];
        assert_eq!(percent_decode(path), "HC/1");
        assert_eq!(
            id,
            &normalize::identifier("https://id.gs1.org/01/06909999000005/10/HC%2F1")
        );

        let tins = event(&format!(
            r#"{{{CONTEXT},"type":"ObjectEvent","action":"ADD","eventTime":"2026-04-02T08:00:00Z","eventTimeZoneOffset":"+00:00",
            "epcList":["https://id.gs1.org/01/06909999000005/21/T1"],
            "ilmd":{{"cbvmda:lotNumber":"TIN-A"}}}}"#
        ));
        assert_eq!(
            lots_named(&tins, gtin),
            [(
                "TIN-A".to_owned(),
                "https://id.gs1.org/01/06909999000005/10/TIN-A".to_owned()
            )]
        );
        // Observing serials names no lot; neither does another GTIN's ILMD.
        let seen = event(&format!(
            r#"{{{CONTEXT},"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-04-02T08:00:00Z","eventTimeZoneOffset":"+00:00",
            "epcList":["https://id.gs1.org/01/06909999000005/21/T1"]}}"#
        ));
        assert!(lots_named(&seen, gtin).is_empty());
        assert!(lots_named(&tins, "06909999000012").is_empty());
    }
}
