//! The account pages, server-rendered and phone-first (`docs/accounts.md`): `GET/POST /login`,
//! `POST /logout`, `GET/POST /invite/{token}` (the invitee sees who invited them into which
//! organisation, chooses a name, login and password, and is logged in) and `GET /me` (who am
//! I, my organisation, log out), with `POST /me/password`, where a person changes their
//! password (and every other session of theirs ends).
//!
//! Every page is built by [`page_shell`], the layout other pages reuse: one HTML document
//! with inline CSS and no script, readable at 360 px, with touch targets of at least 48 px,
//! a label on every input, dark-on-light text (contrast above 7:1), the language switch, and
//! no `Referer` sent onwards (an invitation's address is a secret). Every text comes from the
//! i18n catalogs and is HTML-escaped where it enters the page.
//!
//! The answers carry `Cache-Control: no-store` and a Content-Security-Policy that allows no
//! script, no framing (no clickjacking of the forms) and form posts to this server only. Login
//! and invitation forms, which start a session, also refuse cross-site posts (`Origin`,
//! `Sec-Fetch-Site`), so another site cannot log a visitor into an account of its choosing.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use i18n::{Locale, t, tf};
use ledger::now_micros;
use serde::Deserialize;
use store::{Invitation, Invitee, Org, Redemption, Store, UserRole, login_key};

use crate::AppState;
use crate::account::{
    LoginThrottle, PASSWORD_MIN_CHARS, check_display_name, check_login, check_password,
    hash_password_blocking, verify_password_blocking,
};
use crate::account_api::{
    CSRF_FIELD, invite_scope, role_key, session_clear_cookie, session_cookie, start_session,
};
use crate::auth::{Caller, Person, token_digest};
use crate::certificate_page::escape_html;
use crate::problem::ApiError;

/// The pages' style sheet: phone first (one column, full width up to 30 rem), inputs and
/// buttons at least 48 px high, focus rings, and colours with a contrast of at least 7:1.
const STYLE: &str = "\
*{box-sizing:border-box}\
[hidden]{display:none!important}\
html{font-size:16px;-webkit-text-size-adjust:100%}\
body{margin:0;background:#f4f1ea;color:#1a1a1a;\
font:1rem/1.5 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif}\
header{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.25rem;\
background:#1d4d2c;color:#fff;padding:0 .75rem}\
header a{color:#fff;display:inline-flex;align-items:center;min-height:48px;padding:0 .5rem;text-decoration:none}\
header .brand{font-weight:700;font-size:1.1rem;padding-left:0}\
header nav a{text-decoration:underline}\
main{max-width:30rem;margin:0 auto;padding:1rem}\
h1{font-size:1.45rem;line-height:1.3;margin:.5rem 0 1rem}\
p{margin:.5rem 0}\
label{display:block;font-weight:600;margin:1.1rem 0 .3rem}\
input{display:block;width:100%;min-height:48px;padding:.55rem .75rem;font:inherit;font-size:1.1rem;\
color:#111;background:#fff;border:2px solid #4a4a4a;border-radius:6px}\
select{display:block;width:100%;min-height:48px;padding:.5rem .75rem;font:inherit;font-size:1.1rem;\
color:#111;background:#fff;border:2px solid #4a4a4a;border-radius:6px}\
input[aria-invalid=true],select[aria-invalid=true]{border-color:#a4161a}\
input:focus,select:focus,button:focus,a:focus,summary:focus{outline:3px solid #0b57d0;outline-offset:2px}\
h2{font-size:1.2rem;line-height:1.3;margin:1rem 0 .5rem}\
summary{display:flex;align-items:center;min-height:48px;font-size:1.15rem;font-weight:700;cursor:pointer}\
details.fold>summary::before{content:\"\\25B8\";margin-right:.5rem}\
details.fold[open]>summary::before{content:\"\\25BE\"}\
a.action{display:flex;align-items:center;min-height:48px;font-weight:600}\
button{display:block;width:100%;min-height:52px;margin:1.6rem 0 .5rem;padding:.6rem 1rem;\
font:inherit;font-size:1.15rem;font-weight:700;color:#fff;background:#1d4d2c;border:0;border-radius:6px;cursor:pointer}\
button.secondary{background:#fff;color:#1d4d2c;border:2px solid #1d4d2c}\
.hint{font-size:.92rem;color:#3d3d3d;margin:.25rem 0 0}\
.error{font-size:.95rem;color:#a4161a;font-weight:600;margin:.3rem 0 0}\
.alert{border-left:5px solid #a4161a;background:#fff;padding:.75rem 1rem;margin:0 0 1rem}\
.notice{border-left:5px solid #1d4d2c;background:#fff;padding:.75rem 1rem;margin:0 0 1rem}\
.card{background:#fff;border-radius:8px;padding:.25rem 1rem;margin:0 0 1rem}\
dl{margin:.5rem 0}dt{font-size:.92rem;color:#3d3d3d;margin-top:.6rem}dd{margin:0;font-size:1.1rem;overflow-wrap:anywhere}\
a{color:#0b4fb3}";

