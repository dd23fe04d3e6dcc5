//! One retry policy for invocations: a throttled sample costs at most
//! `tuner::retry::INVOKE_ATTEMPTS` calls, whatever retries the client itself was built with.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_lambda::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_lambda::config::{ConfigBag, Intercept, RuntimeComponents};
use serde_json::json;
use tuner::retry::INVOKE_ATTEMPTS;
use tuner::steps::{self, ExecuteInput};

use crate::harness::{Local, run_input};

/// Counts the Invoke requests a client puts on the wire (the SDK's own retries included).
#[derive(Debug, Default)]
struct InvokeCounter(Arc<AtomicU32>);

impl Intercept for InvokeCounter {
    fn name(&self) -> &'static str {
        "InvokeCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), aws_sdk_lambda::error::BoxError> {
        if context.request().uri().contains("/invocations") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_sample_calls_the_function_at_most_invoke_attempts_times() {
    let local = Local::start("io-bound", "io").await;
    let invokes = Arc::new(AtomicU32::new(0));
    // The client as the CLI and the Lambda build it: the SDK's standard retries left on.
    let client = aws_sdk_lambda::Client::from_conf(
        local
            .client
            .config()
            .to_builder()
            .interceptor(InvokeCounter(Arc::clone(&invokes)))
            .build(),
    );
    let input = run_input(json!({"lambdaARN": "io", "num": 5, "powerValues": [128],
                                 "payload": {"sleep_ms": 1}, "runId": "throttled"}));
    let init = steps::initialize(&client, &input).await.unwrap();
    // No environment may run: every invocation is throttled.
    client
        .put_function_concurrency()
        .function_name("io")
        .reserved_concurrent_executions(0)
        .send()
        .await
        .unwrap();
    let err = steps::execute(
        &client,
        &ExecuteInput {
            input,
            configuration: init.configurations[0].clone(),
        },
    )
    .await
    .unwrap_err();
    local.emulator.shutdown().await;

    let tuner::Error::Throttled { attempts, .. } = err else {
        panic!("unexpected error: {err}");
    };
    assert_eq!(attempts, INVOKE_ATTEMPTS);
    assert_eq!(invokes.load(Ordering::SeqCst), INVOKE_ATTEMPTS);
}
