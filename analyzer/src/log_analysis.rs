//! What a function's own logs say about it: invocations, cold starts, durations, memory
//! headroom, cost at the current memory size, the traffic profile and the concurrency it needs.
//!
//! The input is REPORT records with the time each was logged ([`TimedRecord`]), read from a
//! log export by [`timed_records`] or built by the caller from an API's events. Everything is
//! computed from the records alone:
//!
//! - **Durations**: [`crate::stats::summarize`] over every record's Duration, and over the Init
//!   Duration of cold starts.
//! - **Memory headroom**, at the current memory size (the size of the latest record):
//!   `(Memory Size - Max Memory Used) / Memory Size`, on the largest and on the 99th percentile
//!   of Max Memory Used.
//! - **Cost**: each record's billed duration at its memory size plus the request price
//!   ([`crate::pricing::PriceTable::record_cost_usd`]), summed, and per invocation.
//! - **Traffic**: requests per whole minute (UTC minutes from the first record's minute to the
//!   last record's, empty minutes included), as requests per second: average, peak and 95th
//!   percentile of the minutes.
//! - **Concurrency**: [`crate::concurrency::concurrency_figures`] on that per-minute series,
//!   with the mean/p95/p99 Duration, the cold-start rate and the mean Init Duration.
//!
//! ```
//! use analyzer::log_analysis::{analyze, timed_records, LogAnalysisOptions};
//! let log = "2026-10-08T07:30:00.000Z REPORT RequestId: r1\tDuration: 10.00 ms\t\
//!            Billed Duration: 10 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n";
//! let (records, errors) = timed_records(log);
//! assert!(errors.is_empty());
//! let analysis = analyze(&records, &LogAnalysisOptions::default()).unwrap();
//! assert_eq!(analysis.invocations, 1);
//! assert_eq!(analysis.memory.headroom_percent, 50.0);
//! ```

use serde::{Deserialize, Serialize};

use crate::concurrency::{
    ConcurrencyFigures, ConcurrencyInput, DownstreamLimit, DurationProfile, HOURS_PER_MONTH,
    Traffic, TrafficPoint, concurrency_figures,
};
use crate::error::{Error, Result};
use crate::pricing::PriceTable;
use crate::report_line::{LineError, LogEvent, ReportRecord, parse_line_event};
use crate::stats::{Summary, finite_sorted, quantile_sorted, summarize};
use crate::units::{Architecture, ConfigKey, MemoryMb};
use crate::warning::Warning;

/// Milliseconds in the traffic profile's bucket (one minute).
pub const BUCKET_MS: i64 = 60_000;

/// A REPORT record and when it was logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedRecord {
    /// When the record was logged, in ms since the Unix epoch, when known.
    pub timestamp_ms: Option<i64>,
    /// The record.
    pub record: ReportRecord,
}

/// Settings of [`analyze`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogAnalysisOptions {
    /// Region whose prices apply.
    pub region: String,
    /// The function's architecture (REPORT records do not name it).
    pub architecture: Architecture,
    /// A downstream request-rate limit reserved concurrency must protect, in req/s.
    pub downstream_rps: Option<f64>,
    /// Share of cold starts provisioned concurrency should remove, in `[0, 1]`.
    pub provisioned_share: f64,
    /// Fraction dropped from each end for the trimmed means.
    pub discard_top_bottom: f64,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
}

impl Default for LogAnalysisOptions {
    fn default() -> Self {
        Self {
            region: "us-east-1".to_owned(),
            architecture: Architecture::X86_64,
            downstream_rps: None,
            provisioned_share: 0.9,
            discard_top_bottom: 0.2,
            confidence: 0.95,
            seed: 7,
        }
    }
}

