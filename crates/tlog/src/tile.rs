//! C2SP tlog-tiles (v0.1.0): tile coordinates and paths, tile contents, entry bundles, proofs
//! computed from tiles, and integrating a batch of leaves into new tiles.
//!
//! A tile at level `L` holds up to 256 hashes of complete subtrees of height `8·L`: level 0 holds
//! leaf hashes, level 1 the roots of full level-0 tiles, and so on. Tile `N` at level `L` covers
//! entries `[N·256^(L+1), (N+1)·256^(L+1))`. A tile with fewer than 256 hashes is *partial* and is
//! served at `tile/L/N.p/W`; partial tiles are never hashed into the level above.

use std::fmt;

use crate::compact::{CompactRange, CompactRangeError};
use crate::hash::{Hash, node_hash};
use crate::merkle::{HashSource, NodeId};

/// Hashes in a full tile.
pub const TILE_WIDTH: u16 = 256;
/// Tree levels inside one tile (`256 = 2^8`).
pub const TILE_HEIGHT: u8 = 8;
/// The largest entry an entry bundle can carry: its length prefix is a big-endian `u16`.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// One tile: its level, its index at that level, and its width (1–256; 256 is a full tile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    /// Tile level, 0 for leaf hashes.
    pub level: u8,
    /// Index among the tiles of this level.
    pub index: u64,
    /// Number of hashes, 1–256.
    pub width: u16,
}

/// One entry bundle: the raw entries behind level-0 tile `index`, `width` of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BundleCoord {
    /// Index of the level-0 tile this bundle belongs to.
    pub index: u64,
    /// Number of entries, 1–256.
    pub width: u16,
}

/// Why a tile path, a tile or a bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not a canonical C2SP tile or entry-bundle path.
    #[error("not a canonical tlog-tiles path: {0:?}")]
    BadPath(String),
    /// The tile bytes are not a whole number of hashes, or not the expected count.
    #[error("a tile of width {width} has {want} bytes, not {got}")]
    BadTileLength {
        /// The width the tile should have.
        width: u16,
        /// `32 · width`.
        want: usize,
        /// The bytes given.
        got: usize,
    },
    /// The width is not in 1–256.
    #[error("tile width {0} is not between 1 and 256")]
    BadWidth(usize),
    /// An entry is too large for the bundle's 16-bit length prefix.
    #[error("entry of {0} bytes is larger than the 65,535 bytes a bundle can hold")]
    EntryTooLarge(usize),
    /// The bundle ends in the middle of an entry, or holds the wrong number of entries.
    #[error("malformed entry bundle: {0}")]
    BadBundle(&'static str),
}

