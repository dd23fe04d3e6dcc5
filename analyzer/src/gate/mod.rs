//! Cold-start regression verdicts: does the current run differ from the baseline significantly
//! and by more than the noise threshold.
//!
//! For each configuration (matched by memory size and architecture) [`compare`] estimates the
//! change of one statistic (median, p90 or p99) of one metric (Init Duration, Duration or Max
//! Memory Used) as `current - baseline`, with a seeded percentile-bootstrap confidence
//! interval of that difference, and tests it with a two-sided Mann-Whitney U test.
//!
//! # Decision rule
//!
//! A configuration **regressed** when both hold:
//!
//! 1. the Mann-Whitney two-sided p-value is below `1 - confidence` (the runs differ), and
//! 2. the *lower* bound of the two-sided `confidence` bootstrap interval of the increase
//!    (`current - baseline` of the statistic) exceeds the threshold
//!    `max(relative_threshold x baseline statistic, absolute floor)`.
//!
//! It **improved** when the test is significant and the *upper* bound is below minus the
//! threshold. Otherwise it is unchanged. [`Decision::PointEstimate`] replaces the bound by the
//! point estimate.
//!
//! The Mann-Whitney test compares whole distributions (is a current cold start likely to be
//! slower than a baseline one?), whichever statistic is gated. A change confined to the tail
//! (p99 up, median unchanged) can therefore stay below significance with few samples; gate
//! tail statistics with at least [`GateStatistic::samples_for_stable_estimate`] samples.
//!
//! Why the interval bound and not the point estimate: with the point estimate, pure noise
//! fails a comparison whenever the test happens to be significant in the slower direction,
//! about `(1 - confidence) / 2` of the time (2.5% at 95%) however many samples are taken, and
//! a gate compares every configuration on every build: with six configurations about one
//! build in seven would fail on noise, and a gate that cries wolf gets switched off. The bound
//! keeps false alarms near zero and flags few changes at the threshold; it pays with
//! detection, which more samples buy back. Measured on synthetic lognormal Init Durations
//! (median 180 ms, log-sd 0.15, threshold 9 ms), 400 baseline/current pairs per cell,
//! regressions flagged:
//!
//! | samples per run, rule | no change | +5% | +10% | +20% | +30 ms |
//! |---|---:|---:|---:|---:|---:|
//! | 30, interval bound | 0.0% | 2.3% | 16% | 82% | 68% |
//! | 30, point estimate | 2.8% | 23% | 66% | 99% | 98% |
//! | 60, interval bound | 0.0% | 2.3% | 26% | 98% | 92% |
//! | 60, point estimate | 1.8% | 35% | 89% | 100% | 100% |
//!
//! So: take 60 cold starts per configuration for the default rule to catch a 20% regression
//! 49 times in 50. `analyzer/tests/it/gate.rs` re-measures a smaller version of this table.
//!
//! This module decides and stays free of output formats: [`render`] turns a [`GateVerdict`]
//! into text for people ([`render_text`]), a CI job summary ([`render_markdown`]), GitHub
//! Actions workflow commands ([`render_github`]), JUnit XML ([`render_junit`]) and JSON
//! ([`render_json`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::coldstart::resampling;
use crate::coldstart::{ColdStartConfiguration, ColdStartResult, describe_key};
use crate::error::{Error, Result};
use crate::stats::ConfidenceInterval;
use crate::units::ConfigKey;
use crate::warning::Warning;

pub mod render;

pub use render::{
    escape_github_data, escape_github_property, escape_xml, render_github, render_json,
    render_junit, render_markdown, render_text,
};

/// The gate's error type: the analyzer's [`Error`] (mismatched configurations, schema version,
/// no samples, too few samples, invalid options).
pub type GateError = Error;

/// Which measurement the gate compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GateMetric {
    /// Init Duration in ms.
    #[default]
    InitDuration,
    /// Handler duration of the cold invocation in ms.
    Duration,
    /// Max Memory Used in MB.
    MaxMemory,
}

