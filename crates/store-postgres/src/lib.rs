//! The PostgreSQL backend of [`store::Store`], for deployments that outgrow one SQLite file: a
//! county server shared by many cooperatives, or several Retu processes on one database.
//!
//! It behaves exactly like `store-sqlite` (both pass `store`'s conformance suite); only the SQL
//! differs. The schema lives in `migrations/`, and [`PgStore::connect`] brings it up to date.
//!
//! Durability: every connection is opened with `synchronous_commit = on` (a startup option, so
//! it overrides whatever the server, database or role default is, including `off`), so a
//! `COMMIT` returns only once the transaction's WAL is flushed to disk — and, when the server has
//! synchronous standbys, to them too (a stricter server default such as `remote_apply` is
//! lowered to `on` for Retu's sessions). [`Store::append_events`] acknowledges only after that
//! commit. The server itself must run with `fsync = on` (its default) for "flushed" to mean
//! anything; that is server configuration, not something a client can set. Connect directly or
//! through a session-mode pooler: a transaction-mode pooler does not pass startup options on.
//!
//! Sequencing: log indices come from the explicit counter `log_state.sequenced`, never from a
//! database sequence. `append_events` and `commit_integration` lock the single `log_state` row
//! (`SELECT … FOR UPDATE`) first, so concurrent writers — in this process or another — queue
//! on it, and each one reads the counter, inserts its rows and moves the counter in one
//! `READ COMMITTED` transaction. `publish_checkpoint` locks the `checkpoints` table against
//! other writers (readers are not blocked) so that its compare-and-swap is atomic without
//! waiting for a sequencing batch.
//!
//! Bulk writes: a batch is written with one `INSERT … SELECT FROM UNNEST($1::bigint[], …)` per
//! table, each column bound as one array, so a batch of any size costs a handful of statements
//! and one WAL flush. Known event IDs are found with one `= ANY($1)` lookup. The event tables
//! have no foreign keys (PostgreSQL checks those one row at a time, which doubled the cost of a
//! large append); the events' organisations are checked, and locked against deletion, with one
//! query per batch instead, so an append for an unknown organisation still fails whole.
//!
//! Text that is matched or sorted (identifiers, URIs, vocabulary values) is stored `COLLATE "C"`,
//! so comparisons are bytewise whatever the database's collation, as in SQLite; EPC prefix
//! patterns become the index-friendly range `value >= prefix AND value < successor(prefix)`.

use std::collections::HashMap;
use std::str::FromStr;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
// The dynamic SQL strings are made of this file's constants only, never of input.
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};
use store::{
    Appended, CaptureJob, Column, Condition, EventQuery, JobState, LogState, NewEvent, NewOrg,
    NewRecord, Order, Org, OrgAssets, Result, Role, ScanCount, ScanTotals, Store, StoreError,
    StoredCheckpoint, StoredEvent, StoredRecord, TimeField, Visibility, Vocabulary,
};
use tlog::{Hash, TileCoord};

// People, sessions and invitations live in their own module; the Store methods delegate.
mod accounts;
use store::{Invitation, Invitee, NewInvitation, NewSession, NewUser, Redemption, Session, User};

// Producers' master data (locations, products, counters) likewise.
mod master_data;
use store::{
    LocationFields, MasterLocation, NewMasterLocation, NewProduct, Product, ProductFields,
};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Connections per pool when the caller does not choose: enough for the server's concurrent
/// readers while leaving room under PostgreSQL's default limit of 100 for other clients.
const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How every writing transaction starts. `READ COMMITTED` is PostgreSQL's default, but it is
/// what the locking relies on (each statement after the lock sees what the previous lock holder
/// committed), so it is stated rather than inherited from a server setting.
const BEGIN_WRITE: &str = "BEGIN ISOLATION LEVEL READ COMMITTED";

/// The `kind` of the log entries this store writes.
const EVENT_ENTRY: &str = "epcis-event";

/// Code prefixes per scan-activity statement (two bound values each).
const PREFIXES_PER_QUERY: usize = 1000;

/// A Retu store in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    pool: PgPool,
}

