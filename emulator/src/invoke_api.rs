//! The Invoke API: `POST /2015-03-31/functions/{name}/invocations`, and one invocation's life
//! on an execution environment (init, START, the event, END, REPORT).
//!
//! Headers as on Lambda: `X-Amz-Invocation-Type` (`RequestResponse`, `Event`: 202 and the
//! invocation runs in the background, `DryRun`: 204), `X-Amz-Log-Type: Tail` (base64 of the
//! last 4 KB of the invocation's log in `X-Amz-Log-Result`), `X-Amz-Client-Context`,
//! `Qualifier`; the answer carries `X-Amz-Executed-Version` and, for a failed invocation,
//! `X-Amz-Function-Error: Unhandled`.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use analyzer::report_line::{
    self, InitPhase, InitReport, InitStart, InitializationType, ReportRecord, ReportStatus,
};
use base64::Engine as _;
use bytes::Bytes;
use hyper::Method;
use serde_json::json;

use crate::clock::{UtcTime, epoch_millis};
use crate::environment::InitOutcome;
use crate::error::ApiError;
use crate::http::{ApiRequest, ApiResponse, error_response, put_header, response};
use crate::registry::{LogFormat, Resolved, host_architecture};
use crate::runtime_api::{Invocation, RuntimeReply, new_trace_id};
use crate::state::State;

/// Largest synchronous Invoke payload (6 MB).
pub const MAX_SYNC_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;
/// Largest asynchronous (`Event`) Invoke payload (256 KB).
pub const MAX_ASYNC_PAYLOAD_BYTES: usize = 256 * 1024;
/// Size of the `X-Amz-Log-Result` tail.
pub const LOG_TAIL_BYTES: usize = 4 * 1024;

/// How the caller wants the function invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Synchronous.
    RequestResponse,
    /// Asynchronous: queued, 202.
    Event,
    /// Only check that the function can be invoked: 204.
    DryRun,
}

/// One invocation to run.
#[derive(Debug, Clone)]
pub struct InvokeInput {
    /// The event.
    pub payload: Bytes,
    /// `X-Amz-Client-Context`, decoded from base64.
    pub client_context: Option<String>,
}

/// What one invocation produced.
#[derive(Debug, Clone)]
pub struct InvokeOutcome {
    /// The response (or error document) returned to the caller.
    pub payload: Bytes,
    /// `X-Amz-Function-Error` (`Unhandled`) when the invocation failed.
    pub function_error: Option<String>,
    /// The invocation's log (START to REPORT), whole.
    pub log: Vec<u8>,
    /// The version that ran.
    pub executed_version: String,
    /// The REPORT record.
    pub report: ReportRecord,
    /// Whether this was a cold start.
    pub cold_start: bool,
}

impl InvokeOutcome {
    /// The last 4 KB of the log, base64-encoded, as `X-Amz-Log-Result` carries it.
    pub fn log_tail_base64(&self) -> String {
        let start = self.log.len().saturating_sub(LOG_TAIL_BYTES);
        base64::engine::general_purpose::STANDARD.encode(&self.log[start..])
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Billed duration: rounded up to the millisecond, Init Duration included on cold starts (the
/// rule since 2025-08-01).
pub fn billed_duration_ms(duration_ms: f64, init_duration_ms: Option<f64>) -> u64 {
    let total = duration_ms + init_duration_ms.unwrap_or(0.0);
    // Round to 2 decimals first, as printed, so that a printed 1.00 ms is billed 1 ms.
    let printed = (total * 100.0).round() / 100.0;
    printed.ceil().max(1.0) as u64
}

fn now_iso() -> String {
    UtcTime::from_system(SystemTime::now()).iso8601_millis()
}

fn function_error_body(error_type: &str, message: &str) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({"errorType": error_type, "errorMessage": message}))
            .expect("a JSON object of strings always serializes"),
    )
}

enum Ending {
    Reply(crate::runtime_api::TimedReply),
    Exited(crate::environment::ExitInfo),
    TimedOut,
}

