//! The demo county's story, seeded once into an empty data folder. Everything here is
//! fictional: the counties (codes 4599xx are not used in China's administrative divisions), the
//! townships and villages, the organisations, the people, the GS1 company prefixes and the
//! buyers.
//!
//! 云岭县 (Yunling County, 459901) has a black-tea public brand, 云岭红 (Yunling Black). This
//! season, the Lingtou cooperative picks two tea gardens, receives the leaf the Baiyun growers
//! picked the same morning, withers, rolls, oxidises and dries it in its workshop, rapid-tests
//! the made tea for pesticide residues, packs it into 100 g tins, issues the tins' 承诺达标合格证,
//! ships most of them to a buyer in Nanning and sells some in a live stream. A black-bone
//! chicken farmer without a phone has the county officer record his birds for him; the
//! terrace red-rice cooperative harvests, mills and bags its rice; a navel-orange farm in
//! 青岚县 (Qinglan County, 459902) harvests, tests, boxes and ships. Consumers scan a few codes.
//!
//! The season happens in the last five weeks before the first start (within the current
//! calendar year, which the county dashboard shows by default), so the dashboard has numbers
//! and the pages read as recent.

use anyhow::{Context as _, Result, anyhow};
use ledger::now_micros;
use repository::capture::{self, Captor, ErrorBehaviour};
use repository::certificate::{
    Basis, Batch, CertificateDraft, Commitments, Origin, Producer, Quantity, TestKind, TestOutcome,
    TestResult as CertificateTest, Unit,
};
use repository::forms::{self, EnteredBy, Form, FormKind, LotAmount, Reading, TestResult};
use serde_json::{Value, json};
use store::{NewUser, Org, Role, Store, UserRole};

use super::{Api, Marker, Page, cst_date, cst_time, new_uuid};
use crate::server::Running;

/// The demo password of every login (printed at start, and in `docs/demo.md`).
pub(crate) const PASSWORD: &str = "yunling-demo";

/// Yunling County's administrative code (fictional).
pub(crate) const YUNLING: &str = "459901";
/// Qinglan County's (fictional).
pub(crate) const QINGLAN: &str = "459902";

const OFFICE: &str = "云岭县电商办";
const INSTITUTE: &str = "桂岭市农业科学研究所";
const LINGTOU: &str = "云岭县岭头红茶专业合作社";
const BAIYUN: &str = "云岭县白云村茶农合作社";
const RED_RICE: &str = "云岭县高岭梯田红米专业合作社";
const CHICKEN: &str = "龙潭村龙德才乌鸡养殖场";
const FAMILY: &str = "茶山村黄家茶园";
const ORCHARD: &str = "青岚县石岭脐橙家庭农场";

/// The Lingtou cooperative's GS1 company prefix (it has one; smaller farms use the county's).
const LINGTOU_PREFIX: &str = "6937716";
/// The orange farm's.
const ORCHARD_PREFIX: &str = "6935580";

/// A demo login.
pub(crate) struct Person {
    pub(crate) login: &'static str,
    pub(crate) name: &'static str,
    /// What they do, in a few words.
    pub(crate) what: &'static str,
    pub(crate) org_name: &'static str,
    role: UserRole,
    counties: &'static [&'static str],
}

/// Everyone who can log in. The chicken farmer has no login on purpose: the officer records
/// for him (`retu:enteredBy`).
pub(crate) const PEOPLE: [Person; 7] = [
    Person {
        login: "officer",
        name: "韦丽华",
        what: "电商办 county e-commerce officer",
        org_name: OFFICE,
        role: UserRole::Officer,
        counties: &[],
    },
    Person {
        login: "specialist",
        name: "蒙志强",
        what: "科技特派员 specialist for both counties",
        org_name: INSTITUTE,
        role: UserRole::Specialist,
        counties: &[YUNLING, QINGLAN],
    },
    Person {
        login: "lingtou",
        name: "罗国强",
        what: "producer, 云岭红 tea",
        org_name: LINGTOU,
        role: UserRole::Producer,
        counties: &[],
    },
    Person {
        login: "baiyun",
        name: "黄秀梅",
        what: "producer, tea leaf",
        org_name: BAIYUN,
        role: UserRole::Producer,
        counties: &[],
    },
    Person {
        login: "hongmi",
        name: "陆建平",
        what: "producer, red rice",
        org_name: RED_RICE,
        role: UserRole::Producer,
        counties: &[],
    },
    Person {
        login: "huangjia",
        name: "黄永福",
        what: "producer, registered, nothing recorded yet",
        org_name: FAMILY,
        role: UserRole::Producer,
        counties: &[],
    },
    Person {
        login: "orchard",
        name: "覃海燕",
        what: "producer, navel oranges",
        org_name: ORCHARD,
        role: UserRole::Producer,
        counties: &[],
    },
];

