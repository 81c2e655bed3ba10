//! Helpers shared by the integration tests.

// Each test binary includes this module and uses only some of it.
#![allow(dead_code)]

/// The left/right decisions the RFC 9162 §2.1.3.2 inclusion verifier makes for `index` in a tree
/// of `size` leaves over a proof of `len` hashes (`true`: the running hash is the right child).
///
/// Two (index, size) pairs with the same proof length and the same decisions compute the same
/// root from the same proof: for example leaf 0 in trees of 3 and 4 leaves, or of 5 and 7. A
/// bare inclusion proof therefore binds the leaf to the root but not to one size; the size is
/// bound by the signed checkpoint. Mutation tests use this to tell those legitimate aliases from
/// real failures.
pub(crate) fn inclusion_shape(index: u64, size: u64, len: usize) -> Vec<bool> {
    let (mut f_n, mut s_n) = (index, size.saturating_sub(1));
    let mut shape = Vec::with_capacity(len);
    for _ in 0..len {
        let right = f_n & 1 == 1 || f_n == s_n;
        shape.push(right);
        if right && f_n & 1 == 0 {
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    shape
}

/// Whether verifying a proof made for (`index`, `size`) as if it were for (`index`, `other`)
/// runs exactly the same computation, so that it must succeed.
pub(crate) fn same_inclusion_steps(index: u64, size: u64, other: u64) -> bool {
    let len = tlog::verify::inclusion_proof_len(index, size);
    len.is_some()
        && len == tlog::verify::inclusion_proof_len(index, other)
        && len.is_some_and(|len| {
            inclusion_shape(index, size, len) == inclusion_shape(index, other, len)
        })
}

/// The steps the RFC 9162 §2.1.4.2 consistency verifier takes for sizes `old` → `new` over a
/// proof of `len` hashes: whether the old root is the seed, then for each hash whether it
/// extends both roots (`true`) or only the new one. Equal steps mean equal computations, so a
/// proof for one pair of sizes also verifies as the other pair (for example 1 → 3 and 1 → 4).
pub(crate) fn consistency_steps(old: u64, new: u64, len: usize) -> (bool, Vec<bool>) {
    let seeded = old.is_power_of_two();
    let (mut f_n, mut s_n) = (old.saturating_sub(1), new.saturating_sub(1));
    while f_n & 1 == 1 {
        f_n >>= 1;
        s_n >>= 1;
    }
    let hashes_after_seed = if seeded { len } else { len.saturating_sub(1) };
    let mut steps = Vec::with_capacity(len);
    for _ in 0..hashes_after_seed {
        let both = f_n & 1 == 1 || f_n == s_n;
        steps.push(both);
        if both && f_n & 1 == 0 {
            while f_n & 1 == 0 && f_n != 0 {
                f_n >>= 1;
                s_n >>= 1;
            }
        }
        f_n >>= 1;
        s_n >>= 1;
    }
    (seeded, steps)
}

/// Whether a consistency proof for `old` → `new` verifies unchanged as `other_old` →
/// `other_new` because the verifier runs the same computation.
pub(crate) fn same_consistency_steps(old: u64, new: u64, other_old: u64, other_new: u64) -> bool {
    let len = tlog::verify::consistency_proof_len(old, new);
    len.is_some()
        && len == tlog::verify::consistency_proof_len(other_old, other_new)
        && len.is_some_and(|len| {
            consistency_steps(old, new, len) == consistency_steps(other_old, other_new, len)
        })
}