/// Runs one invocation on a warm or new environment.
///
/// # Errors
/// `InvalidRuntimeException` when the function's architecture is not the host's;
/// `TooManyRequestsException` when its reserved concurrency is used up; `ServiceException`
/// when no environment can be created.
pub async fn invoke(
    state: &Arc<State>,
    resolved: &Resolved,
    input: InvokeInput,
) -> Result<InvokeOutcome, ApiError> {
    check_architecture(resolved)?;
    let admission = crate::control_api::admit(state, resolved)?;
    let previous;
    let resolved = match admission.previous_latest {
        Some((config, generation)) => {
            previous = Resolved {
                config,
                generation,
                ..resolved.clone()
            };
            &previous
        }
        None => resolved,
    };
    let lease = state
        .environments
        .acquire(resolved, admission.unreserved.as_ref())
        .await?;
    let env = Arc::clone(&lease.env);
    let cold = lease.cold;
    let config = Arc::clone(&resolved.config);
    let json_logs = config.log_format == LogFormat::Json;
    let request_id = uuid::Uuid::new_v4().to_string();
    let sink = Arc::clone(env.sink());
    sink.begin();

    let mut record = ReportRecord {
        request_id: request_id.clone(),
        duration_ms: 0.0,
        billed_duration_ms: 0,
        memory_size_mb: config.memory_mb.get(),
        max_memory_used_mb: 0,
        init_duration_ms: None,
        restore_duration_ms: None,
        billed_restore_duration_ms: None,
        status: None,
        error_type: None,
        xray: None,
    };

    if cold {
        let init = InitStart {
            initialization_type: Some(InitializationType::OnDemand),
            function_name: Some(config.name.as_str().into()),
            function_version: Some(config.version.as_str().into()),
            runtime_version: Some(config.runtime.as_str().into()),
            runtime_version_arn: None,
        };
        let init_start = if json_logs {
            report_line::format_json_init_start(&init, &now_iso())
        } else {
            report_line::format_init_start(&init)
        };
        sink.line(init_start);
        let outcome = env.wait_init(state.config.init_timeout).await;
        let init_ms = match &outcome {
            InitOutcome::Ready(at) => ms(at.saturating_duration_since(env.spawned_at())),
            _ => ms(env.spawned_at().elapsed()),
        };
        record.init_duration_ms = Some(round2(init_ms));
        let failure = match outcome {
            InitOutcome::Ready(_) => None,
            InitOutcome::Error(err) => {
                let error_type = err
                    .error_type
                    .clone()
                    .or_else(|| error_type_of(&err.body))
                    .unwrap_or_else(|| "Runtime.Unknown".to_owned());
                Some((err.body, error_type, ReportStatus::Error))
            }
            InitOutcome::Exited(info) => {
                let error_type = if env.oom_killed() {
                    "Runtime.OutOfMemory"
                } else {
                    "Runtime.ExitError"
                };
                let message = format!(
                    "RequestId: {request_id} Error: Runtime exited with error: {}",
                    info.describe()
                );
                sink.line(format!("{message}\n{error_type}"));
                Some((
                    function_error_body(error_type, &message),
                    error_type.to_owned(),
                    ReportStatus::Error,
                ))
            }
            InitOutcome::TimedOut => {
                let seconds = state.config.init_timeout.as_secs_f64();
                let message = format!(
                    "RequestId: {request_id} Error: Task timed out after {seconds:.2} seconds"
                );
                sink.line(format!(
                    "{} {request_id} Task timed out after {seconds:.2} seconds",
                    now_iso()
                ));
                Some((
                    function_error_body("Sandbox.Timedout", &message),
                    "Sandbox.Timedout".to_owned(),
                    ReportStatus::Timeout,
                ))
            }
        };
        if let Some((body, error_type, status)) = failure {
            env.flush_logs().await;
            let init_report = InitReport {
                initialization_type: Some(InitializationType::OnDemand),
                phase: InitPhase::Init,
                init_duration_ms: round2(init_ms),
                status,
                error_type: Some(error_type.as_str().into()),
            };
            if json_logs {
                sink.line(report_line::format_json_init_report(
                    &init_report,
                    &now_iso(),
                ));
                sink.line(report_line::format_json_start(
                    &request_id,
                    &config.version,
                    &now_iso(),
                ));
            } else {
                sink.line(report_line::format_init_report(&init_report));
                sink.line(report_line::format_start(&request_id, &config.version));
                sink.line(report_line::format_end(&request_id));
            }
            record.max_memory_used_mb = env.max_memory_used_mb();
            record.status = Some(status);
            record.error_type = (status == ReportStatus::Error).then_some(error_type);
            record.billed_duration_ms = billed_duration_ms(0.0, record.init_duration_ms);
            write_report(&sink, &record, json_logs);
            state.environments.destroy(&env);
            return Ok(InvokeOutcome {
                payload: body,
                function_error: Some("Unhandled".to_owned()),
                log: sink.end(),
                executed_version: resolved.executed_version.clone(),
                report: record,
                cold_start: true,
            });
        }
    }

    sink.line(if json_logs {
        report_line::format_json_start(&request_id, &config.version, &now_iso())
    } else {
        report_line::format_start(&request_id, &config.version)
    });
    env.thaw();
    let deadline_ms = epoch_millis(SystemTime::now())
        + i64::try_from(config.timeout.as_millis()).unwrap_or(i64::MAX);
    let invocation = Invocation {
        request_id: request_id.clone(),
        payload: input.payload,
        deadline_ms,
        invoked_function_arn: resolved.qualifier_arn.clone(),
        trace_id: new_trace_id(),
        client_context: input.client_context,
        cognito_identity: None,
    };
    let dispatched_at = Instant::now();
    let Some(reply_rx) = env.channel().dispatch(invocation) else {
        state.environments.destroy(&env);
        return Err(ApiError::service("the execution environment was not ready"));
    };
    let ending = tokio::select! {
        reply = reply_rx => match reply {
            Ok(reply) => Ending::Reply(reply),
            Err(_) => Ending::Exited(env.wait_exit().await),
        },
        info = env.wait_exit() => Ending::Exited(info),
        () = tokio::time::sleep(config.timeout) => Ending::TimedOut,
    };
    let ended_at = match &ending {
        Ending::Reply(reply) => reply.at,
        _ => Instant::now(),
    };
    let delivered_at = env.channel().delivered_at().unwrap_or(dispatched_at);
    env.channel().clear();
    record.duration_ms = round2(ms(ended_at.saturating_duration_since(delivered_at)));
    if !matches!(ending, Ending::TimedOut) {
        env.flush_logs().await;
    }
    record.max_memory_used_mb = env.max_memory_used_mb();

    let mut healthy = true;
    let (payload, function_error) = match ending {
        Ending::Reply(reply) => match reply.reply {
            RuntimeReply::Response(body) => (body, None),
            RuntimeReply::Error { body, error_type } => {
                let error_type = error_type.or_else(|| error_type_of(&body));
                if json_logs {
                    record.status = Some(ReportStatus::Error);
                    record.error_type = error_type;
                }
                (body, Some("Unhandled".to_owned()))
            }
            RuntimeReply::TooLarge { size } => {
                let message = format!(
                    "Response payload size ({size} bytes) exceeded maximum allowed payload size \
                     ({} bytes).",
                    crate::runtime_api::MAX_RESPONSE_BYTES
                );
                record.status = Some(ReportStatus::Error);
                record.error_type = Some("Function.ResponseSizeTooLarge".to_owned());
                (
                    function_error_body("Function.ResponseSizeTooLarge", &message),
                    Some("Unhandled".to_owned()),
                )
            }
        },
        Ending::Exited(info) => {
            healthy = false;
            let error_type = if env.oom_killed() {
                "Runtime.OutOfMemory"
            } else {
                "Runtime.ExitError"
            };
            let message = format!(
                "RequestId: {request_id} Error: Runtime exited with error: {}",
                info.describe()
            );
            sink.line(format!("{message}\n{error_type}"));
            record.status = Some(ReportStatus::Error);
            record.error_type = Some(error_type.to_owned());
            (
                function_error_body(error_type, &message),
                Some("Unhandled".to_owned()),
            )
        }
        Ending::TimedOut => {
            healthy = false;
            env.flush_logs().await;
            state.environments.destroy(&env);
            let seconds = config.timeout.as_secs_f64();
            sink.line(format!(
                "{} {request_id} Task timed out after {seconds:.2} seconds",
                now_iso()
            ));
            record.status = Some(ReportStatus::Timeout);
            let message =
                format!("RequestId: {request_id} Error: Task timed out after {seconds:.2} seconds");
            (
                function_error_body("Sandbox.Timedout", &message),
                Some("Unhandled".to_owned()),
            )
        }
    };
    record.billed_duration_ms = billed_duration_ms(record.duration_ms, record.init_duration_ms);
    if json_logs && record.status.is_none() {
        record.status = Some(ReportStatus::Success);
    }
    if !json_logs {
        sink.line(report_line::format_end(&request_id));
    }
    write_report(&sink, &record, json_logs);
    let log = sink.end();
    state.environments.release(&env, healthy);
    drop(lease);
    Ok(InvokeOutcome {
        payload,
        function_error,
        log,
        executed_version: resolved.executed_version.clone(),
        report: record,
        cold_start: cold,
    })
}

