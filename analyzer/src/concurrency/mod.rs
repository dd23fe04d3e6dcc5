//! Concurrency figures: Little's law, reserved concurrency for a downstream limit, provisioned
//! concurrency and its break-even.
//!
//! Every figure is a [`Figure`]: a value, its unit, and the formula with the numbers and
//! prices that produced it, so a reader can check it by hand.
//!
//! # Model
//!
//! - **Concurrency needed** (Little's law, as in the Lambda developer guide's "Understanding
//!   Lambda function scaling"): `concurrency = requests per second x duration in seconds`,
//!   on the mean, p95 and p99 duration, at the average and at the peak rate.
//! - **Reserved concurrency** protecting a downstream limit: a downstream that accepts at most
//!   `r` requests per second is protected by `floor(r x mean duration)` environments (each
//!   environment serves `1 / duration` requests per second); one that accepts at most `c`
//!   connections, with `k` connections held per environment, by `floor(c / k)`. At the peak,
//!   requests beyond `reserved / mean duration` per second are throttled (HTTP 429).
//! - **Provisioned concurrency** `P`: the first `P` concurrent requests run on provisioned
//!   environments, the rest on demand. Cold starts are assumed spread evenly over on-demand
//!   invocations (the measured cold-start rate), so the share of cold starts removed is the
//!   share of invocations provisioned environments serve. With a traffic time series that share
//!   is `sum(rps_i w_i min(1, P / c_i)) / sum(rps_i w_i)` with `c_i = rps_i x mean duration`;
//!   with only an average and a peak rate the load is taken as constant at the average (the
//!   figures say so). `P` is the smallest whole number reaching the chosen share.
//! - **Monthly cost** (no free tier, which provisioned concurrency excludes; first-tier price):
//!   on demand, `N x (duration + cold-start rate x init) x GB x on-demand price + N x request
//!   price`; with provisioned concurrency, `P x GB x seconds per month x provisioned price +
//!   covered invocations x duration x GB x provisioned duration price + the rest on demand`.
//!   Init Duration is billed on demand since 2025-08-01 (see [`crate::pricing`]).
//! - **Break-even utilization**: provisioned concurrency is cheaper than on demand for the
//!   invocations it serves once it is busy more than
//!   `provisioned price / (on-demand price - provisioned duration price)` of the time (0.60 on
//!   x86_64 in us-east-1).
//!
//! ```
//! use analyzer::concurrency::concurrency_needed;
//! // Lambda developer guide: 100 requests per second of 500 ms each need 50 environments.
//! let figure = concurrency_needed("concurrency", 100.0, 500.0);
//! assert_eq!(figure.value, 50.0);
//! assert!(figure.formula.contains("100 req/s x 0.5 s"));
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::pricing::PriceTable;
use crate::stats::Summary;
use crate::units::ConfigKey;
use crate::warning::Warning;

mod provisioned;
mod traffic;

use provisioned::provisioned_figures;
pub use provisioned::{ProvisionedCharges, break_even_utilization, provisioned_charges};
pub use traffic::{Traffic, TrafficPoint};

/// Hours AWS's pricing calculator counts in a month.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// One computed figure with its unit and the formula that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// What it is, e.g. `concurrency at peak, p99 duration`.
    pub name: String,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit of `value`: `environments`, `req/s`, `USD/month`, `fraction`...
    pub unit: String,
    /// The formula with the numbers substituted, e.g. `100 req/s x 0.5 s = 50`.
    pub formula: String,
}

impl Figure {
    fn new(name: &str, value: f64, unit: &str, formula: String) -> Self {
        Self {
            name: name.to_owned(),
            value,
            unit: unit.to_owned(),
            formula,
        }
    }
}

/// A limit of a downstream system that reserved concurrency protects.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DownstreamLimit {
    /// The downstream accepts at most this many requests per second.
    MaxRps {
        /// Requests per second.
        rps: f64,
    },
    /// The downstream accepts at most this many open connections.
    MaxConnections {
        /// Connections.
        connections: u32,
        /// Connections each execution environment holds (usually 1).
        per_environment: u32,
    },
}

/// Handler durations of one configuration, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DurationProfile {
    /// Mean duration, ms.
    pub mean_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

impl DurationProfile {
    /// The profile of a duration [`Summary`].
    pub fn from_summary(summary: &Summary) -> Self {
        Self {
            mean_ms: summary.mean,
            p95_ms: summary.p95,
            p99_ms: summary.p99,
        }
    }
}

