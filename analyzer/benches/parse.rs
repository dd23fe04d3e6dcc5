//! Throughput of the whole-log parser on a generated mixed log of more than a million lines:
//! mostly application output, START/END lines, text REPORT lines and JSON `platform.*` events.
//!
//! Run with `cargo bench -p analyzer --bench parse`; criterion prints lines/s and MB/s.

use std::hint::black_box;
use std::time::Duration;

use analyzer::report_line::{
    ReportRecord, ReportStatus, XRayTrace, format, format_end, format_json_report,
    format_json_runtime_done, format_json_start, format_start, records,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Lines the generated log has at least.
const MIN_LINES: usize = 1_000_000;

/// A small deterministic generator (SplitMix64), so every run parses the same log.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn request_id(rng: &mut SplitMix64) -> String {
    let a = rng.next();
    let b = rng.next();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Builds the log and returns it with its number of lines and of REPORT records.
fn generate_log() -> (String, usize, usize) {
    let mut rng = SplitMix64(42);
    let mut log = String::with_capacity(MIN_LINES * 110);
    let mut lines = 0;
    let mut reports = 0;
    let push = |log: &mut String, line: &str| {
        log.push_str(line);
        log.push('\n');
    };
    while lines < MIN_LINES {
        let id = request_id(&mut rng);
        let duration_ms = rng.below(500_000) as f64 / 100.0;
        let cold = rng.below(20) == 0;
        let record = ReportRecord {
            request_id: id.clone(),
            duration_ms,
            billed_duration_ms: duration_ms.ceil() as u64,
            memory_size_mb: 1024,
            max_memory_used_mb: 60 + rng.below(200) as u32,
            init_duration_ms: cold.then(|| rng.below(80_000) as f64 / 100.0),
            restore_duration_ms: None,
            billed_restore_duration_ms: None,
            status: (rng.below(50) == 0).then_some(ReportStatus::Timeout),
            error_type: None,
            xray: (rng.below(4) == 0).then(|| XRayTrace {
                trace_id: format!("1-{:08x}-{:024x}", rng.next() >> 32, rng.next() >> 32),
                segment_id: Some(format!("{:016x}", rng.next())),
                sampled: true,
            }),
        };
        let app_lines = 3 + rng.below(16) as usize;
        if rng.below(3) == 0 {
            // JSON log format invocation.
            let time = "2026-10-08T07:30:28.235Z";
            push(&mut log, &format_json_start(&id, "$LATEST", time));
            for i in 0..app_lines {
                push(
                    &mut log,
                    &format!(
                        "{{\"timestamp\":\"{time}\",\"level\":\"INFO\",\"requestId\":\"{id}\",\
                         \"message\":\"processed item {i} of the batch\"}}"
                    ),
                );
            }
            push(&mut log, &format_json_runtime_done(&record, time));
            push(&mut log, &format_json_report(&record, time));
            lines += app_lines + 3;
        } else {
            push(&mut log, &format_start(&id, "$LATEST"));
            for i in 0..app_lines {
                push(
                    &mut log,
                    &format!(
                        "2026-10-08T07:30:28.235Z\t{id}\tINFO\tprocessed item {i} of the batch, \
                         {} bytes written",
                        rng.below(100_000)
                    ),
                );
            }
            push(&mut log, &format_end(&id));
            // A traced REPORT spans two lines.
            push(&mut log, &format(&record));
            lines += app_lines + 3 + usize::from(record.xray.is_some());
        }
        reports += 1;
    }
    (log, lines, reports)
}

fn parse(c: &mut Criterion) {
    let (log, lines, reports) = generate_log();
    // Check once that the benchmark parses what it should, so the figures mean something.
    let parsed = records(&log).filter(|r| r.is_ok()).count();
    assert_eq!(parsed, reports, "every generated record parses");

    let mut group = c.benchmark_group("records");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(12))
        .throughput(Throughput::ElementsAndBytes {
            elements: lines as u64,
            bytes: log.len() as u64,
        });
    group.bench_function(format!("mixed_log_{lines}_lines"), |b| {
        b.iter(|| records(black_box(&log)).filter(|r| r.is_ok()).count());
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