/// Writes a tile index as C2SP path elements: groups of three digits, all but the last prefixed
/// with `x` (`1234067` → `x001/x234/067`).
fn write_index(out: &mut String, mut index: u64) {
    let mut groups = [0u16; 7]; // u64::MAX has 20 digits, so at most 7 groups.
    let mut count = 0;
    loop {
        groups[count] = (index % 1000) as u16;
        count += 1;
        index /= 1000;
        if index == 0 {
            break;
        }
    }
    for (position, group) in groups[..count].iter().rev().enumerate() {
        if position + 1 < count {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
}

/// Parses the index part of a path (`x001/x234/067`) and the optional `.p/W` suffix, accepting
/// only the canonical form that [`write_index`] produces.
fn parse_index_and_width(text: &str) -> Option<(u64, u16)> {
    let (index_text, width) = match text.split_once(".p/") {
        Some((index_text, width_text)) => {
            let width: u16 = parse_canonical_decimal(width_text)?;
            if !(1..=255).contains(&width) {
                return None;
            }
            (index_text, width)
        }
        None => (text, TILE_WIDTH),
    };
    let mut index: u64 = 0;
    let mut elements = index_text.split('/').peekable();
    while let Some(element) = elements.next() {
        let digits = if elements.peek().is_some() {
            element.strip_prefix('x')?
        } else {
            element
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let group: u64 = digits.parse().ok()?;
        index = index.checked_mul(1000)?.checked_add(group)?;
    }
    // Reject non-canonical spellings such as a leading `x000/` group.
    let mut canonical = String::new();
    write_index(&mut canonical, index);
    (canonical == index_text).then_some((index, width))
}

/// Parses a decimal number written without sign or leading zeros.
fn parse_canonical_decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    let canonical = !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}

fn width_suffix(out: &mut String, width: u16) {
    if width < TILE_WIDTH {
        out.push_str(&format!(".p/{width}"));
    }
}

impl TileCoord {
    /// The C2SP path, for example `tile/0/x001/234` or `tile/1/000.p/17`.
    pub fn path(&self) -> String {
        let mut out = format!("tile/{}/", self.level);
        write_index(&mut out, self.index);
        width_suffix(&mut out, self.width);
        out
    }

    /// Parses a C2SP tile path (not the golang/mod sumdb form, which adds the tile height).
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let bad = || TileError::BadPath(path.chars().take(100).collect());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level_text, rest) = rest.split_once('/').ok_or_else(bad)?;
        let level: u8 = parse_canonical_decimal(level_text).ok_or_else(bad)?;
        if level > 63 {
            return Err(bad());
        }
        let (index, width) = parse_index_and_width(rest).ok_or_else(bad)?;
        Ok(TileCoord {
            level,
            index,
            width,
        })
    }

    /// True for a full tile of 256 hashes.
    pub fn is_full(&self) -> bool {
        self.width == TILE_WIDTH
    }

    /// The tile that holds `node` in a tree of `tree_size` leaves, with the node's row inside
    /// the tile (its height above the tile's entries) and its position in that row. `None` if
    /// the node is not a complete subtree of that tree.
    pub fn containing(node: NodeId, tree_size: u64) -> Option<(TileCoord, u8, usize)> {
        if node.level > 63 || node.end_leaf()? > tree_size {
            return None;
        }
        let level = node.level / TILE_HEIGHT;
        let row = node.level % TILE_HEIGHT;
        let first_entry = node.index << row;
        let tile_index = first_entry >> TILE_HEIGHT;
        let offset = (first_entry & 0xff) as usize;
        let width = tile_width(level, tile_index, tree_size)?;
        let coord = TileCoord {
            level,
            index: tile_index,
            width,
        };
        Some((coord, row, offset >> row))
    }
}

/// The width of tile `index` at `level` in a tree of `tree_size` leaves, or `None` if that tile
/// has no entries yet.
pub fn tile_width(level: u8, index: u64, tree_size: u64) -> Option<u16> {
    let entries = tree_size.checked_shr(u32::from(level) * 8).unwrap_or(0);
    let full_tiles = entries >> TILE_HEIGHT;
    if index < full_tiles {
        Some(TILE_WIDTH)
    } else if index == full_tiles && entries & 0xff != 0 {
        Some((entries & 0xff) as u16)
    } else {
        None
    }
}

/// Every tile that exists for a tree of `tree_size` leaves, level by level: what a mirror or
/// monitor fetches, and what an audit recomputes.
pub fn tiles_for_size(tree_size: u64) -> impl Iterator<Item = TileCoord> {
    (0u8..8).flat_map(move |level| {
        let entries = tree_size.checked_shr(u32::from(level) * 8).unwrap_or(0);
        let count = entries.div_ceil(u64::from(TILE_WIDTH));
        (0..count).filter_map(move |index| {
            tile_width(level, index, tree_size).map(|width| TileCoord {
                level,
                index,
                width,
            })
        })
    })
}

/// The tiles whose content differs between a tree of `old_size` and one of `new_size` leaves:
/// every tile that gains an entry. Level-0 coordinates double as the entry bundles to write.
pub fn changed_tiles(old_size: u64, new_size: u64) -> Vec<TileCoord> {
    let mut out = Vec::new();
    for level in 0u8..8 {
        let shift = u32::from(level) * 8;
        let old_entries = old_size.checked_shr(shift).unwrap_or(0);
        let new_entries = new_size.checked_shr(shift).unwrap_or(0);
        if new_entries <= old_entries {
            break;
        }
        let first = old_entries >> TILE_HEIGHT;
        let last = (new_entries - 1) >> TILE_HEIGHT;
        for index in first..=last {
            if let Some(width) = tile_width(level, index, new_size) {
                out.push(TileCoord {
                    level,
                    index,
                    width,
                });
            }
        }
    }
    out
}

