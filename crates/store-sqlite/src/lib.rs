//! The SQLite backend of [`store::Store`]: everything in one database file in the data folder,
//! nothing to install.
//!
//! Durability: WAL journal with `synchronous=FULL`, so a committed transaction survives power
//! loss; acknowledgements wait for the commit. All writes go through one connection (SQLite
//! has one writer anyway), transactions start with `BEGIN IMMEDIATE` so a writer never has to
//! upgrade a read lock, and reads use a separate pool of read-only connections that WAL lets run
//! alongside the writer. Batches are written with multi-row `INSERT`s, which is what makes
//! group commit fast: one fsync and a few statements for thousands of events.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
// The dynamic SQL strings are made of this file's constants only, never of input.
use sqlx::{AssertSqlSafe, QueryBuilder, Row, Sqlite};
use store::{
    Appended, CaptureJob, Column, Condition, EventQuery, IdRole, JobState, LogState, NewEvent,
    NewOrg, NewRecord, Order, Org, OrgAssets, Result, Role, ScanCount, ScanTotals, Store,
    StoreError, StoredCheckpoint, StoredEvent, StoredRecord, TimeField, Visibility, Vocabulary,
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

/// Rows per multi-row `INSERT`, kept well under SQLite's 32,766 bound variables.
const ROWS_PER_INSERT: usize = 500;

/// Code prefixes per scan-activity statement (two bound values each).
const PREFIXES_PER_QUERY: usize = 1000;

/// A Retu store in one SQLite database file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
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

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        // The single writer gets a larger page cache (32 MiB): a batch of thousands of events
        // touches many index pages, and re-reading them from the file was a visible cost. Twice
        // that was no faster on the capture benchmark and cost 30 MB more resident memory.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(
                options
                    .clone()
                    .pragma("cache_size", "-32768")
                    .pragma("temp_store", "memory"),
            )
            .await
            .map_err(db)?;
        MIGRATOR
            .run(&write)
            .await
            .map_err(|e| StoreError::Database(Box::new(e)))?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .map_err(db)?;
        Ok(SqliteStore { write, read })
    }

    /// Closes both pools, waiting for connections to finish.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    /// The writer connection pool, for tools that must change stored data directly (the
    /// tamper-evidence tests).
    pub fn write_pool(&self) -> &SqlitePool {
        &self.write
    }
}

