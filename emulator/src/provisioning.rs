//! Provisioned concurrency: the environments a provisioned-concurrency config asks for, started
//! and initialized in the background before any invocation, as on Lambda.
//!
//! Each runs its init phase with `AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency` and
//! an `INIT_START` (or JSON `platform.initStart`) of that initialization type, then waits warm
//! in the pool, exempt from idle reaping.

use std::sync::Arc;

use analyzer::report_line::InitializationType;

use crate::clock::UtcTime;
use crate::environments::Environments;
use crate::error::ApiError;
use crate::invocation::init;
use crate::platform_log::PlatformLog;
use crate::registry::{Registry, Resolved};
use crate::state::State;

/// Initializes the environments the provisioned-concurrency config of `function:qualifier`
/// asks for, in a background task: `Status` is `IN_PROGRESS` until every one has finished its
/// init, then `READY` (or `FAILED` with the first init error).
pub(crate) fn start(state: &State, function: &str, qualifier: &str) {
    let Ok(resolved) = state.registry.resolve(function, Some(qualifier)) else {
        return;
    };
    let Some(requested) = state
        .registry
        .entry(function)
        .and_then(|e| e.provisioned.get(qualifier).map(|p| p.requested))
    else {
        return;
    };
    let environments = Arc::clone(&state.environments);
    let registry = Arc::clone(&state.registry);
    let (function, qualifier) = (function.to_owned(), qualifier.to_owned());
    tokio::spawn(async move {
        let mut inits = tokio::task::JoinSet::new();
        for _ in 0..requested {
            let environments = Arc::clone(&environments);
            let resolved = resolved.clone();
            inits.spawn(async move { provision_one(&environments, &resolved).await });
        }
        let mut failure = None;
        while let Some(done) = inits.join_next().await {
            match done {
                Ok(Ok(())) => {
                    let _ = registry.with_entry_mut(&function, |e| {
                        if let Some(p) = e.provisioned.get_mut(&qualifier) {
                            p.allocated = (p.allocated + 1).min(p.requested);
                        }
                    });
                }
                Ok(Err(err)) => failure = Some(err.message),
                Err(err) => failure = Some(err.to_string()),
            }
        }
        settle(&registry, &function, &qualifier, failure.is_none());
        match failure {
            Some(reason) => {
                tracing::warn!(%function, %qualifier, %reason, "provisioned concurrency failed");
            }
            None => {
                tracing::info!(%function, %qualifier, requested, "provisioned concurrency ready")
            }
        }
    });
}

/// Starts one provisioned environment for `resolved`, runs its init phase and adds it to the
/// warm pool.
async fn provision_one(environments: &Environments, resolved: &Resolved) -> Result<(), ApiError> {
    let env = environments.start_provisioned(resolved).await?;
    let log = PlatformLog::new(env.sink(), resolved.config.log_format);
    let limit = environments.settings().init_timeout;
    let init = init::run(&env, log, InitializationType::ProvisionedConcurrency, limit).await;
    match init.failure {
        None => {
            environments.release(&env, true);
            Ok(())
        }
        Some(failure) => {
            environments.destroy(&env);
            Err(ApiError::service(format!(
                "provisioned environment of {} failed its init: {}",
                resolved.qualifier_arn,
                failure.error_type().unwrap_or("Runtime.Unknown")
            )))
        }
    }
}

/// Records the end of a provisioning run: `READY` or `FAILED`.
fn settle(registry: &Registry, function: &str, qualifier: &str, ready: bool) {
    let _ = registry.with_entry_mut(function, |e| {
        if let Some(p) = e.provisioned.get_mut(qualifier) {
            p.status = if ready {
                crate::registry::ProvisionedStatus::Ready
            } else {
                crate::registry::ProvisionedStatus::Failed
            };
            p.last_modified = UtcTime::now().last_modified();
        }
    });
}