impl fmt::Display for TileCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

impl BundleCoord {
    /// The bundle holding entry `entry_index` in a tree of `tree_size` leaves, or `None` if the
    /// entry is not in the tree.
    pub fn for_entry(entry_index: u64, tree_size: u64) -> Option<Self> {
        if entry_index >= tree_size {
            return None;
        }
        let index = entry_index >> TILE_HEIGHT;
        tile_width(0, index, tree_size).map(|width| BundleCoord { index, width })
    }

    /// The C2SP path, for example `tile/entries/x001/234.p/8`.
    pub fn path(&self) -> String {
        let mut out = String::from("tile/entries/");
        write_index(&mut out, self.index);
        width_suffix(&mut out, self.width);
        out
    }

    /// Parses a C2SP entry-bundle path.
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let bad = || TileError::BadPath(path.chars().take(100).collect());
        let rest = path.strip_prefix("tile/entries/").ok_or_else(bad)?;
        let (index, width) = parse_index_and_width(rest).ok_or_else(bad)?;
        Ok(BundleCoord { index, width })
    }
}

impl fmt::Display for BundleCoord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Read access to the complete subtrees inside one tile.
pub trait TileNodes {
    /// Number of entries (1–256).
    fn width(&self) -> usize;

    /// The root of the complete subtree `index` at height `row` above the tile's entries (row 0
    /// is the entries themselves), or `None` if the tile does not hold all of it.
    fn subtree_hash(&self, row: u8, index: usize) -> Option<Hash>;
}

impl<T: TileNodes + ?Sized> TileNodes for std::sync::Arc<T> {
    fn width(&self) -> usize {
        (**self).width()
    }
    fn subtree_hash(&self, row: u8, index: usize) -> Option<Hash> {
        (**self).subtree_hash(row, index)
    }
}

/// The hashes of one tile, as served at its C2SP path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tile {
    hashes: Vec<Hash>,
}

/// MTH of a power-of-two run of hashes, by halving; at most seven levels deep inside a tile.
fn subtree_of(hashes: &[Hash]) -> Hash {
    match hashes {
        [] => Hash::default(), // Unreachable: callers pass non-empty power-of-two runs.
        [only] => *only,
        _ => {
            let (left, right) = hashes.split_at(hashes.len() / 2);
            node_hash(&subtree_of(left), &subtree_of(right))
        }
    }
}

impl Tile {
    /// A tile from its hashes (1–256 of them).
    pub fn new(hashes: Vec<Hash>) -> Result<Self, TileError> {
        if hashes.is_empty() || hashes.len() > usize::from(TILE_WIDTH) {
            return Err(TileError::BadWidth(hashes.len()));
        }
        Ok(Tile { hashes })
    }

    /// Parses tile bytes that must hold exactly `width` hashes.
    pub fn from_bytes(bytes: &[u8], width: u16) -> Result<Self, TileError> {
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::BadWidth(usize::from(width)));
        }
        let want = usize::from(width) * Hash::LEN;
        if bytes.len() != want {
            return Err(TileError::BadTileLength {
                width,
                want,
                got: bytes.len(),
            });
        }
        let hashes = bytes
            .chunks_exact(Hash::LEN)
            .map(|chunk| Hash::from_slice(chunk).unwrap_or_default())
            .collect();
        Ok(Tile { hashes })
    }

    /// The served bytes: the hashes concatenated.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.hashes.iter().flat_map(|hash| hash.0).collect()
    }

    /// The entries of the tile.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Precomputes every complete subtree inside the tile, so that later lookups cost nothing.
    pub fn expand(&self) -> ExpandedTile {
        let mut rows = Vec::with_capacity(usize::from(TILE_HEIGHT) + 1);
        rows.push(self.hashes.clone());
        while let Some(below) = rows.last() {
            if below.len() < 2 {
                break;
            }
            let above: Vec<Hash> = below
                .chunks_exact(2)
                .map(|pair| node_hash(&pair[0], &pair[1]))
                .collect();
            rows.push(above);
        }
        ExpandedTile { rows }
    }
}

