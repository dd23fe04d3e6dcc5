//! Whole logs: every platform event of a log export or stream, line by line, and the REPORT
//! records of an Invoke's base64 log tail.

use std::iter::Peekable;
use std::str::Lines;

use base64::Engine as _;

use super::LOG_TAIL_LIMIT_BYTES;
use super::error::{LineError, ParseError};
use super::json::parse_json_event;
use super::record::{LogEvent, ReportRecord};
use super::text::{
    parse_start_or_end, parse_text_init_report, parse_text_init_start, parse_text_report,
};

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
