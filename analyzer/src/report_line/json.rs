//! Lambda's JSON log format: `platform.*` events, formatted with the caller's timestamp and
//! parsed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::error::{ParseError, excerpt};
use super::push_fmt;
use super::record::{
    InitPhase, InitReport, InitStart, InitializationType, LogEvent, ReportRecord, ReportStatus,
    RuntimeDone, XRayTrace,
};

#[derive(Serialize)]
struct OutEvent<'a, R> {
    time: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    record: R,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutInitStart<'a> {
    initialization_type: InitializationType,
    phase: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    runtime_version_arn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    function_version: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutInitReport<'a> {
    initialization_type: InitializationType,
    phase: &'static str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    metrics: OutDurationMetrics,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutDurationMetrics {
    duration_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutStart<'a> {
    request_id: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutRuntimeDone<'a> {
    request_id: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracing: Option<OutTracing>,
    metrics: OutDurationMetrics,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OutReport<'a> {
    request_id: &'a str,
    metrics: OutReportMetrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracing: Option<OutTracing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'a str>,
}

#[derive(Serialize)]
struct OutReportMetrics {
    #[serde(rename = "durationMs")]
    duration_ms: f64,
    #[serde(rename = "billedDurationMs")]
    billed_duration_ms: u64,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: u32,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: u32,
    #[serde(rename = "initDurationMs", skip_serializing_if = "Option::is_none")]
    init_duration_ms: Option<f64>,
    #[serde(rename = "restoreDurationMs", skip_serializing_if = "Option::is_none")]
    restore_duration_ms: Option<f64>,
    #[serde(
        rename = "billedRestoreDurationMs",
        skip_serializing_if = "Option::is_none"
    )]
    billed_restore_duration_ms: Option<u64>,
}

#[derive(Serialize)]
struct OutTracing {
    #[serde(rename = "type")]
    kind: &'static str,
    value: String,
}

impl OutTracing {
    fn new(xray: &XRayTrace) -> Self {
        let mut value = format!("Root={}", xray.trace_id);
        if let Some(segment) = &xray.segment_id {
            push_fmt(&mut value, format_args!(";Parent={segment}"));
        }
        push_fmt(
            &mut value,
            format_args!(";Sampled={}", u8::from(xray.sampled)),
        );
        OutTracing {
            kind: "X-Amzn-Trace-Id",
            value,
        }
    }
}

fn to_json<R: Serialize>(time: &str, kind: &'static str, record: R) -> String {
    serde_json::to_string(&OutEvent { time, kind, record })
        .expect("a log event holds only strings and numbers, which always serialize")
}

/// Formats a JSON log format `platform.initStart` event, as one line without the newline.
///
/// `time` is the event's RFC 3339 timestamp (e.g. `2026-10-08T07:30:27.768Z`), chosen by the
/// caller. Absent optional fields are left out.
pub fn format_json_init_start(init: &InitStart<'_>, time: &str) -> String {
    to_json(
        time,
        "platform.initStart",
        OutInitStart {
            initialization_type: init
                .initialization_type
                .unwrap_or(InitializationType::OnDemand),
            phase: "init",
            runtime_version: init.runtime_version.as_deref(),
            runtime_version_arn: init.runtime_version_arn.as_deref(),
            function_name: init.function_name.as_deref(),
            function_version: init.function_version.as_deref(),
        },
    )
}

/// Formats a JSON log format `platform.initReport` event, as one line without the newline.
///
/// `time` is the event's RFC 3339 timestamp, chosen by the caller. A missing
/// `initialization_type` is written as `on-demand`.
pub fn format_json_init_report(report: &InitReport<'_>, time: &str) -> String {
    to_json(
        time,
        "platform.initReport",
        OutInitReport {
            initialization_type: report
                .initialization_type
                .unwrap_or(InitializationType::OnDemand),
            phase: report.phase.as_str(),
            status: report.status.as_str(),
            error_type: report.error_type.as_deref(),
            metrics: OutDurationMetrics {
                duration_ms: report.init_duration_ms,
            },
        },
    )
}

