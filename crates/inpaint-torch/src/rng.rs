//! A tiny seeded generator for PatchMatch's random search.
//!
//! libtorch's generator is process-global (`tch::manual_seed`), so two jobs on two worker threads
//! would interleave draws and lose reproducibility. SplitMix64 per call keeps every job
//! deterministic for its seed, and the same numbers are used on CPU and CUDA.

/// SplitMix64 (Steele, Lea and Flood 2014): fast, full-period, good enough for search sampling.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator for one (seed, stream) pair; streams separate levels and iterations.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        Self(seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17))
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` floats uniform in [-1, 1).
    pub(crate) fn symmetric(&mut self, n: usize) -> Vec<f32> {
        (0..n)
            .map(|_| {
                // 24 high bits give an exactly representable f32 in [0, 1).
                let unit = (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
                unit * 2.0 - 1.0
            })
            .collect()
    }

    /// `n` integers uniform in [0, bound).
    pub(crate) fn below(&mut self, n: usize, bound: u64) -> Vec<i64> {
        let bound = bound.max(1);
        (0..n).map(|_| i64::try_from(self.next_u64() % bound).unwrap_or(0)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_repeats_and_streams_differ() {
        let a = SplitMix64::new(7, 1).symmetric(100);
        assert_eq!(a, SplitMix64::new(7, 1).symmetric(100));
        assert_ne!(a, SplitMix64::new(7, 2).symmetric(100));
        assert!(a.iter().all(|v| (-1.0..1.0).contains(v)));
        let b = SplitMix64::new(7, 1).below(1000, 10);
        assert!(b.iter().all(|v| (0..10).contains(v)));
        assert!((0..10).all(|d| b.contains(&d)), "all values should appear");
    }
}