/// Where the season sits in time: day 0 at midnight (China Standard Time) five weeks before
/// now, each later day 24 hours on. Early in January there are not five weeks of the year
/// yet; the season is then squeezed into the days since New Year, so that the dashboard's
/// default period (this calendar year) still shows it.
struct Timeline {
    start: i64,
    factor: f64,
}

const DAY: i64 = 86_400_000_000;
const HOUR: i64 = 3_600_000_000;
const MINUTE: i64 = 60_000_000;
const CST: i64 = 8 * HOUR;
const SEASON_DAYS: i64 = 35;

impl Timeline {
    fn new(now: i64) -> Self {
        let midnight = |at: i64| (at + CST).div_euclid(DAY) * DAY - CST;
        let start = midnight(now - SEASON_DAYS * DAY);
        let year = cst_date(now).get(..4).unwrap_or("1970").to_owned();
        let new_year = super::cst_day_start(&format!("{year}-01-01")).unwrap_or(start);
        if start >= new_year {
            return Timeline { start, factor: 1.0 };
        }
        let start = new_year + HOUR;
        #[allow(clippy::cast_precision_loss, reason = "durations of days, in µs")]
        let factor = ((now - HOUR - start).max(0) as f64) / ((SEASON_DAYS * DAY) as f64);
        Timeline { start, factor }
    }

    /// A moment of the season: `day` days after its start, at `hour`:`minute`.
    fn at(&self, day: i64, hour: i64, minute: i64) -> i64 {
        let offset = day * DAY + hour * HOUR + minute * MINUTE;
        #[allow(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            reason = "at most five weeks, in µs"
        )]
        let offset = (offset as f64 * self.factor) as i64;
        self.start + offset
    }
}

/// The seeding: the organisations, people, master data, events, certificates and scans.
struct Seeder<'a, S: Store> {
    running: &'a Running<S>,
    api: &'a Api,
    admin: &'a str,
}

