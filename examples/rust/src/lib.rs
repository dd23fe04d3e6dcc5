//! The example functions' handlers and the computation they share (each function is one
//! binary in `src/bin/`; the `powertune` binary also serves `cpu-bound` and `io-bound` itself,
//! so that its demo needs nothing but the installed binary).
//!
//! The binaries are Lambda `bootstrap` executables for a `provided.al2023` runtime built with
//! `lambda_runtime`. Their work is set by the payload, so tests and benchmarks choose how long
//! an invocation runs:
//!
//! - `cpu-bound`: `{"iterations": N}` rounds of integer hashing.
//! - `io-bound`: `{"sleep_ms": N}` of sleeping.
//! - `faulty`: `{"mode": "crash" | "panic" | "timeout" | "oom" | "print" | "error" | "ok"}`;
//!   init behaviour from the environment (`INIT_FAIL=1`, `INIT_WORK_MS=N`).
//!
//! No I/O here beyond the handlers' own sleeps: the binaries start the runtime client.

use std::time::{Duration, Instant};

pub mod cpu_bound;
pub mod io_bound;

/// `iterations` rounds of a 64-bit mixing function (splitmix64 finalizer). Returns the
/// checksum so the work cannot be optimized away.
///
/// ```
/// assert_eq!(example_functions::hash_rounds(0), 0);
/// assert_ne!(example_functions::hash_rounds(10), example_functions::hash_rounds(11));
/// ```
pub fn hash_rounds(iterations: u64) -> u64 {
    let mut acc = 0u64;
    for i in 0..iterations {
        let mut z = acc.wrapping_add(i).wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        acc = z ^ (z >> 31);
    }
    std::hint::black_box(acc)
}

/// Spins the CPU for `duration` of wall-clock time (a busy init that a cgroup CPU quota
/// stretches, unlike a sleep).
pub fn busy_for(duration: Duration) -> u64 {
    let start = Instant::now();
    let mut rounds = 0u64;
    let mut acc = 0u64;
    while start.elapsed() < duration {
        acc ^= hash_rounds(1_000);
        rounds += 1;
    }
    std::hint::black_box(acc ^ rounds)
}
