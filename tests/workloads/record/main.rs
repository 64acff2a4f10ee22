//! The record workload: one hot function per crate (alpha, beta, gamma and
//! this crate's own workload::busy::hot_main), a short-lived child process
//! (this binary with `child`), and a many-threaded mode for --pid tests.
//! Usage: rsworkload run SECS | child | spin SECS THREADS
use std::time::{Duration, Instant};

mod busy {
    #[inline(never)]
    pub fn hot_main(rounds: u64) -> u64 {
        let mut v: u64 = 1;
        for i in 0..rounds {
            v = v.wrapping_mul(6364136223846793005).wrapping_add(i) ^ (v >> 13);
        }
        std::hint::black_box(v)
    }
}

#[inline(never)]
fn child_hot(rounds: u64) -> u64 {
    let mut x = 7u64;
    for i in 0..rounds {
        x = x.rotate_left(3) ^ i;
    }
    std::hint::black_box(x)
}

fn run(secs: f64) {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let mut acc32 = gamma::generic::Acc { v: vec![1u32; 64] };
    let mut acc64 = gamma::generic::Acc { v: vec![1.0f64; 64] };
    let mut sink = 0u64;
    let mut spawned = false;
    while Instant::now() < end {
        sink ^= alpha::math::hot_alpha(400_000);
        sink ^= beta::text::hot_beta(8_000);
        sink ^= acc32.hot_gamma(2_000);
        sink ^= acc64.hot_gamma(1_000);
        sink ^= busy::hot_main(400_000);
        if !spawned {
            spawned = true;
            let me = std::env::current_exe().unwrap();
            let st = std::process::Command::new(me).arg("child").status().unwrap();
            assert!(st.success());
        }
    }
    println!("{}", sink & 1);
}

fn spin(secs: f64, threads: usize) {
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let hs: Vec<_> = (0..threads)
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("spin-{}", i))
                .spawn(move || {
                    let mut s = 0u64;
                    while Instant::now() < end {
                        s ^= alpha::math::hot_alpha(100_000);
                    }
                    s
                })
                .unwrap()
        })
        .collect();
    let mut s = 0u64;
    for h in hs {
        s ^= h.join().unwrap();
    }
    println!("{}", s & 1);
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    match a.get(1).map(|s| s.as_str()) {
        Some("child") => println!("{}", child_hot(30_000_000) & 1),
        Some("spin") => spin(a[2].parse().unwrap(), a[3].parse().unwrap()),
        Some("run") => run(a[2].parse().unwrap()),
        _ => {
            eprintln!("usage: rsworkload run SECS | child | spin SECS THREADS");
            std::process::exit(2);
        }
    }
}
