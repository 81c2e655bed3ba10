//! People against the real `retu serve` on port 0, on SQLite and PostgreSQL: `retu user
//! create` makes a county officer; the officer logs in and invites a farmer, whose farm is
//! created with the invitation; the farmer opens the link, chooses a password and is logged in;
//! sessions, CSRF, logout, the login throttle, the officers' and specialists' counties, used
//! and expired invitations, and what a session may read.

mod common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use common::{retu, start};
use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

const COUNTY_A: &str = "凌云县";
const COUNTY_B: &str = "乐业县";

#[test]
fn accounts_on_sqlite() {
    accounts(&[]);
}

#[test]
fn accounts_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    accounts(&["--database-url", &database.url]);
}

/// A client that shows redirects instead of following them and keeps no cookies: each
/// request names its session explicitly.
fn browser() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client")
}

/// `application/x-www-form-urlencoded`.
fn form(fields: &[(&str, &str)]) -> String {
    let encode = |text: &str| {
        text.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn post_form(
    http: &Client,
    url: &str,
    cookie: Option<&str>,
    language: &str,
    fields: &[(&str, &str)],
) -> Response {
    let mut request = http
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept-Language", language)
        .body(form(fields));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().expect("post form")
}

fn get_page(http: &Client, url: &str, cookie: Option<&str>, language: &str) -> (u16, String) {
    let mut request = http.get(url).header("Accept-Language", language);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().expect("get");
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The full `Set-Cookie` header of the session cookie.
fn set_cookie(response: &Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("retu_session="))
        .unwrap_or_default()
        .to_owned()
}

/// `retu_session=…` as a `Cookie` header sends it.
fn cookie_of(response: &Response) -> String {
    set_cookie(response)
        .split(';')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The text of the page's alert.
fn alert(html: &str) -> String {
    html.split("role=\"alert\">")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .unwrap_or_default()
        .to_owned()
}

/// The CSRF token of the logout form of `/me`.
fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf field")
        .to_owned()
}

/// `retu user create` with the password on standard input.
fn user_create(data: &str, extra: &[&str], args: &[&str], password: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["user", "create", "--data", data, "--password-stdin"])
        .args(args)
        .args(extra)
        .env_remove("RETU_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("retu user create");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("password");
    let output = child.wait_with_output().expect("wait");
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn org(data: &str, extra: &[&str], name: &str, role: &str, county: &str) -> String {
    org_with(data, extra, name, role, county, &[])
}

/// `retu org create` with more options (`--prefix …`); answers the public ID.
fn org_with(
    data: &str,
    extra: &[&str],
    name: &str,
    role: &str,
    county: &str,
    more: &[&str],
) -> String {
    let mut args = vec![
        "org", "create", "--data", data, "--name", name, "--role", role, "--county", county,
    ];
    args.extend_from_slice(more);
    args.extend_from_slice(extra);
    retu(&args).trim().to_owned()
}

/// A new API token of an organisation.
fn token(data: &str, extra: &[&str], org: &str) -> String {
    let mut args = vec!["token", "create", "--data", data, "--org", org];
    args.extend_from_slice(extra);
    retu(&args).trim().to_owned()
}

/// Logs in and answers the session cookie.
fn log_in(http: &Client, server: &common::Server, login: &str, password: &str) -> String {
    let response = post_form(
        http,
        &server.url("/login"),
        None,
        "en",
        &[("login", login), ("password", password)],
    );
    assert_eq!(response.status(), 303, "logging in as {login}");
    assert_eq!(location(&response), "/me");
    cookie_of(&response)
}

/// The session's CSRF token, read from its `/me` page.
fn csrf(http: &Client, server: &common::Server, cookie: &str) -> String {
    let (status, html) = get_page(http, &server.url("/me"), Some(cookie), "en");
    assert_eq!(status, 200, "{html}");
    csrf_of(&html)
}

fn invite(
    http: &Client,
    server: &common::Server,
    cookie: &str,
    csrf: Option<&str>,
    body: &Value,
) -> (u16, Value) {
    let mut request = http
        .post(server.url("/api/invitations"))
        .header("Cookie", cookie)
        .header("Content-Type", "application/json")
        .header("Accept-Language", "en")
        .body(body.to_string());
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    let response = request.send().expect("invite");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn event_document(serial: &str) -> String {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": [{
            "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
            "eventTime": "2026-04-01T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "epcList": [format!("urn:epc:id:sgtin:{serial}")],
        }]},
    })
    .to_string()
}

fn capture(http: &Client, server: &common::Server, token: &str, serial: &str, shared: bool) {
    let response = http
        .post(server.url("/epcis/capture"))
        .bearer_auth(token)
        .header("Content-Type", "application/ld+json")
        .header("Retu-Shared", if shared { "true" } else { "false" })
        .body(event_document(serial))
        .send()
        .expect("capture");
    assert_eq!(
        response.status(),
        202,
        "{}",
        response.text().unwrap_or_default()
    );
}

/// The `/epcis/events` a session sees, as text.
fn events_seen(http: &Client, server: &common::Server, cookie: &str) -> String {
    let (status, body) = get_page(
        http,
        &server.url("/epcis/events?perPage=100"),
        Some(cookie),
        "en",
    );
    assert_eq!(status, 200, "{body}");
    body
}

/// Makes every unused invitation expire, as time passing would.
fn expire_unused_invitations(data: &std::path::Path, extra: &[&str]) {
    let sql = "UPDATE invitations SET expires_at = 1 WHERE used_at IS NULL";
    let status = match extra {
        ["--database-url", url] => Command::new("psql")
            .arg(url)
            .args(["-q", "-c", sql])
            .status()
            .expect("psql"),
        _ => Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('{sql}'); c.commit()"
            ))
            .arg(data.join("retu.db"))
            .status()
            .expect("python3"),
    };
    assert!(status.success());
}

