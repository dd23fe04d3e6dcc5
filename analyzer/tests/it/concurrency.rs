//! Concurrency figures against the worked examples of AWS's documentation, and the model's
//! own identities.

use analyzer::Error;
use analyzer::concurrency::{
    ConcurrencyInput, ConcurrencyPrices, DownstreamLimit, DurationProfile, HOURS_PER_MONTH,
    Traffic, TrafficPoint, break_even_utilization, concurrency_figures,
    concurrency_figures_with_prices, concurrency_needed, provisioned_charges,
};
use analyzer::pricing::PriceTable;
use analyzer::units::{Architecture, MemoryMb};
use approx::assert_relative_eq;

use crate::harness::key;

fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

fn us_east_1(arch: Architecture) -> ConcurrencyPrices {
    ConcurrencyPrices::from_table(PriceTable::builtin(), "us-east-1", arch).unwrap()
}

/// Only an average and a peak rate, in requests per second.
fn rates(average_rps: f64, peak_rps: f64) -> Traffic {
    Traffic::Rates {
        average_rps,
        peak_rps,
    }
}

fn input(traffic: Traffic, mean_ms: f64) -> ConcurrencyInput {
    ConcurrencyInput {
        key: key(1024, Architecture::X86_64),
        region: "us-east-1".to_owned(),
        traffic,
        duration: DurationProfile {
            mean_ms,
            p95_ms: mean_ms * 2.0,
            p99_ms: mean_ms * 3.0,
        },
        cold_start_rate: 0.0,
        init_duration_ms: 0.0,
        downstream_limit: None,
        cold_start_share_to_remove: 1.0,
        hours_per_month: HOURS_PER_MONTH,
    }
}

