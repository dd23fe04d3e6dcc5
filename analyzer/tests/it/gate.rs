//! The cold-start regression gate: decisions, errors, renderers, and its false-alarm and
//! detection rates on synthetic lognormal data.

use analyzer::Error;
use analyzer::gate::{
    Decision, GateMetric, GateOptions, GateStatistic, GateVerdict, Outcome, compare,
    escape_github_data, escape_github_property, escape_xml, minimum_samples, render_github,
    render_json, render_junit, render_markdown, render_text,
};
use analyzer::result::ConfigKey;
use analyzer::units::Architecture;

use crate::harness::{Rng, key, lognormal_inits, run, run_samples_only};

const MEDIAN_INIT_MS: f64 = 180.0;
const SIGMA: f64 = 0.15;

fn pair(shift: impl Fn(f64) -> f64, seed: u64, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(seed);
    let base = lognormal_inits(&mut rng, n, MEDIAN_INIT_MS, SIGMA);
    let cur = lognormal_inits(&mut rng, n, MEDIAN_INIT_MS, SIGMA)
        .into_iter()
        .map(shift)
        .collect();
    (base, cur)
}

/// The gate's verdict on one configuration `k` measured with `base` then `cur` Init Durations.
fn verdict_of(k: ConfigKey, base: Vec<f64>, cur: Vec<f64>, options: &GateOptions) -> GateVerdict {
    compare(&run(&[(k, base)]), &run(&[(k, cur)]), options).unwrap()
}

#[test]
fn flags_a_clear_regression_with_its_size_and_interval() {
    let (base, cur) = pair(|x| x * 1.3, 11, 40);
    let k = key(1024, Architecture::X86_64);
    let verdict = verdict_of(k, base, cur, &GateOptions::default());
    assert_eq!(verdict.outcome, Outcome::Regression);
    assert!(verdict.has_regression());
    let c = &verdict.configurations[0];
    assert_eq!(c.outcome, Outcome::Regression);
    assert!(
        c.difference_ci.lower > c.threshold,
        "lower bound {} must exceed the threshold {}",
        c.difference_ci.lower,
        c.threshold
    );
    assert!(c.difference_ci.lower <= c.difference && c.difference <= c.difference_ci.upper);
    assert!(c.p_value < 0.05);
    assert!(
        c.relative_difference > 0.15 && c.relative_difference < 0.45,
        "{}",
        c.relative_difference
    );
    assert!(c.explanation.starts_with("regression"), "{}", c.explanation);
    assert!(c.explanation.contains("ms"), "{}", c.explanation);
}

#[test]
fn reports_an_improvement_without_failing() {
    let (base, cur) = pair(|x| x * 0.7, 12, 40);
    let k = key(512, Architecture::Arm64);
    let verdict = verdict_of(k, base, cur, &GateOptions::default());
    assert_eq!(verdict.outcome, Outcome::Improvement);
    assert!(!verdict.has_regression());
    assert!(verdict.configurations[0].difference_ci.upper < -verdict.configurations[0].threshold);
}

#[test]
fn identical_runs_are_unchanged() {
    let (base, _) = pair(|x| x, 13, 30);
    let k = key(1024, Architecture::X86_64);
    let verdict = verdict_of(k, base.clone(), base, &GateOptions::default());
    assert_eq!(verdict.outcome, Outcome::Unchanged);
    assert!(verdict.configurations[0].p_value > 0.9);
}

#[test]
fn significant_change_below_the_floor_is_not_a_regression() {
    // Tiny spread, +3 ms shift: significant, but under the 5 ms floor (5% of 90 ms is 4.5 ms).
    let base: Vec<f64> = (0..30).map(|i| 90.0 + f64::from(i % 5) * 0.1).collect();
    let cur: Vec<f64> = base.iter().map(|x| x + 3.0).collect();
    let k = key(256, Architecture::X86_64);
    let verdict = verdict_of(k, base, cur, &GateOptions::default());
    let c = &verdict.configurations[0];
    assert!(c.p_value < 0.001, "{}", c.p_value);
    assert_eq!(c.threshold, 5.0);
    assert_eq!(c.outcome, Outcome::Unchanged);
    assert!(c.explanation.contains("threshold"), "{}", c.explanation);
}

#[test]
fn threshold_is_the_larger_of_relative_and_floor() {
    let base: Vec<f64> = (0..30).map(|i| 1000.0 + f64::from(i)).collect();
    let k = key(256, Architecture::X86_64);
    let options = GateOptions {
        relative_threshold: 0.10,
        ..GateOptions::default()
    };
    let verdict = verdict_of(k, base.clone(), base, &options);
    assert!((verdict.configurations[0].threshold - 101.45).abs() < 1e-9);
}

