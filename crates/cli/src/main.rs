//! `retu`: the one binary a county runs. This first version holds the transparency-log tools
//! that everything else builds on: key generation, a C2SP tlog-tiles log in a directory, a full
//! audit of such a log, tlog-proofs, and offline proof verification against a trust policy.

mod demo_cmd;
mod epcis_cmd;
mod labels_cmd;
mod log_dir;
mod server;
mod user_cmd;
mod verify_cmd;
mod witness_cmd;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand};
use tlog::{KeyKind, SignerKey, TlogProof, VerifierKey, inclusion_proof};

use crate::log_dir::{LogDir, read_key_file};

#[derive(Parser)]
#[command(
    name = "retu",
    version,
    about = "热土 Retu: verifiable farm-product traceability for a county"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: EPCIS capture and query, the transparency log, its read side.
    Serve(server::ServeArgs),
    /// Run the server with a seeded, fictional county (云岭县): a verified consumer page, the
    /// county dashboard and phone forms to try, two witnesses in the same process; `--scale N`
    /// adds generated events for benchmarks. docs/demo.md
    Demo(demo_cmd::DemoArgs),
    /// Check a server's data: rehash every event, rebuild the tree, check tiles and checkpoint.
    Audit(server::AuditArgs),
    /// Manage organisations in a server's data folder.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens in a server's data folder.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage people (logins) in a server's data folder: the first officers and admins.
    #[command(subcommand)]
    User(user_cmd::UserCommand),
    /// Run an independent witness that cosigns consistent checkpoints (C2SP tlog-witness).
    #[command(subcommand)]
    Witness(witness_cmd::WitnessCommand),
    /// Work with a transparency log kept as a C2SP tlog-tiles directory.
    #[command(subcommand)]
    Log(LogCommand),
    /// Make a key pair: a log signing key or a witness cosigning key.
    Keygen {
        /// The key name: a log's origin (such as `county.example/log`) or a witness's name.
        #[arg(long)]
        name: String,
        /// Make a witness cosigning key (C2SP tlog-cosignature, type 0x04) instead of a log key.
        #[arg(long)]
        witness: bool,
        /// Where to write the private key (created with mode 0600). The public key is printed.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the CBV 2.0 event hash ID of each event of EPCIS documents (JSON-LD or XML).
    Hash(epcis_cmd::HashArgs),
    /// Check EPCIS documents; print each problem as `FILE: /pointer: message`.
    Validate(epcis_cmd::ValidateArgs),
    /// Print QR labels (GS1 Digital Link) as an A4 sticker sheet PDF, or the codes as SVG/PNG.
    Labels(labels_cmd::LabelsArgs),
    /// Print the OpenAPI description of the HTTP API (what `/openapi.json` serves and
    /// `docs/openapi.json` holds).
    Openapi,
    /// Verify, against a trust policy (log key, witness keys, quorum), a .tlog-proof offline
    /// or every public record of an item at a URL, as the consumer page does.
    Verify(verify_cmd::VerifyArgs),
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation and print its public ID.
    Create {
        #[command(flatten)]
        data: server::DataArgs,
        /// Its name, for example 凌云县白毫茶合作社.
        #[arg(long)]
        name: String,
        /// `member` (producer, processor, trader), `county` (a county office) or `admin`.
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: store::Role,
        /// The county it belongs to (for a county office: the county it oversees).
        #[arg(long)]
        county: Option<String>,
        /// A GS1 company prefix it owns (repeatable).
        #[arg(long = "prefix")]
        prefixes: Vec<String>,
        /// A location it owns, as a GS1 Digital Link or county identifier (repeatable).
        #[arg(long = "location")]
        locations: Vec<String>,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        data: server::DataArgs,
    },
}

fn parse_role(text: &str) -> Result<store::Role, String> {
    store::Role::parse(text).ok_or_else(|| format!("{text:?} is not member, county or admin"))
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for an organisation; it is printed once and not stored.
    Create {
        #[command(flatten)]
        data: server::DataArgs,
        /// The organisation's public ID (`retu org list`).
        #[arg(long)]
        org: String,
        /// What the token is for.
        #[arg(long, default_value = "api")]
        label: String,
    },
}

