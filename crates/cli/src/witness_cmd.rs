//! `retu witness`: run an independent witness (C2SP tlog-witness) that a county market regulator
//! or a consumer association can operate, and the HTTP client the log uses to reach witnesses.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use ledger::witness::{BoxFuture, Cosigner, LocalWitness, unix_seconds};
use tlog::witness::WitnessedLog;
use tlog::{KeyKind, Policy, SignerKey, VerifierKey};

use crate::log_dir::read_key_file;

/// `retu witness …`.
#[derive(clap::Subcommand)]
pub(crate) enum WitnessCommand {
    /// Make a witness key pair: the private key is written (mode 0600), the public key printed.
    Keygen {
        /// The witness's name, for example `witness.regulator.example`.
        #[arg(long)]
        name: String,
        /// Where to write the private key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a witness: cosign checkpoints of the given logs that are consistent with everything
    /// this witness cosigned before.
    Serve {
        /// The witness's private key (from `retu witness keygen`).
        #[arg(long)]
        key: PathBuf,
        /// A log's public key (vkey) to witness; its name is the log's origin (repeatable).
        #[arg(long = "log", required = true)]
        logs: Vec<String>,
        /// The address to listen on; port 0 picks a free port (printed at start).
        #[arg(long, default_value = "127.0.0.1:8081")]
        listen: SocketAddr,
        /// The folder for the witness's state (one small file per log).
        #[arg(long, default_value = "witness-state")]
        state: PathBuf,
    },
}

pub(crate) fn run(command: WitnessCommand, out: &mut impl std::io::Write) -> Result<()> {
    match command {
        WitnessCommand::Keygen { name, out: path } => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let key = SignerKey::from_seed(&name, KeyKind::CosignatureV1, seed)
                .with_context(|| format!("witness name {name:?}"))?;
            crate::write_private(&path, &key.to_skey())?;
            writeln!(out, "{}", key.verifier())?;
            Ok(())
        }
        WitnessCommand::Serve {
            key,
            logs,
            listen,
            state,
        } => {
            let key = SignerKey::parse(&read_key_file(&key)?)
                .with_context(|| format!("{}", key.display()))?;
            if key.kind() != KeyKind::CosignatureV1 {
                bail!("a witness cosigns with a witness key (retu witness keygen), not a log key");
            }
            let mut witnessed = Vec::new();
            for vkey in &logs {
                let log = VerifierKey::parse(vkey).with_context(|| format!("--log {vkey}"))?;
                if log.kind() != KeyKind::Ed25519 {
                    bail!("--log {vkey} is not a log key");
                }
                witnessed.push(WitnessedLog {
                    origin: log.name().to_owned(),
                    keys: vec![log],
                });
            }
            let witness = Arc::new(LocalWitness::open(&state, key, witnessed)?);
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?
                .block_on(serve(witness, listen, out))
        }
    }
}

async fn serve(
    witness: Arc<LocalWitness>,
    listen: SocketAddr,
    out: &mut impl std::io::Write,
) -> Result<()> {
    let app = Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/{origin_hash}/checkpoint", get(latest_checkpoint))
        // A request is a checkpoint and at most 63 proof lines: a few kilobytes.
        .layer(DefaultBodyLimit::max(64 * 1024))
        .with_state(witness.clone());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    writeln!(
        out,
        "Witness {} is listening on http://{}",
        witness.verifier(),
        listener.local_addr()?
    )?;
    out.flush()?;
    axum::serve(listener, app)
        .with_graceful_shutdown(crate::server::shutdown_signal())
        .await?;
    Ok(())
}

async fn add_checkpoint(State(witness): State<Arc<LocalWitness>>, body: Bytes) -> Response {
    match witness.handle(&body, unix_seconds()).await {
        Ok(decision) => {
            let status =
                StatusCode::from_u16(decision.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (
                status,
                [(header::CONTENT_TYPE, decision.content_type)],
                decision.body,
            )
                .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "witness state");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the witness could not read or write its state\n",
            )
                .into_response()
        }
    }
}

/// The latest cosigned checkpoint for a log, by the hex SHA-256 of its origin (C2SP
/// tlog-witness monitoring, HEAD).
async fn latest_checkpoint(
    State(witness): State<Arc<LocalWitness>>,
    Path(origin_hash): Path<String>,
) -> Response {
    for log in witness_logs(&witness) {
        if hex_sha256(&log) == origin_hash {
            return match witness.latest_checkpoint(&log) {
                Ok(Some(note)) => {
                    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response()
                }
                Ok(None) => (StatusCode::NOT_FOUND, "nothing cosigned yet\n").into_response(),
                Err(error) => {
                    tracing::error!(%error, "witness state");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            };
        }
    }
    (StatusCode::NOT_FOUND, "unknown log\n").into_response()
}

fn witness_logs(witness: &LocalWitness) -> Vec<String> {
    witness
        .logs()
        .iter()
        .map(|log| log.origin.clone())
        .collect()
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A witness reached over HTTP at its submission prefix.
pub(crate) struct HttpWitness {
    key: VerifierKey,
    url: String,
    client: reqwest::Client,
}

impl Cosigner for HttpWitness {
    fn key(&self) -> &VerifierKey {
        &self.key
    }

    fn add_checkpoint(&self, body: Vec<u8>) -> BoxFuture<'_, Result<(u16, Vec<u8>), String>> {
        Box::pin(async move {
            let response = self
                .client
                .post(format!("{}/add-checkpoint", self.url.trim_end_matches('/')))
                .body(body)
                .send()
                .await
                .map_err(|e| format!("{}: {e}", self.url))?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            Ok((status, body.to_vec()))
        })
    }
}

/// The witnesses of a policy file that the log can reach (those with a URL), checked to be
/// able to meet the quorum.
pub(crate) fn http_witnesses(policy: &Policy) -> Result<Vec<Arc<dyn Cosigner>>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .context("HTTP client")?;
    let mut cosigners: Vec<Arc<dyn Cosigner>> = Vec::new();
    let mut reachable = Vec::new();
    for witness in policy.witnesses() {
        if let Some(url) = &witness.url {
            cosigners.push(Arc::new(HttpWitness {
                key: witness.key.clone(),
                url: url.clone(),
                client: client.clone(),
            }));
            reachable.push(witness.name.as_str());
        }
    }
    if !policy.is_satisfied(&reachable) {
        bail!(
            "the policy's quorum cannot be met by the witnesses that have a URL ({}); add their URLs",
            reachable.join(", ")
        );
    }
    Ok(cosigners)
}
