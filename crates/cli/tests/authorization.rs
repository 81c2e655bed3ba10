//! The authorisation matrix (issue 8): every operation of the server's own `/openapi.json`, and
//! the pages people use, asked by every kind of caller of one real `retu serve` (SQLite, and
//! PostgreSQL when `RETU_TEST_DATABASE_URL` is set).
//!
//! The world: two counties, A (451027) and B (451028), each with a county office, its officer
//! and its token; two farms in A (farm1, farm2) and one in B (farm3), each with a producer and
//! a token; a processor in A; a specialist assigned to county A only; the admin (the data
//! folder's `admin.token` and a person of the admin organisation); and nobody. Farm1 has a plot,
//! a product, a harvest recorded with the phone form, a certificate, a private EPCIS event and
//! a shared one, a capture job and a recall of a throwaway lot; farm3 has a plot, a product
//! and a private event, so that "within their counties only" can be seen failing outside them.
//!
//! Every request of the matrix aims at farm1's (or farm3's) records with a valid body, so that
//! "allowed" means a 2xx (or a redirect that is not to the login page), and the expected class
//! of every other answer is 401, 403, 404 or the login page. Who gets what is a rule per
//! operation, written from `docs/accounts.md`, `docs/master-data.md`, `docs/forms.md`,
//! `docs/trace-recall-certificates.md`, `docs/labels.md`, `docs/county-dashboard.md` and the
//! handlers. Where the answer is a list that everybody may ask for, the test also checks that
//! farm1's private records appear in it exactly for the callers who may read them.
//!
//! The test fails when `/openapi.json` lists an operation the table has no row for, so that a
//! new endpoint cannot arrive without someone deciding who may call it; when a row names an
//! operation `/openapi.json` does not list; and when the description's `security` says an
//! operation is public and the table expects 401 from anonymous callers, or the other way round.
//! Every failing cell is listed before the test panics, and the whole matrix is printed
//! (`cargo test -p retu --test authorization -- --nocapture`).

// The matrix is printed on standard output for `--nocapture`: it is the test's report.
#![allow(clippy::print_stdout)]

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::{Value, json};

const COUNTY_A: &str = "451027";
const COUNTY_B: &str = "451028";
const PASSWORD: &str = "matrix-password-2026";
/// A place county A's office owns (`retu org create --location`), so that a form recorded for
/// the office can pass the capture's ownership rule and only the authorisation decides.
const OFFICE_A_PLACE: &str = "https://trace.lingyun.example/loc/451027/900";
const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

#[test]
fn every_caller_on_every_endpoint_on_sqlite() {
    matrix(&[]);
}

#[test]
fn every_caller_on_every_endpoint_on_postgres() {
    let Some(database) = common::TestDatabase::create() else {
        return;
    };
    matrix(&["--database-url", &database.url]);
}

// --- Callers ----------------------------------------------------------------------------------

/// The organisations of the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Org {
    Admin,
    CountyA,
    CountyB,
    Farm1,
    Farm2,
    Farm3,
    /// The specialists' team, a member organisation outside both counties.
    Team,
    Processor,
}

/// The role of the person logged in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Person {
    Admin,
    Officer,
    Specialist,
    Producer,
    Processor,
}

/// How a caller proves who it is.
enum Auth {
    Anonymous,
    Token(String),
    Session { cookie: String, csrf: String },
}

/// One caller: a column of the printed matrix.
struct Caller {
    /// The column's heading.
    name: &'static str,
    /// Its organisation; `None` for nobody.
    org: Option<Org>,
    /// The person logged in; `None` for a token or nobody.
    person: Option<Person>,
    auth: Auth,
}

impl Caller {
    fn anonymous(&self) -> bool {
        self.org.is_none()
    }

    fn session(&self) -> bool {
        self.person.is_some()
    }

    fn of(&self, orgs: &[Org]) -> bool {
        self.org.is_some_and(|org| orgs.contains(&org))
    }

    fn csrf(&self) -> Option<&str> {
        match &self.auth {
            Auth::Session { csrf, .. } => Some(csrf),
            _ => None,
        }
    }
}

// --- Expectations -----------------------------------------------------------------------------

/// The class of answer a cell expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 2xx, or a redirect that is not to the login page.
    Allowed,
    /// A redirect to `/login`: a page for people, asked by nobody or by a token.
    ToLogin,
    /// 401.
    Unauthenticated,
    /// 403.
    Forbidden,
    /// 404, where the API hides that the record exists.
    Hidden,
}

use Expect::{Allowed, Forbidden, Hidden, ToLogin, Unauthenticated};

impl Expect {
    fn letter(self) -> char {
        match self {
            Allowed => 'A',
            ToLogin => 'L',
            Unauthenticated => 'U',
            Forbidden => 'F',
            Hidden => 'H',
        }
    }

    fn admits(self, status: u16, location: &str) -> bool {
        let to_login =
            (300..400).contains(&status) && redirect_path(location).starts_with("/login");
        match self {
            Allowed => (200..300).contains(&status) || ((300..400).contains(&status) && !to_login),
            ToLogin => to_login,
            Unauthenticated => status == 401,
            Forbidden => status == 403,
            Hidden => status == 404,
        }
    }
}

/// The path of a redirect's `Location`, with any scheme and host removed.
fn redirect_path(location: &str) -> &str {
    match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => location,
    }
}

/// Who gets which class of answer from one operation.
type Rule = fn(&Caller) -> Expect;

/// Who must see a marker (farm1's private event, its plot's name…) in an allowed answer; every
/// other caller must not.
type Sees = fn(&Caller) -> bool;

/// Whoever may read farm1's records: farm1, the office of county A (its token and its
/// officer), specialists assigned to county A, the admin.
fn in_county_a(c: &Caller) -> bool {
    c.of(&[Org::Admin, Org::CountyA, Org::Farm1]) || c.person == Some(Person::Specialist)
}

/// Whoever may read farm3's records: the specialist is assigned to county A only.
fn in_county_b(c: &Caller) -> bool {
    c.of(&[Org::Admin, Org::CountyB, Org::Farm3])
}

/// Health, the log, vocabularies, the resolver, public certificates: everyone.
fn public(_: &Caller) -> Expect {
    Allowed
}

/// Anyone with a token or a session; the answer is filtered by what they may read.
fn authenticated(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else {
        Allowed
    }
}

/// An event of farm1 that is not shared: for anyone who may not read it, it does not exist.
fn event_of_farm1(c: &Caller) -> Expect {
    if in_county_a(c) { Allowed } else { Hidden }
}

fn event_of_farm3(c: &Caller) -> Expect {
    if in_county_b(c) { Allowed } else { Hidden }
}

/// Master data needs a caller; what the caller may not read does not exist.
fn master_read_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else {
        event_of_farm1(c)
    }
}

fn master_read_farm3(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else {
        event_of_farm3(c)
    }
}

/// Master data is changed by its owner and the admin; those who may only read it (the county
/// office, a specialist) are refused, everyone else finds nothing.
fn master_write_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::Farm1]) {
        Allowed
    } else if in_county_a(c) {
        Forbidden
    } else {
        Hidden
    }
}