#[derive(Subcommand)]
enum LogCommand {
    /// Print the verifier key (vkey) of a server's log.
    Key {
        #[command(flatten)]
        data: server::DataArgs,
    },
    /// Append entries (one per line of FILE, or of standard input) and sign a new checkpoint.
    Append {
        /// The log directory (created if missing).
        dir: PathBuf,
        /// The log's private key file (from `retu keygen`); its name is the log's origin.
        #[arg(long)]
        key: PathBuf,
        /// A file with one entry per line; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Recompute every tile from the entries and check them and the signed checkpoint.
    Audit {
        /// The log directory.
        dir: PathBuf,
        /// The log's public key (vkey). Defaults to the `log.vkey` file in the directory, which
        /// only proves integrity; pin the key to prove who signed.
        #[arg(long)]
        vkey: Option<String>,
    },
    /// Write the C2SP tlog-proof of one entry, built from the log's tiles.
    Prove {
        /// The log directory.
        dir: PathBuf,
        /// The entry's index (0 is the first entry).
        index: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Print the whole cause chain: each layer says which file or field was at fault.
            let _ = writeln!(std::io::stderr(), "retu: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::Hash(args) => epcis_cmd::hash(&args, &mut out)?,
        Command::Openapi => out.write_all(web::openapi::document().as_bytes())?,
        Command::Labels(args) => labels_cmd::run(&args)?,
        Command::Validate(args) => epcis_cmd::validate(&args, &mut out)?,
        Command::Serve(args) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .with_writer(std::io::stderr)
                .init();
            drop(out);
            runtime()?.block_on(server::serve(args))?;
        }
        Command::Demo(args) => {
            // Warnings only: what to open and how to log in is the demo's output.
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
                )
                .with_writer(std::io::stderr)
                .init();
            drop(out);
            runtime()?.block_on(demo_cmd::run(args))?;
        }
        Command::Audit(args) => {
            runtime()?.block_on(server::audit(&args, &mut out))?;
        }
        Command::Org(OrgCommand::Create {
            data,
            name,
            role,
            county,
            prefixes,
            locations,
        }) => {
            let org = runtime()?.block_on(server::create_org(
                &data, &name, role, county, &prefixes, &locations,
            ))?;
            // Only the ID, so that scripts can write ORG=$(retu org create …).
            writeln!(out, "{}", org.public_id)?;
        }
        Command::Org(OrgCommand::List { data }) => {
            let orgs = runtime()?.block_on(async {
                server::with_store!(server::open_store(&data).await?, |store| {
                    anyhow::Ok(store::Store::orgs(&store).await?)
                })
            })?;
            for org in orgs {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    org.public_id,
                    org.role,
                    org.county.unwrap_or_default(),
                    org.name
                )?;
            }
        }
        Command::Token(TokenCommand::Create { data, org, label }) => {
            let token = runtime()?.block_on(server::create_token(&data, &org, &label))?;
            writeln!(out, "{token}")?;
        }
        Command::User(command) => user_cmd::run(command, &mut out)?,
        Command::Witness(command) => {
            if matches!(command, witness_cmd::WitnessCommand::Serve { .. }) {
                tracing_subscriber::fmt()
                    .with_env_filter(
                        tracing_subscriber::EnvFilter::try_from_default_env()
                            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                    )
                    .with_writer(std::io::stderr)
                    .init();
            }
            witness_cmd::run(command, &mut out)?;
        }
        Command::Log(LogCommand::Key { data }) => {
            let path = data.data.join("log.key");
            let key = SignerKey::parse(&read_key_file(&path)?)
                .with_context(|| format!("{}", path.display()))?;
            writeln!(out, "{}", key.verifier())?;
        }
        Command::Keygen {
            name,
            witness,
            out: path,
        } => {
            let kind = if witness {
                KeyKind::CosignatureV1
            } else {
                KeyKind::Ed25519
            };
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let key = SignerKey::from_seed(&name, kind, seed)
                .with_context(|| format!("key name {name:?}"))?;
            write_private(&path, &key.to_skey())?;
            writeln!(out, "{}", key.verifier())?;
        }
        Command::Log(LogCommand::Append { dir, key, file }) => {
            let key = SignerKey::parse(&read_key_file(&key)?)
                .with_context(|| format!("{}", key.display()))?;
            if key.kind() != KeyKind::Ed25519 {
                bail!("a log signs with an Ed25519 note key, not a witness key");
            }
            let entries = read_entries(file.as_deref())?;
            if entries.is_empty() {
                bail!("no entries to append");
            }
            let log = LogDir::new(&dir);
            let checkpoint = log.append(&key, &entries)?;
            std::fs::write(dir.join("log.vkey"), format!("{}\n", key.verifier()))?;
            writeln!(
                out,
                "{}: {} entries, root {}",
                checkpoint.origin,
                checkpoint.size,
                checkpoint.root.to_base64()
            )?;
        }
        Command::Log(LogCommand::Audit { dir, vkey }) => {
            let pinned = vkey.is_some();
            let vkey = match vkey {
                Some(vkey) => vkey,
                None => read_key_file(&dir.join("log.vkey"))?,
            };
            let key = VerifierKey::parse(&vkey).context("the log key")?;
            let (checkpoint, tiles) = LogDir::new(&dir).audit(&key)?;
            writeln!(
                out,
                "ok: {} holds {} entries; {tiles} tiles and the root {} match the checkpoint signed by {}{}",
                checkpoint.origin,
                checkpoint.size,
                checkpoint.root.to_base64(),
                key.name(),
                if pinned {
                    ""
                } else {
                    " (key read from log.vkey; pass --vkey to pin it)"
                },
            )?;
        }
        Command::Log(LogCommand::Prove { dir, index }) => {
            let log = LogDir::new(&dir);
            let bytes = log
                .checkpoint_bytes()?
                .context("the log has no checkpoint")?;
            let note = tlog::Note::parse(&bytes).context("checkpoint")?;
            let checkpoint = tlog::Checkpoint::parse(note.text()).context("checkpoint")?;
            let inclusion = inclusion_proof(&log.hashes(checkpoint.size), index, checkpoint.size)
                .map_err(|e| anyhow::anyhow!("entry {index}: {e}"))?;
            let proof = TlogProof {
                extra: None,
                index,
                inclusion,
                checkpoint: bytes,
            };
            out.write_all(&proof.to_bytes())?;
        }
        Command::Verify(args) => verify_cmd::run(&args, &mut out)?,
    }
    Ok(())
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Entries, one per line, from a file or standard input.
fn read_entries(file: Option<&Path>) -> Result<Vec<Vec<u8>>> {
    let bytes = match file {
        Some(path) if path != Path::new("-") => read_input(path)?,
        _ => read_input(Path::new("-"))?,
    };
    let mut entries = Vec::new();
    for (number, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if line.len() > tlog::tile::MAX_ENTRY_LEN {
            bail!("line {}: an entry holds at most 65,535 bytes", number + 1);
        }
        entries.push(line.to_vec());
    }
    Ok(entries)
}

pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    }
}

/// Writes a private key readable by its owner only.
pub(crate) fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    writeln!(file, "{text}")?;
    file.sync_all()?;
    Ok(())
}
