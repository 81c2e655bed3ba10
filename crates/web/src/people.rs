//! The people page of county officers, specialists and the administrator (`docs/accounts.md`):
//! `GET /people` lists the organisations of the caller's counties with their people, and
//! offers an invitation form whose answer is the one-use link as text and as a QR code for the
//! farmer's phone; `POST /people/invite` creates the invitation through
//! [`account_api::invite`], the same code as `POST /api/invitations`; `POST /people/disabled`
//! and its JSON twin `POST /api/users/disabled` disable or enable a person.
//!
//! Who may see and do what follows [`invite_scope`]: an officer their office's county, a
//! specialist their assigned counties, the admin everything (and, for the JSON API, a county
//! office's API token its county, the admin's anywhere). Only the admin disables or enables
//! officers, specialists and administrators; the others look after the producers and
//! processors of member organisations in their counties. Nobody disables themselves, which
//! would lock them out with no one to let them back in.
//!
//! The page is server-rendered like the account pages ([`page_shell`]), usable at 360 px
//! without script. Its only script is the invitation link's copy button, inline and allowed by
//! its hash in the Content-Security-Policy, so no other script can run on the page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::Form;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use i18n::{Locale, t, tf};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::{Org, Role, Store, User, UserRole};

use crate::AppState;
use crate::account::LOGIN_MAX_CHARS;
use crate::account_api::{
    self, CSRF_FIELD, CreatedInvitation, INVITATION_DAYS, INVITATION_MAX_DAYS, InvitationRequest,
    InviteScope, invite_scope, role_key,
};
use crate::account_pages::{alert, html_page, page_shell, see_other};
use crate::auth::{Caller, Person};
use crate::certificate_page::{china_time, escape_html};
use crate::problem::{ApiError, FieldProblem};

/// The query of the people page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PeopleQuery {
    /// `zh-CN` or `en`; otherwise `Accept-Language` decides.
    lang: Option<String>,
    /// The public ID of an organisation to preselect in the invitation form.
    org: Option<String>,
}

impl PeopleQuery {
    /// `?lang=…` to append to links and form actions, when the page was asked for in a
    /// language.
    fn lang_suffix(&self) -> String {
        self.lang
            .as_deref()
            .and_then(Locale::from_query)
            .map(|l| format!("?lang={}", l.tag()))
            .unwrap_or_default()
    }
}

/// The page's own styles, beside the account pages' (inline styles are allowed, scripts not).
const PEOPLE_STYLE: &str = "<style>\
h3{font-size:1.1rem;margin:1.5rem 0 .5rem;color:#1d4d2c}\
h4{font-size:1.1rem;margin:.75rem 0 .25rem}\
.qr svg{display:block;width:100%;max-width:18rem;height:auto;margin:.75rem auto;border:1px solid #d6d2c8}\
#invitation-link{display:block;padding:.5rem 0;overflow-wrap:anywhere;font-size:1rem}\
ul.people{list-style:none;margin:0;padding:0}\
li.person{border-top:1px solid #d6d2c8;padding:.6rem 0}\
li.person p{margin:.15rem 0}\
li.person form button{display:inline-block;width:auto;min-width:8rem;min-height:48px;margin:.4rem 0 .2rem}\
.off{color:#a4161a;font-weight:700}\
</style>";

/// The copy button's script: unhides the button (without script there is nothing to press,
/// and the link stays selectable text) and copies the link, through the clipboard API where
/// the page is a secure context, else by selecting it and the older copy command.
const COPY_SCRIPT: &str = "(function(){var b=document.getElementById('copy-link'),\
a=document.getElementById('invitation-link');if(!b||!a){return;}b.hidden=false;\
b.addEventListener('click',function(){var done=function(){b.textContent=b.getAttribute('data-copied');};\
var select=function(){var r=document.createRange();r.selectNodeContents(a);var s=window.getSelection();\
s.removeAllRanges();s.addRange(r);try{if(document.execCommand('copy')){done();}}catch(e){}};\
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(a.href).then(done,select);}\
else{select();}});})();";

/// The page's Content-Security-Policy: the account pages' (no framing, forms post here only),
/// with the copy script allowed by its SHA-256 and no other script.
static PEOPLE_CSP: LazyLock<String> = LazyLock::new(|| {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(COPY_SCRIPT));
    format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
         img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
});

/// An HTML answer of the people page: the account pages' headers with [`PEOPLE_CSP`].
fn people_response(status: StatusCode, page: String) -> Response {
    let mut response = html_page(status, page);
    if let Ok(csp) = HeaderValue::from_str(&PEOPLE_CSP) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    response
}

// --- Who may do what -------------------------------------------------------------------------