/// The Content-Security-Policy of the account pages: no script, no framing, forms post here.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A whole page: the document head, the bar with Retu's name and the language switch, the
/// title as the page's heading, and `body_html` (HTML already; callers escape what they
/// insert). `title` is plain text. Other pages (the workspace, forms) use it too.
pub(crate) fn page_shell(locale: Locale, title: &str, body_html: &str) -> String {
    let mut page = String::with_capacity(4096 + body_html.len());
    let title = escape_html(title);
    let _ = write!(
        page,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light\">\
         <meta name=\"referrer\" content=\"same-origin\">\
         <title>{title} · {}</title><style>{STYLE}</style></head><body>\
         <header><a class=\"brand\" href=\"/me\">{}</a><nav aria-label=\"{}\">",
        locale.tag(),
        escape_html(t(locale, "account.brand")),
        escape_html(t(locale, "account.brand")),
        escape_html(t(locale, "account.language")),
    );
    // A query-only link keeps the page's path (an invitation's token included).
    for other in Locale::ALL.into_iter().filter(|l| *l != locale) {
        let name = match other {
            Locale::ZhCn => t(other, "lang.zh-cn"),
            Locale::En => t(other, "lang.en"),
        };
        let _ = write!(
            page,
            "<a href=\"?lang={}\" lang=\"{}\" hreflang=\"{}\">{}</a>",
            other.tag(),
            other.tag(),
            other.tag(),
            escape_html(name)
        );
    }
    let _ = writeln!(
        page,
        "</nav></header><main><h1>{title}</h1>{body_html}</main></body></html>"
    );
    page
}

