//! The log service, over any [`Store`]: Tessera's three phases.
//!
//! 1. **Sequencing** ([`Ledger::append`]): events get contiguous log indices in the same durable
//!    transaction that stores them. Once `append` returns, they are on disk. Appends that arrive
//!    while a transaction is committing are grouped into the next one (group commit), so many
//!    small captures share one fsync.
//! 2. **Integration** ([`Ledger::integrate`]): the tree grows in batches; the tiles that change
//!    are stored together with the new integrated size and tree edge, by compare-and-swap.
//! 3. **Publishing** ([`Ledger::publish`]): a checkpoint over the integrated tree is signed with
//!    the log key, at most once per publish interval while the tree grows, and only after
//!    checking that it is consistent with the previous published checkpoint.
//!
//! [`Ledger::run`] drives integration and publishing in the background. Reads (tiles, entry
//! bundles, proofs) come from stored tiles through a cache of expanded tiles, so a proof costs a
//! few lookups. Every format comes from the pure `tlog` crate; leaf bytes from [`leaf`].

pub mod audit;
pub mod leaf;
pub mod witness;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::{Appended, NewEvent, NewRecord, Store, StoreError, StoredCheckpoint};

use crate::leaf::{EntryKind, Leaf, body_digest};
use tlog::witness::AddCheckpointRequest;
use tlog::{NoteSignature, Policy};

use crate::witness::Cosigner;
use tlog::tile::{encode_bundle, right_edge_partials};
use tlog::{
    BundleCoord, Checkpoint, CompactRange, ExpandedTile, Hash, Note, ProofPlan, SignerKey, Tile,
    TileCoord, TileHashSource, TileReader, TlogProof, VerifierKey, consistency_plan,
    inclusion_plan, integrate, leaf_hash, verify_consistency,
};
use tokio::sync::{Notify, mpsc, oneshot, watch};

/// Why a log operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored log data does not add up (a missing tile, a damaged edge).
    #[error("the stored log is damaged: {0}")]
    Corrupt(String),
    /// Publishing would contradict an earlier checkpoint; nothing was signed.
    #[error("refusing to publish: {0}")]
    Inconsistent(String),
    /// The stored checkpoints were signed by a different key than this log's.
    #[error("the stored checkpoint is not signed by this log's key: {0}")]
    WrongKey(String),
    /// The entry is not covered by a published checkpoint yet.
    #[error("entry {index} is not in a published checkpoint yet (published size {published})")]
    NotYetPublished {
        /// The entry asked for.
        index: u64,
        /// The newest published size.
        published: u64,
    },
    /// The request is outside the tree.
    #[error("{0}")]
    OutOfRange(String),
    /// Too few witnesses cosigned for the policy's quorum; nothing was published.
    #[error("witness quorum not met: {0}")]
    QuorumNotMet(String),
    /// The witness configuration does not fit this log.
    #[error("witness configuration: {0}")]
    WitnessConfig(String),
    /// A record cannot be written into a leaf (an ID with a space or a line break).
    #[error("the record cannot be logged: {0}")]
    BadRecord(String),
    /// The sequencer has stopped (the process is shutting down); the outcome of the append is
    /// unknown to this caller.
    #[error("the log's sequencer has stopped")]
    SequencerStopped,
}

/// A record other than an event, for [`Ledger::append_record`].
#[derive(Clone, Debug)]
pub struct RecordEntry {
    /// What kind of record it is.
    pub kind: EntryKind,
    /// Its own ID, unique within its kind (no spaces or line breaks).
    pub record_id: String,
    /// The organisation making it: internal key and public ID (the leaf names the latter).
    pub org_id: i64,
    /// The organisation's public ID.
    pub org_public_id: String,
    /// When it was made, µs since the epoch, UTC.
    pub created_at: i64,
    /// The exact bytes stored and served, which the leaf commits to.
    pub body: Vec<u8>,
    /// The identifiers it is about, in their normal form.
    pub subjects: Vec<String>,
}

/// One caller's events waiting to be sequenced, and where to send the outcome.
struct AppendRequest {
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<Vec<Appended>>>,
}

