//! Sessions, CSRF and invitations over HTTP (`docs/accounts.md`).
//!
//! - A login starts a session: a random token in the `retu_session` cookie (HttpOnly,
//!   SameSite=Lax, Path=/, Secure when the public URL is https), whose SHA-256 the store keeps
//!   with the person and a CSRF token. [`crate::auth::Caller`] resolves the cookie when a
//!   request has no bearer token, so every handler serves a logged-in person with the rights
//!   of their organisation.
//! - CSRF: a state-changing request (any method but GET, HEAD, OPTIONS and TRACE)
//!   authenticated by the cookie must carry the session's CSRF token, in an `X-CSRF-Token`
//!   header or a `csrf` form field. The check is made in one place, the `Caller` extractor;
//!   [`lift_form_csrf`] only moves the form field where the extractor finds it. Bearer-token
//!   requests need none: a browser never adds that header by itself.
//! - `POST /api/invitations` ([`create_invitation`]): an officer for their county, a
//!   specialist for their assigned counties, the admin anywhere; answers the one-use link and
//!   its QR code once. [`invite`] judges and stores every invitation, this endpoint's and
//!   the people page's (`people.rs`), so the two cannot drift apart.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use i18n::{Locale, t};
use ledger::now_micros;
use serde_json::{Map, Value, json};
use store::{InvitedOrg, NewInvitation, NewOrg, NewSession, Org, Role, Store, User, UserRole};

use crate::account::{SESSION_LIFETIME, random_token};
use crate::auth::{Caller, Person, token_digest};
use crate::problem::{ApiError, FieldProblem};
use crate::{AppState, WebConfig};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "retu_session";
/// The header a script sends the CSRF token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
/// The form field a page's form sends the CSRF token in.
pub(crate) const CSRF_FIELD: &str = "csrf";
/// The largest form body [`lift_form_csrf`] reads.
const FORM_LIMIT: usize = 256 * 1024;

/// Invitations last this many days unless the inviter asks otherwise.
pub(crate) const INVITATION_DAYS: i64 = 7;
/// The longest an invitation may last, in days.
pub(crate) const INVITATION_MAX_DAYS: i64 = 30;
const DAY_MICROS: i64 = 86_400_000_000;

/// The value of the session cookie, if the request has one.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim().trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// Whether cookies must be `Secure`: when the public URL is https.
fn secure(config: &WebConfig) -> bool {
    config.public_url.as_deref().is_some_and(|url| {
        url.get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    })
}