/// An HTML answer with the account pages' headers.
pub(crate) fn html_page(status: StatusCode, page: String) -> Response {
    let mut response = (status, axum::response::Html(page)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with a
    // form post, and the login's cross-site check would refuse every real browser (found by
    // the headless-Chromium test of the forms). Other sites still get no referrer.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A 303 redirect to a path of this server, optionally setting a cookie.
pub(crate) fn see_other(location: &str, cookie: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(header::LOCATION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = cookie {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

/// The query of the account pages.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    /// `zh-CN` or `en`; otherwise `Accept-Language` decides.
    lang: Option<String>,
    /// Where to go after logging in (a path of this server).
    next: Option<String>,
    /// What a form just did, for the page it redirected to (`password`: the password was
    /// changed).
    done: Option<String>,
}

impl PageQuery {
    /// `?lang=…` to append to form actions, when the page was asked for in a language.
    fn lang_suffix(&self) -> String {
        self.lang
            .as_deref()
            .and_then(Locale::from_query)
            .map(|l| format!("?lang={}", l.tag()))
            .unwrap_or_default()
    }
}

/// `next` when it is a path of this server (never another site: `//host`, `/\host`), else
/// `/me`.
fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/me".to_owned(),
    }
}

/// Whether a form post that starts a session comes from a page of this server: refused when
/// the browser says it is cross-site (`Sec-Fetch-Site`) or names an origin (`Origin`) whose
/// host is neither the request's `Host` nor that of the public URL. Clients that send neither
/// header (scripts, old browsers) pass.
fn same_origin(public_url: Option<&str>, headers: &HeaderMap) -> bool {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header_text("sec-fetch-site").is_some_and(|v| v.eq_ignore_ascii_case("cross-site")) {
        return false;
    }
    let Some(origin) = header_text("origin") else {
        return true;
    };
    let authority = |url: &str| {
        url.split_once("://")
            .map_or(url, |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let origin = authority(origin);
    let host = header_text("host").map(str::to_ascii_lowercase);
    host.as_deref() == Some(origin.as_str()) || public_url.map(authority) == Some(origin)
}

/// One labelled input with its hint and error, linked for screen readers.
struct Input<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    value: &'a str,
    autocomplete: &'a str,
    hint: Option<String>,
    error: Option<String>,
}

impl Input<'_> {
    fn render(&self, out: &mut String) {
        let id = format!("f-{}", self.name);
        let mut described = Vec::new();
        if self.hint.is_some() {
            described.push(format!("{id}-hint"));
        }
        if self.error.is_some() {
            described.push(format!("{id}-error"));
        }
        let _ = write!(
            out,
            "<label for=\"{id}\">{}</label><input id=\"{id}\" name=\"{}\" type=\"{}\" \
             autocomplete=\"{}\" required",
            escape_html(self.label),
            self.name,
            self.kind,
            self.autocomplete,
        );
        if self.kind == "text" {
            out.push_str(" autocapitalize=\"none\" spellcheck=\"false\"");
        }
        if !self.value.is_empty() {
            let _ = write!(out, " value=\"{}\"", escape_html(self.value));
        }
        if !described.is_empty() {
            let _ = write!(out, " aria-describedby=\"{}\"", described.join(" "));
        }
        if self.error.is_some() {
            out.push_str(" aria-invalid=\"true\"");
        }
        out.push('>');
        if let Some(hint) = &self.hint {
            let _ = write!(
                out,
                "<p class=\"hint\" id=\"{id}-hint\">{}</p>",
                escape_html(hint)
            );
        }
        if let Some(error) = &self.error {
            let _ = write!(
                out,
                "<p class=\"error\" id=\"{id}-error\">{}</p>",
                escape_html(error)
            );
        }
    }
}

/// A message at the top of a form, announced by screen readers.
pub(crate) fn alert(out: &mut String, text: &str) {
    let _ = write!(
        out,
        "<p class=\"alert\" role=\"alert\">{}</p>",
        escape_html(text)
    );
}

// --- Login -----------------------------------------------------------------------------------

/// The login form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

fn login_page_html(
    locale: Locale,
    query: &PageQuery,
    login: &str,
    next: Option<&str>,
    message: Option<&str>,
) -> String {
    let mut body = String::new();
    if let Some(message) = message {
        alert(&mut body, message);
    }
    let _ = write!(
        body,
        "<p>{}</p><form method=\"post\" action=\"/login{}\">",
        escape_html(t(locale, "account.login.intro")),
        query.lang_suffix()
    );
    if let Some(next) = next {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"next\" value=\"{}\">",
            escape_html(&local_path(Some(next)))
        );
    }
    Input {
        name: "login",
        label: t(locale, "account.field.login"),
        kind: "text",
        value: login,
        autocomplete: "username",
        hint: None,
        error: None,
    }
    .render(&mut body);
    Input {
        name: "password",
        label: t(locale, "account.field.password"),
        kind: "password",
        value: "",
        autocomplete: "current-password",
        hint: None,
        error: None,
    }
    .render(&mut body);
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button></form>",
        escape_html(t(locale, "account.login.submit"))
    );
    page_shell(locale, t(locale, "account.login.title"), &body)
}

/// `GET /login`: the form, or straight to `/me` for someone logged in.
pub(crate) async fn login_page<S: Store>(
    State(_): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    if caller.person().is_some() {
        return see_other(&local_path(query.next.as_deref()), None);
    }
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    html_page(
        StatusCode::OK,
        login_page_html(locale, &query, "", query.next.as_deref(), None),
    )
}

