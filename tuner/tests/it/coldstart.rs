//! Cold-start measurement against the in-process emulator through the real aws-sdk-lambda
//! client: every sample is a new environment, and the function's settings are put back.

use std::collections::HashMap;
use std::sync::Mutex;

use analyzer::units::MemoryMb;
use aws_sdk_lambda::types::Environment;
use tuner::coldstart::{ColdStartEvent, ColdStartOptions, ColdStartRun, NONCE_VARIABLE, measure};

use crate::harness::{Local, configuration};

const INIT_WORK_MS: f64 = 20.0;

fn options(memory: &[u32], samples: u32, payload: Option<&str>) -> ColdStartOptions {
    ColdStartOptions {
        memory_sizes: memory
            .iter()
            .map(|&m| MemoryMb::try_from(m).unwrap())
            .collect(),
        samples,
        payload: payload.map(|p| p.as_bytes().to_vec()),
        confidence: 0.95,
        seed: 1,
        run_id: "test".into(),
        allowed_exceptions: Vec::new(),
    }
}

/// Starts the emulator with `faulty` doing init work, its variables set through the API.
async fn slow_init(name: &str) -> Local {
    let local = Local::start("faulty", name).await;
    local
        .client
        .update_function_configuration()
        .function_name(name)
        .environment(
            Environment::builder()
                .variables("INIT_WORK_MS", INIT_WORK_MS.to_string())
                .variables("KEEP_ME", "1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    tuner::steps::wait_until_ready(&local.client, name)
        .await
        .unwrap();
    local
}

async fn settings(local: &Local, name: &str) -> (i32, HashMap<String, String>) {
    let config = configuration(&local.client, name).await;
    (
        config.memory_size().unwrap(),
        config
            .environment()
            .and_then(|e| e.variables())
            .cloned()
            .unwrap_or_default(),
    )
}

/// Measures `name` in `local` with `options`, no progress and no interruption.
async fn measure_quietly(
    local: &Local,
    name: &str,
    options: &ColdStartOptions,
) -> tuner::Result<ColdStartRun> {
    measure(
        &local.client,
        None,
        name,
        options,
        &|_| {},
        std::future::pending(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sample_is_a_new_environment_and_settings_are_restored() {
    let local = slow_init("slow-init").await;
    let before = settings(&local, "slow-init").await;
    let events = Mutex::new(Vec::new());
    let record = |event: ColdStartEvent| events.lock().unwrap().push(event);
    let run = measure(
        &local.client,
        None,
        "slow-init",
        &options(&[256, 1024], 3, None),
        &record,
        std::future::pending(),
    )
    .await
    .unwrap();
    let after = settings(&local, "slow-init").await;
    local.emulator.shutdown().await;

    assert_eq!(after, before, "memory size and variables are put back");
    assert!(!after.1.contains_key(NONCE_VARIABLE));
    assert_eq!(run.reports_from_logs, 0);
    let memories: Vec<u32> = run
        .configurations
        .iter()
        .map(|c| c.key.memory_mb.get())
        .collect();
    assert_eq!(memories, [256, 1024]);
    for config in &run.configurations {
        assert_eq!(config.samples.len(), 3);
        for sample in &config.samples {
            assert!(
                sample.init_duration_ms >= INIT_WORK_MS,
                "init {} ms < {INIT_WORK_MS} ms of init work: the environment was reused",
                sample.init_duration_ms
            );
        }
    }
    let events = events.into_inner().unwrap();
    let samples = events
        .iter()
        .filter(|e| matches!(e, ColdStartEvent::Sample { .. }))
        .count();
    let configurations = events
        .iter()
        .filter(|e| matches!(e, ColdStartEvent::Configuration(_)))
        .count();
    assert_eq!((samples, configurations), (6, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_restores_the_settings() {
    let local = slow_init("interrupted").await;
    let before = settings(&local, "interrupted").await;
    let first_sample = tokio::sync::Notify::new();
    let err = measure(
        &local.client,
        None,
        "interrupted",
        &options(&[512], 50, None),
        &|event| {
            if matches!(event, ColdStartEvent::Sample { .. }) {
                first_sample.notify_one();
            }
        },
        first_sample.notified(),
    )
    .await
    .unwrap_err();
    let after = settings(&local, "interrupted").await;
    local.emulator.shutdown().await;

    assert!(matches!(err, tuner::Error::Interrupted), "{err}");
    assert_eq!(after, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_error_fails_the_run_and_still_restores_the_settings() {
    let local = slow_init("failing").await;
    let before = settings(&local, "failing").await;
    let err = measure_quietly(
        &local,
        "failing",
        &options(&[512], 2, Some(r#"{"mode": "error"}"#)),
    )
    .await
    .unwrap_err();
    let after = settings(&local, "failing").await;
    local.emulator.shutdown().await;

    assert!(
        matches!(err, tuner::Error::FunctionError { .. }),
        "unexpected error: {err}"
    );
    assert!(err.to_string().contains("failing"), "{err}");
    assert_eq!(after, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_function_error_still_counts_as_a_cold_start() {
    let local = slow_init("allowed").await;
    let before = settings(&local, "allowed").await;
    let refused = measure_quietly(
        &local,
        "allowed",
        &options(&[512], 1, Some(r#"{"mode": "error"}"#)),
    )
    .await
    .unwrap_err();
    let tuner::Error::FunctionError { error_type, .. } = refused else {
        panic!("unexpected error: {refused}");
    };
    let mut allowing = options(&[512], 3, Some(r#"{"mode": "error"}"#));
    allowing.allowed_exceptions = vec![error_type.clone()];
    let run = measure_quietly(&local, "allowed", &allowing).await.unwrap();
    let after = settings(&local, "allowed").await;
    local.emulator.shutdown().await;

    assert_eq!(run.allowed_errors.get(&error_type), Some(&3), "{run:?}");
    let samples = &run.configurations[0].samples;
    assert_eq!(samples.len(), 3);
    assert!(
        samples.iter().all(|s| s.init_duration_ms >= INIT_WORK_MS),
        "{samples:?}"
    );
    assert_eq!(after, before);
}
