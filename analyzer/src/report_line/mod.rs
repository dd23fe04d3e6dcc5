//! Lambda's REPORT records: parse every form Lambda emits and format the exact text line.
//!
//! Forms: text `REPORT RequestId: ...` lines (tab separated, optional `Init Duration`,
//! SnapStart `Restore Duration`, X-Ray suffix, `Status`/`Error Type`), JSON log format
//! `platform.*` events, the base64 `X-Amz-Log-Result` tail of an Invoke with `LogType=Tail`,
//! and whole mixed log streams.
//!
//! - Parse: [`parse_line`] (one REPORT record, text or JSON), [`parse_line_event`] and
//!   [`parse_json_event`] (any platform line: START, END, INIT_START, INIT_REPORT, REPORT and
//!   their `platform.*` counterparts), [`events`] and [`records`] (whole logs, borrowing their
//!   lines), [`parse_log_tail`] (the base64 tail of an Invoke).
//! - Format, byte for byte as Lambda writes them: [`format()`], [`format_start`],
//!   [`format_end`], [`format_init_start`], [`format_init_report`], and the JSON log format's
//!   [`format_json_start`], [`format_json_report`], [`format_json_runtime_done`],
//!   [`format_json_init_start`], [`format_json_init_report`]. JSON events take their RFC 3339
//!   timestamp from the caller: this module reads no clock.
//!
//! The layouts follow real Lambda output collected in `analyzer/tests/fixtures/report-lines/`.
//!
//! Text lines carry durations with two decimals, so `parse_line(&format(&r)) == r` holds for
//! every record whose durations are finite, non-negative and have at most two decimals. The
//! JSON forms keep three decimals and more (see [`format_json_report`]).
//!
//! ```
//! use analyzer::report_line::{format, parse_line, ReportRecord};
//!
//! let line = "REPORT RequestId: bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb\tDuration: 395.99 ms\t\
//!             Billed Duration: 662 ms\tMemory Size: 512 MB\tMax Memory Used: 301 MB\t\
//!             Init Duration: 265.72 ms\t";
//! let record = parse_line(line).unwrap();
//! assert_eq!(record.duration_ms, 395.99);
//! assert_eq!(record.billed_duration_ms, 662);
//! assert_eq!(record.init_duration_ms, Some(265.72));
//! assert!(record.is_cold_start());
//! // Formatting writes the line back byte for byte.
//! assert_eq!(format(&record), line);
//!
//! // Whole logs: everything that is not a record is skipped.
//! let log = "START RequestId: r1 Version: $LATEST\nhello from the handler\nEND RequestId: r1\n\
//!            REPORT RequestId: r1\tDuration: 1.50 ms\tBilled Duration: 2 ms\t\
//!            Memory Size: 128 MB\tMax Memory Used: 20 MB\t\n";
//! let records: Vec<ReportRecord> =
//!     analyzer::report_line::records(log).collect::<Result<_, _>>().unwrap();
//! assert_eq!(records.len(), 1);
//! assert_eq!(records[0].request_id, "r1");
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;
use std::iter::Peekable;
use std::str::{FromStr, Lines, SplitAsciiWhitespace};

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Size of the log tail Lambda returns in `X-Amz-Log-Result` (the last 4 KB of the log).
///
/// A decoded tail this long may start in the middle of a line; [`parse_log_tail`] skips that
/// first line.
pub const LOG_TAIL_LIMIT_BYTES: usize = 4096;

/// One invocation's REPORT record, whatever form it was read from.
///
/// Durations are milliseconds as Lambda prints them (text lines carry two decimals, JSON
/// events up to three); billed durations are whole milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    /// The invocation's request id.
    pub request_id: String,
    /// Time the handler ran, in ms.
    pub duration_ms: f64,
    /// Billed time in whole ms (includes Init Duration on cold starts since 2025-08-01).
    pub billed_duration_ms: u64,
    /// Configured memory size in MB.
    pub memory_size_mb: u32,
    /// Peak memory used by the environment in MB.
    pub max_memory_used_mb: u32,
    /// Init phase duration in ms, present on cold starts only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<f64>,
    /// SnapStart restore duration in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore_duration_ms: Option<f64>,
    /// SnapStart billed restore duration in whole ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billed_restore_duration_ms: Option<u64>,
    /// The invocation's outcome when the record states one (`Status:` field or JSON `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ReportStatus>,
    /// Lambda's error type (`Runtime.ExitError`, `Runtime.OutOfMemory`, ...) when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The X-Ray suffix of a traced invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xray: Option<XRayTrace>,
}

impl ReportRecord {
    /// Whether this invocation started a new execution environment (has an Init Duration).
    pub fn is_cold_start(&self) -> bool {
        self.init_duration_ms.is_some()
    }
}

/// The outcome a REPORT record states (`Status:` field of newer text lines, JSON `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportStatus {
    /// The invocation succeeded.
    Success,
    /// The invocation ran past its timeout.
    Timeout,
    /// The invocation failed (see [`ReportRecord::error_type`]).
    Error,
    /// The platform failed the invocation (JSON `status: "failure"`, e.g. a runtime that
    /// could not start).
    Failure,
}

impl ReportStatus {
    /// The word Lambda writes (`success`, `timeout`, `error`, `failure`).
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Success => "success",
            ReportStatus::Timeout => "timeout",
            ReportStatus::Error => "error",
            ReportStatus::Failure => "failure",
        }
    }
}

impl FromStr for ReportStatus {
    type Err = ParseError;

