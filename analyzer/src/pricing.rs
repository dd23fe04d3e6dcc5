//! Prices of Lambda and Step Functions and the cost of one invocation, from a data-driven price
//! table compiled in (`analyzer/data/prices.json`).
//!
//! The table holds, per region and architecture, the request price, the monthly on-demand
//! GB-second tiers and (where verified) the provisioned-concurrency prices; per region the
//! Step Functions standard state-transition price; the free tier; and the INIT billing rule.
//! Every region names its sources, with the date they were checked. A region or a price that
//! could not be verified is left out, and asking for it is an error naming what is known.
//!
//! # How an invocation is priced
//!
//! `cost = billed_duration_ms / 1000 * memory_gb * usd_per_gb_second + usd_per_request`
//! with the first (highest) tier's GB-second price and 1 GB = 1024 MB. Since 2025-08-01 the
//! INIT phase is billed for every on-demand invocation, and a cold start's REPORT line already
//! shows `Billed Duration = ceil(Duration + Init Duration)`; so cost comes from the billed
//! duration alone, and Init Duration is never added a second time. SnapStart's billed restore
//! duration is added when the record has one.
//!
//! # aws-lambda-power-tuning compatibility
//!
//! aws-lambda-power-tuning prices differently, and [`PowerTuningPrices`] reproduces it exactly:
//! `averagePrice = ceil(averageBilledDuration) * baseCost * memory / 128`, with `baseCost` the
//! per-ms price at 128 MB rounded to two significant figures (2.1e-9 USD for x86_64, 1.7e-9
//! for arm64, a few regional exceptions, `default` otherwise), no request price and no tiers.
//! powertune's own figures ([`PriceTable`]) use the exact GB-second price and include the
//! request price, so they are slightly lower for x86_64 (2.0833e-9 vs 2.1e-9 per ms at 128
//! MB), slightly lower for arm64 (1.6667e-9 vs 1.7e-9) and higher by 0.2 USD per million
//! invocations. Both are reported; the compatible output uses the compatible prices.
//!
//! ```
//! use analyzer::pricing::PriceTable;
//! use analyzer::units::{Architecture, MemoryMb};
//! let table = PriceTable::builtin();
//! let memory = MemoryMb::try_from(1024).unwrap();
//! let cost = table.invocation_cost_usd(100, memory, Architecture::X86_64, "us-east-1").unwrap();
//! // 0.1 s * 1 GB * 0.0000166667 + 0.0000002
//! assert!((cost - 0.00000186667).abs() < 1e-12);
//! assert!(table.price("mars-north-1", Architecture::Arm64).is_err());
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report_line::ReportRecord;
use crate::units::{Architecture, MemoryMb};

/// The price table as shipped, in JSON.
pub const BUILTIN_PRICES_JSON: &str = include_str!("../data/prices.json");

/// Milliseconds per second.
const MS_PER_SECOND: f64 = 1000.0;

/// One monthly volume tier of on-demand duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tier {
    /// Upper bound of the tier in GB-seconds per month (cumulative); `None` for the last tier.
    pub up_to_gb_seconds: Option<f64>,
    /// Price per GB-second within the tier, in USD.
    pub usd_per_gb_second: f64,
}

/// Provisioned-concurrency prices of one architecture in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionedPrices {
    /// Price per GB-second of provisioned concurrency configured (whether used or not), USD.
    pub concurrency_usd_per_gb_second: f64,
    /// Price per GB-second of duration of invocations served by provisioned environments, USD.
    pub duration_usd_per_gb_second: f64,
}

/// Lambda prices of one architecture in one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    /// Price of one million requests, in USD.
    pub request_usd_per_million: f64,
    /// On-demand duration tiers, lowest volume first; the last has no upper bound.
    pub gb_second_tiers: Vec<Tier>,
    /// Provisioned-concurrency prices, when verified for this region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned: Option<ProvisionedPrices>,
}

