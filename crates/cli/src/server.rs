//! `retu serve` and the commands that manage a server's data folder: organisations, tokens and
//! the log key. The data folder holds the SQLite database (unless a PostgreSQL URL is given),
//! the log's private key and, after the first start, the admin token.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ledger::{Ledger, LedgerConfig, now_micros};
use store::{NewOrg, Org, Role, Store};
use store_postgres::PgStore;
use store_sqlite::SqliteStore;
use tlog::{KeyKind, SignerKey};
use web::auth::token_digest;
use web::{AppState, WebConfig};

use crate::write_private;

/// Where a server keeps its data.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct DataArgs {
    /// The data folder: database, log key, admin token. Created on first start.
    #[arg(long, env = "RETU_DATA", default_value = "retu-data")]
    pub(crate) data: PathBuf,
    /// Use PostgreSQL at this URL instead of SQLite in the data folder.
    #[arg(long, env = "RETU_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
}

/// `retu serve` options.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) data: DataArgs,
    /// The address to listen on; port 0 picks a free port (printed at start).
    #[arg(long, env = "RETU_LISTEN", default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// The log's private key file (skey). Default: `log.key` in the data folder, created on
    /// first start.
    #[arg(long, env = "RETU_LOG_KEY")]
    pub(crate) log_key: Option<PathBuf>,
    /// The log's origin (checkpoint first line and key name), used when the key is created.
    /// Default: the host of --public-url, then `retu.localhost`.
    #[arg(long, env = "RETU_LOG_ORIGIN")]
    pub(crate) log_origin: Option<String>,
    /// The URL the public reaches this server at (printed on QR codes later).
    #[arg(long, env = "RETU_PUBLIC_URL")]
    pub(crate) public_url: Option<String>,
    /// The largest request body accepted, in MiB.
    #[arg(long, default_value_t = 64)]
    pub(crate) body_limit_mib: usize,
    /// A C2SP tlog-policy file naming this log's key, the witnesses to ask (with their URLs) and
    /// the quorum of cosignatures a checkpoint needs before it is published. Without it,
    /// checkpoints are published with the log's signature only.
    #[arg(long, env = "RETU_POLICY")]
    pub(crate) policy: Option<PathBuf>,
    /// Requests per second each API token (or anonymous client address) may make; 0 turns the
    /// limit off.
    #[arg(long, default_value_t = 50)]
    pub(crate) rate_limit: u32,
    /// The font PDF label sheets (`POST /api/labels`) are set in: a TrueType/OpenType file
    /// or collection with Chinese glyphs. Default: the first installed of the usual CJK fonts
    /// (Debian's fonts-wqy-microhei, fonts-noto-cjk, …); without any, PDF labels answer 503.
    #[arg(long, env = "RETU_LABEL_FONT")]
    pub(crate) label_font: Option<PathBuf>,
    /// The county's GS1 company prefix (4 to 11 digits). Producers without a prefix of their
    /// own get their products' GTINs from it (next item reference, check digit computed), each
    /// GTIN theirs alone; no organisation may hold it, or a prefix overlapping it, as its own.
    /// docs/master-data.md
    #[arg(long, env = "RETU_COUNTY_PREFIX")]
    pub(crate) county_prefix: Option<String>,
}

/// A new random API token: 32 random bytes, URL-safe base64, with a recognisable prefix so that
/// secret scanners can find leaked ones.
pub(crate) fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("retu_{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// A new public organisation ID.
pub(crate) fn new_public_id() -> Result<String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "org-{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    ))
}

fn default_origin(args: &ServeArgs) -> String {
    if let Some(origin) = &args.log_origin {
        return origin.clone();
    }
    args.public_url
        .as_deref()
        .and_then(|url| url.split("://").nth(1))
        .and_then(|rest| rest.split(['/', ':']).next())
        .filter(|host| !host.is_empty())
        .map_or_else(|| "retu.localhost".to_owned(), str::to_owned)
}

/// Loads the log key, creating it (mode 0600) on first start.
pub(crate) fn log_key(args: &ServeArgs) -> Result<SignerKey> {
    let path = args
        .log_key
        .clone()
        .unwrap_or_else(|| args.data.data.join("log.key"));
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let key = SignerKey::parse(text.trim()).with_context(|| format!("{}", path.display()))?;
        if key.kind() != KeyKind::Ed25519 {
            bail!(
                "{} is a witness key; the log needs an Ed25519 log key",
                path.display()
            );
        }
        if let Some(origin) = &args.log_origin
            && origin != key.name()
        {
            bail!(
                "--log-origin {origin} differs from the origin {} of the existing log key; a log's origin cannot change",
                key.name()
            );
        }
        return Ok(key);
    }
    if args.log_key.is_some() {
        bail!("the log key {} does not exist", path.display());
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let key = SignerKey::from_seed(&default_origin(args), KeyKind::Ed25519, seed)
        .context("the log origin cannot be a key name (no spaces or '+')")?;
    write_private(&path, &key.to_skey())?;
    tracing::info!(origin = key.name(), path = %path.display(), "created the log key");
    Ok(key)
}