#[test]
fn compares_the_chosen_metric_and_statistic() {
    let (base, cur) = pair(|x| x * 1.5, 14, 40);
    let k = key(1024, Architecture::X86_64);
    // Init durations regress but memory is identical in both runs.
    let options = GateOptions {
        metric: GateMetric::MaxMemory,
        statistic: GateStatistic::P90,
        ..GateOptions::default()
    };
    let verdict = verdict_of(k, base, cur, &options);
    let c = &verdict.configurations[0];
    assert_eq!(c.outcome, Outcome::Unchanged);
    assert_eq!(c.unit, "MB");
    assert_eq!(c.baseline_value, 41.0);
}

#[test]
fn same_seed_gives_the_same_verdict() {
    let (base, cur) = pair(|x| x + 20.0, 15, 25);
    let k = key(1024, Architecture::X86_64);
    let (b, c) = (run(&[(k, base)]), run(&[(k, cur)]));
    let one = compare(&b, &c, &GateOptions::default()).unwrap();
    let two = compare(&b, &c, &GateOptions::default()).unwrap();
    assert_eq!(one, two);
}

#[test]
fn mismatched_configurations_are_an_error_naming_them() {
    let (base, _) = pair(|x| x, 16, 10);
    let (a, b) = (
        key(512, Architecture::X86_64),
        key(1024, Architecture::Arm64),
    );
    let err = compare(
        &run(&[(a, base.clone())]),
        &run(&[(b, base)]),
        &GateOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::MismatchedConfigurations { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("512 MB x86_64") && msg.contains("1024 MB arm64"),
        "{msg}"
    );
}

#[test]
fn zero_samples_are_an_error() {
    let k = key(512, Architecture::X86_64);
    let (base, _) = pair(|x| x, 17, 10);
    let mut current = run(&[(k, base.clone())]);
    current.configurations[0].samples.clear();
    let err = compare(&run(&[(k, base)]), &current, &GateOptions::default()).unwrap_err();
    assert!(matches!(err, Error::NoSamples { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("current has no init duration samples")
    );
}

#[test]
fn too_few_samples_error_states_how_many_are_needed() {
    let k = key(512, Architecture::X86_64);
    let err = compare(
        &run(&[(k, vec![100.0, 101.0, 102.0])]),
        &run(&[(k, vec![200.0, 201.0, 202.0])]),
        &GateOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::TooFewSamples {
            side: "baseline".into(),
            configuration: "512 MB x86_64".into(),
            count: 3,
            needed: 4,
            confidence: 0.95
        }
    );
    assert!(err.to_string().contains("at least 4"), "{err}");
}

#[test]
fn minimum_samples_follow_the_confidence() {
    assert_eq!(minimum_samples(0.90), 3);
    assert_eq!(minimum_samples(0.95), 4);
    assert_eq!(minimum_samples(0.99), 6);
    assert_eq!(minimum_samples(0.999), 8);
}

#[test]
fn other_schema_version_is_an_error() {
    let k = key(512, Architecture::X86_64);
    let (base, _) = pair(|x| x, 18, 10);
    let mut current = run(&[(k, base.clone())]);
    current.schema_version = 99;
    let err = compare(&run(&[(k, base)]), &current, &GateOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedSchemaVersion {
                found: 99,
                supported: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn invalid_options_are_rejected() {
    let k = key(512, Architecture::X86_64);
    let (base, _) = pair(|x| x, 19, 10);
    let r = run(&[(k, base)]);
    for options in [
        GateOptions {
            confidence: 1.0,
            ..GateOptions::default()
        },
        GateOptions {
            relative_threshold: -0.1,
            ..GateOptions::default()
        },
        GateOptions {
            absolute_floor_ms: f64::NAN,
            ..GateOptions::default()
        },
    ] {
        assert!(matches!(
            compare(&r, &r, &options),
            Err(Error::InvalidOption { .. })
        ));
    }
    assert!("p95".parse::<GateStatistic>().is_err());
    assert_eq!(
        "init".parse::<GateMetric>().unwrap(),
        GateMetric::InitDuration
    );
    assert_eq!(
        "memory".parse::<GateMetric>().unwrap(),
        GateMetric::MaxMemory
    );
    assert_eq!("p99".parse::<GateStatistic>().unwrap(), GateStatistic::P99);
}

#[test]
fn warns_when_a_percentile_has_too_few_samples() {
    let (base, cur) = pair(|x| x, 20, 30);
    let k = key(512, Architecture::X86_64);
    let options = GateOptions {
        statistic: GateStatistic::P99,
        ..GateOptions::default()
    };
    let verdict = verdict_of(k, base, cur, &options);
    assert_eq!(verdict.warnings.len(), 1);
    assert!(verdict.warnings[0].message.contains("at least 100"));
}

fn mixed_verdict() -> GateVerdict {
    let (base_a, cur_a) = pair(|x| x * 1.4, 21, 30);
    let (base_b, cur_b) = pair(|x| x, 22, 30);
    let (a, b) = (
        key(512, Architecture::X86_64),
        key(1024, Architecture::Arm64),
    );
    compare(
        &run(&[(a, base_a), (b, base_b)]),
        &run(&[(a, cur_a), (b, cur_b)]),
        &GateOptions::default(),
    )
    .unwrap()
}

#[test]
fn text_output_has_a_headline_and_a_line_per_configuration() {
    let text = render_text(&mixed_verdict());
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("cold-start regression: 1 of 2"),
        "{text}"
    );
    assert!(lines[1].contains("512 MB x86_64") && lines[1].contains("regression"));
    assert!(lines[2].contains("1024 MB arm64") && lines[2].contains("unchanged"));
}

#[test]
fn markdown_output_is_a_table_with_a_row_per_configuration() {
    let md = render_markdown(&mixed_verdict());
    assert!(md.starts_with("### cold-start regression"), "{md}");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(rows.len(), 4, "{md}");
    let columns = rows[0].matches('|').count();
    assert!(
        rows.iter().all(|r| r.matches('|').count() == columns),
        "{md}"
    );
    assert!(rows[2].contains("regression") && rows[3].contains("unchanged"));
}

#[test]
fn github_annotations_follow_the_workflow_command_syntax() {
    let out = render_github(&mixed_verdict());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for line in &lines {
        let rest = line
            .strip_prefix("::error ")
            .or_else(|| line.strip_prefix("::notice "))
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        let (props, message) = rest.split_once("::").expect("properties::message");
        let title = props.strip_prefix("title=").expect("a title property");
        assert!(
            !title.contains(':') && !title.contains(','),
            "unescaped property: {title}"
        );
        assert!(!message.is_empty());
    }
    assert!(
        lines[0].starts_with("::error title=Cold-start regression%3A checkout 512 MB x86_64::")
    );
    assert!(lines[1].starts_with("::notice "));
}

#[test]
fn github_escaping_matches_the_toolkit_rules() {
    assert_eq!(
        escape_github_data("50% a\r\nb: c, d"),
        "50%25 a%0D%0Ab: c, d"
    );
    assert_eq!(
        escape_github_property("50% a\r\nb: c, d"),
        "50%25 a%0D%0Ab%3A c%2C d"
    );
}

#[test]
fn junit_output_is_well_formed_xml_with_a_failure_per_regression() {
    let xml = render_junit(&mixed_verdict());
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    assert_eq!(suites.attribute("failures"), Some("1"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].parent().unwrap().attribute("name"),
        Some("512 MB x86_64 init duration median")
    );
    assert!(
        failures[0]
            .attribute("message")
            .unwrap()
            .starts_with("regression")
    );
}

#[test]
fn xml_escaping_survives_markup_and_control_characters() {
    let nasty = "a<b>&\"c'\u{1}d";
    assert_eq!(escape_xml(nasty), "a&lt;b&gt;&amp;&quot;c&apos;d");
    let xml = format!("<x a=\"{}\">{}</x>", escape_xml(nasty), escape_xml(nasty));
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().attribute("a"), Some("a<b>&\"c'd"));
}

#[test]
fn json_output_round_trips() {
    let verdict = mixed_verdict();
    let json = render_json(&verdict);
    let back: analyzer::gate::GateVerdict = serde_json::from_str(&json).unwrap();
    assert_eq!(back.outcome, verdict.outcome);
    assert_eq!(back.configurations.len(), 2);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["outcome"], "regression");
    assert_eq!(value["configurations"][0]["memory_mb"], 512);
}

/// Repeats the gate on `pairs` independent synthetic baseline/current pairs of `n` samples
/// each and counts the regressions it reports.
fn regressions_out_of(
    decision: Decision,
    pairs: u64,
    n: usize,
    shift: impl Fn(f64) -> f64 + Copy,
) -> u64 {
    let k = key(1024, Architecture::X86_64);
    (0..pairs)
        .filter(|i| {
            let (base, cur) = pair(shift, 1000 + i, n);
            let options = GateOptions {
                seed: 77 + i,
                decision,
                ..GateOptions::default()
            };
            compare(
                &run_samples_only(k, &base),
                &run_samples_only(k, &cur),
                &options,
            )
            .unwrap()
            .has_regression()
        })
        .count() as u64
}

#[test]
fn false_alarm_and_detection_rates_on_lognormal_init_durations() {
    // 40 independent pairs per cell; Init Duration lognormal (median 180 ms, log-sd 0.15);
    // default options (median, 95%, threshold max(5% = 9 ms, 5 ms)). The module docs of
    // `analyzer::gate` give the same table from 400 pairs.
    let rates = |decision, n| {
        [
            regressions_out_of(decision, 40, n, |x| x),
            regressions_out_of(decision, 40, n, |x| x * 1.05),
            regressions_out_of(decision, 40, n, |x| x * 1.2),
            regressions_out_of(decision, 40, n, |x| x + 30.0),
        ]
    };
    let bound = rates(Decision::IntervalBound, 60);
    let point = rates(Decision::PointEstimate, 30);
    for (name, r) in [
        ("interval bound (default), 60 samples", bound),
        ("point estimate, 30 samples", point),
    ] {
        println!(
            "{name}: false alarms (same distribution) {}/40; flagged +5% (at the threshold) \
             {}/40; detected +20% {}/40; detected +30 ms {}/40",
            r[0], r[1], r[2], r[3]
        );
    }
    // The default rule: no false alarms to speak of, few flags at the threshold, and with 60
    // samples nearly every regression of twice the threshold.
    let [same, at_threshold, plus_20_percent, plus_30_ms] = bound;
    assert!(same <= 1, "false alarms {same}/40");
    assert!(
        at_threshold <= 4,
        "a change at the threshold flagged {at_threshold}/40"
    );
    assert!(plus_20_percent >= 36, "detected +20% {plus_20_percent}/40");
    assert!(plus_30_ms >= 32, "detected +30 ms {plus_30_ms}/40");
    // The point-estimate rule detects more with fewer samples but flags borderline changes.
    assert!(point[0] <= 3, "point-estimate false alarms {}/40", point[0]);
    assert!(point[1] >= at_threshold);
    assert!(point[2] >= 36 && point[3] >= 36);
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    fn runs() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
        (
            proptest::collection::vec(50.0f64..500.0, 4..40),
            proptest::collection::vec(50.0f64..500.0, 4..40),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn interval_contains_the_estimate_and_order_does_not_matter((base, cur) in runs()) {
            let k = key(512, Architecture::X86_64);
            let options = GateOptions::default();
            let verdict = compare(
                &run_samples_only(k, &base),
                &run_samples_only(k, &cur),
                &options,
            )
            .unwrap();
            let c = &verdict.configurations[0];
            prop_assert!(c.difference_ci.contains(c.difference), "{:?} vs {}", c.difference_ci, c.difference);
            prop_assert!((0.0..=1.0).contains(&c.p_value));
            let (mut b2, mut c2) = (base.clone(), cur.clone());
            b2.reverse();
            c2.reverse();
            let again = compare(&run_samples_only(k, &b2), &run_samples_only(k, &c2), &options)
                .unwrap();
            prop_assert_eq!(&again.configurations[0], c);
            // Swapping the runs flips a regression into an improvement and back.
            let swapped = compare(&run_samples_only(k, &cur), &run_samples_only(k, &base), &options)
                .unwrap();
            let flipped = match c.outcome {
                Outcome::Regression => Outcome::Improvement,
                Outcome::Improvement => Outcome::Regression,
                Outcome::Unchanged => Outcome::Unchanged,
            };
            // The threshold is relative to the baseline, and the decision reads the bootstrap
            // interval, which for the swapped runs differs from the negated original by
            // resampling noise. So only assert when the original interval lies clear of both
            // runs' thresholds by half its width, or inside them: not a borderline call.
            let t = c.threshold.max(swapped.configurations[0].threshold);
            let margin = (c.difference_ci.upper - c.difference_ci.lower) / 2.0;
            let ci = c.difference_ci;
            let clear = ci.lower > t + margin
                || ci.upper < -(t + margin)
                || (ci.lower > -(t - margin) && ci.upper < t - margin);
            if clear {
                prop_assert_eq!(swapped.configurations[0].outcome, flipped);
            }
        }
    }
}