/// Why `caller` (whose scope is `scope`) may not disable or enable `target`, a person of
/// `target_org`, as the i18n key of the reason; `None` when they may. Nobody acts on
/// themselves; the admin acts on anyone else; officers and specialists on the producers and
/// processors of member organisations in their counties only.
pub(crate) fn refusal(
    caller: &Caller,
    scope: &InviteScope,
    target: &User,
    target_org: &Org,
) -> Option<&'static str> {
    if caller.person().is_some_and(|p| p.user.id == target.id) {
        return Some("people.problem.self");
    }
    match scope {
        InviteScope::Anywhere => None,
        InviteScope::Counties(_) => {
            if !matches!(target.role, UserRole::Producer | UserRole::Processor)
                || target_org.role != Role::Member
            {
                Some("people.problem.role_not_yours")
            } else if !scope.covers(target_org.county.as_deref()) {
                Some("people.problem.county_not_yours")
            } else {
                None
            }
        }
    }
}

/// A problem about the `/login` field.
fn login_problem(mut error: ApiError, detail: &str) -> ApiError {
    error.0.pointer = Some("/login".into());
    error.0.errors = vec![FieldProblem {
        pointer: "/login".into(),
        detail: detail.to_owned(),
    }];
    error
}

/// Disables (or enables) the person with `login` for `caller`, if [`refusal`] allows; the
/// one path of the page's buttons and `POST /api/users/disabled`. Disabling ends the
/// person's sessions in the same transaction. Answers the person as they are now and their
/// organisation.
async fn set_disabled<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    locale: Locale,
    login: &str,
    disabled: bool,
) -> Result<(User, Org), ApiError> {
    caller.require()?;
    let scope = invite_scope(caller)
        .ok_or_else(|| ApiError::forbidden(t(locale, "people.problem.may_not_manage")))?;
    let login = login.trim();
    if login.is_empty() {
        let detail = t(locale, "people.problem.login");
        return Err(login_problem(
            ApiError::invalid_request(detail, vec![]),
            detail,
        ));
    }
    let store = state.ledger.store();
    let target = if login.chars().count() <= LOGIN_MAX_CHARS {
        store.user_by_login(login).await?
    } else {
        None
    };
    let Some(target) = target else {
        let detail = t(locale, "people.problem.no_such_login");
        return Err(login_problem(ApiError::not_found(detail), detail));
    };
    let org = store
        .org(target.org_id)
        .await?
        .ok_or_else(|| ApiError::internal(&"a person's organisation is missing"))?;
    if let Some(key) = refusal(caller, &scope, &target, &org) {
        let detail = t(locale, key);
        return Err(login_problem(ApiError::forbidden(detail), detail));
    }
    store.set_user_disabled(target.id, disabled).await?;
    Ok((User { disabled, ..target }, org))
}

/// `POST /api/users/disabled`: `{"login": "…", "disabled": true}` disables a person (their
/// sessions end at once), `false` enables them again; 200 with the person as they are now.
/// 403 outside the caller's counties, for roles only the admin manages, and for oneself.
pub(crate) async fn set_disabled_api<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, None);
    caller.require()?;
    // Who may not manage anyone hears so before anything about their request.
    if invite_scope(&caller).is_none() {
        return Err(ApiError::forbidden(t(
            locale,
            "people.problem.may_not_manage",
        )));
    }
    let field = |pointer: &str, key: &'static str| {
        ApiError::invalid_request(
            t(locale, key),
            vec![FieldProblem {
                pointer: pointer.to_owned(),
                detail: t(locale, key).to_owned(),
            }],
        )
    };
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return Err(field("", "account.problem.not_json"));
    };
    let login = body
        .get("login")
        .and_then(Value::as_str)
        .ok_or_else(|| field("/login", "people.problem.login"))?;
    let disabled = body
        .get("disabled")
        .and_then(Value::as_bool)
        .ok_or_else(|| field("/disabled", "people.problem.disabled"))?;
    let (user, org) = set_disabled(&state, &caller, locale, login, disabled).await?;
    let answer = json!({
        "login": user.login,
        "name": user.display_name,
        "role": user.role.as_str(),
        "disabled": user.disabled,
        "organisation": {
            "id": org.public_id,
            "name": org.name,
            "county": org.county,
            "role": org.role.as_str(),
        },
    });
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_string(),
    )
        .into_response())
}

// --- The page --------------------------------------------------------------------------------

/// The organisations `scope` covers, by county and name, each with its people (disabled ones
/// too) in the order they joined.
async fn directory<S: Store>(
    state: &AppState<S>,
    scope: &InviteScope,
) -> Result<Vec<(Org, Vec<User>)>, ApiError> {
    let store = state.ledger.store();
    let mut orgs: Vec<Org> = store
        .orgs()
        .await?
        .into_iter()
        .filter(|org| scope.covers(org.county.as_deref()))
        .collect();
    orgs.sort_by(|a, b| {
        (a.county.as_deref().unwrap_or_default(), &a.name, a.id).cmp(&(
            b.county.as_deref().unwrap_or_default(),
            &b.name,
            b.id,
        ))
    });
    let ids: Vec<i64> = orgs.iter().map(|org| org.id).collect();
    let mut people: BTreeMap<i64, Vec<User>> = BTreeMap::new();
    for user in store.users_of_orgs(&ids).await? {
        people.entry(user.org_id).or_default().push(user);
    }
    Ok(orgs
        .into_iter()
        .map(|org| {
            let members = people.remove(&org.id).unwrap_or_default();
            (org, members)
        })
        .collect())
}