/// `POST /login`: checks the password (on the blocking pool), throttles failures per login,
/// and starts a session. Wrong login and wrong password get the same answer.
pub(crate) async fn login_submit<S: Store>(
    State(state): State<AppState<S>>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
    Form(form): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let next = form.next.as_deref().or(query.next.as_deref());
    let answer = |status: StatusCode, message: &str| {
        html_page(
            status,
            login_page_html(locale, &query, form.login.trim(), next, Some(message)),
        )
    };
    if !same_origin(state.config.public_url.as_deref(), &headers) {
        return Ok(answer(
            StatusCode::FORBIDDEN,
            t(locale, "account.problem.cross_site"),
        ));
    }
    let login = form.login.trim();
    if login.is_empty() || form.password.is_empty() {
        return Ok(answer(
            StatusCode::BAD_REQUEST,
            t(locale, "account.login.missing"),
        ));
    }
    // Longer than any login can be: not looked up, but counted and refused like the rest.
    let key: String = login_key(login).chars().take(64).collect();
    if let Some(wait) = throttle.blocked(&key, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
        let mut response = answer(
            StatusCode::TOO_MANY_REQUESTS,
            &tf(locale, "account.login.throttled", &[("minutes", &minutes)]),
        );
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let store = state.ledger.store();
    let user = if login.chars().count() <= crate::account::LOGIN_MAX_CHARS {
        store.user_by_login(login).await?
    } else {
        None
    };
    let stored = user
        .as_ref()
        .filter(|u| !u.disabled)
        .map(|u| u.password_hash.clone());
    let verified = verify_password_blocking(form.password.clone(), stored).await;
    let Some(user) = user.filter(|_| verified) else {
        throttle.record_failure(&key, Instant::now());
        return Ok(answer(
            StatusCode::UNAUTHORIZED,
            t(locale, "account.login.failed"),
        ));
    };
    throttle.clear(&key);
    // A session the browser still had ends: one browser, one session.
    if let Some(old) = session_cookie(&headers) {
        store.delete_session(token_digest(old)).await?;
    }
    let cookie = start_session(&state, &user).await?;
    Ok(see_other(&local_path(next), Some(cookie)))
}

/// `POST /logout`: ends the session (the `Caller` extractor has checked its CSRF token) and
/// removes the cookie.
pub(crate) async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    if let Some(person) = caller.person() {
        state
            .ledger
            .store()
            .delete_session(person.session_hash)
            .await?;
    }
    Ok(see_other(
        &format!("/login{}", query.lang_suffix()),
        Some(session_clear_cookie(&state.config)),
    ))
}

// --- Invitations -----------------------------------------------------------------------------

/// The invitation form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct InviteForm {
    display_name: String,
    login: String,
    password: String,
    password_again: String,
}

/// An invitation that can be used, with the organisation it is for and the inviter's.
struct OpenInvitation {
    invitation: Invitation,
    org: Org,
    inviter: Org,
}

/// The invitation of `token` if it can be used now, else the page saying why not.
async fn open_invitation<S: Store>(
    state: &AppState<S>,
    locale: Locale,
    token: &str,
) -> Result<Result<OpenInvitation, Response>, ApiError> {
    let store = state.ledger.store();
    let invitation = store.invitation(token_digest(token)).await?;
    let closed = |status, title: &'static str, body: &'static str| {
        let html = format!("<p>{}</p>", escape_html(t(locale, body)));
        Ok(Err(html_page(
            status,
            page_shell(locale, t(locale, title), &html),
        )))
    };
    let Some(invitation) = invitation else {
        return closed(
            StatusCode::NOT_FOUND,
            "account.invite.unknown.title",
            "account.invite.unknown.body",
        );
    };
    if invitation.used_at.is_some() {
        return closed(
            StatusCode::GONE,
            "account.invite.used.title",
            "account.invite.used.body",
        );
    }
    if invitation.expires_at <= now_micros() {
        return closed(
            StatusCode::GONE,
            "account.invite.expired.title",
            "account.invite.expired.body",
        );
    }
    let (Some(org), Some(inviter)) = (
        store.org(invitation.org_id).await?,
        store.org(invitation.created_by_org).await?,
    ) else {
        return Err(ApiError::internal(
            &"an invitation names a missing organisation",
        ));
    };
    Ok(Ok(OpenInvitation {
        invitation,
        org,
        inviter,
    }))
}

