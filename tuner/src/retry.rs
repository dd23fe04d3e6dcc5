//! The one retry policy of the tuner's invocations.
//!
//! Every `Invoke` the tuner makes (a sample, a pre- or post-processor, a cold start) goes
//! through [`invoke`], which makes at most [`INVOKE_ATTEMPTS`] calls:
//!
//! - retried: throttling (`TooManyRequestsException`, HTTP 429), and the transient failures
//!   the SDK's standard mode retries (timeouts, I/O errors before an answer, HTTP 500, 502,
//!   503 and 504);
//! - backoff: [`FIRST_BACKOFF`] before the second attempt, doubling up to [`MAX_BACKOFF`], with
//!   equal jitter (half the delay plus a random part of the other half), so that invocations
//!   throttled together do not all come back at the same instant: at most about 11.3 s of
//!   waiting in all;
//! - the SDK's own retries are turned off for these calls, whatever client the caller built:
//!   its standard mode would retry each of our attempts up to 3 times, and a throttled sample
//!   would cost up to 24 calls.
//!
//! The other Lambda calls (configuration updates, versions, aliases) keep the SDK's standard
//! retries of the client they are given.

use std::time::Duration;

use analyzer::units::MemoryMb;
use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::error::SdkError;
use aws_sdk_lambda::operation::invoke::InvokeError;
use aws_sdk_lambda::operation::invoke::InvokeOutput;
use aws_sdk_lambda::operation::invoke::builders::InvokeFluentBuilder;
use tracing::warn;

use crate::error::{Error, Result};

/// Calls of one invocation at most, the first included.
pub const INVOKE_ATTEMPTS: u32 = 8;

/// Backoff before the second attempt (before jitter).
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Longest backoff between two attempts (before jitter).
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Why a failed call is worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    Throttled,
    Transient,
}

fn retry_of(err: &SdkError<InvokeError>) -> Option<Retry> {
    match err {
        SdkError::ServiceError(e) if e.err().is_too_many_requests_exception() => {
            Some(Retry::Throttled)
        }
        SdkError::ServiceError(e) if matches!(e.raw().status().as_u16(), 500 | 502 | 503 | 504) => {
            Some(Retry::Transient)
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => Some(Retry::Transient),
        SdkError::DispatchFailure(e) if e.is_timeout() || e.is_io() => Some(Retry::Transient),
        _ => None,
    }
}

/// Sends `request` (an Invoke of `function`, measured at `memory_mb`) under the policy above.
///
/// # Errors
///
/// [`Error::Throttled`] when every attempt was throttled, [`Error::Lambda`] for a failure
/// that is not retried or for the last transient one.
pub async fn invoke(
    request: InvokeFluentBuilder,
    function: &str,
    memory_mb: MemoryMb,
) -> Result<InvokeOutput> {
    let mut attempt = 1;
    loop {
        let err = match request
            .clone()
            .customize()
            .config_override(
                aws_sdk_lambda::config::Builder::default().retry_config(RetryConfig::disabled()),
            )
            .send()
            .await
        {
            Ok(out) => return Ok(out),
            Err(err) => err,
        };
        let retry = retry_of(&err);
        match retry {
            None => return Err(Error::lambda("Invoke", function, err)),
            Some(Retry::Throttled) if attempt == INVOKE_ATTEMPTS => {
                return Err(Error::Throttled {
                    function: function.to_owned(),
                    memory_mb,
                    attempts: INVOKE_ATTEMPTS,
                });
            }
            Some(Retry::Transient) if attempt == INVOKE_ATTEMPTS => {
                return Err(Error::lambda("Invoke", function, err));
            }
            Some(_) => {}
        }
        let wait = jittered(backoff(attempt));
        let delay_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        if retry == Some(Retry::Throttled) {
            warn!(attempt, delay_ms, "throttled, retrying");
        } else {
            warn!(attempt, delay_ms, error = %err, "transient failure, retrying");
        }
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

/// The backoff after failed attempt `attempt` (from 1), before jitter.
fn backoff(attempt: u32) -> Duration {
    FIRST_BACKOFF
        .saturating_mul(1 << attempt.saturating_sub(1).min(16))
        .min(MAX_BACKOFF)
}

/// Half of `delay` plus a random part of the other half ("equal jitter"): invocations
/// throttled together do not all retry at the same instant, and each still waits at least
/// half the backoff.
fn jittered(delay: Duration) -> Duration {
    use std::sync::atomic::{AtomicU64, Ordering};
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ CALLS.fetch_add(1, Ordering::Relaxed).rotate_left(32);
    let half = delay / 2;
    let span = usize::try_from(half.as_micros()).unwrap_or(usize::MAX);
    let extra = analyzer::stats::SplitMix64::new(seed).below(span.saturating_add(1));
    half + Duration::from_micros(extra as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_keeps_at_least_half_and_at_most_the_whole_delay() {
        for _ in 0..100 {
            let wait = jittered(Duration::from_millis(400));
            assert!(wait >= Duration::from_millis(200) && wait <= Duration::from_millis(400));
        }
    }

    #[test]
    fn the_backoffs_of_one_invocation_stay_within_the_documented_total() {
        let total: Duration = (1..INVOKE_ATTEMPTS).map(backoff).sum();
        assert_eq!(total, Duration::from_millis(11_300));
        assert_eq!(backoff(1), FIRST_BACKOFF);
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
