//! The verifiable log core of Retu: an RFC 9162 Merkle tree with C2SP signed notes, checkpoints,
//! cosignatures, tiles, tlog-proofs, trust policies and the tlog-witness decision.
//!
//! This crate is pure: no I/O, no clock, no randomness, no async and no `unsafe`. Storage is
//! reached only through the [`HashSource`] and [`TileReader`] traits, time is passed in, and every
//! parser returns a typed error instead of panicking. It is the small core that consumers,
//! witnesses and auditors rely on, so everything in it is pinned by the vectors in
//! `shared/vectors/tlog` and by property tests against independent implementations.
//!
//! Map of the crate:
//! - [`hash`]: SHA-256, leaf and node hashes (RFC 9162 §2.1.1).
//! - [`merkle`]: proof planning and generation over a [`HashSource`]; a [`MemoryTree`].
//! - [`verify`]: the RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers.
//! - [`compact`]: the O(log n) [`CompactRange`] an integrator keeps.
//! - [`tile`]: C2SP tlog-tiles paths, tiles, bundles, proofs from tiles, integration.
//! - [`note`], [`checkpoint`], [`cosignature`]: C2SP signed-note, tlog-checkpoint and
//!   tlog-cosignature.
//! - [`tlog_proof`], [`policy`]: C2SP tlog-proof and tlog-policy.
//! - [`witness`]: C2SP tlog-witness add-checkpoint.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod checkpoint;
pub mod compact;
pub mod cosignature;
pub mod hash;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod tile;
pub mod tlog_proof;
pub mod verify;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, MAX_TREE_SIZE};
pub use compact::{CompactRange, CompactRangeError};
pub use cosignature::{
    CosignatureError, cosignature_timestamp, cosigned_message, subtree_cosigned_message,
};
pub use hash::{EMPTY_ROOT, Hash, HashError, leaf_hash, node_hash};
pub use merkle::{
    HashSource, MemoryTree, NodeId, ProofError, ProofPlan, consistency_plan, consistency_proof,
    inclusion_plan, inclusion_proof, merkle_tree_hash, root_plan, tree_root,
};
pub use note::{KeyKind, Note, NoteError, NoteSignature, SignerKey, VerifierKey, key_id};
pub use policy::{Policy, PolicyError};
pub use tile::{
    BundleCoord, ExpandedTile, Integration, Tile, TileCoord, TileError, TileHashSource, TileNodes,
    TileReader, integrate,
};
pub use tlog_proof::{TlogProof, TlogProofError, VerifiedProof};
pub use verify::{VerifyError, root_from_inclusion_proof, verify_consistency, verify_inclusion};
pub use witness::{AddCheckpointRequest, Decision, Witness, WitnessState, WitnessedLog};
