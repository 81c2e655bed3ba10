//! The records the store keeps and the values its methods exchange. They are plain data: the
//! services above decide what goes in them (validation, hashing, leaf encoding), the backends
//! only keep them.

use std::fmt;

/// What an organisation may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Captures and reads everything; created on first start.
    Admin,
    /// A producer, processor or trader: captures for its own identifiers and locations.
    Member,
    /// A county office: reads the events of the organisations in its county.
    County,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::County => "county",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            "county" => Some(Role::County),
            _ => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organisation: a cooperative, a farm, a processor, a county office.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// Internal key.
    pub id: i64,
    /// Stable public identifier, written into log leaves (for example `org-7f3a9c…`).
    pub public_id: String,
    /// Display name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The county it belongs to (for a county office: the county it oversees).
    pub county: Option<String>,
}

/// An organisation to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrg {
    /// Stable public identifier; the caller makes it unique.
    pub public_id: String,
    /// Display name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The county.
    pub county: Option<String>,
}

/// What an organisation owns in its master data: the GS1 company prefixes it may issue
/// identifiers under and the locations it may record events at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgAssets {
    /// GS1 company prefixes (digits).
    pub company_prefixes: Vec<String>,
    /// Location identifiers in their normalised form (canonical Digital Link of a GLN, or a
    /// county-issued identifier).
    pub locations: Vec<String>,
}

/// The part an identifier plays in an event, for `MATCH_*` queries and lineage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdRole {
    /// `epcList` of Object and Transaction events.
    Epc,
    /// `parentID` of Aggregation, Transaction and Association events.
    Parent,
    /// `childEPCs`.
    Child,
    /// `inputEPCList`.
    Input,
    /// `outputEPCList`.
    Output,
    /// `epcClass` in `quantityList`.
    Quantity,
    /// `epcClass` in `childQuantityList`.
    ChildQuantity,
    /// `epcClass` in `inputQuantityList`.
    InputQuantity,
    /// `epcClass` in `outputQuantityList`.
    OutputQuantity,
}

impl IdRole {
    /// Every role, in a stable order.
    pub const ALL: [IdRole; 9] = [
        IdRole::Epc,
        IdRole::Parent,
        IdRole::Child,
        IdRole::Input,
        IdRole::Output,
        IdRole::Quantity,
        IdRole::ChildQuantity,
        IdRole::InputQuantity,
        IdRole::OutputQuantity,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IdRole::Epc => "epc",
            IdRole::Parent => "parent",
            IdRole::Child => "child",
            IdRole::Input => "input",
            IdRole::Output => "output",
            IdRole::Quantity => "quantity",
            IdRole::ChildQuantity => "child-quantity",
            IdRole::InputQuantity => "input-quantity",
            IdRole::OutputQuantity => "output-quantity",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        IdRole::ALL.into_iter().find(|role| role.as_str() == text)
    }
}

/// An event that passed validation and is ready to be sequenced into the log. Everything the
/// store needs is precomputed; the store neither parses nor hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// The event's ID: the one it was captured with, or its canonical hash ID.
    pub event_id: String,
    /// The canonical event hash ID (`ni:///sha-256;…?ver=CBV2.0`).
    pub event_hash: String,
    /// The capturing organisation.
    pub org_id: i64,
    /// Whether other organisations may read it.
    pub shared: bool,
    /// `ObjectEvent`, `AggregationEvent`, …
    pub event_type: String,
    /// Event time, microseconds since the Unix epoch, UTC.
    pub event_time: i64,
    /// Record time stamped at capture, microseconds since the Unix epoch, UTC.
    pub record_time: i64,
    /// `ADD`, `OBSERVE` or `DELETE`.
    pub action: Option<String>,
    /// The business step, as a full URI or URN.
    pub biz_step: Option<String>,
    /// The disposition.
    pub disposition: Option<String>,
    /// The read point, normalised.
    pub read_point: Option<String>,
    /// The business location, normalised.
    pub biz_location: Option<String>,
    /// Identifiers with their roles, normalised so that the URN and Digital Link forms of one
    /// identifier are equal.
    pub identifiers: Vec<(IdRole, String)>,
    /// Other searchable (name, value) pairs: business transactions, sources, destinations,
    /// ILMD fields, and `("has", name)` for each extension field present.
    pub attributes: Vec<(String, String)>,
    /// Which standard fields the event has, one bit each (the service layer assigns the bits),
    /// for `EXISTS_` queries without a row per field.
    pub fields: u32,
    /// The exact event bytes stored and served (JSON).
    pub body: Vec<u8>,
    /// The log leaf that commits to this event.
    pub leaf: Vec<u8>,
}

/// What happened to one event of an append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// Newly sequenced at this log index.
    New {
        /// The leaf index.
        index: u64,
    },
    /// An event with this ID was already stored (earlier, or earlier in the same batch); nothing
    /// was added.
    Existing {
        /// The leaf index of the stored event.
        index: u64,
        /// The stored event's hash, so the caller can tell a resend from a different event
        /// reusing an ID.
        event_hash: String,
    },
}

impl Appended {
    /// The leaf index, new or existing.
    pub fn index(&self) -> u64 {
        match self {
            Appended::New { index } | Appended::Existing { index, .. } => *index,
        }
    }
}

/// A stored event, as queries return it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The leaf index.
    pub index: u64,
    /// The event ID.
    pub event_id: String,
    /// The canonical event hash ID.
    pub event_hash: String,
    /// The capturing organisation's internal key.
    pub org_id: i64,
    /// Whether other organisations may read it.
    pub shared: bool,
    /// The event type.
    pub event_type: String,
    /// Event time (µs, UTC).
    pub event_time: i64,
    /// Record time (µs, UTC).
    pub record_time: i64,
    /// The stored event bytes.
    pub body: Vec<u8>,
    /// The leaf bytes.
    pub leaf: Vec<u8>,
}