impl Prices {
    /// Price of one request, in USD.
    pub fn request_usd(&self) -> f64 {
        self.request_usd_per_million / 1_000_000.0
    }

    /// The first tier's (undiscounted) on-demand price per GB-second, in USD: what one
    /// invocation costs at the margin unless the account runs billions of GB-s a month.
    pub fn gb_second_usd(&self) -> f64 {
        self.gb_second_tiers
            .first()
            .map_or(0.0, |tier| tier.usd_per_gb_second)
    }

    /// On-demand cost of `gb_seconds` of duration in one month, walking the volume tiers, in
    /// USD. Negative or non-finite volumes cost nothing.
    pub fn tiered_duration_cost_usd(&self, gb_seconds: f64) -> f64 {
        if !(gb_seconds.is_finite() && gb_seconds > 0.0) {
            return 0.0;
        }
        let mut cost = 0.0;
        let mut floor = 0.0;
        for tier in &self.gb_second_tiers {
            let ceiling = tier.up_to_gb_seconds.unwrap_or(f64::INFINITY);
            let in_tier = gb_seconds.min(ceiling) - floor;
            if in_tier <= 0.0 {
                break;
            }
            cost += in_tier * tier.usd_per_gb_second;
            floor = ceiling;
        }
        cost
    }
}

/// Everything the table knows about one region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionPrices {
    /// Lambda prices on x86_64.
    pub x86_64: Prices,
    /// Lambda prices on arm64.
    pub arm64: Prices,
    /// Step Functions standard workflow price of one state transition, in USD.
    pub step_functions_usd_per_state_transition: f64,
    /// Keys into [`PriceTable::sources`] backing these figures.
    pub sources: Vec<String>,
}

impl RegionPrices {
    fn for_architecture(&self, architecture: Architecture) -> &Prices {
        match architecture {
            Architecture::X86_64 => &self.x86_64,
            Architecture::Arm64 => &self.arm64,
        }
    }
}

/// The monthly free tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FreeTier {
    /// Free Lambda requests per month.
    pub requests_per_month: u64,
    /// Free Lambda GB-seconds per month (shared by both architectures).
    pub gb_seconds_per_month: f64,
    /// Free Step Functions standard state transitions per month.
    pub step_functions_state_transitions_per_month: u64,
    /// Keys into [`PriceTable::sources`].
    pub sources: Vec<String>,
}

/// The INIT billing rule in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitBilling {
    /// Date from which INIT is billed for every on-demand invocation (ISO 8601).
    pub effective_from: String,
    /// The rule in words.
    pub rule: String,
    /// Keys into [`PriceTable::sources`].
    pub sources: Vec<String>,
}

/// Where a figure comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// Which figures it backs.
    pub what: String,
    /// Where to read it.
    pub url: String,
    /// Date it was last checked (ISO 8601).
    pub checked_on: String,
    /// `verified` (read on an AWS page), `corroborated` (two independent secondary tables
    /// agree) or `unverified` (figures left out).
    pub status: String,
}

/// aws-lambda-power-tuning's own pricing constants, for its compatible output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerTuningPrices {
    /// Memory size the base cost refers to (`minRAM`), in MB.
    pub min_ram_mb: u32,
    /// Price of one ms at `min_ram_mb`, per architecture, per region with a `default`.
    pub base_cost_usd_per_ms: BTreeMap<Architecture, BTreeMap<String, f64>>,
    /// Step Functions price per state transition per region with a `default`.
    pub step_functions_usd_per_state_transition: BTreeMap<String, f64>,
    /// Keys into [`PriceTable::sources`].
    pub sources: Vec<String>,
}

impl PowerTuningPrices {
    /// `lambdaBaseCost(region, architecture)`: the per-ms price at `minRAM` for the region, or
    /// the architecture's `default` when the region is not listed (as the original does).
    pub fn base_cost_usd_per_ms(&self, region: &str, architecture: Architecture) -> f64 {
        self.base_cost_usd_per_ms
            .get(&architecture)
            .and_then(|map| map.get(region).or_else(|| map.get("default")))
            .copied()
            .unwrap_or(0.0)
    }

