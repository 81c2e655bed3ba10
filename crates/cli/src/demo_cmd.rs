//! `retu demo`: the real server (`retu serve`'s code, [`crate::server::start`]) with a seeded,
//! fictional county, so that anyone can open a verified consumer page, the county dashboard and
//! the phone forms a minute after cloning.
//!
//! The county is 云岭县 (Yunling County), a mountain county with a black-tea public brand, 云岭红
//! (Yunling Black): two tea cooperatives, a workshop, a warehouse and a shop, a season from
//! harvest to a buyer, a rapid pesticide-residue test and a 承诺达标合格证 for the packed tins;
//! a black-bone chicken farm, a red-rice cooperative, and a navel-orange farm in a second county
//! (`county.rs`, `docs/demo.md`). Every record enters the way a producer's would: master data and
//! certificates through the in-process server's HTTP API, events as phone forms
//! (`repository::forms`) through the one capture pipeline (`repository::capture`).
//!
//! Two witnesses run in this process ([`ledger::witness::LocalWitness`]), with their keys and
//! state in the data folder, and the consumer page pins a policy that needs both: the page's
//! badge says "verified by 2 of 2 witnesses" as it would with independent ones.
//!
//! `--scale N` adds N generated events (`scale.rs`) for benchmarks. What was seeded and generated
//! is kept in `demo.json`; a second start on the same folder reuses everything.

mod county;
mod scale;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use ledger::witness::{Cosigner, LocalWitness};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::Store;
use tlog::witness::WitnessedLog;
use tlog::{KeyKind, SignerKey, VerifierKey};

use crate::server::{DataArgs, Running, ServeArgs, Witnessing, open_store, with_store};

/// `retu demo` options.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct DemoArgs {
    /// The demo's data folder: database, log key, the two witnesses' keys and state, and
    /// `demo.json` (what was seeded and generated). Created and seeded on the first start;
    /// reused, never seeded twice, afterwards.
    #[arg(long, default_value = "retu-demo")]
    pub(crate) data: PathBuf,
    /// The address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Before serving, add this many generated events (tea chains of twenty farms in a third
    /// county) through the capture pipeline, in batches of 10,000, printing the rate. Each run
    /// adds as many again.
    #[arg(long, default_value_t = 0)]
    pub(crate) scale: u64,
}

/// The log's origin: the county's traceability site (fictional, under `.example`).
const ORIGIN: &str = "trace.yunling.example";

/// The county's GS1 company prefix, which products of farms without a prefix of their own
/// get their GTINs from (`docs/master-data.md`).
const COUNTY_PREFIX: &str = "6909999";

/// What was seeded, kept in the data folder; its presence means "seeded, reuse".
const MARKER: &str = "demo.json";

/// The witnesses: the name the policy gives each, and its key's name (in cosignature lines).
const WITNESSES: [(&str, &str); 2] = [
    (
        "market-regulator",
        "witness.market-regulator.yunling.example",
    ),
    (
        "consumer-association",
        "witness.consumer-association.yunling.example",
    ),
];

/// A consumer page worth opening.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    /// What it is, in Chinese.
    pub(crate) name_zh: String,
    /// And in English.
    pub(crate) name_en: String,
    /// The path, `/item/01/{gtin}/10/{lot}`.
    pub(crate) path: String,
}

/// A generated farm of `--scale` (`scale.rs`): its organisation, places and products.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GeneratedFarm {
    /// The organisation's public ID.
    pub(crate) org: String,
    /// The tea garden's identifier.
    pub(crate) plot: String,
    /// The workshop's identifier.
    pub(crate) workshop: String,
    /// The GTIN of its fresh leaf.
    pub(crate) leaf: String,
    /// Of its made tea.
    pub(crate) made: String,
    /// Of its 100 g tins.
    pub(crate) tins: String,
}