    /// Reads Lambda's status word, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, ParseError> {
        [
            ReportStatus::Success,
            ReportStatus::Timeout,
            ReportStatus::Error,
            ReportStatus::Failure,
        ]
        .into_iter()
        .find(|status| status.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| ParseError::InvalidValue {
            field: "Status",
            value: excerpt(s),
            expected: "success, timeout, error or failure",
        })
    }
}

/// The X-Ray fields Lambda appends to a traced invocation's REPORT line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XRayTrace {
    /// `XRAY TraceId`.
    pub trace_id: String,
    /// `SegmentId`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    /// `Sampled`.
    pub sampled: bool,
}

/// How an execution environment was initialized (JSON `initializationType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InitializationType {
    /// `on-demand`: the environment was started for an invocation.
    #[serde(rename = "on-demand")]
    OnDemand,
    /// `provisioned-concurrency`: the environment was started ahead of invocations.
    #[serde(rename = "provisioned-concurrency")]
    ProvisionedConcurrency,
    /// `snap-start`: the environment was restored from a SnapStart snapshot.
    #[serde(rename = "snap-start")]
    SnapStart,
}

/// A `platform.initStart` event: an execution environment begins its init phase.
#[derive(Debug, Clone, PartialEq)]
pub struct InitStart<'a> {
    /// How the environment is initialized; `None` when the event names a type this parser
    /// does not know.
    pub initialization_type: Option<InitializationType>,
    /// The function's name, when stated.
    pub function_name: Option<Cow<'a, str>>,
    /// The function version being initialized (`$LATEST`, `3`), when stated.
    pub function_version: Option<Cow<'a, str>>,
    /// The runtime version (`nodejs:22.mainline.v122`), when stated.
    pub runtime_version: Option<Cow<'a, str>>,
    /// The runtime version's ARN, when stated.
    pub runtime_version_arn: Option<Cow<'a, str>>,
}

/// The phase an init ran in: `init` for a normal init, `invoke` for a suppressed init (the
/// environment re-initialized inside an invocation after a crash or timeout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InitPhase {
    /// The environment's own init phase.
    Init,
    /// A suppressed init, run inside an invocation and counted against its timeout.
    Invoke,
}

impl InitPhase {
    /// The word Lambda writes (`init`, `invoke`).
    pub fn as_str(self) -> &'static str {
        match self {
            InitPhase::Init => "init",
            InitPhase::Invoke => "invoke",
        }
    }
}

/// A `platform.initReport` event: the init phase's outcome and duration.
#[derive(Debug, Clone, PartialEq)]
pub struct InitReport<'a> {
    /// How the environment was initialized, when stated and known (JSON only).
    pub initialization_type: Option<InitializationType>,
    /// The phase the init ran in (`init` when not stated).
    pub phase: InitPhase,
    /// Duration of the init phase in ms (`metrics.durationMs`, text `Init Duration`).
    pub init_duration_ms: f64,
    /// Outcome of the init phase.
    pub status: ReportStatus,
    /// Error type of a failed init, when stated.
    pub error_type: Option<Cow<'a, str>>,
}

/// A `platform.runtimeDone` event: the runtime finished the invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeDone<'a> {
    /// The invocation's request id.
    pub request_id: Cow<'a, str>,
    /// Outcome of the invocation.
    pub status: ReportStatus,
    /// Error type of a failed invocation, when stated.
    pub error_type: Option<Cow<'a, str>>,
    /// Time the runtime spent on the invocation in ms (`metrics.durationMs`), when stated.
    pub duration_ms: Option<f64>,
    /// Bytes of response the runtime produced (`metrics.producedBytes`), when stated.
    pub produced_bytes: Option<u64>,
    /// The invocation's X-Ray trace, when traced.
    pub xray: Option<XRayTrace>,
}

