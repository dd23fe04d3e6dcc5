//! Provisioned concurrency: what it costs (as Lambda's pricing page computes it), when it pays
//! for itself, and how many environments remove a given share of cold starts.

use serde::{Deserialize, Serialize};

use super::{ConcurrencyInput, ConcurrencyPrices, Figure, ProvisionedFigures, Traffic, num, usd};

/// Charges of provisioned concurrency over a period, in USD, as Lambda's pricing page computes
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedCharges {
    /// `concurrency x memory GB x seconds enabled x provisioned price`.
    pub provisioned: Figure,
    /// `invocations x duration s x memory GB x provisioned duration price`.
    pub duration: Figure,
    /// `invocations x request price`.
    pub requests: Figure,
    /// The sum.
    pub total: Figure,
}

/// Charges of `concurrency` provisioned environments of `memory_mb` enabled for `hours`,
/// serving `invocations` of `duration_ms` each, all on the provisioned environments.
pub fn provisioned_charges(
    concurrency: u32,
    memory_mb: crate::units::MemoryMb,
    hours: f64,
    invocations: f64,
    duration_ms: f64,
    prices: &ConcurrencyPrices,
) -> ProvisionedCharges {
    let gb = memory_mb.gb();
    let seconds = hours * 3600.0;
    let provisioned_gb_s = f64::from(concurrency) * gb * seconds;
    let provisioned_usd = provisioned_gb_s * prices.provisioned_usd_per_gb_second;
    let duration_gb_s = invocations * duration_ms / 1000.0 * gb;
    let duration_usd = duration_gb_s * prices.provisioned_duration_usd_per_gb_second;
    let requests_usd = invocations * prices.request_usd;
    let total = provisioned_usd + duration_usd + requests_usd;
    ProvisionedCharges {
        provisioned: Figure::new(
            "provisioned concurrency charges",
            provisioned_usd,
            "USD",
            format!(
                "{concurrency} x {} GB x {} s = {} GB-s x {} USD = {} USD",
                num(gb),
                num(seconds),
                num(provisioned_gb_s),
                num(prices.provisioned_usd_per_gb_second),
                usd(provisioned_usd)
            ),
        ),
        duration: Figure::new(
            "duration charges",
            duration_usd,
            "USD",
            format!(
                "{} x {} s x {} GB = {} GB-s x {} USD = {} USD",
                num(invocations),
                num(duration_ms / 1000.0),
                num(gb),
                num(duration_gb_s),
                num(prices.provisioned_duration_usd_per_gb_second),
                usd(duration_usd)
            ),
        ),
        requests: Figure::new(
            "request charges",
            requests_usd,
            "USD",
            format!(
                "{} x {} USD = {} USD",
                num(invocations),
                num(prices.request_usd),
                usd(requests_usd)
            ),
        ),
        total: Figure::new(
            "total charges",
            total,
            "USD",
            format!(
                "{} + {} + {} = {} USD",
                usd(provisioned_usd),
                usd(duration_usd),
                usd(requests_usd),
                usd(total)
            ),
        ),
    }
}

/// Utilization above which provisioned concurrency is cheaper than on demand:
/// `provisioned price / (on-demand price - provisioned duration price)`.
pub fn break_even_utilization(prices: &ConcurrencyPrices) -> Figure {
    let margin = prices.on_demand_usd_per_gb_second - prices.provisioned_duration_usd_per_gb_second;
    let value = if margin > 0.0 {
        prices.provisioned_usd_per_gb_second / margin
    } else {
        f64::INFINITY
    };
    Figure::new(
        "break-even utilization",
        value,
        "fraction",
        format!(
            "{} / ({} - {}) = {}",
            num(prices.provisioned_usd_per_gb_second),
            num(prices.on_demand_usd_per_gb_second),
            num(prices.provisioned_duration_usd_per_gb_second),
            num(value)
        ),
    )
}