/// What is wrong with a submitted invitation form, field by field.
#[derive(Default)]
struct InviteErrors {
    display_name: Option<String>,
    login: Option<String>,
    password: Option<String>,
    password_again: Option<String>,
}

impl InviteErrors {
    fn any(&self) -> bool {
        self.display_name.is_some()
            || self.login.is_some()
            || self.password.is_some()
            || self.password_again.is_some()
    }
}

fn invite_page_html(
    locale: Locale,
    query: &PageQuery,
    token: &str,
    open: &OpenInvitation,
    form: &InviteForm,
    errors: InviteErrors,
) -> String {
    let mut body = String::new();
    if errors.any() {
        alert(&mut body, t(locale, "account.invite.fix"));
    }
    let intro = tf(
        locale,
        "account.invite.intro",
        &[
            ("inviter", &open.inviter.name),
            ("org", &open.org.name),
            ("role", t(locale, role_key(open.invitation.role))),
        ],
    );
    let _ = write!(
        body,
        "<p>{}</p><form method=\"post\" action=\"/invite/{}{}\">",
        escape_html(&intro),
        escape_html(token),
        query.lang_suffix()
    );
    Input {
        name: "display_name",
        label: t(locale, "account.field.display_name"),
        kind: "text",
        value: &form.display_name,
        autocomplete: "name",
        hint: None,
        error: errors.display_name,
    }
    .render(&mut body);
    Input {
        name: "login",
        label: t(locale, "account.field.login"),
        kind: "text",
        value: &form.login,
        autocomplete: "username",
        hint: Some(t(locale, "account.login_hint").to_owned()),
        error: errors.login,
    }
    .render(&mut body);
    let min = PASSWORD_MIN_CHARS.to_string();
    Input {
        name: "password",
        label: t(locale, "account.field.password"),
        kind: "password",
        value: "",
        autocomplete: "new-password",
        hint: Some(tf(locale, "account.password_hint", &[("min", &min)])),
        error: errors.password,
    }
    .render(&mut body);
    Input {
        name: "password_again",
        label: t(locale, "account.field.password_again"),
        kind: "password",
        value: "",
        autocomplete: "new-password",
        hint: None,
        error: errors.password_again,
    }
    .render(&mut body);
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button></form>",
        escape_html(t(locale, "account.invite.submit"))
    );
    let title = tf(locale, "account.invite.title", &[("org", &open.org.name)]);
    page_shell(locale, &title, &body)
}

/// `GET /invite/{token}`: who invites whom into which organisation, and the form.
pub(crate) async fn invite_page<S: Store>(
    State(state): State<AppState<S>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let open = match open_invitation(&state, locale, &token).await? {
        Ok(open) => open,
        Err(closed) => return Ok(closed),
    };
    let html = invite_page_html(
        locale,
        &query,
        &token,
        &open,
        &InviteForm::default(),
        InviteErrors::default(),
    );
    Ok(html_page(StatusCode::OK, html))
}

