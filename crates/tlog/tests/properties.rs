//! Property tests: random trees up to 65,536 leaves, compared byte for byte with the independent
//! `ct-merkle` crate, and mutation of every bit of proofs, roots, indices and sizes.

mod common;

use std::sync::OnceLock;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2::Sha256;
use tlog::*;

const MAX_LEAVES: u64 = 65_536;

/// Our tree of the leaves `u64_be(i)`, built once; proofs for any prefix come from it.
fn big_tree() -> &'static MemoryTree {
    static TREE: OnceLock<MemoryTree> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut tree = MemoryTree::new();
        for i in 0..MAX_LEAVES {
            tree.push(&i.to_be_bytes());
        }
        tree
    })
}

fn ct_tree(size: u64) -> MemoryBackedTree<Sha256, [u8; 8]> {
    let mut tree = MemoryBackedTree::new();
    for i in 0..size {
        tree.push(i.to_be_bytes());
    }
    tree
}

fn flatten(proof: &[Hash]) -> Vec<u8> {
    proof.iter().flat_map(|h| h.0).collect()
}

/// Sizes that stress the edges (powers of two and their neighbours) as well as uniform ones.
fn size_strategy() -> impl Strategy<Value = u64> {
    prop_oneof![
        1..=64u64,
        1..=MAX_LEAVES,
        (1..=16u32).prop_flat_map(|bit| {
            let power = 1u64 << bit;
            prop_oneof![
                Just(power - 1),
                Just(power),
                Just((power + 1).min(MAX_LEAVES))
            ]
        }),
    ]
}

fn tree_and_index() -> impl Strategy<Value = (u64, u64)> {
    size_strategy().prop_flat_map(|size| (Just(size), 0..size))
}

