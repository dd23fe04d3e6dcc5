//! The cold-start result schema (`kind = "coldstart"`), shared by `powertune coldstart`, the
//! regression gate ([`crate::gate`]) and the reports, and the pure function that summarizes
//! one configuration's cold starts.
//!
//! A cold-start run forces every sample onto a new execution environment, so each sample has
//! an Init Duration. Each configuration keeps its raw samples (the gate resamples them) and
//! summaries of Init Duration, Duration and Max Memory Used with seeded bootstrap confidence
//! intervals of the median, p90 and p99.
//!
//! ```
//! use analyzer::coldstart::{summarize_cold_starts, ColdStartSample};
//! use analyzer::result::ConfigKey;
//! use analyzer::units::{Architecture, MemoryMb};
//!
//! let key = ConfigKey { memory_mb: MemoryMb::try_from(512).unwrap(), architecture: Architecture::Arm64 };
//! let samples: Vec<ColdStartSample> = (0..20)
//!     .map(|i| ColdStartSample {
//!         request_id: format!("req-{i}"),
//!         init_duration_ms: 100.0 + f64::from(i),
//!         duration_ms: 5.0,
//!         billed_duration_ms: 106 + u64::from(i as u32),
//!         max_memory_used_mb: 40,
//!     })
//!     .collect();
//! let config = summarize_cold_starts(key, samples, 0.95, 7).unwrap();
//! assert_eq!(config.init_duration.summary.count, 20);
//! assert!(config.init_duration.p90_ci.lower <= config.init_duration.summary.p90);
//! ```

use serde::{Deserialize, Serialize};

use crate::environment::RunEnvironment;
use crate::error::{Error, Result};
use crate::report_line::ReportRecord;
use crate::result::{FunctionInfo, SCHEMA_VERSION};
use crate::stats::{ConfidenceInterval, Summary};
use crate::units::ConfigKey;
use crate::warning::Warning;

/// The `kind` of a cold-start result document.
pub const COLDSTART_KIND: &str = "coldstart";

/// Fraction of samples dropped from each end for the trimmed mean of cold-start summaries
/// (aws-lambda-power-tuning's default `discardTopBottom`).
pub const COLDSTART_DISCARD_TOP_BOTTOM: f64 = 0.2;

/// One cold start as measured: the REPORT record of the first invocation on a new execution
/// environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartSample {
    /// The invocation's request id.
    pub request_id: String,
    /// Init phase duration in ms.
    pub init_duration_ms: f64,
    /// Handler duration in ms.
    pub duration_ms: f64,
    /// Billed duration in whole ms (includes the Init Duration since 2025-08-01).
    pub billed_duration_ms: u64,
    /// Peak memory used in MB.
    pub max_memory_used_mb: u32,
}

impl ColdStartSample {
    /// The cold-start sample of a REPORT record, or `None` when the record has no Init
    /// Duration (a warm invocation).
    pub fn from_record(record: &ReportRecord) -> Option<Self> {
        Some(Self {
            request_id: record.request_id.clone(),
            init_duration_ms: record.init_duration_ms?,
            duration_ms: record.duration_ms,
            billed_duration_ms: record.billed_duration_ms,
            max_memory_used_mb: record.max_memory_used_mb,
        })
    }
}

/// A [`Summary`] plus the bootstrap confidence intervals of the upper percentiles that
/// cold-start comparisons need (the median's interval is [`Summary::median_ci`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartSummary {
    /// Descriptive statistics, in the unit of the metric (ms or MB).
    #[serde(flatten)]
    pub summary: Summary,
    /// Seeded percentile-bootstrap confidence interval of the 90th percentile.
    pub p90_ci: ConfidenceInterval,
    /// Seeded percentile-bootstrap confidence interval of the 99th percentile. With fewer
    /// than 100 samples the 99th percentile is close to the maximum and this interval is wide.
    pub p99_ci: ConfidenceInterval,
}

/// Everything measured and computed for one configuration of a cold-start run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartConfiguration {
    /// Memory size and architecture.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// Every raw sample, in the order taken.
    pub samples: Vec<ColdStartSample>,
    /// Statistics of `init_duration_ms`, in ms.
    pub init_duration: ColdStartSummary,
    /// Statistics of `duration_ms`, in ms.
    pub duration: ColdStartSummary,
    /// Statistics of `max_memory_used_mb`, in MB.
    pub max_memory_used: ColdStartSummary,
}