/// On the first start of an empty data folder: the admin organisation and its token, printed
/// once and written to `admin.token` (mode 0600).
pub(crate) async fn ensure_admin<S: Store>(
    store: &S,
    data: &Path,
    out: &mut impl std::io::Write,
) -> Result<()> {
    if !store.orgs().await?.is_empty() {
        return Ok(());
    }
    let admin = store
        .create_org(NewOrg {
            public_id: "org-admin".into(),
            name: "Administrator".into(),
            role: Role::Admin,
            county: None,
        })
        .await?;
    let token = new_token()?;
    store
        .add_token(admin.id, token_digest(&token), "first start", now_micros())
        .await?;
    let path = data.join("admin.token");
    write_private(&path, &token)?;
    writeln!(
        out,
        "Created the admin organisation. Its API token (shown once, also in {}):\n  {token}",
        path.display()
    )?;
    Ok(())
}

/// The store a data folder (or a database URL) names.
pub(crate) enum Opened {
    /// SQLite in the data folder.
    Sqlite(SqliteStore),
    /// PostgreSQL at the URL.
    Postgres(PgStore),
}

/// Opens the store the arguments name: PostgreSQL when a URL is given, else SQLite in the data
/// folder (created if needed).
pub(crate) async fn open_store(data: &DataArgs) -> Result<Opened> {
    std::fs::create_dir_all(&data.data)
        .with_context(|| format!("creating {}", data.data.display()))?;
    if let Some(url) = &data.database_url {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            bail!("--database-url must be a postgres:// URL");
        }
        let store = PgStore::connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        return Ok(Opened::Postgres(store));
    }
    let path = data.data.join("retu.db");
    let store = SqliteStore::open(&path)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    Ok(Opened::Sqlite(store))
}

/// Runs `$body` with `$store` bound to whichever backend `$opened` holds; the body is generic
/// code over [`Store`], so it is written once for both.
macro_rules! with_store {
    ($opened:expr, |$store:ident| $body:expr) => {
        match $opened {
            $crate::server::Opened::Sqlite($store) => $body,
            $crate::server::Opened::Postgres($store) => $body,
        }
    };
}
pub(crate) use with_store;

/// The label font, found once at start: a named font must load; otherwise the search's result
/// is logged, and PDF labels answer 503 until a font is installed.
fn label_font(named: Option<&Path>) -> Result<Option<PathBuf>> {
    match web::label_api::find_label_font(named) {
        Ok((path, _)) => {
            tracing::info!(path = %path.display(), "label font");
            Ok(Some(path))
        }
        Err(error) if named.is_some() => Err(anyhow::anyhow!("--label-font: {error}")),
        Err(error) => {
            tracing::warn!(%error, "PDF labels are unavailable");
            Ok(None)
        }
    }
}

/// Checks `--county-prefix`: digits that leave room for item references, and no
/// organisation's own company prefix overlapping it (one would own every GTIN the county
/// allocates, or the county would allocate inside it).
async fn check_county_prefix<S: Store>(store: &S, prefix: Option<&str>) -> Result<()> {
    let Some(prefix) = prefix else {
        return Ok(());
    };
    repository::master_data::check_county_prefix(prefix)
        .map_err(|error| anyhow::anyhow!("--county-prefix: {error}"))?;
    for org in store.orgs().await? {
        for own in store.org_assets(org.id).await?.company_prefixes {
            if own.starts_with(prefix) || prefix.starts_with(own.as_str()) {
                bail!(
                    "--county-prefix {prefix} overlaps the company prefix {own} of {} ({}); the county's prefix must be the county's alone",
                    org.name,
                    org.public_id
                );
            }
        }
    }
    Ok(())
}

/// Runs the server until Ctrl-C or SIGTERM.
pub(crate) async fn serve(args: ServeArgs) -> Result<()> {
    std::fs::create_dir_all(&args.data.data)
        .with_context(|| format!("creating {}", args.data.data.display()))?;
    with_store!(open_store(&args.data).await?, |store| run(store, &args)
        .await)
}

async fn run<S: Store>(store: S, args: &ServeArgs) -> Result<()> {
    let mut out = std::io::stdout();
    let key = log_key(args)?;
    ensure_admin(&store, &args.data.data, &mut out).await?;
    let witnessing = match &args.policy {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let policy =
                tlog::Policy::parse(&text).with_context(|| format!("{}", path.display()))?;
            let cosigners = crate::witness_cmd::http_witnesses(&policy)
                .with_context(|| format!("{}", path.display()))?;
            Some(Witnessing {
                text,
                policy,
                cosigners,
            })
        }
    };
    let running = start(store, args, key, witnessing).await?;
    use std::io::Write as _;
    writeln!(
        out,
        "Retu is listening on http://{} (log origin {})",
        running.address,
        running.ledger.origin()
    )?;
    out.flush()?;
    running.until_stopped().await
}

