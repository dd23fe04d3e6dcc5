//! A run compared with a previous one (its baseline), configuration by configuration, as
//! criterion's reports compare a benchmark with its last run: for each memory size and
//! architecture both runs measured, the change of a statistic with its bootstrap confidence
//! interval, a two-sided Mann-Whitney U test, and the verdict (improvement, unchanged,
//! regression).
//!
//! The decision is the gate's ([`crate::gate`], the same code): a configuration changed when
//! the test is significant at the confidence level **and** the whole interval of the change
//! lies beyond the noise threshold, which is criterion's rule ("Performance has regressed"
//! only when `p < 0.05` and the change's interval excludes `±noise_threshold`).
//!
//! What is compared:
//!
//! - tuning results ([`compare_tuning`]): the Duration of each successful invocation
//!   (errored samples are left out, as in the analysis), by default its median with a noise
//!   threshold of 1% and no absolute floor ([`tuning_options`]; criterion's default
//!   `noise_threshold` is 0.01);
//! - cold-start results ([`compare_coldstart`]): the Init Duration, with the gate's defaults
//!   ([`GateOptions::default`]), so that the report and `powertune gate` agree on a pair of
//!   runs.
//!
//! Unlike the gate, a comparison does not fail on configurations only one run measured, or
//! on too few samples: those configurations are listed as not compared, with the reason.

use serde::{Deserialize, Serialize};

use crate::analysis::is_error;
use crate::coldstart::{ColdStartResult, describe_key};
use crate::error::{Error, Result};
use crate::gate::{
    ConfigurationVerdict, Decision, GateMetric, GateOptions, GateStatistic, Outcome,
    compare_configuration, minimum_samples,
};
use crate::result::TuningResult;
use crate::units::ConfigKey;

/// The baseline run a comparison is made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineRun {
    /// The baseline's function name.
    pub function: String,
    /// When the baseline run started (RFC 3339), if it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
}

/// A configuration only one run measured, or with too few samples to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotCompared {
    /// Memory size and architecture.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// Why, e.g. `only in the baseline`.
    pub reason: String,
}

/// A run compared with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The baseline.
    pub baseline: BaselineRun,
    /// Metric, statistic, confidence, threshold and seed used.
    pub options: GateOptions,
    /// One verdict per configuration both runs measured, sorted by architecture then memory.
    pub configurations: Vec<ConfigurationVerdict>,
    /// Configurations that could not be compared, with the reason.
    pub not_compared: Vec<NotCompared>,
}

impl Comparison {
    /// The configurations whose verdict is `outcome`.
    pub fn with_outcome(&self, outcome: Outcome) -> impl Iterator<Item = &ConfigurationVerdict> {
        self.configurations
            .iter()
            .filter(move |c| c.outcome == outcome)
    }
}

/// The options [`compare_tuning`] uses by default: the median Duration, 95% confidence, a
/// noise threshold of 1% of the baseline (criterion's default) and no absolute floor.
pub fn tuning_options() -> GateOptions {
    GateOptions {
        metric: GateMetric::Duration,
        statistic: GateStatistic::Median,
        confidence: 0.95,
        relative_threshold: 0.01,
        absolute_floor_ms: 0.0,
        absolute_floor_mb: 0.0,
        seed: GateOptions::default().seed,
        decision: Decision::IntervalBound,
    }
}

/// Compares the Duration of each configuration of `current` with `baseline`'s.
///
/// # Errors
///
/// [`Error::InvalidOption`] for options out of range; [`Error::MismatchedConfigurations`]
/// when the runs have no configuration in common.
pub fn compare_tuning(
    baseline: &TuningResult,
    current: &TuningResult,
    options: &GateOptions,
) -> Result<Comparison> {
    let durations = |result: &TuningResult| -> Vec<(ConfigKey, Vec<f64>)> {
        result
            .configurations
            .iter()
            .map(|c| {
                let ok = c.samples.iter().filter(|s| !is_error(s));
                (c.key, ok.map(|s| s.duration_ms).collect())
            })
            .collect()
    };
    compare_samples(
        BaselineRun {
            function: baseline.function.name.clone(),
            started_at: baseline.environment.started_at.clone(),
        },
        &durations(baseline),
        &durations(current),
        options,
    )
}

/// Compares the `options.metric` of each configuration of the cold-start run `current`
/// with `baseline`'s (use [`GateOptions::default`] to agree with `powertune gate`).
///
/// # Errors
///
/// [`Error::WrongResultKind`] / [`Error::UnsupportedSchemaVersion`] for a result of another
/// kind or version; otherwise as [`compare_tuning`].
pub fn compare_coldstart(
    baseline: &ColdStartResult,
    current: &ColdStartResult,
    options: &GateOptions,
) -> Result<Comparison> {
    baseline.check_schema()?;
    current.check_schema()?;
    let values = |result: &ColdStartResult| -> Vec<(ConfigKey, Vec<f64>)> {
        result
            .configurations
            .iter()
            .map(|c| (c.key, options.metric.values(c)))
            .collect()
    };
    compare_samples(
        BaselineRun {
            function: baseline.function.name.clone(),
            started_at: baseline.environment.started_at.clone(),
        },
        &values(baseline),
        &values(current),
        options,
    )
}

