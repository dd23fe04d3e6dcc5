//! Lambda's text platform lines (REPORT with its X-Ray line, START, END, INIT_START,
//! INIT_REPORT): formatted byte for byte as Lambda writes them, and parsed.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::{FromStr, SplitAsciiWhitespace};

use super::error::{ParseError, excerpt};
use super::push_fmt;
use super::record::{
    InitPhase, InitReport, InitStart, LogEvent, ReportRecord, ReportStatus, XRayTrace,
};

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

pub(super) fn parse_text_report(body: &str) -> Result<ReportRecord, ParseError> {
    let rest = strip_keyword(body, "REPORT")?;
    let fields = parse_text_fields(rest, body, Some(Field::RequestId))?;
    build_text_record(fields, body)
}

pub(super) fn parse_text_init_start(body: &str) -> Result<InitStart<'_>, ParseError> {
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

pub(super) fn parse_text_init_report(body: &str) -> Result<InitReport<'_>, ParseError> {
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
        skip_unknown_value(words, tab_separated);
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
        Field::Sampled => set_once(&mut fields.sampled, parse_sampled(value)?, field, body),
        Field::Phase => set_once(&mut fields.phase, parse_phase(value)?, field, body),
        Field::RuntimeVersion => set_once(&mut fields.runtime_version, value, field, body),
        Field::RuntimeVersionArn => set_once(&mut fields.runtime_version_arn, value, field, body),
        Field::Unknown => Ok(()),
    }
}

/// Skips the value of a field this parser does not know: in a tab separated line the rest of
/// the segment, otherwise one word and a unit if one follows.
fn skip_unknown_value(words: &mut Peekable<SplitAsciiWhitespace<'_>>, tab_separated: bool) {
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
}

/// Reads the X-Ray `Sampled` flag (`true` or `false`).
fn parse_sampled(value: &str) -> Result<bool, ParseError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(ParseError::InvalidValue {
            field: Field::Sampled.name(),
            value: excerpt(other),
            expected: "true or false",
        }),
    }
}

/// Reads the INIT_REPORT `Phase` (`init` or `invoke`).
fn parse_phase(value: &str) -> Result<InitPhase, ParseError> {
    match value {
        "init" => Ok(InitPhase::Init),
        "invoke" => Ok(InitPhase::Invoke),
        other => Err(ParseError::InvalidValue {
            field: Field::Phase.name(),
            value: excerpt(other),
            expected: "init or invoke",
        }),
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
pub(super) fn parse_start_or_end(line: &str) -> Option<LogEvent<'_>> {
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