/// The `Set-Cookie` value that starts a session.
pub(crate) fn session_set_cookie(config: &WebConfig, token: &str) -> HeaderValue {
    let value = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        SESSION_LIFETIME.as_secs(),
        if secure(config) { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn session_clear_cookie(config: &WebConfig) -> HeaderValue {
    if secure(config) {
        HeaderValue::from_static("retu_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("retu_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// The person and organisation of a session cookie's token, or `None` when the session is
/// unknown, expired or its person disabled (the request is then anonymous: browsers keep
/// stale cookies, which must not lock anyone out of public pages).
pub(crate) async fn resolve_session<S: Store>(
    state: &AppState<S>,
    token: &str,
) -> Result<Option<(Org, Person)>, ApiError> {
    let store = state.ledger.store();
    let session_hash = token_digest(token);
    let Some((session, user)) = store.session(session_hash, now_micros()).await? else {
        return Ok(None);
    };
    let Some(org) = store.org(user.org_id).await? else {
        return Ok(None);
    };
    let counties = if user.role == UserRole::Specialist {
        store.user_counties(user.id).await?
    } else {
        Vec::new()
    };
    Ok(Some((
        org,
        Person {
            user,
            counties,
            csrf_token: session.csrf_token,
            session_hash,
        },
    )))
}

/// Starts a session for `user`: stores it and answers the `Set-Cookie` value. Also sweeps
/// expired sessions (cheap: by the `expires_at` index), so the table holds live ones only.
pub(crate) async fn start_session<S: Store>(
    state: &AppState<S>,
    user: &User,
) -> Result<HeaderValue, ApiError> {
    let store = state.ledger.store();
    let now = now_micros();
    if let Err(error) = store.delete_expired_sessions(now).await {
        tracing::warn!(%error, "could not sweep expired sessions");
    }
    let token = random_token().map_err(|e| ApiError::internal(&e))?;
    let csrf_token = random_token().map_err(|e| ApiError::internal(&e))?;
    let lifetime = i64::try_from(SESSION_LIFETIME.as_micros()).unwrap_or(i64::MAX);
    store
        .create_session(&NewSession {
            token_hash: token_digest(&token),
            user_id: user.id,
            csrf_token,
            created_at: now,
            expires_at: now.saturating_add(lifetime),
        })
        .await?;
    Ok(session_set_cookie(&state.config, &token))
}

/// The CSRF token a form sent in its body; [`lift_form_csrf`] puts it in the request's
/// extensions for the `Caller` extractor.
#[derive(Clone, Debug)]
pub(crate) struct SubmittedCsrf(pub(crate) String);

/// Middleware: for a state-changing, form-encoded request that carries the session cookie but
/// neither a bearer token nor an `X-CSRF-Token` header, reads the body (at most 256 KiB), and
/// puts its `csrf` field, if any, in the extensions as [`SubmittedCsrf`]. It judges nothing:
/// the `Caller` extractor compares the token with the session's, and only when the handler
/// acts for the session. Other requests pass untouched.
pub(crate) async fn lift_form_csrf(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
        });
    if request.method().is_safe()
        || !form
        || headers.contains_key(header::AUTHORIZATION)
        || headers.contains_key(CSRF_HEADER)
        || session_cookie(headers).is_none()
    {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return ApiError::too_large(format!("a form is at most {FORM_LIMIT} bytes"))
            .into_response();
    };
    if let Some(token) = form_field(&bytes, CSRF_FIELD) {
        parts.extensions.insert(SubmittedCsrf(token));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The first value of `name` in a form-encoded body. Tokens are URL-safe base64, which form
/// encoding leaves as it is, so the value is taken raw (a `+` or `%` in it cannot be part of a
/// valid token and makes the comparison fail, as it should).
fn form_field(body: &[u8], name: &str) -> Option<String> {
    body.split(|&b| b == b'&').find_map(|pair| {
        let (key, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        (key == name.as_bytes()).then(|| String::from_utf8_lossy(value).into_owned())
    })
}

/// Where a caller may invite people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InviteScope {
    /// Any county, any role (the admin).
    Anywhere,
    /// Producers and processors of these counties (an officer's county, a specialist's
    /// assigned counties).
    Counties(Vec<String>),
}

impl InviteScope {
    /// Whether an organisation of `county` is within the scope.
    pub(crate) fn covers(&self, county: Option<&str>) -> bool {
        match self {
            InviteScope::Anywhere => true,
            InviteScope::Counties(counties) => {
                county.is_some_and(|c| counties.iter().any(|mine| mine == c))
            }
        }
    }
}

/// Where `caller` may invite: a person by their role (officer: their office's county;
/// specialist: their assigned counties; admin: anywhere), an API token by its organisation's
/// role (county office: its county; admin: anywhere). Producers and processors may not.
pub(crate) fn invite_scope(caller: &Caller) -> Option<InviteScope> {
    let org = caller.0.as_ref()?;
    let county = || org.county.iter().cloned().collect::<Vec<_>>();
    match &caller.1 {
        Some(person) => match person.user.role {
            UserRole::Admin if org.role == Role::Admin => Some(InviteScope::Anywhere),
            UserRole::Officer if org.role == Role::County => Some(InviteScope::Counties(county())),
            UserRole::Specialist => Some(InviteScope::Counties(person.counties.clone())),
            _ => None,
        },
        None => match org.role {
            Role::Admin => Some(InviteScope::Anywhere),
            Role::County => Some(InviteScope::Counties(county())),
            Role::Member => None,
        },
    }
}

/// The i18n key naming a role for people.
pub(crate) fn role_key(role: UserRole) -> &'static str {
    match role {
        UserRole::Producer => "account.role.producer",
        UserRole::Processor => "account.role.processor",
        UserRole::Officer => "account.role.officer",
        UserRole::Specialist => "account.role.specialist",
        UserRole::Admin => "account.role.admin",
    }
}

/// A new public organisation ID, `org-` and 12 random hex digits (as `retu org create`).
fn new_public_id() -> Result<String, ApiError> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(&e))?;
    Ok(format!(
        "org-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn field(locale: Locale, pointer: &str, key: &'static str) -> FieldProblem {
    FieldProblem {
        pointer: pointer.to_owned(),
        detail: t(locale, key).to_owned(),
    }
}

fn invalid(locale: Locale, pointer: &str, key: &'static str) -> ApiError {
    ApiError::invalid_request(t(locale, key), vec![field(locale, pointer, key)])
}

fn forbidden(locale: Locale, pointer: &str, key: &'static str) -> ApiError {
    ApiError::forbidden_field(t(locale, key), vec![field(locale, pointer, key)])
}

/// A text field of a JSON request: `None` when absent or null, a problem when not a string.
/// Its length is checked by [`invite`], for every way an invitation is asked for.
fn text_field(
    body: &Map<String, Value>,
    name: &str,
    locale: Locale,
    key: &'static str,
) -> Result<Option<String>, ApiError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(invalid(locale, &format!("/{name}"), key)),
    }
}

/// A request for an invitation, as `POST /api/invitations` and the people page's form ask
/// for one; [`invite`] judges and creates it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct InvitationRequest {
    /// The public ID of an existing organisation to join.
    pub(crate) org_id: Option<String>,
    /// The name of a new member organisation, made with the invitation.
    pub(crate) org_name: Option<String>,
    /// The new organisation's county.
    pub(crate) county: Option<String>,
    /// The role the invitee gets.
    pub(crate) role: Option<UserRole>,
    /// How many days the link works (1 to [`INVITATION_MAX_DAYS`]).
    pub(crate) days: i64,
}

/// A stored invitation with the link that uses it, shown this once.
#[derive(Clone, Debug)]
pub(crate) struct CreatedInvitation {
    /// The full link, `{public base}/invite/{token}`.
    pub(crate) url: String,
    /// When it stops working, µs.
    pub(crate) expires_at: i64,
    /// The role the invitee gets.
    pub(crate) role: UserRole,
    /// The organisation they join (made with the invitation when it is new).
    pub(crate) org: Org,
    /// The link's QR code as SVG.
    pub(crate) qr_svg: String,
}

/// A trimmed text of 1 to `max` characters without control characters, or the problem at
/// `pointer`.
fn checked_text<'a>(
    text: Option<&'a str>,
    max: usize,
    locale: Locale,
    pointer: &str,
    key: &'static str,
) -> Result<Option<&'a str>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let text = text.trim();
    if (1..=max).contains(&text.chars().count()) && !text.chars().any(char::is_control) {
        Ok(Some(text))
    } else {
        Err(invalid(locale, pointer, key))
    }
}