/// The witnesses a log is published under: the policy (the C2SP tlog-policy text, which the
/// consumer page pins as it is) and the cosigners that reach its witnesses, over HTTP for
/// `retu serve --policy`, in the same process for `retu demo`.
pub(crate) struct Witnessing {
    /// The policy file's text.
    pub(crate) text: String,
    /// The same, parsed.
    pub(crate) policy: tlog::Policy,
    /// One cosigner per witness the log asks.
    pub(crate) cosigners: Vec<Arc<dyn ledger::witness::Cosigner>>,
}

/// A server that is listening: the log's background loop, the scan counter's writer and the
/// HTTP server run as tasks until [`Running::until_stopped`]. `retu serve` and `retu demo`
/// share it, so the demo is the real server and not a look-alike.
pub(crate) struct Running<S: Store> {
    /// The log service, and through it the store.
    pub(crate) ledger: Ledger<S>,
    /// Consumer scans counted in memory, as the scan API records them.
    pub(crate) scans: Arc<repository::scans::ScanBook>,
    /// The address actually bound (port 0 resolved).
    pub(crate) address: SocketAddr,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    stop_log: tokio::sync::watch::Sender<bool>,
    log_task: tokio::task::JoinHandle<()>,
    stop_scans: tokio::sync::watch::Sender<bool>,
    scan_task: tokio::task::JoinHandle<()>,
}

/// Opens the log over `store` and starts serving it on `args.listen`; the HTTP server stops at
/// Ctrl-C or SIGTERM.
pub(crate) async fn start<S: Store>(
    store: S,
    args: &ServeArgs,
    key: SignerKey,
    witnessing: Option<Witnessing>,
) -> Result<Running<S>> {
    // The consumer page pins the same policy the log is witnessed under.
    let (trust_policy, witnesses) = match witnessing {
        None => (None, None),
        Some(witnessing) => (
            Some(witnessing.text),
            Some(ledger::Witnesses {
                policy: witnessing.policy,
                cosigners: witnessing.cosigners,
                timeout: std::time::Duration::from_secs(2),
            }),
        ),
    };
    check_county_prefix(&store, args.county_prefix.as_deref()).await?;
    let ledger = Ledger::open(store, key, LedgerConfig::default(), witnesses).await?;
    // County-issued location identifiers are minted under the public URL (or the origin's
    // host); refuse an address that cannot carry them rather than fail at the first farm.
    repository::master_data::location_base(args.public_url.as_deref(), ledger.origin())
        .map_err(|error| anyhow::anyhow!("--public-url: {error}"))?;
    let (stop_log, log_stopped) = tokio::sync::watch::channel(false);
    let log_task = tokio::spawn({
        let ledger = ledger.clone();
        async move { ledger.run(log_stopped).await }
    });
    let config = WebConfig {
        body_limit: args.body_limit_mib.saturating_mul(1024 * 1024),
        rate_limit: web::RateLimit {
            per_second: args.rate_limit,
            burst: args.rate_limit.saturating_mul(4),
        },
        public_url: args.public_url.clone(),
        trust_policy,
        label_font: label_font(args.label_font.as_deref())?,
        county_prefix: args.county_prefix.clone(),
        ..WebConfig::default()
    };
    // Consumer scans are counted in memory and written every second; the last ones on stop.
    let scans = Arc::new(repository::scans::ScanBook::new());
    let (stop_scans, scans_stopped) = tokio::sync::watch::channel(false);
    let scan_task = tokio::spawn(web::flush_scans(
        scans.clone(),
        ledger.store().clone(),
        scans_stopped,
    ));
    let app = web::router(AppState {
        ledger: ledger.clone(),
        config: Arc::new(config),
        scans: scans.clone(),
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let http = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
    });
    Ok(Running {
        ledger,
        scans,
        address,
        http,
        stop_log,
        log_task,
        stop_scans,
        scan_task,
    })
}

impl<S: Store> Running<S> {
    /// Whether the HTTP server has stopped (Ctrl-C or SIGTERM), so that long work before
    /// serving, such as the demo's generated events, can stop early.
    pub(crate) fn stopping(&self) -> bool {
        self.http.is_finished()
    }

