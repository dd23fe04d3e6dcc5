//! The tuner Lambda: one binary serving every step, chosen by the function's handler.
// The step futures nest deeply (SDK calls inside select/JoinSet inside the runtime).
#![recursion_limit = "256"]

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;
use tuner::handler::{Step, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let handler = std::env::var("_HANDLER").unwrap_or_default();
    let step: Step = handler.parse().map_err(|e: tuner::Error| e.to_string())?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_lambda::Client::new(&config);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let client = client.clone();
        async move {
            handle(&client, step, event.payload)
                .await
                .map_err(Diagnostic::from)
        }
    }))
    .await
}