fn accounts(extra: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(dir.path(), &args);
    let http = browser();

    // --- The first officer, from the command line. ------------------------------------
    let office_a = org(data, extra, "凌云县电商办", "county", COUNTY_A);
    let office_b = org(data, extra, "乐业县电商办", "county", COUNTY_B);
    let team = org(data, extra, "百色市科技特派员服务队", "member", "百色市");
    let officer_password = "officer-password-1";
    let (ok, out) = user_create(
        data,
        extra,
        &[
            "--org",
            &office_a,
            "--login",
            "Ling.Officer",
            "--name",
            "黄主任",
            "--role",
            "officer",
        ],
        officer_password,
    );
    assert!(ok, "{out}");
    assert_eq!(out.trim(), "Ling.Officer");
    // The same login in another case is taken; an officer belongs to a county office; a
    // password is at least 8 characters.
    for (args, password, expected) in [
        (
            vec![
                "--org",
                &office_b,
                "--login",
                "ling.officer",
                "--role",
                "officer",
            ],
            "another-password",
            "taken",
        ),
        (
            vec!["--org", &team, "--login", "x-officer", "--role", "officer"],
            "another-password",
            "cannot belong",
        ),
        (
            vec![
                "--org",
                &office_b,
                "--login",
                "leye.officer",
                "--role",
                "officer",
            ],
            "short",
            "at least 8",
        ),
    ] {
        let (ok, out) = user_create(data, extra, &args, password);
        assert!(!ok && out.contains(expected), "{args:?}: {out}");
    }
    let (ok, out) = user_create(
        data,
        extra,
        &[
            "--org",
            &office_b,
            "--login",
            "leye.officer",
            "--role",
            "officer",
        ],
        "leye-password-1",
    );
    assert!(ok, "{out}");
    let (ok, out) = user_create(
        data,
        extra,
        &[
            "--org",
            &team,
            "--login",
            "tepaiyuan",
            "--name",
            "李特派员",
            "--role",
            "specialist",
            "--county",
            COUNTY_A,
        ],
        "specialist-password",
    );
    assert!(ok, "{out}");

    // --- Logging in. --------------------------------------------------------------------
    let (status, html) = get_page(&http, &server.url("/login"), None, "zh-CN");
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"zh-CN\">") && html.contains("手机号或用户名"));
    assert!(
        html.contains("<label for=\"f-login\">") && html.contains("<label for=\"f-password\">")
    );
    // A wrong password and an unknown login get the same answer.
    let wrong = post_form(
        &http,
        &server.url("/login"),
        None,
        "en",
        &[("login", "ling.officer"), ("password", "not-the-password")],
    );
    let unknown = post_form(
        &http,
        &server.url("/login"),
        None,
        "en",
        &[
            ("login", "no.such.person"),
            ("password", "not-the-password"),
        ],
    );
    assert_eq!(
        (wrong.status().as_u16(), unknown.status().as_u16()),
        (401, 401)
    );
    assert!(set_cookie(&wrong).is_empty() && set_cookie(&unknown).is_empty());
    let (wrong, unknown) = (
        alert(&wrong.text().unwrap_or_default()),
        alert(&unknown.text().unwrap_or_default()),
    );
    assert_eq!(wrong, "The login or the password is wrong.");
    assert_eq!(wrong, unknown);

    // Another site cannot log a visitor in, even with the right password.
    let cross_site = http
        .post(server.url("/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Origin", "https://evil.example")
        .body(form(&[
            ("login", "ling.officer"),
            ("password", officer_password),
        ]))
        .send()
        .expect("cross-site login");
    assert_eq!(cross_site.status(), 403);
    assert!(set_cookie(&cross_site).is_empty());

    // The login is case-insensitive; the cookie is HttpOnly, SameSite=Lax, for the whole site.
    let response = post_form(
        &http,
        &server.url("/login"),
        None,
        "en",
        &[("login", "LING.OFFICER"), ("password", officer_password)],
    );
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/me");
    let header = set_cookie(&response);
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(header.contains(attribute), "{header}");
    }
    assert!(!header.contains("Secure"), "plain http: {header}");
    let officer = cookie_of(&response);
    let (status, html) = get_page(&http, &server.url("/me"), Some(&officer), "zh-CN");
    assert_eq!(status, 200);
    assert!(
        html.contains("黄主任")
            && html.contains("凌云县电商办")
            && html.contains("县电商办工作人员")
    );
    let officer_csrf = csrf_of(&html);
    // A logged-in person asking for the login page goes home.
    let response = http
        .get(server.url("/login"))
        .header("Cookie", &officer)
        .send()
        .expect("login page");
    assert_eq!(
        (response.status().as_u16(), location(&response)),
        (303, "/me".into())
    );

    // --- Inviting a farmer. -------------------------------------------------------------
    let farm = json!({"orgName": "百陇村茶园", "county": COUNTY_A, "role": "producer"});
    // Without the session's CSRF token, or with another, a cookie cannot act.
    for token in [None, Some("not-the-token")] {
        let (status, problem) = invite(&http, &server, &officer, token, &farm);
        assert_eq!(status, 403, "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("CSRF"),
            "{problem}"
        );
    }
    let (status, invitation) = invite(&http, &server, &officer, Some(&officer_csrf), &farm);
    assert_eq!(status, 201, "{invitation}");
    let url = invitation["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with(&server.url("/invite/")), "{url}");
    assert!(
        invitation["qrSvg"]
            .as_str()
            .is_some_and(|svg| svg.starts_with("<svg"))
    );
    assert_eq!(invitation["role"], "producer");
    assert_eq!(invitation["organisation"]["county"], COUNTY_A);
    assert_eq!(invitation["organisation"]["role"], "member");

    // Not into another county, by name or by organisation; not as an officer.
    let (status, problem) = invite(
        &http,
        &server,
        &officer,
        Some(&officer_csrf),
        &json!({"orgName": "乐业县的农场", "county": COUNTY_B, "role": "producer"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (403, Some("/county")),
        "{problem}"
    );
    let leye_farm_id = org_with(
        data,
        extra,
        "乐业县合作社",
        "member",
        COUNTY_B,
        &["--prefix", "6912345"],
    );
    let leye_farm = token(data, extra, &leye_farm_id);
    let (status, problem) = invite(
        &http,
        &server,
        &officer,
        Some(&officer_csrf),
        &json!({"orgId": leye_farm_id, "role": "producer"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (403, Some("/orgId")),
        "{problem}"
    );
    let (status, problem) = invite(
        &http,
        &server,
        &officer,
        Some(&officer_csrf),
        &json!({"orgName": "某农场", "county": COUNTY_A, "role": "officer"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (403, Some("/role")),
        "{problem}"
    );
    let (status, problem) = invite(
        &http,
        &server,
        &officer,
        Some(&officer_csrf),
        &json!({"orgName": "某农场", "role": "producer"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/county")),
        "{problem}"
    );
    // An API token needs no CSRF token: a browser never sends one by itself.
    let response = http
        .post(server.url("/api/invitations"))
        .bearer_auth(&server.admin_token)
        .header("Content-Type", "application/json")
        .body(json!({"orgName": "田林县农场", "county": "田林县", "role": "producer"}).to_string())
        .send()
        .expect("admin invite");
    assert_eq!(response.status(), 201);

    // --- The farmer joins. ----------------------------------------------------------------
    let (status, html) = get_page(&http, &url, None, "en");
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("凌云县电商办 invites you to join 百陇村茶园 as producer"),
        "{html}"
    );
    for field in [
        "f-display_name",
        "f-login",
        "f-password",
        "f-password_again",
    ] {
        assert!(
            html.contains(&format!("<label for=\"{field}\">")),
            "{field}"
        );
    }
    let (status, html) = get_page(&http, &url, None, "zh-CN");
    assert_eq!(status, 200);
    assert!(
        html.contains("凌云县电商办邀请您以生产者身份加入百陇村茶园"),
        "{html}"
    );
    let farmer_password = "百陇村 tea 2026";
    let mismatch = post_form(
        &http,
        &url,
        None,
        "en",
        &[
            ("display_name", "韦大姐"),
            ("login", "13800138000"),
            ("password", farmer_password),
            ("password_again", "something else"),
        ],
    );
    assert_eq!(mismatch.status(), 400);
    assert!(
        mismatch
            .text()
            .unwrap_or_default()
            .contains("The two passwords differ")
    );
    let taken = post_form(
        &http,
        &url,
        None,
        "en",
        &[
            ("display_name", "韦大姐"),
            ("login", "Leye.Officer"),
            ("password", farmer_password),
            ("password_again", farmer_password),
        ],
    );
    assert_eq!(taken.status(), 409);
    let joined = post_form(
        &http,
        &url,
        None,
        "en",
        &[
            ("display_name", "韦大姐"),
            ("login", "13800138000"),
            ("password", farmer_password),
            ("password_again", farmer_password),
        ],
    );
    assert_eq!(joined.status(), 303);
    assert_eq!(location(&joined), "/me");
    let farmer = cookie_of(&joined);
    let (status, html) = get_page(&http, &server.url("/me"), Some(&farmer), "zh-CN");
    assert_eq!(status, 200);
    for text in [
        "<html lang=\"zh-CN\">",
        "您好，韦大姐",
        "百陇村茶园",
        "生产者",
        "退出登录",
        COUNTY_A,
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    let (status, html) = get_page(&http, &server.url("/me"), Some(&farmer), "en");
    assert_eq!(status, 200);
    for text in [
        "<html lang=\"en\">",
        "Hello, 韦大姐",
        "百陇村茶园",
        "producer",
        "Log out",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    let farmer_csrf = csrf_of(&html);

    // The link works once.
    let (status, html) = get_page(&http, &url, None, "en");
    assert_eq!(status, 410);
    assert!(html.contains("already used"), "{html}");
    let again = post_form(
        &http,
        &url,
        None,
        "en",
        &[
            ("display_name", "someone"),
            ("login", "someone-else"),
            ("password", "password-123"),
            ("password_again", "password-123"),
        ],
    );
    assert_eq!(again.status(), 410);
    let (status, _) = get_page(&http, &server.url("/invite/no-such-token"), None, "en");
    assert_eq!(status, 404);
    // An invitation that expired.
    let (status, late) = invite(&http, &server, &officer, Some(&officer_csrf), &farm);
    assert_eq!(status, 201, "{late}");
    expire_unused_invitations(dir.path(), extra);
    let late = late["url"].as_str().expect("url");
    let (status, html) = get_page(&http, late, None, "en");
    assert_eq!(status, 410);
    assert!(html.contains("expired"), "{html}");

    // --- A specialist invites in the counties assigned to them only. ------------------------
    let specialist = log_in(&http, &server, "tepaiyuan", "specialist-password");
    let specialist_csrf = csrf(&http, &server, &specialist);
    let (status, answer) = invite(
        &http,
        &server,
        &specialist,
        Some(&specialist_csrf),
        &json!({"orgName": "加尤镇茶农", "county": COUNTY_A, "role": "producer", "expiresInDays": 3}),
    );
    assert_eq!(status, 201, "{answer}");
    let (status, problem) = invite(
        &http,
        &server,
        &specialist,
        Some(&specialist_csrf),
        &json!({"orgName": "乐业县茶农", "county": COUNTY_B, "role": "producer"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (403, Some("/county")),
        "{problem}"
    );
    // A producer invites nobody.
    let (status, _) = invite(&http, &server, &farmer, Some(&farmer_csrf), &farm);
    assert_eq!(status, 403);

    // --- What a session may read and write. --------------------------------------------------
    // A cooperative of county A, with a person of its own; the cooperative of county B.
    let coop_a = org_with(
        data,
        extra,
        "白毫茶合作社",
        "member",
        COUNTY_A,
        &["--prefix", "6901234"],
    );
    let (ok, out) = user_create(
        data,
        extra,
        &["--org", &coop_a, "--login", "baihao", "--role", "producer"],
        "baihao-password",
    );
    assert!(ok, "{out}");
    let coop_a_token = token(data, extra, &coop_a);
    capture(
        &http,
        &server,
        &coop_a_token,
        "6901234.012345.A-PRIVATE",
        false,
    );
    capture(
        &http,
        &server,
        &coop_a_token,
        "6901234.012345.A-PUBLIC",
        true,
    );
    capture(
        &http,
        &server,
        &leye_farm,
        "6912345.012345.B-PRIVATE",
        false,
    );

    // The farmer's session sees shared events only: not another producer's unshared ones.
    let seen = events_seen(&http, &server, &farmer);
    assert!(seen.contains("A-PUBLIC"), "{seen}");
    assert!(
        !seen.contains("A-PRIVATE") && !seen.contains("B-PRIVATE"),
        "{seen}"
    );
    // The officer of county A sees county A's; the specialist their assigned county's.
    for (who, cookie) in [("officer", &officer), ("specialist", &specialist)] {
        let seen = events_seen(&http, &server, cookie);
        assert!(
            seen.contains("A-PRIVATE") && seen.contains("A-PUBLIC"),
            "{who}: {seen}"
        );
        assert!(!seen.contains("B-PRIVATE"), "{who}: {seen}");
    }
    // A person captures with their organisation's rights, and only with the CSRF token.
    let baihao = log_in(&http, &server, "baihao", "baihao-password");
    let baihao_csrf = csrf(&http, &server, &baihao);
    let send = |csrf: Option<&str>| {
        let mut request = http
            .post(server.url("/epcis/capture"))
            .header("Cookie", &baihao)
            .header("Content-Type", "application/ld+json")
            .body(event_document("6901234.012345.BY-SESSION"));
        if let Some(csrf) = csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        request.send().expect("capture").status().as_u16()
    };
    assert_eq!(send(None), 403);
    assert_eq!(send(Some(&baihao_csrf)), 202);
    let seen = events_seen(&http, &server, &baihao);
    assert!(
        seen.contains("BY-SESSION") && seen.contains("A-PRIVATE"),
        "{seen}"
    );
    assert!(!seen.contains("B-PRIVATE"), "{seen}");

    // --- Logout. ------------------------------------------------------------------------------
    let refused = post_form(&http, &server.url("/logout"), Some(&farmer), "en", &[]);
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let out = post_form(
        &http,
        &server.url("/logout"),
        Some(&farmer),
        "en",
        &[("csrf", &farmer_csrf)],
    );
    assert_eq!(out.status(), 303);
    assert_eq!(location(&out), "/login");
    assert!(set_cookie(&out).contains("Max-Age=0"));
    // The old cookie is worth nothing now.
    let response = http
        .get(server.url("/me"))
        .header("Cookie", &farmer)
        .send()
        .expect("me");
    assert_eq!(response.status(), 303);
    assert!(location(&response).starts_with("/login"));
    let (status, _) = invite(&http, &server, &farmer, Some(&farmer_csrf), &farm);
    assert_eq!(status, 401);
    // The farmer logs in again with the password chosen on the invitation page.
    let farmer = log_in(&http, &server, "13800138000", farmer_password);
    let (status, _) = get_page(&http, &server.url("/me"), Some(&farmer), "en");
    assert_eq!(status, 200);

    // --- The login throttle: five failures, then even the right password waits. ------------
    for login in ["leye.officer", "nobody.at.all"] {
        for attempt in 1..=5 {
            let response = post_form(
                &http,
                &server.url("/login"),
                None,
                "en",
                &[("login", login), ("password", "wrong-password")],
            );
            assert_eq!(response.status(), 401, "{login}: attempt {attempt}");
        }
        let sixth = post_form(
            &http,
            &server.url("/login"),
            None,
            "en",
            &[("login", login), ("password", "leye-password-1")],
        );
        assert_eq!(sixth.status(), 429, "{login}");
        assert!(sixth.headers().contains_key("retry-after"));
        assert!(set_cookie(&sixth).is_empty());
        assert!(
            alert(&sixth.text().unwrap_or_default()).starts_with("Too many failed attempts"),
            "{login}"
        );
    }
    // Other logins are not held up.
    log_in(&http, &server, "ling.officer", officer_password);
}

// --- Password change ------------------------------------------------------------------------

#[test]
fn password_change_on_sqlite() {
    password_change(&[]);
}

#[test]
fn password_change_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    password_change(&["--database-url", &database.url]);
}

/// What `/me` answers a cookie: 200 while its session lives, a redirect to the login page
/// once it ended.
fn me_status(http: &Client, server: &common::Server, cookie: &str) -> u16 {
    let response = http
        .get(server.url("/me"))
        .header("Cookie", cookie)
        .send()
        .expect("me");
    response.status().as_u16()
}

/// The status of a login attempt.
fn login_status(http: &Client, server: &common::Server, login: &str, password: &str) -> u16 {
    post_form(
        http,
        &server.url("/login"),
        None,
        "en",
        &[("login", login), ("password", password)],
    )
    .status()
    .as_u16()
}

/// `POST /me/password`.
fn change_password(
    http: &Client,
    server: &common::Server,
    cookie: &str,
    csrf: &str,
    current: &str,
    new: &str,
    again: &str,
) -> Response {
    post_form(
        http,
        &server.url("/me/password"),
        Some(cookie),
        "en",
        &[
            ("csrf", csrf),
            ("current_password", current),
            ("new_password", new),
            ("new_password_again", again),
        ],
    )
}

/// A farmer changes their password on `/me`: the current password is checked (and wrong ones
/// count towards the login throttle), the new one is checked like an invitation's, the phone
/// that changed it stays logged in and every other session ends; the new password logs in,
/// the old one no longer does.
fn password_change(extra: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(dir.path(), &args);
    let http = browser();
    let coop = org(data, extra, "白毫茶合作社", "member", COUNTY_A);
    let old_password = "old-password-1";
    let (ok, out) = user_create(
        data,
        extra,
        &[
            "--org",
            &coop,
            "--login",
            "lin",
            "--name",
            "林大哥",
            "--role",
            "producer",
        ],
        old_password,
    );
    assert!(ok, "{out}");
    let (ok, out) = user_create(
        data,
        extra,
        &["--org", &coop, "--login", "wei", "--role", "producer"],
        "wei-password-1",
    );
    assert!(ok, "{out}");

    // Three phones logged in as lin, one as wei.
    let phone = log_in(&http, &server, "lin", old_password);
    let tablet = log_in(&http, &server, "lin", old_password);
    let office_pc = log_in(&http, &server, "lin", old_password);
    let wei = log_in(&http, &server, "wei", "wei-password-1");
    let (status, html) = get_page(&http, &server.url("/me"), Some(&phone), "zh-CN");
    assert_eq!(status, 200);
    assert!(html.contains("修改我的密码"), "{html}");
    let (status, html) = get_page(&http, &server.url("/me"), Some(&phone), "en");
    assert_eq!(status, 200);
    for field in [
        "action=\"/me/password\"",
        "<label for=\"f-current_password\">",
        "<label for=\"f-new_password\">",
        "<label for=\"f-new_password_again\">",
        "autocomplete=\"current-password\"",
    ] {
        assert!(html.contains(field), "{field}: {html}");
    }
    // A producer invites nobody: no link to the people page.
    assert!(!html.contains("href=\"/people"), "{html}");
    let csrf = csrf_of(&html);

    // Without the session's CSRF token nothing happens.
    let refused = post_form(
        &http,
        &server.url("/me/password"),
        Some(&phone),
        "en",
        &[
            ("current_password", old_password),
            ("new_password", "new-password-1"),
            ("new_password_again", "new-password-1"),
        ],
    );
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    // A wrong current password is refused, named at its field, and changes nothing.
    let wrong = change_password(
        &http,
        &server,
        &phone,
        &csrf,
        "not-my-password",
        "new-password-1",
        "new-password-1",
    );
    assert_eq!(wrong.status(), 403);
    let html = wrong.text().unwrap_or_default();
    assert!(
        html.contains(
            "<p class=\"error\" id=\"f-current_password-error\">The current password is wrong</p>"
        ),
        "{html}"
    );
    assert!(html.contains("<details class=\"card fold\" id=\"password\" open>"));
    // New passwords are checked like an invitation's, field by field.
    let short = change_password(
        &http,
        &server,
        &phone,
        &csrf,
        old_password,
        "short",
        "short",
    );
    assert_eq!(short.status(), 400);
    let html = short.text().unwrap_or_default();
    assert!(
        html.contains("id=\"f-new_password-error\">A password has at least 8 characters"),
        "{html}"
    );
    let differ = change_password(
        &http,
        &server,
        &phone,
        &csrf,
        old_password,
        "new-password-1",
        "new-password-2",
    );
    assert_eq!(differ.status(), 400);
    assert!(
        differ
            .text()
            .unwrap_or_default()
            .contains("id=\"f-new_password_again-error\">The two passwords differ")
    );
    for cookie in [&phone, &tablet, &office_pc, &wei] {
        assert_eq!(me_status(&http, &server, cookie), 200);
    }
    assert_eq!(login_status(&http, &server, "lin", old_password), 303);

    // The change: this phone stays logged in, lin's other sessions end, wei's does not.
    let new_password = "新密码 new 2026";
    let changed = change_password(
        &http,
        &server,
        &phone,
        &csrf,
        old_password,
        new_password,
        new_password,
    );
    assert_eq!(changed.status(), 303);
    assert_eq!(location(&changed), "/me?done=password");
    assert!(set_cookie(&changed).is_empty(), "the session is kept");
    let (status, html) = get_page(&http, &server.url("/me?done=password"), Some(&phone), "en");
    assert_eq!(status, 200);
    assert!(
        html.contains("role=\"status\">Your password was changed."),
        "{html}"
    );
    assert_eq!(me_status(&http, &server, &tablet), 303);
    assert_eq!(me_status(&http, &server, &office_pc), 303);
    assert_eq!(me_status(&http, &server, &wei), 200);
    // The session that changed it keeps its CSRF token and can still act.
    assert_eq!(csrf_of(&html), csrf);
    // The old password no longer logs in; the new one does; wei's is untouched.
    assert_eq!(login_status(&http, &server, "lin", old_password), 401);
    assert_eq!(login_status(&http, &server, "lin", new_password), 303);
    assert_eq!(login_status(&http, &server, "wei", "wei-password-1"), 303);

    // Wrong current passwords count towards the login throttle (the successful login above
    // cleared the earlier failures): after five, even the right password waits, here and on
    // the login page, so the form cannot be used to guess a password.
    for attempt in 0..5 {
        let wrong = change_password(
            &http,
            &server,
            &phone,
            &csrf,
            "guess-number-x",
            "another-password",
            "another-password",
        );
        assert_eq!(wrong.status(), 403, "attempt {attempt}");
    }
    let throttled = change_password(
        &http,
        &server,
        &phone,
        &csrf,
        new_password,
        "another-password",
        "another-password",
    );
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    assert!(alert(&throttled.text().unwrap_or_default()).starts_with("Too many failed attempts"),);
    assert_eq!(login_status(&http, &server, "lin", new_password), 429);
    // The throttled attempt changed nothing.
    assert_eq!(me_status(&http, &server, &phone), 200);
    assert_eq!(login_status(&http, &server, "wei", "wei-password-1"), 303);
}

// --- The people page: invitations, disabling and enabling ----------------------------------

#[test]
fn people_page_on_sqlite() {
    people_page(&[]);
}

#[test]
fn people_page_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    people_page(&["--database-url", &database.url]);
}

/// `POST /api/users/disabled` with a session (and its CSRF token) or a bearer token.
fn set_disabled(
    http: &Client,
    server: &common::Server,
    auth: (&str, Option<&str>),
    body: &Value,
) -> (u16, Value) {
    let (cookie_or_token, csrf) = auth;
    let mut request = http
        .post(server.url("/api/users/disabled"))
        .header("Content-Type", "application/json")
        .header("Accept-Language", "en")
        .body(body.to_string());
    request = match csrf {
        Some(csrf) => request
            .header("Cookie", cookie_or_token)
            .header("X-CSRF-Token", csrf),
        None if cookie_or_token.starts_with("retu_session=") => {
            request.header("Cookie", cookie_or_token)
        }
        None => request.bearer_auth(cookie_or_token),
    };
    let response = request.send().expect("set disabled");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The `href` of the page's `a#invitation-link`.
fn invitation_link(html: &str) -> Option<String> {
    html.split("<a id=\"invitation-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_owned)
}

/// The `<li>` of a person on the people page.
fn person_row<'a>(html: &'a str, login: &str) -> Option<&'a str> {
    let start = html.find(&format!("<li class=\"person\" data-login=\"{login}\""))?;
    let rest = &html[start..];
    Some(&rest[..rest.find("</li>")?])
}

/// The people page of officers, specialists and the admin: who may open it and what each
/// sees, an invitation made on it whose link and QR code work, and disabling and enabling
/// people, on the page and through the JSON API, within each one's rights.
fn people_page(extra: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8 path");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = start(dir.path(), &args);
    let http = browser();

    let office_a = org(data, extra, "凌云县电商办", "county", COUNTY_A);
    let office_b = org(data, extra, "乐业县电商办", "county", COUNTY_B);
    let team = org(data, extra, "百色市科技特派员服务队", "member", "百色市");
    let coop_a = org(data, extra, "白毫茶合作社", "member", COUNTY_A);
    let coop_b = org(data, extra, "乐业县猕猴桃合作社", "member", COUNTY_B);
    let coop_c = org(data, extra, "田林县八渡笋合作社", "member", "田林县");
    let mut admin_args = vec![
        "org",
        "create",
        "--data",
        data,
        "--name",
        "县平台管理员",
        "--role",
        "admin",
    ];
    admin_args.extend_from_slice(extra);
    let admin_org = retu(&admin_args).trim().to_owned();
    let people = [
        (&office_a, "ling.officer", "黄主任", "officer", None),
        (&office_b, "leye.officer", "罗主任", "officer", None),
        (&team, "tepaiyuan", "李特派员", "specialist", Some(COUNTY_A)),
        (&admin_org, "root", "管理员", "admin", None),
        (&coop_a, "baihao", "韦大姐", "producer", None),
        (&coop_b, "leye.farmer", "罗大哥", "producer", None),
        (&coop_c, "tianlin.farmer", "黄大叔", "producer", None),
    ];
    for (org, login, name, role, county) in people {
        let mut more = vec![
            "--org", org, "--login", login, "--name", name, "--role", role,
        ];
        if let Some(county) = county {
            more.extend(["--county", county]);
        }
        let (ok, out) = user_create(data, extra, &more, &format!("{login}-password"));
        assert!(ok, "{out}");
    }
    let session = |login: &str| log_in(&http, &server, login, &format!("{login}-password"));
    let officer = session("ling.officer");
    let officer_csrf = csrf(&http, &server, &officer);
    let specialist = session("tepaiyuan");
    let specialist_csrf = csrf(&http, &server, &specialist);
    let admin = session("root");
    let admin_csrf = csrf(&http, &server, &admin);
    let farmer = session("baihao");
    let farmer_csrf = csrf(&http, &server, &farmer);

    // --- Who may open the page, and what each sees. ---------------------------------------
    let response = http
        .get(server.url("/people"))
        .send()
        .expect("anonymous people page");
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/login?next=/people");
    let (status, html) = get_page(&http, &server.url("/people"), Some(&farmer), "en");
    assert_eq!(status, 403);
    assert!(
        html.contains("Only county officers, specialists and administrators can open this page."),
        "{html}"
    );
    assert!(!html.contains("data-login"), "{html}");
    let (status, html) = get_page(&http, &server.url("/people"), Some(&farmer), "zh-CN");
    assert_eq!(status, 403);
    assert!(
        html.contains("只有县电商办工作人员、科技特派员和管理员可以打开此页面。"),
        "{html}"
    );
    // /me links the page for those who invite.
    let (_, html) = get_page(&http, &server.url("/me"), Some(&officer), "zh-CN");
    assert!(
        html.contains("<a class=\"action\" id=\"people-link\" href=\"/people\">人员与邀请</a>"),
        "{html}"
    );

    // The officer sees county A: its office, its farms and their people; nothing of B or C.
    let (status, html) = get_page(&http, &server.url("/people"), Some(&officer), "en");
    assert_eq!(status, 200, "{html}");
    for text in [
        "<form id=\"invite\"",
        "白毫茶合作社",
        "凌云县电商办",
        "data-login=\"baihao\"",
        "data-login=\"ling.officer\"",
        &format!("href=\"/work?for={coop_a}\""),
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    for text in [
        COUNTY_B,
        "田林县",
        "leye.farmer",
        "tianlin.farmer",
        "root",
        "tepaiyuan",
    ] {
        assert!(!html.contains(text), "{text} is not the officer's: {html}");
    }
    // A button for the farmer; none for the officer themself, nor for their office.
    let row = person_row(&html, "baihao").expect("baihao's row");
    assert!(
        row.contains("name=\"disabled\" value=\"true\"") && row.contains(">Disable</button>"),
        "{row}"
    );
    let row = person_row(&html, "ling.officer").expect("the officer's row");
    assert!(!row.contains("<form"), "{row}");
    assert!(row.contains("(you)"), "{row}");
    // Nobody records for the county office.
    assert!(!html.contains(&format!("/work?for={office_a}")), "{html}");

    // The specialist sees their assigned county A, not their own team's 百色市, nor B.
    let (status, html) = get_page(&http, &server.url("/people"), Some(&specialist), "en");
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("data-login=\"baihao\"") && html.contains(&format!("/work?for={coop_a}")),
        "{html}"
    );
    for text in [
        COUNTY_B,
        "百色市科技特派员服务队",
        "leye.farmer",
        "tianlin.farmer",
    ] {
        assert!(!html.contains(text), "{text}: {html}");
    }
    // The admin sees everyone, and may invite with any role.
    let (status, html) = get_page(&http, &server.url("/people"), Some(&admin), "en");
    assert_eq!(status, 200, "{html}");
    for text in [
        "data-login=\"leye.farmer\"",
        "data-login=\"tianlin.farmer\"",
        "data-login=\"tepaiyuan\"",
        "data-login=\"leye.officer\"",
        "<option value=\"officer\">",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }

    // --- An invitation from the page. ---------------------------------------------------------
    let invite_form = |cookie: &str, csrf: &str, fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", csrf)];
        all.extend_from_slice(fields);
        let response = post_form(
            &http,
            &server.url("/people/invite"),
            Some(cookie),
            "en",
            &all,
        );
        let status = response.status().as_u16();
        let csp = response
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, csp, response.text().unwrap_or_default())
    };
    let new_farm = [
        ("org", ""),
        ("org_name", "百陇村茶园"),
        ("county", COUNTY_A),
        ("role", "producer"),
        ("days", "7"),
    ];
    let (status, csp, html) = invite_form(&officer, &officer_csrf, &new_farm);
    assert_eq!(status, 201, "{html}");
    let link = invitation_link(&html).expect("a#invitation-link");
    assert!(link.starts_with(&server.url("/invite/")), "{link}");
    assert!(
        html.contains(&format!(">{link}</a>")),
        "the link as text: {html}"
    );
    let qr = html
        .split("id=\"invitation-qr\"")
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .expect("the QR code");
    assert!(qr.contains("<svg") && qr.contains("<path"), "{qr}");
    assert!(html.contains("(UTC+8)"), "the expiry: {html}");
    assert!(html.contains("id=\"copy-link\""), "{html}");
    // The copy button's script is the only one allowed.
    let scripts = csp
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("script-src"))
        .unwrap_or_default();
    assert!(
        scripts.starts_with("script-src 'sha256-") && !scripts.contains("unsafe"),
        "{csp}"
    );
    // The link works: the farmer joins 百陇村茶园 in county A.
    let (status, page) = get_page(&http, &link, None, "en");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("凌云县电商办 invites you to join 百陇村茶园 as producer"),
        "{page}"
    );
    let joined = post_form(
        &http,
        &link,
        None,
        "en",
        &[
            ("display_name", "韦二姐"),
            ("login", "13800138001"),
            ("password", "bailong-password"),
            ("password_again", "bailong-password"),
        ],
    );
    assert_eq!(joined.status(), 303);
    let (status, html) = get_page(&http, &server.url("/people"), Some(&officer), "en");
    assert_eq!(status, 200);
    assert!(
        html.contains("百陇村茶园") && html.contains("data-login=\"13800138001\""),
        "{html}"
    );

    // Problems name the field, and store nothing.
    let (status, _, html) = invite_form(
        &officer,
        &officer_csrf,
        &[
            ("org", ""),
            ("org_name", "乐业县的农场"),
            ("county", COUNTY_B),
            ("role", "producer"),
            ("days", "7"),
        ],
    );
    assert_eq!(status, 403, "{html}");
    assert!(
        html.contains(
            "id=\"f-county-error\">You may invite only in the counties you are responsible for"
        ),
        "{html}"
    );
    assert!(invitation_link(&html).is_none());
    let (status, _, html) = invite_form(
        &officer,
        &officer_csrf,
        &[
            ("org", &coop_a),
            ("org_name", "another name"),
            ("county", COUNTY_A),
            ("role", "producer"),
            ("days", "7"),
        ],
    );
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"f-org_name-error\">Either choose an organisation or type the name of a new one, not both"),
        "{html}"
    );
    let (status, _, html) = invite_form(
        &officer,
        &officer_csrf,
        &[("org", &coop_a), ("role", "officer"), ("days", "7")],
    );
    assert_eq!(status, 403, "{html}");
    assert!(
        html.contains("id=\"f-role-error\">Only an administrator may give this role"),
        "{html}"
    );
    let (status, _, html) = invite_form(
        &officer,
        &officer_csrf,
        &[("org", &coop_a), ("role", "producer"), ("days", "31")],
    );
    assert_eq!(status, 400, "{html}");
    assert!(
        html.contains("id=\"f-days-error\">The link works for 1 to 30 days"),
        "{html}"
    );
    let (status, _, html) = invite_form(
        &officer,
        &officer_csrf,
        &[("org", &coop_b), ("role", "producer"), ("days", "7")],
    );
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("id=\"f-org-error\">"), "{html}");
    // Neither the page nor the API made 乐业县的农场.
    let listed = retu(&[&["org", "list", "--data", data][..], extra].concat());
    assert!(!listed.contains("乐业县的农场"), "{listed}");
    // Without the CSRF token, nothing.
    let refused = post_form(
        &http,
        &server.url("/people/invite"),
        Some(&officer),
        "en",
        &new_farm,
    );
    assert_eq!(refused.status(), 403);
    // A producer invites nobody from the page either.
    let (status, _, html) = invite_form(&farmer, &farmer_csrf, &new_farm);
    assert_eq!(status, 403, "{html}");
    // The specialist invites into an existing farm of their county, not of another.
    let (status, _, html) = invite_form(
        &specialist,
        &specialist_csrf,
        &[("org", &coop_a), ("role", "processor"), ("days", "3")],
    );
    assert_eq!(status, 201, "{html}");
    assert!(invitation_link(&html).is_some());
    assert!(html.contains("Invitation to 白毫茶合作社"), "{html}");

    // --- Disabling and enabling. ----------------------------------------------------------
    // On the page: the officer disables a farmer of county A, whose session ends at once.
    let disable_form = |cookie: &str, csrf: &str, login: &str, disabled: &str| {
        let response = post_form(
            &http,
            &server.url("/people/disabled"),
            Some(cookie),
            "en",
            &[("csrf", csrf), ("login", login), ("disabled", disabled)],
        );
        let status = response.status().as_u16();
        (status, response.text().unwrap_or_default())
    };
    assert_eq!(me_status(&http, &server, &farmer), 200);
    let (status, html) = disable_form(&officer, &officer_csrf, "baihao", "true");
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("role=\"status\">韦大姐 (baihao) is disabled"),
        "{html}"
    );
    let row = person_row(&html, "baihao").expect("baihao's row");
    assert!(
        row.contains("data-disabled=\"true\"") && row.contains(">Enable</button>"),
        "{row}"
    );
    assert_eq!(me_status(&http, &server, &farmer), 303);
    assert_eq!(
        login_status(&http, &server, "baihao", "baihao-password"),
        401
    );
    // Through the API: the officer enables them again.
    let (status, answer) = set_disabled(
        &http,
        &server,
        (&officer, Some(&officer_csrf)),
        &json!({"login": "BaiHao", "disabled": false}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["disabled"], false);
    assert_eq!(answer["login"], "baihao");
    assert_eq!(answer["organisation"]["id"], coop_a.as_str());
    assert_eq!(
        login_status(&http, &server, "baihao", "baihao-password"),
        303
    );
    // Without the CSRF token a session cannot.
    let (status, _) = set_disabled(
        &http,
        &server,
        (&officer, None),
        &json!({"login": "baihao", "disabled": true}),
    );
    assert_eq!(status, 403);

    // The officer cannot touch another county's farmer, an admin, another officer, or
    // themself; each is refused by name and changes nothing.
    for (login, reason) in [
        (
            "leye.farmer",
            "You may disable or enable only people of the counties you are responsible for",
        ),
        (
            "root",
            "Only the administrator may disable or enable officers, specialists and administrators",
        ),
        (
            "leye.officer",
            "Only the administrator may disable or enable officers, specialists and administrators",
        ),
        ("ling.officer", "You cannot disable or enable yourself"),
    ] {
        let (status, problem) = set_disabled(
            &http,
            &server,
            (&officer, Some(&officer_csrf)),
            &json!({"login": login, "disabled": true}),
        );
        assert_eq!(status, 403, "{login}: {problem}");
        assert_eq!(problem["detail"], reason, "{login}");
        assert_eq!(problem["pointer"], "/login", "{login}");
    }
    for login in ["leye.farmer", "root", "leye.officer"] {
        assert_eq!(
            login_status(&http, &server, login, &format!("{login}-password")),
            303,
            "{login} can still log in"
        );
    }
    assert_eq!(me_status(&http, &server, &officer), 200);
    // On the page, refusals are said in the page's language.
    let (status, html) = disable_form(&officer, &officer_csrf, "leye.farmer", "true");
    assert_eq!(status, 403, "{html}");
    assert!(
        alert(&html).starts_with("You may disable or enable only people of the counties"),
        "{html}"
    );
    let response = post_form(
        &http,
        &server.url("/people/disabled"),
        Some(&officer),
        "zh-CN",
        &[
            ("csrf", &officer_csrf),
            ("login", "ling.officer"),
            ("disabled", "true"),
        ],
    );
    assert_eq!(response.status(), 403);
    assert_eq!(
        alert(&response.text().unwrap_or_default()),
        "您不能停用或启用自己的账号"
    );
    // Unknown logins and malformed requests name the field.
    let (status, problem) = set_disabled(
        &http,
        &server,
        (&officer, Some(&officer_csrf)),
        &json!({"login": "no.such.person", "disabled": true}),
    );
    assert_eq!((status, problem["pointer"].as_str()), (404, Some("/login")));
    let (status, problem) = set_disabled(
        &http,
        &server,
        (&officer, Some(&officer_csrf)),
        &json!({"login": "baihao", "disabled": "yes"}),
    );
    assert_eq!(
        (status, problem["pointer"].as_str()),
        (400, Some("/disabled"))
    );
    let (status, problem) = set_disabled(
        &http,
        &server,
        (&officer, Some(&officer_csrf)),
        &json!({"disabled": true}),
    );
    assert_eq!((status, problem["pointer"].as_str()), (400, Some("/login")));
    // A producer manages nobody.
    let farmer = session("baihao");
    let farmer_csrf = csrf(&http, &server, &farmer);
    let (status, _) = set_disabled(
        &http,
        &server,
        (&farmer, Some(&farmer_csrf)),
        &json!({"login": "13800138001", "disabled": true}),
    );
    assert_eq!(status, 403);
    assert_eq!(
        login_status(&http, &server, "13800138001", "bailong-password"),
        303
    );

    // The specialist manages their assigned county's farmers, not another county's.
    let (status, answer) = set_disabled(
        &http,
        &server,
        (&specialist, Some(&specialist_csrf)),
        &json!({"login": "13800138001", "disabled": true}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        login_status(&http, &server, "13800138001", "bailong-password"),
        401
    );
    let (status, _) = set_disabled(
        &http,
        &server,
        (&specialist, Some(&specialist_csrf)),
        &json!({"login": "tianlin.farmer", "disabled": true}),
    );
    assert_eq!(status, 403);

    // The admin manages anyone but themself, on the page, by the API and with their token.
    let leye_officer = session("leye.officer");
    let (status, html) = disable_form(&admin, &admin_csrf, "leye.officer", "true");
    assert_eq!(status, 200, "{html}");
    assert_eq!(me_status(&http, &server, &leye_officer), 303);
    assert_eq!(
        login_status(&http, &server, "leye.officer", "leye.officer-password"),
        401
    );
    let (status, answer) = set_disabled(
        &http,
        &server,
        (&server.admin_token, None),
        &json!({"login": "leye.officer", "disabled": false}),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        login_status(&http, &server, "leye.officer", "leye.officer-password"),
        303
    );
    let (status, _) = set_disabled(
        &http,
        &server,
        (&admin, Some(&admin_csrf)),
        &json!({"login": "root", "disabled": true}),
    );
    assert_eq!(status, 403);
    assert_eq!(me_status(&http, &server, &admin), 200);
}