impl GateMetric {
    /// Name as people read it.
    pub fn label(self) -> &'static str {
        match self {
            GateMetric::InitDuration => "init duration",
            GateMetric::Duration => "duration",
            GateMetric::MaxMemory => "max memory used",
        }
    }

    /// Unit of the metric's values.
    pub fn unit(self) -> &'static str {
        match self {
            GateMetric::InitDuration | GateMetric::Duration => "ms",
            GateMetric::MaxMemory => "MB",
        }
    }

    /// The metric's value of each sample of `config`.
    pub(crate) fn values(self, config: &ColdStartConfiguration) -> Vec<f64> {
        config
            .samples
            .iter()
            .map(|s| match self {
                GateMetric::InitDuration => s.init_duration_ms,
                GateMetric::Duration => s.duration_ms,
                GateMetric::MaxMemory => f64::from(s.max_memory_used_mb),
            })
            .collect()
    }
}

impl FromStr for GateMetric {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "init" | "init-duration" | "init_duration" => Ok(GateMetric::InitDuration),
            "duration" => Ok(GateMetric::Duration),
            "memory" | "max-memory" | "max_memory" => Ok(GateMetric::MaxMemory),
            _ => Err(Error::InvalidOption {
                name: "metric".to_owned(),
                value: s.to_owned(),
                expected: "`init`, `duration` or `memory`".to_owned(),
            }),
        }
    }
}

impl fmt::Display for GateMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which statistic of the metric the gate compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GateStatistic {
    /// The median (50th percentile).
    #[default]
    Median,
    /// The 90th percentile.
    P90,
    /// The 99th percentile.
    P99,
}

impl GateStatistic {
    /// The quantile in `[0, 1]`.
    pub fn quantile(self) -> f64 {
        match self {
            GateStatistic::Median => 0.5,
            GateStatistic::P90 => 0.9,
            GateStatistic::P99 => 0.99,
        }
    }

    /// Name as people read it.
    pub fn label(self) -> &'static str {
        match self {
            GateStatistic::Median => "median",
            GateStatistic::P90 => "p90",
            GateStatistic::P99 => "p99",
        }
    }

    /// Samples per run below which this percentile is essentially the largest sample
    /// (`ceil(1 / (1 - q))`): 2 for the median, 10 for p90, 100 for p99.
    pub fn samples_for_stable_estimate(self) -> usize {
        match self {
            GateStatistic::Median => 2,
            GateStatistic::P90 => 10,
            GateStatistic::P99 => 100,
        }
    }
}

impl FromStr for GateStatistic {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "median" | "p50" => Ok(GateStatistic::Median),
            "p90" => Ok(GateStatistic::P90),
            "p99" => Ok(GateStatistic::P99),
            _ => Err(Error::InvalidOption {
                name: "statistic".to_owned(),
                value: s.to_owned(),
                expected: "`median`, `p90` or `p99`".to_owned(),
            }),
        }
    }
}

impl fmt::Display for GateStatistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How the gate decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GateOptions {
    /// The metric compared (default Init Duration).
    pub metric: GateMetric,
    /// The statistic compared (default the median).
    pub statistic: GateStatistic,
    /// Confidence level of the test and of the interval, in `(0, 1)` (default 0.95).
    pub confidence: f64,
    /// Smallest change that counts, as a fraction of the baseline statistic (default 0.05).
    pub relative_threshold: f64,
    /// Smallest change that counts for duration metrics, in ms (default 5 ms).
    pub absolute_floor_ms: f64,
    /// Smallest change that counts for Max Memory Used, in MB (default 1 MB).
    pub absolute_floor_mb: f64,
    /// Seed of the bootstrap resampling.
    pub seed: u64,
    /// What must exceed the threshold (default the interval bound; see the module docs).
    #[serde(default)]
    pub decision: Decision,
}

/// What must exceed the threshold for a significant change to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The interval bound nearest zero (the lower bound for an increase; the default): false
    /// alarms near zero, detection that grows with the number of samples.
    #[default]
    IntervalBound,
    /// The point estimate of the change: earlier detection, but about `(1 - confidence) / 2`
    /// false alarms per comparison on unchanged code.
    PointEstimate,
}