/// One line of a Lambda log that [`events`] understands.
#[derive(Debug, Clone, PartialEq)]
pub enum LogEvent<'a> {
    /// `START RequestId: ... Version: ...` or `platform.start`.
    Start {
        /// The invocation's request id.
        request_id: Cow<'a, str>,
        /// The function version invoked, when stated.
        version: Option<Cow<'a, str>>,
    },
    /// `END RequestId: ...`.
    End {
        /// The invocation's request id.
        request_id: Cow<'a, str>,
    },
    /// `platform.initStart` or a text `INIT_START` line.
    InitStart(InitStart<'a>),
    /// `platform.initReport` or a text `INIT_REPORT` line.
    InitReport(InitReport<'a>),
    /// `platform.runtimeDone`.
    RuntimeDone(RuntimeDone<'a>),
    /// A text REPORT line (with its X-Ray line, if any) or `platform.report`.
    Report(ReportRecord),
}

/// Why a line could not be read as a REPORT record or log event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The text is not a REPORT record in any known form.
    #[error("not a REPORT record: `{text}`")]
    NotAReport {
        /// The offending text (shortened).
        text: String,
    },
    /// A required field is absent.
    #[error("missing {field} field in `{text}`")]
    MissingField {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// A field name is not followed by a value.
    #[error("{field} has no value in `{text}`")]
    MissingValue {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// A field's value is not what Lambda writes there.
    #[error("invalid {field} value `{value}`: expected {expected}")]
    InvalidValue {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The rejected value (shortened).
        value: String,
        /// What the field accepts.
        expected: &'static str,
    },
    /// A value is not followed by its unit.
    #[error("{field} value `{value}` is followed by `{found}` instead of the unit `{unit}`")]
    MissingUnit {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The value before the missing unit.
        value: String,
        /// The unit Lambda writes after this field.
        unit: &'static str,
        /// What followed the value instead (empty at the end of the line).
        found: String,
    },
    /// A field appears more than once.
    #[error("{field} appears twice in `{text}`")]
    DuplicateField {
        /// The field's name as Lambda writes it.
        field: &'static str,
        /// The offending text (shortened).
        text: String,
    },
    /// Text where a `Name: value` field should start.
    #[error("unexpected text `{found}` in `{text}`: expected a `Name: value` field")]
    UnexpectedText {
        /// The unexpected words.
        found: String,
        /// The whole offending text (shortened).
        text: String,
    },
    /// A JSON log event that is not valid JSON or not shaped like Lambda's event.
    #[error("invalid JSON log event ({message}): `{text}`")]
    InvalidJson {
        /// What the JSON parser reported.
        message: String,
        /// The offending text (shortened).
        text: String,
    },
    /// An `X-Amz-Log-Result` value that is not base64.
    #[error("invalid base64 in the log tail: {message}")]
    InvalidBase64 {
        /// What the decoder reported.
        message: String,
    },
}

/// A [`ParseError`] with the 1-based number of the line it occurred on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line_number}: {error}")]
pub struct LineError {
    /// 1-based line number in the text given to [`events`] or [`records`].
    pub line_number: usize,
    /// What went wrong (already part of this error's message, so not its `source`).
    pub error: ParseError,
}

/// Longest excerpt of offending text kept in an error, in bytes.
const EXCERPT_MAX_BYTES: usize = 160;

fn excerpt(text: &str) -> String {
    if text.len() <= EXCERPT_MAX_BYTES {
        return text.to_owned();
    }
    let mut end = EXCERPT_MAX_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

// ---------------------------------------------------------------------------------------------
// Formatting.

fn push_fmt(out: &mut String, args: std::fmt::Arguments<'_>) {
    out.write_fmt(args)
        .expect("writing to a String cannot fail");
}

/// Formats the text REPORT line Lambda writes for `record`, without the final newline.
///
/// Fields are tab separated in Lambda's order: `Duration`, `Billed Duration`, `Memory Size`,
/// `Max Memory Used`, then `Init Duration`, `Restore Duration`, `Billed Restore Duration`,
/// `Status` and `Error Type` when present. Durations are printed with two decimals.
///
/// As in Lambda's own logs, a line without a status ends with a tab after its last field,
/// while a line that states `Status:` (a timeout or an error) does not. A traced
/// invocation's X-Ray fields follow on a second line of the same log event
/// (`\nXRAY TraceId: ...\tSegmentId: ...\tSampled: true`).
///
/// ```
/// use analyzer::report_line::{format, ReportRecord, ReportStatus};
/// let mut record = ReportRecord {
///     request_id: "r1".into(),
///     duration_ms: 1.5,
///     billed_duration_ms: 2,
///     memory_size_mb: 128,
///     max_memory_used_mb: 20,
///     init_duration_ms: None,
///     restore_duration_ms: None,
///     billed_restore_duration_ms: None,
///     status: None,
///     error_type: None,
///     xray: None,
/// };
/// assert_eq!(
///     format(&record),
///     "REPORT RequestId: r1\tDuration: 1.50 ms\tBilled Duration: 2 ms\t\
///      Memory Size: 128 MB\tMax Memory Used: 20 MB\t"
/// );
/// record.status = Some(ReportStatus::Timeout);
/// assert!(format(&record).ends_with("Max Memory Used: 20 MB\tStatus: timeout"));
/// ```
pub fn format(record: &ReportRecord) -> String {
    let mut out = String::with_capacity(192);
    push_fmt(
        &mut out,
        format_args!(
            "REPORT RequestId: {}\tDuration: {:.2} ms\tBilled Duration: {} ms\t\
             Memory Size: {} MB\tMax Memory Used: {} MB",
            record.request_id,
            record.duration_ms,
            record.billed_duration_ms,
            record.memory_size_mb,
            record.max_memory_used_mb
        ),
    );
    if let Some(init) = record.init_duration_ms {
        push_fmt(&mut out, format_args!("\tInit Duration: {init:.2} ms"));
    }
    if let Some(restore) = record.restore_duration_ms {
        push_fmt(
            &mut out,
            format_args!("\tRestore Duration: {restore:.2} ms"),
        );
    }
    if let Some(billed) = record.billed_restore_duration_ms {
        push_fmt(
            &mut out,
            format_args!("\tBilled Restore Duration: {billed} ms"),
        );
    }
    if let Some(status) = record.status {
        push_fmt(&mut out, format_args!("\tStatus: {}", status.as_str()));
    }
    if let Some(error_type) = &record.error_type {
        push_fmt(&mut out, format_args!("\tError Type: {error_type}"));
    }
    if record.status.is_none() && record.error_type.is_none() {
        out.push('\t');
    }
    if let Some(xray) = &record.xray {
        push_fmt(&mut out, format_args!("\nXRAY TraceId: {}", xray.trace_id));
        if let Some(segment) = &xray.segment_id {
            push_fmt(&mut out, format_args!("\tSegmentId: {segment}"));
        }
        push_fmt(&mut out, format_args!("\tSampled: {}", xray.sampled));
    }
    out
}

/// Formats the text `INIT_START` line Lambda writes when an execution environment starts,
/// without the newline: `INIT_START Runtime Version: <version>\tRuntime Version ARN: <arn>`
/// (each part only when stated).
pub fn format_init_start(init: &InitStart<'_>) -> String {
    let mut out = String::from("INIT_START");
    let mut separator = " ";
    if let Some(version) = &init.runtime_version {
        push_fmt(
            &mut out,
            format_args!("{separator}Runtime Version: {version}"),
        );
        separator = "\t";
    }
    if let Some(arn) = &init.runtime_version_arn {
        push_fmt(
            &mut out,
            format_args!("{separator}Runtime Version ARN: {arn}"),
        );
    }
    out
}

/// Formats the text `INIT_REPORT` line Lambda writes for an init that failed or timed out,
/// without the newline:
/// `INIT_REPORT Init Duration: 0.79 ms\tPhase: init\tStatus: error\tError Type: ...`.
///
/// ```
/// use analyzer::report_line::{format_init_report, parse_line_event, InitPhase, InitReport,
///     LogEvent, ReportStatus};
/// let report = InitReport {
///     initialization_type: None,
///     phase: InitPhase::Invoke,
///     init_duration_ms: 0.61,
///     status: ReportStatus::Error,
///     error_type: Some("Runtime.InvalidEntrypoint".into()),
/// };
/// let line = format_init_report(&report);
/// assert_eq!(
///     line,
///     "INIT_REPORT Init Duration: 0.61 ms\tPhase: invoke\tStatus: error\t\
///      Error Type: Runtime.InvalidEntrypoint"
/// );
/// assert_eq!(parse_line_event(&line).unwrap(), Some(LogEvent::InitReport(report)));
/// ```
pub fn format_init_report(report: &InitReport<'_>) -> String {
    let mut out = String::with_capacity(96);
    push_fmt(
        &mut out,
        format_args!(
            "INIT_REPORT Init Duration: {:.2} ms\tPhase: {}\tStatus: {}",
            report.init_duration_ms,
            report.phase.as_str(),
            report.status.as_str()
        ),
    );
    if let Some(error_type) = &report.error_type {
        push_fmt(&mut out, format_args!("\tError Type: {error_type}"));
    }
    out
}

/// Formats the text START line Lambda writes before an invocation, without the newline:
/// `START RequestId: <id> Version: <version>`.
///
/// ```
/// assert_eq!(
///     analyzer::report_line::format_start("r1", "$LATEST"),
///     "START RequestId: r1 Version: $LATEST"
/// );
/// ```
pub fn format_start(request_id: &str, version: &str) -> String {
    format!("START RequestId: {request_id} Version: {version}")
}

/// Formats the text END line Lambda writes after an invocation, without the newline:
/// `END RequestId: <id>`.
pub fn format_end(request_id: &str) -> String {
    format!("END RequestId: {request_id}")
}

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
/// every digit they have (round them first to mimic Lambda's three decimals); [`parse_line`]
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

// ---------------------------------------------------------------------------------------------
// Text REPORT lines.

/// The fields of Lambda's text platform lines (REPORT, INIT_START, INIT_REPORT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    RequestId,
    Duration,
    BilledDuration,
    MemorySize,
    MaxMemoryUsed,
    InitDuration,
    RestoreDuration,
    BilledRestoreDuration,
    Status,
    ErrorType,
    TraceId,
    SegmentId,
    Sampled,
    Phase,
    RuntimeVersion,
    RuntimeVersionArn,
    Unknown,
}

/// Every known field with the words of its name (as Lambda writes them, without the colon).
const FIELDS: [(Field, &str); 16] = [
    (Field::RequestId, "RequestId"),
    (Field::Duration, "Duration"),
    (Field::BilledDuration, "Billed Duration"),
    (Field::MemorySize, "Memory Size"),
    (Field::MaxMemoryUsed, "Max Memory Used"),
    (Field::InitDuration, "Init Duration"),
    (Field::RestoreDuration, "Restore Duration"),
    (Field::BilledRestoreDuration, "Billed Restore Duration"),
    (Field::Status, "Status"),
    (Field::ErrorType, "Error Type"),
    (Field::TraceId, "XRAY TraceId"),
    (Field::SegmentId, "SegmentId"),
    (Field::Sampled, "Sampled"),
    (Field::Phase, "Phase"),
    (Field::RuntimeVersion, "Runtime Version"),
    (Field::RuntimeVersionArn, "Runtime Version ARN"),
];

/// Most words a field name has (`Billed Restore Duration`); more means the text is not a
/// field.
const MAX_FIELD_NAME_WORDS: usize = 3;

/// Units that may follow the value of a field this parser does not know.
const UNKNOWN_FIELD_UNITS: [&str; 6] = ["ms", "MB", "KB", "GB", "s", "%"];

impl Field {
    fn classify(name: &str) -> Field {
        for (field, words) in FIELDS {
            if name == words {
                return field;
            }
        }
        // Several spaces between words: compare word by word.
        if name.contains("  ") || name.bytes().any(|b| b != b' ' && b.is_ascii_whitespace()) {
            for (field, words) in FIELDS {
                if name.split_ascii_whitespace().eq(words.split(' ')) {
                    return field;
                }
            }
        }
        Field::Unknown
    }

    fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(field, _)| *field == self)
            .map_or("unknown", |(_, name)| name)
    }
}

#[derive(Default)]
struct TextFields<'a> {
    request_id: Option<&'a str>,
    duration_ms: Option<f64>,
    billed_duration_ms: Option<u64>,
    memory_size_mb: Option<u32>,
    max_memory_used_mb: Option<u32>,
    init_duration_ms: Option<f64>,
    restore_duration_ms: Option<f64>,
    billed_restore_duration_ms: Option<u64>,
    status: Option<ReportStatus>,
    error_type: Option<&'a str>,
    trace_id: Option<&'a str>,
    segment_id: Option<&'a str>,
    sampled: Option<bool>,
    phase: Option<InitPhase>,
    runtime_version: Option<&'a str>,
    runtime_version_arn: Option<&'a str>,
}

