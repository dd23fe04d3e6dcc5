//! Whole tuning runs against the in-process emulator with the example functions, through the
//! real aws-sdk-lambda client.

mod common;

use std::sync::Arc;

use analyzer::result::{RunEnvironment, Strategy, TuningResult};
use common::{Local, aliases_and_versions, memory_and_description};
use serde_json::json;
use tokio::sync::Notify;
use tuner::local::{Options, Progress, ProgressFn, run};
use tuner::steps::{self, ExecuteInput, RunInput};

fn options() -> Options {
    Options {
        parallel_configurations: 1,
        environment: RunEnvironment {
            backend: "emulator".into(),
            region: "us-east-1".into(),
            powertune_version: "test".into(),
            host_architecture: None,
            host_cpus: None,
            isolation: None,
            started_at: None,
        },
    }
}

fn input(value: serde_json::Value) -> RunInput {
    serde_json::from_value(value).unwrap()
}

fn no_progress() -> ProgressFn {
    Arc::new(|_| {})
}

async fn assert_nothing_left(local: &Local, function: &str, memory_mb: i32) {
    let (aliases, versions) = aliases_and_versions(&local.client, function).await;
    assert!(aliases.is_empty(), "aliases left: {aliases:?}");
    assert!(versions.is_empty(), "versions left: {versions:?}");
    assert_eq!(
        memory_and_description(&local.client, function).await,
        (memory_mb, String::new())
    );
}

fn pick(result: &TuningResult, strategy: Strategy) -> u32 {
    result
        .recommendations
        .overall
        .iter()
        .find(|r| r.strategy == strategy)
        .unwrap()
        .key
        .memory_mb
        .get()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_bound_durations_fall_with_memory_and_cost_picks_less_memory_than_speed() {
    let local = Local::start("cpu-bound", "cpu").await;
    let outcome = run(
        &local.client,
        input(
            // 20 ms of waiting beside the hashing: below one vCPU the hashing costs the same
            // at every size, so the wait is what makes the larger sizes dearer.
            json!({"lambdaARN": "cpu", "num": 5, "powerValues": [128, 512, 1769],
                     "payload": {"iterations": 3_000_000, "wait_ms": 20}}),
        ),
        &options(),
        no_progress(),
        std::future::pending(),
    )
    .await
    .unwrap();
    let means: Vec<f64> = outcome
        .result
        .configurations
        .iter()
        .map(|c| c.duration.trimmed_mean)
        .collect();
    assert!(
        means[0] > means[1] && means[1] > means[2],
        "durations {means:?}"
    );
    assert_eq!(pick(&outcome.result, Strategy::Speed), 1769);
    assert!(
        pick(&outcome.result, Strategy::Cost) < pick(&outcome.result, Strategy::Speed),
        "{:?}",
        outcome.result.recommendations.overall
    );
    assert_eq!(outcome.result.configurations[0].samples.len(), 5);
    assert_nothing_left(&local, "cpu", 128).await;
    local.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn io_bound_cost_strategy_picks_128_mb() {
    let local = Local::start("io-bound", "io").await;
    let outcome = run(
        &local.client,
        input(
            json!({"lambdaARN": "io", "num": 5, "powerValues": [128, 512, 1024],
                     "payload": {"sleep_ms": 30}, "parallelInvocation": true}),
        ),
        &options(),
        no_progress(),
        std::future::pending(),
    )
    .await
    .unwrap();
    assert_eq!(pick(&outcome.result, Strategy::Cost), 128);
    assert_eq!(outcome.result.power_tuning.power, 128);
    assert!(
        outcome
            .result
            .configurations
            .iter()
            .all(|c| c.duration.min >= 30.0)
    );
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_function_fails_the_run_and_leaves_nothing_behind() {
    let local = Local::start("faulty", "faulty").await;
    let err = run(
        &local.client,
        input(
            json!({"lambdaARN": "faulty", "num": 5, "powerValues": [256, 512],
                     "payload": {"mode": "error"}}),
        ),
        &options(),
        no_progress(),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.error_type(), "PowerTune.FunctionError", "{err}");
    assert!(err.to_string().contains("faulty"), "{err}");
    assert_nothing_left(&local, "faulty", 128).await;
    local.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_cleans_up_and_restores_the_original_configuration() {
    let local = Local::start("io-bound", "io").await;
    let first_sample = Arc::new(Notify::new());
    let notify = Arc::clone(&first_sample);
    let progress: ProgressFn = Arc::new(move |event| {
        if matches!(event, Progress::Sample { .. }) {
            notify.notify_one();
        }
    });
    let err = run(
        &local.client,
        input(
            json!({"lambdaARN": "io", "num": 50, "powerValues": [128, 256, 512],
                     "payload": {"sleep_ms": 20}}),
        ),
        &options(),
        progress,
        async move { first_sample.notified().await },
    )
    .await
    .unwrap_err();
    assert_eq!(err.error_type(), "PowerTune.Interrupted");
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adaptive_sampling_stops_early_on_steady_durations() {
    let local = Local::start("io-bound", "io").await;
    let run_input = input(json!({"lambdaARN": "io", "num": 40, "powerValues": [512],
                                 "payload": {"sleep_ms": 40},
                                 "precision": {"relativeWidth": 0.2, "minSamples": 5}}));
    let init = steps::initialize(&local.client, &run_input).await.unwrap();
    let out = steps::execute(
        &local.client,
        &ExecuteInput {
            input: run_input.clone(),
            configuration: init.configurations[0].clone(),
        },
    )
    .await;
    steps::clean(
        &local.client,
        &steps::CleanInput {
            lambda_arn: "io".into(),
            run_id: Some(init.run_id.clone()),
            original: Some(init.original.clone()),
            temporary_functions: vec![],
        },
    )
    .await
    .unwrap();
    let out = out.unwrap();
    assert!(out.stopped_early, "{out:?}");
    assert!(
        out.invocations < 40 && out.invocations >= 5,
        "{}",
        out.invocations
    );
    assert!(out.relative_ci_width.unwrap() <= 0.2);
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}
