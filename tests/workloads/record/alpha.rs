//! Crate `alpha`: integer mixing. Hot function: alpha::math::hot_alpha,
//! with an always-inlined helper (alpha::math::mix) so inlined frames show.
pub mod math {
    #[inline(always)]
    fn mix(x: u64) -> u64 {
        let y = x ^ (x >> 31);
        y.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17)
    }

    #[inline(never)]
    pub fn hot_alpha(rounds: u64) -> u64 {
        let mut acc = rounds;
        for i in 0..rounds {
            acc = mix(acc ^ i);
        }
        std::hint::black_box(acc)
    }
}