fn org_from_row(row: &SqliteRow) -> Result<Org> {
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

fn event_from_row(row: &SqliteRow) -> Result<StoredEvent> {
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

const RECORD_COLUMNS: &str =
    "r.log_index, r.kind, r.record_id, r.org_id, r.created_at, r.body, l.leaf";

fn record_from_row(row: &SqliteRow) -> Result<StoredRecord> {
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

fn job_from_row(row: &SqliteRow) -> Result<CaptureJob> {
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
fn push_visibility(builder: &mut QueryBuilder<Sqlite>, visibility: &Visibility) {
    match visibility {
        Visibility::All => {}
        Visibility::Org(org) => {
            builder.push(" AND (e.shared = 1 OR e.org_id = ");
            builder.push_bind(*org);
            builder.push(")");
        }
        Visibility::County(county) => {
            builder.push(" AND (e.shared = 1 OR e.org_id IN (SELECT id FROM orgs WHERE county = ");
            builder.push_bind(county.clone());
            builder.push("))");
        }
        Visibility::Counties { org, counties } => {
            builder.push(" AND (e.shared = 1 OR e.org_id = ");
            builder.push_bind(*org);
            if !counties.is_empty() {
                builder.push(" OR e.org_id IN (SELECT id FROM orgs WHERE");
                push_in(builder, "county", counties);
                builder.push(")");
            }
            builder.push(")");
        }
        Visibility::SharedOnly => {
            builder.push(" AND e.shared = 1");
        }
    }
}

fn push_in(builder: &mut QueryBuilder<Sqlite>, column: &str, values: &[String]) {
    builder.push(format_args!(" {column} IN ("));
    let mut list = builder.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
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

fn push_condition(builder: &mut QueryBuilder<Sqlite>, condition: &Condition) {
    match condition {
        Condition::EventType(types) => {
            builder.push(" AND");
            push_in(builder, "e.event_type", types);
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
            push_in(builder, column_name(*column), values);
        }
        Condition::Identifier {
            roles,
            values,
            prefixes,
        } => {
            // `log_index IN (…)` rather than a correlated `EXISTS`: SQLite runs the
            // subquery once through the (value, role) key and then looks events up by their
            // key, instead of probing the identifiers once for every event in the table.
            builder.push(" AND e.log_index IN (");
            let roles: Vec<String> = roles.iter().map(|r| r.as_str().to_owned()).collect();
            // One branch per exact-value list and per prefix, each led by the value so that
            // it is a range of the (value, role, log_index) key.
            let mut first = true;
            let mut branch = |builder: &mut QueryBuilder<Sqlite>| {
                if !first {
                    builder.push(" UNION ALL ");
                }
                first = false;
                builder.push("SELECT i.log_index FROM event_identifiers i WHERE");
            };
            if !values.is_empty() {
                branch(builder);
                push_in(builder, "i.value", values);
                builder.push(" AND");
                push_in(builder, "i.role", &roles);
            }
            // Index-friendly prefix matching: SQLite compares text bytewise, so the strings
            // that start with a prefix are exactly those in [prefix, successor).
            for prefix in prefixes {
                branch(builder);
                builder.push(" i.value >= ");
                builder.push_bind(prefix.clone());
                if let Some(end) = store::prefix_successor(prefix) {
                    builder.push(" AND i.value < ");
                    builder.push_bind(end);
                }
                builder.push(" AND");
                push_in(builder, "i.role", &roles);
            }
            if first {
                // Nothing to match: no event.
                builder.push("SELECT NULL WHERE 0");
            }
            builder.push(")");
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
            // As for identifiers: one pass through the (name, value) key, then lookups.
            builder.push(
                " AND e.log_index IN (SELECT a.log_index FROM event_attributes a WHERE a.name = ",
            );
            builder.push_bind(name.clone());
            builder.push(" AND");
            push_in(builder, "a.value", values);
            builder.push(")");
        }
    }
}

impl Store for SqliteStore {
    async fn create_org(&self, org: NewOrg) -> Result<Org> {
        let row = sqlx::query(
            "INSERT INTO orgs (public_id, name, role, county) VALUES (?, ?, ?, ?) \
             RETURNING id, public_id, name, role, county",
        )
        .bind(&org.public_id)
        .bind(&org.name)
        .bind(org.role.as_str())
        .bind(&org.county)
        .fetch_one(&self.write)
        .await
        .map_err(db)?;
        org_from_row(&row)
    }

    async fn org(&self, id: i64) -> Result<Option<Org>> {
        let row = sqlx::query("SELECT id, public_id, name, role, county FROM orgs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn org_by_public_id(&self, public_id: &str) -> Result<Option<Org>> {
        let row =
            sqlx::query("SELECT id, public_id, name, role, county FROM orgs WHERE public_id = ?")
                .bind(public_id)
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Org>> {
        let rows = sqlx::query("SELECT id, public_id, name, role, county FROM orgs ORDER BY id")
            .fetch_all(&self.read)
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
        sqlx::query("INSERT INTO tokens (hash, org_id, label, created_at) VALUES (?, ?, ?, ?)")
            .bind(token_hash.as_slice())
            .bind(org_id)
            .bind(label)
            .bind(created_at)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn org_by_token(&self, token_hash: [u8; 32]) -> Result<Option<Org>> {
        let row = sqlx::query(
            "SELECT o.id, o.public_id, o.name, o.role, o.county FROM tokens t \
             JOIN orgs o ON o.id = t.org_id WHERE t.hash = ? AND t.revoked_at IS NULL",
        )
        .bind(token_hash.as_slice())
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(org_from_row).transpose()
    }

    async fn add_company_prefix(&self, org_id: i64, prefix: &str) -> Result<()> {
        let owner: Option<i64> = sqlx::query_scalar(
            "INSERT INTO company_prefixes (prefix, org_id) VALUES (?, ?) \
             ON CONFLICT (prefix) DO UPDATE SET prefix = excluded.prefix RETURNING org_id",
        )
        .bind(prefix)
        .bind(org_id)
        .fetch_optional(&self.write)
        .await
        .map_err(db)?;
        match owner {
            Some(owner) if owner != org_id => Err(StoreError::Conflict(format!(
                "company prefix {prefix} belongs to another organisation"
            ))),
            _ => Ok(()),
        }
    }

    async fn add_location(&self, org_id: i64, location: &str) -> Result<()> {
        let owner: Option<i64> = sqlx::query_scalar(
            "INSERT INTO locations (location, org_id) VALUES (?, ?) \
             ON CONFLICT (location) DO UPDATE SET location = excluded.location RETURNING org_id",
        )
        .bind(location)
        .bind(org_id)
        .fetch_optional(&self.write)
        .await
        .map_err(db)?;
        match owner {
            Some(owner) if owner != org_id => Err(StoreError::Conflict(format!(
                "location {location} belongs to another organisation"
            ))),
            _ => Ok(()),
        }
    }

    async fn org_assets(&self, org_id: i64) -> Result<OrgAssets> {
        let company_prefixes = sqlx::query_scalar(
            "SELECT prefix FROM company_prefixes WHERE org_id = ? ORDER BY prefix",
        )
        .bind(org_id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let locations =
            sqlx::query_scalar("SELECT location FROM locations WHERE org_id = ? ORDER BY location")
                .bind(org_id)
                .fetch_all(&self.read)
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
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let sequenced: i64 = sqlx::query_scalar("SELECT sequenced FROM log_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let mut known: HashMap<String, (u64, String)> = HashMap::new();
        for chunk in events.chunks(ROWS_PER_INSERT) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "SELECT event_id, log_index, event_hash FROM events WHERE",
            );
            let ids: Vec<String> = chunk.iter().map(|e| e.event_id.clone()).collect();
            push_in(&mut builder, "event_id", &ids);
            for row in builder.build().fetch_all(&mut *tx).await.map_err(db)? {
                let id: String = row.try_get(0).map_err(db)?;
                let index = to_u64(row.try_get(1).map_err(db)?)?;
                known.insert(id, (index, row.try_get(2).map_err(db)?));
            }
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

        for chunk in fresh.chunks(ROWS_PER_INSERT) {
            let mut builder =
                QueryBuilder::<Sqlite>::new("INSERT INTO log_entries (idx, kind, leaf) ");
            builder.push_values(chunk, |mut row, (index, event)| {
                row.push_bind(*index)
                    .push_bind("epcis-event")
                    .push_bind(event.leaf.clone());
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;

            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (log_index, event_id, event_hash, org_id, shared, event_type, \
                                  event_time, record_time, action, biz_step, disposition, read_point, biz_location, body, fields) ",
            );
            builder.push_values(chunk, |mut row, (index, event)| {
                row.push_bind(*index)
                    .push_bind(event.event_id.clone())
                    .push_bind(event.event_hash.clone())
                    .push_bind(event.org_id)
                    .push_bind(event.shared)
                    .push_bind(event.event_type.clone())
                    .push_bind(event.event_time)
                    .push_bind(event.record_time)
                    .push_bind(event.action.clone())
                    .push_bind(event.biz_step.clone())
                    .push_bind(event.disposition.clone())
                    .push_bind(event.read_point.clone())
                    .push_bind(event.biz_location.clone())
                    .push_bind(event.body.clone())
                    .push_bind(i64::from(event.fields));
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }

        let identifiers: Vec<(i64, IdRole, &String)> = fresh
            .iter()
            .flat_map(|(index, event)| {
                event
                    .identifiers
                    .iter()
                    .map(move |(role, value)| (*index, *role, value))
            })
            .collect();
        for chunk in identifiers.chunks(ROWS_PER_INSERT * 4) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO event_identifiers (log_index, role, value) ",
            );
            builder.push_values(chunk, |mut row, (index, role, value)| {
                row.push_bind(*index)
                    .push_bind(role.as_str())
                    .push_bind((*value).clone());
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }
        let attributes: Vec<(i64, &String, &String)> = fresh
            .iter()
            .flat_map(|(index, event)| {
                event
                    .attributes
                    .iter()
                    .map(move |(name, value)| (*index, name, value))
            })
            .collect();
        for chunk in attributes.chunks(ROWS_PER_INSERT * 4) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO event_attributes (log_index, name, value) ",
            );
            builder.push_values(chunk, |mut row, (index, name, value)| {
                row.push_bind(*index)
                    .push_bind((*name).clone())
                    .push_bind((*value).clone());
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }

        sqlx::query("UPDATE log_state SET sequenced = ? WHERE id = 1")
            .bind(to_i64(next)?)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(outcomes)
    }

    async fn event(&self, event_id: &str) -> Result<Option<StoredEvent>> {
        let mut builder = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index WHERE e.event_id = "
        ));
        builder.push_bind(event_id.to_owned());
        let row = builder
            .build()
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn query_events(&self, query: &EventQuery) -> Result<Vec<StoredEvent>> {
        let mut builder = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index WHERE 1 = 1"
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
                builder.push(format_args!(" AND ({key} {comparison} "));
                builder.push_bind(value);
                builder.push(format_args!(" OR ({key} = "));
                builder.push_bind(value);
                builder.push(format_args!(" AND e.log_index {comparison} "));
                builder.push_bind(index);
                builder.push("))");
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
        let rows = builder.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn vocabulary(&self, which: Vocabulary, visibility: &Visibility) -> Result<Vec<String>> {
        let column = match which {
            Vocabulary::EventTypes => "e.event_type",
            Vocabulary::BizSteps => "e.biz_step",
            Vocabulary::Dispositions => "e.disposition",
            Vocabulary::ReadPoints => "e.read_point",
            Vocabulary::BizLocations => "e.biz_location",
        };
        let mut builder = QueryBuilder::<Sqlite>::new(format!(
            "SELECT DISTINCT {column} FROM events e WHERE {column} IS NOT NULL"
        ));
        push_visibility(&mut builder, visibility);
        builder.push(format_args!(" ORDER BY {column}"));
        let rows = builder.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(|row| row.try_get(0).map_err(db)).collect()
    }

    async fn events_from(&self, from: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let mut builder = QueryBuilder::<Sqlite>::new(format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN log_entries l ON l.idx = e.log_index \
             WHERE e.log_index >= "
        ));
        builder.push_bind(to_i64(from)?);
        builder.push(" ORDER BY e.log_index LIMIT ");
        builder.push_bind(i64::from(limit));
        let rows = builder.build().fetch_all(&self.read).await.map_err(db)?;
        rows.iter().map(event_from_row).collect()
    }

    async fn append_record(&self, record: &NewRecord) -> Result<u64> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let sequenced: i64 = sqlx::query_scalar("SELECT sequenced FROM log_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT log_index FROM records WHERE kind = ? AND record_id = ?")
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
        sqlx::query("INSERT INTO log_entries (idx, kind, leaf) VALUES (?, ?, ?)")
            .bind(sequenced)
            .bind(&record.kind)
            .bind(&record.leaf)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "INSERT INTO records (log_index, kind, record_id, org_id, created_at, body) \
             VALUES (?, ?, ?, ?, ?, ?)",
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
        for chunk in record.subjects.chunks(ROWS_PER_INSERT * 4) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT OR IGNORE INTO record_subjects (value, kind, log_index) ",
            );
            builder.push_values(chunk, |mut row, value| {
                row.push_bind(value.clone())
                    .push_bind(record.kind.clone())
                    .push_bind(sequenced);
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }
        sqlx::query("UPDATE log_state SET sequenced = ? WHERE id = 1")
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
             WHERE r.kind = ? AND r.record_id = ?"
        )))
        .bind(kind)
        .bind(record_id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn records_about(&self, kind: &str, subjects: &[String]) -> Result<Vec<StoredRecord>> {
        let mut found: Vec<StoredRecord> = Vec::new();
        for chunk in subjects.chunks(ROWS_PER_INSERT * 4) {
            let mut builder = QueryBuilder::<Sqlite>::new(format!(
                "SELECT {RECORD_COLUMNS} FROM records r JOIN log_entries l ON l.idx = r.log_index \
                 WHERE r.log_index IN (SELECT log_index FROM record_subjects WHERE kind = "
            ));
            builder.push_bind(kind.to_owned());
            builder.push(" AND");
            push_in(&mut builder, "value", chunk);
            builder.push(")");
            let rows = builder.build().fetch_all(&self.read).await.map_err(db)?;
            for row in &rows {
                found.push(record_from_row(row)?);
            }
        }
        found.sort_by_key(|record| record.index);
        found.dedup_by_key(|record| record.index);
        Ok(found)
    }

    async fn count_records(&self, kind: &str) -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = ?")
            .bind(kind)
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        to_u64(count)
    }

    async fn records_in(&self, from: u64, to: u64) -> Result<Vec<StoredRecord>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records r JOIN log_entries l ON l.idx = r.log_index \
             WHERE r.log_index >= ? AND r.log_index < ? ORDER BY r.log_index"
        )))
        .bind(to_i64(from)?)
        .bind(to_i64(to.min(i64::MAX as u64))?)
        .fetch_all(&self.read)
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
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&job.id)
        .bind(job.org_id)
        .bind(job.state.as_str())
        .bind(to_i64(job.stored)?)
        .bind(&job.errors)
        .bind(job.created_at)
        .bind(job.finished_at)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn finish_job(&self, job: &CaptureJob) -> Result<()> {
        let done = sqlx::query(
            "UPDATE capture_jobs SET state = ?, stored = ?, errors = ?, finished_at = ? WHERE id = ?",
        )
        .bind(job.state.as_str())
        .bind(to_i64(job.stored)?)
        .bind(&job.errors)
        .bind(job.finished_at)
        .bind(&job.id)
        .execute(&self.write)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn job(&self, id: &str) -> Result<Option<CaptureJob>> {
        let row = sqlx::query(
            "SELECT id, org_id, state, stored, errors, created_at, finished_at FROM capture_jobs WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        row.as_ref().map(job_from_row).transpose()
    }

    async fn log_state(&self) -> Result<LogState> {
        let row = sqlx::query("SELECT sequenced, integrated, edge FROM log_state WHERE id = 1")
            .fetch_one(&self.read)
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
                .map(|chunk| Hash::from_slice(chunk).unwrap_or_default())
                .collect(),
        })
    }

    async fn leaves(&self, from: u64, to: u64) -> Result<Vec<Vec<u8>>> {
        let rows = sqlx::query(
            "SELECT idx, leaf FROM log_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
        )
        .bind(to_i64(from)?)
        .bind(to_i64(to)?)
        .fetch_all(&self.read)
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
        let mut out = Vec::with_capacity(coords.len());
        for coord in coords {
            let data: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT data FROM tiles WHERE level = ? AND idx = ? AND width = ?",
            )
            .bind(i64::from(coord.level))
            .bind(to_i64(coord.index)?)
            .bind(i64::from(coord.width))
            .fetch_optional(&self.read)
            .await
            .map_err(db)?;
            out.push(data);
        }
        Ok(out)
    }

    async fn commit_integration(
        &self,
        from: u64,
        to: u64,
        edge: &[Hash],
        tiles: &[(TileCoord, Vec<u8>)],
    ) -> Result<()> {
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        let edge_bytes: Vec<u8> = edge.iter().flat_map(|h| h.0).collect();
        if to < from {
            return Err(StoreError::Conflict(format!(
                "cannot integrate backwards from {from} to {to}"
            )));
        }
        // The size may only move from `from`, and to at most the sequenced size.
        let moved = sqlx::query(
            "UPDATE log_state SET integrated = ?1, edge = ?2 \
             WHERE id = 1 AND integrated = ?3 AND ?1 <= sequenced",
        )
        .bind(to_i64(to)?)
        .bind(edge_bytes)
        .bind(to_i64(from)?)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if moved.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "the log is not integrated up to {from}, or fewer than {to} entries are sequenced"
            )));
        }
        for chunk in tiles.chunks(ROWS_PER_INSERT) {
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT OR REPLACE INTO tiles (level, idx, width, data) ",
            );
            let mut rows = Vec::with_capacity(chunk.len());
            for (coord, data) in chunk {
                rows.push((
                    i64::from(coord.level),
                    to_i64(coord.index)?,
                    i64::from(coord.width),
                    data,
                ));
            }
            builder.push_values(rows, |mut row, (level, index, width, data)| {
                row.push_bind(level)
                    .push_bind(index)
                    .push_bind(width)
                    .push_bind(data.clone());
            });
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query(
            "SELECT size, note, published_at FROM checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.read)
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
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
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
            "INSERT OR REPLACE INTO checkpoints (size, note, published_at) VALUES (?, ?, ?)",
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
        let merged = store::merge_scans(batch);
        if merged.counts.is_empty() {
            return Ok(());
        }
        let mut tx = self.write.begin_with("BEGIN IMMEDIATE").await.map_err(db)?;
        for chunk in merged.counts.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for scan in chunk {
                rows.push((scan, to_i64(scan.count)?));
            }
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT INTO scan_counts (code, hour, time_zone, count) ",
            );
            builder.push_values(rows, |mut row, (scan, count)| {
                row.push_bind(scan.code.clone())
                    .push_bind(scan.hour)
                    .push_bind(scan.time_zone.clone())
                    .push_bind(count);
            });
            builder.push(
                " ON CONFLICT (code, hour, time_zone) DO UPDATE SET count = count + excluded.count",
            );
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }
        for chunk in merged.codes.chunks(ROWS_PER_INSERT) {
            let mut rows = Vec::with_capacity(chunk.len());
            for (code, total, first, last) in chunk {
                rows.push((code, to_i64(*total)?, *first, *last));
            }
            let mut builder = QueryBuilder::<Sqlite>::new(
                "INSERT INTO scan_totals (code, total, first_hour, last_hour) ",
            );
            builder.push_values(rows, |mut row, (code, total, first, last)| {
                row.push_bind(code.clone())
                    .push_bind(total)
                    .push_bind(first)
                    .push_bind(last);
            });
            builder.push(
                " ON CONFLICT (code) DO UPDATE SET total = total + excluded.total, \
                 first_hour = MIN(first_hour, excluded.first_hour), \
                 last_hour = MAX(last_hour, excluded.last_hour)",
            );
            builder.build().execute(&mut *tx).await.map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn scan_totals(&self, code: &str, recent_since: i64) -> Result<ScanTotals> {
        // The totals row by its key, and the code's recent hours as a range of the
        // (code, hour, time_zone) key: a handful of rows whatever the table's size.
        let row = sqlx::query(
            "SELECT t.total, t.first_hour, t.last_hour, \
             (SELECT COALESCE(SUM(c.count), 0) FROM scan_counts c \
              WHERE c.code = t.code AND c.hour >= ?) \
             FROM scan_totals t WHERE t.code = ?",
        )
        .bind(recent_since)
        .bind(code)
        .fetch_optional(&self.read)
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
            let mut builder = QueryBuilder::<Sqlite>::new(
                "SELECT c.code, c.hour, c.time_zone, c.count FROM scan_counts c \
                 WHERE c.hour >= ",
            );
            builder.push_bind(since);
            builder.push(" AND c.code IN (SELECT t.code FROM scan_totals t WHERE t.last_hour >= ");
            builder.push_bind(since);
            builder.push(" AND (0");
            for prefix in chunk {
                builder.push(" OR (t.code >= ");
                builder.push_bind(prefix.clone());
                if let Some(end) = store::prefix_successor(prefix) {
                    builder.push(" AND t.code < ");
                    builder.push_bind(end);
                }
                builder.push(")");
            }
            builder.push("))");
            for row in builder.build().fetch_all(&self.read).await.map_err(db)? {
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