/// Groups larger than this many events are not formed: a request that would pass it waits for
/// the next transaction. (A single request of any size still goes alone.)
const GROUP_EVENTS: usize = 20_000;

/// The sequencer: one task that owns the store's append path. While one transaction commits,
/// new requests queue; the next transaction takes all of them at once (group commit). Running it
/// as its own task, rather than in whichever caller holds a lock, means a caller that goes away
/// (a closed connection) cannot strand the others' events halfway.
async fn sequence<S: Store>(store: S, mut requests: mpsc::Receiver<AppendRequest>) {
    let mut waiting: Option<AppendRequest> = None;
    loop {
        let first = match waiting.take() {
            Some(request) => request,
            None => match requests.recv().await {
                Some(request) => request,
                None => return,
            },
        };
        let mut group = vec![first];
        let mut events: usize = group.iter().map(|r| r.events.len()).sum();
        while let Ok(request) = requests.try_recv() {
            if events + request.events.len() > GROUP_EVENTS {
                waiting = Some(request);
                break;
            }
            events += request.events.len();
            group.push(request);
        }
        tracing::debug!(requests = group.len(), events, "sequencing a group");
        commit_group(&store, group).await;
    }
}

/// Commits a group in one transaction and gives each request its part of the outcome. If the
/// group fails as a whole (an event ID reused, an unknown organisation), each request is
/// committed on its own, so one caller's bad events cannot fail another's.
async fn commit_group<S: Store>(store: &S, group: Vec<AppendRequest>) {
    if group.len() > 1 {
        let sizes: Vec<usize> = group.iter().map(|request| request.events.len()).collect();
        let mut replies = Vec::with_capacity(group.len());
        let mut combined = Vec::with_capacity(sizes.iter().sum());
        for request in group {
            combined.extend(request.events);
            replies.push(request.reply);
        }
        match store.append_events(&combined).await {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for (reply, size) in replies.into_iter().zip(sizes) {
                    let _ = reply.send(Ok(outcomes.by_ref().take(size).collect()));
                }
                return;
            }
            Err(_) => {
                // Nothing of the group was stored; retry each request alone, in order.
                let mut events = combined.into_iter();
                let group = replies
                    .into_iter()
                    .zip(sizes)
                    .map(|(reply, size)| AppendRequest {
                        events: events.by_ref().take(size).collect(),
                        reply,
                    });
                for request in group.collect::<Vec<_>>() {
                    commit_alone(store, request).await;
                }
                return;
            }
        }
    }
    for request in group {
        commit_alone(store, request).await;
    }
}

async fn commit_alone<S: Store>(store: &S, request: AppendRequest) {
    let result = store
        .append_events(&request.events)
        .await
        .map_err(LedgerError::from);
    // The caller may have gone away; its events are stored (or not) all the same.
    let _ = request.reply.send(result);
}

/// Shorthand for ledger results.
pub type Result<T, E = LedgerError> = std::result::Result<T, E>;

/// How the ledger paces itself.
#[derive(Clone, Debug)]
pub struct LedgerConfig {
    /// The least time between two published checkpoints while the tree grows.
    pub publish_interval: Duration,
    /// The most leaves integrated in one step (bounds memory and transaction size).
    pub integrate_batch: u64,
    /// How many expanded tiles the proof cache keeps (each about 16 KB).
    pub tile_cache_entries: usize,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        LedgerConfig {
            publish_interval: Duration::from_secs(1),
            integrate_batch: 65_536,
            tile_cache_entries: 4096,
        }
    }
}

/// The witnesses a log asks for cosignatures before it publishes, and the policy their
/// cosignatures must satisfy (C2SP tlog-policy: the same file consumers pin).
pub struct Witnesses {
    /// The policy: it must name this log's key; its witnesses and quorum decide publishing.
    pub policy: Policy,
    /// One cosigner per policy witness the log should ask, matched by key.
    pub cosigners: Vec<Arc<dyn Cosigner>>,
    /// How long to wait for each witness.
    pub timeout: Duration,
}

