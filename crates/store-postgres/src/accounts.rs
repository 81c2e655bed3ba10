//! People, specialist assignments, sessions and invitations (migration 0005,
//! `docs/accounts.md`). The [`store::Store`] methods of [`PgStore`] delegate here.

use sqlx::Row;
use sqlx::postgres::PgRow;
use store::{
    Invitation, InvitedOrg, Invitee, NewInvitation, NewSession, NewUser, Org, Redemption, Result,
    Session, StoreError, User, UserRole, login_key,
};

use crate::{BEGIN_WRITE, PgStore, corrupt, db, org_from_row};

/// A person's columns, in the order [`user_from_row`] reads them.
const USER_COLUMNS: &str = "u.id, u.org_id, u.login, u.display_name, u.password_hash, u.role, \
     u.locale, u.created_at, u.disabled";

const INVITATION_COLUMNS: &str = "id, org_id, role, created_by_org, created_by_user, created_at, \
     expires_at, used_at, used_by";

fn user_role(text: &str) -> Result<UserRole> {
    UserRole::parse(text).ok_or_else(|| corrupt("unknown user role"))
}

/// A person from the first nine columns of `row` ([`USER_COLUMNS`]).
fn user_from_row(row: &PgRow) -> Result<User> {
    let role: String = row.try_get(5).map_err(db)?;
    Ok(User {
        id: row.try_get(0).map_err(db)?,
        org_id: row.try_get(1).map_err(db)?,
        login: row.try_get(2).map_err(db)?,
        display_name: row.try_get(3).map_err(db)?,
        password_hash: row.try_get(4).map_err(db)?,
        role: user_role(&role)?,
        locale: row.try_get(6).map_err(db)?,
        created_at: row.try_get(7).map_err(db)?,
        disabled: row.try_get(8).map_err(db)?,
    })
}

fn invitation_from_row(row: &PgRow) -> Result<Invitation> {
    let role: String = row.try_get(2).map_err(db)?;
    Ok(Invitation {
        id: row.try_get(0).map_err(db)?,
        org_id: row.try_get(1).map_err(db)?,
        role: user_role(&role)?,
        created_by_org: row.try_get(3).map_err(db)?,
        created_by_user: row.try_get(4).map_err(db)?,
        created_at: row.try_get(5).map_err(db)?,
        expires_at: row.try_get(6).map_err(db)?,
        used_at: row.try_get(7).map_err(db)?,
        used_by: row.try_get(8).map_err(db)?,
    })
}

/// Inserts a person through `executor` and reads the row back.
async fn insert_user<'c, E>(executor: E, user: &NewUser) -> Result<User>
where
    E: sqlx::Executor<'c, Database = sqlx::Postgres>,
{
    let row = sqlx::query(
        "INSERT INTO users (org_id, login, login_key, display_name, password_hash, role, \
         locale, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, org_id, login, display_name, password_hash, role, locale, created_at, \
         disabled",
    )
    .bind(user.org_id)
    .bind(user.login.trim())
    .bind(login_key(&user.login))
    .bind(&user.display_name)
    .bind(&user.password_hash)
    .bind(user.role.as_str())
    .bind(&user.locale)
    .bind(user.created_at)
    .fetch_one(executor)
    .await
    .map_err(db)?;
    user_from_row(&row)
}

pub(crate) async fn create_user(store: &PgStore, user: NewUser) -> Result<User> {
    insert_user(&store.pool, &user).await
}

pub(crate) async fn user(store: &PgStore, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
    )))
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn user_by_login(store: &PgStore, login: &str) -> Result<Option<User>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.login_key = $1"
    )))
    .bind(login_key(login))
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref().map(user_from_row).transpose()
}

pub(crate) async fn set_user_disabled(store: &PgStore, user_id: i64, disabled: bool) -> Result<()> {
    let mut tx = store.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
    let changed = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(disabled)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub(crate) async fn set_password(
    store: &PgStore,
    user_id: i64,
    password_hash: &str,
    keep_session: Option<[u8; 32]>,
) -> Result<()> {
    let mut tx = store.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
    let changed = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
    if changed == 0 {
        return Err(StoreError::NotFound);
    }
    if let Some(keep) = keep_session {
        // FOR UPDATE: a concurrent logout of this session waits for this transaction, or
        // this one sees the session gone.
        let live: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM sessions WHERE token_hash = $1 AND user_id = $2 FOR UPDATE",
        )
        .bind(keep.as_slice())
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if live.is_none() {
            // Dropping the transaction rolls the new hash back.
            return Err(StoreError::NotFound);
        }
    }
    // `IS DISTINCT FROM` is true for every row when nothing is kept (a NULL parameter).
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2")
        .bind(user_id)
        .bind(keep_session.as_ref().map(<[u8; 32]>::as_slice))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn users_of_orgs(store: &PgStore, org_ids: &[i64]) -> Result<Vec<User>> {
    if org_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = ANY($1) ORDER BY u.org_id, u.id"
    )))
    .bind(org_ids)
    .fetch_all(&store.pool)
    .await
    .map_err(db)?;
    rows.iter().map(user_from_row).collect()
}