fn set_once<T>(slot: &mut Option<T>, value: T, field: Field, text: &str) -> Result<(), ParseError> {
    if slot.is_some() {
        return Err(ParseError::DuplicateField {
            field: field.name(),
            text: excerpt(text),
        });
    }
    *slot = Some(value);
    Ok(())
}

/// Reads a decimal number of milliseconds (`395.99`, `800`): digits with at most one point.
fn parse_decimal(field: Field, value: &str) -> Result<f64, ParseError> {
    let invalid = || ParseError::InvalidValue {
        field: field.name(),
        value: excerpt(value),
        expected: "a decimal number such as 395.99",
    };
    let mut digits = 0usize;
    let mut points = 0usize;
    for b in value.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return Err(invalid()),
        }
    }
    if digits == 0 || points > 1 {
        return Err(invalid());
    }
    value.parse::<f64>().map_err(|_| invalid())
}

/// Reads a whole number (`662`): ASCII digits only.
fn parse_whole<T: FromStr>(field: Field, value: &str) -> Result<T, ParseError> {
    let invalid = || ParseError::InvalidValue {
        field: field.name(),
        value: excerpt(value),
        expected: "a whole number",
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    value.parse::<T>().map_err(|_| invalid())
}

/// Byte offset of `part` inside `whole`; `part` must be a subslice of `whole`.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

/// Parses one REPORT record: a text `REPORT RequestId: ...` line or a JSON log format
/// `platform.report` event.
///
/// Text lines may use tabs (as Lambda writes them) or spaces (as web pages show them) between
/// fields, may end in CRLF, and may carry their X-Ray fields after a newline or a tab. Fields
/// this parser does not know are skipped. Durations have two decimals in text lines, so
/// `parse_line(&format(&r)) == r` holds when `r`'s durations have at most two decimals.
///
/// # Errors
///
/// [`ParseError`] naming the field and the offending text when the line is not a REPORT
/// record, misses a required field (`Duration`, `Billed Duration`, `Memory Size`,
/// `Max Memory Used`), has a value that is not a number, or is not valid JSON.
pub fn parse_line(line: &str) -> Result<ReportRecord, ParseError> {
    let body = line.trim();
    if body.starts_with('{') {
        return match parse_json_event(body)? {
            Some(LogEvent::Report(record)) => Ok(record),
            _ => Err(ParseError::NotAReport {
                text: excerpt(body),
            }),
        };
    }
    parse_text_report(body)
}

/// Parses one log line of any form [`events`] reads (text START/END/REPORT/INIT_START/
/// INIT_REPORT, JSON `platform.*`, either with a CloudWatch timestamp prefix).
///
/// Returns `Ok(None)` for lines that are not Lambda platform lines (application output).
///
/// # Errors
///
/// The [`ParseError`] of a platform line that cannot be read.
pub fn parse_line_event(line: &str) -> Result<Option<LogEvent<'_>>, ParseError> {
    match classify(line.trim()) {
        Some((kind, body)) => parse_classified(kind, body),
        None => Ok(None),
    }
}