/// Max Memory Used against Memory Size at the current memory size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryHeadroom {
    /// The current memory size (of the latest record).
    pub memory_size_mb: MemoryMb,
    /// Records at that size.
    pub records: u64,
    /// Largest Max Memory Used, MB.
    pub max_memory_used_mb: u32,
    /// 99th percentile of Max Memory Used, MB.
    pub p99_memory_used_mb: f64,
    /// `(size - largest used) / size x 100`.
    pub headroom_percent: f64,
    /// `(size - p99 used) / size x 100`.
    pub p99_headroom_percent: f64,
}

/// On-demand cost of the logged invocations at the current memory size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostAtSize {
    /// Memory size.
    pub memory_size_mb: MemoryMb,
    /// Architecture priced.
    pub architecture: Architecture,
    /// Region priced.
    pub region: String,
    /// Invocations priced (those at the current size).
    pub invocations: u64,
    /// Their total cost, USD (no free tier).
    pub total_usd: f64,
    /// Mean cost of one invocation, USD.
    pub mean_usd_per_invocation: f64,
    /// Cost of a million such invocations, USD.
    pub usd_per_million: f64,
}

/// Requests per minute over the logged period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrafficProfile {
    /// Start of the first minute, ms since the Unix epoch.
    pub start_ms: i64,
    /// Whole minutes covered, empty ones included.
    pub minutes: u64,
    /// Records with a timestamp.
    pub requests: u64,
    /// `requests / (minutes x 60)`, req/s.
    pub average_rps: f64,
    /// Busiest minute, req/s.
    pub peak_rps: f64,
    /// 95th percentile of the minutes, req/s.
    pub p95_rps: f64,
    /// Requests in each minute, in order.
    pub per_minute: Vec<u64>,
}

/// Everything [`analyze`] computes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogAnalysis {
    /// REPORT records read.
    pub invocations: u64,
    /// Records with an Init Duration.
    pub cold_starts: u64,
    /// `cold_starts / invocations`.
    pub cold_start_rate: f64,
    /// Duration, ms.
    pub duration_ms: Summary,
    /// Init Duration of the cold starts, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_duration_ms: Option<Summary>,
    /// Memory headroom at the current size.
    pub memory: MemoryHeadroom,
    /// Cost at the current size.
    pub cost: CostAtSize,
    /// Traffic profile, when records carry timestamps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic: Option<TrafficProfile>,
    /// Concurrency figures for that traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<ConcurrencyFigures>,
    /// Conditions a reader must know.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// Parses an RFC 3339 timestamp (`2026-10-08T07:30:29.470Z`, `t`/`z` or a space as RFC 3339
/// allows, offsets `+hh:mm`) into ms since the Unix epoch, fractions below a ms truncated.
///
/// The calendar is checked (no February 31, no second 99). A leap second (`23:59:60` at the end
/// of a UTC month) reads as the last millisecond before it, since Unix time has no leap
/// seconds.
///
/// ```
/// use analyzer::log_analysis::parse_rfc3339_ms;
/// assert_eq!(parse_rfc3339_ms("1970-01-01T00:01:00.250Z"), Some(60_250));
/// assert_eq!(parse_rfc3339_ms("2026-10-08T07:30:29Z"), Some(1_791_444_629_000));
/// assert_eq!(parse_rfc3339_ms("2026-02-31T00:00:00Z"), None);
/// assert_eq!(parse_rfc3339_ms("yesterday"), None);
/// ```
pub fn parse_rfc3339_ms(text: &str) -> Option<i64> {
    // `time` accepts any character between date and time; RFC 3339 names `T`, `t` and space.
    if !matches!(text.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos().div_euclid(1_000_000)).ok()
}

/// The timestamp of a log line: the JSON log format's `time`, or a text line's leading
/// RFC 3339 word (a CloudWatch export's prefix).
fn line_timestamp_ms(line: &str) -> Option<i64> {
    let line = line.trim_start();
    if line.starts_with('{') {
        #[derive(Deserialize)]
        struct Time<'a> {
            #[serde(borrow)]
            time: Option<std::borrow::Cow<'a, str>>,
        }
        let t: Time<'_> = serde_json::from_str(line).ok()?;
        return parse_rfc3339_ms(t.time.as_deref()?);
    }
    parse_rfc3339_ms(line.split_ascii_whitespace().next()?)
}

