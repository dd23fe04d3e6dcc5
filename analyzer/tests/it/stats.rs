//! Statistics: reference values and proptest invariants.

use analyzer::stats::{
    SplitMix64, discard_count, mann_whitney_u, mean_ci_t, quantile_sorted, summarize,
};
use approx::assert_relative_eq;
use proptest::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

const SEED: u64 = 0x5EED;

#[test]
fn percentiles_interpolate_linearly_between_closest_ranks() {
    // R: quantile(1:10, c(.1, .5, .9, .95, .99), type = 7) = 1.9 5.5 9.1 9.55 9.91
    let xs: Vec<f64> = (1..=10).map(f64::from).collect();
    for (p, expected) in [
        (0.1, 1.9),
        (0.5, 5.5),
        (0.9, 9.1),
        (0.95, 9.55),
        (0.99, 9.91),
    ] {
        assert_relative_eq!(quantile_sorted(&xs, p).unwrap(), expected, epsilon = 1e-12);
    }
}

#[test]
fn summary_reports_every_descriptive_statistic() {
    let xs: Vec<f64> = (1..=10).map(f64::from).collect();
    let s = summarize(&xs, 0.2, 0.95, SEED).unwrap();
    assert_eq!(s.count, 10);
    assert_relative_eq!(s.mean, 5.5);
    assert_relative_eq!(s.median, 5.5);
    assert_relative_eq!(s.p10, 1.9, epsilon = 1e-12);
    assert_relative_eq!(s.p90, 9.1, epsilon = 1e-12);
    assert_relative_eq!(s.p99, 9.91, epsilon = 1e-12);
    // sd(1:10) = 3.02765
    assert_relative_eq!(s.std_dev, 3.027_650_354_097_491, epsilon = 1e-12);
    assert_eq!((s.min, s.max), (1.0, 10.0));
    // Drops 2 from each end: mean of 3..=8.
    assert_relative_eq!(s.trimmed_mean, 5.5);
    assert_eq!(s.discard_top_bottom, 0.2);
    assert_eq!(s.mean_ci.confidence, 0.95);
    assert!(s.mean_ci.lower < 5.5 && 5.5 < s.mean_ci.upper);
    assert!(s.mean_ci.width() < 9.0);
}

// Trimmed means: the input/expected pairs of aws-lambda-power-tuning's own unit test of
// `computeAverageDuration` (test/unit/test-utils.js, describe('computeAverageDuration')).
#[test]
fn trimmed_mean_matches_power_tuning_compute_average_duration() {
    crate::power_tuning_compat::assert_compute_average_duration_cases();
}

#[test]
fn discard_count_truncates_like_parse_int() {
    // node -e 'for (let n = 5; n <= 15; n++) console.log(parseInt(n * 0.2, 10))'
    let expected = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3];
    for (n, want) in (5..=15).zip(expected) {
        assert_eq!(discard_count(n, 0.2), want, "n = {n}");
    }
    assert_eq!(discard_count(100, -1.0), 0);
    assert_eq!(discard_count(100, f64::NAN), 0);
    assert_eq!(discard_count(100, 0.5), 40);
}

#[test]
fn bootstrap_is_reproducible_for_a_seed_and_varies_with_it() {
    let xs: Vec<f64> = (0..50).map(|i| f64::from(i * i % 37) + 100.0).collect();
    let a = summarize(&xs, 0.2, 0.95, 1).unwrap();
    let b = summarize(&xs, 0.2, 0.95, 1).unwrap();
    let c = summarize(&xs, 0.2, 0.95, 2).unwrap();
    assert_eq!(a, b);
    assert_ne!(a.mean_ci, c.mean_ci);
}

#[test]
fn bootstrap_interval_of_the_mean_is_close_to_the_t_interval_for_symmetric_data() {
    let mut rng = SplitMix64::new(9);
    // Sum of 12 uniforms: close to normal, mean 6, sd 1.
    let xs: Vec<f64> = (0..200)
        .map(|_| {
            (0..12)
                .map(|_| rng.next_u64() as f64 / u64::MAX as f64)
                .sum()
        })
        .collect();
    let boot = summarize(&xs, 0.2, 0.95, SEED).unwrap().mean_ci;
    let t = mean_ci_t(&xs, 0.95).unwrap();
    assert_relative_eq!(boot.lower, t.lower, epsilon = 0.05);
    assert_relative_eq!(boot.upper, t.upper, epsilon = 0.05);
}

#[test]
fn non_finite_samples_are_filtered_out() {
    let s = summarize(
        &[f64::NAN, 1.0, f64::INFINITY, 3.0, f64::NEG_INFINITY],
        0.2,
        0.95,
        1,
    )
    .unwrap();
    assert_eq!(s.count, 2);
    assert_eq!(s.mean, 2.0);
    assert!(summarize(&[f64::NAN], 0.2, 0.95, 1).is_none());
    assert!(summarize(&[], 0.2, 0.95, 1).is_none());
}

#[test]
fn single_sample_has_a_point_interval() {
    let s = summarize(&[42.0], 0.2, 0.9, 1).unwrap();
    assert_eq!((s.mean_ci.lower, s.mean_ci.upper), (42.0, 42.0));
    assert_eq!((s.median_ci.lower, s.median_ci.upper), (42.0, 42.0));
    assert_eq!(s.std_dev, 0.0);
}

