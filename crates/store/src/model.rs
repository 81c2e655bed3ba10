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
/// identifiers under, the single GTINs it owns without their prefix, and the locations it may
/// record events at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgAssets {
    /// GS1 company prefixes (digits).
    pub company_prefixes: Vec<String>,
    /// Location identifiers in their normalised form (canonical Digital Link of a GLN, or a
    /// county-issued identifier).
    pub locations: Vec<String>,
    /// GTINs (14 digits) it owns one by one: those allocated from the county's company prefix
    /// to its products ([`Product::county_gtin`]). The prefix itself stays the county's.
    pub gtins: Vec<String>,
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

// --- People: users, specialist assignments, sessions, invitations ---------------------------

/// What a person may do. Their organisation's [`Role`] still bounds what they may read and
/// write; this says which part they play in it (`docs/accounts.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UserRole {
    /// A farm or cooperative member who records their own produce.
    Producer,
    /// A processor or buyer.
    Processor,
    /// A county e-commerce office (电商办) officer: invites producers of their county.
    Officer,
    /// A science and technology specialist (科技特派员): onboards and helps producers in the
    /// counties assigned to them.
    Specialist,
    /// Runs the server.
    Admin,
}

impl UserRole {
    /// Every role, in a stable order.
    pub const ALL: [UserRole; 5] = [
        UserRole::Producer,
        UserRole::Processor,
        UserRole::Officer,
        UserRole::Specialist,
        UserRole::Admin,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Producer => "producer",
            UserRole::Processor => "processor",
            UserRole::Officer => "officer",
            UserRole::Specialist => "specialist",
            UserRole::Admin => "admin",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        UserRole::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// Whether a person with this role may belong to an organisation with role `org`: an
    /// admin to the admin organisation, an officer to a county office, producers and
    /// processors to member organisations, a specialist to a member organisation or a county
    /// office. A person never has rights their organisation lacks, and no organisation gains
    /// rights through a person.
    pub fn fits(self, org: Role) -> bool {
        match self {
            UserRole::Admin => org == Role::Admin,
            UserRole::Officer => org == Role::County,
            UserRole::Producer | UserRole::Processor => org == Role::Member,
            UserRole::Specialist => matches!(org, Role::Member | Role::County),
        }
    }
}

impl fmt::Display for UserRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The form a login is compared in: trimmed, full-width ASCII (as Chinese input methods type
/// it: `１３８…`) turned into ASCII, and lower-cased, so that `Lin`, `lin` and `ＬＩＮ` are one
/// login. Backends store and look logins up by this key.
pub fn login_key(login: &str) -> String {
    login
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A person who logs in.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Internal key.
    pub id: i64,
    /// The organisation they belong to and act for.
    pub org_id: i64,
    /// The login as they chose it (a phone number or a short name); unique in its
    /// [`login_key`] form.
    pub login: String,
    /// The name shown to others.
    pub display_name: String,
    /// The Argon2id PHC string of their password (never the password).
    pub password_hash: String,
    /// Their role.
    pub role: UserRole,
    /// The language they chose (`zh-CN`, `en`).
    pub locale: String,
    /// When the account was made, µs since the epoch, UTC.
    pub created_at: i64,
    /// A disabled person cannot log in, and their sessions are refused.
    pub disabled: bool,
}

/// The password hash stays out of logs.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("password_hash", &"<redacted>")
            .field("role", &self.role)
            .field("locale", &self.locale)
            .field("created_at", &self.created_at)
            .field("disabled", &self.disabled)
            .finish()
    }
}

/// A person to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// Their organisation.
    pub org_id: i64,
    /// The login (see [`User::login`]).
    pub login: String,
    /// The name shown to others.
    pub display_name: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// Their role.
    pub role: UserRole,
    /// Their language.
    pub locale: String,
    /// Now, µs.
    pub created_at: i64,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("org_id", &self.org_id)
            .field("login", &self.login)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A login session. The store keeps the SHA-256 of the session token (the cookie's value),
/// never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the session token.
    pub token_hash: [u8; 32],
    /// Whose session it is.
    pub user_id: i64,
    /// The token every state-changing request of the session must carry.
    pub csrf_token: String,
    /// When it started, µs.
    pub created_at: i64,
    /// When it stops being accepted, µs.
    pub expires_at: i64,
}

/// A live session, as [`crate::Store::session`] finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Whose session it is.
    pub user_id: i64,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// When it started, µs.
    pub created_at: i64,
    /// When it stops being accepted, µs.
    pub expires_at: i64,
}

/// The organisation an invitation is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvitedOrg {
    /// One that exists (internal key).
    Existing(i64),
    /// One created with the invitation, in the same transaction (a new farm or cooperative).
    New(NewOrg),
}

/// An invitation to create. The store keeps the SHA-256 of the invitation token (the secret
/// part of the link), never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvitation {
    /// SHA-256 of the invitation token.
    pub token_hash: [u8; 32],
    /// The organisation the invitee joins.
    pub org: InvitedOrg,
    /// The role the invitee gets.
    pub role: UserRole,
    /// The inviting organisation.
    pub created_by_org: i64,
    /// The inviting person (`None` when an API token of the organisation invited).
    pub created_by_user: Option<i64>,
    /// Now, µs.
    pub created_at: i64,
    /// When the link stops working, µs.
    pub expires_at: i64,
}

