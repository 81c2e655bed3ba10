//! RFC 9162 §2.1 Merkle Tree Hash, and inclusion (PATH) and consistency (PROOF) proof
//! generation over any store of complete-subtree hashes.
//!
//! A proof is planned first, as the list of complete subtrees whose hashes it needs
//! ([`ProofPlan`]), then the hashes are fetched in one batch from a [`HashSource`] and folded into
//! the proof. Splitting the two lets a database or a tile store answer a proof with one round
//! trip, and lets the plan be tested without any storage at all.
//!
//! Every subtree the plans name is *complete* (a perfect binary tree of `2^level` leaves). The
//! right-hand edge of a tree whose size is not a power of two is covered by folding several
//! complete subtrees, exactly as MTH splits at the largest power of two below the size.

use crate::hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};

/// A complete subtree: the `2^level` leaves starting at leaf `index << level`.
///
/// Level 0 names a single leaf hash; level 8 names the root of 256 leaves, and so on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves (0 for a leaf). At most 63.
    pub level: u8,
    /// Position among the subtrees of this height, counted from the left.
    pub index: u64,
}

impl NodeId {
    /// Names the complete subtree at `level` and `index`.
    pub fn new(level: u8, index: u64) -> Self {
        NodeId { level, index }
    }

    /// The first leaf under this subtree, or `None` if it lies beyond `u64` leaves.
    pub fn first_leaf(&self) -> Option<u64> {
        let shift = u32::from(self.level);
        let first = self.index.checked_shl(shift)?;
        // `checked_shl` only checks the shift amount, so also check that no bits were lost.
        (first >> shift == self.index).then_some(first)
    }

    /// One past the last leaf under this subtree, or `None` on overflow.
    pub fn end_leaf(&self) -> Option<u64> {
        let width = 1u64.checked_shl(u32::from(self.level))?;
        self.first_leaf()?.checked_add(width)
    }
}

/// Why a proof or a root could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError<E> {
    /// Inclusion was asked for a leaf the tree does not have.
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The requested leaf.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// Consistency was asked between sizes that have no proof: the old size is zero or larger
    /// than the new one (RFC 9162 §2.1.4 defines PROOF only for `0 < m <= n`).
    #[error("no consistency proof exists from size {old} to size {new}")]
    BadSizes {
        /// The older tree size.
        old: u64,
        /// The newer tree size.
        new: u64,
    },
    /// The hash source failed.
    #[error("reading stored hashes: {0}")]
    Source(E),
    /// The hash source answered with a different number of hashes than it was asked for.
    #[error("the hash source returned {got} hashes for {want} nodes")]
    SourceMiscount {
        /// How many nodes were asked for.
        want: usize,
        /// How many hashes came back.
        got: usize,
    },
}

/// Where proofs get the hashes of complete subtrees from: a database table, a tile store or an
/// in-memory tree.
pub trait HashSource {
    /// The error reading hashes can fail with.
    type Error;

    /// Returns the hash of each named complete subtree, in the same order. Implementations are
    /// asked only for subtrees that lie wholly inside the tree the caller is proving against.
    fn node_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error>;
}

impl<S: HashSource + ?Sized> HashSource for &S {
    type Error = S::Error;

    fn node_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, Self::Error> {
        (**self).node_hashes(nodes)
    }
}

/// The complete subtrees a proof (or a root) needs, and how to fold them.
///
/// Each element of the finished proof is the Merkle Tree Hash of one range of leaves. A range
/// that is a complete subtree is one node; a range on the right edge of the tree is several
/// complete subtrees, largest first, folded from the right.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProofPlan {
    nodes: Vec<NodeId>,
    /// For each proof element, the end (exclusive) of its run of nodes in `nodes`.
    element_ends: Vec<usize>,
}

impl ProofPlan {
    fn from_ranges(ranges: &[(u64, u64)]) -> Self {
        let mut plan = ProofPlan {
            nodes: Vec::with_capacity(ranges.len() + 8),
            element_ends: Vec::with_capacity(ranges.len()),
        };
        for &(begin, end) in ranges {
            decompose(begin, end, &mut plan.nodes);
            plan.element_ends.push(plan.nodes.len());
        }
        plan
    }

    /// The complete subtrees whose hashes the proof needs, in the order [`ProofPlan::assemble`]
    /// expects them.
    pub fn nodes(&self) -> &[NodeId] {
        &self.nodes
    }

    /// Number of hashes in the finished proof.
    pub fn len(&self) -> usize {
        self.element_ends.len()
    }

    /// True when the proof has no hashes (for example, inclusion in a one-leaf tree).
    pub fn is_empty(&self) -> bool {
        self.element_ends.is_empty()
    }

