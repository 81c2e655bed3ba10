//! Criterion benchmarks of the log core: appending, integrating into tiles, proofs from tiles at
//! 10^6 and 10^8 leaves, verification, and checkpoint signing and verifying. Results and the
//! machine they ran on are recorded in `docs/benchmarks.md`.
//!
//! Run with `cargo bench -p tlog`.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2::Sha256;
use tlog::*;

/// A tiny deterministic generator, so benchmarks need no random-number crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn hash(&mut self) -> Hash {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        Hash(out)
    }
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn append(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let mut group = c.benchmark_group("append");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N));
    let hashes = leaves(N);
    group.bench_function("compact range, 1M leaf hashes", |b| {
        b.iter(|| {
            let mut range = CompactRange::new();
            for leaf in &hashes {
                range.append(*leaf).expect("append");
            }
            black_box(range.root())
        })
    });
    group.bench_function("compact range, 1M entries incl. leaf hashing", |b| {
        b.iter(|| {
            let mut range = CompactRange::new();
            for i in 0..N {
                range.append(leaf_hash(&i.to_be_bytes())).expect("append");
            }
            black_box(range.root())
        })
    });
    group.bench_function("integrate into tiles, 1M leaves in batches of 256", |b| {
        b.iter(|| {
            let mut store = TileStore::default();
            let mut range = CompactRange::new();
            for batch in hashes.chunks(256) {
                let integration = integrate(&store, &range, batch).expect("integrate");
                range = integration.range;
                store.insert(integration.tiles);
            }
            black_box(range.root())
        })
    });
    group.bench_function("memory tree (all nodes kept), 1M entries", |b| {
        b.iter(|| {
            let mut tree = MemoryTree::new();
            for i in 0..N {
                tree.push(&i.to_be_bytes());
            }
            black_box(tree.size())
        })
    });
    group.bench_function("ct-merkle 0.3 push (peer), 1M entries", |b| {
        b.iter(|| {
            let mut tree = MemoryBackedTree::<Sha256, [u8; 8]>::new();
            for i in 0..N {
                tree.push(i.to_be_bytes());
            }
            black_box(tree.len())
        })
    });
    group.finish();
}

/// An in-memory tile store holding real tiles, as the log writes them.
#[derive(Default)]
struct TileStore {
    tiles: HashMap<TileCoord, Arc<Tile>>,
    expanded: HashMap<TileCoord, Arc<ExpandedTile>>,
}

impl TileStore {
    fn insert(&mut self, tiles: Vec<(TileCoord, Tile)>) {
        for (coord, tile) in tiles {
            self.tiles.insert(coord, Arc::new(tile));
        }
    }

    fn expand_all(&mut self) {
        self.expanded = self
            .tiles
            .iter()
            .map(|(coord, tile)| (*coord, Arc::new(tile.expand())))
            .collect();
    }
}

impl TileReader for TileStore {
    type Tile = Arc<Tile>;
    type Error = TileCoord;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Arc<Tile>>, TileCoord> {
        coords
            .iter()
            .map(|c| self.tiles.get(c).cloned().ok_or(*c))
            .collect()
    }
}

/// Reads the precomputed (expanded) tiles, as a server's tile cache would.
struct ExpandedReader<'a>(&'a TileStore);

impl TileReader for ExpandedReader<'_> {
    type Tile = Arc<ExpandedTile>;
    type Error = TileCoord;
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Arc<ExpandedTile>>, TileCoord> {
        coords
            .iter()
            .map(|c| self.0.expanded.get(c).cloned().ok_or(*c))
            .collect()
    }
}

/// A simulated tile store for a tree too large to build here (10^8 leaves = 3.2 GB of leaf
/// hashes): every coordinate maps onto one of a pool of random tiles of the right width. Reading
/// costs a hash-map lookup; the hashing inside tiles, which is the real cost of a proof, is
/// unchanged. Proofs from it do not verify against any root; they are for timing only.
struct SimulatedStore {
    pool: Vec<Arc<Tile>>,
    expanded_pool: Vec<Arc<ExpandedTile>>,
    /// The partial tiles on the right edge of the simulated tree, expanded once, as a server
    /// caches them between checkpoints.
    expanded_edge: HashMap<TileCoord, Arc<ExpandedTile>>,
}

