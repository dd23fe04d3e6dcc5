//! Statistics over one configuration's samples: descriptive statistics, aws-lambda-power-tuning's
//! trimmed mean, seeded bootstrap and t confidence intervals, and the Mann-Whitney U test.
//!
//! Every function here is pure and deterministic: resampling takes a `seed`, and NaN or
//! infinite inputs are filtered out (never a panic, never a NaN result from a NaN input).
//! Units are those of the data (milliseconds for durations, MB for memory).
//!
//! # What is written here rather than taken from a library, and why
//!
//! `statrs` supplies the distributions (normal, Student's t). Three things are ours:
//!
//! - **The seeded generator** ([`SplitMix64`]): a result's intervals must be reproducible from
//!   its samples and seed on every platform and with every future build (the tuner fixes its
//!   seed, the gate records its seed in the verdict). `rand`'s `StdRng` does not promise the
//!   same stream across versions, and SplitMix64 is a dozen lines with a published reference.
//! - **The Mann-Whitney U test** ([`mann_whitney_u`]): the gate needs U, z, the two-sided and
//!   both one-sided p-values and the common-language effect size from one ranking that skips
//!   non-finite values. `statrs`'s `mannwhitneyu` returns one p-value per alternative, rejects
//!   NaN, and switches to the exact method on small tie-free samples, which would move the
//!   gate's decisions and the false-alarm and detection rates measured for it (`gate` module
//!   docs). Ours follows SciPy's asymptotic method and is checked against SciPy's example.
//! - **Quantiles** ([`quantile_sorted`]): Hyndman and Fan's type 7, the default of R, NumPy
//!   and Excel, so readers can reproduce our percentiles; `statrs`'s `quantile` is type 8.
//!   Ours also reads an already sorted slice, so the bootstrap sorts each resample once.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

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

/// Number of bootstrap resamples [`summarize`] draws for each confidence interval.
pub const BOOTSTRAP_RESAMPLES: usize = 2_000;

/// Confidence level [`summarize`] callers use unless told otherwise.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

/// Largest `discard_top_bottom` aws-lambda-power-tuning accepts; larger values are clamped.
pub const MAX_DISCARD_TOP_BOTTOM: f64 = 0.4;

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): a 64-bit state, one add and three xor-shift-multiply steps per output.
///
/// It is not cryptographic; it is small, fast, passes BigCrush, and gives the same stream for
/// the same seed on every platform, which is what reproducible resampling needs.
///
/// ```
/// use analyzer::stats::SplitMix64;
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose stream is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index in `0..n` (Lemire's multiply-shift; the bias is below `n / 2^64`).
    /// Returns 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        let wide = u128::from(self.next_u64()) * n as u128;
        // The high 64 bits of a 64x64 product are < n, so they fit in usize.
        usize::try_from(wide >> 64).unwrap_or(0)
    }
}

/// The finite values of `samples`, sorted ascending. NaN and infinities are dropped: they are
/// not measurements, and every statistic here documents that it ignores them.
pub fn finite_sorted(samples: &[f64]) -> Vec<f64> {
    let mut values: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    values.sort_by(f64::total_cmp);
    values
}

/// The `p`-quantile (`p` in `[0, 1]`, clamped) of already sorted data, by linear
/// interpolation between closest ranks: Hyndman and Fan's definition 7, the default of R's
/// `quantile`, NumPy's `percentile` and Excel's `PERCENTILE.INC`. `h = (n - 1) p`, and the
/// result is `x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)])`.
///
/// Returns `None` for empty data. The caller guarantees `sorted` is ascending and finite
/// (see [`finite_sorted`]).
///
/// ```
/// use analyzer::stats::quantile_sorted;
/// let xs = [1.0, 2.0, 3.0, 4.0];
/// assert_eq!(quantile_sorted(&xs, 0.5), Some(2.5));
/// assert_eq!(quantile_sorted(&xs, 0.9), Some(3.7));
/// assert_eq!(quantile_sorted(&[], 0.5), None);
/// ```
pub fn quantile_sorted(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let p = if p.is_nan() { 0.5 } else { p.clamp(0.0, 1.0) };
    let h = last as f64 * p;
    let lower_index = h.floor();
    let fraction = h - lower_index;
    // h is in [0, last], so both indices are in bounds.
    let lo = (lower_index as usize).min(last);
    let hi = (lo + 1).min(last);
    Some(sorted[lo] + fraction * (sorted[hi] - sorted[lo]))
}