/// `(rps, weight s)` intervals the provisioned model integrates over.
fn load_intervals(traffic: &Traffic, average: f64) -> Vec<(f64, f64)> {
    match traffic {
        Traffic::Rates { .. } => vec![(average, 1.0)],
        Traffic::Series(points) => Traffic::intervals(points),
    }
}

/// Share of invocations served by `p` provisioned environments.
fn covered_share(intervals: &[(f64, f64)], mean_s: f64, p: f64) -> f64 {
    let total: f64 = intervals.iter().map(|(r, w)| r * w).sum();
    if total <= 0.0 {
        return 1.0;
    }
    let covered: f64 = intervals
        .iter()
        .map(|&(r, w)| {
            let c = r * mean_s;
            let share = if c > 0.0 { (p / c).min(1.0) } else { 1.0 };
            r * w * share
        })
        .sum();
    covered / total
}

/// The provisioned-concurrency model's numbers, before they are written out as figures.
struct Model {
    /// Share of cold starts to remove, asked for.
    target: f64,
    /// Mean duration, s.
    mean_s: f64,
    /// Provisioned environments.
    p: f64,
    /// Share of invocations they serve.
    share: f64,
    /// Memory size, GB.
    gb: f64,
    /// Seconds in the month.
    seconds: f64,
    /// Invocations in the month.
    invocations: f64,
    /// Mean Init Duration, s.
    init_s: f64,
    /// Cold-start rate of on-demand invocations.
    cold: f64,
    /// Invocations on provisioned environments.
    covered: f64,
    /// Invocations on demand.
    rest: f64,
    /// Monthly cost with every invocation on demand, USD.
    on_demand: f64,
    /// Monthly cost with the provisioned environments, USD.
    with_provisioned: f64,
    /// Share of provisioned environment-time spent serving requests.
    utilization: f64,
    /// Cold starts removed in the month.
    removed: f64,
}

impl Model {
    fn new(
        input: &ConcurrencyInput,
        prices: &ConcurrencyPrices,
        average: f64,
        mean_s: f64,
    ) -> Self {
        let intervals = load_intervals(&input.traffic, average);
        let target = input.cold_start_share_to_remove;
        let max_c = intervals
            .iter()
            .map(|(r, _)| r * mean_s)
            .fold(0.0, f64::max)
            .ceil();
        // Smallest whole P reaching the target share (the share grows with P).
        let mut p = 0.0;
        while p < max_c && covered_share(&intervals, mean_s, p) < target - 1e-12 {
            p += 1.0;
        }
        let share = covered_share(&intervals, mean_s, p);
        let gb = input.key.memory_mb.gb();
        let seconds = input.hours_per_month * 3600.0;
        let invocations = average * seconds;
        let init_s = input.init_duration_ms / 1000.0;
        let cold = input.cold_start_rate;
        let od = prices.on_demand_usd_per_gb_second;
        let on_demand_gb_s = invocations * (mean_s + cold * init_s) * gb;
        let on_demand = on_demand_gb_s * od + invocations * prices.request_usd;
        let covered = invocations * share;
        let rest = invocations - covered;
        let provisioned_gb_s = p * gb * seconds;
        let with_provisioned = provisioned_gb_s * prices.provisioned_usd_per_gb_second
            + covered * mean_s * gb * prices.provisioned_duration_usd_per_gb_second
            + rest * (mean_s + cold * init_s) * gb * od
            + invocations * prices.request_usd;
        let utilization = if p > 0.0 {
            covered * mean_s / (p * seconds)
        } else {
            0.0
        };
        let removed = invocations * cold * share;
        Self {
            target,
            mean_s,
            p,
            share,
            gb,
            seconds,
            invocations,
            init_s,
            cold,
            covered,
            rest,
            on_demand,
            with_provisioned,
            utilization,
            removed,
        }
    }
}

