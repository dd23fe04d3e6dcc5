//! The price table: contents, sources, lookups and costs.

use analyzer::Error;
use analyzer::pricing::{PriceTable, duration_cost_usd};
use analyzer::report_line::ReportRecord;
use analyzer::units::Architecture;
use approx::assert_relative_eq;

use crate::harness::{mb, report};

const REQUIRED_REGIONS: [&str; 7] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
];

fn record(duration_ms: f64, billed_ms: u64, memory_mb: u32, init_ms: Option<f64>) -> ReportRecord {
    ReportRecord {
        init_duration_ms: init_ms,
        ..report("r", duration_ms, billed_ms, memory_mb, 1)
    }
}

#[test]
fn builtin_table_holds_every_required_region_for_both_architectures() {
    let table = PriceTable::builtin();
    for region in REQUIRED_REGIONS {
        for arch in Architecture::ALL {
            let p = table.price(region, arch).unwrap();
            assert_eq!(p.gb_second_tiers.len(), 3, "{region} {arch}");
            assert!(p.gb_second_tiers.last().unwrap().up_to_gb_seconds.is_none());
        }
        assert_relative_eq!(
            table
                .step_functions_usd_per_state_transition(region)
                .unwrap(),
            0.000025
        );
    }
}

#[test]
fn every_region_cites_a_dated_source_and_unverified_figures_are_marked() {
    let table = PriceTable::builtin();
    for region in table.regions() {
        let r = table.region(region).unwrap();
        assert!(!r.sources.is_empty());
        for key in &r.sources {
            let source = &table.sources[key];
            assert_eq!(source.checked_on.len(), 10, "{key}: ISO date");
            assert!(
                ["verified", "corroborated"].contains(&source.status.as_str()),
                "{key}: a region's prices must not rest on an unverified source"
            );
        }
    }
    assert!(table.sources.values().any(|s| s.status == "unverified"));
}

// us-east-1 figures from the AWS Price List API (service AWSLambda), as recorded in the table.
#[test]
fn us_east_1_prices_match_the_price_list() {
    let table = PriceTable::builtin();
    let x86 = table.price("us-east-1", Architecture::X86_64).unwrap();
    let arm = table.price("us-east-1", Architecture::Arm64).unwrap();
    assert_relative_eq!(x86.gb_second_usd(), 0.000_016_666_7);
    assert_relative_eq!(arm.gb_second_usd(), 0.000_013_333_4);
    assert_relative_eq!(x86.request_usd(), 0.000_000_2);
    assert_relative_eq!(arm.request_usd(), 0.000_000_2);
    assert_eq!(x86.gb_second_tiers[0].up_to_gb_seconds, Some(6e9));
    assert_eq!(arm.gb_second_tiers[0].up_to_gb_seconds, Some(7.5e9));
    let pc = table
        .provisioned("us-east-1", Architecture::X86_64)
        .unwrap();
    assert_relative_eq!(pc.concurrency_usd_per_gb_second, 0.000_004_166_7);
    assert_relative_eq!(pc.duration_usd_per_gb_second, 0.000_009_722_2);
    // Break-even utilization of provisioned concurrency, as the pricing notes state: 0.60.
    let breakeven =
        pc.concurrency_usd_per_gb_second / (x86.gb_second_usd() - pc.duration_usd_per_gb_second);
    assert_relative_eq!(breakeven, 0.60, epsilon = 0.001);
    assert_eq!(table.free_tier.requests_per_month, 1_000_000);
    assert_relative_eq!(table.free_tier.gb_seconds_per_month, 400_000.0);
    assert_eq!(table.init_billing.effective_from, "2025-08-01");
}

#[test]
fn arm64_duration_is_twenty_percent_cheaper_than_x86_64_in_every_tier() {
    let table = PriceTable::builtin();
    for region in table.regions() {
        let x86 = table.price(region, Architecture::X86_64).unwrap();
        let arm = table.price(region, Architecture::Arm64).unwrap();
        for (a, x) in arm.gb_second_tiers.iter().zip(&x86.gb_second_tiers) {
            assert_relative_eq!(
                a.usd_per_gb_second / x.usd_per_gb_second,
                0.8,
                epsilon = 1e-4
            );
        }
    }
}

#[test]
fn unknown_region_error_names_the_known_regions() {
    let err = PriceTable::builtin()
        .price("mars-north-1", Architecture::X86_64)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownRegion { .. }));
    let text = err.to_string();
    assert!(
        text.contains("mars-north-1")
            && text.contains("us-east-1")
            && text.contains("eu-central-1"),
        "{text}"
    );
}

#[test]
fn unverified_provisioned_price_is_an_error_naming_where_it_is_known() {
    let err = PriceTable::builtin()
        .provisioned("eu-central-1", Architecture::Arm64)
        .unwrap_err();
    assert!(matches!(err, Error::PriceNotVerified { .. }));
    let text = err.to_string();
    assert!(
        text.contains("eu-central-1") && text.contains("us-east-1"),
        "{text}"
    );
}