/// The comparison of two runs' samples per configuration.
fn compare_samples(
    baseline_run: BaselineRun,
    baseline: &[(ConfigKey, Vec<f64>)],
    current: &[(ConfigKey, Vec<f64>)],
    options: &GateOptions,
) -> Result<Comparison> {
    options.validate()?;
    let mut keys: Vec<ConfigKey> = baseline.iter().chain(current).map(|(k, _)| *k).collect();
    keys.sort_by_key(|k| (k.architecture, k.memory_mb));
    keys.dedup();
    let needed = minimum_samples(options.confidence);
    let mut configurations = Vec::new();
    let mut not_compared = Vec::new();
    for key in keys {
        let finite = |run: &[(ConfigKey, Vec<f64>)]| {
            run.iter().find(|(k, _)| *k == key).map(|(_, values)| {
                values
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite())
                    .collect::<Vec<f64>>()
            })
        };
        let reason = match (finite(baseline), finite(current)) {
            (None, _) => "only in the current run".to_owned(),
            (_, None) => "only in the baseline".to_owned(),
            (Some(base), Some(cur)) if base.len().min(cur.len()) < needed => format!(
                "{} baseline and {} current samples: the test needs at least {needed} on each \
                 side at {:.0}% confidence",
                base.len(),
                cur.len(),
                options.confidence * 100.0
            ),
            (Some(base), Some(cur)) => {
                configurations.push(compare_configuration(key, &base, &cur, options));
                continue;
            }
        };
        not_compared.push(NotCompared { key, reason });
    }
    let in_both = |n: &&NotCompared| !n.reason.starts_with("only in");
    if configurations.is_empty() && !not_compared.iter().any(|n| in_both(&n)) {
        let only = |side: &str| {
            not_compared
                .iter()
                .filter(|n| n.reason.ends_with(side))
                .map(|n| describe_key(&n.key))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::MismatchedConfigurations {
            only_in_baseline: only("baseline"),
            only_in_current: only("current run"),
        });
    }
    Ok(Comparison {
        baseline: baseline_run,
        options: *options,
        configurations,
        not_compared,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{Architecture, MemoryMb};

    fn key(memory_mb: u32) -> ConfigKey {
        ConfigKey {
            memory_mb: MemoryMb::try_from(memory_mb).unwrap(),
            architecture: Architecture::X86_64,
        }
    }

    /// `n` durations around `center` ms, spread by ±5%, in a fixed order.
    fn durations(center: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| center * (0.95 + 0.1 * ((i * 7) % n) as f64 / n as f64))
            .collect()
    }

    fn baseline_run() -> BaselineRun {
        BaselineRun {
            function: "f".to_owned(),
            started_at: None,
        }
    }

    #[test]
    fn a_clear_slowdown_is_a_regression_and_equal_runs_are_unchanged() {
        let base = vec![
            (key(128), durations(100.0, 20)),
            (key(1024), durations(10.0, 20)),
        ];
        let cur = vec![
            (key(128), durations(100.0, 20)),
            (key(1024), durations(15.0, 20)),
        ];
        let c = compare_samples(baseline_run(), &base, &cur, &tuning_options()).unwrap();
        assert_eq!(c.configurations.len(), 2);
        assert_eq!(c.configurations[0].outcome, Outcome::Unchanged);
        assert_eq!(c.configurations[1].outcome, Outcome::Regression);
        assert!(c.configurations[1].relative_difference > 0.4);
        assert!(c.configurations[1].p_value < 0.05);
        assert_eq!(c.with_outcome(Outcome::Regression).count(), 1);
    }

    #[test]
    fn a_clear_speedup_is_an_improvement() {
        let base = vec![(key(512), durations(50.0, 12))];
        let cur = vec![(key(512), durations(30.0, 12))];
        let c = compare_samples(baseline_run(), &base, &cur, &tuning_options()).unwrap();
        assert_eq!(c.configurations[0].outcome, Outcome::Improvement);
        assert!(c.configurations[0].difference_ci.upper < 0.0);
    }

    #[test]
    fn configurations_of_one_run_only_or_with_few_samples_are_listed_with_the_reason() {
        let base = vec![
            (key(128), durations(100.0, 10)),
            (key(256), durations(50.0, 10)),
        ];
        let cur = vec![
            (key(256), durations(50.0, 2)),
            (key(512), durations(20.0, 10)),
        ];
        let c = compare_samples(baseline_run(), &base, &cur, &tuning_options()).unwrap();
        assert!(c.configurations.is_empty());
        let reasons: Vec<(u32, &str)> = c
            .not_compared
            .iter()
            .map(|n| (n.key.memory_mb.get(), n.reason.as_str()))
            .collect();
        assert_eq!(reasons[0], (128, "only in the baseline"));
        assert!(reasons[1].1.contains("2 current samples"), "{reasons:?}");
        assert_eq!(reasons[2], (512, "only in the current run"));
    }

    #[test]
    fn runs_without_a_configuration_in_common_are_an_error_naming_both_sides() {
        let base = vec![(key(128), durations(100.0, 10))];
        let cur = vec![(key(1024), durations(10.0, 10))];
        let err = compare_samples(baseline_run(), &base, &cur, &tuning_options()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains("128 MB x86_64") && message.contains("1024 MB x86_64"),
            "{message}"
        );
    }

    #[test]
    fn the_answer_does_not_depend_on_sample_order() {
        let base = vec![(key(128), durations(100.0, 15))];
        let cur = vec![(key(128), durations(108.0, 15))];
        let mut reversed = cur.clone();
        reversed[0].1.reverse();
        let a = compare_samples(baseline_run(), &base, &cur, &tuning_options()).unwrap();
        let b = compare_samples(baseline_run(), &base, &reversed, &tuning_options()).unwrap();
        assert_eq!(a.configurations[0].outcome, b.configurations[0].outcome);
        assert!((a.configurations[0].p_value - b.configurations[0].p_value).abs() < 1e-12);
    }
}
