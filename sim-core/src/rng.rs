//! Randomness: one ChaCha stream per component, derived from the scenario seed and the
//! component's name, so adding a component never shifts the draws of another.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a, 64 bit: a stable hash of a component name (never `std`'s randomised hasher).
pub fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The stream of `component` for `seed`.
pub fn stream(seed: u64, component: &str) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(fnv1a(component));
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "workload-0"), |r, _: u32| Some(r.random::<u32>()))
            .collect();
        let b: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "workload-0"), |r, _: u32| Some(r.random::<u32>()))
            .collect();
        let c: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(stream(7, "workload-1"), |r, _: u32| Some(r.random::<u32>()))
            .collect();
        let d: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(stream(8, "workload-0"), |r, _: u32| Some(r.random::<u32>()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }
}
