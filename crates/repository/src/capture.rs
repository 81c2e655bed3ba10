//! The capture pipeline: the one path every event takes into Retu, whether it comes from the
//! EPCIS REST API, a farmer's form or an import.
//!
//! A submission is read (JSON-LD or XML), validated completely (every problem, with a pointer),
//! checked against what the capturing organisation owns, hashed (the CBV 2.0 event hash ID),
//! written as a standalone JSON-LD event (the bytes stored and served, whichever binding came
//! in), given its log leaf, and sequenced into the log in one durable transaction. Nothing is
//! half-stored: with the default `rollback` behaviour one bad event stops the whole submission.
//!
//! Ownership rule (documented in `docs/epcis.md`): an organisation may record events only at
//! locations it owns (a GLN under one of its company prefixes, or a location registered to it),
//! and may create identities only under its own company prefixes or of the single GTINs it
//! owns (allocated from the county's prefix, [`owns`]): the `epcList` and
//! `quantityList` of an `ADD` ObjectEvent, the `parentID` of an `ADD` Aggregation or Association
//! event, and the outputs of a TransformationEvent. Observing, shipping or receiving other
//! companies' goods at one's own location is allowed. The admin organisation may record
//! anything.

use epcis::cbv::Vocabulary;
use epcis::hash::{HashContext, HashOptions, hash_prehash};
use epcis::model::{Document, Event, EventType, ExtValue, Extension, Literal};
use epcis::write_json::{Stamp, event_json, json_limitation};
use ledger::leaf::{EntryKind, Leaf, body_digest, format_time};
use ledger::{Ledger, LedgerError};
use store::{Appended, IdRole, NewEvent, Org, OrgAssets, Role, Store, StoreError};

use crate::normalize;
use crate::query::ilmd_attribute;

/// What to do when some events of a submission are invalid (EPCIS 2.0 REST binding,
/// `GS1-Capture-Error-Behaviour`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorBehaviour {
    /// Store nothing if any event is invalid (the default).
    Rollback,
    /// Store the valid events and report the others.
    Proceed,
}

/// One problem with one part of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// A JSON pointer into the submitted document (or an XML path).
    pub pointer: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Problem {
    fn at(pointer: &str, message: impl Into<String>) -> Self {
        Problem {
            pointer: pointer.to_owned(),
            message: message.into(),
        }
    }
}

/// Why a submission was refused as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The body is not JSON or XML at all.
    #[error("the document cannot be read: {0}")]
    Unreadable(String),
    /// The document or some events are invalid (rollback: nothing stored).
    #[error("the document is not valid EPCIS ({} problems)", .0.len())]
    Invalid(Vec<Problem>),
    /// Some events are at locations, or create identities, the organisation does not own.
    #[error("not allowed ({} problems)", .0.len())]
    Forbidden(Vec<Problem>),
    /// An event reuses the ID of a stored event with different content.
    #[error("event IDs already used for other events ({} problems)", .0.len())]
    Conflict(Vec<Problem>),
    /// More events than one submission may carry.
    #[error("{count} events is more than the {limit} one capture may carry")]
    TooMany {
        /// Events in the submission.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Storing failed.
    #[error(transparent)]
    Log(#[from] LedgerError),
}

/// One stored (or already stored) event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapturedEvent {
    /// Its event ID.
    pub event_id: String,
    /// Its canonical hash ID.
    pub event_hash: String,
    /// Its log index.
    pub index: u64,
    /// False when an identical event was already stored (a resend): nothing was added.
    pub new: bool,
}

/// The outcome of a capture that stored what it could.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Captured {
    /// The events, in document order (for `proceed`, only the valid ones).
    pub events: Vec<CapturedEvent>,
    /// With `proceed`: the problems of the events that were left out.
    pub problems: Vec<Problem>,
}

/// The most events one submission may carry (advertised as `GS1-EPCIS-Capture-Limit`).
pub const CAPTURE_LIMIT: usize = 100_000;

/// Who is capturing, with what they own.
#[derive(Clone, Debug)]
pub struct Captor {
    /// The organisation.
    pub org: Org,
    /// Its company prefixes and locations.
    pub assets: OrgAssets,
}