    /// `computePrice(minCost, minRAM, value, duration)`:
    /// `ceil(duration_ms) * base_cost * memory_mb / minRAM`, in USD.
    pub fn price_usd(&self, base_cost_usd_per_ms: f64, memory_mb: u32, duration_ms: f64) -> f64 {
        duration_ms.ceil()
            * base_cost_usd_per_ms
            * (f64::from(memory_mb) / f64::from(self.min_ram_mb))
    }

    /// `computeTotalCost`: the sum of [`price_usd`](Self::price_usd) over every duration
    /// (0 for none), in USD.
    pub fn total_cost_usd(
        &self,
        base_cost_usd_per_ms: f64,
        memory_mb: u32,
        durations_ms: &[f64],
    ) -> f64 {
        durations_ms
            .iter()
            .map(|&d| self.price_usd(base_cost_usd_per_ms, memory_mb, d))
            .sum()
    }

    /// `stepFunctionsCost(nPower, onlyColdStarts, num)`: the state machine's own cost,
    /// `price * (6 + 3 nPower)` (or `6 + nPower + 2 nPower num` with `onlyColdStarts`),
    /// rounded to 5 decimals like `toFixed(5)`, in USD.
    pub fn step_functions_cost_usd(
        &self,
        region: &str,
        power_values: usize,
        only_cold_starts: bool,
        num: u32,
    ) -> f64 {
        let price = self
            .step_functions_usd_per_state_transition
            .get(region)
            .or_else(|| self.step_functions_usd_per_state_transition.get("default"))
            .copied()
            .unwrap_or(0.0);
        let n = power_values as f64;
        let transitions = if only_cold_starts {
            6.0 + n + 2.0 * n * f64::from(num)
        } else {
            6.0 + 3.0 * n
        };
        (price * transitions * 1e5).round() / 1e5
    }
}

/// A month of on-demand invocations of one configuration, priced with tiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyCost {
    /// Invocations in the month.
    pub invocations: u64,
    /// Billed GB-seconds in the month.
    pub gb_seconds: f64,
    /// Duration cost after tiers (and free tier when applied), in USD.
    pub duration_usd: f64,
    /// Request cost (after free tier when applied), in USD.
    pub requests_usd: f64,
    /// Sum of both, in USD.
    pub total_usd: f64,
    /// Whether the free tier was deducted.
    pub free_tier_applied: bool,
}

/// The whole price table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// Currency of every price (`USD`).
    pub currency: String,
    /// Date the table was last checked as a whole (ISO 8601).
    pub checked_on: String,
    /// What the table holds and leaves out.
    #[serde(default)]
    pub notes: String,
    /// The monthly free tier.
    pub free_tier: FreeTier,
    /// The INIT billing rule.
    pub init_billing: InitBilling,
    /// Prices per region.
    pub regions: BTreeMap<String, RegionPrices>,
    /// aws-lambda-power-tuning's constants.
    pub power_tuning: PowerTuningPrices,
    /// Sources by key.
    pub sources: BTreeMap<String, Source>,
}

