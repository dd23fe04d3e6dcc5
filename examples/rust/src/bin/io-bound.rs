//! An I/O-bound function: sleeps `{"sleep_ms": N}` (default 0) and echoes the payload. Its
//! duration does not depend on the memory size.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let sleep_ms = event.payload["sleep_ms"].as_u64().unwrap_or(0);
    if sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
    }
    Ok(
        json!({ "slept_ms": sleep_ms, "request_id": event.context.request_id, "echo": event.payload }),
    )
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