/// Every REPORT record of a log export (text lines with or without a timestamp prefix, JSON
/// log format `platform.report` lines), with its timestamp when the line carries one, and the
/// record lines that could not be read.
pub fn timed_records(text: &str) -> (Vec<TimedRecord>, Vec<LineError>) {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((index, line)) = lines.next() {
        let parsed = if line.contains("REPORT RequestId:") {
            // Lambda writes a traced invocation's X-Ray fields on the next line.
            match lines.next_if(|(_, next)| next.trim_start().starts_with("XRAY TraceId:")) {
                Some((_, xray)) => {
                    parse_line_event(&format!("{line}\n{xray}")).map(|e| e.map(into_report))
                }
                None => parse_line_event(line).map(|e| e.map(into_report)),
            }
        } else if line.contains("platform.report") {
            parse_line_event(line).map(|e| e.map(into_report))
        } else {
            continue;
        };
        match parsed {
            Ok(Some(Some(record))) => records.push(TimedRecord {
                timestamp_ms: line_timestamp_ms(line),
                record,
            }),
            Ok(_) => {}
            Err(error) => errors.push(LineError {
                line_number: index + 1,
                error,
            }),
        }
    }
    (records, errors)
}

/// The record of a REPORT event.
fn into_report(event: LogEvent<'_>) -> Option<ReportRecord> {
    match event {
        LogEvent::Report(record) => Some(record),
        _ => None,
    }
}

fn no_records() -> Error {
    Error::InvalidOption {
        name: "log".to_owned(),
        value: "no REPORT records".to_owned(),
        expected: "at least one REPORT line (`REPORT RequestId: ...` or `platform.report`)"
            .to_owned(),
    }
}

/// The traffic profile of the records that carry a timestamp, if any do.
pub fn traffic_profile(records: &[TimedRecord]) -> Option<TrafficProfile> {
    let stamps: Vec<i64> = records.iter().filter_map(|r| r.timestamp_ms).collect();
    let first = *stamps.iter().min()?;
    let last = *stamps.iter().max()?;
    let start_ms = first.div_euclid(BUCKET_MS) * BUCKET_MS;
    let minutes = usize::try_from((last - start_ms) / BUCKET_MS + 1).ok()?;
    let mut per_minute = vec![0_u64; minutes];
    for t in &stamps {
        let i = usize::try_from((t - start_ms) / BUCKET_MS).ok()?;
        per_minute[i] += 1;
    }
    let rates: Vec<f64> = per_minute.iter().map(|&c| c as f64 / 60.0).collect();
    let sorted = finite_sorted(&rates);
    let requests = stamps.len() as u64;
    Some(TrafficProfile {
        start_ms,
        minutes: minutes as u64,
        requests,
        average_rps: requests as f64 / (minutes as f64 * 60.0),
        peak_rps: sorted.last().copied().unwrap_or(0.0),
        p95_rps: quantile_sorted(&sorted, 0.95).unwrap_or(0.0),
        per_minute,
    })
}

/// Analyzes REPORT records.
///
/// # Errors
///
/// [`Error::InvalidOption`] for no records or options out of range, [`Error::InvalidMemory`]
/// for a record whose memory size Lambda does not allow, and the price table's errors for a
/// region without prices.
pub fn analyze(records: &[TimedRecord], options: &LogAnalysisOptions) -> Result<LogAnalysis> {
    analyze_with_prices(records, options, PriceTable::builtin())
}