impl TileNodes for Tile {
    fn width(&self) -> usize {
        self.hashes.len()
    }

    fn subtree_hash(&self, row: u8, index: usize) -> Option<Hash> {
        if row > TILE_HEIGHT {
            return None;
        }
        let span = 1usize << row;
        let start = index.checked_mul(span)?;
        let run = self.hashes.get(start..start.checked_add(span)?)?;
        Some(subtree_of(run))
    }
}

/// A tile with every complete subtree inside it precomputed (up to 511 hashes). A server keeps
/// these in a cache to answer proofs with lookups only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandedTile {
    rows: Vec<Vec<Hash>>,
}

impl TileNodes for ExpandedTile {
    fn width(&self) -> usize {
        self.rows.first().map_or(0, Vec::len)
    }

    fn subtree_hash(&self, row: u8, index: usize) -> Option<Hash> {
        self.rows.get(usize::from(row))?.get(index).copied()
    }
}

/// Where tiles come from: a directory, a database, an HTTP client with a cache.
pub trait TileReader {
    /// The tile representation returned.
    type Tile: TileNodes;
    /// The error reading can fail with.
    type Error;

    /// Returns the named tiles, in the same order.
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Self::Tile>, Self::Error>;
}

impl<R: TileReader + ?Sized> TileReader for &R {
    type Tile = R::Tile;
    type Error = R::Error;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Self::Tile>, Self::Error> {
        (**self).read_tiles(coords)
    }
}

/// Why hashes could not be read from tiles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileSourceError<E> {
    /// The tile reader failed.
    #[error("reading tiles: {0}")]
    Read(E),
    /// A node was asked for that is not a complete subtree of the tree.
    #[error("level {} index {} is not a complete subtree of the tree", .0.level, .0.index)]
    NotInTree(NodeId),
    /// A tile came back narrower than its coordinate says, or the reader miscounted.
    #[error("tile {0} is missing hashes")]
    ShortTile(TileCoord),
}

/// A [`HashSource`] that computes subtree hashes from the tiles of a tree of known size.
///
/// This is how a monitor or a consumer's verifier builds proofs from the static read path, and
/// how the server answers proofs without a per-request database query.
#[derive(Clone, Debug)]
pub struct TileHashSource<R> {
    reader: R,
    tree_size: u64,
}

impl<R: TileReader> TileHashSource<R> {
    /// Reads the tiles of the tree of `tree_size` leaves through `reader`.
    pub fn new(reader: R, tree_size: u64) -> Self {
        TileHashSource { reader, tree_size }
    }
}

impl<R: TileReader> HashSource for TileHashSource<R> {
    type Error = TileSourceError<R::Error>;

    fn node_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        // A proof touches one tile per tile level, so a linear de-duplication is cheapest.
        let mut coords: Vec<TileCoord> = Vec::with_capacity(8);
        let mut located = Vec::with_capacity(nodes.len());
        for node in nodes {
            let (coord, row, position) = TileCoord::containing(*node, self.tree_size)
                .ok_or(TileSourceError::NotInTree(*node))?;
            let slot = match coords.iter().position(|c| *c == coord) {
                Some(slot) => slot,
                None => {
                    coords.push(coord);
                    coords.len() - 1
                }
            };
            located.push((slot, row, position));
        }
        let tiles = self
            .reader
            .read_tiles(&coords)
            .map_err(TileSourceError::Read)?;
        located
            .into_iter()
            .map(|(slot, row, position)| {
                let coord = coords[slot];
                tiles
                    .get(slot)
                    .filter(|tile| tile.width() == usize::from(coord.width))
                    .and_then(|tile| tile.subtree_hash(row, position))
                    .ok_or(TileSourceError::ShortTile(coord))
            })
            .collect()
    }
}

/// The partial tiles on the right edge of a tree of `tree_size` leaves, one per level at most:
/// the only tiles [`integrate`] reads, so a caller with an asynchronous store can fetch them
/// before calling it.
pub fn right_edge_partials(tree_size: u64) -> Vec<TileCoord> {
    (0u8..8)
        .filter_map(|level| {
            let entries = tree_size.checked_shr(u32::from(level) * 8).unwrap_or(0);
            let index = entries >> TILE_HEIGHT;
            let width = tile_width(level, index, tree_size)?;
            (width < TILE_WIDTH).then_some(TileCoord {
                level,
                index,
                width,
            })
        })
        .collect()
}