fn parse_classified(kind: LineKind, body: &str) -> Result<Option<LogEvent<'_>>, ParseError> {
    let body = body.trim();
    match kind {
        LineKind::StartOrEnd => Ok(parse_start_or_end(body)),
        LineKind::Json => parse_json_event(body),
        LineKind::Report => parse_text_report(body).map(|r| Some(LogEvent::Report(r))),
        LineKind::InitStart => parse_text_init_start(body).map(|i| Some(LogEvent::InitStart(i))),
        LineKind::InitReport => parse_text_init_report(body).map(|i| Some(LogEvent::InitReport(i))),
    }
}

/// Strips the leading keyword (`REPORT`, `INIT_REPORT`, ...) of a text platform line.
fn strip_keyword<'a>(body: &'a str, keyword: &str) -> Result<&'a str, ParseError> {
    match body.strip_prefix(keyword) {
        Some(rest) if rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace()) => {
            Ok(rest)
        }
        _ => Err(ParseError::NotAReport {
            text: excerpt(body),
        }),
    }
}

fn parse_text_report(body: &str) -> Result<ReportRecord, ParseError> {
    let rest = strip_keyword(body, "REPORT")?;
    let fields = parse_text_fields(rest, body, Some(Field::RequestId))?;
    build_text_record(fields, body)
}

fn parse_text_init_start(body: &str) -> Result<InitStart<'_>, ParseError> {
    let rest = strip_keyword(body, "INIT_START")?;
    let fields = parse_text_fields(rest, body, None)?;
    Ok(InitStart {
        initialization_type: None,
        function_name: None,
        function_version: None,
        runtime_version: fields.runtime_version.map(Cow::Borrowed),
        runtime_version_arn: fields.runtime_version_arn.map(Cow::Borrowed),
    })
}

fn parse_text_init_report(body: &str) -> Result<InitReport<'_>, ParseError> {
    let rest = strip_keyword(body, "INIT_REPORT")?;
    let fields = parse_text_fields(rest, body, None)?;
    let missing = |field: Field| ParseError::MissingField {
        field: field.name(),
        text: excerpt(body),
    };
    Ok(InitReport {
        initialization_type: None,
        phase: fields.phase.unwrap_or(InitPhase::Init),
        init_duration_ms: fields
            .init_duration_ms
            .ok_or_else(|| missing(Field::InitDuration))?,
        status: fields.status.ok_or_else(|| missing(Field::Status))?,
        error_type: fields.error_type.map(Cow::Borrowed),
    })
}