// Source: AWS Lambda developer guide, "Understanding Lambda function scaling",
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html (calculating
// concurrency): 100 requests per second with an average duration of 500 ms need 50.
#[test]
fn developer_guide_example_100_rps_of_500_ms_needs_50() {
    let f = concurrency_needed("concurrency", 100.0, 500.0);
    assert_eq!(f.value, 50.0);
    assert_eq!(f.unit, "environments");
    assert_eq!(f.formula, "100 req/s x 0.5 s = 50");
}

// Source: AWS Lambda developer guide, "Lambda function scaling" (earlier edition),
// https://github.com/awsdocs/aws-lambda-developer-guide/blob/main/doc_source/scaling.md:
// Amazon S3 publishing 10 events per second to a function taking 3 seconds gives 30
// concurrent executions.
#[test]
fn developer_guide_example_10_events_per_second_of_3_s_needs_30() {
    assert_eq!(concurrency_needed("c", 10.0, 3000.0).value, 30.0);
}

// Source: AWS Lambda pricing, provisioned concurrency example,
// https://aws.amazon.com/lambda/pricing/ : 1,024 MB, provisioned concurrency of 1,000 enabled
// for two hours, 1.2M invocations of 1 s during those hours (us-east-1, x86):
// provisioned 7,200,000 GB-s x $0.0000041667 = $30.00; duration 1,200,000 GB-s x
// $0.0000097222 = $11.67; requests 1.2M x $0.20/M = $0.24; total $41.91.
#[test]
fn pricing_page_provisioned_example_reproduces_to_the_cent() {
    let charges = provisioned_charges(
        1_000,
        MemoryMb::try_from(1024).unwrap(),
        2.0,
        1_200_000.0,
        1_000.0,
        &us_east_1(Architecture::X86_64),
    );
    assert_eq!(cents(charges.provisioned.value), 30.00);
    assert_eq!(cents(charges.duration.value), 11.67);
    assert_eq!(cents(charges.requests.value), 0.24);
    assert_eq!(cents(charges.total.value), 41.91);
    assert!(
        charges.provisioned.formula.contains("7200000 GB-s")
            && charges.provisioned.formula.contains("0.0000041667"),
        "{}",
        charges.provisioned.formula
    );
    assert!(
        charges.total.formula.ends_with("= 41.91 USD"),
        "{}",
        charges.total.formula
    );
}

// Figures of the built-in price table (us-east-1, x86_64), as in the pricing README:
// 0.0000041667 / (0.0000166667 - 0.0000097222) = 0.60.
#[test]
fn break_even_utilization_is_sixty_percent_on_x86_64() {
    let f = break_even_utilization(&us_east_1(Architecture::X86_64));
    assert_relative_eq!(f.value, 0.6, epsilon = 1e-4);
    assert_eq!(
        f.formula,
        "0.0000041667 / (0.0000166667 - 0.0000097222) = 0.6"
    );
    // arm64: 0.0000033334 / (0.0000133334 - 0.0000077778) = 0.60 as well.
    let arm = break_even_utilization(&us_east_1(Architecture::Arm64));
    assert_relative_eq!(arm.value, 0.6, epsilon = 1e-3);
}

#[test]
fn needed_concurrency_covers_average_and_peak_on_mean_p95_and_p99() {
    let i = input(rates(100.0, 400.0), 500.0);
    let f = concurrency_figures(&i, PriceTable::builtin()).unwrap();
    let values: Vec<f64> = f.needed.iter().map(|x| x.value).collect();
    assert_eq!(values, [50.0, 100.0, 150.0, 200.0, 400.0, 600.0]);
    assert_eq!(f.needed[5].name, "concurrency at peak rate, p99 duration");
    assert_eq!(f.warnings[0].code, "constant-load-assumed");
}

#[test]
fn reserved_concurrency_protects_a_downstream_rate_limit_and_states_the_throttling() {
    let mut i = input(rates(100.0, 400.0), 250.0);
    i.downstream_limit = Some(DownstreamLimit::MaxRps { rps: 200.0 });
    let r = concurrency_figures(&i, PriceTable::builtin())
        .unwrap()
        .reserved
        .unwrap();
    // 200 req/s x 0.25 s = 50 environments serve at most 200 req/s; at a 400 req/s peak half
    // the requests are throttled.
    assert_eq!(r.reserved_concurrency.value, 50.0);
    assert_eq!(r.throttled_rps_at_peak.value, 200.0);
    assert_eq!(r.throttled_share_at_peak.value, 0.5);
    assert!(
        r.reserved_concurrency
            .formula
            .contains("floor(max 200 req/s")
    );
}

#[test]
fn reserved_concurrency_for_a_connection_limit_divides_by_connections_per_environment() {
    let mut i = input(rates(10.0, 20.0), 100.0);
    i.downstream_limit = Some(DownstreamLimit::MaxConnections {
        connections: 101,
        per_environment: 2,
    });
    let r = concurrency_figures(&i, PriceTable::builtin())
        .unwrap()
        .reserved
        .unwrap();
    assert_eq!(r.reserved_concurrency.value, 50.0);
    // 50 environments of 0.1 s serve 500 req/s: no throttling at a 20 req/s peak.
    assert_eq!(r.throttled_rps_at_peak.value, 0.0);
}

#[test]
fn provisioned_concurrency_follows_the_traffic_series() {
    // One hour at 100 req/s then one hour at 400 req/s, 100 ms each: 10 then 40 environments.
    // Covering 90% of invocations: (100 + 400 x P / 40) / 500 >= 0.9 gives P = 35.
    let mut i = input(
        Traffic::Series(vec![
            TrafficPoint {
                t_s: 0.0,
                rps: 100.0,
            },
            TrafficPoint {
                t_s: 3600.0,
                rps: 400.0,
            },
        ]),
        100.0,
    );
    i.cold_start_share_to_remove = 0.9;
    i.cold_start_rate = 0.01;
    let f = concurrency_figures(&i, PriceTable::builtin()).unwrap();
    assert!(f.warnings.is_empty());
    assert_eq!(f.provisioned.provisioned_concurrency.value, 35.0);
    assert_relative_eq!(f.provisioned.cold_starts_removed_share.value, 0.9);
    let peak: Vec<f64> = f.needed.iter().map(|x| x.value).collect();
    assert_eq!(peak[0], 25.0); // average 250 req/s x 0.1 s
    assert_eq!(peak[3], 40.0); // peak 400 req/s x 0.1 s
}

#[test]
fn provisioned_cost_difference_changes_sign_at_the_break_even_utilization() {
    let prices = us_east_1(Architecture::X86_64);
    let be = break_even_utilization(&prices).value;
    // Constant load of 50 environments (100 req/s x 0.5 s), fully covered: utilization 1.
    let full = concurrency_figures_with_prices(&input(rates(100.0, 100.0), 500.0), &prices)
        .unwrap()
        .provisioned;
    assert_eq!(full.provisioned_concurrency.value, 50.0);
    assert_relative_eq!(full.utilization.value, 1.0);
    assert!(full.extra_monthly_usd.value < 0.0);
    // The identity behind the break-even figure:
    // extra = P x GB x seconds x (pc - u x (on-demand - pc duration)).
    let seconds = HOURS_PER_MONTH * 3600.0;
    let expected = 50.0
        * seconds
        * (prices.provisioned_usd_per_gb_second
            - full.utilization.value
                * (prices.on_demand_usd_per_gb_second
                    - prices.provisioned_duration_usd_per_gb_second));
    assert_relative_eq!(full.extra_monthly_usd.value, expected, max_relative = 1e-9);
    // Half the load on the same 50 environments: utilization 0.5 < 0.6, provisioned costs more.
    let mut i = input(
        Traffic::Series(vec![
            TrafficPoint {
                t_s: 0.0,
                rps: 100.0,
            },
            TrafficPoint {
                t_s: 10.0,
                rps: 0.0,
            },
        ]),
        500.0,
    );
    i.cold_start_share_to_remove = 1.0;
    let half = concurrency_figures_with_prices(&i, &prices)
        .unwrap()
        .provisioned;
    assert_relative_eq!(half.utilization.value, 0.5);
    assert!(half.utilization.value < be && half.extra_monthly_usd.value > 0.0);
}

#[test]
fn removing_cold_starts_counts_the_init_duration_saved() {
    let mut i = input(rates(10.0, 10.0), 100.0);
    i.cold_start_rate = 0.02;
    i.init_duration_ms = 800.0;
    i.cold_start_share_to_remove = 1.0;
    let p = concurrency_figures(&i, PriceTable::builtin())
        .unwrap()
        .provisioned;
    let invocations = 10.0 * HOURS_PER_MONTH * 3600.0;
    assert_relative_eq!(p.cold_starts_removed_per_month.value, invocations * 0.02);
    // On demand pays for the init time of 2% of invocations.
    let od = 0.0000166667;
    let expected = invocations * (0.1 + 0.02 * 0.8) * od + invocations * 0.0000002;
    assert_relative_eq!(p.on_demand_monthly_usd.value, expected, max_relative = 1e-9);
}

#[test]
fn every_figure_names_its_formula() {
    let mut i = input(rates(5.0, 50.0), 120.0);
    i.downstream_limit = Some(DownstreamLimit::MaxRps { rps: 30.0 });
    let f = concurrency_figures(&i, PriceTable::builtin()).unwrap();
    let json = serde_json::to_value(&f).unwrap();
    let mut count = 0;
    fn walk(v: &serde_json::Value, count: &mut usize) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(formula) = m.get("formula") {
                    let text = formula.as_str().unwrap();
                    assert!(text.contains(" = "), "{text}");
                    *count += 1;
                }
                m.values().for_each(|x| walk(x, count));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, count)),
            _ => {}
        }
    }
    walk(&json, &mut count);
    assert_eq!(count, 6 + 3 + 8);
}

#[test]
fn invalid_inputs_are_rejected_with_the_field_named() {
    let bad_peak = input(rates(10.0, 5.0), 100.0);
    let err = concurrency_figures(&bad_peak, PriceTable::builtin()).unwrap_err();
    assert!(err.to_string().contains("peak_rps"), "{err}");
    let mut bad_share = input(rates(10.0, 10.0), 100.0);
    bad_share.cold_start_share_to_remove = 1.5;
    assert!(matches!(
        concurrency_figures(&bad_share, PriceTable::builtin()),
        Err(Error::InvalidOption { .. })
    ));
    let unsorted = input(
        Traffic::Series(vec![
            TrafficPoint { t_s: 5.0, rps: 1.0 },
            TrafficPoint { t_s: 1.0, rps: 1.0 },
        ]),
        100.0,
    );
    assert!(concurrency_figures(&unsorted, PriceTable::builtin()).is_err());
    let mut unknown_region = bad_share.clone();
    unknown_region.cold_start_share_to_remove = 0.5;
    unknown_region.region = "mars-north-1".to_owned();
    let err = concurrency_figures(&unknown_region, PriceTable::builtin()).unwrap_err();
    assert!(err.to_string().contains("us-east-1"), "{err}");
}
