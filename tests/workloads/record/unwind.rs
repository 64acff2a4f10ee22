//! The unwinding accuracy workload (binary rsunwind): three phase functions
//! whose inclusive share of the CPU time is 1/3 each, by construction.
//!
//! Each worker thread runs the phases round robin, fract_phase, hash_phase,
//! horner_phase, fract_phase, ..., each in slices of the thread's CPU clock
//! (CLOCK_THREAD_CPUTIME_ID): in round k a phase runs until its own CPU time
//! reaches k * 10 ms, so a slice's overshoot (up to one inner chunk, ~50 us)
//! is taken from the phase's next slice and never adds up. The clock is also
//! read inside the phase functions, so that time belongs to them. A worker
//! stops only after a whole round, once SECS of wall time have passed.
//!
//! fract_phase's hot loop calls f64::fract, i.e. `trunc` (a leaf without a
//! frame pointer, outside this crate): sampled there, a frame-pointer
//! unwinder skips fract_phase, DWARF CFI does not.
//!
//! Usage: rsunwind SECS [THREADS]   (THREADS workers, default 1; the main
//! thread is worker 0 and the others are named unwind-1, unwind-2, ...).
//! At the end it prints the rounds and each phase's CPU time in ms, summed
//! over the workers: `rounds N fract_phase_ms X hash_phase_ms Y horner_phase_ms Z`.
use std::hint::black_box;
use std::time::{Duration, Instant};

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

extern "C" {
    fn clock_gettime(clk: i32, ts: *mut Timespec) -> i32;
}

const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
const SLICE_NS: u64 = 10_000_000;

#[inline(always)]
fn cpu_ns() -> u64 {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Sum of fractional parts: most of the time is in `trunc`.
#[inline(never)]
fn fract_phase(deadline: u64, acc: &mut f64) {
    let mut x = *acc;
    loop {
        for _ in 0..10_000 {
            x = black_box(x * 1.000_000_1 + 0.618_033_988_7).fract() + 1.5;
        }
        if cpu_ns() >= deadline {
            break;
        }
    }
    *acc = x;
}

/// An FNV-style integer hash.
#[inline(never)]
fn hash_phase(deadline: u64, acc: &mut u64) {
    let mut h = *acc;
    loop {
        for i in 0..100_000u64 {
            h = (h ^ (i & 0xff)).wrapping_mul(1_099_511_628_211);
        }
        if cpu_ns() >= deadline {
            break;
        }
    }
    *acc = black_box(h);
}

/// A polynomial by Horner's rule, no calls.
#[inline(never)]
fn horner_phase(deadline: u64, acc: &mut f64) {
    let mut x = *acc;
    loop {
        for _ in 0..20_000 {
            let t = black_box(x);
            x = ((((0.1 * t + 0.2) * t + 0.3) * t + 0.4) * t + 0.5) * 1e-3 + 0.25;
        }
        if cpu_ns() >= deadline {
            break;
        }
    }
    *acc = x;
}

/// One worker: whole rounds of the three phases until `end`. Returns the
/// number of rounds and the CPU time each phase took.
#[inline(never)]
fn worker(end: Instant) -> [u64; 4] {
    let (mut fa, mut ha, mut pa) = (0.5f64, 1u64, 0.5f64);
    let mut r = [0u64; 4]; // rounds, then the CPU time used by each phase
    let mut t = cpu_ns();
    while Instant::now() < end {
        r[0] += 1;
        let quota = r[0] * SLICE_NS;
        fract_phase(t + quota.saturating_sub(r[1]), &mut fa);
        let t1 = cpu_ns();
        r[1] += t1 - t;
        hash_phase(t1 + quota.saturating_sub(r[2]), &mut ha);
        let t2 = cpu_ns();
        r[2] += t2 - t1;
        horner_phase(t2 + quota.saturating_sub(r[3]), &mut pa);
        t = cpu_ns();
        r[3] += t - t2;
    }
    black_box((fa, ha, pa));
    r
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let secs: f64 = match a.get(1).and_then(|s| s.parse().ok()) {
        Some(s) => s,
        None => {
            eprintln!("usage: rsunwind SECS [THREADS]");
            std::process::exit(2);
        }
    };
    let threads: usize = a.get(2).map_or(1, |s| s.parse().unwrap());
    let end = Instant::now() + Duration::from_secs_f64(secs);
    let hs: Vec<_> = (1..threads.max(1))
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("unwind-{}", i))
                .spawn(move || worker(end))
                .unwrap()
        })
        .collect();
    let mut r = worker(end);
    for h in hs {
        let x = h.join().unwrap();
        for i in 0..4 {
            r[i] += x[i];
        }
    }
    println!(
        "rounds {} fract_phase_ms {:.3} hash_phase_ms {:.3} horner_phase_ms {:.3}",
        r[0],
        r[1] as f64 / 1e6,
        r[2] as f64 / 1e6,
        r[3] as f64 / 1e6
    );
}
