//! The I/O-bound handler: sleeps `{"sleep_ms": N}` (default 0) and echoes the payload. Its
//! duration does not depend on the memory size.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};

/// Handles one event (see the [module docs](self)): answers the time slept, the request id and
/// the payload.
///
/// # Errors
///
/// Never: the signature is the one `lambda_runtime::service_fn` takes.
pub async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let sleep_ms = event.payload["sleep_ms"].as_u64().unwrap_or(0);
    if sleep_ms > 0 {
        tokio::time::sleep(Duration::from_millis(sleep_ms)).await;
    }
    Ok(
        json!({ "slept_ms": sleep_ms, "request_id": event.context.request_id, "echo": event.payload }),
    )
}