/// Reads the `Name: value [unit]` fields of a text platform line after its keyword.
fn parse_text_fields<'a>(
    text: &'a str,
    body: &str,
    first_field: Option<Field>,
) -> Result<TextFields<'a>, ParseError> {
    let tab_separated = text.contains('\t');
    let mut fields = TextFields::default();
    let mut first = true;
    for segment in text.split(['\t', '\n', '\r']) {
        let mut words = segment.split_ascii_whitespace().peekable();
        while let Some(start) = words.next() {
            let field = read_field_name(segment, start, &mut words, body)?;
            if first && first_field.is_some_and(|expected| expected != field) {
                return Err(ParseError::NotAReport {
                    text: excerpt(body),
                });
            }
            first = false;
            read_field_value(field, &mut words, tab_separated, &mut fields, body)?;
        }
    }
    Ok(fields)
}

/// Reads the words of a field name up to the one ending in `:`.
fn read_field_name<'a>(
    segment: &'a str,
    start: &'a str,
    words: &mut Peekable<SplitAsciiWhitespace<'a>>,
    body: &str,
) -> Result<Field, ParseError> {
    let name_start = offset_in(segment, start);
    let mut word = start;
    let mut count = 1;
    while !word.ends_with(':') {
        match words.next() {
            Some(next) if count < MAX_FIELD_NAME_WORDS => {
                word = next;
                count += 1;
            }
            _ => {
                let end = offset_in(segment, word) + word.len();
                return Err(ParseError::UnexpectedText {
                    found: excerpt(segment.get(name_start..end).unwrap_or(word)),
                    text: excerpt(body),
                });
            }
        }
    }
    let name_end = offset_in(segment, word) + word.len() - 1;
    Ok(Field::classify(
        segment.get(name_start..name_end).unwrap_or_default(),
    ))
}

fn read_field_value<'a>(
    field: Field,
    words: &mut Peekable<SplitAsciiWhitespace<'a>>,
    tab_separated: bool,
    fields: &mut TextFields<'a>,
    body: &str,
) -> Result<(), ParseError> {
    if field == Field::Unknown {
        // Skip the value of a field this parser does not know: in a tab separated line the
        // rest of the segment, otherwise one word and a unit if one follows.
        if tab_separated {
            words.for_each(drop);
        } else if words.peek().is_some_and(|w| !w.ends_with(':')) {
            words.next();
            if words
                .peek()
                .is_some_and(|w| UNKNOWN_FIELD_UNITS.contains(w))
            {
                words.next();
            }
        }
        return Ok(());
    }
    let value = match words.next() {
        Some(value) if !value.ends_with(':') => value,
        _ => {
            return Err(ParseError::MissingValue {
                field: field.name(),
                text: excerpt(body),
            });
        }
    };
    let mut unit = |unit: &'static str| -> Result<(), ParseError> {
        match words.next() {
            Some(found) if found == unit => Ok(()),
            found => Err(ParseError::MissingUnit {
                field: field.name(),
                value: excerpt(value),
                unit,
                found: excerpt(found.unwrap_or_default()),
            }),
        }
    };
    match field {
        Field::RequestId => set_once(&mut fields.request_id, value, field, body),
        Field::Duration => {
            let ms = parse_decimal(field, value)?;
            unit("ms")?;
            set_once(&mut fields.duration_ms, ms, field, body)
        }
        Field::BilledDuration => {
            let ms = parse_whole(field, value)?;
            unit("ms")?;
            set_once(&mut fields.billed_duration_ms, ms, field, body)
        }
        Field::MemorySize => {
            let mb = parse_whole(field, value)?;
            unit("MB")?;
            set_once(&mut fields.memory_size_mb, mb, field, body)
        }
        Field::MaxMemoryUsed => {
            let mb = parse_whole(field, value)?;
            unit("MB")?;
            set_once(&mut fields.max_memory_used_mb, mb, field, body)
        }
        Field::InitDuration => {
            let ms = parse_decimal(field, value)?;
            unit("ms")?;
            set_once(&mut fields.init_duration_ms, ms, field, body)
        }
        Field::RestoreDuration => {
            let ms = parse_decimal(field, value)?;
            unit("ms")?;
            set_once(&mut fields.restore_duration_ms, ms, field, body)
        }
        Field::BilledRestoreDuration => {
            let ms = parse_whole(field, value)?;
            unit("ms")?;
            set_once(&mut fields.billed_restore_duration_ms, ms, field, body)
        }
        Field::Status => set_once(&mut fields.status, value.parse()?, field, body),
        Field::ErrorType => set_once(&mut fields.error_type, value, field, body),
        Field::TraceId => set_once(&mut fields.trace_id, value, field, body),
        Field::SegmentId => set_once(&mut fields.segment_id, value, field, body),
        Field::Sampled => {
            let sampled = match value {
                "true" => true,
                "false" => false,
                other => {
                    return Err(ParseError::InvalidValue {
                        field: field.name(),
                        value: excerpt(other),
                        expected: "true or false",
                    });
                }
            };
            set_once(&mut fields.sampled, sampled, field, body)
        }
        Field::Phase => {
            let phase = match value {
                "init" => InitPhase::Init,
                "invoke" => InitPhase::Invoke,
                other => {
                    return Err(ParseError::InvalidValue {
                        field: field.name(),
                        value: excerpt(other),
                        expected: "init or invoke",
                    });
                }
            };
            set_once(&mut fields.phase, phase, field, body)
        }
        Field::RuntimeVersion => set_once(&mut fields.runtime_version, value, field, body),
        Field::RuntimeVersionArn => set_once(&mut fields.runtime_version_arn, value, field, body),
        Field::Unknown => Ok(()),
    }
}

