//! Black-box master data against the real `retu serve` on port 0 (docs/master-data.md): a tea
//! farmer without a GS1 company prefix registers a farm, a plot (county-issued identifier) and
//! a product (GTIN from the county's prefix), then records a harvest at that plot for that
//! product with its own token, and the capture pipeline accepts it. Another producer can
//! neither read nor change that master data nor record at that plot; a county office reads
//! its county's; problems name their field.

mod common;

use std::path::Path;

use common::{client, retu, start};
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COUNTY_PREFIX: &str = "6909999";
const PUBLIC_URL: &str = "https://trace.lingyun.example";

/// Creates an organisation of `role` in `county` and a token for it: (public ID, token).
fn org(data: &Path, name: &str, role: &str, county: &str, extra: &[&str]) -> (String, String) {
    let data_arg = data.to_str().expect("utf-8 path");
    let mut args = vec![
        "org", "create", "--data", data_arg, "--name", name, "--role", role, "--county", county,
    ];
    args.extend_from_slice(extra);
    let public_id = retu(&args).trim().to_owned();
    let mut token = vec!["token", "create", "--data", data_arg, "--org", &public_id];
    token.extend_from_slice(extra);
    let token = retu(&token).trim().to_owned();
    (public_id, token)
}

fn answer(response: reqwest::blocking::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

fn get(http: &Client, url: &str, token: &str) -> (u16, Value) {
    answer(http.get(url).bearer_auth(token).send().expect("get"))
}

fn post(http: &Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    answer(
        http.post(url)
            .bearer_auth(token)
            .header("Content-Type", "application/json")
            .header("Accept-Language", "en")
            .body(body.to_string())
            .send()
            .expect("post"),
    )
}

fn patch(http: &Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    answer(
        http.patch(url)
            .bearer_auth(token)
            .header("Content-Type", "application/merge-patch+json")
            .body(body.to_string())
            .send()
            .expect("patch"),
    )
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

/// An EPCIS document of one event.
fn document(event: Value) -> String {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    })
    .to_string()
}

fn harvest(lot_class: &str, lot: &str, plot: &str) -> Value {
    json!({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": "2026-04-08T09:30:00+08:00", "eventTimeZoneOffset": "+08:00",
        "epcList": [],
        "quantityList": [{"epcClass": lot_class, "quantity": 40.5, "uom": "KGM"}],
        "bizLocation": {"id": plot},
        "ilmd": {"cbvmda:lotNumber": lot},
    })
}

fn capture(http: &Client, url: &str, token: &str, event: Value) -> (u16, Value) {
    answer(
        http.post(url)
            .bearer_auth(token)
            .header("Content-Type", "application/ld+json")
            .body(document(event))
            .send()
            .expect("capture"),
    )
}

#[test]
fn a_producer_without_a_prefix_registers_and_records_on_sqlite() {
    producer_without_a_prefix(&[]);
}

#[test]
fn a_producer_without_a_prefix_registers_and_records_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    producer_without_a_prefix(&["--database-url", &database.url]);
}

