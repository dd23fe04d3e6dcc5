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
//!
//! One file per form: the record and event types in `record.rs`, text lines in `text.rs`
//! (format and parse side by side, so `parse_line(&format(&r)) == r` is kept in one place), the
//! JSON log format in `json.rs`, whole logs and the Invoke tail in `log.rs`, errors in
//! `error.rs`.

use std::fmt::Write as _;

mod error;
mod json;
mod log;
mod record;
mod text;

pub use error::{LineError, ParseError};
pub use json::{
    format_json_init_report, format_json_init_start, format_json_report, format_json_runtime_done,
    format_json_start, parse_json_event,
};
pub use log::{Events, events, parse_line_event, parse_log_tail, records};
pub use record::{
    InitPhase, InitReport, InitStart, InitializationType, LogEvent, ReportRecord, ReportStatus,
    RuntimeDone, XRayTrace,
};
pub use text::{format, format_end, format_init_report, format_init_start, format_start};

use error::excerpt;

/// Size of the log tail Lambda returns in `X-Amz-Log-Result` (the last 4 KB of the log).
///
/// A decoded tail this long may start in the middle of a line; [`parse_log_tail`] skips that
/// first line.
pub const LOG_TAIL_LIMIT_BYTES: usize = 4096;

fn push_fmt(out: &mut String, args: std::fmt::Arguments<'_>) {
    out.write_fmt(args)
        .expect("writing to a String cannot fail");
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
    text::parse_text_report(body)
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
}
