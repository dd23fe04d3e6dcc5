//! Benchmark: adaptive sampling (`precision`) against a fixed `num`, on the bundled example
//! functions in the embedded emulator. For each example it runs both modes `--runs` times and
//! prints, as a Markdown table, the invocations each mode spent and how often each picked the
//! same memory size per strategy.
//!
//! Usage: `cargo run --release -p tuner --example adaptive_vs_fixed -- [--runs 20] [--num 20]
//! [--precision 0.1] [--iterations N]` (or `bench/adaptive-vs-fixed.sh`).
#![recursion_limit = "256"]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use analyzer::result::{RunEnvironment, Strategy, TuningResult};
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use serde_json::json;
use tuner::local::{Options, run};
use tuner::steps::RunInput;

struct Args {
    runs: usize,
    num: u32,
    precision: f64,
    iterations: u64,
}

fn parse_args() -> Args {
    let mut args = Args {
        runs: 20,
        num: 20,
        precision: 0.1,
        // Unoptimized example binaries hash about ten times slower.
        iterations: if cfg!(debug_assertions) {
            500_000
        } else {
            5_000_000
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--runs" => args.runs = value.parse().expect("--runs N"),
            "--num" => args.num = value.parse().expect("--num N"),
            "--precision" => args.precision = value.parse().expect("--precision FRACTION"),
            "--iterations" => args.iterations = value.parse().expect("--iterations N"),
            other => panic!("unknown flag {other}: use --runs, --num, --precision, --iterations"),
        }
    }
    args
}

fn pick(result: &TuningResult, strategy: Strategy) -> u32 {
    result
        .recommendations
        .overall
        .iter()
        .find(|r| r.strategy == strategy)
        .map_or(0, |r| r.key.memory_mb.get())
}

#[derive(Default)]
struct Tally {
    invocations: Vec<u32>,
    cost: Vec<u32>,
    speed: Vec<u32>,
}

fn histogram(values: &[u32]) -> String {
    let mut counts: BTreeMap<u32, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(*v).or_default() += 1;
    }
    counts
        .iter()
        .map(|(m, n)| format!("{m} MB x{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() {
    let args = parse_args();
    let bins = test_support::build_example_bins(!cfg!(debug_assertions));
    let emulator = emulator::Emulator::default()
        .start()
        .await
        .expect("emulator starts");
    let client = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(emulator.endpoint_url())
            .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
            .build(),
    );
    let dirs = tempfile::tempdir().expect("temporary folder");
    let examples = [
        ("cpu-bound", json!({"iterations": args.iterations})),
        ("io-bound", json!({"sleep_ms": 50})),
    ];
    let memory = [128, 512, 1024, 1769];
    let options = Options {
        parallel_configurations: 1,
        environment: RunEnvironment {
            backend: analyzer::environment::Backend::Emulator,
            region: "us-east-1".into(),
            powertune_version: env!("CARGO_PKG_VERSION").into(),
            host_architecture: None,
            host_cpus: None,
            isolation: Some(emulator.isolation()),
            started_at: None,
        },
    };
    println!(
        "| example | mode | runs | invocations per run (mean, min-max) | cost pick | speed pick | same cost pick as fixed (paired) | same speed pick as fixed (paired) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, payload) in examples {
        let bin = bins
            .iter()
            .find(|p| p.file_name().is_some_and(|f| f == name))
            .expect("example binary built");
        let dir = dirs.path().join(name);
        std::fs::create_dir_all(&dir).expect("folder");
        std::os::unix::fs::symlink(bin, dir.join("bootstrap")).expect("bootstrap link");
        emulator
            .registry()
            .register_folder(
                emulator::registry::NewFunction::new(name, &dir).timeout(Duration::from_secs(60)),
            )
            .expect("registered");
        let mut fixed = Tally::default();
        let mut adaptive = Tally::default();
        for i in 0..args.runs {
            for (tally, precise) in [(&mut fixed, false), (&mut adaptive, true)] {
                let mut input = json!({
                    "lambdaARN": name, "num": args.num, "powerValues": memory, "payload": payload,
                });
                if precise {
                    input["precision"] = json!({"relativeWidth": args.precision, "minSamples": 5});
                }
                let input: RunInput = serde_json::from_value(input).expect("valid input");
                let outcome = run(
                    &client,
                    input,
                    &options,
                    Arc::new(|_| {}),
                    std::future::pending(),
                )
                .await
                .unwrap_or_else(|e| panic!("run {i} of {name} failed: {e}"));
                tally
                    .invocations
                    .push(outcome.invocations.iter().map(|(_, n)| n).sum());
                tally.cost.push(pick(&outcome.result, Strategy::Cost));
                tally.speed.push(pick(&outcome.result, Strategy::Speed));
            }
            eprintln!("{name}: run {} of {} done", i + 1, args.runs);
        }
        let agree = |a: &[u32], b: &[u32]| a.iter().zip(b).filter(|(x, y)| x == y).count();
        for (mode, t) in [("fixed num", &fixed), ("adaptive", &adaptive)] {
            let mean = t.invocations.iter().map(|&n| f64::from(n)).sum::<f64>()
                / t.invocations.len().max(1) as f64;
            let min = t.invocations.iter().min().copied().unwrap_or(0);
            let max = t.invocations.iter().max().copied().unwrap_or(0);
            let mode_label = if mode == "adaptive" {
                format!(
                    "adaptive (width {}, min 5, max {})",
                    args.precision, args.num
                )
            } else {
                format!("fixed num = {}", args.num)
            };
            println!(
                "| {name} | {mode_label} | {} | {mean:.1} ({min}-{max}) | {} | {} | {}/{} | {}/{} |",
                t.invocations.len(),
                histogram(&t.cost),
                histogram(&t.speed),
                agree(&t.cost, &fixed.cost),
                args.runs,
                agree(&t.speed, &fixed.speed),
                args.runs,
            );
        }
    }
    emulator.shutdown().await;
}
