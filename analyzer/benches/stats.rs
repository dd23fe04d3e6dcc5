//! Cost of the per-configuration statistics: `summarize` (descriptive statistics plus two
//! bootstrap intervals of 2,000 resamples each) and the Mann-Whitney U test, at sample counts a
//! tuning run or a cold-start gate typically holds.
//!
//! Run with `cargo bench -p analyzer --bench stats`.

use std::hint::black_box;
use std::time::Duration;

use analyzer::stats::{SplitMix64, mann_whitney_u, summarize};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// Right-skewed durations around 100 ms, like warm invocations with a slow tail.
fn durations(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            100.0 - 20.0 * (1.0 - u).ln()
        })
        .collect()
}

fn bench_summarize(c: &mut Criterion) {
    let mut group = c.benchmark_group("summarize");
    group.measurement_time(Duration::from_secs(5));
    for n in [10, 100, 1000] {
        let samples = durations(n, 1);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &samples, |b, s| {
            b.iter(|| summarize(black_box(s), 0.2, 0.95, 42));
        });
    }
    group.finish();
}

fn bench_mann_whitney(c: &mut Criterion) {
    let mut group = c.benchmark_group("mann_whitney_u");
    for n in [30, 1000] {
        let baseline = durations(n, 2);
        let candidate = durations(n, 3);
        group.throughput(Throughput::Elements(2 * n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| mann_whitney_u(black_box(&baseline), black_box(&candidate)));
        });
    }
    group.finish();
}

criterion_group!(benches, bench_summarize, bench_mann_whitney);
criterion_main!(benches);
