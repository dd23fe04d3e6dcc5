//! Whole tuning runs against the in-process emulator with the example functions, through the
//! real aws-sdk-lambda client.

use std::future::Future;
use std::sync::Arc;

use analyzer::result::{Strategy, TuningResult};
use serde_json::json;
use tokio::sync::Notify;
use tuner::local::{Outcome, Progress, ProgressFn, run};
use tuner::steps::{self, ExecuteInput};

use crate::harness::{
    Local, aliases_and_versions, local_options, memory_and_description, run_input,
};

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

/// A whole run of `value` (an execution input), reporting to `progress`, interrupted when
/// `shutdown` completes.
async fn run_with(
    client: &aws_sdk_lambda::Client,
    value: serde_json::Value,
    progress: ProgressFn,
    shutdown: impl Future<Output = ()>,
) -> tuner::Result<Outcome> {
    run(
        client,
        run_input(value),
        &local_options(),
        progress,
        shutdown,
    )
    .await
}

/// A whole run of `value` (an execution input) that must succeed.
async fn tune(client: &aws_sdk_lambda::Client, value: serde_json::Value) -> Outcome {
    run_with(client, value, no_progress(), std::future::pending())
        .await
        .unwrap()
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
    let outcome = tune(
        &local.client,
        // 20 ms of waiting beside the hashing: below one vCPU the hashing costs the same at
        // every size, so the wait is what makes the larger sizes dearer.
        json!({"lambdaARN": "cpu", "num": 5, "powerValues": [128, 512, 1769],
               "payload": {"iterations": 3_000_000, "wait_ms": 20}}),
    )
    .await;
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
    let outcome = tune(
        &local.client,
        json!({"lambdaARN": "io", "num": 5, "powerValues": [128, 512, 1024],
                     "payload": {"sleep_ms": 30}, "parallelInvocation": true}),
    )
    .await;
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
    let err = run_with(
        &local.client,
        json!({"lambdaARN": "faulty", "num": 5, "powerValues": [256, 512],
               "payload": {"mode": "error"}}),
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
    let err = run_with(
        &local.client,
        json!({"lambdaARN": "io", "num": 50, "powerValues": [128, 256, 512],
               "payload": {"sleep_ms": 20}}),
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
    let input = run_input(json!({"lambdaARN": "io", "num": 40, "powerValues": [512],
                                 "payload": {"sleep_ms": 40},
                                 "precision": {"relativeWidth": 0.2, "minSamples": 5}}));
    let init = steps::initialize(&local.client, &input).await.unwrap();
    let out = steps::execute(
        &local.client,
        &ExecuteInput {
            input: input.clone(),
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_cold_starts_measures_a_new_environment_for_every_sample() {
    let local = Local::start("io-bound", "io").await;
    let outcome = tune(
        &local.client,
        json!({"lambdaARN": "io", "num": 5, "powerValues": [128, 256],
               "payload": {"sleep_ms": 1}, "onlyColdStarts": true}),
    )
    .await;
    for configuration in &outcome.result.configurations {
        assert_eq!(configuration.samples.len(), 5);
        assert!(
            configuration
                .samples
                .iter()
                .all(|s| s.init_duration_ms.is_some()),
            "a warm sample at {}: {:?}",
            configuration.key.memory_mb,
            configuration.samples
        );
        assert_eq!(configuration.cold_starts, 5);
    }
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}

/// Registers the io-bound example as `name` in `local`'s emulator; keep the folder.
fn register_io_bound(local: &Local, name: &str) -> tempfile::TempDir {
    let dir = test_support::bootstrap_dir(&test_support::example_bin("io-bound"));
    local
        .emulator
        .registry()
        .register_folder(emulator::registry::NewFunction::new(name, dir.path()))
        .unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pre_and_post_processors_run_around_every_invocation() {
    let local = Local::start("io-bound", "io").await;
    let _pre = register_io_bound(&local, "pre");
    let _post = register_io_bound(&local, "post");
    let outcome = tune(
        &local.client,
        json!({"lambdaARN": "io", "num": 5, "powerValues": [128],
                     "payload": {"sleep_ms": 1, "tag": "original"},
                     "preProcessorARN": "pre", "postProcessorARN": "post",
                     "includeOutputResults": true}),
    )
    .await;
    let samples = &outcome.result.configurations[0].samples;
    assert_eq!(samples.len(), 5);
    for sample in samples {
        // The tuned function was given what the pre-processor returned (its echo of the event).
        let output = sample
            .output
            .as_ref()
            .expect("includeOutputResults keeps it");
        assert_eq!(output["echo"]["echo"]["tag"], "original", "{output}");
    }
    let reports = |function: &str| {
        local
            .emulator
            .logs()
            .group_events(
                &format!("/aws/lambda/{function}"),
                |_| true,
                |e| e.message.starts_with("REPORT "),
            )
            .unwrap()
            .len()
    };
    assert_eq!(reports("pre"), 5);
    assert_eq!(reports("post"), 5);
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_invocations_are_retried_until_they_run() {
    let local = Local::start("io-bound", "io").await;
    // Without the SDK's own retries, so that the tuner's are what gets the samples through.
    let client = aws_sdk_lambda::Client::from_conf(
        local
            .client
            .config()
            .to_builder()
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build(),
    );
    // One environment at a time for 5 parallel invocations: 4 are throttled at first.
    client
        .put_function_concurrency()
        .function_name("io")
        .reserved_concurrent_executions(1)
        .send()
        .await
        .unwrap();
    let outcome = tune(
        &client,
        json!({"lambdaARN": "io", "num": 5, "powerValues": [128, 256],
                     "payload": {"sleep_ms": 20}, "parallelInvocation": true}),
    )
    .await;
    for configuration in &outcome.result.configurations {
        assert_eq!(configuration.samples.len(), 5);
        assert!(configuration.samples.iter().all(|s| s.error.is_none()));
    }
    assert_nothing_left(&local, "io", 128).await;
    local.emulator.shutdown().await;
}
