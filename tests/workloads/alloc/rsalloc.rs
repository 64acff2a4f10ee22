//! Allocation patterns whose answers are known by construction, for
//! rustscope record --alloc: the Rust twin of calloc.c. Each pattern
//! allocates from its own #[inline(never)] function of the module
//! `patterns`, so a heap profile can be checked function by function
//! (frames `rsalloc::patterns::leak_boxes`, ...):
//!   leak N SIZE     leak_boxes() leaks N Vec<u8> of SIZE bytes;
//!                   churn_vecs() allocates and drops N of SIZE
//!   realloc STEPS   grow_vec(): one Vec<u8> of capacity 16, grown with
//!                   reserve_exact to 32, 64, ... 16 * 2^STEPS bytes (one
//!                   realloc each), then dropped
//!   threads T N     T std::thread threads each allocate and drop N Vec<u8>
//!                   of 256 bytes (thread_churn) and leak one of 4096
//!                   (thread_leak)
//!   bench N         allocation-heavy work for overhead measurement
//!                   (tests/bench/alloc.sh; about 1 s for the default
//!                   N = 1000000; about 19 allocations and 8 reallocations
//!                   an iteration): small Strings, Vecs and HashMap entries
//!                   built, used and dropped
//!   sleep S         leaks 10 x 100000 bytes (leak_boxes), sleeps S seconds
//! Built with build.sh (release, debuginfo; rsalloc.fp with frame
//! pointers). Prints nothing: stdout's own buffer would be one more
//! allocation. Exit status 2 on an unknown mode.
use std::hint::black_box;

pub mod patterns {
    use std::collections::HashMap;
    use std::hint::black_box;

    /// A Vec<u8> of exactly `size` bytes (one allocation of `size`), touched.
    #[inline(always)]
    fn block(size: usize) -> Vec<u8> {
        let mut v: Vec<u8> = Vec::with_capacity(size);
        if size > 0 {
            v.push(1);
        }
        black_box(v)
    }

    #[inline(never)]
    pub fn leak_boxes(n: usize, size: usize) {
        for _ in 0..n {
            std::mem::forget(black_box(block(size)));
        }
    }

    #[inline(never)]
    pub fn churn_vecs(n: usize, size: usize) {
        for _ in 0..n {
            drop(black_box(block(size)));
        }
    }

    /// realloc sizes 32, 64, ... 16 << steps after the first 16.
    #[inline(never)]
    pub fn grow_vec(steps: u32) {
        let mut v: Vec<u8> = Vec::with_capacity(16);
        v.push(1);
        let mut cap = 16usize;
        for _ in 0..steps {
            cap *= 2;
            // reserve_exact asks for exactly len + additional: cap bytes
            v.reserve_exact(cap - v.len());
            v.resize(cap, 1);
            v = black_box(v);
        }
        drop(black_box(v));
    }

    #[inline(never)]
    pub fn thread_churn(n: usize) {
        for _ in 0..n {
            drop(black_box(block(256)));
        }
    }

    #[inline(never)]
    pub fn thread_leak() {
        std::mem::forget(black_box(block(4096)));
    }

    pub fn threads(t: usize, n: usize) {
        let handles: Vec<_> = (0..t)
            .map(|_| {
                std::thread::spawn(move || {
                    thread_churn(n);
                    thread_leak();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }

    /// One iteration: a word list from formatted Strings, counted into a
    /// HashMap, a few Vecs sorted and joined; everything dropped.
    #[inline(never)]
    fn bench_step(i: u64, map: &mut HashMap<String, u64>) -> u64 {
        let mut words: Vec<String> = Vec::with_capacity(8);
        for k in 0..8u64 {
            words.push(format!("w{}-{}", (i * 31 + k * 7) % 4096, k));
        }
        let mut h = 0u64;
        for w in &words {
            *map.entry(w.clone()).or_insert(0) += 1;
            for b in w.bytes() {
                h = (h ^ b as u64).wrapping_mul(1099511628211);
            }
        }
        let mut nums: Vec<u64> = (0..32).map(|k| (h >> (k % 60)) ^ (k * i)).collect();
        nums.sort_unstable();
        let joined = words.join(",");
        h ^= nums[16] ^ joined.len() as u64;
        if map.len() > 20000 {
            map.clear();
        }
        black_box(h)
    }

    #[inline(never)]
    pub fn bench(n: u64) -> u64 {
        let mut map: HashMap<String, u64> = HashMap::new();
        let mut acc = 0u64;
        for i in 0..n {
            acc ^= bench_step(i, &mut map);
        }
        black_box(map.len() as u64) ^ acc
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map(String::as_str).unwrap_or("");
    let num = |i: usize, d: u64| -> u64 { args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d) };
    match what {
        "leak" => {
            let (n, size) = (num(2, 0) as usize, num(3, 0) as usize);
            patterns::leak_boxes(n, size);
            patterns::churn_vecs(n, size);
        }
        "realloc" => patterns::grow_vec(num(2, 0) as u32),
        "threads" => patterns::threads(num(2, 0) as usize, num(3, 0) as usize),
        "bench" => {
            black_box(patterns::bench(num(2, 1000000)));
        }
        "sleep" => {
            patterns::leak_boxes(10, 100000);
            std::thread::sleep(std::time::Duration::from_secs(num(2, 0)));
        }
        _ => std::process::exit(2),
    }
}
