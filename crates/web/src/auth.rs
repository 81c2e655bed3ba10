//! Who is calling: an organisation identified by its bearer token, a person logged in with a
//! session cookie (acting for their organisation), or nobody.
//!
//! Tokens are opaque random strings shown once when created; the store keeps only their SHA-256,
//! so a stolen database does not hand out working tokens. A request without a token is
//! anonymous and sees only public endpoints and shared records; a request with an unknown or
//! revoked token is refused outright rather than silently treated as anonymous.
//!
//! Without a bearer token, the `retu_session` cookie is looked up (`account_api.rs`,
//! `docs/accounts.md`): a live session makes the caller its person's organisation, with the
//! person beside it; an unknown or expired one leaves the request anonymous. A state-changing
//! request authenticated by the cookie must carry the session's CSRF token, checked here and
//! nowhere else.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use store::{Org, Role, Store, User, UserRole, Visibility};

use crate::AppState;
use crate::account::constant_time_eq;
use crate::account_api::{CSRF_HEADER, SubmittedCsrf, resolve_session, session_cookie};
use crate::problem::ApiError;

/// The SHA-256 a token is stored and looked up by.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A person logged in with a session cookie.
#[derive(Clone)]
pub struct Person {
    /// Who they are.
    pub user: User,
    /// The counties assigned to them when they are a specialist (sorted), else empty.
    pub counties: Vec<String>,
    /// The session's CSRF token, which pages put in their forms.
    pub(crate) csrf_token: String,
    /// The SHA-256 of the session token, to end the session.
    pub(crate) session_hash: [u8; 32],
}

/// The session's secrets stay out of logs.
impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("user", &self.user)
            .field("counties", &self.counties)
            .finish_non_exhaustive()
    }
}

impl Person {
    /// The session's CSRF token, for the hidden `csrf` field of a page's forms (or the
    /// `X-CSRF-Token` header of its scripts).
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// The calling organisation, if any, and the person acting for it when the caller logged in
/// with a session cookie (`None` for bearer tokens and anonymous requests).
#[derive(Clone, Debug)]
pub struct Caller(pub Option<Org>, pub Option<Person>);

impl Caller {
    /// The organisation, or 401.
    pub fn require(&self) -> Result<&Org, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// The person logged in, if the caller used a session cookie.
    pub fn person(&self) -> Option<&Person> {
        self.1.as_ref()
    }

    /// Whether this caller may record for `farmer`, another organisation: only a logged-in
    /// person (a token names nobody), an officer for the organisations of their office's
    /// county, a specialist for those of their assigned counties, the admin for any. The one
    /// rule for the phone forms' page and `POST /api/forms`.
    pub fn may_record_for(&self, farmer: &Org) -> bool {
        let (Some(own), Some(person)) = (self.0.as_ref(), self.1.as_ref()) else {
            return false;
        };
        // Only for a farm, cooperative or processor: never as a county office or the admin
        // organisation, whose records speak for the county itself.
        if own.id == farmer.id || farmer.role != Role::Member {
            return false;
        }
        let county = farmer.county.as_deref().unwrap_or_default();
        match person.user.role {
            UserRole::Admin => true,
            UserRole::Officer => !county.is_empty() && own.county.as_deref() == Some(county),
            UserRole::Specialist => person.counties.iter().any(|c| c == county),
            UserRole::Producer | UserRole::Processor => false,
        }
    }

    /// The counties of a specialist acting for `org`, with a county office's own county, when
    /// the caller is one: what widens their view beyond their organisation's.
    fn specialist_counties(&self, org: &Org) -> Option<Vec<String>> {
        let person = self.1.as_ref()?;
        if person.user.role != UserRole::Specialist || org.role == Role::Admin {
            return None;
        }
        let mut counties = person.counties.clone();
        if org.role == Role::County {
            counties.extend(org.county.iter().cloned());
        }
        counties.sort();
        counties.dedup();
        Some(counties)
    }

    /// What this caller may read: its organisation's view, and for a specialist also every
    /// event of the organisations in their assigned counties.
    pub fn visibility(&self) -> Visibility {
        match &self.0 {
            None => Visibility::SharedOnly,
            Some(org) => {
                if let Some(counties) = self.specialist_counties(org) {
                    return Visibility::Counties {
                        org: org.id,
                        counties,
                    };
                }
                match org.role {
                    Role::Admin => Visibility::All,
                    Role::County => Visibility::County(org.county.clone().unwrap_or_default()),
                    Role::Member => Visibility::Org(org.id),
                }
            }
        }
    }

    /// Whether this caller may read a record owned by `org_id` with the given sharing flag.
    pub fn can_read(&self, org_id: i64, shared: bool, owner_county: Option<&str>) -> bool {
        if shared {
            return true;
        }
        match &self.0 {
            None => false,
            Some(org) => {
                if let Some(counties) = self.specialist_counties(org) {
                    return org.id == org_id
                        || owner_county.is_some_and(|c| counties.iter().any(|mine| mine == c));
                }
                match org.role {
                    Role::Admin => true,
                    Role::Member => org.id == org_id,
                    Role::County => org.county.is_some() && org.county.as_deref() == owner_county,
                }
            }
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return session_caller(parts, state).await;
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let org = state
            .ledger
            .store()
            .org_by_token(token_digest(token))
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(Caller(Some(org), None))
    }
}

/// The caller of a request without a bearer token: the session cookie's person, or nobody.
/// A state-changing request is refused (403) unless it carries the session's CSRF token.
async fn session_caller<S: Store>(parts: &Parts, state: &AppState<S>) -> Result<Caller, ApiError> {
    let Some(token) = session_cookie(&parts.headers) else {
        return Ok(Caller(None, None));
    };
    let Some((org, person)) = resolve_session(state, token).await? else {
        return Ok(Caller(None, None));
    };
    if !parts.method.is_safe() {
        let submitted = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                parts
                    .extensions
                    .get::<SubmittedCsrf>()
                    .map(|s| s.0.as_str())
            });
        let valid = submitted
            .is_some_and(|s| constant_time_eq(s.trim().as_bytes(), person.csrf_token.as_bytes()));
        if !valid {
            let locale = crate::request_locale(&parts.headers, None);
            return Err(ApiError::forbidden(i18n::t(locale, "account.problem.csrf")));
        }
    }
    Ok(Caller(Some(org), Some(person)))
}
