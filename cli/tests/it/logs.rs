//! `powertune logs` end to end: REPORT lines served by the emulator's CloudWatch Logs API
//! through aws-sdk-cloudwatchlogs, log exports in text and JSON lines, stdin, and bad input.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use analyzer::log_analysis::{LogAnalysis, LogAnalysisOptions, TimedRecord, analyze};
use analyzer::report_line::{ReportRecord, format, format_json_report};
use analyzer::stats::SplitMix64;
use assert_cmd::Command;
use emulator::log_store::InputLogEvent;
use predicates::prelude::*;
use time::macros::format_description;

use crate::harness::{powertune_aws as powertune, tune_example};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `n` REPORT records at 512 MB logged from `start_ms` on, with a busier middle hour; durations
/// have two decimals so that the text form carries them exactly.
fn synthetic(n: usize, start_ms: i64, seed: u64) -> Vec<TimedRecord> {
    let mut rng = SplitMix64::new(seed);
    let mut t = start_ms;
    (0..n)
        .map(|i| {
            let cold = rng.below(100) < 3;
            let duration_ms = (2_000 + rng.below(20_000)) as f64 / 100.0;
            let record = ReportRecord {
                request_id: format!("00000000-0000-4000-8000-{i:012}"),
                duration_ms,
                billed_duration_ms: duration_ms.ceil() as u64,
                memory_size_mb: 512,
                max_memory_used_mb: 90 + rng.below(160) as u32,
                init_duration_ms: cold.then(|| (10_000 + rng.below(30_000)) as f64 / 100.0),
                restore_duration_ms: None,
                billed_restore_duration_ms: None,
                status: None,
                error_type: None,
                xray: None,
            };
            // About 14 req/s, 3x busier for the middle third.
            let gap = if i > n / 3 && i < 2 * n / 3 { 24 } else { 71 };
            t += gap + rng.below(5) as i64;
            TimedRecord {
                timestamp_ms: Some(t),
                record,
            }
        })
        .collect()
}

/// `ms` since the epoch as RFC 3339 in UTC, to the millisecond, as log exports write it.
fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap()
}