/// The prices the figures use, in USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyPrices {
    /// On-demand duration, per GB-second (first tier).
    pub on_demand_usd_per_gb_second: f64,
    /// Provisioned concurrency configured, per GB-second.
    pub provisioned_usd_per_gb_second: f64,
    /// Duration on provisioned environments, per GB-second.
    pub provisioned_duration_usd_per_gb_second: f64,
    /// One request.
    pub request_usd: f64,
}

impl ConcurrencyPrices {
    /// The prices of `key.architecture` in `region` from a price table.
    ///
    /// # Errors
    ///
    /// The price table's errors for an unknown region or unverified provisioned prices.
    pub fn from_table(
        table: &PriceTable,
        region: &str,
        architecture: crate::units::Architecture,
    ) -> Result<Self> {
        let prices = table.price(region, architecture)?;
        let provisioned = table.provisioned(region, architecture)?;
        Ok(Self {
            on_demand_usd_per_gb_second: prices.gb_second_usd(),
            provisioned_usd_per_gb_second: provisioned.concurrency_usd_per_gb_second,
            provisioned_duration_usd_per_gb_second: provisioned.duration_usd_per_gb_second,
            request_usd: prices.request_usd(),
        })
    }
}

/// What the figures are computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyInput {
    /// Memory size and architecture.
    pub key: ConfigKey,
    /// Region whose prices apply.
    pub region: String,
    /// Request rates.
    pub traffic: Traffic,
    /// Handler durations at this configuration.
    pub duration: DurationProfile,
    /// Share of on-demand invocations that are cold starts, in `[0, 1]`.
    pub cold_start_rate: f64,
    /// Mean Init Duration of a cold start, ms.
    pub init_duration_ms: f64,
    /// The downstream limit reserved concurrency must protect, if any.
    pub downstream_limit: Option<DownstreamLimit>,
    /// Share of cold starts provisioned concurrency should remove, in `[0, 1]` (e.g. 0.9).
    pub cold_start_share_to_remove: f64,
    /// Hours in a month (default [`HOURS_PER_MONTH`]).
    pub hours_per_month: f64,
}

/// Reserved-concurrency figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservedFigures {
    /// The reserved concurrency that keeps the downstream within its limit.
    pub reserved_concurrency: Figure,
    /// Requests per second throttled at the peak rate with that reservation.
    pub throttled_rps_at_peak: Figure,
    /// Share of peak requests throttled.
    pub throttled_share_at_peak: Figure,
}

/// Provisioned-concurrency figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedFigures {
    /// Provisioned concurrency removing the chosen share of cold starts.
    pub provisioned_concurrency: Figure,
    /// Share of cold starts it removes (at least the share asked for).
    pub cold_starts_removed_share: Figure,
    /// Cold starts removed per month.
    pub cold_starts_removed_per_month: Figure,
    /// Monthly cost with every invocation on demand.
    pub on_demand_monthly_usd: Figure,
    /// Monthly cost with the provisioned concurrency (the rest on demand).
    pub with_provisioned_monthly_usd: Figure,
    /// `with_provisioned - on_demand` (positive: provisioned costs more).
    pub extra_monthly_usd: Figure,
    /// Share of provisioned environment-time spent serving requests.
    pub utilization: Figure,
    /// Utilization above which provisioned concurrency costs less than on demand.
    pub break_even_utilization: Figure,
}

/// Every concurrency figure of one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyFigures {
    /// Memory size and architecture.
    #[serde(flatten)]
    pub key: ConfigKey,
    /// Region whose prices were applied.
    pub region: String,
    /// Concurrency needed (Little's law): at the average and peak rate, on the mean, p95 and
    /// p99 duration, in that order.
    pub needed: Vec<Figure>,
    /// Reserved concurrency, when a downstream limit was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved: Option<ReservedFigures>,
    /// Provisioned concurrency.
    pub provisioned: ProvisionedFigures,
    /// Assumptions a reader must know.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

fn num(v: f64) -> String {
    // Up to 4 decimals, trailing zeros dropped: 0.5, 50, 0.0000041667 stays readable.
    if v != 0.0 && v.abs() < 0.001 {
        return format!("{v:.10}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned();
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn usd(v: f64) -> String {
    format!("{v:.2}")
}

/// Concurrency needed to serve `rps` requests per second lasting `duration_ms` each
/// (Little's law), in environments; not rounded.
pub fn concurrency_needed(name: &str, rps: f64, duration_ms: f64) -> Figure {
    let duration_s = duration_ms / 1000.0;
    let value = rps * duration_s;
    Figure::new(
        name,
        value,
        "environments",
        format!(
            "{} req/s x {} s = {}",
            num(rps),
            num(duration_s),
            num(value)
        ),
    )
}

fn check_fraction(name: &str, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            name: name.to_owned(),
            value: v.to_string(),
            expected: "a fraction from 0 to 1".to_owned(),
        })
    }
}