/// Formats a JSON log format `platform.start` event, as one line without the newline.
///
/// `time` is the event's RFC 3339 timestamp, chosen by the caller.
///
/// ```
/// assert_eq!(
///     analyzer::report_line::format_json_start("r1", "$LATEST", "2026-10-08T07:30:28.235Z"),
///     r#"{"time":"2026-10-08T07:30:28.235Z","type":"platform.start","record":{"requestId":"r1","version":"$LATEST"}}"#
/// );
/// ```
pub fn format_json_start(request_id: &str, version: &str, time: &str) -> String {
    to_json(
        time,
        "platform.start",
        OutStart {
            request_id,
            version,
        },
    )
}

/// Formats a JSON log format `platform.runtimeDone` event for `record`, as one line without
/// the newline.
///
/// Uses the record's request id, status (`success` when it states none), error type, X-Ray
/// trace and duration. `time` is the event's RFC 3339 timestamp, chosen by the caller.
pub fn format_json_runtime_done(record: &ReportRecord, time: &str) -> String {
    to_json(
        time,
        "platform.runtimeDone",
        OutRuntimeDone {
            request_id: &record.request_id,
            status: record.status.unwrap_or(ReportStatus::Success).as_str(),
            error_type: record.error_type.as_deref(),
            tracing: record.xray.as_ref().map(OutTracing::new),
            metrics: OutDurationMetrics {
                duration_ms: record.duration_ms,
            },
        },
    )
}

/// Formats a JSON log format `platform.report` event for `record`, as one line without the
/// newline.
///
/// `time` is the event's RFC 3339 timestamp, chosen by the caller. Durations are written with
/// every digit they have (round them first to mimic Lambda's three decimals); [`parse_line`](super::parse_line)
/// reads back exactly `record` when its durations are finite with at most three decimals and
/// its whole numbers are below 2^53.
///
/// ```
/// use analyzer::report_line::{format_json_report, parse_line, ReportRecord, ReportStatus};
/// let record = ReportRecord {
///     request_id: "r1".into(),
///     duration_ms: 1072.145,
///     billed_duration_ms: 1073,
///     memory_size_mb: 256,
///     max_memory_used_mb: 125,
///     init_duration_ms: None,
///     restore_duration_ms: None,
///     billed_restore_duration_ms: None,
///     status: Some(ReportStatus::Success),
///     error_type: None,
///     xray: None,
/// };
/// let line = format_json_report(&record, "2026-10-08T07:30:42.149Z");
/// assert_eq!(
///     line,
///     r#"{"time":"2026-10-08T07:30:42.149Z","type":"platform.report","record":{"requestId":"r1","metrics":{"durationMs":1072.145,"billedDurationMs":1073,"memorySizeMB":256,"maxMemoryUsedMB":125},"status":"success"}}"#
/// );
/// assert_eq!(parse_line(&line).unwrap(), record);
/// ```
pub fn format_json_report(record: &ReportRecord, time: &str) -> String {
    to_json(
        time,
        "platform.report",
        OutReport {
            request_id: &record.request_id,
            metrics: OutReportMetrics {
                duration_ms: record.duration_ms,
                billed_duration_ms: record.billed_duration_ms,
                memory_size_mb: record.memory_size_mb,
                max_memory_used_mb: record.max_memory_used_mb,
                init_duration_ms: record.init_duration_ms,
                restore_duration_ms: record.restore_duration_ms,
                billed_restore_duration_ms: record.billed_restore_duration_ms,
            },
            tracing: record.xray.as_ref().map(OutTracing::new),
            status: record.status.map(ReportStatus::as_str),
            error_type: record.error_type.as_deref(),
        },
    )
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(default, borrow)]
    record: Option<RawRecord<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct RawRecord<'a> {
    #[serde(borrow)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<Cow<'a, str>>,
    #[serde(borrow)]
    error_type: Option<Cow<'a, str>>,
    metrics: Option<RawMetrics>,
    #[serde(borrow)]
    tracing: Option<RawTracing<'a>>,
    #[serde(borrow)]
    initialization_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    runtime_version: Option<Cow<'a, str>>,
    #[serde(borrow)]
    runtime_version_arn: Option<Cow<'a, str>>,
    #[serde(borrow)]
    phase: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMetrics {
    #[serde(rename = "durationMs")]
    duration_ms: Option<f64>,
    #[serde(rename = "billedDurationMs")]
    billed_duration_ms: Option<f64>,
    #[serde(rename = "memorySizeMB")]
    memory_size_mb: Option<f64>,
    #[serde(rename = "maxMemoryUsedMB")]
    max_memory_used_mb: Option<f64>,
    #[serde(rename = "initDurationMs")]
    init_duration_ms: Option<f64>,
    #[serde(rename = "restoreDurationMs")]
    restore_duration_ms: Option<f64>,
    #[serde(rename = "billedRestoreDurationMs")]
    billed_restore_duration_ms: Option<f64>,
    #[serde(rename = "producedBytes")]
    produced_bytes: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawTracing<'a> {
    #[serde(borrow)]
    value: Option<Cow<'a, str>>,
}

