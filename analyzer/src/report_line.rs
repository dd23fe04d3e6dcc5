//! Lambda's REPORT records: parse every form Lambda emits and format the exact text line.
//!
//! Forms: text `REPORT RequestId: ...` lines (tab separated, optional `Init Duration`,
//! SnapStart `Restore Duration`, X-Ray suffix, `Status`/`Error Type`), JSON log format
//! `platform.*` events, the base64 `X-Amz-Log-Result` tail of an Invoke with `LogType=Tail`,
//! and whole mixed log streams.

use serde::{Deserialize, Serialize};

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
