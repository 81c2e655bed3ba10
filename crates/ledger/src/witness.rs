//! Witnesses: the independent parties (a county market regulator, a consumer association) that
//! cosign the log's checkpoints only if each is consistent with everything they saw before
//! (C2SP tlog-witness). This module has both sides:
//!
//! - [`Cosigner`], what the log asks for cosignatures: a remote witness over HTTP (implemented
//!   by the binary) or a [`LocalWitness`] in the same process (demos, tests).
//! - [`LocalWitness`], a witness whose state lives in a folder: the pure decision of
//!   `tlog::Witness` plus durable, atomic state, one file per log origin. `retu witness serve`
//!   puts it behind HTTP.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use sha2::{Digest, Sha256};
use tlog::witness::{Decision, WitnessState, WitnessedLog};
use tlog::{Hash, SignerKey, VerifierKey, Witness};

/// A boxed, sendable future (the trait must stay object-safe).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A witness the log asks to cosign checkpoints.
pub trait Cosigner: Send + Sync + 'static {
    /// The witness's cosignature key; its name is the name in signature lines.
    fn key(&self) -> &VerifierKey;

    /// Sends a C2SP `add-checkpoint` request body and returns the HTTP status and body.
    fn add_checkpoint(&self, body: Vec<u8>) -> BoxFuture<'_, Result<(u16, Vec<u8>), String>>;
}

/// Why a local witness could not start or keep its state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessError {
    /// The state folder could not be read or written.
    #[error("witness state in {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A state file is damaged.
    #[error("witness state file {0} is damaged")]
    Corrupt(PathBuf),
    /// Another process is using the state folder.
    #[error("another witness process is using {0}")]
    Locked(PathBuf),
    /// The key cannot cosign.
    #[error(transparent)]
    Key(#[from] tlog::witness::WitnessError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WitnessError + '_ {
    move |source| WitnessError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A witness with its state in a folder: `<hex SHA-256 of origin>.state` holds the size and
/// root of the latest checkpoint it cosigned for that log, and `.checkpoint` that checkpoint
/// with the witness's cosignature (what a monitor may fetch).
pub struct LocalWitness {
    witness: Witness,
    dir: PathBuf,
    /// Holds the folder's lock file for the life of the witness.
    _lock: std::fs::File,
    /// Makes "read state, decide, write state" atomic inside this process; the folder lock
    /// keeps other processes out, so together they are the compare-and-swap the spec requires.
    serial: tokio::sync::Mutex<()>,
}

impl LocalWitness {
    /// Opens (creating) the state folder and takes its lock.
    pub fn open(dir: &Path, key: SignerKey, logs: Vec<WitnessedLog>) -> Result<Self, WitnessError> {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let lock_path = dir.join(".lock");
        let lock = std::fs::File::create(&lock_path).map_err(io(&lock_path))?;
        lock.try_lock()
            .map_err(|_| WitnessError::Locked(dir.to_path_buf()))?;
        Ok(LocalWitness {
            witness: Witness::new(key, logs)?,
            dir: dir.to_path_buf(),
            _lock: lock,
            serial: tokio::sync::Mutex::new(()),
        })
    }

    /// The witness's public key.
    pub fn verifier(&self) -> &VerifierKey {
        self.witness.verifier()
    }

    /// The logs it follows.
    pub fn logs(&self) -> &[WitnessedLog] {
        self.witness.logs()
    }

    fn state_path(&self, origin: &str) -> PathBuf {
        let digest: String = Sha256::digest(origin.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.dir.join(format!("{digest}.state"))
    }

    /// The stored state for a log origin.
    pub fn state(&self, origin: &str) -> Result<Option<WitnessState>, WitnessError> {
        let path = self.state_path(origin);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io(&path)(error)),
        };
        let mut lines = text.lines();
        let size = lines.next().and_then(|l| l.parse::<u64>().ok());
        let root = lines.next().and_then(|l| Hash::from_base64(l).ok());
        match (size, root) {
            (Some(size), Some(root)) => Ok(Some(WitnessState { size, root })),
            _ => Err(WitnessError::Corrupt(path)),
        }
    }

    /// The latest checkpoint this witness cosigned for `origin`, with its cosignature.
    pub fn latest_checkpoint(&self, origin: &str) -> Result<Option<Vec<u8>>, WitnessError> {
        let path = self.state_path(origin).with_extension("checkpoint");
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io(&path)(error)),
        }
    }

    /// Handles one `add-checkpoint` request: decides, and for a 200 stores the new state
    /// durably before answering.
    pub async fn handle(&self, body: &[u8], now: u64) -> Result<Decision, WitnessError> {
        let _serial = self.serial.lock().await;
        let mut failure = None;
        let decision = self.witness.add_checkpoint(
            body,
            |origin| match self.state(origin) {
                Ok(state) => state,
                Err(error) => {
                    failure = Some(error);
                    None
                }
            },
            now,
        );
        if let Some(error) = failure {
            return Err(error);
        }
        if let Some(update) = &decision.update {
            let path = self.state_path(&update.origin);
            write_atomically(
                &path,
                format!("{}\n{}\n", update.next.size, update.next.root.to_base64()).as_bytes(),
            )?;
            // Keep the cosigned checkpoint for monitors: the request's note plus our line.
            if let Ok(request) = tlog::AddCheckpointRequest::parse(body) {
                let mut note = request.checkpoint;
                note.extend_from_slice(&decision.body);
                write_atomically(&path.with_extension("checkpoint"), &note)?;
            }
        }
        Ok(decision)
    }
}

impl Cosigner for LocalWitness {
    fn key(&self) -> &VerifierKey {
        self.witness.verifier()
    }

    fn add_checkpoint(&self, body: Vec<u8>) -> BoxFuture<'_, Result<(u16, Vec<u8>), String>> {
        Box::pin(async move {
            let decision = self
                .handle(&body, unix_seconds())
                .await
                .map_err(|e| e.to_string())?;
            Ok((decision.status, decision.body))
        })
    }
}

/// Seconds since the Unix epoch, for cosignature timestamps.
pub fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Writes a file so that a crash leaves either the old or the new content: temporary file,
/// fsync, rename, fsync of the folder.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WitnessError> {
    use std::io::Write as _;
    let folder = path.parent().unwrap_or(Path::new("."));
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temporary).map_err(io(&temporary))?;
    file.write_all(bytes).map_err(io(&temporary))?;
    file.sync_all().map_err(io(&temporary))?;
    std::fs::rename(&temporary, path).map_err(io(path))?;
    std::fs::File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(io(folder))?;
    Ok(())
}