    /// Waits for the HTTP server to stop (Ctrl-C or SIGTERM), then writes the last scans and
    /// publishes a checkpoint covering everything acknowledged.
    pub(crate) async fn until_stopped(self) -> Result<()> {
        self.http
            .await
            .context("the HTTP server task")?
            .context("serving HTTP")?;
        let _ = self.stop_scans.send(true);
        let _ = self.scan_task.await;
        let _ = self.stop_log.send(true);
        let _ = self.log_task.await;
        // Cover everything acknowledged before stopping, so the next start begins published.
        self.ledger.integrate().await?;
        self.ledger.publish(now_micros()).await?;
        Ok(())
    }
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

/// `retu org create`: prints the new organisation.
pub(crate) async fn create_org(
    data: &DataArgs,
    name: &str,
    role: Role,
    county: Option<String>,
    prefixes: &[String],
    locations: &[String],
) -> Result<Org> {
    with_store!(open_store(data).await?, |store| {
        create_org_in(&store, name, role, county, prefixes, locations).await
    })
}

pub(crate) async fn create_org_in<S: Store>(
    store: &S,
    name: &str,
    role: Role,
    county: Option<String>,
    prefixes: &[String],
    locations: &[String],
) -> Result<Org> {
    let org = store
        .create_org(NewOrg {
            public_id: new_public_id()?,
            name: name.to_owned(),
            role,
            county,
        })
        .await?;
    for prefix in prefixes {
        if prefix.len() < 4 || prefix.len() > 12 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            bail!("{prefix:?} is not a GS1 company prefix (4 to 12 digits)");
        }
        store.add_company_prefix(org.id, prefix).await?;
    }
    for location in locations {
        // In the form capture compares: any spelling of a GLN (URN, Digital Link on any
        // host) as its canonical Digital Link; a county-issued identifier as written.
        store
            .add_location(org.id, &repository::normalize::identifier(location))
            .await?;
    }
    Ok(org)
}

/// `retu token create`: a new token for an organisation, printed once.
pub(crate) async fn create_token(data: &DataArgs, org: &str, label: &str) -> Result<String> {
    with_store!(open_store(data).await?, |store| create_token_in(
        &store, org, label
    )
    .await)
}

pub(crate) async fn create_token_in<S: Store>(store: &S, org: &str, label: &str) -> Result<String> {
    let org = store
        .org_by_public_id(org)
        .await?
        .with_context(|| format!("no organisation {org}; `retu org list` shows them"))?;
    let token = new_token()?;
    store
        .add_token(org.id, token_digest(&token), label, now_micros())
        .await?;
    Ok(token)
}

/// `retu audit` options.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct AuditArgs {
    #[command(flatten)]
    pub(crate) data: DataArgs,
    /// The log's public key (vkey) to check the checkpoint against. Default: the key of
    /// `log.key` in the data folder; pin it to prove who signed.
    #[arg(long)]
    pub(crate) vkey: Option<String>,
}

/// Recomputes an event's hash ID from its stored JSON-LD bytes.
fn rehash_stored(body: &[u8]) -> std::result::Result<String, String> {
    let text = std::str::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
    let parsed = epcis::parse_json(text).map_err(|e| e.to_string())?;
    let event = parsed.document.events.first().ok_or("no event")?;
    let context = epcis::HashContext::for_json_event(event);
    Ok(epcis::hash::hash_prehash(&context.prehash(event)))
}

/// `retu audit`: re-reads every stored event, rehashes it, rebuilds the tree and checks every
/// tile and the latest checkpoint. Fails naming the first bad index or tile.
pub(crate) async fn audit(args: &AuditArgs, out: &mut impl std::io::Write) -> Result<()> {
    let vkey = match &args.vkey {
        Some(vkey) => tlog::VerifierKey::parse(vkey).context("--vkey")?,
        None => {
            let path = args.data.data.join("log.key");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {} (or pass --vkey)", path.display()))?;
            SignerKey::parse(text.trim())
                .with_context(|| format!("{}", path.display()))?
                .verifier()
        }
    };
    with_store!(open_store(&args.data).await?, |store| {
        audit_in(&store, &vkey, out).await
    })
}

async fn audit_in<S: Store>(
    store: &S,
    vkey: &tlog::VerifierKey,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let orgs: std::collections::HashMap<i64, String> = store
        .orgs()
        .await?
        .into_iter()
        .map(|org| (org.id, org.public_id))
        .collect();
    let report = ledger::audit::audit(store, vkey, &orgs, &rehash_stored)
        .await
        .map_err(|failure| anyhow::anyhow!("AUDIT FAILED: {failure}"))?;
    writeln!(
        out,
        "ok: {} entries rehashed and matched their leaves; {} integrated, {} tiles match the rebuilt tree; checkpoint {}",
        report.entries,
        report.integrated,
        report.tiles_checked,
        report.checkpoint.map_or_else(
            || "none yet".to_owned(),
            |c| format!("of size {} verified", c.size)
        ),
    )?;
    Ok(())
}