/// `POST /invite/{token}`: checks the form, hashes the password (on the blocking pool), uses
/// the invitation (one use, atomically) and logs the new person in.
pub(crate) async fn invite_submit<S: Store>(
    State(state): State<AppState<S>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
    Form(form): Form<InviteForm>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let open = match open_invitation(&state, locale, &token).await? {
        Ok(open) => open,
        Err(closed) => return Ok(closed),
    };
    if !same_origin(state.config.public_url.as_deref(), &headers) {
        let html = format!(
            "<p>{}</p>",
            escape_html(t(locale, "account.problem.cross_site"))
        );
        return Ok(html_page(
            StatusCode::FORBIDDEN,
            page_shell(locale, t(locale, "account.error.title"), &html),
        ));
    }
    let mut errors = InviteErrors::default();
    let display_name = check_display_name(&form.display_name)
        .map_err(|key| errors.display_name = Some(t(locale, key).to_owned()))
        .ok();
    let login = check_login(&form.login)
        .map_err(|key| errors.login = Some(t(locale, key).to_owned()))
        .ok();
    if let Err(problem) = check_password(&form.password) {
        let min = PASSWORD_MIN_CHARS.to_string();
        errors.password = Some(tf(locale, problem.key(), &[("min", &min)]));
    } else if form.password != form.password_again {
        errors.password_again = Some(t(locale, "account.problem.password_mismatch").to_owned());
    }
    let (Some(display_name), Some(login), false) = (display_name, login, errors.any()) else {
        let html = invite_page_html(locale, &query, &token, &open, &form, errors);
        return Ok(html_page(StatusCode::BAD_REQUEST, html));
    };
    let password_hash = hash_password_blocking(form.password.clone())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let invitee = Invitee {
        login: login.to_owned(),
        display_name: display_name.to_owned(),
        password_hash,
        locale: locale.tag().to_owned(),
    };
    let store = state.ledger.store();
    match store
        .redeem_invitation(token_digest(&token), &invitee, now_micros())
        .await?
    {
        Redemption::Joined(user) => {
            if let Some(old) = session_cookie(&headers) {
                store.delete_session(token_digest(old)).await?;
            }
            let cookie = start_session(&state, &user).await?;
            Ok(see_other(
                &format!("/me{}", query.lang_suffix()),
                Some(cookie),
            ))
        }
        Redemption::LoginTaken => {
            let errors = InviteErrors {
                login: Some(t(locale, "account.problem.login_taken").to_owned()),
                ..InviteErrors::default()
            };
            let html = invite_page_html(locale, &query, &token, &open, &form, errors);
            Ok(html_page(StatusCode::CONFLICT, html))
        }
        // Used or expired between the check above and now: say so.
        Redemption::Unknown | Redemption::Used | Redemption::Expired => {
            match open_invitation(&state, locale, &token).await? {
                Err(closed) => Ok(closed),
                Ok(_) => Err(ApiError::internal(&"an invitation could not be used")),
            }
        }
    }
}

// --- Home ------------------------------------------------------------------------------------

/// The password form's fields.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct PasswordForm {
    current_password: String,
    new_password: String,
    new_password_again: String,
}

/// The passwords stay out of logs.
impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordForm").finish_non_exhaustive()
    }
}

/// What is wrong with a submitted password form, field by field, or above it.
#[derive(Default)]
struct PasswordErrors {
    /// A message above the form (the throttle's).
    alert: Option<String>,
    current_password: Option<String>,
    new_password: Option<String>,
    new_password_again: Option<String>,
}

impl PasswordErrors {
    fn any(&self) -> bool {
        self.alert.is_some()
            || self.current_password.is_some()
            || self.new_password.is_some()
            || self.new_password_again.is_some()
    }
}