/// The result of integrating a batch of leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    /// The tree after the batch.
    pub range: CompactRange,
    /// Every tile that changed, with its new contents: tiles that became full and the new
    /// partial tiles on the right edge. Write them all before publishing a checkpoint.
    pub tiles: Vec<(TileCoord, Tile)>,
}

/// Why a batch could not be integrated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrateError<E> {
    /// Reading the existing right-edge tiles failed.
    #[error("reading the right-edge tiles: {0}")]
    Read(E),
    /// An existing right-edge tile has the wrong width.
    #[error("stored tile {0} is damaged")]
    DamagedTile(TileCoord),
    /// The tree is full.
    #[error(transparent)]
    Tree(#[from] CompactRangeError),
}

/// Appends `leaves` (leaf hashes) to the tree described by `range`, and returns the new compact
/// range and every tile that changed. Only the partial tiles on the old right edge are read.
pub fn integrate<R: TileReader>(
    reader: &R,
    range: &CompactRange,
    leaves: &[Hash],
) -> Result<Integration, IntegrateError<R::Error>> {
    let old_size = range.size();
    let mut grown = range.clone();
    // New entries per tile level: the complete subtrees of height 8·L finished by the batch.
    let mut new_entries: Vec<Vec<Hash>> = vec![Vec::new(); 8];
    for leaf in leaves {
        grown.append_observed(*leaf, |node, hash| {
            if node.level % TILE_HEIGHT == 0
                && let Some(level) = new_entries.get_mut(usize::from(node.level / TILE_HEIGHT))
            {
                level.push(*hash);
            }
        })?;
    }
    let new_size = grown.size();

    // Read the old partial tile at each level that gains entries, in one batch.
    let old_partials: Vec<TileCoord> = right_edge_partials(old_size)
        .into_iter()
        .filter(|coord| !new_entries[usize::from(coord.level)].is_empty())
        .collect();
    let partial_tiles = reader
        .read_tiles(&old_partials)
        .map_err(IntegrateError::Read)?;

    let mut tiles = Vec::new();
    for coord in changed_tiles(old_size, new_size) {
        let level = usize::from(coord.level);
        let old_entries = old_size >> (u32::from(coord.level) * 8);
        let first_entry = coord.index << TILE_HEIGHT;
        let mut hashes = Vec::with_capacity(usize::from(coord.width));
        // Entries that were already in the tree before this batch come from the stored tile.
        if first_entry < old_entries {
            let slot = old_partials
                .iter()
                .position(|c| c.level == coord.level && c.index == coord.index)
                .ok_or(IntegrateError::DamagedTile(coord))?;
            let stored = partial_tiles
                .get(slot)
                .ok_or(IntegrateError::DamagedTile(old_partials[slot]))?;
            for position in 0..(old_entries - first_entry) as usize {
                hashes.push(
                    stored
                        .subtree_hash(0, position)
                        .ok_or(IntegrateError::DamagedTile(old_partials[slot]))?,
                );
            }
        }
        let start = (first_entry + hashes.len() as u64 - old_entries) as usize;
        let take = usize::from(coord.width) - hashes.len();
        let fresh = new_entries[level]
            .get(start..start + take)
            .ok_or(IntegrateError::DamagedTile(coord))?;
        hashes.extend_from_slice(fresh);
        tiles.push((coord, Tile { hashes }));
    }
    Ok(Integration {
        range: grown,
        tiles,
    })
}

