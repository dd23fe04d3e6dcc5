//! Cold-start measurement over aws-sdk-lambda: force a new execution environment before every
//! sample, invoke once with `LogType::Tail`, and keep the REPORT record of that first
//! invocation.
//!
//! A new environment is forced with `UpdateFunctionConfiguration` of the memory size and of one
//! environment variable, [`NONCE_VARIABLE`], set to a new value per sample: Lambda replaces
//! every execution environment of `$LATEST` after a configuration change, so the next
//! invocation is a cold start. The update is awaited (`LastUpdateStatus = Successful`) before
//! the invocation. When the log tail holds no REPORT record (the tail is the last 4 KB of the
//! log, and a chatty function pushes it out) the record is looked up with CloudWatch Logs
//! `FilterLogEvents` on the request id. The function's memory size and environment variables
//! are restored afterwards, also after a failure ([`crate::steps::original`]).
//!
//! The same code runs against AWS and against the embedded emulator: it only gets clients.

use std::collections::BTreeMap;
use std::time::Duration;

use analyzer::coldstart::{ColdStartConfiguration, ColdStartSample, summarize_cold_starts};
use analyzer::report_line::ReportRecord;
use analyzer::result::ConfigKey;
use analyzer::units::MemoryMb;
use aws_sdk_lambda::Client;
use aws_sdk_lambda::operation::RequestId as _;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Environment, LogType};
use tracing::{debug, info, warn};

use crate::error::{Error, Result};
use crate::steps::original::{self, Original};
use crate::steps::{unqualified, wait_until_ready};

/// The environment variable changed before every sample to force a new execution environment.
pub const NONCE_VARIABLE: &str = "POWERTUNE_COLDSTART_NONCE";

/// How long the CloudWatch Logs fallback looks for a REPORT record at most.
pub const LOGS_LOOKUP_TIMEOUT: Duration = Duration::from_secs(60);

/// What to measure.
#[derive(Debug, Clone)]
pub struct ColdStartOptions {
    /// Memory sizes, measured in this order.
    pub memory_sizes: Vec<MemoryMb>,
    /// Cold starts per memory size.
    pub samples: u32,
    /// Event sent with every invocation (`None` sends no payload).
    pub payload: Option<Vec<u8>>,
    /// Confidence level of the summaries' intervals.
    pub confidence: f64,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// A prefix of the nonce values, so that runs can be told apart in the function's logs.
    pub run_id: String,
    /// Function error types (`errorType`) that still count as a cold start: the handler failed
    /// after its init. Any other function error fails the run. An init that fails also ends
    /// in a function error, so allow only the types the handler raises.
    pub allowed_exceptions: Vec<String>,
}

/// Progress of a measurement, for a progress display or a JSON Lines stream.
#[derive(Debug, Clone)]
pub enum ColdStartEvent {
    /// One cold start was measured.
    Sample {
        /// Its configuration.
        key: ConfigKey,
        /// Index of the sample within the configuration, from 0.
        index: u32,
        /// The sample.
        sample: ColdStartSample,
    },
    /// A configuration is complete.
    Configuration(Box<ColdStartConfiguration>),
}

/// The measured configurations and the function's original settings.
#[derive(Debug, Clone)]
pub struct ColdStartRun {
    /// The function as it was before the run.
    pub original: Original,
    /// One entry per memory size, in the order measured.
    pub configurations: Vec<ColdStartConfiguration>,
    /// How many REPORT records came from CloudWatch Logs because the tail was cut.
    pub reports_from_logs: u32,
    /// Samples whose invocation ended in an allowed function error, by error type.
    pub allowed_errors: BTreeMap<String, u32>,
}