/// The provisioned-concurrency figures of `input` (see the module docs for the model).
pub(super) fn provisioned_figures(
    input: &ConcurrencyInput,
    prices: &ConcurrencyPrices,
    average: f64,
    mean_s: f64,
) -> ProvisionedFigures {
    let m = Model::new(input, prices, average, mean_s);
    let load = match input.traffic {
        Traffic::Rates { .. } => "constant load at the average rate",
        Traffic::Series(_) => "traffic series",
    };
    ProvisionedFigures {
        provisioned_concurrency: Figure::new(
            "provisioned concurrency",
            m.p,
            "environments",
            format!(
                "smallest P with share of invocations on provisioned environments >= {} \
                 ({load}, mean duration {} s) = {}",
                num(m.target),
                num(m.mean_s),
                num(m.p)
            ),
        ),
        cold_starts_removed_share: Figure::new(
            "share of cold starts removed",
            m.share,
            "fraction",
            format!(
                "sum(rps x w x min(1, {} / (rps x {} s))) / sum(rps x w) = {}",
                num(m.p),
                num(m.mean_s),
                num(m.share)
            ),
        ),
        cold_starts_removed_per_month: Figure::new(
            "cold starts removed per month",
            m.removed,
            "cold starts",
            format!(
                "{} invocations x cold-start rate {} x {} = {}",
                num(m.invocations),
                num(m.cold),
                num(m.share),
                num(m.removed)
            ),
        ),
        on_demand_monthly_usd: on_demand_monthly(&m, prices),
        with_provisioned_monthly_usd: with_provisioned_monthly(&m, prices),
        extra_monthly_usd: Figure::new(
            "extra monthly cost of provisioned concurrency",
            m.with_provisioned - m.on_demand,
            "USD/month",
            format!(
                "{} - {} = {} USD",
                usd(m.with_provisioned),
                usd(m.on_demand),
                usd(m.with_provisioned - m.on_demand)
            ),
        ),
        utilization: Figure::new(
            "provisioned utilization",
            m.utilization,
            "fraction",
            format!(
                "{} invocations x {} s / ({} environments x {} s) = {}",
                num(m.covered),
                num(m.mean_s),
                num(m.p),
                num(m.seconds),
                num(m.utilization)
            ),
        ),
        break_even_utilization: break_even_utilization(prices),
    }
}

fn on_demand_monthly(m: &Model, prices: &ConcurrencyPrices) -> Figure {
    Figure::new(
        "on-demand monthly cost",
        m.on_demand,
        "USD/month",
        format!(
            "{} invocations x ({} s + {} x {} s init) x {} GB x {} USD/GB-s + {} x {} USD \
             = {} USD",
            num(m.invocations),
            num(m.mean_s),
            num(m.cold),
            num(m.init_s),
            num(m.gb),
            num(prices.on_demand_usd_per_gb_second),
            num(m.invocations),
            num(prices.request_usd),
            usd(m.on_demand)
        ),
    )
}

fn with_provisioned_monthly(m: &Model, prices: &ConcurrencyPrices) -> Figure {
    Figure::new(
        "monthly cost with provisioned concurrency",
        m.with_provisioned,
        "USD/month",
        format!(
            "{} x {} GB x {} s x {} USD + {} invocations x {} s x {} GB x {} USD + {} \
             on-demand invocations x ({} s + {} x {} s) x {} GB x {} USD + {} x {} USD = {} \
             USD",
            num(m.p),
            num(m.gb),
            num(m.seconds),
            num(prices.provisioned_usd_per_gb_second),
            num(m.covered),
            num(m.mean_s),
            num(m.gb),
            num(prices.provisioned_duration_usd_per_gb_second),
            num(m.rest),
            num(m.mean_s),
            num(m.cold),
            num(m.init_s),
            num(m.gb),
            num(prices.on_demand_usd_per_gb_second),
            num(m.invocations),
            num(prices.request_usd),
            usd(m.with_provisioned)
        ),
    )
}
