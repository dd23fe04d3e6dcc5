//! The original configuration is read before anything changes, and a configuration Lambda
//! describes without its memory size is refused: nothing is written back that was not read.

use std::sync::Arc;

use serde_json::json;
use tuner::coldstart::{ColdStartOptions, measure};

use crate::harness::{Replay, local_options, run_input};

/// A function as GetFunctionConfiguration describes it, without `MemorySize`.
fn without_memory_size() -> Replay {
    Replay::new(
        200,
        &json!({
            "FunctionName": "f",
            "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Description": "mine",
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "Architectures": ["x86_64"],
        }),
    )
}

/// The run failed naming the function and the field, and only read the function.
fn assert_refused_without_writing(err: &tuner::Error, replay: &Replay) {
    assert!(
        matches!(err, tuner::Error::Incomplete { .. }),
        "unexpected error: {err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("MemorySize") && message.contains(" f "),
        "{message}"
    );
    let requests = replay.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(request.method, "GET", "{request:?}");
        assert!(!request.body.contains("MemorySize"), "{request:?}");
    }
}

#[tokio::test]
async fn tuning_refuses_a_function_described_without_memory_size_before_changing_it() {
    let input = run_input(json!({"lambdaARN": "f", "num": 5, "powerValues": [256]}));
    let replay = without_memory_size();
    let err = tuner::steps::initialize(&replay.client(), &input)
        .await
        .unwrap_err();
    assert_refused_without_writing(&err, &replay);

    let replay = without_memory_size();
    let err = tuner::local::run(
        &replay.client(),
        input,
        &local_options(),
        Arc::new(|_| {}),
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_refused_without_writing(&err, &replay);
}

#[tokio::test]
async fn cold_starts_refuse_a_function_described_without_memory_size_before_changing_it() {
    let replay = without_memory_size();
    let options = ColdStartOptions {
        memory_sizes: vec![512.try_into().unwrap()],
        samples: 1,
        payload: None,
        confidence: 0.95,
        seed: 1,
        run_id: "test".into(),
        allowed_exceptions: Vec::new(),
    };
    let err = measure(
        &replay.client(),
        None,
        "f",
        &options,
        &|_| {},
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_refused_without_writing(&err, &replay);
}