impl<S: Store> Seeder<'_, S> {
    /// An organisation, as `retu org create` makes it.
    async fn org(
        &self,
        name: &str,
        role: Role,
        county: Option<&str>,
        prefixes: &[&str],
    ) -> Result<Org> {
        let prefixes: Vec<String> = prefixes.iter().map(|p| (*p).to_owned()).collect();
        crate::server::create_org_in(
            self.running.ledger.store(),
            name,
            role,
            county.map(str::to_owned),
            &prefixes,
            &[],
        )
        .await
    }

    /// A person with the demo password, with the checks `retu user create` makes.
    async fn person(&self, person: &Person, org: &Org) -> Result<()> {
        let store = self.running.ledger.store();
        if !person.role.fits(org.role) {
            return Err(anyhow!("{} cannot belong to {}", person.role, org.name));
        }
        web::account::check_login(person.login)
            .map_err(|_| anyhow!("{} is not a login", person.login))?;
        let password_hash = web::account::hash_password_blocking(PASSWORD.to_owned())
            .await
            .map_err(|e| anyhow!("hashing a password: {e}"))?;
        let user = store
            .create_user(NewUser {
                org_id: org.id,
                login: person.login.to_owned(),
                display_name: person.name.to_owned(),
                password_hash,
                role: person.role,
                locale: "zh-CN".to_owned(),
                created_at: now_micros(),
            })
            .await?;
        for county in person.counties {
            store.assign_county(user.id, county).await?;
        }
        Ok(())
    }

    /// A location registered for `org` through `POST /api/locations`; its identifier.
    async fn location(&self, org: &Org, mut draft: Value) -> Result<(i64, String)> {
        draft["org"] = json!(org.public_id);
        let stored = self.api.post("/api/locations", self.admin, &draft).await?;
        let id = stored["id"].as_i64().context("a location's id")?;
        let identifier = stored["identifier"]
            .as_str()
            .context("a location's identifier")?;
        Ok((id, identifier.to_owned()))
    }

    /// A product registered for `org` through `POST /api/products`; its GTIN.
    async fn product(&self, org: &Org, mut draft: Value) -> Result<String> {
        draft["org"] = json!(org.public_id);
        let stored = self.api.post("/api/products", self.admin, &draft).await?;
        Ok(stored["gtin"]
            .as_str()
            .context("a product's GTIN")?
            .to_owned())
    }

    /// One phone form, recorded for `org` through the forms mapping and the capture pipeline,
    /// shared (so the consumer page shows it); the event's ID.
    async fn record(
        &self,
        org: &Org,
        at: i64,
        place: &str,
        kind: FormKind,
        note: &str,
        entered_by: Option<&EnteredBy>,
    ) -> Result<String> {
        let form = Form {
            id: new_uuid()?,
            time: cst_time(at)?,
            place: place.to_owned(),
            kind,
            note: note.to_owned(),
        };
        let document = forms::to_document(&form, entered_by)
            .map_err(|problems| anyhow!("a demo form is refused: {problems:?}: {form:?}"))?;
        let store = self.running.ledger.store();
        let captor = Captor {
            org: org.clone(),
            assets: store.org_assets(org.id).await?,
        };
        capture::capture(
            &self.running.ledger,
            &captor,
            document.to_string().as_bytes(),
            ErrorBehaviour::Rollback,
            true,
            now_micros(),
        )
        .await
        .map_err(|error| anyhow!("capturing a demo form: {error:?}"))?;
        Ok(format!("urn:uuid:{}", form.id))
    }

    /// A certificate issued by `org` through `POST /api/certificates`, with a token of its own
    /// (a certificate is its issuer's). Its number.
    async fn certificate(&self, org: &Org, draft: &CertificateDraft) -> Result<String> {
        let token = crate::server::create_token_in(
            self.running.ledger.store(),
            &org.public_id,
            "retu demo: seeding",
        )
        .await?;
        let issued = self
            .api
            .post("/api/certificates", &token, &serde_json::to_value(draft)?)
            .await?;
        Ok(issued["number"]
            .as_str()
            .context("a certificate's number")?
            .to_owned())
    }
}

fn amount(gtin: &str, lot: &str, quantity: &str, unit: Unit) -> LotAmount {
    LotAmount {
        gtin: gtin.to_owned(),
        lot: lot.to_owned(),
        quantity: quantity.to_owned(),
        unit,
    }
}

/// `digits` followed by their GS1 check digit.
fn with_check(digits: &str) -> String {
    let check = gs1::check_digit::mod10(digits).unwrap_or(0);
    format!("{digits}{check}")
}

fn page(name_zh: &str, name_en: &str, gtin: &str, lot: &str) -> Page {
    Page {
        name_zh: name_zh.to_owned(),
        name_en: name_en.to_owned(),
        path: format!(
            "/item/01/{gtin}/10/{}",
            repository::normalize::percent_encode_component(lot)
        ),
    }
}

/// The 承诺达标合格证 draft common to the demo's producers.
fn draft(
    product: &str,
    quantity: (&str, Unit),
    producer: (&str, &str),
    origin: (&str, &str, &str, Option<&str>),
    issued: i64,
    batch: (&str, String),
) -> CertificateDraft {
    CertificateDraft {
        product_name: product.to_owned(),
        quantity: Quantity {
            value: quantity.0.to_owned(),
            unit: Some(quantity.1),
        },
        producer: Producer {
            name: producer.0.to_owned(),
            contact: producer.1.to_owned(),
            subject_code: None,
        },
        origin: Origin {
            province: "广西壮族自治区".to_owned(),
            county: origin.0.to_owned(),
            township: Some(origin.1.to_owned()),
            village: Some(origin.2.to_owned()),
            plot: origin.3.map(str::to_owned),
        },
        issue_date: cst_date(issued),
        commitments: Commitments::ALL,
        basis: vec![Basis::SelfCommitment],
        tests: Vec::new(),
        batch: Batch {
            event_id: batch.0.to_owned(),
            lot: batch.1,
        },
        parents: Vec::new(),
    }
}