impl Default for GateOptions {
    fn default() -> Self {
        Self {
            metric: GateMetric::default(),
            statistic: GateStatistic::default(),
            confidence: 0.95,
            relative_threshold: 0.05,
            absolute_floor_ms: 5.0,
            absolute_floor_mb: 1.0,
            seed: 0x5EED,
            decision: Decision::default(),
        }
    }
}

impl GateOptions {
    /// Checks that every option is in range.
    pub(crate) fn validate(&self) -> Result<()> {
        let invalid = |name: &str, value: f64, expected: &str| Error::InvalidOption {
            name: name.to_owned(),
            value: value.to_string(),
            expected: expected.to_owned(),
        };
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(invalid(
                "confidence",
                self.confidence,
                "a number between 0 and 1 (exclusive), e.g. 0.95",
            ));
        }
        if !(self.relative_threshold.is_finite() && self.relative_threshold >= 0.0) {
            return Err(invalid(
                "threshold",
                self.relative_threshold,
                "a non-negative fraction of the baseline, e.g. 0.05 for 5%",
            ));
        }
        if !(self.absolute_floor_ms.is_finite() && self.absolute_floor_ms >= 0.0) {
            return Err(invalid(
                "floor",
                self.absolute_floor_ms,
                "a non-negative number of ms",
            ));
        }
        if !(self.absolute_floor_mb.is_finite() && self.absolute_floor_mb >= 0.0) {
            return Err(invalid(
                "memory floor",
                self.absolute_floor_mb,
                "a non-negative number of MB",
            ));
        }
        Ok(())
    }

    fn floor(&self) -> f64 {
        match self.metric {
            GateMetric::MaxMemory => self.absolute_floor_mb,
            _ => self.absolute_floor_ms,
        }
    }
}

/// The verdict on one configuration, or on the whole comparison (the worst of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Significantly better by more than the threshold.
    Improvement,
    /// No significant change beyond the threshold.
    Unchanged,
    /// Significantly worse by more than the threshold.
    Regression,
}

impl Outcome {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Improvement => "improvement",
            Outcome::Unchanged => "unchanged",
            Outcome::Regression => "regression",
        }
    }
}

/// The comparison of one configuration. Values are in [`ConfigurationVerdict::unit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigurationVerdict {
    /// Memory size and architecture.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// The verdict.
    pub outcome: Outcome,
    /// Unit of the values below: `ms` or `MB`.
    pub unit: String,
    /// Baseline samples.
    pub baseline_count: usize,
    /// Current samples.
    pub current_count: usize,
    /// The statistic over the baseline samples.
    pub baseline_value: f64,
    /// The statistic over the current samples.
    pub current_value: f64,
    /// `current_value - baseline_value`.
    pub difference: f64,
    /// Seeded percentile-bootstrap interval of the difference.
    pub difference_ci: ConfidenceInterval,
    /// `difference / baseline_value` (0 when the baseline is 0).
    pub relative_difference: f64,
    /// The threshold a change had to exceed: `max(relative x baseline, floor)`.
    pub threshold: f64,
    /// Two-sided Mann-Whitney U p-value.
    pub p_value: f64,
    /// Probability that a random current sample exceeds a random baseline sample (ties count
    /// one half): the Mann-Whitney common-language effect size, 0.5 for no change.
    pub probability_current_greater: f64,
    /// One sentence a person can read.
    pub explanation: String,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateVerdict {
    /// The worst outcome over the configurations (regression > unchanged > improvement).
    pub outcome: Outcome,
    /// The options used.
    pub options: GateOptions,
    /// Function name of the current run.
    pub function: String,
    /// One verdict per configuration, sorted by architecture then memory.
    pub configurations: Vec<ConfigurationVerdict>,
    /// Conditions a reader must know (e.g. a percentile estimated from too few samples).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl GateVerdict {
    /// Whether any configuration regressed (the cli exits 1 then).
    pub fn has_regression(&self) -> bool {
        self.outcome == Outcome::Regression
    }

    /// Configurations that regressed.
    pub fn regressions(&self) -> impl Iterator<Item = &ConfigurationVerdict> {
        self.configurations
            .iter()
            .filter(|c| c.outcome == Outcome::Regression)
    }
}

