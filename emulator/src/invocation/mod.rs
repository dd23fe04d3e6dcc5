//! One invocation's life on an execution environment.
//!
//! [`invoke`] admits the invocation ([`crate::control_plane::ControlPlane::admit`]), takes a
//! warm environment or starts one, and then runs three steps: on a cold start the environment's
//! init phase ([`init`]), the event's delivery and the wait for its end ([`deliver`]), and the
//! finish (the platform's END and REPORT lines, the environment returned to the pool or
//! destroyed). Whatever fails, in init or in the invocation, is one [`Failure`].

mod deliver;
mod failure;
pub(crate) mod init;

use std::sync::Arc;
use std::time::SystemTime;

use analyzer::report_line::{
    InitPhase, InitReport, InitializationType, ReportRecord, ReportStatus,
};
use base64::Engine as _;
use bytes::Bytes;

pub(crate) use failure::Failure;

use crate::clock::epoch_millis;
use crate::environments::Environment;
use crate::error::ApiError;
use crate::platform_log::PlatformLog;
use crate::registry::{LogFormat, Resolved, host_architecture};
use crate::runtime_api::{Invocation, new_trace_id};
use crate::state::State;

/// Size of the `X-Amz-Log-Result` tail.
pub(crate) const LOG_TAIL_BYTES: usize = 4 * 1024;

/// One invocation to run.
#[derive(Debug, Clone)]
pub(crate) struct InvokeInput {
    /// The event.
    pub(crate) payload: Bytes,
    /// `X-Amz-Client-Context`, decoded from base64.
    pub(crate) client_context: Option<String>,
}

/// What one invocation produced.
#[derive(Debug, Clone)]
pub(crate) struct InvokeOutcome {
    /// The response (or error document) returned to the caller.
    pub(crate) payload: Bytes,
    /// `X-Amz-Function-Error` (`Unhandled`) when the invocation failed.
    pub(crate) function_error: Option<String>,
    /// The invocation's log (START to REPORT), whole.
    pub(crate) log: Vec<u8>,
    /// The version that ran.
    pub(crate) executed_version: String,
}

impl InvokeOutcome {
    /// The last 4 KB of the log, base64-encoded, as `X-Amz-Log-Result` carries it.
    pub(crate) fn log_tail_base64(&self) -> String {
        let start = self.log.len().saturating_sub(LOG_TAIL_BYTES);
        base64::engine::general_purpose::STANDARD.encode(&self.log[start..])
    }
}

/// Billed duration: rounded up to the millisecond, Init Duration included on cold starts (the
/// rule since 2025-08-01).
pub(crate) fn billed_duration_ms(duration_ms: f64, init_duration_ms: Option<f64>) -> u64 {
    let total = duration_ms + init_duration_ms.unwrap_or(0.0);
    // Round to 2 decimals first, as printed, so that a printed 1.00 ms is billed 1 ms.
    let printed = round2(total);
    printed.ceil().max(1.0) as u64
}

/// Milliseconds rounded to the 2 decimals Lambda prints.
fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Refuses a function whose architecture is not the host's: it could not run here, and a
/// figure measured under emulation would be invented.
///
/// # Errors
/// `InvalidRuntimeException` naming both architectures.
pub(crate) fn check_architecture(resolved: &Resolved) -> Result<(), ApiError> {
    let host = host_architecture();
    if resolved.config.architecture == host {
        Ok(())
    } else {
        Err(ApiError::invalid_runtime(format!(
            "function {} is built for {} but this emulator runs on {host}: it cannot be invoked \
             or measured here (run it on a {} host or on AWS)",
            resolved.config.name, resolved.config.architecture, resolved.config.architecture
        )))
    }
}

/// Runs one invocation on a warm or new environment.
///
/// # Errors
/// `InvalidRuntimeException` when the function's architecture is not the host's;
/// `ResourceConflictException` while it is being created; `TooManyRequestsException` when its
/// reserved or the account's unreserved concurrency is used up; `ServiceException` when no
/// environment can be created.
pub(crate) async fn invoke(
    state: &State,
    resolved: &Resolved,
    input: InvokeInput,
) -> Result<InvokeOutcome, ApiError> {
    check_architecture(resolved)?;
    let admission = state.control.admit(resolved)?;
    let resolved = admission.runs(resolved);
    let lease = state
        .environments
        .acquire(&resolved, admission.unreserved.as_ref())
        .await?;
    let env = Arc::clone(&lease.env);
    let run = Run::begin(&env, &resolved);
    let mut record = run.record();
    if lease.cold {
        let limit = state.environments.settings().init_timeout;
        let init = init::run(&env, run.log, InitializationType::OnDemand, limit).await;
        record.init_duration_ms = Some(init.duration_ms);
        if let Some(failure) = init.failure {
            let outcome = run.init_failed(record, &failure).await;
            state.environments.destroy(&env);
            return Ok(outcome);
        }
    }
    run.log.start(&run.request_id, &resolved.config.version);
    let timeout = resolved.config.timeout;
    let Some(delivered) = deliver::deliver(&env, run.invocation(input), timeout).await else {
        state.environments.destroy(&env);
        return Err(ApiError::service("the execution environment was not ready"));
    };
    record.duration_ms = delivered.duration_ms;
    let (outcome, healthy) = run.finish(record, delivered.result).await;
    state.environments.release(&env, healthy);
    drop(lease);
    Ok(outcome)
}