    /// Folds the fetched hashes (one per entry of [`ProofPlan::nodes`]) into the proof.
    /// Returns `None` if `hashes` has the wrong length.
    pub fn assemble(&self, hashes: &[Hash]) -> Option<Vec<Hash>> {
        if hashes.len() != self.nodes.len() {
            return None;
        }
        let mut proof = Vec::with_capacity(self.element_ends.len());
        let mut start = 0;
        for &end in &self.element_ends {
            proof.push(fold_right(hashes.get(start..end)?)?);
            start = end;
        }
        Some(proof)
    }

    /// Fetches the hashes from `source` and folds them into the proof.
    pub fn execute<S: HashSource>(&self, source: &S) -> Result<Vec<Hash>, ProofError<S::Error>> {
        if self.nodes.is_empty() {
            return Ok(Vec::new());
        }
        let hashes = source
            .node_hashes(&self.nodes)
            .map_err(ProofError::Source)?;
        self.assemble(&hashes).ok_or(ProofError::SourceMiscount {
            want: self.nodes.len(),
            got: hashes.len(),
        })
    }
}

/// Folds the roots of adjacent complete subtrees (largest first) into the Merkle Tree Hash of
/// their union: `MTH = node(s1, node(s2, … node(sk-1, sk)))`, because MTH splits each range at
/// its largest power of two.
fn fold_right(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(
        rest.iter()
            .rev()
            .fold(*last, |acc, left| node_hash(left, &acc)),
    )
}

/// Appends the complete subtrees that cover leaves `[begin, end)` to `out`, largest first.
///
/// Ranges from RFC 9162's PATH and PROOF always start at a multiple of a power of two at least
/// as large as the range, so the greedy choice (the largest aligned subtree that fits) is the
/// binary decomposition of the range's length, which is what MTH's split produces.
fn decompose(mut begin: u64, end: u64, out: &mut Vec<NodeId>) {
    while begin < end {
        let alignment = begin.trailing_zeros(); // 64 when begin == 0
        let fits = 63 - (end - begin).leading_zeros(); // floor(log2(end - begin))
        let level = alignment.min(fits);
        // `level <= 63`, so the narrowing and the shifts cannot overflow.
        out.push(NodeId::new(level as u8, begin >> level));
        begin += 1u64 << level;
    }
}

/// The largest power of two strictly below `n`, for `n >= 2` (RFC 9162's `k`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Plans the inclusion proof PATH(`index`, D[0:`size`]) of RFC 9162 §2.1.3.1.
pub fn inclusion_plan(
    index: u64,
    size: u64,
) -> Result<ProofPlan, ProofError<std::convert::Infallible>> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // Walk down from the root; each step contributes the sibling range. The RFC lists hashes
    // from the leaf upwards, so the collected ranges are reversed at the end.
    let mut ranges = Vec::with_capacity(64);
    let (mut begin, mut end) = (0u64, size);
    while end - begin > 1 {
        let k = split_point(end - begin);
        if index - begin < k {
            ranges.push((begin + k, end));
            end = begin + k;
        } else {
            ranges.push((begin, begin + k));
            begin += k;
        }
    }
    ranges.reverse();
    Ok(ProofPlan::from_ranges(&ranges))
}

/// Plans the consistency proof PROOF(`old`, D[0:`new`]) of RFC 9162 §2.1.4.1.
///
/// `old == new` gives the empty proof; `old == 0` and `old > new` are errors, following
/// transparency-dev/merkle and reference/tlog.md §1.8.
pub fn consistency_plan(
    old: u64,
    new: u64,
) -> Result<ProofPlan, ProofError<std::convert::Infallible>> {
    if old == 0 || old > new {
        return Err(ProofError::BadSizes { old, new });
    }
    let mut ranges = Vec::with_capacity(64);
    let (mut begin, mut end, mut remaining_old) = (0u64, new, old);
    // `whole_old_subtree` is SUBPROOF's flag b: true while the range is the whole original
    // tree, whose root the verifier already has.
    let mut whole_old_subtree = true;
    loop {
        if remaining_old == end - begin {
            if !whole_old_subtree {
                ranges.push((begin, end));
            }
            break;
        }
        let k = split_point(end - begin);
        if remaining_old <= k {
            ranges.push((begin + k, end));
            end = begin + k;
        } else {
            ranges.push((begin, begin + k));
            remaining_old -= k;
            begin += k;
            whole_old_subtree = false;
        }
    }
    ranges.reverse();
    Ok(ProofPlan::from_ranges(&ranges))
}

/// Plans the Merkle Tree Hash of the first `size` leaves: the fold of the complete subtrees
/// that make up `[0, size)`. The plan is empty for size 0, whose root is [`EMPTY_ROOT`].
pub fn root_plan(size: u64) -> ProofPlan {
    if size == 0 {
        return ProofPlan::default();
    }
    ProofPlan::from_ranges(&[(0, size)])
}