fn write_report(sink: &crate::environment::LogSink, record: &ReportRecord, json_logs: bool) {
    if json_logs {
        sink.line(report_line::format_json_report(record, &now_iso()));
    } else {
        sink.line(report_line::format(record));
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn error_type_of(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()?
        .get("errorType")?
        .as_str()
        .map(str::to_owned)
}

/// Refuses a function whose architecture is not the host's: it could not run here, and a
/// figure measured under emulation would be invented.
///
/// # Errors
/// `InvalidRuntimeException` naming both architectures.
pub fn check_architecture(resolved: &Resolved) -> Result<(), ApiError> {
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

fn parse_invocation_type(req: &ApiRequest) -> Result<InvocationType, ApiError> {
    match req
        .header("x-amz-invocation-type")
        .unwrap_or("RequestResponse")
    {
        "RequestResponse" => Ok(InvocationType::RequestResponse),
        "Event" => Ok(InvocationType::Event),
        "DryRun" => Ok(InvocationType::DryRun),
        other => Err(ApiError::invalid_parameter(format!(
            "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy \
             constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        ))),
    }
}

/// Answers `POST /2015-03-31/functions/{name}/invocations`, or returns `None` for any other
/// request.
pub(crate) async fn route(state: &Arc<State>, req: &ApiRequest) -> Option<ApiResponse> {
    let segments = req.segments();
    let name = match segments.as_slice() {
        ["2015-03-31", "functions", name, "invocations"] if req.method == Method::POST => {
            (*name).to_owned()
        }
        _ => return None,
    };
    Some(match handle_invoke(state, req, &name).await {
        Ok(res) => res,
        Err(err) => error_response(&err),
    })
}

async fn handle_invoke(
    state: &Arc<State>,
    req: &ApiRequest,
    name: &str,
) -> Result<ApiResponse, ApiError> {
    let invocation_type = parse_invocation_type(req)?;
    let limit = match invocation_type {
        InvocationType::Event => MAX_ASYNC_PAYLOAD_BYTES,
        _ => MAX_SYNC_PAYLOAD_BYTES,
    };
    if req.body.len() > limit {
        return Err(ApiError::request_too_large(format!(
            "Request must be smaller than {limit} bytes for the InvokeFunction operation"
        )));
    }
    let resolved = state.registry.resolve(name, req.query_param("Qualifier"))?;
    if !req.body.is_empty() && serde_json::from_slice::<serde::de::IgnoredAny>(&req.body).is_err() {
        return Err(ApiError::invalid_request_content(
            "Could not parse request body into json: Could not parse payload into json",
        ));
    }
    let client_context = match req.header("x-amz-client-context") {
        Some(encoded) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .map_err(|_| {
                    ApiError::invalid_request_content("Client context must be base64-encoded JSON")
                })?;
            Some(String::from_utf8_lossy(&decoded).into_owned())
        }
        None => None,
    };
    let payload = if req.body.is_empty() {
        Bytes::from_static(b"{}")
    } else {
        req.body.clone()
    };
    let input = InvokeInput {
        payload,
        client_context,
    };
    match invocation_type {
        InvocationType::DryRun => {
            check_architecture(&resolved)?;
            let mut res = response(204, "application/json", Bytes::new());
            put_header(
                &mut res,
                "X-Amz-Executed-Version",
                &resolved.executed_version,
            );
            Ok(res)
        }
        InvocationType::Event => {
            check_architecture(&resolved)?;
            let state = Arc::clone(state);
            let executed_version = resolved.executed_version.clone();
            tokio::spawn(async move {
                if let Err(err) = invoke(&state, &resolved, input).await {
                    tracing::warn!(function = %resolved.config.name, error = %err, "asynchronous invocation failed");
                }
            });
            let mut res = response(202, "application/json", Bytes::new());
            put_header(&mut res, "X-Amz-Executed-Version", &executed_version);
            Ok(res)
        }
        InvocationType::RequestResponse => {
            let outcome = invoke(state, &resolved, input).await?;
            let mut res = response(200, "application/json", outcome.payload.clone());
            put_header(
                &mut res,
                "X-Amz-Executed-Version",
                &outcome.executed_version,
            );
            if let Some(error) = &outcome.function_error {
                put_header(&mut res, "X-Amz-Function-Error", error);
            }
            if req
                .header("x-amz-log-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("Tail"))
            {
                put_header(&mut res, "X-Amz-Log-Result", &outcome.log_tail_base64());
            }
            Ok(res)
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
