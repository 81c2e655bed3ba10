//! Retu's storage interface: one trait, [`Store`], that every backend implements
//! (`store-sqlite`, `store-postgres`), the plain types it exchanges, and a conformance suite
//! (feature `testing`) that every backend's tests run, so that both behave the same.
//!
//! Only backend crates contain SQL. The trait speaks in records that the services above have
//! already validated, hashed and encoded: a backend keeps bytes and answers queries, it never
//! interprets events or log formats beyond tile coordinates.
//!
//! Invariants every backend upholds (the conformance suite checks them):
//! - `append_events` assigns contiguous log indices from the current sequenced size, in the same
//!   transaction that stores the event rows, and returns only once that transaction is durable.
//!   Events whose ID is already stored are not stored again.
//! - `commit_integration` and `publish_checkpoint` are compare-and-swap operations: they fail
//!   with [`StoreError::Conflict`] unless the stored state is the one the caller read, so two
//!   writers can never fork the log.
//! - Nothing is half-stored: each method is one transaction.

pub mod model;
pub mod query;

#[cfg(feature = "testing")]
pub mod conformance;

use std::future::Future;

pub use model::*;
pub use query::*;
use tlog::{Hash, TileCoord};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// The stored state is not what the caller expected (a compare-and-swap lost), or a unique
    /// value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Events of a batch reuse the event IDs of different events, stored before or earlier in
    /// the same batch: their positions in the batch. Nothing of the batch was stored.
    #[error("event IDs already used by different events (batch positions {0:?})")]
    EventIdsTaken(Vec<usize>),
    /// Stored data cannot be read back as the type it should be.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The storage a Retu server runs on.