fn master_write_farm3(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::Farm3]) {
        Allowed
    } else if in_county_b(c) {
        Forbidden
    } else {
        Hidden
    }
}

/// Acting as farm1 (capturing under its prefix, registering for it, issuing a certificate for
/// its harvest): farm1 itself and the admin, whoever logs in for them.
fn owner_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::Farm1]) {
        Allowed
    } else {
        Forbidden
    }
}

/// Registering a place or product for farm1 (`"org"` names it): farm1 itself, the admin, and
/// whoever may record for farm1 (its county's officer and the specialist assigned to it,
/// logged in), so that a farmer without a phone can be set up.
fn master_create_farm1(c: &Caller) -> Expect {
    match (owner_farm1(c), record_for_farm1(c)) {
        (Allowed, _) | (_, Allowed) => Allowed,
        (other, _) => other,
    }
}

/// A capture job is its organisation's and the admin's; for anyone else it does not exist.
fn capture_job_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::Farm1]) {
        Allowed
    } else {
        Hidden
    }
}

/// Recording for farm1 (`onBehalfOf`): a person only (a token names nobody), the admin, an
/// officer of county A, a specialist assigned to A; not farm1's own people, who record as
/// themselves (`Caller::may_record_for`).
fn record_for_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.session()
        && (c.person == Some(Person::Admin)
            || c.of(&[Org::CountyA])
            || c.person == Some(Person::Specialist))
    {
        Allowed
    } else {
        Forbidden
    }
}

fn record_for_farm3(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.session() && (c.person == Some(Person::Admin) || c.of(&[Org::CountyB])) {
        Allowed
    } else {
        Forbidden
    }
}

/// Labels of farm1's GTIN with farm1's certificate: farm1, its county office, the admin.
fn labels_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::CountyA, Org::Farm1]) {
        Allowed
    } else {
        Forbidden
    }
}

/// The staff of county A: the admin, county A's office (token and officer), specialists
/// assigned to A. They see the dashboard, invite into and disable people of county A's farms.
fn county_a_staff(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::CountyA]) || c.person == Some(Person::Specialist) {
        Allowed
    } else {
        Forbidden
    }
}

fn county_b_staff(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::CountyB]) {
        Allowed
    } else {
        Forbidden
    }
}

/// Inviting officers and disabling them: the admin only.
fn admin_only(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin]) {
        Allowed
    } else {
        Forbidden
    }
}

/// A recall itself is for the organisation that made it, the office of its county and the
/// admin; anyone else finds nothing. `docs/trace-recall-certificates.md` says "county offices",
/// but an office reads the events of its own county's organisations only (`docs/accounts.md`),
/// and a recall lists where farm1's lot went. (The server also answers county B's office: the
/// matrix reported it with issue 8.)
fn recall_of_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::CountyA, Org::Farm1]) {
        Allowed
    } else {
        Hidden
    }
}

/// Who may recall farm1's lot: farm1 (it recorded the lot), its county's office and the
/// admin. Another county's office may not put a permanent public recall notice on the goods
/// of a county it does not oversee (the matrix found that it could, before the recall asked).
fn recaller_farm1(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else if c.of(&[Org::Admin, Org::CountyA, Org::Farm1]) {
        Allowed
    } else {
        Forbidden
    }
}

/// Recording for county A's office: it is no farmer, so nobody records for it. Its officer
/// records as the office without `onBehalfOf`; a specialist assigned to county A must not act
/// as the county's office (the matrix found that they could, before `Caller::may_record_for`
/// asked whether the organisation is a member).
fn record_for_office_a(c: &Caller) -> Expect {
    if c.anonymous() {
        Unauthenticated
    } else {
        // Recording for someone is for farms, cooperatives and processors only: nobody, the
        // admin included, records as a county office (`Caller::may_record_for`).
        Forbidden
    }
}

/// A page for people: nobody and tokens are sent to the login page.
fn person_page(c: &Caller) -> Expect {
    if c.session() { Allowed } else { ToLogin }
}

/// `/work?for=farm1`: farm1's own people (their own page), and whoever may record for farm1.
fn work_for_farm1(c: &Caller) -> Expect {
    if !c.session() {
        ToLogin
    } else if c.of(&[Org::Farm1]) || record_for_farm1(c) == Allowed {
        Allowed
    } else {
        Forbidden
    }
}

fn work_for_farm3(c: &Caller) -> Expect {
    if !c.session() {
        ToLogin
    } else if c.of(&[Org::Farm3]) || record_for_farm3(c) == Allowed {
        Allowed
    } else {
        Forbidden
    }
}

/// `/work?for={office A}`: the office's own officer (their own page) and the admin.
fn work_for_office_a(c: &Caller) -> Expect {
    if !c.session() {
        ToLogin
    } else if c.of(&[Org::CountyA]) || record_for_office_a(c) == Allowed {
        Allowed
    } else {
        Forbidden
    }
}

/// The people page: officers, specialists and the admin.
fn people_page(c: &Caller) -> Expect {
    if !c.session() {
        ToLogin
    } else if matches!(
        c.person,
        Some(Person::Admin | Person::Officer | Person::Specialist)
    ) {
        Allowed
    } else {
        Forbidden
    }
}

/// The people page's forms aimed at county A's farm1: its staff, as people.
fn people_of_county_a(c: &Caller) -> Expect {
    if !c.session() {
        ToLogin
    } else {
        county_a_staff(c)
    }
}

// Who must see a marker in an allowed answer (and who must not).

fn sees_farm1_events(c: &Caller) -> bool {
    in_county_a(c)
}

fn sees_farm1_master(c: &Caller) -> bool {
    !c.anonymous() && in_county_a(c)
}

fn is_farmer1(c: &Caller) -> bool {
    c.session() && c.of(&[Org::Farm1])
}

fn nobody(_: &Caller) -> bool {
    false
}

fn sees_people_of_a(c: &Caller) -> bool {
    people_of_county_a(c) == Allowed
}

fn sees_work_of_farm1(c: &Caller) -> bool {
    work_for_farm1(c) == Allowed
}

// --- Cases ------------------------------------------------------------------------------------

/// A request body.
enum Payload {
    Empty,
    Json(Value),
    /// An EPCIS document, and whether it is shared (`Retu-Shared`).
    Epcis(String, bool),
    Form(Vec<(&'static str, String)>),
}

/// Makes a cell's body from a number unique to the cell (for form IDs, lots, GTINs).
type Make = Box<dyn Fn(u32) -> Payload>;

/// One row of the printed matrix: an operation, a concrete request aimed at farm1's (or
/// farm3's, or county A's office's) records, and who gets what.
struct Case {
    method: &'static str,
    /// The path as `/openapi.json` names it, or the page's path.
    template: &'static str,
    /// What the concrete request aims at.
    what: &'static str,
    /// Not in `/openapi.json`: an HTML page or a form post.
    page: bool,
    path: String,
    make: Make,
    rule: Rule,
    marker: Option<(String, Sees)>,
}

/// A row: `operation` is the method and the path as `/openapi.json` names it (or the page's
/// path), `what` says what the concrete `path` aims at.
fn case(operation: &'static str, what: &'static str, path: String, rule: Rule) -> Case {
    let (method, template) = operation.split_once(' ').expect("METHOD /path");
    Case {
        method,
        template,
        what,
        page: false,
        path,
        make: Box::new(|_| Payload::Empty),
        rule,
        marker: None,
    }
}

impl Case {
    fn body(mut self, make: impl Fn(u32) -> Payload + 'static) -> Case {
        self.make = Box::new(make);
        self
    }

    fn json(self, value: Value) -> Case {
        self.body(move |_| Payload::Json(value.clone()))
    }

    fn marker(mut self, marker: &str, sees: Sees) -> Case {
        self.marker = Some((marker.to_owned(), sees));
        self
    }

    fn page(mut self) -> Case {
        self.page = true;
        self
    }

    fn label(&self) -> String {
        if self.what.is_empty() {
            format!("{} {}", self.method, self.template)
        } else {
            format!("{} {} ({})", self.method, self.template, self.what)
        }
    }
}

/// Percent-encodes a path segment or query value.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A GS1 key with its check digit appended.
fn with_check(digits: &str) -> String {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let digit = u32::from(b - b'0');
            if i % 2 == 0 { digit * 3 } else { digit }
        })
        .sum();
    format!("{digits}{}", (10 - sum % 10) % 10)
}