/// Measures `options.samples` cold starts of `function` at each memory size, then restores
/// the memory size and environment variables it found.
///
/// `logs` is used only when a log tail holds no REPORT record; without it such a sample fails
/// with [`Error::MissingReport`]. When `interrupt` completes first (e.g. on Ctrl-C) the
/// measurement stops, the settings are restored and the run fails with
/// [`Error::Interrupted`].
///
/// # Errors
///
/// [`Error::InvalidInput`] for no memory sizes or fewer than 1 sample, [`Error::Lambda`],
/// [`Error::Timeout`] or [`Error::UpdateFailed`] when Lambda refuses or never settles,
/// [`Error::FunctionError`] when the function fails, [`Error::MissingReport`] when no REPORT
/// record can be found, [`Error::Analysis`] when the samples cannot be summarized.
pub async fn measure(
    client: &Client,
    logs: Option<&aws_sdk_cloudwatchlogs::Client>,
    function: &str,
    options: &ColdStartOptions,
    progress: &(dyn Fn(ColdStartEvent) + Send + Sync),
    interrupt: impl std::future::Future<Output = ()>,
) -> Result<ColdStartRun> {
    if options.memory_sizes.is_empty() {
        return Err(Error::invalid(
            "memory",
            "must name at least one memory size",
        ));
    }
    if options.samples == 0 {
        return Err(Error::invalid("samples", "must be at least 1"));
    }
    let original = original::read(client, function).await?;
    let target = unqualified(function).to_owned();
    let mut run = ColdStartRun {
        original: original.clone(),
        configurations: Vec::new(),
        reports_from_logs: 0,
        allowed_errors: BTreeMap::new(),
    };
    let measured = tokio::select! {
        measured = measure_all(client, logs, &target, options, progress, &mut run) => measured,
        () = interrupt => Err(Error::Interrupted),
    };
    let restored = original::restore(client, &target, original.memory_and_variables()).await;
    measured?;
    restored?;
    Ok(run)
}

async fn measure_all(
    client: &Client,
    logs: Option<&aws_sdk_cloudwatchlogs::Client>,
    target: &str,
    options: &ColdStartOptions,
    progress: &(dyn Fn(ColdStartEvent) + Send + Sync),
    run: &mut ColdStartRun,
) -> Result<()> {
    let log_group = format!("/aws/lambda/{}", run.original.configuration.function_name);
    for &memory in &options.memory_sizes {
        let key = ConfigKey {
            memory_mb: memory,
            architecture: run.original.configuration.architecture,
        };
        let mut samples = Vec::new();
        for index in 0..options.samples {
            let nonce = format!("{}-{}-{index}", options.run_id, memory.get());
            force_new_environment(client, target, memory, &run.original, &nonce).await?;
            let (record, from_logs, allowed_error) =
                invoke_cold(client, logs, target, memory, &log_group, options).await?;
            if from_logs {
                run.reports_from_logs += 1;
            }
            if let Some(error_type) = allowed_error {
                *run.allowed_errors.entry(error_type).or_default() += 1;
            }
            let sample = ColdStartSample::from_record(&record).ok_or_else(|| Error::Analysis(
                format!(
                    "invocation {} of {target} at {memory} after a configuration change was not a cold start (no Init Duration)",
                    record.request_id
                ),
            ))?;
            debug!(
                init_duration_ms = sample.init_duration_ms,
                memory_mb = memory.get(),
                "cold start"
            );
            progress(ColdStartEvent::Sample {
                key,
                index,
                sample: sample.clone(),
            });
            samples.push(sample);
        }
        let configuration = summarize_cold_starts(key, samples, options.confidence, options.seed)
            .map_err(|e| Error::Analysis(e.to_string()))?;
        info!(memory_mb = memory.get(), "configuration measured");
        progress(ColdStartEvent::Configuration(Box::new(
            configuration.clone(),
        )));
        run.configurations.push(configuration);
    }
    Ok(())
}

/// Sets the memory size and a new nonce, and waits until the update is applied.
async fn force_new_environment(
    client: &Client,
    target: &str,
    memory: MemoryMb,
    original: &Original,
    nonce: &str,
) -> Result<()> {
    let mut variables = original.variables.clone();
    variables.insert(NONCE_VARIABLE.to_owned(), nonce.to_owned());
    client
        .update_function_configuration()
        .function_name(target)
        .memory_size(i32::try_from(memory.get()).expect("memory sizes fit in i32"))
        .environment(
            Environment::builder()
                .set_variables(Some(variables))
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::lambda("UpdateFunctionConfiguration", target, e))?;
    wait_until_ready(client, target).await?;
    Ok(())
}