/// Smallest number of samples per run (equal sizes) for which the two-sided Mann-Whitney
/// test used by the gate can reach a p-value below `1 - confidence` at all: 3 for 0.90, 4 for
/// 0.95, 6 for 0.99, 8 for 0.999.
///
/// Computed by running the test on two completely separated samples (the most extreme data
/// possible) of growing size.
pub fn minimum_samples(confidence: f64) -> usize {
    let alpha = 1.0 - confidence;
    (2..=10_000)
        .find(|&n| min_p_value(n, n) < alpha)
        .unwrap_or(10_000)
}

/// The smallest p-value the test can give for these sample sizes.
fn min_p_value(n1: usize, n2: usize) -> f64 {
    let a: Vec<f64> = (0..n1).map(|i| i as f64).collect();
    let b: Vec<f64> = (0..n2).map(|i| (n1 + i) as f64).collect();
    crate::stats::mann_whitney_u(&a, &b).map_or(1.0, |t| t.p_two_sided)
}

/// Compares a current cold-start run with a baseline. See the [module docs](self) for the
/// decision rule.
///
/// # Errors
///
/// - [`Error::WrongResultKind`] / [`Error::UnsupportedSchemaVersion`] for a result of another
///   kind or schema version;
/// - [`Error::MismatchedConfigurations`] when the runs do not cover the same memory sizes and
///   architectures;
/// - [`Error::NoSamples`] for a configuration without samples;
/// - [`Error::TooFewSamples`] when a run has fewer samples than the test needs to ever reach
///   the confidence (see [`minimum_samples`]);
/// - [`Error::InvalidOption`] for options out of range.
pub fn compare(
    baseline: &ColdStartResult,
    current: &ColdStartResult,
    options: &GateOptions,
) -> Result<GateVerdict, GateError> {
    options.validate()?;
    baseline.check_schema()?;
    current.check_schema()?;

    let keys = |r: &ColdStartResult| {
        let mut k: Vec<ConfigKey> = r.configurations.iter().map(|c| c.key).collect();
        k.sort_by_key(|k| (k.architecture, k.memory_mb));
        k
    };
    let (base_keys, cur_keys) = (keys(baseline), keys(current));
    if base_keys != cur_keys {
        let list = |a: &[ConfigKey], b: &[ConfigKey]| {
            a.iter()
                .filter(|k| !b.contains(k))
                .map(describe_key)
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::MismatchedConfigurations {
            only_in_baseline: list(&base_keys, &cur_keys),
            only_in_current: list(&cur_keys, &base_keys),
        });
    }

    let needed = minimum_samples(options.confidence);
    let mut configurations = Vec::with_capacity(cur_keys.len());
    let mut warnings = Vec::new();
    for key in &cur_keys {
        let find = |r: &'_ ColdStartResult| {
            r.configurations
                .iter()
                .find(|c| c.key == *key)
                .map(|c| options.metric.values(c))
                .unwrap_or_default()
        };
        let (base, cur) = (find(baseline), find(current));
        for (side, values) in [("baseline", &base), ("current", &cur)] {
            if values.is_empty() {
                return Err(Error::NoSamples {
                    side: side.to_owned(),
                    configuration: describe_key(key),
                    metric: options.metric.label().to_owned(),
                });
            }
            if values.len() < needed {
                return Err(Error::TooFewSamples {
                    side: side.to_owned(),
                    configuration: describe_key(key),
                    count: values.len(),
                    needed,
                    confidence: options.confidence,
                });
            }
            if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
                return Err(Error::InvalidOption {
                    name: format!("{side} {} sample", options.metric.label()),
                    value: bad.to_string(),
                    expected: "a finite number".to_owned(),
                });
            }
        }
        let stable = options.statistic.samples_for_stable_estimate();
        if base.len().min(cur.len()) < stable {
            warnings.push(Warning::few_samples_for_percentile(
                &describe_key(key),
                options.statistic,
                base.len().min(cur.len()),
                stable,
            ));
        }
        configurations.push(compare_configuration(*key, &base, &cur, options));
    }
    let outcome = configurations
        .iter()
        .map(|c| c.outcome)
        .max()
        .unwrap_or(Outcome::Unchanged);
    Ok(GateVerdict {
        outcome,
        options: *options,
        function: current.function.name.clone(),
        configurations,
        warnings,
    })
}