fn build_text_record(fields: TextFields<'_>, body: &str) -> Result<ReportRecord, ParseError> {
    let missing = |field: Field| ParseError::MissingField {
        field: field.name(),
        text: excerpt(body),
    };
    // An X-Ray suffix without its TraceId or Sampled field (a truncated log event) does not
    // cost the record its measurements: it is dropped, not guessed.
    let xray = match (fields.trace_id, fields.sampled) {
        (Some(trace_id), Some(sampled)) => Some(XRayTrace {
            trace_id: trace_id.to_owned(),
            segment_id: fields.segment_id.map(str::to_owned),
            sampled,
        }),
        _ => None,
    };
    Ok(ReportRecord {
        request_id: fields
            .request_id
            .ok_or_else(|| missing(Field::RequestId))?
            .to_owned(),
        duration_ms: fields.duration_ms.ok_or_else(|| missing(Field::Duration))?,
        billed_duration_ms: fields
            .billed_duration_ms
            .ok_or_else(|| missing(Field::BilledDuration))?,
        memory_size_mb: fields
            .memory_size_mb
            .ok_or_else(|| missing(Field::MemorySize))?,
        max_memory_used_mb: fields
            .max_memory_used_mb
            .ok_or_else(|| missing(Field::MaxMemoryUsed))?,
        init_duration_ms: fields.init_duration_ms,
        restore_duration_ms: fields.restore_duration_ms,
        billed_restore_duration_ms: fields.billed_restore_duration_ms,
        status: fields.status,
        error_type: fields.error_type.map(str::to_owned),
        xray,
    })
}

/// Reads a text `START RequestId: <id> Version: <version>` or `END RequestId: <id>` line.
fn parse_start_or_end(line: &str) -> Option<LogEvent<'_>> {
    let mut words = line.split_ascii_whitespace();
    let kind = words.next()?;
    if words.next()? != "RequestId:" {
        return None;
    }
    let request_id = Cow::Borrowed(words.next()?);
    match kind {
        "START" => {
            let version = match words.next() {
                Some("Version:") => words.next().map(Cow::Borrowed),
                _ => None,
            };
            Some(LogEvent::Start {
                request_id,
                version,
            })
        }
        "END" => Some(LogEvent::End { request_id }),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON log format events.

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
/// [`parse_line`] when a `platform.report`, `platform.initReport` or `platform.runtimeDone`
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

// ---------------------------------------------------------------------------------------------
// Whole logs.

/// What a log line looks like before it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Report,
    StartOrEnd,
    InitStart,
    InitReport,
    Json,
}

/// Classifies a line without a timestamp prefix, looking only at its first bytes.
fn classify_bare(line: &str) -> Option<LineKind> {
    match line.as_bytes().first()? {
        b'R' if line.starts_with("REPORT RequestId:") => Some(LineKind::Report),
        b'S' if line.starts_with("START RequestId:") => Some(LineKind::StartOrEnd),
        b'E' if line.starts_with("END RequestId:") => Some(LineKind::StartOrEnd),
        b'I' if line.starts_with("INIT_START ") => Some(LineKind::InitStart),
        b'I' if line.starts_with("INIT_REPORT ") => Some(LineKind::InitReport),
        // Only Lambda's own events are parsed; application JSON lines are skipped cheaply.
        b'{' if line.contains("\"platform.") => Some(LineKind::Json),
        _ => None,
    }
}

/// Most words of timestamp prefix a line may carry before a record: CloudWatch exports put a
/// timestamp, `aws logs tail` a timestamp and the log stream name.
const MAX_PREFIX_WORDS: usize = 2;

/// Classifies a line, looking past a timestamp prefix (words starting with a digit).
fn classify(line: &str) -> Option<(LineKind, &str)> {
    if let Some(kind) = classify_bare(line) {
        return Some((kind, line));
    }
    if !line.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let mut rest = line;
    for _ in 0..MAX_PREFIX_WORDS {
        if !rest.as_bytes().first()?.is_ascii_digit() {
            return None;
        }
        let end = rest.find([' ', '\t'])?;
        rest = rest[end..].trim_start_matches([' ', '\t']);
        if let Some(kind) = classify_bare(rest) {
            return Some((kind, rest));
        }
    }
    None
}

/// Iterator over the [`LogEvent`]s of a log; see [`events`].
#[derive(Debug, Clone)]
pub struct Events<'a> {
    lines: Peekable<Lines<'a>>,
    line_number: usize,
}

impl<'a> Iterator for Events<'a> {
    type Item = Result<LogEvent<'a>, LineError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.lines.next()?;
            self.line_number += 1;
            let Some((kind, body)) = classify(line.trim_start()) else {
                continue;
            };
            let line_number = self.line_number;
            let at = |error| LineError { line_number, error };
            let event = if kind == LineKind::Report {
                // Lambda writes the X-Ray fields of a traced invocation on the next line of
                // the same log event.
                let xray = self
                    .lines
                    .next_if(|next| next.trim_start().starts_with("XRAY TraceId:"));
                let parsed = match xray {
                    Some(xray) => {
                        self.line_number += 1;
                        parse_text_report(&format!("{}\n{}", body.trim(), xray.trim()))
                    }
                    None => parse_text_report(body.trim()),
                };
                parsed.map(LogEvent::Report).map_err(at)
            } else {
                match parse_classified(kind, body) {
                    Ok(Some(event)) => Ok(event),
                    Ok(None) => continue,
                    Err(error) => Err(at(error)),
                }
            };
            return Some(event);
        }
    }
}

