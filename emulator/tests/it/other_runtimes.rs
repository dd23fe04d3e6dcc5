//! Python under awslambdaric and Node.js under aws-lambda-ric, unmodified, as real processes in
//! the emulator: cold then warm through aws-sdk-lambda and boto3, REPORT lines that parse,
//! function errors and log tails as on Lambda.

use crate::harness::*;
use emulator::registry::NewFunction;

async fn cold_then_warm(runtime: &str, handler: &str, dir: &tempfile::TempDir) {
    let emulator = start().await;
    emulator
        .registry()
        .register_folder(NewFunction::new("fn", dir.path()).runtime(runtime, handler))
        .unwrap();
    let client = lambda_client(&emulator.endpoint_url());
    let mut colds = Vec::new();
    for _ in 0..2 {
        let out = invoke_tail(&client, "fn", r#"{"sleep_ms": 2, "iterations": 10}"#).await;
        assert_eq!(out.function_error(), None);
        let body: serde_json::Value =
            serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
        assert_eq!(body["function_name"], "fn");
        assert_eq!(body["memory_limit_in_mb"], 128);
        let report = report_of(out.log_result().unwrap());
        assert_eq!(report.request_id, body["request_id"].as_str().unwrap());
        assert_eq!(body["cold"].as_bool().unwrap(), report.is_cold_start());
        let tail = decode_tail(out.log_result().unwrap());
        assert!(
            tail.contains(&format!("handler ran for {}", report.request_id)),
            "{tail}"
        );
        colds.push(report.is_cold_start());
    }
    assert_eq!(colds, [true, false]);

    // A thrown error is a function error with the runtime's own error document.
    let out = invoke_tail(&client, "fn", r#"{"mode": "error"}"#).await;
    assert_eq!(out.function_error(), Some("Unhandled"));
    let body: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("handled error on purpose"),
        "{body}"
    );
    report_of(out.log_result().unwrap());

    // More than 4 KB of output: the tail is the last 4 KB and ends with the REPORT line.
    let out = invoke_tail(&client, "fn", r#"{"mode": "print", "bytes": 9000}"#).await;
    let tail = decode_tail(out.log_result().unwrap());
    assert_eq!(tail.len(), 4096);
    assert!(!report_of(out.log_result().unwrap()).is_cold_start());

    // boto3 sees the same function, warm.
    let handle = tokio::runtime::Handle::current();
    let viaboto = tokio::task::block_in_place(|| {
        let _guard = handle.enter();
        boto3_invoke(&emulator, "fn", r#"{"sleep_ms": 1}"#)
    });
    assert_eq!(viaboto["StatusCode"], 200);
    assert!(viaboto["FunctionError"].is_null(), "{viaboto}");
    let log = viaboto["LogResult"].as_str().unwrap();
    let report = analyzer::report_line::records(log).next().unwrap().unwrap();
    assert!(!report.is_cold_start());
    assert_eq!(emulator.environment_count(), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_awslambdaric_runs_cold_then_warm() {
    let dir = python_function_dir();
    cold_then_warm("python3.11", "handler.handler", &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_aws_lambda_ric_runs_cold_then_warm() {
    let dir = node_function_dir();
    cold_then_warm("nodejs20.x", "index.handler", &dir).await;
}
