//! The compact range: the O(log n) state that lets an integrator grow a tree without reading it.
//!
//! It is the stack algorithm of RFC 9162 §2.1.2: one hash per set bit of the tree size, the roots
//! of the complete subtrees that make up `[0, size)`, largest first. Appending a leaf pushes its
//! hash and merges as many times as the old size has trailing one bits; every merge completes a
//! subtree, which callers can observe to build tiles.

use crate::hash::{EMPTY_ROOT, Hash, node_hash};
use crate::merkle::{HashSource, NodeId, ProofError, root_plan};

/// The right edge of a Merkle tree: enough to append and to compute the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    /// Roots of the complete subtrees covering `[0, size)`, largest (leftmost) first.
    roots: Vec<Hash>,
}

/// Why a compact range could not be built or grown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompactRangeError {
    /// The number of subtree roots does not match the set bits of the size.
    #[error("a tree of size {size} has {want} complete subtrees on its edge, not {got}")]
    WrongRootCount {
        /// The tree size.
        size: u64,
        /// The number of set bits in the size.
        want: usize,
        /// The number of roots given.
        got: usize,
    },
    /// The tree already holds `u64::MAX` leaves.
    #[error("the tree cannot grow beyond 2^64 - 1 leaves")]
    Full,
}

impl CompactRange {
    /// The empty tree.
    pub fn new() -> Self {
        CompactRange::default()
    }

    /// Rebuilds the state from a size and the roots of its complete subtrees, largest first (as
    /// returned by [`CompactRange::roots`]), for example after a restart.
    pub fn from_parts(size: u64, roots: Vec<Hash>) -> Result<Self, CompactRangeError> {
        let want = size.count_ones() as usize;
        if roots.len() != want {
            return Err(CompactRangeError::WrongRootCount {
                size,
                want,
                got: roots.len(),
            });
        }
        Ok(CompactRange { size, roots })
    }

    /// Rebuilds the state for a tree of `size` leaves from stored subtree hashes.
    pub fn from_source<S: HashSource>(source: &S, size: u64) -> Result<Self, ProofError<S::Error>> {
        let plan = root_plan(size);
        let roots = if plan.nodes().is_empty() {
            Vec::new()
        } else {
            source
                .node_hashes(plan.nodes())
                .map_err(ProofError::Source)?
        };
        let got = roots.len();
        CompactRange::from_parts(size, roots).map_err(|_| ProofError::SourceMiscount {
            want: size.count_ones() as usize,
            got,
        })
    }

    /// Number of leaves in the tree.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Roots of the complete subtrees covering the tree, largest first.
    pub fn roots(&self) -> &[Hash] {
        &self.roots
    }

    /// Appends one leaf hash.
    pub fn append(&mut self, leaf: Hash) -> Result<(), CompactRangeError> {
        self.append_observed(leaf, |_, _| {})
    }

    /// Appends one leaf hash and calls `completed` for every complete subtree this finishes: the
    /// leaf itself at level 0, then each merged parent up to the largest.
    pub fn append_observed(
        &mut self,
        leaf: Hash,
        mut completed: impl FnMut(NodeId, &Hash),
    ) -> Result<(), CompactRangeError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(CompactRangeError::Full)?;
        completed(NodeId::new(0, index), &leaf);
        let mut hash = leaf;
        // Merge once per trailing one bit of the old size (RFC 9162 §2.1.2 step 2.2).
        let merges = index.trailing_ones();
        for level in 1..=merges {
            // The stack holds one root per set bit, so it has at least `merges` entries.
            let Some(left) = self.roots.pop() else { break };
            hash = node_hash(&left, &hash);
            // `level <= 64` only when index == u64::MAX, which `checked_add` excluded above.
            completed(NodeId::new(level as u8, index >> level), &hash);
        }
        self.roots.push(hash);
        self.size = new_size;
        Ok(())
    }

    /// The Merkle Tree Hash of the whole tree (RFC 9162 §2.1.2 step 3).
    pub fn root(&self) -> Hash {
        let Some((last, rest)) = self.roots.split_last() else {
            return EMPTY_ROOT;
        };
        rest.iter()
            .rev()
            .fold(*last, |acc, left| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::merkle::{MemoryTree, merkle_tree_hash};

    #[test]
    fn roots_agree_with_the_definition_and_rebuild_from_storage() {
        let data: Vec<[u8; 8]> = (0..300u64).map(u64::to_be_bytes).collect();
        let mut range = CompactRange::new();
        let mut tree = MemoryTree::new();
        for (n, leaf) in data.iter().enumerate() {
            assert_eq!(range.root(), merkle_tree_hash(&data[..n]));
            let rebuilt = CompactRange::from_source(&tree, n as u64).expect("rebuild");
            assert_eq!(rebuilt, range);
            range.append(leaf_hash(leaf)).expect("append");
            tree.push(leaf);
        }
    }

    #[test]
    fn observed_nodes_are_the_complete_subtrees() {
        let mut range = CompactRange::new();
        let mut tree = MemoryTree::new();
        for i in 0..64u64 {
            let leaf = leaf_hash(&i.to_be_bytes());
            tree.push_hash(leaf);
            range
                .append_observed(leaf, |node, hash| {
                    let stored = crate::merkle::HashSource::node_hashes(&tree, &[node]);
                    assert_eq!(stored, Ok(vec![*hash]), "{node:?}");
                })
                .expect("append");
        }
    }

    #[test]
    fn a_full_tree_refuses_to_grow() {
        let mut range =
            CompactRange::from_parts(u64::MAX, vec![Hash::default(); 64]).expect("parts");
        assert_eq!(range.append(Hash::default()), Err(CompactRangeError::Full));
        assert!(CompactRange::from_parts(3, vec![Hash::default()]).is_err());
    }
}