/// Captures a submitted document (`single_event`: a lone event, as `POST /events` takes).
pub async fn capture<S: Store>(
    ledger: &Ledger<S>,
    captor: &Captor,
    bytes: &[u8],
    behaviour: ErrorBehaviour,
    shared: bool,
    now_micros: i64,
) -> Result<Captured, CaptureError> {
    // Phase timings go to the debug log: they are how `docs/benchmarks.md` says where capture
    // time goes.
    let started = std::time::Instant::now();
    let parsed = epcis::parse(bytes).map_err(|e| CaptureError::Unreadable(e.to_string()))?;
    let document = &parsed.document;
    if document.events.len() > CAPTURE_LIMIT {
        return Err(CaptureError::TooMany {
            count: document.events.len(),
            limit: CAPTURE_LIMIT,
        });
    }
    if document.events.is_empty() {
        return Err(CaptureError::Invalid(vec![Problem::at(
            "",
            "the document has no events",
        )]));
    }
    let record_time = format_time(now_micros).map_err(|e| LedgerError::Corrupt(e.to_string()))?;
    // The event hash IDs. A submitter's `ignoreFields` list is not honoured: the stored event
    // would not carry it, and its hash must come out the same when recomputed from what is
    // stored.
    let context = HashContext::for_document(
        document,
        HashOptions {
            ignore_fields: false,
        },
    );

    // Problems found while reading, and those of the document's own fields, assigned to the
    // event they are in; the rest belong to the document and block everything.
    let owners = EventOwners::new(&parsed.event_locations);
    let mut per_event: Vec<Vec<Problem>> = vec![Vec::new(); document.events.len()];
    let mut document_problems = Vec::new();
    for problem in parsed.validate_document() {
        let item = Problem::at(&problem.pointer, problem.message);
        match owners
            .owner(&problem.pointer)
            .and_then(|index| per_event.get_mut(index))
        {
            Some(list) => list.push(item),
            None => document_problems.push(item),
        }
    }
    let read = started.elapsed();

    // Checking each event's values, hashing it, writing the stored JSON-LD and re-reading it
    // are per-event and independent, and they are most of a capture's CPU time: spread them
    // over the machine's cores. An event with problems is not prepared, but every event is
    // checked, so that one answer lists every problem.
    let positions: Vec<usize> = (0..document.events.len()).collect();
    let check_and_prepare = |position: usize| {
        let problems = parsed.validate_event(position);
        let already_invalid = per_event.get(position).is_none_or(|list| !list.is_empty());
        let outcome = if problems.is_empty() && !already_invalid && document_problems.is_empty() {
            let location = parsed
                .event_locations
                .get(position)
                .map_or("", String::as_str);
            document.events.get(position).map(|event| {
                prepare(
                    document,
                    event,
                    &context,
                    location,
                    captor,
                    &record_time,
                    now_micros,
                    shared,
                )
            })
        } else {
            None
        };
        (position, problems, outcome)
    };
    let outcomes = parallel_map(&positions, &check_and_prepare);
    let mut prepared: Vec<(usize, NewEvent)> = Vec::with_capacity(outcomes.len());
    let mut forbidden = Vec::new();
    for (position, problems, outcome) in outcomes {
        let Some(list) = per_event.get_mut(position) else {
            continue;
        };
        list.extend(
            problems
                .into_iter()
                .map(|problem| Problem::at(&problem.pointer, problem.message)),
        );
        match outcome {
            Some(Ok(new_event)) => prepared.push((position, new_event)),
            Some(Err(Refusal::Invalid(problems))) => list.extend(problems),
            Some(Err(Refusal::Forbidden(problems))) => {
                forbidden.extend(problems.iter().cloned());
                list.extend(problems);
            }
            None => {}
        }
    }
    if !document_problems.is_empty() {
        document_problems.extend(per_event.into_iter().flatten());
        return Err(CaptureError::Invalid(document_problems));
    }
    let invalid: Vec<Problem> = per_event.iter().flatten().cloned().collect();
    if behaviour == ErrorBehaviour::Rollback && !invalid.is_empty() {
        if forbidden.len() == invalid.len() {
            return Err(CaptureError::Forbidden(forbidden));
        }
        return Err(CaptureError::Invalid(invalid));
    }

    // The parsed document is the bulk of a capture's memory; only the prepared events and where
    // they were in the document are needed from here on.
    let (positions, new_events): (Vec<usize>, Vec<NewEvent>) = prepared.into_iter().unzip();
    let locations: Vec<String> = positions
        .iter()
        .map(|position| {
            parsed
                .event_locations
                .get(*position)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    drop(parsed);
    let identities: Vec<(String, String)> = new_events
        .iter()
        .map(|event| (event.event_id.clone(), event.event_hash.clone()))
        .collect();
    let checked = started.elapsed();
    // An event ID the sender chose may already belong to a different event; the store refuses
    // that inside its transaction rather than silently keep the old one.
    let outcomes = match ledger.append(new_events).await {
        Err(LedgerError::Store(StoreError::EventIdsTaken(taken))) => {
            let conflicts = taken
                .into_iter()
                .filter_map(|at| {
                    let (event_id, _) = identities.get(at)?;
                    Some(Problem::at(
                        &format!("{}/eventID", locations.get(at)?),
                        format!("eventID {event_id} is already used by a different event"),
                    ))
                })
                .collect();
            return Err(CaptureError::Conflict(conflicts));
        }
        other => other?,
    };
    tracing::debug!(
        events = identities.len(),
        read_ms = read.as_millis(),
        check_hash_and_write_ms = (checked - read).as_millis(),
        store_ms = (started.elapsed() - checked).as_millis(),
        "captured"
    );
    let events = identities
        .into_iter()
        .zip(outcomes)
        .map(|((event_id, event_hash), outcome)| CapturedEvent {
            event_id,
            event_hash,
            index: outcome.index(),
            new: matches!(outcome, Appended::New { .. }),
        })
        .collect();
    Ok(Captured {
        events,
        problems: invalid,
    })
}

/// Finds the event a problem's pointer is in: the longest event location that is the pointer
/// itself or a prefix of it ending at a `/` or `[`. A lookup per prefix keeps this linear in the
/// pointer's length, however many events and problems a document has.
struct EventOwners<'a> {
    by_location: std::collections::HashMap<&'a str, usize>,
}

impl<'a> EventOwners<'a> {
    fn new(locations: &'a [String]) -> Self {
        EventOwners {
            by_location: locations
                .iter()
                .enumerate()
                .map(|(index, location)| (location.as_str(), index))
                .collect(),
        }
    }

    fn owner(&self, pointer: &str) -> Option<usize> {
        let ends = pointer
            .char_indices()
            .filter(|(_, c)| matches!(c, '/' | '['))
            .map(|(at, _)| at)
            .chain(std::iter::once(pointer.len()));
        let prefixes: Vec<&str> = ends.filter_map(|end| pointer.get(..end)).collect();
        prefixes
            .into_iter()
            .rev()
            .find_map(|prefix| self.by_location.get(prefix).copied())
    }
}

/// Applies `work` to every item on all cores, keeping the items' order. Small inputs stay on the
/// calling thread: starting threads costs more than a few events take.
fn parallel_map<T: Copy + Sync, R: Send>(items: &[T], work: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
    const SMALL: usize = 64;
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if threads == 1 || items.len() <= SMALL {
        return items.iter().map(|item| work(*item)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|item| work(*item)).collect::<Vec<R>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| match handle.join() {
                Ok(results) => results,
                // A panic in `work` is a bug; carry it to the caller as if it had happened here.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
}

enum Refusal {
    Invalid(Vec<Problem>),
    Forbidden(Vec<Problem>),
}

/// Turns one valid event into what the store keeps: normalised search fields, the stored
/// JSON-LD bytes, and the leaf.
#[allow(clippy::too_many_arguments)]
fn prepare(
    document: &Document,
    event: &Event,
    context: &HashContext,
    location: &str,
    captor: &Captor,
    record_time: &str,
    now_micros: i64,
    shared: bool,
) -> Result<NewEvent, Refusal> {
    let event_hash = hash_prehash(&context.prehash(event));
    let invalid = |pointer: &str, message: &str| {
        Refusal::Invalid(vec![Problem::at(&format!("{location}{pointer}"), message)])
    };
    let event_time = event
        .event_time
        .as_deref()
        .and_then(normalize::micros)
        .ok_or_else(|| {
            invalid(
                "/eventTime",
                "eventTime must be an RFC 3339 time with a time zone",
            )
        })?;
    let event_id = event.event_id.clone().unwrap_or_else(|| event_hash.clone());

    check_ownership(event, location, captor).map_err(Refusal::Forbidden)?;

    if let Some(reason) = json_limitation(event) {
        return Err(invalid(
            "",
            &format!(
                "this event cannot be stored as JSON-LD without changing its event hash: {reason}"
            ),
        ));
    }
    // The bytes stored and served. Reading them back must give the same event hash, or the log
    // would commit to something an auditor cannot reproduce; refuse such an event instead.
    let body = event_json(
        event,
        &document.context,
        document.syntax,
        Stamp {
            event_id: Some(&event_id),
            record_time: Some(record_time),
        },
    );
    let reread = epcis::parse_json(&body).ok().and_then(|p| {
        p.document
            .events
            .first()
            .map(|e| hash_prehash(&HashContext::for_json_event(e).prehash(e)))
    });
    if reread.as_deref() != Some(event_hash.as_str()) {
        return Err(invalid(
            "",
            "this event cannot be stored as JSON-LD without changing its event hash (an extension shape the JSON-LD binding cannot carry); simplify its extensions",
        ));
    }

    let leaf = Leaf {
        kind: EntryKind::EpcisEvent,
        subject: event_hash.clone(),
        body_sha256: body_digest(body.as_bytes()),
        org: captor.org.public_id.clone(),
        record_time: now_micros,
    }
    .encode()
    .map_err(|e| invalid("", &e.to_string()))?;

    Ok(NewEvent {
        event_id,
        event_hash,
        org_id: captor.org.id,
        shared,
        event_type: event
            .event_type
            .as_ref()
            .map_or_else(|| "ObjectEvent".to_owned(), |t| t.as_str().to_owned()),
        event_time,
        record_time: now_micros,
        action: event.action.clone(),
        biz_step: event
            .biz_step
            .as_deref()
            .map(|s| normalize::term(Vocabulary::BizStep, s)),
        disposition: event
            .disposition
            .as_deref()
            .map(|s| normalize::term(Vocabulary::Disposition, s)),
        read_point: event
            .read_point
            .as_ref()
            .and_then(|l| l.id.as_deref())
            .map(normalize::identifier),
        biz_location: event
            .biz_location
            .as_ref()
            .and_then(|l| l.id.as_deref())
            .map(normalize::identifier),
        identifiers: identifiers(event),
        attributes: attributes(event),
        fields: field_bits(event),
        body: body.into_bytes(),
        leaf,
    })
}

/// Every identifier of an event with its role, normalised.
pub fn identifiers(event: &Event) -> Vec<(IdRole, String)> {
    let mut out = Vec::new();
    let mut push = |role: IdRole, values: Option<&Vec<String>>| {
        for value in values.into_iter().flatten() {
            out.push((role, normalize::identifier(value)));
        }
    };
    push(IdRole::Epc, event.epc_list.as_ref());
    push(IdRole::Child, event.child_epcs.as_ref());
    push(IdRole::Input, event.input_epc_list.as_ref());
    push(IdRole::Output, event.output_epc_list.as_ref());
    if let Some(parent) = &event.parent_id {
        out.push((IdRole::Parent, normalize::identifier(parent)));
    }
    for (role, list) in [
        (IdRole::Quantity, &event.quantity_list),
        (IdRole::ChildQuantity, &event.child_quantity_list),
        (IdRole::InputQuantity, &event.input_quantity_list),
        (IdRole::OutputQuantity, &event.output_quantity_list),
    ] {
        for element in list.iter().flatten() {
            if let Some(class) = &element.epc_class {
                out.push((role, normalize::identifier(class)));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The standard EPCIS event fields an `EXISTS_` query can ask about, in bit order: bit `i` of
/// [`field_bits`] is set when field `STANDARD_FIELDS[i]` is present. Append only: the bits are
/// stored.
pub const STANDARD_FIELDS: [&str; 23] = [
    "eventID",
    "certificationInfo",
    "errorDeclaration",
    "parentID",
    "epcList",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
    "transformationID",
    "bizStep",
    "disposition",
    "persistentDisposition",
    "readPoint",
    "bizLocation",
    "bizTransactionList",
    "sourceList",
    "destinationList",
    "sensorElementList",
    "ilmd",
];

/// The bit of a standard field, for `EXISTS_` queries.
pub fn field_bit(name: &str) -> Option<u32> {
    STANDARD_FIELDS
        .iter()
        .position(|field| *field == name)
        .map(|position| 1 << position)
}

/// Which standard fields an event has, as bits (see [`STANDARD_FIELDS`]).
pub fn field_bits(event: &Event) -> u32 {
    let present = [
        event.event_id.is_some(),
        event.certification_info.is_some(),
        event.error_declaration.is_some(),
        event.parent_id.is_some(),
        event.epc_list.is_some(),
        event.child_epcs.is_some(),
        event.input_epc_list.is_some(),
        event.output_epc_list.is_some(),
        event.quantity_list.is_some(),
        event.child_quantity_list.is_some(),
        event.input_quantity_list.is_some(),
        event.output_quantity_list.is_some(),
        event.transformation_id.is_some(),
        event.biz_step.is_some(),
        event.disposition.is_some(),
        event.persistent_disposition.is_some(),
        event.read_point.is_some(),
        event.biz_location.is_some(),
        event.biz_transaction_list.is_some(),
        event.source_list.is_some(),
        event.destination_list.is_some(),
        event.sensor_element_list.is_some(),
        event.ilmd.is_some(),
    ];
    present
        .iter()
        .enumerate()
        .filter(|(_, is_present)| **is_present)
        .fold(0, |bits, (position, _)| bits | (1 << position))
}

/// The full name of an extension: namespace IRI and local name (for XML, whose namespaces do
/// not end in a separator, joined with `#`), or the name as written.
pub(crate) fn full_name(extension: &Extension) -> String {
    match &extension.name.namespace {
        Some(namespace) if namespace.ends_with([':', '/', '#']) => {
            format!("{namespace}{}", extension.name.local)
        }
        Some(namespace) => format!("{namespace}#{}", extension.name.local),
        None => extension.name.raw.clone(),
    }
}

/// The searchable (name, value) pairs: business transactions, sources and destinations by
/// type, ILMD fields, and `has` for each extension field present (`EXISTS_`; standard fields
/// are bits, see [`field_bits`]).
fn attributes(event: &Event) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for transaction in event.biz_transaction_list.iter().flatten() {
        if let Some(value) = &transaction.value {
            let kind = transaction
                .kind
                .as_deref()
                .map(|k| normalize::term(Vocabulary::BizTransactionType, k))
                .unwrap_or_default();
            out.push((format!("bizTransaction:{kind}"), value.trim().to_owned()));
        }
    }
    for (prefix, list) in [
        ("source", &event.source_list),
        ("destination", &event.destination_list),
    ] {
        for party in list.iter().flatten() {
            if let Some(value) = &party.value {
                let kind = party
                    .kind
                    .as_deref()
                    .map(|k| normalize::term(Vocabulary::SourceDestType, k))
                    .unwrap_or_default();
                out.push((format!("{prefix}:{kind}"), normalize::identifier(value)));
            }
        }
    }
    for field in event.ilmd.iter().flatten() {
        if let ExtValue::Literal(literal) = &field.value
            && !matches!(literal, Literal::Null)
        {
            out.push((
                ilmd_attribute(&full_name(field)),
                literal.text().trim().to_owned(),
            ));
        }
    }
    for extension in &event.extensions {
        out.push(("has".to_owned(), extension.name.raw.clone()));
    }
    out.sort();
    out.dedup();
    out
}

/// Where the GS1 company prefix starts in the value of each key of a canonical Digital Link
/// (GS1 General Specifications §3.2: GTIN, SSCC and ITIP start with an indicator or extension
/// digit, GRAI with a 0 pad).
fn company_digits(digital_link: &str) -> Option<&str> {
    let path = digital_link.strip_prefix("https://id.gs1.org/")?;
    let mut parts = path.split('/');
    let (key, value) = (parts.next()?, parts.next()?);
    let skip = match key {
        "01" | "00" | "8006" | "8003" => 1,
        "414" | "417" | "253" | "255" | "8004" | "8010" | "8017" | "8018" | "401" | "402" => 0,
        _ => return None,
    };
    value.get(skip..)
}

/// Whether the key of a canonical Digital Link (`https://id.gs1.org/…`) is under one of
/// `prefixes`; `None` for a key that has no company prefix. The ownership rule of capture,
/// also used by recalls and label printing.
pub fn owned_by(prefixes: &[String], digital_link: &str) -> Option<bool> {
    let digits = company_digits(digital_link)?;
    Some(
        prefixes
            .iter()
            .any(|prefix| digits.starts_with(prefix.as_str())),
    )
}

/// The GTIN (14 digits) of a canonical Digital Link keyed by one (`/01/{gtin}`, with or
/// without a lot or serial).
fn gtin_of(digital_link: &str) -> Option<&str> {
    let rest = digital_link.strip_prefix("https://id.gs1.org/01/")?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Whether `assets` cover the key of a canonical Digital Link: it is under one of their
/// company prefixes ([`owned_by`]), or it is a GTIN, or a lot or serial of a GTIN, that the
/// organisation owns on its own (allocated from the county's prefix, `docs/master-data.md`).
/// Owning a GTIN gives its product and that product's lots and serials, nothing else of the
/// prefix it is under: no other GTIN, GLN, SSCC or asset number. `None` for a key without a
/// company prefix.
pub fn owns(assets: &OrgAssets, digital_link: &str) -> Option<bool> {
    let by_prefix = owned_by(&assets.company_prefixes, digital_link)?;
    Some(
        by_prefix
            || gtin_of(digital_link).is_some_and(|gtin| assets.gtins.iter().any(|g| g == gtin)),
    )
}

fn check_ownership(event: &Event, location: &str, captor: &Captor) -> Result<(), Vec<Problem>> {
    if captor.org.role == Role::Admin {
        return Ok(());
    }
    let prefixes = &captor.assets.company_prefixes;
    let mut problems = Vec::new();
    for (field, place) in [
        ("readPoint", &event.read_point),
        ("bizLocation", &event.biz_location),
    ] {
        if let Some(id) = place.as_ref().and_then(|l| l.id.as_deref()) {
            let normal = normalize::identifier(id);
            let registered = captor.assets.locations.contains(&normal);
            let by_prefix = owned_by(prefixes, &normal).unwrap_or(false);
            if !registered && !by_prefix {
                problems.push(Problem::at(
                    &format!("{location}/{field}/id"),
                    format!(
                        "{id} is not a location of {}; register it in your master data first",
                        captor.org.name
                    ),
                ));
            }
        }
    }
    let add = event.action.as_deref() == Some("ADD");
    let mut created: Vec<(String, &String)> = Vec::new();
    match event.event_type {
        Some(EventType::ObjectEvent) if add => {
            for (i, epc) in event.epc_list.iter().flatten().enumerate() {
                created.push((format!("{location}/epcList/{i}"), epc));
            }
            for (i, q) in event.quantity_list.iter().flatten().enumerate() {
                if let Some(class) = &q.epc_class {
                    created.push((format!("{location}/quantityList/{i}/epcClass"), class));
                }
            }
        }
        Some(EventType::AggregationEvent | EventType::AssociationEvent) if add => {
            if let Some(parent) = &event.parent_id {
                created.push((format!("{location}/parentID"), parent));
            }
        }
        Some(EventType::TransformationEvent) => {
            for (i, epc) in event.output_epc_list.iter().flatten().enumerate() {
                created.push((format!("{location}/outputEPCList/{i}"), epc));
            }
            for (i, q) in event.output_quantity_list.iter().flatten().enumerate() {
                if let Some(class) = &q.epc_class {
                    created.push((format!("{location}/outputQuantityList/{i}/epcClass"), class));
                }
            }
        }
        _ => {}
    }
    for (pointer, identifier) in created {
        if owns(&captor.assets, &normalize::identifier(identifier)) == Some(false) {
            problems.push(Problem::at(
                &pointer,
                format!(
                    "{identifier} is not under a GS1 company prefix of {}",
                    captor.org.name
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_single_owned_gtin_covers_its_lots_and_serials_and_nothing_else() {
        let assets = OrgAssets {
            gtins: vec!["06909999000005".into()],
            ..OrgAssets::default()
        };
        let dl = |path: &str| format!("https://id.gs1.org{path}");
        for mine in [
            "/01/06909999000005",
            "/01/06909999000005/10/HC-2604",
            "/01/06909999000005/21/T1",
        ] {
            assert_eq!(owns(&assets, &dl(mine)), Some(true), "{mine}");
        }
        // The prefix it is under stays the county's: no other GTIN (nor another packaging
        // level of this one), GLN, SSCC or asset number of the same digits.
        for not_mine in [
            "/01/06909999000012",
            "/01/16909999000002",
            "/414/6909999000005",
            "/00/069099990000000001",
            "/8004/69099990000051",
        ] {
            assert_eq!(owns(&assets, &dl(not_mine)), Some(false), "{not_mine}");
        }
        assert_eq!(owns(&assets, "urn:uuid:1"), None);
        // Prefixes still count.
        let prefixed = OrgAssets {
            company_prefixes: vec!["6901234".into()],
            ..assets.clone()
        };
        assert_eq!(owns(&prefixed, &dl("/01/06901234000016/10/L")), Some(true));
    }

    #[test]
    fn capture_lets_an_owner_of_one_gtin_commission_its_lots_at_its_plot() {
        let plot = "https://trace.county.example/loc/451027/2";
        let harvest = |gtin: &str, at: &str| {
            let text = format!(
                r#"{{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type":"ObjectEvent","action":"ADD","bizStep":"commissioning",
                "eventTime":"2026-04-01T08:00:00+08:00","eventTimeZoneOffset":"+08:00",
                "epcList":[],"quantityList":[{{"epcClass":"https://id.gs1.org/01/{gtin}/10/HC-1","quantity":40,"uom":"KGM"}}],
                "bizLocation":{{"id":"{at}"}}}}"#
            );
            let parsed = epcis::parse_json(&text).expect("event");
            parsed
                .document
                .events
                .into_iter()
                .next()
                .expect("one event")
        };
        let captor = Captor {
            org: Org {
                id: 7,
                public_id: "org-farm".into(),
                name: "茶农".into(),
                role: Role::Member,
                county: Some("451027".into()),
            },
            assets: OrgAssets {
                locations: vec![plot.into()],
                gtins: vec!["06909999000005".into()],
                ..OrgAssets::default()
            },
        };
        assert_eq!(
            check_ownership(&harvest("06909999000005", plot), "", &captor),
            Ok(())
        );
        let refused = check_ownership(&harvest("06909999000012", plot), "", &captor).unwrap_err();
        assert_eq!(refused[0].pointer, "/quantityList/0/epcClass");
        let elsewhere = check_ownership(
            &harvest(
                "06909999000005",
                "https://trace.county.example/loc/451027/3",
            ),
            "",
            &captor,
        )
        .unwrap_err();
        assert_eq!(elsewhere[0].pointer, "/bizLocation/id");
    }

    #[test]
    fn problems_belong_to_the_event_they_point_into() {
        let locations: Vec<String> = (0..12)
            .map(|i| format!("/epcisBody/eventList/{i}"))
            .collect();
        let owners = EventOwners::new(&locations);
        assert_eq!(owners.owner("/epcisBody/eventList/1"), Some(1));
        assert_eq!(owners.owner("/epcisBody/eventList/1/epcList/0"), Some(1));
        assert_eq!(owners.owner("/epcisBody/eventList/10/action"), Some(10));
        assert_eq!(owners.owner("/epcisBody/eventList/12/action"), None);
        assert_eq!(owners.owner("/schemaVersion"), None);
        assert_eq!(owners.owner(""), None);

        let xml: Vec<String> = (1..=3)
            .map(|i| format!("/EPCISDocument/EPCISBody/EventList/*[{i}]"))
            .collect();
        let owners = EventOwners::new(&xml);
        assert_eq!(
            owners.owner("/EPCISDocument/EPCISBody/EventList/*[2]/epcList[1]"),
            Some(1)
        );

        // A lone event (POST /events) sits at the document's root.
        let single = vec![String::new()];
        let owners = EventOwners::new(&single);
        assert_eq!(owners.owner("/eventTime"), Some(0));
        assert_eq!(owners.owner(""), Some(0));
    }

    #[test]
    fn parallel_map_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = parallel_map(&items, &|i| i * 2);
        assert_eq!(doubled, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(parallel_map::<usize, usize>(&[], &|i| i).is_empty());
    }
}
