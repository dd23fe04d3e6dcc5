//! A CPU-bound function: the handler in [`example_functions::cpu_bound`].

use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(example_functions::cpu_bound::handler)).await
}