fn tree_and_old_size() -> impl Strategy<Value = (u64, u64)> {
    size_strategy()
        .prop_filter("needs two sizes", |size| *size >= 2)
        .prop_flat_map(|size| (Just(size), 1..size))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Proofs from our tree are byte-identical to ct-merkle's, verify with both
    /// implementations, and the roots agree.
    #[test]
    fn agrees_with_ct_merkle((size, index) in tree_and_index(), old_seed in any::<u64>()) {
        let ours = big_tree();
        let theirs = ct_tree(size);
        let root = ours.root_at(size).expect("prefix root");
        let their_root = theirs.root();
        prop_assert_eq!(root.0.as_slice(), their_root.as_bytes().as_slice());

        let proof = inclusion_proof(ours, index, size).expect("inclusion");
        let their_proof = theirs.prove_inclusion(index as usize);
        prop_assert_eq!(flatten(&proof), their_proof.as_bytes().to_vec());
        prop_assert!(theirs.root().verify_inclusion(&index.to_be_bytes(), index, &their_proof).is_ok());
        prop_assert_eq!(verify_inclusion(&leaf_hash(&index.to_be_bytes()), index, size, &proof, &root), Ok(()));

        if size >= 2 {
            let old = 1 + old_seed % (size - 1);
            let consistency = consistency_proof(ours, old, size).expect("consistency");
            let their_consistency = theirs.prove_consistency((size - old) as usize);
            prop_assert_eq!(flatten(&consistency), their_consistency.as_bytes().to_vec());
            let old_root = ours.root_at(old).expect("old root");
            prop_assert_eq!(verify_consistency(old, size, &consistency, &old_root, &root), Ok(()));
            let their_old = ct_merkle::RootHash::<Sha256>::new(old_root.0.into(), old);
            prop_assert!(theirs.root().verify_consistency(&their_old, &their_consistency).is_ok());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Flipping any one bit of the proof, the root, the leaf or the index makes inclusion fail.
    /// Flipping a bit of the size fails too, except where the flipped size makes the verifier
    /// take exactly the same steps: RFC 9162 binds a proof to a root, and the root to its size
    /// only through the signed checkpoint (see `tlog_proof_bit_flips` for that layer).
    #[test]
    fn inclusion_mutations_fail((size, index) in tree_and_index()) {
        let tree = big_tree();
        let root = tree.root_at(size).expect("root");
        let leaf = leaf_hash(&index.to_be_bytes());
        let proof = inclusion_proof(tree, index, size).expect("proof");
        for position in 0..proof.len() {
            for bit in 0..256 {
                let mut bad = proof.clone();
                bad[position].0[bit / 8] ^= 1 << (bit % 8);
                prop_assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            }
        }
        for bit in 0..256 {
            let mut bad_root = root;
            bad_root.0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
            let mut bad_leaf = leaf;
            bad_leaf.0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
        }
        for bit in 0..64 {
            let bad_index = index ^ (1 << bit);
            prop_assert!(verify_inclusion(&leaf, bad_index, size, &proof, &root).is_err(), "index bit {}", bit);
            let bad_size = size ^ (1 << bit);
            let same_steps = common::same_inclusion_steps(index, size, bad_size);
            prop_assert_eq!(verify_inclusion(&leaf, index, bad_size, &proof, &root).is_ok(), same_steps, "size bit {}", bit);
        }
        prop_assert!(verify_inclusion(&leaf, index, size, &proof[..proof.len().saturating_sub(1)], &root).is_err() || proof.is_empty());
        let mut longer = proof.clone();
        longer.push(root);
        prop_assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
    }

    /// Flipping any one bit of a consistency proof or of either root makes it fail; flipping a
    /// bit of either size fails unless the verifier then takes exactly the same steps.
    #[test]
    fn consistency_mutations_fail((size, old) in tree_and_old_size()) {
        let tree = big_tree();
        let (old_root, root) = (tree.root_at(old).expect("old"), tree.root_at(size).expect("new"));
        let proof = consistency_proof(tree, old, size).expect("proof");
        for position in 0..proof.len() {
            for bit in 0..256 {
                let mut bad = proof.clone();
                bad[position].0[bit / 8] ^= 1 << (bit % 8);
                prop_assert!(verify_consistency(old, size, &bad, &old_root, &root).is_err());
            }
        }
        for bit in 0..256 {
            let (mut bad_old, mut bad_new) = (old_root, root);
            bad_old.0[bit / 8] ^= 1 << (bit % 8);
            bad_new.0[bit / 8] ^= 1 << (bit % 8);
            prop_assert!(verify_consistency(old, size, &proof, &bad_old, &root).is_err());
            prop_assert!(verify_consistency(old, size, &proof, &old_root, &bad_new).is_err());
        }
        for bit in 0..64 {
            let bad_old = old ^ (1 << bit);
            let alias = common::same_consistency_steps(old, size, bad_old, size);
            prop_assert_eq!(verify_consistency(bad_old, size, &proof, &old_root, &root).is_ok(), alias, "old size bit {}", bit);
            let bad_new = size ^ (1 << bit);
            let alias = common::same_consistency_steps(old, size, old, bad_new);
            prop_assert_eq!(verify_consistency(old, bad_new, &proof, &old_root, &root).is_ok(), alias, "new size bit {}", bit);
        }
        prop_assert!(verify_consistency(old, size, &proof, &root, &old_root).is_err());
    }

    /// Every parser returns an error or a value on arbitrary input, never a panic, and what
    /// parses re-encodes to the same bytes.
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(note) = Note::parse(&bytes) {
            prop_assert_eq!(note.to_bytes(), bytes.clone());
        }
        if let Ok(checkpoint) = Checkpoint::parse(&text) {
            prop_assert_eq!(checkpoint.to_text(), text.to_string());
        }
        if let Ok(proof) = TlogProof::parse(&bytes) {
            let _ = proof.to_bytes();
        }
        if let Ok(request) = AddCheckpointRequest::parse(&bytes) {
            let _ = request.to_bytes();
        }
        let _ = VerifierKey::parse(&text);
        let _ = SignerKey::parse(&text);
        let _ = Policy::parse(&text);
        if let Ok(coord) = TileCoord::parse_path(&text) {
            prop_assert_eq!(coord.path(), text.to_string());
        }
        let _ = tlog::tile::decode_bundle(&bytes);
    }

    /// Structured checkpoints survive formatting and parsing.
    #[test]
    fn checkpoints_round_trip(origin in "[a-z0-9./-]{1,40}", size in 0..=MAX_TREE_SIZE, root in any::<[u8; 32]>(), extensions in proptest::collection::vec("[a-z ]{1,20}", 0..3)) {
        let checkpoint = Checkpoint {
            origin,
            size,
            root: Hash(root),
            extensions: extensions.iter().map(|line| format!("{line}\n")).collect(),
        };
        prop_assert_eq!(Checkpoint::parse(&checkpoint.to_text()), Ok(checkpoint));
    }

    /// Integration in random batches yields the same tiles, roots and proofs as a tree built one
    /// leaf at a time.
    #[test]
    fn random_batches_integrate_consistently(batches in proptest::collection::vec(1usize..700, 1..12)) {
        use std::collections::HashMap;
        struct Store(HashMap<TileCoord, Tile>);
        impl TileReader for Store {
            type Tile = Tile;
            type Error = TileCoord;
            fn read_tiles(&self, coords: &[TileCoord]) -> Result<Vec<Tile>, TileCoord> {
                coords.iter().map(|c| self.0.get(c).cloned().ok_or(*c)).collect()
            }
        }
        let tree = big_tree();
        let mut store = Store(HashMap::new());
        let mut range = CompactRange::new();
        for batch in batches {
            let start = range.size();
            let leaves: Vec<Hash> = (start..start + batch as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
            let integration = integrate(&store, &range, &leaves).expect("integrate");
            store.0.extend(integration.tiles);
            range = integration.range;
            let size = range.size();
            prop_assert_eq!(Some(range.root()), tree.root_at(size));
            let tiles = TileHashSource::new(&store, size);
            prop_assert_eq!(tree_root(&tiles, size).ok(), tree.root_at(size));
            let index = size / 2;
            prop_assert_eq!(inclusion_proof(&tiles, index, size).ok(), inclusion_proof(tree, index, size).ok());
        }
    }
}

/// End to end, the layer a consumer relies on: flipping any single bit of a `.tlog-proof`
/// (index, inclusion hashes, checkpoint size and root, log signature, cosignatures) makes it
/// fail to verify under the policy. This covers the size mutations that the bare Merkle
/// verifier cannot see, because the size is signed.
#[test]
fn tlog_proof_bit_flips() {
    let log = SignerKey::from_seed("retu.example/log", KeyKind::Ed25519, [1; 32]).expect("log");
    let w1 = SignerKey::from_seed("w1.example", KeyKind::CosignatureV1, [2; 32]).expect("w1");
    let w2 = SignerKey::from_seed("w2.example", KeyKind::CosignatureV1, [3; 32]).expect("w2");
    let policy = Policy::parse(&format!(
        "log {}\nwitness a {}\nwitness b {}\ngroup g 2 a b\nquorum g\n",
        log.verifier(),
        w1.verifier(),
        w2.verifier()
    ))
    .expect("policy");
    let tree = big_tree();
    for (index, size) in [(0u64, 5u64), (3, 7), (1000, 1234)] {
        let checkpoint = Checkpoint {
            origin: "retu.example/log".into(),
            size,
            root: tree.root_at(size).expect("root"),
            extensions: String::new(),
        };
        let mut note = Note::new(checkpoint.to_text()).expect("note");
        note.sign(&log).expect("sign");
        note.push_signature(w1.cosign(note.text(), 1_700_000_000))
            .expect("w1");
        note.push_signature(w2.cosign(note.text(), 1_700_000_001))
            .expect("w2");
        let proof = TlogProof {
            extra: None,
            index,
            inclusion: inclusion_proof(tree, index, size).expect("proof"),
            checkpoint: note.to_bytes(),
        };
        let leaf = leaf_hash(&index.to_be_bytes());
        let bytes = proof.to_bytes();
        assert!(proof.verify(&leaf, &policy).is_ok());
        for position in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[position] ^= 1 << bit;
                let verdict = TlogProof::parse(&bad).and_then(|p| p.verify(&leaf, &policy));
                assert!(
                    verdict.is_err(),
                    "byte {position} bit {bit} of {index}/{size} still verifies"
                );
            }
        }
    }
}
