//! The CPU-bound handler: `{"iterations": N, "threads": T}` rounds of integer hashing
//! (default 1,000,000 on 1 thread), split evenly over T threads. Its duration scales with the
//! CPU share Lambda gives the memory size: one thread gains nothing above 1,769 MB (one vCPU),
//! two threads keep gaining up to 3,538 MB.
//!
//! An optional `"wait_ms": W` then waits W ms, like a call to a downstream service: the part
//! of the duration that more memory does not shorten, which makes larger sizes cost more.

use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};

/// Handles one event (see the [module docs](self)); answers the rounds done, the threads used
/// and the checksum.
///
/// # Errors
///
/// Never: the signature is the one `lambda_runtime::service_fn` takes.
///
/// # Panics
///
/// Only if a hashing thread panics, which integer arithmetic cannot.
pub async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let iterations = event.payload["iterations"].as_u64().unwrap_or(1_000_000);
    let threads = event.payload["threads"].as_u64().unwrap_or(1).clamp(1, 64);
    let per_thread = iterations / threads;
    let checksum = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(move || crate::hash_rounds(per_thread)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a hashing thread does not panic"))
            .fold(0u64, |acc, x| acc ^ x)
    });
    let wait_ms = event.payload["wait_ms"].as_u64().unwrap_or(0);
    if wait_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(wait_ms)).await;
    }
    Ok(json!({ "iterations": per_thread * threads, "threads": threads, "checksum": checksum }))
}