/// [`analyze`] with an explicit price table.
///
/// # Errors
///
/// As [`analyze`].
pub fn analyze_with_prices(
    records: &[TimedRecord],
    options: &LogAnalysisOptions,
    table: &PriceTable,
) -> Result<LogAnalysis> {
    let latest = records
        .iter()
        .enumerate()
        .max_by_key(|(i, r)| (r.timestamp_ms.unwrap_or(i64::MIN), *i))
        .map(|(_, r)| r)
        .ok_or_else(no_records)?;
    let invocations = records.len() as u64;
    let durations: Vec<f64> = records.iter().map(|r| r.record.duration_ms).collect();
    let inits: Vec<f64> = records
        .iter()
        .filter_map(|r| r.record.init_duration_ms)
        .collect();
    let cold_starts = inits.len() as u64;
    let cold_start_rate = cold_starts as f64 / invocations as f64;
    let summary = |xs: &[f64]| {
        summarize(
            xs,
            options.discard_top_bottom,
            options.confidence,
            options.seed,
        )
    };
    let duration_ms = summary(&durations).ok_or_else(no_records)?;
    let init_duration_ms = summary(&inits);

    let size = MemoryMb::try_from(latest.record.memory_size_mb)?;
    let at_size: Vec<&ReportRecord> = records
        .iter()
        .map(|r| &r.record)
        .filter(|r| r.memory_size_mb == size.get())
        .collect();
    let mut warnings = Vec::new();
    if at_size.len() < records.len() {
        warnings.push(Warning::several_memory_sizes(
            records.len() - at_size.len(),
            size,
            at_size.len(),
        ));
    }
    let memory = memory_headroom(size, &at_size);
    let cost = cost_at_size(size, &at_size, options, table)?;

    let traffic = traffic_profile(records);
    if traffic.is_none() {
        warnings.push(Warning::no_timestamps());
    } else if traffic.as_ref().is_some_and(|t| t.requests < invocations) {
        warnings.push(Warning::some_timestamps_missing());
    }
    let concurrency = match &traffic {
        Some(t) => {
            let key = ConfigKey {
                memory_mb: size,
                architecture: options.architecture,
            };
            let init_mean_ms = init_duration_ms.as_ref().map_or(0.0, |s| s.mean);
            let input =
                concurrency_input(t, key, &duration_ms, cold_start_rate, init_mean_ms, options);
            Some(concurrency_figures(&input, table)?)
        }
        None => None,
    };

    Ok(LogAnalysis {
        invocations,
        cold_starts,
        cold_start_rate,
        duration_ms,
        init_duration_ms,
        memory,
        cost,
        traffic,
        concurrency,
        warnings,
    })
}

/// Max Memory Used against `size` over the records at that size.
fn memory_headroom(size: MemoryMb, at_size: &[&ReportRecord]) -> MemoryHeadroom {
    let used: Vec<f64> = at_size
        .iter()
        .map(|r| f64::from(r.max_memory_used_mb))
        .collect();
    let used_sorted = finite_sorted(&used);
    let max_used = at_size
        .iter()
        .map(|r| r.max_memory_used_mb)
        .max()
        .unwrap_or(0);
    let p99_used = quantile_sorted(&used_sorted, 0.99).unwrap_or(0.0);
    let size_f = f64::from(size.get());
    MemoryHeadroom {
        memory_size_mb: size,
        records: at_size.len() as u64,
        max_memory_used_mb: max_used,
        p99_memory_used_mb: p99_used,
        headroom_percent: (size_f - f64::from(max_used)) / size_f * 100.0,
        p99_headroom_percent: (size_f - p99_used) / size_f * 100.0,
    }
}

/// The on-demand cost of the records at `size`.
fn cost_at_size(
    size: MemoryMb,
    at_size: &[&ReportRecord],
    options: &LogAnalysisOptions,
    table: &PriceTable,
) -> Result<CostAtSize> {
    let mut total_usd = 0.0;
    for record in at_size {
        total_usd += table.record_cost_usd(record, options.architecture, &options.region)?;
    }
    let priced = at_size.len() as u64;
    let mean_usd = if priced > 0 {
        total_usd / priced as f64
    } else {
        0.0
    };
    Ok(CostAtSize {
        memory_size_mb: size,
        architecture: options.architecture,
        region: options.region.clone(),
        invocations: priced,
        total_usd,
        mean_usd_per_invocation: mean_usd,
        usd_per_million: mean_usd * 1e6,
    })
}