impl std::fmt::Debug for Witnesses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witnesses")
            .field(
                "cosigners",
                &self
                    .cosigners
                    .iter()
                    .map(|c| c.key().name().to_owned())
                    .collect::<Vec<_>>(),
            )
            .field("quorum", &self.policy.quorum())
            .finish_non_exhaustive()
    }
}

/// A cosigner with the name the policy gives it.
struct NamedCosigner {
    name: String,
    cosigner: Arc<dyn Cosigner>,
}

/// A published checkpoint, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// The signed note bytes, as served at `/log/checkpoint`.
    pub note: Vec<u8>,
}

/// The log service. Cheap to clone; clones share state.
pub struct Ledger<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for Ledger<S> {
    fn clone(&self) -> Self {
        Ledger {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<S> {
    store: S,
    signer: SignerKey,
    verifier: VerifierKey,
    config: LedgerConfig,
    /// Wakes the background loop when events were sequenced.
    grown: Notify,
    published: watch::Sender<Option<Arc<Published>>>,
    tiles: Mutex<HashMap<TileCoord, Arc<ExpandedTile>>>,
    policy: Option<Policy>,
    cosigners: Vec<NamedCosigner>,
    witness_timeout: Duration,
    /// The size each witness last cosigned, by policy name, so requests carry the right `old`.
    witness_sizes: Mutex<HashMap<String, u64>>,
    /// Serialises integration and publishing inside this process; the store's
    /// compare-and-swap protects against other processes.
    writer: tokio::sync::Mutex<()>,
    /// Where appends queue for the sequencer task (group commit).
    sequencer: mpsc::Sender<AppendRequest>,
}

/// Tiles already fetched for one operation.
struct FetchedTiles(HashMap<TileCoord, Arc<ExpandedTile>>);

impl TileReader for FetchedTiles {
    type Tile = Arc<ExpandedTile>;
    type Error = TileCoord;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Arc<ExpandedTile>>, TileCoord> {
        coords
            .iter()
            .map(|coord| self.0.get(coord).cloned().ok_or(*coord))
            .collect()
    }
}

fn parse_published(note: &[u8], key: &VerifierKey) -> Result<Published> {
    let (_, checkpoint) =
        Checkpoint::open(note, key).map_err(|e| LedgerError::WrongKey(e.to_string()))?;
    Ok(Published {
        checkpoint,
        note: note.to_vec(),
    })
}

impl<S: Store> Ledger<S> {
    /// Opens the log kept in `store`, signing with `signer` (whose name is the origin). Refuses
    /// to open a log whose stored checkpoint another key signed.
    pub async fn open(
        store: S,
        signer: SignerKey,
        config: LedgerConfig,
        witnesses: Option<Witnesses>,
    ) -> Result<Self> {
        let verifier = signer.verifier();
        let (policy, cosigners, witness_timeout) = match witnesses {
            None => (None, Vec::new(), Duration::from_secs(2)),
            Some(witnesses) => {
                if !witnesses
                    .policy
                    .logs_for(signer.name())
                    .any(|log| log.key == verifier)
                {
                    return Err(LedgerError::WitnessConfig(format!(
                        "the policy does not list this log's key for {}",
                        signer.name()
                    )));
                }
                let mut named = Vec::new();
                for cosigner in witnesses.cosigners {
                    let witness = witnesses
                        .policy
                        .witnesses()
                        .iter()
                        .find(|w| &w.key == cosigner.key())
                        .ok_or_else(|| {
                            LedgerError::WitnessConfig(format!(
                                "witness {} is not in the policy",
                                cosigner.key().name()
                            ))
                        })?;
                    named.push(NamedCosigner {
                        name: witness.name.clone(),
                        cosigner,
                    });
                }
                (Some(witnesses.policy), named, witnesses.timeout)
            }
        };
        let latest = match store.latest_checkpoint().await? {
            Some(stored) => Some(Arc::new(parse_published(&stored.note, &verifier)?)),
            None => None,
        };
        let (published, _) = watch::channel(latest);
        // The sequencer holds only the store, not the ledger, so it stops when the last
        // ledger handle (and with it the sending side) is dropped.
        let (sequencer, requests) = mpsc::channel(1024);
        tokio::spawn(sequence(store.clone(), requests));
        Ok(Ledger {
            inner: Arc::new(Inner {
                store,
                signer,
                verifier,
                config,
                grown: Notify::new(),
                published,
                tiles: Mutex::new(HashMap::new()),
                policy,
                cosigners,
                witness_timeout,
                witness_sizes: Mutex::new(HashMap::new()),
                writer: tokio::sync::Mutex::new(()),
                sequencer,
            }),
        })
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// The log's public key.
    pub fn verifier(&self) -> &VerifierKey {
        &self.inner.verifier
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        self.inner.signer.name()
    }

    /// Sequences events durably (phase 1) and wakes the integrator. Returns once the events are
    /// committed, possibly in one transaction with other callers' events (group commit).
    pub async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<Appended>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, outcome) = oneshot::channel();
        self.inner
            .sequencer
            .send(AppendRequest { events, reply })
            .await
            .map_err(|_| LedgerError::SequencerStopped)?;
        let outcome = outcome.await.map_err(|_| LedgerError::SequencerStopped)??;
        if outcome.iter().any(|o| matches!(o, Appended::New { .. })) {
            self.inner.grown.notify_one();
        }
        Ok(outcome)
    }

    /// Sequences a record other than an event (a certificate, a recall) durably: its leaf
    /// commits to its ID and the SHA-256 of `body`. Returns its log index once committed.
    /// Records are rare next to events, so they take their own transaction rather than the
    /// sequencer's group commit; the store serialises them with event appends.
    pub async fn append_record(&self, record: RecordEntry) -> Result<u64> {
        let leaf = Leaf {
            kind: record.kind,
            subject: record.record_id.clone(),
            body_sha256: body_digest(&record.body),
            org: record.org_public_id,
            record_time: record.created_at,
        }
        .encode()
        .map_err(|e| LedgerError::BadRecord(e.to_string()))?;
        let index = self
            .inner
            .store
            .append_record(&NewRecord {
                kind: record.kind.as_str().to_owned(),
                record_id: record.record_id,
                org_id: record.org_id,
                created_at: record.created_at,
                body: record.body,
                leaf,
                subjects: record.subjects,
            })
            .await?;
        self.inner.grown.notify_one();
        Ok(index)
    }

    /// The newest published checkpoint.
    pub fn latest(&self) -> Option<Arc<Published>> {
        self.inner.published.borrow().clone()
    }

    /// A receiver that sees every newly published checkpoint.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<Published>>> {
        self.inner.published.subscribe()
    }

    /// Fetches tiles through the cache of expanded tiles. Every tile coordinate names immutable
    /// content (a partial tile has its width in its name), so cached tiles never go stale.
    async fn fetch_tiles(&self, coords: &[TileCoord]) -> Result<FetchedTiles> {
        let mut found = HashMap::with_capacity(coords.len());
        let mut missing = Vec::new();
        {
            let cache = self
                .inner
                .tiles
                .lock()
                .map_err(|_| LedgerError::Corrupt("tile cache poisoned".into()))?;
            for coord in coords {
                match cache.get(coord) {
                    Some(tile) => {
                        found.insert(*coord, tile.clone());
                    }
                    None if !missing.contains(coord) => missing.push(*coord),
                    None => {}
                }
            }
        }
        if !missing.is_empty() {
            let stored = self.inner.store.tiles(&missing).await?;
            let mut cache = self
                .inner
                .tiles
                .lock()
                .map_err(|_| LedgerError::Corrupt("tile cache poisoned".into()))?;
            let capacity = self.inner.config.tile_cache_entries;
            for (coord, bytes) in missing.iter().zip(stored) {
                let bytes = bytes
                    .ok_or_else(|| LedgerError::Corrupt(format!("tile {coord} is missing")))?;
                let tile = Tile::from_bytes(&bytes, coord.width)
                    .map_err(|e| LedgerError::Corrupt(format!("{coord}: {e}")))?;
                let expanded = Arc::new(tile.expand());
                if coord.width < tlog::tile::TILE_WIDTH {
                    // A partial tile is superseded by each wider one at its place as the log
                    // grows. Keeping every width would fill the cache with the right edge's
                    // history, one entry a checkpoint, and push out the full tiles that proofs
                    // keep needing; the newest width is what new proofs ask for.
                    cache.retain(|cached, _| {
                        cached.level != coord.level
                            || cached.index != coord.index
                            || cached.width == tlog::tile::TILE_WIDTH
                    });
                }
                if cache.len() >= capacity {
                    // Full tiles are immutable, so evicting any entry is safe; drop an eighth.
                    let victims: Vec<TileCoord> =
                        cache.keys().take(capacity / 8 + 1).copied().collect();
                    for victim in victims {
                        cache.remove(&victim);
                    }
                }
                cache.insert(*coord, expanded.clone());
                found.insert(*coord, expanded);
            }
        }
        Ok(FetchedTiles(found))
    }

    /// Runs a proof plan against the stored tiles of the tree of `size` leaves.
    async fn run_plan(&self, plan: &ProofPlan, size: u64) -> Result<Vec<Hash>> {
        let mut coords = Vec::new();
        for node in plan.nodes() {
            let (coord, _, _) = TileCoord::containing(*node, size).ok_or_else(|| {
                LedgerError::OutOfRange(format!("node {node:?} is not in a tree of size {size}"))
            })?;
            if !coords.contains(&coord) {
                coords.push(coord);
            }
        }
        let tiles = self.fetch_tiles(&coords).await?;
        plan.execute(&TileHashSource::new(tiles, size))
            .map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// The inclusion proof of entry `index` in the tree of `size` leaves.
    pub async fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        self.check_integrated(size).await?;
        let plan =
            inclusion_plan(index, size).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
        self.run_plan(&plan, size).await
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        self.check_integrated(new).await?;
        let plan =
            consistency_plan(old, new).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
        self.run_plan(&plan, new).await
    }

    async fn check_integrated(&self, size: u64) -> Result<()> {
        let integrated = self.inner.store.log_state().await?.integrated;
        if size > integrated {
            return Err(LedgerError::OutOfRange(format!(
                "the tree has {integrated} integrated entries, not {size}"
            )));
        }
        Ok(())
    }

    /// A C2SP tlog-proof for entry `index` against the newest published checkpoint.
    pub async fn tlog_proof(&self, index: u64) -> Result<TlogProof> {
        let latest = self.latest().ok_or(LedgerError::NotYetPublished {
            index,
            published: 0,
        })?;
        let size = latest.checkpoint.size;
        if index >= size {
            return Err(LedgerError::NotYetPublished {
                index,
                published: size,
            });
        }
        let inclusion = self.inclusion_proof(index, size).await?;
        Ok(TlogProof {
            extra: None,
            index,
            inclusion,
            checkpoint: latest.note.clone(),
        })
    }

    /// C2SP tlog-proofs for several entries against the newest published checkpoint, with one
    /// tile fetch for all of them (a consumer page proves ten records at once); `None` for an
    /// entry the checkpoint does not cover yet. A published checkpoint only ever covers
    /// integrated entries, so unlike [`Ledger::inclusion_proof`] this does not ask the store
    /// for the integrated size.
    pub async fn tlog_proofs(&self, indices: &[u64]) -> Result<Vec<Option<TlogProof>>> {
        let Some(latest) = self.latest() else {
            return Ok(vec![None; indices.len()]);
        };
        let size = latest.checkpoint.size;
        let mut plans = Vec::with_capacity(indices.len());
        let mut coords = Vec::new();
        for &index in indices {
            if index >= size {
                plans.push(None);
                continue;
            }
            let plan =
                inclusion_plan(index, size).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
            for node in plan.nodes() {
                let (coord, _, _) = TileCoord::containing(*node, size).ok_or_else(|| {
                    LedgerError::OutOfRange(format!(
                        "node {node:?} is not in a tree of size {size}"
                    ))
                })?;
                if !coords.contains(&coord) {
                    coords.push(coord);
                }
            }
            plans.push(Some((index, plan)));
        }
        let source = TileHashSource::new(self.fetch_tiles(&coords).await?, size);
        plans
            .into_iter()
            .map(|plan| {
                let Some((index, plan)) = plan else {
                    return Ok(None);
                };
                let inclusion = plan
                    .execute(&source)
                    .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
                Ok(Some(TlogProof {
                    extra: None,
                    index,
                    inclusion,
                    checkpoint: latest.note.clone(),
                }))
            })
            .collect()
    }

    /// A stored tile, if the integrated tree has it.
    pub async fn tile(&self, coord: TileCoord) -> Result<Option<Vec<u8>>> {
        let integrated = self.inner.store.log_state().await?.integrated;
        // Only tiles that exist for some size up to the integrated one are served: a full tile
        // once complete, a partial one while it was the right edge.
        let entries = integrated
            .checked_shr(u32::from(coord.level) * 8)
            .unwrap_or(0);
        let available = entries.saturating_sub(coord.index.saturating_mul(256));
        if coord.level > 7 || available < u64::from(coord.width) {
            return Ok(None);
        }
        Ok(self.inner.store.tiles(&[coord]).await?.pop().flatten())
    }

    /// An entry bundle, built from the stored leaves, if the integrated tree covers it.
    pub async fn entry_bundle(&self, coord: BundleCoord) -> Result<Option<Vec<u8>>> {
        let integrated = self.inner.store.log_state().await?.integrated;
        let start = coord.index.saturating_mul(256);
        let end = start.saturating_add(u64::from(coord.width));
        if end > integrated {
            return Ok(None);
        }
        let leaves = self.inner.store.leaves(start, end).await?;
        if leaves.len() as u64 != end - start {
            return Err(LedgerError::Corrupt(format!(
                "entries {start}..{end} are missing"
            )));
        }
        encode_bundle(&leaves)
            .map(Some)
            .map_err(|e| LedgerError::Corrupt(e.to_string()))
    }

    /// Integrates every sequenced entry (phase 2), in batches. Returns the integrated size.
    pub async fn integrate(&self) -> Result<u64> {
        let _writer = self.inner.writer.lock().await;
        loop {
            let state = self.inner.store.log_state().await?;
            if state.integrated >= state.sequenced {
                return Ok(state.integrated);
            }
            let from = state.integrated;
            let to = state
                .sequenced
                .min(from.saturating_add(self.inner.config.integrate_batch));
            let leaves = self.inner.store.leaves(from, to).await?;
            if leaves.len() as u64 != to - from {
                return Err(LedgerError::Corrupt(format!(
                    "log entries {from}..{to} are missing"
                )));
            }
            let hashes: Vec<Hash> = leaves.iter().map(|leaf| leaf_hash(leaf)).collect();
            let range = CompactRange::from_parts(from, state.edge)
                .map_err(|e| LedgerError::Corrupt(format!("tree edge: {e}")))?;
            // `integrate` reads only the right-edge partial tiles; fetch them first because
            // the store is asynchronous and `tlog` is not.
            let edge_tiles = self.fetch_tiles(&right_edge_partials(from)).await?;
            let integration = integrate(&edge_tiles, &range, &hashes)
                .map_err(|e| LedgerError::Corrupt(format!("integrating: {e}")))?;
            let tiles: Vec<(TileCoord, Vec<u8>)> = integration
                .tiles
                .iter()
                .map(|(coord, tile)| (*coord, tile.to_bytes()))
                .collect();
            match self
                .inner
                .store
                .commit_integration(from, to, integration.range.roots(), &tiles)
                .await
            {
                Ok(()) => {}
                // Another process integrated first; read the new state and carry on.
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Publishes a checkpoint over the integrated tree (phase 3) if it grew since the last one.
    /// Checks consistency with the previous checkpoint before signing. Returns the new
    /// checkpoint, or `None` when there was nothing new.
    pub async fn publish(&self, now_micros: i64) -> Result<Option<Arc<Published>>> {
        let _writer = self.inner.writer.lock().await;
        let state = self.inner.store.log_state().await?;
        let size = state.integrated;
        let root = CompactRange::from_parts(size, state.edge)
            .map_err(|e| LedgerError::Corrupt(format!("tree edge: {e}")))?
            .root();
        let previous = match self.inner.store.latest_checkpoint().await? {
            Some(stored) => Some(parse_published(&stored.note, &self.inner.verifier)?),
            None => None,
        };
        if let Some(previous) = &previous {
            let old = &previous.checkpoint;
            if old.size > size {
                return Err(LedgerError::Inconsistent(format!(
                    "the published size {} is larger than the integrated size {size}",
                    old.size
                )));
            }
            if old.size == size {
                if old.root != root {
                    return Err(LedgerError::Inconsistent(format!(
                        "the tree of size {size} has a different root than the published one"
                    )));
                }
                return Ok(None);
            }
            if old.size > 0 {
                let proof = self.consistency_proof_unlocked(old.size, size).await?;
                verify_consistency(old.size, size, &proof, &old.root, &root).map_err(|e| {
                    LedgerError::Inconsistent(format!(
                        "the tree of size {size} does not extend the published size {}: {e}",
                        old.size
                    ))
                })?;
            }
        }
        let checkpoint = Checkpoint {
            origin: self.inner.signer.name().to_owned(),
            size,
            root,
            extensions: String::new(),
        };
        let mut note =
            Note::new(checkpoint.to_text()).map_err(|e| LedgerError::Corrupt(e.to_string()))?;
        note.sign(&self.inner.signer)
            .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
        if let Some(policy) = &self.inner.policy {
            let cosignatures = self.gather_cosignatures(&note, size).await;
            let names: Vec<&str> = cosignatures.iter().map(|(name, _)| name.as_str()).collect();
            if !policy.is_satisfied(&names) {
                return Err(LedgerError::QuorumNotMet(format!(
                    "size {size} cosigned by [{}], the policy needs {}",
                    names.join(", "),
                    policy.quorum().unwrap_or("none")
                )));
            }
            for (_, signature) in cosignatures {
                note.push_signature(signature)
                    .map_err(|e| LedgerError::Corrupt(e.to_string()))?;
            }
        }
        let stored = StoredCheckpoint {
            size,
            note: note.to_bytes(),
            published_at: now_micros,
        };
        self.inner
            .store
            .publish_checkpoint(previous.as_ref().map(|p| p.checkpoint.size), &stored)
            .await?;
        let published = Arc::new(Published {
            checkpoint,
            note: stored.note,
        });
        self.inner.published.send_replace(Some(published.clone()));
        tracing::debug!(size, "published checkpoint");
        Ok(Some(published))
    }

    /// Asks every witness, concurrently and each within the timeout, to cosign the signed
    /// `note` of the tree of `size` leaves. Returns the verified cosignatures by policy name;
    /// failures are logged and simply missing from the result.
    async fn gather_cosignatures(&self, note: &Note, size: u64) -> Vec<(String, NoteSignature)> {
        let note_bytes = Arc::new(note.to_bytes());
        let text = Arc::new(note.text().to_owned());
        let mut tasks = tokio::task::JoinSet::new();
        for (slot, named) in self.inner.cosigners.iter().enumerate() {
            let ledger = self.clone();
            let (note_bytes, text) = (note_bytes.clone(), text.clone());
            let timeout = self.inner.witness_timeout;
            let name = named.name.clone();
            tasks.spawn(async move {
                let exchange = ledger.cosign_with(slot, &note_bytes, &text, size);
                (name, tokio::time::timeout(timeout, exchange).await)
            });
        }
        let mut cosignatures = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((name, Ok(Ok(signature)))) => cosignatures.push((name, signature)),
                Ok((name, Ok(Err(error)))) => {
                    tracing::warn!(witness = %name, %error, "no cosignature");
                }
                Ok((name, Err(_))) => tracing::warn!(witness = %name, "witness timed out"),
                Err(error) => tracing::error!(%error, "witness task failed"),
            }
        }
        cosignatures
    }

    /// One witness's add-checkpoint exchange, resynchronising once on 409 (C2SP tlog-witness:
    /// the 409 body is the size the witness has).
    async fn cosign_with(
        &self,
        slot: usize,
        note_bytes: &[u8],
        text: &str,
        size: u64,
    ) -> Result<NoteSignature, String> {
        let named = self.inner.cosigners.get(slot).ok_or("no such witness")?;
        let remember = |value: u64| {
            if let Ok(mut sizes) = self.inner.witness_sizes.lock() {
                sizes.insert(named.name.clone(), value);
            }
        };
        let mut old = self
            .inner
            .witness_sizes
            .lock()
            .map(|sizes| sizes.get(&named.name).copied().unwrap_or(0))
            .unwrap_or(0);
        for _ in 0..2 {
            if old > size {
                return Err(format!(
                    "the witness has cosigned size {old}, beyond this log's {size}: a split view or lost data"
                ));
            }
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                self.consistency_proof_unlocked(old, size)
                    .await
                    .map_err(|e| e.to_string())?
            };
            let body = AddCheckpointRequest {
                old_size: old,
                proof,
                checkpoint: note_bytes.to_vec(),
            }
            .to_bytes();
            let (status, response) = named.cosigner.add_checkpoint(body).await?;
            match status {
                200 => {
                    let signature = cosignature_in(&response, named.cosigner.key(), text)?;
                    remember(size);
                    return Ok(signature);
                }
                409 => {
                    old = std::str::from_utf8(&response)
                        .ok()
                        .and_then(|body| body.trim().parse().ok())
                        .ok_or("409 without a size")?;
                    remember(old);
                }
                other => {
                    return Err(format!(
                        "answered {other}: {}",
                        String::from_utf8_lossy(&response).trim()
                    ));
                }
            }
        }
        Err("the witness kept answering 409".into())
    }

    async fn consistency_proof_unlocked(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        let plan =
            consistency_plan(old, new).map_err(|e| LedgerError::OutOfRange(e.to_string()))?;
        self.run_plan(&plan, new).await
    }

    /// Integrates and publishes until `shutdown` turns true: woken by new entries, publishing at
    /// most once per publish interval. Errors are logged and retried on the next wake, so a
    /// transient database failure does not stop the log.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        let interval = self.inner.config.publish_interval;
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_publish: Option<tokio::time::Instant> = None;
        loop {
            tokio::select! {
                () = self.inner.grown.notified() => {}
                _ = ticker.tick() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
            if let Err(error) = self.integrate().await {
                tracing::error!(%error, "integration failed; retrying");
                continue;
            }
            // When publishing is not due yet, the next tick (at most one interval away) comes
            // back for it.
            if last_publish.is_none_or(|at| at.elapsed() >= interval) {
                match self.publish(now_micros()).await {
                    Ok(Some(_)) => last_publish = Some(tokio::time::Instant::now()),
                    Ok(None) => {}
                    Err(error) => tracing::error!(%error, "publishing failed; retrying"),
                }
            }
        }
    }

    /// Waits until a published checkpoint covers `size` entries, or `timeout` passes.
    pub async fn wait_published(&self, size: u64, timeout: Duration) -> Option<Arc<Published>> {
        let mut receiver = self.subscribe();
        let wait = async {
            loop {
                if let Some(published) = receiver.borrow_and_update().clone()
                    && published.checkpoint.size >= size
                {
                    return Some(published);
                }
                if receiver.changed().await.is_err() {
                    return None;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.ok().flatten()
    }
}

/// Finds and verifies the witness's cosignature among the signature lines of an add-checkpoint
/// response.
fn cosignature_in(response: &[u8], key: &VerifierKey, text: &str) -> Result<NoteSignature, String> {
    // The response body is signature lines; reading them as the signature block of a note over
    // the same text reuses the one signed-note parser.
    let mut note = text.as_bytes().to_vec();
    note.push(b'\n');
    note.extend_from_slice(response);
    let parsed = Note::parse(&note).map_err(|e| format!("bad cosignature lines: {e}"))?;
    let signature = parsed
        .signatures()
        .iter()
        .find(|s| s.name == key.name() && s.key_id == key.key_id())
        .ok_or("no cosignature from the witness's key")?;
    if !key.verify(text.as_bytes(), &signature.signature) {
        return Err("the cosignature does not verify".into());
    }
    Ok(signature.clone())
}

/// The current time in microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX)
        })
}