#[test]
fn invocation_cost_is_billed_gb_seconds_plus_the_request() {
    let table = PriceTable::builtin();
    let cost = table
        .invocation_cost_usd(250, mb(2048), Architecture::Arm64, "eu-west-1")
        .unwrap();
    assert_relative_eq!(
        cost,
        0.25 * 2.0 * 0.000_013_333_4 + 0.000_000_2,
        epsilon = 1e-15
    );
    assert_relative_eq!(
        duration_cost_usd(1000.0, mb(1024), 0.000_016_666_7),
        0.000_016_666_7
    );
}

// text-2025-init-billed.txt (opentelemetry-lambda PR 2011): a cold start after 2025-08-01,
// Duration 395.99 + Init 265.72 -> Billed Duration 662. Cost comes from the billed figure only.
#[test]
fn cold_start_cost_uses_billed_duration_that_already_includes_init() {
    let table = PriceTable::builtin();
    let cold = record(395.99, 662, 512, Some(265.72));
    let cost = table
        .record_cost_usd(&cold, Architecture::X86_64, "us-east-1")
        .unwrap();
    assert_relative_eq!(
        cost,
        0.662 * 0.5 * 0.000_016_666_7 + 0.000_000_2,
        epsilon = 1e-15
    );
    assert_eq!(cold.billed_duration_ms, (395.99_f64 + 265.72).ceil() as u64);
}

// text-snapstart.txt (AWS SAM CLI docs): Billed Duration 2521 + Billed Restore Duration 182.
#[test]
fn snapstart_cost_adds_the_billed_restore_duration() {
    let table = PriceTable::builtin();
    let mut snap = record(2338.66, 2521, 3009, None);
    snap.restore_duration_ms = Some(398.97);
    snap.billed_restore_duration_ms = Some(182);
    let cost = table
        .record_cost_usd(&snap, Architecture::X86_64, "us-east-1")
        .unwrap();
    let expected = table
        .invocation_cost_usd(2521 + 182, mb(3009), Architecture::X86_64, "us-east-1")
        .unwrap();
    assert_relative_eq!(cost, expected);
}

#[test]
fn record_with_an_invalid_memory_size_is_an_error() {
    let table = PriceTable::builtin();
    let err = table
        .record_cost_usd(&record(1.0, 1, 64, None), Architecture::X86_64, "us-east-1")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidMemory { value: 64 }));
}

#[test]
fn monthly_cost_walks_the_volume_tiers() {
    let table = PriceTable::builtin();
    let x86 = table.price("us-east-1", Architecture::X86_64).unwrap();
    // 20 billion GB-s: 6 at tier 1, 9 at tier 2, 5 at tier 3.
    let expected = 6e9 * 0.000_016_666_7 + 9e9 * 0.000_015 + 5e9 * 0.000_013_333_4;
    assert_relative_eq!(
        x86.tiered_duration_cost_usd(20e9),
        expected,
        max_relative = 1e-12
    );
    assert_eq!(x86.tiered_duration_cost_usd(-1.0), 0.0);
    assert_eq!(x86.tiered_duration_cost_usd(f64::NAN), 0.0);
    // Within the first tier the tiered cost is linear.
    assert_relative_eq!(
        x86.tiered_duration_cost_usd(1000.0),
        1000.0 * 0.000_016_666_7
    );
}

// The AWS pricing page's example: 512 MB, 3 million invocations of 1 s a month:
// 1,500,000 GB-s; after the free tier 1,100,000 GB-s and 2 million requests.
#[test]
fn monthly_cost_deducts_the_free_tier_when_asked() {
    let table = PriceTable::builtin();
    let month = table
        .monthly_cost(
            3_000_000,
            1000.0,
            mb(512),
            Architecture::X86_64,
            "us-east-1",
            true,
        )
        .unwrap();
    assert_relative_eq!(month.gb_seconds, 1_500_000.0);
    assert_relative_eq!(
        month.duration_usd,
        1_100_000.0 * 0.000_016_666_7,
        epsilon = 1e-9
    );
    assert_relative_eq!(month.requests_usd, 0.40, epsilon = 1e-12);
    assert_relative_eq!(month.total_usd, 18.33337 + 0.40, epsilon = 1e-6);
    let without = table
        .monthly_cost(
            3_000_000,
            1000.0,
            mb(512),
            Architecture::X86_64,
            "us-east-1",
            false,
        )
        .unwrap();
    assert!(without.total_usd > month.total_usd);
    assert!(!without.free_tier_applied);
}

#[test]
fn malformed_price_tables_are_rejected_with_a_reason() {
    assert!(matches!(
        PriceTable::from_json("{").unwrap_err(),
        Error::InvalidPriceTable { .. }
    ));
    let mut doc: serde_json::Value =
        serde_json::from_str(analyzer::pricing::BUILTIN_PRICES_JSON).unwrap();
    doc["regions"]["us-east-1"]["arm64"]["gb_second_tiers"][2]["up_to_gb_seconds"] =
        serde_json::json!(1.0);
    let err = PriceTable::from_json(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("us-east-1 arm64"), "{err}");
    let mut doc: serde_json::Value =
        serde_json::from_str(analyzer::pricing::BUILTIN_PRICES_JSON).unwrap();
    doc["regions"]["eu-west-1"]["sources"] = serde_json::json!(["nowhere"]);
    let err = PriceTable::from_json(&doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("nowhere"), "{err}");
}