/// The analysis `cmd` (a `powertune logs --json` run, which must succeed) prints.
fn analysis(cmd: &mut Command) -> LogAnalysis {
    let output = cmd.output().expect("runs");
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("JSON analysis")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The CLI's figures equal a direct computation over the same records.
fn assert_same(cli: &LogAnalysis, direct: &LogAnalysis) {
    assert_eq!(cli.invocations, direct.invocations);
    assert_eq!(cli.cold_starts, direct.cold_starts);
    assert!(close(cli.cold_start_rate, direct.cold_start_rate));
    for (a, b) in [
        (&cli.duration_ms, &direct.duration_ms),
        (
            cli.init_duration_ms.as_ref().expect("init summary"),
            direct.init_duration_ms.as_ref().expect("init summary"),
        ),
    ] {
        assert_eq!(a.count, b.count);
        for (x, y) in [
            (a.mean, b.mean),
            (a.median, b.median),
            (a.p95, b.p95),
            (a.p99, b.p99),
            (a.max, b.max),
        ] {
            assert!(close(x, y), "{x} != {y}");
        }
    }
    assert_eq!(cli.memory.memory_size_mb, direct.memory.memory_size_mb);
    assert_eq!(
        cli.memory.max_memory_used_mb,
        direct.memory.max_memory_used_mb
    );
    assert!(close(
        cli.memory.p99_memory_used_mb,
        direct.memory.p99_memory_used_mb
    ));
    assert!(close(
        cli.memory.headroom_percent,
        direct.memory.headroom_percent
    ));
    assert!(close(cli.cost.total_usd, direct.cost.total_usd));
    let (t, u) = (
        cli.traffic.as_ref().expect("traffic"),
        direct.traffic.as_ref().expect("traffic"),
    );
    assert_eq!(t.per_minute, u.per_minute);
    assert!(close(t.average_rps, u.average_rps));
    assert!(close(t.peak_rps, u.peak_rps));
    assert!(close(t.p95_rps, u.p95_rps));
    let (c, d) = (
        cli.concurrency.as_ref().expect("concurrency"),
        direct.concurrency.as_ref().expect("concurrency"),
    );
    assert_eq!(c.needed.len(), d.needed.len());
    for (x, y) in c.needed.iter().zip(&d.needed) {
        assert!(
            close(x.value, y.value),
            "{}: {} != {}",
            x.name,
            x.value,
            y.value
        );
    }
    assert_eq!(
        c.provisioned.provisioned_concurrency.value,
        d.provisioned.provisioned_concurrency.value
    );
    assert_eq!(
        c.reserved.as_ref().map(|r| r.reserved_concurrency.value),
        d.reserved.as_ref().map(|r| r.reserved_concurrency.value)
    );
}

fn options(downstream_rps: Option<f64>) -> LogAnalysisOptions {
    LogAnalysisOptions {
        downstream_rps,
        ..LogAnalysisOptions::default()
    }
}

#[test]
fn figures_from_100k_report_lines_via_the_logs_api_match_a_direct_computation() {
    const LINES: usize = 100_000;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // Room for every line plus the application output (the default bound is 100,000).
    let config = emulator::Emulator {
        log_store: emulator::log_store::LogStoreConfig {
            max_events_per_group: 2 * LINES,
            log_dir: None,
        },
        ..emulator::Emulator::default()
    };
    let emulator = runtime.block_on(config.start()).expect("emulator starts");
    let endpoint = emulator.endpoint_url();
    // Within the last 24 hours, ending before now.
    let records = synthetic(LINES, now_ms() - 3 * 3_600_000, 11);
    // Ten log streams of text REPORT lines, and one of application output.
    let group = "/aws/lambda/busy-fn";
    for (chunk_index, chunk) in records.chunks(10_000).enumerate() {
        let events: Vec<InputLogEvent> = chunk
            .iter()
            .map(|r| InputLogEvent {
                timestamp_ms: r.timestamp_ms.expect("timestamped"),
                message: format(&r.record),
            })
            .collect();
        emulator.logs().append(
            group,
            &format!("2026/01/01/[$LATEST]{chunk_index:032x}"),
            events,
        );
    }
    emulator.logs().append(
        group,
        "2026/01/01/[$LATEST]app",
        [InputLogEvent::now("application output, not a REPORT line")],
    );

    let started = Instant::now();
    let output = powertune()
        .args([
            "logs",
            "--function",
            "busy-fn",
            "--since",
            "24h",
            "--region",
            "us-east-1",
            "--endpoint-url",
            endpoint.as_str(),
            "--downstream-rps",
            "20",
            "--json",
        ])
        .output()
        .expect("powertune runs");
    let elapsed = started.elapsed();
    runtime.block_on(emulator.shutdown());
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let cli: LogAnalysis = serde_json::from_slice(&output.stdout).expect("JSON analysis");
    let direct = analyze(&records, &options(Some(20.0))).expect("direct analysis");
    assert_eq!(cli.invocations, LINES as u64);
    assert_same(&cli, &direct);
    eprintln!(
        "powertune logs: {LINES} REPORT lines via FilterLogEvents in {:.2} s = {:.0} lines/s (debug build)",
        elapsed.as_secs_f64(),
        LINES as f64 / elapsed.as_secs_f64()
    );
}

fn export_records() -> Vec<TimedRecord> {
    synthetic(3_000, 1_790_000_000_000, 5)
}

fn text_export(records: &[TimedRecord]) -> String {
    let mut text = String::new();
    for r in records {
        let t = rfc3339(r.timestamp_ms.expect("timestamped"));
        let id = &r.record.request_id;
        text.push_str(&format!("{t} START RequestId: {id} Version: $LATEST\n"));
        text.push_str(&format!("{t} {id}\tINFO\thandled\n"));
        text.push_str(&format!("{t} END RequestId: {id}\n"));
        text.push_str(&format!("{t} {}\n", format(&r.record)));
    }
    text
}

#[test]
fn file_reads_a_text_export() {
    let records = export_records();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export.txt");
    std::fs::write(&path, text_export(&records)).expect("write export");
    let cli = analysis(powertune().args(["logs", "--json", "--file"]).arg(&path));
    assert_same(&cli, &analyze(&records, &options(None)).expect("direct"));
}

#[test]
fn file_reads_json_lines_and_shows_a_table() {
    let records = export_records();
    let mut text = String::new();
    for r in &records {
        let t = rfc3339(r.timestamp_ms.expect("timestamped"));
        text.push_str(&format!(
            "{{\"time\":\"{t}\",\"type\":\"platform.start\",\"record\":{{\"requestId\":\"{}\"}}}}\n",
            r.record.request_id
        ));
        text.push_str(&format_json_report(&r.record, &t));
        text.push('\n');
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("export.jsonl");
    std::fs::write(&path, &text).expect("write export");
    let cli = analysis(powertune().args(["logs", "--json", "--file"]).arg(&path));
    assert_same(&cli, &analyze(&records, &options(None)).expect("direct"));

    powertune()
        .args(["logs", "--color", "never", "--file"])
        .arg(&path)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("invocations")
                .and(predicate::str::contains("3000"))
                .and(predicate::str::contains("headroom"))
                .and(predicate::str::contains("provisioned concurrency")),
        );
}

#[test]
fn file_dash_reads_stdin() {
    let records = export_records();
    let cli = analysis(
        powertune()
            .args(["logs", "--json", "--file", "-"])
            .write_stdin(text_export(&records)),
    );
    assert_same(&cli, &analyze(&records, &options(None)).expect("direct"));
}

#[test]
fn unknown_function_is_a_clear_error_with_exit_2() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime
        .block_on(emulator::Emulator::default().start())
        .expect("emulator starts");
    let endpoint = emulator.endpoint_url();
    let assert = powertune()
        .args([
            "logs",
            "--function",
            "no-such-function",
            "--region",
            "us-east-1",
            "--endpoint-url",
            endpoint.as_str(),
        ])
        .assert();
    runtime.block_on(emulator.shutdown());
    assert.code(2).stderr(predicate::str::contains(
        "no log group /aws/lambda/no-such-function",
    ));
}

