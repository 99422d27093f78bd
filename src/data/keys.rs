//! Hash maps keyed by integers: codes, levels, and hashes of rows or values. A multiplication per
//! key and a SplitMix64 finish mix them, far cheaper than SipHash (which guards against keys
//! chosen by an attacker), and the maps have no random state, so they iterate in the same order
//! in every run.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::sample::splitmix64;

/// An odd constant (2^64 / golden ratio): multiplying by it spreads a key's bits into the high
/// bits, and is a bijection, so distinct single keys never collide.
const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// The hasher of [`KeyMap`]: each written integer is folded into the state and multiplied, and
/// the state is mixed by SplitMix64 at the end (a bijection too). A product's low bits depend
/// only on the key's low bits, and the table picks buckets by its low bits: without the final
/// mix, keys such as the bits of 1.0, 2.0 and 3.0 (45 low zeros) would share one bucket.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        splitmix64(self.0)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(MIX);
        }
    }

    fn write_u32(&mut self, x: u32) {
        self.write_u64(u64::from(x));
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(32) ^ x).wrapping_mul(MIX);
    }
}

/// A hash map for integer keys (and tuples of them).
pub(crate) type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_spread_and_tuples_differ_by_order() {
        // Small dense codes land in distinct high bits (the table's tag bits).
        let tags: std::collections::BTreeSet<u64> = (0u32..64)
            .map(|c| {
                let mut h = KeyHasher::default();
                h.write_u32(c);
                h.finish() >> 57
            })
            .collect();
        assert!(tags.len() > 40, "{} distinct tags", tags.len());
        // Keys equal in their low 32 bits (whole doubles) still spread over the low bits.
        let low: std::collections::BTreeSet<u64> = (1u32..65)
            .map(|i| {
                let mut h = KeyHasher::default();
                h.write_u64(f64::from(i).to_bits());
                h.finish() & 127
            })
            .collect();
        assert!(low.len() > 40, "{} distinct low bits", low.len());
        let hash = |a: u32, b: u8| {
            let mut h = KeyHasher::default();
            std::hash::Hash::hash(&(a, b), &mut h);
            h.finish()
        };
        assert_ne!(hash(1, 2), hash(2, 1));
        let mut m: KeyMap<(u32, u8), usize> = KeyMap::default();
        *m.entry((7, 1)).or_default() += 2;
        *m.entry((7, 1)).or_default() += 3;
        assert_eq!(m[&(7, 1)], 5);
    }
}