/// Reads an `X-Amzn-Trace-Id` value (`Root=1-...;Parent=...;Sampled=1`).
fn parse_trace_header(value: &str) -> Option<XRayTrace> {
    let mut trace_id = None;
    let mut segment_id = None;
    let mut sampled = false;
    for part in value.split(';') {
        match part.trim().split_once('=') {
            Some(("Root", root)) => trace_id = Some(root.to_owned()),
            Some(("Parent", parent)) => segment_id = Some(parent.to_owned()),
            Some(("Sampled", flag)) => sampled = flag == "1",
            _ => {}
        }
    }
    Some(XRayTrace {
        trace_id: trace_id?,
        segment_id,
        sampled,
    })
}

fn json_number(field: &'static str, value: Option<f64>, text: &str) -> Result<f64, ParseError> {
    match value {
        // `abs` turns -0.0 into 0.0, which text lines can print.
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v.abs()),
        Some(v) => Err(ParseError::InvalidValue {
            field,
            value: v.to_string(),
            expected: "a non-negative number",
        }),
        None => Err(ParseError::MissingField {
            field,
            text: excerpt(text),
        }),
    }
}

fn json_whole(field: &'static str, value: f64) -> Result<u64, ParseError> {
    // Exactly representable whole numbers only: Lambda writes these fields as integers.
    const MAX_EXACT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value <= MAX_EXACT {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(value as u64)
    } else {
        Err(ParseError::InvalidValue {
            field,
            value: value.to_string(),
            expected: "a whole number",
        })
    }
}

fn json_mb(field: &'static str, value: Option<f64>, text: &str) -> Result<u32, ParseError> {
    let whole = json_whole(field, json_number(field, value, text)?)?;
    u32::try_from(whole).map_err(|_| ParseError::InvalidValue {
        field,
        value: whole.to_string(),
        expected: "a number of MB below 2^32",
    })
}

fn json_status(value: Option<&str>) -> Result<Option<ReportStatus>, ParseError> {
    value.map(str::parse).transpose()
}

fn json_initialization_type(value: Option<&str>) -> Option<InitializationType> {
    match value? {
        "on-demand" => Some(InitializationType::OnDemand),
        "provisioned-concurrency" => Some(InitializationType::ProvisionedConcurrency),
        "snap-start" => Some(InitializationType::SnapStart),
        _ => None,
    }
}

