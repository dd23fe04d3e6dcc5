//! The Step Functions state machine (`state-machine/powertune.asl.json`): its Retry/Catch
//! blocks name only error types the steps raise, its state fits Step Functions' limit, and it
//! runs for real: the `tuner` binary deployed into the emulator as the five step functions,
//! the definition run by aws-local-stepfunctions (Node), every Task a real Lambda invoke
//! through the emulator.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use analyzer::result::{Sample, TuningResult};
use analyzer::units::{Architecture, MemoryMb};
use serde_json::{Value, json};
use tuner::sfn::{RETRYABLE_ERROR_TYPES, STATE_LIMIT_BYTES};
use tuner::steps::{ExecuteOutput, TunedConfiguration};

use crate::harness::{
    aliases_and_versions, asl, asl_path, example_bin, lambda_client, local_options,
    memory_and_description,
};

/// Every `ErrorEquals` list in the definition, with whether it belongs to a `Retry` block.
fn error_lists(value: &Value, in_retry: bool, out: &mut Vec<(bool, Vec<String>)>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "ErrorEquals" {
                    let names = v
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect();
                    out.push((in_retry, names));
                } else {
                    error_lists(v, in_retry || key == "Retry", out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| error_lists(v, in_retry, out)),
        _ => {}
    }
}

/// Every `PowerTune.*` error type the definition matches.
fn powertune_errors() -> Vec<String> {
    let mut lists = Vec::new();
    error_lists(&asl(), false, &mut lists);
    lists
        .into_iter()
        .flat_map(|(_, names)| names)
        .filter(|n| n.starts_with("PowerTune."))
        .collect()
}

#[test]
fn every_powertune_error_the_state_machine_matches_is_raised_by_the_steps() {
    let named = powertune_errors();
    assert!(
        !named.is_empty(),
        "the state machine matches no PowerTune error"
    );
    for name in named {
        assert!(
            tuner::ERROR_TYPES.contains(&name.as_str()),
            "{name} is matched by the state machine but no step raises it"
        );
    }
}

#[test]
fn state_machine_error_names_are_the_tuners_and_every_retryable_one_is_retried() {
    let powertune = powertune_errors();
    assert!(!powertune.is_empty(), "no PowerTune error is matched");
    for name in powertune {
        assert!(
            tuner::ERROR_TYPES.contains(&name.as_str()),
            "{name} is matched by the state machine but is not in tuner::ERROR_TYPES"
        );
    }
    for retryable in RETRYABLE_ERROR_TYPES {
        assert!(
            tuner::ERROR_TYPES.contains(retryable),
            "{retryable} is not an error type"
        );
        let mut lists = Vec::new();
        error_lists(&asl(), false, &mut lists);
        assert!(
            lists
                .iter()
                .any(|(retry, names)| *retry && names.iter().any(|n| n == retryable)),
            "{retryable} is retryable but no Retry block names it"
        );
    }
}

fn realistic_execution(memory_mb: u32, samples: usize) -> ExecuteOutput {
    let configuration = TunedConfiguration {
        memory_mb: MemoryMb::try_from(memory_mb).unwrap(),
        architecture: Architecture::X86_64,
        function_name: "arn:aws:lambda:eu-west-1:123456789012:function:my-function".into(),
        aliases: vec![format!(
            "powertune-0f8e2a52-6b1c-4d0e-9a4e-3c2b1a0f9e8d-{memory_mb}"
        )],
        versions: vec!["17".into()],
        temporary: false,
    };
    let samples = (0..samples)
        .map(|i| Sample {
            request_id: format!("6c9d5b1e-3f2a-4b8c-9d7e-{i:012x}"),
            duration_ms: 1234.56 + i as f64 * 0.37,
            billed_duration_ms: 1235 + i as u64,
            init_duration_ms: (i == 0).then_some(187.42),
            max_memory_used_mb: 97,
            status: None,
            error: None,
            payload_index: None,
            output: None,
        })
        .collect();
    ExecuteOutput {
        configuration,
        samples,
        invocations: 200,
        stopped_early: false,
        relative_ci_width: None,
    }
}

#[test]
fn ten_configurations_of_200_samples_fit_in_the_step_functions_state_limit() {
    let memories = [128, 256, 512, 768, 1024, 1536, 2048, 3008, 4096, 10240];
    let executions: Vec<Value> = memories
        .iter()
        .map(|&m| tuner::sfn::execute_output(realistic_execution(m, 200)).unwrap())
        .collect();
    // The Analyzer's input holds the executions plus the execution input and the original
    // configuration; the whole state at that point also holds the Initializer's output.
    let state = json!({
        "lambdaARN": "arn:aws:lambda:eu-west-1:123456789012:function:my-function",
        "num": 200,
        "powerValues": memories,
        "init": {"runId": "0f8e2a52-6b1c-4d0e-9a4e-3c2b1a0f9e8d",
                 "configurations": executions.iter().map(|e| e["configuration"].clone()).collect::<Vec<_>>()},
        "executions": executions,
    });
    let bytes = serde_json::to_vec(&state).unwrap().len();
    assert!(
        bytes < STATE_LIMIT_BYTES,
        "state is {bytes} bytes, the limit {STATE_LIMIT_BYTES}"
    );
    // The columns expand back to exactly the samples the Executor took.
    let analyze = tuner::sfn::analyze_input(json!({
        "input": {"lambdaARN": "my-function", "num": 200, "powerValues": memories},
        "original": {"functionName": "my-function", "memoryMb": 128, "architecture": "x86_64"},
        "executions": state["executions"],
    }))
    .unwrap();
    assert_eq!(analyze.executions.len(), 10);
    assert_eq!(analyze.executions[3], realistic_execution(768, 200));
}

