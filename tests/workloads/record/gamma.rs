//! Crate `gamma`: generics-heavy path. Hot function:
//! gamma::generic::hot_gamma, monomorphized per element type.
pub mod generic {
    pub trait Step: Copy {
        fn step(self, k: u64) -> Self;
        fn fold(self) -> u64;
    }
    impl Step for u32 {
        fn step(self, k: u64) -> Self { self.wrapping_mul(2654435761).wrapping_add(k as u32) }
        fn fold(self) -> u64 { self as u64 }
    }
    impl Step for f64 {
        fn step(self, k: u64) -> Self { (self * 1.000001 + k as f64).sqrt() + 1.0 }
        fn fold(self) -> u64 { self as u64 }
    }

    pub struct Acc<T: Step> { pub v: Vec<T> }

    impl<T: Step> Acc<T> {
        #[inline(never)]
        pub fn hot_gamma(&mut self, rounds: u64) -> u64 {
            let mut s = 0u64;
            for r in 0..rounds {
                for x in self.v.iter_mut() {
                    *x = x.step(r);
                }
                s = s.wrapping_add(std::hint::black_box(self.v[0]).fold());
            }
            s
        }
    }
}