/// Judges and stores an invitation for `caller`: the one path every invitation takes
/// (`POST /api/invitations`, the people page). An officer invites producers and processors
/// of their office's county, a specialist of their assigned counties, the admin anyone
/// anywhere; a new organisation is made with the invitation in one transaction. Problems
/// carry the JSON pointer of the request field at fault (`/orgId`, `/orgName`, `/county`,
/// `/role`, `/expiresInDays`).
pub(crate) async fn invite<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    headers: &HeaderMap,
    locale: Locale,
    request: &InvitationRequest,
) -> Result<CreatedInvitation, ApiError> {
    let inviter = caller.require()?.clone();
    let scope = invite_scope(caller)
        .ok_or_else(|| ApiError::forbidden(t(locale, "account.problem.may_not_invite")))?;
    let role = request
        .role
        .ok_or_else(|| invalid(locale, "/role", "account.problem.role"))?;
    if !(1..=INVITATION_MAX_DAYS).contains(&request.days) {
        return Err(invalid(locale, "/expiresInDays", "account.problem.expires"));
    }
    let org_id = checked_text(
        request.org_id.as_deref(),
        64,
        locale,
        "/orgId",
        "account.problem.no_such_org",
    )?;
    let org_name = checked_text(
        request.org_name.as_deref(),
        80,
        locale,
        "/orgName",
        "account.problem.org_name",
    )?;
    let county = checked_text(
        request.county.as_deref(),
        64,
        locale,
        "/county",
        "account.problem.county",
    )?;

    // Only the admin gives roles other than producer and processor.
    if scope != InviteScope::Anywhere && !matches!(role, UserRole::Producer | UserRole::Processor) {
        return Err(forbidden(locale, "/role", "account.problem.role_not_yours"));
    }
    let org = match (org_id, org_name, county) {
        (Some(public_id), None, None) => {
            let org = state
                .ledger
                .store()
                .org_by_public_id(public_id)
                .await?
                .ok_or_else(|| invalid(locale, "/orgId", "account.problem.no_such_org"))?;
            if !scope.covers(org.county.as_deref()) {
                return Err(forbidden(
                    locale,
                    "/orgId",
                    "account.problem.county_not_yours",
                ));
            }
            if !role.fits(org.role) {
                return Err(invalid(
                    locale,
                    "/role",
                    "account.problem.role_does_not_fit",
                ));
            }
            InvitedOrg::Existing(org.id)
        }
        (None, Some(name), Some(county)) => {
            if !scope.covers(Some(county)) {
                return Err(forbidden(
                    locale,
                    "/county",
                    "account.problem.county_not_yours",
                ));
            }
            if !role.fits(Role::Member) {
                return Err(invalid(
                    locale,
                    "/role",
                    "account.problem.role_does_not_fit",
                ));
            }
            InvitedOrg::New(NewOrg {
                public_id: new_public_id()?,
                name: name.to_owned(),
                role: Role::Member,
                county: Some(county.to_owned()),
            })
        }
        (None, Some(_), None) => return Err(invalid(locale, "/county", "account.problem.county")),
        (None, None, Some(_)) => {
            return Err(invalid(locale, "/orgName", "account.problem.org_name"));
        }
        _ => return Err(invalid(locale, "", "account.problem.org_or_new")),
    };

    let token = random_token().map_err(|e| ApiError::internal(&e))?;
    let now = now_micros();
    let (invitation, org) = state
        .ledger
        .store()
        .create_invitation(&NewInvitation {
            token_hash: token_digest(&token),
            org,
            role,
            created_by_org: inviter.id,
            created_by_user: caller.1.as_ref().map(|person| person.user.id),
            created_at: now,
            expires_at: now.saturating_add(request.days * DAY_MICROS),
        })
        .await?;
    let url = format!("{}/invite/{token}", crate::public_base(state, headers));
    let qr_svg = labels::qr_svg(&url).map_err(|e| ApiError::internal(&e))?;
    Ok(CreatedInvitation {
        url,
        expires_at: invitation.expires_at,
        role: invitation.role,
        org,
        qr_svg,
    })
}