/// Parses one JSON log format line.
///
/// Returns `Ok(None)` for JSON lines that are not `platform.*` events this module reads
/// (application log lines, `platform.extension`, ...).
///
/// # Errors
///
/// [`ParseError::InvalidJson`] when the line is not JSON, and the field errors of
/// [`parse_line`](super::parse_line) when a `platform.report`, `platform.initReport` or `platform.runtimeDone`
/// event lacks a metric it must carry.
pub fn parse_json_event(line: &str) -> Result<Option<LogEvent<'_>>, ParseError> {
    let line = line.trim();
    let raw: RawEvent<'_> = serde_json::from_str(line).map_err(|err| ParseError::InvalidJson {
        message: err.to_string(),
        text: excerpt(line),
    })?;
    let record = raw.record.unwrap_or_default();
    let metrics = record.metrics.unwrap_or_default();
    let xray = record
        .tracing
        .and_then(|tracing| tracing.value)
        .and_then(|value| parse_trace_header(&value));
    let event = match raw.kind.as_ref() {
        "platform.start" => LogEvent::Start {
            request_id: record.request_id.ok_or_else(|| ParseError::MissingField {
                field: "requestId",
                text: excerpt(line),
            })?,
            version: record.version,
        },
        "platform.initStart" => LogEvent::InitStart(InitStart {
            initialization_type: json_initialization_type(record.initialization_type.as_deref()),
            function_name: record.function_name,
            function_version: record.function_version,
            runtime_version: record.runtime_version,
            runtime_version_arn: record.runtime_version_arn,
        }),
        "platform.initReport" => LogEvent::InitReport(InitReport {
            initialization_type: json_initialization_type(record.initialization_type.as_deref()),
            phase: match record.phase.as_deref() {
                Some("invoke") => InitPhase::Invoke,
                _ => InitPhase::Init,
            },
            init_duration_ms: json_number("durationMs", metrics.duration_ms, line)?,
            status: json_status(record.status.as_deref())?.unwrap_or(ReportStatus::Success),
            error_type: record.error_type,
        }),
        "platform.runtimeDone" => LogEvent::RuntimeDone(RuntimeDone {
            request_id: record.request_id.ok_or_else(|| ParseError::MissingField {
                field: "requestId",
                text: excerpt(line),
            })?,
            status: json_status(record.status.as_deref())?.unwrap_or(ReportStatus::Success),
            error_type: record.error_type,
            duration_ms: metrics
                .duration_ms
                .map(|v| json_number("durationMs", Some(v), line))
                .transpose()?,
            produced_bytes: metrics
                .produced_bytes
                .map(|v| json_whole("producedBytes", v))
                .transpose()?,
            xray,
        }),
        "platform.report" => LogEvent::Report(ReportRecord {
            request_id: record
                .request_id
                .ok_or_else(|| ParseError::MissingField {
                    field: "requestId",
                    text: excerpt(line),
                })?
                .into_owned(),
            duration_ms: json_number("durationMs", metrics.duration_ms, line)?,
            billed_duration_ms: json_whole(
                "billedDurationMs",
                json_number("billedDurationMs", metrics.billed_duration_ms, line)?,
            )?,
            memory_size_mb: json_mb("memorySizeMB", metrics.memory_size_mb, line)?,
            max_memory_used_mb: json_mb("maxMemoryUsedMB", metrics.max_memory_used_mb, line)?,
            init_duration_ms: metrics
                .init_duration_ms
                .map(|v| json_number("initDurationMs", Some(v), line))
                .transpose()?,
            restore_duration_ms: metrics
                .restore_duration_ms
                .map(|v| json_number("restoreDurationMs", Some(v), line))
                .transpose()?,
            billed_restore_duration_ms: metrics
                .billed_restore_duration_ms
                .map(|v| {
                    json_whole(
                        "billedRestoreDurationMs",
                        json_number("billedRestoreDurationMs", Some(v), line)?,
                    )
                })
                .transpose()?,
            status: json_status(record.status.as_deref())?,
            error_type: record.error_type.map(Cow::into_owned),
            xray,
        }),
        _ => return Ok(None),
    };
    Ok(Some(event))
}