/// The concurrency model's input for the per-minute traffic of a log.
fn concurrency_input(
    traffic: &TrafficProfile,
    key: ConfigKey,
    duration_ms: &Summary,
    cold_start_rate: f64,
    init_mean_ms: f64,
    options: &LogAnalysisOptions,
) -> ConcurrencyInput {
    let points = traffic
        .per_minute
        .iter()
        .enumerate()
        .map(|(i, &count)| TrafficPoint {
            t_s: i as f64 * 60.0,
            rps: count as f64 / 60.0,
        })
        .collect();
    ConcurrencyInput {
        key,
        region: options.region.clone(),
        traffic: Traffic::Series(points),
        duration: DurationProfile::from_summary(duration_ms),
        cold_start_rate,
        init_duration_ms: init_mean_ms,
        downstream_limit: options
            .downstream_rps
            .map(|rps| DownstreamLimit::MaxRps { rps }),
        cold_start_share_to_remove: options.provisioned_share,
        hours_per_month: HOURS_PER_MONTH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_line::format;

    fn record(id: usize, duration_ms: f64, used_mb: u32, init: Option<f64>) -> ReportRecord {
        ReportRecord {
            request_id: format!("r{id}"),
            duration_ms,
            billed_duration_ms: duration_ms.ceil() as u64,
            memory_size_mb: 512,
            max_memory_used_mb: used_mb,
            init_duration_ms: init,
            restore_duration_ms: None,
            billed_restore_duration_ms: None,
            status: None,
            error_type: None,
            xray: None,
        }
    }

    /// Valid timestamps and the ms the hand-written parser this one replaced gave them.
    const VALID: [(&str, i64); 16] = [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:01:00.250Z", 60_250),
        ("2026-10-08T07:30:29Z", 1_791_444_629_000),
        ("2026-10-08T07:30:29.470Z", 1_791_444_629_470),
        ("2026-10-08T07:30:29.4Z", 1_791_444_629_400),
        ("2026-10-08T07:30:29.123456789Z", 1_791_444_629_123),
        ("2026-10-08t07:30:29.470z", 1_791_444_629_470),
        ("2026-10-08 07:30:29.470Z", 1_791_444_629_470),
        ("2000-03-01T01:00:00.5+01:00", 951_868_800_500),
        ("2000-02-29T23:59:59.999-00:00", 951_868_799_999),
        ("2024-02-29T12:00:00+05:30", 1_709_188_200_000),
        ("1999-12-31T16:00:00-08:00", 946_684_800_000),
        ("1969-12-31T23:59:59.999Z", -1),
        ("1900-01-01T00:00:00Z", -2_208_988_800_000),
        ("2038-01-19T03:14:08Z", 2_147_483_648_000),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ];

    #[test]
    fn rfc3339_valid_forms_parse_as_before() {
        for (text, ms) in VALID {
            assert_eq!(parse_rfc3339_ms(text), Some(ms), "{text}");
        }
    }

    #[test]
    fn rfc3339_rejects_dates_and_times_the_calendar_does_not_have() {
        for text in [
            "2026-02-31T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-10-08T12:00:99Z",
            "2026-10-08T12:00:60Z",
            "2016-12-30T23:59:60Z",
            "2026-10-08T24:00:00Z",
            "2026-10-08T12:60:00Z",
            "2026-10-08T12:00:00+24:00",
            "2026-10-08T12:00:00+1:00",
            "2026-10-08T12:00:00",
            "2026-10-08T12:00:00Z ",
            "2026-10-08X12:00:00Z",
            "2026-10-08T12:00:00.Z",
        ] {
            assert_eq!(parse_rfc3339_ms(text), None, "{text}");
        }
    }

    #[test]
    fn rfc3339_reads_a_leap_second_as_the_millisecond_before_it() {
        let before = parse_rfc3339_ms("2016-12-31T23:59:59.999Z").unwrap();
        assert_eq!(parse_rfc3339_ms("2016-12-31T23:59:60Z"), Some(before));
        assert_eq!(parse_rfc3339_ms("2016-12-31T23:59:60.5Z"), Some(before));
        // The same instant written at another offset.
        assert_eq!(parse_rfc3339_ms("2016-12-31T18:59:60-05:00"), Some(before));
        assert_eq!(parse_rfc3339_ms("2017-01-01T05:29:60+05:30"), Some(before));
    }

    #[test]
    fn rfc3339_parses_offsets_and_fractions() {
        assert_eq!(
            parse_rfc3339_ms("2000-03-01T00:00:00Z"),
            Some(951_868_800_000)
        );
        assert_eq!(
            parse_rfc3339_ms("2000-03-01T01:00:00.5+01:00"),
            Some(951_868_800_500)
        );
        assert_eq!(parse_rfc3339_ms("2000-13-01T00:00:00Z"), None);
    }

    #[test]
    fn text_and_json_exports_give_the_same_records_and_times() {
        let r = record(1, 12.5, 100, Some(80.0));
        let text = format!("2026-01-01T00:00:30.000Z {}\nhello\n", format(&r));
        let json = format!(
            "{}\n{{\"time\":\"x\",\"type\":\"app\"}}\n",
            crate::report_line::format_json_report(&r, "2026-01-01T00:00:30.000Z")
        );
        let (a, ea) = timed_records(&text);
        let (b, eb) = timed_records(&json);
        assert!(ea.is_empty() && eb.is_empty());
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        assert_eq!(a[0].timestamp_ms, b[0].timestamp_ms);
        assert_eq!(a[0].timestamp_ms, parse_rfc3339_ms("2026-01-01T00:00:30Z"));
        assert_eq!(a[0].record.duration_ms, b[0].record.duration_ms);
    }

    #[test]
    fn analysis_counts_cold_starts_headroom_and_traffic() {
        // 3 requests in minute 0, none in minute 1, 1 in minute 2.
        let t0 = 1_000 * BUCKET_MS;
        let records: Vec<TimedRecord> = [
            (t0, 10.0, 100, Some(50.0)),
            (t0 + 1_000, 20.0, 200, None),
            (t0 + 2_000, 30.0, 256, None),
            (t0 + 2 * BUCKET_MS + 5, 40.0, 128, None),
        ]
        .iter()
        .enumerate()
        .map(|(i, &(t, d, u, init))| TimedRecord {
            timestamp_ms: Some(t),
            record: record(i, d, u, init),
        })
        .collect();
        let a = analyze(&records, &LogAnalysisOptions::default()).unwrap();
        assert_eq!(a.invocations, 4);
        assert_eq!(a.cold_starts, 1);
        assert_eq!(a.cold_start_rate, 0.25);
        assert_eq!(a.duration_ms.mean, 25.0);
        assert_eq!(a.memory.max_memory_used_mb, 256);
        assert_eq!(a.memory.headroom_percent, 50.0);
        let t = a.traffic.unwrap();
        assert_eq!(t.per_minute, vec![3, 0, 1]);
        assert_eq!(t.peak_rps, 3.0 / 60.0);
        assert!((t.average_rps - 4.0 / 180.0).abs() < 1e-12);
        let c = a.concurrency.unwrap();
        assert_eq!(c.needed.len(), 6);
        assert!(a.cost.total_usd > 0.0);
    }

    #[test]
    fn no_records_is_an_error() {
        assert!(analyze(&[], &LogAnalysisOptions::default()).is_err());
    }
}
