//! `powertune logs`: what a function's REPORT lines say about it (invocations, cold starts,
//! durations, memory headroom, cost, traffic and concurrency), read from CloudWatch Logs or
//! from a log export.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use analyzer::log_analysis::{LogAnalysis, LogAnalysisOptions, TimedRecord, analyze};
use analyzer::report_line::parse_line_event;
use analyzer::units::Architecture;
use anyhow::{Context, bail};
use clap::Args;

use crate::output::{Output, Style};
use crate::plan::typed;
use crate::table::{Column, Table, Width};

const AFTER_HELP: &str = "\
Reads the REPORT lines of /aws/lambda/NAME with FilterLogEvents (text logs and the JSON log
format's platform.report events), or of a log export (--file; `-` reads stdin). Text exports
carry each line's timestamp as their first word; JSON lines their `time` field. The traffic
profile counts requests per UTC minute.

Exit codes:
  0  success
  2  error (bad usage, no such log group, no REPORT lines)

Examples:
  powertune logs --function my-function --since 24h --region eu-west-1
  powertune logs --file export.txt --downstream-rps 200 --json
  aws logs filter-log-events --log-group-name /aws/lambda/f --output text | powertune logs --file -";

/// Analyze a function's REPORT lines: from CloudWatch Logs (--function) or a file (--file).
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct LogsArgs {
    /// Read the log group /aws/lambda/NAME of a deployed function.
    #[arg(
        long,
        value_name = "NAME",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    pub function: Option<String>,
    /// Read a log export (text or JSON lines); `-` reads stdin.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// How far back to read: a number and s, m, h or d.
    #[arg(long, default_value = "24h", value_name = "DURATION")]
    pub since: String,
    /// AWS region (default: from the environment or profile; us-east-1 prices for --file).
    #[arg(long)]
    pub region: Option<String>,
    /// AWS profile to use.
    #[arg(long, requires = "function")]
    pub profile: Option<String>,
    /// CloudWatch Logs endpoint URL to use instead of AWS's.
    #[arg(long, value_name = "URL", requires = "function")]
    pub endpoint_url: Option<String>,
    /// The function's architecture, for its prices.
    #[arg(
        long,
        default_value = "x86_64",
        value_name = "ARCH",
        value_parser = typed::<Architecture>("--architecture arm64")
    )]
    pub architecture: Architecture,
    /// Largest request rate a downstream accepts, in req/s: sizes reserved concurrency.
    #[arg(long, value_name = "RPS")]
    pub downstream_rps: Option<f64>,
    /// Share of cold starts provisioned concurrency should remove, between 0 and 1.
    #[arg(long, default_value_t = 0.9, value_name = "SHARE")]
    pub provisioned_share: f64,
}

/// Parses `30s`, `15m`, `24h`, `7d`.
fn parse_since(text: &str) -> anyhow::Result<Duration> {
    let t = text.trim();
    let (number, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = number
        .parse()
        .with_context(|| format!("--since {text}: expected a number and s, m, h or d, e.g. 24h"))?;
    let unit_s: u64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" | "" => 3600,
        "d" => 86_400,
        _ => bail!("--since {text}: expected a number and s, m, h or d, e.g. 24h"),
    };
    let secs = n
        .checked_mul(unit_s)
        .with_context(|| format!("--since {text}: too long"))?;
    Ok(Duration::from_secs(secs))
}

