//! Crate `beta`: closure-heavy text work. Hot function:
//! beta::text::hot_beta, whose work happens in closures.
pub mod text {
    #[inline(never)]
    pub fn hot_beta(rounds: u64) -> u64 {
        let score = |c: u8| -> u64 { (c as u64).wrapping_mul(31) ^ 7 };
        let words = ["alpha", "beta", "gamma", "delta", "epsilon"];
        let mut total = 0u64;
        for r in 0..rounds {
            total = words
                .iter()
                .map(|w| w.bytes().map(score).fold(r, |a, b| a.rotate_left(5) ^ b))
                .fold(total, |a, b| std::hint::black_box(a.wrapping_add(b)));
        }
        total
    }
}
