//! The RFC 9162 verifiers and the tile path parser never panic, whatever the sizes, indices
//! and proof lengths (including sizes near 2^63 and 2^64).
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tlog::{Hash, TileCoord, verify_consistency, verify_inclusion};

#[derive(Arbitrary, Debug)]
struct Input {
    index: u64,
    size: u64,
    proof: Vec<[u8; 32]>,
    leaf: [u8; 32],
    root: [u8; 32],
    path: String,
}

fuzz_target!(|input: Input| {
    let proof: Vec<Hash> = input.proof.iter().copied().map(Hash).collect();
    let _ = verify_inclusion(&Hash(input.leaf), input.index, input.size, &proof, &Hash(input.root));
    let _ = verify_consistency(input.index, input.size, &proof, &Hash(input.leaf), &Hash(input.root));
    if let Ok(coord) = TileCoord::parse_path(&input.path) {
        assert_eq!(coord.path(), input.path);
    }
});
