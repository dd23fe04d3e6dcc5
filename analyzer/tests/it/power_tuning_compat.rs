//! Agreement with aws-lambda-power-tuning: its own unit tests' inputs and expected outputs,
//! replayed against powertune's implementation.
//!
//! Sources (alexcasalboni/aws-lambda-power-tuning at commit 262ecc2d):
//! - `test/unit/test-utils.js`: `computePrice`, `computeTotalCost`, `computeAverageDuration`,
//!   `stepFunctionsCost`, `lambdaBaseCost`, `allPowerValues`;
//! - `test/unit/test-lambda.js`, `describe('executor')`: trimmed average durations of ten
//!   REPORT lines for each `discardTopBottom`, `onlyColdStarts`, and total costs per region;
//! - `test/unit/test-lambda.js`, `describe('analyzer')`: the picks of the `cost`, `speed` and
//!   `balanced` strategies.

use analyzer::analysis::{
    all_power_values, analyze_configuration, effective_discard_top_bottom, power_tuning_output,
    power_tuning_stat,
};
use analyzer::pricing::PriceTable;
use analyzer::result::{ConfigurationResult, Sample, Strategy, TuningInput};
use analyzer::stats::trimmed_mean;
use analyzer::strategy::{Candidate, pick};
use analyzer::units::Architecture;
use approx::assert_relative_eq;
use serde_json::json;

use crate::harness::key;

fn input(extra: serde_json::Value) -> TuningInput {
    let mut doc = json!({
        "lambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "num": 10
    });
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    serde_json::from_value(doc).unwrap()
}

fn sample(duration_ms: f64, billed_duration_ms: u64, init_duration_ms: Option<f64>) -> Sample {
    Sample {
        request_id: format!("req-{duration_ms}"),
        duration_ms,
        billed_duration_ms,
        init_duration_ms,
        max_memory_used_mb: 15,
        status: None,
        error: None,
        payload_index: None,
        output: None,
    }
}

/// The ten REPORT lines of the executor's `discardTopBottom` tests, in invocation order:
/// Duration / Billed Duration (the first also has Init Duration: 0.1 ms).
fn executor_samples() -> Vec<Sample> {
    vec![
        sample(0.1, 1, Some(0.1)),
        sample(0.5, 1, None),
        sample(2.0, 2, None),
        sample(3.0, 3, None),
        sample(3.0, 3, None),
        sample(4.0, 4, None),
        sample(4.5, 5, None),
        sample(10.0, 10, None),
        sample(50.0, 50, None),
        sample(200.0, 200, None),
    ]
}

fn analyze(samples: Vec<Sample>, memory_mb: u32, input: &TuningInput) -> ConfigurationResult {
    analyze_configuration(
        key(memory_mb, Architecture::X86_64),
        samples,
        input,
        PriceTable::builtin(),
        "us-east-1",
        1,
    )
    .unwrap()
}

#[test]
fn average_duration_matches_executor_for_each_discard_top_bottom() {
    // (discardTopBottom, expected averageDuration): 0.7 is clamped to 0.4.
    for (discard, expected) in [
        (0.7, 3.5),
        (0.4, 3.5),
        (0.2, 4.416_666_666_666_667),
        (0.0, 27.72),
    ] {
        let input = input(json!({ "discardTopBottom": discard }));
        let config = analyze(executor_samples(), 128, &input);
        let stat = power_tuning_stat(&config, &input, PriceTable::builtin(), "us-east-1");
        assert_eq!(
            stat.average_duration, expected,
            "discardTopBottom {discard}"
        );
    }
}

#[test]
fn only_cold_starts_discards_nothing_like_the_executor() {
    let input = input(json!({ "onlyColdStarts": true }));
    assert_eq!(effective_discard_top_bottom(&input), 0.0);
    let config = analyze(executor_samples(), 128, &input);
    let stat = power_tuning_stat(&config, &input, PriceTable::builtin(), "us-east-1");
    assert_eq!(stat.average_duration, 27.72);
}

#[test]
fn total_cost_matches_executor_default_and_af_south_1() {
    // Ten invocations of 1 ms at 128 MB: 2.1e-8 by default, 2.8e-8 in af-south-1.
    let input = input(json!({}));
    let config = analyze((0..10).map(|_| sample(1.0, 1, None)).collect(), 128, &input);
    let table = PriceTable::builtin();
    let default = power_tuning_stat(&config, &input, table, "us-east-1");
    assert_relative_eq!(default.total_cost, 2.1e-8, max_relative = 1e-10);
    let af = power_tuning_stat(&config, &input, table, "af-south-1");
    assert_relative_eq!(af.total_cost, 2.8e-8, max_relative = 1e-10);
}