/// Invokes `$LATEST` once with the log tail; returns its REPORT record, whether it came
/// from CloudWatch Logs, and the function error type when the invocation failed with one of
/// `options.allowed_exceptions`.
async fn invoke_cold(
    client: &Client,
    logs: Option<&aws_sdk_cloudwatchlogs::Client>,
    target: &str,
    memory: MemoryMb,
    log_group: &str,
    options: &ColdStartOptions,
) -> Result<(ReportRecord, bool, Option<String>)> {
    let request = client
        .invoke()
        .function_name(target)
        .log_type(LogType::Tail)
        .set_payload(options.payload.clone().map(Blob::new));
    let out = crate::retry::invoke(request, target, memory).await?;
    let mut allowed_error = None;
    if let Some(header) = out.function_error() {
        let parsed: serde_json::Value = out
            .payload()
            .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
            .unwrap_or_default();
        let error_type = parsed["errorType"].as_str().unwrap_or(header).to_owned();
        if !options.allowed_exceptions.contains(&error_type) {
            return Err(Error::FunctionError {
                function: target.to_owned(),
                qualifier: "$LATEST".to_owned(),
                error_type,
                message: parsed["errorMessage"]
                    .as_str()
                    .unwrap_or("no message")
                    .to_owned(),
            });
        }
        debug!(%error_type, "function error allowed by allowed_exceptions");
        allowed_error = Some(error_type);
    }
    let from_tail = out
        .log_result()
        .and_then(|tail| analyzer::report_line::parse_log_tail(tail).ok())
        .and_then(|mut records| records.pop());
    if let Some(record) = from_tail {
        return Ok((record, false, allowed_error));
    }
    // The tail was cut: find the REPORT record by the request id in CloudWatch Logs.
    let request_id = out
        .request_id()
        .map(str::to_owned)
        .or_else(|| out.log_result().and_then(request_id_in_tail))
        .unwrap_or_default();
    let missing = || Error::MissingReport {
        function: target.to_owned(),
        request_id: request_id.clone(),
    };
    let (Some(logs), false) = (logs, request_id.is_empty()) else {
        return Err(missing());
    };
    warn!(%request_id, "no REPORT record in the log tail; looking it up in CloudWatch Logs");
    report_from_logs(logs, log_group, &request_id)
        .await?
        .map(|record| (record, true, allowed_error))
        .ok_or_else(missing)
}

/// The request id of the `START`/`END` lines of a tail, when the REPORT line was cut.
fn request_id_in_tail(tail: &str) -> Option<String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(tail)
        .ok()?;
    let text = String::from_utf8_lossy(&bytes);
    text.lines().find_map(|line| {
        let rest = line.split_once("RequestId: ")?.1;
        rest.split_whitespace().next().map(str::to_owned)
    })
}

/// Polls `FilterLogEvents` for the REPORT record of `request_id` (log delivery is not
/// immediate on AWS), for at most [`LOGS_LOOKUP_TIMEOUT`].
async fn report_from_logs(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    request_id: &str,
) -> Result<Option<ReportRecord>> {
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(200);
    let pattern = format!("\"REPORT RequestId: {request_id}\"");
    loop {
        let mut token: Option<String> = None;
        loop {
            let page = logs
                .filter_log_events()
                .log_group_name(log_group)
                .filter_pattern(&pattern)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| Error::lambda("FilterLogEvents", log_group, e))?;
            for event in page.events() {
                let Some(message) = event.message() else {
                    continue;
                };
                if let Ok(record) = analyzer::report_line::parse_line(message.trim_end())
                    && record.request_id == request_id
                {
                    return Ok(Some(record));
                }
            }
            match page.next_token() {
                Some(next) if Some(next) != token.as_deref() => token = Some(next.to_owned()),
                _ => break,
            }
        }
        if started.elapsed() >= LOGS_LOOKUP_TIMEOUT {
            return Ok(None);
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn finds_the_request_id_of_a_tail_without_report() {
        let tail = base64::engine::general_purpose::STANDARD
            .encode("xxxxx\nEND RequestId: 8f5d0a39-7d6c-4b8e-9f3b-1c2d3e4f5a6b\n");
        assert_eq!(
            request_id_in_tail(&tail).as_deref(),
            Some("8f5d0a39-7d6c-4b8e-9f3b-1c2d3e4f5a6b")
        );
        let none = base64::engine::general_purpose::STANDARD.encode("no ids here\n");
        assert_eq!(request_id_in_tail(&none), None);
    }
}