impl LogsArgs {
    /// Runs the command.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let architecture = self.architecture;
        if !(0.0..=1.0).contains(&self.provisioned_share) {
            bail!(
                "--provisioned-share {}: must be between 0 and 1, e.g. 0.9",
                self.provisioned_share
            );
        }
        if let Some(rps) = self.downstream_rps
            && !(rps.is_finite() && rps > 0.0)
        {
            bail!("--downstream-rps {rps}: must be a positive number of requests per second");
        }
        let since = parse_since(&self.since)?;
        let (records, region) = match &self.file {
            Some(path) => (self.read_file(path, out)?, self.region.clone()),
            None => {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .context("starting the async runtime")?;
                let (records, region) = runtime.block_on(self.read_cloudwatch(since, out))?;
                (records, Some(region))
            }
        };
        let options = LogAnalysisOptions {
            region: region.unwrap_or_else(|| "us-east-1".to_owned()),
            architecture,
            downstream_rps: self.downstream_rps,
            provisioned_share: self.provisioned_share,
            ..LogAnalysisOptions::default()
        };
        let analysis = analyze(&records, &options).context("analyzing the REPORT lines")?;
        if out.json() {
            let json =
                serde_json::to_string_pretty(&analysis).context("serializing the analysis")?;
            out.print(&json)?;
        } else {
            out.print(&table(out, &analysis))?;
        }
        Ok(ExitCode::SUCCESS)
    }

    fn read_file(&self, path: &std::path::Path, out: &Output) -> anyhow::Result<Vec<TimedRecord>> {
        let text = if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the log from stdin")?;
            text
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading --file {}", path.display()))?
        };
        let (records, errors) = analyzer::log_analysis::timed_records(&text);
        report_errors(out, errors.len(), errors.first().map(ToString::to_string));
        Ok(records)
    }

    async fn read_cloudwatch(
        &self,
        since: Duration,
        out: &Output,
    ) -> anyhow::Result<(Vec<TimedRecord>, String)> {
        let function = self
            .function
            .clone()
            .context("--function or --file is required")?;
        let name = function.rsplit(':').next().unwrap_or(&function).to_owned();
        let (config, region) = crate::aws::aws_config(
            self.region.as_deref(),
            self.profile.as_deref(),
            self.endpoint_url.as_deref(),
        )
        .await?;
        let client = aws_sdk_cloudwatchlogs::Client::new(&config);
        let group = format!("/aws/lambda/{name}");
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let start_ms = now_ms.saturating_sub(i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
        let mut records = Vec::new();
        let mut bad = 0_usize;
        let mut first_bad = None;
        // Text REPORT lines or the JSON log format's platform.report events.
        {
            let pattern = "?\"REPORT RequestId\" ?\"platform.report\"";
            let mut pages = client
                .filter_log_events()
                .log_group_name(&group)
                .start_time(start_ms)
                .filter_pattern(pattern)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| {
                    let e = e.into_service_error();
                    if e.is_resource_not_found_exception() {
                        anyhow::anyhow!(
                            "no log group {group} in {region}: check --function and --region (a function that never ran has no log group)"
                        )
                    } else {
                        anyhow::anyhow!(e).context(format!("reading {group}"))
                    }
                })?;
                for event in page.events() {
                    let Some(message) = event.message() else {
                        continue;
                    };
                    match parse_line_event(message) {
                        Ok(Some(analyzer::report_line::LogEvent::Report(record))) => {
                            records.push(TimedRecord {
                                timestamp_ms: event.timestamp(),
                                record,
                            });
                        }
                        Ok(_) => {}
                        Err(err) => {
                            bad += 1;
                            first_bad.get_or_insert_with(|| err.to_string());
                        }
                    }
                }
            }
        }
        report_errors(out, bad, first_bad);
        out.note(&format!(
            "read {} REPORT records from {group}",
            records.len()
        ));
        Ok((records, region))
    }
}

fn report_errors(out: &Output, count: usize, first: Option<String>) {
    if let Some(first) = first {
        out.note_in(
            &format!("warning: {count} REPORT line(s) could not be read; the first: {first}"),
            Style::Yellow,
        );
    }
}

