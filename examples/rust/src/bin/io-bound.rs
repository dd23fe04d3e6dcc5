//! An I/O-bound function: the handler in [`example_functions::io_bound`].

use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(example_functions::io_bound::handler)).await
}