/// Seeds the county; what to open afterwards.
pub(super) async fn seed<S: Store>(running: &Running<S>, api: &Api, admin: &str) -> Result<Marker> {
    let seeder = Seeder {
        running,
        api,
        admin,
    };
    let now = now_micros();
    let season = Timeline::new(now);
    let year = cst_date(season.at(0, 12, 0));
    let yy = year.get(2..4).unwrap_or("00");
    let yyyy = year.get(..4).unwrap_or("1970");

    // Organisations and people. The specialist's institute belongs to no county: its
    // specialist sees both counties by assignment, and it is not one of a county's producers.
    let office = seeder.org(OFFICE, Role::County, Some(YUNLING), &[]).await?;
    let institute = seeder.org(INSTITUTE, Role::Member, None, &[]).await?;
    let lingtou = seeder
        .org(LINGTOU, Role::Member, Some(YUNLING), &[LINGTOU_PREFIX])
        .await?;
    let baiyun = seeder.org(BAIYUN, Role::Member, Some(YUNLING), &[]).await?;
    let red_rice = seeder
        .org(RED_RICE, Role::Member, Some(YUNLING), &[])
        .await?;
    let chicken = seeder
        .org(CHICKEN, Role::Member, Some(YUNLING), &[])
        .await?;
    let family = seeder.org(FAMILY, Role::Member, Some(YUNLING), &[]).await?;
    let orchard = seeder
        .org(ORCHARD, Role::Member, Some(QINGLAN), &[ORCHARD_PREFIX])
        .await?;
    let orgs = [
        &office, &institute, &lingtou, &baiyun, &red_rice, &family, &orchard,
    ];
    for person in &PEOPLE {
        let org = orgs
            .iter()
            .find(|org| org.name == person.org_name)
            .context("a person's organisation")?;
        seeder.person(person, org).await?;
    }

    // The Lingtou cooperative's places have GLNs under its own prefix; everyone else's get
    // county-issued identifiers.
    let gln = |reference: &str| with_check(&format!("{LINGTOU_PREFIX}{reference}"));
    let lingtou_place = |kind: &str, zh: &str, en: &str, reference: &str| {
        json!({"kind": kind, "nameZh": zh, "nameEn": en, "township": "岭头镇",
               "village": "岭头村", "gln": gln(reference)})
    };
    let (estate, _) = seeder
        .location(
            &lingtou,
            lingtou_place("farm", "岭头茶场", "Lingtou tea estate", "00010"),
        )
        .await?;
    let mut garden = lingtou_place("plot", "1 号茶园", "Tea garden 1", "00011");
    garden["parent"] = json!(estate);
    garden["areaMu"] = json!(12.5);
    garden["crop"] = json!("云岭大叶种茶");
    let (_, garden_1) = seeder.location(&lingtou, garden.clone()).await?;
    garden["nameZh"] = json!("2 号茶园");
    garden["nameEn"] = json!("Tea garden 2");
    garden["gln"] = json!(gln("00012"));
    garden["areaMu"] = json!(8);
    let (_, garden_2) = seeder.location(&lingtou, garden).await?;
    let (_, workshop) = seeder
        .location(
            &lingtou,
            lingtou_place(
                "workshop",
                "岭头红茶初制厂",
                "Lingtou black tea workshop",
                "00020",
            ),
        )
        .await?;
    let town = |kind: &str, zh: &str, en: &str, reference: &str| {
        let mut place = lingtou_place(kind, zh, en, reference);
        place["township"] = json!("云城镇");
        place["village"] = json!("城东社区");
        place
    };
    let (_, warehouse) = seeder
        .location(
            &lingtou,
            town(
                "warehouse",
                "云城成品茶仓库",
                "Yuncheng tea warehouse",
                "00030",
            ),
        )
        .await?;
    let (_, shop) = seeder
        .location(
            &lingtou,
            town(
                "shop",
                "云岭红县城体验店",
                "Yunling Black tea shop",
                "00040",
            ),
        )
        .await?;
    let tea = |zh: &str, en: &str, unit: &str, reference: &str| {
        json!({"gtin": with_check(&format!("0{LINGTOU_PREFIX}{reference}")), "nameZh": zh,
               "nameEn": en, "unit": unit, "category": "tea", "brand": "云岭红"})
    };
    let leaf = seeder
        .product(
            &lingtou,
            tea(
                "云岭红 茶鲜叶",
                "Yunling Black fresh tea leaf",
                "kg",
                "00001",
            ),
        )
        .await?;
    let in_process = seeder
        .product(
            &lingtou,
            tea(
                "云岭红 在制茶",
                "Yunling Black tea in process",
                "kg",
                "00002",
            ),
        )
        .await?;
    let made = seeder
        .product(
            &lingtou,
            tea("云岭红 毛茶", "Yunling Black made tea", "kg", "00003"),
        )
        .await?;
    let tins = seeder
        .product(
            &lingtou,
            tea(
                "云岭红 红茶 100 克罐装",
                "Yunling Black tea, 100 g tin",
                "piece",
                "00004",
            ),
        )
        .await?;

    let (_, baiyun_garden) = seeder
        .location(
            &baiyun,
            json!({"kind": "plot", "nameZh": "白云高山茶园", "nameEn": "Baiyun mountain tea garden",
                   "township": "白云乡", "village": "白云村", "areaMu": 20, "crop": "云岭大叶种茶"}),
        )
        .await?;
    let baiyun_leaf = seeder
        .product(
            &baiyun,
            json!({"nameZh": "云岭红 茶鲜叶（白云）", "nameEn": "Yunling Black fresh tea leaf (Baiyun)",
                   "unit": "kg", "category": "tea", "brand": "云岭红"}),
        )
        .await?;

    let rice_place = |kind: &str, zh: &str, en: &str| json!({"kind": kind, "nameZh": zh, "nameEn": en, "township": "高岭镇", "village": "梯田村"});
    let mut field = rice_place("plot", "高岭梯田 3 号田", "Gaoling terrace field 3");
    field["areaMu"] = json!(30);
    field["crop"] = json!("红米");
    let (_, terrace) = seeder.location(&red_rice, field).await?;
    let (_, mill) = seeder
        .location(
            &red_rice,
            rice_place("workshop", "梯田村碾米坊", "Titian village rice mill"),
        )
        .await?;
    let rice = |zh: &str, en: &str, unit: &str| json!({"nameZh": zh, "nameEn": en, "unit": unit, "category": "rice", "brand": "云岭梯田红米"});
    let paddy = seeder
        .product(
            &red_rice,
            rice("梯田红米 稻谷", "Terrace red rice paddy", "kg"),
        )
        .await?;
    let husked = seeder
        .product(
            &red_rice,
            rice("梯田红米 糙米", "Terrace red rice, husked", "kg"),
        )
        .await?;
    let bags = seeder
        .product(
            &red_rice,
            rice(
                "云岭梯田红米 2.5 千克袋装",
                "Yunling terrace red rice, 2.5 kg bag",
                "bag",
            ),
        )
        .await?;

    let (_, coop) = seeder
        .location(
            &chicken,
            json!({"kind": "farm", "nameZh": "龙潭乌鸡林下养殖场",
                   "nameEn": "Longtan black-bone chicken woodland farm",
                   "township": "白云乡", "village": "龙潭村"}),
        )
        .await?;
    let birds = seeder
        .product(
            &chicken,
            json!({"nameZh": "云岭乌鸡", "nameEn": "Yunling black-bone chicken", "unit": "bird",
                   "category": "poultry", "brand": "云岭乌鸡"}),
        )
        .await?;

    seeder
        .location(
            &family,
            json!({"kind": "plot", "nameZh": "黄家茶园", "nameEn": "Huang family tea garden",
                   "township": "岭头镇", "village": "茶山村", "areaMu": 3.5, "crop": "云岭大叶种茶"}),
        )
        .await?;

    let orchard_place = |kind: &str, zh: &str, en: &str| json!({"kind": kind, "nameZh": zh, "nameEn": en, "township": "石岭镇", "village": "石岭村"});
    let mut grove = orchard_place("plot", "石岭 2 号果园", "Shiling orchard 2");
    grove["areaMu"] = json!(45);
    grove["crop"] = json!("脐橙");
    let (_, grove) = seeder.location(&orchard, grove).await?;
    let (_, shed) = seeder
        .location(
            &orchard,
            orchard_place("warehouse", "石岭选果包装仓", "Shiling packing shed"),
        )
        .await?;
    let orange = |zh: &str, en: &str, unit: &str, reference: &str| {
        json!({"gtin": with_check(&format!("0{ORCHARD_PREFIX}{reference}")), "nameZh": zh,
               "nameEn": en, "unit": unit, "category": "fruit", "brand": "青岚脐橙"})
    };
    let oranges = seeder
        .product(
            &orchard,
            orange("青岚脐橙", "Qinglan navel oranges", "kg", "00001"),
        )
        .await?;
    let boxes = seeder
        .product(
            &orchard,
            orange(
                "青岚脐橙 5 千克箱装",
                "Qinglan navel oranges, 5 kg box",
                "box",
                "00002",
            ),
        )
        .await?;

    // The tea season. Lot numbers say what and which year, as the cooperatives write them.
    let leaf_1 = format!("LT{yy}-P1-01");
    let leaf_2 = format!("LT{yy}-P2-01");
    let leaf_b = format!("BY{yy}-G1-01");
    let withered = format!("LT{yy}-W01");
    let rolled = format!("LT{yy}-R01");
    let oxidised = format!("LT{yy}-O01");
    let made_lot = format!("LT{yy}-MT01");
    let tin_lot = format!("YLH{yyyy}-01");
    let kg = |gtin: &str, lot: &str, quantity: &str| amount(gtin, lot, quantity, Unit::Kg);
    let harvest = |output| FormKind::Harvest { output };
    seeder
        .record(
            &lingtou,
            season.at(0, 8, 30),
            &garden_1,
            harvest(kg(&leaf, &leaf_1, "46.5")),
            "一芽一叶初展，晴",
            None,
        )
        .await?;
    seeder
        .record(
            &lingtou,
            season.at(0, 9, 10),
            &garden_2,
            harvest(kg(&leaf, &leaf_2, "38")),
            "一芽一叶初展，晴",
            None,
        )
        .await?;
    seeder
        .record(
            &baiyun,
            season.at(0, 8, 45),
            &baiyun_garden,
            harvest(kg(&baiyun_leaf, &leaf_b, "52")),
            "高山茶园，一芽一叶",
            None,
        )
        .await?;
    seeder
        .record(
            &baiyun,
            season.at(0, 13, 30),
            &baiyun_garden,
            FormKind::Ship {
                lots: vec![kg(&baiyun_leaf, &leaf_b, "52")],
                destination: Some(workshop.clone()),
                buyer: "岭头红茶专业合作社".into(),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &lingtou,
            season.at(0, 15, 0),
            &workshop,
            FormKind::Receive {
                lots: vec![kg(&baiyun_leaf, &leaf_b, "52")],
                source: Some(baiyun_garden.clone()),
            },
            "",
            None,
        )
        .await?;
    let steps = [
        (
            "萎凋 withering",
            (0, 17, 0),
            vec![
                kg(&leaf, &leaf_1, "46.5"),
                kg(&leaf, &leaf_2, "38"),
                kg(&baiyun_leaf, &leaf_b, "52"),
            ],
            kg(&in_process, &withered, "95"),
        ),
        (
            "揉捻 rolling",
            (1, 7, 30),
            vec![kg(&in_process, &withered, "95")],
            kg(&in_process, &rolled, "94.5"),
        ),
        (
            "发酵 oxidising",
            (1, 10, 0),
            vec![kg(&in_process, &rolled, "94.5")],
            kg(&in_process, &oxidised, "93"),
        ),
        (
            "干燥 drying",
            (1, 15, 0),
            vec![kg(&in_process, &oxidised, "93")],
            kg(&made, &made_lot, "31.2"),
        ),
    ];
    for (step, (day, hour, minute), inputs, output) in steps {
        seeder
            .record(
                &lingtou,
                season.at(day, hour, minute),
                &workshop,
                FormKind::Process {
                    inputs,
                    output,
                    step: step.into(),
                },
                "",
                None,
            )
            .await?;
    }
    let tested = season.at(2, 9, 30);
    seeder
        .record(
            &lingtou,
            tested,
            &workshop,
            FormKind::Inspect {
                lot: kg(&made, &made_lot, "0.1"),
                test: "农药残留速测（酶抑制率法）".into(),
                result: TestResult::Pass,
                readings: vec![Reading {
                    name: "抑制率".into(),
                    value: "12.5".into(),
                    unit: "P1".into(),
                }],
            },
            "县农检站速测卡",
            None,
        )
        .await?;
    let packed = season.at(3, 10, 0);
    let pack_event = seeder
        .record(
            &lingtou,
            packed,
            &workshop,
            FormKind::Pack {
                input: kg(&made, &made_lot, "18"),
                output: amount(&tins, &tin_lot, "180", Unit::Piece),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &lingtou,
            season.at(5, 9, 0),
            &warehouse,
            FormKind::Ship {
                lots: vec![amount(&tins, &tin_lot, "120", Unit::Piece)],
                destination: None,
                buyer: "南宁 邕茗茶行".into(),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &lingtou,
            season.at(6, 20, 0),
            &shop,
            FormKind::Sell {
                lots: vec![amount(&tins, &tin_lot, "20", Unit::Piece)],
                channel: "直播".into(),
            },
            "",
            None,
        )
        .await?;
    let mut tea_certificate = draft(
        "云岭红 红茶 100 克罐装",
        ("180", Unit::Piece),
        (LINGTOU, "13977600001"),
        ("云岭县", "岭头镇", "岭头村", Some("1 号茶园、2 号茶园")),
        packed,
        (
            &pack_event,
            format!("https://id.gs1.org/01/{tins}/10/{tin_lot}"),
        ),
    );
    tea_certificate.basis = vec![Basis::SelfTest];
    tea_certificate.tests = vec![CertificateTest {
        kind: TestKind::SelfTest,
        item: "有机磷和氨基甲酸酯类农药".into(),
        method: "酶抑制率法（GB/T 5009.199）".into(),
        outcome: TestOutcome::Pass,
        value: Some("抑制率 12.5%".into()),
        date: cst_date(tested),
        agency: None,
        report_number: None,
    }];
    seeder.certificate(&lingtou, &tea_certificate).await?;

    // Red rice: harvest, milling, bagging, a live stream.
    let paddy_lot = format!("HM{yy}-T3-01");
    let husked_lot = format!("HM{yy}-M01");
    let bag_lot = format!("HM{yy}-B01");
    seeder
        .record(
            &red_rice,
            season.at(4, 9, 0),
            &terrace,
            harvest(kg(&paddy, &paddy_lot, "2400")),
            "梯田人工收割",
            None,
        )
        .await?;
    seeder
        .record(
            &red_rice,
            season.at(8, 10, 0),
            &mill,
            FormKind::Process {
                inputs: vec![kg(&paddy, &paddy_lot, "2400")],
                output: kg(&husked, &husked_lot, "1560"),
                step: "碾米 milling".into(),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &red_rice,
            season.at(9, 14, 0),
            &mill,
            FormKind::Pack {
                input: kg(&husked, &husked_lot, "1500"),
                output: amount(&bags, &bag_lot, "600", Unit::Bag),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &red_rice,
            season.at(12, 20, 30),
            &mill,
            FormKind::Sell {
                lots: vec![amount(&bags, &bag_lot, "120", Unit::Bag)],
                channel: "直播".into(),
            },
            "",
            None,
        )
        .await?;

    // Black-bone chickens, recorded by the county officer for a farmer without a phone.
    let officer = EnteredBy {
        name: "韦丽华".into(),
        organisation: office.public_id.clone(),
    };
    let flock = format!("WJ{yy}-L01");
    let raised = season.at(10, 7, 30);
    let flock_event = seeder
        .record(
            &chicken,
            raised,
            &coop,
            harvest(amount(&birds, &flock, "60", Unit::Bird)),
            "林下散养 300 天",
            Some(&officer),
        )
        .await?;
    seeder
        .record(
            &chicken,
            season.at(10, 9, 0),
            &coop,
            FormKind::Inspect {
                lot: amount(&birds, &flock, "60", Unit::Bird),
                test: "产地检疫".into(),
                result: TestResult::Pass,
                readings: Vec::new(),
            },
            "",
            Some(&officer),
        )
        .await?;
    seeder
        .record(
            &chicken,
            season.at(11, 6, 30),
            &coop,
            FormKind::Ship {
                lots: vec![amount(&birds, &flock, "60", Unit::Bird)],
                destination: None,
                buyer: "云城农贸市场 蓝记鸡档".into(),
            },
            "",
            Some(&officer),
        )
        .await?;
    seeder
        .certificate(
            &chicken,
            &draft(
                "云岭乌鸡",
                ("60", Unit::Bird),
                (CHICKEN, "13877600002"),
                ("云岭县", "白云乡", "龙潭村", None),
                raised,
                (
                    &flock_event,
                    format!("https://id.gs1.org/01/{birds}/10/{flock}"),
                ),
            ),
        )
        .await?;

    // Navel oranges in the second county.
    let picked = format!("QL{yy}-O2-01");
    let boxed = format!("QL{yy}-X01");
    seeder
        .record(
            &orchard,
            season.at(14, 9, 0),
            &grove,
            harvest(kg(&oranges, &picked, "3000")),
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &orchard,
            season.at(15, 10, 0),
            &shed,
            FormKind::Inspect {
                lot: kg(&oranges, &picked, "1"),
                test: "农药残留速测（酶抑制率法）".into(),
                result: TestResult::Pass,
                readings: vec![Reading {
                    name: "抑制率".into(),
                    value: "8.3".into(),
                    unit: "P1".into(),
                }],
            },
            "",
            None,
        )
        .await?;
    let boxed_at = season.at(15, 16, 0);
    let box_event = seeder
        .record(
            &orchard,
            boxed_at,
            &shed,
            FormKind::Pack {
                input: kg(&oranges, &picked, "2900"),
                output: amount(&boxes, &boxed, "580", Unit::Box),
            },
            "",
            None,
        )
        .await?;
    seeder
        .record(
            &orchard,
            season.at(16, 8, 0),
            &shed,
            FormKind::Ship {
                lots: vec![amount(&boxes, &boxed, "580", Unit::Box)],
                destination: None,
                buyer: "长沙 湘果源水果批发".into(),
            },
            "",
            None,
        )
        .await?;
    seeder
        .certificate(
            &orchard,
            &draft(
                "青岚脐橙 5 千克箱装",
                ("580", Unit::Box),
                (ORCHARD, "13607700003"),
                ("青岚县", "石岭镇", "石岭村", Some("石岭 2 号果园")),
                boxed_at,
                (
                    &box_event,
                    format!("https://id.gs1.org/01/{boxes}/10/{boxed}"),
                ),
            ),
        )
        .await?;

    // Consumers scan: counted as the scan beacon counts them, then written.
    let scans = [
        (tins.as_str(), tin_lot.as_str(), 18_i64, 6_i64),
        (bags.as_str(), bag_lot.as_str(), 9, 12),
        (birds.as_str(), flock.as_str(), 3, 12),
        (boxes.as_str(), boxed.as_str(), 12, 17),
    ];
    for (gtin, lot, count, first_day) in scans {
        let code = repository::scans::canonical_code(&format!("/01/{gtin}/10/{lot}"))
            .map_err(|e| anyhow!("a demo code: {e:?}"))?;
        for i in 0..count {
            // Mostly from home, now and then from Hong Kong; spread over the weeks since.
            let zone = if i % 7 == 3 {
                "Asia/Hong_Kong"
            } else {
                "Asia/Shanghai"
            };
            let at = season.at(first_day + i % 15, 12 + i % 9, (i * 17) % 60);
            running.scans.record(
                &code,
                &repository::scans::time_zone(Some(zone)),
                at.min(now),
            );
        }
    }
    running.scans.flush(running.ledger.store()).await?;

    Ok(Marker {
        version: 1,
        seeded_at: cst_time(now)?,
        pages: vec![
            page(
                "云岭红 红茶 100 克罐装",
                "Yunling Black tea, 100 g tin",
                &tins,
                &tin_lot,
            ),
            page(
                "云岭梯田红米 2.5 千克袋装",
                "Yunling terrace red rice, 2.5 kg bag",
                &bags,
                &bag_lot,
            ),
            page("云岭乌鸡", "Yunling black-bone chicken", &birds, &flock),
            page(
                "青岚脐橙 5 千克箱装",
                "Qinglan navel oranges, 5 kg box",
                &boxes,
                &boxed,
            ),
        ],
        generated: super::Generated::default(),
    })
}
