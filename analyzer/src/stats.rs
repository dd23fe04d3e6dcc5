//! Statistics over one configuration's samples.

use serde::{Deserialize, Serialize};

/// A two-sided confidence interval around a point estimate, in the unit of the data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level in `(0, 1)`, e.g. `0.95`.
    pub confidence: f64,
}

/// Descriptive statistics of one metric over a set of samples, in the unit of the data
/// (milliseconds for durations, MB for memory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Number of samples.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Median (50th percentile).
    pub median: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Sample standard deviation (n - 1 denominator).
    pub std_dev: f64,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// Mean after dropping a fraction of the slowest and fastest samples
    /// (aws-lambda-power-tuning's `discardTopBottom`).
    pub trimmed_mean: f64,
    /// The fraction dropped from each end for `trimmed_mean`.
    pub discard_top_bottom: f64,
    /// Seeded bootstrap confidence interval of the mean.
    pub mean_ci: ConfidenceInterval,
    /// Seeded bootstrap confidence interval of the median.
    pub median_ci: ConfidenceInterval,
}