#[test]
fn compute_price_matches_power_tuning() {
    let compat = PriceTable::builtin().power_tuning();
    // computePrice(2.1e-9, 128, 1024, 300) == minCost * (value / minRAM) * averageDuration
    assert_eq!(
        compat.price_usd(2.1e-9, 1024, 300.0),
        2.1e-9 * (1024.0 / 128.0) * 300.0
    );
    // and the duration is rounded up to a whole ms first.
    assert_eq!(
        compat.price_usd(2.1e-9, 1024, 299.2),
        compat.price_usd(2.1e-9, 1024, 300.0)
    );
}

#[test]
fn compute_total_cost_matches_power_tuning() {
    let compat = PriceTable::builtin().power_tuning();
    let durations = [100.0, 150.0, 200.0, 300.0, 400.0];
    let total: f64 = durations.iter().sum();
    assert_relative_eq!(
        compat.total_cost_usd(2.1e-9, 1024, &durations),
        2.1e-9 * (1024.0 / 128.0) * total,
        max_relative = 1e-15
    );
    assert_eq!(compat.total_cost_usd(2.1e-9, 1024, &[]), 0.0);
}

#[test]
fn compute_average_duration_matches_power_tuning() {
    assert_compute_average_duration_cases();
}

/// The input/expected pairs of aws-lambda-power-tuning's unit test of
/// `computeAverageDuration` (test/unit/test-utils.js), against [`trimmed_mean`].
pub(crate) fn assert_compute_average_duration_cases() {
    let durations = [1.0, 2.0, 3.0, 4.0, 2000.0];
    assert_eq!(trimmed_mean(&durations, 0.2), 3.0);
    assert_eq!(trimmed_mean(&durations, 0.4), 3.0);
    assert_eq!(trimmed_mean(&durations, 0.0), 402.0);
    assert_eq!(trimmed_mean(&[1.0], 0.4), 1.0);
    assert_eq!(trimmed_mean(&[], 0.2), 0.0);
}

#[test]
fn base_costs_and_step_functions_cost_match_power_tuning() {
    let compat = PriceTable::builtin().power_tuning();
    assert_eq!(
        compat.base_cost_usd_per_ms("eu-west-1", Architecture::X86_64),
        2.1e-9
    );
    assert_eq!(
        compat.base_cost_usd_per_ms("eu-west-1", Architecture::Arm64),
        1.7e-9
    );
    assert_eq!(
        compat.base_cost_usd_per_ms("af-south-1", Architecture::X86_64),
        2.8e-9
    );
    // stepFunctionsCost(10, false, 10) and (10, true, 10) at 0.00003 per transition.
    assert_eq!(
        compat.step_functions_cost_usd("us-gov-west-1", 10, false, 10),
        0.00108
    );
    assert_eq!(
        compat.step_functions_cost_usd("us-gov-west-1", 10, true, 10),
        0.00648
    );
}

#[test]
fn all_power_values_are_128_to_3008_in_steps_of_64() {
    let values = all_power_values();
    assert_eq!(values.first(), Some(&128));
    assert_eq!(values.last(), Some(&3008));
    assert!(values.windows(2).all(|w| w[1] - w[0] == 64));
    assert_eq!(values.len(), 46);
}

/// `(value, averagePrice, averageDuration)` rows of the analyzer tests.
fn candidates(rows: &[(u32, f64, f64)]) -> Vec<Candidate> {
    rows.iter()
        .map(|&(mb, price, duration)| {
            Candidate::new(key(mb, Architecture::X86_64), price, duration)
        })
        .collect()
}

fn picked(strategy: Strategy, weight: f64, rows: &[(u32, f64, f64)]) -> u32 {
    let cands = candidates(rows);
    cands[pick(strategy, &cands, weight).unwrap()]
        .key
        .memory_mb
        .get()
}

