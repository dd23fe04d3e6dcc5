//! Strategies beyond the original: Pareto frontier, recommendations per architecture and
//! overall, and honest "no significant difference" verdicts.

use analyzer::analysis::{analyze_configuration, recommend};
use analyzer::pricing::PriceTable;
use analyzer::result::{ConfigKey, ConfigurationResult, Sample, Strategy, TuningInput};
use analyzer::stats::{ConfidenceInterval, SplitMix64};
use analyzer::strategy::{self, Candidate, indistinguishable_from, pareto_frontier};
use analyzer::units::Architecture;
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use serde_json::json;

use crate::harness::key;

fn ci(lower: f64, upper: f64) -> Option<ConfidenceInterval> {
    Some(ConfidenceInterval {
        lower,
        upper,
        confidence: 0.95,
    })
}

fn with_ci(c: Candidate, cost: (f64, f64), duration: (f64, f64)) -> Candidate {
    Candidate {
        cost_ci: ci(cost.0, cost.1),
        duration_ci: ci(duration.0, duration.1),
        ..c
    }
}

fn input(extra: serde_json::Value) -> TuningInput {
    let mut doc = json!({ "lambdaARN": "f", "num": 30 });
    for (k, v) in extra.as_object().unwrap() {
        doc[k] = v.clone();
    }
    serde_json::from_value(doc).unwrap()
}

#[test]
fn pareto_frontier_keeps_only_undominated_configurations_fastest_first() {
    let x = Architecture::X86_64;
    let c = [
        Candidate::new(key(128, x), 1.0, 800.0),
        Candidate::new(key(256, x), 1.2, 420.0),
        Candidate::new(key(512, x), 1.5, 430.0), // dominated by 256
        Candidate::new(key(1024, x), 2.0, 150.0),
        Candidate::new(key(2048, x), 4.0, 150.0), // dominated by 1024 (same speed, dearer)
        Candidate::new(key(3008, x), 0.0, 0.0),   // measured nothing: ignored
    ];
    let frontier: Vec<u32> = pareto_frontier(&c)
        .into_iter()
        .map(|i| c[i].key.memory_mb.get())
        .collect();
    assert_eq!(frontier, vec![1024, 256, 128]);
}

#[test]
fn overlapping_intervals_make_the_pick_indistinguishable_and_the_sentence_says_so() {
    let a = Architecture::Arm64;
    let c = [
        with_ci(
            Candidate::new(key(512, a), 1.00, 300.0),
            (0.95, 1.05),
            (280.0, 320.0),
        ),
        with_ci(
            Candidate::new(key(768, a), 1.02, 210.0),
            (0.99, 1.08),
            (200.0, 220.0),
        ),
        with_ci(
            Candidate::new(key(1024, a), 1.50, 150.0),
            (1.40, 1.60),
            (140.0, 160.0),
        ),
    ];
    let rec = strategy::recommend(Strategy::Cost, &c, 0.5).unwrap();
    assert_eq!(rec.key, key(512, a));
    assert_eq!(rec.indistinguishable_from, vec![key(768, a)]);
    assert!(
        rec.explanation.contains("768 MB on arm64"),
        "{}",
        rec.explanation
    );
    assert!(
        rec.explanation.contains("cannot tell"),
        "{}",
        rec.explanation
    );

    let speed = strategy::recommend(Strategy::Speed, &c, 0.5).unwrap();
    assert_eq!(speed.key, key(1024, a));
    assert!(speed.indistinguishable_from.is_empty());
    assert!(
        speed.explanation.contains("significant"),
        "{}",
        speed.explanation
    );
    assert!(
        !speed.explanation.contains("cannot tell"),
        "{}",
        speed.explanation
    );
}

#[test]
fn balanced_indistinguishability_uses_the_score_interval() {
    let x = Architecture::X86_64;
    let c = [
        with_ci(
            Candidate::new(key(128, x), 1.0, 1000.0),
            (0.9, 1.1),
            (900.0, 1100.0),
        ),
        with_ci(
            Candidate::new(key(1024, x), 2.0, 200.0),
            (1.9, 2.1),
            (190.0, 210.0),
        ),
        with_ci(
            Candidate::new(key(2048, x), 3.9, 100.0),
            (3.8, 4.0),
            (95.0, 105.0),
        ),
    ];
    let chosen = strategy::balanced(&c, 0.5).unwrap();
    assert_eq!(c[chosen].key, key(1024, x));
    // Scores: 128 ~ 0.63, 1024 ~ 0.36, 2048 ~ 0.55; the intervals do not reach each other.
    assert!(indistinguishable_from(Strategy::Balanced, &c, chosen, 0.5).is_empty());

    // A fourth configuration whose score interval reaches the pick's.
    let mut close = c.to_vec();
    close.push(with_ci(
        Candidate::new(key(1536, x), 2.3, 180.0),
        (2.0, 2.6),
        (160.0, 200.0),
    ));
    let chosen = strategy::balanced(&close, 0.5).unwrap();
    let other = if close[chosen].key == key(1024, x) {
        key(1536, x)
    } else {
        key(1024, x)
    };
    assert_eq!(
        indistinguishable_from(Strategy::Balanced, &close, chosen, 0.5),
        vec![other]
    );
}

#[test]
fn a_pick_without_intervals_says_significance_is_unknown() {
    let c = [Candidate::new(key(128, Architecture::X86_64), 1.0, 10.0)];
    let rec = strategy::recommend(Strategy::Speed, &c, 0.5).unwrap();
    assert!(rec.indistinguishable_from.is_empty());
    assert!(
        rec.explanation.contains("no confidence interval"),
        "{}",
        rec.explanation
    );
    assert!(strategy::recommend(Strategy::Cost, &[], 0.5).is_none());
}

