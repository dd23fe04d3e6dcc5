//! `powertune gate`: compare a cold-start run with a committed baseline and fail the build on a
//! statistically significant regression.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use analyzer::coldstart::ColdStartResult;
use analyzer::gate::{
    self, Decision, GateMetric, GateOptions, GateStatistic, GateVerdict, Outcome,
};
use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::output::{Output, Style};

const AFTER_HELP: &str = "\
A configuration regressed when a two-sided Mann-Whitney U test is significant at --confidence
AND the lower bound of the bootstrap confidence interval of the increase of the statistic
exceeds max(--threshold x baseline, floor) (--decide-on estimate: the estimate itself). Take
about 60 cold starts per configuration to catch a 20% regression reliably.

Exit codes:
  0  no configuration regressed
  1  at least one configuration regressed
  2  error: unreadable file, other schema version, different configurations, too few samples

Examples:
  powertune gate --baseline coldstart-baseline.json --current powertune-out/coldstart.json
  powertune gate --baseline base.json --current cur.json --statistic p90 --threshold 10% \\
      --format github
  powertune gate --baseline base.json --current cur.json --format junit --output gate.xml";

/// `--metric`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// Init Duration (ms).
    Init,
    /// Duration of the cold invocation (ms).
    Duration,
    /// Max Memory Used (MB).
    Memory,
}

impl From<MetricArg> for GateMetric {
    fn from(value: MetricArg) -> Self {
        match value {
            MetricArg::Init => GateMetric::InitDuration,
            MetricArg::Duration => GateMetric::Duration,
            MetricArg::Memory => GateMetric::MaxMemory,
        }
    }
}

/// `--statistic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatisticArg {
    /// The median.
    Median,
    /// The 90th percentile.
    P90,
    /// The 99th percentile (needs about 100 samples per run to be stable).
    P99,
}

impl From<StatisticArg> for GateStatistic {
    fn from(value: StatisticArg) -> Self {
        match value {
            StatisticArg::Median => GateStatistic::Median,
            StatisticArg::P90 => GateStatistic::P90,
            StatisticArg::P99 => GateStatistic::P99,
        }
    }
}

/// `--decide-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DecisionArg {
    /// The point estimate of the change must exceed the threshold.
    Estimate,
    /// The whole confidence interval of the change must exceed the threshold.
    Interval,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Plain text for a terminal.
    Text,
    /// Markdown for a CI job summary.
    Markdown,
    /// GitHub Actions workflow commands (::error / ::notice annotations).
    Github,
    /// JUnit XML, one test case per configuration.
    Junit,
    /// The verdict as JSON.
    Json,
}

/// Compare a cold-start run with a baseline and fail on a significant regression.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct GateArgs {
    /// Baseline cold-start result (JSON written by `powertune coldstart`).
    #[arg(long, value_name = "FILE")]
    pub baseline: PathBuf,
    /// Current cold-start result to compare with the baseline.
    #[arg(long, value_name = "FILE")]
    pub current: PathBuf,
    /// Metric to compare.
    #[arg(long, value_enum, default_value_t = MetricArg::Init)]
    pub metric: MetricArg,
    /// Statistic of the metric to compare.
    #[arg(long, value_enum, default_value_t = StatisticArg::Median)]
    pub statistic: StatisticArg,
    /// Confidence level of the test and of the interval, between 0 and 1.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Smallest change that counts, relative to the baseline: a percentage (`5%`) or a fraction (`0.05`).
    #[arg(long, default_value = "5%", value_parser = parse_threshold, value_name = "PERCENT")]
    pub threshold: f64,
    /// Smallest change that counts for duration metrics, in ms.
    #[arg(long, default_value_t = 5.0, value_name = "MS")]
    pub floor_ms: f64,
    /// Smallest change that counts for the memory metric, in MB.
    #[arg(long, default_value_t = 1.0, value_name = "MB")]
    pub floor_mb: f64,
    /// What must exceed the threshold: the whole interval of the change (few false alarms) or its estimate (earlier detection).
    #[arg(long, value_enum, default_value_t = DecisionArg::Interval)]
    pub decide_on: DecisionArg,
    /// Seed of the bootstrap resampling (the same seed gives the same intervals).
    #[arg(long, default_value_t = GateOptions::default().seed)]
    pub seed: u64,
    /// Output format (--json means --format json).
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    pub format: FormatArg,
    /// Write the output to FILE instead of stdout (`-` is stdout).
    #[arg(long, default_value = "-", value_name = "FILE")]
    pub output: PathBuf,
}

