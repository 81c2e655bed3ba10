//! The log leaf: the small, versioned record each public entry puts into the Merkle log. This
//! module is the one place leaf bytes are produced and read; `docs/ledger.md` specifies the
//! format for independent verifiers (a phone, an auditor's script).
//!
//! A leaf commits to hashes only, so private payloads never appear in the public log:
//!
//! ```text
//! retu-leaf/v1
//! kind epcis-event
//! event ni:///sha-256;3cee22cb…?ver=CBV2.0
//! body sha-256:9f86d081…
//! org org-7f3a9c2e
//! time 2026-11-29T01:23:45.123456Z
//! ```
//!
//! Lines end in `\n`, fields are separated by one space, the order is fixed, and the time is
//! UTC with exactly six fractional digits, so the same inputs always give the same bytes.
//! Records other than events (certificates, recalls) have an `id` line with the record's own
//! ID where an event has its `event` line.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// The first line of every version-1 leaf.
pub const LEAF_HEADER: &str = "retu-leaf/v1";

/// The record time layout: RFC 3339 in UTC with microseconds.
const TIME_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// What kind of record a leaf commits to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A captured EPCIS event.
    EpcisEvent,
    /// A 承诺达标合格证 (commitment-to-standards certificate) for a production batch.
    Certificate,
    /// A recall of an identifier and everything downstream of it.
    Recall,
}

impl EntryKind {
    /// The spelling in the leaf.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::EpcisEvent => "epcis-event",
            EntryKind::Certificate => "certificate",
            EntryKind::Recall => "recall",
        }
    }

    /// Reads the leaf's spelling of a kind.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "epcis-event" => Some(EntryKind::EpcisEvent),
            "certificate" => Some(EntryKind::Certificate),
            "recall" => Some(EntryKind::Recall),
            _ => None,
        }
    }

    /// The name of the line that identifies the record: an event is named by its canonical
    /// event hash, every other record by its own ID.
    pub fn subject_field(self) -> &'static str {
        match self {
            EntryKind::EpcisEvent => "event",
            EntryKind::Certificate | EntryKind::Recall => "id",
        }
    }
}

/// The fields of a leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// The kind of record.
    pub kind: EntryKind,
    /// What the record is: for an event its canonical hash ID (`ni:///sha-256;…?ver=CBV2.0`),
    /// for other kinds the record's own ID (a certificate number, a recall ID).
    pub subject: String,
    /// SHA-256 of the exact stored record bytes.
    pub body_sha256: [u8; 32],
    /// The capturing organisation's public ID.
    pub org: String,
    /// The record time, microseconds since the Unix epoch, UTC.
    pub record_time: i64,
}

/// Why leaf bytes were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeafError {
    /// A field would break the line format (a newline, or a space where none may be).
    #[error("the {0} field cannot be written into a leaf")]
    BadField(&'static str),
    /// The record time is outside the years 0000–9999.
    #[error("the record time is out of range")]
    BadTime,
    /// The bytes are not a version-1 leaf; the message says what is wrong.
    #[error("not a retu-leaf/v1 record: {0}")]
    Malformed(&'static str),
}

/// SHA-256 of a stored record's bytes.
pub fn body_digest(body: &[u8]) -> [u8; 32] {
    Sha256::digest(body).into()
}

/// Formats microseconds since the epoch as the leaf's time field.
pub fn format_time(micros: i64) -> Result<String, LeafError> {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .map_err(|_| LeafError::BadTime)?;
    if !(0..=9999).contains(&at.year()) {
        return Err(LeafError::BadTime);
    }
    at.format(TIME_FORMAT).map_err(|_| LeafError::BadTime)
}

/// Reads the leaf's time field back into microseconds since the epoch.
pub fn parse_time(text: &str) -> Result<i64, LeafError> {
    let at = time::PrimitiveDateTime::parse(text, TIME_FORMAT)
        .map_err(|_| LeafError::Malformed("bad time"))?
        .assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1000).map_err(|_| LeafError::BadTime)
}

impl Leaf {
    /// The leaf bytes.
    pub fn encode(&self) -> Result<Vec<u8>, LeafError> {
        let single_token = |text: &str| !text.is_empty() && !text.contains(['\n', ' ', '\r']);
        if !single_token(&self.subject) {
            return Err(LeafError::BadField(self.kind.subject_field()));
        }
        if !single_token(&self.org) {
            return Err(LeafError::BadField("org"));
        }
        Ok(format!(
            "{LEAF_HEADER}\nkind {}\n{} {}\nbody sha-256:{}\norg {}\ntime {}\n",
            self.kind.as_str(),
            self.kind.subject_field(),
            self.subject,
            tlog::Hash(self.body_sha256).to_hex(),
            self.org,
            format_time(self.record_time)?,
        )
        .into_bytes())
    }