/// `POST /api/invitations`: `{orgName, county, role, expiresInDays?}` invites into a new
/// member organisation made with the invitation, `{orgId, role, expiresInDays?}` into an
/// existing one. 201 with `{url, expiresAt, role, organisation, qrSvg}`; the link is shown
/// this once (the store keeps its SHA-256 only).
pub(crate) async fn create_invitation<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    caller.require()?;
    // Who may not invite at all hears so before anything about their request.
    if invite_scope(&caller).is_none() {
        return Err(ApiError::forbidden(t(
            locale,
            "account.problem.may_not_invite",
        )));
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return Err(invalid(locale, "", "account.problem.not_json"));
    };
    let role = match body
        .get("role")
        .and_then(Value::as_str)
        .map(UserRole::parse)
    {
        Some(Some(role)) => role,
        _ => return Err(invalid(locale, "/role", "account.problem.role")),
    };
    let days = match body.get("expiresInDays") {
        None | Some(Value::Null) => INVITATION_DAYS,
        Some(value) => value
            .as_i64()
            .filter(|d| (1..=INVITATION_MAX_DAYS).contains(d))
            .ok_or_else(|| invalid(locale, "/expiresInDays", "account.problem.expires"))?,
    };
    let request = InvitationRequest {
        org_id: text_field(&body, "orgId", locale, "account.problem.no_such_org")?,
        org_name: text_field(&body, "orgName", locale, "account.problem.org_name")?,
        county: text_field(&body, "county", locale, "account.problem.county")?,
        role: Some(role),
        days,
    };
    let created = invite(&state, &caller, &headers, locale, &request).await?;
    let answer = json!({
        "url": created.url,
        "expiresAt": rfc3339(created.expires_at),
        "role": created.role.as_str(),
        "organisation": {
            "id": created.org.public_id,
            "name": created.org.name,
            "county": created.org.county,
            "role": created.org.role.as_str(),
        },
        "qrSvg": created.qr_svg,
    });
    let mut response = (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_string(),
    )
        .into_response();
    // The link is a secret until used: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// An RFC 3339 UTC time to the second.
pub(crate) fn rfc3339(micros: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(micros.div_euclid(1_000_000))
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_cookie(&headers), None);
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; b=2"));
        assert_eq!(session_cookie(&headers), None);
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("x=y; retu_session=abc_DEF-123 ;z=0"),
        );
        assert_eq!(session_cookie(&headers), Some("abc_DEF-123"));
        let mut empty = HeaderMap::new();
        empty.insert(header::COOKIE, HeaderValue::from_static("retu_session="));
        assert_eq!(session_cookie(&empty), None);
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_behind_https() {
        let mut config = WebConfig::default();
        let plain = session_set_cookie(&config, "tok");
        assert_eq!(
            plain.to_str().unwrap_or_default(),
            "retu_session=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"
        );
        config.public_url = Some("HTTPS://trace.county.example".into());
        let secure = session_set_cookie(&config, "tok");
        assert!(secure.to_str().unwrap_or_default().ends_with("; Secure"));
        assert!(
            session_clear_cookie(&config)
                .to_str()
                .unwrap_or_default()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn form_fields_are_found_raw() {
        assert_eq!(
            form_field(b"login=lin&csrf=abc-_123&password=x", "csrf"),
            Some("abc-_123".into())
        );
        assert_eq!(form_field(b"csrfx=1&xcsrf=2", "csrf"), None);
        assert_eq!(form_field(b"csrf", "csrf"), Some(String::new()));
        assert_eq!(form_field(b"", "csrf"), None);
    }

    #[test]
    fn scopes_cover_their_counties() {
        let counties = InviteScope::Counties(vec!["凌云县".into(), "乐业县".into()]);
        assert!(counties.covers(Some("凌云县")));
        assert!(!counties.covers(Some("田林县")));
        assert!(!counties.covers(None));
        assert!(InviteScope::Anywhere.covers(None));
        assert!(!InviteScope::Counties(vec![]).covers(Some("凌云县")));
    }
}