/// What `--scale` has added so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Generated {
    /// Events added.
    pub(crate) events: u64,
    /// Chains begun (lot numbers continue from here).
    pub(crate) chains: u64,
    /// The farms they belong to.
    pub(crate) farms: Vec<GeneratedFarm>,
}

/// The contents of `demo.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Marker {
    /// The format's version.
    pub(crate) version: u32,
    /// When the county was seeded (RFC 3339).
    pub(crate) seeded_at: String,
    /// The consumer pages of the seeded lots, the tea tin first.
    pub(crate) pages: Vec<Page>,
    /// What `--scale` added.
    #[serde(default)]
    pub(crate) generated: Generated,
}

impl Marker {
    fn read(data: &Path) -> Result<Option<Marker>> {
        let path = data.join(MARKER);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(
                serde_json::from_slice(&bytes).with_context(|| format!("{}", path.display()))?,
            )),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Writes the marker so that a crash leaves the old or the new one, never half a file.
    pub(crate) fn write(&self, data: &Path) -> Result<()> {
        use std::io::Write as _;
        let path = data.join(MARKER);
        let temporary = data.join(format!("{MARKER}.tmp"));
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("creating {}", temporary.display()))?;
        file.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

/// The in-process server's HTTP API, reached over the loopback interface: master data and
/// certificates have their checks in the web layer, so the demo goes through it rather than
/// beside it.
pub(crate) struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    /// POSTs JSON with a bearer token and returns the answer; anything but 200 or 201 is an
    /// error naming the path and the problem document. A 429 (the server's own rate limit) is
    /// waited out and retried.
    pub(crate) async fn post(&self, path: &str, token: &str, body: &Value) -> Result<Value> {
        loop {
            let response = self
                .client
                .post(format!("{}{path}", self.base))
                .bearer_auth(token)
                .header("Content-Type", "application/json")
                .header("Accept-Language", "en")
                .body(body.to_string())
                .send()
                .await
                .with_context(|| format!("POST {path}"))?;
            let status = response.status().as_u16();
            if status == 429 {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1);
                tokio::time::sleep(Duration::from_secs(wait.clamp(1, 10))).await;
                continue;
            }
            let text = response.text().await.unwrap_or_default();
            if status != 200 && status != 201 {
                bail!("POST {path} answered {status}: {text}");
            }
            return serde_json::from_str(&text)
                .with_context(|| format!("POST {path} answered {text}"));
        }
    }
}

/// Runs the demo until Ctrl-C or SIGTERM.
pub(crate) async fn run(args: DemoArgs) -> Result<()> {
    let serve_args = ServeArgs {
        data: DataArgs {
            data: args.data.clone(),
            database_url: None,
        },
        listen: args.listen,
        log_key: None,
        log_origin: Some(ORIGIN.to_owned()),
        public_url: None,
        body_limit_mib: 64,
        policy: None,
        // The same limit as `retu serve`: the demo shows the server as a county runs it.
        rate_limit: 50,
        label_font: None,
        county_prefix: Some(COUNTY_PREFIX.to_owned()),
    };
    with_store!(open_store(&serve_args.data).await?, |store| {
        run_with(store, &args, &serve_args).await
    })
}

