//! Time to render the full report (HTML with inline SVG, plus every PNG) of a tuning run of
//! 2 architectures x 10 memory sizes x 100 samples.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

fn render_full_report(c: &mut Criterion) {
    let result = fixtures::large_tuning_result();
    let mut group = c.benchmark_group("render");
    group.sample_size(10);
    group.bench_function("tuning_2x10x100", |b| {
        b.iter(|| reports::render(std::hint::black_box(&result)).expect("renders"));
    });
    group.finish();
}

criterion_group!(benches, render_full_report);
criterion_main!(benches);
