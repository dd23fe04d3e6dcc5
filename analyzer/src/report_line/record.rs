//! The records and events read from Lambda's logs, whatever form they came in.

use std::borrow::Cow;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::{ParseError, excerpt};

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

/// One line of a Lambda log that [`events`](super::events) understands.
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