pub(crate) async fn assign_county(store: &PgStore, user_id: i64, county: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO specialist_counties (user_id, county) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(county)
    .execute(&store.pool)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn unassign_county(store: &PgStore, user_id: i64, county: &str) -> Result<()> {
    sqlx::query("DELETE FROM specialist_counties WHERE user_id = $1 AND county = $2")
        .bind(user_id)
        .bind(county)
        .execute(&store.pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn user_counties(store: &PgStore, user_id: i64) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT county FROM specialist_counties WHERE user_id = $1 ORDER BY county")
        .bind(user_id)
        .fetch_all(&store.pool)
        .await
        .map_err(db)
}

pub(crate) async fn create_session(store: &PgStore, session: &NewSession) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(session.token_hash.as_slice())
    .bind(session.user_id)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&store.pool)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn session(
    store: &PgStore,
    token_hash: [u8; 32],
    now: i64,
) -> Result<Option<(Session, User)>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, s.csrf_token, s.created_at, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled"
    )))
    .bind(token_hash.as_slice())
    .bind(now)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let user = user_from_row(&row)?;
    let session = Session {
        user_id: user.id,
        csrf_token: row.try_get(9).map_err(db)?,
        created_at: row.try_get(10).map_err(db)?,
        expires_at: row.try_get(11).map_err(db)?,
    };
    Ok(Some((session, user)))
}

pub(crate) async fn delete_session(store: &PgStore, token_hash: [u8; 32]) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.as_slice())
        .execute(&store.pool)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn delete_expired_sessions(store: &PgStore, now: i64) -> Result<u64> {
    let deleted = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&store.pool)
        .await
        .map_err(db)?
        .rows_affected();
    Ok(deleted)
}

pub(crate) async fn create_invitation(
    store: &PgStore,
    invitation: &NewInvitation,
) -> Result<(Invitation, Org)> {
    let mut tx = store.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
    let org = match &invitation.org {
        InvitedOrg::Existing(id) => {
            let row =
                sqlx::query("SELECT id, public_id, name, role, county FROM orgs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?
                    .ok_or(StoreError::NotFound)?;
            org_from_row(&row)?
        }
        InvitedOrg::New(new) => {
            let row = sqlx::query(
                "INSERT INTO orgs (public_id, name, role, county) VALUES ($1, $2, $3, $4) \
                 RETURNING id, public_id, name, role, county",
            )
            .bind(&new.public_id)
            .bind(&new.name)
            .bind(new.role.as_str())
            .bind(&new.county)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            org_from_row(&row)?
        }
    };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO invitations (token_hash, org_id, role, created_by_org, created_by_user, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {INVITATION_COLUMNS}"
    )))
    .bind(invitation.token_hash.as_slice())
    .bind(org.id)
    .bind(invitation.role.as_str())
    .bind(invitation.created_by_org)
    .bind(invitation.created_by_user)
    .bind(invitation.created_at)
    .bind(invitation.expires_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let stored = invitation_from_row(&row)?;
    tx.commit().await.map_err(db)?;
    Ok((stored, org))
}

pub(crate) async fn invitation(
    store: &PgStore,
    token_hash: [u8; 32],
) -> Result<Option<Invitation>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1"
    )))
    .bind(token_hash.as_slice())
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub(crate) async fn redeem_invitation(
    store: &PgStore,
    token_hash: [u8; 32],
    invitee: &Invitee,
    now: i64,
) -> Result<Redemption> {
    // A concurrent redemption's UPDATE waits for this row lock; under READ COMMITTED it then
    // re-reads the row, finds used_at set and claims nothing (or, if this transaction rolled
    // back, claims it itself).
    let mut tx = store.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
    let claimed = sqlx::query(
        "UPDATE invitations SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $3 \
         RETURNING id, org_id, role",
    )
    .bind(now)
    .bind(token_hash.as_slice())
    .bind(now)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?;
    let Some(claimed) = claimed else {
        let state: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT used_at FROM invitations WHERE token_hash = $1")
                .bind(token_hash.as_slice())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        return Ok(match state {
            None => Redemption::Unknown,
            Some((Some(_),)) => Redemption::Used,
            Some((None,)) => Redemption::Expired,
        });
    };
    let id: i64 = claimed.try_get(0).map_err(db)?;
    let role: String = claimed.try_get(2).map_err(db)?;
    let user = NewUser {
        org_id: claimed.try_get(1).map_err(db)?,
        login: invitee.login.clone(),
        display_name: invitee.display_name.clone(),
        password_hash: invitee.password_hash.clone(),
        role: user_role(&role)?,
        locale: invitee.locale.clone(),
        created_at: now,
    };
    let user = match insert_user(&mut *tx, &user).await {
        Ok(user) => user,
        // Dropping the transaction rolls the claim back: the invitation stays unused.
        Err(StoreError::Conflict(_)) => return Ok(Redemption::LoginTaken),
        Err(other) => return Err(other),
    };
    sqlx::query("UPDATE invitations SET used_by = $1 WHERE id = $2")
        .bind(user.id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(Redemption::Joined(user))
}