/// The invitation form's fields, as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct InviteFields {
    /// The public ID of an existing organisation, or empty for a new one.
    org: String,
    /// The new organisation's name.
    org_name: String,
    /// The new organisation's county.
    county: String,
    /// `producer`, `processor`, …
    role: String,
    /// How many days the link works.
    days: String,
}

/// What is wrong with the invitation form, field by field, or as a whole.
#[derive(Debug, Default)]
struct InviteErrors {
    general: Option<String>,
    org: Option<String>,
    org_name: Option<String>,
    county: Option<String>,
    role: Option<String>,
    days: Option<String>,
}

impl InviteErrors {
    fn any(&self) -> bool {
        self.general.is_some()
            || self.org.is_some()
            || self.org_name.is_some()
            || self.county.is_some()
            || self.role.is_some()
            || self.days.is_some()
    }

    /// The field of the form a problem of [`account_api::invite`] points at.
    fn from_problem(error: &ApiError) -> Self {
        let detail = error.0.detail.clone().unwrap_or_default();
        let mut errors = InviteErrors::default();
        let slot = match error.0.pointer.as_deref() {
            Some("/orgId") => &mut errors.org,
            Some("/orgName") => &mut errors.org_name,
            Some("/county") => &mut errors.county,
            Some("/role") => &mut errors.role,
            Some("/expiresInDays") => &mut errors.days,
            _ => &mut errors.general,
        };
        *slot = Some(detail);
        errors
    }
}

/// The invitation the form asks for, or what is wrong with it, in the page's words.
fn invitation_request(
    fields: &InviteFields,
    locale: Locale,
) -> Result<InvitationRequest, Box<InviteErrors>> {
    let mut errors = InviteErrors::default();
    let role = UserRole::parse(fields.role.trim());
    if role.is_none() {
        errors.role = Some(t(locale, "people.problem.role").to_owned());
    }
    let days = fields
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=INVITATION_MAX_DAYS).contains(d));
    if days.is_none() {
        let max = INVITATION_MAX_DAYS.to_string();
        errors.days = Some(tf(locale, "people.problem.days", &[("max", &max)]));
    }
    let org = fields.org.trim();
    let org_name = fields.org_name.trim();
    let county = fields.county.trim();
    let some = |text: &str| (!text.is_empty()).then(|| text.to_owned());
    let (org_id, org_name, county) = match (org.is_empty(), org_name.is_empty()) {
        // An organisation from the list: the county field is for new ones only.
        (false, true) => (some(org), None, None),
        (false, false) => {
            errors.org_name = Some(t(locale, "people.problem.org_both").to_owned());
            (None, None, None)
        }
        (true, false) => (None, some(org_name), some(county)),
        (true, true) => {
            errors.org_name = Some(t(locale, "people.problem.org_missing").to_owned());
            (None, None, None)
        }
    };
    if errors.any() {
        return Err(Box::new(errors));
    }
    Ok(InvitationRequest {
        org_id,
        org_name,
        county,
        role,
        days: days.unwrap_or(INVITATION_DAYS),
    })
}

/// Everything a rendering of the page shows besides the directory.
#[derive(Default)]
struct View {
    /// A message of success (`role="status"`).
    notice: Option<String>,
    /// A refusal (`role="alert"`).
    alert: Option<String>,
    /// The invitation just made, shown this once.
    invitation: Option<CreatedInvitation>,
    /// The invitation form's values, to show again with its problems.
    fields: Option<InviteFields>,
    /// The invitation form's problems.
    errors: InviteErrors,
    /// The organisation to preselect in the form.
    preselect: Option<String>,
}

/// A label, the control `control` writes (given its `id`, `name` and ARIA attributes), its
/// hint and its error, linked for screen readers as the account pages' inputs are.
fn labelled(
    out: &mut String,
    name: &str,
    label: &str,
    hint: Option<&str>,
    error: Option<&str>,
    control: impl FnOnce(&mut String, &str),
) {
    let id = format!("f-{name}");
    let mut described = Vec::new();
    if hint.is_some() {
        described.push(format!("{id}-hint"));
    }
    if error.is_some() {
        described.push(format!("{id}-error"));
    }
    let mut attributes = format!(" id=\"{id}\" name=\"{name}\"");
    if !described.is_empty() {
        let _ = write!(attributes, " aria-describedby=\"{}\"", described.join(" "));
    }
    if error.is_some() {
        attributes.push_str(" aria-invalid=\"true\"");
    }
    let _ = write!(out, "<label for=\"{id}\">{}</label>", escape_html(label));
    control(out, &attributes);
    if let Some(hint) = hint {
        let _ = write!(
            out,
            "<p class=\"hint\" id=\"{id}-hint\">{}</p>",
            escape_html(hint)
        );
    }
    if let Some(error) = error {
        let _ = write!(
            out,
            "<p class=\"error\" id=\"{id}-error\">{}</p>",
            escape_html(error)
        );
    }
}