async fn run_with<S: Store>(store: S, args: &DemoArgs, serve_args: &ServeArgs) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout();
    let data = &args.data;
    let key = crate::server::log_key(serve_args)?;
    crate::server::ensure_admin(&store, data, &mut out).await?;
    let marker = Marker::read(data)?;
    if marker.is_none()
        && store
            .orgs()
            .await?
            .iter()
            .any(|o| o.public_id != "org-admin")
    {
        bail!(
            "{} holds organisations but no {MARKER}: it is not a demo folder, or seeding was interrupted; remove it or pass another --data",
            data.display()
        );
    }
    let witnessing = witnesses(data, &key.verifier())?;
    let running = crate::server::start(store, serve_args, key, Some(witnessing)).await?;
    let admin_token = std::fs::read_to_string(data.join("admin.token"))
        .with_context(|| format!("reading {}", data.join("admin.token").display()))?
        .trim()
        .to_owned();
    let local = reachable(running.address);
    let api = Api {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .context("HTTP client")?,
        base: format!("http://{local}"),
    };
    let mut marker = match marker {
        Some(marker) => {
            writeln!(
                out,
                "Reusing the demo county seeded {} in {}.",
                marker.seeded_at,
                data.display()
            )?;
            marker
        }
        None => {
            writeln!(
                out,
                "Seeding the demo county in {} (a minute at most)…",
                data.display()
            )?;
            out.flush()?;
            let marker = county::seed(&running, &api, &admin_token).await?;
            marker.write(data)?;
            marker
        }
    };
    if args.scale > 0 {
        scale::add(
            &running,
            &api,
            &admin_token,
            &mut marker,
            args.scale,
            data,
            &mut out,
        )
        .await?;
    } else if marker.generated.events > 0 {
        writeln!(
            out,
            "This folder holds {} generated events of {} farms (--scale).",
            marker.generated.events,
            marker.generated.farms.len()
        )?;
    }
    if running.stopping() {
        return running.until_stopped().await;
    }
    // Open the pages once the log's checkpoint, cosigned by both witnesses, covers every
    // record: otherwise the first visitor would see "not yet in the log".
    let size = running.ledger.store().log_state().await?.sequenced;
    if running
        .ledger
        .wait_published(size, Duration::from_secs(600))
        .await
        .is_none()
    {
        bail!("the log did not publish a witnessed checkpoint of {size} entries in 10 minutes");
    }
    print_guide(&mut out, &running, &marker, local, data)?;
    out.flush()?;
    running.until_stopped().await
}

/// An address this process can connect to: the bound one, with an unspecified IP (0.0.0.0,
/// ::) replaced by loopback.
fn reachable(address: SocketAddr) -> SocketAddr {
    match address.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), address.port())
        }
        _ => address,
    }
}

/// The two in-process witnesses and the policy naming the log key and both of them with a
/// quorum of 2. Their keys are made on the first start and kept in `witnesses/`, with their
/// state, so that later starts cosign consistently with what they cosigned before. The policy
/// is also written to `policy.txt`, for `retu verify --policy`.
fn witnesses(data: &Path, log: &VerifierKey) -> Result<Witnessing> {
    let folder = data.join("witnesses");
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut text = format!("log {log}\n");
    let mut cosigners: Vec<Arc<dyn Cosigner>> = Vec::new();
    for (name, key_name) in WITNESSES {
        let path = folder.join(format!("{name}.key"));
        let key = if path.exists() {
            let key = SignerKey::parse(&crate::log_dir::read_key_file(&path)?)
                .with_context(|| format!("{}", path.display()))?;
            if key.kind() != KeyKind::CosignatureV1 {
                bail!("{} is not a witness key", path.display());
            }
            key
        } else {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let key = SignerKey::from_seed(key_name, KeyKind::CosignatureV1, seed)
                .context("witness key")?;
            crate::write_private(&path, &key.to_skey())?;
            key
        };
        text.push_str(&format!("witness {name} {}\n", key.verifier()));
        let witness = LocalWitness::open(
            &folder.join(name),
            key,
            vec![WitnessedLog {
                origin: log.name().to_owned(),
                keys: vec![log.clone()],
            }],
        )?;
        cosigners.push(Arc::new(witness));
    }
    let names: Vec<&str> = WITNESSES.iter().map(|(name, _)| *name).collect();
    text.push_str(&format!(
        "group both all {}\nquorum both\n",
        names.join(" ")
    ));
    let policy = tlog::Policy::parse(&text).context("the demo's policy")?;
    std::fs::write(data.join("policy.txt"), &text)
        .with_context(|| format!("writing {}", data.join("policy.txt").display()))?;
    Ok(Witnessing {
        text,
        policy,
        cosigners,
    })
}

