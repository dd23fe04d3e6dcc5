//! From raw samples to results: the one place that turns a configuration's samples into a
//! [`ConfigurationResult`], a set of results into [`Recommendations`], and results into
//! aws-lambda-power-tuning's [`PowerTuningOutput`]. The tuner calls only these.
//!
//! # Definitions
//!
//! - **Errored samples** (an `error`, or a REPORT `status` of `error` or `timeout`) are left out
//!   of every duration statistic, since their duration measures the failure rather than the
//!   function, but they are counted in `errors` and their billed duration is in `total_cost_usd`
//!   (Lambda bills them). A configuration with no successful sample is an error.
//! - `discardTopBottom` is clamped to `[0, 0.4]` and forced to 0 with `onlyColdStarts`, as
//!   aws-lambda-power-tuning's executor does ([`effective_discard_top_bottom`]).
//! - `duration` summarizes the handler's `Duration`; `init_duration` the cold samples' Init
//!   Duration; `billed_duration` the billed milliseconds (Init included on cold starts).
//! - `cost.mean_cost_usd` follows `averagePrice`: the trimmed mean of billed durations,
//!   rounded up to a whole ms, priced at the region's exact first-tier GB-second price, **plus
//!   the request price** (see [`crate::pricing`] for how that differs from the original).
//! - Recommendations rank on `cost.mean_cost_usd` and on the trimmed mean of `duration`; their
//!   intervals are the bootstrap intervals of the mean (cost: of the mean billed duration,
//!   priced), widened to contain the trimmed mean they are compared around.
//!
//! # The compatible output
//!
//! [`power_tuning_output`] recomputes aws-lambda-power-tuning's own figures from the samples,
//! so it agrees with what that tool would report for the same invocations:
//! `averageDuration` is the trimmed mean of `Duration + Init Duration` (its
//! `parseLogAndExtractDurations` adds them), `averagePrice` and `totalCost` use its constants
//! (no request price), and `power` is chosen by the same strategy code over those figures.
//! Only successful samples are used (the original aborts on an error unless the error type is
//! in `allowedExceptions`).

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::pricing::{PriceTable, duration_cost_usd};
use crate::report_line::ReportStatus;
use crate::result::{
    ConfigKey, ConfigurationResult, CostSummary, PowerTuningOutput, PowerTuningStat,
    Recommendations, Sample, Strategy, TuningInput,
};
use crate::stats::{
    ConfidenceInterval, DEFAULT_CONFIDENCE, clamp_discard_top_bottom, summarize, trimmed_mean,
};
use crate::strategy::{self, Candidate, clamp_balanced_weight};
use crate::units::Architecture;

/// Every strategy, in the order recommendations list them.
pub const STRATEGIES: [Strategy; 3] = Strategy::ALL;

/// The sizes `"powerValues": "ALL"` stands for: aws-lambda-power-tuning's `allPowerValues`,
/// 128 to 3008 MB in steps of 64.
pub fn all_power_values() -> Vec<u32> {
    (128..=3008).step_by(64).collect()
}

/// `discardTopBottom` as the executor applies it: 0 with `onlyColdStarts` (one sample per
/// environment, nothing to discard), otherwise clamped to `[0, 0.4]`.
pub fn effective_discard_top_bottom(input: &TuningInput) -> f64 {
    if input.only_cold_starts {
        0.0
    } else {
        clamp_discard_top_bottom(input.discard_top_bottom)
    }
}

/// `balancedWeight` clamped to `[0, 1]` as the analyzer applies it.
pub fn effective_balanced_weight(input: &TuningInput) -> f64 {
    clamp_balanced_weight(input.balanced_weight)
}

/// The confidence level of every interval: the input's `precision.confidence` when it is in
/// `(0, 1)`, otherwise 0.95.
pub fn confidence_level(input: &TuningInput) -> f64 {
    input
        .precision
        .as_ref()
        .map(|p| p.confidence)
        .filter(|c| *c > 0.0 && *c < 1.0)
        .unwrap_or(DEFAULT_CONFIDENCE)
}

/// Whether a sample is an errored invocation (excluded from duration statistics).
pub fn is_error(sample: &Sample) -> bool {
    sample.error.is_some()
        || matches!(
            sample.status,
            Some(ReportStatus::Error) | Some(ReportStatus::Timeout)
        )
}