#[test]
fn t_interval_matches_the_textbook_formula() {
    // mean 11, s = sqrt(2.5), t(0.975, 4) = 2.776445 (R: qt(0.975, 4))
    let ci = mean_ci_t(&[10.0, 12.0, 11.0, 13.0, 9.0], 0.95).unwrap();
    let half = 2.776_445_105_197_793 * 2.5_f64.sqrt() / 5_f64.sqrt();
    assert_relative_eq!(ci.lower, 11.0 - half, epsilon = 1e-6);
    assert_relative_eq!(ci.upper, 11.0 + half, epsilon = 1e-6);
    assert!(mean_ci_t(&[1.0], 0.95).is_none());
    assert!(mean_ci_t(&[1.0, 2.0], 1.0).is_none());
}

// SciPy's documentation example for `scipy.stats.mannwhitneyu` (Conover's data):
// males vs females, U1 = 17, asymptotic two-sided p = 0.11134688653314041.
#[test]
fn mann_whitney_matches_scipy_documentation_example() {
    let males = [19.0, 22.0, 16.0, 29.0, 24.0];
    let females = [20.0, 11.0, 17.0, 12.0];
    let t = mann_whitney_u(&females, &males).unwrap();
    assert_eq!(t.u_candidate, 17.0);
    assert_relative_eq!(t.p_two_sided, 0.111_346_886_533_140_41, epsilon = 1e-9);
    // One-sided "males greater" is half the two-sided p when z > 0.
    assert_relative_eq!(t.p_candidate_greater, t.p_two_sided / 2.0, epsilon = 1e-12);
}

// NAG Library example g08amc (heavily tied data): group sizes 16 and 23, U = 86,
// normal statistic -2.8039 (continuity corrected), approximate lower-tail probability 0.0025.
#[test]
fn mann_whitney_applies_the_tie_correction_like_nag_g08amc() {
    let group1 = [
        13.0, 6.0, 12.0, 7.0, 12.0, 7.0, 10.0, 7.0, 10.0, 7.0, 16.0, 7.0, 10.0, 8.0, 9.0, 8.0,
    ];
    let group2 = [
        17.0, 6.0, 10.0, 8.0, 15.0, 8.0, 15.0, 10.0, 15.0, 10.0, 14.0, 10.0, 14.0, 11.0, 14.0,
        11.0, 13.0, 12.0, 13.0, 12.0, 13.0, 12.0, 12.0,
    ];
    let t = mann_whitney_u(&group2, &group1).unwrap();
    assert_eq!(t.u_candidate, 86.0);
    // Our `z` is uncorrected; the p-values use the corrected one, which is NAG's statistic.
    assert!(t.z < -2.8039);
    let corrected = Normal::standard().cdf(-2.8039);
    assert_relative_eq!(t.p_candidate_less, corrected, epsilon = 2e-6);
    assert_relative_eq!(t.p_candidate_less, 0.0025, epsilon = 5e-5);
    assert!(t.p_candidate_greater > 0.99);
}

#[test]
fn mann_whitney_of_identical_constant_samples_is_never_significant() {
    let t = mann_whitney_u(&[5.0; 10], &[5.0; 10]).unwrap();
    assert_eq!(
        (t.p_two_sided, t.p_candidate_greater, t.p_candidate_less),
        (1.0, 1.0, 1.0)
    );
    assert!(mann_whitney_u(&[], &[1.0]).is_none());
    assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_none());
}

fn samples() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            8 => 0.0..10_000.0_f64,
            1 => Just(f64::NAN),
            1 => Just(f64::INFINITY),
            1 => prop::num::f64::ANY,
        ],
        0..60,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn confidence_intervals_contain_their_point_estimates(xs in samples(), seed in any::<u64>()) {
        if let Some(s) = summarize(&xs, 0.2, 0.95, seed) {
            prop_assert!(s.mean_ci.contains(s.mean), "{:?}", s);
            prop_assert!(s.median_ci.contains(s.median), "{:?}", s);
        }
    }

    #[test]
    fn median_and_percentiles_lie_between_min_and_max(xs in samples()) {
        if let Some(s) = summarize(&xs, 0.2, 0.95, 7) {
            for v in [s.median, s.p10, s.p90, s.p95, s.p99, s.trimmed_mean] {
                prop_assert!(s.min <= v && v <= s.max, "{v} outside [{}, {}]", s.min, s.max);
            }
            prop_assert!(s.p10 <= s.median && s.median <= s.p90 && s.p90 <= s.p95);
        }
    }

    #[test]
    fn summary_does_not_depend_on_input_order(xs in samples(), seed in any::<u64>()) {
        let mut reversed = xs.clone();
        reversed.reverse();
        let mut rotated = xs.clone();
        if !rotated.is_empty() {
            let k = rotated.len() / 3;
            rotated.rotate_left(k);
        }
        let a = summarize(&xs, 0.2, 0.95, seed);
        prop_assert_eq!(&a, &summarize(&reversed, 0.2, 0.95, seed));
        prop_assert_eq!(&a, &summarize(&rotated, 0.2, 0.95, seed));
    }

    #[test]
    fn statistics_never_panic_nor_return_nan(xs in samples(), ys in samples(), d in any::<f64>(), c in any::<f64>()) {
        if let Some(s) = summarize(&xs, d, c, 3) {
            for v in [s.mean, s.median, s.std_dev, s.trimmed_mean, s.mean_ci.lower, s.median_ci.upper] {
                prop_assert!(!v.is_nan());
            }
        }
        let _ = mean_ci_t(&xs, c);
        if let Some(t) = mann_whitney_u(&xs, &ys) {
            for p in [t.p_two_sided, t.p_candidate_greater, t.p_candidate_less] {
                prop_assert!((0.0..=1.0).contains(&p), "p = {p}");
            }
        }
    }
}