/// `<option>`s, the one whose value is `selected` marked.
fn options(out: &mut String, choices: &[(String, String)], selected: &str) {
    for (value, text) in choices {
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{}</option>",
            escape_html(value),
            if value == selected { " selected" } else { "" },
            escape_html(text)
        );
    }
}

/// How a list of counties reads in `locale`.
fn county_list(locale: Locale, counties: &[String]) -> String {
    counties.join(if locale == Locale::ZhCn { "、" } else { ", " })
}

/// The invitation just made: the link as text with its copy button, its QR code, whom it
/// admits as what, and until when.
fn render_invitation(body: &mut String, locale: Locale, invitation: &CreatedInvitation) {
    let title = tf(
        locale,
        "people.invitation.title",
        &[("org", &invitation.org.name)],
    );
    let scan = tf(
        locale,
        "people.invitation.scan",
        &[
            ("role", t(locale, role_key(invitation.role))),
            ("expires", &china_time(invitation.expires_at)),
        ],
    );
    let _ = write!(
        body,
        "<section class=\"card\" id=\"invitation\" aria-labelledby=\"invitation-title\">\
         <h2 id=\"invitation-title\">{}</h2><p>{}</p>\
         <div class=\"qr\" id=\"invitation-qr\" role=\"img\" aria-label=\"{}\">{}</div>\
         <p><strong>{}</strong>\
         <a id=\"invitation-link\" href=\"{}\">{}</a></p>\
         <button type=\"button\" class=\"secondary\" id=\"copy-link\" data-copied=\"{}\" hidden>{}</button>\
         <p class=\"hint\">{}</p></section><script>{COPY_SCRIPT}</script>",
        escape_html(&title),
        escape_html(&scan),
        escape_html(t(locale, "people.invitation.link")),
        invitation.qr_svg,
        escape_html(t(locale, "people.invitation.link")),
        escape_html(&invitation.url),
        escape_html(&invitation.url),
        escape_html(t(locale, "people.invitation.copied")),
        escape_html(t(locale, "people.invitation.copy")),
        escape_html(t(locale, "people.invitation.once")),
    );
}