/// One invocation on one environment: its request id, its log and what it reports.
struct Run<'a> {
    env: &'a Environment,
    resolved: &'a Resolved,
    request_id: String,
    log: PlatformLog<'a>,
}

impl<'a> Run<'a> {
    /// Starts collecting the invocation's log lines for its tail.
    fn begin(env: &'a Arc<Environment>, resolved: &'a Resolved) -> Self {
        env.sink().begin();
        Self {
            env,
            resolved,
            request_id: uuid::Uuid::new_v4().to_string(),
            log: PlatformLog::new(env.sink(), resolved.config.log_format),
        }
    }

    fn json_logs(&self) -> bool {
        self.resolved.config.log_format == LogFormat::Json
    }

    /// An empty REPORT record for this invocation.
    fn record(&self) -> ReportRecord {
        ReportRecord {
            request_id: self.request_id.clone(),
            duration_ms: 0.0,
            billed_duration_ms: 0,
            memory_size_mb: self.resolved.config.memory_mb.get(),
            max_memory_used_mb: 0,
            init_duration_ms: None,
            restore_duration_ms: None,
            billed_restore_duration_ms: None,
            status: None,
            error_type: None,
            xray: None,
        }
    }

    /// The event as the Runtime API hands it to the runtime.
    fn invocation(&self, input: InvokeInput) -> Invocation {
        let timeout_ms =
            i64::try_from(self.resolved.config.timeout.as_millis()).unwrap_or(i64::MAX);
        Invocation {
            request_id: self.request_id.clone(),
            payload: input.payload,
            deadline_ms: epoch_millis(SystemTime::now()).saturating_add(timeout_ms),
            invoked_function_arn: self.resolved.qualifier_arn.clone(),
            trace_id: new_trace_id(),
            client_context: input.client_context,
            cognito_identity: None,
        }
    }

    /// Drains the function's output, then writes the failure's own line, if any.
    async fn flush(&self, failure: Option<&Failure>) {
        self.env.flush_logs().await;
        if let Some(line) = failure.and_then(|f| f.log_line(&self.request_id)) {
            self.log.text(line);
        }
    }

    /// The invocation after a failed init phase: `INIT_REPORT`, `START`, `END`, `REPORT`,
    /// and the failure returned to the caller. The environment is not used again.
    async fn init_failed(self, mut record: ReportRecord, failure: &Failure) -> InvokeOutcome {
        self.flush(Some(failure)).await;
        let init_duration_ms = record.init_duration_ms.unwrap_or(0.0);
        self.log.init_report(&InitReport {
            initialization_type: Some(InitializationType::OnDemand),
            phase: InitPhase::Init,
            init_duration_ms,
            status: failure.status(),
            error_type: failure.error_type().map(Into::into),
        });
        self.log
            .start(&self.request_id, &self.resolved.config.version);
        self.log.end(&self.request_id);
        record.max_memory_used_mb = self.env.max_memory_used_mb();
        (record.status, record.error_type) = failure.reported(self.json_logs());
        record.billed_duration_ms = billed_duration_ms(0.0, record.init_duration_ms);
        self.log.report(&record);
        self.outcome(failure.payload(&self.request_id), true)
    }

    /// The invocation after its delivery: `END`, `REPORT`, and the response (or failure)
    /// returned to the caller. Returns whether the environment may serve again.
    async fn finish(
        self,
        mut record: ReportRecord,
        result: Result<Bytes, Failure>,
    ) -> (InvokeOutcome, bool) {
        let failure = result.as_ref().err();
        self.flush(failure).await;
        record.max_memory_used_mb = self.env.max_memory_used_mb();
        record.billed_duration_ms = billed_duration_ms(record.duration_ms, record.init_duration_ms);
        (record.status, record.error_type) = match failure {
            Some(failure) => failure.reported(self.json_logs()),
            None => (self.json_logs().then_some(ReportStatus::Success), None),
        };
        self.log.end(&self.request_id);
        self.log.report(&record);
        let healthy = !failure.is_some_and(Failure::ends_environment);
        let (payload, failed) = match result {
            Ok(body) => (body, false),
            Err(failure) => (failure.payload(&self.request_id), true),
        };
        (self.outcome(payload, failed), healthy)
    }

    fn outcome(&self, payload: Bytes, failed: bool) -> InvokeOutcome {
        InvokeOutcome {
            payload,
            function_error: failed.then(|| "Unhandled".to_owned()),
            log: self.env.sink().end(),
            executed_version: self.resolved.executed_version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_includes_init_and_rounds_up() {
        assert_eq!(billed_duration_ms(395.99, Some(265.72)), 662);
        assert_eq!(billed_duration_ms(1.0, None), 1);
        assert_eq!(billed_duration_ms(0.2, None), 1);
        assert_eq!(billed_duration_ms(1072.145, None), 1073);
    }
}
