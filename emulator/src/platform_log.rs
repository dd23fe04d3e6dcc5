//! The lines Lambda's platform writes into a function's log stream: `INIT_START`,
//! `INIT_REPORT`, `START`, `END` and `REPORT` in the text format, or the `platform.initStart`,
//! `platform.initReport`, `platform.start` and `platform.report` events of the JSON log format,
//! chosen by the function's [`LogFormat`].
//!
//! Every platform line of an on-demand invocation and of a provisioned environment's init goes
//! through [`PlatformLog`], and every line is formatted by [`analyzer::report_line`], so that
//! what the emulator writes and what the analyzer parses are one definition.

use analyzer::report_line::{self, InitReport, InitStart, InitializationType, ReportRecord};

use crate::clock::UtcTime;
use crate::environments::LogSink;
use crate::registry::{FunctionConfig, LogFormat};

/// The current time as JSON log events and timeout lines state it.
pub(crate) fn now_iso() -> String {
    UtcTime::now().iso8601_millis()
}

/// Writes the platform's lines of one environment's log stream in its function's log format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlatformLog<'a> {
    sink: &'a LogSink,
    format: LogFormat,
}

impl<'a> PlatformLog<'a> {
    /// A writer into `sink` in `format`.
    pub(crate) fn new(sink: &'a LogSink, format: LogFormat) -> Self {
        Self { sink, format }
    }

    fn json(&self) -> bool {
        self.format == LogFormat::Json
    }

    /// The start of an environment's init phase: `INIT_START Runtime Version: ...`, or
    /// `platform.initStart` with its initialization type.
    pub(crate) fn init_start(&self, kind: InitializationType, config: &FunctionConfig) {
        let init = InitStart {
            initialization_type: Some(kind),
            function_name: Some(config.name.as_str().into()),
            function_version: Some(config.version.as_str().into()),
            runtime_version: Some(config.runtime.as_str().into()),
            runtime_version_arn: None,
        };
        self.sink.line(if self.json() {
            report_line::format_json_init_start(&init, &now_iso())
        } else {
            report_line::format_init_start(&init)
        });
    }

    /// The outcome of a failed init phase: `INIT_REPORT ...` or `platform.initReport`.
    pub(crate) fn init_report(&self, report: &InitReport<'_>) {
        self.sink.line(if self.json() {
            report_line::format_json_init_report(report, &now_iso())
        } else {
            report_line::format_init_report(report)
        });
    }

    /// The start of an invocation: `START RequestId: ... Version: ...` or `platform.start`.
    pub(crate) fn start(&self, request_id: &str, version: &str) {
        self.sink.line(if self.json() {
            report_line::format_json_start(request_id, version, &now_iso())
        } else {
            report_line::format_start(request_id, version)
        });
    }

    /// The end of an invocation: `END RequestId: ...` (the JSON log format has no such event).
    pub(crate) fn end(&self, request_id: &str) {
        if !self.json() {
            self.sink.line(report_line::format_end(request_id));
        }
    }

    /// The invocation's `REPORT` line or `platform.report` event.
    pub(crate) fn report(&self, record: &ReportRecord) {
        self.sink.line(if self.json() {
            report_line::format_json_report(record, &now_iso())
        } else {
            report_line::format(record)
        });
    }

    /// A line of the platform's own text (a runtime exit, a timeout), the same in both formats.
    pub(crate) fn text(&self, line: String) {
        self.sink.line(line);
    }
}