/// The invitation form: an organisation of the caller's counties or a new one by name, its
/// county (defaulted from the officer's office or the specialist's first county), the role
/// (producer or processor; the admin any) and how long the link works.
fn render_invite_form(
    body: &mut String,
    locale: Locale,
    lang: &str,
    person: &Person,
    scope: &InviteScope,
    directory: &[(Org, Vec<User>)],
    view: &View,
) {
    let errors = &view.errors;
    let fields = view.fields.clone().unwrap_or_else(|| InviteFields {
        org: view.preselect.clone().unwrap_or_default(),
        county: match scope {
            InviteScope::Counties(counties) => counties.first().cloned().unwrap_or_default(),
            InviteScope::Anywhere => String::new(),
        },
        role: UserRole::Producer.as_str().to_owned(),
        days: INVITATION_DAYS.to_string(),
        ..InviteFields::default()
    });
    let open = view.invitation.is_none() || errors.any();
    let _ = write!(
        body,
        "<details class=\"card fold\" id=\"invite-section\"{}><summary>{}</summary><p class=\"hint\">{}</p>",
        if open { " open" } else { "" },
        escape_html(t(locale, "people.invite.title")),
        escape_html(t(locale, "people.invite.intro")),
    );
    if let Some(general) = &errors.general {
        alert(body, general);
    } else if errors.any() {
        alert(body, t(locale, "account.invite.fix"));
    }
    let _ = write!(
        body,
        "<form id=\"invite\" method=\"post\" action=\"/people/invite{lang}\">\
         <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">",
        escape_html(person.csrf_token())
    );

    // Officers and specialists invite into member organisations only; the admin anywhere.
    let mut orgs = vec![(String::new(), t(locale, "people.field.org_new").to_owned())];
    orgs.extend(
        directory
            .iter()
            .filter(|(org, _)| *scope == InviteScope::Anywhere || org.role == Role::Member)
            .map(|(org, _)| {
                let text = match &org.county {
                    Some(county) => format!("{} · {county}", org.name),
                    None => org.name.clone(),
                };
                (org.public_id.clone(), text)
            }),
    );
    labelled(
        body,
        "org",
        t(locale, "people.field.org"),
        None,
        errors.org.as_deref(),
        |out, attributes| {
            let _ = write!(out, "<select{attributes}>");
            options(out, &orgs, fields.org.trim());
            out.push_str("</select>");
        },
    );
    labelled(
        body,
        "org_name",
        t(locale, "people.field.org_name"),
        Some(t(locale, "people.field.org_name_hint")),
        errors.org_name.as_deref(),
        |out, attributes| {
            let _ = write!(
                out,
                "<input{attributes} type=\"text\" autocomplete=\"off\" maxlength=\"80\" value=\"{}\">",
                escape_html(&fields.org_name)
            );
        },
    );
    labelled(
        body,
        "county",
        t(locale, "people.field.county"),
        None,
        errors.county.as_deref(),
        |out, attributes| match scope {
            InviteScope::Counties(counties) => {
                let choices: Vec<(String, String)> =
                    counties.iter().map(|c| (c.clone(), c.clone())).collect();
                let _ = write!(out, "<select{attributes}>");
                options(out, &choices, fields.county.trim());
                out.push_str("</select>");
            }
            // The admin types any county; the known ones are offered.
            InviteScope::Anywhere => {
                let _ = write!(
                    out,
                    "<input{attributes} type=\"text\" list=\"known-counties\" autocomplete=\"off\" \
                     maxlength=\"64\" value=\"{}\"><datalist id=\"known-counties\">",
                    escape_html(&fields.county)
                );
                let mut counties: Vec<&str> = directory
                    .iter()
                    .filter_map(|(org, _)| org.county.as_deref())
                    .collect();
                counties.dedup();
                for county in counties {
                    let _ = write!(out, "<option value=\"{}\">", escape_html(county));
                }
                out.push_str("</datalist>");
            }
        },
    );
    let roles: Vec<(String, String)> = UserRole::ALL
        .into_iter()
        .filter(|role| {
            *scope == InviteScope::Anywhere
                || matches!(role, UserRole::Producer | UserRole::Processor)
        })
        .map(|role| {
            (
                role.as_str().to_owned(),
                t(locale, role_key(role)).to_owned(),
            )
        })
        .collect();
    labelled(
        body,
        "role",
        t(locale, "people.field.role"),
        None,
        errors.role.as_deref(),
        |out, attributes| {
            let _ = write!(out, "<select{attributes}>");
            options(out, &roles, fields.role.trim());
            out.push_str("</select>");
        },
    );
    let max = INVITATION_MAX_DAYS.to_string();
    labelled(
        body,
        "days",
        t(locale, "people.field.days"),
        Some(&tf(locale, "people.field.days_hint", &[("max", &max)])),
        errors.days.as_deref(),
        |out, attributes| {
            let _ = write!(
                out,
                "<input{attributes} type=\"number\" inputmode=\"numeric\" min=\"1\" max=\"{max}\" \
                 required value=\"{}\">",
                escape_html(&fields.days)
            );
        },
    );
    let _ = write!(
        body,
        "<button type=\"submit\">{}</button></form></details>",
        escape_html(t(locale, "people.invite.submit"))
    );
}

/// The organisations of the directory with their people: for farms and cooperatives the
/// links to record for them and to invite into them, and for each person they may manage a
/// disable or enable button.
fn render_directory(
    body: &mut String,
    locale: Locale,
    lang: &str,
    caller: &Caller,
    scope: &InviteScope,
    directory: &[(Org, Vec<User>)],
) {
    let Some(person) = caller.person() else {
        return;
    };
    let _ = write!(
        body,
        "<section id=\"people\" aria-labelledby=\"people-title\"><h2 id=\"people-title\">{}</h2>",
        escape_html(t(locale, "people.orgs.title"))
    );
    if directory.is_empty() {
        let _ = write!(
            body,
            "<p>{}</p>",
            escape_html(t(locale, "people.orgs.none"))
        );
    }
    let and_lang = lang.replace('?', "&");
    let mut county: Option<Option<&str>> = None;
    for (org, members) in directory {
        if county != Some(org.county.as_deref()) {
            county = Some(org.county.as_deref());
            let _ = write!(
                body,
                "<h3>{}</h3>",
                escape_html(
                    org.county
                        .as_deref()
                        .unwrap_or(t(locale, "people.no_county"))
                )
            );
        }
        let _ = write!(
            body,
            "<article class=\"card org\" data-org=\"{}\"><h4>{}</h4>",
            escape_html(&org.public_id),
            escape_html(&org.name)
        );
        if org.role == Role::Member && caller.may_record_for(org) {
            let _ = write!(
                body,
                "<a class=\"action record\" href=\"/work?for={}{and_lang}\">{}</a>",
                escape_html(&org.public_id),
                escape_html(t(locale, "people.org.record"))
            );
        }
        if *scope == InviteScope::Anywhere || org.role == Role::Member {
            let _ = write!(
                body,
                "<a class=\"action\" href=\"/people?org={}{and_lang}#invite\">{}</a>",
                escape_html(&org.public_id),
                escape_html(t(locale, "people.org.invite"))
            );
        }
        if members.is_empty() {
            let _ = write!(
                body,
                "<p class=\"hint\">{}</p>",
                escape_html(t(locale, "people.org.nobody"))
            );
        } else {
            body.push_str("<ul class=\"people\">");
            for member in members {
                render_person(body, locale, lang, caller, person, scope, org, member);
            }
            body.push_str("</ul>");
        }
        body.push_str("</article>");
    }
    body.push_str("</section>");
}