/// What to open and how to log in. The line saying where the server listens comes last, so
/// that a script reading the output has everything once it sees it.
fn print_guide<S: Store>(
    out: &mut impl std::io::Write,
    running: &Running<S>,
    marker: &Marker,
    local: SocketAddr,
    data: &Path,
) -> Result<()> {
    let base = format!("http://{local}");
    writeln!(out)?;
    writeln!(
        out,
        "云岭县 Yunling County (fictional): the 云岭红 Yunling Black tea season, black-bone chicken, red rice, and navel oranges of 青岚县 Qinglan County."
    )?;
    writeln!(out)?;
    writeln!(out, "Open:")?;
    for page in &marker.pages {
        writeln!(
            out,
            "  {base}{}\n      consumer page: {} / {}",
            page.path, page.name_zh, page.name_en
        )?;
    }
    writeln!(
        out,
        "  {base}/county\n      county dashboard (log in as officer or specialist)"
    )?;
    writeln!(
        out,
        "  {base}/work\n      phone forms (log in as a producer)"
    )?;
    writeln!(out, "  {base}/login\n      log in")?;
    writeln!(out)?;
    writeln!(out, "Logins (demo password for all: {}):", county::PASSWORD)?;
    for person in county::PEOPLE {
        writeln!(
            out,
            "  {:<11} {} ({}), {}",
            person.login, person.name, person.what, person.org_name
        )?;
    }
    writeln!(
        out,
        "  The admin's API token is in {}.",
        data.join("admin.token").display()
    )?;
    if !local.ip().is_loopback() {
        writeln!(
            out,
            "  Warning: these passwords are published in docs/demo.md; do not expose the demo to others."
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Witnesses {} cosign every checkpoint in this process (keys in {}); the consumer page pins {} (quorum: both).",
        WITNESSES
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(" and "),
        data.join("witnesses").display(),
        data.join("policy.txt").display()
    )?;
    if let Some(published) = running.ledger.latest() {
        writeln!(
            out,
            "The log holds {} entries under a witnessed checkpoint.",
            published.checkpoint.size
        )?;
    }
    writeln!(
        out,
        "Retu demo is listening on {base} (log origin {})",
        running.ledger.origin()
    )?;
    Ok(())
}

/// A random (version 4) UUID, as a phone makes one for each form it opens.
pub(crate) fn new_uuid() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(uuid_text(bytes))
}

/// The text form of a version 4 UUID made of `bytes`.
pub(crate) fn uuid_text(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// China Standard Time, in which the demo's farmers live.
fn cst() -> time::UtcOffset {
    time::UtcOffset::from_whole_seconds(8 * 3600).unwrap_or(time::UtcOffset::UTC)
}

fn cst_moment(micros: i64) -> Result<time::OffsetDateTime> {
    Ok(
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
            .context("a time out of range")?
            .to_offset(cst()),
    )
}

/// A moment as a phone in China writes it: RFC 3339 with `+08:00`, to the second.
pub(crate) fn cst_time(micros: i64) -> Result<String> {
    let moment = cst_moment(micros.div_euclid(1_000_000) * 1_000_000)?;
    moment
        .format(&time::format_description::well_known::Rfc3339)
        .context("formatting a time")
}

/// The China Standard Time date of a moment, `YYYY-MM-DD`.
pub(crate) fn cst_date(micros: i64) -> String {
    cst_moment(micros).map_or_else(
        |_| "1970-01-01".to_owned(),
        |moment| {
            format!(
                "{:04}-{:02}-{:02}",
                moment.year(),
                u8::from(moment.month()),
                moment.day()
            )
        },
    )
}

/// Midnight (China Standard Time) of a `YYYY-MM-DD` day, µs since the epoch.
pub(crate) fn cst_day_start(day: &str) -> Option<i64> {
    let date = time::Date::parse(
        day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let midnight = date.midnight().assume_offset(cst()).unix_timestamp_nanos() / 1000;
    i64::try_from(midnight).ok()
}
