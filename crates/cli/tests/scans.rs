//! Black-box consumer scans against the real `retu serve` on port 0, on SQLite and (with
//! `RETU_TEST_DATABASE_URL`) PostgreSQL: beacons are counted once flushed, bad ones answered
//! with a problem pointing at the field, a tin scanned from three time zones is flagged to its
//! owner and to nobody else, counts survive a graceful restart, and no client address reaches
//! the database.

mod common;

use std::process::Command;

use common::{client, eventually, member, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COOP_PREFIX: &str = "6901234";
const OTHER_PREFIX: &str = "6912345";
/// A GTIN of the cooperative (check digit 2).
const GTIN: &str = "06901234567892";
/// A GTIN of the other organisation (check digit 7).
const OTHER_GTIN: &str = "06912345000017";
/// A forwarded-for address a proxy might add: it must not be stored either.
const FORWARDED: &str = "203.0.113.77";

fn beacon(http: &Client, server: &common::Server, body: &str) -> (u16, Option<String>, Value) {
    let response = http
        .post(server.url("/api/scans"))
        .header("Content-Type", "application/json")
        .header("X-Forwarded-For", FORWARDED)
        .header("Accept-Language", "en")
        .body(body.to_owned())
        .send()
        .expect("beacon");
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, media, response.json().unwrap_or(Value::Null))
}

fn scan(http: &Client, server: &common::Server, code: &str, time_zone: &str) {
    let (status, _, body) = beacon(
        http,
        server,
        &json!({"code": code, "timeZone": time_zone}).to_string(),
    );
    assert_eq!(status, 204, "{code} {time_zone}: {body}");
}

fn get(http: &Client, url: &str, token: Option<&str>, language: &str) -> (u16, Value) {
    let mut request = http.get(url).header("Accept-Language", language);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().expect("get");
    (
        response.status().as_u16(),
        response.json().unwrap_or(Value::Null),
    )
}

fn count_url(server: &common::Server, code: &str) -> String {
    server.url(&format!("/api/scans?code={}", code.replace('/', "%2F")))
}

fn flags(http: &Client, server: &common::Server, token: &str, language: &str) -> Vec<Value> {
    let (status, body) = get(http, &server.url("/api/scans/flags"), Some(token), language);
    assert_eq!(status, 200, "{body}");
    body["flags"].as_array().expect("flags").clone()
}