pub(crate) fn compare_configuration(
    key: ConfigKey,
    base: &[f64],
    cur: &[f64],
    options: &GateOptions,
) -> ConfigurationVerdict {
    let q = options.statistic.quantile();
    let baseline_value = resampling::quantile(base, q);
    let current_value = resampling::quantile(cur, q);
    let difference = current_value - baseline_value;
    // Mix the configuration into the seed so configurations do not share resampling streams.
    let seed = options.seed
        ^ (u64::from(key.memory_mb.get()) << 8)
        ^ match key.architecture {
            crate::units::Architecture::X86_64 => 0,
            crate::units::Architecture::Arm64 => 1,
        };
    let ci = resampling::bootstrap_difference_ci(base, cur, q, options.confidence, seed);
    let test = crate::stats::mann_whitney_u(base, cur);
    let p_value = test.map_or(1.0, |t| t.p_two_sided);
    let probability_current_greater = test.map_or(0.5, |t| t.probability_candidate_greater);
    let threshold = (options.relative_threshold * baseline_value.abs()).max(options.floor());
    let significant = p_value < 1.0 - options.confidence;
    let (up, down) = match options.decision {
        Decision::IntervalBound => (ci.lower, ci.upper),
        Decision::PointEstimate => (difference, difference),
    };
    let outcome = if significant && up > threshold {
        Outcome::Regression
    } else if significant && down < -threshold {
        Outcome::Improvement
    } else {
        Outcome::Unchanged
    };
    let relative_difference = if baseline_value == 0.0 {
        0.0
    } else {
        difference / baseline_value
    };
    let unit = options.metric.unit();
    let pct = options.confidence * 100.0;
    let change = format!(
        "{} {} {} -> {} {unit} ({:+.1} {unit}, {:+.1}%, {pct:.0}% CI [{:+.1}, {:+.1}] {unit}, \
         p {})",
        options.metric,
        options.statistic,
        fmt_value(baseline_value),
        fmt_value(current_value),
        difference,
        relative_difference * 100.0,
        ci.lower,
        ci.upper,
        fmt_p_relation(p_value)
    );
    let what = match options.decision {
        Decision::IntervalBound => "the whole interval lies",
        Decision::PointEstimate => "the change lies",
    };
    let t = fmt_value(threshold);
    let explanation = match outcome {
        Outcome::Regression => {
            format!("regression: {change}; {what} above the {t} {unit} threshold")
        }
        Outcome::Improvement => format!("improvement: {change}; {what} below -{t} {unit}"),
        Outcome::Unchanged if !significant => {
            format!("unchanged: {change}; not significant at {pct:.0}% confidence")
        }
        Outcome::Unchanged => {
            format!("unchanged: {change}; significant, but not beyond the {t} {unit} threshold")
        }
    };
    ConfigurationVerdict {
        key,
        outcome,
        unit: unit.to_owned(),
        baseline_count: base.len(),
        current_count: cur.len(),
        baseline_value,
        current_value,
        difference,
        difference_ci: ci,
        relative_difference,
        threshold,
        p_value,
        probability_current_greater,
        explanation,
    }
}

fn fmt_value(v: f64) -> String {
    format!("{v:.1}")
}

/// `< 0.0001` or `= 0.0123`, to follow a `p`.
fn fmt_p_relation(p: f64) -> String {
    if p < 0.0001 {
        "< 0.0001".to_owned()
    } else {
        format!("= {p:.4}")
    }
}