fn table(out: &Output, a: &LogAnalysis) -> String {
    // Keys padded to 28 characters, values as they come: one line per figure.
    let mut t = Table::new(vec![
        Column::left(Width::AtLeast(28)),
        Column::left(Width::Fit),
    ])
    .indent(2)
    .gap(1);
    invocations(&mut t, a);
    memory_and_cost(&mut t, a);
    if let Some(traffic) = &a.traffic {
        t.heading("Traffic (per minute)");
        t.row(["minutes".to_owned(), traffic.minutes.to_string()]);
        t.row([
            "req/s (avg/p95/peak)".to_owned(),
            format!(
                "{:.3} / {:.3} / {:.3}",
                traffic.average_rps, traffic.p95_rps, traffic.peak_rps
            ),
        ]);
    }
    if let Some(figures) = &a.concurrency {
        concurrency(&mut t, figures);
    }
    let mut s = t.render(out);
    for w in &a.warnings {
        s.push_str(&out.paint(&format!("warning: {}", w.message), Style::Yellow));
        s.push('\n');
    }
    s
}

/// Invocations, cold starts and durations.
fn invocations(t: &mut Table, a: &LogAnalysis) {
    let four = |s: &analyzer::stats::Summary| {
        format!(
            "{:.2} / {:.2} / {:.2} / {:.2}",
            s.mean, s.median, s.p95, s.p99
        )
    };
    t.heading("Invocations");
    t.row(["invocations".to_owned(), a.invocations.to_string()]);
    t.row([
        "cold starts".to_owned(),
        format!("{} ({:.2}%)", a.cold_starts, a.cold_start_rate * 100.0),
    ]);
    t.row([
        "duration ms (mean/p50/p95/p99)".to_owned(),
        four(&a.duration_ms),
    ]);
    if let Some(init) = &a.init_duration_ms {
        t.row(["init ms (mean/p50/p95/p99)".to_owned(), four(init)]);
    }
}

/// Memory headroom and the cost of the logged invocations.
fn memory_and_cost(t: &mut Table, a: &LogAnalysis) {
    let m = &a.memory;
    t.heading("Memory");
    t.row(["memory size".to_owned(), format!("{} MB", m.memory_size_mb)]);
    t.row([
        "max memory used (max/p99)".to_owned(),
        format!(
            "{} MB / {:.1} MB",
            m.max_memory_used_mb, m.p99_memory_used_mb
        ),
    ]);
    t.row([
        "headroom (max/p99)".to_owned(),
        format!(
            "{:.1}% / {:.1}%",
            m.headroom_percent, m.p99_headroom_percent
        ),
    ]);
    let c = &a.cost;
    t.heading("Cost");
    t.row([
        "logged invocations".to_owned(),
        format!(
            "{:.6} USD ({} {} in {})",
            c.total_usd, c.memory_size_mb, c.architecture, c.region
        ),
    ]);
    t.row([
        "per million".to_owned(),
        format!("{:.4} USD", c.usd_per_million),
    ]);
}

/// Concurrency needed, reserved and provisioned, each with its formula.
fn concurrency(t: &mut Table, fig: &analyzer::concurrency::ConcurrencyFigures) {
    t.heading("Concurrency");
    for f in &fig.needed {
        t.row([f.name.clone(), format!("{:.2}  ({})", f.value, f.formula)]);
    }
    if let Some(r) = &fig.reserved {
        let f = &r.reserved_concurrency;
        t.row([f.name.clone(), format!("{}  ({})", f.value, f.formula)]);
        let f = &r.throttled_rps_at_peak;
        t.row([f.name.clone(), format!("{:.3} req/s", f.value)]);
    }
    let p = &fig.provisioned;
    for f in [
        &p.provisioned_concurrency,
        &p.cold_starts_removed_share,
        &p.on_demand_monthly_usd,
        &p.with_provisioned_monthly_usd,
        &p.utilization,
        &p.break_even_utilization,
    ] {
        t.row([f.name.clone(), format!("{:.4} {}", f.value, f.unit)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_units() {
        assert_eq!(parse_since("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_since("24h").unwrap(), Duration::from_secs(86_400));
        assert_eq!(parse_since("7d").unwrap(), Duration::from_secs(604_800));
        assert!(parse_since("soon").is_err());
        assert!(parse_since("99999999999999999d").is_err());
    }
}