/// The number of samples aws-lambda-power-tuning drops from EACH end of `count` sorted
/// samples: `parseInt(count * discardTopBottom)`, i.e. the product truncated toward zero, with
/// `discard_top_bottom` first clamped to `[0, 0.4]` (NaN counts as 0).
///
/// Source: `computeAverageDuration` in aws-lambda-power-tuning's `lambda/utils.js` and
/// `extractDiscardTopBottomValue` in `lambda/executor.js`. One deliberate difference: for
/// products below `1e-6`, JavaScript's `parseInt` reads the exponent notation (`"5e-7"`) as
/// 5; here the count is 0, which is what the formula means.
///
/// ```
/// use analyzer::stats::discard_count;
/// assert_eq!(discard_count(5, 0.2), 1);
/// assert_eq!(discard_count(9, 0.2), 1);
/// assert_eq!(discard_count(10, 0.2), 2);
/// assert_eq!(discard_count(4, 0.2), 0);
/// assert_eq!(discard_count(10, 0.9), 4); // clamped to 0.4
/// ```
pub fn discard_count(count: usize, discard_top_bottom: f64) -> usize {
    let fraction = clamp_discard_top_bottom(discard_top_bottom);
    // fraction <= 0.4, so the product is below count and fits.
    (count as f64 * fraction).trunc() as usize
}

/// `discard_top_bottom` clamped to `[0, 0.4]` as aws-lambda-power-tuning does; NaN becomes 0.
pub fn clamp_discard_top_bottom(discard_top_bottom: f64) -> f64 {
    if discard_top_bottom.is_nan() {
        0.0
    } else {
        discard_top_bottom.clamp(0.0, MAX_DISCARD_TOP_BOTTOM)
    }
}

/// aws-lambda-power-tuning's trimmed mean (`computeAverageDuration`): sort, drop
/// [`discard_count`] samples from each end, average the rest. Unit of the data.
///
/// Returns `0.0` for empty input, as the original does. Non-finite values are ignored.
///
/// ```
/// use analyzer::stats::trimmed_mean;
/// // The values of aws-lambda-power-tuning's own test of computeAverageDuration.
/// assert_eq!(trimmed_mean(&[1.0, 2.0, 3.0, 4.0, 2000.0], 0.2), 3.0);
/// assert_eq!(trimmed_mean(&[1.0, 2.0, 3.0, 4.0, 2000.0], 0.0), 402.0);
/// ```
pub fn trimmed_mean(samples: &[f64], discard_top_bottom: f64) -> f64 {
    trimmed_mean_sorted(&finite_sorted(samples), discard_top_bottom)
}