/// The home page of `person`: who they are, their organisation, the link to the people page
/// for those who invite, the password form (open and marked when `errors` has any), and
/// logging out.
fn me_page_html(
    locale: Locale,
    query: &PageQuery,
    caller: &Caller,
    org: &Org,
    person: &Person,
    errors: PasswordErrors,
) -> String {
    let user = &person.user;
    let mut body = String::new();
    if query.done.as_deref() == Some("password") && !errors.any() {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\">{}</p>",
            escape_html(t(locale, "account.me.changed"))
        );
    }
    let _ = write!(
        body,
        "<p>{}</p><div class=\"card\"><dl>",
        escape_html(&tf(
            locale,
            "account.me.greeting",
            &[("name", &user.display_name)]
        ))
    );
    let mut term = |label: &str, value: &str| {
        let _ = write!(
            body,
            "<dt>{}</dt><dd>{}</dd>",
            escape_html(label),
            escape_html(value)
        );
    };
    term(t(locale, "account.me.login"), &user.login);
    term(t(locale, "account.me.role"), t(locale, role_key(user.role)));
    term(t(locale, "account.me.org"), &org.name);
    if let Some(county) = &org.county {
        term(t(locale, "account.me.county"), county);
    }
    if user.role == UserRole::Specialist {
        let counties = if person.counties.is_empty() {
            t(locale, "account.me.no_counties").to_owned()
        } else {
            person
                .counties
                .join(if locale == Locale::ZhCn { "、" } else { ", " })
        };
        term(t(locale, "account.me.counties"), &counties);
    }
    body.push_str("</dl></div>");
    // Officers, specialists and the admin invite and look after the people of their counties.
    if invite_scope(caller).is_some() {
        let _ = write!(
            body,
            "<p><a class=\"action\" id=\"people-link\" href=\"/people{}\">{}</a></p>",
            query.lang_suffix(),
            escape_html(t(locale, "account.me.people"))
        );
    }

    // The password form, folded away unless it has something to say.
    let _ = write!(
        body,
        "<details class=\"card fold\" id=\"password\"{}><summary>{}</summary>",
        if errors.any() { " open" } else { "" },
        escape_html(t(locale, "account.password.title"))
    );
    if let Some(message) = &errors.alert {
        alert(&mut body, message);
    } else if errors.any() {
        alert(&mut body, t(locale, "account.invite.fix"));
    }
    let _ = write!(
        body,
        "<p class=\"hint\">{}</p><form method=\"post\" action=\"/me/password{}\">\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">\
         <input type=\"text\" name=\"username\" value=\"{}\" autocomplete=\"username\" hidden>",
        escape_html(t(locale, "account.password.hint")),
        query.lang_suffix(),
        escape_html(person.csrf_token()),
        escape_html(&user.login),
    );
    Input {
        name: "current_password",
        label: t(locale, "account.password.current"),
        kind: "password",
        value: "",
        autocomplete: "current-password",
        hint: None,
        error: errors.current_password,
    }
    .render(&mut body);
    let min = PASSWORD_MIN_CHARS.to_string();
    Input {
        name: "new_password",
        label: t(locale, "account.password.new"),
        kind: "password",
        value: "",
        autocomplete: "new-password",
        hint: Some(tf(locale, "account.password_hint", &[("min", &min)])),
        error: errors.new_password,
    }
    .render(&mut body);
    Input {
        name: "new_password_again",
        label: t(locale, "account.password.new_again"),
        kind: "password",
        value: "",
        autocomplete: "new-password",
        hint: None,
        error: errors.new_password_again,
    }
    .render(&mut body);
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button></form></details>",
        escape_html(t(locale, "account.password.submit"))
    );

    let _ = write!(
        body,
        "<form method=\"post\" action=\"/logout{}\">\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">\
         <button type=\"submit\" class=\"secondary\">{}</button></form>",
        query.lang_suffix(),
        escape_html(person.csrf_token()),
        escape_html(t(locale, "account.logout"))
    );
    page_shell(locale, t(locale, "account.me.title"), &body)
}

/// Where someone who is not logged in goes from `/me`: the login page, and back.
fn to_login(query: &PageQuery) -> Response {
    see_other(
        &format!("/login?next=/me{}", query.lang_suffix().replace('?', "&")),
        None,
    )
}