#[test]
fn a_file_without_report_lines_exits_2() {
    powertune()
        .args(["logs", "--file", "-"])
        .write_stdin("just application output\n")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no REPORT records"));
}

#[test]
fn tune_rps_adds_the_recommended_configurations_concurrency_to_the_result_and_report() {
    let out = tempfile::tempdir().expect("temp dir");
    let output = tune_example("io-bound", out.path())
        .args(["--json", "--num", "5", "--memory", "128,512"])
        .args([
            "--payload",
            r#"{"sleep_ms": 5}"#,
            "--rps",
            "50",
            "--peak-rps",
            "200",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{output:?}");
    let result: analyzer::result::TuningResult =
        serde_json::from_slice(&output.stdout).expect("JSON result");
    let figures = result.concurrency.as_ref().expect("concurrency figures");
    let pick = result
        .recommendations
        .overall
        .iter()
        .find(|r| r.strategy == result.input.strategy)
        .expect("a pick");
    assert_eq!(figures.key, pick.key);
    let config = result
        .configurations
        .iter()
        .find(|c| c.key == pick.key)
        .expect("measured");
    // Little's law on the mean duration, at the average and at the peak rate.
    assert!(close(
        figures.needed[0].value,
        50.0 * config.duration.mean / 1000.0
    ));
    assert!(close(
        figures.needed[3].value,
        200.0 * config.duration.mean / 1000.0
    ));
    let written: analyzer::result::TuningResult =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).expect("read"))
            .expect("result.json");
    assert!(written.concurrency.is_some());
    let has_chart = std::fs::read_dir(out.path())
        .expect("out dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().contains("concurrency"));
    assert!(has_chart, "the report draws the concurrency curves");
}