/// The state of the log's three phases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogState {
    /// Entries with an index (sequenced, durable).
    pub sequenced: u64,
    /// Entries whose hashes are in the stored tiles.
    pub integrated: u64,
    /// The compact range of the integrated tree: its complete-subtree roots, largest first.
    pub edge: Vec<tlog::Hash>,
}

/// A published checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// Its tree size.
    pub size: u64,
    /// The signed note, verbatim.
    pub note: Vec<u8>,
    /// When it was published, µs since the epoch.
    pub published_at: i64,
}

/// The state of an asynchronous capture job (EPCIS 2.0 REST binding, `/capture/{captureID}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// Accepted, not finished.
    Running,
    /// Every event stored.
    Success,
    /// Nothing stored (rollback) or some events rejected (proceed); see the errors.
    Failed,
}

impl JobState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Running => "running",
            JobState::Success => "success",
            JobState::Failed => "failed",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "running" => Some(JobState::Running),
            "success" => Some(JobState::Success),
            "failed" => Some(JobState::Failed),
            _ => None,
        }
    }
}

/// A capture job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureJob {
    /// The capture ID.
    pub id: String,
    /// The organisation that submitted it.
    pub org_id: i64,
    /// Its state.
    pub state: JobState,
    /// Events stored by it.
    pub stored: u64,
    /// The problems found, as a JSON array (problem+json objects), empty when none.
    pub errors: String,
    /// Submission time, µs.
    pub created_at: i64,
    /// Completion time, µs.
    pub finished_at: Option<i64>,
}

/// A log entry that is not an EPCIS event: a 承诺达标合格证 certificate, a recall, and later
/// donations and credentials. Like an event it gets the next log index in the transaction that
/// stores it; the service above has already encoded its body and its leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    /// The record kind as the leaf spells it (`certificate`, `recall`).
    pub kind: String,
    /// The record's own ID (a certificate number, a recall ID), unique within its kind.
    pub record_id: String,
    /// The organisation that made it.
    pub org_id: i64,
    /// When it was made, µs since the epoch, UTC (the leaf's time).
    pub created_at: i64,
    /// The exact bytes the leaf commits to.
    pub body: Vec<u8>,
    /// The leaf bytes.
    pub leaf: Vec<u8>,
    /// The identifiers (in their normal form) the record is about, so that a lookup of any of
    /// them finds it: the lot a certificate covers, everything a recall affects.
    pub subjects: Vec<String>,
}

/// A stored record (see [`NewRecord`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// The log index.
    pub index: u64,
    /// The record kind.
    pub kind: String,
    /// The record's ID.
    pub record_id: String,
    /// The organisation that made it.
    pub org_id: i64,
    /// When it was made, µs since the epoch, UTC.
    pub created_at: i64,
    /// The stored bytes.
    pub body: Vec<u8>,
    /// The leaf bytes.
    pub leaf: Vec<u8>,
}

/// Consumer scans of one code in one hour from one time zone: a count, never a person. No
/// address, cookie, user agent or exact time is kept, so no row can be traced to whoever
/// scanned (`docs/scans.md`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScanCount {
    /// The scanned code: a canonical GS1 Digital Link path (`/01/06901234567892/21/ABC`).
    pub code: String,
    /// The start of the hour the scans fell in, µs since the epoch, UTC (a multiple of an
    /// hour).
    pub hour: i64,
    /// The IANA time zone the scanning browsers reported (`Asia/Shanghai`), or `unknown`.
    pub time_zone: String,
    /// How many scans.
    pub count: u64,
}

/// What is known about the scans of one code, answered from one row per code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanTotals {
    /// Every scan ever recorded.
    pub total: u64,
    /// The hour of the first scan (µs since the epoch, UTC), `None` when never scanned.
    pub first_hour: Option<i64>,
    /// The hour of the latest scan.
    pub last_hour: Option<i64>,
    /// The scans in hours starting at or after the `recent_since` the caller gave.
    pub recent: u64,
}

/// A batch of scan counts as backends write it: each (code, hour, time zone) once, in key
/// order (so concurrent writers take row locks in one order and cannot deadlock), and each
/// code's sum, first and last hour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergedScans {
    /// The counts, one per key, sorted by code, hour, time zone; zero counts left out.
    pub counts: Vec<ScanCount>,
    /// Per code, sorted: (code, count, first hour, last hour).
    pub codes: Vec<(String, u64, i64, i64)>,
}

/// Merges a batch of scan counts (see [`MergedScans`]). Sums saturate rather than wrap.
pub fn merge_scans(batch: &[ScanCount]) -> MergedScans {
    let mut counts: std::collections::BTreeMap<(&str, i64, &str), u64> =
        std::collections::BTreeMap::new();
    for scan in batch.iter().filter(|scan| scan.count > 0) {
        let slot = counts
            .entry((scan.code.as_str(), scan.hour, scan.time_zone.as_str()))
            .or_default();
        *slot = slot.saturating_add(scan.count);
    }
    let mut merged = MergedScans::default();
    for ((code, hour, time_zone), count) in counts {
        match merged.codes.last_mut() {
            Some((last, total, first, latest)) if last == code => {
                *total = total.saturating_add(count);
                *first = (*first).min(hour);
                *latest = (*latest).max(hour);
            }
            _ => merged.codes.push((code.to_owned(), count, hour, hour)),
        }
        merged.counts.push(ScanCount {
            code: code.to_owned(),
            hour,
            time_zone: time_zone.to_owned(),
            count,
        });
    }
    merged
}