/// A stored invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    /// Internal key.
    pub id: i64,
    /// The organisation the invitee joins.
    pub org_id: i64,
    /// The role the invitee gets.
    pub role: UserRole,
    /// The inviting organisation.
    pub created_by_org: i64,
    /// The inviting person.
    pub created_by_user: Option<i64>,
    /// When it was made, µs.
    pub created_at: i64,
    /// When the link stops working, µs.
    pub expires_at: i64,
    /// When it was used, if it was.
    pub used_at: Option<i64>,
    /// Who it made, if it was used.
    pub used_by: Option<i64>,
}

/// The person an invitation makes: the invitation supplies the organisation and the role.
#[derive(Clone, PartialEq, Eq)]
pub struct Invitee {
    /// The login (see [`User::login`]).
    pub login: String,
    /// The name shown to others.
    pub display_name: String,
    /// The Argon2id PHC string.
    pub password_hash: String,
    /// Their language.
    pub locale: String,
}

impl fmt::Debug for Invitee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitee")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// What using an invitation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Redemption {
    /// The person was created and the invitation is used up.
    Joined(User),
    /// No invitation has this token.
    Unknown,
    /// It was used before.
    Used,
    /// It expired.
    Expired,
    /// The login is taken; the invitation stays unused.
    LoginTaken,
}

// --- Master data: producers' locations and products (docs/master-data.md) -------------------

/// What a producer may change about a location (everything but its kind and identifier).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LocationFields {
    /// Its name in Chinese (`2 号茶园`).
    pub name_zh: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// The township (乡镇) it is in.
    pub township: Option<String>,
    /// The village (村) it is in.
    pub village: Option<String>,
    /// For a plot: the farm it belongs to (a [`MasterLocation::id`]).
    pub parent_id: Option<i64>,
    /// For a plot: its area in 亩 (mu).
    pub area_mu: Option<f64>,
    /// For a plot: its area in square metres.
    pub area_m2: Option<f64>,
    /// For a plot: what grows on it.
    pub crop: Option<String>,
}

/// A location to register: a farm, plot, workshop, warehouse or shop.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMasterLocation {
    /// The organisation it belongs to.
    pub org_id: i64,
    /// `farm`, `plot`, `workshop`, `warehouse` or `shop` (the service checks it).
    pub kind: String,
    /// Its identifier in normal form: the canonical Digital Link of its GLN or a
    /// county-issued identifier. It becomes the organisation's location asset.
    pub identifier: String,
    /// Whether Retu minted the identifier (no GLN).
    pub county_issued: bool,
    /// The rest.
    pub fields: LocationFields,
    /// When it was registered, µs since the epoch, UTC.
    pub created_at: i64,
}

/// A registered location.
#[derive(Clone, Debug, PartialEq)]
pub struct MasterLocation {
    /// Internal key.
    pub id: i64,
    /// The organisation it belongs to.
    pub org_id: i64,
    /// Its kind.
    pub kind: String,
    /// Its identifier (see [`NewMasterLocation::identifier`]); never changes.
    pub identifier: String,
    /// Whether Retu minted the identifier.
    pub county_issued: bool,
    /// The rest.
    pub fields: LocationFields,
    /// When it was registered (µs).
    pub created_at: i64,
    /// When it was last changed (µs).
    pub updated_at: i64,
}

/// What a producer may change about a product (everything but its GTIN).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductFields {
    /// Its name in Chinese (`凌云白毫红茶 罐装`).
    pub name_zh: String,
    /// Its name in English.
    pub name_en: Option<String>,
    /// The unit it is counted or weighed in (`kg`, `jin`, `box`, …; the service checks it).
    pub unit: String,
    /// Its category (`tea`, `rice`, …; the service checks it).
    pub category: String,
    /// Its brand, for example a regional public brand (凌云白毫).
    pub brand: Option<String>,
}

/// A product to register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewProduct {
    /// The organisation it belongs to.
    pub org_id: i64,
    /// Its GTIN, 14 digits; unique among products.
    pub gtin: String,
    /// Whether the GTIN was allocated from the county's prefix: the organisation then owns
    /// this GTIN alone ([`OrgAssets::gtins`]).
    pub county_gtin: bool,
    /// The rest.
    pub fields: ProductFields,
    /// When it was registered (µs).
    pub created_at: i64,
}

/// A registered product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Internal key.
    pub id: i64,
    /// The organisation it belongs to.
    pub org_id: i64,
    /// Its GTIN (14 digits); never changes.
    pub gtin: String,
    /// Whether the GTIN was allocated from the county's prefix.
    pub county_gtin: bool,
    /// The rest.
    pub fields: ProductFields,
    /// When it was registered (µs).
    pub created_at: i64,
    /// When it was last changed (µs).
    pub updated_at: i64,
}
