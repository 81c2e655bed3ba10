//! A full audit of a stored log: every event re-read and re-hashed, every other record (certificate,
//! recall) re-read and re-digested, every leaf recomputed, the
//! whole tree rebuilt, every current tile and the tree edge compared, and the latest checkpoint's
//! signature and root checked. It trusts nothing the store says about itself.
//!
//! The first disagreement ends the audit with an [`AuditFailure`] that names the entry index or
//! the tile, so an operator (or a regulator's auditor) knows exactly where the data was changed.

use std::collections::HashMap;

use store::{Store, StoreError, StoredEvent, StoredRecord};
use tlog::tile::tiles_for_size;
use tlog::{
    Checkpoint, CompactRange, Hash, Tile, TileCoord, TileReader, VerifierKey, integrate, leaf_hash,
};

use crate::leaf::{EntryKind, Leaf, body_digest};

/// What a passing audit covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries checked (the sequenced size).
    pub entries: u64,
    /// Entries in the stored tiles (the integrated size).
    pub integrated: u64,
    /// Tiles compared with the rebuild.
    pub tiles_checked: usize,
    /// The latest checkpoint, verified.
    pub checkpoint: Option<Checkpoint>,
}

/// Where an audit found stored data that does not add up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditFailure {
    /// An entry disagrees with its leaf, its hash or its position.
    #[error("entry {index}: {reason}")]
    Entry {
        /// The first bad log index.
        index: u64,
        /// What is wrong.
        reason: String,
    },
    /// A stored tile differs from the rebuilt one.
    #[error("tile {coord}: {reason}")]
    Tile {
        /// The tile.
        coord: TileCoord,
        /// What is wrong.
        reason: String,
    },
    /// The stored tree edge or the latest checkpoint is wrong.
    #[error("{0}")]
    Tree(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Recomputes an event's canonical hash ID from its stored bytes.
pub type Rehash<'a> = &'a (dyn Fn(&[u8]) -> Result<String, String> + Sync);

struct Rebuilt(HashMap<TileCoord, Tile>);

impl TileReader for Rebuilt {
    type Tile = Tile;
    type Error = TileCoord;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>, TileCoord> {
        coords
            .iter()
            .map(|c| self.0.get(c).cloned().ok_or(*c))
            .collect()
    }
}

/// One log entry as stored: an EPCIS event or another record.
enum Entry<'a> {
    Event(&'a StoredEvent),
    Record(&'a StoredRecord),
}

impl Entry<'_> {
    fn index(&self) -> u64 {
        match self {
            Entry::Event(event) => event.index,
            Entry::Record(record) => record.index,
        }
    }
}

/// Checks an event against its leaf and recomputes its event hash from the stored bytes.
fn check_event(
    event: &StoredEvent,
    orgs: &HashMap<i64, String>,
    rehash: Rehash<'_>,
) -> Result<(), String> {
    let leaf = Leaf::decode(&event.leaf).map_err(|e| e.to_string())?;
    if leaf.kind != EntryKind::EpcisEvent || leaf.subject != event.event_hash {
        return Err("the leaf commits to another event hash".into());
    }
    if leaf.body_sha256 != body_digest(&event.body) {
        return Err("the stored event bytes differ from what the leaf commits to".into());
    }
    if orgs.get(&event.org_id) != Some(&leaf.org) {
        return Err("the leaf names another organisation".into());
    }
    if leaf.record_time != event.record_time {
        return Err("the leaf has another record time".into());
    }
    let recomputed = rehash(&event.body).map_err(|e| format!("cannot rehash the event: {e}"))?;
    if recomputed != event.event_hash {
        return Err(format!(
            "the event hashes to {recomputed}, not {}",
            event.event_hash
        ));
    }
    Ok(())
}

/// Checks a record (certificate, recall) against its leaf.
fn check_record(record: &StoredRecord, orgs: &HashMap<i64, String>) -> Result<(), String> {
    let leaf = Leaf::decode(&record.leaf).map_err(|e| e.to_string())?;
    if leaf.kind.as_str() != record.kind || leaf.subject != record.record_id {
        return Err(format!(
            "the leaf commits to another record than {} {}",
            record.kind, record.record_id
        ));
    }
    if leaf.body_sha256 != body_digest(&record.body) {
        return Err(format!(
            "the stored bytes of {} {} differ from what the leaf commits to",
            record.kind, record.record_id
        ));
    }
    if orgs.get(&record.org_id) != Some(&leaf.org) {
        return Err("the leaf names another organisation".into());
    }
    if leaf.record_time != record.created_at {
        return Err("the leaf has another record time".into());
    }
    Ok(())
}

/// Audits the log in `store` against the log key. `orgs` maps internal organisation keys to the
/// public IDs written in leaves; `rehash` recomputes event hashes.
pub async fn audit<S: Store>(
    store: &S,
    key: &VerifierKey,
    orgs: &HashMap<i64, String>,
    rehash: Rehash<'_>,
) -> Result<AuditReport, AuditFailure> {
    const PAGE: u32 = 2000;
    let state = store.log_state().await?;
    let latest = store.latest_checkpoint().await?;
    let checkpoint = match &latest {
        Some(stored) => Some(
            Checkpoint::open(&stored.note, key)
                .map_err(|e| AuditFailure::Tree(format!("latest checkpoint: {e}")))?
                .1,
        ),
        None => None,
    };
    let checkpoint_size = checkpoint.as_ref().map(|c| c.size);
    let mut checkpoint_root = checkpoint_size
        .filter(|size| *size == 0)
        .map(|_| tlog::EMPTY_ROOT);

    let mut range = CompactRange::new();
    let mut tiles = Rebuilt(HashMap::new());
    let mut integrated_range = CompactRange::new();
    let mut pending: Vec<Hash> = Vec::new();
    let mut next = 0u64;
    loop {
        // Entries are events or other records (certificates, recalls); both are read for one
        // window of indices at a time and checked in index order.
        let window_end = next.saturating_add(u64::from(PAGE));
        let events = store.events_from(next, PAGE).await?;
        let records = store.records_in(next, window_end).await?;
        let mut entries: Vec<Entry<'_>> = events
            .iter()
            .filter(|event| event.index < window_end)
            .map(Entry::Event)
            .chain(records.iter().map(Entry::Record))
            .collect();
        if entries.is_empty() {
            break;
        }
        entries.sort_by_key(Entry::index);
        for entry in &entries {
            let index = next;
            let bad = |reason: String| AuditFailure::Entry { index, reason };
            if entry.index() != index {
                return Err(bad(format!(
                    "missing; the next stored entry is {}",
                    entry.index()
                )));
            }
            let leaf_bytes = match entry {
                Entry::Event(event) => {
                    check_event(event, orgs, rehash).map_err(bad)?;
                    &event.leaf
                }
                Entry::Record(record) => {
                    check_record(record, orgs).map_err(bad)?;
                    &record.leaf
                }
            };
            let hash = leaf_hash(leaf_bytes);
            range.append(hash).map_err(|e| bad(e.to_string()))?;
            if Some(range.size()) == checkpoint_size {
                checkpoint_root = Some(range.root());
            }
            if index < state.integrated {
                pending.push(hash);
            }
            next += 1;
        }
        if !pending.is_empty() {
            let integration = integrate(&tiles, &integrated_range, &pending)
                .map_err(|e| AuditFailure::Tree(format!("rebuilding: {e}")))?;
            tiles.0.extend(integration.tiles);
            integrated_range = integration.range;
            pending.clear();
        }
    }
    if next != state.sequenced {
        return Err(AuditFailure::Entry {
            index: next,
            reason: format!(
                "missing; the log says {} entries are sequenced",
                state.sequenced
            ),
        });
    }
    if integrated_range.roots() != state.edge.as_slice() {
        return Err(AuditFailure::Tree(format!(
            "the stored tree edge at size {} differs from the rebuilt one",
            state.integrated
        )));
    }
    let coords: Vec<TileCoord> = tiles_for_size(state.integrated).collect();
    for chunk in coords.chunks(256) {
        let stored = store.tiles(chunk).await?;
        for (coord, bytes) in chunk.iter().zip(stored) {
            let rebuilt = tiles.0.get(coord).map(Tile::to_bytes);
            match bytes {
                None => {
                    return Err(AuditFailure::Tile {
                        coord: *coord,
                        reason: "missing".into(),
                    });
                }
                Some(bytes) if Some(&bytes) != rebuilt.as_ref() => {
                    return Err(AuditFailure::Tile {
                        coord: *coord,
                        reason: "differs from the tile rebuilt from the entries".into(),
                    });
                }
                Some(_) => {}
            }
        }
    }
    if let Some(checkpoint) = &checkpoint {
        if checkpoint.size > state.integrated {
            return Err(AuditFailure::Tree(format!(
                "the latest checkpoint has size {}, beyond the {} integrated entries",
                checkpoint.size, state.integrated
            )));
        }
        if checkpoint_root != Some(checkpoint.root) {
            return Err(AuditFailure::Tree(format!(
                "the latest checkpoint's root differs from the entries' root at size {}",
                checkpoint.size
            )));
        }
    }
    Ok(AuditReport {
        entries: next,
        integrated: state.integrated,
        tiles_checked: coords.len(),
        checkpoint,
    })
}