fn check_non_negative(name: &str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidOption {
            name: name.to_owned(),
            value: v.to_string(),
            expected: "a finite, non-negative number".to_owned(),
        })
    }
}

/// Every concurrency figure of one configuration, priced from the price table.
///
/// # Errors
///
/// The price table's errors (unknown region, provisioned prices not verified there), and
/// [`Error::InvalidOption`] for inputs out of range.
pub fn concurrency_figures(
    input: &ConcurrencyInput,
    table: &PriceTable,
) -> Result<ConcurrencyFigures> {
    let prices = ConcurrencyPrices::from_table(table, &input.region, input.key.architecture)?;
    concurrency_figures_with_prices(input, &prices)
}

/// Every concurrency figure of one configuration, with explicit prices.
///
/// # Errors
///
/// [`Error::InvalidOption`] for inputs out of range.
pub fn concurrency_figures_with_prices(
    input: &ConcurrencyInput,
    prices: &ConcurrencyPrices,
) -> Result<ConcurrencyFigures> {
    input.traffic.validate()?;
    check_fraction("cold_start_rate", input.cold_start_rate)?;
    check_fraction(
        "cold_start_share_to_remove",
        input.cold_start_share_to_remove,
    )?;
    check_non_negative("init_duration_ms", input.init_duration_ms)?;
    check_non_negative("duration mean_ms", input.duration.mean_ms)?;
    check_non_negative("duration p95_ms", input.duration.p95_ms)?;
    check_non_negative("duration p99_ms", input.duration.p99_ms)?;
    if !(input.hours_per_month.is_finite() && input.hours_per_month > 0.0) {
        return Err(Error::InvalidOption {
            name: "hours_per_month".to_owned(),
            value: input.hours_per_month.to_string(),
            expected: "a positive number of hours, e.g. 730".to_owned(),
        });
    }

    let average = input.traffic.average_rps();
    let peak = input.traffic.peak_rps();
    let d = &input.duration;
    let mut needed = Vec::with_capacity(6);
    for (rate_name, rps) in [("average", average), ("peak", peak)] {
        for (dur_name, ms) in [("mean", d.mean_ms), ("p95", d.p95_ms), ("p99", d.p99_ms)] {
            needed.push(concurrency_needed(
                &format!("concurrency at {rate_name} rate, {dur_name} duration"),
                rps,
                ms,
            ));
        }
    }
    let mean_s = d.mean_ms / 1000.0;
    let reserved = input
        .downstream_limit
        .map(|limit| reserved_figures(limit, peak, mean_s));
    let mut warnings = Vec::new();
    if matches!(input.traffic, Traffic::Rates { .. }) {
        warnings.push(Warning::constant_load_assumed());
    }
    let provisioned = provisioned_figures(input, prices, average, mean_s);
    Ok(ConcurrencyFigures {
        key: input.key,
        region: input.region.clone(),
        needed,
        reserved,
        provisioned,
        warnings,
    })
}

fn reserved_figures(limit: DownstreamLimit, peak: f64, mean_s: f64) -> ReservedFigures {
    let reserved_concurrency = match limit {
        DownstreamLimit::MaxRps { rps } => {
            let value = (rps * mean_s).floor();
            Figure::new(
                "reserved concurrency",
                value,
                "environments",
                format!(
                    "floor(max {} req/s x mean duration {} s) = {}",
                    num(rps),
                    num(mean_s),
                    num(value)
                ),
            )
        }
        DownstreamLimit::MaxConnections {
            connections,
            per_environment,
        } => {
            let per = per_environment.max(1);
            let value = f64::from(connections / per);
            Figure::new(
                "reserved concurrency",
                value,
                "environments",
                format!(
                    "floor(max {connections} connections / {per} per environment) = {}",
                    num(value)
                ),
            )
        }
    };
    let capacity_rps = if mean_s > 0.0 {
        reserved_concurrency.value / mean_s
    } else {
        f64::INFINITY
    };
    let throttled = (peak - capacity_rps).max(0.0);
    let share = if peak > 0.0 { throttled / peak } else { 0.0 };
    ReservedFigures {
        throttled_rps_at_peak: Figure::new(
            "throttled at peak",
            throttled,
            "req/s",
            format!(
                "max(0, peak {} req/s - {} environments / {} s) = {}",
                num(peak),
                num(reserved_concurrency.value),
                num(mean_s),
                num(throttled)
            ),
        ),
        throttled_share_at_peak: Figure::new(
            "share throttled at peak",
            share,
            "fraction",
            format!("{} / {} = {}", num(throttled), num(peak), num(share)),
        ),
        reserved_concurrency,
    }
}