impl PriceTable {
    /// The table compiled into this build (`analyzer/data/prices.json`).
    ///
    /// # Panics
    ///
    /// Never in a released build: a test parses and validates the embedded table, so a
    /// broken table fails the build's tests rather than a user's run.
    pub fn builtin() -> &'static PriceTable {
        static TABLE: OnceLock<PriceTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            PriceTable::from_json(BUILTIN_PRICES_JSON)
                .expect("the embedded price table is validated by the analyzer's tests")
        })
    }

    /// Parse and validate a table in the shipped format (to override prices).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPriceTable`] when the JSON does not parse, a price is not a positive
    /// finite number, tiers are not ascending with an open last tier, or a source key is
    /// unknown.
    pub fn from_json(json: &str) -> Result<PriceTable> {
        let table: PriceTable =
            serde_json::from_str(json).map_err(|err| Error::InvalidPriceTable {
                reason: err.to_string(),
            })?;
        table.validate()?;
        Ok(table)
    }

    fn validate(&self) -> Result<()> {
        let invalid = |reason: String| Err(Error::InvalidPriceTable { reason });
        let positive = |v: f64| v.is_finite() && v > 0.0;
        for (region, prices) in &self.regions {
            for arch in Architecture::ALL {
                let p = prices.for_architecture(arch);
                if !positive(p.request_usd_per_million) {
                    return invalid(format!("{region} {arch}: request price must be positive"));
                }
                if p.gb_second_tiers.is_empty() {
                    return invalid(format!("{region} {arch}: no GB-second tier"));
                }
                let mut previous = 0.0;
                for (i, tier) in p.gb_second_tiers.iter().enumerate() {
                    let last = i + 1 == p.gb_second_tiers.len();
                    if !positive(tier.usd_per_gb_second) {
                        return invalid(format!(
                            "{region} {arch}: tier {i} price must be positive"
                        ));
                    }
                    match (tier.up_to_gb_seconds, last) {
                        (None, true) => {}
                        (Some(bound), false) if bound > previous => previous = bound,
                        _ => {
                            return invalid(format!(
                                "{region} {arch}: tiers must ascend and only the last be open"
                            ));
                        }
                    }
                }
                if let Some(pc) = &p.provisioned
                    && !(positive(pc.concurrency_usd_per_gb_second)
                        && positive(pc.duration_usd_per_gb_second))
                {
                    return invalid(format!(
                        "{region} {arch}: provisioned prices must be positive"
                    ));
                }
            }
            if !positive(prices.step_functions_usd_per_state_transition) {
                return invalid(format!("{region}: Step Functions price must be positive"));
            }
            if prices.sources.is_empty() {
                return invalid(format!("{region}: no source"));
            }
        }
        let referenced = self
            .regions
            .values()
            .flat_map(|r| r.sources.iter())
            .chain(&self.free_tier.sources)
            .chain(&self.init_billing.sources)
            .chain(&self.power_tuning.sources);
        for key in referenced {
            if !self.sources.contains_key(key) {
                return invalid(format!("unknown source `{key}`"));
            }
        }
        Ok(())
    }

    /// The regions the table holds prices for, sorted.
    pub fn regions(&self) -> impl Iterator<Item = &str> {
        self.regions.keys().map(String::as_str)
    }

    fn known_regions(&self) -> String {
        self.regions().collect::<Vec<_>>().join(", ")
    }

    /// Everything known about `region`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn region(&self, region: &str) -> Result<&RegionPrices> {
        self.regions
            .get(region)
            .ok_or_else(|| Error::UnknownRegion {
                region: region.to_owned(),
                known: self.known_regions(),
            })
    }

    /// Lambda prices of `architecture` in `region`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn price(&self, region: &str, architecture: Architecture) -> Result<&Prices> {
        Ok(self.region(region)?.for_architecture(architecture))
    }

    /// Provisioned-concurrency prices of `architecture` in `region`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`], or [`Error::PriceNotVerified`] naming the regions where
    /// provisioned-concurrency prices are known.
    pub fn provisioned(
        &self,
        region: &str,
        architecture: Architecture,
    ) -> Result<&ProvisionedPrices> {
        self.price(region, architecture)?
            .provisioned
            .as_ref()
            .ok_or_else(|| Error::PriceNotVerified {
                item: "provisioned concurrency".to_owned(),
                region: region.to_owned(),
                known: self
                    .regions
                    .iter()
                    .filter(|(_, r)| r.for_architecture(architecture).provisioned.is_some())
                    .map(|(name, _)| name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Step Functions standard workflow price of one state transition in `region`, USD.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn step_functions_usd_per_state_transition(&self, region: &str) -> Result<f64> {
        Ok(self.region(region)?.step_functions_usd_per_state_transition)
    }

    /// On-demand cost of one invocation billed `billed_duration_ms` at `memory`, request
    /// included, at the first tier's price, in USD. For a cold start pass the REPORT line's
    /// billed duration as is: it already includes the INIT phase (see the module docs).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn invocation_cost_usd(
        &self,
        billed_duration_ms: u64,
        memory: MemoryMb,
        architecture: Architecture,
        region: &str,
    ) -> Result<f64> {
        let prices = self.price(region, architecture)?;
        Ok(
            duration_cost_usd(billed_duration_ms as f64, memory, prices.gb_second_usd())
                + prices.request_usd(),
        )
    }

    /// On-demand cost of the invocation a REPORT record describes, in USD: its billed
    /// duration plus SnapStart's billed restore duration, at its own memory size.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidMemory`] when the record's memory size is outside Lambda's range,
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn record_cost_usd(
        &self,
        record: &ReportRecord,
        architecture: Architecture,
        region: &str,
    ) -> Result<f64> {
        let memory = MemoryMb::try_from(record.memory_size_mb)?;
        let billed = record.billed_duration_ms + record.billed_restore_duration_ms.unwrap_or(0);
        self.invocation_cost_usd(billed, memory, architecture, region)
    }

    /// Cost of a month of `invocations` on-demand invocations of `mean_billed_duration_ms`
    /// each at `memory`, walking the volume tiers, optionally after the free tier (which is
    /// per account and region: deduct it only when this function is all the account runs).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownRegion`] naming the known regions.
    pub fn monthly_cost(
        &self,
        invocations: u64,
        mean_billed_duration_ms: f64,
        memory: MemoryMb,
        architecture: Architecture,
        region: &str,
        apply_free_tier: bool,
    ) -> Result<MonthlyCost> {
        let prices = self.price(region, architecture)?;
        let billed_ms = if mean_billed_duration_ms.is_finite() {
            mean_billed_duration_ms.max(0.0)
        } else {
            0.0
        };
        let gb_seconds = invocations as f64 * billed_ms / MS_PER_SECOND * memory.gb();
        let (billable_gb_seconds, billable_requests) = if apply_free_tier {
            (
                (gb_seconds - self.free_tier.gb_seconds_per_month).max(0.0),
                invocations.saturating_sub(self.free_tier.requests_per_month),
            )
        } else {
            (gb_seconds, invocations)
        };
        let duration_usd = prices.tiered_duration_cost_usd(billable_gb_seconds);
        let requests_usd = billable_requests as f64 * prices.request_usd();
        Ok(MonthlyCost {
            invocations,
            gb_seconds,
            duration_usd,
            requests_usd,
            total_usd: duration_usd + requests_usd,
            free_tier_applied: apply_free_tier,
        })
    }

    /// aws-lambda-power-tuning's pricing constants.
    pub fn power_tuning(&self) -> &PowerTuningPrices {
        &self.power_tuning
    }

    /// aws-lambda-power-tuning's price of one invocation billed `billed_duration_ms` (it may
    /// be a trimmed average) at `memory_mb`: `ceil(ms) * baseCost(region, arch) * memory /
    /// 128`, no request price, no tiers, in USD. Regions it does not list use its default.
    pub fn power_tuning_invocation_cost_usd(
        &self,
        billed_duration_ms: f64,
        memory_mb: u32,
        architecture: Architecture,
        region: &str,
    ) -> f64 {
        let base = self.power_tuning.base_cost_usd_per_ms(region, architecture);
        self.power_tuning
            .price_usd(base, memory_mb, billed_duration_ms)
    }
}

/// Cost of `billed_duration_ms` at `memory` and a GB-second price, in USD.
pub fn duration_cost_usd(billed_duration_ms: f64, memory: MemoryMb, usd_per_gb_second: f64) -> f64 {
    billed_duration_ms / MS_PER_SECOND * memory.gb() * usd_per_gb_second
}