fn lot_class(gtin: &str, lot: &str) -> String {
    format!("https://id.gs1.org/01/{gtin}/10/{lot}")
}

fn gln_link(gln: &str) -> String {
    format!("https://id.gs1.org/414/{gln}")
}

/// A form ID: a UUID made from a number.
fn form_id(n: u32) -> String {
    format!("a17e0000-0000-4000-8000-{n:012x}")
}

/// An EPCIS document of one event.
fn document(event: Value) -> String {
    json!({
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument", "schemaVersion": "2.0",
        "creationDate": "2026-04-10T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    })
    .to_string()
}

/// A harvest (commissioning) of `class` at `place`.
fn commissioning(class: &str, place: &str) -> Value {
    json!({
        "type": "ObjectEvent", "action": "ADD", "bizStep": "commissioning",
        "eventTime": "2026-04-01T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
        "epcList": [],
        "quantityList": [{"epcClass": class, "quantity": 10, "uom": "KGM"}],
        "bizLocation": {"id": place},
    })
}

/// What the world holds: identifiers of farm1's and farm3's records, and markers.
struct World {
    farm1: String,
    farm3: String,
    office_a: String,
    plot1: String,
    plot1_key: i64,
    plot1_name: String,
    plot1_gln: String,
    gtin1: String,
    product1_key: i64,
    product1_name: String,
    plot3: String,
    plot3_key: i64,
    gtin3: String,
    product3_key: i64,
    /// The phone form's harvest of lot H1 (shared, certified).
    harvest: String,
    /// Farm1's private inspection of lot H1.
    private: String,
    /// The item the private event names.
    private_sgtin: String,
    /// Farm1's shared commissioning, captured as a document.
    shared: String,
    capture_job: String,
    sscc: String,
    certificate: String,
    recall: String,
    recall_lot: String,
    /// Farm3's private commissioning.
    private3: String,
}

impl World {
    fn h1(&self) -> String {
        lot_class(&self.gtin1, "H1")
    }
}

/// The rows, in order: reads first, then writes, then the writes that change what others see
/// (recalls, disabling people). Every write uses fresh identifiers or throwaway targets, so no
/// cell changes the answer of a later one.
// A table reads best one row to a line; rustfmt would spread each row over six.
#[rustfmt::skip]
fn cases(w: &World) -> Vec<Case> {
    let h1 = w.h1();
    let h1_path = format!("/01/{}/10/H1", w.gtin1);
    let event = |id: &str| format!("/epcis/events/{}", enc(id));
    let mut rows = vec![
        case("GET /healthz", "", "/healthz".into(), public),
        case("GET /openapi.json", "", "/openapi.json".into(), public),
        case("GET /log/checkpoint", "", "/log/checkpoint".into(), public),
        case("GET /log/key", "", "/log/key".into(), public),
        case("GET /log/tile/{tile}", "entries", "/log/tile/entries/000.p/1".into(), public),
        case("GET /log/proof", "f1 private event", q("/log/proof?event=", &w.private), event_of_farm1),
        case("GET /log/proof", "f1 shared event", q("/log/proof?event=", &w.shared), public),
        case("GET /log/proof", "f1 certificate", q("/log/proof?certificate=", &w.certificate), public),
        case("GET /epcis/events", "lot H1", q("/epcis/events?MATCH_anyEPCClass=", &h1), public)
            .marker(&w.private, sees_farm1_events),
        case("GET /epcis/events/{eventID}", "f1 private", event(&w.private), event_of_farm1),
        case("GET /epcis/events/{eventID}", "f1 shared", event(&w.shared), public),
        case("GET /epcis/events/{eventID}", "f3 private", event(&w.private3), event_of_farm3),
        case("GET /epcis/epcs/{epc}/events", "f1 private item",
             format!("/epcis/epcs/{}/events", enc(&w.private_sgtin)), public)
            .marker(&w.private, sees_farm1_events),
        case("GET /epcis/capture/{captureID}", "f1 job",
             format!("/epcis/capture/{}", w.capture_job), capture_job_farm1),
        case("GET /epcis/eventTypes", "", "/epcis/eventTypes".into(), public),
        case("GET /epcis/bizSteps", "", "/epcis/bizSteps".into(), public),
        case("GET /epcis/dispositions", "", "/epcis/dispositions".into(), public),
        case("GET /epcis/readPoints", "f1 private GLN", "/epcis/readPoints".into(), public)
            .marker(&private_gln(), sees_farm1_events),
        case("GET /epcis/bizLocations", "", "/epcis/bizLocations".into(), public),
        case("GET /api/trace", "lot H1", q("/api/trace?id=", &h1), public)
            .marker(&w.private, sees_farm1_events),
        case("GET /api/exports/fsma204", "lot H1", q("/api/exports/fsma204?tlc=", &h1), authenticated)
            .marker(&private_gln(), sees_farm1_events),
        case("GET /api/recalls", "f1 lot R1", q("/api/recalls?id=", &w.recall_lot), public),
        case("GET /api/recalls/{recall}", "f1 recall", format!("/api/recalls/{}", w.recall),
             recall_of_farm1),
        case("GET /api/item", "lot H1", q("/api/item?id=", &h1_path), public)
            .marker(&w.private, nobody),
        case("GET /api/county", "county A", format!("/api/county?county={COUNTY_A}"), county_a_staff),
        case("GET /api/county", "county B", format!("/api/county?county={COUNTY_B}"), county_b_staff),
        case("GET /api/scans", "lot H1", q("/api/scans?code=", &h1_path), public),
        case("GET /api/scans/flags", "", "/api/scans/flags".into(), authenticated),
        case("GET /api/certificates/{number}", "f1", format!("/api/certificates/{}", w.certificate),
             public),
        case("GET /c/{number}", "f1", format!("/c/{}", w.certificate), public),
        case("GET /api/locations", "", "/api/locations".into(), authenticated)
            .marker(&w.plot1_name, sees_farm1_master),
        case("GET /api/locations/{locationId}", "f1 plot",
             format!("/api/locations/{}", w.plot1_key), master_read_farm1),
        case("GET /api/locations/{locationId}", "f3 plot",
             format!("/api/locations/{}", w.plot3_key), master_read_farm3),
        case("GET /api/products", "", "/api/products".into(), authenticated)
            .marker(&w.product1_name, sees_farm1_master),
        case("GET /api/products/{productId}", "f1 product",
             format!("/api/products/{}", w.product1_key), master_read_farm1),
        case("GET /api/products/{productId}/lots", "f1 product",
             format!("/api/products/{}/lots", w.product1_key), master_read_farm1),
        case("GET /01/{gtin}", "lot H1", h1_path.clone(), public),
        case("GET /00/{sscc}", "f1 case", format!("/00/{}", w.sscc), public),
        case("GET /414/{gln}", "f1 plot", format!("/414/{}", w.plot1_gln), public),
        case("GET /.well-known/gs1resolver", "", "/.well-known/gs1resolver".into(), public),
        // The pages people use (not in /openapi.json).
        case("GET /me", "", "/me".into(), person_page).page(),
        case("GET /work", "own", "/work".into(), person_page)
            .marker(&w.plot1_name, is_farmer1).page(),
        case("GET /work?for={org}", "f1", format!("/work?for={}", w.farm1), work_for_farm1)
            .marker(&w.plot1_name, sees_work_of_farm1).page(),
        case("GET /work?for={org}", "f3", format!("/work?for={}", w.farm3), work_for_farm3).page(),
        case("GET /work?for={org}", "office A", format!("/work?for={}", w.office_a),
             work_for_office_a).page(),
        case("GET /work/setup", "own", "/work/setup".into(), person_page)
            .marker(&w.plot1_name, is_farmer1).page(),
        case("GET /work/setup?for={org}", "f1", format!("/work/setup?for={}", w.farm1), work_for_farm1)
            .marker(&w.plot1_name, sees_work_of_farm1).page(),
        case("GET /work/setup?for={org}", "f3", format!("/work/setup?for={}", w.farm3), work_for_farm3)
            .page(),
        case("GET /work/certificate", "f1 lot H1",
             format!("/work/certificate?event={}&gtin={}&lot=H1&quantity=20&unit=kg&place={}",
                     enc(&w.harvest), w.gtin1, enc(&w.plot1)), person_page)
            .marker(&w.product1_name, is_farmer1).page(),
        case("GET /county", "county A", format!("/county?county={COUNTY_A}"), county_a_staff).page(),
        case("GET /people", "", "/people".into(), people_page)
            .marker("farmer1", sees_people_of_a).page(),
        case("GET /item/{path}", "lot H1", format!("/item{h1_path}"), public)
            .marker(&w.private, nobody).page(),
    ];

    // Writes aimed at farm1 (and farm3, and county A's office), each with fresh identifiers.
    let capture = |prefix: &'static str| {
        let (gtin, plot) = (w.gtin1.clone(), w.plot1.clone());
        move |n: u32| {
            let lot = lot_class(&gtin, &format!("{prefix}{n}"));
            Payload::Epcis(document(commissioning(&lot, &plot)), false)
        }
    };
    let inspection_for_office = {
        let (office, gtin) = (w.office_a.clone(), w.gtin1.clone());
        move |n: u32| Payload::Json(json!({
            "id": form_id(n), "form": "inspect", "time": "2026-04-03T08:00:00+08:00",
            "place": OFFICE_A_PLACE, "onBehalfOf": office,
            "lot": {"gtin": gtin, "lot": "H1", "quantity": "1", "unit": "kg"},
            "test": "农药残留速测", "result": "pass",
        }))
    };
    let certificate =
        serde_json::to_value(common::certificate_draft(&w.product1_name, &w.harvest, &h1))
            .expect("certificate draft");
    let new_location = {
        let farm1 = w.farm1.clone();
        move |n: u32| Payload::Json(json!({"kind": "farm", "nameZh": format!("矩阵农场 {n}"),
                                           "org": farm1}))
    };
    let new_product = {
        let farm1 = w.farm1.clone();
        move |n: u32| Payload::Json(json!({
            "gtin": with_check(&format!("6901234{:05}", 20_000 + n)),
            "nameZh": format!("矩阵产品 {n}"), "unit": "kg", "category": "tea", "org": farm1,
        }))
    };
    let rename = |n: u32| Payload::Json(json!({"nameEn": format!("edit {n}")}));
    let invite = |org: &str, role: &str| json!({"orgId": org, "role": role, "expiresInDays": 7});
    let disable = |login: &str| json!({"login": login, "disabled": true});
    let form = |fields: &[(&'static str, &str)]| {
        let fields: Vec<(&'static str, String)> =
            fields.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        move |_: u32| Payload::Form(fields.clone())
    };
    let labels = json!({"format": "svg", "labels": [{"uri": h1, "nameZh": "白毫茶",
                        "nameEn": "Baihao tea", "certificate": w.certificate}]});
    let location_1 = format!("/api/locations/{}", w.plot1_key);
    let product_1 = format!("/api/products/{}", w.product1_key);
    let product_3 = format!("/api/products/{}", w.product3_key);
    rows.extend([
        case("POST /epcis/capture", "f1 lot", "/epcis/capture".into(), owner_farm1)
            .body(capture("CAP")),
        case("POST /epcis/events", "f1 lot", "/epcis/events".into(), owner_farm1)
            .body(capture("EVT")),
        case("POST /api/forms", "harvest at f1's plot", "/api/forms".into(), owner_farm1)
            .body(harvest(&w.plot1, &w.gtin1, None)),
        case("POST /api/forms", "onBehalfOf f1", "/api/forms".into(), record_for_farm1)
            .body(harvest(&w.plot1, &w.gtin1, Some(&w.farm1))),
        case("POST /api/forms", "onBehalfOf f3", "/api/forms".into(), record_for_farm3)
            .body(harvest(&w.plot3, &w.gtin3, Some(&w.farm3))),
        case("POST /api/forms", "onBehalfOf office A", "/api/forms".into(), record_for_office_a)
            .body(inspection_for_office),
        case("POST /api/certificates", "f1 harvest", "/api/certificates".into(), owner_farm1)
            .json(certificate),
        case("POST /api/labels", "f1 lot, f1 certificate", "/api/labels".into(), labels_farm1)
            .json(labels),
        case("POST /api/locations", "for f1", "/api/locations".into(), master_create_farm1)
            .body(new_location),
        case("PATCH /api/locations/{locationId}", "f1 plot", location_1, master_write_farm1)
            .body(rename),
        case("POST /api/products", "for f1", "/api/products".into(), master_create_farm1)
            .body(new_product),
        case("PATCH /api/products/{productId}", "f1 product", product_1, master_write_farm1)
            .body(rename),
        case("PATCH /api/products/{productId}", "f3 product", product_3, master_write_farm3)
            .body(rename),
        case("POST /api/scans", "lot H1", "/api/scans".into(), public)
            .json(json!({"code": h1_path, "timeZone": "Asia/Shanghai"})),
        case("POST /api/invitations", "producer, f1", "/api/invitations".into(), county_a_staff)
            .json(invite(&w.farm1, "producer")),
        case("POST /api/invitations", "producer, f3", "/api/invitations".into(), county_b_staff)
            .json(invite(&w.farm3, "producer")),
        case("POST /api/invitations", "officer, office A", "/api/invitations".into(), admin_only)
            .json(invite(&w.office_a, "officer")),
        case("POST /people/invite", "producer, f1", "/people/invite".into(), people_of_county_a)
            .body(form(&[("org", &w.farm1), ("org_name", ""), ("county", ""),
                         ("role", "producer"), ("days", "7")]))
            .page(),
        // Everyone changes their own password to the same one: the session that changes it
        // stays, and nobody else is logged in as them.
        case("POST /me/password", "own", "/me/password".into(), person_page)
            .body(form(&[("current_password", PASSWORD), ("new_password", PASSWORD),
                         ("new_password_again", PASSWORD)]))
            .page(),
        // The cells that change what others see come last: recalls of a throwaway lot no other
        // cell reads, and disabling spare people nobody logs in as.
        case("POST /api/recalls", "f1 lot R1", "/api/recalls".into(), recaller_farm1)
            .json(json!({"id": w.recall_lot, "reason": "权限矩阵测试"})),
        case("POST /api/users/disabled", "f1's spare", "/api/users/disabled".into(), county_a_staff)
            .json(disable("spare1")),
        case("POST /api/users/disabled", "f3's spare", "/api/users/disabled".into(), county_b_staff)
            .json(disable("spare3")),
        case("POST /api/users/disabled", "office A's spare", "/api/users/disabled".into(), admin_only)
            .json(disable("spare.officer")),
        case("POST /people/disabled", "f1's spare", "/people/disabled".into(), people_of_county_a)
            .body(form(&[("login", "spare1"), ("disabled", "true")]))
            .page(),
    ]);
    rows
}

/// `path` followed by `value`, percent-encoded.
fn q(path: &str, value: &str) -> String {
    format!("{path}{}", enc(value))
}

/// A harvest form at `place` of a lot of `gtin`, for `on_behalf_of` when given.
fn harvest(
    place: &str,
    gtin: &str,
    on_behalf_of: Option<&str>,
) -> impl Fn(u32) -> Payload + 'static {
    let (place, gtin, org) = (
        place.to_owned(),
        gtin.to_owned(),
        on_behalf_of.map(str::to_owned),
    );
    move |n: u32| {
        let mut form = json!({
            "id": form_id(n), "form": "harvest", "time": "2026-04-02T08:00:00+08:00",
            "place": place,
            "output": {"gtin": gtin, "lot": format!("F{n}"), "quantity": "5", "unit": "kg"},
        });
        if let Some(org) = &org {
            form["onBehalfOf"] = json!(org);
        }
        Payload::Json(form)
    }
}

/// The private event's read point: a GLN of farm1 that no other record names.
fn private_gln() -> String {
    with_check("690123400099")
}

// --- Requests ---------------------------------------------------------------------------------

/// What the server answered.
struct Answer {
    status: u16,
    location: String,
    body: String,
}

/// Sends one request as `auth`, with `csrf` in `X-CSRF-Token` when given; a request that gets
/// no answer at all is status 0, which no expectation admits.
fn send(
    http: &Client,
    base: &str,
    auth: &Auth,
    csrf: Option<&str>,
    method: &str,
    path: &str,
    payload: &Payload,
) -> Answer {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = http
        .request(method, format!("{base}{path}"))
        .header("Accept-Language", "en");
    match auth {
        Auth::Anonymous => {}
        Auth::Token(token) => request = request.bearer_auth(token),
        Auth::Session { cookie, .. } => request = request.header("Cookie", cookie),
    }
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    request = match payload {
        Payload::Empty => request,
        Payload::Json(value) => request
            .header("Content-Type", "application/json")
            .body(value.to_string()),
        Payload::Epcis(text, shared) => request
            .header("Content-Type", "application/ld+json")
            .header("Retu-Shared", if *shared { "true" } else { "false" })
            .body(text.clone()),
        Payload::Form(fields) => request
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(
                fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            ),
    };
    match request.send() {
        Ok(response) => {
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            Answer {
                status,
                location,
                body: response.text().unwrap_or_default(),
            }
        }
        Err(error) => Answer {
            status: 0,
            location: String::new(),
            body: format!("no answer: {error}"),
        },
    }
}

/// At most the first 200 bytes of `text`, cut at a character boundary.
fn head(text: &str) -> &str {
    let mut end = text.len().min(200);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A setup request with a bearer token that must succeed; answers its JSON and `Location`.
fn must(
    http: &Client,
    base: &str,
    token: &str,
    method: &str,
    path: &str,
    payload: &Payload,
) -> (Value, String) {
    let answer = send(
        http,
        base,
        &Auth::Token(token.to_owned()),
        None,
        method,
        path,
        payload,
    );
    assert!(
        (200..300).contains(&answer.status),
        "setup: {method} {path}: {} {}",
        answer.status,
        answer.body
    );
    (
        serde_json::from_str(&answer.body).unwrap_or(Value::Null),
        answer.location,
    )
}

// --- Setting up the world ---------------------------------------------------------------------

fn org_create(
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
    common::retu(&args).trim().to_owned()
}

fn token_create(data: &str, extra: &[&str], org: &str) -> String {
    let mut args = vec!["token", "create", "--data", data, "--org", org];
    args.extend_from_slice(extra);
    common::retu(&args).trim().to_owned()
}

/// `retu user create` with the password on standard input.
fn user_create(
    data: &str,
    extra: &[&str],
    org: &str,
    login: &str,
    role: &str,
    county: Option<&str>,
) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_retu"))
        .args(["user", "create", "--data", data, "--password-stdin"])
        .args([
            "--org", org, "--login", login, "--name", login, "--role", role,
        ])
        .args(county.map(|c| vec!["--county", c]).unwrap_or_default())
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
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .expect("password");
    let output = child.wait_with_output().expect("wait");
    assert!(
        output.status.success(),
        "retu user create {login}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Logs in with the form; answers the session cookie and the CSRF token of `/me`.
fn log_in(http: &Client, base: &str, login: &str) -> Auth {
    let response = http
        .post(format!("{base}/login"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("login={}&password={}", enc(login), enc(PASSWORD)))
        .send()
        .expect("login");
    assert_eq!(response.status(), 303, "logging in as {login}");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("retu_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let html = http
        .get(format!("{base}/me"))
        .header("Cookie", &cookie)
        .send()
        .expect("me")
        .text()
        .expect("html");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf field on /me")
        .to_owned();
    Auth::Session { cookie, csrf }
}

/// Creates the organisations, tokens, people and farm1's and farm3's records; answers the world
/// and the callers, anonymous first.
fn set_up(server: &common::Server, extra: &[&str], http: &Client) -> (World, Vec<Caller>) {
    let data = server.data.to_str().expect("utf-8 path").to_owned();
    let data = data.as_str();
    let base = server.base.as_str();
    let office_a = org_create(
        data,
        extra,
        "凌云县电商办",
        "county",
        COUNTY_A,
        &["--location", OFFICE_A_PLACE],
    );
    let office_b = org_create(data, extra, "乐业县电商办", "county", COUNTY_B, &[]);
    let team = org_create(data, extra, "科技特派员服务队", "member", "百色市", &[]);
    let farm1 = org_create(
        data,
        extra,
        "甲农场",
        "member",
        COUNTY_A,
        &["--prefix", "6901234"],
    );
    let farm2 = org_create(
        data,
        extra,
        "乙农场",
        "member",
        COUNTY_A,
        &["--prefix", "6905555"],
    );
    let farm3 = org_create(
        data,
        extra,
        "丙农场",
        "member",
        COUNTY_B,
        &["--prefix", "6909876"],
    );
    let processor = org_create(
        data,
        extra,
        "凌云茶厂",
        "member",
        COUNTY_A,
        &["--prefix", "6907777"],
    );
    let token_a = token_create(data, extra, &office_a);
    let token_b = token_create(data, extra, &office_b);
    let token1 = token_create(data, extra, &farm1);
    let token2 = token_create(data, extra, &farm2);
    let token3 = token_create(data, extra, &farm3);
    // The admin organisation is made on the server's first start, with this public ID.
    for (org, login, role, county) in [
        ("org-admin", "root", "admin", None),
        (office_a.as_str(), "officer.a", "officer", None),
        (office_b.as_str(), "officer.b", "officer", None),
        (team.as_str(), "specialist.a", "specialist", Some(COUNTY_A)),
        (farm1.as_str(), "farmer1", "producer", None),
        (farm2.as_str(), "farmer2", "producer", None),
        (farm3.as_str(), "farmer3", "producer", None),
        (processor.as_str(), "processor1", "processor", None),
        // Targets of the disabling cells, so that nobody the matrix logs in as is disabled.
        (farm1.as_str(), "spare1", "producer", None),
        (farm3.as_str(), "spare3", "producer", None),
        (office_a.as_str(), "spare.officer", "officer", None),
    ] {
        user_create(data, extra, org, login, role, county);
    }

    // Farm1: a plot, a product, a harvest by phone form, its certificate, a private inspection
    // of the harvested lot, a shared commissioning captured as a document, and a recalled lot.
    let plot1_gln = with_check("690123400001");
    let plot1_name = "甲一号茶园".to_owned();
    let (plot, _) = must(
        http,
        base,
        &token1,
        "POST",
        "/api/locations",
        &Payload::Json(
            json!({"kind": "plot", "nameZh": plot1_name, "gln": plot1_gln,
                               "areaMu": 2.5, "crop": "白毫茶"}),
        ),
    );
    let product1_name = "甲农场白毫茶".to_owned();
    let (product, _) = must(
        http,
        base,
        &token1,
        "POST",
        "/api/products",
        &Payload::Json(
            json!({"gtin": with_check("690123411111"), "nameZh": product1_name,
                               "nameEn": "Farm one tea", "unit": "kg", "category": "tea"}),
        ),
    );
    let plot1 = plot["identifier"].as_str().expect("identifier").to_owned();
    let gtin1 = product["gtin"].as_str().expect("gtin").to_owned();
    let h1 = lot_class(&gtin1, "H1");
    let (receipt, _) = must(
        http,
        base,
        &token1,
        "POST",
        "/api/forms",
        &Payload::Json(json!({
            "id": "a17e0000-0000-4000-8000-ffff00000001", "form": "harvest",
            "time": "2026-04-01T08:00:00+08:00", "place": plot1,
            "output": {"gtin": gtin1, "lot": "H1", "quantity": "20", "unit": "kg"},
        })),
    );
    let harvest = receipt["eventID"].as_str().expect("event id").to_owned();
    let draft = serde_json::to_value(common::certificate_draft(&product1_name, &harvest, &h1))
        .expect("draft");
    let (issued, _) = must(
        http,
        base,
        &token1,
        "POST",
        "/api/certificates",
        &Payload::Json(draft),
    );
    let certificate = issued["number"].as_str().expect("number").to_owned();
    let private = "urn:uuid:a17e0000-0000-4000-8000-ffff00000002".to_owned();
    let private_sgtin = format!("https://id.gs1.org/01/{gtin1}/21/P-1");
    must(
        http,
        base,
        &token1,
        "POST",
        "/epcis/events",
        &Payload::Epcis(
            document(json!({
                "type": "ObjectEvent", "eventID": private, "action": "OBSERVE",
                "bizStep": "shipping",
                "eventTime": "2026-04-02T09:00:00+08:00", "eventTimeZoneOffset": "+08:00",
                "epcList": [private_sgtin],
                "quantityList": [{"epcClass": h1, "quantity": 1, "uom": "KGM"}],
                "readPoint": {"id": gln_link(&private_gln())},
                "bizLocation": {"id": plot1},
            })),
            false,
        ),
    );
    let sscc = with_check("06901234000000001");
    let shared = "urn:uuid:a17e0000-0000-4000-8000-ffff00000003".to_owned();
    let mut shared_event = commissioning(&lot_class(&gtin1, "S1"), &plot1);
    shared_event["eventID"] = json!(shared);
    shared_event["epcList"] = json!([
        format!("https://id.gs1.org/00/{sscc}"),
        gln_link(&plot1_gln)
    ]);
    let answer = send(
        http,
        base,
        &Auth::Token(token1.clone()),
        None,
        "POST",
        "/epcis/capture",
        &Payload::Epcis(document(shared_event), true),
    );
    assert_eq!(answer.status, 202, "{}", answer.body);
    let capture_job = answer.location.rsplit('/').next().expect("job").to_owned();
    let recall_lot = lot_class(&gtin1, "R1");
    let mut recalled = commissioning(&recall_lot, &plot1);
    recalled["eventID"] = json!("urn:uuid:a17e0000-0000-4000-8000-ffff00000004");
    must(
        http,
        base,
        &token1,
        "POST",
        "/epcis/events",
        &Payload::Epcis(document(recalled), true),
    );
    let (recall, _) = must(
        http,
        base,
        &token1,
        "POST",
        "/api/recalls",
        &Payload::Json(json!({"id": recall_lot, "reason": "试验召回"})),
    );
    let recall = recall["recallId"].as_str().expect("recall id").to_owned();

    // Farm2: master data of its own, so that its lists are not empty.
    must(
        http,
        base,
        &token2,
        "POST",
        "/api/locations",
        &Payload::Json(json!({"kind": "plot", "nameZh": "乙二号茶园",
                               "gln": with_check("690555500001")})),
    );
    must(
        http,
        base,
        &token2,
        "POST",
        "/api/products",
        &Payload::Json(
            json!({"gtin": with_check("690555511111"), "nameZh": "乙农场绿茶",
                               "unit": "kg", "category": "tea"}),
        ),
    );

    // Farm3, in county B: a plot, a product and a private commissioning.
    let (plot3, _) = must(
        http,
        base,
        &token3,
        "POST",
        "/api/locations",
        &Payload::Json(json!({"kind": "plot", "nameZh": "丙三号果园",
                               "gln": with_check("690987600001")})),
    );
    let (product3, _) = must(
        http,
        base,
        &token3,
        "POST",
        "/api/products",
        &Payload::Json(
            json!({"gtin": with_check("690987611111"), "nameZh": "丙农场猕猴桃",
                               "unit": "kg", "category": "fruit"}),
        ),
    );
    let plot3_id = plot3["identifier"].as_str().expect("identifier").to_owned();
    let gtin3 = product3["gtin"].as_str().expect("gtin").to_owned();
    let private3 = "urn:uuid:a17e0000-0000-4000-8000-ffff00000005".to_owned();
    let mut farm3_event = commissioning(&lot_class(&gtin3, "PRIV3"), &plot3_id);
    farm3_event["eventID"] = json!(private3);
    must(
        http,
        base,
        &token3,
        "POST",
        "/epcis/events",
        &Payload::Epcis(document(farm3_event), false),
    );

    // Proofs need the entries in a checkpoint: wait until the last one (the recall) is.
    common::eventually(30, || {
        let answer = send(
            http,
            base,
            &Auth::Anonymous,
            None,
            "GET",
            &format!("/log/proof?recall={recall}"),
            &Payload::Empty,
        );
        (answer.status == 200).then_some(())
    });

    let world = World {
        farm1,
        farm3,
        office_a,
        plot1,
        plot1_key: plot["id"].as_i64().expect("id"),
        plot1_name,
        plot1_gln,
        gtin1,
        product1_key: product["id"].as_i64().expect("id"),
        product1_name,
        plot3: plot3_id,
        plot3_key: plot3["id"].as_i64().expect("id"),
        gtin3,
        product3_key: product3["id"].as_i64().expect("id"),
        harvest,
        private,
        private_sgtin,
        shared,
        capture_job,
        sscc,
        certificate,
        recall,
        recall_lot,
        private3,
    };

    let token = |name, org, token: &str| Caller {
        name,
        org: Some(org),
        person: None,
        auth: Auth::Token(token.to_owned()),
    };
    let session = |name, org, person, login| Caller {
        name,
        org: Some(org),
        person: Some(person),
        auth: log_in(http, base, login),
    };
    let callers = vec![
        Caller {
            name: "anon",
            org: None,
            person: None,
            auth: Auth::Anonymous,
        },
        token("t.adm", Org::Admin, &server.admin_token),
        token("t.cA", Org::CountyA, &token_a),
        token("t.cB", Org::CountyB, &token_b),
        token("t.f1", Org::Farm1, &token1),
        token("t.f2", Org::Farm2, &token2),
        token("t.f3", Org::Farm3, &token3),
        session("s.adm", Org::Admin, Person::Admin, "root"),
        session("s.ofA", Org::CountyA, Person::Officer, "officer.a"),
        session("s.ofB", Org::CountyB, Person::Officer, "officer.b"),
        session("s.spA", Org::Team, Person::Specialist, "specialist.a"),
        session("s.f1", Org::Farm1, Person::Producer, "farmer1"),
        session("s.f2", Org::Farm2, Person::Producer, "farmer2"),
        session("s.f3", Org::Farm3, Person::Producer, "farmer3"),
        session("s.prc", Org::Processor, Person::Processor, "processor1"),
    ];
    (world, callers)
}

// --- The matrix -------------------------------------------------------------------------------

/// One failing cell, or one failing check outside the matrix.
struct Failure {
    caller: String,
    method: String,
    path: String,
    expected: String,
    got: String,
    body: String,
}

fn matrix(extra: &[&str]) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["--rate-limit", "0"];
    args.extend_from_slice(extra);
    let server = common::start(dir.path(), &args);
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let (world, callers) = set_up(&server, extra, &http);
    let set_up_in = started.elapsed();
    let cases = cases(&world);
    let mut failures: Vec<Failure> = Vec::new();

    let description: Value = http
        .get(server.url("/openapi.json"))
        .send()
        .expect("openapi")
        .json()
        .expect("openapi json");
    let operations = described_operations(&description);
    check_description(&operations, &cases, &callers[0], &mut failures);

    let asking = Instant::now();
    let cells = ask(&http, &server.base, &cases, &callers, &mut failures);
    let others = other_checks(&http, &server.base, &world, &callers, &mut failures);
    let asked_in = asking.elapsed();

    let backend = if extra.is_empty() {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    let mut report = format!(
        "\nAuthorisation matrix on {backend}: {} operations of /openapi.json, {} rows ({} of \
         them pages), {} callers, {} cells; set up in {:.1} s, asked in {:.1} s\n",
        operations.len(),
        cases.len(),
        cases.iter().filter(|c| c.page).count(),
        callers.len(),
        cases.len() * callers.len(),
        set_up_in.as_secs_f64(),
        asked_in.as_secs_f64()
    );
    report.push_str(&table(&cases, &callers, &cells));
    report.push_str("Outside the matrix:\n");
    for line in &others {
        let _ = writeln!(report, "  {line}");
    }
    println!("{report}");

    if !failures.is_empty() {
        let mut text = format!("{} failing cells or checks:\n", failures.len());
        for f in &failures {
            let _ = writeln!(
                text,
                "- {} {} {}: expected {}, got {}\n    {}",
                f.caller, f.method, f.path, f.expected, f.got, f.body
            );
        }
        panic!("{text}");
    }
}

/// Every operation of the server's own description has a row, every row that is not a page
/// is an operation of the description, and the description's `security` agrees with what the
/// rows expect of anonymous callers.
fn check_description(
    operations: &[(String, String, bool)],
    cases: &[Case],
    anonymous: &Caller,
    failures: &mut Vec<Failure>,
) {
    for (method, path, anyone) in operations {
        let rows: Vec<&Case> = cases
            .iter()
            .filter(|c| c.method == method && c.template == path)
            .collect();
        if rows.is_empty() {
            failures.push(Failure {
                caller: "-".into(),
                method: method.clone(),
                path: path.clone(),
                expected: "a row in the matrix's table".into(),
                got: "none: decide who may call this operation and add it to cases()".into(),
                body: String::new(),
            });
        }
        for row in rows {
            let expected = (row.rule)(anonymous);
            if (expected == Unauthenticated) == *anyone {
                let security = if *anyone {
                    "anyone may call it"
                } else {
                    "a token or a session is needed"
                };
                failures.push(Failure {
                    caller: anonymous.name.into(),
                    method: method.clone(),
                    path: format!("{} ({})", row.template, row.what),
                    expected: format!("what /openapi.json's security says: {security}"),
                    got: format!("the table expects {expected:?} for anonymous callers"),
                    body: String::new(),
                });
            }
        }
    }
    let described: BTreeSet<(&str, &str)> = operations
        .iter()
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    for row in cases.iter().filter(|c| !c.page) {
        if !described.contains(&(row.method, row.template)) {
            failures.push(Failure {
                caller: "-".into(),
                method: row.method.into(),
                path: row.template.into(),
                expected: "an operation of /openapi.json".into(),
                got: "not described: mark the row as a page or fix its template".into(),
                body: String::new(),
            });
        }
    }
}

/// Asks every cell; answers each row's cells as printed (the expected class's letter, the
/// status, `!` when it fails) and adds the failing ones to `failures`.
fn ask(
    http: &Client,
    base: &str,
    cases: &[Case],
    callers: &[Caller],
    failures: &mut Vec<Failure>,
) -> Vec<Vec<String>> {
    let mut cells = Vec::with_capacity(cases.len());
    let mut serial = 0u32;
    for case in cases {
        let mut row = Vec::with_capacity(callers.len());
        for caller in callers {
            serial += 1;
            let payload = (case.make)(serial);
            // Sessions send their CSRF token with every write, so that the matrix tests who
            // may write rather than the CSRF check, which is tested on its own.
            let csrf = if case.method == "GET" {
                None
            } else {
                caller.csrf()
            };
            let answer = send(
                http,
                base,
                &caller.auth,
                csrf,
                case.method,
                &case.path,
                &payload,
            );
            let expected = (case.rule)(caller);
            let mut problem = None;
            let mut expectation = format!("{expected:?}");
            if !expected.admits(answer.status, &answer.location) {
                problem = Some(format!("{} {}", answer.status, answer.location));
            } else if let Some((marker, sees)) = &case.marker
                && (200..300).contains(&answer.status)
            {
                let shown = answer.body.contains(marker.as_str());
                let _ = write!(
                    expectation,
                    ", {} {marker}",
                    if sees(caller) {
                        "showing"
                    } else {
                        "not showing"
                    }
                );
                if shown != sees(caller) {
                    problem = Some(format!(
                        "{} but the answer {} {marker}",
                        answer.status,
                        if shown { "shows" } else { "lacks" }
                    ));
                }
            }
            let mark = if problem.is_some() { "!" } else { "" };
            row.push(format!("{}{}{mark}", expected.letter(), answer.status));
            if let Some(got) = problem {
                failures.push(Failure {
                    caller: caller.name.into(),
                    method: case.method.into(),
                    path: format!("{} [{}]", case.path, case.label()),
                    expected: expectation,
                    got,
                    body: head(&answer.body).to_owned(),
                });
            }
        }
        cells.push(row);
    }
    cells
}

/// A check outside the matrix.
struct Check {
    who: &'static str,
    auth: Auth,
    csrf: Option<String>,
    method: &'static str,
    path: String,
    payload: Payload,
    expected: Expect,
}

/// CSRF and stale credentials: a session's write without its CSRF token, or with another
/// session's, is refused; an unknown token is refused; an unknown cookie is nobody. Answers a
/// line per check for the report.
fn other_checks(
    http: &Client,
    base: &str,
    world: &World,
    callers: &[Caller],
    failures: &mut Vec<Failure>,
) -> Vec<String> {
    let find = |name: &str| {
        callers
            .iter()
            .find(|c| c.name == name)
            .expect("a caller of that name")
    };
    let (farmer1, officer) = (find("s.f1"), find("s.ofA"));
    let stale = || Auth::Session {
        cookie: "retu_session=not-a-session".into(),
        csrf: String::new(),
    };
    let checks = [
        Check {
            who: "s.f1 without CSRF",
            auth: clone_auth(&farmer1.auth),
            csrf: None,
            method: "POST",
            path: "/api/locations".into(),
            payload: Payload::Json(json!({"kind": "farm", "nameZh": "没有令牌的农场"})),
            expected: Forbidden,
        },
        Check {
            who: "s.f1 with s.ofA's CSRF",
            auth: clone_auth(&farmer1.auth),
            csrf: officer.csrf().map(str::to_owned),
            method: "POST",
            path: "/api/locations".into(),
            payload: Payload::Json(json!({"kind": "farm", "nameZh": "别人令牌的农场"})),
            expected: Forbidden,
        },
        Check {
            who: "s.ofA without CSRF",
            auth: clone_auth(&officer.auth),
            csrf: None,
            method: "POST",
            path: "/api/forms".into(),
            payload: harvest(&world.plot1, &world.gtin1, Some(&world.farm1))(u32::MAX),
            expected: Forbidden,
        },
        Check {
            who: "unknown token",
            auth: Auth::Token("not-a-token".into()),
            csrf: None,
            method: "GET",
            path: "/epcis/events".into(),
            payload: Payload::Empty,
            expected: Unauthenticated,
        },
        Check {
            who: "unknown cookie",
            auth: stale(),
            csrf: None,
            method: "GET",
            path: format!("/epcis/events/{}", enc(&world.private)),
            payload: Payload::Empty,
            expected: Hidden,
        },
        Check {
            who: "unknown cookie",
            auth: stale(),
            csrf: None,
            method: "GET",
            path: "/me".into(),
            payload: Payload::Empty,
            expected: ToLogin,
        },
    ];
    let mut lines = Vec::new();
    for check in checks {
        let answer = send(
            http,
            base,
            &check.auth,
            check.csrf.as_deref(),
            check.method,
            &check.path,
            &check.payload,
        );
        let ok = check.expected.admits(answer.status, &answer.location);
        lines.push(format!(
            "{:<24} {} {}: expected {:?}, got {}{}",
            check.who,
            check.method,
            check.path,
            check.expected,
            answer.status,
            if ok { "" } else { "  FAILED" }
        ));
        if !ok {
            failures.push(Failure {
                caller: check.who.into(),
                method: check.method.into(),
                path: check.path,
                expected: format!("{:?}", check.expected),
                got: format!("{} {}", answer.status, answer.location),
                body: head(&answer.body).to_owned(),
            });
        }
    }
    lines
}

/// The matrix as text: a row per case, a column per caller.
fn table(cases: &[Case], callers: &[Caller], cells: &[Vec<String>]) -> String {
    let mut text = String::from(
        "Each cell: the expected class (A allowed, L to the login page, U 401, F 403, H 404 \
         hidden) and the status got; `!` marks a failing cell.\n",
    );
    let width = cases
        .iter()
        .map(|c| c.label().chars().count())
        .max()
        .unwrap_or(0);
    let _ = write!(text, "{:width$} ", "");
    for caller in callers {
        let _ = write!(text, "{:<6}", caller.name);
    }
    text.push('\n');
    for (case, row) in cases.iter().zip(cells) {
        let label = case.label();
        let pad = width - label.chars().count();
        let _ = write!(text, "{label}{:pad$} ", "");
        for cell in row {
            let _ = write!(text, "{cell:<6}");
        }
        text.push('\n');
    }
    text
}

fn clone_auth(auth: &Auth) -> Auth {
    match auth {
        Auth::Anonymous => Auth::Anonymous,
        Auth::Token(token) => Auth::Token(token.clone()),
        Auth::Session { cookie, csrf } => Auth::Session {
            cookie: cookie.clone(),
            csrf: csrf.clone(),
        },
    }
}

/// The operations `/openapi.json` lists: (method in capitals, path, whether anyone may call
/// it). An operation is public when its `security` (else the document's) is absent, empty, or
/// offers the empty requirement `{}`.
fn described_operations(description: &Value) -> Vec<(String, String, bool)> {
    let global = description.get("security");
    let mut out = Vec::new();
    let paths = description["paths"].as_object().expect("paths");
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, operation) in item {
            if !matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            ) {
                continue;
            }
            let security = operation.get("security").or(global);
            let anyone = match security.and_then(Value::as_array) {
                None => true,
                Some(list) => {
                    list.is_empty()
                        || list
                            .iter()
                            .any(|r| r.as_object().is_some_and(serde_json::Map::is_empty))
                }
            };
            out.push((method.to_ascii_uppercase(), path.clone(), anyone));
        }
    }
    out
}