/// `GET /me`: who is logged in, their organisation, the password form and the logout button;
/// to `/login` for anyone else.
pub(crate) async fn me<S: Store>(
    State(_): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Response {
    let (Some(org), Some(person)) = (caller.0.as_ref(), caller.person()) else {
        return to_login(&query);
    };
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let html = me_page_html(
        locale,
        &query,
        &caller,
        org,
        person,
        PasswordErrors::default(),
    );
    html_page(StatusCode::OK, html)
}

/// `POST /me/password`: checks the new password's length and repetition, then the current
/// password (Argon2id on the blocking pool, counted by the login throttle like a login, so
/// that a session cannot be used to guess the password), stores the new hash and ends every
/// other session of the person, in one transaction; 303 to `/me`, which says it is done.
/// The `Caller` extractor has checked the form's CSRF token.
pub(crate) async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    let (Some(org), Some(person)) = (caller.0.as_ref(), caller.person()) else {
        return Ok(to_login(&query));
    };
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let answer = |status: StatusCode, errors: PasswordErrors| {
        html_page(
            status,
            me_page_html(locale, &query, &caller, org, person, errors),
        )
    };

    // The cheap checks first: a new password that would be refused costs no hashing.
    let mut errors = PasswordErrors::default();
    if form.current_password.is_empty() {
        errors.current_password = Some(t(locale, "account.password.current_missing").to_owned());
    }
    if let Err(problem) = check_password(&form.new_password) {
        let min = PASSWORD_MIN_CHARS.to_string();
        errors.new_password = Some(tf(locale, problem.key(), &[("min", &min)]));
    } else if form.new_password != form.new_password_again {
        errors.new_password_again = Some(t(locale, "account.problem.password_mismatch").to_owned());
    }
    if errors.any() {
        return Ok(answer(StatusCode::BAD_REQUEST, errors));
    }

    // The same throttle as the login form, under the same key: five wrong passwords in 15
    // minutes, here or there, and both wait.
    let key: String = login_key(&person.user.login).chars().take(64).collect();
    if let Some(wait) = throttle.blocked(&key, Instant::now()) {
        let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
        let errors = PasswordErrors {
            alert: Some(tf(
                locale,
                "account.login.throttled",
                &[("minutes", &minutes)],
            )),
            ..PasswordErrors::default()
        };
        let mut response = answer(StatusCode::TOO_MANY_REQUESTS, errors);
        if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let verified = verify_password_blocking(
        form.current_password.clone(),
        Some(person.user.password_hash.clone()),
    )
    .await;
    if !verified {
        throttle.record_failure(&key, Instant::now());
        let errors = PasswordErrors {
            current_password: Some(t(locale, "account.password.wrong").to_owned()),
            ..PasswordErrors::default()
        };
        return Ok(answer(StatusCode::FORBIDDEN, errors));
    }
    throttle.clear(&key);
    let password_hash = hash_password_blocking(form.new_password.clone())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    match state
        .ledger
        .store()
        .set_password(person.user.id, &password_hash, Some(person.session_hash))
        .await
    {
        Ok(()) => {}
        // The session ended while the password was being checked (logged out elsewhere, or
        // the person was disabled): nothing changed, and the login page says the rest.
        Err(store::StoreError::NotFound) => return Ok(to_login(&query)),
        Err(other) => return Err(other.into()),
    }
    let lang = query.lang_suffix().replace('?', "&");
    Ok(see_other(&format!("/me?done=password{lang}"), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(local_path(Some("/me")), "/me");
        assert_eq!(local_path(Some("/forms/harvest?x=1")), "/forms/harvest?x=1");
        for away in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "me",
            "",
        ] {
            assert_eq!(local_path(Some(away)), "/me", "{away}");
        }
        assert_eq!(local_path(None), "/me");
    }

    #[test]
    fn session_starting_posts_must_come_from_this_server() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        let public = Some("https://trace.county.example");
        assert!(same_origin(public, &headers(&[])));
        assert!(same_origin(
            None,
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ])
        ));
        // Behind a proxy: the public URL's host, whatever the scheme the proxy forwards.
        assert!(same_origin(
            public,
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://TRACE.county.example")
            ])
        ));
        assert!(!same_origin(
            public,
            &headers(&[
                ("host", "127.0.0.1:8080"),
                ("origin", "https://evil.example")
            ])
        ));
        assert!(!same_origin(None, &headers(&[("origin", "null")])));
        assert!(!same_origin(
            None,
            &headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")])
        ));
        assert!(same_origin(
            None,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
    }

    #[test]
    fn the_shell_escapes_and_labels() {
        let page = page_shell(Locale::En, "a <b> & \"c\"", "<p>body</p>");
        assert!(
            page.contains("<title>a &lt;b&gt; &amp; &quot;c&quot; · "),
            "{page}"
        );
        assert!(page.contains("<html lang=\"en\">"));
        assert!(page.contains("<meta name=\"referrer\" content=\"same-origin\">"));
        assert!(page.contains("href=\"?lang=zh-CN\""));
        assert!(page.contains("<p>body</p>"));
        let mut input = String::new();
        Input {
            name: "login",
            label: "Login",
            kind: "text",
            value: "\"><script>",
            autocomplete: "username",
            hint: Some("hint".into()),
            error: Some("wrong".into()),
        }
        .render(&mut input);
        assert!(
            input.contains("<label for=\"f-login\">Login</label>"),
            "{input}"
        );
        assert!(
            input.contains("value=\"&quot;&gt;&lt;script&gt;\""),
            "{input}"
        );
        assert!(input.contains("aria-describedby=\"f-login-hint f-login-error\""));
        assert!(input.contains("aria-invalid=\"true\""));
    }
}