fn trimmed_mean_sorted(sorted: &[f64], discard_top_bottom: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = discard_count(sorted.len(), discard_top_bottom);
    let kept = &sorted[k..sorted.len() - k];
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// Arithmetic mean of finite values; `None` when there are none.
pub fn mean(samples: &[f64]) -> Option<f64> {
    let values: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample standard deviation (Bessel's `n - 1` denominator) of finite values, computed in two
/// passes around the mean. `0.0` for a single value, `None` for none.
pub fn std_dev(samples: &[f64]) -> Option<f64> {
    let values: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    let m = mean(&values)?;
    if values.len() < 2 {
        return Some(0.0);
    }
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    Some((ss / (values.len() - 1) as f64).sqrt())
}

/// Descriptive statistics of `samples` (any unit; the summary is in the same unit).
///
/// - percentiles and median: [`quantile_sorted`] (linear interpolation, R type 7);
/// - `std_dev`: sample standard deviation (`n - 1`);
/// - `trimmed_mean`: aws-lambda-power-tuning's `discardTopBottom` trimmed mean
///   ([`trimmed_mean`]); `discard_top_bottom` is stored clamped to `[0, 0.4]`;
/// - `mean_ci`, `median_ci`: percentile bootstrap intervals (Efron and Tibshirani, *An
///   Introduction to the Bootstrap*, 1993, ch. 13) from [`BOOTSTRAP_RESAMPLES`] resamples
///   drawn with [`SplitMix64`] seeded by `seed`, widened if needed so that each contains its
///   point estimate (for a skewed small sample the percentile interval can miss it).
///
/// NaN and infinite samples are **filtered out** before anything is computed, and `count`
/// is the number of finite samples. The samples are sorted before resampling, so the result
/// does not depend on their order. `confidence` outside `(0, 1)` (or NaN) is replaced by
/// [`DEFAULT_CONFIDENCE`]; the interval's `confidence` field records the level used.
///
/// Returns `None` when no finite sample remains.
///
/// ```
/// use analyzer::stats::summarize;
/// let s = summarize(&[12.0, 10.0, 11.0, 50.0, 9.0], 0.2, 0.95, 42).unwrap();
/// assert_eq!(s.count, 5);
/// assert_eq!(s.median, 11.0);
/// assert_eq!(s.trimmed_mean, 11.0);
/// assert!(s.mean_ci.lower <= s.mean && s.mean <= s.mean_ci.upper);
/// assert!(summarize(&[], 0.2, 0.95, 42).is_none());
/// ```
pub fn summarize(
    samples: &[f64],
    discard_top_bottom: f64,
    confidence: f64,
    seed: u64,
) -> Option<Summary> {
    let sorted = finite_sorted(samples);
    let count = sorted.len();
    let min = *sorted.first()?;
    let max = *sorted.last()?;
    let confidence = valid_confidence(confidence);
    let mean = sorted.iter().sum::<f64>() / count as f64;
    let q = |p: f64| quantile_sorted(&sorted, p).unwrap_or(mean);
    let median = q(0.5);
    let std_dev = std_dev(&sorted).unwrap_or(0.0);
    let discard_top_bottom = clamp_discard_top_bottom(discard_top_bottom);
    let (mean_ci, median_ci) = bootstrap_mean_median(&sorted, mean, median, confidence, seed);
    Some(Summary {
        count,
        mean,
        median,
        p10: q(0.10),
        p90: q(0.90),
        p95: q(0.95),
        p99: q(0.99),
        std_dev,
        min,
        max,
        trimmed_mean: trimmed_mean_sorted(&sorted, discard_top_bottom),
        discard_top_bottom,
        mean_ci,
        median_ci,
    })
}

fn valid_confidence(confidence: f64) -> f64 {
    if confidence > 0.0 && confidence < 1.0 {
        confidence
    } else {
        DEFAULT_CONFIDENCE
    }
}

/// Percentile bootstrap intervals of the mean and of the median of `sorted` (finite,
/// ascending), each forced to contain its point estimate.
fn bootstrap_mean_median(
    sorted: &[f64],
    mean: f64,
    median: f64,
    confidence: f64,
    seed: u64,
) -> (ConfidenceInterval, ConfidenceInterval) {
    let n = sorted.len();
    if n < 2 {
        return (
            ConfidenceInterval::point(mean, confidence),
            ConfidenceInterval::point(median, confidence),
        );
    }
    let mut rng = SplitMix64::new(seed);
    let mut means = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    let mut medians = Vec::with_capacity(BOOTSTRAP_RESAMPLES);
    // A resample draws indices into the sorted data, so counting how often each index is
    // drawn gives the resample in sorted order without sorting it: O(n) per resample.
    let mut counts = vec![0_usize; n];
    let h = (n - 1) as f64 * 0.5;
    let (lo_rank, hi_rank) = (h.floor() as usize, h.ceil() as usize);
    let fraction = h - h.floor();
    for _ in 0..BOOTSTRAP_RESAMPLES {
        counts.fill(0);
        let mut sum = 0.0;
        for _ in 0..n {
            let i = rng.below(n);
            counts[i] += 1;
            sum += sorted[i];
        }
        means.push(sum / n as f64);
        let (mut lo, mut hi) = (None, None);
        let mut seen = 0;
        for (i, &c) in counts.iter().enumerate() {
            seen += c;
            if lo.is_none() && seen > lo_rank {
                lo = Some(sorted[i]);
            }
            if seen > hi_rank {
                hi = Some(sorted[i]);
                break;
            }
        }
        let (lo, hi) = (lo.unwrap_or(median), hi.unwrap_or(median));
        medians.push(lo + fraction * (hi - lo));
    }
    (
        percentile_interval(&mut means, mean, confidence),
        percentile_interval(&mut medians, median, confidence),
    )
}

fn percentile_interval(
    replicates: &mut [f64],
    estimate: f64,
    confidence: f64,
) -> ConfidenceInterval {
    replicates.sort_by(f64::total_cmp);
    let alpha = 1.0 - confidence;
    let lower = quantile_sorted(replicates, alpha / 2.0).unwrap_or(estimate);
    let upper = quantile_sorted(replicates, 1.0 - alpha / 2.0).unwrap_or(estimate);
    ConfidenceInterval {
        lower: lower.min(estimate),
        upper: upper.max(estimate),
        confidence,
    }
}

impl ConfidenceInterval {
    /// The degenerate interval `[value, value]`.
    pub fn point(value: f64, confidence: f64) -> Self {
        Self {
            lower: value,
            upper: value,
            confidence,
        }
    }

    /// Upper minus lower bound, in the unit of the data.
    pub fn width(&self) -> f64 {
        self.upper - self.lower
    }

    /// Whether `value` lies in the closed interval.
    pub fn contains(&self, value: f64) -> bool {
        self.lower <= value && value <= self.upper
    }

    /// Whether the two closed intervals share at least one point.
    pub fn overlaps(&self, other: &ConfidenceInterval) -> bool {
        self.lower <= other.upper && other.lower <= self.upper
    }
}

/// Student's t confidence interval of the mean, `mean +/- t(1 - alpha/2, n - 1) s / sqrt(n)`
/// (unit of the data), for adaptive sampling: the tuner stops once it is narrow enough.
/// It assumes the mean is approximately normal (central limit theorem), which holds well for
/// durations beyond a few dozen samples and is conservative below.
///
/// Non-finite samples are ignored. Returns `None` with fewer than two finite samples or a
/// `confidence` outside `(0, 1)`.
///
/// ```
/// use analyzer::stats::mean_ci_t;
/// let ci = mean_ci_t(&[10.0, 12.0, 11.0, 13.0, 9.0], 0.95).unwrap();
/// // mean 11, s = 1.5811, t(0.975, 4) = 2.7764: half width 1.9632
/// assert!((ci.lower - 9.0368).abs() < 1e-3 && (ci.upper - 12.9632).abs() < 1e-3);
/// ```
pub fn mean_ci_t(samples: &[f64], confidence: f64) -> Option<ConfidenceInterval> {
    if !(confidence > 0.0 && confidence < 1.0) {
        return None;
    }
    let values: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(&values)?;
    let s = std_dev(&values)?;
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.5 + confidence / 2.0);
    let half_width = t * s / (n as f64).sqrt();
    Some(ConfidenceInterval {
        lower: m - half_width,
        upper: m + half_width,
        confidence,
    })
}

/// The outcome of a two-sample Mann-Whitney U test (Wilcoxon rank-sum) of `candidate`
/// against `baseline`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// Number of finite baseline samples.
    pub baseline_count: usize,
    /// Number of finite candidate samples.
    pub candidate_count: usize,
    /// U statistic of the candidate: the number of (baseline, candidate) pairs in which the
    /// candidate is larger, ties counting one half.
    pub u_candidate: f64,
    /// Standardized statistic `(U - n1 n2 / 2) / sigma` without continuity correction
    /// (positive when the candidate tends to be larger). 0 when every value is tied.
    pub z: f64,
    /// Two-sided p-value: the samples come from different distributions.
    pub p_two_sided: f64,
    /// One-sided p-value for "the candidate tends to be larger" (e.g. slower cold starts).
    pub p_candidate_greater: f64,
    /// One-sided p-value for "the candidate tends to be smaller".
    pub p_candidate_less: f64,
    /// Probability that a random candidate value exceeds a random baseline value (ties
    /// counting one half): `U / (n1 n2)`, the common-language effect size.
    pub probability_candidate_greater: f64,
}

/// Two-sample Mann-Whitney U test, normal approximation with tie correction and continuity
/// correction (Mann and Whitney, 1947; tie-corrected variance
/// `n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))`, as in SciPy's
/// `mannwhitneyu(method="asymptotic", use_continuity=True)`). Ranks are mid-ranks for ties.
/// The normal approximation is reasonable from about 8 samples per side; below that the
/// p-values are approximate.
///
/// Non-finite values are ignored. Returns `None` when either side has no finite sample.
/// When every value is tied, every p-value is 1.
///
/// ```
/// use analyzer::stats::mann_whitney_u;
/// let baseline = [100.0, 102.0, 98.0, 101.0, 99.0, 100.5, 97.0, 103.0];
/// let slower = [120.0, 118.0, 125.0, 119.0, 121.0, 122.0, 117.0, 124.0];
/// let t = mann_whitney_u(&baseline, &slower).unwrap();
/// assert_eq!(t.u_candidate, 64.0);
/// assert!(t.p_candidate_greater < 0.001);
/// assert!(t.p_candidate_less > 0.99);
/// ```
pub fn mann_whitney_u(baseline: &[f64], candidate: &[f64]) -> Option<MannWhitney> {
    let base: Vec<f64> = baseline.iter().copied().filter(|v| v.is_finite()).collect();
    let cand: Vec<f64> = candidate
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (n1, n2) = (base.len(), cand.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    // Pool with a side marker, sort, assign mid-ranks to runs of ties.
    let mut pooled: Vec<(f64, bool)> = base
        .iter()
        .map(|&v| (v, false))
        .chain(cand.iter().map(|&v| (v, true)))
        .collect();
    pooled.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = pooled.len();
    let mut rank_sum_candidate = 0.0;
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && pooled[end].0 == pooled[start].0 {
            end += 1;
        }
        let run = (end - start) as f64;
        // Ranks start..end (1-based: start + 1 ..= end) share their average.
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        let in_candidate = pooled[start..end].iter().filter(|p| p.1).count() as f64;
        rank_sum_candidate += mid_rank * in_candidate;
        tie_term += run * run * run - run;
        start = end;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u_candidate = rank_sum_candidate - n2f * (n2f + 1.0) / 2.0;
    let mu = n1f * n2f / 2.0;
    let tie_correction = if n > 1 {
        tie_term / (nf * (nf - 1.0))
    } else {
        0.0
    };
    let variance = n1f * n2f / 12.0 * ((nf + 1.0) - tie_correction);
    let normal = Normal::standard();
    let (z, p_two_sided, p_candidate_greater, p_candidate_less) = if variance > 0.0 {
        let sigma = variance.sqrt();
        let diff = u_candidate - mu;
        let z_two = ((diff.abs() - 0.5) / sigma).max(0.0);
        let p_two = (2.0 * normal.sf(z_two)).min(1.0);
        let p_greater = normal.sf((diff - 0.5) / sigma);
        let p_less = normal.cdf((diff + 0.5) / sigma);
        (diff / sigma, p_two, p_greater, p_less)
    } else {
        (0.0, 1.0, 1.0, 1.0)
    };
    Some(MannWhitney {
        baseline_count: n1,
        candidate_count: n2,
        u_candidate,
        z,
        p_two_sided,
        p_candidate_greater,
        p_candidate_less,
        probability_candidate_greater: u_candidate / (n1f * n2f),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counting shortcut in `bootstrap_mean_median` must give exactly the intervals that
    /// sorting every resample gives.
    #[test]
    fn bootstrap_by_counting_equals_bootstrap_by_sorting() {
        for n in [2_usize, 3, 10, 25] {
            let sorted: Vec<f64> = (0..n).map(|i| ((i * 7919) % 101) as f64).collect();
            let sorted = finite_sorted(&sorted);
            let mean = sorted.iter().sum::<f64>() / n as f64;
            let median = quantile_sorted(&sorted, 0.5).unwrap();
            let (mean_ci, median_ci) = bootstrap_mean_median(&sorted, mean, median, 0.9, 5);

            let mut rng = SplitMix64::new(5);
            let mut means = Vec::new();
            let mut medians = Vec::new();
            for _ in 0..BOOTSTRAP_RESAMPLES {
                let mut resample: Vec<f64> = (0..n).map(|_| sorted[rng.below(n)]).collect();
                resample.sort_by(f64::total_cmp);
                means.push(resample.iter().sum::<f64>() / n as f64);
                medians.push(quantile_sorted(&resample, 0.5).unwrap());
            }
            let expected_median = percentile_interval(&mut medians, median, 0.9);
            let expected_mean = percentile_interval(&mut means, mean, 0.9);
            assert_eq!(median_ci, expected_median, "n = {n}");
            assert!(
                (mean_ci.lower - expected_mean.lower).abs() < 1e-9,
                "n = {n}"
            );
            assert!(
                (mean_ci.upper - expected_mean.upper).abs() < 1e-9,
                "n = {n}"
            );
        }
    }
}