fn samples(mean_ms: f64, spread_ms: f64, n: usize, seed: u64) -> Vec<Sample> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let u = rng.next_u64() as f64 / u64::MAX as f64;
            let d = mean_ms + (u - 0.5) * spread_ms;
            Sample {
                request_id: format!("r{i}"),
                duration_ms: d,
                billed_duration_ms: d.ceil() as u64,
                init_duration_ms: None,
                max_memory_used_mb: 50,
                status: None,
                error: None,
                payload_index: None,
                output: None,
            }
        })
        .collect()
}

fn configuration(
    k: ConfigKey,
    mean_ms: f64,
    spread_ms: f64,
    input: &TuningInput,
) -> ConfigurationResult {
    analyze_configuration(
        k,
        samples(mean_ms, spread_ms, 40, u64::from(k.memory_mb.get())),
        input,
        PriceTable::builtin(),
        "eu-central-1",
        11,
    )
    .unwrap()
}

#[test]
fn recommendations_cover_every_strategy_overall_and_per_architecture() {
    let input = input(json!({ "balancedWeight": 0.5 }));
    let (x, a) = (Architecture::X86_64, Architecture::Arm64);
    // CPU-bound: nearly halving time when doubling memory until 1024 MB.
    let configs = vec![
        configuration(key(256, x), 800.0, 40.0, &input),
        configuration(key(512, x), 420.0, 20.0, &input),
        configuration(key(1024, x), 215.0, 10.0, &input),
        configuration(key(2048, x), 180.0, 10.0, &input),
        configuration(key(256, a), 900.0, 40.0, &input),
        configuration(key(512, a), 470.0, 20.0, &input),
        configuration(key(1024, a), 240.0, 10.0, &input),
    ];
    let recs = recommend(&configs, &input);
    let strategies: Vec<Strategy> = recs.overall.iter().map(|r| r.strategy).collect();
    assert_eq!(
        strategies,
        vec![Strategy::Cost, Strategy::Speed, Strategy::Balanced]
    );
    assert_eq!(recs.per_architecture.len(), 2);
    for picks in recs.per_architecture.values() {
        assert_eq!(picks.len(), 3);
    }
    let overall_speed = &recs.overall[1];
    assert_eq!(overall_speed.key, key(2048, x));
    // arm64 at 256 MB: 900 ms * 0.25 GB * 0.0000133334 = 3.0e-6 USD, the cheapest overall.
    assert_eq!(recs.overall[0].key, key(256, a));
    assert_eq!(recs.per_architecture[&x][0].key.architecture, x);
    assert_eq!(recs.per_architecture[&a][1].key, key(1024, a));
    // The frontier is sorted fastest first and contains both extremes.
    assert_eq!(recs.pareto_frontier.first(), Some(&key(2048, x)));
    assert!(recs.pareto_frontier.contains(&key(256, a)));
    for r in &recs.overall {
        assert!(!r.explanation.is_empty());
        assert!(!r.indistinguishable_from.contains(&r.key));
    }
}

#[test]
fn near_identical_configurations_are_reported_as_indistinguishable() {
    let input = input(json!({}));
    let x = Architecture::X86_64;
    // Wide spread, nearly the same mean: no test can separate 1024 and 1536 MB on speed.
    let configs = vec![
        configuration(key(1024, x), 100.0, 60.0, &input),
        configuration(key(1536, x), 99.0, 60.0, &input),
        configuration(key(128, x), 900.0, 60.0, &input),
    ];
    let recs = recommend(&configs, &input);
    let speed = &recs.overall[1];
    let other = if speed.key == key(1024, x) {
        key(1536, x)
    } else {
        key(1024, x)
    };
    assert_eq!(speed.indistinguishable_from, vec![other]);
    assert!(
        speed.explanation.contains("cannot tell"),
        "{}",
        speed.explanation
    );
}

fn arbitrary_candidates() -> impl proptest::strategy::Strategy<Value = Vec<Candidate>> {
    prop::collection::vec((1u32..=80, 0.0..10.0_f64, 1.0..1000.0_f64), 1..12).prop_map(|rows| {
        rows.into_iter()
            .map(|(m, cost, d)| Candidate::new(key(m * 128, Architecture::X86_64), cost, d))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_strategy_pick_lies_on_the_pareto_frontier(c in arbitrary_candidates(), w in 0.0..=1.0_f64) {
        let frontier = pareto_frontier(&c);
        for s in [Strategy::Cost, Strategy::Speed, Strategy::Balanced] {
            let chosen = strategy::pick(s, &c, w).unwrap();
            // The pick, or one with identical figures, is on the frontier.
            prop_assert!(frontier.iter().any(|&f| c[f].cost_usd == c[chosen].cost_usd
                && c[f].duration_ms == c[chosen].duration_ms));
        }
    }

    #[test]
    fn no_frontier_member_is_dominated(c in arbitrary_candidates()) {
        let frontier = pareto_frontier(&c);
        prop_assert!(!frontier.is_empty());
        for &f in &frontier {
            for o in &c {
                prop_assert!(!(o.cost_usd <= c[f].cost_usd && o.duration_ms <= c[f].duration_ms
                    && (o.cost_usd < c[f].cost_usd || o.duration_ms < c[f].duration_ms)));
            }
        }
        prop_assert!(frontier.windows(2).all(|w| c[w[0]].duration_ms <= c[w[1]].duration_ms));
    }
}