/// The result of a cold-start run (`kind = "coldstart"`), schema [`SCHEMA_VERSION`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColdStartResult {
    /// Always [`SCHEMA_VERSION`] when written by this build.
    pub schema_version: u32,
    /// Always [`COLDSTART_KIND`].
    pub kind: String,
    /// The function measured.
    pub function: FunctionInfo,
    /// Where it ran.
    pub environment: RunEnvironment,
    /// One entry per configuration, sorted by architecture then memory.
    pub configurations: Vec<ColdStartConfiguration>,
    /// Conditions a reader must know.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl ColdStartResult {
    /// A result of this build's schema version and kind, with configurations sorted by
    /// architecture then memory.
    pub fn new(
        function: FunctionInfo,
        environment: RunEnvironment,
        mut configurations: Vec<ColdStartConfiguration>,
        warnings: Vec<Warning>,
    ) -> Self {
        configurations.sort_by_key(|c| (c.key.architecture, c.key.memory_mb));
        Self {
            schema_version: SCHEMA_VERSION,
            kind: COLDSTART_KIND.to_owned(),
            function,
            environment,
            configurations,
            warnings,
        }
    }

    /// Reads a cold-start result from JSON text.
    ///
    /// The `kind` and `schema_version` fields are checked before the rest, so a document of
    /// another version or kind gets an error naming the version or kind rather than a missing
    /// field.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResult`] for text that is not JSON or not this schema,
    /// [`Error::WrongResultKind`] for another kind of result, and
    /// [`Error::UnsupportedSchemaVersion`] for another schema version.
    pub fn from_json(text: &str) -> Result<Self> {
        let invalid = |message: String| Error::InvalidResult {
            kind: COLDSTART_KIND.to_owned(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let object = value
            .as_object()
            .ok_or_else(|| invalid("expected a JSON object at the top level".to_owned()))?;
        let kind = object.get("kind").and_then(serde_json::Value::as_str);
        if kind != Some(COLDSTART_KIND) {
            return Err(Error::WrongResultKind {
                expected: COLDSTART_KIND.to_owned(),
                found: kind.unwrap_or("<missing>").to_owned(),
            });
        }
        match object
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(found) => {
                return Err(Error::UnsupportedSchemaVersion {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            None => {
                return Err(invalid(
                    "`schema_version` is missing or not a whole number".to_owned(),
                ));
            }
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    /// Checks the fields [`ColdStartResult::from_json`] checks, for a value built in code.
    ///
    /// # Errors
    ///
    /// [`Error::WrongResultKind`] or [`Error::UnsupportedSchemaVersion`].
    pub fn check_schema(&self) -> Result<()> {
        if self.kind != COLDSTART_KIND {
            return Err(Error::WrongResultKind {
                expected: COLDSTART_KIND.to_owned(),
                found: self.kind.clone(),
            });
        }
        if self.schema_version != SCHEMA_VERSION {
            return Err(Error::UnsupportedSchemaVersion {
                found: u64::from(self.schema_version),
                supported: SCHEMA_VERSION,
            });
        }
        Ok(())
    }
}

/// Summarizes one configuration's cold starts: median, p90 and p99 of Init Duration, Duration
/// and Max Memory Used, each with a seeded percentile-bootstrap confidence interval at
/// `confidence`.
///
/// The same `seed` gives the same intervals; each metric resamples from its own stream derived
/// from it. Samples keep their order.
///
/// # Errors
///
/// [`Error::NoSamples`] when `samples` is empty, [`Error::InvalidOption`] when `confidence`
/// is not in `(0, 1)` or a duration is not a finite non-negative number.
pub fn summarize_cold_starts(
    key: ConfigKey,
    samples: Vec<ColdStartSample>,
    confidence: f64,
    seed: u64,
) -> Result<ColdStartConfiguration> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(Error::InvalidOption {
            name: "confidence".to_owned(),
            value: confidence.to_string(),
            expected: "a number between 0 and 1 (exclusive), e.g. 0.95".to_owned(),
        });
    }
    if samples.is_empty() {
        return Err(Error::NoSamples {
            side: "the run".to_owned(),
            configuration: describe_key(&key),
            metric: "cold-start".to_owned(),
        });
    }
    let valid = |ms: f64| ms.is_finite() && ms >= 0.0;
    if let Some(bad) = samples
        .iter()
        .find(|s| !(valid(s.init_duration_ms) && valid(s.duration_ms)))
    {
        return Err(Error::InvalidOption {
            name: format!("sample {}", bad.request_id),
            value: format!(
                "init {} ms, duration {} ms",
                bad.init_duration_ms, bad.duration_ms
            ),
            expected: "finite, non-negative durations".to_owned(),
        });
    }
    let init: Vec<f64> = samples.iter().map(|s| s.init_duration_ms).collect();
    let duration: Vec<f64> = samples.iter().map(|s| s.duration_ms).collect();
    let memory: Vec<f64> = samples
        .iter()
        .map(|s| f64::from(s.max_memory_used_mb))
        .collect();
    let seeds = resampling::derive_seeds(seed);
    Ok(ColdStartConfiguration {
        key,
        init_duration: summarize_metric(&init, confidence, seeds[0])?,
        duration: summarize_metric(&duration, confidence, seeds[1])?,
        max_memory_used: summarize_metric(&memory, confidence, seeds[2])?,
        samples,
    })
}

fn summarize_metric(values: &[f64], confidence: f64, seed: u64) -> Result<ColdStartSummary> {
    let summary = crate::stats::summarize(values, COLDSTART_DISCARD_TOP_BOTTOM, confidence, seed)
        .ok_or(Error::NoSamples {
        side: "the run".to_owned(),
        configuration: String::new(),
        metric: "cold-start".to_owned(),
    })?;
    let [p90_seed, p99_seed, _] = resampling::derive_seeds(seed);
    Ok(ColdStartSummary {
        summary,
        p90_ci: resampling::bootstrap_quantile_ci(values, 0.90, confidence, p90_seed),
        p99_ci: resampling::bootstrap_quantile_ci(values, 0.99, confidence, p99_seed),
    })
}

/// A configuration as people read it: `1024 MB x86_64`.
pub fn describe_key(key: &ConfigKey) -> String {
    format!("{} {}", key.memory_mb, key.architecture)
}

/// Bootstrap intervals of any quantile and of the difference of a quantile between two runs,
/// built on [`crate::stats`]'s generator and quantile definition. `crate::stats` bootstraps
/// only the mean and the median of one sample.
pub(crate) mod resampling {
    use crate::stats::{BOOTSTRAP_RESAMPLES, ConfidenceInterval, SplitMix64, quantile_sorted};

    /// Three independent seeds derived from one.
    pub(crate) fn derive_seeds(seed: u64) -> [u64; 3] {
        let mut rng = SplitMix64::new(seed);
        [rng.next_u64(), rng.next_u64(), rng.next_u64()]
    }

    /// Quantile `q` of data in any order (R type 7, [`quantile_sorted`]); NaN when empty.
    pub(crate) fn quantile(values: &[f64], q: f64) -> f64 {
        quantile_sorted(&crate::stats::finite_sorted(values), q).unwrap_or(f64::NAN)
    }

    fn resample_sorted(rng: &mut SplitMix64, values: &[f64], out: &mut Vec<f64>) {
        out.clear();
        out.extend((0..values.len()).map(|_| values[rng.below(values.len())]));
        out.sort_by(f64::total_cmp);
    }

    /// The `(1 - confidence) / 2` and `(1 + confidence) / 2` quantiles of the replicates.
    fn percentile_interval(mut replicates: Vec<f64>, confidence: f64) -> ConfidenceInterval {
        replicates.sort_by(f64::total_cmp);
        let alpha = 1.0 - confidence;
        ConfidenceInterval {
            lower: quantile_sorted(&replicates, alpha / 2.0).unwrap_or(f64::NAN),
            upper: quantile_sorted(&replicates, 1.0 - alpha / 2.0).unwrap_or(f64::NAN),
            confidence,
        }
    }

    /// Percentile-bootstrap interval (Efron and Tibshirani 1993, ch. 13) of quantile `q`,
    /// from [`BOOTSTRAP_RESAMPLES`] resamples, widened to contain the point estimate.
    pub(crate) fn bootstrap_quantile_ci(
        values: &[f64],
        q: f64,
        confidence: f64,
        seed: u64,
    ) -> ConfidenceInterval {
        let sorted = crate::stats::finite_sorted(values);
        let point = quantile_sorted(&sorted, q).unwrap_or(f64::NAN);
        let mut rng = SplitMix64::new(seed);
        let mut buf = Vec::with_capacity(sorted.len());
        let replicates = (0..BOOTSTRAP_RESAMPLES)
            .map(|_| {
                resample_sorted(&mut rng, &sorted, &mut buf);
                quantile_sorted(&buf, q).unwrap_or(point)
            })
            .collect();
        let mut ci = percentile_interval(replicates, confidence);
        ci.lower = ci.lower.min(point);
        ci.upper = ci.upper.max(point);
        ci
    }

    /// Percentile-bootstrap interval of `quantile(current, q) - quantile(baseline, q)`, each
    /// run resampled independently (two-sample bootstrap), widened to contain the point
    /// estimate. Inputs are sorted first, so the result does not depend on their order.
    pub(crate) fn bootstrap_difference_ci(
        baseline: &[f64],
        current: &[f64],
        q: f64,
        confidence: f64,
        seed: u64,
    ) -> ConfidenceInterval {
        let base = crate::stats::finite_sorted(baseline);
        let cur = crate::stats::finite_sorted(current);
        let point = quantile_sorted(&cur, q).unwrap_or(f64::NAN)
            - quantile_sorted(&base, q).unwrap_or(f64::NAN);
        let mut rng = SplitMix64::new(seed);
        let mut b = Vec::with_capacity(base.len());
        let mut c = Vec::with_capacity(cur.len());
        let replicates = (0..BOOTSTRAP_RESAMPLES)
            .map(|_| {
                resample_sorted(&mut rng, &base, &mut b);
                resample_sorted(&mut rng, &cur, &mut c);
                quantile_sorted(&c, q).unwrap_or(f64::NAN)
                    - quantile_sorted(&b, q).unwrap_or(f64::NAN)
            })
            .collect();
        let mut ci = percentile_interval(replicates, confidence);
        ci.lower = ci.lower.min(point);
        ci.upper = ci.upper.max(point);
        ci
    }
}