/// Encodes entries as a C2SP entry bundle: each entry as a big-endian `u16` length and its bytes.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::with_capacity(entries.iter().map(|e| e.as_ref().len() + 2).sum());
    for entry in entries {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge(entry.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Decodes a C2SP entry bundle into its entries.
pub fn decode_bundle(mut bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let [high, low, rest @ ..] = bytes else {
            return Err(TileError::BadBundle("truncated length prefix"));
        };
        let len = usize::from(u16::from_be_bytes([*high, *low]));
        if rest.len() < len {
            return Err(TileError::BadBundle("entry runs past the end"));
        }
        let (entry, tail) = rest.split_at(len);
        entries.push(entry);
        bytes = tail;
        if entries.len() > usize::from(TILE_WIDTH) {
            return Err(TileError::BadBundle("more than 256 entries"));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::merkle::{MemoryTree, consistency_proof, inclusion_proof};
    use std::collections::HashMap;

    /// An in-memory tile store for tests.
    #[derive(Default)]
    struct Store(HashMap<TileCoord, Tile>);

    impl TileReader for Store {
        type Tile = Tile;
        type Error = TileCoord;
        fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>, TileCoord> {
            coords
                .iter()
                .map(|c| self.0.get(c).cloned().ok_or(*c))
                .collect()
        }
    }

    #[test]
    fn paths_round_trip() {
        for (coord, path) in [
            (
                TileCoord {
                    level: 0,
                    index: 1234,
                    width: 256,
                },
                "tile/0/x001/234",
            ),
            (
                TileCoord {
                    level: 15,
                    index: 123_456_789,
                    width: 41,
                },
                "tile/15/x123/x456/789.p/41",
            ),
            (
                TileCoord {
                    level: 1,
                    index: 0,
                    width: 17,
                },
                "tile/1/000.p/17",
            ),
        ] {
            assert_eq!(coord.path(), path);
            assert_eq!(TileCoord::parse_path(path), Ok(coord));
        }
        for bad in [
            "tile/0/1234",
            "tile/0/x000/234",
            "tile/00/000",
            "tile/64/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/01",
            "tile/8/0/x001/234",
            "tile/0/x1/234",
            "tile/0/",
        ] {
            assert!(TileCoord::parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn integration_builds_the_same_tiles_as_a_rebuild_and_proofs_match() {
        let mut store = Store::default();
        let mut range = CompactRange::new();
        let mut tree = MemoryTree::new();
        let mut next = 0u64;
        // Uneven batches cross tile and level boundaries (256 and 65,536 leaves).
        for batch in [1usize, 2, 253, 1, 300, 5000, 60_000, 1, 1000] {
            let leaves: Vec<Hash> = (next..next + batch as u64)
                .map(|i| leaf_hash(&i.to_be_bytes()))
                .collect();
            next += batch as u64;
            let integration = integrate(&store, &range, &leaves).expect("integrate");
            for leaf in &leaves {
                tree.push_hash(*leaf);
            }
            for (coord, tile) in integration.tiles {
                store.0.insert(coord, tile);
            }
            range = integration.range;
            assert_eq!(range.root(), tree.root());
            let size = tree.size();
            let tiles = TileHashSource::new(&store, size);
            for index in [0, size / 3, size - 1] {
                assert_eq!(
                    inclusion_proof(&tiles, index, size).ok(),
                    inclusion_proof(&tree, index, size).ok()
                );
            }
            for old in [1, size / 2, size - 1] {
                if old > 0 {
                    assert_eq!(
                        consistency_proof(&tiles, old, size).ok(),
                        consistency_proof(&tree, old, size).ok()
                    );
                }
            }
            // Every tile the tree should have exists, and matches a recomputation.
            for coord in tiles_for_size(size) {
                let tile = store.0.get(&coord).expect("tile present");
                for (position, hash) in tile.hashes().iter().enumerate() {
                    let node = NodeId::new(coord.level * 8, coord.index * 256 + position as u64);
                    assert_eq!(HashSource::node_hashes(&tree, &[node]), Ok(vec![*hash]));
                }
                assert_eq!(tile.expand().subtree_hash(3, 0), tile.subtree_hash(3, 0));
            }
        }
    }

    #[test]
    fn bundles_round_trip_and_reject_garbage() {
        let entries: Vec<&[u8]> = vec![b"one", b"", b"three"];
        let bytes = encode_bundle(&entries).expect("encode");
        assert_eq!(decode_bundle(&bytes), Ok(entries));
        assert!(decode_bundle(&[0]).is_err());
        assert!(decode_bundle(&[0, 5, 1]).is_err());
        assert_eq!(
            encode_bundle(&[vec![0u8; 65_536]]),
            Err(TileError::EntryTooLarge(65_536))
        );
    }
}