fn db(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(database) = &error
        && database.is_unique_violation()
    {
        return StoreError::Conflict(database.message().to_owned());
    }
    StoreError::Database(Box::new(error))
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn to_i64(value: u64) -> Result<i64> {
    i64::try_from(value).map_err(|_| corrupt("index beyond 2^63"))
}

fn to_u64(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| corrupt("negative index"))
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user@host:port/database?…`) and brings
    /// its schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url).map_err(db)?;
        Self::connect_with(
            PgPoolOptions::new().max_connections(DEFAULT_MAX_CONNECTIONS),
            options,
        )
        .await
    }

    /// Connects with explicit pool and connection options and brings the schema up to date.
    /// `synchronous_commit = on` is added to the connection options whatever they say.
    pub async fn connect_with(pool: PgPoolOptions, options: PgConnectOptions) -> Result<Self> {
        let options = options.options([("synchronous_commit", "on")]);
        let pool = pool.connect_with(options).await.map_err(db)?;
        if let Err(error) = MIGRATOR.run(&pool).await {
            pool.close().await;
            return Err(StoreError::Database(Box::new(error)));
        }
        Ok(PgStore { pool })
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The connection pool, for tests and for tools that must change stored data directly (the
    /// tamper-evidence tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn org_from_row(row: &PgRow) -> Result<Org> {
    let role: String = row.try_get("role").map_err(db)?;
    Ok(Org {
        id: row.try_get("id").map_err(db)?,
        public_id: row.try_get("public_id").map_err(db)?,
        name: row.try_get("name").map_err(db)?,
        role: Role::parse(&role).ok_or_else(|| corrupt("unknown role"))?,
        county: row.try_get("county").map_err(db)?,
    })
}

const EVENT_COLUMNS: &str = "e.log_index, e.event_id, e.event_hash, e.org_id, e.shared, \
     e.event_type, e.event_time, e.record_time, e.body, l.leaf";

const RECORD_COLUMNS: &str =
    "r.log_index, r.kind, r.record_id, r.org_id, r.created_at, r.body, l.leaf";

fn record_from_row(row: &PgRow) -> Result<StoredRecord> {
    Ok(StoredRecord {
        index: to_u64(row.try_get(0).map_err(db)?)?,
        kind: row.try_get(1).map_err(db)?,
        record_id: row.try_get(2).map_err(db)?,
        org_id: row.try_get(3).map_err(db)?,
        created_at: row.try_get(4).map_err(db)?,
        body: row.try_get(5).map_err(db)?,
        leaf: row.try_get(6).map_err(db)?,
    })
}

fn event_from_row(row: &PgRow) -> Result<StoredEvent> {
    Ok(StoredEvent {
        index: to_u64(row.try_get(0).map_err(db)?)?,
        event_id: row.try_get(1).map_err(db)?,
        event_hash: row.try_get(2).map_err(db)?,
        org_id: row.try_get(3).map_err(db)?,
        shared: row.try_get(4).map_err(db)?,
        event_type: row.try_get(5).map_err(db)?,
        event_time: row.try_get(6).map_err(db)?,
        record_time: row.try_get(7).map_err(db)?,
        body: row.try_get(8).map_err(db)?,
        leaf: row.try_get(9).map_err(db)?,
    })
}

fn job_from_row(row: &PgRow) -> Result<CaptureJob> {
    let state: String = row.try_get("state").map_err(db)?;
    Ok(CaptureJob {
        id: row.try_get("id").map_err(db)?,
        org_id: row.try_get("org_id").map_err(db)?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("unknown job state"))?,
        stored: to_u64(row.try_get("stored").map_err(db)?)?,
        errors: row.try_get("errors").map_err(db)?,
        created_at: row.try_get("created_at").map_err(db)?,
        finished_at: row.try_get("finished_at").map_err(db)?,
    })
}

/// Appends the visibility restriction for events aliased `e`.
fn push_visibility(builder: &mut QueryBuilder<Postgres>, visibility: &Visibility) {
    match visibility {
        Visibility::All => {}
        Visibility::Org(org) => {
            builder.push(" AND (e.shared OR e.org_id = ");
            builder.push_bind(*org);
            builder.push(")");
        }
        Visibility::County(county) => {
            builder.push(" AND (e.shared OR e.org_id IN (SELECT id FROM orgs WHERE county = ");
            builder.push_bind(county.as_str());
            builder.push("))");
        }
        Visibility::Counties { org, counties } => {
            builder.push(" AND (e.shared OR e.org_id = ");
            builder.push_bind(*org);
            builder.push(" OR e.org_id IN (SELECT id FROM orgs WHERE county = ANY(");
            builder.push_bind(counties.as_slice());
            builder.push(")))");
        }
        Visibility::SharedOnly => {
            builder.push(" AND e.shared");
        }
    }
}

/// Appends `column = ANY($n)` with the values bound as one text array.
fn push_any(builder: &mut QueryBuilder<Postgres>, column: &str, values: &[String]) {
    builder.push(format_args!(" {column} = ANY("));
    builder.push_bind(values);
    builder.push(")");
}

fn column_name(column: Column) -> &'static str {
    match column {
        Column::EventId => "e.event_id",
        Column::Action => "e.action",
        Column::BizStep => "e.biz_step",
        Column::Disposition => "e.disposition",
        Column::ReadPoint => "e.read_point",
        Column::BizLocation => "e.biz_location",
    }
}

fn time_column(field: TimeField) -> &'static str {
    match field {
        TimeField::EventTime => "e.event_time",
        TimeField::RecordTime => "e.record_time",
    }
}

fn push_condition(builder: &mut QueryBuilder<Postgres>, condition: &Condition) {
    match condition {
        Condition::EventType(types) => {
            builder.push(" AND");
            push_any(builder, "e.event_type", types);
        }
        Condition::TimeAtLeast(field, at) => {
            builder.push(format_args!(" AND {} >= ", time_column(*field)));
            builder.push_bind(*at);
        }
        Condition::TimeBefore(field, before) => {
            builder.push(format_args!(" AND {} < ", time_column(*field)));
            builder.push_bind(*before);
        }
        Condition::ColumnIn(column, values) => {
            builder.push(" AND");
            push_any(builder, column_name(*column), values);
        }
        Condition::Identifier {
            roles,
            values,
            prefixes,
        } => {
            // `value` is COLLATE "C": `=`, `>=` and `<` compare bytes and use the
            // (value, role, log_index) index.
            builder.push(
                " AND EXISTS (SELECT 1 FROM event_identifiers i WHERE i.log_index = e.log_index AND",
            );
            let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            builder.push(" i.role = ANY(");
            builder.push_bind(roles);
            builder.push(") AND (FALSE");
            if !values.is_empty() {
                builder.push(" OR");
                push_any(builder, "i.value", values);
            }
            for prefix in prefixes {
                builder.push(" OR (i.value >= ");
                builder.push_bind(prefix.as_str());
                if let Some(end) = store::prefix_successor(prefix) {
                    builder.push(" AND i.value < ");
                    builder.push_bind(end);
                }
                builder.push(")");
            }
            builder.push("))");
        }
        Condition::RecordedInCounty(county) => {
            builder.push(" AND e.org_id IN (SELECT id FROM orgs WHERE county = ");
            builder.push_bind(county.clone());
            builder.push(")");
        }
        Condition::FieldsPresent(mask) => {
            builder.push(" AND (e.fields & ");
            builder.push_bind(i64::from(*mask));
            builder.push(") = ");
            builder.push_bind(i64::from(*mask));
        }
        Condition::Attribute { name, values } => {
            builder.push(
                " AND EXISTS (SELECT 1 FROM event_attributes a WHERE a.log_index = e.log_index AND a.name = ",
            );
            builder.push_bind(name.as_str());
            builder.push(" AND");
            push_any(builder, "a.value", values);
            builder.push(")");
        }
    }
}

/// Inserts an asset row (company prefix or location) unless it exists, and fails unless the
/// stored owner is `org_id`. `sql` must return the owner of the stored row.
async fn claim(pool: &PgPool, sql: &'static str, org_id: i64, what: &str) -> Result<()> {
    let owner: i64 = sqlx::query_scalar(sql)
        .bind(what)
        .bind(org_id)
        .fetch_one(pool)
        .await
        .map_err(db)?;
    if owner == org_id {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "{what} belongs to another organisation"
        )))
    }
}

impl Store for PgStore {
    async fn create_org(&self, org: NewOrg) -> Result<Org> {
        let row = sqlx::query(
            "INSERT INTO orgs (public_id, name, role, county) VALUES ($1, $2, $3, $4) \
             RETURNING id, public_id, name, role, county",
        )
        .bind(&org.public_id)
        .bind(&org.name)
        .bind(org.role.as_str())
        .bind(&org.county)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        org_from_row(&row)
    }

    async fn org(&self, id: i64) -> Result<Option<Org>> {
        let row = sqlx::query("SELECT id, public_id, name, role, county FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn org_by_public_id(&self, public_id: &str) -> Result<Option<Org>> {
        let row =
            sqlx::query("SELECT id, public_id, name, role, county FROM orgs WHERE public_id = $1")
                .bind(public_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, public_id, name, role, county FROM orgs ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(org_from_row).collect()
    }

    async fn add_token(
        &self,
        org_id: i64,
        token_hash: [u8; 32],
        label: &str,
        created_at: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO tokens (hash, org_id, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash.as_slice())
            .bind(org_id)
            .bind(label)
            .bind(created_at)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn org_by_token(&self, token_hash: [u8; 32]) -> Result<Option<Org>> {
        let row = sqlx::query(
            "SELECT o.id, o.public_id, o.name, o.role, o.county FROM tokens t \
             JOIN orgs o ON o.id = t.org_id WHERE t.hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash.as_slice())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn add_company_prefix(&self, org_id: i64, prefix: &str) -> Result<()> {
        // The no-op update makes RETURNING yield the stored row on a conflict too, and locks it
        // so that a concurrent claim waits and then sees the winner.
        claim(
            &self.pool,
            "INSERT INTO company_prefixes (prefix, org_id) VALUES ($1, $2) \
             ON CONFLICT (prefix) DO UPDATE SET prefix = excluded.prefix RETURNING org_id",
            org_id,
            prefix,
        )
        .await
    }

    async fn add_location(&self, org_id: i64, location: &str) -> Result<()> {
        claim(
            &self.pool,
            "INSERT INTO locations (location, org_id) VALUES ($1, $2) \
             ON CONFLICT (location) DO UPDATE SET location = excluded.location RETURNING org_id",
            org_id,
            location,
        )
        .await
    }

    async fn org_assets(&self, org_id: i64) -> Result<OrgAssets> {
        let company_prefixes = sqlx::query_scalar(
            "SELECT prefix FROM company_prefixes WHERE org_id = $1 ORDER BY prefix",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let locations = sqlx::query_scalar(
            "SELECT location FROM locations WHERE org_id = $1 ORDER BY location",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(OrgAssets {
            company_prefixes,
            locations,
            gtins: master_data::owned_gtins(self, org_id).await?,
        })
    }

    async fn create_user(&self, user: NewUser) -> Result<User> {
        accounts::create_user(self, user).await
    }

    async fn user(&self, id: i64) -> Result<Option<User>> {
        accounts::user(self, id).await
    }

    async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        accounts::user_by_login(self, login).await
    }

    async fn set_user_disabled(&self, user_id: i64, disabled: bool) -> Result<()> {
        accounts::set_user_disabled(self, user_id, disabled).await
    }

    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<[u8; 32]>,
    ) -> Result<()> {
        accounts::set_password(self, user_id, password_hash, keep_session).await
    }

    async fn users_of_orgs(&self, org_ids: &[i64]) -> Result<Vec<User>> {
        accounts::users_of_orgs(self, org_ids).await
    }

    async fn assign_county(&self, user_id: i64, county: &str) -> Result<()> {
        accounts::assign_county(self, user_id, county).await
    }

    async fn unassign_county(&self, user_id: i64, county: &str) -> Result<()> {
        accounts::unassign_county(self, user_id, county).await
    }

    async fn user_counties(&self, user_id: i64) -> Result<Vec<String>> {
        accounts::user_counties(self, user_id).await
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        accounts::create_session(self, session).await
    }

    async fn session(&self, token_hash: [u8; 32], now: i64) -> Result<Option<(Session, User)>> {
        accounts::session(self, token_hash, now).await
    }

    async fn delete_session(&self, token_hash: [u8; 32]) -> Result<()> {
        accounts::delete_session(self, token_hash).await
    }

    async fn delete_expired_sessions(&self, now: i64) -> Result<u64> {
        accounts::delete_expired_sessions(self, now).await
    }

    async fn create_invitation(&self, invitation: &NewInvitation) -> Result<(Invitation, Org)> {
        accounts::create_invitation(self, invitation).await
    }

    async fn invitation(&self, token_hash: [u8; 32]) -> Result<Option<Invitation>> {
        accounts::invitation(self, token_hash).await
    }

    async fn redeem_invitation(
        &self,
        token_hash: [u8; 32],
        invitee: &Invitee,
        now: i64,
    ) -> Result<Redemption> {
        accounts::redeem_invitation(self, token_hash, invitee, now).await
    }

    async fn append_events(&self, events: &[NewEvent]) -> Result<Vec<Appended>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
        // Queue behind any other sequencer; from here on this transaction owns the counter.
        let sequenced: i64 =
            sqlx::query_scalar("SELECT sequenced FROM log_state WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;

        let ids: Vec<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let rows = sqlx::query(
            "SELECT event_id, log_index, event_hash FROM events WHERE event_id = ANY($1)",
        )
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        let mut known: HashMap<String, (u64, String)> = HashMap::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get(0).map_err(db)?;
            let index = to_u64(row.try_get(1).map_err(db)?)?;
            known.insert(id, (index, row.try_get(2).map_err(db)?));
        }

        let mut next = to_u64(sequenced)?;
        let mut outcomes = Vec::with_capacity(events.len());
        let mut fresh: Vec<(i64, &NewEvent)> = Vec::with_capacity(events.len());
        let mut taken = Vec::new();
        for (position, event) in events.iter().enumerate() {
            if let Some((index, event_hash)) = known.get(&event.event_id) {
                if *event_hash != event.event_hash {
                    taken.push(position);
                }
                outcomes.push(Appended::Existing {
                    index: *index,
                    event_hash: event_hash.clone(),
                });
            } else {
                known.insert(event.event_id.clone(), (next, event.event_hash.clone()));
                outcomes.push(Appended::New { index: next });
                fresh.push((to_i64(next)?, event));
                next += 1;
            }
        }
        if !taken.is_empty() {
            // Dropping the transaction rolls it back.
            return Err(StoreError::EventIdsTaken(taken));
        }

        if !fresh.is_empty() {
            check_orgs(&mut tx, &fresh).await?;
            insert_events(&mut tx, &fresh).await?;
            sqlx::query("UPDATE log_state SET sequenced = $1 WHERE id = 1")
                .bind(to_i64(next)?)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        // With synchronous_commit = on, this returns once the commit record is on disk.
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
    }

    async fn event(&self, event_id: &str) -> Result<Option<StoredEvent>> {
        let mut builder = QueryBuilder::<Postgres>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index WHERE e.event_id = "
        ));
        builder.push_bind(event_id);
        let row = builder
            .build()
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn query_events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>> {
        let mut builder = QueryBuilder::<Postgres>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index WHERE TRUE"
        ));
        push_visibility(&mut builder, &query.visibility);
        for condition in &query.conditions {
            push_condition(&mut builder, condition);
        }
        let key = match query.order {
            Order::Index => "e.log_index",
            Order::EventTime => "e.event_time",
            Order::RecordTime => "e.record_time",
        };
        let (comparison, direction) = if query.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some((value, index)) = query.after {
            let index = to_i64(index)?;
            if query.order == Order::Index {
                builder.push(format_args!(" AND e.log_index {comparison} "));
                builder.push_bind(index);
            } else {
                // A row comparison, which the (time, log_index) indexes serve directly.
                builder.push(format_args!(" AND ({key}, e.log_index) {comparison} ("));
                builder.push_bind(value);
                builder.push(", ");
                builder.push_bind(index);
                builder.push(")");
            }
        }
        if query.order == Order::Index {
            builder.push(format_args!(" ORDER BY e.log_index {direction}"));
        } else {
            builder.push(format_args!(
                " ORDER BY {key} {direction}, e.log_index {direction}"
            ));
        }
        builder.push(" LIMIT ");
        builder.push_bind(i64::from(query.limit));
        let rows = builder.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn vocabulary(&self, which: Vocabulary, visibility: &Visibility) -> Result<Vec<String>> {
        // The columns are COLLATE "C", so the order is bytewise, as in SQLite.
        let column = match which {
            Vocabulary::EventTypes => "e.event_type",
            Vocabulary::BizSteps => "e.biz_step",
            Vocabulary::Dispositions => "e.disposition",
            Vocabulary::ReadPoints => "e.read_point",
            Vocabulary::BizLocations => "e.biz_location",
        };
        let mut builder = QueryBuilder::<Postgres>::new(format!(
            "SELECT DISTINCT {column} FROM events e WHERE {column} IS NOT NULL"
        ));
        push_visibility(&mut builder, visibility);
        builder.push(format_args!(" ORDER BY {column}"));
        let rows = builder.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(|row| row.try_get(0).map_err(db)).collect()
    }

    async fn events_from(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let mut builder = QueryBuilder::<Postgres>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index \
             WHERE e.log_index >= "
        ));
        builder.push_bind(to_i64(from)?);
        builder.push(" ORDER BY e.log_index LIMIT ");
        builder.push_bind(i64::from(limit));
        let rows = builder.build().fetch_all(&self.pool).await.map_err(db)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn append_record(&self, record: &NewRecord) -> Result<u64> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
        // Queue behind any other sequencer; from here on this transaction owns the counter, so
        // the check for a taken ID below cannot race with another append of the same record.
        let sequenced: i64 =
            sqlx::query_scalar("SELECT sequenced FROM log_state WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT log_index FROM records WHERE kind = $1 AND record_id = $2")
                .bind(&record.kind)
                .bind(&record.record_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::Conflict(format!(
                "a {} with ID {} exists",
                record.kind, record.record_id
            )));
        }
        sqlx::query("INSERT INTO log_entries (idx, kind, leaf) VALUES ($1, $2, $3)")
            .bind(sequenced)
            .bind(&record.kind)
            .bind(&record.leaf)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO records (log_index, kind, record_id, org_id, created_at, body) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(sequenced)
        .bind(&record.kind)
        .bind(&record.record_id)
        .bind(record.org_id)
        .bind(record.created_at)
        .bind(&record.body)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO record_subjects (value, kind, log_index) \
             SELECT DISTINCT value, $2, $3 FROM UNNEST($1::text[]) AS value",
        )
        .bind(&record.subjects)
        .bind(&record.kind)
        .bind(sequenced)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("UPDATE log_state SET sequenced = $1 WHERE id = 1")
            .bind(sequenced + 1)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        to_u64(sequenced)
    }

    async fn record(&self, kind: &str, record_id: &str) -> Result<Option<StoredRecord>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN log_entries l ON l.idx = r.log_index \
             WHERE r.kind = $1 AND r.record_id = $2"
        )))
        .bind(kind)
        .bind(record_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn records_about(&self, kind: &str, subjects: &[String]) -> Result<Vec<StoredRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN log_entries l ON l.idx = r.log_index \
             WHERE r.log_index IN (SELECT log_index FROM record_subjects \
                                   WHERE kind = $1 AND value = ANY($2)) \
             ORDER BY r.log_index"
        )))
        .bind(kind)
        .bind(subjects)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    async fn count_records(&self, kind: &str) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = $1")
            .bind(kind)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        to_u64(count)
    }

    async fn records_in(&self, from: u64, to: u64) -> Result<Vec<StoredRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN log_entries l ON l.idx = r.log_index \
             WHERE r.log_index >= $1 AND r.log_index < $2 ORDER BY r.log_index"
        )))
        .bind(to_i64(from)?)
        .bind(to_i64(to.min(i64::MAX as u64))?)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.iter().map(record_from_row).collect()
    }

    async fn next_number(&self, counter: &str) -> Result<u64> {
        master_data::next_number(self, counter).await
    }

    async fn create_location(&self, location: &NewMasterLocation) -> Result<MasterLocation> {
        master_data::create_location(self, location).await
    }

    async fn location(&self, id: i64) -> Result<Option<MasterLocation>> {
        master_data::location(self, id).await
    }

    async fn locations(&self, visibility: &Visibility) -> Result<Vec<MasterLocation>> {
        master_data::locations(self, visibility).await
    }

    async fn update_location(
        &self,
        id: i64,
        fields: &LocationFields,
        updated_at: i64,
    ) -> Result<MasterLocation> {
        master_data::update_location(self, id, fields, updated_at).await
    }

    async fn create_product(&self, product: &NewProduct) -> Result<Product> {
        master_data::create_product(self, product).await
    }

    async fn product(&self, id: i64) -> Result<Option<Product>> {
        master_data::product(self, id).await
    }

    async fn products(&self, visibility: &Visibility) -> Result<Vec<Product>> {
        master_data::products(self, visibility).await
    }

    async fn update_product(
        &self,
        id: i64,
        fields: &ProductFields,
        updated_at: i64,
    ) -> Result<Product> {
        master_data::update_product(self, id, fields, updated_at).await
    }

    async fn create_job(&self, job: &CaptureJob) -> Result<()> {
        sqlx::query(
            "INSERT INTO capture_jobs (id, org_id, state, stored, errors, created_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&job.id)
        .bind(job.org_id)
        .bind(job.state.as_str())
        .bind(to_i64(job.stored)?)
        .bind(&job.errors)
        .bind(job.created_at)
        .bind(job.finished_at)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn finish_job(&self, job: &CaptureJob) -> Result<()> {
        let done = sqlx::query(
            "UPDATE capture_jobs SET state = $1, stored = $2, errors = $3, finished_at = $4 \
             WHERE id = $5",
        )
        .bind(job.state.as_str())
        .bind(to_i64(job.stored)?)
        .bind(&job.errors)
        .bind(job.finished_at)
        .bind(&job.id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn job(&self, id: &str) -> Result<Option<CaptureJob>> {
        let row = sqlx::query(
            "SELECT id, org_id, state, stored, errors, created_at, finished_at \
             FROM capture_jobs WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn log_state(&self) -> Result<LogState> {
        let row = sqlx::query("SELECT sequenced, integrated, edge FROM log_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let edge: Vec<u8> = row.try_get(2).map_err(db)?;
        if !edge.len().is_multiple_of(32) {
            return Err(corrupt("log edge is not whole hashes"));
        }
        Ok(LogState {
            sequenced: to_u64(row.try_get(0).map_err(db)?)?,
            integrated: to_u64(row.try_get(1).map_err(db)?)?,
            edge: edge
                .chunks_exact(32)
                .map(|chunk| Hash::from_slice(chunk).map_err(|_| corrupt("log edge hash")))
                .collect::<Result<_>>()?,
        })
    }

    async fn leaves(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
        let rows = sqlx::query(
            "SELECT idx, leaf FROM log_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
        )
        .bind(to_i64(from)?)
        .bind(to_i64(to)?)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        let mut leaves = Vec::with_capacity(rows.len());
        for (expected, row) in (from..).zip(&rows) {
            if to_u64(row.try_get(0).map_err(db)?)? != expected {
                return Err(corrupt("a log entry is missing"));
            }
            leaves.push(row.try_get(1).map_err(db)?);
        }
        Ok(leaves)
    }

    async fn tiles(&self, coords: &[TileCoord]) -> Result<Vec<Option<Vec<u8>>>> {
        if coords.is_empty() {
            return Ok(Vec::new());
        }
        let mut levels = Vec::with_capacity(coords.len());
        let mut indices = Vec::with_capacity(coords.len());
        let mut widths = Vec::with_capacity(coords.len());
        for coord in coords {
            levels.push(i64::from(coord.level));
            indices.push(to_i64(coord.index)?);
            widths.push(i64::from(coord.width));
        }
        // One round trip: the coordinates as a numbered list, each joined to its tile if stored.
        let rows = sqlx::query(
            "SELECT t.data FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[]) \
             WITH ORDINALITY AS c (level, idx, width, n) \
             LEFT JOIN tiles t ON t.level = c.level AND t.idx = c.idx AND t.width = c.width \
             ORDER BY c.n",
        )
        .bind(&levels)
        .bind(&indices)
        .bind(&widths)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        if rows.len() != coords.len() {
            return Err(corrupt("a tile coordinate matched more than one tile"));
        }
        rows.iter()
            .map(|row| row.try_get::<Option<Vec<u8>>, _>(0).map_err(db))
            .collect()
    }

    async fn commit_integration(
        &self,
        from: u64,
        to: u64,
        edge: &[Hash],
        tiles: &[(TileCoord, Vec<u8>)],
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
        let (integrated, sequenced): (i64, i64) =
            sqlx::query_as("SELECT integrated, sequenced FROM log_state WHERE id = 1 FOR UPDATE")
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        if to_u64(integrated)? != from {
            return Err(StoreError::Conflict(format!(
                "the log is no longer integrated up to {from}"
            )));
        }
        if to < from || to > to_u64(sequenced)? {
            return Err(StoreError::Conflict(format!(
                "cannot integrate from {from} to {to} with {sequenced} entries sequenced"
            )));
        }
        let edge_bytes: Vec<u8> = edge.iter().flat_map(|h| h.0).collect();
        sqlx::query("UPDATE log_state SET integrated = $1, edge = $2 WHERE id = 1")
            .bind(to_i64(to)?)
            .bind(edge_bytes)
            .execute(&mut *tx)
            .await
            .map_err(db)?;

        // The last copy of a coordinate wins, as with SQLite's INSERT OR REPLACE; PostgreSQL
        // refuses to upsert one row twice in a statement, so duplicates are dropped here.
        let mut last: HashMap<(u8, u64, u16), usize> = HashMap::with_capacity(tiles.len());
        for (position, (coord, _)) in tiles.iter().enumerate() {
            last.insert((coord.level, coord.index, coord.width), position);
        }
        let mut levels = Vec::with_capacity(last.len());
        let mut indices = Vec::with_capacity(last.len());
        let mut widths = Vec::with_capacity(last.len());
        let mut data: Vec<&[u8]> = Vec::with_capacity(last.len());
        for (position, (coord, bytes)) in tiles.iter().enumerate() {
            if last.get(&(coord.level, coord.index, coord.width)) == Some(&position) {
                levels.push(i64::from(coord.level));
                indices.push(to_i64(coord.index)?);
                widths.push(i64::from(coord.width));
                data.push(bytes);
            }
        }
        if !data.is_empty() {
            sqlx::query(
                "INSERT INTO tiles (level, idx, width, data) \
                 SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[], $4::bytea[]) \
                 ON CONFLICT (level, idx, width) DO UPDATE SET data = excluded.data",
            )
            .bind(&levels)
            .bind(&indices)
            .bind(&widths)
            .bind(&data)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, note, published_at FROM checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|row| {
            Ok(StoredCheckpoint {
                size: to_u64(row.try_get(0).map_err(db)?)?,
                note: row.try_get(1).map_err(db)?,
                published_at: row.try_get(2).map_err(db)?,
            })
        })
        .transpose()
    }

    async fn publish_checkpoint(
        &self,
        previous: Option<u64>,
        checkpoint: &StoredCheckpoint,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
        // EXCLUSIVE blocks other writers of checkpoints (a concurrent publisher waits here) but
        // not readers; the read below then sees whatever the previous publisher committed.
        sqlx::query("LOCK TABLE checkpoints IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(size) FROM checkpoints")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let latest = latest.map(to_u64).transpose()?;
        if latest != previous || checkpoint.size < latest.unwrap_or(0) {
            return Err(StoreError::Conflict(format!(
                "the newest checkpoint has size {latest:?}, not {previous:?}"
            )));
        }
        sqlx::query(
            "INSERT INTO checkpoints (size, note, published_at) VALUES ($1, $2, $3) \
             ON CONFLICT (size) DO UPDATE SET note = excluded.note, \
             published_at = excluded.published_at",
        )
        .bind(to_i64(checkpoint.size)?)
        .bind(&checkpoint.note)
        .bind(checkpoint.published_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn add_scans(&self, batch: &[ScanCount]) -> Result<()> {
        // Merged and sorted, so each row is upserted once per statement (PostgreSQL refuses
        // to update a row twice in one) and concurrent flushes lock rows in the same order.
        let merged = store::merge_scans(batch);
        if merged.counts.is_empty() {
            return Ok(());
        }
        let mut codes = Vec::with_capacity(merged.counts.len());
        let mut hours = Vec::with_capacity(merged.counts.len());
        let mut zones = Vec::with_capacity(merged.counts.len());
        let mut counts = Vec::with_capacity(merged.counts.len());
        for scan in &merged.counts {
            codes.push(scan.code.as_str());
            hours.push(scan.hour);
            zones.push(scan.time_zone.as_str());
            counts.push(to_i64(scan.count)?);
        }
        let mut total_codes = Vec::with_capacity(merged.codes.len());
        let mut totals = Vec::with_capacity(merged.codes.len());
        let mut firsts = Vec::with_capacity(merged.codes.len());
        let mut lasts = Vec::with_capacity(merged.codes.len());
        for (code, total, first, last) in &merged.codes {
            total_codes.push(code.as_str());
            totals.push(to_i64(*total)?);
            firsts.push(*first);
            lasts.push(*last);
        }
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
        sqlx::query(
            "INSERT INTO scan_counts (code, hour, time_zone, count) \
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::bigint[]) \
             ON CONFLICT (code, hour, time_zone) \
             DO UPDATE SET count = scan_counts.count + excluded.count",
        )
        .bind(&codes)
        .bind(&hours)
        .bind(&zones)
        .bind(&counts)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO scan_totals (code, total, first_hour, last_hour) \
             SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::bigint[]) \
             ON CONFLICT (code) DO UPDATE SET total = scan_totals.total + excluded.total, \
             first_hour = LEAST(scan_totals.first_hour, excluded.first_hour), \
             last_hour = GREATEST(scan_totals.last_hour, excluded.last_hour)",
        )
        .bind(&total_codes)
        .bind(&totals)
        .bind(&firsts)
        .bind(&lasts)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn scan_totals(&self, code: &str, recent_since: i64) -> Result<ScanTotals> {
        // The totals row by its key, and the code's recent hours as a range of the
        // (code, hour, time_zone) key: a handful of rows whatever the table's size.
        let row = sqlx::query(
            "SELECT t.total, t.first_hour, t.last_hour, \
             (SELECT COALESCE(SUM(c.count), 0)::bigint FROM scan_counts c \
              WHERE c.code = t.code AND c.hour >= $1) \
             FROM scan_totals t WHERE t.code = $2",
        )
        .bind(recent_since)
        .bind(code)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Ok(ScanTotals::default());
        };
        Ok(ScanTotals {
            total: to_u64(row.try_get(0).map_err(db)?)?,
            first_hour: Some(row.try_get(1).map_err(db)?),
            last_hour: Some(row.try_get(2).map_err(db)?),
            recent: to_u64(row.try_get(3).map_err(db)?)?,
        })
    }

    async fn scan_activity(&self, code_prefixes: &[String], since: i64) -> Result<Vec<ScanCount>> {
        let mut found = Vec::new();
        for chunk in code_prefixes.chunks(PREFIXES_PER_QUERY) {
            // The codes scanned since `since` (through the last_hour index or the code key,
            // whichever the planner finds narrower), then each code's recent hours by key.
            let mut builder = QueryBuilder::<Postgres>::new(
                "SELECT c.code, c.hour, c.time_zone, c.count FROM scan_counts c \
                 WHERE c.hour >= ",
            );
            builder.push_bind(since);
            builder.push(" AND c.code IN (SELECT t.code FROM scan_totals t WHERE t.last_hour >= ");
            builder.push_bind(since);
            builder.push(" AND (FALSE");
            for prefix in chunk {
                builder.push(" OR (t.code >= ");
                builder.push_bind(prefix.as_str());
                if let Some(end) = store::prefix_successor(prefix) {
                    builder.push(" AND t.code < ");
                    builder.push_bind(end);
                }
                builder.push(")");
            }
            builder.push("))");
            for row in builder.build().fetch_all(&self.pool).await.map_err(db)? {
                found.push(ScanCount {
                    code: row.try_get(0).map_err(db)?,
                    hour: row.try_get(1).map_err(db)?,
                    time_zone: row.try_get(2).map_err(db)?,
                    count: to_u64(row.try_get(3).map_err(db)?)?,
                });
            }
        }
        found.sort();
        found.dedup();
        Ok(found)
    }
}

/// An event names an organisation that does not exist.
#[derive(Debug)]
struct UnknownOrg(i64);

impl std::fmt::Display for UnknownOrg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "event of unknown organisation {}", self.0)
    }
}

impl std::error::Error for UnknownOrg {}

/// Fails, like the foreign key it stands in for, unless every new event's organisation exists,
/// and locks those organisations `FOR KEY SHARE` until the commit, as a foreign key check does.
/// One query for the batch instead of one per row (see the migration).
async fn check_orgs(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    fresh: &[(i64, &NewEvent)],
) -> Result<()> {
    let mut wanted: Vec<i64> = fresh.iter().map(|(_, event)| event.org_id).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let found: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM orgs WHERE id = ANY($1) ORDER BY id FOR KEY SHARE")
            .bind(&wanted)
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?;
    match wanted.iter().find(|id| found.binary_search(id).is_err()) {
        Some(missing) => Err(StoreError::Database(Box::new(UnknownOrg(*missing)))),
        None => Ok(()),
    }
}

/// Writes the log entries, event rows, identifiers and attributes of newly sequenced events:
/// one `INSERT … SELECT FROM UNNEST(…)` per table, every column bound as one array.
async fn insert_events(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    fresh: &[(i64, &NewEvent)],
) -> Result<()> {
    let n = fresh.len();
    let mut index = Vec::with_capacity(n);
    let mut leaf: Vec<&[u8]> = Vec::with_capacity(n);
    let mut event_id: Vec<&str> = Vec::with_capacity(n);
    let mut event_hash: Vec<&str> = Vec::with_capacity(n);
    let mut org_id = Vec::with_capacity(n);
    let mut shared = Vec::with_capacity(n);
    let mut event_type: Vec<&str> = Vec::with_capacity(n);
    let mut event_time = Vec::with_capacity(n);
    let mut record_time = Vec::with_capacity(n);
    let mut action: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut biz_step: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut disposition: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut read_point: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut biz_location: Vec<Option<&str>> = Vec::with_capacity(n);
    let mut body: Vec<&[u8]> = Vec::with_capacity(n);
    let mut fields: Vec<i64> = Vec::with_capacity(n);
    let mut id_index = Vec::new();
    let mut id_role: Vec<&str> = Vec::new();
    let mut id_value: Vec<&str> = Vec::new();
    let mut attr_index = Vec::new();
    let mut attr_name: Vec<&str> = Vec::new();
    let mut attr_value: Vec<&str> = Vec::new();
    for &(i, event) in fresh {
        index.push(i);
        leaf.push(&event.leaf);
        event_id.push(&event.event_id);
        event_hash.push(&event.event_hash);
        org_id.push(event.org_id);
        shared.push(event.shared);
        event_type.push(&event.event_type);
        event_time.push(event.event_time);
        record_time.push(event.record_time);
        action.push(event.action.as_deref());
        biz_step.push(event.biz_step.as_deref());
        disposition.push(event.disposition.as_deref());
        read_point.push(event.read_point.as_deref());
        biz_location.push(event.biz_location.as_deref());
        body.push(&event.body);
        fields.push(i64::from(event.fields));
        for (role, value) in &event.identifiers {
            id_index.push(i);
            id_role.push(role.as_str());
            id_value.push(value);
        }
        for (name, value) in &event.attributes {
            attr_index.push(i);
            attr_name.push(name);
            attr_value.push(value);
        }
    }

    sqlx::query(
        "INSERT INTO log_entries (idx, kind, leaf) \
         SELECT idx, $2, leaf FROM UNNEST($1::bigint[], $3::bytea[]) AS t (idx, leaf)",
    )
    .bind(&index)
    .bind(EVENT_ENTRY)
    .bind(&leaf)
    .execute(&mut **tx)
    .await
    .map_err(db)?;

    sqlx::query(
        "INSERT INTO events (log_index, event_id, event_hash, org_id, shared, event_type, \
         event_time, record_time, action, biz_step, disposition, read_point, biz_location, body, \
         fields) \
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::boolean[], \
         $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[], \
         $12::text[], $13::text[], $14::bytea[], $15::bigint[])",
    )
    .bind(&index)
    .bind(&event_id)
    .bind(&event_hash)
    .bind(&org_id)
    .bind(&shared)
    .bind(&event_type)
    .bind(&event_time)
    .bind(&record_time)
    .bind(&action)
    .bind(&biz_step)
    .bind(&disposition)
    .bind(&read_point)
    .bind(&biz_location)
    .bind(&body)
    .bind(&fields)
    .execute(&mut **tx)
    .await
    .map_err(db)?;

    if !id_index.is_empty() {
        sqlx::query(
            "INSERT INTO event_identifiers (log_index, role, value) \
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[])",
        )
        .bind(&id_index)
        .bind(&id_role)
        .bind(&id_value)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    if !attr_index.is_empty() {
        sqlx::query(
            "INSERT INTO event_attributes (log_index, name, value) \
             SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[])",
        )
        .bind(&attr_index)
        .bind(&attr_name)
        .bind(&attr_value)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}
