//! Who is calling: an organisation identified by its bearer token, or nobody.
//!
//! Tokens are opaque random strings shown once when created; the store keeps only their SHA-256,
//! so a stolen database does not hand out working tokens. A request without a token is
//! anonymous and sees only public endpoints and shared records; a request with an unknown or
//! revoked token is refused outright rather than silently treated as anonymous.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use store::{Org, Role, Store, Visibility};

use crate::AppState;
use crate::problem::ApiError;

/// The SHA-256 a token is stored and looked up by.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The calling organisation, if any.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<Org>);

impl Caller {
    /// The organisation, or 401.
    pub fn require(&self) -> Result<&Org, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// What this caller may read.
    pub fn visibility(&self) -> Visibility {
        match &self.0 {
            None => Visibility::SharedOnly,
            Some(org) => match org.role {
                Role::Admin => Visibility::All,
                Role::County => Visibility::County(org.county.clone().unwrap_or_default()),
                Role::Member => Visibility::Org(org.id),
            },
        }
    }

    /// Whether this caller may read a record owned by `org_id` with the given sharing flag.
    pub fn can_read(&self, org_id: i64, shared: bool, owner_county: Option<&str>) -> bool {
        if shared {
            return true;
        }
        match &self.0 {
            None => false,
            Some(org) => match org.role {
                Role::Admin => true,
                Role::Member => org.id == org_id,
                Role::County => org.county.is_some() && org.county.as_deref() == owner_county,
            },
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Caller(None));
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
        Ok(Caller(Some(org)))
    }
}