/// One person: name, login, role, whether they can log in, and the button the caller may
/// press. (Eight arguments: everything the row depends on is passed in, so that rendering
/// reads nothing from the store.)
#[allow(clippy::too_many_arguments)]
fn render_person(
    body: &mut String,
    locale: Locale,
    lang: &str,
    caller: &Caller,
    person: &Person,
    scope: &InviteScope,
    org: &Org,
    member: &User,
) {
    // Chinese brackets bring their own space.
    let you = match (member.id == person.user.id, locale) {
        (false, _) => String::new(),
        (true, Locale::ZhCn) => t(locale, "people.person.you").to_owned(),
        (true, Locale::En) => format!(" {}", t(locale, "people.person.you")),
    };
    let _ = write!(
        body,
        "<li class=\"person\" data-login=\"{}\" data-disabled=\"{}\">\
         <p><strong>{}</strong>{}</p><p class=\"hint\">{} · {}</p>",
        escape_html(&member.login),
        member.disabled,
        escape_html(&member.display_name),
        escape_html(&you),
        escape_html(&tf(
            locale,
            "people.person.login",
            &[("login", &member.login)]
        )),
        escape_html(t(locale, role_key(member.role))),
    );
    if member.disabled {
        let _ = write!(
            body,
            "<p class=\"off\">{}</p>",
            escape_html(t(locale, "people.person.disabled"))
        );
    } else {
        let _ = write!(
            body,
            "<p>{}</p>",
            escape_html(t(locale, "people.person.active"))
        );
    }
    if refusal(caller, scope, member, org).is_none() {
        let (label, who, value) = if member.disabled {
            ("people.enable", "people.enable_who", "false")
        } else {
            ("people.disable", "people.disable_who", "true")
        };
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/people/disabled{lang}\">\
             <input type=\"hidden\" name=\"{CSRF_FIELD}\" value=\"{}\">\
             <input type=\"hidden\" name=\"login\" value=\"{}\">\
             <input type=\"hidden\" name=\"disabled\" value=\"{value}\">\
             <button type=\"submit\" class=\"secondary\" aria-label=\"{}\">{}</button></form>",
            escape_html(person.csrf_token()),
            escape_html(&member.login),
            escape_html(&tf(locale, who, &[("name", &member.display_name)])),
            escape_html(t(locale, label)),
        );
    }
    body.push_str("</li>");
}

/// The caller's person and scope when they may see the page; otherwise the answer: the login
/// page for someone not logged in, a page saying who may use it for the others (403).
fn page_access<'a>(
    caller: &'a Caller,
    locale: Locale,
    lang: &str,
) -> Result<(&'a Person, InviteScope), Box<Response>> {
    let Some(person) = caller.person() else {
        return Err(Box::new(see_other(
            &format!("/login?next=/people{}", lang.replace('?', "&")),
            None,
        )));
    };
    match invite_scope(caller) {
        Some(scope) => Ok((person, scope)),
        None => {
            let html = format!(
                "<p class=\"alert\" role=\"alert\">{}</p><p><a class=\"action\" href=\"/me{lang}\">{}</a></p>",
                escape_html(t(locale, "people.may_not")),
                escape_html(t(locale, "account.me.title"))
            );
            Err(Box::new(html_page(
                StatusCode::FORBIDDEN,
                page_shell(locale, t(locale, "people.title"), &html),
            )))
        }
    }
}

/// The whole page.
async fn render<S: Store>(
    state: &AppState<S>,
    caller: &Caller,
    locale: Locale,
    lang: &str,
    status: StatusCode,
    view: View,
) -> Result<Response, ApiError> {
    let (person, scope) = match page_access(caller, locale, lang) {
        Ok(access) => access,
        Err(answer) => return Ok(*answer),
    };
    let directory = directory(state, &scope).await?;
    let mut body = String::with_capacity(16 * 1024);
    body.push_str(PEOPLE_STYLE);
    if let Some(notice) = &view.notice {
        let _ = write!(
            body,
            "<p class=\"notice\" role=\"status\">{}</p>",
            escape_html(notice)
        );
    }
    if let Some(message) = &view.alert {
        alert(&mut body, message);
    }
    let scope_text = match &scope {
        InviteScope::Anywhere => t(locale, "people.scope.anywhere").to_owned(),
        InviteScope::Counties(counties) if counties.is_empty() => {
            t(locale, "people.scope.none").to_owned()
        }
        InviteScope::Counties(counties) => tf(
            locale,
            "people.scope.counties",
            &[("counties", &county_list(locale, counties))],
        ),
    };
    let _ = write!(
        body,
        "<p>{}</p><p><a class=\"action\" href=\"/me{lang}\">{}</a></p>",
        escape_html(&scope_text),
        escape_html(t(locale, "account.me.title"))
    );
    if let Some(invitation) = &view.invitation {
        render_invitation(&mut body, locale, invitation);
    }
    if scope != InviteScope::Counties(Vec::new()) {
        render_invite_form(&mut body, locale, lang, person, &scope, &directory, &view);
    }
    render_directory(&mut body, locale, lang, caller, &scope, &directory);
    Ok(people_response(
        status,
        page_shell(locale, t(locale, "people.title"), &body),
    ))
}