impl SimulatedStore {
    fn new(tree_size: u64) -> Self {
        let mut rng = SplitMix(42);
        let pool: Vec<Arc<Tile>> = (0..512)
            .map(|_| Arc::new(Tile::new((0..256).map(|_| rng.hash()).collect()).expect("tile")))
            .collect();
        let expanded_pool = pool.iter().map(|t| Arc::new(t.expand())).collect();
        let mut store = SimulatedStore {
            pool,
            expanded_pool,
            expanded_edge: HashMap::new(),
        };
        for level in 0u8..8 {
            let entries = tree_size >> (u32::from(level) * 8);
            let index = entries / 256;
            if let Some(width) = tlog::tile::tile_width(level, index, tree_size)
                && width < 256
            {
                let coord = TileCoord {
                    level,
                    index,
                    width,
                };
                let hashes = store.pool[Self::slot(&coord)].hashes()[..usize::from(width)].to_vec();
                let expanded = Arc::new(Tile::new(hashes).expect("tile").expand());
                store.expanded_edge.insert(coord, expanded);
            }
        }
        store
    }

    fn slot(coord: &TileCoord) -> usize {
        let mut mix = SplitMix(coord.index ^ (u64::from(coord.level) << 56));
        (mix.next() % 512) as usize
    }

    fn shaped<T: Clone>(pool: &[T], coord: &TileCoord, narrow: impl Fn(&T, u16) -> T) -> T {
        let tile = &pool[Self::slot(coord)];
        if coord.is_full() {
            tile.clone()
        } else {
            narrow(tile, coord.width)
        }
    }
}

struct PlainSimulated<'a>(&'a SimulatedStore);
struct ExpandedSimulated<'a>(&'a SimulatedStore);

impl TileReader for PlainSimulated<'_> {
    type Tile = Arc<Tile>;
    type Error = ();
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Arc<Tile>>, ()> {
        Ok(coords
            .iter()
            .map(|c| {
                SimulatedStore::shaped(&self.0.pool, c, |t, w| {
                    Arc::new(Tile::new(t.hashes()[..usize::from(w)].to_vec()).expect("tile"))
                })
            })
            .collect())
    }
}

impl TileReader for ExpandedSimulated<'_> {
    type Tile = Arc<ExpandedTile>;
    type Error = ();
    fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Arc<ExpandedTile>>, ()> {
        Ok(coords
            .iter()
            .map(|c| {
                if c.is_full() {
                    self.0.expanded_pool[SimulatedStore::slot(c)].clone()
                } else {
                    self.0.expanded_edge[c].clone()
                }
            })
            .collect())
    }
}