/// Statistics, costs and counts of one configuration from its raw samples (kept, in order, in
/// the result). `seed` fixes the bootstrap; the same samples and seed give the same result.
///
/// # Errors
///
/// [`Error::NoSuccessfulSamples`] when no sample succeeded (or there are none),
/// [`Error::UnknownRegion`] when the price table does not know `region`.
pub fn analyze_configuration(
    key: ConfigKey,
    samples: Vec<Sample>,
    input: &TuningInput,
    prices: &PriceTable,
    region: &str,
    seed: u64,
) -> Result<ConfigurationResult> {
    let price = prices.price(region, key.architecture)?;
    let errors = count_u32(samples.iter().filter(|s| is_error(s)).count());
    let cold_starts = count_u32(
        samples
            .iter()
            .filter(|s| s.init_duration_ms.is_some())
            .count(),
    );
    let discard = effective_discard_top_bottom(input);
    let confidence = confidence_level(input);
    let ok: Vec<&Sample> = samples.iter().filter(|s| !is_error(s)).collect();
    let no_samples = || Error::NoSuccessfulSamples {
        memory_mb: key.memory_mb.get(),
        architecture: key.architecture.to_string(),
        errors,
    };
    let durations: Vec<f64> = ok.iter().map(|s| s.duration_ms).collect();
    let billed: Vec<f64> = ok.iter().map(|s| s.billed_duration_ms as f64).collect();
    let inits: Vec<f64> = ok.iter().filter_map(|s| s.init_duration_ms).collect();
    let duration = summarize(&durations, discard, confidence, seed).ok_or_else(no_samples)?;
    let billed_duration =
        summarize(&billed, discard, confidence, seed.wrapping_add(1)).ok_or_else(no_samples)?;
    let init_duration = summarize(&inits, discard, confidence, seed.wrapping_add(2));

    let gb_second_price_usd = price.gb_second_usd();
    let request_price_usd = price.request_usd();
    let mean_cost_usd = duration_cost_usd(
        billed_duration.trimmed_mean.ceil(),
        key.memory_mb,
        gb_second_price_usd,
    ) + request_price_usd;
    let total_cost_usd = samples
        .iter()
        .map(|s| {
            duration_cost_usd(
                s.billed_duration_ms as f64,
                key.memory_mb,
                gb_second_price_usd,
            ) + request_price_usd
        })
        .sum();
    Ok(ConfigurationResult {
        key,
        samples,
        duration,
        billed_duration,
        init_duration,
        cost: CostSummary {
            mean_cost_usd,
            total_cost_usd,
            gb_second_price_usd,
            request_price_usd,
        },
        errors,
        cold_starts,
    })
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn widened(ci: ConfidenceInterval, point: f64) -> ConfidenceInterval {
    ConfidenceInterval {
        lower: ci.lower.min(point),
        upper: ci.upper.max(point),
        confidence: ci.confidence,
    }
}

/// How the strategies see one configuration: mean cost and trimmed mean duration, with the
/// bootstrap intervals of the means (cost: the mean billed duration's interval, priced),
/// widened to contain those point figures.
pub fn candidate(config: &ConfigurationResult) -> Candidate {
    let cost_of = |billed_ms: f64| {
        duration_cost_usd(
            billed_ms,
            config.key.memory_mb,
            config.cost.gb_second_price_usd,
        ) + config.cost.request_price_usd
    };
    let billed_ci = config.billed_duration.mean_ci;
    let cost_ci = ConfidenceInterval {
        lower: cost_of(billed_ci.lower),
        upper: cost_of(billed_ci.upper),
        confidence: billed_ci.confidence,
    };
    Candidate {
        key: config.key,
        cost_usd: config.cost.mean_cost_usd,
        duration_ms: config.duration.trimmed_mean,
        cost_ci: Some(widened(cost_ci, config.cost.mean_cost_usd)),
        duration_ci: Some(widened(
            config.duration.mean_ci,
            config.duration.trimmed_mean,
        )),
    }
}

/// Every strategy's pick over all configurations and within each architecture, and the Pareto
/// frontier over (mean cost, mean duration), using the input's `balancedWeight`.
pub fn recommend(configs: &[ConfigurationResult], input: &TuningInput) -> Recommendations {
    let weight = effective_balanced_weight(input);
    let candidates: Vec<Candidate> = configs.iter().map(candidate).collect();
    let picks = |cands: &[Candidate]| {
        STRATEGIES
            .iter()
            .filter_map(|&s| strategy::recommend(s, cands, weight))
            .collect::<Vec<_>>()
    };
    let mut per_architecture = BTreeMap::new();
    for arch in Architecture::ALL {
        let of_arch: Vec<Candidate> = candidates
            .iter()
            .filter(|c| c.key.architecture == arch)
            .cloned()
            .collect();
        if !of_arch.is_empty() {
            per_architecture.insert(arch, picks(&of_arch));
        }
    }
    Recommendations {
        overall: picks(&candidates),
        per_architecture,
        pareto_frontier: strategy::pareto_frontier(&candidates)
            .into_iter()
            .map(|i| candidates[i].key)
            .collect(),
    }
}

/// aws-lambda-power-tuning's per-size figures for one configuration, recomputed from its
/// successful samples exactly as its executor does (see the module docs).
pub fn power_tuning_stat(
    config: &ConfigurationResult,
    input: &TuningInput,
    prices: &PriceTable,
    region: &str,
) -> PowerTuningStat {
    let discard = effective_discard_top_bottom(input);
    let ok: Vec<&Sample> = config.samples.iter().filter(|s| !is_error(s)).collect();
    let total_durations: Vec<f64> = ok
        .iter()
        .map(|s| s.duration_ms + s.init_duration_ms.unwrap_or(0.0))
        .collect();
    let billed: Vec<f64> = ok.iter().map(|s| s.billed_duration_ms as f64).collect();
    let compat = prices.power_tuning();
    let base = compat.base_cost_usd_per_ms(region, config.key.architecture);
    let memory_mb = config.key.memory_mb.get();
    PowerTuningStat {
        value: config.key.memory_mb,
        average_price: compat.price_usd(base, memory_mb, trimmed_mean(&billed, discard)),
        average_duration: trimmed_mean(&total_durations, discard),
        total_cost: compat.total_cost_usd(base, memory_mb, &billed),
    }
}

/// aws-lambda-power-tuning's output for the configurations on `architecture` (it tunes one
/// architecture at a time), in the order given: per-size `stats`, and the `power`, `cost` and
/// `duration` its analyzer would pick with the input's `strategy` and `balancedWeight`.
///
/// # Errors
///
/// [`Error::NoConfigurations`] when no configuration on `architecture` has a usable average
/// duration.
pub fn power_tuning_output(
    configs: &[ConfigurationResult],
    architecture: Architecture,
    input: &TuningInput,
    prices: &PriceTable,
    region: &str,
) -> Result<PowerTuningOutput> {
    let stats: Vec<PowerTuningStat> = configs
        .iter()
        .filter(|c| c.key.architecture == architecture)
        .map(|c| power_tuning_stat(c, input, prices, region))
        .collect();
    let candidates: Vec<Candidate> = configs
        .iter()
        .filter(|c| c.key.architecture == architecture)
        .zip(&stats)
        .map(|(c, s)| Candidate::new(c.key, s.average_price, s.average_duration))
        .collect();
    let chosen = strategy::pick(
        input.strategy,
        &candidates,
        effective_balanced_weight(input),
    )
    .ok_or_else(|| Error::NoConfigurations {
        architecture: architecture.to_string(),
    })?;
    let best = &stats[chosen];
    Ok(PowerTuningOutput {
        power: best.value,
        cost: best.average_price,
        duration: best.average_duration,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::MemoryMb;

    fn key() -> ConfigKey {
        ConfigKey {
            memory_mb: MemoryMb::try_from(1024).unwrap(),
            architecture: Architecture::X86_64,
        }
    }

    fn input() -> TuningInput {
        serde_json::from_value(serde_json::json!({ "lambdaARN": "f", "num": 5 })).unwrap()
    }

    fn sample(duration_ms: f64, billed: u64, init: Option<f64>, error: Option<&str>) -> Sample {
        Sample {
            request_id: "r".to_owned(),
            duration_ms,
            billed_duration_ms: billed,
            init_duration_ms: init,
            max_memory_used_mb: 30,
            status: None,
            error: error.map(str::to_owned),
            payload_index: None,
            output: None,
        }
    }

    fn run(samples: Vec<Sample>) -> Result<ConfigurationResult> {
        analyze_configuration(
            key(),
            samples,
            &input(),
            PriceTable::builtin(),
            "us-east-1",
            3,
        )
    }

    #[test]
    fn errored_samples_are_counted_and_billed_but_not_in_duration_statistics() {
        let mut timeout = sample(3000.0, 3000, None, None);
        timeout.status = Some(ReportStatus::Timeout);
        let samples = vec![
            sample(100.0, 100, Some(250.0), None),
            sample(10.0, 10, None, None),
            sample(12.0, 12, None, None),
            sample(11.0, 11, None, None),
            sample(9000.0, 9000, None, Some("Unhandled")),
            timeout,
        ];
        let result = run(samples).unwrap();
        assert_eq!(result.errors, 2);
        assert_eq!(result.cold_starts, 1);
        assert_eq!(result.samples.len(), 6);
        assert_eq!(result.duration.count, 4);
        assert_eq!(result.duration.max, 100.0);
        let init = result.init_duration.unwrap();
        assert_eq!((init.count, init.mean), (1, 250.0));
        let billed_ms: f64 = [100.0, 10.0, 12.0, 11.0, 9000.0, 3000.0].iter().sum();
        let expected_total = billed_ms / 1000.0 * 0.000_016_666_7 + 6.0 * 0.000_000_2;
        assert!((result.cost.total_cost_usd - expected_total).abs() < 1e-15);
    }

    #[test]
    fn mean_cost_prices_the_trimmed_billed_mean_rounded_up_plus_the_request() {
        // 5 samples, 0.2 drops one at each end: billed 11, 12, 14 -> 12.333 -> 13 ms.
        let samples = [10, 11, 12, 14, 90]
            .iter()
            .map(|&b| sample(b as f64 - 0.5, b, None, None))
            .collect();
        let result = run(samples).unwrap();
        let expected = 0.013 * 1.0 * 0.000_016_666_7 + 0.000_000_2;
        assert!((result.cost.mean_cost_usd - expected).abs() < 1e-15);
        assert_eq!(result.cost.gb_second_price_usd, 0.000_016_666_7);
    }

    #[test]
    fn configuration_without_a_successful_sample_is_an_error() {
        let err = run(vec![sample(1.0, 1, None, Some("Unhandled"))]).unwrap_err();
        assert_eq!(
            err,
            Error::NoSuccessfulSamples {
                memory_mb: 1024,
                architecture: "x86_64".to_owned(),
                errors: 1
            }
        );
        assert!(run(Vec::new()).is_err());
    }

    #[test]
    fn unknown_region_is_reported_before_any_analysis() {
        let err = analyze_configuration(
            key(),
            vec![sample(1.0, 1, None, None)],
            &input(),
            PriceTable::builtin(),
            "moon-1",
            0,
        )
        .unwrap_err();
        assert!(matches!(err, Error::UnknownRegion { .. }));
    }

    #[test]
    fn same_samples_and_seed_give_the_same_result() {
        let samples: Vec<Sample> = (0..20_u32)
            .map(|i| sample(f64::from(i % 7) + 20.0, u64::from(21 + (i % 7)), None, None))
            .collect();
        assert_eq!(run(samples.clone()).unwrap(), run(samples).unwrap());
    }

    #[test]
    fn confidence_and_discard_follow_the_input() {
        let mut input = input();
        input.discard_top_bottom = 0.9;
        assert_eq!(effective_discard_top_bottom(&input), 0.4);
        input.only_cold_starts = true;
        assert_eq!(effective_discard_top_bottom(&input), 0.0);
        assert_eq!(confidence_level(&input), 0.95);
        input.precision = Some(crate::result::SamplingPrecision {
            relative_width: 0.05,
            confidence: 0.9,
            min_samples: 10,
        });
        assert_eq!(confidence_level(&input), 0.9);
        input.balanced_weight = 3.0;
        assert_eq!(effective_balanced_weight(&input), 1.0);
    }
}