///
/// Methods return `Send` futures so that the server can be generic over the backend.
pub trait Store: Clone + Send + Sync + 'static {
    // --- Organisations and access ------------------------------------------------------------

    /// Creates an organisation. [`StoreError::Conflict`] if the public ID is taken.
    fn create_org(&self, org: NewOrg) -> impl Future<Output = Result<Org>> + Send;

    /// The organisation with this internal key.
    fn org(&self, id: i64) -> impl Future<Output = Result<Option<Org>>> + Send;

    /// The organisation with this public ID.
    fn org_by_public_id(&self, public_id: &str)
    -> impl Future<Output = Result<Option<Org>>> + Send;

    /// Every organisation, oldest first.
    fn orgs(&self) -> impl Future<Output = Result<Vec<Org>>> + Send;

    /// Stores an API token's SHA-256 (never the token) for an organisation.
    fn add_token(
        &self,
        org_id: i64,
        token_hash: [u8; 32],
        label: &str,
        created_at: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The organisation an unrevoked token belongs to.
    fn org_by_token(
        &self,
        token_hash: [u8; 32],
    ) -> impl Future<Output = Result<Option<Org>>> + Send;

    /// Gives an organisation a GS1 company prefix. [`StoreError::Conflict`] if another
    /// organisation owns it.
    fn add_company_prefix(
        &self,
        org_id: i64,
        prefix: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Gives an organisation a location. [`StoreError::Conflict`] if another owns it.
    fn add_location(&self, org_id: i64, location: &str) -> impl Future<Output = Result<()>> + Send;

    /// What an organisation owns, each list in bytewise (code point) order.
    fn org_assets(&self, org_id: i64) -> impl Future<Output = Result<OrgAssets>> + Send;

    // --- Events ------------------------------------------------------------------------------

    /// Sequences events: in one durable transaction, gives each new event the next log index and
    /// stores its row, identifiers, attributes and leaf. Returns one outcome per input, in order:
    /// an event whose ID is stored with the same event hash is a resend and is not stored again.
    /// The whole batch fails and nothing is stored if any event reuses the ID of a different
    /// event ([`StoreError::EventIdsTaken`]), or names an organisation that does not exist.
    /// Both checks happen inside the transaction, so concurrent batches cannot race past them.
    fn append_events(
        &self,
        events: &[NewEvent],
    ) -> impl Future<Output = Result<Vec<Appended>>> + Send;

    /// The event with this ID.
    fn event(&self, event_id: &str) -> impl Future<Output = Result<Option<StoredEvent>>> + Send;

    /// The events matching a query, in the query's order.
    fn query_events(
        &self,
        query: &EventQuery,
    ) -> impl Future<Output = Result<Vec<StoredEvent>>> + Send;

    /// The distinct values of a vocabulary column among visible events, in bytewise (code
    /// point) order whatever the database collation.
    fn vocabulary(
        &self,
        which: Vocabulary,
        visibility: &Visibility,
    ) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Up to `limit` events from log index `from` upwards, in index order (for audits).
    fn events_from(
        &self,
        from: u64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<StoredEvent>>> + Send;

    // --- Other log records -------------------------------------------------------------------

    /// Sequences a record: in one durable transaction, gives it the next log index and stores
    /// its row, its subjects and its leaf. [`StoreError::Conflict`] if a record of the same kind
    /// has the same ID; nothing is stored then.
    fn append_record(&self, record: &NewRecord) -> impl Future<Output = Result<u64>> + Send;

    /// The record of this kind with this ID.
    fn record(
        &self,
        kind: &str,
        record_id: &str,
    ) -> impl Future<Output = Result<Option<StoredRecord>>> + Send;

    /// The records of this kind about any of `subjects`, each once, in index order.
    fn records_about(
        &self,
        kind: &str,
        subjects: &[String],
    ) -> impl Future<Output = Result<Vec<StoredRecord>>> + Send;

    /// How many records of this kind are stored.
    fn count_records(&self, kind: &str) -> impl Future<Output = Result<u64>> + Send;

    /// Every record with a log index in `from..to`, in index order (for audits).
    fn records_in(
        &self,
        from: u64,
        to: u64,
    ) -> impl Future<Output = Result<Vec<StoredRecord>>> + Send;

    // --- Capture jobs ------------------------------------------------------------------------

    /// Records a new capture job.
    fn create_job(&self, job: &CaptureJob) -> impl Future<Output = Result<()>> + Send;

    /// Records a job's outcome.
    fn finish_job(&self, job: &CaptureJob) -> impl Future<Output = Result<()>> + Send;

    /// A capture job.
    fn job(&self, id: &str) -> impl Future<Output = Result<Option<CaptureJob>>> + Send;

    // --- The log -----------------------------------------------------------------------------

    /// Sequenced and integrated sizes and the integrated tree's edge.
    fn log_state(&self) -> impl Future<Output = Result<LogState>> + Send;

    /// The leaves with indices `from..to`, in order.
    fn leaves(&self, from: u64, to: u64) -> impl Future<Output = Result<Vec<Vec<u8>>>> + Send;

    /// The stored tiles, `None` for each one that is not stored.
    fn tiles(
        &self,
        coords: &[TileCoord],
    ) -> impl Future<Output = Result<Vec<Option<Vec<u8>>>>> + Send;

    /// Stores the tiles of an integration step and moves the integrated size from `from` to
    /// `to`, atomically; [`StoreError::Conflict`] if the integrated size is not `from`, if `to`
    /// is below `from`, or if `to` is beyond the sequenced size. A tile given twice keeps its
    /// last content.
    fn commit_integration(
        &self,
        from: u64,
        to: u64,
        edge: &[Hash],
        tiles: &[(TileCoord, Vec<u8>)],
    ) -> impl Future<Output = Result<()>> + Send;

    /// The newest published checkpoint.
    fn latest_checkpoint(&self) -> impl Future<Output = Result<Option<StoredCheckpoint>>> + Send;

    /// Publishes a checkpoint if the newest one still has size `previous` (`None`: there is
    /// none); [`StoreError::Conflict`] otherwise.
    fn publish_checkpoint(
        &self,
        previous: Option<u64>,
        checkpoint: &StoredCheckpoint,
    ) -> impl Future<Output = Result<()>> + Send;

    // --- Consumer scans ----------------------------------------------------------------------

    /// Adds scan counts, in one transaction: each count is added to the stored count of its
    /// (code, hour, time zone), and to its code's running total, first and last hour. Counts
    /// of the same key within the batch add up. Counts are not log records: they are
    /// statistics, outside the log.
    fn add_scans(&self, batch: &[ScanCount]) -> impl Future<Output = Result<()>> + Send;

    /// The totals of one code, with the scans in hours from `recent_since` on; all zero and
    /// `None` for a code never scanned. One lookup of the code's totals row and one short
    /// range of its recent hours, however many rows the table holds.
    fn scan_totals(
        &self,
        code: &str,
        recent_since: i64,
    ) -> impl Future<Output = Result<ScanTotals>> + Send;

    /// Every stored count in hours from `since` on of the codes that start with any of
    /// `code_prefixes` (`""` matches every code; no prefix matches nothing), ordered by code,
    /// hour and time zone, each once.
    fn scan_activity(
        &self,
        code_prefixes: &[String],
        since: i64,
    ) -> impl Future<Output = Result<Vec<ScanCount>>> + Send;
}