fn proofs(c: &mut Criterion) {
    let mut group = c.benchmark_group("proof from tiles");
    let size_1m = 1_000_000u64;
    let mut store = TileStore::default();
    let integration = integrate(&store, &CompactRange::new(), &leaves(size_1m)).expect("integrate");
    let root_1m = integration.range.root();
    store.insert(integration.tiles);
    store.expand_all();
    let mut rng = SplitMix(7);

    let tiles = TileHashSource::new(&store, size_1m);
    // Sanity: proofs from the real store verify.
    let probe = inclusion_proof(&tiles, 123_456, size_1m).expect("proof");
    verify_inclusion(
        &leaf_hash(&123_456u64.to_be_bytes()),
        123_456,
        size_1m,
        &probe,
        &root_1m,
    )
    .expect("verifies");
    group.bench_function("inclusion, 10^6 leaves, tiles", |b| {
        b.iter(|| {
            let index = rng.next() % size_1m;
            black_box(inclusion_proof(&tiles, index, size_1m).expect("proof"))
        })
    });
    let expanded = TileHashSource::new(ExpandedReader(&store), size_1m);
    group.bench_function("inclusion, 10^6 leaves, expanded tiles", |b| {
        b.iter(|| {
            let index = rng.next() % size_1m;
            black_box(inclusion_proof(&expanded, index, size_1m).expect("proof"))
        })
    });
    group.bench_function("consistency, 10^6 leaves, expanded tiles", |b| {
        b.iter(|| {
            let old = 1 + rng.next() % (size_1m - 1);
            black_box(consistency_proof(&expanded, old, size_1m).expect("proof"))
        })
    });

    let size_1e8 = 100_000_000u64 + 12_345;
    let simulated = SimulatedStore::new(size_1e8);
    let plain = TileHashSource::new(PlainSimulated(&simulated), size_1e8);
    group.bench_function("inclusion, 10^8 leaves, simulated tiles", |b| {
        b.iter(|| {
            let index = rng.next() % size_1e8;
            black_box(inclusion_proof(&plain, index, size_1e8).expect("proof"))
        })
    });
    let expanded = TileHashSource::new(ExpandedSimulated(&simulated), size_1e8);
    group.bench_function("inclusion, 10^8 leaves, simulated expanded tiles", |b| {
        b.iter(|| {
            let index = rng.next() % size_1e8;
            black_box(inclusion_proof(&expanded, index, size_1e8).expect("proof"))
        })
    });
    group.bench_function("consistency, 10^8 leaves, simulated expanded tiles", |b| {
        b.iter(|| {
            let old = 1 + rng.next() % (size_1e8 - 1);
            black_box(consistency_proof(&expanded, old, size_1e8).expect("proof"))
        })
    });
    group.finish();

    let mut group = c.benchmark_group("verify");
    let index = 123_456u64;
    let leaf = leaf_hash(&index.to_be_bytes());
    let proof = inclusion_proof(&tiles, index, size_1m).expect("proof");
    group.bench_function("inclusion, 10^6 leaves (20 hashes)", |b| {
        b.iter(|| verify_inclusion(&leaf, black_box(index), size_1m, &proof, &root_1m))
    });
    let tree_small = {
        let mut t = MemoryTree::new();
        for i in 0..1000u64 {
            t.push(&i.to_be_bytes());
        }
        t
    };
    let old_root = tree_small.root_at(777).expect("root");
    let consistency = consistency_proof(&tree_small, 777, 1000).expect("proof");
    let new_root = tree_small.root();
    group.bench_function("consistency 777 -> 1000", |b| {
        b.iter(|| verify_consistency(black_box(777), 1000, &consistency, &old_root, &new_root))
    });
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let mut group = c.benchmark_group("checkpoint");
    let log = SignerKey::from_seed("retu.example/log", KeyKind::Ed25519, [1; 32]).expect("log");
    let w1 = SignerKey::from_seed("w1.example", KeyKind::CosignatureV1, [2; 32]).expect("w1");
    let w2 = SignerKey::from_seed("w2.example", KeyKind::CosignatureV1, [3; 32]).expect("w2");
    let checkpoint = Checkpoint {
        origin: "retu.example/log".into(),
        size: 1_000_000,
        root: leaf_hash(b"root"),
        extensions: String::new(),
    };
    group.bench_function("sign", |b| {
        b.iter(|| {
            let mut note = Note::new(checkpoint.to_text()).expect("note");
            note.sign(&log).expect("sign");
            black_box(note.to_bytes())
        })
    });
    let mut note = Note::new(checkpoint.to_text()).expect("note");
    note.sign(&log).expect("sign");
    let bytes = note.to_bytes();
    let log_key = log.verifier();
    group.bench_function("open and verify", |b| {
        b.iter(|| Checkpoint::open(black_box(&bytes), &log_key).expect("open"))
    });
    group.bench_function("cosign (witness)", |b| {
        b.iter(|| black_box(w1.cosign(note.text(), 1_700_000_000)))
    });
    note.push_signature(w1.cosign(note.text(), 1_700_000_000))
        .expect("w1");
    note.push_signature(w2.cosign(note.text(), 1_700_000_000))
        .expect("w2");
    let policy = Policy::parse(&format!(
        "log {}\nwitness a {}\nwitness b {}\ngroup g 2 a b\nquorum g\n",
        log.verifier(),
        w1.verifier(),
        w2.verifier()
    ))
    .expect("policy");
    let mut tree = MemoryTree::new();
    for i in 0..1000u64 {
        tree.push(&i.to_be_bytes());
    }
    let mut cosigned = Note::new(
        Checkpoint {
            size: 1000,
            root: tree.root(),
            ..checkpoint.clone()
        }
        .to_text(),
    )
    .expect("note");
    cosigned.sign(&log).expect("sign");
    cosigned
        .push_signature(w1.cosign(cosigned.text(), 1_700_000_000))
        .expect("w1");
    cosigned
        .push_signature(w2.cosign(cosigned.text(), 1_700_000_000))
        .expect("w2");
    let proof = TlogProof {
        extra: None,
        index: 500,
        inclusion: inclusion_proof(&tree, 500, 1000).expect("proof"),
        checkpoint: cosigned.to_bytes(),
    }
    .to_bytes();
    let leaf = leaf_hash(&500u64.to_be_bytes());
    group.bench_function("tlog-proof parse + verify (log + 2 of 2 witnesses)", |b| {
        b.iter(|| {
            TlogProof::parse(black_box(&proof))
                .and_then(|p| p.verify(&leaf, &policy))
                .expect("verify")
        })
    });
    group.finish();
}

criterion_group!(benches, append, proofs, signatures);
criterion_main!(benches);
