//! An environment's init phase, for an on-demand cold start and a provisioned environment
//! alike: `INIT_START`, then the wait for the runtime's first `next` (or its failure).

use std::time::Duration;

use analyzer::report_line::InitializationType;

use super::Failure;
use super::round2;
use crate::environments::{Environment, InitOutcome};
use crate::platform_log::PlatformLog;

/// How an init phase ended.
#[derive(Debug)]
pub(crate) struct Init {
    /// Init Duration: spawn to the first `next`, or to the failure, in ms (2 decimals).
    pub(crate) duration_ms: f64,
    /// Why it failed, if it did.
    pub(crate) failure: Option<Failure>,
}

/// Writes `INIT_START` for `env` and waits until its runtime calls `next`, reports an init
/// error, exits, or runs past `limit` (counted from the spawn).
pub(crate) async fn run(
    env: &Environment,
    log: PlatformLog<'_>,
    kind: InitializationType,
    limit: Duration,
) -> Init {
    log.init_start(kind, env.config());
    let outcome = env.wait_init(limit).await;
    let elapsed = match &outcome {
        InitOutcome::Ready(at) => at.saturating_duration_since(env.spawned_at()),
        _ => env.spawned_at().elapsed(),
    };
    let failure = match outcome {
        InitOutcome::Ready(_) => None,
        InitOutcome::Error(err) => Some(Failure::init_error(err)),
        InitOutcome::Exited(exit) => Some(Failure::exited(env, exit)),
        InitOutcome::TimedOut => Some(Failure::TimedOut { limit }),
    };
    Init {
        duration_ms: round2(elapsed.as_secs_f64() * 1000.0),
        failure,
    }
}