/// `GET /people`.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PeopleQuery>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let view = View {
        preselect: query.org.clone(),
        ..View::default()
    };
    render(
        &state,
        &caller,
        locale,
        &query.lang_suffix(),
        StatusCode::OK,
        view,
    )
    .await
}

/// `POST /people/invite`: the form's invitation, made by [`account_api::invite`]; 201 with
/// the page showing the link and its QR code, or the form again with its problems (400, or
/// 403 for a county or role the caller may not invite into).
pub(crate) async fn invite_submit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PeopleQuery>,
    Form(fields): Form<InviteFields>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let lang = query.lang_suffix();
    if let Err(answer) = page_access(&caller, locale, &lang) {
        return Ok(*answer);
    }
    let request = match invitation_request(&fields, locale) {
        Ok(request) => request,
        Err(errors) => {
            let view = View {
                fields: Some(fields),
                errors: *errors,
                ..View::default()
            };
            return render(
                &state,
                &caller,
                locale,
                &lang,
                StatusCode::BAD_REQUEST,
                view,
            )
            .await;
        }
    };
    match account_api::invite(&state, &caller, &headers, locale, &request).await {
        Ok(invitation) => {
            let view = View {
                invitation: Some(invitation),
                ..View::default()
            };
            let mut response =
                render(&state, &caller, locale, &lang, StatusCode::CREATED, view).await?;
            // The link is a secret until used: no cache may keep it (html_page says so too).
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(error) if error.status().is_client_error() => {
            let view = View {
                errors: InviteErrors::from_problem(&error),
                fields: Some(fields),
                ..View::default()
            };
            render(&state, &caller, locale, &lang, error.status(), view).await
        }
        Err(error) => Err(error),
    }
}

/// The disable / enable button's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DisabledFields {
    login: String,
    /// `true` to disable, `false` to enable.
    disabled: String,
}

