//! Inclusion and consistency proof verification, word for word as RFC 9162 §2.1.3.2 and
//! §2.1.4.2, with the edge-case policy of reference/tlog.md §1.8.
//!
//! The RFC's loops already fail on proofs of the wrong length, but the length is also checked
//! up front against the exact formula (transparency-dev/merkle's decomposition) so that the error
//! says what is wrong instead of "root mismatch".

use crate::hash::{Hash, node_hash};

/// Why a proof did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The leaf index is not below the tree size (this includes every index in an empty tree).
    #[error("leaf index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The claimed leaf index.
        index: u64,
        /// The claimed tree size.
        size: u64,
    },
    /// The old tree is larger than the new one: logs only grow.
    #[error("tree size went down from {old} to {new}")]
    SizeDecreased {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// Consistency with an empty tree is not something a generic verifier can check (C2SP
    /// tlog-witness handles `old 0` itself, without a proof).
    #[error("consistency from an empty tree has no proof")]
    EmptyOldTree,
    /// The proof has too many or too few hashes for the claimed index and sizes.
    #[error("the proof has {got} hashes where {want} are needed")]
    WrongProofLength {
        /// The length these sizes require.
        want: usize,
        /// The length given.
        got: usize,
    },
    /// The proof does not lead to the claimed root.
    #[error("the proof does not match the tree root")]
    RootMismatch,
    /// Equal sizes with different roots: two different trees claim the same size.
    #[error("two different roots for the same tree size")]
    DifferentRootsSameSize,
}

/// Number of hashes in the inclusion proof of `index` in a tree of `size` leaves:
/// `inner + popcount(index >> inner)`, `inner = bitlen(index XOR (size - 1))`.
/// Returns `None` when `index >= size`.
pub fn inclusion_proof_len(index: u64, size: u64) -> Option<usize> {
    if index >= size {
        return None;
    }
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    Some((inner + border) as usize)
}

/// Number of hashes in the consistency proof from `old` to `new` leaves, for `0 < old < new`.
pub fn consistency_proof_len(old: u64, new: u64) -> Option<usize> {
    if old == 0 || old >= new {
        return None;
    }
    let last_old = old - 1;
    let inner = 64 - (last_old ^ (new - 1)).leading_zeros();
    let border = last_old.checked_shr(inner).unwrap_or(0).count_ones();
    let shift = old.trailing_zeros();
    let seed = u32::from(!old.is_power_of_two());
    Some((seed + inner.saturating_sub(shift) + border) as usize)
}

/// Computes the root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–4).
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, VerifyError> {
    let want =
        inclusion_proof_len(index, size).ok_or(VerifyError::IndexOutOfRange { index, size })?;
    if proof.len() != want {
        return Err(VerifyError::WrongProofLength {
            want,
            got: proof.len(),
        });
    }
    let (mut f_n, mut s_n) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if s_n == 0 {
            return Err(VerifyError::WrongProofLength {
                want,
                got: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            r = node_hash(p, &r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(VerifyError::WrongProofLength {
            want,
            got: proof.len(),
        });
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), VerifyError> {
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

/// Verifies that the tree of `old_size` leaves with root `old_root` is a prefix of the tree of
/// `new_size` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// Policy (reference/tlog.md §1.8): `old_size > new_size` and `old_size == 0` are errors; equal
/// sizes need an empty proof and equal roots.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), VerifyError> {
    if old_size > new_size {
        return Err(VerifyError::SizeDecreased {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return Err(VerifyError::EmptyOldTree);
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(VerifyError::WrongProofLength {
                want: 0,
                got: proof.len(),
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(VerifyError::DifferentRootsSameSize)
        };
    }
    let want = consistency_proof_len(old_size, new_size).unwrap_or(0);
    if proof.len() != want || proof.is_empty() {
        return Err(VerifyError::WrongProofLength {
            want,
            got: proof.len(),
        });
    }

    // Step 2: when the old size is a power of two its root is the first node of the path.
    let mut path = proof.iter();
    let first = if old_size.is_power_of_two() {
        *old_root
    } else {
        match path.next() {
            Some(first) => *first,
            None => {
                return Err(VerifyError::WrongProofLength {
                    want,
                    got: proof.len(),
                });
            }
        }
    };
    let (mut f_n, mut s_n) = (old_size - 1, new_size - 1);
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let (mut f_r, mut s_r) = (first, first);
    for c in path {
        if s_n == 0 {
            return Err(VerifyError::WrongProofLength {
                want,
                got: proof.len(),
            });
        }
        if f_n & 1 == 1 || f_n == s_n {
            f_r = node_hash(c, &f_r);
            s_r = node_hash(c, &s_r);
            if f_n & 1 == 0 {
                while f_n & 1 == 0 && f_n != 0 {
                    f_n >>= 1;
                    s_n >>= 1;
                }
            }
        } else {
            s_r = node_hash(&s_r, c);
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    if s_n != 0 {
        return Err(VerifyError::WrongProofLength {
            want,
            got: proof.len(),
        });
    }
    if f_r == *old_root && s_r == *new_root {
        Ok(())
    } else {
        Err(VerifyError::RootMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::{consistency_plan, inclusion_plan};

    #[test]
    fn length_formulas_agree_with_the_plans() {
        for size in 1..200u64 {
            for index in 0..size {
                assert_eq!(
                    inclusion_proof_len(index, size),
                    inclusion_plan(index, size).ok().map(|p| p.len()),
                    "inclusion {index} {size}"
                );
            }
            for old in 1..size {
                assert_eq!(
                    consistency_proof_len(old, size),
                    consistency_plan(old, size).ok().map(|p| p.len()),
                    "consistency {old} {size}"
                );
            }
        }
    }

    #[test]
    fn extreme_sizes_do_not_panic() {
        let h = Hash::default();
        for size in [
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            (1 << 63) + 1,
            (1 << 63) - 1,
        ] {
            for index in [0, 1, size / 2, size - 2, size - 1] {
                let _ = verify_inclusion(&h, index, size, &[h; 64], &h);
                let _ = verify_inclusion(&h, index, size, &[], &h);
                let _ = verify_consistency(index, size, &[h; 65], &h, &h);
                let _ = verify_consistency(index.max(1), size, &[h], &h, &h);
            }
        }
    }
}