/// Parses `5%` as 0.05 and `0.05` as 0.05.
fn parse_threshold(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let (number, scale) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (trimmed, 1.0),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage: write e.g. `5%` or `0.05`"))?;
    let fraction = value / scale;
    if fraction.is_finite() && fraction >= 0.0 {
        Ok(fraction)
    } else {
        Err(format!(
            "`{text}` is out of range: the threshold must be 0% or more"
        ))
    }
}

fn read_result(path: &Path, which: &str) -> anyhow::Result<ColdStartResult> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {which} {}", path.display()))?;
    ColdStartResult::from_json(&text).with_context(|| format!("reading {which} {}", path.display()))
}

impl GateArgs {
    /// The library options these flags ask for.
    fn options(&self) -> GateOptions {
        GateOptions {
            metric: self.metric.into(),
            statistic: self.statistic.into(),
            confidence: self.confidence,
            relative_threshold: self.threshold,
            absolute_floor_ms: self.floor_ms,
            absolute_floor_mb: self.floor_mb,
            seed: self.seed,
            decision: match self.decide_on {
                DecisionArg::Estimate => Decision::PointEstimate,
                DecisionArg::Interval => Decision::IntervalBound,
            },
        }
    }

    /// Runs the comparison; exit code 1 on a regression.
    pub fn run(self, out: &Output) -> anyhow::Result<ExitCode> {
        let baseline = read_result(&self.baseline, "baseline")?;
        let current = read_result(&self.current, "current")?;
        let verdict = gate::compare(&baseline, &current, &self.options()).with_context(|| {
            format!(
                "comparing {} with baseline {}",
                self.current.display(),
                self.baseline.display()
            )
        })?;
        let format = if out.json() {
            FormatArg::Json
        } else {
            self.format
        };
        let to_stdout = self.output.as_os_str() == "-";
        let text = render(&verdict, format, out, to_stdout);
        if to_stdout {
            out.print(&text)?;
        } else {
            std::fs::write(&self.output, &text)
                .with_context(|| format!("writing {}", self.output.display()))?;
            out.note(&format!(
                "{}; wrote {}",
                summary_line(&verdict),
                self.output.display()
            ));
        }
        Ok(if verdict.has_regression() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    }
}

fn summary_line(verdict: &GateVerdict) -> String {
    match verdict.outcome {
        Outcome::Regression => format!(
            "{} of {} configurations regressed",
            verdict.regressions().count(),
            verdict.configurations.len()
        ),
        _ => "no cold-start regression".to_owned(),
    }
}

fn render(verdict: &GateVerdict, format: FormatArg, out: &Output, to_stdout: bool) -> String {
    match format {
        FormatArg::Text => {
            let text = gate::render_text(verdict);
            if !to_stdout {
                return text;
            }
            // Colour the headline only; the rest stays plain for copying into issues.
            let (headline, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let style = if verdict.has_regression() {
                Style::Yellow
            } else {
                Style::Green
            };
            format!("{}\n{rest}", out.paint(headline, style))
        }
        FormatArg::Markdown => gate::render_markdown(verdict),
        FormatArg::Github => gate::render_github(verdict),
        FormatArg::Junit => gate::render_junit(verdict),
        FormatArg::Json => gate::render_json(verdict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_accepts_percentages_and_fractions() {
        assert_eq!(parse_threshold("5%"), Ok(0.05));
        assert_eq!(parse_threshold("0.1"), Ok(0.1));
        assert_eq!(parse_threshold(" 12.5 % "), Ok(0.125));
        assert!(parse_threshold("-1%").is_err());
        assert!(parse_threshold("five").unwrap_err().contains("`five`"));
    }
}
