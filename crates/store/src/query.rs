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
    /// The event was recorded by an organisation of this county (shared events of other
    /// counties' organisations do not count): what a county's own numbers are made of.
    RecordedInCounty(String),
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
    /// The event has every standard field whose bit is set in the mask (see
    /// [`crate::NewEvent::fields`]).
    FieldsPresent(u32),
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
    /// The organisation's own events, every event of the organisations in these counties,
    /// and shared ones: a specialist (科技特派员) and the counties assigned to them.
    Counties {
        /// The specialist's organisation.
        org: i64,
        /// The assigned counties, sorted, each once.
        counties: Vec<String>,
    },
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

/// The next Unicode scalar value, skipping the surrogate gap.
fn next_char(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        char::MAX => None,
        _ => char::from_u32(u32::from(c) + 1),
    }
}

/// The smallest string above every string that starts with `prefix`, in bytewise (`COLLATE
/// "C"`) order, or `None` when there is none (an empty prefix, or one of only U+10FFFF).
///
/// UTF-8 orders like code points, so the strings that start with `p·c` are exactly those in
/// `[p·c, p·next(c))`. Incrementing the last byte instead could give invalid UTF-8, which a
/// text parameter cannot carry.
pub fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = next_char(last) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_successor;

    /// Every string that starts with `prefix` sorts in `[prefix, successor)` bytewise, and the
    /// strings just outside do not start with it.
    fn check(prefix: &str, inside: &[&str], outside: &[&str]) {
        let end = prefix_successor(prefix);
        let within = |s: &str| {
            s.as_bytes() >= prefix.as_bytes()
                && end
                    .as_deref()
                    .is_none_or(|end| s.as_bytes() < end.as_bytes())
        };
        for s in inside {
            assert!(s.starts_with(prefix), "{s:?}");
            assert!(within(s), "{s:?} should be in the range of {prefix:?}");
        }
        for s in outside {
            assert!(!s.starts_with(prefix), "{s:?}");
            assert!(
                !within(s),
                "{s:?} should be outside the range of {prefix:?}"
            );
        }
    }

    #[test]
    fn successor_bounds_exactly_the_prefixed_strings() {
        check(
            "S1",
            &["S1", "S10", "S1\u{10FFFF}", "S1\u{10FFFF}z", "S1\u{FFFF}"],
            &["S2", "S", "S0\u{10FFFF}", "s1", "R", ""],
        );
        assert_eq!(prefix_successor("S1").as_deref(), Some("S2"));
        // The surrogate gap is skipped, and a maximal last character carries over.
        assert_eq!(prefix_successor("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_successor("a\u{10FFFF}").as_deref(), Some("b"));
        check(
            "a\u{10FFFF}",
            &["a\u{10FFFF}", "a\u{10FFFF}\u{10FFFF}x"],
            &["a", "b", "a\u{FFFF}"],
        );
        check("\u{7F}", &["\u{7F}x"], &["\u{80}", "~"]);
        // No upper bound when nothing is above the prefix; the empty prefix matches everything.
        assert_eq!(prefix_successor(""), None);
        assert_eq!(prefix_successor("\u{10FFFF}\u{10FFFF}"), None);
        check("", &["", "anything", "\u{10FFFF}"], &[]);
    }
}
