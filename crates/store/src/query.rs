//! A backend-neutral event query: the EPCIS 2.0 SimpleEventQuery parameters after the service
//! layer has parsed and normalised them. Each backend turns it into its own SQL.

use crate::model::IdRole;

/// A column of the events table that `EQ_*` parameters compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    /// `eventID`.
    EventId,
    /// `action`.
    Action,
    /// `bizStep`.
    BizStep,
    /// `disposition`.
    Disposition,
    /// `readPoint`.
    ReadPoint,
    /// `bizLocation`.
    BizLocation,
}

/// Which time a bound applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeField {
    /// `eventTime`.
    EventTime,
    /// `recordTime`.
    RecordTime,
}

/// One condition; all conditions of a query must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// The event type is one of these.
    EventType(Vec<String>),
    /// The time is at or after this (µs, UTC): `GE_eventTime`, `GE_recordTime`.
    TimeAtLeast(TimeField, i64),
    /// The time is before this (µs, UTC): `LT_eventTime`, `LT_recordTime`.
    TimeBefore(TimeField, i64),
    /// The column equals one of the values.
    ColumnIn(Column, Vec<String>),
    /// An identifier in one of the roles equals one of the values, or starts with one of the
    /// prefixes (EPC patterns with `*`): `MATCH_epc`, `MATCH_anyEPC`, `MATCH_epcClass`, …
    Identifier {
        /// The roles to look in.
        roles: Vec<IdRole>,
        /// Exact values.
        values: Vec<String>,
        /// Value prefixes.
        prefixes: Vec<String>,
    },
    /// An attribute with this name has one of the values: business transactions, sources,
    /// destinations, ILMD fields.
    Attribute {
        /// The attribute name, for example `bizTransaction:urn:epcglobal:cbv:btt:po`.
        name: String,
        /// The accepted values.
        values: Vec<String>,
    },
}

/// Who is asking, which bounds what they may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Everything (the admin organisation, the auditor).
    All,
    /// The organisation's own events plus shared ones.
    Org(i64),
    /// Every event of the organisations in this county, plus shared ones.
    County(String),
    /// Shared events only (no token).
    SharedOnly,
}

/// The order of results. Ties are broken by log index, so pages never skip or repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// By log index (capture order).
    Index,
    /// By event time.
    EventTime,
    /// By record time.
    RecordTime,
}

/// A query over stored events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventQuery {
    /// All must hold.
    pub conditions: Vec<Condition>,
    /// Who is asking.
    pub visibility: Visibility,
    /// The order.
    pub order: Order,
    /// Descending instead of ascending.
    pub descending: bool,
    /// At most this many results.
    pub limit: u32,
    /// Continue after this position: the order key and the log index of the last result of the
    /// previous page.
    pub after: Option<(i64, u64)>,
}

impl EventQuery {
    /// Every event visible to `visibility`, in capture order.
    pub fn all(visibility: Visibility, limit: u32) -> Self {
        EventQuery {
            conditions: Vec::new(),
            visibility,
            order: Order::Index,
            descending: false,
            limit,
            after: None,
        }
    }
}

/// A vocabulary list the REST binding exposes: the distinct values of one column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vocabulary {
    /// `/epcis/eventTypes`.
    EventTypes,
    /// `/epcis/bizSteps`.
    BizSteps,
    /// `/epcis/dispositions`.
    Dispositions,
    /// `/epcis/readPoints`.
    ReadPoints,
    /// `/epcis/bizLocations`.
    BizLocations,
}