/// `POST /people/disabled`: a person's button; the page again with what happened, or why
/// not (403 outside the caller's rights, 404 for an unknown login).
pub(crate) async fn disabled_submit<S: Store>(
    State(state): State<AppState<S>>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<PeopleQuery>,
    Form(fields): Form<DisabledFields>,
) -> Result<Response, ApiError> {
    let locale = crate::request_locale(&headers, query.lang.as_deref());
    let lang = query.lang_suffix();
    if let Err(answer) = page_access(&caller, locale, &lang) {
        return Ok(*answer);
    }
    let disabled = match fields.disabled.trim() {
        "true" => true,
        "false" => false,
        _ => {
            let view = View {
                alert: Some(t(locale, "people.problem.disabled").to_owned()),
                ..View::default()
            };
            return render(
                &state,
                &caller,
                locale,
                &lang,
                StatusCode::BAD_REQUEST,
                view,
            )
            .await;
        }
    };
    match set_disabled(&state, &caller, locale, &fields.login, disabled).await {
        Ok((user, _)) => {
            let key = if user.disabled {
                "people.done.disabled"
            } else {
                "people.done.enabled"
            };
            let view = View {
                notice: Some(tf(
                    locale,
                    key,
                    &[("name", &user.display_name), ("login", &user.login)],
                )),
                ..View::default()
            };
            render(&state, &caller, locale, &lang, StatusCode::OK, view).await
        }
        Err(error) if error.status().is_client_error() => {
            let view = View {
                alert: error.0.detail.clone(),
                ..View::default()
            };
            render(&state, &caller, locale, &lang, error.status(), view).await
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, role: Role, county: Option<&str>) -> Org {
        Org {
            id,
            public_id: format!("org-{id}"),
            name: format!("org {id}"),
            role,
            county: county.map(Into::into),
        }
    }

    fn user(id: i64, org_id: i64, role: UserRole) -> User {
        User {
            id,
            org_id,
            login: format!("user{id}"),
            display_name: format!("User {id}"),
            password_hash: String::new(),
            role,
            locale: "en".into(),
            created_at: 0,
            disabled: false,
        }
    }

    fn caller(user: User, own: Org, counties: &[&str]) -> Caller {
        Caller(
            Some(own),
            Some(Person {
                user,
                counties: counties.iter().map(|c| (*c).to_owned()).collect(),
                csrf_token: String::new(),
                session_hash: [0; 32],
            }),
        )
    }

    #[test]
    fn officers_manage_their_countys_farmers_only() {
        let office = org(1, Role::County, Some("凌云县"));
        let officer = user(1, 1, UserRole::Officer);
        let me = caller(officer.clone(), office.clone(), &[]);
        let scope = invite_scope(&me).expect("an officer has a scope");
        let farm = org(2, Role::Member, Some("凌云县"));
        let other_farm = org(3, Role::Member, Some("乐业县"));
        let admin_org = org(4, Role::Admin, None);
        assert_eq!(
            refusal(&me, &scope, &user(2, 2, UserRole::Producer), &farm),
            None
        );
        assert_eq!(
            refusal(&me, &scope, &user(3, 2, UserRole::Processor), &farm),
            None
        );
        assert_eq!(
            refusal(&me, &scope, &user(4, 3, UserRole::Producer), &other_farm),
            Some("people.problem.county_not_yours")
        );
        assert_eq!(
            refusal(&me, &scope, &user(5, 4, UserRole::Admin), &admin_org),
            Some("people.problem.role_not_yours")
        );
        // A fellow officer of the same county is the admin's to manage.
        assert_eq!(
            refusal(&me, &scope, &user(6, 1, UserRole::Officer), &office),
            Some("people.problem.role_not_yours")
        );
        assert_eq!(
            refusal(&me, &scope, &officer, &office),
            Some("people.problem.self")
        );
    }

    #[test]
    fn specialists_manage_their_assigned_counties_and_the_admin_everyone_else() {
        let team = org(1, Role::Member, Some("百色市"));
        let specialist = user(1, 1, UserRole::Specialist);
        let me = caller(specialist.clone(), team.clone(), &["凌云县"]);
        let scope = invite_scope(&me).expect("a specialist has a scope");
        let farm = org(2, Role::Member, Some("凌云县"));
        let other_farm = org(3, Role::Member, Some("乐业县"));
        assert_eq!(
            refusal(&me, &scope, &user(2, 2, UserRole::Producer), &farm),
            None
        );
        assert_eq!(
            refusal(&me, &scope, &user(3, 3, UserRole::Producer), &other_farm),
            Some("people.problem.county_not_yours")
        );
        // Their own team is not in an assigned county.
        assert_eq!(
            refusal(&me, &scope, &user(4, 1, UserRole::Producer), &team),
            Some("people.problem.county_not_yours")
        );
        assert_eq!(
            refusal(&me, &scope, &specialist, &team),
            Some("people.problem.self")
        );

        let admin_org = org(9, Role::Admin, None);
        let admin = user(9, 9, UserRole::Admin);
        let me = caller(admin.clone(), admin_org.clone(), &[]);
        let scope = invite_scope(&me).expect("the admin has a scope");
        assert_eq!(scope, InviteScope::Anywhere);
        assert_eq!(
            refusal(&me, &scope, &user(10, 9, UserRole::Admin), &admin_org),
            None
        );
        assert_eq!(
            refusal(&me, &scope, &user(11, 1, UserRole::Specialist), &team),
            None
        );
        assert_eq!(
            refusal(&me, &scope, &admin, &admin_org),
            Some("people.problem.self")
        );
    }

    #[test]
    fn the_form_names_the_field_at_fault() {
        let fields = |org: &str, name: &str, county: &str, role: &str, days: &str| InviteFields {
            org: org.into(),
            org_name: name.into(),
            county: county.into(),
            role: role.into(),
            days: days.into(),
        };
        let request = invitation_request(
            &fields("", " 百陇村茶园 ", "凌云县", "producer", "7"),
            Locale::En,
        )
        .expect("a new farm");
        assert_eq!(
            request,
            InvitationRequest {
                org_id: None,
                org_name: Some("百陇村茶园".into()),
                county: Some("凌云县".into()),
                role: Some(UserRole::Producer),
                days: 7,
            }
        );
        // An organisation from the list ignores the county field, which is for new ones.
        let request = invitation_request(
            &fields("org-1", "", "凌云县", "processor", "30"),
            Locale::En,
        )
        .expect("an existing organisation");
        assert_eq!(
            (request.org_id.as_deref(), request.county, request.days),
            (Some("org-1"), None, 30)
        );
        let errors = invitation_request(&fields("org-1", "x", "", "boss", "31"), Locale::En)
            .expect_err("everything is wrong");
        assert!(errors.org_name.is_some() && errors.role.is_some() && errors.days.is_some());
        assert!(errors.org.is_none() && errors.general.is_none());
        let errors = invitation_request(&fields("", "", "", "producer", "0"), Locale::ZhCn)
            .expect_err("no organisation");
        assert_eq!(
            errors.org_name.as_deref(),
            Some(t(Locale::ZhCn, "people.problem.org_missing"))
        );
        assert!(errors.days.is_some());
    }

    #[test]
    fn the_copy_script_is_allowed_by_its_hash_only() {
        let expected =
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(COPY_SCRIPT));
        assert!(
            PEOPLE_CSP.contains(&format!("script-src 'sha256-{expected}';")),
            "{}",
            *PEOPLE_CSP
        );
        assert!(!PEOPLE_CSP.contains("script-src 'unsafe-inline'"));
        assert_eq!(
            china_time(1_775_030_400_000_000),
            "2026-04-01 16:00 (UTC+8)"
        );
    }
}