fn flagged_codes(flags: &[Value]) -> Vec<String> {
    flags
        .iter()
        .filter_map(|flag| flag["code"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn scans_are_counted_flagged_to_owners_and_never_stored_with_an_address_on_sqlite() {
    scans_are_counted_and_flagged(&[]);
}

#[test]
fn scans_are_counted_flagged_to_owners_and_never_stored_with_an_address_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    scans_are_counted_and_flagged(&["--database-url", &database.url]);
    let dump = Command::new("pg_dump")
        .args(["--data-only", &database.url])
        .output()
        .expect("pg_dump");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert_no_address(&[dump.stdout]);
}

/// No client address in the stored bytes, while the scanned codes are there (so the check
/// looks where the counts are).
fn assert_no_address(stored: &[Vec<u8>]) {
    let contains = |needle: &str| {
        stored
            .iter()
            .any(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    };
    assert!(
        contains(&format!("/01/{GTIN}/21/TIN-1")),
        "the scan counts are not where the check looks"
    );
    for address in ["127.0.0.1", FORWARDED] {
        assert!(!contains(address), "{address} is stored");
    }
}

fn scans_are_counted_and_flagged(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let mut server = start(data.path(), &args);
    let http = client();
    let (_, coop) = member(data.path(), "白毫茶合作社", &[COOP_PREFIX], extra);
    let (_, other) = member(data.path(), "县城茶叶批发部", &[OTHER_PREFIX], extra);
    let admin = server.admin_token.clone();

    let tin = format!("/01/{GTIN}/21/TIN-1");
    let quiet_tin = format!("/01/{GTIN}/21/TIN-2");
    let lot = format!("/01/{GTIN}/10/LOT-A");
    let other_tin = format!("/01/{OTHER_GTIN}/21/X-1");

    // One tin of the cooperative from three time zones (one beacon with the GTIN-13 spelling),
    // a second tin from one zone, the lot with a time zone that is not one, and a tin of the
    // other organisation from three zones too.
    for zone in ["Asia/Shanghai", "Asia/Tokyo", "Europe/Berlin"] {
        scan(&http, &server, &tin, zone);
        scan(&http, &server, &other_tin, zone);
    }
    scan(
        &http,
        &server,
        &format!("/01/{}/21/TIN-1", &GTIN[1..]),
        "Asia/Shanghai",
    );
    scan(&http, &server, &quiet_tin, "Asia/Shanghai");
    scan(&http, &server, &lot, "127.0.0.1");
    // sendBeacon posts strings as text/plain: still counted.
    let response = http
        .post(server.url("/api/scans"))
        .header("Content-Type", "text/plain;charset=UTF-8")
        .body(json!({"code": quiet_tin, "timeZone": "Asia/Shanghai"}).to_string())
        .send()
        .expect("text beacon");
    assert_eq!(response.status().as_u16(), 204);

    // Counted once flushed (about a second), with the hour of the first scan.
    let counted = eventually(20, || {
        let (status, body) = get(&http, &count_url(&server, &tin), None, "en");
        assert_eq!(status, 200, "{body}");
        (body["total"] == 4).then_some(body)
    });
    assert_eq!(counted["code"], tin.as_str());
    let first = counted["firstScan"].as_str().expect("firstScan");
    assert!(first.ends_with(":00:00Z"), "{first}: only the hour is kept");
    assert_eq!(counted["scansLast24h"], 4);
    let (_, quiet) = get(&http, &count_url(&server, &quiet_tin), None, "en");
    assert_eq!(quiet["total"], 2, "{quiet}");
    let (_, never) = get(
        &http,
        &count_url(&server, &format!("/01/{GTIN}/21/NEVER")),
        None,
        "en",
    );
    assert_eq!(
        (&never["total"], &never["firstScan"]),
        (&json!(0), &Value::Null)
    );

    // Bad beacons: a problem pointing at the field, in the caller's language.
    for (body, pointer) in [
        (
            json!({"code": format!("/01/{}3/21/X", &GTIN[..13]), "timeZone": "UTC"}).to_string(),
            "/code",
        ),
        (json!({"timeZone": "UTC"}).to_string(), "/code"),
        (json!({"code": 42}).to_string(), "/code"),
        (
            json!({"code": format!("https://trace.example{tin}")}).to_string(),
            "/code",
        ),
        ("not json".to_owned(), ""),
        ("[]".to_owned(), ""),
    ] {
        let (status, media, problem) = beacon(&http, &server, &body);
        assert_eq!(status, 400, "{body}: {problem}");
        assert_eq!(media.as_deref(), Some("application/problem+json"), "{body}");
        assert_eq!(problem["pointer"], pointer, "{body}: {problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let (status, problem) = get(&http, &count_url(&server, "/01/123"), None, "en");
    assert_eq!(
        (status, &problem["pointer"]),
        (400, &json!("/code")),
        "{problem}"
    );
    let (status, too_big, _) = beacon(&http, &server, &format!("\"{}\"", "x".repeat(10_000)));
    assert_eq!(status, 413, "{too_big:?}");

    // Flags: the cooperative sees its tin and not the other organisation's, and vice versa;
    // the quiet tin and the lot are not flagged; the admin sees both; anonymous callers none.
    // The count above includes scans still in memory; flags read the store, so they show
    // once the counts are written (within about a second).
    let coop_flags = eventually(20, || {
        let found = flags(&http, &server, &coop, "en");
        (!found.is_empty()).then_some(found)
    });
    assert_eq!(flagged_codes(&coop_flags), [tin.as_str()], "{coop_flags:?}");
    let flag = &coop_flags[0];
    assert_eq!(flag["reason"], "serial-many-time-zones", "{flag}");
    assert_eq!(flag["timeZonesLast7d"], 3, "{flag}");
    assert_eq!(flag["scansLast24h"], 4, "{flag}");
    assert_eq!(
        flag["timeZones"],
        json!(["Asia/Shanghai", "Asia/Tokyo", "Europe/Berlin"])
    );
    let english = flag["reasonText"].as_str().expect("reasonText").to_owned();
    assert!(english.contains("3 time zones"), "{english}");
    let chinese = flags(&http, &server, &coop, "zh-CN");
    let chinese = chinese[0]["reasonText"].as_str().expect("reasonText");
    assert!(chinese.contains("时区"), "{chinese}");
    assert_eq!(
        flagged_codes(&flags(&http, &server, &other, "en")),
        [other_tin.as_str()]
    );
    let mut all = flagged_codes(&flags(&http, &server, &admin, "en"));
    all.sort();
    assert_eq!(all, [tin.as_str(), other_tin.as_str()]);
    let (status, _) = get(&http, &server.url("/api/scans/flags"), None, "en");
    assert_eq!(status, 401);

    // A scan just before a graceful stop is written on the way out.
    scan(&http, &server, &quiet_tin, "Asia/Shanghai");
    server.stop();
    let no_address_in: Vec<Vec<u8>> = if extra.is_empty() {
        ["retu.db", "retu.db-wal"]
            .iter()
            .filter_map(|name| std::fs::read(data.path().join(name)).ok())
            .collect()
    } else {
        Vec::new()
    };
    let server = start(data.path(), &args);
    let (_, quiet) = get(&http, &count_url(&server, &quiet_tin), None, "en");
    assert_eq!(quiet["total"], 3, "{quiet}");
    if extra.is_empty() {
        assert_no_address(&no_address_in);
    }
}

#[test]
fn anonymous_beacons_are_rate_limited() {
    let data = tempfile::tempdir().expect("tempdir");
    // 2 a second, bursts of 8, per client address (kept in memory only).
    let server = start(data.path(), &["--rate-limit", "2"]);
    let http = client();
    let body = json!({"code": format!("/01/{GTIN}/10/LOT-A"), "timeZone": "Asia/Shanghai"});
    let statuses: Vec<u16> = (0..30)
        .map(|_| {
            http.post(server.url("/api/scans"))
                .json(&body)
                .send()
                .expect("beacon")
                .status()
                .as_u16()
        })
        .collect();
    assert!(statuses.contains(&204), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
}