#[test]
fn strategy_picks_match_the_analyzer_tests() {
    let a = [(128, 100.0, 100.0), (256, 200.0, 300.0), (512, 30.0, 200.0)];
    // 'should return the cheapest power configuration if cost strategy'
    assert_eq!(picked(Strategy::Cost, 0.5, &a), 512);
    // 'should return the cheapest and fastest power configuration if cost strategy and same cost'
    let same_cost = [(128, 100.0, 100.0), (256, 100.0, 90.0), (512, 300.0, 200.0)];
    assert_eq!(picked(Strategy::Cost, 0.5, &same_cost), 256);
    // 'should return the fastest power configuration if speed strategy'
    let b = [
        (128, 100.0, 300.0),
        (256, 200.0, 200.0),
        (512, 300.0, 100.0),
    ];
    assert_eq!(picked(Strategy::Speed, 0.5, &b), 512);
    // '... speed strategy and same duration'
    let same_speed = [(128, 100.0, 200.0), (256, 90.0, 200.0), (512, 300.0, 400.0)];
    assert_eq!(picked(Strategy::Speed, 0.5, &same_speed), 256);
    // 'balanced strategy with weight = 1' is the cheapest; 'weight = 0' the fastest.
    assert_eq!(picked(Strategy::Balanced, 1.0, &a), 512);
    assert_eq!(picked(Strategy::Balanced, 0.0, &b), 512);
    // 'balanced strategy with default weight'
    let c = [
        (128, 101.0, 300.0),
        (256, 200.0, 200.0),
        (512, 300.0, 101.0),
    ];
    assert_eq!(picked(Strategy::Balanced, 0.5, &c), 256);
    // 'balanced strategy with custom weight' 0.3
    let d = [
        (128, 100.0, 300.0),
        (256, 200.0, 200.0),
        (512, 300.0, 100.0),
        (1024, 1000.0, 50.0),
    ];
    assert_eq!(picked(Strategy::Balanced, 0.3, &d), 512);
}

#[test]
fn balanced_weight_is_clamped_to_zero_one_like_get_balanced_weight() {
    let b = [
        (128, 100.0, 300.0),
        (256, 200.0, 200.0),
        (512, 300.0, 100.0),
    ];
    assert_eq!(
        picked(Strategy::Balanced, -3.0, &b),
        picked(Strategy::Balanced, 0.0, &b)
    );
    let a = [(128, 100.0, 100.0), (256, 200.0, 300.0), (512, 30.0, 200.0)];
    assert_eq!(
        picked(Strategy::Balanced, 7.0, &a),
        picked(Strategy::Balanced, 1.0, &a)
    );
}

#[test]
fn power_tuning_output_picks_with_the_input_strategy_from_samples() {
    // Three memory sizes measured end to end; the output must pick what the analyzer would
    // pick from the executor's figures.
    let table = PriceTable::builtin();
    let input_cost = input(json!({ "strategy": "cost" }));
    let input_speed = input(json!({ "strategy": "speed" }));
    let configs: Vec<ConfigurationResult> = [(128_u32, 400.0), (512, 90.0), (1024, 60.0)]
        .iter()
        .map(|&(mb, ms)| {
            let samples = (0..10)
                .map(|i| {
                    sample(
                        ms + f64::from(i) * 0.25,
                        (ms + f64::from(i) * 0.25).ceil() as u64,
                        None,
                    )
                })
                .collect();
            analyze(samples, mb, &input_cost)
        })
        .collect();
    let cost = power_tuning_output(
        &configs,
        Architecture::X86_64,
        &input_cost,
        table,
        "us-east-1",
    )
    .unwrap();
    assert_eq!(cost.stats.len(), 3);
    // 128 MB: ~401 ms * 2.1e-9 = 8.4e-7; 512 MB: ~91 ms * 4 * 2.1e-9 = 7.6e-7;
    // 1024 MB: ~61 ms * 8 * 2.1e-9 = 1.0e-6.
    assert_eq!(cost.power, 512);
    let row = &cost.stats[1];
    assert_eq!(row.value, 512);
    // Trimmed mean of billed 90..=93 (two dropped each end) = 91.5 -> ceil 92.
    assert_relative_eq!(row.average_price, 92.0 * 2.1e-9 * 4.0, max_relative = 1e-12);
    assert_eq!(cost.cost, row.average_price);
    assert_eq!(cost.duration, row.average_duration);
    let speed = power_tuning_output(
        &configs,
        Architecture::X86_64,
        &input_speed,
        table,
        "us-east-1",
    )
    .unwrap();
    assert_eq!(speed.power, 1024);
    assert!(
        power_tuning_output(
            &configs,
            Architecture::Arm64,
            &input_cost,
            table,
            "us-east-1"
        )
        .is_err()
    );
}