/// The five step functions and the tuned function in one emulator.
struct Deployment {
    emulator: emulator::EmulatorHandle,
    client: aws_sdk_lambda::Client,
    arns: Value,
    _dirs: Vec<tempfile::TempDir>,
}

impl Deployment {
    async fn start(example: &str, name: &str) -> Deployment {
        let emulator = emulator::Emulator::default().start().await.unwrap();
        let endpoint = emulator.endpoint_url();
        let tuner_dir = test_support::bootstrap_dir(Path::new(env!("CARGO_BIN_EXE_tuner")));
        let registry = Arc::clone(emulator.registry());
        let arns = test_support::step_functions::register(
            &registry,
            &endpoint,
            tuner_dir.path(),
            &tuner::sfn::STEP_FUNCTIONS,
        );
        let example_dir = test_support::bootstrap_dir(&example_bin(example));
        registry
            .register_folder(
                emulator::registry::NewFunction::new(name, example_dir.path())
                    .timeout(Duration::from_secs(60)),
            )
            .unwrap();
        let client = lambda_client(&endpoint);
        Deployment {
            emulator,
            client,
            arns: Value::Object(arns),
            _dirs: vec![tuner_dir, example_dir],
        }
    }

    /// Runs the state machine with aws-local-stepfunctions; returns the script's JSON line.
    async fn run_execution(&self, input: &Value, execution_name: &str) -> Value {
        let dir = tempfile::tempdir().unwrap();
        let arns_path = dir.path().join("arns.json");
        let input_path = dir.path().join("input.json");
        std::fs::write(&arns_path, self.arns.to_string()).unwrap();
        std::fs::write(&input_path, input.to_string()).unwrap();
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../state-machine/tests/run-execution.mjs");
        let endpoint = self.emulator.endpoint_url();
        let name = execution_name.to_owned();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(script)
                .arg(asl_path())
                .arg(&arns_path)
                .arg(&input_path)
                .arg(&name)
                .env("AWS_ENDPOINT_URL", endpoint)
                .env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "test")
                .env("AWS_SECRET_ACCESS_KEY", "test")
                .output()
                .expect("node runs")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "node failed: {}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap_or_else(|e| {
            panic!(
                "no JSON result ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    async fn assert_nothing_left(&self, function: &str) {
        let (aliases, versions) = aliases_and_versions(&self.client, function).await;
        assert!(aliases.is_empty(), "aliases left: {aliases:?}");
        assert!(versions.is_empty(), "versions left: {versions:?}");
        assert_eq!(
            memory_and_description(&self.client, function).await,
            (128, String::new())
        );
        let functions = self.client.list_functions().send().await.unwrap();
        let names: Vec<&str> = functions
            .functions()
            .iter()
            .filter_map(|f| f.function_name())
            .collect();
        assert_eq!(names.len(), 6, "temporary copies left: {names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_machine_run_recommends_what_the_local_orchestrator_recommends() {
    let deployment = Deployment::start("io-bound", "io").await;
    let input = json!({"lambdaARN": "io", "num": 5, "powerValues": [128, 512, 1024],
                       "payload": {"sleep_ms": 30}, "parallelInvocation": true});
    let execution = deployment.run_execution(&input, "sfn-io-1").await;
    assert_eq!(execution["status"], "SUCCEEDED", "{execution}");
    let via_sfn: TuningResult = serde_json::from_value(execution["output"].clone()).unwrap();
    deployment.assert_nothing_left("io").await;

    let local = tuner::local::run(
        &deployment.client,
        serde_json::from_value(input).unwrap(),
        &local_options(),
        Arc::new(|_| {}),
        std::future::pending(),
    )
    .await
    .unwrap();
    deployment.assert_nothing_left("io").await;

    assert_eq!(via_sfn.power_tuning.power, 128);
    assert_eq!(via_sfn.power_tuning.power, local.result.power_tuning.power);
    let shape = |r: &TuningResult| -> Vec<(u32, Architecture, usize)> {
        r.configurations
            .iter()
            .map(|c| (c.key.memory_mb.get(), c.key.architecture, c.samples.len()))
            .collect()
    };
    assert_eq!(shape(&via_sfn), shape(&local.result));
    assert_eq!(
        shape(&via_sfn).iter().map(|s| s.0).collect::<Vec<_>>(),
        [128, 512, 1024]
    );
    assert!(shape(&via_sfn).iter().all(|s| s.2 == 5));
    deployment.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_executor_is_caught_cleaned_up_and_fails_the_execution_with_its_cause() {
    let deployment = Deployment::start("faulty", "faulty").await;
    let input = json!({"lambdaARN": "faulty", "num": 5, "powerValues": [256, 512],
                       "payload": {"mode": "error"}});
    let execution = deployment.run_execution(&input, "sfn-faulty-1").await;
    assert_eq!(execution["status"], "FAILED", "{execution}");
    assert_eq!(execution["error"], "PowerTune.FunctionError", "{execution}");
    let cause = execution["cause"].as_str().unwrap_or_default();
    assert!(cause.contains("faulty"), "{execution}");
    deployment.assert_nothing_left("faulty").await;
    deployment.emulator.shutdown().await;
}