fn widen<E>(error: ProofError<std::convert::Infallible>) -> ProofError<E> {
    match error {
        ProofError::IndexOutOfRange { index, size } => ProofError::IndexOutOfRange { index, size },
        ProofError::BadSizes { old, new } => ProofError::BadSizes { old, new },
        ProofError::SourceMiscount { want, got } => ProofError::SourceMiscount { want, got },
        ProofError::Source(never) => match never {},
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` leaves, read from `source`.
pub fn inclusion_proof<S: HashSource>(
    source: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    inclusion_plan(index, size).map_err(widen)?.execute(source)
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
pub fn consistency_proof<S: HashSource>(
    source: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, ProofError<S::Error>> {
    consistency_plan(old, new).map_err(widen)?.execute(source)
}

/// The Merkle Tree Hash of the first `size` leaves, read from `source`.
pub fn tree_root<S: HashSource>(source: &S, size: u64) -> Result<Hash, ProofError<S::Error>> {
    let mut roots = root_plan(size).execute(source)?;
    Ok(roots.pop().unwrap_or(EMPTY_ROOT))
}

/// MTH(D_n) computed straight from the definition in RFC 9162 §2.1.1. Quadratic-free but
/// recursive; meant for tests and small inputs, not for growing logs.
pub fn merkle_tree_hash<D: AsRef<[u8]>>(leaves: &[D]) -> Hash {
    fn subtree<D: AsRef<[u8]>>(leaves: &[D]) -> Hash {
        match leaves {
            [] => EMPTY_ROOT,
            [only] => leaf_hash(only.as_ref()),
            _ => {
                let k = split_point(leaves.len() as u64) as usize;
                let (left, right) = leaves.split_at(k);
                node_hash(&subtree(left), &subtree(right))
            }
        }
    }
    subtree(leaves)
}

/// A whole tree kept in memory with every complete subtree hash, for tests, tools and small
/// logs. It is a [`HashSource`], so proofs come from the same code as for stored logs.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    /// `levels[h][i]` is the hash of complete subtree `NodeId { level: h, index: i }`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        MemoryTree::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf by its leaf hash and returns its index.
    pub fn push_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let len = row.len();
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&row[len - 2], &row[len - 1]);
            level += 1;
        }
        index
    }

    /// Appends a leaf by its data and returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_hash(leaf_hash(data))
    }

    /// The root of the first `size` leaves, or `None` if the tree is smaller.
    pub fn root_at(&self, size: u64) -> Option<Hash> {
        if size > self.size() {
            return None;
        }
        tree_root(self, size).ok()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        tree_root(self, self.size()).unwrap_or(EMPTY_ROOT)
    }
}

/// A node the [`MemoryTree`] does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the tree has no complete subtree at level {} index {}", .0.level, .0.index)]
pub struct MissingNode(pub NodeId);

impl HashSource for MemoryTree {
    type Error = MissingNode;

    fn node_hashes(&self, nodes: &[NodeId]) -> Result<Vec<Hash>, MissingNode> {
        nodes
            .iter()
            .map(|node| {
                let index = usize::try_from(node.index).map_err(|_| MissingNode(*node))?;
                self.levels
                    .get(usize::from(node.level))
                    .and_then(|row| row.get(index))
                    .copied()
                    .ok_or(MissingNode(*node))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<[u8; 8]> {
        (0..n).map(u64::to_be_bytes).collect()
    }

    #[test]
    fn decomposition_covers_the_range_exactly() {
        let mut out = Vec::new();
        decompose(0, 13, &mut out);
        assert_eq!(
            out,
            vec![NodeId::new(3, 0), NodeId::new(2, 2), NodeId::new(0, 12)]
        );
        out.clear();
        decompose(0, u64::MAX, &mut out);
        assert_eq!(out.len(), 64);
        assert_eq!(out.first(), Some(&NodeId::new(63, 0)));
    }

    #[test]
    fn memory_tree_roots_match_the_definition() {
        let data = leaves(70);
        let mut tree = MemoryTree::new();
        for (n, leaf) in data.iter().enumerate() {
            assert_eq!(tree.root(), merkle_tree_hash(&data[..n]));
            tree.push(leaf);
        }
        assert_eq!(tree.root(), merkle_tree_hash(&data));
    }

    #[test]
    fn plans_reject_impossible_requests() {
        assert!(inclusion_plan(0, 0).is_err());
        assert!(inclusion_plan(5, 5).is_err());
        assert!(consistency_plan(0, 0).is_err());
        assert!(consistency_plan(0, 5).is_err());
        assert!(consistency_plan(6, 5).is_err());
        assert_eq!(consistency_plan(5, 5).map(|p| p.len()), Ok(0));
        // The largest sizes must plan without overflow.
        assert_eq!(
            inclusion_plan(u64::MAX - 1, u64::MAX).map(|p| p.len()),
            Ok(63)
        );
        assert!(consistency_plan(u64::MAX - 1, u64::MAX).is_ok());
    }
}