/// Every [`LogEvent`] of a whole log, in order, skipping everything else.
///
/// Reads text START/END/REPORT lines (with the X-Ray line that may follow a REPORT), JSON log
/// format `platform.*` events, and both with a CloudWatch export's timestamp prefix (one or
/// two words starting with a digit, e.g. `2026-10-08T07:30:29.470Z` or a timestamp and the
/// log stream name). Application output, other JSON lines and CRLF line ends are tolerated.
/// Lines are borrowed, not copied: only records are allocated.
///
/// A record line that cannot be read yields an `Err` with its line number; iteration goes on.
pub fn events(text: &str) -> Events<'_> {
    Events {
        lines: text.lines().peekable(),
        line_number: 0,
    }
}

/// Every REPORT record of a whole log (text lines and `platform.report` events), in order.
///
/// See [`events`] for what is read and skipped.
pub fn records(text: &str) -> impl Iterator<Item = Result<ReportRecord, LineError>> + '_ {
    events(text).filter_map(|event| match event {
        Ok(LogEvent::Report(record)) => Some(Ok(record)),
        Ok(_) => None,
        Err(err) => Some(Err(err)),
    })
}

/// Decodes the base64 `X-Amz-Log-Result` of an Invoke with `LogType=Tail` and returns the
/// REPORT record(s) it holds, in order.
///
/// The value holds the last 4 KB of the invocation's log ([`LOG_TAIL_LIMIT_BYTES`]). When the
/// decoded log is that long, its first line may start mid-line, so it is skipped rather than
/// risk reading a cut line as a record. Invalid UTF-8 (a character cut at the boundary) is
/// replaced, not rejected.
///
/// # Errors
///
/// [`ParseError::InvalidBase64`] when the value is not base64, or the first error of a
/// REPORT record that cannot be read.
pub fn parse_log_tail(base64: &str) -> Result<Vec<ReportRecord>, ParseError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64.trim())
        .map_err(|err| ParseError::InvalidBase64 {
            message: err.to_string(),
        })?;
    let text = String::from_utf8_lossy(&bytes);
    let text = if bytes.len() >= LOG_TAIL_LIMIT_BYTES {
        text.split_once('\n').map_or("", |(_, rest)| rest)
    } else {
        &text
    };
    records(text)
        .map(|record| record.map_err(|err| err.error))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ReportRecord {
        ReportRecord {
            request_id: "bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb".into(),
            duration_ms: 395.99,
            billed_duration_ms: 662,
            memory_size_mb: 512,
            max_memory_used_mb: 301,
            init_duration_ms: Some(265.72),
            restore_duration_ms: None,
            billed_restore_duration_ms: None,
            status: None,
            error_type: None,
            xray: None,
        }
    }

    #[test]
    fn formats_the_2025_cold_start_line_byte_for_byte() {
        assert_eq!(
            format(&record()),
            "REPORT RequestId: bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb\tDuration: 395.99 ms\t\
             Billed Duration: 662 ms\tMemory Size: 512 MB\tMax Memory Used: 301 MB\t\
             Init Duration: 265.72 ms\t"
        );
    }

    #[test]
    fn formats_status_error_type_and_xray_in_lambda_order() {
        let mut r = record();
        r.init_duration_ms = None;
        r.status = Some(ReportStatus::Error);
        r.error_type = Some("Runtime.ExitError".into());
        r.xray = Some(XRayTrace {
            trace_id: "1-5e1b4151-5ac6c58f5b5dbd6a6f3e1b9c".into(),
            segment_id: Some("2c5b1f6d0e3a4b7c".into()),
            sampled: true,
        });
        assert_eq!(
            format(&r),
            "REPORT RequestId: bf5f58db-ef7d-4cb2-b3c6-266eba1bbedb\tDuration: 395.99 ms\t\
             Billed Duration: 662 ms\tMemory Size: 512 MB\tMax Memory Used: 301 MB\t\
             Status: error\tError Type: Runtime.ExitError\n\
             XRAY TraceId: 1-5e1b4151-5ac6c58f5b5dbd6a6f3e1b9c\tSegmentId: 2c5b1f6d0e3a4b7c\t\
             Sampled: true"
        );
        assert_eq!(parse_line(&format(&r)).unwrap(), r);
    }

    #[test]
    fn formats_start_and_end_lines() {
        assert_eq!(format_start("r1", "3"), "START RequestId: r1 Version: 3");
        assert_eq!(format_end("r1"), "END RequestId: r1");
    }

    #[test]
    fn rejects_a_value_without_its_unit() {
        let err = parse_line(
            "REPORT RequestId: r1\tDuration: 1.00\tBilled Duration: 1 ms\tMemory Size: 128 MB\t\
             Max Memory Used: 1 MB\t",
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                ParseError::MissingUnit {
                    field: "Duration",
                    unit: "ms",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn error_messages_name_the_field_and_the_text() {
        let err = parse_line(
            "REPORT RequestId: r1\tDuration: abc ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t\
             Max Memory Used: 1 MB\t",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "invalid Duration value `abc`: expected a decimal number such as 395.99"
        );
        let err = parse_line("REPORT RequestId: r1\tDuration: 1.00 ms\t")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("missing Billed Duration field in `REPORT"),
            "{err}"
        );
    }

    #[test]
    fn classify_skips_application_lines_with_three_prefix_words() {
        assert_eq!(
            classify("2024-01-01T00:00:00.000Z\t1d2c\tINFO\tREPORT RequestId: x"),
            None
        );
        assert_eq!(
            classify("2024-01-01T00:00:00.000Z REPORT RequestId: x").map(|(k, _)| k),
            Some(LineKind::Report)
        );
    }
}