    /// Reads leaf bytes back, accepting only the exact form [`Leaf::encode`] writes.
    pub fn decode(bytes: &[u8]) -> Result<Self, LeafError> {
        let text = std::str::from_utf8(bytes).map_err(|_| LeafError::Malformed("not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or(LeafError::Malformed("no final newline"))?;
        let mut lines = body.split('\n');
        if lines.next() != Some(LEAF_HEADER) {
            return Err(LeafError::Malformed("wrong header"));
        }
        let mut field = |name: &'static str| -> Result<&str, LeafError> {
            lines
                .next()
                .and_then(|line| line.strip_prefix(name))
                .and_then(|rest| rest.strip_prefix(' '))
                .ok_or(LeafError::Malformed(name))
        };
        let kind = EntryKind::parse(field("kind")?).ok_or(LeafError::Malformed("unknown kind"))?;
        let subject = field(kind.subject_field())?.to_owned();
        let digest_hex = field("body")?
            .strip_prefix("sha-256:")
            .ok_or(LeafError::Malformed("body"))?;
        let org = field("org")?.to_owned();
        let record_time = parse_time(field("time")?)?;
        if lines.next().is_some() {
            return Err(LeafError::Malformed("extra lines"));
        }
        let mut body_sha256 = [0u8; 32];
        if digest_hex.len() != 64 {
            return Err(LeafError::Malformed("body digest length"));
        }
        for (byte, pair) in body_sha256
            .iter_mut()
            .zip(digest_hex.as_bytes().chunks_exact(2))
        {
            let pair =
                std::str::from_utf8(pair).map_err(|_| LeafError::Malformed("body digest"))?;
            *byte =
                u8::from_str_radix(pair, 16).map_err(|_| LeafError::Malformed("body digest"))?;
        }
        let leaf = Leaf {
            kind,
            subject,
            body_sha256,
            org,
            record_time,
        };
        // Only the canonical spelling is a leaf (for example lowercase hex).
        if leaf.encode()? != bytes {
            return Err(LeafError::Malformed("not in canonical form"));
        }
        Ok(leaf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_exact_bytes() {
        let leaf = Leaf {
            kind: EntryKind::EpcisEvent,
            subject: "ni:///sha-256;3cee22cbd618d29a18e56c944493e755201ff0e0acedc174f0120d1033ce42a0?ver=CBV2.0".into(),
            body_sha256: body_digest(b"{}"),
            org: "org-coop".into(),
            record_time: 1_775_030_400_123_456,
        };
        let bytes = leaf.encode().expect("encode");
        assert_eq!(
            String::from_utf8(bytes.clone()).expect("utf-8"),
            "retu-leaf/v1\nkind epcis-event\n\
             event ni:///sha-256;3cee22cbd618d29a18e56c944493e755201ff0e0acedc174f0120d1033ce42a0?ver=CBV2.0\n\
             body sha-256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n\
             org org-coop\ntime 2026-04-01T08:00:00.123456Z\n"
        );
        assert_eq!(Leaf::decode(&bytes), Ok(leaf.clone()));
        let upper = String::from_utf8(bytes)
            .expect("utf-8")
            .replace("44136fa3", "44136FA3");
        assert!(Leaf::decode(upper.as_bytes()).is_err());
        let bad = Leaf {
            org: "two words".into(),
            ..leaf
        };
        assert_eq!(bad.encode(), Err(LeafError::BadField("org")));
    }

    #[test]
    fn records_other_than_events_name_their_id() {
        let leaf = Leaf {
            kind: EntryKind::Certificate,
            subject: "HG-5227-20260401-7K3Q".into(),
            body_sha256: body_digest(b"{}"),
            org: "org-coop".into(),
            record_time: 1_775_030_400_123_456,
        };
        let bytes = leaf.encode().expect("encode");
        assert_eq!(
            String::from_utf8(bytes.clone()).expect("utf-8"),
            "retu-leaf/v1\nkind certificate\nid HG-5227-20260401-7K3Q\n\
             body sha-256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n\
             org org-coop\ntime 2026-04-01T08:00:00.123456Z\n"
        );
        assert_eq!(Leaf::decode(&bytes), Ok(leaf.clone()));
        // The line name must fit the kind.
        let swapped = String::from_utf8(bytes)
            .expect("utf-8")
            .replace("\nid ", "\nevent ");
        assert!(Leaf::decode(swapped.as_bytes()).is_err());
        let recall = Leaf {
            kind: EntryKind::Recall,
            subject: "two words".into(),
            ..leaf
        };
        assert_eq!(recall.encode(), Err(LeafError::BadField("id")));
    }

    #[test]
    fn times_before_the_epoch_and_far_ahead() {
        assert_eq!(format_time(0).as_deref(), Ok("1970-01-01T00:00:00.000000Z"));
        assert_eq!(
            format_time(-1).as_deref(),
            Ok("1969-12-31T23:59:59.999999Z")
        );
        assert_eq!(parse_time("1969-12-31T23:59:59.999999Z"), Ok(-1));
        assert!(format_time(i64::MAX).is_err());
    }
}
