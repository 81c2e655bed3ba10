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

    // --- People, sessions and invitations (docs/accounts.md) ---------------------------------

    /// Creates a person. [`StoreError::Conflict`] if the login is taken (compared in its
    /// [`login_key`] form).
    fn create_user(&self, user: NewUser) -> impl Future<Output = Result<User>> + Send;

    /// The person with this internal key.
    fn user(&self, id: i64) -> impl Future<Output = Result<Option<User>>> + Send;

    /// The person with this login, compared in its [`login_key`] form.
    fn user_by_login(&self, login: &str) -> impl Future<Output = Result<Option<User>>> + Send;

    /// Disables (or enables again) a person; disabling also ends their sessions, in the same
    /// transaction. [`StoreError::NotFound`] if there is no such person.
    fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Replaces a person's password hash and, in the same transaction, ends every session of
    /// theirs but `keep_session` (the SHA-256 of the session that changed the password, which
    /// stays logged in; `None` ends them all). A stolen session or a password someone else
    /// knew stops working the moment the password changes. [`StoreError::NotFound`] if there
    /// is no such person, or if `keep_session` is not one of theirs (it ended meanwhile: a
    /// session that was logged out cannot change the password); nothing changes then.
    fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<[u8; 32]>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The people of these organisations, disabled ones included, ordered by organisation
    /// (internal key) and then by when they joined (internal key). Unknown keys match
    /// nobody; no key, nobody.
    fn users_of_orgs(&self, org_ids: &[i64]) -> impl Future<Output = Result<Vec<User>>> + Send;

    /// Assigns a county to a specialist; assigning it again changes nothing.
    fn assign_county(&self, user_id: i64, county: &str) -> impl Future<Output = Result<()>> + Send;

    /// Takes a county from a specialist; nothing happens if it was not assigned.
    fn unassign_county(
        &self,
        user_id: i64,
        county: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The counties assigned to a person, in bytewise (code point) order.
    fn user_counties(&self, user_id: i64) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Stores a session. [`StoreError::Conflict`] if its token hash is taken.
    fn create_session(&self, session: &NewSession) -> impl Future<Output = Result<()>> + Send;

    /// The session with this token hash and its person, unless it expired (`expires_at` at or
    /// before `now`) or the person is disabled.
    fn session(
        &self,
        token_hash: [u8; 32],
        now: i64,
    ) -> impl Future<Output = Result<Option<(Session, User)>>> + Send;

    /// Ends a session; nothing happens if there is none.
    fn delete_session(&self, token_hash: [u8; 32]) -> impl Future<Output = Result<()>> + Send;

    /// Deletes every session expired at `now`; answers how many.
    fn delete_expired_sessions(&self, now: i64) -> impl Future<Output = Result<u64>> + Send;

    /// Stores an invitation and, for [`InvitedOrg::New`], creates its organisation in the same
    /// transaction; answers both. [`StoreError::Conflict`] if the token hash or the new
    /// organisation's public ID is taken (nothing is stored then); [`StoreError::NotFound`]
    /// if an existing organisation named does not exist.
    fn create_invitation(
        &self,
        invitation: &NewInvitation,
    ) -> impl Future<Output = Result<(Invitation, Org)>> + Send;

    /// The invitation with this token hash, used or not, expired or not.
    fn invitation(
        &self,
        token_hash: [u8; 32],
    ) -> impl Future<Output = Result<Option<Invitation>>> + Send;

    /// Uses an invitation at `now`: in one transaction, marks it used unless it was used or
    /// has expired, and creates the person in its organisation with its role. Of concurrent
    /// redemptions of one invitation exactly one joins; the others see [`Redemption::Used`].
    /// A taken login stores nothing and leaves the invitation unused.
    fn redeem_invitation(
        &self,
        token_hash: [u8; 32],
        invitee: &Invitee,
        now: i64,
    ) -> impl Future<Output = Result<Redemption>> + Send;

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

    // --- Master data: locations and products (docs/master-data.md) ---------------------------

    /// The next value of the named counter: 1 the first time, then one more each call, never
    /// the same value twice, to concurrent callers either, and never again after a failed use.
    /// County-issued location numbers and GTIN item references are drawn from counters.
    fn next_number(&self, counter: &str) -> impl Future<Output = Result<u64>> + Send;

    /// Registers a location and, in the same transaction, gives its identifier to its
    /// organisation as a location asset (as [`Store::add_location`] does), so that capture
    /// accepts events there. [`StoreError::Conflict`] if the identifier is another
    /// organisation's asset or is already registered; nothing is stored then.
    fn create_location(
        &self,
        location: &NewMasterLocation,
    ) -> impl Future<Output = Result<MasterLocation>> + Send;

    /// The location with this internal key.
    fn location(&self, id: i64) -> impl Future<Output = Result<Option<MasterLocation>>> + Send;

    /// The locations of the organisations `visibility` reaches (its own for an organisation,
    /// those of a county's organisations, every one for [`Visibility::All`], none for
    /// [`Visibility::SharedOnly`]: master data is never shared), oldest first.
    fn locations(
        &self,
        visibility: &Visibility,
    ) -> impl Future<Output = Result<Vec<MasterLocation>>> + Send;

    /// Replaces a location's fields. [`StoreError::NotFound`] if there is no such location.
    fn update_location(
        &self,
        id: i64,
        fields: &LocationFields,
        updated_at: i64,
    ) -> impl Future<Output = Result<MasterLocation>> + Send;

    /// Registers a product; with [`NewProduct::county_gtin`] its GTIN becomes one of the
    /// organisation's assets ([`OrgAssets::gtins`]) in the same statement.
    /// [`StoreError::Conflict`] if its GTIN is registered already.
    fn create_product(&self, product: &NewProduct) -> impl Future<Output = Result<Product>> + Send;

    /// The product with this internal key.
    fn product(&self, id: i64) -> impl Future<Output = Result<Option<Product>>> + Send;

    /// The products of the organisations `visibility` reaches (as for
    /// [`Store::locations`]), oldest first.
    fn products(
        &self,
        visibility: &Visibility,
    ) -> impl Future<Output = Result<Vec<Product>>> + Send;

    /// Replaces a product's fields. [`StoreError::NotFound`] if there is no such product.
    fn update_product(
        &self,
        id: i64,
        fields: &ProductFields,
        updated_at: i64,
    ) -> impl Future<Output = Result<Product>> + Send;

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