fn producer_without_a_prefix(extra: &[&str]) {
    let data = tempfile::tempdir().expect("tempdir");
    let mut args = vec![
        "--rate-limit",
        "0",
        "--county-prefix",
        COUNTY_PREFIX,
        "--public-url",
        PUBLIC_URL,
    ];
    args.extend_from_slice(extra);
    let server = start(data.path(), &args);
    let http = client();
    let (farmer_id, farmer) = org(data.path(), "百陇村茶农", "member", "451027", extra);
    let (_, neighbour) = org(data.path(), "隔壁合作社", "member", "451027", extra);
    let (_, office) = org(data.path(), "凌云县电商办", "county", "451027", extra);
    let (_, far_office) = org(data.path(), "另一县电商办", "county", "450000", extra);
    let locations = server.url("/api/locations");
    let products = server.url("/api/products");

    // The farm and its plot get county-issued identifiers under the public URL.
    let (status, farm) = post(
        &http,
        &locations,
        &farmer,
        &json!({"kind": "farm", "nameZh": "百陇茶场", "nameEn": "Bailong tea farm",
                "township": "加尤镇", "village": "百陇村"}),
    );
    assert_eq!(status, 201, "{farm}");
    assert_eq!(farm["identifier"], format!("{PUBLIC_URL}/loc/451027/1"));
    assert_eq!(farm["countyIssued"], true);
    assert_eq!(farm["org"], farmer_id);
    let (status, plot) = post(
        &http,
        &locations,
        &farmer,
        &json!({"kind": "plot", "nameZh": "2 号茶园", "parent": farm["id"], "areaMu": 3.5,
                "crop": "白毫茶", "township": "加尤镇", "village": "百陇村"}),
    );
    assert_eq!(status, 201, "{plot}");
    let plot_id = plot["identifier"].as_str().expect("identifier").to_owned();
    assert_eq!(plot_id, format!("{PUBLIC_URL}/loc/451027/2"));
    assert_eq!(plot["parent"], farm["id"]);
    assert_eq!(plot["areaMu"], 3.5);
    let plot_url = server.url(&format!("/api/locations/{}", plot["id"]));

    // The product gets the county prefix's first GTIN.
    let (status, product) = post(
        &http,
        &products,
        &farmer,
        &json!({"nameZh": "凌云白毫红茶 罐装", "nameEn": "Lingyun Baihao black tea, tin",
                "unit": "box", "category": "tea", "brand": "凌云白毫"}),
    );
    assert_eq!(status, 201, "{product}");
    let gtin = product["gtin"].as_str().expect("gtin").to_owned();
    let first = repository::master_data::county_gtin(COUNTY_PREFIX, 1).expect("a GTIN");
    assert_eq!(gtin, first.as_str());
    assert_eq!(product["countyGtin"], true);
    let product_url = server.url(&format!("/api/products/{}", product["id"]));

    // The farmer records a harvest at the plot for that product with its own token.
    let lot_class = format!("https://id.gs1.org/01/{gtin}/10/HC-2604-01");
    let (status, job) = capture(
        &http,
        &server.url("/epcis/capture"),
        &farmer,
        harvest(&lot_class, "HC-2604-01", &plot_id),
    );
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["success"], true, "{job}");

    // The lot appears, with its first event.
    let (status, lots) = get(&http, &format!("{product_url}/lots"), &farmer);
    assert_eq!(status, 200, "{lots}");
    let lot = &lots["lots"][0];
    assert_eq!(lots["lots"].as_array().map(Vec::len), Some(1), "{lots}");
    assert_eq!(lot["lot"], "HC-2604-01");
    assert_eq!(lot["id"], lot_class);
    assert_eq!(lot["events"], 1);
    assert_eq!(lot["firstEvent"]["location"], plot_id);
    assert_eq!(lot["firstEvent"]["quantity"], 40.5);
    assert_eq!(lot["firstEvent"]["uom"], "KGM");
    assert_eq!(lot["firstEvent"]["org"], farmer_id);
    assert_eq!(
        lot["firstEvent"]["bizStep"],
        "https://ref.gs1.org/cbv/BizStep-commissioning"
    );

    // The farmer may print the lot's labels (its own GTIN, though the prefix is the county's);
    // the neighbour may not.
    let label = json!({"format": "svg", "labels": [{
        "uri": format!("{PUBLIC_URL}/01/{gtin}/10/HC-2604-01"),
        "nameZh": "凌云白毫红茶", "nameEn": "Lingyun Baihao black tea",
    }]});
    let labels = server.url("/api/labels");
    let printed = http
        .post(&labels)
        .bearer_auth(&farmer)
        .header("Content-Type", "application/json")
        .body(label.to_string())
        .send()
        .expect("labels");
    assert_eq!(printed.status().as_u16(), 200);
    let (status, refused) = post(&http, &labels, &neighbour, &label);
    assert_eq!(status, 403, "{refused}");

    // Another producer, even of the same county, neither sees nor changes any of it...
    for url in [&plot_url, &product_url, &format!("{product_url}/lots")] {
        let (status, problem) = get(&http, url, &neighbour);
        assert_eq!(status, 404, "{url}: {problem}");
    }
    let (status, _) = patch(&http, &plot_url, &neighbour, &json!({"nameZh": "我的"}));
    assert_eq!(status, 404);
    let (status, _) = patch(&http, &product_url, &neighbour, &json!({"nameZh": "我的"}));
    assert_eq!(status, 404);
    let (_, theirs) = get(&http, &locations, &neighbour);
    assert!(ids(&theirs["locations"]).is_empty(), "{theirs}");
    let (_, theirs) = get(&http, &products, &neighbour);
    assert!(ids(&theirs["products"]).is_empty(), "{theirs}");
    // ...nor records at the farmer's plot, nor makes lots of the farmer's GTIN.
    let (status, refused) = capture(
        &http,
        &server.url("/epcis/capture"),
        &neighbour,
        json!({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting",
            "eventTime": "2026-04-08T10:00:00+08:00", "eventTimeZoneOffset": "+08:00",
            "quantityList": [{"epcClass": lot_class, "quantity": 1, "uom": "KGM"}],
            "bizLocation": {"id": plot_id},
        }),
    );
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        refused["pointer"], "/epcisBody/eventList/0/bizLocation/id",
        "{refused}"
    );
    let mut stolen = harvest(
        &format!("https://id.gs1.org/01/{gtin}/10/FAKE"),
        "FAKE",
        &plot_id,
    );
    if let Some(event) = stolen.as_object_mut() {
        event.remove("bizLocation");
    }
    let (status, refused) = capture(&http, &server.url("/epcis/capture"), &neighbour, stolen);
    assert_eq!(status, 403, "{refused}");
    assert_eq!(
        refused["pointer"], "/epcisBody/eventList/0/quantityList/0/epcClass",
        "{refused}"
    );

    // A wrong check digit is a 400 that points at the GLN, in the caller's language.
    let (status, problem) = post(
        &http,
        &locations,
        &farmer,
        &json!({"kind": "warehouse", "nameZh": "冷库", "gln": "6901234000017"}),
    );
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["pointer"], "/gln", "{problem}");
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("check digit")),
        "{problem}"
    );
    // A producer without a prefix cannot give a GTIN; a type error names its member.
    let (status, problem) = post(
        &http,
        &products,
        &farmer,
        &json!({"gtin": "6901234000016", "nameZh": "茶", "unit": "kg", "category": "tea"}),
    );
    assert_eq!(
        (status, &problem["pointer"]),
        (400, &json!("/gtin")),
        "{problem}"
    );
    let (status, problem) = post(
        &http,
        &locations,
        &farmer,
        &json!({"kind": "plot", "nameZh": "3 号茶园", "areaMu": "three"}),
    );
    assert_eq!(
        (status, &problem["pointer"]),
        (400, &json!("/areaMu")),
        "{problem}"
    );

    // The county office reads its county's master data and changes none; another county's
    // office sees none of it.
    let (status, listed) = get(&http, &locations, &office);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        ids(&listed["locations"]),
        [
            farm["id"].as_i64().expect("id"),
            plot["id"].as_i64().expect("id")
        ]
    );
    let (_, plots) = get(&http, &format!("{locations}?kind=plot"), &office);
    assert_eq!(ids(&plots["locations"]), [plot["id"].as_i64().expect("id")]);
    let (status, _) = get(&http, &plot_url, &office);
    assert_eq!(status, 200);
    let (status, listed) = get(&http, &products, &office);
    assert_eq!((status, ids(&listed["products"]).len()), (200, 1));
    let (status, _) = get(&http, &format!("{product_url}/lots"), &office);
    assert_eq!(status, 200);
    let (status, _) = patch(&http, &plot_url, &office, &json!({"nameZh": "改名"}));
    assert_eq!(status, 403);
    let (status, _) = post(
        &http,
        &locations,
        &office,
        &json!({"kind": "farm", "nameZh": "县里的场"}),
    );
    assert_eq!(status, 403);
    let (_, none) = get(&http, &locations, &far_office);
    assert!(ids(&none["locations"]).is_empty(), "{none}");
    let (_, all) = get(&http, &locations, &server.admin_token);
    assert_eq!(ids(&all["locations"]).len(), 2);

    // The farmer changes what may change (merge patch), and not what may not.
    let (status, changed) = patch(
        &http,
        &plot_url,
        &farmer,
        &json!({"nameEn": "Tea garden No. 2", "areaMu": null, "areaM2": 2333.5}),
    );
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["nameEn"], "Tea garden No. 2");
    assert_eq!(changed["areaMu"], Value::Null);
    assert_eq!(changed["areaM2"], 2333.5);
    assert_eq!(changed["identifier"], plot_id);
    let (status, problem) = patch(&http, &plot_url, &farmer, &json!({"kind": "farm"}));
    assert_eq!(
        (status, &problem["pointer"]),
        (400, &json!("/kind")),
        "{problem}"
    );
    let (status, changed) = patch(&http, &product_url, &farmer, &json!({"unit": "jin"}));
    assert_eq!(
        (status, &changed["unit"]),
        (200, &json!("jin")),
        "{changed}"
    );
    assert_eq!(changed["gtin"], gtin);

    // Concurrent registrations never share a GTIN: each is the next of the county prefix.
    let created: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|i| {
                let (http, products, farmer) = (&http, &products, &farmer);
                scope.spawn(move || {
                    let (status, product) = post(
                        http,
                        products,
                        farmer,
                        &json!({"nameZh": format!("茶 {i}"), "unit": "kg", "category": "tea"}),
                    );
                    assert_eq!(status, 201, "{product}");
                    product["gtin"].as_str().expect("gtin").to_owned()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("worker"))
            .collect()
    });
    let mut created = created;
    created.sort();
    let expected: Vec<String> = (2..=9)
        .map(|n| {
            repository::master_data::county_gtin(COUNTY_PREFIX, n)
                .expect("GTIN")
                .as_str()
                .to_owned()
        })
        .collect();
    assert_eq!(created, expected);
}

#[test]
fn a_county_prefix_held_by_an_organisation_is_refused_at_start() {
    let data = tempfile::tempdir().expect("tempdir");
    let data_arg = data.path().to_str().expect("utf-8");
    // The first start makes the data folder; then an organisation takes a prefix inside the
    // county's.
    drop(start(data.path(), &[]));
    retu(&[
        "org",
        "create",
        "--data",
        data_arg,
        "--name",
        "抢注者",
        "--prefix",
        "69099991",
    ]);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_retu"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--county-prefix",
            COUNTY_PREFIX,
            "--data",
            data_arg,
        ])
        .env_remove("RETU_DATABASE_URL")
        .output()
        .expect("serve");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("overlaps"), "{stderr}");
}
